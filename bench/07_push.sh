#!/usr/bin/env bash
# 07_push: the outbox push worker against a local nginx (scripts/nginx_endpoint.sh: Debian
# nginx-light on a free port, `return 200` for POST, an access log with the Idempotency-Key),
# beside a raw libcurl-multi client (bench/raw_post.c) posting the same bodies and headers with
# the same concurrency (PUSH_CONCURRENCY, 64: sv.push_max_in_flight and the endpoint's
# max_concurrent).
#
#   raw       N POSTs by bench/raw_post.c, straight to nginx: what the HTTP client alone costs
#   one tx    N messages queued with sv.outbox_send in one transaction; from its commit until
#             every message is delivered and recorded
#   many tx   N messages queued in transactions of 100 by another session while the worker
#             delivers; from the first commit until every message is delivered and recorded
#   latency   1,000 messages, one per transaction, about 200 a second: commit -> received by
#             nginx (its access log) and commit -> recorded as delivered (median, p99)
# for N in PUSH_SIZES (10000 100000).  For each push run: the worker's CPU per message (utime +
# stime of its process, /proc/<pid>/stat), and the check that every message was delivered once
# as recorded (one attempt, status delivered) and that nginx saw every key exactly once.
# Goal (issue 20): push >= 0.5 x the raw client.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sizes=${PUSH_SIZES:-10000 100000}
conc=${PUSH_CONCURRENCY:-64}
work=$(mktemp -d /tmp/sv_push_bench.XXXXXX)
chmod 0755 "$work"
cleanup() {
  bash "$here/scripts/nginx_endpoint.sh" stop "$work/nginx" || true
  psql -X -q -c "ALTER SYSTEM RESET sv.push_enabled" -c "ALTER SYSTEM RESET sv.push_database" \
       -c "ALTER SYSTEM RESET sv.push_allowed_hosts" -c "ALTER SYSTEM RESET sv.push_max_in_flight" \
       -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cc -O2 -Wall -Wextra -Werror -o "$work/raw_post" "$here/bench/raw_post.c" -lcurl
mkdir -p "$work/nginx"
port=$(bash "$here/scripts/nginx_endpoint.sh" start "$work/nginx" 1)
log=$work/nginx/access.log
url=http://127.0.0.1:$port

psql -X -q -v ON_ERROR_STOP=1 <<SQL
ALTER SYSTEM SET sv.push_enabled = on;
ALTER SYSTEM SET sv.push_database = '$PGDATABASE';
ALTER SYSTEM SET sv.push_allowed_hosts = '127.0.0.1';
ALTER SYSTEM SET sv.push_max_in_flight = $conc;
SELECT pg_reload_conf();
SQL
# a new session sees the reloaded allow-list once the postmaster has read it
for _ in $(seq 100); do
  [ "$(psql -X -At -c 'SHOW sv.push_allowed_hosts')" = 127.0.0.1 ] && break
  sleep 0.1
done
psql -X -q -v ON_ERROR_STOP=1 <<SQL
SELECT sv.endpoint_save('bench-push', '$url/push', max_concurrent => $conc, max_attempts => 20) IS NOT NULL AS endpoint;
SELECT sv.endpoint_save('bench-latency', '$url/latency', max_concurrent => $conc) IS NOT NULL AS endpoint;
SQL
wpid=
for _ in $(seq 150); do
  wpid=$(psql -X -At -c 'SELECT pid FROM sv.push_worker_status()')
  [ -n "$wpid" ] && break
  sleep 0.2
done
[ -n "$wpid" ] || { echo "the push worker did not start" >&2; exit 1; }
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# SQL that waits until no message of endpoint $1 is pending or in flight (along the partial
# indexes, every 50 ms: the waiting session must not take the CPU the worker and nginx share),
# committing between looks: a transaction kept open (a DO block is one) would hold back the
# horizon below which the worker's claims may mark the dead index entries of the messages it
# claimed, and every claim would read them all again (at 100,000 messages: 201 instead of 105 µs
# of the worker's CPU per message)
wait_sql() {
  cat <<SQL
CREATE PROCEDURE pg_temp.wait_done() LANGUAGE plpgsql AS \$\$
DECLARE
  t0 timestamptz := clock_timestamp();
BEGIN
  WHILE EXISTS (SELECT 1 FROM sv.outbox WHERE status = 'pending' AND endpoint = '$1')
     OR EXISTS (SELECT 1 FROM sv.outbox WHERE status = 'in_flight' AND endpoint = '$1') LOOP
    IF clock_timestamp() - t0 > interval '15 minutes' THEN
      RAISE EXCEPTION 'the push worker did not deliver every message within 15 minutes';
    END IF;
    COMMIT;
    PERFORM pg_sleep(0.05);
  END LOOP;
END
\$\$;
CALL pg_temp.wait_done();
SQL
}
wait_sql=$(wait_sql bench-push)

# one push run: $1 size, $2 "one" or "many"; prints run=... fields
push_run() {
  local n=$1 mode=$2 kind="bench.$2.$1" c0 c1
  psql -X -q -c "VACUUM ANALYZE sv.outbox, sv.outbox_attempt" -c "CHECKPOINT"
  c0=$(cpu_ticks "$wpid")
  if [ "$mode" = one ]; then
    psql -X -q -v ON_ERROR_STOP=1 -v n="$n" -v kind="$kind" <<SQL > "$work/run.out"
CREATE TEMP TABLE t (what text, at timestamptz);
BEGIN;
INSERT INTO t VALUES ('queue start', clock_timestamp());
SELECT count(sv.outbox_send('bench-push', :'kind',
                            jsonb_build_object('n', i, 'text', '平顶山市市场监督管理局 双随机抽查结果推送'))) AS queued
FROM generate_series(1, :n) i \gset
INSERT INTO t VALUES ('first commit', clock_timestamp()), ('queued', clock_timestamp());
COMMIT;
$wait_sql
\pset format unaligned
\pset tuples_only on
SELECT 'queue_ms=' || round(1000 * extract(epoch FROM (SELECT at FROM t WHERE what = 'queued') - (SELECT at FROM t WHERE what = 'queue start')), 1);
SELECT 'first_commit=' || extract(epoch FROM (SELECT at FROM t WHERE what = 'first commit'));
SQL
  else
    psql -X -q -v ON_ERROR_STOP=1 -v n="$n" -v kind="$kind" <<SQL > "$work/run.out"
CREATE TEMP TABLE t (what text, at timestamptz);
CREATE PROCEDURE pg_temp.queue(n int, kind text) LANGUAGE plpgsql AS \$\$
BEGIN
  INSERT INTO t VALUES ('queue start', clock_timestamp());
  FOR b IN 0 .. (n - 1) / 100 LOOP
    PERFORM sv.outbox_send('bench-push', kind, jsonb_build_object('n', i, 'text', '平顶山市市场监督管理局 双随机抽查结果推送'))
    FROM generate_series(b * 100 + 1, least(n, b * 100 + 100)) i;
    COMMIT;
    IF b = 0 THEN
      INSERT INTO t VALUES ('first commit', clock_timestamp());
    END IF;
  END LOOP;
  INSERT INTO t VALUES ('queued', clock_timestamp());
  COMMIT;
END
\$\$;
CALL pg_temp.queue(:n, :'kind');
$wait_sql
\pset format unaligned
\pset tuples_only on
SELECT 'queue_ms=' || round(1000 * extract(epoch FROM (SELECT at FROM t WHERE what = 'queued') - (SELECT at FROM t WHERE what = 'queue start')), 1);
SELECT 'first_commit=' || extract(epoch FROM (SELECT at FROM t WHERE what = 'first commit'));
SQL
  fi
  c1=$(cpu_ticks "$wpid")
  # exactly once as recorded, and every key seen by nginx exactly once
  psql -X -At -v ON_ERROR_STOP=1 -v kind="$kind" > "$work/check.out" <<'SQL'
SELECT 'done=' || extract(epoch FROM max(delivered_at)) FROM sv.outbox WHERE kind = :'kind';
SELECT 'messages=' || count(*) || ' delivered=' || count(*) FILTER (WHERE status = 'delivered')
       || ' one_attempt=' || count(*) FILTER (WHERE attempts = 1)
FROM sv.outbox WHERE kind = :'kind';
SELECT 'attempt_rows=' || count(*) FROM sv.outbox_attempt a JOIN sv.outbox o ON o.id = a.outbox_id WHERE o.kind = :'kind';
SQL
  psql -X -At -c "COPY (SELECT message_id FROM sv.outbox WHERE kind = '$kind') TO STDOUT" | sort > "$work/keys.db"
  awk '$5 == "/push" && $3 == 200 {print $2}' "$log" | sort > "$work/keys.log.all"
  : > "$log"   # nginx appends at the new end (O_APPEND)
  python3 - "$n" "$mode" "$work" "$c1" "$c0" "$tck" <<'PY'
import sys
n, mode, work, c1, c0, tck = sys.argv[1:]
n = int(n)
f = dict(kv.split('=', 1) for line in open(work + '/run.out') for kv in line.split() if '=' in kv)
f.update(kv.split('=', 1) for line in open(work + '/check.out') for kv in line.split() if '=' in kv)
db = open(work + '/keys.db').read().split()
seen = open(work + '/keys.log.all').read().split()
once = len(seen) == len(set(seen)) == n and set(seen) == set(db)
ms = 1000 * (float(f['done']) - float(f['first_commit']))
cpu_us = (int(c1) - int(c0)) * 1e6 / int(tck) / n
exact = (int(f['messages']) == n == int(f['delivered']) == int(f['one_attempt']) == int(f['attempt_rows']))
print('%s %d %.1f %.0f %.1f %s %s %s' % (mode, n, ms, n / ms * 1000, cpu_us, f['queue_ms'],
      'yes' if exact else 'NO', 'yes' if once else 'NO(%d lines, %d keys)' % (len(seen), len(set(seen)))))
PY
}

: > "$work/results"
for n in $sizes; do
  "$work/raw_post" "$url/raw" "$n" "$conc" "$(printf '%08x' "$n")-0000-4000-8000-" > "$work/raw.out"
  raw_seen=$(awk '$5 == "/raw" && $3 == 200 {print $2}' "$log" | sort -u | wc -l)
  : > "$log"
  echo "raw $n $(sed -n 's/.*ms=\([0-9.]*\) rps=\([0-9]*\) cpu_us_per_request=\([0-9.]*\).*/\1 \2 \3/p' "$work/raw.out") $raw_seen" >> "$work/results"
  push_run "$n" one >> "$work/results"
  push_run "$n" many >> "$work/results"
done

# latency: one message per transaction, about 200 a second; each commit's time taken right
# after it
wait_latency=$(wait_sql bench-latency)
psql -X -q -v ON_ERROR_STOP=1 -v sent="$work/sent.txt" <<SQL > "$work/latency.out"
CREATE TEMP TABLE sent (message_id uuid, committed_at timestamptz);
CREATE PROCEDURE pg_temp.send_spaced(k int) LANGUAGE plpgsql AS \$\$
DECLARE
  v uuid;
BEGIN
  FOR i IN 1 .. k LOOP
    v := sv.outbox_send('bench-latency', 'bench.latency', jsonb_build_object('i', i));
    COMMIT;
    INSERT INTO sent VALUES (v, clock_timestamp());
    PERFORM pg_sleep(0.005);
  END LOOP;
  COMMIT;
END
\$\$;
CALL pg_temp.send_spaced(1000);
$wait_latency
\pset format unaligned
\pset tuples_only on
SELECT 'recorded_ms=' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY l)::numeric, 1) || ',' ||
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY l)::numeric, 1)
FROM (SELECT 1000 * extract(epoch FROM o.delivered_at - s.committed_at) AS l
      FROM sent s JOIN sv.outbox o USING (message_id)) x;
