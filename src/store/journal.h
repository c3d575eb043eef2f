/*
 * journal.h: the SQLite database that makes the agent crash-safe (spec
 * section 8). The agent records its intent, acts, then records the
 * completion; every step is committed (synchronous=FULL, WAL) before the
 * next one starts, so a restart after any stop resumes from here: a
 * decided message is not re-decided, a sent delivery is not re-sent.
 *
 * One agent per journal: journal_open() takes an flock() on "PATH.lock"
 * (which holds the holder's PID) and fails while another process holds it.
 * The schema is versioned with PRAGMA user_version; an older journal is
 * migrated on open, a newer one refused.
 *
 * Times are Unix seconds passed in by the caller (never read from the
 * clock here); 0 means "unknown" where a time may be missing. Ids are
 * the messages.id of the row journal_message_seen() returned.
 *
 * This header is the write-ahead protocol the agent follows (messages,
 * decisions, deliveries, events); the journal's other clients have
 * their own: journal_route.h (the history routing reads),
 * journal_sla.h (reply threading, review and owner SLAs) and
 * journal_report.h (the report's queries).
 *
 * Every function that changes something does it in one transaction and
 * returns LR_OK, LR_TEMPFAIL (SQLITE_BUSY or a full disk: retry later),
 * LR_BADMSG (a key longer than JOURNAL_KEY_MAX) or LR_FATAL (misuse such
 * as a NULL argument or an unknown id, or a broken database), logging
 * the reason ("journal: ..."). The caller owns what is returned unless
 * stated; what a callback receives is borrowed for the call only.
 *
 * Tables (schema version 7):
 *
 *   messages    id INTEGER PK; message_key TEXT UNIQUE (the Message-ID,
 *               or "sha256:<hex>" of the raw message when it has none);
 *               mailbox, uidvalidity, uid (where this copy was fetched);
 *               size; received_at (the message's Date, NULL if none);
 *               fetched_at; state (below); attempts (decide attempts
 *               begun); last_error; folder and filed_at (once filed).
 *   decisions   message_id FK UNIQUE; decided_at; kind (rules' name of
 *               the destination kind, or "reply" for an owner's reply); dest_id; owner; folder; reason;
 *               route_line; dims_json; lead_email; lead_json;
 *               lead_domain (the company's, never a free-mail one);
 *               subject_key (lead_subject_key(): replies are matched by
 *               it when they name no Message-ID).
 *   deliveries  id PK; message_id FK; channel (smtp|slack|slack_dm|
 *               webhook); target; state (pending|sending|sent|
 *               failed_permanent); attempts (failed tries); next_attempt_at;
 *               last_error; sent_at; msgid (the deterministic Message-ID
 *               sent); UNIQUE(message_id, channel, target).
 *   events      id PK; at; message_id (NULL: not about one message);
 *               kind; detail. Reassignments, escalations, duplicates,
 *               errors.
 *   rotation    team, owner, count, last_at, credit (the smooth weighted
 *               round robin's current weight); PK(team, owner).
 *   owner_load  owner, day ("YYYY-MM-DD" in the owner's timezone), count;
 *               PK(owner, day): leads per owner and day for daily caps.
 *   away        owner PK, until, since, reason: an owner away by what the
 *               agent saw (an auto-reply to a forward), until that time.
 *   placements  message_id, at, kind: each placement of a lead (v6).
 *   mailboxes   name PK, uidvalidity, uidnext: where the agent read a
 *               folder up to (v7).
 *   Version 2 adds indexes for the agent's scans (due deliveries,
 *   messages by state, events by message); version 3 adds
 *   deliveries.payload: the body an HTTP delivery posts, fixed when it
 *   is planned so that a retry after the message was filed sends the same.
 *   Version 7 adds indexes for a reply's lead by subject and the review
 *   queue, and decisions.settled (1: a first response, the SLA or chase
 *   over, or adopted; set with the event) with an index of the owners'
 *   leads not settled, which the unanswered scan reads.
 *
 * A message's life: fetched -> decided -> delivered (its last smtp
 * delivery sent) -> filed. Fetching a message that is still "fetched"
 * begins another decide attempt; after JOURNAL_MAX_ATTEMPTS
 * interrupted attempts it becomes "failed" and the caller files it into
 * <prefix>/Failed (it stays "failed" once filed; filed_at tells).
 * "duplicate" is reserved in the schema and not set by this version: a
 * second copy of a journaled message is reported by journal_message_seen()
 * and recorded as an event instead.
 *
 * Deferred commits: after journal_defer(j, TRUE), each change is kept in
 * one open transaction (a savepoint each, so a failing change undoes only
 * itself) until journal_flush() commits them all at once. The caller
 * flushes before anything the changes must precede: a send, a move, a
 * step that might crash. It saves one fsync per change.
 *
 * Test-only: when the environment variable LEADROUTE_TEST_STOP_AFTER_COMMITS
 * is N (> 0) at journal_open(), the process exits with status 99 right
 * after the journal's Nth successful write commit (migrations included;
 * a flush is one commit), as if killed there. Read transactions do not
 * count.
 */
