#!/bin/sh
# `make install` into a DESTDIR: the binary, the man pages, the examples
# (rules, data, sample leads), the templates, the service files and the
# sample configuration are where they belong; `check` and `explain` run
# from there on the installed examples; `init DIR` writes a set `check`
# passes and overwrites nothing; the installed unit passes
# `systemd-analyze verify` (skipped, 77, without systemd-analyze, except
# in CI).
set -u
: "${top_builddir:=.}" "${MAKE:=make}"
: "${bindir:?}" "${mandir:?}" "${pkgdatadir:?}" "${sysconfdir:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lr-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install: $*"; exit 1; }

# a make of its own: not the parallel one running the tests
env -u MAKEFLAGS -u MFLAGS $MAKE -C "$top_builddir" install \
    DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install failed"; }
root=$tmp/root
bin=$root$bindir/leadroute
ex=$root$pkgdatadir/examples
[ -x "$bin" ] || fail "no $bindir/leadroute"
for m in man1/leadroute.1 man5/leadroute.conf.5 man5/leadroute.rules.5; do
	[ -f "$root$mandir/$m" ] || fail "no man page $mandir/$m"
done
for f in examples/leadroute.rules examples/owners.csv examples/accounts.csv \
    examples/freemail.txt examples/samples/README templates/forward.txt \
    templates/escalation.txt contrib/leadroute.service \
    contrib/leadroute.sysusers contrib/leadroute.tmpfiles; do
	[ -f "$root$pkgdatadir/$f" ] || fail "no $pkgdatadir/$f"
done
grep -q "^ExecStart=$bindir/leadroute " "$root$pkgdatadir/contrib/leadroute.service" ||
    fail "the unit does not run $bindir/leadroute"
# the unit, the tmpfiles and the README's service steps agree on where
# the configuration is: $sysconfdir/leadroute, /etc/leadroute in the README
# (which configures --sysconfdir=/etc)
grep -q "^ExecStart=.* -c $sysconfdir/leadroute/leadroute.conf run" \
    "$root$pkgdatadir/contrib/leadroute.service" ||
    fail "the unit does not read $sysconfdir/leadroute/leadroute.conf"
grep -q "^d $sysconfdir/leadroute " "$root$pkgdatadir/contrib/leadroute.tmpfiles" ||
    fail "the tmpfiles do not make $sysconfdir/leadroute"
readme=${top_srcdir:-.}/README.md
# the commands of that section: its code blocks
sed -n '/^## Running it as a service/,/^## /p' "$readme" |
    awk '/^```/ { code = !code; next } code' >"$tmp/service.md"
grep -q -- "--sysconfdir=/etc " "$tmp/service.md" ||
    fail "the README's service steps do not configure --sysconfdir=/etc"
if grep -o '/[a-z/]*etc/leadroute' "$tmp/service.md" | grep -v '^/etc/leadroute$' |
    grep -q .; then
	fail "the README's service steps name a configuration directory other than /etc/leadroute"
fi
[ -f "$root$sysconfdir/leadroute/leadroute.conf.example" ] ||
    fail "no $sysconfdir/leadroute/leadroute.conf.example"

# init: a starting point that check passes; never over existing files
new=$tmp/new/conf
"$bin" init "$new" >"$tmp/init.out" 2>&1 || { cat "$tmp/init.out"; fail "init failed"; }
for f in leadroute.conf leadroute.rules owners.csv accounts.csv freemail.txt \
    templates/forward.txt templates/escalation.txt imap.secret smtp.secret; do
	[ -f "$new/$f" ] || fail "init wrote no $f"
done
[ "$(stat -c %a "$new/imap.secret")" = 600 ] || fail "imap.secret is not mode 600"
# until the placeholder passwords are replaced, check says so and fails
"$bin" -c "$new/leadroute.conf" check >"$tmp/check.out" 2>&1 &&
    { cat "$tmp/check.out"; fail "check passed the placeholder passwords"; }
