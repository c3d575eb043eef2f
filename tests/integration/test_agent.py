#!/usr/bin/env python3
"""leadroute run against real servers on 127.0.0.1: Dovecot, an SMTP sink
and an HTTP sink standing in for Slack (tests/integration/servers.py).

usage: test_agent.py LEADROUTE TOP_SRCDIR [LEADS_DIR EXPECTED_JSONL RULES]

Without the last three, the shipped rules/samples are used. Checks:
- `run --dry-run --once` changes nothing: no mail moved, none sent;
- `run --once` files every message into the folder `explain` decides,
  with the $LeadRouted keyword and without \\Seen, sends one forward per
  owner-routed lead to that owner (Reply-To the lead, the original
  attached) and one Slack post per owner-routed lead;
- a second `run --once` changes nothing and sends nothing more;
- a second copy of a Message-ID is filed where the first went, not
  forwarded again;
- someone marking messages \\Seen changes nothing.
"""
import email
import email.policy
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

NOW = "2026-11-24T10:00:00Z"


class AgentTest(unittest.TestCase):
    binary = top = leads = rules = None

    def setUp(self):
        # Fresh servers for every test: no state leaks between them.
        self.tmp = tempfile.TemporaryDirectory(prefix="lr-agent-")
        self.dovecot = servers.Dovecot()
        self.dovecot.start()
        self.smtp = servers.SmtpSink()
        self.smtp.start()
        self.http = servers.HttpSink()
        self.http.start()
        for s in (self.http, self.smtp, self.dovecot, self.tmp):
            self.addCleanup(s.close if hasattr(s, "close") else s.cleanup)
        self.dir = tempfile.mkdtemp(dir=self.tmp.name)
        with open(os.path.join(self.dir, "slack.secret"), "w") as f:
            f.write(self.http.url + "/slack\n")
        os.chmod(os.path.join(self.dir, "slack.secret"), 0o600)
        with open(os.path.join(self.dir, "imap.secret"), "w") as f:
            f.write(self.dovecot.password + "\n")
        os.chmod(os.path.join(self.dir, "imap.secret"), 0o600)
        self.conf = os.path.join(self.dir, "leadroute.conf")
        with open(self.conf, "w") as f:
            f.write(f"""[inbox]
url = imap://127.0.0.1:{self.dovecot.port}/INBOX
user = {self.dovecot.user}
password_file = imap.secret
folder_prefix = Leads
[smtp]
url = {self.smtp.url}
from = Lead Router <leads@svc.example>
[slack]
webhook_url_file = slack.secret
[rules]
file = {self.rules}
[journal]
path = {self.dir}/journal.db
[templates]
dir = {self.top}/templates
""")

    def run_agent(self, *args):
        env = dict(os.environ, TZ="UTC")
        p = subprocess.run([self.binary, "-c", self.conf, "run", "--once"]
                           + list(args), capture_output=True, text=True,
                           timeout=300, env=env)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        return p.stderr

    def expected(self):
        """What explain decides for each lead, by Message-ID."""
        p = subprocess.run([self.binary, "explain", "--json", "--rules",
                            self.rules, self.leads], capture_output=True,
                           text=True, timeout=300, check=True)
        out = {}
        for line in p.stdout.splitlines():
            d = json.loads(line)
            out[d["message_id"]] = d
        return out

    def folder_of(self):
        """Message-ID -> (folder, flags) over every folder."""
        where = {}
        for folder in self.dovecot.folders():
            try:
                mails = self.dovecot.list_folder(folder)
            except servers.ServerError:	# \Noselect parents ("Leads")
                continue
            for m in mails:
                msg = email.message_from_bytes(m.data, policy=email.policy.default)
                mid = msg["Message-ID"].strip() if msg["Message-ID"] else None
                where.setdefault(mid, []).append((folder, m.flags))
        return where

    def append_leads(self):
        files = sorted(os.path.join(self.leads, f) for f in os.listdir(self.leads)
                       if f.endswith(".eml"))
        for f in files:
            with open(f, "rb") as fp:
                self.dovecot.append("INBOX", fp.read())
        return files

    def owner_routed(self, exp):
        return {mid for mid, d in exp.items() if d["destination"]["owner"]}

    def test_smtp_tempfail_then_success(self):
        """SMTP 451: owner-routed leads stay in the inbox, the others are
        filed; once the server takes mail, each is forwarded once."""
        self.append_leads()
        exp = self.expected()
        owned = self.owner_routed(exp)
        self.smtp.fail_next(1000)
        self.run_agent()
        inbox = {email.message_from_bytes(m.data, policy=email.policy.default)
                 ["Message-ID"].strip() for m in self.dovecot.list_folder("INBOX")}
        self.assertEqual(inbox, owned)
        self.assertEqual(self.smtp.messages(), [])
        self.smtp.script([])
        self.run_agent()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        self.assertEqual(len(self.smtp.messages()), len(owned))
        where = self.folder_of()
        for mid, d in exp.items():
            self.assertEqual(where[mid][0][0], d["destination"]["folder"])

    def test_smtp_permanent_failure_goes_to_review(self):
        """SMTP 550: the lead goes to review, the error recorded."""
        self.append_leads()
        exp = self.expected()
        owned = self.owner_routed(exp)
        self.smtp.fail_next(1000, reply="550 5.1.1 no such user")
        self.run_agent()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        where = self.folder_of()
        for mid in owned:
            self.assertEqual(where[mid][0][0], "Leads/Review", mid)

    def test_run(self):
        files = self.append_leads()
        exp = self.expected()

        # --dry-run: nothing moves, nothing is sent
        self.run_agent("--dry-run")
        self.assertEqual(len(self.dovecot.list_folder("INBOX")), len(files))
        self.assertEqual(self.smtp.messages(), [])
        self.assertEqual(self.http.requests(), [])

        # someone reads a message in the shared inbox: \Seen changes nothing
        first = self.dovecot.list_folder("INBOX")[0]
        with self.dovecot.connect() as imap:
            imap.select("INBOX")
            imap.uid("STORE", str(first.uid), "+FLAGS", "(\\Seen)")

        self.run_agent()
        where = self.folder_of()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        owner_routed = 0
        for mid, d in exp.items():
            places = where.get(mid)
            self.assertIsNotNone(places, f"{mid} is nowhere")
            self.assertEqual(len(places), 1, f"{mid} in {places}")
            folder, flags = places[0]
            self.assertEqual(folder, d["destination"]["folder"], d["file"])
            self.assertIn("$LeadRouted", flags, d["file"])
            if d["destination"]["owner"]:
                owner_routed += 1
        sent = self.smtp.messages()
        self.assertEqual(len(sent), owner_routed)
        owners = {d["destination"]["owner"] for d in exp.values()
                  if d["destination"]["owner"]}
        for m in sent:
            msg = email.message_from_bytes(m.data, policy=email.policy.default)
            self.assertEqual(msg["Auto-Submitted"], "auto-generated")
            self.assertTrue(msg["X-Leadroute-Owner"] in owners)
            parts = [p.get_content_type() for p in msg.walk()]
            self.assertIn("message/rfc822", parts)
        slack = [r for r in self.http.requests() if r.path == "/slack"]
        self.assertEqual(len(slack), owner_routed)
        for r in slack:
            json.loads(r.body)

        # a second run changes nothing and sends nothing more
        self.run_agent()
        self.assertEqual(self.folder_of(), where)
        self.assertEqual(len(self.smtp.messages()), owner_routed)

        # the same Message-ID again: filed where the first went, once
        with open(files[0], "rb") as fp:
            data = fp.read()
        self.dovecot.append("INBOX", data)
        self.run_agent()
        msg = email.message_from_bytes(data, policy=email.policy.default)
        mid = msg["Message-ID"].strip()
        places = self.folder_of()[mid]
        self.assertEqual(len(places), 2)
        self.assertEqual(places[0][0], places[1][0])
        self.assertEqual(len(self.smtp.messages()), owner_routed)


def main():
    if len(sys.argv) not in (3, 6):
        sys.exit(__doc__)
    AgentTest.binary = os.path.abspath(sys.argv[1])
    AgentTest.top = os.path.abspath(sys.argv[2])
    if len(sys.argv) == 6:
        AgentTest.leads, _, AgentTest.rules = (os.path.abspath(a)
                                               for a in sys.argv[3:6])
    else:
        AgentTest.leads = os.path.join(AgentTest.top, "rules", "samples")
        AgentTest.rules = os.path.join(AgentTest.top, "rules", "leadroute.rules")
    unittest.main(argv=[sys.argv[0], "-v"])


main()
