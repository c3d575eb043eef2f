/*
 * html.c: HTML bodies, read with libxml2's HTML parser into a tree that
 * is then walked by hand: once to render the text a person would see,
 * once to find the label/value pairs of form-notification layouts.
 *
 * Everything is bounded: the input is cut at HTML_MAX_BYTES and made
 * valid UTF-8 before libxml2 sees it, and no walk descends more than
 * HTML_MAX_DEPTH elements, so what is nested deeper is left out rather
 * than risking the stack. libxml2 itself stops parsing at 256 levels of
 * nesting, keeping what came before; that limit also keeps its own
 * work linear, so it is left on. libxml2's complaints are silenced:
 * broken markup is the rule in mail, not news.
 *
 * Rendering choices: a non-breaking space is an ordinary space; <li>
 * starts a line with "- "; links give their text only; non-empty table
 * cells of a row are separated by one tab; <p>, headings, <blockquote>
 * and <pre> are set off by a blank line, other blocks by a line break;
 * elements hidden with display:none or the hidden attribute are not
 * shown.
 */
#include "config.h"

#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "form.h"
#include "html.h"

/* RECOVER: mail is broken HTML; IGNORE_ENC: the input is UTF-8 already,
 * whatever its <meta> says. Blank text nodes are kept: they are the
 * spaces between inline elements. */
#define HTML_OPTIONS	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | \
    HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | \
    HTML_PARSE_COMPACT)

/* libxml2 checks each attribute of a tag against all those before it,
 * so one tag with 200,000 attributes keeps it busy for a minute. Mail
 * needs a few dozen at most. */
#define HTML_MAX_ATTRS	256

struct html_doc {
	xmlDoc *doc;		/* owned; NULL when nothing was parsed */
};

enum elem_kind {
	EK_INLINE = 0,		/* text flows through */
	EK_SKIP,		/* never shown */
	EK_BREAK,		/* <br> */
	EK_LINE,		/* a block: on lines of its own */
	EK_PARA,		/* a block with margins: a blank line around */
	EK_PRE,			/* as EK_PARA, white space kept */
	EK_ITEM,		/* a list item: a line with a bullet */
	EK_CELL			/* a table cell: a tab from the one before */
};

static const struct {
	const char *name;
	enum elem_kind kind;
} elems[] = {
	{ "script", EK_SKIP }, { "style", EK_SKIP }, { "head", EK_SKIP },
	{ "title", EK_SKIP }, { "template", EK_SKIP }, { "iframe", EK_SKIP },
	{ "xml", EK_SKIP }, { "svg", EK_SKIP },
	{ "br", EK_BREAK },
	{ "div", EK_LINE }, { "tr", EK_LINE }, { "table", EK_LINE },
	{ "ul", EK_LINE }, { "ol", EK_LINE }, { "dl", EK_LINE },
	{ "dt", EK_LINE }, { "dd", EK_LINE }, { "hr", EK_LINE },
	{ "section", EK_LINE }, { "article", EK_LINE },
	{ "header", EK_LINE }, { "footer", EK_LINE }, { "nav", EK_LINE },
	{ "aside", EK_LINE }, { "main", EK_LINE }, { "address", EK_LINE },
	{ "center", EK_LINE }, { "form", EK_LINE }, { "fieldset", EK_LINE },
	{ "legend", EK_LINE }, { "caption", EK_LINE }, { "figure", EK_LINE },
	{ "figcaption", EK_LINE }, { "details", EK_LINE },
	{ "summary", EK_LINE },
	{ "p", EK_PARA }, { "blockquote", EK_PARA }, { "h1", EK_PARA },
	{ "h2", EK_PARA }, { "h3", EK_PARA }, { "h4", EK_PARA },
	{ "h5", EK_PARA }, { "h6", EK_PARA },
	{ "pre", EK_PRE },
	{ "li", EK_ITEM },
	{ "td", EK_CELL }, { "th", EK_CELL },
};

static gboolean
is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static gboolean style_has(const xmlNode *e, const char *const *needles);

static enum elem_kind
elem_kind(const xmlNode *e)
{
	static const char *const block[] = { "display:block", NULL };

	for (gsize i = 0; i < G_N_ELEMENTS(elems); i++)
		if (strcmp((const char *)e->name, elems[i].name) == 0)
			return elems[i].kind;
	/* <b style="display:block">Question</b> answer (Typeform) */
	if (e->properties != NULL && style_has(e, block))
		return EK_LINE;
	return EK_INLINE;
}

