/*
 * test_rotation.c: routing with history (issue 4): rotations fair across
 * restarts, availability, daily caps and least-loaded counted from the
 * journal, and sticky ownership by thread, address and company domain.
 * Each test decides leads with route_decide() over a real journal (in a
 * fresh directory) and records them as the agent does; the clock is
 * fixed.
 */
#include "testlib.h"

#include <glib/gstdio.h>

#include "history.h"
#include "journal.h"
#include "journal_route.h"
#include "lead.h"
#include "route.h"
#include "rules.h"

#define T0	"2026-03-02T10:00:00Z"	/* a Monday */

static const char OWNERS[] =
    "id,email,weight,max_per_day,timezone,hours,status\n"
    "ana,ana@example.com,3,,UTC,,\n"
    "ben,ben@example.com,1,,UTC,,\n"
    "cat,cat@example.com,1,,UTC,Mon-Fri 09:00-17:00,\n"
    "dan,dan@example.com,1,2,UTC,,\n"
    "eve,eve@example.com,1,,UTC,,away\n";

static const char RULES[] =
    "owners \"owners.csv\"\n"
    "team w rotate weighted members ana ben\n"
    "team rr members ana ben cat\n"
    "team ll rotate least-loaded members ana ben\n"
    "team capped members dan ben\n"
    "team evefirst members eve ben\n"
    "queue later\n"
    "to w if subject contains \"[w]\"\n"
    "to rr if subject contains \"[rr]\"\n"
    "to ll if subject contains \"[ll]\"\n"
    "to capped if subject contains \"[capped]\"\n"
    "to evefirst if subject contains \"[eve]\"\n"
    "to later if subject contains \"[later]\"\n"
    "to ben if subject contains \"[ben]\"\n"
    "route to=w -> team w\n"
    "route to=rr -> team rr\n"
    "route to=ll -> team ll\n"
    "route to=capped -> team capped\n"
    "route to=evefirst -> team evefirst\n"
    "route to=later -> queue later\n"
    "route to=ben -> owner ben\n"
    "route * -> review\n";

struct fx {
	char *dir, *path;
	struct journal *j;
	struct ruleset *rs;
	struct history hist;
	struct route_state st;
	guint n;		/* messages recorded, for unique keys */
};

static struct ruleset *
load_rules(const char *dir, const char *extra)
{
	struct diag *d = diag_new();
	char *text = g_strconcat(RULES, extra, NULL);
	struct ruleset *rs = rules_parse(text, strlen(text), "t.rules", dir, d);

	for (guint i = 0; i < diag_count(d); i++)
		print_message("%s\n", diag_get(d, i));
	assert_int_equal(diag_errors(d), 0);
	diag_free(d);
	g_free(text);
	return rs;
}

static void
open_journal(struct fx *f)
{
	GError *err = NULL;

	f->j = journal_open(f->path, &err);
	assert_null(err);
	assert_non_null(f->j);
	f->hist.j = f->j;
	f->hist.rs = f->rs;
	history_state(&f->st, &f->hist);
}

static int
setup_with(void **state, const char *extra)
{
	struct fx *f = g_new0(struct fx, 1);
	GError *err = NULL;
	char *owners;

	f->dir = g_dir_make_tmp("test_rotation-XXXXXX", &err);
	assert_null(err);
	owners = g_build_filename(f->dir, "owners.csv", NULL);
	assert_true(g_file_set_contents(owners, OWNERS, -1, NULL));
	g_free(owners);
	f->path = g_build_filename(f->dir, "journal.db", NULL);
	f->rs = load_rules(f->dir, extra);
	open_journal(f);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, "");
}

static int
setup_sticky_off(void **state)
{
	return setup_with(state, "sticky off\n");
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	journal_close(f->j);
	rules_free(f->rs);
	assert_true(test_rmdir(f->dir));
	g_free(f->dir);
	g_free(f->path);
	g_free(f);
	return 0;
}

/*
 * Decide one lead at the ISO time `at` and record it as the agent does;
 * returns the decision (caller frees). from NULL: a new person at a new
 * company each time (nothing sticky); headers may be NULL.
 */
