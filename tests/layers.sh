#!/bin/sh
# Who may include whom in src/ (issue 14): each folder is a layer, bottom
# up util < mail < rules < store < io < agent/cmd < main.c; a file includes
# headers of its own layer or below, modules form no cycle, a private
# header X_p.h stays in module X, and every included header exists.
# tests/layers.py holds the rules and the layer list.
#
#   tests/layers.sh              self-test, then check $top_srcdir/src
#   tests/layers.sh --self-test  only the self-test: plant each violation
#                                in a copy of tests/data/layers and make
#                                sure it is caught
set -u
: "${top_srcdir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 1
python="${PYTHON:-python3}"
checker="$top_srcdir/tests/layers.py"
fixture="$top_srcdir/tests/data/layers/src"

if ! command -v "$python" >/dev/null 2>&1; then
	# CI has python3: there a missing one must not pass as a skip.
	[ -n "${CI:-}" ] && { echo "layers: no $python on CI"; exit 1; }
	echo "layers: skipped: no $python"
	exit 77
fi

# Copy the clean fake tree to $tmp/$1/src, writable even when the source
# tree is read-only (make distcheck).
fresh() {
	mkdir "$tmp/$1" && cp -R "$fixture" "$tmp/$1/src" &&
		chmod -R u+w "$tmp/$1/src"
}

# expect CASE TEXT [N]: the checker fails on $tmp/CASE/src with exactly N
# violations (1 unless told), and says TEXT.
expect() {
	out=$(cd "$tmp/$1" && "$python" "$checker" src 2>&1)
	rc=$?
	if [ $rc -ne 1 ] || ! printf '%s\n' "$out" | grep -qF -- "$2" ||
		! printf '%s\n' "$out" | grep -q "^layers: ${3:-1} violations* "; then
		echo "layers: self-test $1: expected exit 1 and ${3:-1} violation(s):"
		echo "  $2"
		echo "got exit $rc:"
		printf '%s\n' "$out" | sed 's/^/  /'
		failed=$((failed + 1))
	fi
}

# plant FILE LINE: append a line to a file of the current case (made if
# new). Each plant is one violation only: an upward include into a module
# that includes back would be a cycle too.
plant() {
	printf '%s\n' "$2" >>"$tmp/$case/src/$1"
}

self_test() {
	failed=0
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/layers.XXXXXX") || return 1
	trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
	trap 'exit 1' HUP INT TERM

	case=clean
	fresh $case || return 1
	out=$(cd "$tmp/$case" && "$python" "$checker" src 2>&1)
	if [ $? -ne 0 ]; then
		echo "layers: self-test clean: the clean tree fails:"
		printf '%s\n' "$out" | sed 's/^/  /'
		failed=$((failed + 1))
	fi

	case=upward
	fresh $case || return 1
	plant util/csv.c '#include "mail.h"'
	expect $case "src/util/csv.c:1: includes mail.h of layer mail from layer util below it"

	case=upward-to-main
	fresh $case || return 1
	printf 'void top(void);\n' >"$tmp/$case/src/main.h"
	plant cmd/init.c '#include "main.h"'
	n=$(wc -l <"$tmp/$case/src/cmd/init.c" | tr -d ' ')
	expect $case "src/cmd/init.c:$n: includes main.h of layer main from layer cmd below it"

	case=cycle
	fresh $case || return 1
	plant rules/rules.h '#include "owners.h"'
	plant rules/owners.c '#include "rules.h"'
	expect $case "cycle among modules: owners -> rules -> owners"

	case=cycle-same-layer
	fresh $case || return 1
	plant cmd/explain.h '#include "agent.h"'
	expect $case "cycle among modules: agent -> explain -> agent"

	case=private
	fresh $case || return 1
	plant rules/owners.c '#include "rules_p.h"'
	n=$(wc -l <"$tmp/$case/src/rules/owners.c" | tr -d ' ')
	expect $case "src/rules/owners.c:$n: includes rules_p.h, private to module rules, from module owners"

	case=missing
	fresh $case || return 1
	plant main.c '#include "nosuch.h"'
	n=$(wc -l <"$tmp/$case/src/main.c" | tr -d ' ')
	expect $case "src/main.c:$n: includes nosuch.h, which is no header in src/"

	case=no-layer
	fresh $case || return 1
	mkdir "$tmp/$case/src/extra"
	printf '#include "log.h"\n' >"$tmp/$case/src/extra/x.c"
	expect $case "src/extra/x.c: folder extra/ is in no layer"

	case=split-module
	fresh $case || return 1
	plant mail/rules_extra.c '#include "mail.h"'
	expect $case "module rules is split over folders (a module's files live in one): src/mail/rules_extra.c, src/rules/rules.h,"

	case=same-name
	fresh $case || return 1
	plant mail/owners.h 'struct owners;'
	expect $case "src/rules/owners.h: header owners.h is also src/mail/owners.h" 2

	chmod -R u+w "$tmp" && rm -rf "$tmp"
	trap - EXIT HUP INT TERM
	if [ $failed -ne 0 ]; then
		echo "layers: self-test: $failed case(s) failed"
		return 1
	fi
	echo "layers: self-test: a clean tree passes; upward includes (also" \
		"into main), cycles (also within agent/cmd), a private header" \
		"from outside, a missing header, a folder in no layer, a module split over" \
		"folders, two headers of one name are caught"
}

case "${1:-}" in
--self-test)
	self_test
	exit $?
	;;
"") ;;
*)
	echo "usage: $0 [--self-test]" >&2
	exit 2
	;;
esac

self_test
st=$?
(cd "$top_srcdir" && "$python" "$checker" src)
rc=$?
[ $st -eq 0 ] && [ $rc -eq 0 ]
