/*
 * number.c: the first number in a free-text form value (spec section 6),
 * written the ways people write head counts and budgets: "1,000+",
 * "1.000", "200-500", "$50k", "1.5m", "20 000 EUR", "2 million".
 *
 * A ",", ".", "'" or space followed by exactly three digits and then no
 * digit groups thousands ("1.000" is 1000), when the digits before the
 * first group are one to three and every group uses the same separator.
 * Any other "," or "." before a digit starts the fraction: "2,5" is 2.5,
 * "1.5k" 1500, "1,000.50" and "1.000,50" 1000.5. Signs are ignored.
 */
#include "config.h"

#include <string.h>

#include "number.h"

/* Digits are looked for in the first bytes of a value only. */
#define NUMBER_SCAN_MAX	1024
/* More integer digits than this is no head count or budget. */
#define NUMBER_DIGITS_MAX	32
/* Fraction digits past these are dropped. */
#define NUMBER_FRACTION_MAX	16

/* A multiplier after the number; each must end a word ("50 kids"). */
static const struct {
	const char *word;
	double factor;
} suffixes[] = {
	{ "k", 1e3 }, { "thousand", 1e3 }, { "thousands", 1e3 },
	{ "lakh", 1e5 }, { "lakhs", 1e5 }, { "crore", 1e7 }, { "crores", 1e7 },
	{ "m", 1e6 }, { "mm", 1e6 }, { "mil", 1e6 }, { "mio", 1e6 },
	{ "mln", 1e6 }, { "million", 1e6 }, { "millions", 1e6 },
	{ "b", 1e9 }, { "bn", 1e9 }, { "mrd", 1e9 }, { "billion", 1e9 },
	{ "billions", 1e9 },
};

/* The number's digits as g_ascii_strtod() reads them: "1234.5". */
struct num {
	char text[NUMBER_DIGITS_MAX + 1 + NUMBER_FRACTION_MAX + 1];
	gsize len;
};

static gsize
count_digits(const char *p)
{
	gsize n = 0;

	while (g_ascii_isdigit(p[n]))
		n++;
	return n;
}

/* Callers keep to NUMBER_DIGITS_MAX and NUMBER_FRACTION_MAX. */
static void
append(struct num *n, const char *p, gsize len)
{
	g_assert(n->len + len < sizeof(n->text));
	memcpy(n->text + n->len, p, len);
	n->len += len;
	n->text[n->len] = '\0';
}

/* Bytes of a thousands separator at p, 0 if there is none. */
static gsize
separator_len(const char *p)
{
	static const char *const multi[] = {
		"\xc2\xa0",	/* U+00A0 no-break space */
		"\xe2\x80\x89",	/* U+2009 thin space */
		"\xe2\x80\xaf",	/* U+202F narrow no-break space */
		"\xe2\x80\x99",	/* U+2019 right single quotation mark */
		NULL
	};

	if (*p == ',' || *p == '.' || *p == '\'' || *p == ' ')
		return 1;
	for (guint i = 0; multi[i] != NULL; i++)
		if (strncmp(p, multi[i], strlen(multi[i])) == 0)
			return strlen(multi[i]);
	return 0;
}

/*
 * Read the integer part at p, thousands groups included, into n; group
 * gets the separator the groups used, "" if none. Returns what follows,
 * NULL if there are too many digits.
 */
static const char *
read_integer(const char *p, struct num *n, char group[4])
{
	gsize lead = count_digits(p);

	group[0] = '\0';
	if (lead > NUMBER_DIGITS_MAX)
		return NULL;
	append(n, p, lead);
	p += lead;
	if (lead > 3)
		return p;
	for (;;) {
		gsize k = separator_len(p);

		if (k == 0 || count_digits(p + k) != 3)
			break;
		if (group[0] != '\0' && (strlen(group) != k ||
		    strncmp(p, group, k) != 0))
			break;
		if (n->len + 3 > NUMBER_DIGITS_MAX)
			return NULL;
		memcpy(group, p, k);
		group[k] = '\0';
		append(n, p + k, 3);
		p += k + 3;
	}
	return p;
}

/* Read a fraction at p into n ("," or "." but not the group separator). */
static const char *
read_fraction(const char *p, struct num *n, const char *group)
{
	gsize len;

	if ((*p != '.' && *p != ',') || !g_ascii_isdigit(p[1]))
		return p;
	if (group[0] == *p && group[1] == '\0')
		return p;
	p++;
	len = count_digits(p);
	append(n, ".", 1);
	append(n, p, MIN(len, NUMBER_FRACTION_MAX));
	return p + len;
}

/* TRUE when no letter or digit follows at p ("k" in "50k€" but "50 kids"). */
static gboolean
word_ends(const char *p)
{
	gunichar c;

	if (*p == '\0')
		return TRUE;
	if ((guchar)*p < 0x80)
		return !g_ascii_isalnum(*p);
	c = g_utf8_get_char_validated(p, -1);
	/* Bytes that are not UTF-8 are no letter. */
	if (c == (gunichar)-1 || c == (gunichar)-2)
		return TRUE;
	return !g_unichar_isalnum(c);
}

/* The multiplier a suffix word at p stands for, 1 if there is none. */
static double
suffix_factor(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		gsize len = strlen(suffixes[i].word);

		if (g_ascii_strncasecmp(p, suffixes[i].word, len) == 0 &&
		    word_ends(p + len))
			return suffixes[i].factor;
	}
	return 1;
}

gboolean
number_parse(const char *s, double *out)
{
	struct num n = { .len = 0 };
	char group[4];
	const char *p;
	gsize i;

	if (s == NULL)
		return FALSE;
	for (i = 0; i < NUMBER_SCAN_MAX && s[i] != '\0'; i++)
		if (g_ascii_isdigit(s[i]))
			break;
	if (i == NUMBER_SCAN_MAX || !g_ascii_isdigit(s[i]))
		return FALSE;
	p = read_integer(s + i, &n, group);
	if (p == NULL)
		return FALSE;
	p = read_fraction(p, &n, group);
	*out = g_ascii_strtod(n.text, NULL) * suffix_factor(p);
	return TRUE;
}
