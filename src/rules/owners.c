/*
 * owners.c: the owner table (spec section 5) and owner availability.
 * Every cell of owners.csv is checked and every problem reported in one
 * pass; a row with any problem is left out, so the table only holds
 * owners that routing can trust. Duplicate ids are judged over all rows,
 * left out or not: two rows claiming one id are both suspect.
 *
 * The timezone column is whatever g_time_zone_new_identifier() accepts:
 * IANA names, and also "UTC", offsets such as "+02:00" and POSIX TZ
 * strings. Working hours are judged in that zone, start inclusive and end
 * exclusive; away_until keeps an owner away through the end of that day
 * there.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "csv.h"
#include "duration.h"
#include "owners.h"

#define OWNERS_MAX_NUMBER	1000000	/* weight and max_per_day */
#define EMAIL_MAX		254	/* RFC 5321 path limit less <> */

struct owner_table {
	GPtrArray *owners;	/* of struct owner *, owned, file order */
	GHashTable *by_id;	/* id -> struct owner *, both borrowed */
};

enum ocol {
	OC_ID, OC_NAME, OC_EMAIL, OC_SLACK, OC_TEAM, OC_WEIGHT, OC_MAX,
	OC_TZ, OC_HOURS, OC_STATUS, OC_AWAY, OC_SLA, OC_N
};

static const char *const ocol_names[OC_N] = {
	[OC_ID] = "id", [OC_NAME] = "name", [OC_EMAIL] = "email",
	[OC_SLACK] = "slack", [OC_TEAM] = "team", [OC_WEIGHT] = "weight",
	[OC_MAX] = "max_per_day", [OC_TZ] = "timezone", [OC_HOURS] = "hours",
	[OC_STATUS] = "status", [OC_AWAY] = "away_until", [OC_SLA] = "sla",
};

static const char *const day_names[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};

/* One row being turned into an owner. */
struct row_ctx {
	const char *file;		/* borrowed */
	struct diag *d;			/* borrowed */
	const struct csv_row *r;	/* borrowed */
	const int *cols;		/* csv column of each ocol, or -1 */
	gboolean bad;			/* a problem was reported */
};

/* --- hours ------------------------------------------------------------ */

static void
skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static gboolean
parse_day(const char **p, guint *day)
{
	for (guint i = 0; i < 7; i++)
		if (g_ascii_strncasecmp(*p, day_names[i], 3) == 0 &&
		    !g_ascii_isalpha((*p)[3])) {
			*day = i;
			*p += 3;
			return TRUE;
		}
	return FALSE;
}

/* "Mon", "Fri-Mon" (wrapping), "Mon,Wed-Thu": a set of days as bits. */
static gboolean
parse_days(const char **p, guint *set)
{
	guint a, b;

	*set = 0;
	for (;;) {
		skip_ws(p);
		if (!parse_day(p, &a))
			return FALSE;
		b = a;
		skip_ws(p);
		if (**p == '-') {
			(*p)++;
			skip_ws(p);
			if (!parse_day(p, &b))
				return FALSE;
		}
		for (guint d = a;; d = (d + 1) % 7) {
			*set |= 1u << d;
			if (d == b)
				break;
		}
		skip_ws(p);
		if (**p != ',')
			return TRUE;
		(*p)++;
	}
}

/* "9:00" or "09:00" up to "24:00", as minutes since midnight. */
static gboolean
parse_time(const char **p, guint *min)
{
	const char *s = *p;
	guint h = 0, m;

	if (!g_ascii_isdigit(*s))
		return FALSE;
	h = (guint)(*s++ - '0');
	if (g_ascii_isdigit(*s))
		h = h * 10 + (guint)(*s++ - '0');
	if (*s++ != ':' || !g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[1]))
		return FALSE;
	m = (guint)(s[0] - '0') * 10 + (guint)(s[1] - '0');
	if (g_ascii_isdigit(s[2]) || h > 24 || m > 59 || (h == 24 && m > 0))
		return FALSE;
	*min = h * 60 + m;
	*p = s + 2;
	return TRUE;
}

gboolean
hours_time(const char *s, guint *min)
{
	const char *p = s;

	return parse_time(&p, min) && *p == '\0' && *min < 1440;
}

