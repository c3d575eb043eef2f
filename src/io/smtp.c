/*
 * smtp.c: building forward and redirect messages with GMime, and sending
 * them over SMTP with libcurl.
 *
 * One CURL easy handle per struct smtp: libcurl keeps the connection in
 * the handle's cache and reuses it for the next message to the same
 * server. smtp:// always asks for STARTTLS (CURLUSESSL_ALL), except to a
 * loopback host or with allow_plaintext, where it uses STARTTLS whenever
 * the server offers it (CURLUSESSL_TRY: a Postfix submission offers AUTH
 * only after it) and goes on in plaintext when it does not. Peers are
 * verified, but for a loopback host without ca_file (its certificate is
 * usually the snakeoil one, and the connection never leaves the host).
 *
 * The server's replies are read from libcurl's debug callback, which is
 * also the one place protocol lines are logged: AUTH arguments and
 * anything we send that is not a plain SMTP verb are redacted there.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <curl/curl.h>
#include <gmime/gmime.h>

#include "log.h"
#include "net.h"
#include "oauth.h"
#include "smtp.h"
#include "template.h"

#define INVALID_DOMAIN	"leadroute.invalid"
#define MAX_ADDR_LEN	254	/* of one envelope address */
#define MAX_LINE	998	/* RFC 5322 line length, for the 8bit test */

struct smtp {
	CURL *curl;			/* owned */
	char *sender;			/* owned: envelope from */
	struct curl_slist *connect_to;	/* owned */
	GString *reply;			/* owned: last reply, capped */
	gboolean reply_done;		/* reply holds a complete reply */
	gboolean in_auth;		/* redact what we send */
	gboolean quitting;		/* QUIT sent: keep the reply before */
	struct oauth *oauth;		/* borrowed; NULL: password or none */
	char errbuf[CURL_ERROR_SIZE];
};

struct cursor {
	const guint8 *p;
	gsize left;
};

/* The length of data with every bare LF made CRLF. */
static gsize
crlf_len(const char *data, gsize len)
{
	gsize i, n = len;

	for (i = 0; i < len; i++)
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			n++;
	return n;
}

/* Copy data to dst (crlf_len() bytes of room) with every bare LF
 * made CRLF; the end of what was written. */
static char *
crlf_copy(char *dst, const char *data, gsize len)
{
	gsize i, start = 0;

	for (i = 0; i < len; i++) {
		if (data[i] != '\n' || (i > 0 && data[i - 1] == '\r'))
			continue;
		memcpy(dst, data + start, i - start);
		dst += i - start;
		*dst++ = '\r';
		*dst++ = '\n';
		start = i + 1;
	}
	memcpy(dst, data + start, len - start);
	return dst + (len - start);
}

/* libcurl and GMime are set up once per process. */
static void
smtp_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_mime_init();
		g_once_init_leave(&once, 1);
	}
}


/* A copy of s with CR, LF and other control characters made spaces. */
static char *
header_clean(const char *s)
{
	char *r = g_strdup(s != NULL ? s : "");
	char *p;

	for (p = r; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return r;
}

/*
 * A display name as the parser decoded it may hold what its encoded words
 * hid (CR, LF, "Bcc:"): controls become spaces, and a name that still
 * looks like encoded words is dropped (the address stays).
 */
static void
name_clean(InternetAddress *ia)
{
	const char *name = internet_address_get_name(ia);
	char *clean;

	if (name == NULL)
		return;
	clean = header_clean(name);
	if (strstr(clean, "=?") != NULL)
		internet_address_set_name(ia, NULL);
	else if (strcmp(clean, name) != 0)
		internet_address_set_name(ia, clean);
	g_free(clean);
}

/* The first mailbox of an address list string; NULL when none. */
static InternetAddressMailbox *
mailbox_parse(const char *s)
{
	InternetAddressList *l;
	InternetAddress *ia = NULL;
	char *clean;
	int i;

	if (s == NULL)
		return NULL;
	clean = header_clean(s);
	l = internet_address_list_parse(NULL, clean);
	g_free(clean);
	if (l == NULL)
		return NULL;
	for (i = 0; i < internet_address_list_length(l); i++) {
		ia = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia) &&
		    strchr(internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia)), '@') != NULL) {
			g_object_ref(ia);
			break;
		}
		ia = NULL;
	}
	g_object_unref(l);
	if (ia != NULL)
		name_clean(ia);
	return ia != NULL ? INTERNET_ADDRESS_MAILBOX(ia) : NULL;
}

