/*
 * test_agent.c: the agent's round behind its two interfaces, with a
 * temporary journal, fake sinks and a fake filer (no servers): a lead is
 * recorded, decided, forwarded once and filed; a forward deferred keeps
 * it in the inbox and goes at the next fetch; one refused for good sends
 * it to review; a copy is filed and never sent again; an HTTP delivery
 * that failed is tried again when the journal says, on the one retry
 * policy; a dry run's sink sends nothing.
 */
#include "testlib.h"

#include <stdlib.h>

#include "agent_p.h"
#include "diag.h"
#include "journal.h"
#include "rules.h"

#define RULES_DIR TEST_DATA_DIR "/rules"

static const char RULES[] =
    "owners \"owners.csv\"\n"
    "queue later notify slack email marketing@example.com dana\n"
    "review sla 4h notify email fay\n"
    "to review if subject contains \"[review]\"\n"
    "to later if subject contains \"[later]\"\n"
    "route to=review -> review reason \"asked for review\"\n"
    "route to=later -> queue later\n"
    "route * -> owner fay\n";

#define LEAD(id, subject) \
	"From: Jane Roe <jane@acme-widgets.com>\r\n" \
	"To: sales@example.com\r\n" \
	"Subject: " subject "\r\n" \
	"Message-ID: <" id "@acme-widgets.com>\r\n" \
	"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n" \
	"\r\n" \
	"We would like a quote for 40 seats.\r\n"

/* --- a fake sink: what it was asked, and what it answers ---------------- */

struct fake_sink {
	struct sink base;
	GPtrArray *sent;	/* "target payload" of each try */
	enum lr_status answer;	/* to the next try */
	gint64 retry_after;
};

static char *
fake_plan(struct sink *s, const struct sink_lead *l, gsize *len)
{
	char *p = g_strdup_printf("%s for %s",
	    chan_id_name(s->chan), l->target != NULL ? l->target :
	    "-");

	*len = strlen(p);
	return p;
}

static enum lr_status
fake_send(struct sink *s, const char *target, const char *payload, gsize len,
    struct sink_failure *fail)
{
	struct fake_sink *f = (struct fake_sink *)s;

	g_ptr_array_add(f->sent, g_strdup_printf("%s %.*s", target, (int)len,
	    payload));
	if (f->answer != LR_OK) {
		fail->permanent = f->answer == LR_BADMSG;
		fail->retry_after = f->retry_after;
		fail->why = g_strdup_printf("fake %s refused",
		    chan_id_name(s->chan));
	}
	return f->answer;
}

static void
fake_free(struct sink *s)
{
	struct fake_sink *f = (struct fake_sink *)s;

	g_ptr_array_unref(f->sent);
	g_free(f);
}

static const struct sink_ops fake_ops = { fake_plan, fake_send, fake_free };

static struct fake_sink *
fake_sink(enum chan_id c)
{
	struct fake_sink *f = g_new0(struct fake_sink, 1);

	f->base.ops = &fake_ops;
	f->base.chan = c;
	f->sent = g_ptr_array_new_with_free_func(g_free);
	return f;
}

/* --- a fake filer: "folder uid" of each message filed ------------------ */

struct fake_filer {
	struct filer base;
	GPtrArray *filed;
	gboolean dry;		/* files nothing, as a dry run's */
	const char *refuse;	/* a folder that refuses everything */
};

static enum lr_status
ffake_make(struct filer *f, const char *folder)
{
	(void)f;
	(void)folder;
	return LR_OK;
}

static enum lr_status
ffake_file(struct filer *f, const char *folder, const struct filer_item *items,
    guint n, filer_done_fn done, void *ctx)
{
	struct fake_filer *ff = (struct fake_filer *)f;

	if (g_strcmp0(folder, ff->refuse) == 0)
		return LR_TEMPFAIL;
	for (guint i = 0; i < n; i++) {
		g_ptr_array_add(ff->filed, g_strdup_printf("%s %u%s", folder,
		    items[i].uid, items[i].again ? " again" : ""));
		if (!ff->dry)
			done(&items[i], folder, ctx);
	}
	return LR_OK;
}

static void
ffake_free(struct filer *f)
{
	g_ptr_array_unref(((struct fake_filer *)f)->filed);
	g_free(f);
}

static const struct filer_ops ffake_ops = {
	ffake_make, ffake_file, ffake_free
};

/* --- the agent under test ---------------------------------------------- */

