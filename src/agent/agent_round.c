/*
 * agent_round.c: one round over the inbox. Search for messages without
 * $LeadRouted (and add those the journal decided but did not file), fetch
 * them in batches of AGENT_FILE_BATCH, taken AGENT_HELD_MAX at a time:
 * identify each (its Message-ID read from the header block alone, else a
 * digest) and record them all in one commit; decide each (or take the
 * decision already recorded) and record the decisions in a second; then
 * deliver what is still pending, lead by lead -- the forward first: a lead stays in the inbox until its owner
 * has it; then Slack, the owner's direct message and the webhook, which
 * never hold it up -- and queue it for the filer; then the filer files
 * the batch and the journal records the filing. Two commits a batch
 * where there were two a lead (issue 19); the deliveries' own commits,
 * intent before each send, are as they were.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "agent_p.h"
#include "duration.h"
#include "imap.h"
#include "jsonout.h"
#include "log.h"
#include "mail.h"

/* The message's identity: its Message-ID, else a digest of it. */
char *
message_key(const char *data, size_t len, gint64 *date)
{
	char *id = mail_message_id(data, len, date), *hex, *key;

	if (id != NULL && strlen(id) <= JOURNAL_KEY_MAX)
		return id;
	g_free(id);
	hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    (const guchar *)data, len);
	key = g_strconcat("sha256:", hex, NULL);
	g_free(hex);
	return key;
}

void
queue_file(struct agent *a, const char *folder, guint32 uid, gint64 id,
    gboolean due, gboolean again, const char *key)
{
	/* a digest has no Message-ID to look for */
	struct filer_item it = { uid, id, due, again, key == NULL ||
	    g_str_has_prefix(key, "sha256:") ? NULL : g_intern_string(key) };

	filer_queue(a->filer, folder, &it);
}

static void
log_lead(const struct vars *v, const char *result, gint64 started)
{
	/* "team sales owner ann", "owner ann" (not "owner ann owner ann") */
	const char *owner = v->dc->owner != NULL && (v->dc->kind != DEST_OWNER ||
	    g_strcmp0(v->dc->id, v->dc->owner) != 0) ? v->dc->owner : NULL;

	log_info("lead %s %s -> %s%s%s%s%s (%s) %s: %s, %" G_GINT64_FORMAT
	    " ms", v->key, v->l->str[LF_EMAIL] ? v->l->str[LF_EMAIL] : "-",
	    rules_dest_kind_name(v->dc->kind), v->dc->id ? " " : "",
	    v->dc->id ? v->dc->id : "", owner ? " owner " : "",
	    owner ? owner : "", v->dc->reason, v->dc->folder, result,
	    (g_get_monotonic_time() - started) / 1000);
}

/* What the journal keeps of the lead to show it without the message (the
 * digest): name, company and subject, and its source for the report: a
 * form notification's sender ("form: wordpress@example.com"), else
 * "email"; as a JSON object. */
static char *
lead_json(const struct lead *l)
{
	static const struct {
		const char *name;
		enum lead_field f;
	} keep[] = {
		{ "name", LF_NAME }, { "company", LF_COMPANY },
		{ "subject", LF_SUBJECT },
	};
	JsonBuilder *b = json_builder_new();
	char *source = l->is_form && l->str[LF_FROM] != NULL ?
	    g_strconcat("form: ", l->str[LF_FROM], NULL) : g_strdup("email");

	json_builder_begin_object(b);
	for (guint i = 0; i < G_N_ELEMENTS(keep); i++)
		if (l->str[keep[i].f] != NULL)
			json_member_string(b, keep[i].name, l->str[keep[i].f]);
	json_member_string(b, "source", source);
	json_builder_end_object(b);
	g_free(source);
	return json_string(b, FALSE);
}

/* Take the decision recorded before a stop: it is never re-made. */
static void
recorded_decision(struct agent *a, gint64 id, struct decision *dc)
{
	struct journal_decision *jd = NULL;

	if (journal_decision_get(a->j, id, &jd) != LR_OK)
		return;
	if (jd->kind == DEST_REVIEW && dc->kind != DEST_REVIEW)
		decision_to_review(dc, a->rs, a->cfg->folder_prefix,
		    jd->reason);
	if (jd->kind != DEST_REPLY)
		dc->kind = jd->kind;
	g_free(dc->id);
	dc->id = g_strdup(jd->dest_id);
	g_free(dc->reason);
	dc->reason = g_strdup(jd->reason != NULL ? jd->reason : "");
	g_free(dc->folder);
	dc->folder = g_strdup(jd->folder);
	g_free(dc->owner);
	dc->owner = g_strdup(jd->owner);
	journal_decision_free(jd);
}

