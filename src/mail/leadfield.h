/*
 * leadfield.h: the names of a lead's fields (spec section 6) as rules,
 * templates and explain's JSON write them. Only the names: the rules
 * compiler reads them without the lead extractor (lead.h).
 */
#ifndef LR_LEADFIELD_H
#define LR_LEADFIELD_H

#include <glib.h>

/* The fields a rule can test; FORM and HEADER take a name. */
enum lead_field {
	LF_EMAIL, LF_NAME, LF_DOMAIN, LF_FROM, LF_FROM_NAME, LF_FROM_DOMAIN,
	LF_REPLY_TO, LF_COMPANY, LF_PHONE, LF_WEBSITE, LF_COUNTRY,
	LF_EMPLOYEES, LF_BUDGET, LF_MESSAGE, LF_SUBJECT, LF_BODY, LF_TEXT,
	LF_TZ, LF_LANGUAGE, LF_ATTACHMENTS, LF_MESSAGE_ID,
	LF_FORM, LF_HEADER,
	LF_NFIELDS
};

/* The field named name ("email", "from.domain", ...); FALSE if none.
 * "form" and "header" are returned as LF_FORM / LF_HEADER. */
gboolean lead_field_lookup(const char *name, enum lead_field *f);
/* f's name; "?" for a value that is no field. Static. */
const char *lead_field_name(enum lead_field f);
/* Is f numeric in the JSON output (employees, budget, attachments)? */
gboolean lead_field_numeric(enum lead_field f);

#endif
