/*
 * template.c: the message templates, parsed once into a small tree of
 * text, variables and sections, rendered per lead with every value
 * escaped for where it lands (template.h, spec section 8).
 *
 * Parsing is two steps: a lexer cuts the source into text and tags,
 * tracking line, column (code points, from 1) and, for JSON templates,
 * whether the literal text is inside a string; then the tags alone on
 * their line lose that line, and sections are nested into a tree. Every
 * syntax error is reported and parsing goes on, so one pass finds all.
 *
 * Values are the only untrusted part: a lead's text is made valid UTF-8,
 * capped, then escaped by mode. Template text is the administrator's and
 * is copied as written (a header template is flattened to one line
 * as a whole, so no CR/LF can reach a header from either side).
 */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>
#include <json-glib/json-glib.h>

#include "template.h"

#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026 */
#define SLACK_ID_MAX	32
#define HEADER_WORD_MAX	75	/* characters in an encoded word (RFC 2047) */

enum tok_kind { TK_TEXT, TK_VAR, TK_OPEN, TK_INV, TK_CLOSE, TK_COMMENT };

struct tok {
	enum tok_kind kind;
	char *text;		/* owned: literal text, or the canonical name */
	gsize start, end;	/* the tag in the source, [start, end) */
	int line, col;		/* where the tag (or text) starts */
	gboolean bad;		/* malformed name, already reported */
};

enum node_kind { N_TEXT, N_VAR, N_IF, N_UNLESS, N_ROOT };

struct node {
	enum node_kind kind;
	char *text;		/* owned: literal text or canonical name */
	int line, col;
	gboolean bad;		/* reported at parse: skip in check */
	GPtrArray *kids;	/* of struct node *, owned; sections only */
};

struct template {
	char *name;		/* owned: file name for messages */
	enum template_mode mode;
	struct node *root;	/* owned */
};

struct lexer {
	const char *src;	/* borrowed, NUL-terminated, valid UTF-8 */
	gsize len;
	gsize pos;
	int line, col;		/* of pos */
	gboolean json;		/* track JSON string state */
	gboolean in_str, esc;	/* JSON state of the literal text so far */
	const char *file;	/* borrowed */
	struct diag *d;		/* borrowed */
	GPtrArray *toks;	/* of struct tok *, owned */
};

/* Lead fields (leadfield.h's lead_field_name(), plus lead-level extras). */
static const char *const lead_names[] = {
	"email", "name", "domain", "from", "from.name", "from.domain",
	"reply_to", "company", "phone", "website", "country", "employees",
	"budget", "message", "subject", "body", "text", "tz", "language",
	"attachments", "message_id",
	"form", "is_form", "auto", "spam", "excerpt", NULL
};

/* Every other variable, exactly. */
static const char *const other_names[] = {
	"owner.id", "owner.name", "owner.email", "owner.slack",
	"owner.mention", "team.id", "dimensions",
	"destination.kind", "destination.id", "destination.folder",
	"route.line", "reason", "message_id", "sla", "sla.due", "received",
	"receipt", "review.since", "review.waiting", "folder.review",
	"folder.owners", "leadroute.version", NULL
};

static const char *const files[] = {
	"forward.subject", "forward.txt", "slack.json", "review.txt",
	"escalation.txt", "webhook.json", NULL
};

const char *const *
template_files(void)
{
	return files;
}

