/*
 * fuzz_conf.c: libFuzzer target over the configuration file: any bytes
 * as leadroute.conf (read from a file, as leadroute reads it), with its
 * relative paths under a scratch directory.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "conf.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *path;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag *d;
	struct config *c;

	if (path == NULL) {
		char *dir = g_dir_make_tmp("fuzz_conf-XXXXXX", NULL);

		if (dir == NULL)
			abort();
		path = g_build_filename(dir, "leadroute.conf", NULL);
		g_free(dir);
	}
	if (!g_file_set_contents(path, (const char *)data, (gssize)size,
	    NULL))
		abort();
	d = diag_new();
	c = config_load(path, d);
	if (c != NULL)
		config_check_ready(c, d);
	config_free(c);
	diag_free(d);
	return 0;
}
