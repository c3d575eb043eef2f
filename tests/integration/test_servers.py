#!/usr/bin/env python3
"""leadroute run against the IMAP servers teams already have: Cyrus IMAP
in Debian's default layout (personal namespace "INBOX.", separator "."),
Dovecot with that same namespace, Dovecot without MOVE and UIDPLUS, and
Dovecot refusing keywords (ACL without "w"); and the failures that must be
loud (docs/mail-servers.md).

usage: test_servers.py LEADROUTE TOP_SRCDIR [LEADS_DIR EXPECTED_JSONL RULES]

For each server, with `folder_prefix = Leads` as a new user writes it:
- `run --once` files every lead into the folder `explain` decides (under
  the server's namespace: INBOX.Leads.Review), forwards each owner-routed
  lead once; a second run sends nothing and moves nothing;
- Cyrus: a lead a person moves between owners' folders is recorded as
  reassigned by the board;
- without UIDPLUS, a message someone else marked \\Deleted in the inbox is
  never expunged by leadroute;
- without keywords, the journal alone keeps a lead from being sent twice,
  and the log says so once.
Loud failures: a round the server refuses (its SELECT) is logged with the
command and the server's words, told to Slack, and `run --once` exits 75;
a folder that refuses to take mail does not keep the others from being
filed, and its leads are filed once it takes them, sent once; a CREATE
the server refuses is logged with its reason.

LEADROUTE_SERVERS_ONLY=test_name runs one test.
"""
import email
import email.policy
import json
import os
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402
import cyrus  # noqa: E402

NOW = "2026-11-24T10:00:00Z"

# Dovecot's capabilities after login, less MOVE and UIDPLUS (and the
# extensions that imply them)
NO_MOVE = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT "
           "SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT "
           "MULTIAPPEND UNSELECT CHILDREN NAMESPACE LIST-EXTENDED "
           "I18NLEVEL=1 ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH "
           "LIST-STATUS BINARY LITERAL+ SPECIAL-USE")


