/*
 * test_deliver.c: the delivery channels' building blocks (src/smtp.c,
 * src/http.c): the forward and redirect messages parsed back with GMime,
 * the webhook signature, Retry-After, backoff and loopback tables, and
 * real sends to tiny SMTP and HTTP responders run in a thread of this
 * program on 127.0.0.1. Nothing here talks to any other address.
 */
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "http.h"
#include "log.h"
#include "net.h"
#include "smtp.h"

#define IO_DEADLINE_US	(5 * G_USEC_PER_SEC)	/* a responder gives up */
#define MAX_SCRIPT	8			/* scripted transactions */

/* ---- helpers ------------------------------------------------------------ */

static GMimeMessage *
parse_message(const char *data, gsize len)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	g_object_unref(p);
	g_object_unref(st);
	assert_non_null(m);
	return m;
}

static const char *
hdr(GMimeMessage *m, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(m), name);
}

/* The header block of a message (up to the first empty line). */
static char *
header_block(const char *out)
{
	const char *end = strstr(out, "\r\n\r\n");

	assert_non_null(end);
	return g_strndup(out, end - out + 2);
}

/* Whether any line of the header block starts with name ("Bcc:"). */
static gboolean
has_header_line(const char *out, const char *name)
{
	char *hb = header_block(out);
	char **lines = g_strsplit(hb, "\r\n", -1);
	gboolean r = FALSE;
	int i;

	for (i = 0; lines[i] != NULL; i++)
		if (g_ascii_strncasecmp(lines[i], name, strlen(name)) == 0)
			r = TRUE;
	g_strfreev(lines);
	g_free(hb);
	return r;
}

static const char *
mailbox_addr(InternetAddressList *l)
{
	InternetAddress *ia;

	assert_int_equal(internet_address_list_length(l), 1);
	ia = internet_address_list_get_address(l, 0);
	assert_true(INTERNET_ADDRESS_IS_MAILBOX(ia));
	return internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
}

/* ---- the forward -------------------------------------------------------- */

#define ORIG_CRLF "From: Jane Doe <jane@acme.de>\r\nTo: leads@example.com\r\n" \
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <1@acme.de>\r\n" \
	"\r\nHello,\r\n.a line with a dot\r\nGr\xc3\xbc\xc3\x9f" "e \r\n" \
	"From the start\r\n-- \r\nJane\r\n"
#define ORIG_LF "From: jane@acme.de\nSubject: hi\n\nHello\n.dot\n\n"
#define ORIG_LF_WIRE "From: jane@acme.de\r\nSubject: hi\r\n\r\nHello\r\n" \
	".dot\r\n\r\n"

static const struct forward_spec base_spec = {
	.from = "Lead Router <leads@example.com>",
	.to = "Dana Owner <dana@example.com>",
	.reply_to = "Jane Doe <jane@acme.de>",
	.subject = "New lead: Acme",
	.text = "Company: Acme\nOffer: consulting\n",
	.raw = ORIG_CRLF, .raw_len = sizeof(ORIG_CRLF) - 1,
	.message_key = "<1@acme.de>",
	.owner = "dana",
	.loop_token = "lr-5f1c",
	.rule = "route 3 (line 42)",
	.dimensions = "offer=consulting region=dach",
	.reason = "offer consulting: subject mentions audit",
	.date = 1795000000,
};

/* The body of the attached original, located in the built bytes. */
static void
assert_attachment_is(const char *out, GMimeMultipart *mp, const char *raw,
    gsize raw_len)
{
	const char *boundary = g_mime_multipart_get_boundary(mp);
	char *open = g_strdup_printf("\r\n--%s\r\n", boundary);
	char *close = g_strdup_printf("\r\n--%s--", boundary);
	const char *p, *start, *end;

	p = strstr(out, open);		/* the text part */
	assert_non_null(p);
	p = strstr(p + 1, open);	/* the original */
	assert_non_null(p);
	start = strstr(p + strlen(open), "\r\n\r\n");
	assert_non_null(start);
	start += 4;
	end = strstr(start, close);
	assert_non_null(end);
	assert_int_equal(end - start, raw_len);
	assert_memory_equal(start, raw, raw_len);
	g_free(open);
	g_free(close);
}

static void
test_forward_headers(void **state)
{
	GMimeMessage *m;
	GDateTime *d;
	char *out, *id;
	gsize len;

	(void)state;
	assert_int_equal(smtp_build_forward(&base_spec, &out, &len), LR_OK);
	assert_int_equal(strlen(out), len);
	m = parse_message(out, len);
	assert_string_equal(mailbox_addr(g_mime_message_get_from(m)),
	    "leads@example.com");
	assert_string_equal(mailbox_addr(g_mime_message_get_to(m)),
	    "dana@example.com");
	assert_string_equal(mailbox_addr(g_mime_message_get_reply_to(m)),
	    "jane@acme.de");
	assert_string_equal(g_mime_message_get_subject(m), "New lead: Acme");
	assert_string_equal(hdr(m, "Auto-Submitted"), "auto-generated");
	assert_string_equal(hdr(m, "X-Leadroute-Loop"), "lr-5f1c");
	assert_string_equal(hdr(m, "X-Leadroute-Rule"), "route 3 (line 42)");
	assert_string_equal(hdr(m, "X-Leadroute-Dimensions"),
	    "offer=consulting region=dach");
	assert_string_equal(hdr(m, "X-Leadroute-Owner"), "dana");
	assert_string_equal(hdr(m, "X-Leadroute-Reason"),
	    "offer consulting: subject mentions audit");
	assert_non_null(hdr(m, "MIME-Version"));
	id = smtp_message_id("<1@acme.de>", "dana", base_spec.from);
	assert_string_equal(g_mime_message_get_message_id(m), id);
	d = g_mime_message_get_date(m);
	assert_non_null(d);
	assert_int_equal(g_date_time_to_unix(d), 1795000000);
	g_free(id);
	g_object_unref(m);
	g_free(out);
}

/*
 * A lead's value that holds encoded words reaches no header as encoded
 * words: the Subject reads back exactly as written (no CR, LF or Bcc:),
 * a Reply-To name that decodes into controls is cleaned, one that still
 * looks like encoded words is dropped.
 */
static void
test_forward_encoded_word_injection(void **state)
{
	static const char evil[] =
	    "=?us-ascii?q?Acme=0D=0ABcc:_v6@bcc.example?=";
	struct forward_spec f = base_spec;
	GMimeMessage *m;
	char *out, *subject, *head, **lines;
	gsize len;

	(void)state;
	subject = g_strdup_printf("New lead: %s and more words to fold the "
	    "line, %s", evil, evil);
	f.subject = subject;
	f.to = "=?us-ascii?q?Dana=0D=0AEvil?= <dana@example.com>";
	f.reason = evil;
	assert_int_equal(smtp_build_forward(&f, &out, &len), LR_OK);
	head = g_strndup(out, strstr(out, "\r\n\r\n") - out);
	assert_null(strstr(head, "\nBcc:"));
	assert_null(strstr(head, "?q?Acme"));	/* not as the lead wrote it */
	lines = g_strsplit(head, "\r\n", -1);
	for (char **p = lines; *p != NULL; p++)
		assert_true(strlen(*p) <= 998);
	g_strfreev(lines);
	m = parse_message(out, len);
	assert_string_equal(g_mime_message_get_subject(m), subject);
	assert_string_equal(hdr(m, "X-Leadroute-Reason"), evil);
	assert_string_equal(mailbox_addr(g_mime_message_get_to(m)),
	    "dana@example.com");
	assert_string_equal(internet_address_get_name(
	    internet_address_list_get_address(g_mime_message_get_to(m), 0)),
	    "Dana  Evil");	/* decoded, its CR LF made spaces */
	g_object_unref(m);
	g_free(head);
	g_free(subject);
	g_free(out);
}