static gboolean
in_list(const char *const *list, const char *s)
{
	for (guint i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
word_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '-';
}

gboolean
template_known_var(const char *name)
{
	const char *p;

	if (g_str_has_prefix(name, "lead.form.") && name[10] != '\0')
		return TRUE;
	if (g_str_has_prefix(name, "lead.header.") && name[12] != '\0')
		return TRUE;
	if (g_str_has_prefix(name, "lead."))
		return in_list(lead_names, name + 5);
	if (g_str_has_prefix(name, "dimensions.")) {
		p = name + 11;
		if (*p == '\0')
			return FALSE;
		for (; *p != '\0'; p++)
			if (!word_char(*p))
				return FALSE;
		return TRUE;
	}
	return in_list(other_names, name);
}

enum template_mode
template_mode_of(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	if (g_str_has_suffix(base, ".subject"))
		return TEMPLATE_HEADER;
	if (g_str_has_suffix(base, ".json"))
		return g_str_has_prefix(base, "slack") ? TEMPLATE_SLACK :
		    TEMPLATE_JSON;
	return TEMPLATE_TEXT;
}

/* ---- names ---- */

/*
 * The canonical form of a dotted name written between braces: segments
 * of letters, digits, '_' and '-', or "quoted" (no '"' inside), joined
 * by '.', quotes removed. NULL when malformed.
 */
static char *
canonical_name(const char *s, gsize n)
{
	GString *out = g_string_new(NULL);
	const char *p = s, *end = s + n, *q;

	for (;;) {
		if (p < end && *p == '"') {
			q = memchr(p + 1, '"', (gsize)(end - p - 1));
			if (q == NULL || q == p + 1)
				goto bad;
			g_string_append_len(out, p + 1, q - p - 1);
			p = q + 1;
		} else {
			q = p;
			while (q < end && word_char(*q))
				q++;
			if (q == p)
				goto bad;
			g_string_append_len(out, p, q - p);
			p = q;
		}
		if (p == end)
			return g_string_free(out, FALSE);
		if (*p != '.')
			goto bad;
		g_string_append_c(out, '.');
		p++;
	}
bad:
	g_string_free(out, TRUE);
	return NULL;
}

/* ---- lexer ---- */

static void
tok_free(gpointer p)
{
	struct tok *t = p;

	g_free(t->text);
	g_free(t);
}

static struct tok *
tok_add(struct lexer *lx, enum tok_kind kind, char *text, int line, int col)
{
	struct tok *t = g_new0(struct tok, 1);

	t->kind = kind;
	t->text = text;
	t->line = line;
	t->col = col;
	g_ptr_array_add(lx->toks, t);
	return t;
}

/* Move pos to upto, counting lines and columns; literal text also moves
 * the JSON string state. */
static void
advance(struct lexer *lx, gsize upto, gboolean literal)
{
	for (; lx->pos < upto; lx->pos++) {
		unsigned char c = (unsigned char)lx->src[lx->pos];

		if (c == '\n') {
			lx->line++;
			lx->col = 1;
		} else if ((c & 0xc0) != 0x80) {
			lx->col++;
		}
		if (!literal || !lx->json)
			continue;
		if (lx->esc)
			lx->esc = FALSE;
		else if (lx->in_str && c == '\\')
			lx->esc = TRUE;
		else if (c == '"')
			lx->in_str = !lx->in_str;
	}
}

static void
text_to(struct lexer *lx, gsize upto)
{
	if (upto > lx->pos)
		tok_add(lx, TK_TEXT, g_strndup(lx->src + lx->pos,
		    upto - lx->pos), lx->line, lx->col);
	advance(lx, upto, TRUE);
}

static enum tok_kind
sigil_kind(char c)
{
	switch (c) {
	case '#':
		return TK_OPEN;
	case '^':
		return TK_INV;
	case '/':
		return TK_CLOSE;
	case '!':
		return TK_COMMENT;
	default:
		return TK_VAR;
	}
}

/* The name inside a tag, trimmed: canonical, or as written (bad) after
 * reporting it. */
static char *
tag_name(struct lexer *lx, const char *p, const char *close, int line,
    int col, gboolean *bad)
{
	char *raw = g_strstrip(g_strndup(p, (gsize)(close - p)));
	char *name = canonical_name(raw, strlen(raw));

	if (name != NULL) {
		g_free(raw);
		return name;
	}
	if (*raw == '\0')
		diag_add(lx->d, DIAG_ERROR, lx->file, line, col,
		    "empty '{{ }}'");
	else
		diag_add(lx->d, DIAG_ERROR, lx->file, line, col,
		    "malformed variable name '%s'", raw);
	*bad = TRUE;
	return raw;
}

/* One tag at pos ("{{"); returns FALSE when it is not closed. */
static gboolean
lex_tag(struct lexer *lx)
{
	const char *open = lx->src + lx->pos, *p = open + 2, *close, *nl;
	enum tok_kind kind;
	struct tok *t;
	gboolean bad = FALSE;
	char *name = NULL;

	while (*p == ' ' || *p == '\t')
		p++;
	kind = sigil_kind(*p);
	if (kind != TK_VAR)
		p++;
	close = strstr(p, "}}");
	nl = strchr(p, '\n');
	if (close == NULL || (kind != TK_COMMENT && nl != NULL && nl < close)) {
		diag_add(lx->d, DIAG_ERROR, lx->file, lx->line, lx->col,
		    "unclosed '{{'");
		return FALSE;
	}
	if (kind != TK_COMMENT)
		name = tag_name(lx, p, close, lx->line, lx->col, &bad);
	if (kind == TK_VAR && lx->json && !lx->in_str && !bad)
		diag_add(lx->d, DIAG_ERROR, lx->file, lx->line, lx->col,
		    "'{{%s}}' outside a JSON string", name);
	t = tok_add(lx, kind, name, lx->line, lx->col);
	t->bad = bad;
	t->start = lx->pos;
	t->end = (gsize)(close + 2 - lx->src);
	advance(lx, t->end, FALSE);
	return TRUE;
}

static void
lex(struct lexer *lx)
{
	const char *open;

	while (lx->pos < lx->len) {
		open = strstr(lx->src + lx->pos, "{{");
		if (open == NULL) {
			text_to(lx, lx->len);
			break;
		}
		text_to(lx, (gsize)(open - lx->src));
		if (!lex_tag(lx))
			text_to(lx, lx->pos + 2);	/* "{{" as text */
	}
}

/* ---- standalone lines ---- */

static gboolean
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Is the tag t alone on its line (white space around it only)? */
static gboolean
standalone(const struct lexer *lx, const struct tok *t)
{
	gsize i;

	for (i = t->start; i > 0 && lx->src[i - 1] != '\n'; i--)
		if (!blank(lx->src[i - 1]))
			return FALSE;
	for (i = t->end; i < lx->len && lx->src[i] != '\n'; i++)
		if (!blank(lx->src[i]) && !(lx->src[i] == '\r' &&
		    lx->src[i + 1] == '\n'))
			return FALSE;
	return TRUE;
}

/* Sections and comments alone on their line take the line with them. */
static void
strip_standalone(struct lexer *lx)
{
	struct tok *t, *prev, *next;
	char *s;
	gsize n;

	for (guint i = 0; i < lx->toks->len; i++) {
		t = g_ptr_array_index(lx->toks, i);
		if (t->kind == TK_TEXT || t->kind == TK_VAR ||
		    !standalone(lx, t))
			continue;
		prev = i > 0 ? g_ptr_array_index(lx->toks, i - 1) : NULL;
		next = i + 1 < lx->toks->len ?
		    g_ptr_array_index(lx->toks, i + 1) : NULL;
		if (prev != NULL && prev->kind == TK_TEXT) {
			n = strlen(prev->text);
			while (n > 0 && blank(prev->text[n - 1]))
				n--;
			prev->text[n] = '\0';
		}
		if (next != NULL && next->kind == TK_TEXT) {
			s = next->text;
			while (blank(*s))
				s++;
			if (*s == '\r' && s[1] == '\n')
				s++;
			if (*s == '\n')
				s++;
			memmove(next->text, s, strlen(s) + 1);
		}
	}
}

/* ---- tree ---- */

static void
node_free(gpointer p)
{
	struct node *n = p;

	if (n == NULL)
		return;
	if (n->kids != NULL)
		g_ptr_array_free(n->kids, TRUE);
	g_free(n->text);
	g_free(n);
}

static struct node *
node_new(enum node_kind kind, const struct tok *t)
{
	struct node *n = g_new0(struct node, 1);

	n->kind = kind;
	if (t != NULL) {
		n->text = g_strdup(t->text);
		n->line = t->line;
		n->col = t->col;
		n->bad = t->bad;
	}
	if (kind == N_IF || kind == N_UNLESS || kind == N_ROOT)
		n->kids = g_ptr_array_new_with_free_func(node_free);
	return n;
}

/* A closing tag: pop the section it closes, reporting a mismatch. */
static void
close_section(struct lexer *lx, GPtrArray *stack, const struct tok *t)
{
	struct node *top;

	if (stack->len == 1) {
		diag_add(lx->d, DIAG_ERROR, lx->file, t->line, t->col,
		    "'{{/%s}}' without a matching '{{#%s}}'", t->text,
		    t->text);
		return;
	}
	top = g_ptr_array_index(stack, stack->len - 1);
	if (strcmp(top->text, t->text) != 0)
		diag_add(lx->d, DIAG_ERROR, lx->file, t->line, t->col,
		    "'{{/%s}}' closes '{{%c%s}}' of line %d", t->text,
		    top->kind == N_IF ? '#' : '^', top->text, top->line);
	g_ptr_array_set_size(stack, stack->len - 1);
}

static struct node *
build_tree(struct lexer *lx)
{
	GPtrArray *stack = g_ptr_array_new();
	struct node *root = node_new(N_ROOT, NULL), *top, *n;

	g_ptr_array_add(stack, root);
	for (guint i = 0; i < lx->toks->len; i++) {
		const struct tok *t = g_ptr_array_index(lx->toks, i);

		top = g_ptr_array_index(stack, stack->len - 1);
		if (t->kind == TK_COMMENT || (t->kind == TK_TEXT &&
		    *t->text == '\0'))
			continue;
		if (t->kind == TK_CLOSE) {
			close_section(lx, stack, t);
			continue;
		}
		n = node_new(t->kind == TK_TEXT ? N_TEXT : t->kind == TK_VAR ?
		    N_VAR : t->kind == TK_OPEN ? N_IF : N_UNLESS, t);
		g_ptr_array_add(top->kids, n);
		if (n->kids == NULL)
			continue;
		if (stack->len > TEMPLATE_MAX_DEPTH)
			diag_add(lx->d, DIAG_ERROR, lx->file, t->line, t->col,
			    "sections nested deeper than %d",
			    TEMPLATE_MAX_DEPTH);
		g_ptr_array_add(stack, n);
	}
	for (guint i = 1; i < stack->len; i++) {
		n = g_ptr_array_index(stack, i);
		diag_add(lx->d, DIAG_ERROR, lx->file, n->line, n->col,
		    "'{{%c%s}}' is never closed", n->kind == N_IF ? '#' : '^',
		    n->text);
	}
	g_ptr_array_free(stack, TRUE);
	return root;
}

/* ---- parse, load ---- */

/* Report the first invalid byte of text (line:col) and return a valid
 * copy. */
static char *
valid_source(const char *text, gsize len, const char *name,
    struct diag *d)
{
	const char *end;
	int line = 1, col = 1;

	if (g_utf8_validate_len(text, len, &end))
		return g_strndup(text, len);
	for (const char *p = text; p < end; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			col++;
		}
	}
	diag_add(d, DIAG_ERROR, name, line, col,
	    "invalid UTF-8 or NUL byte");
	return g_utf8_make_valid(text, (gssize)len);
}

