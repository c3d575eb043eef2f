/*
 * test_owners.c: owners.csv loading (every column, valid and not, with
 * the exact messages), hours parsing, e-mail checks, and availability at
 * fixed moments across timezones.
 */
#include "testlib.h"

#include "diag.h"
#include "owners.h"

#define ID_RULE	"(a lowercase letter, then a-z, 0-9, '_' or '-')"
#define STATUS_RULE	"(active, away or inactive)"
#define DATE_RULE	"(a date such as 2026-12-01)"
#define RANGE_WHY	"expected a time range such as 09:00-17:30"
#define DAY_WHY		"expected a day name (Mon, Tue, ... Sun)"
#define TIME_WHY	"invalid time (HH:MM, 00:00 to 24:00)"
#define ORDER_WHY	"end must be after start"
#define SEMI_WHY	"expected ';' before the next days"
#define MANY_WHY	"more than 4 time ranges on one day"

/* "Mon 09:00-17:30; Tue ..." for a range on Monday to Friday. */
#define MF(r)	"Mon " r "; Tue " r "; Wed " r "; Thu " r "; Fri " r

static const char *const days[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};

/* Every message, one a line. */
static char *
dump_diags(const struct diag *d)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < diag_count(d); i++) {
		if (i > 0)
			g_string_append_c(s, '\n');
		g_string_append(s, diag_get(d, i));
	}
	return g_string_free(s, FALSE);
}

/* "always", or "Mon 09:00-12:00 13:00-17:00; Sat 10:00-14:00". */
static char *
dump_hours(const struct hours *h)
{
	GString *s = g_string_new(NULL);

	if (h->always)
		g_string_append(s, "always");
	for (guint d = 0; d < 7; d++) {
		if (h->nranges[d] == 0)
			continue;
		if (s->len > 0)
			g_string_append(s, "; ");
		g_string_append(s, days[d]);
		for (guint i = 0; i < h->nranges[d]; i++)
			g_string_append_printf(s, " %02u:%02u-%02u:%02u",
			    h->start[d][i] / 60u, h->start[d][i] % 60u,
			    h->end[d][i] / 60u, h->end[d][i] % 60u);
	}
	return g_string_free(s, FALSE);
}

static char *
dump_ids(const struct owner_table *t)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < owners_count(t); i++)
		g_string_append_printf(s, "%s%s", i > 0 ? "," : "",
		    owners_nth(t, i)->id);
	return g_string_free(s, FALSE);
}

static struct owner_table *
parse(const char *csv, struct diag *d)
{
	return owners_parse(csv, strlen(csv), "o.csv", d);
}

/* --- whole files ---------------------------------------------------- */

struct table_case {
	const char *name;
	const char *csv;
	const char *ids;	/* loaded owners in order, joined with ',' */
	const char *diags;	/* every message, one a line */
};

static const struct table_case table_cases[] = {
	{ "minimal", "id,email\ndana,dana@example.com\n", "dana", "" },
	{ "any order, any case", "EMAIL , Name,ID\ndana@example.com,Dana,"
	    "dana\n", "dana", "" },
	{ "header only", "id,email\n", "", "" },
	{ "short row", "id,email,name,team\ndana,d@example.com\n", "dana",
	    "" },
	{ "extra columns ignored", "id,email,phone\ndana,d@example.com,1\n",
	    "dana", "" },
	{ "empty file", "", "",
	    "o.csv:1: error: missing column 'id'\n"
	    "o.csv:1: error: missing column 'email'" },
	{ "no id column", "name,email\nDana,d@example.com\n", "",
	    "o.csv:1: error: missing column 'id'" },
	{ "no email column", "id,mail\ndana,d@example.com\n", "",
	    "o.csv:1: error: missing column 'email'" },
	{ "duplicate id", "id,email\ndana,a@example.com\nerik,e@example.com\n"
	    "dana,b@example.com\n", "dana,erik",
	    "o.csv:4:1: error: duplicate owner id 'dana' (first on line 2)" },
	{ "three times", "id,email\ndana,a@example.com\n\ndana,b@example.com"
	    "\ndana,c@example.com\n", "dana",
	    "o.csv:4:1: error: duplicate owner id 'dana' (first on line 2)\n"
	    "o.csv:5:1: error: duplicate owner id 'dana' (first on line 2)" },
	{ "duplicate of a bad row", "id,email\ndana,nope\ndana,d@example.com"
	    "\n", "",
	    "o.csv:2:2: error: invalid email address 'nope'\n"
	    "o.csv:3:1: error: duplicate owner id 'dana' (first on line 2)" },
	{ "ids are case-sensitive", "id,email\ndana,a@example.com\nDANA,"
	    "b@example.com\n", "dana",
	    "o.csv:3:1: error: invalid owner id 'DANA' " ID_RULE },
	{ "every problem of a row", "id,email,weight,status\nDana,x,0,gone\n",
	    "",
	    "o.csv:2:1: error: invalid owner id 'Dana' " ID_RULE "\n"
	    "o.csv:2:2: error: invalid email address 'x'\n"
	    "o.csv:2:3: error: invalid weight '0' (a whole number from 1 to "
	    "1000000)\n"
	    "o.csv:2:4: error: invalid status 'gone' " STATUS_RULE },
	{ "bad rows left out", "id,email\ndana,d@example.com\nbad id,"
	    "b@example.com\nerik,e@example.com\n", "dana,erik",
	    "o.csv:3:1: error: invalid owner id 'bad id' " ID_RULE },
	{ "row without email cell", "id,email\ndana\n", "",
	    "o.csv:2:2: error: missing email address" },
	{ "csv errors pass through", "id,email\ndana,d@example.com\nerik,"
	    "\"e@example.com\n", "dana",
	    "o.csv:3:6: error: unterminated quoted field" },
	{ "invalid utf-8 in a name", "id,name,email\ndana,D\xff,"
	    "d@example.com\n", "dana",
	    "o.csv:2:7: error: invalid UTF-8 (replaced with U+FFFD)" },
};

