/*
 * rules_parse.c: the parser of the rules language (spec section 4). One
 * statement at a time from the lexer's tokens; an error ends only its
 * statement, so one pass reports every problem of a file. Expressions
 * are rules_expr.c's; the token helpers both use are shared through
 * rules_p.h.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "country.h"
#include "duration.h"
#include "rules_p.h"
#include "scan.h"

static const char *const option_words[] = {
	"rotate", "members", "sla", "escalate", "folder", "notify", NULL
};

struct token *
rules_peek(struct parser *p)
{
	static struct token eos = { .type = T_EOS };

	/* The lexer always ends with T_EOS; this guards the limits. */
	if (p->i >= p->toks->len)
		return &eos;
	return &g_array_index(p->toks, struct token, p->i);
}

struct token *
rules_next(struct parser *p)
{
	struct token *t = rules_peek(p);

	if (t->type != T_EOS)
		p->i++;
	return t;
}

gboolean
rules_is_word(const struct token *t, const char *w)
{
	return t->type == T_WORD && strcmp(t->text, w) == 0;
}

/* An error at t; at the end of a statement, just after its last token. */
void
rules_error(struct parser *p, const struct token *t, const char *fmt, ...)
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

void
rules_warn(struct parser *p, const struct token *t, const char *fmt, ...)
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
char *
rules_describe(const struct token *t)
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

void
rules_expected(struct parser *p, const struct token *t, const char *what)
{
	char *found = rules_describe(t);

	rules_error(p, t, "expected %s, found %s", what, found);
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
	struct token *t = rules_peek(p);

	if (t->type != T_WORD) {
		rules_expected(p, t, what);
		return NULL;
	}
	if (!valid_ident(t->text)) {
		rules_error(p, t, "invalid %s '%s' (identifiers are lowercase "
		    "letters, digits, '-' and '_', starting with a letter)",
		    what, t->text);
		return NULL;
	}
	rules_next(p);
	return t->text;
}

/* A string, or a plain word where one reads naturally. */
const char *
rules_string_or_word(struct parser *p, const char *what)
{
	struct token *t = rules_peek(p);

	if (t->type != T_STRING && t->type != T_WORD) {
		rules_expected(p, t, what);
		return NULL;
	}
	rules_next(p);
	return t->text;
}

/*
 * A folder name of a queue, review or ignore: never the inbox itself (a
 * lead filed there would be taken again at every round), nor empty.
 */
static const char *
folder_name(struct parser *p)
{
	struct token *t = rules_peek(p);
	const char *f = rules_string_or_word(p, "a folder name");

	if (f == NULL)
		return NULL;
	if (*f == '\0' || g_ascii_strcasecmp(f, "INBOX") == 0 ||
	    f[strspn(f, "/")] == '\0') {
		rules_error(p, t, "folder \"%s\": leadroute files mail out of "
		    "the inbox, never into it or nowhere; name a folder of its "
		    "own", f);
		return NULL;
	}
	return f;
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
	struct token *t = rules_peek(p);

	if (t->type != T_EOS)
		rules_expected(p, t, "end of line");
}

static gint64
duration(struct parser *p)
{
	struct token *t = rules_peek(p);
	gint64 secs;

	if (t->type != T_WORD) {
		rules_expected(p, t, "a duration such as 15m, 4h or 2d");
		return 0;
	}
	secs = duration_parse(t->text);
	if (secs <= 0) {
		rules_error(p, t, "invalid duration '%s' (write 90s, 15m, 4h "
		    "or 2d)", t->text);
		return 0;
	}
	rules_next(p);
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
		rules_warn(p, t, "duplicate item '%s' in %s", t->text, what);
		g_free(key);
		return;
	}
	g_hash_table_insert(items, key, g_strdup(t->text));
}

