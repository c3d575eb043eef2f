/*
 * agent_board.c: the folder board (spec section 9): people move filed
 * leads between <prefix>/Review, <prefix>/Owners/<id>, the queues'
 * folders and the ignore folder with any mail client. A message moved
 * into a folder gets a new UID there, so each folder is read from the
 * UIDNEXT seen last time (from 1 at start and after a UIDVALIDITY
 * change): each message's Message-ID is looked up in the journal, and
 * one found filed elsewhere was moved by a person. Into an owner's
 * folder it is assigned (from review, a queue or the ignore folder) or
 * reassigned (from another owner): forwarded to the owner with the Slack
 * post, as for any route, and then recorded with an event. Into review,
 * a queue or the ignore folder, the decision follows with an event,
 * nothing is sent. A message moved into any other folder is logged once
 * and left alone.
 */
#include "config.h"

#include <string.h>

#include "agent_p.h"
#include "imap.h"
#include "log.h"
#include "mail.h"

/* Where each board folder was read up to. */
struct board_folder {
	guint32 uidvalidity, next;
};

void
board_msgs_free(GArray *found)
{
	for (guint k = 0; k < found->len; k++)
		g_free(g_array_index(found, struct board_msg, k).key);
	g_array_free(found, TRUE);
}

enum lr_status
board_id(guint32 uid, const char *data, size_t len, void *ctx)
{
	GArray *found = ctx;
	struct board_msg m = { uid, mail_message_id(data, len, NULL) };

	if (m.key != NULL)
		g_array_append_val(found, m);
	return LR_OK;
}

/* The owner whose folder this is, or NULL. */
static const struct owner *
board_owner(const struct agent *a, const char *folder)
{
	enum dest_kind k;
	const char *id;

	return route_folder_dest(a->rs, a->cfg->folder_prefix, folder, &k,
	    &id) && k == DEST_OWNER ? owners_find(a->rs->owners, id) : NULL;
}

static enum lr_status
board_whole(guint32 uid, const char *data, size_t len, void *ctx)
{
	struct whole *w = ctx;

	(void)uid;
	if (data != NULL && w->data == NULL) {
		w->data = g_memdup2(data, len);
		w->len = len;
	}
	return LR_OK;
}

/* Fetch message uid of the selected folder into f; LR_BADMSG when it is
 * gone. The caller sets f->v.o and f->v.review_since as needed. */
enum lr_status
filed_read(struct agent *a, guint32 uid, const char *key, struct filed *f)
{
	GDateTime *now;
	enum lr_status st;

	memset(f, 0, sizeof *f);
	if ((st = imap_fetch(a->imap, &uid, 1, board_whole, &f->w)) != LR_OK)
		return st;
	if (f->w.data == NULL)
		return LR_BADMSG;
	now = decide_time();
	f->l = agent_lead(a, f->w.data, f->w.len);
	f->dc = route_decide(a->rs, f->l, now, a->cfg->folder_prefix, NULL);
	g_date_time_unref(now);
	f->v.l = f->l;
	f->v.dc = f->dc;
	f->v.key = key;
	f->v.received = f->l->date;
	f->v.a = a;
	return LR_OK;
}

void
filed_clear(struct filed *f)
{
	decision_free(f->dc);
	lead_free(f->l);
	g_free(f->w.data);
	memset(f, 0, sizeof *f);
}

/*
 * Forward a lead a person gave to owner o and post it; LR_TEMPFAIL when
 * the mail server deferred the forward (tried again at the next look).
 */
enum lr_status
board_deliver(struct agent *a, gint64 id, const char *key, guint32 uid,
    const struct owner *o, const char *folder, const char *reason,
    char **why)
{
	struct filed f;
	struct decision *dc;
	struct dlv_states ds;
	char *tag;
	enum lr_status st;

	if ((st = filed_read(a, uid, key, &f)) != LR_OK) {
		if (st == LR_BADMSG)
			*why = g_strdup("the message is gone from the folder");
		filed_clear(&f);
		return st;
	}
	/* the person's choice, with the rules' dimensions for the receipt */
	dc = f.dc;
	dc->kind = DEST_OWNER;
	g_free(dc->id);
	dc->id = g_strdup(o->id);
	g_free(dc->owner);
	dc->owner = g_strdup(o->id);
	g_free(dc->folder);
	dc->folder = g_strdup(folder);
	g_free(dc->reason);
	dc->reason = g_strdup(reason);
	f.v.o = o;
	st = LR_OK;
	switch (a->out.sink[CHAN_FORWARD] != NULL ? delivery_to(a, id, CHAN_FORWARD,
	    o->email) : JDLV_SENT) {
	case JDLV_SENT:		/* they had it before (or no [smtp]) */
		break;
	case JDLV_FAILED_PERMANENT:
		*why = g_strdup_printf("the mail server refused the forward "
		    "to %s before", o->email);
		st = LR_BADMSG;
		break;
	default:
		st = send_forward(a, id, &f.v, f.w.data, f.w.len, NULL, why);
		break;
	}
	if (st == LR_OK) {
		for (int c = 0; c < CHAN_N; c++) {
			ds.st[c] = JDLV_N;
			ds.error[c] = NULL;
		}
		tag = g_strdup_printf("webhook for %s", o->id);
		notify_lead(a, id, &f.v, &ds, tag, f.w.data, f.w.len);
		g_free(tag);
	}
	filed_clear(&f);
	return st;
}

