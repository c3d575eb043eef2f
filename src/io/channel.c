/*
 * channel.c: Slack (webhook and chat.postMessage) and the signed webhook
 * over http.c. Slack's Web API answers 200 even when it refuses a
 * message, with {"ok": false, "error": "..."} in the body: that is read
 * here, so that the agent sees one meaning of success for every channel.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "channel.h"
#include "http.h"
#include "log.h"

struct channels {
	const struct config *cfg;
	struct http *http;
};

/* Slack Web API errors worth another try; any other is final. */
static const char *const slack_temporary[] = {
	"ratelimited", "internal_error", "fatal_error", "service_unavailable",
	"request_timeout", "team_added_to_org", NULL
};

struct channels *
channels_new(const struct config *cfg)
{
	struct channels *ch = g_new0(struct channels, 1);
	struct http_config hc = { 0 };

	ch->cfg = cfg;
	ch->http = http_new(&hc);
	return ch;
}

void
channels_free(struct channels *ch)
{
	if (ch == NULL)
		return;
	http_free(ch->http);
	g_free(ch);
}

gboolean
channels_has(const struct channels *ch, enum chan_id c)
{
	switch (c) {
	case CHAN_SLACK:
		return ch->cfg->slack_webhook_url != NULL;
	case CHAN_SLACK_DM:
		return ch->cfg->slack_token != NULL &&
		    ch->cfg->slack_api_url != NULL;
	case CHAN_WEBHOOK:
		return ch->cfg->webhook_url != NULL;
	default:
		return FALSE;
	}
}

/* The "error" of a Slack Web API answer with "ok": false; NULL if ok. */
static char *
slack_api_error(const char *body)
{
	JsonParser *p = json_parser_new();
	JsonNode *root;
	JsonObject *o;
	char *err = NULL;

	if (!json_parser_load_from_data(p, body, -1, NULL) ||
	    (root = json_parser_get_root(p)) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(root)) {
		g_object_unref(p);
		return g_strdup("not a Slack API answer");
	}
	o = json_node_get_object(root);
	if (!json_object_get_boolean_member_with_default(o, "ok", FALSE))
		err = g_strdup(json_object_get_string_member_with_default(o,
		    "error", "unknown error"));
	g_object_unref(p);
	return err;
}

enum lr_status
channels_post(struct channels *ch, enum chan_id c,
    const char *payload, gint64 *retry_after, char **why)
{
	static const char *const names[CHAN_N] = {
		"smtp", "slack", "slack DM", "webhook"
	};
	struct http_result res = { 0 };
	const char *hdr[3] = { NULL, NULL, NULL };
	char *url = NULL, *auth = NULL, *sig = NULL, *stamp = NULL, *err;
	enum lr_status rc;

	*retry_after = -1;
	*why = NULL;
	if (!channels_has(ch, c) || payload == NULL) {
		*why = g_strdup_printf("%s: not configured", names[c]);
		return LR_CONFIG;
	}
	if (c == CHAN_SLACK)
		url = g_strdup(ch->cfg->slack_webhook_url);
	else if (c == CHAN_SLACK_DM) {
		url = g_strconcat(ch->cfg->slack_api_url, "/chat.postMessage",
		    NULL);
		auth = g_strconcat("Authorization: Bearer ",
		    ch->cfg->slack_token, NULL);
		hdr[0] = auth;
	} else {
		url = g_strdup(ch->cfg->webhook_url);
		if (ch->cfg->webhook_secret != NULL) {
			/* spec 8 v2: the HMAC covers "<timestamp>.<body>",
			 * so that a receiver can refuse a replayed request */
			gint64 now = g_get_real_time() / G_USEC_PER_SEC;
			char *signed_text = g_strdup_printf("%" G_GINT64_FORMAT
			    ".%s", now, payload);
			char *s = http_signature(ch->cfg->webhook_secret,
			    strlen(ch->cfg->webhook_secret), signed_text,
			    strlen(signed_text));

			sig = g_strconcat("X-Leadroute-Signature: ", s, NULL);
			stamp = g_strdup_printf("X-Leadroute-Timestamp: %"
			    G_GINT64_FORMAT, now);
			g_free(s);
			g_free(signed_text);
			hdr[0] = sig;
			hdr[1] = stamp;
		}
	}
	rc = http_post_json(ch->http, url, payload, hdr, &res);
	*retry_after = res.retry_after;
	if (rc == LR_OK && c == CHAN_SLACK_DM &&
	    (err = slack_api_error(res.body)) != NULL) {
		rc = g_strv_contains(slack_temporary, err) ? LR_TEMPFAIL :
		    LR_BADMSG;
		*why = g_strdup_printf("%s: %s", names[c], err);
		g_free(err);
	} else if (rc != LR_OK && res.status == 0)
		*why = g_strdup_printf("%s: %s", names[c], res.error != NULL ?
		    res.error : "no answer");
	else if (rc != LR_OK)
		*why = g_strdup_printf("%s: HTTP %ld%s%.200s", names[c],
		    res.status, res.body != NULL && *res.body != '\0' ? " " :
		    "", res.body != NULL ? res.body : "");
	http_result_clear(&res);
	g_free(url);
	g_free(auth);
	g_free(sig);
	g_free(stamp);
	return rc;
}

char *
channels_dm_payload(const char *payload, const char *user)
{
	JsonParser *p = json_parser_new();
	JsonNode *root;
	char *out = NULL;

	if (json_parser_load_from_data(p, payload, -1, NULL) &&
	    (root = json_parser_get_root(p)) != NULL &&
	    JSON_NODE_HOLDS_OBJECT(root)) {
		json_object_set_string_member(json_node_get_object(root),
		    "channel", user);
		out = json_to_string(root, FALSE);
	}
	g_object_unref(p);
	return out;
}