static void
test_forward_parts(void **state)
{
	/* each attached unchanged but for its line ends: the built forward
	 * is what goes on the wire, CRLF throughout */
	static const char *raws[] = { ORIG_CRLF, ORIG_LF, "", "no newline" };
	static const char *wire[] = { ORIG_CRLF, ORIG_LF_WIRE, "",
	    "no newline" };
	struct forward_spec f = base_spec;
	GMimeMessage *m;
	GMimeMultipart *mp;
	GMimeObject *text, *orig;
	char *out, *body;
	gsize len, i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(raws); i++) {
		f.raw = raws[i];
		f.raw_len = strlen(raws[i]);
		f.text = "Gr\xc3\xbc\xc3\x9f" "e, a lead\nline two =\n";
		assert_int_equal(smtp_build_forward(&f, &out, &len), LR_OK);
		m = parse_message(out, len);
		assert_true(GMIME_IS_MULTIPART(g_mime_message_get_mime_part(m)));
		mp = GMIME_MULTIPART(g_mime_message_get_mime_part(m));
		assert_int_equal(g_mime_multipart_get_count(mp), 2);
		text = g_mime_multipart_get_part(mp, 0);
		assert_true(GMIME_IS_TEXT_PART(text));
		assert_string_equal(g_mime_object_get_content_type_parameter(
		    text, "charset"), "utf-8");
		assert_int_equal(g_mime_part_get_content_encoding(
		    GMIME_PART(text)), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
		body = g_mime_text_part_get_text(GMIME_TEXT_PART(text));
		g_strdelimit(body, "\r", '\n');
		assert_non_null(strstr(body, "Gr\xc3\xbc\xc3\x9f" "e, a lead"));
		assert_non_null(strstr(body, "line two ="));
		g_free(body);
		orig = g_mime_multipart_get_part(mp, 1);
		assert_true(g_mime_content_type_is_type(
		    g_mime_object_get_content_type(orig), "message", "rfc822"));
		assert_string_equal(g_mime_object_get_disposition(orig),
		    "attachment");
		assert_attachment_is(out, mp, wire[i], strlen(wire[i]));
		assert_null(strstr(out, "\r\r"));
		g_object_unref(m);
		g_free(out);
	}
}

/* The longest line of data[len], in octets, without its line end. */
static gsize
longest_line(const char *data, gsize len)
{
	gsize col = 0, max = 0;

	for (gsize i = 0; i < len; i++) {
		if (data[i] == '\n' || data[i] == '\r')
			col = 0;
		else if (++col > max)
			max = col;
	}
	return max;
}

/* The decoded text of the first text/plain part under o. */
static char *
first_text(GMimeObject *o)
{
	GMimePartIter *it = g_mime_part_iter_new(o);
	char *r = NULL;

	do {
		GMimeObject *cur = g_mime_part_iter_get_current(it);

		if (cur != NULL && GMIME_IS_TEXT_PART(cur) &&
		    g_mime_content_type_is_type(
		    g_mime_object_get_content_type(cur), "text", "plain"))
			r = g_mime_text_part_get_text(GMIME_TEXT_PART(cur));
	} while (r == NULL && g_mime_part_iter_next(it));
	g_mime_part_iter_free(it);
	return r;
}

/*
 * Every message the inbox took can be forwarded (spec 8, v2): an
 * original with a line over 998 octets (in its text, an unwrapped base64
 * attachment, quoted-printable, an attached message), a bare CR or a NUL
 * goes re-encoded, its text the same once decoded; one that cannot be (a
 * header line over 998 octets) goes as a file (a redirect: as a forward
 * with the file); no line of what is sent is over 998 octets.
 */
static void
test_forward_long_lines(void **state)
{
	GString *line = g_string_new(NULL), *hdrline = g_string_new(NULL);
	struct forward_spec f = base_spec;
	char *raw[7], *out, *got, *want;
	GString *b64 = g_string_new(NULL), *qp = g_string_new(NULL);
	gsize len;

	(void)state;
	for (int i = 0; i < 300; i++)
		g_string_append(line, "word\xc3\xa9 ");	/* 2100 octets */
	for (int i = 0; i < 120; i++)
		g_string_append(hdrline, "0123456789");
	raw[0] = g_strdup_printf("From: a@acme.de\r\nSubject: long\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\nHello\r\n%s\r\nBye\r\n",
	    line->str);
	raw[1] = g_strdup_printf("From: a@acme.de\nSubject: html\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/alternative; "
	    "boundary=b\n\n--b\nContent-Type: text/plain\n\nHello %s\n"
	    "--b\nContent-Type: text/html\n\n<p>%s</p>\n--b--\n",
	    line->str, line->str);
	raw[2] = g_strdup("From: a@acme.de\r\nSubject: cr\r\n\r\n"
	    "one\rtwo\r\n");
	raw[3] = g_strdup_printf("From: a@acme.de\r\nX-Long: %s\r\n"
	    "Subject: header\r\n\r\nHello %s\r\n", hdrline->str,
	    line->str);
	/* an attachment in base64 on one unwrapped line (PHP mailers) */
	for (int i = 0; i < 400; i++)
		g_string_append(b64, "QUJDREVGR0g=");
	g_string_truncate(b64, b64->len - 1);	/* one '=' at the end */
	raw[4] = g_strdup_printf("From: a@acme.de\r\nSubject: b64\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
	    "Hello\r\n--b\r\nContent-Type: application/pdf\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n",
	    b64->str);
	/* quoted-printable whose encoded lines are too long */
	for (int i = 0; i < 300; i++)
		g_string_append(qp, "caf=C3=A9 ");
	raw[5] = g_strdup_printf("From: a@acme.de\r\nSubject: qp\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8"
	    "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s"
	    "\r\n", qp->str);
	/* a message attached to it with a long line */
	raw[6] = g_strdup_printf("From: a@acme.de\r\nSubject: fwd\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
	    "See below\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
	    "From: c@d.example\r\nSubject: inner\r\n\r\n%s\r\n--b--\r\n",
	    line->str);
	for (int mode = 0; mode < 2; mode++)
		for (int i = 0; i < 7; i++) {
			GMimeMessage *m, *orig_msg;
			GMimeObject *orig;

			f.raw = raw[i];
			f.raw_len = strlen(raw[i]);
			assert_int_equal(mode == 0 ? smtp_build_forward(&f,
			    &out, &len) : smtp_build_redirect(&f, &out, &len),
			    LR_OK);
			assert_true(longest_line(out, len) <= 998);
			m = parse_message(out, len);
			orig_msg = parse_message(raw[i], strlen(raw[i]));
			want = first_text(GMIME_OBJECT(orig_msg));
			g_object_unref(orig_msg);
			if (mode == 1 && i == 3) {
				/* a redirect cannot help it: a forward,
				 * the original attached as a file */
				assert_null(hdr(m, "Resent-From"));
				assert_true(GMIME_IS_MULTIPART(
				    g_mime_message_get_mime_part(m)));
				g_free(want);
				g_object_unref(m);
				g_free(out);
				continue;
			}
			if (mode == 1)
				got = first_text(GMIME_OBJECT(m));
			else {
				orig = g_mime_multipart_get_part(GMIME_MULTIPART(
				    g_mime_message_get_mime_part(m)), 1);
				if (i == 3) {	/* as a file: the bytes */
					GMimeStream *s = g_mime_stream_mem_new();
					GByteArray *ba;
					char *type =
					    g_mime_content_type_get_mime_type(
					    g_mime_object_get_content_type(orig));

					assert_string_equal(type,
					    "application/octet-stream");
					g_free(type);
					g_mime_data_wrapper_write_to_stream(
					    g_mime_part_get_content(
					    GMIME_PART(orig)), s);
					ba = g_mime_stream_mem_get_byte_array(
					    GMIME_STREAM_MEM(s));
					assert_int_equal(ba->len, f.raw_len);
					assert_memory_equal(ba->data, raw[i],
					    f.raw_len);
					g_object_unref(s);
					g_free(want);
					g_object_unref(m);
					g_free(out);
					continue;
				}
				assert_true(GMIME_IS_MESSAGE_PART(orig));
				got = first_text(GMIME_OBJECT(
				    g_mime_message_part_get_message(
				    GMIME_MESSAGE_PART(orig))));
			}
			assert_non_null(got);
			assert_non_null(want);
			g_strdelimit(got, "\r", '\n');
			g_strdelimit(want, "\r", '\n');
			assert_string_equal(got, want);
			g_free(got);
			g_free(want);
			g_object_unref(m);
			g_free(out);
		}
	for (int i = 0; i < 7; i++)
		g_free(raw[i]);
	g_string_free(line, TRUE);
	g_string_free(hdrline, TRUE);
	g_string_free(b64, TRUE);
	g_string_free(qp, TRUE);
}

