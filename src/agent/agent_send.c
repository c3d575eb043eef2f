/*
 * agent_send.c: sending through the sinks. Every delivery is planned in
 * the journal (with its payload, for HTTP), marked started and made
 * durable before it goes, and recorded done or failed after; a failure
 * is tried again on one retry policy for every channel (agent_retry_wait):
 * a forward when its message is fetched again, an HTTP delivery when the
 * journal says it is due. Also the senders built from a configuration:
 * the SMTP client, the channels, the templates and the sinks over them.
 */
#include "config.h"

#include <string.h>

#include "agent_p.h"
#include "channel.h"
#include "http.h"
#include "init.h"
#include "log.h"
#include "smtp.h"

static enum lr_status
note_state(const struct journal_delivery *dl, void *ctx)
{
	struct dlv_states *ds = ctx;

	ds->st[dl->channel] = dl->state;
	g_free(ds->error[dl->channel]);
	ds->error[dl->channel] = g_strdup(dl->last_error);
	return LR_OK;
}

void
delivery_states(struct agent *a, gint64 id, struct dlv_states *ds)
{
	for (int c = 0; c < CHAN_N; c++) {
		ds->st[c] = JDLV_N;
		ds->error[c] = NULL;
	}
	if (journal_message_deliveries(a->j, id, note_state, ds) != LR_OK)
		log_warnx("journal: cannot read the deliveries of message %"
		    G_GINT64_FORMAT, id);
}

void
delivery_states_clear(struct dlv_states *ds)
{
	for (int c = 0; c < CHAN_N; c++)
		g_free(ds->error[c]);
}

/*
 * The one retry policy: how long to wait before try attempts + 1 of a
 * delivery on channel c that failed; retry_after is what the server
 * asked (-1: nothing). A forward backs off with jitter from
 * AGENT_SMTP_RETRY up to AGENT_SMTP_RETRY_CAP (its message is not
 * fetched again before: journal_forwards_waiting); the rest from
 * AGENT_RETRY_BASE up to AGENT_RETRY_CAP, never sooner than the server
 * asked.
 */
gint64
retry_wait(enum chan_id c, guint attempts, gint64 retry_after)
{
	if (c == CHAN_FORWARD)
		return http_backoff(AGENT_SMTP_RETRY, AGENT_SMTP_RETRY_CAP,
		    attempts + 1, -1, NULL, NULL);
	return http_backoff(AGENT_RETRY_BASE, AGENT_RETRY_CAP, attempts + 1,
	    retry_after, NULL, NULL);
}

static enum lr_status send_started(struct agent *a, gint64 id,
    enum chan_id c, const char *target, const char *to, const char *payload,
    gsize len, guint attempts, char **why, gint64 *wait);

/*
 * One try of a delivery already planned (the journal's target; to: the
 * address it goes to): record the intent (and all before it) durable,
 * send, record the outcome. LR_OK; LR_TEMPFAIL
 * (tried again: retry_wait) or LR_BADMSG (given up), *why set; the
 * journal unable to record the intent is LR_TEMPFAIL.
 */
enum lr_status
send_planned(struct agent *a, gint64 id, enum chan_id c,
    const char *target, const char *to, const char *payload, gsize len,
    guint attempts, char **why, gint64 *wait)
{
	if (a->out.sink[c] == NULL) {
		*why = g_strdup_printf("%s: not configured any more",
		    chan_id_name(c));
		return LR_TEMPFAIL;
	}
	if (journal_delivery_start(a->j, id, c, target) != LR_OK ||
	    journal_flush(a->j) != LR_OK) {
		*why = g_strdup_printf("journal: cannot record the %s before "
		    "it goes", chan_id_name(c));
		return LR_TEMPFAIL;
	}
	return send_started(a, id, c, target, to, payload, len, attempts,
	    why, wait);
}

/* The send of a delivery whose intent is durable, and its outcome
 * recorded (deferred). As send_planned(). */
static enum lr_status
send_started(struct agent *a, gint64 id, enum chan_id c, const char *target,
    const char *to, const char *payload, gsize len, guint attempts,
    char **why, gint64 *wait)
{
	struct sink *s = a->out.sink[c];
	struct sink_failure fail;
	enum lr_status st;
	gint64 w;

	if ((st = sink_send(s, to, payload, len, &fail)) == LR_OK) {
		if (journal_delivery_done(a->j, id, c, target, now_s()) !=
		    LR_OK)
			log_warnx("journal: cannot record a %s delivery",
			    chan_id_name(c));
		return LR_OK;
	}
	*why = c == CHAN_FORWARD ? g_strdup_printf("forward to %s: %s", to,
	    fail.why) : g_strdup(fail.why);
	w = retry_wait(c, attempts, fail.retry_after);
	if (wait != NULL)
		*wait = w;
	if (journal_delivery_failed(a->j, id, c, target, *why, fail.permanent,
	    after_s(w), now_s()) != LR_OK)
		log_warnx("journal: cannot record a failed %s delivery",
		    chan_id_name(c));
	sink_failure_clear(&fail);
	return st;
}

