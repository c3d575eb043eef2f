/*
 * imap.c: the IMAP source over libetpan's mailimap (see imap.h).
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
#include <signal.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "imap.h"
#include "oauth.h"
#include "log.h"
#include "net.h"

#define TRACE_MAX	200	/* bytes of one protocol chunk logged */

struct imap_conn {
	mailimap *imap;		/* owned */
	char *host;		/* owned */
	char *mailbox;		/* owned, from the URL */
	char *err;		/* owned, last error; NULL if none */
	char delim;		/* server's hierarchy separator; 0 if flat */
	gboolean idling;
	gboolean news;		/* EXISTS grew as IDLE began */
};

static void
set_err(struct imap_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_err(struct imap_conn *c, const char *fmt, ...)
{
	va_list ap;

	g_free(c->err);
	va_start(ap, fmt);
	c->err = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	log_debug("imap: %s", c->err);
}

/* libetpan return code to a status, recording what failed. */
static enum lr_status
map_err(struct imap_conn *c, int r, const char *what)
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
		set_err(c, "%s: connection lost or broken (libetpan %d)", what, r);
		return LR_BADSOURCE;
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_INVAL:
		set_err(c, "%s: internal error (libetpan %d)", what, r);
		return LR_FATAL;
	case MAILIMAP_ERROR_LOGIN:
	case MAILIMAP_ERROR_SASL:
		set_err(c, "%s: rejected: %s", what, resp);
		return LR_CONFIG;
	default:
		set_err(c, "%s: server said no: %s", what, resp);
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
		set_err(c, "TLS: server sent no certificate");
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
		set_err(c, "TLS: cannot read the server's certificate");
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
		set_err(c, "TLS: no trusted CA loaded from %s%s%s",
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
		set_err(c, "TLS: certificate of %s not trusted: %s", c->host,
		    r < 0 ? gnutls_strerror(r) : (const char *)why.data);
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
		set_err(c, "bad URL: %s", url);
		goto out;
	}
	if (g_ascii_strcasecmp(g_uri_get_scheme(u), "imaps") == 0)
		*tls = TRUE;
	else if (g_ascii_strcasecmp(g_uri_get_scheme(u), "imap") == 0)
		*tls = FALSE;
	else {
		set_err(c, "URL scheme must be imap or imaps: %s", url);
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

/* Refresh the capability list (it changes after STARTTLS and login). */
static enum lr_status
refresh_caps(struct imap_conn *c)
{
	struct mailimap_capability_data *caps = NULL;
	int r;

	r = mailimap_capability(c->imap, &caps);
	if (caps != NULL)
		mailimap_capability_data_free(caps);
	return map_err(c, r, "CAPABILITY");
}

/* Open the TCP or TLS connection and, for imap://, STARTTLS if needed. */
static enum lr_status
open_transport(struct imap_conn *c, const struct imap_config *cfg,
    gboolean tls, guint16 port)
{
	enum lr_status rc;
	int r;

	if (tls) {
		r = mailimap_ssl_connect_with_callback(c->imap, c->host, port,
		    tls_setup, c->host);
		rc = map_err(c, r, "connect");
		if (rc)
			return rc;
		return verify_peer(c, cfg->ca_file);
	}
	r = mailimap_socket_connect(c->imap, c->host, port);
	rc = map_err(c, r, "connect");
	if (rc)
		return rc;
	if (cfg->allow_plaintext || net_host_is_loopback(c->host)) {
		log_debug("imap: plaintext connection to %s", c->host);
		return LR_OK;
	}
	rc = refresh_caps(c);
	if (rc)
		return rc;
	if (!mailimap_has_extension(c->imap, "STARTTLS")) {
		set_err(c, "%s does not offer STARTTLS; use imaps:// or allow_plaintext",
		    c->host);
		return LR_CONFIG;
	}
	r = mailimap_socket_starttls_with_callback(c->imap, tls_setup, c->host);
	rc = map_err(c, r, "STARTTLS");
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

	if (!mailimap_has_authentication(c->imap, "XOAUTH2")) {
		set_err(c, "%s does not offer AUTH=XOAUTH2", c->host);
		return LR_CONFIG;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		rc = oauth_access_token(cfg->oauth, attempt > 0, &token, &why);
		if (rc) {
			set_err(c, "%s", why);
			g_free(why);
			return rc;
		}
		r = mailimap_oauth2_authenticate(c->imap, cfg->user, token);
		rc = map_err(c, r, "AUTHENTICATE XOAUTH2");
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
	if (mailimap_has_authentication(c->imap, "PLAIN")) {
		r = mailimap_authenticate(c->imap, "PLAIN", c->host, NULL, NULL,
		    cfg->user, cfg->user, cfg->password, NULL);
		if (r != MAILIMAP_ERROR_SASL)
			return map_err(c, r, "AUTHENTICATE PLAIN");
		/* Cyrus SASL lacks its PLAIN plugin: the server saw nothing. */
		log_debug("imap: SASL PLAIN unavailable locally, using LOGIN");
	}
	r = mailimap_login(c->imap, cfg->user, cfg->password);
	return map_err(c, r, "LOGIN");
}

/* Learn the hierarchy separator: LIST "" "". */
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
		return map_err(c, r, "LIST");
	}
	c->delim = '/';
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);

		c->delim = mb->mb_delimiter;
	}
	mailimap_list_result_free(res);
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
	if (c->imap->imap_state != MAILIMAP_STATE_AUTHENTICATED) {
		rc = authenticate(c, cfg);
		if (rc)
			goto out;
	}
	rc = refresh_caps(c);
	if (rc)
		goto out;
	rc = learn_delimiter(c);
	if (rc)
		goto out;
	log_debug("imap: logged in to %s as %s (IDLE %s, MOVE %s, UIDPLUS %s)",
	    c->host, cfg->user, imap_has_idle(c) ? "yes" : "no",
	    imap_has_move(c) ? "yes" : "no",
	    mailimap_has_uidplus(c->imap) ? "yes" : "no");
