/*
 * maildir.h: filing into a Maildir++ tree, for `leadroute deliver`,
 * which has no IMAP server to file into. A folder "Leads/Owners/dana"
 * is the directory ROOT/.Leads.Owners.dana (the layout Dovecot, Courier
 * and most mail clients read), made with cur/, new/ and tmp/ when
 * missing. A "." in a folder name's part nests it, as Maildir++ does.
 */
#ifndef LR_MAILDIR_H
#define LR_MAILDIR_H

#include <glib.h>

#include "status.h"

/*
 * Put the message data[len] into folder of the Maildir root (folder
 * "INBOX" or "" is the root itself): written into tmp/, flushed to disk,
 * then linked into new/ under a unique name, so a crash leaves either no
 * message or a whole one. LR_OK; LR_TEMPFAIL with *why set (caller
 * frees) when it cannot be written (a full disk, a permission).
 */
enum lr_status maildir_put(const char *root, const char *folder,
    const char *data, gsize len, char **why) LR_WUR;

/* The directory of folder under root; caller frees. */
char *maildir_folder_path(const char *root, const char *folder);

#endif
