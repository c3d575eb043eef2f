/*
 * rules.h: a rule set (spec section 4): reference data, destinations,
 * filters, classes and routes, read from a rules file, resolved and
 * checked, and immutable afterwards. Everything routing reads is here;
 * how it is read (lexer, parser) is private to rules_*.c.
 */
#ifndef LR_RULES_H
#define LR_RULES_H

#include <glib.h>

#include "diag.h"
#include "expr.h"
#include "lead.h"
#include "owners.h"

struct scan_db;

enum dest_kind {
	DEST_OWNER, DEST_TEAM, DEST_QUEUE, DEST_REVIEW, DEST_IGNORE,
	DEST_ACCOUNT_OWNER,	/* only in routes: resolved per lead */
	DEST_REPLY		/* only in the journal: an owner's reply,
				 * recorded as its message's decision */
};

enum rotate { ROTATE_ROUND_ROBIN, ROTATE_WEIGHTED, ROTATE_LEAST_LOADED };
/* A name written in the rules, where it was written. */
struct ref {
	char *id;		/* owned; NULL when none */
	int line, col;
};

/*
 * Who hears of a lead sent to a queue or to review (spec 4.2, v2): the
 * Slack channel (the default), and by email each address or owner listed
 * (`notify slack email marketing@example.com dana`), or nobody (`notify
 * none`).
 */
struct notify {
	gboolean slack;
	GArray *email;		/* of struct ref: an address, or an owner id */
};

struct team {
	char *id;
	enum rotate rotate;
	GPtrArray *members;	/* of const struct owner *, in order */
	GPtrArray *member_refs;	/* of struct ref *, owned: `members` as written */
	gint64 sla;		/* seconds; 0 = none */
	struct ref escalate;	/* owner */
	int line, col;
};

struct queue {
	char *id;
	char *folder;		/* NULL: <prefix>/Queues/<id> */
	struct notify notify;
	int line, col;
};

struct list {
	char *name;
	GHashTable *items;	/* casefolded item -> item as written */
	char *file;		/* NULL for an inline list */
	int line, col;
	gboolean country_checked;	/* checked as country codes once */
};

struct ignore_rule {
	struct expr *cond;
	char *reason;		/* as written, or the expression's text */
	int line;
};

struct class_rule {
	char *dim, *name;
	struct expr *cond;
	int line, col;
};

struct dimension {
	char *name;
	gboolean first;		/* declared `dimension NAME first` */
	GPtrArray *classes;	/* of struct class_rule *, borrowed, file order */
	int line, col;		/* first mention */
};

struct cond {
	char *dim, *value;
	gboolean negate;	/* DIM!=VALUE */
	int line, col;
};

struct dest {
	enum dest_kind kind;
	char *id;		/* owner, team or queue id; NULL otherwise */
	int line, col;
};

struct route {
	GPtrArray *conds;	/* of struct cond *, owned; empty for `*` */
	struct dest dest;
	char *reason;		/* NULL when none written */
	int line;
};

struct ruleset {
	char *file;		/* as given */
	char *dir;		/* relative paths are taken from here */
	struct owner_table *owners;	/* NULL when no owners statement */
	char *owners_file;
	GHashTable *accounts;	/* casefolded domain -> owner id; NULL if none */
	char *accounts_file;
	GHashTable *lists;	/* name -> struct list * */
	GHashTable *freemail;	/* the list named freemail's items, or NULL */
	GHashTable *inbox;	/* `inbox` addresses, lowercase (a set) */
	GHashTable *owner_addrs; /* the owners' addresses, lowercase (a set) */
	struct lead_ctx lead;	/* freemail, inbox, owner_addrs: what lead
				 * extraction is given */
	GHashTable *teams;	/* id -> struct team * */
	GPtrArray *team_order;	/* of struct team *, owned, file order */
	GHashTable *queues;	/* id -> struct queue * */
	GPtrArray *queue_order;	/* of struct queue *, owned */
	char *review_folder;	/* NULL: <prefix>/Review */
	gint64 review_sla;	/* seconds; 0 = none */
	struct ref review_escalate;	/* owner */
	struct notify review_notify;
	int review_digest;	/* minute of the day, in the escalate owner's
				 * zone, of the daily digest of open review
				 * items; -1: none */
	int digest_line, digest_col;	/* where `digest` was written */
	char *ignore_folder;	/* NULL: <prefix>/Ignored */
	GPtrArray *ignores;	/* of struct ignore_rule *, owned */
	GPtrArray *classes;	/* of struct class_rule *, owned, file order */
	GPtrArray *dims;	/* of struct dimension *, owned, first mention order */
	GHashTable *dim_by_name;
	GPtrArray *routes;	/* of struct route *, owned */
	gint64 sticky;		/* seconds an owner keeps a lead's address
				 * and company; 0: off */
	struct scan_db *scan;	/* the patterns of ignores and classes in
				 * one pass (scan.h); NULL: none built
				 * (rules_scan_build()) */
};

#define RULES_STICKY_DEFAULT	(30 * 86400)	/* `sticky 30d` */

/*
 * Read, resolve and check a rules file and the reference data it names.
 * Every problem goes to d (errors and spec 4.7 warnings); the rule set is
 * usable only when diag_errors(d) is 0. Returns NULL only when the file
 * itself cannot be read.
 */
struct ruleset *rules_load(const char *path, struct diag *d);
/* The same from memory; file names the text in messages and dir is where
 * relative paths start. */
struct ruleset *rules_parse(const char *text, gsize len, const char *file,
    const char *dir, struct diag *d);
void rules_free(struct ruleset *rs);
/*
 * Compile every pattern of the ignores and classes into the one-pass scan
 * (scan.h), for a caller that decides leads (run, deliver, explain, rules
 * diff): tens of milliseconds. Without it every test is tested: the same
 * decisions, but for a pattern past PCRE's limits on a text the scan
 * proves free of it (review without the scan, a plain no with it); so
 * whatever decides, builds it. A second call does nothing.
 */
void rules_scan_build(struct ruleset *rs);
/* A notify as when none is written (slack), and what it holds freed. */
void notify_init(struct notify *n);
void notify_clear(struct notify *n);

const struct dimension *rules_dimension(const struct ruleset *rs,
    const char *name);
const char *rules_dest_kind_name(enum dest_kind k);

#endif