static enum lr_status
record_decision(struct agent *a, gint64 id, const struct vars *v,
    GDateTime *now)
{
	const struct decision *dc = v->dc;
	char *dj = dims_json(dc), *day = NULL, *lj = lead_json(v->l);
	char *subject = lead_subject_key(v->l->str[LF_SUBJECT]);
	struct journal_decision jd = {
		.kind = dc->kind, .dest_id = dc->id,
		.owner = dc->owner, .folder = dc->folder,
		.reason = dc->reason, .route_line = dc->route_line,
		.dims_json = dj, .lead_email = v->l->str[LF_EMAIL],
		.lead_json = lj, .subject_key = subject,
	};
	enum lr_status st;

	history_decision(dc, v->l, a->rs, &jd);

	if (v->o != NULL)
		jd.owner_day = day = owner_today(v->o, now);
	st = journal_record_decision(a->j, id, &jd, now_s());
	g_free((struct journal_credit *)jd.credits);
	g_free(dj);
	g_free(lj);
	g_free(subject);
	g_free(day);
	return st;
}

/* The owner a decision gives the lead to, or NULL. */
static const struct owner *
owner_of(const struct agent *a, const struct decision *dc)
{
	return dc->owner != NULL && a->rs->owners != NULL ?
	    owners_find(a->rs->owners, dc->owner) : NULL;
}

/* A message the journal gave up on: into Failed, with its reason. */
static void
file_failed(struct agent *a, gint64 id, guint32 uid, const char *key)
{
	struct journal_message *m = NULL;
	gboolean again = FALSE;

	if (journal_message_get(a->j, id, &m) == LR_OK) {
		log_warnx("lead %s: filed in %s: %s", key, a->failed,
		    m->last_error ? m->last_error : "failed");
		/* a retried `deliver`: into the maildir once */
		again = m->filed_at != 0;
	}
	journal_message_free(m);
	queue_file(a, a->failed, uid, id, FALSE, again, NULL);
}

/*
 * A message from a pipe (uid 0) the journal knows by its key: the same
 * one delivered again (the caller retried), or another message that
 * carries the same Message-ID, which must be filed too, not taken for
 * the first: told apart by their sizes.
 */
static gboolean
other_copy(struct agent *a, gint64 id, guint32 uid, size_t len)
{
	struct journal_message *m = NULL;
	gboolean other;

	if (uid != 0 || journal_message_get(a->j, id, &m) != LR_OK)
		return FALSE;
	other = m->size != (gint64)len;
	journal_message_free(m);
	return other;
}

/*
 * Steps 1-2: message key (uid in the inbox, len bytes) fetched and
 * identified, recorded (deferred: the caller flushes before it decides):
 * *id and *state as the journal has them. TRUE when the message needs no
 * deciding (it failed before, is a copy, was filed before, or is an
 * owner's reply already recorded): then it is queued for filing.
 */
static gboolean
identify(struct agent *a, guint32 uid, const char *data, size_t len,
    const char *key, gint64 received, gint64 *id, enum journal_state *state,
    enum lr_status *st)
{
	enum journal_seen seen = JOURNAL_SEEN_NEW;
	struct journal_decision *jd = NULL;
	const char *folder = a->failed;
	gboolean done = TRUE;

