/*
 * fileio.h: the few steps of writing a file durably that several modules
 * take (init's starter files, Maildir delivery, the OAuth2 token file).
 */
#ifndef LR_FILEIO_H
#define LR_FILEIO_H

#include <glib.h>

/* Write all of data to fd, again after EINTR and short writes. FALSE with
 * errno set when it cannot (EIO for a write of nothing). */
gboolean fileio_write_all(int fd, const void *data, gsize len);

/* fsync the directory dir, so that names made or renamed in it last;
 * FALSE with errno set. */
gboolean fileio_sync_dir(const char *dir);

#endif