static void
test_table(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(table_cases); i++) {
		const struct table_case *tc = &table_cases[i];
		struct diag *d = diag_new();
		struct owner_table *t = parse(tc->csv, d);
		char *ids = dump_ids(t), *m = dump_diags(d);

		print_message("case: %s\n", tc->name);
		assert_string_equal(ids, tc->ids);
		assert_string_equal(m, tc->diags);
		g_free(ids);
		g_free(m);
		owners_free(t);
		diag_free(d);
	}
}

/* --- one column at a time ------------------------------------------- */

struct column_case {
	const char *column;
	const char *value;	/* written quoted, "" doubled */
	const char *want;	/* the field as dump_field() shows it */
	const char *diag;	/* NULL when valid */
};

static const struct column_case column_cases[] = {
	{ "id", "dana", "dana", NULL },
	{ "id", "d", "d", NULL },
	{ "id", "dana-2_x", "dana-2_x", NULL },
	{ "id", " dana ", "dana", NULL },
	{ "id", "", NULL, "o.csv:2:1: error: missing owner id" },
	{ "id", "Dana", NULL,
	    "o.csv:2:1: error: invalid owner id 'Dana' " ID_RULE },
	{ "id", "2dana", NULL,
	    "o.csv:2:1: error: invalid owner id '2dana' " ID_RULE },
	{ "id", "-dana", NULL,
	    "o.csv:2:1: error: invalid owner id '-dana' " ID_RULE },
	{ "id", "_dana", NULL,
	    "o.csv:2:1: error: invalid owner id '_dana' " ID_RULE },
	{ "id", "da na", NULL,
	    "o.csv:2:1: error: invalid owner id 'da na' " ID_RULE },
	{ "id", "dana.s", NULL,
	    "o.csv:2:1: error: invalid owner id 'dana.s' " ID_RULE },
	{ "id", "d\xc3\xa4na", NULL,
	    "o.csv:2:1: error: invalid owner id 'd\xc3\xa4na' " ID_RULE },
	{ "email", "dana@example.com", "dana@example.com", NULL },
	{ "email", "d.s+leads@mail.example.co.uk",
	    "d.s+leads@mail.example.co.uk", NULL },
	{ "email", "", NULL, "o.csv:2:2: error: missing email address" },
	{ "email", "dana", NULL,
	    "o.csv:2:2: error: invalid email address 'dana'" },
	{ "email", "dana@example", NULL,
	    "o.csv:2:2: error: invalid email address 'dana@example'" },
	{ "email", "@example.com", NULL,
	    "o.csv:2:2: error: invalid email address '@example.com'" },
	{ "email", "dana@", NULL,
	    "o.csv:2:2: error: invalid email address 'dana@'" },
	{ "email", "da na@example.com", NULL,
	    "o.csv:2:2: error: invalid email address 'da na@example.com'" },
	{ "email", "Dana <dana@example.com>", NULL,
	    "o.csv:2:2: error: invalid email address "
	    "'Dana <dana@example.com>'" },
	{ "email", "<dana@example.com>", NULL,
	    "o.csv:2:2: error: invalid email address '<dana@example.com>'" },
	{ "email", "a,b@example.com", NULL,
	    "o.csv:2:2: error: invalid email address 'a,b@example.com'" },
	{ "email", "dana@example..com", NULL,
	    "o.csv:2:2: error: invalid email address 'dana@example..com'" },
	{ "name", "Dana Scully", "Dana Scully", NULL },
	{ "name", "Scully, \"Dana\"", "Scully, \"Dana\"", NULL },
	{ "name", "  Dana  ", "Dana", NULL },
	{ "name", "", "(null)", NULL },
	{ "slack", "U012AB3CD", "U012AB3CD", NULL },
	{ "slack", "", "(null)", NULL },
	{ "team", "consulting-emea", "consulting-emea", NULL },
	{ "team", "a; b ;;c;", "a|b|c", NULL },
	{ "team", "Sales EMEA", "Sales EMEA", NULL },
	{ "team", " ; ", "", NULL },
	{ "team", "", "", NULL },
	{ "weight", "", "1", NULL },
	{ "weight", "1", "1", NULL },
	{ "weight", "3", "3", NULL },
	{ "weight", " 7 ", "7", NULL },
	{ "weight", "1000000", "1000000", NULL },
	{ "weight", "0", NULL, "o.csv:2:3: error: invalid weight '0' "
	    "(a whole number from 1 to 1000000)" },
	{ "weight", "-1", NULL, "o.csv:2:3: error: invalid weight '-1' "
	    "(a whole number from 1 to 1000000)" },
	{ "weight", "+2", NULL, "o.csv:2:3: error: invalid weight '+2' "
	    "(a whole number from 1 to 1000000)" },
	{ "weight", "1.5", NULL, "o.csv:2:3: error: invalid weight '1.5' "
	    "(a whole number from 1 to 1000000)" },
	{ "weight", "heavy", NULL, "o.csv:2:3: error: invalid weight "
	    "'heavy' (a whole number from 1 to 1000000)" },
	{ "weight", "1000001", NULL, "o.csv:2:3: error: invalid weight "
	    "'1000001' (a whole number from 1 to 1000000)" },
	{ "max_per_day", "", "0", NULL },
	{ "max_per_day", "0", "0", NULL },
	{ "max_per_day", "5", "5", NULL },
	{ "max_per_day", "-1", NULL, "o.csv:2:3: error: invalid max_per_day "
	    "'-1' (a whole number from 0 to 1000000)" },
	{ "max_per_day", "2.0", NULL, "o.csv:2:3: error: invalid max_per_day "
	    "'2.0' (a whole number from 0 to 1000000)" },
	{ "max_per_day", "none", NULL, "o.csv:2:3: error: invalid "
	    "max_per_day 'none' (a whole number from 0 to 1000000)" },
	{ "timezone", "Europe/Berlin", "Europe/Berlin", NULL },
	{ "timezone", "America/New_York", "America/New_York", NULL },
	{ "timezone", "UTC", "UTC", NULL },
	{ "timezone", "", "(null) UTC", NULL },
	{ "timezone", "Mars/Olympus", NULL,
	    "o.csv:2:3: error: unknown timezone 'Mars/Olympus'" },
	{ "timezone", "europe/berlin", NULL,
	    "o.csv:2:3: error: unknown timezone 'europe/berlin'" },
	{ "timezone", "Europe/Berln", NULL,
	    "o.csv:2:3: error: unknown timezone 'Europe/Berln'" },
	{ "timezone", "../../etc/passwd", NULL,
	    "o.csv:2:3: error: unknown timezone '../../etc/passwd'" },
	{ "hours", "", "always", NULL },
	{ "hours", "Mon-Fri 09:00-17:30", MF("09:00-17:30"), NULL },
	{ "hours", "sat 10:00-14:00", "Sat 10:00-14:00", NULL },
	{ "hours", "Mon-Fri", NULL,
	    "o.csv:2:3: error: invalid hours 'Mon-Fri': " RANGE_WHY },
	{ "hours", "Mon 17:30-09:00", NULL,
	    "o.csv:2:3: error: invalid hours 'Mon 17:30-09:00': " ORDER_WHY },
	{ "hours", "9-5", NULL, "o.csv:2:3: error: invalid hours '9-5': "
	    DAY_WHY },
	{ "status", "", "active", NULL },
	{ "status", "active", "active", NULL },
	{ "status", "AWAY", "away", NULL },
	{ "status", "Inactive", "inactive", NULL },
	{ "status", "gone", NULL,
	    "o.csv:2:3: error: invalid status 'gone' " STATUS_RULE },
	{ "status", "on leave", NULL,
	    "o.csv:2:3: error: invalid status 'on leave' " STATUS_RULE },
	{ "away_until", "", "", NULL },
	{ "away_until", "2026-12-01", "2026-12-01", NULL },
	{ "away_until", "2028-02-29", "2028-02-29", NULL },
	{ "away_until", "2026-02-29", NULL,
	    "o.csv:2:3: error: invalid away_until '2026-02-29' " DATE_RULE },
	{ "away_until", "2026-13-01", NULL,
	    "o.csv:2:3: error: invalid away_until '2026-13-01' " DATE_RULE },
	{ "away_until", "2026-1-1", NULL,
	    "o.csv:2:3: error: invalid away_until '2026-1-1' " DATE_RULE },
	{ "away_until", "01/12/2026", NULL,
	    "o.csv:2:3: error: invalid away_until '01/12/2026' " DATE_RULE },
	{ "away_until", "2026-12-01T00:00", NULL, "o.csv:2:3: error: "
	    "invalid away_until '2026-12-01T00:00' " DATE_RULE },
	{ "away_until", "0000-01-01", NULL,
	    "o.csv:2:3: error: invalid away_until '0000-01-01' " DATE_RULE },
	{ "away_until", "tomorrow", NULL,
	    "o.csv:2:3: error: invalid away_until 'tomorrow' " DATE_RULE },
	{ "sla", "", "0", NULL },
	{ "sla", "15m", "900", NULL },
	{ "sla", "4h", "14400", NULL },
	{ "sla", "0m", NULL, "o.csv:2:3: error: invalid sla '0m' (write 90s, "
	    "15m, 4h or 2d)" },
	{ "sla", "15", NULL, "o.csv:2:3: error: invalid sla '15' (write 90s, "
	    "15m, 4h or 2d)" },
	{ "sla", "soon", NULL, "o.csv:2:3: error: invalid sla 'soon' (write "
	    "90s, 15m, 4h or 2d)" },
};

