/*
 * csv.c: RFC 4180 reader for the reference data, in one pass over the
 * bytes. Beyond the RFC it takes a leading UTF-8 BOM, LF or lone CR line
 * ends, white space around quoted fields, and skips blank lines. A line
 * starting with '#' is data, not a comment.
 *
 * Cells are trimmed of surrounding white space as they are read (quoted
 * ones too: white space at the edges of a cell never matters in our
 * reference data). Line breaks inside quoted cells become "\n".
 *
 * Recovery, so that one pass reports everything:
 *   - invalid UTF-8 and NUL bytes are replaced with U+FFFD, reported once
 *     per row, and the row is kept;
 *   - a stray quote in an unquoted cell, or text after a closing quote,
 *     is reported and kept as data;
 *   - a row with a cell over CSV_MAX_CELL bytes is reported and dropped;
 *   - an unterminated quote swallows the rest of the file: it is reported
 *     where it opened and its row is dropped;
 *   - reading stops at the row beyond CSV_MAX_ROWS.
 *
 * Columns in messages count characters (code points) from 1, not bytes.
 *
 * Each row is one allocation: the struct, its cell pointers (plus a NULL
 * terminator) and the cell text, so 100,000-row files stay cheap.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "csv.h"

#define UTF8_REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

struct span {
	gsize off;		/* in parser.buf */
	gsize len;
};

struct parser {
	const char *p;		/* next byte */
	const char *end;
	const char *file;	/* borrowed, for messages */
	struct diag *d;		/* borrowed */
	guint line;		/* of p, 1-based */
	guint col;		/* of p, 1-based, in code points */
	GString *buf;		/* cells of the current row, NUL-separated */
	GArray *spans;		/* of struct span, one per cell of the row */
	gsize cell_start;	/* where the current cell begins in buf */
	guint cell_line;	/* where it begins in the data */
	guint cell_col;
	gboolean cell_long;	/* current cell passed CSV_MAX_CELL */
	gboolean cell_stray;	/* stray quote reported in this cell */
	gboolean row_drop;	/* leave the current row out */
	gboolean row_utf8;	/* bad bytes reported in this row */
};

enum cell_end { CELL_COMMA, CELL_EOL, CELL_EOF, CELL_UNTERMINATED };

static void
error_at(struct parser *ps, guint line, guint col, const char *what)
{
	diag_add(ps->d, DIAG_ERROR, ps->file, (int)line, (int)col, "%s", what);
}

static void
append(struct parser *ps, const char *s, gsize n)
{
	if (ps->cell_long)
		return;
	if (ps->buf->len - ps->cell_start + n > CSV_MAX_CELL) {
		diag_add(ps->d, DIAG_ERROR, ps->file, (int)ps->cell_line,
		    (int)ps->cell_col, "cell longer than %d bytes",
		    CSV_MAX_CELL);
		ps->cell_long = TRUE;
		ps->row_drop = TRUE;
		return;
	}
	g_string_append_len(ps->buf, s, (gssize)n);
}

/* Consume one line break (CRLF, LF or lone CR) at p. */
static void
newline(struct parser *ps)
{
	if (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
		ps->p++;
	ps->p++;
	ps->line++;
	ps->col = 1;
}

/* Copy one non-ASCII or NUL character, replacing it when it is bad. */
static void
append_special(struct parser *ps)
{
	gunichar u = (gunichar)-1;
	gsize n = 1;

	if (*ps->p != '\0')
		u = g_utf8_get_char_validated(ps->p, ps->end - ps->p);
	if (u != (gunichar)-1 && u != (gunichar)-2) {
		n = (gsize)(g_utf8_next_char(ps->p) - ps->p);
		append(ps, ps->p, n);
	} else {
		if (!ps->row_utf8)
			error_at(ps, ps->line, ps->col, *ps->p == '\0' ?
			    "NUL byte (replaced with U+FFFD)" :
			    "invalid UTF-8 (replaced with U+FFFD)");
		ps->row_utf8 = TRUE;
		append(ps, UTF8_REPLACEMENT, 3);
	}
	ps->p += n;
	ps->col++;
}

/*
 * Copy the run of plain ASCII at p into the cell, stopping at anything
 * the caller must look at: quote, line break, NUL, non-ASCII, and a comma
 * when not quoted. Returns FALSE at the end of the data.
 */
static gboolean
append_run(struct parser *ps, gboolean quoted)
{
	const char *s = ps->p;
	unsigned char c;

	while (ps->p < ps->end) {
		c = (unsigned char)*ps->p;
		if (c == '"' || c == '\n' || c == '\r' || c == '\0' ||
		    c >= 0x80 || (c == ',' && !quoted))
			break;
		ps->p++;
	}
	append(ps, s, (gsize)(ps->p - s));
	ps->col += (guint)(ps->p - s);
	return ps->p < ps->end;
}

static void
skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t')) {
		ps->p++;
		ps->col++;
	}
}

