/*
 * test_report.c: `leadroute report` against a journal built by a script
 * whose answers are known by construction: every count, rate and
 * percentile of the JSON output is computed here from the script and
 * compared; the text output is checked for the same figures.
 */
#include "testlib.h"

#include <math.h>
#include <stdlib.h>

#include <json-glib/json-glib.h>

#include "journal.h"
#include "report.h"
#include "rules.h"

#define NOW	G_GINT64_CONSTANT(1795514400)	/* 2026-11-24T10:00:00Z */
#define DAY	86400

/* One scripted lead: times are seconds before NOW (0: none). */
struct scripted {
	const char *key, *kind, *owner;
	gint64 dated, fetched, decided, forwarded, answered;
	gboolean reassigned, refused;
	const char *dims;
};

/*
 * 12 leads in the last 30 days, an owner's reply, and 1 older lead. Owners: ana 4 (3 forwarded,
 * 2 answered, 1 reassigned), ben 3 (3 forwarded, 1 answered); review 2
 * (1 refused by the mail server), queue 1, ignore 1, failed 1 (no
 * decision, state failed). Time to route (dated -> forwarded) of the 6
 * forwards: 60, 120, 180, 240, 600, 3600 s; first responses after the
 * Date: 1800, 7200, 43200 s.
 */
static const struct scripted script[] = {
	{ "<a1@x>", "team", "ana", 3600, 3540, 3539, 3540, 1800, FALSE, FALSE, "{\"offer\":\"audit\",\"region\":\"emea\"}" },
	{ "<a2@x>", "team", "ana", 7200, 7100, 7099, 7080, 0, TRUE, FALSE,
	  "{\"offer\":\"audit\",\"region\":\"amer\"}" },
	{ "<a3@x>", "owner", "ana", 2 * DAY, 2 * DAY - 100, 2 * DAY - 101,
	  2 * DAY - 180, 2 * DAY - 7200, FALSE, FALSE,
	  "{\"offer\":\"build\"}" },
	{ "<a4@x>", "team", "ana", 3 * DAY, 3 * DAY - 10, 3 * DAY - 11, 0, 0,
	  FALSE, FALSE, "{\"offer\":\"build\"}" },
	{ "<b1@x>", "team", "ben", 4 * DAY, 4 * DAY - 200, 4 * DAY - 201,
	  4 * DAY - 240, 0, FALSE, FALSE, "{\"offer\":\"audit\"}" },
	{ "<b2@x>", "team", "ben", 5 * DAY, 5 * DAY - 500, 5 * DAY - 501,
	  5 * DAY - 600, 5 * DAY - 86400 / 2, FALSE, FALSE,
	  "{\"offer\":\"audit\"}" },
	{ "<b3@x>", "team", "ben", 6 * DAY, 6 * DAY - 3000, 6 * DAY - 3001,
	  6 * DAY - 3600, 0, FALSE, FALSE, "{\"offer\":\"support\"}" },
	{ "<r1@x>", "review", NULL, 7 * DAY, 7 * DAY - 5, 7 * DAY - 6, 0, 0,
	  FALSE, FALSE, "{\"offer\":\"ambiguous\"}" },
	{ "<r2@x>", "review", NULL, 8 * DAY, 8 * DAY - 5, 8 * DAY - 6, 0, 0,
	  FALSE, TRUE, "{\"offer\":\"audit\"}" },
	{ "<q1@x>", "queue", NULL, 9 * DAY, 9 * DAY - 5, 9 * DAY - 6, 0, 0,
	  FALSE, FALSE, "{\"offer\":\"training\"}" },
	{ "<i1@x>", "ignore", NULL, 10 * DAY, 10 * DAY - 5, 10 * DAY - 6, 0,
	  0, FALSE, FALSE, "{\"offer\":\"unknown\"}" },
	{ "<f1@x>", NULL, NULL, 11 * DAY, 11 * DAY - 5, 0, 0, 0, FALSE,
	  FALSE, NULL },
	/* an owner's reply filed with its lead: no lead */
	{ "<reply@x>", "reply", NULL, 1800, 1790, 1789, 0, 0, FALSE, FALSE,
	  NULL },
	/* before the period */
	{ "<old@x>", "team", "ana", 40 * DAY, 40 * DAY - 5, 40 * DAY - 6,
	  40 * DAY - 7, 0, FALSE, FALSE, "{\"offer\":\"audit\"}" },
};