/* An attribute's value, or NULL; the caller frees it with xmlFree(). */
static char *
attr(const xmlNode *e, const char *name)
{
	return (char *)xmlGetProp(e, (const xmlChar *)name);
}

/* The style attribute lowercased without white space, so that
 * "Border-Top: solid #E1E1E1" reads "border-top:solid#e1e1e1"; NULL when
 * there is none. */
static char *
style_key(const xmlNode *e)
{
	char *style = attr(e, "style");
	GString *s;

	if (style == NULL)
		return NULL;
	s = g_string_new(NULL);
	for (const char *p = style; *p != '\0'; p++)
		if (!g_ascii_isspace(*p))
			g_string_append_c(s, g_ascii_tolower(*p));
	xmlFree(style);
	return g_string_free(s, FALSE);
}

static gboolean
style_has(const xmlNode *e, const char *const *needles)
{
	char *key = style_key(e);
	gboolean found = FALSE;

	if (key == NULL)
		return FALSE;
	for (guint i = 0; needles[i] != NULL && !found; i++)
		found = strstr(key, needles[i]) != NULL;
	g_free(key);
	return found;
}

static gboolean
has_attr(const xmlNode *e, const char *name)
{
	return xmlHasProp(e, (const xmlChar *)name) != NULL;
}

static gboolean
is_hidden(const xmlNode *e)
{
	static const char *const hide[] = { "display:none", NULL };

	return has_attr(e, "hidden") || style_has(e, hide);
}

static gboolean
word_matches(const char *word, const char *want, gboolean suffix)
{
	gsize k = strlen(word), n = strlen(want);

	return strcmp(word, want) == 0 ||
	    (suffix && k > n && strcmp(word + k - n, want) == 0);
}

/* Does attribute name hold want: as its value, or as one word of a class
 * list; with suffix, also as the end of it? */
static gboolean
attr_matches(const xmlNode *e, const char *name, const char *want,
    gboolean suffix)
{
	char *v = attr(e, name);
	char **words;
	gboolean found = FALSE;

	if (v == NULL)
		return FALSE;
	if (strcmp(name, "class") != 0) {
		found = word_matches(v, want, suffix);
		xmlFree(v);
		return found;
	}
	words = g_strsplit_set(v, " \t\r\n\f", -1);
	for (guint i = 0; words[i] != NULL && !found; i++)
		found = word_matches(words[i], want, suffix);
	g_strfreev(words);
	xmlFree(v);
	return found;
}

enum quote_mark {
	QM_NONE = 0,
	QM_QUOTE,		/* the element is quoted */
	QM_REST			/* it and everything after it are */
};

/* How mail programs mark a quoted original in HTML. Prefixed forms come
 * from replies to replies: Yahoo's "ydp1a2b...yahoo_quoted", Outlook on
 * the web's "x_divRplyFwdMsg". */
static const struct {
	const char *attr;
	const char *value;
	gboolean suffix;	/* value may have a prefix */
	enum quote_mark mark;
} quote_marks[] = {
	{ "class", "gmail_quote", FALSE, QM_QUOTE },	/* Gmail */
	{ "class", "yahoo_quoted", TRUE, QM_QUOTE },	/* Yahoo */
	{ "class", "moz-cite-prefix", FALSE, QM_QUOTE }, /* Thunderbird */
	{ "id", "divRplyFwdMsg", TRUE, QM_REST },	/* Outlook web */
	{ "id", "appendonsend", TRUE, QM_REST },	/* Outlook web */
	{ "class", "OutlookMessageHeader", FALSE, QM_REST },
	{ "id", "stopSpelling", FALSE, QM_REST },	/* Hotmail */
};

/* Outlook desktop's "From: ... Sent: ..." block sits in a div with a
 * rule above it (see style_key() for the spelling). */
static const char *const outlook_rules[] = {
	"border-top:solid#e1e1e1", "border:none;border-top:solid#b5c4df", NULL
};

static enum quote_mark
quote_mark(const xmlNode *e)
{
	if (is_elem(e, "blockquote"))	/* all of them: Apple, Thunderbird */
		return QM_QUOTE;
	for (gsize i = 0; i < G_N_ELEMENTS(quote_marks); i++)
		if (attr_matches(e, quote_marks[i].attr, quote_marks[i].value,
		    quote_marks[i].suffix))
			return quote_marks[i].mark;
	if (is_elem(e, "div") && style_has(e, outlook_rules))
		return QM_REST;
	return QM_NONE;
}