char *
smtp_message_id(const char *message_key, const char *owner, const char *from)
{
	InternetAddressMailbox *mb;
	GChecksum *ck;
	const char *domain = INVALID_DOMAIN, *at;
	char *r;

	smtp_init();
	ck = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(ck, (const guchar *)(message_key ? message_key : ""),
	    -1);
	g_checksum_update(ck, (const guchar *)"", 1);
	g_checksum_update(ck, (const guchar *)(owner ? owner : ""), -1);
	mb = mailbox_parse(from);
	at = mb ? strrchr(internet_address_mailbox_get_addr(mb), '@') : NULL;
	if (at != NULL && at[1] != '\0' && strpbrk(at + 1, "<>[]\\\" ") == NULL)
		domain = at + 1;
	r = g_strdup_printf("lr-%.*s@%s", SMTP_MSGID_HEX,
	    g_checksum_get_string(ck), domain);
	if (mb != NULL)
		g_object_unref(mb);
	g_checksum_free(ck);
	return r;
}

static GDateTime *
spec_date(const struct forward_spec *f)
{
	if (f->date != 0)
		return g_date_time_new_from_unix_utc(f->date);
	return g_date_time_new_now_local();
}

/*
 * Set an unstructured header from a caller's value; NULL: leave out.
 * GMime keeps ASCII text as it is, so a value holding "=?...?=" (from a
 * lead: "=?us-ascii?q?Acme=0D=0ABcc:_x@evil?=") would be decoded by mail
 * clients into CR, LF and "Bcc:": such a value is sent as encoded words
 * through and through (template_header_encode), folded, and reads back
 * exactly as written.
 */
static void
set_text_header(GMimeObject *o, const char *name, const char *value)
{
	GMimeHeader *h;
	char *clean, *enc, **words, *raw;

	if (value == NULL)
		return;
	clean = header_clean(value);
	g_mime_object_set_header(o, name, clean, "utf-8");
	if (strstr(clean, "=?") != NULL && (h = g_mime_header_list_get_header(
	    g_mime_object_get_header_list(o), name)) != NULL) {
		enc = template_header_encode(clean);
		words = g_strsplit(enc, " ", -1);
		raw = g_strjoinv("\n ", words);
		g_free(enc);
		enc = g_strconcat(" ", raw, "\n", NULL);
		g_mime_header_set_raw_value(h, enc);
		g_free(raw);
		g_strfreev(words);
		g_free(enc);
	}
	g_free(clean);
}

/* 7bit, 8bit or binary: what the original may be sent as. */
static GMimeContentEncoding
raw_encoding(const char *raw, gsize len)
{
	GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_7BIT;
	gsize i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];

		/* a NUL, or a bare CR, which relays refuse */
		if (c == '\0' || (c == '\r' && (i + 1 == len ||
		    raw[i + 1] != '\n')))
			return GMIME_CONTENT_ENCODING_BINARY;
		if (c >= 0x80)
			enc = GMIME_CONTENT_ENCODING_8BIT;
		col = c == '\n' ? 0 : col + 1;
		if (col > MAX_LINE + 1)
			return GMIME_CONTENT_ENCODING_BINARY;
	}
	return enc;
}

/*
 * An original that cannot go as it is (a line over 998 octets, a NUL, a
 * bare CR: relays refuse it, and spec 8 says every message the inbox took
 * can be forwarded) parsed and written again with each leaf part that is
 * not already in quoted-printable or base64 put into one of them (GMime
 * picks), CRLF line ends. NULL when it is still not 7bit/8bit-safe (a
 * header line too long, say) or does not parse.
 */
static void reencode_parts(GMimeObject *parent, GMimeObject *part,
    gpointer data);

/*
 * One leaf part written afresh: its content decoded, then encoded again
 * in what suits it under the 7bit constraint (quoted-printable or base64
 * for anything that is not short 7-bit lines; quoted-printable when
 * GMime would keep a bare CR), so that an unwrapped base64 attachment or
 * an over-long quoted-printable line comes out wrapped. An attached
 * message is gone through the same way.
 */