struct fx {
	char *dir, *path;
	struct journal *j;
};

/* The kind the script names (the journal's text for it). */
static enum dest_kind
kind_named(const char *name)
{
	for (int k = DEST_OWNER; k <= DEST_REPLY; k++)
		if (strcmp(rules_dest_kind_name((enum dest_kind)k), name) == 0)
			return (enum dest_kind)k;
	fail_msg("no kind %s", name);
	return DEST_REVIEW;
}

static void
build(struct journal *j)
{
	for (guint i = 0; i < G_N_ELEMENTS(script); i++) {
		const struct scripted *s = &script[i];
		gint64 id;
		enum journal_state st;
		enum journal_seen seen;

		assert_int_equal(journal_message_seen(j, s->key, "INBOX", 1,
		    i + 1, 100, NOW - s->dated, NOW - s->fetched, &id, &st,
		    &seen), LR_OK);
		if (s->kind == NULL) {
			/* seen again until the journal gives up: failed,
			 * no decision */
			for (guint k = 0; k < 10 && st != JMSG_FAILED; k++)
				assert_int_equal(journal_message_seen(j, s->key,
				    "INBOX", 1, i + 1, 100, NOW - s->dated,
				    NOW - s->fetched, &id, &st, &seen), LR_OK);
			assert_int_equal(st, JMSG_FAILED);
			continue;
		}
		{
			struct journal_decision d = {
				.kind = kind_named(s->kind), .owner = s->owner,
				.dest_id = s->owner, .folder = "Leads/x",
				.dims_json = s->dims,
			};

			assert_int_equal(journal_record_decision(j, id, &d,
			    NOW - s->decided), LR_OK);
		}
		if (s->forwarded > 0) {
			assert_int_equal(journal_delivery_plan(j, id,
			    CHAN_FORWARD, s->owner, "<f@x>", NULL,
			    NOW - s->decided), LR_OK);
			assert_int_equal(journal_delivery_start(j, id,
			    CHAN_FORWARD, s->owner), LR_OK);
			assert_int_equal(journal_delivery_done(j, id,
			    CHAN_FORWARD, s->owner, NOW - s->forwarded), LR_OK);
		}
		if (s->answered > 0)
			assert_int_equal(journal_event(j, id, "first-response",
			    NULL, NOW - s->answered), LR_OK);
		if (s->reassigned)
			assert_int_equal(journal_event(j, id, "reassigned",
			    "ana -> ben", NOW - s->decided + 10), LR_OK);
		if (s->refused)
			assert_int_equal(journal_event(j, id, "to-review",
			    "550 no such user", NOW - s->decided + 1), LR_OK);
		/* r1 went to review when its owner was away: no refusal */
		if (strcmp(s->key, "<r1@x>") == 0)
			assert_int_equal(journal_event(j, id, "away-to-review",
			    "ana is away (auto-reply)", NOW - s->decided + 1),
			    LR_OK);
	}
	/* an owner's out-of-office, filed with its lead: no reply */
	{
		struct journal_decision d = { .kind = DEST_REPLY,
		    .dest_id = "ana", .folder = "Leads/x", .reason =
		    "auto-reply from ana to a lead of ana" };
		gint64 id;
		enum journal_state st;
		enum journal_seen seen;

		assert_int_equal(journal_message_seen(j, "<ooo@x>", "INBOX", 1,
		    900, 100, NOW - 1700, NOW - 1690, &id, &st, &seen), LR_OK);
		assert_int_equal(journal_record_decision(j, id, &d,
		    NOW - 1689), LR_OK);
	}
}

