/*
 * mail.c: GMime parsing of one raw message into a struct mail.
 *
 * The walk is bounded (MAIL_MAX_DEPTH, MAIL_MAX_PARTS); body parts are
 * decoded from their transfer encoding by GMime and converted to UTF-8
 * here, byte by byte where iconv gives up, so that no charset problem
 * ever stops a lead from being routed.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mail.h"

static GMimeParserOptions *parser_options;

/* GMime is initialised once per process; its options are shared. */
static void
mail_init(void)
{
	static gsize once;
	static const char *fallback[] = { "UTF-8", "windows-1252", NULL };

	if (g_once_init_enter(&once)) {
		g_mime_init();
		parser_options = g_mime_parser_options_new();
		g_mime_parser_options_set_rfc2047_compliance_mode(parser_options,
		    GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_parameter_compliance_mode(
		    parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_address_compliance_mode(
		    parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_fallback_charsets(parser_options,
		    fallback);
		g_once_init_leave(&once, 1);
	}
}

static void
note(struct mail *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
note(struct mail *m, const char *fmt, ...)
{
	va_list ap;

	if (m->notes->len >= 32)
		return;
	va_start(ap, fmt);
	g_ptr_array_add(m->notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* Append the U+FFFD replacement character. */
static void
put_replacement(GString *out)
{
	g_string_append(out, "\xEF\xBF\xBD");
}

/*
 * Convert with iconv, replacing each undecodable byte by U+FFFD and going
 * on after it. Returns FALSE when iconv does not know the charset.
 */
/*
 * A converter from charset to UTF-8, kept for the life of the process:
 * opening one loads a gconv module, which costs more than converting a
 * whole message. Converters are reset to their initial state here.
 */
#define CONVERTERS_MAX	64

static iconv_t
converter(const char *charset, gboolean *temp)
{
	static GHashTable *cache;
	char *key;
	gpointer v;
	iconv_t cd;

	if (cache == NULL)
		cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    NULL);
	*temp = FALSE;
	key = g_ascii_strdown(charset, -1);
	if (g_hash_table_lookup_extended(cache, key, NULL, &v)) {
		g_free(key);
		cd = (iconv_t)v;
		if (cd != (iconv_t)-1)
			iconv(cd, NULL, NULL, NULL, NULL);
		return cd;
	}
	cd = g_mime_iconv_open("UTF-8", charset);
	if (g_hash_table_size(cache) < CONVERTERS_MAX)
		g_hash_table_insert(cache, key, (gpointer)cd);
	else {
		/* A flood of charset names: the caller closes this one. */
		g_free(key);
		*temp = TRUE;
	}
	return cd;
}

static gboolean
convert_lossy(const char *bytes, gsize len, const char *charset, GString *out)
{
	gboolean temp;
	iconv_t cd = converter(charset, &temp);
	char buf[4096];
	char *in = (char *)bytes;
	size_t inleft = len;

	if (cd == (iconv_t)-1)
		return FALSE;
	while (inleft > 0) {
		char *o = buf;
		size_t oleft = sizeof(buf);
		size_t rc = iconv(cd, &in, &inleft, &o, &oleft);
		int saved = errno;

		g_string_append_len(out, buf, o - buf);
		if (rc != (size_t)-1)
			continue;
		if (saved == E2BIG)
			continue;
		/* EILSEQ or EINVAL: one bad byte, then start afresh. */
		put_replacement(out);
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* Flush a stateful encoding (ISO-2022-JP) back to its initial state. */
	{
		char *o = buf;
		size_t oleft = sizeof(buf);

		iconv(cd, NULL, NULL, &o, &oleft);
		g_string_append_len(out, buf, o - buf);
	}
	if (temp)
		g_mime_iconv_close(cd);
	return TRUE;
}

/* Valid UTF-8 from anything: invalid sequences become U+FFFD. */
static char *
make_valid(const char *s, gsize len)
{
	return g_utf8_make_valid(s, (gssize)len);
}

char *
mail_to_utf8(const char *bytes, gsize len, const char *charset)
{
	GString *out;

	if (bytes == NULL)
		return g_strdup("");
	if (charset != NULL && *charset != '\0' &&
	    g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "utf8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		out = g_string_sized_new(len + 16);
		if (convert_lossy(bytes, len, charset, out)) {
			char *r = make_valid(out->str, out->len);

			g_string_free(out, TRUE);
			return r;
		}
		g_string_free(out, TRUE);
	}
	/* Declared UTF-8 or ASCII, no charset, or one iconv does not know. */
	if (g_utf8_validate(bytes, (gssize)len, NULL))
		return g_strndup(bytes, len);
	if (charset == NULL || g_ascii_strcasecmp(charset, "utf-8") != 0) {
		out = g_string_sized_new(len + 16);
		if (convert_lossy(bytes, len, "windows-1252", out)) {
			char *r = make_valid(out->str, out->len);

			g_string_free(out, TRUE);
			return r;
		}
		g_string_free(out, TRUE);
	}
	return make_valid(bytes, len);
}

/* A header value made safe: valid UTF-8, capped, with no NUL. */
static char *
clean_value(const char *v)
{
	gsize n;

	if (v == NULL)
		return NULL;
	n = strlen(v);
	if (n > MAIL_MAX_HEADER_BYTES)
		n = MAIL_MAX_HEADER_BYTES;
	return make_valid(v, n);
}

/*
 * Headers leadroute reads as a structure of their own, never RFC 2047
 * decoded: an encoded word in one is text a sender put there (an
 * envelope sender the server copied into its verdict), and decoded it
 * could add a ";" and a result of its own making.
 */
static gboolean
keep_raw(const char *name)
{
	return name != NULL &&
	    g_ascii_strcasecmp(name, "Authentication-Results") == 0;
}

static void
read_headers(struct mail *m, GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int n = g_mime_header_list_get_count(hl);

	if (n > MAIL_MAX_HEADERS) {
		note(m, "only the first %d of %d headers read",
		    MAIL_MAX_HEADERS, n);
		n = MAIL_MAX_HEADERS;
	}
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		struct mail_header *mh = g_new(struct mail_header, 1);
		const char *v = keep_raw(g_mime_header_get_name(h)) ?
		    g_mime_header_get_raw_value(h) : g_mime_header_get_value(h);

		mh->name = clean_value(g_mime_header_get_name(h));
		mh->value = clean_value(v != NULL ? v : "");
		g_strstrip(mh->value);
		g_ptr_array_add(m->headers, mh);
	}
}

/* GMime 3 keeps the top-level Content-* headers on the MIME part. */
static void
read_content_headers(struct mail *m, GMimeObject *part)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(part);
	int n = g_mime_header_list_get_count(hl);

	for (int i = 0; i < n && m->headers->len < MAIL_MAX_HEADERS; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *v = g_mime_header_get_value(h);
		struct mail_header *mh;

		if (name == NULL || g_ascii_strncasecmp(name, "Content-", 8) != 0)
			continue;
		mh = g_new(struct mail_header, 1);
		mh->name = clean_value(name);
		mh->value = clean_value(v != NULL ? v : "");
		g_strstrip(mh->value);
		g_ptr_array_add(m->headers, mh);
	}
}

/* First mailbox of an address list that has an address. */
static void
first_mailbox(InternetAddressList *list, struct mail_addr *out)
{
	int n = list != NULL ? internet_address_list_length(list) : 0;

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		const char *addr, *name;

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia));
		if (addr == NULL || strchr(addr, '@') == NULL)
			continue;
		name = internet_address_get_name(ia);
		out->addr = clean_value(addr);
		if (name != NULL && *name != '\0')
			out->name = clean_value(name);
		return;
	}
}

/* Every mailbox address of list (groups included) into out. */
static void
add_mailboxes(InternetAddressList *list, GPtrArray *out)
{
	int n = list != NULL ? internet_address_list_length(list) : 0;

	for (int i = 0; i < n && out->len < MAIL_MAX_RECIPIENTS; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		const char *addr;

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			add_mailboxes(internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia)), out);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia));
		if (addr != NULL && strchr(addr, '@') != NULL)
			g_ptr_array_add(out, clean_value(addr));
	}
}