/* raw NULL: a message of its own (the review digest): the text alone. */
static void
test_forward_text_only(void **state)
{
	struct forward_spec f = base_spec;
	GMimeMessage *m;
	GMimeObject *part;
	char *out, *body;
	gsize len;

	(void)state;
	f.raw = NULL;
	f.raw_len = 0;
	f.reply_to = NULL;
	f.text = "2 leads are waiting\n\n  1. since Mon\n";
	assert_int_equal(smtp_build_forward(&f, &out, &len), LR_OK);
	assert_int_equal(strlen(out), len);
	assert_null(strstr(out, "\n\n\n"));	/* CRLF only */
	assert_null(strstr(out, "rfc822"));
	m = parse_message(out, len);
	part = g_mime_message_get_mime_part(m);
	assert_true(GMIME_IS_TEXT_PART(part));
	body = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	assert_string_equal(body, "2 leads are waiting\r\n\r\n  1. since "
	    "Mon\r\n");
	assert_int_equal(internet_address_list_length(
	    g_mime_message_get_reply_to(m)), 0);
	assert_string_equal(hdr(m, "Auto-Submitted"), "auto-generated");
	g_free(body);
	g_object_unref(m);
	g_free(out);
}

static void
test_forward_message_id(void **state)
{
	char *a, *b, *c, *d, *e;

	(void)state;
	a = smtp_message_id("<1@acme.de>", "dana", "Leads <leads@example.com>");
	b = smtp_message_id("<1@acme.de>", "dana", "Leads <leads@example.com>");
	c = smtp_message_id("<1@acme.de>", "lee", "Leads <leads@example.com>");
	d = smtp_message_id("<2@acme.de>", "dana", "Leads <leads@example.com>");
	e = smtp_message_id("<1@acme.de>", "dana", "no address");
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	assert_true(g_str_has_prefix(a, "lr-"));
	assert_int_equal(strchr(a, '@') - a, 3 + SMTP_MSGID_HEX);
	assert_true(g_str_has_suffix(a, "@example.com"));
	assert_true(g_str_has_suffix(e, "@leadroute.invalid"));
	/* "ab" + "c" and "a" + "bc" must not collide: the NUL separates. */
	g_free(b);
	g_free(c);
	b = smtp_message_id("ab", "c", NULL);
	c = smtp_message_id("a", "bc", NULL);
	assert_string_not_equal(b, c);
	g_free(a);
	g_free(b);
	g_free(c);
	g_free(d);
	g_free(e);
}

/* CR/LF in every caller-given value cannot start a header of its own. */
static void
test_forward_injection(void **state)
{
	struct forward_spec f = base_spec;
	GMimeMessage *m;
	char *out;
	gsize len;

	(void)state;
	f.subject = "Hi\r\nBcc: evil@evil.example";
	f.rule = "r1\nX-Evil: 1";
	f.dimensions = "a\r\n\r\nbody";
	f.reason = "why\rX-Evil2: 1";
	f.owner = "dana\nX-Evil3: 1";
	f.loop_token = "t\r\nBcc: evil2@evil.example";
	f.to = "Dana <dana@example.com>\r\nBcc: evil3@evil.example";
	f.reply_to = "Jane <jane@acme.de>\nBcc: evil4@evil.example";
	assert_int_equal(smtp_build_forward(&f, &out, &len), LR_OK);
	assert_false(has_header_line(out, "Bcc:"));
	assert_false(has_header_line(out, "X-Evil"));
	assert_false(has_header_line(out, "body"));
	m = parse_message(out, len);
	assert_null(hdr(m, "Bcc"));
	assert_null(hdr(m, "X-Evil"));
	assert_null(g_mime_message_get_bcc(m) != NULL &&
	    internet_address_list_length(g_mime_message_get_bcc(m)) > 0 ?
	    "bcc" : NULL);
	assert_non_null(strstr(g_mime_message_get_subject(m), "Bcc"));
	assert_string_equal(mailbox_addr(g_mime_message_get_to(m)),
	    "dana@example.com");
	g_object_unref(m);
	g_free(out);
}

static void
test_forward_non_ascii(void **state)
{
	static const char subj[] = "Neue Anfrage: Gr\xc3\xb6\xc3\x9f" "e "
	    "\xe2\x80\x94 M\xc3\xbcller GmbH \xe6\x9d\xb1\xe4\xba\xac";
	struct forward_spec f = base_spec;
	GMimeMessage *m;
	char *out, *hb;
	const char *p;
	gsize len;

	(void)state;
	f.subject = subj;
	f.to = "J\xc3\xb6rg Owner <joerg@example.com>";
	f.reason = "r\xc3\xa9gion DACH";
	assert_int_equal(smtp_build_forward(&f, &out, &len), LR_OK);
	hb = header_block(out);
	for (p = hb; *p != '\0'; p++)
		assert_true((unsigned char)*p < 0x80);
	assert_non_null(strstr(hb, "=?UTF-8?") != NULL ? hb :
	    strstr(hb, "=?utf-8?"));
	m = parse_message(out, len);
	assert_string_equal(g_mime_message_get_subject(m), subj);
	assert_string_equal(hdr(m, "X-Leadroute-Reason"), "r\xc3\xa9gion DACH");
	g_object_unref(m);
	g_free(hb);
	g_free(out);
}

