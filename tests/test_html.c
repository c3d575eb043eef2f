/*
 * test_html.c: HTML bodies to text and to form pairs. Each table mixes
 * real layouts with hostile input: empty, garbage, unclosed tags, deep
 * nesting, oversized, invalid UTF-8. Every result is also checked for
 * what must always hold: valid UTF-8, no blank line doubled, no trailing
 * blanks.
 */
#include "testlib.h"

#include <sys/stat.h>

#include <stdio.h>
#include <unistd.h>

#include "form.h"
#include "html.h"

/* Input built in code, for what is too big or too binary for a string. */
typedef GString *(*build_fn)(void);

static GString *
build_deep(void)	/* 10,000 nested divs: past libxml2's own limit */
{
	GString *s = g_string_new("<p>top</p>");

	for (int i = 0; i < 10000; i++)
		g_string_append(s, "<div>");
	g_string_append(s, "deep");
	for (int i = 0; i < 10000; i++)
		g_string_append(s, "</div>");
	g_string_append(s, "<p>end</p>");
	return s;
}

static GString *
build_nested_200(void)	/* deep, but within every limit */
{
	GString *s = g_string_new("<p>top</p>");

	for (int i = 0; i < 200; i++)
		g_string_append(s, "<div>");
	g_string_append(s, "deep");
	for (int i = 0; i < 200; i++)
		g_string_append(s, "</div>");
	g_string_append(s, "<p>end</p>");
	return s;
}

static GString *
build_huge(void)	/* 3 MB: cut at HTML_MAX_BYTES */
{
	GString *s = g_string_new("<p>start</p><p>");

	while (s->len < 3 * 1024 * 1024)
		g_string_append(s, "word \xc3\xa9t\xc3\xa9 ");
	g_string_append(s, "</p><p>never seen</p>");
	return s;
}

static GString *
build_huge_table(void)	/* 3 MB of form rows */
{
	GString *s = g_string_new("<table>");

	for (guint i = 0; s->len < 3 * 1024 * 1024; i++)
		g_string_append_printf(s,
		    "<tr><td>Field %u</td><td>value %u</td></tr>\n", i, i);
	g_string_append(s, "</table>");
	return s;
}

static GString *
build_nul(void)		/* NUL bytes inside text and a tag */
{
	static const char html[] = "<p>a\0b</p><b\0>c</b>";

	return g_string_new_len(html, sizeof(html) - 1);
}

static GString *
build_attr_flood(void)	/* one tag with 100,000 attributes */
{
	GString *s = g_string_new("<p>before</p><table><tr><td>Name</td>"
	    "<td>Ann</td></tr></table><a");

	for (int i = 0; i < 100000; i++)
		g_string_append_printf(s, " a%d=1", i);
	g_string_append(s, ">x</a><p>after</p>");
	return s;
}

static GString *
build_long_value(void)	/* a value over FORM_MAX_VALUE, in 2-byte chars */
{
	GString *s = g_string_new("<table><tr><td>Message</td><td>x");

	for (int i = 0; i < FORM_MAX_VALUE; i++)
		g_string_append(s, "\xc3\xa9");
	g_string_append(s, "</td></tr></table>");
	return s;
}

/* One test input: inline html, else a file under tests/data/html, else
 * built. */
static GString *
load(const char *html, const char *file, build_fn build)
{
	char *path, *data;
	gsize len;
	GString *s;

	if (html != NULL)
		return g_string_new(html);
	if (build != NULL)
		return build();
	path = g_build_filename(TEST_DATA_DIR, "html", file, NULL);
	assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_free(path);
	s = g_string_new_len(data, (gssize)len);
	g_free(data);
	return s;
}

/* What every rendered text must be, whatever the input. */
static void
check_shape(const char *text)
{
	gsize n = strlen(text);

	assert_true(g_utf8_validate(text, -1, NULL));
	assert_null(strstr(text, "\n\n\n"));
	assert_null(strstr(text, " \n"));
	assert_null(strstr(text, "\t\n"));
	if (n > 0) {
		assert_false(g_ascii_isspace(text[0]));
		assert_false(g_ascii_isspace(text[n - 1]));
	}
}

enum match { EXACT = 0, PREFIX };