/*
 * Does the Date header carry a real zone? "-0000" means "unknown" (RFC
 * 5322 3.3), and a missing or malformed zone is not UTC either, whatever
 * GMime assumes.
 */
static gboolean
date_has_zone(const char *v)
{
	static const char *const names[] = { "UT", "GMT", "EST", "EDT",
	    "CST", "CDT", "MST", "MDT", "PST", "PDT", NULL };
	char *s, *z;
	gboolean ok = FALSE;

	if (v == NULL)
		return FALSE;
	s = g_strdup(v);
	if ((z = strchr(s, '(')) != NULL)	/* "(JST)" and other comments */
		*z = '\0';
	g_strstrip(s);
	z = strrchr(s, ' ');
	z = z != NULL ? z + 1 : s;
	if ((z[0] == '+' || z[0] == '-') && strlen(z) == 4 + 1 &&
	    g_ascii_isdigit(z[1]) && g_ascii_isdigit(z[2]) &&
	    g_ascii_isdigit(z[3]) && g_ascii_isdigit(z[4]))
		ok = strcmp(z, "-0000") != 0 && (z[1] - '0') * 10 +
		    (z[2] - '0') <= 23 && (z[3] - '0') <= 5;
	else
		for (guint i = 0; names[i] != NULL && !ok; i++)
			ok = g_ascii_strcasecmp(z, names[i]) == 0;
	g_free(s);
	return ok;
}