/* A CSV cell: quoted, with "" for ". */
static void
append_cell(GString *s, const char *v)
{
	g_string_append_c(s, '"');
	for (; *v != '\0'; v++) {
		if (*v == '"')
			g_string_append_c(s, '"');
		g_string_append_c(s, *v);
	}
	g_string_append_c(s, '"');
}

/* "id,email[,column]" and one row with the value in its column. */
static char *
column_csv(const char *column, const char *value)
{
	gboolean own = strcmp(column, "id") == 0 ||
	    strcmp(column, "email") == 0;
	GString *s = g_string_new("id,email");

	if (!own)
		g_string_append_printf(s, ",%s", column);
	g_string_append_c(s, '\n');
	append_cell(s, strcmp(column, "id") == 0 ? value : "dana");
	g_string_append_c(s, ',');
	append_cell(s, strcmp(column, "email") == 0 ? value :
	    "dana@example.com");
	if (!own) {
		g_string_append_c(s, ',');
		append_cell(s, value);
	}
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

static char *
dump_field(const struct owner *o, const char *column)
{
	static const char *const status[] = { "active", "away", "inactive" };

	if (strcmp(column, "id") == 0)
		return g_strdup(o->id);
	if (strcmp(column, "email") == 0)
		return g_strdup(o->email);
	if (strcmp(column, "name") == 0)
		return g_strdup(o->name != NULL ? o->name : "(null)");
	if (strcmp(column, "slack") == 0)
		return g_strdup(o->slack != NULL ? o->slack : "(null)");
	if (strcmp(column, "team") == 0)
		return g_strjoinv("|", o->teams);
	if (strcmp(column, "weight") == 0)
		return g_strdup_printf("%u", o->weight);
	if (strcmp(column, "max_per_day") == 0)
		return g_strdup_printf("%u", o->max_per_day);
	if (strcmp(column, "sla") == 0)
		return g_strdup_printf("%" G_GINT64_FORMAT, o->sla);
	if (strcmp(column, "timezone") == 0)
		return o->timezone != NULL ? g_strdup(o->timezone) :
		    g_strdup_printf("(null) %s",
		    g_time_zone_get_identifier(o->tz));
	if (strcmp(column, "hours") == 0)
		return dump_hours(&o->hours);
	if (strcmp(column, "status") == 0)
		return g_strdup(status[o->status]);
	if (strcmp(column, "away_until") == 0) {
		char buf[16] = "";

		if (g_date_valid(&o->away_until))
			g_date_strftime(buf, sizeof(buf), "%Y-%m-%d",
			    &o->away_until);
		return g_strdup(buf);
	}
	fail_msg("no column %s", column);
	return NULL;
}

/* Defaults of the columns a case leaves out. */
static void
check_defaults(const struct owner *o)
{
	assert_string_equal(o->id, "dana");
	assert_int_equal(o->line, 2);
	assert_non_null(o->teams);
	assert_non_null(o->tz);
}

static void
test_columns(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(column_cases); i++) {
		const struct column_case *tc = &column_cases[i];
		char *csv = column_csv(tc->column, tc->value);
		struct diag *d = diag_new();
		struct owner_table *t = parse(csv, d);
		char *m = dump_diags(d), *v;

		print_message("%s: '%s'\n", tc->column, tc->value);
		if (tc->diag != NULL) {
			assert_string_equal(m, tc->diag);
			assert_int_equal(owners_count(t), 0);
			assert_null(owners_find(t, "dana"));
		} else {
			assert_string_equal(m, "");
			assert_int_equal(owners_count(t), 1);
			v = dump_field(owners_nth(t, 0), tc->column);
			assert_string_equal(v, tc->want);
			g_free(v);
			if (strcmp(tc->column, "id") != 0)
				check_defaults(owners_nth(t, 0));
		}
		g_free(m);
		owners_free(t);
		diag_free(d);
		g_free(csv);
	}
}

