/*
 * form.c: label/value pairs of web-form notifications in plain text, and
 * the labels that fill lead fields (spec section 6).
 */
#include "config.h"

#include <string.h>

#include "form.h"

struct form_pair *
form_pair_new(const char *label, const char *value)
{
	struct form_pair *p = g_new(struct form_pair, 1);

	p->label = g_strdup(label);
	p->value = g_strdup(value != NULL ? value : "");
	return p;
}

void
form_pair_free(gpointer ptr)
{
	struct form_pair *p = ptr;

	if (p == NULL)
		return;
	g_free(p->label);
	g_free(p->value);
	g_free(p);
}

/* Labels of each lead field, as keys (see form_label_key()). */
static const struct {
	const char *key;
	enum form_field field;
} labels[] = {
	{ "email", FF_EMAIL }, { "e-mail", FF_EMAIL },
	{ "email address", FF_EMAIL }, { "e-mail address", FF_EMAIL },
	{ "your email", FF_EMAIL }, { "your e-mail", FF_EMAIL },
	{ "your email address", FF_EMAIL }, { "work email", FF_EMAIL },
	{ "business email", FF_EMAIL }, { "mail", FF_EMAIL },
	{ "name", FF_NAME }, { "full name", FF_NAME }, { "your name", FF_NAME },
	{ "contact name", FF_NAME }, { "invitee", FF_NAME },
	{ "invitee name", FF_NAME },
	{ "first name", FF_FIRST_NAME }, { "firstname", FF_FIRST_NAME },
	{ "given name", FF_FIRST_NAME }, { "name (first)", FF_FIRST_NAME },
	{ "last name", FF_LAST_NAME }, { "lastname", FF_LAST_NAME },
	{ "surname", FF_LAST_NAME }, { "family name", FF_LAST_NAME },
	{ "name (last)", FF_LAST_NAME },
	{ "company", FF_COMPANY }, { "company name", FF_COMPANY },
	{ "organisation", FF_COMPANY }, { "organization", FF_COMPANY },
	{ "organisation name", FF_COMPANY }, { "organization name", FF_COMPANY },
	{ "business", FF_COMPANY }, { "business name", FF_COMPANY },
	{ "phone", FF_PHONE }, { "phone number", FF_PHONE },
	{ "telephone", FF_PHONE }, { "telephone number", FF_PHONE },
	{ "mobile", FF_PHONE }, { "mobile number", FF_PHONE },
	{ "tel", FF_PHONE },
	{ "website", FF_WEBSITE }, { "web site", FF_WEBSITE },
	{ "company website", FF_WEBSITE }, { "url", FF_WEBSITE },
	{ "country", FF_COUNTRY }, { "country/region", FF_COUNTRY },
	{ "country / region", FF_COUNTRY }, { "location", FF_COUNTRY },
	{ "employees", FF_EMPLOYEES }, { "number of employees", FF_EMPLOYEES },
	{ "company size", FF_EMPLOYEES }, { "team size", FF_EMPLOYEES },
	{ "headcount", FF_EMPLOYEES }, { "employee count", FF_EMPLOYEES },
	{ "budget", FF_BUDGET }, { "project budget", FF_BUDGET },
	{ "message", FF_MESSAGE }, { "your message", FF_MESSAGE },
	{ "message body", FF_MESSAGE }, { "comments", FF_MESSAGE },
	{ "comment", FF_MESSAGE }, { "inquiry", FF_MESSAGE },
	{ "enquiry", FF_MESSAGE }, { "details", FF_MESSAGE },
	{ "how can we help", FF_MESSAGE }, { "how can we help you", FF_MESSAGE },
	/* more English ones met in the wild */
	{ "description", FF_MESSAGE }, { "project description", FF_MESSAGE },
	{ "anything else", FF_MESSAGE },
	{ "anything else we should know", FF_MESSAGE },
	{ "tell us about your project", FF_MESSAGE },
	{ "tell us about the project", FF_MESSAGE },
	{ "tell us a bit about what you need", FF_MESSAGE },
	{ "additional information", FF_MESSAGE }, { "your question", FF_MESSAGE },
	{ "request", FF_MESSAGE }, { "your request", FF_MESSAGE },
	{ "cell", FF_PHONE }, { "cell phone", FF_PHONE },
	{ "whatsapp", FF_PHONE }, { "text reminder number", FF_PHONE },
	{ "company email", FF_EMAIL }, { "corporate email", FF_EMAIL },
	{ "contact email", FF_EMAIL }, { "email id", FF_EMAIL },
	{ "full name", FF_NAME }, { "your full name", FF_NAME },
	{ "first and last name", FF_NAME },
	{ "company / organisation", FF_COMPANY },
	{ "company / organization", FF_COMPANY },
	/* German, French, Spanish, Italian, Dutch forms */
	{ "e-mail-adresse", FF_EMAIL }, { "ihre e-mail", FF_EMAIL },
	{ "ihre e-mail-adresse", FF_EMAIL }, { "adresse e-mail", FF_EMAIL },
	{ "adresse email", FF_EMAIL }, { "courriel", FF_EMAIL },
	{ "votre e-mail", FF_EMAIL }, { "votre email", FF_EMAIL },
	{ "correo", FF_EMAIL }, { "correo electrónico", FF_EMAIL },
	{ "indirizzo email", FF_EMAIL }, { "e-mailadres", FF_EMAIL },
	/* "Nom", "Nombre", "Nome" hold the full name alone, the family or
	 * the given name beside "Prénom", "Apellidos", "Cognome": as parts
	 * they are joined either way */
	{ "ihr name", FF_NAME }, { "votre nom", FF_NAME },
	{ "nom complet", FF_NAME }, { "nombre completo", FF_NAME },
	{ "naam", FF_NAME }, { "nom", FF_LAST_NAME }, { "nombre", FF_FIRST_NAME },
	{ "nome", FF_FIRST_NAME }, { "voornaam", FF_FIRST_NAME },
	{ "vorname", FF_FIRST_NAME }, { "prénom", FF_FIRST_NAME },
	{ "nachname", FF_LAST_NAME }, { "nom de famille", FF_LAST_NAME },
	{ "apellido", FF_LAST_NAME }, { "apellidos", FF_LAST_NAME },
	{ "cognome", FF_LAST_NAME }, { "achternaam", FF_LAST_NAME },
	{ "firma", FF_COMPANY }, { "unternehmen", FF_COMPANY },
	{ "firmenname", FF_COMPANY }, { "société", FF_COMPANY },
	{ "entreprise", FF_COMPANY }, { "empresa", FF_COMPANY },
	{ "azienda", FF_COMPANY }, { "società", FF_COMPANY },
	{ "bedrijf", FF_COMPANY }, { "bedrijfsnaam", FF_COMPANY },
	{ "telefon", FF_PHONE }, { "telefonnummer", FF_PHONE },
	{ "téléphone", FF_PHONE }, { "teléfono", FF_PHONE },
	{ "telefono", FF_PHONE }, { "telefoon", FF_PHONE },
	{ "telefoonnummer", FF_PHONE }, { "handy", FF_PHONE },
	{ "webseite", FF_WEBSITE }, { "site web", FF_WEBSITE },
	{ "sitio web", FF_WEBSITE }, { "sito web", FF_WEBSITE },
	{ "land", FF_COUNTRY }, { "pays", FF_COUNTRY }, { "país", FF_COUNTRY },
	{ "paese", FF_COUNTRY }, { "nazione", FF_COUNTRY },
	{ "mitarbeiter", FF_EMPLOYEES }, { "anzahl mitarbeiter", FF_EMPLOYEES },
	{ "mitarbeiterzahl", FF_EMPLOYEES },
	{ "nombre d'employés", FF_EMPLOYEES }, { "empleados", FF_EMPLOYEES },
	{ "dipendenti", FF_EMPLOYEES }, { "medewerkers", FF_EMPLOYEES },
	{ "nachricht", FF_MESSAGE }, { "ihre nachricht", FF_MESSAGE },
	{ "anfrage", FF_MESSAGE }, { "ihre anfrage", FF_MESSAGE },
	{ "votre message", FF_MESSAGE }, { "mensaje", FF_MESSAGE },
	{ "messaggio", FF_MESSAGE }, { "bericht", FF_MESSAGE },
	{ "uw bericht", FF_MESSAGE }, { "worum geht es", FF_MESSAGE },
};

