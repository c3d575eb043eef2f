/*
 * test_template.c: the template renderer: each escaping mode, sections,
 * missing values, every syntax and check error with its line and column
 * (all in one pass), header injection, RFC 2047, hostile values in the
 * JSON and Slack templates, size caps, invalid UTF-8, and the shipped
 * templates themselves.
 */
#include "testlib.h"

#include <gmime/gmime.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "diag.h"
#include "template.h"

#ifndef TEMPLATES_DIR
#define TEMPLATES_DIR "templates"
#endif

#define FFFD	"\xef\xbf\xbd"
#define ELLIPSIS "\xe2\x80\xa6"
#define SLACK_ID "U0123ABCD"

/*
 * Values for a render: name, value pairs, NULL-terminated. The name "*"
 * answers every name not listed before it.
 */
static char *
pairs_lookup(void *ctx, const char *name)
{
	const char *const *kv = ctx;

	for (guint i = 0; kv[i] != NULL; i += 2)
		if (strcmp(kv[i], name) == 0 || strcmp(kv[i], "*") == 0)
			return g_strdup(kv[i + 1]);
	return NULL;
}

static char *
render_text(enum template_mode mode, const char *text,
    const char *const *kv)
{
	struct diag *d = diag_new();
	struct template *t = template_parse(text, strlen(text), "t", mode, d);
	struct template_vars v = { pairs_lookup, (void *)kv };
	char *out = template_render(t, kv != NULL ? &v : NULL);

	template_free(t);
	diag_free(d);
	return out;
}

/* Every message, one a line; json-glib's own words cut to "...". */
static char *
dump_diags(const struct diag *d)
{
	GString *s = g_string_new(NULL);
	const char *m, *cut;

	for (guint i = 0; i < diag_count(d); i++) {
		if (i > 0)
			g_string_append_c(s, '\n');
		m = diag_get(d, i);
		cut = strstr(m, "not valid JSON when");
		cut = cut != NULL ? strstr(cut, ": ") : NULL;
		if (cut != NULL) {
			g_string_append_len(s, m, cut - m);
			g_string_append(s, ": ...");
		} else {
			g_string_append(s, m);
		}
	}
	return g_string_free(s, FALSE);
}

static gboolean
json_valid(const char *s, char **why)
{
	JsonParser *jp = json_parser_new();
	GError *err = NULL;
	gboolean ok = json_parser_load_from_data(jp, s, -1, &err);

	if (!ok) {
		*why = g_strdup(err->message);
		g_error_free(err);
	}
	g_object_unref(jp);
	return ok;
}

/* ---- rendering ---- */

static const char *const v_jane[] = {
	"lead.name", "Jane Doe", "lead.company", "Acme GmbH",
	"owner.name", "Dana", "owner.slack", SLACK_ID,
	"lead.form.Project budget", "50k", "lead.header.X-Campaign", "spring",
	"dimensions.offer", "implementation", NULL
};
static const char *const v_inject[] = {
	"lead.company", "x\r\nBcc: evil@x", "lead.name", "\tJane\n\n Doe ",
	NULL
};
static const char *const v_json[] = {
	"lead.name", "say \"hi\"\\ \n\r\t\b\x01\x1f\x7f end",
	"lead.company", "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", NULL
};
static const char *const v_slack[] = {
	"lead.name", "<!channel> & <http://evil|click> <@U999>",
	"owner.name", "Dana", "owner.slack", SLACK_ID, NULL
};
static const char *const v_badslack[] = {
	"owner.name", "Dana <x>", "owner.slack", "U1><!channel", NULL
};
static const char *const v_msg[] = {
	"lead.message", "  Need a quote.\n ", "lead.body", "Body text", NULL
};
static const char *const v_body[] = {
	"lead.message", " \n", "lead.body", "Body text", NULL
};
static const char *const v_badutf8[] = {
	"lead.name", "J\xff\xfe" "ane \xc3", "lead.company", "\xe2\x82", NULL
};
static const char *const v_emoji[] = {
	"lead.name", "Zoë \xf0\x9f\x9a\x80 Łódź 日本", NULL
};