out:
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
	return mailimap_has_idle(c->imap) != 0;
}

gboolean
imap_has_move(const struct imap_conn *c)
{
	return mailimap_has_extension(c->imap, "MOVE") != 0;
}

/* Append s[0..len) as modified UTF-7 base64 (RFC 3501 5.1.3). */
static void
mutf7_run(GString *out, const char *s, gsize len)
{
	gunichar2 *u16;
	glong n, i;
	guchar *be;
	char *b64, *p;

	u16 = g_utf8_to_utf16(s, (glong)len, NULL, &n, NULL);
	be = g_malloc(n * 2 + 1);
	for (i = 0; i < n; i++) {
		be[2 * i] = u16[i] >> 8;
		be[2 * i + 1] = u16[i] & 0xff;
	}
	b64 = g_base64_encode(be, n * 2);
	for (p = b64; *p != '\0' && *p != '='; p++)
		g_string_append_c(out, *p == '/' ? ',' : *p);
	g_free(b64);
	g_free(be);
	g_free(u16);
}

/*
 * Our folder name ('/'-separated UTF-8) to the server's: separator
 * translated, non-ASCII as modified UTF-7. NULL (and *rc) when invalid.
 */
static char *
server_name(struct imap_conn *c, const char *name, enum lr_status *rc)
{
	GString *out;
	const char *p, *run;

	if (!g_utf8_validate(name, -1, NULL) || *name == '\0') {
		set_err(c, "bad folder name");
		*rc = LR_CONFIG;
		return NULL;
	}
	if (c->delim != '/' && c->delim != '\0' && strchr(name, c->delim) != NULL) {
		set_err(c, "folder %s contains the server's separator '%c'",
		    name, c->delim);
		*rc = LR_CONFIG;
		return NULL;
	}
	out = g_string_new(NULL);
	for (p = name; *p != '\0';) {
		if ((guchar)*p >= 0x20 && (guchar)*p < 0x7f) {
			if (*p == '&')
				g_string_append(out, "&-");
			else if (*p == '/' && c->delim != '\0')
				g_string_append_c(out, c->delim);
			else
				g_string_append_c(out, *p);
			p++;
			continue;
		}
		for (run = p; *p != '\0' && ((guchar)*p < 0x20 || (guchar)*p >= 0x7f);)
			p = g_utf8_next_char(p);
		g_string_append_c(out, '&');
		mutf7_run(out, run, p - run);
		g_string_append_c(out, '-');
	}
	*rc = LR_OK;
	return g_string_free(out, FALSE);
}

