/*
 * agent_digest.c: the daily digest of open review items, sent to the
 * review's escalation owner.
 */
#include "config.h"

#include <string.h>

#include "agent_p.h"
#include "duration.h"
#include "digest.h"
#include "imap.h"
#include "log.h"
#include "smtp.h"

/* The review queue for the digest: the items and their strings. */
struct digest_list {
	GArray *items;		/* of struct digest_item */
	GStringChunk *strs;
};

static const char *
chunk_dup(GStringChunk *c, const char *s)
{
	return s != NULL ? g_string_chunk_insert(c, s) : NULL;
}

static enum lr_status
digest_add(const struct journal_overdue *ov, void *ctx)
{
	struct digest_list *dl = ctx;
	struct digest_item it = { chunk_dup(dl->strs, ov->key),
	    chunk_dup(dl->strs, ov->email), chunk_dup(dl->strs, ov->subject),
	    chunk_dup(dl->strs, ov->reason), ov->since, ov->escalated };

	g_array_append_val(dl->items, it);
	return LR_OK;
}

/* Send the digest of dl to o; *detail says what happened. */
static enum lr_status
digest_send(struct agent *a, const struct owner *o,
    const struct digest_list *dl, gint64 due, gint64 now, char **detail)
{
	const struct digest_item *items = (const struct digest_item *)
	    dl->items->data;
	struct digest_spec sp = { NULL, NULL, NULL, a->rs->review_sla };
	struct forward_spec fs = { 0 };
	struct sink_failure fail = { 0 };
	char *subject, *text, *key, *as, *msg = NULL;
	gsize len;
	enum lr_status st;

	sp.review_folder = review_folder(a);
	sp.owners_folder = route_owners_folder(a->cfg->folder_prefix);
	sp.ignore_folder = route_ignore_folder(a->rs, a->cfg->folder_prefix);
	subject = digest_subject(items, dl->items->len, now);
	text = digest_text(items, dl->items->len, now, &sp, o);
	key = g_strdup_printf("digest %" G_GINT64_FORMAT, due);
	as = g_strdup_printf("digest-%s", o->id);
	fs.from = a->cfg->smtp_from;
	fs.to = o->email;
	fs.subject = subject;
	fs.text = text;
	fs.message_key = key;
	fs.owner = as;
	fs.loop_token = "1";
	fs.date = now;
	st = smtp_build_forward(&fs, &msg, &len);
	if (st == LR_OK)
		st = sink_send(a->out.sink[CHAN_FORWARD], o->email, msg, len,
		    &fail);
	if (st == LR_OK)
		*detail = g_strdup_printf("to %s: %u lead%s in review", o->id,
		    dl->items->len, dl->items->len == 1 ? "" : "s");
	else
		*detail = g_strdup_printf("to %s: not sent: %s", o->id,
		    fail.why != NULL ? fail.why : "cannot be built");
	sink_failure_clear(&fail);
	g_free((char *)sp.review_folder);
	g_free((char *)sp.owners_folder);
	g_free((char *)sp.ignore_folder);
	g_free(subject);
	g_free(text);
	g_free(key);
	g_free(as);
	g_free(msg);
	return st;
}

/*
 * Keep of dl's items those the review folder still holds (a lead deleted
 * there, or moved out of the board's folders, is in review for the
 * journal only); an item without a Message-ID cannot be looked for and
 * stays. LR_BADSOURCE when the connection is lost.
 */
static enum lr_status
digest_present(struct agent *a, const char *folder, struct digest_list *dl)
{
	GArray *found = g_array_new(FALSE, FALSE, sizeof(struct board_msg));
	GHashTable *there = g_hash_table_new(g_str_hash, g_str_equal);
	enum lr_status st;
	guint gone = 0;

	st = imap_select(a->imap, folder, NULL, NULL);
	if (st == LR_OK)
		st = imap_message_ids(a->imap, 1, board_id, found);
	for (guint i = 0; i < found->len; i++)
		g_hash_table_add(there, g_array_index(found, struct board_msg,
		    i).key);
	for (guint i = dl->items->len; st == LR_OK && i-- > 0; ) {
		const char *key = g_array_index(dl->items, struct digest_item,
		    i).key;

		if (key != NULL && strncmp(key, "sha256:", 7) != 0 &&
		    !g_hash_table_contains(there, key)) {
			g_array_remove_index(dl->items, i);
			gone++;
		}
	}
	if (gone > 0)
		log_info("digest: %u lead%s the journal has in review %s not "
		    "in %s (deleted, or moved out of the board's folders)",
		    gone, gone == 1 ? "" : "s", gone == 1 ? "is" : "are",
		    folder);
	g_hash_table_destroy(there);
	board_msgs_free(found);
	return st;
}

