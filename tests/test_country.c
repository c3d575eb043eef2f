/*
 * test_country.c: country from a form value, a phone number and a
 * domain (src/country.c), one table per function, bad input in each.
 */
#include "testlib.h"

#include "country.h"

/* Filled by setup(): far longer than any form value. */
#define LONG_LEN	100000
static char long_alpha[LONG_LEN + 1];	/* "aaa...a" */
static char long_phone[LONG_LEN + 1];	/* "+49 111...1" */
static char long_domain[LONG_LEN + 1];	/* "aaa...a.de" */

struct str_case {
	const char *in;
	const char *want;	/* NULL: no country */
};

static const struct str_case name_cases[] = {
	/* codes */
	{ "DE", "DE" }, { "de", "DE" }, { " de ", "DE" }, { "DEU", "DE" },
	{ "deu", "DE" }, { "GB", "GB" }, { "GBR", "GB" }, { "us", "US" },
	{ "U.S.", "US" }, { "USA", "US" }, { "U.S.A.", "US" }, { "CHE", "CH" },
	/* ISO short names, any case, space and punctuation */
	{ "Germany", "DE" }, { "GERMANY", "DE" }, { "germany.", "DE" },
	{ "Germany,", "DE" }, { "  \t France \n", "FR" },
	{ "United Kingdom", "GB" }, { "United States", "US" },
	{ "the United States", "US" }, { "Ireland", "IE" },
	{ "Hong Kong", "HK" }, { "Viet Nam", "VN" }, { "Georgia", "GE" },
	{ "Korea, Republic of", "KR" }, { "Russian Federation", "RU" },
	{ "Czechia", "CZ" }, { "United Arab Emirates", "AE" },
	{ "Türkiye", "TR" }, { "Turkiye", "TR" },
	{ "Côte d'Ivoire", "CI" }, { "Cote d\u2019Ivoire", "CI" },
	{ "Bosnia and Herzegovina", "BA" }, { "Trinidad & Tobago", "TT" },
	{ "Guinea-Bissau", "GW" }, { "Guinea Bissau", "GW" },
	{ "Åland Islands", "AX" }, { "Curacao", "CW" },
	{ "Bahamas, The", "BS" }, { "The Bahamas", "BS" },
	/* aliases */
	{ "UK", "GB" }, { "U.K.", "GB" }, { "Great Britain", "GB" },
	{ "England", "GB" }, { "Scotland", "GB" }, { "Wales", "GB" },
	{ "Northern Ireland", "GB" }, { "United States of America", "US" },
	{ "America", "US" }, { "Deutschland", "DE" }, { "Holland", "NL" },
	{ "The Netherlands", "NL" }, { "Netherlands, The", "NL" },
	{ "España", "ES" }, { "Espana", "ES" }, { "ESPAÑA", "ES" },
	{ "Schweiz", "CH" }, { "Suisse", "CH" }, { "Österreich", "AT" },
	{ "Oesterreich", "AT" }, { "Россия", "RU" }, { "Russia", "RU" },
	{ "Nihon", "JP" }, { "日本", "JP" }, { "South Korea", "KR" },
	{ "Republic of Korea", "KR" }, { "Korea", "KR" },
	{ "North Korea", "KP" }, { "Czech Republic", "CZ" },
	{ "UAE", "AE" }, { "Turkey", "TR" }, { "Iran", "IR" },
	{ "Vietnam", "VN" }, { "Ivory Coast", "CI" },
	{ "Democratic Republic of the Congo", "CD" }, { "Congo", "CG" },
	{ "US Virgin Islands", "VI" }, { "Virgin Islands, U.S.", "VI" },
	/* not countries, and bad input */
	{ NULL, NULL }, { "", NULL }, { "   ", NULL }, { ".,;", NULL },
	{ "EU", NULL }, { "Europe", NULL }, { "XX", NULL }, { "UKR1", NULL },
	{ "Atlantis", NULL }, { "Kosovo", NULL }, { "the", NULL },
	{ "Deutschland GmbH", NULL }, { "Germany\xff", NULL },
	{ "\xc3\x28", NULL }, { "\xff\xfe", NULL }, { long_alpha, NULL },
};

static const struct str_case phone_cases[] = {
	{ "+1 415 555 0100", "US" }, { "+14155550100", "US" },
	{ "+1-415-555-0100", "US" }, { "+1 (416) 555-0100", "US" },
	{ "+44 20 7946 0958", "GB" }, { "+44 (0)20 7946 0958", "GB" },
	{ "0044 20 7946 0958", "GB" }, { "+442079460958", "GB" },
	{ "+49 30 123456", "DE" }, { "0049 30 123456", "DE" },
	{ "(+49) 30 123456", "DE" }, { "+49 (0) 30 123456", "DE" },
	{ "+49(0)30123456", "DE" }, { "+4930123456", "DE" },
	{ "+353 1 234 5678", "IE" }, { "+3531234567", "IE" },
	{ "+61 2 9374 4000", "AU" }, { "+7 495 123-45-67", "RU" },
	{ "+7 727 123 4567", "RU" }, { "+81 3-1234-5678", "JP" },
	{ "+852 2123 4567", "HK" }, { "+85221234567", "HK" },
	{ "+86 10 1234 5678", "CN" }, { "+971 4 123 4567", "AE" },
	{ "+212 5 22 12 34 56", "MA" }, { "+262 262 12 34 56", "RE" },
	{ "+590 590 12 34 56", "GP" }, { "+599 9 123 4567", "CW" },
	{ "+47 22 12 34 56", "NO" }, { "+41 44 123 45 67", "CH" },
	{ "+ 33 1 23 45 67 89", "FR" }, { "00 33 1 23 45 67 89", "FR" },
	{ "Tel: +34 91 123 45 67", "ES" }, { "+380 44 123 4567", "UA" },
	{ "+358 9 123 4567", "FI" }, { "+20 2 1234 5678", "EG" },
	/* no international prefix, no country, bad input */
	{ NULL, NULL }, { "", NULL }, { "030 123456", NULL },
	{ "(030) 123456", NULL }, { "415-555-0100", NULL },
	{ "0 0 49 30 123456", NULL }, { "+", NULL }, { "00", NULL },
	{ "+800 1234 5678", NULL }, { "+383 38 123 456", NULL },
	{ "phone", NULL }, { "+\xff\xfe", NULL }, { "\xff+49", "DE" },
	{ long_alpha, NULL }, { long_phone, "DE" },
};

