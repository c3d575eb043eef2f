/*
 * imap.h: the IMAP source, a synchronous blocking client over libetpan.
 * One connection, one selected mailbox at a time; every network wait is
 * bounded by the configured timeout. The agent uses it to find messages
 * without the $LeadRouted keyword, fetch them without setting \Seen,
 * mark and file them, and wait for new mail with IDLE.
 *
 * Folder names given to this module use '/' as the hierarchy separator
 * ("Leads/Owners/dana") and are UTF-8; they are put under the personal
 * namespace learned at login (RFC 2342: "Leads/Review" is
 * "INBOX.Leads.Review" on Cyrus and Courier; INBOX and names already
 * under INBOX or the prefix stay as they are, and a name that starts with
 * the server's own prefix is taken in the server's spelling,
 * "INBOX.Sales" as a mail client shows it), and translated to the
 * server's separator and to modified UTF-7 (RFC 3501 5.1.3). A component
 * that contains the server's separator (for a server using '.') is
 * refused with LR_CONFIG. Names this module returns are in the same
 * terms, without the prefix.
 *
 * Every NO or BAD answer is logged as a warning with the command and the
 * server's words, except where a NO is an expected answer (CREATE of a
 * folder that exists, NAMESPACE).
 *
 * Transport security: imaps:// does TLS from the start; imap:// upgrades
 * with STARTTLS (and refuses a server without it) unless the host is
 * loopback (127.0.0.0/8, ::1, "localhost") or allow_plaintext is set.
 * Either way the server's certificate chain is verified against ca_file
 * or the system trust store, and its name against the URL's host, before
 * any credential is sent.
 *
 * Errors: LR_BADSOURCE when the connection is lost or the server talks
 * nonsense (reconnect), LR_TEMPFAIL when the server refused a command
 * (NO/BAD: retry later), LR_CONFIG when retrying cannot help (rejected
 * credentials, bad URL, certificate not trusted, no STARTTLS), LR_FATAL
 * on misuse. After LR_BADSOURCE the only useful call is imap_free().
 * imap_last_error() says what went wrong. Protocol traces are logged at
 * debug level with credentials redacted.
 *
 * The caller owns what is returned unless stated.
 */
#ifndef LR_IMAP_H
#define LR_IMAP_H

#include <stddef.h>

#include <glib.h>

#include "status.h"

#define IMAP_KEYWORD_ROUTED	"$LeadRouted"
#define IMAP_DEFAULT_TIMEOUT	60		/* seconds */
#define IMAP_MAX_MESSAGE_BYTES	(64 * 1024 * 1024)	/* larger are not fetched */
#define IMAP_FETCH_BATCH_BYTES	(4 * 1024 * 1024)	/* held in memory at once */
#define IMAP_UID_BATCH		500		/* UIDs in one command */
#define IMAP_IDLE_MAX_MS	(29 * 60 * 1000)	/* RFC 2177: re-issue before 30 min */

struct imap_config {
	const char *url;	/* borrowed: imaps://host[:port]/MAILBOX or imap://... */
	const char *user;	/* borrowed */
	const char *password;	/* borrowed */
	gboolean allow_plaintext;	/* imap:// to a non-loopback host without TLS */
	const char *ca_file;	/* borrowed, PEM; NULL: the system trust store */
	unsigned timeout;	/* seconds per network wait; 0: IMAP_DEFAULT_TIMEOUT */
	struct oauth *oauth;	/* borrowed; not NULL: AUTHENTICATE XOAUTH2
				 * with its access token, password unused */
	gboolean *refused;	/* out, may be NULL: set when imap_connect
				 * fails because the server refused the
				 * login (not TLS, not the network) */
};

struct imap_conn;
struct oauth;

/*
 * Called once per fetched message. data is borrowed for the call only;
 * it is NULL (and len the server's RFC822.SIZE) when the message is over
 * IMAP_MAX_MESSAGE_BYTES. A non-LR_OK return stops the fetch and is
 * returned by imap_fetch().
 */