/* Add [start, end) to every day in set, keeping each day sorted. */
static gboolean
add_range(struct hours *h, guint set, guint start, guint end)
{
	for (guint d = 0; d < 7; d++) {
		guint i;

		if ((set & (1u << d)) == 0)
			continue;
		if (h->nranges[d] == HOURS_MAX_RANGES)
			return FALSE;
		for (i = h->nranges[d]; i > 0 && h->start[d][i - 1] > start;
		    i--) {
			h->start[d][i] = h->start[d][i - 1];
			h->end[d][i] = h->end[d][i - 1];
		}
		h->start[d][i] = (guint16)start;
		h->end[d][i] = (guint16)end;
		h->nranges[d]++;
	}
	return TRUE;
}

/* The time ranges after a group's days: at least one. */
static gboolean
parse_ranges(const char **p, struct hours *h, guint set, const char **why)
{
	guint start, end, n = 0;

	for (;; n++) {
		skip_ws(p);
		if (!g_ascii_isdigit(**p))
			break;
		*why = "invalid time (HH:MM, 00:00 to 24:00)";
		if (!parse_time(p, &start))
			return FALSE;
		skip_ws(p);
		*why = "expected a time range such as 09:00-17:30";
		if (**p != '-')
			return FALSE;
		(*p)++;
		skip_ws(p);
		*why = "invalid time (HH:MM, 00:00 to 24:00)";
		if (!parse_time(p, &end))
			return FALSE;
		*why = "end must be after start";
		if (end <= start)
			return FALSE;
		*why = "more than 4 time ranges on one day";
		if (!add_range(h, set, start, end))
			return FALSE;
	}
	*why = "expected a time range such as 09:00-17:30";
	return n > 0;
}

gboolean
hours_parse(const char *s, struct hours *h, const char **why)
{
	const char *p = s;
	guint set;

	memset(h, 0, sizeof(*h));
	skip_ws(&p);
	if (*p == '\0') {
		h->always = TRUE;
		return TRUE;
	}
	for (;;) {
		*why = "expected a day name (Mon, Tue, ... Sun)";
		if (!parse_days(&p, &set))
			return FALSE;
		if (!parse_ranges(&p, h, set, why))
			return FALSE;
		skip_ws(&p);
		if (*p == ';') {
			p++;
			skip_ws(&p);
		} else if (*p != '\0') {
			*why = "expected ';' before the next days";
			return FALSE;
		}
		if (*p == '\0')
			return TRUE;
	}
}

static gboolean
same_ranges(const struct hours *h, guint a, guint b)
{
	if (h->nranges[a] != h->nranges[b])
		return FALSE;
	for (guint i = 0; i < h->nranges[a]; i++)
		if (h->start[a][i] != h->start[b][i] ||
		    h->end[a][i] != h->end[b][i])
			return FALSE;
	return TRUE;
}

/* "Mon-Fri", "Mon,Wed", "Fri-Mon": runs of a day set, Monday first
 * unless a run wraps round the week. */
static void
format_days(GString *s, guint set)
{
	guint start = 0, n = 0;
	gboolean first = TRUE;

	if ((set & 1u) && (set & (1u << 6)) && set != 0x7f)
		for (start = 6; set & (1u << ((start + 6) % 7)); start--)
			;
	while (n < 7) {
		guint a = (start + n) % 7, len = 0;

		while (n + len < 7 && (set & (1u << ((a + len) % 7))))
			len++;
		if (len > 0) {
			if (!first)
				g_string_append_c(s, ',');
			first = FALSE;
			g_string_append(s, day_names[a]);
			if (len > 1)
				g_string_append_printf(s, "-%s",
				    day_names[(a + len - 1) % 7]);
		}
		n += len + 1;
	}
}

