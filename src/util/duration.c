/*
 * duration.c: see duration.h. A number and one unit, nothing else: no
 * sign, no space, no fraction, no combined units.
 */
#include "config.h"

#include "duration.h"

gint64
duration_parse(const char *s)
{
	char *end;
	guint64 n;

	if (s == NULL || !g_ascii_isdigit(*s))
		return -1;
	n = g_ascii_strtoull(s, &end, 10);
	if (n > G_MAXINT32 || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (*end) {
	case 's': return (gint64)n;
	case 'm': return (gint64)n * 60;
	case 'h': return (gint64)n * 3600;
	case 'd': return (gint64)n * 86400;
	}
	return -1;
}

char *
duration_text(gint64 s)
{
	static const struct {
		gint64 size;
		char unit;
	} u[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	GString *out = g_string_new(NULL);
	guint units = 0;

	s = MAX(s, 0);
	if (s == 0)
		g_string_append(out, "0s");
	for (guint i = 0; i < G_N_ELEMENTS(u) && units < 2 && s > 0; i++)
		if (s >= u[i].size) {
			g_string_append_printf(out, "%s%" G_GINT64_FORMAT "%c",
			    units++ ? " " : "", s / u[i].size, u[i].unit);
			s %= u[i].size;
		} else if (units > 0)
			break;	/* "1d 0h 5m" would be read as 1d */
	return g_string_free(out, FALSE);
}
