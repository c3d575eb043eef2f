/*
 * agent_adopt.c: a lost journal (spec section 8, v2). A journal that is
 * new or empty over a mailbox leadroute has worked on (messages marked
 * $LeadRouted in the inbox, mail in the board's folders) would route and
 * forward everything again: `run` refuses to start (exit 78) and says how
 * to go on. `run --adopt` rebuilds the journal from the mailbox instead:
 * every message in a folder of the board is recorded as decided for that
 * folder and filed there, with an "adopted" event (no SLA clock runs for
 * it, no escalation); a message marked routed but left in the inbox goes
 * to review. Nothing is sent.
 */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "agent_p.h"
#include "imap.h"
#include "log.h"

/* What the mailbox shows of leadroute's past work. */
struct evidence {
	guint routed;		/* inbox messages marked routed */
	guint filed;		/* messages in the board's folders */
	guint folders;		/* folders holding them */
	const char *example;	/* one of those folders (borrowed) */
};

/*
 * board_id() for a folder to adopt: an owner's reply to a forward, or an
 * auto-reply to one (filed beside the lead it answers), is no lead: left
 * out. A forward's Message-ID is "<lr-...>" (smtp_message_id()).
 */
static enum lr_status
lead_id(guint32 uid, const char *data, size_t len, void *ctx)
{
	char *head = g_ascii_strdown(data, (gssize)len), *irt;
	gboolean reply;

	irt = strstr(head, "in-reply-to:");
	if (irt != NULL && irt != head && irt[-1] != '\n')
		irt = NULL;
	for (char *p = irt; p != NULL && (p = strchr(p, '\n')) != NULL; p++)
		if (p[1] != ' ' && p[1] != '\t') {
			*p = '\0';	/* the field's end */
			break;
		}
	reply = irt != NULL && strstr(irt, "<lr-") != NULL;
	g_free(head);
	return reply ? LR_OK : board_id(uid, data, len, ctx);
}

/* The leads (messages with a Message-ID, not replies to a forward) of
 * folder; *found NULL when the folder cannot be selected. */
static enum lr_status
folder_messages(struct agent *a, const char *folder, guint32 *uidvalidity,
    GArray **found)
{
	enum lr_status st;

	*found = NULL;
	if ((st = imap_select(a->imap, folder, uidvalidity, NULL)) != LR_OK)
		return st == LR_BADSOURCE ? st : LR_OK;
	*found = g_array_new(FALSE, FALSE, sizeof(struct board_msg));
	if ((st = imap_message_ids(a->imap, 1, lead_id, *found)) != LR_OK) {
		board_msgs_free(*found);
		*found = NULL;
	}
	return st;
}

/* Record the messages of one board folder as decided and filed there. */
static enum lr_status
adopt_folder(struct agent *a, const char *folder, guint32 uidvalidity,
    GArray *found, guint *n)
{
	struct journal_decision d = { 0 };
	char *reason = g_strdup_printf("adopted: found in %s when the journal "
	    "was rebuilt", folder);
	enum lr_status st = LR_OK;
	gint64 now = now_s();

	if (!board_decision(a, folder, &d)) {
		g_free(reason);
		return LR_OK;	/* nobody's folder: left out */
	}
	d.reason = reason;
	for (guint k = 0; k < found->len && st == LR_OK; k++) {
		const struct board_msg *m = &g_array_index(found,
		    struct board_msg, k);
		enum journal_state state;
		enum journal_seen seen;
		gint64 id;

		st = journal_message_seen(a->j, m->key, folder, uidvalidity,
		    m->uid, 0, 0, now, &id, &state, &seen);
		if (st != LR_OK || state != JMSG_FETCHED)
			continue;	/* a copy of one adopted already */
		if ((st = journal_record_decision(a->j, id, &d, now)) ==
		    LR_OK && (st = journal_message_filed(a->j, id, folder,
		    now)) == LR_OK && (st = journal_event(a->j, id, "adopted",
		    folder, now)) == LR_OK)
			(*n)++;
	}
	g_free(reason);
	if (st == LR_OK)
		st = journal_flush(a->j);
	return st;
}

/*
 * Messages marked routed in the inbox: with --adopt, recorded as decided
 * for review and filed there (their first decision is lost); else only
 * counted.
 */
