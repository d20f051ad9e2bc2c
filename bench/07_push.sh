#!/usr/bin/env bash
# 07_push: the outbox push worker against the local fixture (scripts/http_fixture.py).
#
#   load      the endpoint's own maximum: 10,000 POSTs by a plain load generator (curl
#             --parallel, 64 at once, keep-alive) straight to the fixture
#   push      10,000 messages queued in one transaction; from its commit until every message
#             is delivered and recorded (64 in flight)
#   latency   1,000 messages, one per transaction, about 200 a second: commit -> received by
#             the fixture, and commit -> recorded as delivered (median, p99)
# Goal (issue 7): push rate >= 50 % of the load generator's.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
n=${PUSH_MESSAGES:-10000}
work=$(mktemp -d /tmp/sv_push_bench.XXXXXX)
fixture_pid=
cleanup() {
  [ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null && wait "$fixture_pid" 2>/dev/null
  psql -X -q -c "ALTER SYSTEM RESET sv.push_enabled" -c "ALTER SYSTEM RESET sv.push_database" \
       -c "ALTER SYSTEM RESET sv.push_allowed_hosts" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 "$here/scripts/http_fixture.py" --port 0 --log "$work/fixture.jsonl" --port-file "$work/port" >/dev/null 2>&1 &
fixture_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

psql -X -q -v ON_ERROR_STOP=1 <<SQL
ALTER SYSTEM SET sv.push_enabled = on;
ALTER SYSTEM SET sv.push_database = '$PGDATABASE';
ALTER SYSTEM SET sv.push_allowed_hosts = '127.0.0.1';
ALTER SYSTEM SET sv.push_max_in_flight = 64;
SELECT pg_reload_conf();
SQL
# the launcher starts the worker within its next round
for _ in $(seq 150); do
  [ "$(psql -X -At -c 'SELECT pid IS NOT NULL FROM sv.push_worker_status()')" = t ] && break
  sleep 0.2
done

# 1. the endpoint's own maximum, measured by a plain load generator
body='{"kind":"bench","payload":{"n":1,"text":"平顶山市市场监督管理局 双随机抽查结果推送"}}'
printf '%s' "$body" > "$work/body.json"
{
  echo 'silent'; echo 'no-progress-meter'; echo 'parallel'; echo 'parallel-max = 64'; echo "data-binary = \"@$work/body.json\""
  echo 'header = "Content-Type: application/json"'
  for i in $(seq "$n"); do echo "url = \"http://127.0.0.1:$port/accept/load\""; echo 'output = "/dev/null"'; done
} > "$work/curl.cfg"
t0=$(date +%s%N)
curl -K "$work/curl.cfg"
t1=$(date +%s%N)
load_ms=$(( (t1 - t0) / 1000000 ))
load_ok=$(grep -c '"path":"/accept/load"' "$work/fixture.jsonl" || true)

# 2. the push worker: queue n messages in one transaction, time from commit to all recorded
psql -X -q -v ON_ERROR_STOP=1 -v port="$port" -v n="$n" <<'SQL' > "$work/push.out"
SELECT sv.endpoint_save('bench-push', 'http://127.0.0.1:' || :'port' || '/accept/push', max_concurrent => 64, max_attempts => 20)
  IS NOT NULL AS endpoint;
SELECT sv.endpoint_save('bench-latency', 'http://127.0.0.1:' || :'port' || '/accept/latency', max_concurrent => 64)
  IS NOT NULL AS endpoint;
CREATE TEMP TABLE t (what text, at timestamptz);
BEGIN;
INSERT INTO t VALUES ('queue start', clock_timestamp());
SELECT count(sv.outbox_send('bench-push', 'bench.push',
                            jsonb_build_object('n', i, 'text', '平顶山市市场监督管理局 双随机抽查结果推送'))) AS queued
FROM generate_series(1, :n) i;
INSERT INTO t VALUES ('commit', clock_timestamp());
COMMIT;
SET bench.n = :'n';
DO $$
BEGIN
  -- a cheap test along the queue's partial indexes, not a count over the table: the waiting
  -- session must not take the CPU the worker and the endpoint share
  WHILE EXISTS (SELECT 1 FROM sv.outbox WHERE status = 'pending' AND endpoint = 'bench-push')
     OR EXISTS (SELECT 1 FROM sv.outbox WHERE status = 'in_flight' AND endpoint = 'bench-push') LOOP
    IF clock_timestamp() - now() > interval '10 minutes' THEN
      RAISE EXCEPTION 'the push worker did not deliver every message within 10 minutes';
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
  IF (SELECT count(*) FROM sv.outbox WHERE endpoint = 'bench-push' AND status = 'delivered') <> current_setting('bench.n')::int THEN
    RAISE EXCEPTION 'not every message was delivered';
  END IF;
END
$$;
-- when the last delivery was recorded (the poll above only notices it)
INSERT INTO t SELECT 'done', max(delivered_at) FROM sv.outbox WHERE endpoint = 'bench-push';
\pset format unaligned
\pset tuples_only on
SELECT 'push_ms=' || round(1000 * extract(epoch FROM (SELECT at FROM t WHERE what = 'done') - (SELECT at FROM t WHERE what = 'commit')), 1);
SELECT 'queue_ms=' || round(1000 * extract(epoch FROM (SELECT at FROM t WHERE what = 'commit') - (SELECT at FROM t WHERE what = 'queue start')), 1);
SELECT 'attempts=' || count(*) FROM sv.outbox_attempt a JOIN sv.outbox o ON o.id = a.outbox_id WHERE o.endpoint = 'bench-push';
SQL
# 3. latency: one message per transaction, about 200 a second
psql -X -q -v ON_ERROR_STOP=1 <<'SQL' > "$work/latency.out"
CREATE PROCEDURE pg_temp.send_spaced(k int) LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. k LOOP
    PERFORM sv.outbox_send('bench-latency', 'bench.latency',
                           jsonb_build_object('i', i, 'sent_at', extract(epoch FROM clock_timestamp())));
    COMMIT;
    PERFORM pg_sleep(0.005);
  END LOOP;
END
$$;
CALL pg_temp.send_spaced(1000);
DO $$
BEGIN
  WHILE EXISTS (SELECT 1 FROM sv.outbox WHERE status = 'pending' AND endpoint = 'bench-latency')
     OR EXISTS (SELECT 1 FROM sv.outbox WHERE status = 'in_flight' AND endpoint = 'bench-latency') LOOP
    IF clock_timestamp() - now() > interval '10 minutes' THEN
      RAISE EXCEPTION 'the push worker did not deliver every message within 10 minutes';
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
END
$$;
\pset format unaligned
\pset tuples_only on
SELECT 'recorded_ms=' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY l)::numeric, 1) || ',' ||
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY l)::numeric, 1)
FROM (SELECT 1000 * (extract(epoch FROM delivered_at) - (payload ->> 'sent_at')::float8) AS l
      FROM sv.outbox WHERE endpoint = 'bench-latency') x;