struct template *
template_parse(const char *text, gsize len, const char *name,
    enum template_mode mode, struct diag *d)
{
	struct template *t = g_new0(struct template, 1);
	struct lexer lx = { 0 };
	char *src;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	src = valid_source(text, len, name, d);
	t->name = g_strdup(name);
	t->mode = mode;
	lx.src = src;
	lx.len = strlen(src);
	lx.line = lx.col = 1;
	lx.json = mode == TEMPLATE_JSON || mode == TEMPLATE_SLACK;
	lx.file = name;
	lx.d = d;
	lx.toks = g_ptr_array_new_with_free_func(tok_free);
	lex(&lx);
	strip_standalone(&lx);
	t->root = build_tree(&lx);
	g_ptr_array_free(lx.toks, TRUE);
	g_free(src);
	return t;
}

struct template *
template_load(const char *path, enum template_mode mode, struct diag *d)
{
	struct template *t;
	GError *err = NULL;
	char *data;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s",
		    err->message);
		g_error_free(err);
		return NULL;
	}
	if (len > TEMPLATE_MAX_SIZE) {
		diag_add(d, DIAG_ERROR, path, 0, 0,
		    "larger than %d bytes", TEMPLATE_MAX_SIZE);
		g_free(data);
		return NULL;
	}
	t = template_parse(data, len, path, mode, d);
	g_free(data);
	return t;
}

