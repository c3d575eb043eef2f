/*
 * journal_sla.c: the lookups of the agent's follow-ups (journal_sla.h):
 * the lead a reply answers, the review queue and its breaches, the
 * leads no owner answered.
 */
#include "config.h"

#include <string.h>

#include "journal_p.h"
#include "journal_sla.h"

const char *const jp_sla_sql[ST_N] = {
	/* a lead with an owner, by its own Message-ID or its forward's
	 * (kept without the <>) */
	[ST_THREAD_LEAD] = "SELECT m.id, d.owner, m.folder FROM messages m"
	    " JOIN decisions d ON d.message_id = m.id WHERE m.message_key = ?1"
	    " AND d.owner IS NOT NULL AND d.kind != 'reply'",
	[ST_THREAD_FWD] = "SELECT m.id, d.owner, m.folder FROM deliveries dl"
	    " JOIN messages m ON m.id = dl.message_id JOIN decisions d ON"
	    " d.message_id = m.id WHERE dl.msgid = trim(?1, '<>')"
	    " AND dl.channel = 'smtp'"
	    " AND d.owner IS NOT NULL",
	/* the newest lead from ?1 with subject key ?2 since ?3, owner ?4's
	 * first */
	[ST_THREAD_SUBJECT] = "SELECT m.id, d.owner, m.folder FROM decisions d"
	    " JOIN messages m ON m.id = d.message_id WHERE d.lead_email = ?1"
	    " COLLATE NOCASE AND d.subject_key = ?2 AND d.decided_at >= ?3"
	    " AND d.owner IS NOT NULL AND d.kind != 'reply'"
	    " ORDER BY d.owner IS ?4 DESC, d.decided_at DESC, m.id DESC"
	    " LIMIT 1",
	[ST_EV_FIRST] = "SELECT 1 FROM events WHERE message_id = ?1 AND"
	    " kind = 'first-response'",
	/* in review since (moved there, sent there by a refused forward or
	 * an owner's absence, or filed there) before ?1, never escalated */
	[ST_REVIEW_DUE] = "SELECT m.id, m.message_key, m.folder, coalesce("
	    "(SELECT max(at) FROM events e WHERE e.message_id = m.id AND"
	    " e.kind IN ('moved', 'to-review',"
	    " 'away-to-review')), m.filed_at) AS since"
	    " FROM decisions d JOIN messages m ON m.id = d.message_id"
	    " WHERE d.kind = 'review' AND m.filed_at IS NOT NULL"
	    " AND m.message_key NOT LIKE 'sha256:%'"
	    " AND NOT EXISTS (SELECT 1 FROM events WHERE message_id = m.id"
	    " AND kind IN ('escalated', 'adopted')) AND since <= ?1"
	    " ORDER BY since, m.id",
	/* the review queue: since as ST_REVIEW_DUE */
	[ST_REVIEW_OPEN] = "SELECT m.id, m.message_key, m.folder, coalesce("
	    "(SELECT max(at) FROM events e WHERE e.message_id = m.id AND"
	    " e.kind IN ('moved', 'to-review',"
	    " 'away-to-review')), m.filed_at) AS since,"
	    " d.lead_email, CASE WHEN json_valid(d.lead_json) THEN"
	    " json_extract(d.lead_json, '$.subject') END, d.reason,"
	    " EXISTS (SELECT 1 FROM events WHERE message_id = m.id AND"
	    " kind = 'escalated')"
	    " FROM decisions d JOIN messages m ON m.id = d.message_id"
	    " WHERE d.kind = 'review' AND m.filed_at IS NOT NULL"
	    " ORDER BY since, m.id",
	/* leads with an owner (a team's or named), forwarded, filed, with
	 * no first response and no "sla-exhausted": candidates for the
	 * owner SLA; autoreplied: the owner's auto-reply came after the
	 * last forward */
	[ST_UNANSWERED] = "SELECT id, message_key, folder, dest_id, owner,"
	    " sent, kind, EXISTS (SELECT 1 FROM events e WHERE e.message_id ="
	    " x.id AND e.kind = 'auto-reply' AND e.detail = x.owner AND"
	    " e.at >= x.sent) FROM (SELECT m.id AS id, m.message_key AS"
	    " message_key, m.folder AS folder, d.dest_id AS dest_id, d.owner"
	    " AS owner, d.kind AS kind, (SELECT max(sent_at) FROM deliveries"
	    " WHERE message_id = m.id AND channel = 'smtp' AND state = 'sent'"
	    " AND target NOT LIKE 'escalation %') AS sent"
	    " FROM decisions d JOIN messages m ON m.id = d.message_id"
	    " WHERE d.settled IS NULL AND d.kind IN ('team', 'owner')"
	    /* "+": not by the owner index, by decisions_unsettled */
	    " AND +d.owner IS NOT NULL"
	    " AND m.filed_at IS NOT NULL AND m.message_key NOT LIKE 'sha256:%'"
	    " AND NOT EXISTS (SELECT 1 FROM events WHERE message_id = m.id"
	    " AND kind IN ('first-response', 'sla-exhausted', 'chase-ended',"
	    " 'adopted')))"
	    " x"
	    " WHERE sent IS NOT NULL ORDER BY sent, id",
	/* message_id IS NULL: by the index events_message */
	[ST_EV_LAST] = "SELECT max(at) FROM events WHERE message_id IS NULL"
	    " AND kind = ?1",
};

