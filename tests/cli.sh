#!/bin/sh
# The command line: exit codes of spec section 2, inputs (file, Maildir,
# directory of *.eml, stdin), configuration lookup, and error messages
# that name the problem.
set -u
: "${top_srcdir:=.}" "${LEADROUTE:=src/leadroute}"
top_srcdir=$(cd "$top_srcdir" && pwd)
case $LEADROUTE in /*) ;; *) LEADROUTE=$(pwd)/$LEADROUTE ;; esac
rules="$top_srcdir/rules/leadroute.rules"
samples="$top_srcdir/rules/samples"
now=2026-11-24T10:00:00Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0

# expect CODE PATTERN CMD...: exit code CODE, and PATTERN (grep -E) in
# stdout+stderr unless PATTERN is empty.
expect() {
	code=$1 pat=$2
	shift 2
	n=$((n + 1))
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -ne "$code" ]; then
		echo "FAIL: $* exited $got, expected $code"
		sed 's/^/    /' "$tmp/out" | head -20
		fails=$((fails + 1))
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$tmp/out"; then
		echo "FAIL: $* printed no /$pat/"
		sed 's/^/    /' "$tmp/out" | head -20
		fails=$((fails + 1))
	fi
}

# Isolate from any configuration of the machine running the tests.
export XDG_CONFIG_HOME="$tmp/xdg"
cd "$tmp"

expect 64 "usage" "$LEADROUTE"
expect 64 "unknown command" "$LEADROUTE" frobnicate
expect 0 "^leadroute [0-9]" "$LEADROUTE" version
# --help and --version anywhere: exit 0
expect 0 "^usage: leadroute .*COMMAND" "$LEADROUTE" --help
expect 0 "^usage: leadroute .* run \[--once\] \[--dry-run\]" "$LEADROUTE" run --help
expect 0 "^usage: leadroute .* explain \[--rules FILE\]" "$LEADROUTE" -c none.conf explain --json --help
expect 0 "^leadroute [0-9]" "$LEADROUTE" --version
expect 0 "^leadroute [0-9]" "$LEADROUTE" report --version
expect 0 "^usage: leadroute .* owners \[--json\]" "$LEADROUTE" owners -h
expect 64 "name a message" "$LEADROUTE" explain --rules "$rules"
expect 64 "unknown option" "$LEADROUTE" explain --bogus x
expect 64 "not an ISO 8601 time" "$LEADROUTE" explain --rules "$rules" --now yesterday x
expect 64 "needs a value" "$LEADROUTE" explain --rules

# explain: files, directories, stdin, missing inputs
expect 0 "=> team audit-emea, owner lena" \
    "$LEADROUTE" explain --now $now --rules "$rules" "$samples/01-direct-de-audit.eml"
expect 0 '"kind":"queue"' \
    "$LEADROUTE" explain --json --now $now --rules "$rules" "$samples/06-gmail-no-company-nurture.eml"
n=$((n + 1))
lines=$("$LEADROUTE" explain --json --now $now --rules "$rules" "$samples" | wc -l)
if [ "$lines" -ne "$(ls "$samples"/*.eml | wc -l)" ]; then
	echo "FAIL: a directory of *.eml gave $lines decisions"
	fails=$((fails + 1))
fi
n=$((n + 1))
if ! "$LEADROUTE" explain --json --now $now --rules "$rules" "$samples" |
    python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'; then
	echo "FAIL: explain --json is not JSON Lines"
	fails=$((fails + 1))
fi
expect 0 '"file":"-"' sh -c "\"$LEADROUTE\" explain --json --rules \"$rules\" - < \"$samples/02-cf7-form-uk-build.eml\""
mkdir -p md/cur md/new md/tmp
cp "$samples/01-direct-de-audit.eml" md/cur/1700000000.1.host:2,S
cp "$samples/07-out-of-office-auto-reply.eml" md/new/1700000001.2.host
expect 0 "md/new/1700000001.2.host" "$LEADROUTE" explain --rules "$rules" md
expect 66 "nonexistent.eml" "$LEADROUTE" explain --rules "$rules" nonexistent.eml
expect 66 "=> team audit-emea" "$LEADROUTE" explain --now $now --rules "$rules" \
    nonexistent.eml "$samples/01-direct-de-audit.eml"
# leadroute's own forwards are never routed again
{ printf 'X-Leadroute-Loop: 1\n'; cat "$samples/01-direct-de-audit.eml"; } >loop.eml
expect 0 "leadroute's own mail" "$LEADROUTE" explain --rules "$rules" loop.eml
mkdir empty
expect 0 "no messages" "$LEADROUTE" explain --rules "$rules" empty

# check
expect 0 "0 errors, 0 warnings" "$LEADROUTE" check --rules "$rules"
expect 0 "0 errors, 0 warnings" "$LEADROUTE" check "$rules"
expect 64 "unexpected" "$LEADROUTE" check "$rules" extra
expect 78 "cannot read rules" "$LEADROUTE" check --rules missing.rules
printf 'owners "nope.csv"\nroute offer=x -> team nobody\noffer x if text ~ /(/\n' >bad.rules
expect 78 "bad.rules:3:[0-9]+: error: invalid regular expression" "$LEADROUTE" check --rules bad.rules
expect 78 "nope.csv" "$LEADROUTE" check --rules bad.rules
expect 78 "bad.rules:2:[0-9]+: error: undeclared team 'nobody'" "$LEADROUTE" check --rules bad.rules
expect 78 "error" "$LEADROUTE" explain --rules bad.rules "$samples"
printf 'offer x if text ~ /x/\noffer y if text ~ /y/\nroute offer=x -> review\n' >warn.rules
expect 0 "warn.rules:2:7: warning: class offer y is used by no route" "$LEADROUTE" check --rules warn.rules

# configuration: -c, ./leadroute.conf, none at all
expect 78 "no configuration found" "$LEADROUTE" check
expect 78 "no configuration found" "$LEADROUTE" explain "$samples"
mkdir conf
cp "$top_srcdir"/rules/*.rules "$top_srcdir"/rules/*.csv "$top_srcdir"/rules/*.txt conf/
printf '[inbox]\nfolder_prefix = Sales\n[rules]\nfile = leadroute.rules\n' >conf/leadroute.conf
expect 0 "folder Sales/Owners/lena" "$LEADROUTE" -c conf/leadroute.conf explain \
    --now $now "$samples/01-direct-de-audit.eml"
expect 0 "0 errors" "$LEADROUTE" -c conf/leadroute.conf check
cp conf/leadroute.conf ./leadroute.conf
sed -i 's|= leadroute.rules|= conf/leadroute.rules|' leadroute.conf
expect 0 "folder Sales/Owners/lena" "$LEADROUTE" explain --now $now "$samples/01-direct-de-audit.eml"
expect 78 "cannot read configuration" "$LEADROUTE" -c missing.conf check

# configuration problems: each reported with its line, secrets never inline
cat >bad.conf <<'CONF'
[inbox]
url = imaps://imap.example.com/INBOX   # a comment after a value is fine
user = leads@example.com
password_file = imap.secret
idle = maybe
[smtp]
url = smtp://smtp.example.com:587
from = Lead Router <leads@example.com>
password = hunter2
colour = blue
[rules]
file = conf/leadroute.rules   # the rules
CONF
printf 's3cret\n' >imap.secret
chmod 644 imap.secret
expect 78 "bad.conf:5: error: \[inbox\] idle: 'maybe' is not true or false" "$LEADROUTE" -c bad.conf check
expect 78 "bad.conf:9: error: \[smtp\] password: secrets are never inline" "$LEADROUTE" -c bad.conf check
expect 78 "bad.conf:10: error: \[smtp\] colour: unknown key \(see leadroute.conf\(5\)" "$LEADROUTE" -c bad.conf check
expect 78 "bad.conf:4: warning: \[inbox\] password_file: .*imap.secret can be read by group or others" "$LEADROUTE" -c bad.conf check
chmod 600 imap.secret
sed -i '/^idle/d; /^password = /d; /^colour/d' bad.conf
# owners' replies cannot be verified without the server's name (v2)
expect 0 "warning: \[inbox\] authserv_id is not set.*cannot be verified" "$LEADROUTE" -c bad.conf check
sed -i 's/^password_file = imap.secret/&\nauthserv_id = mx.example.com/' bad.conf
# the inbox's address is not among the rules' `inbox` addresses (v2)
expect 0 "warning: the inbox leads@example.com is not named by an .inbox. statement: add .inbox \"leads@example.com\"" "$LEADROUTE" -c bad.conf check
sed -i 's/^user = leads@example.com/user = hello@northwind.example/' bad.conf
expect 0 "0 errors, 0 warnings" "$LEADROUTE" -c bad.conf check
sed 's/^authserv_id = .*/authserv_id = mx.example.com; dkim=pass/' bad.conf >authserv.conf
expect 78 "error: \[inbox\] authserv_id: 'mx.example.com; dkim=pass' is not a server name" "$LEADROUTE" -c authserv.conf check
# a typo in a key is an error with the key meant, never a crash at run time
sed 's/^password_file = imap.secret/pasword_file = imap.secret/' bad.conf >typo.conf
expect 78 "typo.conf:4: error: \[inbox\] pasword_file: unknown key; did you mean password_file\?" "$LEADROUTE" -c typo.conf check
expect 78 "typo.conf:3: error: \[inbox\] user: no password for hello@northwind.example: set password_file" "$LEADROUTE" -c typo.conf check
expect 78 "unknown key; did you mean password_file" "$LEADROUTE" -c typo.conf run --once --dry-run
expect 78 "unknown key; did you mean password_file" "$LEADROUTE" -c typo.conf run --once
sed -i '/^user = /d' typo.conf
expect 78 "typo.conf: error: \[inbox\]: set user" "$LEADROUTE" -c typo.conf check
# a URL leadroute posts leads to: https:// (http:// only to this machine),
# no space; the URL (a secret) is never printed
printf 'https://hooks.slack.example/T0/B0/x y\n' >slackurl.secret
printf 'ftp://hooks.example.com/lead\n' >hookurl.secret
chmod 600 slackurl.secret hookurl.secret
printf '[slack]\nwebhook_url_file = slackurl.secret\n[webhook]\nurl_file = hookurl.secret\n[rules]\nfile = conf/leadroute.rules\n' >posturl.conf
expect 78 "error: \[slack\] webhook_url: the URL has a space" "$LEADROUTE" -c posturl.conf check
expect 78 "error: \[webhook\] url: the URL is not https://" "$LEADROUTE" -c posturl.conf check
if "$LEADROUTE" -c posturl.conf check 2>&1 | grep -q "hooks\."; then
	echo "FAIL: check printed a secret URL"
	fails=$((fails + 1))
