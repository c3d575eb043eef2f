/*
 * rules_check.c: after parsing, read the reference data a rule set names
 * (owners, accounts, list files), resolve every name to what it denotes,
 * and look for the errors and warnings of spec section 4.7. Errors make a
 * rule set unusable; warnings point at rules that do not do what their
 * author probably meant.
 */
#include "config.h"

#include <string.h>

#include "country.h"
#include "csv.h"
#include "rules_p.h"
#include "scan.h"

static void
load_accounts(struct ruleset *rs, struct diag *d)
{
	struct csv *c;
	int cd, co;

	if (rs->accounts_file == NULL)
		return;
	rs->accounts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	if ((c = csv_load(rs->accounts_file, d)) == NULL)
		return;
	cd = csv_column(c, "domain");
	co = csv_column(c, "owner");
	if (cd < 0 || co < 0) {
		diag_add(d, DIAG_ERROR, rs->accounts_file, 1, 0,
		    "accounts need the columns domain and owner");
		csv_free(c);
		return;
	}
	for (guint i = 0; i < c->rows->len; i++) {
		const struct csv_row *r = g_ptr_array_index(c->rows, i);
		const char *dom = csv_cell(r, cd), *own = csv_cell(r, co);
		char *key;

		if (dom == NULL || *dom == '\0') {
			diag_add(d, DIAG_ERROR, rs->accounts_file, r->line, 0,
			    "account without a domain");
			continue;
		}
		if (own == NULL || *own == '\0') {
			diag_add(d, DIAG_ERROR, rs->accounts_file, r->line, 0,
			    "account %s has no owner", dom);
			continue;
		}
		if (rs->owners == NULL && rs->owners_file != NULL)
			;	/* unreadable owners: reported already */
		else if (rs->owners == NULL ||
		    owners_find(rs->owners, own) == NULL) {
			diag_add(d, DIAG_ERROR, rs->accounts_file, r->line, 0,
			    "account %s names unknown owner '%s'", dom, own);
			continue;
		}
		while (*dom == '@')
			dom++;
		if (g_ascii_strncasecmp(dom, "www.", 4) == 0)
			dom += 4;
		key = expr_fold(dom);
		if (g_hash_table_contains(rs->accounts, key)) {
			diag_add(d, DIAG_WARNING, rs->accounts_file, r->line, 0,
			    "domain %s listed twice; the first row counts", dom);
			g_free(key);
			continue;
		}
		g_hash_table_insert(rs->accounts, key, g_strdup(own));
	}
	csv_free(c);
}

/* A list file: one item a line, '#' comments, blank lines skipped. */
static void
load_list_file(struct list *l, struct diag *d)
{
	GError *err = NULL;
	char *text, **lines;
	gsize len;

	l->items = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	if (!g_file_get_contents(l->file, &text, &len, &err)) {
		diag_add(d, DIAG_ERROR, l->file, 0, 0, "cannot read list %s: %s",
		    l->name, err->message);
		g_error_free(err);
		return;
	}
	if (!g_utf8_validate(text, len, NULL))
		diag_add(d, DIAG_ERROR, l->file, 0, 0, "invalid UTF-8");
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		char *s = lines[i], *hash = strchr(s, '#');
		char *key;

		if (hash != NULL)
			*hash = '\0';
		if (i == 0 && g_str_has_prefix(s, "\xEF\xBB\xBF"))
			s += 3;
		g_strstrip(s);
		if (*s == '\0')
			continue;
		if (g_hash_table_size(l->items) >= LIST_MAX_ITEMS) {
			diag_add(d, DIAG_ERROR, l->file, i + 1, 0,
			    "more than %d items", LIST_MAX_ITEMS);
			break;
		}
		key = expr_fold(s);
		if (g_hash_table_contains(l->items, key)) {
			diag_add(d, DIAG_WARNING, l->file, i + 1, 1,
			    "duplicate item '%s' in list %s", s, l->name);
			g_free(key);
			continue;
		}
		g_hash_table_insert(l->items, key, g_strdup(s));
	}
	g_strfreev(lines);
	g_free(text);
}