struct fixture {
	char *dir, *clock;
	struct agent_opts o;
	struct agent a;
	struct fake_sink *smtp, *webhook, *slack;
	struct fake_filer *filer;
};

static void
set_clock(struct fixture *fx, gint64 t)
{
	char *s = g_strdup_printf("%" G_GINT64_FORMAT "\n", t);

	assert_true(g_file_set_contents(fx->clock, s, -1, NULL));
	g_free(s);
}

static int
setup(void **state)
{
	struct fixture *fx = g_new0(struct fixture, 1);
	struct diag *d = diag_new();
	GError *err = NULL;
	char *path;

	fx->dir = g_dir_make_tmp("test_agent-XXXXXX", NULL);
	assert_non_null(fx->dir);
	fx->clock = g_build_filename(fx->dir, "clock", NULL);
	set_clock(fx, 1772445600);	/* Mon 2026-03-02 10:00 UTC */
	setenv(AGENT_CLOCK_ENV, fx->clock, 1);
	assert_non_null(clock_init());
	fx->a.rs = rules_parse(RULES, strlen(RULES), "t.rules", RULES_DIR, d);
	assert_int_equal(diag_errors(d), 0);
	diag_free(d);
	fx->a.cfg = g_new0(struct config, 1);
	fx->a.cfg->folder_prefix = g_strdup("Leads");
	fx->a.cfg->smtp_from = g_strdup("Lead Router <leads@example.com>");
	fx->a.o = &fx->o;
	path = g_build_filename(fx->dir, "journal.db", NULL);
	fx->a.j = journal_open(path, &err);
	g_free(path);
	assert_non_null(fx->a.j);
	assert_int_equal(journal_defer(fx->a.j, TRUE), LR_OK);
	fx->smtp = fake_sink(CHAN_FORWARD);
	fx->webhook = fake_sink(CHAN_WEBHOOK);
	fx->a.out.sink[CHAN_FORWARD] = &fx->smtp->base;
	fx->a.out.sink[CHAN_WEBHOOK] = &fx->webhook->base;
	fx->slack = fake_sink(CHAN_SLACK);
	fx->a.out.sink[CHAN_SLACK] = &fx->slack->base;
	fx->filer = g_new0(struct fake_filer, 1);
	filer_init(&fx->filer->base, &ffake_ops);
	fx->filer->filed = g_ptr_array_new_with_free_func(g_free);
	fx->a.filer = &fx->filer->base;
	fx->a.mailbox = g_strdup("INBOX");
	fx->a.uidvalidity = 7;
	fx->a.failed = g_strdup("Leads/Failed");
	fx->a.done_text = "ok";
	fx->a.answered = g_array_new(FALSE, FALSE, sizeof(gint64));
	fx->a.filing = g_hash_table_new(NULL, NULL);
	fx->a.refile = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	fx->a.hist.j = fx->a.j;
	fx->a.hist.rs = fx->a.rs;
	history_state(&fx->a.state, &fx->a.hist);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	senders_close(&fx->a.out);	/* frees the fake sinks */
	filer_free(fx->a.filer);
	journal_close(fx->a.j);
	rules_free(fx->a.rs);
	config_free(fx->a.cfg);
	g_array_free(fx->a.answered, TRUE);
	g_hash_table_destroy(fx->a.filing);
	g_hash_table_destroy(fx->a.refile);
	g_free(fx->a.mailbox);
	g_free(fx->a.failed);
	unsetenv(AGENT_CLOCK_ENV);
	assert_true(test_rmdir(fx->dir));
	g_free(fx->dir);
	g_free(fx->clock);
	g_free(fx);
	return 0;
}

/* One message through the round's steps, then the batch filed. */
static enum lr_status
round_one(struct fixture *fx, guint32 uid, const char *msg)
{
	struct fetch_ctx fc = { .a = &fx->a, .now = decide_time() };
	enum lr_status st = one_message(uid, msg, strlen(msg), &fc);

	if (st == LR_OK)
		st = held_flush(&fc);
	g_date_time_unref(fc.now);
	if (st == LR_OK)
		st = file_queued(&fx->a);
	filer_forget(fx->a.filer);
	return st;
}

static gint64
message_id(struct fixture *fx, const char *key, char **folder)
{
	gint64 id = 0, at = 0;

	assert_int_equal(journal_message_find(fx->a.j, key, &id, folder,
	    &at), LR_OK);
	return id;
}

