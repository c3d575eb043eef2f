/*
 * journal_cost.c: the journal's cost as it grows (issue 19), for bench/journal.
 *
 * Records N leads as the agent's drain does -- seen, decided (a mix of
 * owners, teams, review and ignore, each with a subject key), a forward
 * planned, started and sent, a Slack post, filed; two commits a batch of
 * 100 plus one a forward -- into a new journal, and after each tenth of
 * them prints how long a lead took in that tenth, and how long the
 * lookups the agent repeats take at that size: the review queue and its
 * breaches, the unanswered leads (both every 30 s), a reply's lead by
 * Message-ID and by subject, a message by key. Durable (synchronous FULL,
 * fdatasync) unless the journal is on a tmpfs.
 *
 * usage: journal-cost PATH N      PATH must not exist
 *
 * Built on demand (`make bench/journal-cost`, as bench/journal does),
 * never by `make` alone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "journal_sla.h"
#include "log.h"

#define BATCH	100
static const char *const owners[] = { "ann", "bob", "cho", "dee", "eve",
    "fay", "gus", "hal" };

static gint64
now_us(void)
{
	return g_get_monotonic_time();
}

static void
die(const char *what)
{
	fprintf(stderr, "journal: %s failed\n", what);
	exit(1);
}

/* One lead, as the drain records it (the forward's commit included). */
static void
lead(struct journal *j, guint i, gint64 t)
{
	char key[64], subj[64], email[64], target[64], msgid[96];
	const char *owner = owners[i % G_N_ELEMENTS(owners)];
	gboolean review = i % 7 == 0, ignored = i % 11 == 0;
	struct journal_decision d = { 0 };
	enum journal_state state;
	enum journal_seen seen;
	gint64 id;

	g_snprintf(key, sizeof(key), "<lead-%u@bench.example>", i);
	g_snprintf(subj, sizeof(subj), "quote for project %u", i % 5000);
	g_snprintf(email, sizeof(email), "buyer%u@customer%u.example", i,
	    i % 20000);
	if (journal_message_seen(j, key, "INBOX", 1, i + 1, 5000, t, t, &id,
	    &state, &seen) != LR_OK)
		die("seen");
	d.kind = review ? DEST_REVIEW : ignored ? DEST_IGNORE : DEST_OWNER;
	d.dest_id = d.kind == DEST_OWNER ? owner : NULL;
	d.owner = d.dest_id;
	d.folder = review ? "Leads/Review" : ignored ? "Leads/Ignored" :
	    "Leads/Owners/x";
	d.reason = "route 12";
	d.lead_email = email;
	d.lead_domain = strchr(email, '@') + 1;
	d.subject_key = subj;
	d.lead_json = "{\"subject\":\"x\",\"source\":\"email\"}";
	if (journal_record_decision(j, id, &d, t) != LR_OK)
		die("decision");
	if (d.owner == NULL) {
		if (journal_message_filed(j, id, d.folder, t) != LR_OK)
			die("filed");
		return;
	}
	g_snprintf(target, sizeof(target), "%s@team.example", owner);
	g_snprintf(msgid, sizeof(msgid), "lr.%u.%s@team.example", i, owner);
	if (journal_delivery_plan(j, id, CHAN_FORWARD, target, msgid, NULL,
	    t) != LR_OK ||
	    journal_delivery_start(j, id, CHAN_FORWARD, target) != LR_OK ||
	    journal_flush(j) != LR_OK ||
	    journal_delivery_done(j, id, CHAN_FORWARD, target, t) != LR_OK ||
	    journal_delivery_plan(j, id, CHAN_SLACK, "webhook", NULL, "{}",
	    t) != LR_OK ||
	    journal_delivery_done(j, id, CHAN_SLACK, "webhook", t) != LR_OK ||
	    journal_message_filed(j, id, d.folder, t) != LR_OK)
		die("deliveries");
	/* most leads are answered: an owner's first response */
	if (i % 10 != 0 && journal_event(j, id, "first-response", key, t) !=
	    LR_OK)
		die("first response");
}

