/*
 * lead.c: lead extraction (spec section 6). The mail layer gives decoded
 * headers and UTF-8 bodies; here they become fields: the lead's address
 * and name (form field, Reply-To or From), the form pairs of a web-form
 * notification (text layouts first, then HTML tables), the company data,
 * the country, and the machine-mail signals.
 */
#include "config.h"

#include <string.h>

#include "country.h"
#include "form.h"
#include "forward.h"
#include "html.h"
#include "lang.h"
#include "lead.h"
#include "number.h"
#include "quote.h"

#define LEAD_MIN_FORM_PAIRS	3	/* a form notification has at least this many */
#define LEAD_MAX_PAIR_VALUES	64	/* values of one form label or header tested */
#define LEAD_MAX_FORWARDS	3	/* forwards of forwards read through */

/* Free-mail providers used when the rules declare no list "freemail". */
static const char *const builtin_freemail[] = {
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr",
	"yahoo.de", "ymail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
	"hotmail.fr", "hotmail.de", "live.com", "live.co.uk", "msn.com",
	"icloud.com", "me.com", "mac.com", "aol.com", "gmx.de", "gmx.net",
	"gmx.at", "gmx.ch", "gmx.com", "web.de", "t-online.de", "freenet.de",
	"proton.me", "protonmail.com", "pm.me", "tutanota.com", "tuta.io",
	"mail.com", "zoho.com", "yandex.ru", "yandex.com", "mail.ru",
	"qq.com", "163.com", "126.com", "naver.com", "orange.fr", "free.fr",
	"laposte.net", "libero.it", "virgilio.it", "seznam.cz", "wp.pl",
	"o2.pl", "interia.pl", "bluewin.ch", "fastmail.com", "hey.com",
	"rediffmail.com", "uol.com.br", "bol.com.br", NULL
};

/* Local parts of senders that are not people ("no-reply@..."). */
static const char *const noreply_marks[] = {
	"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply",
	"do_not_reply", "mailer", NULL
};

/* Words of the local part of a form tool's sender ("wordpress@",
 * "form-submission@", "notifications@"): no person's address. */
static const char *const service_words[] = {
	"form", "forms", "formresponses", "formmail", "submission",
	"submissions", "notification", "notifications", "notify", "wordpress",
	"webmaster", "leadgen", "www", "wwwrun", "apache", "nobody", "daemon",
	"email", NULL
};

/* Labels that make up a signature block rather than a form. */
static const char *const signature_keys[] = {
	"tel", "t", "phone", "mobile", "mob", "m", "cell", "fax", "f", "email",
	"e-mail", "e", "mail", "web", "website", "www", "w", "url", "address",
	"skype", "linkedin", "twitter", "direct", "office", "p", NULL
};

const char *
lead_language(const struct lead *l)
{
	struct lead *cache = (struct lead *)l;	/* the cache only */
	const char *code;

	if (l->language_pending) {
		cache->language_pending = FALSE;
		if ((code = lang_detect(l->str[l->language_text])) != NULL) {
			cache->str[LF_LANGUAGE] = g_strdup(code);
			cache->language_source = "detected";
			cache->ascii |= 1u << LF_LANGUAGE;
		}
	}
	return l->str[LF_LANGUAGE];
}

const char *
lead_folded(const struct lead *l, enum lead_field f)
{
	struct lead *cache = (struct lead *)l;	/* the cache only */
	char *t, *n;

	if (f == LF_LANGUAGE)
		lead_language(l);
	if (f >= LF_FORM || l->str[f] == NULL)
		return NULL;
	if (l->folded[f] == NULL) {
		t = g_utf8_casefold(l->str[f], -1);
		n = g_utf8_normalize(t, -1, G_NORMALIZE_NFKC);
		cache->folded[f] = n != NULL ? n : g_strdup(t);
		g_free(t);
	}
	return l->folded[f];
}

gboolean
lead_is_ascii(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char any = 0;

	/* No early exit: a branch-free loop the compiler vectorises. */
	for (; *p != '\0'; p++)
		any |= *p;
	return (any & 0x80) == 0;
}