void
template_free(struct template *t)
{
	if (t == NULL)
		return;
	node_free(t->root);
	g_free(t->name);
	g_free(t);
}

/* ---- values ---- */

/* Cut s (valid UTF-8) to at most max characters, marking the cut. */
static char *
cut_chars(char *s, glong max, gboolean at_word)
{
	char *end = s, *sp;
	GString *out;
	glong n = 0;

	/* walk max characters, not the whole value (a 20 KB message text
	 * in a template: g_utf8_strlen was 4 % of a drain) */
	while (*end != '\0' && n < max) {
		end = g_utf8_next_char(end);
		n++;
	}
	if (*end == '\0')
		return s;
	if (at_word) {
		*end = '\0';
		sp = strrchr(s, ' ');
		if (sp != NULL && g_utf8_strlen(s, sp - s) > max * 3 / 4)
			end = sp;
	}
	out = g_string_new_len(s, end - s);
	g_string_append(out, ELLIPSIS);
	g_free(s);
	return g_string_free(out, FALSE);
}

/* Valid UTF-8, at most TEMPLATE_MAX_VALUE bytes. Takes s. */
static char *
clean_value(char *s)
{
	char *v;
	const char *end;

	if (!g_utf8_validate(s, -1, NULL)) {
		v = g_utf8_make_valid(s, -1);
		g_free(s);
		s = v;
	}
	if (strlen(s) > TEMPLATE_MAX_VALUE) {
		/* cut before the character holding byte MAX */
		end = g_utf8_find_prev_char(s, s + TEMPLATE_MAX_VALUE + 1);
		v = g_strdup_printf("%.*s" ELLIPSIS, (int)(end - s), s);
		g_free(s);
		s = v;
	}
	return s;
}

