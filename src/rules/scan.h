/*
 * scan.h: the rule set's patterns matched in one pass (issue 19). Every
 * regular expression (`~`) and every ASCII `contains` needle of the rules
 * that tests a simple field (subject, body, text, ...) goes into one
 * Vectorscan database per field; a lead's field is scanned once, and the
 * scan says which tests certainly fail there. The rest is decided as
 * before (expr.c: PCRE2 through GRegex, strcasestr), so the answers, their
 * evidence and their faults are those of the tests themselves: the scan
 * only spares the tests that cannot match. A pattern Vectorscan cannot
 * express exactly (\b in Unicode mode, look-arounds) is compiled in its
 * prefilter mode, which may say "maybe" but never "no" where the pattern
 * matches; one it cannot take at all is always tested.
 *
 * The database is built once with the rule set and then only read; a
 * lead's scan is one caller's (it owns its scratch space).
 */
#ifndef LR_SCAN_H
#define LR_SCAN_H

#include <glib.h>

#include "leadfield.h"

struct lead;
struct scan_db;
struct scan;

struct scan_db *scan_db_new(void);
/*
 * Add a test of simple field f (below LF_FORM): a regular expression as
 * the rules wrote it (UTF-8, Unicode properties, the i and m flags), or
 * an ASCII needle searched for with ASCII letters in either case. The
 * test's id, or -1 when it cannot be scanned (it is then always tested).
 */
int scan_db_add_regex(struct scan_db *db, enum lead_field f,
    const char *pattern, gboolean caseless, gboolean multiline);
int scan_db_add_needle(struct scan_db *db, enum lead_field f,
    const char *needle);
/* Compile what was added; afterwards the database is only read. A test
 * that spoils its field's database is left out (always tested); when
 * Vectorscan cannot run here at all, every test is tested. */
void scan_db_compile(struct scan_db *db);
void scan_db_free(struct scan_db *db);
/* Tests scanned, of those added (for explain's and the tests' sake). */
guint scan_db_scanned(const struct scan_db *db);

/* A lead's scan; fields are scanned at their first question. db may be
 * NULL (every answer is then "maybe"). */
struct scan *scan_new(const struct scan_db *db, const struct lead *l);
void scan_free(struct scan *s);

/*
 * Can test id of field f hold for the lead? FALSE: it certainly does not
 * for the field's value (a needle: it is not in it, ASCII letters in
 * either case; expr.c may still find it in the folded value); TRUE:
 * test it (also for id -1, a NULL scan or a field not scanned).
 */
gboolean scan_maybe(struct scan *s, enum lead_field f, int id);

#endif