/*
 * The daily digest of open review items (`review ... escalate OWNER
 * digest HH:MM`): at that time in the owner's zone, on their working
 * days, an email to them listing what waits in the review folder. Once a
 * day: a "digest" event records it, also when review was empty (nothing
 * is sent then) or the server refused it for good, and the agent keeps
 * the day in memory too (a journal that cannot record it never makes it
 * send twice). A digest missed while the agent was stopped goes out when
 * it runs again that day. A temporary failure is tried again after
 * AGENT_DIGEST_RETRY seconds, doubling up to an hour.
 */
enum lr_status
review_digest(struct agent *a)
{
	const struct owner *to = a->rs->owners != NULL &&
	    a->rs->review_escalate.id != NULL ? owners_find(a->rs->owners,
	    a->rs->review_escalate.id) : NULL;
	struct digest_list dl = { NULL, NULL };
	gint64 now = now_s(), due, last;
	char *detail = NULL, *folder = NULL;
	enum lr_status st = LR_OK;

	if (a->rs->review_digest < 0 || to == NULL)
		return LR_OK;
	if (a->out.sink[CHAN_FORWARD] == NULL) {
		if (g_hash_table_add(a->board_told, g_strdup("digest")))
			log_warnx("digest: no [smtp] to send the review "
			    "digest to %s with", to->id);
		return LR_OK;
	}
	due = digest_due(to, a->rs->review_digest, now);
	if (due == 0 || due <= a->digest_done || now < a->digest_retry)
		return LR_OK;
	if (journal_event_last(a->j, "digest", &last) != LR_OK) {
		log_warnx("digest: the journal cannot say when the last one "
		    "went; trying again later");
		goto later;
	}
	if (last >= due) {
		a->digest_done = due;
		return LR_OK;
	}
	dl.items = g_array_new(FALSE, FALSE, sizeof(struct digest_item));
	dl.strs = g_string_chunk_new(1024);
	folder = review_folder(a);
	if (journal_review_open(a->j, digest_add, &dl) != LR_OK) {
		log_warnx("digest: cannot list the review queue from the "
		    "journal; trying again later");
		goto later;
	}
	if (dl.items->len > 0 && (st = digest_present(a, folder, &dl)) !=
	    LR_OK) {
		if (st != LR_BADSOURCE)
			log_warnx("digest: cannot look into %s: %s; trying "
			    "again later", folder, imap_last_error(a->imap));
		goto later;
	}
	if (dl.items->len == 0)
		detail = g_strdup("review empty; nothing sent");
	else if ((st = digest_send(a, to, &dl, due, now, &detail)) ==
	    LR_TEMPFAIL || st == LR_CONFIG) {
		char *wait = duration_text(a->digest_wait);

		log_warnx("digest: %s; trying again in %s", detail, wait);
		g_free(wait);
		goto later;
	}
	a->digest_done = due;
	a->digest_wait = AGENT_DIGEST_RETRY;
	if (journal_event(a->j, 0, "digest", detail, now) != LR_OK ||
	    journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record the review digest (%s)",
		    detail);
	else if (st != LR_OK)
		log_warnx("digest: %s", detail);
	else
		log_info("digest: %s", detail);
	goto out;
later:
	a->digest_retry = now + a->digest_wait;
	a->digest_wait = MIN(a->digest_wait * 2, AGENT_DIGEST_RETRY_CAP);
out:
	g_free(detail);
	g_free(folder);
	if (dl.strs != NULL)
		g_string_chunk_free(dl.strs);
	if (dl.items != NULL)
		g_array_free(dl.items, TRUE);
	return st == LR_BADSOURCE ? st : LR_OK;
}
