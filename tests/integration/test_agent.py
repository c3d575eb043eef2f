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
- someone marking messages \\Seen changes nothing;
- SMTP 451 then success (forwarded once), SMTP 550 (review, with the
  reason);
- Slack 429 with Retry-After and 500: retried on their own schedule, the
  forward and the filing not held up; the webhook is signed; a bot token
  sends the owner a direct message;
- a message that crashes the agent three times ends in Leads/Failed with
  its reason, and the others flow on;
- a message appended while the agent IDLEs is routed; SIGTERM exits 0;
- SIGHUP keeps the old rules when the new ones fail check, and uses the
  new ones when they pass;
- the sweep reports messages left unrouted too long;
- a backlog larger than a batch is filed batch by batch;
- imaps:// and STARTTLS verify Dovecot's certificate against ca_file;
- the folder board: assign from Review, reassign between owners, a move
  into a folder that is nobody's left alone;
- an owner's reply in the inbox is filed with the lead and recorded as its
  first response;
- a lead in review past the review SLA is escalated once;
- the daily review digest goes to the escalate owner once a day;
- a team's SLA re-routes an unanswered lead to the other member, once.

LEADROUTE_AGENT_ONLY=test_name runs one test.
"""
import base64
import csv
import email
import email.message
import email.policy
import hashlib
import hmac
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

NOW = "2026-11-24T10:00:00Z"


def lose_journal(journal):
    """The journal as a restore or a cleanup leaves it: emptied, its -wal
    and -shm gone."""
    with open(journal, "w"):
        pass
    for ext in ("-wal", "-shm"):
        if os.path.exists(journal + ext):
            os.unlink(journal + ext)


class AgentTest(unittest.TestCase):
    binary = top = leads = rules = None

    def setUp(self):
        # Fresh servers for every test: no state leaks between them.
        self.tmp = tempfile.TemporaryDirectory(prefix="lr-agent-")
        self.addCleanup(self.tmp.cleanup)
        self.dovecot, self.smtp, self.http = servers.start_servers(self)
        self.dir = tempfile.mkdtemp(dir=self.tmp.name)
        rules = servers.copy_rules(self.rules, os.path.join(self.dir, "rules"))
        self.conf = servers.agent_config(
            self.dir, self.dovecot, self.smtp, self.http, rules,
            os.path.join(self.top, "templates"))
        self.agents = []
        self.addCleanup(self.stop_agents)

    def stop_agents(self):
        for p in self.agents:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.log.close()

    def add_conf(self, text):
        with open(self.conf, "a") as f:
            f.write(text)

    def set_conf(self, group, key, value):
        """Add key = value to [group] (the last value wins in GKeyFile? no:
        the key must be unique), so rewrite the group's line if present."""
        with open(self.conf) as f:
            lines = f.read().splitlines()
        out, group_at, done = [], None, False
        for line in lines:
            if line.strip() == f"[{group}]":
                group_at = len(out)
            if group_at is not None and not done and line.startswith(key + " ="):
                line, done = f"{key} = {value}", True
            out.append(line)
        if not done:
            if group_at is None:
                out += [f"[{group}]", f"{key} = {value}"]
            else:
                out.insert(group_at + 1, f"{key} = {value}")
        with open(self.conf, "w") as f:
            f.write("\n".join(out) + "\n")

    def secret(self, name, value):
        servers.write_secret(self.dir, name, value)
        return name

    def start_agent(self, *args, env=None):
        """`run` as a long-running agent; stderr into a file."""
        log = open(os.path.join(self.dir, "agent-%d.log" % len(self.agents)),
                   "w+")
        p = subprocess.Popen([self.binary, "-c", self.conf, "run"] + list(args),
                             stderr=log, stdout=subprocess.DEVNULL,
                             env=dict(os.environ, TZ="UTC",
                                      LEADROUTE_TEST_NOW=NOW, **(env or {})))
        p.log = log
        self.agents.append(p)
        return p

    def agent_log(self, p):
        p.log.flush()
        with open(p.log.name) as f:
            return f.read()

    def wait_for(self, what, cond, timeout=30.0, agent=None):
        end = time.time() + timeout
        while time.time() < end:
            v = cond()
            if v:
                return v
            if agent is not None and agent.poll() is not None:
                self.fail(f"the agent exited ({agent.returncode}) while "
                          f"waiting for {what}:\n{self.agent_log(agent)[-3000:]}")
            time.sleep(0.1)
        self.fail(f"timed out waiting for {what}" +
                  (f":\n{self.agent_log(agent)[-3000:]}" if agent else ""))

    def wait_idle(self, p):
        """Until the agent has done its first round and waits for mail."""
        self.wait_for("the agent to connect",
                      lambda: "run: connected" in self.agent_log(p), agent=p)
        time.sleep(0.5)

    def stop_agent(self, p):
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            self.fail("SIGTERM did not stop the agent")
        self.assertEqual(rc, 0, self.agent_log(p)[-3000:])

    def run_agent(self, *args, expect=0, env=None):
        env = dict(os.environ, TZ="UTC", LEADROUTE_TEST_NOW=NOW,
                   **(env or {}))
        p = subprocess.run([self.binary, "-c", self.conf, "run", "--once"]
                           + list(args), capture_output=True, text=True,
                           timeout=300, env=env)
        self.assertEqual(p.returncode, expect, p.stderr[-3000:])
        return p.stderr

    def expected(self):
        """What explain decides for each lead, by Message-ID."""
        return servers.explained(self.binary, self.rules, self.leads, NOW)

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

    def recorded(self):
        """Message-ID -> the decision in the agent's journal (a dict)."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            self.dir, "journal.db"), uri=True)
        try:
            rows = db.execute(
                "SELECT m.message_key, d.kind, d.dest_id, d.owner, d.folder,"
                " d.lead_email, d.lead_json FROM messages m JOIN decisions d"
                " ON d.message_id = m.id").fetchall()
        finally:
            db.close()
        return {r[0]: dict(kind=r[1], id=r[2], owner=r[3], folder=r[4],
                           email=r[5], subject=json.loads(r[6] or "{}")
                           .get("subject")) for r in rows}

    def reason_of(self, mid):
        """The reason the journal recorded for MID's decision."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            self.dir, "journal.db"), uri=True)
        try:
            return db.execute(
                "SELECT d.reason FROM messages m JOIN decisions d ON"
                " d.message_id = m.id WHERE m.message_key = ?",
                (mid,)).fetchone()[0]
        finally:
            db.close()

    def team_members(self):
        return servers.team_members(self.binary, self.conf)

    def assert_as_explained(self, exp, where, skip=()):
        """Every message of exp in exactly one folder, decided as explain
        decides, up to the rotation: a team's lead went to one of its
        members (the one the journal recorded) instead of explain's pick,
        which has no history. Returns the recorded decisions."""
        rec = self.recorded()
        servers.assert_as_explained(self, exp, where, rec,
                                    self.team_members(), skip_mids=skip)
        return rec

    def rules_copy(self, extra=""):
        """The copy of the rules (and their data) every test runs with
        (servers.copy_rules: no digest), with extra appended; its path."""
        rules = os.path.join(self.dir, "rules", os.path.basename(self.rules))
        with open(rules, "a") as f:
            f.write(extra)
        return rules

    def owner_routed(self, exp):
        return {mid for mid, d in exp.items() if d["destination"]["owner"]}

    def forwarded_ids(self):
        """The Message-ID of the lead attached to each forward received."""
        return servers.forwarded_ids(self.smtp)

    def filed(self, mid):
        """The folder MID is in, once it is out of the inbox (one listing:
        a message moving between two folder listings is in neither)."""
        places = self.folder_of().get(mid)
        return places[0][0] if places and places[0][0] != "INBOX" else None

    def lead_files(self):
        return sorted(os.path.join(self.leads, f) for f in os.listdir(self.leads)
                      if f.endswith(".eml"))

    def first_owner_routed(self):
        """(path, Message-ID, decision) of the first owner-routed lead."""
        exp = self.expected()
        for f in self.lead_files():
            with open(f, "rb") as fp:
                data = fp.read()
            mid = email.message_from_bytes(data, policy=email.policy.default)[
                "Message-ID"].strip()
            if exp[mid]["destination"]["owner"]:
                return data, mid, exp[mid]
        self.fail("no owner-routed lead")

    def test_slack_retries(self):
        """Slack 429 + Retry-After, then 500: retried on their own schedule;
        the forward goes and the lead is filed at once."""
        data, mid, d = self.first_owner_routed()
        self.http.script([
            {"path": "/slack", "status": 429, "headers": {"Retry-After": "3"},
             "times": 1},
            {"path": "/slack", "status": 500, "times": 1}])
        p = self.start_agent()
        self.wait_idle(p)
        self.dovecot.append("INBOX", data)
        self.wait_for("the forward", lambda: self.smtp.messages(), agent=p)
        self.wait_for("the filing", lambda: not self.dovecot.list_folder("INBOX"),
                      agent=p)
        self.assertEqual(self.folder_of()[mid][0][0], d["destination"]["folder"])
        self.assertEqual([r.status for r in self.http.requests()
                          if r.path == "/slack"], [429],
                         "forwarded and filed while Slack still fails")
        posts = self.wait_for(
            "three Slack posts",
            lambda: (lambda r: r if len(r) >= 3 else None)(
                [r for r in self.http.requests() if r.path == "/slack"]),
            timeout=40, agent=p)
        self.assertEqual([r.status for r in posts], [429, 500, 200])
        self.assertEqual(len({r.body for r in posts}), 1, "the same post")
        self.assertGreaterEqual(posts[1].time - posts[0].time, 2.9,
                                "Retry-After: 3 honoured")
        self.assertEqual(len(self.smtp.messages()), 1)
        self.stop_agent(p)
        time.sleep(0.5)
        self.assertEqual(len([r for r in self.http.requests()
                              if r.path == "/slack"]), 3, "no more posts")

    def test_webhook_and_direct_message(self):
        """The webhook gets every lead that is not ignored, signed with
        HMAC-SHA256; the bot token sends each owner a direct message."""
        self.add_conf(f"""[webhook]
url_file = {self.secret("hook.secret", self.http.url + "/hook")}
secret_file = {self.secret("hmac.secret", "s3cret-key")}
""")
        with open(self.conf) as f:
            conf = f.read()
        conf = conf.replace("[slack]\n", "[slack]\napi_url = %s/api\n"
                            "token_file = %s\n" % (
                                self.http.url, self.secret("bot.secret", "xoxb-1")))
        with open(self.conf, "w") as f:
            f.write(conf)
        self.http.script([], default={"status": 200, "body": {"ok": True},
                                      "headers": {"Content-Type": "application/json"}})
        self.append_leads()
        exp = self.expected()
        self.run_agent()
        reqs = self.http.requests()
        hooks = [r for r in reqs if r.path == "/hook"]
        kept = [d for d in exp.values() if d["destination"]["kind"] != "ignore"]
        self.assertEqual(len(hooks), len(kept))
        for r in hooks:
            # v2: signed with its timestamp, which is now
            stamp = r.header("X-Leadroute-Timestamp")
            self.assertLess(abs(int(stamp) - time.time()), 120)
            want = "sha256=" + hmac.new(b"s3cret-key", stamp.encode() + b"." +
                                        r.body, hashlib.sha256).hexdigest()
            self.assertEqual(r.header("X-Leadroute-Signature"), want)
            json.loads(r.body)
        self.assertEqual(sorted(json.loads(r.body)["message_id"] for r in hooks),
                         sorted(d["message_id"] for d in kept))
        dms = [r for r in reqs if r.path == "/api/chat.postMessage"]
        slack_ids = {i: r.get("slack") for i, r in self.owner_rows().items()}
        owned = [r for r in self.recorded().values() if r["owner"] and
                 slack_ids.get(r["owner"])]
        self.assertEqual(len(dms), len(owned))
        for r in dms:
            self.assertEqual(r.header("Authorization"), "Bearer xoxb-1")
            self.assertTrue(json.loads(r.body)["channel"].startswith("U"))

    def test_failed_after_three_crashes(self):
        """A message that crashes the agent three times is filed into
        Leads/Failed with its reason; the others flow on."""
        files = self.append_leads()
        exp = self.expected()
        with open(files[len(files) // 2], "rb") as fp:
            bad = email.message_from_bytes(fp.read(), policy=email.policy.default)[
                "Message-ID"].strip()
        env = dict(os.environ, TZ="UTC", LEADROUTE_TEST_NOW=NOW,
                   LEADROUTE_TEST_CRASH_ON=bad)
        for attempt in range(3):
            p = subprocess.run([self.binary, "-c", self.conf, "run", "--once"],
                               capture_output=True, text=True, timeout=300,
                               env=env)
            self.assertEqual(p.returncode, -signal.SIGABRT, p.stderr[-2000:])
            self.assertIn("crashing on " + bad, p.stderr)
        p = subprocess.run([self.binary, "-c", self.conf, "run", "--once"],
                           capture_output=True, text=True, timeout=300, env=env)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("filed in Leads/Failed: gave up after 3 attempts", p.stderr)
        where = self.folder_of()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        self.assertEqual(where[bad], [("Leads/Failed", where[bad][0][1])])
        self.assert_as_explained(exp, where, skip={bad})
        owned = self.owner_routed(exp) - {bad}
        self.assertEqual(sorted(self.forwarded_ids()), sorted(owned))

    def test_idle_append_and_sigterm(self):
        """A lead appended while the agent IDLEs is routed; SIGTERM: exit 0;
        every folder exists from the start."""
        data, mid, d = self.first_owner_routed()
        p = self.start_agent()
        self.wait_idle(p)
        folders = self.dovecot.folders()
        for f in ("Leads/Review", "Leads/Ignored", "Leads/Failed",
                  "Leads/Owners/" + d["destination"]["owner"]):
            self.assertIn(f, folders)
        t0 = time.time()
        self.dovecot.append("INBOX", data)
        self.wait_for("the forward", lambda: self.smtp.messages(), agent=p)
        self.assertLess(time.time() - t0, 10)
        self.wait_for("the filing", lambda: not self.dovecot.list_folder("INBOX"),
                      agent=p)
        self.assertEqual(self.folder_of()[mid][0][0], d["destination"]["folder"])
        self.stop_agent(p)

    def test_sighup(self):
        """SIGHUP: rules that fail check (one with a regex that crashed
        PCRE, one with an unknown dimension) are refused, the old ones
        stay; rules that pass are used from then on."""
        rules = self.rules_copy()
        files = self.lead_files()
        exp = self.expected()
        mids = []
        for f in files:
            with open(f, "rb") as fp:
                raw = fp.read()
            mids.append((raw, email.message_from_bytes(
                raw, policy=email.policy.default)["Message-ID"].strip()))
        owned = [(raw, mid) for raw, mid in mids
                 if exp[mid]["destination"]["owner"]]
        p = self.start_agent()
        self.wait_idle(p)

        with open(rules) as f:
            good = f.read()
        # a regex that crashed pcre2_compile (invalid UTF-8, caseless):
        # refused, the agent lives on
        with open(rules, "ab") as f:
            f.write(b"\noffer x if text ~ /a\xffb/i\n")
        p.send_signal(signal.SIGHUP)
        self.wait_for("the refusal", lambda: "not valid UTF-8" in
                      self.agent_log(p), agent=p)
        self.assertIsNone(p.poll(), "the agent lives on")
        with open(rules, "w") as f:
            f.write(good + "\nroute nosuchdim=x -> owner nobody\n")
        p.send_signal(signal.SIGHUP)
        self.wait_for("the refusal", lambda: self.agent_log(p).count(
            "do not pass check") == 2, agent=p)
        raw, mid = owned[0]
        self.dovecot.append("INBOX", raw)
        self.wait_for("routing by the old rules", lambda: self.filed(mid), agent=p)
        self.assertEqual(self.folder_of()[mid][0][0],
                         exp[mid]["destination"]["folder"])

        with open(rules, "w") as f:
            f.write("route * -> review reason \"all to review\"\n")
        p.send_signal(signal.SIGHUP)
        self.wait_for("the reload", lambda: "new configuration and rules in use"
                      in self.agent_log(p), agent=p)
        raw, mid = owned[1]
        self.dovecot.append("INBOX", raw)
        self.wait_for("routing by the new rules", lambda: self.filed(mid), agent=p)
        self.assertEqual(self.folder_of()[mid][0][0], "Leads/Review")
        self.stop_agent(p)

    def test_uidvalidity_change(self):
        """The watched mailbox is recreated (new UIDVALIDITY) while its
        leads wait for their forward: they are known again by Message-ID,
        not routed as new leads, and each is forwarded once."""
        self.set_conf("inbox", "url",
                      f"imap://127.0.0.1:{self.dovecot.port}/Shared")
        files = self.lead_files()
        raws = []
        for f in files:
            with open(f, "rb") as fp:
                raws.append(fp.read())
            self.dovecot.append("Shared", raws[-1])
        exp = self.expected()
        owned = self.owner_routed(exp)
        self.smtp.fail_next(100000)
        self.run_agent(expect=75)   # leads left for later
        waiting = self.dovecot.list_folder("Shared")
        self.assertEqual(len(waiting), len(owned))
        with self.dovecot.connect() as imap:
            _, before = imap.status("Shared", "(UIDVALIDITY)")
            self.assertEqual(imap.delete("Shared")[0], "OK")
        for m in waiting:
            self.dovecot.append("Shared", m.data)
        with self.dovecot.connect() as imap:
            _, after = imap.status("Shared", "(UIDVALIDITY)")
        self.assertNotEqual(before, after)
        self.smtp.script([])
        log = self.run_agent()
        self.assertNotIn("a duplicate", log)
        # a new process knows the old UIDVALIDITY from its journal
        self.assertIn("UIDVALIDITY changed", log)
        self.assertEqual(self.dovecot.list_folder("Shared"), [])
        self.assertEqual(sorted(self.forwarded_ids()), sorted(owned))
        self.assert_as_explained(exp, self.folder_of())

    def test_sweep_reports_unrouted(self):
        """A lead that cannot be forwarded stays in the inbox; past
        unrouted_after the sweep logs an error and tells Slack, once."""
        data, mid, d = self.first_owner_routed()
        self.set_conf("inbox", "sweep_interval", "1s")
        self.set_conf("inbox", "unrouted_after", "2s")
        self.set_conf("inbox", "poll_interval", "1s")
        self.smtp.fail_next(100000)
        self.dovecot.append("INBOX", data)
        p = self.start_agent()
        alert = self.wait_for(
            "the Slack report",
            lambda: [r for r in self.http.requests()
                     if r.path == "/slack" and b"not routed" in r.body],
            timeout=30, agent=p)
        self.assertIn("error:", self.agent_log(p))
        self.assertIn("INBOX", json.loads(alert[0].body)["text"])
        time.sleep(3)
        self.assertEqual(len([r for r in self.http.requests()
                              if b"not routed" in r.body]), 1, "reported once")
        self.assertEqual(len(self.dovecot.list_folder("INBOX")), 1,
                         "still in the inbox, never lost")
        self.stop_agent(p)

    def test_smtp_tempfail_then_success(self):
        """SMTP 451: owner-routed leads stay in the inbox, the others are
        filed; each forward is tried again after its backoff, not at every
        round, and its lead not fetched before; once the server takes
        mail, each is forwarded once."""
        self.append_leads()
        exp = self.expected()
        owned = self.owner_routed(exp)
        self.smtp.fail_next(1000)
        # --once with leads left in the inbox for later: 75, for cron
        self.run_agent(expect=75)
        inbox = {email.message_from_bytes(m.data, policy=email.policy.default)
                 ["Message-ID"].strip() for m in self.dovecot.list_folder("INBOX")}
        self.assertEqual(inbox, owned)
        self.assertEqual(self.smtp.messages(), [])
        tries = 1000 - self.smtp.script_left()[0]["times"]
        self.assertEqual(tries, len(owned), "one try a lead")
        # at once again: each forward waits for its time (backoff, in the
        # journal), its lead is not even fetched
        log = self.run_agent(expect=75)
        self.assertEqual(1000 - self.smtp.script_left()[0]["times"], tries,
                         log)
        self.assertNotIn("lead <", log)
        self.assertRegex(log, r"run: %d leads? in INBOX waits? for a "
                         r"retry .*; the next in " % len(owned))
        self.smtp.script([])
        # a quarter of an hour on (the test clock): each sent, once
        clock = os.path.join(self.dir, "clock")
        with open(clock, "w") as f:
            f.write("%d\n" % (time.time() + 900))
        self.run_agent(env={"LEADROUTE_TEST_CLOCK": clock})
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        self.assertEqual(len(self.smtp.messages()), len(owned))
        self.assert_as_explained(exp, self.folder_of())

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

    def test_long_lines_forwarded(self):
        """An original with a 3,000-octet line (many HTML-only mails have
        one; relays refuse lines over 998 octets): forwarded all the same,
        re-encoded, its text the same once decoded; filed with its owner,
        not sent to review."""
        exp = self.expected()
        long_line = " ".join("w%d\u00e9" % i for i in range(600))
        self.assertGreater(len(long_line.encode()), 3000)
        work = tempfile.mkdtemp(dir=self.dir)
        chosen = None
        for mid, d in sorted(exp.items()):
            if not d["destination"]["owner"]:
                continue
            with open(d["file"], "rb") as f:
                orig = email.message_from_bytes(f.read(),
                                                policy=email.policy.default)
            body = orig.get_body(("plain",))
            if body is None or orig.is_multipart():
                continue
            msg = email.message.EmailMessage()
            for h in ("From", "To", "Subject", "Date"):
                if orig[h]:
                    msg[h] = orig[h]
            msg["Message-ID"] = "<long-%s" % mid.lstrip("<")
            text = body.get_content() + "\n" + long_line + "\n"
            msg.set_content(text, cte="8bit")
            raw = msg.as_bytes(policy=email.policy.default.clone(
                max_line_length=0))
            self.assertIn(long_line.encode(), raw)
            path = os.path.join(work, "long.eml")
            with open(path, "wb") as f:
                f.write(raw)
            d2 = servers.explained(self.binary, self.rules, path, NOW)
            if d2[msg["Message-ID"]]["destination"]["owner"]:
                chosen = (msg["Message-ID"], raw, text,
                          d2[msg["Message-ID"]])
                break
        self.assertIsNotNone(chosen, "no single-part lead to an owner")
        mid, raw, text, d = chosen
        self.dovecot.append("INBOX", raw)
        self.run_agent()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        self.assertEqual(self.folder_of()[mid][0][0], d["destination"]["folder"])
        sent = self.smtp.messages()
        self.assertEqual(len(sent), 1)
        self.assertTrue(all(len(line) <= 998
                            for line in sent[0].data.split(b"\r\n")))
        fwd = email.message_from_bytes(sent[0].data,
                                       policy=email.policy.default)
        attached = [p for p in fwd.iter_attachments()
                    if p.get_content_type() == "message/rfc822"]
        self.assertEqual(len(attached), 1)
        inner = attached[0].get_content()
        self.assertEqual(inner.get_body(("plain",)).get_content()
                         .replace("\r\n", "\n"), text)

    def test_announcements(self):
        """A lead sent to a queue or to review is announced as the
        destination's notify says (spec 4.2 v2): a queue with `notify
        email ADDRESS OWNER` mails each (the forward, the original
        attached), one with `notify slack` posts which queue it is; review
        posts the reason and when its SLA runs out, and mails review.txt
        to the address listed. Each once, even when run again."""
        exp = self.expected()
        kinds = {}
        for mid, d in exp.items():
            kinds.setdefault(d["destination"]["kind"], []).append(mid)
        self.assertTrue(kinds.get("review"), "no review lead to announce")
        path = self.rules_copy()
        with open(path) as f:
            text = f.read()
        queues = sorted({exp[m]["destination"]["id"]
                         for m in kinds.get("queue", [])})
        self.assertTrue(queues, "no queue lead to announce")
        owner = next(iter(self.owner_rows().values()))
        q = queues[0]
        lines = []
        for line in text.splitlines():
            if line.startswith("queue %s " % q) or line == "queue " + q:
                line = re.sub(r"\bnotify\b.*", "", line).rstrip()
                line += " notify email marketing@example.com %s" % owner["id"]
            elif line.startswith("review "):
                line = re.sub(r"\bnotify\b.*", "", line).rstrip()
                line += " notify slack email triage@example.com"
            lines.append(line)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.append_leads()
        self.run_agent()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        sent = self.smtp.messages()
        to = {}
        for m in sent:
            to.setdefault(tuple(m.rcpt_tos), []).append(m)
        queued = [m for m in kinds["queue"]
                  if exp[m]["destination"]["id"] == q]
        for rcpt in (["marketing@example.com"], [owner["email"]]):
            got = [m for m in to.get(tuple(rcpt), [])
                   if m.message["X-Leadroute-Owner"].startswith("announce")]
            self.assertEqual(len(got), len(queued), rcpt)
            for m in got:
                inner = [p for p in m.message.walk()
                         if p.get_content_type() == "message/rfc822"]
                self.assertEqual(len(inner), 1)
        review = to.get(("triage@example.com",), [])
        self.assertEqual(len(review), len(kinds["review"]))
        for m in review:
            self.assertTrue(m.message["Subject"].startswith(
                "Lead waiting in review"), m.message["Subject"])
            body = m.message.get_body(("plain",)).get_content()
            self.assertIn("Why:", body)
        posts = [json.loads(r.body) for r in self.http.requests()
                 if r.path == "/slack" and b"in review" in r.body]
        self.assertEqual(len(posts), len(kinds["review"]))
        for p in posts:
            blob = json.dumps(p)
            self.assertIn("Why:", blob)
            self.assertIn("to be handled by", blob)   # review sla 4h
        # run again: nothing announced twice
        n_mail, n_http = len(sent), len(self.http.requests())
        self.run_agent()
        self.assertEqual(len(self.smtp.messages()), n_mail)
        self.assertEqual(len(self.http.requests()), n_http)

    def test_login_refused_after_it_worked(self):
        """The inbox refuses a login that worked before (a provider's
        outage, a changed password): the agent says so loudly (log, one
        Slack post, the journal) and tries again with backoff instead of
        exiting; once the login works again it routes as before. A login
        never accepted stops a first start with 78."""
        self.set_conf("inbox", "poll_interval", "1s")
        data, mid, d = self.first_owner_routed()
        p = self.start_agent()
        self.wait_idle(p)
        self.dovecot.set_password("changed")
        self.dovecot.restart()      # the agent must log in again
        self.wait_for("the refusal reported",
                      lambda: [r for r in self.http.requests()
                               if r.path == "/slack" and
                               b"refuses the login" in r.body], agent=p)
        time.sleep(2)
        self.assertIsNone(p.poll(), "the agent exited")
        self.assertEqual(len([r for r in self.http.requests()
                              if b"refuses the login" in r.body]), 1,
                         "said once per outage")
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            self.dir, "journal.db"), uri=True)
        try:
            n = db.execute("SELECT count(*) FROM events WHERE kind ="
                           " 'login-refused'").fetchone()[0]
        finally:
            db.close()
        self.assertEqual(n, 1)
        self.dovecot.set_password(self.dovecot.password)
        self.wait_for("the login again",
                      lambda: "accepts the login again" in self.agent_log(p),
                      timeout=60, agent=p)
        self.dovecot.append("INBOX", data)
        self.wait_for("the lead routed",
                      lambda: not self.dovecot.list_folder("INBOX"), agent=p)
        self.assertEqual(self.folder_of()[mid][0][0],
                         d["destination"]["folder"])
        self.stop_agent(p)
        # a first start with a password never accepted: 78
        self.dovecot.set_password("other")
        self.dovecot.restart()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(os.path.join(self.dir, "journal.db" + suffix))
            except FileNotFoundError:
                pass
        r = subprocess.run([self.binary, "-c", self.conf, "run", "--once"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 78, r.stderr)

    def owner_rows(self):
        """Owner id -> row of the rules' owners.csv."""
        with open(os.path.join(os.path.dirname(self.rules), "owners.csv"),
                  newline="") as f:
            return {r["id"]: r for r in csv.DictReader(f)}

    def start_and_file(self):
        """The acceptance leads in the inbox; a long-running agent looking
        at the board every second; returned once every lead is filed."""
        self.set_conf("inbox", "board_interval", "1s")
        self.set_conf("inbox", "poll_interval", "1s")
        self.append_leads()
        p = self.start_agent()
        self.wait_for("every lead filed",
                      lambda: not self.dovecot.list_folder("INBOX"), agent=p)
        return p

    def move(self, mid, src, dst):
        """Move the message MID from SRC to DST as a person's mail client
        would (UID MOVE); DST is created if missing."""
        with self.dovecot.connect() as imap:
            imap.create(dst)
            self.assertEqual(imap.select(src)[0], "OK")
            typ, data = imap.uid("SEARCH", "HEADER", "Message-ID", mid)
            uids = data[0].split()
            self.assertEqual(len(uids), 1, f"{mid} in {src}: {data}")
            typ, data = imap.uid("MOVE", uids[0].decode(), dst)
            self.assertEqual(typ, "OK", data)

    def events(self, kind):
        return servers.journal_events(os.path.join(self.dir, "journal.db"),
                                      kind)

    def test_board(self):
        """The folder board: a lead moved from Review into an owner's
        folder is assigned (forwarded and posted to that owner); one moved
        from an owner's folder to another's is reassigned; one moved into
        a folder that is nobody's is logged and left alone; the report
        counts the reassignment."""
        p = self.start_and_file()
        rec = self.recorded()
        review = sorted(m for m, r in rec.items() if r["kind"] == "review")
        owned = sorted(m for m, r in rec.items() if r["owner"])
        self.assertTrue(review and len(owned) >= 2,
                        "the leads need review and owner-routed ones")
        owners = [i for i, r in self.owner_rows().items()
                  if (r.get("status") or "active") == "active"]

        def forwards_of(mid):
            return [m for m, f in zip(self.smtp.messages(),
                                      self.forwarded_ids()) if f == mid]

        # Review -> Owners/X: assigned
        x = owners[0]
        self.move(review[0], "Leads/Review", "Leads/Owners/" + x)
        fw = self.wait_for("the assigned lead's forward",
                           lambda: forwards_of(review[0]), agent=p)
        msg = email.message_from_bytes(fw[0].data, policy=email.policy.default)
        self.assertEqual(msg["X-Leadroute-Owner"], x)
        self.wait_for("the record", lambda: self.recorded()[review[0]]["owner"]
                      == x, agent=p)
        self.assertEqual([e[0] for e in self.events("assigned")], [review[0]])

        # Owners/A -> Owners/B: reassigned
        mid = owned[0]
        a = rec[mid]["owner"]
        b = next(o for o in owners if o != a)
        before = len(forwards_of(mid))
        self.move(mid, "Leads/Owners/" + a, "Leads/Owners/" + b)
        self.wait_for("the reassigned lead's forward",
                      lambda: len(forwards_of(mid)) > before, agent=p)
        msg = email.message_from_bytes(forwards_of(mid)[-1].data,
                                       policy=email.policy.default)
        self.assertEqual(msg["X-Leadroute-Owner"], b)
        self.wait_for("the record", lambda: self.events("reassigned"), agent=p)
        self.assertEqual(self.events("reassigned"), [(mid, f"{a} -> {b}")])

        # and back to A, who has it already: recorded, not sent again
        sent = len(forwards_of(mid))
        self.move(mid, "Leads/Owners/" + b, "Leads/Owners/" + a)
        self.wait_for("the move back", lambda: len(self.events("reassigned"))
                      == 2, agent=p)
        self.assertEqual(self.recorded()[mid]["owner"], a)
        self.assertEqual(len(forwards_of(mid)), sent)
        self.assertNotIn("trying again", self.agent_log(p))

        # into a folder that is nobody's: logged once, nothing sent
        other = owned[1]
        sent = len(self.smtp.messages())
        self.move(other, "Leads/Owners/" + rec[other]["owner"],
                  "Leads/Owners/nobody")
        self.wait_for("the log line", lambda: "which is no owner's" in
                      self.agent_log(p), agent=p)
        time.sleep(1.5)
        self.assertEqual(len(self.smtp.messages()), sent)
        self.assertEqual(self.agent_log(p).count("which is no owner's"), 1)
        self.assertEqual(self.recorded()[other]["owner"], rec[other]["owner"])
        self.stop_agent(p)

        p = subprocess.run([self.binary, "-c", self.conf, "report", "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["reassigned"], 1)	# one lead

    def board_positions(self):
        """Folder -> (uidvalidity, uidnext) the journal keeps."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            self.dir, "journal.db"), uri=True)
        try:
            return {r[0]: (r[1], r[2]) for r in db.execute(
                "SELECT name, uidvalidity, uidnext FROM mailboxes")}
        finally:
            db.close()

    def test_board_across_restarts(self):
        """Issue 19: where each board folder was read up to is kept in the
        journal, so a `run --once` from cron reads only what changed:
        after a run, each folder's position is its UIDNEXT; a lead moved
        between two runs is still seen (assigned and forwarded), and the
        inbox's UIDVALIDITY is kept too."""
        self.append_leads()
        self.run_agent()
        rec = self.recorded()
        review = sorted(m for m, r in rec.items() if r["kind"] == "review")
        owners = [i for i, r in self.owner_rows().items()
                  if (r.get("status") or "active") == "active"]
        self.assertTrue(review and owners)
        pos = self.board_positions()
        with self.dovecot.connect() as imap:
            for folder in ("Leads/Review", "INBOX"):
                _, st = imap.status(folder, "(UIDVALIDITY UIDNEXT)")
                uv = int(re.search(rb"UIDVALIDITY (\d+)", st[0]).group(1))
                nx = int(re.search(rb"UIDNEXT (\d+)", st[0]).group(1))
                self.assertEqual(pos[folder][0], uv, folder)
                if folder != "INBOX":
                    self.assertEqual(pos[folder][1], nx, folder)
        sent = len(self.smtp.messages())
        self.move(review[0], "Leads/Review", "Leads/Owners/" + owners[0])
        log = self.run_agent()
        self.assertIn("assigned", log)
        self.assertEqual(len(self.smtp.messages()), sent + 1)
        self.assertEqual(self.recorded()[review[0]]["owner"], owners[0])
        self.assertEqual([e[0] for e in self.events("assigned")], [review[0]])
        # nothing moved since: a third run assigns nothing again
        self.run_agent()
        self.assertEqual(len(self.smtp.messages()), sent + 1)

    def review_line(self, sla=None, digest=None):
        """Change the review line of the rules' copy: its sla, a digest
        time added; return the escalate owner's id."""
        rules = self.rules_copy()
        with open(rules) as f:
            text = f.read()
        m = re.search(r"(?m)^review .*\bescalate (\S+).*$", text)
        self.assertIsNotNone(m, "the rules' review line has an escalate")
        line = m.group(0)
        if sla is not None:
            line, n = re.subn(r"\bsla \S+", "sla " + sla, line)
            self.assertEqual(n, 1, "the rules' review line has an SLA")
        if digest is not None:
            line += " digest " + digest
        with open(rules, "w") as f:
            f.write(text[:m.start()] + line + text[m.end():])
        return m.group(1)

    def test_review_sla(self):
        """A lead in review past the review SLA is escalated once: an email
        to the escalate owner with the lead attached, a Slack post, the
        keyword $SLABreached, an event."""
        boss = self.review_line(sla="2s")
        boss_email = self.owner_rows()[boss]["email"]
        p = self.start_and_file()
        review = sorted(k for k, r in self.recorded().items()
                        if r["kind"] == "review")
        self.assertTrue(review)
        self.wait_for("the escalations", lambda: len(self.events("escalated"))
                      == len(review), timeout=30, agent=p)
        time.sleep(2.5)	# a second look escalates nothing more
        self.stop_agent(p)
        self.assertEqual(sorted(k for k, _ in self.events("escalated")),
                         review)
        mails = [email.message_from_bytes(m.data, policy=email.policy.default)
                 for m in self.smtp.messages()]
        esc = [m for m in mails if m["Subject"].startswith("Review SLA missed")]
        self.assertEqual(len(esc), len(review))
        for m in esc:
            self.assertIn(boss_email, m["To"])
            self.assertIn("has waited in Leads/Review for",
                          m.get_body(("plain",)).get_content())
        posts = [r for r in self.http.requests()
                 if r.path == "/slack" and b"Review SLA missed" in r.body]
        self.assertEqual(len(posts), len(review))
        flags = {k: f for k, places in self.folder_of().items()
                 for _, f in places}
        for k in review:
            self.assertIn("$SLABreached", flags[k], k)

    def digests(self):
        """(at, detail) of every "digest" event (about no message)."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            self.dir, "journal.db"), uri=True)
        try:
            return db.execute(
                "SELECT at, detail FROM events WHERE kind = 'digest' AND"
                " message_id IS NULL ORDER BY at").fetchall()
        finally:
            db.close()

    def test_review_digest(self):
        """`review ... digest HH:MM`: once a day, the escalate owner gets
        one plain-text email listing every lead waiting in the review
        folder, with its address and reason (one a person deleted there is
        left out); further board looks and a restart send no second one
        that day."""
        p = self.start_and_file()	# no digest yet
        self.stop_agent(p)
        review = sorted(k for k, r in self.recorded().items()
                        if r["kind"] == "review")
        self.assertTrue(review)
        gone = next((k for k in review if not k.startswith("sha256:")),
                    None)
        if gone is not None:	# a person deletes one there
            with self.dovecot.connect() as imap:
                self.assertEqual(imap.select("Leads/Review")[0], "OK")
                typ, data = imap.uid("SEARCH", "HEADER", "Message-ID", gone)
                self.assertEqual(len(data[0].split()), 1)
                imap.uid("STORE", data[0].split()[0].decode(), "+FLAGS",
                         "(\\Deleted)")
                imap.expunge()
            review.remove(gone)
        # 00:00 in the owner's zone: due today, at once
        boss = self.review_line(digest="00:00")
        boss_email = self.owner_rows()[boss]["email"]

        def digest_mails():
            out = []
            for msg in self.smtp.messages():
                parsed = email.message_from_bytes(
                    msg.data, policy=email.policy.default)
                if "waiting in review" in parsed["Subject"]:
                    out.append((msg, parsed))
            return out

        p = self.start_agent()
        self.wait_for("the digest", self.digests, agent=p)
        time.sleep(2.5)	# more board looks send nothing more
        self.stop_agent(p)
        p = self.start_agent()	# nor does a restart
        self.wait_idle(p)
        time.sleep(2.5)
        self.stop_agent(p)
        d = self.digests()
        self.assertEqual(len(d), 1, d)
        mails = digest_mails()
        if not review:	# the one review lead was deleted
            self.assertEqual(d[0][1], "review empty; nothing sent")
            self.assertEqual(mails, [])
            return
        self.assertEqual(d[0][1], f"to {boss}: {len(review)} lead"
                         f"{'s' if len(review) > 1 else ''} in review")
        self.assertEqual(len(mails), 1, [m["Subject"] for _, m in mails])
        raw, msg = mails[0]
        self.assertEqual(raw.rcpt_tos, [boss_email])
        self.assertIn(boss_email, msg["To"])
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertEqual(msg.get_content_type(), "text/plain")
        self.assertTrue(msg["Subject"].startswith(
            f"{len(review)} lead{'s' if len(review) > 1 else ''} waiting "
            "in review"), msg["Subject"])
        body = msg.get_content()
        self.assertIn(f"waiting in Leads/Review on ", body)
        rec = self.recorded()
        for k in review:
            if not k.startswith("sha256:"):
                self.assertIn(f"Id:      {k}", body)
            self.assertIn(f"From:    {rec[k]['email'] or '(no address)'}",
                          body)
        self.assertEqual(body.count("\n     Why:     "), len(review))
        if gone is not None:
            self.assertNotIn(gone, body)
        # the journal lost, then adopted: today's digest is not sent again
        journal = os.path.join(self.dir, "journal.db")
        lose_journal(journal)
        self.run_agent("--adopt")
        self.run_agent()
        self.assertEqual(len(digest_mails()), 1, "a second digest today")

    def team_with_sla(self, sla):
        """A team of two and a second lead for it (a copy of one of its
        leads, not sticky to the first), the team's `sla` set and everyone's
        working hours emptied (the SLA counts working time, and the test
        must not depend on the hour it runs at). Returns (team, members,
        owner id -> email)."""
        exp = self.expected()
        members = self.team_members()
        lead = next(d for d in exp.values()
                    if d["destination"]["kind"] == "team" and
                    d["destination"]["owner"] and
                    len(members[d["destination"]["id"]]) == 2)
        team = lead["destination"]["id"]
        rules = self.rules_copy("\nsticky off\n")
        with open(lead["file"], "rb") as f:
            copy = re.sub(rb"(?im)^Message-ID:[^\r\n]*",
                          b"Message-ID: <copy." + lead["message_id"][1:]
                          .encode(), f.read(), count=1)
        self.dovecot.append("INBOX", copy)
        with open(rules) as f:
            text = f.read()
        text = re.sub(r"(?m)^(team %s\b)" % re.escape(team),
                      r"\1 sla " + sla, text, count=1)
        with open(rules, "w") as f:
            f.write(text)
        path = os.path.join(os.path.dirname(rules), "owners.csv")
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        hi = rows[0].index("hours")
        for r in rows[1:]:
            r[hi] = ""
        with open(path, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
        emails = {i: r["email"] for i, r in self.owner_rows().items()}
        return team, members, emails

    def team_leads(self, rec, team):
        """The Message-IDs of team's leads in REC (recorded()), sorted; at
        least the two team_with_sla() made sure of."""
        mine = sorted(k for k, r in rec.items()
                      if r["kind"] == "team" and r["id"] == team)
        self.assertGreaterEqual(len(mine), 2, f"two leads of team {team}")
        return mine

    def test_owner_sla(self):
        """A team's SLA: a lead its owner has not answered in time goes to
        the other member (never back), recorded as a reassignment, marked
        $SLABreached; with nobody left the chase ends (sla-exhausted); an
        answered lead stays."""
        team, members, emails = self.team_with_sla("3s")
        p = self.start_and_file()
        rec = self.recorded()
        mine = self.team_leads(rec, team)
        answered, chased = mine[0], mine[1:]
        owner = rec[answered]["owner"]
        raw = (servers.authenticated(emails[owner]) +
               "From: %s\r\nTo: lead@x.example\r\nSubject: Re: hi\r\n"
               "Message-ID: <ans.%s\r\nIn-Reply-To: %s\r\n\r\nSure.\r\n"
               % (emails[owner], answered[1:], answered))
        self.dovecot.append("INBOX", raw.encode())
        self.wait_for("the chase to end", lambda: len(
            self.events("sla-exhausted")) == len(chased), timeout=40, agent=p)
        self.stop_agent(p)

        moves = dict(self.events("reassigned"))
        self.assertNotIn(answered, moves)
        where = self.folder_of()
        self.assertNotIn("$SLADue", where[answered][0][1])
        for k in chased:
            first = rec[k]["owner"]
            second = (members[team] - {first}).pop()
            self.assertEqual(moves[k], f"{first} -> {second}: no first "
                             "response within 3s")
            self.assertEqual(self.recorded()[k]["owner"], second)
            self.assertEqual(where[k][0][0], "Leads/Owners/" + second)
            self.assertIn("$SLABreached", where[k][0][1])
            self.assertNotIn("$SLADue", where[k][0][1])
            self.assertEqual(self.forwarded_ids().count(k), 2)

    def test_auto_reply_and_marks(self):
        """The SLA marks and the real replies: a lead with an SLA clock is
        filed with $SLADue; its owner's reply without thread headers (by
        subject and the lead's address) is its first response and takes
        the mark away; an owner's auto-reply to a forward marks them away
        for the day (`owners` says so) and re-routes that lead at once to
        the other member, recorded as a reassignment."""
        team, members, emails = self.team_with_sla("1h")
        p = self.start_and_file()
        rec = self.recorded()
        mine = self.team_leads(rec, team)
        where = self.folder_of()
        for k in mine:
            self.assertIn("$SLADue", where[k][0][1], k)
        away, answered = mine[0], mine[1]
        who = rec[away]["owner"]
        other = (members[team] - {who}).pop()
        fwd = {}
        for m, mid in zip(self.smtp.messages(), self.forwarded_ids()):
            fwd[mid] = m.message
        # the answer: no In-Reply-To, no References
        addr, subject = rec[answered]["email"], rec[answered]["subject"]
        raw = (servers.authenticated(emails[rec[answered]["owner"]]) +
               "From: %s\r\nTo: \"Lead\" <%s>\r\nCc: inbox@svc.example\r\n"
               "Subject: RE: %s\r\nMessage-ID: <subj.%s\r\n"
               "Date: Tue, 24 Nov 2026 10:30:00 +0000\r\n\r\n"
               "Happy to help.\r\n" % (emails[rec[answered]["owner"]],
                                        addr, subject, answered[1:]))
        self.dovecot.append("INBOX", raw.encode())
        # the out-of-office answer to the forward; before it, forgeries
        # of it (a stranger's mail with the owner's From:): without the
        # server's verdict, and with a passing one below a failing one
        ooo = ("From: %s\r\nTo: leadroute@svc.example\r\n"
               "Subject: Out of office: %s\r\nMessage-ID: <%s.%s\r\n"
               "In-Reply-To: %s\r\nAuto-Submitted: auto-replied\r\n\r\n"
               "I am out of the office today.\r\n")
        for tag, top in (("forged1", ""), ("forged2", (
                "Authentication-Results: %s; dkim=none; dmarc=fail\r\n"
                "Received: from evil.example by mx.test.example\r\n%s" % (
                    servers.AUTHSERV, servers.authenticated(emails[who]))))):
            self.dovecot.append("INBOX", (top + ooo % (
                emails[who], fwd[away]["Subject"], tag, away[1:],
                fwd[away]["Message-ID"])).encode())
        self.wait_for("the forgeries filed", lambda: all(
            "<forged%d.%s" % (i, away[1:]) in self.recorded()
            for i in (1, 2)), timeout=30, agent=p)
        self.assertEqual(self.events("auto-reply"), [], "forged: no away")
        self.assertEqual(self.recorded()[away]["owner"], who)
        self.assertIn("is not authenticated", self.agent_log(p))
        raw = servers.authenticated(emails[who]) + ooo % (
            emails[who], fwd[away]["Subject"], "ooo", away[1:],
            fwd[away]["Message-ID"])
        self.dovecot.append("INBOX", raw.encode())
        self.wait_for("the re-route", lambda: dict(
            self.events("reassigned")).get(away), timeout=30, agent=p)
        self.wait_for("the mark to go", lambda: "$SLADue" not in
                      self.folder_of()[answered][0][1], timeout=30, agent=p)
        self.stop_agent(p)

        self.assertEqual(dict(self.events("reassigned"))[away],
                         f"{who} -> {other}: away (auto-reply)")
        self.assertEqual([m for m, _ in self.events("first-response")],
                         [answered])
        where = self.folder_of()
        self.assertEqual(where[away][0][0], "Leads/Owners/" + other)
        self.assertIn("$SLADue", where[away][0][1])
        self.assertNotIn("$SLABreached", where[away][0][1])
        self.assertEqual(where["<subj." + answered[1:]][0][0],
                         where[answered][0][0])
        self.assertEqual(where["<ooo." + away[1:]][0][0],
                         "Leads/Owners/" + who)
        self.assertEqual(self.forwarded_ids().count(away), 2)
        q = subprocess.run([self.binary, "-c", self.conf, "owners", "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(q.returncode, 0, q.stderr)
        self.assertRegex(q.stdout, r"away until [0-9-]+ 00:00 \(auto-reply "
                         r"at [0-9:]+\)")

    def test_first_response(self):
        """An owner's reply seen in the inbox (they Cc it) is filed with the
        lead, not routed: the first one is the lead's first response, a
        second one and an auto-reply are not; the report counts it."""
        self.append_leads()
        self.run_agent()
        rec = self.recorded()
        fwd = {}
        for m, mid in zip(self.smtp.messages(), self.forwarded_ids()):
            fwd[mid] = email.message_from_bytes(m.data,
                                                policy=email.policy.default)
        owned = sorted(fwd)
        self.assertGreaterEqual(len(owned), 2)
        emails = {i: r["email"] for i, r in self.owner_rows().items()}
        sent = len(self.smtp.messages())

        def reply(mid, in_reply_to, tag, auto=False, auth=True):
            owner = rec[mid]["owner"]
            fw = fwd[mid]
            raw = ((servers.authenticated(emails[owner]) if auth else "") +
                   "From: %s\r\nTo: %s\r\nCc: leads@svc.example\r\n"
                   "Subject: Re: %s\r\nMessage-ID: <%s.%s>\r\n"
                   "In-Reply-To: %s\r\nReferences: %s\r\n%s"
                   "Date: Tue, 24 Nov 2026 10:30:00 +0000\r\n\r\n"
                   "Thanks for your note, happy to help.\r\n" % (
                       emails[owner], fw["Reply-To"], fw["Subject"], tag,
                       mid[1:], in_reply_to, in_reply_to,
                       "Auto-Submitted: auto-replied\r\n" if auto else ""))
            self.dovecot.append("INBOX", raw.encode())
            return "<%s.%s" % (tag, mid[1:])

        # a forged one first (the owner's From:, no verdict of the
        # server): filed with the lead, answers nothing
        f0 = reply(owned[0], fwd[owned[0]]["Message-ID"], "f0", auth=False)
        self.run_agent()
        self.assertEqual(self.folder_of()[f0][0][0],
                         self.folder_of()[owned[0]][0][0])
        self.assertEqual(self.events("first-response"), [])
        self.assertEqual(self.recorded()[f0]["kind"], "reply")
        self.assertIn("unverified reply", self.reason_of(f0))
        # to the forward (the owner hit reply), and to the lead itself
        r1 = reply(owned[0], fwd[owned[0]]["Message-ID"], "r1")
        r2 = reply(owned[1], owned[1], "r2")
        self.run_agent()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        where = self.folder_of()
        for r, mid in ((r1, owned[0]), (r2, owned[1])):
            self.assertEqual(where[r][0][0], where[mid][0][0], r)
            self.assertEqual(self.recorded()[r]["kind"], "reply")
        self.assertEqual(len(self.smtp.messages()), sent, "no forward")
        self.assertEqual(sorted(m for m, _ in self.events("first-response")),
                         sorted([owned[0], owned[1]]))

        # a second reply and an owner's auto-reply answer nothing more
        reply(owned[0], fwd[owned[0]]["Message-ID"], "r3")
        reply(owned[0], fwd[owned[0]]["Message-ID"], "r4", auto=True)
        self.run_agent()
        self.assertEqual(len(self.events("first-response")), 2)
        p = subprocess.run([self.binary, "-c", self.conf, "report", "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        rep = json.loads(p.stdout)
        self.assertEqual(rep["answered"], 2)
        # the out-of-office is no reply (spec 10: owners' replies); the
        # forged one counts as mail from the owner's address
        self.assertEqual(rep["owner_replies"], 4)
        self.assertEqual(rep["owner_auto_replies"], 1)
        self.assertEqual(rep["first_response"]["n"], 2)
        # forwarded a moment ago: awaiting their first answer, not
        # "never answered" (that takes a day)
        self.assertEqual(rep["never_answered"], 0)
        self.assertEqual(rep["awaiting_answer"], rep["owner_routed"] - 2)

    def explain_raw(self, raw, rules):
        """explain --json of RAW against RULES: its decision (a dict)."""
        p = subprocess.run([self.binary, "explain", "--json", "--rules",
                            rules, "--now", NOW, "-"], input=raw,
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_relayed_and_forwarded(self):
        """Spec 6 v2: an owner-routed lead as the inbox's own Google Group
        relays it (its From rewritten for DMARC, list headers naming the
        inbox), as an owner forwards it in (Gmail's inline layout, and as
        an attached message; the owner's mail authenticated): each is that
        lead, routed as explain routes the original, forwarded to its
        owner with Reply-To the sender, never taken for the owner's reply.
        Without the inbox statement the relayed one is list mail."""
        bare = self.rules_copy()
        with open(bare) as f:
            text = f.read()
        # beside the copy: the same owners and lists
        plain_rules = os.path.join(os.path.dirname(bare), "plain.rules")
        with open(plain_rules, "w") as f:
            f.write(text)
        rules = self.rules_copy('\ninbox "leads@svc.example"\n')
        data, mid, orig = self.first_owner_routed()
        msg = email.message_from_bytes(data, policy=email.policy.default)
        sender = orig["lead"]["email"]
        owner = next(iter(self.owner_rows().values()))
        head, _, body = data.partition(b"\r\n\r\n")
        if not body:
            head, _, body = data.partition(b"\n\n")
        kept = [h for h in re.split(rb"\r?\n(?![ \t])", head)
                if not re.match(rb"(?i)(from|message-id|reply-to|"
                                rb"list-id|precedence):", h)]
        relay = b"\r\n".join(kept + [
            b"From: \"'%s' via Leads\" <leads@svc.example>" %
            (orig["lead"].get("name") or "Lead").encode(),
            b"X-Original-From: %s" % msg["From"].encode(),
            b"Reply-To: %s" % msg["From"].encode(),
            b"Message-ID: <relay-1@svc.example>", b"Precedence: list",
            b"Mailing-list: list leads@svc.example; contact "
            b"leads+owners@svc.example", b"List-ID: <leads.svc.example>",
            b"X-Google-Group-Id: 304886998071"]) + b"\r\n\r\n" + body
        auth = servers.authenticated(owner["email"])
        attached = (auth + "From: %s\r\nTo: leads@svc.example\r\n"
                    "Subject: Fwd: %s\r\nMessage-ID: <fwd-att@svc.example>"
                    "\r\nDate: Tue, 24 Nov 2026 09:30:00 +0000\r\n"
                    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                    "boundary=fw\r\n\r\n--fw\r\nContent-Type: text/plain"
                    "\r\n\r\nPlease route this one.\r\n--fw\r\n"
                    "Content-Type: message/rfc822\r\n\r\n" % (
                        owner["email"], msg["Subject"])).encode() + \
            data + b"\r\n--fw--\r\n"
        cases = {"<relay-1@svc.example>": relay,
                 "<fwd-att@svc.example>": attached}
        text_part = msg.get_body(("plain",))
        if text_part is not None:
            inline = (auth + "From: %s\r\nTo: leads@svc.example\r\n"
                      "Subject: Fwd: %s\r\nMessage-ID: <fwd-1@svc.example>"
                      "\r\nDate: Tue, 24 Nov 2026 09:30:00 +0000\r\n"
                      "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                      "This came to me directly, please route it.\r\n\r\n"
                      "---------- Forwarded message ---------\r\n"
                      "From: %s\r\nDate: Tue, Nov 24, 2026 at 8:15 AM\r\n"
                      "Subject: %s\r\nTo: %s\r\n\r\n" % (
                          owner["email"], msg["Subject"], msg["From"],
                          msg["Subject"], owner["email"])) + \
                text_part.get_content().replace("\n", "\r\n")
            cases["<fwd-1@svc.example>"] = inline.encode()
        was = self.explain_raw(relay, plain_rules)
        self.assertEqual(was["destination"]["kind"], "ignore", was)
        self.assertTrue(was["lead"]["auto"])
        exp = {}
        for key, raw in cases.items():
            d = self.explain_raw(raw, rules)
            self.assertEqual(d["lead"]["email"], sender, (key, d))
            self.assertFalse(d["lead"]["auto"], d)
            self.assertEqual(d["destination"]["kind"],
                             orig["destination"]["kind"], (key, d))
            exp[key] = d
            self.dovecot.append("INBOX", raw)
        self.assertEqual(exp["<relay-1@svc.example>"]["lead"]["relayed_by"],
                         "leads@svc.example")
        for key in cases:
            if key != "<relay-1@svc.example>":
                self.assertEqual(exp[key]["lead"]["forwarded_by"],
                                 owner["email"])
        self.run_agent()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        rec = self.recorded()
        where = self.folder_of()
        emails = {i: r["email"] for i, r in self.owner_rows().items()}
        sent = {}
        for m, fmid in zip(self.smtp.messages(), self.forwarded_ids()):
            sent[fmid] = m
        # the same forward without the server's verdict on the owner's
        # mail (a stranger forging their From): review, with why
        forged = cases["<fwd-att@svc.example>"][len(auth):].replace(
            b"<fwd-att@svc.example>", b"<forged@svc.example>")
        self.dovecot.append("INBOX", forged)
        self.run_agent()
        rec = self.recorded()
        self.assertEqual(rec["<forged@svc.example>"]["kind"], "review")
        self.assertIn("did not authenticate",
                      self.reason_of("<forged@svc.example>"))
        for key in cases:
            self.assertNotEqual(rec[key]["kind"], "reply", key)
            self.assertEqual(rec[key]["email"], sender)
            self.assertEqual(where[key][0][0], rec[key]["folder"])
            self.assertIsNotNone(rec[key]["owner"], key)
            m = sent[key]
            self.assertEqual(m.rcpt_tos, [emails[rec[key]["owner"]]])
            self.assertIn(sender, m.message["Reply-To"])

    def run_raw(self, *args, env=None):
        """`run --once` with extra environment; the CompletedProcess."""
        return subprocess.run([self.binary, "-c", self.conf, "run", "--once"]
                              + list(args), capture_output=True, text=True,
                              timeout=300,
                              env=dict(os.environ, TZ="UTC",
                                       LEADROUTE_TEST_NOW=NOW, **(env or {})))

    def tls_logins(self):
        with open(self.dovecot.log_path, errors="replace") as f:
            return len(re.findall(r"imap-login: .*Login: .*, TLS,", f.read()))

    def test_tls(self):
        """imaps:// and imap:// with STARTTLS: the server's certificate is
        verified against [inbox] ca_file, and refused without it."""
        data, mid, d = self.first_owner_routed()
        self.dovecot.append("INBOX", data)
        self.set_conf("inbox", "url",
                      f"imaps://localhost:{self.dovecot.tls_port}/INBOX")
        p = self.run_raw()
        self.assertEqual(p.returncode, 78, p.stderr)	# EX_CONFIG
        self.assertRegex(p.stderr, r"(?i)certificate")
        self.assertEqual(self.smtp.messages(), [])
        self.assertEqual(len(self.dovecot.list_folder("INBOX")), 1)

        # a ca_file that cannot be read is a configuration error
        self.set_conf("inbox", "ca_file", os.path.join(self.dir, "no.pem"))
        p = self.run_raw()
        self.assertEqual(p.returncode, 78, p.stderr)
        self.assertIn("no.pem", p.stderr)

        logins = self.tls_logins()
        self.set_conf("inbox", "ca_file", self.dovecot.cert_path)
        self.run_agent()
        self.assertEqual(self.filed(mid), d["destination"]["folder"])
        self.assertEqual(len(self.smtp.messages()), 1)
        self.assertEqual(self.tls_logins(), logins + 1)

        # imap:// to a host taken as remote: STARTTLS, verified the same
        copy = re.sub(rb"(?im)^Message-ID:[^\r\n]*", b"Message-ID: <tls." +
                      mid[1:].encode(), data, count=1)
        self.dovecot.append("INBOX", copy)
        self.set_conf("inbox", "url",
                      f"imap://127.0.0.1:{self.dovecot.port}/INBOX")
        self.set_conf("smtp", "allow_plaintext", "true")
        # a "remote" Slack must be https:// (check refuses http://); the
        # posts then fail, which holds nothing up
        servers.write_secret(self.dir, "slack.secret",
                             "https://127.0.0.1:9/slack")
        p = self.run_raw(env={"LEADROUTE_TEST_LOOPBACK_IS_REMOTE": "1"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.filed("<tls." + mid[1:]),
                         d["destination"]["folder"])
        self.assertEqual(len(self.smtp.messages()), 2)
        self.assertEqual(self.tls_logins(), logins + 2)

        # the same without the CA: STARTTLS, then the certificate refused
        self.dovecot.append("INBOX", data.replace(b"Message-ID: <",
                                                  b"Message-ID: <tls2.", 1))
        self.set_conf("inbox", "ca_file", "/etc/ssl/certs/ca-certificates.crt")
        p = self.run_raw(env={"LEADROUTE_TEST_LOOPBACK_IS_REMOTE": "1"})
        self.assertEqual(p.returncode, 78, p.stderr)
        self.assertRegex(p.stderr, r"(?i)certificate")
        self.assertEqual(len(self.smtp.messages()), 2)

    def test_backlog_filed_batch_by_batch(self):
        """A backlog larger than one batch (500 messages): the first batch
        is filed before the next is fetched, and every copy lands once."""
        exp = self.expected()
        files = self.lead_files()
        copies = 520 // len(files) + 1
        total = copies * len(files)
        want = {}
        with self.dovecot.connect() as imap:
            for i in range(copies):
                for f in files:
                    with open(f, "rb") as fp:
                        data = fp.read()
                    mid = email.message_from_bytes(
                        data, policy=email.policy.default)["Message-ID"].strip()
                    new = "<copy%d.%s" % (i, mid[1:])
                    data = re.sub(
                        rb"(?im)^Message-ID:[^\r\n]*(\r?\n[ \t][^\r\n]*)*",
                        b"Message-ID: " + new.encode(), data, count=1)
                    typ, resp = imap.append("INBOX", None, None, data)
                    self.assertEqual(typ, "OK", resp)
                    want[new] = exp[mid]
        log = self.run_agent()
        # progress after each batch: how far, how fast, how long still
        done = [int(m.group(1).replace(",", "")) for m in re.finditer(
            r"run: ([\d,]+) of %s routed \(0 left in the inbox for later\),"
            r" \d+ leads/s, about \S+ left" % format(total, ","), log)]
        self.assertEqual(done, [500, total], log[-2000:])
        # the first batch was filed before the second was decided
        first_filed = log.index("run: 500 of ")
        self.assertRegex(log[first_filed:], r"(?m)^.*lead <copy")
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        # each copy filed once, where its recorded decision says (caps
        # and rotation make copies of one lead go different ways; test_run
        # compares decisions with explain)
        rec = self.recorded()
        where = self.folder_of()
        for mid in want:
            self.assertEqual([p[0] for p in where.get(mid, [])],
                             [rec[mid]["folder"]], mid)
        owned = sum(1 for mid in want if rec[mid]["owner"])
        self.assertEqual(len(self.smtp.messages()), owned)

    def test_live_progress_on_a_terminal(self):
        """On a terminal, a live line says how far a round is ("12 of 30
        taken, ... leads/s, about ... left"), cleared before each log line
        and at the end; in a log file, no such line."""
        import pty
        self.append_leads()
        master, slave = pty.openpty()
        env = dict(os.environ, TZ="UTC", LEADROUTE_TEST_NOW=NOW)
        p = subprocess.Popen([self.binary, "-c", self.conf, "run", "--once"],
                             stdout=subprocess.DEVNULL, stderr=slave, env=env)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(p.wait(timeout=120), 0, out[-2000:])
        n = len(self.lead_files())
        self.assertRegex(out, rb"\r\x1b\[K  \d+ of %d taken, \d+ leads/s, "
                         rb"about \S+ left" % n)
        # cleared at the end: the last thing written is no status line
        last = out.rstrip(b"\r\n").split(b"\n")[-1].split(b"\r")[-1]
        self.assertNotRegex(last, rb"^\x1b\[K  \d+ of \d+ taken",
                            "the live line is cleared at the end")
        log = self.run_agent()      # stderr to a pipe: no live line
        self.assertNotIn("taken, ", log)

    def test_encoded_word_injection(self):
        """Leads whose name is encoded-word text that decodes into CR, LF
        and a Bcc:, through every header a template renders: the owner's
        forward (forward.subject), a review announcement and a queue's
        (their built-in subjects). Each Subject holds it as text on one
        line, no Bcc header comes of it, and nobody but the addressee
        gets the mail (the literal "=?...?=" case: test_deliver.c)."""
        evil = "=?us-ascii?q?Jane=0D=0ABcc:_v6@bcc.example?="
        exp = self.expected()
        named = {}	# kind -> [Message-ID], leads named by their From:
        raws = {}
        for f in self.lead_files():
            with open(f, "rb") as fp:
                data = fp.read()
            msg = email.message_from_bytes(data, policy=email.policy.default)
            mid = msg["Message-ID"].strip()
            d = exp[mid]
            if msg["From"].addresses[0].display_name == d["lead"]["name"]:
                kind = "owner" if d["destination"]["owner"] else \
                    d["destination"]["kind"]
                named.setdefault(kind, []).append(mid)
                raws[mid] = data
        picks = [named[k][0] for k in ("owner", "review", "queue")]
        queue = exp[picks[2]]["destination"]["id"]
        path = self.rules_copy()
        with open(path) as f:
            text = f.read()
        lines = []
        for line in text.splitlines():
            if line.startswith("review ") or line.startswith(
                    "queue %s " % queue) or line == "queue " + queue:
                line = re.sub(r"\bnotify\b.*", "", line).rstrip()
                line += " notify email triage@example.com"
            lines.append(line)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        for mid in picks:
            data = re.sub(rb"(?im)^From:[^\r\n]*", ('From: "%s" <%s>' % (
                evil, exp[mid]["lead"]["email"])).encode(), raws[mid], count=1)
            self.dovecot.append("INBOX", data)
        self.run_agent()
        sent = self.smtp.messages()
        self.assertEqual(len(sent), 3, [m.message["Subject"] for m in sent])
        subjects = []
        for m in sent:
            subject = str(m.message["Subject"])
            subjects.append(subject)
            self.assertNotIn("\n", subject)
            self.assertNotIn("\r", subject)
            self.assertIn("Bcc: v6@bcc.example", subject)	# as text only
            self.assertIsNone(m.message["Bcc"])
            self.assertEqual(len(m.rcpt_tos), 1)
            self.assertNotIn("bcc.example", m.rcpt_tos[0])
        self.assertTrue(any(s.startswith("Lead waiting in review")
                            for s in subjects), subjects)

    def test_large_message(self):
        """A 16 MB lead (a large attachment) is forwarded whole, once,
        and the agent's peak RSS stays within leadroute.conf(5)'s bound:
        some 30 MB plus twice the message (measured by GNU time;
        not under a sanitizer build, whose memory says nothing of it)."""
        data = mid = None
        for f in self.lead_files():
            with open(f, "rb") as fp:
                raw = fp.read()
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            d = self.expected()[msg["Message-ID"].strip()]
            if d["destination"]["owner"] and \
                    msg.get_content_type() == "text/plain":
                data, mid = raw, msg["Message-ID"].strip()
                break
        self.assertIsNotNone(data, "an owner-routed text/plain lead")
        head, body = re.split(rb"\r?\n\r?\n", data, maxsplit=1)
        part = b"".join(re.findall(rb"(?im)^content-(?:type|transfer-"
                                   rb"encoding):[^\n]*\n(?:[ \t][^\n]*\n)*",
                                   head + b"\n"))
        head = re.sub(rb"(?im)^(?:content-(?:type|transfer-encoding)|"
                      rb"mime-version):[^\n]*\n(?:[ \t][^\n]*\n)*", b"",
                      head + b"\n")
        blob = base64.encodebytes(os.urandom(12 << 20))
        big = (head + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; "
               b"boundary=BIG\n\n--BIG\n" + part + b"\n" + body +
               b"\n--BIG\nContent-Type: application/pdf; name=deck.pdf\n"
               b"Content-Transfer-Encoding: base64\n\n" + blob +
               b"\n--BIG--\n")
        self.dovecot.append("INBOX", big)
        rss = os.path.join(self.dir, "rss")
        env = dict(os.environ, TZ="UTC", LEADROUTE_TEST_NOW=NOW)
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss,
                            self.binary, "-c", self.conf, "run", "--once"],
                           capture_output=True, text=True, timeout=300,
                           env=env)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        sent = self.smtp.messages()
        self.assertEqual(len(sent), 1, p.stderr[-3000:])
        self.assertIn(blob.replace(b"\n", b"\r\n")[:1 << 20], sent[0].data)
        self.assertEqual(self.folder_of()[mid][0][0][:len("Leads/Owners/")],
                         "Leads/Owners/")
        with open(self.binary, "rb") as f:
            if b"__asan_init" in f.read():
                print("test_large_message: memory not measured: a "
                      "sanitizer build", file=sys.stderr)
                return
        with open(rss) as f:
            kb = int(f.read().split()[-1])
        bound = 30 * 1024 + 2 * len(big) / 1024
        print("test_large_message: peak RSS %d MB for a %d MB message" % (
            kb >> 10, len(big) >> 20), file=sys.stderr)
        self.assertLessEqual(kb, bound, "peak RSS %d MB for a %d MB "
                             "message" % (kb >> 10, len(big) >> 20))

    def test_journal_lost(self):
        """A lost journal (truncated, its -wal gone) over a mailbox the
        agent worked on: run refuses (78) and says what to do; --adopt
        rebuilds it from the mailbox and sends nothing; then new leads
        flow as before, old ones are never sent again. A clean stop
        leaves no -wal behind."""
        self.append_leads()
        self.run_agent()
        journal = os.path.join(self.dir, "journal.db")
        self.assertFalse(os.path.exists(journal + "-wal") and
                         os.path.getsize(journal + "-wal") > 0,
                         "a clean stop checkpoints the journal")
        sent, posts = len(self.smtp.messages()), len(self.http.requests())
        # an owner's reply to a forward, filed beside the lead: no lead
        fwd = self.smtp.messages()[0].message
        reply = ("From: %s\r\nTo: %s\r\nSubject: Re: %s\r\n"
                 "Message-ID: <reply.1@example.com>\r\nIn-Reply-To: %s\r\n"
                 "\r\nOn it.\r\n" % (fwd["To"], fwd["Reply-To"] or fwd["From"],
                                      fwd["Subject"], fwd["Message-ID"]))
        folder = "Leads/Owners/" + fwd["X-Leadroute-Owner"]
        self.dovecot.append(folder, reply.encode(), flags=("$LeadRouted",))
        leads = json.loads(subprocess.run(
            [self.binary, "-c", self.conf, "report", "--json"],
            capture_output=True, text=True, check=True).stdout)["leads"]
        where = self.folder_of()
        del where["<reply.1@example.com>"]
        # one marked routed but not filed (a stop between STORE and MOVE)
        data, mid, d = self.first_owner_routed()
        stuck = re.sub(rb"(?im)^Message-ID:[^\r\n]*",
                       b"Message-ID: <stuck.x@example.com>", data, count=1)
        self.dovecot.append("INBOX", stuck, flags=("$LeadRouted",))
        lose_journal(journal)
        log = self.run_agent(expect=78)
        self.assertIn("--adopt", log)
        self.assertRegex(log, r"is new or empty, but the mailbox shows")
        # a dry run says the same (and adopts nothing with --adopt)
        log = self.run_agent("--dry-run", expect=78)
        self.assertRegex(log, r"is new or empty, but the mailbox shows")
        self.run_agent("--dry-run", "--adopt", expect=78)
        self.assertEqual(len(self.smtp.messages()), sent)
        self.assertEqual(len(self.http.requests()), posts)
        log = self.run_agent("--adopt")
        self.assertRegex(log, r"run --adopt: \d+ messages? in \d+ folders? "
                         r"recorded as filed, 1 marked routed in INBOX sent "
                         r"to review; nothing was sent")
        self.assertEqual(len(self.smtp.messages()), sent, log)
        self.assertEqual(len(self.http.requests()), posts, log)
        now = self.folder_of()
        self.assertEqual(now["<stuck.x@example.com>"][0][0], "Leads/Review")
        del now["<stuck.x@example.com>"]
        del now["<reply.1@example.com>"]
        self.assertEqual(now, where)
        # the leads as before, and the one sent to review; the reply none
        after = json.loads(subprocess.run(
            [self.binary, "-c", self.conf, "report", "--json"],
            capture_output=True, text=True, check=True).stdout)["leads"]
        self.assertEqual(after, leads + 1)
        # afterwards: nothing again, and a new lead routed as ever
        self.run_agent()
        self.assertEqual(len(self.smtp.messages()), sent)
        self.dovecot.append("INBOX", data.replace(b"Message-ID: <",
                                                  b"Message-ID: <new.", 1))
        self.run_agent()
        self.assertEqual(len(self.smtp.messages()), sent + 1)

    def test_journal_lost_while_running(self):
        """The journal truncated and its -wal removed under a running
        agent: it sends nothing again. The agent notices, stops, and the
        next start refuses (78) until --adopt; a lead that came meanwhile
        is routed after that, once."""
        leads = self.lead_files()
        first = leads[:len(leads) // 2]
        for f in first:
            with open(f, "rb") as fp:
                self.dovecot.append("INBOX", fp.read())
        p = self.start_agent()
        self.wait_for("the first leads filed",
                      lambda: self.dovecot.list_folder("INBOX") == [],
                      agent=p)
        time.sleep(0.5)
        sent, posts = len(self.smtp.messages()), len(self.http.requests())
        journal = os.path.join(self.dir, "journal.db")
        lose_journal(journal)
        # one lead filed before comes back (a person moved it), one new
        with open(first[0], "rb") as fp:
            self.dovecot.append("INBOX", fp.read())
        with open(leads[-1], "rb") as fp:
            self.dovecot.append("INBOX", fp.read())
        try:
            rc = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            self.fail("the agent went on without its journal: " +
                      self.agent_log(p)[-2000:])
        log = self.agent_log(p)
        self.assertEqual(rc, 78, log[-2000:])
        self.assertRegex(log, r"journal")
        self.assertEqual(len(self.smtp.messages()), sent, log[-2000:])
        self.assertEqual(len(self.http.requests()), posts, log[-2000:])
        self.assertIn("--adopt", log)
        self.run_agent(expect=78)
        # --adopt records what was filed, sends none of it again, and
        # routes what is new in the inbox; a run after it, nothing
        self.run_agent("--adopt")
        self.run_agent()
        ids = self.forwarded_ids()
        self.assertEqual(len(ids), len(set(ids)), "a lead forwarded twice")
        with open(leads[-1], "rb") as fp:
            new = email.message_from_bytes(fp.read(), policy=email.policy.
                                           default)["Message-ID"].strip()
        owned = self.expected()[new]["destination"]["owner"] is not None
        self.assertEqual(len(self.smtp.messages()), sent + int(owned))
        self.assertEqual(new in ids, owned)

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
        rec = self.assert_as_explained(exp, where)
        owner_routed = 0
        for mid, d in exp.items():
            self.assertIn("$LeadRouted", where[mid][0][1], d["file"])
            if d["destination"]["owner"]:
                owner_routed += 1
        sent = self.smtp.messages()
        self.assertEqual(len(sent), owner_routed)
        for m in sent:
            msg = email.message_from_bytes(m.data, policy=email.policy.default)
            self.assertEqual(msg["Auto-Submitted"], "auto-generated")
            inner = [p for p in msg.walk()
                     if p.get_content_type() == "message/rfc822"]
            self.assertEqual(len(inner), 1)
            lead_mid = inner[0].get_payload()[0]["Message-ID"].strip()
            # to the owner the journal recorded, at that owner's address
            self.assertEqual(msg["X-Leadroute-Owner"], rec[lead_mid]["owner"])
        # a post for each owner's lead, and each lead in review or in a
        # queue that posts to Slack is announced there (spec 4.2 v2)
        slack = [r for r in self.http.requests() if r.path == "/slack"]
        self.assertEqual(len(slack), owner_routed +
                         servers.announced_on_slack(self.rules, exp))
        for r in slack:
            json.loads(r.body)

        # the report reads what the agent recorded
        p = subprocess.run([self.binary, "-c", self.conf, "report", "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        rep = json.loads(p.stdout)
        self.assertEqual(rep["leads"], len(files))
        self.assertEqual(rep["decided"], len(files))
        self.assertEqual(rep["owner_routed"], owner_routed)
        self.assertEqual(rep["time_to_route"]["n"], owner_routed)
        self.assertEqual(rep["never_answered"], 0)
        self.assertEqual(rep["awaiting_answer"], owner_routed)
        self.assertEqual(sum(rep["destinations"].values()), len(files))
        self.assertEqual(sum(o["leads"] for o in rep["owners"].values()),
                         owner_routed)
        # every lead has a source; ignored mail is no lead of any
        self.assertEqual(sum(o["leads"] for o in rep["sources"].values()),
                         len(files) - rep["destinations"].get("ignore", 0))
        in_review = rep["destinations"].get("review", 0)
        self.assertEqual(rep["review"]["leads"], in_review)
        self.assertEqual(rep["review"]["waiting"], in_review)
        self.assertEqual(rep["review"]["backlog"][-1]["waiting"], in_review)
        self.assertEqual(rep["sla_breaches"], {"review": 0, "owner": 0,
                                               "owner_leads": 0})
        page = os.path.join(self.dir, "report.html")
        p = subprocess.run([self.binary, "-c", self.conf, "report", "--html",
                            page], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(page) as f:
            html = f.read()
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertEqual(html.count("<svg "), 5)
        self.assertIn("<tr><td>leads</td><td>%d</td></tr>" % len(files), html)
        p = subprocess.run([self.binary, "-c", self.conf, "report", "--html",
                            os.path.join(self.dir, "no", "such", "r.html")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 73, p.stderr)	# EX_CANTCREAT

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

        # leadroute's own forward, back in the inbox (an owner's filter
        # sent it there): ignored, never routed again
        own = self.smtp.messages()[0].data
        ignored = len(self.dovecot.list_folder("Leads/Ignored"))
        self.dovecot.append("INBOX", own)
        self.run_agent()
        self.assertEqual(self.dovecot.list_folder("INBOX"), [])
        now_ignored = self.dovecot.list_folder("Leads/Ignored")
        self.assertEqual(len(now_ignored), ignored + 1)
        self.assertTrue(any(b"X-Leadroute-Loop:" in m.data for m in now_ignored))
        self.assertEqual(len(self.smtp.messages()), owner_routed)


def main():
    servers.test_args(AgentTest, sys.argv, __doc__)
    # LEADROUTE_AGENT_ONLY=test_name runs one test (while developing)
    only = os.environ.get("LEADROUTE_AGENT_ONLY")
    unittest.main(argv=[sys.argv[0], "-v"] +
                  (["AgentTest." + only] if only else []))


main()
