#!/usr/bin/env python3
"""Recompute an sv_platform double-random draw from its export, independently of PostgreSQL.

Usage:  verify_draw.py draw.json        (the output of SELECT sv.draw_export(<draw id>))
        verify_draw.py -                (read it from standard input)

Implements docs/draw-protocol.md (sv-draw-v2) with the Python 3 standard library only: the
population and its SHA-256, the stratum sizes, the seal's hash over everything the seal fixed,
the commitment, the canonical entropy, the seed, ChaCha20 (RFC 8439), the counts per stratum,
the partial Fisher-Yates selection, the team inputs, the team assignment and the recusals.  Prints one line per step and exits 0 when
every step matches the export, 1 when one does not, 2 on unusable input.
"""
import base64
import hashlib
import json
import re
import struct
import sys
from decimal import Decimal, ROUND_CEILING

STRATA = "ABCDU"
LINE = 21  # 18-character code, ",", stratum letter, "\n"


def chacha20_block(key, counter, nonce):
    """The ChaCha20 block function of RFC 8439, section 2.3."""
    def rotl(v, n):
        return ((v << n) & 0xFFFFFFFF) | (v >> (32 - n))

    def qr(x, a, b, c, d):
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF; x[d] = rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF; x[b] = rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF; x[d] = rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF; x[b] = rotl(x[b] ^ x[c], 7)

    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state += list(struct.unpack("<8I", key))
    state += [counter & 0xFFFFFFFF]
    state += list(struct.unpack("<3I", nonce))
    x = list(state)
    for _ in range(10):
        qr(x, 0, 4, 8, 12); qr(x, 1, 5, 9, 13); qr(x, 2, 6, 10, 14); qr(x, 3, 7, 11, 15)
        qr(x, 0, 5, 10, 15); qr(x, 1, 6, 11, 12); qr(x, 2, 7, 8, 13); qr(x, 3, 4, 9, 14)
    return struct.pack("<16I", *[(x[i] + state[i]) & 0xFFFFFFFF for i in range(16)])


class Stream:
    """Little-endian 32-bit words of the keystream for the seed, zero nonce, blocks 0, 1, ..."""

    def __init__(self, key):
        self.key, self.counter, self.buf, self.words = key, 0, b"", 0

    def u32(self):
        if not self.buf:
            self.buf = chacha20_block(self.key, self.counter, bytes(12))
            self.counter += 1
        v, self.buf = struct.unpack("<I", self.buf[:4])[0], self.buf[4:]
        self.words += 1
        return v

    def below(self, n):
        limit = (1 << 32) - ((1 << 32) % n)
        while True:
            x = self.u32()
            if x < limit:
                return x % n


def seed_of(plan_id, population_hash, nonce, entropy):
    e = entropy.encode("utf-8")
    return hashlib.sha256(b"SV-DRAW-SEED-v1\x00" + struct.pack(">q", plan_id) + population_hash
                          + struct.pack(">i", len(nonce)) + nonce + struct.pack(">i", len(e)) + e).digest()


def entropy_pattern(source):
    """The one accepted form of the entropy for a sealed source (docs/draw-protocol.md, "Entropy
    source"), or None when the source itself is not in the grammar."""
    m = re.fullmatch(r"(lottery|hash);([^;\x00-\x1f\x7f-\x9f]{2,64});([0-9A-Za-z-]{1,32});"
                     r"([0-9]{4}-[0-9]{2}-[0-9]{2});(digits|hex)=([1-9][0-9]{0,2})", source)
    if not m or m.group(2) != m.group(2).strip() or (m.group(1) == "lottery") != (m.group(5) == "digits"):
        return None
    n = int(m.group(6))
    if m.group(5) == "digits":
        return r"[0-9]{%d}" % n if n <= 64 else None
    return r"[0-9a-f]{%d}" % n if 16 <= n <= 128 else None


def inputs_text(data):
    """The bytes T of the sealed inputs: rules, team rules, pool, exclusion pairs (section "Seal")."""
    t = "rules\n"
    for s in STRATA:
        rule = data["rules"].get(s)
        if rule is not None:
            t += "%s,ratio,%s\n" % (s, rule["ratio"]) if "ratio" in rule else "%s,count,%d\n" % (s, rule["count"])
    t += "team,%d,%d,%d\n" % (data["team_size"], data["departments"], 1 if data["cross_area"] else 0)
    t += "pool\n" + "".join("%s,%d,%s\n" % (o["certificate_no"], o["department"], o["region"]) for o in data["team_pool"])
    t += "exclude\n" + "".join("%s,%d\n" % (u, k) for u, k in data["sealed_exclusions"])
    return t.encode("utf-8")


