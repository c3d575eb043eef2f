#!/bin/sh
# A scripted week of leads through `leadroute run` on a driven clock, real
# servers on 127.0.0.1 (Dovecot, an SMTP sink, an HTTP sink), the report's
# every figure checked, and its HTML opened in headless Chromium.
# Skipped (77) when the servers or Chromium are missing, except in CI.
set -u
: "${top_srcdir:=.}" "${LEADROUTE:=src/leadroute}"
dir="$top_srcdir/tests/integration"
# Debian's python3-pil reads the screenshots: the first Python that has it
python=
for p in ${PYTHON:-} python3 /usr/bin/python3; do
	if "$p" -c "import PIL" >/dev/null 2>&1; then
		python=$p
		break
	fi
done
"${python:-python3}" "$dir/servers.py" check
case $? in
0) ;;
77) echo "week: skipped"; exit 77 ;;
*) echo "week: CI must run these tests: install what is missing above"; exit 1 ;;
esac
if ! command -v chromium >/dev/null 2>&1 || [ -z "$python" ]; then
	echo "week: chromium and python3-pil are needed (contrib/install-deps)"
	if [ -n "${CI:-}" ]; then exit 1; fi
	echo "week: skipped"
	exit 77
fi
if command -v timeout >/dev/null 2>&1; then
	exec timeout -k 5 600 "$python" "$dir/test_week.py" "$LEADROUTE" \
	    "$top_srcdir"
fi
exec "$python" "$dir/test_week.py" "$LEADROUTE" "$top_srcdir"
