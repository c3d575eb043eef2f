/*
 * oauth.c: OAuth2 access tokens for XOAUTH2, and the flows that obtain a
 * refresh token (oauth.h). The token endpoint is spoken to with http.c's
 * form POST; its JSON answers are read with json-glib.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "fileio.h"
#include "http.h"
#include "log.h"
#include "oauth.h"

#define OAUTH_REQUEST_MAX	8192	/* bytes of the browser's request */
#define OAUTH_POLL_MIN		1	/* seconds between device-code polls */
#define OAUTH_POLL_DEFAULT	5	/* when the provider does not say */
#define OAUTH_LIFE_MAX		(30 * 86400)	/* an expires_in longer is cut */

struct oauth {
	char *token_url, *client_id, *client_secret, *ca_file;
	char *refresh_token;		/* the newest */
	char *refresh_token_file;
	char *access_token;		/* NULL: none yet */
	gint64 expires_at;		/* Unix seconds */
	gboolean save_failed;		/* said once */
	struct http *http;
};

static void
wipe_free(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
	g_free(s);
}

struct oauth *
oauth_new(const struct oauth_config *cfg)
{
	struct oauth *o = g_new0(struct oauth, 1);
	struct http_config hc = { 0 };

	o->token_url = g_strdup(cfg->token_url);
	o->client_id = g_strdup(cfg->client_id);
	o->client_secret = g_strdup(cfg->client_secret);
	o->refresh_token = g_strdup(cfg->refresh_token);
	o->refresh_token_file = g_strdup(cfg->refresh_token_file);
	o->ca_file = g_strdup(cfg->ca_file);
	hc.ca_file = o->ca_file;
	o->http = http_new(&hc);
	return o;
}

void
oauth_free(struct oauth *o)
{
	if (o == NULL)
		return;
	http_free(o->http);
	g_free(o->token_url);
	g_free(o->client_id);
	wipe_free(o->client_secret);
	wipe_free(o->refresh_token);
	g_free(o->refresh_token_file);
	wipe_free(o->access_token);
	g_free(o->ca_file);
	g_free(o);
}

char *
oauth_xoauth2(const char *user, const char *token)
{
	return g_strdup_printf("user=%s\001auth=Bearer %s\001\001", user,
	    token);
}

/* The JSON object of a token endpoint's answer, or NULL. */
static JsonObject *
answer_object(JsonParser *p, const char *body)
{
	JsonNode *root;

	if (body == NULL || !json_parser_load_from_data(p, body, -1, NULL))
		return NULL;
	root = json_parser_get_root(p);
	return root != NULL && JSON_NODE_HOLDS_OBJECT(root) ?
	    json_node_get_object(root) : NULL;
}

static const char *
member_string(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
	    json_node_get_value_type(n) == G_TYPE_STRING ?
	    json_node_get_string(n) : NULL;
}

static gint64
member_int(JsonObject *o, const char *name, gint64 dflt)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return dflt;
	if (json_node_get_value_type(n) == G_TYPE_STRING)	/* some do */
		return g_ascii_strtoll(json_node_get_string(n), NULL, 10);
	return json_node_get_int(n);
}

/* "error: description" of a refused request, for *why. */
static char *
refusal(const struct http_result *res, JsonObject *obj)
{
	const char *e = member_string(obj, "error");
	const char *d = member_string(obj, "error_description");

	if (res->error != NULL)
		return g_strdup(res->error);
	return g_strdup_printf("HTTP %ld%s%s%s%s", res->status,
	    e ? ": " : "", e ? e : "", d ? ": " : "", d ? d : "");
}