enum lr_status
imap_select(struct imap_conn *c, const char *mailbox, guint32 *uidvalidity,
    guint32 *uidnext)
{
	enum lr_status rc;
	char *mb;
	int r;

	mb = server_name(c, mailbox, &rc);
	if (mb == NULL)
		return rc;
	r = mailimap_select(c->imap, mb);
	g_free(mb);
	rc = map_err(c, r, "SELECT");
	if (rc)
		return rc;
	if (uidvalidity != NULL)
		*uidvalidity = c->imap->imap_selection_info->sel_uidvalidity;
	if (uidnext != NULL)
		*uidnext = c->imap->imap_selection_info->sel_uidnext;
	return LR_OK;
}

static gint
cmp_uid(gconstpointer a, gconstpointer b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

	return x < y ? -1 : x > y;
}

/* UID SEARCH key (taken) in the selected mailbox; *uids ascending. */
static enum lr_status
uid_search(struct imap_conn *c, struct mailimap_search_key *key,
    GArray **uids)
{
	clist *res = NULL;
	clistiter *it;
	enum lr_status rc;
	int r;

	*uids = NULL;
	r = mailimap_uid_search(c->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	rc = map_err(c, r, "UID SEARCH");
	if (rc) {
		if (res != NULL)
			mailimap_search_result_free(res);
		return rc;
	}
	*uids = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		guint32 uid = *(uint32_t *)clist_content(it);

		g_array_append_val(*uids, uid);
	}
	mailimap_search_result_free(res);
	g_array_sort(*uids, cmp_uid);
	return LR_OK;
}

enum lr_status
imap_search_unrouted(struct imap_conn *c, const char *keyword, GArray **uids)
{
	return uid_search(c, mailimap_search_key_new_unkeyword(strdup(keyword)),
	    uids);
}

enum lr_status
imap_search_message_id(struct imap_conn *c, const char *msgid, GArray **uids)
{
	return uid_search(c, mailimap_search_key_new_header(
	    strdup("Message-ID"), strdup(msgid)), uids);
}

/* A UID set of uids[0..n), consecutive runs as ranges. */
static struct mailimap_set *
uid_set(const guint32 *uids, guint n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	guint i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && uids[j] == uids[j - 1] + 1; j++)
			;
		mailimap_set_add_interval(set, uids[i], uids[j - 1]);
	}
	return set;
}

/* Pick UID, RFC822.SIZE and BODY[] out of one FETCH response. */
static void
msg_parts(struct mailimap_msg_att *m, guint32 *uid, guint32 *size,
    const char **data, size_t *len)
{
	clistiter *it;

	*uid = 0;
	*size = 0;
	*data = NULL;
	*len = 0;
	for (it = clist_begin(m->att_list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			*uid = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
			*size = st->att_data.att_rfc822_size;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
		    st->att_data.att_body_section != NULL) {
			*data = st->att_data.att_body_section->sec_body_part;
			*len = st->att_data.att_body_section->sec_length;
		}
	}
}

/* UID FETCH set (UID RFC822.SIZE [BODY.PEEK[]]). */
static enum lr_status
uid_fetch(struct imap_conn *c, const guint32 *uids, guint n, gboolean body,
    clist **res)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	int r;

	*res = NULL;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size());
	if (body)
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	set = uid_set(uids, n);
	r = mailimap_uid_fetch(c->imap, set, ft, res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR && *res != NULL) {
		mailimap_fetch_list_free(*res);
		*res = NULL;
	}
	return map_err(c, r, "UID FETCH");
}

/* Fetch bodies of uids[0..n) (all under the size cap) and hand them out. */
static enum lr_status
fetch_bodies(struct imap_conn *c, const guint32 *uids, guint n,
    imap_fetch_cb cb, void *ctx)
{
	clist *res;
	clistiter *it;
	enum lr_status rc;

	rc = uid_fetch(c, uids, n, TRUE, &res);
	if (rc)
		return rc;
	for (it = clist_begin(res); it != NULL && rc == LR_OK; it = clist_next(it)) {
		guint32 uid, size;
		const char *data;
		size_t len;

		msg_parts(clist_content(it), &uid, &size, &data, &len);
		if (uid == 0 || data == NULL)
			continue;	/* unsolicited FETCH, e.g. flags */
		rc = cb(uid, data, len, ctx);
	}
	mailimap_fetch_list_free(res);
	return rc;
}

