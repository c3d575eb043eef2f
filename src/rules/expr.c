/*
 * expr.c: evaluating rule expressions against a lead (spec section 4.5).
 * Comparisons are case-insensitive by Unicode case folding; a test on a
 * field the lead lacks is false; header."X" and form."X" hold when any of
 * their values does.
 */
#include "config.h"

#include <string.h>

#include "expr.h"
#include "lead.h"
#include "number.h"
#include "scan.h"

#define EXPR_MAX_VALUES	64	/* values of one header or label tested */
#define EVIDENCE_MAX	120	/* bytes of a matched text kept */

struct expr *
expr_new(enum expr_op op, int line, int col)
{
	struct expr *e = g_new0(struct expr, 1);

	e->op = op;
	e->line = line;
	e->col = col;
	e->scan_id = -1;
	return e;
}

void
expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	expr_free(e->a);
	expr_free(e->b);
	g_free(e->arg);
	g_free(e->str);
	g_free(e->name);
	g_free(e->pattern);
	if (e->re != NULL)
		g_regex_unref(e->re);
	if (e->re_ascii != NULL)
		g_regex_unref(e->re_ascii);
	if (e->items != NULL)
		g_hash_table_destroy(e->items);
	g_free(e);
}

/*
 * Two compiled forms of one pattern: (*UCP) in UTF-8 mode for text with
 * any non-ASCII character, as the spec asks (\w and \b know accented and
 * non-Latin letters), and plain byte mode for ASCII-only text, where both
 * give the same matches and byte mode is several times faster. A pattern
 * that cannot be compiled in byte mode (\x{20AC}, \p{L}) always runs in
 * UTF-8 mode.
 */
gboolean
expr_compile(struct expr *e, const char *pat, gboolean caseless,
    gboolean multiline, GError **err)
{
	GRegexCompileFlags fl = G_REGEX_OPTIMIZE;
	char *ucp;

	if (caseless)
		fl |= G_REGEX_CASELESS;
	if (multiline)
		fl |= G_REGEX_MULTILINE;
	/* GRegex tells PCRE2 not to check UTF-8, which then reads past a
	 * bad sequence (a crash with the i flag) */
	if (!g_utf8_validate(pat, -1, NULL)) {
		g_set_error_literal(err, G_REGEX_ERROR, G_REGEX_ERROR_COMPILE,
		    "the pattern is not valid UTF-8");
		return FALSE;
	}
	/* Errors are reported for the pattern as written, not with the
	 * (*UCP) this adds in front. */
	e->re = g_regex_new(pat, fl, 0, err);
	if (e->re == NULL)
		return FALSE;
	g_free(e->pattern);
	e->pattern = g_strdup(pat);
	e->caseless = caseless;
	e->multiline = multiline;
	g_regex_unref(e->re);
	ucp = g_strconcat("(*UCP)", pat, NULL);
	e->re = g_regex_new(ucp, fl, 0, err);
	g_free(ucp);
	if (e->re != NULL && lead_is_ascii(pat) && strstr(pat, "\\p") == NULL &&
	    strstr(pat, "\\P") == NULL && strstr(pat, "\\X") == NULL)
		e->re_ascii = g_regex_new(pat, fl | G_REGEX_RAW, 0, NULL);
	return e->re != NULL;
}

char *
expr_fold(const char *s)
{
	char *f;

	/* ASCII folds to lowercase and is already NFKC. */
	if (lead_is_ascii(s))
		return g_ascii_strdown(s, -1);
	if (!g_utf8_validate(s, -1, NULL)) {
		char *v = g_utf8_make_valid(s, -1);

		f = g_utf8_casefold(v, -1);
		g_free(v);
	} else
		f = g_utf8_casefold(s, -1);
	char *n = g_utf8_normalize(f, -1, G_NORMALIZE_NFKC);

	if (n == NULL)		/* invalid UTF-8: keep the fold as it is */
		return f;
	g_free(f);
	return n;
}

gpointer
expr_domain_lookup(GHashTable *set, const char *domain)
{
	const char *d = domain, *dot;
	gpointer v;

	if (set == NULL || domain == NULL)
		return NULL;
	/* The domain, then its parents; a bare TLD is never tried. Only
	 * entries someone wrote can match, so "co.uk" matches nothing
	 * unless the table holds it. */
	while ((dot = strchr(d, '.')) != NULL) {
		if ((v = g_hash_table_lookup(set, d)) != NULL)
			return v;
		d = dot + 1;
	}
	return NULL;
}

