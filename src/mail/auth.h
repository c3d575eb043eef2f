/*
 * auth.h: whether a message is authenticated as coming from a domain, by
 * the verdict of the mail server that received it (spec section 8, v2:
 * an owner's reply or auto-reply changes routing state only then). Mail
 * content is never trusted for it: only the topmost Authentication-Results
 * header (RFC 8601), the one the receiving server adds last, and only when
 * it names the configured server; on Microsoft 365, Exchange's own
 * X-MS-Exchange-Organization-AuthAs, which it removes from mail that comes
 * from outside the organization.
 */
#ifndef LR_AUTH_H
#define LR_AUTH_H

#include <glib.h>

struct lead;

/* Whose verdict counts. */
struct auth_policy {
	const char *authserv_id;	/* the server's name in its
					 * Authentication-Results; NULL: none */
	gboolean microsoft;		/* Microsoft 365: its own headers, and
					 * its Authentication-Results without
					 * a name */
};

/*
 * Whether l is authenticated as sent from domain: the verdict says
 * dmarc=pass (for header.from domain, or without one), or dkim=pass with
 * header.d (or header.i's domain) the domain or a parent of it; or, on
 * Microsoft 365, AuthAs Internal. *why (owned, may be NULL) says what was
 * found, for the log.
 */
gboolean auth_verified(const struct lead *l, const struct auth_policy *p,
    const char *domain, char **why);
/* auth_verified() as lead.h's lead_vouch_fn: policy is a struct
 * auth_policy. */
gboolean auth_vouch(const struct lead *l, const char *domain, char **why,
    const void *policy);

/*
 * The results of one Authentication-Results value for domain: TRUE when
 * it is written by authserv_id (NULL: a value without a server's name,
 * as Microsoft 365 writes it) and passes as above.
 */
gboolean auth_results_pass(const char *value, const char *authserv_id,
    const char *domain);

#endif