typedef enum lr_status (*imap_fetch_cb)(guint32 uid, const char *data,
    size_t len, void *ctx);

/*
 * Connect, secure, authenticate (AUTHENTICATE PLAIN when the server
 * offers AUTH=PLAIN, else LOGIN; with cfg->oauth, AUTHENTICATE XOAUTH2,
 * once more with a new access token when the server refuses the one
 * held). Nothing is selected yet: the URL's
 * mailbox is imap_url_mailbox(). On failure *err (when err is not NULL)
 * gets a message the caller frees with g_free().
 */
enum lr_status imap_connect(const struct imap_config *cfg,
    struct imap_conn **out, char **err) LR_WUR;

/* The mailbox named in the URL ("INBOX" when none), borrowed. */
const char *imap_url_mailbox(const struct imap_conn *c);

/* What the last failed call met, borrowed until the next call; "" if none. */
const char *imap_last_error(const struct imap_conn *c);

/* Capabilities, as known after login. */
gboolean imap_has_idle(const struct imap_conn *c);
gboolean imap_has_move(const struct imap_conn *c);
gboolean imap_has_uidplus(const struct imap_conn *c);

/* name (a folder as a person wrote it: "INBOX.Leads", "INBOX/Leads",
 * "Leads") as this module names it, without the personal namespace's
 * prefix ("Leads"): one spelling a folder, whichever was written. */
char *imap_folder_ours(const struct imap_conn *c, const char *name);

/*
 * Whether the selected mailbox keeps keyword on its messages: its
 * PERMANENTFLAGS list \* or the keyword ("\\Flagged", "\\Deleted" for
 * those system flags), or it sent none (RFC 3501 7.1). A server that does not answers
 * NO to a STORE of it, or drops it silently (Dovecot without the ACL
 * right "w").
 */
gboolean imap_keeps_keyword(const struct imap_conn *c, const char *keyword);

/* SELECT mailbox; uidvalidity and uidnext may be NULL. */
enum lr_status imap_select(struct imap_conn *c, const char *mailbox,
    guint32 *uidvalidity, guint32 *uidnext) LR_WUR;

/*
 * UID SEARCH UNKEYWORD keyword UNDELETED in the selected mailbox: every
 * message not yet routed (nor marked \Deleted), whether read or not;
 * keyword NULL: UNDELETED, every message (a mailbox that keeps no
 * keywords). *uids is a new GArray of guint32, ascending.
 */
enum lr_status imap_search_unrouted(struct imap_conn *c, const char *keyword,
    GArray **uids) LR_WUR;

/* UID SEARCH KEYWORD keyword (an atom) in the selected mailbox; *uids
 * ascending. */
enum lr_status imap_search_keyword(struct imap_conn *c, const char *keyword,
    GArray **uids) LR_WUR;

/* UID SEARCH HEADER Message-ID msgid ("<...>") in the selected mailbox;
 * *uids is a new GArray of guint32, ascending. */
enum lr_status imap_search_message_id(struct imap_conn *c, const char *msgid,
    GArray **uids) LR_WUR;

/*
 * UID FETCH BODY.PEEK[] (never sets \Seen) of the given UIDs, in batches
 * of at most IMAP_FETCH_BATCH_BYTES, calling cb for each in server order.
 * A UID that no longer exists is skipped silently.
 */
enum lr_status imap_fetch(struct imap_conn *c, const guint32 *uids, guint n,
    imap_fetch_cb cb, void *ctx) LR_WUR;

/*
 * The header block's Message-ID and In-Reply-To fields of every message
 * with a UID of at least from in the selected mailbox (BODY.PEEK[HEADER.
 * FIELDS (Message-ID In-Reply-To)]: those present, and a blank line),
 * handed to cb in UID order. For watching folders people move
 * mail between: a message moved in gets a new UID, at or above the
 * UIDNEXT seen before.
 */