static void
test_owner_lead(void **state)
{
	struct fixture *fx = *state;
	char *folder = NULL;

	assert_int_equal(round_one(fx, 1, LEAD("a1", "Quote please")), LR_OK);
	assert_int_equal(fx->smtp->sent->len, 1);
	assert_string_equal(g_ptr_array_index(fx->smtp->sent, 0),
	    "fay@example.com smtp for fay@example.com");
	assert_int_equal(fx->webhook->sent->len, 1);
	assert_int_equal(fx->filer->filed->len, 1);
	assert_string_equal(g_ptr_array_index(fx->filer->filed, 0),
	    "Leads/Owners/fay 1");
	assert_true(message_id(fx, "<a1@acme-widgets.com>", &folder) > 0);
	assert_string_equal(folder, "Leads/Owners/fay");
	g_free(folder);
	assert_int_equal(fx->a.kept, 0);

	/* fetched again (a stop before the MOVE): filed, nothing re-sent */
	assert_int_equal(round_one(fx, 1, LEAD("a1", "Quote please")), LR_OK);
	assert_int_equal(fx->smtp->sent->len, 1);
	assert_int_equal(fx->webhook->sent->len, 1);
	assert_int_equal(fx->filer->filed->len, 2);
	assert_string_equal(g_ptr_array_index(fx->filer->filed, 1),
	    "Leads/Owners/fay 1 again");
}

static void
test_forward_deferred(void **state)
{
	struct fixture *fx = *state;

	fx->smtp->answer = LR_TEMPFAIL;
	assert_int_equal(round_one(fx, 3, LEAD("b1", "Quote")), LR_OK);
	assert_int_equal(fx->smtp->sent->len, 1);
	assert_int_equal(fx->a.kept, 1);	/* stays in the inbox */
	assert_int_equal(fx->filer->filed->len, 0);
	assert_int_equal(fx->webhook->sent->len, 0);	/* not before it */

	/* the next fetch: the forward goes, once, and the lead is filed */
	fx->smtp->answer = LR_OK;
	assert_int_equal(round_one(fx, 3, LEAD("b1", "Quote")), LR_OK);
	assert_int_equal(fx->smtp->sent->len, 2);
	assert_int_equal(fx->webhook->sent->len, 1);
	assert_int_equal(fx->filer->filed->len, 1);
	assert_string_equal(g_ptr_array_index(fx->filer->filed, 0),
	    "Leads/Owners/fay 3");
}

static void
test_forward_refused(void **state)
{
	struct fixture *fx = *state;
	struct journal_decision *jd = NULL;
	gint64 id;

	fx->smtp->answer = LR_BADMSG;
	assert_int_equal(round_one(fx, 4, LEAD("c1", "Quote")), LR_OK);
	assert_int_equal(fx->filer->filed->len, 1);
	assert_string_equal(g_ptr_array_index(fx->filer->filed, 0),
	    "Leads/Review 4");
	id = message_id(fx, "<c1@acme-widgets.com>", NULL);
	assert_int_equal(journal_decision_get(fx->a.j, id, &jd), LR_OK);
	assert_int_equal(jd->kind, DEST_REVIEW);
	assert_non_null(strstr(jd->reason,
	    "forward to fay@example.com: fake smtp refused"));
	journal_decision_free(jd);
	/* the forward, then (after the filing) review's announcement, to
	 * fay, refused too */
	assert_int_equal(fx->smtp->sent->len, 1);
	retry_due(&fx->a);
	assert_int_equal(fx->smtp->sent->len, 2);

	/* neither tried again */
	fx->smtp->answer = LR_OK;
	assert_int_equal(round_one(fx, 4, LEAD("c1", "Quote")), LR_OK);
	retry_due(&fx->a);
	assert_int_equal(fx->smtp->sent->len, 2);
}

static void
test_review_and_copy(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(round_one(fx, 5, LEAD("d1", "[review] Quote")),
	    LR_OK);
	/* nobody's yet: announced to review's notify (fay, by email), sent
	 * after the filing */
	assert_int_equal(fx->smtp->sent->len, 0);
	retry_due(&fx->a);
	assert_int_equal(fx->smtp->sent->len, 1);
	assert_string_equal(g_ptr_array_index(fx->smtp->sent, 0),
	    "fay@example.com smtp for fay@example.com");
	assert_int_equal(fx->slack->sent->len, 0);	/* not asked */
	assert_int_equal(fx->webhook->sent->len, 1);
	/* another copy with the same Message-ID: filed, routed once */
	assert_int_equal(round_one(fx, 6, LEAD("d1", "[review] Quote "
	    "(copy)")), LR_OK);
	assert_int_equal(fx->smtp->sent->len, 1);
	assert_int_equal(fx->webhook->sent->len, 1);
	assert_int_equal(fx->filer->filed->len, 2);
	assert_string_equal(g_ptr_array_index(fx->filer->filed, 1),
	    "Leads/Review 6");
}

