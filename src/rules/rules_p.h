/*
 * rules_p.h: private to rules_lex.c, rules_parse.c and rules_check.c:
 * the tokens of the rules language and the passes over a rule set.
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

/* Resolve names (owners, teams, lists, accounts), then check the whole
 * set for spec 4.7's errors and warnings. */
void rules_check(struct ruleset *rs, struct diag *d);

#endif
