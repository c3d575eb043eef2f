#!/bin/sh
# The one-pass scan of the rules' patterns (issue 19) against PCRE alone
# on the bench's generated mail: tests/test_scan decides every message
# twice and compares the decisions whole (it does the same over the
# shipped samples and test data on its own).
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
	[ -n "${CI:-}" ] && { echo "scan: no $python on CI"; exit 1; }
	echo "scan: skipped: no $python"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lr-scan.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
"$python" - "$top_srcdir" "$tmp" <<'PY' || exit 1
import os, sys
top, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(top, "bench"))
from genmail import generate, account_pairs
generate(600, 1, out, account_pairs(os.path.join(top, "rules", "leadroute.rules")))
PY
n=$(ls "$tmp" | wc -l)
[ "$n" -eq 600 ] || { echo "scan: generated $n messages, not 600"; exit 1; }
LEADROUTE_SCAN_DIRS="$tmp" "$top_builddir/tests/test_scan"