static const struct render_case {
	enum template_mode mode;
	const char *tmpl;
	const char *const *vars;
	const char *want;
} render_cases[] = {
	/* text, missing values, whitespace inside braces */
	{ TEMPLATE_TEXT, "Hi {{ lead.name }} of {{lead.company}}!", v_jane,
	  "Hi Jane Doe of Acme GmbH!" },
	{ TEMPLATE_TEXT, "Hi {{lead.name}}, {{lead.country}}.", v_jane,
	  "Hi Jane Doe, ." },
	{ TEMPLATE_TEXT, "a{{owner.email}}b", NULL, "ab" },
	{ TEMPLATE_TEXT, "{{lead.form.\"Project budget\"}}", v_jane, "50k" },
	{ TEMPLATE_TEXT, "{{lead.header.X-Campaign}}|{{lead.form.Budget}}",
	  v_jane, "spring|" },
	{ TEMPLATE_TEXT, "{{ dimensions.offer }}", v_jane, "implementation" },
	{ TEMPLATE_TEXT, "no tags at all\n", v_jane, "no tags at all\n" },
	{ TEMPLATE_TEXT, "", v_jane, "" },
	{ TEMPLATE_TEXT, "a } b }} c { d", v_jane, "a } b }} c { d" },
	/* sections and comments */
	{ TEMPLATE_TEXT, "{{#lead.company}}at {{lead.company}}{{/lead.company}}",
	  v_jane, "at Acme GmbH" },
	{ TEMPLATE_TEXT, "[{{#lead.country}}in {{lead.country}}"
	  "{{/lead.country}}]", v_jane, "[]" },
	{ TEMPLATE_TEXT, "{{^lead.country}}no country{{/lead.country}}",
	  v_jane, "no country" },
	{ TEMPLATE_TEXT, "{{^lead.name}}anon{{/lead.name}}", v_jane, "" },
	{ TEMPLATE_TEXT, "a\n  {{#lead.name}}\nname: {{lead.name}}\n"
	  "  {{/lead.name}}\nb\n", v_jane, "a\nname: Jane Doe\nb\n" },
	{ TEMPLATE_TEXT, "a\r\n{{#lead.country}}\r\nc\r\n{{/lead.country}}"
	  "\r\nb", v_jane, "a\r\nb" },
	{ TEMPLATE_TEXT, "{{! a comment\n over lines }}\nbody {{! x }}end",
	  v_jane, "body end" },
	{ TEMPLATE_TEXT, "{{#lead.name}}{{#lead.company}}both"
	  "{{/lead.company}}{{/lead.name}}", v_jane, "both" },
	/* what a lead sends is text, never a tag */
	{ TEMPLATE_TEXT, "{{lead.name}}",
	  (const char *const[]){ "lead.name", "{{owner.email}}", NULL },
	  "{{owner.email}}" },
	/* header: one line, whatever the values hold */
	{ TEMPLATE_HEADER, "[Lead] {{lead.company}}\n", v_inject,
	  "[Lead] x Bcc: evil@x" },
	{ TEMPLATE_HEADER, "  {{lead.name}} -\t{{lead.country}}  \n\n",
	  v_inject, "Jane Doe -" },
	{ TEMPLATE_HEADER, "a\xc2\x85" "b\xe2\x80\xa8" "c\x0b" "d", NULL,
	  "a b c d" },
	/* JSON */
	{ TEMPLATE_JSON, "{\"n\": \"{{lead.name}}\"}", v_json,
	  "{\"n\": \"say \\\"hi\\\"\\\\ \\n\\r\\t\\u0008\\u0001\\u001f"
	  "\\u007f end\"}" },
	{ TEMPLATE_JSON, "{\"c\": \"{{lead.company}}\"}", v_json,
	  "{\"c\": \"a\\u2028b\\u2029c\"}" },
	{ TEMPLATE_JSON, "{\"n\": \"{{lead.name}}\"}", v_slack,
	  "{\"n\": \"<!channel> & <http://evil|click> <@U999>\"}" },
	{ TEMPLATE_JSON, "{\"q\": \"\\\"{{lead.name}}\\\"\"}", v_jane,
	  "{\"q\": \"\\\"Jane Doe\\\"\"}" },
	/* Slack: no mention, link or entity can come from a lead */
	{ TEMPLATE_SLACK, "{\"text\": \"{{lead.name}}\"}", v_slack,
	  "{\"text\": \"&lt;!channel&gt; &amp; &lt;http://evil|click&gt; "
	  "&lt;@U999&gt;\"}" },
	{ TEMPLATE_SLACK, "{\"text\": \"<@{{owner.slack}}> {{owner.mention}}"
	  "\"}", v_slack, "{\"text\": \"<@" SLACK_ID "> <@" SLACK_ID ">\"}" },
	{ TEMPLATE_SLACK, "{\"text\": \"{{owner.mention}}\"}", v_badslack,
	  "{\"text\": \"Dana &lt;x&gt;\"}" },
	{ TEMPLATE_SLACK, "{\"t\": \"{{lead.name}}\"}", v_json,
	  "{\"t\": \"say \\\"hi\\\"\\\\ \\n\\r\\t\\u0008\\u0001\\u001f"
	  "\\u007f end\"}" },
	{ TEMPLATE_TEXT, "{{owner.mention}}", v_slack, "Dana" },
	/* computed: lead.excerpt */
	{ TEMPLATE_TEXT, "[{{lead.excerpt}}]", v_msg, "[Need a quote.]" },
	{ TEMPLATE_TEXT, "[{{lead.excerpt}}]", v_body, "[Body text]" },
	{ TEMPLATE_TEXT, "[{{lead.excerpt}}]", NULL, "[]" },
	/* invalid UTF-8 in values is replaced */
	{ TEMPLATE_TEXT, "{{lead.name}}|{{lead.company}}", v_badutf8,
	  "J" FFFD FFFD "ane " FFFD "|" FFFD FFFD },
	{ TEMPLATE_JSON, "[\"{{lead.name}}\"]", v_badutf8,
	  "[\"J" FFFD FFFD "ane " FFFD "\"]" },
	{ TEMPLATE_SLACK, "{\"t\":\"{{lead.name}}\"}", v_emoji,
	  "{\"t\":\"Zoë \xf0\x9f\x9a\x80 Łódź 日本\"}" },
	{ TEMPLATE_JSON, "{\"c\": {{#lead.company}}\"{{lead.company}}\""
	  "{{/lead.company}}{{^lead.company}}null{{/lead.company}}}", v_jane,
	  "{\"c\": \"Acme GmbH\"}" },
	{ TEMPLATE_JSON, "{\"c\": {{#lead.company}}\"{{lead.company}}\""
	  "{{/lead.company}}{{^lead.company}}null{{/lead.company}}}", NULL,
	  "{\"c\": null}" },
	/* broken tags render as text (and are reported, below) */
	{ TEMPLATE_TEXT, "a {{ b\nc {{lead.name}}", v_jane,
	  "a {{ b\nc Jane Doe" },
	{ TEMPLATE_TEXT, "x{{a b}}y{{}}z", v_jane, "xyz" },
};

