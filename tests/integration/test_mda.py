#!/usr/bin/env python3
"""leadroute deliver (MDA mode) behind a real fetchmail, against Dovecot,
the SMTP sink and the HTTP sink standing in for Slack, all on 127.0.0.1.

usage: test_mda.py LEADROUTE TOP_SRCDIR [LEADS_DIR EXPECTED_JSONL RULES]

Checks:
- fetchmail with `mda "leadroute deliver"` takes every lead out of the
  inbox; each is filed into the [deliver] maildir folder explain decides
  (Maildir++: .Leads.Review, .Leads.Owners.<id>), recorded in the journal,
  forwarded once to its owner with one Slack post; a second fetchmail
  finds nothing and nothing more is sent;
- SMTP 451: deliver exits 75, fetchmail keeps the lead on the server, no
  copy is filed; the next fetchmail delivers it, forwarded exactly once;
- the maildir not writable: 75 after the forward went; the next poll
  files the lead without forwarding it again;
- a broken rules file: deliver exits 75 with the error, the lead stays on
  the server (78 would make Postfix bounce it);
- without a maildir (a procmail or Sieve pipe): the folder is printed on
  stdout; the same message piped again is told its folder again and not
  sent twice;
- an empty stdin is refused with 66.
"""
import email
import email.policy
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

NOW = "2026-11-24T10:00:00Z"
ENV = dict(os.environ, TZ="UTC", LEADROUTE_TEST_NOW=NOW)


def message_id(data):
    return email.message_from_bytes(data, policy=email.policy.default)[
        "Message-ID"].strip()


