/*
 * imap_smoke.c: exercises src/imap.c against a live IMAP server (a
 * throwaway Dovecot). Usage:
 *
 *   imap_smoke HOST PORT USER PASSWORD [IMAPS_PORT CA_FILE]
 *
 * Plaintext over loopback on PORT; with IMAPS_PORT and CA_FILE also TLS
 * with verification (and a check that an untrusted chain is refused).
 * Messages are appended with python3 imaplib. Prints one line per step;
 * exits 0 when all pass. Meant for a fresh mailbox but tolerates old mail.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "imap.h"
#include "log.h"

static int failures;

static void
step(gboolean ok, const char *what, const char *detail)
{
	printf("%s: %s%s%s\n", ok ? "PASS" : "FAIL", what,
	    detail != NULL ? " -- " : "", detail != NULL ? detail : "");
	fflush(stdout);
	if (!ok)
		failures++;
}

static const char append_py[] =
    "import imaplib, sys, time\n"
    "h, p, u, pw, n, delay = sys.argv[1:7]\n"
    "time.sleep(float(delay))\n"
    "m = imaplib.IMAP4(h, int(p)); m.login(u, pw)\n"
    "for i in range(int(n)):\n"
    "    msg = ('From: Lead %d <lead%d@example.com>\\r\\nTo: leads@example.com\\r\\n'\n"
    "           'Subject: smoke %d\\r\\nMessage-ID: <smoke-%d-%f@example.com>\\r\\n\\r\\n'\n"
    "           'Hello, I want a quote.\\r\\n') % (i, i, i, i, time.time())\n"
    "    m.append('INBOX', None, None, msg.encode())\n"
    "m.logout()\n";

/* Append n messages with python3 imaplib, after delay seconds. */
static gboolean
append_msgs(char **argv, int n, const char *delay, gboolean wait)
{
	char count[16];
	char *args[] = { "python3", "-c", (char *)append_py, argv[1], argv[2],
	    argv[3], argv[4], count, (char *)delay, NULL };
	GError *e = NULL;
	gint status = 0;
	gboolean ok;

	g_snprintf(count, sizeof(count), "%d", n);
	if (wait)
		ok = g_spawn_sync(NULL, args, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
		    NULL, NULL, &status, &e) && g_spawn_check_wait_status(status, &e);
	else
		ok = g_spawn_async(NULL, args, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
		    NULL, &e);
	if (!ok) {
		fprintf(stderr, "append: %s\n", e->message);
		g_error_free(e);
	}
	return ok;
}

struct fetched {
	guint n;
	gboolean all_smoke;
};

static enum lr_status
on_msg(guint32 uid, const char *data, size_t len, void *ctx)
{
	struct fetched *f = ctx;

	(void)uid;
	f->n++;
	if (data == NULL || g_strstr_len(data, len, "Subject: smoke") == NULL)
		f->all_smoke = FALSE;
	return LR_OK;
}

static struct imap_conn *
connect_url(const char *url, char **argv, const char *ca, enum lr_status *rc)
{
	struct imap_config cfg = { url, argv[3], argv[4], FALSE, ca, 10 };
	struct imap_conn *c = NULL;
	char *err = NULL;

	*rc = imap_connect(&cfg, &c, &err);
	if (*rc)
		printf("      (%s: %s)\n", url, err);
	g_free(err);
	return c;
}

