/*
 * journal_decide.c: decisions and deliveries (journal.h): a message's
 * decision with the routing counters it moves, its changes (to review,
 * a person's move), and each delivery's intent, outcome and retries.
 */
#include "config.h"

#include <string.h>

#include "journal.h"
#include "journal_p.h"

#define DLV_COLS "id, message_id, channel, target, state, attempts, " \
	"next_attempt_at, last_error, sent_at, msgid, payload"
#define DLV_KEY " WHERE message_id = ?1 AND channel = ?2 AND target = ?3"

const char *const jp_decide_sql[ST_N] = {
	[ST_DEC_INSERT] = "INSERT INTO decisions (message_id, decided_at, kind,"
	    " dest_id, owner, folder, reason, route_line, dims_json,"
	    " lead_email, lead_json, lead_domain, subject_key) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_DEC_GET] = "SELECT decided_at, kind, dest_id, owner, folder, reason,"
	    " route_line, dims_json, lead_email, lead_json FROM decisions"
	    " WHERE message_id = ?1",
	[ST_DEC_REVIEW] = "UPDATE decisions SET kind = 'review', dest_id = NULL,"
	    " owner = NULL, folder = ?2, reason = ?3, route_line = 0"
	    " WHERE message_id = ?1",
	[ST_DEC_SET] = "UPDATE decisions SET kind = ?2, dest_id = ?3,"
	    " owner = ?4, folder = ?5, reason = ?6, route_line = 0"
	    " WHERE message_id = ?1",
	[ST_PLACE] = "INSERT INTO placements (message_id, at, kind)"
	    " VALUES (?1, ?2, ?3)",
	[ST_MSG_REFILE] = "UPDATE messages SET folder = ?2 WHERE id = ?1",
	[ST_ROT_INC] = "INSERT INTO rotation (team, owner, count, last_at)"
	    " VALUES (?1, ?2, 1, ?3) ON CONFLICT (team, owner) DO UPDATE SET"
	    " count = count + 1, last_at = excluded.last_at",
	[ST_ROT_CREDIT] = "INSERT INTO rotation (team, owner, credit)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (team, owner) DO UPDATE SET"
	    " credit = excluded.credit",
	[ST_LOAD_INC] = "INSERT INTO owner_load (owner, day, count)"
	    " VALUES (?1, ?2, 1) ON CONFLICT (owner, day) DO UPDATE SET"
	    " count = count + 1",
	[ST_DLV_PLAN] = "INSERT INTO deliveries (message_id, channel, target,"
	    " msgid, next_attempt_at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (message_id, channel, target) DO NOTHING",
	[ST_DLV_FIND] = "SELECT state, attempts FROM deliveries" DLV_KEY,
	[ST_DLV_START] = "UPDATE deliveries SET state = 'sending'" DLV_KEY,
	[ST_DLV_DONE] = "UPDATE deliveries SET state = 'sent', sent_at = ?4,"
	    " last_error = NULL" DLV_KEY,
	[ST_DLV_FAIL] = "UPDATE deliveries SET attempts = attempts + 1,"
	    " last_error = ?4, next_attempt_at = ?5, state = CASE WHEN ?6"
	    " THEN 'failed_permanent' ELSE 'pending' END" DLV_KEY,
	[ST_DLV_DUE] = "SELECT " DLV_COLS " FROM deliveries WHERE state IN"
	    " ('pending', 'sending') AND next_attempt_at <= ?1"
	    " ORDER BY next_attempt_at, id",
	[ST_DLV_NEXT] = "SELECT min(next_attempt_at) FROM deliveries WHERE"
	    " state IN ('pending', 'sending') AND (channel != 'smtp'"
	    " OR payload IS NOT NULL)",
	[ST_DLV_OF_MSG] = "SELECT " DLV_COLS " FROM deliveries"
	    " WHERE message_id = ?1 ORDER BY id",
	[ST_DLV_SMTP_LEFT] = "SELECT count(*) FROM deliveries WHERE"
	    " message_id = ?1 AND channel = 'smtp' AND payload IS NULL"
	    " AND state IN ('pending', 'sending')",
	[ST_DLV_FWD_WAITING] = "SELECT m.uid, min(d.next_attempt_at)"
	    " FROM deliveries d JOIN messages m ON m.id = d.message_id"
	    " WHERE d.channel = 'smtp' AND d.payload IS NULL AND d.state ="
	    " 'pending' AND d.attempts > 0 AND d.next_attempt_at > ?1"
	    " AND m.mailbox = ?2 AND m.uidvalidity = ?3 AND m.filed_at IS NULL"
	    " GROUP BY m.uid",
};

