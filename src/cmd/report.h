/*
 * report.h: `leadroute report` (spec section 10): the KPIs of a period,
 * computed from the journal and never changing it. Leads by destination,
 * owner and dimension; the review rate; time to route (the message's
 * Date to its forward) with its legs (dated -> fetched -> decided ->
 * forwarded), per owner too; reassignments; first responses seen in the
 * inbox, and the leads never answered. Text for people, JSON for scripts,
 * or one HTML page with its charts drawn in inline SVG (no script, no
 * file or network reference: it opens anywhere, also from a mail).
 */
#ifndef LR_REPORT_H
#define LR_REPORT_H

#include <stdio.h>
#include <glib.h>

#include "journal.h"
#include "status.h"

struct report_opts {
	struct journal *j;	/* read only */
	GDateTime *now;		/* the end of the period */
	gint64 since;		/* its length in seconds */
	gboolean json;
	gboolean html;		/* one self-contained page, inline SVG */
	FILE *out;
};

/* Compute and print; LR_OK, or the journal's error. */
enum lr_status report_print(const struct report_opts *o) LR_WUR;

#endif
