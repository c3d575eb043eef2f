/*
 * main.c: the command line (spec section 2). Global options, then one
 * command; exit codes follow sysexits.h as mail tools do.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "agent.h"
#include "auth.h"
#include "conf.h"
#include "diag.h"
#include "duration.h"
#include "explain.h"
#include "history.h"
#include "imap.h"
#include "init.h"
#include "journal.h"
#include "log.h"
#include "oauth.h"
#include "owners.h"
#include "report.h"
#include "roster.h"
#include "rules.h"
#include "rulesdiff.h"
#include "template.h"

struct globals {
	const char *config;	/* -c FILE */
	int verbose;		/* -v given this often */
	gboolean quiet;		/* -q */
};

/*
 * The agent's commands log one line per lead by default; -v adds the
 * debugging detail (the protocols, passwords left out), -q silences all
 * but errors. (The other commands: warnings; -v information, -vv detail.)
 */
static void
agent_log_level(const struct globals *g)
{
	if (!g->quiet)
		log_set_level(g->verbose > 0 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
}

/* The commands, as the usage shows them. */
static const struct command_help {
	const char *name, *synopsis, *what;
} commands[] = {
	{ "explain", "explain [--rules FILE] [--json] [--now TIME] "
	    "FILE|DIR|-...", "decide messages offline and say why" },
	{ "run", "run [--once] [--dry-run]",
	    "the agent: route the inbox (see leadroute.conf(5))" },
	{ "check", "check [--rules FILE]", "validate the configuration, "
	    "rules and data\n(check FILE is check --rules FILE)" },
	{ "report", "report [--since DUR] [--now TIME] [--json | --html FILE]",
	    "KPIs from the journal (default: the last 30d)" },
	{ "diff", "diff [--json] [--now TIME] OLD.rules NEW.rules "
	    "FILE|DIR|-...", "the leads whose destination the new rules "
	    "change" },
	{ "owners", "owners [--json] [--now TIME]",
	    "who is next in each team, loads, who is skipped" },
	{ "deliver", "deliver", "MDA mode: decide, deliver and file the "
	    "message\nread on stdin (see leadroute(1))" },
	{ "auth", "auth google|microsoft", "obtain the inbox's OAuth2 "
	    "refresh token\n([inbox] auth = xoauth2)" },
	{ "init", "init DIR", "write a configuration, rules, data and "
	    "templates\nto start from into DIR" },
	{ "version", "version", "print the version" },
};

/* One command's lines: the synopsis, then what it does, indented. */
static void
usage_command(FILE *fp, const struct command_help *h)
{
	const char *w = h->what;
	size_t len = strlen(h->synopsis);

	if (len < 23)
		fprintf(fp, "  %-23s", h->synopsis);
	else
		fprintf(fp, "  %s\n%25s", h->synopsis, "");
	while (*w != '\0') {
		size_t n = strcspn(w, "\n");

		fprintf(fp, "%.*s\n", (int)n, w);
		w += n;
		if (*w == '\n' && *++w != '\0')
			fprintf(fp, "%25s", "");
	}
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: leadroute [-c FILE] [-v|-q] COMMAND [OPTIONS] "
	    "[ARGS]\n\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		usage_command(fp, &commands[i]);
	fprintf(fp, "\n--help after a command: its usage; --version: the "
	    "version.\nSee leadroute(1).\n");
}

/*
 * --help (-h after a command) and --version anywhere before "--" (spec
 * section 2): the usage
 * of the command named (of all, with none) or the version, and exit 0.
 * -1 when neither is there.
 */
static int
help_or_version(int argc, char **argv)
{
	const char *cmd = NULL;
	gboolean help = FALSE;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("leadroute %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || (cmd != NULL &&
		    strcmp(argv[i], "-h") == 0))
			help = TRUE;
		else if (strcmp(argv[i], "-c") == 0)
			i++;	/* its FILE */
		else if (cmd == NULL && argv[i][0] != '-')
			cmd = argv[i];
	}
	if (!help)
		return -1;
	for (size_t i = 0; cmd != NULL && i < G_N_ELEMENTS(commands); i++)
		if (strcmp(cmd, commands[i].name) == 0) {
			printf("usage: leadroute [-c FILE] [-v|-q] %s\n\n%s\n"
			    "\nSee leadroute(1).\n", commands[i].synopsis,
			    commands[i].what);
			return 0;
		}
	usage(stdout);
	return 0;
}

