/*
 * roster.c: `leadroute owners`. Everything shown is what route_decide()
 * would use at o->now: route_team_next() for the next owner, the same
 * availability and the same counters.
 */
#include "config.h"

#include "jsonout.h"
#include "roster.h"

static const char *
rotate_name(enum rotate r)
{
	switch (r) {
	case ROTATE_WEIGHTED: return "weighted";
	case ROTATE_LEAST_LOADED: return "least-loaded";
	default: return "round-robin";
	}
}

/* What the journal says of o at now. */
struct load {
	guint today, day;	/* leads today (owner's zone), last 24 h */
	enum owner_avail avail;	/* as a team member */
	char *why;		/* owned: availability in words */
};

static void
load_of(const struct roster_opts *o, const struct owner *ow, struct load *l)
{
	const struct route_state *st = o->st;

	l->today = st != NULL && st->leads_today != NULL ?
	    st->leads_today(st->ctx, ow, o->now) : 0;
	l->day = st != NULL && st->leads_24h != NULL ?
	    st->leads_24h(st->ctx, ow, o->now) : 0;
	l->avail = route_owner_available(ow, o->now, st, TRUE, &l->why);
	if (l->why == NULL)
		l->why = g_strdup("available");
}

static gint64
credit_of(const struct roster_opts *o, const struct team *t,
    const struct owner *ow)
{
	return o->st != NULL && o->st->credit != NULL ?
	    o->st->credit(o->st->ctx, t, ow) : 0;
}

static void
text_teams(const struct roster_opts *o)
{
	for (guint i = 0; i < o->rs->team_order->len; i++) {
		const struct team *t = g_ptr_array_index(o->rs->team_order, i);
		const struct owner *next = route_team_next(t, o->now, o->st,
		    NULL, NULL);

		if (next != NULL)
			fprintf(o->out, "team %s (%s): next is %s\n", t->id,
			    rotate_name(t->rotate), next->id);
		else
			fprintf(o->out, "team %s (%s): nobody available; its "
			    "leads go to review\n", t->id,
			    rotate_name(t->rotate));
		fprintf(o->out, "  %-14s %5s %5s %6s %6s  %s\n", "member",
		    "today", "24 h", "weight", "credit", "status");
		for (guint k = 0; k < t->members->len; k++) {
			const struct owner *ow = g_ptr_array_index(t->members,
			    k);
			struct load l;

			load_of(o, ow, &l);
			fprintf(o->out, "  %-14s %5u %5u %6u %6" G_GINT64_FORMAT
			    "  %s\n", ow->id, l.today, l.day,
			    t->rotate == ROTATE_WEIGHTED ? ow->weight : 1,
			    credit_of(o, t, ow), l.why);
			g_free(l.why);
		}
		fputc('\n', o->out);
	}
}

static void
text_owners(const struct roster_opts *o)
{
	guint n = o->rs->owners != NULL ? owners_count(o->rs->owners) : 0;

	fprintf(o->out, "%-16s %5s %5s %5s  %s\n", "owner", "today", "cap",
	    "24 h", "status");
	for (guint i = 0; i < n; i++) {
		const struct owner *ow = owners_nth(o->rs->owners, i);
		struct load l;
		char cap[16] = "-";

		load_of(o, ow, &l);
		if (ow->max_per_day > 0)
			g_snprintf(cap, sizeof cap, "%u", ow->max_per_day);
		fprintf(o->out, "%-16s %5u %5s %5u  %s\n", ow->id, l.today, cap,
		    l.day, l.why);
		g_free(l.why);
	}
}

static void
json_owner(JsonBuilder *b, const struct roster_opts *o,
    const struct owner *ow, const struct team *t)
{
	struct load l;

	load_of(o, ow, &l);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_string_value(b, ow->id);
	json_builder_set_member_name(b, "available");
	json_builder_add_boolean_value(b, l.avail == AVAIL_YES);
	if (l.avail != AVAIL_YES) {
		json_builder_set_member_name(b, "skipped");
		json_builder_add_string_value(b, l.why);
	}
	json_builder_set_member_name(b, "today");
	json_builder_add_int_value(b, l.today);
	json_builder_set_member_name(b, "last_24h");
	json_builder_add_int_value(b, l.day);
	if (t != NULL) {
		json_builder_set_member_name(b, "credit");
		json_builder_add_int_value(b, credit_of(o, t, ow));
	} else if (ow->max_per_day > 0) {
		json_builder_set_member_name(b, "max_per_day");
		json_builder_add_int_value(b, ow->max_per_day);
	}
	json_builder_end_object(b);
	g_free(l.why);
}

static void
json_print(const struct roster_opts *o)
{
	JsonBuilder *b = json_builder_new();
	char *now = g_date_time_format_iso8601(o->now);
	guint n = o->rs->owners != NULL ? owners_count(o->rs->owners) : 0;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "now");
	json_builder_add_string_value(b, now);
	json_builder_set_member_name(b, "history");
	json_builder_add_boolean_value(b, o->st != NULL);
	json_builder_set_member_name(b, "teams");
	json_builder_begin_array(b);
	for (guint i = 0; i < o->rs->team_order->len; i++) {
		const struct team *t = g_ptr_array_index(o->rs->team_order, i);
		const struct owner *next = route_team_next(t, o->now, o->st,
		    NULL, NULL);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_string_value(b, t->id);
		json_builder_set_member_name(b, "rotate");
		json_builder_add_string_value(b, rotate_name(t->rotate));
		json_member_string(b, "next", next != NULL ? next->id : NULL);
		json_builder_set_member_name(b, "members");
		json_builder_begin_array(b);
		for (guint k = 0; k < t->members->len; k++)
			json_owner(b, o, g_ptr_array_index(t->members, k), t);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "owners");
	json_builder_begin_array(b);
	for (guint i = 0; i < n; i++)
		json_owner(b, o, owners_nth(o->rs->owners, i), NULL);
	json_builder_end_array(b);
	json_builder_end_object(b);
	json_out(o->out, b, TRUE);
	g_free(now);
}

void
roster_print(const struct roster_opts *o)
{
	char *now;

	if (o->json) {
		json_print(o);
		return;
	}
	now = g_date_time_format(o->now, "%Y-%m-%d %H:%M %Z");
	fprintf(o->out, "at %s%s\n\n", now, o->st == NULL ?
	    " (no journal yet: no lead counted)" : "");
	g_free(now);
	text_teams(o);
	text_owners(o);
}