#ifndef LR_JOURNAL_H
#define LR_JOURNAL_H

#include <glib.h>

#include "chanid.h"
#include "rules.h"
#include "status.h"

#define JOURNAL_VERSION		7	/* the newest schema this code knows */
#define JOURNAL_MAX_ATTEMPTS	3	/* decide attempts before Failed */
#define JOURNAL_KEY_MAX		998	/* bytes in a message key */
#define JOURNAL_BUSY_MS		5000	/* SQLite busy timeout */
#define JOURNAL_STOP_ENV	"LEADROUTE_TEST_STOP_AFTER_COMMITS"
#define JOURNAL_STOP_STATUS	99

/* GError domain of journal_open(); the code is an enum lr_status. */
#define JOURNAL_ERROR		journal_error_quark()
GQuark journal_error_quark(void);

enum journal_state {
	JMSG_FETCHED, JMSG_DECIDED, JMSG_DELIVERED, JMSG_FILED, JMSG_FAILED,
	JMSG_DUPLICATE, JMSG_NSTATES
};

enum journal_seen {
	JOURNAL_SEEN_NEW,	/* first time: inserted as fetched, attempt 1 */
	JOURNAL_SEEN_AGAIN,	/* this copy again (resume after a stop) */
	JOURNAL_SEEN_DUPLICATE	/* another copy of a journaled message */
};

enum journal_dstate {
	JDLV_PENDING, JDLV_SENDING, JDLV_SENT, JDLV_FAILED_PERMANENT, JDLV_N
};

struct journal;

struct journal_message {
	gint64 id;
	char *key;		/* owned */
	char *mailbox;		/* owned */
	guint32 uidvalidity;
	guint32 uid;
	gint64 size;
	gint64 received_at;	/* 0 when the message had no Date */
	gint64 fetched_at;
	enum journal_state state;
	guint attempts;
	char *last_error;	/* owned; NULL when none */
	char *folder;		/* owned; NULL until filed */
	gint64 filed_at;	/* 0 until filed */
};

/*
 * A decision as recorded. Strings are borrowed when passed in; those
 * from journal_decision_get() are owned by the struct. The kind is
 * stored by its name (rules_dest_kind_name()); a name this code does not
 * know makes journal_decision_get() fail with LR_FATAL.
 */
struct journal_decision {
	enum dest_kind kind;	/* any but DEST_ACCOUNT_OWNER; DEST_REPLY:
				 * an owner's reply, no lead */
	const char *dest_id;	/* owner, team or queue id; NULL otherwise */
	const char *owner;	/* the owner who gets it; NULL if none */
	const char *folder;	/* required */
	const char *reason;	/* NULL when none */
	int route_line;		/* 0 when no route decided */
	const char *dims_json;	/* dimension values as JSON; NULL if none */
	const char *lead_email;	/* NULL if none */
	const char *lead_json;	/* the lead's fields as JSON; NULL if none */
	const char *lead_domain; /* company domain (not free mail); NULL */
	const char *subject_key; /* lead_subject_key() of its subject; NULL */
	/* Counters moved with the decision, in its transaction (not stored
	 * in decisions; NULL from journal_decision_get()): */
	const char *team;	/* rotation(team, owner) += 1; NULL: none */
	const char *owner_day;	/* owner_load(owner, day) += 1; NULL: none */
	const struct journal_credit *credits;	/* rotation(team, .owner) */
	guint ncredits;				/* .credit = .credit */
	gint64 decided_at;	/* set by journal_decision_get() only */
};

/* A team member's rotation credit, set with a decision. */
struct journal_credit {
	const char *owner;
	gint64 credit;
};

struct journal_delivery {
	gint64 id;
	gint64 message_id;
	enum chan_id channel;
	char *target;		/* owned */
	enum journal_dstate state;
	guint attempts;		/* failed tries so far */
	gint64 next_attempt_at;
	char *last_error;	/* owned; NULL when none */
	gint64 sent_at;		/* 0 until sent */
	char *msgid;		/* owned; NULL when none */
	char *payload;		/* owned; NULL when none */
};

