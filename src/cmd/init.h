/*
 * init.h: `leadroute init DIR`: a working starting point for a new user,
 * written into DIR: leadroute.conf (every path in it relative to DIR),
 * the example rules and their data (owners.csv, accounts.csv,
 * freemail.txt), the templates, and a placeholder for each secret the
 * configuration names (mode 0600). `leadroute -c DIR/leadroute.conf
 * check` passes on the result. The files are built into the binary, so
 * that init works before (and without) `make install`.
 */
#ifndef LR_INIT_H
#define LR_INIT_H

#include <glib.h>

/*
 * Write the files into dir (created if missing, mode 0750), each name
 * added to written (owned, relative to dir). Nothing is ever overwritten:
 * when one of them exists already, FALSE with err (G_FILE_ERROR_EXIST)
 * naming it, and nothing is written. FALSE with err on any other error.
 */
gboolean init_write(const char *dir, GPtrArray *written, GError **err);

/*
 * One of the files built in, by its name in a set ("templates/forward.txt"):
 * the templates a configuration without [templates] dir uses. NULL when
 * there is no such file.
 */
GBytes *init_builtin(const char *name);

#endif
