/*
 * journal_report.h: the journal as `report` reads it, never changing it:
 * every lead fetched in a period with what became of it, and the stays
 * in review that overlap the period.
 *
 * Same conventions as journal.h: LR_OK or what to do about a failure;
 * the caller owns what is returned unless stated; what a callback
 * receives is borrowed for the call only, and a non-zero status from it
 * stops the walk and is returned.
 */
#ifndef LR_JOURNAL_REPORT_H
#define LR_JOURNAL_REPORT_H

#include <glib.h>

#include "journal.h"
#include "rules.h"
#include "status.h"

/* A stay in review: from, and to (0: still there). */
struct journal_span {
	gint64 from, to;
};

/*
 * One message as the report sees it. Event kinds it reads: "reassigned"
 * (one per reassignment), "first-response" (at = when the owner's reply
 * was seen), "to-review" (a refused forward sent it to review),
 * "escalated" (the review SLA missed), "sla-missed" (an owner's SLA
 * missed); and the placements (journal schema 6) for its stays in review.
 */
struct journal_lead {
	gint64 id;		/* the journal's message id */
	char *key;
	gint64 received_at;	/* the message's Date; 0 if none */
	gint64 fetched_at;
	gint64 decided_at;	/* 0: not decided */
	gint64 forwarded_at;	/* the first forward sent; 0: none */
	gint64 filed_at;	/* 0: not filed */
	gint64 first_response_at;	/* 0: none seen */
	enum journal_state state;
	gboolean decided;	/* FALSE: kind means nothing, and dest_id,
				 * owner, folder, dims_json are NULL */
	enum dest_kind kind;	/* DEST_REPLY: an owner's reply, no lead */
	char *dest_id, *owner, *folder, *dims_json;
	guint reassignments;
	gboolean to_review;	/* the mail server refused its forward */
	gboolean auto_reply;	/* DEST_REPLY: an out-of-office answer */
	gboolean escalated;	/* the review SLA was missed */
	guint sla_missed;	/* times an owner SLA was missed */
	char *source;		/* lead_json's "source"; NULL: none */
	GArray *review;		/* of struct journal_span, oldest first;
				 * NULL when never in review */
};

typedef enum lr_status (*journal_lead_cb)(const struct journal_lead *l,
    void *ctx);

/*
 * Every stay in review (any lead's) that overlaps [since, until), in *out
 * (of struct journal_span, to 0 while it lasts; the caller frees it):
 * the review backlog, whenever its leads came.
 */
enum lr_status journal_review_spans(struct journal *j, gint64 since,
    gint64 until, GArray **out) LR_WUR;

/* Every message fetched in [since, until), in the order fetched; events
 * and forwards at or after until are left out. A decision of a kind
 * this leadroute does not know is LR_FATAL. */
enum lr_status journal_leads(struct journal *j, gint64 since, gint64 until,
    journal_lead_cb cb, void *ctx) LR_WUR;

#endif