enum lr_status imap_message_ids(struct imap_conn *c, guint32 from,
    imap_fetch_cb cb, void *ctx) LR_WUR;

/*
 * When each of uids arrived (INTERNALDATE, seconds since the epoch), into
 * times: uid (GUINT_TO_POINTER) -> gint64 * (g_free'd by the table's
 * value destroy function, which the caller sets). Missing UIDs are absent.
 */
enum lr_status imap_arrival_times(struct imap_conn *c, const guint32 *uids,
    guint n, GHashTable *times) LR_WUR;

/* UID STORE +FLAGS.SILENT (keyword); "\\Flagged": the system flag. */
enum lr_status imap_add_keyword(struct imap_conn *c, const guint32 *uids,
    guint n, const char *keyword) LR_WUR;
/* UID STORE -FLAGS.SILENT (keyword). */
enum lr_status imap_remove_keyword(struct imap_conn *c, const guint32 *uids,
    guint n, const char *keyword) LR_WUR;

/*
 * Move messages to folder: UID MOVE when the server has MOVE, else UID
 * COPY, +FLAGS (\Deleted) and UID EXPUNGE (UIDPLUS) or, lacking UIDPLUS,
 * a plain EXPUNGE only when no other message in the mailbox is marked
 * \Deleted (it would go too); otherwise the moved messages stay behind
 * marked \Deleted (said once in the log) for a mail client to expunge.
 * Copy-then-delete is not atomic: a failure in between leaves the message
 * in both places (never in neither).
 */
enum lr_status imap_move(struct imap_conn *c, const guint32 *uids, guint n,
    const char *folder) LR_WUR;

/* Remove messages from the selected mailbox: +FLAGS (\Deleted), then
 * expunge them as imap_move() does. */
enum lr_status imap_delete(struct imap_conn *c, const guint32 *uids,
    guint n) LR_WUR;

/* CREATE folder; a folder that already exists is success. A failure's
 * error is the CREATE's answer. */
enum lr_status imap_create(struct imap_conn *c, const char *folder) LR_WUR;

/* Whether folder exists (LIST "" folder). */
enum lr_status imap_exists(struct imap_conn *c, const char *folder,
    gboolean *exists) LR_WUR;

/*
 * LIST "" pattern (pattern with '/' separators; '*' and '%' wildcards).
 * *names is a new array of the folders one can select (not \Noselect
 * parents), in our spelling: '/' separators, UTF-8, without the
 * namespace's prefix; free with g_ptr_array_unref.
 */
enum lr_status imap_list(struct imap_conn *c, const char *pattern,
    GPtrArray **names) LR_WUR;

/*
 * IDLE (RFC 2177) on the selected mailbox; only when imap_has_idle().
 * imap_idle_wait() returns after at most timeout_ms (cap it at
 * IMAP_IDLE_MAX_MS) with *got_update TRUE when the server announced
 * EXISTS, RECENT, EXPUNGE or FETCH; keep-alive chatter is absorbed.
 * imap_idle_done() must follow before any other command. Signals the
 * caller blocks are unblocked during the wait, and one ends it early
 * (LR_OK, *got_update FALSE): block them elsewhere, and look at what
 * the handler set after the wait.
 */
enum lr_status imap_idle_start(struct imap_conn *c) LR_WUR;
enum lr_status imap_idle_wait(struct imap_conn *c, int timeout_ms,
    gboolean *got_update) LR_WUR;
enum lr_status imap_idle_done(struct imap_conn *c) LR_WUR;

/* NOOP: keeps the connection alive and lets the server report news. */
enum lr_status imap_noop(struct imap_conn *c) LR_WUR;

/* LOGOUT, best effort; the connection is then closed. */
void imap_logout(struct imap_conn *c);

/* Close (without LOGOUT if not done) and free; NULL is allowed. */
void imap_free(struct imap_conn *c);

#endif