/* What the decision becomes when a lead is found in folder (d's strings
 * borrowed from the rules and folder); FALSE when the folder is none of
 * the board's. */
gboolean
board_decision(const struct agent *a, const char *folder,
    struct journal_decision *d)
{
	enum dest_kind k;
	const char *id;

	if (!route_folder_dest(a->rs, a->cfg->folder_prefix, folder, &k, &id))
		return FALSE;
	d->kind = k;
	d->dest_id = id;
	d->owner = k == DEST_OWNER ? id : NULL;
	d->folder = folder;
	return TRUE;
}

/* Has the lead key a first response? */
gboolean
lead_answered(struct agent *a, const char *key)
{
	const char *thread[] = { key, NULL };
	struct journal_thread th;
	gboolean yes = journal_thread_lead(a->j, thread, &th) == LR_OK &&
	    th.answered;

	journal_thread_clear(&th);
	return yes;
}

/* One message seen in a board folder. */
static void
board_check(struct agent *a, const char *folder, struct board_folder *bf,
    const struct board_msg *m)
{
	struct journal_decision d = { 0 };
	const struct owner *o = board_owner(a, folder);
	char *was = NULL, *detail = NULL, *reason = NULL;
	char *why = NULL, *told, *day = NULL;
	gint64 id = 0, filed_at = 0;
	const struct owner *from;
	const char *event;
	gboolean due;
	enum lr_status st = LR_OK;

	if (journal_message_find(a->j, m->key, &id, &was, &filed_at) !=
	    LR_OK || id == 0 || (was != NULL && strcmp(was, folder) == 0))
		goto out;	/* not ours, or not moved */
	if (was == NULL) {
		/* decided and moved here, but a stop came before the
		 * filing was recorded: record it now */
		struct journal_decision *jd = NULL;

		if (journal_decision_get(a->j, id, &jd) == LR_OK &&
		    strcmp(jd->folder, folder) == 0 &&
		    journal_message_filed(a->j, id, folder, now_s()) == LR_OK)
			log_info("board: %s: its filing in %s recorded after "
			    "a stop", m->key, folder);
		journal_decision_free(jd);
		goto out;
	}
	if (!board_decision(a, folder, &d)) {
		told = g_strdup_printf("%s\n%s", m->key, folder);
		if (g_hash_table_add(a->board_told, told))
			log_warnx("board: %s was moved from %s into %s, which "
			    "is no owner's, queue's, review or ignore folder; "
			    "left alone", m->key, was, folder);
		goto out;
	}
	from = board_owner(a, was);
	if (o != NULL && from != NULL) {
		event = "reassigned";
		detail = g_strdup_printf("%s -> %s", from->id, o->id);
	} else if (o != NULL) {
		event = "assigned";
		detail = g_strdup_printf("to %s from %s after %" G_GINT64_FORMAT
		    " s there", o->id, was, MAX(now_s() - filed_at, 0));
	} else {
		event = "moved";
		detail = g_strdup_printf("%s -> %s", was, folder);
	}
	reason = g_strdup_printf("%s by a person: %s", event, detail);
	d.reason = reason;
	if (o != NULL) {
		st = board_deliver(a, id, m->key, m->uid, o, folder, reason,
		    &why);
		if (st == LR_TEMPFAIL || st == LR_BADSOURCE) {
			log_warnx("board: %s %s: %s; trying again", m->key,
			    event, why != NULL ? why : imap_last_error(a->imap));
			bf->next = MIN(bf->next, m->uid);
			goto out;
		}
		if (st != LR_OK)
			log_warnx("board: %s %s, but %s", m->key, event,
			    why != NULL ? why : "it could not be delivered");
	}
	if (o != NULL) {	/* it counts toward their load today */
		GDateTime *now = decide_time();

		d.owner_day = day = owner_today(o, now);
		g_date_time_unref(now);
	}
	if (journal_redecide(a->j, id, &d, event, detail, now_s()) != LR_OK ||
	    journal_flush(a->j) != LR_OK) {
		log_warnx("journal: cannot record that %s was %s", m->key,
		    event);
		goto out;
	}
	log_info("board: %s %s (%s)", m->key, event, detail);
	/* a new clock runs with an owner who has an SLA, or in review */
	due = o != NULL ? owner_sla(a->rs, o, NULL) > 0 &&
	    a->out.sink[CHAN_FORWARD] != NULL && !lead_answered(a, m->key) : d.kind == DEST_REVIEW && a->rs->review_sla > 0;
	set_mark(a, folder, &m->uid, 1, AGENT_KEYWORD_DUE, due);
out:
	g_free(was);
	g_free(detail);
	g_free(reason);
	g_free(why);
	g_free(day);
}

