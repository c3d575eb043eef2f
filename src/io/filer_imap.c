/*
 * filer_imap.c: filing in the mailbox: the batch's messages in one folder
 * get the keyword $LeadRouted (and $SLADue where an SLA clock runs) with
 * one STORE each, then move there with one MOVE; the keyword first, so
 * that a stop before the MOVE leaves them out of the next search (the
 * journal knows them as decided but not filed, and the agent files them
 * again).
 */
#include "config.h"

#include "filer.h"
#include "imap.h"
#include "log.h"

struct filer_imap {
	struct filer base;
	struct imap_conn **conn;
};

static enum lr_status
imap_make(struct filer *f, const char *folder)
{
	struct filer_imap *fi = (struct filer_imap *)f;
	enum lr_status st;

	if ((st = imap_create(*fi->conn, folder)) != LR_OK)
		log_warnx("run: cannot create %s: %s", folder,
		    imap_last_error(*fi->conn));
	return st;
}

static enum lr_status
imap_file(struct filer *f, const char *folder, const struct filer_item *items,
    guint n, filer_done_fn done, void *ctx)
{
	struct filer_imap *fi = (struct filer_imap *)f;
	struct imap_conn *c = *fi->conn;
	GArray *uids = g_array_sized_new(FALSE, FALSE, sizeof(guint32), n);
	GArray *due = g_array_new(FALSE, FALSE, sizeof(guint32));
	enum lr_status st;

	for (guint i = 0; i < n; i++) {
		g_array_append_val(uids, items[i].uid);
		if (items[i].due)
			g_array_append_val(due, items[i].uid);
	}
	if ((st = imap_create(c, folder)) == LR_OK &&
	    (st = imap_add_keyword(c, (guint32 *)uids->data, uids->len,
	    IMAP_KEYWORD_ROUTED)) == LR_OK &&
	    (st = imap_add_keyword(c, (guint32 *)due->data, due->len,
	    FILER_KEYWORD_DUE)) == LR_OK &&
	    (st = imap_move(c, (guint32 *)uids->data, uids->len,
	    folder)) == LR_OK)
		for (guint i = 0; i < n; i++)
			done(&items[i], folder, ctx);
	else
		log_warnx("run: filing %u message%s in %s: %s", n,
		    n == 1 ? "" : "s", folder, imap_last_error(c));
	g_array_free(uids, TRUE);
	g_array_free(due, TRUE);
	return st;
}

static void
imap_filer_free(struct filer *f)
{
	g_free(f);
}

static const struct filer_ops imap_ops = {
	imap_make, imap_file, imap_filer_free
};

struct filer *
filer_imap_new(struct imap_conn **conn)
{
	struct filer_imap *fi = g_new0(struct filer_imap, 1);

	filer_init(&fi->base, &imap_ops);
	fi->conn = conn;
	return &fi->base;
}