/* What became of a delivery that never holds up the lead, logged. */
static void
log_outcome(gint64 id, enum lr_status st, const char *why, guint attempts,
    gint64 wait)
{
	if (st == LR_BADMSG)
		log_warnx("run: message %" G_GINT64_FORMAT ": %s: given up",
		    id, why);
	else if (st != LR_OK)
		log_warnx("run: message %" G_GINT64_FORMAT ": %s: try %u "
		    "failed, next in %" G_GINT64_FORMAT " s", id, why,
		    attempts + 1, wait);
}

/* One try of a delivery that never holds up the lead (an HTTP post, an
 * announcement), logged. */
static enum lr_status
send_logged(struct agent *a, gint64 id, enum chan_id c,
    const char *target, const char *to, const char *payload, guint attempts)
{
	char *why = NULL;
	gint64 wait = 0;
	enum lr_status st;

	st = send_planned(a, id, c, target, to, payload, strlen(payload),
	    attempts, &why, &wait);
	log_outcome(id, st, why, attempts, wait);
	g_free(why);
	return st;
}

/* An HTTP delivery planned while a batch is delivered, sent with the
 * others after its forwards (http_batch_send). */
struct http_job {
	gint64 id;
	enum chan_id c;
	char *target, *payload;
};

static void
http_job_free(gpointer p)
{
	struct http_job *jb = p;

	g_free(jb->target);
	g_free(jb->payload);
	g_free(jb);
}

void
http_batch_begin(struct agent *a)
{
	if (a->http_batch == NULL)
		a->http_batch = g_ptr_array_new_with_free_func(http_job_free);
}

/*
 * The HTTP deliveries of a batch (issue 19): their intents recorded in one
 * commit, sent one after another, their outcomes in a second. After a stop
 * (or a journal that cannot record the intents) they stay planned, and
 * retry_due sends them. A crash while they go may send those already
 * gone again: a Slack post or a webhook call twice, never a forward.
 */
