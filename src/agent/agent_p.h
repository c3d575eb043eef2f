/*
 * agent_p.h: what the agent's files share (in the manner of isync's
 * sync_p.h); nothing outside src/agent/ includes it. The agent is one
 * pipeline -- source -> lead -> decision -> deliveries -> filing, the
 * journal recording each step before the next -- written against two
 * interfaces: the sinks (io/sink.h), one per delivery channel, and a
 * filer (io/filer.h) for where a message ends. `run`, `run --dry-run`
 * and `deliver` differ in which sinks, filer and journal they hand it.
 *
 *   agent.c          the main loop: connect, rounds, timed steps, signals,
 *                    reload; run and dry run set up
 *   agent_round.c    the fetch round: record, decide, deliver, file
 *   agent_reply.c    owners' replies and out-of-office answers
 *   agent_send.c     sending through the sinks: one retry policy
 *   agent_vars.c     the clock and the templates' variables
 *   agent_board.c    the folder board: people's moves
 *   agent_sla.c      review escalation and the owner chase
 *   agent_digest.c   the daily review digest
 *   agent_sweep.c    the reconciliation sweep
 *   agent_deliver.c  `leadroute deliver`: one message from a pipe
 *   agent_adopt.c    a lost journal: refused, or rebuilt (--adopt)
 */
#ifndef LR_AGENT_P_H
#define LR_AGENT_P_H

#include <signal.h>

#include <glib.h>

#include "agent.h"
#include "filer.h"
#include "history.h"
#include "imap.h"
#include "journal.h"
#include "journal_route.h"
#include "journal_sla.h"
#include "lead.h"
#include "route.h"
#include "sink.h"
#include "template.h"

#define AGENT_BACKOFF_MAX	300	/* seconds between reconnects, at most */
#define AGENT_SMTP_RETRY	60	/* seconds: a deferred forward's first
					 * wait, doubling (with jitter) ... */
#define AGENT_SMTP_RETRY_CAP	900	/* ... up to this */
#define AGENT_ROUND_RETRY	30	/* seconds after the inbox refused a
					 * round, at first */
#define AGENT_RETRY_BASE	5	/* seconds before an HTTP delivery's retry */
#define AGENT_RETRY_CAP		3600	/* the longest wait between two tries */
#define AGENT_FILE_BATCH	IMAP_UID_BATCH	/* messages filed together */
#define AGENT_HELD_MAX		100	/* fetched messages decided together
					 * (two commits for them all) ... */
#define AGENT_HELD_BYTES	(8 * 1024 * 1024) /* ... or this many bytes
					 * of them, about: each held lead
					 * costs memory until delivered */
/* The SLA marks a mail client shows (docs/board.md) */
#define AGENT_KEYWORD_DUE	FILER_KEYWORD_DUE	/* an SLA clock runs */
#define AGENT_KEYWORD_BREACHED	"$SLABreached"	/* an SLA was missed */
#define AGENT_SUBJECT_WINDOW	(30 * 86400)	/* a reply matched by
						 * subject: leads this recent */
#define AGENT_DIGEST_RETRY	300	/* seconds before a digest's retry */
#define AGENT_DIGEST_RETRY_CAP	3600	/* the longest wait between two */
#define AGENT_DELIVER_MAILBOX	"(deliver)"	/* the journal's mailbox of
						 * messages from a pipe */
#define ANNOUNCE_TAG		"announce"	/* the journal's targets
						 * of announcements */
#define AGENT_EVENT_LOGIN	"inbox-login"	/* the journal's event: the
						 * inbox took the login */
#define AGENT_LOCK_WAIT		60	/* seconds deliver waits for the
					 * journal held by another */

/* What sends, built from one configuration (replaced on SIGHUP). */
struct senders {
	struct smtp *smtp;	/* NULL: no [smtp], nothing forwarded */
	struct channels *ch;
	struct sink *sink[CHAN_N];	/* NULL: the channel is not set up */
	struct template *subject, *text, *slack, *webhook;
	struct template *escalation;		/* escalation.txt */
	struct template *review;		/* review.txt; NULL: none */
	struct template *review_subject;	/* built in */
	struct template *escalation_subject, *escalation_slack;	/* built in */
};

