-- 01_uscc_copy: bulk loading unified social credit codes with COPY FROM.
--
-- 1,000,000 distinct valid codes of Pingdingshan enterprises are written to a server-side
-- file once, then COPY FROM that file is timed into three tables:
--   uscc    one sv.uscc column (the C type parses and validates every value)
--   text    one text column, no validation (the baseline)
--   check   one text column with CHECK (bench.uscc_valid(code)), the same validation written
--           in PL/pgSQL (what a project without the type would do)
-- The timing runs in :runs rounds (default 5); each round does one COPY into check and
-- :fast_runs (default 3) into each of uscc and text, interleaved in an order that rotates from
-- round to round, all in this one session on the same file; medians are reported (so of 5 runs
-- for check and 15 for uscc and text, whose short runs are the most exposed to noise).  Every
-- timed COPY is its own transaction, preceded by TRUNCATE (committed) and CHECKPOINT, and is
-- timed with clock_timestamp() around EXECUTE 'COPY ...' inside a procedure; the backend's CPU
-- time is recorded too.  An untimed warm-up COPY of uscc and of text comes first.
-- Goals: uscc / text <= 1.15 and check / uscc >= 20; a miss is reported, not an error.
--
-- psql variables: bench_dir (directory the server can write, default /tmp), rows (1000000),
-- runs (5), fast_runs (3).  Run by `make bench`; by hand:
--   psql -X -q -v ON_ERROR_STOP=1 -v bench_dir=/tmp -f bench/01_uscc_copy.sql
\if :{?bench_dir}
\else
\set bench_dir /tmp
\endif
\if :{?rows}
\else
\set rows 1000000
\endif
\if :{?runs}
\else
\set runs 5
\endif
\if :{?fast_runs}
\else
\set fast_runs 3
\endif

SET client_min_messages = warning;
SET bench.dir = :'bench_dir';
SET bench.rows = :'rows';

CREATE SCHEMA IF NOT EXISTS bench;

DROP TABLE IF EXISTS bench.uscc_copy_uscc, bench.uscc_copy_text, bench.uscc_copy_check,
  bench.uscc_copy_timing;

