/*
 * agent.h: `leadroute run` (spec section 8): fetch what is not yet routed
 * from the inbox, decide, deliver (forward by SMTP, Slack, webhook), file,
 * and record each step in the journal before the next, so that a stop at
 * any point resumes without losing or re-deciding a lead; and `leadroute
 * deliver`, the same for one message read from a pipe.
 */
#ifndef LR_AGENT_H
#define LR_AGENT_H

#include <glib.h>

#include "conf.h"
#include "rules.h"

/* Test-only: a message whose raw text holds this variable's value makes
 * the agent abort() while deciding it, as a parser crash would. */
#define AGENT_CRASH_ENV	"LEADROUTE_TEST_CRASH_ON"
/* Test-only: decide as if the clock read this ISO 8601 time (explain's
 * --now), so that tests do not depend on owners' working hours. */
#define AGENT_NOW_ENV	"LEADROUTE_TEST_NOW"
/* Test-only: the agent's whole clock (decisions, records, SLAs, the
 * board, days) is the Unix time written in this file, read at every
 * look: a test drives a week through the agent in seconds. Wins over
 * AGENT_NOW_ENV. */
#define AGENT_CLOCK_ENV	"LEADROUTE_TEST_CLOCK"

/*
 * SIGHUP: load the configuration and rules again and check them as
 * `leadroute check` does (printing every problem). TRUE with *cfg and *rs
 * set when they pass; FALSE keeps the running ones.
 */
typedef gboolean (*agent_reload_fn)(void *arg, struct config **cfg,
    struct ruleset **rs);

struct agent_opts {
	gboolean once;		/* process what is there, then exit */
	gboolean dry_run;	/* decide and log; send, move, record nothing */
	gboolean adopt;		/* a new or empty journal over a mailbox
				 * leadroute worked on: rebuild it from the
				 * mailbox (without: refuse, exit 78) */
	agent_reload_fn reload;	/* NULL: SIGHUP is ignored */
	void *reload_arg;
};

/*
 * Run the agent with a checked configuration and rule set, which it takes
 * over (and frees, or replaces on SIGHUP). Returns a sysexits code: 0,
 * 69 (a server unavailable, with once), 75 (temporary failure), 78
 * (configuration).
 */
int agent_run(struct config *cfg, struct ruleset *rs,
    const struct agent_opts *o);

/*
 * `leadroute deliver`: decide the message data[len] (read from a pipe by
 * the caller), deliver it (forward, Slack, webhook) and file it into
 * cfg's [deliver] maildir, or print its folder on stdout when there is
 * none; each step journaled as the agent does, so that the same message
 * delivered again resumes where it stopped. Also retries the Slack posts
 * and webhook calls that are due. cfg and rs stay the caller's. Returns 0
 * (done) or 75 (EX_TEMPFAIL: deliver it again later; why is logged).
 */
int agent_deliver(struct config *cfg, struct ruleset *rs, const char *data,
    size_t len);

#endif