/* Sizes of uids[0..n) into sizes (uid -> size); missing UIDs absent. */
static enum lr_status
fetch_sizes(struct imap_conn *c, const guint32 *uids, guint n, GHashTable *sizes)
{
	clist *res;
	clistiter *it;
	enum lr_status rc;

	rc = uid_fetch(c, uids, n, FALSE, &res);
	if (rc)
		return rc;
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		guint32 uid, size;
		const char *data;
		size_t len;

		msg_parts(clist_content(it), &uid, &size, &data, &len);
		if (uid != 0)
			g_hash_table_insert(sizes, GUINT_TO_POINTER(uid),
			    GUINT_TO_POINTER(size));
	}
	mailimap_fetch_list_free(res);
	return LR_OK;
}

enum lr_status
imap_fetch(struct imap_conn *c, const guint32 *uids, guint n, imap_fetch_cb cb,
    void *ctx)
{
	GHashTable *sizes = g_hash_table_new(NULL, NULL);
	GArray *batch = g_array_new(FALSE, FALSE, sizeof(guint32));
	enum lr_status rc = LR_OK;
	guint64 bytes = 0;
	guint i;

	for (i = 0; i < n && rc == LR_OK; i += IMAP_UID_BATCH)
		rc = fetch_sizes(c, uids + i, MIN(n - i, IMAP_UID_BATCH), sizes);
	for (i = 0; i < n && rc == LR_OK; i++) {
		gpointer v;
		guint32 size;

		if (!g_hash_table_lookup_extended(sizes, GUINT_TO_POINTER(uids[i]),
		    NULL, &v))
			continue;	/* expunged meanwhile */
		size = GPOINTER_TO_UINT(v);
		if (size > IMAP_MAX_MESSAGE_BYTES) {
			rc = cb(uids[i], NULL, size, ctx);
			continue;
		}
		if (batch->len > 0 && (bytes + size > IMAP_FETCH_BATCH_BYTES ||
		    batch->len >= IMAP_UID_BATCH)) {
			rc = fetch_bodies(c, (guint32 *)batch->data, batch->len, cb, ctx);
			g_array_set_size(batch, 0);
			bytes = 0;
			if (rc)
				break;
		}
		g_array_append_val(batch, uids[i]);
		bytes += size;
	}
	if (rc == LR_OK && batch->len > 0)
		rc = fetch_bodies(c, (guint32 *)batch->data, batch->len, cb, ctx);
	g_array_free(batch, TRUE);
	g_hash_table_destroy(sizes);
	return rc;
}

enum lr_status
imap_message_ids(struct imap_conn *c, guint32 from, imap_fetch_cb cb,
    void *ctx)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *names = clist_new(), *res = NULL;
	clistiter *it;
	enum lr_status rc;
	int r;

	clist_append(names, strdup("Message-ID"));
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(
	    mailimap_section_new_header_fields(mailimap_header_list_new(names))));
	set = mailimap_set_new_interval(from > 0 ? from : 1, 0);	/* from:* */
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	rc = map_err(c, r, "UID FETCH (Message-ID)");
	for (it = res != NULL ? clist_begin(res) : NULL; rc == LR_OK &&
	    it != NULL; it = clist_next(it)) {
		guint32 uid, size;
		const char *data;
		size_t len;

		msg_parts(clist_content(it), &uid, &size, &data, &len);
		/* "n:*" also names the last message when n is past it */
		if (uid == 0 || uid < from)
			continue;
		rc = cb(uid, data != NULL ? data : "", data != NULL ? len : 0,
		    ctx);
	}
	if (res != NULL)
		mailimap_fetch_list_free(res);
	return rc;
}

/* Seconds since the epoch of an IMAP date-time (zone +HHMM as HHMM). */
static gint64
date_time_unix(const struct mailimap_date_time *d)
{
	GDateTime *t = g_date_time_new_utc(d->dt_year, d->dt_month,
	    d->dt_day, d->dt_hour, d->dt_min, d->dt_sec);
	gint64 s, off;

	if (t == NULL)
		return 0;
	s = g_date_time_to_unix(t);
	g_date_time_unref(t);
	off = (ABS(d->dt_zone) / 100) * 3600 + (ABS(d->dt_zone) % 100) * 60;
	return d->dt_zone < 0 ? s + off : s - off;
}

