/*
 * test_journal.c: the journal (spec section 8): open and lock, durability
 * settings, schema versions and migration, messages seen once, again and
 * as duplicates, decisions, deliveries with backoff, attempts up to
 * Failed, resume after a stop, events, rotation and load counters, the
 * stop-after-N-commits hook, and bad inputs. Each test gets a fresh
 * directory; the clock is fixed at T0.
 */
#include "testlib.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "journal_route.h"
#include "journal_sla.h"
#include "log.h"
#include "rules.h"

#define T0	G_GINT64_CONSTANT(1772445600)	/* 2026-03-02 10:00 UTC */
#define BOX	"INBOX"

struct fx {
	char *dir;		/* owned; removed at teardown */
	char *path;		/* owned: dir/journal.db */
	struct journal *j;	/* owned; NULL when closed */
};

static int
setup(void **state)
{
	struct fx *f = g_new0(struct fx, 1);
	GError *err = NULL;

	f->dir = g_dir_make_tmp("test_journal-XXXXXX", &err);
	assert_null(err);
	f->path = g_build_filename(f->dir, "journal.db", NULL);
	f->j = journal_open(f->path, &err);
	assert_null(err);
	assert_non_null(f->j);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	journal_close(f->j);
	assert_true(test_rmdir(f->dir));
	g_free(f->path);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static void
reopen(struct fx *f)
{
	GError *err = NULL;

	journal_close(f->j);
	f->j = journal_open(f->path, &err);
	assert_null(err);
	assert_non_null(f->j);
}

/* A new message with key; returns its id. */
static gint64
seen_new(struct journal *j, const char *key, guint32 uid)
{
	gint64 id = 0;
	enum journal_state st;
	enum journal_seen seen;

	assert_int_equal(journal_message_seen(j, key, BOX, 7, uid, 1234,
	    T0 - 60, T0, &id, &st, &seen), LR_OK);
	assert_int_equal(seen, JOURNAL_SEEN_NEW);
	assert_int_equal(st, JMSG_FETCHED);
	assert_true(id > 0);
	return id;
}

/* One integer from a query on a separate connection. */
static gint64
sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	gint64 v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/*
 * A journal left at schema version `version`, as an agent of that time
 * left it: a child opens it with the stop hook at `version` commits, so
 * it stops right after the migration to that version.
 */
static void
journal_at(const char *path, int version)
{
	char *n = g_strdup_printf("%d", version);
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		g_setenv(JOURNAL_STOP_ENV, n, TRUE);
		journal_close(journal_open(path, NULL));
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), JOURNAL_STOP_STATUS);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), version);
	g_free(n);
}

/* The connection SQLite opened last in this process (an auto extension
 * sees each new one): the journal's own, to read its settings. */
static sqlite3 *last_db;

static int
note_db(sqlite3 *db, const char **msg, const struct sqlite3_api_routines *api)
{
	(void)msg;
	(void)api;
	last_db = db;
	return SQLITE_OK;
}

static const struct journal_credit DANA_CREDITS[] = {
	{ "dana", -1 }, { "erik", 1 },
};

static const struct journal_decision DANA = {
	.kind = DEST_TEAM, .dest_id = "emea", .owner = "dana",
	.folder = "Leads/Owners/dana", .reason = "enterprise in EMEA",
	.route_line = 17, .dims_json = "{\"offer\":\"enterprise\"}",
	.lead_email = "ann@example.com", .lead_json = "{\"company\":\"Acme\"}",
	.lead_domain = "example.com",
	.team = "emea", .owner_day = "2026-03-02",
	.credits = DANA_CREDITS, .ncredits = G_N_ELEMENTS(DANA_CREDITS),
};

static const struct journal_decision REVIEW = {
	.kind = DEST_REVIEW, .folder = "Leads/Review", .reason = "no route",
};

/* --- open, lock, settings, versions ---------------------------------- */

static void
test_open_close(void **state)
{
	struct fx *f = *state;
	char *lock = g_strconcat(f->path, ".lock", NULL);
	char *text = NULL, *pid = g_strdup_printf("%ld\n", (long)getpid());

	assert_int_equal(sql_int(f->path, "PRAGMA user_version"),
	    JOURNAL_VERSION);
	assert_true(g_file_get_contents(lock, &text, NULL, NULL));
	assert_string_equal(text, pid);
	journal_close(f->j);
	f->j = NULL;
	journal_close(NULL);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"),
	    JOURNAL_VERSION);
	reopen(f);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"),
	    JOURNAL_VERSION);
	g_free(text);
	g_free(pid);
	g_free(lock);
}

static void
test_pragmas(void **state)
{
	static const struct {
		const char *name, *want;
	} t[] = {
		{ "journal_mode", "wal" },
		{ "synchronous", "2" },		/* FULL */
		{ "foreign_keys", "1" },
		{ "busy_timeout", "5000" },
		{ "user_version", G_STRINGIFY(JOURNAL_VERSION) },
	};
	struct fx *f = *state;

	last_db = NULL;	/* reopened: the journal's connection is new */
	assert_int_equal(sqlite3_auto_extension((void (*)(void))note_db),
	    SQLITE_OK);
	reopen(f);
	sqlite3_cancel_auto_extension((void (*)(void))note_db);
	assert_non_null(last_db);
	for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
		char *sql = g_strconcat("PRAGMA ", t[i].name, NULL);
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(last_db, sql, -1, &st,
		    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
		    t[i].want);
		sqlite3_finalize(st);
		g_free(sql);
	}
}

static void
test_lock(void **state)
{
	struct fx *f = *state;
	GError *err = NULL;
	struct journal *j2 = journal_open(f->path, &err);
	char *lock = g_strconcat(f->path, ".lock", NULL);
	char *pid = g_strdup_printf("pid %ld ", (long)getpid());

	assert_null(j2);
	assert_non_null(err);
	assert_true(g_error_matches(err, JOURNAL_ERROR, LR_TEMPFAIL));
	assert_non_null(strstr(err->message, "in use by another leadroute"));
	assert_non_null(strstr(err->message, lock));
	assert_non_null(strstr(err->message, pid));
	g_clear_error(&err);
	journal_close(f->j);
	f->j = NULL;
	j2 = journal_open(f->path, &err);
	assert_null(err);
	assert_non_null(j2);
	f->j = j2;
	g_free(pid);
	g_free(lock);
}

static void
test_bad_open(void **state)
{
	struct fx *f = *state;
	char *garbage = g_build_filename(f->dir, "garbage.db", NULL);
	char *subdir = g_build_filename(f->dir, "no", "such", "j.db", NULL);
	const struct {
		const char *path;
		const char *want;
	} t[] = {
		{ NULL, "no path" },
		{ "", "no path" },
		{ subdir, "cannot create lock file" },
		{ garbage, "not a database" },
	};
	GError *err = NULL;

	assert_true(g_file_set_contents(garbage, "this is no SQLite file, "
	    "not even close; it just goes on long enough to fill a header "
	    "page of one hundred bytes.", -1, NULL));
	for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
		assert_null(journal_open(t[i].path, &err));
		assert_non_null(err);
		assert_non_null(strstr(err->message, t[i].want));
		if (t[i].path != NULL && *t[i].path != '\0')
			assert_non_null(strstr(err->message, t[i].path));
		g_clear_error(&err);
	}
	g_free(garbage);
	g_free(subdir);
}

