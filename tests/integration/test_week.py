#!/usr/bin/env python3
"""A scripted week of leads through `leadroute run`, on a clock the test
drives (LEADROUTE_TEST_CLOCK), against Dovecot, an SMTP sink and an HTTP
sink on 127.0.0.1; then `leadroute report` for that week, every figure
compared with what the script knows by construction, and the HTML page
opened in headless Chromium to see that its charts render.

usage: test_week.py LEADROUTE TOP_SRCDIR

The week (times UTC; "lag" is how long before its arrival a lead's Date
says it was written, so time to route is known to the second):
  Mon  three audit leads to the team (one a web form), one for review; an
       owner does not answer in 2h: the team's SLA re-routes it; the
       review lead waits past the review SLA (escalated), then a person
       moves it to ann (assigned); everyone else answers in time.
  Tue  five audit leads (bob reaches his daily cap of 2; cy is away
       until Tuesday), a support lead to boss by name (never answered); a
       person moves one lead to another owner (reassigned).
  Wed  cy is back; an audit lead whose owner's out-of-office re-routes it
       at once (not an SLA miss); a lead left in review to the end
       (escalated).
  Thu  an audit form lead, answered.
Two more runs chase a lead nobody answers through every member: to the
team's escalate owner, or, when they are away, to the chase's end.
Which owner the rotation picks is read from the forwards the SMTP sink
received (the script checks only the rules' invariants there: nobody away
or over their cap got a lead); every time, count and rate comes from the
script's own ledger.
"""
import calendar
import email
import email.policy
import email.utils
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

RULES = """owners "owners.csv"
team sales rotate round-robin sla 2h escalate boss members ann bob cy
review sla 4h escalate boss
offer audit   if subject ~ /audit/i
offer support if subject ~ /support/i
route offer=audit   -> team sales
route offer=support -> owner boss
route *             -> review
"""

OWNERS = """id,name,email,weight,max_per_day,timezone,hours,status,away_until
ann,Ann A,ann@team.example,1,,UTC,,active,
bob,Bob B,bob@team.example,1,2,UTC,,active,
cy,Cy C,cy@team.example,1,,UTC,,active,2026-11-17
boss,Boss D,boss@team.example,1,,UTC,,active,
"""

EMAILS = {"ann": "ann@team.example", "bob": "bob@team.example",
          "cy": "cy@team.example", "boss": "boss@team.example"}
FORM_FROM = "forms@web.example"
END = "2026-11-22T23:00:00Z"	# the report's end: Sunday 23:00


def at(day, hhmm):
    """Unix seconds of 2026-11-DAY HH:MM UTC."""
    h, m = hhmm.split(":")
    return calendar.timegm((2026, 11, day, int(h), int(m), 0))


class Lead:
    def __init__(self, n, kind, subject, lag, form):
        self.n, self.kind, self.subject, self.lag = n, kind, subject, lag
        self.form = form
        self.mid = f"<lead{n}@c{n}.example>"
        self.email = f"person{n}@c{n}.example"
        self.fetched = self.dated = None
        self.forwarded = None	# the first forward's time
        self.answered = None
        self.reassigned = False
        self.review = []	# [from, to or None]
        self.escalated = False
        self.sla_missed = 0


