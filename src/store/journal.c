/*
 * journal.c: the agent's journal in SQLite (see journal.h for the tables
 * and the protocol). Every write runs in BEGIN IMMEDIATE ... COMMIT on
 * one connection, so a function either records all of its step or none
 * of it; with WAL and synchronous=FULL each COMMIT is on disk when it
 * returns. Statements are prepared once at open and reset at the end of
 * every transaction.
 *
 * Schema changes are an ordered list of migrations, each applied in its
 * own transaction together with the new user_version.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sqlite3.h>

#include "journal.h"
#include "log.h"

#define LOCK_PID_MAX	32	/* bytes of the PID read from a lock file */
#define JOURNAL_CACHE_KB	512	/* SQLite page cache, KiB */

/*
 * Migrations, oldest first: migrations[i] takes a journal from version
 * i to i + 1. To change the schema, append a step and bump
 * JOURNAL_VERSION; never edit a step that has shipped. A step is plain
 * SQL; ALTER TABLE ADD COLUMN for a new column, or CREATE new / INSERT
 * SELECT / DROP / RENAME for anything ALTER cannot do.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the tables */
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" message_key TEXT NOT NULL UNIQUE,"
	" mailbox TEXT NOT NULL,"
	" uidvalidity INTEGER NOT NULL,"
	" uid INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" received_at INTEGER,"
	" fetched_at INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'fetched' CHECK (state IN ('fetched',"
	"  'decided', 'delivered', 'filed', 'failed', 'duplicate')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT,"
	" folder TEXT,"
	" filed_at INTEGER);"
	"CREATE TABLE decisions ("
	" message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id),"
	" decided_at INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" dest_id TEXT,"
	" owner TEXT,"
	" folder TEXT NOT NULL,"
	" reason TEXT,"
	" route_line INTEGER NOT NULL DEFAULT 0,"
	" dims_json TEXT,"
	" lead_email TEXT,"
	" lead_json TEXT);"
	"CREATE TABLE deliveries ("
	" id INTEGER PRIMARY KEY,"
	" message_id INTEGER NOT NULL REFERENCES messages(id),"
	" channel TEXT NOT NULL CHECK (channel IN ('smtp', 'slack',"
	"  'slack_dm', 'webhook')),"
	" target TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending',"
	"  'sending', 'sent', 'failed_permanent')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" last_error TEXT,"
	" sent_at INTEGER,"
	" msgid TEXT,"
	" UNIQUE (message_id, channel, target));"
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" message_id INTEGER REFERENCES messages(id),"
	" kind TEXT NOT NULL,"
	" detail TEXT);"
	"CREATE TABLE rotation ("
	" team TEXT NOT NULL,"
	" owner TEXT NOT NULL,"
	" count INTEGER NOT NULL DEFAULT 0,"
	" last_at INTEGER,"
	" PRIMARY KEY (team, owner));"
	"CREATE TABLE owner_load ("
	" owner TEXT NOT NULL,"
	" day TEXT NOT NULL,"
	" count INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (owner, day));",
	/* 1 -> 2: indexes for the agent's scans */
	"CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);"
	"CREATE INDEX messages_state ON messages (state);"
	"CREATE INDEX events_message ON events (message_id);",
	/* 2 -> 3: what an HTTP delivery sends, fixed when it is planned, so
	 * that a retry long after the message was filed posts the same body */
	"ALTER TABLE deliveries ADD COLUMN payload TEXT;",
	/* 3 -> 4: rotation credits (smooth weighted round robin), the lead's
	 * company domain, and indexes for sticky ownership and loads */
	"ALTER TABLE rotation ADD COLUMN credit INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE decisions ADD COLUMN lead_domain TEXT;"
	"CREATE INDEX decisions_email ON decisions (lead_email, decided_at);"
	"CREATE INDEX decisions_domain ON decisions (lead_domain, decided_at);"
	"CREATE INDEX decisions_owner ON decisions (owner, decided_at);"
	"CREATE INDEX deliveries_msgid ON deliveries (msgid);",
	/* 4 -> 5: owners away by what the agent saw (an auto-reply to a
	 * forward: away for the rest of that day) */
	"CREATE TABLE away ("
	" owner TEXT PRIMARY KEY,"
	" until INTEGER NOT NULL,"
	" since INTEGER NOT NULL,"
	" reason TEXT);"
	/* and the lead's subject as replies are matched by it */
	"ALTER TABLE decisions ADD COLUMN subject_key TEXT;",
	/* 5 -> 6: every placement of a lead (its decision, and each change
	 * of it), for the report's time in review and review backlog; a
	 * journal from before starts with its decisions as they stand */
	"CREATE TABLE placements ("
	" message_id INTEGER NOT NULL REFERENCES messages(id),"
	" at INTEGER NOT NULL,"
	" kind TEXT NOT NULL);"
	"CREATE INDEX placements_message ON placements (message_id, at);"
	"INSERT INTO placements (message_id, at, kind) SELECT d.message_id,"
	" coalesce(CASE WHEN d.kind = 'review' THEN (SELECT max(at) FROM"
	" events e WHERE e.message_id = d.message_id AND e.kind IN ('moved',"
	" 'to-review')) END, m.filed_at, d.decided_at), d.kind"
	" FROM decisions d JOIN messages m ON m.id = d.message_id;",
};

G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == JOURNAL_VERSION);

enum st {
	ST_BEGIN, ST_BEGIN_READ, ST_COMMIT, ST_ROLLBACK,
	ST_SAVEPOINT, ST_RELEASE, ST_ROLLBACK_TO,
	ST_MSG_FIND, ST_MSG_INSERT, ST_MSG_MOVE, ST_MSG_ATTEMPT,
	ST_MSG_GIVE_UP, ST_MSG_GET, ST_MSG_STATE, ST_MSG_FILED,
	ST_MSG_FAIL, ST_MSG_PENDING,
	ST_DEC_INSERT, ST_DEC_GET, ST_DEC_REVIEW,
	ST_DLV_PLAN, ST_DLV_FIND, ST_DLV_START, ST_DLV_DONE, ST_DLV_FAIL,
	ST_DLV_DUE, ST_DLV_OF_MSG, ST_DLV_SMTP_LEFT, ST_DLV_NEXT,
	ST_EV_INSERT, ST_EV_EXISTS, ST_EV_LAST, ST_REVIEW_OPEN,
	ST_REVIEW_SPANS, ST_PLACE,
	ST_ROT_GET, ST_ROT_INC, ST_ROT_CREDIT, ST_LOAD_GET, ST_LOAD_INC,
	ST_LOAD_SINCE, ST_STICKY_THREAD, ST_STICKY_EMAIL, ST_STICKY_DOMAIN,
	ST_LEADS, ST_MSG_BY_KEY, ST_MSG_REFILE, ST_DEC_SET, ST_THREAD_LEAD,
	ST_THREAD_FWD, ST_THREAD_SUBJECT, ST_EV_FIRST, ST_REVIEW_DUE, ST_UNANSWERED,
	ST_AWAY_SET, ST_AWAY_GET,
	ST_STAT_MSG, ST_STAT_DEC, ST_STAT_DLV, ST_STAT_EV,
	ST_N
};

#define MSG_COLS "id, message_key, mailbox, uidvalidity, uid, size, " \
	"received_at, fetched_at, state, attempts, last_error, folder, filed_at"
#define DLV_COLS "id, message_id, channel, target, state, attempts, " \
	"next_attempt_at, last_error, sent_at, msgid, payload"
#define DLV_KEY " WHERE message_id = ?1 AND channel = ?2 AND target = ?3"