static const char *const dstate_names[JDLV_N] = {
	"pending", "sending", "sent", "failed_permanent"
};

/* Does message id have a decision? */
static enum lr_status
decision_exists(struct journal *j, gint64 id, gboolean *has)
{
	sqlite3_stmt *st = stmt(j, ST_DEC_GET);
	enum lr_status rc;

	sqlite3_bind_int64(st, 1, id);
	rc = row(j, st, has, "reading a decision");
	sqlite3_reset(st);
	return rc;
}

/* Where message id was placed (a decision, or a change of it) at now. */
static enum lr_status
placement_add(struct journal *j, gint64 id, enum dest_kind kind,
    gint64 now)
{
	sqlite3_stmt *st = stmt(j, ST_PLACE);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	jp_bind_kind(st, 3, kind);
	return run(j, st, "recording a placement");
}

static enum lr_status
decision_insert(struct journal *j, gint64 id,
    const struct journal_decision *d, gint64 now)
{
	sqlite3_stmt *st = stmt(j, ST_DEC_INSERT);
	enum lr_status rc;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	jp_bind_kind(st, 3, d->kind);
	bind_text(st, 4, d->dest_id);
	bind_text(st, 5, d->owner);
	bind_text(st, 6, d->folder);
	bind_text(st, 7, d->reason);
	sqlite3_bind_int(st, 8, d->route_line);
	bind_text(st, 9, d->dims_json);
	bind_text(st, 10, d->lead_email);
	bind_text(st, 11, d->lead_json);
	bind_text(st, 12, d->lead_domain);
	bind_text(st, 13, d->subject_key);
	rc = run(j, st, "recording a decision");
	return rc != LR_OK ? rc : placement_add(j, id, d->kind, now);
}

static enum lr_status
rotation_inc(struct journal *j, const char *team, const char *owner,
    gint64 now)
{
	sqlite3_stmt *st = stmt(j, ST_ROT_INC);

	bind_text(st, 1, team);
	bind_text(st, 2, owner);
	sqlite3_bind_int64(st, 3, now);
	return run(j, st, "counting a rotation");
}

static enum lr_status
rotation_credit(struct journal *j, const char *team,
    const struct journal_credit *c)
{
	sqlite3_stmt *st = stmt(j, ST_ROT_CREDIT);

	bind_text(st, 1, team);
	bind_text(st, 2, c->owner);
	sqlite3_bind_int64(st, 3, c->credit);
	return run(j, st, "keeping a rotation credit");
}

static enum lr_status
load_inc(struct journal *j, const char *owner, const char *day)
{
	sqlite3_stmt *st = stmt(j, ST_LOAD_INC);

	bind_text(st, 1, owner);
	bind_text(st, 2, day);
	return run(j, st, "counting an owner's load");
}

/* Decision, state and counters: the body of journal_record_decision. */
static enum lr_status
decide(struct journal *j, gint64 id, const struct journal_decision *d,
    gint64 now)
{
	enum lr_status rc;

	rc = decision_insert(j, id, d, now);
	if (rc == LR_OK)
		rc = jp_msg_set_state(j, id, JMSG_DECIDED);
	if (rc == LR_OK && d->team != NULL && d->owner != NULL)
		rc = rotation_inc(j, d->team, d->owner, now);
	for (guint i = 0; rc == LR_OK && d->team != NULL && i < d->ncredits;
	    i++)
		rc = rotation_credit(j, d->team, &d->credits[i]);
	if (rc == LR_OK && d->owner_day != NULL && d->owner != NULL)
		rc = load_inc(j, d->owner, d->owner_day);
	return rc;
}