static void
test_render(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(render_cases); i++) {
		const struct render_case *c = &render_cases[i];
		char *out = render_text(c->mode, c->tmpl, c->vars);

		if (strcmp(out, c->want) != 0)
			print_error("case %zu: %s\n", i, c->tmpl);
		assert_string_equal(out, c->want);
		assert_true(g_utf8_validate(out, -1, NULL));
		g_free(out);
	}
}

/* ---- errors ---- */

static const struct error_case {
	enum template_mode mode;
	const char *tmpl;
	const char *want;	/* every message, one a line */
} error_cases[] = {
	{ TEMPLATE_TEXT, "Hi {{lead.name}} {{#lead.company}}x{{/lead.company}}"
	  "{{! ok }}{{lead.form.\"Any label\"}}{{dimensions.my_dim}}", "" },
	{ TEMPLATE_TEXT, "{{lead.nope}} and\n  {{ foo }} {{owner}}\n"
	  "{{#team}}{{/team}}",
	  "t:1:1: error: unknown variable 'lead.nope'\n"
	  "t:2:3: error: unknown variable 'foo'\n"
	  "t:2:13: error: unknown variable 'owner'\n"
	  "t:3:1: error: unknown variable 'team'" },
	{ TEMPLATE_TEXT, "é {{x}}\n\té{{lead.Company}}",
	  "t:1:3: error: unknown variable 'x'\n"
	  "t:2:3: error: unknown variable 'lead.Company'" },
	{ TEMPLATE_TEXT, "{{dimensions.}} {{dimensions.a.b}} {{lead.form.}}",
	  "t:1:1: error: malformed variable name 'dimensions.'\n"
	  "t:1:36: error: malformed variable name 'lead.form.'\n"
	  "t:1:17: error: unknown variable 'dimensions.a.b'" },
	{ TEMPLATE_TEXT, "ab {{lead.name\n{{x",
	  "t:1:4: error: unclosed '{{'\n"
	  "t:2:1: error: unclosed '{{'" },
	{ TEMPLATE_TEXT, "x {{! never closed\n\n",
	  "t:1:3: error: unclosed '{{'" },
	{ TEMPLATE_TEXT, "{{ }} {{a b}} {{lead..x}} {{lead.form.\"\"}}",
	  "t:1:1: error: empty '{{ }}'\n"
	  "t:1:7: error: malformed variable name 'a b'\n"
	  "t:1:15: error: malformed variable name 'lead..x'\n"
	  "t:1:27: error: malformed variable name 'lead.form.\"\"'" },
	{ TEMPLATE_TEXT, "{{#lead.name}}\nx\n",
	  "t:1:1: error: '{{#lead.name}}' is never closed" },
	{ TEMPLATE_TEXT, "x {{/lead.name}}",
	  "t:1:3: error: '{{/lead.name}}' without a matching "
	  "'{{#lead.name}}'" },
	{ TEMPLATE_TEXT, "{{^lead.name}}\n{{/lead.email}}",
	  "t:2:1: error: '{{/lead.email}}' closes '{{^lead.name}}' of line 1" },
	{ TEMPLATE_TEXT, "{{#lead.name}}{{#lead.name}}{{#lead.name}}"
	  "{{#lead.name}}{{#lead.name}}{{#lead.name}}{{#lead.name}}"
	  "{{#lead.name}}{{#lead.name}}{{/lead.name}}{{/lead.name}}"
	  "{{/lead.name}}{{/lead.name}}{{/lead.name}}{{/lead.name}}"
	  "{{/lead.name}}{{/lead.name}}{{/lead.name}}",
	  "t:1:113: error: sections nested deeper than 8" },
	{ TEMPLATE_TEXT, "ok\xff{{x}}\n",
	  "t:1:3: error: invalid UTF-8 or NUL byte\n"
	  "t:1:4: error: unknown variable 'x'" },
	/* JSON */
	{ TEMPLATE_JSON, "{\"a\": \"{{lead.name}}\", \"b\": \"x\\\"{{reason}}\"}",
	  "" },
	{ TEMPLATE_JSON, "{\"a\": {{lead.employees}}}",
	  "t:1:7: error: '{{lead.employees}}' outside a JSON string\n"
	  "t: error: output is not valid JSON when every value is present: "
	  "..." },
	{ TEMPLATE_JSON, "[\"{{lead.name}}\"]",
	  "t: error: output is not a JSON object" },
	{ TEMPLATE_SLACK, " \n", "t: error: output is not a JSON object" },
	{ TEMPLATE_SLACK, "{\"a\": \"{{lead.name}}\"",
	  "t: error: output is not valid JSON when every value is present: "
	  "..." },
	{ TEMPLATE_JSON, "{\"a\": \"{{lead.name}}\"{{#lead.name}},{{/lead.name}}}",
	  "t: error: output is not valid JSON when every value is present: "
	  "..." },
	/* null for a missing value, as templates/README shows */
	{ TEMPLATE_JSON, "{\"c\": {{#lead.company}}\"{{lead.company}}\""
	  "{{/lead.company}}{{^lead.company}}null{{/lead.company}}}", "" },
	/* all of them in one pass */
	{ TEMPLATE_TEXT, "{{a}} {{ b\n{{#c}}{{lead.name}}\n{{d}}",
	  "t:1:7: error: unclosed '{{'\n"
	  "t:2:1: error: '{{#c}}' is never closed\n"
	  "t:1:1: error: unknown variable 'a'\n"
	  "t:2:1: error: unknown variable 'c'\n"
	  "t:3:1: error: unknown variable 'd'" },
};

