/*
 * explain.c: `leadroute explain`. Each message is read whole (capped),
 * turned into a lead, decided, and printed: a text block a sales-ops
 * person can read at a glance, or one JSON object a line (spec section 7)
 * built with json-glib. Nothing is written anywhere else.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sysexits.h>

#include <json-glib/json-glib.h>

#include "auth.h"
#include "explain.h"
#include "jsonout.h"
#include "form.h"
#include "log.h"

#define EXPLAIN_MAX_MESSAGE	(64 * 1024 * 1024)	/* bytes read of one message */
#define TEXT_MAX_VALUE		100			/* characters shown of a value */

/* The lead fields shown, in this order. */
static const enum lead_field shown[] = {
	LF_EMAIL, LF_NAME, LF_DOMAIN, LF_FROM, LF_FROM_NAME, LF_REPLY_TO,
	LF_COMPANY, LF_PHONE, LF_WEBSITE, LF_COUNTRY, LF_EMPLOYEES, LF_BUDGET,
	LF_SUBJECT, LF_TZ, LF_LANGUAGE,
};

/* --- JSON -------------------------------------------------------------- */

static void
json_number(JsonBuilder *b, double v)
{
	if (v == (double)(gint64)v && v < 9e15 && v > -9e15)
		json_builder_add_int_value(b, (gint64)v);
	else
		json_builder_add_double_value(b, v);
}

/* A string member, left out when v is NULL. */
static void
json_opt_string(JsonBuilder *b, const char *name, const char *v)
{
	if (v == NULL)
		return;
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v);
}

static void
json_strings(JsonBuilder *b, const char *name, GPtrArray *a)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < a->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(a, i));
	json_builder_end_array(b);
}

static void
json_lead(JsonBuilder *b, const struct lead *l)
{
	GHashTable *seen;

	lead_language(l);

	json_builder_begin_object(b);
	for (guint i = 0; i < G_N_ELEMENTS(shown); i++) {
		enum lead_field f = shown[i];

		if (f == LF_EMPLOYEES && l->has_employees) {
			json_builder_set_member_name(b, "employees");
			json_number(b, l->employees);
		} else if (f == LF_BUDGET && l->has_budget) {
			json_builder_set_member_name(b, "budget");
			json_number(b, l->budget);
		} else if (f != LF_EMPLOYEES && f != LF_BUDGET &&
		    l->str[f] != NULL) {
			json_builder_set_member_name(b, lead_field_name(f));
			json_builder_add_string_value(b, l->str[f]);
		}
	}
	json_opt_string(b, "country_from", l->country_from);
	json_opt_string(b, "message", l->str[LF_MESSAGE]);
	json_builder_set_member_name(b, "attachments");
	json_builder_add_int_value(b, l->attachments);
	json_builder_set_member_name(b, "is_form");
	json_builder_add_boolean_value(b, l->is_form);
	json_builder_set_member_name(b, "auto");
	json_builder_add_boolean_value(b, l->is_auto);
	json_opt_string(b, "auto_why", l->auto_why);
	json_opt_string(b, "relayed_by", l->relayed_by);
	json_opt_string(b, "forwarded_by", l->forwarded_by);
	json_opt_string(b, "language_source", l->language_source);
	json_builder_set_member_name(b, "spam");
	json_builder_add_boolean_value(b, l->is_spam);
	if (l->is_form) {
		/* A label that repeats keeps its first value. */
		seen = g_hash_table_new(g_str_hash, g_str_equal);
		json_builder_set_member_name(b, "form");
		json_builder_begin_object(b);
		for (guint i = 0; i < l->form->len; i++) {
			const struct form_pair *p = g_ptr_array_index(l->form, i);

			if (!g_hash_table_add(seen, p->label))
				continue;
			json_builder_set_member_name(b, p->label);
			json_builder_add_string_value(b, p->value);
		}
		json_builder_end_object(b);
		g_hash_table_destroy(seen);
	}
	if (l->notes->len > 0)
		json_strings(b, "notes", l->notes);
	json_builder_end_object(b);
}

