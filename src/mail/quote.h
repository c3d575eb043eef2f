/*
 * quote.h: the new text of a direct mail: quoted replies and the
 * signature removed (spec section 6, `body`).
 */
#ifndef LR_QUOTE_H
#define LR_QUOTE_H

#include <glib.h>

/*
 * text without: lines quoted with '>', an "On ... wrote:" line (also
 * wrapped over two lines, and its German, French, Spanish, Italian, Dutch
 * and Portuguese forms) and all after it, an Outlook "-----Original
 * Message-----" separator or "From: ... Sent: ..." header block and all
 * after it, and a signature from a "-- " line on. Trailing blank lines go
 * too. Caller owns the result.
 */
char *quote_strip(const char *text);

#endif
