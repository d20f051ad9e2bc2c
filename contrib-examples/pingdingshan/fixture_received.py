#!/usr/bin/env python3
"""make demo: what the departments' systems received, from the HTTP fixture's log
(scripts/http_fixture.py --log): one line per request, with its Idempotency-Key.

Usage:  fixture_received.py FIXTURE_LOG.jsonl
"""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        r = json.loads(line)
        kind = "linkage.result" if json.loads(r["body"]).get("result_id") else "linkage.approval"
        signed = ", signed " + r["signature"][:15] + "..." if r.get("signature") else ""
        print("   %s %s  %s  Idempotency-Key %s%s  -> HTTP %s"
              % (r["method"], r["path"], kind, r["idempotency_key"], signed, r["outcome"]))