static void
json_dims(JsonBuilder *b, const struct decision *dc)
{
	json_builder_begin_object(b);
	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *dv = g_ptr_array_index(dc->dims, i);

		json_builder_set_member_name(b, dv->name);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "value");
		json_builder_add_string_value(b, dv->value);
		if (dv->line > 0) {
			json_builder_set_member_name(b, "line");
			json_builder_add_int_value(b, dv->line);
		}
		if (dv->matched->len > 0)
			json_strings(b, "matched", dv->matched);
		if (dv->candidates->len > 1)
			json_strings(b, "candidates", dv->candidates);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
}

static void
print_json(const struct explain_opts *o, const char *file,
    const struct lead *l, const struct decision *dc)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_member_string(b, "file", file);
	json_member_string(b, "message_id", l->str[LF_MESSAGE_ID]);
	json_builder_set_member_name(b, "lead");
	json_lead(b, l);
	json_builder_set_member_name(b, "dimensions");
	json_dims(b, dc);
	json_builder_set_member_name(b, "destination");
	json_builder_begin_object(b);
	json_member_string(b, "kind", rules_dest_kind_name(dc->kind));
	json_member_string(b, "id", dc->id);
	json_member_string(b, "owner", dc->owner);
	json_member_string(b, "folder", dc->folder);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "route");
	if (dc->route_line > 0) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "line");
		json_builder_add_int_value(b, dc->route_line);
		json_builder_end_object(b);
	} else
		json_builder_add_null_value(b);
	json_member_string(b, "reason", dc->reason);
	if (dc->notes->len > 0)
		json_strings(b, "notes", dc->notes);
	json_builder_end_object(b);
	json_out(o->out, b, FALSE);
}

/* --- text -------------------------------------------------------------- */

/* A value on one line, shortened for the eye. */
static char *
oneline(const char *v)
{
	GString *s = g_string_new(NULL);
	glong n = 0;

	for (const char *p = v; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (++n > TEXT_MAX_VALUE) {
			g_string_append(s, "…");
			break;
		}
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			c = 0xFFFD;
		g_string_append_unichar(s, c);
	}
	return g_string_free(s, FALSE);
}

static void
text_field(FILE *fp, const char *label, const char *v)
{
	char *s;

	if (v == NULL)
		return;
	s = oneline(v);
	fprintf(fp, "  %-10s %s\n", label, s);
	g_free(s);
}

static char *
route_text(const struct route *r)
{
	GString *s = g_string_new(NULL);

	if (r->conds->len == 0)
		g_string_append(s, "*");
	for (guint i = 0; i < r->conds->len; i++) {
		const struct cond *c = g_ptr_array_index(r->conds, i);

		g_string_append_printf(s, "%s%s%s%s", i ? " " : "", c->dim,
		    c->negate ? "!=" : "=", c->value);
	}
	g_string_append_printf(s, " -> %s", rules_dest_kind_name(r->dest.kind));
	if (r->dest.id != NULL)
		g_string_append_printf(s, " %s", r->dest.id);
	return g_string_free(s, FALSE);
}

