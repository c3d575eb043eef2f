/*
 * imap_p.h: private to imap.c (connection, TLS, login, IDLE) and
 * imap_mailbox.c (folders and messages): the connection and its error.
 */
#ifndef LR_IMAP_P_H
#define LR_IMAP_P_H

#include <glib.h>
#include <libetpan/libetpan.h>

#include "imap.h"

struct imap_conn {
	mailimap *imap;		/* owned */
	char *host;		/* owned */
	char *mailbox;		/* owned, from the URL */
	char *err;		/* owned, last error; NULL if none */
	char delim;		/* server's hierarchy separator; 0 if flat */
	char *prefix;		/* owned: the personal namespace's prefix in
				 * the server's spelling ("INBOX."); "" if none */
	gboolean quiet;		/* a NO is an expected answer: not logged */
	gboolean said_deleted;	/* told why filed mail stays marked \Deleted */
	gboolean idling;
	gboolean news;		/* EXISTS grew as IDLE began */
	gboolean refused;	/* the server refused the login */
};

/* Record the last error (imap_last_error()) and log it at debug level. */
void imap_set_err(struct imap_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* libetpan return code r of command what to a status, recording what
 * failed; a success clears the last error. A NO or BAD is logged as a
 * warning with the command and the server's words, unless c->quiet. */
enum lr_status imap_map_err(struct imap_conn *c, int r, const char *what);
/* Send cmd (no tag, no CRLF) as written and read its answer; untagged
 * data lands in the session's response info as for libetpan's own
 * commands. A libetpan code: MAILIMAP_ERROR_CUSTOM_COMMAND for NO/BAD. */
int imap_send_raw(mailimap *imap, const char *cmd);

#endif