/*
 * Rendering. White space, line breaks and cell tabs are owed rather than
 * written, and paid only before the next visible character, so that
 * empty elements leave nothing and breaks never pile up at the ends.
 */
struct render {
	GString *buf;		/* the text so far */
	guint breaks;		/* newlines owed */
	gboolean space;		/* a space owed */
	gboolean tab;		/* a cell separator owed */
	gboolean bullet;	/* a list bullet owed */
	gboolean cell_top;	/* nothing written yet in the open cell */
	gboolean pre_top;	/* nothing written yet in the open <pre> */
	guint pre;		/* <pre> elements open: white space kept */
	gboolean drop_quotes;	/* leave quoted originals out */
	gboolean stopped;	/* a reply header was met: the rest is quoted */
};

static gboolean
line_start(const struct render *r)
{
	return r->buf->len == 0 || r->buf->str[r->buf->len - 1] == '\n';
}

static void
pay_owed(struct render *r)
{
	if (r->buf->len > 0 && r->breaks > 0)	/* two: one blank line */
		g_string_append_len(r->buf, "\n\n", MIN(r->breaks, 2));
	else if (r->tab && !line_start(r))
		g_string_append_c(r->buf, '\t');
	else if (r->space && !line_start(r))
		g_string_append_c(r->buf, ' ');
	if (r->bullet && line_start(r))
		g_string_append(r->buf, "- ");
	r->breaks = 0;
	r->space = r->tab = r->bullet = r->cell_top = r->pre_top = FALSE;
}

/* Length of a white-space character at s (a no-break space counts), or 0. */
static gsize
space_len(const char *s)
{
	if (strchr(" \t\n\r\f", *s) != NULL && *s != '\0')
		return 1;
	if ((guchar)s[0] == 0xc2 && (guchar)s[1] == 0xa0)
		return 2;
	return 0;
}

/* Length of a character no one sees at s (zero-width space, byte-order
 * mark, soft hyphen), or 0. */
static gsize
invisible_len(const char *s)
{
	if (strncmp(s, "\xe2\x80\x8b", 3) == 0 ||
	    strncmp(s, "\xef\xbb\xbf", 3) == 0)
		return 3;
	if (strncmp(s, "\xc2\xad", 2) == 0)
		return 2;
	return 0;
}

/* White space inside <pre>: kept, CR LF and CR read as LF. Line breaks
 * are owed like any other, so that those at the top and bottom of the
 * <pre> show no more than a browser shows. */
static void
add_pre_space(struct render *r, const char *s, gsize n)
{
	if (*s == '\r' && s[1] == '\n')
		return;
	if (*s == '\r' || *s == '\n') {
		r->breaks += !r->pre_top;
		return;
	}
	pay_owed(r);
	g_string_append_c(r->buf, n == 1 ? *s : ' ');
}

static void
add_text(struct render *r, const char *s)
{
	while (*s != '\0') {
		gsize n = invisible_len(s);

		if (n > 0) {
			s += n;
			continue;
		}
		n = space_len(s);
		if (n > 0 && r->pre > 0)
			add_pre_space(r, s, n);
		else if (n > 0)
			r->space = TRUE;
		else {
			n = g_utf8_next_char(s) - s;
			pay_owed(r);
			g_string_append_len(r->buf, s, (gssize)n);
		}
		s += n;
	}
}

static void render_children(struct render *, const xmlNode *, guint);

/* Is the cell the first of its row? */
static gboolean
first_cell(const xmlNode *cell)
{
	for (const xmlNode *c = cell->prev; c != NULL; c = c->prev)
		if (is_elem(c, "td") || is_elem(c, "th"))
			return FALSE;
	return TRUE;
}

/* What an element owes before (open) and after (!open) its content. A
 * table cell is a box of its own: blocks at its top and bottom give no
 * line breaks, and cells after the first sit beside it. */