/* Every template of the configuration's [templates] dir, checked. */
static void
check_templates(const char *dir, struct diag *d)
{
	const char *const *names = template_files();

	/* one error for a folder that is not there, not one a template */
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		diag_add(d, DIAG_ERROR, dir, 0, 0, "the templates folder "
		    "([templates] dir) is not there; leave dir out to use the "
		    "templates built into leadroute");
		return;
	}
	for (guint i = 0; names[i] != NULL; i++) {
		char *path = g_build_filename(dir, names[i], NULL);
		struct template *t = template_load(path,
		    template_mode_of(path), d);

		if (t != NULL) {
			template_check(t, d);
			template_free(t);
		}
		g_free(path);
	}
}

/*
 * check's advice when the inbox's own address is not among the rules'
 * `inbox` addresses: mail a Google Group or a list that is the inbox
 * relays would be taken for list mail (spec 4.1, v2).
 */
static void
suggest_inbox(const struct config *c, const struct ruleset *rs,
    struct diag *d)
{
	const char *user = c->inbox_user;
	char *low;

	if (user == NULL || strchr(user, '@') == NULL)
		return;
	low = g_utf8_strdown(user, -1);
	if (!g_hash_table_contains(rs->inbox, low))
		diag_add(d, DIAG_WARNING, rs->file, 0, 0, "the inbox %s is not "
		    "named by an `inbox` statement: add `inbox \"%s\"` (and "
		    "the addresses of the groups or aliases that deliver into "
		    "it) so that mail they relay is routed, not taken for list "
		    "mail, and colleagues' forwards are read as the forwarded "
		    "lead", user, low);
	g_free(low);
}

/*
 * The rules to use: --rules FILE, else the configuration's [rules] file.
 * Prints every problem; NULL (with *rc set, *prefix NULL) when the rules
 * are unusable. *prefix (owned) is the configuration's folder prefix, or
 * NULL without a configuration (routing then takes the default).
 */
static struct ruleset *
load_rules(const struct globals *g, const char *rules_file, char **prefix,
    gboolean print_warnings, int *rc, struct config **cfg)
{
	struct diag *d = diag_new();
	struct config *c = NULL;
	struct ruleset *rs = NULL;

	*prefix = NULL;
	if (rules_file == NULL || g->config != NULL) {
		c = config_load(g->config, d);
		if (c == NULL && diag_errors(d) == 0) {
			fprintf(stderr, "leadroute: no configuration found "
			    "(./leadroute.conf, $XDG_CONFIG_HOME/leadroute/"
			    "leadroute.conf, %s/leadroute/leadroute.conf); use "
			    "-c FILE or --rules FILE\n", SYSCONFDIR);
			*rc = EX_CONFIG;
			goto out;
		}
		if (c != NULL) {
			*prefix = g_strdup(c->folder_prefix);
			if (rules_file == NULL && c->rules_file == NULL)
				diag_add(d, DIAG_ERROR, c->path, 0, 0,
				    "no rules file: set [rules] file");
			if (rules_file == NULL)
				rules_file = c->rules_file;
		}
	}
	/* The rules are checked even when the configuration has errors:
	 * check reports everything in one pass. */
	if (rules_file != NULL)
		rs = rules_load(rules_file, d);
	if (print_warnings && c != NULL && c->templates_dir != NULL)
		check_templates(c->templates_dir, d);
	if (print_warnings && c != NULL)
		config_check_ready(c, d);
	if (print_warnings && c != NULL && c->inbox_url != NULL && rs != NULL &&
	    rs->owners != NULL && owners_count(rs->owners) > 0 &&
	    c->authserv_id == NULL && !c->authserv_microsoft)
		diag_add(d, DIAG_WARNING, c->path, 0, 0, "[inbox] authserv_id "
		    "is not set, and the inbox is not Gmail or Microsoft 365: "
		    "owners' replies and auto-replies cannot be verified, so "
		    "they never stop an SLA clock or mark an owner away; set it "
		    "to the name your mail server writes in its Authentication-"
		    "Results headers (see leadroute.conf(5))");
	if (print_warnings && c != NULL && rs != NULL)
		suggest_inbox(c, rs, d);
	if (diag_errors(d) > 0 || print_warnings ||
	    log_get_level() >= LOG_LVL_INFO)
		diag_print(d, stderr);
	if (diag_errors(d) > 0) {
		rules_free(rs);
		rs = NULL;
		*rc = EX_CONFIG;
	} else if (rs == NULL)
		*rc = EX_CONFIG;
	else if (print_warnings)	/* what was checked, then the counts */
		fprintf(stderr, "%s%s%s: %u error%s, %u warning%s\n",
		    c != NULL && c->path != NULL ? c->path : "",
		    c != NULL && c->path != NULL ? " and " : "", rules_file,
		    diag_errors(d), diag_errors(d) == 1 ? "" : "s",
		    diag_warnings(d), diag_warnings(d) == 1 ? "" : "s");
out:
	if (rs == NULL) {	/* the callers' error paths free nothing */
		g_free(*prefix);
		*prefix = NULL;
	}
	if (cfg != NULL && rs != NULL)
		*cfg = c;
	else
		config_free(c);
	diag_free(d);
	return rs;
}