gboolean
lead_builtin_freemail(const char *domain)
{
	for (guint i = 0; builtin_freemail[i] != NULL; i++)
		if (g_ascii_strcasecmp(domain, builtin_freemail[i]) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
is_freemail(GHashTable *freemail, const char *domain)
{
	if (domain == NULL)
		return FALSE;
	if (freemail != NULL)
		return g_hash_table_contains(freemail, domain);
	return lead_builtin_freemail(domain);
}

static gboolean
addr_char(char c, gboolean domain)
{
	if (g_ascii_isalnum(c) || c == '-' || c == '.')
		return TRUE;
	if (domain)
		return (unsigned char)c >= 0x80;
	return strchr("_%+'!#$&*/=?^`{|}~", c) != NULL ||
	    (unsigned char)c >= 0x80;
}

/*
 * The first e-mail address in free text ("Jane <jane@acme.de>",
 * "mailto:jane@acme.de"), or NULL. Caller owns the result.
 */
static char *
find_address(const char *s)
{
	const char *at = s != NULL ? strchr(s, '@') : NULL;

	for (; at != NULL; at = strchr(at + 1, '@')) {
		const char *b = at, *e = at + 1;
		char *a;

		while (b > s && addr_char(b[-1], FALSE))
			b--;
		while (*e != '\0' && addr_char(*e, TRUE))
			e++;
		while (e > at + 1 && (e[-1] == '.' || e[-1] == '-'))
			e--;
		while (*b == '.')
			b++;
		if (b == at || memchr(at + 1, '.', e - at - 1) == NULL)
			continue;
		a = g_strndup(b, e - b);
		if (g_str_has_prefix(a, "mailto:")) {
			char *t = g_strdup(a + 7);

			g_free(a);
			a = t;
		}
		return a;
	}
	return NULL;
}

/* Lowercase domain of an address, or NULL. */
static char *
address_domain(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	if (at == NULL || at[1] == '\0')
		return NULL;
	return g_utf8_strdown(at + 1, -1);
}

/* Is addr one of the shared inbox's own addresses (rules' `inbox`)? */
static gboolean
is_inbox(const struct lead_ctx *ctx, const char *addr)
{
	char *low;
	gboolean yes;

	if (ctx->inbox == NULL || addr == NULL)
		return FALSE;
	low = g_utf8_strdown(addr, -1);
	yes = g_hash_table_contains(ctx->inbox, low);
	g_free(low);
	return yes;
}

/*
 * Is addr the team's own: an owner's, an inbox address, or at an inbox
 * address's domain (spec 6, v2: who may forward a lead in)?
 */
static gboolean
is_team(const struct lead_ctx *ctx, const char *addr)
{
	char *low, *d;
	gboolean yes = FALSE;
	GHashTableIter it;
	gpointer k;

	if (addr == NULL)
		return FALSE;
	low = g_utf8_strdown(addr, -1);
	d = address_domain(low);
	yes = (ctx->owners != NULL && g_hash_table_contains(ctx->owners, low)) ||
	    (ctx->inbox != NULL && g_hash_table_contains(ctx->inbox, low));
	/* the inbox's domain is the team's, unless it is a free-mail
	 * provider's (an inbox at gmail.com makes no gmail.com user ours) */
	if (!yes && d != NULL && ctx->inbox != NULL &&
	    !is_freemail(ctx->freemail, d)) {
		g_hash_table_iter_init(&it, ctx->inbox);
		while (!yes && g_hash_table_iter_next(&it, &k, NULL)) {
			const char *at = strrchr(k, '@');

			yes = at != NULL && strcmp(at + 1, d) == 0;
		}
	}
	g_free(d);
	g_free(low);
	return yes;
}

/* Host of a website value without scheme, path or "www.": "acme.com". */
static char *
website_host(const char *url)
{
	const char *p = url, *e;
	char *host;

	if (url == NULL)
		return NULL;
	if (strstr(p, "://") != NULL)
		p = strstr(p, "://") + 3;
	while (*p == ' ')
		p++;
	if (g_ascii_strncasecmp(p, "www.", 4) == 0)
		p += 4;
	for (e = p; *e != '\0' && strchr("/:?# \t\n", *e) == NULL; e++)
		;
	while (e > p && e[-1] == '.')
		e--;
	if (e == p || memchr(p, '.', e - p) == NULL || memchr(p, '@', e - p))
		return NULL;
	host = g_ascii_strdown(p, e - p);
	return host;
}

static gboolean
is_noreply(const char *addr)
{
	const char *at = addr != NULL ? strchr(addr, '@') : NULL;
	char *local;
	gboolean yes = FALSE;

	if (at == NULL)
		return FALSE;
	local = g_ascii_strdown(addr, at - addr);
	/* "no-reply-forms", "wix-noreply", but not "tom.mailer" */
	for (guint i = 0; noreply_marks[i] != NULL && !yes; i++) {
		const char *hit = strstr(local, noreply_marks[i]);

		yes = hit == local || (hit != NULL &&
		    strcmp(noreply_marks[i], "mailer") != 0 &&
		    strchr("-_.+", hit[-1]) != NULL);
	}
	g_free(local);
	return yes;
}

static void
set_str(struct lead *l, enum lead_field f, const char *v)
{
	if (l->str[f] != NULL || v == NULL)
		return;
	while (g_ascii_isspace(*v))
		v++;
	if (*v == '\0')
		return;
	l->str[f] = g_strstrip(g_strdup(v));
}

/* Pairs all of whose labels belong to a signature ("Tel:", "Web:"). */
static gboolean
only_signature_labels(GPtrArray *pairs)
{
	for (guint i = 0; i < pairs->len; i++) {
		struct form_pair *p = g_ptr_array_index(pairs, i);
		char *key = form_label_key(p->label);
		gboolean sig = FALSE;

		for (guint k = 0; signature_keys[k] != NULL && !sig; k++)
			sig = strcmp(key, signature_keys[k]) == 0;
		g_free(key);
		if (!sig)
			return FALSE;
	}
	return TRUE;
}

static gboolean
form_like(GPtrArray *pairs)
{
	return pairs != NULL && pairs->len >= LEAD_MIN_FORM_PAIRS &&
	    !only_signature_labels(pairs);
}

/* Pairs of text (quotes already stripped) if they make a form. */
static GPtrArray *
text_form(const char *text)
{
	GPtrArray *pairs;

	if (text == NULL)
		return NULL;
	pairs = form_pairs_from_text(text, FORM_MAX_PAIRS);
	if (form_like(pairs))
		return pairs;
	g_ptr_array_free(pairs, TRUE);
	return NULL;
}

/*
 * Could this HTML hold a form the text part does not show? Tables and
 * definition lists are the layouts notification tools use; a text part
 * beside an HTML form without them carries the same "Label: value" lines.
 * This spares parsing the HTML of every multipart/alternative mail.
 */
static gboolean
html_form_markup(const char *html)
{
	return strcasestr(html, "<table") != NULL ||
	    strcasestr(html, "<dl") != NULL;
}

/* A value that says the field was left empty: WPForms' "(Empty)". */
static gboolean
placeholder(const char *v)
{
	static const char *const words[] = { "(empty)", "empty", "(none)",
	    "(no answer)", "no answer", "not answered", "(not provided)",
	    "-", "--", NULL };

	for (guint i = 0; words[i] != NULL; i++)
		if (g_ascii_strcasecmp(v, words[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Company data from the form's labelled fields; the first filled one
 * wins, a label of the field's before one that holds it with other
 * words ("Name" before "Name of your assistant"). */
static void
read_form_fields(struct lead *l, const char **first, const char **last,
    char **form_email, char **form_email_name)
{
	for (guint i = 0; i < 2 * l->form->len; i++) {
		struct form_pair *p = g_ptr_array_index(l->form,
		    i % l->form->len);
		gboolean qualified;
		enum form_field f = form_field_of_label(p->label, &qualified);

		if (*p->value == '\0' || qualified != (i >= l->form->len) ||
		    placeholder(p->value))
			continue;
		switch (f) {
		case FF_EMAIL:
			if (*form_email == NULL)
				*form_email = find_address(p->value);
			if (*form_email != NULL && *form_email_name == NULL &&
			    strchr(p->value, '<') != NULL)
				*form_email_name = g_strstrip(g_strndup(
				    p->value, strchr(p->value, '<') - p->value));
			break;
		case FF_NAME: set_str(l, LF_NAME, p->value); break;
		case FF_FIRST_NAME: if (*first == NULL) *first = p->value; break;
		case FF_LAST_NAME: if (*last == NULL) *last = p->value; break;
		case FF_COMPANY: set_str(l, LF_COMPANY, p->value); break;
		case FF_PHONE: set_str(l, LF_PHONE, p->value); break;
		case FF_WEBSITE: set_str(l, LF_WEBSITE, p->value); break;
		case FF_COUNTRY: set_str(l, LF_COUNTRY, p->value); break;
		case FF_EMPLOYEES: set_str(l, LF_EMPLOYEES, p->value); break;
		case FF_BUDGET: set_str(l, LF_BUDGET, p->value); break;
		case FF_MESSAGE: set_str(l, LF_MESSAGE, p->value); break;
		case FF_NONE: break;
		}
	}
}

/* An address in any other field whose label speaks of mail, or a
 * "From: Name <addr>" line (Contact Form 7's default body). */
static char *
form_any_address(const struct lead *l)
{
	for (guint i = 0; i < l->form->len; i++) {
		struct form_pair *p = g_ptr_array_index(l->form, i);
		char *key = form_label_key(p->label);
		gboolean mailish = strstr(key, "mail") != NULL ||
		    strcmp(key, "from") == 0 || strcmp(key, "sender") == 0;
		char *a = mailish ? find_address(p->value) : NULL;

		g_free(key);
		if (a != NULL)
			return a;
	}
	return NULL;
}

/* A form tool's sender: no-reply-like, or a service's local part. */
static gboolean
is_service(const char *addr)
{
	const char *at = addr != NULL ? strchr(addr, '@') : NULL;
	char *local, **words;
	gboolean yes = FALSE;

	if (at == NULL || is_noreply(addr))
		return at != NULL;
	local = g_ascii_strdown(addr, at - addr);
	words = g_strsplit_set(local, "-_.+0123456789", 0);
	for (guint i = 0; words[i] != NULL && !yes; i++)
		for (guint k = 0; service_words[k] != NULL && !yes; k++)
			yes = strcmp(words[i], service_words[k]) == 0;
	g_strfreev(words);
	g_free(local);
	return yes;
}

/* A name word: letters, and '-', '\'' or '.' inside ("O'Neill", "J."). */
static gboolean
name_word(const char *w)
{
	if (*w == '\0')
		return FALSE;
	for (const char *p = w; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (!g_unichar_isalpha(c) && (p == w || strchr("-'.", *p) ==
		    NULL))
			return FALSE;
	}
	return TRUE;
}

/*
 * A display name as a person says it: Exchange directories write
 * "Brooks, Natalie"; that is Natalie Brooks. Only two parts of one to
 * three name words each, the second no company form ("Acme, Inc.").
 * Caller owns the result.
 */
static char *
display_name(const char *name)
{
	static const char *const forms[] = { "inc", "inc.", "ltd", "ltd.",
	    "llc", "gmbh", "ag", "sa", "s.a.", "bv", "b.v.", "plc", "co",
	    "co.", "corp", "corp.", "kg", "srl", "spa", "s.p.a.", "ab", "as",
	    "oy", "nv", NULL };
	char **parts, **w0 = NULL, **w1 = NULL, *out = NULL;
	gboolean ok;

	if (name == NULL || strchr(name, ',') == NULL)
		return g_strdup(name);
	parts = g_strsplit(name, ",", -1);
	ok = g_strv_length(parts) == 2;
	if (ok) {
		w0 = g_strsplit(g_strstrip(parts[0]), " ", -1);
		w1 = g_strsplit(g_strstrip(parts[1]), " ", -1);
		ok = g_strv_length(w0) >= 1 && g_strv_length(w0) <= 3 &&
		    g_strv_length(w1) >= 1 && g_strv_length(w1) <= 3;
		for (guint i = 0; ok && w0[i] != NULL; i++)
			ok = name_word(w0[i]);
		for (guint i = 0; ok && w1[i] != NULL; i++) {
			char *low = g_utf8_strdown(w1[i], -1);

			ok = name_word(w1[i]);
			for (guint k = 0; ok && forms[k] != NULL; k++)
				ok = strcmp(low, forms[k]) != 0;
			g_free(low);
		}
	}
	if (ok)
		out = g_strdup_printf("%s %s", parts[1], parts[0]);
	g_strfreev(w0);
	g_strfreev(w1);
	g_strfreev(parts);
	return out != NULL ? out : g_strdup(name);
}

/* "'Jane Doe' via Sales" (a Google Group's rewritten From): "Jane Doe". */
static char *
unvia(const char *name)
{
	const char *via = name != NULL ? strstr(name, " via ") : NULL;
	char *n;

	if (name == NULL)
		return NULL;
	n = g_strstrip(via != NULL ? g_strndup(name, via - name) :
	    g_strdup(name));
	if (via != NULL && n[0] == '\'' && strlen(n) > 1 &&
	    n[strlen(n) - 1] == '\'') {
		n[strlen(n) - 1] = '\0';
		memmove(n, n + 1, strlen(n));
	}
	return n;
}

/*
 * The message's author. A group that is the shared inbox may have put
 * its own address in From for DMARC (Google Groups: From "'Jane' via
 * Sales" <sales@...>, the author in X-Original-From and Reply-To; Mailman
 * and Sympa the same with Original-From); then the author is taken from
 * those. Fills out with owned copies.
 */
static void
author(const struct mail *m, const struct lead_ctx *ctx,
    struct mail_addr *out)
{
	static const char *const originals[] = { "X-Original-From",
	    "Original-From", NULL };

	out->name = out->addr = NULL;
	if (is_inbox(ctx, m->from.addr)) {
		for (guint i = 0; originals[i] != NULL && out->addr == NULL;
		    i++)
			if (mail_address_parse(mail_header(m, originals[i]),
			    out) && is_inbox(ctx, out->addr)) {
				g_free(out->name);
				g_free(out->addr);
				out->name = out->addr = NULL;
			}
		if (out->addr == NULL && m->reply_to.addr != NULL &&
		    !is_inbox(ctx, m->reply_to.addr)) {
			out->addr = g_strdup(m->reply_to.addr);
			out->name = g_strdup(m->reply_to.name);
		}
		if (out->addr == NULL && mail_address_parse(mail_header(m,
		    "X-Original-Sender"), out) && is_inbox(ctx, out->addr)) {
			g_free(out->name);
			g_free(out->addr);
			out->name = out->addr = NULL;
		}
		if (out->addr != NULL && out->name == NULL)
			out->name = unvia(m->from.name);
		return;
	}
	out->addr = g_strdup(m->from.addr);
	out->name = g_strdup(m->from.name);
}

/*
 * A chat transcript's visitor: the line "Conversation with Elena Petrova
 * <elena@x.cz>" that Intercom-style transcripts open with. Into out
 * (owned strings); FALSE when text has none.
 */
static gboolean
transcript_visitor(const char *text, struct mail_addr *out)
{
	static const char *const starts[] = { "conversation with ",
	    "transcript of your conversation with ", "unterhaltung mit ",
	    "conversation avec ", "conversación con ", NULL };
	char **lines;
	gboolean found = FALSE;

	if (text == NULL)
		return FALSE;
	lines = g_strsplit(text, "\n", FORWARD_MAX_LINES);
	for (guint i = 0; lines[i] != NULL && !found; i++) {
		const char *l = lines[i];

		while (*l == ' ' || *l == '\t')
			l++;
		for (guint k = 0; starts[k] != NULL && !found; k++)
			/* the whole line "Conversation with Name <a@b>" */
			if (g_ascii_strncasecmp(l, starts[k],
			    strlen(starts[k])) == 0 && strchr(l, '<') != NULL &&
			    g_str_has_suffix(g_strchomp(lines[i]), ">") &&
			    strchr(l, '@') != NULL)
				found = mail_address_parse(l + strlen(starts[k]),
				    out);
	}
	g_strfreev(lines);
	return found;
}

/*
 * email and name: form field, else Reply-To for forms and no-reply
 * senders, else the author (spec section 6); never an inbox address. A
 * form notification whose address comes from neither its fields nor
 * Reply-To, but from a form tool's or the team's own sender, has none
 * (no_address: it goes to review).
 */
static void
choose_sender(struct lead *l, const struct mail *m, const struct lead_ctx *ctx)
{
	const char *first = NULL, *last = NULL;
	char *femail = NULL, *fname = NULL;
	const struct mail_addr *src = NULL;
	struct mail_addr from, chat = { NULL, NULL };
	gboolean reply_ok = m->reply_to.addr != NULL &&
	    !is_inbox(ctx, m->reply_to.addr);

	author(m, ctx, &from);
	if (l->form != NULL)
		read_form_fields(l, &first, &last, &femail, &fname);
	if (femail == NULL && l->is_form)
		femail = form_any_address(l);
	if (femail != NULL && is_inbox(ctx, femail)) {
		g_free(femail);
		femail = NULL;
	}
	if (l->str[LF_NAME] == NULL && (first != NULL || last != NULL)) {
		char *n = g_strjoin(" ", first ? first : "", last ? last : "", NULL);

		set_str(l, LF_NAME, n);
		g_free(n);
	}
	if (femail != NULL) {
		l->str[LF_EMAIL] = femail;
		set_str(l, LF_NAME, fname);
		if (reply_ok && g_ascii_strcasecmp(m->reply_to.addr, femail) == 0)
			src = &m->reply_to;
		else if (from.addr != NULL &&
		    g_ascii_strcasecmp(from.addr, femail) == 0)
			src = &from;
	} else if (reply_ok && (l->is_form || is_service(from.addr)))
		src = &m->reply_to;
	else if (!l->is_form && (is_service(from.addr) ||
	    is_team(ctx, from.addr)) && !forward_reply_subject(m->subject) &&
	    transcript_visitor(m->plain, &chat)) {
		src = &chat;	/* a chat transcript the team mails in */
		if (is_team(ctx, from.addr))
			l->forwarded_by = g_strdup(from.addr);
	}
	else if (l->is_form && (from.addr == NULL || is_service(from.addr) ||
	    is_team(ctx, from.addr)))
		l->no_address = TRUE;	/* the tool's address is no lead's */
	else if (from.addr != NULL && !is_inbox(ctx, from.addr)) {
		src = &from;
		/* a tool's "new response" notice without the answers, or
		 * the team's own mail that forwards nothing */
		l->no_address = is_service(from.addr);
		l->internal = is_team(ctx, from.addr);
	}
	if (from.addr != NULL)
		l->author = g_utf8_strdown(from.addr, -1);
	g_free(fname);
	if (src != NULL) {
		char *n = display_name(src->name);

		set_str(l, LF_EMAIL, src->addr);
		set_str(l, LF_NAME, n);
		g_free(n);
	}
	g_free(from.name);
	g_free(from.addr);
	g_free(chat.name);
	g_free(chat.addr);
}

/* The country on a line of its own in a form's postal address
 * ("Address": "220 Binney Street\nCambridge, MA 02142\nUnited States"). */
static const char *
address_country(const struct lead *l)
{
	static const char *const words[] = { "address", "adresse",
	    "dirección", "direccion", "indirizzo", "adres", NULL };

	for (guint i = 0; l->form != NULL && i < l->form->len; i++) {
		const struct form_pair *p = g_ptr_array_index(l->form, i);
		char *key = form_label_key(p->label);
		gboolean addr = FALSE;
		char **lines;
		const char *c = NULL;

		for (guint k = 0; words[k] != NULL && !addr; k++)
			addr = strstr(key, words[k]) != NULL;
		g_free(key);
		if (!addr || strchr(p->value, '@') != NULL)
			continue;
		lines = g_strsplit(p->value, "\n", 12);
		for (guint k = 0; lines[k] != NULL && c == NULL; k++)
			c = country_from_name(g_strstrip(lines[k]));
		g_strfreev(lines);
		if (c != NULL)
			return c;
	}
	return NULL;
}

static void
derive_domain_country(struct lead *l, GHashTable *freemail)
{
	char *d = address_domain(l->str[LF_EMAIL]);
	const char *c = NULL;

	if (d != NULL && is_freemail(freemail, d) && l->str[LF_WEBSITE]) {
		char *w = website_host(l->str[LF_WEBSITE]);

		if (w != NULL) {
			g_free(d);
			d = w;
		}
	}
	l->str[LF_DOMAIN] = d;
	if (l->str[LF_COUNTRY] != NULL) {
		c = country_from_name(l->str[LF_COUNTRY]);
		g_free(l->str[LF_COUNTRY]);
		l->str[LF_COUNTRY] = NULL;
		l->country_from = "form";
	}
	if (c == NULL && (c = address_country(l)) != NULL)
		l->country_from = "form";
	if (c == NULL && l->str[LF_PHONE] != NULL) {
		c = country_from_phone(l->str[LF_PHONE]);
		l->country_from = "phone";
	}
	if (c == NULL && d != NULL) {
		c = country_from_domain(d);
		l->country_from = "domain";
	}
	if (c == NULL)
		l->country_from = NULL;
	set_str(l, LF_COUNTRY, c);
}

static void
parse_numbers(struct lead *l)
{
	if (l->str[LF_EMPLOYEES] != NULL)
		l->has_employees = number_parse(l->str[LF_EMPLOYEES],
		    &l->employees);
	if (l->str[LF_BUDGET] != NULL)
		l->has_budget = number_parse(l->str[LF_BUDGET], &l->budget);
}

/* Value of a header before any ';' parameters, trimmed, lowercase. */
static char *
header_token(const struct mail *m, const char *name)
{
	const char *v = mail_header(m, name);
	const char *semi;

	if (v == NULL)
		return NULL;
	semi = strchr(v, ';');
	return g_strstrip(g_ascii_strdown(v, semi ? semi - v : -1));
}

/*
 * The local part of the sender, lowercase: of From's address, or of a
 * bare "MAILER-DAEMON" or "<postmaster>" that has no domain at all.
 */
static char *
sender_local(const struct mail *m)
{
	const char *a = m->from.addr, *raw, *lt, *at;

	if (a == NULL && (raw = mail_header(m, "From")) != NULL) {
		if ((lt = strchr(raw, '<')) != NULL)
			raw = lt + 1;
		while (*raw == ' ')
			raw++;
		return g_strstrip(g_ascii_strdown(raw, strcspn(raw, ">( \t")));
	}
	if (a == NULL || (at = strchr(a, '@')) == NULL)
		return NULL;
	return g_ascii_strdown(a, at - a);
}

/* The address a list header names: List-Id "<sales.example.com>" (read
 * against inbox, '@' written '.', or "<sales@example.com>"), Mailing-list
 * "list a@b; contact ...",
 * List-Post "<mailto:a@b>", X-BeenThere "a@b". */
static char *
list_names_inbox(const struct mail *m, const struct lead_ctx *ctx)
{
	static const char *const names[] = { "Mailing-list", "List-Post",
	    "X-BeenThere", NULL };
	const char *v = mail_header(m, "List-Id");
	GHashTableIter it;
	gpointer k;

	if (ctx->inbox == NULL)
		return NULL;
	if (v != NULL && strchr(v, '<') != NULL) {
		const char *b = strrchr(v, '<') + 1;
		char *id = g_utf8_strdown(b, strcspn(b, ">"));

		g_strstrip(id);
		g_hash_table_iter_init(&it, ctx->inbox);
		while (g_hash_table_iter_next(&it, &k, NULL)) {
			char *dotted = g_strdelimit(g_strdup(k), "@", '.');
			/* older Google groups wrote the address itself */
			gboolean same = strcmp(dotted, id) == 0 ||
			    strcmp(k, id) == 0;

			g_free(dotted);
			if (same) {
				g_free(id);
				return g_strdup(k);
			}
		}
		g_free(id);
	}
	for (guint i = 0; names[i] != NULL; i++) {
		char *a = find_address(mail_header(m, names[i]));

		if (a != NULL && is_inbox(ctx, a)) {
			char *low = g_utf8_strdown(a, -1);

			g_free(a);
			return low;
		}
		g_free(a);
	}
	return NULL;
}

/*
 * Machine mail (spec section 6, `auto`): the first signal found, in
 * words for explain, or NULL for mail a person wrote. List headers that
 * name an inbox address (a group that is the shared inbox) are no signal
 * (*relayed gets that address); the others still are.
 */
static char *
auto_signal(const struct mail *m, const struct lead_ctx *ctx, char **relayed)
{
	char *v;
	gboolean list_ok;

	*relayed = list_names_inbox(m, ctx);
	list_ok = *relayed != NULL;

	if ((v = header_token(m, "Auto-Submitted")) != NULL) {
		if (strcmp(v, "no") != 0) {
			char *why = g_strdup_printf("Auto-Submitted: %s", v);

			g_free(v);
			return why;
		}
		g_free(v);
	}
	if (mail_header(m, "X-Autoreply") != NULL)
		return g_strdup("X-Autoreply");
	if (mail_header(m, "X-Autorespond") != NULL)
		return g_strdup("X-Autorespond");
	if ((v = header_token(m, "Precedence")) != NULL) {
		if (strcmp(v, "bulk") == 0 || strcmp(v, "junk") == 0 ||
		    (strcmp(v, "list") == 0 && !list_ok)) {
			char *why = g_strdup_printf("Precedence: %s", v);

			g_free(v);
			return why;
		}
		g_free(v);
	}
	if (mail_header(m, "List-Id") != NULL && !list_ok)
		return g_strdup("List-Id");
	if ((v = header_token(m, "Return-Path")) != NULL) {
		char *p, *q;
		gboolean null;

		for (p = q = v; *p != '\0'; p++)
			if (!g_ascii_isspace(*p))
				*q++ = *p;
		*q = '\0';
		null = strcmp(v, "<>") == 0;
		g_free(v);
		if (null)
			return g_strdup("null Return-Path");
	}
	if (m->report)
		return g_strdup("multipart/report");
	if ((v = sender_local(m)) != NULL) {
		gboolean daemon = strcmp(v, "mailer-daemon") == 0 ||
		    strcmp(v, "postmaster") == 0;
		char *why = daemon ? g_strdup_printf("From %s", v) : NULL;

		g_free(v);
		if (daemon)
			return why;
	}
	return NULL;
}

static gboolean
spam_signal(const struct mail *m)
{
	const char *v = mail_header(m, "X-Spam-Flag");

	if (v != NULL && g_ascii_strcasecmp(v, "yes") == 0)
		return TRUE;
	v = mail_header(m, "X-Spam-Status");
	return v != NULL && g_ascii_strncasecmp(v, "yes", 3) == 0;
}

static void
copy_headers(struct lead *l, const struct mail *m)
{
	for (guint i = 0; i < m->headers->len; i++) {
		const struct mail_header *h = g_ptr_array_index(m->headers, i);
		struct mail_header *c = g_new(struct mail_header, 1);

		c->name = g_strdup(h->name);
		c->value = g_strdup(h->value);
		g_ptr_array_add(l->headers, c);
	}
	for (guint i = 0; i < m->notes->len; i++)
		g_ptr_array_add(l->notes,
		    g_strdup(g_ptr_array_index(m->notes, i)));
}

static void
header_free(gpointer p)
{
	struct mail_header *h = p;

	g_free(h->name);
	g_free(h->value);
	g_free(h);
}

static gboolean
blank(const char *s)
{
	if (s == NULL)
		return TRUE;
	for (; *s != '\0'; s++)
		if (!g_ascii_isspace(*s))
			return FALSE;
	return TRUE;
}

/*
 * The lead of content mail c (sender, date, text, form) arriving as
 * message o (headers, machine-mail signals, identity): the same mail,
 * or a forward's and the message it forwards.
 */
static struct lead *
build(const struct mail *c, const struct mail *o, const struct lead_ctx *ctx)
{
	struct lead *l = g_new0(struct lead, 1);
	const struct mail *m = c;
	const char *plain = blank(m->plain) ? NULL : m->plain;
	struct html_doc *doc = NULL;
	char *htext = NULL, *body = NULL, *stripped = NULL;
	const char *lang;
	gboolean form_html = FALSE;

	l->headers = g_ptr_array_new_with_free_func(header_free);
	l->notes = g_ptr_array_new_with_free_func(g_free);
	l->form_keys = g_ptr_array_new_with_free_func(g_free);
	copy_headers(l, o);
	if (c != o)
		for (guint i = 0; i < c->notes->len; i++)
			g_ptr_array_add(l->notes,
			    g_strdup(g_ptr_array_index(c->notes, i)));
	l->date = c->date != 0 ? c->date : o->date;
	l->auto_why = auto_signal(o, ctx, &l->relayed_by);
	l->is_auto = l->auto_why != NULL;
	l->is_spam = spam_signal(o);
	l->attachments = m->attachments;

	/* The form: from the text part if it makes one, else from the
	 * HTML; the HTML is parsed only when it is needed. */
	if (plain != NULL) {
		stripped = quote_strip(plain);
		l->form = text_form(stripped);
	}
	if (l->form == NULL && !blank(m->html) &&
	    (plain == NULL || html_form_markup(m->html))) {
		doc = html_parse(m->html, strlen(m->html));
		l->form = html_form_pairs(doc, FORM_MAX_PAIRS);
		if (!form_like(l->form)) {
			char *t;

			g_ptr_array_free(l->form, TRUE);
			htext = html_text(doc, FALSE);
			t = quote_strip(htext);
			l->form = text_form(t);
			g_free(t);
		}
		form_html = l->form != NULL;
	}
	l->is_form = l->form != NULL;
	if (l->form == NULL)
		l->form = g_ptr_array_new_with_free_func(form_pair_free);
	for (guint i = 0; i < l->form->len; i++) {
		struct form_pair *p = g_ptr_array_index(l->form, i);

		g_ptr_array_add(l->form_keys, form_label_key(p->label));
	}

	choose_sender(l, m, ctx);
	set_str(l, LF_FROM, m->from.addr);
	set_str(l, LF_FROM_NAME, m->from.name);
	if (m->from.addr != NULL)
		l->str[LF_FROM_DOMAIN] = address_domain(m->from.addr);
	set_str(l, LF_REPLY_TO, m->reply_to.addr);
	l->thread = g_strdupv(o->thread);
	l->recipients = g_strdupv(o->recipients);
	derive_domain_country(l, ctx->freemail);
	parse_numbers(l);

	/* body: a form's whole text; a person's new text only. */
	if (l->is_form && form_html) {
		if (htext == NULL)
			htext = html_text(doc, FALSE);
		body = g_strdup(htext);
	} else if (l->is_form)
		body = g_strdup(plain);
	else if (plain != NULL) {
		body = stripped;
		stripped = NULL;
	} else if (!blank(m->html)) {
		char *t;

		if (doc == NULL)
			doc = html_parse(m->html, strlen(m->html));
		t = html_text(doc, TRUE);
		body = quote_strip(t);
		g_free(t);
	}
	if (body != NULL)
		g_strstrip(body);
	set_str(l, LF_BODY, body);
	set_str(l, LF_SUBJECT, m->subject != NULL ? m->subject : o->subject);
	if (l->str[LF_SUBJECT] != NULL && l->str[LF_BODY] != NULL)
		l->str[LF_TEXT] = g_strjoin("\n", l->str[LF_SUBJECT],
		    l->str[LF_BODY], NULL);
	else
		set_str(l, LF_TEXT, l->str[LF_SUBJECT] != NULL ?
		    l->str[LF_SUBJECT] : l->str[LF_BODY]);
	g_free(body);

	set_str(l, LF_TZ, c->date != 0 ? c->date_offset : o->date_offset);
	/* a forward's own Content-Language is the forwarder's client's */
	if ((lang = mail_header(m, "Content-Language")) != NULL ||
	    (c == o && (lang = mail_header(o, "Content-Language")) != NULL)) {
		/* "de-AT", "en_GB": the language's ISO 639 code */
		char *v = g_ascii_strdown(lang, strcspn(lang, ", ;-_"));

		set_str(l, LF_LANGUAGE, v);
		g_free(v);
	}
	if (l->str[LF_LANGUAGE] != NULL)
		l->language_source = "header";
	else {	/* a form's labels are the tool's, its free text the person's */
		l->language_pending = TRUE;
		l->language_text = l->is_form && l->str[LF_MESSAGE] != NULL ?
		    LF_MESSAGE : LF_BODY;
	}
	set_str(l, LF_MESSAGE_ID, o->message_id);
	l->str[LF_ATTACHMENTS] = g_strdup_printf("%u", l->attachments);

	for (int f = 0; f < LF_NFIELDS; f++)
		if (l->str[f] != NULL && lead_is_ascii(l->str[f]))
			l->ascii |= 1u << f;
	g_free(stripped);
	g_free(htext);
	html_free(doc);
	return l;
}

/*
 * The message c forwards when a person of the team forwarded a lead into
 * the inbox (spec 6, v2): an attached message that is the forward's only
 * attachment, else one forwarded inline. *owned is set when the caller
 * must free it. NULL when c forwards nothing.
 */
static const struct mail *
forwarded(const struct mail *c, const struct lead_ctx *ctx, gboolean *owned)
{
	struct mail *inner;
	char *text = NULL;

	struct mail_addr who;
	gboolean team;

	*owned = FALSE;
	/* the author, not a group's rewritten From; a person, not a form
	 * tool (the site's wordpress@ is at the team's domain, and writes
	 * what visitors type); and no reply, which quotes its lead */
	author(c, ctx, &who);
	team = is_team(ctx, who.addr) && !is_service(who.addr) &&
	    !forward_reply_subject(c->subject) &&
	    /* in a thread and not called a forward: a reply */
	    (c->thread[0] == NULL || forward_subject(c->subject)) &&
	    /* a group's rewritten From: only the group vouches for who
	     * posted it */
	    !is_inbox(ctx, c->from.addr);
	g_free(who.name);
	g_free(who.addr);
	if (!team)
		return NULL;
	if (c->attached != NULL && c->messages == 1 && c->attachments == 1 &&
	    c->attached->from.addr != NULL)
		return c->attached;
	if (blank(c->plain) && !blank(c->html)) {
		struct html_doc *doc = html_parse(c->html, strlen(c->html));

		text = html_text(doc, FALSE);
		html_free(doc);
	}
	inner = forward_inline(text != NULL ? text : c->plain,
	    forward_subject(c->subject), c->date_offset);
	g_free(text);
	*owned = inner != NULL;
	return inner;
}

/*
 * A forward is read only when the receiving server vouches that it comes
 * from the forwarder's domain, as for owners' replies: else a stranger
 * forging a colleague's From could present any sender past the server's
 * DMARC check. Without a policy (explain with rules alone) it is noted.
 */
static void
forward_verdict(struct lead *l, const struct lead_ctx *ctx)
{
	const char *at = strrchr(l->forwarded_by, '@');
	char *why = NULL;

	if (ctx->vouch == NULL) {
		g_ptr_array_add(l->notes, g_strdup("forwarded by " "an address "
		    "of the team: the server's verdict on it not checked (no "
		    "configuration)"));
		return;
	}
	if (!ctx->vouch(l, at != NULL ? at + 1 : "", &why, ctx->vouch_data))
		l->forward_unverified = why != NULL ? why :
		    g_strdup("not authenticated");
	else
		g_free(why);
}

struct lead *
lead_from_mail(const struct mail *m, const struct lead_ctx *ctx)
{
	static const struct lead_ctx none;
	const struct mail *c = m, *inner;
	struct mail *owned[LEAD_MAX_FORWARDS] = { NULL };
	char *by = NULL;
	struct lead *l;
	gboolean own;

	if (ctx == NULL)
		ctx = &none;
	/* a forward of a forward: the lead is the first one's sender; the
	 * forwarder is who put it in the inbox */
	for (guint depth = 0; depth < LEAD_MAX_FORWARDS &&
	    (inner = forwarded(c, ctx, &own)) != NULL; depth++) {
		if (by == NULL) {
			struct mail_addr who;

			author(c, ctx, &who);
			by = who.addr;
			g_free(who.name);
		}
		if (own)
			owned[depth] = (struct mail *)inner;
		c = inner;
	}
	l = build(c, m, ctx);
	if (by != NULL) {
		g_free(l->forwarded_by);
		l->forwarded_by = by;
	}
	if (l->forwarded_by != NULL)	/* a forward, or a transcript */
		forward_verdict(l, ctx);
	for (guint i = 0; i < LEAD_MAX_FORWARDS; i++)
		mail_free(owned[i]);
	return l;
}

struct lead *
lead_from_bytes(const char *data, gsize len, const struct lead_ctx *ctx)
{
	struct mail *m = mail_parse(data, len);
	struct lead *l = lead_from_mail(m, ctx);

	mail_free(m);
	return l;
}

void
lead_free(struct lead *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < LF_NFIELDS; i++) {
		g_free(l->str[i]);
		g_free(l->folded[i]);
	}
	g_free(l->auto_why);
	g_free(l->relayed_by);
	g_free(l->forwarded_by);
	g_free(l->forward_unverified);
	g_free(l->author);
	g_ptr_array_free(l->form, TRUE);
	g_ptr_array_free(l->form_keys, TRUE);
	g_ptr_array_free(l->headers, TRUE);
	g_ptr_array_free(l->notes, TRUE);
	g_strfreev(l->thread);
	g_strfreev(l->recipients);
	g_free(l);
}

const char *
lead_company_domain(const struct lead *l, GHashTable *freemail)
{
	const char *d = l->str[LF_DOMAIN];

	return d != NULL && !is_freemail(freemail, d) ? d : NULL;
}

guint
lead_values(const struct lead *l, enum lead_field f, const char *arg,
    const char **out, guint max)
{
	guint n = 0;

	if (f == LF_FORM) {
		char *key = form_label_key(arg != NULL ? arg : "");

		for (guint i = 0; i < l->form->len && n < max; i++) {
			const struct form_pair *p =
			    g_ptr_array_index(l->form, i);

			if (strcmp(g_ptr_array_index(l->form_keys, i), key) ==
			    0 && *p->value != '\0')
				out[n++] = p->value;
		}
		g_free(key);
		return n;
	}
	if (f == LF_HEADER) {
		for (guint i = 0; i < l->headers->len && n < max; i++) {
			const struct mail_header *h =
			    g_ptr_array_index(l->headers, i);

			if (arg != NULL && g_ascii_strcasecmp(h->name, arg) == 0)
				out[n++] = h->value;
		}
		return n;
	}
	if (f == LF_LANGUAGE)
		lead_language(l);
	if (f >= LF_NFIELDS || l->str[f] == NULL || max == 0)
		return 0;
	out[0] = l->str[f];
	return 1;
}

gboolean
lead_number(const struct lead *l, enum lead_field f, const char *arg,
    double *out)
{
	const char *v[1];

	switch (f) {
	case LF_EMPLOYEES:
		*out = l->employees;
		return l->has_employees;
	case LF_BUDGET:
		*out = l->budget;
		return l->has_budget;
	case LF_ATTACHMENTS:
		*out = l->attachments;
		return TRUE;
	default:
		if (lead_values(l, f, arg, v, 1) == 0)
			return FALSE;
		return number_parse(v[0], out);
	}
}

/* Length of a reply or forward prefix at p ("re:", "aw :", "re[2]:",
 * "fwd:"), or 0. */
static size_t
reply_prefix(const char *p)
{
	static const char *const words[] = {
		"re", "aw", "sv", "vs", "fw", "fwd", "wg", "tr", "rv", "antw",
		"odp", "ynt", "enc", "res", NULL
	};

	for (guint i = 0; words[i] != NULL; i++) {
		size_t n = strlen(words[i]);
		const char *q = p + n;

		if (g_ascii_strncasecmp(p, words[i], n) != 0)
			continue;
		if (*q == '[' || *q == '(') {	/* Re[2]: */
			char close = *q == '[' ? ']' : ')';

			q++;
			while (g_ascii_isdigit(*q))
				q++;
			if (*q++ != close)
				continue;
		}
		while (*q == ' ')
			q++;
		if (*q == ':' || (strncmp(q, "\xef\xbc\x9a", 3) == 0))
			return (size_t)(q - p) + (*q == ':' ? 1 : 3);
	}
	return 0;
}

char *
lead_subject_key(const char *subject)
{
	const char *p = subject;
	GString *out;
	char *folded, *key;
	gboolean space = FALSE;

	if (p == NULL)
		return NULL;
	for (;;) {
		size_t n;

		while (g_ascii_isspace(*p))
			p++;
		if ((n = reply_prefix(p)) > 0) {
			p += n;
			continue;
		}
		if (*p == '[' && strchr(p, ']') != NULL &&
		    strchr(p, ']')[1] != '\0') {
			p = strchr(p, ']') + 1;
			continue;
		}
		break;
	}
	if (*p == '\0' || !g_utf8_validate(p, -1, NULL))
		return NULL;
	folded = g_utf8_casefold(p, -1);
	out = g_string_new(NULL);
	for (const char *q = folded; *q != '\0'; q++) {
		if (g_ascii_isspace(*q)) {
			space = TRUE;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, *q);
	}
	g_free(folded);
	key = g_string_free(out, FALSE);
	if (*key == '\0') {
		g_free(key);
		return NULL;
	}
	return key;
}