static char *
lookup(const struct template_vars *v, const char *name)
{
	char *s;

	if (v == NULL || v->lookup == NULL)
		return NULL;
	s = v->lookup(v->ctx, name);
	return s != NULL ? clean_value(s) : NULL;
}

/* lead.message, else lead.body, trimmed and cut at a word. */
static char *
excerpt(const struct template_vars *v)
{
	char *s = lookup(v, "lead.message");

	if (s == NULL || *g_strstrip(s) == '\0') {
		g_free(s);
		s = lookup(v, "lead.body");
		if (s == NULL)
			return NULL;
		g_strstrip(s);
	}
	return cut_chars(s, TEMPLATE_EXCERPT, TRUE);
}

static gboolean
slack_id(const char *s)
{
	gsize n = 0;

	for (; s[n] != '\0'; n++)
		if (!g_ascii_isalnum(s[n]))
			return FALSE;
	return n > 0 && n <= SLACK_ID_MAX;
}

/* "<@ID>" in Slack (raw: nothing in it to escape), else owner.name. */
static char *
mention(const struct template_vars *v, enum template_mode mode,
    gboolean *raw)
{
	char *id, *s;

	if (mode == TEMPLATE_SLACK) {
		id = lookup(v, "owner.slack");
		if (id != NULL && slack_id(id)) {
			*raw = TRUE;
			s = g_strdup_printf("<@%s>", id);
			g_free(id);
			return s;
		}
		g_free(id);
	}
	return lookup(v, "owner.name");
}