static int
setup(void **state)
{
	struct fx *f = g_new0(struct fx, 1);
	GError *err = NULL;

	f->dir = g_dir_make_tmp("test_report-XXXXXX", &err);
	assert_null(err);
	f->path = g_build_filename(f->dir, "journal.db", NULL);
	f->j = journal_open(f->path, &err);
	assert_null(err);
	build(f->j);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	journal_close(f->j);
	assert_true(test_rmdir(f->dir));
	g_free(f->dir);
	g_free(f->path);
	g_free(f);
	return 0;
}

/* The report of the last 30 days at NOW, as JSON or text (caller frees
 * with free()). */
enum form { TEXT, JSON, HTML };

static char *
report_at(struct fx *f, enum form form, gint64 at, gint64 since)
{
	struct report_opts o = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	o.j = f->j;
	o.now = g_date_time_new_from_unix_utc(at);
	o.since = since;
	o.json = form == JSON;
	o.html = form == HTML;
	o.out = fp;
	assert_int_equal(report_print(&o), LR_OK);
	fclose(fp);
	g_date_time_unref(o.now);
	return buf;
}

static char *
run_report(struct fx *f, gboolean json)
{
	return report_at(f, json ? JSON : TEXT, NOW, 30 * DAY);
}

static gint64
num(JsonObject *o, const char *path)
{
	char **parts = g_strsplit(path, ".", -1);
	JsonObject *cur = o;
	gint64 v = G_MININT64;

	for (guint i = 0; parts[i] != NULL; i++) {
		JsonNode *n = json_object_get_member(cur, parts[i]);

		if (n == NULL)
			fail_msg("no %s in the report", path);
		if (parts[i + 1] == NULL)
			v = JSON_NODE_HOLDS_NULL(n) ? -1 : json_node_get_int(n);
		else
			cur = json_node_get_object(n);
	}
	g_strfreev(parts);
	return v;
}

static double
dbl(JsonObject *o, const char *name)
{
	return json_node_get_double(json_object_get_member(o, name));
}