static const char *const st_sql[ST_N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_BEGIN_READ] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT step",
	[ST_RELEASE] = "RELEASE step",
	[ST_ROLLBACK_TO] = "ROLLBACK TO step",
	[ST_MSG_FIND] = "SELECT id, mailbox, uidvalidity, uid, state, attempts,"
	    " last_error FROM messages WHERE message_key = ?1",
	[ST_MSG_INSERT] = "INSERT INTO messages (message_key, mailbox,"
	    " uidvalidity, uid, size, received_at, fetched_at, attempts)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)",
	[ST_MSG_MOVE] = "UPDATE messages SET uidvalidity = ?2, uid = ?3"
	    " WHERE id = ?1",
	[ST_MSG_ATTEMPT] = "UPDATE messages SET attempts = attempts + 1"
	    " WHERE id = ?1",
	[ST_MSG_GIVE_UP] = "UPDATE messages SET state = 'failed',"
	    " last_error = ?2 WHERE id = ?1",
	[ST_MSG_GET] = "SELECT " MSG_COLS " FROM messages WHERE id = ?1",
	[ST_MSG_STATE] = "UPDATE messages SET state = ?2 WHERE id = ?1",
	[ST_MSG_FILED] = "UPDATE messages SET folder = ?2, filed_at = ?3,"
	    " state = CASE state WHEN 'failed' THEN 'failed' ELSE 'filed' END"
	    " WHERE id = ?1",
	[ST_MSG_FAIL] = "UPDATE messages SET last_error = ?2, state ="
	    " CASE WHEN attempts >= ?3 THEN 'failed' ELSE state END"
	    " WHERE id = ?1",
	[ST_MSG_PENDING] = "SELECT " MSG_COLS " FROM messages WHERE state IN"
	    " ('decided', 'delivered') OR (state = 'failed' AND filed_at IS"
	    " NULL) ORDER BY id",
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
	[ST_DLV_PLAN] = "INSERT INTO deliveries (message_id, channel, target,"
	    " msgid, next_attempt_at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (message_id, channel, target) DO NOTHING",
	[ST_DLV_FIND] = "SELECT state FROM deliveries" DLV_KEY,
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
	    " state IN ('pending', 'sending') AND channel != 'smtp'",
	[ST_DLV_OF_MSG] = "SELECT " DLV_COLS " FROM deliveries"
	    " WHERE message_id = ?1 ORDER BY id",
	[ST_DLV_SMTP_LEFT] = "SELECT count(*) FROM deliveries WHERE"
	    " message_id = ?1 AND channel = 'smtp' AND state IN ('pending',"
	    " 'sending')",
	[ST_EV_INSERT] = "INSERT INTO events (at, message_id, kind, detail)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_EV_EXISTS] = "SELECT 1 FROM events WHERE message_id = ?1 AND"
	    " kind = ?2 AND detail IS ?3",
	[ST_ROT_GET] = "SELECT count, last_at, credit FROM rotation"
	    " WHERE team = ?1 AND owner = ?2",
	[ST_ROT_INC] = "INSERT INTO rotation (team, owner, count, last_at)"
	    " VALUES (?1, ?2, 1, ?3) ON CONFLICT (team, owner) DO UPDATE SET"
	    " count = count + 1, last_at = excluded.last_at",
	[ST_ROT_CREDIT] = "INSERT INTO rotation (team, owner, credit)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (team, owner) DO UPDATE SET"
	    " credit = excluded.credit",
	[ST_LOAD_SINCE] = "SELECT count(*) FROM decisions WHERE owner = ?1"
	    " AND decided_at >= ?2",
	/* the newest owner of a message of the thread, of the address, of
	 * the company domain (the latter two since ?2) */
	[ST_STICKY_THREAD] = "SELECT d.owner, m.message_key FROM messages m"
	    " JOIN decisions d ON d.message_id = m.id WHERE m.message_key = ?1"
	    " AND d.owner IS NOT NULL",
	[ST_STICKY_EMAIL] = "SELECT owner, decided_at FROM decisions"
	    " WHERE lead_email = ?1 AND decided_at >= ?2 AND owner IS NOT NULL"
	    " ORDER BY decided_at DESC, message_id DESC LIMIT 1",
	[ST_STICKY_DOMAIN] = "SELECT owner, decided_at, lead_email FROM"
	    " decisions WHERE lead_domain = ?1 AND decided_at >= ?2 AND owner"
	    " IS NOT NULL ORDER BY decided_at DESC, message_id DESC LIMIT 1",
	/* events and forwards after ?2 (a report for a past period) do
	 * not count */
	[ST_LEADS] = "SELECT m.message_key, m.received_at, m.fetched_at,"
	    " m.state, m.filed_at, d.decided_at, d.kind, d.dest_id, d.owner,"
	    " d.folder, d.dims_json,"
	    " (SELECT min(sent_at) FROM deliveries WHERE message_id = m.id"
	    "  AND channel = 'smtp' AND state = 'sent' AND sent_at < ?2"
	    "  AND target NOT LIKE 'escalation %'),"
	    " (SELECT count(*) FROM events WHERE message_id = m.id"
	    "  AND kind = 'reassigned' AND at < ?2),"
	    " (SELECT min(at) FROM events WHERE message_id = m.id"
	    "  AND kind = 'first-response' AND at < ?2),"
	    " EXISTS (SELECT 1 FROM events WHERE message_id = m.id"
	    "  AND kind = 'to-review' AND at < ?2), m.id,"
	    " EXISTS (SELECT 1 FROM events WHERE message_id = m.id"
	    "  AND kind = 'escalated' AND at < ?2),"
	    " (SELECT count(*) FROM events WHERE message_id = m.id"
	    "  AND kind = 'sla-missed' AND at < ?2),"
	    " CASE WHEN json_valid(d.lead_json) THEN"
	    "  json_extract(d.lead_json, '$.source') END"
	    " FROM messages m LEFT JOIN decisions d ON d.message_id = m.id"
	    " WHERE m.fetched_at >= ?1 AND m.fetched_at < ?2 ORDER BY m.id",
	/* the stays in review that overlap [?1, ?2), whenever their leads
	 * came: each review placement until the next placement */
	[ST_REVIEW_SPANS] = "SELECT message_id, at, next FROM (SELECT"
	    " message_id, at, kind, lead(at) OVER (PARTITION BY message_id"
	    " ORDER BY at, rowid) AS next FROM placements) WHERE kind ="
	    " 'review' AND at < ?2 AND (next IS NULL OR next > ?1)"
	    " ORDER BY message_id, at",
	[ST_PLACE] = "INSERT INTO placements (message_id, at, kind)"
	    " VALUES (?1, ?2, ?3)",
	[ST_MSG_BY_KEY] = "SELECT id, folder, filed_at FROM messages"
	    " WHERE message_key = ?1",
	[ST_MSG_REFILE] = "UPDATE messages SET folder = ?2 WHERE id = ?1",
	[ST_DEC_SET] = "UPDATE decisions SET kind = ?2, dest_id = ?3,"
	    " owner = ?4, folder = ?5, reason = ?6, route_line = 0"
	    " WHERE message_id = ?1",
	/* a lead with an owner, by its own Message-ID or its forward's
	 * (kept without the <>) */
	[ST_THREAD_LEAD] = "SELECT m.id, d.owner, m.folder FROM messages m"
	    " JOIN decisions d ON d.message_id = m.id WHERE m.message_key = ?1"
	    " AND d.owner IS NOT NULL AND d.kind != 'reply'",
	/* the newest lead from ?1 with subject key ?2 since ?3, owner ?4's
	 * first */
	[ST_THREAD_SUBJECT] = "SELECT m.id, d.owner, m.folder FROM decisions d"
	    " JOIN messages m ON m.id = d.message_id WHERE d.lead_email = ?1"
	    " COLLATE NOCASE AND d.subject_key = ?2 AND d.decided_at >= ?3"
	    " AND d.owner IS NOT NULL AND d.kind != 'reply'"
	    " ORDER BY d.owner IS ?4 DESC, d.decided_at DESC, m.id DESC"
	    " LIMIT 1",
	[ST_THREAD_FWD] = "SELECT m.id, d.owner, m.folder FROM deliveries dl"
	    " JOIN messages m ON m.id = dl.message_id JOIN decisions d ON"
	    " d.message_id = m.id WHERE dl.msgid = trim(?1, '<>')"
	    " AND dl.channel = 'smtp'"
	    " AND d.owner IS NOT NULL",
	/* the review queue: since as ST_REVIEW_DUE */
	[ST_REVIEW_OPEN] = "SELECT m.id, m.message_key, m.folder, coalesce("
	    "(SELECT max(at) FROM events e WHERE e.message_id = m.id AND"
	    " e.kind IN ('moved', 'to-review')), m.filed_at) AS since,"
	    " d.lead_email, CASE WHEN json_valid(d.lead_json) THEN"
	    " json_extract(d.lead_json, '$.subject') END, d.reason,"
	    " EXISTS (SELECT 1 FROM events WHERE message_id = m.id AND"
	    " kind = 'escalated')"
	    " FROM decisions d JOIN messages m ON m.id = d.message_id"
	    " WHERE d.kind = 'review' AND m.filed_at IS NOT NULL"
	    " ORDER BY since, m.id",
	/* message_id IS NULL: by the index events_message */
	[ST_EV_LAST] = "SELECT max(at) FROM events WHERE message_id IS NULL"
	    " AND kind = ?1",
	/* in review since (moved there, sent there by a refused forward, or
	 * filed there) before ?1, and never escalated */
	[ST_REVIEW_DUE] = "SELECT m.id, m.message_key, m.folder, coalesce("
	    "(SELECT max(at) FROM events e WHERE e.message_id = m.id AND"
	    " e.kind IN ('moved', 'to-review')), m.filed_at) AS since"
	    " FROM decisions d JOIN messages m ON m.id = d.message_id"
	    " WHERE d.kind = 'review' AND m.filed_at IS NOT NULL"
	    " AND m.message_key NOT LIKE 'sha256:%'"
	    " AND NOT EXISTS (SELECT 1 FROM events WHERE message_id = m.id"
	    " AND kind = 'escalated') AND since <= ?1 ORDER BY since, m.id",
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
	    " WHERE d.kind IN ('team', 'owner') AND d.owner IS NOT NULL"
	    " AND m.filed_at IS NOT NULL AND m.message_key NOT LIKE 'sha256:%'"
	    " AND NOT EXISTS (SELECT 1 FROM events WHERE message_id = m.id"
	    " AND kind IN ('first-response', 'sla-exhausted', 'chase-ended')))"
	    " x"
	    " WHERE sent IS NOT NULL ORDER BY sent, id",
	[ST_EV_FIRST] = "SELECT 1 FROM events WHERE message_id = ?1 AND"
	    " kind = 'first-response'",
	[ST_LOAD_GET] = "SELECT count FROM owner_load WHERE owner = ?1 AND"
	    " day = ?2",
	[ST_LOAD_INC] = "INSERT INTO owner_load (owner, day, count)"
	    " VALUES (?1, ?2, 1) ON CONFLICT (owner, day) DO UPDATE SET"
	    " count = count + 1",
	[ST_AWAY_SET] = "INSERT INTO away (owner, until, since, reason)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (owner) DO UPDATE SET"
	    " until = excluded.until, since = excluded.since,"
	    " reason = excluded.reason",
	[ST_AWAY_GET] = "SELECT until, reason FROM away WHERE owner = ?1",
	[ST_STAT_MSG] = "SELECT state, count(*) FROM messages GROUP BY state",
	[ST_STAT_DEC] = "SELECT count(*) FROM decisions",
	[ST_STAT_DLV] = "SELECT state, count(*) FROM deliveries GROUP BY state",
	[ST_STAT_EV] = "SELECT count(*) FROM events",
};

