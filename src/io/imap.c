/*
 * imap.c: the IMAP source over libetpan's mailimap (see imap.h): the
 * connection, TLS, login and IDLE; folders and messages are
 * imap_mailbox.c's.
 *
 * TLS: Debian's libetpan does TLS with GnuTLS and verifies nothing: its
 * mailstream_ssl_set_server_certicate() is "not implemented" there and
 * the handshake accepts any certificate. So we let libetpan do the
 * handshake (with SNI set from the context callback), then, before a
 * single credential is sent, take the peer's chain with
 * mailstream_get_certificate_chain() and verify it ourselves with a
 * GnuTLS trust list (ca_file or the system store), checking the host
 * name and the TLS server purpose. A failure closes the connection.
 *
 * IDLE: libetpan sends IDLE and reads the continuation; we then poll the
 * socket and read untagged lines ourselves until one announces a change.
 * Known gap: bytes already decrypted and buffered inside GnuTLS (not in
 * mailstream's buffer) do not make the socket readable, so an update
 * that arrived in the same read as the continuation may wait for the
 * next one or the timeout; the caller searches again after every wait,
 * so this delays mail but never loses it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "imap_p.h"
#include "oauth.h"
#include "log.h"
#include "net.h"

#define TRACE_MAX	200	/* bytes of one protocol chunk logged */

void
imap_set_err(struct imap_conn *c, const char *fmt, ...)
{
	va_list ap;

	g_free(c->err);
	va_start(ap, fmt);
	c->err = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* a server's words end lines of the log, not break them */
	g_strchomp(c->err);
	g_strdelimit(c->err, "\r\n\t", ' ');
	log_debug("imap: %s", c->err);
}

enum lr_status
imap_map_err(struct imap_conn *c, int r, const char *what)
{
	const char *resp = c->imap->imap_response;

	if (resp == NULL)
		resp = "";
	switch (r) {
	case MAILIMAP_NO_ERROR:
	case MAILIMAP_NO_ERROR_AUTHENTICATED:
	case MAILIMAP_NO_ERROR_NON_AUTHENTICATED:
		g_clear_pointer(&c->err, g_free);
		return LR_OK;
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_SSL:
		imap_set_err(c, "%s: connection lost or broken (libetpan %d)", what, r);
		return LR_BADSOURCE;
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_INVAL:
		imap_set_err(c, "%s: internal error (libetpan %d)", what, r);
		return LR_FATAL;
	case MAILIMAP_ERROR_LOGIN:
	case MAILIMAP_ERROR_SASL:
		imap_set_err(c, "%s: rejected: %s", what, resp);
		c->refused = TRUE;
		return LR_CONFIG;
	default:
		imap_set_err(c, "%s: the server refused it: %s", what,
		    *resp != '\0' ? resp : "(no reason given)");
		if (!c->quiet)
			log_warnx("imap: %s: %s", c->host, c->err);
		return LR_TEMPFAIL;
	}
}

/* Debug trace of the protocol; libetpan marks password bytes private. */
static void
trace(mailimap *imap, int type, const char *str, size_t size, void *ctx)
{
	const char *dir;
	int n;

	(void)imap;
	(void)ctx;
	if (log_get_level() < LOG_LVL_DEBUG)
		return;
	switch (type) {
	case MAILSTREAM_LOG_TYPE_DATA_RECEIVED:
		dir = "S:";
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT:
		dir = "C:";
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE:
		log_debug("imap: C: <credentials redacted>");
		return;
	default:
		return;
	}
	while (size > 0 && (str[size - 1] == '\n' || str[size - 1] == '\r'))
		size--;
	n = size > TRACE_MAX ? TRACE_MAX : (int)size;
	log_debug("imap: %s %.*s%s", dir, n, str, size > TRACE_MAX ? " ..." : "");
}

/* libetpan's TLS context callback: set SNI (only for names, not IPs). */
static void
tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	const char *host = data;
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1)
		return;
	if (mailstream_ssl_set_server_name(ctx, (char *)host) < 0)
		log_debug("imap: could not set TLS server name");
}

static enum lr_status
import_chain(struct imap_conn *c, gnutls_x509_crt_t **crts, unsigned *n)
{
	carray *chain;
	unsigned i;

	*n = 0;
	chain = mailstream_get_certificate_chain(c->imap->imap_stream);
	if (chain == NULL || carray_count(chain) == 0) {
		if (chain != NULL)
			mailstream_certificate_chain_free(chain);
		imap_set_err(c, "TLS: server sent no certificate");
		return LR_CONFIG;
	}
	*crts = g_new0(gnutls_x509_crt_t, carray_count(chain));
	for (i = 0; i < carray_count(chain); i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };

		if (gnutls_x509_crt_init(&(*crts)[*n]) < 0)
			break;
		if (gnutls_x509_crt_import((*crts)[*n], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit((*crts)[*n]);
			break;
		}
		(*n)++;
	}
	mailstream_certificate_chain_free(chain);
	if (*n == 0) {
		imap_set_err(c, "TLS: cannot read the server's certificate");
		return LR_CONFIG;
	}
	return LR_OK;
}

