/*
 * agent.c: `leadroute run`. One round: search the inbox for messages
 * without $LeadRouted and fetch them in batches; for each one, identify
 * it (its Message-ID read from the header block alone, else a digest) and
 * record it, decide it (or take the decision already recorded), deliver
 * what is still pending -- the forward first: a lead stays in the inbox
 * until its owner has it; then Slack, the owner's direct message and the
 * webhook, which never hold it up -- and queue it for filing; after each
 * batch of AGENT_FILE_BATCH messages, file them with one keyword STORE
 * and one MOVE per folder, and record the filing. Between rounds, HTTP deliveries that failed are retried
 * when the journal says they are due, a sweep reports messages left
 * unrouted too long, and the agent waits for new mail (IDLE, else poll).
 * `leadroute deliver` (agent_deliver) takes the same steps for one
 * message from a pipe, filing it into a Maildir instead of over IMAP.
 */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "agent.h"
#include "chanid.h"
#include "channel.h"
#include "digest.h"
#include "history.h"
#include "http.h"
#include "imap.h"
#include "journal.h"
#include "journal_route.h"
#include "journal_sla.h"
#include "jsonout.h"
#include "lead.h"
#include "log.h"
#include "mail.h"
#include "maildir.h"
#include "oauth.h"
#include "route.h"
#include "smtp.h"
#include "template.h"

#define AGENT_BACKOFF_MAX	300	/* seconds between reconnects, at most */
#define AGENT_SMTP_RETRY	60	/* seconds: when a deferred forward is due */
#define AGENT_RETRY_BASE	5	/* seconds before an HTTP delivery's retry */
#define AGENT_RETRY_CAP		3600	/* the longest wait between two tries */
#define AGENT_FILE_BATCH	IMAP_UID_BATCH	/* messages filed together */
/* The SLA marks a mail client shows (docs/board.md) */
#define AGENT_KEYWORD_DUE	"$SLADue"	/* an SLA clock runs */
#define AGENT_KEYWORD_BREACHED	"$SLABreached"	/* an SLA was missed */
#define AGENT_SUBJECT_WINDOW	(30 * 86400)	/* a reply matched by
						 * subject: leads this recent */
#define AGENT_DIGEST_RETRY	300	/* seconds before a digest's retry */
#define AGENT_DIGEST_RETRY_CAP	3600	/* the longest wait between two */
#define AGENT_DELIVER_MAILBOX	"(deliver)"	/* the journal's mailbox of
						 * messages from a pipe */
#define AGENT_LOCK_WAIT		60	/* seconds deliver waits for the
					 * journal held by another */

static volatile sig_atomic_t stopping, reloading;
static const char *clock_file;	/* AGENT_CLOCK_ENV; NULL: the wall clock */

struct pending_file {
	guint32 uid;
	gint64 id;		/* journal id; 0: not this copy's row */
	gboolean due;		/* an SLA clock runs: mark it AGENT_KEYWORD_DUE */
};

/* What sends, built from one configuration (replaced on SIGHUP). */
struct senders {
	struct smtp *smtp;	/* NULL: no [smtp], nothing forwarded */
	struct channels *ch;
	struct template *subject, *text, *slack, *webhook;
	struct template *escalation;		/* escalation.txt */
	struct template *escalation_subject, *escalation_slack;	/* built in */
};

struct agent {
	struct config *cfg;
	struct ruleset *rs;
	const struct agent_opts *o;
	struct journal *j;
	struct imap_conn *imap;
	struct senders out;
	struct oauth *oauth;	/* the inbox's OAuth2 client; NULL: none */
	char *mailbox;
	char *failed;		/* <prefix>/Failed */
	guint32 uidvalidity;
	gboolean folders_made;	/* since the last connect */
	struct journal *ro;	/* --dry-run: the journal, read only */
	struct history hist;	/* the journal, for routing */
	struct route_state state;
	GHashTable *moves;	/* folder -> GArray of struct pending_file */
	GHashTable *reported;	/* uid -> 1: reported as unrouted */
	gint64 next_sweep;
	gint64 next_board;	/* when to look at the board's folders */
	GHashTable *board;	/* folder -> struct board_folder * */
	GHashTable *board_told;	/* "key\nfolder" -> 1: a move left alone */
	GArray *answered;	/* of gint64: leads whose AGENT_KEYWORD_DUE
				 * goes at the board's next look */
	gint64 digest_done;	/* the due time of the last review digest */
	gint64 digest_retry;	/* no digest before (a failure) */
	gint64 digest_wait;	/* the wait after the next failure */
	const char *crash_on;	/* AGENT_CRASH_ENV */
	gboolean interrupted;	/* a signal stopped the fetch */
	guint routed, kept;	/* this round: filed, left in the inbox */
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
};

/* Delivery states of one message by channel; JDLV_N: not planned. */
struct dlv_states {
	enum journal_dstate st[CHAN_N];
	char *error[CHAN_N];	/* owned: the last error */
};

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reloading = 1;
	else
		stopping = 1;
}

/* A stop asked while the signals are blocked (between messages). */
static gboolean
stop_pending(void)
{
	sigset_t set;

	if (!stopping && sigpending(&set) == 0 &&
	    (sigismember(&set, SIGTERM) == 1 || sigismember(&set, SIGINT) == 1))
		stopping = 1;
	return stopping;
}

/* The test clock's time (clock_file), or the wall clock's when the file
 * cannot be read. */
static gint64
test_clock(void)
{
	static gboolean told;
	char *text = NULL, *end;
	gint64 t = 0;

	if (g_file_get_contents(clock_file, &text, NULL, NULL)) {
		t = g_ascii_strtoll(text, &end, 10);
		if (end == text || t <= 0)
			t = 0;
	}
	g_free(text);
	if (t == 0 && !told) {
		log_warnx("run: %s=%s: no Unix time in it; using the wall "
		    "clock", AGENT_CLOCK_ENV, clock_file);
		told = TRUE;
	}
	return t != 0 ? t : g_get_real_time() / G_USEC_PER_SEC;
}

static gint64
now_s(void)
{
	if (clock_file != NULL)
		return test_clock();
	return g_get_real_time() / G_USEC_PER_SEC;
}

/* The whole second at which seconds from now have surely passed (a
 * Retry-After is a lower bound: round up, never down). */
static gint64
after_s(gint64 seconds)
{
	if (clock_file != NULL)
		return now_s() + seconds;
	return (g_get_real_time() + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC +
	    seconds;
}

static char *
dims_text(const struct decision *dc)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *dv = g_ptr_array_index(dc->dims, i);

		g_string_append_printf(s, "%s%s=%s", i ? " " : "", dv->name,
		    dv->value);
	}
	return g_string_free(s, FALSE);
}

/* The same as a JSON object, for the journal. */
static char *
dims_json(const struct decision *dc)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *dv = g_ptr_array_index(dc->dims, i);

		json_member_string(b, dv->name, dv->value);
	}
	json_builder_end_object(b);
	return json_string(b, FALSE);
}

static char *
iso_time(gint64 t)
{
	GDateTime *d = g_date_time_new_from_unix_utc(t);
	char *r = d != NULL ? g_date_time_format_iso8601(d) : NULL;

	if (d != NULL)
		g_date_time_unref(d);
	return r;
}

/* The first-response SLA of a lead owner o has: o's own (the sla column
 * of owners.csv), else team's when the team gave it (team may be NULL);
 * 0 when none. */
static gint64
owner_sla(const struct ruleset *rs, const struct owner *o, const char *team)
{
	const struct team *t = team != NULL ? g_hash_table_lookup(rs->teams,
	    team) : NULL;

	if (o == NULL)
		return 0;
	return o->sla > 0 ? o->sla : t != NULL ? t->sla : 0;
}

/* The SLA that applies to v's lead: the review SLA while in review, its
 * owner's for a lead forwarded to one; 0 when none. */
static gint64
sla_of(const struct vars *v)
{
	const struct ruleset *rs = v->a->rs;

	if (v->review_since > 0 || v->dc->kind == DEST_REVIEW)
		return rs->review_sla;
	return owner_sla(rs, v->o, v->dc->kind == DEST_TEAM ? v->dc->id :
	    NULL);
}

/* The review folder's name. */
static char *
review_folder(const struct agent *a)
{
	return a->rs->review_folder != NULL ? g_strdup(a->rs->review_folder) :
	    g_strdup_printf("%s/Review", a->cfg->folder_prefix);
}

/* Variables that need the run: folders, SLA, time in review. */
static char *
lookup_run(const struct vars *v, const char *name)
{
	const struct agent *a = v->a;
	gint64 sla = sla_of(v);

	if (strcmp(name, "folder.review") == 0)
		return review_folder(a);
	if (strcmp(name, "folder.owners") == 0)
		return g_strdup_printf("%s/Owners", a->cfg->folder_prefix);
	if (strcmp(name, "review.since") == 0 && v->review_since > 0)
		return iso_time(v->review_since);
	if (strcmp(name, "review.waiting") == 0 && v->review_since > 0)
		return rules_duration_text(now_s() - v->review_since);
	if (strcmp(name, "sla") == 0 && sla > 0)
		return rules_duration_text(sla);
	if (strcmp(name, "sla.due") == 0 && sla > 0)
		return iso_time((v->review_since > 0 ? v->review_since :
		    now_s()) + sla);
	return NULL;
}

static char *
lookup(void *ctx, const char *name)
{
	const struct vars *v = ctx;
	enum lead_field f;

	if (g_str_has_prefix(name, "lead.form.")) {
		const char *vals[1];

		return lead_values(v->l, LF_FORM, name + 10, vals, 1) ?
		    g_strdup(vals[0]) : NULL;
	}
	if (g_str_has_prefix(name, "lead.") &&
	    lead_field_lookup(name + 5, &f) && f < LF_FORM)
		return g_strdup(v->l->str[f]);
	if (strcmp(name, "lead.is_form") == 0)
		return v->l->is_form ? g_strdup("yes") : NULL;
	if (g_str_has_prefix(name, "owner.") && v->o != NULL) {
		const char *k = name + 6;

		if (strcmp(k, "id") == 0)
			return g_strdup(v->o->id);
		if (strcmp(k, "name") == 0)
			return g_strdup(v->o->name);
		if (strcmp(k, "email") == 0)
			return g_strdup(v->o->email);
		if (strcmp(k, "slack") == 0)
			return g_strdup(v->o->slack);
	}
	if (g_str_has_prefix(name, "dimensions.")) {
		const struct dim_value *dv = decision_dim(v->dc, name + 11);

		return dv != NULL ? g_strdup(dv->value) : NULL;
	}
	if (strcmp(name, "dimensions") == 0)
		return dims_text(v->dc);
	if (strcmp(name, "team.id") == 0 && v->dc->kind == DEST_TEAM)
		return g_strdup(v->dc->id);
	if (strcmp(name, "destination.kind") == 0)
		return g_strdup(rules_dest_kind_name(v->dc->kind));
	if (strcmp(name, "destination.id") == 0)
		return g_strdup(v->dc->id);
	if (strcmp(name, "destination.folder") == 0)
		return g_strdup(v->dc->folder);
	if (strcmp(name, "route.line") == 0 && v->dc->route_line > 0)
		return g_strdup_printf("%d", v->dc->route_line);
	if (strcmp(name, "reason") == 0)
		return g_strdup(v->dc->reason);
	if (strcmp(name, "message_id") == 0)
		return g_strdup(v->key);
	if (strcmp(name, "received") == 0 && v->received > 0)
		return iso_time(v->received);
	if (strcmp(name, "leadroute.version") == 0)
		return g_strdup(PACKAGE_VERSION);
	if (v->a != NULL) {
		char *r = lookup_run(v, name);

		if (r != NULL)
			return r;
	}
	if (strcmp(name, "receipt") == 0) {
		char *d = dims_text(v->dc);
		char *r = g_strdup_printf("Routed by leadroute: %s (%s)%s%s",
		    v->dc->reason, d, v->dc->notes->len ? "; " : "",
		    v->dc->notes->len ? (char *)g_ptr_array_index(v->dc->notes,
		    0) : "");

		g_free(d);
		return r;
	}
	return NULL;
}