static void
reencode_leaf(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part), *fresh;
	GMimeStream *s;
	GByteArray *ba;
	GMimeContentEncoding enc;

	if (w == NULL)
		return;
	s = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, s);	/* decoded */
	g_mime_stream_reset(s);
	fresh = g_mime_data_wrapper_new_with_stream(s,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, fresh);
	enc = g_mime_part_get_best_content_encoding(part,
	    GMIME_ENCODING_CONSTRAINT_7BIT);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	if (enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    enc != GMIME_CONTENT_ENCODING_BASE64 && raw_encoding((const char *)
	    ba->data, ba->len) == GMIME_CONTENT_ENCODING_BINARY)
		enc = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	g_mime_part_set_content_encoding(part, enc);
	g_object_unref(fresh);
	g_object_unref(s);
}

static void
reencode_parts(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	GMimeMessage *inner;

	(void)parent;
	if (GMIME_IS_MESSAGE_PART(part)) {
		inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
		if (inner != NULL)
			g_mime_message_foreach(inner, reencode_parts, data);
	} else if (GMIME_IS_PART(part))
		reencode_leaf(GMIME_PART(part));
}

static char *
reencoded(const char *raw, gsize len, gsize *out_len)
{
	GByteArray *view = g_byte_array_new(), *ba;
	GMimeStream *in = g_mime_stream_mem_new(), *out;
	GMimeParser *p;
	GMimeMessage *m;
	GMimeFormatOptions *fo;
	char *r = NULL;

	/* read where it is, not copied (as mail_parse() does): the array
	 * is lent the bytes and gives them back unfreed */
	view->data = (guint8 *)raw;
	view->len = len;
	g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(in), view);
	p = g_mime_parser_new_with_stream(in);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	if (m == NULL)
		goto out;
	g_mime_message_foreach(m, reencode_parts, NULL);
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	out = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(GMIME_OBJECT(m), fo, out);
	g_mime_format_options_free(fo);
	g_object_unref(m);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	if (raw_encoding((const char *)ba->data, ba->len) !=
	    GMIME_CONTENT_ENCODING_BINARY) {
		/* the stream's bytes taken over, not copied */
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
		*out_len = ba->len;
		g_byte_array_append(ba, (const guint8 *)"", 1);
		r = (char *)g_byte_array_free(ba, FALSE);
	}
	g_object_unref(out);
out:
	g_object_unref(in);	/* after every part that reads it */
	g_byte_array_free(view, FALSE);
	return r;
}

/* The original as an opaque file (base64): the last resort when it
 * cannot be attached as a message, re-encoded or not. */
static GMimeObject *
original_file(const char *raw, gsize len)
{
	GMimePart *part = g_mime_part_new_with_type("application",
	    "octet-stream");
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
	g_mime_part_set_filename(part, "original.eml");
	g_object_unref(w);
	g_object_unref(stream);
	return GMIME_OBJECT(part);
}

/*
 * The original as a message/rfc822 leaf. GMime would rewrite its line
 * ends, so the part holds a placeholder that splice_original() replaces
 * with the raw bytes once the message is written.
 */
static GMimeObject *
original_part(const char *token, const char *raw, gsize len)
{
	GMimePart *part = g_mime_part_new_with_type("message", "rfc822");
	GMimeStream *stream;
	GMimeDataWrapper *w;

	stream = g_mime_stream_mem_new_with_buffer(token, strlen(token));
	w = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, raw_encoding(raw, len));
	g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
	g_mime_part_set_filename(part, "original.eml");
	g_object_unref(w);
	g_object_unref(stream);
	return GMIME_OBJECT(part);
}

/* text/plain; charset=utf-8, quoted-printable, holding text as given. */
static GMimeObject *
text_part(const char *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
	GMimeStream *stream;
	GMimeDataWrapper *w;

	stream = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	w = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), w);
	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part),
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_object_unref(w);
	g_object_unref(stream);
	return GMIME_OBJECT(part);
}

/* The text, and raw[len] attached: as a message spliced in for token,
 * or (token NULL) as a file. */
