#!/usr/bin/env python3
"""make demo: what the departments' systems received, from the HTTP fixture's log
(scripts/http_fixture.py --log): one line per request, with its Idempotency-Key (幂等键) and
what the message is in Chinese (审批信息推送: an approval pushed to the supervising department;
监管结果回推: a supervision result pushed back to the approving department).

Usage:  fixture_received.py FIXTURE_LOG.jsonl
"""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        r = json.loads(line)
        if json.loads(r["body"]).get("result_id"):
            kind = "linkage.result 监管结果回推"
        else:
            kind = "linkage.approval 审批信息推送"
        signed = ", 已签名 signed " + r["signature"][:15] + "..." if r.get("signature") else ""
        print("   %s %s  %s  幂等键 Idempotency-Key %s%s  -> HTTP %s"
              % (r["method"], r["path"], kind, r["idempotency_key"], signed, r["outcome"]))