/* Long options of a command: "--name VALUE" or "--name=VALUE". */
static gboolean
opt_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	gsize n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return FALSE;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return TRUE;
	}
	if (argv[*i][n] != '\0')
		return FALSE;
	if (*i + 1 >= argc) {
		fprintf(stderr, "leadroute: %s needs a value\n", name);
		exit(EX_USAGE);
	}
	*out = argv[++*i];
	return TRUE;
}

static GDateTime *
parse_now(const char *s)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *t = g_date_time_new_from_iso8601(s, utc);

	g_time_zone_unref(utc);
	return t;
}

/*
 * The options explain, diff and owners share: --json, --now TIME and
 * (where rules is not NULL) --rules FILE, up to the first operand or
 * "--". *i is left at the first operand, *now set (caller unrefs).
 * Returns 0 or EX_USAGE (printed).
 */
static int
read_opts(const char *cmd, int argc, char **argv, int *i, gboolean *json,
    GDateTime **now, const char **rules)
{
	const char *at = NULL;

	*now = NULL;
	for (*i = 1; *i < argc && argv[*i][0] == '-' && argv[*i][1] != '\0';
	    ++*i) {
		if (strcmp(argv[*i], "--") == 0) {
			++*i;
			break;
		}
		if (strcmp(argv[*i], "--json") == 0)
			*json = TRUE;
		else if ((rules == NULL || !opt_value(argc, argv, i, "--rules",
		    rules)) && !opt_value(argc, argv, i, "--now", &at)) {
			fprintf(stderr, "leadroute: %s: unknown option %s\n",
			    cmd, argv[*i]);
			return EX_USAGE;
		}
	}
	if (at != NULL && (*now = parse_now(at)) == NULL) {
		fprintf(stderr, "leadroute: %s: --now %s: not an ISO 8601 "
		    "time such as 2026-11-24T10:00:00Z\n", cmd, at);
		return EX_USAGE;
	}
	if (*now == NULL)
		*now = g_date_time_new_now_utc();
	return 0;
}

static int
cmd_explain(const struct globals *g, int argc, char **argv)
{
	struct explain_opts o = { 0 };
	const char *rules_file = NULL;
	struct ruleset *rs;
	struct config *cfg = NULL;
	struct auth_policy auth;
	char *prefix;
	int i, rc = 0;

	if ((rc = read_opts("explain", argc, argv, &i, &o.json, &o.now,
	    &rules_file)) != 0)
		return rc;
	if (i >= argc) {
		fprintf(stderr, "leadroute: explain: name a message file, a "
		    "directory or - for stdin\n");
		g_date_time_unref(o.now);
		return EX_USAGE;
	}
	if ((rs = load_rules(g, rules_file, &prefix, FALSE, &rc,
	    &cfg)) == NULL) {
		g_date_time_unref(o.now);
		return rc;
	}
	/* as run decides: the same answers, even for a pattern past PCRE's
	 * limits on a text the scan proves free of it */
	rules_scan_build(rs);
	o.rules = rs;
	o.prefix = prefix;
	o.out = stdout;
	if (cfg != NULL) {	/* whose verdict a forward needs, as in run */
		auth.authserv_id = cfg->authserv_id;
		auth.microsoft = cfg->authserv_microsoft;
		o.auth = &auth;
	}
	rc = explain_paths(&o, argv + i, argc - i);
	g_free(prefix);
	rules_free(rs);
	config_free(cfg);
	g_date_time_unref(o.now);
	return rc;
}

