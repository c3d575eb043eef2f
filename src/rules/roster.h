/*
 * roster.h: `leadroute owners`: who the rotation of each team gives the
 * next lead to, every owner's load today and in the last 24 hours, and
 * who is skipped and why (status, away, working hours, daily cap), read
 * from the journal without changing it. Text for people, JSON for
 * scripts.
 */
#ifndef LR_ROSTER_H
#define LR_ROSTER_H

#include <stdio.h>
#include <glib.h>

#include "route.h"
#include "rules.h"

struct roster_opts {
	const struct ruleset *rs;
	const struct route_state *st;	/* NULL: no journal yet */
	GDateTime *now;
	gboolean json;
	FILE *out;
};

void roster_print(const struct roster_opts *o);

#endif