static GMimeObject *
forward_body(const struct forward_spec *f, const char *token,
    const char *raw, gsize len)
{
	GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");
	GMimeObject *part;

	part = text_part(f->text != NULL ? f->text : "");
	g_mime_multipart_add(mp, part);
	g_object_unref(part);
	part = token != NULL ? original_part(token, raw, len) :
	    original_file(raw, len);
	g_mime_multipart_add(mp, part);
	g_object_unref(part);
	return GMIME_OBJECT(mp);
}

/*
 * Write m with CRLF line ends, the placeholder token and what GMime put
 * after it up to the closing delimiter replaced by raw, unchanged (token
 * NULL: nothing attached, m as it is).
 */
static void
message_bytes(GMimeMessage *m, const char *token, const char *raw,
    gsize raw_len, char **out, gsize *len)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	GMimeStream *stream = g_mime_stream_mem_new();
	GMimeObject *mp = g_mime_message_get_mime_part(m);
	GByteArray *ba;
	char *close, *p;
	const char *base, *tok, *end;
	gsize head, tail;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream(GMIME_OBJECT(m), fo, stream);
	g_mime_format_options_free(fo);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	g_byte_array_append(ba, (const guint8 *)"", 1);	/* a C string */
	base = (const char *)ba->data;
	if (token == NULL) {
		*len = ba->len - 1;
		*out = g_memdup2(base, ba->len);
		g_object_unref(stream);
		return;
	}
	close = g_strdup_printf("\r\n--%s--",
	    g_mime_multipart_get_boundary(GMIME_MULTIPART(mp)));
	tok = strstr(base, token);
	end = tok != NULL ? strstr(tok, close) : NULL;
	if (tok == NULL || end == NULL)
		fatalx("smtp: forward: GMime lost the original's placeholder");
	g_free(close);
	/* one allocation of the exact size: the original is the bulk of a
	 * forward, and a 50 MB one must not be held three times over */
	head = tok - base;
	tail = ba->len - 1 - (end - base);
	*len = head + crlf_len(raw, raw_len) + tail;
	*out = p = g_malloc(*len + 1);
	memcpy(p, base, head);
	p = crlf_copy(p + head, raw, raw_len);
	memcpy(p, end, tail);
	p[tail] = '\0';
	g_object_unref(stream);
}

/* From, To, Reply-To; LR_CONFIG when from or to has no address. */
static enum lr_status
forward_addresses(GMimeMessage *m, const struct forward_spec *f)
{
	InternetAddressMailbox *from, *to, *rt;
	enum lr_status rc = LR_OK;

	from = mailbox_parse(f->from);
	to = mailbox_parse(f->to);
	rt = mailbox_parse(f->reply_to);
	if (from == NULL || to == NULL) {
		log_warnx("smtp: forward: no address in %s \"%s\"",
		    from == NULL ? "from" : "to",
		    from == NULL ? (f->from ? f->from : "") :
		    (f->to ? f->to : ""));
		rc = LR_CONFIG;
		goto out;
	}
	internet_address_list_add(g_mime_message_get_from(m),
	    INTERNET_ADDRESS(from));
	internet_address_list_add(g_mime_message_get_to(m),
	    INTERNET_ADDRESS(to));
	if (rt != NULL)
		internet_address_list_add(g_mime_message_get_reply_to(m),
		    INTERNET_ADDRESS(rt));
out:
	if (rt != NULL)
		g_object_unref(rt);
	if (to != NULL)
		g_object_unref(to);
	if (from != NULL)
		g_object_unref(from);
	return rc;
}

