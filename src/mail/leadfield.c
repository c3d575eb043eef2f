/*
 * leadfield.c: see leadfield.h.
 */
#include "config.h"

#include <string.h>

#include "leadfield.h"

static const char *const field_names[LF_NFIELDS] = {
	[LF_EMAIL] = "email", [LF_NAME] = "name", [LF_DOMAIN] = "domain",
	[LF_FROM] = "from", [LF_FROM_NAME] = "from.name",
	[LF_FROM_DOMAIN] = "from.domain", [LF_REPLY_TO] = "reply_to",
	[LF_COMPANY] = "company", [LF_PHONE] = "phone",
	[LF_WEBSITE] = "website", [LF_COUNTRY] = "country",
	[LF_EMPLOYEES] = "employees", [LF_BUDGET] = "budget",
	[LF_MESSAGE] = "message", [LF_SUBJECT] = "subject",
	[LF_BODY] = "body", [LF_TEXT] = "text", [LF_TZ] = "tz",
	[LF_LANGUAGE] = "language", [LF_ATTACHMENTS] = "attachments",
	[LF_MESSAGE_ID] = "message_id", [LF_FORM] = "form",
	[LF_HEADER] = "header",
};

gboolean
lead_field_lookup(const char *name, enum lead_field *f)
{
	for (int i = 0; i < LF_NFIELDS; i++) {
		if (strcmp(name, field_names[i]) == 0) {
			*f = (enum lead_field)i;
			return TRUE;
		}
	}
	return FALSE;
}

const char *
lead_field_name(enum lead_field f)
{
	return f < LF_NFIELDS ? field_names[f] : "?";
}

gboolean
lead_field_numeric(enum lead_field f)
{
	return f == LF_EMPLOYEES || f == LF_BUDGET || f == LF_ATTACHMENTS;
}
