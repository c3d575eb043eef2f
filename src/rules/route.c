/*
 * route.c: one lead through a rule set (spec sections 4.3-4.6). Ignore
 * filters first, then every dimension, then the first route whose every
 * condition holds, then the owner: named, from the accounts table, or
 * picked from a team by its rotation among the members available now.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "route.h"
#include "scan.h"

static void
dim_value_free(gpointer p)
{
	struct dim_value *dv = p;

	g_ptr_array_free(dv->matched, TRUE);
	g_ptr_array_free(dv->candidates, TRUE);
	g_free(dv);
}

void
decision_free(struct decision *dc)
{
	if (dc == NULL)
		return;
	g_free(dc->id);
	g_free(dc->owner);
	g_free(dc->folder);
	g_free(dc->reason);
	g_ptr_array_free(dc->dims, TRUE);
	g_ptr_array_free(dc->notes, TRUE);
	if (dc->credits != NULL)
		g_array_free(dc->credits, TRUE);
	g_free(dc);
}

const struct dim_value *
decision_dim(const struct decision *dc, const char *name)
{
	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *dv = g_ptr_array_index(dc->dims, i);

		if (strcmp(dv->name, name) == 0)
			return dv;
	}
	return NULL;
}

static gboolean
listed(GPtrArray *names, const char *name)
{
	for (guint i = 0; i < names->len; i++)
		if (strcmp(g_ptr_array_index(names, i), name) == 0)
			return TRUE;
	return FALSE;
}

/* Every class of dm against l: one, none, several, or first. */
static struct dim_value *
classify(const struct dimension *dm, const struct lead *l, struct scan *sc,
    struct expr_fault *fault)
{
	struct dim_value *dv = g_new0(struct dim_value, 1);
	const gboolean context = strcmp(dm->name, "context") == 0;

	dv->dim = dm;
	dv->name = dm->name;
	dv->matched = g_ptr_array_new_with_free_func(g_free);
	dv->candidates = g_ptr_array_new();
	for (guint i = 0; i < dm->classes->len; i++) {
		const struct class_rule *c = g_ptr_array_index(dm->classes, i);

		/* A class written on several lines matches once. */
		if (listed(dv->candidates, c->name))
			continue;
		if (!expr_eval(c->cond, l, sc, dv->matched, fault))
			continue;
		g_ptr_array_add(dv->candidates, c->name);
		if (dv->line == 0)
			dv->line = c->line;
		if (dm->first)
			break;
	}
	if (dv->candidates->len == 0)
		dv->value = context ? "new" : "unknown";
	else if (dv->candidates->len == 1)
		dv->value = g_ptr_array_index(dv->candidates, 0);
	else {
		dv->value = "ambiguous";
		dv->line = 0;
	}
	return dv;
}

static gboolean
route_matches(const struct route *r, const struct decision *dc)
{
	for (guint i = 0; i < r->conds->len; i++) {
		const struct cond *c = g_ptr_array_index(r->conds, i);
		const struct dim_value *dv = decision_dim(dc, c->dim);
		const char *v = dv != NULL ? dv->value : "unknown";

		if ((strcmp(v, c->value) == 0) == c->negate)
			return FALSE;
	}
	return TRUE;
}

