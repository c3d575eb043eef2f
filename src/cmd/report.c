/*
 * report.c: `leadroute report`. One pass over the period's messages
 * (journal_leads) fills the counters and the duration series; the
 * printers only format them. Percentiles are nearest-rank: p50 of 1, 2,
 * 3, 4 is 2. Durations below zero (a Date in the future) count as 0.
 * The review rate is review leads over decided leads that are not
 * ignored (machine mail is not a lead).
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "journal_report.h"
#include "jsonout.h"
#include "report.h"
#include "rules.h"

/* A lead given to an owner without an answer counts as "never answered"
 * once this long has passed by the period's end; before, it awaits one. */
#define REPORT_ANSWER_WAIT	86400

/* One owner's or one source's leads. */
struct group_stats {
	guint leads, owned, forwarded, answered, reassigned;	/* owned: with
				 * an owner, who could answer */
	guint awaiting;		/* owned, no answer yet, given them within
				 * REPORT_ANSWER_WAIT of the period's end */
	GArray *ttr, *first;	/* of gint64 seconds */
};

struct stats {
	guint leads, decided, failed, undecided, owner_routed, reassigned;
	guint answered, refused, replies, auto_replies, awaiting;
	GHashTable *by_kind;	/* kind -> count */
	GHashTable *dims;	/* dimension -> (value -> count) */
	GPtrArray *dim_order;	/* of char *: dimensions, first seen first */
	GHashTable *owners;	/* id -> struct group_stats * */
	GHashTable *sources;	/* source -> struct group_stats * */
	GArray *ttr, *to_fetch, *to_decide, *to_forward, *first;
	GHashTable *days;	/* "YYYY-MM-DD" (UTC, fetched) -> guint[DAY_N] */
	GHashTable *hours;	/* "YYYY-MM-DD HH:00" -> the same: a period of
				 * a day or two is drawn by the hour */
	guint reviewed;		/* leads that were in review */
	GArray *review_time;	/* per lead out of review: its time there */
	guint waiting;		/* leads in review at the end */
	gint64 oldest;		/* the longest of those waits */
	guint escalated, sla_missed, sla_missed_leads;
	GArray *spans;		/* of struct journal_span: every stay */
	gint64 end;		/* the end of the period */
};

/* What a day's leads became, for the HTML chart. */
enum { DAY_OWNER, DAY_QUEUE, DAY_REVIEW, DAY_IGNORE, DAY_N };
static const char *const day_names[DAY_N] = {
	"to an owner", "to a queue", "to review", "ignored",
};
static const char *const day_colors[DAY_N] = {
	"#2b7bb9", "#7fb069", "#e08e0b", "#b0b0b0",
};

enum { LEG_TTR, LEG_FETCH, LEG_DECIDE, LEG_FORWARD, LEG_FIRST, LEG_N };

static const char *const leg_names[LEG_N] = {
	"time_to_route", "dated_to_fetched", "fetched_to_decided",
	"decided_to_forwarded", "first_response",
};

static GArray *
series_new(void)
{
	return g_array_new(FALSE, FALSE, sizeof(gint64));
}

static void
series_add(GArray *a, gint64 from, gint64 to)
{
	gint64 d = to - from;

	if (from <= 0 || to <= 0)
		return;
	d = MAX(d, 0);
	g_array_append_val(a, d);
}

static gint
cmp_i64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (per mille: 500 for the median) of a sorted
 * series; -1 when empty. */
static gint64
pct(const GArray *a, guint pm)
{
	guint64 k;

	if (a->len == 0)
		return -1;
	k = ((guint64)a->len * pm + 999) / 1000;	/* ceil(n * p) */
	return g_array_index(a, gint64, k > 0 ? k - 1 : 0);
}

static void
group_stats_free(gpointer p)
{
	struct group_stats *s = p;

	g_array_free(s->ttr, TRUE);
	g_array_free(s->first, TRUE);
	g_free(s);
}

static struct group_stats *
group(GHashTable *t, const char *key)
{
	struct group_stats *g = g_hash_table_lookup(t, key);

	if (g == NULL) {
		g = g_new0(struct group_stats, 1);
		g->ttr = series_new();
		g->first = series_new();
		g_hash_table_insert(t, g_strdup(key), g);
	}
	return g;
}

static void
count(GHashTable *t, const char *key)
{
	gpointer v = g_hash_table_lookup(t, key);

	g_hash_table_replace(t, g_strdup(key),
	    GUINT_TO_POINTER(GPOINTER_TO_UINT(v) + 1));
}

/* Count the dimensions of a lead; the value of one named "source" (the
 * rules' own idea of a lead's source) in *source. */
static void
count_dims(struct stats *s, const char *json, char **source)
{
	JsonParser *p;
	JsonNode *root;
	JsonObject *o;
	GList *members;

	if (json == NULL || *json != '{')
		return;
	p = json_parser_new();
	if (!json_parser_load_from_data(p, json, -1, NULL) ||
	    (root = json_parser_get_root(p)) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(root)) {
		g_object_unref(p);
		return;
	}
	o = json_node_get_object(root);
	members = json_object_get_members(o);
	for (GList *m = members; m != NULL; m = m->next) {
		const char *dim = m->data;
		JsonNode *n = json_object_get_member(o, dim);
		GHashTable *vals = g_hash_table_lookup(s->dims, dim);

		if (!JSON_NODE_HOLDS_VALUE(n) ||
		    json_node_get_value_type(n) != G_TYPE_STRING)
			continue;
		if (vals == NULL) {
			vals = g_hash_table_new_full(g_str_hash, g_str_equal,
			    g_free, NULL);
			g_hash_table_insert(s->dims, g_strdup(dim), vals);
			g_ptr_array_add(s->dim_order, g_strdup(dim));
		}
		count(vals, json_node_get_string(n));
		if (strcmp(dim, "source") == 0 && *source == NULL)
			*source = g_strdup(json_node_get_string(n));
	}
	g_list_free(members);
	g_object_unref(p);
}

