/*
 * test_expr.c: rule expressions (spec section 4.5) parsed from small rule
 * sets and evaluated on leads built from inline messages: every test
 * form, Unicode case folding and regexes, precedence, absent fields,
 * repeated headers, and the evidence each test leaves for explain.
 */
#include "testlib.h"

#include "diag.h"
#include "expr.h"
#include "lead.h"
#include "rules.h"
#include "scan.h"

#define RULES_DIR	TEST_DATA_DIR "/rules"

/* Reference data every case can use. */
#define REF \
	"owners \"owners.csv\"\n" \
	"accounts \"accounts.csv\"\n" \
	"list freemail = file \"freemail.txt\"\n" \
	"list target = [ACME.com globex.com \"Acme GmbH\"]\n"

/* A form notification with a Reply-To, a repeated header, accents. */
static const char MSG_FORM[] =
    "From: Website <noreply@acme-site.com>\r\n"
    "Reply-To: Jane Doe <jane@uk.acme.com>\r\n"
    "To: sales@example.com\r\n"
    "Subject: New enquiry: =?utf-8?q?=C3=84rger?= mit dem Export\r\n"
    "Date: Mon, 02 Mar 2026 10:00:00 +0100\r\n"
    "Message-ID: <form1@acme-site.com>\r\n"
    "X-Tag: one\r\n"
    "X-Tag: two\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Name: Jane Doe\r\n"
    "Email: jane@uk.acme.com\r\n"
    "Company: Acme GmbH\r\n"
    "Country: Germany\r\n"
    "Employees: 1,000+\r\n"
    "Budget: $50k\r\n"
    "Seats: 5\r\n"
    "Notes: many\r\n"
    "Topic: \xc3\xa4rger\r\n"
    "Street: Hauptstra\xc3\x9f" "e\r\n"
    "Empty:\r\n"
    "Message: We need consulting about a roll-out\r\n";

/* A person writing in Russian, Japanese and French. */
static const char MSG_PERSON[] =
    "From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan@example.ru>\n"
    "Subject: =?utf-8?b?0J/QoNCY0JLQldCiOiDopovnqY3jgoLjgorjgpLjgYrpoZjj"
    "gYTjgZfjgb7jgZk=?=\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Hello,\n"
    "Bonjour, je voudrais un caf\xc3\xa9 cr\xc3\xa8me.\n";

/* Machine mail from a free-mail address, with an attachment. */
static const char MSG_MACHINE[] =
    "From: Pat <pat@gmail.com>\n"
    "Subject: Out of office\n"
    "Auto-Submitted: auto-replied\n"
    "X-Spam-Flag: YES\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "I am away until Monday.\n"
    "--b\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment; filename=\"a.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0=\n"
    "--b--\n";

/* An existing customer's subdomain (initech.example is "@initech.example"
 * in accounts.csv), and a long subject. */
static const char MSG_CUSTOMER[] =
    "From: Bo <bo@eu.initech.example>\n"
    "Subject: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n"
    "\n"
    "Hi\n";

/* Nothing at all. */
static const char MSG_EMPTY[] = "";

/* A long evidence string: 119 'a' and an ellipsis. */
#define A119 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct eval_case {
	const char *expr;	/* written after "offer x if " */
	const char *msg;
	gboolean want;
	const char *evidence;	/* joined with " | "; NULL: not checked;
				 * "^..." : starts with ... */
};