/* Message-IDs of header name ("<id>"), into ids unless already there. */
static void
thread_ids(GMimeMessage *msg, const char *name, gboolean newest_first,
    GPtrArray *ids)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), name);
	GMimeReferences *refs;
	int n;

	if (v == NULL)
		return;
	refs = g_mime_references_parse(parser_options, v);
	if (refs == NULL)
		return;
	n = g_mime_references_length(refs);
	for (int i = 0; i < n && ids->len < MAIL_MAX_THREAD; i++) {
		const char *id = g_mime_references_get_message_id(refs,
		    newest_first ? n - 1 - i : i);
		char *s;
		gboolean have = FALSE;

		if (id == NULL || *id == '\0')
			continue;
		s = g_strdup_printf("<%s>", id);
		for (guint k = 0; k < ids->len && !have; k++)
			have = strcmp(g_ptr_array_index(ids, k), s) == 0;
		if (have)
			g_free(s);
		else
			g_ptr_array_add(ids, s);
	}
	g_mime_references_free(refs);
}

static void
read_envelope(struct mail *m, GMimeMessage *msg)
{
	const char *s = g_mime_message_get_subject(msg);
	const char *id = g_mime_message_get_message_id(msg);
	GDateTime *date = g_mime_message_get_date(msg);

	first_mailbox(g_mime_message_get_from(msg), &m->from);
	first_mailbox(g_mime_message_get_reply_to(msg), &m->reply_to);
	{
		GPtrArray *to = g_ptr_array_new();

		add_mailboxes(g_mime_message_get_addresses(msg,
		    GMIME_ADDRESS_TYPE_TO), to);
		add_mailboxes(g_mime_message_get_addresses(msg,
		    GMIME_ADDRESS_TYPE_CC), to);
		g_ptr_array_add(to, NULL);
		g_strfreev(m->recipients);
		m->recipients = (char **)g_ptr_array_free(to, FALSE);
	}
	if (s != NULL)
		m->subject = clean_value(s);
	if (id != NULL && *id != '\0') {
		char *v = clean_value(id);

		m->message_id = g_strdup_printf("<%s>", v);
		g_free(v);
	}
	{
		GPtrArray *ids = g_ptr_array_new();

		thread_ids(msg, "In-Reply-To", FALSE, ids);
		thread_ids(msg, "References", TRUE, ids);
		g_ptr_array_add(ids, NULL);
		g_strfreev(m->thread);
		m->thread = (char **)g_ptr_array_free(ids, FALSE);
	}
	if (date != NULL) {
		m->date = g_date_time_to_unix(date);
		if (date_has_zone(mail_header(m, "Date")))
			m->date_offset = g_date_time_format(date, "%z");
	}
}