/*
 * A journal damaged on disk (attack review: an index page emptied, so a
 * message routed before looked new and was forwarded again) is refused
 * at open, with what to do.
 */
static void
test_damaged(void **state)
{
	struct fx *f = *state;
	GError *err = NULL;
	gint64 root, size;
	guint8 *page;
	FILE *fp;

	for (guint32 i = 1; i <= 300; i++) {
		char *key = g_strdup_printf("<m%u.with.a.longer.key@example.com>",
		    i);

		seen_new(f->j, key, i);
		g_free(key);
	}
	journal_close(f->j);
	f->j = NULL;
	root = sql_int(f->path, "SELECT rootpage FROM sqlite_master WHERE "
	    "type = 'index' AND tbl_name = 'messages' LIMIT 1");
	size = sql_int(f->path, "PRAGMA page_size");
	assert_true(root > 1 && size >= 512);
	page = g_malloc0((gsize)size);
	page[0] = 0x0a;		/* an index leaf page without a cell */
	fp = fopen(f->path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, (long)((root - 1) * size), SEEK_SET), 0);
	assert_int_equal(fwrite(page, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	g_free(page);
	assert_null(journal_open(f->path, &err));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "damaged"));
	assert_non_null(strstr(err->message, "--adopt"));
	g_clear_error(&err);
	/* read only (a dry run, report, owners): the same */
	assert_null(journal_open_readonly(f->path, &err));
	assert_non_null(err);
	assert_int_equal(err->code, LR_CONFIG);
	assert_non_null(strstr(err->message, "damaged"));
	g_clear_error(&err);
}

static void
test_migration(void **state)
{
	static const char has_index[] = "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'index' AND name = 'deliveries_due'";
	struct fx *f = *state;
	char *p1 = g_build_filename(f->dir, "v1.db", NULL);
	GError *err = NULL;
	struct journal *j;
	gint64 id;

	/* A journal left at version 1, with a message in it. */
	journal_at(p1, 1);
	sql_exec(p1, "INSERT INTO messages (message_key, mailbox, uidvalidity,"
	    " uid, size, received_at, fetched_at, attempts) VALUES"
	    " ('<old@example.com>', 'INBOX', 7, 1, 1234, 1, 2, 1)");
	id = sql_int(p1, "SELECT id FROM messages");
	assert_int_equal(sql_int(p1, has_index), 0);

	/* Opening migrates it and keeps the data. */
	j = journal_open(p1, &err);
	assert_null(err);
	assert_int_equal(sql_int(p1, "PRAGMA user_version"), JOURNAL_VERSION);
	assert_int_equal(journal_record_decision(j, id, &REVIEW, T0), LR_OK);
	journal_close(j);
	assert_int_equal(sql_int(p1, "PRAGMA user_version"), JOURNAL_VERSION);
	assert_int_equal(sql_int(p1, "SELECT count(*) FROM pragma_table_info("
	    "'deliveries') WHERE name = 'payload'"), 1);
	assert_int_equal(sql_int(p1, has_index), 1);
	assert_int_equal(sql_int(p1, "SELECT count(*) FROM decisions"), 1);
	assert_int_equal(sql_int(p1, "SELECT count(*) FROM pragma_table_info("
	    "'rotation') WHERE name = 'credit'"), 1);
	assert_int_equal(sql_int(p1, "SELECT count(*) FROM pragma_table_info("
	    "'decisions') WHERE name = 'lead_domain'"), 1);

	/* 5 -> 6 places each lead where its decision stands: a review lead
	 * since its last move there, else its filing, else its decision */
	{
		char *p5 = g_build_filename(f->dir, "v5.db", NULL);

		journal_at(p5, 5);
		sql_exec(p5, "INSERT INTO messages (message_key, mailbox,"
		    " uidvalidity, uid, size, fetched_at) VALUES"
		    " ('<a5@x>', 'INBOX', 7, 1, 1, 1), ('<b5@x>', 'INBOX', 7, 2,"
		    " 1, 1), ('<c5@x>', 'INBOX', 7, 3, 1, 1);"
		    "UPDATE messages SET filed_at = 100 WHERE id IN (1, 2);"
		    "INSERT INTO decisions (message_id, decided_at, kind, folder)"
		    " VALUES (1, 90, 'review', 'R'), (2, 95, 'team', 'T'),"
		    " (3, 300, 'review', 'R');"
		    "INSERT INTO events (at, message_id, kind) VALUES"
		    " (150, 1, 'moved'), (200, 1, 'to-review'),"
		    " (120, 2, 'moved');");
		j = journal_open(p5, &err);
		assert_null(err);
		journal_close(j);
		assert_int_equal(sql_int(p5, "SELECT count(*) FROM placements"),
		    3);
		assert_int_equal(sql_int(p5, "SELECT at FROM placements WHERE "
		    "message_id = 1 AND kind = 'review'"), 200);
		assert_int_equal(sql_int(p5, "SELECT at FROM placements WHERE "
		    "message_id = 2 AND kind = 'team'"), 100);
		assert_int_equal(sql_int(p5, "SELECT at FROM placements WHERE "
		    "message_id = 3 AND kind = 'review'"), 300);
		g_free(p5);
	}

	/* A version newer than this code is refused. */
	sql_exec(p1, "PRAGMA user_version = 99");
	assert_null(journal_open(p1, &err));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "schema version 99"));
	g_clear_error(&err);
	g_free(p1);
}

/* --- messages --------------------------------------------------------- */

static void
test_seen(void **state)
{
	static const struct {
		const char *key, *mailbox;
		guint32 uidvalidity, uid;
		enum journal_seen seen;
		guint attempts, events;
	} t[] = {
		{ "<a@x>", BOX, 7, 10, JOURNAL_SEEN_NEW, 1, 0 },
		{ "<a@x>", BOX, 7, 10, JOURNAL_SEEN_AGAIN, 2, 0 },
		{ "<a@x>", BOX, 7, 11, JOURNAL_SEEN_DUPLICATE, 2, 1 },
		{ "<a@x>", BOX, 7, 11, JOURNAL_SEEN_DUPLICATE, 2, 1 },
		{ "<a@x>", "Other", 7, 10, JOURNAL_SEEN_DUPLICATE, 2, 2 },
		{ "<a@x>", BOX, 8, 3, JOURNAL_SEEN_AGAIN, 3, 2 },
		{ "sha256:0123abcd", BOX, 8, 4, JOURNAL_SEEN_NEW, 1, 2 },
	};
	struct fx *f = *state;
	struct journal_message *m;
	enum journal_state st;
	enum journal_seen seen;
	gint64 id, first = 0;

	for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
		assert_int_equal(journal_message_seen(f->j, t[i].key,
		    t[i].mailbox, t[i].uidvalidity, t[i].uid, 500, T0 - 9,
		    T0 + i, &id, &st, &seen), LR_OK);
		assert_int_equal(seen, t[i].seen);
		assert_int_equal(st, JMSG_FETCHED);
		if (first == 0)
			first = id;
		assert_true(t[i].seen == JOURNAL_SEEN_NEW ? id != first || i == 0
		    : id == first);
		assert_int_equal(journal_message_get(f->j, id, &m), LR_OK);
		assert_string_equal(m->key, t[i].key);
		assert_int_equal(m->attempts, t[i].attempts);
		assert_int_equal(m->fetched_at, t[i].seen == JOURNAL_SEEN_NEW ?
		    T0 + i : T0);
		journal_message_free(m);
		assert_int_equal(sql_int(f->path, "SELECT count(*) FROM events"),
		    t[i].events);
	}
	/* A new uidvalidity moved the first message to its new uid. */
	assert_int_equal(journal_message_get(f->j, first, &m), LR_OK);
	assert_int_equal(m->uidvalidity, 8);
	assert_int_equal(m->uid, 3);
	assert_int_equal(m->received_at, T0 - 9);
	assert_string_equal(m->mailbox, BOX);
	journal_message_free(m);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 2);
}

