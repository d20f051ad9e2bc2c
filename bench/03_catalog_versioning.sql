-- 03_catalog_versioning: UPDATE throughput of a system-versioned catalogue table.
--
-- Three copies of a catalogue-like table (the columns of sv.catalog_item, no foreign keys),
-- :rows rows each, are updated whole in one statement per run (every row gets a new version):
--   sv        sv.versioning(), this project's C trigger, writing bench.cat_sv_history
--   periods   the Debian postgresql-15-periods extension's SYSTEM VERSIONING (PL/pgSQL triggers)
--   none      no versioning (the floor)
-- :runs rounds, interleaved in an order that rotates from round to round, each UPDATE its own
-- transaction (so each run makes a new version of every row), timed with clock_timestamp()
-- inside a procedure; medians.  Goal: periods / sv >= 1.0 (ours at least as fast).
\if :{?rows}
\else
\set rows 20000
\endif
\if :{?runs}
\else
\set runs 5
\endif

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench;
CREATE EXTENSION IF NOT EXISTS periods CASCADE;
DROP TABLE IF EXISTS bench.cat_sv, bench.cat_sv_history, bench.cat_periods, bench.cat_none,
  bench.cat_timing;
DROP TABLE IF EXISTS bench.cat_periods_history;

CREATE TABLE bench.cat_none (
  id bigint PRIMARY KEY, code text NOT NULL UNIQUE, department_id integer NOT NULL,
  main_name text NOT NULL, method text NOT NULL, measures text NOT NULL, objects text NOT NULL,
  legal_basis jsonb NOT NULL, level text NOT NULL, source text NOT NULL, revision integer NOT NULL
);
CREATE TABLE bench.cat_sv (LIKE bench.cat_none INCLUDING ALL, sys_period tstzrange NOT NULL DEFAULT tstzrange(now(), NULL));
CREATE TABLE bench.cat_sv_history (LIKE bench.cat_sv);
CREATE INDEX ON bench.cat_sv_history (id, sys_period);
CREATE TRIGGER cat_sv_versioning BEFORE INSERT OR UPDATE OR DELETE ON bench.cat_sv
  FOR EACH ROW EXECUTE FUNCTION sv.versioning('bench.cat_sv_history');
CREATE TABLE bench.cat_periods (LIKE bench.cat_none INCLUDING ALL);
SELECT periods.add_system_time_period('bench.cat_periods');
SELECT periods.add_system_versioning('bench.cat_periods');

INSERT INTO bench.cat_none
SELECT i, 'BENCH-' || i, 1 + i % 11, '对第' || i || '类经营活动的监督检查', '双随机抽查', '现场检查', '市场主体',
       '[{"law": "中华人民共和国行政处罚法", "article": "第四十二条"}]', 'city', 'city', 0
FROM generate_series(1, :rows) i;
INSERT INTO bench.cat_sv (id, code, department_id, main_name, method, measures, objects, legal_basis, level, source, revision)
SELECT * FROM bench.cat_none;
INSERT INTO bench.cat_periods (id, code, department_id, main_name, method, measures, objects, legal_basis, level, source, revision)
SELECT * FROM bench.cat_none;
VACUUM ANALYZE bench.cat_none, bench.cat_sv, bench.cat_periods;

CREATE TABLE bench.cat_timing (variant text, run int, ms float8);
CREATE OR REPLACE PROCEDURE bench.cat_update_once(variant text, run int)
LANGUAGE plpgsql
AS $fn$
DECLARE
  t0 timestamptz;
  ms float8;
BEGIN
  t0 := clock_timestamp();
  EXECUTE format('UPDATE bench.%I SET revision = revision + 1, measures = %L', 'cat_' || variant,
                 'revision ' || run);
  ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
  COMMIT;
  IF run > 0 THEN
    INSERT INTO bench.cat_timing VALUES (variant, run, ms);
  END IF;
END
$fn$;

\echo timing :runs rounds of a whole-table UPDATE of :rows rows under sv.versioning, periods and none ...
SELECT 'CHECKPOINT', format('CALL bench.cat_update_once(%L, %s)', v, r)
FROM generate_series(0, :runs) AS r,
     LATERAL (SELECT (ARRAY['sv', 'periods', 'none'])[1 + (j + r) % 3], j FROM generate_series(0, 2) AS j) AS s(v, j)
ORDER BY r, j
\gexec

\pset format unaligned
\pset tuples_only on
WITH m AS (
  SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med, min(ms) AS lo, max(ms) AS hi, count(*) AS runs
  FROM bench.cat_timing GROUP BY variant
), p AS (
  SELECT s.med AS s, p.med AS p, n.med AS n FROM m s, m p, m n
  WHERE s.variant = 'sv' AND p.variant = 'periods' AND n.variant = 'none'
)
SELECT concat_ws(E'\n',
  '======== 03_catalog_versioning: whole-table UPDATE of ' || :rows || ' rows (median ms) ========',
  '                              wall ms   runs   wall min..max    us/row',
  (SELECT string_agg(format('  %-26s %9s %6s   %s..%s %9s',
          CASE variant WHEN 'sv' THEN 'sv.versioning (C)' WHEN 'periods' THEN 'periods extension'
                       ELSE 'no versioning' END,
          to_char(med, 'FM9999990.0'), runs, round(lo), round(hi),
          to_char(1000 * med / :rows, 'FM9990.00')), E'\n' ORDER BY variant DESC) FROM m),
  format('  periods / sv.versioning    %9s          goal >= 1.0    %s', to_char(p / s, 'FM990.00'),
         CASE WHEN p / s >= 1.0 THEN 'PASS' ELSE 'MISS' END),
  format('  sv.versioning / none       %9s          (cost of keeping history)', to_char(s / n, 'FM990.00')),
  format('  history rows: sv %s, periods %s',
         (SELECT count(*) FROM bench.cat_sv_history), (SELECT count(*) FROM bench.cat_periods_history)),
  '========')
FROM p;
\pset format aligned
\pset tuples_only off
