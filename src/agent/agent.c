/*
 * agent.c: `leadroute run`'s main loop. Connect (with backoff), run a
 * round over the inbox (agent_round.c), then the timed steps, each on its
 * own schedule: HTTP deliveries due again, the folder board
 * (agent_board.c), the SLAs and the digest (agent_sla.c), the sweep
 * (agent_sweep.c); then wait for new mail (IDLE, else poll). Signals are
 * let in only while waiting: SIGTERM and SIGINT stop after the message in
 * hand, SIGHUP reloads. A dry run is the same loop with a scratch
 * journal, sinks that send nothing and a filer that files nothing.
 */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <glib/gstdio.h>

#include "agent_p.h"
#include "digest.h"
#include "duration.h"
#include "imap.h"
#include "log.h"
#include "oauth.h"

static volatile sig_atomic_t stopping, reloading;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reloading = 1;
	else
		stopping = 1;
}

/* A stop asked while the signals are blocked (between messages). */
gboolean
stop_pending(void)
{
	sigset_t set;

	if (!stopping && sigpending(&set) == 0 &&
	    (sigismember(&set, SIGTERM) == 1 || sigismember(&set, SIGINT) == 1))
		stopping = 1;
	return stopping;
}

/* cfg's OAuth2 client (auth = xoauth2), or NULL. */
struct oauth *
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

static enum lr_status
connect_all(struct agent *a)
{
	struct imap_config ic = { 0 };
	char *err = NULL;
	gboolean refused = FALSE;
	enum lr_status st;

	ic.url = a->cfg->inbox_url;
	ic.user = a->cfg->inbox_user;
	ic.password = a->cfg->inbox_password;
	ic.allow_plaintext = a->cfg->inbox_allow_plaintext;
	ic.ca_file = a->cfg->inbox_ca_file;
	if (a->cfg->inbox_auth == CONFIG_AUTH_XOAUTH2)
		ic.oauth = a->oauth;
	ic.refused = &refused;
	if ((st = imap_connect(&ic, &a->imap, &err)) != LR_OK) {
		log_warnx("run: %s: %s", a->cfg->inbox_url, err ? err : "?");
		g_free(a->refused);
		a->refused = refused ? err : NULL;
		if (!refused)
			g_free(err);
		return st;
	}
	g_free(a->mailbox);
	a->mailbox = g_strdup(imap_url_mailbox(a->imap));
	log_info("run: connected to %s", a->cfg->inbox_url);
	if (a->refused_since > 0)
		log_warnx("run: %s accepts the login again", a->cfg->inbox_url);
	a->refused_since = 0;
	/* the journal remembers that this login worked (see login_refused) */
	if (!a->logged_in && journal_event(a->j, 0, AGENT_EVENT_LOGIN,
	    a->cfg->inbox_url, now_s()) != LR_OK)
		log_warnx("journal: cannot record the login");
	a->logged_in = TRUE;
	return LR_OK;
}

/*
 * The inbox refused the login (a->refused says why; another error at
 * connect, such as a certificate, is a configuration error). At a first
 * start with a login never yet accepted, that is a
 * configuration error (exit 78: a person must fix it). A login that
 * worked before, here or by an earlier run (the journal's record), is
 * refused by a provider's outage as often as by a changed password:
 * tried again with backoff, said loudly (log, Slack, the journal) once
 * per outage, and never an exit, so that routing resumes by itself.
 */
static gboolean
login_refused(struct agent *a)
{
	gint64 last = 0;
	char *text, *slack, *retry;

	if (a->refused == NULL)		/* not the login: TLS, a setting */
		return FALSE;
	if (!a->logged_in && (journal_event_last(a->j, AGENT_EVENT_LOGIN,
	    &last) != LR_OK || last == 0))
		return FALSE;
	if (a->refused_since > 0)
		return TRUE;
	a->refused_since = now_s();
	retry = a->o->once ? g_strdup("the next run tries again") :
	    g_strdup_printf("leadroute tries again, backing off up to %d min",
	    AGENT_BACKOFF_MAX / 60);
	text = g_strdup_printf("%s refuses the login that worked before (%s). "
	    "Leads wait in the inbox; %s. Check the password or the "
	    "provider.", a->cfg->inbox_url, a->refused, retry);
	log_warnx("run: error: %s", text);
	slack = g_strconcat("leadroute: ", text, NULL);
	alert(a, "login-refused", slack);
	g_free(slack);
	g_free(text);
	g_free(retry);
	return TRUE;
}

