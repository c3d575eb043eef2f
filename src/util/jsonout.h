/*
 * jsonout.h: printing what a json-glib builder built, one place for the
 * commands that print JSON (explain, owners, diff).
 */
#ifndef LR_JSONOUT_H
#define LR_JSONOUT_H

#include <stdio.h>

#include <json-glib/json-glib.h>

/* Member name with the string v, or null when v is NULL. */
void json_member_string(JsonBuilder *b, const char *name, const char *v);

/* b's root as JSON text (caller frees); b is unreferenced. */
char *json_string(JsonBuilder *b, gboolean pretty);

/* Print b's root to fp and a newline: one line, or indented when pretty;
 * b is unreferenced. */
void json_out(FILE *fp, JsonBuilder *b, gboolean pretty);

#endif
