/*
 * sink_http.c: the HTTP channels (Slack's channel post and direct
 * message, the webhook) as sinks: the payload rendered from the channel's
 * JSON template, posted by channels_post(), which says what is temporary.
 */
#include "config.h"

#include <string.h>

#include "channel.h"
#include "sink.h"

struct sink_http {
	struct sink base;
	struct channels *ch;
	const struct template *tmpl;
};

static char *
http_plan(struct sink *s, const struct sink_lead *l, gsize *len)
{
	struct sink_http *h = (struct sink_http *)s;
	const struct template *tmpl = l->text != NULL ? l->text : h->tmpl;
	char *body, *dm;

	if (tmpl == NULL)
		return NULL;
	body = template_render(tmpl, &l->tv);
	if (s->chan == CHAN_SLACK_DM && body != NULL) {
		dm = channels_dm_payload(body, l->target);
		g_free(body);
		body = dm;
	}
	*len = body != NULL ? strlen(body) : 0;
	return body;
}

static enum lr_status
http_send(struct sink *s, const char *target, const char *payload,
    gsize len, struct sink_failure *fail)
{
	struct sink_http *h = (struct sink_http *)s;
	enum lr_status st;

	(void)target;
	(void)len;
	st = channels_post(h->ch, s->chan, payload, &fail->retry_after,
	    &fail->why);
	if (st != LR_OK && st != LR_TEMPFAIL) {
		fail->permanent = TRUE;
		st = LR_BADMSG;
	}
	return st;
}

static void
http_free(struct sink *s)
{
	g_free(s);
}

static const struct sink_ops http_ops = { http_plan, http_send, http_free };

struct sink *
sink_http_new(struct channels *ch, enum chan_id chan,
    const struct template *tmpl)
{
	struct sink_http *h;

	if (ch == NULL || !channels_has(ch, chan))
		return NULL;
	h = g_new0(struct sink_http, 1);
	h->base.ops = &http_ops;
	h->base.chan = chan;
	h->ch = ch;
	h->tmpl = tmpl;
	return &h->base;
}