static const struct owner *
find_owner(const struct ruleset *rs, const struct ref *r, struct diag *d,
    const char *what)
{
	const struct owner *o;

	if (r->id == NULL)
		return NULL;
	/* An owners file that could not be read was reported already. */
	if (rs->owners == NULL && rs->owners_file != NULL)
		return NULL;
	if (rs->owners == NULL) {
		diag_add(d, DIAG_ERROR, rs->file, r->line, r->col, "%s '%s' "
		    "needs an owner table: add owners \"owners.csv\"", what,
		    r->id);
		return NULL;
	}
	if ((o = owners_find(rs->owners, r->id)) == NULL)
		diag_add(d, DIAG_ERROR, rs->file, r->line, r->col,
		    "unknown owner '%s' (not in %s)", r->id, rs->owners_file);
	return o;
}

/* A plain ASCII address, local@domain, as a relay takes it in RCPT TO
 * without SMTPUTF8: no quoting, no comments, no spaces. */
static gboolean
plain_address(const char *s)
{
	static const char local[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-";
	static const char domain[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
	const char *at = strchr(s, '@');
	size_t n;

	if (at == NULL || at == s || (n = strspn(s, local)) != (size_t)(at - s))
		return FALSE;
	n = strspn(at + 1, domain);
	return n > 0 && at[1 + n] == '\0' && at[1] != '.' && at[n] != '.';
}

/* `notify email`: each an address (local@domain) or an owner's id. */
static void
check_notify(const struct ruleset *rs, const struct notify *n,
    struct diag *d)
{
	for (guint i = 0; i < n->email->len; i++) {
		const struct ref *r = &g_array_index(n->email, struct ref, i);

		if (strchr(r->id, '@') == NULL)
			find_owner(rs, r, d, "notify email");
		else if (!plain_address(r->id))
			diag_add(d, DIAG_ERROR, rs->file, r->line, r->col,
			    "'%s' is not an email address a relay takes "
			    "(local@domain, ASCII)", r->id);
	}
}

static void
resolve_teams(struct ruleset *rs, struct diag *d)
{
	GHashTable *folded = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);

	for (guint i = 0; i < rs->team_order->len; i++) {
		struct team *t = g_ptr_array_index(rs->team_order, i);
		char *key = g_ascii_strdown(t->id, -1);

		if (g_hash_table_contains(folded, key))
			diag_add(d, DIAG_WARNING, rs->file, t->line, t->col,
			    "team '%s' differs only in case from team '%s'",
			    t->id, (char *)g_hash_table_lookup(folded, key));
		g_hash_table_insert(folded, key, t->id);
		for (guint k = 0; k < t->member_refs->len; k++) {
			const struct owner *o = find_owner(rs,
			    g_ptr_array_index(t->member_refs, k), d,
			    "team member");

			if (o != NULL)
				g_ptr_array_add(t->members, (gpointer)o);
		}
		find_owner(rs, &t->escalate, d, "escalate");
	}
	/* Owners join the teams their team column names. */
	for (guint i = 0; rs->owners != NULL && i < owners_count(rs->owners);
	    i++) {
		const struct owner *o = owners_nth(rs->owners, i);

		for (guint k = 0; o->teams[k] != NULL; k++) {
			struct team *t = g_hash_table_lookup(rs->teams,
			    o->teams[k]);

			if (t == NULL) {
				char *key = g_ascii_strdown(o->teams[k], -1);
				const char *id = g_hash_table_lookup(folded, key);

				g_free(key);
				if (id == NULL) {
					diag_add(d, DIAG_WARNING, rs->owners_file,
					    o->line, 0, "owner %s is in team "
					    "'%s', which the rules do not "
					    "declare", o->id, o->teams[k]);
					continue;
				}
				diag_add(d, DIAG_WARNING, rs->owners_file,
				    o->line, 0, "owner %s is in team '%s', "
				    "spelt '%s' in the rules: counted as a "
				    "member, but spell it the same in both",
				    o->id, o->teams[k], id);
				t = g_hash_table_lookup(rs->teams, id);
			}
			if (t->member_refs->len == 0)
				g_ptr_array_add(t->members, (gpointer)o);
		}
	}
	for (guint i = 0; i < rs->team_order->len; i++) {
		struct team *t = g_ptr_array_index(rs->team_order, i);

		if (t->members->len == 0 && t->member_refs->len == 0)
			diag_add(d, DIAG_ERROR, rs->file, t->line, t->col,
			    "team '%s' has no members: list them with "
			    "'members' or name the team in owners.csv", t->id);
	}
	g_hash_table_destroy(folded);
}

/* A list tested against `country` should hold ISO codes. */
static void
warn_countries(const struct ruleset *rs, struct list *l, struct diag *d)
{
	GHashTableIter it;
	gpointer k, v;

	l->country_checked = TRUE;
	if (l->items == NULL)
		return;
	g_hash_table_iter_init(&it, l->items);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!country_is_iso(v))
			diag_add(d, DIAG_WARNING, l->file ? l->file : rs->file,
			    l->file ? 0 : l->line, l->file ? 0 : l->col,
			    "'%s' in list %s is not an ISO 3166-1 alpha-2 "
			    "country code", (const char *)v, l->name);
}

