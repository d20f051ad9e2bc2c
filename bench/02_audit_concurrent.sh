#!/usr/bin/env bash
# 02_audit_concurrent: audited transactions from concurrent clients, with fsync = on (issue 16).
#
# pgbench at 1, 8 and 16 clients (-j 2), each for AUDIT_SECONDS (default 15) seconds, two
# transaction kinds, one statement each (autocommit: one transaction per record):
#   audited   SELECT sv.audit_append(dept, 'staff', client, 'add', change)   (a staff record)
#   plain     INSERT of the same row (same columns and values, two fixed 32-byte hashes, seq
#             from a sequence) into bench.audit_plain (LIKE sv.audit_log INCLUDING ALL: same
#             primary key and index; no RLS, no triggers)
# The instance runs with fsync = off for the other benchmarks; this one turns fsync and
# synchronous_commit on for its runs (reload) and back off at the end, so every commit waits
# for its WAL flush, as in production.  Printed: tps of each and audited / plain per client
# count.  Goal: >= 0.7 at 8 and 16 clients.  The order of the two kinds alternates between
# client counts.  Afterwards the trail must verify.
set -euo pipefail
secs=${AUDIT_SECONDS:-15}
pgbench=${PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
work=$(mktemp -d /tmp/sv_audit_conc.XXXXXX)
cleanup() {
  psql -X -q -c "ALTER SYSTEM RESET fsync" -c "ALTER SYSTEM RESET synchronous_commit" \
       -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.audit_plain;
DROP SEQUENCE IF EXISTS bench.audit_plain_seq;
CREATE TABLE bench.audit_plain (LIKE sv.audit_log INCLUDING ALL);
CREATE SEQUENCE bench.audit_plain_seq;
ALTER SYSTEM SET fsync = on;
ALTER SYSTEM SET synchronous_commit = on;
SELECT pg_reload_conf();
CHECKPOINT;
SQL
echo "fsync = $(psql -X -At -c 'SHOW fsync'), synchronous_commit = $(psql -X -At -c 'SHOW synchronous_commit'), ${secs} s per run"

change="'{\"valid_to\": \"2027-05-03\", \"role_name\": \"pds_officer_410411_000123\", \"valid_from\": \"2026-05-04\", \"region_code\": \"410411\", \"department_id\": 4}'"
cat > "$work/audited.sql" <<SQL
\set dept random(1, 12)
SELECT sv.audit_append(:dept, 'staff', :client_id::text, 'add', ${change}::jsonb);
SQL
cat > "$work/plain.sql" <<SQL
\set dept random(1, 12)
INSERT INTO bench.audit_plain (seq, recorded_at, actor_session, actor_role, department_id, object_kind, object_id, action, change, prev_hash, hash)
VALUES (nextval('bench.audit_plain_seq'), clock_timestamp(), session_user, current_user, :dept, 'staff', :client_id::text, 'add', ${change}::json,
        '\\x$(printf '%064d' 1)'::bytea, '\\x$(printf '%064d' 2)'::bytea);
SQL

run() {  # kind clients -> tps
  local out
  out=$("$pgbench" -n -c "$2" -j 2 -T "$secs" -f "$work/$1.sql" 2>&1) || { echo "$out" >&2; return 1; }
  grep -q 'number of failed transactions: 0' <<<"$out" || { echo "$out" >&2; return 1; }
  sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out"
}

printf '%-8s %12s %12s %8s %s\n' clients plain_tps audited_tps ratio goal
i=0
for c in 1 8 16; do
  psql -X -q -c 'CHECKPOINT' >/dev/null
  if [ $((i % 2)) -eq 0 ]; then
    p=$(run plain $c); a=$(run audited $c)
  else
    a=$(run audited $c); p=$(run plain $c)
  fi
  i=$((i + 1))
  ratio=$(awk -v a="$a" -v p="$p" 'BEGIN { printf "%.2f", a / p }')
  goal=""
  if [ "$c" -ge 8 ]; then
    goal=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.7) ? "PASS (>= 0.7)" : "MISS (>= 0.7)" }')
  fi
  printf '%-8s %12.0f %12.0f %8s %s\n' "$c" "$p" "$a" "$ratio" "$goal"
done

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
ALTER SYSTEM RESET fsync;
ALTER SYSTEM RESET synchronous_commit;
SELECT pg_reload_conf();
\pset tuples_only on
SELECT format('lanes used: %s; records: %s; sv.audit_verify: %s', count(DISTINCT lane), count(*),
              coalesce((SELECT string_agg(problem, ', ') FROM sv.audit_verify()), 'no problem'))
FROM sv.audit_log;
SQL