static void
note(struct decision *dc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
note(struct decision *dc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(dc->notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* --- folder names: every one is built here ----------------------------- */

char *
route_owners_folder(const char *prefix)
{
	return g_strdup_printf("%s/Owners", prefix != NULL ? prefix :
	    CONFIG_DEFAULT_PREFIX);
}

char *
route_owner_folder(const char *prefix, const char *id)
{
	return g_strdup_printf("%s/Owners/%s", prefix != NULL ? prefix :
	    CONFIG_DEFAULT_PREFIX, id);
}

char *
route_review_folder(const struct ruleset *rs, const char *prefix)
{
	return rs->review_folder != NULL ? g_strdup(rs->review_folder) :
	    g_strdup_printf("%s/Review", prefix != NULL ? prefix :
	    CONFIG_DEFAULT_PREFIX);
}

char *
route_ignore_folder(const struct ruleset *rs, const char *prefix)
{
	return rs->ignore_folder != NULL ? g_strdup(rs->ignore_folder) :
	    g_strdup_printf("%s/Ignored", prefix != NULL ? prefix :
	    CONFIG_DEFAULT_PREFIX);
}

char *
route_failed_folder(const char *prefix)
{
	return g_strdup_printf("%s/Failed", prefix != NULL ? prefix :
	    CONFIG_DEFAULT_PREFIX);
}

/* q's own folder, else <prefix>/Queues/<id> (q NULL: by id alone). */
static char *
queue_folder(const struct queue *q, const char *id, const char *prefix)
{
	return q != NULL && q->folder != NULL ? g_strdup(q->folder) :
	    g_strdup_printf("%s/Queues/%s", prefix != NULL ? prefix :
	    CONFIG_DEFAULT_PREFIX, id);
}

/* --- decisions --------------------------------------------------------- */

static void to_review(struct decision *, const struct ruleset *,
    const char *, char *);

void
decision_to_review(struct decision *dc, const struct ruleset *rs,
    const char *prefix, const char *reason)
{
	to_review(dc, rs, prefix, g_strdup(reason));
}

static void
to_review(struct decision *dc, const struct ruleset *rs, const char *prefix,
    char *reason)
{
	dc->kind = DEST_REVIEW;
	g_free(dc->id);
	dc->id = NULL;
	g_free(dc->owner);
	dc->owner = NULL;
	g_free(dc->reason);
	dc->reason = reason;
	g_free(dc->folder);
	dc->folder = route_review_folder(rs, prefix);
}

GPtrArray *
route_folders(const struct ruleset *rs, const char *prefix)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(a, route_review_folder(rs, prefix));
	g_ptr_array_add(a, route_ignore_folder(rs, prefix));
	for (guint i = 0; rs->queue_order != NULL &&
	    i < rs->queue_order->len; i++) {
		const struct queue *q = g_ptr_array_index(rs->queue_order, i);

		g_ptr_array_add(a, queue_folder(q, q->id, prefix));
	}
	for (guint i = 0; rs->owners != NULL &&
	    i < owners_count(rs->owners); i++)
		g_ptr_array_add(a, route_owner_folder(prefix,
		    owners_nth(rs->owners, i)->id));
	return a;
}

/* Is folder the (owned, freed here) name f? */
static gboolean
is_folder(char *f, const char *folder)
{
	gboolean same = strcmp(f, folder) == 0;

	g_free(f);
	return same;
}

gboolean
route_folder_dest(const struct ruleset *rs, const char *prefix,
    const char *folder, enum dest_kind *kind, const char **id)
{
	char *owners;
	const struct owner *o = NULL;

	*id = NULL;
	owners = route_owner_folder(prefix, "");
	if (g_str_has_prefix(folder, owners) && rs->owners != NULL)
		o = owners_find(rs->owners, folder + strlen(owners));
	g_free(owners);
	if (o != NULL) {
		*kind = DEST_OWNER;
		*id = o->id;
		return TRUE;
	}
	if (is_folder(route_review_folder(rs, prefix), folder)) {
		*kind = DEST_REVIEW;
		return TRUE;
	}
	if (is_folder(route_ignore_folder(rs, prefix), folder)) {
		*kind = DEST_IGNORE;
		return TRUE;
	}
	for (guint i = 0; rs->queue_order != NULL &&
	    i < rs->queue_order->len; i++) {
		const struct queue *q = g_ptr_array_index(rs->queue_order, i);

		if (is_folder(queue_folder(q, q->id, prefix), folder)) {
			*kind = DEST_QUEUE;
			*id = q->id;
			return TRUE;
		}
	}
	return FALSE;
}

static void
to_owner(struct decision *dc, const struct owner *o, const char *prefix)
{
	dc->owner = g_strdup(o->id);
	dc->folder = route_owner_folder(prefix, o->id);
}

enum owner_avail
route_owner_available(const struct owner *o, GDateTime *now,
    const struct route_state *st, gboolean for_team, char **text)
{
	guint today = for_team && st != NULL && st->leads_today != NULL ?
	    st->leads_today(st->ctx, o, now) : 0;
	enum owner_avail a = owner_available(o, now, today, for_team);
	gint64 until = 0;
	char *why = NULL;

	if (a == AVAIL_YES && st != NULL && st->away_until != NULL) {
		until = st->away_until(st->ctx, o, &why);
		if (until > g_date_time_to_unix(now))
			a = AVAIL_AWAY;
	}
	if (text != NULL && a == AVAIL_YES)
		*text = NULL;
	else if (text != NULL && until > g_date_time_to_unix(now)) {
		char *when = owner_time_text(o, until, "%Y-%m-%d %H:%M");

		*text = g_strdup_printf("away until %s%s%s%s", when,
		    why != NULL ? " (" : "", why != NULL ? why : "",
		    why != NULL ? ")" : "");
		g_free(when);
	} else if (text != NULL)
		*text = owner_avail_text(o, a);
	g_free(why);
	return a;
}

/* A named owner (directly or by account): away or inactive -> review. */
static void
route_owner(struct decision *dc, const struct ruleset *rs, const char *id,
    GDateTime *now, const char *prefix, const struct route_state *st)
{
	const struct owner *o = rs->owners ? owners_find(rs->owners, id) : NULL;
	enum owner_avail a;
	char *why;

	dc->kind = DEST_OWNER;
	dc->id = g_strdup(id);
	if (o == NULL) {	/* check rejects this; be safe anyway */
		to_review(dc, rs, prefix, g_strdup_printf("route %d: owner %s "
		    "unknown", dc->route_line, id));
		return;
	}
	if ((a = route_owner_available(o, now, st, FALSE, &why)) !=
	    AVAIL_YES) {
		to_review(dc, rs, prefix, g_strdup_printf("route %d: owner %s "
		    "unavailable (%s)", dc->route_line, id, why));
		g_free(why);
		return;
	}
	to_owner(dc, o, prefix);
}

/* One member in a rotation pick. */
struct cand {
	const struct owner *o;
	gint64 weight, credit;
	guint load;		/* leads in the last 24 h (least-loaded) */
};

/*
 * Smooth weighted round robin (as nginx balances upstreams) over the
 * members available now: each gains its weight (1 for round-robin), the
 * one with the most credit gets the lead and gives back the sum of the
 * weights. Over any run of leads each member's share follows its weight,
 * spread evenly, and a member who was away does not come back with a
 * pile of credit. least-loaded takes the fewest leads in the last 24
 * hours instead, the credit breaking ties. Ties left: member order.
 * Returns the index in cands of the pick, the credits updated; -1 if
 * cands is empty.
 */
static int
rotate_pick(enum rotate how, GArray *cands)
{
	gint64 total = 0;
	int best = -1;

	for (guint i = 0; i < cands->len; i++) {
		struct cand *c = &g_array_index(cands, struct cand, i);

		total += c->weight;
		c->credit += c->weight;
	}
	for (guint i = 0; i < cands->len; i++) {
		const struct cand *c = &g_array_index(cands, struct cand, i);
		const struct cand *b = best >= 0 ?
		    &g_array_index(cands, struct cand, best) : NULL;

		if (b == NULL ||
		    (how == ROTATE_LEAST_LOADED && c->load < b->load) ||
		    ((how != ROTATE_LEAST_LOADED || c->load == b->load) &&
		    c->credit > b->credit))
			best = (int)i;
	}
	if (best >= 0)
		g_array_index(cands, struct cand, best).credit -= total;
	return best;
}

/* The members of t available now, with their state; why gets a reason
 * for each one skipped. */
static GArray *
candidates(const struct team *t, GDateTime *now,
    const struct route_state *st, GPtrArray *why, GHashTable *exclude)
{
	GArray *cands = g_array_new(FALSE, FALSE, sizeof(struct cand));

	for (guint i = 0; i < t->members->len; i++) {
		const struct owner *o = g_ptr_array_index(t->members, i);
		struct cand c = { o, 1, 0, 0 };
		char *w;

		if (exclude != NULL && g_hash_table_contains(exclude, o->id))
			continue;
		if (route_owner_available(o, now, st, TRUE, &w) != AVAIL_YES) {
			g_ptr_array_add(why, g_strdup_printf("%s skipped: %s",
			    o->id, w));
			g_free(w);
			continue;
		}
		if (t->rotate == ROTATE_WEIGHTED)
			c.weight = o->weight;
		if (st != NULL && st->credit != NULL)
			c.credit = st->credit(st->ctx, t, o);
		if (t->rotate == ROTATE_LEAST_LOADED && st != NULL &&
		    st->leads_24h != NULL)
			c.load = st->leads_24h(st->ctx, o, now);
		g_array_append_val(cands, c);
	}
	return cands;
}

const struct owner *
route_team_next(const struct team *t, GDateTime *now,
    const struct route_state *st, GPtrArray **why, GHashTable *exclude)
{
	GPtrArray *w = g_ptr_array_new_with_free_func(g_free);
	GArray *cands = candidates(t, now, st, w, exclude);
	int best = rotate_pick(t->rotate, cands);
	const struct owner *o = best >= 0 ?
	    g_array_index(cands, struct cand, best).o : NULL;

	g_array_free(cands, TRUE);
	if (why != NULL && w->len > 0)
		*why = w;
	else {
		if (why != NULL)
			*why = NULL;
		g_ptr_array_free(w, TRUE);
	}
	return o;
}

const struct owner *
route_chase_next(const struct ruleset *rs, const struct team *t,
    GDateTime *now, const struct route_state *st, GHashTable *had,
    gboolean *escalation)
{
	const struct owner *next;

	*escalation = FALSE;
	if (t == NULL)
		return NULL;
	next = route_team_next(t, now, st, NULL, had);
	if (next != NULL || t->escalate.id == NULL || rs->owners == NULL ||
	    g_hash_table_contains(had, t->escalate.id))
		return next;
	next = owners_find(rs->owners, t->escalate.id);
	if (next == NULL || route_owner_available(next, now, st, FALSE,
	    NULL) != AVAIL_YES)
		return NULL;
	*escalation = TRUE;
	return next;
}

/*
 * The member a team's rotation picks now (rotate_pick), and the team's
 * credits after the pick in dc->credits for the caller to keep. Without
 * history (explain) every credit is 0: round-robin and least-loaded take
 * the first member available, weighted the heaviest.
 */
static void
route_team(struct decision *dc, const struct ruleset *rs,
    const struct team *t, GDateTime *now, const char *prefix,
    const struct route_state *st)
{
	GArray *cands = candidates(t, now, st, dc->notes, NULL);
	int best = rotate_pick(t->rotate, cands);

	dc->kind = DEST_TEAM;
	dc->id = g_strdup(t->id);
	if (best < 0) {
		g_array_free(cands, TRUE);
		to_review(dc, rs, prefix, g_strdup_printf("route %d: no "
		    "available owner in team %s", dc->route_line, t->id));
		return;
	}
	dc->credits = g_array_sized_new(FALSE, FALSE,
	    sizeof(struct route_credit), cands->len);
	for (guint i = 0; i < cands->len; i++) {
		const struct cand *c = &g_array_index(cands, struct cand, i);
		struct route_credit rc = { c->o->id, c->credit };

		g_array_append_val(dc->credits, rc);
	}
	if (cands->len > 1 && t->rotate == ROTATE_LEAST_LOADED &&
	    st != NULL && st->leads_24h != NULL)
		note(dc, "%s has the fewest leads in 24 h (%u)",
		    g_array_index(cands, struct cand, best).o->id,
		    g_array_index(cands, struct cand, best).load);
	to_owner(dc, g_array_index(cands, struct cand, best).o, prefix);
	g_array_free(cands, TRUE);
}

static void
destination(struct decision *dc, const struct ruleset *rs,
    const struct route *r, const struct lead *l, GDateTime *now,
    const char *prefix, const struct route_state *st)
{
	switch (r->dest.kind) {
	case DEST_OWNER:
		dc->reason = g_strdup_printf("route %d", r->line);
		route_owner(dc, rs, r->dest.id, now, prefix, st);
		break;
	case DEST_ACCOUNT_OWNER: {
		char *dom = l->str[LF_DOMAIN] ? expr_fold(l->str[LF_DOMAIN]) :
		    NULL;
		const char *id = expr_domain_lookup(rs->accounts, dom);

		g_free(dom);
		if (id == NULL) {
			to_review(dc, rs, prefix, g_strdup_printf("route %d: no "
			    "account owner for %s", r->line,
			    l->str[LF_DOMAIN] ? l->str[LF_DOMAIN] :
			    "a lead without a domain"));
			break;
		}
		dc->reason = g_strdup_printf("route %d", r->line);
		note(dc, "account %s is owned by %s", l->str[LF_DOMAIN], id);
		route_owner(dc, rs, id, now, prefix, st);
		break;
	}
	case DEST_TEAM:
		dc->reason = g_strdup_printf("route %d", r->line);
		route_team(dc, rs, g_hash_table_lookup(rs->teams, r->dest.id),
		    now, prefix, st);
		break;
	case DEST_QUEUE: {
		const struct queue *q = g_hash_table_lookup(rs->queues,
		    r->dest.id);

		dc->kind = DEST_QUEUE;
		dc->id = g_strdup(r->dest.id);
		dc->reason = g_strdup_printf("route %d", r->line);
		dc->folder = queue_folder(q, r->dest.id, prefix);
		break;
	}
	case DEST_REVIEW:
		to_review(dc, rs, prefix, r->reason != NULL ?
		    g_strdup_printf("route %d: %s", r->line, r->reason) :
		    g_strdup_printf("route %d", r->line));
		break;
	case DEST_IGNORE:
		dc->kind = DEST_IGNORE;
		dc->reason = r->reason != NULL ?
		    g_strdup_printf("route %d: %s", r->line, r->reason) :
		    g_strdup_printf("route %d", r->line);
		dc->folder = route_ignore_folder(rs, prefix);
		break;
	case DEST_REPLY:	/* the journal's, never a route's */
		break;
	}
}

/*
 * Sticky ownership: a lead that replies to a thread an owner has, or
 * comes from an address or company domain an owner had within the
 * rules' `sticky` window, goes to that owner if available (status and
 * away; not hours or caps: it is their lead already). It overrides a
 * team's rotation, a queue and review; not ignore, and not a route that
 * names an owner who is available.
 */
static void
sticky(struct decision *dc, const struct ruleset *rs, const struct lead *l,
    GDateTime *now, const char *prefix, const struct route_state *st)
{
	struct route_sticky sk = { 0 };
	const struct owner *o;
	char *was, *why;

	if (st == NULL || st->sticky == NULL || rs->owners == NULL)
		return;
	st->sticky(st->ctx, l, now, rs->sticky, &sk);
	if (sk.owner == NULL)
		goto out;
	if ((o = owners_find(rs->owners, sk.owner)) == NULL) {
		note(dc, "sticky: %s; %s is no longer an owner", sk.why,
		    sk.owner);
		goto out;
	}
	if (route_owner_available(o, now, st, FALSE, &why) != AVAIL_YES) {
		note(dc, "sticky: %s; %s is unavailable (%s), so the rules "
		    "decide", sk.why, o->id, why);
		g_free(why);
		goto out;
	}
	was = dc->id != NULL ? g_strdup_printf("%s %s",
	    rules_dest_kind_name(dc->kind), dc->id) :
	    g_strdup(rules_dest_kind_name(dc->kind));
	note(dc, "without it: %s (%s)", was, dc->reason);
	g_free(was);
	g_free(dc->id);
	g_free(dc->owner);
	g_free(dc->folder);
	g_free(dc->reason);
	if (dc->credits != NULL)
		g_array_free(dc->credits, TRUE);
	dc->credits = NULL;
	dc->kind = DEST_OWNER;
	dc->id = g_strdup(o->id);
	dc->reason = dc->route_line > 0 ? g_strdup_printf("route %d; sticky: "
	    "%s", dc->route_line, sk.why) : g_strdup_printf("sticky: %s",
	    sk.why);
	dc->sticky = TRUE;
	to_owner(dc, o, prefix);
out:
	g_free(sk.owner);
	g_free(sk.why);
}

static struct decision *
decide(const struct ruleset *rs, const struct lead *l, struct scan *sc,
    GDateTime *now, const char *prefix, const struct route_state *st)
{
	struct decision *dc = g_new0(struct decision, 1);
	struct expr_fault fault = { 0 };

	dc->dims = g_ptr_array_new_with_free_func(dim_value_free);
	dc->notes = g_ptr_array_new_with_free_func(g_free);

	/* Dimensions are worked out even for ignored mail: explain shows
	 * them, and they cost little. */
	for (guint i = 0; i < rs->dims->len; i++)
		g_ptr_array_add(dc->dims, classify(g_ptr_array_index(rs->dims,
		    i), l, sc, &fault));
	if (rules_dimension(rs, "context") == NULL) {
		struct dim_value *dv = g_new0(struct dim_value, 1);

		dv->name = "context";
		dv->value = "new";
		dv->matched = g_ptr_array_new_with_free_func(g_free);
		dv->candidates = g_ptr_array_new();
		g_ptr_array_add(dc->dims, dv);
	}

	/* leadroute's own forwards never route again, whatever the rules. */
	if (lead_values(l, LF_HEADER, ROUTE_LOOP_HEADER, (const char *[1]){0},
	    1) > 0) {
		dc->kind = DEST_IGNORE;
		dc->reason = g_strdup("leadroute's own mail (" ROUTE_LOOP_HEADER
		    ")");
		dc->folder = route_ignore_folder(rs, prefix);
		expr_fault_clear(&fault);
		return dc;
	}
	for (guint i = 0; i < rs->ignores->len; i++) {
		const struct ignore_rule *ig = g_ptr_array_index(rs->ignores, i);

		if (expr_eval(ig->cond, l, sc, NULL, &fault) &&
		    fault.why == NULL) {
			dc->kind = DEST_IGNORE;
			dc->ignore_line = ig->line;
			dc->reason = g_strdup_printf("ignore %d: %s", ig->line,
			    ig->reason);
			dc->folder = route_ignore_folder(rs, prefix);
			return dc;
		}
	}
	/* a test that could not be evaluated: no decision on a guess */
	if (fault.why != NULL) {
		char *why = g_strdup_printf("line %d: the rule cannot be "
		    "evaluated for this lead (%s)", fault.line, fault.why);

		to_review(dc, rs, prefix, why);
		expr_fault_clear(&fault);
		return dc;
	}
	/* a web form's fields without the address of whoever filled it in:
	 * never routed on the form tool's sender (spec 6, v2); nor the
	 * team's own mail, which forwards no lead */
	if (l->forward_unverified != NULL) {
		to_review(dc, rs, prefix, g_strdup_printf("a forward from %s "
		    "that the receiving server did not authenticate (%s)",
		    l->forwarded_by, l->forward_unverified));
		return dc;
	}
	if (l->no_address || l->internal) {
		to_review(dc, rs, prefix, l->is_form && l->no_address ?
		    g_strdup("form notification without the lead's address "
		    "(no email field, no Reply-To)") : l->no_address ?
		    g_strdup_printf("no address of the lead: %s is a no-reply "
		    "or form tool's sender, and there is no Reply-To",
		    l->author) : g_strdup_printf("mail from the team's own "
		    "address %s that forwards no lead", l->author));
		return dc;
	}
	for (guint i = 0; i < rs->routes->len && dc->route == NULL; i++) {
		const struct route *r = g_ptr_array_index(rs->routes, i);

		if (route_matches(r, dc)) {
			dc->route = r;
			dc->route_line = r->line;
			destination(dc, rs, r, l, now, prefix, st);
		}
	}
	if (dc->route == NULL)
		to_review(dc, rs, prefix, g_strdup("no route matched"));
	if (dc->kind != DEST_IGNORE && !(dc->kind == DEST_OWNER &&
	    dc->owner != NULL))
		sticky(dc, rs, l, now, prefix, st);
	return dc;
}

struct decision *
route_decide(const struct ruleset *rs, const struct lead *l, GDateTime *now,
    const char *prefix, const struct route_state *st)
{
	/* one Vectorscan pass a field for all the rules' patterns */
	struct scan *sc = scan_new(rs->scan, l);
	struct decision *dc = decide(rs, l, sc, now, prefix, st);

	scan_free(sc);
	return dc;
}