/* Two copies of one Message-ID in one batch (issue 19): the copy is
 * filed where the first went, routed once, never into Failed. */
static void
test_copy_in_one_batch(void **state)
{
	struct fixture *fx = *state;
	struct fetch_ctx fc = { .a = &fx->a, .now = decide_time() };
	const char *one = LEAD("c1", "Quote please"),
	    *two = LEAD("c1", "Quote please (copy)");
	GPtrArray *f = fx->filer->filed;

	assert_int_equal(one_message(7, one, strlen(one), &fc), LR_OK);
	assert_int_equal(one_message(8, two, strlen(two), &fc), LR_OK);
	assert_int_equal(held_flush(&fc), LR_OK);
	g_date_time_unref(fc.now);
	assert_int_equal(file_queued(&fx->a), LR_OK);
	filer_forget(fx->a.filer);
	assert_int_equal(fx->smtp->sent->len, 1);	/* once */
	assert_int_equal(f->len, 2);
	assert_string_equal(g_ptr_array_index(f, 0), "Leads/Owners/fay 7");
	assert_string_equal(g_ptr_array_index(f, 1), "Leads/Owners/fay 8");
}

/* A webhook that fails (a timeout, a 5xx) is tried once for a batch, not
 * once a lead: the batch is filed, the rest wait for retry_due (an
 * attack review: a hanging endpoint held the filing up 30 s a post). */
static void
test_http_down_in_a_batch(void **state)
{
	struct fixture *fx = *state;
	struct fetch_ctx fc = { .a = &fx->a, .now = decide_time() };
	const char *one = LEAD("h1", "Quote please"),
	    *two = LEAD("h2", "Quote please too");

	fx->webhook->answer = LR_TEMPFAIL;
	assert_int_equal(one_message(9, one, strlen(one), &fc), LR_OK);
	assert_int_equal(one_message(10, two, strlen(two), &fc), LR_OK);
	assert_int_equal(held_flush(&fc), LR_OK);
	g_date_time_unref(fc.now);
	assert_int_equal(fx->webhook->sent->len, 0);	/* after the filing */
	assert_int_equal(file_queued(&fx->a), LR_OK);
	filer_forget(fx->a.filer);
	assert_int_equal(fx->filer->filed->len, 2);
	assert_int_equal(fx->smtp->sent->len, 2);
	assert_int_equal(fx->webhook->sent->len, 1);	/* once, not twice */
	/* the next pass: one try again, then the endpoint is back */
	fx->webhook->answer = LR_OK;
	set_clock(fx, now_s() + AGENT_RETRY_CAP);
	retry_due(&fx->a);
	assert_int_equal(fx->webhook->sent->len, 3);
}

/* A folder that refuses: the others are filed; its messages wait in the
 * inbox, decided and delivered, until their time, twice as long each
 * time it refuses again. */
