/*
 * agent_sla.c: the SLAs, on the main loop's schedule: leads answered
 * since the last look lose their $SLADue mark; a lead in review past the
 * review SLA is escalated; a lead its owner has not answered in time (or
 * auto-replied to) is chased to the next owner (route_chase_next); then
 * the review digest (agent_digest.c).
 */
#include "config.h"

#include <string.h>

#include "agent_p.h"
#include "duration.h"
#include "imap.h"
#include "log.h"

/*
 * Add or take away an SLA mark on uids[n] of the selected folder, a
 * convenience that never holds anything up. Where the folder keeps no
 * keywords (PERMANENTFLAGS), AGENT_KEYWORD_BREACHED falls back to
 * \Flagged, which every mail client shows, and AGENT_KEYWORD_DUE is not
 * shown; said once per folder and mark.
 */
void
set_mark(struct agent *a, const char *folder, const guint32 *uids, guint n,
    const char *mark, gboolean add)
{
	const char *as = mark;
	enum lr_status st;

	if (!imap_keeps_keyword(a->imap, mark)) {
		char *told = g_strdup_printf("mark\n%s\n%s", mark, folder);

		as = strcmp(mark, AGENT_KEYWORD_BREACHED) == 0 &&
		    imap_keeps_keyword(a->imap, "\\Flagged") ? "\\Flagged" :
		    NULL;
		if (g_hash_table_add(a->board_told, told))
			log_warnx("sla: %s keeps no keyword %s (PERMANENTFLAGS)%s",
			    folder, mark, as != NULL ? "; \\Flagged shows the "
			    "missed SLAs there instead" : "; the mark is not shown "
			    "there");
		if (as == NULL)
			return;
	}
	st = add ? imap_add_keyword(a->imap, uids, n, as) :
	    imap_remove_keyword(a->imap, uids, n, as);
	if (st != LR_OK)
		log_warnx("sla: cannot %s %s %s %u message%s in %s: %s", add ?
		    "set" : "take away", as, add ? "on" : "from", n, n == 1 ?
		    "" : "s", folder, imap_last_error(a->imap));
}

/*
 * The review SLA: a lead in review longer than the rules' `review ... sla`
 * is escalated once: the `escalate` owner gets an email (escalation.txt,
 * the lead attached) and the Slack channel a post naming them, the
 * message gets the keyword $SLABreached, and an "escalated" event is
 * recorded. A lead no longer where the journal filed it is left to the
 * board.
 */
static enum lr_status
escalate_one(const struct journal_overdue *ov, void *ctx)
{
	struct agent *a = ctx;
	const struct owner *to = a->rs->owners != NULL &&
	    a->rs->review_escalate.id != NULL ? owners_find(a->rs->owners,
	    a->rs->review_escalate.id) : NULL;
	struct notice n = { a->out.escalation_subject, a->out.escalation,
	    "escalation" };
	struct filed f = { 0 };
	GArray *uids = NULL;
	char *why = NULL, *detail, *waited;
	gboolean mailed, posted;
	guint32 uid;
	enum lr_status st;

	if ((st = imap_select(a->imap, ov->folder, NULL, NULL)) != LR_OK ||
	    (st = imap_search_message_id(a->imap, ov->key, &uids)) != LR_OK)
		goto out;
	if (uids->len == 0) {
		log_debug("escalation: %s is no longer in %s", ov->key,
		    ov->folder);
		goto out;
	}
	uid = g_array_index(uids, guint32, 0);
	if ((st = filed_read(a, uid, ov->key, &f)) != LR_OK)
		goto out;
	f.v.o = to;
	f.v.review_since = ov->since;
	mailed = to != NULL && a->out.sink[CHAN_FORWARD] != NULL && n.subject != NULL &&
	    n.text != NULL;
	if (mailed && (st = send_forward(a, ov->id, &f.v, f.w.data, f.w.len, &n,
	    &why)) == LR_TEMPFAIL) {
		log_warnx("escalation: %s: %s; trying again", ov->key, why);
		goto out;
	}
	posted = a->out.escalation_slack != NULL &&
	    a->out.sink[CHAN_SLACK] != NULL;
	if (posted)
		plan_http(a, ov->id, CHAN_SLACK, "escalation", &f.v,
		    a->out.escalation_slack, NULL);
	if (!mailed && !posted) {
		char *told = g_strdup_printf("escalation\n%s", ov->key);

		if (g_hash_table_add(a->board_told, told))
			log_warnx("escalation: %s has waited in review past "
			    "its SLA, and there is nobody to tell: set "
			    "`escalate` on the rules' review line (with "
			    "[smtp] and escalation.txt), or a Slack channel",
			    ov->key);
		st = LR_OK;
		goto out;
	}
	set_mark(a, ov->folder, &uid, 1, AGENT_KEYWORD_BREACHED, TRUE);
	set_mark(a, ov->folder, &uid, 1, AGENT_KEYWORD_DUE, FALSE);
	waited = duration_text(now_s() - ov->since);
	detail = g_strdup_printf("to %s%s after %s in review%s%s",
	    mailed ? to->id : "the Slack channel", mailed && posted ?
	    " and the Slack channel" : "", waited, why != NULL ? "; " : "",
	    why != NULL ? why : "");
	g_free(waited);
	if (journal_event(a->j, ov->id, "escalated", detail, now_s()) !=
	    LR_OK || journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record the escalation of %s",
		    ov->key);
	else
		log_warnx("escalation: %s %s", ov->key, detail);
	g_free(detail);
	st = LR_OK;
out:
	if (uids != NULL)
		g_array_free(uids, TRUE);
	filed_clear(&f);
	g_free(why);
	return st == LR_BADSOURCE ? st : LR_OK;
}

