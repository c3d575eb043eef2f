/*
 * http.c: JSON POSTs with libcurl, HMAC signatures, Retry-After and
 * backoff.
 *
 * One CURL easy handle per struct http keeps connections alive between
 * posts. Nothing here logs a URL past its host or any request header:
 * Slack webhook URLs and bearer tokens are secrets.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "log.h"

struct http {
	CURL *curl;			/* owned */
	GString *body;			/* owned: response body, capped */
	char errbuf[CURL_ERROR_SIZE];
};

static void
http_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&once, 1);
	}
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	GString *body = arg;
	size_t n = size * nmemb, room = HTTP_MAX_BODY - body->len;

	g_string_append_len(body, data, MIN(n, room));
	return n;
}

struct http *
http_new(const struct http_config *cfg)
{
	struct http *h;
	long timeout = cfg->timeout > 0 ? cfg->timeout : HTTP_DEFAULT_TIMEOUT;

	http_init();
	h = g_new0(struct http, 1);
	h->body = g_string_new(NULL);
	h->curl = curl_easy_init();
	if (h->curl == NULL)
		fatalx("http: curl_easy_init failed");
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->ca_file != NULL)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, cfg->ca_file);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, cfg->user_agent != NULL ?
	    cfg->user_agent : PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, MIN(timeout, 30L));
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h->body);
	return h;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	g_string_free(h->body, TRUE);
	g_free(h);
}

void
http_result_clear(struct http_result *res)
{
	g_free(res->body);
	g_free(res->error);
	memset(res, 0, sizeof(*res));
	res->retry_after = -1;
}

/* The request headers: ours, then the caller's (which may override). */
static struct curl_slist *
request_headers(const char *content_type, const char *const *extra)
{
	struct curl_slist *l = NULL;
	char *ct = g_strconcat("Content-Type: ", content_type, NULL);
	int i;

	l = curl_slist_append(l, ct);
	g_free(ct);
	l = curl_slist_append(l, "Accept: application/json");
	l = curl_slist_append(l, "Expect:");	/* no 100-continue wait */
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		l = curl_slist_append(l, extra[i]);
	return l;
}

static enum lr_status
classify(CURLcode cc, long status, gboolean *permanent)
{
	*permanent = FALSE;
	if (cc != CURLE_OK && status == 0) {
		if (cc == CURLE_URL_MALFORMAT ||
		    cc == CURLE_UNSUPPORTED_PROTOCOL)
			return LR_CONFIG;
		return LR_TEMPFAIL;
	}
	if (status >= 200 && status <= 299)
		return cc == CURLE_OK ? LR_OK : LR_TEMPFAIL;
	if (status == 408 || status == 429 || (status >= 500 && status <= 599))
		return LR_TEMPFAIL;
	*permanent = TRUE;
	return LR_BADMSG;
}

/* The host of url, for logs; never the path or query (secrets). */
static char *
url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *r;

	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		host = NULL;
	r = g_strdup(host != NULL ? host : "(bad url)");
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

static void
fill_result(struct http *h, CURLcode cc, struct http_result *res)
{
	struct curl_header *hdr = NULL;

	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &res->status);
	if (res->status != 0 &&
	    curl_easy_header(h->curl, "Retry-After", 0, CURLH_HEADER, -1,
	    &hdr) == CURLHE_OK)
		res->retry_after = http_parse_retry_after(hdr->value,
		    g_get_real_time() / G_USEC_PER_SEC);
	res->body = g_strndup(h->body->str, h->body->len);
	if (cc != CURLE_OK)
		res->error = g_strdup(h->errbuf[0] != '\0' ? h->errbuf :
		    curl_easy_strerror(cc));
}