enum lr_status
imap_arrival_times(struct imap_conn *c, const guint32 *uids, guint n,
    GHashTable *times)
{
	enum lr_status rc = LR_OK;

	for (guint i = 0; i < n && rc == LR_OK; i += IMAP_UID_BATCH) {
		struct mailimap_fetch_type *ft;
		struct mailimap_set *set;
		clist *res = NULL;
		clistiter *it;
		int r;

		ft = mailimap_fetch_type_new_fetch_att_list_empty();
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_internaldate());
		set = uid_set(uids + i, MIN(n - i, IMAP_UID_BATCH));
		r = mailimap_uid_fetch(c->imap, set, ft, &res);
		mailimap_set_free(set);
		mailimap_fetch_type_free(ft);
		if ((rc = map_err(c, r, "UID FETCH INTERNALDATE")) != LR_OK) {
			if (res != NULL)
				mailimap_fetch_list_free(res);
			break;
		}
		for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
			struct mailimap_msg_att *m = clist_content(it);
			guint32 uid = 0;
			gint64 at = 0;

			for (clistiter *a = clist_begin(m->att_list); a != NULL;
			    a = clist_next(a)) {
				struct mailimap_msg_att_item *item =
				    clist_content(a);
				struct mailimap_msg_att_static *st;

				if (item->att_type !=
				    MAILIMAP_MSG_ATT_ITEM_STATIC)
					continue;
				st = item->att_data.att_static;
				if (st->att_type == MAILIMAP_MSG_ATT_UID)
					uid = st->att_data.att_uid;
				else if (st->att_type ==
				    MAILIMAP_MSG_ATT_INTERNALDATE &&
				    st->att_data.att_internal_date != NULL)
					at = date_time_unix(
					    st->att_data.att_internal_date);
			}
			if (uid != 0)
				g_hash_table_insert(times,
				    GUINT_TO_POINTER(uid), g_memdup2(&at,
				    sizeof at));
		}
		mailimap_fetch_list_free(res);
	}
	return rc;
}

/* UID STORE +FLAGS.SILENT (flag), or -FLAGS.SILENT when !add, for
 * uids[0..n); takes flag. */
static enum lr_status
store_flag(struct imap_conn *c, const guint32 *uids, guint n,
    struct mailimap_flag *flag, gboolean add)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sa;
	enum lr_status rc = LR_OK;
	guint i;

	mailimap_flag_list_add(fl, flag);
	sa = add ? mailimap_store_att_flags_new_add_flags_silent(fl) :
	    mailimap_store_att_flags_new_remove_flags_silent(fl);
	for (i = 0; i < n && rc == LR_OK; i += IMAP_UID_BATCH) {
		struct mailimap_set *set = uid_set(uids + i, MIN(n - i, IMAP_UID_BATCH));

		rc = map_err(c, mailimap_uid_store(c->imap, set, sa), "UID STORE");
		mailimap_set_free(set);
	}
	mailimap_store_att_flags_free(sa);
	return rc;
}

enum lr_status
imap_add_keyword(struct imap_conn *c, const guint32 *uids, guint n,
    const char *keyword)
{
	if (n == 0)
		return LR_OK;
	return store_flag(c, uids, n, mailimap_flag_new_flag_keyword(
	    strdup(keyword)), TRUE);
}

enum lr_status
imap_remove_keyword(struct imap_conn *c, const guint32 *uids, guint n,
    const char *keyword)
{
	if (n == 0)
		return LR_OK;
	return store_flag(c, uids, n, mailimap_flag_new_flag_keyword(
	    strdup(keyword)), FALSE);
}

/* UID COPY, then +FLAGS (\Deleted), then expunge exactly those. */
static enum lr_status
copy_delete(struct imap_conn *c, const guint32 *uids, guint n, const char *mb)
{
	struct mailimap_set *set = uid_set(uids, n);
	enum lr_status rc;
	int r;

	r = mailimap_uid_copy(c->imap, set, mb);
	rc = map_err(c, r, "UID COPY");
	if (rc)
		goto out;
	rc = store_flag(c, uids, n, mailimap_flag_new_deleted(), TRUE);
	if (rc)
		goto out;
	if (mailimap_has_uidplus(c->imap))
		r = mailimap_uid_expunge(c->imap, set);
	else
		r = mailimap_expunge(c->imap);
	rc = map_err(c, r, "EXPUNGE");
out:
	mailimap_set_free(set);
	return rc;
}