/* The message's identity: its Message-ID, else a digest of it. */
static char *
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

static void
queue_file(struct agent *a, const char *folder, guint32 uid, gint64 id,
    gboolean due)
{
	GArray *arr = g_hash_table_lookup(a->moves, folder);
	struct pending_file pf = { uid, id, due };

	if (arr == NULL) {
		arr = g_array_new(FALSE, FALSE, sizeof(struct pending_file));
		g_hash_table_insert(a->moves, g_strdup(folder), arr);
	}
	g_array_append_val(arr, pf);
}

static enum lr_status
note_state(const struct journal_delivery *dl, void *ctx)
{
	struct dlv_states *ds = ctx;

	ds->st[dl->channel] = dl->state;
	g_free(ds->error[dl->channel]);
	ds->error[dl->channel] = g_strdup(dl->last_error);
	return LR_OK;
}

static void
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

static void
delivery_states_clear(struct dlv_states *ds)
{
	for (int c = 0; c < CHAN_N; c++)
		g_free(ds->error[c]);
}

/* An email that is not the routing's forward (an escalation): its
 * templates, and the tag that keeps its journal row and Message-ID apart
 * from a forward to the same owner. */
struct notice {
	const struct template *subject, *text;
	const char *tag;
};

/*
 * The forward to the owner (or notice n to them). LR_OK, LR_TEMPFAIL
 * (stay in the inbox; also when the journal cannot record the intent),
 * or LR_BADMSG when the server refused it for good. The caller makes sure
 * no delivery to this target is sent or refused already.
 */
static enum lr_status
forward(struct agent *a, gint64 id, const struct vars *v, const char *raw,
    size_t len, const struct notice *n, char **why)
{
	struct forward_spec fs = { 0 };
	struct smtp_result res = { 0 };
	const char *rcpts[2] = { v->o->email, NULL };
	char *subject, *text, *dims, *msg = NULL, *msgid, *rule, *target;
	char *as;
	struct template_vars tv = { lookup, (void *)v };
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
	subject = template_render(n != NULL ? n->subject : a->out.subject,
	    &tv);
	text = template_render(n != NULL ? n->text : a->out.text, &tv);
	dims = dims_text(v->dc);
	rule = v->dc->route_line ? g_strdup_printf("route %d",
	    v->dc->route_line) : NULL;
	fs.from = a->cfg->smtp_from;
	fs.to = v->o->email;
	fs.reply_to = v->l->str[LF_EMAIL];
	fs.subject = subject;
	fs.text = text;
	fs.raw = raw;
	fs.raw_len = len;
	fs.message_key = v->key;
	fs.owner = as;
	fs.loop_token = "1";	/* the header is ROUTE_LOOP_HEADER */
	fs.rule = rule;
	fs.dimensions = dims;
	fs.reason = v->dc->reason;
	st = a->cfg->smtp_mode == SMTP_REDIRECT ?
	    smtp_build_redirect(&fs, &msg, &mlen) :
	    smtp_build_forward(&fs, &msg, &mlen);
	if (st == LR_OK && (st = journal_delivery_start(a->j, id, CHAN_FORWARD,
	    target)) == LR_OK && (st = journal_flush(a->j)) == LR_OK)
		st = smtp_send(a->out.smtp, smtp_sender(a->out.smtp), rcpts,
		    msg, mlen, &res);
	if (st == LR_OK) {
		if (journal_delivery_done(a->j, id, CHAN_FORWARD, target,
		    now_s()) != LR_OK)
			log_warnx("journal: cannot record the forward of %s",
			    v->key);
	} else {
		gboolean perm = res.permanent;

		*why = g_strdup_printf("forward to %s: %ld %s", v->o->email,
		    res.code, res.text ? res.text : "");
		if (journal_delivery_failed(a->j, id, CHAN_FORWARD, target,
		    *why, perm, after_s(AGENT_SMTP_RETRY), now_s()) != LR_OK)
			log_warnx("journal: cannot record a failed forward");
		st = perm ? LR_BADMSG : LR_TEMPFAIL;
	}
	smtp_result_clear(&res);
	g_free(msg);
	g_free(subject);
	g_free(text);
	g_free(dims);
	g_free(rule);
	g_free(as);
	g_free(target);
	return st;
}

/*
 * One try of an HTTP delivery already planned: record the intent, post,
 * record the outcome. A failure is retried on the journal's schedule
 * (backoff with jitter, or the server's Retry-After); it never holds up
 * the lead.
 */
static void
send_http(struct agent *a, gint64 id, enum chan_id c,
    const char *target, const char *payload, guint attempts)
{
	gint64 retry_after, wait;
	char *why = NULL;
	enum lr_status st;
	gboolean perm;

	/* the intent, and all before it, durable before the post */
	if (journal_delivery_start(a->j, id, c, target) != LR_OK ||
	    journal_flush(a->j) != LR_OK)
		return;
	st = channels_post(a->out.ch, c, payload, &retry_after, &why);
	if (st == LR_OK) {
		if (journal_delivery_done(a->j, id, c, target, now_s()) !=
		    LR_OK)
			log_warnx("journal: cannot record a %s delivery",
			    chan_id_name(c));
		return;
	}
	perm = st != LR_TEMPFAIL;
	wait = http_backoff(AGENT_RETRY_BASE, AGENT_RETRY_CAP, attempts + 1,
	    retry_after, NULL, NULL);
	if (perm)
		log_warnx("run: message %" G_GINT64_FORMAT ": %s: given up",
		    id, why);
	else
		log_warnx("run: message %" G_GINT64_FORMAT ": %s: try %u "
		    "failed, next in %" G_GINT64_FORMAT " s", id, why,
		    attempts + 1, wait);
	if (journal_delivery_failed(a->j, id, c, target, why, perm,
	    after_s(wait), now_s()) != LR_OK)
		log_warnx("journal: cannot record a failed %s delivery",
		    chan_id_name(c));
	g_free(why);
}

/* Plan an HTTP delivery with its payload (taken), then try it once. */
static void
plan_http(struct agent *a, gint64 id, enum chan_id c,
    const char *target, char *payload)
{
	if (payload != NULL && journal_delivery_plan(a->j, id, c, target,
	    NULL, payload, now_s()) == LR_OK)
		send_http(a, id, c, target, payload, 0);
	g_free(payload);
}

/* Slack for an owner's lead (channel, and a DM with a bot token), and
 * the webhook for every lead that is not ignored: each once. */
static void
notify(struct agent *a, gint64 id, const struct vars *v,
    const struct dlv_states *ds, const char *webhook_target)
{
	struct template_vars tv = { lookup, (void *)v };
	struct channels *ch = a->out.ch;

	if (webhook_target == NULL)
		webhook_target = "webhook";
	if (v->o != NULL && a->out.slack != NULL &&
	    channels_has(ch, CHAN_SLACK) && ds->st[CHAN_SLACK] == JDLV_N)
		plan_http(a, id, CHAN_SLACK, webhook_target,
		    template_render(a->out.slack, &tv));
	if (v->o != NULL && v->o->slack != NULL && *v->o->slack != '\0' &&
	    a->out.slack != NULL && channels_has(ch, CHAN_SLACK_DM) &&
	    ds->st[CHAN_SLACK_DM] == JDLV_N) {
		char *body = template_render(a->out.slack, &tv);

		plan_http(a, id, CHAN_SLACK_DM, v->o->slack,
		    channels_dm_payload(body, v->o->slack));
		g_free(body);
	}
	if (v->dc->kind != DEST_IGNORE && a->out.webhook != NULL &&
	    channels_has(ch, CHAN_WEBHOOK) && ds->st[CHAN_WEBHOOK] == JDLV_N)
		plan_http(a, id, CHAN_WEBHOOK, webhook_target,
		    template_render(a->out.webhook, &tv));
}

static enum lr_status
retry_one(const struct journal_delivery *dl, void *ctx)
{
	struct agent *a = ctx;

	/* A forward is retried when its message is fetched again. */
	if (dl->channel != CHAN_FORWARD && !stopping)
		send_http(a, dl->message_id, dl->channel, dl->target,
		    dl->payload, dl->attempts);
	return LR_OK;
}

/* Every HTTP delivery whose time has come. */
static void
retry_due(struct agent *a)
{
	if (a->j != NULL && journal_deliveries_due(a->j, now_s(), retry_one,
	    a) != LR_OK)
		log_warnx("journal: cannot read the deliveries due");
}

