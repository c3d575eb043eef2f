/*
 * oauth.h: OAuth2 for mailboxes where passwords are switched off (Google
 * Workspace, Microsoft 365): an access token for SASL XOAUTH2, obtained
 * from the provider's token endpoint with the refresh token and kept
 * until shortly before it expires; and the two ways a person grants the
 * refresh token in the first place (`leadroute auth`): Microsoft's
 * device-code flow and Google's loopback redirect with PKCE.
 *
 * Tokens, secrets and codes are never logged. The caller owns what is
 * returned unless stated.
 */
#ifndef LR_OAUTH_H
#define LR_OAUTH_H

#include <stdio.h>

#include <glib.h>

#include "status.h"

#define OAUTH_MARGIN		60	/* seconds: a token this close to its
					 * end is refreshed first */
#define OAUTH_DEFAULT_LIFE	3600	/* seconds, when expires_in is absent */
#define OAUTH_WAIT_MAX		900	/* seconds a person has to grant access */

/* The providers' endpoints and scopes are conf.h's CONFIG_GOOGLE_* and
 * CONFIG_MS_*: the configuration's defaults. */

struct oauth_config {
	const char *token_url;		/* borrowed */
	const char *client_id;		/* borrowed */
	const char *client_secret;	/* borrowed; NULL: a public client */
	const char *refresh_token;	/* borrowed */
	const char *refresh_token_file;	/* borrowed; where a new refresh
					 * token the provider hands out is
					 * saved; NULL: not saved */
	const char *ca_file;		/* borrowed; NULL: the system store */
};

struct oauth;

struct oauth *oauth_new(const struct oauth_config *cfg);	/* copied */
void oauth_free(struct oauth *o);				/* NULL is fine */

/*
 * An access token good for OAUTH_MARGIN seconds more: the one held, or a
 * new one from the token endpoint; force: a new one anyway (the server
 * refused the one held). *token is borrowed until the next call. A new
 * refresh token in the answer (Microsoft rotates them) is used from then
 * on and saved to refresh_token_file. LR_TEMPFAIL: the endpoint was not
 * reached or answered 408, 429 or 5xx. LR_CONFIG: it refused the client
 * or the refresh token (*why says so and what to run). *why is set
 * (caller frees) on failure.
 */
enum lr_status oauth_access_token(struct oauth *o, gboolean force,
    const char **token, char **why) LR_WUR;

/* The SASL XOAUTH2 initial response, not yet base64-encoded:
 * "user=USER\1auth=Bearer TOKEN\1\1". */
char *oauth_xoauth2(const char *user, const char *token);

/* What `leadroute auth` needs to ask a person for access. */
struct oauth_grant {
	const char *client_id, *client_secret;	/* borrowed */
	const char *token_url;			/* borrowed */
	const char *device_url;	/* borrowed: device-code flow endpoint */
	const char *auth_url;	/* borrowed: the browser's authorization
				 * endpoint (loopback flow) */
	const char *scope;	/* borrowed */
	const char *login_hint;	/* borrowed; NULL: none (the mailbox) */
	const char *ca_file;	/* borrowed; NULL: the system store */
	FILE *out;		/* where the instructions go */
};

/*
 * Microsoft's device-code flow (RFC 8628): ask device_url for a code,
 * tell the person where to enter it, poll token_url until they have.
 * *refresh_token on LR_OK; else *why. Gives up after the code expires
 * (at most OAUTH_WAIT_MAX).
 */
enum lr_status oauth_device_flow(const struct oauth_grant *g,
    char **refresh_token, char **why) LR_WUR;

/*
 * Google's loopback flow (RFC 8252, PKCE S256): listen on 127.0.0.1, tell
 * the person the URL to open in a browser on this machine, take the code
 * the browser is redirected back with, and exchange it at token_url.
 * *refresh_token on LR_OK; else *why. Waits OAUTH_WAIT_MAX at most.
 */
enum lr_status oauth_loopback_flow(const struct oauth_grant *g,
    char **refresh_token, char **why) LR_WUR;

/* Write token as the first line of path, mode 0600, replacing it
 * atomically. FALSE with *why set when it cannot. */
gboolean oauth_save_token(const char *path, const char *token, char **why);

#endif
