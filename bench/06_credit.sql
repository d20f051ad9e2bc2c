-- 06_credit: rescoring every subject: :rows subjects with :events credit events.
--
-- Setup (untimed): :rows subjects, :events events of the seven kinds spread over two years,
-- a current model.  Timed, :runs rounds after a warm-up, medians:
--   sql       the equivalent SQL: GROUP BY subject with the same decayed weighted sum in float8
--             (rounded per event to 0.01 as the C core does), thresholds and hard rules
--   classify  sv._credit_classify, the scores and classes the rescore stores (C core per subject)
--   rescore   sv.credit_rescore() as a whole (classify, store classes and the monthly history)
-- Goal (issue 6): classify / sql <= 1.0.  Also printed: sv.credit_score for one subject and
-- sv.credit_check (with and without hits) vs a primary-key lookup of its class.
\if :{?rows}
\else
\set rows 1000000
\endif
\if :{?events}
\else
\set events 5000000
\endif
\if :{?runs}
\else
\set runs 2
\endif

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.credit_timing;
CREATE TABLE bench.credit_timing (variant text, run int, ms float8, result text);

INSERT INTO sv.subject (uscc, name, kind, industry, region_code, status, source_system, source_record_id, received_at, updated_at)
SELECT (b || sv.uscc_check_character(b))::sv.uscc, '信用基准企业' || i, 'enterprise', 'F5211', '410422', 'operating',
       'BENCH-CREDIT', 'BC-' || i, now(), now()
FROM (SELECT i, '91410422' || 'MC' || lpad(to_hex(i), 7, '0') AS b FROM generate_series(1, :rows) i) x;
CREATE TEMP TABLE codes AS SELECT uscc, row_number() OVER () AS n FROM sv.subject WHERE source_system = 'BENCH-CREDIT';
CREATE INDEX ON codes (n);
INSERT INTO sv.credit_event (uscc, id, kind, severity, source, decided_on, valid_until, reference, penalty_types,
                             source_system, recorded_by, recorded_at, updated_at)
SELECT c.uscc, e.i, k.kind, 1 + e.i % 5, 'city', date '2026-11-27' - (e.i % 730)::integer,
       CASE WHEN e.i % 3 = 0 THEN date '2026-11-27' - (e.i % 730)::integer + 1000 END, 'BENCH-' || e.i,
       CASE WHEN k.kind = 'administrative_penalty' THEN '{warning}'::text[] ELSE '{}' END, 'BENCH-CREDIT', 'bench', now(), now()
FROM generate_series(1, :events) e(i) JOIN codes c ON c.n = 1 + (e.i * 2654435761) % :rows,
     LATERAL (SELECT (ARRAY['administrative_penalty', 'abnormal_operation', 'substantiated_complaint', 'overdue_annual_report',
                            'commendation', 'failed_inspection', 'serious_dishonesty'])[1 + (e.i::bigint * 7919) % 7] AS kind) k;
SELECT sv.credit_model_save('BENCH-CREDIT-V1', '{"administrative_penalty": 4, "abnormal_operation": 3, "serious_dishonesty": 10,
  "substantiated_complaint": 1, "failed_inspection": 2, "overdue_annual_report": 1, "commendation": -2}', 365,
  '{"A": 95, "B": 85, "C": 70}', '{"serious_dishonesty": "D"}') IS NOT NULL AS model;
VACUUM ANALYZE sv.subject, sv.credit_event;

CREATE OR REPLACE PROCEDURE bench.credit_once(run int)
LANGUAGE plpgsql
AS $fn$
DECLARE
  t0 timestamptz;
  m sv.credit_model;
  res text;
