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

/* One field's patterns; their Vectorscan ids are their indexes here. */
struct scan_field {
	GPtrArray *pats;	/* char *, owned (until compiled) */
	GArray *flags;		/* unsigned int (until compiled) */
	GArray *ids;		/* int: Vectorscan id -> test id */
	hs_database_t *db;
};

struct scan_db {
	struct scan_field field[LF_FORM];
	hs_scratch_t *scratch;	/* fits every field's; cloned per scan */
	guint n;		/* test ids 0 .. n-1 */
	guint scanned;		/* of them in a database */
	gboolean compiled;
};

struct scan {
	const struct scan_db *db;
	const struct lead *l;
	hs_scratch_t *scratch;	/* owned */
	guint32 scanned;	/* bit f: field f scanned */
	guint32 blind;		/* bit f: not scanned after all: "maybe" */
	guint8 *hit;		/* bit per test id: may match */
};

struct scan_db *
scan_db_new(void)
{
	struct scan_db *db = g_new0(struct scan_db, 1);

	for (int f = 0; f < LF_FORM; f++) {
		db->field[f].pats = g_ptr_array_new_with_free_func(g_free);
		db->field[f].flags = g_array_new(FALSE, FALSE,
		    sizeof(unsigned int));
		db->field[f].ids = g_array_new(FALSE, FALSE, sizeof(int));
	}
	return db;
}

static int
add(struct scan_db *db, enum lead_field f, char *pat, unsigned int flags)
{
	struct scan_field *sf = &db->field[f];
	int id = (int)db->n++;

	g_ptr_array_add(sf->pats, pat);
	g_array_append_val(sf->flags, flags);
	g_array_append_val(sf->ids, id);
	return id;
}

int
scan_db_add_regex(struct scan_db *db, enum lead_field f, const char *pat,
    gboolean caseless, gboolean multiline)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *err = NULL;
	unsigned int fl = HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SINGLEMATCH |
	    HS_FLAG_ALLOWEMPTY | (caseless ? HS_FLAG_CASELESS : 0) |
	    (multiline ? HS_FLAG_MULTILINE : 0);

	if (db == NULL || db->compiled || f >= LF_FORM || pat == NULL)
		return -1;
	/* exact when Vectorscan can, else its prefilter */
	for (int pass = 0; pass < 2; pass++) {
		if (hs_expression_info(pat, fl, &info, &err) == HS_SUCCESS) {
			free(info);
			return add(db, f, g_strdup(pat), fl);
		}
		hs_free_compile_error(err);
		err = NULL;
		fl |= HS_FLAG_PREFILTER;
	}
	return -1;
}

int
scan_db_add_needle(struct scan_db *db, enum lead_field f, const char *s)
{
	GString *g;

	if (db == NULL || db->compiled || f >= LF_FORM || s == NULL ||
	    !lead_is_ascii(s))
		return -1;
	/* its bytes, ASCII letters in either case: strcasestr's answer */
	g = g_string_new(NULL);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p++)
		g_string_append_printf(g, "\\x%02x", *p);
	return add(db, f, g_string_free(g, FALSE), HS_FLAG_CASELESS |
	    HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY);
}

/* Compile one field's patterns; one that spoils the database is left
 * out (always tested) and the rest compiled again. */
static void
compile_field(struct scan_field *sf)
{
	hs_compile_error_t *err = NULL;
	guint bad;

	while (sf->pats->len > 0) {
		unsigned int *hsid = g_new(unsigned int, sf->pats->len);

		for (guint i = 0; i < sf->pats->len; i++)
			hsid[i] = i;
		if (hs_compile_multi((const char *const *)sf->pats->pdata,
		    (const unsigned int *)(void *)sf->flags->data, hsid,
		    sf->pats->len, HS_MODE_BLOCK, NULL, &sf->db, &err) ==
		    HS_SUCCESS) {
			g_free(hsid);
			return;
		}
		g_free(hsid);
		sf->db = NULL;
		if (err->expression < 0 ||
		    (guint)err->expression >= sf->pats->len) {
			log_debug("scan: a field's tests not scanned: %s",
			    err->message);
			hs_free_compile_error(err);
			g_array_set_size(sf->ids, 0);
			return;
		}
		bad = (guint)err->expression;
		hs_free_compile_error(err);
		err = NULL;
		g_ptr_array_remove_index(sf->pats, bad);
		g_array_remove_index(sf->flags, bad);
		g_array_remove_index(sf->ids, bad);
	}
}

