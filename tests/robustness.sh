#!/bin/sh
# Robustness: the shared corpus of malformed and real-world mail
# (../shared/corpora/robustness, referred to by path, never copied) plus
# hostile messages made on the fly: one decision each, no crash. Under the
# sanitizer build this also proves no memory error and no leak.
set -u
: "${top_srcdir:=.}" "${LEADROUTE:=src/leadroute}"
corpus="${LEADROUTE_CORPUS:-$top_srcdir/../shared/corpora/robustness}"
if [ ! -d "$corpus" ]; then
	if [ -n "${CI:-}" ]; then
		echo "robustness: $corpus not found, and CI must run it"
		exit 1
	fi
	echo "robustness: $corpus not found (set LEADROUTE_CORPUS); skipped"
	exit 77
fi
exec python3 "$top_srcdir/tests/robustness.py" "$LEADROUTE" \
    "$top_srcdir/rules/leadroute.rules" "$corpus" "$corpus/CASES.tsv"
