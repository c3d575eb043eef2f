/*
 * test_form.c: label/value pairs of web-form notifications in plain text
 * (src/form.c), the label keys they are compared by, and the lead field
 * each label fills (spec section 6). One table per function, bad input in
 * each; cases that show a bug wait in a disabled table until it is fixed.
 */
#include "testlib.h"

#include "form.h"

#define MAX_WANT	6	/* pairs a text case may expect */

/* Filled by setup(). */
#define LONG_LEN	100000
static char long_value[LONG_LEN + 16];		/* "Message: xxx...x" */
static char long_label[FORM_MAX_LABEL + 16];	/* 81 letters, ": v" */
static char max_label[FORM_MAX_LABEL + 16];	/* 80 letters, ": v" */
static char max_label_want[FORM_MAX_LABEL + 1];	/* its label */
static char *many_pairs;			/* FORM_MAX_PAIRS + 50 lines */

struct want_pair {
	const char *label;
	const char *value;	/* NULL: not checked */
};

struct text_case {
	const char *what;
	const char *in;
	guint n;			/* pairs wanted */
	struct want_pair want[MAX_WANT];
};

static const struct text_case text_cases[] = {
	/* "Label: value" lines */
	{ "lines", "Name: Jane Doe\nEmail: jane@acme.de\nCompany: Acme GmbH\n",
	    3, { { "Name", "Jane Doe" }, { "Email", "jane@acme.de" },
	    { "Company", "Acme GmbH" } } },
	{ "CRLF", "Name: Jane\r\nPhone: +49 30 1\r\n", 2,
	    { { "Name", "Jane" }, { "Phone", "+49 30 1" } } },
	{ "no final newline", "Name: Jane", 1, { { "Name", "Jane" } } },
	{ "space around", "   Name :   Jane Doe   \n\tEmail:\tj@x.io\t\n", 2,
	    { { "Name", "Jane Doe" }, { "Email", "j@x.io" } } },
	{ "no space after colon", "Website:https://acme.com\n", 1,
	    { { "Website", "https://acme.com" } } },
	{ "url value", "Website: https://www.acme.com/about?x=1\n", 1,
	    { { "Website", "https://www.acme.com/about?x=1" } } },
	{ "time value", "Preferred time: 10:30\n", 1,
	    { { "Preferred time", "10:30" } } },
	{ "colon in value", "Subject: Re: pricing\n", 1,
	    { { "Subject", "Re: pricing" } } },
	{ "empty value then label", "Phone:\nEmail: j@x.io\n", 2,
	    { { "Phone", "" }, { "Email", "j@x.io" } } },
	{ "non-ASCII label", "Société: Acme SA\nÜberblick: ok\n", 2,
	    { { "Société", "Acme SA" }, { "Überblick", "ok" } } },
	{ "intro prose dropped", "Hello,\nyou have a new lead.\n\nName: Jane\n",
	    1, { { "Name", "Jane" } } },
	/* bullets */
	{ "star bullets", "* Name: Jane\n* Company: Acme\n", 2,
	    { { "Name", "Jane" }, { "Company", "Acme" } } },
	{ "dash bullets", "- Name: Jane\n  - Budget: $50k\n", 2,
	    { { "Name", "Jane" }, { "Budget", "$50k" } } },
	/* label line, then the value on the next line(s) */
	{ "label line then value", "Name:\nJane Doe\nEmail:\njane@acme.de\n", 2,
	    { { "Name", "Jane Doe" }, { "Email", "jane@acme.de" } } },
	{ "label, blank, value", "Name:\n\nJane Doe\n\nEmail:\n\nj@x.io\n", 2,
	    { { "Name", "Jane Doe" }, { "Email", "j@x.io" } } },
	{ "value over lines", "Message:\nline one\nline two\n\nafter\n", 1,
	    { { "Message", "line one\nline two" } } },
	/* a message value goes on until a blank line */
	{ "multi-line message",
	    "Name: Jane\nMessage: Hello,\nwe need help.\n  Thanks\n\n"
	    "Sent from the website\n", 2,
	    { { "Name", "Jane" }, { "Message", "Hello,\nwe need help.\nThanks" } } },
	{ "message then label", "Message: one\ntwo\nCountry: DE\n", 2,
	    { { "Message", "one\ntwo" }, { "Country", "DE" } } },
	/* "Label:: value", required marks, question labels */
	{ "double colon", "Name:: Jane\nEmail:::j@x.io\n", 2,
	    { { "Name", "Jane" }, { "Email", "j@x.io" } } },
	{ "required star", "Email*: j@x.io\nName *: Jane\n* Phone*: 1\n", 3,
	    { { "Email*", "j@x.io" }, { "Name *", "Jane" }, { "Phone*", "1" } } },
	{ "question label", "How can we help?: A new site\n", 1,
	    { { "How can we help?", "A new site" } } },
	{ "slash label", "Country/Region: Germany\n", 1,
	    { { "Country/Region", "Germany" } } },
	{ "label of 8 words", "One two three four five six seven eight: v\n",
	    1, { { "One two three four five six seven eight", "v" } } },
	{ "label of 80 chars", max_label, 1, { { max_label_want, "v" } } },
	/* prose that is no pair */
	{ "sentence with colon",
	    "We are a company of about two hundred people and need: help\n",
	    0, { { NULL, NULL } } },
	{ "label of 9 words", "One two three four five six seven eight nine: v\n",
	    0, { { NULL, NULL } } },
	{ "two sentences", "Thanks. Regards: Jane\n", 0, { { NULL, NULL } } },
	{ "url", "https://example.com/contact\n", 0, { { NULL, NULL } } },
	{ "url in prose", "See https://example.com: it helps\n", 0,
	    { { NULL, NULL } } },
	{ "time", "Can we meet at 10:30 tomorrow?\n", 0, { { NULL, NULL } } },
	{ "time first", "10:30 works for me\n", 0, { { NULL, NULL } } },
	{ "reply intro", "Jane <jane@x.io> wrote: hi\n", 0, { { NULL, NULL } } },
	{ "address", "jane@x.io: hi\n", 0, { { NULL, NULL } } },
	{ "equals", "a=b: c\n", 0, { { NULL, NULL } } },
	{ "digit first", "12: apples\n", 0, { { NULL, NULL } } },
	{ "colon first", ": value\n", 0, { { NULL, NULL } } },
	{ "no colon", "Just some text\nwithout labels\n", 0, { { NULL, NULL } } },
	{ "label too long", long_label, 0, { { NULL, NULL } } },
	/* empty and bad input */
	{ "NULL", NULL, 0, { { NULL, NULL } } },
	{ "empty", "", 0, { { NULL, NULL } } },
	{ "blank lines", "\n\n \t\n\r\n", 0, { { NULL, NULL } } },
	{ "invalid UTF-8 label", "\xff\xfe: value\n\xc3\x28: v\n", 0,
	    { { NULL, NULL } } },
	{ "invalid UTF-8 value", "Name: J\xff" "ne\n", 1,
	    { { "Name", NULL } } },	/* the value is not checked */
	{ "NUL ends the text", "Name: Jane\0Email: j@x.io\n", 1,
	    { { "Name", "Jane" } } },
	/* One word before a colon reads as a label even before prose; the
	 * three-pair rule keeps such a mail from being a form. */
	{ "note sentence",
	    "Note: this is a long sentence with many words in it\n", 1,
	    { { "Note", "this is a long sentence with many words in it" } } },
};

