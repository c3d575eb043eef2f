#!/usr/bin/env python3
"""Compare `leadroute explain --json` with expected decisions.

usage: expect.py LEADROUTE RULES MESSAGES EXPECTED.jsonl

EXPECTED holds one object a line: file (base name), kind, id, owner,
reason_contains (null = not checked) and lead (fields to compare; a null
value means the field must be absent). Prints one line per mismatch and
a summary; exits 1 on any mismatch or when explain fails.
"""
import json
import os
import subprocess
import sys

if len(sys.argv) != 5:
    sys.exit(__doc__)
binary, rules, messages, expected_path = sys.argv[1:]
with open(expected_path, encoding="utf-8") as f:
    expected = [json.loads(l) for l in f if l.strip()]

run = subprocess.run([binary, "explain", "--json", "--now",
                      "2026-11-24T10:00:00Z", "--rules", rules, messages],
                     capture_output=True, text=True, timeout=600)
decisions = {}
for line in run.stdout.splitlines():
    d = json.loads(line)
    decisions[os.path.basename(d["file"])] = d

bad = 0
for e in expected:
    d = decisions.get(e["file"])
    why = []
    if d is None:
        why.append("no decision")
    else:
        dest = d["destination"]
        for k in ("kind", "id", "owner"):
            if e.get(k) is not None and dest.get(k) != e[k]:
                why.append(f"{k} {dest.get(k)!r}, expected {e[k]!r}")
        rc = e.get("reason_contains")
        if rc and rc.lower() not in (d.get("reason") or "").lower():
            why.append(f"reason {d.get('reason')!r} lacks {rc!r}")
        for k, v in (e.get("lead") or {}).items():
            if d["lead"].get(k) != v:
                why.append(f"lead.{k} {d['lead'].get(k)!r}, expected {v!r}")
    if why:
        bad += 1
        print(f"{e['file']}: " + "; ".join(why))
if run.returncode != 0:
    print(f"explain exited {run.returncode}: {run.stderr.strip()[:400]}")
print(f"{len(expected) - bad} of {len(expected)} as expected")
sys.exit(1 if bad or run.returncode != 0 else 0)