/*
 * Set and take away keywords on the filed lead id, found by its
 * Message-ID where the journal filed it (either keyword may be NULL).
 * LR_OK when it is not there any more (a person moved it: the board
 * sees to it); LR_BADSOURCE when the connection is lost.
 */
static enum lr_status
mark_lead(struct agent *a, gint64 id, const char *add, const char *remove)
{
	struct journal_message *m = NULL;
	GArray *uids = NULL;
	enum lr_status st;

	if ((st = journal_message_get(a->j, id, &m)) != LR_OK ||
	    m->folder == NULL || g_str_has_prefix(m->key, "sha256:"))
		goto out;
	if ((st = imap_select(a->imap, m->folder, NULL, NULL)) != LR_OK ||
	    (st = imap_search_message_id(a->imap, m->key,
	    &uids)) != LR_OK || uids->len == 0)
		goto out;
	if (add != NULL)
		set_mark(a, m->folder, (guint32 *)uids->data, uids->len, add,
		    TRUE);
	if (remove != NULL)
		set_mark(a, m->folder, (guint32 *)uids->data, uids->len,
		    remove, FALSE);
out:
	if (uids != NULL)
		g_array_free(uids, TRUE);
	journal_message_free(m);
	return st == LR_BADSOURCE ? st : LR_OK;
}

struct had {
	struct agent *a;
	GHashTable *owners;	/* owner id -> 1: forwarded to them */
};

static enum lr_status
note_had(const struct journal_delivery *dl, void *ctx)
{
	struct had *h = ctx;
	/* had it: the forward went, or was refused for good; one still
	 * pending (deferred) is tried again, not skipped */
	const struct owner *o = dl->channel == CHAN_FORWARD &&
	    (dl->state == JDLV_SENT || dl->state == JDLV_FAILED_PERMANENT) ?
	    owner_by_email(h->a, dl->target) : NULL;

	if (o != NULL)
		g_hash_table_add(h->owners, o->id);
	return LR_OK;
}

/* The team a lead of owner o is re-routed in: the one that gave it, else
 * the first of o's teams the rules know (a lead routed to o by name). */
static const struct team *
chase_team(const struct agent *a, const struct journal_overdue *ov,
    const struct owner *o)
{
	if (ov->team != NULL && ov->kind == DEST_TEAM)
		return g_hash_table_lookup(a->rs->teams, ov->team);
	for (guint i = 0; o->teams != NULL && o->teams[i] != NULL; i++) {
		const struct team *t = g_hash_table_lookup(a->rs->teams,
		    o->teams[i]);

		if (t != NULL)
			return t;
	}
	return NULL;
}

/* Nobody is left to chase a lead: record it (once) and mark it. */
static enum lr_status
chase_end(struct agent *a, const struct journal_overdue *ov,
    const char *detail)
{
	/* the end first: a failure after it never chases the lead again */
	if (journal_event(a->j, ov->id, "sla-exhausted", detail, now_s()) !=
	    LR_OK || journal_event(a->j, ov->id, "sla-missed", ov->owner,
	    now_s()) != LR_OK || journal_flush(a->j) != LR_OK) {
		log_warnx("journal: cannot record that %s", detail);
		return LR_OK;
	}
	log_warnx("sla: %s: %s", ov->key, detail);
	return mark_lead(a, ov->id, AGENT_KEYWORD_BREACHED, AGENT_KEYWORD_DUE);
}

