/*
 * quote.c: strip quoted replies and signatures from plain text, line by
 * line. What counts as a reply header is kept in the tables below.
 */
#include "config.h"

#include <string.h>

#include "quote.h"

/* "On <date>, <name> wrote:" in the languages leads arrive in. */
static const char *const intro_starts[] = {
	"On ", "Am ", "Le ", "El ", "Il ", "Op ", "Em ", "Den ", "W dniu ",
	NULL
};
static const char *const intro_ends[] = {
	"wrote:", "schrieb:", "a écrit :", "a écrit:", "escribió:",
	"ha scritto:", "schreef:", "escreveu:", "skrev:", "napisał:", NULL
};
/* Clients that put the name after the verb: "Am ... schrieb Jana <j@x>:" */
static const char *const intro_verbs[] = {
	" wrote ", " schrieb ", " schreef ", " skrev ", " a écrit ",
	" escribió ", " ha scritto ", " escreveu ", " napisał ", NULL
};
/* Separators that start a quoted original. */
static const char *const separators[] = {
	"-----Original Message-----", "----- Original Message -----",
	"-----Ursprüngliche Nachricht-----", "-----Message d'origine-----",
	"-----Mensaje original-----", "-----Messaggio originale-----",
	"-----Oorspronkelijk bericht-----", NULL
};
/* Header names of an Outlook reply block ("From: ... Sent: ..."). */
static const char *const from_names[] = { "From:", "Von:", "De:", "De :", "Da:",
	"Van:", "Från:", "Fra:", "Od:", NULL };
static const char *const sent_names[] = { "Sent:", "Date:", "Gesendet:",
	"Datum:", "Envoyé :", "Envoyé:", "Enviado el:", "Enviado:", "Inviato:",
	"Verzonden:", "Skickat:", "Sendt:", "Wysłano:", NULL };

static gboolean
starts_with_any(const char *s, const char *const *list)
{
	for (guint i = 0; list[i] != NULL; i++)
		if (g_ascii_strncasecmp(s, list[i], strlen(list[i])) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
contains_any(const char *s, const char *const *list)
{
	for (guint i = 0; list[i] != NULL; i++)
		if (strstr(s, list[i]) != NULL)
			return TRUE;
	return FALSE;
}

static gboolean
ends_with_any(const char *s, const char *const *list)
{
	gsize n = strlen(s);

	for (guint i = 0; list[i] != NULL; i++) {
		gsize k = strlen(list[i]);

		if (n >= k && g_ascii_strcasecmp(s + n - k, list[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

/* A reply introduction, on line i alone or wrapped onto line i + 1. */
static gboolean
intro_text(const char *s)
{
	gsize n = strlen(s);

	return ends_with_any(s, intro_ends) || (n > 0 && s[n - 1] == ':' &&
	    contains_any(s, intro_verbs));
}

static const char *
skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static gboolean
is_intro(char **lines, guint i)
{
	const char *t = skip_blanks(lines[i]);
	char *a;
	gboolean yes = FALSE;

	/* Most lines start with no intro word: decide without copying. */
	if (!starts_with_any(t, intro_starts) || strlen(t) >= 300)
		return FALSE;
	a = g_strstrip(g_strdup(t));
	if (intro_text(a))
		yes = TRUE;
	else if (lines[i + 1] != NULL) {
		char *b = g_strstrip(g_strdup(lines[i + 1]));
		char *ab = g_strconcat(a, " ", b, NULL);

		yes = intro_text(ab) && strlen(b) < 200;
		g_free(ab);
		g_free(b);
	}
	g_free(a);
	return yes;
}

/* "From: x" followed within three lines by "Sent: y" (Outlook). */
static gboolean
is_outlook_block(char **lines, guint i)
{
	const char *s = lines[i];

	while (*s == ' ' || *s == '\t' || *s == '*')
		s++;
	if (!starts_with_any(s, from_names))
		return FALSE;
	for (guint k = 1; k <= 3 && lines[i + k] != NULL; k++) {
		const char *t = lines[i + k];

		while (*t == ' ' || *t == '\t' || *t == '*')
			t++;
		if (starts_with_any(t, sent_names))
			return TRUE;
	}
	return FALSE;
}

static gboolean
is_separator(const char *line)
{
	return starts_with_any(skip_blanks(line), separators);
}

/* Where the quoted part or signature starts: the first line to drop. */
static guint
cut_line(char **lines)
{
	guint i;

	for (i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i];

		if (strcmp(l, "--") == 0)	/* "-- " after chomping */
			break;
		if (is_separator(l) || is_intro(lines, i) ||
		    is_outlook_block(lines, i))
			break;
		/* Outlook's underscore rule before a reply block. */
		if (g_str_has_prefix(l, "________________") &&
		    lines[i + 1] != NULL && is_outlook_block(lines, i + 1))
			break;
	}
	return i;
}

char *
quote_strip(const char *text)
{
	char **lines;
	GString *out;
	guint cut;

	if (text == NULL)
		return g_strdup("");
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		g_strchomp(lines[i]);	/* also drops the CR of CRLF */
	cut = cut_line(lines);
	out = g_string_new(NULL);
	for (guint i = 0; i < cut; i++) {
		const char *l = lines[i];

		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '>')
			continue;
		g_string_append(out, lines[i]);
		g_string_append_c(out, '\n');
	}
	g_strfreev(lines);
	while (out->len > 0 && g_ascii_isspace(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	while (out->len > 0 && (out->str[0] == '\n'))
		g_string_erase(out, 0, 1);
	return g_string_free(out, FALSE);
}
