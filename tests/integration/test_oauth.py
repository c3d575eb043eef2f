#!/usr/bin/env python3
"""OAuth2 (auth = xoauth2) for the inbox and SMTP against real servers on
127.0.0.1: Dovecot with an oauth2 passdb (a bearer token is good when its
tokeninfo URL, on the HTTP sink, says so) for IMAP and for its submission
service, which relays to the SMTP sink; the HTTP sink also plays the
provider's token, device-code and tokeninfo endpoints (and Slack).

usage: test_oauth.py LEADROUTE TOP_SRCDIR [LEADS_DIR EXPECTED_JSONL RULES]

Checks:
- run --once logs in to IMAP and SMTP with AUTHENTICATE XOAUTH2, routes
  every lead and forwards through submission, with one token refresh
  (refresh_token grant with the client id and secret) for both;
- a token the server refuses is refreshed once and the login retried; a
  new refresh token in the answer replaces the file (mode 0600);
- a token about to expire is refreshed before it is used;
- a refresh token the provider refuses (invalid_grant): run exits 78 and
  says to run `leadroute auth`; the lead stays in the inbox;
- check without a refresh token names `leadroute auth`;
- `leadroute auth microsoft`: the device-code flow (code shown, polled
  through authorization_pending), the token saved 0600, then run works;
- `leadroute auth google`: the loopback redirect with PKCE S256 and
  state (a redirect with another state is refused and the wait goes on);
  the code exchanged, the token saved; a refused consent exits 78;
- SMTP refusing the token IMAP logged in with: refreshed, retried once.
"""
import base64
import email
import email.policy
import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

NOW = "2026-11-24T10:00:00Z"
ENV = dict(os.environ, TZ="UTC", LEADROUTE_TEST_NOW=NOW)
TOKENINFO = [
    {"method": "GET", "path": "/tokeninfo?access_token=tok-good",
     "status": 200, "body": json.dumps({"email": "leads"})},
    {"method": "GET", "path": "/tokeninfo", "status": 401,
     "body": '{"error": "invalid_token"}'},
]


def token_answer(access, life=3600, refresh=None, times=None):
    body = {"access_token": access, "token_type": "Bearer",
            "expires_in": life}
    if refresh:
        body["refresh_token"] = refresh
    e = {"method": "POST", "path": "/token", "status": 200,
         "body": json.dumps(body)}
    if times:
        e["times"] = times
    return e


