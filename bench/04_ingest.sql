-- 04_ingest: ingest of :rows market subjects from a department system.
--
-- The same :rows subject records (valid codes, ten Pingdingshan regions, industry, address,
-- WGS 84 point, legal representative, establishment date) arrive three ways:
--   copy     raw COPY of a CSV file into a copy of sv.subject with the same indexes, checks
--            and foreign key, no validation beyond those (the floor; the baseline)
--   json     sv.ingest('BENCH', 'subject', records): the JSON text is parsed, every record
--            validated by the rules of sv.subject_save, merged, one audit record
--   staged   COPY of the CSV into sv.subject_staging, then sv.ingest_staged('BENCH', 'subject')
-- Each variant starts from an empty target (the previous run's rows deleted and vacuumed,
-- untimed).  :runs rounds in a rotating order after one warm-up round, each run its own
-- transaction, timed inside a procedure; medians.  Goal: json / copy <= 3.0.  Also printed:
-- the same batch sent again (every record unchanged).
\if :{?rows}
\else
\set rows 100000
\endif
\if :{?runs}
\else
\set runs 3
\endif
\if :{?bench_dir}
\else
\set bench_dir /tmp
\endif
\set staging_csv :bench_dir/ingest_staging.csv
\set copy_csv :bench_dir/ingest_copy.csv

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.ingest_src, bench.ingest_json, bench.subject_copy, bench.ingest_timing;

-- the records, as a department system would send them
CREATE TABLE bench.ingest_src AS
WITH g AS (
  SELECT i, (ARRAY['410402','410403','410404','410411','410421','410422','410423','410425','410481','410482'])[1 + i % 10] AS region,
         '91' || (ARRAY['410402','410403','410404','410411','410421','410422','410423','410425','410481','410482'])[1 + (i * 7) % 10]
              || 'MA' || lpad(i::text, 7, '0') AS body
  FROM generate_series(1, :rows) AS i
)
SELECT i AS line, 'BENCH-' || i AS source_record_id, body || sv.uscc_check_character(body) AS uscc,
       '平顶山市第' || i || '号商贸有限公司' AS name, region AS region_code,
       (ARRAY['C1391','F5211','H6210','I6510','L7212'])[1 + i % 5] AS industry,
       '平顶山市新华区建设路' || i || '号' AS address,
       to_char(113.0 + (i % 1000) / 1000.0, 'FM990.000') AS longitude,
       to_char(33.5 + (i % 500) / 1000.0, 'FM90.000') AS latitude,
       (ARRAY['王','李','张','刘','陈'])[1 + i % 5] || '建国' AS legal_rep,
       'operating' AS status,
       to_char(date '2000-01-01' + (i % 9000), 'YYYY-MM-DD') AS established_on
FROM g;

-- the CSV file for the two COPY variants, and the JSON text for sv.ingest
COPY (SELECT source_record_id, uscc, name, region_code, industry, address, longitude, latitude, legal_rep,
             status, established_on FROM bench.ingest_src ORDER BY line)
  TO :'staging_csv' WITH (FORMAT csv);
COPY (SELECT uscc, name, 'enterprise', industry, region_code, address,
             format('SRID=4326;POINT(%s %s)', longitude, latitude), status, legal_rep, established_on,
             NULL, 'BENCH', source_record_id, now(), now()
      FROM bench.ingest_src ORDER BY line)
  TO :'copy_csv' WITH (FORMAT csv);
CREATE TABLE bench.ingest_json AS
  SELECT jsonb_agg(to_jsonb(s) - 'line' ORDER BY s.line)::text AS doc FROM bench.ingest_src s;

-- the same table as sv.subject: columns, checks, indexes and the foreign key to sv.region
CREATE TABLE bench.subject_copy (LIKE sv.subject INCLUDING ALL);
ALTER TABLE bench.subject_copy ADD FOREIGN KEY (region_code) REFERENCES sv.region (code);

CREATE TABLE bench.ingest_timing (variant text, run int, ms float8, result text);
CREATE OR REPLACE PROCEDURE bench.ingest_once(variant text, run int, dir text)
LANGUAGE plpgsql
AS $fn$
DECLARE
  t0 timestamptz;
  ms float8;
  res text;