static void
test_folders(struct imap_conn *c)
{
	GPtrArray *names = NULL;
	gboolean ex = FALSE;
	char buf[256];

	step(imap_create(c, "Leads") == LR_OK, "CREATE Leads", NULL);
	step(imap_create(c, "Leads/Review") == LR_OK, "CREATE Leads/Review", NULL);
	step(imap_create(c, "Leads/Review") == LR_OK,
	    "CREATE Leads/Review again (already exists is OK)", imap_last_error(c));
	step(imap_create(c, "Leads/Owners/Zoë & co") == LR_OK,
	    "CREATE non-ASCII folder (modified UTF-7)", imap_last_error(c));
	step(imap_exists(c, "Leads/Review", &ex) == LR_OK && ex,
	    "LIST finds Leads/Review", NULL);
	step(imap_exists(c, "Leads/Nope", &ex) == LR_OK && !ex,
	    "LIST does not find Leads/Nope", NULL);
	if (imap_list(c, "Leads/*", &names) == LR_OK) {
		char *j;

		g_ptr_array_add(names, NULL);
		j = g_strjoinv(", ", (char **)names->pdata);
		g_snprintf(buf, sizeof(buf), "%s", j);
		g_free(j);
		step(names->len >= 3, "LIST Leads/*", buf);
		g_ptr_array_unref(names);
	} else
		step(FALSE, "LIST Leads/*", imap_last_error(c));
}

/* Search, fetch, mark; returns the unrouted UIDs (caller frees). */
static GArray *
test_route(struct imap_conn *c, char **argv)
{
	struct fetched f = { 0, TRUE };
	GArray *uids = NULL, *after = NULL;
	guint32 uv = 0, next = 0;
	char buf[128];

	step(append_msgs(argv, 3, "0", TRUE), "APPEND 3 messages (python3)", NULL);
	step(imap_select(c, "INBOX", &uv, &next) == LR_OK, "SELECT INBOX", NULL);
	g_snprintf(buf, sizeof(buf), "UIDVALIDITY %u UIDNEXT %u", uv, next);
	step(uv != 0 && next != 0, "UIDVALIDITY/UIDNEXT known", buf);
	if (imap_search_unrouted(c, IMAP_KEYWORD_ROUTED, &uids) != LR_OK) {
		step(FALSE, "UID SEARCH UNKEYWORD", imap_last_error(c));
		return NULL;
	}
	g_snprintf(buf, sizeof(buf), "%u unrouted", uids->len);
	step(uids->len >= 3, "UID SEARCH UNKEYWORD $LeadRouted", buf);
	step(imap_fetch(c, (guint32 *)uids->data, uids->len, on_msg, &f) == LR_OK &&
	    f.n == uids->len && f.all_smoke, "UID FETCH BODY.PEEK[]", NULL);
	step(imap_add_keyword(c, (guint32 *)uids->data, uids->len,
	    IMAP_KEYWORD_ROUTED) == LR_OK, "UID STORE +FLAGS $LeadRouted", NULL);
	if (imap_search_unrouted(c, IMAP_KEYWORD_ROUTED, &after) == LR_OK) {
		step(after->len == 0, "nothing unrouted after keyword", NULL);
		g_array_free(after, TRUE);
	}
	return uids;
}

static void
test_move(struct imap_conn *c, GArray *uids)
{
	guint32 first = g_array_index(uids, guint32, 0);
	GArray *left = NULL;
	char buf[128];

	step(imap_move(c, &first, 1, "Leads/Review") == LR_OK,
	    imap_has_move(c) ? "UID MOVE to Leads/Review"
	    : "UID COPY+STORE+EXPUNGE to Leads/Review", imap_last_error(c));
	/* Searching for the keyword's absence among all: use a fake keyword. */
	if (imap_search_unrouted(c, "$NoSuchKeyword", &left) == LR_OK) {
		gboolean gone = TRUE;
		guint i;

		for (i = 0; i < left->len; i++)
			if (g_array_index(left, guint32, i) == first)
				gone = FALSE;
		g_snprintf(buf, sizeof(buf), "%u left in INBOX", left->len);
		step(gone, "moved message left INBOX", buf);
		g_array_free(left, TRUE);
	}
	step(imap_select(c, "Leads/Review", NULL, NULL) == LR_OK,
	    "SELECT Leads/Review", NULL);
	if (imap_search_unrouted(c, "$NoSuchKeyword", &left) == LR_OK) {
		GArray *unr = NULL;

		step(left->len >= 1, "Leads/Review holds the message", NULL);
		if (imap_search_unrouted(c, IMAP_KEYWORD_ROUTED, &unr) == LR_OK) {
			step(unr->len == 0, "it kept $LeadRouted", NULL);
			g_array_free(unr, TRUE);
		}
		g_array_free(left, TRUE);
	}
}

