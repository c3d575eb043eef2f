/*
 * digest.c: the daily digest of open review items. It lists what waits in
 * the review folder, oldest first, so that the person who answers for
 * review sees the queue once a day from any mail client, also when every
 * lead in it was escalated long ago. Text only: every item is already in
 * the review folder, nothing needs attaching.
 */
#include "config.h"

#include <string.h>

#include "digest.h"
#include "duration.h"

/* Does o work on the local day of t? */
static gboolean
works_on(const struct owner *o, GDateTime *t)
{
	return o->hours.always ||
	    o->hours.nranges[g_date_time_get_day_of_week(t) - 1] > 0;
}

gint64
digest_due(const struct owner *o, int minute, gint64 now)
{
	GDateTime *local = owner_local(o, now);
	GDateTime *t = local != NULL ? g_date_time_new(o->tz,
	    g_date_time_get_year(local), g_date_time_get_month(local),
	    g_date_time_get_day_of_month(local), minute / 60, minute % 60, 0) :
	    NULL;
	gint64 due = t != NULL && g_date_time_to_unix(t) <= now &&
	    works_on(o, t) ? g_date_time_to_unix(t) : 0;

	if (t != NULL)
		g_date_time_unref(t);
	if (local != NULL)
		g_date_time_unref(local);
	return due;
}

char *
digest_subject(const struct digest_item *items, guint n, gint64 now)
{
	char *oldest = duration_text(MAX(now - items[0].since, 0));
	char *s = g_strdup_printf("%u lead%s waiting in review (oldest %s)", n,
	    n == 1 ? "" : "s", oldest);

	g_free(oldest);
	return s;
}

/* s on one line: controls (a folded subject's CR LF) as spaces. */
static void
put_line(GString *out, const char *label, const char *s)
{
	g_string_append_printf(out, "     %-9s", label);
	for (; *s != '\0'; s++)
		g_string_append_c(out, (guchar)*s < 0x20 || *s == 0x7f ? ' ' :
		    *s);
	g_string_append_c(out, '\n');
}

char *
digest_text(const struct digest_item *items, guint n, gint64 now,
    const struct digest_spec *sp, const struct owner *o)
{
	GString *out = g_string_new(NULL);
	char *at = owner_time_text(o, now, "%a %d %b %Y %H:%M");
	guint late = 0, shown = MIN(n, DIGEST_MAX_ITEMS);

	for (guint i = 0; i < n; i++)
		if (sp->sla > 0 && now - items[i].since > sp->sla)
			late++;
	g_string_append_printf(out, "%u lead%s %s waiting in %s on %s (%s)",
	    n, n == 1 ? "" : "s", n == 1 ? "is" : "are", sp->review_folder, at,
	    o->timezone != NULL ? o->timezone : "UTC");
	if (late > 0) {
		char *sla = duration_text(sp->sla);

		g_string_append_printf(out, "; %u past the review SLA of %s",
		    late, sla);
		g_free(sla);
	}
	g_string_append(out, ".\n");
	g_string_append_printf(out, "To assign one, move it into %s/<owner>; "
	    "to drop one, into %s.\n", sp->owners_folder, sp->ignore_folder);
	for (guint i = 0; i < shown; i++) {
		const struct digest_item *it = &items[i];
		char *since = owner_time_text(o, it->since, "%a %d %b %H:%M");
		char *waited = duration_text(MAX(now - it->since, 0));
		gboolean past = sp->sla > 0 && now - it->since > sp->sla;

		g_string_append_printf(out, "\n%3u. since %s, waiting %s%s%s\n",
		    i + 1, since, waited, past ? ", past the SLA" : "",
		    it->escalated ? ", escalated" : "");
		put_line(out, "From:", it->email != NULL ? it->email :
		    "(no address)");
		put_line(out, "Subject:", it->subject != NULL ? it->subject :
		    "(none)");
		put_line(out, "Why:", it->reason != NULL ? it->reason :
		    "(no reason recorded)");
		if (it->key != NULL && strncmp(it->key, "sha256:", 7) != 0)
			put_line(out, "Id:", it->key);
		g_free(since);
		g_free(waited);
	}
	if (n > shown)
		g_string_append_printf(out, "\n... and %u more, newer than "
		    "these.\n", n - shown);
	g_string_append(out, "\n-- \nleadroute: the daily review digest "
	    "(the rules' review line, `digest`).\n");
	g_free(at);
	return g_string_free(out, FALSE);
}
