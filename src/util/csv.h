/*
 * csv.h: RFC 4180 CSV reader for the reference data (owners.csv,
 * accounts.csv): a header row, quoted fields with "" escapes, embedded
 * commas and newlines, a leading UTF-8 BOM, CRLF or LF line ends.
 * The caller owns the returned table; cells are borrowed from it.
 */
#ifndef LR_CSV_H
#define LR_CSV_H

#include <glib.h>

#include "diag.h"

#define CSV_MAX_ROWS	1000000	/* rows beyond this are an error */
#define CSV_MAX_CELL	65536	/* bytes in one cell */

struct csv_row {
	char **cells;		/* owned, ncells entries, never NULL */
	guint ncells;
	guint line;		/* 1-based line the row starts on */
};

struct csv {
	char **header;		/* owned, ncols entries, trimmed */
	guint ncols;
	GPtrArray *rows;	/* of struct csv_row *, owned; blank lines skipped */
};

/*
 * Parse data (len bytes). Problems (unterminated quote, stray quote, too
 * many rows, invalid UTF-8) go to d as errors under the name file; the
 * return value is whatever could be read, never NULL.
 */
struct csv *csv_parse(const char *data, gsize len, const char *file,
    struct diag *d);
/* Read and parse a file; NULL (with an error in d) when it is unreadable. */
struct csv *csv_load(const char *path, struct diag *d);
void csv_free(struct csv *c);

/* Index of the column named name (case-insensitive, trimmed), or -1. */
int csv_column(const struct csv *c, const char *name);
/* The row's cell in column col, trimmed of surrounding white space when
 * read; NULL when col < 0 or the row is short. */
const char *csv_cell(const struct csv_row *r, int col);

#endif
