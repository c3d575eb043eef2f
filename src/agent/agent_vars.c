/*
 * agent_vars.c: the agent's clock (the wall clock, or a test's) and the
 * variables its templates see: the lead, its decision and owner, the
 * folders, SLAs and time in review.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "agent_p.h"
#include "duration.h"
#include "jsonout.h"
#include "log.h"

static const char *clock_file;	/* AGENT_CLOCK_ENV; NULL: the wall clock */

const char *
clock_init(void)
{
	clock_file = getenv(AGENT_CLOCK_ENV);
	if (clock_file != NULL && *clock_file == '\0')
		clock_file = NULL;
	return clock_file;
}

/* The test clock's time (clock_file), or the wall clock's when the file
 * cannot be read. */
static gint64
test_clock(void)
{
	static gboolean told;
	char *text = NULL, *end;
	gint64 t = 0;

	if (g_file_get_contents(clock_file, &text, NULL, NULL)) {
		t = g_ascii_strtoll(text, &end, 10);
		if (end == text || t <= 0)
			t = 0;
	}
	g_free(text);
	if (t == 0 && !told) {
		log_warnx("run: %s=%s: no Unix time in it; using the wall "
		    "clock", AGENT_CLOCK_ENV, clock_file);
		told = TRUE;
	}
	return t != 0 ? t : g_get_real_time() / G_USEC_PER_SEC;
}

gint64
now_s(void)
{
	if (clock_file != NULL)
		return test_clock();
	return g_get_real_time() / G_USEC_PER_SEC;
}

/* The whole second at which seconds from now have surely passed (a
 * Retry-After is a lower bound: round up, never down). */
gint64
after_s(gint64 seconds)
{
	if (clock_file != NULL)
		return now_s() + seconds;
	return (g_get_real_time() + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC +
	    seconds;
}

char *
dims_text(const struct decision *dc)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *dv = g_ptr_array_index(dc->dims, i);

		g_string_append_printf(s, "%s%s=%s", i ? " " : "", dv->name,
		    dv->value);
	}
	return g_string_free(s, FALSE);
}

/* The same as a JSON object, for the journal. */
char *
dims_json(const struct decision *dc)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *dv = g_ptr_array_index(dc->dims, i);

		json_member_string(b, dv->name, dv->value);
	}
	json_builder_end_object(b);
	return json_string(b, FALSE);
}

static char *
iso_time(gint64 t)
{
	GDateTime *d = g_date_time_new_from_unix_utc(t);
	char *r = d != NULL ? g_date_time_format_iso8601(d) : NULL;

	if (d != NULL)
		g_date_time_unref(d);
	return r;
}

/* The first-response SLA of a lead owner o has: o's own (the sla column
 * of owners.csv), else team's when the team gave it (team may be NULL);
 * 0 when none. */
gint64
owner_sla(const struct ruleset *rs, const struct owner *o, const char *team)
{
	const struct team *t = team != NULL ? g_hash_table_lookup(rs->teams,
	    team) : NULL;

	if (o == NULL)
		return 0;
	return o->sla > 0 ? o->sla : t != NULL ? t->sla : 0;
}

/* The SLA that applies to v's lead: the review SLA while in review, its
 * owner's for a lead forwarded to one; 0 when none. */
gint64
sla_of(const struct vars *v)
{
	const struct ruleset *rs = v->a->rs;

	if (v->review_since > 0 || v->dc->kind == DEST_REVIEW)
		return rs->review_sla;
	return owner_sla(rs, v->o, v->dc->kind == DEST_TEAM ? v->dc->id :
	    NULL);
}

/* The review folder's name. */
/* Today (YYYY-MM-DD) in owner o's timezone, at the decisions' time now. */
char *
owner_today(const struct owner *o, GDateTime *now)
{
	GDateTime *t = g_date_time_to_timezone(now, o->tz);
	char *day = g_date_time_format(t, "%Y-%m-%d");

	g_date_time_unref(t);
	return day;
}

char *
review_folder(const struct agent *a)
{
	return route_review_folder(a->rs, a->cfg->folder_prefix);
}

