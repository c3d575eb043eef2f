/*
 * conf.c: reading leadroute.conf. Only what the offline commands need
 * is read here; unknown groups and keys are left for the agent.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "route.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

char **
config_search_path(void)
{
	GPtrArray *a = g_ptr_array_new();

	g_ptr_array_add(a, g_strdup("leadroute.conf"));
	g_ptr_array_add(a, g_build_filename(g_get_user_config_dir(),
	    "leadroute", "leadroute.conf", NULL));
	g_ptr_array_add(a, g_build_filename(SYSCONFDIR, "leadroute",
	    "leadroute.conf", NULL));
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

static char *
resolve(const char *dir, const char *p)
{
	if (g_path_is_absolute(p))
		return g_strdup(p);
	return g_build_filename(dir, p, NULL);
}

struct config *
config_load(const char *path, struct diag *d)
{
	struct config *c;
	GError *err = NULL;
	char *found = NULL, *dir, *v;

	if (path == NULL) {
		char **paths = config_search_path();

		for (guint i = 0; paths[i] != NULL && found == NULL; i++)
			if (g_file_test(paths[i], G_FILE_TEST_IS_REGULAR))
				found = g_strdup(paths[i]);
		g_strfreev(paths);
		if (found == NULL)
			return NULL;
	} else
		found = g_strdup(path);

	c = g_new0(struct config, 1);
	c->path = found;
	c->kf = g_key_file_new();
	if (!g_key_file_load_from_file(c->kf, found, G_KEY_FILE_NONE, &err)) {
		diag_add(d, DIAG_ERROR, found, 0, 0, "cannot read "
		    "configuration: %s", err->message);
		g_error_free(err);
		config_free(c);
		return NULL;
	}
	dir = g_path_get_dirname(found);
	if ((v = g_key_file_get_string(c->kf, "rules", "file", NULL)) != NULL) {
		g_strstrip(v);
		c->rules_file = resolve(dir, v);
		g_free(v);
	}
	v = g_key_file_get_string(c->kf, "inbox", "folder_prefix", NULL);
	if (v != NULL && *g_strstrip(v) != '\0')
		c->folder_prefix = v;
	else {
		g_free(v);
		c->folder_prefix = g_strdup(ROUTE_DEFAULT_PREFIX);
	}
	g_free(dir);
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	g_free(c->path);
	g_free(c->rules_file);
	g_free(c->folder_prefix);
	if (c->kf != NULL)
		g_key_file_free(c->kf);
	g_free(c);
}
