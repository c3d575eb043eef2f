/*
 * test_csv.c: the RFC 4180 reader: quoting, line ends, BOM, blank lines,
 * trimming, and every error with its line and column.
 */
#include "testlib.h"

#include "csv.h"
#include "diag.h"

#define S(x)	x, sizeof(x) - 1	/* data with NULs: explicit length */
#define FFFD	"\xef\xbf\xbd"

/* "cell|cell" for the header. */
static char *
dump_header(const struct csv *c)
{
	return g_strjoinv("|", c->header);
}

/* "LINE:cell|cell / LINE:cell", newlines in cells shown as \n. */
static char *
dump_rows(const struct csv *c)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < c->rows->len; i++) {
		const struct csv_row *r = g_ptr_array_index(c->rows, i);

		if (i > 0)
			g_string_append(s, " / ");
		g_string_append_printf(s, "%u:", r->line);
		for (guint j = 0; j < r->ncells; j++) {
			if (j > 0)
				g_string_append_c(s, '|');
			for (const char *p = r->cells[j]; *p != '\0'; p++)
				if (*p == '\n')
					g_string_append(s, "\\n");
				else
					g_string_append_c(s, *p);
		}
		assert_null(r->cells[r->ncells]);
	}
	return g_string_free(s, FALSE);
}

/* Every message, one a line. */
static char *
dump_diags(const struct diag *d)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < diag_count(d); i++) {
		if (i > 0)
			g_string_append_c(s, '\n');
		g_string_append(s, diag_get(d, i));
	}
	return g_string_free(s, FALSE);
}

struct parse_case {
	const char *name;
	const char *data;
	gsize len;
	const char *header;	/* cells joined with '|' */
	const char *rows;	/* as dump_rows() */
	const char *diags;	/* as dump_diags(), "" for none */
};

