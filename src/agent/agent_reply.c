/*
 * agent_reply.c: mail from an owner that answers one of their leads (they
 * Cc or Bcc the inbox) is no new lead: it is filed with the lead, the
 * first one stops the lead's SLA clock, and an out-of-office answer marks
 * the owner away for the rest of their day.
 */
#include "config.h"

#include <string.h>

#include "agent_p.h"
#include "auth.h"
#include "log.h"

/* The owner whose address addr is, or NULL. */
const struct owner *
owner_by_email(const struct agent *a, const char *addr)
{
	guint n = a->rs->owners != NULL ? owners_count(a->rs->owners) : 0;

	for (guint i = 0; addr != NULL && i < n; i++) {
		const struct owner *o = owners_nth(a->rs->owners, i);

		if (g_ascii_strcasecmp(o->email, addr) == 0)
			return o;
	}
	return NULL;
}

struct lead *
agent_lead(const struct agent *a, const char *data, size_t len)
{
	struct auth_policy p = { a->cfg->authserv_id,
	    a->cfg->authserv_microsoft };
	struct lead_ctx ctx = a->rs->lead;

	ctx.vouch = auth_vouch;	/* a forward needs the server's verdict */
	ctx.vouch_data = &p;
	return lead_from_bytes(data, len, &ctx);
}

/* The end of the day at t (Unix seconds) in o's timezone. */
static gint64
end_of_day(const struct owner *o, gint64 t)
{
	GDateTime *l = owner_local(o, t);
	GDateTime *mid = g_date_time_new(o->tz, g_date_time_get_year(l),
	    g_date_time_get_month(l), g_date_time_get_day_of_month(l), 0, 0, 0);
	GDateTime *next = g_date_time_add_days(mid, 1);
	gint64 end = g_date_time_to_unix(next);

	g_date_time_unref(next);
	g_date_time_unref(mid);
	g_date_time_unref(l);
	return end;
}

/*
 * The lead owner o's reply l answers: by its thread headers (the lead's
 * or its forward's Message-ID), else by its subject and the lead's
 * address among its recipients (a client that drops the headers), o's
 * own lead first.
 */
static enum lr_status
reply_lead(struct agent *a, const struct owner *o, const struct lead *l,
    struct journal_thread *th, const char **via)
{
	char *key;
	enum lr_status st;

	*via = "thread";
	if (l->thread != NULL && l->thread[0] != NULL &&
	    ((st = journal_thread_lead(a->j, (const char *const *)l->thread,
	    th)) != LR_OK || th->lead != 0))
		return st;
	*via = "subject";
	key = lead_subject_key(l->str[LF_SUBJECT]);
	st = journal_subject_lead(a->j, (const char *const *)l->recipients,
	    key, now_s() - AGENT_SUBJECT_WINDOW, o->id, th);
	g_free(key);
	return st;
}

/*
 * Whether mail from owner o's address is theirs: authenticated for their
 * domain by the receiving server's own verdict (auth.h; [inbox]
 * authserv_id). Else *why (owned) says what was missing.
 */
gboolean
owner_mail_verified(const struct agent *a, const struct owner *o,
    const struct lead *l, char **why)
{
	struct auth_policy p = { a->cfg->authserv_id,
	    a->cfg->authserv_microsoft };
	const char *at = strrchr(o->email, '@');

	return auth_verified(l, &p, at != NULL ? at + 1 : "", why);
}

/* An out-of-office answer: Auto-Submitted: auto-replied, X-Autoreply or
 * X-Autorespond. Other machine mail (lists, bulk, auto-generated) from an
 * owner's address is no sign of absence. */
static gboolean
out_of_office(const struct lead *l)
{
	const char *v[1];

	if (lead_values(l, LF_HEADER, "Auto-Submitted", v, 1) == 1 &&
	    g_ascii_strncasecmp(v[0], "auto-replied", 12) == 0)
		return TRUE;
	return lead_values(l, LF_HEADER, "X-Autoreply", v, 1) == 1 ||
	    lead_values(l, LF_HEADER, "X-Autorespond", v, 1) == 1;
}

/*
 * An owner's auto-reply to a lead of theirs not answered yet ("out of
 * office"): they are away for the rest of their day, and the lead is
 * re-routed at once (the board's next look, which follows this round).
 */
