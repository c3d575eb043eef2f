/*
 * journal_sla.h: the journal's lookups for the agent's follow-ups: which
 * lead an owner's reply answers (by thread, else by sender and subject),
 * the review queue and its SLA breaches (escalation, the digest), and the
 * leads no owner answered yet (the owner SLA's chase).
 *
 * Same conventions as journal.h: LR_OK or what to do about a failure;
 * the caller owns what is returned unless stated; what a callback
 * receives is borrowed for the call only, and a non-zero status from it
 * stops the walk and is returned.
 */
#ifndef LR_JOURNAL_SLA_H
#define LR_JOURNAL_SLA_H

#include <glib.h>

#include "journal.h"
#include "rules.h"
#include "status.h"

/* The lead a message replies to (journal_thread_lead). */
struct journal_thread {
	gint64 lead;		/* its messages.id; 0: none */
	char *owner;		/* owned: its owner */
	char *folder;		/* owned: where it is filed; NULL if not yet */
	gboolean answered;	/* a first response is recorded already */
};

/* A lead waiting (journal_review_overdue, journal_review_open,
 * journal_unanswered). */
struct journal_overdue {
	gint64 id;
	char *key;
	char *folder;		/* where it is filed */
	gint64 since;		/* in review since; forwarded at */
	char *team, *owner;	/* journal_unanswered only: dest_id, owner */
	enum dest_kind kind;	/* journal_unanswered only: DEST_TEAM or
				 * DEST_OWNER */
	gboolean autoreplied;	/* journal_unanswered only: the owner's
				 * auto-reply came after the last forward */
	char *email, *subject, *reason;	/* journal_review_open only; any
				 * may be NULL */
	gboolean escalated;	/* journal_review_open only */
};

typedef enum lr_status (*journal_overdue_cb)(const struct journal_overdue *o,
    void *ctx);

/*
 * The lead with an owner that thread (Message-IDs with <>, nearest first,
 * NULL-terminated) replies to: by the lead's own Message-ID or by that
 * of its forward (an owner answering the forward). out->lead 0: none.
 * Free with journal_thread_clear().
 */
enum lr_status journal_thread_lead(struct journal *j,
    const char *const *thread, struct journal_thread *out) LR_WUR;
/*
 * The newest lead with an owner from one of addrs (NULL-terminated)
 * whose subject key is subject_key, decided at or after since, owner's
 * (may be NULL) before anyone else's: what an owner's reply without
 * thread headers answers. out->lead 0: none.
 */
enum lr_status journal_subject_lead(struct journal *j,
    const char *const *addrs, const char *subject_key, gint64 since,
    const char *owner, struct journal_thread *out) LR_WUR;
void journal_thread_clear(struct journal_thread *t);

/*
 * Every lead decided for review, filed, in review since before `before`
 * (by its last "moved" or "to-review" event, else its filing), and with
 * no "escalated" event: the review SLA's breaches, longest first.
 */
enum lr_status journal_review_overdue(struct journal *j, gint64 before,
    journal_overdue_cb cb, void *ctx) LR_WUR;

/*
 * Every lead decided for review and filed (the review queue as the
 * journal knows it), o->since as for journal_review_overdue, with the
 * lead's address, subject and the decision's reason, and whether it
 * was escalated; oldest first.
 */
enum lr_status journal_review_open(struct journal *j, journal_overdue_cb cb,
    void *ctx) LR_WUR;

/* When the last event of kind about no message (id 0, e.g. the review
 * digest) was recorded; 0: never. */
enum lr_status journal_event_last(struct journal *j, const char *kind,
    gint64 *at) LR_WUR;

/*
 * Every lead given to an owner (by a team or by name), forwarded and
 * filed, with no "first-response", "sla-exhausted" or "chase-ended"
 * event: the owner SLA's candidates, o->since the last forward's time,
 * oldest first; o->autoreplied when an "auto-reply" event whose detail
 * is the owner's id came after that forward.
 */
enum lr_status journal_unanswered(struct journal *j, journal_overdue_cb cb,
    void *ctx) LR_WUR;

#endif