enum lr_status
smtp_build_forward(const struct forward_spec *f, char **out, gsize *len)
{
	GMimeMessage *m;
	GMimeObject *body;
	GDateTime *date;
	char *msgid, *token, *again = NULL;
	gsize again_len = 0;
	enum lr_status rc;

	smtp_init();
	token = g_strdup_printf("lr-original-%08x%08x%08x", g_random_int(),
	    g_random_int(), g_random_int());
	*out = NULL;
	*len = 0;
	m = g_mime_message_new(FALSE);
	rc = forward_addresses(m, f);
	if (rc != LR_OK)
		goto out;
	set_text_header(GMIME_OBJECT(m), "Subject", f->subject != NULL ?
	    f->subject : "");
	date = spec_date(f);
	g_mime_message_set_date(m, date);
	g_date_time_unref(date);
	msgid = smtp_message_id(f->message_key, f->owner, f->from);
	g_mime_message_set_message_id(m, msgid);
	g_free(msgid);
	set_text_header(GMIME_OBJECT(m), "Auto-Submitted", "auto-generated");
	set_text_header(GMIME_OBJECT(m), "X-Leadroute-Loop", f->loop_token);
	set_text_header(GMIME_OBJECT(m), "X-Leadroute-Rule", f->rule);
	set_text_header(GMIME_OBJECT(m), "X-Leadroute-Dimensions",
	    f->dimensions);
	set_text_header(GMIME_OBJECT(m), "X-Leadroute-Owner", f->owner);
	set_text_header(GMIME_OBJECT(m), "X-Leadroute-Reason", f->reason);
	if (f->raw == NULL)
		body = text_part(f->text != NULL ? f->text : "");
	else if (raw_encoding(f->raw, f->raw_len) !=
	    GMIME_CONTENT_ENCODING_BINARY)
		body = forward_body(f, token, f->raw, f->raw_len);
	else if ((again = reencoded(f->raw, f->raw_len, &again_len)) != NULL)
		body = forward_body(f, token, again, again_len);
	else {
		body = forward_body(f, NULL, f->raw, f->raw_len);
		g_clear_pointer(&token, g_free);	/* nothing to splice */
	}
	g_mime_message_set_mime_part(m, body);
	g_object_unref(body);
	message_bytes(m, f->raw != NULL ? token : NULL,
	    again != NULL ? again : f->raw, again != NULL ? again_len :
	    f->raw_len, out, len);
out:
	g_object_unref(m);
	g_free(token);
	g_free(again);
	return rc;
}

/* "Name: value<nl>" with an address header encoded by GMime. */
static void
put_address_header(GString *s, const char *name, InternetAddressMailbox *mb,
    const char *nl)
{
	InternetAddressList *l = internet_address_list_new();
	char *v;

	internet_address_list_add(l, INTERNET_ADDRESS(mb));
	v = internet_address_list_to_string(l, NULL, TRUE);
	g_string_append_printf(s, "%s: %s%s", name, v, nl);
	g_free(v);
	g_object_unref(l);
}

enum lr_status
smtp_build_redirect(const struct forward_spec *f, char **out, gsize *len)
{
	InternetAddressMailbox *from, *to;
	const char *nl = "\r\n", *lf, *raw = f->raw;
	gsize raw_len = f->raw_len;
	GDateTime *date;
	GString *s;
	char *v, *again = NULL;

	smtp_init();
	*out = NULL;
	*len = 0;
	from = mailbox_parse(f->from);
	to = mailbox_parse(f->to);
	if (from == NULL || to == NULL) {
		log_warnx("smtp: redirect: no address in %s",
		    from == NULL ? "from" : "to");
		g_clear_object(&from);
		g_clear_object(&to);
		return LR_CONFIG;
	}
	/* what relays refuse goes re-encoded, as a forward's attachment;
	 * what cannot be goes as a forward, the original attached as a file:
	 * delivered, rather than refused for its form */
	if (raw != NULL && raw_encoding(raw, raw_len) ==
	    GMIME_CONTENT_ENCODING_BINARY) {
		if ((again = reencoded(raw, raw_len, &raw_len)) == NULL) {
			g_object_unref(from);
			g_object_unref(to);
			log_info("smtp: redirect: %s cannot go as it is; "
			    "forwarded with the original attached",
			    f->message_key != NULL ? f->message_key : "?");
			return smtp_build_forward(f, out, len);
		}
		raw = again;
	}
	lf = raw != NULL ? memchr(raw, '\n', raw_len) : NULL;
	if (lf != NULL && (lf == raw || lf[-1] != '\r'))
		nl = "\n";
	s = g_string_sized_new(raw_len + 512);
	date = spec_date(f);
	v = g_mime_utils_header_format_date(date);
	g_string_append_printf(s, "Resent-Date: %s%s", v, nl);
	g_free(v);
	g_date_time_unref(date);
	put_address_header(s, "Resent-From", from, nl);
	put_address_header(s, "Resent-To", to, nl);
	v = smtp_message_id(f->message_key, f->owner, f->from);
	g_string_append_printf(s, "Resent-Message-ID: <%s>%s", v, nl);
	g_free(v);
	if (f->loop_token != NULL) {
		v = header_clean(f->loop_token);
		g_string_append_printf(s, "X-Leadroute-Loop: %s%s", v, nl);
		g_free(v);
	}
	if (raw != NULL)
		g_string_append_len(s, raw, raw_len);
	g_free(again);
	g_object_unref(from);
	g_object_unref(to);
	*len = s->len;
	*out = g_string_free(s, FALSE);
	return LR_OK;
}