static void
test_seen_bad(void **state)
{
	struct fx *f = *state;
	char *longkey = g_strnfill(JOURNAL_KEY_MAX + 1, 'k');
	enum journal_state st;
	enum journal_seen seen;
	struct journal_message *m;
	gint64 id;

	assert_int_equal(journal_message_seen(f->j, NULL, BOX, 1, 1, 1, 0, T0,
	    &id, &st, &seen), LR_FATAL);
	assert_int_equal(journal_message_seen(f->j, "", BOX, 1, 1, 1, 0, T0,
	    &id, &st, &seen), LR_FATAL);
	assert_int_equal(journal_message_seen(f->j, "<k@x>", NULL, 1, 1, 1, 0,
	    T0, &id, &st, &seen), LR_FATAL);
	assert_int_equal(journal_message_seen(f->j, "<k@x>", BOX, 1, 1, 1, 0,
	    T0, NULL, &st, &seen), LR_FATAL);
	assert_int_equal(journal_message_seen(NULL, "<k@x>", BOX, 1, 1, 1, 0,
	    T0, &id, &st, &seen), LR_FATAL);
	assert_int_equal(journal_message_seen(f->j, longkey, BOX, 1, 1, 1, 0,
	    T0, &id, &st, &seen), LR_BADMSG);
	assert_int_equal(journal_message_get(f->j, 999, &m), LR_FATAL);
	assert_null(m);
	/* No Date: received_at is 0. */
	id = seen_new(f->j, "<k@x>", 1);
	assert_int_equal(journal_message_seen(f->j, "<nodate@x>", BOX, 1, 2,
	    1, 0, T0, &id, &st, &seen), LR_OK);
	assert_int_equal(journal_message_get(f->j, id, &m), LR_OK);
	assert_int_equal(m->received_at, 0);
	journal_message_free(m);
	g_free(longkey);
}

static void
test_decision(void **state)
{
	struct fx *f = *state;
	struct journal_decision *d, other = DANA;
	struct journal_message *m;
	gint64 id = seen_new(f->j, "<lead@x>", 1), id2;
	struct journal_rotation rot;
	guint count;

	assert_int_equal(journal_decision_get(f->j, id, &d), LR_FATAL);
	assert_null(d);
	assert_int_equal(journal_record_decision(f->j, id, &DANA, T0 + 5),
	    LR_OK);
	assert_int_equal(journal_decision_get(f->j, id, &d), LR_OK);
	assert_int_equal(d->kind, DEST_TEAM);
	assert_string_equal(d->dest_id, "emea");
	assert_string_equal(d->owner, "dana");
	assert_string_equal(d->folder, "Leads/Owners/dana");
	assert_string_equal(d->reason, "enterprise in EMEA");
	assert_int_equal(d->route_line, 17);
	assert_string_equal(d->dims_json, DANA.dims_json);
	assert_string_equal(d->lead_email, "ann@example.com");
	assert_string_equal(d->lead_json, DANA.lead_json);
	assert_null(d->team);
	assert_int_equal(d->decided_at, T0 + 5);
	journal_decision_free(d);
	assert_int_equal(journal_message_get(f->j, id, &m), LR_OK);
	assert_int_equal(m->state, JMSG_DECIDED);
	journal_message_free(m);

	/* Counters moved with it, once: a second decision is ignored. */
	other.owner = "erik";
	assert_int_equal(journal_record_decision(f->j, id, &other, T0 + 6),
	    LR_OK);
	assert_int_equal(journal_decision_get(f->j, id, &d), LR_OK);
	assert_string_equal(d->owner, "dana");
	journal_decision_free(d);
	assert_int_equal(journal_rotation_get(f->j, "emea", "dana", &rot),
	    LR_OK);
	assert_int_equal(rot.count, 1);
	assert_int_equal(rot.last_at, T0 + 5);
	assert_int_equal(rot.credit, -1);
	assert_int_equal(journal_rotation_get(f->j, "emea", "erik", &rot),
	    LR_OK);
	assert_int_equal(rot.count, 0);
	assert_int_equal(rot.credit, 1);
	assert_int_equal(journal_owner_load(f->j, "dana", "2026-03-02",
	    &count), LR_OK);
	assert_int_equal(count, 1);

	/* A decision without counters; then bad ones. */
	id2 = seen_new(f->j, "<lead2@x>", 2);
	assert_int_equal(journal_record_decision(f->j, id2, &REVIEW, T0),
	    LR_OK);
	assert_int_equal(journal_decision_get(f->j, id2, &d), LR_OK);
	assert_null(d->owner);
	assert_null(d->dest_id);
	assert_int_equal(d->route_line, 0);
	journal_decision_free(d);
	assert_int_equal(journal_record_decision(f->j, 999, &REVIEW, T0),
	    LR_FATAL);
	other = REVIEW;
	other.folder = NULL;
	assert_int_equal(journal_record_decision(f->j, id2, &other, T0),
	    LR_FATAL);
	assert_int_equal(journal_record_decision(f->j, id2, NULL, T0),
	    LR_FATAL);
	other = REVIEW;
	other.kind = DEST_ACCOUNT_OWNER;	/* never a decision's */
	assert_int_equal(journal_record_decision(f->j, id2, &other, T0),
	    LR_FATAL);

	/* An owner's reply is a kind of its own; a kind this code does not
	 * know (a newer leadroute's) is an error, not a guess. */
	other = REVIEW;
	other.kind = DEST_REPLY;
	id2 = seen_new(f->j, "<reply@x>", 3);
	assert_int_equal(journal_record_decision(f->j, id2, &other, T0),
	    LR_OK);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM decisions "
	    "WHERE kind = 'reply'"), 1);
	assert_int_equal(journal_decision_get(f->j, id2, &d), LR_OK);
	assert_int_equal(d->kind, DEST_REPLY);
	journal_decision_free(d);
	sql_exec(f->path, "UPDATE decisions SET kind = 'shadow' WHERE "
	    "kind = 'reply'");
	assert_int_equal(journal_decision_get(f->j, id2, &d), LR_FATAL);
	assert_null(d);
}

/* --- deliveries ------------------------------------------------------- */

struct seen_dlv {
	guint n;
	enum chan_id channel[8];
	enum journal_dstate state[8];
	guint attempts[8];
	gint64 next[8];
	gint64 sent_at[8];
	char payload[8][32];
};