static void
block_edge(struct render *r, const xmlNode *e, enum elem_kind k,
    gboolean open)
{
	guint want = k == EK_PARA || k == EK_PRE ? 2 : 1;

	switch (k) {
	case EK_BREAK:
		r->breaks += open;
		break;
	case EK_LINE:
	case EK_ITEM:
	case EK_PARA:
	case EK_PRE:
		if (!r->cell_top)
			r->breaks = MAX(r->breaks, want);
		if (k == EK_ITEM)	/* an empty item shows no bullet */
			r->bullet = open;
		if (k == EK_PRE) {
			r->pre = open ? r->pre + 1 : r->pre - 1;
			r->pre_top = open;
		}
		break;
	case EK_CELL:
		r->tab = r->tab || (open && !first_cell(e));
		r->cell_top = open;
		break;
	default:
		break;
	}
}

static void
render_element(struct render *r, const xmlNode *e, guint depth)
{
	enum elem_kind k = elem_kind(e);
	gsize mark;

	if (k == EK_SKIP || is_hidden(e))
		return;
	if (r->drop_quotes) {
		switch (quote_mark(e)) {
		case QM_QUOTE:
			return;
		case QM_REST:
			r->stopped = TRUE;
			return;
		default:
			break;
		}
	}
	mark = r->buf->len;
	block_edge(r, e, k, TRUE);
	render_children(r, e, depth);
	block_edge(r, e, k, FALSE);
	if (k == EK_CELL && r->buf->len > mark)
		r->breaks = 0;	/* owed at a cell's bottom: inside its box */
}

static void
render_children(struct render *r, const xmlNode *n, guint depth)
{
	if (depth >= HTML_MAX_DEPTH)
		return;
	for (const xmlNode *c = n->children; c != NULL && !r->stopped;
	    c = c->next) {
		if (c->type == XML_TEXT_NODE && c->content != NULL)
			add_text(r, (const char *)c->content);
		else if (c->type == XML_ELEMENT_NODE)
			render_element(r, c, depth + 1);
	}
}

/* The final text: trailing blanks cut from each line, at most one blank
 * line in a row (<pre> may hold more), none at either end. */
static char *
finish(GString *buf)
{
	GString *out = g_string_sized_new(buf->len);
	char **lines = g_strsplit(buf->str, "\n", -1);
	gboolean blank = FALSE;

	for (guint i = 0; lines[i] != NULL; i++) {
		char *line = g_strchomp(lines[i]);

		if (*line == '\0') {
			blank = out->len > 0;
			continue;
		}
		if (out->len > 0)
			g_string_append(out, blank ? "\n\n" : "\n");
		g_string_append(out, line);
		blank = FALSE;
	}
	g_strfreev(lines);
	g_string_free(buf, TRUE);
	return g_string_free(out, FALSE);
}

/* The text of the content of n, trimmed. */
static char *
node_text(const xmlNode *n, guint depth)
{
	struct render r = { .buf = g_string_new(NULL) };

	render_children(&r, n, depth);
	return g_strstrip(finish(r.buf));
}

/*
 * Form pairs. Layout tables usually wrap the form's own table, so only
 * the innermost rows, those without a table inside, are read as pairs;
 * the others are searched for nested tables.
 */
struct pairs_walk {
	GPtrArray *pairs;	/* the result */
	guint max;		/* pairs wanted at most */
	GHashTable *outer;	/* rows holding a table; nodes borrowed */
};

/* The cells of one row. */
struct row {
	const xmlNode *cell[2];	/* borrowed: the first two with text */
	char *text[2];		/* owned: their text */
	guint cells;		/* cells in the row */
	guint filled;		/* cells with text */
	gboolean first_filled;	/* the first cell has text */
	gboolean last_filled;	/* the last cell has text */
};

/* Record the rows holding a table; is there a table under n? */
static gboolean
mark_outer_rows(struct pairs_walk *w, const xmlNode *n, guint depth)
{
	gboolean found = FALSE;

	if (depth >= HTML_MAX_DEPTH)
		return FALSE;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		gboolean below;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		below = mark_outer_rows(w, c, depth + 1);
		if (below && is_elem(c, "tr"))
			g_hash_table_add(w->outer, (gpointer)c);
		found = found || below || is_elem(c, "table");
	}
	return found;
}

static void
row_read(struct row *r, const xmlNode *tr, guint depth)
{
	memset(r, 0, sizeof(*r));
	for (const xmlNode *c = tr->children; c != NULL; c = c->next) {
		char *text;

		if (!is_elem(c, "td") && !is_elem(c, "th"))
			continue;
		text = node_text(c, depth + 1);
		r->last_filled = *text != '\0';
		if (r->cells++ == 0)
			r->first_filled = r->last_filled;
		if (r->last_filled && r->filled < 2) {
			r->cell[r->filled] = c;
			r->text[r->filled] = text;
		} else
			g_free(text);
		r->filled += r->last_filled;
	}
}