static void
test_errors(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(error_cases); i++) {
		const struct error_case *c = &error_cases[i];
		struct diag *d = diag_new();
		struct template *t = template_parse(c->tmpl, strlen(c->tmpl),
		    "t", c->mode, d);
		char *got;

		template_check(t, d);
		got = dump_diags(d);
		if (strcmp(got, c->want) != 0)
			print_error("case %zu: %s\n", i, c->tmpl);
		assert_string_equal(got, c->want);
		g_free(got);
		template_free(t);
		diag_free(d);
	}
}

/* A NUL byte in a template is reported and replaced. */
static void
test_nul_in_template(void **state)
{
	static const char text[] = "a\0{{lead.name}}";
	struct diag *d = diag_new();
	struct template *t = template_parse(text, sizeof(text) - 1, "t",
	    TEMPLATE_TEXT, d);
	const char *const kv[] = { "lead.name", "J", NULL };
	struct template_vars v = { pairs_lookup, (void *)kv };
	char *out = template_render(t, &v);

	(void)state;
	assert_int_equal(diag_errors(d), 1);
	assert_string_equal(diag_get(d, 0),
	    "t:1:2: error: invalid UTF-8 or NUL byte");
	assert_string_equal(out, "a" FFFD "J");
	g_free(out);
	template_free(t);
	diag_free(d);
}