/* ---- sending ---------------------------------------------------------- */

static gboolean
is_verb(const char *line, gsize len)
{
	static const char *verbs[] = { "EHLO", "HELO", "MAIL", "RCPT", "DATA",
	    "QUIT", "RSET", "NOOP", "STARTTLS", "VRFY", NULL };
	int i;

	for (i = 0; verbs[i] != NULL; i++) {
		gsize n = strlen(verbs[i]);

		if (len >= n && g_ascii_strncasecmp(line, verbs[i], n) == 0 &&
		    (len == n || line[n] == ' ' || line[n] == '\r'))
			return TRUE;
	}
	return FALSE;
}

/* Log one line we sent, with credentials redacted. */
static void
log_sent(struct smtp *s, const char *line, gsize len)
{
	const char *sp;

	if (len >= 5 && g_ascii_strncasecmp(line, "AUTH ", 5) == 0) {
		s->in_auth = TRUE;
		sp = memchr(line + 5, ' ', len - 5);
		log_debug("smtp: > AUTH %.*s [redacted]",
		    (int)((sp ? sp : line + len) - line - 5), line + 5);
	} else if (!s->in_auth && is_verb(line, len)) {
		if (len >= 4 && g_ascii_strncasecmp(line, "QUIT", 4) == 0)
			s->quitting = TRUE;
		log_debug("smtp: > %.*s", (int)len, line);
	} else {
		log_debug("smtp: > [redacted]");
	}
}

/* Keep the server's last reply (all lines of a multi-line one). */
static void
got_line(struct smtp *s, const char *line, gsize len)
{
	log_debug("smtp: < %.*s", (int)len, line);
	if (s->quitting)
		return;
	if (s->reply_done) {
		g_string_truncate(s->reply, 0);
		s->reply_done = FALSE;
	}
	if (s->reply->len > 0 && s->reply->len < SMTP_MAX_REPLY)
		g_string_append_c(s->reply, ' ');
	if (s->reply->len + len <= SMTP_MAX_REPLY)
		g_string_append_len(s->reply, line, len);
	if (len < 4 || line[3] != '-') {
		s->reply_done = TRUE;
		if (len < 3 || line[0] != '3')
			s->in_auth = FALSE;
	}
}

static int
debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp *s = arg;
	const char *p = data, *end = data + size, *nl;
	gsize n;

	(void)c;
	if (type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT &&
	    type != CURLINFO_TEXT)
		return 0;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		n = (nl != NULL ? nl : end) - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (type == CURLINFO_HEADER_IN)
			got_line(s, p, n);
		else if (type == CURLINFO_HEADER_OUT)
			log_sent(s, p, n);
		else
			log_debug("smtp: * %.*s", (int)n, p);
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct cursor *c = arg;
	size_t n = size * nitems;

	if (n > c->left)
		n = c->left;
	memcpy(buf, c->p, n);
	c->p += n;
	c->left -= n;
	return n;
}

/* Scheme and host of url; FALSE when it cannot be parsed. */
static gboolean
url_parts(const char *url, char **scheme, char **host)
{
	CURLU *u = curl_url();
	gboolean ok;

	*scheme = *host = NULL;
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK;
	curl_url_cleanup(u);
	return ok;
}

/* How smtp:// asks for TLS (smtps:// has it from the start). */
enum starttls {
	STARTTLS_ALWAYS,	/* or fail */
	STARTTLS_OFFERED,	/* when the server offers it */
	STARTTLS_LOOPBACK	/* when offered, the peer not verified */
};