static int
cmd_check(const struct globals *g, int argc, char **argv)
{
	const char *rules_file = NULL;
	struct ruleset *rs;
	char *prefix;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, "--rules", &rules_file))
			continue;
		/* "check FILE" reads as "check --rules FILE". */
		if (argv[i][0] != '-' && rules_file == NULL && i == argc - 1) {
			rules_file = argv[i];
			continue;
		}
		fprintf(stderr, "leadroute: check: unexpected %s\n", argv[i]);
		return EX_USAGE;
	}
	rs = load_rules(g, rules_file, &prefix, TRUE, &rc, NULL);
	g_free(prefix);
	rules_free(rs);
	return rs != NULL ? 0 : rc;
}

/* init DIR: a configuration, rules, data and templates to start from. */
static int
cmd_init(int argc, char **argv)
{
	GPtrArray *written = g_ptr_array_new_with_free_func(g_free);
	GError *err = NULL;
	char *conf;
	int rc = 0;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "leadroute: init: name one directory to write "
		    "a configuration, rules and templates into\n");
		g_ptr_array_free(written, TRUE);
		return EX_USAGE;
	}
	if (!init_write(argv[1], written, &err)) {
		fprintf(stderr, "leadroute: init: %s\n", err->message);
		rc = EX_CANTCREAT;
		g_error_free(err);
	} else {
		conf = g_build_filename(argv[1], "leadroute.conf", NULL);
		printf("leadroute: init: wrote %u files into %s:\n",
		    written->len, argv[1]);
		for (guint i = 0; i < written->len; i++)
			printf("  %s\n", (char *)g_ptr_array_index(written, i));
		printf("Next: put the inbox and SMTP server in %s and their "
		    "passwords in\nimap.secret and smtp.secret; the offers, "
		    "teams and routes in leadroute.rules,\nyour people in "
		    "owners.csv; then:\n  leadroute -c %s check\n  leadroute "
		    "-c %s explain SOME.eml\n  leadroute -c %s run --once "
		    "--dry-run\n", conf, conf, conf, conf);
		g_free(conf);
	}
	g_ptr_array_free(written, TRUE);
	return rc;
}

static int
cmd_diff(const struct globals *g, int argc, char **argv)
{
	struct rulesdiff_opts o = { 0 };
	struct ruleset *old_rs = NULL, *new_rs = NULL;
	char *prefix = NULL, *prefix2 = NULL;
	int i, rc = 0;

	if ((rc = read_opts("diff", argc, argv, &i, &o.json, &o.now,
	    NULL)) != 0)
		return rc;
	if (argc - i < 3) {
		fprintf(stderr, "leadroute: diff: name the old rules, the new "
		    "rules, and messages (files, directories or -)\n");
		g_date_time_unref(o.now);
		return EX_USAGE;
	}
	o.old_name = argv[i];
	o.new_name = argv[i + 1];
	if ((old_rs = load_rules(g, argv[i], &prefix, FALSE, &rc,
	    NULL)) != NULL)
		new_rs = load_rules(g, argv[i + 1], &prefix2, FALSE, &rc, NULL);
	if (old_rs != NULL && new_rs != NULL) {
		rules_scan_build(old_rs);
		rules_scan_build(new_rs);
		o.old_rules = old_rs;
		o.new_rules = new_rs;
		o.prefix = prefix;
		o.out = stdout;
		rc = rulesdiff_paths(&o, argv + i + 2, argc - i - 2);
	}
	g_free(prefix);
	g_free(prefix2);
	rules_free(old_rs);
	rules_free(new_rs);
	g_date_time_unref(o.now);
	return rc;
}