/* The part's content decoded from its transfer encoding, at most
 * MAIL_MAX_BODY_BYTES of it: the rest is never decoded, so a 50 MB part
 * costs no more memory than a 1 MB one. */
static char *
part_text(struct mail *m, GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeContentEncoding enc;
	GMimeStream *src, *filtered;
	GByteArray *ba;
	const char *charset;
	char *text;
	gssize n;

	if (w == NULL || (src = g_mime_data_wrapper_get_stream(w)) == NULL)
		return g_strdup("");
	g_mime_stream_reset(src);
	filtered = g_mime_stream_filter_new(src);
	enc = g_mime_data_wrapper_get_encoding(w);
	if (enc != GMIME_CONTENT_ENCODING_DEFAULT) {
		GMimeFilter *f = g_mime_filter_basic_new(enc, FALSE);

		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
		g_object_unref(f);
	}
	ba = g_byte_array_sized_new(8192);
	while (ba->len <= MAIL_MAX_BODY_BYTES) {
		guint at = ba->len;

		g_byte_array_set_size(ba, at + 8192);
		n = g_mime_stream_read(filtered, (char *)ba->data + at, 8192);
		g_byte_array_set_size(ba, at + MAX(n, 0));
		if (n <= 0 && g_mime_stream_eos(filtered))
			break;
		if (n < 0)
			break;
	}
	g_object_unref(filtered);
	if (ba->len > MAIL_MAX_BODY_BYTES) {
		note(m, "only the first %d bytes of a body part scanned",
		    MAIL_MAX_BODY_BYTES);
		g_byte_array_set_size(ba, MAIL_MAX_BODY_BYTES);
	}
	charset = g_mime_object_get_content_type_parameter(
	    GMIME_OBJECT(part), "charset");
	text = mail_to_utf8((const char *)ba->data, ba->len, charset);
	g_byte_array_free(ba, TRUE);
	return text;
}

static gboolean
is_attachment(GMimeObject *obj)
{
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);

	if (cd != NULL && g_mime_content_disposition_is_attachment(cd))
		return TRUE;
	if (GMIME_IS_PART(obj) &&
	    g_mime_part_get_filename(GMIME_PART(obj)) != NULL)
		return TRUE;
	return FALSE;
}

struct walk {
	struct mail *m;
	guint parts;
	gboolean nested;	/* walking an attached message's parts */
};

static void walk_object(struct walk *w, GMimeObject *obj, int depth);
static void read_message(struct mail *m, GMimeMessage *msg, gboolean nested);

/* A leaf: the first inline text/plain and text/html are the body. */
static void
walk_leaf(struct walk *w, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	gboolean text = ct != NULL && g_mime_content_type_is_type(ct, "text", "*");

	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		w->m->attachments++;	/* a forwarded or returned message */
		/* the first one read, one level deep: a forward as an
		 * attachment (an attached message's own are not read) */
		if (++w->m->messages == 1 && !w->nested && inner != NULL) {
			w->m->attached = mail_new();
			read_message(w->m->attached, inner, TRUE);
		}
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	if (is_attachment(obj)) {
		w->m->attachments++;
		return;
	}
	if (!text)
		return;
	if (g_mime_content_type_is_type(ct, "text", "plain") && w->m->plain == NULL)
		w->m->plain = part_text(w->m, GMIME_PART(obj));
	else if (g_mime_content_type_is_type(ct, "text", "html") &&
	    w->m->html == NULL)
		w->m->html = part_text(w->m, GMIME_PART(obj));
}