enum lr_status
journal_record_decision(struct journal *j, gint64 id,
    const struct journal_decision *d, gint64 now)
{
	struct journal_message *m = NULL;
	gboolean has = FALSE;
	enum lr_status rc;

	if (j == NULL || d == NULL || !jp_kind_stored(d->kind) ||
	    empty(d->folder))
		return misuse("record_decision", "no journal, kind or folder");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = jp_msg_load(j, id, "record_decision", &m);
	if (rc == LR_OK)
		rc = decision_exists(j, id, &has);
	if (rc == LR_OK && has) {
		log_debug("journal: message %" G_GINT64_FORMAT " is decided "
		    "already; keeping that decision", id);
	} else if (rc == LR_OK && m->state != JMSG_FETCHED) {
		log_warnx("journal: message %" G_GINT64_FORMAT " is %s; "
		    "cannot decide it", id, jp_state_name(m->state));
		rc = LR_FATAL;
	} else if (rc == LR_OK) {
		rc = decide(j, id, d, now);
	}
	journal_message_free(m);
	return jp_tx_end(j, rc, TRUE);
}

void
journal_decision_free(struct journal_decision *d)
{
	if (d == NULL)
		return;
	g_free((char *)d->dest_id);
	g_free((char *)d->owner);
	g_free((char *)d->folder);
	g_free((char *)d->reason);
	g_free((char *)d->dims_json);
	g_free((char *)d->lead_email);
	g_free((char *)d->lead_json);
	g_free(d);
}

enum lr_status
journal_decision_get(struct journal *j, gint64 id,
    struct journal_decision **out)
{
	sqlite3_stmt *st;
	struct journal_decision *d;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || out == NULL)
		return misuse("decision_get", "no journal or result");
	*out = NULL;
	st = stmt(j, ST_DEC_GET);
	sqlite3_bind_int64(st, 1, id);
	rc = row(j, st, &has, "reading a decision");
	if (rc == LR_OK && !has) {
		log_warnx("journal: decision_get: message %" G_GINT64_FORMAT
		    " has no decision", id);
		rc = LR_FATAL;
	}
	if (rc == LR_OK) {
		d = g_new0(struct journal_decision, 1);
		d->decided_at = sqlite3_column_int64(st, 0);
		if (!jp_col_kind(st, 1, id, &d->kind))
			rc = LR_FATAL;
		d->dest_id = col_dup(st, 2);
		d->owner = col_dup(st, 3);
		d->folder = col_dup(st, 4);
		d->reason = col_dup(st, 5);
		d->route_line = sqlite3_column_int(st, 6);
		d->dims_json = col_dup(st, 7);
		d->lead_email = col_dup(st, 8);
		d->lead_json = col_dup(st, 9);
		*out = d;
	}
	if (rc != LR_OK && *out != NULL) {
		journal_decision_free(*out);
		*out = NULL;
	}
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_decision_to_review(struct journal *j, gint64 id, const char *folder,
    const char *reason, gint64 now)
{
	sqlite3_stmt *st;
	gboolean has = FALSE;
	enum lr_status rc;

	if (j == NULL || empty(folder) || empty(reason))
		return misuse("decision_to_review", "no journal, folder or "
		    "reason");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = decision_exists(j, id, &has);
	if (rc == LR_OK && !has) {
		log_warnx("journal: decision_to_review: message %"
		    G_GINT64_FORMAT " has no decision", id);
		rc = LR_FATAL;
	}
	if (rc == LR_OK) {
		st = stmt(j, ST_DEC_REVIEW);
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, folder);
		bind_text(st, 3, reason);
		rc = run(j, st, "sending a decision to review");
	}
	if (rc == LR_OK)
		rc = placement_add(j, id, DEST_REVIEW, now);
	if (rc == LR_OK)
		rc = jp_event_add(j, id, "to-review", reason, now);
	return jp_tx_end(j, rc, TRUE);
}

