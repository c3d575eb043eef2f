/*
 * filer_imap.c: filing in the mailbox: the batch's messages in one folder
 * get the keyword $LeadRouted (and $SLADue where an SLA clock runs) with
 * one STORE each, then move there with one MOVE; the keyword first, so
 * that a stop before the MOVE leaves them out of the next search (the
 * journal knows them as decided but not filed, and the agent files them
 * again). In a mailbox that keeps no keywords the journal alone knows.
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

/*
 * The marks first; they never hold the move up: a mailbox that keeps no
 * keywords (PERMANENTFLAGS) is not asked to, and a STORE it refuses is
 * logged (the journal knows what is decided and not yet filed).
 */
static void
mark(struct imap_conn *c, const char *folder, GArray *uids,
    const char *keyword)
{
	if (uids->len == 0 || !imap_keeps_keyword(c, keyword))
		return;
	if (imap_add_keyword(c, (guint32 *)uids->data, uids->len, keyword) !=
	    LR_OK)
		log_warnx("run: cannot mark %u message%s for %s with %s; "
		    "filing them all the same", uids->len, uids->len == 1 ? "" :
		    "s", folder, keyword);
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
	if ((st = imap_create(c, folder)) == LR_OK) {
		mark(c, folder, uids, IMAP_KEYWORD_ROUTED);
		mark(c, folder, due, FILER_KEYWORD_DUE);
		st = imap_move(c, (guint32 *)uids->data, uids->len, folder);
	}
	if (st == LR_OK)
		for (guint i = 0; i < n; i++)
			done(&items[i], folder, ctx);
	else
		log_warnx("run: cannot file %u message%s in %s: %s; the other "
		    "folders are filed, these are tried again at the next "
		    "round", n, n == 1 ? "" : "s", folder, imap_last_error(c));
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
