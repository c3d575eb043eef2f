/*
 * rules_expr.c: the expressions of the rules language (spec section 4.5),
 * parsed into expr.h's trees for ignore filters and classes: tests on a
 * lead's fields joined by not, and, or and parentheses, nesting and
 * length capped. Regular expressions are compiled here, once, with
 * Unicode properties. Part of the parser (rules_p.h): an error ends the
 * statement it is in.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "country.h"
#include "leadfield.h"
#include "rules_p.h"

static struct expr *parse_or(struct parser *p);

/* Two lowercase letters, as language holds them. */
static gboolean
language_code(const char *s)
{
	return g_ascii_islower(s[0]) && g_ascii_islower(s[1]) && s[2] == '\0';
}

/* "form.\"Label\"", "form.Label", "header.\"X-Spam-Flag\"", "country" */
static gboolean
parse_field(struct parser *p, enum lead_field *f, char **arg)
{
	struct token *t = rules_peek(p);
	const char *dot;

	*arg = NULL;
	if (t->type != T_WORD) {
		rules_expected(p, t, "a field name");
		return FALSE;
	}
	dot = strchr(t->text, '.');
	if (dot != NULL && (strncmp(t->text, "form.", 5) == 0 ||
	    strncmp(t->text, "header.", 7) == 0)) {
		*f = t->text[0] == 'f' ? LF_FORM : LF_HEADER;
		rules_next(p);
		if (dot[1] != '\0')
			*arg = g_strdup(dot + 1);
		else if (rules_peek(p)->type == T_STRING &&
		    !rules_peek(p)->spaced)
			*arg = g_strdup(rules_next(p)->text);
		else {
			rules_expected(p, rules_peek(p), *f == LF_FORM ?
			    "a form label, as form.\"Label\"" :
			    "a header name, as header.\"Name\"");
			return FALSE;
		}
		return TRUE;
	}
	if (!lead_field_lookup(t->text, f) || *f == LF_FORM ||
	    *f == LF_HEADER) {
		if (strcmp(t->text, "form") == 0 ||
		    strcmp(t->text, "header") == 0)
			rules_error(p, t, "%s needs a name: %s.\"Name\"",
			    t->text, t->text);
		else
			rules_error(p, t, "unknown field '%s'", t->text);
		return FALSE;
	}
	rules_next(p);
	return TRUE;
}

/* A number operand: digits with an optional fraction and k or m. */
static gboolean
parse_number(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = g_ascii_strtod(s, &end);
	if (end == s || errno != 0)
		return FALSE;
	if (*end == 'k' || *end == 'K') {
		v *= 1000;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v *= 1000000;
		end++;
	}
	*out = v;
	return *end == '\0';
}

static void
compile_regex(struct parser *p, struct expr *e, const struct token *t)
{
	GError *err = NULL;

	if (!expr_compile(e, t->text, strchr(t->flags, 'i') != NULL,
	    strchr(t->flags, 'm') != NULL, &err)) {
		rules_error(p, t, "invalid regular expression: %s",
		    err->message);
		g_error_free(err);
	}
}

