/*
 * route.h: the decision for one lead under a rule set (spec sections
 * 4.3-4.6): ignore filters, the value of every dimension, the first route
 * that matches, and the destination with its owner and folder. Deciding
 * reads the lead, the rules and the clock; it changes nothing, so
 * `explain` and the agent get the same answer.
 */
#ifndef LR_ROUTE_H
#define LR_ROUTE_H

#include <glib.h>

#include "lead.h"
#include "rules.h"

#define ROUTE_DEFAULT_PREFIX	"Leads"
/* Set on leadroute's own forwards; a message with it is ignored. */
#define ROUTE_LOOP_HEADER	"X-Leadroute-Loop"

struct dim_value {
	const struct dimension *dim;	/* NULL for an implicit context */
	const char *name;		/* borrowed: the dimension's name */
	const char *value;		/* borrowed: class, "unknown", "new", "ambiguous" */
	int line;			/* the class's line; 0 when none matched */
	GPtrArray *matched;		/* of char *, owned: evidence */
	GPtrArray *candidates;		/* of const char *: classes that matched */
};

struct decision {
	enum dest_kind kind;		/* never DEST_ACCOUNT_OWNER */
	char *id;			/* owner, team or queue id; NULL otherwise */
	char *owner;			/* the owner who gets it; NULL if none */
	char *folder;
	char *reason;
	int route_line;			/* 0 when no route decided */
	int ignore_line;		/* the ignore rule that matched, or 0 */
	const struct route *route;	/* borrowed; NULL when none */
	GPtrArray *dims;		/* of struct dim_value *, owned, rules order */
	GPtrArray *notes;		/* of char *, owned: who was skipped and why */
};

/* What rotation knows of an owner; NULL = no history (explain). */
struct route_state {
	guint (*leads_today)(void *ctx, const struct owner *o, GDateTime *now);
	void *ctx;
};

/*
 * Decide where l goes at now. prefix is the folder prefix (NULL:
 * "Leads"). The caller owns the result.
 */
struct decision *route_decide(const struct ruleset *rs, const struct lead *l,
    GDateTime *now, const char *prefix, const struct route_state *st);
void decision_free(struct decision *dc);

/* Send dc to review instead, with reason (e.g. the SMTP server refused
 * the forward for good): kind, owner and folder follow. */
void decision_to_review(struct decision *dc, const struct ruleset *rs,
    const char *prefix, const char *reason);

/*
 * Every folder a decision of rs can name, for creating them at start:
 * review, ignored, each queue's, and <prefix>/Owners/<id> for every owner
 * (teams file into their members' folders). Owned array of char *.
 */
GPtrArray *route_folders(const struct ruleset *rs, const char *prefix);

/* The value of dimension name in dc, or NULL. */
const struct dim_value *decision_dim(const struct decision *dc,
    const char *name);

#endif
