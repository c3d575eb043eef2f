/*
 * auth.c: the receiving server's verdict on who sent a message (see
 * auth.h). Authentication-Results (RFC 8601) is
 *   authserv-id [version] ; method=result ptype.property=value ... ; ...
 * with (comments) anywhere and values that may be "quoted".
 */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "lead.h"

#define AR_HEADER	"Authentication-Results"
#define MS_AUTHAS	"X-MS-Exchange-Organization-AuthAs"

/*
 * value without its (comments), lowercase; a "quoted string" kept as one
 * token that can never end a result or start one (its ";", "=" and
 * spaces made "_"): an envelope sender such as
 * "a; dmarc=pass"@evil.example, copied by the server into its verdict,
 * stays a value.
 */
static char *
uncomment(const char *value)
{
	GString *out = g_string_new(NULL);
	int depth = 0;
	gboolean quoted = FALSE, cquoted = FALSE;

	for (const char *p = value; *p != '\0'; p++) {
		if (quoted) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"') {
				quoted = FALSE;
				continue;
			}
			g_string_append_c(out, strchr("; \t\r\n=", *p) != NULL ?
			    '_' : g_ascii_tolower(*p));
			continue;
		}
		if (depth > 0) {
			/* a "quoted string" in a comment is read as one too,
			 * though RFC 5322 reads no quotes there: servers write
			 * envelope senders into comments ("domain of
			 * \"a);dkim=pass ...;(\"@evil.example designates"),
			 * and text can only be hidden this way, never added */
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (cquoted)
				cquoted = *p != '"';
			else if (*p == '"')
				cquoted = TRUE;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == '"')
			quoted = TRUE;
		else
			g_string_append_c(out, g_ascii_tolower(*p));
	}
	return g_string_free(out, FALSE);
}

/* x (a domain, or an address: its domain) is domain or a parent of it. */
static gboolean
domain_covers(const char *x, const char *domain)
{
	const char *at = strrchr(x, '@');
	size_t lx, ld;

	if (at != NULL)
		x = at + 1;
	lx = strlen(x);
	ld = strlen(domain);
	if (lx == 0 || strchr(x, '.') == NULL)
		return FALSE;	/* never a bare TLD */
	if (g_ascii_strcasecmp(x, domain) == 0)
		return TRUE;
	return ld > lx && domain[ld - lx - 1] == '.' &&
	    g_ascii_strcasecmp(domain + ld - lx, x) == 0;
}

/* id is a server want names ("a,b": either): the same name, or a host
 * under "*.domain". */
static gboolean
id_matches(const char *id, const char *want)
{
	char **names = g_strsplit(want, ",", -1);
	size_t li = strlen(id);
	gboolean ok = FALSE;

	for (guint i = 0; names[i] != NULL && !ok; i++) {
		const char *w = g_strstrip(names[i]);
		size_t lw = strlen(w);

		if (g_str_has_prefix(w, "*.") && lw > 2)
			ok = li > lw - 1 && g_ascii_strcasecmp(id + li -
			    (lw - 1), w + 1) == 0;
		else
			ok = g_ascii_strcasecmp(id, w) == 0;
	}
	g_strfreev(names);
	return ok;
}

/* One resinfo ("dkim=pass header.d=example.com ...") passes for domain;
 * *dmarc counts the dmarc results seen. */