static enum lr_status
collect(const struct journal_delivery *dl, void *ctx)
{
	struct seen_dlv *s = ctx;

	assert_true(s->n < G_N_ELEMENTS(s->channel));
	s->channel[s->n] = dl->channel;
	s->state[s->n] = dl->state;
	s->attempts[s->n] = dl->attempts;
	s->next[s->n] = dl->next_attempt_at;
	s->sent_at[s->n] = dl->sent_at;
	g_strlcpy(s->payload[s->n], dl->payload ? dl->payload : "",
	    sizeof s->payload[0]);
	s->n++;
	return LR_OK;
}

static guint
due(struct journal *j, gint64 now, struct seen_dlv *s)
{
	memset(s, 0, sizeof *s);
	assert_int_equal(journal_deliveries_due(j, now, collect, s), LR_OK);
	return s->n;
}

static void
test_deliveries(void **state)
{
	struct fx *f = *state;
	gint64 id = seen_new(f->j, "<lead@x>", 1);
	struct journal_message *m;
	struct seen_dlv s;

	assert_int_equal(journal_record_decision(f->j, id, &DANA, T0), LR_OK);
	for (int round = 0; round < 2; round++) {	/* planning is idempotent */
		assert_int_equal(journal_delivery_plan(f->j, id, CHAN_FORWARD,
		    "dana@example.com", "<lr.1@leadroute>", NULL, T0), LR_OK);
		assert_int_equal(journal_delivery_plan(f->j, id, CHAN_SLACK,
		    "#leads", NULL, round ? "{\"text\":\"later\"}" :
		    "{\"text\":\"first\"}", T0), LR_OK);
		assert_int_equal(journal_delivery_plan(f->j, id, CHAN_WEBHOOK,
		    "crm", NULL, NULL, T0 + round), LR_OK);
	}
	assert_int_equal(due(f->j, T0 - 1, &s), 0);
	assert_int_equal(due(f->j, T0, &s), 3);
	assert_int_equal(s.channel[0], CHAN_FORWARD);
	assert_string_equal(s.payload[0], "");
	/* the first plan's payload stays */
	assert_string_equal(s.payload[1], "{\"text\":\"first\"}");
	assert_int_equal(s.channel[2], CHAN_WEBHOOK);

	/* smtp: intent, a temporary failure, due again 60 s later. */
	assert_int_equal(journal_delivery_start(f->j, id, CHAN_FORWARD,
	    "dana@example.com"), LR_OK);
	assert_int_equal(due(f->j, T0, &s), 3);
	assert_int_equal(s.state[0], JDLV_SENDING);
	assert_int_equal(journal_delivery_failed(f->j, id, CHAN_FORWARD,
	    "dana@example.com", "451 try later", FALSE, T0 + 60, T0), LR_OK);
	assert_int_equal(due(f->j, T0, &s), 2);
	assert_int_equal(due(f->j, T0 + 60, &s), 3);
	assert_int_equal(s.channel[2], CHAN_FORWARD);
	assert_int_equal(s.attempts[2], 1);
	assert_int_equal(s.state[2], JDLV_PENDING);

	/* slack fails for good; the webhook and smtp succeed. */
	assert_int_equal(journal_delivery_failed(f->j, id, CHAN_SLACK,
	    "#leads", "channel_not_found", TRUE, 0, T0 + 1), LR_OK);
	assert_int_equal(journal_delivery_done(f->j, id, CHAN_WEBHOOK, "crm",
	    T0 + 2), LR_OK);
	assert_int_equal(journal_message_get(f->j, id, &m), LR_OK);
	assert_int_equal(m->state, JMSG_DECIDED);	/* smtp not sent yet */
	journal_message_free(m);
	assert_int_equal(journal_delivery_done(f->j, id, CHAN_FORWARD,
	    "dana@example.com", T0 + 61), LR_OK);
	assert_int_equal(journal_message_get(f->j, id, &m), LR_OK);
	assert_int_equal(m->state, JMSG_DELIVERED);
	journal_message_free(m);
	assert_int_equal(due(f->j, T0 + 1000, &s), 0);

	/* Done twice keeps the first time; a late failure keeps it sent. */
	assert_int_equal(journal_delivery_done(f->j, id, CHAN_FORWARD,
	    "dana@example.com", T0 + 99), LR_OK);
	assert_int_equal(journal_delivery_failed(f->j, id, CHAN_FORWARD,
	    "dana@example.com", "late", FALSE, T0 + 500, T0 + 99), LR_OK);
	memset(&s, 0, sizeof s);
	assert_int_equal(journal_message_deliveries(f->j, id, collect, &s),
	    LR_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.state[0], JDLV_SENT);
	assert_int_equal(s.sent_at[0], T0 + 61);
	assert_int_equal(s.state[1], JDLV_FAILED_PERMANENT);
	assert_int_equal(s.attempts[1], 1);
	assert_int_equal(s.state[2], JDLV_SENT);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM deliveries "
	    "WHERE state = 'sent'"), 2);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM deliveries "
	    "WHERE state = 'failed_permanent'"), 1);
}

/* Deferred commits: invisible to others until the flush, one commit for
 * all; a failing change undoes itself only. */
static void
test_defer(void **state)
{
	struct fx *f = *state;
	struct journal_decision *d = NULL;
	struct journal_message *m = NULL;
	gint64 a, b;

	assert_int_equal(journal_flush(f->j), LR_OK);	/* nothing held */
	assert_int_equal(journal_defer(f->j, TRUE), LR_OK);
	a = seen_new(f->j, "<a@x>", 1);
	assert_int_equal(journal_record_decision(f->j, a, &DANA, T0), LR_OK);
	assert_int_equal(journal_record_decision(f->j, 999, &DANA, T0),
	    LR_FATAL);
	b = seen_new(f->j, "<b@x>", 2);
	/* our own reads see what is held; another connection does not */
	assert_int_equal(journal_decision_get(f->j, a, &d), LR_OK);
	journal_decision_free(d);
	assert_int_equal(journal_message_get(f->j, b, &m), LR_OK);
	journal_message_free(m);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 0);
	assert_int_equal(journal_flush(f->j), LR_OK);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 2);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM decisions"), 1);
	/* turning it off flushes */
	assert_int_equal(journal_record_decision(f->j, b, &REVIEW, T0), LR_OK);
	assert_int_equal(journal_defer(f->j, FALSE), LR_OK);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM decisions"), 2);
	/* and each change commits on its own again */
	(void)seen_new(f->j, "<c@x>", 3);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 3);
}

static void
test_decision_to_review(void **state)
{
	struct fx *f = *state;
	gint64 id = seen_new(f->j, "<lead@x>", 1);
	struct journal_decision *d = NULL;

	assert_int_equal(journal_decision_to_review(f->j, id, "Leads/Review",
	    "forward to dana: 550 no such user", T0), LR_FATAL);
	assert_int_equal(journal_record_decision(f->j, id, &DANA, T0), LR_OK);
	assert_int_equal(journal_decision_to_review(f->j, id, "Leads/Review",
	    "forward to dana: 550 no such user", T0 + 1), LR_OK);
	assert_int_equal(journal_decision_get(f->j, id, &d), LR_OK);
	assert_int_equal(d->kind, DEST_REVIEW);
	assert_null(d->owner);
	assert_null(d->dest_id);
	assert_string_equal(d->folder, "Leads/Review");
	assert_string_equal(d->reason, "forward to dana: 550 no such user");
	journal_decision_free(d);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM events"), 1);
	assert_int_equal(journal_decision_to_review(f->j, id, NULL, "x", T0),
	    LR_FATAL);
}