static void
test_forward_bad_addresses(void **state)
{
	struct forward_spec f = base_spec;
	GMimeMessage *m;
	char *out;
	gsize len;

	(void)state;
	f.from = "no address here";
	assert_int_equal(smtp_build_forward(&f, &out, &len), LR_CONFIG);
	assert_null(out);
	f = base_spec;
	f.to = "";
	assert_int_equal(smtp_build_forward(&f, &out, &len), LR_CONFIG);
	assert_int_equal(smtp_build_redirect(&f, &out, &len), LR_CONFIG);
	/* a lead with a broken address is still forwarded, without Reply-To */
	f = base_spec;
	f.reply_to = "<<<@>>>";
	assert_int_equal(smtp_build_forward(&f, &out, &len), LR_OK);
	m = parse_message(out, len);
	assert_int_equal(internet_address_list_length(
	    g_mime_message_get_reply_to(m)), 0);
	g_object_unref(m);
	g_free(out);
}

static void
test_redirect(void **state)
{
	static const char *raws[] = { ORIG_CRLF, ORIG_LF };
	static const char *nls[] = { "\r\n", "\n" };
	struct forward_spec f = base_spec;
	GMimeMessage *m;
	char *out, *id, *want, *want_id;
	gsize len, i;

	(void)state;
	id = smtp_message_id(f.message_key, f.owner, f.from);
	want_id = g_strdup_printf("<%s>", id);
	for (i = 0; i < G_N_ELEMENTS(raws); i++) {
		f.raw = raws[i];
		f.raw_len = strlen(raws[i]);
		assert_int_equal(smtp_build_redirect(&f, &out, &len), LR_OK);
		assert_true(len > f.raw_len);
		assert_memory_equal(out + len - f.raw_len, f.raw, f.raw_len);
		assert_true(g_str_has_prefix(out, "Resent-Date: "));
		want = g_strdup_printf("%sResent-From: Lead Router "
		    "<leads@example.com>%sResent-To: Dana Owner "
		    "<dana@example.com>%sResent-Message-ID: <%s>%s"
		    "X-Leadroute-Loop: lr-5f1c%s", nls[i], nls[i], nls[i], id,
		    nls[i], nls[i]);
		assert_non_null(strstr(out, want));
		g_free(want);
		m = parse_message(out, len);
		if (i == 0)	/* the original's own Message-ID stays */
			assert_string_equal(g_mime_message_get_message_id(m),
			    "1@acme.de");
		assert_string_equal(hdr(m, "Resent-Message-ID"), want_id);
		assert_string_equal(mailbox_addr(g_mime_message_get_from(m)),
		    "jane@acme.de");
		g_object_unref(m);
		g_free(out);
	}
	g_free(want_id);
	g_free(id);
}

/* ---- signature, Retry-After, backoff, loopback ------------------------ */

static void
test_signature(void **state)
{
	/* RFC 4231 test case 2 */
	static const char data[] = "what do ya want for nothing?";
	char *sig;

	(void)state;
	sig = http_signature("Jefe", 4, data, strlen(data));
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	g_free(sig);
	sig = http_signature("", 0, "", 0);	/* RFC-less but stable */
	assert_string_equal(sig, "sha256=b613679a0814d9ec772f95d778c35fc5"
	    "ff1697c493715653c6c712144292c5ad");
	g_free(sig);
}

static void
test_retry_after(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT */
	const gint64 t = 784111777;
	static const struct {
		const char *v;
		gint64 now_off;	/* now = t + now_off */
		gint64 want;
	} cases[] = {
		{ "2", 0, 2 },
		{ "0", 0, 0 },
		{ " 120 ", 0, 120 },
		{ "86400", 0, 86400 },
		{ "86401", 0, HTTP_MAX_RETRY_AFTER },
		{ "99999999999999999999999999", 0, HTTP_MAX_RETRY_AFTER },
		{ "Sun, 06 Nov 1994 08:49:37 GMT", -10, 10 },
		{ "Sunday, 06-Nov-94 08:49:37 GMT", -10, 10 },
		{ "Sun Nov  6 08:49:37 1994", -10, 10 },
		{ "Sun, 06 Nov 1994 08:49:37 GMT", 100, 0 },	/* past */
		{ "Sun, 06 Nov 1994 08:49:37 GMT", -1000000, 86400 },
		{ "", 0, -1 },
		{ "   ", 0, -1 },
		{ "-5", 0, -1 },
		{ "+5", 0, -1 },
		{ "1.5", 0, -1 },
		{ "12abc", 0, -1 },
		{ "soon", 0, -1 },
		{ "Sun, 32 Nov 1994 08:49:37 GMT", 0, -1 },
		{ "Sun, 06 Foo 1994 08:49:37 GMT", 0, -1 },
		{ "Sun, 06 Nov 1994 25:49:37 GMT", 0, -1 },
		{ "Sun, 06 Nov 1994 08:49:37 GMT junk", 0, -1 },
		{ "Sun, 06 Nov 1994 08:49:37 CET", 0, -1 },
		{ "Sun, 06 Nov 1994", 0, -1 },
	};
	gsize i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		gint64 got = http_parse_retry_after(cases[i].v,
		    t + cases[i].now_off);

		if (got != cases[i].want)
			fail_msg("\"%s\": %" G_GINT64_FORMAT ", want %"
			    G_GINT64_FORMAT, cases[i].v, got, cases[i].want);
	}
	assert_int_equal(http_parse_retry_after(NULL, t), -1);
}

static guint32
fixed_rand(void *arg)
{
	return *(guint32 *)arg;
}

static void
test_backoff(void **state)
{
	static const struct {
		gint64 base, cap;
		guint attempt;
		gint64 retry_after;
		guint32 rnd;
		gint64 want;
	} cases[] = {
		{ 30, 3600, 1, -1, 0, 15 },	/* [15, 30] */
		{ 30, 3600, 1, -1, 15, 30 },
		{ 30, 3600, 1, -1, 16, 15 },	/* rnd % 16 */
		{ 30, 3600, 0, -1, 0, 15 },	/* 0 counts as the first */
		{ 30, 3600, 2, -1, 0, 30 },	/* [30, 60] */
		{ 30, 3600, 3, -1, 60, 120 },	/* [60, 120] */
		{ 30, 3600, 8, -1, 0, 1800 },	/* 3840 capped at 3600 */
		{ 30, 3600, 8, -1, 1800, 3600 },
		{ 30, 3600, 1000, -1, 7, 1807 },	/* no overflow */
		{ 30, 3600, 1, 2, 0, 15 },	/* Retry-After shorter */
		{ 30, 3600, 1, 100, 0, 100 },	/* Retry-After longer */
		{ 30, 3600, 1, 7200, 0, 7200 },	/* may exceed cap */
		{ 30, 3600, 1, 10 * 86400, 0, HTTP_MAX_RETRY_AFTER },
		{ 0, 3600, 5, -1, 99, 0 },
		{ 0, 3600, 5, 3, 99, 3 },
		{ 1, 1, 3, -1, 1, 1 },
		{ -5, 3600, 1, -1, 0, 0 },	/* garbage in: 0, not negative */
	};
	gsize i;
	gint64 got;
	guint32 r;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		r = cases[i].rnd;
		got = http_backoff(cases[i].base, cases[i].cap,
		    cases[i].attempt, cases[i].retry_after, fixed_rand, &r);
		if (got != cases[i].want)
			fail_msg("case %zu: %" G_GINT64_FORMAT ", want %"
			    G_GINT64_FORMAT, i, got, cases[i].want);
	}
	for (i = 0; i < 1000; i++) {	/* the real random source */
		got = http_backoff(30, 3600, 4, -1, NULL, NULL);
		assert_in_range(got, 120, 240);
	}
}

