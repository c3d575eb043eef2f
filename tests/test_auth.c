/*
 * test_auth.c: whose word an owner's mail is taken on (src/mail/auth.c):
 * the topmost Authentication-Results of the configured server, with a
 * dkim or dmarc pass for the owner's domain; Microsoft 365's own verdict;
 * never a header a sender could have added.
 */
#include "testlib.h"

#include <string.h>

#include "auth.h"
#include "lead.h"

struct ar_case {
	const char *what;
	const char *value;
	const char *authserv;	/* NULL: a value without a name counts */
	const char *domain;
	gboolean pass;
};

static const struct ar_case ar_cases[] = {
	{ "gmail dkim and dmarc", "mx.google.com;\r\n       dkim=pass "
	    "header.i=@example.com header.s=20230601 header.b=AbCd;\r\n"
	    "       spf=pass (google.com: domain of dana@example.com designates "
	    "1.2.3.4 as permitted sender) smtp.mailfrom=dana@example.com;\r\n"
	    "       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com",
	    "mx.google.com", "example.com", TRUE },
	{ "dkim for the domain", "mx.example.com; dkim=pass header.d=example.com",
	    "mx.example.com", "example.com", TRUE },
	{ "dkim by the parent domain", "mx.example.com; dkim=pass "
	    "header.d=example.com", "mx.example.com", "eu.example.com", TRUE },
	{ "dkim of a child domain is not the parent's", "mx.example.com; "
	    "dkim=pass header.d=eu.example.com", "mx.example.com", "example.com",
	    FALSE },
	{ "dkim for someone else", "mx.example.com; dkim=pass "
	    "header.d=evil.example", "mx.example.com", "example.com", FALSE },
	{ "dkim of a look-alike", "mx.example.com; dkim=pass "
	    "header.d=badexample.com", "mx.example.com", "example.com", FALSE },
	{ "dkim of a bare TLD", "mx.example.com; dkim=pass header.d=com",
	    "mx.example.com", "example.com", FALSE },
	{ "dmarc without header.from names no domain", "mx.example.com; "
	    "dmarc=pass", "mx.example.com", "example.com", FALSE },
	{ "a quoted envelope sender with a ; and a result (attack review)",
	    "mx.example.com; spf=pass smtp.mailfrom=\"a; dmarc=pass "
	    "header.from=example.com x\"@evil.example; dmarc=fail "
	    "header.from=example.com", "mx.example.com", "example.com", FALSE },
	{ "a result out of an unescaped comment, beside the real one",
	    "mx.example.com; spf=pass (domain of \"a) ; dmarc=pass "
	    "header.from=example.com (b\"@evil.example) smtp.mailfrom=x@"
	    "evil.example; dmarc=fail header.from=example.com",
	    "mx.example.com", "example.com", FALSE },
	{ "a dkim pass out of a quoted sender in an unescaped comment "
	    "(second review)", "mx.example.com; spf=pass (mx.example.com: "
	    "domain of \"a);dkim=pass header.d=example.com;(\"@evil.example "
	    "designates 1.2.3.4 as permitted sender) smtp.mailfrom=\"a);"
	    "dkim=pass header.d=example.com;(\"@evil.example; dkim=none; "
	    "dmarc=fail header.from=example.com", "mx.example.com",
	    "example.com", FALSE },
	{ "Microsoft 365 mode: a named verdict is another server's",
	    "evil.example; dmarc=pass header.from=example.com", NULL,
	    "example.com", FALSE },
	{ "dmarc for another domain", "mx.example.com; dmarc=pass "
	    "header.from=evil.example", "mx.example.com", "example.com",
	    FALSE },
	{ "only spf passes", "mx.example.com; spf=pass "
	    "smtp.mailfrom=dana@example.com; dkim=none; dmarc=fail",
	    "mx.example.com", "example.com", FALSE },
	{ "dkim fails", "mx.example.com; dkim=fail header.d=example.com",
	    "mx.example.com", "example.com", FALSE },
	{ "another server's verdict", "mx.evil.example; dkim=pass "
	    "header.d=example.com; dmarc=pass header.from=example.com",
	    "mx.example.com",
	    "example.com", FALSE },
	{ "the name with a version", "mx.example.com 1; dkim=pass "
	    "header.d=example.com", "mx.example.com", "example.com", TRUE },
	{ "names are case-blind", "MX.Example.COM; DKIM=Pass "
	    "header.d=EXAMPLE.com", "mx.example.com", "example.com", TRUE },
	{ "pass inside a comment", "mx.example.com; dkim=fail "
	    "(dkim=pass header.d=example.com) header.d=example.com",
	    "mx.example.com", "example.com", FALSE },
	{ "a quoted value", "mx.example.com; dkim=pass "
	    "header.d=\"example.com\"", "mx.example.com", "example.com", TRUE },
	{ "no name where one is asked for", "dkim=pass header.d=example.com",
	    "mx.example.com", "example.com", FALSE },
	{ "Microsoft 365, no name", "spf=pass (sender IP is 1.2.3.4) "
	    "smtp.mailfrom=example.com; dkim=pass (signature was verified) "
	    "header.d=example.com;dmarc=pass action=none "
	    "header.from=example.com;compauth=pass reason=100", NULL,
	    "example.com", TRUE },
	{ "any of a provider's hosts", "mx3.messagingengine.com; dkim=pass "
	    "header.d=example.com", "*.messagingengine.com", "example.com",
	    TRUE },
	{ "not the provider itself", "messagingengine.com; dkim=pass "
	    "header.d=example.com", "*.messagingengine.com", "example.com",
	    FALSE },
	{ "a look-alike provider", "mx3.evilmessagingengine.com; dkim=pass "
	    "header.d=example.com", "*.messagingengine.com", "example.com",
	    FALSE },
	{ "one of two servers", "mx2.example.com; dkim=pass "
	    "header.d=example.com", "mx1.example.com,mx2.example.com",
	    "example.com", TRUE },
	{ "neither of two servers", "mx3.example.com; dkim=pass "
	    "header.d=example.com", "mx1.example.com,mx2.example.com",
	    "example.com", FALSE },
	{ "empty", "", "mx.example.com", "example.com", FALSE },
	{ "only separators", ";;;", NULL, "example.com", FALSE },
	{ "unclosed comment", "mx.example.com; (dkim=pass header.d=example.com",
	    "mx.example.com", "example.com", FALSE },
};

