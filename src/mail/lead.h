/*
 * lead.h: one inbound inquiry extracted from one parsed message (spec
 * section 6): who, which company, what they want, where they are, and
 * whether the message is machine mail. A lead is a plain value: built once
 * by lead_from_mail(), read by the rules, freed with lead_free(). Every
 * string is UTF-8 and owned by the lead; absent fields are NULL, never "".
 */
#ifndef LR_LEAD_H
#define LR_LEAD_H

#include <glib.h>

#include "leadfield.h"
#include "mail.h"

struct lead {
	char *str[LF_NFIELDS];	/* owned; indexed by the simple fields */
	gboolean has_employees;
	double employees;
	gboolean has_budget;
	double budget;
	guint attachments;
	gboolean is_form;
	gboolean is_auto;
	gboolean is_spam;
	char *auto_why;		/* owned: the signal that made it auto */
	char *relayed_by;	/* owned: the inbox address whose list
				 * headers were not taken for list mail */
	char *forwarded_by;	/* owned: who forwarded the lead into the
				 * inbox (spec 6, v2); NULL: not forwarded */
	const char *language_source; /* static: "header", "detected" */
	gboolean language_pending; /* not detected yet: lead_language() */
	enum lead_field language_text;	/* the field it is detected from */
	gboolean no_address;	/* no address of the lead's to answer: a
				 * form notification that does not give it,
				 * or a no-reply or form tool's sender
				 * without Reply-To (it goes to review) */
	gboolean internal;	/* mail of the team's own (an owner, an
				 * inbox address or domain) that forwards
				 * no lead (it goes to review) */
	char *forward_unverified; /* owned: why the forwarder's mail is not
				 * the team's by the server's verdict (it
				 * goes to review); NULL: it is, or forwarded
				 * by nobody */
	char *author;		/* owned: who wrote the message, lowercase:
				 * From, or the author of a group's rewritten
				 * From; the forwarded sender for a forward */
	const char *country_from; /* static: "form", "phone", "domain" */
	GPtrArray *form;	/* of struct form_pair *, owned, in order */
	GPtrArray *form_keys;	/* of char *, owned: form_label_key() of each */
	GPtrArray *headers;	/* of struct mail_header *, owned */
	GPtrArray *notes;	/* of char *, owned: parse notes */
	gint64 date;		/* Date header, seconds; 0 if none */
	char **thread;		/* owned, NULL-terminated: Message-IDs this
				 * replies to (struct mail's thread) */
	char **recipients;	/* owned, NULL-terminated: To and Cc
				 * (struct mail's recipients) */
	guint32 ascii;		/* bit f set: str[f] is ASCII only */
	char *folded[LF_NFIELDS];	/* cache of lead_folded(), owned */
};

/*
 * What extraction knows of the team (all borrowed, each may be NULL):
 * freemail, a set of lowercase domains (the rules' list named freemail;
 * NULL: the built-in list); inbox, the set of the shared inbox's own
 * addresses, lowercase (the rules' `inbox`); owners, the set of the
 * owners' addresses, lowercase. A NULL context is all NULL.
 */
struct lead;

/* Does the receiving server vouch that l comes from domain? (auth.h's
 * auth_vouch(), data its policy.) Else *why (owned) says why not. */
typedef gboolean (*lead_vouch_fn)(const struct lead *l, const char *domain,
    char **why, const void *data);

struct lead_ctx {
	GHashTable *freemail;
	GHashTable *inbox;
	GHashTable *owners;
	lead_vouch_fn vouch;	/* what a forwarder's mail needs; NULL: not
				 * checked (no configuration: explain
				 * --rules) */
	const void *vouch_data;
};

/* Build a lead. The mail is read, not kept. */
struct lead *lead_from_mail(const struct mail *m, const struct lead_ctx *ctx);
/* Parse raw bytes and build the lead in one go. */
struct lead *lead_from_bytes(const char *data, gsize len,
    const struct lead_ctx *ctx);
void lead_free(struct lead *l);

/*
 * The values of a field: one for a simple field that is present, none
 * when absent, one per occurrence for header."Name" and form."Label"
 * (label and header name compared case-insensitively; labels as
 * form_label_key() compares them). Returns how many were put in out
 * (borrowed pointers), at most max.
 */
guint lead_values(const struct lead *l, enum lead_field f, const char *arg,
    const char **out, guint max);
/* The number a field holds, for comparisons; FALSE when it holds none. */
gboolean lead_number(const struct lead *l, enum lead_field f,
    const char *arg, double *out);

/*
 * str[f] case-folded and NFKC-normalised, for case-insensitive tests;
 * computed once per lead and field (the one thing a lead caches).
 */
const char *lead_folded(const struct lead *l, enum lead_field f);

/*
 * The lead's language (str[LF_LANGUAGE]): Content-Language's, else
 * detected from its text at the first ask (detection costs as much as
 * the rest of a lead: it is done only for a rule, a template or explain
 * that reads it). lead_values() and lead_folded() ask it themselves.
 */
const char *lead_language(const struct lead *l);

/* Is s ASCII only (no byte above 0x7F)? */
gboolean lead_is_ascii(const char *s);

/* The lead's domain when it names a company (not free mail by freemail,
 * the rules' list, or the built-in one when NULL); NULL otherwise. */
const char *lead_company_domain(const struct lead *l, GHashTable *freemail);

/*
 * A subject as a reply's is compared with its lead's: reply and forward
 * prefixes ("Re:", "AW:", "Fwd:", "SV:", "Re[2]:" ...) and bracketed
 * tags ("[EXT]") taken from the front, case folded, white space
 * collapsed. NULL when nothing is left. Caller owns the result.
 */
char *lead_subject_key(const char *subject);

/* Is domain (lowercase) free mail by the built-in list? */
gboolean lead_builtin_freemail(const char *domain);

#endif