/* ---- names and modes ---- */

static const struct {
	const char *name;
	gboolean known;
} var_cases[] = {
	{ "lead.email", TRUE }, { "lead.name", TRUE }, { "lead.company", TRUE },
	{ "lead.country", TRUE }, { "lead.employees", TRUE },
	{ "lead.budget", TRUE }, { "lead.subject", TRUE },
	{ "lead.message", TRUE }, { "lead.from", TRUE },
	{ "lead.from.name", TRUE }, { "lead.from.domain", TRUE },
	{ "lead.domain", TRUE }, { "lead.reply_to", TRUE },
	{ "lead.phone", TRUE }, { "lead.website", TRUE }, { "lead.body", TRUE },
	{ "lead.text", TRUE }, { "lead.tz", TRUE }, { "lead.language", TRUE },
	{ "lead.attachments", TRUE }, { "lead.message_id", TRUE },
	{ "lead.form", TRUE }, { "lead.form.Budget", TRUE },
	{ "lead.form.How can we help?", TRUE }, { "lead.header.X-Foo", TRUE },
	{ "lead.excerpt", TRUE }, { "lead.is_form", TRUE },
	{ "owner.id", TRUE }, { "owner.name", TRUE }, { "owner.email", TRUE },
	{ "owner.slack", TRUE }, { "owner.mention", TRUE },
	{ "team.id", TRUE }, { "dimensions", TRUE },
	{ "dimensions.offer", TRUE }, { "dimensions.my-dim_2", TRUE },
	{ "destination.kind", TRUE }, { "destination.id", TRUE },
	{ "destination.folder", TRUE }, { "route.line", TRUE },
	{ "reason", TRUE }, { "message_id", TRUE }, { "sla", TRUE },
	{ "sla.due", TRUE }, { "received", TRUE }, { "receipt", TRUE },
	{ "review.since", TRUE }, { "review.waiting", TRUE },
	{ "folder.review", TRUE }, { "folder.owners", TRUE },
	{ "leadroute.version", TRUE },
	{ "", FALSE }, { "lead", FALSE }, { "lead.", FALSE },
	{ "lead.form.", FALSE }, { "lead.header.", FALSE },
	{ "lead.Email", FALSE }, { "lead.nope", FALSE }, { "owner", FALSE },
	{ "owner.phone", FALSE }, { "dimensions.", FALSE },
	{ "dimensions.a.b", FALSE }, { "dimensions.a b", FALSE },
	{ "route", FALSE }, { "team", FALSE }, { "Reason", FALSE },
};

static void
test_known_var(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(var_cases); i++) {
		if (template_known_var(var_cases[i].name) != var_cases[i].known)
			print_error("name '%s'\n", var_cases[i].name);
		assert_int_equal(template_known_var(var_cases[i].name),
		    var_cases[i].known);
	}
}

static void
test_mode_of(void **state)
{
	static const struct {
		const char *path;
		enum template_mode mode;
	} cases[] = {
		{ "forward.subject", TEMPLATE_HEADER },
		{ "/etc/leadroute/templates/forward.subject", TEMPLATE_HEADER },
		{ "forward.txt", TEMPLATE_TEXT },
		{ "review.txt", TEMPLATE_TEXT },
		{ "slack.json", TEMPLATE_SLACK },
		{ "dir.json/slack.json", TEMPLATE_SLACK },
		{ "slack-dm.json", TEMPLATE_SLACK },
		{ "webhook.json", TEMPLATE_JSON },
		{ "slack/webhook.json", TEMPLATE_JSON },
		{ "README", TEMPLATE_TEXT },
	};

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		assert_int_equal(template_mode_of(cases[i].path),
		    cases[i].mode);
}

/* ---- RFC 2047 ---- */