void
scan_db_compile(struct scan_db *db)
{
	gboolean ok = hs_valid_platform() == HS_SUCCESS;

	if (db == NULL || db->compiled)
		return;
	db->compiled = TRUE;
	for (int f = 0; f < LF_FORM; f++) {
		struct scan_field *sf = &db->field[f];

		if (ok)
			compile_field(sf);
		if (sf->db != NULL && hs_alloc_scratch(sf->db, &db->scratch) !=
		    HS_SUCCESS)
			ok = FALSE;
		g_ptr_array_set_size(sf->pats, 0);
		g_array_set_size(sf->flags, 0);
	}
	for (int f = 0; f < LF_FORM; f++) {
		struct scan_field *sf = &db->field[f];

		if (!ok && sf->db != NULL) {
			hs_free_database(sf->db);
			sf->db = NULL;
		}
		if (sf->db == NULL)
			g_array_set_size(sf->ids, 0);
		db->scanned += sf->ids->len;
	}
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
		if (db->field[f].db != NULL)
			hs_free_database(db->field[f].db);
		g_ptr_array_free(db->field[f].pats, TRUE);
		g_array_unref(db->field[f].flags);
		g_array_unref(db->field[f].ids);
	}
	if (db->scratch != NULL)
		hs_free_scratch(db->scratch);
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

struct field_hits {
	struct scan *s;
	const GArray *ids;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	struct field_hits *fh = ctx;
	int tid = g_array_index(fh->ids, int, id);

	fh->s->hit[tid / 8] |= (guint8)(1u << (tid % 8));
	return 0;
}

/* Scan field f's value once. A value Vectorscan must not see (not
 * UTF-8, where its UTF-8 mode is undefined; over 4 GB) or a failed scan
 * leaves the field blind: every test on it is tested. */
static void
scan_field(struct scan *s, enum lead_field f)
{
	const struct scan_field *sf = &s->db->field[f];
	const char *v[1];
	struct field_hits fh = { s, sf->ids };
	size_t len;

	s->scanned |= 1u << f;
	if (sf->db == NULL || lead_values(s->l, f, NULL, v, 1) == 0)
		return;		/* absent: every test on it is false */
	len = strlen(v[0]);
	if (len > G_MAXUINT || (((s->l->ascii >> f) & 1) == 0 &&
	    !g_utf8_validate(v[0], (gssize)len, NULL)) ||
	    (s->scratch == NULL && hs_clone_scratch(s->db->scratch,
	    &s->scratch) != HS_SUCCESS) ||
	    hs_scan(sf->db, v[0], (unsigned int)len, 0, s->scratch, on_match,
	    &fh) != HS_SUCCESS)
		s->blind |= 1u << f;
}

/* Is test id in field f's database? */
static gboolean
in_db(const struct scan_field *sf, int id)
{
	/* ids are added in increasing order: a binary search */
	guint lo = 0, hi = sf->ids->len;

	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		int v = g_array_index(sf->ids, int, mid);

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
	if (s == NULL || s->db == NULL || id < 0 || (guint)id >= s->db->n ||
	    f >= LF_FORM || !in_db(&s->db->field[f], id))
		return TRUE;
	if ((s->scanned & (1u << f)) == 0)
		scan_field(s, f);
	if ((s->blind & (1u << f)) != 0)
		return TRUE;
	return (s->hit[id / 8] & (1u << (id % 8))) != 0;
}
