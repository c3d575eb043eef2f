/*
 * fuzz_template.c: libFuzzer target over the templates: any bytes as a
 * template in each escaping mode (the first byte picks it), parsed,
 * checked and rendered with values that are there and values that are
 * not.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "diag.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every other name has a value, with characters every mode escapes. */
static char *
lookup(void *ctx, const char *name)
{
	(void)ctx;
	if (strlen(name) % 2 == 0)
		return NULL;
	return g_strdup("a \"b\" <c> & d\r\ne =?utf-8?q?x?= \xc3\xa9");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum template_mode modes[] = { TEMPLATE_TEXT,
	    TEMPLATE_HEADER, TEMPLATE_JSON, TEMPLATE_SLACK };
	struct template_vars v = { lookup, NULL };
	struct diag *d;
	struct template *t;
	char *out;

	if (size == 0)
		return 0;
	d = diag_new();
	t = template_parse((const char *)data + 1, size - 1, "fuzz",
	    modes[data[0] % G_N_ELEMENTS(modes)], d);
	(void)template_check(t, d);
	out = template_render(t, &v);
	g_free(out);
	template_free(t);
	diag_free(d);
	return 0;
}