/* Every test form, on the messages above. */
static const struct eval_case eval_cases[] = {
	/* ~ : Unicode-aware regexes */
	{ "subject ~ /\\bärger\\b/i", MSG_FORM, TRUE, "Ärger" },
	{ "subject ~ /\\bÄrger\\b/", MSG_FORM, TRUE, "Ärger" },
	{ "subject ~ /\\bÄRGER\\b/", MSG_FORM, FALSE, "" },
	{ "subject ~ /\\bärger\\b/", MSG_FORM, FALSE, "" },
	{ "subject ~ /\\brger/i", MSG_FORM, FALSE, "" },
	{ "text ~ /\\bпривет\\b/i", MSG_PERSON, TRUE, "ПРИВЕТ" },
	{ "subject ~ /見積\\w*/", MSG_PERSON, TRUE, "見積もりをお願いします" },
	{ "subject ~ /\\b見積/", MSG_PERSON, TRUE, "見積" },
	{ "name ~ /^\\w+\\s\\w+$/", MSG_PERSON, TRUE, "Иван Петров" },
	{ "body ~ /\\bcaf\\b/", MSG_PERSON, FALSE, "" },
	{ "body ~ /\\bcafé\\b/i", MSG_PERSON, TRUE, "café" },
	{ "body ~ /^bonjour/i", MSG_PERSON, FALSE, "" },
	{ "body ~ /^bonjour/im", MSG_PERSON, TRUE, "Bonjour" },
	{ "text ~ /consult(ing|ant)?/", MSG_FORM, TRUE, "consulting" },
	{ "message ~ /roll-?out/", MSG_FORM, TRUE, "roll-out" },
	{ "phone ~ /./", MSG_FORM, FALSE, "" },
	{ "not phone ~ /./", MSG_FORM, TRUE, "" },
	{ "header.\"X-Tag\" ~ /^t/", MSG_FORM, TRUE, "t" },
	{ "form.\"Topic\" ~ /^Ä/i", MSG_FORM, TRUE, "ä" },
	{ "subject ~ /a+/", MSG_CUSTOMER, TRUE, A119 "…" },
	/* = and != : Unicode case folding */
	{ "form.\"Topic\" = \"ÄRGER\"", MSG_FORM, TRUE,
	    "form.\"Topic\" ärger" },
	{ "form.topic = ärger", MSG_FORM, TRUE, "form.\"topic\" ärger" },
	{ "form.\"Topic\" != \"ÄRGER\"", MSG_FORM, FALSE, "" },
	{ "form.\"Street\" = HAUPTSTRASSE", MSG_FORM, TRUE,
	    "form.\"Street\" Hauptstraße" },
	{ "company = \"acme gmbh\"", MSG_FORM, TRUE, "company Acme GmbH" },
	{ "company = acme", MSG_FORM, FALSE, "" },
	{ "company != acme", MSG_FORM, TRUE, "company Acme GmbH" },
	{ "country = de", MSG_FORM, TRUE, "country DE" },
	{ "country = \"DE \"", MSG_FORM, FALSE, "" },
	{ "name = \"иван петров\"", MSG_PERSON, TRUE, "name Иван Петров" },
	{ "phone = \"1\"", MSG_FORM, FALSE, "" },
	{ "phone != \"1\"", MSG_FORM, FALSE, "" },
	{ "not phone = \"1\"", MSG_FORM, TRUE, "" },
	{ "attachments = 0", MSG_FORM, TRUE, "attachments 0" },
	/* header."X": any of the values */
	{ "header.\"X-Tag\" = two", MSG_FORM, TRUE, "header.\"X-Tag\" two" },
	{ "header.\"x-tag\" = ONE", MSG_FORM, TRUE, "header.\"x-tag\" one" },
	{ "header.X-Tag = three", MSG_FORM, FALSE, "" },
	{ "header.\"X-Tag\" != one", MSG_FORM, TRUE, "header.\"X-Tag\" two" },
	{ "header.\"X-Tag\" contains w", MSG_FORM, TRUE,
	    "^header.\"X-Tag\" " },
	{ "header.\"X-Missing\" != one", MSG_FORM, FALSE, "" },
	{ "header.\"X-Spam-Flag\" = yes", MSG_MACHINE, TRUE,
	    "header.\"X-Spam-Flag\" YES" },
	/* < <= > >= */
	{ "employees >= 1000", MSG_FORM, TRUE, "employees 1000" },
	{ "employees > 1000", MSG_FORM, FALSE, "" },
	{ "employees < 1001", MSG_FORM, TRUE, "employees 1000" },
	{ "employees <= 999", MSG_FORM, FALSE, "" },
	{ "employees >= 1k", MSG_FORM, TRUE, "employees 1000" },
	{ "budget >= 50k", MSG_FORM, TRUE, "budget 50000" },
	{ "budget > 50000", MSG_FORM, FALSE, "" },
	{ "budget < 0.05m", MSG_FORM, FALSE, "" },
	{ "budget <= 0.05m", MSG_FORM, TRUE, "budget 50000" },
	{ "form.\"Seats\" > 4", MSG_FORM, TRUE, "form.\"Seats\" 5" },
	{ "form.\"Seats\" >= 6", MSG_FORM, FALSE, "" },
	{ "form.\"Notes\" > 0", MSG_FORM, FALSE, "" },
	{ "not form.\"Notes\" > 0", MSG_FORM, TRUE, "" },
	{ "company > 0", MSG_FORM, FALSE, "" },
	{ "employees > 5", MSG_PERSON, FALSE, "" },
	{ "not employees > 5", MSG_PERSON, TRUE, "" },
	{ "not employees <= 5", MSG_PERSON, TRUE, "" },
	{ "attachments >= 1", MSG_MACHINE, TRUE, "attachments 1" },
	{ "attachments > 1", MSG_MACHINE, FALSE, "" },
	{ "attachments < 1", MSG_FORM, TRUE, "attachments 0" },
	/* in [..] */
	{ "country in [fr DE]", MSG_FORM, TRUE, "country DE" },
	{ "country in [FR, GB]", MSG_FORM, FALSE, "" },
	{ "company in [\"ACME GMBH\" x]", MSG_FORM, TRUE, "company Acme GmbH" },
	{ "domain in [acme.com]", MSG_FORM, TRUE, "domain uk.acme.com" },
	{ "domain in [com]", MSG_FORM, FALSE, "" },
	{ "from.domain in [ACME-SITE.COM]", MSG_FORM, TRUE,
	    "from.domain acme-site.com" },
	{ "email in [acme.com]", MSG_FORM, FALSE, "" },
	{ "phone in [x]", MSG_FORM, FALSE, "" },
	/* in LIST */
	{ "domain in target", MSG_FORM, TRUE, "domain uk.acme.com" },
	{ "company in target", MSG_FORM, TRUE, "company Acme GmbH" },
	{ "from.domain in freemail", MSG_MACHINE, TRUE,
	    "from.domain gmail.com" },
	{ "from.domain in freemail", MSG_FORM, FALSE, "" },
	{ "domain in freemail", MSG_PERSON, FALSE, "" },
	/* in accounts, by domain and parent domains */
	{ "domain in accounts", MSG_FORM, TRUE, "domain uk.acme.com" },
	{ "email in accounts", MSG_FORM, TRUE, "email jane@uk.acme.com" },
	{ "reply_to in accounts", MSG_FORM, TRUE,
	    "reply_to jane@uk.acme.com" },
	{ "from.domain in accounts", MSG_FORM, FALSE, "" },
	{ "domain in accounts", MSG_CUSTOMER, TRUE,
	    "domain eu.initech.example" },
	{ "domain in accounts", MSG_PERSON, FALSE, "" },
	{ "domain in accounts", MSG_EMPTY, FALSE, "" },
	/* contains */
	{ "message contains \"CONSULTING\"", MSG_FORM, TRUE, "^message " },
	{ "subject contains ärger", MSG_FORM, TRUE, "^subject " },
	{ "subject contains \"ÄRGER MIT\"", MSG_FORM, TRUE, "^subject " },
	{ "subject contains \"ärger  mit\"", MSG_FORM, FALSE, "" },
	{ "subject contains \"(\"", MSG_FORM, FALSE, "" },
	{ "subject contains \".*\"", MSG_FORM, FALSE, "" },
	{ "company contains \"gmbh\"", MSG_FORM, TRUE, "^company " },
	{ "company contains \"acme gmbh\" and exists company", MSG_FORM,
	    TRUE, "^company " },
	{ "company contains \"gmbh ltd\"", MSG_FORM, FALSE, "" },
	{ "body contains \"CAFÉ CRÈME\"", MSG_PERSON, TRUE, NULL },
	{ "message contains x", MSG_PERSON, FALSE, "" },
	/* exists */
	{ "exists company", MSG_FORM, TRUE, "company Acme GmbH" },
	{ "exists phone", MSG_FORM, FALSE, "" },
	{ "not exists phone", MSG_FORM, TRUE, "" },
	{ "exists form.\"Seats\"", MSG_FORM, TRUE, "form.\"Seats\" 5" },
	{ "exists form.\"seats:\"", MSG_FORM, TRUE, "form.\"seats:\" 5" },
	{ "exists form.\"Empty\"", MSG_FORM, FALSE, "" },
	{ "exists form.\"Nope\"", MSG_FORM, FALSE, "" },
	{ "exists header.\"X-Tag\"", MSG_FORM, TRUE, "header.\"X-Tag\" one" },
	{ "exists tz", MSG_FORM, TRUE, "tz +0100" },
	{ "exists tz", MSG_PERSON, FALSE, "" },
	{ "exists subject", MSG_EMPTY, FALSE, "" },
	{ "not exists subject", MSG_EMPTY, TRUE, "" },
	/* auto, spam */
	{ "auto", MSG_MACHINE, TRUE, "auto: Auto-Submitted: auto-replied" },
	{ "auto", MSG_FORM, FALSE, "" },
	{ "spam", MSG_MACHINE, TRUE, "spam" },
	{ "spam", MSG_FORM, FALSE, "" },
	{ "not auto", MSG_FORM, TRUE, "" },
	/* precedence: not, then and, then or */
	{ "exists company or exists phone and exists phone", MSG_FORM, TRUE,
	    "company Acme GmbH" },
	{ "(exists company or exists phone) and exists phone", MSG_FORM,
	    FALSE, "" },
	{ "exists phone and exists phone or exists company", MSG_FORM, TRUE,
	    "company Acme GmbH" },
	{ "not exists company and exists phone", MSG_FORM, FALSE, "" },
	{ "not (exists company and exists phone)", MSG_FORM, TRUE, "" },
	{ "not exists phone and exists company", MSG_FORM, TRUE,
	    "company Acme GmbH" },
	{ "not not exists company", MSG_FORM, TRUE, "" },
	{ "not (not (exists company))", MSG_FORM, TRUE, "" },
	{ "exists phone or not exists company or spam", MSG_FORM, FALSE, "" },
	/* evidence: both halves of an and; the first true or */
	{ "exists company and country = de", MSG_FORM, TRUE,
	    "company Acme GmbH | country DE" },
	{ "exists phone or exists company or country = de", MSG_FORM, TRUE,
	    "company Acme GmbH" },
	{ "(exists company and exists phone) or country = de", MSG_FORM,
	    TRUE, "country DE" },
	{ "exists company and (exists phone or country = de) and auto",
	    MSG_FORM, FALSE, "" },
	{ "text ~ /ärger/i and employees >= 200 and domain in target",
	    MSG_FORM, TRUE, "Ärger | employees 1000 | domain uk.acme.com" },
};

