/*
 * rules_parse.c: the parser of the rules language (spec section 4). One
 * statement at a time from the lexer's tokens; an error ends only its
 * statement, so one pass reports every problem of a file. Regular
 * expressions are compiled here, once, with Unicode properties.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "country.h"
#include "rules_p.h"

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

static const char *const option_words[] = {
	"rotate", "members", "sla", "escalate", "folder", "notify", NULL
};

static struct token *
peek(struct parser *p)
{
	static struct token eos = { .type = T_EOS };

	/* The lexer always ends with T_EOS; this guards the limits. */
	if (p->i >= p->toks->len)
		return &eos;
	return &g_array_index(p->toks, struct token, p->i);
}

static struct token *
next(struct parser *p)
{
	struct token *t = peek(p);

	if (t->type != T_EOS)
		p->i++;
	return t;
}

static gboolean
is_word(const struct token *t, const char *w)
{
	return t->type == T_WORD && strcmp(t->text, w) == 0;
}

static void
perr(struct parser *p, const struct token *t, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* An error at t; at the end of a statement, just after its last token. */
static void
perr(struct parser *p, const struct token *t, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int line = t->line, col = t->col;

	if (p->bad)
		return;
	p->bad = TRUE;
	if (t->type == T_EOS && p->i > 0) {
		const struct token *prev = t - 1;

		line = prev->line;
		col = prev->col + (int)g_utf8_strlen(p->src + prev->start,
		    prev->end - prev->start);
	}
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	diag_add(p->d, DIAG_ERROR, p->file, line, col, "%s", msg);
	g_free(msg);
}

static void
pwarn(struct parser *p, const struct token *t, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
pwarn(struct parser *p, const struct token *t, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	diag_add(p->d, DIAG_WARNING, p->file, t->line, t->col, "%s", msg);
	g_free(msg);
}

/* What a token is, for "expected X, found Y" messages. */
static char *
describe(const struct token *t)
{
	switch (t->type) {
	case T_EOS:
		return g_strdup("end of line");
	case T_WORD:
		return g_strdup_printf("'%s'", t->text);
	case T_STRING:
		return g_strdup_printf("string \"%s\"", t->text);
	case T_REGEX:
		return g_strdup("a regular expression");
	default:
		return g_strdup(rules_tok_name(t->type));
	}
}

static void
expected(struct parser *p, const struct token *t, const char *what)
{
	char *found = describe(t);

	perr(p, t, "expected %s, found %s", what, found);
	g_free(found);
}

static gboolean
valid_ident(const char *s)
{
	if (!g_ascii_islower(*s))
		return FALSE;
	for (s++; *s != '\0'; s++)
		if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) &&
		    *s != '_' && *s != '-')
			return FALSE;
	return TRUE;
}

/* An identifier token ([a-z][a-z0-9_-]*); NULL (and an error) if not. */
static const char *
ident(struct parser *p, const char *what)
{
	struct token *t = peek(p);

	if (t->type != T_WORD) {
		expected(p, t, what);
		return NULL;
	}
	if (!valid_ident(t->text)) {
		perr(p, t, "invalid %s '%s' (identifiers are lowercase "
		    "letters, digits, '-' and '_', starting with a letter)",
		    what, t->text);
		return NULL;
	}
	next(p);
	return t->text;
}

/* A string, or a plain word where one reads naturally. */
static const char *
string_or_word(struct parser *p, const char *what)
{
	struct token *t = peek(p);

	if (t->type != T_STRING && t->type != T_WORD) {
		expected(p, t, what);
		return NULL;
	}
	next(p);
	return t->text;
}

static char *
resolve_path(const struct parser *p, const char *path)
{
	if (g_path_is_absolute(path) || p->rs->dir == NULL)
		return g_strdup(path);
	return g_build_filename(p->rs->dir, path, NULL);
}

static void
end_of_statement(struct parser *p)
{
	struct token *t = peek(p);

	if (t->type != T_EOS)
		expected(p, t, "end of line");
}

static gint64
duration(struct parser *p)
{
	struct token *t = peek(p);
	gint64 secs;

	if (t->type != T_WORD) {
		expected(p, t, "a duration such as 15m, 4h or 2d");
		return 0;
	}
	secs = rules_duration(t->text);
	if (secs <= 0) {
		perr(p, t, "invalid duration '%s' (write 90s, 15m, 4h or 2d)",
		    t->text);
		return 0;
	}
	next(p);
	return secs;
}