/*
 * The folders to watch: every destination folder, and every other folder
 * under the prefix, so that a move into a folder that is nobody's is
 * seen (and reported) too.
 */
GPtrArray *
board_folders(struct agent *a)
{
	GPtrArray *folders = route_folders(a->rs, a->cfg->folder_prefix);
	GPtrArray *more = NULL;
	char *pattern = g_strdup_printf("%s/*", a->cfg->folder_prefix);
	GHashTable *have = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < folders->len; i++)
		g_hash_table_add(have, g_ptr_array_index(folders, i));
	if (imap_list(a->imap, pattern, &more) == LR_OK) {
		for (guint i = 0; i < more->len; i++) {
			const char *f = g_ptr_array_index(more, i);

			if (!g_hash_table_contains(have, f) &&
			    strcmp(f, a->failed) != 0)
				g_ptr_array_add(folders, g_strdup(f));
		}
		g_ptr_array_unref(more);
	}
	g_hash_table_destroy(have);
	g_free(pattern);
	return folders;
}

/* Look at every board folder for messages moved in since last time. */
enum lr_status
board_scan(struct agent *a)
{
	GPtrArray *folders = board_folders(a);
	gboolean moved = FALSE;
	enum lr_status st = LR_OK;

	for (guint i = 0; i < folders->len && st != LR_BADSOURCE &&
	    !stop_pending(); i++) {
		const char *f = g_ptr_array_index(folders, i);
		struct board_folder *bf = g_hash_table_lookup(a->board, f);
		struct board_folder was;
		guint32 uidvalidity = 0, uidnext = 0, from;
		GArray *found;

		if ((st = imap_select(a->imap, f, &uidvalidity,
		    &uidnext)) != LR_OK)
			continue;	/* not there (yet): nothing moved in */
		if (bf == NULL) {
			/* where an earlier run read it up to: a start reads
			 * what was moved in since, not the whole folder */
			bf = g_new0(struct board_folder, 1);
			if (journal_mailbox_get(a->j, f, &bf->uidvalidity,
			    &bf->next) != LR_OK)
				bf->uidvalidity = bf->next = 0;
			g_hash_table_insert(a->board, g_strdup(f), bf);
		}
		was = *bf;
		from = bf->uidvalidity == uidvalidity ? MAX(bf->next, 1) : 1;
		bf->uidvalidity = uidvalidity;
		if (uidnext != 0 && uidnext <= from)
			bf->next = uidnext;
		else {
			found = g_array_new(FALSE, FALSE,
			    sizeof(struct board_msg));
			st = imap_message_ids(a->imap, from, board_id, found);
			if (st == LR_OK)
				bf->next = uidnext != 0 ? uidnext : from;
			for (guint k = 0; st == LR_OK && k < found->len; k++)
				board_check(a, f, bf, &g_array_index(found,
				    struct board_msg, k));
			board_msgs_free(found);
		}
		if ((bf->uidvalidity != was.uidvalidity ||
		    bf->next != was.next) && journal_mailbox_set(a->j, f,
		    bf->uidvalidity, bf->next) == LR_OK)
			moved = TRUE;
	}
	if (moved && journal_flush(a->j) != LR_OK)
		log_debug("journal: the board's positions were not kept");
	g_ptr_array_free(folders, TRUE);
	return st == LR_BADSOURCE ? st : LR_OK;
}