/* "offer x if EXPR" in a rule set with REF; the class's condition. */
static struct ruleset *
parse_expr(const char *expr, struct diag *d)
{
	char *text = g_strdup_printf(REF "offer x if %s\n"
	    "route offer=x -> review\n", expr);
	struct ruleset *rs = rules_parse(text, strlen(text), "t.rules",
	    RULES_DIR, d);

	g_free(text);
	return rs;
}

static char *
join(GPtrArray *a)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < a->len; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? " | " : "",
		    (const char *)g_ptr_array_index(a, i));
	return g_string_free(s, FALSE);
}

static void
check_eval(const struct eval_case *tc)
{
	struct diag *d = diag_new();
	struct ruleset *rs = parse_expr(tc->expr, d);
	const struct class_rule *c;
	struct lead *l;
	struct scan *sc;
	GPtrArray *ev = g_ptr_array_new_with_free_func(g_free);
	char *got;

	print_message("expr: %s\n", tc->expr);
	for (guint i = 0; diag_errors(d) > 0 && i < diag_count(d); i++)
		print_message("  %s\n", diag_get(d, i));
	assert_int_equal(diag_errors(d), 0);
	assert_int_equal(rs->classes->len, 1);
	c = g_ptr_array_index(rs->classes, 0);
	l = lead_from_bytes(tc->msg, strlen(tc->msg), &rs->lead);
	/* with the rule set's one-pass scan (scan.h), as a drain does */
	rules_scan_build(rs);
	sc = scan_new(rs->scan, l);
	assert_int_equal(expr_eval(c->cond, l, sc, ev, NULL), tc->want);
	/* Without an evidence array too, and without the scan: every test
	 * through PCRE, the same answer. */
	assert_int_equal(expr_eval(c->cond, l, sc, NULL, NULL), tc->want);
	assert_int_equal(expr_eval(c->cond, l, NULL, NULL, NULL), tc->want);
	scan_free(sc);
	got = join(ev);
	if (tc->evidence != NULL && tc->evidence[0] == '^') {
		if (!g_str_has_prefix(got, tc->evidence + 1))
			fail_msg("evidence '%s' does not start with '%s'", got,
			    tc->evidence + 1);
	} else if (tc->evidence != NULL)
		assert_string_equal(got, tc->evidence);
	g_free(got);
	g_ptr_array_free(ev, TRUE);
	lead_free(l);
	rules_free(rs);
	diag_free(d);
}