static void
test_backoff(void **state)
{
	/* The caller's schedule; the journal keeps it and the count. */
	static const gint64 next[] = { 30, 90, 210, 450, 930 };
	struct fx *f = *state;
	gint64 id = seen_new(f->j, "<lead@x>", 1), now = T0;
	struct seen_dlv s;

	assert_int_equal(journal_record_decision(f->j, id, &REVIEW, T0), LR_OK);
	assert_int_equal(journal_delivery_plan(f->j, id, CHAN_WEBHOOK,
	    "https://crm.example/hook", NULL, NULL, T0), LR_OK);
	for (guint i = 0; i < G_N_ELEMENTS(next); i++) {
		assert_int_equal(due(f->j, now, &s), 1);
		assert_int_equal(journal_delivery_failed(f->j, id,
		    CHAN_WEBHOOK, "https://crm.example/hook", "HTTP 503",
		    FALSE, T0 + next[i], now), LR_OK);
		assert_int_equal(due(f->j, T0 + next[i] - 1, &s), 0);
		assert_int_equal(due(f->j, T0 + next[i], &s), 1);
		assert_int_equal(s.attempts[0], i + 1);
		assert_int_equal(s.next[0], T0 + next[i]);
		now = T0 + next[i];
	}
}

static void
test_deliveries_bad(void **state)
{
	struct fx *f = *state;
	gint64 id = seen_new(f->j, "<lead@x>", 1);

	assert_int_equal(journal_delivery_plan(f->j, 999, CHAN_FORWARD, "a@b",
	    NULL, NULL, T0), LR_FATAL);
	assert_int_equal(journal_delivery_plan(f->j, id, CHAN_FORWARD, "",
	    NULL, NULL, T0), LR_FATAL);
	assert_int_equal(journal_delivery_plan(f->j, id, CHAN_N, "a@b",
	    NULL, NULL, T0), LR_FATAL);
	assert_int_equal(journal_delivery_done(f->j, id, CHAN_FORWARD, "a@b",
	    T0), LR_FATAL);
	assert_int_equal(journal_delivery_start(f->j, id, CHAN_SLACK, "#x"),
	    LR_FATAL);
	assert_int_equal(journal_delivery_failed(f->j, id, CHAN_FORWARD, "a@b",
	    "x", FALSE, T0, T0), LR_FATAL);
	assert_int_equal(journal_delivery_plan(f->j, id, CHAN_FORWARD, "a@b",
	    NULL, NULL, T0), LR_OK);
	assert_int_equal(journal_delivery_failed(f->j, id, CHAN_FORWARD, "a@b",
	    NULL, FALSE, T0, T0), LR_FATAL);
	assert_int_equal(journal_deliveries_due(f->j, T0, NULL, NULL),
	    LR_FATAL);
}

/* --- attempts, filing, resume ------------------------------------------ */

static void
test_attempts(void **state)
{
	struct fx *f = *state;
	gint64 id, id2;
	enum journal_state st;
	enum journal_seen seen;
	struct journal_message *m;

	/* A message that stops the agent each time: fetched four times. */
	id2 = seen_new(f->j, "<crash@x>", 2);
	for (guint i = 2; i <= JOURNAL_MAX_ATTEMPTS + 1; i++) {
		assert_int_equal(journal_message_seen(f->j, "<crash@x>", BOX, 7,
		    2, 1234, 0, T0, &id, &st, &seen), LR_OK);
		assert_int_equal(id, id2);
		assert_int_equal(seen, JOURNAL_SEEN_AGAIN);
		assert_int_equal(st, i <= JOURNAL_MAX_ATTEMPTS ? JMSG_FETCHED :
		    JMSG_FAILED);
		assert_int_equal(journal_message_get(f->j, id2, &m), LR_OK);
		assert_int_equal(m->attempts, MIN(i, JOURNAL_MAX_ATTEMPTS));
		journal_message_free(m);
	}
	assert_int_equal(journal_message_get(f->j, id2, &m), LR_OK);
	assert_int_equal(m->state, JMSG_FAILED);
	assert_non_null(strstr(m->last_error, "gave up after 3 attempts"));
	journal_message_free(m);
	/* filed into Failed it stays failed, and says where */
	assert_int_equal(journal_message_filed(f->j, id2, "Leads/Failed",
	    T0 + 9), LR_OK);
	assert_int_equal(journal_message_get(f->j, id2, &m), LR_OK);
	assert_int_equal(m->state, JMSG_FAILED);
	assert_string_equal(m->folder, "Leads/Failed");
	assert_int_equal(m->filed_at, T0 + 9);
	journal_message_free(m);
	/* and it cannot be decided any more */
	assert_int_equal(journal_record_decision(f->j, id2, &REVIEW, T0),
	    LR_FATAL);
}

static enum lr_status
collect_ids(const struct journal_message *m, void *ctx)
{
	g_array_append_val((GArray *)ctx, m->id);
	return LR_OK;
}

static enum lr_status
stop_walk(const struct journal_message *m, void *ctx)
{
	(void)m;
	(void)ctx;
	return LR_TEMPFAIL;
}

static void
test_resume(void **state)
{
	struct fx *f = *state;
	gint64 fetched = seen_new(f->j, "<1@x>", 1);
	gint64 decided = seen_new(f->j, "<2@x>", 2);
	gint64 delivered = seen_new(f->j, "<3@x>", 3);
	gint64 filed = seen_new(f->j, "<4@x>", 4);
	gint64 failed = seen_new(f->j, "<5@x>", 5);
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	enum journal_state st;
	enum journal_seen seen;
	gint64 id;

	(void)fetched;
	assert_int_equal(journal_record_decision(f->j, decided, &DANA, T0),
	    LR_OK);
	assert_int_equal(journal_record_decision(f->j, delivered, &DANA, T0),
	    LR_OK);
	assert_int_equal(journal_delivery_plan(f->j, delivered, CHAN_FORWARD,
	    "dana@example.com", NULL, NULL, T0), LR_OK);
	assert_int_equal(journal_delivery_done(f->j, delivered, CHAN_FORWARD,
	    "dana@example.com", T0), LR_OK);
	assert_int_equal(journal_record_decision(f->j, filed, &REVIEW, T0),
	    LR_OK);
	assert_int_equal(journal_message_filed(f->j, filed, "Leads/Review",
	    T0), LR_OK);
	for (guint i = 0; i < JOURNAL_MAX_ATTEMPTS; i++)
		assert_int_equal(journal_message_seen(f->j, "<5@x>", BOX, 7, 5,
		    1, 0, T0, &id, &st, &seen), LR_OK);
	assert_int_equal(st, JMSG_FAILED);

	/* The agent stops here; the next one finds the unfinished work. */
	reopen(f);
	assert_int_equal(journal_pending_messages(f->j, collect_ids, ids),
	    LR_OK);
	assert_int_equal(ids->len, 3);
	assert_int_equal(g_array_index(ids, gint64, 0), decided);
	assert_int_equal(g_array_index(ids, gint64, 1), delivered);
	assert_int_equal(g_array_index(ids, gint64, 2), failed);
	assert_int_equal(journal_pending_messages(f->j, stop_walk, NULL),
	    LR_TEMPFAIL);
	assert_int_equal(journal_pending_messages(f->j, NULL, NULL), LR_FATAL);

	/* Seen again, a decided message says so: not decided twice. */
	assert_int_equal(journal_message_seen(f->j, "<2@x>", BOX, 7, 2, 1, 0,
	    T0 + 1, &id, &st, &seen), LR_OK);
	assert_int_equal(seen, JOURNAL_SEEN_AGAIN);
	assert_int_equal(st, JMSG_DECIDED);
	assert_int_equal(journal_message_filed(f->j, decided,
	    "Leads/Owners/dana", T0 + 2), LR_OK);
	assert_int_equal(journal_message_filed(f->j, 999, "X", T0), LR_FATAL);
	assert_int_equal(journal_message_filed(f->j, decided, "", T0),
	    LR_FATAL);
	g_array_set_size(ids, 0);
	assert_int_equal(journal_pending_messages(f->j, collect_ids, ids),
	    LR_OK);
	assert_int_equal(ids->len, 2);
	g_array_free(ids, TRUE);
}