static void
print_text(const struct explain_opts *o, const char *file,
    const struct lead *l, const struct decision *dc)
{
	FILE *fp = o->out;
	char buf[64];

	fprintf(fp, "%s\n", file);
	text_field(fp, "message-id", l->str[LF_MESSAGE_ID]);
	text_field(fp, "email", l->str[LF_EMAIL]);
	text_field(fp, "name", l->str[LF_NAME]);
	text_field(fp, "company", l->str[LF_COMPANY]);
	text_field(fp, "domain", l->str[LF_DOMAIN]);
	if (l->str[LF_COUNTRY] != NULL) {
		char *c = g_strdup_printf("%s (from the %s)", l->str[LF_COUNTRY],
		    l->country_from);

		text_field(fp, "country", c);
		g_free(c);
	}
	if (l->has_employees) {
		g_snprintf(buf, sizeof(buf), "%.15g", l->employees);
		text_field(fp, "employees", buf);
	}
	if (l->has_budget) {
		g_snprintf(buf, sizeof(buf), "%.15g", l->budget);
		text_field(fp, "budget", buf);
	}
	text_field(fp, "subject", l->str[LF_SUBJECT]);
	if (l->is_form) {
		g_snprintf(buf, sizeof(buf), "web form, %u fields", l->form->len);
		text_field(fp, "kind", buf);
	}
	if (l->forwarded_by != NULL) {
		char *v = g_strdup_printf("by %s", l->forwarded_by);

		text_field(fp, "forwarded", v);
		g_free(v);
	}
	if (l->relayed_by != NULL) {
		char *v = g_strdup_printf("by the group %s (inbox)",
		    l->relayed_by);

		text_field(fp, "relayed", v);
		g_free(v);
	}
	if (lead_language(l) != NULL) {
		char *v = g_strdup_printf("%s (from the %s)",
		    l->str[LF_LANGUAGE], g_strcmp0(l->language_source,
		    "detected") == 0 ? "text" : "Content-Language header");

		text_field(fp, "language", v);
		g_free(v);
	}
	if (l->is_auto)
		text_field(fp, "auto", l->auto_why);
	if (l->is_spam)
		text_field(fp, "spam", "yes");
	for (guint i = 0; i < l->notes->len; i++)
		text_field(fp, "note", g_ptr_array_index(l->notes, i));

	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *dv = g_ptr_array_index(dc->dims, i);
		GString *s = g_string_new(dv->value);

		if (dv->line > 0)
			g_string_append_printf(s, "  (line %d", dv->line);
		if (dv->candidates->len > 1) {
			g_string_append(s, "  (");
			for (guint k = 0; k < dv->candidates->len; k++)
				g_string_append_printf(s, "%s%s", k == 0 ? "" :
				    k + 1 == dv->candidates->len ? " and " :
				    ", ", (char *)g_ptr_array_index(
				    dv->candidates, k));
			g_string_append(s, " matched");
		}
		for (guint k = 0; k < dv->matched->len && k < 3; k++)
			g_string_append_printf(s, "%s\"%s\"", k ? ", " :
			    dv->candidates->len > 1 ? ": " : ": matched ",
			    (char *)g_ptr_array_index(dv->matched, k));
		if (dv->line > 0 || dv->candidates->len > 1)
			g_string_append(s, ")");
		text_field(fp, dv->name, s->str);
		g_string_free(s, TRUE);
	}
	if (dc->route != NULL) {
		char *r = route_text(dc->route);
		char *s = g_strdup_printf("line %d: %s", dc->route_line, r);

		text_field(fp, "route", s);
		g_free(s);
		g_free(r);
	}
	for (guint i = 0; i < dc->notes->len; i++)
		text_field(fp, "note", g_ptr_array_index(dc->notes, i));
	fprintf(fp, "  => %s", rules_dest_kind_name(dc->kind));
	if (dc->id != NULL)
		fprintf(fp, " %s", dc->id);
	if (dc->owner != NULL && (dc->id == NULL ||
	    strcmp(dc->owner, dc->id) != 0))
		fprintf(fp, ", owner %s", dc->owner);
	fprintf(fp, ", folder %s\n", dc->folder);
	fprintf(fp, "     because %s\n\n", dc->reason);
}

void
explain_print(const struct explain_opts *o, const char *file,
    const struct lead *l, const struct decision *dc)
{
	if (o->json)
		print_json(o, file, l, dc);
	else
		print_text(o, file, l, dc);
	fflush(o->out);
}

/* --- inputs ------------------------------------------------------------ */

