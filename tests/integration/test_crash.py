#!/usr/bin/env python3
"""leadroute run's crash safety against real servers on 127.0.0.1: Dovecot,
an SMTP sink and an HTTP sink standing in for Slack (servers.py). Spec
section 8: nothing is lost, a decided message is not re-decided, a sent
delivery is not re-sent; a duplicate forward only for the one delivery in
flight at a crash; reconnect with backoff after any connection loss.

usage: test_crash.py LEADROUTE TOP_SRCDIR [LEADS_DIR EXPECTED_JSONL RULES]

Without the last three, the shipped rules/samples are used. The leads are
copies of those, cycled, each with a fresh Message-ID and the original
body; `explain` on the copies says where each must end. Checks:

- stop after the Nth journal commit, for every N (the test-only switch
  LEADROUTE_TEST_STOP_AFTER_COMMITS=N makes the agent _exit(99) right
  after it), then `run --once` again: the same end state as one
  uninterrupted run (each message in one folder, the same one, with
  $LeadRouted; every forward of the uninterrupted run, to the same
  owner; at most one extra forward and one extra Slack post), until N
  passes the number of commits a whole run makes (the stopped run then
  exits 0);
- kill -9 of the long-running `run` at random moments (seeded), restart,
  at least 20 times, then `run --once`: every message in exactly one
  folder, the one explain chooses; every owner-routed lead forwarded to
  its owner; duplicate forwards <= kills; and some kills landed mid-drain;
- Dovecot stopped (gracefully, then killed) and started again under a
  running agent: the same process reconnects by itself and routes what
  arrives afterwards, each lead forwarded once; SIGTERM then exits 0.

Environment: LEADROUTE_CRASH_SEED (the kill test's seed, default
20261124), LEADROUTE_CRASH_STRIDE (test 1 steps N by this past N = 30;
default 1: every N), LEADROUTE_CRASH_ONLY (run the tests whose names
hold this), LEADROUTE_KEEP_TMP (keep the servers' directories).
"""
import collections
import csv
import email
import email.policy
import json
import os
import random
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

STOP_ENV = "LEADROUTE_TEST_STOP_AFTER_COMMITS"  # src/journal.h
STOP_STATUS = 99
MAX_COMMITS = 2000  # test 1 fails past this many stops
KILLS = 24  # test 2: at least 20
DEFAULT_SEED = 20261124


def log(fmt, *args):
    print("test_crash: " + (fmt % args if args else fmt), file=sys.stderr,
          flush=True)


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def message_id(data):
    mid = parse(data)["Message-ID"]
    return str(mid).strip() if mid is not None else None


def with_message_id(data, mid):
    """DATA (a raw message) with its Message-ID replaced by MID (added when
    it has none); the body and every other header unchanged."""
    m = re.search(rb"\r?\n\r?\n", data)
    head, body = (data[:m.start()], data[m.start():]) if m else (data, b"")
    nl = b"\r\n" if b"\r\n" in head else b"\n"
    line = b"Message-ID: " + mid.encode() + nl
    # the header and its continuation lines
    pat = re.compile(rb"^Message-ID:[^\n]*\n(?:[ \t][^\n]*\n)*", re.I | re.M)
    head += nl
    if pat.search(head):
        head = pat.sub(lambda _: line, head, count=1)
    else:
        head = line + head
    return head[:-len(nl)] + body


def imap_quote(name):
    return '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')


def owner_emails(rules):
    """Owner id -> email from the owners file the rules name ({} if none)."""
    with open(rules, encoding="utf-8") as f:
        m = re.search(r'^owners\s+"([^"]+)"', f.read(), re.M)
    if not m:
        return {}
    path = os.path.join(os.path.dirname(rules), m.group(1))
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: r["email"] for r in csv.DictReader(f)}