	if ((*st = journal_message_seen(a->j, key, a->mailbox, a->uidvalidity,
	    uid, len, received, now_s(), id, state, &seen)) != LR_OK)
		return TRUE;
	if (seen == JOURNAL_SEEN_AGAIN && other_copy(a, *id, uid, len))
		seen = JOURNAL_SEEN_DUPLICATE;
	if (*state == JMSG_FAILED && seen != JOURNAL_SEEN_DUPLICATE) {
		file_failed(a, *id, uid, key);
		return TRUE;
	}
	if (seen == JOURNAL_SEEN_DUPLICATE || *state == JMSG_FILED) {
		if (journal_decision_get(a->j, *id, &jd) == LR_OK)
			folder = jd->folder;
		if (seen == JOURNAL_SEEN_DUPLICATE)
			queue_file(a, folder, uid, 0, FALSE, FALSE, NULL);
		else
			queue_file(a, folder, uid, *id, FALSE, TRUE, key);
		log_info("lead %s: %s, filed in %s", key,
		    seen == JOURNAL_SEEN_DUPLICATE ?
		    "a duplicate, routed once" : "seen before", folder);
	} else if (a->o->dry_run && *state != JMSG_FETCHED) {
		/* a dry run sees the same inbox at every poll: each message's
		 * would-be decision is logged once, when it is first seen */
	} else if (*state == JMSG_FETCHED) {
		done = FALSE;
	} else if (journal_decision_get(a->j, *id, &jd) == LR_OK &&
	    jd->kind == DEST_REPLY)
		/* an owner's reply: filed, nothing sent */
		queue_file(a, jd->folder, uid, *id, FALSE, FALSE, NULL);
	else
		done = FALSE;
	journal_decision_free(jd);
	return done;
}

/*
 * Step 4: deliver v's lead, the forward first. LR_OK, or LR_TEMPFAIL
 * when the forward did not go and the lead stays in the inbox (*why
 * says why; also set when the server refused the forward for good and
 * the lead went to review).
 */
static enum lr_status
deliver_lead(struct agent *a, gint64 id, struct vars *v, struct decision *dc,
    const char *data, size_t len, char **why)
{
	struct dlv_states ds;
	enum lr_status st = LR_OK;

	delivery_states(a, id, &ds);
	if (v->o != NULL && a->out.sink[CHAN_FORWARD] != NULL &&
	    ds.st[CHAN_FORWARD] != JDLV_SENT) {
		if (ds.st[CHAN_FORWARD] == JDLV_FAILED_PERMANENT) {
			*why = g_strdup(ds.error[CHAN_FORWARD]);
			st = LR_BADMSG;
		} else
			st = send_forward(a, id, v, data, len, NULL, why);
		if (st == LR_TEMPFAIL) {
			delivery_states_clear(&ds);
			return st;
		}
		if (st == LR_BADMSG) {
			/* the server refused it for good: review, with why */
			decision_to_review(dc, a->rs, a->cfg->folder_prefix,
			    *why);
			v->o = NULL;
			if (journal_decision_to_review(a->j, id, dc->folder,
			    *why, now_s()) != LR_OK)
				log_warnx("journal: cannot send message %"
				    G_GINT64_FORMAT " to review", id);
		}
	}
	notify_lead(a, id, v, &ds, NULL, data, len);
	delivery_states_clear(&ds);
	return LR_OK;
}

/* The live line on a terminal, a few times a second, on a round of more
 * than one message. */
static void
live_progress(struct fetch_ctx *fc)
{
	gint64 now = g_get_monotonic_time();
	double secs = (now - fc->t0) / (double)G_USEC_PER_SEC;
	char *left;

	if (fc->total < 2 || now - fc->shown < G_USEC_PER_SEC / 4)
		return;
	fc->shown = now;
	left = duration_text(secs > 0 && fc->taken > 0 ? (gint64)((fc->total -
	    MIN(fc->taken, fc->total)) * secs / fc->taken + 0.5) : 0);
	log_status("  %u of %u taken, %.0f leads/s, about %s left",
	    fc->taken, fc->total, secs > 0 ? fc->taken / secs : 0.0, left);
	g_free(left);
}

/* A message fetched and held for its batch, through the pipeline. */
struct held {
	guint32 uid;
	const char *data;	/* the message as fetched: copy, or the
				 * fetch's own bytes for a large one,
				 * taken through at once */
	char *copy;		/* owned */
	size_t len;
	char *key;		/* owned */
	gint64 id, started;	/* started: monotonic µs */
	gint64 spent;		/* µs spent deciding it */
	enum journal_state state;
	gboolean done;		/* queued for filing, or left: no more */
	struct lead *l;		/* owned, once decided */
	struct decision *dc;	/* owned, once decided */
	struct vars v;
};

static void
held_free(gpointer p)
{
	struct held *h = p;

	g_free(h->copy);
	g_free(h->key);
	decision_free(h->dc);
	lead_free(h->l);
	g_free(h);
}