static const struct parse_case parse_cases[] = {
	{ "simple", S("id,name\na,b\nc,d\n"), "id|name", "2:a|b / 3:c|d", "" },
	{ "no final newline", S("id,name\na,b"), "id|name", "2:a|b", "" },
	{ "crlf", S("id,name\r\na,b\r\nc,d\r\n"), "id|name",
	    "2:a|b / 3:c|d", "" },
	{ "lone cr", S("id,name\ra,b\rc,d"), "id|name", "2:a|b / 3:c|d", "" },
	{ "mixed line ends", S("id\na\r\nb\rc\n"), "id", "2:a / 3:b / 4:c",
	    "" },
	{ "bom", S("\xef\xbb\xbfid,name\na,b\n"), "id|name", "2:a|b", "" },
	{ "bom only", S("\xef\xbb\xbf"), "", "", "" },
	{ "bom not at start is data", S("id\n\xef\xbb\xbfx\n"), "id",
	    "2:\xef\xbb\xbfx", "" },
	{ "empty file", S(""), "", "", "" },
	{ "no buffer", NULL, 0, "", "", "" },
	{ "white space only", S("  \n\t\r\n"), "", "", "" },
	{ "header only", S("id,name\n"), "id|name", "", "" },
	{ "header only, no newline", S("id,name"), "id|name", "", "" },
	{ "quoted comma", S("id,name\na,\"Scully, Dana\"\n"), "id|name",
	    "2:a|Scully, Dana", "" },
	{ "escaped quotes", S("id,q\na,\"say \"\"hi\"\"\"\n"), "id|q",
	    "2:a|say \"hi\"", "" },
	{ "only an escaped quote", S("id,q\na,\"\"\"\"\n"), "id|q",
	    "2:a|\"", "" },
	{ "quoted header", S("\"id\",\"the, name\"\na,b\n"), "id|the, name",
	    "2:a|b", "" },
	{ "embedded lf", S("id,note\na,\"one\ntwo\"\nb,x\n"), "id|note",
	    "2:a|one\\ntwo / 4:b|x", "" },
	{ "embedded crlf", S("id,note\r\na,\"one\r\ntwo\"\r\nb,x\r\n"),
	    "id|note", "2:a|one\\ntwo / 4:b|x", "" },
	{ "embedded lone cr", S("id\n\"a\rb\"\nc\n"), "id",
	    "2:a\\nb / 4:c", "" },
	{ "blank lines skipped", S("\n\nid,name\n\na,b\n   \n\r\nc,d\n\n"),
	    "id|name", "5:a|b / 8:c|d", "" },
	{ "cells trimmed", S("  id , name \na ,\t b\t\n"), "id|name",
	    "2:a|b", "" },
	{ "blanks around quotes", S("id,name\na , \"b, c\" \n"), "id|name",
	    "2:a|b, c", "" },
	{ "quoted cell trimmed", S("id,name\na,\" b \"\n"), "id|name",
	    "2:a|b", "" },
	{ "hash is data", S("id,name\n# x,y\n#z\n"), "id|name",
	    "2:# x|y / 3:#z", "" },
	{ "empty cells", S("id,name,x\n,,\na,\"\",\n"), "id|name|x",
	    "2:|| / 3:a||", "" },
	{ "short row", S("id,name,x\na\n"), "id|name|x", "2:a", "" },
	{ "long row", S("id\na,b\n"), "id", "2:a|b", "" },
	{ "quote then eof", S("id\n\"a\""), "id", "2:a", "" },
	{ "utf-8 kept", S("id\n\"\xe2\x82\xac\",\xc3\xa9\n"), "id",
	    "2:\xe2\x82\xac|\xc3\xa9", "" },
	{ "duplicate header", S("id,ID\na,b\n"), "id|ID", "2:a|b",
	    "t.csv:1:2: warning: duplicate column 'ID' (the first one is "
	    "used)" },
	{ "unterminated quote", S("id,name\na,b\nc,\"open\nd,e\n"),
	    "id|name", "2:a|b",
	    "t.csv:3:3: error: unterminated quoted field" },
	{ "unterminated in header", S("\"id,name\n"), "", "",
	    "t.csv:1:1: error: unterminated quoted field" },
	{ "unterminated after utf-8", S("id,name\n\xc3\xa9,\"x\n"),
	    "id|name", "", "t.csv:2:3: error: unterminated quoted field" },
	{ "unterminated after escaped quote", S("id\n\"a\"\"\n"), "id", "",
	    "t.csv:2:1: error: unterminated quoted field" },
	{ "stray quote", S("id,name\na,b\"c\"\nd,e\n"), "id|name",
	    "2:a|b\"c\" / 3:d|e",
	    "t.csv:2:4: error: stray quote in unquoted field" },
	{ "text after closing quote", S("id,name\na,\"b\"c\n"), "id|name",
	    "2:a|bc", "t.csv:2:6: error: unexpected text after closing quote" },
	{ "invalid utf-8", S("id,name\na,b\xff" "c\nd,\xc3\xa9\n"), "id|name",
	    "2:a|b" FFFD "c / 3:d|\xc3\xa9",
	    "t.csv:2:4: error: invalid UTF-8 (replaced with U+FFFD)" },
	{ "invalid utf-8 once per row", S("id,name\n\xff,\xfe\n\xfe\n"),
	    "id|name", "2:" FFFD "|" FFFD " / 3:" FFFD,
	    "t.csv:2:1: error: invalid UTF-8 (replaced with U+FFFD)\n"
	    "t.csv:3:1: error: invalid UTF-8 (replaced with U+FFFD)" },
	{ "overlong utf-8", S("id\n\xc0\xafx\n"), "id",
	    "2:" FFFD FFFD "x",
	    "t.csv:2:1: error: invalid UTF-8 (replaced with U+FFFD)" },
	{ "utf-16 surrogate", S("id\n\"\xed\xa0\x80\"\n"), "id",
	    "2:" FFFD FFFD FFFD,
	    "t.csv:2:2: error: invalid UTF-8 (replaced with U+FFFD)" },
	{ "truncated utf-8 at eof", S("id\nab\xe2\x82"), "id",
	    "2:ab" FFFD FFFD,
	    "t.csv:2:3: error: invalid UTF-8 (replaced with U+FFFD)" },
	{ "nul byte", S("id\na\0b\n"), "id", "2:a" FFFD "b",
	    "t.csv:2:2: error: NUL byte (replaced with U+FFFD)" },
	{ "every error in one pass", S("id,x\na\"b,\"c\"d\ne,\"f\n"), "id|x",
	    "2:a\"b|cd",
	    "t.csv:2:2: error: stray quote in unquoted field\n"
	    "t.csv:2:8: error: unexpected text after closing quote\n"
	    "t.csv:3:3: error: unterminated quoted field" },
};

