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
 * Could folding v (case folding and NFKC) turn some of it into ASCII
 * letters or digits? Only characters from a few blocks do: ß, ſ, ª, º,
 * ¹²³, İ, superscripts and subscripts, letterlike symbols (K, Å), Roman
 * numerals, enclosed alphanumerics, ligatures (ﬁ), full-width forms and
 * mathematical alphanumerics. When v has none of them, an ASCII needle
 * not found case-insensitively in v is not in its fold either, and the
 * fold of a whole body is spared.
 */
static gboolean
folds_to_ascii(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0';
	    p++) {
		if (*p < 0xC2 || p[1] == '\0')
			continue;
		switch (*p) {
		case 0xC2:	/* ª ² ³ ¹ º */
			if (p[1] == 0xAA || p[1] == 0xB2 || p[1] == 0xB3 ||
			    p[1] == 0xB9 || p[1] == 0xBA)
				return TRUE;
			break;
		case 0xC3:	/* ß */
			if (p[1] == 0x9F)
				return TRUE;
			break;
		case 0xC4:	/* İ */
			if (p[1] == 0xB0)
				return TRUE;
			break;
		case 0xC5:	/* ſ */
			if (p[1] == 0xBF)
				return TRUE;
			break;
		case 0xE2:	/* U+2070-21FF, U+2460-24FF */
			if ((p[1] >= 0x81 && p[1] <= 0x86) ||
			    (p[1] >= 0x91 && p[1] <= 0x93))
				return TRUE;
			break;
		case 0xEF:	/* U+FB00-FB3F, U+FF00-FF7F */
			if (p[1] == 0xAC || p[1] == 0xBC || p[1] == 0xBD)
				return TRUE;
			break;
		case 0xF0:	/* U+1D400-1D7FF */
			if (p[1] == 0x9D)
				return TRUE;
			break;
		}
	}
	return FALSE;
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
		 * searched for case-insensitively in the field as it is:
		 * the same answer without folding a whole body, except for
		 * compatibility forms in the field (full-width letters) that
		 * only folding would turn into ASCII. */
		if (lead_is_ascii(e->str) && !spared &&
		    strcasestr(v, e->str) != NULL)
			ok = TRUE;
		else if (ascii || (lead_is_ascii(e->str) &&
		    !folds_to_ascii(v)))
			ok = FALSE;
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