static void
test_eval(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(eval_cases); i++)
		check_eval(&eval_cases[i]);
}

/* Expressions with errors: lexical (the statement stays, the rule set
 * is unusable), syntax (the class is left out) or names. */
static const char *const bad_exprs[] = {
	"subject ~ /(/",
	"subject ~ /a/x",
	"subject ~ /\\p{Nope}/",
	"subject ~ \"a\"",
	"employees > lots",
	"employees > \"5\"",
	"employees >",
	"country in accounts_list",
	"domain in []x",
	"exists",
	"exists form",
	"not",
	"(auto",
	"auto)",
	"auto and or spam",
	"colour = red",
	"form. = x",
	"subject = ",
	"subject contains",
	"subject in",
	"auto spam",
	"\xff = x",
};

static void
test_bad(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(bad_exprs); i++) {
		struct diag *d = diag_new();
		struct ruleset *rs = parse_expr(bad_exprs[i], d);

		print_message("bad: %s\n", bad_exprs[i]);
		assert_true(diag_errors(d) > 0);
		rules_free(rs);
		diag_free(d);
	}
}

/* The tree: precedence and where each test starts. */
struct tree_case {
	const char *expr;
	const char *tree;	/* dump_tree() */
};

static void
dump_tree(GString *s, const struct expr *e)
{
	static const char *const ops[] = {
		[EX_OR] = "or", [EX_AND] = "and", [EX_NOT] = "not",
		[EX_MATCH] = "~", [EX_EQ] = "=", [EX_NE] = "!=",
		[EX_LT] = "<", [EX_LE] = "<=", [EX_GT] = ">", [EX_GE] = ">=",
		[EX_IN_ITEMS] = "in[]", [EX_IN_LIST] = "in", [EX_IN_ACCOUNTS] =
		"in-accounts", [EX_CONTAINS] = "contains", [EX_EXISTS] =
		"exists", [EX_AUTO] = "auto", [EX_SPAM] = "spam",
	};

	g_string_append_printf(s, "(%s@%d", ops[e->op], e->col);
	if (e->op != EX_OR && e->op != EX_AND && e->op != EX_NOT &&
	    e->op != EX_AUTO && e->op != EX_SPAM) {
		g_string_append_printf(s, " %s", lead_field_name(e->field));
		if (e->arg != NULL)
			g_string_append_printf(s, ".%s", e->arg);
	}
	if (e->str != NULL)
		g_string_append_printf(s, " '%s'", e->str);
	if (e->op >= EX_LT && e->op <= EX_GE)
		g_string_append_printf(s, " %g", e->num);
	if (e->name != NULL)
		g_string_append_printf(s, " %s", e->name);
	if (e->items != NULL)
		g_string_append_printf(s, " #%u", g_hash_table_size(e->items));
	if (e->a != NULL) {
		g_string_append_c(s, ' ');
		dump_tree(s, e->a);
	}
	if (e->b != NULL) {
		g_string_append_c(s, ' ');
		dump_tree(s, e->b);
	}
	g_string_append_c(s, ')');
}

