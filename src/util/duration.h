/*
 * duration.h: durations as the rules, owners.csv and the configuration
 * write them ("90s", "15m", "4h", "2d") and as messages show them.
 */
#ifndef LR_DURATION_H
#define LR_DURATION_H

#include <glib.h>

/* Parse a duration ("90s", "15m", "4h", "2d"); -1 when malformed. */
gint64 duration_parse(const char *s);
/* Seconds as people read them: "4h", "15m", "1d 2h", "2h 5m", "0s" (the
 * two largest units at most, the rest dropped; negative reads as 0).
 * Caller frees. */
char *duration_text(gint64 seconds);

#endif