static void
test_header_encode(void **state)
{
	static const char *const cases[] = {
		"[Lead] Acme: Jane Doe",
		"[Lead] M\xc3\xbcller GmbH: J\xc3\xbcrgen \xe2\x80\x94 Angebot",
		"\xe6\x97\xa5\xe6\x9c\xac\xe3\x81\xae\xe4\xbc\x9a\xe7\xa4\xbe "
		"\xf0\x9f\x9a\x80 a very long subject that goes on and on and "
		"on and on, past the length of one encoded word",
		"=?utf-8?q?fake?= \xc3\xa9",
		"=?x?= \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 end",
	};

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *enc = template_header_encode(cases[i]);
		char *dec = g_mime_utils_header_decode_text(NULL, enc);

		char **words = g_strsplit(enc, " ", -1);

		for (const char *p = enc; *p; p++)
			assert_true((unsigned char)*p < 0x80 && *p != '\r' &&
			    *p != '\n');
		for (guint w = 0; words[w] != NULL; w++)
			assert_true(strlen(words[w]) <= 75);
		g_strfreev(words);
		if (i == 0)
			assert_string_equal(enc, cases[i]);
		else
			assert_non_null(strstr(enc, "=?"));
		assert_string_equal(dec, cases[i]);
		g_free(dec);
		g_free(enc);
	}
}

/* ---- size caps ---- */

static char *
big(const char *unit, guint times)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < times; i++)
		g_string_append(s, unit);
	return g_string_free(s, FALSE);
}

static void
test_large(void **state)
{
	char *huge = big("\xc3\xa9x", 400000);	/* 1.2 MB */
	const char *const kv[] = { "*", huge, NULL };
	char *out;

	(void)state;
	out = render_text(TEMPLATE_TEXT, "{{lead.name}}", kv);
	assert_true(strlen(out) <= TEMPLATE_MAX_VALUE + 3);
	assert_true(strlen(out) > TEMPLATE_MAX_VALUE - 4);
	assert_true(g_utf8_validate(out, -1, NULL));
	assert_true(g_str_has_suffix(out, ELLIPSIS));
	g_free(out);

	out = render_text(TEMPLATE_HEADER, "[Lead] {{lead.company}}", kv);
	assert_true(strlen(out) <= TEMPLATE_MAX_HEADER);
	assert_true(g_utf8_validate(out, -1, NULL));
	assert_true(g_str_has_prefix(out, "[Lead] \xc3\xa9x"));
	g_free(out);

	out = render_text(TEMPLATE_SLACK, "{{lead.company}}", kv);
	assert_int_equal(g_utf8_strlen(out, -1), TEMPLATE_MAX_SLACK_VALUE + 1);
	g_free(out);

	out = render_text(TEMPLATE_TEXT, "{{lead.excerpt}}", kv);
	assert_true(g_utf8_strlen(out, -1) <= TEMPLATE_EXCERPT + 1);
	g_free(out);
	g_free(huge);
}

/* The excerpt is cut at a word when one is near the limit. */
static void
test_excerpt_word(void **state)
{
	char *words = big("word ", 200);	/* 1000 characters */
	const char *const kv[] = { "lead.message", words, NULL };
	char *out = render_text(TEMPLATE_TEXT, "{{lead.excerpt}}", kv);

	(void)state;
	assert_true(g_str_has_suffix(out, "word" ELLIPSIS));
	assert_true(g_utf8_strlen(out, -1) <= TEMPLATE_EXCERPT + 1);
	g_free(out);
	g_free(words);
}

/* ---- the shipped templates ---- */

static struct template *
load_shipped(const char *file, struct diag *d)
{
	char *path = g_build_filename(TEMPLATES_DIR, file, NULL);
	struct template *t = template_load(path, template_mode_of(file), d);

	g_free(path);
	return t;
}

static void
test_shipped_check(void **state)
{
	const char *const *files = template_files();

	(void)state;
	for (guint i = 0; files[i] != NULL; i++) {
		struct diag *d = diag_new();
		struct template *t = load_shipped(files[i], d);
		char *got;

		assert_non_null(t);
		assert_int_equal(template_check(t, d), 0);
		got = dump_diags(d);
		assert_string_equal(got, "");
		g_free(got);
		template_free(t);
		diag_free(d);
	}
}