/* --- lists ------------------------------------------------------------ */

/* Add an item, warning about a duplicate. */
static void
list_add(struct parser *p, GHashTable *items, const struct token *t,
    const char *what)
{
	char *key = expr_fold(t->text);

	if (g_hash_table_contains(items, key)) {
		pwarn(p, t, "duplicate item '%s' in %s", t->text, what);
		g_free(key);
		return;
	}
	g_hash_table_insert(items, key, g_strdup(t->text));
}

/* Items up to ']' (the '[' already read); NULL on error. */
static GHashTable *
bracket_items(struct parser *p, const char *what, gboolean countries)
{
	GHashTable *items = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	struct token *t;

	while ((t = peek(p))->type == T_WORD || t->type == T_STRING) {
		if (countries && !country_is_iso(t->text))
			pwarn(p, t, "'%s' is not an ISO 3166-1 alpha-2 country "
			    "code", t->text);
		list_add(p, items, t, what);
		next(p);
	}
	if (t->type != T_RBRACK) {
		expected(p, t, "a list item or ']'");
		g_hash_table_destroy(items);
		return NULL;
	}
	next(p);
	return items;
}

static void
list_free(gpointer v)
{
	struct list *l = v;

	g_free(l->name);
	g_free(l->file);
	if (l->items != NULL)
		g_hash_table_destroy(l->items);
	g_free(l);
}

static void
st_list(struct parser *p)
{
	struct token *nt = peek(p), *t;
	const char *name = ident(p, "list name");
	struct list *l;

	if (name == NULL)
		return;
	if (strcmp(name, "accounts") == 0) {
		perr(p, nt, "'accounts' is the accounts table; name the "
		    "list otherwise");
		return;
	}
	if (g_hash_table_contains(p->rs->lists, name)) {
		const struct list *o = g_hash_table_lookup(p->rs->lists, name);

		perr(p, nt, "list '%s' already declared on line %d", name,
		    o->line);
		return;
	}
	if (peek(p)->type != T_EQ) {
		expected(p, peek(p), "'='");
		return;
	}
	next(p);
	l = g_new0(struct list, 1);
	l->name = g_strdup(name);
	l->line = nt->line;
	l->col = nt->col;
	t = peek(p);
	if (is_word(t, "file")) {
		const char *f;

		next(p);
		if ((f = string_or_word(p, "a file name")) == NULL) {
			list_free(l);
			return;
		}
		l->file = resolve_path(p, f);
	} else if (t->type == T_LBRACK) {
		char *what = g_strdup_printf("list %s", name);

		next(p);
		l->items = bracket_items(p, what, FALSE);
		g_free(what);
		if (l->items == NULL) {
			list_free(l);
			return;
		}
	} else {
		expected(p, t, "'file' or '['");
		list_free(l);
		return;
	}
	end_of_statement(p);
	g_hash_table_insert(p->rs->lists, l->name, l);
}

/* --- destinations ----------------------------------------------------- */

static gboolean
is_option(const struct token *t)
{
	for (guint i = 0; option_words[i] != NULL; i++)
		if (is_word(t, option_words[i]))
			return TRUE;
	return FALSE;
}

static void
ref_free(gpointer v)
{
	struct ref *r = v;

	g_free(r->id);
	g_free(r);
}

/* Read an owner id into r (the owner table is consulted later). */
static void
owner_ref(struct parser *p, struct ref *r)
{
	struct token *t = peek(p);

	if (ident(p, "owner id") == NULL)
		return;
	g_free(r->id);
	r->id = g_strdup(t->text);
	r->line = t->line;
	r->col = t->col;
}

static void
team_free(gpointer v)
{
	struct team *t = v;

	g_free(t->id);
	g_free(t->escalate.id);
	g_ptr_array_free(t->members, TRUE);
	g_ptr_array_free(t->member_refs, TRUE);
	g_free(t);
}