void
http_batch_send(struct agent *a)
{
	GPtrArray *jobs = a->http_batch;
	gboolean down[CHAN_N] = { FALSE };
	enum lr_status st = LR_OK;

	a->http_batch = NULL;
	if (jobs == NULL)
		return;
	for (guint i = 0; i < jobs->len && st == LR_OK; i++) {
		struct http_job *jb = g_ptr_array_index(jobs, i);

		st = journal_delivery_start(a->j, jb->id, jb->c, jb->target);
	}
	if (st != LR_OK || journal_flush(a->j) != LR_OK) {
		log_warnx("journal: cannot record this batch's posts before "
		    "they go; they are tried later");
		g_ptr_array_free(jobs, TRUE);
		return;
	}
	for (guint i = 0; i < jobs->len && !stop_pending(); i++) {
		struct http_job *jb = g_ptr_array_index(jobs, i);
		char *why = NULL;
		gint64 wait = 0;

		/* a channel that failed (a timeout, a 5xx) is not tried again
		 * in this batch: its posts wait for retry_due, one at a time */
		if (a->out.sink[jb->c] == NULL || down[jb->c])
			continue;
		st = send_started(a, jb->id, jb->c, jb->target, jb->target,
		    jb->payload, strlen(jb->payload), 0, &why, &wait);
		log_outcome(jb->id, st, why, 0, wait);
		down[jb->c] = st == LR_TEMPFAIL;
		g_free(why);
	}
	if (journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record this batch's posts");
	g_ptr_array_free(jobs, TRUE);
}

/*
 * The mail about v's lead to `to` (an owner, a notice's or an
 * announcement's recipient), its original raw[len] attached, as the
 * smtp sink plans it; as: who the Message-ID names. *dims and *rule are
 * the caller's to free after planning.
 */
static void
lead_mail(const struct agent *a, const struct vars *v, const char *to,
    const char *as, const char *raw, size_t len, struct sink_lead *sl,
    char **dims, char **rule)
{
	*dims = dims_text(v->dc);
	*rule = v->dc->route_line ? g_strdup_printf("route %d",
	    v->dc->route_line) : NULL;
	sl->target = to;
	sl->tv.lookup = vars_lookup;
	sl->tv.ctx = (void *)v;
	sl->fs.from = a->cfg->smtp_from;
	sl->fs.to = to;
	sl->fs.reply_to = v->l->str[LF_EMAIL];
	sl->fs.raw = raw;
	sl->fs.raw_len = len;
	sl->fs.message_key = v->key;
	sl->fs.owner = as;
	sl->fs.loop_token = "1";	/* the header is ROUTE_LOOP_HEADER */
	sl->fs.rule = *rule;
	sl->fs.dimensions = *dims;
	sl->fs.reason = v->dc->reason;
}

/*
 * The forward to the owner (or notice n to them). LR_OK, LR_TEMPFAIL
 * (stay in the inbox; also when the journal cannot record the intent),
 * or LR_BADMSG when the server refused it for good. The caller makes sure
 * no delivery to this target is sent or refused already.
 */
enum lr_status
send_forward(struct agent *a, gint64 id, const struct vars *v,
    const char *raw, size_t len, const struct notice *n, char **why)
{
	struct sink_lead sl = { 0 };
	char *dims, *msg, *msgid, *rule, *target, *as;
	enum lr_status st;
	gsize mlen;

	/* the owner as the Message-ID knows them; the journal's target */
	as = n != NULL ? g_strdup_printf("%s-%s", n->tag, v->o->id) :
	    g_strdup(v->o->id);
	target = n != NULL ? g_strdup_printf("%s %s", n->tag, v->o->email) :
	    g_strdup(v->o->email);
	msgid = smtp_message_id(v->key, as, a->cfg->smtp_from);
	st = journal_delivery_plan(a->j, id, CHAN_FORWARD, target, msgid,
	    NULL, now_s());
	g_free(msgid);
	if (st != LR_OK) {
		*why = g_strdup("journal: cannot plan the forward");
		g_free(as);
		g_free(target);
		return LR_TEMPFAIL;
	}
	lead_mail(a, v, v->o->email, as, raw, len, &sl, &dims, &rule);
	if (n != NULL) {
		sl.subject = n->subject;
		sl.text = n->text;
	}
	msg = sink_plan(a->out.sink[CHAN_FORWARD], &sl, &mlen);
	if (msg == NULL) {
		*why = g_strdup_printf("forward to %s: cannot be built",
		    v->o->email);
		st = LR_TEMPFAIL;
	} else {
		guint tries = 0;

		if (journal_delivery_attempts(a->j, id, CHAN_FORWARD, target,
		    &tries) != LR_OK)
			tries = 0;
		st = send_planned(a, id, CHAN_FORWARD, target, v->o->email, msg,
		    mlen, tries, why, NULL);
	}
	g_free(msg);
	g_free(dims);
	g_free(rule);
	g_free(as);
	g_free(target);
	return st;
}

/* Plan an HTTP delivery on c for v's lead (with the template tmpl, NULL:
 * the channel's), then try it once; an announcement (to NULL and target
 * ANNOUNCE_TAG ...) is only planned: retry_due sends it, after the
 * filing, which it must never hold up. */
void
plan_http(struct agent *a, gint64 id, enum chan_id c,
    const char *target, const struct vars *v, const struct template *tmpl,
    const char *to)
{
	gboolean later = g_str_has_prefix(target, ANNOUNCE_TAG " ");
	struct sink_lead sl = { 0 };
	char *payload;
	gsize len;

	if (a->out.sink[c] == NULL)
		return;
	sl.target = to;
	sl.tv.lookup = vars_lookup;
	sl.tv.ctx = (void *)v;
	sl.text = tmpl;
	payload = sink_plan(a->out.sink[c], &sl, &len);
	if (payload == NULL || journal_delivery_plan(a->j, id, c, target,
	    NULL, payload, now_s()) != LR_OK || later) {
		g_free(payload);
		return;
	}
	if (a->http_batch != NULL) {	/* sent with the batch's others */
		struct http_job *jb = g_new0(struct http_job, 1);

		jb->id = id;
		jb->c = c;
		jb->target = g_strdup(target);
		jb->payload = payload;
		g_ptr_array_add(a->http_batch, jb);
		return;
	}
	send_logged(a, id, c, target, target, payload, 0);
	g_free(payload);
}

/* Who hears of a lead in a queue or in review; NULL: no such lead. */
static const struct notify *
notify_of(const struct agent *a, const struct decision *dc)
{
	const struct queue *q;

	if (dc->kind == DEST_REVIEW)
		return &a->rs->review_notify;
	if (dc->kind == DEST_QUEUE && (q = g_hash_table_lookup(a->rs->queues,
	    dc->id)) != NULL)
		return &q->notify;
	return NULL;
}

/*
 * The announcement of v's lead by email to `to`: the forward (from
 * forward.subject and forward.txt for a queue, review.txt for review)
 * with the original attached. Built once and planned in the journal:
 * retry_due sends it after the filing (a slow relay never holds the lead
 * up), and again on the retry policy when it fails.
 */
static void
announce_email(struct agent *a, gint64 id, const struct vars *v,
    const char *to, const char *raw, size_t len)
{
	struct sink *s = a->out.sink[CHAN_FORWARD];
	struct sink_lead sl = { 0 };
	char *target, *as, *msgid, *msg = NULL, *dims, *rule;
	gsize mlen;

	target = g_strdup_printf(ANNOUNCE_TAG " %s", to);
	if (s == NULL || delivery_to(a, id, CHAN_FORWARD, target) != JDLV_N) {
		g_free(target);
		return;
	}
	as = g_strdup_printf(ANNOUNCE_TAG "-%s", to);
	lead_mail(a, v, to, as, raw, len, &sl, &dims, &rule);
	if (v->dc->kind == DEST_REVIEW && a->out.review != NULL) {
		sl.subject = a->out.review_subject;
		sl.text = a->out.review;
	}
	msgid = smtp_message_id(v->key, as, a->cfg->smtp_from);
	if ((msg = sink_plan(s, &sl, &mlen)) == NULL)
		log_warnx("announce: %s to %s: cannot be built", v->key, to);
	else if (journal_delivery_plan(a->j, id, CHAN_FORWARD, target, msgid,
	    msg, now_s()) != LR_OK)
		log_warnx("journal: cannot plan the announcement of %s to %s",
		    v->key, to);
	g_free(msg);
	g_free(msgid);
	g_free(rule);
	g_free(dims);
	g_free(as);
	g_free(target);
}

/*
 * A lead sent to a queue or to review is announced as the destination's
 * notify says (spec 4.2, v2): a Slack post (slack.json: which queue, the
 * lead, for review the reason and when its SLA runs out) and an email to
 * each address or owner listed; each once, planned now and sent by
 * retry_due after the filing, which none of them holds up.
 */
static void
announce(struct agent *a, gint64 id, const struct vars *v, const char *raw,
    size_t len)
{
	const struct notify *n = notify_of(a, v->dc);
	char *target;

	if (n == NULL)
		return;
	target = v->dc->kind == DEST_REVIEW ? g_strdup(ANNOUNCE_TAG
	    " review") : g_strdup_printf(ANNOUNCE_TAG " queue %s", v->dc->id);
	if (n->slack && delivery_to(a, id, CHAN_SLACK, target) == JDLV_N)
		plan_http(a, id, CHAN_SLACK, target, v, NULL, NULL);
	g_free(target);
	for (guint i = 0; i < n->email->len; i++) {
		const char *to = g_array_index(n->email, struct ref, i).id;
		const struct owner *o = strchr(to, '@') == NULL &&
		    a->rs->owners != NULL ? owners_find(a->rs->owners, to) :
		    NULL;

		if (o != NULL)
			to = o->email;
		if (strchr(to, '@') != NULL)
			announce_email(a, id, v, to, raw, len);
	}
}

/* Slack for an owner's lead (channel, and a DM with a bot token), the
 * announcements of a lead in a queue or in review, and the webhook for
 * every lead that is not ignored: each once. raw[len]: the message, for
 * announcements by email. */
void
notify_lead(struct agent *a, gint64 id, const struct vars *v,
    const struct dlv_states *ds, const char *webhook_target,
    const char *raw, size_t len)
{
	if (v->o == NULL)
		announce(a, id, v, raw, len);
	if (webhook_target == NULL)
		webhook_target = "webhook";
	if (v->o != NULL && ds->st[CHAN_SLACK] == JDLV_N)
		plan_http(a, id, CHAN_SLACK, webhook_target, v, NULL, NULL);
	if (v->o != NULL && v->o->slack != NULL && *v->o->slack != '\0' &&
	    ds->st[CHAN_SLACK_DM] == JDLV_N)
		plan_http(a, id, CHAN_SLACK_DM, v->o->slack, v, NULL,
		    v->o->slack);
	if (v->dc->kind != DEST_IGNORE && ds->st[CHAN_WEBHOOK] == JDLV_N)
		plan_http(a, id, CHAN_WEBHOOK, webhook_target, v, NULL, NULL);
}

struct retry_pass {
	struct agent *a;
	gboolean down[CHAN_N];	/* failed in this pass: not tried again */
};

static enum lr_status
retry_one(const struct journal_delivery *dl, void *ctx)
{
	struct retry_pass *rp = ctx;
	enum lr_status st = LR_OK;

	if (stop_pending() || rp->down[dl->channel])
		return LR_OK;
	/* A forward is retried when its message is fetched again; an
	 * announcement by email keeps its message in the journal. */
	if (dl->channel != CHAN_FORWARD)
		st = send_logged(rp->a, dl->message_id, dl->channel,
		    dl->target, dl->target, dl->payload, dl->attempts);
	else if (dl->payload != NULL && g_str_has_prefix(dl->target,
	    ANNOUNCE_TAG " "))
		st = send_logged(rp->a, dl->message_id, dl->channel,
		    dl->target, dl->target + strlen(ANNOUNCE_TAG " "),
		    dl->payload, dl->attempts);
	/* an HTTP channel (one endpoint) that times out would hold the
	 * agent up once a post: one failure, and the rest of it waits for
	 * the next pass; mail refused for one address says nothing of the
	 * next */
	rp->down[dl->channel] = st == LR_TEMPFAIL &&
	    dl->channel != CHAN_FORWARD;
	return LR_OK;
}

/* Every HTTP delivery whose time has come; after a channel fails, its
 * others wait for the next pass. */
void
retry_due(struct agent *a)
{
	struct retry_pass rp = { .a = a };

	if (journal_deliveries_due(a->j, now_s(), retry_one, &rp) != LR_OK)
		log_warnx("journal: cannot read the deliveries due");
}

struct target_state {
	enum chan_id c;
	const char *target;
	enum journal_dstate st;	/* JDLV_N: no such delivery */
};

static enum lr_status
note_target(const struct journal_delivery *dl, void *ctx)
{
	struct target_state *t = ctx;

	if (dl->channel == t->c && strcmp(dl->target, t->target) == 0)
		t->st = dl->state;
	return LR_OK;
}

/* The state of message id's delivery on channel c to target; JDLV_N
 * when there is none. */
enum journal_dstate
delivery_to(struct agent *a, gint64 id, enum chan_id c,
    const char *target)
{
	struct target_state t = { c, target, JDLV_N };

	if (journal_message_deliveries(a->j, id, note_target, &t) != LR_OK)
		log_warnx("journal: cannot read the deliveries of message %"
		    G_GINT64_FORMAT, id);
	return t.st;
}

static struct template *
load_template(const struct config *cfg, const char *name)
{
	struct diag *d = diag_new();
	char *path;
	struct template *t;

	if (cfg->templates_dir == NULL) {
		/* the templates built in, as `init` writes them */
		char *rname = g_strconcat("templates/", name, NULL);
		GBytes *b = init_builtin(rname);
		gsize len = 0;
		const char *text = b != NULL ? g_bytes_get_data(b, &len) : NULL;

		path = g_strconcat("(built in) ", name, NULL);
		t = text != NULL ? template_parse(text, len, path,
		    template_mode_of(name), d) : NULL;
		if (b != NULL)
			g_bytes_unref(b);
		g_free(rname);
	} else {
		path = g_build_filename(cfg->templates_dir, name, NULL);
		t = template_load(path, template_mode_of(path), d);
	}
	if (diag_errors(d) > 0) {
		diag_print(d, stderr);
		template_free(t);
		t = NULL;
	}
	g_free(path);
	diag_free(d);
	return t;
}

/* The subject and Slack text of an escalation: built in (the spec's
 * template files have one for the email's text, escalation.txt). */
#define ESCALATION_SUBJECT "Review SLA missed: {{lead.name}}" \
	"{{^lead.name}}{{lead.email}}{{/lead.name}}" \
	"{{#lead.subject}}: {{lead.subject}}{{/lead.subject}}"
#define ESCALATION_SLACK "{\"text\": \"Review SLA missed: " \
	"{{lead.name}}{{^lead.name}}{{lead.email}}{{/lead.name}} has waited " \
	"{{review.waiting}} in {{folder.review}}{{#sla}} (SLA {{sla}}){{/sla}}" \
	"{{#owner.mention}}; {{owner.mention}}, please assign it{{/owner.mention}}" \
	". Move it into {{folder.owners}}/<owner id>.\"}"

/* The subject of a review announcement by email (its text is
 * review.txt). */
#define REVIEW_SUBJECT "Lead waiting in review: {{lead.name}}" \
	"{{^lead.name}}{{lead.email}}{{/lead.name}}" \
	"{{#lead.subject}}: {{lead.subject}}{{/lead.subject}}"

static struct template *
builtin_template(const char *text, const char *name, enum template_mode mode)
{
	struct diag *d = diag_new();
	struct template *t = template_parse(text, strlen(text), name, mode, d);

	if (diag_errors(d) > 0) {	/* a bug: the text is ours */
		diag_print(d, stderr);
		template_free(t);
		t = NULL;
	}
	diag_free(d);
	return t;
}

void
senders_close(struct senders *s)
{
	for (int c = 0; c < CHAN_N; c++)
		sink_free(s->sink[c]);
	smtp_free(s->smtp);
	channels_free(s->ch);
	template_free(s->subject);
	template_free(s->text);
	template_free(s->slack);
	template_free(s->webhook);
	template_free(s->escalation);
	template_free(s->review);
	template_free(s->review_subject);
	template_free(s->escalation_subject);
	template_free(s->escalation_slack);
	memset(s, 0, sizeof *s);
}

/* The sinks over what s holds; a dry run's send nothing. */
static void
sinks_open(const struct config *cfg, gboolean dry, struct senders *s)
{
	if (s->smtp != NULL)
		s->sink[CHAN_FORWARD] = sink_smtp_new(s->smtp, cfg->smtp_mode,
		    s->subject, s->text);
	s->sink[CHAN_SLACK] = sink_http_new(s->ch, CHAN_SLACK, s->slack);
	s->sink[CHAN_SLACK_DM] = sink_http_new(s->ch, CHAN_SLACK_DM,
	    s->slack);
	s->sink[CHAN_WEBHOOK] = sink_http_new(s->ch, CHAN_WEBHOOK,
	    s->webhook);
	for (int c = 0; dry && c < CHAN_N; c++)
		s->sink[c] = sink_dry_new(s->sink[c]);
}

/* The senders cfg asks for (SMTP with oauth when it says xoauth2), with
 * sinks that send nothing for a dry run; LR_CONFIG (logged) when they
 * cannot be. */
enum lr_status
senders_open(const struct config *cfg, struct oauth *oauth, gboolean dry,
    struct senders *s)
{
	memset(s, 0, sizeof *s);
	if (cfg->smtp_url != NULL) {
		struct smtp_config sc = { 0 };

		sc.url = cfg->smtp_url;
		sc.user = cfg->smtp_user;
		sc.password = cfg->smtp_password;
		sc.from = cfg->smtp_from;
		sc.allow_plaintext = cfg->smtp_allow_plaintext;
		sc.ca_file = cfg->smtp_ca_file;
		if (cfg->smtp_auth == CONFIG_AUTH_XOAUTH2)
			sc.oauth = oauth;
		if (smtp_new(&sc, &s->smtp) != LR_OK)
			return LR_CONFIG;
	}
	s->ch = channels_new(cfg);
	s->subject = load_template(cfg, "forward.subject");
	s->text = load_template(cfg, "forward.txt");
	s->slack = load_template(cfg, "slack.json");
	s->webhook = load_template(cfg, "webhook.json");
	s->escalation = load_template(cfg, "escalation.txt");
	s->review = load_template(cfg, "review.txt");
	s->review_subject = builtin_template(REVIEW_SUBJECT,
	    "review announcement subject", TEMPLATE_HEADER);
	s->escalation_subject = builtin_template(ESCALATION_SUBJECT,
	    "escalation subject", TEMPLATE_HEADER);
	s->escalation_slack = builtin_template(ESCALATION_SLACK,
	    "escalation Slack post", TEMPLATE_SLACK);
	if (s->smtp != NULL && (s->subject == NULL || s->text == NULL)) {
		log_warnx("run: forwards need the templates forward.subject "
		    "and forward.txt ([templates] dir)");
		senders_close(s);
		return LR_CONFIG;
	}
	if (cfg->webhook_url != NULL && s->webhook == NULL) {
		log_warnx("run: [webhook] needs the template webhook.json "
		    "([templates] dir)");
		senders_close(s);
		return LR_CONFIG;
	}
	sinks_open(cfg, dry, s);
	return LR_OK;
}