/* The lead (id, owner, folder) st finds, if any, into out. */
static enum lr_status
thread_row(struct journal *j, sqlite3_stmt *st, const char *what,
    struct journal_thread *out)
{
	gboolean has;
	enum lr_status rc = row(j, st, &has, what);

	if (rc == LR_OK && has) {
		out->lead = sqlite3_column_int64(st, 0);
		out->owner = col_dup(st, 1);
		out->folder = col_dup(st, 2);
	}
	sqlite3_reset(st);
	return rc;
}

/* Has out->lead a first response? */
static enum lr_status
thread_answered(struct journal *j, struct journal_thread *out)
{
	sqlite3_stmt *st = stmt(j, ST_EV_FIRST);
	enum lr_status rc;

	sqlite3_bind_int64(st, 1, out->lead);
	rc = row(j, st, &out->answered, "reading a first response");
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_thread_lead(struct journal *j, const char *const *thread,
    struct journal_thread *out)
{
	enum lr_status rc = LR_OK;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (j == NULL || out == NULL)
		return misuse("thread_lead", "no journal or result");
	for (guint i = 0; thread != NULL && thread[i] != NULL &&
	    out->lead == 0 && rc == LR_OK; i++)
		for (int w = 0; w < 2 && out->lead == 0 && rc == LR_OK; w++) {
			sqlite3_stmt *st = stmt(j, w == 0 ? ST_THREAD_LEAD :
			    ST_THREAD_FWD);

			bind_text(st, 1, thread[i]);
			rc = thread_row(j, st, "looking for a thread's lead",
			    out);
		}
	if (rc == LR_OK && out->lead != 0)
		rc = thread_answered(j, out);
	if (rc != LR_OK)
		journal_thread_clear(out);
	return rc;
}

enum lr_status
journal_subject_lead(struct journal *j, const char *const *addrs,
    const char *subject_key, gint64 since, const char *owner,
    struct journal_thread *out)
{
	enum lr_status rc = LR_OK;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (j == NULL || out == NULL)
		return misuse("subject_lead", "no journal or result");
	if (empty(subject_key))
		return LR_OK;
	for (guint i = 0; addrs != NULL && addrs[i] != NULL &&
	    out->lead == 0 && rc == LR_OK; i++) {
		sqlite3_stmt *st = stmt(j, ST_THREAD_SUBJECT);

		bind_text(st, 1, addrs[i]);
		bind_text(st, 2, subject_key);
		sqlite3_bind_int64(st, 3, since);
		bind_text(st, 4, owner);
		rc = thread_row(j, st, "looking for a lead by its subject", out);
	}
	if (rc == LR_OK && out->lead != 0)
		rc = thread_answered(j, out);
	if (rc != LR_OK)
		journal_thread_clear(out);
	return rc;
}

void
journal_thread_clear(struct journal_thread *t)
{
	g_free(t->owner);
	g_free(t->folder);
	memset(t, 0, sizeof *t);
}

static gpointer
overdue_row(sqlite3_stmt *st)
{
	struct journal_overdue *o = g_new0(struct journal_overdue, 1);

	o->id = sqlite3_column_int64(st, 0);
	o->key = col_dup(st, 1);
	o->folder = col_dup(st, 2);
	o->since = col_opt(st, 3);
	return o;
}

static void
overdue_free(gpointer p)
{
	struct journal_overdue *o = p;

	g_free(o->key);
	g_free(o->folder);
	g_free(o->team);
	g_free(o->owner);
	g_free(o->email);
	g_free(o->subject);
	g_free(o->reason);
	g_free(o);
}

static gpointer
review_open_row(sqlite3_stmt *st)
{
	struct journal_overdue *o = overdue_row(st);

	o->email = col_dup(st, 4);
	o->subject = col_dup(st, 5);
	o->reason = col_dup(st, 6);
	o->escalated = sqlite3_column_int(st, 7) != 0;
	return o;
}

static gpointer
unanswered_row(sqlite3_stmt *st)
{
	struct journal_overdue *o = g_new0(struct journal_overdue, 1);

	o->id = sqlite3_column_int64(st, 0);
	o->key = col_dup(st, 1);
	o->folder = col_dup(st, 2);
	o->team = col_dup(st, 3);
	o->owner = col_dup(st, 4);
	o->since = col_opt(st, 5);
	o->autoreplied = sqlite3_column_int(st, 7) != 0;
	if (!jp_col_kind(st, 6, o->id, &o->kind)) {
		overdue_free(o);
		return NULL;
	}
	return o;
}

/* Rows of st (bound) as struct journal_overdue, handed to cb. */
static enum lr_status
walk_overdue(struct journal *j, sqlite3_stmt *st,
    gpointer (*from_row)(sqlite3_stmt *), const char *what,
    journal_overdue_cb cb, void *ctx)
{
	enum lr_status rc;
	GPtrArray *all = jp_collect_rows(j, st, from_row, overdue_free, what,
	    &rc);

	for (guint i = 0; all != NULL && rc == LR_OK && i < all->len; i++)
		rc = cb(g_ptr_array_index(all, i), ctx);
	if (all != NULL)
		g_ptr_array_free(all, TRUE);
	return rc;
}

enum lr_status
journal_unanswered(struct journal *j, journal_overdue_cb cb, void *ctx)
{
	if (j == NULL || cb == NULL)
		return misuse("unanswered", "no journal or callback");
	return walk_overdue(j, stmt(j, ST_UNANSWERED), unanswered_row,
	    "listing unanswered leads", cb, ctx);
}

enum lr_status
journal_review_overdue(struct journal *j, gint64 before,
    journal_overdue_cb cb, void *ctx)
{
	sqlite3_stmt *st;

	if (j == NULL || cb == NULL)
		return misuse("review_overdue", "no journal or callback");
	st = stmt(j, ST_REVIEW_DUE);
	sqlite3_bind_int64(st, 1, before);
	return walk_overdue(j, st, overdue_row, "listing overdue reviews", cb,
	    ctx);
}

enum lr_status
journal_review_open(struct journal *j, journal_overdue_cb cb, void *ctx)
{
	if (j == NULL || cb == NULL)
		return misuse("review_open", "no journal or callback");
	return walk_overdue(j, stmt(j, ST_REVIEW_OPEN), review_open_row,
	    "listing the review queue", cb, ctx);
}

enum lr_status
journal_event_last(struct journal *j, const char *kind, gint64 *at)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	*at = 0;
	if (j == NULL || empty(kind))
		return misuse("event_last", "no journal or kind");
	st = stmt(j, ST_EV_LAST);
	bind_text(st, 1, kind);
	rc = row(j, st, &has, "reading the last event");
	if (rc == LR_OK && has)
		*at = col_opt(st, 0);
	sqlite3_reset(st);
	return rc;
}