/* Members are kept as written until rules_check reads the owners. */
static void
st_team(struct parser *p)
{
	struct token *nt = peek(p), *t;
	const char *id = ident(p, "team id");
	struct team *tm;

	if (id == NULL)
		return;
	if (g_hash_table_contains(p->rs->teams, id)) {
		const struct team *o = g_hash_table_lookup(p->rs->teams, id);

		perr(p, nt, "team '%s' already declared on line %d", id,
		    o->line);
		return;
	}
	tm = g_new0(struct team, 1);
	tm->id = g_strdup(id);
	tm->line = nt->line;
	tm->col = nt->col;
	tm->members = g_ptr_array_new();
	tm->member_refs = g_ptr_array_new_with_free_func(ref_free);
	while (!p->bad && (t = peek(p))->type != T_EOS) {
		if (is_word(t, "rotate")) {
			next(p);
			t = peek(p);
			if (is_word(t, "round-robin"))
				tm->rotate = ROTATE_ROUND_ROBIN;
			else if (is_word(t, "weighted"))
				tm->rotate = ROTATE_WEIGHTED;
			else if (is_word(t, "least-loaded"))
				tm->rotate = ROTATE_LEAST_LOADED;
			else {
				expected(p, t, "round-robin, weighted or "
				    "least-loaded");
				break;
			}
			next(p);
		} else if (is_word(t, "members")) {
			next(p);
			if (peek(p)->type != T_WORD || is_option(peek(p)))
				expected(p, peek(p), "owner ids");
			while ((t = peek(p))->type == T_WORD && !is_option(t)) {
				struct ref *r = g_new0(struct ref, 1);

				g_ptr_array_add(tm->member_refs, r);
				owner_ref(p, r);
				if (r->id == NULL)
					break;
			}
		} else if (is_word(t, "sla")) {
			next(p);
			tm->sla = duration(p);
		} else if (is_word(t, "escalate")) {
			next(p);
			owner_ref(p, &tm->escalate);
		} else
			expected(p, t, "rotate, members, sla or escalate");
	}
	if (p->bad) {
		team_free(tm);
		return;
	}
	g_hash_table_insert(p->rs->teams, tm->id, tm);
	g_ptr_array_add(p->rs->team_order, tm);
}

static void
st_queue(struct parser *p)
{
	struct token *nt = peek(p), *t;
	const char *id = ident(p, "queue id");
	struct queue *q;

	if (id == NULL)
		return;
	if (g_hash_table_contains(p->rs->queues, id)) {
		const struct queue *o = g_hash_table_lookup(p->rs->queues, id);

		perr(p, nt, "queue '%s' already declared on line %d", id,
		    o->line);
		return;
	}
	q = g_new0(struct queue, 1);
	q->id = g_strdup(id);
	q->line = nt->line;
	q->col = nt->col;
	while (!p->bad && (t = peek(p))->type != T_EOS) {
		if (is_word(t, "folder")) {
			const char *f;

			next(p);
			if ((f = string_or_word(p, "a folder name")) != NULL) {
				g_free(q->folder);
				q->folder = g_strdup(f);
			}
		} else if (is_word(t, "notify")) {
			next(p);
			t = peek(p);
			if (is_word(t, "slack"))
				q->notify = NOTIFY_SLACK;
			else if (is_word(t, "email"))
				q->notify = NOTIFY_EMAIL;
			else if (is_word(t, "none"))
				q->notify = NOTIFY_NONE;
			else {
				expected(p, t, "slack, email or none");
				break;
			}
			next(p);
		} else
			expected(p, t, "folder or notify");
	}
	if (p->bad) {
		g_free(q->id);
		g_free(q->folder);
		g_free(q);
		return;
	}
	g_hash_table_insert(p->rs->queues, q->id, q);
	g_ptr_array_add(p->rs->queue_order, q);
}

/* digest HH:MM | digest off: the daily digest of open review items. */
static void
digest_time(struct parser *p, const struct token *kw)
{
	struct token *t = peek(p);
	guint min;

	p->rs->digest_line = kw->line;
	p->rs->digest_col = kw->col;
	if (is_word(t, "off"))
		p->rs->review_digest = -1;
	else if (t->type == T_WORD && hours_time(t->text, &min))
		p->rs->review_digest = (int)min;
	else {
		expected(p, t, "a time of day such as 08:00, or off");
		return;
	}
	next(p);
}

static void
st_review(struct parser *p)
{
	struct token *t;

	while (!p->bad && (t = peek(p))->type != T_EOS) {
		if (is_word(t, "folder")) {
			const char *f;

			next(p);
			if ((f = string_or_word(p, "a folder name")) != NULL) {
				g_free(p->rs->review_folder);
				p->rs->review_folder = g_strdup(f);
			}
		} else if (is_word(t, "sla")) {
			next(p);
			p->rs->review_sla = duration(p);
		} else if (is_word(t, "escalate")) {
			next(p);
			owner_ref(p, &p->rs->review_escalate);
		} else if (is_word(t, "digest")) {
			next(p);
			digest_time(p, t);
		} else
			expected(p, t, "folder, sla, escalate or digest");
	}
}