static void
test_folder_refuses(void **state)
{
	struct fixture *fx = *state;
	struct fetch_ctx fc = { .a = &fx->a, .now = decide_time() };
	const char *review = LEAD("r1", "[review] Quote"),
	    *owner = LEAD("o1", "Quote please");
	struct refile *r;

	fx->filer->refuse = "Leads/Review";
	assert_int_equal(one_message(3, review, strlen(review), &fc), LR_OK);
	assert_int_equal(one_message(4, owner, strlen(owner), &fc), LR_OK);
	assert_int_equal(fx->smtp->sent->len, 0);	/* held: one batch */
	assert_int_equal(held_flush(&fc), LR_OK);
	g_date_time_unref(fc.now);
	fx->a.kept = 0;
	assert_int_equal(file_queued(&fx->a), LR_TEMPFAIL);
	filer_forget(fx->a.filer);
	assert_int_equal(fx->filer->filed->len, 1);
	assert_string_equal(g_ptr_array_index(fx->filer->filed, 0),
	    "Leads/Owners/fay 4");
	assert_int_equal(fx->a.kept, 1);
	assert_int_equal(fx->smtp->sent->len, 1);	/* fay's forward */
	r = g_hash_table_lookup(fx->a.refile, GUINT_TO_POINTER(3));
	assert_non_null(r);
	assert_int_equal(r->at, now_s() + AGENT_SMTP_RETRY);
	assert_int_equal(r->wait, 2 * AGENT_SMTP_RETRY);
	assert_null(g_hash_table_lookup(fx->a.refile, GUINT_TO_POINTER(4)));
	assert_int_equal(g_hash_table_size(fx->a.filing), 0);
	/* refused again: a longer wait; then taken: forgotten */
	assert_int_equal(round_one(fx, 3, review), LR_TEMPFAIL);
	assert_int_equal(r->wait, 4 * AGENT_SMTP_RETRY);
	fx->filer->refuse = NULL;
	assert_int_equal(round_one(fx, 3, review), LR_OK);
	assert_null(g_hash_table_lookup(fx->a.refile, GUINT_TO_POINTER(3)));
	assert_string_equal(g_ptr_array_index(fx->filer->filed, 1),
	    "Leads/Review 3");
	assert_int_equal(fx->smtp->sent->len, 1);	/* nothing sent twice */
}

static void
test_http_retry(void **state)
{
	struct fixture *fx = *state;
	gint64 at = 0, now = now_s();

	fx->webhook->answer = LR_TEMPFAIL;
	fx->webhook->retry_after = 120;
	assert_int_equal(round_one(fx, 8, LEAD("e1", "Quote")), LR_OK);
	/* the lead is not held up by the webhook */
	assert_int_equal(fx->filer->filed->len, 1);
	assert_int_equal(fx->webhook->sent->len, 1);
	assert_int_equal(journal_next_retry(fx->a.j, &at), LR_OK);
	assert_true(at >= now + 120);	/* as the server asked */

	/* not before it is due */
	retry_due(&fx->a);
	assert_int_equal(fx->webhook->sent->len, 1);
	set_clock(fx, at);
	fx->webhook->answer = LR_OK;
	retry_due(&fx->a);
	assert_int_equal(fx->webhook->sent->len, 2);
	assert_int_equal(journal_next_retry(fx->a.j, &at), LR_OK);
	assert_int_equal(at, 0);	/* nothing left */
	assert_int_equal(fx->smtp->sent->len, 1);	/* not the forward */
}

/*
 * A lead sent to a queue is announced as its notify says (spec 4.2 v2):
 * the Slack channel and each address or owner by email; an announcement
 * that fails never holds the lead up and is tried again from the journal.
 */
static void
test_announce_queue(void **state)
{
	struct fixture *fx = *state;
	gint64 at = 0;

	fx->smtp->answer = LR_TEMPFAIL;
	assert_int_equal(round_one(fx, 11, LEAD("g1", "[later] Next year")),
	    LR_OK);
	assert_int_equal(fx->a.kept, 0);	/* filed all the same */
	assert_int_equal(fx->filer->filed->len, 1);
	assert_string_equal(g_ptr_array_index(fx->filer->filed, 0),
	    "Leads/Queues/later 11");
	/* planned, sent after the filing */
	assert_int_equal(fx->slack->sent->len, 0);
	assert_int_equal(fx->smtp->sent->len, 0);
	retry_due(&fx->a);
	assert_int_equal(fx->slack->sent->len, 1);
	assert_string_equal(g_ptr_array_index(fx->slack->sent, 0),
	    "announce queue later slack for -");
	assert_int_equal(fx->smtp->sent->len, 2);
	assert_string_equal(g_ptr_array_index(fx->smtp->sent, 0),
	    "marketing@example.com smtp for marketing@example.com");
	assert_string_equal(g_ptr_array_index(fx->smtp->sent, 1),
	    "dana@example.com smtp for dana@example.com");
	/* tried again when the journal says, with what was built */
	assert_int_equal(journal_next_retry(fx->a.j, &at), LR_OK);
	assert_true(at > 0);
	fx->smtp->answer = LR_OK;
	retry_due(&fx->a);
	assert_int_equal(fx->smtp->sent->len, 2);	/* not yet */
	set_clock(fx, at + AGENT_SMTP_RETRY);	/* both, whatever the jitter */
	retry_due(&fx->a);
	assert_int_equal(fx->smtp->sent->len, 4);
	/* each once more, in the order their (jittered) times fall */
	assert_true(strcmp(g_ptr_array_index(fx->smtp->sent, 2),
	    g_ptr_array_index(fx->smtp->sent, 3)) != 0);
	for (guint i = 2; i < 4; i++)
		assert_true(strcmp(g_ptr_array_index(fx->smtp->sent, i),
		    "marketing@example.com smtp for marketing@example.com") ==
		    0 || strcmp(g_ptr_array_index(fx->smtp->sent, i),
		    "dana@example.com smtp for dana@example.com") == 0);
	assert_int_equal(journal_next_retry(fx->a.j, &at), LR_OK);
	assert_int_equal(at, 0);
	/* seen again: never announced twice */
	assert_int_equal(round_one(fx, 11, LEAD("g1", "[later] Next year")),
	    LR_OK);
	assert_int_equal(fx->smtp->sent->len, 4);
	assert_int_equal(fx->slack->sent->len, 1);
}

