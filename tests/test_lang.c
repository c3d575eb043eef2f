/*
 * test_lang.c: language guessing (src/mail/lang.c) measured on the
 * labelled texts of tests/data/language/labelled.tsv (260 sales-inbox
 * texts in 10 languages, short, medium, long and mixed), and leads whose
 * language comes from the header or from their text. The accuracy this
 * asserts is the one docs/language.md states; LR_LANG_TABLE=1 prints the
 * table behind it, for every minimum length tried.
 */
#include "testlib.h"

#include "lang.h"
#include "lead.h"

#define LABELLED	TEST_DATA_DIR "/language/labelled.tsv"

struct text {
	char *lang, *kind, *text;
	const char *guess;	/* lang_classify(), no minimum */
	guint letters;
};

static GPtrArray *
load(void)
{
	GPtrArray *a = g_ptr_array_new();
	char *data, **lines;
	GError *err = NULL;

	if (!g_file_get_contents(LABELLED, &data, NULL, &err))
		fail_msg("%s", err->message);
	lines = g_strsplit(data, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		char **f;
		struct text *t;
		GString *s;

		if (*lines[i] == '#' || *lines[i] == '\0')
			continue;
		f = g_strsplit(lines[i], "\t", 3);
		assert_int_equal(g_strv_length(f), 3);
		t = g_new0(struct text, 1);
		t->lang = g_strdup(f[0]);
		t->kind = g_strdup(f[1]);
		s = g_string_new(f[2]);
		g_string_replace(s, "\\n", "\n", 0);
		t->text = g_string_free(s, FALSE);
		t->guess = lang_classify(t->text, &t->letters);
		g_ptr_array_add(a, t);
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(data);
	return a;
}

static void
text_free(gpointer p)
{
	struct text *t = p;

	g_free(t->lang);
	g_free(t->kind);
	g_free(t->text);
	g_free(t);
}

struct score {
	guint n, right, wrong;	/* unanswered: n - right - wrong */
};

/* The texts of kind (NULL: all) as lang_detect() would answer them with
 * a minimum of min letters. */
static struct score
score(GPtrArray *a, const char *kind, guint min)
{
	struct score s = { 0 };

	for (guint i = 0; i < a->len; i++) {
		const struct text *t = g_ptr_array_index(a, i);

		if (kind != NULL && strcmp(t->kind, kind) != 0)
			continue;
		s.n++;
		if (t->guess == NULL || t->letters < min)
			continue;
		if (strcmp(t->guess, t->lang) == 0)
			s.right++;
		else
			s.wrong++;
	}
	return s;
}

static double
pct(guint k, guint n)
{
	return n > 0 ? 100.0 * k / n : 0;
}

static void
print_table(GPtrArray *a)
{
	static const char *const kinds[] = { "short", "medium", "long",
	    "mixed", NULL };
	static const guint mins[] = { 0, 10, 15, 20, 30, 40, 60 };

	printf("min letters | kind   | texts | right %% | wrong %% | none %%\n");
	for (guint m = 0; m < G_N_ELEMENTS(mins); m++)
		for (guint k = 0; k <= 4; k++) {
			struct score s = score(a, kinds[k], mins[m]);

			printf("%11u | %-6s | %5u | %7.1f | %7.1f | %6.1f\n",
			    mins[m], kinds[k] ? kinds[k] : "all", s.n,
			    pct(s.right, s.n), pct(s.wrong, s.n),
			    pct(s.n - s.right - s.wrong, s.n));
		}
	for (guint i = 0; i < a->len; i++) {
		const struct text *t = g_ptr_array_index(a, i);

		if (t->guess != NULL && strcmp(t->guess, t->lang) != 0 &&
		    t->letters >= LANG_MIN_LETTERS)
			printf("wrong: %s as %s (%u letters): %.60s\n", t->lang,
			    t->guess, t->letters, t->text);
	}
}

/* The accuracy docs/language.md states, with LANG_MIN_LETTERS. */
static void
test_labelled(void **state)
{
	GPtrArray *a = load();
	struct score all, lng, med, shrt, mix;

	(void)state;
	assert_true(lang_available());
	g_ptr_array_set_free_func(a, text_free);
	assert_true(a->len >= 200);
	if (g_getenv("LR_LANG_TABLE") != NULL)
		print_table(a);
	all = score(a, NULL, LANG_MIN_LETTERS);
	lng = score(a, "long", LANG_MIN_LETTERS);
	med = score(a, "medium", LANG_MIN_LETTERS);
	shrt = score(a, "short", LANG_MIN_LETTERS);
	mix = score(a, "mixed", LANG_MIN_LETTERS);
	/* a wrong language is worse than none: a rule on it misroutes */
	assert_true(pct(all.wrong, all.n) <= 1.0);
	assert_true(pct(shrt.wrong + med.wrong + lng.wrong, shrt.n + med.n +
	    lng.n) == 0);
	assert_true(pct(lng.right, lng.n) >= 95.0);
	assert_true(pct(med.right, med.n) >= 90.0);
	assert_true(pct(shrt.right, shrt.n) >= 70.0);
	assert_true(pct(mix.right, mix.n) >= 50.0);
	g_ptr_array_free(a, TRUE);
}

struct lead_lang {
	const char *what, *raw, *language, *source;
};

static const struct lead_lang leads[] = {
	{ "German text, no header",
	  "From: Jana Vogel <jana@vogel-bau.de>\nSubject: Anfrage\n\n"
	  "Guten Tag, wir planen die Erweiterung unseres Lagers in Linz und "
	  "bitten um ein Angebot für die Montage.\n", "de", "detected" },
	{ "the header wins over the text",
	  "From: a@b.example\nContent-Language: en-US\nSubject: Anfrage\n\n"
	  "Guten Tag, wir planen die Erweiterung unseres Lagers in Linz und "
	  "bitten um ein Angebot für die Montage.\n", "en", "header" },
	{ "too short to tell",
	  "From: a@b.example\nSubject: Hallo\n\nDanke, bis bald!\n",
	  NULL, NULL },
	{ "short but plain",
	  "From: a@b.example\nSubject: Hallo\n\nBitte rufen Sie mich an.\n",
	  "de", "detected" },
	{ "a form: its message, not its English labels",
	  "From: Site <noreply@site.example>\nReply-To: jean@martin-sa.fr\n"
	  "Subject: New entry\n\nName: Jean Martin\nEmail: jean@martin-sa.fr\n"
	  "Company: Martin SA\nMessage: Bonjour, nous souhaitons recevoir un "
	  "devis pour l'installation de panneaux solaires sur notre entrepôt "
	  "de Lyon.\n", "fr", "detected" },
	{ "a quoted reply is not read",
	  "From: a@b.example\nSubject: Re: offer\n\nThanks, we will review the "
	  "offer with our team this week and come back to you.\n\n"
	  "On Mon, 2 Nov 2026, Vertrieb <v@x.de> wrote:\n> Sehr geehrte Damen "
	  "und Herren, anbei unser Angebot für die Wartung Ihrer Anlagen.\n",
	  "en", "detected" },
};

static void
test_leads(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(leads); i++) {
		const struct lead_lang *c = &leads[i];
		struct lead *l = lead_from_bytes(c->raw, strlen(c->raw), NULL);

		if (g_strcmp0(lead_language(l), c->language) != 0 ||
		    g_strcmp0(l->language_source, c->source) != 0)
			fail_msg("%s: language %s (%s), want %s (%s)", c->what,
			    lead_language(l), l->language_source,
			    c->language, c->source);
		lead_free(l);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labelled),
		cmocka_unit_test(test_leads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
