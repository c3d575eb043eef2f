/*
 * conf.h: leadroute.conf (spec section 3), a GLib key file. Found at
 * -c FILE, else ./leadroute.conf, $XDG_CONFIG_HOME/leadroute/, then
 * SYSCONFDIR/leadroute/. Relative paths in it are taken from its own
 * directory. This is the part the offline commands need.
 */
#ifndef LR_CONF_H
#define LR_CONF_H

#include <glib.h>

#include "diag.h"

struct config {
	char *path;		/* the file read */
	char *rules_file;	/* [rules] file, resolved; NULL if unset */
	char *folder_prefix;	/* [inbox] folder_prefix; default "Leads" */
	GKeyFile *kf;
};

/*
 * Read the configuration at path, or the first found in the search order
 * when path is NULL. Problems go to d. Returns NULL when there is none
 * (path NULL and nothing found; or path unreadable, with an error).
 */
struct config *config_load(const char *path, struct diag *d);
void config_free(struct config *c);

/* Where config_load(NULL) looks, in order; caller frees with g_strfreev. */
char **config_search_path(void);

#endif