/* sticky DURATION | sticky off: how long a lead's owner keeps its
 * address and company (rs->sticky; 0: not at all). */
static void
st_sticky(struct parser *p, const struct token *kw)
{
	struct token *t = peek(p);

	if (p->sticky_seen) {
		perr(p, kw, "sticky declared twice");
		return;
	}
	p->sticky_seen = TRUE;
	if (is_word(t, "off")) {
		next(p);
		p->rs->sticky = 0;
	} else {
		gint64 s = duration(p);

		if (!p->bad)
			p->rs->sticky = s;
	}
	end_of_statement(p);
}

/* --- expressions ------------------------------------------------------ */

static struct expr *parse_or(struct parser *p);

/* "form.\"Label\"", "form.Label", "header.\"X-Spam-Flag\"", "country" */
static gboolean
parse_field(struct parser *p, enum lead_field *f, char **arg)
{
	struct token *t = peek(p);
	const char *dot;

	*arg = NULL;
	if (t->type != T_WORD) {
		expected(p, t, "a field name");
		return FALSE;
	}
	dot = strchr(t->text, '.');
	if (dot != NULL && (strncmp(t->text, "form.", 5) == 0 ||
	    strncmp(t->text, "header.", 7) == 0)) {
		*f = t->text[0] == 'f' ? LF_FORM : LF_HEADER;
		next(p);
		if (dot[1] != '\0')
			*arg = g_strdup(dot + 1);
		else if (peek(p)->type == T_STRING && !peek(p)->spaced)
			*arg = g_strdup(next(p)->text);
		else {
			expected(p, peek(p), *f == LF_FORM ?
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
			perr(p, t, "%s needs a name: %s.\"Name\"", t->text,
			    t->text);
		else
			perr(p, t, "unknown field '%s'", t->text);
		return FALSE;
	}
	next(p);
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
		perr(p, t, "invalid regular expression: %s", err->message);
		g_error_free(err);
	}
}

static struct expr *
parse_test(struct parser *p)
{
	struct token *t = peek(p), *op;
	struct expr *e;
	enum lead_field f;
	char *arg;

	if (is_word(t, "auto") || is_word(t, "spam")) {
		next(p);
		return expr_new(t->text[0] == 'a' ? EX_AUTO : EX_SPAM,
		    t->line, t->col);
	}
	if (is_word(t, "exists")) {
		next(p);
		if (!parse_field(p, &f, &arg))
			return NULL;
		e = expr_new(EX_EXISTS, t->line, t->col);
		e->field = f;
		e->arg = arg;
		return e;
	}
	if (!parse_field(p, &f, &arg))
		return NULL;
	op = next(p);
	e = expr_new(EX_EQ, t->line, t->col);
	e->field = f;
	e->arg = arg;
	switch (op->type) {
	case T_TILDE:
		e->op = EX_MATCH;
		if (peek(p)->type != T_REGEX) {
			expected(p, peek(p), "a regular expression /.../");
			break;
		}
		compile_regex(p, e, next(p));
		break;
	case T_EQ:
	case T_NE: {
		const char *v;

		e->op = op->type == T_EQ ? EX_EQ : EX_NE;
		if (f == LF_COUNTRY && (peek(p)->type == T_WORD ||
		    peek(p)->type == T_STRING) && !country_is_iso(peek(p)->text))
			pwarn(p, peek(p), "'%s' is not an ISO 3166-1 alpha-2 "
			    "country code", peek(p)->text);
		if ((v = string_or_word(p, "a value")) != NULL)
			e->str = expr_fold(v);
		break;
	}
	case T_LT: case T_LE: case T_GT: case T_GE: {
		struct token *n = peek(p);

		e->op = op->type == T_LT ? EX_LT : op->type == T_LE ? EX_LE :
		    op->type == T_GT ? EX_GT : EX_GE;
		if (n->type != T_WORD || !parse_number(n->text, &e->num)) {
			expected(p, n, "a number");
			break;
		}
		next(p);
		break;
	}
	case T_WORD:
		if (strcmp(op->text, "in") == 0) {
			struct token *n = peek(p);

			if (n->type == T_LBRACK) {
				next(p);
				e->op = EX_IN_ITEMS;
				e->items = bracket_items(p, "the list",
				    f == LF_COUNTRY);
			} else if (is_word(n, "accounts")) {
				next(p);
				e->op = EX_IN_ACCOUNTS;
			} else if (n->type == T_WORD) {
				next(p);
				e->op = EX_IN_LIST;
				e->name = g_strdup(n->text);
			} else
				expected(p, n, "'[', a list name or accounts");
			break;
		}
		if (strcmp(op->text, "contains") == 0) {
			const char *v;

			e->op = EX_CONTAINS;
			if ((v = string_or_word(p, "a value")) != NULL)
				e->str = expr_fold(v);
			break;
		}
		/* FALLTHROUGH */
	default:
		expected(p, op, "~, =, !=, <, <=, >, >=, in or contains");
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
	struct token *t = peek(p);
	struct expr *e;

	if (++p->depth > RULES_MAX_DEPTH) {
		perr(p, t, "expression nested too deeply");
		return NULL;
	}
	if (is_word(t, "not")) {
		struct expr *a;

		next(p);
		if ((a = parse_primary(p)) == NULL)
			return NULL;
		e = expr_new(EX_NOT, t->line, t->col);
		e->a = a;
		p->depth--;
		return e;
	}
	if (t->type == T_LPAREN) {
		next(p);
		if ((e = parse_or(p)) == NULL)
			return NULL;
		if (peek(p)->type != T_RPAREN) {
			char *found = describe(peek(p));

			perr(p, peek(p), "expected ')' to close the '(' at "
			    "%d:%d, found %s", t->line, t->col, found);
			g_free(found);
			expr_free(e);
			return NULL;
		}
		next(p);
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

	while (a != NULL && is_word(peek(p), word)) {
		struct token *t = next(p);

		if (++p->operators > RULES_MAX_OPERATORS) {
			perr(p, t, "expression too long (more than %d and/or)",
			    RULES_MAX_OPERATORS);
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

/* The source of tokens [from, to), one space between tokens that had
 * white space (or a comment, or a line break) between them. */
static char *
source_text(const struct parser *p, guint from, guint to)
{
	GString *s = g_string_new(NULL);

	for (guint i = from; i < to; i++) {
		const struct token *t = &g_array_index(p->toks, struct token, i);

		if (i > from && t->spaced)
			g_string_append_c(s, ' ');
		g_string_append_len(s, p->src + t->start, t->end - t->start);
	}
	return g_string_free(s, FALSE);
}

static struct expr *
expression(struct parser *p)
{
	struct expr *e;

	p->depth = 0;
	p->operators = 0;
	if (peek(p)->type == T_EOS) {
		expected(p, peek(p), "a condition");
		return NULL;
	}
	e = parse_or(p);
	return e;
}

/* --- statements ------------------------------------------------------- */

static void
st_ignore(struct parser *p)
{
	struct token *kw = peek(p) - 1;
	struct ignore_rule *ig;
	struct expr *e;
	guint from;

	if (is_word(peek(p), "folder")) {
		const char *f;

		next(p);
		if ((f = string_or_word(p, "a folder name")) != NULL) {
			g_free(p->rs->ignore_folder);
			p->rs->ignore_folder = g_strdup(f);
			end_of_statement(p);
		}
		return;
	}
	if (!is_word(peek(p), "if")) {
		expected(p, peek(p), "'if' or 'folder'");
		return;
	}
	next(p);
	from = p->i;
	if ((e = expression(p)) == NULL)
		return;
	ig = g_new0(struct ignore_rule, 1);
	ig->cond = e;
	ig->line = kw->line;
	ig->reason = source_text(p, from, p->i);
	if (is_word(peek(p), "reason")) {
		const char *r;

		next(p);
		if ((r = string_or_word(p, "a reason")) != NULL) {
			g_free(ig->reason);
			ig->reason = g_strdup(r);
		}
	}
	end_of_statement(p);
	if (p->bad) {
		expr_free(ig->cond);
		g_free(ig->reason);
		g_free(ig);
		return;
	}
	g_ptr_array_add(p->rs->ignores, ig);
}

static struct dimension *
dimension_get(struct parser *p, const char *name, const struct token *t)
{
	struct dimension *dm = g_hash_table_lookup(p->rs->dim_by_name, name);

	if (dm == NULL) {
		dm = g_new0(struct dimension, 1);
		dm->name = g_strdup(name);
		dm->classes = g_ptr_array_new();
		dm->line = t->line;
		dm->col = t->col;
		g_hash_table_insert(p->rs->dim_by_name, dm->name, dm);
		g_ptr_array_add(p->rs->dims, dm);
	}
	return dm;
}

static void
st_dimension(struct parser *p)
{
	struct token *t = peek(p);
	const char *name = ident(p, "dimension name");
	struct dimension *dm;

	if (name == NULL)
		return;
	dm = dimension_get(p, name, t);
	if (is_word(peek(p), "first")) {
		next(p);
		dm->first = TRUE;
	}
	end_of_statement(p);
}

static gboolean
reserved_value(const char *dim, const char *v)
{
	return strcmp(v, "unknown") == 0 || strcmp(v, "ambiguous") == 0 ||
	    (strcmp(dim, "context") == 0 && strcmp(v, "new") == 0);
}

static void
st_class(struct parser *p)
{
	struct token *dt = peek(p), *ct;
	const char *dim = ident(p, "dimension name"), *name;
	struct class_rule *cr;
	struct expr *e;

	if (dim == NULL)
		return;
	ct = peek(p);
	if ((name = ident(p, "class name")) == NULL)
		return;
	if (reserved_value(dim, name)) {
		perr(p, ct, "'%s' is a value leadroute gives; a class cannot "
		    "be named so", name);
		return;
	}
	if (!is_word(peek(p), "if")) {
		expected(p, peek(p), "'if'");
		return;
	}
	next(p);
	if ((e = expression(p)) == NULL)
		return;
	end_of_statement(p);
	if (p->bad) {
		expr_free(e);
		return;
	}
	cr = g_new0(struct class_rule, 1);
	cr->dim = g_strdup(dim);
	cr->name = g_strdup(name);
	cr->cond = e;
	cr->line = dt->line;
	cr->col = ct->col;
	g_ptr_array_add(p->rs->classes, cr);
	g_ptr_array_add(dimension_get(p, dim, dt)->classes, cr);
}

static void
cond_free(gpointer v)
{
	struct cond *c = v;

	g_free(c->dim);
	g_free(c->value);
	g_free(c);
}

static void
route_free(gpointer v)
{
	struct route *r = v;

	g_ptr_array_free(r->conds, TRUE);
	g_free(r->dest.id);
	g_free(r->reason);
	g_free(r);
}

static gboolean
parse_dest(struct parser *p, struct dest *dst)
{
	struct token *t = peek(p);

	dst->line = t->line;
	dst->col = t->col;
	if (is_word(t, "owner") || is_word(t, "team") || is_word(t, "queue")) {
		const char *id;

		dst->kind = t->text[0] == 'o' ? DEST_OWNER : t->text[0] == 't' ?
		    DEST_TEAM : DEST_QUEUE;
		next(p);
		dst->line = peek(p)->line;
		dst->col = peek(p)->col;
		if ((id = ident(p, dst->kind == DEST_OWNER ? "owner id" :
		    dst->kind == DEST_TEAM ? "team id" : "queue id")) == NULL)
			return FALSE;
		dst->id = g_strdup(id);
	} else if (is_word(t, "review")) {
		dst->kind = DEST_REVIEW;
		next(p);
	} else if (is_word(t, "ignore")) {
		dst->kind = DEST_IGNORE;
		next(p);
	} else if (is_word(t, "account-owner")) {
		dst->kind = DEST_ACCOUNT_OWNER;
		next(p);
	} else {
		expected(p, t, "owner, team, queue, review, ignore or "
		    "account-owner");
		return FALSE;
	}
	return TRUE;
}

static void
st_route(struct parser *p)
{
	struct token *kw = peek(p) - 1, *t;
	struct route *r = g_new0(struct route, 1);
	gboolean star = FALSE;

	r->line = kw->line;
	r->conds = g_ptr_array_new_with_free_func(cond_free);
	while (!p->bad && (t = peek(p))->type != T_ARROW) {
		struct cond *c;
		struct token *op, *v;

		if (t->type == T_STAR) {
			star = TRUE;
			next(p);
			continue;
		}
		if (t->type != T_WORD) {
			expected(p, t, r->conds->len || star ?
			    "a condition DIM=VALUE or '->'" :
			    "a condition DIM=VALUE or '*'");
			break;
		}
		if (ident(p, "dimension name") == NULL)
			break;
		op = peek(p);
		if (op->type != T_EQ && op->type != T_NE) {
			expected(p, op, "'=' or '!='");
			break;
		}
		next(p);
		v = peek(p);
		if (ident(p, "class name") == NULL)
			break;
		c = g_new0(struct cond, 1);
		c->dim = g_strdup(t->text);
		c->value = g_strdup(v->text);
		c->negate = op->type == T_NE;
		c->line = t->line;
		c->col = t->col;
		g_ptr_array_add(r->conds, c);
	}
	if (!p->bad && !star && r->conds->len == 0)
		expected(p, peek(p), "a condition DIM=VALUE or '*'");
	if (!p->bad && star && r->conds->len > 0)
		perr(p, kw + 1, "'*' stands alone: it matches every lead");
	if (!p->bad) {
		next(p);	/* -> */
		if (parse_dest(p, &r->dest) && is_word(peek(p), "reason")) {
			const char *s;

			next(p);
			if ((s = string_or_word(p, "a reason")) != NULL)
				r->reason = g_strdup(s);
		}
		end_of_statement(p);
	}
	if (p->bad) {
		route_free(r);
		return;
	}
	g_ptr_array_add(p->rs->routes, r);
}

static void
st_data_file(struct parser *p, char **slot, const char *what)
{
	struct token *kw = peek(p) - 1;
	const char *f = string_or_word(p, "a file name");

	if (f == NULL)
		return;
	if (*slot != NULL) {
		perr(p, kw, "%s declared twice", what);
		return;
	}
	end_of_statement(p);
	if (!p->bad)
		*slot = resolve_path(p, f);
}

static void
statement(struct parser *p)
{
	struct token *t = peek(p);

	p->bad = FALSE;
	if (t->type != T_WORD) {
		expected(p, t, "a statement");
	} else if (is_word(t, "owners")) {
		next(p);
		st_data_file(p, &p->rs->owners_file, "owners");
	} else if (is_word(t, "accounts")) {
		next(p);
		st_data_file(p, &p->rs->accounts_file, "accounts");
	} else if (is_word(t, "list")) {
		next(p);
		st_list(p);
	} else if (is_word(t, "team")) {
		next(p);
		st_team(p);
	} else if (is_word(t, "queue")) {
		next(p);
		st_queue(p);
	} else if (is_word(t, "review")) {
		next(p);
		st_review(p);
	} else if (is_word(t, "ignore")) {
		next(p);
		st_ignore(p);
	} else if (is_word(t, "sticky")) {
		next(p);
		st_sticky(p, t);
	} else if (is_word(t, "dimension")) {
		next(p);
		st_dimension(p);
	} else if (is_word(t, "route")) {
		next(p);
		st_route(p);
	} else
		st_class(p);
	/* Skip what is left of the statement. */
	while (p->i < p->toks->len && peek(p)->type != T_EOS)
		p->i++;
	p->i++;
}

static void
queue_free(gpointer v)
{
	struct queue *q = v;

	g_free(q->id);
	g_free(q->folder);
	g_free(q);
}

static void
ignore_free(gpointer v)
{
	struct ignore_rule *ig = v;

	expr_free(ig->cond);
	g_free(ig->reason);
	g_free(ig);
}

static void
class_free(gpointer v)
{
	struct class_rule *c = v;

	g_free(c->dim);
	g_free(c->name);
	expr_free(c->cond);
	g_free(c);
}

static void
dimension_free(gpointer v)
{
	struct dimension *d = v;

	g_free(d->name);
	g_ptr_array_free(d->classes, TRUE);
	g_free(d);
}

struct ruleset *
rules_parse(const char *text, gsize len, const char *file, const char *dir,
    struct diag *d)
{
	struct ruleset *rs = g_new0(struct ruleset, 1);
	struct parser p = { 0 };

	rs->sticky = RULES_STICKY_DEFAULT;
	rs->review_digest = -1;
	rs->file = g_strdup(file);
	rs->dir = dir != NULL ? g_strdup(dir) : NULL;
	rs->lists = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    list_free);
	rs->teams = g_hash_table_new(g_str_hash, g_str_equal);
	rs->team_order = g_ptr_array_new_with_free_func(team_free);
	rs->queues = g_hash_table_new(g_str_hash, g_str_equal);
	rs->queue_order = g_ptr_array_new_with_free_func(queue_free);
	rs->ignores = g_ptr_array_new_with_free_func(ignore_free);
	rs->classes = g_ptr_array_new_with_free_func(class_free);
	rs->dims = g_ptr_array_new_with_free_func(dimension_free);
	rs->dim_by_name = g_hash_table_new(g_str_hash, g_str_equal);
	rs->routes = g_ptr_array_new_with_free_func(route_free);

	if (len > RULES_MAX_BYTES) {
		diag_add(d, DIAG_ERROR, file, 0, 0, "rules file larger than "
		    "%d bytes", RULES_MAX_BYTES);
		return rs;
	}
	p.toks = rules_lex(text, len, file, d);
	p.src = text;
	p.file = file;
	p.d = d;
	p.rs = rs;
	while (p.i < p.toks->len)
		statement(&p);
	rules_tokens_free(p.toks);
	rules_check(rs, d);
	return rs;
}

struct ruleset *
rules_load(const char *path, struct diag *d)
{
	GError *err = NULL;
	char *text, *dir;
	gsize len;
	struct ruleset *rs;

	if (!g_file_get_contents(path, &text, &len, &err)) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read rules: %s",
		    err->message);
		g_error_free(err);
		return NULL;
	}
	dir = g_path_get_dirname(path);
	rs = rules_parse(text, len, path, dir, d);
	g_free(dir);
	g_free(text);
	return rs;
}

void
rules_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	g_free(rs->file);
	g_free(rs->dir);
	owners_free(rs->owners);
	g_free(rs->owners_file);
	if (rs->accounts != NULL)
		g_hash_table_destroy(rs->accounts);
	g_free(rs->accounts_file);
	g_hash_table_destroy(rs->lists);
	g_hash_table_destroy(rs->teams);
	g_ptr_array_free(rs->team_order, TRUE);
	g_hash_table_destroy(rs->queues);
	g_ptr_array_free(rs->queue_order, TRUE);
	g_free(rs->review_folder);
	g_free(rs->review_escalate.id);
	g_free(rs->ignore_folder);
	g_ptr_array_free(rs->ignores, TRUE);
	g_ptr_array_free(rs->routes, TRUE);
	g_hash_table_destroy(rs->dim_by_name);
	g_ptr_array_free(rs->dims, TRUE);
	g_ptr_array_free(rs->classes, TRUE);
	g_free(rs);
}

const struct dimension *
rules_dimension(const struct ruleset *rs, const char *name)
{
	return g_hash_table_lookup(rs->dim_by_name, name);
}

const char *
rules_dest_kind_name(enum dest_kind k)
{
	switch (k) {
	case DEST_OWNER: return "owner";
	case DEST_TEAM: return "team";
	case DEST_QUEUE: return "queue";
	case DEST_REVIEW: return "review";
	case DEST_IGNORE: return "ignore";
	case DEST_ACCOUNT_OWNER: return "account-owner";
	case DEST_REPLY: return "reply";
	}
	return "?";
}

gint64
rules_duration(const char *s)
{
	char *end;
	guint64 n;

	if (s == NULL || !g_ascii_isdigit(*s))
		return -1;
	n = g_ascii_strtoull(s, &end, 10);
	if (n > G_MAXINT32 || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (*end) {
	case 's': return (gint64)n;
	case 'm': return (gint64)n * 60;
	case 'h': return (gint64)n * 3600;
	case 'd': return (gint64)n * 86400;
	}
	return -1;
}

char *
rules_duration_text(gint64 s)
{
	static const struct {
		gint64 size;
		char unit;
	} u[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	GString *out = g_string_new(NULL);
	guint units = 0;

	s = MAX(s, 0);
	if (s == 0)
		g_string_append(out, "0s");
	for (guint i = 0; i < G_N_ELEMENTS(u) && units < 2 && s > 0; i++)
		if (s >= u[i].size) {
			g_string_append_printf(out, "%s%" G_GINT64_FORMAT "%c",
			    units++ ? " " : "", s / u[i].size, u[i].unit);
			s %= u[i].size;
		} else if (units > 0)
			break;	/* "1d 0h 5m" would be read as 1d */
	return g_string_free(out, FALSE);
}