/* A dry run sees the same inbox at every poll: each message is taken
 * (and logged) once, when it is first seen. */
static void
test_dry_run_once(void **state)
{
	struct fixture *fx = *state;

	fx->o.dry_run = TRUE;
	fx->filer->dry = TRUE;
	assert_int_equal(round_one(fx, 9, LEAD("f1", "Quote")), LR_OK);
	assert_int_equal(fx->filer->filed->len, 1);
	assert_int_equal(fx->smtp->sent->len, 1);
	assert_int_equal(round_one(fx, 9, LEAD("f1", "Quote")), LR_OK);
	assert_int_equal(round_one(fx, 9, LEAD("f1", "Quote")), LR_OK);
	assert_int_equal(fx->filer->filed->len, 1);	/* not again */
	assert_int_equal(fx->smtp->sent->len, 1);
	/* a new one still is */
	assert_int_equal(round_one(fx, 10, LEAD("f2", "Quote")), LR_OK);
	assert_int_equal(fx->filer->filed->len, 2);
}

static void
test_retry_policy(void **state)
{
	(void)state;
	/* a forward backs off with jitter from a minute to its cap */
	for (int i = 0; i < 50; i++) {
		gint64 w0 = retry_wait(CHAN_FORWARD, 0, -1),
		    w1 = retry_wait(CHAN_FORWARD, 1, -1),
		    w20 = retry_wait(CHAN_FORWARD, 20, -1);

		assert_true(w0 >= AGENT_SMTP_RETRY / 2 && w0 <= AGENT_SMTP_RETRY);
		assert_true(w1 >= AGENT_SMTP_RETRY && w1 <= 2 * AGENT_SMTP_RETRY);
		assert_true(w20 >= AGENT_SMTP_RETRY_CAP / 2 &&
		    w20 <= AGENT_SMTP_RETRY_CAP);
	}
	for (int c = CHAN_SLACK; c < CHAN_N; c++) {
		gint64 w0 = retry_wait(c, 0, -1), w20 = retry_wait(c, 20, -1);

		assert_true(w0 >= AGENT_RETRY_BASE / 2 &&
		    w0 <= AGENT_RETRY_BASE);
		assert_true(w20 >= AGENT_RETRY_CAP / 2 &&
		    w20 <= AGENT_RETRY_CAP);
		/* never sooner than the server asked, even past the cap */
		assert_true(retry_wait(c, 0, 7200) >= 7200);
	}
}

static void
test_dry_sink(void **state)
{
	struct fake_sink *f = fake_sink(CHAN_SLACK);
	struct sink *dry = sink_dry_new(&f->base);
	struct sink_lead sl = { 0 };
	struct sink_failure fail;
	char *p;
	gsize len;

	(void)state;
	sl.target = "#sales";
	p = sink_plan(dry, &sl, &len);
	assert_string_equal(p, "slack for #sales");	/* planned as real */
	assert_int_equal(len, strlen(p));
	assert_int_equal(sink_send(dry, "#sales", p, len, &fail), LR_OK);
	assert_int_equal(f->sent->len, 0);		/* sent nothing */
	g_free(p);
	sink_free(dry);
	assert_null(sink_dry_new(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_owner_lead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forward_deferred, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forward_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_review_and_copy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_in_one_batch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http_down_in_a_batch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_folder_refuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_announce_queue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_once, setup,
		    teardown),
		cmocka_unit_test(test_retry_policy),
		cmocka_unit_test(test_dry_sink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