/* LR_CONFIG unless url is smtp:// or smtps://; *tls: how to STARTTLS. */
static enum lr_status
check_url(const struct smtp_config *cfg, enum starttls *tls)
{
	char *scheme = NULL, *host = NULL;
	enum lr_status rc = LR_OK;

	*tls = STARTTLS_ALWAYS;
	if (cfg->url == NULL || !url_parts(cfg->url, &scheme, &host)) {
		log_warnx("smtp: cannot parse url \"%s\"",
		    cfg->url ? cfg->url : "");
		rc = LR_CONFIG;
	} else if (g_ascii_strcasecmp(scheme, "smtp") == 0) {
		if (net_host_is_loopback(host))
			*tls = cfg->ca_file != NULL ? STARTTLS_OFFERED :
			    STARTTLS_LOOPBACK;
		else if (cfg->allow_plaintext) {
			*tls = STARTTLS_OFFERED;
			log_warnx("smtp: %s: allow_plaintext: without STARTTLS "
			    "from the server, the password and the forwards "
			    "cross the network unencrypted", host);
		}
	} else if (g_ascii_strcasecmp(scheme, "smtps") != 0) {
		log_warnx("smtp: url \"%s\" is not smtp:// or smtps://",
		    cfg->url);
		rc = LR_CONFIG;
	}
	curl_free(scheme);
	curl_free(host);
	return rc;
}

static void
set_options(struct smtp *s, const struct smtp_config *cfg, enum starttls tls)
{
	CURL *c = s->curl;
	long timeout = cfg->timeout > 0 ? cfg->timeout : SMTP_DEFAULT_TIMEOUT;
	gboolean verify = tls != STARTTLS_LOOPBACK;
	int i;

	curl_easy_setopt(c, CURLOPT_URL, cfg->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, tls == STARTTLS_ALWAYS ?
	    (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	if (cfg->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->user != NULL)
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
	if (cfg->oauth != NULL)	/* the bearer is set per message */
		curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
	else if (cfg->password != NULL)
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, MIN(timeout, 30L));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	for (i = 0; cfg->connect_to != NULL && cfg->connect_to[i]; i++)
		s->connect_to = curl_slist_append(s->connect_to,
		    cfg->connect_to[i]);
	if (s->connect_to != NULL)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, s->connect_to);
}

enum lr_status
smtp_new(const struct smtp_config *cfg, struct smtp **out)
{
	InternetAddressMailbox *from;
	struct smtp *s;
	enum starttls tls;
	enum lr_status rc;

	smtp_init();
	*out = NULL;
	rc = check_url(cfg, &tls);
	if (rc != LR_OK)
		return rc;
	from = mailbox_parse(cfg->from);
	if (from == NULL) {
		log_warnx("smtp: no address in from \"%s\"",
		    cfg->from ? cfg->from : "");
		return LR_CONFIG;
	}
	s = g_new0(struct smtp, 1);
	s->sender = g_strdup(internet_address_mailbox_get_addr(from));
	g_object_unref(from);
	s->reply = g_string_new(NULL);
	s->curl = curl_easy_init();
	if (s->curl == NULL)
		fatalx("smtp: curl_easy_init failed");
	s->oauth = cfg->oauth;
	set_options(s, cfg, tls);
	*out = s;
	return LR_OK;
}

void
smtp_free(struct smtp *s)
{
	if (s == NULL)
		return;
	curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->connect_to);
	g_string_free(s->reply, TRUE);
	g_free(s->sender);
	g_free(s);
}

const char *
smtp_sender(const struct smtp *s)
{
	return s->sender;
}

void
smtp_result_clear(struct smtp_result *res)
{
	g_free(res->text);
	memset(res, 0, sizeof(*res));
}

/* Usable in MAIL FROM / RCPT TO: no controls, spaces or angle brackets. */
static gboolean
envelope_ok(const char *a)
{
	const char *p;

	if (a == NULL || *a == '\0' || strlen(a) > MAX_ADDR_LEN ||
	    strchr(a, '@') == NULL)
		return FALSE;
	for (p = a; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' ||
		    *p == '>')
			return FALSE;
	return TRUE;
}