/* The value of name, ready for escaping, or NULL. */
static char *
value_of(const struct template *t, const struct template_vars *v,
    const char *name, gboolean *raw)
{
	char *s;

	*raw = FALSE;
	if (strcmp(name, "lead.excerpt") == 0)
		s = excerpt(v);
	else if (strcmp(name, "owner.mention") == 0)
		s = mention(v, t->mode, raw);
	else
		s = lookup(v, name);
	if (s != NULL && t->mode == TEMPLATE_SLACK && !*raw)
		s = cut_chars(s, TEMPLATE_MAX_SLACK_VALUE, FALSE);
	return s;
}

/* ---- escaping ---- */

/* s as the inside of a JSON string; Slack also hides & < >. */
static void
append_json(GString *out, const char *s, gboolean slack)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (slack && *p == '&')
			g_string_append(out, "&amp;");
		else if (slack && *p == '<')
			g_string_append(out, "&lt;");
		else if (slack && *p == '>')
			g_string_append(out, "&gt;");
		else if (*p == '"' || *p == '\\')
			g_string_append_printf(out, "\\%c", *p);
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else if (*p == '\r')
			g_string_append(out, "\\r");
		else if (*p == '\t')
			g_string_append(out, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			g_string_append_printf(out, "\\u%04x", *p);
		else if (p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9)) {
			/* U+2028, U+2029: valid JSON, but not in JS */
			g_string_append_printf(out, "\\u%04x",
			    p[2] == 0xa8 ? 0x2028 : 0x2029);
			p += 2;
		} else
			g_string_append_c(out, (char)*p);
	}
}

static void
append_value(GString *out, const char *s, enum template_mode mode,
    gboolean raw)
{
	if (mode == TEMPLATE_JSON || mode == TEMPLATE_SLACK)
		append_json(out, s, mode == TEMPLATE_SLACK && !raw);
	else
		g_string_append(out, s);	/* header: flattened after */
}

/* Is c (a code point) a line break or control that a header must not
 * carry? */
static gboolean
header_space(gunichar c)
{
	return c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 ||
	    c == 0x2029 || g_unichar_isspace(c);
}

/* One line: breaks and controls as single spaces, trimmed, capped. */
static char *
header_line(const char *s)
{
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;
	const char *end;

	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (header_space(c)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_unichar(out, c);
	}
	if (out->len > TEMPLATE_MAX_HEADER) {
		end = g_utf8_find_prev_char(out->str, out->str +
		    TEMPLATE_MAX_HEADER - strlen(ELLIPSIS) + 1);
		g_string_truncate(out, (gsize)(end - out->str));
		g_string_append(out, ELLIPSIS);
	}
	return g_string_free(out, FALSE);
}

/* ---- render ---- */

static void
render_nodes(const struct template *t, const struct node *parent,
    const struct template_vars *v, GString *out)
{
	gboolean raw, has;
	char *s;

	for (guint i = 0; i < parent->kids->len; i++) {
		const struct node *n = g_ptr_array_index(parent->kids, i);

		if (n->kind == N_TEXT) {
			g_string_append(out, n->text);
			continue;
		}
		s = value_of(t, v, n->text, &raw);
		has = s != NULL && *s != '\0';
		if (n->kind == N_VAR && has)
			append_value(out, s, t->mode, raw);
		else if ((n->kind == N_IF && has) ||
		    (n->kind == N_UNLESS && !has))
			render_nodes(t, n, v, out);
		g_free(s);
	}
}