/* Values a lead might send, to stand for every variable. */
static const char *const hostile_values[] = {
	"Jane \"The\" Doe",
	"back\\slash \\\" \\u0000 \\n",
	"line\nbreak\r\nBcc: evil@example.com\n\n",
	"ctl \x01\x02\x1b[31m\x7f \b\f\v",
	"<!channel> <!here> <!everyone>",
	"<http://evil.example|click here> <mailto:x@y|me>",
	"<@U999> &amp; & &lt;",
	"\xf0\x9f\x98\x80 emoji \xe2\x80\xa8 sep \xe2\x80\xa9",
	"J\xff\xfe bad \xc3 utf8 \xed\xa0\x80",
	"{{owner.email}} }} {{",
	"",
};

/* Collect every string in a JSON tree. */
static void
strings_of(JsonNode *n, GString *acc)
{
	if (JSON_NODE_HOLDS_OBJECT(n)) {
		JsonObject *o = json_node_get_object(n);
		GList *members = json_object_get_members(o);

		for (GList *l = members; l != NULL; l = l->next)
			strings_of(json_object_get_member(o, l->data), acc);
		g_list_free(members);
	} else if (JSON_NODE_HOLDS_ARRAY(n)) {
		JsonArray *a = json_node_get_array(n);

		for (guint i = 0; i < json_array_get_length(a); i++)
			strings_of(json_array_get_element(a, i), acc);
	} else if (json_node_get_value_type(n) == G_TYPE_STRING) {
		g_string_append(acc, json_node_get_string(n));
		g_string_append_c(acc, '\n');
	}
}

/* Render a JSON template, parse the output, return its strings. */
static char *
render_json_strings(const struct template *t, const char *const *kv)
{
	struct template_vars v = { pairs_lookup, (void *)kv };
	char *out = template_render(t, &v), *why = NULL;
	JsonParser *jp = json_parser_new();
	GString *acc = g_string_new(NULL);

	if (!json_valid(out, &why))
		print_error("invalid JSON (%s):\n%s\n", why, out);
	assert_true(json_parser_load_from_data(jp, out, -1, NULL));
	strings_of(json_parser_get_root(jp), acc);
	g_object_unref(jp);
	g_free(out);
	return g_string_free(acc, FALSE);
}

static void
test_shipped_json_hostile(void **state)
{
	static const char *const files[] = { "slack.json", "webhook.json" };

	(void)state;
	for (gsize f = 0; f < G_N_ELEMENTS(files); f++) {
		struct diag *d = diag_new();
		struct template *t = load_shipped(files[f], d);

		for (gsize i = 0; i < G_N_ELEMENTS(hostile_values); i++) {
			const char *const kv[] = {
				"owner.slack", SLACK_ID, "*", hostile_values[i],
				NULL
			};
			char *s = render_json_strings(t, kv);
			char **parts;
			char *rest;

			assert_true(g_utf8_validate(s, -1, NULL));
			if (template_mode_of(files[f]) == TEMPLATE_SLACK) {
				/* only the owner's mention is markup */
				parts = g_strsplit(s, "<@" SLACK_ID ">", -1);
				rest = g_strjoinv("", parts);
				assert_null(strchr(rest, '<'));
				assert_null(strchr(rest, '>'));
				assert_non_null(strstr(s, "<@" SLACK_ID ">"));
				g_strfreev(parts);
				g_free(rest);
			}
			g_free(s);
		}
		/* and with no values at all */
		g_free(render_json_strings(t, (const char *const[]){ NULL }));
		template_free(t);
		diag_free(d);
	}
}

/* The webhook carries a hostile value through unchanged (after UTF-8
 * repair). */
static void
test_webhook_roundtrip(void **state)
{
	struct diag *d = diag_new();
	struct template *t = load_shipped("webhook.json", d);
	const char *const kv[] = {
		"lead.company", "A \"B\" \\ C\n<!channel>\x01", NULL
	};
	struct template_vars v = { pairs_lookup, (void *)kv };
	char *out = template_render(t, &v);
	JsonParser *jp = json_parser_new();
	JsonObject *o, *lead;

	(void)state;
	assert_true(json_parser_load_from_data(jp, out, -1, NULL));
	o = json_node_get_object(json_parser_get_root(jp));
	lead = json_object_get_object_member(o, "lead");
	assert_string_equal(json_object_get_string_member(lead, "company"),
	    kv[1]);
	assert_string_equal(json_object_get_string_member(lead, "name"), "");
	g_object_unref(jp);
	g_free(out);
	template_free(t);
	diag_free(d);
}