static enum lr_status
load_trust(struct imap_conn *c, const char *ca_file, gnutls_x509_trust_list_t tl)
{
	int r;

	if (ca_file != NULL)
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0) {
		imap_set_err(c, "TLS: no trusted CA loaded from %s%s%s",
		    ca_file != NULL ? ca_file : "the system store",
		    r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
		return LR_CONFIG;
	}
	return LR_OK;
}

/* Verify the peer's chain and name; called right after the handshake. */
static enum lr_status
verify_peer(struct imap_conn *c, const char *ca_file)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t *crts = NULL;
	gnutls_typed_vdata_st vd[2];
	gnutls_datum_t why = { NULL, 0 };
	unsigned n = 0, status = 0, i;
	enum lr_status rc;
	int r;

	rc = import_chain(c, &crts, &n);
	if (rc)
		goto out;
	if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
		rc = LR_FATAL;
		goto out;
	}
	rc = load_trust(c, ca_file, tl);
	if (rc)
		goto out;
	memset(vd, 0, sizeof(vd));
	vd[0].type = GNUTLS_DT_DNS_HOSTNAME;
	vd[0].data = (unsigned char *)c->host;
	vd[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, vd, 2, 0, &status, NULL);
	if (r < 0 || status != 0) {
		if (r >= 0)
			gnutls_certificate_verification_status_print(status,
			    GNUTLS_CRT_X509, &why, 0);
		imap_set_err(c, "TLS: certificate of %s not trusted: %s",
		    c->host, r < 0 ? gnutls_strerror(r) :
		    (const char *)why.data);
		gnutls_free(why.data);
		rc = LR_CONFIG;
		goto out;
	}
	log_debug("imap: TLS certificate of %s verified", c->host);
out:
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	g_free(crts);
	return rc;
}

static enum lr_status
parse_url(struct imap_conn *c, const char *url, gboolean *tls, guint16 *port)
{
	GUri *u;
	const char *path;
	enum lr_status rc = LR_CONFIG;

	u = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	if (u == NULL || g_uri_get_host(u) == NULL || *g_uri_get_host(u) == '\0') {
		imap_set_err(c, "bad URL: %s", url);
		goto out;
	}
	if (g_ascii_strcasecmp(g_uri_get_scheme(u), "imaps") == 0)
		*tls = TRUE;
	else if (g_ascii_strcasecmp(g_uri_get_scheme(u), "imap") == 0)
		*tls = FALSE;
	else {
		imap_set_err(c, "URL scheme must be imap or imaps: %s", url);
		goto out;
	}
	*port = g_uri_get_port(u) > 0 ? g_uri_get_port(u) : (*tls ? 993 : 143);
	c->host = g_strdup(g_uri_get_host(u));
	path = g_uri_get_path(u);
	while (*path == '/')
		path++;
	c->mailbox = g_strdup(*path != '\0' ? path : "INBOX");
	rc = LR_OK;
out:
	if (u != NULL)
		g_uri_unref(u);
	return rc;
}

/*
 * Send cmd as written (libetpan's mailimap_custom_command adds a space
 * before the CRLF, which Cyrus refuses) and read the answer; the untagged
 * data lands in imap_response_info as for libetpan's own commands.
 */
int
imap_send_raw(mailimap *imap, const char *cmd)
{
	struct mailimap_response *resp = NULL;
	int r, ok;

	if ((r = mailimap_send_current_tag(imap)) != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(imap->imap_stream, cmd, strlen(cmd)) < 0 ||
	    mailstream_write(imap->imap_stream, "\r\n", 2) < 0 ||
	    mailstream_flush(imap->imap_stream) == -1 ||
	    mailimap_read_line(imap) == NULL)
		return MAILIMAP_ERROR_STREAM;
	if ((r = mailimap_parse_response(imap, &resp)) != MAILIMAP_NO_ERROR)
		return r;
	ok = resp->rsp_resp_done->rsp_type == MAILIMAP_RESP_DONE_TYPE_TAGGED &&
	    resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type ==
	    MAILIMAP_RESP_COND_STATE_OK;
	r = resp->rsp_resp_done->rsp_type == MAILIMAP_RESP_DONE_TYPE_TAGGED ?
	    MAILIMAP_ERROR_CUSTOM_COMMAND : MAILIMAP_ERROR_STREAM;
	mailimap_response_free(resp);
	return ok ? MAILIMAP_NO_ERROR : r;
}

/*
 * Refresh the capability list (it changes after STARTTLS and login);
 * libetpan keeps what the server's "* CAPABILITY" says. Not with
 * mailimap_capability(), which copies a list the server may never have
 * sent: an "OK" alone made it read a NULL (found by fuzz_imap).
 */
static enum lr_status
refresh_caps(struct imap_conn *c)
{
	return imap_map_err(c, imap_send_raw(c->imap, "CAPABILITY"),
	    "CAPABILITY");
}