static void
disconnect(struct agent *a)
{
	imap_free(a->imap);
	a->imap = NULL;
	a->folders_made = FALSE;
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
	rules_scan_build(rs);
	oauth = oauth_open(cfg);
	if (senders_open(cfg, oauth, a->o->dry_run, &out) != LR_OK) {
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
	senders_close(&a->out);
	a->out = out;
	oauth_free(a->oauth);	/* after the sender that borrowed it */
	a->oauth = oauth;
	g_free(a->failed);
	a->failed = route_failed_folder(cfg->folder_prefix);
	config_free(a->cfg);
	a->folders_made = FALSE;	/* the new rules' folders, made */
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

	if (journal_next_retry(a->j, &at) == LR_OK && at > 0)
		wait = MIN(wait, MAX(at - now, 1));
	if (a->next_sweep > 0)
		wait = MIN(wait, MAX(a->next_sweep - now, 1));
	if (a->next_board > 0 && !a->o->dry_run)
		wait = MIN(wait, MAX(a->next_board - now, 1));
	if (a->next_sla > 0 && !a->o->dry_run)
		wait = MIN(wait, MAX(a->next_sla - now, 1));
	if (a->round_retry > 0)
		wait = MIN(wait, MAX(a->round_retry - now, 1));
	if (a->forward_next > 0)
		wait = MIN(wait, MAX(a->forward_next - now, 1));
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
	/* a server that resets the connection while a command is written
	 * is a lost connection (EPIPE), not the agent's death */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
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

static void
canonical(struct agent *a, char **folder)
{
	char *c;

	if (*folder == NULL)
		return;
	c = imap_folder_ours(a->imap, *folder);
	g_free(*folder);
	*folder = c;
}

/*
 * The folder names of the configuration and the rules in one spelling,
 * without the server's namespace prefix: "INBOX.Leads" (pasted from a
 * mail client) and "Leads" name the same folder, and the board must see
 * it as one.
 */
static void
canonical_folders(struct agent *a)
{
	canonical(a, &a->cfg->folder_prefix);
	g_free(a->failed);
	a->failed = route_failed_folder(a->cfg->folder_prefix);
	canonical(a, &a->rs->review_folder);
	canonical(a, &a->rs->ignore_folder);
	for (guint i = 0; i < a->rs->queue_order->len; i++)
		canonical(a, &((struct queue *)g_ptr_array_index(
		    a->rs->queue_order, i))->folder);
}

/* Every folder a decision can name, and Failed, made by the filer. */
static enum lr_status
make_folders(struct agent *a)
{
	GPtrArray *f;
	enum lr_status st = LR_OK;

	canonical_folders(a);
	f = route_folders(a->rs, a->cfg->folder_prefix);
	g_ptr_array_add(f, g_strdup(a->failed));
	for (guint i = 0; i < f->len && st != LR_BADSOURCE; i++)
		st = filer_make(a->filer, g_ptr_array_index(f, i));
	g_ptr_array_unref(f);
	if (st == LR_BADSOURCE)
		return st;
	a->folders_made = TRUE;
	return LR_OK;
}

/* The run's own journal, the senders, and a filer over the inbox;
 * EX_OK or the exit code. */
static int
open_run(struct agent *a)
{
	GError *err = NULL;

	if (a->cfg->journal_path == NULL) {
		log_warnx("run: no [journal] path in %s", a->cfg->path);
		return EX_CONFIG;
	}
	if ((a->j = journal_open(a->cfg->journal_path, &err)) == NULL) {
		log_warnx("run: %s", err->message);
		g_error_free(err);
		return EX_CONFIG;
	}
	/* one commit per step that must precede an action: a flush before
	 * each send, move and decision */
	if (journal_defer(a->j, TRUE) != LR_OK)
		return EX_SOFTWARE;
	if (senders_open(a->cfg, a->oauth, FALSE, &a->out) != LR_OK)
		return EX_CONFIG;
	a->filer = filer_imap_new(&a->imap);
	a->hist.j = a->j;
	a->done_text = "ok";
	return EX_OK;
}

/*
 * A dry run: the same pipeline, recording into a scratch journal (in a
 * temporary folder, removed at the end), deciding with the real
 * journal's history (read only), with sinks that send nothing and a filer
 * that files nothing.
 */
static int
open_dry_run(struct agent *a)
{
	GError *err = NULL;
	char *path;

	if (a->cfg->journal_path != NULL &&
	    g_file_test(a->cfg->journal_path, G_FILE_TEST_EXISTS) &&
	    (a->ro = journal_open_readonly(a->cfg->journal_path,
	    &err)) == NULL) {
		/* damaged: what a run would refuse, a dry run refuses */
		if (err->code == LR_CONFIG) {
			log_warnx("run: %s", err->message);
			g_clear_error(&err);
			return EX_CONFIG;
		}
		log_warnx("run: deciding without history: %s", err->message);
		g_clear_error(&err);
	}
	/* in $TMPDIR, else /tmp: a TMPDIR that is not there must not stop
	 * a dry run */
	if ((a->scratch = g_dir_make_tmp("leadroute-dry-run-XXXXXX",
	    &err)) == NULL) {
		char *tmpl = g_build_filename("/tmp", "leadroute-dry-run-XXXXXX",
		    NULL);

		g_clear_error(&err);
		a->scratch = g_mkdtemp(tmpl);
		if (a->scratch == NULL) {
			log_warn("run: dry run: cannot make a scratch folder "
			    "in $TMPDIR or /tmp");
			g_free(tmpl);
			return EX_TEMPFAIL;
		}
	}
	path = g_build_filename(a->scratch, "journal.db", NULL);
	a->j = journal_open(path, &err);
	g_free(path);
	if (a->j == NULL) {
		log_warnx("run: dry run: %s", err->message);
		g_error_free(err);
		return EX_TEMPFAIL;
	}
	if (journal_defer(a->j, TRUE) != LR_OK)
		return EX_SOFTWARE;
	if (senders_open(a->cfg, a->oauth, TRUE, &a->out) != LR_OK)
		return EX_CONFIG;
	a->filer = filer_none_new();
	a->hist.j = a->ro;
	a->done_text = "dry run: nothing sent or moved";
	return EX_OK;
}

/* The scratch journal's folder and what is in it. */
static void
remove_scratch(const char *dir)
{
	const char *names[] = { "journal.db", "journal.db-wal",
	    "journal.db-shm", "journal.db-journal", "journal.db.lock" };

	if (dir == NULL)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *p = g_build_filename(dir, names[i], NULL);

		(void)g_remove(p);
		g_free(p);
	}
	if (g_rmdir(dir) != 0)
		log_warn("run: dry run: removing %s", dir);
}

/*
 * The steps on their own schedules after a round, each counting from
 * its last start: the board, the SLAs (with the digest), the sweep. A
 * dry run takes none: the board and the SLAs act on the mailbox, and
 * the sweep would report every message, since a dry run files none.
 */
static enum lr_status
timed_steps(struct agent *a)
{
	enum lr_status st = LR_OK;
	gboolean moved = FALSE;
	gint64 started;

	if (!a->o->dry_run && !stop_pending() &&
	    (started = now_s()) >= a->next_board) {
		st = board_scan(a);
		a->next_board = started + a->cfg->board_interval;
		moved = TRUE;
	}
	if (st == LR_OK && !a->o->dry_run && !stop_pending() &&
	    (started = now_s()) >= a->next_sla) {
		st = sla_scan(a);
		a->next_sla = started + a->cfg->board_interval;
		moved = TRUE;
	}
	/* a dry run routes nothing: the sweep would only cry wolf */
	if (st == LR_OK && !a->o->dry_run && !stop_pending() &&
	    (started = now_s()) >= a->next_sweep) {
		if (a->next_sweep > 0)
			sweep_inbox(a);
		a->next_sweep = started + a->cfg->sweep_interval;
	}
	/* IDLE watches the selected mailbox: the inbox again */
	if (st == LR_OK && moved)
		st = imap_select(a->imap, a->mailbox, NULL, NULL);
	return st;
}

/* Wait for new mail: IDLE when offered, else poll. */
static void
wait_mail(struct agent *a)
{
	gint64 wait = wait_for(a);
	gboolean got = FALSE;

	/* after a refused round the inbox may not be selected: no IDLE */
	if (!a->cfg->idle || !imap_has_idle(a->imap) || a->round_retry > 0) {
		pause_for(wait);
		return;
	}
	if (imap_idle_start(a->imap) != LR_OK ||
	    imap_idle_wait(a->imap, (int)MIN(wait * 1000, IMAP_IDLE_MAX_MS),
	    &got) != LR_OK || imap_idle_done(a->imap) != LR_OK) {
		log_warnx("run: %s; reconnecting",
		    imap_last_error(a->imap));
		disconnect(a);
	}
}

/* Whether a refusal was told (by this run or an earlier one, say a
 * --once from cron every few minutes) and its end not yet: a refusal
 * recorded after the last "answers again" (in the same second too when
 * at_tie). */
static gboolean
refusal_told(struct agent *a, gboolean at_tie)
{
	gint64 refused = 0, answered = 0;

	return journal_event_last(a->j, "round-refused", &refused) == LR_OK &&
	    journal_event_last(a->j, "round-answered", &answered) == LR_OK &&
	    refused > 0 && (refused > answered || (at_tie &&
	    refused == answered));
}

/*
 * A round the inbox refused (a NO or BAD to its SELECT, SEARCH or
 * FETCH): logged each time, told to Slack and the journal when it
 * starts and when it ends, tried again after a wait that doubles up to
 * AGENT_BACKOFF_MAX (with jitter); the other steps go on meanwhile.
 */
static void
round_refused(struct agent *a)
{
	const char *why;
	char *text, *in;
	int n;

	a->round_wait = a->round_wait == 0 ? AGENT_ROUND_RETRY :
	    MIN(a->round_wait * 2, AGENT_BACKOFF_MAX);
	a->round_retry = now_s() + a->round_wait +
	    g_random_int_range(0, (gint32)a->round_wait / 4 + 1);
	in = duration_text(a->round_retry - now_s());
	log_warnx("run: error: the server refused this round over %s (%s); "
	    "nothing is routed until it answers; %s%s%s", a->mailbox,
	    imap_last_error(a->imap), a->o->once ? "exiting (--once)" :
	    "trying again in ", a->o->once ? "" : in,
	    strcmp(a->mailbox, "INBOX") != 0 ? "; is the mailbox in [inbox] "
	    "url right?" : "");
	g_free(in);
	if (a->round_wait != AGENT_ROUND_RETRY || refusal_told(a, TRUE))
		return;
	why = imap_last_error(a->imap);
	n = (int)strlen(why);
	while (n > 0 && why[n - 1] == '.')	/* the server's own period */
		n--;
	text = g_strdup_printf("leadroute: the mail server refused to let "
	    "leadroute look at %s: %.*s. Nothing is routed until it answers; "
	    "leadroute keeps trying. Look at the leadroute log.", a->mailbox,
	    n, why);
	alert(a, "round-refused", text);
	g_free(text);
}

/* A round went through: if the inbox had refused, that it answers again. */
static void
round_answered(struct agent *a)
{
	char *text;

	if (a->round_wait == 0 && !refusal_told(a, FALSE))
		return;
	a->round_wait = a->round_retry = 0;
	text = g_strdup_printf("leadroute: the mail server answers again over "
	    "%s; leads are routed.", a->mailbox);
	log_info("run: %s", text + strlen("leadroute: "));
	alert(a, "round-answered", text);
	g_free(text);
}

/* The round, unless the inbox refused the last one and its wait is not
 * over; LR_TEMPFAIL: refused now (told). */
static enum lr_status
try_round(struct agent *a)
{
	enum lr_status st;

	if (a->round_retry > now_s())
		return LR_TEMPFAIL;
	st = round_once(a);
	if (st == LR_TEMPFAIL && !a->interrupted)
		round_refused(a);
	else if (st == LR_OK)
		round_answered(a);
	return st;
}

/* What one turn of the loop asks next. */
enum turn { TURN_WAIT, TURN_AGAIN, TURN_STOP };

/* One turn, connected: a round, the retries due, the timed steps. */
static enum turn
run_turn(struct agent *a, int *rc)
{
	enum lr_status st, round;
	char *why;

	/* a journal lost under the running agent (a restore, a cleanup):
	 * stop before anything more is sent, as a start over a lost
	 * journal refuses (spec 8 v2) */
	if (!journal_intact(a->j, &why)) {
		log_warnx("journal: error: %s while the agent ran; stopping "
		    "before anything more is sent. Restore the journal "
		    "(with its -wal) from where it went, or start with "
		    "`leadroute run --adopt` to rebuild it from the mailbox",
		    why);
		g_free(why);
		*rc = EX_CONFIG;
		return TURN_STOP;
	}
	if (!a->folders_made && make_folders(a) == LR_BADSOURCE)
		st = LR_BADSOURCE;
	else if (!a->adopt_done && a->round_retry > now_s())
		st = LR_TEMPFAIL;	/* waiting out a refusal */
	else if (a->adopt_done || (st = adopt_check(a, rc)) == LR_OK) {
		a->adopt_done = TRUE;
		st = try_round(a);
	} else if (st == LR_CONFIG)
		return TURN_STOP;	/* a lost journal: *rc set */
	else if (st == LR_TEMPFAIL)
		round_refused(a);	/* no round before the journal's
					 * loss is ruled out */
	/* a refused round holds nothing else up: the retries, the board,
	 * the SLAs and the sweep go on */
	round = st;
	if (st == LR_TEMPFAIL)
		st = LR_OK;
	if (st == LR_OK && !stop_pending())
		retry_due(a);
	if (journal_flush(a->j) != LR_OK)
		log_warnx("journal: cannot record this round's end");
	if (st == LR_OK)
		st = timed_steps(a);
	if (st == LR_OK && round == LR_TEMPFAIL)
		st = round;
	if (st == LR_BADSOURCE) {
		log_warnx("run: connection lost (%s); reconnecting",
		    imap_last_error(a->imap));
		disconnect(a);
		if (a->o->once) {
			*rc = EX_TEMPFAIL;
			return TURN_STOP;
		}
		return TURN_AGAIN;
	}
	if (st != LR_OK) {
		/* a refusal the agent waits out is no exit status of a
		 * long run (a stop is 0) */
		if (a->o->once || st != LR_TEMPFAIL)
			*rc = st == LR_CONFIG ? EX_CONFIG : EX_TEMPFAIL;
		if (a->o->once)
			return TURN_STOP;
	}
	if (stopping)
		return TURN_STOP;
	/* --once: leads left in the inbox (a forward deferred) are a
	 * temporary failure for the caller (cron) to see */
	if (st == LR_OK && a->o->once && a->kept > 0)
		*rc = EX_TEMPFAIL;
	/* mail that came during the round: another round, at once */
	if (st == LR_OK && a->routed > 0)
		return TURN_AGAIN;
	return a->o->once ? TURN_STOP : reloading ? TURN_AGAIN : TURN_WAIT;
}

/* Connect (with backoff), turn, wait; until a stop. */
static int
run_loop(struct agent *a)
{
	guint backoff = 1;
	enum lr_status st;
	int rc = EX_OK;

	for (;;) {
		if (reloading) {
			reloading = 0;
			reload(a);
		}
		if (a->imap == NULL && (st = connect_all(a)) != LR_OK) {
			if (st == LR_CONFIG && !login_refused(a))
				return EX_CONFIG;
			if (a->o->once)
				return st == LR_CONFIG ? EX_TEMPFAIL :
				    EX_UNAVAILABLE;
			pause_for(backoff + g_random_int_range(0, backoff + 1));
			backoff = MIN(backoff * 2, AGENT_BACKOFF_MAX);
			if (stopping)
				return rc;
			continue;
		}
		backoff = 1;
		switch (run_turn(a, &rc)) {
		case TURN_STOP:
			return rc;
		case TURN_AGAIN:
			continue;
		case TURN_WAIT:
			break;
		}
		wait_mail(a);
		if (stopping)
			return rc;
	}
}

int
agent_run(struct config *cfg, struct ruleset *rs, const struct agent_opts *o)
{
	struct agent a = { 0 };
	int rc;

	a.cfg = cfg;
	rules_scan_build(rs);	/* a drain decides many */
	a.rs = rs;
	a.o = o;
	a.reported = g_hash_table_new(NULL, NULL);
	a.filing = g_hash_table_new(NULL, NULL);
	a.refile = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	a.board = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	a.answered = g_array_new(FALSE, FALSE, sizeof(gint64));
	a.board_told = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	a.failed = route_failed_folder(cfg->folder_prefix);
	a.crash_on = getenv(AGENT_CRASH_ENV);
	if (a.crash_on != NULL && *a.crash_on == '\0')
		a.crash_on = NULL;
	a.digest_wait = AGENT_DIGEST_RETRY;
	if (clock_init() != NULL)
		log_warnx("run: test clock: the time is read from %s (%s)",
		    getenv(AGENT_CLOCK_ENV), AGENT_CLOCK_ENV);
	if (cfg->inbox_url == NULL) {
		log_warnx("run: no [inbox] url in %s", cfg->path);
		rc = EX_CONFIG;
		goto out;
	}
	a.oauth = oauth_open(cfg);	/* the inbox's, even for a dry run */
	if ((rc = o->dry_run ? open_dry_run(&a) : open_run(&a)) != EX_OK)
		goto out;
	a.hist.rs = a.rs;
	history_state(&a.state, &a.hist);
	if (cfg->authserv_id == NULL && !cfg->authserv_microsoft &&
	    rs->owners != NULL && owners_count(rs->owners) > 0)
		log_warnx("run: no [inbox] authserv_id: owners' replies and "
		    "auto-replies cannot be verified; they are filed with their "
		    "leads but never stop an SLA clock or mark an owner away");
	stopping = reloading = 0;
	set_signals(o->reload != NULL);
	rc = run_loop(&a);
	if (a.imap != NULL)
		imap_logout(a.imap);
out:
	if (stopping)
		log_info("run: stopped by a signal");
	filer_free(a.filer);
	imap_free(a.imap);
	senders_close(&a.out);
	oauth_free(a.oauth);
	journal_close(a.j);
	journal_close(a.ro);
	remove_scratch(a.scratch);
	g_free(a.scratch);
	g_hash_table_destroy(a.reported);
	g_hash_table_destroy(a.filing);
	g_hash_table_destroy(a.refile);
	g_hash_table_destroy(a.board);
	g_hash_table_destroy(a.board_told);
	g_array_free(a.answered, TRUE);
	if (a.http_batch != NULL)	/* planned in the journal: retry_due */
		g_ptr_array_free(a.http_batch, TRUE);
	g_free(a.mailbox);
	g_free(a.failed);
	g_free(a.refused);
	config_free(a.cfg);
	rules_free(a.rs);
	return rc;
}
