#!/bin/sh
# The integration-test servers (tests/integration/servers.py): Dovecot IMAP,
# the SMTP sink and the HTTP sink, each proved by test_harness.py. Skipped
# (77) when Dovecot, openssl or aiosmtpd is missing, except in CI, where that
# fails. Debian: apt-get install dovecot-imapd python3-aiosmtpd openssl
set -u
: "${top_srcdir:=.}"
dir="$top_srcdir/tests/integration"
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
	if [ -n "${CI:-}" ]; then
		echo "harness: $python not found, and CI must run these tests"
		exit 1
	fi
	echo "harness: $python not found; skipped"
	exit 77
fi
"$python" "$dir/servers.py" check
rc=$?
case $rc in
0) ;;
77) echo "harness: skipped"; exit 77 ;;
*) echo "harness: CI must run these tests: install what is missing above"; exit 1 ;;
esac
# The whole run takes about 3 s; the timeout only guards against a hang.
if command -v timeout >/dev/null 2>&1; then
	exec timeout -k 5 120 "$python" "$dir/test_harness.py" -v
fi
exec "$python" "$dir/test_harness.py" -v