/* --- hours ---------------------------------------------------------- */

struct hours_case {
	const char *in;
	const char *want;	/* dump_hours(), or NULL when invalid */
	const char *why;	/* when invalid */
};

static const struct hours_case hours_cases[] = {
	{ "", "always", NULL },
	{ "   ", "always", NULL },
	{ "Mon-Fri 09:00-17:30", MF("09:00-17:30"), NULL },
	{ "mon-FRI 9:00-17:30", MF("09:00-17:30"), NULL },
	{ "Mon,Wed 08:00-12:00 13:00-17:00; Sat 10:00-14:00",
	    "Mon 08:00-12:00 13:00-17:00; Wed 08:00-12:00 13:00-17:00; "
	    "Sat 10:00-14:00", NULL },
	{ "Fri-Mon 22:00-24:00", "Mon 22:00-24:00; Fri 22:00-24:00; "
	    "Sat 22:00-24:00; Sun 22:00-24:00", NULL },
	{ "Sun 00:00-24:00", "Sun 00:00-24:00", NULL },
	{ "Mon-Sun 00:00-00:01", "Mon 00:00-00:01; Tue 00:00-00:01; "
	    "Wed 00:00-00:01; Thu 00:00-00:01; Fri 00:00-00:01; "
	    "Sat 00:00-00:01; Sun 00:00-00:01", NULL },
	{ "Mon-Mon 09:00-10:00", "Mon 09:00-10:00", NULL },
	{ "Mon 13:00-17:00 08:00-12:00", "Mon 08:00-12:00 13:00-17:00",
	    NULL },
	{ "Mon 08:00-09:00; Mon 10:00-11:00", "Mon 08:00-09:00 10:00-11:00",
	    NULL },
	{ "  Mon - Wed ,Fri  9:00 - 17:00 ;", "Mon 09:00-17:00; "
	    "Tue 09:00-17:00; Wed 09:00-17:00; Fri 09:00-17:00", NULL },
	{ "Mon-Fri 09:00-17:00; Wed 18:00-19:00; Wed 20:00-21:00; "
	    "Mon-Wed 22:00-23:00", "Mon 09:00-17:00 22:00-23:00; "
	    "Tue 09:00-17:00 22:00-23:00; Wed 09:00-17:00 18:00-19:00 "
	    "20:00-21:00 22:00-23:00; Thu 09:00-17:00; Fri 09:00-17:00",
	    NULL },
	{ "Tue 01:00-02:00 03:00-04:00 05:00-06:00 07:00-08:00",
	    "Tue 01:00-02:00 03:00-04:00 05:00-06:00 07:00-08:00", NULL },
	{ "Tue 01:00-02:00 03:00-04:00 05:00-06:00 07:00-08:00 "
	    "09:00-10:00", NULL, MANY_WHY },
	{ "Mon-Fri 09:00-17:00; Wed 18:00-19:00; Wed 20:00-21:00; "
	    "Mon-Wed 22:00-23:00 23:00-23:30", NULL, MANY_WHY },
	{ "Mon-Fri", NULL, RANGE_WHY },
	{ "Mon-Fri;", NULL, RANGE_WHY },
	{ "Mon 09:00", NULL, RANGE_WHY },
	{ "Mon 09:00 17:00", NULL, RANGE_WHY },
	{ "09:00-17:00", NULL, DAY_WHY },
	{ "Monday 09:00-17:00", NULL, DAY_WHY },
	{ "Xyz 09:00-17:00", NULL, DAY_WHY },
	{ "Mon, 09:00-17:00", NULL, DAY_WHY },
	{ "Mon- 09:00-17:00", NULL, DAY_WHY },
	{ "Mon-Fri 09:00-17:00;; Sat 10:00-12:00", NULL, DAY_WHY },
	{ "Mon-Fri 9-17", NULL, TIME_WHY },
	{ "Mon 09:00-24:30", NULL, TIME_WHY },
	{ "Mon 25:00-26:00", NULL, TIME_WHY },
	{ "Mon 09:60-10:00", NULL, TIME_WHY },
	{ "Mon 009:00-10:00", NULL, TIME_WHY },
	{ "Mon 09:000-10:00", NULL, TIME_WHY },
	{ "Mon 09:0-10:00", NULL, TIME_WHY },
	{ "Mon 09:00-", NULL, TIME_WHY },
	{ "Mon 17:30-09:00", NULL, ORDER_WHY },
	{ "Mon 09:00-09:00", NULL, ORDER_WHY },
	{ "Mon 24:00-24:00", NULL, ORDER_WHY },
	{ "Mon 22:00-06:00", NULL, ORDER_WHY },
	{ "Mon-Fri 09:00-17:00 Sat 10:00-12:00", NULL, SEMI_WHY },
	{ "Mon-Fri 09:00-17:00, Sat 10:00-12:00", NULL, SEMI_WHY },
	{ "Mon 09:00-17:00 x", NULL, SEMI_WHY },
};

