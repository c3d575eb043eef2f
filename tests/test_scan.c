/*
 * test_scan.c: the one-pass scan of the rules' patterns (scan.h) changes
 * no answer. The module's own cases (needles, exact and prefilter
 * patterns, Unicode case folding, values Vectorscan must not see), then
 * every message of the corpora decided twice, with the scan and with
 * every test through PCRE, and the decisions compared whole: each
 * dimension's value, candidates and evidence, the destination, the
 * reason. The corpora: rules/samples, tests/data, and when they are
 * there the acceptance leads and ../shared/corpora, and the directories
 * in LEADROUTE_SCAN_DIRS (tests/scan.sh adds the bench's generated mail);
 * with the shipped rules, the acceptance rules and those named in
 * LEADROUTE_SCAN_RULES.
 */
#include "testlib.h"

#include <string.h>

#include "diag.h"
#include "expr.h"
#include "fileio.h"
#include "lead.h"
#include "route.h"
#include "rules.h"
#include "scan.h"

#define SCAN_MAX_FILE	(4 * 1024 * 1024)

static struct lead *
lead_of(const char *msg)
{
	return lead_from_bytes(msg, strlen(msg), NULL);
}

/* A needle: found in either case, absent, on an absent field. */
static void
test_needles(void **state)
{
	struct scan_db *db = scan_db_new();
	int hello = scan_db_add_needle(db, LF_BODY, "hello world");
	int gone = scan_db_add_needle(db, LF_BODY, "nowhere");
	int subj = scan_db_add_needle(db, LF_SUBJECT, "x");
	struct lead *l;
	struct scan *s;

	(void)state;
	assert_int_equal(scan_db_add_needle(db, LF_BODY, "caf\xc3\xa9"), -1);
	assert_int_equal(scan_db_add_needle(db, LF_FORM, "a"), -1);
	scan_db_compile(db);
	assert_int_equal(scan_db_scanned(db), 3);
	l = lead_of("From: a@b.example\r\n\r\nWell, HeLLo World!\r\n");
	s = scan_new(db, l);
	assert_true(scan_maybe(s, LF_BODY, hello));
	assert_false(scan_maybe(s, LF_BODY, gone));
	assert_false(scan_maybe(s, LF_SUBJECT, subj));	/* no subject */
	assert_true(scan_maybe(s, LF_BODY, -1));
	scan_free(s);
	/* no database: every answer is maybe */
	s = scan_new(NULL, l);
	assert_true(scan_maybe(s, LF_BODY, gone));
	scan_free(s);
	lead_free(l);
	scan_db_free(db);
}

/* Patterns Vectorscan takes exactly, in prefilter mode, or not at all:
 * none of them is ever "no" where PCRE matches. */
static void
test_patterns(void **state)
{
	static const struct {
		const char *re;
		gboolean caseless;
		const char *body;
		gboolean maybe;
	} cases[] = {
		{ "\\bstrategy\\b", TRUE, "Our STRATEGY now", TRUE },
		{ "\\bstrategy\\b", TRUE, "nothing here", FALSE },
		/* \b in Unicode mode: prefilter */
		{ "\\bcaf\xc3\xa9\\b", TRUE, "un CAF\xc3\x89 noir", TRUE },
		{ "(?<=data )lake", FALSE, "a data lake", TRUE },
		{ "(a)\\1", FALSE, "aa", TRUE },
		/* Unicode case folding as PCRE2 does it */
		{ "\xc3\xa9tat", TRUE, "\xc3\x89TAT DES LIEUX", TRUE },
		{ "strasse", TRUE, "STRASSE", TRUE },
		/* characters whose case folds to ASCII: long s, Kelvin */
		{ "strategy", TRUE, "\xc5\xbftrategy", TRUE },
		{ "kpi", TRUE, "\xe2\x84\xaaPI", TRUE },
		{ "\\w+ing", FALSE, "\xc3\xa9ing", TRUE },
		/* Unicode classes on non-ASCII text: widened, never "no" */
		{ "\\b\xc3\xa9t\xc3\xa9", FALSE, "un \xc3\xa9t\xc3\xa9", TRUE },
		{ "[\\w]{3}", FALSE, "\xc3\xa9\xc3\xa9\xc3\xa9", TRUE },
		{ "\\d+ Tage", FALSE, "\xd9\xa3 Tage \xc3\xa4", TRUE },
		{ "a\\sb", FALSE, "a\xc2\xa0" "b \xc3\xa4", TRUE },
		{ "x[^\\W]", FALSE, "x\xc3\xa9", TRUE },
		{ "[[:alpha:]]{2}", FALSE, "\xc3\xa9\xc3\xa9", TRUE },
		{ "\\p{Lu}", FALSE, "\xc3\x89", TRUE },
		{ "\\btraining\\b", TRUE, "\xc3\xa9 nothing", FALSE },
		{ "[^a]\\w", FALSE, "\xc3\xa9", FALSE },
		{ "^urgent", FALSE, "x\nurgent", FALSE },
		{ "x*", FALSE, "anything", TRUE },
	};

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct scan_db *db = scan_db_new();
		int id = scan_db_add_regex(db, LF_BODY, cases[i].re,
		    cases[i].caseless, FALSE);
		char *msg = g_strdup_printf("From: a@b.example\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		    cases[i].body);
		struct lead *l = lead_of(msg);
		struct scan *s;
		GRegex *re;
		char *ucp;

		print_message("%s on %s\n", cases[i].re, cases[i].body);
		scan_db_compile(db);
		s = scan_new(db, l);
		if (id < 0)	/* not scanned: always tested */
			assert_true(scan_maybe(s, LF_BODY, id));
		else
			assert_int_equal(scan_maybe(s, LF_BODY, id),
			    cases[i].maybe);
		/* and never "no" where PCRE2 (as expr.c runs it) matches */
		ucp = g_strconcat("(*UCP)", cases[i].re, NULL);
		re = g_regex_new(ucp, cases[i].caseless ? G_REGEX_CASELESS : 0,
		    0, NULL);
		assert_non_null(re);
		if (g_regex_match(re, cases[i].body, 0, NULL))
			assert_true(scan_maybe(s, LF_BODY, id));
		g_regex_unref(re);
		g_free(ucp);
		scan_free(s);
		lead_free(l);
		g_free(msg);
		scan_db_free(db);
	}
}