/* Columns count from "offer x if " (11 characters). */
static const struct tree_case tree_cases[] = {
	{ "auto or spam and auto",
	    "(or@17 (auto@12) (and@25 (spam@20) (auto@29)))" },
	{ "not auto and spam", "(and@21 (not@12 (auto@16)) (spam@25))" },
	{ "not (auto and spam)", "(not@12 (and@22 (auto@17) (spam@26)))" },
	{ "auto or spam or auto",
	    "(or@25 (or@17 (auto@12) (spam@20)) (auto@28))" },
	{ "form.\"Seats\" >= 1.5k", "(>=@12 form.Seats 1500)" },
	{ "header.X-Tag = \"ÄRGER\"", "(=@12 header.X-Tag 'ärger')" },
	{ "company contains \"ﬁne\"", "(contains@12 company 'fine')" },
	{ "domain in [a.com b.com A.COM]", "(in[]@12 domain #2)" },
	{ "domain in target", "(in@12 domain target)" },
	{ "email in accounts", "(in-accounts@12 email)" },
	{ "exists form.Budget", "(exists@12 form.Budget)" },
	{ "employees < -5", "(<@12 employees -5)" },
};

static void
test_tree(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(tree_cases); i++) {
		struct diag *d = diag_new();
		struct ruleset *rs = parse_expr(tree_cases[i].expr, d);
		GString *s = g_string_new(NULL);

		print_message("tree: %s\n", tree_cases[i].expr);
		assert_int_equal(diag_errors(d), 0);
		dump_tree(s, ((const struct class_rule *)
		    g_ptr_array_index(rs->classes, 0))->cond);
		assert_string_equal(s->str, tree_cases[i].tree);
		g_string_free(s, TRUE);
		rules_free(rs);
		diag_free(d);
	}
}