/* The counts of what became of the leads of key's day (or hour). */
static guint *
day_counts(GHashTable *h, const char *key)
{
	guint *c = g_hash_table_lookup(h, key);

	if (c == NULL) {
		c = g_new0(guint, DAY_N);
		g_hash_table_insert(h, g_strdup(key), c);
	}
	return c;
}

static void
count_day(struct stats *s, const struct journal_lead *l)
{
	GDateTime *t = g_date_time_new_from_unix_utc(l->fetched_at);
	char *day, *hour;
	int k;

	if (t == NULL)
		return;
	day = g_date_time_format(t, "%Y-%m-%d");
	hour = g_date_time_format(t, "%Y-%m-%d %H:00");
	g_date_time_unref(t);
	if (l->owner != NULL)
		k = DAY_OWNER;
	else if (l->kind == DEST_QUEUE)
		k = DAY_QUEUE;
	else if (l->kind == DEST_IGNORE)
		k = DAY_IGNORE;
	else
		k = DAY_REVIEW;
	day_counts(s->days, day)[k]++;
	day_counts(s->hours, hour)[k]++;
	g_free(day);
	g_free(hour);
}

/*
 * A lead's stays in review, as the period's end (s->end) saw them (a stay
 * that ended later was still open then; one that began later does not
 * count): a lead out of review adds its whole time there to review_time.
 */
static void
add_review(struct stats *s, const struct journal_lead *l)
{
	gint64 total = 0;
	gboolean open = FALSE, any = FALSE;

	for (guint i = 0; l->review != NULL && i < l->review->len; i++) {
		const struct journal_span *sp = &g_array_index(l->review,
		    struct journal_span, i);

		if (sp->from > s->end)
			continue;
		any = TRUE;
		if (sp->to == 0 || sp->to > s->end)
			open = TRUE;
		else
			total += MAX(sp->to - sp->from, 0);
	}
	if (!any)
		return;
	s->reviewed++;
	if (!open)
		g_array_append_val(s->review_time, total);
}

/* The backlog from every stay in review of the period, whenever its lead
 * came: what waits at the end, and the longest wait. */
static void
add_waiting(struct stats *s)
{
	for (guint i = 0; i < s->spans->len; i++) {
		struct journal_span *sp = &g_array_index(s->spans,
		    struct journal_span, i);

		if (sp->to > s->end)
			sp->to = 0;	/* it lasted past the end */
		if (sp->to == 0 && sp->from <= s->end) {
			s->waiting++;
			s->oldest = MAX(s->oldest, s->end - sp->from);
		}
	}
}

static enum lr_status
add_lead(const struct journal_lead *l, void *ctx)
{
	struct stats *s = ctx;
	gint64 dated = l->received_at > 0 ? l->received_at : l->fetched_at;
	struct group_stats *os = NULL, *gs = NULL;
	char *source = NULL;

	if (l->decided && l->kind == DEST_REPLY) {	/* an owner's, no lead */
		if (l->auto_reply)
			s->auto_replies++;	/* out of office: no answer */
		else
			s->replies++;
		return LR_OK;
	}
	s->leads++;
	series_add(s->to_fetch, l->received_at, l->fetched_at);
	if (!l->decided) {
		if (l->state == JMSG_FAILED)
			s->failed++;
		else
			s->undecided++;
		return LR_OK;
	}
	s->decided++;
	count(s->by_kind, rules_dest_kind_name(l->kind));
	count_day(s, l);
	count_dims(s, l->dims_json, &source);
	/* machine mail is no lead of any source; "unknown": a journal from
	 * before sources were recorded */
	if (l->kind != DEST_IGNORE) {
		gs = group(s->sources, source != NULL ? source :
		    l->source != NULL ? l->source : "unknown");
		gs->leads++;
		gs->owned += l->owner != NULL;
	}
	g_free(source);
	s->refused += l->to_review;
	s->escalated += l->escalated;
	s->sla_missed += l->sla_missed;
	s->sla_missed_leads += l->sla_missed > 0;
	add_review(s, l);
	if (l->owner != NULL) {
		s->owner_routed++;
		os = group(s->owners, l->owner);
		os->leads++;
		os->owned++;
		if (l->reassignments > 0) {
			s->reassigned++;
			os->reassigned++;
		}
	}
	series_add(s->to_decide, l->fetched_at, l->decided_at);
	if (l->forwarded_at > 0) {
		series_add(s->ttr, l->received_at, l->forwarded_at);
		series_add(s->to_forward, l->decided_at, l->forwarded_at);
		if (gs != NULL) {
			gs->forwarded++;
			series_add(gs->ttr, l->received_at, l->forwarded_at);
		}
		if (os != NULL) {
			os->forwarded++;
			series_add(os->ttr, l->received_at, l->forwarded_at);
		}
	}
	if (os != NULL && l->first_response_at == 0 && s->end -
	    MAX(l->forwarded_at, l->decided_at) < REPORT_ANSWER_WAIT) {
		s->awaiting++;	/* not "never answered": too soon to say */
		os->awaiting++;
		if (gs != NULL)
			gs->awaiting++;
	}
	if (os != NULL && l->first_response_at > 0) {
		s->answered++;
		os->answered++;
		series_add(s->first, dated, l->first_response_at);
		series_add(os->first, dated, l->first_response_at);
		if (gs != NULL) {
			gs->answered++;
			series_add(gs->first, dated, l->first_response_at);
		}
	}
	return LR_OK;
}