static int
setup(void **state)
{
	GString *s = g_string_new(NULL);

	(void)state;
	memcpy(long_value, "Message: ", 9);
	memset(long_value + 9, 'x', LONG_LEN);
	long_value[9 + LONG_LEN] = '\0';
	memset(long_label, 'a', FORM_MAX_LABEL + 1);
	memcpy(long_label + FORM_MAX_LABEL + 1, ": v", 4);
	memset(max_label, 'a', FORM_MAX_LABEL);
	memcpy(max_label + FORM_MAX_LABEL, ": v", 4);
	memset(max_label_want, 'a', FORM_MAX_LABEL);
	max_label_want[FORM_MAX_LABEL] = '\0';
	for (guint i = 0; i < FORM_MAX_PAIRS + 50; i++)
		g_string_append_printf(s, "Field %u: value %u\n", i, i);
	many_pairs = g_string_free(s, FALSE);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	g_free(many_pairs);
	return 0;
}

/* The pairs of one case as they came out, for failure messages. */
static void
print_pairs(const GPtrArray *pairs)
{
	for (guint k = 0; k < pairs->len; k++) {
		const struct form_pair *p = g_ptr_array_index(pairs, k);

		print_error("    [%u] \"%s\" = \"%s\"\n", k, p->label, p->value);
	}
}

