/*
 * journal_route.h: what the journal remembers for routing (history.c
 * reads it as routing's route_state; the agent records absences): each
 * team's rotation, the leads each owner was given per day and in a
 * period, who owns a lead's thread, address or company already, and who
 * is away by an auto-reply. The counters are moved with each decision
 * by journal_record_decision() (journal.h).
 *
 * Same conventions as journal.h: LR_OK or what to do about a failure;
 * the caller owns what is returned unless stated.
 */
#ifndef LR_JOURNAL_ROUTE_H
#define LR_JOURNAL_ROUTE_H

#include <glib.h>

#include "journal.h"
#include "status.h"

struct journal_rotation {
	guint count;		/* leads given in this team's rotation */
	gint64 last_at;		/* when last; 0: never */
	gint64 credit;		/* smooth weighted round robin's weight */
};

enum journal_sticky_via { JSTICKY_NONE, JSTICKY_THREAD, JSTICKY_ADDRESS,
	JSTICKY_DOMAIN };

/* Who owns a lead already, and by what. */
struct journal_sticky {
	char *owner;		/* owned; NULL: nobody */
	enum journal_sticky_via via;
	char *evidence;		/* owned: the Message-ID of the thread, the
				 * address, or the address of the earlier
				 * lead of the same domain */
};

/* owner's row of team's rotation; zeros when it has none. */
enum lr_status journal_rotation_get(struct journal *j, const char *team,
    const char *owner, struct journal_rotation *out) LR_WUR;
/* Leads given to owner on day ("YYYY-MM-DD" in the owner's timezone). */
enum lr_status journal_owner_load(struct journal *j, const char *owner,
    const char *day, guint *count) LR_WUR;
/* Leads decided for owner at or after since (Unix seconds). */
enum lr_status journal_owner_leads_since(struct journal *j, const char *owner,
    gint64 since, guint *count) LR_WUR;

/*
 * The owner a lead belongs to already: the owner of the first message of
 * thread (Message-IDs with <>, nearest first, NULL-terminated; any age)
 * that the journal has decided for an owner, else of the newest lead
 * from email decided at or after since, else of the newest lead from the
 * company domain since then. out->owner NULL: none. Free with
 * journal_sticky_clear().
 */
enum lr_status journal_sticky_owner(struct journal *j,
    const char *const *thread, const char *email, const char *domain,
    gint64 since, struct journal_sticky *out) LR_WUR;
void journal_sticky_clear(struct journal_sticky *s);

/*
 * An owner away until `until` (Unix seconds) by what the agent saw, with
 * a few words why; replaces what was recorded for them.
 */
enum lr_status journal_away_set(struct journal *j, const char *owner,
    gint64 until, const char *reason, gint64 now) LR_WUR;
/* Until when owner is away by the journal (0: no record), and why
 * (owned, NULL when none; reason may be NULL). */
enum lr_status journal_away_get(struct journal *j, const char *owner,
    gint64 *until, char **reason) LR_WUR;

#endif