/* "45s", "3m 20s", "2h 05m", "1d 4h"; "-" for none. */
static char *
dur(gint64 s)
{
	if (s < 0)
		return g_strdup("-");
	if (s < 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "s", s);
	if (s < 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "m %02" G_GINT64_FORMAT
		    "s", s / 60, s % 60);
	if (s < 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "h %02" G_GINT64_FORMAT
		    "m", s / 3600, s % 3600 / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "d %" G_GINT64_FORMAT "h",
	    s / 86400, s % 86400 / 3600);
}

static guint
kind_n(const struct stats *s, const char *kind)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(s->by_kind, kind));
}

static double
ratio(guint a, guint b)
{
	return b > 0 ? (double)a / b : 0.0;
}

/* Order of keys by their count in t, largest first, then by name. */
static gint
cmp_count(gconstpointer a, gconstpointer b, gpointer t)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	guint cx = GPOINTER_TO_UINT(g_hash_table_lookup(t, x));
	guint cy = GPOINTER_TO_UINT(g_hash_table_lookup(t, y));

	return cx != cy ? (cx > cy ? -1 : 1) : strcmp(x, y);
}

/* The keys of t in the order cmp gives (with t as its data). */
static GPtrArray *
keys_by(GHashTable *t, GCompareDataFunc cmp)
{
	GPtrArray *k = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(k, key);
	g_ptr_array_sort_with_data(k, cmp, t);
	return k;
}

/* Keys of a table of counts, largest count first, then by name. */
static GPtrArray *
sorted_keys(GHashTable *t)
{
	return keys_by(t, cmp_count);
}

/* Owner ids by their leads, most first, then by name. */
static gint
cmp_owner(gconstpointer a, gconstpointer b, gpointer t)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	const struct group_stats *ox = g_hash_table_lookup(t, x);
	const struct group_stats *oy = g_hash_table_lookup(t, y);

	return ox->leads != oy->leads ? (ox->leads > oy->leads ? -1 : 1) :
	    strcmp(x, y);
}

/* The leads in review at the end of each UTC day of the period (the
 * last day: at its end, s->end). */
struct backlog_day {
	char day[11];		/* YYYY-MM-DD */
	guint waiting;
};

static GArray *
review_backlog(const struct stats *s, gint64 from)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct backlog_day));

	for (gint64 d = from - from % 86400; d < s->end; d += 86400) {
		gint64 e = MIN(d + 86400, s->end);
		struct backlog_day b = { { 0 }, 0 };
		GDateTime *t = g_date_time_new_from_unix_utc(d);
		char *day = g_date_time_format(t, "%Y-%m-%d");

		g_strlcpy(b.day, day, sizeof b.day);
		g_free(day);
		g_date_time_unref(t);
		for (guint i = 0; i < s->spans->len; i++) {
			const struct journal_span *sp = &g_array_index(
			    s->spans, struct journal_span, i);

			b.waiting += sp->from <= e && (sp->to == 0 ||
			    sp->to > e);
		}
		g_array_append_val(out, b);
	}
	return out;
}

/* "By owner" or "By source": leads, forwards, times, answers. */
static void
text_groups(FILE *fp, const char *title, GHashTable *t, GPtrArray *keys,
    gboolean reassigned)
{
	int w = 14;

	for (guint i = 0; i < keys->len; i++)
		w = MAX(w, (int)MIN(strlen(g_ptr_array_index(keys, i)), 40));
	fprintf(fp, "\n%-*s leads  fwd %s time to route p50/p90   answered  "
	    "never  first response p50/p90\n", w + 2, title, reassigned ?
	    " reassigned " : "");
	for (guint i = 0; i < keys->len; i++) {
		const char *id = g_ptr_array_index(keys, i);
		const struct group_stats *g = g_hash_table_lookup(t, id);
		char *t50, *t90, *f50, *f90;

		g_array_sort(g->ttr, cmp_i64);
		g_array_sort(g->first, cmp_i64);
		t50 = dur(pct(g->ttr, 500));
		t90 = dur(pct(g->ttr, 900));
		f50 = dur(pct(g->first, 500));
		f90 = dur(pct(g->first, 900));
		fprintf(fp, "  %-*s %5u %4u ", w, id, g->leads, g->forwarded);
		if (reassigned)
			fprintf(fp, "%11u ", g->reassigned);
		fprintf(fp, " %8s / %-8s %9u %6u  %s / %s\n", t50, t90,
		    g->answered, g->owned - g->answered - g->awaiting, f50, f90);
		g_free(t50);
		g_free(t90);
		g_free(f50);
		g_free(f90);
	}
}

static void
text_series(FILE *fp, const char *label, const GArray *a)
{
	char *p50 = dur(pct(a, 500)), *p90 = dur(pct(a, 900)),
	    *max = dur(pct(a, 1000));

	fprintf(fp, "  %-22s %6u  p50 %-8s p90 %-8s max %s\n", label, a->len,
	    p50, p90, max);
	g_free(p50);
	g_free(p90);
	g_free(max);
}

