/*
 * owners.h: the owner table (owners.csv, spec section 5) and owner
 * availability at a given moment: status, away_until, working hours in
 * the owner's timezone, daily cap. Loading validates every row and reports
 * problems to a diag; the table is immutable afterwards. The table owns
 * its owners; lookups return borrowed pointers.
 */
#ifndef LR_OWNERS_H
#define LR_OWNERS_H

#include <glib.h>

#include "diag.h"

enum owner_status { OWNER_ACTIVE = 0, OWNER_AWAY, OWNER_INACTIVE };

/* Working hours: for each weekday (0 = Monday .. 6 = Sunday) a list of
 * [start, end) minute ranges since midnight; no ranges at all = always. */
#define HOURS_MAX_RANGES 4
struct hours {
	gboolean always;		/* TRUE when the column was empty */
	guint nranges[7];
	guint16 start[7][HOURS_MAX_RANGES];	/* minutes since 00:00 */
	guint16 end[7][HOURS_MAX_RANGES];	/* exclusive; 1440 = midnight */
};

struct owner {
	char *id;		/* owned; [a-z][a-z0-9_-]* */
	char *name;		/* owned; NULL when empty */
	char *email;		/* owned */
	char *slack;		/* owned; NULL when empty */
	char **teams;		/* owned, NULL-terminated, as written */
	guint weight;		/* >= 1 */
	guint max_per_day;	/* 0 = no cap */
	char *timezone;		/* owned; NULL = UTC */
	GTimeZone *tz;		/* owned; UTC when no timezone */
	struct hours hours;
	enum owner_status status;
	GDate away_until;	/* g_date_valid() FALSE when empty */
	gint64 sla;		/* seconds to a first response, in working
				 * hours; 0: the team's, if any */
	guint line;		/* line in owners.csv */
};

struct owner_table;

/*
 * Load owners.csv. Errors (to d, as FILE:LINE:COL): unreadable file, no id
 * or email column, invalid id, invalid email address, duplicate id, bad
 * weight / max_per_day / timezone / hours / status / away_until. Rows with
 * errors are left out. Returns NULL only when the file cannot be read.
 */
struct owner_table *owners_load(const char *path, struct diag *d);
/* The same from memory (for tests); file is the name used in messages. */
struct owner_table *owners_parse(const char *data, gsize len,
    const char *file, struct diag *d);
void owners_free(struct owner_table *t);

guint owners_count(const struct owner_table *t);
const struct owner *owners_nth(const struct owner_table *t, guint i);
const struct owner *owners_find(const struct owner_table *t, const char *id);

enum owner_avail {
	AVAIL_YES = 0,
	AVAIL_INACTIVE,		/* status inactive */
	AVAIL_AWAY,		/* status away, or away_until not yet over */
	AVAIL_OFF_HOURS,	/* outside working hours */
	AVAIL_CAPPED		/* max_per_day reached */
};

/*
 * Is o available at now? status and away apply always; working hours and
 * the daily cap (leads_today against max_per_day) only when for_team.
 * away_until keeps the owner away through the end of that day in the
 * owner's timezone, whatever the status column says.
 */
enum owner_avail owner_available(const struct owner *o, GDateTime *now,
    guint leads_today, gboolean for_team);
/*
 * Seconds of o's working hours between from and to (Unix seconds), in
 * o's timezone; to - from when o works always. An SLA of "15m in working
 * hours" is breached once this reaches 900. Spans longer than
 * OWNER_WORK_MAX_DAYS count that many days.
 */
#define OWNER_WORK_MAX_DAYS	60
gint64 owner_work_seconds(const struct owner *o, gint64 from, gint64 to);

/* t (Unix seconds) on o's clock, in o's timezone (caller unrefs); NULL
 * only for a t GLib cannot hold. */
GDateTime *owner_local(const struct owner *o, gint64 t);
/* t on o's clock as g_date_time_format(fmt) writes it; "?" when NULL. */
char *owner_time_text(const struct owner *o, gint64 t, const char *fmt);

/* A few words for explain and logs: "inactive", "away until 2026-12-01",
 * "outside working hours (Mon-Fri 09:00-17:30 Europe/Berlin)", ... Caller
 * owns the result. */
char *owner_avail_text(const struct owner *o, enum owner_avail a);

/* Parse an hours column ("Mon-Fri 09:00-17:30", "Mon,Wed 08:00-12:00
 * 13:00-17:00; Sat 10:00-14:00"); FALSE with *why set on error. */
gboolean hours_parse(const char *s, struct hours *h, const char **why);
/* Parse a whole "HH:MM" (00:00 to 23:59) into minutes since midnight. */
gboolean hours_time(const char *s, guint *min);
/* Parse "owner@example.com": a plausible addr-spec with a dotted domain. */
gboolean email_valid(const char *s);

#endif