/* Labels of what the form tool adds about the submission, never the
 * lead's ("Page URL" is no website). */
static const char *const tool_labels[] = {
	"page url", "form url", "source url", "referrer", "referer",
	"user agent", "remote ip", "ip address", "ip", "submitted from",
	"submitted on", "entry id", "form id", "powered by", "landing page",
	NULL
};

char *
form_label_key(const char *label)
{
	GString *s = g_string_new(NULL);
	char *folded, *out;
	const char *p;

	for (p = label; *p != '\0'; p++) {
		if (*p == '*')
			continue;
		if (g_ascii_isspace(*p)) {
			if (s->len > 0 && s->str[s->len - 1] != ' ')
				g_string_append_c(s, ' ');
			continue;
		}
		g_string_append_c(s, *p);
	}
	while (s->len > 0 && strchr(" :?", s->str[s->len - 1]) != NULL)
		g_string_truncate(s, s->len - 1);
	while (s->len > 0 && s->str[0] == ' ')
		g_string_erase(s, 0, 1);
	folded = g_utf8_casefold(s->str, (gssize)s->len);
	g_string_free(s, TRUE);
	out = g_utf8_normalize(folded, -1, G_NORMALIZE_NFC);
	g_free(folded);
	return out != NULL ? out : g_strdup("");
}

