/*
 * testlib.h: what every cmocka test program includes first.
 */
#ifndef LR_TESTLIB_H
#define LR_TESTLIB_H

#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

/* Remove dir and the files in it (no subdirectories); TRUE when gone. */
static inline gboolean
test_rmdir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, name, NULL);

		(void)remove(p);
		g_free(p);
	}
	if (d != NULL)
		g_dir_close(d);
	return g_rmdir(dir) == 0;
}

#endif