static enum lr_status
count(const struct journal_overdue *o, void *ctx)
{
	(void)o;
	(*(guint *)ctx)++;
	return LR_OK;
}

/* The lookups the agent repeats, timed (ms); rows found in *rows. */
static void
lookups(struct journal *j, guint n, gint64 t)
{
	struct journal_thread th = { 0 };
	const char *thread[] = { NULL, NULL };
	const char *addrs[] = { NULL, NULL };
	char key[64], email[64], subj[64];
	guint review = 0, overdue = 0, open = 0;
	gint64 t0, id = 0;
	double ms[6];

	g_snprintf(key, sizeof(key), "<lead-%u@bench.example>", n / 2);
	g_snprintf(email, sizeof(email), "buyer%u@customer%u.example", n / 2,
	    (n / 2) % 20000);
	g_snprintf(subj, sizeof(subj), "quote for project %u", (n / 2) % 5000);
	thread[0] = key;
	addrs[0] = email;
	t0 = now_us();
	if (journal_review_open(j, count, &review) != LR_OK)
		die("review_open");
	ms[0] = (now_us() - t0) / 1000.0;
	t0 = now_us();
	if (journal_review_overdue(j, t, count, &overdue) != LR_OK)
		die("review_overdue");
	ms[1] = (now_us() - t0) / 1000.0;
	t0 = now_us();
	if (journal_unanswered(j, count, &open) != LR_OK)
		die("unanswered");
	ms[2] = (now_us() - t0) / 1000.0;
	t0 = now_us();
	if (journal_thread_lead(j, thread, &th) != LR_OK)
		die("thread_lead");
	ms[3] = (now_us() - t0) / 1000.0;
	journal_thread_clear(&th);
	t0 = now_us();
	if (journal_subject_lead(j, addrs, subj, 0, NULL, &th) != LR_OK)
		die("subject_lead");
	ms[4] = (now_us() - t0) / 1000.0;
	journal_thread_clear(&th);
	t0 = now_us();
	if (journal_message_find(j, key, &id, NULL, NULL) != LR_OK)
		die("find");
	ms[5] = (now_us() - t0) / 1000.0;
	printf(" %9.2f %9.2f %9.2f %8.3f %8.3f %8.3f  (%u in review, %u "
	    "unanswered)\n", ms[0], ms[1], ms[2], ms[3], ms[4], ms[5], review,
	    open);
}

int
main(int argc, char **argv)
{
	struct journal *j;
	GError *err = NULL;
	guint n, step;
	gint64 t = 1764000000, t0;

	if (argc != 3 || (n = (guint)g_ascii_strtoull(argv[2], NULL, 10)) <
	    10) {
		fprintf(stderr, "usage: journal-cost PATH N\n");
		return 2;
	}
	log_set_level(LOG_LVL_QUIET);
	if ((j = journal_open(argv[1], &err)) == NULL) {
		fprintf(stderr, "journal: %s\n", err->message);
		return 1;
	}
	if (journal_defer(j, TRUE) != LR_OK)
		die("defer");
	step = n / 10;
	printf("%9s %10s %9s %9s %9s %8s %8s %8s\n", "leads", "ms/lead",
	    "review", "overdue", "unansw.", "thread", "subject", "find");
	for (guint i = 0; i < n;) {
		t0 = now_us();
		for (guint k = 0; k < step && i < n; k++, i++) {
			lead(j, i, t + i);
			if (i % BATCH == BATCH - 1 && journal_flush(j) != LR_OK)
				die("flush");
		}
		if (journal_flush(j) != LR_OK)
			die("flush");
		printf("%9u %10.4f", i, (now_us() - t0) / 1000.0 / step);
		lookups(j, i, t + i);
		fflush(stdout);
	}
	journal_close(j);
	return 0;
}