static void
test_hours(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(hours_cases); i++) {
		const struct hours_case *tc = &hours_cases[i];
		const char *why = NULL;
		struct hours h;
		gboolean ok;

		print_message("hours: '%s'\n", tc->in);
		ok = hours_parse(tc->in, &h, &why);
		if (tc->want != NULL) {
			char *s = dump_hours(&h);

			assert_true(ok);
			assert_string_equal(s, tc->want);
			g_free(s);
		} else {
			assert_false(ok);
			assert_string_equal(why, tc->why);
		}
	}
}

/* --- e-mail --------------------------------------------------------- */

struct email_case {
	const char *s;
	gboolean ok;
};

static const struct email_case email_cases[] = {
	{ "dana@example.com", TRUE },
	{ "d@e.io", TRUE },
	{ "first.last+tag@sub.example.co.uk", TRUE },
	{ "o'brien@example.ie", TRUE },
	{ "dana@xn--mnchen-3ya.de", TRUE },
	{ "dana@m\xc3\xbcnchen.de", TRUE },
	{ "dana@exa-mple.com", TRUE },
	{ "", FALSE },
	{ "dana", FALSE },
	{ "dana@", FALSE },
	{ "@example.com", FALSE },
	{ "dana@example", FALSE },
	{ "dana@example.", FALSE },
	{ "dana@.example.com", FALSE },
	{ "dana@example..com", FALSE },
	{ "dana@example.com.", FALSE },
	{ "dana@@example.com", FALSE },
	{ "dana@ex@ample.com", FALSE },
	{ "da na@example.com", FALSE },
	{ "dana@exa mple.com", FALSE },
	{ "dana\t@example.com", FALSE },
	{ "<dana@example.com>", FALSE },
	{ "Dana <dana@example.com>", FALSE },
	{ "dana@example.com>", FALSE },
	{ "dana,erik@example.com", FALSE },
	{ "dana@example.com;erik@example.com", FALSE },
	{ "\"dana\"@example.com", FALSE },
	{ "dana@[192.0.2.1]", FALSE },
	{ "dana@exa_mple.com", FALSE },
	{ NULL, FALSE },
};

static void
test_email(void **state)
{
	char *local = g_strnfill(250, 'a');
	char *huge = g_strconcat(local, "@example.com", NULL);

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(email_cases); i++) {
		print_message("email: '%s'\n", email_cases[i].s != NULL ?
		    email_cases[i].s : "(null)");
		assert_int_equal(email_valid(email_cases[i].s),
		    email_cases[i].ok);
	}
	assert_false(email_valid(huge));
	g_free(huge);
	g_free(local);
}

/* --- availability --------------------------------------------------- */

struct avail_case {
	const char *tz;
	const char *hours;
	const char *status;
	const char *away_until;
	const char *max;	/* max_per_day */
	const char *now;	/* ISO 8601 with an offset */
	guint leads;
	gboolean team;
	enum owner_avail want;
};

#define BERLIN	"Europe/Berlin"
#define NYC	"America/New_York"
#define TOKYO	"Asia/Tokyo"
#define OFFICE	"Mon-Fri 09:00-17:30"