/* Does one text case come out as wanted? Prints why not. */
static gboolean
text_case_ok(const struct text_case *c)
{
	GPtrArray *pairs = form_pairs_from_text(c->in, FORM_MAX_PAIRS);
	gboolean ok = pairs->len == c->n;

	for (guint k = 0; ok && k < c->n; k++) {
		const struct form_pair *p = g_ptr_array_index(pairs, k);
		const char *value = c->want[k].value;

		ok = strcmp(p->label, c->want[k].label) == 0 &&
		    (value == NULL || strcmp(p->value, value) == 0);
	}
	if (!ok) {
		print_error("case \"%s\": %u pairs, want %u\n", c->what,
		    pairs->len, c->n);
		print_pairs(pairs);
	}
	g_ptr_array_free(pairs, TRUE);
	return ok;
}

static void
test_pairs_from_text(void **state)
{
	guint bad = 0;

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(text_cases); i++)
		bad += !text_case_ok(&text_cases[i]);
	assert_int_equal(bad, 0);
}


/* Caps: at most max pairs; a value keeps at most FORM_MAX_VALUE bytes
 * when it grows over lines. */
static const struct {
	guint max;
	guint want;
} cap_cases[] = {
	{ FORM_MAX_PAIRS, FORM_MAX_PAIRS }, { 1, 1 }, { 10, 10 }, { 0, 0 },
	{ FORM_MAX_PAIRS + 50, FORM_MAX_PAIRS + 50 },
	{ G_MAXUINT, FORM_MAX_PAIRS + 50 },
};

static void
test_pairs_caps(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cap_cases); i++) {
		GPtrArray *pairs = form_pairs_from_text(many_pairs,
		    cap_cases[i].max);
		const struct form_pair *p;

		if (pairs->len != cap_cases[i].want) {
			print_error("cap case %zu: %u pairs, want %u\n", i,
			    pairs->len, cap_cases[i].want);
			fail();
		}
		if (pairs->len > 0) {	/* the first ones, in order */
			p = g_ptr_array_index(pairs, 0);
			assert_string_equal(p->label, "Field 0");
			assert_string_equal(p->value, "value 0");
			p = g_ptr_array_index(pairs, pairs->len - 1);
			assert_true(g_str_has_prefix(p->label, "Field "));
		}
		g_ptr_array_free(pairs, TRUE);
	}
}

/* A value continued over many lines stops growing at FORM_MAX_VALUE. */
static void
test_pairs_value_cap_lines(void **state)
{
	GString *s = g_string_new("Message: start\n");
	GPtrArray *pairs;
	const struct form_pair *p;

	(void)state;
	for (guint i = 0; i < 5000; i++)
		g_string_append(s, "a line of the message text\n");
	g_string_append(s, "Email: j@x.io\n");
	pairs = form_pairs_from_text(s->str, FORM_MAX_PAIRS);
	assert_int_equal(pairs->len, 2);
	p = g_ptr_array_index(pairs, 0);
	assert_true(g_str_has_prefix(p->value, "start\na line"));
	assert_true(strlen(p->value) <= FORM_MAX_VALUE);
	p = g_ptr_array_index(pairs, 1);
	assert_string_equal(p->value, "j@x.io");
	g_ptr_array_free(pairs, TRUE);
	g_string_free(s, TRUE);
}

/* A value on the label's own line is capped too. */
static void
test_pairs_value_cap_one_line(void **state)
{
	GPtrArray *pairs;
	const struct form_pair *p;

	(void)state;
	pairs = form_pairs_from_text(long_value, FORM_MAX_PAIRS);
	assert_int_equal(pairs->len, 1);
	p = g_ptr_array_index(pairs, 0);
	assert_string_equal(p->label, "Message");
	assert_true(strlen(p->value) <= FORM_MAX_VALUE);
	g_ptr_array_free(pairs, TRUE);
}

static void
test_pair_new_free(void **state)
{
	struct form_pair *p;

	(void)state;
	p = form_pair_new("Name", NULL);
	assert_string_equal(p->label, "Name");
	assert_string_equal(p->value, "");	/* never NULL */
	form_pair_free(p);
	p = form_pair_new("Name", "Jane");
	assert_string_equal(p->value, "Jane");
	form_pair_free(p);
	form_pair_free(NULL);
}