/* --- events and counters ------------------------------------------------ */

static void
test_events(void **state)
{
	struct fx *f = *state;
	gint64 id = seen_new(f->j, "<1@x>", 1);

	assert_int_equal(journal_event(f->j, id, "reassigned",
	    "from dana to erik", T0), LR_OK);
	assert_int_equal(journal_event(f->j, id, "escalated", NULL, T0),
	    LR_OK);
	assert_int_equal(journal_event(f->j, 0, "error", "imap: bye", T0),
	    LR_OK);
	assert_int_equal(journal_event(f->j, 999, "error", "x", T0),
	    LR_FATAL);
	assert_int_equal(journal_event(f->j, id, "", "x", T0), LR_FATAL);
	assert_int_equal(journal_event(f->j, id, NULL, "x", T0), LR_FATAL);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM events"), 3);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM events WHERE "
	    "message_id IS NULL AND kind = 'error'"), 1);
}

static enum lr_status
note_review(const struct journal_overdue *o, void *ctx)
{
	GPtrArray *seen = ctx;

	g_ptr_array_add(seen, g_strdup_printf("%s %" G_GINT64_FORMAT
	    " %s|%s|%s %s", o->key, o->since, o->email ? o->email : "-",
	    o->subject ? o->subject : "-", o->reason ? o->reason : "-",
	    o->escalated ? "escalated" : "-"));
	return LR_OK;
}

/* The review queue for the digest: filed review leads only, since their
 * last move into review, oldest first; the digest's own event. */
static void
test_review_open(void **state)
{
	struct fx *f = *state;
	struct journal_decision d = REVIEW;
	GPtrArray *seen = g_ptr_array_new_with_free_func(g_free);
	gint64 a, b, c, at;

	d.lead_email = "ann@example.com";
	d.lead_json = "{\"name\":\"Ann\",\"subject\":\"Quote please\"}";
	a = seen_new(f->j, "<a@x>", 1);
	assert_int_equal(journal_record_decision(f->j, a, &d, T0), LR_OK);
	assert_int_equal(journal_message_filed(f->j, a, "Leads/Review",
	    T0 + 10), LR_OK);
	d.lead_email = NULL;
	d.lead_json = "not json";
	b = seen_new(f->j, "<b@x>", 2);
	assert_int_equal(journal_record_decision(f->j, b, &d, T0), LR_OK);
	assert_int_equal(journal_message_filed(f->j, b, "Leads/Review",
	    T0 + 5), LR_OK);
	assert_int_equal(journal_event(f->j, b, "escalated", "to founder",
	    T0 + 50), LR_OK);
	assert_int_equal(journal_event(f->j, b, "moved", "back", T0 + 60),
	    LR_OK);
	c = seen_new(f->j, "<c@x>", 3);	/* decided, not filed yet */
	assert_int_equal(journal_record_decision(f->j, c, &d, T0), LR_OK);
	assert_int_equal(journal_record_decision(f->j, seen_new(f->j, "<d@x>",
	    4), &DANA, T0), LR_OK);
	assert_int_equal(journal_review_open(f->j, note_review, seen), LR_OK);
	assert_int_equal(seen->len, 2);
	assert_string_equal(g_ptr_array_index(seen, 0),
	    "<a@x> 1772445610 ann@example.com|Quote please|no route -");
	assert_string_equal(g_ptr_array_index(seen, 1),
	    "<b@x> 1772445660 -|-|no route escalated");

	assert_int_equal(journal_event_last(f->j, "digest", &at), LR_OK);
	assert_int_equal(at, 0);
	assert_int_equal(journal_event(f->j, 0, "digest", "to founder",
	    T0 + 100), LR_OK);
	assert_int_equal(journal_event(f->j, 0, "digest", "review empty",
	    T0 + 200), LR_OK);
	assert_int_equal(journal_event(f->j, a, "digest", "about a lead",
	    T0 + 300), LR_OK);
	assert_int_equal(journal_event_last(f->j, "digest", &at), LR_OK);
	assert_int_equal(at, T0 + 200);
	assert_int_equal(journal_event_last(f->j, "", &at), LR_FATAL);
	g_ptr_array_free(seen, TRUE);
}

/* The counters a decision moves: its team's rotation, its owner's day. */
static void
test_counters(void **state)
{
	static const struct {
		const char *team, *owner, *day;
		gint64 at;
		guint want;
	} t[] = {
		{ "emea", "dana", NULL, T0, 1 },
		{ "emea", "erik", NULL, T0 + 1, 1 },
		{ "emea", "dana", NULL, T0 + 2, 2 },
		{ "apac", "dana", NULL, T0 + 3, 1 },
		{ "emea", "dana", NULL, T0 + 4, 3 },
		{ NULL, "jo", "2026-03-02", T0, 0 },
		{ NULL, "jo", "2026-03-02", T0, 0 },
		{ NULL, "jo", "2026-03-03", T0, 0 },
	};
	struct fx *f = *state;
	struct journal_rotation rot;
	guint count;

	for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
		char *key = g_strdup_printf("<c%u@x>", i);
		struct journal_decision d = {
			.kind = t[i].team != NULL ? DEST_TEAM : DEST_OWNER,
			.dest_id = t[i].team != NULL ? t[i].team : t[i].owner,
			.owner = t[i].owner, .folder = "Leads/x",
			.team = t[i].team, .owner_day = t[i].day,
		};

		assert_int_equal(journal_record_decision(f->j,
		    seen_new(f->j, key, i + 1), &d, t[i].at), LR_OK);
		g_free(key);
		if (t[i].team == NULL)
			continue;
		assert_int_equal(journal_rotation_get(f->j, t[i].team,
		    t[i].owner, &rot), LR_OK);
		assert_int_equal(rot.count, t[i].want);
		assert_int_equal(rot.last_at, t[i].at);
	}
	assert_int_equal(journal_rotation_get(f->j, "emea", "fay", &rot),
	    LR_OK);
	assert_int_equal(rot.count, 0);
	assert_int_equal(rot.last_at, 0);
	assert_int_equal(journal_rotation_get(f->j, "emea", NULL, &rot),
	    LR_FATAL);

	assert_int_equal(journal_owner_load(f->j, "jo", "2026-03-02", &count),
	    LR_OK);
	assert_int_equal(count, 2);
	assert_int_equal(journal_owner_load(f->j, "jo", "2026-03-04", &count),
	    LR_OK);
	assert_int_equal(count, 0);
	assert_int_equal(journal_owner_load(f->j, "jo", NULL, &count),
	    LR_FATAL);

	/* a lead a person gives jo (the board) counts toward jo's day too */
	{
		struct journal_decision rv = { .kind = DEST_REVIEW,
		    .folder = "Leads/Review" };
		struct journal_decision mine = { .kind = DEST_OWNER,
		    .dest_id = "jo", .owner = "jo", .folder = "Leads/Owners/jo",
		    .owner_day = "2026-03-02" };
		gint64 id = seen_new(f->j, "<moved@x>", 99);

		assert_int_equal(journal_record_decision(f->j, id, &rv, T0),
		    LR_OK);
		assert_int_equal(journal_redecide(f->j, id, &mine, "assigned",
		    "review -> jo", T0), LR_OK);
		assert_int_equal(journal_owner_load(f->j, "jo", "2026-03-02",
		    &count), LR_OK);
		assert_int_equal(count, 3);
	}
}