/* Patterns Vectorscan takes seconds or minutes to compile as written
 * (Unicode classes with HS_FLAG_UCP: 13 s and 230 MB for the first;
 * large counted repeats) are compiled in a moment: every start of every
 * command that decides builds the database. Past SCAN_MAX_TESTS on one
 * field, the rest are tested without the scan. */
static void
test_compile_fast(void **state)
{
	static const char *slow[] = { "(\\w+\\s+){50}foo",
	    "\\w{2,10}\\s\\w{2,10}", "\\b(\\w{3,40}\\s){2,60}\\b",
	    "[\\w.+-]+@[\\w-]+\\.\\w+",
	    /* an attack review: 4-6 s each, minutes for 20 */
	    "x.{0,2000}y", "x.{0,5000}y1", "(a|\xc3\xa9|\\d){1000}q",
	    "[^x]{300,}z" };
	struct scan_db *db = scan_db_new();
	gint64 t0 = g_get_monotonic_time();

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(slow); i++)
		assert_true(scan_db_add_regex(db, LF_TEXT, slow[i], TRUE,
		    FALSE) >= 0);
	scan_db_compile(db);
	assert_int_equal(scan_db_scanned(db), G_N_ELEMENTS(slow));
	print_message("compiled in %.3f s\n",
	    (double)(g_get_monotonic_time() - t0) / 1e6);
	assert_true(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC);
	scan_db_free(db);
	/* 2,000 tests of one field: 300 scanned, in seconds, not minutes */
	db = scan_db_new();
	t0 = g_get_monotonic_time();
	for (guint i = 0; i < 2000; i++) {
		char *pat = g_strdup_printf("\\bword%u\\w*\\s+\\d{2,6}", i);

		(void)scan_db_add_regex(db, LF_BODY, pat, TRUE, FALSE);
		g_free(pat);
	}
	scan_db_compile(db);
	print_message("2,000: %u scanned, compiled in %.3f s\n",
	    scan_db_scanned(db), (double)(g_get_monotonic_time() - t0) / 1e6);
	assert_int_equal(scan_db_scanned(db), 300);
	assert_true(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC);
	scan_db_free(db);
}

/* PCRE2 (as GRegex sets it up) ends lines at CR, VT, FF, NEL, LS and PS
 * too; Vectorscan at LF only: on such a value an anchored test is
 * always tested (an attack review: /^Service: Audit$/im said no on a
 * form mail with bare CR line ends). */