static void
row_clear(struct row *r)
{
	g_free(r->text[0]);
	g_free(r->text[1]);
}

/* Add a pair unless the label is no label (empty, long, several lines);
 * the pair added or NULL. */
static struct form_pair *
add_pair(struct pairs_walk *w, const char *raw_label, const char *raw_value)
{
	char *label = g_strdup(raw_label), *value;
	struct form_pair *p = NULL;
	gsize n;

	g_strstrip(label);
	n = strlen(label);
	while (n > 0 && (label[n - 1] == ':' || label[n - 1] == ' '))
		label[--n] = '\0';
	if (n > 0 && n <= FORM_MAX_LABEL && strchr(label, '\n') == NULL &&
	    w->pairs->len < w->max) {
		value = g_strdup(raw_value);
		n = strlen(value);
		if (n > FORM_MAX_VALUE)	/* cut on a character boundary */
			*g_utf8_find_prev_char(value,
			    value + FORM_MAX_VALUE + 1) = '\0';
		p = form_pair_new(label, g_strstrip(value));
		g_ptr_array_add(w->pairs, p);
		g_free(value);
	}
	g_free(label);
	return p;
}

/* More of a value: <dd> after <dd>. */
static void
append_value(struct form_pair *p, const char *more)
{
	char *v;

	if (*more == '\0' || strlen(p->value) + strlen(more) + 1 >
	    FORM_MAX_VALUE)
		return;
	v = *p->value != '\0' ? g_strconcat(p->value, "\n", more, NULL) :
	    g_strdup(more);
	g_free(p->value);
	p->value = v;
}

static gboolean
is_bold(const xmlNode *e)
{
	static const char *const weights[] = { "font-weight:bold",
		"font-weight:600", "font-weight:700", "font-weight:800",
		"font-weight:900", NULL };
	static const char *const names[] = { "b", "strong", "th", "h1", "h2",
		"h3", "h4", "h5", "h6", NULL };

	for (guint i = 0; names[i] != NULL; i++)
		if (is_elem(e, names[i]))
			return TRUE;
	return style_has(e, weights);
}

static gboolean
is_blank(const char *s)
{
	gsize n;

	while (*s != '\0') {
		n = space_len(s) + invisible_len(s);
		if (n == 0)
			return FALSE;
		s += n;
	}
	return TRUE;
}

/* Is every visible character under n set in bold? */
static gboolean
all_bold(const xmlNode *n, gboolean bold, guint depth)
{
	if (depth >= HTML_MAX_DEPTH)
		return bold;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE && !bold && c->content != NULL &&
		    !is_blank((const char *)c->content))
			return FALSE;
		if (c->type == XML_ELEMENT_NODE && elem_kind(c) != EK_SKIP &&
		    !all_bold(c, bold || is_bold(c), depth + 1))
			return FALSE;
	}
	return TRUE;
}

static gboolean
has_background(const xmlNode *e)
{
	static const char *const bg[] = { "background", NULL };

	return has_attr(e, "bgcolor") || has_attr(e, "background") ||
	    style_has(e, bg);
}

/* Is the row's one filled cell the label of a label row / value row
 * pair (Gravity Forms, WPForms)? It is short, and set off: bold, on a
 * coloured background, a short phrase ending in ':' or '?', or one of
 * the labels of a lead field (a label styled by a CSS class alone). */
static gboolean
is_label_row(const struct row *r, const xmlNode *tr, guint depth)
{
	const char *t = r->text[0];
	gsize n = strlen(t);
	guint words = 0;

	if (n > FORM_MAX_LABEL || strchr(t, '\n') != NULL)
		return FALSE;
	if (all_bold(r->cell[0], is_bold(r->cell[0]), depth + 1) ||
	    has_background(tr) || has_background(r->cell[0]) ||
	    form_field_of_label(t, NULL) != FF_NONE)
		return TRUE;
	for (const char *p = t; *p != '\0'; p++)
		words += *p == ' ';
	return (t[n - 1] == ':' || t[n - 1] == '?') &&
	    words + 1 < FORM_MAX_LABEL_WORDS;
}

/* Pairs of one innermost row, with the row after it when that holds the
 * value; the number of rows used up beyond tr (0 or 1), or -1 when the
 * row made no pair. */