gboolean
oauth_save_token(const char *path, const char *token, char **why)
{
	char *tmp = g_strconcat(path, ".XXXXXX", NULL);
	char *dir = g_path_get_dirname(path);
	char *line = g_strconcat(token, "\n", NULL);
	gsize len = strlen(line);
	gboolean ok = FALSE;
	int fd;

	/* a name of our own: the agent and `auth` may save at once */
	fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		*why = g_strdup_printf("cannot create a file beside %s: %s",
		    path, g_strerror(errno));
		goto out;
	}
	if (!fileio_write_all(fd, line, len) || fsync(fd) != 0) {
		*why = g_strdup_printf("cannot write %s: %s", tmp,
		    g_strerror(errno));
		close(fd);
		(void)unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		*why = g_strdup_printf("cannot replace %s: %s", path,
		    g_strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	/* the rename itself survives a crash */
	(void)fileio_sync_dir(dir);
	ok = TRUE;
out:
	explicit_bzero(line, len);
	g_free(line);
	g_free(dir);
	g_free(tmp);
	return ok;
}

/* A new refresh token from the provider: used, and saved when we can. */
static void
new_refresh_token(struct oauth *o, const char *rt)
{
	char *why = NULL;

	if (rt == NULL || *rt == '\0' || g_strcmp0(rt, o->refresh_token) == 0)
		return;
	wipe_free(o->refresh_token);
	o->refresh_token = g_strdup(rt);
	if (o->refresh_token_file == NULL)
		return;
	if (oauth_save_token(o->refresh_token_file, rt, &why))
		log_info("oauth: the provider issued a new refresh token; "
		    "saved in %s", o->refresh_token_file);
	else if (!o->save_failed) {
		log_warnx("oauth: the provider issued a new refresh token and "
		    "%s; it is used until leadroute stops, then the old one "
		    "is, until it expires", why);
		o->save_failed = TRUE;
	}
	g_free(why);
}

/*
 * The provider refused the client or the grant (RFC 6749 5.2), which only
 * a person can mend; anything else (Microsoft's 400
 * temporarily_unavailable, a proxy's 403 page) may pass.
 */
static gboolean
refused_for_good(const struct http_result *res, JsonObject *obj)
{
	static const char *const codes[] = { "invalid_grant",
	    "invalid_client", "unauthorized_client", "invalid_scope",
	    "unsupported_grant_type", NULL };
	const char *e = member_string(obj, "error");

	if (res->status == 401 && e == NULL)
		return TRUE;
	for (int i = 0; e != NULL && codes[i] != NULL; i++)
		if (strcmp(e, codes[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Clear a token endpoint's answer: it holds tokens. */
static void
answer_clear(struct http_result *res)
{
	if (res->body != NULL)
		explicit_bzero(res->body, strlen(res->body));
	http_result_clear(res);
}

static enum lr_status
refresh(struct oauth *o, char **why)
{
	const char *fields[] = {
		"grant_type", "refresh_token",
		"refresh_token", o->refresh_token,
		"client_id", o->client_id,
		o->client_secret != NULL ? "client_secret" : NULL,
		o->client_secret, NULL
	};
	struct http_result res;
	JsonParser *p = json_parser_new();
	JsonObject *obj;
	const char *at;
	enum lr_status rc;

	if (o->refresh_token == NULL) {
		*why = g_strdup("no refresh token: run `leadroute auth "
		    "google|microsoft`");
		g_object_unref(p);
		return LR_CONFIG;
	}
	rc = http_post_form(o->http, o->token_url, fields, &res);
	obj = answer_object(p, res.body);
	if (rc == LR_OK && (at = member_string(obj, "access_token")) != NULL) {
		gint64 life = CLAMP(member_int(obj, "expires_in",
		    OAUTH_DEFAULT_LIFE), 0, OAUTH_LIFE_MAX);

		wipe_free(o->access_token);
		o->access_token = g_strdup(at);
		o->expires_at = g_get_real_time() / G_USEC_PER_SEC + life;
		new_refresh_token(o, member_string(obj, "refresh_token"));
		log_debug("oauth: new access token, good for %" G_GINT64_FORMAT
		    " s", life);
	} else if (rc == LR_OK) {
		*why = g_strdup("token endpoint: no access_token in its answer");
		rc = LR_TEMPFAIL;
	} else {
		char *r = refusal(&res, obj);

		if (!refused_for_good(&res, obj)) {
			*why = g_strdup_printf("token endpoint: %s", r);
			rc = LR_TEMPFAIL;
		} else {	/* invalid_grant, invalid_client, ... */
			*why = g_strdup_printf("token endpoint refused the "
			    "refresh: %s; run `leadroute auth google|"
			    "microsoft` again", r);
			rc = LR_CONFIG;
		}
		g_free(r);
	}
	answer_clear(&res);
	g_object_unref(p);
	return rc;
}

enum lr_status
oauth_access_token(struct oauth *o, gboolean force, const char **token,
    char **why)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	enum lr_status rc;

	*token = NULL;
	*why = NULL;
	if (force) {	/* refused: never offered again, even if the
			 * refresh fails now */
		wipe_free(o->access_token);
		o->access_token = NULL;
	}
	if (o->access_token == NULL ||
	    now + OAUTH_MARGIN >= o->expires_at) {
		rc = refresh(o, why);
		if (rc)
			return rc;
	}
	*token = o->access_token;
	return LR_OK;
}

/* --- obtaining a refresh token (leadroute auth) ------------------------ */

/* POST fields to url; the answer's object in *obj (from p). */
static enum lr_status
grant_post(const struct oauth_grant *g, const char *url,
    const char *const *fields, JsonParser *p, JsonObject **obj,
    struct http_result *res)
{
	struct http_config hc = { 0 };
	struct http *h;
	enum lr_status rc;

	hc.ca_file = g->ca_file;
	h = http_new(&hc);
	rc = http_post_form(h, url, fields, res);
	*obj = answer_object(p, res->body);
	http_free(h);
	return rc;
}

/* The refresh token of a token endpoint's answer. */
static enum lr_status
take_refresh(JsonObject *obj, char **refresh_token, char **why)
{
	const char *rt = member_string(obj, "refresh_token");

	if (rt == NULL) {
		*why = g_strdup("the token endpoint granted access but sent no "
		    "refresh token (Google: the consent must ask for offline "
		    "access; Microsoft: the scope must include "
		    "offline_access)");
		return LR_CONFIG;
	}
	*refresh_token = g_strdup(rt);
	return LR_OK;
}

enum lr_status
oauth_device_flow(const struct oauth_grant *g, char **refresh_token,
    char **why)
{
	const char *ask[] = { "client_id", g->client_id, "scope", g->scope,
		NULL };
	struct http_result res;
	JsonParser *p = json_parser_new();
	JsonObject *obj;
	char *device = NULL;
	gint64 interval, until;
	enum lr_status rc;

	*refresh_token = NULL;
	*why = NULL;
	rc = grant_post(g, g->device_url, ask, p, &obj, &res);
	if (rc != LR_OK || member_string(obj, "device_code") == NULL ||
	    member_string(obj, "user_code") == NULL) {
		char *r = refusal(&res, obj);

		*why = g_strdup_printf("device code endpoint: %s", r);
		g_free(r);
		http_result_clear(&res);
		g_object_unref(p);
		return rc == LR_TEMPFAIL ? LR_TEMPFAIL : LR_CONFIG;
	}
	device = g_strdup(member_string(obj, "device_code"));
	interval = MAX(member_int(obj, "interval", OAUTH_POLL_DEFAULT),
	    OAUTH_POLL_MIN);
	until = g_get_monotonic_time() / G_USEC_PER_SEC +
	    MIN(member_int(obj, "expires_in", OAUTH_WAIT_MAX), OAUTH_WAIT_MAX);
	fprintf(g->out, "To let leadroute read the mailbox, open\n\n    %s\n\n"
	    "in a browser (any device), sign in as the mailbox and enter the "
	    "code\n\n    %s\n\nWaiting for you to finish...\n",
	    member_string(obj, "verification_uri") != NULL ?
	    member_string(obj, "verification_uri") :
	    member_string(obj, "verification_url") != NULL ?
	    member_string(obj, "verification_url") : "(no address given)",
	    member_string(obj, "user_code"));
	fflush(g->out);
	http_result_clear(&res);
	for (;;) {
		const char *poll_fields[] = {
			"grant_type",
			"urn:ietf:params:oauth:grant-type:device_code",
			"device_code", device, "client_id", g->client_id,
			g->client_secret != NULL ? "client_secret" : NULL,
			g->client_secret, NULL
		};
		const char *e;

		if (g_get_monotonic_time() / G_USEC_PER_SEC >= until) {
			*why = g_strdup("the code expired before access was "
			    "granted; run `leadroute auth` again");
			rc = LR_TEMPFAIL;
			break;
		}
		g_usleep((gulong)interval * G_USEC_PER_SEC);
		rc = grant_post(g, g->token_url, poll_fields, p, &obj, &res);
		if (rc == LR_OK) {
			rc = take_refresh(obj, refresh_token, why);
			answer_clear(&res);
			break;
		}
		e = member_string(obj, "error");
		if (g_strcmp0(e, "authorization_pending") == 0 ||
		    (rc == LR_TEMPFAIL && e == NULL)) {
			http_result_clear(&res);
			continue;
		}
		if (g_strcmp0(e, "slow_down") == 0) {
			interval += 5;
			http_result_clear(&res);
			continue;
		}
		{
			char *r = refusal(&res, obj);

			*why = g_strdup_printf("token endpoint: %s", r);
			g_free(r);
		}
		http_result_clear(&res);
		rc = LR_CONFIG;	/* access_denied, expired_token, ... */
		break;
	}
	wipe_free(device);
	g_object_unref(p);
	return rc;
}

/* base64url without padding (RFC 7636 appendix A). */
static char *
base64url(const guchar *data, gsize len)
{
	char *s = g_base64_encode(data, len);

	for (char *c = s; *c != '\0'; c++)
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
		else if (*c == '=')
			*c = '\0';
	return s;
}

static char *
random_token(void)
{
	guchar b[32];

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		fatalx("oauth: getrandom failed");
	return base64url(b, sizeof b);
}

/* A socket listening on 127.0.0.1, any port; -1 with *why. */
static int
listen_loopback(guint16 *port, char **why)
{
	struct sockaddr_in sa = { 0 };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		*why = g_strdup_printf("cannot listen on 127.0.0.1: %s",
		    g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
reply(int fd, const char *status, const char *text)
{
	char *r = g_strdup_printf("HTTP/1.1 %s\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n"
	    "%s", status, strlen(text), text);

	/* MSG_NOSIGNAL: a browser gone is no reason to die of SIGPIPE */
	if (send(fd, r, strlen(r), MSG_NOSIGNAL) < 0)
		log_debug("oauth: the browser left before the answer");
	shutdown(fd, SHUT_WR);
	g_free(r);
}

/* The request's head (up to its blank line, OAUTH_REQUEST_MAX bytes) in
 * buf, NUL-terminated: read whole, so that closing sends no reset. */
static void
read_head(int c, char *buf, gint64 deadline)
{
	gsize got = 0;

	buf[0] = '\0';
	while (got < OAUTH_REQUEST_MAX && strstr(buf, "\r\n\r\n") == NULL &&
	    strstr(buf, "\n\n") == NULL) {
		struct pollfd cf = { c, POLLIN, 0 };
		gint64 left = deadline - g_get_monotonic_time() / 1000;
		ssize_t n;

		if (left <= 0 || poll(&cf, 1, (int)MIN(left, 5000)) <= 0 ||
		    (n = recv(c, buf + got, OAUTH_REQUEST_MAX - got, 0)) <= 0)
			break;
		got += (gsize)n;
		buf[got] = '\0';
	}
}

/*
 * The browser's redirect: "GET /?code=..&state=STATE HTTP/1.1", or one
 * with error=. Its query parameters (a new table); anything else (a
 * favicon, another request's state) gets a 404 or 400 and the wait goes
 * on, until deadline (monotonic seconds): then NULL with *why.
 */
static GHashTable *
next_redirect(int lfd, const char *state, gint64 deadline, char **why)
{
	while (g_get_monotonic_time() / G_USEC_PER_SEC < deadline) {
		struct pollfd pf = { lfd, POLLIN, 0 };
		char buf[OAUTH_REQUEST_MAX + 1];
		GHashTable *q = NULL;
		char *path, *qs;
		int c;

		if (poll(&pf, 1, 1000) <= 0)
			continue;
		if ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			g_usleep(G_USEC_PER_SEC / 10);	/* EMFILE: no spin */
			continue;
		}
		read_head(c, buf, MIN(deadline * 1000,
		    g_get_monotonic_time() / 1000 + 10000));
		path = buf + 4;
		if (strncmp(buf, "GET /", 5) == 0 &&
		    (qs = strchr(path, '?')) != NULL &&
		    qs < path + strcspn(path, " \r\n")) {
			qs[strcspn(qs, " \r\n")] = '\0';
			q = g_uri_parse_params(qs + 1, -1, "&",
			    G_URI_PARAMS_NONE, NULL);
		}
		if (q != NULL && !g_hash_table_contains(q, "code") &&
		    !g_hash_table_contains(q, "error"))
			g_clear_pointer(&q, g_hash_table_unref);
		if (q == NULL)
			reply(c, "404 Not Found", "not here\n");
		else if (g_strcmp0(g_hash_table_lookup(q, "state"), state) !=
		    0) {
			reply(c, "400 Bad Request", "This is not the request "
			    "leadroute is waiting for (another state).\n");
			log_warnx("oauth: a redirect with another state: "
			    "ignored; still waiting");
			g_clear_pointer(&q, g_hash_table_unref);
		} else
			reply(c, "200 OK", g_hash_table_contains(q, "code") ?
			    "leadroute has the authorization. You can close "
			    "this tab.\n" : "Access was not granted. See the "
			    "terminal.\n");
		close(c);
		if (q != NULL)
			return q;
	}
	*why = g_strdup("nobody granted access in time; run `leadroute auth` "
	    "again");
	return NULL;
}

enum lr_status
oauth_loopback_flow(const struct oauth_grant *g, char **refresh_token,
    char **why)
{
	char *verifier = random_token(), *state = random_token();
	char *challenge, *redirect = NULL, *url = NULL;
	guchar digest[32];
	gsize dlen = sizeof digest;
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	GHashTable *q = NULL;
	GString *u;
	guint16 port = 0;
	enum lr_status rc = LR_CONFIG;
	int lfd;

	*refresh_token = NULL;
	*why = NULL;
	g_checksum_update(sum, (const guchar *)verifier, -1);
	g_checksum_get_digest(sum, digest, &dlen);
	g_checksum_free(sum);
	challenge = base64url(digest, dlen);
	if ((lfd = listen_loopback(&port, why)) < 0) {
		rc = LR_TEMPFAIL;
		goto out;
	}
	redirect = g_strdup_printf("http://127.0.0.1:%u", port);
	u = g_string_new(g->auth_url);
	g_string_append_c(u, strchr(g->auth_url, '?') ? '&' : '?');
	{
		const char *params[] = {
			"client_id", g->client_id, "redirect_uri", redirect,
			"response_type", "code", "scope", g->scope,
			"access_type", "offline", "prompt", "consent",
			"code_challenge", challenge,
			"code_challenge_method", "S256", "state", state,
			g->login_hint != NULL ? "login_hint" : NULL,
			g->login_hint, NULL
		};

		for (int i = 0; params[i] != NULL; i += 2) {
			char *v = g_uri_escape_string(params[i + 1], NULL,
			    FALSE);

			g_string_append_printf(u, "%s%s=%s", i ? "&" : "",
			    params[i], v);
			g_free(v);
		}
	}
	url = g_string_free(u, FALSE);
	fprintf(g->out, "To let leadroute read the mailbox, open this address "
	    "in a browser on this machine\n(from elsewhere: ssh -L %u:"
	    "127.0.0.1:%u to it first), sign in as the mailbox and allow "
	    "access:\n\n    %s\n\nWaiting for the browser on %s ...\n",
	    port, port, url, redirect);
	fflush(g->out);
	q = next_redirect(lfd, state, g_get_monotonic_time() /
	    G_USEC_PER_SEC + OAUTH_WAIT_MAX, why);
	close(lfd);
	if (q == NULL) {
		rc = LR_TEMPFAIL;
		goto out;
	}
	if (g_hash_table_lookup(q, "code") == NULL) {
		*why = g_strdup_printf("access was not granted: %s",
		    (const char *)g_hash_table_lookup(q, "error"));
		goto out;
	}
	{
		const char *fields[] = {
			"grant_type", "authorization_code",
			"code", g_hash_table_lookup(q, "code"),
			"redirect_uri", redirect, "client_id", g->client_id,
			"code_verifier", verifier,
			g->client_secret != NULL ? "client_secret" : NULL,
			g->client_secret, NULL
		};
		struct http_result res;
		JsonParser *p = json_parser_new();
		JsonObject *obj;

		rc = grant_post(g, g->token_url, fields, p, &obj, &res);
		if (rc == LR_OK)
			rc = take_refresh(obj, refresh_token, why);
		else {
			char *r = refusal(&res, obj);

			*why = g_strdup_printf("token endpoint: %s", r);
			g_free(r);
			if (rc != LR_TEMPFAIL)
				rc = LR_CONFIG;
		}
		answer_clear(&res);
		g_object_unref(p);
	}
out:
	if (q != NULL) {
		char *code = g_hash_table_lookup(q, "code");

		if (code != NULL)
			explicit_bzero(code, strlen(code));
		g_hash_table_unref(q);
	}
	wipe_free(verifier);
	g_free(state);
	g_free(challenge);
	g_free(redirect);
	g_free(url);
	return rc;
}