static struct expr *
parse_test(struct parser *p)
{
	struct token *t = rules_peek(p), *op;
	struct expr *e;
	enum lead_field f;
	char *arg;

	if (rules_is_word(t, "auto") || rules_is_word(t, "spam")) {
		rules_next(p);
		return expr_new(t->text[0] == 'a' ? EX_AUTO : EX_SPAM,
		    t->line, t->col);
	}
	if (rules_is_word(t, "exists")) {
		rules_next(p);
		if (!parse_field(p, &f, &arg))
			return NULL;
		e = expr_new(EX_EXISTS, t->line, t->col);
		e->field = f;
		e->arg = arg;
		return e;
	}
	if (!parse_field(p, &f, &arg))
		return NULL;
	op = rules_next(p);
	e = expr_new(EX_EQ, t->line, t->col);
	e->field = f;
	e->arg = arg;
	switch (op->type) {
	case T_TILDE:
		e->op = EX_MATCH;
		if (rules_peek(p)->type != T_REGEX) {
			rules_expected(p, rules_peek(p),
			    "a regular expression /.../");
			break;
		}
		compile_regex(p, e, rules_next(p));
		break;
	case T_EQ:
	case T_NE: {
		const struct token *n = rules_peek(p);
		const char *v;

		e->op = op->type == T_EQ ? EX_EQ : EX_NE;
		if (f == LF_COUNTRY && (n->type == T_WORD ||
		    n->type == T_STRING) && !country_is_iso(n->text))
			rules_warn(p, n, "'%s' is not an ISO 3166-1 alpha-2 "
			    "country code", n->text);
		/* language holds "de", never "German" nor "de-AT" */
		if (f == LF_LANGUAGE && (n->type == T_WORD ||
		    n->type == T_STRING) && !language_code(n->text))
			rules_warn(p, n, "'%s' is not an ISO 639-1 language code "
			    "(language holds codes such as de, fr, en)",
			    n->text);
		if ((v = rules_string_or_word(p, "a value")) != NULL)
			e->str = expr_fold(v);
		break;
	}
	case T_LT: case T_LE: case T_GT: case T_GE: {
		struct token *n = rules_peek(p);

		e->op = op->type == T_LT ? EX_LT : op->type == T_LE ? EX_LE :
		    op->type == T_GT ? EX_GT : EX_GE;
		if (n->type != T_WORD || !parse_number(n->text, &e->num)) {
			rules_expected(p, n, "a number");
			break;
		}
		rules_next(p);
		break;
	}
	case T_WORD:
		if (strcmp(op->text, "in") == 0) {
			struct token *n = rules_peek(p);

			if (n->type == T_LBRACK) {
				rules_next(p);
				e->op = EX_IN_ITEMS;
				e->items = rules_bracket_items(p, "the list",
				    f == LF_COUNTRY);
			} else if (rules_is_word(n, "accounts")) {
				rules_next(p);
				e->op = EX_IN_ACCOUNTS;
			} else if (n->type == T_WORD) {
				rules_next(p);
				e->op = EX_IN_LIST;
				e->name = g_strdup(n->text);
			} else
				rules_expected(p, n,
				    "'[', a list name or accounts");
			break;
		}
		if (strcmp(op->text, "contains") == 0) {
			const char *v;

			e->op = EX_CONTAINS;
			if ((v = rules_string_or_word(p, "a value")) != NULL)
				e->str = expr_fold(v);
			break;
		}
		/* FALLTHROUGH */
	default:
		rules_expected(p, op, "~, =, !=, <, <=, >, >=, in or contains");
		break;
	}
	if (p->bad) {
		expr_free(e);
		return NULL;
	}
	return e;
}

static struct expr *
parse_primary(struct parser *p)
{
	struct token *t = rules_peek(p);
	struct expr *e;

	if (++p->depth > RULES_MAX_DEPTH) {
		rules_error(p, t, "expression nested too deeply");
		return NULL;
	}
	if (rules_is_word(t, "not")) {
		struct expr *a;

		rules_next(p);
		if ((a = parse_primary(p)) == NULL)
			return NULL;
		e = expr_new(EX_NOT, t->line, t->col);
		e->a = a;
		p->depth--;
		return e;
	}
	if (t->type == T_LPAREN) {
		rules_next(p);
		if ((e = parse_or(p)) == NULL)
			return NULL;
		if (rules_peek(p)->type != T_RPAREN) {
			char *found = rules_describe(rules_peek(p));

			rules_error(p, rules_peek(p), "expected ')' to close "
			    "the '(' at %d:%d, found %s", t->line, t->col,
			    found);
			g_free(found);
			expr_free(e);
			return NULL;
		}
		rules_next(p);
		p->depth--;
		return e;
	}
	e = parse_test(p);
	p->depth--;
	return e;
}

static struct expr *
parse_binary(struct parser *p, const char *word, enum expr_op op,
    struct expr *(*operand)(struct parser *))
{
	struct expr *a = operand(p), *b, *e;

	while (a != NULL && rules_is_word(rules_peek(p), word)) {
		struct token *t = rules_next(p);

		if (++p->operators > RULES_MAX_OPERATORS) {
			rules_error(p, t, "expression too long (more than %d "
			    "and/or)", RULES_MAX_OPERATORS);
			expr_free(a);
			return NULL;
		}
		if ((b = operand(p)) == NULL) {
			expr_free(a);
			return NULL;
		}
		e = expr_new(op, t->line, t->col);
		e->a = a;
		e->b = b;
		a = e;
	}
	return a;
}

static struct expr *
parse_and(struct parser *p)
{
	return parse_binary(p, "and", EX_AND, parse_primary);
}

static struct expr *
parse_or(struct parser *p)
{
	return parse_binary(p, "or", EX_OR, parse_and);
}

struct expr *
rules_expression(struct parser *p)
{
	struct expr *e;

	p->depth = 0;
	p->operators = 0;
	if (rules_peek(p)->type == T_EOS) {
		rules_expected(p, rules_peek(p), "a condition");
		return NULL;
	}
	e = parse_or(p);
	return e;
}