static void
log_lead(const struct vars *v, const char *result, gint64 started)
{
	log_info("lead %s %s -> %s%s%s%s%s (%s) %s: %s, %" G_GINT64_FORMAT
	    " ms", v->key, v->l->str[LF_EMAIL] ? v->l->str[LF_EMAIL] : "-",
	    rules_dest_kind_name(v->dc->kind), v->dc->id ? " " : "",
	    v->dc->id ? v->dc->id : "", v->dc->owner ? " owner " : "",
	    v->dc->owner ? v->dc->owner : "", v->dc->reason, v->dc->folder,
	    result, (g_get_monotonic_time() - started) / 1000);
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

	if (v->o != NULL) {
		GDateTime *t = g_date_time_to_timezone(now, v->o->tz);

		day = g_date_time_format(t, "%Y-%m-%d");
		g_date_time_unref(t);
		jd.owner_day = day;
	}
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

/* The owner whose address addr is, or NULL. */
static const struct owner *
owner_by_email(const struct agent *a, const char *addr)
{
	guint n = a->rs->owners != NULL ? owners_count(a->rs->owners) : 0;

	for (guint i = 0; addr != NULL && i < n; i++) {
		const struct owner *o = owners_nth(a->rs->owners, i);

		if (g_ascii_strcasecmp(o->email, addr) == 0)
			return o;
	}
	return NULL;
}

/* The end of the day at t (Unix seconds) in o's timezone. */
static gint64
end_of_day(const struct owner *o, gint64 t)
{
	GDateTime *l = owner_local(o, t);
	GDateTime *mid = g_date_time_new(o->tz, g_date_time_get_year(l),
	    g_date_time_get_month(l), g_date_time_get_day_of_month(l), 0, 0, 0);
	GDateTime *next = g_date_time_add_days(mid, 1);
	gint64 end = g_date_time_to_unix(next);

	g_date_time_unref(next);
	g_date_time_unref(mid);
	g_date_time_unref(l);
	return end;
}

/*
 * The lead owner o's reply l answers: by its thread headers (the lead's
 * or its forward's Message-ID), else by its subject and the lead's
 * address among its recipients (a client that drops the headers), o's
 * own lead first.
 */
static enum lr_status
reply_lead(struct agent *a, const struct owner *o, const struct lead *l,
    struct journal_thread *th, const char **via)
{
	char *key;
	enum lr_status st;

	*via = "thread";
	if (l->thread != NULL && l->thread[0] != NULL &&
	    ((st = journal_thread_lead(a->j, (const char *const *)l->thread,
	    th)) != LR_OK || th->lead != 0))
		return st;
	*via = "subject";
	key = lead_subject_key(l->str[LF_SUBJECT]);
	st = journal_subject_lead(a->j, (const char *const *)l->recipients,
	    key, now_s() - AGENT_SUBJECT_WINDOW, o->id, th);
	g_free(key);
	return st;
}

/* An out-of-office answer: Auto-Submitted: auto-replied, X-Autoreply or
 * X-Autorespond. Other machine mail (lists, bulk, auto-generated) from an
 * owner's address is no sign of absence. */
static gboolean
out_of_office(const struct lead *l)
{
	const char *v[1];

	if (lead_values(l, LF_HEADER, "Auto-Submitted", v, 1) == 1 &&
	    g_ascii_strncasecmp(v[0], "auto-replied", 12) == 0)
		return TRUE;
	return lead_values(l, LF_HEADER, "X-Autoreply", v, 1) == 1 ||
	    lead_values(l, LF_HEADER, "X-Autorespond", v, 1) == 1;
}

/*
 * An owner's auto-reply to a lead of theirs not answered yet ("out of
 * office"): they are away for the rest of their day, and the lead is
 * re-routed at once (the board's next look, which follows this round).
 */
static void
owner_away(struct agent *a, const struct owner *o, gint64 lead,
    const char *key)
{
	gint64 now = now_s(), until = end_of_day(o, now);
	char *at = owner_time_text(o, now, "%H:%M");
	char *why = g_strdup_printf("auto-reply at %s", at);

	if (journal_away_set(a->j, o->id, until, why, now) != LR_OK ||
	    journal_event(a->j, lead, "auto-reply", o->id, now) != LR_OK)
		log_warnx("journal: cannot record %s's auto-reply %s", o->id,
		    key);
	else
		log_warnx("owners: %s sent an auto-reply (%s): away for the "
		    "rest of the day; their lead is re-routed", o->id, key);
	a->next_board = 0;
	g_free(why);
	g_free(at);
}

/*
 * An owner's reply to a lead (they Cc or Bcc the inbox): not a new lead.
 * It is filed with the lead, and the first one is recorded as the lead's
 * first response, which stops its SLA clock; the lead owner's
 * auto-reply marks them away (owner_away). TRUE when message id was such
 * a reply (then it is decided and queued for filing).
 */
static gboolean
owner_reply(struct agent *a, gint64 id, guint32 uid, const char *key,
    const struct lead *l, gint64 started)
{
	const struct owner *o = owner_by_email(a, l->str[LF_FROM]);
	struct journal_thread th = { 0 };
	struct journal_decision d = { 0 };
	char *folder, *reason;
	const char *via;
	gint64 at = l->date > 0 && l->date <= now_s() ? l->date : now_s();
	gboolean first, mine;

	if (o == NULL || reply_lead(a, o, l, &th, &via) != LR_OK ||
	    th.lead == 0) {
		journal_thread_clear(&th);
		return FALSE;
	}
	folder = th.folder != NULL ? g_strdup(th.folder) :
	    g_strdup_printf("%s/Owners/%s", a->cfg->folder_prefix, th.owner);
	/* the lead's owner answering it; a colleague's reply is filed too */
	mine = !th.answered && strcmp(o->id, th.owner) == 0;
	first = mine && !l->is_auto;
	reason = g_strdup_printf("%s from %s to a lead of %s%s%s", l->is_auto ?
	    "auto-reply" : "reply", o->id, th.owner, strcmp(via, "subject") ==
	    0 ? " (by its subject)" : "", first ? ": its first response" :
	    mine && out_of_office(l) ? ": they are away, the lead is "
	    "re-routed" : "");
	d.kind = DEST_REPLY;
	d.dest_id = o->id;
	d.folder = folder;
	d.reason = reason;
	d.lead_email = l->str[LF_EMAIL];
	if (journal_record_decision(a->j, id, &d, now_s()) != LR_OK ||
	    (first && journal_event(a->j, th.lead, "first-response", key,
	    at) != LR_OK)) {
		/* it stays in the inbox, for the next round */
		log_warnx("journal: cannot record the reply %s", key);
		a->kept++;
		goto done;
	}
	if (first)	/* its clock stopped: the mark goes at the next look */
		g_array_append_val(a->answered, th.lead);
	if (mine && out_of_office(l))
		owner_away(a, o, th.lead, key);
	queue_file(a, folder, uid, id, FALSE);
	log_info("lead %s %s -> %s: ok, %" G_GINT64_FORMAT " ms", key,
	    reason, folder, (g_get_monotonic_time() - started) / 1000);
done:
	g_free(folder);
	g_free(reason);
	journal_thread_clear(&th);
	return TRUE;
}

/* A message the journal gave up on: into Failed, with its reason. */
static void
file_failed(struct agent *a, gint64 id, guint32 uid, const char *key)
{
	struct journal_message *m = NULL;

	if (journal_message_get(a->j, id, &m) == LR_OK)
		log_warnx("lead %s: filed in %s: %s", key, a->failed,
		    m->last_error ? m->last_error : "failed");
	journal_message_free(m);
	queue_file(a, a->failed, uid, id, FALSE);
}

struct fetch_ctx {
	struct agent *a;
	GDateTime *now;
};

static enum lr_status
one_message(guint32 uid, const char *data, size_t len, void *ctx)
{
	struct fetch_ctx *fc = ctx;
	struct agent *a = fc->a;
	gint64 started = g_get_monotonic_time(), id = 0;
	struct lead *l = NULL;
	struct decision *dc = NULL;
	struct vars v = { 0 };
	struct dlv_states ds;
	enum journal_state state = JMSG_FETCHED;
	enum journal_seen seen = JOURNAL_SEEN_NEW;
	char *why = NULL, *key;
	enum lr_status st = LR_OK;

	if (stop_pending()) {
		a->interrupted = TRUE;
		return LR_TEMPFAIL;	/* ends the fetch; the rest waits */
	}
	if (data == NULL) {
		log_warnx("run: uid %u: larger than %d bytes, filed in %s",
		    uid, IMAP_MAX_MESSAGE_BYTES, a->failed);
		if (!a->o->dry_run)
			queue_file(a, a->failed, uid, 0, FALSE);
		return LR_OK;
	}
	key = message_key(data, len, &v.received);
	v.key = key;
	v.a = a;
	if (!a->o->dry_run) {
		/* 1-2: fetched and identified, recorded before deciding */
		if ((st = journal_message_seen(a->j, key, a->mailbox,
		    a->uidvalidity, uid, len, v.received, now_s(), &id, &state,
		    &seen)) != LR_OK || (st = journal_flush(a->j)) != LR_OK)
			goto out;
		if (state == JMSG_FAILED) {
			file_failed(a, id, uid, key);
			goto out;
		}
		if (seen == JOURNAL_SEEN_DUPLICATE || state == JMSG_FILED) {
			struct journal_decision *jd = NULL;
			const char *folder = a->failed;

			if (journal_decision_get(a->j, id, &jd) == LR_OK)
				folder = jd->folder;
			queue_file(a, folder, uid,
			    seen == JOURNAL_SEEN_DUPLICATE ? 0 : id, FALSE);
			log_info("lead %s: %s, filed in %s", key,
			    seen == JOURNAL_SEEN_DUPLICATE ?
			    "a duplicate, routed once" : "seen before", folder);
			journal_decision_free(jd);
			goto out;
		}
		if (state == JMSG_FETCHED && a->crash_on != NULL &&
		    g_strstr_len(data, len, a->crash_on) != NULL) {
			log_warnx("run: %s: crashing on %s as asked",
			    AGENT_CRASH_ENV, key);
			abort();
		}
	}
	if (state != JMSG_FETCHED && !a->o->dry_run) {
		struct journal_decision *jd = NULL;
		gboolean reply = journal_decision_get(a->j, id, &jd) ==
		    LR_OK && jd->kind == DEST_REPLY;

		if (reply) {	/* an owner's reply: filed, nothing sent */
			queue_file(a, jd->folder, uid, id, FALSE);
			journal_decision_free(jd);
			goto out;
		}
		journal_decision_free(jd);
	}
	/* 3: decide */
	l = lead_from_bytes(data, len, a->rs->freemail);
	if (!a->o->dry_run && state == JMSG_FETCHED &&
	    owner_reply(a, id, uid, key, l, started)) {
		st = LR_OK;
		goto out;
	}
	/* with history only for a new decision: a recorded one is restored
	 * below, and its own record must not count as history */
	dc = route_decide(a->rs, l, fc->now, a->cfg->folder_prefix,
	    a->hist.j != NULL && state == JMSG_FETCHED ? &a->state : NULL);
	v.l = l;
	v.dc = dc;
	v.o = owner_of(a, dc);
	if (a->o->dry_run) {
		log_lead(&v, "dry run: nothing sent or moved", started);
		goto out;
	}
	if (state == JMSG_FETCHED) {
		if ((st = record_decision(a, id, &v, fc->now)) != LR_OK)
			goto out;
	} else {
		recorded_decision(a, id, dc);
		v.o = owner_of(a, dc);
	}

	/* 4: deliver; the forward first */
	delivery_states(a, id, &ds);
	if (v.o != NULL && a->out.smtp != NULL &&
	    ds.st[CHAN_FORWARD] != JDLV_SENT) {
		if (ds.st[CHAN_FORWARD] == JDLV_FAILED_PERMANENT) {
			why = g_strdup(ds.error[CHAN_FORWARD]);
			st = LR_BADMSG;
		} else
			st = forward(a, id, &v, data, len, NULL, &why);
		if (st == LR_TEMPFAIL) {
			log_lead(&v, why, started);
			a->kept++;
			st = LR_OK;	/* stays in the inbox for next round */
			delivery_states_clear(&ds);
			goto out;
		}
		if (st == LR_BADMSG) {
			/* the server refused it for good: review, with why */
			decision_to_review(dc, a->rs, a->cfg->folder_prefix,
			    why);
			v.o = NULL;
			if (journal_decision_to_review(a->j, id, dc->folder,
			    why, now_s()) != LR_OK)
				log_warnx("journal: cannot send message %"
				    G_GINT64_FORMAT " to review", id);
			st = LR_OK;
		}
	}
	notify(a, id, &v, &ds, NULL);
	delivery_states_clear(&ds);
	/* 5: file, with the batch */
	/* an SLA clock runs in review, and for an owner once forwarded */
	queue_file(a, dc->folder, uid, id, !g_str_has_prefix(key, "sha256:") &&
	    (dc->kind == DEST_REVIEW ? a->rs->review_sla > 0 : v.o != NULL &&
	    a->out.smtp != NULL && sla_of(&v) > 0));
	log_lead(&v, why ? why : "ok", started);
out:
	g_free(why);
	g_free(key);
	decision_free(dc);
	lead_free(l);
	return st;
}

static enum lr_status
file_batch(struct agent *a)
{
	GHashTableIter it;
	gpointer k, val;
	enum lr_status st;

	/* what the batch recorded is durable before anything moves */
	if ((st = journal_flush(a->j)) != LR_OK)
		return st;
	g_hash_table_iter_init(&it, a->moves);
	while (g_hash_table_iter_next(&it, &k, &val) && st == LR_OK) {
		GArray *arr = val;
		GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));
		GArray *due = g_array_new(FALSE, FALSE, sizeof(guint32));

		for (guint i = 0; i < arr->len; i++) {
			const struct pending_file *pf = &g_array_index(arr,
			    struct pending_file, i);

			g_array_append_val(uids, pf->uid);
			if (pf->due)
				g_array_append_val(due, pf->uid);
		}
		if ((st = imap_create(a->imap, k)) == LR_OK &&
		    (st = imap_add_keyword(a->imap, (guint32 *)uids->data,
		    uids->len, IMAP_KEYWORD_ROUTED)) == LR_OK &&
		    (st = imap_add_keyword(a->imap, (guint32 *)due->data,
		    due->len, AGENT_KEYWORD_DUE)) == LR_OK &&
		    (st = imap_move(a->imap, (guint32 *)uids->data, uids->len,
		    k)) == LR_OK)
			for (guint i = 0; i < arr->len; i++) {
				gint64 id = g_array_index(arr,
				    struct pending_file, i).id;

				if (id != 0 && journal_message_filed(a->j, id,
				    k, now_s()) != LR_OK)
					log_warnx("journal: cannot record the "
					    "filing of message %" G_GINT64_FORMAT,
					    id);
				a->routed++;
			}
		else
			log_warnx("run: filing %u message%s in %s: %s",
			    uids->len, uids->len == 1 ? "" : "s", (char *)k,
			    imap_last_error(a->imap));
		g_array_free(uids, TRUE);
		g_array_free(due, TRUE);
		g_hash_table_iter_remove(&it);
	}
	if (journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record the filing of this batch");
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

	if (a->j == NULL || journal_pending_messages(a->j, unfiled_uid, &u) !=
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

/* The time decisions are made at: now, or AGENT_NOW_ENV in tests. */
static GDateTime *
decide_time(void)
{
	const char *fixed = getenv(AGENT_NOW_ENV);

	if (clock_file != NULL)
		return g_date_time_new_from_unix_utc(now_s());
	GDateTime *t = fixed != NULL ? g_date_time_new_from_iso8601(fixed,
	    NULL) : NULL;

	if (fixed != NULL && t == NULL)
		log_warnx("run: %s=%s: not an ISO 8601 time; using the clock",
		    AGENT_NOW_ENV, fixed);
	return t != NULL ? t : g_date_time_new_now_utc();
}

/*
 * The folder board (spec section 9): people move filed leads between
 * <prefix>/Review, <prefix>/Owners/<id>, the queues' folders and the
 * ignore folder with any mail client. A message moved into a folder gets
 * a new UID there, so each folder is read from the UIDNEXT seen last
 * time (from 1 at start and after a UIDVALIDITY change): each message's
 * Message-ID is looked up in the journal, and one found filed elsewhere
 * was moved by a person. Into an owner's folder it is assigned (from
 * review, a queue or the ignore folder) or reassigned (from another
 * owner): forwarded to the owner with the Slack post, as for any route,
 * and then recorded with an event. Into review, a queue or the ignore
 * folder, the decision follows with an event, nothing is sent. A message
 * moved into any other folder is logged once and left alone.
 */
struct board_folder {
	guint32 uidvalidity, next;
};

struct board_msg {
	guint32 uid;
	char *key;
};

static enum lr_status
board_id(guint32 uid, const char *data, size_t len, void *ctx)
{
	GArray *found = ctx;
	struct board_msg m = { uid, mail_message_id(data, len, NULL) };

	if (m.key != NULL)
		g_array_append_val(found, m);
	return LR_OK;
}

/* The owner whose folder this is, or NULL. */
static const struct owner *
board_owner(const struct agent *a, const char *folder)
{
	enum dest_kind k;
	const char *id;

	return route_folder_dest(a->rs, a->cfg->folder_prefix, folder, &k,
	    &id) && k == DEST_OWNER ? owners_find(a->rs->owners, id) : NULL;
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
static enum journal_dstate
delivery_to(struct agent *a, gint64 id, enum chan_id c,
    const char *target)
{
	struct target_state t = { c, target, JDLV_N };

	if (journal_message_deliveries(a->j, id, note_target, &t) != LR_OK)
		log_warnx("journal: cannot read the deliveries of message %"
		    G_GINT64_FORMAT, id);
	return t.st;
}

struct whole {
	char *data;
	size_t len;
};

static enum lr_status
board_whole(guint32 uid, const char *data, size_t len, void *ctx)
{
	struct whole *w = ctx;

	(void)uid;
	if (data != NULL && w->data == NULL) {
		w->data = g_memdup2(data, len);
		w->len = len;
	}
	return LR_OK;
}

/* A filed lead read again (the board, escalations): its bytes, its lead
 * and the rules' decision for it (without history: dimensions and
 * reasons for the templates), and the template variables over them. */
struct filed {
	struct whole w;
	struct lead *l;
	struct decision *dc;
	struct vars v;
};

/* Fetch message uid of the selected folder into f; LR_BADMSG when it is
 * gone. The caller sets f->v.o and f->v.review_since as needed. */
static enum lr_status
filed_read(struct agent *a, guint32 uid, const char *key, struct filed *f)
{
	GDateTime *now;
	enum lr_status st;

	memset(f, 0, sizeof *f);
	if ((st = imap_fetch(a->imap, &uid, 1, board_whole, &f->w)) != LR_OK)
		return st;
	if (f->w.data == NULL)
		return LR_BADMSG;
	now = decide_time();
	f->l = lead_from_bytes(f->w.data, f->w.len, a->rs->freemail);
	f->dc = route_decide(a->rs, f->l, now, a->cfg->folder_prefix, NULL);
	g_date_time_unref(now);
	f->v.l = f->l;
	f->v.dc = f->dc;
	f->v.key = key;
	f->v.received = f->l->date;
	f->v.a = a;
	return LR_OK;
}

static void
filed_clear(struct filed *f)
{
	decision_free(f->dc);
	lead_free(f->l);
	g_free(f->w.data);
	memset(f, 0, sizeof *f);
}

/*
 * Forward a lead a person gave to owner o and post it; LR_TEMPFAIL when
 * the mail server deferred the forward (tried again at the next look).
 */
static enum lr_status
board_deliver(struct agent *a, gint64 id, const char *key, guint32 uid,
    const struct owner *o, const char *folder, const char *reason,
    char **why)
{
	struct filed f;
	struct decision *dc;
	struct dlv_states ds;
	char *tag;
	enum lr_status st;

	if ((st = filed_read(a, uid, key, &f)) != LR_OK) {
		if (st == LR_BADMSG)
			*why = g_strdup("the message is gone from the folder");
		filed_clear(&f);
		return st;
	}
	/* the person's choice, with the rules' dimensions for the receipt */
	dc = f.dc;
	dc->kind = DEST_OWNER;
	g_free(dc->id);
	dc->id = g_strdup(o->id);
	g_free(dc->owner);
	dc->owner = g_strdup(o->id);
	g_free(dc->folder);
	dc->folder = g_strdup(folder);
	g_free(dc->reason);
	dc->reason = g_strdup(reason);
	f.v.o = o;
	st = LR_OK;
	switch (a->out.smtp != NULL ? delivery_to(a, id, CHAN_FORWARD,
	    o->email) : JDLV_SENT) {
	case JDLV_SENT:		/* they had it before (or no [smtp]) */
		break;
	case JDLV_FAILED_PERMANENT:
		*why = g_strdup_printf("the mail server refused the forward "
		    "to %s before", o->email);
		st = LR_BADMSG;
		break;
	default:
		st = forward(a, id, &f.v, f.w.data, f.w.len, NULL, why);
		break;
	}
	if (st == LR_OK) {
		for (int c = 0; c < CHAN_N; c++) {
			ds.st[c] = JDLV_N;
			ds.error[c] = NULL;
		}
		tag = g_strdup_printf("webhook for %s", o->id);
		notify(a, id, &f.v, &ds, tag);
		g_free(tag);
	}
	filed_clear(&f);
	return st;
}

/* What the decision becomes when a lead is found in folder (d's strings
 * borrowed from the rules and folder); FALSE when the folder is none of
 * the board's. */
static gboolean
board_decision(const struct agent *a, const char *folder,
    struct journal_decision *d)
{
	enum dest_kind k;
	const char *id;

	if (!route_folder_dest(a->rs, a->cfg->folder_prefix, folder, &k, &id))
		return FALSE;
	d->kind = k;
	d->dest_id = id;
	d->owner = k == DEST_OWNER ? id : NULL;
	d->folder = folder;
	return TRUE;
}

/* Has the lead key a first response? */
static gboolean
answered(struct agent *a, const char *key)
{
	const char *thread[] = { key, NULL };
	struct journal_thread th;
	gboolean yes = journal_thread_lead(a->j, thread, &th) == LR_OK &&
	    th.answered;

	journal_thread_clear(&th);
	return yes;
}

/* One message seen in a board folder. */
static void
board_check(struct agent *a, const char *folder, struct board_folder *bf,
    const struct board_msg *m)
{
	struct journal_decision d = { 0 };
	const struct owner *o = board_owner(a, folder);
	char *was = NULL, *detail = NULL, *reason = NULL;
	char *why = NULL, *told;
	gint64 id = 0, filed_at = 0;
	const struct owner *from;
	const char *event;
	gboolean due;
	enum lr_status st = LR_OK;

	if (journal_message_find(a->j, m->key, &id, &was, &filed_at) !=
	    LR_OK || id == 0 || (was != NULL && strcmp(was, folder) == 0))
		goto out;	/* not ours, or not moved */
	if (was == NULL) {
		/* decided and moved here, but a stop came before the
		 * filing was recorded: record it now */
		struct journal_decision *jd = NULL;

		if (journal_decision_get(a->j, id, &jd) == LR_OK &&
		    strcmp(jd->folder, folder) == 0 &&
		    journal_message_filed(a->j, id, folder, now_s()) == LR_OK)
			log_info("board: %s: its filing in %s recorded after "
			    "a stop", m->key, folder);
		journal_decision_free(jd);
		goto out;
	}
	if (!board_decision(a, folder, &d)) {
		told = g_strdup_printf("%s\n%s", m->key, folder);
		if (g_hash_table_add(a->board_told, told))
			log_warnx("board: %s was moved from %s into %s, which "
			    "is no owner's, queue's, review or ignore folder; "
			    "left alone", m->key, was, folder);
		goto out;
	}
	from = board_owner(a, was);
	if (o != NULL && from != NULL) {
		event = "reassigned";
		detail = g_strdup_printf("%s -> %s", from->id, o->id);
	} else if (o != NULL) {
		event = "assigned";
		detail = g_strdup_printf("to %s from %s after %" G_GINT64_FORMAT
		    " s there", o->id, was, MAX(now_s() - filed_at, 0));
	} else {
		event = "moved";
		detail = g_strdup_printf("%s -> %s", was, folder);
	}
	reason = g_strdup_printf("%s by a person: %s", event, detail);
	d.reason = reason;
	if (o != NULL) {
		st = board_deliver(a, id, m->key, m->uid, o, folder, reason,
		    &why);
		if (st == LR_TEMPFAIL || st == LR_BADSOURCE) {
			log_warnx("board: %s %s: %s; trying again", m->key,
			    event, why != NULL ? why : imap_last_error(a->imap));
			bf->next = MIN(bf->next, m->uid);
			goto out;
		}
		if (st != LR_OK)
			log_warnx("board: %s %s, but %s", m->key, event,
			    why != NULL ? why : "it could not be delivered");
	}
	if (journal_redecide(a->j, id, &d, event, detail, now_s()) != LR_OK ||
	    journal_flush(a->j) != LR_OK) {
		log_warnx("journal: cannot record that %s was %s", m->key,
		    event);
		goto out;
	}
	log_info("board: %s %s (%s)", m->key, event, detail);
	/* a new clock runs with an owner who has an SLA, or in review */
	due = o != NULL ? owner_sla(a->rs, o, NULL) > 0 &&
	    a->out.smtp != NULL && !answered(a, m->key) : d.kind ==
	    DEST_REVIEW && a->rs->review_sla > 0;
	if ((due ? imap_add_keyword(a->imap, &m->uid, 1, AGENT_KEYWORD_DUE) :
	    imap_remove_keyword(a->imap, &m->uid, 1, AGENT_KEYWORD_DUE)) !=
	    LR_OK)
		log_warnx("board: %s: cannot change its SLA mark: %s", m->key,
		    imap_last_error(a->imap));
out:
	g_free(was);
	g_free(detail);
	g_free(reason);
	g_free(why);
}

/*
 * The folders to watch: every destination folder, and every other folder
 * under the prefix, so that a move into a folder that is nobody's is
 * seen (and reported) too.
 */
static GPtrArray *
board_folders(struct agent *a)
{
	GPtrArray *folders = route_folders(a->rs, a->cfg->folder_prefix);
	GPtrArray *more = NULL;
	char *pattern = g_strdup_printf("%s/*", a->cfg->folder_prefix);
	GHashTable *have = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < folders->len; i++)
		g_hash_table_add(have, g_ptr_array_index(folders, i));
	if (imap_list(a->imap, pattern, &more) == LR_OK) {
		for (guint i = 0; i < more->len; i++) {
			const char *f = g_ptr_array_index(more, i);

			if (!g_hash_table_contains(have, f) &&
			    strcmp(f, a->failed) != 0)
				g_ptr_array_add(folders, g_strdup(f));
		}
		g_ptr_array_unref(more);
	}
	g_hash_table_destroy(have);
	g_free(pattern);
	return folders;
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
	struct template_vars tv = { lookup, &f.v };
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
	mailed = to != NULL && a->out.smtp != NULL && n.subject != NULL &&
	    n.text != NULL;
	if (mailed && (st = forward(a, ov->id, &f.v, f.w.data, f.w.len, &n,
	    &why)) == LR_TEMPFAIL) {
		log_warnx("escalation: %s: %s; trying again", ov->key, why);
		goto out;
	}
	posted = a->out.escalation_slack != NULL &&
	    channels_has(a->out.ch, CHAN_SLACK);
	if (posted)
		plan_http(a, ov->id, CHAN_SLACK, "escalation",
		    template_render(a->out.escalation_slack, &tv));
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
	if (imap_add_keyword(a->imap, &uid, 1, AGENT_KEYWORD_BREACHED) !=
	    LR_OK || imap_remove_keyword(a->imap, &uid, 1,
	    AGENT_KEYWORD_DUE) != LR_OK)
		log_warnx("escalation: %s: cannot mark it %s: %s", ov->key,
		    AGENT_KEYWORD_BREACHED, imap_last_error(a->imap));
	waited = rules_duration_text(now_s() - ov->since);
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
	if ((add != NULL && (st = imap_add_keyword(a->imap,
	    (guint32 *)uids->data, uids->len, add)) != LR_OK) ||
	    (remove != NULL && (st = imap_remove_keyword(a->imap,
	    (guint32 *)uids->data, uids->len, remove)) != LR_OK))
		log_warnx("sla: %s: cannot change its marks: %s",
		    m->key, imap_last_error(a->imap));
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
	const struct owner *o = dl->channel == CHAN_FORWARD ?
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
	if ((st = imap_create(a->imap, f.dc->folder)) != LR_OK ||
	    (st = a->rs->review_sla > 0 ? imap_add_keyword(a->imap, &uid, 1,
	    AGENT_KEYWORD_DUE) : imap_remove_keyword(a->imap, &uid, 1,
	    AGENT_KEYWORD_DUE)) != LR_OK ||
	    (st = imap_move(a->imap, &uid, 1, f.dc->folder)) != LR_OK) {
		log_warnx("sla: %s: cannot move it to %s: %s", ov->key,
		    f.dc->folder, imap_last_error(a->imap));
		goto out;
	}
	d.folder = f.dc->folder;
	d.reason = reason;
	if (journal_redecide(a->j, ov->id, &d, "to-review", reason,
	    now_s()) != LR_OK || journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record that %s went to review",
		    ov->key);
	else
		log_warnx("sla: %s to review (%s)", ov->key, reason);
	for (int c = 0; c < CHAN_N; c++) {
		ds.st[c] = JDLV_N;
		ds.error[c] = NULL;
	}
	notify(a, ov->id, &f.v, &ds, "webhook for review");
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
	gint64 secs = cur != NULL ? owner_sla(a->rs, cur, ov->kind ==
	    DEST_TEAM ? ov->team : NULL) : 0;
	guint32 uid;
	enum lr_status st = LR_OK;

	if (cur == NULL || (!ov->autoreplied && (secs <= 0 ||
	    owner_work_seconds(cur, ov->since, now_s()) < secs)))
		return LR_OK;
	h.owners = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_add(h.owners, (gpointer)cur->id);
	if (journal_message_deliveries(a->j, ov->id, note_had, &h) != LR_OK)
		goto out;
	now = decide_time();
	next = t != NULL ? route_team_next(t, now, &a->state, NULL,
	    h.owners) : NULL;
	d.kind = DEST_TEAM;
	if (next == NULL && t != NULL && t->escalate.id != NULL &&
	    !g_hash_table_contains(h.owners, t->escalate.id) &&
	    a->rs->owners != NULL) {
		next = owners_find(a->rs->owners, t->escalate.id);
		d.kind = DEST_OWNER;	/* the escalation ends the chase */
		/* not to an escalation owner who is away or inactive (their
		 * hours and cap do not count: an escalation is not rotation) */
		if (next != NULL && route_owner_available(next, now,
		    &a->state, FALSE, NULL) != AVAIL_YES)
			next = NULL;
	}
	g_date_time_unref(now);
	sla = secs > 0 ? rules_duration_text(secs) : NULL;
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
	folder = g_strdup_printf("%s/Owners/%s", a->cfg->folder_prefix,
	    next->id);
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
	if ((!ov->autoreplied && imap_add_keyword(a->imap, &uid, 1,
	    AGENT_KEYWORD_BREACHED) != LR_OK) ||
	    (owner_sla(a->rs, next, d.kind == DEST_TEAM ? t->id : NULL) >
	    0 ? imap_add_keyword(a->imap, &uid, 1, AGENT_KEYWORD_DUE) :
	    imap_remove_keyword(a->imap, &uid, 1, AGENT_KEYWORD_DUE)) != LR_OK)
		log_warnx("sla: %s: cannot change its SLA marks: %s", ov->key,
		    imap_last_error(a->imap));
	if (imap_create(a->imap, folder) != LR_OK ||
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
	return st == LR_BADSOURCE ? st : LR_OK;
}

/* The review queue for the digest: the items and their strings. */
struct digest_list {
	GArray *items;		/* of struct digest_item */
	GStringChunk *strs;
};

static const char *
chunk_dup(GStringChunk *c, const char *s)
{
	return s != NULL ? g_string_chunk_insert(c, s) : NULL;
}

static enum lr_status
digest_add(const struct journal_overdue *ov, void *ctx)
{
	struct digest_list *dl = ctx;
	struct digest_item it = { chunk_dup(dl->strs, ov->key),
	    chunk_dup(dl->strs, ov->email), chunk_dup(dl->strs, ov->subject),
	    chunk_dup(dl->strs, ov->reason), ov->since, ov->escalated };

	g_array_append_val(dl->items, it);
	return LR_OK;
}

/* Send the digest of dl to o; *detail says what happened. */
static enum lr_status
digest_send(struct agent *a, const struct owner *o,
    const struct digest_list *dl, gint64 due, gint64 now, char **detail)
{
	const struct digest_item *items = (const struct digest_item *)
	    dl->items->data;
	struct digest_spec sp = { NULL, NULL, NULL, a->rs->review_sla };
	struct forward_spec fs = { 0 };
	struct smtp_result res = { 0 };
	const char *rcpts[2] = { o->email, NULL };
	char *subject, *text, *key, *as, *msg = NULL;
	gsize len;
	enum lr_status st;

	sp.review_folder = review_folder(a);
	sp.owners_folder = g_strdup_printf("%s/Owners", a->cfg->folder_prefix);
	sp.ignore_folder = a->rs->ignore_folder != NULL ?
	    g_strdup(a->rs->ignore_folder) :
	    g_strdup_printf("%s/Ignored", a->cfg->folder_prefix);
	subject = digest_subject(items, dl->items->len, now);
	text = digest_text(items, dl->items->len, now, &sp, o);
	key = g_strdup_printf("digest %" G_GINT64_FORMAT, due);
	as = g_strdup_printf("digest-%s", o->id);
	fs.from = a->cfg->smtp_from;
	fs.to = o->email;
	fs.subject = subject;
	fs.text = text;
	fs.message_key = key;
	fs.owner = as;
	fs.loop_token = "1";
	fs.date = now;
	st = smtp_build_forward(&fs, &msg, &len);
	if (st == LR_OK)
		st = smtp_send(a->out.smtp, smtp_sender(a->out.smtp), rcpts,
		    msg, len, &res);
	if (st == LR_OK)
		*detail = g_strdup_printf("to %s: %u lead%s in review", o->id,
		    dl->items->len, dl->items->len == 1 ? "" : "s");
	else
		*detail = g_strdup_printf("to %s: not sent: %ld %s", o->id,
		    res.code, res.text != NULL ? res.text : "");
	smtp_result_clear(&res);
	g_free((char *)sp.review_folder);
	g_free((char *)sp.owners_folder);
	g_free((char *)sp.ignore_folder);
	g_free(subject);
	g_free(text);
	g_free(key);
	g_free(as);
	g_free(msg);
	return st;
}

/*
 * Keep of dl's items those the review folder still holds (a lead deleted
 * there, or moved out of the board's folders, is in review for the
 * journal only); an item without a Message-ID cannot be looked for and
 * stays. LR_BADSOURCE when the connection is lost.
 */
static enum lr_status
digest_present(struct agent *a, const char *folder, struct digest_list *dl)
{
	GArray *found = g_array_new(FALSE, FALSE, sizeof(struct board_msg));
	GHashTable *there = g_hash_table_new(g_str_hash, g_str_equal);
	enum lr_status st;
	guint gone = 0;

	st = imap_select(a->imap, folder, NULL, NULL);
	if (st == LR_OK)
		st = imap_message_ids(a->imap, 1, board_id, found);
	for (guint i = 0; i < found->len; i++)
		g_hash_table_add(there, g_array_index(found, struct board_msg,
		    i).key);
	for (guint i = dl->items->len; st == LR_OK && i-- > 0; ) {
		const char *key = g_array_index(dl->items, struct digest_item,
		    i).key;

		if (key != NULL && strncmp(key, "sha256:", 7) != 0 &&
		    !g_hash_table_contains(there, key)) {
			g_array_remove_index(dl->items, i);
			gone++;
		}
	}
	if (gone > 0)
		log_info("digest: %u lead%s the journal has in review %s not "
		    "in %s (deleted, or moved out of the board's folders)",
		    gone, gone == 1 ? "" : "s", gone == 1 ? "is" : "are",
		    folder);
	for (guint i = 0; i < found->len; i++)
		g_free(g_array_index(found, struct board_msg, i).key);
	g_array_free(found, TRUE);
	g_hash_table_destroy(there);
	return st;
}

/*
 * The daily digest of open review items (`review ... escalate OWNER
 * digest HH:MM`): at that time in the owner's zone, on their working
 * days, an email to them listing what waits in the review folder. Once a
 * day: a "digest" event records it, also when review was empty (nothing
 * is sent then) or the server refused it for good, and the agent keeps
 * the day in memory too (a journal that cannot record it never makes it
 * send twice). A digest missed while the agent was stopped goes out when
 * it runs again that day. A temporary failure is tried again after
 * AGENT_DIGEST_RETRY seconds, doubling up to an hour.
 */
static enum lr_status
review_digest(struct agent *a)
{
	const struct owner *to = a->rs->owners != NULL &&
	    a->rs->review_escalate.id != NULL ? owners_find(a->rs->owners,
	    a->rs->review_escalate.id) : NULL;
	struct digest_list dl = { NULL, NULL };
	gint64 now = now_s(), due, last;
	char *detail = NULL, *folder = NULL;
	enum lr_status st = LR_OK;

	if (a->rs->review_digest < 0 || to == NULL)
		return LR_OK;
	if (a->out.smtp == NULL) {
		if (g_hash_table_add(a->board_told, g_strdup("digest")))
			log_warnx("digest: no [smtp] to send the review "
			    "digest to %s with", to->id);
		return LR_OK;
	}
	due = digest_due(to, a->rs->review_digest, now);
	if (due == 0 || due <= a->digest_done || now < a->digest_retry)
		return LR_OK;
	if (journal_event_last(a->j, "digest", &last) != LR_OK) {
		log_warnx("digest: the journal cannot say when the last one "
		    "went; trying again later");
		goto later;
	}
	if (last >= due) {
		a->digest_done = due;
		return LR_OK;
	}
	dl.items = g_array_new(FALSE, FALSE, sizeof(struct digest_item));
	dl.strs = g_string_chunk_new(1024);
	folder = review_folder(a);
	if (journal_review_open(a->j, digest_add, &dl) != LR_OK) {
		log_warnx("digest: cannot list the review queue from the "
		    "journal; trying again later");
		goto later;
	}
	if (dl.items->len > 0 && (st = digest_present(a, folder, &dl)) !=
	    LR_OK) {
		if (st != LR_BADSOURCE)
			log_warnx("digest: cannot look into %s: %s; trying "
			    "again later", folder, imap_last_error(a->imap));
		goto later;
	}
	if (dl.items->len == 0)
		detail = g_strdup("review empty; nothing sent");
	else if ((st = digest_send(a, to, &dl, due, now, &detail)) ==
	    LR_TEMPFAIL || st == LR_CONFIG) {
		char *wait = rules_duration_text(a->digest_wait);

		log_warnx("digest: %s; trying again in %s", detail, wait);
		g_free(wait);
		goto later;
	}
	a->digest_done = due;
	a->digest_wait = AGENT_DIGEST_RETRY;
	if (journal_event(a->j, 0, "digest", detail, now) != LR_OK ||
	    journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record the review digest (%s)",
		    detail);
	else if (st != LR_OK)
		log_warnx("digest: %s", detail);
	else
		log_info("digest: %s", detail);
	goto out;
later:
	a->digest_retry = now + a->digest_wait;
	a->digest_wait = MIN(a->digest_wait * 2, AGENT_DIGEST_RETRY_CAP);
out:
	g_free(detail);
	g_free(folder);
	if (dl.strs != NULL)
		g_string_chunk_free(dl.strs);
	if (dl.items != NULL)
		g_array_free(dl.items, TRUE);
	return st == LR_BADSOURCE ? st : LR_OK;
}

static enum lr_status
escalate(struct agent *a)
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

/* Look at every board folder for messages moved in since last time. */
static enum lr_status
board_scan(struct agent *a)
{
	GPtrArray *folders = board_folders(a);
	enum lr_status st = LR_OK;

	for (guint i = 0; i < folders->len && st != LR_BADSOURCE &&
	    !stop_pending(); i++) {
		const char *f = g_ptr_array_index(folders, i);
		struct board_folder *bf = g_hash_table_lookup(a->board, f);
		guint32 uidvalidity = 0, uidnext = 0, from;
		GArray *found;

		if ((st = imap_select(a->imap, f, &uidvalidity,
		    &uidnext)) != LR_OK)
			continue;	/* not there (yet): nothing moved in */
		if (bf == NULL) {
			bf = g_new0(struct board_folder, 1);
			g_hash_table_insert(a->board, g_strdup(f), bf);
		}
		from = bf->uidvalidity == uidvalidity ? bf->next : 1;
		bf->uidvalidity = uidvalidity;
		if (uidnext != 0 && uidnext <= from) {
			bf->next = uidnext;
			continue;
		}
		found = g_array_new(FALSE, FALSE, sizeof(struct board_msg));
		st = imap_message_ids(a->imap, from, board_id, found);
		if (st == LR_OK)
			bf->next = uidnext != 0 ? uidnext : from;
		for (guint k = 0; st == LR_OK && k < found->len; k++)
			board_check(a, f, bf, &g_array_index(found,
			    struct board_msg, k));
		for (guint k = 0; k < found->len; k++)
			g_free(g_array_index(found, struct board_msg, k).key);
		g_array_free(found, TRUE);
	}
	g_ptr_array_free(folders, TRUE);
	if (st != LR_BADSOURCE)
		st = escalate(a);
	if (st == LR_BADSOURCE)
		return st;
	/* IDLE watches the selected mailbox: the inbox again */
	return imap_select(a->imap, a->mailbox, NULL, NULL);
}

/* One round over what the inbox holds unrouted. */
static enum lr_status
round_once(struct agent *a)
{
	GArray *uids = NULL;
	struct fetch_ctx fc = { a, NULL };
	guint32 uidvalidity = 0;
	guint filed = 0;
	enum lr_status st;

	a->routed = a->kept = 0;
	a->interrupted = FALSE;
	if ((st = imap_select(a->imap, a->mailbox, &uidvalidity,
	    NULL)) != LR_OK)
		return st;
	if (a->uidvalidity != 0 && uidvalidity != a->uidvalidity) {
		/* Old UIDs mean nothing now: messages are known by key. */
		log_warnx("run: %s: UIDVALIDITY changed from %u to %u; "
		    "messages are identified again by Message-ID", a->mailbox,
		    a->uidvalidity, uidvalidity);
		g_hash_table_remove_all(a->reported);
	}
	a->uidvalidity = uidvalidity;
	if ((st = imap_search_unrouted(a->imap, IMAP_KEYWORD_ROUTED,
	    &uids)) != LR_OK)
		return st;
	add_unfiled(a, uids);
	if (uids->len == 0) {
		g_array_free(uids, TRUE);
		return LR_OK;
	}
	fc.now = decide_time();
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
		if (st == LR_OK && !a->o->dry_run)
			st = file_batch(a);
		g_hash_table_remove_all(a->moves);
		if (a->routed > 0 || a->kept > 0)
			log_info("run: %u filed, %u left in the inbox for "
			    "later", a->routed, a->kept);
		filed += a->routed;
		a->routed = a->kept = 0;
	}
	g_date_time_unref(fc.now);
	g_array_free(uids, TRUE);
	a->routed = filed;
	return st;
}

/*
 * The reconciliation sweep: a message that has waited in the inbox longer
 * than unrouted_after without being routed is an error, logged at every
 * sweep and reported once to the Slack channel and the journal.
 */
static void
sweep(struct agent *a)
{
	GArray *uids = NULL;
	GHashTable *times;
	GString *fresh = g_string_new(NULL);
	gint64 now = now_s();
	guint late = 0, nfresh = 0;

	if (imap_search_unrouted(a->imap, IMAP_KEYWORD_ROUTED, &uids) !=
	    LR_OK) {
		g_string_free(fresh, TRUE);
		return;
	}
	times = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	if (uids->len > 0 && imap_arrival_times(a->imap,
	    (guint32 *)uids->data, uids->len, times) == LR_OK) {
		for (guint i = 0; i < uids->len; i++) {
			guint32 uid = g_array_index(uids, guint32, i);
			gint64 *at = g_hash_table_lookup(times,
			    GUINT_TO_POINTER(uid));

			if (at == NULL || *at == 0 ||
			    now - *at < a->cfg->unrouted_after)
				continue;
			late++;
			if (g_hash_table_contains(a->reported,
			    GUINT_TO_POINTER(uid)))
				continue;
			g_hash_table_add(a->reported, GUINT_TO_POINTER(uid));
			g_string_append_printf(fresh, "%suid %u (%" G_GINT64_FORMAT
			    " min)", nfresh++ ? ", " : "", uid,
			    (now - *at) / 60);
		}
	}
	if (late > 0)
		log_warnx("run: error: %u message%s in %s not routed after %"
		    G_GINT64_FORMAT " min or more; see the log lines of their "
		    "leads", late, late == 1 ? "" : "s", a->mailbox,
		    a->cfg->unrouted_after / 60);
	if (nfresh > 0) {
		char *text = g_strdup_printf("leadroute: %u message%s in %s "
		    "not routed after %" G_GINT64_FORMAT " min: %s. Look at "
		    "the leadroute log.", nfresh, nfresh == 1 ? "" : "s",
		    a->mailbox, a->cfg->unrouted_after / 60, fresh->str);
		JsonBuilder *b = json_builder_new();
		JsonNode *root;
		char *body, *why = NULL;
		gint64 ra;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "text");
		json_builder_add_string_value(b, text);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		body = json_to_string(root, FALSE);
		if (a->j != NULL && journal_event(a->j, 0, "unrouted", text,
		    now) != LR_OK)
			log_warnx("journal: cannot record an event");
		if (a->out.ch != NULL && channels_has(a->out.ch, CHAN_SLACK) &&
		    channels_post(a->out.ch, CHAN_SLACK, body, &ra, &why) !=
		    LR_OK)
			log_warnx("run: cannot report unrouted messages: %s",
			    why);
		g_free(why);
		g_free(body);
		json_node_unref(root);
		g_object_unref(b);
		g_free(text);
	}
	g_string_free(fresh, TRUE);
	g_hash_table_destroy(times);
	g_array_free(uids, TRUE);
}

static struct template *
load_template(const struct config *cfg, const char *name)
{
	struct diag *d = diag_new();
	char *path;
	struct template *t;

	if (cfg->templates_dir == NULL) {
		diag_free(d);
		return NULL;
	}
	path = g_build_filename(cfg->templates_dir, name, NULL);
	t = template_load(path, template_mode_of(path), d);
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

static void
senders_close(struct senders *s)
{
	smtp_free(s->smtp);
	channels_free(s->ch);
	template_free(s->subject);
	template_free(s->text);
	template_free(s->slack);
	template_free(s->webhook);
	template_free(s->escalation);
	template_free(s->escalation_subject);
	template_free(s->escalation_slack);
	memset(s, 0, sizeof *s);
}

/* cfg's OAuth2 client (auth = xoauth2), or NULL. */
static struct oauth *
oauth_open(const struct config *cfg)
{
	struct oauth_config oc = { 0 };

	if (!config_uses_oauth(cfg))
		return NULL;
	oc.token_url = cfg->oauth_token_url;
	oc.client_id = cfg->oauth_client_id;
	oc.client_secret = cfg->oauth_client_secret;
	oc.refresh_token = cfg->oauth_refresh_token;
	oc.refresh_token_file = cfg->oauth_refresh_token_file;
	return oauth_new(&oc);
}

/* The senders cfg asks for (SMTP with oauth when it says xoauth2);
 * LR_CONFIG (logged) when they cannot be. */
static enum lr_status
senders_open(const struct config *cfg, struct oauth *oauth,
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
	return LR_OK;
}

static enum lr_status
connect_all(struct agent *a)
{
	struct imap_config ic = { 0 };
	char *err = NULL;
	enum lr_status st;

	ic.url = a->cfg->inbox_url;
	ic.user = a->cfg->inbox_user;
	ic.password = a->cfg->inbox_password;
	ic.allow_plaintext = a->cfg->inbox_allow_plaintext;
	ic.ca_file = a->cfg->inbox_ca_file;
	if (a->cfg->inbox_auth == CONFIG_AUTH_XOAUTH2)
		ic.oauth = a->oauth;
	if ((st = imap_connect(&ic, &a->imap, &err)) != LR_OK) {
		log_warnx("run: %s: %s", a->cfg->inbox_url, err ? err : "?");
		g_free(err);
		return st;
	}
	g_free(a->mailbox);
	a->mailbox = g_strdup(imap_url_mailbox(a->imap));
	log_info("run: connected to %s", a->cfg->inbox_url);
	return LR_OK;
}

static void
disconnect(struct agent *a)
{
	imap_free(a->imap);
	a->imap = NULL;
	a->folders_made = FALSE;
}

/* Every folder a decision can name, and Failed, created at start. */
static enum lr_status
make_folders(struct agent *a)
{
	GPtrArray *f = route_folders(a->rs, a->cfg->folder_prefix);
	enum lr_status st = LR_OK;

	g_ptr_array_add(f, g_strdup(a->failed));
	for (guint i = 0; i < f->len && st != LR_BADSOURCE; i++)
		if ((st = imap_create(a->imap, g_ptr_array_index(f, i))) !=
		    LR_OK)
			log_warnx("run: cannot create %s: %s",
			    (char *)g_ptr_array_index(f, i),
			    imap_last_error(a->imap));
	g_ptr_array_unref(f);
	if (st == LR_BADSOURCE)
		return st;
	a->folders_made = TRUE;
	return LR_OK;
}

/* SIGHUP: the new configuration and rules if they pass check. */
static void
reload(struct agent *a)
{
	struct config *cfg = NULL;
	struct ruleset *rs = NULL;
	struct senders out;
	struct oauth *oauth;

	if (a->o->reload == NULL)
		return;
	log_info("run: SIGHUP: reading %s again", a->cfg->path);
	if (!a->o->reload(a->o->reload_arg, &cfg, &rs)) {
		log_warnx("run: SIGHUP: the new configuration or rules do not "
		    "pass check; still running with the old ones");
		return;
	}
	oauth = oauth_open(cfg);
	if (!a->o->dry_run && senders_open(cfg, oauth, &out) != LR_OK) {
		log_warnx("run: SIGHUP: cannot use the new configuration; "
		    "still running with the old one");
		oauth_free(oauth);
		config_free(cfg);
		rules_free(rs);
		return;
	}
	if (g_strcmp0(cfg->journal_path, a->cfg->journal_path) != 0)
		log_warnx("run: SIGHUP: a new [journal] path takes a restart; "
		    "still using %s", a->cfg->journal_path);
	if (!a->o->dry_run) {
		senders_close(&a->out);
		a->out = out;
	}
	oauth_free(a->oauth);	/* after the sender that borrowed it */
	a->oauth = oauth;
	g_free(a->failed);
	a->failed = g_strdup_printf("%s/Failed", cfg->folder_prefix);
	config_free(a->cfg);
	rules_free(a->rs);
	a->cfg = cfg;
	a->rs = rs;
	a->hist.rs = rs;
	/* the inbox may have changed too: connect again */
	if (a->imap != NULL)
		imap_logout(a->imap);
	disconnect(a);
	log_info("run: SIGHUP: new configuration and rules in use");
}

/* Seconds to wait for mail: until the next poll, retry or sweep. */
static gint64
wait_for(struct agent *a)
{
	gint64 now = now_s(), wait = a->cfg->poll_interval, at = 0;

	if (a->j != NULL && journal_next_retry(a->j, &at) == LR_OK && at > 0)
		wait = MIN(wait, MAX(at - now, 1));
	if (a->next_sweep > 0)
		wait = MIN(wait, MAX(a->next_sweep - now, 1));
	if (a->next_board > 0 && !a->o->dry_run)
		wait = MIN(wait, MAX(a->next_board - now, 1));
	return wait;
}

/*
 * SIGTERM, SIGINT and SIGHUP are blocked but while the agent waits for
 * mail (ppoll lets them in): so they never cut a command or a delivery
 * short, and the message in hand is always finished.
 */
static void
set_signals(gboolean reload_on_hup)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!reload_on_hup)
		sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Sleep, letting the blocked signals in; one ends the sleep. */
static void
pause_for(gint64 seconds)
{
	struct timespec ts = { (time_t)seconds, 0 };
	sigset_t none;

	sigemptyset(&none);
	ppoll(NULL, 0, &ts, &none);
}

/* --- deliver: MDA mode ------------------------------------------------- */

/*
 * One message from a pipe (fetchmail's mda, procmail, Postfix pipe,
 * Sieve execute): the steps of one_message(), with the journal under the
 * mailbox name AGENT_DELIVER_MAILBOX (UID 0) and the filing done into the
 * [deliver] maildir, or left to the caller, who is told the folder on
 * stdout. The exit status is all the caller understands: 0 when the lead
 * is decided, its owner has it and it is filed; EX_TEMPFAIL for anything
 * that asks to be tried again -- the journal then resumes it as the
 * agent would, so a retry never re-decides or re-sends.
 */

/* The journal, waiting up to AGENT_LOCK_WAIT for another deliver to let
 * it go: procmail may start two at once. (`run` holds it for good.) */
static struct journal *
open_waiting(const char *path, GError **err)
{
	gint64 until = g_get_monotonic_time() + AGENT_LOCK_WAIT *
	    G_USEC_PER_SEC;
	struct journal *j;

	while ((j = journal_open(path, err)) == NULL &&
	    (*err)->code == LR_TEMPFAIL && g_get_monotonic_time() < until) {
		g_clear_error(err);
		g_usleep(G_USEC_PER_SEC / 10);
	}
	return j;
}

/* File what one_message() queued: the message data into the maildir, or
 * its folder printed for the caller; recorded. A message filed before
 * (the caller tried it again) is not put in the maildir twice; its
 * folder is printed again. */
static enum lr_status
deliver_file(struct agent *a, const char *data, size_t len)
{
	GHashTableIter it;
	gpointer k, val;
	enum lr_status st = LR_OK;

	g_hash_table_iter_init(&it, a->moves);
	while (st == LR_OK && g_hash_table_iter_next(&it, &k, &val)) {
		GArray *arr = val;

		for (guint i = 0; st == LR_OK && i < arr->len; i++) {
			gint64 id = g_array_index(arr, struct pending_file,
			    i).id;
			struct journal_message *m = NULL;
			gboolean before = id != 0 && journal_message_get(a->j,
			    id, &m) == LR_OK && m->filed_at != 0;
			char *why = NULL;

			journal_message_free(m);
			if (a->cfg->deliver_maildir == NULL) {
				/* the caller files it, so it is told again
				 * each time it asks */
				printf("%s\n", (const char *)k);
				if (fflush(stdout) != 0 || ferror(stdout)) {
					log_warn("deliver: writing the folder "
					    "on stdout");
					st = LR_TEMPFAIL;
					break;
				}
			} else if (before)
				continue;
			else if ((st = maildir_put(a->cfg->deliver_maildir, k,
			    data, len, &why)) != LR_OK) {
				log_warnx("deliver: filing in %s: %s",
				    (const char *)k, why);
				g_free(why);
				break;
			}
			if (id != 0 && !before && journal_message_filed(a->j, id, k,
			    now_s()) != LR_OK)
				log_warnx("journal: cannot record the filing "
				    "of message %" G_GINT64_FORMAT, id);
		}
	}
	g_hash_table_remove_all(a->moves);
	return st;
}

int
agent_deliver(struct config *cfg, struct ruleset *rs, const char *data,
    size_t len)
{
	struct agent_opts o = { 0 };
	struct agent a = { 0 };
	struct fetch_ctx fc;
	GError *err = NULL;
	int rc = EX_TEMPFAIL;

	a.cfg = cfg;
	a.rs = rs;
	a.o = &o;
	a.moves = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_array_unref);
	a.answered = g_array_new(FALSE, FALSE, sizeof(gint64));
	a.failed = g_strdup_printf("%s/Failed", cfg->folder_prefix);
	a.mailbox = g_strdup(AGENT_DELIVER_MAILBOX);
	a.crash_on = getenv(AGENT_CRASH_ENV);
	if (a.crash_on != NULL && *a.crash_on == '\0')
		a.crash_on = NULL;
	clock_file = getenv(AGENT_CLOCK_ENV);
	if (clock_file != NULL && *clock_file == '\0')
		clock_file = NULL;
	if (cfg->journal_path == NULL) {
		log_warnx("deliver: no [journal] path in %s", cfg->path);
		goto out;
	}
	if ((a.j = open_waiting(cfg->journal_path, &err)) == NULL) {
		log_warnx("deliver: %s", err->message);
		g_error_free(err);
		goto out;
	}
	a.oauth = oauth_open(cfg);
	if (journal_defer(a.j, TRUE) != LR_OK ||
	    senders_open(cfg, a.oauth, &a.out) != LR_OK)
		goto out;
	a.hist.j = a.j;
	a.hist.rs = rs;
	history_state(&a.state, &a.hist);
	fc.a = &a;
	fc.now = decide_time();
	if (one_message(0, data, len, &fc) != LR_OK)
		log_warnx("deliver: the journal cannot record this message; "
		    "asking to be tried again");
	else if (a.kept > 0)
		log_warnx("deliver: the forward did not go out; asking to be "
		    "tried again");
	else if (journal_flush(a.j) != LR_OK)
		log_warnx("journal: cannot record this message");
	else if (deliver_file(&a, data, len) == LR_OK)
		rc = EX_OK;
	g_date_time_unref(fc.now);
	/* Slack posts and webhook calls that failed before, due now */
	if (rc == EX_OK)
		retry_due(&a);
	if (journal_flush(a.j) != LR_OK)
		log_warnx("journal: cannot record the end of this delivery");
out:
	senders_close(&a.out);
	oauth_free(a.oauth);
	journal_close(a.j);
	g_hash_table_destroy(a.moves);
	g_array_free(a.answered, TRUE);
	g_free(a.mailbox);
	g_free(a.failed);
	return rc;
}