static const struct avail_case avail_cases[] = {
	/* 2026-03-02 is a Monday; Berlin is UTC+1 then, UTC+2 in July. */
	{ BERLIN, OFFICE, "", "", "", "2026-03-02T07:59:00Z", 0, TRUE,
	    AVAIL_OFF_HOURS },
	{ BERLIN, OFFICE, "", "", "", "2026-03-02T07:59:59Z", 0, TRUE,
	    AVAIL_OFF_HOURS },
	{ BERLIN, OFFICE, "", "", "", "2026-03-02T08:00:00Z", 0, TRUE,
	    AVAIL_YES },
	{ BERLIN, OFFICE, "", "", "", "2026-03-02T16:29:59Z", 0, TRUE,
	    AVAIL_YES },
	{ BERLIN, OFFICE, "", "", "", "2026-03-02T16:30:00Z", 0, TRUE,
	    AVAIL_OFF_HOURS },
	{ BERLIN, OFFICE, "", "", "", "2026-03-02T09:00:00+01:00", 0, TRUE,
	    AVAIL_YES },
	{ BERLIN, OFFICE, "", "", "", "2026-03-02T03:00:00-05:00", 0, TRUE,
	    AVAIL_YES },
	{ BERLIN, OFFICE, "", "", "", "2026-03-02T07:59:00Z", 0, FALSE,
	    AVAIL_YES },
	{ BERLIN, OFFICE, "", "", "", "2026-07-06T06:59:00Z", 0, TRUE,
	    AVAIL_OFF_HOURS },
	{ BERLIN, OFFICE, "", "", "", "2026-07-06T07:00:00Z", 0, TRUE,
	    AVAIL_YES },
	{ BERLIN, OFFICE, "", "", "", "2026-03-07T10:00:00Z", 0, TRUE,
	    AVAIL_OFF_HOURS },
	{ BERLIN, OFFICE, "", "", "", "2026-03-07T10:00:00Z", 0, FALSE,
	    AVAIL_YES },
	{ BERLIN, "Mon 20:00-24:00", "", "", "", "2026-03-02T22:59:59Z", 0,
	    TRUE, AVAIL_YES },
	{ BERLIN, "Mon 20:00-24:00", "", "", "", "2026-03-02T23:00:00Z", 0,
	    TRUE, AVAIL_OFF_HOURS },
	{ NYC, "Mon-Fri 09:00-17:00", "", "", "", "2026-03-02T14:00:00Z", 0,
	    TRUE, AVAIL_YES },
	{ NYC, "Mon-Fri 09:00-17:00", "", "", "", "2026-03-02T13:59:00Z", 0,
	    TRUE, AVAIL_OFF_HOURS },
	{ NYC, "Mon-Fri 09:00-17:00", "", "", "", "2026-03-09T13:00:00Z", 0,
	    TRUE, AVAIL_YES },	/* EDT from 2026-03-08 */
	/* Sunday 15:30 in UTC is Monday 00:30 in Tokyo. */
	{ TOKYO, "Mon 00:00-01:00", "", "", "", "2026-03-01T15:30:00Z", 0,
	    TRUE, AVAIL_YES },
	{ "", "Mon 00:00-01:00", "", "", "", "2026-03-01T15:30:00Z", 0,
	    TRUE, AVAIL_OFF_HOURS },
	{ "", "Mon 09:00-17:00", "", "", "", "2026-03-02T09:00:00+01:00", 0,
	    TRUE, AVAIL_OFF_HOURS },
	{ "", "Fri-Mon 10:00-12:00", "", "", "", "2026-03-08T11:00:00Z", 0,
	    TRUE, AVAIL_YES },
	{ "", "Fri-Mon 10:00-12:00", "", "", "", "2026-03-04T11:00:00Z", 0,
	    TRUE, AVAIL_OFF_HOURS },
	{ "", "", "", "", "", "2026-03-08T03:00:00Z", 0, TRUE, AVAIL_YES },
	/* Status applies with or without a team. */
	{ BERLIN, OFFICE, "inactive", "", "", "2026-03-02T10:00:00Z", 0,
	    FALSE, AVAIL_INACTIVE },
	{ BERLIN, OFFICE, "inactive", "2026-12-01", "",
	    "2026-03-02T10:00:00Z", 0, TRUE, AVAIL_INACTIVE },
	{ BERLIN, OFFICE, "away", "", "", "2026-03-02T10:00:00Z", 0, FALSE,
	    AVAIL_AWAY },
	{ BERLIN, OFFICE, "away", "", "", "2026-03-07T10:00:00Z", 0, TRUE,
	    AVAIL_AWAY },
	/* status away with a date: the date bounds it */
	{ BERLIN, OFFICE, "away", "2026-01-01", "", "2026-03-02T10:00:00Z",
	    0, TRUE, AVAIL_YES },
	{ BERLIN, OFFICE, "away", "2026-03-02", "", "2026-03-02T10:00:00Z",
	    0, TRUE, AVAIL_AWAY },
	{ BERLIN, "", "away", "2026-03-02", "", "2026-03-02T23:00:00Z",
	    0, FALSE, AVAIL_YES },
	/* away_until: through the end of that day in the owner's zone. */
	{ BERLIN, "", "", "2026-12-01", "", "2026-12-01T22:59:59Z", 0, FALSE,
	    AVAIL_AWAY },
	{ BERLIN, "", "", "2026-12-01", "", "2026-12-01T23:00:00Z", 0, FALSE,
	    AVAIL_YES },
	{ "", "", "", "2026-12-01", "", "2026-12-01T23:00:00Z", 0, FALSE,
	    AVAIL_AWAY },
	{ "", "", "", "2026-12-01", "", "2026-12-02T00:00:00Z", 0, FALSE,
	    AVAIL_YES },
	{ NYC, "", "", "2026-12-01", "", "2026-12-02T04:59:59Z", 0, TRUE,
	    AVAIL_AWAY },
	{ NYC, "", "", "2026-12-01", "", "2026-12-02T05:00:00Z", 0, TRUE,
	    AVAIL_YES },
	{ BERLIN, "", "active", "2026-12-01", "", "2026-01-15T12:00:00Z", 0,
	    FALSE, AVAIL_AWAY },
	{ BERLIN, "", "", "2026-11-30", "", "2026-12-01T12:00:00Z", 0, TRUE,
	    AVAIL_YES },
	{ BERLIN, OFFICE, "", "2026-12-06", "", "2026-12-05T12:00:00Z", 0,
	    TRUE, AVAIL_AWAY },	/* a Saturday: away comes first */
	/* Daily cap, for teams only. */
	{ "", "", "", "", "5", "2026-03-02T10:00:00Z", 4, TRUE, AVAIL_YES },
	{ "", "", "", "", "5", "2026-03-02T10:00:00Z", 5, TRUE,
	    AVAIL_CAPPED },
	{ "", "", "", "", "5", "2026-03-02T10:00:00Z", 6, TRUE,
	    AVAIL_CAPPED },
	{ "", "", "", "", "5", "2026-03-02T10:00:00Z", 5, FALSE, AVAIL_YES },
	{ "", "", "", "", "0", "2026-03-02T10:00:00Z", 1000, TRUE,
	    AVAIL_YES },
	{ "", "", "", "", "", "2026-03-02T10:00:00Z", 1000, TRUE, AVAIL_YES },
	{ BERLIN, OFFICE, "", "", "1", "2026-03-07T10:00:00Z", 9, TRUE,
	    AVAIL_OFF_HOURS },
	{ BERLIN, OFFICE, "away", "", "1", "2026-03-07T10:00:00Z", 9, TRUE,
	    AVAIL_AWAY },
};

/* One owner "dana" with the given columns. */
static struct owner_table *
avail_owner(const char *tz, const char *hours, const char *status,
    const char *away_until, const char *max, struct diag *d)
{
	char *csv = g_strdup_printf("id,email,timezone,hours,status,"
	    "away_until,max_per_day\ndana,dana@example.com,%s,\"%s\",%s,%s,"
	    "%s\n", tz, hours, status, away_until, max);
	struct owner_table *t = parse(csv, d);

	g_free(csv);
	assert_int_equal(diag_count(d), 0);
	assert_int_equal(owners_count(t), 1);
	return t;
}