/* Words of s, separated by spaces. */
static guint
words(const char *s)
{
	guint n = *s != '\0';

	for (; *s != '\0'; s++)
		n += *s == ' ' && s[1] != ' ' && s[1] != '\0';
	return n;
}

static gboolean
word_char(char c)
{
	return g_ascii_isalnum(c) || c == '\'' || c == '-' ||
	    (unsigned char)c >= 0x80;
}

/*
 * The field whose labels key holds as whole words, when they are one
 * field's (spec 6, v2: "Your work email address", "Company size
 * (employees)", "What is your project budget"): a label found inside a
 * longer one found ("company" in "company size") does not count.
 */
static enum form_field
qualified_field(const char *key)
{
	struct { gsize b, e; enum form_field f; } hit[16];
	guint n = 0;
	enum form_field f = FF_NONE;

	for (gsize i = 0; i < G_N_ELEMENTS(labels) && n < G_N_ELEMENTS(hit);
	    i++) {
		gsize len = strlen(labels[i].key);

		for (const char *p = strstr(key, labels[i].key); p != NULL &&
		    n < G_N_ELEMENTS(hit); p = strstr(p + 1, labels[i].key))
			if ((p == key || !word_char(p[-1])) &&
			    !word_char(p[len])) {
				hit[n].b = p - key;
				hit[n].e = p - key + len;
				hit[n++].f = labels[i].field;
			}
	}
	for (guint i = 0; i < n; i++) {
		gboolean inside = FALSE;

		for (guint k = 0; k < n && !inside; k++)
			inside = k != i && hit[k].b <= hit[i].b &&
			    hit[i].e <= hit[k].e && hit[k].e - hit[k].b >
			    hit[i].e - hit[i].b;
		if (inside)
			continue;
		if (f != FF_NONE && f != hit[i].f)
			return FF_NONE;	/* two fields' labels: neither */
		f = hit[i].f;
	}
	return f;
}