static void
test_loopback(void **state)
{
	static const struct {
		const char *host;
		gboolean want;
	} cases[] = {
		{ "127.0.0.1", TRUE },
		{ "127.5.5.5", TRUE },
		{ "127.255.255.255", TRUE },
		{ "::1", TRUE },
		{ "[::1]", TRUE },
		{ "0:0:0:0:0:0:0:1", TRUE },
		{ "::ffff:127.0.0.1", TRUE },
		{ "localhost", TRUE },
		{ "LocalHost", TRUE },
		{ "localhost.", TRUE },
		/* a localhost name counts only when it resolves to loopback
		 * alone; this one does not resolve here (Debian's hosts) */
		{ "nosuch-lr-test.localhost", FALSE },
		{ "localhost.localdomain", FALSE },	/* resolved by DNS */
		{ "localhost.example.com", FALSE },
		{ "notlocalhost", FALSE },
		{ "10.0.0.1", FALSE },
		{ "128.0.0.1", FALSE },
		{ "126.255.255.255", FALSE },
		{ "::2", FALSE },
		{ "[::1", FALSE },
		{ "::ffff:10.0.0.1", FALSE },
		{ "127.0.0.1.example.com", FALSE },
		{ "example.com", FALSE },
		{ "", FALSE },
	};
	gsize i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		if (net_host_is_loopback(cases[i].host) != cases[i].want)
			fail_msg("%s: want %d", cases[i].host, cases[i].want);
	assert_false(net_host_is_loopback(NULL));
}

/* ---- stderr capture: what the log says ---------------------------------- */

struct capture {
	int saved;
	char path[64];
};

static void
capture_start(struct capture *cap)
{
	int fd;

	g_strlcpy(cap->path, "/tmp/test_deliver.XXXXXX", sizeof(cap->path));
	fd = mkstemp(cap->path);
	assert_true(fd >= 0);
	fflush(stderr);
	cap->saved = dup(2);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
	log_set_level(LOG_LVL_DEBUG);
}

/* Stop capturing; the caller owns what was logged. */
static char *
capture_end(struct capture *cap)
{
	char *text = NULL;

	log_set_level(LOG_LVL_WARN);
	fflush(stderr);
	dup2(cap->saved, 2);
	close(cap->saved);
	assert_true(g_file_get_contents(cap->path, &text, NULL, NULL));
	unlink(cap->path);
	return text;
}

/* ---- responders on 127.0.0.1 ------------------------------------------- */

struct conn {
	int fd;
	GString *in;		/* read, not yet consumed */
	gint64 deadline;
	gint *stop;
};

/* Wait for fd to be readable; FALSE on stop or deadline. */
static gboolean
wait_readable(int fd, gint *stop, gint64 deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (!g_atomic_int_get(stop) && g_get_monotonic_time() < deadline) {
		if (poll(&pfd, 1, 50) > 0)
			return TRUE;
	}
	return FALSE;
}

/* Read until in holds n bytes (n = 0: a line); FALSE on EOF or time. */
static gboolean
conn_fill(struct conn *c, gsize n)
{
	char buf[4096];
	ssize_t r;

	while (n > 0 ? c->in->len < n : memchr(c->in->str, '\n',
	    c->in->len) == NULL) {
		if (!wait_readable(c->fd, c->stop, c->deadline))
			return FALSE;
		r = read(c->fd, buf, sizeof(buf));
		if (r <= 0)
			return FALSE;
		g_string_append_len(c->in, buf, r);
	}
	return TRUE;
}

/* One line without CR LF, owned by the caller; NULL on EOF or time. */
static char *
conn_line(struct conn *c)
{
	char *nl, *line;
	gsize n;

	if (!conn_fill(c, 0))
		return NULL;
	nl = memchr(c->in->str, '\n', c->in->len);
	n = nl - c->in->str;
	line = g_strndup(c->in->str, n > 0 && nl[-1] == '\r' ? n - 1 : n);
	g_string_erase(c->in, 0, n + 1);
	return line;
}

static void
conn_say(struct conn *c, const char *s)
{
	gsize off = 0;
	ssize_t r;

	while (off < strlen(s)) {
		r = write(c->fd, s + off, strlen(s) - off);
		if (r <= 0)
			return;
		off += r;
	}
}