static struct decision *
route_one(struct fx *f, const char *from, const char *subject,
    const char *headers, const char *at, char **msgid)
{
	GDateTime *now = g_date_time_new_from_iso8601(at, NULL);
	char *id = g_strdup_printf("<lead%u@test.example>", ++f->n);
	char *fresh = g_strdup_printf("p%u@company%u.example", f->n, f->n);
	char *msg = g_strdup_printf("From: %s\nSubject: %s\nMessage-ID: %s\n"
	    "%s\nHello\n", from != NULL ? from : fresh, subject, id,
	    headers ? headers : "");
	struct lead *l = lead_from_bytes(msg, strlen(msg), &f->rs->lead);
	struct decision *dc;
	struct journal_decision jd = { 0 };
	enum journal_state state;
	enum journal_seen seen;
	gint64 mid;
	char *day;

	assert_non_null(now);
	dc = route_decide(f->rs, l, now, NULL, &f->st);
	assert_int_equal(journal_message_seen(f->j, id, "INBOX", 1, f->n, 100,
	    0, g_date_time_to_unix(now), &mid, &state, &seen), LR_OK);
	jd.kind = dc->kind;
	jd.dest_id = dc->id;
	jd.owner = dc->owner;
	jd.folder = dc->folder;
	jd.reason = dc->reason;
	jd.lead_email = l->str[LF_EMAIL];
	history_decision(dc, l, f->rs, &jd);
	/* the owner's day, in the owner's zone (UTC for all here) */
	day = g_date_time_format(now, "%Y-%m-%d");
	jd.owner_day = dc->owner != NULL ? day : NULL;
	assert_int_equal(journal_record_decision(f->j, mid, &jd,
	    g_date_time_to_unix(now)), LR_OK);
	g_free(day);
	g_free((struct journal_credit *)jd.credits);
	if (msgid != NULL)
		*msgid = g_strdup(id);
	lead_free(l);
	g_free(msg);
	g_free(fresh);
	g_free(id);
	g_date_time_unref(now);
	return dc;
}

/* The owner one lead goes to (NULL: none); the decision is freed. */
static char *
owner_of(struct fx *f, const char *from, const char *subject,
    const char *at)
{
	struct decision *dc = route_one(f, from, subject, NULL, at, NULL);
	char *o = g_strdup(dc->owner);

	decision_free(dc);
	return o;
}

/* An ISO time `minutes` after T0. */
static char *
at_min(guint minutes)
{
	GDateTime *t0 = g_date_time_new_from_iso8601(T0, NULL);
	GDateTime *t = g_date_time_add_minutes(t0, (int)minutes);
	char *s = g_date_time_format_iso8601(t);

	g_date_time_unref(t);
	g_date_time_unref(t0);
	return s;
}

/* 1,000 leads over weights 3:1, the journal closed and opened again
 * every 37 leads: 750 and 250, never more than three in a row for ana
 * and never two in a row for ben. */
static void
test_weighted_fair_across_restarts(void **state)
{
	struct fx *f = *state;
	guint ana = 0, ben = 0, run_ana = 0, run_ben = 0;

	for (guint i = 0; i < 1000; i++) {
		char *at = at_min(i % 400);
		char *o = owner_of(f, NULL, "[w]", at);

		assert_non_null(o);
		if (strcmp(o, "ana") == 0) {
			ana++;
			run_ana++;
			run_ben = 0;
		} else {
			assert_string_equal(o, "ben");
			ben++;
			run_ben++;
			run_ana = 0;
		}
		assert_true(run_ana <= 3);
		assert_true(run_ben <= 1);
		g_free(o);
		g_free(at);
		if (i % 37 == 36) {
			journal_close(f->j);
			open_journal(f);
		}
	}
	print_message("weighted 3:1 over 1000 leads: ana %u, ben %u\n", ana,
	    ben);
	assert_true(ana >= 749 && ana <= 751);
	assert_int_equal(ana + ben, 1000);
}

/*
 * Round-robin in member order; cat works 09:00-17:00 UTC. Out of her
 * hours ana and ben alternate; when she is back she takes her turn and
 * is not given a pile of leads to catch up.
 */
static void
test_round_robin_skips_and_resumes(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *at, *want;
	} seq[] = {
		{ T0, "ana" }, { T0, "ben" }, { T0, "cat" },
		{ T0, "ana" }, { T0, "ben" }, { T0, "cat" },
		/* 18:00: cat is off */
		{ "2026-03-02T18:00:00Z", "ana" },
		{ "2026-03-02T18:00:00Z", "ben" },
		{ "2026-03-02T18:00:00Z", "ana" },
		{ "2026-03-02T18:00:00Z", "ben" },
		/* the next morning: everyone, in turn, cat once */
		{ "2026-03-03T09:00:00Z", "ana" },
		{ "2026-03-03T09:00:00Z", "ben" },
		{ "2026-03-03T09:00:00Z", "cat" },
		{ "2026-03-03T09:00:00Z", "ana" },
	};
	char *got = NULL;
	GString *want = g_string_new(NULL), *have = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(seq); i++) {
		got = owner_of(f, NULL, "[rr]", seq[i].at);
		g_string_append_printf(want, "%s ", seq[i].want);
		g_string_append_printf(have, "%s ", got);
		g_free(got);
	}
	assert_string_equal(have->str, want->str);
	g_string_free(want, TRUE);
	g_string_free(have, TRUE);
}