static int
row_pairs(struct pairs_walk *w, const xmlNode *tr, const xmlNode *next,
    guint depth)
{
	struct row r, v;
	int used = -1;

	row_read(&r, tr, depth);
	if (r.filled == 2) {
		/* Two header cells head the columns: not a pair. */
		if (!is_elem(r.cell[0], "th") || !is_elem(r.cell[1], "th"))
			used = add_pair(w, r.text[0], r.text[1]) ? 0 : -1;
	} else if (r.filled == 1 && r.cells == 2 && r.first_filled) {
		used = add_pair(w, r.text[0], "") ? 0 : -1;
	} else if (r.filled == 1 && r.last_filled && next != NULL &&
	    is_label_row(&r, tr, depth)) {
		row_read(&v, next, depth);
		/* A bold next row is another label (the first was a section
		 * heading), not a value; so is a field's label. */
		if (v.filled == 1 && !all_bold(v.cell[0], is_bold(v.cell[0]),
		    depth + 1) && (form_field_of_label(v.text[0], NULL) ==
		    FF_NONE || form_field_of_label(r.text[0], NULL) == FF_NONE))
			used = add_pair(w, r.text[0], v.text[0]) ? 1 : -1;
		row_clear(&v);
	}
	row_clear(&r);
	return used;
}

static void find_pairs(struct pairs_walk *, const xmlNode *, guint);

static void dl_pairs(struct pairs_walk *, const xmlNode *, guint);

/* The rows of a table in order, looked for through thead and tbody and
 * through the <form> or <div> that broken HTML puts in between. A table
 * or <dl> met there, outside any row, is listed too. */
static void
table_rows(GPtrArray *rows, const xmlNode *n, guint depth)
{
	if (depth >= HTML_MAX_DEPTH)
		return;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || elem_kind(c) == EK_SKIP ||
		    is_hidden(c) || is_elem(c, "blockquote"))
			continue;
		if (is_elem(c, "tr") || is_elem(c, "table") ||
		    is_elem(c, "dl"))
			g_ptr_array_add(rows, (gpointer)c);
		else if (!is_elem(c, "td") && !is_elem(c, "th"))
			table_rows(rows, c, depth + 1);
	}
}

static gboolean
is_inner_row(struct pairs_walk *w, const xmlNode *n)
{
	return is_elem(n, "tr") && !g_hash_table_contains(w->outer, n);
}

static void
table_pairs(struct pairs_walk *w, const xmlNode *table, guint depth)
{
	GPtrArray *rows = g_ptr_array_new();

	table_rows(rows, table, depth);
	for (guint i = 0; i < rows->len && w->pairs->len < w->max; i++) {
		const xmlNode *n = rows->pdata[i];
		const xmlNode *next = i + 1 < rows->len ? rows->pdata[i + 1] :
		    NULL;
		int used = -1;

		if (is_elem(n, "table"))
			table_pairs(w, n, depth + 1);
		else if (is_elem(n, "dl"))
			dl_pairs(w, n, depth + 1);
		else if (is_inner_row(w, n))
			used = row_pairs(w, n, next != NULL &&
			    is_inner_row(w, next) ? next : NULL, depth + 1);
		/* Outer rows hold tables; a <dl> may sit in a layout cell. */
		if (used < 0 && is_elem(n, "tr"))
			find_pairs(w, n, depth + 1);
		else if (used > 0)
			i += (guint)used;
	}
	g_ptr_array_free(rows, TRUE);
}

/* <dt> label, then one or more <dd> values; HTML 5 lets a <div> group
 * each dt/dd set. */
static void
dl_pairs(struct pairs_walk *w, const xmlNode *dl, guint depth)
{
	struct form_pair *cur = NULL;	/* borrowed: the pair being filled */
	char *text;

	if (depth >= HTML_MAX_DEPTH)
		return;
	for (const xmlNode *c = dl->children; c != NULL &&
	    w->pairs->len < w->max; c = c->next) {
		if (is_elem(c, "div")) {
			dl_pairs(w, c, depth + 1);
			cur = NULL;
		} else if (is_elem(c, "dt")) {
			text = node_text(c, depth + 1);
			cur = add_pair(w, text, "");
			g_free(text);
		} else if (is_elem(c, "dd") && cur != NULL) {
			text = node_text(c, depth + 1);
			append_value(cur, text);
			g_free(text);
		}
	}
}