struct journal {
	char *path;			/* owned */
	sqlite3 *db;			/* owned; closed in journal_close() */
	int lock_fd;			/* holds the flock on PATH.lock */
	int version;			/* user_version after migrations */
	sqlite3_stmt *st[ST_N];		/* owned, prepared once */
	guint commits;			/* write commits by this handle */
	guint stop_after;		/* test hook; 0 = off */
	gboolean deferred;		/* journal_defer(): commit on flush */
	gboolean open;			/* a deferred transaction is open */
};

static const char *const state_names[JMSG_NSTATES] = {
	"fetched", "decided", "delivered", "filed", "failed", "duplicate"
};
static const char *const dstate_names[JDLV_N] = {
	"pending", "sending", "sent", "failed_permanent"
};

G_DEFINE_QUARK(journal-error-quark, journal_error)

const char *
journal_state_name(enum journal_state s)
{
	return (guint)s < JMSG_NSTATES ? state_names[s] : "?";
}

const char *
journal_dstate_name(enum journal_dstate s)
{
	return (guint)s < JDLV_N ? dstate_names[s] : "?";
}

/* Index of s in names, or -1. */
static int
name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* --- errors, statements, transactions ------------------------------- */

/* Log what failed and tell the caller what to do about it. */
static enum lr_status
db_fail(struct journal *j, int rc, const char *what)
{
	log_warnx("journal: %s: %s: %s", j->path, what, sqlite3_errmsg(j->db));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
		return LR_TEMPFAIL;
	default:
		return LR_FATAL;
	}
}

/* A misuse by the caller: a NULL argument, an unknown id. */
static enum lr_status
misuse(const char *fn, const char *what)
{
	log_warnx("journal: %s: %s", fn, what);
	return LR_FATAL;
}

static gboolean
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* The cached statement id, ready for binding. */
static sqlite3_stmt *
stmt(struct journal *j, enum st id)
{
	sqlite3_reset(j->st[id]);
	sqlite3_clear_bindings(j->st[id]);
	return j->st[id];
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* A time or count where 0 means none. */
static void
bind_opt(sqlite3_stmt *st, int i, gint64 v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Run a statement that returns no row. */
static enum lr_status
run(struct journal *j, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		return db_fail(j, rc, what);
	return LR_OK;
}

/* Step a query: *row TRUE when a row is there. */
static enum lr_status
row(struct journal *j, sqlite3_stmt *st, gboolean *has, const char *what)
{
	int rc = sqlite3_step(st);

	*has = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(j, rc, what);
	return LR_OK;
}

static void
reset_all(struct journal *j)
{
	for (int i = 0; i < ST_N; i++)
		sqlite3_reset(j->st[i]);
}

/*
 * Each change is one transaction, or, while deferred, one savepoint in
 * the transaction journal_flush() commits; a read inside that
 * transaction sees what it holds.
 */
static enum lr_status
tx_begin(struct journal *j, gboolean write)
{
	enum lr_status rc;

	if (j->deferred && write) {
		if (!j->open) {
			rc = run(j, stmt(j, ST_BEGIN), "begin");
			if (rc != LR_OK)
				return rc;
			j->open = TRUE;
		}
		return run(j, stmt(j, ST_SAVEPOINT), "savepoint");
	}
	if (j->open)
		return LR_OK;
	return run(j, stmt(j, write ? ST_BEGIN : ST_BEGIN_READ), "begin");
}

/* The end of one change while deferred: keep it, or undo it alone. */
static enum lr_status
step_end(struct journal *j, enum lr_status rc)
{
	reset_all(j);
	if (rc != LR_OK) {
		sqlite3_step(stmt(j, ST_ROLLBACK_TO));
		sqlite3_reset(j->st[ST_ROLLBACK_TO]);
	}
	if (run(j, stmt(j, ST_RELEASE), "release") != LR_OK && rc == LR_OK)
		rc = LR_FATAL;
	sqlite3_reset(j->st[ST_RELEASE]);
	return rc;
}

static void
tx_rollback(struct journal *j)
{
	reset_all(j);
	if (!sqlite3_get_autocommit(j->db))
		sqlite3_step(stmt(j, ST_ROLLBACK));
	sqlite3_reset(j->st[ST_ROLLBACK]);
}

/* Count a durable write commit; the test hook may end the process. */
static void
counted(struct journal *j)
{
	j->commits++;
	if (j->stop_after != 0 && j->commits == j->stop_after) {
		log_warnx("journal: %s=%u: stopping after commit %u",
		    JOURNAL_STOP_ENV, j->stop_after, j->commits);
		_exit(JOURNAL_STOP_STATUS);
	}
}

/* Commit, or roll back when rc says the work failed. */
static enum lr_status
tx_end(struct journal *j, enum lr_status rc, gboolean write)
{
	if (j->deferred && write)
		return step_end(j, rc);
	if (j->open) {
		reset_all(j);
		return rc;
	}
	if (rc != LR_OK) {
		tx_rollback(j);
		return rc;
	}
	reset_all(j);
	rc = run(j, stmt(j, ST_COMMIT), "commit");
	sqlite3_reset(j->st[ST_COMMIT]);
	if (rc != LR_OK) {
		tx_rollback(j);
		return rc;
	}
	if (write)
		counted(j);
	return LR_OK;
}

/* --- open and close ------------------------------------------------- */

/* Lock PATH.lock for this process and write our PID into it. */
static gboolean
lock_take(struct journal *j, GError **err)
{
	char *lp = g_strconcat(j->path, ".lock", NULL);
	char pid[LOCK_PID_MAX + 1], buf[32];
	ssize_t n;
	int len;
	gboolean ok = FALSE;

	j->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->lock_fd < 0) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: cannot "
		    "create lock file %s: %s", lp, g_strerror(errno));
		goto out;
	}
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		n = pread(j->lock_fd, pid, LOCK_PID_MAX, 0);
		pid[n > 0 ? n : 0] = '\0';
		g_strstrip(pid);
		if (e == EWOULDBLOCK)	/* LR_TEMPFAIL: it may be let go */
			g_set_error(err, JOURNAL_ERROR, LR_TEMPFAIL, "journal: %s "
			    "is in use by another leadroute (pid %s holds %s)",
			    j->path, *pid != '\0' ? pid : "unknown", lp);
		else
			g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: "
			    "cannot lock %s: %s", lp, g_strerror(e));
		goto out;
	}
	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(j->lock_fd, 0) != 0 ||
	    pwrite(j->lock_fd, buf, (size_t)len, 0) != len)
		log_warn("journal: cannot write the PID into %s", lp);
	ok = TRUE;