static void
test_results(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(ar_cases); i++) {
		const struct ar_case *c = &ar_cases[i];

		if (auth_results_pass(c->value, c->authserv, c->domain) !=
		    c->pass)
			fail_msg("%s: want %s", c->what, c->pass ? "pass" :
			    "no pass");
	}
}

static struct lead *
mail(const char *headers)
{
	char *raw = g_strdup_printf("%sFrom: Dana <dana@example.com>\r\n"
	    "To: leads@example.com\r\nSubject: Re: Quote\r\n"
	    "Message-ID: <r1@example.com>\r\n\r\nThanks, on it.\r\n",
	    headers);
	struct lead *l = lead_from_bytes(raw, strlen(raw), NULL);

	g_free(raw);
	assert_non_null(l);
	return l;
}

static void
test_topmost_only(void **state)
{
	struct auth_policy p = { "mx.example.com", FALSE };
	struct lead *l;
	char *why = NULL;

	(void)state;
	/* the server's own, on top */
	l = mail("Authentication-Results: mx.example.com; dkim=pass "
	    "header.d=example.com\r\nReceived: from a by b\r\n");
	assert_true(auth_verified(l, &p, "example.com", &why));
	assert_non_null(why);
	g_free(why);
	lead_free(l);
	/* a sender's forgery below the server's failing verdict */
	l = mail("Authentication-Results: mx.example.com; dkim=none; "
	    "dmarc=fail header.from=example.com\r\nReceived: from a by b\r\n"
	    "Authentication-Results: mx.example.com; dkim=pass "
	    "header.d=example.com; dmarc=pass\r\n");
	assert_false(auth_verified(l, &p, "example.com", &why));
	assert_non_null(strstr(why, "topmost"));
	g_free(why);
	lead_free(l);
	/* an encoded word the server copied from the envelope sender is
	 * read as written, never decoded into a "; dmarc=pass" (attack
	 * review: =3B is ";", =3D is "=") */
	l = mail("Authentication-Results: mx.example.com;\r\n spf=pass "
	    "smtp.mailfrom==?us-ascii?q?x=3B_dkim=3Dpass_header.d=3D"
	    "example.com_y?=@evil.example;\r\n dkim=none\r\n");
	assert_false(auth_verified(l, &p, "example.com", &why));
	g_free(why);
	lead_free(l);
	/* no verdict at all (the server adds none): not the owner's */
	l = mail("Received: from a by b\r\n");
	assert_false(auth_verified(l, &p, "example.com", &why));
	assert_string_equal(why, "no Authentication-Results");
	g_free(why);
	lead_free(l);
}

static void
test_no_policy(void **state)
{
	struct auth_policy p = { NULL, FALSE };
	struct lead *l = mail("Authentication-Results: mx.example.com; "
	    "dkim=pass header.d=example.com\r\n");
	char *why = NULL;

	(void)state;
	assert_false(auth_verified(l, &p, "example.com", &why));
	assert_non_null(strstr(why, "authserv_id"));
	g_free(why);
	lead_free(l);
}

static void
test_microsoft(void **state)
{
	struct auth_policy p = { NULL, TRUE };
	struct lead *l;

	(void)state;
	/* sent inside the tenant: Exchange's own header */
	l = mail("X-MS-Exchange-Organization-AuthAs: Internal\r\n"
	    "X-MS-Exchange-Organization-AuthSource: AM0PR01.eurprd01.prod\r\n");
	assert_true(auth_verified(l, &p, "example.com", NULL));
	lead_free(l);
	l = mail("X-MS-Exchange-Organization-AuthAs: Anonymous\r\n");
	assert_false(auth_verified(l, &p, "example.com", NULL));
	lead_free(l);
	/* from outside: Exchange's Authentication-Results, without a name */
	l = mail("Authentication-Results: spf=pass smtp.mailfrom=example.com;"
	    " dkim=pass (signature was verified) header.d=example.com;"
	    "dmarc=pass action=none header.from=example.com\r\n");
	assert_true(auth_verified(l, &p, "example.com", NULL));
	lead_free(l);
	/* a policy for another server never reads Exchange's headers */
	p.authserv_id = "mx.example.com";
	p.microsoft = FALSE;
	l = mail("X-MS-Exchange-Organization-AuthAs: Internal\r\n");
	assert_false(auth_verified(l, &p, "example.com", NULL));
	lead_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_topmost_only),
		cmocka_unit_test(test_no_policy),
		cmocka_unit_test(test_microsoft),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