/* Whether c->host has an address; if not, c->err says so. */
static gboolean
resolvable(struct imap_conn *c)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	int e;

	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(c->host, NULL, &hints, &res)) == 0) {
		freeaddrinfo(res);
		return TRUE;
	}
	imap_set_err(c, "cannot find the host %s: %s; is the name in [inbox] "
	    "url right?", c->host, gai_strerror(e));
	return FALSE;
}

/*
 * What a failed connect says to the admin reading the log: what failed,
 * where, and what to look at, instead of libetpan's code. rc is kept.
 */
static enum lr_status
connect_failed(struct imap_conn *c, int r, guint16 port, gboolean tls,
    enum lr_status rc)
{
	if (r == MAILIMAP_ERROR_CONNECTION_REFUSED)
		imap_set_err(c, "cannot reach %s:%u: the connection was refused "
		    "or timed out; is the host and port right (imaps:// is "
		    "usually 993, imap:// 143), and is the server up?", c->host,
		    (unsigned)port);
	else if (tls && r == MAILIMAP_ERROR_SSL)
		imap_set_err(c, "the TLS handshake with %s:%u failed; is it the "
		    "imaps port (usually 993)? On 143, use imap:// (STARTTLS)",
		    c->host, (unsigned)port);
	else if (!tls)
		imap_set_err(c, "%s:%u did not greet as an IMAP server (libetpan "
		    "%d); if it is the imaps port (993), use imaps://", c->host,
		    (unsigned)port, r);
	return rc;
}

/*
 * What libetpan is given of the server's words. libetpan 1.9.4's parser
 * fails on some answers in ways no caller can recover from (found by
 * fuzz_imap): a read of 0 bytes (the server closed the connection) taken
 * for "nothing yet" in the middle of a literal, spinning at full CPU; an
 * unbalanced "(" in a status code ("* OK [PERMANENTFLAGS (") dereferencing
 * NULL, also after a run of blanks ("[PERMANENTFLAGS \t (%)]"); a list in a greeting's code ("* OK [PERMANENTFLAGS ()] hi"), read
 * without the context it needs; an empty list of capabilities, walked as
 * NULL; a literal of 4 GB announced and allocated. So every read goes
 * through a guard that follows the answers' shape (RFC 3501 9: a
 * response line, its literals, its parentheses and quoted strings) and
 * makes a read error of the end of the connection, of a response whose
 * parentheses or quotes do not close on its last line, of a status code
 * ("[...]") left open, and of a literal larger than any message fetched.
 * A read error is what every libetpan parser handles: the connection is
 * lost, and the agent reconnects. The guard is the driver libetpan calls
 * (its first member), wrapping the transport's own.
 */
#define GUARD_MAX_LITERAL	((gint64)IMAP_MAX_MESSAGE_BYTES + 65536)

enum guard_kind { G_HEAD, G_DATA, G_STATUS, G_CODE, G_FREE };

struct guard {
	mailstream_low_driver drv;	/* first: what libetpan calls */
	const mailstream_low_driver *orig;	/* the transport's */
	gint64 literal;			/* bytes of a literal still to come */
	enum guard_kind kind;
	char head[24];			/* the first words of a response */
	guint head_len, spaces;
	char tail[24];			/* the last bytes of a line */
	guint tail_len;
	int depth;			/* open parentheses */
	gboolean quoted, escaped, in_line, broken;
	gboolean flags;			/* in a list of flags (FLAGS,
					 * PERMANENTFLAGS): flag by flag */
	guint tok_len, ntok;		/* of the flag being read, read */
	char prev;
	guint responses;		/* ended; the first is the greeting */
};

/* One character of a list of flags (RFC 3501 9: flag-perm, flag-list),
 * which libetpan 1.9.4 cannot refuse without reading NULL: "\*", or
 * ["\"] atom, separated by one space. The reason when it breaks it. */
static const char *
guard_flag(struct guard *g, char ch)
{
	const char *why = "a malformed list of flags";

	/* a flag's end: never empty, never a lone "\" */
	if ((ch == ')' || ch == ' ') && g->tok_len == 1 && g->prev == '\\')
		return why;
	if (ch == ')') {
		if (g->tok_len == 0 && g->ntok > 0)
			return why;
		g->flags = FALSE;
		return NULL;
	}
	if (ch == ' ') {
		if (g->tok_len == 0)
			return why;
		g->tok_len = 0;
		return NULL;
	}
	if (g->tok_len == 1 && g->prev == '*')
		return why;	/* "\*" is the whole flag */
	if (ch == '\\' && g->tok_len != 0)
		return why;
	if (ch == '*' && !(g->tok_len == 1 && g->prev == '\\'))
		return why;
	if ((unsigned char)ch <= 0x20 || (unsigned char)ch >= 0x7f ||
	    strchr("(){%\"]", ch) != NULL)
		return why;
	if (g->tok_len++ == 0)
		g->ntok++;
	return NULL;
}

/* Does the tail, which ends in "(", open the list of "[PERMANENTFLAGS"?
 * libetpan takes any run of spaces and tabs for the one space (and then
 * reads NULL when the list is malformed), so the guard does too. */