/* Step 3: decide h (its record deferred), unless identifying settled it. */
static enum lr_status
decide_held(struct fetch_ctx *fc, struct held *h)
{
	struct agent *a = fc->a;
	enum lr_status st = LR_OK;

	if (h->done)
		return LR_OK;
	h->started = g_get_monotonic_time();
	if (h->state == JMSG_FETCHED && a->crash_on != NULL &&
	    g_strstr_len(h->data, h->len, a->crash_on) != NULL) {
		log_warnx("run: %s: crashing on %s as asked", AGENT_CRASH_ENV,
		    h->key);
		abort();
	}
	h->l = agent_lead(a, h->data, h->len);
	if (h->state == JMSG_FETCHED && owner_reply(a, h->id, h->uid, h->key,
	    h->l, h->started)) {
		h->done = TRUE;
		return LR_OK;
	}
	/* with history only for a new decision: a recorded one is restored
	 * below, and its own record must not count as history */
	h->dc = route_decide(a->rs, h->l, fc->now, a->cfg->folder_prefix,
	    a->hist.j != NULL && h->state == JMSG_FETCHED ? &a->state : NULL);
	h->v.l = h->l;
	h->v.dc = h->dc;
	h->v.o = owner_of(a, h->dc);
	if (h->state == JMSG_FETCHED)
		st = record_decision(a, h->id, &h->v, fc->now);
	else {
		recorded_decision(a, h->id, h->dc);
		h->v.o = owner_of(a, h->dc);
	}
	if (st != LR_OK)
		h->done = TRUE;
	h->spent = g_get_monotonic_time() - h->started;
	return st;
}

/* Steps 4-5: deliver h's lead and queue it for filing. */
static void
deliver_held(struct agent *a, struct held *h)
{
	char *why = NULL;

	if (h->done)
		return;
	h->done = TRUE;
	/* the lead's own time in the log: its deciding and its delivery,
	 * not the wait for the rest of its batch */
	h->started = g_get_monotonic_time() - h->spent;
	if (deliver_lead(a, h->id, &h->v, h->dc, h->data, h->len, &why) ==
	    LR_TEMPFAIL) {
		log_lead(&h->v, why, h->started);
		a->kept++;	/* stays in the inbox for the next round */
		g_free(why);
		return;
	}
	/* an SLA clock runs in review, and for an owner once forwarded;
	 * decided before a stop: perhaps copied there already (a server
	 * without MOVE, stopped between COPY and EXPUNGE): its key */
	queue_file(a, h->dc->folder, h->uid, h->id, !g_str_has_prefix(h->key,
	    "sha256:") && (h->dc->kind == DEST_REVIEW ? a->rs->review_sla > 0 :
	    h->v.o != NULL && a->out.sink[CHAN_FORWARD] != NULL &&
	    sla_of(&h->v) > 0), FALSE, h->state != JMSG_FETCHED ? h->key :
	    NULL);
	log_lead(&h->v, why ? why : a->done_text, h->started);
	g_free(why);
}

/* Did an earlier run stop while deciding h (fetched, never decided)? */
static gboolean
interrupted_before(struct agent *a, const struct held *h)
{
	struct journal_message *m = NULL;
	gboolean yes;
	gint64 id = 0;

	if (journal_message_find(a->j, h->key, &id, NULL, NULL) != LR_OK ||
	    id == 0 || journal_message_get(a->j, id, &m) != LR_OK)
		return FALSE;
	yes = m->state == JMSG_FETCHED;
	journal_message_free(m);
	return yes;
}

/*
 * Deciding a batch together is off for now: a kill while a batch is
 * decided counts an attempt for every message of it (they are all
 * recorded as fetched), so an innocent message beside the one in hand
 * reached Failed after two more kills (test_crash's kill test under ASan).
 * What it needs: the message in hand written down (not made durable: a
 * process crash keeps the page cache) before each is decided, and only
 * that one charged. Until then each message is recorded and decided
 * alone, as before batches; the batch's posts still go after its filing.
 */
#define AGENT_DECIDE_IN_BATCHES	FALSE

/*
 * Must the batch go one message at a time? When an earlier run stopped
 * while deciding one of them (fetched, never decided), or when two carry
 * the same Message-ID: a copy is filed where the first went, which must
 * be decided before the copy is identified.
 */