static const struct text_case {
	const char *name;
	const char *html;	/* inline input */
	const char *file;	/* or a file in tests/data/html */
	build_fn build;		/* or built */
	gboolean drop_quotes;
	const char *want;
	enum match match;
} text_cases[] = {
	{ "empty", "", NULL, NULL, FALSE, "", EXACT },
	{ "only blanks", " \n\t&nbsp; <br><div></div>", NULL, NULL, FALSE,
	    "", EXACT },
	{ "plain text", "just text", NULL, NULL, FALSE, "just text", EXACT },
	{ "garbage", "\x01\x02<\x7f>&&&;<<>>x</ b><a href=\"x<div <table>"
	    "<tr><td>a<td>b</tr><<!-- <p>ghost", NULL, NULL, FALSE,
	    "\x7f>&&&;<<>>x b>", EXACT },
	{ "unclosed tags", "<div><p>one<p>two<ul><li>a<li>b", NULL, NULL,
	    FALSE, "one\n\ntwo\n\n- a\n- b", EXACT },
	{ "entities", "<p>Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5 "
	    "&#x1F600; a&nbsp;&nbsp;b &bogus; &#0;</p>", NULL, NULL, FALSE,
	    "Fish & chips <3 \xc3\xa9t\xc3\xa9 \xe2\x82\xac" "5 "
	    "\xf0\x9f\x98\x80 a b &bogus;", EXACT },
	{ "script, style, comment", "<style>p{color:red}</style><script>"
	    "var x = '<p>no</p>';</script><p>yes</p><!-- <p>hidden</p> -->"
	    "<template><p>tpl</p></template>", NULL, NULL, FALSE, "yes",
	    EXACT },
	{ "head and title", "<html><head><title>Subject</title>"
	    "<meta charset=\"utf-8\"></head><body>Body</body></html>", NULL,
	    NULL, FALSE, "Body", EXACT },
	{ "hidden elements", "<div style=\"DISPLAY: none\">preheader</div>"
	    "<p hidden>h</p><p>seen</p>", NULL, NULL, FALSE, "seen", EXACT },
	{ "white space collapsed", "<p>  a \n\t b  </p>  <p>c</p>", NULL,
	    NULL, FALSE, "a b\n\nc", EXACT },
	{ "inline elements", "<b>bold</b> <i>it</i><span>x</span>  "
	    "<a href=\"https://x.example/\">link</a>", NULL, NULL, FALSE,
	    "bold itx link", EXACT },
	{ "br", "a<br>b<br><br>c<br><br><br><br>d", NULL, NULL, FALSE,
	    "a\nb\n\nc\n\nd", EXACT },
	{ "gmail blank lines", "<div>Hi</div><div><br></div><div>text</div>",
	    NULL, NULL, FALSE, "Hi\n\ntext", EXACT },
	{ "blocks", "<h1>Title</h1>text<hr>more<div><div>nested</div></div>"
	    "end", NULL, NULL, FALSE, "Title\n\ntext\nmore\nnested\nend",
	    EXACT },
	{ "lists", "<ul><li>one</li><li>two <b>2</b></li></ul><ol><li>x</li>"
	    "<li></li></ol><p>after</p>", NULL, NULL, FALSE,
	    "- one\n- two 2\n- x\n\nafter", EXACT },
	{ "table cells", "<table><tr><th>Name</th><td>Ann</td></tr><tr>"
	    "<td>&nbsp;</td><td>x</td><td></td><td><p>y</p></td></tr>"
	    "</table>", NULL, NULL, FALSE, "Name\tAnn\nx\ty", EXACT },
	{ "dl", "<dl><dt>Name</dt><dd>Ann</dd><dt>Topics<dd>SEO<dd>Ads</dl>",
	    NULL, NULL, FALSE, "Name\nAnn\nTopics\nSEO\nAds", EXACT },
	{ "pre", "<p>see:</p><pre>\n  a  b\n\n\n\nc\n</pre>x<pre>\r\ny\r\n"
	    "z</pre>", NULL, NULL, FALSE,
	    "see:\n\n  a  b\n\nc\n\nx\n\ny\nz", EXACT },
	{ "invisible characters", "a\xe2\x80\x8b" "b\xc2\xad" "c\xef\xbb\xbf"
	    "d", NULL, NULL, FALSE, "abcd", EXACT },
	{ "invalid UTF-8", "<p>caf\xe9 \xff\xfeok</p><p>\xe2\x82</p>", NULL,
	    NULL, FALSE, "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbdok\n\n"
	    "\xef\xbf\xbd\xef\xbf\xbd", EXACT },
	{ "NUL bytes", NULL, NULL, build_nul, FALSE,
	    "a\xef\xbf\xbd" "b\n\nc", EXACT },
	{ "meta charset ignored", "<meta charset=\"iso-8859-1\"><p>Z\xc3\xbc"
	    "rich</p>", NULL, NULL, FALSE, "Z\xc3\xbcrich", EXACT },
	{ "10,000 nested divs", NULL, NULL, build_deep, FALSE, "top", EXACT },
	{ "200 nested divs", NULL, NULL, build_nested_200, FALSE,
	    "top\n\ndeep\n\nend", EXACT },
	{ "3 MB", NULL, NULL, build_huge, FALSE,
	    "start\n\nword \xc3\xa9t\xc3\xa9 word", PREFIX },
	{ "attribute flood", NULL, NULL, build_attr_flood, FALSE,
	    "before\n\nName\tAnn", EXACT },
	{ "form table", NULL, "formspree.html", NULL, FALSE,
	    "Hey there,\nSomeone just submitted your form on example.org. "
	    "Here's what they had to say:\nname:\tJan   Kowalski\n"
	    "email:\tjan@kowalski.example\ncompany:\n"
	    "message:\tLine one\n  indented line two\n"
	    "This form was submitted at 2024-05-02 10:11.", EXACT },
	{ "gravity", NULL, "gravity.html", NULL, FALSE,
	    "A new entry was submitted on Example Builders.\n\n"
	    "Your details\nName (First)\nMar\xc3\xad" "a\nName (Last)\n"
	    "O\xe2\x80\x99Neill\nEmail\nmaria@oneill-build.example\n"
	    "Company size\n50 \xe2\x80\x93 200\nHow can we help?\n"
	    "We need a new site.\nBudget is \xc2\xa3" "20k & we start in May."
	    "\n\nThanks", EXACT },

	/* Quoted replies, kept and dropped. */
	{ "gmail reply kept", NULL, "gmail-reply.html", NULL, FALSE,
	    "Hi Sam,\n\nYes, please send the proposal \xe2\x80\x94 we're "
	    "ready.\n\nBest,\nLena\n\n--\nLena Vogt\nCTO | Kaltwerk GmbH\n\n"
	    "On Tue, 4 Jun 2024 at 09:12, Sam Ortiz <sam@svc.example> wrote:"
	    "\n\nHi Lena,\nshall I send the proposal?", EXACT },
	{ "gmail reply dropped", NULL, "gmail-reply.html", NULL, TRUE,
	    "Hi Sam,\n\nYes, please send the proposal \xe2\x80\x94 we're "
	    "ready.\n\nBest,\nLena\n\n--\nLena Vogt\nCTO | Kaltwerk GmbH",
	    EXACT },
	{ "outlook reply kept", NULL, "outlook-reply.html", NULL, FALSE,
	    "Hello Sam,\n\nTuesday works for us.\n\nRegards,\nIan\n\n"
	    "From: Sam Ortiz <sam@svc.example>\nSent: Monday, June 3, 2024 "
	    "4:05 PM\nTo: Ian Reid\nSubject: Meeting\n\n"
	    "Hi Ian, does Tuesday suit you?", EXACT },
	{ "outlook reply dropped", NULL, "outlook-reply.html", NULL, TRUE,
	    "Hello Sam,\n\nTuesday works for us.\n\nRegards,\nIan", EXACT },
	{ "outlook web reply kept", NULL, "outlook-web-reply.html", NULL,
	    FALSE, "Sounds good, go ahead.\nFrom: Sam Ortiz\nSent: Monday, "
	    "June 3, 2024 16:05\nSubject: Plan\nShall we start on Monday?",
	    EXACT },
	{ "outlook web reply dropped", NULL, "outlook-web-reply.html", NULL,
	    TRUE, "Sounds good, go ahead.", EXACT },
	{ "outlook web, reply to a reply", "<div>New</div><div id=\"x_"
	    "divRplyFwdMsg\"><b>From:</b> A</div><div>old</div>", NULL, NULL,
	    TRUE, "New", EXACT },
	{ "outlook 2010 header", "<p>Ok.</p><div style=\"border:none; "
	    "border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0in 0in 0in\"><p>"
	    "<b>From:</b> A</p></div><p>old</p>", NULL, NULL, TRUE, "Ok.",
	    EXACT },
	{ "apple mail", "<div>Sure.</div><div><br><blockquote type=\"cite\">"
	    "<div>On 3 Jun 2024, at 10:00, Sam wrote:</div><div>old</div>"
	    "</blockquote></div>", NULL, NULL, TRUE, "Sure.", EXACT },
	{ "apple mail kept", "<div>Sure.</div><div><br><blockquote "
	    "type=\"cite\"><div>On 3 Jun 2024, at 10:00, Sam wrote:</div>"
	    "<div>old</div></blockquote></div>", NULL, NULL, FALSE,
	    "Sure.\n\nOn 3 Jun 2024, at 10:00, Sam wrote:\nold", EXACT },
	{ "thunderbird", "<p>Fine.</p><div class=\"moz-cite-prefix\">On "
	    "6/3/24 10:00, Sam wrote:<br></div><blockquote type=\"cite\" "
	    "cite=\"mid:x@y\">old</blockquote><p>more</p>", NULL, NULL, TRUE,
	    "Fine.\n\nmore", EXACT },
	{ "yahoo", "<div>Yes</div><div id=\"ydp9f1yahoo_quoted_123\" "
	    "class=\"ydp9f1yahoo_quoted\">On Monday, Sam wrote: old</div>",
	    NULL, NULL, TRUE, "Yes", EXACT },
	{ "gmail quote, garbage around", "<div class=\"gmail_quote\"><<<"
	    "<blockquote>old", NULL, NULL, TRUE, "", EXACT },
};