/* The body of a quoted cell, after its opening quote. */
static enum cell_end
quoted_cell(struct parser *ps, guint qline, guint qcol)
{
	for (;;) {
		if (!append_run(ps, TRUE)) {
			error_at(ps, qline, qcol, "unterminated quoted field");
			return CELL_UNTERMINATED;
		}
		switch (*ps->p) {
		case '"':
			if (ps->p + 1 < ps->end && ps->p[1] == '"') {
				append(ps, "\"", 1);
				ps->p += 2;
				ps->col += 2;
				break;
			}
			ps->p++;
			ps->col++;
			return CELL_COMMA;	/* closed: caller reads on */
		case '\r':
		case '\n':
			append(ps, "\n", 1);
			newline(ps);
			break;
		default:
			append_special(ps);
			break;
		}
	}
}

/* An unquoted cell, or what follows a closing quote. */
static enum cell_end
plain_cell(struct parser *ps)
{
	for (;;) {
		if (!append_run(ps, FALSE))
			return CELL_EOF;
		switch (*ps->p) {
		case ',':
			ps->p++;
			ps->col++;
			return CELL_COMMA;
		case '\r':
		case '\n':
			newline(ps);
			return CELL_EOL;
		case '"':
			if (!ps->cell_stray)
				error_at(ps, ps->line, ps->col,
				    "stray quote in unquoted field");
			ps->cell_stray = TRUE;
			append(ps, "\"", 1);
			ps->p++;
			ps->col++;
			break;
		default:
			append_special(ps);
			break;
		}
	}
}

/* Read one cell into buf; leading blanks before a quote are allowed. */
static enum cell_end
read_cell(struct parser *ps)
{
	enum cell_end e;
	guint qline, qcol;

	skip_blanks(ps);
	ps->cell_line = ps->line;
	ps->cell_col = ps->col;
	if (ps->p >= ps->end || *ps->p != '"')
		return plain_cell(ps);
	qline = ps->line;
	qcol = ps->col;
	ps->p++;
	ps->col++;
	e = quoted_cell(ps, qline, qcol);
	if (e == CELL_UNTERMINATED)
		return e;
	skip_blanks(ps);
	if (ps->p >= ps->end)
		return CELL_EOF;
	if (*ps->p != ',' && *ps->p != '\r' && *ps->p != '\n') {
		error_at(ps, ps->line, ps->col,
		    "unexpected text after closing quote");
		ps->cell_stray = TRUE;
	}
	return plain_cell(ps);
}

/* Trim the cell just read and close it with a NUL. */
static void
end_cell(struct parser *ps)
{
	struct span sp;
	const char *s = ps->buf->str;
	gsize a = ps->cell_start, b = ps->buf->len;

	while (a < b && g_ascii_isspace(s[a]))
		a++;
	while (b > a && g_ascii_isspace(s[b - 1]))
		b--;
	sp.off = a;
	sp.len = b - a;
	g_array_append_val(ps->spans, sp);
	g_string_append_c(ps->buf, '\0');
	ps->cell_start = ps->buf->len;
	ps->cell_long = FALSE;
	ps->cell_stray = FALSE;
}

/* Copy the row in buf into one block: struct, cell pointers, text. */
static struct csv_row *
build_row(struct parser *ps, guint line)
{
	guint n = ps->spans->len;
	gsize text = 0, head;
	struct csv_row *r;
	char *t;

	for (guint i = 0; i < n; i++)
		text += g_array_index(ps->spans, struct span, i).len + 1;
	head = sizeof(*r) + (n + 1) * sizeof(char *);
	r = g_malloc(head + text);
	r->cells = (char **)(void *)((char *)r + sizeof(*r));
	r->ncells = n;
	r->line = line;
	t = (char *)r + head;
	for (guint i = 0; i < n; i++) {
		struct span *sp = &g_array_index(ps->spans, struct span, i);

		memcpy(t, ps->buf->str + sp->off, sp->len);
		t[sp->len] = '\0';
		r->cells[i] = t;
		t += sp->len + 1;
	}
	r->cells[n] = NULL;
	return r;
}

/*
 * Read one row. Returns NULL at the end of the data; *skip is set when
 * the row is blank or dropped and the caller should read on.
 */