static void
find_pairs(struct pairs_walk *w, const xmlNode *n, guint depth)
{
	if (depth >= HTML_MAX_DEPTH)
		return;
	for (const xmlNode *c = n->children; c != NULL &&
	    w->pairs->len < w->max; c = c->next) {
		/* A form inside a <blockquote> is a quoted reply's, not this
		 * message's: the lead is the person replying. Forwards (Gmail
		 * puts them in a div, not a blockquote) are still read. */
		if (c->type != XML_ELEMENT_NODE || elem_kind(c) == EK_SKIP ||
		    is_hidden(c) || is_elem(c, "blockquote"))
			continue;
		if (is_elem(c, "table"))
			table_pairs(w, c, depth + 1);
		else if (is_elem(c, "dl"))
			dl_pairs(w, c, depth + 1);
		else
			find_pairs(w, c, depth + 1);
	}
}

/* Where a tag with more than HTML_MAX_ATTRS attributes starts, or len.
 * Only white-space separated words are counted, quoted values skipped:
 * a rough count is enough to tell a hostile tag from a real one. */
static gsize
attr_flood(const char *s, gsize len)
{
	for (gsize i = 0; i + 1 < len; i++) {
		guint words = 0;
		char quote = '\0';
		gsize j;

		if (s[i] != '<' || !g_ascii_isalpha(s[i + 1]))
			continue;
		for (j = i + 1; j < len && (quote || s[j] != '>'); j++) {
			if (quote != '\0')
				quote = s[j] == quote ? '\0' : quote;
			else if ((s[j] == '"' || s[j] == '\'') &&
			    s[j - 1] == '=')
				quote = s[j];
			else if (g_ascii_isspace(s[j - 1]) &&
			    !g_ascii_isspace(s[j]) && ++words > HTML_MAX_ATTRS)
				return i;
		}
		i = j;
	}
	return len;
}

/* HTML_PARSE_NOERROR silences the parser; errors raised outside it (the
 * encoding layer, allocation) still go to the generic handler, which
 * prints to stderr. Mail is too often broken to let them through. */
static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

struct html_doc *
html_parse(const char *html, gsize len)
{
	struct html_doc *h = g_new0(struct html_doc, 1);
	xmlGenericErrorFunc saved = xmlGenericError;
	void *saved_ctx = xmlGenericErrorContext;
	gsize cut = MIN(len, HTML_MAX_BYTES);
	char *clean;

	if (html == NULL || len == 0)
		return h;
	/* Cut before a character, not inside one; at most 3 steps back. */
	for (guint i = 0; cut < len && i < 3 &&
	    ((guchar)html[cut] & 0xc0) == 0x80; i++)
		cut--;
	/* NUL and undecodable bytes become U+FFFD: libxml2 would otherwise
	 * stop at the one and guess a new charset at the other. */
	clean = g_utf8_make_valid(html, (gssize)cut);
	cut = attr_flood(clean, strlen(clean));
	xmlSetGenericErrorFunc(NULL, quiet);
	h->doc = htmlReadMemory(clean, (int)cut, NULL, "UTF-8", HTML_OPTIONS);
	xmlSetGenericErrorFunc(saved_ctx, saved);
	g_free(clean);
	return h;
}

void
html_free(struct html_doc *h)
{
	if (h == NULL)
		return;
	if (h->doc != NULL)
		xmlFreeDoc(h->doc);
	g_free(h);
}

char *
html_text(struct html_doc *h, gboolean drop_quotes)
{
	struct render r = { .drop_quotes = drop_quotes };

	if (h == NULL || h->doc == NULL)
		return g_strdup("");
	r.buf = g_string_new(NULL);
	render_children(&r, (const xmlNode *)h->doc, 0);
	return finish(r.buf);
}

GPtrArray *
html_form_pairs(struct html_doc *h, guint max)
{
	struct pairs_walk w = { .max = max };

	w.pairs = g_ptr_array_new_with_free_func(form_pair_free);
	if (h == NULL || h->doc == NULL)
		return w.pairs;
	w.outer = g_hash_table_new(g_direct_hash, g_direct_equal);
	mark_outer_rows(&w, (const xmlNode *)h->doc, 0);
	find_pairs(&w, (const xmlNode *)h->doc, 0);
	g_hash_table_destroy(w.outer);
	return w.pairs;
}