/* Items up to ']' (the '[' already read); NULL on error. */
GHashTable *
rules_bracket_items(struct parser *p, const char *what, gboolean countries)
{
	GHashTable *items = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	struct token *t;

	while ((t = rules_peek(p))->type == T_WORD || t->type == T_STRING) {
		if (countries && !country_is_iso(t->text))
			rules_warn(p, t, "'%s' is not an ISO 3166-1 alpha-2 "
			    "country code", t->text);
		list_add(p, items, t, what);
		rules_next(p);
	}
	if (t->type != T_RBRACK) {
		rules_expected(p, t, "a list item or ']'");
		g_hash_table_destroy(items);
		return NULL;
	}
	rules_next(p);
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
	struct token *nt = rules_peek(p), *t;
	const char *name = ident(p, "list name");
	struct list *l;

	if (name == NULL)
		return;
	if (strcmp(name, "accounts") == 0) {
		rules_error(p, nt, "'accounts' is the accounts table; name the "
		    "list otherwise");
		return;
	}
	if (g_hash_table_contains(p->rs->lists, name)) {
		const struct list *o = g_hash_table_lookup(p->rs->lists, name);

		rules_error(p, nt, "list '%s' already declared on line %d",
		    name, o->line);
		return;
	}
	if (rules_peek(p)->type != T_EQ) {
		rules_expected(p, rules_peek(p), "'='");
		return;
	}
	rules_next(p);
	l = g_new0(struct list, 1);
	l->name = g_strdup(name);
	l->line = nt->line;
	l->col = nt->col;
	t = rules_peek(p);
	if (rules_is_word(t, "file")) {
		const char *f;

		rules_next(p);
		if ((f = rules_string_or_word(p, "a file name")) == NULL) {
			list_free(l);
			return;
		}
		l->file = resolve_path(p, f);
	} else if (t->type == T_LBRACK) {
		char *what = g_strdup_printf("list %s", name);

		rules_next(p);
		l->items = rules_bracket_items(p, what, FALSE);
		g_free(what);
		if (l->items == NULL) {
			list_free(l);
			return;
		}
	} else {
		rules_expected(p, t, "'file' or '['");
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
		if (rules_is_word(t, option_words[i]))
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
	struct token *t = rules_peek(p);

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
	struct token *nt = rules_peek(p), *t;
	const char *id = ident(p, "team id");
	struct team *tm;

	if (id == NULL)
		return;
	if (g_hash_table_contains(p->rs->teams, id)) {
		const struct team *o = g_hash_table_lookup(p->rs->teams, id);

		rules_error(p, nt, "team '%s' already declared on line %d", id,
		    o->line);
		return;
	}
	tm = g_new0(struct team, 1);
	tm->id = g_strdup(id);
	tm->line = nt->line;
	tm->col = nt->col;
	tm->members = g_ptr_array_new();
	tm->member_refs = g_ptr_array_new_with_free_func(ref_free);
	while (!p->bad && (t = rules_peek(p))->type != T_EOS) {
		if (rules_is_word(t, "rotate")) {
			rules_next(p);
			t = rules_peek(p);
			if (rules_is_word(t, "round-robin"))
				tm->rotate = ROTATE_ROUND_ROBIN;
			else if (rules_is_word(t, "weighted"))
				tm->rotate = ROTATE_WEIGHTED;
			else if (rules_is_word(t, "least-loaded"))
				tm->rotate = ROTATE_LEAST_LOADED;
			else {
				rules_expected(p, t, "round-robin, weighted or "
				    "least-loaded");
				break;
			}
			rules_next(p);
		} else if (rules_is_word(t, "members")) {
			rules_next(p);
			t = rules_peek(p);
			if (t->type != T_WORD || is_option(t))
				rules_expected(p, t, "owner ids");
			while ((t = rules_peek(p))->type == T_WORD &&
			    !is_option(t)) {
				struct ref *r = g_new0(struct ref, 1);

				g_ptr_array_add(tm->member_refs, r);
				owner_ref(p, r);
				if (r->id == NULL)
					break;
			}
		} else if (rules_is_word(t, "sla")) {
			rules_next(p);
			tm->sla = duration(p);
		} else if (rules_is_word(t, "escalate")) {
			rules_next(p);
			owner_ref(p, &tm->escalate);
		} else
			rules_expected(p, t,
			    "rotate, members, sla or escalate");
	}
	if (p->bad) {
		team_free(tm);
		return;
	}
	g_hash_table_insert(p->rs->teams, tm->id, tm);
	g_ptr_array_add(p->rs->team_order, tm);
}

static void queue_free(gpointer v);

/* The words that end a notify list: the statement's other keywords. */
static const char *const queue_words[] = { "folder", "notify", NULL };
static const char *const review_words[] = {
	"folder", "sla", "escalate", "digest", "notify", NULL
};

void
notify_init(struct notify *n)
{
	n->slack = TRUE;	/* the default: the Slack channel */
	n->email = g_array_new(FALSE, TRUE, sizeof(struct ref));
}

void
notify_clear(struct notify *n)
{
	for (guint i = 0; n->email != NULL && i < n->email->len; i++)
		g_free(g_array_index(n->email, struct ref, i).id);
	if (n->email != NULL)
		g_array_free(n->email, TRUE);
	n->email = NULL;
}

static gboolean
is_one_of(const struct token *t, const char *const *words)
{
	for (guint i = 0; words[i] != NULL; i++)
		if (rules_is_word(t, words[i]))
			return TRUE;
	return FALSE;
}

/*
 * After `notify`: slack, none, email ADDRESS|OWNER..., in any order and
 * combination (none alone), up to one of the statement's keywords
 * (stop) or its end.
 */
static void
notify_list(struct parser *p, struct notify *n, const char *const *stop)
{
	struct token *t = rules_peek(p), *none = NULL;
	gboolean any = FALSE;

	n->slack = FALSE;
	while (!p->bad && t->type != T_EOS && !is_one_of(t, stop)) {
		if (rules_is_word(t, "slack"))
			n->slack = TRUE;
		else if (rules_is_word(t, "none"))
			none = t;
		else if (rules_is_word(t, "email")) {
			guint before = n->email->len;

			rules_next(p);
			while ((t = rules_peek(p))->type != T_EOS &&
			    (t->type == T_STRING || t->type == T_WORD) &&
			    !rules_is_word(t, "slack") &&
			    !rules_is_word(t, "none") &&
			    !rules_is_word(t, "email") && !is_one_of(t, stop)) {
				struct ref r = { g_strdup(t->text), t->line,
				    t->col };

				g_array_append_val(n->email, r);
				rules_next(p);
			}
			if (n->email->len == before)
				rules_expected(p, t, "an address or an owner "
				    "after email");
			any = TRUE;
			continue;
		} else {
			rules_expected(p, t, "slack, email or none");
			return;
		}
		any = TRUE;
		rules_next(p);
		t = rules_peek(p);
	}
	if (!p->bad && !any)
		rules_expected(p, t, "slack, email or none");
	else if (!p->bad && none != NULL && (n->slack || n->email->len > 0))
		rules_error(p, none, "notify none cannot be combined with "
		    "slack or email");
}

static void
st_queue(struct parser *p)
{
	struct token *nt = rules_peek(p), *t;
	const char *id = ident(p, "queue id");
	struct queue *q;

	if (id == NULL)
		return;
	if (g_hash_table_contains(p->rs->queues, id)) {
		const struct queue *o = g_hash_table_lookup(p->rs->queues, id);

		rules_error(p, nt, "queue '%s' already declared on line %d", id,
		    o->line);
		return;
	}
	q = g_new0(struct queue, 1);
	notify_init(&q->notify);
	q->id = g_strdup(id);
	q->line = nt->line;
	q->col = nt->col;
	while (!p->bad && (t = rules_peek(p))->type != T_EOS) {
		if (rules_is_word(t, "folder")) {
			const char *f;

			rules_next(p);
			f = folder_name(p);
			if (f != NULL) {
				g_free(q->folder);
				q->folder = g_strdup(f);
				config_folder_name(q->folder);
			}
		} else if (rules_is_word(t, "notify")) {
			rules_next(p);
			notify_list(p, &q->notify, queue_words);
		} else
			rules_expected(p, t, "folder or notify");
	}
	if (p->bad) {
		queue_free(q);
		return;
	}
	g_hash_table_insert(p->rs->queues, q->id, q);
	g_ptr_array_add(p->rs->queue_order, q);
}

/* digest HH:MM | digest off: the daily digest of open review items. */
static void
digest_time(struct parser *p, const struct token *kw)
{
	struct token *t = rules_peek(p);
	guint min;

	p->rs->digest_line = kw->line;
	p->rs->digest_col = kw->col;
	if (rules_is_word(t, "off"))
		p->rs->review_digest = -1;
	else if (t->type == T_WORD && hours_time(t->text, &min))
		p->rs->review_digest = (int)min;
	else {
		rules_expected(p, t, "a time of day such as 08:00, or off");
		return;
	}
	rules_next(p);
}

static void
st_review(struct parser *p)
{
	struct token *t;

	while (!p->bad && (t = rules_peek(p))->type != T_EOS) {
		if (rules_is_word(t, "folder")) {
			const char *f;

			rules_next(p);
			f = folder_name(p);
			if (f != NULL) {
				g_free(p->rs->review_folder);
				p->rs->review_folder = g_strdup(f);
				config_folder_name(p->rs->review_folder);
			}
		} else if (rules_is_word(t, "sla")) {
			rules_next(p);
			p->rs->review_sla = duration(p);
		} else if (rules_is_word(t, "escalate")) {
			rules_next(p);
			owner_ref(p, &p->rs->review_escalate);
		} else if (rules_is_word(t, "digest")) {
			rules_next(p);
			digest_time(p, t);
		} else if (rules_is_word(t, "notify")) {
			rules_next(p);
			notify_clear(&p->rs->review_notify);
			notify_init(&p->rs->review_notify);
			notify_list(p, &p->rs->review_notify, review_words);
		} else
			rules_expected(p, t, "folder, sla, escalate, digest or "
			    "notify");
	}
}

/* sticky DURATION | sticky off: how long a lead's owner keeps its
 * address and company (rs->sticky; 0: not at all). */
static void
st_sticky(struct parser *p, const struct token *kw)
{
	struct token *t = rules_peek(p);

	if (p->sticky_seen) {
		rules_error(p, kw, "sticky declared twice");
		return;
	}
	p->sticky_seen = TRUE;
	if (rules_is_word(t, "off")) {
		rules_next(p);
		p->rs->sticky = 0;
	} else {
		gint64 s = duration(p);

		if (!p->bad)
			p->rs->sticky = s;
	}
	end_of_statement(p);
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

/* --- statements ------------------------------------------------------- */

static void
st_ignore(struct parser *p)
{
	struct token *kw = rules_peek(p) - 1;
	struct ignore_rule *ig;
	struct expr *e;
	guint from;

	if (rules_is_word(rules_peek(p), "folder")) {
		const char *f;

		rules_next(p);
		if ((f = folder_name(p)) != NULL) {
			g_free(p->rs->ignore_folder);
			p->rs->ignore_folder = g_strdup(f);
			config_folder_name(p->rs->ignore_folder);
			end_of_statement(p);
		}
		return;
	}
	if (!rules_is_word(rules_peek(p), "if")) {
		rules_expected(p, rules_peek(p), "'if' or 'folder'");
		return;
	}
	rules_next(p);
	from = p->i;
	if ((e = rules_expression(p)) == NULL)
		return;
	ig = g_new0(struct ignore_rule, 1);
	ig->cond = e;
	ig->line = kw->line;
	ig->reason = source_text(p, from, p->i);
	if (rules_is_word(rules_peek(p), "reason")) {
		const char *r;

		rules_next(p);
		if ((r = rules_string_or_word(p, "a reason")) != NULL) {
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
	struct token *t = rules_peek(p);
	const char *name = ident(p, "dimension name");
	struct dimension *dm;

	if (name == NULL)
		return;
	dm = dimension_get(p, name, t);
	if (rules_is_word(rules_peek(p), "first")) {
		rules_next(p);
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
	static const char *const statements[] = { "owners", "accounts",
	    "list", "inbox", "team", "queue", "review", "ignore", "sticky",
	    "dimension", "route", NULL };
	struct token *dt = rules_peek(p), *ct;
	const char *dim, *name, *near;
	struct class_rule *cr;
	struct expr *e;

	/* "inboxes \"a@b\"", "Inbox a@b": a statement mistyped, not a
	 * class (DIMENSION CLASS if ...) */
	if (dt->type == T_WORD && (p->i + 1 >= p->toks->len ||
	    (dt + 1)->type != T_WORD || !valid_ident(dt->text)) &&
	    (near = diag_nearest(dt->text, statements)) != NULL) {
		rules_error(p, dt, "unknown statement '%s'; did you mean %s?",
		    dt->text, near);
		return;
	}
	dim = ident(p, "dimension name");
	if (dim == NULL)
		return;
	ct = rules_peek(p);
	if ((name = ident(p, "class name")) == NULL)
		return;
	if (reserved_value(dim, name)) {
		rules_error(p, ct, "'%s' is a value leadroute gives; a class "
		    "cannot be named so", name);
		return;
	}
	if (!rules_is_word(rules_peek(p), "if")) {
		rules_expected(p, rules_peek(p), "'if'");
		return;
	}
	rules_next(p);
	if ((e = rules_expression(p)) == NULL)
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
	struct token *t = rules_peek(p);

	dst->line = t->line;
	dst->col = t->col;
	if (rules_is_word(t, "owner") || rules_is_word(t, "team") ||
	    rules_is_word(t, "queue")) {
		const char *id;

		dst->kind = t->text[0] == 'o' ? DEST_OWNER : t->text[0] == 't' ?
		    DEST_TEAM : DEST_QUEUE;
		rules_next(p);
		dst->line = rules_peek(p)->line;
		dst->col = rules_peek(p)->col;
		if ((id = ident(p, dst->kind == DEST_OWNER ? "owner id" :
		    dst->kind == DEST_TEAM ? "team id" : "queue id")) == NULL)
			return FALSE;
		dst->id = g_strdup(id);
	} else if (rules_is_word(t, "review")) {
		dst->kind = DEST_REVIEW;
		rules_next(p);
	} else if (rules_is_word(t, "ignore")) {
		dst->kind = DEST_IGNORE;
		rules_next(p);
	} else if (rules_is_word(t, "account-owner")) {
		dst->kind = DEST_ACCOUNT_OWNER;
		rules_next(p);
	} else {
		rules_expected(p, t, "owner, team, queue, review, ignore or "
		    "account-owner");
		return FALSE;
	}
	return TRUE;
}

static void
st_route(struct parser *p)
{
	struct token *kw = rules_peek(p) - 1, *t;
	struct route *r = g_new0(struct route, 1);
	gboolean star = FALSE;

	r->line = kw->line;
	r->conds = g_ptr_array_new_with_free_func(cond_free);
	while (!p->bad && (t = rules_peek(p))->type != T_ARROW) {
		struct cond *c;
		struct token *op, *v;

		if (t->type == T_STAR) {
			star = TRUE;
			rules_next(p);
			continue;
		}
		if (t->type != T_WORD) {
			rules_expected(p, t, r->conds->len || star ?
			    "a condition DIM=VALUE or '->'" :
			    "a condition DIM=VALUE or '*'");
			break;
		}
		if (ident(p, "dimension name") == NULL)
			break;
		op = rules_peek(p);
		if (op->type != T_EQ && op->type != T_NE) {
			rules_expected(p, op, "'=' or '!='");
			break;
		}
		rules_next(p);
		v = rules_peek(p);
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
		rules_expected(p, rules_peek(p),
		    "a condition DIM=VALUE or '*'");
	if (!p->bad && star && r->conds->len > 0)
		rules_error(p, kw + 1,
		    "'*' stands alone: it matches every lead");
	if (!p->bad) {
		rules_next(p);	/* -> */
		if (parse_dest(p, &r->dest) &&
		    rules_is_word(rules_peek(p), "reason")) {
			const char *s;

			rules_next(p);
			if ((s = rules_string_or_word(p, "a reason")) != NULL)
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
	struct token *kw = rules_peek(p) - 1;
	const char *f = rules_string_or_word(p, "a file name");

	if (f == NULL)
		return;
	if (*slot != NULL) {
		rules_error(p, kw, "%s declared twice", what);
		return;
	}
	end_of_statement(p);
	if (!p->bad)
		*slot = resolve_path(p, f);
}

/*
 * `inbox "sales@example.com" info@example.com`: the shared inbox's own
 * addresses (spec 4.1, v2); the statement may be repeated.
 */
static void
st_inbox(struct parser *p)
{
	struct token *t;
	guint n = 0;

	while ((t = rules_peek(p))->type == T_STRING || t->type == T_WORD) {
		const char *at = strchr(t->text, '@');
		char *key = g_utf8_strdown(t->text, -1);

		rules_next(p);
		n++;
		if (at == NULL || at == t->text || at[1] == '\0' ||
		    strchr(at + 1, '.') == NULL || strchr(at + 1, '@') != NULL ||
		    strpbrk(t->text, "<>\"'(),; \t") != NULL) {
			rules_error(p, t, "inbox \"%s\" is not an email address: "
			    "write the address alone, without a name or angle "
			    "brackets (inbox \"sales@example.com\")", t->text);
			g_free(key);
			continue;
		}
		if (!g_hash_table_add(p->rs->inbox, key))
			rules_warn(p, t, "inbox address %s named twice", t->text);
	}
	if (n == 0)
		rules_expected(p, t, "an email address of the shared inbox");
	else
		end_of_statement(p);
}

static void
statement(struct parser *p)
{
	struct token *t = rules_peek(p);

	p->bad = FALSE;
	if (t->type != T_WORD) {
		rules_expected(p, t, "a statement");
	} else if (rules_is_word(t, "owners")) {
		rules_next(p);
		st_data_file(p, &p->rs->owners_file, "owners");
	} else if (rules_is_word(t, "accounts")) {
		rules_next(p);
		st_data_file(p, &p->rs->accounts_file, "accounts");
	} else if (rules_is_word(t, "list")) {
		rules_next(p);
		st_list(p);
	} else if (rules_is_word(t, "inbox")) {
		rules_next(p);
		st_inbox(p);
	} else if (rules_is_word(t, "team")) {
		rules_next(p);
		st_team(p);
	} else if (rules_is_word(t, "queue")) {
		rules_next(p);
		st_queue(p);
	} else if (rules_is_word(t, "review")) {
		rules_next(p);
		st_review(p);
	} else if (rules_is_word(t, "ignore")) {
		rules_next(p);
		st_ignore(p);
	} else if (rules_is_word(t, "sticky")) {
		rules_next(p);
		st_sticky(p, t);
	} else if (rules_is_word(t, "dimension")) {
		rules_next(p);
		st_dimension(p);
	} else if (rules_is_word(t, "route")) {
		rules_next(p);
		st_route(p);
	} else
		st_class(p);
	/* Skip what is left of the statement. */
	while (p->i < p->toks->len && rules_peek(p)->type != T_EOS)
		p->i++;
	p->i++;
}

static void
queue_free(gpointer v)
{
	struct queue *q = v;

	g_free(q->id);
	g_free(q->folder);
	notify_clear(&q->notify);
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
	notify_init(&rs->review_notify);
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
	rs->inbox = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	rs->owner_addrs = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);

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
	notify_clear(&rs->review_notify);
	g_free(rs->ignore_folder);
	g_ptr_array_free(rs->ignores, TRUE);
	g_ptr_array_free(rs->routes, TRUE);
	g_hash_table_destroy(rs->dim_by_name);
	g_ptr_array_free(rs->dims, TRUE);
	g_ptr_array_free(rs->classes, TRUE);
	g_hash_table_destroy(rs->inbox);
	g_hash_table_destroy(rs->owner_addrs);
	scan_db_free(rs->scan);
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
