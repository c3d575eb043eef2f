/*
 * rulesdiff.c: `leadroute diff`. Each message is parsed once per rule
 * set (the lead depends on the rules' free-mail list) and decided with
 * route_decide() at the same moment under both.
 */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "explain.h"
#include "jsonout.h"
#include "lead.h"
#include "route.h"
#include "rulesdiff.h"

struct run {
	const struct rulesdiff_opts *o;
	guint leads, changed;
};

static gboolean
same_destination(const struct decision *a, const struct decision *b)
{
	return a->kind == b->kind && g_strcmp0(a->id, b->id) == 0 &&
	    g_strcmp0(a->owner, b->owner) == 0 &&
	    g_strcmp0(a->folder, b->folder) == 0;
}

/* "team consulting-emea, owner dana, folder Leads/Owners/dana" */
static char *
destination_text(const struct decision *dc)
{
	GString *s = g_string_new(rules_dest_kind_name(dc->kind));

	if (dc->id != NULL && g_strcmp0(dc->id, dc->owner) != 0)
		g_string_append_printf(s, " %s", dc->id);
	if (dc->owner != NULL)
		g_string_append_printf(s, ", owner %s", dc->owner);
	g_string_append_printf(s, ", folder %s", dc->folder);
	return g_string_free(s, FALSE);
}

static void
json_side(JsonBuilder *b, const char *name, const struct decision *dc)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "kind");
	json_builder_add_string_value(b, rules_dest_kind_name(dc->kind));
	json_member_string(b, "id", dc->id);
	json_member_string(b, "owner", dc->owner);
	json_member_string(b, "folder", dc->folder);
	json_member_string(b, "reason", dc->reason);
	json_builder_end_object(b);
}

static void
print_change(const struct rulesdiff_opts *o, const char *file,
    const struct lead *l, const struct decision *was,
    const struct decision *now)
{
	if (o->json) {
		JsonBuilder *b = json_builder_new();

		json_builder_begin_object(b);
		json_member_string(b, "file", file);
		json_member_string(b, "message_id", l->str[LF_MESSAGE_ID]);
		json_side(b, "old", was);
		json_side(b, "new", now);
		json_builder_end_object(b);
		json_out(o->out, b, FALSE);
	} else {
		char *a = destination_text(was), *c = destination_text(now);

		fprintf(o->out, "%s%s%s\n  - %s (%s)\n  + %s (%s)\n", file,
		    l->str[LF_EMAIL] != NULL ? ": " : "",
		    l->str[LF_EMAIL] != NULL ? l->str[LF_EMAIL] : "", a,
		    was->reason, c, now->reason);
		g_free(a);
		g_free(c);
	}
}

static void
one(const char *file, const char *data, gsize len, void *ctx)
{
	struct run *r = ctx;
	const struct rulesdiff_opts *o = r->o;
	struct lead *lo = lead_from_bytes(data, len, &o->old_rules->lead);
	struct lead *ln = lead_from_bytes(data, len, &o->new_rules->lead);
	struct decision *was = route_decide(o->old_rules, lo, o->now,
	    o->prefix, NULL);
	struct decision *now = route_decide(o->new_rules, ln, o->now,
	    o->prefix, NULL);

	r->leads++;
	if (!same_destination(was, now)) {
		r->changed++;
		print_change(o, file, ln, was, now);
	}
	decision_free(was);
	decision_free(now);
	lead_free(lo);
	lead_free(ln);
}

int
rulesdiff_paths(const struct rulesdiff_opts *o, char **paths, int n)
{
	struct run r = { o, 0, 0 };
	int rc = explain_each(paths, n, one, &r);

	if (!o->json)
		fprintf(o->out, "%u of %u lead%s would go elsewhere under %s "
		    "than under %s\n", r.changed, r.leads, r.leads == 1 ? "" :
		    "s", o->new_name, o->old_name);
	if (rc != 0)
		return rc;
	return r.changed > 0 ? 1 : 0;
}