static void
test_json(void **state)
{
	struct fx *f = *state;
	char *out = run_report(f, TRUE);
	JsonParser *p = json_parser_new();
	JsonObject *o;

	assert_true(json_parser_load_from_data(p, out, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	assert_int_equal(num(o, "leads"), 12);
	assert_int_equal(num(o, "decided"), 11);
	assert_int_equal(num(o, "failed"), 1);
	assert_int_equal(num(o, "undecided"), 0);
	assert_int_equal(num(o, "destinations.team"), 6);
	assert_int_equal(num(o, "destinations.owner"), 1);
	assert_int_equal(num(o, "destinations.review"), 2);
	assert_int_equal(num(o, "destinations.queue"), 1);
	assert_int_equal(num(o, "destinations.ignore"), 1);
	/* review 2 of the 10 decided leads that are not ignored */
	assert_true(fabs(dbl(o, "review_rate") - 0.2) < 1e-9);
	assert_int_equal(num(o, "refused_to_review"), 1);
	assert_int_equal(num(o, "dimensions.offer.audit"), 5);
	assert_int_equal(num(o, "dimensions.offer.build"), 2);
	assert_int_equal(num(o, "dimensions.region.emea"), 1);

	/* time to route of the 6 forwards: 60 120 180 240 600 3600 */
	assert_int_equal(num(o, "time_to_route.n"), 6);
	assert_int_equal(num(o, "time_to_route.p50_s"), 180);
	assert_int_equal(num(o, "time_to_route.p90_s"), 3600);
	assert_int_equal(num(o, "time_to_route.max_s"), 3600);
	/* dated -> fetched of the 11 decided and the failed one */
	assert_int_equal(num(o, "dated_to_fetched.n"), 12);
	assert_int_equal(num(o, "dated_to_fetched.max_s"), 3000);
	assert_int_equal(num(o, "fetched_to_decided.n"), 11);
	assert_int_equal(num(o, "fetched_to_decided.max_s"), 1);
	assert_int_equal(num(o, "decided_to_forwarded.n"), 6);

	/* 7 routed to an owner: 3 answered, 3 never; a2, given 2 hours
	 * before the end, awaits its first answer; 1 reassigned */
	assert_int_equal(num(o, "owner_routed"), 7);
	assert_int_equal(num(o, "answered"), 3);
	assert_int_equal(num(o, "never_answered"), 3);
	assert_int_equal(num(o, "awaiting_answer"), 1);
	assert_int_equal(num(o, "owner_replies"), 1);
	assert_int_equal(num(o, "owner_auto_replies"), 1);
	assert_int_equal(num(o, "reassigned"), 1);
	/* first responses: 1800, 7200, 43200 */
	assert_int_equal(num(o, "first_response.n"), 3);
	assert_int_equal(num(o, "first_response.p50_s"), 7200);
	assert_int_equal(num(o, "first_response.p90_s"), 43200);

	assert_int_equal(num(o, "owners.ana.leads"), 4);
	assert_int_equal(num(o, "owners.ana.forwarded"), 3);
	assert_int_equal(num(o, "owners.ana.answered"), 2);
	assert_int_equal(num(o, "owners.ana.never_answered"), 1);
	assert_int_equal(num(o, "owners.ana.reassigned"), 1);
	assert_int_equal(num(o, "owners.ana.time_to_route.p50_s"), 120);
	assert_int_equal(num(o, "owners.ben.leads"), 3);
	assert_int_equal(num(o, "owners.ben.answered"), 1);
	assert_int_equal(num(o, "owners.ben.time_to_route.max_s"), 3600);
	assert_int_equal(num(o, "owners.ben.first_response.p50_s"), 43200);
	g_object_unref(p);
	free(out);
}

static void
test_text(void **state)
{
	struct fx *f = *state;
	char *out = run_report(f, FALSE);

	print_message("%s", out);
	assert_non_null(strstr(out, "Leads 12: 11 decided, 1 failed"));
	assert_non_null(strstr(out, "review rate 20.0% (2 of 10 leads not "
	    "ignored; 1 after the mail server refused the forward)"));
	assert_non_null(strstr(out, "p50 3m 00s   p90 1h 00m"));
	assert_non_null(strstr(out, "Reassigned: 1 of 7 leads routed to an "
	    "owner (14.3%)"));
	assert_non_null(strstr(out, "Answered: 3 of 7 (42.9%); never "
	    "answered: 3; awaiting a first response (given within a day): 1; "
	    "owners' replies seen in the inbox: 1"));
	assert_non_null(strstr(out, "offer      audit 5, build 2,"));
	free(out);
}

static guint
occurrences(const char *s, const char *what)
{
	guint n = 0;

	for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/* One page, its five charts drawn: 12 leads on their days, 6 routing
 * times and 3 first responses in their buckets, the review backlog, 2
 * owners. */
static void
test_html(void **state)
{
	struct fx *f = *state;
	char *buf = report_at(f, HTML, NOW, 30 * DAY);

	assert_true(g_str_has_prefix(buf, "<!DOCTYPE html>"));
	assert_int_equal(occurrences(buf, "<svg "), 5);
	assert_int_equal(occurrences(buf, "</svg>"), 5);
	assert_non_null(strstr(buf, "<tr><td>leads</td><td>12</td></tr>"));
	assert_non_null(strstr(buf, "<tr><td>never answered</td><td>3</td>"));
	/* the histogram of routing times: 60 120 180 240 600 3600 s */
	assert_non_null(strstr(buf, "<title>1-5m: 4</title>"));
	assert_non_null(strstr(buf, "<title>5-15m: 1</title>"));
	assert_non_null(strstr(buf, "<title>1-4h: 1</title>"));
	/* first responses 1800, 7200, 43200 s */
	assert_non_null(strstr(buf, "<title>15m-1h: 1</title>"));
	assert_non_null(strstr(buf, "<title>4h-1d: 1</title>"));
	assert_non_null(strstr(buf, "<title>4 leads, 2 answered, 1 reassigned"));
	/* no script, nothing fetched from elsewhere */
	assert_null(strstr(buf, "<script"));
	assert_null(strstr(buf, "href="));
	assert_null(strstr(buf, "src="));
	free(buf);
}

/* An empty period: zeros and nulls, no division by zero. */
static void
test_empty(void **state)
{
	struct fx *f = *state;
	char *buf = report_at(f, TEXT, NOW - 100 * DAY, DAY);

	assert_non_null(strstr(buf, "Leads 0: 0 decided"));
	assert_non_null(strstr(buf, "(no lead went to an owner)"));
	assert_non_null(strstr(buf, "review rate 0.0%"));
	free(buf);
	/* the page too: empty charts, nothing divided by zero */
	buf = report_at(f, HTML, NOW - 100 * DAY, DAY);
	assert_int_equal(occurrences(buf, "<svg "), 5);
	assert_null(strstr(buf, "nan"));
	free(buf);
}

/*
 * Time in review, the review backlog, SLA breaches and sources, on a
 * journal of their own (times in hours before NOW, 2026-11-24 10:00 UTC):
 *   L1 review at -120h (11-19 10:00), assigned to ana at -104h: 16h there,
 *      across the end of 11-19; source a form's sender
 *   L2 review at -72h, moved to a queue at -66h: 6h; escalated; a form's
 *   L3 review at -48h (11-22 10:00), still there; escalated; email
 *   L4 team ana at -25h, refused to review at -24h, assigned to ben at
 *      -20h: 4h; email
 *   L5 team ben, dated -12h, forwarded 300 s after, answered 3600 s after
 *      the Date, its SLA missed twice; the rules' source dimension
 *      "partner" wins over its email source
 * Review times out of review: 4h, 6h, 16h: p50 6h, p90 16h, max 16h; 1
 * waiting for 48h. Backlog at each day's end from 11-17: 0 0 1 0 0 1 1 1.
 */
static void
test_review_and_sources(void **state)
{
	struct fx *f = *state;
	struct journal *j;
	GError *err = NULL;
	char *path = g_build_filename(f->dir, "review.db", NULL), *out;
	const gint64 H = 3600;
	static const char *const jsons[] = {
		"{\"source\":\"form: wp@site.example\"}",
		"{\"source\":\"form: wp@site.example\"}",
		"{\"source\":\"email\"}", "{\"source\":\"email\"}",
		"{\"source\":\"email\"}",
	};
	static const gint64 at[] = { 120, 72, 48, 25, 12 };
	gint64 id[5];
	JsonParser *p = json_parser_new();
	JsonObject *o;
	JsonArray *backlog;
	JsonObject *src;
	/* L0 (10 days in review, since before the period) waits throughout */
	static const guint waiting[] = { 1, 1, 2, 1, 1, 2, 2, 2 };
	struct journal_decision owner = { .kind = DEST_OWNER, .folder = "O/x" };
	struct journal_decision queue = { .kind = DEST_QUEUE, .folder = "Q" };

	(void)state;
	j = journal_open(path, &err);
	assert_null(err);
	{
		enum journal_state st;
		enum journal_seen seen;
		gint64 old;
		struct journal_decision d = { .kind = DEST_REVIEW, .folder = "R",
		    .lead_json = "{\"source\":\"email\"}" };

		assert_int_equal(journal_message_seen(j, "<L0@x>", "INBOX", 1,
		    99, 100, NOW - 240 * H, NOW - 240 * H, &old, &st, &seen),
		    LR_OK);
		assert_int_equal(journal_record_decision(j, old, &d,
		    NOW - 240 * H), LR_OK);
	}
	for (guint i = 0; i < 5; i++) {
		enum journal_state st;
		enum journal_seen seen;
		char key[16];
		struct journal_decision d = { .kind = i < 3 ? DEST_REVIEW :
		    DEST_TEAM, .folder = "R", .lead_json = jsons[i],
		    .owner = i == 3 ? "ana" : i == 4 ? "ben" : NULL,
		    .dest_id = i >= 3 ? "sales" : NULL,
		    .dims_json = i == 4 ? "{\"source\":\"partner\"}" : NULL };

		g_snprintf(key, sizeof key, "<L%u@x>", i + 1);
		assert_int_equal(journal_message_seen(j, key, "INBOX", 1, i + 1,
		    100, NOW - at[i] * H, NOW - at[i] * H, &id[i], &st, &seen),
		    LR_OK);
		assert_int_equal(journal_record_decision(j, id[i], &d,
		    NOW - at[i] * H), LR_OK);
	}
	owner.owner = owner.dest_id = "ana";
	assert_int_equal(journal_redecide(j, id[0], &owner, "assigned", "x",
	    NOW - 104 * H), LR_OK);
	assert_int_equal(journal_redecide(j, id[1], &queue, "moved", "x",
	    NOW - 66 * H), LR_OK);
	assert_int_equal(journal_event(j, id[1], "escalated", "x",
	    NOW - 68 * H), LR_OK);
	assert_int_equal(journal_event(j, id[2], "escalated", "x",
	    NOW - 44 * H), LR_OK);
	assert_int_equal(journal_decision_to_review(j, id[3], "R", "550",
	    NOW - 24 * H), LR_OK);
	owner.owner = owner.dest_id = "ben";
	assert_int_equal(journal_redecide(j, id[3], &owner, "assigned", "x",
	    NOW - 20 * H), LR_OK);
	assert_int_equal(journal_delivery_plan(j, id[4], CHAN_FORWARD, "ben",
	    "<f@x>", NULL, NOW - 12 * H), LR_OK);
	assert_int_equal(journal_delivery_start(j, id[4], CHAN_FORWARD, "ben"),
	    LR_OK);
	assert_int_equal(journal_delivery_done(j, id[4], CHAN_FORWARD, "ben",
	    NOW - 12 * H + 300), LR_OK);
	assert_int_equal(journal_event(j, id[4], "sla-missed", "ben",
	    NOW - 11 * H), LR_OK);
	assert_int_equal(journal_event(j, id[4], "sla-missed", "ana",
	    NOW - 10 * H), LR_OK);
	assert_int_equal(journal_event(j, id[4], "first-response", NULL,
	    NOW - 11 * H), LR_OK);

	journal_close(f->j);
	f->j = j;
	out = report_at(f, JSON, NOW, 7 * DAY);
	assert_true(json_parser_load_from_data(p, out, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	assert_int_equal(num(o, "review.leads"), 4);
	assert_int_equal(num(o, "review.time.n"), 3);
	assert_int_equal(num(o, "review.time.p50_s"), 6 * H);
	assert_int_equal(num(o, "review.time.p90_s"), 16 * H);
	assert_int_equal(num(o, "review.time.max_s"), 16 * H);
	assert_int_equal(num(o, "review.waiting"), 2);	/* L0, L3 */
	assert_int_equal(num(o, "review.oldest_waiting_s"), 240 * H);
	backlog = json_object_get_array_member(json_object_get_object_member(
	    o, "review"), "backlog");
	assert_int_equal(json_array_get_length(backlog), 8);
	for (guint i = 0; i < 8; i++) {
		JsonObject *d = json_array_get_object_element(backlog, i);
		char day[11];

		g_snprintf(day, sizeof day, "2026-11-%02u", 17 + i);
		assert_string_equal(json_object_get_string_member(d, "day"),
		    day);
		assert_int_equal(json_object_get_int_member(d, "waiting"),
		    waiting[i]);
	}
	assert_int_equal(num(o, "sla_breaches.review"), 2);
	assert_int_equal(num(o, "sla_breaches.owner"), 2);
	assert_int_equal(num(o, "sla_breaches.owner_leads"), 1);
	src = json_object_get_object_member(o, "sources");
	assert_int_equal(json_object_get_size(src), 3);
	assert_int_equal(num(json_object_get_object_member(src,
	    "form: wp@site.example"), "leads"), 2);
	assert_int_equal(num(json_object_get_object_member(src,
	    "form: wp@site.example"), "forwarded"), 0);
	assert_int_equal(num(json_object_get_object_member(src, "email"),
	    "leads"), 2);
	assert_int_equal(num(json_object_get_object_member(src, "email"),
	    "never_answered"), 1);	/* L4 (ben's); L3 has no owner */
	o = json_object_get_object_member(src, "partner");
	assert_int_equal(num(o, "leads"), 1);
	assert_int_equal(num(o, "answered"), 1);
	assert_int_equal(num(o, "time_to_route.p50_s"), 300);
	assert_int_equal(num(o, "time_to_route.p90_s"), 300);
	assert_int_equal(num(o, "first_response.p50_s"), 3600);
	assert_null(json_object_get_member(o, "reassigned"));
	free(out);

	out = report_at(f, TEXT, NOW, 7 * DAY);
	if (g_getenv("TEST_VERBOSE") != NULL)
		fputs(out, stderr);
	assert_non_null(strstr(out, "  in review: 4 leads; time there p50 "
	    "6h 00m / p90 16h 00m / max 16h 00m (3 taken out); still waiting "
	    "2 (oldest 10d 0h)\n  SLA breaches: review 2 (escalated); owners "
	    "2 on 1 leads (no first response in time)\n  review backlog at "
	    "each day's end (UTC): 11-17 1, 11-18 1, 11-19 2, 11-20 1, 11-21 "
	    "1, 11-22 2, 11-23 2, 11-24 2\n"));
	/* the column as wide as the longest source; never answered: of
	 * the leads with an owner */
	assert_non_null(strstr(out, "\nBy source               leads  fwd  "
	    "time to route"));
	assert_non_null(strstr(out, "\n  email                     2    0  "
	    "       - / -                0      1  - / -\n"));
	assert_non_null(strstr(out, "\n  partner                   1    1  "
	    "  5m 00s / 5m 00s           1      0  1h 00m / 1h 00m\n"));
	free(out);
	/* a period of a day is drawn by the hour, not as one block */
	out = report_at(f, HTML, NOW, DAY);
	assert_non_null(strstr(out, "<title>Leads per hour</title>"));
	assert_null(strstr(out, "<title>Leads per day</title>"));
	free(out);
	out = report_at(f, HTML, NOW, 7 * DAY);
	assert_non_null(strstr(out, "<title>Leads per day</title>"));
	assert_non_null(strstr(out, "<title>2026-11-19: 2 waiting</title>"));
	assert_non_null(strstr(out, "<title>2026-11-20: 1 waiting</title>"));
	assert_non_null(strstr(out, "<tr><td>time in review p50 / p90</td>"
	    "<td>6h 00m / 16h 00m</td></tr>"));
	assert_non_null(strstr(out, "<tr><td>form: wp@site.example</td>"
	    "<td>2</td>"));
	free(out);

	/* as of 46h before NOW: L3's escalation (44h before) and everything
	 * later do not count yet; L3 and L0 wait; L1 and L2 were out */
	out = report_at(f, JSON, NOW - 46 * H, 7 * DAY);
	g_object_unref(p);
	p = json_parser_new();
	assert_true(json_parser_load_from_data(p, out, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	assert_int_equal(num(o, "leads"), 3);	/* L1, L2, L3 */
	assert_int_equal(num(o, "review.leads"), 3);
	assert_int_equal(num(o, "review.time.n"), 2);
	assert_int_equal(num(o, "review.waiting"), 2);
	assert_int_equal(num(o, "review.oldest_waiting_s"), 194 * H);
	assert_int_equal(num(o, "sla_breaches.review"), 1);
	free(out);
	g_object_unref(p);
	g_free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_review_and_sources, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