static void
print_text(const struct report_opts *o, const struct stats *s,
    GDateTime *from)
{
	FILE *fp = o->out;
	char *a = g_date_time_format(from, "%Y-%m-%d %H:%M"),
	    *b = g_date_time_format(o->now, "%Y-%m-%d %H:%M %Z"),
	    *len = dur(o->since);
	static const char *const kinds[] = { "owner", "team", "queue",
	    "review", "ignore", NULL };
	guint leads_not_ignored = s->decided - kind_n(s, "ignore");
	GPtrArray *owners = keys_by(s->owners, cmp_owner),
	    *sources = keys_by(s->sources, cmp_owner);
	GArray *backlog = review_backlog(s, g_date_time_to_unix(from));
	char *r50 = dur(pct(s->review_time, 500)),
	    *r90 = dur(pct(s->review_time, 900)),
	    *rmax = dur(pct(s->review_time, 1000)), *old = dur(s->oldest);

	fprintf(fp, "leadroute report: %s to %s (%s)\n\n", a, b, len);
	fprintf(fp, "Leads %u: %u decided, %u failed (in the Failed folder), "
	    "%u not decided yet\n", s->leads, s->decided, s->failed,
	    s->undecided);
	fprintf(fp, "\nBy destination\n");
	for (guint i = 0; kinds[i] != NULL; i++)
		fprintf(fp, "  %-8s %6u  %5.1f%%\n", kinds[i],
		    kind_n(s, kinds[i]), 100 * ratio(kind_n(s, kinds[i]),
		    s->decided));
	fprintf(fp, "  review rate %.1f%% (%u of %u leads not ignored; %u "
	    "after the mail server refused the forward)\n",
	    100 * ratio(kind_n(s, "review"), leads_not_ignored),
	    kind_n(s, "review"), leads_not_ignored, s->refused);
	fprintf(fp, "  in review: %u leads; time there p50 %s / p90 %s / max "
	    "%s (%u taken out); still waiting %u", s->reviewed, r50, r90,
	    rmax, s->review_time->len, s->waiting);
	if (s->waiting > 0)
		fprintf(fp, " (oldest %s)", old);
	fprintf(fp, "\n  SLA breaches: review %u (escalated); owners %u on "
	    "%u leads (no first response in time)\n", s->escalated,
	    s->sla_missed, s->sla_missed_leads);
	fprintf(fp, "  review backlog at each day's end (UTC):");
	for (guint i = 0; i < backlog->len; i++) {
		const struct backlog_day *d = &g_array_index(backlog,
		    struct backlog_day, i);

		fprintf(fp, "%s %s %u", i > 0 ? "," : "", d->day + 5,
		    d->waiting);
	}
	fputc('\n', fp);

	text_groups(fp, "By owner", s->owners, owners, TRUE);
	if (owners->len == 0)
		fprintf(fp, "  (no lead went to an owner)\n");
	text_groups(fp, "By source", s->sources, sources, FALSE);
	fprintf(fp, "  (never: leads with an owner and no reply seen; a "
	    "dimension named source, else a form's sender or email)\n");

	fprintf(fp, "\nBy dimension\n");
	for (guint i = 0; i < s->dim_order->len; i++) {
		const char *dim = g_ptr_array_index(s->dim_order, i);
		GHashTable *vals = g_hash_table_lookup(s->dims, dim);
		GPtrArray *k = sorted_keys(vals);

		fprintf(fp, "  %-10s", dim);
		for (guint v = 0; v < k->len; v++)
			fprintf(fp, "%s %s %u", v ? "," : "",
			    (char *)g_ptr_array_index(k, v),
			    GPOINTER_TO_UINT(g_hash_table_lookup(vals,
			    g_ptr_array_index(k, v))));
		fputc('\n', fp);
		g_ptr_array_free(k, TRUE);
	}

	fprintf(fp, "\nTimes                     leads\n");
	text_series(fp, "time to route", s->ttr);
	text_series(fp, "  dated -> fetched", s->to_fetch);
	text_series(fp, "  fetched -> decided", s->to_decide);
	text_series(fp, "  decided -> forwarded", s->to_forward);
	text_series(fp, "first response", s->first);
	fprintf(fp, "  (time to route: from the message's Date to its "
	    "forward; first response: to the owner's reply seen in the "
	    "inbox)\n");

	fprintf(fp, "\nReassigned: %u of %u leads routed to an owner (%.1f%%)\n",
	    s->reassigned, s->owner_routed, 100 * ratio(s->reassigned,
	    s->owner_routed));
	fprintf(fp, "Answered: %u of %u (%.1f%%); never answered: %u; "
	    "awaiting a first response (given within %s): %u; "
	    "owners' replies seen in the inbox: %u\n", s->answered,
	    s->owner_routed, 100 * ratio(s->answered, s->owner_routed),
	    s->owner_routed - s->answered - s->awaiting, "a day", s->awaiting,
	    s->replies);
	if (s->auto_replies > 0)
		fprintf(fp, "Owners' out-of-office answers (no reply): %u\n",
		    s->auto_replies);
	g_ptr_array_free(owners, TRUE);
	g_ptr_array_free(sources, TRUE);
	g_array_free(backlog, TRUE);
	g_free(r50);
	g_free(r90);
	g_free(rmax);
	g_free(old);
	g_free(a);
	g_free(b);
	g_free(len);
}

static void
json_series(JsonBuilder *b, const char *name, const GArray *a)
{
	static const struct {
		const char *name;
		guint pm;
	} ps[] = { { "p50_s", 500 }, { "p90_s", 900 }, { "max_s", 1000 } };

	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "n");
	json_builder_add_int_value(b, a->len);
	for (guint i = 0; i < G_N_ELEMENTS(ps); i++) {
		json_builder_set_member_name(b, ps[i].name);
		if (a->len > 0)
			json_builder_add_int_value(b, pct(a, ps[i].pm));
		else
			json_builder_add_null_value(b);
	}
	json_builder_end_object(b);
}

