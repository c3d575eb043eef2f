/*
 * fuzz_csv.c: libFuzzer target over the CSV reader and the tables read
 * with it: any bytes as owners.csv (and as a plain CSV).
 */
#include "config.h"

#include <stdint.h>

#include "csv.h"
#include "diag.h"
#include "owners.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag *d = diag_new();
	struct csv *c = csv_parse((const char *)data, size, "fuzz.csv", d);
	struct owner_table *t = owners_parse((const char *)data, size,
	    "owners.csv", d);

	csv_free(c);
	owners_free(t);
	diag_free(d);
	return 0;
}