/* form_label_key(): what labels are compared by. */
static const struct {
	const char *in;
	const char *want;
} key_cases[] = {
	{ "Email", "email" }, { "EMAIL", "email" }, { "eMail", "email" },
	{ "  E-Mail  ", "e-mail" }, { "Email*", "email" },
	{ "* Email", "email" }, { "*Email *:", "email" },
	{ "Email:", "email" }, { "Email::", "email" }, { "Email :", "email" },
	{ "How can we help?", "how can we help" },
	{ "How can we help? *", "how can we help" },
	{ "Really?:", "really" }, { "Your   Name", "your name" },
	{ "Full\tName", "full name" }, { "Full \n Name", "full name" },
	{ "Country/Region", "country/region" },
	{ "Number of Employees*:", "number of employees" },
	{ "Société", "société" }, { "ÉTAT", "état" },
	{ "E\xcc\x81tat", "état" },	/* decomposed: NFC */
	{ "Straße", "strasse" },	/* case folding, not lowering */
	{ "Name (First)", "name (first)" },
	/* nothing left, and bad input */
	{ "", "" }, { "   ", "" }, { "*", "" }, { "***", "" }, { ":", "" },
	{ "?", "" }, { " * : ? ", "" },
	{ "\xff\xfe", "" },	/* invalid UTF-8: no key */
};

static void
test_label_key(void **state)
{
	guint bad = 0;

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(key_cases); i++) {
		char *got = form_label_key(key_cases[i].in);

		if (strcmp(got, key_cases[i].want) != 0) {
			print_error("key \"%s\": got \"%s\", want \"%s\"\n",
			    key_cases[i].in, got, key_cases[i].want);
			bad++;
		}
		g_free(got);
	}
	assert_int_equal(bad, 0);
}