class MdaTest(unittest.TestCase):
    binary = top = leads = rules = None

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="lr-mda-")
        self.addCleanup(self.tmp.cleanup)
        self.dovecot, self.smtp, self.http = servers.start_servers(self)
        self.dir = self.tmp.name
        self.rules_path = servers.copy_rules(
            self.rules, os.path.join(self.dir, "rules"))
        self.conf = servers.agent_config(
            self.dir, self.dovecot, self.smtp, self.http, self.rules_path,
            os.path.join(self.top, "templates"))
        self.maildir = os.path.join(self.dir, "Maildir")
        with open(self.conf, "a") as f:
            f.write("[deliver]\nmaildir = %s\n" % self.maildir)

    def lead_files(self):
        return sorted(os.path.join(self.leads, f) for f in os.listdir(self.leads)
                      if f.endswith(".eml"))

    def expected(self):
        """Message-ID -> explain's decision."""
        return servers.explained(self.binary, self.rules, self.leads, NOW)

    def fetchmail(self):
        """One fetchmail poll of the inbox into `leadroute deliver`;
        (exit status, its output)."""
        rc = os.path.join(self.dir, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f"""set no bouncemail
set no syslog
poll 127.0.0.1 service {self.dovecot.port} protocol IMAP auth password
  user "{self.dovecot.user}" there with password "{self.dovecot.password}" is "{os.environ.get('USER', 'root')}" here
  folder INBOX
  sslproto ''
  mda "{self.binary} -c {self.conf} deliver"
""")
        os.chmod(rc, 0o600)
        p = subprocess.run([servers.find_fetchmail(), "-f", rc, "--pidfile",
                            os.path.join(self.dir, "fetchmail.pid"),
                            "--nodetach", "-v"], capture_output=True,
                           text=True, timeout=300,
                           env=dict(ENV, FETCHMAILHOME=self.dir,
                                    HOME=self.dir))
        return p.returncode, p.stdout + p.stderr

    def filed(self):
        """Message-ID -> the Maildir++ folders (".Leads.Review") holding
        it, from new/ (deliver puts messages there)."""
        out = {}
        if not os.path.isdir(self.maildir):
            return out
        for folder in sorted(os.listdir(self.maildir)) + [""]:
            new = os.path.join(self.maildir, folder, "new")
            if not os.path.isdir(new):
                continue
            for name in os.listdir(new):
                with open(os.path.join(new, name), "rb") as f:
                    out.setdefault(message_id(f.read()), []).append(
                        folder or "INBOX")
        return out

    def recorded(self):
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            self.dir, "journal.db"), uri=True)
        try:
            rows = db.execute(
                "SELECT m.message_key, m.mailbox, m.filed_at IS NOT NULL,"
                " d.kind, d.dest_id, d.owner, d.folder FROM messages m"
                " JOIN decisions d ON d.message_id = m.id").fetchall()
        finally:
            db.close()
        return {r[0]: r[1:] for r in rows}

    def forwarded_ids(self):
        out = []
        for m in self.smtp.messages():
            for part in m.message.walk():
                if part.get_content_type() == "message/rfc822":
                    out.append(part.get_payload()[0]["Message-ID"].strip())
        return out

    def first_owner_routed(self, exp):
        for f in self.lead_files():
            with open(f, "rb") as fp:
                data = fp.read()
            if exp[message_id(data)]["destination"]["owner"]:
                return data
        self.fail("no owner-routed lead")

    def test_fetchmail_pipes_every_lead(self):
        exp = self.expected()
        for f in self.lead_files():
            with open(f, "rb") as fp:
                self.dovecot.append("INBOX", fp.read())
        status, out = self.fetchmail()
        self.assertEqual(status, 0, out[-3000:])
        self.assertEqual(self.dovecot.list_folder("INBOX"), [], out[-3000:])
        filed, rec = self.filed(), self.recorded()
        members = servers.team_members(self.binary, self.conf, env=ENV)
        owners = []
        for mid, d in exp.items():
            dest = d["destination"]
            mailbox, done, kind, dest_id, owner, folder = rec[mid]
            self.assertEqual((mailbox, done), ("(deliver)", 1), d["file"])
            self.assertEqual((kind, dest_id), (dest["kind"], dest["id"]),
                             d["file"])
            if dest["kind"] == "team" and dest["owner"]:
                self.assertIn(owner, members[dest["id"]], d["file"])
            else:
                self.assertEqual((folder, owner),
                                 (dest["folder"], dest["owner"]), d["file"])
            self.assertEqual(filed.get(mid), ["." + folder.replace("/", ".")],
                             d["file"])
            if owner:
                owners.append((mid, owner))
        self.assertTrue(owners, "no owner-routed lead in the set")
        self.assertEqual(sorted(self.forwarded_ids()),
                         sorted(mid for mid, _ in owners))
        # a post for each owner's lead, and the announcements of the
        # leads in review and in queues that post to Slack
        self.assertEqual(len([r for r in self.http.requests()
                              if r.path == "/slack"]),
                         len(owners) + servers.announced_on_slack(
                             self.rules, exp))
        # nothing left: a second poll finds no mail and sends nothing
        status, out = self.fetchmail()
        self.assertEqual(status, 1, out[-3000:])	# 1: no mail
        self.assertEqual(len(self.smtp.messages()), len(owners))

    def test_smtp_down_keeps_the_lead(self):
        data = self.first_owner_routed(self.expected())
        mid = message_id(data)
        self.dovecot.append("INBOX", data)
        self.smtp.fail_next(1)
        status, out = self.fetchmail()
        self.assertIn("MDA returned nonzero status 75", out)
        self.assertIn("the forward did not go out", out)
        self.assertEqual(len(self.dovecot.list_folder("INBOX")), 1, out[-3000:])
        self.assertEqual(self.filed(), {})
        self.assertEqual(self.smtp.messages(), [])
        self.assertEqual(self.recorded()[mid][1], 0)	# decided, not filed
        status, out = self.fetchmail()
        self.assertEqual(status, 0, out[-3000:])
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        self.assertEqual(self.forwarded_ids(), [mid])
        self.assertEqual(len(self.filed()[mid]), 1)

    def test_maildir_unwritable_keeps_the_lead(self):
        """The forward went, the filing failed: 75, kept on the server;
        the next poll files it without forwarding it again."""
        data = self.first_owner_routed(self.expected())
        mid = message_id(data)
        self.dovecot.append("INBOX", data)
        blocker = os.path.join(self.dir, "not-a-dir")
        with open(blocker, "w") as f:
            f.write("x")
        with open(self.conf) as f:
            good = f.read()
        with open(self.conf, "w") as f:
            f.write(good.replace("maildir = " + self.maildir,
                                 "maildir = " + blocker + "/Maildir"))
        status, out = self.fetchmail()
        self.assertIn("MDA returned nonzero status 75", out)
        self.assertIn("Not a directory", out)
        self.assertEqual(len(self.dovecot.list_folder("INBOX")), 1)
        self.assertEqual(self.forwarded_ids(), [mid])
        with open(self.conf, "w") as f:
            f.write(good)
        status, out = self.fetchmail()
        self.assertEqual(status, 0, out[-3000:])
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        self.assertEqual(self.forwarded_ids(), [mid])	# not sent again
        self.assertEqual(len(self.filed()[mid]), 1)

    def test_config_error_keeps_the_lead(self):
        with open(self.rules_path, "a") as f:
            f.write("\nroute 1 when nonsense ==\n")
        with open(self.lead_files()[0], "rb") as fp:
            self.dovecot.append("INBOX", fp.read())
        status, out = self.fetchmail()
        self.assertIn("configuration error", out)
        # fetchmail's own status is 0: it kept the message ("not flushed")
        self.assertIn("MDA returned nonzero status 75", out)
        self.assertEqual(len(self.dovecot.list_folder("INBOX")), 1)
        self.assertEqual(self.filed(), {})

    def deliver(self, data, conf=None):
        return subprocess.run([self.binary, "-c", conf or self.conf,
                               "deliver"], input=data, capture_output=True,
                              timeout=120, env=ENV)

    def test_loopback_relay_with_auth_after_starttls(self):
        """A loopback relay that offers AUTH only after STARTTLS (Postfix's
        submission, smtpd_tls_auth_only) and requires it: the forward
        goes authenticated over STARTTLS, not refused with 530."""
        exp = self.expected()
        data = self.first_owner_routed(exp)
        with servers.SmtpSink(auth=("leads", "s3cret"), auth_required=True,
                              starttls=True) as relay:
            servers.write_secret(self.dir, "smtp.secret", "s3cret")
            conf = os.path.join(self.dir, "auth.conf")
            with open(self.conf) as f, open(conf, "w") as out:
                out.write(f.read().replace(
                    "[smtp]\nurl = %s\n" % self.smtp.url,
                    "[smtp]\nurl = %s\nuser = leads\n"
                    "password_file = smtp.secret\n" % relay.url))
            p = self.deliver(data, conf)
            self.assertEqual(p.returncode, 0, p.stderr)
            sent = relay.messages()
            self.assertEqual(len(sent), 1)
            self.assertEqual(sent[0].auth_user, "leads")
            self.assertEqual([t["reply"][:3] for t in relay.transcript()
                              if t["on"] == "AUTH"], ["235"])

    def test_builtin_templates(self):
        """Without [templates] dir the templates built into leadroute are
        used (spec section 3): the forward goes, as from the shipped
        ones."""
        exp = self.expected()
        data = self.first_owner_routed(exp)
        conf = os.path.join(self.dir, "builtin.conf")
        with open(self.conf) as f, open(conf, "w") as out:
            text = f.read()
            self.assertIn("[templates]\ndir = ", text)
            out.write(re.sub(r"\[templates\]\ndir = [^\n]*\n", "", text))
        p = self.deliver(data, conf)
        self.assertEqual(p.returncode, 0, p.stderr)
        sent = self.smtp.messages()
        self.assertEqual(len(sent), 1)
        self.assertTrue(sent[0].message["Subject"].startswith("[Lead] "),
                        sent[0].message["Subject"])
        slack = [r for r in self.http.requests() if r.path == "/slack"]
        self.assertEqual(len(slack), 1)
        self.assertIn("New lead", json.loads(slack[0].body)["text"])

    def test_same_message_id_and_failed_once(self):
        """Another message carrying a filed lead's Message-ID is stored
        too (where the first went, not forwarded), not swallowed with exit
        0; a message that went to Failed is stored there once however often
        the caller delivers it again."""
        exp = self.expected()
        data = self.first_owner_routed(exp)
        mid = message_id(data)
        p = self.deliver(data)
        self.assertEqual(p.returncode, 0, p.stderr)
        # another sender, another body: the same Message-ID (copies are
        # told apart by their sizes, so this one must differ)
        other = re.sub(rb"(?m)^From: [^\r\n]*", b"From: Someone Else "
                       b"<someone.else@elsewhere.example>", data, count=1) + \
            b"\r\nAnother message entirely.\r\n"
        if len(other) == len(data):
            other += b"!"
        self.assertEqual(message_id(other), mid)
        p = self.deliver(other)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.filed()[mid]), 2, self.filed())
        self.assertEqual(len(self.forwarded_ids()), 1)
        # the same message again: nothing more
        p = self.deliver(data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.filed()[mid]), 2)

        # a message the agent crashes on, three times: Failed, once
        crash = re.sub(rb"(?m)^Message-ID: .*$",
                       b"Message-ID: <crash-1@x.example>", data, count=1)
        env = dict(ENV, LEADROUTE_TEST_CRASH_ON="Message-ID: <crash-1@")
        for _ in range(3):
            subprocess.run([self.binary, "-c", self.conf, "deliver"],
                           input=crash, capture_output=True, timeout=120,
                           env=env)
        for _ in range(3):
            p = self.deliver(crash)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.filed().get("<crash-1@x.example>"),
                         [".Leads.Failed"])

    def test_pipe_without_maildir(self):
        exp = self.expected()
        data = self.first_owner_routed(exp)
        mid = message_id(data)
        conf = os.path.join(self.dir, "pipe.conf")
        with open(self.conf) as f, open(conf, "w") as out:
            out.write(f.read().replace("[deliver]\nmaildir", "#"))
        p = self.deliver(data, conf)
        self.assertEqual(p.returncode, 0, p.stderr)
        folder = self.recorded()[mid][5]
        self.assertEqual(p.stdout.decode(), folder + "\n")
        self.assertTrue(folder.startswith("Leads/Owners/"), folder)
        self.assertFalse(os.path.exists(self.maildir))
        # piped again (the caller retried): told the folder again, the
        # lead not sent twice
        p = self.deliver(data, conf)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode(), folder + "\n")
        self.assertEqual(self.forwarded_ids(), [mid])
        # nothing on stdin
        p = self.deliver(b"", conf)
        self.assertEqual(p.returncode, 66)
        self.assertIn(b"no message on stdin", p.stderr)


def main():
    servers.test_args(MdaTest, sys.argv, __doc__)
    unittest.main(argv=[sys.argv[0], "-v"])


main()