/* A listening socket on 127.0.0.1 and its port. */
static int
listen_loopback(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A port nothing listens on. */
static int
closed_port(void)
{
	int port, fd = listen_loopback(&port);

	close(fd);
	return port;
}

struct server {
	int lfd, port;
	gint stop;
	GThread *thread;
	void (*serve)(struct server *, struct conn *);
	/* SMTP script: per transaction (MAIL FROM), 0 = 250 */
	const char *password;	/* offer AUTH, accept this password */
	int rcpt_code[MAX_SCRIPT];
	int data_code[MAX_SCRIPT];
	/* HTTP script: per request */
	char *response[MAX_SCRIPT];	/* owned */
	/* what arrived */
	int conns, transactions, requests;
	GString *log;		/* envelope commands and requests */
	GPtrArray *data;	/* of char *: message data, dot-unstuffed */
};

static gpointer
server_main(gpointer arg)
{
	struct server *sv = arg;
	struct conn c;
	int fd;

	while (wait_readable(sv->lfd, &sv->stop, G_MAXINT64)) {
		fd = accept(sv->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		sv->conns++;
		c.fd = fd;
		c.in = g_string_new(NULL);
		c.deadline = g_get_monotonic_time() + IO_DEADLINE_US;
		c.stop = &sv->stop;
		sv->serve(sv, &c);
		g_string_free(c.in, TRUE);
		close(fd);
	}
	return NULL;
}

static struct server *
server_start(void (*serve)(struct server *, struct conn *))
{
	struct server *sv = g_new0(struct server, 1);

	sv->serve = serve;
	sv->log = g_string_new(NULL);
	sv->data = g_ptr_array_new_with_free_func(g_free);
	sv->lfd = listen_loopback(&sv->port);
	sv->thread = g_thread_new("responder", server_main, sv);
	return sv;
}

/* Stop and join; what arrived may be read afterwards. */
static void
server_stop(struct server *sv)
{
	g_atomic_int_set(&sv->stop, 1);
	g_thread_join(sv->thread);
	close(sv->lfd);
}

static void
server_free(struct server *sv)
{
	int i;

	for (i = 0; i < MAX_SCRIPT; i++)
		g_free(sv->response[i]);
	g_string_free(sv->log, TRUE);
	g_ptr_array_free(sv->data, TRUE);
	g_free(sv);
}

static char *
smtp_reply(int code, const char *dflt)
{
	if (code == 0)
		return g_strdup(dflt);
	return g_strdup_printf("%d %d.0.0 scripted %s\r\n", code, code / 100,
	    code >= 500 ? "no such user" : "try again later");
}

/* Read DATA up to the lone dot, undoing the dot-stuffing. */
static gboolean
smtp_read_data(struct conn *c, GString *msg)
{
	char *line;

	while ((line = conn_line(c)) != NULL) {
		if (strcmp(line, ".") == 0) {
			g_free(line);
			return TRUE;
		}
		g_string_append(msg, line[0] == '.' ? line + 1 : line);
		g_string_append(msg, "\r\n");
		g_free(line);
	}
	return FALSE;
}

static void
smtp_data(struct server *sv, struct conn *c)
{
	GString *msg = g_string_new(NULL);
	int t = MIN(sv->transactions - 1, MAX_SCRIPT - 1);
	char *r;

	conn_say(c, "354 go ahead\r\n");
	if (smtp_read_data(c, msg)) {
		g_ptr_array_add(sv->data, g_string_free(msg, FALSE));
		r = smtp_reply(sv->data_code[t], "250 2.0.0 Ok: queued\r\n");
		conn_say(c, r);
		g_free(r);
	} else {
		g_string_free(msg, TRUE);
	}
}

/* The password in a base64 SASL PLAIN response, or NULL. */
static char *
plain_password(const char *b64)
{
	gsize n;
	guchar *dec = g_base64_decode(b64, &n);
	const guchar *z1 = memchr(dec, '\0', n), *z2 = NULL;
	char *r = NULL;

	if (z1 != NULL)
		z2 = memchr(z1 + 1, '\0', n - (z1 + 1 - dec));
	if (z2 != NULL)
		r = g_strndup((const char *)z2 + 1, n - (z2 + 1 - dec));
	g_free(dec);
	return r;
}

/* AUTH PLAIN or LOGIN, with or without an initial response. */
static void
smtp_auth(struct server *sv, struct conn *c, const char *line)
{
	char *resp = NULL, *user = NULL, *got = NULL;
	gsize n;

	if (g_ascii_strncasecmp(line, "AUTH PLAIN ", 11) == 0) {
		got = plain_password(line + 11);
	} else if (g_ascii_strcasecmp(line, "AUTH PLAIN") == 0) {
		conn_say(c, "334 \r\n");
		resp = conn_line(c);
		got = resp != NULL ? plain_password(resp) : NULL;
	} else if (g_ascii_strncasecmp(line, "AUTH LOGIN", 10) == 0) {
		conn_say(c, "334 VXNlcm5hbWU6\r\n");
		user = conn_line(c);
		conn_say(c, "334 UGFzc3dvcmQ6\r\n");
		resp = conn_line(c);
		got = resp != NULL ? (char *)g_base64_decode(resp, &n) : NULL;
		got = got != NULL ? g_realloc(got, n + 1) : NULL;
		if (got != NULL)
			got[n] = '\0';
	}
	if (got != NULL && strcmp(got, sv->password) == 0)
		conn_say(c, "235 2.7.0 Authentication successful\r\n");
	else
		conn_say(c, "535 5.7.8 Authentication credentials invalid\r\n");
	g_free(got);
	g_free(resp);
	g_free(user);
}

static void
smtp_serve(struct server *sv, struct conn *c)
{
	char *line, *r;
	int t;

	conn_say(c, "220 sink.test ESMTP\r\n");
	while ((line = conn_line(c)) != NULL) {
		g_string_append_printf(sv->log, "%s\n", line);
		t = MIN(MAX(sv->transactions - 1, 0), MAX_SCRIPT - 1);
		if (g_ascii_strncasecmp(line, "EHLO", 4) == 0)
			conn_say(c, sv->password != NULL ? "250-sink.test\r\n"
			    "250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n" :
			    "250-sink.test\r\n250-8BITMIME\r\n250 SIZE"
			    " 1000000\r\n");
		else if (g_ascii_strncasecmp(line, "AUTH", 4) == 0)
			smtp_auth(sv, c, line);
		else if (g_ascii_strncasecmp(line, "MAIL", 4) == 0) {
			sv->transactions++;
			conn_say(c, "250 2.1.0 Ok\r\n");
		} else if (g_ascii_strncasecmp(line, "RCPT", 4) == 0) {
			r = smtp_reply(sv->rcpt_code[t], "250 2.1.5 Ok\r\n");
			conn_say(c, r);
			g_free(r);
		} else if (g_ascii_strncasecmp(line, "DATA", 4) == 0)
			smtp_data(sv, c);
		else if (g_ascii_strncasecmp(line, "QUIT", 4) == 0) {
			conn_say(c, "221 2.0.0 Bye\r\n");
			g_free(line);
			return;
		} else if (g_ascii_strncasecmp(line, "RSET", 4) == 0 ||
		    g_ascii_strncasecmp(line, "NOOP", 4) == 0)
			conn_say(c, "250 2.0.0 Ok\r\n");
		else
			conn_say(c, "502 5.5.2 Error: command not recognized\r\n");
		g_free(line);
	}
}

static struct smtp *
sink_client(const struct server *sv, const char *host, gboolean plaintext,
    const char *const *connect_to)
{
	struct smtp_config cfg = {
		.from = "Lead Router <leads@example.com>",
		.allow_plaintext = plaintext,
		.timeout = 5,
		.connect_to = connect_to,
	};
	struct smtp *s;
	char *url = g_strdup_printf("smtp://%s:%d", host, sv->port);

	cfg.url = url;
	assert_int_equal(smtp_new(&cfg, &s), LR_OK);
	g_free(url);
	return s;
}

static const char *const owner_rcpt[] = { "dana@example.com", NULL };

/* Two messages over one connection; the data arrives as sent. */
static void
test_smtp_send(void **state)
{
	static const char lf_msg[] = "Subject: two\n\n.starts with a dot\n"
	    "..two dots\nend";
	struct server *sv = server_start(smtp_serve);
	struct smtp *s = sink_client(sv, "127.0.0.1", FALSE, NULL);
	struct smtp_result res;
	char *fwd;
	gsize len;

	(void)state;
	assert_string_equal(smtp_sender(s), "leads@example.com");
	assert_int_equal(smtp_build_forward(&base_spec, &fwd, &len), LR_OK);
	assert_int_equal(smtp_send(s, NULL, owner_rcpt, fwd, len, &res), LR_OK);
	assert_int_equal(res.code, 250);
	assert_false(res.permanent);
	assert_non_null(strstr(res.text, "queued"));
	smtp_result_clear(&res);
	assert_int_equal(smtp_send(s, "bounce@example.com", owner_rcpt, lf_msg,
	    strlen(lf_msg), &res), LR_OK);
	smtp_result_clear(&res);
	smtp_free(s);
	server_stop(sv);
	assert_int_equal(sv->conns, 1);
	assert_int_equal(sv->data->len, 2);
	assert_string_equal(g_ptr_array_index(sv->data, 0), fwd);
	assert_string_equal(g_ptr_array_index(sv->data, 1), "Subject: two\r\n"
	    "\r\n.starts with a dot\r\n..two dots\r\nend\r\n");
	assert_non_null(strstr(sv->log->str,
	    "MAIL FROM:<leads@example.com>"));
	assert_non_null(strstr(sv->log->str,
	    "MAIL FROM:<bounce@example.com>"));
	assert_non_null(strstr(sv->log->str, "RCPT TO:<dana@example.com>"));
	assert_non_null(strstr(sv->log->str, "QUIT"));
	server_free(sv);
	g_free(fwd);
}

/* 451 after DATA: retry later; the next try goes through. 550: give up. */
static void
test_smtp_codes(void **state)
{
	static const char msg[] = "Subject: x\r\n\r\nhi\r\n";
	struct server *sv = server_start(smtp_serve);
	struct smtp *s = sink_client(sv, "127.0.0.1", FALSE, NULL);
	struct smtp_result res;

	(void)state;
	sv->data_code[0] = 451;
	sv->rcpt_code[2] = 550;
	assert_int_equal(smtp_send(s, NULL, owner_rcpt, msg, strlen(msg),
	    &res), LR_TEMPFAIL);
	assert_int_equal(res.code, 451);
	assert_false(res.permanent);
	assert_non_null(strstr(res.text, "451 4.0.0 scripted"));
	smtp_result_clear(&res);
	assert_int_equal(smtp_send(s, NULL, owner_rcpt, msg, strlen(msg),
	    &res), LR_OK);
	assert_int_equal(res.code, 250);
	smtp_result_clear(&res);
	assert_int_equal(smtp_send(s, NULL, owner_rcpt, msg, strlen(msg),
	    &res), LR_BADMSG);
	assert_int_equal(res.code, 550);
	assert_true(res.permanent);
	assert_non_null(strstr(res.text, "550 5.0.0 scripted no such user"));
	smtp_result_clear(&res);
	smtp_free(s);
	server_stop(sv);
	assert_int_equal(sv->transactions, 3);
	assert_int_equal(sv->data->len, 2);
	server_free(sv);
}

/* AUTH over loopback plaintext; the debug log never shows secrets. */
static void
test_smtp_auth(void **state)
{
	static const char msg[] = "Subject: x\r\n\r\nhi\r\n";
	static const char *const passwords[] = { "hunter2", "wrong" };
	static const enum lr_status want[] = { LR_OK, LR_CONFIG };
	struct smtp_config cfg = { .from = "leads@example.com", .timeout = 5,
	    .user = "leads@example.com" };
	struct server *sv = server_start(smtp_serve);
	char *url = g_strdup_printf("smtp://127.0.0.1:%d", sv->port);
	struct smtp_result res;
	struct capture cap;
	struct smtp *s;
	char *logged, *b64;
	gsize i;

	(void)state;
	sv->password = "hunter2";
	cfg.url = url;
	capture_start(&cap);
	for (i = 0; i < G_N_ELEMENTS(passwords); i++) {
		cfg.password = passwords[i];
		assert_int_equal(smtp_new(&cfg, &s), LR_OK);
		assert_int_equal(smtp_send(s, NULL, owner_rcpt, msg,
		    strlen(msg), &res), want[i]);
		assert_false(res.permanent);
		smtp_result_clear(&res);
		smtp_free(s);
	}
	logged = capture_end(&cap);
	server_stop(sv);
	assert_int_equal(sv->data->len, 1);
	assert_non_null(strstr(logged, "smtp: > AUTH "));
	assert_non_null(strstr(logged, "[redacted]"));
	assert_non_null(strstr(logged, "smtp: > MAIL FROM:<leads@example.com>"));
	assert_null(strstr(logged, "hunter2"));
	b64 = g_base64_encode((const guchar *)"hunter2", 7);
	assert_null(strstr(logged, b64));
	g_free(b64);
	b64 = g_base64_encode((const guchar *)"\0leads@example.com\0hunter2",
	    27);
	assert_null(strstr(logged, b64));
	g_free(b64);
	g_free(logged);
	g_free(url);
	server_free(sv);
}

/* Nobody listening: retry later, no reply code. */
static void
test_smtp_refused(void **state)
{
	struct smtp_config cfg = { .from = "leads@example.com", .timeout = 5 };
	struct smtp_result res;
	struct smtp *s;
	char *url = g_strdup_printf("smtp://127.0.0.1:%d", closed_port());

	(void)state;
	cfg.url = url;
	assert_int_equal(smtp_new(&cfg, &s), LR_OK);
	assert_int_equal(smtp_send(s, NULL, owner_rcpt, "x", 1, &res),
	    LR_TEMPFAIL);
	assert_int_equal(res.code, 0);
	assert_false(res.permanent);
	assert_non_null(res.text);
	smtp_result_clear(&res);
	smtp_free(s);
	g_free(url);
}

/* A non-loopback smtp:// host must offer STARTTLS; the sink does not.
 * CURLOPT_CONNECT_TO points the name at 127.0.0.1: no DNS, no network. */
static void
test_smtp_starttls_required(void **state)
{
	static const char msg[] = "Subject: x\r\n\r\nhi\r\n";
	struct server *sv = server_start(smtp_serve);
	char *map = g_strdup_printf("mail.example.test:%d:127.0.0.1:%d",
	    sv->port, sv->port);
	const char *const connect_to[] = { map, NULL };
	struct smtp_result res;
	struct smtp *s;

	(void)state;
	s = sink_client(sv, "mail.example.test", FALSE, connect_to);
	assert_int_equal(smtp_send(s, NULL, owner_rcpt, msg, strlen(msg),
	    &res), LR_TEMPFAIL);
	assert_false(res.permanent);
	smtp_result_clear(&res);
	smtp_free(s);
	s = sink_client(sv, "mail.example.test", TRUE, connect_to);
	assert_int_equal(smtp_send(s, NULL, owner_rcpt, msg, strlen(msg),
	    &res), LR_OK);
	smtp_result_clear(&res);
	smtp_free(s);
	server_stop(sv);
	assert_int_equal(sv->transactions, 1);	/* only the plaintext one */
	assert_int_equal(sv->data->len, 1);
	server_free(sv);
	g_free(map);
}

static void
test_smtp_config(void **state)
{
	static const struct {
		const char *url, *from;
		enum lr_status want;
	} cases[] = {
		{ "smtp://smtp.example.com:587", "L <leads@example.com>", LR_OK },
		{ "smtps://smtp.example.com", "leads@example.com", LR_OK },
		{ "SMTP://[::1]:25", "leads@example.com", LR_OK },
		{ "http://smtp.example.com", "leads@example.com", LR_CONFIG },
		{ "imaps://smtp.example.com", "leads@example.com", LR_CONFIG },
		{ "not a url", "leads@example.com", LR_CONFIG },
		{ "", "leads@example.com", LR_CONFIG },
		{ NULL, "leads@example.com", LR_CONFIG },
		{ "smtp://smtp.example.com", "Lead Router", LR_CONFIG },
		{ "smtp://smtp.example.com", "", LR_CONFIG },
		{ "smtp://smtp.example.com", NULL, LR_CONFIG },
	};
	struct smtp_config cfg = { 0 };
	struct smtp *s;
	gsize i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		cfg.url = cases[i].url;
		cfg.from = cases[i].from;
		if (smtp_new(&cfg, &s) != cases[i].want)
			fail_msg("case %zu (%s)", i, cases[i].url);
		assert_true((s != NULL) == (cases[i].want == LR_OK));
		smtp_free(s);
	}
}

/* Envelope addresses go into SMTP commands: nothing may be smuggled. */
static void
test_smtp_envelope(void **state)
{
	static const char *const bad[][2] = {
		{ "a@b.example>\r\nRSET", NULL },
		{ "a@b.example SIZE=1", NULL },
		{ "<a@b.example>", NULL },
		{ "no-at-sign", NULL },
		{ "", NULL },
	};
	static const char *const none[] = { NULL };
	struct smtp_config cfg = { .url = "smtp://127.0.0.1:9",
	    .from = "leads@example.com" };
	struct smtp_result res;
	struct smtp *s;
	gsize i;

	(void)state;
	assert_int_equal(smtp_new(&cfg, &s), LR_OK);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_int_equal(smtp_send(s, NULL, bad[i], "x", 1, &res),
		    LR_CONFIG);
		smtp_result_clear(&res);
		assert_int_equal(smtp_send(s, bad[i][0], owner_rcpt, "x", 1,
		    &res), LR_CONFIG);
		smtp_result_clear(&res);
	}
	assert_int_equal(smtp_send(s, NULL, none, "x", 1, &res), LR_CONFIG);
	smtp_result_clear(&res);
	assert_int_equal(smtp_send(s, NULL, NULL, "x", 1, &res), LR_CONFIG);
	smtp_result_clear(&res);
	smtp_free(s);
}

