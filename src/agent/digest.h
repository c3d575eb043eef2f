/*
 * digest.h: the daily digest of open review items, for the rules'
 * `review ... escalate OWNER digest HH:MM`: when one is due and what it
 * says. The agent finds the items in the journal and sends the text.
 * Times are Unix seconds; the caller owns what is returned.
 */
#ifndef LR_DIGEST_H
#define LR_DIGEST_H

#include <glib.h>

#include "owners.h"

#define DIGEST_MAX_ITEMS	100	/* listed one by one; the rest counted */

/* One lead waiting in review; all strings borrowed, any may be NULL. */
struct digest_item {
	const char *key;	/* the Message-ID */
	const char *email, *subject, *reason;
	gint64 since;		/* in review since */
	gboolean escalated;
};

/* Where a person acts on the items: folders as the mail client shows
 * them, and the review SLA (0: none) to mark the items past it. */
struct digest_spec {
	const char *review_folder;
	const char *owners_folder;	/* <prefix>/Owners */
	const char *ignore_folder;
	gint64 sla;
};

/*
 * When today's digest was due: minute (of the day, in o's zone) of o's
 * local today, if that is at or before now and o works today (every day
 * when o has no working hours); else 0. A day missed is not made up the
 * next: one digest a day at most, never two in one morning.
 */
gint64 digest_due(const struct owner *o, int minute, gint64 now);

/* "3 leads waiting in review (oldest 1d 18h)"; n > 0. */
char *digest_subject(const struct digest_item *items, guint n, gint64 now);

/* The plain text: every item, oldest first, times in o's zone. */
char *digest_text(const struct digest_item *items, guint n, gint64 now,
    const struct digest_spec *sp, const struct owner *o);

#endif