static void
json_uint(JsonBuilder *b, const char *name, guint v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

static void
json_counts(JsonBuilder *b, GHashTable *t)
{
	GPtrArray *k = sorted_keys(t);

	json_builder_begin_object(b);
	for (guint i = 0; i < k->len; i++)
		json_uint(b, g_ptr_array_index(k, i), GPOINTER_TO_UINT(
		    g_hash_table_lookup(t, g_ptr_array_index(k, i))));
	json_builder_end_object(b);
	g_ptr_array_free(k, TRUE);
}

/* name: { id: { leads, forwarded, [reassigned,] answered, ... } } */
static void
json_groups(JsonBuilder *b, const char *name, GHashTable *t, GPtrArray *keys,
    gboolean reassigned)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	for (guint i = 0; i < keys->len; i++) {
		const char *id = g_ptr_array_index(keys, i);
		const struct group_stats *g = g_hash_table_lookup(t, id);

		g_array_sort(g->ttr, cmp_i64);
		g_array_sort(g->first, cmp_i64);
		json_builder_set_member_name(b, id);
		json_builder_begin_object(b);
		json_uint(b, "leads", g->leads);
		json_uint(b, "forwarded", g->forwarded);
		if (reassigned)
			json_uint(b, "reassigned", g->reassigned);
		json_uint(b, "answered", g->answered);
		json_uint(b, "never_answered", g->owned - g->answered -
		    g->awaiting);
		json_series(b, "time_to_route", g->ttr);
		json_series(b, "first_response", g->first);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
}

static void
print_json(const struct report_opts *o, const struct stats *s,
    GDateTime *from)
{
	JsonBuilder *b = json_builder_new();
	char *a = g_date_time_format_iso8601(from),
	    *z = g_date_time_format_iso8601(o->now);
	GPtrArray *owners = keys_by(s->owners, cmp_owner),
	    *sources = keys_by(s->sources, cmp_owner);
	GArray *backlog = review_backlog(s, g_date_time_to_unix(from));
	const GArray *legs[LEG_N] = { s->ttr, s->to_fetch, s->to_decide,
	    s->to_forward, s->first };
	guint not_ignored = s->decided - kind_n(s, "ignore");

	json_builder_begin_object(b);
	json_member_string(b, "from", a);
	json_member_string(b, "until", z);
	json_uint(b, "leads", s->leads);
	json_uint(b, "decided", s->decided);
	json_uint(b, "failed", s->failed);
	json_uint(b, "undecided", s->undecided);
	json_builder_set_member_name(b, "destinations");
	json_counts(b, s->by_kind);
	json_builder_set_member_name(b, "review_rate");
	json_builder_add_double_value(b, ratio(kind_n(s, "review"),
	    not_ignored));
	json_uint(b, "refused_to_review", s->refused);
	json_builder_set_member_name(b, "dimensions");
	json_builder_begin_object(b);
	for (guint i = 0; i < s->dim_order->len; i++) {
		const char *dim = g_ptr_array_index(s->dim_order, i);

		json_builder_set_member_name(b, dim);
		json_counts(b, g_hash_table_lookup(s->dims, dim));
	}
	json_builder_end_object(b);
	for (guint i = 0; i < LEG_N; i++)
		json_series(b, leg_names[i], legs[i]);
	json_uint(b, "owner_routed", s->owner_routed);
	json_uint(b, "reassigned", s->reassigned);
	json_builder_set_member_name(b, "reassignment_rate");
	json_builder_add_double_value(b, ratio(s->reassigned,
	    s->owner_routed));
	json_uint(b, "answered", s->answered);
	json_uint(b, "never_answered", s->owner_routed - s->answered -
	    s->awaiting);
	json_uint(b, "awaiting_answer", s->awaiting);
	json_uint(b, "owner_replies", s->replies);
	json_uint(b, "owner_auto_replies", s->auto_replies);
	json_builder_set_member_name(b, "review");
	json_builder_begin_object(b);
	json_uint(b, "leads", s->reviewed);
	json_series(b, "time", s->review_time);
	json_uint(b, "waiting", s->waiting);
	json_builder_set_member_name(b, "oldest_waiting_s");
	if (s->waiting > 0)
		json_builder_add_int_value(b, s->oldest);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "backlog");
	json_builder_begin_array(b);
	for (guint i = 0; i < backlog->len; i++) {
		const struct backlog_day *d = &g_array_index(backlog,
		    struct backlog_day, i);

		json_builder_begin_object(b);
		json_member_string(b, "day", d->day);
		json_uint(b, "waiting", d->waiting);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "sla_breaches");
	json_builder_begin_object(b);
	json_uint(b, "review", s->escalated);
	json_uint(b, "owner", s->sla_missed);
	json_uint(b, "owner_leads", s->sla_missed_leads);
	json_builder_end_object(b);
	json_groups(b, "owners", s->owners, owners, TRUE);
	json_groups(b, "sources", s->sources, sources, FALSE);
	json_builder_end_object(b);
	json_out(o->out, b, TRUE);
	g_ptr_array_free(owners, TRUE);
	g_ptr_array_free(sources, TRUE);
	g_array_free(backlog, TRUE);
	g_free(a);
	g_free(z);
}

/* --- HTML ------------------------------------------------------------ */

#define SVG_W	640		/* chart width in px */
#define BAR_H	18		/* a horizontal bar's height */

