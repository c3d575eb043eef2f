/*
 * number.h: the first number in a free-text form value (spec section 6):
 * "1,000+" and "1.000" are 1000, "200-500" is 200, "50k" and "$50k" are
 * 50000, "1.5k" is 1500; currency signs and codes are ignored.
 */
#ifndef LR_NUMBER_H
#define LR_NUMBER_H

#include <glib.h>

/* TRUE and *out set when s holds a number; FALSE otherwise. */
gboolean number_parse(const char *s, double *out);

#endif