static void
test_idle(struct imap_conn *c, char **argv)
{
	gboolean got = FALSE;
	GArray *uids = NULL;
	gint64 t0;
	char buf[64];

	step(imap_select(c, "INBOX", NULL, NULL) == LR_OK, "SELECT INBOX", NULL);
	if (!imap_has_idle(c)) {
		step(FALSE, "server has IDLE", NULL);
		return;
	}
	step(imap_idle_wait(c, 10, &got) == LR_FATAL, "idle_wait before start refused",
	    NULL);
	step(imap_idle_start(c) == LR_OK, "IDLE", NULL);
	t0 = g_get_monotonic_time();
	step(imap_idle_wait(c, 1500, &got) == LR_OK && !got,
	    "IDLE times out quietly with nothing new", NULL);
	step(append_msgs(argv, 1, "1", FALSE), "APPEND 1 message in 1 s (background)",
	    NULL);
	step(imap_idle_wait(c, 15000, &got) == LR_OK && got,
	    "IDLE wakes on the new message", imap_last_error(c));
	g_snprintf(buf, sizeof(buf), "%.1f s",
	    (g_get_monotonic_time() - t0) / 1e6);
	printf("      (waited %s in all)\n", buf);
	step(imap_idle_done(c) == LR_OK, "DONE", imap_last_error(c));
	if (imap_search_unrouted(c, IMAP_KEYWORD_ROUTED, &uids) == LR_OK) {
		step(uids->len == 1, "one new unrouted message", NULL);
		g_array_free(uids, TRUE);
	}
	step(imap_noop(c) == LR_OK, "NOOP", NULL);
}

static void
test_tls(char **argv)
{
	struct imap_conn *c;
	enum lr_status rc;
	char *url;

	url = g_strdup_printf("imaps://localhost:%s/INBOX", argv[5]);
	c = connect_url(url, argv, argv[6], &rc);
	step(rc == LR_OK, "imaps with ca_file: certificate and name verified", url);
	if (c != NULL) {
		imap_logout(c);
		imap_free(c);
	}
	c = connect_url(url, argv, NULL, &rc);
	step(rc == LR_CONFIG && c == NULL,
	    "imaps without ca_file: self-signed certificate refused", NULL);
	imap_free(c);
	g_free(url);
	/* Same server by address: the certificate names only "localhost". */
	url = g_strdup_printf("imaps://127.0.0.1:%s/INBOX", argv[5]);
	c = connect_url(url, argv, argv[6], &rc);
	step(rc != LR_OK, "imaps to a name not in the certificate refused", url);
	imap_free(c);
	g_free(url);
}

int
main(int argc, char **argv)
{
	struct imap_conn *c;
	enum lr_status rc;
	GArray *uids;
	char *url;

	if (argc != 5 && argc != 7) {
		fprintf(stderr, "usage: imap_smoke HOST PORT USER PASSWORD "
		    "[IMAPS_PORT CA_FILE]\n");
		return 2;
	}
	if (getenv("IMAP_SMOKE_DEBUG") != NULL)
		log_set_level(LOG_LVL_DEBUG);
	url = g_strdup_printf("imap://%s:%s/INBOX", argv[1], argv[2]);
	c = connect_url(url, argv, NULL, &rc);
	step(rc == LR_OK, "connect + login (loopback plaintext)", url);
	g_free(url);
	if (c == NULL)
		return 1;
	step(strcmp(imap_url_mailbox(c), "INBOX") == 0, "mailbox from URL", NULL);
	test_folders(c);
	uids = test_route(c, argv);
	if (uids != NULL) {
		test_move(c, uids);
		g_array_free(uids, TRUE);
	}
	test_idle(c, argv);
	imap_logout(c);
	imap_free(c);
	if (argc == 7)
		test_tls(argv);
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
	return failures ? 1 : 0;
}