/* HTTP: answer each request with the next scripted response. */
static void
http_serve(struct server *sv, struct conn *c)
{
	gsize clen = 0, hlen;
	char *line;
	const char *resp;
	GString *req = g_string_new(NULL);

	while ((line = conn_line(c)) != NULL && *line != '\0') {
		if (g_ascii_strncasecmp(line, "Content-Length:", 15) == 0)
			clen = g_ascii_strtoull(line + 15, NULL, 10);
		g_string_append_printf(req, "%s\n", line);
		g_free(line);
	}
	if (line == NULL)
		goto out;
	g_free(line);
	g_string_append(req, "\n");
	hlen = req->len;
	if (!conn_fill(c, clen))
		goto out;
	g_string_append_len(req, c->in->str, clen);
	g_string_erase(c->in, 0, clen);
	resp = sv->response[MIN(sv->requests, MAX_SCRIPT - 1)];
	sv->requests++;
	g_ptr_array_add(sv->data, g_strdup(req->str + hlen));
	g_string_append(sv->log, req->str);
	conn_say(c, resp);
out:
	g_string_free(req, TRUE);
}

static char *
http_reply(const char *status, const char *extra, const char *body)
{
	return g_strdup_printf("HTTP/1.1 %s\r\nContent-Type: application/json"
	    "\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n%s",
	    status, extra, strlen(body), body);
}