static int
cmd_report(const struct globals *g, int argc, char **argv)
{
	struct report_opts o = { .since = 30 * 86400 };
	struct diag *d = diag_new();
	struct config *c;
	const char *since = NULL, *html = NULL, *at = NULL;
	GError *err = NULL;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o.json = TRUE;
		else if (opt_value(argc, argv, &i, "--now", &at))
			continue;
		else if (opt_value(argc, argv, &i, "--since", &since)) {
			if ((o.since = duration_parse(since)) <= 0) {
				fprintf(stderr, "leadroute: report: --since %s: "
				    "not a duration such as 7d or 12h\n", since);
				diag_free(d);
				return EX_USAGE;
			}
		} else if (opt_value(argc, argv, &i, "--html", &html)) {
			o.html = TRUE;
		} else {
			fprintf(stderr, "leadroute: report: unexpected %s\n",
			    argv[i]);
			diag_free(d);
			return EX_USAGE;
		}
	}
	/* checked now, used once the journal is open */
	if (at != NULL && (o.now = parse_now(at)) == NULL) {
		fprintf(stderr, "leadroute: report: --now %s: not an ISO 8601 "
		    "time such as 2026-11-24T10:00:00Z\n", at);
		diag_free(d);
		return EX_USAGE;
	}
	if (o.now != NULL)
		g_date_time_unref(o.now);
	c = config_load(g->config, d);
	if (c == NULL || diag_errors(d) > 0) {
		if (c == NULL && diag_errors(d) == 0)
			fprintf(stderr, "leadroute: report needs a configuration "
			    "with a [journal] path (see leadroute.conf(5))\n");
		diag_print(d, stderr);
		config_free(c);
		diag_free(d);
		return EX_CONFIG;
	}
	diag_free(d);
	if (c->journal_path == NULL) {
		fprintf(stderr, "leadroute: report: no [journal] path in %s\n",
		    c->path);
		config_free(c);
		return EX_CONFIG;
	}
	if ((o.j = journal_open_readonly(c->journal_path, &err)) == NULL) {
		fprintf(stderr, "leadroute: report: %s%s\n", err->message,
		    g_file_test(c->journal_path, G_FILE_TEST_EXISTS) ? "" :
		    " (the agent has not run yet)");
		g_error_free(err);
		config_free(c);
		return EX_NOINPUT;
	}
	o.now = at != NULL ? parse_now(at) : g_date_time_new_now_utc();
	o.out = stdout;
	if (html != NULL && (o.out = fopen(html, "w")) == NULL) {
		fprintf(stderr, "leadroute: report: %s: %s\n", html,
		    g_strerror(errno));
		rc = EX_CANTCREAT;
	} else if (report_print(&o) != LR_OK)
		rc = EX_SOFTWARE;
	if (html != NULL && o.out != NULL && fclose(o.out) != 0 && rc == 0) {
		fprintf(stderr, "leadroute: report: %s: %s\n", html,
		    g_strerror(errno));
		rc = EX_IOERR;
	}
	journal_close(o.j);
	g_date_time_unref(o.now);
	config_free(c);
	return rc;
}

static int
cmd_owners(const struct globals *g, int argc, char **argv)
{
	struct roster_opts o = { 0 };
	struct config *c = NULL;
	struct ruleset *rs;
	struct journal *j = NULL;
	struct history h;
	struct route_state st;
	char *prefix;
	int i, rc;

	if ((rc = read_opts("owners", argc, argv, &i, &o.json, &o.now,
	    NULL)) != 0)
		return rc;
	if (i < argc) {
		fprintf(stderr, "leadroute: owners: unexpected %s\n", argv[i]);
		g_date_time_unref(o.now);
		return EX_USAGE;
	}
	if ((rs = load_rules(g, NULL, &prefix, FALSE, &rc, &c)) == NULL) {
		g_date_time_unref(o.now);
		return rc;
	}
	g_free(prefix);
	if (c->journal_path != NULL &&
	    g_file_test(c->journal_path, G_FILE_TEST_EXISTS)) {
		GError *err = NULL;

		if ((j = journal_open_readonly(c->journal_path, &err)) == NULL) {
			fprintf(stderr, "leadroute: owners: %s\n", err->message);
			g_error_free(err);
			rc = EX_UNAVAILABLE;
			goto out;
		}
		h.j = j;
		h.rs = rs;
		history_state(&st, &h);
		o.st = &st;
	}
	o.rs = rs;
	o.out = stdout;
	roster_print(&o);
out:
	journal_close(j);
	config_free(c);
	rules_free(rs);
	g_date_time_unref(o.now);
	return rc;
}

/*
 * The configuration and rules for run, checked as `check` does (rules,
 * reference data, templates). Problems are printed; FALSE when there is
 * an error. Used at start and on SIGHUP.
 */