/* --- domain lookup and folding --------------------------------------- */

struct domain_case {
	const char *domain;
	const char *want;	/* value found, or NULL */
};

static const struct domain_case domain_cases[] = {
	{ "acme.com", "acme" },
	{ "uk.acme.com", "acme" },
	{ "a.b.c.acme.com", "acme" },
	{ "notacme.com", NULL },
	{ "acme.com.evil.example", NULL },
	{ "shop.example.co.uk", "shop" },
	{ "other.co.uk", NULL },
	{ "com", NULL },
	{ "uk", NULL },
	{ "example.com", NULL },
	{ "", NULL },
	{ ".", NULL },
	{ "..acme.com", "acme" },
	{ "acme.com.", NULL },
	{ NULL, NULL },
};

static void
test_domain_lookup(void **state)
{
	GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);

	(void)state;
	g_hash_table_insert(set, "acme.com", "acme");
	g_hash_table_insert(set, "example.co.uk", "shop");
	g_hash_table_insert(set, "com", "tld");
	g_hash_table_insert(set, "uk", "tld");
	for (gsize i = 0; i < G_N_ELEMENTS(domain_cases); i++) {
		const char *got = expr_domain_lookup(set,
		    domain_cases[i].domain);

		print_message("domain: %s\n", domain_cases[i].domain != NULL ?
		    domain_cases[i].domain : "(null)");
		if (domain_cases[i].want == NULL)
			assert_null(got);
		else
			assert_string_equal(got, domain_cases[i].want);
	}
	assert_null(expr_domain_lookup(NULL, "acme.com"));
	g_hash_table_destroy(set);
}

struct fold_case {
	const char *in;
	const char *want;
};

static const struct fold_case fold_cases[] = {
	{ "ACME.com", "acme.com" },
	{ "ÄRGER", "ärger" },
	{ "Straße", "strasse" },
	{ "ПРИВЕТ", "привет" },
	{ "ﬁne", "fine" },
	{ "Ｆｕｌｌ", "full" },
	{ "", "" },
};

static void
test_fold(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(fold_cases); i++) {
		char *f = expr_fold(fold_cases[i].in);

		print_message("fold: %s\n", fold_cases[i].in);
		assert_string_equal(f, fold_cases[i].want);
		g_free(f);
	}
}

/* --- regressions: bugs found by these tests, now fixed ------------------ */