static gboolean
guard_permanentflags(const struct guard *g)
{
	static const char code[] = "[PERMANENTFLAGS";
	const size_t n = sizeof(code) - 1;
	size_t end = g->tail_len - 1;	/* before the "(" */

	while (end > 0 && (g->tail[end - 1] == ' ' || g->tail[end - 1] == '\t'))
		end--;
	return end >= n && g_ascii_strncasecmp(g->tail + end - n, code,
	    n) == 0;
}

/* The words of a response so far name its kind: "+" (a continuation)
 * and status responses are free text (after a status's [code], which
 * the next byte tells, in this read or the next); the rest is data,
 * whose parentheses must close. */
static void
guard_kind(struct guard *g)
{
	static const char *status[] = { "OK", "NO", "BAD", "BYE", "PREAUTH",
	    NULL };
	char *sp;

	g->head[g->head_len] = '\0';
	if (g->head[0] == '+') {
		g->kind = G_FREE;
		return;
	}
	g->kind = G_DATA;
	sp = strchr(g->head, ' ');
	if (sp == NULL)
		return;
	for (int i = 0; status[i] != NULL; i++)
		if (g_ascii_strcasecmp(sp + 1, status[i]) == 0)
			g->kind = G_STATUS;
}

/* The end of a line: a literal announced ("{n}" or "{n+}"), or the end of
 * a response that must have closed what it opened. */
static const char *
guard_line_end(struct guard *g)
{
	char *open, *end;
	gint64 n;

	g->tail[g->tail_len] = '\0';
	if (g->tail_len > 0 && g->tail[g->tail_len - 1] == '\r')
		g->tail[--g->tail_len] = '\0';
	open = strrchr(g->tail, '{');
	if ((g->kind == G_DATA || g->kind == G_CODE) && !g->quoted &&
	    open != NULL && g->tail[g->tail_len - 1] == '}') {
		n = g_ascii_strtoll(open + 1, &end, 10);
		if (end != open + 1 && (*end == '}' || (*end == '+' &&
		    end[1] == '}'))) {
			if (n < 0 || n > GUARD_MAX_LITERAL)
				return "a literal larger than any message";
			g->literal = n;
			g->tail_len = 0;
			return NULL;
		}
	}
	if (g->quoted)
		return "a quoted string not closed";
	if (g->kind == G_CODE)
		return "a response code not closed";
	g->head[g->head_len] = '\0';
	if (g->kind == G_HEAD && g_ascii_strncasecmp(g->head, "* CAPABILITY",
	    12) == 0 && strspn(g->head + 12, "\r") == strlen(g->head + 12))
		return "an empty list of capabilities";
	if (g->kind == G_DATA && g->depth != 0)
		return "parentheses not closed";
	g->in_line = FALSE;
	g->responses++;
	return NULL;
}

/* Follow buf; the reason when the answer is malformed. */
static const char *
guard_scan(struct guard *g, const char *buf, size_t n)
{
	const char *why;

	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (g->literal > 0) {
			size_t take = (size_t)MIN((gint64)(n - i), g->literal);

			g->literal -= (gint64)take;
			i += take - 1;
			continue;
		}
		if (!g->in_line) {
			g->in_line = TRUE;
			g->kind = G_HEAD;
			g->head_len = g->spaces = g->tail_len = 0;
			g->depth = 0;
			g->quoted = g->escaped = g->flags = FALSE;
		}
		if (ch == '\n') {
			if ((why = guard_line_end(g)) != NULL)
				return why;
			continue;
		}
		if (g->tail_len == sizeof(g->tail) - 1) {
			memmove(g->tail, g->tail + 1, g->tail_len - 1);
			g->tail_len--;
		}
		/* a run of blanks kept as one, so that no run pushes
		 * "[PERMANENTFLAGS" out of the tail */
		if (!((ch == ' ' || ch == '\t') && g->tail_len > 0 &&
		    (g->tail[g->tail_len - 1] == ' ' ||
		    g->tail[g->tail_len - 1] == '\t')))
			g->tail[g->tail_len++] = ch;
		if (g->kind == G_STATUS) {	/* the text's first byte */
			if (ch != ' ' && ch != '\t')	/* libetpan skips more */
				g->kind = ch == '[' ? G_CODE : G_FREE;
			continue;
		}
		if (g->kind == G_HEAD) {
			if ((ch == ' ' || ch == '\t') && g->spaces == 1 &&
			    g->head_len > 0 && g->head[g->head_len - 1] == ' ')
				continue;	/* "* OK  [" */
			if ((ch == ' ' && ++g->spaces == 2) ||
			    (ch == '[' && g->spaces == 1)) {
				guard_kind(g);	/* "* OK[" as "* OK [" */
				if (ch == '[' && g->kind == G_STATUS)
					g->kind = G_CODE;
				if (ch == '[')
					continue;
			} else if (g->head_len < sizeof(g->head) - 1)
				g->head[g->head_len++] = ch;
			if (g->kind == G_HEAD && g->head_len == 1 && ch == '+')
				g->kind = G_FREE;
			if (g->kind == G_HEAD && ch != '(' && ch != '"')
				continue;
			if (g->kind == G_HEAD)
				g->kind = G_DATA;
		}
		if (g->kind == G_FREE)
			continue;
		if (g->flags) {
			if ((why = guard_flag(g, ch)) != NULL)
				return why;
			g->prev = ch;
			if (ch == ')')
				g->depth--;
			continue;
		}
		if (g->quoted) {
			if (g->escaped)
				g->escaped = FALSE;
			else if (ch == '\\')
				g->escaped = TRUE;
			else if (ch == '"')
				g->quoted = FALSE;
			continue;
		}
		if (ch == '"')
			g->quoted = TRUE;
		else if (ch == '(' && g->kind == G_CODE && g->responses == 0)
			return "a list in the greeting's response code";
		else if (ch == '(') {
			g->head[g->head_len] = '\0';
			g->tail[g->tail_len] = '\0';
			if (g->depth++ == 0 && ((g->kind == G_DATA &&
			    g_ascii_strcasecmp(g->head, "* FLAGS") == 0) ||
			    (g->kind == G_CODE && guard_permanentflags(g)))) {
				g->flags = TRUE;
				g->tok_len = g->ntok = 0;
				g->prev = '(';
			}
		}
		else if (ch == ')' && --g->depth < 0)
			return "a parenthesis closed that was not open";
		else if (g->kind == G_CODE && ch == ']') {
			/* "[CODE ...]": its lists closed first */
			if (g->depth > 0)
				return "a response code closed inside a list";
			g->tail[g->tail_len] = '\0';
			if (g->tail_len >= 12 && g_ascii_strcasecmp(g->tail +
			    g->tail_len - 12, "[CAPABILITY]") == 0)
				return "an empty list of capabilities";
			g->kind = G_FREE;
		} else if (g->kind == G_CODE && g->depth > 0 &&
		    (unsigned char)ch < 0x20)
			return "a control character in a response code";
	}
	return NULL;
}