fi
printf '[smtp]\nurl = smtp://127.0.0.1:2525\nuser = leads\nfrom = leads@example.com\n[rules]\nfile = conf/leadroute.rules\n' >smtpuser.conf
expect 78 "smtpuser.conf:3: error: \[smtp\] user: no password for leads" "$LEADROUTE" -c smtpuser.conf check
# the journal's folder must be there and writable: said by check
printf '[rules]\nfile = conf/leadroute.rules\n[journal]\npath = nodir/journal.db\n' >jdir.conf
expect 78 "jdir.conf:4: error: \[journal\] path: the folder .*nodir is not there" "$LEADROUTE" -c jdir.conf check
mkdir nodir
expect 0 "0 errors" "$LEADROUTE" -c jdir.conf check
sed -i 's|^path = .*|path = nodir|' jdir.conf
expect 78 "error: \[journal\] path: '.*nodir' is a folder" "$LEADROUTE" -c jdir.conf check
sed -i 's|^path = .*|path = /dev/null|' jdir.conf
expect 78 "error: \[journal\] path: /dev/null is not a file" "$LEADROUTE" -c jdir.conf check
# a new journal says so in one line, not one a schema version
mkdir j1
printf '[rules]\nfile = conf/leadroute.rules\n[journal]\npath = j1/journal.db\n' >j1.conf
expect 0 "journal: .*j1/journal.db: created \(schema version [0-9]+\)" "$LEADROUTE" -c j1.conf deliver <"$samples/01-direct-de-audit.eml"
if [ "$(grep -c 'schema version' "$tmp/out")" -ne 1 ]; then
	echo "FAIL: a new journal logged more than one schema line"
	sed 's/^/    /' "$tmp/out"
	fails=$((fails + 1))