BEGIN
  SELECT * INTO m FROM sv.credit_model WHERE label = 'BENCH-CREDIT-V1';
  t0 := clock_timestamp();
  SELECT string_agg(format('%s %s', c, n), ', ' ORDER BY c) INTO res FROM (
    SELECT CASE WHEN x.forced IS NOT NULL AND x.forced > x.by_score THEN x.forced ELSE x.by_score END AS c, count(*) AS n
    FROM (SELECT e.uscc,
                 CASE WHEN 100 - sum(round((coalesce((m.weights ->> e.kind)::float8, 0) * e.severity
                                             * power(2::float8, -(date '2026-11-27' - e.decided_on)::float8 / m.half_life_days::float8))::numeric, 2)) >= 95 THEN 'A'
                      WHEN 100 - sum(round((coalesce((m.weights ->> e.kind)::float8, 0) * e.severity
                                             * power(2::float8, -(date '2026-11-27' - e.decided_on)::float8 / m.half_life_days::float8))::numeric, 2)) >= 85 THEN 'B'
                      WHEN 100 - sum(round((coalesce((m.weights ->> e.kind)::float8, 0) * e.severity
                                             * power(2::float8, -(date '2026-11-27' - e.decided_on)::float8 / m.half_life_days::float8))::numeric, 2)) >= 70 THEN 'C'
                      ELSE 'D' END AS by_score,
                 max(m.hard_rules ->> e.kind) AS forced
          FROM sv.credit_event e
          WHERE e.decided_on <= date '2026-11-27' AND (e.valid_until IS NULL OR e.valid_until >= date '2026-11-27')
          GROUP BY e.uscc) x
    GROUP BY 1) y;
  INSERT INTO bench.credit_timing VALUES ('sql', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;

  t0 := clock_timestamp();
  SELECT string_agg(format('%s %s', c, n), ', ' ORDER BY c) INTO res
  FROM (SELECT k.class AS c, count(*) AS n FROM sv._credit_classify(m, date '2026-11-27', NULL) k GROUP BY 1) y;
  INSERT INTO bench.credit_timing VALUES ('classify', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;

  t0 := clock_timestamp();
  SELECT format('%s classified, %s changed', r.classified, r.changed) INTO res
  FROM sv.credit_rescore(NULL, 'BENCH-CREDIT-V1', '2026-11-27 12:00+08') r;
  INSERT INTO bench.credit_timing VALUES ('rescore', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;
END
$fn$;

\echo timing :runs rounds of rescoring :rows subjects with :events events ...
SELECT 'CHECKPOINT', format('CALL bench.credit_once(%s)', r) FROM generate_series(0, :runs) r ORDER BY r
\gexec
DELETE FROM bench.credit_timing WHERE run = 0;

-- one subject's explained score vs a primary-key lookup of its class (1,000 calls each)
DO $$
DECLARE
  t0 timestamptz;
  code text := (SELECT uscc::text FROM sv.credit_event ORDER BY uscc LIMIT 1);
  i int;
  x record;
BEGIN
  t0 := clock_timestamp();
  FOR i IN 1 .. 1000 LOOP
    SELECT * INTO x FROM sv.credit_score(code, '2026-11-27 12:00+08', 'BENCH-CREDIT-V1');
  END LOOP;
  INSERT INTO bench.credit_timing VALUES ('score_one', 1, 1000 * extract(epoch FROM clock_timestamp() - t0) / 1000, NULL);
  t0 := clock_timestamp();
  FOR i IN 1 .. 1000 LOOP
    SELECT * INTO x FROM sv.credit_class WHERE uscc = code::sv.uscc;
  END LOOP;
  INSERT INTO bench.credit_timing VALUES ('pk_lookup', 1, 1000 * extract(epoch FROM clock_timestamp() - t0) / 1000, NULL);
END
$$;

-- the pre-admission check (20 measures in the list) vs the same primary-key lookup, 1,000 calls
-- each: for a subject that hits two measures (each hit a feedback obligation and the check an
-- audit record) and for an applicant without any record.  In a transaction that is rolled back (the checks,
-- obligations and a provisional calendar for the coming year if it is not loaded yet), so the
-- timings are carried out in psql variables.
SELECT count(sv.sanction_measure_save('BENCH-M' || i, '基准措施' || i, 'punishment', 'market_access', '基准', 4,
         ARRAY[(ARRAY['licensing', 'tendering', 'subsidy', 'honour'])[1 + i % 4]],
         ARRAY[(ARRAY['administrative_penalty', 'abnormal_operation', 'serious_dishonesty', 'failed_inspection', 'substantiated_complaint'])[1 + i % 5]],
         min_severity => 1 + i % 3)) AS measures
FROM generate_series(1, 20) i;
CREATE FUNCTION pg_temp.time_checks(OUT hit_ms float8, OUT miss_ms float8, OUT hits int)
LANGUAGE plpgsql AS $fn$
DECLARE
  t0 timestamptz;
  hit_code text;
  -- an applicant without any record (every bench subject has events)
  miss_code text := '91410422MA9999999' || sv.uscc_check_character('91410422MA9999999');
  x record;
BEGIN
  BEGIN
    PERFORM sv.add_workdays(sv.local_date(now()), 30);
  EXCEPTION WHEN object_not_in_prerequisite_state THEN
    PERFORM sv.calendar_load(y, 'bench provisional', sv.local_date(now()),
              jsonb_build_array(jsonb_build_object('festival', '元旦', 'from', make_date(y, 1, 1), 'to', make_date(y, 1, 1))))
    FROM (SELECT extract(year FROM sv.local_date(now()))::integer + 1 AS y) q;
  END;
  -- a subject with exactly two hits in licensing
  SELECT c.uscc::text INTO hit_code FROM (SELECT DISTINCT uscc FROM sv.credit_event LIMIT 5000) c
  WHERE (SELECT count(*) FROM sv._sanction_hits(c.uscc, 'licensing', sv.local_date(now()))) = 2 LIMIT 1;
  hits := (SELECT count(*) FROM sv._sanction_hits(hit_code::sv.uscc, 'licensing', sv.local_date(now())));
  t0 := clock_timestamp();
  FOR i IN 1 .. 1000 LOOP
    SELECT count(*) INTO x FROM sv.credit_check(hit_code, 'licensing', 'BENCH-' || i);
  END LOOP;
  hit_ms := 1000 * extract(epoch FROM clock_timestamp() - t0) / 1000;
  t0 := clock_timestamp();
  FOR i IN 1 .. 1000 LOOP
    SELECT count(*) INTO x FROM sv.credit_check(miss_code, 'licensing', 'BENCH-' || i);
  END LOOP;
  miss_ms := 1000 * extract(epoch FROM clock_timestamp() - t0) / 1000;
END
$fn$;
BEGIN;
SELECT * FROM pg_temp.time_checks() \gset check_
ROLLBACK;
INSERT INTO bench.credit_timing VALUES ('check_hit', 1, :check_hit_ms, :check_hits || ' hits'), ('check_miss', 1, :check_miss_ms, NULL);

\pset format unaligned
\pset tuples_only on
WITH m AS (
  SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med, min(ms) AS lo, max(ms) AS hi, count(*) AS runs,
         min(result) AS result
  FROM bench.credit_timing GROUP BY variant
)
SELECT concat_ws(E'\n',
  '======== 06_credit: ' || :rows || ' subjects, ' || :events || ' events (median ms) ========',
  (SELECT string_agg(format('  %-12s %10s ms  %s runs  %s..%s  %s', variant, to_char(med, 'FM9999990.000'), runs,
                            round(lo::numeric, 1), round(hi::numeric, 1), coalesce(result, '')), E'\n'
                     ORDER BY array_position(ARRAY['sql', 'classify', 'rescore', 'score_one', 'pk_lookup', 'check_hit', 'check_miss'], variant)) FROM m),
  format('  classify / sql            %s   goal <= 1.0   %s',
         to_char((SELECT med FROM m WHERE variant = 'classify') / (SELECT med FROM m WHERE variant = 'sql'), 'FM990.00'),
         CASE WHEN (SELECT med FROM m WHERE variant = 'classify') <= (SELECT med FROM m WHERE variant = 'sql') THEN 'PASS' ELSE 'MISS' END),
  format('  credit_score / pk lookup  %s   (reported)',
         to_char((SELECT med FROM m WHERE variant = 'score_one') / (SELECT med FROM m WHERE variant = 'pk_lookup'), 'FM99990.0')),
  format('  credit_check / pk lookup  %s with 2 hits, %s without   (reported)',
         to_char((SELECT med FROM m WHERE variant = 'check_hit') / (SELECT med FROM m WHERE variant = 'pk_lookup'), 'FM99990.0'),
         to_char((SELECT med FROM m WHERE variant = 'check_miss') / (SELECT med FROM m WHERE variant = 'pk_lookup'), 'FM99990.0')),
  '========')
FROM m LIMIT 1;
\pset format aligned
\pset tuples_only off

CALL sv._append_only_enforce(false);   -- the guards fire ALWAYS: origin mode for the clean-up
SET session_replication_role = replica;
DELETE FROM sv.credit_class_history WHERE model = 'BENCH-CREDIT-V1';
DELETE FROM sv.credit_class WHERE source = 'model BENCH-CREDIT-V1';
DELETE FROM sv.credit_event WHERE recorded_by = 'bench';
DELETE FROM sv.credit_model WHERE label = 'BENCH-CREDIT-V1';
DELETE FROM sv.sanction_measure WHERE code LIKE 'BENCH-M%';
DELETE FROM sv.subject WHERE source_system = 'BENCH-CREDIT';
RESET session_replication_role;
CALL sv._append_only_enforce();
