/*
 * fuzz_explain.c: libFuzzer target over the offline path: raw bytes ->
 * mail -> lead -> decision -> JSON, against the shipped example rules;
 * and the Authentication-Results an owner's mail carries. Each lead is
 * decided twice, with the rules' one-pass scan and with every test
 * through PCRE: a difference aborts (the scan must change no answer).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * The one-pass scan changes no answer (rules/scan.h): the same lead
 * decided with every test through PCRE must get the same dimensions and
 * destination, or the target aborts with both.
 */
static void
same_without_scan(const struct lead *l, const struct decision *dc)
{
	struct scan_db *db = rs->scan;
	struct decision *plain;

	rs->scan = NULL;
	plain = route_decide(rs, l, now, NULL, NULL);
	rs->scan = db;
	for (guint i = 0; i < dc->dims->len; i++) {
		const struct dim_value *a = g_ptr_array_index(dc->dims, i);
		const struct dim_value *b = g_ptr_array_index(plain->dims, i);

		if (strcmp(a->value, b->value) != 0) {
			fprintf(stderr, "scan: %s is %s with the scan, %s "
			    "without\n", a->name, a->value, b->value);
			abort();
		}
	}
	if (dc->kind != plain->kind || g_strcmp0(dc->reason,
	    plain->reason) != 0) {
		fprintf(stderr, "scan: %s (%s) with the scan, %s (%s) "
		    "without\n", rules_dest_kind_name(dc->kind), dc->reason,
		    rules_dest_kind_name(plain->kind), plain->reason);
		abort();
	}
	decision_free(plain);
}

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
		rules_scan_build(rs);	/* as run and explain decide */
		now = g_date_time_new_from_unix_utc(1795514400);
		sink = fopen("/dev/null", "w");
	}
	l = lead_from_bytes((const char *)data, size, &rs->lead);
	/* an owner's mail: the receiving server's verdict read from it */
	(void)auth_verified(l, &(struct auth_policy){ "mx.example.com",
	    size % 3 == 0 }, "example.com", NULL);
	dc = route_decide(rs, l, now, NULL, NULL);
	same_without_scan(l, dc);
	o.rules = rs;
	o.now = now;
	o.json = size % 2 == 0;
	o.out = sink;
	explain_print(&o, "fuzz", l, dc);
	decision_free(dc);
	lead_free(l);
	return 0;
}
