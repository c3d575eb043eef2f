/*
 * rules_lex.c: the lexer of the rules language (spec section 4). A
 * statement is one line; a line that begins with white space continues
 * it; '#' starts a comment outside strings and regexes. A '/' starts a
 * regular expression only right after '~', so that folder names and
 * items such as "Leads/Nurture" stay words.
 */
#include "config.h"

#include <string.h>

#include "rules_p.h"

struct lexer {
	const char *src;
	gsize len, pos;
	int line;
	gsize bol;		/* offset of the current line's start */
	const char *file;
	struct diag *d;
	GArray *toks;
	gboolean in_stmt;	/* tokens since the last T_EOS */
	gsize col_off;		/* col_of() memo: an offset on this line */
	int col_at;		/* ... and its column */
	gboolean dropped;	/* tokens past RULES_MAX_TOKENS were left out */
};

static const char *const tok_names[] = {
	[T_EOS] = "end of line", [T_WORD] = "word", [T_STRING] = "string",
	[T_REGEX] = "regular expression", [T_LBRACK] = "'['",
	[T_RBRACK] = "']'", [T_LPAREN] = "'('", [T_RPAREN] = "')'",
	[T_EQ] = "'='", [T_NE] = "'!='", [T_TILDE] = "'~'", [T_LT] = "'<'",
	[T_LE] = "'<='", [T_GT] = "'>'", [T_GE] = "'>='", [T_ARROW] = "'->'",
	[T_STAR] = "'*'",
};

const char *
rules_tok_name(enum tok t)
{
	return tok_names[t];
}

/* Column of offset off, in characters, 1-based. Counting goes on from
 * the last offset asked for on the same line, so that a long line costs
 * one pass, not one per token. */
static int
col_of(struct lexer *lx, gsize off)
{
	gsize i = lx->bol;
	int col = 1;

	if (lx->col_off >= lx->bol && lx->col_off <= off) {
		i = lx->col_off;
		col = lx->col_at;
	}
	for (; i < off; i++)
		if (((unsigned char)lx->src[i] & 0xC0) != 0x80)
			col++;
	lx->col_off = off;
	lx->col_at = col;
	return col;
}

