/*
 * history.c: route_state callbacks over the journal. What cannot be
 * read counts as no history (the journal logs why): routing goes on.
 */
#include "config.h"

#include "history.h"
#include "journal_route.h"

static guint
leads_today(void *ctx, const struct owner *o, GDateTime *now)
{
	struct history *h = ctx;
	GDateTime *t = g_date_time_to_timezone(now, o->tz);
	char *day = g_date_time_format(t, "%Y-%m-%d");
	guint n = 0;

	if (journal_owner_load(h->j, o->id, day, &n) != LR_OK)
		n = 0;
	g_free(day);
	g_date_time_unref(t);
	return n;
}

static guint
leads_24h(void *ctx, const struct owner *o, GDateTime *now)
{
	struct history *h = ctx;
	guint n = 0;

	if (journal_owner_leads_since(h->j, o->id,
	    g_date_time_to_unix(now) - 86400, &n) != LR_OK)
		n = 0;
	return n;
}

static gint64
credit(void *ctx, const struct team *t, const struct owner *o)
{
	struct history *h = ctx;
	struct journal_rotation r;

	if (journal_rotation_get(h->j, t->id, o->id, &r) != LR_OK)
		return 0;
	return r.credit;
}

static void
sticky(void *ctx, const struct lead *l, GDateTime *now, gint64 window,
    struct route_sticky *out)
{
	struct history *h = ctx;
	struct journal_sticky s;
	const char *domain = lead_company_domain(l, h->rs->freemail);

	out->owner = out->why = NULL;
	if (window <= 0)
		domain = NULL;
	if (journal_sticky_owner(h->j, (const char *const *)l->thread,
	    window > 0 ? l->str[LF_EMAIL] : NULL, domain,
	    g_date_time_to_unix(now) - window, &s) != LR_OK ||
	    s.owner == NULL) {
		journal_sticky_clear(&s);
		return;
	}
	switch (s.via) {
	case JSTICKY_THREAD:
		out->why = g_strdup_printf("replies to %s, which went to %s",
		    s.evidence, s.owner);
		break;
	case JSTICKY_ADDRESS:
		out->why = g_strdup_printf("%s's earlier lead went to %s",
		    s.evidence, s.owner);
		break;
	default:
		out->why = g_strdup_printf("%s's earlier lead (%s) went to %s",
		    domain, s.evidence, s.owner);
		break;
	}
	out->owner = s.owner;
	s.owner = NULL;
	journal_sticky_clear(&s);
}

static gint64
away_until(void *ctx, const struct owner *o, char **why)
{
	struct history *h = ctx;
	gint64 until = 0;

	*why = NULL;
	if (journal_away_get(h->j, o->id, &until, why) != LR_OK)
		return 0;
	return until;
}

void
history_decision(const struct decision *dc, const struct lead *l,
    const struct ruleset *rs, struct journal_decision *jd)
{
	struct journal_credit *cr;

	jd->lead_domain = lead_company_domain(l, rs->freemail);
	jd->team = dc->kind == DEST_TEAM ? dc->id : NULL;
	jd->credits = NULL;
	jd->ncredits = 0;
	if (dc->credits == NULL || dc->credits->len == 0)
		return;
	cr = g_new(struct journal_credit, dc->credits->len);
	for (guint i = 0; i < dc->credits->len; i++) {
		const struct route_credit *c = &g_array_index(dc->credits,
		    struct route_credit, i);

		cr[i].owner = c->owner;
		cr[i].credit = c->credit;
	}
	jd->credits = cr;
	jd->ncredits = dc->credits->len;
}

void
history_state(struct route_state *st, struct history *h)
{
	st->leads_today = leads_today;
	st->leads_24h = leads_24h;
	st->credit = credit;
	st->sticky = sticky;
	st->away_until = away_until;
	st->ctx = h;
}
