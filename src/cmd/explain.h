/*
 * explain.h: `leadroute explain` (spec sections 2 and 7): read messages
 * from files, Maildirs, directories of *.eml or stdin, decide each one
 * offline, and print the decision with its reasons, as text for people or
 * as JSON Lines for scripts.
 */
#ifndef LR_EXPLAIN_H
#define LR_EXPLAIN_H

#include <stdio.h>
#include <glib.h>

#include "lead.h"
#include "route.h"
#include "rules.h"

struct explain_opts {
	const struct ruleset *rules;
	const struct auth_policy *auth;	/* the configuration's, or NULL */
	GDateTime *now;
	const char *prefix;	/* folder prefix; NULL: CONFIG_DEFAULT_PREFIX */
	gboolean json;
	FILE *out;
};

/* The decision of one message, as a text block or one JSON line. */
void explain_print(const struct explain_opts *o, const char *file,
    const struct lead *l, const struct decision *dc);

/*
 * Explain every message named by paths ("-" = stdin). Returns 0, or 66
 * (EX_NOINPUT) when an input could not be read; the others are still
 * explained.
 */
int explain_paths(const struct explain_opts *o, char **paths, int n);

/*
 * Read every message named by paths as explain_paths() does and hand each
 * to cb (file name, bytes; borrowed for the call). Returns 0, or 66 when
 * an input could not be read (logged; the others are still read).
 */
typedef void (*explain_msg_cb)(const char *file, const char *data, gsize len,
    void *ctx);
int explain_each(char **paths, int n, explain_msg_cb cb, void *ctx);

/* The messages a directory holds: Maildir cur/ and new/, else *.eml,
 * sorted by name. NULL when dir cannot be read. */
GPtrArray *explain_dir_files(const char *dir, GError **err);

#endif