/* Each member's share over a day's leads stays within one of the fair
 * share, whatever the order of availability. */
static void
test_round_robin_even(void **state)
{
	struct fx *f = *state;
	guint count[3] = { 0 };
	static const char *const ids[] = { "ana", "ben", "cat" };

	for (guint i = 0; i < 300; i++) {
		char *o = owner_of(f, NULL, "[rr]", T0);

		for (guint k = 0; k < 3; k++)
			if (strcmp(o, ids[k]) == 0)
				count[k]++;
		g_free(o);
	}
	for (guint k = 0; k < 3; k++)
		assert_int_equal(count[k], 100);
}

/* dan takes at most 2 a day (max_per_day), counted in the journal; the
 * next day he is back. */
static void
test_daily_cap(void **state)
{
	struct fx *f = *state;
	guint dan = 0;
	char *o;
	struct decision *dc;

	for (guint i = 0; i < 8; i++) {
		o = owner_of(f, NULL, "[capped]", T0);
		dan += strcmp(o, "dan") == 0;
		g_free(o);
	}
	assert_int_equal(dan, 2);
	dc = route_one(f, NULL, "[capped]", NULL, T0, NULL);
	assert_string_equal(dc->owner, "ben");
	assert_int_equal(dc->notes->len, 1);
	assert_string_equal(g_ptr_array_index(dc->notes, 0),
	    "dan skipped: daily cap of 2 reached");
	decision_free(dc);
	/* the next day dan is back in the rotation */
	dan = 0;
	for (guint i = 0; i < 4; i++) {
		o = owner_of(f, NULL, "[capped]", "2026-03-03T10:00:00Z");
		dan += strcmp(o, "dan") == 0;
		g_free(o);
	}
	assert_int_equal(dan, 2);
}

/* An owner away by an auto-reply (the journal's away table) is skipped by
 * the rotation and by a route naming them, until that time only. */
static void
test_away_by_auto_reply(void **state)
{
	struct fx *f = *state;
	GDateTime *t0 = g_date_time_new_from_iso8601(T0, NULL);
	gint64 now = g_date_time_to_unix(t0);
	struct decision *dc;
	char *o;

	assert_int_equal(journal_away_set(f->j, "ben", now + 3600,
	    "auto-reply at 10:00", now), LR_OK);
	for (guint i = 0; i < 2; i++) {	/* dan's cap is 2 */
		o = owner_of(f, NULL, "[capped]", T0);
		assert_string_equal(o, "dan");
		g_free(o);
	}
	dc = route_one(f, NULL, "[capped]", NULL, T0, NULL);
	assert_int_equal(dc->kind, DEST_REVIEW);
	assert_int_equal(dc->notes->len, 2);
	assert_string_equal(g_ptr_array_index(dc->notes, 1),
	    "ben skipped: away until 2026-03-02 11:00 (auto-reply at 10:00)");
	decision_free(dc);
	dc = route_one(f, NULL, "[ben]", NULL, T0, NULL);
	assert_int_equal(dc->kind, DEST_REVIEW);
	assert_string_equal(dc->reason, "route 21: owner ben unavailable (away "
	    "until 2026-03-02 11:00 (auto-reply at 10:00))");
	decision_free(dc);
	/* an hour later ben is back */
	o = owner_of(f, NULL, "[ben]", "2026-03-02T11:00:00Z");
	assert_string_equal(o, "ben");
	g_free(o);
	g_date_time_unref(t0);
}

/* least-loaded counts the last 24 hours of the journal, all routes
 * included: ben's direct leads make ana the one with fewer. */
static void
test_least_loaded_from_journal(void **state)
{
	struct fx *f = *state;
	char *o;

	for (guint i = 0; i < 3; i++) {
		o = owner_of(f, NULL, "[ben]", T0);
		assert_string_equal(o, "ben");
		g_free(o);
	}
	/* ana 0, ben 3: ana three times, then they alternate */
	for (guint i = 0; i < 3; i++) {
		o = owner_of(f, NULL, "[ll]", T0);
		assert_string_equal(o, "ana");
		g_free(o);
	}
	/* 3:3: the rotation's credit breaks the tie (ana had three) */
	o = owner_of(f, NULL, "[ll]", T0);
	assert_string_equal(o, "ben");
	g_free(o);
	o = owner_of(f, NULL, "[ll]", T0);
	assert_string_equal(o, "ana");	/* 3:4 */
	g_free(o);
	/* 25 hours later nothing counts: 0:0, and the credit says ben */
	o = owner_of(f, NULL, "[ll]", "2026-03-03T11:00:00Z");
	assert_string_equal(o, "ben");
	g_free(o);
}