static struct csv_row *
read_row(struct parser *ps, gboolean *skip)
{
	enum cell_end e;
	guint line = ps->line;

	*skip = FALSE;
	if (ps->p >= ps->end)
		return NULL;
	g_string_truncate(ps->buf, 0);
	g_array_set_size(ps->spans, 0);
	ps->cell_start = 0;
	ps->row_drop = ps->row_utf8 = FALSE;
	do {
		e = read_cell(ps);
		end_cell(ps);
	} while (e == CELL_COMMA);
	if (e == CELL_UNTERMINATED)
		ps->row_drop = TRUE;
	/* A line of nothing but white space is blank, not one empty cell. */
	if (ps->row_drop || (ps->spans->len == 1 &&
	    g_array_index(ps->spans, struct span, 0).len == 0)) {
		*skip = TRUE;
		return NULL;
	}
	return build_row(ps, line);
}

/* Header names are matched case-insensitively, so "Email" repeats "email". */
static void
check_header(struct parser *ps, const struct csv_row *r, guint i)
{
	for (guint j = 0; j < i; j++)
		if (g_ascii_strcasecmp(r->cells[j], r->cells[i]) == 0) {
			diag_add(ps->d, DIAG_WARNING, ps->file, (int)r->line,
			    (int)i + 1, "duplicate column '%s' (the first one "
			    "is used)", r->cells[i]);
			return;
		}
}

static void
take_header(struct csv *c, struct parser *ps, const struct csv_row *r)
{
	c->ncols = r->ncells;
	c->header = g_new(char *, r->ncells + 1);
	for (guint i = 0; i < r->ncells; i++) {
		c->header[i] = g_strdup(r->cells[i]);
		check_header(ps, r, i);
	}
	c->header[r->ncells] = NULL;
}

struct csv *
csv_parse(const char *data, gsize len, const char *file, struct diag *d)
{
	struct csv *c = g_new0(struct csv, 1);
	struct parser ps = { .file = file, .d = d, .line = 1, .col = 1 };
	struct csv_row *r;
	gboolean skip;

	if (data == NULL)	/* an empty buffer may come without one */
		data = "";
	ps.p = data;
	ps.end = data + len;
	c->rows = g_ptr_array_new_with_free_func(g_free);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	ps.buf = g_string_sized_new(256);
	ps.spans = g_array_new(FALSE, FALSE, sizeof(struct span));
	for (;;) {
		r = read_row(&ps, &skip);
		if (skip)
			continue;
		if (r == NULL)
			break;
		if (c->header == NULL) {
			take_header(c, &ps, r);
			g_free(r);
			continue;
		}
		if (c->rows->len >= CSV_MAX_ROWS) {
			diag_add(d, DIAG_ERROR, file, (int)r->line, 0,
			    "more than %d rows", CSV_MAX_ROWS);
			g_free(r);
			break;
		}
		g_ptr_array_add(c->rows, r);
	}
	if (c->header == NULL)
		c->header = g_new0(char *, 1);
	g_array_free(ps.spans, TRUE);
	g_string_free(ps.buf, TRUE);
	return c;
}

/* The errno behind a GFileError, for a plain strerror() text. */
static const char *
file_error_text(const GError *err)
{
	static const int errnos[] = { ENOENT, EACCES, EISDIR, ENOTDIR,
	    ENAMETOOLONG, ELOOP, EPERM, EIO, ENOMEM, EMFILE, ENFILE, ENXIO,
	    ENODEV, EFAULT, EINVAL, EBADF, EAGAIN, EINTR };

	if (err->domain == G_FILE_ERROR)
		for (gsize i = 0; i < G_N_ELEMENTS(errnos); i++)
			if (g_file_error_from_errno(errnos[i]) ==
			    (GFileError)err->code)
				return g_strerror(errnos[i]);
	return err->message;
}

struct csv *
csv_load(const char *path, struct diag *d)
{
	GError *err = NULL;
	struct csv *c;
	char *data;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read %s: %s", path,
		    file_error_text(err));
		g_error_free(err);
		return NULL;
	}
	c = csv_parse(data, len, path, d);
	g_free(data);
	return c;
}

void
csv_free(struct csv *c)
{
	if (c == NULL)
		return;
	g_strfreev(c->header);
	g_ptr_array_free(c->rows, TRUE);
	g_free(c);
}

int
csv_column(const struct csv *c, const char *name)
{
	const char *e;
	gsize n;

	while (g_ascii_isspace(*name))
		name++;
	n = strlen(name);
	for (e = name + n; e > name && g_ascii_isspace(e[-1]); e--)
		n--;
	for (guint i = 0; i < c->ncols; i++)
		if (g_ascii_strncasecmp(c->header[i], name, n) == 0 &&
		    c->header[i][n] == '\0')
			return (int)i;
	return -1;
}

const char *
csv_cell(const struct csv_row *r, int col)
{
	if (col < 0 || (guint)col >= r->ncells)
		return NULL;
	return r->cells[col];
}