out:
	g_free(lp);
	return ok;
}

/* One integer from a PRAGMA or query; -1 on error. */
static gint64
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	gint64 v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* WAL, synchronous=FULL, foreign keys, busy timeout. */
static gboolean
set_pragmas(struct journal *j, GError **err)
{
	sqlite3_stmt *st;
	gboolean wal = FALSE;

	sqlite3_busy_timeout(j->db, JOURNAL_BUSY_MS);
	if (sqlite3_prepare_v2(j->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			wal = g_strcmp0((const char *)
			    sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
	}
	/* a small page cache: the agent's work touches few pages at a time,
	 * and it runs for months next to other services */
	if (!wal || sqlite3_exec(j->db, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON; PRAGMA cache_size = -" G_STRINGIFY(
	    JOURNAL_CACHE_KB), NULL, NULL, NULL) != SQLITE_OK ||
	    query_int(j->db, "PRAGMA foreign_keys") != 1) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: %s: not "
		    "usable as a journal (WAL, synchronous=FULL, foreign "
		    "keys): %s", j->path, sqlite3_errmsg(j->db));
		return FALSE;
	}
	return TRUE;
}

/* Apply migrations[from..to-1], each in its own transaction. */
static gboolean
migrate(struct journal *j, int to, GError **err)
{
	gint64 from = query_int(j->db, "PRAGMA user_version");

	if (from < 0 || from > JOURNAL_VERSION) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: %s: schema "
		    "version %" G_GINT64_FORMAT " is not one this leadroute "
		    "knows (1..%d): %s", j->path, from, JOURNAL_VERSION,
		    from < 0 ? sqlite3_errmsg(j->db) : "refusing to use it");
		return FALSE;
	}
	j->version = (int)from;
	for (int v = (int)from; v < to; v++) {
		char *sql = g_strdup_printf("BEGIN IMMEDIATE; %s "
		    "PRAGMA user_version = %d; COMMIT", migrations[v], v + 1);
		char *msg = NULL;
		int rc = sqlite3_exec(j->db, sql, NULL, NULL, &msg);

		g_free(sql);
		if (rc != SQLITE_OK) {
			g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: %s: "
			    "migrating to schema version %d: %s", j->path,
			    v + 1, msg != NULL ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			if (!sqlite3_get_autocommit(j->db))
				sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
			return FALSE;
		}
		j->version = v + 1;
		log_info("journal: %s: schema version %d", j->path, v + 1);
		counted(j);
	}
	return TRUE;
}

static gboolean
prepare_all(struct journal *j, GError **err)
{
	for (int i = 0; i < ST_N; i++) {
		int rc = sqlite3_prepare_v3(j->db, st_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &j->st[i], NULL);

		/* A journal held at an older version (tests of migrations)
		 * lacks what newer statements use; those stay NULL, and
		 * using one is a misuse SQLite reports. */
		if (rc != SQLITE_OK && j->version < JOURNAL_VERSION) {
			j->st[i] = NULL;
			continue;
		}
		if (rc != SQLITE_OK) {
			g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: %s: "
			    "preparing \"%s\": %s", j->path, st_sql[i],
			    sqlite3_errmsg(j->db));
			return FALSE;
		}
	}
	return TRUE;
}

/* The test hook's N from the environment; 0 when unset or malformed. */
static guint
stop_after_env(void)
{
	const char *s = g_getenv(JOURNAL_STOP_ENV);
	guint64 n;

	if (s == NULL)
		return 0;
	if (!g_ascii_string_to_unsigned(s, 10, 1, G_MAXUINT, &n, NULL)) {
		log_warnx("journal: ignoring %s=\"%s\": not a positive number",
		    JOURNAL_STOP_ENV, s);
		return 0;
	}
	return (guint)n;
}

/* sqlite3_open_v2 of j->path with flags, extended result codes on. */
static gboolean
open_db(struct journal *j, int flags, GError **err)
{
	int rc = sqlite3_open_v2(j->path, &j->db, flags, NULL);

	if (rc != SQLITE_OK) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: cannot open "
		    "%s: %s", j->path, j->db != NULL ? sqlite3_errmsg(j->db) :
		    sqlite3_errstr(rc));
		return FALSE;
	}
	sqlite3_extended_result_codes(j->db, 1);
	return TRUE;
}

struct journal *
journal_open_at(const char *path, int version, GError **err)
{
	struct journal *j;

	if (empty(path) || version < 1 || version > JOURNAL_VERSION) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: no path, "
		    "or a schema version other than 1..%d", JOURNAL_VERSION);
		return NULL;
	}
	j = g_new0(struct journal, 1);
	j->path = g_strdup(path);
	j->lock_fd = -1;
	j->stop_after = stop_after_env();
	if (!lock_take(j, err))
		goto fail;
	if (!open_db(j, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err))
		goto fail;
	if (!set_pragmas(j, err) || !migrate(j, version, err) ||
	    !prepare_all(j, err))
		goto fail;
	return j;
fail:
	journal_close(j);
	return NULL;
}

struct journal *
journal_open_readonly(const char *path, GError **err)
{
	struct journal *j;
	gint64 v;

	if (empty(path)) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: no path");
		return NULL;
	}
	j = g_new0(struct journal, 1);
	j->path = g_strdup(path);
	j->lock_fd = -1;
	if (!open_db(j, SQLITE_OPEN_READONLY, err))
		goto fail;
	sqlite3_busy_timeout(j->db, JOURNAL_BUSY_MS);
	v = query_int(j->db, "PRAGMA user_version");
	if (v != JOURNAL_VERSION) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: %s: schema "
		    "version %" G_GINT64_FORMAT ", not %d%s", path, v,
		    JOURNAL_VERSION, v >= 0 && v < JOURNAL_VERSION ? " (run the "
		    "agent once to bring it up to date)" : "");
		goto fail;
	}
	j->version = (int)v;
	if (!prepare_all(j, err))
		goto fail;
	return j;