struct agent {
	struct config *cfg;
	struct ruleset *rs;
	const struct agent_opts *o;
	struct journal *j;	/* a dry run's is a scratch copy */
	struct filer *filer;
	struct imap_conn *imap;
	struct senders out;
	struct oauth *oauth;	/* the inbox's OAuth2 client; NULL: none */
	char *mailbox;
	char *failed;		/* <prefix>/Failed */
	const char *done_text;	/* how a lead's log line ends when all went */
	guint32 uidvalidity;
	gboolean folders_made;	/* since the last connect */
	gboolean adopt_done;	/* the journal's loss looked for */
	struct journal *ro;	/* --dry-run: the journal, read only */
	char *scratch;		/* --dry-run: the scratch journal's folder */
	struct history hist;	/* the journal, for routing */
	struct route_state state;
	GHashTable *reported;	/* uid -> 1: reported as unrouted */
	GHashTable *refile;	/* uid -> struct refile *: a folder refused
				 * it; not fetched again before its time */
	GHashTable *filing;	/* uid -> 1: being filed, not yet told done */
	gboolean keywords;	/* the inbox keeps $LeadRouted */
	gboolean said_keywords;	/* told that it does not */
	gint64 forward_next;	/* the next try of a deferred forward left
				 * in the inbox; 0: none */
	gint64 round_retry;	/* the inbox refused a round: none before */
	gint64 round_wait;	/* the wait after the next refusal; 0: none
				 * refused */
	gint64 next_sweep;
	gint64 next_board;	/* when to look at the board's folders */
	gint64 next_sla;	/* when to look at the SLAs and the digest */
	GHashTable *board;	/* folder -> struct board_folder * */
	GHashTable *board_told;	/* "key\nfolder" -> 1: a move left alone */
	GArray *answered;	/* of gint64: leads whose AGENT_KEYWORD_DUE
				 * goes at the SLAs' next look */
	gint64 digest_done;	/* the due time of the last review digest */
	gint64 digest_retry;	/* no digest before (a failure) */
	gint64 digest_wait;	/* the wait after the next failure */
	GPtrArray *http_batch;	/* HTTP deliveries planned while a batch is
				 * delivered, sent after its forwards;
				 * NULL: each goes when planned */
	const char *crash_on;	/* AGENT_CRASH_ENV */
	gboolean interrupted;	/* a signal stopped the fetch */
	gboolean logged_in;	/* the inbox accepted the login once */
	gint64 refused_since;	/* the login is refused since; 0: is not */
	char *refused;		/* why, as the inbox said */
	guint routed, kept;	/* this round (or batch): filed, left in the
				 * inbox */
};

/* A message a folder refused to take: when to try again, and the wait
 * after that. */
struct refile {
	gint64 at, wait;
};

/* Variables for the templates: the lead, its decision and its owner. */
struct vars {
	const struct lead *l;
	const struct decision *dc;
	const struct owner *o;
	const char *key;
	gint64 received;	/* the message's Date; 0: none */
	const struct agent *a;	/* for the rules and folders; may be NULL */
	gint64 review_since;	/* in review since; 0: not in review */
	gint64 decided;		/* the round's decision time (AGENT_NOW_ENV
				 * in tests); 0: now */
};

/* Delivery states of one message by channel; JDLV_N: not planned. */
struct dlv_states {
	enum journal_dstate st[CHAN_N];
	char *error[CHAN_N];	/* owned: the last error */
};

/* An email that is not the routing's forward (an escalation): its
 * templates, and the tag that keeps its journal row and Message-ID apart
 * from a forward to the same owner. */
struct notice {
	const struct template *subject, *text;
	const char *tag;
};

/* One round's fetch: the agent, and the time decisions are made at. */
struct fetch_ctx {
	struct agent *a;
	GDateTime *now;
	GPtrArray *held;	/* of struct held *: fetched, not yet through
				 * the pipeline (agent_round.c) */
	gsize held_bytes;	/* their sizes */
	guint taken;		/* messages taken this round */
	guint total;		/* of how many; 0: not a round (deliver) */
	gint64 t0, shown;	/* the round's start, the live line's last
				 * update (monotonic µs) */
};

/* A message of a board folder: its UID and Message-ID. */
struct board_msg {
	guint32 uid;
	char *key;
};

/* A message's bytes, fetched. */
struct whole {
	char *data;
	size_t len;
};

/* A filed lead read again (the board, escalations): its bytes, its lead
 * and the rules' decision for it (without history: dimensions and
 * reasons for the templates), and the template variables over them. */
struct filed {
	struct whole w;
	struct lead *l;
	struct decision *dc;
	struct vars v;
};

/* agent.c */
gboolean stop_pending(void);	/* a SIGTERM or SIGINT came, or waits */
struct oauth *oauth_open(const struct config *cfg);	/* NULL: none */

/* agent_vars.c: the clock, read from AGENT_CLOCK_ENV's file in tests */
const char *clock_init(void);	/* the test clock's file, or NULL */
gint64 now_s(void);
gint64 after_s(gint64 seconds);	/* the whole second after seconds */
GDateTime *decide_time(void);	/* decisions' time (AGENT_NOW_ENV) */
char *dims_text(const struct decision *dc);	/* "offer=audit geo=de" */
char *dims_json(const struct decision *dc);
gint64 owner_sla(const struct ruleset *rs, const struct owner *o,
    const char *team);