static void
test_shipped_header_hostile(void **state)
{
	struct diag *d = diag_new();
	struct template *t = load_shipped("forward.subject", d);

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(hostile_values); i++) {
		const char *const kv[] = { "*", hostile_values[i], NULL };
		struct template_vars v = { pairs_lookup, (void *)kv };
		char *out = template_render(t, &v);

		assert_true(g_str_has_prefix(out, "[Lead]"));
		assert_null(strpbrk(out, "\r\n\t\v\f"));
		assert_true(g_utf8_validate(out, -1, NULL));
		g_free(out);
	}
	template_free(t);
	diag_free(d);
}

/* The shipped subject and summary for a typical lead. */
static void
test_shipped_text(void **state)
{
	const char *const kv[] = {
		"lead.name", "Jane Doe", "lead.email", "jane@acme.de",
		"lead.company", "Acme GmbH", "lead.country", "DE",
		"lead.message", "We need help with our rollout.",
		"dimensions.offer", "implementation", "owner.name", "Dana",
		"route.line", "41", "reason", "route 41",
		"dimensions", "offer=implementation region=emea",
		"destination.kind", "team", "destination.id", "impl-emea",
		"folder.review", "Leads/Review", "folder.owners", "Leads/Owners",
		NULL
	};
	struct template_vars v = { pairs_lookup, (void *)kv };
	struct diag *d = diag_new();
	struct template *t = load_shipped("forward.subject", d);
	char *out = template_render(t, &v);

	(void)state;
	assert_string_equal(out, "[Lead] Acme GmbH: Jane Doe (implementation)");
	g_free(out);
	template_free(t);

	t = load_shipped("forward.txt", d);
	out = template_render(t, &v);
	assert_true(g_str_has_prefix(out, "New lead for Dana\n"));
	assert_non_null(strstr(out, "  From:       Jane Doe <jane@acme.de>\n"
	    "  Company:    Acme GmbH\n  Country:    DE\n  Subject:"));
	assert_non_null(strstr(out, "\nWe need help with our rollout.\n"));
	assert_non_null(strstr(out, "line 41 of the rules: route 41\n"));
	assert_null(strstr(out, "{{"));
	assert_null(strstr(out, "Budget"));
	g_free(out);
	template_free(t);

	t = load_shipped("review.txt", d);
	out = template_render(t, &v);
	assert_non_null(strstr(out, "Leads/Owners/<owner id>"));
	g_free(out);
	template_free(t);
	assert_int_equal(diag_count(d), 0);
	diag_free(d);
}

static void
test_load_errors(void **state)
{
	struct diag *d = diag_new();
	char *dir = g_dir_make_tmp("test_template.XXXXXX", NULL);
	char *path = g_build_filename(dir, "big.txt", NULL);
	char *data = big("x", TEMPLATE_MAX_SIZE + 1);
	struct template *t;

	(void)state;
	t = template_load("/nonexistent/forward.txt", TEMPLATE_TEXT, d);
	assert_null(t);
	assert_true(g_str_has_prefix(diag_get(d, 0),
	    "/nonexistent/forward.txt: error: cannot read: "));

	assert_true(g_file_set_contents(path, data, -1, NULL));
	t = template_load(path, TEMPLATE_TEXT, d);
	assert_null(t);
	assert_non_null(strstr(diag_get(d, 1), "error: larger than 65536 "
	    "bytes"));
	assert_int_equal(diag_errors(d), 2);

	/* a BOM is not part of the text */
	assert_true(g_file_set_contents(path, "\xef\xbb\xbfhi {{x}}", -1,
	    NULL));
	t = template_load(path, TEMPLATE_TEXT, d);
	assert_int_equal(template_check(t, d), 1);
	assert_true(g_str_has_suffix(diag_get(d, 2),
	    "big.txt:1:4: error: unknown variable 'x'"));
	template_free(t);

	g_unlink(path);
	g_rmdir(dir);
	g_free(data);
	g_free(path);
	g_free(dir);
	diag_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_in_template),
		cmocka_unit_test(test_known_var),
		cmocka_unit_test(test_mode_of),
		cmocka_unit_test(test_header_encode),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_excerpt_word),
		cmocka_unit_test(test_shipped_check),
		cmocka_unit_test(test_shipped_json_hostile),
		cmocka_unit_test(test_webhook_roundtrip),
		cmocka_unit_test(test_shipped_header_hostile),
		cmocka_unit_test(test_shipped_text),
		cmocka_unit_test(test_load_errors),
	};

	g_mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