/* form_field_of_label(): every label the spec lists, then variants. */
static const struct {
	const char *label;
	enum form_field want;
} field_cases[] = {
	/* email */
	{ "Email", FF_EMAIL }, { "E-mail", FF_EMAIL },
	{ "Email address", FF_EMAIL }, { "Your email", FF_EMAIL },
	{ "Work email", FF_EMAIL }, { "Business email", FF_EMAIL },
	{ "EMAIL*", FF_EMAIL }, { "e-MAIL:", FF_EMAIL },
	{ "* Email Address *:", FF_EMAIL }, { "your EMAIL?", FF_EMAIL },
	{ "Work  Email", FF_EMAIL }, { " business email: ", FF_EMAIL },
	/* name */
	{ "Name", FF_NAME }, { "Full name", FF_NAME }, { "Your name", FF_NAME },
	{ "NAME*", FF_NAME }, { "full Name:", FF_NAME }, { "Your Name *", FF_NAME },
	{ "First name", FF_FIRST_NAME }, { "FIRST NAME*:", FF_FIRST_NAME },
	{ "Last name", FF_LAST_NAME }, { "last Name *", FF_LAST_NAME },
	/* company */
	{ "Company", FF_COMPANY }, { "Company name", FF_COMPANY },
	{ "Organisation", FF_COMPANY }, { "Organization", FF_COMPANY },
	{ "Business", FF_COMPANY }, { "Business name", FF_COMPANY },
	{ "COMPANY:", FF_COMPANY }, { "company Name*", FF_COMPANY },
	{ "ORGANISATION *:", FF_COMPANY }, { "organization?", FF_COMPANY },
	/* phone */
	{ "Phone", FF_PHONE }, { "Phone number", FF_PHONE },
	{ "Telephone", FF_PHONE }, { "Mobile", FF_PHONE },
	{ "PHONE*", FF_PHONE }, { "phone Number:", FF_PHONE },
	{ "TELEPHONE *", FF_PHONE }, { "mobile:", FF_PHONE },
	/* website */
	{ "Website", FF_WEBSITE }, { "Web site", FF_WEBSITE },
	{ "Company website", FF_WEBSITE }, { "URL", FF_WEBSITE },
	{ "WEBSITE:", FF_WEBSITE }, { "web Site*", FF_WEBSITE },
	{ "url?", FF_WEBSITE }, { "Company Website *:", FF_WEBSITE },
	/* country */
	{ "Country", FF_COUNTRY }, { "Country/Region", FF_COUNTRY },
	{ "Location", FF_COUNTRY }, { "COUNTRY*:", FF_COUNTRY },
	{ "country/region *", FF_COUNTRY }, { "LOCATION?", FF_COUNTRY },
	/* employees */
	{ "Employees", FF_EMPLOYEES }, { "Number of employees", FF_EMPLOYEES },
	{ "Company size", FF_EMPLOYEES }, { "Team size", FF_EMPLOYEES },
	{ "Headcount", FF_EMPLOYEES }, { "EMPLOYEES:", FF_EMPLOYEES },
	{ "Number Of Employees*", FF_EMPLOYEES },
	{ "company SIZE?", FF_EMPLOYEES }, { "team size *:", FF_EMPLOYEES },
	{ "HEADCOUNT", FF_EMPLOYEES },
	/* budget */
	{ "Budget", FF_BUDGET }, { "Project budget", FF_BUDGET },
	{ "BUDGET*:", FF_BUDGET }, { "project Budget?", FF_BUDGET },
	/* message */
	{ "Message", FF_MESSAGE }, { "Your message", FF_MESSAGE },
	{ "Comments", FF_MESSAGE }, { "Inquiry", FF_MESSAGE },
	{ "Enquiry", FF_MESSAGE }, { "Details", FF_MESSAGE },
	{ "How can we help", FF_MESSAGE }, { "How can we help?", FF_MESSAGE },
	{ "MESSAGE*:", FF_MESSAGE }, { "your Message *", FF_MESSAGE },
	{ "COMMENTS:", FF_MESSAGE }, { "inquiry?", FF_MESSAGE },
	{ "ENQUIRY *", FF_MESSAGE }, { "details:", FF_MESSAGE },
	{ "How Can We Help? *", FF_MESSAGE },
	/* other labels stay form."..." only, and bad input */
	{ "Favourite colour", FF_NONE }, { "Subject", FF_NONE },
	{ "Emails", FF_NONE }, { "E mail", FF_EMAIL }, { "Names", FF_NONE },
	{ "Message-ID", FF_NONE }, { "Emaill", FF_NONE },
	/* v2: labels with qualifiers and questions */
	{ "Name of your dog", FF_NAME }, { "Company size (approx.)", FF_EMPLOYEES },
	{ "Phone 2", FF_PHONE }, { "Budget range in EUR", FF_BUDGET },
	{ "Your work email address", FF_EMAIL },
	{ "Company size (employees)", FF_EMPLOYEES },
	{ "What is your project budget?", FF_BUDGET },
	{ "Budget range", FF_BUDGET }, { "Phone (optional)", FF_PHONE },
	{ "Mobile phone", FF_PHONE }, { "Message / Comments", FF_MESSAGE },
	{ "Country of residence", FF_COUNTRY },
	{ "Email or phone", FF_NONE }, { "Name of your company", FF_NONE },
	{ "Your company's website", FF_WEBSITE },
	{ "How did you hear about us?", FF_NONE },
	{ "E-Mail-Adresse", FF_EMAIL }, { "Adresse e-mail", FF_EMAIL },
	{ "Correo electrónico", FF_EMAIL }, { "Firma", FF_COMPANY },
	{ "Téléphone", FF_PHONE }, { "Nachricht", FF_MESSAGE },
	{ "", FF_NONE }, { "   ", FF_NONE }, { "*", FF_NONE },
	{ ":", FF_NONE }, { "\xff\xfe", FF_NONE }, { "Email\xff", FF_NONE },
};

static void
test_field_of_label(void **state)
{
	guint bad = 0;

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(field_cases); i++) {
		enum form_field got = form_field_of_label(field_cases[i].label,
		    NULL);

		if (got != field_cases[i].want) {
			print_error("label \"%s\": got %d, want %d\n",
			    field_cases[i].label, (int)got,
			    (int)field_cases[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_from_text),
		cmocka_unit_test(test_pairs_caps),
		cmocka_unit_test(test_pairs_value_cap_lines),
		cmocka_unit_test(test_pairs_value_cap_one_line),
		cmocka_unit_test(test_pair_new_free),
		cmocka_unit_test(test_label_key),
		cmocka_unit_test(test_field_of_label),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