static void
test_text(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		GString *in = load(c->html, c->file, c->build);
		struct html_doc *h = html_parse(in->str, in->len);
		char *text = html_text(h, c->drop_quotes);

		print_message("text: %s\n", c->name);
		check_shape(text);
		if (c->match == PREFIX) {
			assert_true(g_str_has_prefix(text, c->want));
			assert_true(strlen(text) <= HTML_MAX_BYTES);
		} else
			assert_string_equal(text, c->want);
		g_free(text);
		html_free(h);
		g_string_free(in, TRUE);
	}
}

static const struct pair_case {
	const char *name;
	const char *html;	/* inline input */
	const char *file;	/* or a file in tests/data/html */
	build_fn build;		/* or built */
	guint max;		/* 0: FORM_MAX_PAIRS */
	const char *want;	/* "label=value\n"..., newlines in values as
				 * "\\n"; NULL: only count is checked */
	guint count;
} pair_cases[] = {
	{ "empty", "", NULL, NULL, 0, "", 0 },
	{ "garbage", "\x01<table<tr><<td>>a</td><td\x02>b<<<", NULL, NULL, 0,
	    "", 0 },
	{ "no table", "<p><b>Name:</b> Ann<br><b>Email:</b> a@b.example</p>",
	    NULL, NULL, 0, "", 0 },
	{ "unclosed tags", "<table><tr><td>Name<td>Ann<tr><td>Email<td>"
	    "a@b.example", NULL, NULL, 0, "Name=Ann\nEmail=a@b.example\n",
	    0 },
	{ "two columns", "<table><tr><td><strong>Name:</strong></td><td>Ann "
	    "Lee</td></tr><tr><td>E-mail :</td><td><a href=\"mailto:ann@"
	    "lee.example\">ann@lee.example</a></td></tr><tr><td>Company</td>"
	    "<td></td></tr><tr><td>Phone*</td><td>&nbsp;</td></tr><tr><td>"
	    "Message</td><td>Hello,<br>we need help.<p>Thanks</p></td></tr>"
	    "</table>", NULL, NULL, 0,
	    "Name=Ann Lee\nE-mail=ann@lee.example\nCompany=\nPhone*=\n"
	    "Message=Hello,\\nwe need help.\\n\\nThanks\n", 0 },
	{ "th labels", "<table style=\"border-collapse:collapse;\"><tr>"
	    "<th align=\"left\">Name</th><td>Luc\xc3\xad" "a G\xc3\xb3mez</td>"
	    "</tr><tr><th align=\"left\">Email</th><td>lucia@example.es</td>"
	    "</tr></table>", NULL, NULL, 0,
	    "Name=Luc\xc3\xad" "a G\xc3\xb3mez\nEmail=lucia@example.es\n", 0 },
	{ "header row", "<table><thead><tr><th>Field</th><th>Value</th></tr>"
	    "</thead><tbody><tr><td>Budget</td><td>$50k</td></tr></tbody>"
	    "</table>", NULL, NULL, 0, "Budget=$50k\n", 0 },
	{ "spacer cell", "<table><tr><td>Name</td><td width=\"10\"></td>"
	    "<td>Ann</td></tr></table>", NULL, NULL, 0, "Name=Ann\n", 0 },
	{ "not labels", "<table><tr><td>This is a long sentence in a table "
	    "cell, far longer than any label would ever be.</td><td>x</td>"
	    "</tr><tr><td>two<br>lines</td><td>y</td></tr><tr><td>:</td>"
	    "<td>z</td></tr></table>", NULL, NULL, 0, "", 0 },
	{ "rows behind a form", "<table><form action=\"/x\"><tr><td>Name"
	    "</td><td>Ann</td></tr></form><div><table><tr><td>City</td><td>"
	    "Oslo</td></tr></table></div></table>", NULL, NULL, 0,
	    "Name=Ann\nCity=Oslo\n", 0 },
	{ "three columns", "<table><tr><td>Qty</td><td>Item</td><td>Price"
	    "</td></tr><tr><td>1</td><td>Widget</td><td>9.99</td></tr>"
	    "</table>", NULL, NULL, 0, "", 0 },
	{ "entities, script, style", "<table><tr><td>Caf&eacute; "
	    "&amp; bar<script>x()</script></td><td>&lt;b&gt;&#8364;5<style>"
	    "p{}</style></td></tr></table>", NULL, NULL, 0,
	    "Caf\xc3\xa9 & bar=<b>\xe2\x82\xac" "5\n", 0 },
	{ "invalid UTF-8", "<table><tr><td>Name</td><td>Jos\xe9</td></tr>"
	    "</table>", NULL, NULL, 0, "Name=Jos\xef\xbf\xbd\n", 0 },
	{ "nested layout tables", NULL, "formspree.html", NULL, 0,
	    "name=Jan   Kowalski\nemail=jan@kowalski.example\ncompany=\n"
	    "message=Line one\\n  indented line two\n", 0 },
	{ "gravity label row, value row", NULL, "gravity.html", NULL, 0,
	    "Name (First)=Mar\xc3\xad" "a\nName (Last)=O\xe2\x80\x99Neill\n"
	    "Email=maria@oneill-build.example\nCompany size=50 \xe2\x80\x93 "
	    "200\nHow can we help?=We need a new site.\\nBudget is \xc2\xa3"
	    "20k & we start in May.\\n\\nThanks\n", 0 },
	{ "stacked rows without emphasis", "<table><tr><td>Hey there,</td>"
	    "</tr><tr><td>Someone submitted your form.</td></tr></table>",
	    NULL, NULL, 0, "", 0 },
	{ "stacked rows, label ends in ':'", "<table><tr><td>Your name:</td>"
	    "</tr><tr><td>Ann</td></tr><tr><td>Your question:</td></tr><tr>"
	    "<td>Why?</td></tr></table>", NULL, NULL, 0,
	    "Your name=Ann\nYour question=Why?\n", 0 },
	{ "dl", NULL, "silverstripe.html", NULL, 0,
	    "Full name=Aroha Ngata\nE-mail=aroha@ngata.example\nPhone=\n"
	    "Enquiry=First paragraph.\\nSecond line.\n", 0 },
	{ "dl groups, several dd", "<dl><div><dt>Name</dt><dd>Ann</dd></div>"
	    "<div><dt>Topics</dt><dd>SEO</dd><dd>Ads</dd></div><dd>stray</dd>"
	    "</dl>", NULL, NULL, 0, "Name=Ann\nTopics=SEO\\nAds\n", 0 },
	{ "dl unclosed", "<dl><dt>Name<dd>Ann<dt>City<dd>Oslo", NULL, NULL, 0,
	    "Name=Ann\nCity=Oslo\n", 0 },
	/* Gmail forwards in a div (read); replies quote in a blockquote
	 * (not read: the lead is the person replying). */
	{ "forwarded form in a quote", "<div>FYI</div><div class=\"gmail_"
	    "quote\">---------- Forwarded message ---------<br><br>"
	    "<table><tr><th>Name</th><td>Ann</td></tr></table>"
	    "</div>", NULL, NULL, 0, "Name=Ann\n", 0 },
	{ "form in a reply's blockquote", "<div>Yes</div><blockquote>"
	    "<table><tr><th>Name</th><td>Ann</td></tr></table></blockquote>",
	    NULL, NULL, 0, "", 0 },
	{ "max", "<table><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2"
	    "</td></tr><tr><td>c</td><td>3</td></tr></table><dl><dt>d</dt>"
	    "<dd>4</dd></dl>", NULL, NULL, 2, "a=1\nb=2\n", 0 },
	{ "10,000 nested divs", NULL, NULL, build_deep, 0, "", 0 },
	{ "3 MB table", NULL, NULL, build_huge_table, 0, NULL,
	    FORM_MAX_PAIRS },
	{ "attribute flood", NULL, NULL, build_attr_flood, 0, "Name=Ann\n",
	    0 },
	{ "long value", NULL, NULL, build_long_value, 0, NULL, 1 },
};

