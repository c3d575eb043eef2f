/*
 * journal_p.h: what the journal's files share and nobody else sees: the
 * handle, the prepared statements, and the steps every query takes
 * (bind, step, read a column, begin and end a transaction). journal.c
 * keeps the write-ahead protocol (open, lock, schema, messages, events,
 * transactions), journal_decide.c decisions and deliveries,
 * journal_route.c the history routing reads, journal_sla.c the SLA and
 * thread lookups, journal_report.c the report's queries.
 *
 * Each file owns the SQL of its statements in a table indexed by enum
 * st (jp_*_sql, NULL where another file's); journal_open() prepares
 * every statement once from the five tables, and a function uses one
 * with stmt() inside jp_tx_begin() ... jp_tx_end() or as a lone read.
 */
#ifndef LR_JOURNAL_P_H
#define LR_JOURNAL_P_H

#include <sys/stat.h>

#include <sqlite3.h>

#include "journal.h"
#include "log.h"
#include "rules.h"

enum st {
	/* journal.c */
	ST_BEGIN, ST_BEGIN_READ, ST_COMMIT, ST_ROLLBACK,
	ST_SAVEPOINT, ST_RELEASE, ST_ROLLBACK_TO,
	ST_MSG_FIND, ST_MSG_INSERT, ST_MSG_MOVE, ST_MSG_ATTEMPT,
	ST_MSG_GIVE_UP, ST_MSG_GET, ST_MSG_STATE, ST_MSG_FILED,
	ST_MSG_PENDING, ST_MSG_BY_KEY, ST_EV_INSERT, ST_EV_EXISTS,
	ST_DEC_SETTLE, ST_BOX_SET, ST_BOX_GET,
	/* journal_decide.c */
	ST_DEC_INSERT, ST_DEC_GET, ST_DEC_REVIEW, ST_DEC_SET, ST_PLACE,
	ST_MSG_REFILE, ST_ROT_INC, ST_ROT_CREDIT, ST_LOAD_INC,
	ST_DLV_PLAN, ST_DLV_FIND, ST_DLV_START, ST_DLV_DONE, ST_DLV_FAIL,
	ST_DLV_DUE, ST_DLV_NEXT, ST_DLV_OF_MSG, ST_DLV_SMTP_LEFT,
	ST_DLV_FWD_WAITING,
	/* journal_route.c */
	ST_ROT_GET, ST_LOAD_GET, ST_LOAD_SINCE, ST_STICKY_THREAD,
	ST_STICKY_EMAIL, ST_STICKY_DOMAIN, ST_AWAY_SET, ST_AWAY_GET,
	/* journal_sla.c */
	ST_THREAD_LEAD, ST_THREAD_FWD, ST_THREAD_SUBJECT, ST_EV_FIRST,
	ST_REVIEW_DUE, ST_REVIEW_OPEN, ST_UNANSWERED, ST_EV_LAST,
	/* journal_report.c */
	ST_LEADS, ST_REVIEW_SPANS,
	ST_N
};

/* Each file's statements, by id; NULL where another file's. */
extern const char *const jp_core_sql[ST_N];
extern const char *const jp_decide_sql[ST_N];
extern const char *const jp_route_sql[ST_N];
extern const char *const jp_sla_sql[ST_N];
extern const char *const jp_report_sql[ST_N];

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
	dev_t dev;			/* PATH as opened (journal_intact()) */
	ino_t ino;
	gboolean lost;			/* PATH gone, truncated or replaced:
					 * closed without a checkpoint */
};

/* Log what failed and tell the caller what to do about it. */
enum lr_status jp_db_fail(struct journal *j, int rc, const char *what);

/* Begin one change (write) or read; end it: commit when rc is LR_OK,
 * roll back otherwise (while deferred: keep it or undo it alone).
 * Returns the outcome. */
enum lr_status jp_tx_begin(struct journal *j, gboolean write);
enum lr_status jp_tx_end(struct journal *j, enum lr_status rc,
    gboolean write);

/* Index of s in names, or -1. */
int jp_name_index(const char *const *names, int n, const char *s);
/* A message state as the journal stores it, and back. */
const char *jp_state_name(enum journal_state s);
enum journal_state jp_col_state(sqlite3_stmt *st, int i);
/*
 * A decision kind as the journal stores it: bind k's name; read column
 * i into *k, FALSE (logged, naming message id) when the text is no kind
 * a decision can have (a newer leadroute's, or a damaged journal).
 */
gboolean jp_kind_stored(enum dest_kind k);
void jp_bind_kind(sqlite3_stmt *st, int i, enum dest_kind k);
gboolean jp_col_kind(sqlite3_stmt *st, int i, gint64 id, enum dest_kind *k);

/*
 * The rows a query returns, read into a list before any is handed out,
 * so that callbacks run with no statement or transaction open and may
 * write. from_row returns NULL for a row it cannot read (it logs why):
 * that is LR_FATAL. NULL (with *rc set) on an error.
 */
GPtrArray *jp_collect_rows(struct journal *j, sqlite3_stmt *st,
    gpointer (*from_row)(sqlite3_stmt *), GDestroyNotify free_fn,
    const char *what, enum lr_status *rc);

/* The message's row inside a transaction; LR_FATAL when unknown. */
enum lr_status jp_msg_load(struct journal *j, gint64 id, const char *fn,
    struct journal_message **out);
enum lr_status jp_msg_set_state(struct journal *j, gint64 id,
    enum journal_state s);
/* An event row (id 0: about no message). */
enum lr_status jp_event_add(struct journal *j, gint64 id, const char *kind,
    const char *detail, gint64 now);

/* A misuse by the caller: a NULL argument, an unknown id. */
static inline enum lr_status
misuse(const char *fn, const char *what)
{
	log_warnx("journal: %s: %s", fn, what);
	return LR_FATAL;
}

static inline gboolean
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* The cached statement id, ready for binding. */
static inline sqlite3_stmt *
stmt(struct journal *j, enum st id)
{
	sqlite3_reset(j->st[id]);
	sqlite3_clear_bindings(j->st[id]);
	return j->st[id];
}

static inline void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* A time or count where 0 means none. */
static inline void
bind_opt(sqlite3_stmt *st, int i, gint64 v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Run a statement that returns no row. */
static inline enum lr_status
run(struct journal *j, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		return jp_db_fail(j, rc, what);
	return LR_OK;
}

/* Step a query: *has TRUE when a row is there. */
static inline enum lr_status
row(struct journal *j, sqlite3_stmt *st, gboolean *has, const char *what)
{
	int rc = sqlite3_step(st);

	*has = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return jp_db_fail(j, rc, what);
	return LR_OK;
}

/* A column where NULL means 0 (a time or count). */
static inline gint64
col_opt(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 :
	    sqlite3_column_int64(st, i);
}

/* A text column, owned; NULL for NULL. */
static inline char *
col_dup(sqlite3_stmt *st, int i)
{
	return g_strdup((const char *)sqlite3_column_text(st, i));
}

#endif