BEGIN
  -- start empty (untimed)
  TRUNCATE bench.subject_copy;
  DELETE FROM sv.subject WHERE source_system = 'BENCH';
  COMMIT;
  t0 := clock_timestamp();
  IF variant = 'copy' THEN
    EXECUTE format('COPY bench.subject_copy FROM %L WITH (FORMAT csv)', dir || '/ingest_copy.csv');
    GET DIAGNOSTICS res = ROW_COUNT;
  ELSIF variant = 'json' THEN
    SELECT format('%s inserted, %s rejected', i.inserted, i.rejected) INTO res
    FROM bench.ingest_json j, sv.ingest('BENCH', 'subject', j.doc::jsonb) i;
  ELSE
    EXECUTE format('COPY sv.subject_staging (source_record_id, uscc, name, region_code, industry, address, longitude,
                      latitude, legal_rep, status, established_on) FROM %L WITH (FORMAT csv)', dir || '/ingest_staging.csv');
    SELECT format('%s inserted, %s rejected', i.inserted, i.rejected) INTO res
    FROM sv.ingest_staged('BENCH', 'subject') i;
  END IF;
  ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
  COMMIT;
  IF run > 0 THEN
    INSERT INTO bench.ingest_timing VALUES (variant, run, ms, res);
  END IF;
END
$fn$;

\echo timing :runs rounds of :rows subjects through raw COPY, sv.ingest and sv.ingest_staged ...
SELECT 'VACUUM sv.subject, bench.subject_copy', 'CHECKPOINT', format('CALL bench.ingest_once(%L, %s, %L)', v, r, :'bench_dir')
FROM generate_series(0, :runs) AS r,
     LATERAL (SELECT (ARRAY['copy', 'json', 'staged'])[1 + (j + r) % 3], j FROM generate_series(0, 2) AS j) AS s(v, j)
ORDER BY r, j
\gexec

-- the same batch again, onto the subjects it created: every record unchanged
CALL bench.ingest_once('json', 0, :'bench_dir');
CREATE OR REPLACE PROCEDURE bench.ingest_again()
LANGUAGE plpgsql
AS $fn$
DECLARE
  t0 timestamptz := clock_timestamp();
  res text;
BEGIN
  SELECT format('%s unchanged', i.unchanged) INTO res FROM bench.ingest_json j, sv.ingest('BENCH', 'subject', j.doc::jsonb) i;
  INSERT INTO bench.ingest_timing VALUES ('again', 1, 1000 * extract(epoch FROM clock_timestamp() - t0), res);
END
$fn$;
CALL bench.ingest_again();

\pset format unaligned
\pset tuples_only on
WITH m AS (
  SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med, min(ms) AS lo, max(ms) AS hi,
         count(*) AS runs, min(result) AS result
  FROM bench.ingest_timing GROUP BY variant
), p AS (
  SELECT c.med AS c, j.med AS j, s.med AS s FROM m c, m j, m s
  WHERE c.variant = 'copy' AND j.variant = 'json' AND s.variant = 'staged'
)
SELECT concat_ws(E'\n',
  '======== 04_ingest: ' || :rows || ' market subjects (median ms) ========',
  '                                   wall ms   runs   wall min..max    us/row   outcome',
  (SELECT string_agg(format('  %-31s %9s %6s   %s..%s %9s   %s',
          CASE variant WHEN 'copy' THEN 'raw COPY (baseline)' WHEN 'json' THEN 'sv.ingest (JSON)'
                       WHEN 'staged' THEN 'COPY + sv.ingest_staged' ELSE 'sv.ingest again (unchanged)' END,
          to_char(med, 'FM9999990.0'), runs, round(lo), round(hi),
          to_char(1000 * med / :rows, 'FM9990.00'), result), E'\n'
          ORDER BY array_position(ARRAY['copy', 'json', 'staged', 'again'], variant)) FROM m),
  format('  sv.ingest / raw COPY            %9s          goal <= 3.0    %s', to_char(j / c, 'FM990.00'),
         CASE WHEN j / c <= 3.0 THEN 'PASS' ELSE 'MISS' END),
  format('  COPY + ingest_staged / raw COPY %9s          goal <= 3.0    %s', to_char(s / c, 'FM990.00'),
         CASE WHEN s / c <= 3.0 THEN 'PASS' ELSE 'MISS' END),
  '========')
FROM p;
\pset format aligned
\pset tuples_only off

DELETE FROM sv.subject WHERE source_system = 'BENCH';
DROP TABLE bench.subject_copy, bench.ingest_json, bench.ingest_src;