/* An auto-replied lead nobody in its team can take: to review. */
static enum lr_status
chase_to_review(struct agent *a, const struct journal_overdue *ov,
    guint32 uid, const char *detail)
{
	struct filed f;
	struct dlv_states ds;
	struct journal_decision d = { .kind = DEST_REVIEW };
	char *reason = g_strdup_printf("%s; nobody in the team can take it",
	    detail);
	enum lr_status st;

	if ((st = filed_read(a, uid, ov->key, &f)) != LR_OK)
		goto out;
	decision_to_review(f.dc, a->rs, a->cfg->folder_prefix, reason);
	f.v.review_since = now_s();
	set_mark(a, ov->folder, &uid, 1, AGENT_KEYWORD_DUE,
	    a->rs->review_sla > 0);
	if ((st = imap_create(a->imap, f.dc->folder)) != LR_OK ||
	    (st = imap_move(a->imap, &uid, 1, f.dc->folder)) != LR_OK) {
		log_warnx("sla: %s: cannot move it to %s: %s", ov->key,
		    f.dc->folder, imap_last_error(a->imap));
		goto out;
	}
	d.folder = f.dc->folder;
	d.reason = reason;
	if (journal_redecide(a->j, ov->id, &d, "away-to-review", reason,
	    now_s()) != LR_OK || journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record that %s went to review",
		    ov->key);
	else
		log_warnx("sla: %s to review (%s)", ov->key, reason);
	for (int c = 0; c < CHAN_N; c++) {
		ds.st[c] = JDLV_N;
		ds.error[c] = NULL;
	}
	notify_lead(a, ov->id, &f.v, &ds, "webhook for review", f.w.data,
	    f.w.len);
out:
	filed_clear(&f);
	g_free(reason);
	return st;
}

/*
 * Chasing a lead its owner has not answered: when the owner's SLA
 * (owner_sla(): their own, else the team's) has passed in their working
 * hours since the forward, or at once when they auto-replied to it
 * (owner_away), it goes to the next available member of its team
 * (chase_team) who has not had it, else to the team's `escalate` owner,
 * and is recorded as a reassignment. With nobody left, a missed SLA ends
 * the chase with an "sla-exhausted" event (the lead stays: its owner
 * may still answer), an auto-reply sends it to review. Forward first,
 * then the MOVE, then the record: a stop in between leaves a state the
 * board reads as a person's move to the new owner.
 */