static void
test_parse_table(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
		const struct parse_case *tc = &parse_cases[i];
		struct diag *d = diag_new();
		struct csv *c = csv_parse(tc->data, tc->len, "t.csv", d);
		char *h = dump_header(c), *r = dump_rows(c), *m = dump_diags(d);

		print_message("case: %s\n", tc->name);
		assert_non_null(c->header);
		assert_null(c->header[c->ncols]);
		assert_string_equal(h, tc->header);
		assert_string_equal(r, tc->rows);
		assert_string_equal(m, tc->diags);
		g_free(h);
		g_free(r);
		g_free(m);
		csv_free(c);
		diag_free(d);
	}
}

struct lookup_case {
	const char *name;
	int col;		/* csv_column(), -1 when absent */
};

static const struct lookup_case lookup_cases[] = {
	{ "id", 0 }, { "ID", 0 }, { " Email ", 1 }, { "name", 2 },
	{ "na", -1 }, { "names", -1 }, { "", -1 }, { "slack", -1 },
};

static void
test_column(void **state)
{
	const char data[] = "  Id ,EMAIL,name\n";
	struct diag *d = diag_new();
	struct csv *c = csv_parse(data, strlen(data), "t.csv", d);

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(lookup_cases); i++) {
		print_message("column: '%s'\n", lookup_cases[i].name);
		assert_int_equal(csv_column(c, lookup_cases[i].name),
		    lookup_cases[i].col);
	}
	csv_free(c);
	diag_free(d);
}

struct cell_case {
	int col;
	const char *want;	/* NULL: no such cell */
};

static const struct cell_case cell_cases[] = {
	{ 0, "a" }, { 1, "" }, { 2, NULL }, { 3, NULL }, { -1, NULL },
	{ G_MAXINT, NULL },
};

static void
test_cell(void **state)
{
	const char data[] = "x,y,z\na,\n";
	struct diag *d = diag_new();
	struct csv *c = csv_parse(data, strlen(data), "t.csv", d);
	const struct csv_row *r;

	(void)state;
	assert_int_equal(c->rows->len, 1);
	r = g_ptr_array_index(c->rows, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(cell_cases); i++) {
		const char *s = csv_cell(r, cell_cases[i].col);

		if (cell_cases[i].want == NULL)
			assert_null(s);
		else
			assert_string_equal(s, cell_cases[i].want);
	}
	csv_free(c);
	diag_free(d);
}

struct load_case {
	const char *file;	/* under TEST_DATA_DIR/csv */
	gboolean readable;
	const char *rows;
	const char *diag;	/* PATH stands for the file's path; "" */
};

static const struct load_case load_cases[] = {
	{ "sample.csv", TRUE,
	    "2:dana|Dana Scully, MD|line one\\nline two / "
	    "5:# not a comment|x|y / 6:erik|Erik|say \"hi\"", "" },
	{ "unterminated.csv", TRUE, "",
	    "PATH:2:3: error: unterminated quoted field" },
	{ "missing.csv", FALSE, NULL,
	    "PATH: error: cannot read PATH: No such file or directory" },
	{ "", FALSE, NULL, "PATH: error: cannot read PATH: Is a directory" },
};

static void
test_load(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(load_cases); i++) {
		const struct load_case *tc = &load_cases[i];
		char *path = g_build_filename(TEST_DATA_DIR, "csv", tc->file,
		    NULL);
		struct diag *d = diag_new();
		struct csv *c = csv_load(path, d);
		char **parts, *want;

		print_message("load: %s\n", path);
		if (!tc->readable) {
			assert_null(c);
		} else {
			char *r = dump_rows(c);

			assert_non_null(c);
			assert_string_equal(r, tc->rows);
			g_free(r);
		}
		if (*tc->diag == '\0') {
			assert_int_equal(diag_count(d), 0);
		} else {
			parts = g_strsplit(tc->diag, "PATH", -1);
			want = g_strjoinv(path, parts);
			assert_int_equal(diag_count(d), 1);
			assert_string_equal(diag_get(d, 0), want);
			g_free(want);
			g_strfreev(parts);
		}
		csv_free(c);
		diag_free(d);
		g_free(path);
	}
}

struct limit_case {
	gsize size;		/* bytes in the big cell */
	gboolean quoted;
	const char *diag;	/* NULL when fine */
};