/* Callbacks: a non-zero status stops the walk and is returned. */
typedef enum lr_status (*journal_message_cb)(const struct journal_message *m,
    void *ctx);
typedef enum lr_status (*journal_delivery_cb)(const struct journal_delivery *dl,
    void *ctx);

/*
 * Open (creating if needed) the journal at path, lock it, set WAL,
 * synchronous=FULL, foreign keys and the busy timeout, and migrate it to
 * JOURNAL_VERSION. NULL with err set when it cannot: unwritable place,
 * lock held (the message names the lock file and the holder's PID;
 * the code is LR_TEMPFAIL, the only one worth a retry), schema newer than
 * this code, not a database.
 */
struct journal *journal_open(const char *path, GError **err);
/*
 * Open for reading only, without taking the lock, so that `owners`,
 * `report` and a dry run can read while an agent runs. The schema must
 * be JOURNAL_VERSION (an older one: run the agent once to migrate it).
 */
struct journal *journal_open_readonly(const char *path, GError **err);
/* Defer commits (on) or stop deferring, flushing first (off). */
enum lr_status journal_defer(struct journal *j, gboolean on) LR_WUR;
/* Commit what was deferred, as one durable commit; LR_OK when nothing
 * was. On failure every deferred change is lost. */
enum lr_status journal_flush(struct journal *j) LR_WUR;
/* Flush, checkpoint (the -wal file emptied into the main file), close
 * and release the lock. NULL is a no-op. */
void journal_close(struct journal *j);
/* Whether the journal holds no message at all (new, or emptied). */
gboolean journal_is_empty(struct journal *j);
/*
 * Whether the journal is still where it was opened: its file there, the
 * same file, not emptied, its -wal not removed (a backup restored over
 * it, a cleanup script). When not, *why says what happened (the caller
 * frees it) and the journal is never checkpointed again: what this
 * process holds is not written into what is there now. A read-only
 * journal is always intact.
 */
gboolean journal_intact(struct journal *j, char **why);
/*
 * Record that a message was fetched, or find it. *id and *state tell the
 * caller what to do: fetched = decide it; decided/delivered = resume
 * deliveries and filing; failed = file it into Failed; filed = it is
 * done. *seen tells whether this is a new message, this copy again (same
 * mailbox, uidvalidity and uid; a new uidvalidity of the same mailbox
 * also counts as this copy), or a duplicate copy (a same key elsewhere;
 * recorded once as a "duplicate" event, the row is unchanged: route it
 * once, file the copy). Seeing a fetched message again begins another
 * decide attempt; past JOURNAL_MAX_ATTEMPTS it turns failed.
 */
enum lr_status journal_message_seen(struct journal *j, const char *key,
    const char *mailbox, guint32 uidvalidity, guint32 uid, gint64 size,
    gint64 received_at, gint64 now, gint64 *id, enum journal_state *state,
    enum journal_seen *seen) LR_WUR;
/* The message's row; free with journal_message_free(). */
enum lr_status journal_message_get(struct journal *j, gint64 id,
    struct journal_message **out) LR_WUR;
void journal_message_free(struct journal_message *m);

/*
 * Record the decision for a fetched message (state -> decided), and move
 * the rotation and owner_load counters d->team and d->owner_day name, all
 * in one transaction. A message already decided keeps its first decision
 * (LR_OK, nothing changes): a decided message is never re-decided.
 */
enum lr_status journal_record_decision(struct journal *j, gint64 id,
    const struct journal_decision *d, gint64 now) LR_WUR;
/* The recorded decision; LR_FATAL when none. Free with
 * journal_decision_free(). */
enum lr_status journal_decision_get(struct journal *j, gint64 id,
    struct journal_decision **out) LR_WUR;
void journal_decision_free(struct journal_decision *d);

/*
 * The owner's forward was refused for good (SMTP 5xx): the decision
 * becomes review (no owner) with folder and reason, and a "to-review"
 * event records the reason, in one transaction.
 */
enum lr_status journal_decision_to_review(struct journal *j, gint64 id,
    const char *folder, const char *reason, gint64 now) LR_WUR;

/*
 * Deliveries are named by (message id, channel, target). Plan one as
 * pending, due at now, before any is sent, with what it will send
 * (payload: the body of an HTTP post, or an announcement's email, which
 * are retried from the journal; NULL for a lead's own forward, rebuilt
 * from the original when its message is fetched again); planning it
 * again changes nothing (the first msgid and payload stay).
 */