static void
walk_object(struct walk *w, GMimeObject *obj, int depth)
{
	if (obj == NULL)
		return;
	if (++w->parts > MAIL_MAX_PARTS) {
		if (w->parts == MAIL_MAX_PARTS + 1)
			note(w->m, "only the first %d MIME parts read",
			    MAIL_MAX_PARTS);
		return;
	}
	if (depth > MAIL_MAX_DEPTH) {
		note(w->m, "MIME nesting deeper than %d not read",
		    MAIL_MAX_DEPTH);
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			walk_object(w, g_mime_multipart_get_part(mp, i),
			    depth + 1);
		return;
	}
	walk_leaf(w, obj);
}

static gboolean
is_report(GMimeObject *top)
{
	GMimeContentType *ct;
	const char *rt;

	if (top == NULL)
		return FALSE;
	ct = g_mime_object_get_content_type(top);
	/* A bare delivery or disposition report, without its multipart. */
	if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message",
	    "global-delivery-status") ||
	    g_mime_content_type_is_type(ct, "message",
	    "disposition-notification"))
		return TRUE;
	if (!GMIME_IS_MULTIPART(top) ||
	    !g_mime_content_type_is_type(ct, "multipart", "report"))
		return FALSE;
	rt = g_mime_content_type_get_parameter(ct, "report-type");
	/* Without report-type, a multipart/report is still machine mail. */
	return rt == NULL || g_ascii_strcasecmp(rt, "delivery-status") == 0 ||
	    g_ascii_strcasecmp(rt, "disposition-notification") == 0;
}

static void
header_free(gpointer p)
{
	struct mail_header *h = p;

	g_free(h->name);
	g_free(h->value);
	g_free(h);
}

