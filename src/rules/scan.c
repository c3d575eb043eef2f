/*
 * scan.c: one Vectorscan pass per field over a lead for all of the rule
 * set's patterns (scan.h). Rspamd matches its rules the same way: the
 * multi-pattern engine says which patterns may match, PCRE says whether
 * they do.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "lead.h"
#include "log.h"
#include "scan.h"

#define SCAN_MAX_REPEAT	20	/* a counted repeat past this: made "*" */
#define SCAN_MAX_TESTS	300	/* tests of one field in the scan; the
				 * rest are tested as before (compiling
				 * grows with them: 2,000 took 11 s) */

/*
 * One database and its tests; Vectorscan ids are indexes here. Each field
 * has two: the patterns as written, for ASCII values (Vectorscan's own
 * classes and \b are ASCII, as PCRE2's are on ASCII text), and their
 * Unicode supersets (unicode_superset()), for the other values.
 * Vectorscan's Unicode properties (HS_FLAG_UCP) would be exact there, but
 * compiling a single \w with them takes 0.1 s and "(\w+\s+){50}" 13 s
 * and 230 MB: every start of every command would pay.
 */
struct scan_set {
	GPtrArray *pats;	/* char *, owned (until compiled) */
	GArray *flags;		/* unsigned int (until compiled) */
	GArray *ids;		/* int: Vectorscan id -> test id */
	hs_database_t *db;
};

struct scan_field {
	struct scan_set ascii, uni;
};

struct scan_db {
	struct scan_field field[LF_FORM];
	hs_scratch_t *scratch;	/* fits every database; cloned per scan */
	GArray *anchored;	/* gboolean by test id: ^ $ \Z (see
				 * line_anchors()) */
	guint n;		/* test ids 0 .. n-1 */
	guint scanned;		/* of them in a database */
	gboolean compiled;
};

struct scan {
	const struct scan_db *db;
	const struct lead *l;
	hs_scratch_t *scratch;	/* owned */
	guint32 scanned;	/* bit f: field f scanned */
	guint32 uni;		/* bit f: its value is not ASCII only */
	guint32 blind;		/* bit f: not scanned after all: "maybe" */
	guint32 odd_lines;	/* bit f: its value ends lines with other
				 * than LF (line_anchors()) */
	guint8 *hit;		/* bit per test id: may match */
};

static void
set_init(struct scan_set *ss)
{
	ss->pats = g_ptr_array_new_with_free_func(g_free);
	ss->flags = g_array_new(FALSE, FALSE, sizeof(unsigned int));
	ss->ids = g_array_new(FALSE, FALSE, sizeof(int));
}

static void
set_clear(struct scan_set *ss)
{
	if (ss->db != NULL)
		hs_free_database(ss->db);
	g_ptr_array_free(ss->pats, TRUE);
	g_array_unref(ss->flags);
	g_array_unref(ss->ids);
}

struct scan_db *
scan_db_new(void)
{
	struct scan_db *db = g_new0(struct scan_db, 1);

	for (int f = 0; f < LF_FORM; f++) {
		set_init(&db->field[f].ascii);
		set_init(&db->field[f].uni);
	}
	db->anchored = g_array_new(FALSE, TRUE, sizeof(gboolean));
	return db;
}

/*
 * Does pat anchor at lines (^ or $ outside a class, \Z)? PCRE2, as GRegex
 * sets it up, ends a line at CR, LF, CRLF, VT, FF, NEL, LS and PS;
 * Vectorscan only at LF. So on a value with any of the others (a form
 * mail with bare CR line ends) such a test is always tested (an attack
 * review found /^Service: Audit$/im said no there).
 */
static gboolean
line_anchors(const char *pat)
{
	gboolean in_class = FALSE;

	for (const char *p = pat; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == 'Z' && !in_class)
				return TRUE;
			if (p[1] != '\0')
				p++;
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = FALSE;
			continue;
		}
		if (*p == '[') {
			in_class = TRUE;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')	/* a first ] is a member */
				p++;
		} else if (*p == '^' || *p == '$')
			return TRUE;
	}
	return FALSE;
}

/* Does v end a line with other than LF (line_anchors())? */
static gboolean
odd_line_ends(const char *v, size_t len, gboolean ascii)
{
	if (memchr(v, '\r', len) != NULL || memchr(v, '\v', len) != NULL ||
	    memchr(v, '\f', len) != NULL)
		return TRUE;
	return !ascii && (strstr(v, "\xc2\x85") != NULL ||
	    strstr(v, "\xe2\x80\xa8") != NULL ||
	    strstr(v, "\xe2\x80\xa9") != NULL);
}