static gboolean
take_singly(struct agent *a, GPtrArray *held)
{
	GHashTable *keys = g_hash_table_new(g_str_hash, g_str_equal);
	gboolean singly = !AGENT_DECIDE_IN_BATCHES;

	for (guint i = 0; i < held->len && !singly; i++) {
		const struct held *h = g_ptr_array_index(held, i);

		singly = !g_hash_table_add(keys, h->key) ||
		    interrupted_before(a, h);
	}
	g_hash_table_destroy(keys);
	return singly;
}

/*
 * The held batch through the pipeline. Its messages are recorded as
 * fetched in one commit, decided and their decisions recorded in a
 * second, before any delivery starts; each delivery then records its
 * intent before it goes (a forward's commit also keeps the one before
 * it done), as one message at a time would. A batch in which an earlier
 * run stopped while deciding (a crash, a kill) is taken one message at a
 * time, each recorded before it is decided, as before batches: only the
 * message that crashes the agent counts its attempts toward Failed, never
 * the ones beside it (take_singly(), which also takes copies of one
 * Message-ID so). LR_TEMPFAIL ends the fetch (the journal failing).
 */
static enum lr_status
run_held(struct fetch_ctx *fc)
{
	struct agent *a = fc->a;
	GPtrArray *held = fc->held;
	gboolean careful = FALSE;
	enum lr_status st = LR_OK;

	if (held == NULL || held->len == 0)
		return LR_OK;
	fc->held = NULL;
	fc->held_bytes = 0;
	/* Slack posts and webhook calls wait for the filing (file_queued) */
	http_batch_begin(a);
	careful = take_singly(a, held);
	for (guint i = 0; i < held->len && st == LR_OK; i++) {
		struct held *h = g_ptr_array_index(held, i);

		h->done = identify(a, h->uid, h->data, h->len, h->key,
		    h->v.received, &h->id, &h->state, &st);
		if (st == LR_OK && (careful || i + 1 == held->len))
			st = journal_flush(a->j);
		if (st == LR_OK && careful && (st = decide_held(fc, h)) ==
		    LR_OK)
			deliver_held(a, h);
	}
	for (guint i = 0; i < held->len && st == LR_OK && !careful; i++)
		st = decide_held(fc, g_ptr_array_index(held, i));
	if (st == LR_OK && !careful)
		st = journal_flush(a->j);
	for (guint i = 0; i < held->len && st == LR_OK && !careful; i++) {
		if (stop_pending()) {
			/* decided: delivered at the next start */
			a->interrupted = TRUE;
			break;
		}
		deliver_held(a, g_ptr_array_index(held, i));
		live_progress(fc);
	}
	g_ptr_array_free(held, TRUE);
	return st;
}

/*
 * One message of the inbox (data NULL: too large to fetch): held for its
 * batch, which goes through the pipeline when it holds AGENT_HELD_MAX
 * messages or AGENT_HELD_BYTES (and at the end of the fetch: run_held()).
 * LR_TEMPFAIL ends the fetch (a stop, or the journal failing).
 */
enum lr_status
one_message(guint32 uid, const char *data, size_t len, void *ctx)
{
	struct fetch_ctx *fc = ctx;
	struct agent *a = fc->a;
	gboolean large = len >= AGENT_HELD_BYTES;
	enum lr_status st;
	struct held *h;

	if (stop_pending()) {
		a->interrupted = TRUE;
		return LR_TEMPFAIL;	/* ends the fetch; the rest waits */
	}
	fc->taken++;
	if (data == NULL) {
		log_warnx("run: uid %u: larger than %d bytes, filed in %s",
		    uid, IMAP_MAX_MESSAGE_BYTES, a->failed);
		queue_file(a, a->failed, uid, 0, FALSE, FALSE, NULL);
		return LR_OK;
	}
	/* a large message is not copied (its memory bound, leadroute.conf(5),
	 * is twice its size): the batch so far, then it alone, at once */
	if (large && (st = run_held(fc)) != LR_OK)
		return st;
	h = g_new0(struct held, 1);
	h->uid = uid;
	h->data = large ? data : (h->copy = g_memdup2(data, len));
	h->len = len;
	h->started = g_get_monotonic_time();
	h->key = message_key(data, len, &h->v.received);
	h->v.key = h->key;
	h->v.a = a;
	h->v.decided = g_date_time_to_unix(fc->now);
	if (fc->held == NULL)
		fc->held = g_ptr_array_new_with_free_func(held_free);
	g_ptr_array_add(fc->held, h);
	fc->held_bytes += len;
	if (large || fc->held->len >= AGENT_HELD_MAX ||
	    fc->held_bytes >= AGENT_HELD_BYTES)
		return run_held(fc);
	return LR_OK;
}