void
owner_away(struct agent *a, const struct owner *o, gint64 lead,
    const char *key)
{
	gint64 now = now_s(), until = end_of_day(o, now);
	char *at = owner_time_text(o, now, "%H:%M");
	char *why = g_strdup_printf("auto-reply at %s", at);

	if (journal_away_set(a->j, o->id, until, why, now) != LR_OK ||
	    journal_event(a->j, lead, "auto-reply", o->id, now) != LR_OK)
		log_warnx("journal: cannot record %s's auto-reply %s", o->id,
		    key);
	else
		log_warnx("owners: %s sent an auto-reply (%s): away for the "
		    "rest of the day; their lead is re-routed", o->id, key);
	a->next_board = 0;
	g_free(why);
	g_free(at);
}

/*
 * An owner's reply to a lead (they Cc or Bcc the inbox): not a new lead.
 * It is filed with the lead, and the first one is recorded as the lead's
 * first response, which stops its SLA clock; the lead owner's
 * auto-reply marks them away (owner_away). TRUE when message id was such
 * a reply (then it is decided and queued for filing).
 */
gboolean
owner_reply(struct agent *a, gint64 id, guint32 uid, const char *key,
    const struct lead *l, gint64 started)
{
	/* an owner's forward of a lead is the lead, not their reply;
	 * unless it is in the thread of a lead of theirs (a reply that
	 * quotes a forwarded message, or attaches the lead) */
	const struct owner *o = owner_by_email(a, l->forwarded_by != NULL ?
	    l->forwarded_by : l->author);
	struct journal_thread th = { 0 };
	struct journal_decision d = { 0 };
	char *folder, *reason;
	const char *via;
	char *unverified = NULL;
	gint64 at = l->date > 0 && l->date <= now_s() ? l->date : now_s();
	gboolean first, mine, away, verified;

	if (o == NULL || reply_lead(a, o, l, &th, &via) != LR_OK ||
	    th.lead == 0 || (l->forwarded_by != NULL &&
	    strcmp(via, "thread") != 0)) {
		journal_thread_clear(&th);
		return FALSE;
	}
	folder = th.folder != NULL ? g_strdup(th.folder) :
	    route_owner_folder(a->cfg->folder_prefix, th.owner);
	/* the lead's owner answering it; a colleague's reply is filed too;
	 * it changes routing state only when the receiving server vouches
	 * that it comes from the owner's domain */
	verified = owner_mail_verified(a, o, l, &unverified);
	mine = !th.answered && strcmp(o->id, th.owner) == 0;
	first = mine && !l->is_auto && verified;
	away = mine && out_of_office(l) && verified;
	reason = g_strdup_printf("%s%s from %s to a lead of %s%s%s%s%s",
	    verified ? "" : "unverified ", l->is_auto ? "auto-reply" : "reply",
	    o->id, th.owner, strcmp(via, "subject") == 0 ? " (by its subject)" :
	    "", first ? ": its first response" : away ? ": they are away, the "
	    "lead is re-routed" : "", verified ? "" : ": ", verified ? "" :
	    unverified);
	if (!verified)
		log_warnx("owners: %s from %s's address is not authenticated "
		    "(%s): filed with the lead, it changes nothing", key, o->id,
		    unverified);
	d.kind = DEST_REPLY;
	d.dest_id = o->id;
	d.folder = folder;
	d.reason = reason;
	d.lead_email = l->str[LF_EMAIL];
	if (journal_record_decision(a->j, id, &d, now_s()) != LR_OK ||
	    (first && journal_event(a->j, th.lead, "first-response", key,
	    at) != LR_OK)) {
		/* it stays in the inbox, for the next round */
		log_warnx("journal: cannot record the reply %s", key);
		a->kept++;
		goto done;
	}
	if (first)	/* its clock stopped: the mark goes at the next look */
		g_array_append_val(a->answered, th.lead);
	if (away)
		owner_away(a, o, th.lead, key);
	queue_file(a, folder, uid, id, FALSE, FALSE, NULL);
	log_info("lead %s %s -> %s: ok, %" G_GINT64_FORMAT " ms", key,
	    reason, folder, (g_get_monotonic_time() - started) / 1000);
done:
	g_free(unverified);
	g_free(folder);
	g_free(reason);
	journal_thread_clear(&th);
	return TRUE;
}
