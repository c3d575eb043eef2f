/*
 * agent.c: `leadroute run`. One round: search the inbox for messages
 * without $LeadRouted, fetch them in a batch, and for each one record it,
 * decide (or take the decision already recorded), deliver what is still
 * pending, and queue it for filing; then file the batch with one keyword
 * STORE and one MOVE per folder, and record the filing. A message whose
 * forward fails for now stays in the inbox and is taken up next round.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "http.h"
#include "imap.h"
#include "journal.h"
#include "lead.h"
#include "log.h"
#include "route.h"
#include "smtp.h"
#include "template.h"

#define AGENT_BACKOFF_MAX	300	/* seconds between reconnects */

static volatile sig_atomic_t stopping;

struct pending_file {
	guint32 uid;
	gint64 id;		/* journal id; 0 in a dry run */
};

struct agent {
	const struct config *cfg;
	const struct ruleset *rs;
	const struct agent_opts *o;
	struct journal *j;
	struct imap_conn *imap;
	struct smtp *smtp;
	struct http *http;
	struct template *subject, *text, *slack;
	char *mailbox;
	char *failed;		/* <prefix>/Failed */
	guint32 uidvalidity;
	GHashTable *moves;	/* folder -> GArray of struct pending_file */
	guint routed, kept;	/* this round: filed, left in the inbox */
};

/* Variables for the templates: the lead, its decision and its owner. */
struct vars {
	const struct lead *l;
	const struct decision *dc;
	const struct owner *o;
	const char *key;
};

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static gint64
now_s(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
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
	if (strcmp(name, "leadroute.version") == 0)
		return g_strdup(PACKAGE_VERSION);
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
message_key(const struct lead *l, const char *data, size_t len)
{
	char *hex, *key;

	if (l->str[LF_MESSAGE_ID] != NULL)
		return g_strdup(l->str[LF_MESSAGE_ID]);
	hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    (const guchar *)data, len);
	key = g_strconcat("sha256:", hex, NULL);
	g_free(hex);
	return key;
}

static void
queue_file(struct agent *a, const char *folder, guint32 uid, gint64 id)
{
	GArray *arr = g_hash_table_lookup(a->moves, folder);
	struct pending_file pf = { uid, id };

	if (arr == NULL) {
		arr = g_array_new(FALSE, FALSE, sizeof(struct pending_file));
		g_hash_table_insert(a->moves, g_strdup(folder), arr);
	}
	g_array_append_val(arr, pf);
}

/* The forward to the owner. LR_OK, LR_TEMPFAIL (stay in the inbox), or
 * LR_BADMSG when the server refused it for good. */
static enum lr_status
forward(struct agent *a, gint64 id, const struct vars *v, const char *raw,
    size_t len, char **why)
{
	struct forward_spec fs = { 0 };
	struct smtp_result res = { 0 };
	const char *rcpts[2] = { v->o->email, NULL };
	char *subject, *text, *dims, *msg = NULL, *msgid, *rule;
	struct template_vars tv = { lookup, (void *)v };
	enum lr_status st;
	gsize mlen;

	msgid = smtp_message_id(v->key, v->o->id, a->cfg->smtp_from);
	if (journal_delivery_plan(a->j, id, JCHAN_SMTP, v->o->email, msgid,
	    now_s()) != LR_OK) {
		g_free(msgid);
		return LR_TEMPFAIL;
	}
	g_free(msgid);
	subject = template_render(a->subject, &tv);
	text = template_render(a->text, &tv);
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
	fs.owner = v->o->id;
	fs.loop_token = "1";	/* the header is ROUTE_LOOP_HEADER */
	fs.rule = rule;
	fs.dimensions = dims;
	fs.reason = v->dc->reason;
	st = a->cfg->smtp_mode == SMTP_REDIRECT ?
	    smtp_build_redirect(&fs, &msg, &mlen) :
	    smtp_build_forward(&fs, &msg, &mlen);
	if (st == LR_OK && (st = journal_delivery_start(a->j, id, JCHAN_SMTP,
	    v->o->email)) == LR_OK)
		st = smtp_send(a->smtp, smtp_sender(a->smtp), rcpts, msg, mlen,
		    &res);
	if (st == LR_OK)
		st = journal_delivery_done(a->j, id, JCHAN_SMTP, v->o->email,
		    now_s());
	else {
		gboolean perm = res.permanent;

		*why = g_strdup_printf("forward to %s: %ld %s", v->o->email,
		    res.code, res.text ? res.text : "");
		if (journal_delivery_failed(a->j, id, JCHAN_SMTP, v->o->email,
		    *why, perm, now_s() + 60, now_s()) != LR_OK)
			log_warnx("journal: cannot record a failed forward");
		st = perm ? LR_BADMSG : LR_TEMPFAIL;
	}
	smtp_result_clear(&res);
	g_free(msg);
	g_free(subject);
	g_free(text);
	g_free(dims);
	g_free(rule);
	return st;
}

