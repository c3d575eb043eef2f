/*
 * filer.h: where a decided message ends (in the manner of isync's
 * driver.h). The agent queues each message with its folder as it is
 * decided, and has the queue filed after each batch: over IMAP (the
 * keyword $LeadRouted, and one MOVE per folder), into a Maildir or
 * printed for the caller (`deliver`), or nowhere (a dry run). `run`,
 * `run --dry-run` and `deliver` are the same pipeline with different
 * filers.
 *
 * The agent owns the filer; the queue is the filer's; the callback is
 * told of each message filed, so that the journal records it.
 */
#ifndef LR_FILER_H
#define LR_FILER_H

#include <stdio.h>

#include <glib.h>

#include "status.h"

/* The SLA mark a mail client shows (docs/board.md): an SLA clock runs. */
#define FILER_KEYWORD_DUE	"$SLADue"

/* One message queued for filing. */
struct filer_item {
	guint32 uid;		/* its UID in the inbox; 0: from a pipe */
	gint64 id;		/* its journal row; 0: a copy not recorded */
	gboolean due;		/* an SLA clock runs: mark it */
	gboolean again;		/* filed before (a retried `deliver`, or a
				 * copy left in the inbox): not put there
				 * twice, the folder told again */
	const char *key;	/* filed or decided before (again, or resumed
				 * after a stop): its Message-ID (interned),
				 * by which an IMAP filer without MOVE looks
				 * for a copy made before; NULL: none */
};

/* Told of each message filed, with its folder. */
typedef void (*filer_done_fn)(const struct filer_item *it,
    const char *folder, void *ctx);

struct filer;

struct filer_ops {
	/* Make folder, so that decisions can name it. LR_OK when it is
	 * there (also when it was); LR_BADSOURCE: the connection is lost. */
	enum lr_status (*make)(struct filer *f, const char *folder);
	/*
	 * File items[n] into folder, calling done for each one filed.
	 * LR_OK, or why it stopped (logged): LR_BADSOURCE when the
	 * connection is lost, LR_TEMPFAIL when the place refuses.
	 */
	enum lr_status (*file)(struct filer *f, const char *folder,
	    const struct filer_item *items, guint n, filer_done_fn done,
	    void *ctx);
	void (*free)(struct filer *f);
};

struct filer {
	const struct filer_ops *ops;
	GHashTable *queue;	/* folder -> GArray of struct filer_item */
};

/* IMAP: *conn is the agent's connection (it reconnects; borrowed). */
struct imap_conn;
struct filer *filer_imap_new(struct imap_conn **conn);
/* `deliver`: message data[len] (borrowed) into the Maildir root. */
struct filer *filer_maildir_new(const char *root, const char *data,
    size_t len);
/* `deliver` without a Maildir: the folder printed on out for the caller,
 * every time it asks. */
struct filer *filer_print_new(FILE *out);
/* A dry run: nothing is filed (nor told filed). */
struct filer *filer_none_new(void);

void filer_queue(struct filer *f, const char *folder,
    const struct filer_item *it);
enum lr_status filer_make(struct filer *f, const char *folder) LR_WUR;
/* File all that is queued, folder by folder; the queue is then empty
 * (what failed is queued again by the next round, which sees it). */
enum lr_status filer_flush(struct filer *f, filer_done_fn done,
    void *ctx) LR_WUR;
void filer_forget(struct filer *f);	/* empty the queue */
void filer_free(struct filer *f);	/* NULL is fine */

/* For the filers: the base's queue set up. */
void filer_init(struct filer *f, const struct filer_ops *ops);

#endif