static void
test_available(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(avail_cases); i++) {
		const struct avail_case *tc = &avail_cases[i];
		struct diag *d = diag_new();
		struct owner_table *t = avail_owner(tc->tz, tc->hours,
		    tc->status, tc->away_until, tc->max, d);
		GDateTime *now = g_date_time_new_from_iso8601(tc->now, NULL);

		print_message("avail %zu: %s '%s' %s %s at %s\n", i, tc->tz,
		    tc->hours, tc->status, tc->away_until, tc->now);
		assert_non_null(now);
		assert_int_equal(owner_available(owners_find(t, "dana"), now,
		    tc->leads, tc->team), tc->want);
		g_date_time_unref(now);
		owners_free(t);
		diag_free(d);
	}
}

struct text_case {
	const char *tz;
	const char *hours;
	const char *status;
	const char *away_until;
	const char *max;
	enum owner_avail a;
	const char *want;
};

static const struct text_case text_cases[] = {
	{ "", "", "", "", "", AVAIL_YES, "available" },
	{ "", "", "inactive", "", "", AVAIL_INACTIVE, "inactive" },
	{ "", "", "away", "", "", AVAIL_AWAY, "away" },
	{ "", "", "away", "2026-12-01", "", AVAIL_AWAY,
	    "away until 2026-12-01" },
	{ BERLIN, "", "", "2026-12-01", "", AVAIL_AWAY,
	    "away until 2026-12-01" },
	{ BERLIN, "mon-fri 9:00-17:30", "", "", "", AVAIL_OFF_HOURS,
	    "outside working hours (Mon-Fri 09:00-17:30 Europe/Berlin)" },
	{ "", "Mon,Wed 08:00-12:00 13:00-17:00; Sat 10:00-14:00", "", "", "",
	    AVAIL_OFF_HOURS, "outside working hours (Mon,Wed 08:00-12:00 "
	    "13:00-17:00; Sat 10:00-14:00 UTC)" },
	{ NYC, "Fri-Mon 10:00-12:00", "", "", "", AVAIL_OFF_HOURS,
	    "outside working hours (Fri-Mon 10:00-12:00 America/New_York)" },
	{ "", "Mon-Sun 09:00-10:00", "", "", "", AVAIL_OFF_HOURS,
	    "outside working hours (Mon-Sun 09:00-10:00 UTC)" },
	{ "", "Sun,Mon,Wed 09:00-10:00", "", "", "", AVAIL_OFF_HOURS,
	    "outside working hours (Sun-Mon,Wed 09:00-10:00 UTC)" },
	{ "", "Mon-Fri 09:00-12:00; Mon-Fri 13:00-17:00", "", "", "",
	    AVAIL_OFF_HOURS,
	    "outside working hours (Mon-Fri 09:00-12:00 13:00-17:00 UTC)" },
	{ "", "Mon-Fri 09:00-17:00; Fri 18:00-19:00", "", "", "",
	    AVAIL_OFF_HOURS, "outside working hours (Mon-Thu 09:00-17:00; "
	    "Fri 09:00-17:00 18:00-19:00 UTC)" },
	{ "", "Tue,Thu 20:00-24:00; Sat 00:00-02:00", "", "", "",
	    AVAIL_OFF_HOURS, "outside working hours (Tue,Thu 20:00-24:00; "
	    "Sat 00:00-02:00 UTC)" },
	{ "", "", "", "", "5", AVAIL_CAPPED, "daily cap of 5 reached" },
	{ "", "", "", "", "1", AVAIL_CAPPED, "daily cap of 1 reached" },
};

static void
test_avail_text(void **state)
{
	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(text_cases); i++) {
		const struct text_case *tc = &text_cases[i];
		struct diag *d = diag_new();
		struct owner_table *t = avail_owner(tc->tz, tc->hours,
		    tc->status, tc->away_until, tc->max, d);
		char *s = owner_avail_text(owners_nth(t, 0), tc->a);

		assert_string_equal(s, tc->want);
		g_free(s);
		owners_free(t);
		diag_free(d);
	}
}

/* --- files ---------------------------------------------------------- */

static void
test_load_good(void **state)
{
	char *path = g_build_filename(TEST_DATA_DIR, "owners", "owners.csv",
	    NULL);
	struct diag *d = diag_new();
	struct owner_table *t = owners_load(path, d);
	const struct owner *o;
	char *ids = dump_ids(t), *h;

	(void)state;
	assert_int_equal(diag_count(d), 0);
	assert_string_equal(ids, "dana,erik,founder,maya,old");
	o = owners_find(t, "dana");
	assert_ptr_equal(o, owners_nth(t, 0));
	assert_string_equal(o->name, "Scully, Dana");
	assert_string_equal(o->email, "dana@example.com");
	assert_string_equal(o->slack, "U012AB3CD");
	assert_string_equal(o->teams[0], "consulting-emea");
	assert_string_equal(o->teams[1], "implementation");
	assert_null(o->teams[2]);
	assert_int_equal(o->weight, 2);
	assert_int_equal(o->max_per_day, 10);
	assert_string_equal(o->timezone, "Europe/Berlin");
	assert_int_equal(o->status, OWNER_ACTIVE);
	assert_false(g_date_valid(&o->away_until));
	assert_int_equal(o->line, 2);
	o = owners_find(t, "erik");
	h = dump_hours(&o->hours);
	assert_string_equal(h, "Mon 08:00-12:00 13:00-17:00; "
	    "Wed 08:00-12:00 13:00-17:00; Sat 10:00-14:00");
	g_free(h);
	o = owners_find(t, "founder");
	assert_null(o->slack);
	assert_null(o->teams[0]);
	assert_int_equal(o->weight, 1);
	assert_null(o->timezone);
	assert_true(o->hours.always);
	o = owners_find(t, "maya");
	assert_int_equal(o->line, 6);
	assert_int_equal(o->status, OWNER_AWAY);
	assert_int_equal(g_date_get_day(&o->away_until), 1);
	assert_int_equal(owners_find(t, "old")->status, OWNER_INACTIVE);
	assert_null(owners_find(t, "nobody"));
	assert_null(owners_find(t, "Dana"));
	assert_null(owners_nth(t, 5));
	g_free(ids);
	owners_free(t);
	diag_free(d);
	g_free(path);
}