/* Slack: best effort here; a failure is recorded, never holds the lead. */
static void
slack(struct agent *a, gint64 id, const struct vars *v)
{
	struct template_vars tv = { lookup, (void *)v };
	struct http_result res = { 0 };
	const char *url = a->cfg->slack_webhook_url;
	char *body;

	if (url == NULL || a->slack == NULL)
		return;
	if (journal_delivery_plan(a->j, id, JCHAN_SLACK, "webhook", NULL,
	    now_s()) != LR_OK)
		return;
	body = template_render(a->slack, &tv);
	if (journal_delivery_start(a->j, id, JCHAN_SLACK, "webhook") == LR_OK &&
	    http_post_json(a->http, url, body, NULL, &res) == LR_OK) {
		if (journal_delivery_done(a->j, id, JCHAN_SLACK, "webhook",
		    now_s()) != LR_OK)
			log_warnx("journal: cannot record a Slack post");
	} else {
		char *why = g_strdup_printf("slack: %ld %s", res.status,
		    res.error ? res.error : res.body);

		log_warnx("%s", why);
		if (journal_delivery_failed(a->j, id, JCHAN_SLACK, "webhook",
		    why, res.permanent, now_s() + http_backoff(5, 3600, 1,
		    res.retry_after, NULL, NULL), now_s()) != LR_OK)
			log_warnx("journal: cannot record a failed Slack post");
		g_free(why);
	}
	http_result_clear(&res);
	g_free(body);
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
	struct lead *l;
	struct decision *dc;
	struct vars v = { 0 };
	enum journal_state state = JMSG_FETCHED;
	enum journal_seen seen = JOURNAL_SEEN_NEW;
	const char *folder;
	char *why = NULL;
	enum lr_status st = LR_OK;

	if (data == NULL) {
		log_warnx("run: uid %u: larger than %d bytes, filed in %s",
		    uid, IMAP_MAX_MESSAGE_BYTES, a->failed);
		if (!a->o->dry_run)
			queue_file(a, a->failed, uid, 0);
		return LR_OK;
	}
	l = lead_from_bytes(data, len, a->rs->freemail);
	dc = route_decide(a->rs, l, fc->now, a->cfg->folder_prefix, NULL);
	v.l = l;
	v.dc = dc;
	v.key = message_key(l, data, len);
	v.o = dc->owner && a->rs->owners ? owners_find(a->rs->owners,
	    dc->owner) : NULL;
	if (a->o->dry_run) {
		log_lead(&v, "dry run: nothing sent or moved", started);
		goto out;
	}
	if ((st = journal_message_seen(a->j, v.key, a->mailbox,
	    a->uidvalidity, uid, len, l->date, now_s(), &id, &state,
	    &seen)) != LR_OK)
		goto out;
	if (seen == JOURNAL_SEEN_DUPLICATE || state == JMSG_FAILED ||
	    state == JMSG_FILED) {
		struct journal_decision *jd = NULL;

		folder = state == JMSG_FAILED ? a->failed : NULL;
		if (folder == NULL && journal_decision_get(a->j, id, &jd) ==
		    LR_OK)
			folder = jd->folder;
		queue_file(a, folder ? folder : a->failed, uid,
		    seen == JOURNAL_SEEN_DUPLICATE ? 0 : id);
		log_info("lead %s: %s, filed in %s", v.key,
		    seen == JOURNAL_SEEN_DUPLICATE ? "a duplicate, routed once" :
		    "seen before", folder ? folder : a->failed);
		journal_decision_free(jd);
		goto out;
	}
	if (state == JMSG_FETCHED) {
		char *dj = dims_text(dc), *day = NULL;
		struct journal_decision jd = {
			.kind = rules_dest_kind_name(dc->kind), .dest_id = dc->id,
			.owner = dc->owner, .folder = dc->folder,
			.reason = dc->reason, .route_line = dc->route_line,
			.dims_json = dj, .lead_email = l->str[LF_EMAIL],
			.team = dc->kind == DEST_TEAM ? dc->id : NULL,
		};

		if (v.o != NULL) {
			GDateTime *t = g_date_time_to_timezone(fc->now, v.o->tz);

			day = g_date_time_format(t, "%Y-%m-%d");
			g_date_time_unref(t);
			jd.owner_day = day;
		}
		st = journal_record_decision(a->j, id, &jd, now_s());
		g_free(dj);
		g_free(day);
		if (st != LR_OK)
			goto out;
	} else {
		/* Decided before a stop: keep that decision. */
		struct journal_decision *jd = NULL;

		if (journal_decision_get(a->j, id, &jd) == LR_OK) {
			g_free(dc->folder);
			dc->folder = g_strdup(jd->folder);
			g_free(dc->owner);
			dc->owner = g_strdup(jd->owner);
			v.o = dc->owner && a->rs->owners ?
			    owners_find(a->rs->owners, dc->owner) : NULL;
		}
		journal_decision_free(jd);
	}
	folder = dc->folder;
	if (v.o != NULL && a->smtp != NULL) {
		st = forward(a, id, &v, data, len, &why);
		if (st == LR_TEMPFAIL) {
			log_lead(&v, why, started);
			a->kept++;
			st = LR_OK;	/* stays in the inbox for next round */
			goto out;
		}
		if (st == LR_BADMSG) {
			decision_to_review(dc, a->rs, a->cfg->folder_prefix,
			    why);
			folder = dc->folder;
			v.o = NULL;
			if (journal_event(a->j, id, "forward-refused", why,
			    now_s()) != LR_OK)
				log_warnx("journal: cannot record an event");
			st = LR_OK;
		}
	}
	if (v.o != NULL)
		slack(a, id, &v);
	queue_file(a, folder, uid, id);
	log_lead(&v, why ? why : "ok", started);
out:
	g_free(why);
	g_free((char *)v.key);
	decision_free(dc);
	lead_free(l);
	return st;
}

