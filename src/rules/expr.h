/*
 * expr.h: the expressions of the rules language (spec section 4.5): the
 * tree the parser builds and its evaluation against a lead. Evaluation
 * reads only the lead and the tree, so a checked rule set can be shared
 * freely. Every test that made the expression true leaves a few words of
 * evidence ("matched 'strategy'", "country DE") for explain.
 */
#ifndef LR_EXPR_H
#define LR_EXPR_H

#include <glib.h>

#include "leadfield.h"

struct lead;
struct scan;
struct scan_db;

enum expr_op {
	EX_OR, EX_AND, EX_NOT,
	EX_MATCH,		/* FIELD ~ /re/ */
	EX_EQ, EX_NE,		/* FIELD = word, case-insensitive */
	EX_LT, EX_LE, EX_GT, EX_GE,
	EX_IN_ITEMS,		/* FIELD in [a b c] */
	EX_IN_LIST,		/* FIELD in NAME */
	EX_IN_ACCOUNTS,		/* FIELD in accounts */
	EX_CONTAINS,
	EX_EXISTS,
	EX_AUTO, EX_SPAM
};

struct expr {
	enum expr_op op;
	struct expr *a, *b;	/* owned: operands of or/and/not */
	enum lead_field field;
	char *arg;		/* owned: the label of form."..." / header."..." */
	char *str;		/* owned: casefolded operand of = != contains */
	double num;		/* operand of < <= > >= */
	GRegex *re;		/* owned: Unicode text (UTF-8, (*UCP)) */
	GRegex *re_ascii;	/* owned: the same for ASCII-only text, byte
				 * mode; NULL when the pattern needs Unicode */
	char *pattern;		/* owned: the regular expression as written */
	gboolean caseless, multiline;	/* its i and m flags */
	int scan_id;		/* the test in the rule set's scan database
				 * (scan.h); -1: not in it */
	GHashTable *items;	/* owned (EX_IN_ITEMS): casefolded item -> itself */
	char *name;		/* owned: list name (EX_IN_LIST) */
	GHashTable *set;	/* borrowed: the list (EX_IN_LIST) or the
				 * accounts table (EX_IN_ACCOUNTS), set when the
				 * rule set is resolved; keys casefolded */
	int line, col;		/* where the test starts */
};

struct expr *expr_new(enum expr_op op, int line, int col);
/*
 * Compile e's regular expression (EX_MATCH) once, in both its forms.
 * FALSE with *err set when it is invalid.
 */
gboolean expr_compile(struct expr *e, const char *pattern, gboolean caseless,
    gboolean multiline, GError **err);
void expr_free(struct expr *e);

/* The first test that could not be evaluated (a regular expression past
 * PCRE's match or depth limit): where it is written, and why. */
struct expr_fault {
	int line, col;
	char *why;		/* owned; NULL: none */
};

/* Put e's regular expressions and ASCII needles on simple fields into
 * db (scan.h), each test noting its id there. */
void expr_scan_add(struct expr *e, struct scan_db *db);

/*
 * Evaluate e for l. scan, l's scan of the rule set's database (NULL:
 * none), spares the tests it proves false. When evidence is not NULL, a short text for each
 * test that made e true is appended to it (char *, owned by the array).
 * A test that cannot be evaluated counts as false and, when fault is not
 * NULL and holds none yet, is recorded there: the caller must not trust
 * the answer (`not` would turn it into a match).
 */
gboolean expr_eval(const struct expr *e, const struct lead *l,
    struct scan *scan, GPtrArray *evidence, struct expr_fault *fault);
void expr_fault_clear(struct expr_fault *f);

/* Look a domain up in a casefolded domain set: the domain itself, then
 * each parent domain ("uk.acme.com" -> "acme.com"), never a bare TLD.
 * Returns the value stored for the key that matched, or NULL. */
gpointer expr_domain_lookup(GHashTable *set, const char *domain);

/* Casefold s for comparisons (Unicode-aware, NFKC). Caller owns it. */
char *expr_fold(const char *s);
/* Does the fold of c (case folding, NFKC) hold an ASCII character? */
gboolean expr_char_folds_to_ascii(gunichar c);
/* Does expr_fold(v) hold the ASCII needle (folded already), for v valid
 * UTF-8? Without folding v whole. */
gboolean expr_folded_contains(const char *v, const char *needle);

#endif