char *
template_render(const struct template *t, const struct template_vars *v)
{
	GString *out = g_string_new(NULL);
	char *line;

	render_nodes(t, t->root, v, out);
	if (t->mode != TEMPLATE_HEADER)
		return g_string_free(out, FALSE);
	line = header_line(out->str);
	g_string_free(out, TRUE);
	return line;
}

/* One character (its bytes p..next) as RFC 2047 "Q" text. */
static void
append_q(GString *out, const char *p, const char *next)
{
	for (; p < next; p++) {
		if (*p == ' ')
			g_string_append_c(out, '_');
		else if (g_ascii_isalnum(*p) || strchr("!*+-/", *p) != NULL)
			g_string_append_c(out, *p);
		else
			g_string_append_printf(out, "=%02X", (unsigned char)*p);
	}
}

/*
 * All of s as "Q" encoded words of at most 75 characters, cut between
 * characters. Used when s holds "=?": GMime passes such a word through,
 * and a lead could make the reader's client decode text of its choice.
 */
static char *
encode_words(const char *s)
{
	GString *out = g_string_new(NULL);
	gsize word = 0;		/* where the open word starts in out */
	const char *next;

	for (const char *p = s; *p != '\0'; p = next) {
		next = g_utf8_next_char(p);
		if (out->len == 0 || out->len - word + (gsize)(next - p) * 3 +
		    2 > HEADER_WORD_MAX) {
			if (out->len > 0)
				g_string_append(out, "?= ");
			word = out->len;
			g_string_append(out, "=?utf-8?q?");
		}
		append_q(out, p, next);
	}
	if (out->len > 0)
		g_string_append(out, "?=");
	return g_string_free(out, FALSE);
}

char *
template_header_encode(const char *utf8)
{
	if (strstr(utf8, "=?") != NULL)
		return encode_words(utf8);
	for (const char *p = utf8; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return g_mime_utils_header_encode_text(NULL, utf8,
			    "utf-8");
	return g_strdup(utf8);
}

/* ---- check ---- */

static void
check_nodes(const struct template *t, const struct node *parent,
    struct diag *d, guint *n)
{
	for (guint i = 0; i < parent->kids->len; i++) {
		const struct node *k = g_ptr_array_index(parent->kids, i);

		if (k->kind == N_TEXT || k->bad)
			continue;
		if (!template_known_var(k->text)) {
			diag_add(d, DIAG_ERROR, t->name, k->line, k->col,
			    "unknown variable '%s'", k->text);
			(*n)++;
		}
		if (k->kids != NULL)
			check_nodes(t, k, d, n);
	}
}

/* Every value, hostile: what a lead might send. */
static char *
hostile(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return g_strdup("\"x\\\n<!channel>");
}

/* Does t render to a JSON object with values from v? */
static gboolean
check_json(const struct template *t, const struct template_vars *v,
    const char *when, struct diag *d)
{
	JsonParser *jp = json_parser_new();
	GError *err = NULL;
	char *s = template_render(t, v);
	gboolean ok = json_parser_load_from_data(jp, s, -1, &err);

	if (!ok) {
		diag_add(d, DIAG_ERROR, t->name, 0, 0,
		    "output is not valid JSON when %s: %s", when,
		    err->message);
		g_error_free(err);
	} else if (json_parser_get_root(jp) == NULL ||	/* empty */
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(jp))) {
		diag_add(d, DIAG_ERROR, t->name, 0, 0,
		    "output is not a JSON object");
		ok = FALSE;
	}
	g_free(s);
	g_object_unref(jp);
	return ok;
}

guint
template_check(const struct template *t, struct diag *d)
{
	struct template_vars all = { hostile, NULL };
	guint n = 0;

	check_nodes(t, t->root, d, &n);
	if (t->mode != TEMPLATE_JSON && t->mode != TEMPLATE_SLACK)
		return n;
	if (!check_json(t, &all, "every value is present", d))
		n++;
	else if (!check_json(t, NULL, "every value is missing", d))
		n++;
	return n;
}