/* Record a decision for owner at `at` for a new message key. */
static void
decided(struct journal *j, const char *key, guint32 uid, const char *owner,
    const char *email, const char *domain, gint64 at)
{
	struct journal_decision d = {
		.kind = owner ? DEST_OWNER : DEST_REVIEW, .dest_id = owner,
		.owner = owner, .folder = "Leads/x", .lead_email = email,
		.lead_domain = domain,
	};
	gint64 id = seen_new(j, key, uid);

	assert_int_equal(journal_record_decision(j, id, &d, at), LR_OK);
}

/* Sticky ownership: the thread (nearest first, any age), then the
 * address, then the company domain within the window; leads/24h. */
static void
test_sticky(void **state)
{
	struct fx *f = *state;
	struct journal_sticky s;
	const char *thread[] = { "<nobody@x>", "<b@x>", "<a@x>", NULL };
	guint n;

	decided(f->j, "<a@x>", 1, "ana", "ann@acme.example", "acme.example",
	    T0 - 40 * 86400);
	decided(f->j, "<b@x>", 2, "ben", "bob@acme.example", "acme.example",
	    T0 - 86400);
	decided(f->j, "<c@x>", 3, NULL, "cy@acme.example", "acme.example",
	    T0);
	decided(f->j, "<d@x>", 4, "cat", "dee@gmail.com", NULL, T0 - 3600);

	/* the nearest message of the thread the journal knows: <b@x> */
	assert_int_equal(journal_sticky_owner(f->j, thread, NULL, NULL, 0, &s),
	    LR_OK);
	assert_string_equal(s.owner, "ben");
	assert_int_equal(s.via, JSTICKY_THREAD);
	assert_string_equal(s.evidence, "<b@x>");
	journal_sticky_clear(&s);
	/* a thread binds whatever its age */
	thread[1] = "<zz@x>";
	assert_int_equal(journal_sticky_owner(f->j, thread, NULL, NULL,
	    T0, &s), LR_OK);
	assert_string_equal(s.owner, "ana");
	journal_sticky_clear(&s);

	/* the address, within the window only */
	assert_int_equal(journal_sticky_owner(f->j, NULL, "ann@acme.example",
	    NULL, T0 - 30 * 86400, &s), LR_OK);
	assert_null(s.owner);
	assert_int_equal(s.via, JSTICKY_NONE);
	journal_sticky_clear(&s);
	assert_int_equal(journal_sticky_owner(f->j, NULL, "ann@acme.example",
	    NULL, T0 - 50 * 86400, &s), LR_OK);
	assert_string_equal(s.owner, "ana");
	assert_int_equal(s.via, JSTICKY_ADDRESS);
	journal_sticky_clear(&s);

	/* the domain: the newest lead with an owner (cy's went to review) */
	assert_int_equal(journal_sticky_owner(f->j, NULL, "new@acme.example",
	    "acme.example", T0 - 30 * 86400, &s), LR_OK);
	assert_string_equal(s.owner, "ben");
	assert_int_equal(s.via, JSTICKY_DOMAIN);
	assert_string_equal(s.evidence, "bob@acme.example");
	journal_sticky_clear(&s);
	assert_int_equal(journal_sticky_owner(f->j, NULL, NULL, "other.example",
	    0, &s), LR_OK);
	assert_null(s.owner);
	journal_sticky_clear(&s);

	/* leads in the last 24 hours */
	assert_int_equal(journal_owner_leads_since(f->j, "ben", T0 - 86400,
	    &n), LR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(journal_owner_leads_since(f->j, "ben", T0 - 86399,
	    &n), LR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(journal_owner_leads_since(f->j, "ana", 0, &n), LR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(journal_sticky_owner(NULL, NULL, NULL, NULL, 0, &s),
	    LR_FATAL);
}

static enum lr_status
note_unanswered(const struct journal_overdue *o, void *ctx)
{
	GPtrArray *seen = ctx;

	g_ptr_array_add(seen, g_strdup_printf("%s %s %s %" G_GINT64_FORMAT
	    " %s", o->key, rules_dest_kind_name(o->kind), o->owner, o->since,
	    o->autoreplied ?
	    "auto" : "-"));
	return LR_OK;
}

/* Replies matched by subject and address; owners away by an auto-reply;
 * the owner SLA's candidates, team's and named owners' leads alike. */
static void
test_replies_and_away(void **state)
{
	struct fx *f = *state;
	struct journal_thread th;
	const char *addrs[] = { "boss@acme.example", "ANN@Example.com",
	    NULL };
	struct journal_decision d = DANA;
	GPtrArray *seen = g_ptr_array_new_with_free_func(g_free);
	gint64 a, b, until;
	char *why;

	d.subject_key = "website relaunch";
	a = seen_new(f->j, "<a@x>", 1);
	assert_int_equal(journal_record_decision(f->j, a, &d, T0), LR_OK);
	d.kind = DEST_OWNER;
	d.dest_id = "erik";
	d.owner = "erik";
	d.team = NULL;
	d.credits = NULL;
	d.ncredits = 0;
	d.subject_key = "other";
	b = seen_new(f->j, "<b@x>", 2);
	assert_int_equal(journal_record_decision(f->j, b, &d, T0 + 1), LR_OK);
	/* the same subject for erik later: erik's reply finds it, dana's
	 * finds hers */
	d.subject_key = "website relaunch";
	assert_int_equal(journal_record_decision(f->j, seen_new(f->j, "<c@x>",
	    3), &d, T0 + 2), LR_OK);
	assert_int_equal(journal_subject_lead(f->j, addrs, "website relaunch",
	    0, "dana", &th), LR_OK);
	assert_int_equal(th.lead, a);
	journal_thread_clear(&th);
	assert_int_equal(journal_subject_lead(f->j, addrs, "website relaunch",
	    0, "erik", &th), LR_OK);
	assert_string_equal(th.owner, "erik");
	assert_int_not_equal(th.lead, a);
	journal_thread_clear(&th);

	/* by subject: any recipient, case aside, within the window */
	assert_int_equal(journal_subject_lead(f->j, addrs, "website relaunch",
	    T0 - 10, "ben", &th), LR_OK);
	assert_string_equal(th.owner, "erik");	/* the newest */
	journal_thread_clear(&th);
	assert_int_equal(journal_subject_lead(f->j, addrs, "website relaunch",
	    T0 - 10, "dana", &th), LR_OK);
	assert_int_equal(th.lead, a);
	assert_string_equal(th.owner, "dana");
	assert_false(th.answered);
	journal_thread_clear(&th);
	assert_int_equal(journal_subject_lead(f->j, addrs, "website relaunch",
	    T0 + 3, NULL, &th), LR_OK);
	assert_int_equal(th.lead, 0);
	assert_int_equal(journal_subject_lead(f->j, addrs, "website",
	    0, NULL, &th), LR_OK);
	assert_int_equal(th.lead, 0);
	assert_int_equal(journal_subject_lead(f->j, addrs, NULL, 0, NULL, &th),
	    LR_OK);
	assert_int_equal(th.lead, 0);

	/* away: set, replaced, unknown */
	assert_int_equal(journal_away_get(f->j, "dana", &until, &why), LR_OK);
	assert_int_equal(until, 0);
	assert_null(why);
	assert_int_equal(journal_away_set(f->j, "dana", T0 + 100, "first",
	    T0), LR_OK);
	assert_int_equal(journal_away_set(f->j, "dana", T0 + 200,
	    "auto-reply at 10:02", T0 + 5), LR_OK);
	assert_int_equal(journal_away_get(f->j, "dana", &until, &why), LR_OK);
	assert_int_equal(until, T0 + 200);
	assert_string_equal(why, "auto-reply at 10:02");
	g_free(why);
	assert_int_equal(journal_away_set(f->j, "", 1, NULL, T0), LR_FATAL);

	/* unanswered: forwarded and filed only; an auto-reply after the
	 * forward marks it, one before does not */
	assert_int_equal(journal_unanswered(f->j, note_unanswered, seen),
	    LR_OK);
	assert_int_equal(seen->len, 0);
	assert_int_equal(journal_delivery_plan(f->j, a, CHAN_FORWARD,
	    "dana@example.com", "fa@x", NULL, T0), LR_OK);
	assert_int_equal(journal_delivery_done(f->j, a, CHAN_FORWARD,
	    "dana@example.com", T0 + 10), LR_OK);
	assert_int_equal(journal_delivery_plan(f->j, b, CHAN_FORWARD,
	    "erik@example.com", "fb@x", NULL, T0), LR_OK);
	assert_int_equal(journal_delivery_done(f->j, b, CHAN_FORWARD,
	    "erik@example.com", T0 + 20), LR_OK);
	assert_int_equal(journal_message_filed(f->j, a, "Leads/Owners/dana",
	    T0 + 30), LR_OK);
	assert_int_equal(journal_message_filed(f->j, b, "Leads/Owners/erik",
	    T0 + 30), LR_OK);
	assert_int_equal(journal_event(f->j, a, "auto-reply", "dana", T0 + 5),
	    LR_OK);
	assert_int_equal(journal_event(f->j, b, "auto-reply", "erik", T0 + 40),
	    LR_OK);
	assert_int_equal(journal_unanswered(f->j, note_unanswered, seen),
	    LR_OK);
	assert_int_equal(seen->len, 2);
	why = g_strdup_printf("<a@x> team dana %" G_GINT64_FORMAT " -",
	    T0 + 10);
	assert_string_equal(g_ptr_array_index(seen, 0), why);
	g_free(why);
	why = g_strdup_printf("<b@x> owner erik %" G_GINT64_FORMAT " auto",
	    T0 + 20);
	assert_string_equal(g_ptr_array_index(seen, 1), why);
	g_free(why);
	/* answered: no longer a candidate */
	assert_int_equal(journal_event(f->j, b, "first-response", "<r@x>",
	    T0 + 50), LR_OK);
	g_ptr_array_set_size(seen, 0);
	assert_int_equal(journal_unanswered(f->j, note_unanswered, seen),
	    LR_OK);
	assert_int_equal(seen->len, 1);
	g_ptr_array_free(seen, TRUE);
}

/* Read-only: opens while the agent holds the lock, reads, never writes;
 * refuses a journal of another schema version and a missing file. */
static void
test_readonly(void **state)
{
	struct fx *f = *state;
	struct journal *ro;
	struct journal_sticky s;
	GError *err = NULL;
	char *p2 = g_build_filename(f->dir, "old.db", NULL);
	gint64 id;

	decided(f->j, "<a@x>", 1, "ana", "ann@acme.example", NULL, T0);
	ro = journal_open_readonly(f->path, &err);
	assert_null(err);
	assert_non_null(ro);
	assert_int_equal(journal_sticky_owner(ro, NULL, "ann@acme.example",
	    NULL, 0, &s), LR_OK);
	assert_string_equal(s.owner, "ana");
	journal_sticky_clear(&s);
	assert_int_equal(journal_message_seen(ro, "<new@x>", BOX, 7, 9, 1, 0,
	    T0, &id, &(enum journal_state){ 0 }, &(enum journal_seen){ 0 }),
	    LR_FATAL);
	journal_close(ro);

	assert_null(journal_open_readonly(p2, &err));
	assert_non_null(err);
	g_clear_error(&err);
	journal_at(p2, 3);
	assert_null(journal_open_readonly(p2, &err));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "run the agent once"));
	g_clear_error(&err);
	g_free(p2);
}

/* --- the stop-after-N-commits hook --------------------------------------- */

/* In a child: open with the hook set to value, record five messages. */
static int
child_status(const char *path, const char *value, int run)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct journal *j;
		enum journal_state st;
		enum journal_seen seen;
		gint64 id;

		g_setenv(JOURNAL_STOP_ENV, value, TRUE);
		j = journal_open(path, NULL);
		if (j == NULL)
			_exit(2);
		for (int i = 0; i < 5; i++) {
			char *key = g_strdup_printf("<run%d.%d@x>", run, i);

			if (journal_message_seen(j, key, BOX, 1,
			    (guint32)(run * 10 + i), 1, 0, T0, &id, &st,
			    &seen) != LR_OK)
				_exit(3);
			g_free(key);
		}
		journal_close(j);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_stop_hook(void **state)
{
	static const struct {
		const char *value;
		int status;
		guint added;
	} t[] = {
		{ "1", JOURNAL_STOP_STATUS, 1 },
		{ "2", JOURNAL_STOP_STATUS, 2 },
		{ "4", JOURNAL_STOP_STATUS, 4 },
		{ "9", 0, 5 },			/* never reached */
		{ "0", 0, 5 },			/* malformed: ignored */
		{ "x", 0, 5 },
	};
	struct fx *f = *state;
	gint64 before = 0, n;

	journal_close(f->j);	/* the child takes the lock */
	f->j = NULL;
	for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
		assert_int_equal(child_status(f->path, t[i].value, (int)i),
		    t[i].status);
		n = sql_int(f->path, "SELECT count(*) FROM messages");
		assert_int_equal(n - before, t[i].added);
		before = n;
		reopen(f);		/* it opens after any stop */
		journal_close(f->j);
		f->j = NULL;
	}
	assert_null(g_getenv(JOURNAL_STOP_ENV));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seen_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliveries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decision_to_review, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliveries_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sticky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replies_and_away, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_review_open, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_hook, setup, teardown),
	};

	log_set_level(LOG_LVL_QUIET);
	if (g_getenv("TEST_VERBOSE") != NULL)
		log_set_level(LOG_LVL_DEBUG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
