/*
 * forward.c: read a message forwarded inline back out of the text of
 * its forward. Clients write a marker line, then the forwarded message's
 * header block ("From:", "Date:", "Subject:", "To:", translated), then
 * its text; Apple Mail quotes all of it with '>'. The words each client
 * writes, per language, are in the tables below (sources: docs/design.md,
 * "Forwarded leads").
 */
#include "config.h"

#include <string.h>

#include "forward.h"

#define FORWARD_MAX_LABEL	24	/* bytes of a header label */
#define FORWARD_MAX_GAP		3	/* blank lines between marker and block */

/* Marker lines that start a forwarded message, casefolded, without the
 * dashes and the colon around them. */
static const char *const fwd_markers[] = {
	"forwarded message", "begin forwarded message",
	"weitergeleitete nachricht", "anfang der weitergeleiteten nachricht",
	"anfang der weitergeleiteten e-mail", "message transféré",
	"message transfere", "début du message réexpédié",
	"début du message transféré", "mensaje reenviado",
	"inicio del mensaje reenviado", "messaggio inoltrato",
	"inizio messaggio inoltrato", "doorgestuurd bericht",
	"begin doorgestuurd bericht", "mensagem encaminhada",
	"início da mensagem reencaminhada", "vidarebefordrat meddelande",
	"videresendt meddelelse", "videresendt melding",
	"przekazana wiadomość", "пересылаемое сообщение", NULL
};
/* Markers that replies use as well: a forward only with its subject. */
static const char *const orig_markers[] = {
	"original message", "ursprüngliche nachricht", "message d'origine",
	"mensaje original", "messaggio originale", "oorspronkelijk bericht",
	"mensagem original", NULL
};

enum fwd_field { FH_NONE, FH_FROM, FH_DATE, FH_SUBJECT, FH_TO, FH_CC,
	FH_REPLY_TO };

static const struct {
	const char *label;	/* casefolded, no colon */
	enum fwd_field f;
} fwd_labels[] = {
	{ "from", FH_FROM }, { "von", FH_FROM }, { "de", FH_FROM },
	{ "da", FH_FROM }, { "van", FH_FROM }, { "fra", FH_FROM },
	{ "från", FH_FROM }, { "od", FH_FROM }, { "от", FH_FROM },
	{ "date", FH_DATE }, { "sent", FH_DATE }, { "datum", FH_DATE },
	{ "gesendet", FH_DATE }, { "envoyé", FH_DATE }, { "envoye", FH_DATE },
	{ "enviado", FH_DATE }, { "enviado el", FH_DATE },
	{ "fecha", FH_DATE }, { "data", FH_DATE }, { "inviato", FH_DATE },
	{ "verzonden", FH_DATE }, { "skickat", FH_DATE }, { "sendt", FH_DATE },
	{ "wysłano", FH_DATE }, { "отправлено", FH_DATE },
	{ "subject", FH_SUBJECT }, { "betreff", FH_SUBJECT },
	{ "objet", FH_SUBJECT }, { "sujet", FH_SUBJECT },
	{ "asunto", FH_SUBJECT }, { "oggetto", FH_SUBJECT },
	{ "onderwerp", FH_SUBJECT }, { "assunto", FH_SUBJECT },
	{ "ämne", FH_SUBJECT }, { "emne", FH_SUBJECT }, { "temat", FH_SUBJECT },
	{ "тема", FH_SUBJECT },
	{ "to", FH_TO }, { "an", FH_TO }, { "à", FH_TO }, { "a", FH_TO },
	{ "pour", FH_TO }, { "para", FH_TO }, { "aan", FH_TO },
	{ "til", FH_TO }, { "till", FH_TO }, { "do", FH_TO }, { "bis", FH_TO },
	{ "кому", FH_TO },
	{ "cc", FH_CC }, { "kopie", FH_CC }, { "kopie (cc)", FH_CC },
	{ "copie à", FH_CC }, { "copia", FH_CC },
	{ "reply-to", FH_REPLY_TO }, { "antwort an", FH_REPLY_TO },
	{ "répondre à", FH_REPLY_TO }, { "responder a", FH_REPLY_TO },
};