enum form_field
form_field_of_label(const char *label, gboolean *qualified)
{
	char *key = form_label_key(label);
	enum form_field f = FF_NONE;
	gboolean slug = FALSE;

	if (qualified != NULL)
		*qualified = FALSE;
	/* a slug ("company-name", "your_email": lowercase, no spaces)
	 * reads as its words; "Message-ID" is no slug */
	if (strpbrk(key, "-_") != NULL && strchr(key, ' ') == NULL) {
		gboolean known = FALSE;

		for (gsize i = 0; i < G_N_ELEMENTS(labels) && !known; i++)
			known = strcmp(key, labels[i].key) == 0;
		if (!known) {
			g_strdelimit(key, "-_", ' ');
			slug = TRUE;
		}
	}
	for (guint i = 0; tool_labels[i] != NULL; i++)
		if (strcmp(key, tool_labels[i]) == 0) {
			g_free(key);
			return FF_NONE;
		}
	for (gsize i = 0; i < G_N_ELEMENTS(labels); i++) {
		if (strcmp(key, labels[i].key) == 0) {
			f = labels[i].field;
			break;
		}
	}
	/* a label with words around: not a sentence, a paragraph; not a
	 * slug ("message-id") */
	if (f == FF_NONE && !slug && *key != '\0' && strlen(key) <= FORM_MAX_LABEL &&
	    strchr(key, '\n') == NULL && strstr(key, ". ") == NULL &&
	    words(key) <= FORM_MAX_LABEL_WORDS &&
	    (f = qualified_field(key)) != FF_NONE && qualified != NULL)
		*qualified = TRUE;
	g_free(key);
	return f;
}

/*
 * Does line hold "Label: value"? On success *label and *value point into
 * the (modified) line. A label is short, starts with a letter and is not
 * part of a URL, an address or a time of day.
 */
static gboolean
split_label(char *line, char **label, char **value)
{
	char *p = line, *colon, *v, *l;
	guint words = 0;
	gunichar c;

	while (*p == ' ' || *p == '\t')
		p++;
	if ((*p == '*' || *p == '-') && p[1] == ' ')	/* bullet */
		p += 2;
	colon = strchr(p, ':');
	if (colon == NULL || colon == p || colon - p > FORM_MAX_LABEL)
		return FALSE;
	c = g_utf8_get_char_validated(p, -1);
	if (c == (gunichar)-1 || c == (gunichar)-2 || !g_unichar_isalpha(c))
		return FALSE;
	for (l = p; l < colon; l++) {
		if (strchr("<>@\"=[]{}|\\\t", *l) != NULL)
			return FALSE;
		if (*l == '.' && l[1] == ' ')	/* a sentence, not a label */
			return FALSE;
		words += *l == ' ' && l[1] != ' ' && l[1] != ':';
	}
	if (words >= FORM_MAX_LABEL_WORDS ||
	    g_utf8_strlen(p, colon - p) > FORM_MAX_LABEL)
		return FALSE;
	if (g_ascii_isdigit(colon[-1]) && g_ascii_isdigit(colon[1]))
		return FALSE;	/* a time of day, "at 16:05" */
	v = colon + 1;
	while (*v == ':')	/* "Label::" */
		v++;
	if (v[0] == '/' && v[1] == '/')	/* "https://..." */
		return FALSE;
	*colon = '\0';
	*label = g_strstrip(p);
	*value = g_strstrip(v);
	if (strlen(*value) > FORM_MAX_VALUE) {
		char *cut = g_utf8_find_prev_char(*value, *value +
		    FORM_MAX_VALUE + 1);

		if (cut != NULL)
			*cut = '\0';
	}
	return TRUE;
}

/* Append a continuation line to the last value, within the cap. */
static void
append_value(struct form_pair *p, const char *line)
{
	char *v;

	if (strlen(p->value) + strlen(line) + 1 > FORM_MAX_VALUE)
		return;
	v = *p->value != '\0' ? g_strconcat(p->value, "\n", line, NULL) :
	    g_strdup(line);
	g_free(p->value);
	p->value = v;
}