fi
n=$((n + 1))
# connection errors say what failed, where, and what to look at
export LR_TEST_PW=x
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[inbox]\nurl = imap://127.0.0.1:%s/INBOX\nuser = u\npassword_env = LR_TEST_PW\n[rules]\nfile = conf/leadroute.rules\n' "$port" >down.conf
expect 69 "cannot reach 127.0.0.1:$port: the connection was refused or timed out; is the host and port right" "$LEADROUTE" -c down.conf run --once --dry-run
sed -i 's|imap://127.0.0.1:[0-9]*|imaps://host.invalid|' down.conf
expect 69 "cannot find the host host.invalid: .*is the name in \[inbox\] url right" "$LEADROUTE" -c down.conf run --once --dry-run
# imaps:// to a port that speaks plain IMAP
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5); s.settimeout(20)
print(s.getsockname()[1], flush=True)
try:
    for _ in range(3):
        c, _ = s.accept(); c.sendall(b"* OK IMAP4rev1 ready\r\n")
        c.settimeout(2)
        try: c.recv(4096)
        except OSError: pass
        c.close()
except OSError: pass
' >greet.port &
greeter=$!
i=0
while [ ! -s greet.port ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sed -i "s|imaps://host.invalid|imaps://127.0.0.1:$(cat greet.port)|" down.conf
expect 69 "the TLS handshake with 127.0.0.1:[0-9]* failed; is it the imaps port" "$LEADROUTE" -c down.conf run --once --dry-run
kill $greeter 2>/dev/null
wait $greeter 2>/dev/null
unset LR_TEST_PW
# templates named by the configuration are checked too
mkdir tpl
cp "$top_srcdir"/templates/* tpl/
printf '[rules]\nfile = conf/leadroute.rules\n[templates]\ndir = tpl\n' >tpl.conf
expect 0 "0 errors, 0 warnings" "$LEADROUTE" -c tpl.conf check
printf 'Hi {{owner.nam}}\n' >tpl/review.txt
expect 78 "tpl/review.txt:1:4: error: unknown variable 'owner.nam'" "$LEADROUTE" -c tpl.conf check
rm tpl/escalation.txt
expect 78 "tpl/escalation.txt: error: cannot read" "$LEADROUTE" -c tpl.conf check
# a templates folder that is not there: one error, not one a template
printf '[rules]\nfile = conf/leadroute.rules\n[templates]\ndir = notpl\n' >notpl.conf
expect 78 "notpl: error: the templates folder \(\[templates\] dir\) is not there" "$LEADROUTE" -c notpl.conf check
"$LEADROUTE" -c notpl.conf check >notpl.out 2>&1
if [ "$(grep -c 'error' notpl.out)" -ne 1 ]; then
	echo "FAIL: a missing templates folder gave more than one error"
	sed 's/^/    /' notpl.out
	fails=$((fails + 1))
fi
n=$((n + 1))
# the summary names what was checked
expect 0 "conf/leadroute.conf and .*leadroute.rules: 0 errors" "$LEADROUTE" -c conf/leadroute.conf check
printf '[inbox]\npassword_env = LR_TEST_NO_SUCH_VAR\n[rules]\nfile = conf/leadroute.rules\n' >env.conf
expect 78 "environment variable LR_TEST_NO_SUCH_VAR is not set" "$LEADROUTE" -c env.conf check

# owners: who is next, loads, who is skipped; no journal yet, then a
# journal of another version (refused, with the reason)
printf '[rules]\nfile = conf/leadroute.rules\n[journal]\npath = j.db\n' >own.conf
expect 0 "no journal yet" "$LEADROUTE" -c own.conf owners --now $now
expect 0 "team audit-emea \(round-robin\): next is lena" "$LEADROUTE" -c own.conf owners --now $now
expect 0 "owen +0 +- +0  away" "$LEADROUTE" -c own.conf owners --now $now
expect 0 "team audit-amer \(round-robin\): nobody available" "$LEADROUTE" -c own.conf owners --now 2026-11-24T03:00:00Z
expect 0 '"next" : "lena"' "$LEADROUTE" -c own.conf owners --json --now $now
expect 64 "not an ISO 8601 time" "$LEADROUTE" -c own.conf owners --now soon
expect 64 "unknown option" "$LEADROUTE" -c own.conf owners --bogus
printf 'not a database' >j.db
expect 69 "j.db" "$LEADROUTE" -c own.conf owners
rm j.db
# a rules file with sticky; a bad one
printf 'sticky 2w\n' >sticky.rules
expect 78 "sticky.rules:1:8: error: invalid duration '2w'" "$LEADROUTE" check --rules sticky.rules
printf 'sticky off\nsticky 3d\n' >sticky.rules
expect 78 "sticky.rules:2:1: error: sticky declared twice" "$LEADROUTE" check --rules sticky.rules

# report: needs the journal; its options
expect 66 "the agent has not run yet" "$LEADROUTE" -c own.conf report
expect 64 "not a duration" "$LEADROUTE" -c own.conf report --since soon
expect 66 "the agent has not run yet" "$LEADROUTE" -c own.conf report --html r.html
printf '[rules]\nfile = conf/leadroute.rules\n' >nojournal.conf
expect 78 "no \[journal\] path" "$LEADROUTE" -c nojournal.conf report

# diff: the leads a rules change sends elsewhere (exit 1, as diff(1))
expect 0 "0 of 8 leads would go elsewhere" "$LEADROUTE" diff --now $now "$rules" "$rules" "$samples"
sed 's/-> team audit-emea/-> queue nurture/' conf/leadroute.rules >conf/new.rules
expect 1 "^  \+ queue nurture, folder Leads/Nurture \(route [0-9]+\)" "$LEADROUTE" diff --now $now conf/leadroute.rules conf/new.rules "$samples"
expect 1 "^  - team audit-emea, owner lena, folder Leads/Owners/lena" "$LEADROUTE" diff --now $now conf/leadroute.rules conf/new.rules "$samples"
expect 1 "1 of 8 leads would go elsewhere under conf/new.rules" "$LEADROUTE" diff --now $now conf/leadroute.rules conf/new.rules "$samples"
expect 1 '"new":\{"kind":"queue","id":"nurture","owner":null' "$LEADROUTE" diff --json --now $now conf/leadroute.rules conf/new.rules "$samples"
expect 78 "bad.rules:2:[0-9]+: error" "$LEADROUTE" diff "$rules" bad.rules "$samples"
expect 64 "name the old rules" "$LEADROUTE" diff "$rules" "$rules"
expect 66 "nonexistent.eml" "$LEADROUTE" diff "$rules" "$rules" nonexistent.eml

# deliver: configuration errors ask for a retry (75), never a bounce
printf '[rules]\nfile = missing.rules\n' >broken.conf
expect 75 "asking to be tried again" "$LEADROUTE" -c broken.conf deliver </dev/null
expect 66 "no message on stdin" "$LEADROUTE" -c nojournal.conf deliver </dev/null
expect 75 "read on stdin" "$LEADROUTE" -c own.conf deliver extra.eml

# OAuth2 settings: clear errors, and what to run
printf '[inbox]\nurl = imaps://imap.gmail.com/INBOX\nuser = s@example.com\nauth = xoauth2\nclient_id = abc\nrefresh_token_file = rt\n[rules]\nfile = conf/leadroute.rules\n' >oauth.conf
expect 78 "rt does not exist yet: run .leadroute -c oauth.conf auth google." "$LEADROUTE" -c oauth.conf check
printf 'token\n' >rt
chmod 600 rt
expect 0 "0 errors" "$LEADROUTE" -c oauth.conf check
printf '[inbox]\nurl = imaps://imap.example.com/INBOX\nuser = s@example.com\nauth = xoauth2\nclient_id = abc\ntoken_url = http://auth.example.com/token\nrefresh_token_file = rt\n' >oauth2.conf
expect 78 "oauth2.conf:6: error: \[inbox\] token_url: .* is not an https:// URL" "$LEADROUTE" -c oauth2.conf auth microsoft
printf '[inbox]\nurl = imaps://imap.example.com/INBOX\nuser = s@example.com\nauth = xoauth2\nrefresh_token_file = rt\n' >oauth3.conf
expect 78 "xoauth2 needs the OAuth2 client: set client_id" "$LEADROUTE" -c oauth3.conf auth microsoft
expect 78 "xoauth2 needs token_url \(known without it for Google and Microsoft" "$LEADROUTE" -c oauth3.conf auth microsoft
printf '[inbox]\nauth = kerberos\n' >oauth4.conf
expect 78 "\[inbox\] auth: 'kerberos' is not password or xoauth2" "$LEADROUTE" -c oauth4.conf auth google
expect 78 "set \[inbox\] auth = xoauth2" "$LEADROUTE" -c nojournal.conf auth google
expect 64 "usage: leadroute \[-c FILE\] auth google.microsoft" "$LEADROUTE" -c oauth.conf auth yahoo

# docs/migrating.md: its rules pass check with the shipped data
mkdir mig
cp "$top_srcdir"/rules/*.csv "$top_srcdir"/rules/freemail.txt mig/
awk '/^```$/ { on = 0 } on { print } /^```$/ && !on { getline l; if (l ~ /^owners /) { on = 1; print l } }' \
    "$top_srcdir/docs/migrating.md" >mig/leadroute.rules
expect 0 "route \* +-> review" cat mig/leadroute.rules
expect 0 "leadroute.rules: 0 errors" "$LEADROUTE" check --rules mig/leadroute.rules

echo "cli: $((n - fails)) of $n passed"
[ "$fails" -eq 0 ]