/* Where the header block ends: after the first empty line, else len. */
static gsize
header_end(const char *data, gsize len)
{
	for (gsize i = 0; i + 1 < len; i++) {
		if (data[i] != '\n')
			continue;
		if (data[i + 1] == '\n')
			return i + 2;
		if (data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* Where the line at i ends (after its LF), or len. */
static gsize
line_end(const char *data, gsize len, gsize i)
{
	const char *lf = memchr(data + i, '\n', len - i);

	return lf != NULL ? (gsize)(lf - data) + 1 : len;
}

/* The line at p starts a header field: a name of printable characters
 * but ':', then ':'. */
static gboolean
field_line(const char *p, gsize n)
{
	gsize i;

	for (i = 0; i < n && i < 77; i++) {
		if (p[i] == ':')
			return i > 0;
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return FALSE;
	}
	return FALSE;
}

/*
 * What GMime is given of a message: all of it, unless it is built to
 * make a parser spend: a header field over MAIL_MAX_FIELD_BYTES (GMime
 * decodes a 20 MB one word by word into a gigabyte), more than
 * MAIL_MAX_FIELDS fields, more than MAIL_MAX_DELIMITERS lines that may
 * delimit a MIME part (each a part object before any limit of ours can
 * apply), more than MAIL_MAX_BODY_FIELDS header lines in the body (the
 * headers and parameters of parts and attached messages: 100 messages
 * nested with 7000 fields each took 330 MB). Then the header block is copied with those cut (each field to
 * its first bytes, the fields after the last dropped) and the body ends
 * before the delimiter past the limit; every cut is noted. The bytes
 * themselves are read where they are (view).
 */
static GMimeStream *
bounded_stream(struct mail *m, GByteArray *view)
{
	const char *data = (const char *)view->data;
	gsize len = view->len, hdr = header_end(data, len), i, end = len;
	gsize field = 0, start = 0;
	guint fields = 0, delims = 0, body_fields = 0;
	gboolean cut = FALSE, in_fields = FALSE;
	GByteArray *head = NULL;
	GMimeStream *whole, *s;

	whole = g_mime_stream_mem_new();
	g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(whole), view);
	/* the header block, field by field (a field: a line and the lines
	 * that continue it) */
	for (i = 0; i < hdr; i = line_end(data, hdr, i)) {
		if (i > 0 && (data[i] == ' ' || data[i] == '\t'))
			continue;
		if (i > start && (i - start > MAIL_MAX_FIELD_BYTES ||
		    fields >= MAIL_MAX_FIELDS))
			cut = TRUE;
		start = i;
		fields++;
	}
	if (hdr - start > MAIL_MAX_FIELD_BYTES + 2 || fields > MAIL_MAX_FIELDS)
		cut = TRUE;
	if (cut) {
		head = g_byte_array_new();
		fields = 0;
		for (i = 0; i < hdr; i = field) {
			gboolean blank = data[i] == '\n' || (data[i] == '\r' &&
			    i + 1 < hdr && data[i + 1] == '\n');

			field = line_end(data, hdr, i);
			while (field < hdr && (data[field] == ' ' ||
			    data[field] == '\t'))
				field = line_end(data, hdr, field);
			if (blank || ++fields > MAIL_MAX_FIELDS)
				continue;
			g_byte_array_append(head, (const guint8 *)data + i,
			    MIN(field - i, MAIL_MAX_FIELD_BYTES));
			if (field - i > MAIL_MAX_FIELD_BYTES)
				g_byte_array_append(head, (const guint8 *)"\n",
				    1);
		}
		g_byte_array_append(head, (const guint8 *)"\n", 1);
		note(m, "header block cut: %u fields, of which the first %d "
		    "are read, each to %d bytes", fields, MAIL_MAX_FIELDS,
		    MAIL_MAX_FIELD_BYTES);
	}
	for (i = hdr; i < len; i = line_end(data, len, i)) {
		if (data[i] == '-' && i + 1 < len && data[i + 1] == '-' &&
		    ++delims > MAIL_MAX_DELIMITERS) {
			end = i;
			note(m, "only the first %d lines that may delimit a "
			    "MIME part read", MAIL_MAX_DELIMITERS);
			break;
		}
		/* the header lines of parts and attached messages, which
		 * GMime makes objects of (a header, a parameter each) */
		in_fields = (in_fields && (data[i] == ' ' ||
		    data[i] == '\t')) || field_line(data + i, len - i);
		if (in_fields && ++body_fields > MAIL_MAX_BODY_FIELDS) {
			end = i;
			note(m, "only the first %d header lines of the message's "
			    "parts read", MAIL_MAX_BODY_FIELDS);
			break;
		}
	}
	if (!cut && end == len)
		return whole;
	s = g_mime_stream_cat_new();
	if (head != NULL) {
		GMimeStream *h = g_mime_stream_mem_new_with_byte_array(head);

		g_mime_stream_cat_add_source(GMIME_STREAM_CAT(s), h);
		g_object_unref(h);
	} else {
		GMimeStream *h = g_mime_stream_substream(whole, 0, hdr);

		g_mime_stream_cat_add_source(GMIME_STREAM_CAT(s), h);
		g_object_unref(h);
	}
	if (end > hdr) {
		GMimeStream *b = g_mime_stream_substream(whole, hdr, end);

		g_mime_stream_cat_add_source(GMIME_STREAM_CAT(s), b);
		g_object_unref(b);
	}
	g_object_unref(whole);
	return s;
}

char *
mail_message_id(const char *data, gsize len, gint64 *date)
{
	gsize n = header_end(data, MIN(len, MAIL_MAX_HEADER_BLOCK));
	char *copy = g_malloc(n + 2), *id = NULL;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	const char *v;

	mail_init();
	memcpy(copy, data, n);
	/* the same bare-CR reading as mail_parse() */
	if (n > 0 && memchr(copy, '\n', n) == NULL)
		for (gsize i = 0; i < n; i++)
			if (copy[i] == '\r')
				copy[i] = '\n';
	copy[n] = '\n';
	copy[n + 1] = '\0';
	stream = g_mime_stream_mem_new_with_buffer(copy, n + 1);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, parser_options);
	if (date != NULL) {
		GDateTime *t = msg != NULL ? g_mime_message_get_date(msg) :
		    NULL;

		*date = t != NULL ? g_date_time_to_unix(t) : 0;
	}
	if (msg != NULL && (v = g_mime_message_get_message_id(msg)) != NULL &&
	    *v != '\0') {
		char *c = clean_value(v);

		id = g_strdup_printf("<%s>", c);
		g_free(c);
	}
	if (msg != NULL)
		g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(stream);
	g_free(copy);
	return id;
}

struct mail *
mail_new(void)
{
	struct mail *m = g_new0(struct mail, 1);

	m->headers = g_ptr_array_new_with_free_func(header_free);
	m->notes = g_ptr_array_new_with_free_func(g_free);
	m->thread = g_new0(char *, 1);
	m->recipients = g_new0(char *, 1);
	return m;
}

/* A parsed message's headers, envelope and body parts into m. */
static void
read_message(struct mail *m, GMimeMessage *msg, gboolean nested)
{
	struct walk w = { m, 0, nested };

	read_headers(m, GMIME_OBJECT(msg));
	if (g_mime_message_get_mime_part(msg) != NULL)
		read_content_headers(m, g_mime_message_get_mime_part(msg));
	read_envelope(m, msg);
	m->report = is_report(g_mime_message_get_mime_part(msg));
	walk_object(&w, g_mime_message_get_mime_part(msg), 0);
}

gboolean
mail_address_parse(const char *value, struct mail_addr *out)
{
	InternetAddressList *list;

	mail_init();
	out->name = out->addr = NULL;
	if (value == NULL || (list = internet_address_list_parse(
	    parser_options, value)) == NULL)
		return FALSE;
	first_mailbox(list, out);
	g_object_unref(list);
	return out->addr != NULL;
}

struct mail *
mail_parse(const char *data, gsize len)
{
	struct mail *m = mail_new();
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	GByteArray *view;
	char *crlf = NULL;

	mail_init();
	/* Old Mac mail ends lines with a bare CR, which MIME parsers do
	 * not take for a line end: read such a message with LFs. */
	if (len > 0 && memchr(data, '\n', MIN(len, 65536)) == NULL &&
	    memchr(data, '\r', MIN(len, 65536)) != NULL) {
		crlf = g_memdup2(data, len);
		for (gsize i = 0; i < len; i++)
			if (crlf[i] == '\r')
				crlf[i] = '\n';
		data = crlf;
		note(m, "bare CR line ends read as LF");
	}
	/* GMime reads the caller's bytes where they are: a stream made
	 * with a buffer would copy the whole message first. The array is
	 * the stream's (not owned by it) and lent the bytes; it gives
	 * them back, unfreed, when every GMime object is gone. */
	view = g_byte_array_new();
	view->data = (guint8 *)data;
	view->len = len;
	stream = bounded_stream(m, view);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, parser_options);
	if (msg == NULL) {
		note(m, "not a MIME message: GMime could not parse it");
		m->plain = mail_to_utf8(data, MIN(len, MAIL_MAX_BODY_BYTES),
		    NULL);
		goto out;
	}
	read_message(m, msg, FALSE);
	g_object_unref(msg);
out:
	g_object_unref(parser);
	g_object_unref(stream);
	g_byte_array_free(view, FALSE);	/* the array, not the bytes */
	g_free(crlf);
	return m;
}

void
mail_free(struct mail *m)
{
	if (m == NULL)
		return;
	g_ptr_array_free(m->headers, TRUE);
	g_ptr_array_free(m->notes, TRUE);
	g_free(m->from.name);
	g_free(m->from.addr);
	g_free(m->reply_to.name);
	g_free(m->reply_to.addr);
	g_free(m->subject);
	g_free(m->message_id);
	g_strfreev(m->thread);
	g_strfreev(m->recipients);
	g_free(m->date_offset);
	g_free(m->plain);
	g_free(m->html);
	mail_free(m->attached);
	g_free(m);
}

const char *
mail_header(const struct mail *m, const char *name)
{
	for (guint i = 0; i < m->headers->len; i++) {
		const struct mail_header *h = g_ptr_array_index(m->headers, i);

		if (g_ascii_strcasecmp(h->name, name) == 0)
			return h->value;
	}
	return NULL;
}
