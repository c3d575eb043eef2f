/*
 * diag.h: collects problems found in configuration, rules and reference
 * data as "FILE:LINE:COL: error|warning: text", so that one pass reports
 * all of them. The collector owns every message added to it.
 */
#ifndef LR_DIAG_H
#define LR_DIAG_H

#include <stdio.h>
#include <glib.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag;

struct diag *diag_new(void);
void diag_free(struct diag *d);

/* Add one problem; line or col 0 leaves that part out of the text. */
void diag_add(struct diag *d, enum diag_level level, const char *file,
    int line, int col, const char *fmt, ...) G_GNUC_PRINTF(6, 7);

guint diag_errors(const struct diag *d);
guint diag_warnings(const struct diag *d);
guint diag_count(const struct diag *d);
/* The i-th formatted message, in the order added (borrowed). */
const char *diag_get(const struct diag *d, guint i);
/* Print every message, one a line, errors and warnings in file order. */
void diag_print(const struct diag *d, FILE *fp);

/* The edit distance of a and b (short strings: names, keys). */
guint diag_distance(const char *a, const char *b);
/* The word of known (lowercase, NULL-terminated) that word is a typo of:
 * at most two edits away, upper and lower case alike; NULL if none. For
 * "did you mean ...?" */
const char *diag_nearest(const char *word, const char *const *known);

#endif