/* The hours in canonical form, e.g. "Mon-Fri 09:00-17:30; Sat 10:00-14:00". */
static char *
hours_format(const struct hours *h)
{
	GString *s = g_string_new(NULL);
	guint done = 0, set;

	for (guint d = 0; d < 7; d++) {
		if ((done & (1u << d)) || h->nranges[d] == 0)
			continue;
		set = 0;
		for (guint e = d; e < 7; e++)
			if (same_ranges(h, d, e))
				set |= 1u << e;
		done |= set;
		if (s->len > 0)
			g_string_append(s, "; ");
		format_days(s, set);
		for (guint i = 0; i < h->nranges[d]; i++)
			g_string_append_printf(s, " %02u:%02u-%02u:%02u",
			    h->start[d][i] / 60u, h->start[d][i] % 60u,
			    h->end[d][i] / 60u, h->end[d][i] % 60u);
	}
	return g_string_free(s, FALSE);
}

/* --- cells ------------------------------------------------------------ */

static gboolean
id_valid(const char *s)
{
	if (!g_ascii_islower(*s))
		return FALSE;
	for (s++; *s != '\0'; s++)
		if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) &&
		    *s != '_' && *s != '-')
			return FALSE;
	return TRUE;
}

/* Labels of letters, digits, '-' (and UTF-8 for IDNs); at least two. */
static gboolean
domain_valid(const char *s)
{
	gboolean dot = FALSE;
	gsize label = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return FALSE;
			dot = TRUE;
			label = 0;
		} else if (g_ascii_isalnum(*s) || *s == '-' ||
		    (unsigned char)*s >= 0x80)
			label++;
		else
			return FALSE;
	}
	return dot && label > 0;
}

gboolean
email_valid(const char *s)
{
	const char *at;

	if (s == NULL || strlen(s) > EMAIL_MAX)
		return FALSE;
	at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return FALSE;
	/* Not a display name, a list or a quoted local part. */
	for (const char *p = s; p < at; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f ||
		    strchr("<>()[]\\,;:\"", *p) != NULL)
			return FALSE;
	return domain_valid(at + 1);
}

static const char *
cell(const struct row_ctx *c, enum ocol oc)
{
	const char *s = csv_cell(c->r, c->cols[oc]);

	return s != NULL ? s : "";
}