static void
evidence_add(GPtrArray *ev, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
evidence_add(GPtrArray *ev, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (ev == NULL)
		return;
	va_start(ap, fmt);
	s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (strlen(s) > EVIDENCE_MAX) {
		const char *cut = g_utf8_find_prev_char(s, s + EVIDENCE_MAX);
		char *t = g_strdup_printf("%.*s…", cut != NULL ?
		    (int)(cut - s) : 0, s);

		g_free(s);
		s = t;
	}
	g_ptr_array_add(ev, s);
}

static const char *
field_label(const struct expr *e, char *buf, gsize n)
{
	if (e->field == LF_FORM || e->field == LF_HEADER)
		g_snprintf(buf, n, "%s.\"%s\"", lead_field_name(e->field),
		    e->arg);
	else
		g_snprintf(buf, n, "%s", lead_field_name(e->field));
	return buf;
}

static gboolean
domain_field(enum lead_field f)
{
	return f == LF_DOMAIN || f == LF_FROM_DOMAIN;
}

/*
 * The code points whose case fold and NFKC hold an ASCII character: ß
 * (ss), ſ (s), K (k), ligatures (ﬁ), full-width forms, superscripts,
 * Roman numerals, mathematical letters, and spaces such as NBSP (" ").
 * From GLib's Unicode data, which tests/test_expr.c checks it against,
 * code point by code point.
 */
static const struct {
	gunichar lo, hi;
} fold_ascii[] = {
	{0x00A0,0x00A0}, {0x00A8,0x00A8}, {0x00AA,0x00AA}, {0x00AF,0x00AF},
	{0x00B2,0x00B4}, {0x00B8,0x00BA}, {0x00BC,0x00BE}, {0x00DF,0x00DF},
	{0x0130,0x0130}, {0x0132,0x0133}, {0x013F,0x0140}, {0x0149,0x0149},
	{0x017F,0x017F}, {0x01C4,0x01CC}, {0x01F1,0x01F3}, {0x02B0,0x02B0},
	{0x02B2,0x02B3}, {0x02B7,0x02B8}, {0x02D8,0x02DD}, {0x02E1,0x02E3},
	{0x037A,0x037A}, {0x037E,0x037E}, {0x0384,0x0385}, {0x1D2C,0x1D2C},
	{0x1D2E,0x1D2E}, {0x1D30,0x1D31}, {0x1D33,0x1D3A}, {0x1D3C,0x1D3C},
	{0x1D3E,0x1D43}, {0x1D47,0x1D49}, {0x1D4D,0x1D4D}, {0x1D4F,0x1D50},
	{0x1D52,0x1D52}, {0x1D56,0x1D58}, {0x1D5B,0x1D5B}, {0x1D62,0x1D65},
	{0x1D9C,0x1D9C}, {0x1DA0,0x1DA0}, {0x1DBB,0x1DBB}, {0x1E9A,0x1E9A},
	{0x1E9E,0x1E9E}, {0x1FBD,0x1FBD}, {0x1FBF,0x1FC1}, {0x1FCD,0x1FCF},
	{0x1FDD,0x1FDF}, {0x1FED,0x1FEF}, {0x1FFD,0x1FFE}, {0x2000,0x200A},
	{0x2017,0x2017}, {0x2024,0x2026}, {0x202F,0x202F}, {0x203C,0x203C},
	{0x203E,0x203E}, {0x2047,0x2049}, {0x205F,0x205F}, {0x2070,0x2071},
	{0x2074,0x207A}, {0x207C,0x208A}, {0x208C,0x208E}, {0x2090,0x2093},
	{0x2095,0x209C}, {0x20A8,0x20A8}, {0x2100,0x2103}, {0x2105,0x2106},
	{0x2109,0x210E}, {0x2110,0x2113}, {0x2115,0x2116}, {0x2119,0x211D},
	{0x2120,0x2122}, {0x2124,0x2124}, {0x2128,0x2128}, {0x212A,0x212A},
	{0x212C,0x212D}, {0x212F,0x2131}, {0x2133,0x2134}, {0x2139,0x2139},
	{0x213B,0x213B}, {0x2145,0x2149}, {0x2150,0x217F}, {0x2189,0x2189},
	{0x2460,0x24EA}, {0x2A74,0x2A76}, {0x2C7C,0x2C7D}, {0x3000,0x3000},
	{0x309B,0x309C}, {0x3200,0x321E}, {0x3220,0x3243}, {0x3250,0x325F},
	{0x32B1,0x32CF}, {0x3358,0x337A}, {0x3380,0x33FF}, {0xA7F2,0xA7F4},
	{0xFB00,0xFB06}, {0xFB29,0xFB29}, {0xFC5E,0xFC63}, {0xFDFA,0xFDFB},
	{0xFE10,0xFE10}, {0xFE13,0xFE16}, {0xFE19,0xFE19}, {0xFE30,0xFE30},
	{0xFE33,0xFE38}, {0xFE47,0xFE50}, {0xFE52,0xFE52}, {0xFE54,0xFE57},
	{0xFE59,0xFE5C}, {0xFE5F,0xFE66}, {0xFE68,0xFE6B}, {0xFE70,0xFE70},
	{0xFE72,0xFE72}, {0xFE74,0xFE74}, {0xFE76,0xFE76}, {0xFE78,0xFE78},
	{0xFE7A,0xFE7A}, {0xFE7C,0xFE7C}, {0xFE7E,0xFE7E}, {0xFF01,0xFF5E},
	{0xFFE3,0xFFE3}, {0x107A5,0x107A5}, {0x1D400,0x1D454}, {0x1D456,0x1D49C},
	{0x1D49E,0x1D49F}, {0x1D4A2,0x1D4A2}, {0x1D4A5,0x1D4A6}, {0x1D4A9,0x1D4AC},
	{0x1D4AE,0x1D4B9}, {0x1D4BB,0x1D4BB}, {0x1D4BD,0x1D4C3}, {0x1D4C5,0x1D505},
	{0x1D507,0x1D50A}, {0x1D50D,0x1D514}, {0x1D516,0x1D51C}, {0x1D51E,0x1D539},
	{0x1D53B,0x1D53E}, {0x1D540,0x1D544}, {0x1D546,0x1D546}, {0x1D54A,0x1D550},
	{0x1D552,0x1D6A3}, {0x1D7CE,0x1D7FF}, {0x1F100,0x1F10A}, {0x1F110,0x1F12E},
	{0x1F130,0x1F14F}, {0x1F16A,0x1F16C}, {0x1F190,0x1F190}, {0x1FBF0,0x1FBF9},
};

gboolean
expr_char_folds_to_ascii(gunichar c)
{
	guint lo = 0, hi = G_N_ELEMENTS(fold_ascii);

	while (lo < hi) {
		guint mid = (lo + hi) / 2;

		if (c < fold_ascii[mid].lo)
			hi = mid;
		else if (c > fold_ascii[mid].hi)
			lo = mid + 1;
		else
			return TRUE;
	}
	return FALSE;
}

/* The next character of v at or after p that folds to ASCII, or NULL. */
static const char *
next_folding(const char *p)
{
	for (; *p != '\0'; p = g_utf8_next_char(p))
		if ((unsigned char)*p >= 0xC2 &&
		    expr_char_folds_to_ascii(g_utf8_get_char(p)))
			return p;
	return NULL;
}

static gboolean
is_mark(const char *p)
{
	return (unsigned char)*p >= 0xCC && g_unichar_ismark(
	    g_utf8_get_char(p));
}

/*
 * Does the fold of v (case folding and NFKC, expr_fold()) hold the ASCII
 * needle (folded), where v as it is does not hold it case-insensitively?
 * Then every occurrence in the fold takes in a character that folds to
 * ASCII (the others fold to non-ASCII or to themselves in lower case)
 * and spans at most strlen(needle) characters of v (each gives one or
 * more): so only the stretches of v within that many characters of such
 * a character are folded, each with its combining marks, which NFKC
 * composes with the letter before them. Not the whole body.
 */
gboolean
expr_folded_contains(const char *v, const char *needle)
{
	const glong reach = (glong)strlen(needle) + 1;
	const char *p = next_folding(v), *from, *to;
	gboolean found = FALSE;

	while (p != NULL && !found) {
		char *piece, *f;

		from = p;
		for (glong k = 0; k < reach && from > v; k++)
			from = g_utf8_prev_char(from);
		while (from > v && is_mark(from))
			from = g_utf8_prev_char(from);
		/* reach beyond the last folding character of the stretch:
		 * one within reach of another is taken in */
		to = p;
		for (glong k = 0; *to != '\0' && k < reach;) {
			to = g_utf8_next_char(to);
			if ((unsigned char)*to >= 0xC2 &&
			    expr_char_folds_to_ascii(g_utf8_get_char(to)))
				k = 0;
			else
				k++;
		}
		while (*to != '\0' && is_mark(to))
			to = g_utf8_next_char(to);
		piece = g_strndup(from, (gsize)(to - from));
		f = expr_fold(piece);
		found = strstr(f, needle) != NULL;
		g_free(f);
		g_free(piece);
		p = next_folding(to);
	}
	return found;
}

/* One value against a leaf test. spared: the scan proved an ASCII
 * needle absent from v as it is. */
static gboolean
test_value(const struct expr *e, const struct lead *l, const char *v,
    gboolean ascii, gboolean spared, GPtrArray *ev, struct expr_fault *fault)
{
	char lbl[128];
	gboolean ok = FALSE;
	char *fv;

	switch (e->op) {
	case EX_CONTAINS:
		if (e->str == NULL)
			return FALSE;
		/* Folding both sides is what = does. An ASCII needle is
		 * searched for case-insensitively in the field as it is
		 * (unless the scan proved it absent), then in the folds of
		 * the stretches around the characters folding turns into
		 * ASCII (ß, NBSP, full-width letters): without folding a
		 * whole body. */
		if (lead_is_ascii(e->str) && !spared &&
		    strcasestr(v, e->str) != NULL)
			ok = TRUE;
		else if (ascii)
			ok = FALSE;
		else if (lead_is_ascii(e->str) && g_utf8_validate(v, -1, NULL))
			ok = expr_folded_contains(v, e->str);
		else if (e->field < LF_FORM)
			ok = strstr(lead_folded(l, e->field), e->str) != NULL;
		else {
			fv = expr_fold(v);
			ok = strstr(fv, e->str) != NULL;
			g_free(fv);
		}
		if (ok)
			evidence_add(ev, "%s contains %s", field_label(e, lbl,
			    sizeof(lbl)), e->str);
		return ok;
	case EX_MATCH: {
		GMatchInfo *mi = NULL;
		GError *err = NULL;
		GRegex *re = ascii && e->re_ascii != NULL ? e->re_ascii : e->re;

		if (re == NULL)
			return FALSE;
		ok = g_regex_match_full(re, v, -1, 0, 0, &mi, &err);
		if (err != NULL) {
			/* past PCRE's match or depth limit: no answer, which
			 * the caller must not take for "no match" */
			if (fault != NULL && fault->why == NULL) {
				fault->line = e->line;
				fault->col = e->col;
				fault->why = g_strdup(err->message);
			}
			g_error_free(err);
			g_match_info_free(mi);
			return FALSE;
		}
		if (ok && ev != NULL) {
			char *m = g_match_info_fetch(mi, 0);

			evidence_add(ev, "%s", m != NULL ? m : "");
			g_free(m);
		}
		g_match_info_free(mi);
		return ok;
	}
	case EX_IN_ITEMS:
	case EX_IN_LIST:
	case EX_IN_ACCOUNTS: {
		GHashTable *set = e->op == EX_IN_ITEMS ? e->items : e->set;
		const char *key;

		if (set == NULL)
			return FALSE;
		fv = e->field < LF_FORM ? NULL : expr_fold(v);
		key = fv != NULL ? fv : lead_folded(l, e->field);
		if (e->op == EX_IN_ACCOUNTS && strchr(key, '@') != NULL)
			key = strrchr(key, '@') + 1;
		if (e->op == EX_IN_ACCOUNTS || domain_field(e->field))
			ok = expr_domain_lookup(set, key) != NULL;
		else
			ok = g_hash_table_contains(set, key);
		if (ok)
			evidence_add(ev, "%s %s", field_label(e, lbl,
			    sizeof(lbl)), v);
		g_free(fv);
		return ok;
	}
	case EX_EQ:
	case EX_NE:
		if (e->str == NULL)
			return FALSE;
		fv = e->field < LF_FORM ? NULL : expr_fold(v);
		ok = (strcmp(fv != NULL ? fv : lead_folded(l, e->field),
		    e->str) == 0) == (e->op == EX_EQ);
		g_free(fv);
		if (ok)
			evidence_add(ev, "%s %s", field_label(e, lbl,
			    sizeof(lbl)), v);
		return ok;
	case EX_EXISTS:
		evidence_add(ev, "%s %s", field_label(e, lbl, sizeof(lbl)), v);
		return TRUE;
	default:
		return FALSE;
	}
}

static gboolean
compare(const struct expr *e, double n)
{
	switch (e->op) {
	case EX_LT: return n < e->num;
	case EX_LE: return n <= e->num;
	case EX_GT: return n > e->num;
	case EX_GE: return n >= e->num;
	default: return FALSE;
	}
}

void
expr_fault_clear(struct expr_fault *f)
{
	g_clear_pointer(&f->why, g_free);
	f->line = f->col = 0;
}

void
expr_scan_add(struct expr *e, struct scan_db *db)
{
	if (e == NULL)
		return;
	expr_scan_add(e->a, db);
	expr_scan_add(e->b, db);
	if (e->field >= LF_FORM)
		return;		/* several values, each short: tested */
	if (e->op == EX_MATCH && e->re != NULL)
		e->scan_id = scan_db_add_regex(db, e->field, e->pattern,
		    e->caseless, e->multiline);
	else if (e->op == EX_CONTAINS && e->str != NULL)
		e->scan_id = scan_db_add_needle(db, e->field, e->str);
}

gboolean
expr_eval(const struct expr *e, const struct lead *l, struct scan *sc,
    GPtrArray *ev, struct expr_fault *fault)
{
	const char *vals[EXPR_MAX_VALUES];
	guint n, mark = ev != NULL ? ev->len : 0;
	gboolean spared = FALSE;
	char lbl[128];
	double num;

	switch (e->op) {
	case EX_OR:
		return expr_eval(e->a, l, sc, ev, fault) ||
		    expr_eval(e->b, l, sc, ev, fault);
	case EX_AND:
		if (expr_eval(e->a, l, sc, ev, fault) &&
		    expr_eval(e->b, l, sc, ev, fault))
			return TRUE;
		if (ev != NULL)		/* half an AND is no evidence */
			g_ptr_array_remove_range(ev, mark, ev->len - mark);
		return FALSE;
	case EX_NOT:
		/* What made the operand true is no reason for NOT. */
		return !expr_eval(e->a, l, sc, NULL, fault);
	case EX_AUTO:
		if (l->is_auto)
			evidence_add(ev, "auto: %s", l->auto_why);
		return l->is_auto;
	case EX_SPAM:
		if (l->is_spam)
			evidence_add(ev, "spam");
		return l->is_spam;
	case EX_LT: case EX_LE: case EX_GT: case EX_GE:
		if (e->field == LF_FORM || e->field == LF_HEADER) {
			n = lead_values(l, e->field, e->arg, vals,
			    EXPR_MAX_VALUES);
			for (guint i = 0; i < n; i++)
				if (number_parse(vals[i], &num) &&
				    compare(e, num)) {
					evidence_add(ev, "%s %.15g", field_label(e,
					    lbl, sizeof(lbl)), num);
					return TRUE;
				}
			return FALSE;
		}
		if (!lead_number(l, e->field, e->arg, &num) || !compare(e, num))
			return FALSE;
		evidence_add(ev, "%s %.15g", field_label(e, lbl, sizeof(lbl)),
		    num);
		return TRUE;
	default:
		/* the scan proves most patterns absent without PCRE */
		if (e->scan_id >= 0 && !scan_maybe(sc, e->field, e->scan_id)) {
			if (e->op == EX_MATCH)
				return FALSE;
			spared = TRUE;	/* contains: not as it is */
		}
		n = lead_values(l, e->field, e->arg, vals, EXPR_MAX_VALUES);
		for (guint i = 0; i < n; i++) {
			gboolean ascii = e->field < LF_FORM ?
			    ((l->ascii >> e->field) & 1) != 0 :
			    lead_is_ascii(vals[i]);

			if (test_value(e, l, vals[i], ascii, spared, ev, fault))
				return TRUE;
		}
		return FALSE;
	}
}
