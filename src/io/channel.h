/*
 * channel.h: the HTTP delivery channels behind one call: Slack's
 * incoming webhook (the team channel), Slack's chat.postMessage (a direct
 * message to the owner, with the bot token) and the task/CRM webhook
 * (signed with X-Leadroute-Signature). The agent plans a delivery with
 * its payload in the journal, then hands it here, first at once and then
 * on the journal's retry schedule; the email forward is not a channel of
 * this kind (smtp.h).
 *
 * The caller owns what is returned unless stated.
 */
#ifndef LR_CHANNEL_H
#define LR_CHANNEL_H

#include <glib.h>

#include "chanid.h"
#include "conf.h"
#include "status.h"

struct channels;

/* The channels cfg configures; cfg is borrowed for the handle's life. */
struct channels *channels_new(const struct config *cfg);
void channels_free(struct channels *ch);	/* NULL is fine */

/* Whether channel is configured (slack_dm: a bot token is set). */
gboolean channels_has(const struct channels *ch, enum chan_id c);

/*
 * Post payload (JSON) on channel. LR_OK: taken. LR_TEMPFAIL: try again
 * later (no answer, 408, 429, 5xx, Slack's own temporary errors);
 * *retry_after is the server's Retry-After in seconds, -1 when none.
 * LR_BADMSG: refused for good (other 4xx; Slack API "ok": false).
 * LR_CONFIG: the channel is not configured or its URL unusable. *why
 * gets a short account of a failure ("slack: 429 ...") the caller frees.
 */
enum lr_status channels_post(struct channels *ch, enum chan_id c,
    const char *payload, gint64 *retry_after, char **why) LR_WUR;

/*
 * The chat.postMessage body for a direct message to Slack user (an id
 * such as U024BE7LH): payload (a slack.json rendering) with "channel"
 * set. NULL when payload is not a JSON object.
 */
char *channels_dm_payload(const char *payload, const char *user);

#endif