/* Sticky: the address, the company domain, the thread; not free mail,
 * not after the window, not to an owner who is away. */
static void
test_sticky(void **state)
{
	struct fx *f = *state;
	struct decision *dc;
	char *first_id = NULL, *o, *hdr, *want;

	/* ann@acme.example's first lead: rotation gives ana */
	dc = route_one(f, "ann@acme.example", "[rr]", NULL, T0, &first_id);
	assert_string_equal(dc->owner, "ana");
	assert_false(dc->sticky);
	decision_free(dc);

	/* the same address, a week later, as a queue lead: still ana */
	dc = route_one(f, "ann@acme.example", "[later]", NULL,
	    "2026-03-09T10:00:00Z", NULL);
	assert_int_equal(dc->kind, DEST_OWNER);
	assert_string_equal(dc->owner, "ana");
	assert_string_equal(dc->folder, "Leads/Owners/ana");
	assert_true(dc->sticky);
	assert_string_equal(dc->reason, "route 20; sticky: "
	    "ann@acme.example's earlier lead went to ana");
	assert_string_equal(g_ptr_array_index(dc->notes,
	    dc->notes->len - 1), "without it: queue later (route 20)");
	decision_free(dc);

	/* a colleague at the same company: ana, by domain */
	dc = route_one(f, "bob@ACME.example", "[rr]", NULL,
	    "2026-03-09T11:00:00Z", NULL);
	assert_string_equal(dc->owner, "ana");
	assert_true(dc->sticky);
	assert_null(dc->credits);	/* the rotation did not move */
	assert_true(strstr(dc->reason, "acme.example's earlier lead "
	    "(ann@acme.example) went to ana") != NULL);
	decision_free(dc);

	/* free mail is no company: two gmail senders rotate */
	o = owner_of(f, "carl@gmail.com", "[rr]", "2026-03-09T12:00:00Z");
	g_free(o);
	dc = route_one(f, "dora@gmail.com", "[rr]", NULL,
	    "2026-03-09T12:00:00Z", NULL);
	assert_false(dc->sticky);
	decision_free(dc);

	/* a reply in the thread from someone new: ana, by the thread */
	hdr = g_strdup_printf("In-Reply-To: %s\nReferences: <other@x> %s",
	    first_id, first_id);
	dc = route_one(f, "cfo@elsewhere.example", "Re: our project", hdr,
	    "2026-03-10T10:00:00Z", NULL);
	assert_string_equal(dc->owner, "ana");
	assert_true(dc->sticky);
	want = g_strdup_printf("route 22; sticky: replies to %s, which went "
	    "to ana", first_id);
	assert_string_equal(dc->reason, want);
	g_free(want);
	decision_free(dc);
	g_free(hdr);

	/* after 30 days the address no longer binds */
	dc = route_one(f, "ann@acme.example", "[later]", NULL,
	    "2026-04-20T10:00:00Z", NULL);
	assert_int_equal(dc->kind, DEST_QUEUE);
	assert_false(dc->sticky);
	decision_free(dc);
	g_free(first_id);
}

/* `sticky off`: an address or company no longer binds; a reply in a
 * thread still goes to the thread's owner. */
static void
test_sticky_off(void **state)
{
	struct fx *f = *state;
	struct decision *dc;
	char *first_id = NULL, *hdr;

	assert_int_equal(f->rs->sticky, 0);
	dc = route_one(f, "ann@acme.example", "[rr]", NULL, T0, &first_id);
	assert_string_equal(dc->owner, "ana");
	decision_free(dc);
	dc = route_one(f, "ann@acme.example", "[rr]", NULL, T0, NULL);
	assert_string_equal(dc->owner, "ben");
	assert_false(dc->sticky);
	decision_free(dc);
	hdr = g_strdup_printf("In-Reply-To: %s", first_id);
	dc = route_one(f, "ann@acme.example", "Re: hi", hdr, T0, NULL);
	assert_string_equal(dc->owner, "ana");
	assert_true(dc->sticky);
	decision_free(dc);
	g_free(hdr);
	g_free(first_id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_weighted_fair_across_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_round_robin_skips_and_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_robin_even, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_daily_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_away_by_auto_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_least_loaded_from_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sticky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sticky_off,
		    setup_sticky_off, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