static void row_error(struct row_ctx *c, enum ocol oc, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
row_error(struct row_ctx *c, enum ocol oc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	diag_add(c->d, DIAG_ERROR, c->file, (int)c->r->line,
	    c->cols[oc] + 1, "%s", msg);
	g_free(msg);
	c->bad = TRUE;
}

static char *
dup_or_null(const char *s)
{
	return *s != '\0' ? g_strdup(s) : NULL;
}

/* "a; b;;c" -> {"a", "b", "c"}: trimmed, empty ones dropped. */
static char **
split_teams(const char *s)
{
	char **parts = g_strsplit(s, ";", -1);
	GPtrArray *a = g_ptr_array_new();

	for (guint i = 0; parts[i] != NULL; i++) {
		g_strstrip(parts[i]);
		if (*parts[i] != '\0')
			g_ptr_array_add(a, g_strdup(parts[i]));
	}
	g_ptr_array_add(a, NULL);
	g_strfreev(parts);
	return (char **)g_ptr_array_free(a, FALSE);
}

/* A decimal number in [min, OWNERS_MAX_NUMBER]; empty gives def. */
static gboolean
parse_number(const char *s, guint min, guint def, guint *v)
{
	guint64 n;

	if (*s == '\0') {
		*v = def;
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned(s, 10, min, OWNERS_MAX_NUMBER, &n,
	    NULL))
		return FALSE;
	*v = (guint)n;
	return TRUE;
}

/* YYYY-MM-DD, exactly. */
static gboolean
parse_date(const char *s, GDate *date)
{
	guint y, m, d;

	g_date_clear(date, 1);
	if (*s == '\0')
		return TRUE;
	for (guint i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !g_ascii_isdigit(s[i]))
			return FALSE;
	if (s[10] != '\0')
		return FALSE;
	y = (guint)g_ascii_strtoull(s, NULL, 10);
	m = (guint)g_ascii_strtoull(s + 5, NULL, 10);
	d = (guint)g_ascii_strtoull(s + 8, NULL, 10);
	if (y < 1 || !g_date_valid_dmy((GDateDay)d, (GDateMonth)m,
	    (GDateYear)y))
		return FALSE;
	g_date_set_dmy(date, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	return TRUE;
}

static gboolean
parse_status(const char *s, enum owner_status *st)
{
	if (*s == '\0' || g_ascii_strcasecmp(s, "active") == 0)
		*st = OWNER_ACTIVE;
	else if (g_ascii_strcasecmp(s, "away") == 0)
		*st = OWNER_AWAY;
	else if (g_ascii_strcasecmp(s, "inactive") == 0)
		*st = OWNER_INACTIVE;
	else
		return FALSE;
	return TRUE;
}

/* --- rows ------------------------------------------------------------- */

static void
owner_free(struct owner *o)
{
	if (o == NULL)
		return;
	g_free(o->id);
	g_free(o->name);
	g_free(o->email);
	g_free(o->slack);
	g_strfreev(o->teams);
	g_free(o->timezone);
	if (o->tz != NULL)
		g_time_zone_unref(o->tz);
	g_free(o);
}

static void
fill_identity(struct row_ctx *c, struct owner *o)
{
	const char *s;

	s = cell(c, OC_ID);
	if (*s == '\0')
		row_error(c, OC_ID, "missing owner id");
	else if (!id_valid(s))
		row_error(c, OC_ID, "invalid owner id '%s' (a lowercase "
		    "letter, then a-z, 0-9, '_' or '-')", s);
	o->id = g_strdup(s);
	s = cell(c, OC_EMAIL);
	if (*s == '\0')
		row_error(c, OC_EMAIL, "missing email address");
	else if (!email_valid(s))
		row_error(c, OC_EMAIL, "invalid email address '%s'", s);
	o->email = g_strdup(s);
	o->name = dup_or_null(cell(c, OC_NAME));
	o->slack = dup_or_null(cell(c, OC_SLACK));
	o->teams = split_teams(cell(c, OC_TEAM));
}

static void
fill_routing(struct row_ctx *c, struct owner *o)
{
	const char *s, *why;

	s = cell(c, OC_WEIGHT);
	if (!parse_number(s, 1, 1, &o->weight))
		row_error(c, OC_WEIGHT, "invalid weight '%s' (a whole number "
		    "from 1 to %d)", s, OWNERS_MAX_NUMBER);
	s = cell(c, OC_MAX);
	if (!parse_number(s, 0, 0, &o->max_per_day))
		row_error(c, OC_MAX, "invalid max_per_day '%s' (a whole "
		    "number from 0 to %d)", s, OWNERS_MAX_NUMBER);
	s = cell(c, OC_TZ);
	o->timezone = dup_or_null(s);
	o->tz = *s != '\0' ? g_time_zone_new_identifier(s) :
	    g_time_zone_new_utc();
	if (o->tz == NULL)
		row_error(c, OC_TZ, "unknown timezone '%s'", s);
	s = cell(c, OC_HOURS);
	if (!hours_parse(s, &o->hours, &why))
		row_error(c, OC_HOURS, "invalid hours '%s': %s", s, why);
	s = cell(c, OC_STATUS);
	if (!parse_status(s, &o->status))
		row_error(c, OC_STATUS, "invalid status '%s' (active, away or "
		    "inactive)", s);
	s = cell(c, OC_AWAY);
	if (!parse_date(s, &o->away_until))
		row_error(c, OC_AWAY, "invalid away_until '%s' (a date such "
		    "as 2026-12-01)", s);
	s = cell(c, OC_SLA);
	if (*s != '\0' && (o->sla = duration_parse(s)) <= 0)
		row_error(c, OC_SLA, "invalid sla '%s' (write 90s, 15m, 4h "
		    "or 2d)", s);
}

/* Report a second use of an id; seen maps ids (owned) to first lines. */
static void
check_duplicate(struct row_ctx *c, GHashTable *seen, const char *id)
{
	gpointer first;

	if (!id_valid(id))
		return;
	first = g_hash_table_lookup(seen, id);
	if (first != NULL)
		row_error(c, OC_ID, "duplicate owner id '%s' (first on line "
		    "%u)", id, GPOINTER_TO_UINT(first));
	else
		g_hash_table_insert(seen, g_strdup(id),
		    GUINT_TO_POINTER(c->r->line));
}

/* Map owner columns to csv columns; FALSE when id or email is missing. */
static gboolean
map_columns(const struct csv *csv, const char *file, struct diag *d,
    int *cols)
{
	gboolean ok = TRUE;

	for (guint i = 0; i < OC_N; i++)
		cols[i] = csv_column(csv, ocol_names[i]);
	if (cols[OC_ID] < 0) {
		diag_add(d, DIAG_ERROR, file, 1, 0, "missing column 'id'");
		ok = FALSE;
	}
	if (cols[OC_EMAIL] < 0) {
		diag_add(d, DIAG_ERROR, file, 1, 0, "missing column 'email'");
		ok = FALSE;
	}
	return ok;
}

static struct owner_table *
owners_build(const struct csv *csv, const char *file, struct diag *d)
{
	struct owner_table *t = g_new0(struct owner_table, 1);
	struct row_ctx c = { .file = file, .d = d };
	GHashTable *seen;
	int cols[OC_N];

	t->owners = g_ptr_array_new_with_free_func((GDestroyNotify)owner_free);
	t->by_id = g_hash_table_new(g_str_hash, g_str_equal);
	if (!map_columns(csv, file, d, cols))
		return t;
	c.cols = cols;
	seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < csv->rows->len; i++) {
		struct owner *o = g_new0(struct owner, 1);

		c.r = g_ptr_array_index(csv->rows, i);
		c.bad = FALSE;
		o->line = c.r->line;
		fill_identity(&c, o);
		check_duplicate(&c, seen, o->id);
		fill_routing(&c, o);
		if (c.bad) {
			owner_free(o);
			continue;
		}
		g_ptr_array_add(t->owners, o);
		g_hash_table_insert(t->by_id, o->id, o);
	}
	g_hash_table_destroy(seen);
	return t;
}

struct owner_table *
owners_parse(const char *data, gsize len, const char *file, struct diag *d)
{
	struct csv *csv = csv_parse(data, len, file, d);
	struct owner_table *t = owners_build(csv, file, d);

	csv_free(csv);
	return t;
}

struct owner_table *
owners_load(const char *path, struct diag *d)
{
	struct csv *csv = csv_load(path, d);
	struct owner_table *t;

	if (csv == NULL)
		return NULL;
	t = owners_build(csv, path, d);
	csv_free(csv);
	return t;
}

void
owners_free(struct owner_table *t)
{
	if (t == NULL)
		return;
	g_hash_table_destroy(t->by_id);
	g_ptr_array_free(t->owners, TRUE);
	g_free(t);
}

guint
owners_count(const struct owner_table *t)
{
	return t->owners->len;
}

const struct owner *
owners_nth(const struct owner_table *t, guint i)
{
	return i < t->owners->len ? g_ptr_array_index(t->owners, i) : NULL;
}

const struct owner *
owners_find(const struct owner_table *t, const char *id)
{
	return g_hash_table_lookup(t->by_id, id);
}

/* --- availability ----------------------------------------------------- */

/* Is local (in the owner's zone) inside the working hours? */
static gboolean
in_hours(const struct hours *h, GDateTime *local)
{
	guint d = (guint)g_date_time_get_day_of_week(local) - 1;
	guint m = (guint)(g_date_time_get_hour(local) * 60 +
	    g_date_time_get_minute(local));

	if (h->always)
		return TRUE;
	for (guint i = 0; i < h->nranges[d]; i++)
		if (h->start[d][i] <= m && m < h->end[d][i])
			return TRUE;
	return FALSE;
}

/*
 * Unix seconds of the wall-clock minute m (1440: the next midnight) of the
 * local day of day0: read off the owner's clock, not counted from
 * midnight, so that a day with a daylight-saving change is right (a
 * minute in the skipped hour is taken as GLib places it).
 */
static gint64
local_minute(const struct owner *o, GDateTime *day0, guint m)
{
	GDateTime *t = g_date_time_new(o->tz, g_date_time_get_year(day0),
	    g_date_time_get_month(day0), g_date_time_get_day_of_month(day0),
	    m < 1440 ? (gint)m / 60 : 0, m < 1440 ? (gint)m % 60 : 0, 0);
	GDateTime *next;
	gint64 s;

	if (t == NULL)
		return 0;
	if (m >= 1440) {
		next = g_date_time_add_days(t, 1);
		g_date_time_unref(t);
		if ((t = next) == NULL)
			return 0;
	}
	s = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return s;
}

GDateTime *
owner_local(const struct owner *o, gint64 t)
{
	GDateTime *u = g_date_time_new_from_unix_utc(t);
	GDateTime *l = u != NULL ? g_date_time_to_timezone(u, o->tz) : NULL;

	if (u != NULL)
		g_date_time_unref(u);
	return l;
}

char *
owner_time_text(const struct owner *o, gint64 t, const char *fmt)
{
	GDateTime *l = owner_local(o, t);
	char *s = l != NULL ? g_date_time_format(l, fmt) : NULL;

	if (l != NULL)
		g_date_time_unref(l);
	return s != NULL ? s : g_strdup("?");
}

gint64
owner_work_seconds(const struct owner *o, gint64 from, gint64 to)
{
	GDateTime *day;
	gint64 sum = 0;

	if (to <= from)
		return 0;
	if (o->hours.always)
		return to - from;
	day = owner_local(o, from);
	for (guint n = 0; day != NULL && n < OWNER_WORK_MAX_DAYS; n++) {
		guint d = (guint)g_date_time_get_day_of_week(day) - 1;
		GDateTime *next;

		for (guint i = 0; i < o->hours.nranges[d]; i++) {
			gint64 a = local_minute(o, day, o->hours.start[d][i]);
			gint64 b = local_minute(o, day, o->hours.end[d][i]);

			a = MAX(a, from);
			b = MIN(b, to);
			if (b > a)
				sum += b - a;
		}
		if (local_minute(o, day, 1440) >= to)
			break;
		next = g_date_time_add_days(day, 1);
		g_date_time_unref(day);
		day = next;
	}
	if (day != NULL)
		g_date_time_unref(day);
	return sum;
}

enum owner_avail
owner_available(const struct owner *o, GDateTime *now, guint leads_today,
    gboolean for_team)
{
	enum owner_avail a = AVAIL_YES;
	GDateTime *local;
	GDate today;

	if (o->status == OWNER_INACTIVE)
		return AVAIL_INACTIVE;
	/* away with no date: until changed; with a date, the date bounds
	 * it (spec 4.6) */
	if (o->status == OWNER_AWAY && !g_date_valid(&o->away_until))
		return AVAIL_AWAY;
	local = g_date_time_to_timezone(now, o->tz);
	g_date_clear(&today, 1);
	g_date_set_dmy(&today, (GDateDay)g_date_time_get_day_of_month(local),
	    (GDateMonth)g_date_time_get_month(local),
	    (GDateYear)g_date_time_get_year(local));
	if (g_date_valid(&o->away_until) &&
	    g_date_compare(&today, &o->away_until) <= 0)
		a = AVAIL_AWAY;
	else if (for_team && !in_hours(&o->hours, local))
		a = AVAIL_OFF_HOURS;
	else if (for_team && o->max_per_day > 0 &&
	    leads_today >= o->max_per_day)
		a = AVAIL_CAPPED;
	g_date_time_unref(local);
	return a;
}

char *
owner_avail_text(const struct owner *o, enum owner_avail a)
{
	char *hours, *s;

	switch (a) {
	case AVAIL_YES:
		return g_strdup("available");
	case AVAIL_INACTIVE:
		return g_strdup("inactive");
	case AVAIL_AWAY:
		/* away with no end in sight */
		if (!g_date_valid(&o->away_until))
			return g_strdup("away");
		return g_strdup_printf("away until %04u-%02u-%02u",
		    (guint)g_date_get_year(&o->away_until),
		    (guint)g_date_get_month(&o->away_until),
		    (guint)g_date_get_day(&o->away_until));
	case AVAIL_OFF_HOURS:
		hours = hours_format(&o->hours);
		s = g_strdup_printf("outside working hours (%s %s)", hours,
		    o->timezone != NULL ? o->timezone : "UTC");
		g_free(hours);
		return s;
	case AVAIL_CAPPED:
		return g_strdup_printf("daily cap of %u reached",
		    o->max_per_day);
	}
	return g_strdup("unknown");
}