static void
test_line_ends(void **state)
{
	static const char *const ends[] = { "\r", "\v", "\f", "\xc2\x85",
	    "\xe2\x80\xa8", "\xe2\x80\xa9" };

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(ends); i++) {
		struct scan_db *db = scan_db_new();
		int m = scan_db_add_regex(db, LF_SUBJECT, "^Service: Audit$",
		    TRUE, TRUE);
		int z = scan_db_add_regex(db, LF_SUBJECT, "Audit\\Z", FALSE,
		    FALSE);
		int plain = scan_db_add_regex(db, LF_SUBJECT, "nowhere", FALSE,
		    FALSE);
		char *subject = g_strdup_printf("Name: Jo%sService: Audit%s"
		    "Budget: 5", ends[i], ends[i]);
		char *enc = g_base64_encode((const guchar *)subject,
		    strlen(subject));
		char *msg = g_strdup_printf("From: a@b.example\r\nSubject: "
		    "=?UTF-8?B?%s?=\r\n\r\nhi\r\n", enc);
		struct lead *l = lead_of(msg);
		struct scan *s;

		scan_db_compile(db);
		s = scan_new(db, l);
		assert_non_null(l->str[LF_SUBJECT]);
		assert_true(scan_maybe(s, LF_SUBJECT, m));
		assert_true(scan_maybe(s, LF_SUBJECT, z));
		assert_false(scan_maybe(s, LF_SUBJECT, plain));
		scan_free(s);
		lead_free(l);
		g_free(msg);
		g_free(enc);
		g_free(subject);
		scan_db_free(db);
	}
}

/* What a person writes in a rule that Vectorscan cannot compile leaves
 * that test out and the others in. */
static void
test_left_out(void **state)
{
	struct scan_db *db = scan_db_new();
	int bad = scan_db_add_regex(db, LF_BODY, "(*UCP)a(?C1)b", FALSE,
	    FALSE);
	int good = scan_db_add_regex(db, LF_BODY, "lake", FALSE, FALSE);
	struct lead *l = lead_of("From: a@b.example\r\n\r\nno water\r\n");
	struct scan *s;

	(void)state;
	scan_db_compile(db);
	s = scan_new(db, l);
	assert_true(good >= 0);
	assert_false(scan_maybe(s, LF_BODY, good));
	assert_true(scan_maybe(s, LF_BODY, bad));
	scan_free(s);
	lead_free(l);
	scan_db_free(db);
}

/* --- the corpora: every decision the same with and without the scan -- */

struct corpus_run {
	struct ruleset *rs;
	GDateTime *now;
	guint files, scanned_tests;
	guint differ;
};

static void
strings_same(GString *out, const char *what, GPtrArray *a, GPtrArray *b)
{
	if (a->len != b->len) {
		g_string_append_printf(out, "%s: %u vs %u items; ", what,
		    a->len, b->len);
		return;
	}
	for (guint i = 0; i < a->len; i++)
		if (g_strcmp0(g_ptr_array_index(a, i),
		    g_ptr_array_index(b, i)) != 0)
			g_string_append_printf(out, "%s[%u]: '%s' vs '%s'; ",
			    what, i, (char *)g_ptr_array_index(a, i),
			    (char *)g_ptr_array_index(b, i));
}

/* The differences of two decisions, "" when none. */
static char *
compare(const struct decision *a, const struct decision *b)
{
	GString *out = g_string_new(NULL);

	if (a->kind != b->kind || g_strcmp0(a->id, b->id) != 0 ||
	    g_strcmp0(a->owner, b->owner) != 0 ||
	    g_strcmp0(a->folder, b->folder) != 0 ||
	    g_strcmp0(a->reason, b->reason) != 0 ||
	    a->route_line != b->route_line || a->ignore_line != b->ignore_line)
		g_string_append_printf(out, "destination: %s %s (%s) vs %s %s "
		    "(%s); ", rules_dest_kind_name(a->kind), a->id, a->reason,
		    rules_dest_kind_name(b->kind), b->id, b->reason);
	if (a->dims->len != b->dims->len) {
		g_string_append(out, "dimensions differ; ");
		return g_string_free(out, FALSE);
	}
	for (guint i = 0; i < a->dims->len; i++) {
		const struct dim_value *x = g_ptr_array_index(a->dims, i);
		const struct dim_value *y = g_ptr_array_index(b->dims, i);

		if (g_strcmp0(x->value, y->value) != 0 || x->line != y->line)
			g_string_append_printf(out, "%s: %s vs %s; ", x->name,
			    x->value, y->value);
		strings_same(out, "evidence", x->matched, y->matched);
		strings_same(out, "candidates", x->candidates, y->candidates);
	}
	return g_string_free(out, FALSE);
}