static char *
pairs_string(GPtrArray *pairs)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < pairs->len; i++) {
		struct form_pair *p = g_ptr_array_index(pairs, i);

		g_string_append_printf(s, "%s=", p->label);
		for (const char *v = p->value; *v != '\0'; v++)
			if (*v == '\n')
				g_string_append(s, "\\n");
			else
				g_string_append_c(s, *v);
		g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

static void
check_pair(const struct form_pair *p)
{
	assert_true(g_utf8_validate(p->label, -1, NULL));
	assert_true(g_utf8_validate(p->value, -1, NULL));
	assert_true(*p->label != '\0');
	assert_true(strlen(p->label) <= FORM_MAX_LABEL);
	assert_true(strlen(p->value) <= FORM_MAX_VALUE);
	assert_null(strchr(p->label, '\n'));
}

static void
test_pairs(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(pair_cases); i++) {
		const struct pair_case *c = &pair_cases[i];
		GString *in = load(c->html, c->file, c->build);
		struct html_doc *h = html_parse(in->str, in->len);
		GPtrArray *pairs = html_form_pairs(h,
		    c->max > 0 ? c->max : FORM_MAX_PAIRS);
		char *got = pairs_string(pairs);

		print_message("pairs: %s\n", c->name);
		for (guint k = 0; k < pairs->len; k++)
			check_pair(g_ptr_array_index(pairs, k));
		if (c->want != NULL)
			assert_string_equal(got, c->want);
		else
			assert_int_equal(pairs->len, c->count);
		g_free(got);
		g_ptr_array_free(pairs, TRUE);
		html_free(h);
		g_string_free(in, TRUE);
	}
}