static ssize_t
guard_read(mailstream_low *s, void *buf, size_t count)
{
	struct guard *g = (struct guard *)s->driver;
	const char *why;
	ssize_t n;

	if (g->broken)
		return -1;
	n = g->orig->mailstream_read(s, buf, count);
	if (n == 0 && count > 0)
		why = "the server closed the connection";
	else if (n > 0)
		why = guard_scan(g, buf, (size_t)n);
	else
		return n;
	if (why == NULL)
		return n;
	log_warnx("imap: %s; the connection is dropped", why);
	g->broken = TRUE;
	errno = EPROTO;
	return -1;
}

static void
guard_free(mailstream_low *s)
{
	struct guard *g = (struct guard *)s->driver;

	s->driver = (mailstream_low_driver *)g->orig;
	g->orig->mailstream_free(s);
	g_free(g);
}

/* Put the guard between libetpan and stream's transport (again after
 * STARTTLS, which gives the stream a new one). */
static void
guard_stream(mailstream *stream)
{
	mailstream_low *low;
	struct guard *g;

	if (stream == NULL || (low = mailstream_get_low(stream)) == NULL ||
	    low->driver->mailstream_read == guard_read)
		return;
	g = g_new0(struct guard, 1);
	g->orig = low->driver;
	g->drv = *low->driver;
	g->drv.mailstream_read = guard_read;
	g->drv.mailstream_free = guard_free;
	low->driver = &g->drv;
}

/* A TCP connection to host:port within timeout seconds; -1 if none. */
static int
tcp_connect(const char *host, guint16 port, time_t timeout)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char service[8];
	int fd = -1;

	hints.ai_socktype = SOCK_STREAM;
	g_snprintf(service, sizeof(service), "%u", (unsigned)port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		struct pollfd pfd;
		int flags, err = 0;
		socklen_t len = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		flags = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (errno != EINPROGRESS || poll(&pfd, 1,
			    (int)timeout * 1000) != 1 ||
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) != 0 || err != 0) {
				close(fd);
				fd = -1;
				continue;
			}
		}
		fcntl(fd, F_SETFL, flags);
	}
	freeaddrinfo(res);
	return fd;
}

/* mailimap_socket_connect() or mailimap_ssl_connect_with_callback(), with
 * the guard in place before the server's greeting is read. */
static int
connect_guarded(struct imap_conn *c, guint16 port, gboolean tls)
{
	time_t t = c->imap->imap_timeout;
	mailstream *s;
	int fd = tcp_connect(c->host, port, t);

	if (fd < 0)
		return MAILIMAP_ERROR_CONNECTION_REFUSED;
	s = tls ? mailstream_ssl_open_with_callback_timeout(fd, t, tls_setup,
	    c->host) : mailstream_socket_open_timeout(fd, t);
	if (s == NULL) {
		close(fd);
		return tls ? MAILIMAP_ERROR_SSL : MAILIMAP_ERROR_MEMORY;
	}
	guard_stream(s);
	return mailimap_connect(c->imap, s);
}