/*
 * Was a bug (fixed; kept as a regression test): evidence_add() (expr.c) writes "…" (4 bytes with its NUL) at the
 * character before byte EVIDENCE_MAX; for a text of exactly 121 bytes
 * that is one byte past the allocation (heap-buffer-overflow under ASan).
 * Was a bug (fixed; kept as a regression test): numbers in evidence are printed with %g: 1000000 shows as
 * "1e+06", 1234567 as "1.23457e+06".
 */
static const char MSG_BIG[] =
    "From: Al <al@big.example>\n"
    "Subject: 121\n"
    "\n"
    "Name: Al\n"
    "Company: Big\n"
    "Budget: 1,000,000\n"
    "Employees: 1234567\n"
    "Code: " A119 "aa\n";

static const struct eval_case bug_format_cases[] = {
	{ "budget >= 1000000", MSG_BIG, TRUE, "budget 1000000" },
	{ "employees > 1000", MSG_BIG, TRUE, "employees 1234567" },
};

/*
 * Was a bug (fixed; kept as a regression test): since contains became a caseless regex of the literal as written
 * (expr_compile), it folds case the simple way while = and in use full
 * case folding and NFKC (expr_fold): form."Street" = HAUPTSTRASSE holds
 * for "Hauptstraße" but contains STRASSE does not, nor does company
 * contains "ＡＣＭＥ" (full width) for "Acme GmbH", while = would.
 * Fix: match the folded literal e->str against expr_fold(value) for
 * non-ASCII values (casefold + strstr), keeping the regex for ASCII.
 */
/* A body with NBSP (HTML's &nbsp;) and ß: its fold has "lead
 * generation" and "strasse"; was missed before the fold table. */
static const char MSG_NBSP[] =
    "From: Al <al@big.example>\n"
    "Subject: hi\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "We need lead\xc2\xa0generation for our shop in the Hauptstra\xc3\x9f" "e.\n";

static const struct eval_case bug_fold_cases[] = {
	{ "body contains \"lead generation\"", MSG_NBSP, TRUE,
	    "body contains lead generation" },
	{ "text contains \"hauptstrasse\"", MSG_NBSP, TRUE,
	    "text contains hauptstrasse" },
	{ "body contains \"lead  generation\"", MSG_NBSP, FALSE, "" },
	{ "form.\"Street\" contains STRASSE", MSG_FORM, TRUE, NULL },
	{ "company contains \"ＡＣＭＥ\"", MSG_FORM, TRUE, NULL },
	{ "form.\"Street\" contains \"straße\"", MSG_FORM, TRUE, NULL },
	{ "form.\"Street\" contains \"STRASSE\" and form.\"Street\" = "
	    "\"HAUPTSTRASSE\"", MSG_FORM, TRUE, NULL },
};

static void
test_regression_contains_fold(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(bug_fold_cases); i++)
		check_eval(&bug_fold_cases[i]);
}

static const struct eval_case bug_overflow_cases[] = {
	{ "form.\"Code\" ~ /a+/", MSG_BIG, TRUE, A119 "…" },
};

/*
 * Was a bug (fixed; kept as a regression test): expr_fold() (expr.c) hands invalid UTF-8 to g_utf8_casefold(),
 * which steps over the NUL after a truncated sequence and reads past the
 * string (valgrind: invalid read in g_utf8_casefold from list_add). The
 * lexer reports "invalid UTF-8" but still folds such words, and
 * load_list_file() folds the lines of a list file it found invalid.
 * Fix: in expr_fold, g_utf8_make_valid() (or validate and return a copy)
 * before casefolding.
 */
static void
test_regression_fold_invalid(void **state)
{
	static const char buf[] = "ab\xe0\0XYZ";
	char *f = expr_fold(buf);

	(void)state;
	assert_null(strstr(f, "yz"));
	g_free(f);
}

static void
test_regression_number_format(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(bug_format_cases); i++)
		check_eval(&bug_format_cases[i]);
}

static void
test_regression_evidence_overflow(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(bug_overflow_cases); i++)
		check_eval(&bug_overflow_cases[i]);
}

