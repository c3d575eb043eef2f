/*
 * journal.c: the agent's journal in SQLite (see journal.h for the tables
 * and the protocol): open, lock, schema and migrations, transactions,
 * messages and events; decisions and deliveries are in journal_decide.c,
 * what the other clients read in journal_route.c, journal_sla.c and
 * journal_report.c (journal_p.h). Every write runs in BEGIN IMMEDIATE
 * ... COMMIT on one connection, so a function either records all of its
 * step or none of it; with WAL and synchronous=FULL each COMMIT is on
 * disk when it returns. Statements are prepared once at open and reset
 * at the end of every transaction.
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

#include "journal.h"
#include "journal_p.h"
#include "log.h"
#include "rules.h"

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
	/* 6 -> 7 (issue 19): where the agent read each folder up to, so
	 * that a start reads only what changed; indexes for the lookups
	 * that scanned every decision: a reply's lead by subject (the
	 * address is compared without case, which no index on it serves),
	 * the review queue */
	"CREATE TABLE mailboxes ("
	" name TEXT PRIMARY KEY,"
	" uidvalidity INTEGER NOT NULL,"
	" uidnext INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX decisions_subject ON decisions (subject_key, decided_at);"
	"CREATE INDEX decisions_review ON decisions (message_id)"
	" WHERE kind = 'review';"
	/* and leads whose owner SLA has settled (a first response, the
	 * SLA or chase over, adopted) marked, so that the unanswered scan
	 * every 30 s reads only the others, not every lead ever routed */
	"ALTER TABLE decisions ADD COLUMN settled INTEGER;"
	"UPDATE decisions SET settled = 1 WHERE EXISTS (SELECT 1 FROM events"
	" e WHERE e.message_id = decisions.message_id AND e.kind IN"
	" ('first-response', 'sla-exhausted', 'chase-ended', 'adopted'));"
	"CREATE INDEX decisions_unsettled ON decisions (message_id)"
	" WHERE settled IS NULL AND kind IN ('team', 'owner');",
};

G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == JOURNAL_VERSION);

#define MSG_COLS "id, message_key, mailbox, uidvalidity, uid, size, " \
	"received_at, fetched_at, state, attempts, last_error, folder, filed_at"

const char *const jp_core_sql[ST_N] = {
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
	[ST_MSG_PENDING] = "SELECT " MSG_COLS " FROM messages WHERE state IN"
	    " ('decided', 'delivered') OR (state = 'failed' AND filed_at IS"
	    " NULL) ORDER BY id",
	[ST_MSG_BY_KEY] = "SELECT id, folder, filed_at FROM messages"
	    " WHERE message_key = ?1",
	[ST_EV_INSERT] = "INSERT INTO events (at, message_id, kind, detail)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_EV_EXISTS] = "SELECT 1 FROM events WHERE message_id = ?1 AND"
	    " kind = ?2 AND detail IS ?3",
	[ST_DEC_SETTLE] = "UPDATE decisions SET settled = 1 WHERE"
	    " message_id = ?1",
	[ST_BOX_SET] = "INSERT INTO mailboxes (name, uidvalidity, uidnext)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET"
	    " uidvalidity = excluded.uidvalidity, uidnext = excluded.uidnext",
	[ST_BOX_GET] = "SELECT uidvalidity, uidnext FROM mailboxes"
	    " WHERE name = ?1",
};

static const char *const state_names[JMSG_NSTATES] = {
	"fetched", "decided", "delivered", "filed", "failed", "duplicate"
};

G_DEFINE_QUARK(journal-error-quark, journal_error)

/* --- errors, statements, transactions ------------------------------- */

int
jp_name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

enum lr_status
jp_db_fail(struct journal *j, int rc, const char *what)
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
enum lr_status
jp_tx_begin(struct journal *j, gboolean write)
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
enum lr_status
jp_tx_end(struct journal *j, enum lr_status rc, gboolean write)
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
		log_debug("journal: %s: schema version %d", j->path, v + 1);
		counted(j);
	}
	/* one line, not one a version */
	if (from == 0 && to > 0)
		log_info("journal: %s: created (schema version %d)", j->path,
		    to);
	else if (from < to)
		log_info("journal: %s: schema version %" G_GINT64_FORMAT
		    " brought up to %d", j->path, from, to);
	return TRUE;
}