static void
decide_file(struct corpus_run *cr, const char *path)
{
	struct decision *with, *without;
	struct scan_db *db = cr->rs->scan;
	struct lead *l;
	char *data = NULL, *diff;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, NULL) ||
	    len > SCAN_MAX_FILE) {
		g_free(data);
		return;
	}
	l = lead_from_bytes(data, len, &cr->rs->lead);
	with = route_decide(cr->rs, l, cr->now, "Leads", NULL);
	cr->rs->scan = NULL;	/* every test through PCRE */
	without = route_decide(cr->rs, l, cr->now, "Leads", NULL);
	cr->rs->scan = db;
	diff = compare(with, without);
	if (*diff != '\0') {
		print_message("%s: %s\n", path, diff);
		cr->differ++;
	}
	cr->files++;
	g_free(diff);
	decision_free(with);
	decision_free(without);
	lead_free(l);
	g_free(data);
}

static void
walk(struct corpus_run *cr, const char *dir, int depth)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL || depth > 6) {
		if (d != NULL)
			g_dir_close(d);
		return;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			walk(cr, path, depth + 1);
		else if (g_str_has_suffix(name, ".eml") ||
		    g_str_has_suffix(name, ".txt") ||
		    g_str_has_suffix(name, ".msg") ||
		    strchr(name, '.') == NULL ||
		    g_regex_match_simple("^[0-9]+[.,:]", name, 0, 0))
			decide_file(cr, path);
		g_free(path);
	}
	g_dir_close(d);
}

static void
corpora(const char *rules)
{
	const char *top = getenv("top_srcdir");
	const char *extra = getenv("LEADROUTE_SCAN_DIRS");
	struct corpus_run cr = { 0 };
	struct diag *d = diag_new();
	char **dirs;

	if (top == NULL)
		top = ".";
	cr.rs = rules_load(rules, d);
	for (guint i = 0; diag_errors(d) > 0 && i < diag_count(d); i++)
		print_message("  %s\n", diag_get(d, i));
	assert_non_null(cr.rs);
	assert_int_equal(diag_errors(d), 0);
	assert_null(cr.rs->scan);	/* only when asked */
	rules_scan_build(cr.rs);
	assert_true(scan_db_scanned(cr.rs->scan) > 0);
	cr.now = g_date_time_new_from_iso8601("2026-11-24T10:00:00Z", NULL);
	dirs = g_strsplit(extra != NULL ? extra : "", ":", -1);
	for (guint i = 0; dirs[i] != NULL; i++)
		if (*dirs[i] != '\0')
			walk(&cr, dirs[i], 0);
	g_strfreev(dirs);
	{
		const char *own[] = { "rules/samples", "tests/data",
		    "../shared/acceptance/leads", "../shared/corpora" };

		for (guint i = 0; i < G_N_ELEMENTS(own); i++) {
			char *p = g_build_filename(top, own[i], NULL);

			walk(&cr, p, 0);
			g_free(p);
		}
	}
	print_message("%s: %u messages decided with and without the scan, "
	    "%u differ\n", rules, cr.files, cr.differ);
	/* the tree alone (a tarball's distcheck) holds 45; with
	 * ../shared, over 400 */
	assert_true(cr.files >= 40);
	assert_int_equal(cr.differ, 0);
	g_date_time_unref(cr.now);
	rules_free(cr.rs);
	diag_free(d);
}

/* The rules at rel (from the top of the tree) over the corpora; a rule
 * set outside the tree may be absent (a tarball's distcheck). */
static void
corpora_of(const char *rel, gboolean ours)
{
	const char *top = getenv("top_srcdir");
	char *rules = g_build_filename(top != NULL ? top : ".", rel, NULL);

	if (ours || g_file_test(rules, G_FILE_TEST_EXISTS))
		corpora(rules);
	else
		print_message("no %s: not compared\n", rules);
	g_free(rules);
}

static void
test_corpora_shipped_rules(void **state)
{
	(void)state;
	corpora_of("rules/leadroute.rules", TRUE);
}

static void
test_corpora_acceptance_rules(void **state)
{
	(void)state;
	corpora_of("../shared/acceptance/rules/leadroute.rules", FALSE);
}

/* Rule sets of one's own (LEADROUTE_SCAN_RULES, colon-separated), e.g. a
 * differential run: a pattern per class, values per message. */
static void
test_corpora_more_rules(void **state)
{
	const char *more = getenv("LEADROUTE_SCAN_RULES");
	char **files = g_strsplit(more != NULL ? more : "", ":", -1);

	(void)state;
	for (guint i = 0; files[i] != NULL; i++)
		if (*files[i] != '\0')
			corpora(files[i]);
	g_strfreev(files);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needles),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_compile_fast),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_left_out),
		cmocka_unit_test(test_corpora_shipped_rules),
		cmocka_unit_test(test_corpora_acceptance_rules),
		cmocka_unit_test(test_corpora_more_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
