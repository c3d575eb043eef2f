#!/bin/sh
# Acceptance: the shipped example rules and samples decide as expected,
# and the shared case example (../shared/acceptance, 30 leads) scores 30
# of 30. The shared set lives outside the repository: in a user's clone
# without it this test says so and is skipped; in CI it must be there.
set -u
: "${top_srcdir:=.}" "${LEADROUTE:=src/leadroute}"
fail=0

python3 "$top_srcdir/tests/expect.py" "$LEADROUTE" \
    "$top_srcdir/rules/leadroute.rules" "$top_srcdir/rules/samples" \
    "$top_srcdir/tests/data/samples/expected.jsonl" || fail=1

shared="${LEADROUTE_ACCEPTANCE:-$top_srcdir/../shared/acceptance}"
if [ -x "$shared/score" ]; then
	out=$("$shared/score" "$LEADROUTE") || fail=1
	echo "$out"
	case "$out" in
	*"30 passed, 0 failed"*) ;;
	*) echo "acceptance: the case example must score 30 of 30"; fail=1 ;;
	esac
elif [ -n "${CI:-}" ]; then
	echo "acceptance: $shared/score not found, and CI must run it"
	fail=1
else
	echo "acceptance: $shared/score not found (set LEADROUTE_ACCEPTANCE);" \
	    "the case example was not scored"
	[ $fail -eq 0 ] && exit 77
fi
exit $fail