/* No handle, or one from nothing: empty results, never a crash. */
static void
test_no_document(void **state)
{
	struct html_doc *docs[] = { NULL, html_parse(NULL, 10),
		html_parse("", 0), html_parse("<p>x</p>", 0) };

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(docs); i++) {
		char *text = html_text(docs[i], TRUE);
		GPtrArray *pairs = html_form_pairs(docs[i], FORM_MAX_PAIRS);

		assert_string_equal(text, "");
		assert_non_null(pairs);
		assert_int_equal(pairs->len, 0);
		g_free(text);
		g_ptr_array_free(pairs, TRUE);
		html_free(docs[i]);
	}
}

/* Broken markup must not reach stderr: libxml2 would print a line for
 * each fault of each message. */
static void
test_quiet(void **state)
{
	GString *deep = build_deep();
	const char *inputs[] = { "<<a b=<c></d>&bogus;\xff\xfe", "</p></x>",
		deep->str };
	char *path;
	int fd = g_file_open_tmp("test_html.XXXXXX", &path, NULL);
	int saved = dup(STDERR_FILENO);
	struct stat st;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
		struct html_doc *h = html_parse(inputs[i], strlen(inputs[i]));
		char *text = html_text(h, FALSE);

		g_free(text);
		html_free(h);
	}
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(path);
	g_free(path);
	g_string_free(deep, TRUE);
	assert_int_equal(st.st_size, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_no_document),
		cmocka_unit_test(test_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