class CrashTest(unittest.TestCase):
    binary = top = leads = rules = None

    def setUp(self):
        self.started = time.monotonic()
        self.tmp = tempfile.TemporaryDirectory(prefix="lr-crash-")
        self.dovecot, self.smtp, self.http = servers.start_servers(self)
        if os.environ.get("LEADROUTE_KEEP_TMP"):
            log("keeping %s", self.tmp.name)
        else:
            self.addCleanup(self.tmp.cleanup)
        self.procs = []
        self.addCleanup(self.kill_agents)
        self.dir = tempfile.mkdtemp(dir=self.tmp.name)
        self.journal = os.path.join(self.dir, "journal.db")
        self.stderr_path = os.path.join(self.dir, "agent.stderr")
        # The copies of a lead share its sender, so `sticky` would send
        # them all to one owner: off here (tests/test_rotation.c has it).
        rules = servers.copy_rules(self.rules, os.path.join(self.dir, "rules"),
                                   "\nsticky off\n")
        self.conf = servers.agent_config(
            self.dir, self.dovecot, self.smtp, self.http, rules,
            os.path.join(self.top, "templates"), self.journal)
        self.emails = owner_emails(self.rules)
        self.members = servers.team_members(self.binary, self.conf,
                                            self.env())

    def tearDown(self):
        log("%s: %.1f s", self.id().rsplit(".", 1)[-1],
            time.monotonic() - self.started)

    # --- the agent ---

    def env(self, stop_after=None):
        env = dict(os.environ, TZ="UTC")
        env.pop(STOP_ENV, None)
        if stop_after is not None:
            env[STOP_ENV] = str(stop_after)
        return env

    def run_once(self, stop_after=None):
        """`run --once`: (exit status, stderr)."""
        p = subprocess.run([self.binary, "-c", self.conf, "run", "--once"],
                           capture_output=True, text=True, timeout=300,
                           env=self.env(stop_after))
        return p.returncode, p.stderr

    def start_agent(self):
        """The long-running `run` (IDLE), stderr appended to a file."""
        with open(self.stderr_path, "ab") as err:
            err.write(b"--- run started %.3f\n" % time.time())
            p = subprocess.Popen([self.binary, "-c", self.conf, "run"],
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=err,
                                 env=self.env())
        self.procs.append(p)
        return p

    def wait_for_work(self, p, offset, timeout):
        """Until the run started at stderr offset OFFSET logs a lead (or
        exits, or TIMEOUT passes)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and p.poll() is None:
            with open(self.stderr_path, "rb") as f:
                f.seek(offset)
                if b"leadroute: lead <" in f.read():
                    return
            time.sleep(0.005)

    def kill_agents(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    def agent_log(self, lines=40):
        try:
            with open(self.stderr_path, "rb") as f:
                tail = f.readlines()[-lines:]
        except OSError:
            return "(no agent output)"
        return b"".join(tail).decode("utf-8", "replace")

    # --- leads ---

    def make_leads(self, n, tag):
        """N copies of the leads dir's messages, cycled (owner-routed,
        review, ignored and the others interleaved), each with the fresh
        Message-ID <TAG-NNNN@crash.leadroute.test>; written to a directory
        of their own. Returns (dir, [raw bytes], {mid: explain's line})."""
        originals = sorted(os.path.join(self.leads, f)
                           for f in os.listdir(self.leads) if f.endswith(".eml"))
        self.assertTrue(originals, "no leads in %s" % self.leads)
        kinds = collections.defaultdict(list)
        for path, d in self.explain_files(self.leads).items():
            kind = ("owner" if d["destination"]["owner"] else
                    d["destination"]["kind"])
            kinds[kind].append(path)
        # one of each kind in turn, so any prefix mixes them
        groups = [sorted(v) for _, v in sorted(kinds.items())]
        order = []
        for i in range(max(len(g) for g in groups)):
            order += [g[i % len(g)] for g in groups if i < len(g)]
        out = tempfile.mkdtemp(prefix=tag + "-", dir=self.tmp.name)
        mails = []
        for i in range(n):
            src = order[i % len(order)]
            with open(src, "rb") as f:
                data = with_message_id(f.read(), "<%s-%04d@crash.leadroute.test>"
                                       % (tag, i))
            with open(os.path.join(out, "%04d-%s" % (
                    i, os.path.basename(src))), "wb") as f:
                f.write(data)
            mails.append(data)
        exp = self.expected(out)
        self.assertEqual(set(exp), {message_id(m) for m in mails},
                         "explain does not see the fresh Message-IDs")
        return out, mails, exp

    def explain_files(self, directory):
        """explain --json over DIRECTORY: {file: line}."""
        p = subprocess.run([self.binary, "explain", "--json", "--rules",
                            self.rules, directory], capture_output=True,
                           text=True, timeout=300, env=self.env())
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        out = {}
        for line in p.stdout.splitlines():
            d = json.loads(line)
            out[d["file"]] = d
        return out

    def expected(self, directory):
        """What explain decides for each lead of DIRECTORY, by Message-ID."""
        return {d["message_id"]: d
                for d in self.explain_files(directory).values()}

    @staticmethod
    def decisions(exp):
        return {mid: (d["destination"]["folder"], d["destination"]["owner"])
                for mid, d in exp.items()}

    def allowed(self, directory, before):
        """Message-ID -> {(folder, owner)} explain allows: as decided at the
        start (BEFORE) or now. Availability follows the clock (working
        hours), and a test may run across a boundary. A team's lead may go
        to any member: explain has no history, the agent's rotation has
        (tests/test_rotation.c checks the rotation itself)."""
        now = self.expected(directory)
        out = {}
        for mid, d in before.items():
            ok = set()
            for dest in (d["destination"], now[mid]["destination"]):
                ok.add((dest["folder"], dest["owner"]))
                if dest["kind"] == "team" and dest["owner"]:
                    ok |= {("Leads/Owners/" + m, m)
                           for m in self.members[dest["id"]]}
            out[mid] = ok
        return out

    # --- server state ---

    def reset(self, mails):
        """A fresh start for the same servers: every folder but INBOX
        deleted, INBOX emptied and given MAILS, the sinks emptied (their
        files, as servers.py documents them), the journal removed."""
        folders = self.dovecot.folders()
        imap = self.dovecot.connect()
        try:
            for f in sorted((f for f in folders if f.upper() != "INBOX"),
                            key=lambda f: (-f.count("/"), f)):
                imap.delete(imap_quote(f))  # parents may fail: \Noselect
            typ, data = imap.select("INBOX")
            if int(data[0] or 0):
                imap.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                imap.expunge()
            for data in mails:
                typ, resp = imap.append("INBOX", None, None, data)
                self.assertEqual(typ, "OK", resp)
        finally:
            imap.logout()
        self.assertEqual(self.dovecot.folders(), ["INBOX"])
        messages = os.path.join(self.smtp.dir, "messages")
        for name in os.listdir(messages):
            os.unlink(os.path.join(messages, name))
        for path in (os.path.join(self.smtp.dir, "transcript.jsonl"),
                     os.path.join(self.http.dir, "requests.jsonl")):
            open(path, "wb").close()
        for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
            try:
                os.unlink(self.journal + suffix)
            except FileNotFoundError:
                pass

    def folder_of(self):
        """Message-ID -> [(folder, flags)] over every folder (one session)."""
        where = {}
        folders = self.dovecot.folders()
        imap = self.dovecot.connect()
        try:
            for folder in folders:
                typ, data = imap.select(imap_quote(folder),
                                        readonly=True)
                if typ != "OK":  # \Noselect parents ("Leads")
                    continue
                if int(data[0] or 0) == 0:
                    continue
                typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK"
                                     "[HEADER.FIELDS (MESSAGE-ID)])")
                for item in data:
                    if not isinstance(item, tuple):
                        continue
                    flags = re.search(rb"FLAGS \(([^)]*)\)", item[0])
                    flags = tuple(f for f in flags.group(1).decode().split()
                                  if f != "\\Recent")
                    where.setdefault(message_id(item[1]), []).append(
                        (folder, flags))
        finally:
            imap.logout()
        return where

    def inbox_count(self):
        imap = self.dovecot.connect()
        try:
            typ, data = imap.status("INBOX", "(MESSAGES)")
            return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))
        finally:
            imap.logout()

    def forwards(self):
        """Counter of (Message-ID of the attached lead, X-Leadroute-Owner,
        recipients) over every message the SMTP sink accepted."""
        out = collections.Counter()
        for m in self.smtp.messages():
            inner = None
            for part in m.message.walk():
                if part.get_content_type() == "message/rfc822":
                    inner = part.get_content()
                    break
            mid = str(inner["Message-ID"]).strip() if inner is not None and \
                inner["Message-ID"] else None
            out[(mid, str(m.message["X-Leadroute-Owner"] or ""),
                 tuple(sorted(r.lower() for r in m.rcpt_tos)))] += 1
        return out

    def slack_posts(self):
        """Counter of the Slack posts' bodies, their times left out (a
        review announcement says by when the lead should be handled: its
        decision time plus the SLA, later in a resumed run)."""
        return collections.Counter(
            re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
                   rb"(?:Z|[+-]\d\d:?\d\d)?", b"<time>", r.body)
            for r in self.http.requests() if r.path == "/slack")

    def journal_progress(self):
        """Messages by state and deliveries by state, read from the journal
        (only while no agent runs)."""
        if not os.path.exists(self.journal):
            return {}, {}
        db = sqlite3.connect(self.journal, timeout=5)
        try:
            msgs = dict(db.execute(
                "SELECT state, count(*) FROM messages GROUP BY state"))
            dlv = dict(db.execute(
                "SELECT channel || ':' || state, count(*) FROM deliveries"
                " GROUP BY 1"))
        except sqlite3.Error:  # not created yet
            return {}, {}
        finally:
            db.close()
        return msgs, dlv

    # --- checks ---

    def check_routed(self, allowed, where, forwards, once=False, kills=None):
        """Every message of ALLOWED in exactly one folder, one explain
        allows, with $LeadRouted, nothing else anywhere; every owner-routed
        lead forwarded to its owner (exactly once with ONCE; else the
        duplicates at most KILLS). Returns a list of problems."""
        bad = []
        owners_of = {}  # the owners a lead may go to: one, or none
        for mid, ok in sorted(allowed.items()):
            owners_of[mid] = {o for _, o in ok}
            places = where.get(mid)
            if not places:
                bad.append("%s is nowhere" % mid)
                continue
            if len(places) != 1:
                bad.append("%s is in %s" % (mid, places))
                continue
            folder, flags = places[0]
            owners = {o for f, o in ok if f == folder}
            if not owners:
                bad.append("%s is in %s, explain says %s" % (
                    mid, folder, sorted(f for f, _ in ok)))
                continue
            owners_of[mid] = owners  # the decision its folder shows
            if "$LeadRouted" not in flags:
                bad.append("%s in %s without $LeadRouted: %s" % (
                    mid, folder, flags))
        for mid in set(where) - set(allowed):
            bad.append("unknown message %s in %s" % (mid, where[mid]))
        sent = collections.Counter()
        for (mid, owner, rcpts), n in forwards.items():
            want = owners_of.get(mid, set()) - {None}
            if not want:
                bad.append("%d forward(s) of %s, which is not owner-routed "
                           "(to %s)" % (n, mid, rcpts))
            elif owner not in want or (owner in self.emails and
                                       rcpts != (self.emails[owner].lower(),)):
                bad.append("%s forwarded to %s %s, not to its owner %s" % (
                    mid, owner, rcpts, "/".join(sorted(want))))
            sent[mid] += n
        for mid, owners in sorted(owners_of.items()):
            if None in owners:
                continue
            if sent[mid] == 0:
                bad.append("%s (owner %s) never forwarded" % (
                    mid, "/".join(sorted(owners))))
            elif once and sent[mid] != 1:
                bad.append("%s forwarded %d times" % (mid, sent[mid]))
        dups = sum(n - 1 for n in sent.values() if n > 1)
        if kills is not None and dups > kills:
            bad.append("%d duplicate forwards for %d kills" % (dups, kills))
        return bad

    def compare(self, base, state):
        """STATE against the uninterrupted run's BASE: a list of problems."""
        (bwhere, bfwd, bslack), (where, fwd, slack) = base, state
        bad = []
        for mid, places in sorted(bwhere.items()):
            got = where.get(mid, [])
            if len(got) != 1:
                bad.append("%s in %d folders: %s" % (mid, len(got), got))
            elif got[0][0] != places[0][0]:
                bad.append("%s in %s, not %s" % (mid, got[0][0], places[0][0]))
            elif "$LeadRouted" not in got[0][1]:
                bad.append("%s in %s without $LeadRouted" % (mid, got[0][0]))
        for mid in set(where) - set(bwhere):
            bad.append("unknown message %s in %s" % (mid, where[mid]))
        for key in bfwd:
            if fwd[key] == 0:
                bad.append("no forward of %s to %s %s" % key)
        for key in set(fwd) - set(bfwd):
            bad.append("%d forward(s) of %s to %s %s, not in the "
                       "uninterrupted run" % ((fwd[key],) + key))
        extra = sum(fwd.values()) - sum(bfwd.values())
        if extra > 1:
            bad.append("%d duplicate forwards (at most 1)" % extra)
        for body, n in bslack.items():
            if slack[body] < n:
                bad.append("%d of %d Slack posts missing: %.80r" % (
                    n - slack[body], n, body))
        if set(slack) - set(bslack):
            bad.append("%d Slack posts not in the uninterrupted run" %
                       len(set(slack) - set(bslack)))
        extra = sum(slack.values()) - sum(bslack.values())
        if extra > 1:
            bad.append("%d extra Slack posts (at most 1)" % extra)
        return bad

    def require_mix(self, exp):
        kinds = {("owner" if d["destination"]["owner"] else
                  d["destination"]["kind"]) for d in exp.values()}
        missing = {"owner", "review", "ignore"} - kinds
        if missing:
            # never a silent skip: the caller runs this file with leads
            # whose rules have an owner without working hours
            self.fail("the leads of %s route to no %s at this hour "
                          "(owners' working hours)" % (self.leads,
                                                       "/".join(sorted(missing))))

    def note_owners(self, exp):
        if not any(d["destination"]["owner"] for d in exp.values()):
            log("note: no lead routes to an owner at this hour (owners' "
                "working hours): forwards go untested")

    # --- the tests ---

    def test_stop_after_every_commit(self):
        """Stop after the Nth journal commit, resume: the end state of an
        uninterrupted run, for every N."""
        directory, mails, exp = self.make_leads(20, "stop")
        self.require_mix(exp)
        self.reset(mails)
        t = time.monotonic()
        rc, err = self.run_once()
        self.assertEqual(rc, 0, err[-3000:])
        base = (self.folder_of(), self.forwards(), self.slack_posts())
        bad = self.check_routed(self.allowed(directory, exp), base[0], base[1],
                                once=True)
        self.assertEqual(bad, [], "the uninterrupted run:\n" +
                         self.excerpt(err, bad))
        # a post per forward, and an announcement of each lead in review
        # or a queue that posts to Slack (spec 4.2 v2)
        self.assertEqual(sum(base[2].values()), sum(base[1].values()) +
                         servers.announced_on_slack(self.rules, exp),
                         "one Slack post per forward and announcement")
        log("uninterrupted run: %.2f s, %d forwards, %d Slack posts",
            time.monotonic() - t, sum(base[1].values()),
            sum(base[2].values()))
        decisions = self.decisions(exp)
        stride = max(1, int(os.environ.get("LEADROUTE_CRASH_STRIDE", "1")))
        failures = []
        n, last, retry = 0, None, False
        while True:
            if not retry:
                n = n + 1 if n < 30 else n + stride
            self.assertLessEqual(n, MAX_COMMITS, "still stopping after %d "
                                 "commits" % MAX_COMMITS)
            self.reset(mails)
            rc1, err1 = self.run_once(stop_after=n)
            rc2, err2 = self.run_once()
            state = (self.folder_of(), self.forwards(), self.slack_posts())
            bad = []
            if rc1 not in (STOP_STATUS, 0):
                bad.append("stopped run exited %d" % rc1)
            if rc2 != 0:
                bad.append("resumed run exited %d" % rc2)
            bad += self.compare(base, state)
            now = self.decisions(self.expected(directory)) if bad and \
                not retry else decisions
            if now != decisions:
                # an owner's working hours began or ended since the
                # uninterrupted run: run it again, then this N again
                log("N=%d: explain's decisions changed (the clock): "
                    "a new uninterrupted run", n)
                decisions = now
                self.reset(mails)
                rc, err = self.run_once()
                self.assertEqual(rc, 0, err[-3000:])
                base = (self.folder_of(), self.forwards(), self.slack_posts())
                retry = True
                continue
            retry = False
            if bad:
                failures.append((n, bad, err1, err2))
                log("N=%d: %d problem(s): %s", n, len(bad), bad[0])
            if rc1 == 0:
                last = n
                break
        log("stopped after every commit N=1..%d (stride %d past 30)",
            last - 1, stride)
        if failures:
            n, bad, err1, err2 = failures[0]
            self.fail("%d of %d stops went wrong, at N = %s\nfirst, N=%d:\n"
                      "  %s\nstopped run's stderr:\n%s\nresumed run's "
                      "stderr:\n%s" % (
                          len(failures), last, [f[0] for f in failures], n,
                          "\n  ".join(bad[:20]), self.excerpt(err1, bad),
                          self.excerpt(err2, bad)))

    def test_kill_at_random_moments(self):
        """kill -9 of `run` at random moments, restart, 20+ times; then
        nothing lost, nothing misrouted, duplicates <= kills."""
        seed = int(os.environ.get("LEADROUTE_CRASH_SEED", DEFAULT_SEED))
        rng = random.Random(seed)
        directory, mails, exp = self.make_leads(300, "kill")
        self.note_owners(exp)

        # how long a start takes (empty inbox), and a full drain
        self.reset([])
        t = time.monotonic()
        rc, err = self.run_once()
        self.assertEqual(rc, 0, err[-3000:])
        start = time.monotonic() - t
        self.reset(mails)
        t = time.monotonic()
        rc, err = self.run_once()
        drain = time.monotonic() - t
        self.assertEqual(rc, 0, err[-3000:])
        self.assertEqual(self.inbox_count(), 0, "one run --once does not "
                         "drain 300 leads:\n" + err[-3000:])
        log("seed %d; a start takes %.2f s, a full drain of %d leads %.2f s",
            seed, start, len(mails), drain)

        # One run in four is killed at a random moment of its start; the
        # others once they are at work (their first lead logged), after a
        # random slice of the drain. The next run resumes, so the kill
        # points move through the whole drain (deciding, delivering,
        # filing), most of them with work in hand, whatever the speed of
        # the machine.
        self.reset(mails)
        kills, mid_drain, partly_filed, points = 0, 0, 0, []
        previous = None
        for k in range(KILLS):
            # once the inbox is empty no run logs a lead: kill at random
            early = rng.random() < 0.25 or (previous is not None and
                                            previous[2] == 0)
            delay = rng.uniform(0, start) if early else \
                rng.uniform(0, drain / 8)
            offset = os.path.getsize(self.stderr_path) \
                if os.path.exists(self.stderr_path) else 0
            p = self.start_agent()
            if not early:
                self.wait_for_work(p, offset, timeout=10 * start + 5)
            time.sleep(delay)
            self.assertIsNone(p.poll(), "run exited %s by itself:\n%s" % (
                p.returncode, self.agent_log()))
            p.kill()
            p.wait()
            kills += 1
            msgs, dlv = self.journal_progress()
            inbox = self.inbox_count()
            progress = (sorted(msgs.items()), sorted(dlv.items()), inbox)
            # mid-drain: this run changed something and work was left
            moved = progress != previous and inbox > 0
            mid_drain += moved
            partly_filed += 0 < inbox < len(mails)
            previous = progress
            points.append("kill %2d after %.3f s: inbox %3d, messages %s, "
                          "deliveries %s%s" % (
                              k + 1, delay, inbox, dict(msgs), dict(dlv),
                              " (mid-drain)" if moved else ""))
        log("kill points:\n  " + "\n  ".join(points))
        rc, err = self.run_once()
        self.assertEqual(rc, 0, err[-3000:])
        where = self.folder_of()
        fwd = self.forwards()
        bad = self.check_routed(self.allowed(directory, exp), where, fwd,
                                kills=kills)
        dups = sum(fwd.values()) - len(fwd)
        log("%d kills, %d mid-drain, %d with the inbox partly filed; "
            "%d forwards, %d duplicates", kills, mid_drain, partly_filed,
            sum(fwd.values()), dups)
        if bad:
            self.fail("%d problem(s) after %d kills (seed %d):\n  %s\n"
                      "kill points:\n  %s\nfinal run's stderr:\n%s" % (
                          len(bad), kills, seed, "\n  ".join(bad[:30]),
                          "\n  ".join(points), self.excerpt(err, bad)))
        # the kills must have hit the agent at work, else nothing is proved
        self.assertGreaterEqual(mid_drain, 5, "too few kills mid-drain:\n" +
                                "\n".join(points))

    def excerpt(self, err, bad, n=40):
        """The lines of ERR about the Message-IDs BAD names, and warnings."""
        mids = set(re.findall(r"<[^<>\s]+@crash\.leadroute\.test>",
                              " ".join(bad)))
        lines = [l for l in err.splitlines()
                 if any(m in l for m in mids) or
                 not re.match(r"leadroute: (lead <|run: \d+ filed)", l)]
        return "\n".join(lines[:n])

    def stage(self, mails):
        """Put MAILS into the INBOX at once: APPEND them to a folder of
        their own, then one UID MOVE. (Appended one by one, those that
        arrive while the agent works through a round wait for its next
        IDLE timeout, poll_interval: not what this test is about.)"""
        folder = "Staging"
        imap = self.dovecot.connect()
        try:
            imap.create(folder)
            for data in mails:
                typ, resp = imap.append(folder, None, None, data)
                self.assertEqual(typ, "OK", resp)
            imap.select(folder)
            typ, resp = imap.uid("MOVE", "1:*", "INBOX")
            self.assertEqual(typ, "OK", resp)
            imap.close()
            imap.delete(folder)
        finally:
            imap.logout()

    def wait_routed(self, proc, mids, timeout):
        """Seconds until every Message-ID of MIDS is filed out of the INBOX,
        None after TIMEOUT; the agent must stay alive meanwhile."""
        t = time.monotonic()
        while True:
            self.assertIsNone(proc.poll(), "run exited %s:\n%s" % (
                proc.returncode, self.agent_log()))
            where = self.folder_of()
            if all(mid in where and all(f != "INBOX" for f, _ in where[mid])
                   for mid in mids):
                return time.monotonic() - t
            if time.monotonic() - t > timeout:
                return None
            time.sleep(0.1)

    def test_dovecot_restart(self):
        """Dovecot stopped and started again under a running agent: it
        reconnects by itself and routes what comes later; SIGTERM: exit 0."""
        directory, mails, exp = self.make_leads(30, "restart")
        self.note_owners(exp)
        batches = [mails[0:10], mails[10:20], mails[20:30]]
        problems = []
        p = self.start_agent()
        time.sleep(0.5)  # started, in IDLE
        self.stage(batches[0])
        took = self.wait_routed(p, [message_id(m) for m in batches[0]], 30)
        self.assertIsNotNone(took, "the first leads not routed in 30 s:\n" +
                             self.agent_log())
        for i, graceful in enumerate((True, False)):
            how = "stopped" if graceful else "killed"
            cpu = self.cpu_seconds(p.pid)
            t = time.monotonic()
            self.dovecot.stop(graceful=graceful)  # same ports and mail after
            time.sleep(2)
            self.assertIsNone(p.poll(), "run exited %s while Dovecot was "
                              "down:\n%s" % (p.returncode, self.agent_log()))
            self.dovecot.start()
            down = time.monotonic() - t
            self.stage(batches[i + 1])
            mids = [message_id(m) for m in batches[i + 1]]
            # Backoff 1, 2, 4 s (+ jitter) reconnects within some 15 s of
            # an outage this short; [inbox] poll_interval (IDLE's timeout)
            # is the default 60 s, so waiting for it does not pass.
            took = self.wait_routed(p, mids, 30)
            late = None
            if took is None:
                late = self.wait_routed(p, mids, 60)
                problems.append(
                    "Dovecot %s for %.1f s: the next leads not routed within "
                    "30 s after its restart (%s)" % (
                        how, down, "not within 90 s" if late is None else
                        "only after %.1f s" % (30 + late)))
            used = self.cpu_seconds(p.pid) - cpu
            wall = time.monotonic() - t
            if used > 0.5 * wall:
                problems.append(
                    "Dovecot %s: the agent used %.1f s of CPU in the %.1f s "
                    "until it had routed the next leads (a busy loop?)" % (
                        how, used, wall))
            log("Dovecot %s, down %.1f s: the agent (pid %d) routed the next "
                "%d leads %s s after the restart, using %.2f s CPU", how,
                down, p.pid, len(mids), "%.1f" % took if took is not None
                else ">30", used)
            if took is None and late is None:
                break
        where = self.folder_of()
        fwd = self.forwards()
        problems += self.check_routed(self.allowed(directory, exp), where,
                                      fwd, once=True)
        announced = servers.announced_on_slack(self.rules, exp)
        if sum(self.slack_posts().values()) != sum(fwd.values()) + announced:
            problems.append("%d Slack posts for %d forwards and %d "
                            "announcements" % (
                                sum(self.slack_posts().values()),
                                sum(fwd.values()), announced))
        p.send_signal(signal.SIGTERM)
        t = time.monotonic()
        try:
            rc = p.wait(timeout=10)
            if rc != 0:
                problems.append("SIGTERM: exit status %d" % rc)
        except subprocess.TimeoutExpired:
            try:
                rc = p.wait(timeout=60)
                problems.append("SIGTERM while idle: exit %d only after "
                                "%.1f s" % (rc, time.monotonic() - t))
            except subprocess.TimeoutExpired:
                problems.append("SIGTERM: still running after 70 s")
        if problems:
            self.fail("\n".join(problems) + "\nagent's stderr:\n" +
                      self.excerpt(self.agent_log(400), problems))

    @staticmethod
    def cpu_seconds(pid):
        """User + system CPU time of PID so far."""
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
        fields = stat[stat.rindex(b")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    servers.test_args(CrashTest, sys.argv, __doc__)
    t = time.monotonic()
    only = os.environ.get("LEADROUTE_CRASH_ONLY")  # e.g. test_dovecot_restart
    prog = unittest.main(argv=[sys.argv[0], "-v"] + (
        ["-k", only] if only else []), exit=False)
    log("all: %.1f s", time.monotonic() - t)
    sys.exit(not prog.result.wasSuccessful())


main()
