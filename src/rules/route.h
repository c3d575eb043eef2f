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
	GArray *credits;		/* of struct route_credit: the team's
					 * rotation after this pick; NULL when
					 * no rotation moved */
	gboolean sticky;		/* the owner had the lead already */
};

/* A team member's credit in the team's smooth weighted round robin. */
struct route_credit {
	const char *owner;		/* borrowed from the rule set */
	gint64 credit;
};

/* Who owns a lead already (route_state.sticky). */
struct route_sticky {
	char *owner;			/* owned; NULL: nobody */
	char *why;			/* owned: for explain, e.g. "replies to
					 * <id>, routed to dana" */
};

/*
 * What the journal knows, for the agent and `owners`; NULL (explain
 * without a journal): no history, every credit 0, nothing sticky. Each
 * callback may be NULL too.
 */
struct route_state {
	/* leads given to o on now's date in o's timezone (daily cap) */
	guint (*leads_today)(void *ctx, const struct owner *o, GDateTime *now);
	/* leads given to o in the 24 hours before now (least-loaded) */
	guint (*leads_24h)(void *ctx, const struct owner *o, GDateTime *now);
	/* o's credit in team t's rotation; 0 when it has none */
	gint64 (*credit)(void *ctx, const struct team *t, const struct owner *o);
	/* who has l already: the thread it replies to, or its address or
	 * company domain within `window` seconds before now */
	void (*sticky)(void *ctx, const struct lead *l, GDateTime *now,
	    gint64 window, struct route_sticky *out);
	/* until when (Unix seconds) o is away by what the agent saw (an
	 * auto-reply: the rest of that day), 0: no such record; *why gets a
	 * few words (owned) or NULL */
	gint64 (*away_until)(void *ctx, const struct owner *o, char **why);
	void *ctx;
};

/*
 * Is o available at now: owner_available() (hours and the daily cap,
 * from st's leads_today, only when for_team), then st's away_until.
 * *text (when text is not NULL) gets why not in a few words (owned), or
 * NULL when available. st may be NULL.
 */
enum owner_avail route_owner_available(const struct owner *o, GDateTime *now,
    const struct route_state *st, gboolean for_team, char **text);

/*
 * Decide where l goes at now. prefix is the folder prefix (NULL:
 * conf.h's CONFIG_DEFAULT_PREFIX, as everywhere below). The caller owns
 * the result.
 */
struct decision *route_decide(const struct ruleset *rs, const struct lead *l,
    GDateTime *now, const char *prefix, const struct route_state *st);
void decision_free(struct decision *dc);

/*
 * The member team t's rotation gives the next lead at now, or NULL when
 * nobody is available; why (when not NULL) gets a reason per member
 * skipped (owned array of char *, or NULL when none); members whose id is
 * in exclude (may be NULL) are not considered. Used by `owners`, and to
 * re-route a lead its owner did not answer in time.
 */
const struct owner *route_team_next(const struct team *t, GDateTime *now,
    const struct route_state *st, GPtrArray **why, GHashTable *exclude);

/*
 * The SLA chase: who gets a lead whose owner did not act on it in time.
 * The next member t's rotation gives at now (route_team_next()) among
 * those who have not had it (had: owner id -> anything, the current
 * owner included), else t's `escalate` owner if they have not had it
 * and are available (status and away only: an escalation is not
 * rotation, so hours and caps do not count), with *escalation TRUE: the
 * escalation ends the chase. NULL when nobody is left (always when t is
 * NULL). Reads only its arguments.
 */
const struct owner *route_chase_next(const struct ruleset *rs,
    const struct team *t, GDateTime *now, const struct route_state *st,
    GHashTable *had, gboolean *escalation);

/* Send dc to review instead, with reason (e.g. the SMTP server refused
 * the forward for good): kind, owner and folder follow. */
void decision_to_review(struct decision *dc, const struct ruleset *rs,
    const char *prefix, const char *reason);

/*
 * The folders leadroute files into, named here only (caller frees);
 * prefix NULL: CONFIG_DEFAULT_PREFIX. The rules' own review and ignore
 * folders win over the prefix's.
 */
/* <prefix>/Owners, where every owner's folder is */
char *route_owners_folder(const char *prefix);
/* <prefix>/Owners/<id> */
char *route_owner_folder(const char *prefix, const char *id);
/* the rules' review folder, else <prefix>/Review */
char *route_review_folder(const struct ruleset *rs, const char *prefix);
/* the rules' ignore folder, else <prefix>/Ignored */
char *route_ignore_folder(const struct ruleset *rs, const char *prefix);
/* <prefix>/Failed: messages the journal gave up on */
char *route_failed_folder(const char *prefix);

/*
 * Every folder a decision of rs can name, for creating them at start:
 * review, ignored, each queue's, and <prefix>/Owners/<id> for every owner
 * (teams file into their members' folders). Owned array of char *.
 */
GPtrArray *route_folders(const struct ruleset *rs, const char *prefix);

/*
 * Which destination folder is, as route_folders() names them: *kind
 * (DEST_OWNER, DEST_QUEUE, DEST_REVIEW or DEST_IGNORE) and *id (the
 * owner's or queue's, borrowed from rs; NULL for review and ignore).
 * FALSE when it is none of them.
 */
gboolean route_folder_dest(const struct ruleset *rs, const char *prefix,
    const char *folder, enum dest_kind *kind, const char **id);

/* The value of dimension name in dc, or NULL. */
const struct dim_value *decision_dim(const struct decision *dc,
    const char *name);

#endif