static enum lr_status
chase_one(const struct journal_overdue *ov, void *ctx)
{
	struct agent *a = ctx;
	const struct owner *cur = ov->owner != NULL && a->rs->owners != NULL ?
	    owners_find(a->rs->owners, ov->owner) : NULL;
	const struct team *t = cur != NULL ? chase_team(a, ov, cur) : NULL;
	const struct owner *next = NULL;
	struct had h = { a, NULL };
	struct journal_decision d = { 0 };
	GArray *uids = NULL;
	GDateTime *now;
	char *folder = NULL, *detail = NULL, *why = NULL, *sla = NULL;
	char *day = NULL;
	gint64 secs = cur != NULL ? owner_sla(a->rs, cur, ov->kind == DEST_TEAM ? ov->team : NULL) : 0;
	guint32 uid;
	gboolean escalation;
	enum lr_status st = LR_OK;

	if (cur == NULL || (!ov->autoreplied && (secs <= 0 ||
	    owner_work_seconds(cur, ov->since, now_s()) < secs)))
		return LR_OK;
	h.owners = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_add(h.owners, (gpointer)cur->id);
	if (journal_message_deliveries(a->j, ov->id, note_had, &h) != LR_OK)
		goto out;
	now = decide_time();
	next = route_chase_next(a->rs, t, now, &a->state, h.owners,
	    &escalation);
	/* to an owner: the team's escalation, which ends the chase */
	d.kind = escalation ? DEST_OWNER : DEST_TEAM;
	g_date_time_unref(now);
	sla = secs > 0 ? duration_text(secs) : NULL;
	detail = ov->autoreplied ? g_strdup_printf("%s is away (auto-reply)",
	    cur->id) : g_strdup_printf("no first response within %s", sla);
	if (next == NULL && !ov->autoreplied) {
		char *end = g_strdup_printf("%s did not answer within %s, and "
		    "nobody in %s%s is left to give it to", cur->id, sla,
		    t != NULL ? "team " : "their team", t != NULL ? t->id : "");

		st = chase_end(a, ov, end);
		g_free(end);
		goto out;
	}
	if ((st = imap_select(a->imap, ov->folder, NULL, NULL)) != LR_OK ||
	    (st = imap_search_message_id(a->imap, ov->key, &uids)) != LR_OK ||
	    uids->len == 0)
		goto out;	/* moved meanwhile: the board sees to it */
	uid = g_array_index(uids, guint32, 0);
	if (next == NULL) {
		st = chase_to_review(a, ov, uid, detail);
		goto out;
	}
	folder = route_owner_folder(a->cfg->folder_prefix, next->id);
	g_free(detail);
	detail = g_strdup_printf("%s -> %s: %s%s", cur->id, next->id,
	    ov->autoreplied ? "away (auto-reply)" : "no first response "
	    "within ", ov->autoreplied ? "" : sla);
	if (d.kind == DEST_OWNER) {
		char *x = g_strconcat(detail, " (the team's escalation)", NULL);

		g_free(detail);
		detail = x;
	}
	st = board_deliver(a, ov->id, ov->key, uid, next, folder, detail,
	    &why);
	if (st == LR_TEMPFAIL || st == LR_BADSOURCE) {
		log_warnx("sla: %s: %s; trying again", ov->key, why != NULL ?
		    why : imap_last_error(a->imap));
		goto out;
	}
	/* the marks are a convenience: they never hold the move up */
	if (!ov->autoreplied)
		set_mark(a, ov->folder, &uid, 1, AGENT_KEYWORD_BREACHED, TRUE);
	set_mark(a, ov->folder, &uid, 1, AGENT_KEYWORD_DUE, owner_sla(a->rs,
	    next, d.kind == DEST_TEAM ? t->id : NULL) > 0);
	if ((st = imap_create(a->imap, folder)) != LR_OK ||
	    (st = imap_move(a->imap, &uid, 1, folder)) != LR_OK) {
		log_warnx("sla: %s: cannot move it to %s: %s", ov->key, folder,
		    imap_last_error(a->imap));
		goto out;
	}
	d.dest_id = d.kind == DEST_TEAM ? t->id : next->id;
	d.owner = next->id;
	d.folder = folder;
	d.reason = detail;
	/* the team's escalation ends the chase: it is not chased again */
	now = decide_time();
	d.owner_day = day = owner_today(next, now);
	g_date_time_unref(now);
	if (journal_redecide(a->j, ov->id, &d, "reassigned", detail,
	    now_s()) != LR_OK || (!ov->autoreplied && journal_event(a->j,
	    ov->id, "sla-missed", cur->id, now_s()) != LR_OK) ||
	    (d.kind == DEST_OWNER &&
	    journal_event(a->j, ov->id, "chase-ended", next->id, now_s()) !=
	    LR_OK) || journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record that %s was reassigned",
		    ov->key);
	else
		log_warnx("sla: %s reassigned (%s)", ov->key, detail);
out:
	if (uids != NULL)
		g_array_free(uids, TRUE);
	g_hash_table_destroy(h.owners);
	g_free(folder);
	g_free(detail);
	g_free(why);
	g_free(sla);
	g_free(day);
	return st == LR_BADSOURCE ? st : LR_OK;
}

enum lr_status
sla_scan(struct agent *a)
{
	enum lr_status st;

	/* answered leads: their clocks stopped */
	for (st = LR_OK; a->answered->len > 0; ) {
		st = mark_lead(a, g_array_index(a->answered, gint64, 0), NULL,
		    AGENT_KEYWORD_DUE);
		if (st == LR_BADSOURCE)
			break;
		g_array_remove_index(a->answered, 0);
	}
	if (st != LR_BADSOURCE && a->rs->review_sla > 0)
		st = journal_review_overdue(a->j, now_s() - a->rs->review_sla,
		    escalate_one, a);
	if (st != LR_BADSOURCE)
		st = journal_unanswered(a->j, chase_one, a);
	if (st != LR_BADSOURCE)
		st = review_digest(a);
	return st == LR_BADSOURCE ? st : LR_OK;
}
