/*
 * forward.h: a message a person forwarded inline (spec section 6, v2):
 * the forwarded message's header block ("---------- Forwarded message
 * ---------", "Begin forwarded message:", Thunderbird's and Outlook's
 * blocks, in English, German, French, Spanish and a few more) found in
 * the text of the forward, and read back into a mail of its own.
 */
#ifndef LR_FORWARD_H
#define LR_FORWARD_H

#include <glib.h>

#include "mail.h"

#define FORWARD_MAX_LINES	400	/* lines of a forward looked at for the
					 * block's start */
#define FORWARD_MAX_BLOCK	60	/* lines of a header block, wrapped
					 * recipients included */
#define FORWARD_MAX_VALUE	4096	/* bytes read of one header line */

/*
 * The message forwarded in text, or NULL when text holds none. A block
 * is taken after a forward marker line, or, with forward_subject (the
 * forward's subject has a forward prefix: "Fwd:", "WG:", "TR:", "RV:"),
 * after an "Original Message" marker or at a top-level header block
 * ("From: ... Sent: ...") with no marker, as Outlook writes them; an
 * owner's reply quotes its lead the same way. The mail returned has
 * from, reply_to, subject, date and date_offset as the block gives them
 * (a date without a zone is taken in default_offset, "+0100", or UTC),
 * recipients, and plain: the forwarded text, unquoted.
 */
struct mail *forward_inline(const char *text, gboolean forward_subject,
    const char *default_offset);

/* Does subject start with a forward prefix ("Fwd:", "FW:", "WG:")? */
gboolean forward_subject(const char *subject);
/* With a reply prefix ("Re:", "AW:", "SV:", "RIF:")? A reply quotes its
 * lead, forward blocks and all: it forwards nothing. */
gboolean forward_reply_subject(const char *subject);

#endif
