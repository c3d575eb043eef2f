/*
 * test_number.c: the first number in a form value (src/number.c), as
 * head counts and budgets are written, and input that holds none.
 */
#include "testlib.h"

#include "number.h"

/* Filled by setup(): far longer than any form value. */
#define LONG_LEN	100000
static char long_alpha[LONG_LEN + 1];	/* "aaa...a" */
static char long_digits[LONG_LEN + 1];	/* "999...9" */
static char long_gap[LONG_LEN + 1];	/* spaces, then "5" */
static char long_tail[LONG_LEN + 1];	/* "12", then letters */

static const struct {
	const char *in;
	gboolean ok;
	double want;
} cases[] = {
	/* plain, grouped and decimal */
	{ "1000", TRUE, 1000 }, { "0", TRUE, 0 }, { "007", TRUE, 7 },
	{ "1,000+", TRUE, 1000 }, { "1.000", TRUE, 1000 },
	{ "1,000", TRUE, 1000 }, { "1,000,000", TRUE, 1e6 },
	{ "1.000.000,50", TRUE, 1000000.5 }, { "1,000.50", TRUE, 1000.5 },
	{ "20 000 €", TRUE, 20000 }, { "1'000", TRUE, 1000 },
	{ "20\xc2\xa0" "000", TRUE, 20000 }, { "2,5", TRUE, 2.5 },
	{ "12.50", TRUE, 12.5 }, { "1.5", TRUE, 1.5 },
	{ "1.0000", TRUE, 1 }, { "1234,567", TRUE, 1234.567 },
	{ "1,000,00", TRUE, 1000 }, { "1,000.000", TRUE, 1000 },
	/* ranges, signs, currencies */
	{ "200-500", TRUE, 200 }, { "11-50 employees", TRUE, 11 },
	{ "USD 20,000", TRUE, 20000 }, { "20.000 EUR", TRUE, 20000 },
	{ "~100", TRUE, 100 }, { "100+", TRUE, 100 }, { "< 10", TRUE, 10 },
	{ "-5", TRUE, 5 }, { "Q3: 10k", TRUE, 3 },
	/* multipliers */
	{ "50k", TRUE, 50000 }, { "50K", TRUE, 50000 },
	{ "$50k", TRUE, 50000 }, { "€50k", TRUE, 50000 },
	{ "50 k", TRUE, 50000 }, { "50k€", TRUE, 50000 },
	{ "£5k", TRUE, 5000 }, { "1.5k", TRUE, 1500 }, { "1,5k", TRUE, 1500 },
	{ "50k-100k", TRUE, 50000 }, { "1.5m", TRUE, 1.5e6 },
	{ "2M", TRUE, 2e6 }, { "2 million", TRUE, 2e6 },
	{ "3 millions", TRUE, 3e6 }, { "3 Mio.", TRUE, 3e6 },
	{ "$5MM", TRUE, 5e6 }, { "10 thousand", TRUE, 1e4 },
	{ "$1.2B", TRUE, 1.2e9 }, { "5 bn", TRUE, 5e9 },
	{ "2 500 k", TRUE, 2.5e6 },
	/* a letter that starts a word is no multiplier */
	{ "50 kids", TRUE, 50 }, { "50 Mitarbeiter", TRUE, 50 },
	{ "100 MA", TRUE, 100 }, { "5 EUR", TRUE, 5 }, { "5 BRL", TRUE, 5 },
	{ "5 köpfe", TRUE, 5 },
	/* no number, and bad input */
	{ NULL, FALSE, 0 }, { "", FALSE, 0 }, { "   ", FALSE, 0 },
	{ "ten", FALSE, 0 }, { "n/a", FALSE, 0 }, { "k", FALSE, 0 },
	{ ",.", FALSE, 0 }, { "\xff\xfe\xfd", FALSE, 0 },
	{ "\xff" "5k", TRUE, 5000 }, { "5k\xff", TRUE, 5000 },
	{ "5 \xc3", TRUE, 5 }, { long_alpha, FALSE, 0 },
	{ long_digits, FALSE, 0 }, { long_gap, FALSE, 0 },
	{ long_tail, TRUE, 12 },
};

static int
setup(void **state)
{
	(void)state;
	memset(long_alpha, 'a', LONG_LEN);
	long_alpha[LONG_LEN] = '\0';
	memset(long_digits, '9', LONG_LEN);
	long_digits[LONG_LEN] = '\0';
	memset(long_gap, ' ', LONG_LEN);
	memcpy(long_gap + LONG_LEN - 1, "5", 2);
	memset(long_tail, 'x', LONG_LEN);
	memcpy(long_tail, "12", 2);
	long_tail[LONG_LEN] = '\0';
	return 0;
}

/* Equal to a relative 1e-9: "1.2B" is 1.2 * 1e9 in binary. */
static gboolean
near(double a, double b)
{
	double d = a > b ? a - b : b - a;
	double m = b > 1 ? b : 1;

	return d <= 1e-9 * m;
}

static void
test_parse(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *in = cases[i].in;
		double got = -1;
		gboolean ok = number_parse(in, &got);
		gboolean same = ok == cases[i].ok &&
		    (!ok || near(got, cases[i].want));

		if (!same) {
			print_error("case %zu \"%.40s\": got %d %g, "
			    "want %d %g\n", i, in != NULL ? in : "(null)", ok,
			    got, cases[i].ok, cases[i].want);
			fail();
		}
		/* FALSE leaves *out alone. */
		if (!ok)
			assert_true(got == -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