-- GB 32100-2015 validation in PL/pgSQL: 18 characters from the 31-symbol alphabet, and the
-- check character C18 = 31 - (sum of value(c_i) * W_i, i = 1..17) mod 31, 31 written as 0.
-- It does less than sv.uscc (no authority/category/region checks, no trimming or upper-casing),
-- so the ratio below is if anything flattering to PL/pgSQL.
CREATE OR REPLACE FUNCTION bench.uscc_valid(code text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
  alphabet CONSTANT text := '0123456789ABCDEFGHJKLMNPQRTUWXY';
  weights CONSTANT int[] := '{1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28}';
  s int := 0;
  v int;
  c int;
BEGIN
  IF length(code) <> 18 THEN
    RETURN false;
  END IF;
  FOR i IN 1..18 LOOP
    v := strpos(alphabet, substr(code, i, 1)) - 1;
    IF v < 0 THEN
      RETURN false;
    END IF;
    IF i < 18 THEN
      s := s + v * weights[i];
    END IF;
  END LOOP;
  c := 31 - s % 31;
  IF c = 31 THEN
    c := 0;
  END IF;
  RETURN substr(code, 18, 1) = substr(alphabet, c + 1, 1);
END
$fn$;

-- Regular (logged) tables; autovacuum off so that it does not run beside a timed COPY.
CREATE TABLE bench.uscc_copy_uscc (code sv.uscc) WITH (autovacuum_enabled = false);
CREATE TABLE bench.uscc_copy_text (code text) WITH (autovacuum_enabled = false);
CREATE TABLE bench.uscc_copy_check (code text CHECK (bench.uscc_valid(code)))
  WITH (autovacuum_enabled = false);
CREATE TABLE bench.uscc_copy_timing (
  seq int GENERATED ALWAYS AS IDENTITY, variant text, run int, ms float8, cpu_ms float8);

-- The sanity of the PL/pgSQL function against the C implementation, before timing anything.
DO $$
BEGIN
  IF NOT bench.uscc_valid('91410400MA44Y9T10' || sv.uscc_check_character('91410400MA44Y9T10'))
     OR bench.uscc_valid('91410400MA44Y9T10' ||
                         CASE sv.uscc_check_character('91410400MA44Y9T10') WHEN '0' THEN '1' ELSE '0' END)
     OR bench.uscc_valid('91410400MA44Y9T1O0') THEN
    RAISE EXCEPTION 'bench.uscc_valid disagrees with sv.uscc_check_character';
  END IF;
END
$$;

\echo generating :rows codes ...
-- Code i: '9' (industry and commerce), category 1/2/3 (enterprise 60 %, individual business
-- 30 %, farmers' cooperative 10 %), one of the ten county-level region codes of Pingdingshan,
-- then a 9-character organisation code: (i * 2654435761 + 12345) mod 31^9 written in base 31.
-- 2654435761 is prime, hence coprime to 31: the map is a bijection, so the codes are distinct.
DO $$
DECLARE
  path text := current_setting('bench.dir') || '/uscc_copy.txt';
BEGIN
  EXECUTE format($q$
    COPY (
      SELECT body || sv.uscc_check_character(body)
      FROM (
        SELECT '9'
               || (ARRAY['1','1','1','1','1','1','2','2','2','3'])[1 + abs(h) %% 10]
               || (ARRAY['410402','410403','410404','410411','410421',
                         '410422','410423','410425','410481','410482'])[1 + (abs(h) / 10) %% 10]
               || substr(a, (n / 852891037441 %% 31)::int + 1, 1)
               || substr(a, (n / 27512614111 %% 31)::int + 1, 1)
               || substr(a, (n / 887503681 %% 31)::int + 1, 1)
               || substr(a, (n / 28629151 %% 31)::int + 1, 1)
               || substr(a, (n / 923521 %% 31)::int + 1, 1)
               || substr(a, (n / 29791 %% 31)::int + 1, 1)
               || substr(a, (n / 961 %% 31)::int + 1, 1)
               || substr(a, (n / 31 %% 31)::int + 1, 1)
               || substr(a, (n %% 31)::int + 1, 1) AS body
        FROM (SELECT hashint8(i) AS h, (i * 2654435761 + 12345) %% 26439622160671 AS n,
                     '0123456789ABCDEFGHJKLMNPQRTUWXY'::text AS a
              FROM generate_series(1::bigint, %s) AS i) g
      ) b
    ) TO %L$q$, current_setting('bench.rows')::bigint, path);
END
$$;

-- Backend CPU time (user + system) in ms, from /proc/<pid>/stat (Linux, 10 ms ticks); NULL
-- elsewhere.  Less sensitive than wall-clock time to other load on the machine.
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

-- One timed COPY FROM: TRUNCATE and CHECKPOINT (committed, not timed), then COPY in a
-- transaction of its own.  Records the time unless run = 0 (warm-up).
CREATE OR REPLACE PROCEDURE bench.uscc_copy_once(variant text, run int)
LANGUAGE plpgsql
AS $fn$
DECLARE
  tbl text := 'bench.uscc_copy_' || variant;
  path text := current_setting('bench.dir') || '/uscc_copy.txt';
  t0 timestamptz;
  ms float8;
  cpu0 float8;
  cpu_ms float8;
BEGIN
  EXECUTE 'TRUNCATE ' || tbl;
  COMMIT;
  CHECKPOINT;
  cpu0 := bench.backend_cpu_ms();
  t0 := clock_timestamp();
  EXECUTE format('COPY %s FROM %L', tbl, path);
  ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
  cpu_ms := bench.backend_cpu_ms() - cpu0;
  COMMIT;
  IF run > 0 THEN
    INSERT INTO bench.uscc_copy_timing (variant, run, ms, cpu_ms) VALUES (variant, run, ms, cpu_ms);
  END IF;
END
$fn$;

-- Warm-up: the file into the page cache, the code paths into the CPU caches.  The text table
-- then also proves the generated codes are all distinct.
CALL bench.uscc_copy_once('uscc', 0);
CALL bench.uscc_copy_once('text', 0);
DO $$
DECLARE
  n bigint;
  d bigint;
BEGIN
  SELECT count(*), count(DISTINCT code) INTO n, d FROM bench.uscc_copy_text;
  IF n <> current_setting('bench.rows')::bigint OR d <> n THEN
    RAISE EXCEPTION 'generated % codes, % distinct; expected % distinct', n, d,
      current_setting('bench.rows');
  END IF;
END
$$;

\echo timing :runs rounds: each 1 run with the PL/pgSQL CHECK, :fast_runs runs each of uscc and text ...
-- Round r: uscc and text alternate (starting with uscc in odd rounds, text in even ones), and
-- the single check run moves one slot further each round.
SELECT format('CALL bench.uscc_copy_once(%L, %s)', v, r)
FROM generate_series(1, :runs) AS r,
     LATERAL (SELECT CASE WHEN (j + r) % 2 = 1 THEN 'uscc' ELSE 'text' END, 2 * j
              FROM generate_series(0, 2 * :fast_runs - 1) AS j
              UNION ALL
              SELECT 'check', 2 * ((r - 1) % (2 * :fast_runs + 1)) - 1) AS s(v, k)
ORDER BY r, k
\gexec

-- The result block.  PASS/MISS is judged on the wall-clock medians; the CPU-time ratio is
-- printed beside them because other load on the machine moves wall-clock time much more.
\pset format unaligned
\pset tuples_only on
WITH m AS (
  SELECT variant, count(*) AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med,
         min(ms) AS lo, max(ms) AS hi,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_ms) AS cpu
  FROM bench.uscc_copy_timing GROUP BY variant
), p AS (
  SELECT u.med AS u, t.med AS t, c.med AS c, u.cpu AS ucpu, t.cpu AS tcpu, c.cpu AS ccpu,
         u.n AS un, t.n AS tn, c.n AS cn, u.lo AS ulo, u.hi AS uhi, t.lo AS tlo, t.hi AS thi,
         c.lo AS clo, c.hi AS chi,
         pg_relation_size('bench.uscc_copy_uscc') AS us,
         pg_relation_size('bench.uscc_copy_text') AS ts
  FROM m u, m t, m c
  WHERE u.variant = 'uscc' AND t.variant = 'text' AND c.variant = 'check'
)
SELECT concat_ws(E'\n',
  format('======== 01_uscc_copy: COPY FROM of %s distinct valid codes (median ms) ========',
         to_char(current_setting('bench.rows')::bigint, 'FM9,999,999,999')),
  '                              wall ms    cpu ms   runs   wall min..max',
  format('  sv.uscc column            %9s %9s %6s   %s..%s', to_char(u, 'FM9999990.0'),
         coalesce(to_char(ucpu, 'FM9999990'), '-'), un, round(ulo), round(uhi)),
  format('  text column (baseline)    %9s %9s %6s   %s..%s', to_char(t, 'FM9999990.0'),
         coalesce(to_char(tcpu, 'FM9999990'), '-'), tn, round(tlo), round(thi)),
  format('  text + PL/pgSQL CHECK     %9s %9s %6s   %s..%s', to_char(c, 'FM9999990.0'),
         coalesce(to_char(ccpu, 'FM9999990'), '-'), cn, round(clo), round(chi)),
  format('  uscc / text               %9s %9s   goal <= 1.15x  %s', to_char(u / t, 'FM990.000'),
         coalesce(to_char(ucpu / nullif(tcpu, 0), 'FM990.000'), '-'),
         CASE WHEN u / t <= 1.15 THEN 'PASS' ELSE 'MISS' END),
  format('  plpgsql-check / uscc      %9s %9s   goal >= 20x    %s', to_char(c / u, 'FM99990.0'),
         coalesce(to_char(ccpu / nullif(ucpu, 0), 'FM99990.0'), '-'),
         CASE WHEN c / u >= 20 THEN 'PASS' ELSE 'MISS' END),
  format('  table size (pg_relation_size): uscc %s bytes, text %s bytes (%s), uscc/text %s',
         us, ts, pg_size_pretty(ts), to_char(us::numeric / ts, 'FM0.000')),
  '========')
FROM p;
\pset format aligned
\pset tuples_only off
