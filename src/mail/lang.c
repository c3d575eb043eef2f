/*
 * lang.c: language guessing with libexttextcat, as LibreOffice and
 * Dovecot use it: special_textcat_Init() with a list of fingerprints
 * (our own, of the languages below: the fewer languages, the fewer close
 * calls between neighbours such as Danish and Norwegian), then
 * textcat_ClassifyFull(), whose answer is every language within 3 per
 * cent of the best: one answer is a confident guess; of more, the best
 * counts only for a longer text, and when it leads by a margin.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <textcat.h>

#include "lang.h"

/* The languages guessed among: a fingerprint file of libexttextcat-data
 * each ("<code>.lm"), the code being ISO 639-1. Not Catalan: its
 * fingerprint took Spanish and Italian texts (docs/language.md); Catalan
 * mail is read as Spanish. */
static const char *const lang_codes[] = {
	"en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi",
	"pl", "cs", "sk", "hu", "ro", "el", "tr", "ru", "uk", "bg", "hr",
	"sl", "et", "lv", "lt", "ja", "ko", "ar", "he", "hi", "id", "vi",
	"th", NULL
};

static GMutex lock;
static void *handle;
static gsize once;

/*
 * The fingerprint list, written where no file is needed: a memory file
 * read through /proc (the list libexttextcat reads must be a file).
 */
static void *
open_textcat(void)
{
	GString *conf = g_string_new(NULL);
	char path[64];
	void *h = NULL;
	int fd;

	for (guint i = 0; lang_codes[i] != NULL; i++)
		g_string_append_printf(conf, "%s.lm %s\n", lang_codes[i],
		    lang_codes[i]);
	fd = memfd_create("leadroute-textcat", MFD_CLOEXEC);
	if (fd >= 0 && write(fd, conf->str, conf->len) == (ssize_t)conf->len) {
		g_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		h = special_textcat_Init(path, TEXTCAT_DATADIR);
	}
	if (fd >= 0)
		close(fd);
	g_string_free(conf, TRUE);
	return h;
}

static void
init(void)
{
	if (g_once_init_enter(&once)) {
		handle = open_textcat();
		g_once_init_leave(&once, 1);
	}
}

gboolean
lang_available(void)
{
	init();
	return handle != NULL;
}

/* A word that says nothing of a language: an address, a link. */
static gboolean
is_noise(const char *w, gsize n)
{
	char *s = g_strndup(w, n);
	gboolean yes = strchr(s, '@') != NULL || strstr(s, "://") != NULL ||
	    g_ascii_strncasecmp(s, "www.", 4) == 0;

	g_free(s);
	return yes;
}

/*
 * The words of text without addresses, links and digits, white space
 * made single spaces, at most LANG_MAX_BYTES; *letters gets how many
 * letters it has.
 */
static GString *
clean(const char *text, guint *letters)
{
	GString *s = g_string_sized_new(LANG_MAX_BYTES);
	const char *p = text;

	*letters = 0;
	while (*p != '\0' && s->len < LANG_MAX_BYTES) {
		gsize n = strcspn(p, " \t\r\n");

		if (n == 0) {
			p++;
			continue;
		}
		if (s->len + n + 1 > LANG_MAX_BYTES)
			break;
		if (!is_noise(p, n)) {
			const char *end = p + n;

			if (s->len > 0)
				g_string_append_c(s, ' ');
			for (const char *q = p; q < end;
			    q = g_utf8_next_char(q)) {
				gunichar c = g_utf8_get_char(q);

				if (g_unichar_isdigit(c))
					continue;
				*letters += g_unichar_isalpha(c);
				g_string_append_len(s, q,
				    g_utf8_next_char(q) - q);
			}
		}
		p += n;
	}
	return s;
}

const char *
lang_classify(const char *text, guint *letters)
{
	const char *code = NULL;
	candidate_t *c;
	GString *s;
	guint n_letters;
	int n;

	init();
	if (letters != NULL)
		*letters = 0;
	if (handle == NULL || text == NULL || !g_utf8_validate(text, -1, NULL))
		return NULL;
	s = clean(text, &n_letters);
	if (letters != NULL)
		*letters = n_letters;
	if (n_letters == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	g_mutex_lock(&lock);
	c = textcat_GetClassifyFullOutput(handle);
	n = textcat_ClassifyFull(handle, s->str, s->len, c);
	/* candidates come best (lowest score) first */
	if (n == 1 || (n > 1 && n_letters >= LANG_LEAD_LETTERS &&
	    (gint64)c[1].score * 100 >= (gint64)c[0].score *
	    (100 + LANG_LEAD_PERCENT)))
		for (guint i = 0; lang_codes[i] != NULL && code == NULL; i++)
			if (strcmp(c[0].name, lang_codes[i]) == 0)
				code = lang_codes[i];
	textcat_ReleaseClassifyFullOutput(handle, c);
	g_mutex_unlock(&lock);
	g_string_free(s, TRUE);
	return code;
}

const char *
lang_detect(const char *text)
{
	guint letters;
	const char *code = lang_classify(text, &letters);

	return letters >= LANG_MIN_LETTERS ? code : NULL;
}