enum lr_status
journal_redecide(struct journal *j, gint64 id, const struct journal_decision *d,
    const char *event, const char *detail, gint64 now)
{
	sqlite3_stmt *st;
	gboolean has = FALSE;
	enum lr_status rc;

	if (j == NULL || d == NULL || !jp_kind_stored(d->kind) ||
	    empty(d->folder) || empty(event))
		return misuse("redecide", "no journal, kind, folder or event");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = decision_exists(j, id, &has);
	if (rc == LR_OK && !has)	/* e.g. a person took it from Failed */
		rc = decision_insert(j, id, d, now);
	else if (rc == LR_OK) {
		st = stmt(j, ST_DEC_SET);
		sqlite3_bind_int64(st, 1, id);
		jp_bind_kind(st, 2, d->kind);
		bind_text(st, 3, d->dest_id);
		bind_text(st, 4, d->owner);
		bind_text(st, 5, d->folder);
		bind_text(st, 6, d->reason);
		rc = run(j, st, "changing a decision");
		if (rc == LR_OK)
			rc = placement_add(j, id, d->kind, now);
		/* a lead given to an owner counts toward their day's load
		 * and cap, as a routed one does */
		if (rc == LR_OK && d->owner != NULL && d->owner_day != NULL)
			rc = load_inc(j, d->owner, d->owner_day);
	}
	if (rc == LR_OK) {
		st = stmt(j, ST_MSG_REFILE);
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, d->folder);
		rc = run(j, st, "recording where a message is");
	}
	if (rc == LR_OK)
		rc = jp_event_add(j, id, event, detail, now);
	return jp_tx_end(j, rc, TRUE);
}

static void
dlv_free(struct journal_delivery *dl)
{
	g_free(dl->target);
	g_free(dl->last_error);
	g_free(dl->msgid);
	g_free(dl->payload);
	g_free(dl);
}

/* A delivery from a row of DLV_COLS. */
static struct journal_delivery *
dlv_from_row(sqlite3_stmt *st)
{
	struct journal_delivery *dl = g_new0(struct journal_delivery, 1);
	int s = jp_name_index(dstate_names, JDLV_N,
	    (const char *)sqlite3_column_text(st, 4));

	dl->id = sqlite3_column_int64(st, 0);
	dl->message_id = sqlite3_column_int64(st, 1);
	if (!chan_id_lookup((const char *)sqlite3_column_text(st, 2),
	    &dl->channel))
		dl->channel = CHAN_FORWARD;	/* the schema allows no other */
	dl->target = col_dup(st, 3);
	dl->state = s < 0 ? JDLV_FAILED_PERMANENT : (enum journal_dstate)s;
	dl->attempts = (guint)sqlite3_column_int64(st, 5);
	dl->next_attempt_at = sqlite3_column_int64(st, 6);
	dl->last_error = col_dup(st, 7);
	dl->sent_at = col_opt(st, 8);
	dl->msgid = col_dup(st, 9);
	dl->payload = col_dup(st, 10);
	return dl;
}

/* Bind (message id, channel, target) as ?1..?3. */
static void
bind_dlv_key(sqlite3_stmt *st, gint64 id, enum chan_id channel,
    const char *target)
{
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, chan_id_name(channel));
	bind_text(st, 3, target);
}

enum lr_status
journal_delivery_attempts(struct journal *j, gint64 id, enum chan_id channel,
    const char *target, guint *attempts)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	*attempts = 0;
	if (j == NULL || empty(target))
		return misuse("delivery_attempts", "no journal or target");
	st = stmt(j, ST_DLV_FIND);
	bind_dlv_key(st, id, channel, target);
	rc = row(j, st, &has, "reading a delivery");
	if (rc == LR_OK && has)
		*attempts = (guint)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return rc;
}