/* What the fetch left held, through the pipeline. */
enum lr_status
held_flush(struct fetch_ctx *fc)
{
	enum lr_status st = run_held(fc);

	live_progress(fc);
	return st;
}

static enum lr_status file_batch(struct agent *a);

/* A message filed: recorded. */
static void
filed_one(const struct filer_item *it, const char *folder, void *ctx)
{
	struct agent *a = ctx;

	if (it->id != 0 && journal_message_filed(a->j, it->id, folder,
	    now_s()) != LR_OK)
		log_warnx("journal: cannot record the filing of message %"
		    G_GINT64_FORMAT, it->id);
	if (it->uid != 0) {
		g_hash_table_remove(a->filing, GUINT_TO_POINTER(it->uid));
		g_hash_table_remove(a->refile, GUINT_TO_POINTER(it->uid));
	}
	/* one filed before is no new work: no round at once for it (a copy
	 * a server keeps leaving in the inbox would have the agent spin) */
	if (!it->again)
		a->routed++;
}

/*
 * What a folder refused stays in the inbox, decided and delivered: it is
 * not fetched again before its time, a minute, then twice as long each
 * time up to AGENT_RETRY_CAP (the sweep reports it if it waits too long).
 */
static void
refiled_later(struct agent *a)
{
	GHashTableIter it;
	gpointer k;
	gint64 now = now_s();

	g_hash_table_iter_init(&it, a->filing);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		struct refile *r = g_hash_table_lookup(a->refile, k);

		if (r == NULL) {
			r = g_new0(struct refile, 1);
			r->wait = AGENT_SMTP_RETRY;
			g_hash_table_insert(a->refile, k, r);
		}
		r->at = now + r->wait;
		r->wait = MIN(r->wait * 2, AGENT_RETRY_CAP);
		a->kept++;
	}
	g_hash_table_remove_all(a->filing);
}

/* File what the round (or `deliver`) queued: what it recorded durable
 * before anything moves, the filing recorded after; then the batch's
 * Slack posts and webhook calls, which never hold the filing up. */
enum lr_status
file_queued(struct agent *a)
{
	enum lr_status st = file_batch(a);

	http_batch_send(a);
	return st;
}

static enum lr_status
file_batch(struct agent *a)
{
	GHashTableIter it;
	gpointer v;
	enum lr_status st;

	if ((st = journal_flush(a->j)) != LR_OK) {
		filer_forget(a->filer);
		return st;
	}
	g_hash_table_iter_init(&it, a->filer->queue);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		GArray *items = v;

		for (guint i = 0; i < items->len; i++)
			if (g_array_index(items, struct filer_item, i).uid != 0)
				g_hash_table_add(a->filing, GUINT_TO_POINTER(
				    g_array_index(items, struct filer_item,
				    i).uid));
	}
	st = filer_flush(a->filer, filed_one, a);
	if (journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record the filing of this batch");
	/* what a folder refused is what it did not tell filed (a dry
	 * run's filer tells nothing, and refuses nothing) */
	if (st == LR_TEMPFAIL)
		refiled_later(a);
	g_hash_table_remove_all(a->filing);
	return st;
}

struct unfiled {
	struct agent *a;
	GArray *uids;
};

static enum lr_status
unfiled_uid(const struct journal_message *m, void *ctx)
{
	struct unfiled *u = ctx;

	if (m->filed_at == 0 && strcmp(m->mailbox, u->a->mailbox) == 0 &&
	    m->uidvalidity == u->a->uidvalidity)
		g_array_append_val(u->uids, m->uid);
	return LR_OK;
}

/*
 * Messages the journal has decided but not filed, by their UIDs here: a
 * stop between the keyword STORE and the MOVE leaves them in the inbox
 * marked routed, where the search no longer finds them. UIDs that are
 * gone (moved after all) are skipped by the fetch.
 */