int
agent_run(struct config *cfg, struct ruleset *rs, const struct agent_opts *o)
{
	struct agent a = { 0 };
	GError *err = NULL;
	enum lr_status st;
	int rc = 0;
	guint backoff = 1;

	a.cfg = cfg;
	a.rs = rs;
	a.o = o;
	a.moves = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_array_unref);
	a.reported = g_hash_table_new(NULL, NULL);
	a.board = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	a.answered = g_array_new(FALSE, FALSE, sizeof(gint64));
	a.board_told = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	a.failed = g_strdup_printf("%s/Failed", cfg->folder_prefix);
	a.crash_on = getenv(AGENT_CRASH_ENV);
	if (a.crash_on != NULL && *a.crash_on == '\0')
		a.crash_on = NULL;
	a.digest_wait = AGENT_DIGEST_RETRY;
	clock_file = getenv(AGENT_CLOCK_ENV);
	if (clock_file != NULL && *clock_file == '\0')
		clock_file = NULL;
	if (clock_file != NULL)
		log_warnx("run: test clock: the time is read from %s (%s)",
		    clock_file, AGENT_CLOCK_ENV);
	if (cfg->inbox_url == NULL) {
		log_warnx("run: no [inbox] url in %s", cfg->path);
		rc = EX_CONFIG;
		goto out;
	}
	a.oauth = oauth_open(cfg);	/* the inbox's, even for a dry run */
	if (!o->dry_run) {
		if (cfg->journal_path == NULL) {
			log_warnx("run: no [journal] path in %s", cfg->path);
			rc = EX_CONFIG;
			goto out;
		}
		if ((a.j = journal_open(cfg->journal_path, &err)) == NULL) {
			log_warnx("run: %s", err->message);
			g_error_free(err);
			rc = EX_CONFIG;
			goto out;
		}
		/* one commit per step that must precede an action: a
		 * flush before each send, move and decision */
		if (journal_defer(a.j, TRUE) != LR_OK) {
			rc = EX_SOFTWARE;
			goto out;
		}
		if (senders_open(cfg, a.oauth, &a.out) != LR_OK) {
			rc = EX_CONFIG;
			goto out;
		}
	} else if (cfg->journal_path != NULL &&
	    g_file_test(cfg->journal_path, G_FILE_TEST_EXISTS)) {
		/* a dry run decides as the agent would: with its history */
		if ((a.ro = journal_open_readonly(cfg->journal_path,
		    &err)) == NULL) {
			log_warnx("run: deciding without history: %s",
			    err->message);
			g_clear_error(&err);
		}
	}
	a.hist.j = a.j != NULL ? a.j : a.ro;
	a.hist.rs = a.rs;
	history_state(&a.state, &a.hist);
	stopping = reloading = 0;
	set_signals(o->reload != NULL);
	for (;;) {
		gint64 wait, started;

		if (reloading) {
			reloading = 0;
			reload(&a);
		}
		if (a.imap == NULL && (st = connect_all(&a)) != LR_OK) {
			if (st == LR_CONFIG) {
				rc = EX_CONFIG;
				break;
			}
			if (o->once) {
				rc = EX_UNAVAILABLE;
				break;
			}
			pause_for(backoff + g_random_int_range(0, backoff + 1));
			backoff = MIN(backoff * 2, AGENT_BACKOFF_MAX);
			if (stopping)
				break;
			continue;
		}
		backoff = 1;
		if (!a.folders_made && !o->dry_run &&
		    make_folders(&a) == LR_BADSOURCE)
			st = LR_BADSOURCE;
		else
			st = round_once(&a);
		if (st == LR_OK && !o->dry_run && !stopping)
			retry_due(&a);
		if (a.j != NULL && journal_flush(a.j) != LR_OK)
			log_warnx("journal: cannot record this round's end");
		/* the next look counts from this one's start */
		if (st == LR_OK && !stopping && !o->dry_run &&
		    (started = now_s()) >= a.next_board) {
			st = board_scan(&a);
			a.next_board = started + a.cfg->board_interval;
		}
		if (st == LR_OK && !stopping && (started = now_s()) >=
		    a.next_sweep) {
			if (a.next_sweep > 0)
				sweep(&a);
			a.next_sweep = started + a.cfg->sweep_interval;
		}
		if (st == LR_BADSOURCE) {
			log_warnx("run: connection lost (%s); reconnecting",
			    imap_last_error(a.imap));
			disconnect(&a);
			if (o->once) {
				rc = EX_TEMPFAIL;
				break;
			}
			continue;
		}
		if (st != LR_OK) {
			rc = st == LR_CONFIG ? EX_CONFIG : EX_TEMPFAIL;
			if (o->once)
				break;
		}
		if (stopping)
			break;
		/* mail that came during the round: another round, at once */
		if (st == LR_OK && a.routed > 0)
			continue;
		if (o->once)
			break;
		if (reloading)
			continue;
		/* Wait for new mail: IDLE when offered, else poll. */
		wait = wait_for(&a);
		if (a.cfg->idle && imap_has_idle(a.imap)) {
			gboolean got = FALSE;

			if (imap_idle_start(a.imap) != LR_OK ||
			    imap_idle_wait(a.imap, (int)MIN(wait * 1000,
			    IMAP_IDLE_MAX_MS), &got) != LR_OK ||
			    imap_idle_done(a.imap) != LR_OK) {
				log_warnx("run: IDLE: %s; reconnecting",
				    imap_last_error(a.imap));
				disconnect(&a);
			}
		} else
			pause_for(wait);
		if (stopping)
			break;
	}
	if (a.imap != NULL)
		imap_logout(a.imap);
out:
	if (stopping)
		log_info("run: stopped by a signal");
	imap_free(a.imap);
	senders_close(&a.out);
	oauth_free(a.oauth);
	journal_close(a.j);
	journal_close(a.ro);
	g_hash_table_destroy(a.moves);
	g_hash_table_destroy(a.reported);
	g_hash_table_destroy(a.board);
	g_hash_table_destroy(a.board_told);
	g_array_free(a.answered, TRUE);
	g_free(a.mailbox);
	g_free(a.failed);
	config_free(a.cfg);
	rules_free(a.rs);
	return rc;
}