/* A question, maybe qualified: "Budget?", "Your phone? (optional)". */
static gboolean
is_question(const char *s)
{
	const char *q = strrchr(s, '?');

	return q != NULL && (q[1] == '\0' || (strlen(q) <= 16 &&
	    (strncmp(q, "? (", 3) == 0 || strcmp(q, "? *") == 0) &&
	    (q[1] == ' ' && (s[strlen(s) - 1] == ')' || s[strlen(s) - 1] ==
	    '*'))));
}

/* Could line be a label standing alone: short, a few words (a question
 * may have twice as many), no sentence, not an address or a link? */
static gboolean
label_line(const char *line)
{
	gsize n = strlen(line);
	guint most = is_question(line) ? 2 * FORM_MAX_LABEL_WORDS :
	    FORM_MAX_LABEL_WORDS;
	gunichar c = g_utf8_get_char_validated(line, -1);

	if (n == 0 || n > FORM_MAX_LABEL || c == (gunichar)-1 ||
	    c == (gunichar)-2 || !g_unichar_isalpha(c) ||
	    strpbrk(line, "<>@\"=[]{}|\\\t") != NULL ||
	    strstr(line, "://") != NULL || strstr(line, ". ") != NULL ||
	    line[n - 1] == '.' || line[n - 1] == '!' || line[n - 1] == ',')
		return FALSE;
	return words(line) <= most;
}

/*
 * A label alone on its line, as label-above-value layouts write it
 * ("Email", "--- Email ---", "*Email*", "What is your budget?"), made
 * plain (owned), or NULL. *strong is set when the line says by itself
 * that it is a label: set off by dashes or stars, a question, a
 * required '*', or one of a lead field's labels as such (not a line
 * that holds one among other words: "a line of the message").
 */
static char *
bare_label(const char *line, gboolean *strong)
{
	const char *b = line, *e = line + strlen(line);
	gboolean decorated = FALSE, required, qualified;
	char *l;

	if ((*b == '-' || *b == '*' || *b == '\xe2') && (b[1] == ' ' ||
	    strncmp(b, "\xe2\x80\xa2 ", 4) == 0))	/* a bullet: "- ", "• " */
		b += *b == '\xe2' ? 4 : 2;
	while (b < e && (*b == '-' || *b == '*' || *b == '=' || *b == ' ')) {
		decorated |= *b != ' ';
		b++;
	}
	while (e > b && (e[-1] == '-' || e[-1] == '=' || e[-1] == ' ' ||
	    (e[-1] == '*' && decorated)))
		e--;
	l = g_strndup(b, e - b);
	required = e > b && e[-1] == '*';
	g_strstrip(l);
	if (!label_line(l)) {
		g_free(l);
		return NULL;
	}
	*strong = decorated || required || is_question(l) ||
	    (form_field_of_label(l, &qualified) != FF_NONE && (!qualified ||
	    words(l) <= FORM_STRONG_QUALIFIED));
	return l;
}

/*
 * A value's last lines that the form tool adds below the form ("View all
 * responses", "Page submitted on", "Powered by Jotform", a link alone)
 * taken off: they are no part of what the person wrote.
 */
static void
trim_tool_lines(struct form_pair *p)
{
	static const char *const starts[] = { "view ", "see all ", "open ",
	    "page submitted", "submitted ", "powered by", "sent from ",
	    "sent via ", "manage ", "reply to this", NULL };
	char *nl;

	while ((nl = strrchr(p->value, '\n')) != NULL) {
		const char *last = nl + 1;
		gboolean tool = words(last) <= 6 &&
		    (g_str_has_prefix(last, "http://") ||
		    g_str_has_prefix(last, "https://"));

		for (guint i = 0; starts[i] != NULL && !tool; i++)
			tool = g_ascii_strncasecmp(last, starts[i],
			    strlen(starts[i])) == 0 && words(last) <= 8;
		if (!tool)
			break;
		*nl = '\0';
		g_strchomp(p->value);
	}
}