static enum lr_status
file_batch(struct agent *a)
{
	GHashTableIter it;
	gpointer k, val;
	enum lr_status st = LR_OK;

	g_hash_table_iter_init(&it, a->moves);
	while (g_hash_table_iter_next(&it, &k, &val) && st == LR_OK) {
		GArray *arr = val;
		GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));

		for (guint i = 0; i < arr->len; i++)
			g_array_append_val(uids, g_array_index(arr,
			    struct pending_file, i).uid);
		if ((st = imap_create(a->imap, k)) == LR_OK &&
		    (st = imap_add_keyword(a->imap, (guint32 *)uids->data,
		    uids->len, IMAP_KEYWORD_ROUTED)) == LR_OK &&
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
		g_array_free(uids, TRUE);
		g_hash_table_iter_remove(&it);
	}
	return st;
}

/* One round over what the inbox holds unrouted. */
static enum lr_status
round_once(struct agent *a)
{
	GArray *uids = NULL;
	struct fetch_ctx fc = { a, NULL };
	enum lr_status st;

	a->routed = a->kept = 0;
	if ((st = imap_select(a->imap, a->mailbox, &a->uidvalidity,
	    NULL)) != LR_OK)
		return st;
	if ((st = imap_search_unrouted(a->imap, IMAP_KEYWORD_ROUTED,
	    &uids)) != LR_OK)
		return st;
	if (uids->len == 0) {
		g_array_free(uids, TRUE);
		return LR_OK;
	}
	fc.now = g_date_time_new_now_utc();
	st = imap_fetch(a->imap, (guint32 *)uids->data, uids->len,
	    one_message, &fc);
	g_date_time_unref(fc.now);
	g_array_free(uids, TRUE);
	if (st == LR_OK && !a->o->dry_run)
		st = file_batch(a);
	g_hash_table_remove_all(a->moves);
	log_info("run: %u filed, %u left in the inbox for later", a->routed,
	    a->kept);
	return st;
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
	if ((st = imap_connect(&ic, &a->imap, &err)) != LR_OK) {
		log_warnx("run: %s: %s", a->cfg->inbox_url, err ? err : "?");
		g_free(err);
		return st;
	}
	g_free(a->mailbox);
	a->mailbox = g_strdup(imap_url_mailbox(a->imap));
	return LR_OK;
}

