/*
 * chanid.h: the delivery channels by id, as the journal records them,
 * the channels post on them and the agent plans them: the email forward
 * (SMTP), the Slack channel post, the Slack direct message and the
 * task/CRM webhook. A name here is the text the journal keeps in
 * deliveries.channel; it never changes for an id.
 */
#ifndef LR_CHANID_H
#define LR_CHANID_H

#include <glib.h>

enum chan_id {
	CHAN_FORWARD,		/* the email forward to an owner ("smtp") */
	CHAN_SLACK,		/* Slack incoming webhook ("slack") */
	CHAN_SLACK_DM,		/* Slack chat.postMessage ("slack_dm") */
	CHAN_WEBHOOK,		/* the task/CRM webhook ("webhook") */
	CHAN_N
};

/* c's name ("smtp", "slack", "slack_dm", "webhook"); "?" out of range. */
const char *chan_id_name(enum chan_id c);
/* The id named name into *c; FALSE (and *c unchanged) when none is. */
gboolean chan_id_lookup(const char *name, enum chan_id *c);

#endif