/*
 * The table of characters whose fold holds ASCII (expr.c) is GLib's
 * Unicode data, code point by code point: a GLib with newer data fails
 * here, not in a user's rule.
 */
static void
test_fold_table(void **state)
{
	guint wrong = 0;

	(void)state;
	for (gunichar c = 0x80; c <= 0x10FFFF; c++) {
		char buf[8], *f, *n;
		gboolean has = FALSE;
		int len;

		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		len = g_unichar_to_utf8(c, buf);
		buf[len] = '\0';
		f = g_utf8_casefold(buf, -1);
		n = g_utf8_normalize(f, -1, G_NORMALIZE_NFKC);
		for (const char *p = n != NULL ? n : f; *p != '\0'; p++)
			has |= (*p & 0x80) == 0;
		if (has != expr_char_folds_to_ascii(c) && wrong++ < 10)
			print_message("U+%04X: folds to ASCII %d, table %d\n",
			    c, has, !has);
		g_free(n);
		g_free(f);
	}
	assert_int_equal(wrong, 0);
}

/*
 * An ASCII needle in the fold of a value, found without folding it whole
 * (expr_folded_contains), against folding it whole: 50,000 values drawn
 * from ASCII letters and spaces, characters that fold to ASCII (ß, ſ, K,
 * ligatures, full-width letters, superscripts, NBSP, ¼, Ĳ), combining
 * marks NFKC composes, and other letters.
 */
static void
test_folded_contains(void **state)
{
	static const char *const atoms[] = {
		"s", "S", "t", "r", "a", "e", "i", "k", "f", "l", "n", "1",
		"2", " ", " ", "x",
		"\xc3\x9f", "\xc5\xbf", "\xe2\x84\xaa", "\xef\xac\x81",
		"\xef\xbc\xa6", "\xc2\xb2", "\xc2\xa0", "\xc2\xbc",
		"\xc4\xb2", "\xc4\xb0", "\xe2\x85\xab", "\xcc\x81",
		"\xcc\x87", "\xc3\xa9", "\xce\xa9", "\xd0\x96",
		"\xe1\xba\x9e", "\xf0\x9d\x90\x9a",
	};
	static const char *const needles[] = {
		"ss", "st", "s", "k", "fi", "ij", "1", "2", "i", "e", "s t",
		"a s", "1/4", "xii", "fil", "strasse", "ki", " ",
	};
	GRand *r = g_rand_new_with_seed(19);
	guint checked = 0, found = 0;

	(void)state;
	for (guint i = 0; i < 50000; i++) {
		GString *v = g_string_new(NULL);
		const char *needle = needles[g_rand_int_range(r, 0,
		    G_N_ELEMENTS(needles))];
		guint n = (guint)g_rand_int_range(r, 1, 24);
		char *whole;
		gboolean want;

		for (guint k = 0; k < n; k++)
			g_string_append(v, atoms[g_rand_int_range(r, 0,
			    G_N_ELEMENTS(atoms))]);
		if (strcasestr(v->str, needle) != NULL) {
			g_string_free(v, TRUE);
			continue;	/* found as it is: never asked */
		}
		whole = expr_fold(v->str);
		want = strstr(whole, needle) != NULL;
		if (expr_folded_contains(v->str, needle) != want)
			fail_msg("'%s' in '%s' (folded '%s'): want %d",
			    needle, v->str, whole, want);
		checked++;
		found += want;
		g_free(whole);
		g_string_free(v, TRUE);
	}
	print_message("%u values, %u with the needle only when folded\n",
	    checked, found);
	assert_true(found > 1000);
	g_rand_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_domain_lookup),
		cmocka_unit_test(test_fold),
	};
	/* The overflow last: ASan stops the program there. */
	const struct CMUnitTest regressions[] = {
		cmocka_unit_test(test_regression_fold_invalid),
		cmocka_unit_test(test_regression_number_format),
		cmocka_unit_test(test_regression_contains_fold),
		cmocka_unit_test(test_regression_evidence_overflow),
		cmocka_unit_test(test_fold_table),
		cmocka_unit_test(test_folded_contains),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	rc |= cmocka_run_group_tests(regressions, NULL, NULL);
	return rc;
}
