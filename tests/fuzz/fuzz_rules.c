/*
 * fuzz_rules.c: libFuzzer target over the rules language: any bytes as a
 * rules file (parse, resolve, check), relative files from the shipped
 * rules' directory. Problems are diagnostics, never a crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "diag.h"
#include "rules.h"

#ifndef FUZZ_RULES_DIR
#define FUZZ_RULES_DIR "rules"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag *d = diag_new();
	const char *dir = getenv("FUZZ_RULES_DIR");
	struct ruleset *rs = rules_parse((const char *)data, size,
	    "fuzz.rules", dir != NULL ? dir : FUZZ_RULES_DIR, d);

	/* the patterns rewritten for and compiled into the scan */
	if (rs != NULL && diag_errors(d) == 0)
		rules_scan_build(rs);
	rules_free(rs);
	diag_free(d);
	return 0;
}