class OAuthTest(unittest.TestCase):
    binary = top = leads = rules = None

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="lr-oauth-")
        self.addCleanup(self.tmp.cleanup)
        self.dovecot, self.smtp, self.http = servers.start_servers(
            self, lambda smtp, http: servers.Dovecot(
                tokeninfo=http.url + "/tokeninfo?access_token=", relay=smtp))
        self.dir = self.tmp.name
        rules = servers.copy_rules(self.rules, os.path.join(self.dir, "rules"))
        self.write_secret("client.secret", "s3cret")
        self.write_secret("slack.secret", self.http.url + "/slack")
        self.token_file = os.path.join(self.dir, "refresh.token")
        self.conf = os.path.join(self.dir, "leadroute.conf")
        h = self.http.url
        with open(self.conf, "w") as f:
            f.write(f"""[inbox]
url = imap://127.0.0.1:{self.dovecot.port}/INBOX
user = {self.dovecot.user}
auth = xoauth2
client_id = test-client.apps.example
client_secret_file = client.secret
refresh_token_file = refresh.token
token_url = {h}/token
auth_url = {h}/authorize
device_url = {h}/devicecode
folder_prefix = Leads
[smtp]
url = smtp://127.0.0.1:{self.dovecot.submission_port}
user = {self.dovecot.user}
auth = xoauth2
from = Lead Router <leads@svc.example>
[slack]
webhook_url_file = slack.secret
[rules]
file = {rules}
[journal]
path = {os.path.join(self.dir, "journal.db")}
[templates]
dir = {os.path.join(self.top, "templates")}
""")

    def write_secret(self, name, value):
        servers.write_secret(self.dir, name, value)

    def script(self, *token_entries):
        self.http.script(TOKENINFO + list(token_entries))

    def leadroute(self, *args, timeout=300):
        return subprocess.run([self.binary, "-c", self.conf] + list(args),
                              capture_output=True, text=True,
                              timeout=timeout, env=ENV)

    def token_requests(self):
        """The form fields of every POST to the token endpoint."""
        return [{k: v[0] for k, v in urllib.parse.parse_qs(
                    r.body.decode()).items()}
                for r in self.http.requests()
                if r.method == "POST" and r.path == "/token"]

    def owner_routed_lead(self):
        routed = [d for d in servers.explained(
                      self.binary, self.rules, self.leads, NOW).values()
                  if d["destination"]["owner"]]
        self.assertTrue(routed, "no owner-routed lead")
        return routed

    def append(self, path):
        with open(path, "rb") as f:
            self.dovecot.append("INBOX", f.read())

    def logins(self):
        """(service, method) of every successful Dovecot login."""
        out = []
        with open(self.dovecot.log_path) as f:
            log = f.read()
        for line in log.splitlines():
            if "-login: Info: Login: " in line:
                service = line.split()[2].rstrip(":")
                method = line.split("method=")[1].split(",")[0]
                out.append((service, method))
        return out

    def test_run_logs_in_with_xoauth2(self):
        self.write_secret("refresh.token", "rt-1")
        self.script(token_answer("tok-good"))
        routed = self.owner_routed_lead()
        for d in routed:
            self.append(d["file"])
        p = self.leadroute("run", "--once")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        self.assertEqual(len(self.smtp.messages()), len(routed))
        self.assertIn(("imap-login", "XOAUTH2"), self.logins())
        self.assertIn(("submission-login", "XOAUTH2"), self.logins())
        # (the PLAIN logins are the test's own, appending and listing)
        self.assertEqual([m for m in self.logins() if m[1] != "PLAIN"],
                         [("imap-login", "XOAUTH2"),
                          ("submission-login", "XOAUTH2")])
        reqs = self.token_requests()
        self.assertEqual(len(reqs), 1, "one refresh for IMAP and SMTP")
        self.assertEqual(reqs[0], {
            "grant_type": "refresh_token", "refresh_token": "rt-1",
            "client_id": "test-client.apps.example",
            "client_secret": "s3cret"})
        for secret in ("rt-1", "s3cret", "tok-good"):
            self.assertNotIn(secret, p.stderr)

    def test_refused_token_is_refreshed(self):
        self.write_secret("refresh.token", "rt-1")
        self.script(token_answer("tok-stale", times=1),
                    token_answer("tok-good", refresh="rt-2"))
        self.append(self.owner_routed_lead()[0]["file"])
        p = self.leadroute("run", "--once")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("refused the access token; refreshing it", p.stderr)
        reqs = self.token_requests()
        self.assertEqual([r["refresh_token"] for r in reqs], ["rt-1", "rt-1"])
        self.assertEqual(len(self.smtp.messages()), 1)
        # Microsoft rotates refresh tokens: the new one is kept, 0600
        with open(self.token_file) as f:
            self.assertEqual(f.read(), "rt-2\n")
        self.assertEqual(stat.S_IMODE(os.stat(self.token_file).st_mode), 0o600)
        self.assertIn("saved in", p.stderr)

    def test_smtp_refused_token_is_refreshed(self):
        """The token IMAP logged in with is refused by SMTP (revoked in
        between): refreshed, the forward retried once, and the refused
        token not offered again."""
        self.write_secret("refresh.token", "rt-1")
        self.http.script([
            {"method": "GET", "path": "/tokeninfo?access_token=tok-first",
             "status": 200, "times": 1, "body": json.dumps({"email": "leads"})}]
            + TOKENINFO +
            [token_answer("tok-first", times=1), token_answer("tok-good")])
        self.append(self.owner_routed_lead()[0]["file"])
        p = self.leadroute("run", "--once")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("smtp: the server refused the access token; "
                      "refreshing it", p.stderr)
        self.assertEqual(len(self.token_requests()), 2)
        self.assertEqual(len(self.smtp.messages()), 1)
        asked = [r.path.split("=", 1)[1] for r in self.http.requests()
                 if r.path.startswith("/tokeninfo")]
        self.assertEqual(asked, ["tok-first", "tok-first", "tok-good"])

    def test_expiring_token_is_refreshed_first(self):
        self.write_secret("refresh.token", "rt-1")
        self.script(token_answer("tok-good", life=30))  # < OAUTH_MARGIN
        self.append(self.owner_routed_lead()[0]["file"])
        p = self.leadroute("run", "--once")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertNotIn("refused the access token", p.stderr)
        # IMAP's login, then the forward: each found it about to expire
        self.assertGreaterEqual(len(self.token_requests()), 2)
        self.assertEqual(len(self.smtp.messages()), 1)

    def test_revoked_refresh_token(self):
        self.write_secret("refresh.token", "rt-revoked")
        self.script({"method": "POST", "path": "/token", "status": 400,
                     "body": json.dumps({
                         "error": "invalid_grant",
                         "error_description": "Token has been revoked."})})
        self.append(self.owner_routed_lead()[0]["file"])
        p = self.leadroute("run", "--once")
        self.assertEqual(p.returncode, 78, p.stderr[-3000:])
        self.assertIn("invalid_grant", p.stderr)
        self.assertIn("run `leadroute auth", p.stderr)
        self.assertEqual(len(self.dovecot.list_folder("INBOX")), 1)
        self.assertEqual(self.smtp.messages(), [])

    def test_check_without_token(self):
        p = self.leadroute("check")
        self.assertEqual(p.returncode, 78, p.stderr)
        self.assertIn("refresh.token does not exist yet: run `leadroute -c",
                      p.stderr)
        self.assertIn("auth google|microsoft", p.stderr)

    def test_auth_microsoft_device_code(self):
        self.script(
            {"method": "POST", "path": "/devicecode", "status": 200,
             "body": json.dumps({
                 "device_code": "dev-1", "user_code": "ABCD-EFGH",
                 "verification_uri": "https://microsoft.com/devicelogin",
                 "expires_in": 60, "interval": 1})},
            {"method": "POST", "path": "/token", "status": 400, "times": 2,
             "body": '{"error": "authorization_pending"}'},
            token_answer("tok-first", refresh="rt-ms", times=1),
            token_answer("tok-good"))
        p = self.leadroute("auth", "microsoft", timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ABCD-EFGH", p.stdout)
        self.assertIn("https://microsoft.com/devicelogin", p.stdout)
        with open(self.token_file) as f:
            self.assertEqual(f.read(), "rt-ms\n")
        self.assertEqual(stat.S_IMODE(os.stat(self.token_file).st_mode), 0o600)
        asked = [r for r in self.http.requests() if r.path == "/devicecode"]
        fields = urllib.parse.parse_qs(asked[0].body.decode())
        self.assertEqual(fields["client_id"], ["test-client.apps.example"])
        self.assertIn("IMAP.AccessAsUser.All", fields["scope"][0])
        self.assertIn("offline_access", fields["scope"][0])
        polls = self.token_requests()
        self.assertEqual(len(polls), 3)
        for r in polls:
            self.assertEqual(r["grant_type"],
                             "urn:ietf:params:oauth:grant-type:device_code")
            self.assertEqual(r["device_code"], "dev-1")
        # and the agent runs with it
        self.assertEqual(self.leadroute("check").returncode, 0)
        self.append(self.owner_routed_lead()[0]["file"])
        p = self.leadroute("run", "--once")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertEqual(self.token_requests()[-1]["refresh_token"], "rt-ms")
        self.assertEqual(len(self.smtp.messages()), 1)

    def start_google(self):
        """`auth google` running; (process, the URL it printed)."""
        p = subprocess.Popen([self.binary, "-c", self.conf, "auth", "google"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=ENV)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            if line.strip().startswith(self.http.url + "/authorize?"):
                return p, line.strip()
        p.kill()
        self.fail("auth google printed no URL: %s" % p.stderr.read())

    def test_auth_google_loopback(self):
        self.script(token_answer("tok-first", refresh="rt-google"))
        p, url = self.start_google()
        q = {k: v[0] for k, v in urllib.parse.parse_qs(
            urllib.parse.urlsplit(url).query).items()}
        self.assertEqual(q["client_id"], "test-client.apps.example")
        self.assertEqual(q["scope"], "https://mail.google.com/")
        self.assertEqual(q["response_type"], "code")
        self.assertEqual(q["access_type"], "offline")
        self.assertEqual(q["code_challenge_method"], "S256")
        self.assertEqual(q["login_hint"], "leads")
        redirect = q["redirect_uri"]
        self.assertTrue(redirect.startswith("http://127.0.0.1:"), redirect)
        # the browser asks for other things first: not the redirect
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(redirect + "/favicon.ico", timeout=10)
        self.assertEqual(e.exception.code, 404)
        # a redirect of another request (a forged one): refused, still
        # waiting for ours
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(redirect + "/?" + urllib.parse.urlencode(
                {"state": "forged", "code": "evil"}), timeout=10)
        self.assertEqual(e.exception.code, 400)
        with urllib.request.urlopen(redirect + "/?" + urllib.parse.urlencode(
                {"state": q["state"], "code": "code-1",
                 "scope": q["scope"]}), timeout=10) as r:
            self.assertIn(b"leadroute has the authorization", r.read())
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        with open(self.token_file) as f:
            self.assertEqual(f.read(), "rt-google\n")
        (ex,) = self.token_requests()
        self.assertEqual(ex["grant_type"], "authorization_code")
        self.assertEqual(ex["code"], "code-1")
        self.assertEqual(ex["redirect_uri"], redirect)
        self.assertEqual(ex["client_secret"], "s3cret")
        digest = hashlib.sha256(ex["code_verifier"].encode()).digest()
        self.assertEqual(base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
                         q["code_challenge"])

    def test_auth_google_refused(self):
        p, url = self.start_google()
        q = {k: v[0] for k, v in urllib.parse.parse_qs(
            urllib.parse.urlsplit(url).query).items()}
        urllib.request.urlopen(q["redirect_uri"] + "/?" + urllib.parse.urlencode(
            {"state": q["state"], "error": "access_denied"}), timeout=10).read()
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 78, err)
        self.assertIn("access was not granted: access_denied", err)
        self.assertFalse(os.path.exists(self.token_file))
        self.assertEqual(self.token_requests(), [])


def main():
    servers.test_args(OAuthTest, sys.argv, __doc__)
    only = os.environ.get("LEADROUTE_OAUTH_ONLY")
    unittest.main(argv=[sys.argv[0], "-v"] +
                  (["OAuthTest." + only] if only else []))


main()