/* Variables that need the run: folders, SLA, time in review. */
static char *
lookup_run(const struct vars *v, const char *name)
{
	const struct agent *a = v->a;
	gint64 sla = sla_of(v);

	if (strcmp(name, "folder.review") == 0)
		return review_folder(a);
	if (strcmp(name, "folder.owners") == 0)
		return route_owners_folder(a->cfg->folder_prefix);
	if (strcmp(name, "review.since") == 0 && v->review_since > 0)
		return iso_time(v->review_since);
	if (strcmp(name, "review.waiting") == 0 && v->review_since > 0)
		return duration_text(now_s() - v->review_since);
	if (strcmp(name, "sla") == 0 && sla > 0)
		return duration_text(sla);
	if (strcmp(name, "sla.due") == 0 && sla > 0)
		return iso_time((v->review_since > 0 ? v->review_since :
		    v->decided > 0 ? v->decided : now_s()) + sla);
	return NULL;
}

char *
vars_lookup(void *ctx, const char *name)
{
	const struct vars *v = ctx;
	enum lead_field f;

	if (g_str_has_prefix(name, "lead.form.")) {
		const char *vals[1];

		return lead_values(v->l, LF_FORM, name + 10, vals, 1) ?
		    g_strdup(vals[0]) : NULL;
	}
	if (g_str_has_prefix(name, "lead.") &&
	    lead_field_lookup(name + 5, &f) && f < LF_FORM)
		return g_strdup(f == LF_LANGUAGE ? lead_language(v->l) :
		    v->l->str[f]);
	if (strcmp(name, "lead.is_form") == 0)
		return v->l->is_form ? g_strdup("yes") : NULL;
	if (g_str_has_prefix(name, "owner.") && v->o != NULL) {
		const char *k = name + 6;

		if (strcmp(k, "id") == 0)
			return g_strdup(v->o->id);
		if (strcmp(k, "name") == 0)
			return g_strdup(v->o->name);
		if (strcmp(k, "email") == 0)
			return g_strdup(v->o->email);
		if (strcmp(k, "slack") == 0)
			return g_strdup(v->o->slack);
	}
	if (g_str_has_prefix(name, "dimensions.")) {
		const struct dim_value *dv = decision_dim(v->dc, name + 11);

		return dv != NULL ? g_strdup(dv->value) : NULL;
	}
	if (strcmp(name, "dimensions") == 0)
		return dims_text(v->dc);
	if (strcmp(name, "team.id") == 0 && v->dc->kind == DEST_TEAM)
		return g_strdup(v->dc->id);
	if (strcmp(name, "destination.kind") == 0)
		return g_strdup(rules_dest_kind_name(v->dc->kind));
	if (strcmp(name, "destination.id") == 0)
		return g_strdup(v->dc->id);
	if (strcmp(name, "destination.folder") == 0)
		return g_strdup(v->dc->folder);
	if (strcmp(name, "route.line") == 0 && v->dc->route_line > 0)
		return g_strdup_printf("%d", v->dc->route_line);
	if (strcmp(name, "reason") == 0)
		return g_strdup(v->dc->reason);
	if (strcmp(name, "message_id") == 0)
		return g_strdup(v->key);
	if (strcmp(name, "received") == 0 && v->received > 0)
		return iso_time(v->received);
	if (strcmp(name, "leadroute.version") == 0)
		return g_strdup(PACKAGE_VERSION);
	if (v->a != NULL) {
		char *r = lookup_run(v, name);

		if (r != NULL)
			return r;
	}
	if (strcmp(name, "receipt") == 0) {
		char *d = dims_text(v->dc);
		char *r = g_strdup_printf("Routed by leadroute: %s (%s)%s%s",
		    v->dc->reason, d, v->dc->notes->len ? "; " : "",
		    v->dc->notes->len ? (char *)g_ptr_array_index(v->dc->notes,
		    0) : "");

		g_free(d);
		return r;
	}
	return NULL;
}

/* The time decisions are made at: now, or AGENT_NOW_ENV in tests. */
GDateTime *
decide_time(void)
{
	const char *fixed = getenv(AGENT_NOW_ENV);

	if (clock_file != NULL)
		return g_date_time_new_from_unix_utc(now_s());
	GDateTime *t = fixed != NULL ? g_date_time_new_from_iso8601(fixed,
	    NULL) : NULL;

	if (fixed != NULL && t == NULL)
		log_warnx("run: %s=%s: not an ISO 8601 time; using the clock",
		    AGENT_NOW_ENV, fixed);
	return t != NULL ? t : g_date_time_new_now_utc();
}