/* Buckets of a duration histogram, upper bounds in seconds. */
static const struct {
	gint64 upto;
	const char *label;
} buckets[] = {
	{ 60, "< 1m" }, { 300, "1-5m" }, { 900, "5-15m" }, { 3600, "15m-1h" },
	{ 4 * 3600, "1-4h" }, { 86400, "4h-1d" }, { G_MAXINT64, "> 1d" },
};

static void
html_text(FILE *fp, const char *s)
{
	char *e = g_markup_escape_text(s != NULL ? s : "", -1);

	fputs(e, fp);
	g_free(e);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Leads per day, stacked by what they became. */
static void
svg_days(FILE *fp, const struct stats *s)
{
	GPtrArray *days = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;
	guint max = 1, h = 160;
	double w;
	/* one or two days: by the hour, not one or two blocks */
	gboolean hourly = g_hash_table_size(s->days) <= 2;
	GHashTable *by = hourly ? s->hours : s->days;

	g_hash_table_iter_init(&it, by);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(days, k);
	g_ptr_array_sort(days, cmp_str);
	for (guint i = 0; i < days->len; i++) {
		const guint *c = g_hash_table_lookup(by,
		    g_ptr_array_index(days, i));
		guint sum = 0;

		for (int d = 0; d < DAY_N; d++)
			sum += c[d];
		max = MAX(max, sum);
	}
	/* a bar no wider than a tenth of the chart */
	w = days->len > 0 ? MIN((double)(SVG_W - 40) / days->len,
	    (SVG_W - 40) / 10.0) : 0;
	fprintf(fp, "<svg class=\"chart\" id=\"days\" width=\"%d\" "
	    "height=\"%u\" viewBox=\"0 0 %d %u\" role=\"img\"><title>Leads "
	    "per %s</title>\n", SVG_W, h + 20, SVG_W, h + 20, hourly ? "hour" :
	    "day");
	for (guint i = 0; i < days->len; i++) {
		const char *day = g_ptr_array_index(days, i);
		const guint *c = g_hash_table_lookup(by, day);
		double y = h;

		for (int d = 0; d < DAY_N; d++) {
			double bh = (double)c[d] * h / max;

			if (c[d] == 0)
				continue;
			y -= bh;
			fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"%s\"><title>%s: %u %s"
			    "</title></rect>\n", 40 + i * w, y, MAX(w - 2, 1),
			    bh, day_colors[d], day, c[d], day_names[d]);
		}
	}
	fprintf(fp, "<text x=\"0\" y=\"12\">%u</text><text x=\"0\" "
	    "y=\"%u\">0</text>", max, h);
	if (days->len > 0)
		fprintf(fp, "<text x=\"40\" y=\"%u\">%s</text>", h + 16,
		    (char *)g_ptr_array_index(days, 0));
	if (days->len > 1)	/* under the last bar's end */
		fprintf(fp, "<text x=\"%.1f\" y=\"%u\" text-anchor=\"end\">"
		    "%s</text>", MAX(40 + days->len * w, 200.0), h + 16,
		    (char *)g_ptr_array_index(days, days->len - 1));
	fputs("</svg>\n<p class=\"legend\">", fp);
	for (int d = 0; d < DAY_N; d++)
		fprintf(fp, "<span style=\"color:%s\">&#9632;</span> %s ",
		    day_colors[d], day_names[d]);
	fputs("</p>\n", fp);
	g_ptr_array_free(days, TRUE);
}

/* Leads waiting in review at the end of each day. */
static void
svg_backlog(FILE *fp, const GArray *backlog)
{
	guint max = 1, h = 120;
	double w = backlog->len > 0 ? (double)(SVG_W - 40) / backlog->len : 0;

	for (guint i = 0; i < backlog->len; i++)
		max = MAX(max, g_array_index(backlog, struct backlog_day,
		    i).waiting);
	fprintf(fp, "<svg class=\"chart\" id=\"backlog\" width=\"%d\" "
	    "height=\"%u\" viewBox=\"0 0 %d %u\" role=\"img\"><title>Review "
	    "backlog</title>\n", SVG_W, h + 20, SVG_W, h + 20);
	for (guint i = 0; i < backlog->len; i++) {
		const struct backlog_day *d = &g_array_index(backlog,
		    struct backlog_day, i);
		double bh = (double)d->waiting * h / max;

		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"#e08e0b\"><title>%s: %u waiting"
		    "</title></rect>\n", 40 + i * w, h - bh, MAX(w - 2, 1),
		    MAX(bh, d->waiting > 0 ? 1 : 0), d->day, d->waiting);
	}
	fprintf(fp, "<text x=\"0\" y=\"12\">%u</text><text x=\"0\" "
	    "y=\"%u\">0</text>", max, h);
	if (backlog->len > 0)
		fprintf(fp, "<text x=\"40\" y=\"%u\">%s</text><text x=\"%d\" "
		    "y=\"%u\" text-anchor=\"end\">%s</text>", h + 16,
		    g_array_index(backlog, struct backlog_day, 0).day, SVG_W,
		    h + 16, g_array_index(backlog, struct backlog_day,
		    backlog->len - 1).day);
	fputs("</svg>\n", fp);
}

