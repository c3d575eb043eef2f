/*
 * fuzz_imap.c: libFuzzer target over what an IMAP server answers. The
 * input is everything a server says on one connection, sent in pieces
 * from a thread on 127.0.0.1 (then the server stops writing and reads until
 * the client goes); the client is leadroute's own io/imap, taken through
 * what the agent does with a connection: log in, learn the namespace,
 * list folders, select the inbox, read PERMANENTFLAGS, search, fetch,
 * read Message-IDs and arrival times, store a keyword, move, search by
 * Message-ID, IDLE. libetpan parses the answers; what leadroute makes of
 * them (folder names decoded from modified UTF-7 and taken out of the
 * namespace, UIDs, literals handed to the agent) is ours. Any answer may
 * be refused; none may crash or hang.
 *
 * Run with -detect_leaks=0 (.ci/run does): libetpan 1.9.4 leaks parts of
 * many malformed answers it refuses (a section spec in a FETCH, the
 * greeting of a "* BYE", ...), inside its parser where no caller can
 * free them; a few dozen bytes a refused answer, each followed by a
 * reconnection. Our own frees are checked by the integration suites
 * under ASan against real servers. What this target found is mended in
 * imap.c: a NULL read in mailimap_capability() on an OK without
 * CAPABILITY data, a leak in mailimap_namespace() on an OK without
 * NAMESPACE data (both commands now sent raw).
 *
 * With LEADROUTE_FUZZ_TRACE set, the protocol is logged (to see how far
 * a seed gets).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <glib.h>

#include "imap.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int listener = -1;
static char *url;

struct server {
	const uint8_t *data;
	size_t size;
};

/* One connection: say everything, stop writing, read until the end. */
static gpointer
serve(gpointer arg)
{
	struct server *s = arg;
	char buf[4096];
	int one = 1;
	size_t off = 0;
	ssize_t n;
	int fd;

	do
		fd = accept(listener, NULL, NULL);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		abort();
	/* in pieces of 1 to 64 bytes, as a slow server or network gives
	 * them: an answer split anywhere (the guard once decided on a byte
	 * it had not read yet) */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (off < s->size) {
		size_t piece = 1 + (size_t)(s->data[off] * 31u + off) % 64;

		n = send(fd, s->data + off, MIN(piece, s->size - off),
		    MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return NULL;
}

static void
listen_once(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	listener = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (listener < 0 ||
	    bind(listener, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(listener, 4) != 0 ||
	    getsockname(listener, (struct sockaddr *)&sin, &len) != 0)
		abort();
	url = g_strdup_printf("imap://127.0.0.1:%u/INBOX",
	    (unsigned)ntohs(sin.sin_port));
	log_set_level(getenv("LEADROUTE_FUZZ_TRACE") != NULL ?
	    LOG_LVL_DEBUG : LOG_LVL_QUIET);
}

static enum lr_status
take(guint32 uid, const char *data, size_t len, void *ctx)
{
	size_t *sum = ctx;

	*sum += uid;
	if (data != NULL && len > 0)	/* read all of it (ASan) */
		*sum += (unsigned char)data[0] + (unsigned char)data[len - 1];
	return LR_OK;
}

/* Fatal for the connection: nothing but imap_free() after these. */
static gboolean
lost(enum lr_status rc)
{
	return rc == LR_BADSOURCE || rc == LR_FATAL;
}

static void
session(struct imap_conn *c)
{
	GPtrArray *names = NULL;
	GArray *uids = NULL, *more = NULL;
	GHashTable *times;
	guint32 uidvalidity, uidnext;
	gboolean got;
	size_t sum = 0;
	guint n;

	if (lost(imap_create(c, "Leads/Review")) ||
	    lost(imap_list(c, "Leads/*", &names)))
		goto out;
	for (guint i = 0; names != NULL && i < names->len; i++) {
		char *ours = imap_folder_ours(c, g_ptr_array_index(names, i));

		g_free(ours);
	}
	if (lost(imap_select(c, "INBOX", &uidvalidity, &uidnext)))
		goto out;
	(void)imap_keeps_keyword(c, IMAP_KEYWORD_ROUTED);
	if (lost(imap_search_unrouted(c, IMAP_KEYWORD_ROUTED, &uids)))
		goto out;
	n = uids != NULL ? MIN(uids->len, 8) : 0;
	if (n > 0) {
		const guint32 *u = (const guint32 *)uids->data;

		if (lost(imap_fetch(c, u, n, take, &sum)) ||
		    lost(imap_message_ids(c, 1, take, &sum)))
			goto out;
		times = g_hash_table_new_full(g_direct_hash, g_direct_equal,
		    NULL, g_free);
		n = lost(imap_arrival_times(c, u, n, times)) ? 0 : n;
		g_hash_table_destroy(times);
		if (n == 0 ||
		    lost(imap_add_keyword(c, u, n, IMAP_KEYWORD_ROUTED)) ||
		    lost(imap_move(c, u, n, "Leads/Review")))
			goto out;
	}
	if (lost(imap_search_message_id(c, "<a@b.example>", &more)))
		goto out;
	if (imap_has_idle(c) && !lost(imap_idle_start(c)) &&
	    !lost(imap_idle_wait(c, 0, &got)))
		(void)imap_idle_done(c);
out:
	if (names != NULL)
		g_ptr_array_unref(names);
	if (uids != NULL)
		g_array_free(uids, TRUE);
	if (more != NULL)
		g_array_free(more, TRUE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server s = { data, size };
	struct imap_config cfg = { 0 };
	struct imap_conn *c = NULL;
	GThread *t;
	char *err = NULL;

	if (listener < 0)
		listen_once();
	cfg.url = url;
	cfg.user = "leads";
	cfg.password = "secret";
	cfg.timeout = 1;
	t = g_thread_new("server", serve, &s);
	if (imap_connect(&cfg, &c, &err) == LR_OK) {
		session(c);
		imap_logout(c);
	}
	imap_free(c);
	g_free(err);
	g_thread_join(t);
	return 0;
}