static enum lr_status
post(struct http *h, const char *url, const char *content_type,
    const char *body, const char *const *headers, struct http_result *res)
{
	struct curl_slist *hl;
	CURLcode cc;
	enum lr_status rc;
	char *host;

	memset(res, 0, sizeof(*res));
	res->retry_after = -1;
	g_string_truncate(h->body, 0);
	h->errbuf[0] = '\0';
	hl = request_headers(content_type, headers);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body));
	cc = curl_easy_perform(h->curl);
	fill_result(h, cc, res);
	rc = classify(cc, res->status, &res->permanent);
	host = url_host(url);
	if (rc != LR_OK)
		log_info("http: POST to %s failed: %s", host,
		    res->error != NULL ? res->error : "bad status");
	log_debug("http: POST to %s: status %ld", host, res->status);
	g_free(host);
	/* curl keeps these pointers; they die here. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(hl);
	return rc;
}

enum lr_status
http_post_json(struct http *h, const char *url, const char *body,
    const char *const *headers, struct http_result *res)
{
	return post(h, url, "application/json", body, headers, res);
}

enum lr_status
http_post_form(struct http *h, const char *url, const char *const *fields,
    struct http_result *res)
{
	GString *body = g_string_new(NULL);
	enum lr_status rc;

	for (int i = 0; fields[i] != NULL && fields[i + 1] != NULL; i += 2) {
		char *v = g_uri_escape_string(fields[i + 1], NULL, FALSE);

		g_string_append_printf(body, "%s%s=%s", i > 0 ? "&" : "",
		    fields[i], v);
		g_free(v);
	}
	rc = post(h, url, "application/x-www-form-urlencoded", body->str,
	    NULL, res);
	/* the body holds secrets (a client secret, a refresh token), and
	 * so does the answer (tokens): res->body is the caller's to wipe */
	explicit_bzero(body->str, body->len);
	explicit_bzero(h->body->str, h->body->len);
	g_string_free(body, TRUE);
	return rc;
}

char *
http_signature(const char *secret, gsize secret_len, const char *body,
    gsize len)
{
	GHmac *mac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret,
	    secret_len);
	char *r;

	g_hmac_update(mac, (const guchar *)body, len);
	r = g_strconcat("sha256=", g_hmac_get_string(mac), NULL);
	g_hmac_unref(mac);
	return r;
}

/* ---- Retry-After -------------------------------------------------------- */

static int
month_index(const char *m)
{
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int i;

	for (i = 0; i < 12; i++)
		if (strcmp(m, months[i]) == 0)
			return i + 1;
	return 0;
}

/* The fields of an IMF-fixdate, RFC 850 or asctime date; FALSE: none. */
static gboolean
scan_date(const char *v, char mon[4], int *y, int *d, int *hh, int *mm,
    int *ss)
{
	char wd[16];
	int n = 0;

	if (sscanf(v, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n",
	    wd, d, mon, y, hh, mm, ss, &n) == 7 && n > 0 && v[n] == '\0')
		return TRUE;
	n = 0;
	if (sscanf(v, "%9[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n",
	    wd, d, mon, y, hh, mm, ss, &n) == 7 && n > 0 && v[n] == '\0') {
		*y += *y < 70 ? 2000 : 1900;
		return TRUE;
	}
	n = 0;
	return sscanf(v, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n",
	    wd, mon, d, hh, mm, ss, y, &n) == 7 && n > 0 && v[n] == '\0';
}

/* An HTTP-date (RFC 9110 5.6.7) in seconds since the epoch; -1: not one. */
static gint64
parse_http_date(const char *v)
{
	char mon[4];
	int d, y, hh, mm, ss;
	GDateTime *dt;
	gint64 t;

	if (!scan_date(v, mon, &y, &d, &hh, &mm, &ss) ||
	    month_index(mon) == 0 || y < 1970 || hh > 23 || mm > 59 ||
	    ss > 60)
		return -1;
	/* a leap second is read as the second before it */
	dt = g_date_time_new_utc(y, month_index(mon), d, hh, mm,
	    MIN(ss, 59));
	if (dt == NULL)
		return -1;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

gint64
http_parse_retry_after(const char *value, gint64 now)
{
	char *v;
	const char *p;
	gint64 r = 0;

	if (value == NULL)
		return -1;
	v = g_strstrip(g_strdup(value));
	for (p = v; g_ascii_isdigit(*p); p++)
		if (r <= HTTP_MAX_RETRY_AFTER)
			r = r * 10 + (*p - '0');
	if (p == v || *p != '\0') {
		r = parse_http_date(v);
		if (r >= 0)
			r = MAX(r - now, 0);
	}
	g_free(v);
	return r < 0 ? -1 : MIN(r, HTTP_MAX_RETRY_AFTER);
}

/* ---- backoff ------------------------------------------------------------ */

gint64
http_backoff(gint64 base, gint64 cap, guint attempt, gint64 retry_after,
    http_rand_fn rnd, void *arg)
{
	gint64 d = MAX(base, 0), half;
	guint i;

	for (i = 1; i < attempt && d < cap; i++)
		d *= 2;
	d = MIN(d, MAX(cap, 0));
	half = d / 2;
	d = d - half + (gint64)((rnd != NULL ? rnd(arg) : g_random_int()) %
	    (guint64)(half + 1));
	if (retry_after >= 0)
		d = MAX(d, MIN(retry_after, HTTP_MAX_RETRY_AFTER));
	return d;
}
