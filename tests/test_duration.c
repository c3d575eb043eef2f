/*
 * test_duration.c: durations as people write them (rules, owners.csv,
 * the configuration), malformed ones refused, and as messages show them.
 */
#include "testlib.h"

#include "duration.h"

struct duration_case {
	const char *s;
	gint64 secs;
};

static const struct duration_case duration_cases[] = {
	{ "90s", 90 },
	{ "15m", 900 },
	{ "4h", 14400 },
	{ "2d", 172800 },
	{ "0s", 0 },
	{ "007m", 420 },
	{ "2147483647s", 2147483647 },
	{ "2147483647d", (gint64)2147483647 * 86400 },
	{ "2147483648s", -1 },
	{ "99999999999999999999999999d", -1 },
	{ "", -1 },
	{ "5", -1 },
	{ "5x", -1 },
	{ "5M", -1 },
	{ "5mm", -1 },
	{ "4h ", -1 },
	{ " 4h", -1 },
	{ "-1m", -1 },
	{ "+1m", -1 },
	{ "1.5h", -1 },
	{ "h", -1 },
	{ "4 h", -1 },
	{ NULL, -1 },
};

static void
test_duration(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(duration_cases); i++) {
		print_message("duration: '%s'\n", duration_cases[i].s != NULL ?
		    duration_cases[i].s : "(null)");
		assert_int_equal(duration_parse(duration_cases[i].s),
		    duration_cases[i].secs);
	}
}

/* Durations written for people: the two largest units, adjacent. */
static void
test_duration_text(void **state)
{
	static const struct {
		gint64 secs;
		const char *text;
	} t[] = {
		{ 0, "0s" }, { -5, "0s" }, { 59, "59s" }, { 60, "1m" },
		{ 90, "1m 30s" }, { 900, "15m" }, { 4 * 3600, "4h" },
		{ 3600 + 300 + 7, "1h 5m" }, { 86400 + 7200, "1d 2h" },
		{ 86400 + 300, "1d" }, { 30 * 86400, "30d" },
	};

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
		char *s = duration_text(t[i].secs);

		assert_string_equal(s, t[i].text);
		g_free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