static gboolean
load_for_run(void *arg, struct config **cfg, struct ruleset **rs)
{
	const struct globals *g = arg;
	struct diag *d = diag_new();
	struct config *c;
	struct ruleset *r = NULL;

	*cfg = NULL;
	*rs = NULL;
	c = config_load(g->config, d);
	if (c == NULL && diag_errors(d) == 0)
		fprintf(stderr, "leadroute: run needs a configuration "
		    "(leadroute.conf; see leadroute.conf(5))\n");
	if (c != NULL && c->rules_file == NULL)
		diag_add(d, DIAG_ERROR, c->path, 0, 0, "no rules file: set "
		    "[rules] file");
	if (c != NULL && c->rules_file != NULL)
		r = rules_load(c->rules_file, d);
	if (c != NULL && c->templates_dir != NULL)
		check_templates(c->templates_dir, d);
	if (c != NULL)
		config_check_ready(c, d);
	if (c == NULL || r == NULL || diag_errors(d) > 0) {
		diag_print(d, stderr);
		rules_free(r);
		config_free(c);
		diag_free(d);
		return FALSE;
	}
	diag_free(d);
	*cfg = c;
	*rs = r;
	return TRUE;
}

static int
cmd_run(struct globals *g, int argc, char **argv)
{
	struct agent_opts o = { 0 };
	struct config *c;
	struct ruleset *rs;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			o.once = TRUE;
		else if (strcmp(argv[i], "--dry-run") == 0)
			o.dry_run = TRUE;
		else if (strcmp(argv[i], "--adopt") == 0)
			o.adopt = TRUE;
		else {
			fprintf(stderr, "leadroute: run: unknown option %s\n",
			    argv[i]);
			return EX_USAGE;
		}
	}
	if (!load_for_run(g, &c, &rs))
		return EX_CONFIG;
	agent_log_level(g);
	if (c->syslog)
		log_use_syslog();
	o.reload = load_for_run;
	o.reload_arg = g;
	return agent_run(c, rs, &o);	/* takes c and rs */
}

/*
 * deliver: one message on stdin. Everything that is not the message's
 * fault exits EX_TEMPFAIL, a configuration error too: Postfix's pipe and
 * fetchmail then keep the message and try again once it is mended,
 * where 78 would bounce it (dovecot-lda does the same).
 */
static int
cmd_deliver(struct globals *g, int argc, char **argv)
{
	struct config *c;
	struct ruleset *rs;
	GString *msg;
	char buf[65536];
	size_t n;
	int rc;

	if (argc > 1) {
		fprintf(stderr, "leadroute: deliver: unexpected %s (the "
		    "message is read on stdin); asking to be tried again\n",
		    argv[1]);
		return EX_TEMPFAIL;	/* a pipe's mistake: no bounce */
	}
	if (!load_for_run(g, &c, &rs)) {
		fprintf(stderr, "leadroute: deliver: configuration error; "
		    "asking to be tried again\n");
		return EX_TEMPFAIL;
	}
	msg = g_string_new(NULL);
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0 &&
	    msg->len <= IMAP_MAX_MESSAGE_BYTES)
		g_string_append_len(msg, buf, (gssize)n);
	if (ferror(stdin)) {
		fprintf(stderr, "leadroute: deliver: reading stdin: %s\n",
		    g_strerror(errno));
		rc = EX_TEMPFAIL;
	} else if (msg->len > IMAP_MAX_MESSAGE_BYTES) {
		fprintf(stderr, "leadroute: deliver: the message is larger "
		    "than %d bytes; not taken\n", IMAP_MAX_MESSAGE_BYTES);
		rc = EX_DATAERR;
	} else if (msg->len == 0) {
		fprintf(stderr, "leadroute: deliver: no message on stdin\n");
		rc = EX_NOINPUT;
	} else {
		agent_log_level(g);
		if (c->syslog)
			log_use_syslog();
		rc = agent_deliver(c, rs, msg->str, msg->len);
	}
	g_string_free(msg, TRUE);
	config_free(c);
	rules_free(rs);
	return rc;
}

/*
 * auth google|microsoft: ask the person for access to the inbox and save
 * the refresh token where [inbox] refresh_token_file says, for run and
 * deliver to use.
 */