class WeekTest(unittest.TestCase):
    binary = top = None

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="lr-week-")
        self.addCleanup(self.tmp.cleanup)
        self.dovecot = servers.Dovecot()
        self.dovecot.start()
        self.addCleanup(self.dovecot.close)
        self.smtp = servers.SmtpSink()
        self.smtp.start()
        self.addCleanup(self.smtp.close)
        self.http = servers.HttpSink()
        self.http.start()
        self.addCleanup(self.http.close)
        self.dir = self.tmp.name
        rules_dir = os.path.join(self.dir, "rules")
        os.mkdir(rules_dir)
        with open(os.path.join(rules_dir, "owners.csv"), "w") as f:
            f.write(OWNERS)
        rules = os.path.join(rules_dir, "week.rules")
        with open(rules, "w") as f:
            f.write(RULES)
        self.conf = servers.agent_config(
            self.dir, self.dovecot, self.smtp, self.http, rules,
            os.path.join(self.top, "templates"))
        self.set_inbox_option("board_interval", "1s")
        self.set_inbox_option("poll_interval", "1s")
        self.clock = os.path.join(self.dir, "clock")
        self.journal = os.path.join(self.dir, "journal.db")
        self.leads = {}
        self.owner_mails = 0	# replies, filed with their leads
        self.owner_autos = 0	# out-of-office answers, likewise
        self.agent = None
        self.addCleanup(self.kill_agent)

    def set_inbox_option(self, key, value):
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(text.replace("[inbox]\n", f"[inbox]\n{key} = {value}\n",
                                 1))

    def kill_agent(self):
        if self.agent is not None and self.agent.poll() is None:
            self.agent.kill()
            self.agent.wait()
        if self.agent is not None:
            self.agent.log.close()

    # --- the clock, the agent, the journal -----------------------------

    def tick(self, t):
        """Set the agent's clock to T (Unix seconds)."""
        self.now = t
        tmp = self.clock + ".new"
        with open(tmp, "w") as f:
            f.write("%d\n" % t)
        os.replace(tmp, self.clock)

    def start_agent(self):
        log = open(os.path.join(self.dir, "agent.log"), "w+")
        self.agent = subprocess.Popen(
            [self.binary, "-c", self.conf, "run"], stderr=log,
            stdout=subprocess.DEVNULL,
            env=dict(os.environ, TZ="UTC", LEADROUTE_TEST_CLOCK=self.clock))
        self.agent.log = log

    def log(self):
        self.agent.log.flush()
        with open(self.agent.log.name) as f:
            return f.read()

    def wait_for(self, what, cond, timeout=30.0):
        end = time.time() + timeout
        while time.time() < end:
            v = cond()
            if v:
                return v
            if self.agent.poll() is not None:
                self.fail(f"the agent exited ({self.agent.returncode}) "
                          f"waiting for {what}:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        self.fail(f"timed out waiting for {what}:\n{self.log()[-3000:]}")

    def query(self, sql, *args):
        db = sqlite3.connect("file:%s?mode=ro" % self.journal, uri=True)
        try:
            return db.execute(sql, args).fetchall()
        except sqlite3.OperationalError:	# not created yet
            return []
        finally:
            db.close()

    def events(self, lead, kind):
        return [r[0] for r in self.query(
            "SELECT e.at FROM events e JOIN messages m ON m.id ="
            " e.message_id WHERE m.message_key = ? AND e.kind = ?",
            lead.mid, kind)]

    def filed(self, mid):
        return self.query("SELECT folder FROM messages WHERE message_key = ?"
                          " AND filed_at IS NOT NULL", mid)

    # --- mail ---------------------------------------------------------

    def sent(self):
        """(lead Message-ID, owner id, the forward's Message-ID) of every
        forward, in order (escalations and other notices left out)."""
        out = []
        for m in self.smtp.messages():
            owner = m.message["X-Leadroute-Owner"]
            if owner is None or "-" in owner:	# escalation-boss
                continue
            for part in m.message.walk():
                if part.get_content_type() == "message/rfc822":
                    out.append((part.get_payload()[0]["Message-ID"].strip(),
                                owner, m.message["Message-ID"].strip()))
                    break
        return out

    def forwards(self):
        """[(lead Message-ID, owner id)] of every forward, in order."""
        return [(mid, owner) for mid, owner, _ in self.sent()]

    def forward_id(self, lead, owner):
        """The Message-ID of the forward of LEAD to OWNER."""
        for mid, to, fid in self.sent():
            if mid == lead.mid and to == owner:
                return fid
        self.fail(f"no forward of {lead.mid} to {owner}")

    def owner_of(self, lead):
        """Who has LEAD now: the last forward's owner."""
        got = [o for mid, o in self.forwards() if mid == lead.mid]
        return got[-1] if got else None

    def arrive(self, n, kind, subject, lag, form=False):
        """Lead N arrives now; wait until the agent has filed it."""
        lead = Lead(n, kind, subject, lag, form)
        lead.dated = self.now - lag
        lead.fetched = self.now
        date = email.utils.formatdate(lead.dated)
        if form:
            raw = (f"From: Website <{FORM_FROM}>\r\nTo: leads@svc.example\r\n"
                   f"Subject: {subject}\r\nDate: {date}\r\n"
                   f"Message-ID: {lead.mid}\r\n\r\n"
                   f"Name: Person {n}\r\nEmail: {lead.email}\r\n"
                   f"Company: C{n} Ltd\r\nMessage: {subject}, please.\r\n")
        else:
            raw = (f"From: Person {n} <{lead.email}>\r\n"
                   f"To: leads@svc.example\r\nSubject: {subject}\r\n"
                   f"Date: {date}\r\nMessage-ID: {lead.mid}\r\n\r\n"
                   f"Hello, {subject.lower()} for C{n} Ltd, please.\r\n")
        before = len(self.forwards())
        self.dovecot.append("INBOX", raw.encode(), date=self.now)
        self.wait_for(f"lead {n} filed", lambda: self.filed(lead.mid))
        if kind != "review":
            self.wait_for(f"lead {n} forwarded",
                          lambda: len(self.forwards()) > before)
            lead.forwarded = self.now
        else:
            lead.review.append([self.now, None])
        self.leads[n] = lead
        return lead

    def reply(self, lead, auto=False):
        """The owner of LEAD answers it now (Cc the inbox), or sends their
        out-of-office; wait until the agent has seen it."""
        owner = self.owner_of(lead)
        fid = self.forward_id(lead, owner)
        kind = "auto-reply" if auto else "first-response"
        seen = len(self.events(lead, kind))
        raw = (servers.authenticated(EMAILS[owner]) +
               f"From: {owner} <{EMAILS[owner]}>\r\nTo: {lead.email}\r\n"
               f"Cc: leads@svc.example\r\n"
               f"Subject: {'Out of office' if auto else 'Re'}: "
               f"{lead.subject}\r\nDate: {email.utils.formatdate(self.now)}"
               f"\r\nMessage-ID: <r{lead.n}-{self.now}@team.example>\r\n"
               f"In-Reply-To: <{fid}>\r\n")
        if auto:
            raw += "Auto-Submitted: auto-replied\r\n"
        raw += "\r\nThanks, on it.\r\n"
        self.dovecot.append("INBOX", raw.encode(), date=self.now)
        if auto:
            self.owner_autos += 1
        else:
            self.owner_mails += 1
        self.wait_for(f"{kind} on lead {lead.n}",
                      lambda: len(self.events(lead, kind)) > seen)
        if not auto and lead.answered is None:
            lead.answered = self.now

    def move(self, lead, src, dst):
        """A person moves LEAD from SRC to DST (UID MOVE)."""
        with self.dovecot.connect() as imap:
            self.assertEqual(imap.select(src)[0], "OK")
            typ, data = imap.uid("SEARCH", "HEADER", "Message-ID", lead.mid)
            uids = data[0].split()
            self.assertEqual(len(uids), 1, f"{lead.mid} in {src}")
            self.assertEqual(imap.uid("MOVE", uids[0].decode(), dst)[0], "OK")

    # --- the week -----------------------------------------------------

    def run_week(self):
        self.tick(at(16, "08:00"))
        self.start_agent()
        self.wait_for("the agent", lambda: "run: connected" in self.log())

        # Monday
        self.tick(at(16, "09:00"))
        l1 = self.arrive(1, "team", "Audit of our data platform", 120)
        self.tick(at(16, "09:10"))
        l2 = self.arrive(2, "team", "Audit request", 60, form=True)
        self.tick(at(16, "09:20"))
        l3 = self.arrive(3, "team", "Need an audit", 30)
        self.tick(at(16, "09:30"))
        l4 = self.arrive(4, "review", "Hello there", 600)
        self.tick(at(16, "09:40"))
        self.reply(l1)
        self.tick(at(16, "10:00"))
        self.reply(l2)
        first3 = self.owner_of(l3)
        self.tick(at(16, "11:30"))	# 2h10m after lead 3's forward
        self.wait_for("lead 3 re-routed",
                      lambda: self.events(l3, "sla-missed"))
        self.wait_for("lead 3 forwarded again",
                      lambda: self.owner_of(l3) != first3)
        l3.reassigned, l3.sla_missed = True, 1
        self.assertNotEqual(self.owner_of(l3), "cy", "cy is away")
        self.tick(at(16, "12:00"))
        self.reply(l3)
        self.tick(at(16, "14:00"))	# 4h30m in review
        self.wait_for("lead 4 escalated", lambda: self.events(l4,
                                                             "escalated"))
        l4.escalated = True
        # a person moves it; the board sees it at its next look, 14:10 (on
        # this clock, the board looks only when time passes)
        self.move(l4, "Leads/Review", "Leads/Owners/ann")
        self.tick(at(16, "14:10"))
        self.wait_for("lead 4 assigned", lambda: self.events(l4, "assigned"))
        self.wait_for("lead 4 forwarded", lambda: self.owner_of(l4) == "ann")
        l4.review[-1][1] = self.now
        l4.forwarded = self.now
        l4.kind = "owner"
        self.tick(at(16, "14:20"))
        self.reply(l4)

        # Tuesday: bob's cap of 2 a day, cy still away
        self.tick(at(17, "09:00"))
        l5 = self.arrive(5, "team", "Audit for Q1", 0)
        self.tick(at(17, "09:05"))
        l6 = self.arrive(6, "team", "Audit please", 45, form=True)
        self.tick(at(17, "09:10"))
        l7 = self.arrive(7, "team", "Another audit", 300)
        self.tick(at(17, "09:15"))
        self.arrive(8, "owner", "Support contract", 90)
        self.tick(at(17, "09:20"))
        l12 = self.arrive(12, "team", "Audit next month", 5)
        self.tick(at(17, "09:25"))
        l13 = self.arrive(13, "team", "Audit inquiry", 25)
        # bob had two today: his cap; cy is away: ann gets the rest
        tuesday = [self.owner_of(lead) for lead in (l5, l6, l7, l12, l13)]
        self.assertEqual(tuesday.count("bob"), 2, tuesday)
        self.assertEqual(tuesday.count("ann"), 3, tuesday)
        self.tick(at(17, "09:30"))
        for lead in (l5, l6, l7, l12, l13):
            self.reply(lead)
        was = self.owner_of(l5)
        other = "bob" if was == "ann" else "ann"
        self.move(l5, f"Leads/Owners/{was}", f"Leads/Owners/{other}")
        self.tick(at(17, "10:00"))
        self.wait_for("lead 5 reassigned",
                      lambda: self.events(l5, "reassigned"))
        self.wait_for("lead 5 forwarded again",
                      lambda: self.owner_of(l5) == other)
        l5.reassigned, l5.kind = True, "owner"

        # Wednesday: cy is back; an out-of-office; a lead left in review
        self.tick(at(18, "09:00"))
        l9 = self.arrive(9, "team", "Audit, urgent", 10)
        first9 = self.owner_of(l9)
        self.tick(at(18, "09:05"))
        self.reply(l9, auto=True)
        self.wait_for("lead 9 re-routed at once",
                      lambda: self.owner_of(l9) != first9)
        l9.reassigned = True
        self.tick(at(18, "09:30"))
        self.reply(l9)
        self.tick(at(18, "10:00"))
        l10 = self.arrive(10, "review", "A question", 20)
        self.tick(at(18, "15:00"))
        self.wait_for("lead 10 escalated",
                      lambda: self.events(l10, "escalated"))
        l10.escalated = True

        # Thursday
        self.tick(at(19, "09:00"))
        l11 = self.arrive(11, "team", "Audit form", 15, form=True)
        self.tick(at(19, "09:20"))
        self.reply(l11)

        # to the end of the week: nothing more happens
        self.tick(calendar.timegm(time.strptime(END, "%Y-%m-%dT%H:%M:%SZ")))
        time.sleep(2.5)
        self.agent.send_signal(signal.SIGTERM)
        self.assertEqual(self.agent.wait(timeout=30), 0, self.log()[-3000:])

    # --- what the script knows ----------------------------------------

    @staticmethod
    def series(values):
        v = sorted(values)

        def pct(pm):
            k = -(-len(v) * pm // 1000)
            return v[max(k, 1) - 1]
        return {"n": len(v), "p50_s": pct(500) if v else None,
                "p90_s": pct(900) if v else None,
                "max_s": pct(1000) if v else None}

    def expected(self):
        leads = list(self.leads.values())
        end = calendar.timegm(time.strptime(END, "%Y-%m-%dT%H:%M:%SZ"))
        owned = [lead for lead in leads if lead.kind != "review"]
        kinds = {}
        for lead in leads:
            kinds[lead.kind] = kinds.get(lead.kind, 0) + 1
        fwd = [lead for lead in leads if lead.forwarded is not None]
        ans = [lead for lead in owned if lead.answered is not None]
        exp = {
            "leads": len(leads), "decided": len(leads), "failed": 0,
            "undecided": 0, "destinations": kinds,
            "review_rate": kinds.get("review", 0) / len(leads),
            "refused_to_review": 0,
            "time_to_route": self.series(
                lead.forwarded - lead.dated for lead in fwd),
            "dated_to_fetched": self.series(
                lead.fetched - lead.dated for lead in leads),
            "fetched_to_decided": self.series(0 for _ in leads),
            "decided_to_forwarded": self.series(
                lead.forwarded - lead.fetched for lead in fwd),
            "first_response": self.series(
                lead.answered - lead.dated for lead in ans),
            "owner_routed": len(owned),
            "reassigned": sum(lead.reassigned for lead in owned),
            "reassignment_rate": sum(lead.reassigned for lead in owned) /
            len(owned),
            "answered": len(ans), "never_answered": len(owned) - len(ans),
            # every lead of the week came days before its end
            "awaiting_answer": 0,
            "owner_replies": self.owner_mails,
            "owner_auto_replies": self.owner_autos,
        }
        reviewed = [lead for lead in leads if lead.review]
        closed = [sum(b - a for a, b in lead.review) for lead in reviewed
                  if all(b is not None for _, b in lead.review)]
        waiting = [lead for lead in reviewed if lead.review[-1][1] is None]
        backlog = []
        for day in range(15, 23):
            e = min(at(day, "00:00") + 86400, end)
            backlog.append({"day": "2026-11-%02d" % day, "waiting": sum(
                1 for lead in reviewed for a, b in lead.review
                if a <= e and (b is None or b > e))})
        exp["review"] = {
            "leads": len(reviewed), "time": self.series(closed),
            "waiting": len(waiting),
            "oldest_waiting_s": max(end - lead.review[-1][0]
                                    for lead in waiting),
            "backlog": backlog}
        exp["sla_breaches"] = {
            "review": sum(lead.escalated for lead in leads),
            "owner": sum(lead.sla_missed for lead in leads),
            "owner_leads": sum(lead.sla_missed > 0 for lead in leads)}
        owners = {}
        for lead in owned:
            owners.setdefault(self.owner_of(lead), []).append(lead)
        exp["owners"] = {o: self.group(ls, True) for o, ls in owners.items()}
        sources = {}
        for lead in leads:
            src = f"form: {FORM_FROM}" if lead.form else "email"
            sources.setdefault(src, []).append(lead)
        exp["sources"] = {s: self.group(ls, False)
                          for s, ls in sources.items()}
        return exp

    def group(self, leads, owners):
        fwd = [lead for lead in leads if lead.forwarded is not None]
        ans = [lead for lead in leads if lead.answered is not None]
        g = {"leads": len(leads), "forwarded": len(fwd),
             "answered": len(ans),
             "never_answered": sum(1 for lead in leads
                                   if lead.kind != "review") - len(ans),
             "time_to_route": self.series(lead.forwarded - lead.dated
                                          for lead in fwd),
             "first_response": self.series(lead.answered - lead.dated
                                           for lead in ans)}
        if owners:
            g["reassigned"] = sum(lead.reassigned for lead in leads)
        return g

    # --- the test ------------------------------------------------------

    def test_week(self):
        self.run_week()
        # the rules' invariants, from what the mail server received
        sent = self.forwards()
        self.assertEqual(len(sent), len(set(sent)), "no lead forwarded "
                         "twice to one owner")
        for mid, owner in sent:
            n = int(mid[5:mid.index("@")])
            if owner == "cy":
                self.assertGreaterEqual(self.leads[n].fetched, at(18, "00:00"),
                                        f"cy got lead {n} while away")
        per_day = {}
        for lead in self.leads.values():
            for mid, owner in sent:
                if mid == lead.mid and owner == "bob":
                    day = time.gmtime(lead.fetched).tm_mday
                    per_day[day] = per_day.get(day, 0) + 1
        self.assertTrue(all(n <= 2 for n in per_day.values()), per_day)

        p = subprocess.run([self.binary, "-c", self.conf, "report", "--json",
                            "--now", END, "--since", "7d"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = json.loads(p.stdout)
        exp = self.expected()
        if os.environ.get("TEST_VERBOSE"):
            print(json.dumps(exp, indent=1), file=sys.stderr)
        for key, value in exp.items():
            if isinstance(value, float):
                self.assertAlmostEqual(got[key], value, msg=key)
            else:
                self.assertEqual(got[key], value, key)
        self.assertEqual(got["from"], "2026-11-15T23:00:00Z")
        self.html_renders(exp)

    def chase_to_the_end(self):
        """Wednesday (everyone in): a lead nobody answers is re-routed
        every 2h to the next member who has not had it; return it and the
        owners it went to."""
        self.tick(at(18, "08:00"))
        self.start_agent()
        self.wait_for("the agent", lambda: "run: connected" in self.log())
        self.tick(at(18, "09:00"))
        lead = self.arrive(1, "team", "Audit nobody answers", 0)
        for k in range(1, 3):
            self.tick(at(18, "09:00") + k * 7201)
            self.wait_for(f"chase {k}", lambda: len(
                self.events(lead, "sla-missed")) == k)
        had = [o for mid, o in self.forwards() if mid == lead.mid]
        self.assertEqual(sorted(had), ["ann", "bob", "cy"])
        self.tick(at(18, "09:00") + 3 * 7201)
        return lead, had

    def test_chase_ends_with_escalation(self):
        """After every member, the team's escalate owner gets the lead
        and the chase ends there."""
        lead, had = self.chase_to_the_end()
        self.wait_for("the escalation", lambda: self.events(lead,
                                                           "chase-ended"))
        self.assertEqual(self.owner_of(lead), "boss")
        self.assertEqual(len(self.events(lead, "sla-missed")), 3)
        self.assertEqual(self.events(lead, "sla-exhausted"), [])

    def test_chase_skips_away_escalation(self):
        """An escalate owner who is away does not get the lead: the chase
        ends with it where it is (sla-exhausted)."""
        path = os.path.join(self.dir, "rules", "owners.csv")
        with open(path, "w") as f:
            f.write(OWNERS.replace("boss@team.example,1,,UTC,,active,",
                                   "boss@team.example,1,,UTC,,active,"
                                   "2026-11-30"))
        lead, had = self.chase_to_the_end()
        self.wait_for("the chase to end",
                      lambda: self.events(lead, "sla-exhausted"))
        self.assertEqual(self.owner_of(lead), had[-1])
        self.assertEqual(self.events(lead, "chase-ended"), [])
        self.assertEqual(len(self.events(lead, "sla-missed")), 3)

    def html_renders(self, exp):
        """The HTML report in headless Chromium: each chart, alone on a
        page, paints its bars (their fill colours are on the screenshot);
        the page without its charts (and the legend's colour squares)
        paints none of them."""
        page = os.path.join(self.dir, "week.html")
        p = subprocess.run([self.binary, "-c", self.conf, "report", "--html",
                            page, "--now", END, "--since", "7d"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(page) as f:
            html = f.read()
        head, rest = html.split("<svg", 1)
        charts = {}
        for chunk in ("<svg" + rest).split("<svg")[1:]:
            svg = "<svg" + chunk[:chunk.index("</svg>") + 6]
            charts[svg.split('id="', 1)[1].split('"', 1)[0]] = svg
        self.assertEqual(sorted(charts), ["backlog", "days", "first",
                                          "owners", "ttr"])
        colours = {"days": (0x2b, 0x7b, 0xb9), "ttr": (0x2b, 0x7b, 0xb9),
                   "first": (0x2b, 0x7b, 0xb9), "owners": (0x2b, 0x7b, 0xb9),
                   "backlog": (0xe0, 0x8e, 0x0b)}
        bare = re.sub(r'<p class="legend">.*?</p>', "", html, flags=re.S)
        for svg in charts.values():
            bare = bare.replace(svg, "")
        shot = servers.screenshot(bare, self.dir)
        for name, rgb in colours.items():
            self.assertEqual(shot[rgb], 0, f"{name} colour without "
                             "the charts")
        for name, svg in charts.items():
            shot = servers.screenshot(head + svg + "</body></html>",
                                      self.dir)
            self.assertGreater(shot[colours[name]], 50,
                               f"chart {name} painted no bars")
        # the days chart stacks what the leads became: review in orange
        shot = servers.screenshot(head + charts["days"] + "</body></html>",
                                  self.dir)
        self.assertGreater(shot[(0xe0, 0x8e, 0x0b)], 10)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    WeekTest.binary = os.path.abspath(sys.argv[1])
    WeekTest.top = os.path.abspath(sys.argv[2])
    shutil.which("chromium") or sys.exit(
        "week: Chromium is needed to check the HTML report: apt-get "
        "install chromium (contrib/install-deps)")
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(WeekTest)
    ok = unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