/* The state of a delivery inside a transaction; LR_FATAL when unknown. */
static enum lr_status
dlv_state(struct journal *j, gint64 id, enum chan_id channel,
    const char *target, const char *fn, enum journal_dstate *state)
{
	sqlite3_stmt *st = stmt(j, ST_DLV_FIND);
	gboolean has;
	enum lr_status rc;

	bind_dlv_key(st, id, channel, target);
	rc = row(j, st, &has, "reading a delivery");
	if (rc == LR_OK && !has) {
		log_warnx("journal: %s: message %" G_GINT64_FORMAT " has no "
		    "%s delivery to %s", fn, id, chan_id_name(channel),
		    target);
		rc = LR_FATAL;
	}
	if (rc == LR_OK)
		*state = (enum journal_dstate)jp_name_index(dstate_names, JDLV_N,
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc;
}

static gboolean
dlv_args_bad(struct journal *j, enum chan_id channel,
    const char *target)
{
	return j == NULL || (guint)channel >= CHAN_N || empty(target);
}

enum lr_status
journal_delivery_plan(struct journal *j, gint64 id,
    enum chan_id channel, const char *target, const char *msgid,
    const char *payload, gint64 now)
{
	struct journal_message *m = NULL;
	sqlite3_stmt *st;
	enum lr_status rc;

	if (dlv_args_bad(j, channel, target))
		return misuse("delivery_plan", "no journal, channel or target");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = jp_msg_load(j, id, "delivery_plan", &m);
	if (rc == LR_OK) {
		st = stmt(j, ST_DLV_PLAN);
		bind_dlv_key(st, id, channel, target);
		bind_text(st, 4, msgid);
		sqlite3_bind_int64(st, 5, now);
		bind_text(st, 6, payload);
		rc = run(j, st, "planning a delivery");
	}
	journal_message_free(m);
	return jp_tx_end(j, rc, TRUE);
}

enum lr_status
journal_delivery_start(struct journal *j, gint64 id,
    enum chan_id channel, const char *target)
{
	enum journal_dstate s;
	sqlite3_stmt *st;
	enum lr_status rc;

	if (dlv_args_bad(j, channel, target))
		return misuse("delivery_start", "no journal, channel or target");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = dlv_state(j, id, channel, target, "delivery_start", &s);
	if (rc == LR_OK && s != JDLV_PENDING && s != JDLV_SENDING) {
		log_warnx("journal: delivery_start: %s delivery to %s is %s",
		    chan_id_name(channel), target, dstate_names[s]);
		rc = LR_FATAL;
	}
	if (rc == LR_OK) {
		st = stmt(j, ST_DLV_START);
		bind_dlv_key(st, id, channel, target);
		rc = run(j, st, "starting a delivery");
	}
	return jp_tx_end(j, rc, TRUE);
}

/* After an smtp delivery is sent: is the message delivered now? */
static enum lr_status
smtp_all_sent(struct journal *j, gint64 id)
{
	struct journal_message *m = NULL;
	sqlite3_stmt *st = stmt(j, ST_DLV_SMTP_LEFT);
	gboolean has;
	gint64 left = 1;
	enum lr_status rc;

	sqlite3_bind_int64(st, 1, id);
	rc = row(j, st, &has, "counting deliveries");
	if (rc == LR_OK && has)
		left = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == LR_OK && left == 0)
		rc = jp_msg_load(j, id, "delivery_done", &m);
	if (rc == LR_OK && m != NULL && m->state == JMSG_DECIDED)
		rc = jp_msg_set_state(j, id, JMSG_DELIVERED);
	journal_message_free(m);
	return rc;
}

enum lr_status
journal_delivery_done(struct journal *j, gint64 id,
    enum chan_id channel, const char *target, gint64 now)
{
	enum journal_dstate s;
	sqlite3_stmt *st;
	enum lr_status rc;

	if (dlv_args_bad(j, channel, target))
		return misuse("delivery_done", "no journal, channel or target");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = dlv_state(j, id, channel, target, "delivery_done", &s);
	if (rc == LR_OK && s != JDLV_SENT) {
		st = stmt(j, ST_DLV_DONE);
		bind_dlv_key(st, id, channel, target);
		sqlite3_bind_int64(st, 4, now);
		rc = run(j, st, "recording a delivery");
		if (rc == LR_OK && channel == CHAN_FORWARD)
			rc = smtp_all_sent(j, id);
	}
	return jp_tx_end(j, rc, TRUE);
}