fail:
	journal_close(j);
	return NULL;
}

struct journal *
journal_open(const char *path, GError **err)
{
	return journal_open_at(path, JOURNAL_VERSION, err);
}

enum lr_status
journal_flush(struct journal *j)
{
	enum lr_status rc;

	if (j == NULL || !j->open)
		return LR_OK;
	reset_all(j);
	j->open = FALSE;
	rc = run(j, stmt(j, ST_COMMIT), "commit");
	sqlite3_reset(j->st[ST_COMMIT]);
	if (rc != LR_OK) {
		tx_rollback(j);
		return rc;
	}
	counted(j);
	return LR_OK;
}

enum lr_status
journal_defer(struct journal *j, gboolean on)
{
	enum lr_status rc = LR_OK;

	if (j == NULL)
		return misuse("defer", "no journal");
	if (!on)
		rc = journal_flush(j);
	j->deferred = on;
	return rc;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (journal_flush(j) != LR_OK)
		log_warnx("journal: %s: the last changes were not kept",
		    j->path);
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(j->st[i]);
	if (j->db != NULL && sqlite3_close(j->db) != SQLITE_OK)
		log_warnx("journal: %s: close: %s", j->path,
		    sqlite3_errmsg(j->db));
	if (j->lock_fd >= 0)
		close(j->lock_fd);	/* releases the flock */
	g_free(j->path);
	g_free(j);
}

int
journal_version(const struct journal *j)
{
	return j->version;
}

/* --- messages ------------------------------------------------------- */

static gint64
col_opt(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 :
	    sqlite3_column_int64(st, i);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	return g_strdup((const char *)sqlite3_column_text(st, i));
}

static enum journal_state
col_state(sqlite3_stmt *st, int i)
{
	int s = name_index(state_names, JMSG_NSTATES,
	    (const char *)sqlite3_column_text(st, i));

	return s < 0 ? JMSG_FAILED : (enum journal_state)s;
}

/* A message from a row of MSG_COLS. */
static struct journal_message *
msg_from_row(sqlite3_stmt *st)
{
	struct journal_message *m = g_new0(struct journal_message, 1);

	m->id = sqlite3_column_int64(st, 0);
	m->key = col_dup(st, 1);
	m->mailbox = col_dup(st, 2);
	m->uidvalidity = (guint32)sqlite3_column_int64(st, 3);
	m->uid = (guint32)sqlite3_column_int64(st, 4);
	m->size = sqlite3_column_int64(st, 5);
	m->received_at = col_opt(st, 6);
	m->fetched_at = sqlite3_column_int64(st, 7);
	m->state = col_state(st, 8);
	m->attempts = (guint)sqlite3_column_int64(st, 9);
	m->last_error = col_dup(st, 10);
	m->folder = col_dup(st, 11);
	m->filed_at = col_opt(st, 12);
	return m;
}

void
journal_message_free(struct journal_message *m)
{
	if (m == NULL)
		return;
	g_free(m->key);
	g_free(m->mailbox);
	g_free(m->last_error);
	g_free(m->folder);
	g_free(m);
}

/* The message's row inside a transaction; LR_FATAL when unknown. */
static enum lr_status
msg_load(struct journal *j, gint64 id, const char *fn,
    struct journal_message **out)
{
	sqlite3_stmt *st = stmt(j, ST_MSG_GET);
	gboolean has;
	enum lr_status rc;

	*out = NULL;
	sqlite3_bind_int64(st, 1, id);
	rc = row(j, st, &has, "reading a message");
	if (rc == LR_OK && !has) {
		log_warnx("journal: %s: no message %" G_GINT64_FORMAT, fn, id);
		rc = LR_FATAL;
	}
	if (rc == LR_OK)
		*out = msg_from_row(st);
	sqlite3_reset(st);
	return rc;
}

static enum lr_status
msg_set_state(struct journal *j, gint64 id, enum journal_state s)
{
	sqlite3_stmt *st = stmt(j, ST_MSG_STATE);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, state_names[s]);
	return run(j, st, "setting a message's state");
}

static enum lr_status
event_add(struct journal *j, gint64 id, const char *kind, const char *detail,
    gint64 now)
{
	sqlite3_stmt *st = stmt(j, ST_EV_INSERT);

	sqlite3_bind_int64(st, 1, now);
	bind_opt(st, 2, id);
	bind_text(st, 3, kind);
	bind_text(st, 4, detail);
	return run(j, st, "recording an event");
}

/* This copy of a fetched message again: begin another attempt, or give up
 * after JOURNAL_MAX_ATTEMPTS (the last ones were interrupted). */
static enum lr_status
seen_attempt(struct journal *j, gint64 id, guint attempts,
    const char *last_error, enum journal_state *state)
{
	sqlite3_stmt *st;
	char *why;
	enum lr_status rc;

	if (attempts < JOURNAL_MAX_ATTEMPTS) {
		st = stmt(j, ST_MSG_ATTEMPT);
		sqlite3_bind_int64(st, 1, id);
		return run(j, st, "counting an attempt");
	}
	why = g_strdup_printf("gave up after %u attempts: %s", attempts,
	    last_error != NULL ? last_error : "the agent stopped while "
	    "deciding");
	st = stmt(j, ST_MSG_GIVE_UP);
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, why);
	rc = run(j, st, "giving up on a message");
	if (rc == LR_OK) {
		log_warnx("journal: message %" G_GINT64_FORMAT ": %s", id, why);
		*state = JMSG_FAILED;
	}
	g_free(why);
	return rc;
}

/* Another copy of a journaled message: record it once as an event. */
static enum lr_status
seen_duplicate(struct journal *j, gint64 id, const char *mailbox,
    guint32 uidvalidity, guint32 uid, gint64 now)
{
	char *detail = g_strdup_printf("copy in %s uidvalidity %u uid %u",
	    mailbox, uidvalidity, uid);
	sqlite3_stmt *st = stmt(j, ST_EV_EXISTS);
	gboolean has;
	enum lr_status rc;

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, "duplicate");
	bind_text(st, 3, detail);
	rc = row(j, st, &has, "looking for a duplicate event");
	sqlite3_reset(st);
	if (rc == LR_OK && !has)
		rc = event_add(j, id, "duplicate", detail, now);
	g_free(detail);
	return rc;
}

/* The row for key exists: which copy is this, and what follows? */
static enum lr_status
seen_known(struct journal *j, sqlite3_stmt *found, const char *mailbox,
    guint32 uidvalidity, guint32 uid, gint64 now, gint64 *id,
    enum journal_state *state, enum journal_seen *seen)
{
	gboolean same_box = strcmp((const char *)sqlite3_column_text(found, 1),
	    mailbox) == 0;
	guint32 old_uv = (guint32)sqlite3_column_int64(found, 2);
	guint32 old_uid = (guint32)sqlite3_column_int64(found, 3);
	guint attempts = (guint)sqlite3_column_int64(found, 5);
	char *last_error = col_dup(found, 6);
	sqlite3_stmt *st;
	enum lr_status rc = LR_OK;

	*id = sqlite3_column_int64(found, 0);
	*state = col_state(found, 4);
	sqlite3_reset(found);
	if (!same_box || (old_uv == uidvalidity && old_uid != uid)) {
		*seen = JOURNAL_SEEN_DUPLICATE;
		rc = seen_duplicate(j, *id, mailbox, uidvalidity, uid, now);
		goto out;
	}
	*seen = JOURNAL_SEEN_AGAIN;
	if (old_uv != uidvalidity) {
		/* A new UIDVALIDITY voids the old UIDs: this is the copy. */
		st = stmt(j, ST_MSG_MOVE);
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, uidvalidity);
		sqlite3_bind_int64(st, 3, uid);
		rc = run(j, st, "moving a message");
	}
	if (rc == LR_OK && *state == JMSG_FETCHED)
		rc = seen_attempt(j, *id, attempts, last_error, state);