\pset fieldsep ' '
\o :sent
SELECT message_id, extract(epoch FROM committed_at) FROM sent;
\o
SQL

python3 - "$work" "$log" "$conc" <<'PY'
import sys, statistics
work, log, conc = sys.argv[1:]
sent = dict(line.split() for line in open(work + '/sent.txt'))
lat = sorted(1000 * (float(ts) - float(sent[key])) for ts, key, status, method, uri, *_ in
             (line.split() for line in open(log)) if uri == '/latency' and key in sent)
recorded = open(work + '/latency.out').read().split('recorded_ms=')[1].split()[0].split(',')
rows = [line.split() for line in open(work + '/results')]
raw = {int(r[1]): r for r in rows if r[0] == 'raw'}
print('======== 07_push: the push worker and a raw libcurl-multi client against nginx, %s in flight ========' % conc)
print('  %-36s %9s %8s %7s %11s %9s %10s %10s' % ('run', 'ms', 'msg/s', 'ratio', 'CPU us/msg', 'queue ms', 'once (db)', 'keys seen'))
for r in rows:
    if r[0] == 'raw':
        print('  %-36s %9.0f %8d %7s %11.1f %9s %10s %10s' % ('raw client, %s requests' % format(int(r[1]), ','),
              float(r[2]), int(r[3]), '', float(r[4]), '', '', 'yes' if int(r[5]) == int(r[1]) else 'NO'))
    else:
        mode, n, ms, rps, cpu, qms, exact, once = r
        ratio = int(rps) / int(raw[int(n)][3])
        what = 'push, %s queued in one tx' % format(int(n), ',') if mode == 'one' else \
               'push, %s in tx of 100 (live)' % format(int(n), ',')
        print('  %-36s %9.0f %8d %7s %11.1f %9.0f %10s %10s' % (what, float(ms), int(rps),
              '%.2f %s' % (ratio, 'PASS' if ratio >= 0.5 else 'MISS'), float(cpu), float(qms), exact, once))
print('  (ratio: push / raw client, goal >= 0.50; CPU: the worker process, or the raw client process)')
print('  latency commit -> received by nginx  median %.1f ms, p99 %.1f ms (%d of 1,000 single messages)' %
      (statistics.median(lat), lat[min(len(lat) - 1, int(0.99 * len(lat)))], len(lat)))
print('  latency commit -> recorded           median %s ms, p99 %s ms' % tuple(recorded))
print('========')
PY
