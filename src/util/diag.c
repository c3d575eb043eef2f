/*
 * diag.c: the problem collector behind `check` and every loader of
 * configuration, rules and reference data.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "diag.h"

struct diag {
	GPtrArray *msgs;	/* of char *, owned */
	guint errors;
	guint warnings;
};

struct diag *
diag_new(void)
{
	struct diag *d = g_new0(struct diag, 1);

	d->msgs = g_ptr_array_new_with_free_func(g_free);
	return d;
}

void
diag_free(struct diag *d)
{
	if (d == NULL)
		return;
	g_ptr_array_free(d->msgs, TRUE);
	g_free(d);
}

void
diag_add(struct diag *d, enum diag_level level, const char *file, int line,
    int col, const char *fmt, ...)
{
	GString *s = g_string_new(NULL);
	va_list ap;

	if (file != NULL)
		g_string_append_printf(s, "%s:", file);
	if (line > 0)
		g_string_append_printf(s, "%d:", line);
	if (line > 0 && col > 0)
		g_string_append_printf(s, "%d:", col);
	if (s->len > 0)
		g_string_append_c(s, ' ');
	g_string_append(s, level == DIAG_ERROR ? "error: " : "warning: ");
	va_start(ap, fmt);
	g_string_append_vprintf(s, fmt, ap);
	va_end(ap);
	g_ptr_array_add(d->msgs, g_string_free(s, FALSE));
	if (level == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

guint
diag_errors(const struct diag *d)
{
	return d->errors;
}

guint
diag_warnings(const struct diag *d)
{
	return d->warnings;
}

guint
diag_count(const struct diag *d)
{
	return d->msgs->len;
}

const char *
diag_get(const struct diag *d, guint i)
{
	return i < d->msgs->len ? g_ptr_array_index(d->msgs, i) : NULL;
}

void
diag_print(const struct diag *d, FILE *fp)
{
	for (guint i = 0; i < d->msgs->len; i++)
		fprintf(fp, "%s\n", (const char *)g_ptr_array_index(d->msgs, i));
}

guint
diag_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	guint *row = g_new(guint, lb + 1), best;

	for (size_t j = 0; j <= lb; j++)
		row[j] = (guint)j;
	for (size_t i = 1; i <= la; i++) {
		guint diag = row[0];

		row[0] = (guint)i;
		for (size_t j = 1; j <= lb; j++) {
			guint up = row[j];

			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1),
			    diag + (a[i - 1] != b[j - 1]));
			diag = up;
		}
	}
	best = row[lb];
	g_free(row);
	return best;
}

const char *
diag_nearest(const char *word, const char *const *known)
{
	const char *near = NULL;
	guint best = 3;		/* at most two edits away */
	char *low = g_ascii_strdown(word, -1);

	for (guint i = 0; known[i] != NULL; i++) {
		guint d = diag_distance(low, known[i]);

		if (d < best && (d == 0 || strlen(known[i]) > 3)) {
			best = d;
			near = known[i];
		}
	}
	g_free(low);
	return near;
}