static void
add_unfiled(struct agent *a, GArray *uids)
{
	GArray *more = g_array_new(FALSE, FALSE, sizeof(guint32));
	struct unfiled u = { a, more };
	GHashTable *have;

	if (journal_pending_messages(a->j, unfiled_uid, &u) !=
	    LR_OK || more->len == 0) {
		g_array_free(more, TRUE);
		return;
	}
	have = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < uids->len; i++)
		g_hash_table_add(have, GUINT_TO_POINTER(g_array_index(uids,
		    guint32, i)));
	for (guint i = 0; i < more->len; i++)
		if (g_hash_table_add(have, GUINT_TO_POINTER(g_array_index(more,
		    guint32, i))))
			g_array_append_val(uids, g_array_index(more, guint32, i));
	g_hash_table_destroy(have);
	g_array_free(more, TRUE);
}

/* n as "2,000". */
static char *
thousands(guint n)
{
	char *digits = g_strdup_printf("%u", n);
	GString *s = g_string_new(NULL);
	size_t len = strlen(digits);

	for (size_t i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			g_string_append_c(s, ',');
		g_string_append_c(s, digits[i]);
	}
	g_free(digits);
	return g_string_free(s, FALSE);
}

/*
 * After each batch: what it filed and left, and on a backlog (more than
 * one batch) how far the round is, how fast, and how long it will take
 * ("412 of 2,000 routed, 95 leads/s, about 17s left"); after a stop, what
 * waits for the next start.
 */
static void
progress(struct agent *a, guint done, guint total, gint64 t0)
{
	double secs = (g_get_monotonic_time() - t0) / (double)G_USEC_PER_SEC;
	char *d, *n, *left;

	if (a->interrupted) {
		log_info("run: stopped: %u filed, %u left in the inbox for "
		    "later, %u not taken yet (the next start takes them)",
		    a->routed, a->kept, total - MIN(done, total));
		return;
	}
	if (total <= AGENT_FILE_BATCH) {
		if (a->routed > 0 || a->kept > 0)
			log_info("run: %u filed, %u left in the inbox for "
			    "later", a->routed, a->kept);
		return;
	}
	d = thousands(done);
	n = thousands(total);
	left = duration_text(secs > 0 && done > 0 ? (gint64)((total - done) *
	    secs / done + 0.5) : 0);
	log_info("run: %s of %s routed (%u left in the inbox for later), "
	    "%.0f leads/s, about %s left", d, n, a->kept, secs > 0 ? done /
	    secs : 0.0, left);
	g_free(d);
	g_free(n);
	g_free(left);
}

static gint
cmp_uid(gconstpointer x, gconstpointer y)
{
	guint32 a = *(const guint32 *)x, b = *(const guint32 *)y;

	return a < b ? -1 : a > b;
}

/*
 * Whether the inbox keeps the routed keyword (PERMANENTFLAGS); told once
 * when it does not: the journal alone then knows what is routed, and
 * every message in the inbox is looked at (those decided are not decided
 * again).
 */
static void
check_keywords(struct agent *a)
{
	a->keywords = imap_keeps_keyword(a->imap, IMAP_KEYWORD_ROUTED);
	if (a->keywords || a->said_keywords)
		return;
	a->said_keywords = TRUE;
	log_warnx("run: the server keeps no keywords in %s (its PERMANENTFLAGS "
	    "do not allow %s): leadroute goes by its journal alone, and the "
	    "SLA mark %s is not shown (see docs/mail-servers.md)",
	    a->mailbox, IMAP_KEYWORD_ROUTED, AGENT_KEYWORD_DUE);
}

enum lr_status
inbox_pending(struct agent *a, GArray **uids)
{
	enum lr_status st;

	check_keywords(a);
	if ((st = imap_search_unrouted(a->imap, a->keywords ?
	    IMAP_KEYWORD_ROUTED : NULL, uids)) != LR_OK)
		return st;
	add_unfiled(a, *uids);
	g_array_sort(*uids, cmp_uid);
	return LR_OK;
}

/*
 * Leave out, until their time, what waits in the inbox: messages a folder
 * refused, and leads whose forward the server deferred (their next try is
 * in the journal); neither is fetched again before. How many were left.
 */
static guint
skip_waiting(struct agent *a, GArray *uids)
{
	GHashTable *fwd = g_hash_table_new(NULL, NULL);
	gint64 now = now_s();
	guint n = 0, k = 0;

	if (journal_forwards_waiting(a->j, a->mailbox, a->uidvalidity, now,
	    fwd, &a->forward_next) != LR_OK)
		a->forward_next = 0;	/* all fetched: tried as before */
	for (guint i = 0; i < uids->len; i++) {
		guint32 uid = g_array_index(uids, guint32, i);
		struct refile *r = g_hash_table_lookup(a->refile,
		    GUINT_TO_POINTER(uid));

		if ((r != NULL && r->at > now) || g_hash_table_contains(fwd,
		    GUINT_TO_POINTER(uid)))
			n++;
		else
			g_array_index(uids, guint32, k++) = uid;
	}
	g_array_set_size(uids, k);
	g_hash_table_destroy(fwd);
	return n;
}