/*
 * pat with its large counted repeats ({m,n}, {m,}, {m} past SCAN_MAX_REPEAT)
 * made unbounded (*): a superset, which the scan may use, and which
 * Vectorscan compiles at once, where x.{0,2000}y took it 4-6 s and 20 of
 * them minutes (an attack review). Small repeats keep the scan selective.
 */
static char *
widen_repeats(const char *pat)
{
	GString *g = g_string_new(NULL);
	gboolean in_class = FALSE;
	const char *p = pat;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			g_string_append_len(g, p, 2);
			p += 2;
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = FALSE;
			g_string_append_c(g, *p++);
			continue;
		}
		if (*p == '[') {
			in_class = TRUE;
			g_string_append_c(g, *p++);
			if (*p == '^')
				g_string_append_c(g, *p++);
			if (*p == ']')
				g_string_append_c(g, *p++);
			continue;
		}
		if (*p == '{' && g_ascii_isdigit(p[1])) {
			const char *q = p + 1;
			guint64 lo, hi = 0;
			char *end;

			lo = g_ascii_strtoull(q, &end, 10);
			q = end;
			if (*q == ',' && g_ascii_isdigit(q[1])) {
				hi = g_ascii_strtoull(q + 1, &end, 10);
				q = end;
			} else if (*q == ',')
				q++;
			if (*q == '}' && MAX(lo, hi) > SCAN_MAX_REPEAT) {
				g_string_append_c(g, '*');
				p = q + 1;
				continue;
			}
		}
		g_string_append_c(g, *p++);
	}
	return g_string_free(g, FALSE);
}

/*
 * A pattern whose matches, by Vectorscan's ASCII classes, include every
 * match of pat by PCRE2's Unicode ones ((*UCP)): \w, \d and \s outside a
 * class also take any non-ASCII character, and so do they in a class
 * that is not negated; \b and \B are dropped (an assertion less only
 * adds matches); \W, \D and \S already take every non-ASCII character.
 * NULL when pat has what this cannot widen (Unicode properties, POSIX
 * classes, \Q, comments, extended mode, verbs, a negated class with \W).
 */
static char *
unicode_superset(const char *pat)
{
	static const char any[] = "\\x{80}-\\x{10ffff}";
	GString *g = g_string_new(NULL);
	gboolean in_class = FALSE, negated = FALSE;
	const char *p = pat;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			char c = p[1];

			if (strchr("pPXQCN", c) != NULL ||
			    (in_class && negated && strchr("WDS", c) != NULL))
				goto give_up;
			if (!in_class && (c == 'b' || c == 'B')) {
				p += 2;
				continue;
			}
			if (c == 'w' || c == 'd' || c == 's') {
				if (!in_class)
					g_string_append_printf(g, "(?:\\%c|[%s])", c,
					    any);
				else if (!negated)
					g_string_append_printf(g, "\\%c%s", c, any);
				else
					g_string_append_printf(g, "\\%c", c);
				p += 2;
				continue;
			}
			g_string_append_len(g, p, 2);
			p += 2;
			if (c == 'c' && *p != '\0')	/* \c[ is a character */
				g_string_append_c(g, *p++);
			continue;
		}
		if (in_class) {
			if (p[0] == '[' && p[1] == ':')
				goto give_up;
			if (*p == ']')
				in_class = FALSE;
			g_string_append_c(g, *p++);
			continue;
		}
		if (*p == '(' && (p[1] == '*' || (p[1] == '?' && (p[2] == '#' ||
		    strchr("imnsxJU-^", p[2]) != NULL))))
			goto give_up;	/* verbs, comments, inline options */
		if (*p == '[') {
			in_class = TRUE;
			g_string_append_c(g, *p++);
			negated = *p == '^';
			if (negated)
				g_string_append_c(g, *p++);
			if (*p == ']')	/* a first ] is a member */
				g_string_append_c(g, *p++);
			continue;
		}
		g_string_append_c(g, *p++);
	}
	return g_string_free(g, FALSE);
give_up:
	g_string_free(g, TRUE);
	return NULL;
}

static void
set_add(struct scan_set *ss, char *pat, unsigned int flags, int id)
{
	g_ptr_array_add(ss->pats, pat);
	g_array_append_val(ss->flags, flags);
	g_array_append_val(ss->ids, id);
}

/* pat with flags as Vectorscan takes it: exactly, else in its prefilter
 * mode; FALSE when in neither. */
static gboolean
takes(const char *pat, unsigned int *flags)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *err = NULL;

	for (int pass = 0; pass < 2; pass++) {
		if (hs_expression_info(pat, *flags, &info, &err) ==
		    HS_SUCCESS) {
			free(info);
			return TRUE;
		}
		hs_free_compile_error(err);
		err = NULL;
		*flags |= HS_FLAG_PREFILTER;
	}
	return FALSE;
}

