/*
 * history.h: what the journal remembers, as the route_state routing
 * reads: each owner's leads today and in the last 24 hours, the teams'
 * rotation credits, who has a lead's thread, address or company
 * already, and who is away by an auto-reply. The agent (and its dry run) decides with it; `owners` shows
 * what it would decide. Reading only: the decision's changes are kept
 * by journal_record_decision().
 */
#ifndef LR_HISTORY_H
#define LR_HISTORY_H

#include "journal.h"
#include "route.h"

/* The journal and rule set read; borrowed, they must outlive it. */
struct history {
	struct journal *j;
	const struct ruleset *rs;
};

/* Fill st to read through h, which must outlive st. */
void history_state(struct route_state *st, struct history *h);

/*
 * What of dc the journal keeps with the decision besides its row: the
 * team's rotation credits, the company domain of l; into jd (credits
 * allocated: free jd->credits with g_free() after recording).
 */
void history_decision(const struct decision *dc, const struct lead *l,
    const struct ruleset *rs, struct journal_decision *jd);

#endif