static const struct str_case domain_cases[] = {
	{ "example.de", "DE" }, { "EXAMPLE.DE", "DE" }, { "example.de.", "DE" },
	{ " example.nl ", "NL" }, { "example.co.uk", "GB" },
	{ "example.uk", "GB" }, { "EXAMPLE.CO.UK", "GB" },
	{ "example.gb", "GB" }, { "example.com.au", "AU" },
	{ "example.fr", "FR" }, { "example.ch", "CH" },
	{ "sub.example.co.jp", "JP" }, { "john@example.at", "AT" },
	{ "de", "DE" }, { "example.am", "AM" }, { "example.com.co", "CO" },
	{ "example.org.ai", "AI" },
	/* generic TLDs and generic-use ccTLDs */
	{ "example.io", NULL }, { "example.ai", NULL }, { "example.co", NULL },
	{ "example.me", NULL }, { "example.tv", NULL }, { "EXAMPLE.IO", NULL },
	{ "example.ly", NULL }, { "example.tk", NULL }, { "example.com", NULL },
	{ "example.org", NULL }, { "example.app", NULL },
	{ "example.eu", NULL }, { "example.su", NULL }, { "io", NULL },
	/* bad input */
	{ NULL, NULL }, { "", NULL }, { ".", NULL }, { "..", NULL },
	{ "example.", NULL }, { "localhost", NULL }, { "192.168.0.1", NULL },
	{ "example.d3", NULL }, { "example.xx", NULL }, { "@", NULL },
	{ "exa\xffmple.de", "DE" }, { "example.\xff\xfe", NULL },
	{ long_alpha, NULL }, { long_domain, "DE" },
};

static const struct {
	const char *in;
	gboolean want;
} iso_cases[] = {
	{ "DE", TRUE }, { "de", TRUE }, { "Gb", TRUE }, { "AQ", TRUE },
	{ "ZW", TRUE }, { "AX", TRUE }, { "XK", FALSE }, { "UK", FALSE },
	{ "EU", FALSE }, { "AA", FALSE }, { "DEU", FALSE }, { "D", FALSE },
	{ " DE", FALSE }, { "D1", FALSE }, { "", FALSE }, { NULL, FALSE },
	{ "\xff" "D", FALSE }, { long_alpha, FALSE },
};

static int
setup(void **state)
{
	(void)state;
	memset(long_alpha, 'a', LONG_LEN);
	long_alpha[LONG_LEN] = '\0';
	memset(long_phone, '1', LONG_LEN);
	memcpy(long_phone, "+49 ", 4);
	long_phone[LONG_LEN] = '\0';
	memset(long_domain, 'a', LONG_LEN);
	memcpy(long_domain + LONG_LEN - 3, ".de", 4);
	return 0;
}

/* Every result is NULL or an assigned code, in uppercase. */
static void
check(const char *what, gsize i, const char *in, const char *got,
    const char *want)
{
	if (g_strcmp0(got, want) != 0) {
		print_error("%s case %zu \"%.40s\": got %s, want %s\n", what,
		    i, in != NULL ? in : "(null)", got != NULL ? got : "NULL",
		    want != NULL ? want : "NULL");
		fail();
	}
	if (got != NULL) {
		assert_true(country_is_iso(got));
		assert_true(g_ascii_isupper(got[0]) && g_ascii_isupper(got[1]));
	}
}

static void
test_name(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(name_cases); i++)
		check("name", i, name_cases[i].in,
		    country_from_name(name_cases[i].in), name_cases[i].want);
}

static void
test_phone(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(phone_cases); i++)
		check("phone", i, phone_cases[i].in,
		    country_from_phone(phone_cases[i].in), phone_cases[i].want);
}

static void
test_domain(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(domain_cases); i++)
		check("domain", i, domain_cases[i].in,
		    country_from_domain(domain_cases[i].in),
		    domain_cases[i].want);
}

static void
test_is_iso(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(iso_cases); i++) {
		const char *in = iso_cases[i].in;

		if (country_is_iso(in) != iso_cases[i].want) {
			print_error("iso case %zu \"%.40s\": want %d\n", i,
			    in != NULL ? in : "(null)", iso_cases[i].want);
			fail();
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_is_iso),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