SQL

received=$(python3 - "$work/fixture.jsonl" <<'PY'
import json, sys, statistics
lat = []
for line in open(sys.argv[1], encoding='utf-8'):
    r = json.loads(line)
    if r['path'] == '/accept/latency' and r['outcome'] == 200:
        lat.append(1000 * (r['ts'] - json.loads(r['body'])['sent_at']))
lat.sort()
print('%.1f,%.1f' % (statistics.median(lat), lat[min(len(lat) - 1, int(0.99 * len(lat)))]))
PY
)

push_ms=$(sed -n 's/^push_ms=//p' "$work/push.out")
queue_ms=$(sed -n 's/^queue_ms=//p' "$work/push.out")
attempts=$(sed -n 's/^attempts=//p' "$work/push.out")
recorded=$(sed -n 's/^recorded_ms=//p' "$work/latency.out")
python3 - "$n" "$load_ms" "$load_ok" "$push_ms" "$queue_ms" "$attempts" "$received" "$recorded" <<'PY'
import sys
n, load_ms, load_ok, push_ms, queue_ms, attempts, received, recorded = sys.argv[1:]
n = int(n); load_ms = float(load_ms); push_ms = float(push_ms)
load_rate, push_rate = n / load_ms * 1000, n / push_ms * 1000
r_med, r_p99 = received.split(','); d_med, d_p99 = recorded.split(',')
ratio = push_rate / load_rate
print('======== 07_push: %d messages to the local fixture ========' % n)
print('  load generator (curl --parallel 64)  %8.0f ms  %7.0f msg/s  (%s received)' % (load_ms, load_rate, load_ok))
print('  push worker, commit -> all recorded  %8.0f ms  %7.0f msg/s  (%s attempts; queueing took %s ms)' % (push_ms, push_rate, attempts, queue_ms))
print('  push / load generator                %.2f   goal >= 0.50   %s' % (ratio, 'PASS' if ratio >= 0.5 else 'MISS'))
print('  latency commit -> received   median %s ms, p99 %s ms (1,000 messages, one per transaction)' % (r_med, r_p99))
print('  latency commit -> recorded   median %s ms, p99 %s ms' % (d_med, d_p99))
print('========')
PY