/* The next line after i that is not blank, or NULL. */
static const char *
next_line(char **lines, guint i)
{
	for (i++; lines[i] != NULL; i++) {
		const char *p = lines[i];

		while (g_ascii_isspace(*p))
			p++;
		if (*p != '\0')
			return p;
	}
	return NULL;
}

GPtrArray *
form_pairs_from_text(const char *text, guint max)
{
	GPtrArray *pairs = g_ptr_array_new_with_free_func(form_pair_free);
	GPtrArray *bare = g_ptr_array_new();	/* borrowed: bare-label pairs */
	char **lines;
	struct form_pair *cur = NULL;	/* borrowed: the value that may go on */
	struct form_pair *msg = NULL;	/* borrowed: a message's, below it */
	gboolean after_blank = TRUE;
	guint known_bare = 0, known_colon = 0;

	if (text == NULL)
		return pairs;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL && pairs->len < max; i++) {
		char *label, *value, *plain = NULL;
		char *line = g_strstrip(lines[i]);
		const char *next;
		gboolean strong = FALSE;

		if (*line == '\0') {
			/* A blank line ends a value, except right after a
			 * label that stands alone ("name:\nJohn") and in a
			 * message of paragraphs below its label. */
			if (cur != NULL && *cur->value != '\0' && (cur != msg ||
			    g_ptr_array_find(bare, cur, NULL) == FALSE))
				cur = NULL;
			after_blank = TRUE;
			continue;
		}
		if (cur != NULL && cur == msg && *cur->value != '\0' &&
		    !split_label(line, &label, &value) &&
		    ((plain = bare_label(line, &strong)) == NULL || !strong ||
		    is_question(plain))) {
			/* a message's next paragraph, questions and all */
			g_free(plain);
			append_value(cur, line);
			after_blank = FALSE;
			continue;
		}
		g_free(plain);
		plain = NULL;
		strong = FALSE;
		if (split_label(line, &label, &value)) {
			cur = form_pair_new(label, value);
			g_ptr_array_add(pairs, cur);
			known_colon += form_field_of_label(label, NULL) !=
			    FF_NONE;
		} else if ((plain = bare_label(line, &strong)) != NULL &&
		    (cur == NULL || *cur->value != '\0' || strong)) {
			/* a label above its value: set off by itself or by
			 * the blank line before it, a value below it; a
			 * label above a label was a heading */
			next = next_line(lines, i);
			if (cur != NULL && *cur->value == '\0' && next != NULL &&
			    (strong || after_blank) &&
			    g_ptr_array_remove(bare, cur)) {
				g_ptr_array_remove(pairs, cur);
				cur = msg = NULL;
			}
			if ((strong || after_blank) && next != NULL) {
				enum form_field f = form_field_of_label(plain,
				    NULL);

				cur = form_pair_new(plain, NULL);
				g_ptr_array_add(pairs, cur);
				g_ptr_array_add(bare, cur);
				known_bare += f != FF_NONE;
				msg = f == FF_MESSAGE ? cur : NULL;
			} else if (cur != NULL)
				append_value(cur, line);
		} else if (cur != NULL)
			append_value(cur, line);
		g_free(plain);
		after_blank = FALSE;
	}
	g_strfreev(lines);
	for (guint i = 0; i < pairs->len; i++)
		trim_tool_lines(g_ptr_array_index(pairs, i));
	/* Labels above values unless two of them name lead fields, or one
	 * among "Label: value" lines that name two: the short first lines
	 * of a person's paragraphs ("Kind regards") are no form. */
	if (known_bare < 2 && (known_bare == 0 || known_colon < 2))
		for (guint i = 0; i < bare->len; i++)
			g_ptr_array_remove(pairs, g_ptr_array_index(bare, i));
	g_ptr_array_free(bare, TRUE);
	return pairs;
}