int
scan_db_add_regex(struct scan_db *db, enum lead_field f, const char *pat,
    gboolean caseless, gboolean multiline)
{
	const unsigned int base = HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH |
	    HS_FLAG_ALLOWEMPTY | (caseless ? HS_FLAG_CASELESS : 0) |
	    (multiline ? HS_FLAG_MULTILINE : 0);
	unsigned int fa = base, fu = base;
	char *wide, *as;
	gboolean a, u;
	int id;

	if (db == NULL || db->compiled || f >= LF_FORM || pat == NULL ||
	    !g_utf8_validate(pat, -1, NULL) ||
	    db->field[f].ascii.pats->len >= SCAN_MAX_TESTS)
		return -1;	/* past the cap: tested as before */
	as = widen_repeats(pat);
	wide = unicode_superset(as);
	a = takes(as, &fa);
	u = wide != NULL && takes(wide, &fu);
	if (!a && !u) {
		g_free(wide);
		g_free(as);
		return -1;
	}
	id = (int)db->n++;
	g_array_set_size(db->anchored, db->n);
	g_array_index(db->anchored, gboolean, id) = line_anchors(pat);
	if (a)
		set_add(&db->field[f].ascii, as, fa, id);
	else
		g_free(as);
	if (u)
		set_add(&db->field[f].uni, wide, fu, id);
	else
		g_free(wide);
	return id;
}

int
scan_db_add_needle(struct scan_db *db, enum lead_field f, const char *s)
{
	const unsigned int fl = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH |
	    HS_FLAG_ALLOWEMPTY;
	GString *g;
	int id;

	if (db == NULL || db->compiled || f >= LF_FORM || s == NULL ||
	    !lead_is_ascii(s))
		return -1;
	/* its bytes, ASCII letters in either case: strcasestr's answer,
	 * whatever the value */
	g = g_string_new(NULL);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p++)
		g_string_append_printf(g, "\\x%02x", *p);
	id = (int)db->n++;
	g_array_set_size(db->anchored, db->n);	/* a needle: FALSE */
	set_add(&db->field[f].ascii, g_strdup(g->str), fl, id);
	set_add(&db->field[f].uni, g_string_free(g, FALSE), fl, id);
	return id;
}

/* Compile one database; a pattern that spoils it is left out (always
 * tested) and the rest compiled again. */
static void
compile_set(struct scan_set *ss)
{
	hs_compile_error_t *err = NULL;
	guint bad;

	while (ss->pats->len > 0) {
		unsigned int *hsid = g_new(unsigned int, ss->pats->len);

		for (guint i = 0; i < ss->pats->len; i++)
			hsid[i] = i;
		if (hs_compile_multi((const char *const *)ss->pats->pdata,
		    (const unsigned int *)(void *)ss->flags->data, hsid,
		    ss->pats->len, HS_MODE_BLOCK, NULL, &ss->db, &err) ==
		    HS_SUCCESS) {
			g_free(hsid);
			return;
		}
		g_free(hsid);
		ss->db = NULL;
		if (err->expression < 0 ||
		    (guint)err->expression >= ss->pats->len) {
			log_debug("scan: tests not scanned: %s", err->message);
			hs_free_compile_error(err);
			g_array_set_size(ss->ids, 0);
			return;
		}
		bad = (guint)err->expression;
		hs_free_compile_error(err);
		err = NULL;
		g_ptr_array_remove_index(ss->pats, bad);
		g_array_remove_index(ss->flags, bad);
		g_array_remove_index(ss->ids, bad);
	}
}

void
scan_db_compile(struct scan_db *db)
{
	gboolean ok = hs_valid_platform() == HS_SUCCESS;
	GHashTable *in = g_hash_table_new(g_direct_hash, g_direct_equal);

	if (db == NULL || db->compiled) {
		g_hash_table_destroy(in);
		return;
	}
	db->compiled = TRUE;
	for (int f = 0; f < LF_FORM * 2; f++) {
		struct scan_set *ss = f % 2 == 0 ? &db->field[f / 2].ascii :
		    &db->field[f / 2].uni;

		if (ok)
			compile_set(ss);
		if (ss->db != NULL && hs_alloc_scratch(ss->db, &db->scratch) !=
		    HS_SUCCESS)
			ok = FALSE;
		g_ptr_array_set_size(ss->pats, 0);
		g_array_set_size(ss->flags, 0);
	}
	for (int f = 0; f < LF_FORM * 2; f++) {
		struct scan_set *ss = f % 2 == 0 ? &db->field[f / 2].ascii :
		    &db->field[f / 2].uni;

		if (!ok && ss->db != NULL) {
			hs_free_database(ss->db);
			ss->db = NULL;
		}
		if (ss->db == NULL)
			g_array_set_size(ss->ids, 0);
		for (guint i = 0; i < ss->ids->len; i++)
			g_hash_table_add(in, GINT_TO_POINTER(
			    g_array_index(ss->ids, int, i) + 1));
	}
	db->scanned = g_hash_table_size(in);
	g_hash_table_destroy(in);
	if (!ok)
		log_debug("scan: Vectorscan cannot run here: every test is "
		    "tested");
}