static const char *const bad_diags[] = {
	":3:1: error: invalid owner id 'Bad' " ID_RULE,
	":4:2: error: invalid email address 'erik@'",
	":5:1: error: duplicate owner id 'dana' (first on line 2)",
	":6:3: error: invalid weight '0' (a whole number from 1 to 1000000)",
	":7:4: error: invalid max_per_day '-3' (a whole number from 0 to "
	    "1000000)",
	":7:5: error: unknown timezone 'Mars/Olympus'",
	":8:6: error: invalid hours 'Mon-Fri': " RANGE_WHY,
	":9:7: error: invalid status 'busy' " STATUS_RULE,
	":10:8: error: invalid away_until '2026-13-01' " DATE_RULE,
	":11:2: error: invalid email address 'Kim <kim@example.com>'",
	":12:1: error: missing owner id",
};

static void
test_load_bad(void **state)
{
	char *path = g_build_filename(TEST_DATA_DIR, "owners", "bad.csv",
	    NULL);
	struct diag *d = diag_new();
	struct owner_table *t = owners_load(path, d);
	char *ids = dump_ids(t);

	(void)state;
	assert_string_equal(ids, "dana,lee");
	assert_int_equal(diag_count(d), G_N_ELEMENTS(bad_diags));
	assert_int_equal(diag_errors(d), G_N_ELEMENTS(bad_diags));
	for (gsize i = 0; i < G_N_ELEMENTS(bad_diags); i++) {
		char *want = g_strconcat(path, bad_diags[i], NULL);

		assert_string_equal(diag_get(d, i), want);
		g_free(want);
	}
	g_free(ids);
	owners_free(t);
	diag_free(d);
	g_free(path);
}

static void
test_load_missing(void **state)
{
	char *path = g_build_filename(TEST_DATA_DIR, "owners", "missing.csv",
	    NULL);
	char *want = g_strdup_printf("%s: error: cannot read %s: No such "
	    "file or directory", path, path);
	struct diag *d = diag_new();

	(void)state;
	assert_null(owners_load(path, d));
	assert_int_equal(diag_count(d), 1);
	assert_string_equal(diag_get(d, 0), want);
	owners_free(NULL);
	diag_free(d);
	g_free(want);
	g_free(path);
}

/* Working time between two moments, in the owner's zone: what an SLA
 * "in working hours" counts. */
static void
test_work_seconds(void **state)
{
	static const char csv[] =
	    "id,email,timezone,hours\n"
	    "ann,ann@example.com,UTC,Mon-Fri 09:00-17:00\n"
	    "ben,ben@example.com,Europe/Berlin,Mon-Fri 09:00-17:00\n"
	    "cy,cy@example.com,UTC,\n"
	    "dee,dee@example.com,Europe/Berlin,Sun 09:00-17:00\n";
	static const struct {
		const char *who, *from, *to;
		gint64 want;
	} t[] = {
		/* Mon 2026-03-02 */
		{ "ann", "2026-03-02T10:00:00Z", "2026-03-02T10:15:00Z", 900 },
		{ "ann", "2026-03-02T16:50:00Z", "2026-03-03T09:10:00Z", 1200 },
		{ "ann", "2026-03-06T16:55:00Z", "2026-03-09T09:05:00Z", 600 },
		{ "ann", "2026-03-07T10:00:00Z", "2026-03-08T10:00:00Z", 0 },
		{ "ann", "2026-03-02T08:00:00Z", "2026-03-02T18:00:00Z", 28800 },
		{ "ann", "2026-03-02T12:00:00Z", "2026-03-02T11:00:00Z", 0 },
		/* 08:55-09:10 in Berlin */
		{ "ben", "2026-03-02T07:55:00Z", "2026-03-02T08:10:00Z", 600 },
		{ "cy", "2026-03-07T10:00:00Z", "2026-03-08T10:00:00Z", 86400 },
		/* daylight saving in Berlin: Mon 2026-03-30 09:00-17:00 CEST
		 * is 07:00-15:00Z; Mon 2026-10-26 09:00-17:00 CET is
		 * 08:00-16:00Z (the clocks moved on the Sunday before) */
		{ "ben", "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z", 3600 },
		{ "ben", "2026-03-30T14:30:00Z", "2026-03-30T16:00:00Z", 1800 },
		{ "ben", "2026-03-28T12:00:00Z", "2026-03-31T12:00:00Z",
		    8 * 3600 + 5 * 3600 },
		{ "ben", "2026-10-26T07:00:00Z", "2026-10-26T08:30:00Z", 1800 },
		{ "dee", "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", 8 * 3600 },
		/* on the day itself: 09:00 CEST is 07:00Z, 17:00 is 15:00Z */
		{ "dee", "2026-03-29T07:00:00Z", "2026-03-29T08:00:00Z", 3600 },
		{ "dee", "2026-03-29T15:00:00Z", "2026-03-29T16:00:00Z", 0 },
		{ "dee", "2026-10-25T16:00:00Z", "2026-10-25T17:00:00Z", 0 },
		{ "dee", "2026-10-25T00:00:00Z", "2026-10-26T00:00:00Z", 8 * 3600 },
	};
	struct diag *d = diag_new();
	struct owner_table *tab = owners_parse(csv, strlen(csv), "o.csv", d);

	(void)state;
	assert_int_equal(diag_errors(d), 0);
	for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
		GDateTime *a = g_date_time_new_from_iso8601(t[i].from, NULL);
		GDateTime *b = g_date_time_new_from_iso8601(t[i].to, NULL);

		print_message("work: %s %s..%s\n", t[i].who, t[i].from, t[i].to);
		assert_int_equal(owner_work_seconds(owners_find(tab, t[i].who),
		    g_date_time_to_unix(a), g_date_time_to_unix(b)), t[i].want);
		g_date_time_unref(a);
		g_date_time_unref(b);
	}
	owners_free(tab);
	diag_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_work_seconds),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_available),
		cmocka_unit_test(test_avail_text),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_bad),
		cmocka_unit_test(test_load_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