gint64 sla_of(const struct vars *v);
char *review_folder(const struct agent *a);
char *owner_today(const struct owner *o, GDateTime *now);
char *vars_lookup(void *ctx, const char *name);	/* ctx: struct vars */

/* agent_send.c */
enum lr_status senders_open(const struct config *cfg, struct oauth *oauth,
    gboolean dry, struct senders *s);
void senders_close(struct senders *s);
gint64 retry_wait(enum chan_id c, guint attempts,
    gint64 retry_after);
enum lr_status send_planned(struct agent *a, gint64 id,
    enum chan_id c, const char *target, const char *to,
    const char *payload, gsize len, guint attempts, char **why,
    gint64 *wait);
enum lr_status send_forward(struct agent *a, gint64 id, const struct vars *v,
    const char *raw, size_t len, const struct notice *n, char **why);
void plan_http(struct agent *a, gint64 id, enum chan_id c,
    const char *target, const struct vars *v, const struct template *tmpl,
    const char *to);
void notify_lead(struct agent *a, gint64 id, const struct vars *v,
    const struct dlv_states *ds, const char *webhook_target,
    const char *raw, size_t len);
void retry_due(struct agent *a);
/* Hold the HTTP deliveries planned from now on; send them, their intents
 * and outcomes each in one commit (agent_round.c's batches). */
void http_batch_begin(struct agent *a);
void http_batch_send(struct agent *a);
void delivery_states(struct agent *a, gint64 id, struct dlv_states *ds);
void delivery_states_clear(struct dlv_states *ds);
enum journal_dstate delivery_to(struct agent *a, gint64 id,
    enum chan_id c, const char *target);

/* agent_round.c */
char *message_key(const char *data, size_t len, gint64 *date);
/* Queue uid for filing in folder; key (may be NULL): its Message-ID,
 * given when a copy may be there already (filed or decided before) */
void queue_file(struct agent *a, const char *folder, guint32 uid, gint64 id,
    gboolean due, gboolean again, const char *key);
enum lr_status one_message(guint32 uid, const char *data, size_t len,
    void *ctx);		/* ctx: struct fetch_ctx */
/* What one_message() held, through the pipeline; before file_queued(). */
enum lr_status held_flush(struct fetch_ctx *fc);
enum lr_status file_queued(struct agent *a);
enum lr_status round_once(struct agent *a);
/* The inbox's messages to take: not routed (by keyword, or every one
 * where keywords are not kept), and those the journal decided but did
 * not file; *uids ascending. */
enum lr_status inbox_pending(struct agent *a, GArray **uids) LR_WUR;

/* agent_reply.c */
/* The lead of a message, read with the team and the server's verdict
 * (a forward from the team needs it). */
struct lead *agent_lead(const struct agent *a, const char *data, size_t len);
const struct owner *owner_by_email(const struct agent *a, const char *addr);
gboolean owner_mail_verified(const struct agent *a, const struct owner *o,
    const struct lead *l, char **why);
void owner_away(struct agent *a, const struct owner *o, gint64 lead,
    const char *key);
gboolean owner_reply(struct agent *a, gint64 id, guint32 uid,
    const char *key, const struct lead *l, gint64 started);

/* agent_board.c */
enum lr_status board_scan(struct agent *a);
GPtrArray *board_folders(struct agent *a);	/* every folder to watch */
gboolean board_decision(const struct agent *a, const char *folder,
    struct journal_decision *d);	/* what a folder stands for */
enum lr_status board_id(guint32 uid, const char *data, size_t len,
    void *ctx);		/* ctx: GArray of struct board_msg */
void board_msgs_free(GArray *found);	/* of struct board_msg, keys too */
enum lr_status filed_read(struct agent *a, guint32 uid, const char *key,
    struct filed *f);
void filed_clear(struct filed *f);
enum lr_status board_deliver(struct agent *a, gint64 id, const char *key,
    guint32 uid, const struct owner *o, const char *folder,
    const char *reason, char **why);
gboolean lead_answered(struct agent *a, const char *key);

/* agent_adopt.c: a lost journal; LR_CONFIG (*rc set) when run must not
 * start */
enum lr_status adopt_check(struct agent *a, int *rc);

/* agent_sla.c, agent_digest.c, agent_sweep.c: the timed steps */
enum lr_status sla_scan(struct agent *a);
enum lr_status review_digest(struct agent *a);
void sweep_inbox(struct agent *a);
void set_mark(struct agent *a, const char *folder, const guint32 *uids,
    guint n, const char *mark, gboolean add);
/* An error nobody should miss: recorded as event kind (with text) and
 * posted to the Slack channel. */
void alert(struct agent *a, const char *kind, const char *text);

#endif
