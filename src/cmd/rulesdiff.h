/*
 * rulesdiff.h: `leadroute diff OLD.rules NEW.rules FILE|DIR...`: replay
 * saved mail through two versions of the rules and list every lead whose
 * destination (kind, team/queue/owner id, owner, folder) would change,
 * with both decisions and their reasons: the safe way to change rules.
 * Offline, like explain: no journal, so no rotation history and nothing
 * sticky on either side.
 */
#ifndef LR_RULESDIFF_H
#define LR_RULESDIFF_H

#include <stdio.h>
#include <glib.h>

#include "rules.h"

struct rulesdiff_opts {
	const struct ruleset *old_rules, *new_rules;
	const char *old_name, *new_name;	/* as given, for the output */
	GDateTime *now;
	const char *prefix;	/* folder prefix; NULL: CONFIG_DEFAULT_PREFIX */
	gboolean json;
	FILE *out;
};

/*
 * Decide every message of paths under both rule sets and print those
 * whose destination differs, then (text only) a summary line. Returns 0
 * when none differs, 1 when some do (as diff(1) does), 66 when an input
 * could not be read.
 */
int rulesdiff_paths(const struct rulesdiff_opts *o, char **paths, int n);

#endif
