/*
 * chanid.c: channel ids and the names the journal stores them by.
 */
#include "config.h"

#include <string.h>

#include "chanid.h"

static const char *const names[CHAN_N] = {
	[CHAN_FORWARD] = "smtp",
	[CHAN_SLACK] = "slack",
	[CHAN_SLACK_DM] = "slack_dm",
	[CHAN_WEBHOOK] = "webhook",
};

const char *
chan_id_name(enum chan_id c)
{
	return (guint)c < CHAN_N ? names[c] : "?";
}

gboolean
chan_id_lookup(const char *name, enum chan_id *c)
{
	for (int i = 0; name != NULL && i < CHAN_N; i++)
		if (strcmp(names[i], name) == 0) {
			*c = (enum chan_id)i;
			return TRUE;
		}
	return FALSE;
}
