-- 02_audit: the hash-chained audit trail, appending (sv.audit_append) and verifying
-- (sv.audit_verify).
--
-- (1) Append throughput.  One run writes :rows (default 20,000) records of an officer mapping
--     change (the jsonb a sv.staff_add record carries: role_name, department_id, region_code,
--     valid_from, valid_to; ~140 bytes of text) from a PL/pgSQL loop in one transaction:
--       append   PERFORM sv.audit_append(department_id, 'staff', id, 'add', change)
--       insert   the baseline: INSERT of the same row (same columns; session and role, the
--                change cast to json, clock_timestamp() as recorded_at, and two precomputed
--                32-byte hashes) into bench.audit_copy (LIKE sv.audit_log INCLUDING ALL: same
--                primary key and index; no RLS, no triggers)
--     Both loops take the change from the same precomputed jsonb[] (built before the clock
--     starts), so neither pays for building it.  sv.audit_log refuses TRUNCATE, so neither table
--     is emptied: both just grow by the same number of rows per run.  For information the same
--     two loops are also timed with a COMMIT after every record (append_commit, insert_commit;
--     the commits are inside the timed loop): the write functions append once per transaction.
--     Goal: append / insert <= 2 (one transaction per run).
-- (2) Verification.  The chain is filled up to :records (default 1,000,000) records with
--     sv.audit_append, in a PL/pgSQL loop that commits every 100 appends (the rate is printed),
--     vacuumed and checkpointed; then sv.audit_verify(1, NULL) (asserted to return no row) is
--     timed against SELECT count(*) FROM sv.audit_log (planned as the planner likes: a parallel
--     index-only scan once the table is vacuumed), and for information against a count(*)
--     forced to a serial sequential scan of the heap.  Warm cache: each is run once untimed.
--     verify runs in parallel as configured (sv.audit_verify_workers, default -1:
--     max_parallel_workers_per_gather); verify_serial is the same with sv.audit_verify_workers = 0,
--     for information (its CPU time is the whole verification's: CPU us per verified record).
--     Goal (issue 16): verify / serial heap count(*) <= 3.  The concurrent run with fsync = on is
--     bench/02_audit_concurrent.sh.
-- Every timed piece runs in :runs rounds (default 5) in an order that rotates from round to
-- round, all in this one session; medians are reported.  Each run is timed with
-- clock_timestamp() inside a procedure, after VACUUM and CHECKPOINT (not timed); the backend's
-- CPU time is recorded too.  A miss is reported, not an error.
--
-- The chain cannot be emptied, so on a second run on the same instance part (2) verifies more
-- than :records records (the header prints the real number) and the two tables of part (1) no
-- longer have the same size (bench.audit_copy is recreated).
--
-- psql variables: rows (20000), runs (5), records (1000000).  Run by `make bench`; by hand (as a
-- superuser, in a database with sv_platform):
--   psql -X -q -v ON_ERROR_STOP=1 -f bench/02_audit.sql
\if :{?rows}
\else
\set rows 20000
\endif
\if :{?runs}
\else
\set runs 5
\endif
\if :{?records}
\else
\set records 1000000
\endif

SET client_min_messages = warning;
SET bench.rows = :'rows';
SET bench.records = :'records';

CREATE SCHEMA IF NOT EXISTS bench;

DROP TABLE IF EXISTS bench.audit_copy, bench.audit_timing;

-- The baseline table: sv.audit_log's columns, primary key and index.
CREATE TABLE bench.audit_copy (LIKE sv.audit_log INCLUDING ALL);
CREATE TABLE bench.audit_timing (
  seq int GENERATED ALWAYS AS IDENTITY, variant text, run int, n bigint, ms float8, cpu_ms float8);

-- Backend CPU time (user + system) in ms, from /proc/<pid>/stat (Linux, 10 ms ticks); NULL
-- elsewhere.  (The same as in 01_uscc_copy.)
CREATE OR REPLACE FUNCTION bench.backend_cpu_ms() RETURNS float8
LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
  f text[];
BEGIN
  f := string_to_array(substring(pg_read_file('/proc/' || pg_backend_pid() || '/stat')
                                 FROM '\) (.*)$'), ' ');
  RETURN (f[12]::bigint + f[13]::bigint) * 1000.0 / 100;   -- utime, stime; USER_HZ = 100
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END
$fn$;

-- n change records numbered from k0 + 1, as sv.staff_add writes them (keys in jsonb order):
--   {"valid_to": "2027-05-03", "role_name": "pds_officer_410411_000123",
--    "valid_from": "2026-05-04", "region_code": "410411", "department_id": 4}   (k = 123: 141 bytes)
-- One of the ten county-level region codes of Pingdingshan; every seventh mapping open-ended.
CREATE OR REPLACE FUNCTION bench.audit_changes(k0 bigint, n int) RETURNS jsonb[]
LANGUAGE sql VOLATILE
AS $fn$
  SELECT array_agg(jsonb_build_object(
           'role_name', 'pds_officer_' || region || '_' || lpad(k::text, 6, '0'),
           'department_id', 1 + k % 12,
           'region_code', region,
           'valid_from', date '2026-01-01' + (k % 365)::int,
           'valid_to', CASE WHEN k % 7 = 0 THEN NULL ELSE date '2026-12-31' + (k % 365)::int END)
         ORDER BY k)
  FROM (SELECT k, (ARRAY['410402','410403','410404','410411','410421',
                         '410422','410423','410425','410481','410482'])[1 + (k % 10)::int] AS region
        FROM generate_series(k0 + 1, k0 + n) AS k) g
$fn$;

-- One timed run of part (1): n records with variant append / insert (one transaction) or
-- append_commit / insert_commit (a COMMIT after every record).  Records the time unless
-- run = 0 (warm-up).
CREATE OR REPLACE PROCEDURE bench.audit_write_once(variant text, run int, n int)
LANGUAGE plpgsql
AS $fn$
DECLARE
  changes jsonb[];
  v_session text := session_user;
  v_role text := current_user;
  h_prev bytea := sha256('bench prev_hash');
  h_hash bytea := sha256('bench hash');
  base bigint;
  k bigint;
  t0 timestamptz;
  ms float8;
  cpu0 float8;
  cpu_ms float8;
BEGIN
  IF variant LIKE 'append%' THEN
    SELECT h.seq INTO base FROM sv.audit_head() h;
  ELSE
    SELECT coalesce(max(c.seq), 0) INTO base FROM bench.audit_copy c;
  END IF;
  changes := bench.audit_changes(base, n);
  COMMIT;

  cpu0 := bench.backend_cpu_ms();
  t0 := clock_timestamp();
  IF variant = 'append' THEN
    FOR i IN 1..n LOOP
      k := base + i;
      PERFORM sv.audit_append((1 + k % 12)::int, 'staff', k::text, 'add', changes[i]);
    END LOOP;
  ELSIF variant = 'insert' THEN
    FOR i IN 1..n LOOP
      k := base + i;
      INSERT INTO bench.audit_copy (seq, recorded_at, actor_session, actor_role, department_id,
                                    object_kind, object_id, action, change, prev_hash, hash)
      VALUES (k, clock_timestamp(), v_session, v_role, (1 + k % 12)::int, 'staff', k::text,
              'add', changes[i]::json, h_prev, h_hash);
    END LOOP;
  ELSIF variant = 'append_commit' THEN
    FOR i IN 1..n LOOP
      k := base + i;
      PERFORM sv.audit_append((1 + k % 12)::int, 'staff', k::text, 'add', changes[i]);
      COMMIT;
    END LOOP;
  ELSIF variant = 'insert_commit' THEN
    FOR i IN 1..n LOOP
      k := base + i;
      INSERT INTO bench.audit_copy (seq, recorded_at, actor_session, actor_role, department_id,
                                    object_kind, object_id, action, change, prev_hash, hash)
      VALUES (k, clock_timestamp(), v_session, v_role, (1 + k % 12)::int, 'staff', k::text,
              'add', changes[i]::json, h_prev, h_hash);
      COMMIT;
    END LOOP;
  ELSE
    RAISE EXCEPTION 'unknown variant %', variant;
  END IF;
  ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
  cpu_ms := bench.backend_cpu_ms() - cpu0;
  COMMIT;
  IF run > 0 THEN
    INSERT INTO bench.audit_timing (variant, run, n, ms, cpu_ms)
    VALUES (variant, run, n, ms, cpu_ms);
  END IF;
END
$fn$;

-- Part (2)'s fill: n appends with a COMMIT after every 100, timed as variant 'fill'.
CREATE OR REPLACE PROCEDURE bench.audit_fill(n int)
LANGUAGE plpgsql
AS $fn$
DECLARE
  changes jsonb[];
  base bigint;
  k bigint;
  t0 timestamptz;
  ms float8;
  cpu0 float8;
BEGIN
  SELECT h.seq INTO base FROM sv.audit_head() h;
  changes := bench.audit_changes(base, n);
  COMMIT;
  cpu0 := bench.backend_cpu_ms();
  t0 := clock_timestamp();
  FOR i IN 1..n LOOP
    k := base + i;
    PERFORM sv.audit_append((1 + k % 12)::int, 'staff', k::text, 'add', changes[i]);
    IF i % 100 = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
  COMMIT;
  ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
  INSERT INTO bench.audit_timing (variant, run, n, ms, cpu_ms)
  VALUES ('fill', 0, n, ms, bench.backend_cpu_ms() - cpu0);
END
$fn$;

-- One timed run of part (2): verify (sv.audit_verify(1, NULL), which must return no row),
-- count (SELECT count(*) FROM sv.audit_log, planned afresh with the default settings) or
-- count_serial (the same count forced to a serial sequential scan of the heap) or read (every
-- field of every record, in seq order: the issue's "reading them").
CREATE OR REPLACE PROCEDURE bench.audit_scan_once(variant text, run int)
LANGUAGE plpgsql
AS $fn$
DECLARE
  head bigint;
  n bigint;
  t0 timestamptz;
  ms float8;
  cpu0 float8;
  cpu_ms float8;
BEGIN
  SELECT h.seq INTO head FROM sv.audit_head() h;
  IF variant = 'verify_serial' THEN
    PERFORM set_config('sv.audit_verify_workers', '0', true);   -- transaction-local
  END IF;
  IF variant = 'count_serial' THEN
    -- transaction-local: reset by the COMMIT below
    PERFORM set_config('max_parallel_workers_per_gather', '0', true),
            set_config('enable_indexonlyscan', 'off', true),
            set_config('enable_indexscan', 'off', true),
            set_config('enable_bitmapscan', 'off', true);
  END IF;
  cpu0 := bench.backend_cpu_ms();
  t0 := clock_timestamp();
  IF variant IN ('verify', 'verify_serial') THEN
    SELECT count(*) INTO n FROM sv.audit_verify(1, NULL);
  ELSIF variant IN ('count', 'count_serial') THEN
    EXECUTE 'SELECT count(*) FROM sv.audit_log' INTO n;   -- EXECUTE: planned now, not cached
  ELSIF variant = 'read' THEN
    -- read every record: each field of each record, in chain order (what verify must read)
    EXECUTE 'SELECT count(*) FROM (SELECT * FROM sv.audit_log ORDER BY seq) l
             WHERE length(l.actor_session) + length(l.actor_role) + length(l.object_kind)
                 + coalesce(length(l.object_id), 0) + length(l.action) + length(l.change::text)
                 + length(l.prev_hash) + length(l.hash) + coalesce(l.department_id, 0)
                 + extract(epoch FROM l.recorded_at)::int % 2 >= 0' INTO n;
  ELSE
    RAISE EXCEPTION 'unknown variant %', variant;
  END IF;
  ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
  cpu_ms := bench.backend_cpu_ms() - cpu0;
  COMMIT;
  IF variant IN ('verify', 'verify_serial') AND n <> 0 THEN
    RAISE EXCEPTION 'sv.audit_verify(1, NULL) reported a broken chain: %',
      (SELECT format('record %s: %s: %s', v.seq, v.problem, v.detail) FROM sv.audit_verify(1, NULL) v);
  ELSIF variant NOT IN ('verify', 'verify_serial') AND n <> head THEN
    RAISE EXCEPTION 'sv.audit_log has % records, the chain head is at %', n, head;
  END IF;
  IF run > 0 THEN
    INSERT INTO bench.audit_timing (variant, run, n, ms, cpu_ms) VALUES (variant, run, head, ms, cpu_ms);
  END IF;
END
$fn$;

-- The chain as it was before this benchmark (0 on a fresh instance); it must verify.
SELECT h.seq AS start_seq FROM sv.audit_head() h \gset
DO $$
BEGIN
  IF EXISTS (SELECT FROM sv.audit_verify(1, NULL)) THEN
    RAISE EXCEPTION 'the audit chain does not verify before the benchmark';
  END IF;
END
$$;

\echo (1) appends: warm-up, then :runs rounds of append, insert, append_commit, insert_commit (:rows records each) ...
SELECT format('VACUUM sv.audit_lane, sv.audit_log, bench.audit_copy'),
       'CHECKPOINT',
       format('CALL bench.audit_write_once(%L, %s, %s)', v, r, :rows)
FROM generate_series(0, :runs) AS r,
     LATERAL (SELECT (ARRAY['append','insert','append_commit','insert_commit'])[1 + (j + r) % 4], j
              FROM generate_series(0, 3) AS j) AS s(v, j)
ORDER BY r, j
\gexec

-- Part (1) wrote records to the chain; they must verify (this also warms part (2) up).
DO $$
BEGIN
  IF EXISTS (SELECT FROM sv.audit_verify(1, NULL)) THEN
    RAISE EXCEPTION 'the audit chain does not verify after the appends';
  END IF;
END
$$;

SELECT h.seq AS fill_from FROM sv.audit_head() h \gset
\echo (2) filling the chain from :fill_from to :records records (sv.audit_append, COMMIT every 100) ...
-- In chunks of at most 100,000 appends, vacuuming the lane heads (one row per lane, updated
-- once per transaction) between them.
SELECT format('CALL bench.audit_fill(%s)', least(100000, :records - c)),
       'VACUUM sv.audit_lane'
FROM generate_series(:fill_from, :records - 1, 100000) AS c
\gexec
VACUUM (ANALYZE) sv.audit_log;
CHECKPOINT;

\echo (2) timing :runs rounds of sv.audit_verify(1, NULL) (parallel, then serial), count(*), serial count(*), reading every record ...
SELECT format('CALL bench.audit_scan_once(%L, %s)', v, r)
FROM generate_series(0, :runs) AS r,
     LATERAL (SELECT (ARRAY['verify','count','count_serial','read','verify_serial'])[1 + (j + r) % 5], j
              FROM generate_series(0, 4) AS j) AS s(v, j)
ORDER BY r, j
\gexec

-- The result block.  PASS/MISS is judged on the wall-clock medians; the CPU-time ratio is
-- printed beside them because other load on the machine moves wall-clock time much more.
-- The CPU time is the session's own backend's: the parallel workers of count(*) are not in it.
\pset format unaligned
\pset tuples_only on
WITH m AS (
  SELECT variant, count(*) AS runs, max(n) AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med,
         min(ms) AS lo, max(ms) AS hi,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_ms) AS cpu
  FROM bench.audit_timing WHERE variant <> 'fill' GROUP BY variant
), f AS (
  SELECT sum(n) AS n, sum(ms) AS ms FROM bench.audit_timing WHERE variant = 'fill'
), line AS (
  SELECT variant,
         format('%9s %9s %6s   %s..%s', to_char(med, 'FM9999990.0'),
                coalesce(to_char(cpu, 'FM9999990'), '-'), runs, round(lo), round(hi)) AS cols
  FROM m
), p AS (
  SELECT a.med AS a, i.med AS i, ac.med AS ac, ic.med AS ic, v.med AS v, c.med AS c, cs.med AS cs,
         a.cpu AS acpu, i.cpu AS icpu, ac.cpu AS accpu, ic.cpu AS iccpu, v.cpu AS vcpu,
         c.cpu AS ccpu, cs.cpu AS cscpu, v.n AS records, rd.med AS rd, rd.cpu AS rdcpu,
         vs.med AS vs, vs.cpu AS vscpu
  FROM m a, m i, m ac, m ic, m v, m c, m cs, m rd, m vs
  WHERE a.variant = 'append' AND i.variant = 'insert' AND ac.variant = 'append_commit'
    AND ic.variant = 'insert_commit' AND v.variant = 'verify' AND c.variant = 'count'
    AND cs.variant = 'count_serial' AND rd.variant = 'read' AND vs.variant = 'verify_serial'
)
SELECT concat_ws(E'\n',
  '======== 02_audit: hash-chained audit trail (median ms) ========',
  format('(1) %s records per run, appended from a PL/pgSQL loop (chain at %s records before)',
         to_char(current_setting('bench.rows')::int, 'FM9,999,999'), :start_seq),
  '                              wall ms    cpu ms   runs   wall min..max    us/record',
  format('  sv.audit_append           %s   %9s', (SELECT cols FROM line WHERE variant = 'append'),
         to_char(1000 * a / current_setting('bench.rows')::int, 'FM9990.00')),
  format('  INSERT (baseline)         %s   %9s', (SELECT cols FROM line WHERE variant = 'insert'),
         to_char(1000 * i / current_setting('bench.rows')::int, 'FM9990.00')),
  format('  append / INSERT           %9s %9s   goal <= 2x     %s', to_char(a / i, 'FM990.00'),
         coalesce(to_char(acpu / nullif(icpu, 0), 'FM990.00'), '-'),
         CASE WHEN a / i <= 2 THEN 'PASS' ELSE 'MISS' END),
  '  for information, one transaction per record (COMMIT after each, timed):',
  format('  append + COMMIT           %s   %9s', (SELECT cols FROM line WHERE variant = 'append_commit'),
         to_char(1000 * ac / current_setting('bench.rows')::int, 'FM9990.00')),
  format('  INSERT + COMMIT           %s   %9s', (SELECT cols FROM line WHERE variant = 'insert_commit'),
         to_char(1000 * ic / current_setting('bench.rows')::int, 'FM9990.00')),
  format('  append / INSERT           %9s %9s', to_char(ac / ic, 'FM990.00'),
         coalesce(to_char(accpu / nullif(iccpu, 0), 'FM990.00'), '-')),
  format('(2) chain of %s records (fill: %s appends, COMMIT every 100, %s s, %s us/append)',
         to_char(records, 'FM9,999,999,999'), to_char(coalesce(f.n, 0), 'FM9,999,999,999'),
         coalesce(to_char(f.ms / 1000, 'FM99990.0'), '-'),
         coalesce(to_char(1000 * f.ms / nullif(f.n, 0), 'FM9990.0'), '-')),
  '                              wall ms    cpu ms   runs   wall min..max    us/record',
  format('  sv.audit_verify(1, NULL)  %s   %9s', (SELECT cols FROM line WHERE variant = 'verify'),
         to_char(1000 * v / records, 'FM9990.000')),
  format('  verify, serial (workers 0)%s   %9s', (SELECT cols FROM line WHERE variant = 'verify_serial'),
         to_char(1000 * vs / records, 'FM9990.000')),
  format('  SELECT count(*)           %s   %9s', (SELECT cols FROM line WHERE variant = 'count'),
         to_char(1000 * c / records, 'FM9990.000')),
  format('  count(*), serial seq scan %s   %9s', (SELECT cols FROM line WHERE variant = 'count_serial'),
         to_char(1000 * cs / records, 'FM9990.000')),
  format('  verify / serial count(*)  %9s %9s   goal <= 3x     %s', to_char(v / cs, 'FM9990.00'),
         coalesce(to_char(vcpu / nullif(cscpu, 0), 'FM9990.00'), '-'),
         CASE WHEN v / cs <= 3 THEN 'PASS' ELSE 'MISS' END),
  format('  verify / count(*)         %9s %9s   (for information: parallel index-only)', to_char(v / c, 'FM9990.00'), '-'),
  format('  CPU per verified record: %s us serial; in parallel %s us in the calling backend (its workers not counted)',
         coalesce(to_char(1000 * vscpu / records, 'FM9990.000'), '-'),
         coalesce(to_char(1000 * vcpu / records, 'FM9990.000'), '-')),
  format('  CPU per appended record: %s us in one transaction, %s us with its COMMIT (backend)',
         coalesce(to_char(1000 * acpu / current_setting('bench.rows')::int, 'FM9990.0'), '-'),
         coalesce(to_char(1000 * accpu / current_setting('bench.rows')::int, 'FM9990.0'), '-')),
  format('  read every record         %s   %9s', (SELECT cols FROM line WHERE variant = 'read'),
         to_char(1000 * rd / records, 'FM9990.000')),
  format('  verify / reading twice    %9s %9s   must be < 1   %s', to_char(v / (2 * rd), 'FM9990.00'),
         coalesce(to_char(vcpu / nullif(2 * rdcpu, 0), 'FM9990.00'), '-'),
         CASE WHEN v < 2 * rd THEN 'PASS' ELSE 'MISS' END),
  format('  sizes: sv.audit_log %s, its primary key %s, bench.audit_copy %s',
         pg_size_pretty(pg_relation_size('sv.audit_log')),
         pg_size_pretty(pg_relation_size('sv.audit_log_pkey')),
         pg_size_pretty(pg_relation_size('bench.audit_copy'))),
  '========')
FROM p, f;
\pset format aligned
\pset tuples_only off
