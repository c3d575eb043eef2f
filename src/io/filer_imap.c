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
	struct imap_conn *made_on;	/* the connection made holds for */
	GHashTable *made;	/* folder -> 1: there since that connection */
};

/* CREATE folder, once a connection: a server answers NO to a CREATE of
 * one that exists (Cyrus), and each filing would cost a CREATE and a
 * LIST. A folder deleted meanwhile makes the MOVE fail, and is made again
 * at the next try. */
static enum lr_status
make_once(struct filer_imap *fi, const char *folder)
{
	enum lr_status st;

	if (fi->made_on != *fi->conn) {
		g_hash_table_remove_all(fi->made);
		fi->made_on = *fi->conn;
	}
	if (g_hash_table_contains(fi->made, folder))
		return LR_OK;
	if ((st = imap_create(*fi->conn, folder)) == LR_OK)
		g_hash_table_add(fi->made, g_strdup(folder));
	return st;
}

static enum lr_status
imap_make(struct filer *f, const char *folder)
{
	struct filer_imap *fi = (struct filer_imap *)f;
	enum lr_status st;

	if ((st = make_once(fi, folder)) != LR_OK)
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

/*
 * Without MOVE, a message filed before and found in the inbox again is
 * most often the copy a refused (or silently dropped) \Deleted left
 * behind, and one decided before a stop may have been copied before the
 * stop: when folder holds its Message-ID (it->key) already, it is only
 * removed from the inbox, never copied once more. TRUE when it was (done
 * told); FALSE: file it as any other.
 */
static gboolean
leftover(struct imap_conn *c, const char *folder, const struct filer_item *it,
    filer_done_fn done, void *ctx, enum lr_status *st)
{
	GArray *there = NULL;
	gboolean found;

	if (imap_has_move(c) || it->key == NULL)
		return FALSE;
	if ((*st = imap_select(c, folder, NULL, NULL)) != LR_OK ||
	    (*st = imap_search_message_id(c, it->key, &there)) != LR_OK) {
		/* not there: filed as any other, from the inbox again */
		if (*st != LR_BADSOURCE)
			*st = imap_select(c, imap_url_mailbox(c), NULL, NULL);
		return *st != LR_OK;
	}
	found = there->len > 0;
	g_array_free(there, TRUE);
	if ((*st = imap_select(c, imap_url_mailbox(c), NULL, NULL)) != LR_OK)
		return TRUE;
	if (!found)
		return FALSE;
	if (!imap_keeps_keyword(c, "\\Deleted")) {
		log_warnx("run: %s: filed in %s before, and the server does not "
		    "let leadroute delete it from the inbox (no \\Deleted in "
		    "its PERMANENTFLAGS, no MOVE): it stays there; look at the "
		    "account's rights (ACL \"t\" and \"e\")", it->key, folder);
		*st = LR_TEMPFAIL;
		return TRUE;
	}
	if ((*st = imap_delete(c, &it->uid, 1)) == LR_OK)
		done(it, folder, ctx);
	return TRUE;
}

static enum lr_status
imap_file(struct filer *f, const char *folder, const struct filer_item *items,
    guint n, filer_done_fn done, void *ctx)
{
	struct filer_imap *fi = (struct filer_imap *)f;
	struct imap_conn *c = *fi->conn;
	GArray *uids = g_array_sized_new(FALSE, FALSE, sizeof(guint32), n);
	GArray *due = g_array_new(FALSE, FALSE, sizeof(guint32));
	GPtrArray *moving = g_ptr_array_new();
	enum lr_status st = LR_OK, one;

	for (guint i = 0; i < n && st != LR_BADSOURCE; i++) {
		if (leftover(c, folder, &items[i], done, ctx, &one)) {
			if (one != LR_OK && st == LR_OK)
				st = one;
			continue;
		}
		g_ptr_array_add(moving, (gpointer)&items[i]);
		g_array_append_val(uids, items[i].uid);
		if (items[i].due)
			g_array_append_val(due, items[i].uid);
	}
	if (st != LR_BADSOURCE && uids->len > 0 &&
	    (one = make_once(fi, folder)) == LR_OK) {
		mark(c, folder, uids, IMAP_KEYWORD_ROUTED);
		mark(c, folder, due, FILER_KEYWORD_DUE);
		one = imap_move(c, (guint32 *)uids->data, uids->len, folder);
	} else
		one = st == LR_BADSOURCE || uids->len == 0 ? LR_OK : one;
	/* a name the server cannot hold (its separator in it) is the
	 * folder refusing, not a reason to stop the round */
	if (one == LR_CONFIG)
		one = LR_TEMPFAIL;
	if (one != LR_OK)	/* deleted meanwhile? made again next time */
		g_hash_table_remove(fi->made, folder);
	if (one == LR_OK)
		for (guint i = 0; i < moving->len; i++)
			done(g_ptr_array_index(moving, i), folder, ctx);
	else
		log_warnx("run: cannot file %u message%s in %s: %s; the other "
		    "folders are filed, these are tried again later",
		    moving->len, moving->len == 1 ? "" : "s", folder,
		    imap_last_error(c));
	if (st == LR_OK)
		st = one;
	g_ptr_array_free(moving, TRUE);
	g_array_free(uids, TRUE);
	g_array_free(due, TRUE);
	return st;
}

static void
imap_filer_free(struct filer *f)
{
	g_hash_table_destroy(((struct filer_imap *)f)->made);
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
	fi->made = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return &fi->base;
}