enum lr_status
journal_delivery_failed(struct journal *j, gint64 id,
    enum chan_id channel, const char *target, const char *error,
    gboolean permanent, gint64 next_attempt_at, gint64 now)
{
	enum journal_dstate s;
	sqlite3_stmt *st;
	enum lr_status rc;

	if (dlv_args_bad(j, channel, target) || empty(error))
		return misuse("delivery_failed", "no journal, channel, target "
		    "or error");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = dlv_state(j, id, channel, target, "delivery_failed", &s);
	if (rc == LR_OK && s != JDLV_SENT) {
		st = stmt(j, ST_DLV_FAIL);
		bind_dlv_key(st, id, channel, target);
		bind_text(st, 4, error);
		sqlite3_bind_int64(st, 5, permanent ? now : next_attempt_at);
		sqlite3_bind_int(st, 6, permanent ? 1 : 0);
		rc = run(j, st, "recording a failed delivery");
	}
	return jp_tx_end(j, rc, TRUE);
}

static gpointer
dlv_row(sqlite3_stmt *st)
{
	return dlv_from_row(st);
}

static enum lr_status
walk_deliveries(struct journal *j, sqlite3_stmt *st, journal_delivery_cb cb,
    void *ctx)
{
	enum lr_status rc;
	GPtrArray *all = jp_collect_rows(j, st, dlv_row, (GDestroyNotify)dlv_free,
	    "listing deliveries", &rc);

	for (guint i = 0; all != NULL && rc == LR_OK && i < all->len; i++)
		rc = cb(g_ptr_array_index(all, i), ctx);
	if (all != NULL)
		g_ptr_array_free(all, TRUE);
	return rc;
}

enum lr_status
journal_deliveries_due(struct journal *j, gint64 now, journal_delivery_cb cb,
    void *ctx)
{
	sqlite3_stmt *st;

	if (j == NULL || cb == NULL)
		return misuse("deliveries_due", "no journal or callback");
	st = stmt(j, ST_DLV_DUE);
	sqlite3_bind_int64(st, 1, now);
	return walk_deliveries(j, st, cb, ctx);
}

enum lr_status
journal_forwards_waiting(struct journal *j, const char *mailbox,
    guint32 uidvalidity, gint64 now, GHashTable *uids, gint64 *next)
{
	sqlite3_stmt *st;
	enum lr_status rc = LR_OK;
	int r;

	*next = 0;
	if (j == NULL || mailbox == NULL || uids == NULL)
		return misuse("forwards_waiting", "no journal, mailbox or set");
	st = stmt(j, ST_DLV_FWD_WAITING);
	sqlite3_bind_int64(st, 1, now);
	bind_text(st, 2, mailbox);
	sqlite3_bind_int64(st, 3, uidvalidity);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		gint64 at = sqlite3_column_int64(st, 1);

		g_hash_table_add(uids, GUINT_TO_POINTER(
		    (guint32)sqlite3_column_int64(st, 0)));
		if (*next == 0 || at < *next)
			*next = at;
	}
	if (r != SQLITE_DONE)
		rc = jp_db_fail(j, r, "finding the forwards that wait");
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_next_retry(struct journal *j, gint64 *at)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || at == NULL)
		return misuse("next_retry", "no journal or result");
	*at = 0;
	st = stmt(j, ST_DLV_NEXT);
	rc = row(j, st, &has, "finding the next retry");
	if (rc == LR_OK && has)
		*at = col_opt(st, 0);
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_message_deliveries(struct journal *j, gint64 id,
    journal_delivery_cb cb, void *ctx)
{
	sqlite3_stmt *st;

	if (j == NULL || cb == NULL)
		return misuse("message_deliveries", "no journal or callback");
	st = stmt(j, ST_DLV_OF_MSG);
	sqlite3_bind_int64(st, 1, id);
	return walk_deliveries(j, st, cb, ctx);
}