static void
resolve_expr(struct ruleset *rs, struct expr *e, struct diag *d)
{
	if (e == NULL)
		return;
	resolve_expr(rs, e->a, d);
	resolve_expr(rs, e->b, d);
	if (e->op == EX_IN_LIST) {
		struct list *l = g_hash_table_lookup(rs->lists, e->name);

		if (l == NULL)
			diag_add(d, DIAG_ERROR, rs->file, e->line, e->col,
			    "undeclared list '%s'", e->name);
		else {
			e->set = l->items;
			if (e->field == LF_COUNTRY && !l->country_checked)
				warn_countries(rs, l, d);
		}
	} else if (e->op == EX_IN_ACCOUNTS) {
		if (rs->accounts_file == NULL)
			diag_add(d, DIAG_ERROR, rs->file, e->line, e->col,
			    "'in accounts' needs an accounts table: add "
			    "accounts \"accounts.csv\"");
		e->set = rs->accounts;
	}
}

static gboolean
class_exists(const struct dimension *dm, const char *name)
{
	for (guint i = 0; i < dm->classes->len; i++) {
		const struct class_rule *c = g_ptr_array_index(dm->classes, i);

		if (strcmp(c->name, name) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
check_route(struct ruleset *rs, const struct route *r, struct diag *d)
{
	const struct dest *dst = &r->dest;

	for (guint i = 0; i < r->conds->len; i++) {
		const struct cond *c = g_ptr_array_index(r->conds, i);
		const struct dimension *dm = rules_dimension(rs, c->dim);
		gboolean is_context = strcmp(c->dim, "context") == 0;

		if (dm == NULL && !is_context) {
			diag_add(d, DIAG_ERROR, rs->file, c->line, c->col,
			    "undeclared dimension '%s'", c->dim);
			continue;
		}
		if (strcmp(c->value, "unknown") == 0 ||
		    strcmp(c->value, "ambiguous") == 0 ||
		    (is_context && strcmp(c->value, "new") == 0))
			continue;
		if (dm == NULL || !class_exists(dm, c->value))
			diag_add(d, DIAG_ERROR, rs->file, c->line, c->col,
			    "dimension '%s' has no class '%s'", c->dim,
			    c->value);
	}
	switch (dst->kind) {
	case DEST_OWNER: {
		struct ref ref = { dst->id, dst->line, dst->col };
		const struct owner *o = find_owner(rs, &ref, d, "owner");
		GDateTime *now;

		if (o == NULL)
			break;
		now = g_date_time_new_now_utc();
		if (owner_available(o, now, 0, FALSE) != AVAIL_YES) {
			char *why = owner_avail_text(o, owner_available(o,
			    now, 0, FALSE));

			diag_add(d, DIAG_WARNING, rs->file, dst->line, dst->col,
			    "owner %s is %s: leads this route sends go to "
			    "review", o->id, why);
			g_free(why);
		}
		g_date_time_unref(now);
		break;
	}
	case DEST_TEAM:
		if (!g_hash_table_contains(rs->teams, dst->id))
			diag_add(d, DIAG_ERROR, rs->file, dst->line, dst->col,
			    "undeclared team '%s'", dst->id);
		break;
	case DEST_QUEUE:
		if (!g_hash_table_contains(rs->queues, dst->id))
			diag_add(d, DIAG_ERROR, rs->file, dst->line, dst->col,
			    "undeclared queue '%s'", dst->id);
		break;
	case DEST_ACCOUNT_OWNER:
		if (rs->accounts_file == NULL)
			diag_add(d, DIAG_ERROR, rs->file, dst->line, dst->col,
			    "account-owner needs an accounts table: add "
			    "accounts \"accounts.csv\"");
		break;
	case DEST_REVIEW:
	case DEST_IGNORE:
	case DEST_REPLY:	/* the journal's, never written in rules */
		break;
	}
}

/* Does condition a hold whenever b holds? */
static gboolean
cond_implies(const struct cond *b, const struct cond *a)
{
	if (strcmp(a->dim, b->dim) != 0)
		return FALSE;
	if (a->negate == b->negate)
		return strcmp(a->value, b->value) == 0;
	/* b: dim=x implies a: dim!=y when x != y */
	return a->negate && strcmp(a->value, b->value) != 0;
}

/* Does route e match every lead route l matches? */
static gboolean
route_covers(const struct route *e, const struct route *l)
{
	for (guint i = 0; i < e->conds->len; i++) {
		const struct cond *c = g_ptr_array_index(e->conds, i);
		gboolean held = FALSE;

		for (guint k = 0; k < l->conds->len && !held; k++)
			held = cond_implies(g_ptr_array_index(l->conds, k), c);
		if (!held)
			return FALSE;
	}
	return TRUE;
}

static void
check_shadowed(const struct ruleset *rs, struct diag *d)
{
	for (guint i = 1; i < rs->routes->len; i++) {
		const struct route *r = g_ptr_array_index(rs->routes, i);

		for (guint k = 0; k < i; k++) {
			const struct route *e = g_ptr_array_index(rs->routes, k);

			if (route_covers(e, r)) {
				diag_add(d, DIAG_WARNING, rs->file, r->line, 1,
				    "route can never match: the route on line "
				    "%d matches every lead it would", e->line);
				break;
			}
		}
	}
}

static void
check_unused_classes(const struct ruleset *rs, struct diag *d)
{
	GHashTable *used = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);

	for (guint i = 0; i < rs->routes->len; i++) {
		const struct route *r = g_ptr_array_index(rs->routes, i);

		for (guint k = 0; k < r->conds->len; k++) {
			const struct cond *c = g_ptr_array_index(r->conds, k);

			g_hash_table_add(used, g_strdup_printf("%s=%s", c->dim,
			    c->value));
		}
	}
	for (guint i = 0; i < rs->classes->len; i++) {
		const struct class_rule *c = g_ptr_array_index(rs->classes, i);
		char *key = g_strdup_printf("%s=%s", c->dim, c->name);

		if (!g_hash_table_contains(used, key)) {
			diag_add(d, DIAG_WARNING, rs->file, c->line, c->col,
			    "class %s %s is used by no route", c->dim, c->name);
			/* Once per class, not per line defining it. */
			g_hash_table_add(used, key);
		} else
			g_free(key);
	}
	g_hash_table_destroy(used);
}

/* Owners nobody can reach: in no team, named by no route, escalation or
 * account. */
static void
check_unreachable_owners(const struct ruleset *rs, struct diag *d)
{
	GHashTable *reached;

	if (rs->owners == NULL)
		return;
	reached = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < rs->team_order->len; i++) {
		const struct team *t = g_ptr_array_index(rs->team_order, i);

		for (guint k = 0; k < t->members->len; k++)
			g_hash_table_add(reached, ((const struct owner *)
			    g_ptr_array_index(t->members, k))->id);
		if (t->escalate.id != NULL)
			g_hash_table_add(reached, t->escalate.id);
	}
	for (guint i = 0; i < rs->routes->len; i++) {
		const struct route *r = g_ptr_array_index(rs->routes, i);

		if (r->dest.kind == DEST_OWNER)
			g_hash_table_add(reached, r->dest.id);
	}
	if (rs->review_escalate.id != NULL)
		g_hash_table_add(reached, rs->review_escalate.id);
	if (rs->accounts != NULL) {
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, rs->accounts);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_add(reached, v);
	}
	for (guint i = 0; i < owners_count(rs->owners); i++) {
		const struct owner *o = owners_nth(rs->owners, i);

		if (!g_hash_table_contains(reached, o->id))
			diag_add(d, DIAG_WARNING, rs->owners_file, o->line, 0,
			    "owner %s is in no team and named by no route: "
			    "no lead can reach them", o->id);
	}
	g_hash_table_destroy(reached);
}

