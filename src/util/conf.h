/*
 * conf.h: leadroute.conf (spec section 3), a GLib key file. Found at
 * -c FILE, else ./leadroute.conf, $XDG_CONFIG_HOME/leadroute/, then
 * SYSCONFDIR/leadroute/. Relative paths in it are taken from its own
 * directory. Secrets are never inline: KEY_file names a file whose first
 * line is the secret, KEY_env an environment variable. Every problem goes
 * to a diag as FILE:LINE: error|warning: text.
 */
#ifndef LR_CONF_H
#define LR_CONF_H

#define CONFIG_SLACK_API	"https://slack.com/api"	/* chat.postMessage is below */
#define CONFIG_DEFAULT_PREFIX	"Leads"	/* [inbox] folder_prefix */
/* Gmail's name in the Authentication-Results it writes: the default
 * [inbox] authserv_id of a Google inbox. */
#define CONFIG_AUTHSERV_GOOGLE	"mx.google.com"
/* What `leadroute init` writes into the secret files: check refuses it. */
#define CONFIG_SECRET_PLACEHOLDER	"replace this line with the password"

/* The OAuth2 providers leadroute knows the endpoints and scopes of: the
 * defaults of [inbox] token_url, auth_url and device_url. */
#define CONFIG_GOOGLE_AUTH_URL	"https://accounts.google.com/o/oauth2/v2/auth"
#define CONFIG_GOOGLE_TOKEN_URL	"https://oauth2.googleapis.com/token"
#define CONFIG_GOOGLE_SCOPE	"https://mail.google.com/"
#define CONFIG_MS_DEVICE_URL	\
	"https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"
#define CONFIG_MS_TOKEN_URL	\
	"https://login.microsoftonline.com/common/oauth2/v2.0/token"
#define CONFIG_MS_SCOPE	"offline_access " \
	"https://outlook.office.com/IMAP.AccessAsUser.All " \
	"https://outlook.office.com/SMTP.Send"

#include <glib.h>

#include "diag.h"

enum smtp_mode { SMTP_FORWARD = 0, SMTP_REDIRECT };
enum config_auth { CONFIG_AUTH_PASSWORD = 0, CONFIG_AUTH_XOAUTH2 };

struct config {
	char *path;		/* the file read */
	char *dir;		/* its directory */
	GKeyFile *kf;

	/* [inbox] */
	char *inbox_url;	/* imaps://host[:port]/MAILBOX */
	char *inbox_user;
	char *inbox_password;	/* from password_file / password_env */
	gboolean idle;		/* default TRUE */
	gint64 poll_interval;	/* seconds; default 60 */
	char *folder_prefix;	/* default CONFIG_DEFAULT_PREFIX */
	gboolean inbox_allow_plaintext;
	char *inbox_ca_file;	/* ca_file, resolved; NULL: the system store */
	gint64 sweep_interval;	/* seconds between sweeps; default 300 */
	gint64 board_interval;	/* seconds between looks at the folder
				 * board; default 30 */
	gint64 unrouted_after;	/* an unrouted message older is reported; 900 */
	enum config_auth inbox_auth;	/* auth = password (default) | xoauth2 */
	char *authserv_id;	/* whose Authentication-Results vouch for an
				 * owner's mail: authserv_id, else Gmail's
				 * mx.google.com for a Google inbox; NULL:
				 * none (see authserv_microsoft) */
	gboolean authserv_microsoft;	/* a Microsoft 365 inbox without
					 * authserv_id: its own verdict */

	/* OAuth2, in [inbox]; [smtp] auth = xoauth2 uses the same */
	char *oauth_provider;	/* "google", "microsoft" (from the inbox
				 * host), or NULL */
	char *oauth_client_id;	/* client_id, or client_id_file / _env */
	char *oauth_client_secret;	/* secret: client_secret_file / _env */
	char *oauth_refresh_token;	/* secret: refresh_token_file / _env;
					 * NULL until `leadroute auth` */
	char *oauth_refresh_token_file;	/* resolved; where auth writes it */
	char *oauth_token_url;	/* token_url, else the provider's */
	char *oauth_auth_url;	/* auth_url, else Google's (loopback flow) */
	char *oauth_device_url;	/* device_url, else Microsoft's */

	/* [smtp] */
	char *smtp_url;		/* smtp://host:587 or smtps://host:465 */
	char *smtp_user;
	char *smtp_password;
	char *smtp_from;	/* "Lead Router <leads@example.com>" */
	enum smtp_mode smtp_mode;
	gboolean smtp_allow_plaintext;
	char *smtp_ca_file;	/* ca_file, resolved; NULL: the system store */
	enum config_auth smtp_auth;	/* auth = password (default) | xoauth2 */

	/* [slack] */
	char *slack_webhook_url;	/* secret: webhook_url_file / _env */
	char *slack_token;		/* secret: token_file / _env */
	char *slack_api_url;		/* api_url; default CONFIG_SLACK_API */

	/* [webhook] */
	char *webhook_url;		/* url_file / url_env, or url */
	char *webhook_secret;		/* secret_file / secret_env */

	char *rules_file;	/* [rules] file, resolved; NULL if unset */
	char *journal_path;	/* [journal] path, resolved */
	char *templates_dir;	/* [templates] dir, resolved */
	char *deliver_maildir;	/* [deliver] maildir, resolved: where
				 * `deliver` files; NULL: the caller does */
	gboolean syslog;	/* [log] syslog: log there, not to stderr */
};

/*
 * Read the configuration at path, or the first found in the search order
 * when path is NULL. Problems go to d. Returns NULL when there is none
 * (path NULL and nothing found; or path unreadable, with an error).
 */
struct config *config_load(const char *path, struct diag *d);
/* A folder name as a mail client of a server with the namespace "INBOX."
 * shows it ("INBOX.Leads.Review"), in leadroute's terms ("INBOX/Leads/
 * Review"), in place; any other name is left as it is. */
void config_folder_name(char *name);
void config_free(struct config *c);

/* TRUE when the inbox or SMTP uses OAuth2 (auth = xoauth2). */
gboolean config_uses_oauth(const struct config *c);

/*
 * What `run`, `deliver` and `check` need beyond config_load(): with auth
 * = xoauth2, a refresh token (an error naming `leadroute auth` when
 * there is none yet). `leadroute auth` itself does without.
 */
void config_check_ready(const struct config *c, struct diag *d);

/* Where config_load(NULL) looks, in order; caller frees with g_strfreev. */
char **config_search_path(void);

#endif