out:
	g_free(last_error);
	return rc;
}

enum lr_status
journal_message_seen(struct journal *j, const char *key, const char *mailbox,
    guint32 uidvalidity, guint32 uid, gint64 size, gint64 received_at,
    gint64 now, gint64 *id, enum journal_state *state,
    enum journal_seen *seen)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(key) || empty(mailbox) || id == NULL ||
	    state == NULL || seen == NULL)
		return misuse("message_seen", "no journal, key or mailbox");
	if (strlen(key) > JOURNAL_KEY_MAX) {
		log_warnx("journal: message key longer than %d bytes",
		    JOURNAL_KEY_MAX);
		return LR_BADMSG;
	}
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	st = stmt(j, ST_MSG_FIND);
	bind_text(st, 1, key);
	rc = row(j, st, &has, "looking up a message");
	if (rc == LR_OK && has) {
		rc = seen_known(j, st, mailbox, uidvalidity, uid, now, id,
		    state, seen);
	} else if (rc == LR_OK) {
		st = stmt(j, ST_MSG_INSERT);
		bind_text(st, 1, key);
		bind_text(st, 2, mailbox);
		sqlite3_bind_int64(st, 3, uidvalidity);
		sqlite3_bind_int64(st, 4, uid);
		sqlite3_bind_int64(st, 5, size);
		bind_opt(st, 6, received_at);
		sqlite3_bind_int64(st, 7, now);
		rc = run(j, st, "recording a message");
		*id = sqlite3_last_insert_rowid(j->db);
		*state = JMSG_FETCHED;
		*seen = JOURNAL_SEEN_NEW;
	}
	return tx_end(j, rc, TRUE);
}

enum lr_status
journal_message_get(struct journal *j, gint64 id,
    struct journal_message **out)
{
	enum lr_status rc;

	if (j == NULL || out == NULL)
		return misuse("message_get", "no journal or result");
	rc = msg_load(j, id, "message_get", out);
	sqlite3_reset(j->st[ST_MSG_GET]);
	return rc;
}

enum lr_status
journal_message_filed(struct journal *j, gint64 id, const char *folder,
    gint64 now)
{
	struct journal_message *m = NULL;
	sqlite3_stmt *st;
	enum lr_status rc;

	if (j == NULL || empty(folder))
		return misuse("message_filed", "no journal or folder");
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = msg_load(j, id, "message_filed", &m);
	if (rc == LR_OK) {
		st = stmt(j, ST_MSG_FILED);
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, folder);
		sqlite3_bind_int64(st, 3, now);
		rc = run(j, st, "filing a message");
	}
	journal_message_free(m);
	return tx_end(j, rc, TRUE);
}

enum lr_status
journal_message_failed_attempt(struct journal *j, gint64 id,
    const char *error, gint64 now, guint *attempts)
{
	struct journal_message *m = NULL;
	sqlite3_stmt *st;
	enum lr_status rc;

	if (j == NULL || empty(error) || attempts == NULL)
		return misuse("message_failed_attempt", "no journal or error");
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = msg_load(j, id, "message_failed_attempt", &m);
	if (rc == LR_OK && m->state != JMSG_FETCHED) {
		log_warnx("journal: message %" G_GINT64_FORMAT " is %s, not "
		    "being decided", id, state_names[m->state]);
		rc = LR_FATAL;
	}
	if (rc == LR_OK) {
		st = stmt(j, ST_MSG_FAIL);
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, error);
		sqlite3_bind_int(st, 3, JOURNAL_MAX_ATTEMPTS);
		rc = run(j, st, "recording a failed attempt");
		*attempts = m->attempts;
	}
	if (rc == LR_OK)
		rc = event_add(j, id, "error", error, now);
	journal_message_free(m);
	return tx_end(j, rc, TRUE);
}

/* The rows a query returns, read into a list before any is handed out,
 * so that callbacks run with no statement or transaction open and may
 * write. NULL (with *rc set) on an error. */
static GPtrArray *
collect_rows(struct journal *j, sqlite3_stmt *st,
    gpointer (*from_row)(sqlite3_stmt *), GDestroyNotify free_fn,
    const char *what, enum lr_status *rc)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(free_fn);
	gboolean has = TRUE;

	*rc = LR_OK;
	while (*rc == LR_OK && has) {
		*rc = row(j, st, &has, what);
		if (*rc == LR_OK && has)
			g_ptr_array_add(all, from_row(st));
	}
	sqlite3_reset(st);
	if (*rc != LR_OK) {
		g_ptr_array_free(all, TRUE);
		return NULL;
	}
	return all;
}

static gpointer
msg_row(sqlite3_stmt *st)
{
	return msg_from_row(st);
}

static enum lr_status
walk_messages(struct journal *j, sqlite3_stmt *st, journal_message_cb cb,
    void *ctx)
{
	enum lr_status rc;
	GPtrArray *all = collect_rows(j, st, msg_row,
	    (GDestroyNotify)journal_message_free, "listing messages", &rc);

	for (guint i = 0; all != NULL && rc == LR_OK && i < all->len; i++)
		rc = cb(g_ptr_array_index(all, i), ctx);
	if (all != NULL)
		g_ptr_array_free(all, TRUE);
	return rc;
}

static gpointer
lead_row(sqlite3_stmt *st)
{
	struct journal_lead *l = g_new0(struct journal_lead, 1);

	l->key = col_dup(st, 0);
	l->received_at = col_opt(st, 1);
	l->fetched_at = col_opt(st, 2);
	l->state = col_state(st, 3);
	l->filed_at = col_opt(st, 4);
	l->decided_at = col_opt(st, 5);
	l->kind = col_dup(st, 6);
	l->dest_id = col_dup(st, 7);
	l->owner = col_dup(st, 8);
	l->folder = col_dup(st, 9);
	l->dims_json = col_dup(st, 10);
	l->forwarded_at = col_opt(st, 11);
	l->reassignments = (guint)col_opt(st, 12);
	l->first_response_at = col_opt(st, 13);
	l->to_review = col_opt(st, 14) != 0;
	l->id = sqlite3_column_int64(st, 15);
	l->escalated = col_opt(st, 16) != 0;
	l->sla_missed = (guint)col_opt(st, 17);
	l->source = col_dup(st, 18);
	return l;
}

static void
lead_free(gpointer p)
{
	struct journal_lead *l = p;

	g_free(l->key);
	g_free(l->kind);
	g_free(l->dest_id);
	g_free(l->owner);
	g_free(l->folder);
	g_free(l->dims_json);
	g_free(l->source);
	if (l->review != NULL)
		g_array_free(l->review, TRUE);
	g_free(l);
}

/*
 * The stays in review overlapping [since, until): into all (of struct
 * journal_span; may be NULL), and attached to their lead when by_id
 * (message id -> lead; may be NULL) has it.
 */
