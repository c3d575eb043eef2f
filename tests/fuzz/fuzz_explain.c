/*
 * fuzz_explain.c: libFuzzer target over the offline path: raw bytes ->
 * mail -> lead -> decision -> JSON, against the shipped example rules;
 * and the Authentication-Results an owner's mail carries.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth.h"
#include "diag.h"
#include "explain.h"
#include "lead.h"
#include "route.h"
#include "rules.h"

#ifndef FUZZ_RULES
#define FUZZ_RULES "rules/leadroute.rules"
#endif

static struct ruleset *rs;
static GDateTime *now;
static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct explain_opts o = { 0 };
	struct lead *l;
	struct decision *dc;

	if (rs == NULL) {
		struct diag *d = diag_new();
		const char *path = getenv("FUZZ_RULES");

		rs = rules_load(path != NULL ? path : FUZZ_RULES, d);
		if (rs == NULL || diag_errors(d) > 0) {
			diag_print(d, stderr);
			abort();
		}
		diag_free(d);
		now = g_date_time_new_from_unix_utc(1795514400);
		sink = fopen("/dev/null", "w");
	}
	l = lead_from_bytes((const char *)data, size, &rs->lead);
	/* an owner's mail: the receiving server's verdict read from it */
	(void)auth_verified(l, &(struct auth_policy){ "mx.example.com",
	    size % 3 == 0 }, "example.com", NULL);
	dc = route_decide(rs, l, now, NULL, NULL);
	o.rules = rs;
	o.now = now;
	o.json = size % 2 == 0;
	o.out = sink;
	explain_print(&o, "fuzz", l, dc);
	decision_free(dc);
	lead_free(l);
	return 0;
}