void
rules_scan_build(struct ruleset *rs)
{
	if (rs == NULL || rs->scan != NULL)
		return;
	rs->scan = scan_db_new();
	for (guint i = 0; i < rs->ignores->len; i++)
		expr_scan_add(((struct ignore_rule *)g_ptr_array_index(
		    rs->ignores, i))->cond, rs->scan);
	for (guint i = 0; i < rs->classes->len; i++)
		expr_scan_add(((struct class_rule *)g_ptr_array_index(
		    rs->classes, i))->cond, rs->scan);
	scan_db_compile(rs->scan);
}

void
rules_check(struct ruleset *rs, struct diag *d)
{
	GHashTableIter it;
	gpointer k, v;

	if (rs->owners_file != NULL)
		rs->owners = owners_load(rs->owners_file, d);
	load_accounts(rs, d);
	g_hash_table_iter_init(&it, rs->lists);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct list *l = v;

		if (l->file != NULL)
			load_list_file(l, d);
	}
	if ((v = g_hash_table_lookup(rs->lists, "freemail")) != NULL)
		rs->freemail = ((struct list *)v)->items;
	for (guint i = 0; rs->owners != NULL && i < owners_count(rs->owners);
	    i++)
		g_hash_table_add(rs->owner_addrs, g_utf8_strdown(
		    owners_nth(rs->owners, i)->email, -1));
	rs->lead.freemail = rs->freemail;
	rs->lead.inbox = g_hash_table_size(rs->inbox) > 0 ? rs->inbox : NULL;
	rs->lead.owners = g_hash_table_size(rs->owner_addrs) > 0 ?
	    rs->owner_addrs : NULL;
	resolve_teams(rs, d);
	find_owner(rs, &rs->review_escalate, d, "escalate");
	check_notify(rs, &rs->review_notify, d);
	for (guint i = 0; i < rs->queue_order->len; i++)
		check_notify(rs, &((struct queue *)g_ptr_array_index(
		    rs->queue_order, i))->notify, d);
	if (rs->review_digest >= 0 && rs->review_escalate.id == NULL)
		diag_add(d, DIAG_ERROR, rs->file, rs->digest_line,
		    rs->digest_col, "digest needs `escalate OWNER` on the "
		    "review line: the digest is sent to that owner");
	for (guint i = 0; i < rs->ignores->len; i++)
		resolve_expr(rs, ((struct ignore_rule *)
		    g_ptr_array_index(rs->ignores, i))->cond, d);
	for (guint i = 0; i < rs->classes->len; i++)
		resolve_expr(rs, ((struct class_rule *)
		    g_ptr_array_index(rs->classes, i))->cond, d);
	for (guint i = 0; i < rs->routes->len; i++)
		check_route(rs, g_ptr_array_index(rs->routes, i), d);
	check_shadowed(rs, d);
	check_unused_classes(rs, d);
	check_unreachable_owners(rs, d);
}