static void
explain_bytes(const char *file, const char *data, gsize len, void *ctx)
{
	const struct explain_opts *o = ctx;
	struct lead_ctx lc = o->rules->lead;
	struct lead *l;

	if (o->auth != NULL) {
		lc.vouch = auth_vouch;
		lc.vouch_data = o->auth;
	}
	l = lead_from_bytes(data, len, &lc);
	struct decision *dc = route_decide(o->rules, l, o->now, o->prefix,
	    NULL);

	explain_print(o, file, l, dc);
	decision_free(dc);
	lead_free(l);
}

static char *
read_stream(FILE *fp, gsize *len)
{
	GString *s = g_string_new(NULL);
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (s->len < EXPLAIN_MAX_MESSAGE)
			g_string_append_len(s, buf, n);
	*len = s->len;
	return g_string_free(s, FALSE);
}

static int
read_file(const char *path, explain_msg_cb cb, void *ctx)
{
	GError *err = NULL;
	char *data;
	gsize len;

	if (strcmp(path, "-") == 0) {
		data = read_stream(stdin, &len);
		if (ferror(stdin)) {
			log_warn("explain: reading stdin");
			g_free(data);
			return EX_NOINPUT;
		}
	} else if (!g_file_get_contents(path, &data, &len, &err)) {
		log_warnx("explain: %s", err->message);
		g_error_free(err);
		return EX_NOINPUT;
	}
	if (len > EXPLAIN_MAX_MESSAGE) {
		log_warnx("explain: %s: only the first %d bytes read", path,
		    EXPLAIN_MAX_MESSAGE);
		len = EXPLAIN_MAX_MESSAGE;
	}
	cb(path, data, len, ctx);
	g_free(data);
	return 0;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add_dir(GPtrArray *files, const char *dir, gboolean eml_only)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *p;

		if (name[0] == '.' || (eml_only && !g_str_has_suffix(name,
		    ".eml")))
			continue;
		p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(files, p);
		else
			g_free(p);
	}
	g_dir_close(d);
}

GPtrArray *
explain_dir_files(const char *dir, GError **err)
{
	GDir *d = g_dir_open(dir, 0, err);
	GPtrArray *files;
	char *cur, *new;

	if (d == NULL)
		return NULL;
	g_dir_close(d);
	files = g_ptr_array_new_with_free_func(g_free);
	cur = g_build_filename(dir, "cur", NULL);
	new = g_build_filename(dir, "new", NULL);
	if (g_file_test(cur, G_FILE_TEST_IS_DIR) ||
	    g_file_test(new, G_FILE_TEST_IS_DIR)) {
		add_dir(files, cur, FALSE);
		add_dir(files, new, FALSE);
	} else
		add_dir(files, dir, TRUE);
	g_free(cur);
	g_free(new);
	g_ptr_array_sort(files, compare_names);
	return files;
}

int
explain_paths(const struct explain_opts *o, char **paths, int n)
{
	return explain_each(paths, n, explain_bytes, (void *)o);
}

int
explain_each(char **paths, int n, explain_msg_cb cb, void *ctx)
{
	int rc = 0;

	for (int i = 0; i < n; i++) {
		GError *err = NULL;
		GPtrArray *files;

		if (strcmp(paths[i], "-") == 0 ||
		    !g_file_test(paths[i], G_FILE_TEST_IS_DIR)) {
			if (read_file(paths[i], cb, ctx) != 0)
				rc = EX_NOINPUT;
			continue;
		}
		if ((files = explain_dir_files(paths[i], &err)) == NULL) {
			log_warnx("explain: %s", err->message);
			g_error_free(err);
			rc = EX_NOINPUT;
			continue;
		}
		if (files->len == 0)
			log_warnx("explain: %s: no messages (a Maildir or "
			    "*.eml files)", paths[i]);
		for (guint k = 0; k < files->len; k++)
			if (read_file(g_ptr_array_index(files, k), cb,
			    ctx) != 0)
				rc = EX_NOINPUT;
		g_ptr_array_free(files, TRUE);
	}
	return rc;
}
