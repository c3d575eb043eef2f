/*
 * mail.h: one raw message parsed with GMime into what lead extraction
 * needs: the top-level headers decoded to UTF-8, the first text/plain and
 * text/html body parts converted to UTF-8, the sender addresses, and a few
 * structural facts. Never fails: a message GMime cannot make sense of
 * yields what could be read plus a note. Everything fed by mail is capped
 * by the limits below. The caller owns the returned struct.
 */
#ifndef LR_MAIL_H
#define LR_MAIL_H

#include <glib.h>

#define MAIL_MAX_HEADERS	500		/* top-level headers kept */
#define MAIL_MAX_HEADER_BYTES	16384		/* bytes kept of one header value */
#define MAIL_MAX_BODY_BYTES	(1024 * 1024)	/* decoded bytes scanned of a body part */
#define MAIL_MAX_DEPTH		32		/* MIME nesting walked */
#define MAIL_MAX_PARTS		512		/* MIME parts walked */
#define MAIL_MAX_THREAD		20		/* Message-IDs kept of a thread */
#define MAIL_MAX_RECIPIENTS	50		/* To and Cc addresses kept */
#define MAIL_MAX_HEADER_BLOCK	(1024 * 1024)	/* bytes read by mail_message_id() */
#define MAIL_MAX_FIELDS		1000		/* header fields given to GMime */
#define MAIL_MAX_FIELD_BYTES	65536		/* bytes of one given to GMime */
#define MAIL_MAX_DELIMITERS	(4 * MAIL_MAX_PARTS)	/* "--" lines given */
#define MAIL_MAX_BODY_FIELDS	5000		/* header lines of parts given */

struct mail_header {
	char *name;		/* owned, as written */
	char *value;		/* owned, unfolded, RFC 2047 decoded, UTF-8 */
};

struct mail_addr {
	char *name;		/* owned, display name decoded; NULL if none */
	char *addr;		/* owned, addr-spec; NULL if none or empty */
};

struct mail {
	GPtrArray *headers;	/* of struct mail_header *, owned, in order */
	struct mail_addr from;
	struct mail_addr reply_to;
	char *subject;		/* owned, decoded; NULL if none */
	char *message_id;	/* owned, with <>; NULL if none */
	char **thread;		/* owned, NULL-terminated, never NULL: the
				 * Message-IDs (with <>) this replies to,
				 * In-Reply-To first, then References newest
				 * first; at most MAIL_MAX_THREAD */
	char **recipients;	/* owned, NULL-terminated, never NULL: the
				 * addr-specs of To and Cc, at most
				 * MAIL_MAX_RECIPIENTS */
	char *date_offset;	/* owned, "+0100"; NULL if no valid Date */
	gint64 date;		/* seconds since the epoch; 0 if none */
	char *plain;		/* owned, first text/plain body part, UTF-8 */
	char *html;		/* owned, first text/html body part, UTF-8 */
	guint attachments;	/* parts that are attachments */
	gboolean report;	/* multipart/report delivery-status or MDN */
	guint messages;		/* message/rfc822 parts */
	struct mail *attached;	/* owned: the first message/rfc822 part's
				 * message (a forward as an attachment), its
				 * own attached messages not read; NULL if
				 * none */
	GPtrArray *notes;	/* of char *, owned: what was odd or capped */
};

struct mail *mail_parse(const char *data, gsize len);
/* An empty mail (arrays allocated, every field absent), to be filled. */
struct mail *mail_new(void);
void mail_free(struct mail *m);

/*
 * The first mailbox of an address header's value ("Jane <j@x.de>",
 * "j@x.de", RFC 2047 words decoded) into out (its strings owned by the
 * caller); FALSE, and out empty, when there is none.
 */
gboolean mail_address_parse(const char *value, struct mail_addr *out);

/*
 * The message's Message-ID as mail_parse() gives it ("<...>"), read from
 * the header block alone, so that a message can be identified before its
 * body is parsed. NULL when it has none. Caller frees. *date (when date
 * is not NULL) gets the Date in seconds since the epoch, 0 if none.
 */
char *mail_message_id(const char *data, gsize len, gint64 *date);

/* First value of a top-level header (case-insensitive), borrowed. */
const char *mail_header(const struct mail *m, const char *name);

/*
 * Bytes in charset to UTF-8. Unknown or missing charsets are read as
 * UTF-8 when valid, else as windows-1252; bytes that cannot be decoded
 * become U+FFFD; never fails. Caller owns the result.
 */
char *mail_to_utf8(const char *bytes, gsize len, const char *charset);

#endif
