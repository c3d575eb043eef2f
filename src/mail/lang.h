/*
 * lang.h: the language a text is written in (spec section 6, v2,
 * `language`), guessed by libexttextcat's n-gram fingerprints (Debian's
 * libexttextcat-data) among the languages of LANG_CODES. Short texts are
 * left unguessed, as are texts two languages fit equally well: a guess
 * is given only when it is a confident one (docs/language.md has the
 * measured accuracy by text length).
 */
#ifndef LR_LANG_H
#define LR_LANG_H

#include <glib.h>

#define LANG_MIN_LETTERS	15	/* fewer letters: no guess */
#define LANG_MAX_BYTES		1024	/* bytes of a text looked at */
#define LANG_LEAD_LETTERS	60	/* from this many letters, the best of
					 * close languages counts when it leads
					 * the next by LANG_LEAD_PERCENT */
#define LANG_LEAD_PERCENT	2

/* The ISO 639-1 code of text's language (static), or NULL: too short,
 * not confident, or no fingerprints installed. Thread-safe. */
const char *lang_detect(const char *text);

/* The guess without the minimum length, and (letters not NULL) how many
 * letters were looked at: what lang_detect() decides on, for measuring. */
const char *lang_classify(const char *text, guint *letters);

/* Can lang_detect() guess at all (the fingerprints were read)? */
gboolean lang_available(void);

#endif
