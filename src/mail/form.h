/*
 * form.h: web-form notifications. Label/value pairs from plain text
 * (`Label: value` lines, label line then value lines), and the mapping
 * from a label to the lead field it fills (spec section 6). HTML layouts
 * are read by html.h, which returns the same pairs.
 */
#ifndef LR_FORM_H
#define LR_FORM_H

#include <glib.h>

#define FORM_MAX_PAIRS	200	/* pairs read from one message */
#define FORM_MAX_LABEL	80	/* a longer "label" is prose, not a label */
#define FORM_MAX_VALUE	16384	/* bytes kept of one value */
#define FORM_MAX_LABEL_WORDS 8	/* a label of more words is a sentence */
#define FORM_STRONG_QUALIFIED 4	/* words of a label above its value that
				 * holds a field's ("Phone (optional)") */

struct form_pair {
	char *label;		/* owned, as written, trimmed, no trailing ':' */
	char *value;		/* owned, trimmed; may be "" */
};

enum form_field {
	FF_NONE = 0,
	FF_EMAIL, FF_NAME, FF_FIRST_NAME, FF_LAST_NAME, FF_COMPANY, FF_PHONE,
	FF_WEBSITE, FF_COUNTRY, FF_EMPLOYEES, FF_BUDGET, FF_MESSAGE
};

struct form_pair *form_pair_new(const char *label, const char *value);
void form_pair_free(gpointer p);

/* Pairs found in UTF-8 text, at most max; caller owns the array (its
 * free function frees the pairs). */
GPtrArray *form_pairs_from_text(const char *text, guint max);

/* Label compared as the spec says: case-insensitive, trimmed, without a
 * required-field '*' or a trailing ':' or '?'. Caller owns the result. */
char *form_label_key(const char *label);
/*
 * The lead field a label fills, or FF_NONE: one of the field's labels,
 * else (v2, *qualified set when qualified is not NULL) a label holding
 * one field's labels as whole words ("Your work email address").
 */
enum form_field form_field_of_label(const char *label, gboolean *qualified);

#endif
