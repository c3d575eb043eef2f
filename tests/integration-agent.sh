#!/bin/sh
# leadroute run (and deliver behind fetchmail, and OAuth2 logins) against real
# servers (Dovecot in several set-ups, Cyrus IMAP, an SMTP sink, an HTTP sink
# for Slack), all on 127.0.0.1: the shipped samples, and the shared case
# example's 30 acceptance leads when ../shared/acceptance is there (in CI
# it must be). Skipped (77) when the servers cannot run, except in CI.
set -u
: "${top_srcdir:=.}" "${LEADROUTE:=src/leadroute}"
dir="$top_srcdir/tests/integration"
python="${PYTHON:-python3}"
"$python" "$dir/servers.py" check
case $? in
0) ;;
77) echo "agent: skipped"; exit 77 ;;
*) echo "agent: CI must run these tests: install what is missing above"; exit 1 ;;
esac
run() {
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 5 900 "$python" "$dir/$@"
	else
		"$python" "$dir/$@"
	fi
}
run test_agent.py "$LEADROUTE" "$top_srcdir" || exit 1
run test_mda.py "$LEADROUTE" "$top_srcdir" || exit 1
run test_oauth.py "$LEADROUTE" "$top_srcdir" || exit 1
run test_servers.py "$LEADROUTE" "$top_srcdir" || exit 1
shared="${LEADROUTE_ACCEPTANCE:-$top_srcdir/../shared/acceptance}"
if [ -d "$shared/leads" ]; then
	set -- "$LEADROUTE" "$top_srcdir" "$shared/leads" \
	    "$shared/expected.jsonl" "$shared/rules/leadroute.rules"
	run test_agent.py "$@" || exit 1
	run test_mda.py "$@" || exit 1
	run test_servers.py "$@" || exit 1
	# The crash tests need owner-routed leads at any hour: the case
	# example has an owner without working hours, the shipped one not.
	run test_crash.py "$@" || exit 1
elif [ -n "${CI:-}" ]; then
	echo "agent: $shared not found, and CI must run the acceptance leads"
	echo "agent: (and the crash tests, which run with them)"
	exit 1
else
	echo "agent: $shared not found: the acceptance leads and the crash"
	echo "agent: tests were not run"
fi