static gboolean
result_passes(const char *resinfo, const char *domain, guint *dmarc)
{
	char **tok = g_strsplit_set(resinfo, " \t\r\n", -1);
	const char *method = NULL, *result = NULL, *from = NULL, *d = NULL,
	    *i = NULL;
	char *eq, *slash;
	gboolean ok = FALSE;

	for (guint k = 0; tok[k] != NULL; k++) {
		if (*tok[k] == '\0' || (eq = strchr(tok[k], '=')) == NULL)
			continue;
		*eq = '\0';
		if (method == NULL) {
			if ((slash = strchr(tok[k], '/')) != NULL)
				*slash = '\0';	/* "dkim/1" */
			method = tok[k];
			result = eq + 1;
		} else if (strcmp(tok[k], "header.from") == 0)
			from = eq + 1;
		else if (strcmp(tok[k], "header.d") == 0)
			d = eq + 1;
		else if (strcmp(tok[k], "header.i") == 0)
			i = eq + 1;
	}
	if (method != NULL && strcmp(method, "dmarc") == 0)
		(*dmarc)++;
	if (method != NULL && strcmp(result, "pass") == 0) {
		/* a DMARC pass is for the domain it names, never for any */
		if (strcmp(method, "dmarc") == 0)
			ok = from != NULL && domain_covers(from, domain);
		else if (strcmp(method, "dkim") == 0)
			ok = (d != NULL && domain_covers(d, domain)) ||
			    (d == NULL && i != NULL && domain_covers(i, domain));
	}
	g_strfreev(tok);
	return ok;
}

gboolean
auth_results_pass(const char *value, const char *authserv_id,
    const char *domain)
{
	char *v, **part;
	gboolean ok = FALSE;
	guint first, dmarc = 0;

	if (value == NULL || domain == NULL || *domain == '\0')
		return FALSE;
	v = uncomment(value);
	part = g_strsplit(v, ";", -1);
	g_free(v);
	if (part[0] == NULL) {
		g_strfreev(part);
		return FALSE;
	}
	if (strchr(part[0], '=') != NULL) {
		/* no server's name: only where that is the server's way */
		first = 0;
		if (authserv_id != NULL)
			goto out;
	} else {
		char **id = g_strsplit_set(g_strstrip(part[0]), " \t\r\n", 2);

		first = 1;
		/* a name, and not the one asked for; without one to ask
		 * for (Microsoft 365, whose verdict names no server), any
		 * name is another server's */
		if (authserv_id == NULL || id[0] == NULL ||
		    !id_matches(id[0], authserv_id)) {
			g_strfreev(id);
			goto out;
		}
		g_strfreev(id);
	}
	for (guint k = first; part[k] != NULL; k++)
		if (result_passes(part[k], domain, &dmarc))
			ok = TRUE;
	/* one server checks DMARC once: a second dmarc result is text that
	 * got into the verdict (an unescaped comment), and nothing counts */
	if (dmarc > 1)
		ok = FALSE;
out:
	g_strfreev(part);
	return ok;
}

gboolean
auth_verified(const struct lead *l, const struct auth_policy *p,
    const char *domain, char **why)
{
	const char *v[1];
	gboolean ok;

	if (why != NULL)
		*why = NULL;
	if (p->microsoft && lead_values(l, LF_HEADER, MS_AUTHAS, v, 1) == 1 &&
	    g_ascii_strncasecmp(v[0] + strspn(v[0], " \t"), "internal", 8) ==
	    0) {
		if (why != NULL)
			*why = g_strdup("Microsoft 365: sent inside the "
			    "organization (" MS_AUTHAS ": Internal)");
		return TRUE;
	}
	if (p->authserv_id == NULL && !p->microsoft) {
		if (why != NULL)
			*why = g_strdup("no [inbox] authserv_id to trust");
		return FALSE;
	}
	/* the topmost one only: the receiving server adds its own on top,
	 * a sender's forgery is below it */
	if (lead_values(l, LF_HEADER, AR_HEADER, v, 1) != 1) {
		if (why != NULL)
			*why = g_strdup("no " AR_HEADER);
		return FALSE;
	}
	ok = auth_results_pass(v[0], p->authserv_id, domain);
	if (why != NULL)
		*why = ok ? g_strdup_printf(AR_HEADER " from %s: pass for %s",
		    p->authserv_id != NULL ? p->authserv_id : "Microsoft 365",
		    domain) : g_strdup_printf("the topmost " AR_HEADER " is "
		    "not %s's, or shows no dkim or dmarc pass for %s",
		    p->authserv_id != NULL ? p->authserv_id : "Microsoft 365",
		    domain);
	return ok;
}

gboolean
auth_vouch(const struct lead *l, const char *domain, char **why,
    const void *policy)
{
	return auth_verified(l, policy, domain, why);
}