/* Forward prefixes of a subject, per client and language. */
static const char *const fwd_prefixes[] = {
	"fwd", "fw", "wg", "tr", "rv", "enc", "i", "doorst", "vb", "pd", NULL
};
/* Reply prefixes: English, German, Scandinavian, Dutch, Polish, Turkish,
 * Portuguese, Italian ("R:", "RIF:"), Finnish ("VS:"), Croatian,
 * Latvian, Icelandic, Spanish ("Ref:"), Russian, Greek, Chinese. */
static const char *const reply_prefixes[] = {
	"re", "aw", "sv", "antw", "odp", "ynt", "res", "rif", "r", "vs",
	"odg", "atb", "vá", "ref", "ответ", "απ", "回复", "答复", NULL
};

/* Past the tags clients and gateways put first: "[EXT]", "(EXTERNAL)",
 * "[Sales]", white space (tabs, no-break spaces) between. */
static const char *
skip_tags(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || strncmp(p, "\xc2\xa0", 2) == 0)
			p += *p == '\xc2' ? 2 : 1;
		if ((*p == '[' && strchr(p, ']') != NULL) ||
		    (*p == '(' && strchr(p, ')') != NULL))
			p = strchr(p, *p == '[' ? ']' : ')') + 1;
		else
			return p;
	}
}

/* Does subject start with one of prefixes and a colon ("Fwd:", "Re :",
 * "Re[2]:", "RE：", "[EXT] (ext) FW:")? */