enum lr_status
imap_move(struct imap_conn *c, const guint32 *uids, guint n, const char *folder)
{
	enum lr_status rc = LR_OK;
	char *mb;
	guint i;

	if (n == 0)
		return LR_OK;
	mb = server_name(c, folder, &rc);
	if (mb == NULL)
		return rc;
	for (i = 0; i < n && rc == LR_OK; i += IMAP_UID_BATCH) {
		guint k = MIN(n - i, IMAP_UID_BATCH);

		if (imap_has_move(c)) {
			struct mailimap_set *set = uid_set(uids + i, k);

			rc = map_err(c, mailimap_uid_move(c->imap, set, mb), "UID MOVE");
			mailimap_set_free(set);
		} else
			rc = copy_delete(c, uids + i, k, mb);
	}
	g_free(mb);
	return rc;
}

/* LIST "" name; *res is freed by the caller with mailimap_list_result_free. */
static enum lr_status
list_raw(struct imap_conn *c, const char *name, clist **res)
{
	enum lr_status rc;
	char *mb;
	int r;

	*res = NULL;
	mb = server_name(c, name, &rc);
	if (mb == NULL)
		return rc;
	r = mailimap_list(c->imap, "", mb, res);
	g_free(mb);
	if (r != MAILIMAP_NO_ERROR && *res != NULL) {
		mailimap_list_result_free(*res);
		*res = NULL;
	}
	return map_err(c, r, "LIST");
}

enum lr_status
imap_exists(struct imap_conn *c, const char *folder, gboolean *exists)
{
	clist *res;
	enum lr_status rc;

	*exists = FALSE;
	rc = list_raw(c, folder, &res);
	if (rc)
		return rc;
	*exists = clist_count(res) > 0;
	mailimap_list_result_free(res);
	return LR_OK;
}

enum lr_status
imap_list(struct imap_conn *c, const char *pattern, GPtrArray **names)
{
	clist *res;
	clistiter *it;
	enum lr_status rc;

	*names = NULL;
	rc = list_raw(c, pattern, &res);
	if (rc)
		return rc;
	*names = g_ptr_array_new_with_free_func(g_free);
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		char *name = g_strdup(mb->mb_name);

		if (mb->mb_delimiter != '\0' && mb->mb_delimiter != '/')
			g_strdelimit(name, (char[]){ mb->mb_delimiter, '\0' }, '/');
		g_ptr_array_add(*names, name);
	}
	mailimap_list_result_free(res);
	return LR_OK;
}

enum lr_status
imap_create(struct imap_conn *c, const char *folder)
{
	enum lr_status rc, rc2;
	gboolean exists = FALSE;
	char *mb;
	int r;

	mb = server_name(c, folder, &rc);
	if (mb == NULL)
		return rc;
	r = mailimap_create(c->imap, mb);
	g_free(mb);
	rc = map_err(c, r, "CREATE");
	if (rc != LR_TEMPFAIL)
		return rc;
	/* NO: most likely [ALREADYEXISTS], which libetpan does not expose. */
	rc2 = imap_exists(c, folder, &exists);
	if (rc2)
		return rc2;
	return exists ? LR_OK : rc;
}

enum lr_status
imap_idle_start(struct imap_conn *c)
{
	struct mailimap_selection_info *si;
	uint32_t before;
	enum lr_status rc;

	if (!imap_has_idle(c) || c->idling) {
		set_err(c, "IDLE not offered or already idling");
		return LR_FATAL;
	}
	/* Mail that arrived since the last command may be announced in
	 * the reply to IDLE itself, before the continuation: libetpan counts
	 * it in sel_exists; the wait then returns at once. */
	si = c->imap->imap_selection_info;
	before = si != NULL ? si->sel_exists : 0;

	rc = map_err(c, mailimap_idle(c->imap), "IDLE");
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
		set_err(c, "imap_idle_wait without imap_idle_start");
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
			set_err(c, "IDLE: poll: %s", g_strerror(errno));
			return LR_BADSOURCE;
		}
		/* at the end of the stream libetpan gives "", not NULL */
		line = mailimap_read_line(c->imap);
		if (line == NULL || *line == '\0') {
			set_err(c, "IDLE: connection lost");
			return LR_BADSOURCE;
		}
		if (g_ascii_strncasecmp(line, "* BYE", 5) == 0) {
			set_err(c, "IDLE: server closed: %s", line);
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
	return map_err(c, mailimap_idle_done(c->imap), "IDLE DONE");
}

enum lr_status
imap_noop(struct imap_conn *c)
{
	return map_err(c, mailimap_noop(c->imap), "NOOP");
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
	g_free(c);
}