def seal_of(data, population_hash):
    src = data["entropy_source"].encode("utf-8")
    return hashlib.sha256(b"SV-DRAW-SEAL-v2\x00" + struct.pack(">q", data["plan_id"]) + population_hash
                          + bytes.fromhex(data["regions_sha256"]) + bytes.fromhex(data["commitment"])
                          + struct.pack(">i", len(src)) + src + hashlib.sha256(inputs_text(data)).digest()).digest()


def count_of(rule, size):
    if rule is None:
        return 0
    if "ratio" in rule:
        return min(size, int((Decimal(str(rule["ratio"])) * size).to_integral_value(rounding=ROUND_CEILING)))
    return min(int(rule["count"]), size)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        data = json.load(sys.stdin if argv[1] == "-" else open(argv[1], encoding="utf-8"))
        if data.get("protocol") != "sv-draw-v2":
            raise ValueError("not an sv-draw-v2 export")
        for r in data["subject_regions"] + [o["region"] for o in data["team_pool"]]:
            if not (isinstance(r, str) and re.fullmatch(r"[0-9]{6}", r)):
                raise ValueError("regions must be 6-character strings of digits, not %r" % (r,))
        population = base64.b64decode(data["population_base64"])
    except (OSError, ValueError, KeyError) as e:
        print("unusable input: %s" % e, file=sys.stderr)
        return 2

    results = []

    def step(name, ok, detail):
        results.append(ok)
        print("%-16s %s  %s" % (name, "ok  " if ok else "FAIL", detail))

    digest = hashlib.sha256(population).digest()
    step("population_hash", digest.hex() == data["population_sha256"], digest.hex())

    lines = [population[i:i + LINE] for i in range(0, len(population), LINE)]
    well_formed = len(population) % LINE == 0 and all(l[18:19] == b"," and l[20:21] == b"\n" for l in lines)
    strata = {s: [l[:18].decode("ascii") for l in lines if l[19:20].decode("ascii") == s] for s in STRATA}
    well_formed = well_formed and all(l[19:20].decode("ascii", "replace") in STRATA for l in lines)
    ordered = well_formed and lines == sorted(lines, key=lambda l: (STRATA.index(l[19:20].decode("ascii")), l[:18]))
    once = len({l[:18] for l in lines}) == len(lines)       # no line, and no code, twice
    sizes = [len(strata[s]) for s in STRATA]
    step("stratum_sizes", well_formed and ordered and once and sizes == data["stratum_sizes"],
         "A, B, C, D, U = %s%s%s" % (sizes, "" if ordered else " (population not in protocol order)",
                                     "" if once else " (a candidate listed twice)"))

    seal = seal_of(data, digest)
    step("seal", seal.hex() == data["seal_sha256"], seal.hex())

    nonce = bytes.fromhex(data["nonce"])
    step("commitment", hashlib.sha256(nonce).hexdigest() == data["commitment"] and 16 <= len(nonce) <= 1024,
         "SHA-256 of the nonce (%d bytes: 16 to 1024)" % len(nonce))

    pattern = entropy_pattern(data["entropy_source"])
    step("entropy", pattern is not None and re.fullmatch(pattern, data["entropy"]) is not None,
         "%r is %sthe canonical form for %r" % (data["entropy"], "" if pattern and re.fullmatch(pattern, data["entropy"]) else "not ",
                                              data["entropy_source"]))

    seed = seed_of(data["plan_id"], digest, nonce, data["entropy"])
    step("seed", seed.hex() == data["seed"], seed.hex())

    stream = Stream(seed)
    selected = []
    for s, n in zip(STRATA, sizes):
        k = count_of(data["rules"].get(s), n)
        idx = list(range(n))
        for i in range(k):
            j = i + stream.below(n - i)
            idx[i], idx[j] = idx[j], idx[i]
            selected.append({"stratum": s, "position": i + 1, "uscc": strata[s][idx[i]]})
    same = selected == data["selected"]
    step("selection", same, "%d subjects, %d stream words%s" % (len(selected), stream.words,
                                                              "" if same else "; the export differs"))

    # The team inputs: the sealed pairs of the drawn subjects, as (subject number, inspector number).
    number_of = {subject["uscc"]: n for n, subject in enumerate(data["selected"], 1)}
    pairs = sorted([number_of[u], k] for u, k in data["sealed_exclusions"] if u in number_of)
    step("team_inputs", pairs == data["team_exclusions"],
         "%d exclusion pair(s) of the drawn subjects from %d sealed" % (len(pairs), len(data["sealed_exclusions"])))

    # Teams: the same stream, continued (docs/draw-protocol.md, "Teams").
    pool = data["team_pool"]
    excluded = {}
    for subject, inspector in pairs:
        excluded.setdefault(subject, set()).add(inspector - 1)
    load = [0] * len(pool)
    teams = []
    staffed = True
    ever_eligible = set()   # the workload spread counts inspectors eligible for some subject

    def pick(blocked, dept):
        candidates = [i for i in range(len(pool)) if i not in blocked and (dept == 0 or pool[i]["department"] == dept)]
        best = min(load[i] for i in candidates)
        tied = [i for i in candidates if load[i] == best]
        chosen = tied[0] if len(tied) == 1 else tied[stream.below(len(tied))]
        blocked.add(chosen)
        return chosen

    for number, subject in enumerate(data["selected"], 1):
        blocked = set(excluded.get(number, ()))
        if data["cross_area"]:
            blocked |= {i for i in range(len(pool)) if pool[i]["region"] == data["subject_regions"][number - 1]}
        open_ = [i for i in range(len(pool)) if i not in blocked]
        ever_eligible.update(open_)
        if len(open_) < data["team_size"] or {pool[i]["department"] for i in open_} != set(range(1, data["departments"] + 1)):
            staffed = False
            break
        team = [pick(blocked, d) for d in range(1, data["departments"] + 1)]
        while len(team) < data["team_size"]:
            team.append(pick(blocked, 0))
        for slot, i in enumerate(team, 1):
            load[i] += 1
            teams.append({"uscc": subject["uscc"], "slot": slot, "certificate_no": pool[i]["certificate_no"]})
    same_teams = staffed and teams == data["teams_as_drawn"]
    # the spread within each department (in a joint plan each department fills its own slots)
    spread = 0
    for d in range(1, data["departments"] + 1):
        loads = [load[i] for i in ever_eligible if pool[i]["department"] == d]
        if loads:
            spread = max(spread, max(loads) - min(loads))
    step("teams", same_teams and stream.words == data["stream_words"],
         "%d team places, %d stream words, workload spread %d within a department%s" % (
             len(teams), stream.words, spread, "" if same_teams else "; the export differs"))
    # Recusals, replayed in order on the same stream (docs/draw-protocol.md, "Recusal").
    current = {}
    for t in teams:
        current[(t["uscc"], t["slot"])] = t["certificate_no"]
    index_of = {o["certificate_no"]: i for i, o in enumerate(pool)}
    recused_from = set()
    differ = 0
    for r in data.get("recusals", []):
        subject = number_of[r["uscc"]]
        dept = pool[index_of[r["certificate_no"]]]["department"]
        team_now = {cert for (u, _), cert in current.items() if u == r["uscc"]}
        loads = {}
        for cert in current.values():
            loads[cert] = loads.get(cert, 0) + 1
        candidates = [o["certificate_no"] for i, o in enumerate(pool)
                      if i not in excluded.get(subject, ())
                      and not (data["cross_area"] and o["region"] == data["subject_regions"][subject - 1])
                      and o["certificate_no"] not in team_now and o["certificate_no"] != r["certificate_no"]
                      and (r["uscc"], o["certificate_no"]) not in recused_from
                      and (r["slot"] > data["departments"] or o["department"] == dept)]
        start = stream.words
        if not candidates:
            differ += 1
            break
        best = min(loads.get(c, 0) for c in candidates)
        tied = sorted((c for c in candidates if loads.get(c, 0) == best), key=lambda c: c.encode("utf-8"))
        chosen = tied[0] if len(tied) == 1 else tied[stream.below(len(tied))]
        if chosen != r["replacement"] or start != r["stream_from"] or stream.words != r["stream_to"]:
            differ += 1
        current[(r["uscc"], r["slot"])] = r["replacement"]
        recused_from.add((r["uscc"], r["certificate_no"]))
    step("recusals", differ == 0, "%d recusals, %d differ" % (len(data.get("recusals", [])), differ))
    print("draw %s of plan %s: %s" % (data["draw_id"], data["plan_code"], "VERIFIED" if all(results) else "NOT VERIFIED"))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
