/*
 * rules_p.h: private to rules_lex.c, rules_parse.c, rules_expr.c and
 * rules_check.c: the tokens of the rules language, the parser's state and
 * helpers, and the passes over a rule set.
 */
#ifndef LR_RULES_P_H
#define LR_RULES_P_H

#include <glib.h>

#include "diag.h"
#include "rules.h"

#define RULES_MAX_BYTES		(16 * 1024 * 1024)
#define RULES_MAX_TOKENS	1000000
#define RULES_MAX_DEPTH		200	/* nesting of ( and not */
#define RULES_MAX_OPERATORS	10000	/* and/or in one expression */
#define LIST_MAX_ITEMS		1000000

enum tok {
	T_EOS,			/* end of a statement */
	T_WORD, T_STRING, T_REGEX,
	T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN,
	T_EQ, T_NE, T_TILDE, T_LT, T_LE, T_GT, T_GE, T_ARROW, T_STAR
};

struct token {
	enum tok type;
	char *text;		/* owned: word, unescaped string, regex source */
	char *flags;		/* owned: regex flags as written */
	int line, col;
	gsize start, end;	/* byte offsets in the source */
	gboolean spaced;	/* white space before it */
};

/*
 * Split src into tokens, statements ended by T_EOS (a line that starts in
 * column 1 begins a new statement). Lexical errors go to d; the bad
 * character is skipped. Returns a GArray of struct token.
 */
GArray *rules_lex(const char *src, gsize len, const char *file,
    struct diag *d);
void rules_tokens_free(GArray *toks);
const char *rules_tok_name(enum tok t);

/* The parser's state over one file's tokens (rules_parse.c, rules_expr.c). */
struct parser {
	GArray *toks;
	guint i;		/* current token */
	const char *src;
	const char *file;
	struct diag *d;
	struct ruleset *rs;
	int depth;
	int operators;		/* and/or in the current expression */
	gboolean bad;		/* the current statement has an error */
	gboolean sticky_seen;	/* a sticky statement was read */
};

/* The current token (T_EOS past the end); rules_next() also moves on. */
struct token *rules_peek(struct parser *p);
struct token *rules_next(struct parser *p);
gboolean rules_is_word(const struct token *t, const char *w);
/* An error at t (the statement's first only: it ends the statement);
 * at the end of a statement, just after its last token. */
void rules_error(struct parser *p, const struct token *t, const char *fmt,
    ...) G_GNUC_PRINTF(3, 4);
void rules_warn(struct parser *p, const struct token *t, const char *fmt,
    ...) G_GNUC_PRINTF(3, 4);
/* What t is, for "expected X, found Y" messages. Caller frees. */
char *rules_describe(const struct token *t);
/* The error "expected what, found <t>". */
void rules_expected(struct parser *p, const struct token *t,
    const char *what);
/* A string, or a plain word where one reads naturally; NULL (and an
 * error) otherwise. Borrowed from the token. */
const char *rules_string_or_word(struct parser *p, const char *what);
/* The items of "[a b c]" after its '[' as a set (casefolded item -> item
 * as written), each checked as a country code when countries. */
GHashTable *rules_bracket_items(struct parser *p, const char *what,
    gboolean countries);
/* One expression up to the end of the statement (rules_expr.c); NULL
 * after an error. */
struct expr *rules_expression(struct parser *p);

/* Resolve names (owners, teams, lists, accounts), then check the whole
 * set for spec 4.7's errors and warnings. */
void rules_check(struct ruleset *rs, struct diag *d);

#endif
