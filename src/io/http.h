/*
 * http.h: the HTTP side of delivery: POST a JSON body with libcurl (Slack
 * incoming webhooks and chat.postMessage, the CRM/task webhook), sign a
 * body for X-Leadroute-Signature, read Retry-After, and compute the
 * backoff before the next attempt of any channel.
 *
 * The caller owns what is returned unless stated.
 */
#ifndef LR_HTTP_H
#define LR_HTTP_H

#include <glib.h>

#include "status.h"

#define HTTP_MAX_BODY		65536	/* bytes kept of a response body */
#define HTTP_MAX_RETRY_AFTER	86400	/* seconds; longer Retry-After is cut */
#define HTTP_DEFAULT_TIMEOUT	30	/* seconds, when config says 0 */

struct http_config {
	long timeout;		/* seconds for one request; 0: default */
	const char *ca_file;	/* borrowed; NULL: the system store */
	const char *user_agent;	/* borrowed; NULL: "leadroute/VERSION" */
};

struct http_result {
	long status;		/* HTTP status; 0: no response */
	gint64 retry_after;	/* seconds from Retry-After; -1: none */
	gboolean permanent;	/* 4xx but 408/429: do not retry */
	char *body;		/* owned, NUL-terminated, capped; never NULL */
	char *error;		/* owned: curl's error; NULL on a response */
};

struct http;

struct http *http_new(const struct http_config *cfg);	/* cfg copied */
void http_free(struct http *h);		/* NULL is fine */

/*
 * POST body (Content-Type: application/json) to url (http:// or https://,
 * redirects not followed, peers verified) with extra headers
 * ("Name: value", NULL-terminated; NULL: none). One connection is kept
 * per handle. LR_OK: 2xx. LR_TEMPFAIL: no response, 408, 429 or 5xx;
 * res->retry_after tells when the server wants the next try. LR_BADMSG:
 * other statuses (4xx, 3xx), res->permanent set. LR_CONFIG: url unusable.
 * res is always filled; clear it with http_result_clear(). URLs and
 * headers are never logged: they hold secrets.
 */
enum lr_status http_post_json(struct http *h, const char *url,
    const char *body, const char *const *headers,
    struct http_result *res) LR_WUR;
/*
 * POST fields (name, value, name, value, ..., NULL; values escaped here)
 * as application/x-www-form-urlencoded: an OAuth2 token endpoint. The
 * statuses as for http_post_json(); the body is wiped after the request.
 */
enum lr_status http_post_form(struct http *h, const char *url,
    const char *const *fields, struct http_result *res) LR_WUR;
void http_result_clear(struct http_result *res);

/* "sha256=<hex HMAC-SHA256 of body with secret>" for
 * X-Leadroute-Signature. */
char *http_signature(const char *secret, gsize secret_len, const char *body,
    gsize len);

/*
 * Seconds to wait from a Retry-After value: delta-seconds, or an
 * HTTP-date (IMF-fixdate, RFC 850 or asctime) judged against now
 * (seconds since the epoch); a date in the past is 0. Capped at
 * HTTP_MAX_RETRY_AFTER. -1 when value is NULL or not one of those.
 */
gint64 http_parse_retry_after(const char *value, gint64 now);

/* A random 32-bit number; injectable so tests are deterministic. */
typedef guint32 (*http_rand_fn)(void *arg);

/*
 * Seconds before attempt number attempt (1 = the first retry):
 * d = MIN(cap, base * 2^(attempt-1)), then "equal jitter": d/2 plus a
 * random part of [0, d/2]. A retry_after >= 0 (seconds, from the server)
 * is a lower bound that may exceed cap. rnd NULL: g_random_int().
 */
gint64 http_backoff(gint64 base, gint64 cap, guint attempt,
    gint64 retry_after, http_rand_fn rnd, void *arg);

#endif