static enum lr_status
inbox_routed(struct agent *a, gboolean adopt, struct evidence *ev)
{
	struct journal_decision d = { .kind = DEST_REVIEW };
	GArray *uids = NULL, *found = NULL;
	GHashTable *routed;
	guint32 uidvalidity = 0;
	enum lr_status st;
	char *folder;

	if ((st = imap_select(a->imap, a->mailbox, &uidvalidity, NULL)) !=
	    LR_OK || !imap_keeps_keyword(a->imap, IMAP_KEYWORD_ROUTED) ||
	    (st = imap_search_keyword(a->imap, IMAP_KEYWORD_ROUTED, &uids)) !=
	    LR_OK)
		return st;
	ev->routed = uids->len;
	if (!adopt || uids->len == 0) {
		g_array_free(uids, TRUE);
		return LR_OK;
	}
	routed = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < uids->len; i++)
		g_hash_table_add(routed, GUINT_TO_POINTER(g_array_index(uids,
		    guint32, i)));
	found = g_array_new(FALSE, FALSE, sizeof(struct board_msg));
	st = imap_message_ids(a->imap, 1, board_id, found);
	folder = review_folder(a);
	d.folder = folder;
	d.reason = "adopted: marked routed in the inbox, not filed, when the "
	    "journal was rebuilt";
	for (guint k = 0; k < found->len && st == LR_OK; k++) {
		const struct board_msg *m = &g_array_index(found,
		    struct board_msg, k);
		enum journal_state state;
		enum journal_seen seen;
		gint64 id, now = now_s();

		if (!g_hash_table_contains(routed, GUINT_TO_POINTER(m->uid)))
			continue;
		st = journal_message_seen(a->j, m->key, a->mailbox, uidvalidity,
		    m->uid, 0, 0, now, &id, &state, &seen);
		if (st == LR_OK && state == JMSG_FETCHED &&
		    (st = journal_record_decision(a->j, id, &d, now)) ==
		    LR_OK && (st = journal_event(a->j, id, "adopted",
		    a->mailbox, now)) == LR_OK)
			queue_file(a, folder, m->uid, id, FALSE, FALSE, NULL);
	}
	if (st == LR_OK)
		st = file_queued(a);
	filer_forget(a->filer);
	g_free(folder);
	board_msgs_free(found);
	g_hash_table_destroy(routed);
	g_array_free(uids, TRUE);
	return st;
}

/* Look at the mailbox (and with adopt, record what is there). */
static enum lr_status
survey(struct agent *a, gboolean adopt, struct evidence *ev, guint *adopted,
    GPtrArray **folders)
{
	enum lr_status st = LR_OK;

	*folders = board_folders(a);
	g_ptr_array_add(*folders, g_strdup(a->failed));
	for (guint i = 0; i < (*folders)->len && st != LR_BADSOURCE; i++) {
		const char *f = g_ptr_array_index(*folders, i);
		guint32 uidvalidity = 0;
		GArray *found;

		if ((st = folder_messages(a, f, &uidvalidity, &found)) !=
		    LR_OK || found == NULL)
			continue;
		if (found->len > 0) {
			ev->filed += found->len;
			ev->folders++;
			if (ev->example == NULL)
				ev->example = f;
		}
		if (adopt)
			st = adopt_folder(a, f, uidvalidity, found, adopted);
		board_msgs_free(found);
	}
	if (st == LR_OK)
		st = inbox_routed(a, adopt, ev);
	return st;
}

enum lr_status
adopt_check(struct agent *a, int *rc)
{
	struct evidence ev = { 0 };
	GPtrArray *folders = NULL;
	guint adopted = 0;
	enum lr_status st;
	/* a dry run tells what a run would (refuse), and adopts nothing */
	gboolean adopt = a->o->adopt && !a->o->dry_run;

	if (a->o->dry_run && a->o->adopt)
		log_info("run --adopt --dry-run: nothing is recorded");
	if (!journal_is_empty(a->o->dry_run ? a->ro : a->j)) {
		if (a->o->adopt)
			log_info("run --adopt: the journal %s already holds "
			    "leadroute's work: nothing to adopt",
			    a->cfg->journal_path);
		return LR_OK;
	}
	st = survey(a, adopt, &ev, &adopted, &folders);
	/* the lost journal may have sent today's review digest: taken as
	 * sent, so that adopting sends nothing (the next is sent on time) */
	if (st == LR_OK && adopt && (journal_event(a->j, 0, "digest", "adopted: a digest due before "
	    "now is taken as sent", now_s()) != LR_OK ||
	    journal_flush(a->j) != LR_OK))
		log_warnx("journal: cannot record the adoption's digest");
	if (st == LR_OK && adopt)
		log_info("run --adopt: %u message%s in %u folder%s recorded as "
		    "filed, %u marked routed in %s sent to review; nothing was "
		    "sent", adopted, adopted == 1 ? "" : "s", ev.folders,
		    ev.folders == 1 ? "" : "s", ev.routed, a->mailbox);
	else if (st == LR_OK && (ev.filed > 0 || ev.routed > 0)) {
		log_warnx("run: error: the journal %s is new or empty, but the "
		    "mailbox shows leadroute has routed mail before (%u "
		    "message%s in %u folder%s such as %s, %u marked %s in %s): "
		    "the journal was lost or replaced, and starting now would "
		    "route and forward everything again. Restore it from a "
		    "backup (with its -wal file, if any), or run `leadroute run "
		    "--adopt` once to rebuild it from the mailbox without "
		    "sending anything", a->cfg->journal_path, ev.filed,
		    ev.filed == 1 ? "" : "s", ev.folders, ev.folders == 1 ? "" :
		    "s", ev.example != NULL ? ev.example : "-", ev.routed,
		    IMAP_KEYWORD_ROUTED, a->mailbox);
		*rc = EX_CONFIG;
		st = LR_CONFIG;
	}
	g_ptr_array_unref(folders);
	return st;
}