/* The status for curl's result and the server's last reply code. */
static enum lr_status
classify(CURLcode cc, long code, gboolean *permanent)
{
	*permanent = FALSE;
	if (cc == CURLE_OK)
		return LR_OK;
	if (cc == CURLE_LOGIN_DENIED || code == 530 || code == 534 ||
	    code == 535 || code == 538)
		return LR_CONFIG;
	if (code >= 500 && code <= 599) {
		*permanent = TRUE;
		return LR_BADMSG;
	}
	if (code >= 400 && code <= 499)
		return LR_TEMPFAIL;
	switch (cc) {
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
		return LR_CONFIG;
	default:
		return LR_TEMPFAIL;
	}
}

static void
fill_result(struct smtp *s, CURLcode cc, struct smtp_result *res)
{
	long code = 0;

	if (s->reply->len > 0)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	res->code = code;
	if (s->reply->len > 0 && (cc == CURLE_OK || code >= 400))
		res->text = g_strdup(s->reply->str);
	else if (cc != CURLE_OK && s->errbuf[0] != '\0')
		res->text = g_strdup(s->errbuf);
	else
		res->text = g_strdup(curl_easy_strerror(cc));
}

/* The recipients as a curl list; NULL when one is not usable. */
static struct curl_slist *
rcpt_list(const char *const *rcpts)
{
	struct curl_slist *l = NULL;
	int i;

	for (i = 0; rcpts != NULL && rcpts[i] != NULL; i++) {
		if (i >= SMTP_MAX_RCPTS || !envelope_ok(rcpts[i])) {
			log_warnx("smtp: unusable recipient \"%s\"", rcpts[i]);
			curl_slist_free_all(l);
			return NULL;
		}
		l = curl_slist_append(l, rcpts[i]);
	}
	return l;
}

enum lr_status
smtp_send(struct smtp *s, const char *mail_from, const char *const *rcpts,
    const char *data, gsize len, struct smtp_result *res)
{
	struct curl_slist *rl;
	struct cursor cur;
	const char *wire;
	char *copy = NULL;
	gsize wire_len;
	CURLcode cc;
	enum lr_status rc = LR_TEMPFAIL;

	memset(res, 0, sizeof(*res));
	if (mail_from == NULL)
		mail_from = s->sender;
	rl = rcpt_list(rcpts);
	if (rl == NULL || !envelope_ok(mail_from)) {
		curl_slist_free_all(rl);
		res->text = g_strdup("unusable sender or recipient address");
		return LR_CONFIG;
	}
	/* SMTP wants CRLF only; a copy only when data has a bare LF */
	wire_len = crlf_len(data, len);
	wire = data;
	if (wire_len != len) {
		copy = g_malloc(wire_len);
		crlf_copy(copy, data, len);
		wire = copy;
	}
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rl);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, &cur);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)wire_len);
	/* with OAuth2, a refused token is refreshed and tried once more */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt > 0)
			smtp_result_clear(res);
		if (s->oauth != NULL) {
			const char *token;
			char *why = NULL;

			rc = oauth_access_token(s->oauth, attempt > 0, &token,
			    &why);
			if (rc) {
				res->text = why;
				break;
			}
			curl_easy_setopt(s->curl, CURLOPT_XOAUTH2_BEARER, token);
		}
		cur.p = (const guint8 *)wire;
		cur.left = wire_len;
		g_string_truncate(s->reply, 0);
		s->reply_done = FALSE;
		s->in_auth = FALSE;
		s->quitting = FALSE;
		s->errbuf[0] = '\0';
		cc = curl_easy_perform(s->curl);
		fill_result(s, cc, res);
		rc = classify(cc, res->code, &res->permanent);
		if (s->oauth != NULL)	/* curl copied it */
			curl_easy_setopt(s->curl, CURLOPT_XOAUTH2_BEARER, NULL);
		if (rc != LR_CONFIG || s->oauth == NULL)
			break;
		if (attempt == 0)
			log_info("smtp: the server refused the access token; "
			    "refreshing it");
	}
	if (rc != LR_OK)
		log_info("smtp: sending to %s failed: %s", rcpts[0], res->text);
	/* curl keeps these pointers; they die here. */
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, NULL);
	curl_slist_free_all(rl);
	g_free(copy);
	return rc;
}
