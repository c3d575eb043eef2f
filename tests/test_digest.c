/*
 * test_digest.c: the daily review digest: when it is due (the owner's
 * zone, working days, daylight saving) and what it says.
 */
#include "testlib.h"

#include "diag.h"
#include "digest.h"
#include "owners.h"

static const char OWNERS[] =
    "id,email,timezone,hours\n"
    "founder,founder@example.com,Europe/Berlin,Mon-Fri 09:00-17:00\n"
    "night,night@example.com,,\n"
    "sunday,sunday@example.com,Europe/Berlin,Sun 00:00-24:00\n";

static struct owner_table *
load(void)
{
	struct diag *d = diag_new();
	struct owner_table *t = owners_parse(OWNERS, sizeof OWNERS - 1,
	    "owners.csv", d);

	assert_int_equal(diag_count(d), 0);
	diag_free(d);
	return t;
}

static gint64
at(const char *iso)
{
	GDateTime *t = g_date_time_new_from_iso8601(iso, NULL);
	gint64 s;

	assert_non_null(t);
	s = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return s;
}

static const struct {
	const char *owner;
	int minute;
	const char *now, *due;
} due_cases[] = {
	/* Wednesday 08:00 in Berlin: not yet (Tuesday's is not made up);
	 * from 08:30 today's, all day */
	{ "founder", 510, "2026-11-25T07:00:00Z", NULL },
	{ "founder", 510, "2026-11-25T07:30:00Z", "2026-11-25T07:30:00Z" },
	{ "founder", 510, "2026-11-25T22:59:59Z", "2026-11-25T07:30:00Z" },
	/* midnight in Berlin: a new day, nothing due yet */
	{ "founder", 510, "2026-11-25T23:00:00Z", NULL },
	/* the weekend is not a working day */
	{ "founder", 510, "2026-11-29T12:00:00Z", NULL },
	{ "founder", 510, "2026-11-30T07:29:59Z", NULL },
	{ "founder", 510, "2026-11-30T07:30:00Z", "2026-11-30T07:30:00Z" },
	/* summer time: 08:30 in Berlin is 06:30 UTC */
	{ "founder", 510, "2026-03-30T06:30:00Z", "2026-03-30T06:30:00Z" },
	/* no working hours, no zone: every day, in UTC */
	{ "night", 0, "2026-11-29T12:00:00Z", "2026-11-29T00:00:00Z" },
	{ "night", 1439, "2026-11-29T12:00:00Z", NULL },
	{ "night", 1439, "2026-11-29T23:59:00Z", "2026-11-29T23:59:00Z" },
	/* a time the clocks skip (Sunday 2026-03-29, 02:30 in Berlin) and
	 * one they pass twice (Sunday 2026-10-25): once each, as GLib
	 * places them */
	{ "sunday", 150, "2026-03-29T00:59:59Z", NULL },
	{ "sunday", 150, "2026-03-29T12:00:00Z", "2026-03-29T01:00:00Z" },
	{ "sunday", 150, "2026-10-25T00:30:00Z", NULL },
	{ "sunday", 150, "2026-10-25T12:00:00Z", "2026-10-25T01:30:00Z" },
};

static void
test_due(void **state)
{
	struct owner_table *t = load();

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(due_cases); i++) {
		print_message("%s %d %s\n", due_cases[i].owner,
		    due_cases[i].minute, due_cases[i].now);
		assert_int_equal(digest_due(owners_find(t, due_cases[i].owner),
		    due_cases[i].minute, at(due_cases[i].now)),
		    due_cases[i].due != NULL ? at(due_cases[i].due) : 0);
	}
	owners_free(t);
}

static void
test_text(void **state)
{
	struct owner_table *t = load();
	const struct owner *f = owners_find(t, "founder");
	gint64 now = at("2026-11-25T07:30:00Z");
	const struct digest_item items[] = {
		{ "<a@acme.example>", "ann@acme.example",
		    "Quote\r\n please", "no route matched",
		    at("2026-11-23T13:02:00Z"), TRUE },
		{ "sha256:00ff", NULL, NULL, NULL,
		    at("2026-11-25T06:00:00Z"), FALSE },
	};
	struct digest_spec sp = { "Leads/Review", "Leads/Owners",
	    "Leads/Ignored", 4 * 3600 };
	char *s;

	(void)state;
	s = digest_subject(items, 2, now);
	assert_string_equal(s, "2 leads waiting in review (oldest 1d 18h)");
	g_free(s);
	s = digest_subject(items + 1, 1, now);
	assert_string_equal(s, "1 lead waiting in review (oldest 1h 30m)");
	g_free(s);
	s = digest_text(items, 2, now, &sp, f);
	assert_string_equal(s,
	    "2 leads are waiting in Leads/Review on Wed 25 Nov 2026 08:30 "
	    "(Europe/Berlin); 1 past the review SLA of 4h.\n"
	    "To assign one, move it into Leads/Owners/<owner>; to drop one, "
	    "into Leads/Ignored.\n"
	    "\n"
	    "  1. since Mon 23 Nov 14:02, waiting 1d 18h, past the SLA, "
	    "escalated\n"
	    "     From:    ann@acme.example\n"
	    "     Subject: Quote   please\n"
	    "     Why:     no route matched\n"
	    "     Id:      <a@acme.example>\n"
	    "\n"
	    "  2. since Wed 25 Nov 07:00, waiting 1h 30m\n"
	    "     From:    (no address)\n"
	    "     Subject: (none)\n"
	    "     Why:     (no reason recorded)\n"
	    "\n"
	    "-- \n"
	    "leadroute: the daily review digest (the rules' review line, "
	    "`digest`).\n");
	g_free(s);
	owners_free(t);
}

/* More than DIGEST_MAX_ITEMS: the oldest listed, the rest counted. */
static void
test_many(void **state)
{
	struct owner_table *t = load();
	struct digest_item items[DIGEST_MAX_ITEMS + 3];
	struct digest_spec sp = { "R", "O", "I", 0 };
	gint64 now = at("2026-11-25T07:30:00Z");
	char *s, *last;

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(items); i++)
		items[i] = (struct digest_item){ "<x@y>", "a@b.example", "s",
		    "r", now - 3600 * (gint64)(G_N_ELEMENTS(items) - i),
		    FALSE };
	s = digest_text(items, G_N_ELEMENTS(items), now, &sp,
	    owners_find(t, "night"));
	assert_non_null(strstr(s, "103 leads are waiting in R on Wed 25 Nov "
	    "2026 07:30 (UTC).\n"));
	assert_non_null(strstr(s, "\n100. since"));
	assert_null(strstr(s, "\n101. since"));
	last = strstr(s, "\n... and 3 more, newer than these.\n");
	assert_non_null(last);
	g_free(s);
	owners_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
