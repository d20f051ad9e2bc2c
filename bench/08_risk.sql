-- 08_risk: risk scans (issue 17) over :rows subjects with 24 months of monthly penalty counts
-- (:events penalties, decided in the 24 months up to November 2026, each recorded the day after;
-- every 100th subject has five more in November 2026: the spikes).
--
-- Setup (untimed): the subjects, the penalties, each subject's 24 monthly counts as an array
-- (bench.risk_series: the same data for both variants), and ln(k!) for the SQL Poisson tail.
-- Timed, :runs rounds after a warm-up, medians, every point of every series (24 x :rows):
--   c_poisson / sql_poisson  Poisson tail, baseline 12, guard 1, alpha 0.001, min_count 3: the C
--                            detector over each array vs window functions (the mean of the
--                            trailing months) and the tail summed in SQL (1 - sum of the pmf)
--   c_ewma / sql_ewma        EWMA mu0 = 0.5, sigma = sqrt(0.5), lambda = 0.3, L = 3, exact limit:
--                            C vs the closed form z_t = (1-l)^t (mu0 + l sum x_i (1-l)^-i), a
--                            window sum
--   c_cusum / sql_cusum      Poisson CUSUM mu0 = 0.5, mu1 = 1, h = 4: C (restarting after an
--                            alarm) vs S_t = C_t - min(0, min C_j), C_t the window sum of x - k
--                            (without the restart: SQL windows cannot express it)
--   c_ewma_wd / sql_ewma_wd  per working day (per_workday; the working days of each month on the
--                            calendar): EWMA mu0 = 0.025, sigma = sqrt(0.025) a working day,
--                            lambda = 0.3, L = 3: C vs the closed form over the rates x_t / w_t
--                            and the limit mu0 + L sigma lambda sqrt((1-l)^2t sum w_i^-1 (1-l)^-2i)
--   c_cusum_wd / sql_cusum_wd  CUSUM mu0 = 0.025, mu1 = 0.05 a working day, h = 4: C vs the
--                            window sum of x - k w (as sql_cusum)
-- Then the scans as the daily and weekly jobs run them (sv.risk_scan of one Poisson rule as of
-- 2026-11-30 over October and November, as the daily job): a full scan, and, after :fresh new penalties recorded
-- later, the incremental scan (since the full scan's moment) and a full scan as of the same later
-- moment.  Goals (issue 17): every C detector <= 0.5 x its SQL; incremental <= 2 % of full.
\if :{?rows}
\else
\set rows 1000000
\endif
\if :{?events}
\else
\set events 5000000
\endif
\if :{?fresh}
\else
\set fresh 10000
\endif
\if :{?runs}
\else
\set runs 2
\endif

SET client_min_messages = warning;
SET timezone = 'Asia/Shanghai';
-- no Memoize over the detectors' calls: the fixture's series repeat (at 20,000 subjects some 260
-- distinct arrays of counts), and a cache would run each C detector once per distinct array
-- while the SQL variants compute every series
SET enable_memoize = off;
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.risk_timing, bench.risk_series, bench.risk_lnfact, bench.risk_wd;
CREATE TABLE bench.risk_timing (variant text, run int, ms float8, result text);

INSERT INTO sv.subject (uscc, name, kind, industry, region_code, status, source_system, source_record_id, received_at, updated_at)
SELECT (b || sv.uscc_check_character(b))::sv.uscc, '风险基准企业' || i, 'enterprise', 'H62', '410402', 'operating',
       'BENCH-RISK', 'BR-' || i, now(), now()
FROM (SELECT i, '91410402' || 'MR' || lpad(to_hex(i), 7, '0') AS b FROM generate_series(1, :rows) i) x;
CREATE TEMP TABLE codes AS SELECT uscc, row_number() OVER () AS n FROM sv.subject WHERE source_system = 'BENCH-RISK';
CREATE INDEX ON codes (n);
-- each penalty to a pseudo-random subject and day of the 24 months (730 days to 2026-11-29)
INSERT INTO sv.credit_event (uscc, id, kind, severity, source, decided_on, reference, penalty_types, source_system,
                             recorded_by, recorded_at, updated_at)
SELECT c.uscc, nextval('sv.credit_event_id_seq'), 'administrative_penalty', 2, 'city', d.day, 'BENCH-R-' || e.i, '{warning}',
       'BENCH-RISK', 'bench', d.day + time '10:00' + interval '1 day', d.day + time '10:00' + interval '1 day'
FROM generate_series(1, :events) e(i) JOIN codes c ON c.n = 1 + (e.i::bigint * 2654435761) % :rows,
     LATERAL (SELECT date '2024-12-01' + ((e.i::bigint * 40503) % 729)::integer AS day) d;
-- planted spikes: every 100th subject has five more penalties in November 2026
INSERT INTO sv.credit_event (uscc, id, kind, severity, source, decided_on, reference, penalty_types, source_system,
                             recorded_by, recorded_at, updated_at)
SELECT c.uscc, nextval('sv.credit_event_id_seq'), 'administrative_penalty', 2, 'city', date '2026-11-10' + j, 'BENCH-RS-' || c.n || '-' || j,
       '{warning}', 'BENCH-RISK', 'bench', date '2026-11-11' + j + time '10:00', date '2026-11-11' + j + time '10:00'
FROM codes c CROSS JOIN generate_series(1, 5) j WHERE c.n % 100 = 0;
VACUUM ANALYZE sv.subject, sv.credit_event;

-- the same data for both variants: each subject's counts, December 2024 .. November 2026
CREATE TABLE bench.risk_series AS
SELECT c.uscc::text AS series,
       array_agg(coalesce(p.n, 0) ORDER BY m.k) AS counts
FROM codes c
CROSS JOIN generate_series(0, 23) m(k)
LEFT JOIN (SELECT e.uscc, (extract(year FROM e.decided_on) * 12 + extract(month FROM e.decided_on) - (2024 * 12 + 12))::int AS k,
                  count(*) AS n
           FROM sv.credit_event e WHERE e.recorded_by = 'bench' GROUP BY 1, 2) p ON p.uscc = c.uscc AND p.k = m.k
GROUP BY c.uscc;
-- the working days of each of the 24 months (per_workday)
CREATE TABLE bench.risk_wd AS
SELECT ARRAY(SELECT sv.workdays_between(m::date - 1, (m + interval '1 month')::date - 1)::bigint
             FROM generate_series(date '2024-12-01', date '2026-11-01', interval '1 month') m ORDER BY m) AS wd;
CREATE TABLE bench.risk_lnfact AS SELECT k, sum(ln(greatest(j, 1)::float8)) AS v
FROM generate_series(0, 200) k CROSS JOIN LATERAL generate_series(0, k) j GROUP BY k;
CREATE UNIQUE INDEX ON bench.risk_lnfact (k);
VACUUM ANALYZE bench.risk_series, bench.risk_lnfact;

SELECT sv.risk_rule_save('BENCH-RISK', '基准:行政处罚突增', 'penalty', 'subject', 'poisson_tail',
  '{"baseline": 12, "guard": 1, "alpha": 0.001, "min_count": 3}', 'yellow', 4, '基准') AS version;

CREATE OR REPLACE PROCEDURE bench.risk_once(run int)
LANGUAGE plpgsql
AS $fn$
DECLARE
  t0 timestamptz;
  res text;
BEGIN
  -- Poisson tail
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE d.alarm)::text INTO res
  FROM bench.risk_series s CROSS JOIN LATERAL sv.risk_poisson_tail(s.counts, 12, 1, 0.001, 3) d;
  INSERT INTO bench.risk_timing VALUES ('c_poisson', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE w.x >= 3 AND w.lam IS NOT NULL
                            AND CASE WHEN w.lam = 0 THEN 0
                                     ELSE 1 - (SELECT sum(exp(f.k * ln(w.lam) - w.lam - f.v)) FROM bench.risk_lnfact f WHERE f.k < w.x)
                                END < 0.001)::text INTO res
  FROM (SELECT u.x, avg(u.x) OVER (PARTITION BY s.series ORDER BY u.t ROWS BETWEEN 13 PRECEDING AND 2 PRECEDING) AS lam,
               count(*) OVER (PARTITION BY s.series ORDER BY u.t ROWS BETWEEN 13 PRECEDING AND 2 PRECEDING) AS nb
        FROM bench.risk_series s CROSS JOIN LATERAL unnest(s.counts) WITH ORDINALITY u(x, t)) w
  WHERE w.nb = 12;
  INSERT INTO bench.risk_timing VALUES ('sql_poisson', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;

  -- EWMA
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE d.alarm)::text INTO res
  FROM bench.risk_series s CROSS JOIN LATERAL sv.risk_ewma(s.counts, 0.5, sqrt(0.5), 0.3, 3) d;
  INSERT INTO bench.risk_timing VALUES ('c_ewma', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE power(0.7::float8, w.t) * (0.5 + 0.3 * w.s)
                                > 0.5 + 3 * sqrt(0.5) * sqrt(0.3 / 1.7 * (1 - power(0.7::float8, 2 * w.t))))::text INTO res
  FROM (SELECT u.t, sum(u.x * power(0.7::float8, -u.t::float8)) OVER (PARTITION BY s.series ORDER BY u.t) AS s
        FROM bench.risk_series s CROSS JOIN LATERAL unnest(s.counts) WITH ORDINALITY u(x, t)) w;
  INSERT INTO bench.risk_timing VALUES ('sql_ewma', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;

  -- CUSUM
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE d.alarm)::text INTO res
  FROM bench.risk_series s CROSS JOIN LATERAL sv.risk_cusum(s.counts, 0.5, 1, 4) d;
  INSERT INTO bench.risk_timing VALUES ('c_cusum', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE w.c - least(0, w.lo) > 4)::text INTO res
  FROM (SELECT v.c, min(v.c) OVER (PARTITION BY v.series ORDER BY v.t) AS lo
        FROM (SELECT s.series, u.t, sum(u.x - 0.5 / ln(2)) OVER (PARTITION BY s.series ORDER BY u.t) AS c
              FROM bench.risk_series s CROSS JOIN LATERAL unnest(s.counts) WITH ORDINALITY u(x, t)) v) w;
  INSERT INTO bench.risk_timing VALUES ('sql_cusum', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;

  -- per working day: EWMA
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE d.alarm)::text INTO res
  FROM bench.risk_series s CROSS JOIN bench.risk_wd w
  CROSS JOIN LATERAL sv.risk_ewma_exposure(s.counts, w.wd, 0.025, sqrt(0.025), 0.3, 3) d;
  INSERT INTO bench.risk_timing VALUES ('c_ewma_wd', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE power(0.7::float8, v.t) * (0.025 + 0.3 * v.s)
                                > 0.025 + 3 * sqrt(0.025) * 0.3 * sqrt(power(0.7::float8, 2 * v.t) * v.a))::text INTO res
  FROM (SELECT u.t, sum(u.x::float8 / u.w * power(0.7::float8, -u.t::float8)) OVER o AS s,
               sum(power(0.7::float8, -2 * u.t::float8) / u.w) OVER o AS a
        FROM bench.risk_series s CROSS JOIN bench.risk_wd w
        CROSS JOIN LATERAL unnest(s.counts, w.wd) WITH ORDINALITY u(x, w, t)
        WINDOW o AS (PARTITION BY s.series ORDER BY u.t)) v;
  INSERT INTO bench.risk_timing VALUES ('sql_ewma_wd', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;

  -- per working day: CUSUM (k = 0.025 / ln 2 a working day)
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE d.alarm)::text INTO res
  FROM bench.risk_series s CROSS JOIN bench.risk_wd w
  CROSS JOIN LATERAL sv.risk_cusum_exposure(s.counts, w.wd, 0.025, 0.05, 4) d;
  INSERT INTO bench.risk_timing VALUES ('c_cusum_wd', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE v.c - least(0, v.lo) > 4)::text INTO res
  FROM (SELECT c.c, min(c.c) OVER (PARTITION BY c.series ORDER BY c.t) AS lo
        FROM (SELECT s.series, u.t, sum(u.x - 0.025 / ln(2) * u.w) OVER (PARTITION BY s.series ORDER BY u.t) AS c
              FROM bench.risk_series s CROSS JOIN bench.risk_wd w
              CROSS JOIN LATERAL unnest(s.counts, w.wd) WITH ORDINALITY u(x, w, t)) c) v;
  INSERT INTO bench.risk_timing VALUES ('sql_cusum_wd', run, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
  COMMIT;
END
$fn$;

\echo timing :runs rounds of the five detector pairs over :rows series of 24 months ...
SELECT 'CHECKPOINT', format('CALL bench.risk_once(%s)', r) FROM generate_series(0, :runs) r ORDER BY r
\gexec
DELETE FROM bench.risk_timing WHERE run = 0;

-- the scans as the jobs run them: a full scan as of the end of November; :fresh penalties of
-- November recorded on 1 December; the incremental scan as of 2 December since the first, then
-- the full scan as of the same moment (it finds nothing new: the incremental one raised it)
CHECKPOINT;
DO $$
DECLARE
  t0 timestamptz := clock_timestamp();
  s record;
BEGIN
  SELECT * INTO s FROM sv.risk_scan('BENCH-RISK', '2026-11-30 23:00+08', 2);
  INSERT INTO bench.risk_timing VALUES ('full_scan', 1, 1000 * extract(epoch FROM clock_timestamp() - t0),
    format('%s series, %s alarms, %s new alerts', s.series, s.alarms, s.new_alerts));
END
$$;
INSERT INTO sv.credit_event (uscc, id, kind, severity, source, decided_on, reference, penalty_types, source_system,
                             recorded_by, recorded_at, updated_at)
SELECT c.uscc, nextval('sv.credit_event_id_seq'), 'administrative_penalty', 2, 'city', date '2026-11-20', 'BENCH-RF-' || e.i,
       '{warning}', 'BENCH-RISK', 'bench', '2026-12-01 10:00+08', '2026-12-01 10:00+08'
FROM generate_series(1, :fresh) e(i) JOIN codes c ON c.n = 1 + (e.i::bigint * 40503 * 7) % :rows;
ANALYZE sv.credit_event;
CHECKPOINT;
DO $$
DECLARE
  t0 timestamptz;
  s record;
BEGIN
  t0 := clock_timestamp();
  SELECT * INTO s FROM sv.risk_scan('BENCH-RISK', '2026-12-02 23:00+08', 2, since => '2026-11-30 23:00+08');
  INSERT INTO bench.risk_timing VALUES ('incremental', 1, 1000 * extract(epoch FROM clock_timestamp() - t0),
    format('%s series, %s alarms, %s new alerts', s.series, s.alarms, s.new_alerts));
  t0 := clock_timestamp();
  SELECT * INTO s FROM sv.risk_scan('BENCH-RISK', '2026-12-02 23:00+08', 2);
  INSERT INTO bench.risk_timing VALUES ('full_scan_2', 1, 1000 * extract(epoch FROM clock_timestamp() - t0),
    format('%s series, %s alarms, %s new alerts', s.series, s.alarms, s.new_alerts));
END
$$;

\pset format unaligned
\pset tuples_only on
WITH m AS (
  SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med, min(ms) AS lo, max(ms) AS hi, count(*) AS runs,
         min(result) AS result
  FROM bench.risk_timing GROUP BY variant
), r AS (
  SELECT d, (SELECT med FROM m WHERE variant = 'c_' || d) / (SELECT med FROM m WHERE variant = 'sql_' || d) AS ratio
  FROM unnest(ARRAY['poisson', 'ewma', 'cusum', 'ewma_wd', 'cusum_wd']) d
)
SELECT concat_ws(E'\n',
  '======== 08_risk: ' || :rows || ' subjects x 24 months, ' || :events || ' penalties (median ms) ========',
  (SELECT string_agg(format('  %-12s %10s ms  %s runs  %s..%s  %s', variant, to_char(med, 'FM9999990.000'), runs,
                            round(lo::numeric, 1), round(hi::numeric, 1), coalesce(result, '')), E'\n'
                     ORDER BY array_position(ARRAY['c_poisson', 'sql_poisson', 'c_ewma', 'sql_ewma', 'c_cusum', 'sql_cusum',
                                                   'c_ewma_wd', 'sql_ewma_wd', 'c_cusum_wd', 'sql_cusum_wd',
                                                   'full_scan', 'incremental', 'full_scan_2'], variant)) FROM m),
  (SELECT string_agg(format('  c / sql %-8s %s   goal <= 0.50   %s', r.d, to_char(r.ratio, 'FM990.00'),
                            CASE WHEN r.ratio <= 0.5 THEN 'PASS' ELSE 'MISS' END), E'\n'
                     ORDER BY array_position(ARRAY['poisson', 'ewma', 'cusum', 'ewma_wd', 'cusum_wd'], r.d)) FROM r),
  format('  incremental / full  %s %%   goal <= 2 %%   %s (after %s new penalties)',
         to_char(100 * (SELECT med FROM m WHERE variant = 'incremental') / (SELECT med FROM m WHERE variant = 'full_scan_2'), 'FM990.00'),
         CASE WHEN (SELECT med FROM m WHERE variant = 'incremental') <= 0.02 * (SELECT med FROM m WHERE variant = 'full_scan_2')
              THEN 'PASS' ELSE 'MISS' END, :fresh),
  '========')
FROM m LIMIT 1;
\pset format aligned
\pset tuples_only off

CALL sv._append_only_enforce(false);   -- the guards fire ALWAYS: origin mode for the clean-up
SET session_replication_role = replica;
DELETE FROM sv.risk_alert WHERE rule_code = 'BENCH-RISK';
DELETE FROM sv.risk_rule_scan WHERE rule_code = 'BENCH-RISK';
DELETE FROM sv.risk_rule WHERE code = 'BENCH-RISK';
DELETE FROM sv.credit_event WHERE recorded_by = 'bench' AND source_system = 'BENCH-RISK';
DELETE FROM sv.subject WHERE source_system = 'BENCH-RISK';
RESET session_replication_role;
CALL sv._append_only_enforce();
DROP TABLE bench.risk_series, bench.risk_lnfact, bench.risk_wd;
