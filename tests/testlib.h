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
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

#endif