for s in imap smtp; do
	grep -q "error: .*$s.secret holds the placeholder .leadroute init. wrote" \
	    "$tmp/check.out" || { cat "$tmp/check.out"; fail "check said nothing of $s.secret"; }
	printf 'pw-%s\n' "$s" >"$new/$s.secret"
done
"$bin" -c "$new/leadroute.conf" check >"$tmp/check.out" 2>&1 ||
    { cat "$tmp/check.out"; fail "check failed on what init wrote"; }
if grep -q ": warning:" "$tmp/check.out"; then
	cat "$tmp/check.out"
	fail "check warns about what init wrote"
fi
# each provider's example configuration, with the rest of the set
for c in "$root$pkgdatadir"/contrib/examples/*.conf; do
	[ -f "$c" ] || fail "no example configurations in $pkgdatadir/contrib/examples"
	# an OAuth2 example: its client secret and the token `auth` writes
	sed -e "s|/var/lib/leadroute/refresh.token|$new/refresh.token|" \
	    -e "s|/var/lib/leadroute/journal.db|$new/journal.db|" "$c" \
	    >"$new/leadroute.conf"
	if grep -q "^auth = xoauth2" "$c"; then
		printf 'secret\n' >"$new/client.secret"
		printf 'token\n' >"$new/refresh.token"
		chmod 600 "$new/client.secret" "$new/refresh.token"
	fi
	# the one warning allowed: the example's inbox (sales@example.com)
	# is not among the shipped rules' `inbox` addresses (Northwind's),
	# as check is right to say
	"$bin" -c "$new/leadroute.conf" check >"$tmp/check.out" 2>&1 &&
	    ! grep ": warning:" "$tmp/check.out" |
	    grep -qv "is not named by an .inbox. statement" ||
	    { cat "$tmp/check.out"; fail "check refused ${c##*/}"; }
done
echo "# mine" >>"$new/leadroute.rules"
"$bin" init "$new" >"$tmp/init2.out" 2>&1
rc=$?
[ "$rc" -eq 73 ] || { cat "$tmp/init2.out"; fail "init over a set exited $rc, not 73"; }
grep -q "exists already" "$tmp/init2.out" || fail "init did not say what is in the way"
tail -n 1 "$new/leadroute.rules" | grep -q "^# mine" || fail "init overwrote the rules"
echo "install: init wrote a set that check passes, and overwrites nothing;"
echo "install: check passes on each provider's example configuration"

"$bin" check --rules "$ex/leadroute.rules" >"$tmp/check.out" 2>&1 ||
    { cat "$tmp/check.out"; fail "check failed on the installed rules"; }
"$bin" explain --json --now 2026-11-24T10:00:00Z --rules "$ex/leadroute.rules" \
    "$ex/samples" >"$tmp/explain.out" 2>"$tmp/explain.err" ||
    { cat "$tmp/explain.err"; fail "explain failed on the installed samples"; }
n=$(ls "$ex/samples"/*.eml | wc -l)
got=$(grep -c '"destination"' "$tmp/explain.out")
[ "$n" -gt 0 ] && [ "$got" -eq "$n" ] ||
    fail "explain decided $got of the $n installed samples"
echo "install: binary, man pages, examples, templates and service files in place;"
echo "install: check and explain ran from $bindir ($got samples)"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "install: systemd-analyze is missing (apt-get install systemd)"
	[ -n "${CI:-}" ] && exit 1
	exit 77
fi
# the unit as installed, its paths moved into the DESTDIR
sed -e "s|$bindir/leadroute|$bin|g" "$root$pkgdatadir/contrib/leadroute.service" \
    >"$tmp/leadroute.service"
systemd-analyze verify --man=no "$tmp/leadroute.service" >"$tmp/verify.out" 2>&1 ||
    { cat "$tmp/verify.out"; fail "systemd-analyze verify refused the unit"; }
if [ -s "$tmp/verify.out" ]; then
	cat "$tmp/verify.out"
	fail "systemd-analyze verify had something to say about the unit"
fi
echo "install: systemd-analyze verify passes on the unit"