/* Each statement's SQL, from the table of the file that owns it. */
static const char *
st_text(int i)
{
	static const char *const *const tables[] = {
		jp_core_sql, jp_decide_sql, jp_route_sql, jp_sla_sql,
		jp_report_sql,
	};

	for (guint t = 0; t < G_N_ELEMENTS(tables); t++)
		if (tables[t][i] != NULL)
			return tables[t][i];
	return NULL;
}

static gboolean
prepare_all(struct journal *j, GError **err)
{
	for (int i = 0; i < ST_N; i++) {
		const char *sql = st_text(i);
		int rc = sql == NULL ? SQLITE_MISUSE : sqlite3_prepare_v3(j->db,
		    sql, -1, SQLITE_PREPARE_PERSISTENT, &j->st[i], NULL);

		if (rc != SQLITE_OK) {
			g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: %s: "
			    "preparing statement %d \"%s\": %s", j->path, i,
			    sql != NULL ? sql : "(none)", sqlite3_errmsg(j->db));
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

/*
 * SQLite's quick_check: a journal damaged on disk (a page overwritten, an
 * index that no longer finds what its table holds) would let a message
 * already routed look new, and be forwarded again. Refused, with what to
 * do; a few milliseconds a megabyte, once a start.
 */
static gboolean
intact_pages(struct journal *j, GError **err)
{
	sqlite3_stmt *st;
	const char *v;
	char *what = NULL;

	if (sqlite3_prepare_v2(j->db, "PRAGMA quick_check(1)", -1, &st,
	    NULL) != SQLITE_OK)
		what = g_strdup(sqlite3_errmsg(j->db));
	else {
		if (sqlite3_step(st) != SQLITE_ROW)
			what = g_strdup(sqlite3_errmsg(j->db));
		else if ((v = (const char *)sqlite3_column_text(st, 0)) ==
		    NULL || strcmp(v, "ok") != 0)
			what = g_strdup(v != NULL ? v : "?");
		sqlite3_finalize(st);
	}
	if (what == NULL)
		return TRUE;
	g_set_error(err, JOURNAL_ERROR, LR_CONFIG, "journal: %s is damaged "
	    "(%s): restore it from a backup, or move it away and run "
	    "`leadroute run --adopt` to rebuild it from the mailbox", j->path,
	    what);
	g_free(what);
	return FALSE;
}

struct journal *
journal_open(const char *path, GError **err)
{
	struct journal *j;
	struct stat sb;

	if (empty(path)) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: no path");
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
	if (!set_pragmas(j, err) || !intact_pages(j, err) ||
	    !migrate(j, JOURNAL_VERSION, err) || !prepare_all(j, err))
		goto fail;
	if (stat(path, &sb) != 0) {
		g_set_error(err, JOURNAL_ERROR, LR_FATAL, "journal: %s: %s",
		    path, g_strerror(errno));
		goto fail;
	}
	j->dev = sb.st_dev;
	j->ino = sb.st_ino;
	return j;
fail:
	journal_close(j);
	return NULL;
}

gboolean
journal_intact(struct journal *j, char **why)
{
	struct stat sb;
	char *wal;
	gboolean walgone;

	*why = NULL;
	if (j == NULL || j->lock_fd < 0 || j->lost)
		return j == NULL || !j->lost;
	wal = g_strconcat(j->path, "-wal", NULL);
	walgone = stat(wal, &sb) != 0 && errno == ENOENT;
	g_free(wal);
	if (stat(j->path, &sb) != 0)
		*why = g_strdup_printf("%s was removed (%s)", j->path,
		    g_strerror(errno));
	else if (sb.st_dev != j->dev || sb.st_ino != j->ino)
		*why = g_strdup_printf("%s was replaced by another file",
		    j->path);
	else if (sb.st_size == 0)
		*why = g_strdup_printf("%s was emptied (truncated to 0 "
		    "bytes)", j->path);
	else if (walgone)
		*why = g_strdup_printf("%s-wal, which holds its latest "
		    "records, was removed", j->path);
	if (*why == NULL)
		return TRUE;
	/* what this process holds must not be written into what is
	 * there now: no checkpoint, at close or ever */
	j->lost = TRUE;
	sqlite3_db_config(j->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	return FALSE;
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
	if (!intact_pages(j, err) || !prepare_all(j, err))
		goto fail;
	return j;
fail:
	journal_close(j);
	return NULL;
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

gboolean
journal_is_empty(struct journal *j)
{
	if (j == NULL || j->db == NULL)
		return TRUE;
	if (journal_flush(j) != LR_OK)
		return FALSE;	/* it had something to keep */
	return query_int(j->db, "SELECT EXISTS (SELECT 1 FROM messages)") == 0;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (!j->lost && journal_flush(j) != LR_OK)
		log_warnx("journal: %s: the last changes were not kept",
		    j->path);
	/* everything into the main file, the -wal emptied: a copy of the
	 * .db alone after a clean stop is the whole journal */
	if (j->db != NULL && j->lock_fd >= 0 && !j->lost && sqlite3_exec(j->db,
	    "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		log_debug("journal: %s: checkpoint: %s", j->path,
		    sqlite3_errmsg(j->db));
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

/* --- messages, kinds, events ----------------------------------------- */

enum journal_state
jp_col_state(sqlite3_stmt *st, int i)
{
	int s = jp_name_index(state_names, JMSG_NSTATES,
	    (const char *)sqlite3_column_text(st, i));

	return s < 0 ? JMSG_FAILED : (enum journal_state)s;
}

const char *
jp_state_name(enum journal_state s)
{
	return (guint)s < JMSG_NSTATES ? state_names[s] : "?";
}

/* The kinds a decision can have, stored by rules_dest_kind_name(). */
static const enum dest_kind stored_kinds[] = {
	DEST_OWNER, DEST_TEAM, DEST_QUEUE, DEST_REVIEW, DEST_IGNORE,
	DEST_REPLY,
};

gboolean
jp_kind_stored(enum dest_kind k)
{
	for (guint i = 0; i < G_N_ELEMENTS(stored_kinds); i++)
		if (stored_kinds[i] == k)
			return TRUE;
	return FALSE;
}

void
jp_bind_kind(sqlite3_stmt *st, int i, enum dest_kind k)
{
	bind_text(st, i, rules_dest_kind_name(k));
}

gboolean
jp_col_kind(sqlite3_stmt *st, int i, gint64 id, enum dest_kind *k)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	for (guint n = 0; s != NULL && n < G_N_ELEMENTS(stored_kinds); n++)
		if (strcmp(rules_dest_kind_name(stored_kinds[n]), s) == 0) {
			*k = stored_kinds[n];
			return TRUE;
		}
	log_warnx("journal: message %" G_GINT64_FORMAT ": a decision of "
	    "unknown kind \"%s\" (written by a newer leadroute?)", id,
	    s != NULL ? s : "(null)");
	return FALSE;
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
	m->state = jp_col_state(st, 8);
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

enum lr_status
jp_msg_load(struct journal *j, gint64 id, const char *fn,
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

enum lr_status
jp_msg_set_state(struct journal *j, gint64 id, enum journal_state s)
{
	sqlite3_stmt *st = stmt(j, ST_MSG_STATE);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, jp_state_name(s));
	return run(j, st, "setting a message's state");
}

enum lr_status
jp_event_add(struct journal *j, gint64 id, const char *kind, const char *detail,
    gint64 now)
{
	static const char *const settling[] = { "first-response",
	    "sla-exhausted", "chase-ended", "adopted" };
	sqlite3_stmt *st = stmt(j, ST_EV_INSERT);
	enum lr_status rc;

	sqlite3_bind_int64(st, 1, now);
	bind_opt(st, 2, id);
	bind_text(st, 3, kind);
	bind_text(st, 4, detail);
	rc = run(j, st, "recording an event");
	/* the lead's owner SLA is over: journal_unanswered() skips it */
	if (rc == LR_OK && id != 0 && jp_name_index(settling,
	    G_N_ELEMENTS(settling), kind) >= 0) {
		st = stmt(j, ST_DEC_SETTLE);
		sqlite3_bind_int64(st, 1, id);
		rc = run(j, st, "marking a lead settled");
	}
	return rc;
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
		rc = jp_event_add(j, id, "duplicate", detail, now);
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
	*state = jp_col_state(found, 4);
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
	rc = jp_tx_begin(j, TRUE);
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
	return jp_tx_end(j, rc, TRUE);
}

enum lr_status
journal_message_get(struct journal *j, gint64 id,
    struct journal_message **out)
{
	enum lr_status rc;

	if (j == NULL || out == NULL)
		return misuse("message_get", "no journal or result");
	rc = jp_msg_load(j, id, "message_get", out);
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
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	rc = jp_msg_load(j, id, "message_filed", &m);
	if (rc == LR_OK) {
		st = stmt(j, ST_MSG_FILED);
		sqlite3_bind_int64(st, 1, id);
		bind_text(st, 2, folder);
		sqlite3_bind_int64(st, 3, now);
		rc = run(j, st, "filing a message");
	}
	journal_message_free(m);
	return jp_tx_end(j, rc, TRUE);
}

GPtrArray *
jp_collect_rows(struct journal *j, sqlite3_stmt *st,
    gpointer (*from_row)(sqlite3_stmt *), GDestroyNotify free_fn,
    const char *what, enum lr_status *rc)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(free_fn);
	gboolean has = TRUE;

	*rc = LR_OK;
	while (*rc == LR_OK && has) {
		gpointer p;

		*rc = row(j, st, &has, what);
		if (*rc != LR_OK || !has)
			break;
		p = from_row(st);
		if (p == NULL)
			*rc = LR_FATAL;
		else
			g_ptr_array_add(all, p);
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
	GPtrArray *all = jp_collect_rows(j, st, msg_row,
	    (GDestroyNotify)journal_message_free, "listing messages", &rc);

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

enum lr_status
journal_event(struct journal *j, gint64 id, const char *kind,
    const char *detail, gint64 now)
{
	struct journal_message *m = NULL;
	enum lr_status rc;

	if (j == NULL || empty(kind))
		return misuse("event", "no journal or kind");
	rc = jp_tx_begin(j, TRUE);
	if (rc)
		return rc;
	if (id != 0)
		rc = jp_msg_load(j, id, "event", &m);
	if (rc == LR_OK)
		rc = jp_event_add(j, id, kind, detail, now);
	journal_message_free(m);
	return jp_tx_end(j, rc, TRUE);
}

enum lr_status
journal_mailbox_set(struct journal *j, const char *name,
    guint32 uidvalidity, guint32 uidnext)
{
	sqlite3_stmt *st;
	enum lr_status rc;

	if (j == NULL || empty(name))
		return misuse("mailbox_set", "no journal or mailbox");
	if ((rc = jp_tx_begin(j, TRUE)) != LR_OK)
		return rc;
	st = stmt(j, ST_BOX_SET);
	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uidnext);
	rc = run(j, st, "recording where a folder was read up to");
	return jp_tx_end(j, rc, TRUE);
}

enum lr_status
journal_mailbox_get(struct journal *j, const char *name,
    guint32 *uidvalidity, guint32 *uidnext)
{
	sqlite3_stmt *st;
	gboolean has;
	enum lr_status rc;

	if (j == NULL || empty(name) || uidvalidity == NULL || uidnext == NULL)
		return misuse("mailbox_get", "no journal or mailbox");
	st = stmt(j, ST_BOX_GET);
	bind_text(st, 1, name);
	rc = row(j, st, &has, "reading where a folder was read up to");
	has = rc == LR_OK && has;
	*uidvalidity = has ? (guint32)sqlite3_column_int64(st, 0) : 0;
	*uidnext = has ? (guint32)sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	return rc;
}