static enum lr_status
review_spans(struct journal *j, GHashTable *by_id, gint64 since,
    gint64 until, GArray *all)
{
	sqlite3_stmt *st = stmt(j, ST_REVIEW_SPANS);
	gboolean has;
	enum lr_status rc;

	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	while ((rc = row(j, st, &has, "listing stays in review")) == LR_OK &&
	    has) {
		gint64 id = sqlite3_column_int64(st, 0);
		struct journal_lead *l = by_id != NULL ?
		    g_hash_table_lookup(by_id, &id) : NULL;
		struct journal_span sp = { sqlite3_column_int64(st, 1),
		    col_opt(st, 2) };

		if (all != NULL)
			g_array_append_val(all, sp);
		if (l == NULL)
			continue;
		if (l->review == NULL)
			l->review = g_array_new(FALSE, FALSE, sizeof sp);
		g_array_append_val(l->review, sp);
	}
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_review_spans(struct journal *j, gint64 since, gint64 until,
    GArray **out)
{
	enum lr_status rc;

	*out = NULL;
	if (j == NULL)
		return misuse("review_spans", "no journal");
	*out = g_array_new(FALSE, FALSE, sizeof(struct journal_span));
	rc = review_spans(j, NULL, since, until, *out);
	if (rc != LR_OK) {
		g_array_free(*out, TRUE);
		*out = NULL;
	}
	return rc;
}

enum lr_status
journal_leads(struct journal *j, gint64 since, gint64 until,
    journal_lead_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	GPtrArray *all;
	enum lr_status rc;

	if (j == NULL || cb == NULL)
		return misuse("leads", "no journal or callback");
	st = stmt(j, ST_LEADS);
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	all = collect_rows(j, st, lead_row, lead_free, "listing leads", &rc);
	if (all != NULL && rc == LR_OK) {
		GHashTable *by_id = g_hash_table_new(g_int64_hash,
		    g_int64_equal);

		for (guint i = 0; i < all->len; i++) {
			struct journal_lead *l = g_ptr_array_index(all, i);

			g_hash_table_insert(by_id, &l->id, l);
		}
		rc = review_spans(j, by_id, since, until, NULL);
		g_hash_table_destroy(by_id);
	}
	for (guint i = 0; all != NULL && rc == LR_OK && i < all->len; i++)
		rc = cb(g_ptr_array_index(all, i), ctx);
	if (all != NULL)
		g_ptr_array_free(all, TRUE);
	return rc;
}

enum lr_status
journal_pending_messages(struct journal *j, journal_message_cb cb, void *ctx)
{
	if (j == NULL || cb == NULL)
		return misuse("pending_messages", "no journal or callback");
	return walk_messages(j, stmt(j, ST_MSG_PENDING), cb, ctx);
}

/* --- decisions ------------------------------------------------------ */

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
placement_add(struct journal *j, gint64 id, const char *kind, gint64 now)
{
	sqlite3_stmt *st = stmt(j, ST_PLACE);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	bind_text(st, 3, kind);
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
	bind_text(st, 3, d->kind);
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
		rc = msg_set_state(j, id, JMSG_DECIDED);
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

	if (j == NULL || d == NULL || empty(d->kind) || empty(d->folder))
		return misuse("record_decision", "no journal, kind or folder");
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = msg_load(j, id, "record_decision", &m);
	if (rc == LR_OK)
		rc = decision_exists(j, id, &has);
	if (rc == LR_OK && has) {
		log_debug("journal: message %" G_GINT64_FORMAT " is decided "
		    "already; keeping that decision", id);
	} else if (rc == LR_OK && m->state != JMSG_FETCHED) {
		log_warnx("journal: message %" G_GINT64_FORMAT " is %s; "
		    "cannot decide it", id, state_names[m->state]);
		rc = LR_FATAL;
	} else if (rc == LR_OK) {
		rc = decide(j, id, d, now);
	}
	journal_message_free(m);
	return tx_end(j, rc, TRUE);
}

void
journal_decision_free(struct journal_decision *d)
{
	if (d == NULL)
		return;
	g_free((char *)d->kind);
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
		d->kind = col_dup(st, 1);
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
	rc = tx_begin(j, TRUE);
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
		rc = placement_add(j, id, "review", now);
	if (rc == LR_OK)
		rc = event_add(j, id, "to-review", reason, now);
	return tx_end(j, rc, TRUE);
}

enum lr_status
journal_message_find(struct journal *j, const char *key, gint64 *id,
    char **folder, gint64 *filed_at)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(key) || id == NULL)
		return misuse("message_find", "no journal, key or id");
	st = stmt(j, ST_MSG_BY_KEY);
	bind_text(st, 1, key);
	rc = row(j, st, &has, "finding a message");
	*id = rc == LR_OK && has ? sqlite3_column_int64(st, 0) : 0;
	if (folder != NULL)
		*folder = rc == LR_OK && has ? col_dup(st, 1) : NULL;
	if (filed_at != NULL)
		*filed_at = rc == LR_OK && has ? col_opt(st, 2) : 0;
	sqlite3_reset(st);
	return rc;
}

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
	g_free(o->kind);
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
	o->kind = col_dup(st, 6);
	o->autoreplied = sqlite3_column_int(st, 7) != 0;
	return o;
}

/* Rows of st (bound) as struct journal_overdue, handed to cb. */
static enum lr_status
walk_overdue(struct journal *j, sqlite3_stmt *st,
    gpointer (*from_row)(sqlite3_stmt *), const char *what,
    journal_overdue_cb cb, void *ctx)
{
	enum lr_status rc;
	GPtrArray *all = collect_rows(j, st, from_row, overdue_free, what,
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

void
journal_thread_clear(struct journal_thread *t)
{
	g_free(t->owner);
	g_free(t->folder);
	memset(t, 0, sizeof *t);
}

enum lr_status
journal_redecide(struct journal *j, gint64 id, const struct journal_decision *d,
    const char *event, const char *detail, gint64 now)
{
	sqlite3_stmt *st;
	gboolean has = FALSE;
	enum lr_status rc;

	if (j == NULL || d == NULL || empty(d->kind) || empty(d->folder) ||
	    empty(event))
		return misuse("redecide", "no journal, kind, folder or event");
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = decision_exists(j, id, &has);
	if (rc == LR_OK && !has)	/* e.g. a person took it from Failed */
		rc = decision_insert(j, id, d, now);
	else if (rc == LR_OK) {
		st = stmt(j, ST_DEC_SET);
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, d->kind);
		bind_text(st, 3, d->dest_id);
		bind_text(st, 4, d->owner);
		bind_text(st, 5, d->folder);
		bind_text(st, 6, d->reason);
		rc = run(j, st, "changing a decision");
		if (rc == LR_OK)
			rc = placement_add(j, id, d->kind, now);
	}
	if (rc == LR_OK) {
		st = stmt(j, ST_MSG_REFILE);
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, d->folder);
		rc = run(j, st, "recording where a message is");
	}
	if (rc == LR_OK)
		rc = event_add(j, id, event, detail, now);
	return tx_end(j, rc, TRUE);
}