enum lr_status journal_delivery_plan(struct journal *j, gint64 id,
    enum chan_id channel, const char *target, const char *msgid,
    const char *payload, gint64 now) LR_WUR;
/* Record the intent right before the send (pending -> sending): a row
 * left sending after a crash may have been sent once already. */
enum lr_status journal_delivery_start(struct journal *j, gint64 id,
    enum chan_id channel, const char *target) LR_WUR;
/* Sent. When the message's last smtp delivery is sent it turns
 * delivered. A row already sent keeps its first sent_at. */
enum lr_status journal_delivery_done(struct journal *j, gint64 id,
    enum chan_id channel, const char *target, gint64 now) LR_WUR;
/* A failed try: permanent -> failed_permanent; else pending again, due at
 * next_attempt_at (the caller's backoff with jitter, or Retry-After). A
 * row already sent stays sent. */
enum lr_status journal_delivery_failed(struct journal *j, gint64 id,
    enum chan_id channel, const char *target, const char *error,
    gboolean permanent, gint64 next_attempt_at, gint64 now) LR_WUR;
/* Each pending or sending delivery due at now, soonest first. */
enum lr_status journal_deliveries_due(struct journal *j, gint64 now,
    journal_delivery_cb cb, void *ctx) LR_WUR;
/* When the soonest pending delivery with a payload is due (a lead's own
 * forward waits for its message's next fetch); *at = 0 when none is. */
enum lr_status journal_next_retry(struct journal *j, gint64 *at) LR_WUR;
/* How many tries of a delivery failed so far (0: none, or not planned). */
enum lr_status journal_delivery_attempts(struct journal *j, gint64 id,
    enum chan_id channel, const char *target, guint *attempts) LR_WUR;
/*
 * The UIDs (into uids, as GUINT_TO_POINTER) of messages of mailbox (at
 * uidvalidity), not yet filed, whose forward failed and is not due again
 * before now: a round leaves them in the inbox unfetched. *next: the
 * earliest of their next tries (0: none).
 */
enum lr_status journal_forwards_waiting(struct journal *j,
    const char *mailbox, guint32 uidvalidity, gint64 now, GHashTable *uids,
    gint64 *next) LR_WUR;
/* Each delivery of one message, in planning order. */
enum lr_status journal_message_deliveries(struct journal *j, gint64 id,
    journal_delivery_cb cb, void *ctx) LR_WUR;

/* The message was moved into folder (state -> filed; failed stays
 * failed). Filing again records the new folder. */
enum lr_status journal_message_filed(struct journal *j, gint64 id,
    const char *folder, gint64 now) LR_WUR;
/*
 * Messages whose work is not finished, for resume after a stop: decided
 * or delivered, and failed but not yet filed; oldest first.
 */
enum lr_status journal_pending_messages(struct journal *j,
    journal_message_cb cb, void *ctx) LR_WUR;

/*
 * Where the agent read a folder up to (the board's folders, the inbox):
 * its UIDVALIDITY and the UIDNEXT it read up to, so that a start reads
 * only what arrived since. Unknown: both 0.
 */
enum lr_status journal_mailbox_set(struct journal *j, const char *name,
    guint32 uidvalidity, guint32 uidnext) LR_WUR;
enum lr_status journal_mailbox_get(struct journal *j, const char *name,
    guint32 *uidvalidity, guint32 *uidnext) LR_WUR;

/* The message journaled under key: *id (0: none), and where it was
 * filed (*folder owned, NULL if not yet; *filed_at 0); both may be NULL. */
enum lr_status journal_message_find(struct journal *j, const char *key,
    gint64 *id, char **folder, gint64 *filed_at) LR_WUR;

/*
 * A person moved a filed lead to another folder (spec section 9): the
 * decision becomes d's kind, dest_id, owner, folder and reason, the
 * message is recorded in d->folder, and an event (e.g. "assigned",
 * "reassigned", "moved", with detail) says so, in one transaction; with
 * d->owner and d->owner_day, the lead counts toward that owner's load of
 * that day. A message without a decision (taken from Failed) gets d as
 * its first.
 */
enum lr_status journal_redecide(struct journal *j, gint64 id,
    const struct journal_decision *d, const char *event, const char *detail,
    gint64 now) LR_WUR;

/* Record an event about message id (0: about none). detail may be NULL. */
enum lr_status journal_event(struct journal *j, gint64 id, const char *kind,
    const char *detail, gint64 now) LR_WUR;

#endif