int
agent_run(const struct config *cfg, const struct ruleset *rs,
    const struct agent_opts *o)
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
	a.failed = g_strdup_printf("%s/Failed", cfg->folder_prefix);
	if (cfg->inbox_url == NULL) {
		log_warnx("run: no [inbox] url in %s", cfg->path);
		rc = EX_CONFIG;
		goto out;
	}
	if (!o->dry_run) {
		struct smtp_config sc = { 0 };
		struct http_config hc = { 0 };

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
		if (cfg->smtp_url != NULL) {
			sc.url = cfg->smtp_url;
			sc.user = cfg->smtp_user;
			sc.password = cfg->smtp_password;
			sc.from = cfg->smtp_from;
			sc.allow_plaintext = cfg->smtp_allow_plaintext;
			if (smtp_new(&sc, &a.smtp) != LR_OK) {
				rc = EX_CONFIG;
				goto out;
			}
		}
		a.http = http_new(&hc);
		a.subject = load_template(cfg, "forward.subject");
		a.text = load_template(cfg, "forward.txt");
		a.slack = load_template(cfg, "slack.json");
		if (a.smtp != NULL && (a.subject == NULL || a.text == NULL)) {
			log_warnx("run: forwards need the templates "
			    "forward.subject and forward.txt ([templates] dir)");
			rc = EX_CONFIG;
			goto out;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (;;) {
		if (a.imap == NULL && (st = connect_all(&a)) != LR_OK) {
			if (st == LR_CONFIG) {
				rc = EX_CONFIG;
				break;
			}
			if (o->once) {
				rc = EX_UNAVAILABLE;
				break;
			}
			sleep(backoff + g_random_int_range(0, backoff + 1));
			backoff = MIN(backoff * 2, AGENT_BACKOFF_MAX);
			continue;
		}
		backoff = 1;
		st = round_once(&a);
		if (st == LR_BADSOURCE) {
			log_warnx("run: connection lost; reconnecting");
			imap_free(a.imap);
			a.imap = NULL;
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
		if (o->once || stopping)
			break;
		/* Wait for new mail: IDLE when offered, else poll. */
		if (cfg->idle && imap_has_idle(a.imap)) {
			gboolean got = FALSE;

			if (imap_idle_start(a.imap) != LR_OK ||
			    imap_idle_wait(a.imap, (int)MIN(cfg->poll_interval *
			    1000, IMAP_IDLE_MAX_MS), &got) != LR_OK ||
			    imap_idle_done(a.imap) != LR_OK) {
				imap_free(a.imap);
				a.imap = NULL;
			}
		} else
			sleep((unsigned)cfg->poll_interval);
		if (stopping)
			break;
	}
	if (a.imap != NULL)
		imap_logout(a.imap);
out:
	imap_free(a.imap);
	smtp_free(a.smtp);
	http_free(a.http);
	template_free(a.subject);
	template_free(a.text);
	template_free(a.slack);
	if (a.j != NULL)
		journal_close(a.j);
	g_hash_table_destroy(a.moves);
	g_free(a.mailbox);
	g_free(a.failed);
	return rc;
}
