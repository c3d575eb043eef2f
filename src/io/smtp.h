/*
 * smtp.h: the email channel. Builds the message that carries a lead to
 * its owner (mode = forward: a new DMARC-safe message with the original
 * attached; mode = redirect: the original with Resent-* headers) and sends
 * messages over SMTP with libcurl, one handle per server so that libcurl
 * keeps the connection open between messages.
 *
 * The caller owns what is returned unless stated. Strings are UTF-8.
 */
#ifndef LR_SMTP_H
#define LR_SMTP_H

#include <glib.h>

#include "status.h"

#define SMTP_MAX_REPLY		1024	/* bytes kept of the server's last reply */
#define SMTP_MAX_RCPTS		100	/* recipients of one message */
#define SMTP_MSGID_HEX		32	/* hex digits of SHA-256 in a Message-ID */
#define SMTP_DEFAULT_TIMEOUT	60	/* seconds, when config says 0 */

struct smtp_config {
	const char *url;	/* borrowed: smtp://host[:port] or smtps://... */
	const char *user;	/* borrowed; NULL: no AUTH */
	const char *password;	/* borrowed; NULL: none */
	const char *from;	/* borrowed: "Name <addr>", sender of forwards */
	gboolean allow_plaintext; /* smtp:// without STARTTLS to any host */
	const char *ca_file;	/* borrowed; NULL: the system store */
	long timeout;		/* seconds for one message; 0: default */
	const char *const *connect_to; /* borrowed, NULL-terminated
				 * "HOST:PORT:ADDR:PORT" (CURLOPT_CONNECT_TO);
				 * for tests and pinning; NULL: none */
	struct oauth *oauth;	/* borrowed; not NULL: AUTH XOAUTH2 as user
				 * with its access token, password unused */
};

struct smtp_result {
	long code;		/* last SMTP reply code; 0: no reply */
	gboolean permanent;	/* 5xx for this message: do not retry */
	char *text;		/* owned: server reply or curl's error */
};

struct smtp;
struct oauth;

/*
 * A sender for cfg (copied). LR_CONFIG with a message logged when the
 * URL is not smtp:// or smtps:// or has no host, or when from has no
 * address. smtp:// requires STARTTLS unless the host is loopback or
 * allow_plaintext is set; certificates are always verified.
 */
enum lr_status smtp_new(const struct smtp_config *cfg,
    struct smtp **out) LR_WUR;
void smtp_free(struct smtp *s);		/* says QUIT; NULL is fine */

/* The envelope address of cfg->from, borrowed from s. */
const char *smtp_sender(const struct smtp *s);

/*
 * Send one message: data (len bytes, any mix of LF and CRLF line ends;
 * sent as CRLF, dot-stuffed by libcurl) from mail_from (NULL: the
 * configured sender) to rcpts (NULL-terminated bare addresses).
 * LR_OK: the server took it. LR_TEMPFAIL: retry later (no connection,
 * timeout, TLS failure, 4xx). LR_BADMSG: the server refused this message
 * or a recipient for good (5xx), res->permanent is set. LR_CONFIG: the
 * server refused our credentials (530/534/535/538; with OAuth2, after a
 * second try with a new access token), the token endpoint refused the
 * refresh, or an address is not usable in an SMTP command. res is always filled; clear it with
 * smtp_result_clear().
 */
enum lr_status smtp_send(struct smtp *s, const char *mail_from,
    const char *const *rcpts, const char *data, gsize len,
    struct smtp_result *res) LR_WUR;
void smtp_result_clear(struct smtp_result *res);


/* What a forward is made of; all fields borrowed. */
struct forward_spec {
	const char *from;	/* the configured sender, "Name <addr>" */
	const char *to;		/* the owner, "Name <addr>" or addr */
	const char *reply_to;	/* the lead's address; NULL or bad: none */
	const char *subject;	/* UTF-8, already rendered */
	const char *text;	/* UTF-8 summary, the text/plain part */
	const char *raw;	/* the original message, attached unchanged;
				 * NULL: a message of its own (a digest),
				 * the text alone */
	gsize raw_len;
	const char *message_key; /* the journal's identity of the original */
	const char *owner;	/* owner id: X-Leadroute-Owner, Message-ID */
	const char *loop_token;	/* X-Leadroute-Loop value */
	const char *rule;	/* X-Leadroute-Rule; NULL: none */
	const char *dimensions;	/* X-Leadroute-Dimensions; NULL: none */
	const char *reason;	/* X-Leadroute-Reason; NULL: none */
	gint64 date;		/* seconds since the epoch; 0: now */
};

/*
 * The forward message for f, in *out (NUL-terminated, *len bytes).
 * Header values have CR, LF and other controls replaced by spaces and
 * are RFC 2047 encoded when not ASCII. LR_CONFIG when from or to has no
 * address.
 */
enum lr_status smtp_build_forward(const struct forward_spec *f, char **out,
    gsize *len) LR_WUR;

/*
 * mode = redirect: f->raw unchanged, after Resent-Date, Resent-From
 * (f->from), Resent-To (f->to), Resent-Message-ID and X-Leadroute-Loop
 * (when f->loop_token) written with the original's line ends. Only from,
 * to, raw, message_key, owner, loop_token and date are used.
 */
enum lr_status smtp_build_redirect(const struct forward_spec *f, char **out,
    gsize *len) LR_WUR;

/*
 * The deterministic Message-ID of the forward of message_key to owner,
 * without <>: "lr-<hex SHA-256(key NUL owner), SMTP_MSGID_HEX digits>@"
 * the domain of from, or leadroute.invalid when it has none.
 */
char *smtp_message_id(const char *message_key, const char *owner,
    const char *from);

#endif
