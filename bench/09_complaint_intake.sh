#!/usr/bin/env bash
# 09_complaint_intake: 12345 work orders received through sv.complaint_receive(payload) against
# a plain INSERT of the same rows, from concurrent clients, with fsync = on (issue 18).
#
# Setup (untimed): 1,000 subjects of the data centre (retail F52 and catering H62 in six
# counties), the duty rules F52/H62 -> 410400-MSA, the hotline office's endpoint (department 10)
# so that every status is queued in the outbox, and 1,000 payload templates (bench.cp_payload):
# realistic work orders (complaint, report, inquiry; a named caller with phone and identity
# number or anonymous; subject by USCC and name, place with address and region; about 100-200
# characters of text), no department given, so that each intake validates, masks, inserts the
# item and the person, computes the acceptance deadline on the working-day calendar, appends the
# audit record, routes by duty and territory, records the 'assign' step (a second audit record)
# and queues its status for 12345 (outbox).  Every transaction takes a fresh work-order number
# (a sequence): no intake is an idempotent repeat.
# The texts (INTAKE_TEXTS): 'varied' (default), bench.cs_text (bench/lib/complaint_text.sql: a place,
# a shop, one of 60 problems, a time, an amount, a demand, three sentence orders), with
# INTAKE_STORED (default 20,000) items of the same generator already stored in the 30 days before
# (their sketches computed, untimed): a month of a city's calls, against which every arrival is
# compared; random templates repeat, so some arrivals are true duplicates (the same text) and
# are proposed.  'templates': three fixed texts that differ by a number only, no stored items:
# every arrival is a near-copy of a third of the items stored before it, the worst case of the
# duplicate search (its cost grows with the run), measured separately.
# Timed: pgbench at 1 and 8 clients (-j 2), INTAKE_SECONDS (default 15) each, autocommit:
#   receive   SELECT sv.complaint_receive(template || work_order_no) as the 12345 login
#   plain     INSERT of the same row (the columns sv.complaint_receive writes to sv.complaint,
#             masked person included) into bench.complaint_plain (LIKE sv.complaint INCLUDING
#             ALL: same primary key, unique key, checks and indexes; no RLS, no foreign keys)
# fsync and synchronous_commit are on for the runs (reload), reset at the end.  Printed per
# client count: tps of each, receive / plain, and the server's CPU per item (utime + stime of the
# postmaster and every child, exited ones through the postmaster's cutime/cstime, /proc).
# INTAKE_MODE: 'arrival' (default: the duplicate proposals in the intake's transaction) or 'sweep'
# (the policy's proposal_mode set to sweep after the warm-up: the timed intakes only queue their
# item; after the runs one sweep of the first INTAKE_SWEEP_ITEMS (default 2,000) queued items,
# sv.complaint_duplicate_sweep, is timed and its server CPU per item printed; the policy is set
# back).
# Goal: receive >= 0.3 x plain at 8 clients.  Run alone: BENCH=09_complaint make bench.
set -euo pipefail
secs=${INTAKE_SECONDS:-15}
texts=${INTAKE_TEXTS:-varied}
stored=${INTAKE_STORED:-20000}
mode=${INTAKE_MODE:-arrival}
[ "$texts" = templates ] && stored=0
case "$mode" in arrival|sweep) ;; *) echo "INTAKE_MODE must be arrival or sweep" >&2; exit 1;; esac
case "$texts" in varied|templates) ;; *) echo "INTAKE_TEXTS must be varied or templates" >&2; exit 1;; esac
pgbench=${PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
work=$(mktemp -d /tmp/sv_intake_bench.XXXXXX)
chmod 0755 "$work"
cleanup() {
  psql -X -q -c "ALTER SYSTEM RESET fsync" -c "ALTER SYSTEM RESET synchronous_commit" \
       -c "ALTER SYSTEM RESET sv.push_allowed_hosts" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# the hotline office's endpoint (never reached: the push worker is off in this instance)
psql -X -q -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET sv.push_allowed_hosts = '127.0.0.1'" -c "SELECT pg_reload_conf()" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -v texts="$texts" -v stored="$stored" -v mode="$mode" -f "$(dirname "$0")/lib/complaint_text.sql" -f - <<'SQL'
SET client_min_messages = warning;
SET timezone = 'Asia/Shanghai';
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_cp_feed') THEN
    CREATE ROLE bench_cp_feed LOGIN IN ROLE sv_integration;
  END IF;
END $$;
GRANT USAGE ON SCHEMA bench TO bench_cp_feed;
DROP TABLE IF EXISTS bench.cp_payload, bench.complaint_plain;
DROP SEQUENCE IF EXISTS bench.cp_seq;
CREATE SEQUENCE bench.cp_seq;
GRANT USAGE ON SEQUENCE bench.cp_seq TO bench_cp_feed;

-- the subjects: USCCs with their check character, two industries, six counties
INSERT INTO sv.subject (uscc, name, kind, industry, region_code, status, source_system, source_record_id, received_at, updated_at)
SELECT (b || sv.uscc_check_character(b))::sv.uscc, CASE WHEN i % 2 = 0 THEN '平顶山市某某超市' ELSE '平顶山市某某餐馆' END || i,
       'enterprise', CASE WHEN i % 2 = 0 THEN 'F5211' ELSE 'H6210' END, r.code, 'operating', 'BENCH-INTAKE', 'BI-' || i, now(), now()
FROM generate_series(1, 1000) i
CROSS JOIN LATERAL (SELECT '91' || '410402' || 'MB' || lpad(to_hex(i), 7, '0') AS b) x
CROSS JOIN LATERAL (SELECT (ARRAY['410402', '410403', '410404', '410411', '410421', '410422'])[1 + i % 6] AS code) r
ON CONFLICT DO NOTHING;
SELECT sv.complaint_duty_rule_set('F52', 4, '零售业') AS r1, sv.complaint_duty_rule_set('H62', 4, '餐饮业') AS r2 \gset
SELECT sv.endpoint_save('BENCH-12345', 'http://127.0.0.1:9/12345', department_id => 10) AS endpoint \gset
SELECT sv.department_endpoint_set(10, 'BENCH-12345') \gset

-- the payload templates and, for the plain INSERT, the row sv.complaint_receive writes
CREATE TABLE bench.cp_payload AS
SELECT i, jsonb_strip_nulls(jsonb_build_object(
         'kind', k.kind, 'received_at', '2026-11-16T09:' || lpad((i % 60)::text, 2, '0') || ':00+08:00',
         'text', t.body,
         'subject', jsonb_build_object('uscc', s.uscc::text, 'name', s.name, 'address', '新华区建设路' || i || '号'),
         'place', jsonb_build_object('address', '新华区建设路' || i || '号', 'region', s.region_code),
         'anonymous', CASE WHEN i % 5 = 0 THEN true END,
         'person', CASE WHEN i % 5 <> 0 THEN jsonb_build_object('name', '王小明', 'phone', '138' || lpad((i * 7919 % 100000000)::text, 8, '0'),
                                                                  'id_number', '11010519491231002X') END)) AS payload,
       k.kind, t.body, s.uscc, s.name AS subject_name, '新华区建设路' || i || '号' AS address, s.region_code,
       i % 5 = 0 AS anonymous,
       CASE WHEN i % 5 <> 0 THEN sv.mask_person_name('王小明') END AS name_masked,
       CASE WHEN i % 5 <> 0 THEN sv.mask_phone('138' || lpad((i * 7919 % 100000000)::text, 8, '0')) END AS phone_masked,
       CASE WHEN i % 5 <> 0 THEN sv.mask_id_number('11010519491231002X') END AS id_masked,
       ('2026-11-16T09:' || lpad((i % 60)::text, 2, '0') || ':00+08:00')::timestamptz AS received_at,
       CASE WHEN k.kind = 'complaint' THEN sv.add_workdays(date '2026-11-16', 7) END AS accept_due,
       CASE WHEN k.kind = 'complaint' THEN 7 END AS accept_workdays
FROM (SELECT s.*, row_number() OVER (ORDER BY s.uscc) AS n FROM sv.subject s WHERE s.source_system = 'BENCH-INTAKE') s
JOIN generate_series(1, 1000) i ON i = s.n
CROSS JOIN LATERAL (SELECT (ARRAY['complaint', 'complaint', 'report', 'inquiry'])[1 + i % 4] AS kind) k
CROSS JOIN LATERAL (SELECT CASE WHEN :'texts' = 'varied' THEN bench.cs_text(30000000 + i) ELSE CASE k.kind
    WHEN 'complaint' THEN '本人于' || (i % 28 + 1) || '日在该店购买的商品存在质量问题,要求退换遭到拒绝,商家态度恶劣,'
                          || '多次协商无果,请市场监管部门依法调解,维护消费者合法权益。联系时请说明来意。'
    WHEN 'report' THEN '反映该经营者销售过期食品、未明码标价,店内卫生条件差,从业人员未佩戴健康证明,'
                       || '疑似无证经营,请相关部门尽快核查处理并反馈结果。编号' || i || '。'
    ELSE '咨询食品经营许可证的办理条件、所需材料和办理时限,以及能否网上办理,请相关部门答复。编号' || i || '。' END END AS body) t;
CREATE UNIQUE INDEX ON bench.cp_payload (i);
GRANT SELECT ON bench.cp_payload TO bench_cp_feed;
CREATE TABLE bench.complaint_plain (LIKE sv.complaint INCLUDING ALL);
GRANT INSERT ON bench.complaint_plain TO bench_cp_feed;
VACUUM ANALYZE sv.subject, bench.cp_payload;

-- the month before (INTAKE_STORED items, varied texts; untimed, triggers off, sketches written as
-- the intake's trigger writes them)
SET session_replication_role = replica;
INSERT INTO sv.complaint (work_order_no, kind, channel, body, subject_uscc, place_address, place_region_code, anonymous,
                          received_at, department_id, state, recorded_by, recorded_at, accept_due)
SELECT '12345-S-' || i, CASE WHEN i % 3 = 0 THEN 'report' ELSE 'complaint' END, 'hotline', bench.cs_text(i),
       CASE WHEN i % 4 = 0 THEN (SELECT p.uscc FROM bench.cp_payload p WHERE p.i = 1 + i % 1000) END,
       '新华区建设路' || (1 + i % 1000) || '号', (ARRAY['410402', '410403', '410404', '410411', '410421', '410422'])[1 + i % 6],
       true, timestamptz '2026-10-17 08:00+08' + (i % 30) * interval '1 day' + (i % 600) * interval '1 minute',
       4, 'received', 'bench', now(), CASE WHEN i % 3 = 0 THEN NULL ELSE date '2026-12-31' END
FROM generate_series(1, :stored) i;
SET session_replication_role = origin;
INSERT INTO sv.complaint_sketch (complaint_id, received_at, bands, trigrams, place_trigrams)
SELECT c.id, c.received_at, sv.complaint_text_bands(c.body, c.received_at), sv.complaint_text_trigrams(c.body),
       sv.complaint_text_trigrams(c.place_address)
FROM sv.complaint c WHERE c.work_order_no LIKE '12345-S-%';
VACUUM ANALYZE sv.complaint, sv.complaint_sketch;

-- one of each first: the routing and the outbox run (an intake not routed would not do the work)
SET ROLE bench_cp_feed;
SELECT sv.complaint_receive(payload || jsonb_build_object('work_order_no', '12345-B-WARM')) AS warm FROM bench.cp_payload WHERE i = 1 \gset
RESET ROLE;
SELECT format('warm-up item: state %s, department %s, steps %s, outbox %s', c.state, c.department_id,
              (SELECT count(*) FROM sv.complaint_step s WHERE s.complaint_id = c.id),
              (SELECT count(*) FROM sv.outbox o WHERE o.endpoint = 'BENCH-12345')) AS check
FROM sv.complaint c WHERE c.id = :warm;
-- INTAKE_MODE=sweep: from now on the intakes only queue their item
SELECT :'mode' = 'sweep' AS sweep_mode \gset
\if :sweep_mode
SELECT sv.complaint_duplicate_policy_set(p.window_days, p.text_threshold, p.context_threshold, p.address_threshold, p.nearest,
                                         'bench: proposal mode sweep', NULL, NULL, 'sweep') AS mode_set
FROM sv.complaint_duplicate_policy p ORDER BY p.id DESC LIMIT 1 \gset
\endif

ALTER SYSTEM SET fsync = on;
ALTER SYSTEM SET synchronous_commit = on;
SELECT pg_reload_conf();
CHECKPOINT;
SQL
echo "texts: $texts, items stored before: $stored, proposal mode: $mode; fsync = $(psql -X -At -c 'SHOW fsync'), synchronous_commit = $(psql -X -At -c 'SHOW synchronous_commit'), ${secs} s per run," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPU"

cat > "$work/receive.sql" <<'SQL'
\set i random(1, 1000)
SELECT sv.complaint_receive(payload || jsonb_build_object('work_order_no', '12345-B-' || nextval('bench.cp_seq'))) FROM bench.cp_payload WHERE i = :i;
SQL
cat > "$work/plain.sql" <<'SQL'
\set i random(1, 1000)
INSERT INTO bench.complaint_plain (work_order_no, kind, channel, body, subject_uscc, subject_name, subject_address, place_address,
                                   place_region_code, anonymous, person_name_masked, person_phone_masked, person_id_masked,
                                   attachments, received_at, department_id, state, recorded_by, recorded_at, accept_due,
                                   accept_due_provisional, accept_workdays, catalog_item_id, received_department_id)
SELECT '12345-P-' || nextval('bench.cp_seq'), kind, 'hotline', body, uscc, subject_name, address, address, region_code, anonymous,
       name_masked, phone_masked, id_masked, '[]', received_at, 4, 'received', current_user, now(), accept_due, false,
       accept_workdays, NULL, NULL
FROM bench.cp_payload WHERE i = :i;
SQL

datadir=$(psql -X -At -c 'SHOW data_directory')
pm=$(head -1 "$datadir/postmaster.pid")
tck=$(getconf CLK_TCK)
# the server's CPU ticks so far: the postmaster (and its reaped children) plus the live children
server_ticks() {
  local t c
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
  for c in $(ps -o pid= --ppid "$pm"); do
    [ -r "/proc/$c/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}

run() {  # kind clients -> "tps transactions cpu_ticks"
  local out c0 c1
  c0=$(server_ticks)
  out=$("$pgbench" -n -U bench_cp_feed -c "$2" -j 2 -T "$secs" -f "$work/$1.sql" 2>&1) || { echo "$out" >&2; return 1; }
  sleep 1   # the backends of pgbench's connections exit and are reaped (their CPU moves to cutime)
  c1=$(server_ticks)
  grep -q 'number of failed transactions: 0' <<<"$out" || { echo "$out" >&2; return 1; }
  echo "$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out") $(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out") $((c1 - c0))"
}
us() { awk -v t="$1" -v n="$2" -v k="$tck" 'BEGIN { printf "%.0f", t * 1e6 / k / n }'; }

printf '%-8s %10s %12s %8s %14s %16s %s\n' clients plain_tps receive_tps ratio plain_cpu_us receive_cpu_us goal
i=0
for c in 1 8; do
  psql -X -q -c 'CHECKPOINT' >/dev/null
  if [ $((i % 2)) -eq 0 ]; then
    read -r p pn pt <<<"$(run plain $c)"; read -r a an at <<<"$(run receive $c)"
  else
    read -r a an at <<<"$(run receive $c)"; read -r p pn pt <<<"$(run plain $c)"
  fi
  i=$((i + 1))
  ratio=$(awk -v a="$a" -v p="$p" 'BEGIN { printf "%.2f", a / p }')
  goal=""
  if [ "$c" -ge 8 ]; then
    goal=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.3) ? "PASS (>= 0.3)" : "MISS (>= 0.3)" }')
  fi
  printf '%-8s %10.0f %12.0f %8s %14s %16s %s\n' "$c" "$p" "$a" "$ratio" "$(us "$pt" "$pn")" "$(us "$at" "$an")" "$goal"
done

if [ "$mode" = sweep ]; then
  # one sweep of the first INTAKE_SWEEP_ITEMS (default 2,000) queued items, as the minute's job
  # takes them (id order): its cost per item depends on how many items share the window, not on
  # how many are swept, and sweeping a run's tens of thousands would take longer than the run
  sweep_items=${INTAKE_SWEEP_ITEMS:-2000}
  queued=$(psql -X -At -c 'SELECT count(*) FROM sv.complaint_duplicate_pending')
  c0=$(server_ticks); t0=$(date +%s.%N)
  swept=$(psql -X -At -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -c "SELECT sv.complaint_duplicate_sweep($sweep_items)" | tail -1)
  t1=$(date +%s.%N); sleep 1; c1=$(server_ticks)
  printf 'sweep: %s items queued, %s swept in %.1f s, %s µs of server CPU per item, %s proposals; still queued: %s\n' "$queued" "${swept:-0}" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(us "$((c1 - c0))" "$(( ${swept:-0} > 0 ? ${swept:-0} : 1 ))")" \
    "$(psql -X -At -c "SELECT count(*) FROM sv.complaint_duplicate d JOIN sv.complaint x ON x.id = d.complaint_id WHERE x.work_order_no LIKE '12345-B-%'")" \
    "$(psql -X -At -c 'SELECT count(*) FROM sv.complaint_duplicate_pending')"
  psql -X -q -v ON_ERROR_STOP=1 -c "SELECT sv.complaint_duplicate_policy_set(p.window_days, p.text_threshold, p.context_threshold,
      p.address_threshold, p.nearest, 'bench: back to arrival', NULL, NULL, 'arrival')
    FROM sv.complaint_duplicate_policy p ORDER BY p.id DESC LIMIT 1" >/dev/null
fi

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
ALTER SYSTEM RESET fsync;
ALTER SYSTEM RESET synchronous_commit;
SELECT pg_reload_conf();
\pset tuples_only on
SELECT format('items received: %s (routed to a department: %s); outbox messages to 12345: %s; duplicate proposals: %s; load average %s',
              count(*), count(*) FILTER (WHERE department_id IS NOT NULL),
              (SELECT count(*) FROM sv.outbox o WHERE o.endpoint = 'BENCH-12345'),
              (SELECT count(*) FROM sv.complaint_duplicate d JOIN sv.complaint x ON x.id = d.complaint_id
               WHERE x.work_order_no LIKE '12345-B-%'),
              pg_read_file('/proc/loadavg'))
FROM sv.complaint WHERE work_order_no LIKE '12345-B-%';
SQL