/*
 * Whether the server's last capability list holds name (auth: an AUTH=
 * mechanism). Ours, not libetpan's mailimap_has_*(), which read NULL when
 * the server sent no list or an empty one (found by fuzz_imap).
 */
static gboolean
has_cap(const struct imap_conn *c, const char *name, gboolean auth)
{
	const struct mailimap_connection_info *ci =
	    c->imap->imap_connection_info;
	clistiter *it;

	if (ci == NULL || ci->imap_capability == NULL ||
	    ci->imap_capability->cap_list == NULL)
		return FALSE;
	for (it = clist_begin(ci->imap_capability->cap_list); it != NULL;
	    it = clist_next(it)) {
		const struct mailimap_capability *cap = clist_content(it);
		const char *v;

		if (cap == NULL)
			continue;
		if (auth && cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE)
			v = cap->cap_data.cap_auth_type;
		else if (!auth && cap->cap_type == MAILIMAP_CAPABILITY_NAME)
			v = cap->cap_data.cap_name;
		else
			continue;
		if (v != NULL && g_ascii_strcasecmp(v, name) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Open the TCP or TLS connection and, for imap://, STARTTLS if needed. */
static enum lr_status
open_transport(struct imap_conn *c, const struct imap_config *cfg,
    gboolean tls, guint16 port)
{
	enum lr_status rc;
	int r;

	if (!resolvable(c))
		return LR_BADSOURCE;
	if (tls) {
		r = connect_guarded(c, port, TRUE);
		if ((rc = imap_map_err(c, r, "connect")) != LR_OK)
			return connect_failed(c, r, port, TRUE, rc);
		return verify_peer(c, cfg->ca_file);
	}
	r = connect_guarded(c, port, FALSE);
	if ((rc = imap_map_err(c, r, "connect")) != LR_OK)
		return connect_failed(c, r, port, FALSE, rc);
	if (net_host_is_loopback(c->host)) {
		log_debug("imap: plaintext connection to %s", c->host);
		return LR_OK;
	}
	if (cfg->allow_plaintext) {
		log_warnx("imap: %s: no TLS (allow_plaintext): the password "
		    "and every message cross the network unencrypted", c->host);
		return LR_OK;
	}
	rc = refresh_caps(c);
	if (rc)
		return rc;
	if (!has_cap(c, "STARTTLS", FALSE)) {
		imap_set_err(c, "%s does not offer STARTTLS; use imaps:// or allow_plaintext",
		    c->host);
		return LR_CONFIG;
	}
	r = mailimap_socket_starttls_with_callback(c->imap, tls_setup, c->host);
	rc = imap_map_err(c, r, "STARTTLS");
	if (rc)
		return rc;
	return verify_peer(c, cfg->ca_file);
}

/* AUTHENTICATE XOAUTH2; a refused token is refreshed and tried once more
 * (it may have been revoked or expired early). */
static enum lr_status
authenticate_oauth(struct imap_conn *c, const struct imap_config *cfg)
{
	enum lr_status rc = LR_CONFIG;
	const char *token;
	char *why = NULL;
	int r;

	if (!has_cap(c, "XOAUTH2", TRUE)) {
		imap_set_err(c, "%s does not offer AUTH=XOAUTH2", c->host);
		return LR_CONFIG;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		rc = oauth_access_token(cfg->oauth, attempt > 0, &token, &why);
		if (rc) {
			imap_set_err(c, "%s", why);
			g_free(why);
			return rc;
		}
		r = mailimap_oauth2_authenticate(c->imap, cfg->user, token);
		rc = imap_map_err(c, r, "AUTHENTICATE XOAUTH2");
		if (rc != LR_CONFIG)
			return rc;
		log_info("imap: %s refused the access token; refreshing it",
		    c->host);
	}
	return rc;
}

static enum lr_status
authenticate(struct imap_conn *c, const struct imap_config *cfg)
{
	enum lr_status rc;
	int r;

	rc = refresh_caps(c);
	if (rc)
		return rc;
	if (cfg->oauth != NULL)
		return authenticate_oauth(c, cfg);
	if (cfg->user == NULL || cfg->password == NULL) {
		imap_set_err(c, "no %s to log in with (the configuration's "
		    "[inbox] user and password_file)", cfg->user == NULL ?
		    "user" : "password");
		return LR_CONFIG;
	}
	if (has_cap(c, "PLAIN", TRUE)) {
		r = mailimap_authenticate(c->imap, "PLAIN", c->host, NULL, NULL,
		    cfg->user, cfg->user, cfg->password, NULL);
		if (r != MAILIMAP_ERROR_SASL)
			return imap_map_err(c, r, "AUTHENTICATE PLAIN");
		/* Cyrus SASL lacks its PLAIN plugin: the server saw nothing. */
		log_debug("imap: SASL PLAIN unavailable locally, using LOGIN");
	}
	r = mailimap_login(c->imap, cfg->user, cfg->password);
	return imap_map_err(c, r, "LOGIN");
}

/* The hierarchy separator from LIST "" "" (a server without NAMESPACE). */
static enum lr_status
learn_delimiter(struct imap_conn *c)
{
	clist *res = NULL;
	clistiter *it;
	int r;

	r = mailimap_list(c->imap, "", "", &res);
	if (r != MAILIMAP_NO_ERROR) {
		if (res != NULL)
			mailimap_list_result_free(res);
		return imap_map_err(c, r, "LIST \"\" \"\"");
	}
	c->delim = '/';
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);

		c->delim = mb->mb_delimiter;
	}
	mailimap_list_result_free(res);
	return LR_OK;
}

/*
 * Where the user's own folders live (RFC 2342): the first personal
 * namespace's prefix and separator ("INBOX." and '.' on Cyrus and
 * Courier; "" and '/' on a default Dovecot). Without NAMESPACE, or
 * without a personal namespace, the root and LIST's separator.
 */
/* The "* NAMESPACE" data of the last answer, owned by the session (until
 * the next command); NULL when the server sent none. */
static struct mailimap_namespace_data *
namespace_answer(struct imap_conn *c)
{
	struct mailimap_response_info *info = c->imap->imap_response_info;
	clistiter *it;

	if (info == NULL || info->rsp_extension_list == NULL)
		return NULL;
	for (it = clist_begin(info->rsp_extension_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_extension_data *d = clist_content(it);

		if (d != NULL && d->ext_extension != NULL &&
		    d->ext_extension->ext_id == MAILIMAP_EXTENSION_NAMESPACE &&
		    d->ext_type == MAILIMAP_NAMESPACE_TYPE_NAMESPACE)
			return d->ext_data;
	}
	return NULL;
}

/*
 * The personal namespace (RFC 2342). Sent as a raw command and read from
 * the session's answer: libetpan's mailimap_namespace() leaks the answer
 * when an OK comes without NAMESPACE data (found by fuzz_imap).
 */
static enum lr_status
learn_namespace(struct imap_conn *c)
{
	struct mailimap_namespace_data *ns;
	struct mailimap_namespace_info *info = NULL;
	enum lr_status rc;

	g_free(c->prefix);
	c->prefix = g_strdup("");
	if (!has_cap(c, "NAMESPACE", FALSE))
		return learn_delimiter(c);
	c->quiet = TRUE;
	rc = imap_map_err(c, imap_send_raw(c->imap, "NAMESPACE"), "NAMESPACE");
	c->quiet = FALSE;
	if (rc == LR_BADSOURCE || rc == LR_FATAL)
		return rc;
	ns = rc == LR_OK ? namespace_answer(c) : NULL;
	if (ns != NULL && ns->ns_personal != NULL &&
	    ns->ns_personal->ns_data_list != NULL &&
	    clist_begin(ns->ns_personal->ns_data_list) != NULL)
		info = clist_content(clist_begin(ns->ns_personal->ns_data_list));
	if (info == NULL || info->ns_prefix == NULL)
		return learn_delimiter(c);
	g_free(c->prefix);
	c->prefix = g_strdup(info->ns_prefix);
	c->delim = info->ns_delimiter;
	if (c->delim == '\0' && *c->prefix != '\0')
		return learn_delimiter(c);
	if (c->delim == '\0')
		c->delim = '/';
	return LR_OK;
}

enum lr_status
imap_connect(const struct imap_config *cfg, struct imap_conn **out, char **err)
{
	struct imap_conn *c;
	enum lr_status rc;
	gboolean tls = FALSE;
	guint16 port = 0;

	*out = NULL;
	c = g_new0(struct imap_conn, 1);
	c->imap = mailimap_new(0, NULL);
	mailimap_set_timeout(c->imap, cfg->timeout > 0 ? cfg->timeout
	    : IMAP_DEFAULT_TIMEOUT);
	mailimap_set_logger(c->imap, trace, NULL);
	rc = parse_url(c, cfg->url, &tls, &port);
	if (rc)
		goto out;
	rc = open_transport(c, cfg, tls, port);
	if (rc)
		goto out;
	guard_stream(c->imap->imap_stream);	/* the TLS one after STARTTLS */
	if (c->imap->imap_state != MAILIMAP_STATE_AUTHENTICATED) {
		rc = authenticate(c, cfg);
		if (rc)
			goto out;
	}
	rc = refresh_caps(c);
	if (rc)
		goto out;
	rc = learn_namespace(c);
	if (rc)
		goto out;
	log_debug("imap: logged in to %s as %s (personal namespace \"%s\", "
	    "separator '%c'; IDLE %s, MOVE %s, UIDPLUS %s)", c->host,
	    cfg->user, c->prefix, c->delim, imap_has_idle(c) ? "yes" : "no",
	    imap_has_move(c) ? "yes" : "no", imap_has_uidplus(c) ? "yes" : "no");
out:
	if (cfg->refused != NULL)
		*cfg->refused = rc != LR_OK && c->refused;
	if (rc) {
		if (err != NULL)
			*err = g_strdup_printf("imap: %s", c->err != NULL ? c->err
			    : "connection failed");
		imap_free(c);
		return rc;
	}
	*out = c;
	return LR_OK;
}

const char *
imap_url_mailbox(const struct imap_conn *c)
{
	return c->mailbox;
}

const char *
imap_last_error(const struct imap_conn *c)
{
	return c->err != NULL ? c->err : "";
}

gboolean
imap_has_idle(const struct imap_conn *c)
{
	return has_cap(c, "IDLE", FALSE);
}

gboolean
imap_has_move(const struct imap_conn *c)
{
	return has_cap(c, "MOVE", FALSE);
}

gboolean
imap_has_uidplus(const struct imap_conn *c)
{
	return has_cap(c, "UIDPLUS", FALSE);
}


enum lr_status
imap_idle_start(struct imap_conn *c)
{
	struct mailimap_selection_info *si;
	uint32_t before;
	enum lr_status rc;

	if (!imap_has_idle(c) || c->idling) {
		imap_set_err(c, "IDLE not offered or already idling");
		return LR_FATAL;
	}
	/* Mail that arrived since the last command may be announced in
	 * the reply to IDLE itself, before the continuation: libetpan counts
	 * it in sel_exists; the wait then returns at once. */
	si = c->imap->imap_selection_info;
	before = si != NULL ? si->sel_exists : 0;

	rc = imap_map_err(c, mailimap_idle(c->imap), "IDLE");
	if (rc)
		return rc;
	si = c->imap->imap_selection_info;
	c->news = si != NULL && si->sel_exists > before;
	c->idling = TRUE;
	return LR_OK;
}

/* Whether an untagged line announces a mailbox change. */
static gboolean
is_update(const char *line)
{
	static const char *const words[] = { " EXISTS", " RECENT", " EXPUNGE",
	    " FETCH" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(words); i++)
		if (g_ascii_strncasecmp(line, "* ", 2) == 0 &&
		    g_ascii_isdigit(line[2]) && strstr(line, words[i]) != NULL)
			return TRUE;
	return FALSE;
}

/* Wait until the socket (or mailstream's buffer) has data; 0 on timeout. */
static int
wait_readable(struct imap_conn *c, gint64 deadline)
{
	struct pollfd pfd;
	struct timespec ts;
	sigset_t none;
	gint64 left;
	int r;

	if (c->imap->imap_stream->read_buffer_len > 0)
		return 1;
	pfd.fd = mailimap_idle_get_fd(c->imap);
	pfd.events = POLLIN;
	/* Signals the caller blocks are let in for the wait only, and one
	 * ends it (-1, EINTR): the caller then looks at what it set. */
	sigemptyset(&none);
	left = deadline - g_get_monotonic_time();
	if (left <= 0)
		return 0;
	ts.tv_sec = left / G_USEC_PER_SEC;
	ts.tv_nsec = (left % G_USEC_PER_SEC) * 1000;
	r = ppoll(&pfd, 1, &ts, &none);
	return r;
}

enum lr_status
imap_idle_wait(struct imap_conn *c, int timeout_ms, gboolean *got_update)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	const char *line;
	int r;

	*got_update = FALSE;
	if (!c->idling) {
		imap_set_err(c, "imap_idle_wait without imap_idle_start");
		return LR_FATAL;
	}
	if (c->news) {
		c->news = FALSE;
		*got_update = TRUE;
		return LR_OK;
	}
	for (;;) {
		r = wait_readable(c, deadline);
		if (r == 0 || (r < 0 && errno == EINTR))
			return LR_OK;	/* a signal: the caller looks at it */
		if (r < 0) {
			imap_set_err(c, "IDLE: poll: %s", g_strerror(errno));
			return LR_BADSOURCE;
		}
		/* at the end of the stream libetpan gives "", not NULL */
		line = mailimap_read_line(c->imap);
		if (line == NULL || *line == '\0') {
			imap_set_err(c, "IDLE: connection lost");
			return LR_BADSOURCE;
		}
		if (g_ascii_strncasecmp(line, "* BYE", 5) == 0) {
			imap_set_err(c, "IDLE: server closed: %s", line);
			return LR_BADSOURCE;
		}
		if (is_update(line)) {
			*got_update = TRUE;
			return LR_OK;
		}
	}
}

enum lr_status
imap_idle_done(struct imap_conn *c)
{
	if (!c->idling)
		return LR_OK;
	c->idling = FALSE;
	return imap_map_err(c, mailimap_idle_done(c->imap), "IDLE DONE");
}

enum lr_status
imap_noop(struct imap_conn *c)
{
	return imap_map_err(c, mailimap_noop(c->imap), "NOOP");
}

void
imap_logout(struct imap_conn *c)
{
	if (c->idling && mailimap_idle_done(c->imap) != MAILIMAP_NO_ERROR)
		log_debug("imap: IDLE DONE before LOGOUT failed");
	c->idling = FALSE;
	if (c->imap->imap_stream != NULL)
		(void)mailimap_logout(c->imap);
}

void
imap_free(struct imap_conn *c)
{
	if (c == NULL)
		return;
	mailimap_free(c->imap);
	g_free(c->host);
	g_free(c->mailbox);
	g_free(c->err);
	g_free(c->prefix);
	g_free(c);
}