def message_id(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    return msg["Message-ID"].strip() if msg["Message-ID"] else None


class ServerTest(unittest.TestCase):
    binary = top = leads = rules = None

    def start(self, imap, prefix="", sep="/"):
        """Start IMAP (unstarted Dovecot or Cyrus) and the sinks; write the
        configuration. prefix, sep: the server's personal namespace."""
        self.tmp = tempfile.TemporaryDirectory(prefix="lr-servers-")
        self.addCleanup(self.tmp.cleanup)
        self.http = servers.HttpSink()
        self.addCleanup(self.http.close)
        self.http.start()
        self.smtp = servers.SmtpSink()
        self.addCleanup(self.smtp.close)
        self.smtp.start()
        self.imap = imap
        self.addCleanup(imap.close)
        imap.start()
        self.prefix, self.sep = prefix, sep
        self.dir = self.tmp.name
        rules = servers.copy_rules(self.rules, os.path.join(self.dir, "rules"))
        self.conf = servers.agent_config(
            self.dir, imap, self.smtp, self.http, rules,
            os.path.join(self.top, "templates"))

    def srv(self, folder):
        """Our folder name ("Leads/Review") as the server's."""
        if folder.upper() == "INBOX":
            return folder
        return self.prefix + folder.replace("/", self.sep)

    def ours(self, folder):
        if self.prefix and folder.startswith(self.prefix):
            folder = folder[len(self.prefix):]
        return folder.replace(self.sep, "/")

    def run_agent(self, *args, expect=0, env=None):
        p = subprocess.run([self.binary, "-c", self.conf, "run", "--once"]
                           + list(args), capture_output=True, text=True,
                           timeout=300, env=dict(os.environ, TZ="UTC",
                                                 LEADROUTE_TEST_NOW=NOW,
                                                 **(env or {})))
        self.assertEqual(p.returncode, expect, p.stderr[-3000:])
        return p.stderr

    def append_leads(self):
        files = sorted(os.path.join(self.leads, f) for f in os.listdir(self.leads)
                       if f.endswith(".eml"))
        for f in files:
            with open(f, "rb") as fp:
                self.imap.append("INBOX", fp.read())
        return files

    def where(self):
        """Message-ID -> [(our folder name, flags)] over every folder."""
        out = {}
        for folder in self.imap.folders():
            try:
                mails = self.imap.list_folder(folder)
            except servers.ServerError:	# \Noselect parents
                continue
            for m in mails:
                out.setdefault(message_id(m.data), []).append(
                    (self.ours(folder), m.flags))
        return out

    def inbox(self):
        return self.imap.list_folder("INBOX")

    def recorded(self):
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            self.dir, "journal.db"), uri=True)
        try:
            return {r[0]: dict(kind=r[1], id=r[2], owner=r[3])
                    for r in db.execute(
                        "SELECT m.message_key, d.kind, d.dest_id, d.owner"
                        " FROM messages m JOIN decisions d"
                        " ON d.message_id = m.id")}
        finally:
            db.close()

    def events(self, kind):
        return servers.journal_events(os.path.join(self.dir, "journal.db"),
                                      kind)

    def forwarded(self):
        return [f for f in servers.forwarded_ids(self.smtp) if f]

    def route_all(self, keywords=True, skip=()):
        """The leads in the inbox, `run --once`: each filed where explain
        decides, each owner-routed one forwarded once; a second run sends
        and moves nothing. Returns (expected, where, log)."""
        self.append_leads()
        exp = servers.explained(self.binary, self.rules, self.leads, NOW)
        log = self.run_agent()
        where = self.where()
        rec = self.recorded()
        members = servers.team_members(self.binary, self.conf)
        servers.assert_as_explained(self, exp, where, rec, members,
                                    skip_places=skip)
        owned = []
        for mid, d in exp.items():
            dest = d["destination"]
            flags = [w[1] for w in where[mid] if w[0] not in skip][0]
            self.assertEqual("$LeadRouted" in flags, keywords, d["file"])
            if dest["owner"]:
                owned.append(mid)
        self.assertEqual(sorted(self.forwarded()), sorted(owned))
        sent, posts = len(self.smtp.messages()), len(self.http.requests())
        again = self.run_agent()
        self.assertEqual(len(self.smtp.messages()), sent, again)
        self.assertEqual(len(self.http.requests()), posts, again)
        self.assertEqual(self.where(), where, "the second run moved nothing")
        return exp, where, log

    # --- the servers --------------------------------------------------

    def test_cyrus(self):
        """Cyrus 3.6 as Debian ships it: INBOX.Leads..., keywords sent as
        atoms; the board sees a person's move."""
        self.start(cyrus.Cyrus(), prefix="INBOX.", sep=".")
        exp, where, log = self.route_all()
        self.assertNotIn("refused", log)
        rec = self.recorded()
        owned = sorted(m for m, r in rec.items() if r["kind"] == "owner" and
                       r["owner"])
        self.assertTrue(owned, "the leads need an owner-routed one")
        mid = owned[0]
        a = rec[mid]["owner"]
        b = next(o for o in sorted({r["owner"] for r in rec.values()
                                    if r["owner"]}) if o != a)
        with self.imap.connect() as imap:
            self.assertEqual(imap.select(self.srv("Leads/Owners/" + a))[0],
                             "OK")
            typ, data = imap.uid("SEARCH", "HEADER", "Message-ID", mid)
            uid = data[0].split()[0].decode()
            typ, data = imap.uid("MOVE", uid, self.srv("Leads/Owners/" + b))
            self.assertEqual(typ, "OK", data)
        self.run_agent()
        self.assertEqual(self.events("reassigned"), [(mid, f"{a} -> {b}")])
        self.assertEqual(self.recorded()[mid]["owner"], b)

    def test_dovecot_inbox_namespace(self):
        """Dovecot with the personal namespace "INBOX." and ".": folders
        under INBOX, as on Cyrus and Courier."""
        self.start(servers.Dovecot(separator=".", prefix="INBOX."),
                   prefix="INBOX.", sep=".")
        exp, where, log = self.route_all()
        self.assertIn(self.srv("Leads/Review"), self.imap.folders())
        self.assertNotIn("Leads", self.imap.folders())

    def test_no_move_no_uidplus(self):
        """Without MOVE and UIDPLUS: COPY, \\Deleted and EXPUNGE, but never
        an EXPUNGE while another message is marked \\Deleted."""
        self.start(servers.Dovecot(capability=NO_MOVE))
        other = (b"From: someone@example.com\r\nTo: sales@example.com\r\n"
                 b"Subject: deleted by a colleague\r\nMessage-ID: "
                 b"<deleted@example.com>\r\n\r\nkeep me until they expunge\r\n")
        self.imap.append("INBOX", other, flags=("\\Deleted",))
        exp, where, log = self.route_all(skip=("INBOX",))
        self.assertIn("no UIDPLUS", log)
        left = self.inbox()
        self.assertIn("<deleted@example.com>",
                      [message_id(m.data) for m in left])
        for m in left:	# the filed copies, marked for a client to expunge
            self.assertIn("\\Deleted", m.flags)
        # once nobody else's message is marked (the colleague changed
        # their mind), leadroute expunges its own, those left before too
        with self.imap.connect() as imap:
            imap.select("INBOX")
            typ, data = imap.uid("SEARCH", "HEADER", "Message-ID",
                                 "<deleted@example.com>")
            imap.uid("STORE", data[0].decode(), "-FLAGS", "(\\Deleted)")
        with open(sorted(os.path.join(self.leads, f) for f in
                         os.listdir(self.leads))[0], "rb") as f:
            data = f.read().replace(b"Message-ID: <", b"Message-ID: <again.")
        self.imap.append("INBOX", data)
        self.run_agent()
        # the leftovers expunged; the colleague's message, no longer
        # deleted, is routed as any other
        self.assertEqual(self.inbox(), [])
        self.assertEqual(len(self.where()["<deleted@example.com>"]), 1)

    def test_prefix_as_a_client_shows_it(self):
        """folder_prefix and a queue's folder pasted as a mail client of
        an "INBOX." server shows them (INBOX.Leads, INBOX.Leads.Nurture):
        filed there all the same, and the board knows its folders (a
        person's move between owners is a reassignment, nothing is
        "nobody's")."""
        self.start(servers.Dovecot(separator=".", prefix="INBOX."),
                   prefix="INBOX.", sep=".")
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(text.replace("folder_prefix = Leads\n",
                                 "folder_prefix = INBOX.Leads\n"))
        self.append_leads()
        log = self.run_agent()
        rec = self.recorded()
        owned = sorted(m for m, r in rec.items() if r["kind"] == "owner"
                       and r["owner"])
        self.assertTrue(owned)
        mid = owned[0]
        a = rec[mid]["owner"]
        b = next(o for o in sorted({r["owner"] for r in rec.values()
                                    if r["owner"]}) if o != a)
        src, dst = ("INBOX.Leads.Owners." + a, "INBOX.Leads.Owners." + b)
        self.assertIn(src, self.imap.folders())
        with self.imap.connect() as imap:
            imap.create(dst)
            self.assertEqual(imap.select(src)[0], "OK")
            typ, data = imap.uid("SEARCH", "HEADER", "Message-ID", mid)
            typ, data = imap.uid("MOVE", data[0].split()[0].decode(), dst)
            self.assertEqual(typ, "OK", data)
        log += self.run_agent()
        self.assertNotIn("which is no owner's", log)
        self.assertEqual(self.events("reassigned"), [(mid, f"{a} -> {b}")])

    def test_leftovers_not_copied_again(self):
        """No MOVE, and an inbox where leadroute may neither set keywords
        nor delete (ACL without "w", "t", "e"): each lead is copied to its
        folder once, the copies left in the inbox are never copied again
        (the agent does not spin), and the log says why they stay."""
        self.start(servers.Dovecot(capability=NO_MOVE, acl=True))
        self.imap.set_acl("INBOX", "lrsipkxa")
        files = self.append_leads()
        for _ in range(3):
            log = self.run_agent(expect=75)
        self.assertIn("does not let leadroute delete it", log)
        where = self.where()
        for mid, places in where.items():
            filed = [p for p, _ in places if p != "INBOX"]
            self.assertEqual(len(filed), 1, f"{mid} in {places}")
        self.assertEqual(len(self.inbox()), len(files))

    def test_copied_before_a_stop(self):
        """No MOVE: a lead decided before a stop that came between its
        COPY and its EXPUNGE is in its folder already; when it is filed
        after the restart, the folder keeps one copy."""
        self.start(servers.Dovecot(capability=NO_MOVE))
        exp = servers.explained(self.binary, self.rules, self.leads, NOW)
        path = None
        for f in sorted(os.listdir(self.leads)):
            with open(os.path.join(self.leads, f), "rb") as fp:
                data = fp.read()
            mid = message_id(data)
            if exp[mid]["destination"]["kind"] == "owner":
                path = f
                break
        self.assertIsNotNone(path, "the leads need an owner-routed one")
        # decided, its forward deferred: it stays in the inbox
        self.smtp.fail_next(1)
        self.imap.append("INBOX", data)
        self.run_agent(expect=75)
        folder = exp[mid]["destination"]["folder"]
        # the copy a COPY made before a stop
        self.imap.append(self.srv(folder), data)
        self.smtp.script([])
        clock = os.path.join(self.dir, "clock")
        with open(clock, "w") as f:
            f.write("%d\n" % (time.time() + 3600))
        self.run_agent(env={"LEADROUTE_TEST_CLOCK": clock})
        self.assertEqual(self.inbox(), [])
        self.assertEqual([p for p, _ in self.where()[mid]], [folder])
        self.assertEqual(self.forwarded(), [mid])

    def test_keywords_refused(self):
        """An inbox that keeps no keywords (ACL without "w"): said once,
        everything filed, the journal alone keeps a lead from being sent
        twice."""
        self.start(servers.Dovecot(acl=True))
        self.imap.set_acl("INBOX", "lrsitekxa")
        exp, where, log = self.route_all(keywords=False)
        self.assertEqual(log.count("keeps no keywords"), 1, log)
        self.assertEqual(self.inbox(), [])

    # --- loud failures ------------------------------------------------

    def test_round_refused(self):
        """A round the server refuses: the command and its words in the
        log, the Slack channel told, `run --once` 75."""
        self.start(servers.Dovecot())
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(text.replace("/INBOX\n", "/Sales\n"))
        log = self.run_agent(expect=75)
        self.assertRegex(log, r"SELECT Sales: the server refused it: .*"
                         r"Mailbox doesn't exist")
        self.assertIn("refused this round", log)
        self.assertIn("[inbox] url right?", log)
        # cron runs it again: the refusal was told, not told again
        self.run_agent(expect=75)
        posts = [json.loads(r.body)["text"] for r in self.http.requests()
                 if r.path == "/slack"]
        self.assertEqual(len(posts), 1, posts)
        self.assertIn("Sales", posts[0])
        # the mailbox made: it answers again, and that is told once
        self.imap.create("Sales")
        self.run_agent()
        self.run_agent()
        posts = [json.loads(r.body)["text"] for r in self.http.requests()
                 if r.path == "/slack"]
        self.assertEqual(len(posts), 2, posts)
        self.assertIn("answers again", posts[1])

    def test_folder_refuses(self):
        """Review refuses new mail: the other folders are filed, the review
        leads wait in the inbox (said in the log), and are filed once the
        folder takes them; nothing is sent twice."""
        self.start(servers.Dovecot(acl=True))
        self.imap.set_acl("Leads/Review", "lrswtekxa")	# no "i"
        self.append_leads()
        exp = servers.explained(self.binary, self.rules, self.leads, NOW)
        review = {m for m, d in exp.items()
                  if d["destination"]["kind"] == "review"}
        self.assertTrue(review, "the leads need review ones")
        log = self.run_agent(expect=75)
        self.assertRegex(log, r"cannot file \d+ messages? in Leads/Review: "
                         r"UID MOVE to Leads/Review: the server refused it: "
                         r"\S+")
        left = {message_id(m.data) for m in self.inbox()}
        self.assertEqual(left, review)
        filed = self.where()
        for mid in set(exp) - review:
            self.assertNotEqual(filed[mid][0][0], "INBOX")
        sent = len(self.smtp.messages())
        # the sweep sees them (they carry $LeadRouted: the journal knows
        # they are not filed)
        with open(self.conf) as f:
            text = f.read()
        text = text.replace(
            "folder_prefix = Leads\n", "folder_prefix = Leads\n"
            "sweep_interval = 1s\nunrouted_after = 1s\npoll_interval = 1s\n"
            "board_interval = 1s\n")
        with open(self.conf, "w") as f:
            f.write(text)
        p = subprocess.Popen([self.binary, "-c", self.conf, "run"],
                             stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, TZ="UTC"))
        try:
            end = time.time() + 30
            while time.time() < end and not any(
                    b"not routed" in r.body for r in self.http.requests()):
                time.sleep(0.2)
        finally:
            p.terminate()
            err = p.communicate(timeout=30)[1]
        alerts = [json.loads(r.body)["text"] for r in self.http.requests()
                  if b"not routed" in r.body]
        self.assertEqual(len(alerts), 1, err[-3000:])
        self.assertIn("%d message" % len(review), alerts[0])
        self.assertEqual(len(self.smtp.messages()), sent)
        self.imap.set_acl("Leads/Review", "lrswitekxa")
        self.run_agent()
        self.assertEqual(self.inbox(), [])
        self.assertEqual(len(self.smtp.messages()), sent)

    def test_create_refused(self):
        """A CREATE the server refuses is logged with its reason."""
        self.start(servers.Dovecot(acl=True))
        self.imap.set_acl("Leads", "lrswitexa")	# no "k": no subfolders
        log = self.run_agent()
        self.assertRegex(log, r"CREATE Leads/Review: the server refused it: "
                         r"\S+")

    def fake_imap(self, talk):
        """A server on 127.0.0.1 that runs talk(connection) for one
        client; `run --once` against it: its exit status and log."""
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        self.addCleanup(srv.close)

        def serve():
            c, _ = srv.accept()
            try:
                talk(c)
            except OSError:
                pass
            finally:
                c.close()
        t = threading.Thread(target=serve, daemon=True)
        t.start()
        self.tmp = tempfile.TemporaryDirectory(prefix="lr-fake-")
        self.addCleanup(self.tmp.cleanup)
        conf = os.path.join(self.tmp.name, "leadroute.conf")
        with open(conf, "w") as f:
            f.write("[inbox]\nurl = imap://127.0.0.1:%d/INBOX\nuser = a\n"
                    "password_env = LR_FAKE_PW\n[rules]\nfile = %s\n"
                    "[journal]\npath = %s\n" % (
                        srv.getsockname()[1], self.rules,
                        os.path.join(self.tmp.name, "journal.db")))
        p = subprocess.run([self.binary, "-c", conf, "run", "--once"],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, LR_FAKE_PW="x"))
        t.join(10)
        return p.returncode, p.stderr

    def test_answer_split_anywhere(self):
        """A greeting split after "* OK " (a slow server or network) is
        guarded as one in a single read: a list in its response code,
        which libetpan reads without the context it needs (a crash),
        drops the connection; the agent exits 69, not by a signal."""
        def talk(c):
            c.sendall(b"* OK ")
            time.sleep(0.3)
            c.sendall(b"[PERMANENTFLAGS (\\Seen)] hi\r\n")
            time.sleep(1)
        rc, log = self.fake_imap(talk)
        self.assertEqual(rc, 69, log[-2000:])
        self.assertIn("a list in the greeting's response code", log)

    def test_blanks_before_a_malformed_list_of_flags(self):
        """libetpan takes any run of blanks for the space after
        PERMANENTFLAGS and then reads NULL on a malformed list, as on a
        lone "\\" for a flag (both found by fuzz_imap): the guard drops
        the connection (69), no signal."""
        for gap, flags in ((b"  ", b"%"), (b"\t", b"%"), (b" \t" * 20, b"%"),
                           (b" ", b"\\"), (b" ", b"\\Seen \\")):
            def talk(c, gap=gap, flags=flags):
                c.sendall(b"* OK [CAPABILITY IMAP4rev1] hi\r\n")
                c.recv(100)
                c.sendall(b"* OK [PERMANENTFLAGS" + gap + b"(" + flags +
                          b")] x\r\n1 OK done\r\n")
                time.sleep(1)
            rc, log = self.fake_imap(talk)
            self.assertEqual(rc, 69, log[-2000:])
            self.assertIn("a malformed list of flags", log)

    def test_connection_reset_while_writing(self):
        """A server that resets the connection as the agent writes a
        command: a lost connection (69 with --once), never SIGPIPE."""
        def talk(c):
            c.sendall(b"* OK [CAPABILITY IMAP4rev1] hi\r\n")
            c.recv(100)
            c.sendall(b"* CAPABILITY IMAP4rev1\r\n1 OK done\r\n")
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        for _ in range(3):
            rc, log = self.fake_imap(talk)
            self.assertEqual(rc, 69, log[-2000:])
            self.assertIn("connection lost", log)


def main():
    servers.test_args(ServerTest, sys.argv, __doc__)
    only = os.environ.get("LEADROUTE_SERVERS_ONLY")
    unittest.main(argv=[sys.argv[0], "-v"] +
                  (["ServerTest." + only] if only else []))


main()
