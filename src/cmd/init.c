/*
 * init.c: `leadroute init DIR`. The files come from the GResource built
 * from src/init.gresource.xml (the shipped rules/, templates/ and
 * contrib/leadroute.conf); the secrets are placeholders a person replaces.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "init-resources.h"
#include "conf.h"
#include "fileio.h"
#include "init.h"

#define INIT_ROOT	"/leadroute/init/"
#define INIT_SECRET	CONFIG_SECRET_PLACEHOLDER "\n"

/* The secrets contrib/leadroute.conf names (password_file). */
static const char *const secrets[] = { "imap.secret", "smtp.secret" };

/* Every file under the resource path root + rel, as rel/name. */
static void
list(const char *rel, GPtrArray *out)
{
	char *path = g_strconcat(INIT_ROOT, rel, NULL);
	char **kids = g_resources_enumerate_children(path,
	    G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

	for (guint i = 0; kids != NULL && kids[i] != NULL; i++) {
		char *name = g_strconcat(rel, kids[i], NULL);

		if (g_str_has_suffix(name, "/")) {
			list(name, out);
			g_free(name);
		} else
			g_ptr_array_add(out, name);
	}
	g_strfreev(kids);
	g_free(path);
}

static gint
cmp_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Create path (mode) with data; never over an existing file. */
static gboolean
write_new(const char *path, const void *data, gsize len, int mode,
    GError **err)
{
	int fd = g_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		goto fail;
	if (!fileio_write_all(fd, data, len)) {
		int e = errno;

		close(fd);
		errno = e;
		goto fail;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		goto fail;
	return TRUE;
fail:
	g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
	    "%s: %s", path, g_strerror(errno));
	return FALSE;
}

static void
register_once(void)
{
	static gsize registered;

	if (g_once_init_enter(&registered)) {
		lr_init_register_resource();
		g_once_init_leave(&registered, 1);
	}
}

GBytes *
init_builtin(const char *name)
{
	char *rpath = g_strconcat(INIT_ROOT, name, NULL);
	GBytes *b;

	register_once();
	b = g_resources_lookup_data(rpath, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
	g_free(rpath);
	return b;
}

gboolean
init_write(const char *dir, GPtrArray *written, GError **err)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	gboolean ok = TRUE;

	register_once();
	list("", names);
	g_ptr_array_sort(names, cmp_name);
	for (guint i = 0; i < G_N_ELEMENTS(secrets); i++)
		g_ptr_array_add(names, g_strdup(secrets[i]));
	/* look first: nothing is written when anything is in the way */
	for (guint i = 0; ok && i < names->len; i++) {
		char *p = g_build_filename(dir, g_ptr_array_index(names, i),
		    NULL);

		if (g_file_test(p, G_FILE_TEST_EXISTS)) {
			g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST,
			    "%s exists already; init writes nothing over a "
			    "file (move it away, or init another directory)",
			    p);
			ok = FALSE;
		}
		g_free(p);
	}
	if (ok && g_mkdir_with_parents(dir, 0750) != 0) {
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
		    "%s: %s", dir, g_strerror(errno));
		ok = FALSE;
	}
	for (guint i = 0; ok && i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		char *p = g_build_filename(dir, name, NULL);
		char *parent = g_path_get_dirname(p);
		gboolean secret = i >= names->len - G_N_ELEMENTS(secrets);
		GBytes *b = NULL;

		if (g_mkdir_with_parents(parent, 0750) != 0) {
			g_set_error(err, G_FILE_ERROR,
			    g_file_error_from_errno(errno), "%s: %s", parent,
			    g_strerror(errno));
			ok = FALSE;
		} else if (secret)
			ok = write_new(p, INIT_SECRET, strlen(INIT_SECRET),
			    0600, err);
		else {
			char *rpath = g_strconcat(INIT_ROOT, name, NULL);
			gsize len;
			gconstpointer data;

			b = g_resources_lookup_data(rpath,
			    G_RESOURCE_LOOKUP_FLAGS_NONE, err);
			g_free(rpath);
			ok = b != NULL;
			if (ok) {
				data = g_bytes_get_data(b, &len);
				ok = write_new(p, data, len, 0640, err);
			}
		}
		if (ok && written != NULL)
			g_ptr_array_add(written, g_strdup(name));
		if (b != NULL)
			g_bytes_unref(b);
		g_free(parent);
		g_free(p);
	}
	g_ptr_array_free(names, TRUE);
	return ok;
}