/* A histogram of a duration series (seconds), one bar per bucket. */
static void
svg_histogram(FILE *fp, const char *id, const char *title, const GArray *a)
{
	guint n[G_N_ELEMENTS(buckets)] = { 0 }, max = 1;
	double w = (double)(SVG_W - 40) / G_N_ELEMENTS(buckets);
	guint h = 120;

	for (guint i = 0; i < a->len; i++) {
		gint64 v = g_array_index(a, gint64, i);
		guint b = 0;

		while (v >= buckets[b].upto && b + 1 < G_N_ELEMENTS(buckets))
			b++;
		n[b]++;
	}
	for (guint b = 0; b < G_N_ELEMENTS(buckets); b++)
		max = MAX(max, n[b]);
	fprintf(fp, "<svg class=\"chart\" id=\"%s\" width=\"%d\" "
	    "height=\"%u\" viewBox=\"0 0 %d %u\" role=\"img\"><title>%s"
	    "</title>\n", id, SVG_W, h + 36, SVG_W, h + 36, title);
	for (guint b = 0; b < G_N_ELEMENTS(buckets); b++) {
		double bh = (double)n[b] * h / max;

		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"#2b7bb9\"><title>%s: %u</title>"
		    "</rect><text x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">"
		    "%s</text><text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%u</text>\n", 40 + b * w + 2,
		    h - bh + 16, w - 4, bh, buckets[b].label, n[b],
		    40 + b * w + w / 2, h + 32, buckets[b].label,
		    40 + b * w + w / 2, h - bh + 12, n[b]);
	}
	fputs("</svg>\n", fp);
}

/* Per owner: leads as bars, with forwards, answers and times. */
static void
svg_owners(FILE *fp, const struct stats *s, GPtrArray *owners)
{
	guint max = 1, h = owners->len * (BAR_H + 4) + 8;

	for (guint i = 0; i < owners->len; i++) {
		const struct group_stats *os = g_hash_table_lookup(s->owners,
		    g_ptr_array_index(owners, i));

		max = MAX(max, os->leads);
	}
	fprintf(fp, "<svg class=\"chart\" id=\"owners\" width=\"%d\" "
	    "height=\"%u\" viewBox=\"0 0 %d %u\" role=\"img\"><title>Leads "
	    "per owner</title>\n", SVG_W, MAX(h, 20), SVG_W, MAX(h, 20));
	for (guint i = 0; i < owners->len; i++) {
		const char *id = g_ptr_array_index(owners, i);
		const struct group_stats *os = g_hash_table_lookup(s->owners,
		    id);
		double bw = (double)os->leads * (SVG_W - 260) / max;
		char *t50 = dur(pct(os->ttr, 500)), *f50 = dur(pct(os->first,
		    500));
		guint y = 6 + i * (BAR_H + 4);	/* room for the first label */

		fprintf(fp, "<text x=\"0\" y=\"%u\">", y + 13);
		html_text(fp, id);
		fprintf(fp, "</text><rect x=\"110\" y=\"%u\" width=\"%.1f\" "
		    "height=\"%d\" fill=\"#2b7bb9\"><title>%u leads, %u "
		    "answered, %u reassigned</title></rect><text x=\"%.1f\" "
		    "y=\"%u\">%u (answered %u; route p50 %s, answer p50 %s)"
		    "</text>\n", y, MAX(bw, 1), BAR_H, os->leads,
		    os->answered, os->reassigned, 114 + bw, y + 13, os->leads,
		    os->answered, t50, f50);
		g_free(t50);
		g_free(f50);
	}
	fputs("</svg>\n", fp);
}