/* One round over what the inbox holds unrouted. */
enum lr_status
round_once(struct agent *a)
{
	GArray *uids = NULL;
	struct fetch_ctx fc = { 0 };
	guint32 uidvalidity = 0, uidnext = 0;
	guint filed = 0, kept = 0;
	gint64 t0;
	enum lr_status st;

	fc.a = a;
	a->routed = a->kept = 0;
	a->interrupted = FALSE;
	if ((st = imap_select(a->imap, a->mailbox, &uidvalidity,
	    NULL)) != LR_OK)
		return st;
	/* the last run's, from the journal, at the first round */
	if (a->uidvalidity == 0 && journal_mailbox_get(a->j, a->mailbox,
	    &a->uidvalidity, &uidnext) != LR_OK)
		a->uidvalidity = 0;
	if (uidvalidity != a->uidvalidity && journal_mailbox_set(a->j,
	    a->mailbox, uidvalidity, 0) != LR_OK)
		log_debug("journal: %s's UIDVALIDITY not kept", a->mailbox);
	if (a->uidvalidity != 0 && uidvalidity != a->uidvalidity) {
		/* Old UIDs mean nothing now: messages are known by key. */
		log_warnx("run: %s: UIDVALIDITY changed from %u to %u; "
		    "messages are identified again by Message-ID", a->mailbox,
		    a->uidvalidity, uidvalidity);
		g_hash_table_remove_all(a->reported);
		g_hash_table_remove_all(a->refile);
	}
	a->uidvalidity = uidvalidity;
	if ((st = inbox_pending(a, &uids)) != LR_OK)
		return st;
	kept = skip_waiting(a, uids);
	if (kept > 0 && a->o->once) {
		char *in = duration_text(MAX(a->forward_next - now_s(), 0));

		/* cron's 75 with its reason */
		log_info("run: %u lead%s in %s wait%s for a retry (a forward "
		    "the mail server deferred, or a folder that refused); the "
		    "next in %s", kept, kept == 1 ? "" : "s", a->mailbox,
		    kept == 1 ? "s" : "", a->forward_next > 0 ? in : "a while");
		g_free(in);
	}
	if (uids->len == 0) {
		g_array_free(uids, TRUE);
		a->kept = kept;
		return LR_OK;
	}
	fc.now = decide_time();
	t0 = g_get_monotonic_time();
	fc.total = uids->len;
	fc.t0 = t0;
	/*
	 * Fetch and file batch by batch: a backlog's first leads reach their
	 * folders while the rest are still being decided, and each batch
	 * costs one MOVE per folder.
	 */
	for (guint i = 0; i < uids->len && st == LR_OK && !a->interrupted;
	    i += AGENT_FILE_BATCH) {
		st = imap_fetch(a->imap, &g_array_index(uids, guint32, i),
		    MIN(uids->len - i, AGENT_FILE_BATCH), one_message, &fc);
		if (st == LR_TEMPFAIL && a->interrupted)
			st = LR_OK;	/* file what was done, then stop */
		/* what was fetched is decided and delivered even when the
		 * fetch broke off: it is in hand */
		if (held_flush(&fc) != LR_OK)
			st = LR_TEMPFAIL;
		/* a folder that refused is told, and tried again later
		 * (refiled_later): the round goes on with the others */
		if (st == LR_OK && (st = file_queued(a)) == LR_TEMPFAIL &&
		    !a->interrupted)
			st = LR_OK;
		/* posts of leads forwarded before the fetch broke off: they
		 * go all the same (file_queued sent them otherwise) */
		http_batch_send(a);
		filer_forget(a->filer);
		filed += a->routed;
		kept += a->kept;
		progress(a, fc.taken, uids->len, t0);
		a->routed = a->kept = 0;
	}
	log_status_end();
	g_date_time_unref(fc.now);
	g_array_free(uids, TRUE);
	a->routed = filed;
	a->kept = kept;
	return st;
}
