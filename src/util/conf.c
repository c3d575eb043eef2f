/*
 * conf.c: reading leadroute.conf. The file is a GLib key file; what GLib
 * does not do for us is done here: inline "# comments" after a value (the
 * spec's own example has them), line numbers for messages, secrets from
 * files and the environment, and checking every known key.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "duration.h"
#include "net.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define SECRET_MAX	8192	/* bytes read of a secret file */

/* Every key leadroute knows, by group; any other is an error. */
static const char *const known_keys[] = {
	"inbox:url", "inbox:user", "inbox:password_file", "inbox:password_env",
	"inbox:idle", "inbox:poll_interval", "inbox:folder_prefix",
	"inbox:allow_plaintext", "inbox:auth", "inbox:client_id_file",
	"inbox:client_id_env", "inbox:client_secret_file",
	"inbox:client_secret_env", "inbox:refresh_token_file",
	"inbox:refresh_token_env", "inbox:token_url", "inbox:sweep_interval",
	"inbox:unrouted_after", "inbox:ca_file", "smtp:ca_file",
	"inbox:board_interval", "inbox:client_id", "inbox:auth_url",
	"inbox:device_url", "inbox:authserv_id",
	"smtp:url", "smtp:user", "smtp:password_file", "smtp:password_env",
	"smtp:from", "smtp:mode", "smtp:allow_plaintext", "smtp:auth",
	"slack:webhook_url_file", "slack:webhook_url_env", "slack:token_file",
	"slack:token_env", "slack:api_url",
	"webhook:url", "webhook:url_file", "webhook:url_env",
	"webhook:secret_file", "webhook:secret_env",
	"rules:file", "journal:path", "templates:dir", "log:syslog",
	"deliver:maildir",
	/* inline secrets: known, and refused with their own error */
	"inbox:password", "smtp:password", "slack:webhook_url", "slack:token",
	"webhook:secret", NULL
};

char **
config_search_path(void)
{
	GPtrArray *a = g_ptr_array_new();

	g_ptr_array_add(a, g_strdup("leadroute.conf"));
	g_ptr_array_add(a, g_build_filename(g_get_user_config_dir(),
	    "leadroute", "leadroute.conf", NULL));
	g_ptr_array_add(a, g_build_filename(SYSCONFDIR, "leadroute",
	    "leadroute.conf", NULL));
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

static char *
resolve(const char *dir, const char *p)
{
	if (g_path_is_absolute(p))
		return g_strdup(p);
	return g_build_filename(dir, p, NULL);
}

struct reader {
	struct config *c;
	struct diag *d;
	char **lines;		/* the file, for line numbers */
};

/* The line "key = ..." of [group] is on, or 0. */
static int
line_of(const struct reader *r, const char *group, const char *key)
{
	gboolean in = FALSE;
	gsize klen = strlen(key);

	for (guint i = 0; r->lines != NULL && r->lines[i] != NULL; i++) {
		const char *l = r->lines[i];

		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '[') {
			const char *e = strchr(l, ']');

			in = e != NULL && (gsize)(e - l - 1) == strlen(group) &&
			    strncmp(l + 1, group, e - l - 1) == 0;
			continue;
		}
		if (in && strncmp(l, key, klen) == 0 &&
		    (l[klen] == ' ' || l[klen] == '\t' || l[klen] == '='))
			return (int)i + 1;
	}
	return 0;
}