static const struct limit_case limit_cases[] = {
	{ CSV_MAX_CELL, FALSE, NULL },
	{ CSV_MAX_CELL, TRUE, NULL },
	{ CSV_MAX_CELL + 1, FALSE,
	    "t.csv:3:3: error: cell longer than 65536 bytes" },
	{ CSV_MAX_CELL + 1, TRUE,
	    "t.csv:3:3: error: cell longer than 65536 bytes" },
	{ 4 * CSV_MAX_CELL, FALSE,
	    "t.csv:3:3: error: cell longer than 65536 bytes" },
};

/* A row with a cell of a given size between two small rows; a too long
 * cell drops its row only. */
static void
test_cell_limit(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(limit_cases); i++) {
		const struct limit_case *tc = &limit_cases[i];
		GString *s = g_string_new("id,x\na,b\nc,");
		struct diag *d = diag_new();
		struct csv *c;
		const char *q = tc->quoted ? "\"" : "";

		g_string_append(s, q);
		for (gsize n = 0; n < tc->size; n++)
			g_string_append_c(s, 'x');
		g_string_append_printf(s, "%s\ne,f\n", q);
		c = csv_parse(s->str, s->len, "t.csv", d);
		if (tc->diag == NULL) {
			const struct csv_row *r = g_ptr_array_index(c->rows,
			    1);

			assert_int_equal(diag_count(d), 0);
			assert_int_equal(c->rows->len, 3);
			assert_int_equal(strlen(r->cells[1]), tc->size);
		} else {
			assert_int_equal(diag_count(d), 1);
			assert_string_equal(diag_get(d, 0), tc->diag);
			assert_int_equal(c->rows->len, 2);
		}
		csv_free(c);
		diag_free(d);
		g_string_free(s, TRUE);
	}
}

struct rows_case {
	guint rows;
	const char *diag;	/* NULL when fine */
};

static const struct rows_case rows_cases[] = {
	{ CSV_MAX_ROWS, NULL },
	{ CSV_MAX_ROWS + 1, "t.csv:1000002: error: more than 1000000 rows" },
	{ CSV_MAX_ROWS + 5, "t.csv:1000002: error: more than 1000000 rows" },
};

static void
test_max_rows(void **state)
{
	GString *s = g_string_new("n\n");

	(void)state;
	for (guint i = 0; i < CSV_MAX_ROWS + 5; i++)
		g_string_append(s, "x\n");
	for (gsize i = 0; i < G_N_ELEMENTS(rows_cases); i++) {
		struct diag *d = diag_new();
		struct csv *c = csv_parse(s->str, 2 + 2 * rows_cases[i].rows,
		    "t.csv", d);

		assert_int_equal(c->rows->len, CSV_MAX_ROWS);
		if (rows_cases[i].diag == NULL)
			assert_int_equal(diag_count(d), 0);
		else {
			assert_int_equal(diag_count(d), 1);
			assert_string_equal(diag_get(d, 0),
			    rows_cases[i].diag);
		}
		csv_free(c);
		diag_free(d);
	}
	g_string_free(s, TRUE);
}

/* 100,000 owners-like rows; the time is printed, not judged, since
 * sanitizer builds are several times slower. */
static void
test_big_file(void **state)
{
	GString *s = g_string_new("id,name,email,team,weight,hours\r\n");
	struct diag *d = diag_new();
	struct csv *c;
	const struct csv_row *r;
	gint64 t0;

	(void)state;
	for (guint i = 0; i < 100000; i++)
		g_string_append_printf(s, "owner%u,\"Owner %u, Jr.\","
		    "owner%u@example.com,sales;emea,%u,Mon-Fri 09:00-17:30\r\n",
		    i, i, i, i % 7 + 1);
	t0 = g_get_monotonic_time();
	c = csv_parse(s->str, s->len, "big.csv", d);
	print_message("100000 rows, %zu bytes: %.1f ms\n", s->len,
	    (double)(g_get_monotonic_time() - t0) / 1000.0);
	assert_int_equal(diag_count(d), 0);
	assert_int_equal(c->rows->len, 100000);
	r = g_ptr_array_index(c->rows, 99999);
	assert_int_equal(r->line, 100001);
	assert_string_equal(csv_cell(r, 1), "Owner 99999, Jr.");
	assert_string_equal(csv_cell(r, 5), "Mon-Fri 09:00-17:30");
	csv_free(c);
	diag_free(d);
	g_string_free(s, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_column),
		cmocka_unit_test(test_cell),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_cell_limit),
		cmocka_unit_test(test_max_rows),
		cmocka_unit_test(test_big_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