static char *
http_url(const struct server *sv, const char *path)
{
	return g_strdup_printf("http://127.0.0.1:%d%s", sv->port, path);
}

static void
test_http_classes(void **state)
{
	static const char body[] = "{\"text\":\"New lead: Acme\"}";
	struct server *sv = server_start(http_serve);
	struct http_config cfg = { .timeout = 5 };
	struct http *h = http_new(&cfg);
	struct http_result res;
	char *sig = http_signature("s3cret", 6, body, strlen(body));
	char *sig_hdr = g_strconcat("X-Leadroute-Signature: ", sig, NULL);
	const char *const headers[] = { sig_hdr,
	    "Authorization: Bearer xoxb-test", NULL };
	char *url = http_url(sv, "/hook/T000/B000/secretpath");
	struct capture cap;
	char *logged;
	static const struct {
		enum lr_status want;
		long status;
		gint64 retry_after;
		gboolean permanent;
		const char *body;
	} want[] = {
		{ LR_OK, 200, -1, FALSE, "{\"ok\":true}" },
		{ LR_TEMPFAIL, 429, 2, FALSE, "{\"ok\":false,\"error\":"
		    "\"ratelimited\"}" },
		{ LR_TEMPFAIL, 500, -1, FALSE, "" },
		{ LR_BADMSG, 404, -1, TRUE, "no_service" },
		{ LR_OK, 200, -1, FALSE, "{\"ok\":false,\"error\":"
		    "\"channel_not_found\"}" },
		{ LR_TEMPFAIL, 503, 120, FALSE, "" },
	};
	gsize i;

	(void)state;
	sv->response[0] = http_reply("200 OK", "", "{\"ok\":true}");
	sv->response[1] = http_reply("429 Too Many Requests",
	    "Retry-After: 2\r\n", "{\"ok\":false,\"error\":\"ratelimited\"}");
	sv->response[2] = http_reply("500 Internal Server Error", "", "");
	sv->response[3] = http_reply("404 Not Found", "", "no_service");
	sv->response[4] = http_reply("200 OK", "",
	    "{\"ok\":false,\"error\":\"channel_not_found\"}");
	sv->response[5] = http_reply("503 Service Unavailable",
	    "Retry-After: 120\r\n", "");
	capture_start(&cap);
	for (i = 0; i < G_N_ELEMENTS(want); i++) {
		if (http_post_json(h, url, body, headers, &res) != want[i].want)
			fail_msg("request %zu: status %ld", i, res.status);
		assert_int_equal(res.status, want[i].status);
		assert_int_equal(res.retry_after, want[i].retry_after);
		assert_int_equal(res.permanent, want[i].permanent);
		assert_string_equal(res.body, want[i].body);
		http_result_clear(&res);
	}
	logged = capture_end(&cap);
	assert_non_null(strstr(logged, "http: POST to 127.0.0.1: status 429"));
	assert_null(strstr(logged, "secretpath"));
	assert_null(strstr(logged, "xoxb-test"));
	assert_null(strstr(logged, sig));
	g_free(logged);
	http_free(h);
	server_stop(sv);
	assert_int_equal(sv->requests, G_N_ELEMENTS(want));
	for (i = 0; i < sv->data->len; i++)
		assert_string_equal(g_ptr_array_index(sv->data, i), body);
	assert_non_null(strstr(sv->log->str,
	    "POST /hook/T000/B000/secretpath HTTP/1.1"));
	assert_non_null(strstr(sv->log->str,
	    "Content-Type: application/json"));
	assert_non_null(strstr(sv->log->str, sig_hdr));
	assert_non_null(strstr(sv->log->str, "Authorization: Bearer xoxb-test"));
	assert_null(strstr(sv->log->str, "Expect:"));
	server_free(sv);
	g_free(url);
	g_free(sig_hdr);
	g_free(sig);
}

static void
test_http_errors(void **state)
{
	struct http_config cfg = { .timeout = 5 };
	struct http *h = http_new(&cfg);
	struct http_result res;
	char *url = g_strdup_printf("http://127.0.0.1:%d/", closed_port());

	(void)state;
	assert_int_equal(http_post_json(h, url, "{}", NULL, &res),
	    LR_TEMPFAIL);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.retry_after, -1);
	assert_non_null(res.error);
	assert_string_equal(res.body, "");
	http_result_clear(&res);
	assert_int_equal(http_post_json(h, "ftp://127.0.0.1:1/", "{}", NULL,
	    &res), LR_CONFIG);
	http_result_clear(&res);
	assert_int_equal(http_post_json(h, "not a url", "{}", NULL, &res),
	    LR_CONFIG);
	http_result_clear(&res);
	http_free(h);
	g_free(url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_headers),
		cmocka_unit_test(test_forward_encoded_word_injection),
		cmocka_unit_test(test_forward_parts),
		cmocka_unit_test(test_forward_long_lines),
		cmocka_unit_test(test_forward_text_only),
		cmocka_unit_test(test_forward_message_id),
		cmocka_unit_test(test_forward_injection),
		cmocka_unit_test(test_forward_non_ascii),
		cmocka_unit_test(test_forward_bad_addresses),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_smtp_config),
		cmocka_unit_test(test_smtp_envelope),
		cmocka_unit_test(test_smtp_send),
		cmocka_unit_test(test_smtp_codes),
		cmocka_unit_test(test_smtp_auth),
		cmocka_unit_test(test_smtp_refused),
		cmocka_unit_test(test_smtp_starttls_required),
		cmocka_unit_test(test_http_classes),
		cmocka_unit_test(test_http_errors),
	};

	/* Only ever 127.0.0.1: no proxy may stand in between. */
	g_unsetenv("http_proxy");
	g_unsetenv("https_proxy");
	g_unsetenv("HTTPS_PROXY");
	g_unsetenv("all_proxy");
	g_unsetenv("ALL_PROXY");
	g_setenv("no_proxy", "*", TRUE);
	g_mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