void
scan_db_free(struct scan_db *db)
{
	if (db == NULL)
		return;
	for (int f = 0; f < LF_FORM; f++) {
		set_clear(&db->field[f].ascii);
		set_clear(&db->field[f].uni);
	}
	if (db->scratch != NULL)
		hs_free_scratch(db->scratch);
	g_array_unref(db->anchored);
	g_free(db);
}

guint
scan_db_scanned(const struct scan_db *db)
{
	return db != NULL ? db->scanned : 0;
}

struct scan *
scan_new(const struct scan_db *db, const struct lead *l)
{
	struct scan *s = g_new0(struct scan, 1);

	if (db != NULL && db->compiled && db->scanned > 0) {
		s->db = db;
		s->hit = g_malloc0(db->n / 8 + 1);
	}
	s->l = l;
	return s;
}

void
scan_free(struct scan *s)
{
	if (s == NULL)
		return;
	if (s->scratch != NULL)
		hs_free_scratch(s->scratch);
	g_free(s->hit);
	g_free(s);
}

struct set_hits {
	struct scan *s;
	const GArray *ids;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	struct set_hits *sh = ctx;
	int tid = g_array_index(sh->ids, int, id);

	sh->s->hit[tid / 8] |= (guint8)(1u << (tid % 8));
	return 0;
}

/* Scan field f's value once, with the database for its kind of text.
 * A value Vectorscan must not see (not UTF-8, where its UTF-8 mode is
 * undefined; over 4 GB) or a failed scan leaves the field blind: every
 * test on it is tested. */
static void
scan_field(struct scan *s, enum lead_field f)
{
	const struct scan_set *ss;
	struct set_hits sh;
	const char *v[1];
	size_t len;

	s->scanned |= 1u << f;
	if (lead_values(s->l, f, NULL, v, 1) == 0)
		return;		/* absent: every test on it is false */
	if (((s->l->ascii >> f) & 1) == 0 && !lead_is_ascii(v[0]))
		s->uni |= 1u << f;
	ss = (s->uni & (1u << f)) != 0 ? &s->db->field[f].uni :
	    &s->db->field[f].ascii;
	sh.s = s;
	sh.ids = ss->ids;
	len = strlen(v[0]);
	if (odd_line_ends(v[0], len, (s->uni & (1u << f)) == 0))
		s->odd_lines |= 1u << f;
	if (ss->db == NULL)
		return;
	if (len > G_MAXUINT || ((s->uni & (1u << f)) != 0 &&
	    !g_utf8_validate(v[0], (gssize)len, NULL)) ||
	    (s->scratch == NULL && hs_clone_scratch(s->db->scratch,
	    &s->scratch) != HS_SUCCESS) ||
	    hs_scan(ss->db, v[0], (unsigned int)len, 0, s->scratch, on_match,
	    &sh) != HS_SUCCESS)
		s->blind |= 1u << f;
}

/* Is test id in ss? */
static gboolean
in_set(const struct scan_set *ss, int id)
{
	/* ids are added in increasing order: a binary search */
	guint lo = 0, hi = ss->ids->len;

	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		int v = g_array_index(ss->ids, int, mid);

		if (v == id)
			return TRUE;
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return FALSE;
}

gboolean
scan_maybe(struct scan *s, enum lead_field f, int id)
{
	const struct scan_set *ss;

	if (s == NULL || s->db == NULL || id < 0 || (guint)id >= s->db->n ||
	    f >= LF_FORM)
		return TRUE;
	if ((s->scanned & (1u << f)) == 0)
		scan_field(s, f);
	ss = (s->uni & (1u << f)) != 0 ? &s->db->field[f].uni :
	    &s->db->field[f].ascii;
	if ((s->blind & (1u << f)) != 0 || !in_set(ss, id) ||
	    ((s->odd_lines & (1u << f)) != 0 &&
	    g_array_index(s->db->anchored, gboolean, id)))
		return TRUE;
	return (s->hit[id / 8] & (1u << (id % 8))) != 0;
}
