/*
 * country.h: country inference for a lead (spec section 6). All data
 * tables (ISO 3166-1 alpha-2 codes and English short names, common
 * aliases, international calling codes, ccTLD exceptions and the
 * generic-use ccTLDs that are not countries) live in country.c and
 * nowhere else. Returned codes are static uppercase strings.
 */
#ifndef LR_COUNTRY_H
#define LR_COUNTRY_H

#include <glib.h>

/* TRUE when code (any case) is an assigned ISO 3166-1 alpha-2 code. */
gboolean country_is_iso(const char *code);
/*
 * A form's country value: an alpha-2 code ("de"), an alpha-3 code
 * ("DEU"), an English short name ("Germany", "United Kingdom"), or a
 * common alias ("UK", "USA", "United States of America", "Deutschland").
 * Case, surrounding space and punctuation are ignored. NULL if unknown.
 */
const char *country_from_name(const char *s);
/* Country of an international phone number ("+1 415 ...", "0049 30 ...");
 * +1 is US. NULL for numbers without an international prefix. */
const char *country_from_phone(const char *phone);
/* Country of a domain's ccTLD ("co.uk" -> GB); NULL for generic TLDs and
 * for the generic-use ccTLDs (.io .co .ai .me .tv .cc .fm .ws ...). */
const char *country_from_domain(const char *domain);

#endif