static int
cmd_auth(const struct globals *g, int argc, char **argv)
{
	struct diag *d = diag_new();
	struct config *c;
	struct oauth_grant gr = { 0 };
	gboolean google;
	char *token = NULL, *why = NULL;
	enum lr_status st;
	int rc = EX_CONFIG;

	if (argc != 2 || (strcmp(argv[1], "google") != 0 &&
	    strcmp(argv[1], "microsoft") != 0)) {
		fprintf(stderr, "leadroute: usage: leadroute [-c FILE] auth "
		    "google|microsoft\n");
		diag_free(d);
		return EX_USAGE;
	}
	google = strcmp(argv[1], "google") == 0;
	c = config_load(g->config, d);
	diag_print(d, stderr);
	if (c == NULL || diag_errors(d) > 0) {
		if (c == NULL && diag_errors(d) == 0)
			fprintf(stderr, "leadroute: auth needs a configuration "
			    "(leadroute.conf; see leadroute.conf(5))\n");
		goto out;
	}
	if (c->inbox_auth != CONFIG_AUTH_XOAUTH2) {
		fprintf(stderr, "leadroute: auth: %s: set [inbox] auth = "
		    "xoauth2, client_id and refresh_token_file first\n",
		    c->path);
		goto out;
	}
	if (c->oauth_refresh_token_file == NULL) {
		fprintf(stderr, "leadroute: auth: %s: set [inbox] "
		    "refresh_token_file, where the token is to be saved\n",
		    c->path);
		goto out;
	}
	gr.client_id = c->oauth_client_id;
	gr.client_secret = c->oauth_client_secret;
	gr.token_url = c->oauth_token_url;
	gr.login_hint = c->inbox_user;
	gr.out = stdout;
	if (google) {
		gr.auth_url = c->oauth_auth_url != NULL ? c->oauth_auth_url :
		    CONFIG_GOOGLE_AUTH_URL;
		gr.scope = CONFIG_GOOGLE_SCOPE;
		st = oauth_loopback_flow(&gr, &token, &why);
	} else {
		gr.device_url = c->oauth_device_url != NULL ?
		    c->oauth_device_url : CONFIG_MS_DEVICE_URL;
		gr.scope = CONFIG_MS_SCOPE;
		st = oauth_device_flow(&gr, &token, &why);
	}
	if (st != LR_OK) {
		fprintf(stderr, "leadroute: auth %s: %s\n", argv[1], why);
		rc = st == LR_TEMPFAIL ? EX_TEMPFAIL : EX_CONFIG;
		goto out;
	}
	if (!oauth_save_token(c->oauth_refresh_token_file, token, &why)) {
		fprintf(stderr, "leadroute: auth %s: %s\n", argv[1], why);
		rc = EX_CANTCREAT;
		goto out;
	}
	printf("Access granted. The refresh token is in %s (mode 0600); "
	    "`leadroute -c %s check` next.\n", c->oauth_refresh_token_file,
	    c->path);
	rc = 0;
out:
	if (token != NULL)
		explicit_bzero(token, strlen(token));
	g_free(token);
	g_free(why);
	config_free(c);
	diag_free(d);
	return rc;
}

int
main(int argc, char **argv)
{
	struct globals g = { 0 };
	const char *cmd;
	int c;

	if ((c = help_or_version(argc, argv)) >= 0)
		return c;
	while ((c = getopt(argc, argv, "+c:vqh")) != -1) {
		switch (c) {
		case 'c':
			g.config = optarg;
			break;
		case 'v':
			g.verbose++;
			if (!g.quiet)
				log_set_level(g.verbose > 1 ? LOG_LVL_DEBUG :
				    LOG_LVL_INFO);
			break;
		case 'q':
			g.quiet = TRUE;
			log_set_level(LOG_LVL_QUIET);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[0];
	if (strcmp(cmd, "explain") == 0)
		return cmd_explain(&g, argc, argv);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&g, argc, argv);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("leadroute %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(&g, argc, argv);
	if (strcmp(cmd, "owners") == 0)
		return cmd_owners(&g, argc, argv);
	if (strcmp(cmd, "diff") == 0)
		return cmd_diff(&g, argc, argv);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(&g, argc, argv);
	if (strcmp(cmd, "init") == 0)
		return cmd_init(argc, argv);
	if (strcmp(cmd, "deliver") == 0)
		return cmd_deliver(&g, argc, argv);
	if (strcmp(cmd, "auth") == 0)
		return cmd_auth(&g, argc, argv);
	fprintf(stderr, "leadroute: unknown command '%s'\n", cmd);
	usage(stderr);
	return EX_USAGE;
}