static void
print_html(const struct report_opts *o, const struct stats *s,
    GDateTime *from)
{
	FILE *fp = o->out;
	char *a = g_date_time_format(from, "%Y-%m-%d %H:%M"),
	    *b = g_date_time_format(o->now, "%Y-%m-%d %H:%M %Z");
	GPtrArray *owners = keys_by(s->owners, cmp_owner),
	    *sources = keys_by(s->sources, cmp_owner);
	GArray *backlog = review_backlog(s, g_date_time_to_unix(from));
	guint not_ignored = s->decided - kind_n(s, "ignore");
	char *r50 = dur(pct(s->review_time, 500)),
	    *r90 = dur(pct(s->review_time, 900));
	const struct {
		const char *label;
		const GArray *a;
	} legs[] = {
		{ "time to route (Date to forward)", s->ttr },
		{ "dated to fetched", s->to_fetch },
		{ "fetched to decided", s->to_decide },
		{ "decided to forwarded", s->to_forward },
		{ "first response", s->first },
	};

	for (guint i = 0; i < owners->len; i++) {
		struct group_stats *os = g_hash_table_lookup(s->owners,
		    g_ptr_array_index(owners, i));

		g_array_sort(os->ttr, cmp_i64);
		g_array_sort(os->first, cmp_i64);
	}
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>leadroute report %s to %s</title>\n"
	    "<style>body{font:14px sans-serif;margin:2em;max-width:60em}"
	    "table{border-collapse:collapse}td,th{padding:2px 10px;"
	    "text-align:right}td:first-child,th:first-child{text-align:left}"
	    "svg text{font:11px sans-serif}h2{margin-top:1.5em}</style>"
	    "</head><body>\n<h1>Leads from %s to %s</h1>\n", a, b, a, b);
	fprintf(fp, "<table id=\"summary\"><tr><td>leads</td><td>%u</td></tr>"
	    "<tr><td>decided</td><td>%u</td></tr><tr><td>failed</td><td>%u"
	    "</td></tr><tr><td>routed to an owner</td><td>%u</td></tr>"
	    "<tr><td>review rate</td><td>%.1f%%</td></tr><tr><td>reassigned"
	    "</td><td>%u (%.1f%%)</td></tr><tr><td>answered</td><td>%u</td>"
	    "</tr><tr><td>never answered</td><td>%u</td></tr>"
	    "<tr><td>time in review p50 / p90</td><td>%s / %s</td></tr>"
	    "<tr><td>still in review</td><td>%u</td></tr>"
	    "<tr><td>SLA breaches: review / owners</td><td>%u / %u</td></tr>"
	    "</table>\n",
	    s->leads, s->decided, s->failed, s->owner_routed,
	    100 * ratio(kind_n(s, "review"), not_ignored), s->reassigned,
	    100 * ratio(s->reassigned, s->owner_routed), s->answered,
	    s->owner_routed - s->answered - s->awaiting, r50, r90, s->waiting,
	    s->escalated, s->sla_missed);
	fputs("<h2>Leads per day</h2>\n", fp);
	svg_days(fp, s);
	fputs("<h2>Time to route</h2>\n", fp);
	svg_histogram(fp, "ttr", "Time to route", s->ttr);
	fputs("<table><tr><th></th><th>leads</th><th>p50</th><th>p90</th>"
	    "<th>max</th></tr>\n", fp);
	for (guint i = 0; i < G_N_ELEMENTS(legs); i++) {
		char *p50 = dur(pct(legs[i].a, 500)),
		    *p90 = dur(pct(legs[i].a, 900)),
		    *max = dur(pct(legs[i].a, 1000));

		fprintf(fp, "<tr><td>%s</td><td>%u</td><td>%s</td><td>%s</td>"
		    "<td>%s</td></tr>\n", legs[i].label, legs[i].a->len, p50,
		    p90, max);
		g_free(p50);
		g_free(p90);
		g_free(max);
	}
	fputs("</table>\n<h2>First response</h2>\n", fp);
	svg_histogram(fp, "first", "First response", s->first);
	fputs("<h2>Review backlog</h2>\n", fp);
	svg_backlog(fp, backlog);
	fputs("<h2>Owners</h2>\n", fp);
	svg_owners(fp, s, owners);
	fputs("<h2>Sources</h2>\n<table id=\"sources\"><tr><th></th>"
	    "<th>leads</th><th>forwarded</th><th>route p50</th><th>route p90"
	    "</th><th>answered</th><th>answer p50</th><th>answer p90</th>"
	    "</tr>\n", fp);
	for (guint i = 0; i < sources->len; i++) {
		const char *id = g_ptr_array_index(sources, i);
		struct group_stats *g = g_hash_table_lookup(s->sources, id);
		char *v[4];

		g_array_sort(g->ttr, cmp_i64);
		g_array_sort(g->first, cmp_i64);
		v[0] = dur(pct(g->ttr, 500));
		v[1] = dur(pct(g->ttr, 900));
		v[2] = dur(pct(g->first, 500));
		v[3] = dur(pct(g->first, 900));
		fputs("<tr><td>", fp);
		html_text(fp, id);
		fprintf(fp, "</td><td>%u</td><td>%u</td><td>%s</td><td>%s</td>"
		    "<td>%u</td><td>%s</td><td>%s</td></tr>\n", g->leads,
		    g->forwarded, v[0], v[1], g->answered, v[2], v[3]);
		for (guint k = 0; k < G_N_ELEMENTS(v); k++)
			g_free(v[k]);
	}
	fputs("</table>\n</body></html>\n", fp);
	g_ptr_array_free(owners, TRUE);
	g_ptr_array_free(sources, TRUE);
	g_array_free(backlog, TRUE);
	g_free(r50);
	g_free(r90);
	g_free(a);
	g_free(b);
}

enum lr_status
report_print(const struct report_opts *o)
{
	struct stats s = { 0 };
	GDateTime *from = g_date_time_add_seconds(o->now, (gdouble)-o->since);
	enum lr_status rc;

	s.by_kind = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	s.dims = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_hash_table_unref);
	s.dim_order = g_ptr_array_new_with_free_func(g_free);
	s.owners = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    group_stats_free);
	s.sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    group_stats_free);
	s.review_time = series_new();
	s.end = g_date_time_to_unix(o->now);
	s.ttr = series_new();
	s.to_fetch = series_new();
	s.to_decide = series_new();
	s.to_forward = series_new();
	s.first = series_new();
	s.days = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	s.hours = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	rc = journal_leads(o->j, g_date_time_to_unix(from),
	    g_date_time_to_unix(o->now) + 1, add_lead, &s);
	if (rc == LR_OK && (rc = journal_review_spans(o->j,
	    g_date_time_to_unix(from), g_date_time_to_unix(o->now) + 1,
	    &s.spans)) == LR_OK)
		add_waiting(&s);
	if (rc == LR_OK) {
		GArray *all[] = { s.ttr, s.to_fetch, s.to_decide,
		    s.to_forward, s.first, s.review_time };

		for (guint i = 0; i < G_N_ELEMENTS(all); i++)
			g_array_sort(all[i], cmp_i64);
		if (o->html)
			print_html(o, &s, from);
		else if (o->json)
			print_json(o, &s, from);
		else
			print_text(o, &s, from);
	}
	g_hash_table_destroy(s.by_kind);
	g_hash_table_destroy(s.dims);
	g_ptr_array_free(s.dim_order, TRUE);
	g_hash_table_destroy(s.owners);
	g_hash_table_destroy(s.sources);
	g_array_free(s.review_time, TRUE);
	if (s.spans != NULL)
		g_array_free(s.spans, TRUE);
	g_array_free(s.ttr, TRUE);
	g_array_free(s.to_fetch, TRUE);
	g_array_free(s.to_decide, TRUE);
	g_array_free(s.to_forward, TRUE);
	g_array_free(s.first, TRUE);
	g_hash_table_destroy(s.days);
	g_hash_table_destroy(s.hours);
	g_date_time_unref(from);
	return rc;
}