static gboolean
has_prefix(const char *subject, const char *const *prefixes)
{
	const char *p;

	if (subject == NULL)
		return FALSE;
	p = skip_tags(subject);
	for (guint i = 0; prefixes[i] != NULL; i++) {
		size_t n = strlen(prefixes[i]);
		const char *q = p + n;

		/* ASCII words caselessly; others (Cyrillic, Greek) as the
		 * capitals clients write and in lower case */
		if (g_ascii_strncasecmp(p, prefixes[i], n) != 0) {
			char *up = g_utf8_strdown(p, MIN(strlen(p), n * 2));

			if (strncmp(up, prefixes[i], n) != 0) {
				g_free(up);
				continue;
			}
			q = p + strlen(up) - strlen(up + n);
			g_free(up);
		}
		if ((*q == '[' && strchr(q, ']') != NULL) ||
		    (*q == '(' && strchr(q, ')') != NULL))	/* "Re[2]" */
			q = strchr(q, *q == '[' ? ']' : ')') + 1;
		while (*q == ' ' || *q == '\t' || strncmp(q, "\xc2\xa0", 2) == 0)
			q += *q == '\xc2' ? 2 : 1;
		if (*q == ':' || strncmp(q, "\xef\xbc\x9a", 3) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
forward_subject(const char *subject)
{
	return has_prefix(subject, fwd_prefixes);
}

gboolean
forward_reply_subject(const char *subject)
{
	return has_prefix(subject, reply_prefixes);
}

/* The text with CR, a BOM and Unicode spaces (no-break, narrow no-break,
 * thin) made plain: clients put them around labels and in dates. */
static char *
normalise(const char *text)
{
	GString *s = g_string_sized_new(strlen(text));

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (strncmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 2;
			continue;
		}
		if (strncmp(p, "\xc2\xa0", 2) == 0) {
			g_string_append_c(s, ' ');
			p++;
			continue;
		}
		if (strncmp(p, "\xe2\x80\xaf", 3) == 0 ||
		    strncmp(p, "\xe2\x80\x89", 3) == 0) {
			g_string_append_c(s, ' ');
			p += 2;
			continue;
		}
		g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

/* How many '>' quote a line ("> > text" is 2). */
static guint
quote_depth(const char *line)
{
	guint d = 0;

	for (const char *p = line; *p == '>' || *p == ' '; p++)
		if (*p == '>')
			d++;
		else if (p[1] != '>')
			break;
	return d;
}

/* The line with depth quote marks (and the space after each) taken off. */
static const char *
unquote(const char *line, guint depth)
{
	const char *p = line;

	for (guint d = 0; d < depth; d++) {
		while (*p == ' ')
			p++;
		if (*p != '>')
			break;
		p++;
		if (*p == ' ')
			p++;
	}
	return p;
}

static gboolean
blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

static gboolean
in_list(const char *key, const char *const *list)
{
	for (guint i = 0; list[i] != NULL; i++)
		if (strcmp(key, list[i]) == 0)
			return TRUE;
	return FALSE;
}

/* 2: a forward marker line; 1: a marker replies use too (an "Original
 * Message" line, Outlook on the web's line of underscores); 0: none. */
static int
marker(const char *line)
{
	const char *b = line, *e = line + strlen(line);
	char *key;
	int kind = 0;
	guint underscores = 0;

	for (const char *p = b; p < e; p++)
		underscores += *p == '_';
	if (underscores >= 20 && underscores + 4 >= (guint)(e - b))
		return 1;
	while (b < e && strchr("-_*= \t", *b) != NULL)
		b++;
	while (e > b && strchr("-_*= \t:", e[-1]) != NULL)
		e--;
	if (e - b < 8 || e - b > 60 || !g_utf8_validate(b, e - b, NULL))
		return 0;
	key = g_utf8_casefold(b, e - b);
	if (in_list(key, fwd_markers))
		kind = 2;
	else if (in_list(key, orig_markers))
		kind = 1;
	g_free(key);
	return kind;
}

/* The field a "Label: value" line gives, and where its value starts. */
static enum fwd_field
header_line(const char *line, const char **value)
{
	const char *b = line, *colon = strchr(line, ':'), *e;
	char *key;
	enum fwd_field f = FH_NONE;

	if (colon == NULL)
		return FH_NONE;
	while (*b == ' ' || *b == '\t' || *b == '*')
		b++;
	e = colon;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '*'))
		e--;
	if (e == b || e - b > FORWARD_MAX_LABEL ||
	    !g_utf8_validate(b, e - b, NULL))
		return FH_NONE;
	key = g_utf8_casefold(b, e - b);
	for (guint i = 0; i < G_N_ELEMENTS(fwd_labels) && f == FH_NONE; i++)
		if (strcmp(key, fwd_labels[i].label) == 0)
			f = fwd_labels[i].f;
	g_free(key);
	*value = colon + 1;
	while (**value == ' ' || **value == '\t' || **value == '*')
		(*value)++;
	return f;
}

/* A sender as a forward's block writes it: "Jane <j@x>", "Jane
 * [mailto:j@x]", "<j@x>", "j@x", "Team on behalf of Jane <j@x>". */
static void
block_address(const char *value, struct mail_addr *out)
{
	static const char *const behalf[] = { " on behalf of ",
	    " im Auftrag von ", " de la part de ", " en nombre de ", NULL };
	GString *v = g_string_new(value);
	char *p;

	for (guint i = 0; behalf[i] != NULL; i++)
		if ((p = strstr(v->str, behalf[i])) != NULL)
			g_string_erase(v, 0, p - v->str + strlen(behalf[i]));
	if ((p = strstr(v->str, "[mailto:")) != NULL) {	/* Outlook 2013 */
		char *end = strchr(p, ']');

		if (end != NULL) {
			*end = '>';
			g_string_erase(v, p - v->str, 8);
			g_string_insert_c(v, p - v->str, '<');
		}
	}
	/* "Jane <j@x<mailto:j@x>>": a link made text */
	if ((p = strstr(v->str, "<mailto:")) != NULL && p > v->str &&
	    strchr(v->str, '<') < p)
		g_string_truncate(v, p - v->str);
	if (!mail_address_parse(v->str, out))
		mail_address_parse(g_strdelimit(v->str, "<>\"'", ' '), out);
	if (out->name != NULL) {
		/* Gmail's bold "*Jana Becker*" as text */
		g_strstrip(g_strdelimit(out->name, "\"*", ' '));
		if (*out->name == '\'' && strlen(out->name) > 1 &&
		    out->name[strlen(out->name) - 1] == '\'') {
			out->name[strlen(out->name) - 1] = '\0';
			memmove(out->name, out->name + 1, strlen(out->name));
		}
		if (*out->name == '\0' || strchr(out->name, '@') != NULL) {
			g_free(out->name);
			out->name = NULL;
		}
	}
	g_string_free(v, TRUE);
}

/* Month names, the first letters that tell them apart, in the languages
 * of the block labels above (English, German, French, Spanish, Italian,
 * Dutch, Portuguese). A weekday that starts like one ("mar." for martes,
 * mardi) comes before the month: the last name in a date is its month. */
static const struct {
	const char *prefix;
	int month;
} months[] = {
	{ "jan", 1 }, { "jän", 1 }, { "janv", 1 }, { "ene", 1 }, { "gen", 1 },
	{ "feb", 2 }, { "fév", 2 }, { "fev", 2 },
	{ "mar", 3 }, { "mär", 3 }, { "mrz", 3 }, { "maa", 3 },
	{ "apr", 4 }, { "avr", 4 }, { "abr", 4 },
	{ "may", 5 }, { "mai", 5 }, { "mei", 5 }, { "mag", 5 }, { "mayo", 5 },
	{ "jun", 6 }, { "juin", 6 }, { "giu", 6 },
	{ "jul", 7 }, { "juil", 7 }, { "lug", 7 },
	{ "aug", 8 }, { "août", 8 }, { "aou", 8 }, { "ago", 8 },
	{ "sep", 9 }, { "set", 9 },
	{ "oct", 10 }, { "okt", 10 }, { "ott", 10 }, { "out", 10 },
	{ "nov", 11 },
	{ "dec", 12 }, { "dez", 12 }, { "déc", 12 }, { "dic", 12 },
};

static int
month_of(const char *word)
{
	int best = 0;
	size_t best_len = 0;

	if (strlen(word) < 3)
		return 0;
	for (guint i = 0; i < G_N_ELEMENTS(months); i++) {
		size_t n = strlen(months[i].prefix);

		if (strncmp(word, months[i].prefix, n) == 0 && n > best_len) {
			best = months[i].month;
			best_len = n;
		}
	}
	return best;
}

static int
num(const char *s)
{
	return s != NULL ? (int)g_ascii_strtoll(s, NULL, 10) : 0;
}

/* Group i of match()'s groups; NULL when it matched nothing. */
static const char *
grp(char **g, guint i)
{
	return i < g_strv_length(g) && *g[i] != '\0' ? g[i] : NULL;
}

/* The date patterns, compiled once. */
enum { RE_ZONE, RE_TIME, RE_DMY, RE_ISO, RE_N };
static GRegex *date_re[RE_N];

static void
compile_date_re(void)
{
	static gsize once;
	static const char *const src[RE_N] = {
		[RE_ZONE] = "(?:^|\\s|UTC|GMT)([+-])(\\d{1,2}):?(\\d{2})?\\b",
		[RE_TIME] = "(\\d{1,2})[:h](\\d{2})(?::(\\d{2}))?\\s*"
		    "(a\\.?\\s?m\\b\\.?|p\\.?\\s?m\\b\\.?)?",
		[RE_DMY] = "\\b(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})\\b",
		[RE_ISO] = "\\b(\\d{4})-(\\d{1,2})-(\\d{1,2})\\b",
	};

	if (g_once_init_enter(&once)) {
		for (guint i = 0; i < RE_N; i++)
			date_re[i] = g_regex_new(src[i], G_REGEX_CASELESS |
			    G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&once, 1);
	}
}

/* Match date_re[which] in s; the groups (owned, NULL-terminated) or
 * NULL. *start, *end (when not NULL) get the match's place. */
static char **
match(guint which, const char *s, gint *start, gint *end)
{
	GMatchInfo *mi;
	char **groups = NULL;

	compile_date_re();
	if (date_re[which] == NULL)
		return NULL;
	if (g_regex_match(date_re[which], s, 0, &mi)) {
		groups = g_match_info_fetch_all(mi);
		if (start != NULL)
			g_match_info_fetch_pos(mi, 0, start, end);
	}
	g_match_info_free(mi);
	return groups;
}

/* Seconds east of UTC in "+0100", "+01:00", "UTC+3", "GMT-5"; FALSE if
 * s holds no zone. */
static gboolean
zone_offset(const char *s, int *secs)
{
	char **g = match(RE_ZONE, s, NULL, NULL);
	gboolean ok = g != NULL && num(grp(g, 2)) <= 14;

	if (ok) {
		int v = num(grp(g, 2)) * 3600 + num(grp(g, 3)) * 60;

		*secs = *g[1] == '-' ? -v : v;
	}
	g_strfreev(g);
	return ok;
}

static int
offset_of(const char *z)
{
	int secs = 0;

	if (z != NULL && strlen(z) == 5 && (z[0] == '+' || z[0] == '-'))
		secs = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600 +
		    ((z[3] - '0') * 10 + (z[4] - '0')) * 60;
	return z != NULL && z[0] == '-' ? -secs : secs;
}

/*
 * A date as a forward's block writes it, in the client's language:
 * "Wed, Oct 27, 2021 at 9:31 AM", "Mi., 27. Okt. 2021 um 09:31 Uhr",
 * "mardi 26 octobre 2021 14:25", "Wed, 3 Nov 2021 15:51:30 +0100",
 * "27.10.2021 09:31", "2021-10-27 09:31". Without a zone it is read in
 * the forward's own (the forwarder's client shows dates in their zone).
 */
static GDateTime *
block_date(const char *value, const char *default_offset)
{
	char *low = g_utf8_strdown(value, -1), **words, **g;
	int year = 0, month = 0, day = 0, hour = -1, min = 0, sec = 0, off;
	gint start, end;
	GDateTime *t = NULL;
	GTimeZone *tz;

	g = match(RE_TIME, low, &start, &end);
	if (g != NULL) {
		const char *ap = grp(g, 4);

		hour = num(grp(g, 1));
		min = num(grp(g, 2));
		sec = num(grp(g, 3));
		if (ap != NULL && *ap == 'p' && hour < 12)
			hour += 12;
		else if (ap != NULL && *ap == 'a' && hour == 12)
			hour = 0;
		memset(low + start, ' ', end - start);	/* no day, no year */
		g_strfreev(g);
	}
	if ((g = match(RE_DMY, low, NULL, NULL)) != NULL) {
		day = num(g[1]);
		month = num(g[2]);
		year = num(g[3]);
	} else if ((g = match(RE_ISO, low, NULL, NULL)) != NULL) {
		year = num(g[1]);
		month = num(g[2]);
		day = num(g[3]);
	}
	g_strfreev(g);
	words = g_regex_split_simple("[^\\w]+", low, 0, 0);
	for (guint i = 0; words[i] != NULL && year == 0; i++) {
		const char *w = words[i];

		if (g_ascii_isdigit(*w) && strlen(w) == 4 && num(w) > 1900)
			year = num(w);
		else if (g_ascii_isdigit(*w) && strlen(w) <= 2 && day == 0)
			day = num(w);
		else if (!g_ascii_isdigit(*w) && month_of(w) > 0)
			month = month_of(w);	/* the last one: no weekday */
	}
	g_strfreev(words);
	if (!zone_offset(value, &off))
		off = offset_of(default_offset);
	if (year > 1900 && month >= 1 && month <= 12 && day >= 1 &&
	    day <= 31 && hour >= 0 && hour < 24 && min < 60 && sec < 61) {
		tz = g_time_zone_new_offset(off);
		t = g_date_time_new(tz, year, month, day, hour, min, sec);
		g_time_zone_unref(tz);
	}
	g_free(low);
	return t;
}

/* The block's fields into m. */
static void
read_field(struct mail *m, enum fwd_field f, const char *whole,
    const char *default_offset, GPtrArray *to)
{
	/* a header line of a person's client is short: the rest of a
	 * longer one is not read */
	char *value = g_strndup(whole, FORWARD_MAX_VALUE);
	GDateTime *t;

	switch (f) {
	case FH_FROM:
		if (m->from.addr == NULL) {
			g_free(m->from.name);
			block_address(value, &m->from);
		}
		break;
	case FH_REPLY_TO:
		if (m->reply_to.addr == NULL) {
			g_free(m->reply_to.name);
			block_address(value, &m->reply_to);
		}
		break;
	case FH_SUBJECT:
		if (m->subject == NULL && !blank(value))
			m->subject = g_strstrip(g_strdup(value));
		break;
	case FH_DATE:
		if (m->date == 0 &&
		    (t = block_date(value, default_offset)) != NULL) {
			m->date = g_date_time_to_unix(t);
			m->date_offset = g_date_time_format(t, "%z");
			g_date_time_unref(t);
		}
		break;
	case FH_TO:
	case FH_CC: {
		char **parts = g_strsplit_set(value, ",;",
		    MAIL_MAX_RECIPIENTS);

		for (guint i = 0; parts[i] != NULL &&
		    to->len < MAIL_MAX_RECIPIENTS; i++) {
			struct mail_addr a = { 0 };

			block_address(parts[i], &a);
			if (a.addr != NULL)
				g_ptr_array_add(to, a.addr);
			else
				g_free(a.addr);
			g_free(a.name);
		}
		g_strfreev(parts);
		break;
	}
	case FH_NONE:
		break;
	}
	g_free(value);
}

/*
 * The lines of text (one, or the rest of the text unsplit) quoted at
 * least depth times into body, unquoted; FALSE at the first line quoted
 * less (the forwarded message ends there).
 */
static gboolean
body_lines(GString *body, const char *text, guint depth)
{
	const char *p = text;

	for (;;) {
		const char *nl = strchr(p, '\n');
		char *line = g_strndup(p, nl != NULL ? (gsize)(nl - p) :
		    strlen(p));
		gboolean in = quote_depth(line) >= depth;

		if (in) {
			g_string_append(body, unquote(line, depth));
			g_string_append_c(body, '\n');
		}
		g_free(line);
		if (!in)
			return FALSE;
		if (nl == NULL)
			return TRUE;
		p = nl + 1;
	}
}

/*
 * The header block at lines[i] (quoted depth times): its fields into a
 * new mail, at least min of them and a sender among them, and the text
 * after it as the mail's plain text; NULL if no such block is there.
 */
static struct mail *
read_block(char **lines, guint i, guint depth, guint min,
    const char *default_offset)
{
	struct mail *m;
	GPtrArray *to;
	GString *body;
	guint fields = 0, gap = 0, n = 0;
	enum fwd_field f, last = FH_NONE;
	gboolean seen[FH_REPLY_TO + 1] = { FALSE };
	const char *v;

	while (lines[i] != NULL && blank(unquote(lines[i],
	    quote_depth(lines[i]))) && gap++ < FORWARD_MAX_GAP)
		i++;
	m = mail_new();
	to = g_ptr_array_new();
	for (; lines[i] != NULL && quote_depth(lines[i]) >= depth; i++) {
		const char *l = unquote(lines[i], depth);

		if (blank(l) || ++n > FORWARD_MAX_BLOCK)
			break;
		f = header_line(l, &v);
		if (f == FH_NONE && (last == FH_TO || last == FH_CC) &&
		    marker(l) == 0 && lines[i + 1] != NULL &&
		    header_line(unquote(lines[i + 1], depth), &v) != FH_NONE)
			continue;	/* a wrapped list of recipients */
		if (f == FH_NONE)
			break;
		if (!seen[f]) {	/* each field once: the first */
			read_field(m, f, v, default_offset, to);
			seen[f] = TRUE;
			fields++;
		}
		last = f;
	}
	if (n > FORWARD_MAX_BLOCK)
		fields = 0;	/* no header block is that long */
	g_ptr_array_add(to, NULL);
	g_strfreev(m->recipients);
	m->recipients = (char **)g_ptr_array_free(to, FALSE);
	if (fields < min || m->from.addr == NULL) {
		mail_free(m);
		return NULL;
	}
	body = g_string_new(NULL);
	while (lines[i] != NULL && lines[i + 1] != NULL &&
	    blank(unquote(lines[i], depth)))
		i++;
	for (; lines[i] != NULL && body_lines(body, lines[i], depth); i++)
		;
	m->plain = g_string_free(body, FALSE);
	return m;
}

/* The quote depth of the block after a marker line at i: iOS writes
 * "Begin forwarded message:" unquoted and the block below it quoted. */
static guint
block_depth(char **lines, guint i, guint depth)
{
	for (i++; lines[i] != NULL; i++) {
		guint d = quote_depth(lines[i]);

		if (!blank(unquote(lines[i], d)))
			return MAX(d, depth);
	}
	return depth;
}

struct mail *
forward_inline(const char *text, gboolean fwd_subject,
    const char *default_offset)
{
	char *norm, **lines;
	struct mail *m = NULL;

	if (text == NULL)
		return NULL;
	norm = normalise(text);
	/* the lines looked at, and the rest in one piece (a body of a
	 * million lines is not split to be copied) */
	lines = g_strsplit(norm, "\n", FORWARD_MAX_LINES + FORWARD_MAX_BLOCK +
	    FORWARD_MAX_GAP + 2);
	for (guint i = 0; lines[i] != NULL && i < FORWARD_MAX_LINES &&
	    m == NULL; i++) {
		guint depth = quote_depth(lines[i]);
		const char *l = unquote(lines[i], depth);
		int kind = marker(l);
		const char *v;

		if (kind == 2 || (kind == 1 && fwd_subject))
			m = read_block(lines, i + 1, block_depth(lines, i,
			    depth), 2, default_offset);
		/* Outlook: no marker, the block at the top level */
		else if (kind == 0 && fwd_subject && depth == 0 &&
		    header_line(l, &v) == FH_FROM)
			m = read_block(lines, i, 0, 3, default_offset);
	}
	g_strfreev(lines);
	g_free(norm);
	return m;
}