static void
lex_error(struct lexer *lx, gsize off, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
lex_error(struct lexer *lx, gsize off, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	diag_add(lx->d, DIAG_ERROR, lx->file, lx->line, col_of(lx, off),
	    "%s", msg);
	g_free(msg);
}

static void
push(struct lexer *lx, enum tok type, gsize start, char *text, gboolean spaced)
{
	struct token t = { 0 };

	/* Past the limit only the T_EOS that ends the last statement. */
	if (lx->toks->len >= RULES_MAX_TOKENS && type != T_EOS) {
		lx->dropped = TRUE;
		g_free(text);
		return;
	}
	t.type = type;
	t.text = text;
	t.line = lx->line;
	t.col = col_of(lx, start);
	t.start = start;
	t.end = lx->pos;
	t.spaced = spaced;
	g_array_append_val(lx->toks, t);
	lx->in_stmt = type != T_EOS;
}

static void
end_statement(struct lexer *lx)
{
	if (lx->in_stmt)
		push(lx, T_EOS, lx->pos, NULL, TRUE);
}

static gboolean
word_char(const struct lexer *lx, gsize i)
{
	unsigned char c = lx->src[i];

	if (c == '-' && i + 1 < lx->len && lx->src[i + 1] == '>')
		return FALSE;
	return g_ascii_isalnum(c) || c >= 0x80 ||
	    strchr("_.-@+:/%&$", c) != NULL;
}

/* A newline inside a string or regex moves the line count on. */
static void
newline(struct lexer *lx)
{
	lx->line++;
	lx->bol = lx->pos + 1;
}

static void
lex_string(struct lexer *lx, gboolean spaced)
{
	gsize start = lx->pos;
	int line = lx->line;
	gsize bol = lx->bol;
	GString *s = g_string_new(NULL);

	lx->pos++;
	while (lx->pos < lx->len && lx->src[lx->pos] != '"') {
		char c = lx->src[lx->pos];

		if (c == '\n') {
			lex_error(lx, start, "unterminated string");
			lx->line = line;
			lx->bol = bol;
			g_string_free(s, TRUE);
			return;
		}
		if (c == '\\' && lx->pos + 1 < lx->len) {
			char n = lx->src[lx->pos + 1];

			if (n == '"' || n == '\\') {
				g_string_append_c(s, n);
				lx->pos += 2;
				continue;
			}
			lex_error(lx, lx->pos, "unknown escape '\\%c' in string "
			    "(only \\\" and \\\\ are escapes)", n);
		}
		g_string_append_c(s, c);
		lx->pos++;
	}
	if (lx->pos >= lx->len) {
		lex_error(lx, start, "unterminated string");
		g_string_free(s, TRUE);
		return;
	}
	lx->pos++;
	push(lx, T_STRING, start, g_string_free(s, FALSE), spaced);
}

static void
lex_regex(struct lexer *lx, gboolean spaced)
{
	gsize start = lx->pos, flags;
	gboolean in_class = FALSE;
	struct token *t;

	lx->pos++;
	while (lx->pos < lx->len) {
		char c = lx->src[lx->pos];

		if (c == '\n')
			break;
		if (c == '\\' && lx->pos + 1 < lx->len &&
		    lx->src[lx->pos + 1] != '\n') {
			lx->pos += 2;
			continue;
		}
		if (c == '[')
			in_class = TRUE;
		else if (c == ']')
			in_class = FALSE;
		else if (c == '/' && !in_class)
			break;
		lx->pos++;
	}
	if (lx->pos >= lx->len || lx->src[lx->pos] != '/') {
		lex_error(lx, start, "unterminated regular expression "
		    "(a '/' must end it on the same line)");
		return;
	}
	lx->pos++;
	flags = lx->pos;
	while (lx->pos < lx->len && g_ascii_isalpha(lx->src[lx->pos])) {
		char f = lx->src[lx->pos];

		if (f != 'i' && f != 'm')
			lex_error(lx, lx->pos, "unknown regular expression "
			    "flag '%c' (i and m are allowed)", f);
		lx->pos++;
	}
	push(lx, T_REGEX, start, g_strndup(lx->src + start + 1,
	    flags - start - 2), spaced);
	t = &g_array_index(lx->toks, struct token, lx->toks->len - 1);
	t->flags = g_strndup(lx->src + flags, lx->pos - flags);
}

static gboolean
prev_is(const struct lexer *lx, enum tok type)
{
	return lx->in_stmt && lx->toks->len > 0 &&
	    g_array_index(lx->toks, struct token, lx->toks->len - 1).type ==
	    type;
}

GArray *
rules_lex(const char *src, gsize len, const char *file, struct diag *d)
{
	struct lexer lx = { .src = src, .len = len, .line = 1, .file = file,
	    .d = d, .col_at = 1 };
	gboolean spaced = TRUE;
	const char *bad;

	lx.toks = g_array_new(FALSE, TRUE, sizeof(struct token));
	if (!g_utf8_validate(src, len, &bad)) {
		/* Report the first bad byte; the lexer reads on bytewise. */
		for (const char *p = src; p < bad; p++)
			if (*p == '\n') {
				lx.line++;
				lx.bol = p - src + 1;
			}
		lex_error(&lx, bad - src, "invalid UTF-8");
		lx.line = 1;
		lx.bol = 0;
	}
	while (lx.pos < len) {
		char c = src[lx.pos];
		gsize start = lx.pos;

		if (c == '\n') {
			newline(&lx);
			lx.pos++;
			spaced = TRUE;
			/* A line starting in column 1 starts a statement,
			 * unless it is blank or a comment. */
			if (lx.pos < len && src[lx.pos] != ' ' &&
			    src[lx.pos] != '\t' && src[lx.pos] != '\n' &&
			    src[lx.pos] != '\r' && src[lx.pos] != '#')
				end_statement(&lx);
			continue;
		}
		/* Commas may separate list items, as people write them. */
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		    c == '\v' || c == ',') {
			lx.pos++;
			spaced = TRUE;
			continue;
		}
		if (c == '#') {
			while (lx.pos < len && src[lx.pos] != '\n')
				lx.pos++;
			continue;
		}
		if (c == '"')
			lex_string(&lx, spaced);
		else if (c == '/' && prev_is(&lx, T_TILDE))
			lex_regex(&lx, spaced);
		else if (word_char(&lx, lx.pos)) {
			while (lx.pos < len && word_char(&lx, lx.pos))
				lx.pos++;
			push(&lx, T_WORD, start, g_strndup(src + start,
			    lx.pos - start), spaced);
		} else {
			enum tok t;
			gsize n = 1;
			char c2 = lx.pos + 1 < len ? src[lx.pos + 1] : '\0';

			switch (c) {
			case '[': t = T_LBRACK; break;
			case ']': t = T_RBRACK; break;
			case '(': t = T_LPAREN; break;
			case ')': t = T_RPAREN; break;
			case '~': t = T_TILDE; break;
			case '*': t = T_STAR; break;
			case '=': t = T_EQ; if (c2 == '=') n = 2; break;
			case '<': t = c2 == '=' ? T_LE : T_LT; n += c2 == '='; break;
			case '>': t = c2 == '=' ? T_GE : T_GT; n += c2 == '='; break;
			case '-': t = T_ARROW; n = 2; break;	/* "->" */
			case '!':
				if (c2 == '=') {
					t = T_NE;
					n = 2;
					break;
				}
				/* FALLTHROUGH */
			default:
				lex_error(&lx, lx.pos, "unexpected character "
				    "'%c'", g_ascii_isprint(c) ? c : '?');
				lx.pos++;
				spaced = FALSE;
				continue;
			}
			lx.pos += n;
			push(&lx, t, start, NULL, spaced);
		}
		spaced = FALSE;
	}
	end_statement(&lx);
	if (lx.dropped)
		diag_add(d, DIAG_ERROR, file, 0, 0, "more than %d tokens",
		    RULES_MAX_TOKENS);
	return lx.toks;
}

void
rules_tokens_free(GArray *toks)
{
	if (toks == NULL)
		return;
	for (guint i = 0; i < toks->len; i++) {
		struct token *t = &g_array_index(toks, struct token, i);

		g_free(t->text);
		g_free(t->flags);
	}
	g_array_free(toks, TRUE);
}
