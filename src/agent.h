/*
 * agent.h: `leadroute run` (spec section 8): fetch what is not yet routed
 * from the inbox, decide, deliver (forward by SMTP, Slack), file, and
 * record each step in the journal before the next, so that a stop at any
 * point resumes without losing or re-deciding a lead.
 */
#ifndef LR_AGENT_H
#define LR_AGENT_H

#include <glib.h>

#include "conf.h"
#include "rules.h"

struct agent_opts {
	gboolean once;		/* process what is there, then exit */
	gboolean dry_run;	/* decide and log; send, move, record nothing */
};

/*
 * Run the agent with a checked configuration and rule set. Returns a
 * sysexits code: 0, 69 (a server unavailable, with once), 75 (temporary
 * failure), 78 (configuration).
 */
int agent_run(const struct config *cfg, const struct ruleset *rs,
    const struct agent_opts *o);

#endif