/* --- deliveries ----------------------------------------------------- */

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
	int s = name_index(dstate_names, JDLV_N,
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
		*state = (enum journal_dstate)name_index(dstate_names, JDLV_N,
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
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = msg_load(j, id, "delivery_plan", &m);
	if (rc == LR_OK) {
		st = stmt(j, ST_DLV_PLAN);
		bind_dlv_key(st, id, channel, target);
		bind_text(st, 4, msgid);
		sqlite3_bind_int64(st, 5, now);
		bind_text(st, 6, payload);
		rc = run(j, st, "planning a delivery");
	}
	journal_message_free(m);
	return tx_end(j, rc, TRUE);
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
	rc = tx_begin(j, TRUE);
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
	return tx_end(j, rc, TRUE);
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
		rc = msg_load(j, id, "delivery_done", &m);
	if (rc == LR_OK && m != NULL && m->state == JMSG_DECIDED)
		rc = msg_set_state(j, id, JMSG_DELIVERED);
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
	rc = tx_begin(j, TRUE);
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
	return tx_end(j, rc, TRUE);
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
	rc = tx_begin(j, TRUE);
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
	return tx_end(j, rc, TRUE);
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
	GPtrArray *all = collect_rows(j, st, dlv_row, (GDestroyNotify)dlv_free,
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

/* --- events and counters -------------------------------------------- */

enum lr_status
journal_event(struct journal *j, gint64 id, const char *kind,
    const char *detail, gint64 now)
{
	struct journal_message *m = NULL;
	enum lr_status rc;

	if (j == NULL || empty(kind))
		return misuse("event", "no journal or kind");
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	if (id != 0)
		rc = msg_load(j, id, "event", &m);
	if (rc == LR_OK)
		rc = event_add(j, id, kind, detail, now);
	journal_message_free(m);
	return tx_end(j, rc, TRUE);
}

enum lr_status
journal_rotation_get(struct journal *j, const char *team, const char *owner,
    struct journal_rotation *out)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(team) || empty(owner) || out == NULL)
		return misuse("rotation_get", "no journal, team or owner");
	memset(out, 0, sizeof *out);
	st = stmt(j, ST_ROT_GET);
	bind_text(st, 1, team);
	bind_text(st, 2, owner);
	rc = row(j, st, &has, "reading a rotation");
	if (rc == LR_OK && has) {
		out->count = (guint)sqlite3_column_int64(st, 0);
		out->last_at = col_opt(st, 1);
		out->credit = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_owner_leads_since(struct journal *j, const char *owner, gint64 since,
    guint *count)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(owner) || count == NULL)
		return misuse("owner_leads_since", "no journal or owner");
	st = stmt(j, ST_LOAD_SINCE);
	bind_text(st, 1, owner);
	sqlite3_bind_int64(st, 2, since);
	rc = row(j, st, &has, "counting an owner's leads");
	*count = rc == LR_OK && has ? (guint)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc;
}

/* One sticky query: the owner in column 0, evidence in column 2 if any. */
static enum lr_status
sticky_row(struct journal *j, enum st which, const char *key, gint64 since,
    char **owner, char **evidence)
{
	sqlite3_stmt *st = stmt(j, which);
	gboolean has;
	enum lr_status rc;

	bind_text(st, 1, key);
	if (which != ST_STICKY_THREAD)
		sqlite3_bind_int64(st, 2, since);
	rc = row(j, st, &has, "looking for a lead's owner");
	if (rc == LR_OK && has) {
		*owner = g_strdup((const char *)sqlite3_column_text(st, 0));
		if (which == ST_STICKY_DOMAIN && evidence != NULL)
			*evidence = g_strdup((const char *)
			    sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_sticky_owner(struct journal *j, const char *const *thread,
    const char *email, const char *domain, gint64 since,
    struct journal_sticky *out)
{
	enum lr_status rc = LR_OK;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (j == NULL || out == NULL)
		return misuse("sticky_owner", "no journal or result");
	for (guint i = 0; thread != NULL && thread[i] != NULL &&
	    out->owner == NULL && rc == LR_OK; i++)
		if (!empty(thread[i]) && (rc = sticky_row(j, ST_STICKY_THREAD,
		    thread[i], 0, &out->owner, NULL)) == LR_OK &&
		    out->owner != NULL) {
			out->via = JSTICKY_THREAD;
			out->evidence = g_strdup(thread[i]);
		}
	if (rc == LR_OK && out->owner == NULL && !empty(email) &&
	    (rc = sticky_row(j, ST_STICKY_EMAIL, email, since, &out->owner,
	    NULL)) == LR_OK && out->owner != NULL) {
		out->via = JSTICKY_ADDRESS;
		out->evidence = g_strdup(email);
	}
	if (rc == LR_OK && out->owner == NULL && !empty(domain) &&
	    (rc = sticky_row(j, ST_STICKY_DOMAIN, domain, since, &out->owner,
	    &out->evidence)) == LR_OK && out->owner != NULL)
		out->via = JSTICKY_DOMAIN;
	if (rc != LR_OK)
		journal_sticky_clear(out);
	return rc;
}

void
journal_sticky_clear(struct journal_sticky *s)
{
	g_free(s->owner);
	g_free(s->evidence);
	memset(s, 0, sizeof *s);
}

enum lr_status
journal_rotation_increment(struct journal *j, const char *team,
    const char *owner, gint64 now)
{
	enum lr_status rc;

	if (j == NULL || empty(team) || empty(owner))
		return misuse("rotation_increment", "no journal, team or owner");
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = rotation_inc(j, team, owner, now);
	return tx_end(j, rc, TRUE);
}

enum lr_status
journal_owner_load(struct journal *j, const char *owner, const char *day,
    guint *count)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(owner) || empty(day) || count == NULL)
		return misuse("owner_load", "no journal, owner or day");
	st = stmt(j, ST_LOAD_GET);
	bind_text(st, 1, owner);
	bind_text(st, 2, day);
	rc = row(j, st, &has, "reading an owner's load");
	*count = rc == LR_OK && has ? (guint)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_owner_load_increment(struct journal *j, const char *owner,
    const char *day)
{
	enum lr_status rc;

	if (j == NULL || empty(owner) || empty(day))
		return misuse("owner_load_increment", "no journal, owner or day");
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = load_inc(j, owner, day);
	return tx_end(j, rc, TRUE);
}

enum lr_status
journal_away_set(struct journal *j, const char *owner, gint64 until,
    const char *reason, gint64 now)
{
	sqlite3_stmt *st;
	enum lr_status rc;

	if (j == NULL || empty(owner))
		return misuse("away_set", "no journal or owner");
	rc = tx_begin(j, TRUE);
	if (rc)
		return rc;
	st = stmt(j, ST_AWAY_SET);
	bind_text(st, 1, owner);
	sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int64(st, 3, now);
	bind_text(st, 4, reason);
	rc = run(j, st, "recording an owner away");
	return tx_end(j, rc, TRUE);
}

enum lr_status
journal_away_get(struct journal *j, const char *owner, gint64 *until,
    char **reason)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(owner) || until == NULL)
		return misuse("away_get", "no journal or owner");
	st = stmt(j, ST_AWAY_GET);
	bind_text(st, 1, owner);
	rc = row(j, st, &has, "reading an owner's absence");
	has = rc == LR_OK && has;
	*until = has ? sqlite3_column_int64(st, 0) : 0;
	if (reason != NULL)
		*reason = has ? col_dup(st, 1) : NULL;
	sqlite3_reset(st);
	return rc;
}

/* Add each (state, count) row of st to counts, named by names. */
static enum lr_status
count_states(struct journal *j, sqlite3_stmt *st, const char *const *names,
    int n, guint *counts, guint *total)
{
	gboolean has = TRUE;
	enum lr_status rc = LR_OK;

	while (rc == LR_OK && has) {
		rc = row(j, st, &has, "counting");
		if (rc != LR_OK || !has)
			break;
		int i = name_index(names, n,
		    (const char *)sqlite3_column_text(st, 0));
		guint c = (guint)sqlite3_column_int64(st, 1);

		if (i >= 0)
			counts[i] += c;
		if (total != NULL)
			*total += c;
	}
	sqlite3_reset(st);
	return rc;
}

/* One count(*) into *n. */
static enum lr_status
count_one(struct journal *j, sqlite3_stmt *st, guint *n)
{
	gboolean has;
	enum lr_status rc = row(j, st, &has, "counting");

	if (rc == LR_OK && has)
		*n = (guint)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc;
}

enum lr_status
journal_stats(struct journal *j, struct journal_stats *st)
{
	enum lr_status rc;

	if (j == NULL || st == NULL)
		return misuse("stats", "no journal or result");
	memset(st, 0, sizeof *st);
	st->commits = j->commits;
	rc = tx_begin(j, FALSE);
	if (rc)
		return rc;
	rc = count_states(j, stmt(j, ST_STAT_MSG), state_names, JMSG_NSTATES,
	    st->by_state, &st->messages);
	if (rc == LR_OK)
		rc = count_one(j, stmt(j, ST_STAT_DEC), &st->decisions);
	if (rc == LR_OK)
		rc = count_states(j, stmt(j, ST_STAT_DLV), dstate_names, JDLV_N,
		    st->deliveries, NULL);
	if (rc == LR_OK)
		rc = count_one(j, stmt(j, ST_STAT_EV), &st->events);
	return tx_end(j, rc, FALSE);
}

enum lr_status
journal_pragma(struct journal *j, const char *name, char **value)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;
	enum lr_status ret = LR_OK;

	if (j == NULL || empty(name) || value == NULL ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz_") != strlen(name))
		return misuse("pragma", "no journal or not a pragma name");
	*value = NULL;
	sql = g_strconcat("PRAGMA ", name, NULL);
	rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = col_dup(st, 0);
	else if (rc != SQLITE_DONE)
		ret = db_fail(j, rc, sql);
	sqlite3_finalize(st);
	g_free(sql);
	return ret;
}
