/*
 * agent_deliver.c: `leadroute deliver`, one message from a pipe
 * (fetchmail's mda, procmail, Postfix pipe, Sieve execute): the round's
 * steps for that one message, with the journal under the mailbox name
 * AGENT_DELIVER_MAILBOX (UID 0) and a filer that puts it into the
 * [deliver] maildir, or tells the caller its folder on stdout. The exit
 * status is all the caller understands: 0 when the lead is decided, its
 * owner has it and it is filed; EX_TEMPFAIL for anything that asks to be
 * tried again -- the journal then resumes it as the agent would, so a
 * retry never re-decides or re-sends.
 */
#include "config.h"

#include <stdlib.h>
#include <sysexits.h>

#include "agent_p.h"
#include "log.h"
#include "oauth.h"

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

int
agent_deliver(struct config *cfg, struct ruleset *rs, const char *data,
    size_t len)
{
	struct agent_opts o = { 0 };
	struct agent a = { 0 };
	struct fetch_ctx fc = { 0 };
	GError *err = NULL;
	int rc = EX_TEMPFAIL;

	a.cfg = cfg;
	a.rs = rs;
	a.o = &o;
	/* a message filed before (the caller tried it again) is not put
	 * in the maildir twice; its folder is printed again */
	a.filer = cfg->deliver_maildir != NULL ?
	    filer_maildir_new(cfg->deliver_maildir, data, len) :
	    filer_print_new(stdout);
	a.done_text = "ok";
	a.answered = g_array_new(FALSE, FALSE, sizeof(gint64));
	a.filing = g_hash_table_new(NULL, NULL);
	a.refile = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	a.failed = route_failed_folder(cfg->folder_prefix);
	a.mailbox = g_strdup(AGENT_DELIVER_MAILBOX);
	a.crash_on = getenv(AGENT_CRASH_ENV);
	if (a.crash_on != NULL && *a.crash_on == '\0')
		a.crash_on = NULL;
	rules_scan_build(rs);	/* as run decides */
	clock_init();
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
	    senders_open(cfg, a.oauth, FALSE, &a.out) != LR_OK)
		goto out;
	a.hist.j = a.j;
	a.hist.rs = rs;
	history_state(&a.state, &a.hist);
	fc.a = &a;
	fc.now = decide_time();
	if (one_message(0, data, len, &fc) != LR_OK || held_flush(&fc) != LR_OK)
		log_warnx("deliver: the journal cannot record this message; "
		    "asking to be tried again");
	else if (a.kept > 0)
		log_warnx("deliver: the forward did not go out; asking to be "
		    "tried again");
	else if (file_queued(&a) == LR_OK)
		rc = EX_OK;
	http_batch_send(&a);	/* when file_queued did not: no leak */
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
	filer_free(a.filer);
	g_array_free(a.answered, TRUE);
	g_hash_table_destroy(a.filing);
	g_hash_table_destroy(a.refile);
	g_free(a.mailbox);
	g_free(a.failed);
	return rc;
}