static void
problem(const struct reader *r, enum diag_level lvl, const char *group,
    const char *key, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static void
problem(const struct reader *r, enum diag_level lvl, const char *group,
    const char *key, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	diag_add(r->d, lvl, r->c->path, key ? line_of(r, group, key) : 0, 0,
	    "[%s]%s%s: %s", group, key ? " " : "", key ? key : "", msg);
	g_free(msg);
}

/* A value without an inline "# comment" and surrounding space; NULL when
 * the key is absent or empty. */
static char *
value(const struct reader *r, const char *group, const char *key)
{
	char *v = g_key_file_get_value(r->c->kf, group, key, NULL);

	if (v == NULL)
		return NULL;
	for (char *p = v; *p != '\0'; p++)
		if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	g_strstrip(v);
	if (*v == '\0') {
		g_free(v);
		return NULL;
	}
	return v;
}

static gboolean
boolean(const struct reader *r, const char *group, const char *key,
    gboolean dflt)
{
	char *v = value(r, group, key);
	gboolean b = dflt;

	if (v == NULL)
		return dflt;
	if (g_ascii_strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    g_ascii_strcasecmp(v, "yes") == 0)
		b = TRUE;
	else if (g_ascii_strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
	    g_ascii_strcasecmp(v, "no") == 0)
		b = FALSE;
	else
		problem(r, DIAG_ERROR, group, key, "'%s' is not true or false",
		    v);
	g_free(v);
	return b;
}

/*
 * A secret: KEY_file (first line of that file; a warning when group or
 * others may read it) or KEY_env (an environment variable). An inline
 * KEY is an error: secrets do not belong in a file people share.
 */
static char *
secret(const struct reader *r, const char *group, const char *key,
    gboolean inline_ok)
{
	char *fk = g_strdup_printf("%s_file", key);
	char *ek = g_strdup_printf("%s_env", key);
	char *f = value(r, group, fk), *e = value(r, group, ek);
	char *inl = value(r, group, key), *s = NULL;

	if (inl != NULL && !inline_ok)
		problem(r, DIAG_ERROR, group, key, "secrets are never inline: "
		    "use %s (a file holding it) or %s (an environment "
		    "variable)", fk, ek);
	else if (inl != NULL)
		s = g_strdup(inl);
	if (f != NULL && e != NULL)
		problem(r, DIAG_ERROR, group, fk, "set %s or %s, not both", fk,
		    ek);
	else if (f != NULL) {
		char *path = resolve(r->c->dir, f), *text = NULL;
		GError *err = NULL;
		struct stat st;

		if (!g_file_get_contents(path, &text, NULL, &err)) {
			problem(r, DIAG_ERROR, group, fk, "%s", err->message);
			g_error_free(err);
		} else {
			if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
				problem(r, DIAG_WARNING, group, fk, "%s can be "
				    "read by group or others (mode %03o): "
				    "chmod 600 it", path,
				    (unsigned)(st.st_mode & 0777));
			text[strcspn(text, "\r\n")] = '\0';
			if (strlen(text) > SECRET_MAX)
				text[SECRET_MAX] = '\0';
			if (*text == '\0')
				problem(r, DIAG_ERROR, group, fk, "%s is empty",
				    path);
			else if (strcmp(text, CONFIG_SECRET_PLACEHOLDER) == 0)
				problem(r, DIAG_ERROR, group, fk, "%s holds the "
				    "placeholder `leadroute init` wrote: put "
				    "the password on its first line", path);
			if (*text != '\0') {
				g_free(s);
				s = g_strdup(text);
			}
		}
		g_free(text);
		g_free(path);
	} else if (e != NULL) {
		const char *v = g_getenv(e);

		if (v == NULL || *v == '\0')
			problem(r, DIAG_ERROR, group, ek, "environment "
			    "variable %s is not set", e);
		else {
			g_free(s);
			s = g_strdup(v);
		}
	}
	g_free(fk);
	g_free(ek);
	g_free(f);
	g_free(e);
	g_free(inl);
	return s;
}

static void
check_url(const struct reader *r, const char *group, const char *key,
    const char *url, const char *const *schemes)
{
	for (guint i = 0; schemes[i] != NULL; i++)
		if (g_str_has_prefix(url, schemes[i]) &&
		    url[strlen(schemes[i])] != '\0')
			return;
	problem(r, DIAG_ERROR, group, key, "'%s' is not a %s URL", url,
	    schemes[0]);
}

/* A key leadroute does not know: an error, naming the known key of the
 * group it is closest to when one is close (a typo). */
static void
unknown_key(const struct reader *r, const char *group, const char *key)
{
	size_t glen = strlen(group);
	const char *near = NULL;
	guint best = 3;		/* at most two edits away */

	for (guint i = 0; known_keys[i] != NULL; i++) {
		const char *k = known_keys[i];
		guint d;

		if (strncmp(k, group, glen) != 0 || k[glen] != ':')
			continue;
		if ((d = diag_distance(key, k + glen + 1)) < best) {
			best = d;
			near = k + glen + 1;
		}
	}
	if (near != NULL)
		problem(r, DIAG_ERROR, group, key, "unknown key; did you mean "
		    "%s?", near);
	else
		problem(r, DIAG_ERROR, group, key, "unknown key (see "
		    "leadroute.conf(5) for the keys of [%s])", group);
}

static void
check_keys(const struct reader *r)
{
	char **groups = g_key_file_get_groups(r->c->kf, NULL);

	for (guint g = 0; groups[g] != NULL; g++) {
		char **keys = g_key_file_get_keys(r->c->kf, groups[g], NULL,
		    NULL);

		for (guint k = 0; keys != NULL && keys[k] != NULL; k++) {
			char *gk = g_strdup_printf("%s:%s", groups[g], keys[k]);
			gboolean known = FALSE;

			for (guint i = 0; known_keys[i] != NULL && !known; i++)
				known = strcmp(known_keys[i], gk) == 0;
			if (!known)
				unknown_key(r, groups[g], keys[k]);
			g_free(gk);
		}
		g_strfreev(keys);
	}
	g_strfreev(groups);
}

/*
 * The journal's folder must be there and writable by whoever runs this
 * (the service's user: `sudo -u leadroute leadroute check`), the journal
 * too when it is there: found by check, not at the first lead.
 */
static void
check_journal(struct reader *r, const char *path)
{
	char *dir = g_path_get_dirname(path);
	struct stat st;

	if (*path == '\0' || g_file_test(path, G_FILE_TEST_IS_DIR))
		problem(r, DIAG_ERROR, "journal", "path", "'%s' is a folder; "
		    "name the journal's file in it (journal.db)", path);
	else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		problem(r, DIAG_ERROR, "journal", "path", "%s is not a file",
		    path);
	else if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		problem(r, DIAG_ERROR, "journal", "path", "the folder %s is not "
		    "there: create it (the service's tmpfiles make "
		    "/var/lib/leadroute)", dir);
	else if (access(dir, W_OK | X_OK) != 0)
		problem(r, DIAG_ERROR, "journal", "path", "%s cannot be written "
		    "by this user (uid %u): run check as the user that runs "
		    "leadroute, or change the folder's owner", dir,
		    (unsigned)getuid());
	else if (g_file_test(path, G_FILE_TEST_EXISTS) &&
	    access(path, R_OK | W_OK) != 0)
		problem(r, DIAG_ERROR, "journal", "path", "%s cannot be read and "
		    "written by this user (uid %u)", path, (unsigned)getuid());
	g_free(dir);
}

/* A duration key (90s, 15m, 4h, 2d) in seconds, or dflt. */
static gint64
duration(struct reader *r, const char *group, const char *key, gint64 dflt)
{
	char *v = value(r, group, key);
	gint64 secs = dflt;

	if (v == NULL)
		return dflt;
	secs = duration_parse(v);
	if (secs <= 0) {
		problem(r, DIAG_ERROR, group, key, "'%s' is not a duration "
		    "such as 90s or 5m", v);
		secs = dflt;
	}
	g_free(v);
	return secs;
}

static char *
path_value(struct reader *r, const char *group, const char *key)
{
	char *v = value(r, group, key), *p;

	if (v == NULL)
		return NULL;
	p = resolve(r->c->dir, v);
	g_free(v);
	return p;
}

/* [group] ca_file: the PEM bundle that verifies the server, readable. */
static char *
ca_file(struct reader *r, const char *group)
{
	char *p = path_value(r, group, "ca_file");

	if (p != NULL && access(p, R_OK) != 0)
		problem(r, DIAG_ERROR, group, "ca_file", "cannot read %s: %s",
		    p, g_strerror(errno));
	return p;
}

static enum config_auth
auth_value(struct reader *r, const char *group)
{
	char *v = value(r, group, "auth");
	enum config_auth a = CONFIG_AUTH_PASSWORD;

	if (v != NULL && strcmp(v, "xoauth2") == 0)
		a = CONFIG_AUTH_XOAUTH2;
	else if (v != NULL && strcmp(v, "password") != 0)
		problem(r, DIAG_ERROR, group, "auth", "'%s' is not password or "
		    "xoauth2", v);
	g_free(v);
	return a;
}

static char *provider_of(const char *url);

/*
 * Whose verdict vouches for an owner's reply or auto-reply (spec 8, v2):
 * authserv_id as written (a name: no space, no ';'), else by the inbox's
 * provider: Gmail's mx.google.com, Microsoft 365's own headers.
 */
static void
read_authserv(struct reader *r, struct config *c)
{
	char *p;

	c->authserv_id = value(r, "inbox", "authserv_id");
	if (c->authserv_id != NULL) {
		/* one name, or several with commas (mx1.x, mx2.x) */
		char **names = g_strsplit(c->authserv_id, ",", -1);
		GString *all = g_string_new(NULL);

		for (guint i = 0; names[i] != NULL; i++) {
			const char *name = g_strstrip(names[i]);
			const char *host = name +
			    (g_str_has_prefix(name, "*.") ? 2 : 0);

			if (*host == '\0' || strpbrk(host,
			    " \t;()\"=*") != NULL)
				problem(r, DIAG_ERROR, "inbox", "authserv_id",
				    "'%s' is not a server name (as in "
				    "Authentication-Results: mx.example.com; "
				    "dkim=pass ...)", name);
			else if (host != name && strchr(host, '.') == NULL)
				problem(r, DIAG_ERROR, "inbox", "authserv_id",
				    "'%s' would take any server under a top-"
				    "level domain; name your provider's domain "
				    "(*.messagingengine.com)", name);
			g_string_append_printf(all, "%s%s", i > 0 ? "," : "",
			    name);
		}
		g_strfreev(names);
		g_free(c->authserv_id);
		c->authserv_id = g_string_free(all, FALSE);
		return;
	}
	p = provider_of(c->inbox_url);
	if (g_strcmp0(p, "google") == 0)
		c->authserv_id = g_strdup(CONFIG_AUTHSERV_GOOGLE);
	else if (g_strcmp0(p, "microsoft") == 0)
		c->authserv_microsoft = TRUE;
	g_free(p);
}

static void
read_inbox(struct reader *r, struct config *c)
{
	static const char *const schemes[] = { "imaps://", "imap://", NULL };

	if ((c->inbox_url = value(r, "inbox", "url")) != NULL)
		check_url(r, "inbox", "url", c->inbox_url, schemes);
	c->inbox_user = value(r, "inbox", "user");
	c->inbox_password = secret(r, "inbox", "password", FALSE);
	c->idle = boolean(r, "inbox", "idle", TRUE);
	c->inbox_allow_plaintext = boolean(r, "inbox", "allow_plaintext",
	    FALSE);
	c->inbox_ca_file = ca_file(r, "inbox");
	c->poll_interval = duration(r, "inbox", "poll_interval", 60);
	c->sweep_interval = duration(r, "inbox", "sweep_interval", 5 * 60);
	c->board_interval = duration(r, "inbox", "board_interval", 30);
	c->unrouted_after = duration(r, "inbox", "unrouted_after", 15 * 60);
	c->inbox_auth = auth_value(r, "inbox");
	c->folder_prefix = value(r, "inbox", "folder_prefix");
	if (c->folder_prefix == NULL)
		c->folder_prefix = g_strdup(CONFIG_DEFAULT_PREFIX);
	config_folder_name(c->folder_prefix);
	read_authserv(r, c);
	/* a login needs both (xoauth2 checks its own) */
	if (c->inbox_url != NULL && c->inbox_auth != CONFIG_AUTH_XOAUTH2) {
		if (c->inbox_user == NULL)
			problem(r, DIAG_ERROR, "inbox", NULL, "set user, the "
			    "login name of the mailbox");
		else if (c->inbox_password == NULL)
			problem(r, DIAG_ERROR, "inbox", "user", "no password "
			    "for %s: set password_file (or password_env)",
			    c->inbox_user);
	}
}

/* The provider of the inbox's host, for the default endpoints. */
static char *
provider_of(const char *url)
{
	static const struct {
		const char *suffix, *name;
	} known[] = {
		{ "gmail.com", "google" }, { "googlemail.com", "google" },
		{ "office365.com", "microsoft" }, { "outlook.com", "microsoft" },
		{ "office.com", "microsoft" },
	};
	char *scheme = NULL, *host = NULL;
	const char *found = NULL;

	if (url == NULL || !g_uri_split_network(url, G_URI_FLAGS_NONE,
	    &scheme, &host, NULL, NULL))
		return NULL;
	for (guint i = 0; host != NULL && i < G_N_ELEMENTS(known); i++) {
		char *h = g_ascii_strdown(host, -1);	/* IMAP.GMAIL.COM */

		if (g_str_has_suffix(h, known[i].suffix))
			found = known[i].name;
		g_free(h);
	}
	g_free(scheme);
	g_free(host);
	return g_strdup(found);
}

/*
 * A URL leadroute posts to (Slack, the webhook): https://, or http:// to
 * this machine; nothing a URL cannot hold (spaces, controls). The URL is
 * a secret: an error names the key, never the URL.
 */
static void
check_post_url(const struct reader *r, const char *group, const char *key,
    const char *url)
{
	char *scheme = NULL, *host = NULL;
	const char *why = NULL;

	if (url == NULL)
		return;
	for (const char *p = url; *p != '\0' && why == NULL; p++)
		if ((guchar)*p <= ' ' || *p == 0x7f)
			why = "has a space or a control character in it";
	if (why == NULL && (!g_uri_split_network(url, G_URI_FLAGS_NONE,
	    &scheme, &host, NULL, NULL) || host == NULL || *host == '\0'))
		why = "is not a URL with a host";
	else if (why == NULL && g_ascii_strcasecmp(scheme, "https") != 0 &&
	    !(g_ascii_strcasecmp(scheme, "http") == 0 &&
	    net_host_is_loopback(host)))
		why = "is not https:// (http:// only to this machine)";
	if (why != NULL)
		problem(r, DIAG_ERROR, group, key, "the URL %s", why);
	g_free(scheme);
	g_free(host);
}

/* An OAuth2 endpoint: https://, or http:// to this machine (a test). */
static void
check_endpoint(struct reader *r, const char *key, const char *url)
{
	char *scheme = NULL, *host = NULL;

	if (url == NULL)
		return;
	if (!g_uri_split_network(url, G_URI_FLAGS_NONE, &scheme, &host,
	    NULL, NULL) || host == NULL || (g_ascii_strcasecmp(scheme,
	    "https") != 0 && !(g_ascii_strcasecmp(scheme, "http") == 0 &&
	    net_host_is_loopback(host))))
		problem(r, DIAG_ERROR, "inbox", key, "'%s' is not an https:// "
		    "URL (tokens cross it)", url);
	g_free(scheme);
	g_free(host);
}

/*
 * [inbox]'s OAuth2 client, read when the inbox or SMTP says auth =
 * xoauth2. The refresh token may be missing (`leadroute auth` writes it):
 * config_check_ready() reports that.
 */
static void
read_oauth(struct reader *r, struct config *c)
{
	char *f;

	c->oauth_provider = provider_of(c->inbox_url);
	c->oauth_client_id = secret(r, "inbox", "client_id", TRUE);
	c->oauth_client_secret = secret(r, "inbox", "client_secret", FALSE);
	if ((f = path_value(r, "inbox", "refresh_token_file")) != NULL) {
		c->oauth_refresh_token_file = f;
		if (g_file_test(f, G_FILE_TEST_EXISTS))
			c->oauth_refresh_token = secret(r, "inbox",
			    "refresh_token", FALSE);
	} else
		c->oauth_refresh_token = secret(r, "inbox", "refresh_token",
		    FALSE);
	c->oauth_token_url = value(r, "inbox", "token_url");
	c->oauth_auth_url = value(r, "inbox", "auth_url");
	c->oauth_device_url = value(r, "inbox", "device_url");
	if (g_strcmp0(c->oauth_provider, "google") == 0) {
		if (c->oauth_token_url == NULL)
			c->oauth_token_url = g_strdup(CONFIG_GOOGLE_TOKEN_URL);
		if (c->oauth_auth_url == NULL)
			c->oauth_auth_url = g_strdup(CONFIG_GOOGLE_AUTH_URL);
	} else if (g_strcmp0(c->oauth_provider, "microsoft") == 0) {
		if (c->oauth_token_url == NULL)
			c->oauth_token_url = g_strdup(CONFIG_MS_TOKEN_URL);
		if (c->oauth_device_url == NULL)
			c->oauth_device_url = g_strdup(CONFIG_MS_DEVICE_URL);
	}
	check_endpoint(r, "token_url", c->oauth_token_url);
	check_endpoint(r, "auth_url", c->oauth_auth_url);
	check_endpoint(r, "device_url", c->oauth_device_url);
	if (c->oauth_client_id == NULL)
		problem(r, DIAG_ERROR, "inbox", "auth", "xoauth2 needs the "
		    "OAuth2 client: set client_id (or client_id_file / "
		    "client_id_env)");
	if (c->oauth_token_url == NULL)
		problem(r, DIAG_ERROR, "inbox", "auth", "xoauth2 needs "
		    "token_url (known without it for Google and Microsoft "
		    "inboxes only)");
	if (c->inbox_user == NULL)
		problem(r, DIAG_ERROR, "inbox", "auth", "xoauth2 needs user, "
		    "the mailbox's address");
}

void
config_folder_name(char *name)
{
	if (g_ascii_strncasecmp(name, "INBOX.", 6) == 0)
		g_strdelimit(name, ".", '/');
}

gboolean
config_uses_oauth(const struct config *c)
{
	return c->inbox_auth == CONFIG_AUTH_XOAUTH2 ||
	    c->smtp_auth == CONFIG_AUTH_XOAUTH2;
}

void
config_check_ready(const struct config *c, struct diag *d)
{
	if (!config_uses_oauth(c) || c->oauth_refresh_token != NULL)
		return;
	if (c->oauth_refresh_token_file != NULL)
		diag_add(d, DIAG_ERROR, c->path, 0, 0, "[inbox] "
		    "refresh_token_file: %s does not exist yet: run `leadroute "
		    "-c %s auth %s` to obtain it", c->oauth_refresh_token_file,
		    c->path, c->oauth_provider != NULL ? c->oauth_provider :
		    "google|microsoft");
	else if (g_key_file_has_key(c->kf, "inbox", "refresh_token_env", NULL))
		;	/* secret() said the variable is not set */
	else
		diag_add(d, DIAG_ERROR, c->path, 0, 0, "[inbox] auth = xoauth2 "
		    "needs refresh_token_file (written by `leadroute auth`) or "
		    "refresh_token_env");
}

static void
read_smtp(struct reader *r, struct config *c)
{
	static const char *const schemes[] = { "smtp://", "smtps://", NULL };
	char *v;

	if ((c->smtp_url = value(r, "smtp", "url")) != NULL)
		check_url(r, "smtp", "url", c->smtp_url, schemes);
	c->smtp_user = value(r, "smtp", "user");
	c->smtp_password = secret(r, "smtp", "password", FALSE);
	c->smtp_from = value(r, "smtp", "from");
	c->smtp_allow_plaintext = boolean(r, "smtp", "allow_plaintext", FALSE);
	c->smtp_ca_file = ca_file(r, "smtp");
	c->smtp_auth = auth_value(r, "smtp");
	if (c->smtp_auth == CONFIG_AUTH_XOAUTH2 && c->smtp_user == NULL)
		problem(r, DIAG_ERROR, "smtp", "auth", "xoauth2 needs user, "
		    "the mailbox's address");
	else if (c->smtp_auth != CONFIG_AUTH_XOAUTH2 && c->smtp_user != NULL &&
	    c->smtp_password == NULL)
		problem(r, DIAG_ERROR, "smtp", "user", "no password for %s: "
		    "set password_file (or password_env)", c->smtp_user);
	if ((v = value(r, "smtp", "mode")) != NULL) {
		if (strcmp(v, "forward") == 0)
			c->smtp_mode = SMTP_FORWARD;
		else if (strcmp(v, "redirect") == 0)
			c->smtp_mode = SMTP_REDIRECT;
		else
			problem(r, DIAG_ERROR, "smtp", "mode", "'%s' is not "
			    "forward or redirect", v);
		g_free(v);
	}
	if (c->smtp_url != NULL && c->smtp_from == NULL)
		problem(r, DIAG_ERROR, "smtp", NULL, "set from, the sender of "
		    "forwards (\"Lead Router <leads@example.com>\")");
}

struct config *
config_load(const char *path, struct diag *d)
{
	struct config *c;
	struct reader r = { 0 };
	GError *err = NULL;
	char *found = NULL, *text = NULL;

	if (path == NULL) {
		char **paths = config_search_path();

		for (guint i = 0; paths[i] != NULL && found == NULL; i++)
			if (g_file_test(paths[i], G_FILE_TEST_IS_REGULAR))
				found = g_strdup(paths[i]);
		g_strfreev(paths);
		if (found == NULL)
			return NULL;
	} else
		found = g_strdup(path);

	c = g_new0(struct config, 1);
	c->path = found;
	c->kf = g_key_file_new();
	if (!g_file_get_contents(found, &text, NULL, &err) ||
	    !g_key_file_load_from_data(c->kf, text, -1, G_KEY_FILE_NONE,
	    &err)) {
		diag_add(d, DIAG_ERROR, found, 0, 0, "cannot read "
		    "configuration: %s", err->message);
		g_error_free(err);
		g_free(text);
		config_free(c);
		return NULL;
	}
	c->dir = g_path_get_dirname(found);
	r.c = c;
	r.d = d;
	r.lines = g_strsplit(text, "\n", -1);
	g_free(text);

	check_keys(&r);
	read_inbox(&r, c);
	read_smtp(&r, c);
	if (config_uses_oauth(c))
		read_oauth(&r, c);
	c->slack_webhook_url = secret(&r, "slack", "webhook_url", FALSE);
	c->slack_token = secret(&r, "slack", "token", FALSE);
	c->slack_api_url = value(&r, "slack", "api_url");
	if (c->slack_api_url == NULL)
		c->slack_api_url = g_strdup(CONFIG_SLACK_API);
	check_post_url(&r, "slack", "webhook_url", c->slack_webhook_url);
	check_post_url(&r, "slack", "api_url", c->slack_api_url);
	c->webhook_url = secret(&r, "webhook", "url", TRUE);
	check_post_url(&r, "webhook", "url", c->webhook_url);
	c->webhook_secret = secret(&r, "webhook", "secret", FALSE);
	c->rules_file = path_value(&r, "rules", "file");
	c->journal_path = path_value(&r, "journal", "path");
	if (c->journal_path != NULL)
		check_journal(&r, c->journal_path);
	c->templates_dir = path_value(&r, "templates", "dir");
	c->deliver_maildir = path_value(&r, "deliver", "maildir");
	c->syslog = boolean(&r, "log", "syslog", FALSE);
	g_strfreev(r.lines);
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	g_free(c->path);
	g_free(c->dir);
	g_free(c->inbox_url);
	g_free(c->inbox_user);
	if (c->inbox_password != NULL)
		explicit_bzero(c->inbox_password, strlen(c->inbox_password));
	g_free(c->inbox_password);
	g_free(c->folder_prefix);
	g_free(c->authserv_id);
	g_free(c->inbox_ca_file);
	g_free(c->smtp_ca_file);
	g_free(c->smtp_url);
	g_free(c->smtp_user);
	if (c->smtp_password != NULL)
		explicit_bzero(c->smtp_password, strlen(c->smtp_password));
	g_free(c->smtp_password);
	g_free(c->smtp_from);
	g_free(c->slack_webhook_url);
	g_free(c->slack_token);
	g_free(c->slack_api_url);
	g_free(c->webhook_url);
	g_free(c->webhook_secret);
	g_free(c->rules_file);
	g_free(c->journal_path);
	g_free(c->templates_dir);
	g_free(c->deliver_maildir);
	g_free(c->oauth_provider);
	g_free(c->oauth_client_id);
	if (c->oauth_client_secret != NULL)
		explicit_bzero(c->oauth_client_secret,
		    strlen(c->oauth_client_secret));
	g_free(c->oauth_client_secret);
	if (c->oauth_refresh_token != NULL)
		explicit_bzero(c->oauth_refresh_token,
		    strlen(c->oauth_refresh_token));
	g_free(c->oauth_refresh_token);
	g_free(c->oauth_refresh_token_file);
	g_free(c->oauth_token_url);
	g_free(c->oauth_auth_url);
	g_free(c->oauth_device_url);
	if (c->kf != NULL)
		g_key_file_free(c->kf);
	g_free(c);
}
