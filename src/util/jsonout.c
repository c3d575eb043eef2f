/*
 * jsonout.c: see jsonout.h.
 */
#include "config.h"

#include "jsonout.h"

void
json_member_string(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v != NULL)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

char *
json_string(JsonBuilder *b, gboolean pretty)
{
	JsonGenerator *g = json_generator_new();
	JsonNode *root = json_builder_get_root(b);
	char *s;

	json_generator_set_root(g, root);
	json_generator_set_pretty(g, pretty);
	s = json_generator_to_data(g, NULL);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return s;
}

void
json_out(FILE *fp, JsonBuilder *b, gboolean pretty)
{
	char *s = json_string(b, pretty);

	fprintf(fp, "%s\n", s);
	g_free(s);
}
