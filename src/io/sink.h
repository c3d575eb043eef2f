/*
 * sink.h: one delivery channel as the agent sees it (in the manner of
 * isync's driver.h): the email forward over SMTP, the Slack channel post,
 * the Slack direct message and the webhook. A sink turns a lead into the
 * payload it sends (plan), sends a payload to a target (send), and says
 * of a failure whether it is for good and how long the server asked to
 * wait. When to try again is not the sink's business: the agent keeps one
 * retry policy for every channel, and the journal keeps the payload and
 * the schedule between tries.
 *
 * The agent owns the sinks (it builds them from the configuration and
 * frees them on SIGHUP and at exit); what a sink borrows at its birth
 * (the SMTP client, the channels, the templates) outlives it.
 */
#ifndef LR_SINK_H
#define LR_SINK_H

#include <glib.h>

#include "chanid.h"
#include "conf.h"
#include "smtp.h"
#include "status.h"
#include "template.h"

struct channels;

/* What a lead's delivery is made of; everything borrowed. */
struct sink_lead {
	const char *target;		/* the mail or Slack user it goes to */
	struct template_vars tv;	/* the lead, decision and owner */
	const struct template *subject, *text;	/* a notice's own
						 * templates (HTTP: text is
						 * the payload's); NULL: the
						 * sink's */
	struct forward_spec fs;		/* for mail: all but subject and
					 * text, which plan renders */
};

/* Why a send failed. */
struct sink_failure {
	gboolean permanent;	/* refused for good: never try again */
	gint64 retry_after;	/* seconds the server asked to wait; -1:
				 * it said nothing */
	char *why;		/* owned: a short account for log and journal */
};

struct sink;

struct sink_ops {
	/*
	 * The payload for lead l, *len set; NULL when this sink sends
	 * nothing for it (no template, or it cannot be built: logged).
	 */
	char *(*plan)(struct sink *s, const struct sink_lead *l, gsize *len);
	/*
	 * Send payload[len] to target (mail: the address; HTTP: only a name
	 * for the log, the channel knows where). Mail: a 5xx for this
	 * message is permanent. LR_OK: the server took
	 * it. Otherwise *fail says why (the caller frees fail->why with
	 * sink_failure_clear()) and LR_TEMPFAIL or LR_BADMSG says whether
	 * it may be tried again.
	 */
	enum lr_status (*send)(struct sink *s, const char *target,
	    const char *payload, gsize len, struct sink_failure *fail);
	void (*free)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	enum chan_id chan;
};

/* The forward (or redirect: mode) sent with smtp; subject and text are
 * its templates. All borrowed. */
struct sink *sink_smtp_new(struct smtp *smtp, enum smtp_mode mode,
    const struct template *subject, const struct template *text);
/* An HTTP channel (CHAN_SLACK, CHAN_SLACK_DM, CHAN_WEBHOOK) of ch,
 * its payload rendered from tmpl. Borrowed. */
struct sink *sink_http_new(struct channels *ch, enum chan_id chan,
    const struct template *tmpl);
/* A dry run's sink: plans as `real` does (taken over) and sends nothing,
 * logging what it would send. */
struct sink *sink_dry_new(struct sink *real);

char *sink_plan(struct sink *s, const struct sink_lead *l, gsize *len);
enum lr_status sink_send(struct sink *s, const char *target,
    const char *payload, gsize len, struct sink_failure *fail) LR_WUR;
void sink_failure_clear(struct sink_failure *fail);
void sink_free(struct sink *s);		/* NULL is fine */

#endif
