-- 09_complaint_search: the top-5 similar search behind duplicate proposals (issue 18,
-- 74_complaint_duplicate.sql) among :rows stored complaints and reports.
--
-- Setup (untimed, set-based): :rows items over two years (2025-2026) with generated Chinese
-- texts: a place (11 districts and counties, 30 streets, a house number), a business (6,000
-- name stems x 24 kinds), one of 60 problems, optionally a time, an amount and a detail, one of
-- 12 demands, in one of three orders; a third name a subject (USCC).  Loaded with the intake's
-- trigger off (the proposals are not what is timed), then their sketches
-- (sv.complaint_text_bands) into sv.complaint_sketch and its GIN index built once, as after a
-- restore.
-- Timed: :searches searches with query texts of the same generator under other seeds (new
-- complaints, none stored as such): sv._complaint_nearest(text, 5) over all items (the issue's
-- figure: MinHash band family 1, then pg_trgm's similarity on the candidates), over the 30-day
-- window of the proposal (received_at within +-30 days of the query's date: both families), and
-- the proposal's text step (the 50 nearest of the window, and the sketch of the new text).
-- p50 / p95 / p99 in ms; CPU per search from the backend's /proc/self/stat (utime + stime, 10 ms
-- ticks, over all searches).  Goal: p95 <= 50 ms.
-- Recall: for :recall_queries queries, the exact top 5 (pg_trgm's similarity on every item, or
-- every item of the window) against the top 5 found: how many of the exact top 5 are found.
\if :{?rows}
\else
\set rows 1000000
\endif
\if :{?searches}
\else
\set searches 200
\endif
\if :{?recall_queries}
\else
\set recall_queries 5
\endif

SET client_min_messages = warning;
SET timezone = 'Asia/Shanghai';
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.cs_timing, bench.cs_query;
CREATE TABLE bench.cs_timing (variant text, n int, ms float8, found int, top_score real);

-- the generator: text number i (deterministic), as a function so the queries use it too
\ir lib/complaint_text.sql

SELECT count(*) AS regions FROM sv.region WHERE code IN ('410402','410403','410404','410411','410421','410422','410423','410425','410481','410482');
\timing on
SET session_replication_role = replica;   -- untimed fixture: no proposal per row, no foreign-key checks
DELETE FROM sv.complaint_sketch s USING sv.complaint c
WHERE c.id = s.complaint_id AND c.channel = 'hotline' AND c.work_order_no LIKE 'BENCH-%';   -- a run before this one
DELETE FROM sv.complaint WHERE channel = 'hotline' AND work_order_no LIKE 'BENCH-%';
DROP INDEX IF EXISTS sv.complaint_sketch_bands_idx;
INSERT INTO sv.complaint (work_order_no, kind, channel, body, subject_uscc, place_region_code, anonymous, received_at,
                         department_id, state, recorded_by, recorded_at, accept_due)
SELECT 'BENCH-' || i, CASE WHEN i % 3 = 0 THEN 'report' ELSE 'complaint' END, 'hotline', bench.cs_text(i),
       CASE WHEN i % 3 = 0 THEN ('91410402MA' || lpad(to_hex(i % 50000), 7, '0')
                                 || sv.uscc_check_character('91410402MA' || lpad(to_hex(i % 50000), 7, '0')))::sv.uscc END,
       (ARRAY['410402','410403','410404','410411','410421','410422','410423','410425','410481','410482'])[1 + i % 10],
       true, timestamptz '2025-01-01 08:00+08' + (i % 730) * interval '1 day' + (i % 600) * interval '1 minute',
       4, 'received', 'bench', now(), CASE WHEN i % 3 = 0 THEN NULL ELSE date '2026-12-31' END
FROM generate_series(1, :rows) i;
SET session_replication_role = origin;
SELECT pg_size_pretty(pg_relation_size('sv.complaint')) AS heap, round(avg(char_length(body))) AS avg_chars,
       count(DISTINCT body) AS distinct_texts FROM sv.complaint;
INSERT INTO sv.complaint_sketch (complaint_id, received_at, bands, trigrams, place_trigrams)
SELECT x.id, x.received_at, x.bands, sv.complaint_text_trigrams(x.body), sv.complaint_text_trigrams(x.place_address)
FROM (SELECT c.id, c.received_at, c.body, c.place_address, sv.complaint_text_bands(c.body, c.received_at) AS bands
      FROM sv.complaint c WHERE c.work_order_no LIKE 'BENCH-%') x
WHERE x.bands IS NOT NULL;
CREATE INDEX complaint_sketch_bands_idx ON sv.complaint_sketch USING gin (bands) WITH (fastupdate = off);
\timing off
VACUUM ANALYZE sv.complaint, sv.complaint_sketch;
SELECT pg_size_pretty(pg_relation_size('sv.complaint_sketch')) AS sketch_heap,
       pg_size_pretty(pg_relation_size('sv.complaint_sketch_bands_idx')) AS sketch_gin,
       pg_size_pretty(pg_relation_size('sv.complaint_sketch_pkey')) AS sketch_pkey;
CHECKPOINT;

-- the queries: new texts (seeds beyond the stored ones), each with a date in the two years
CREATE TABLE bench.cs_query AS
SELECT n, bench.cs_text(10000000 + n * 7919) AS body,
       timestamptz '2025-01-01 08:00+08' + ((n * 37) % 730) * interval '1 day' AS at
FROM generate_series(1, :searches) n;
SELECT body AS example_query FROM bench.cs_query WHERE n <= 3 ORDER BY n;

-- warm-up (the index's upper levels into shared buffers)
SELECT count(*) FROM bench.cs_query q, LATERAL sv._complaint_nearest(q.body, 5) r WHERE q.n <= 10;

CREATE TEMP TABLE cs_cpu (variant text, ticks_before bigint, ticks_after bigint);
DO $$
DECLARE
  q record;
  t0 timestamptz;
  v_found int;
  v_top real;
  v_variant text;
  v_stat text[];
BEGIN
  FOREACH v_variant IN ARRAY ARRAY['all', 'window30', 'proposal50', 'sketch'] LOOP
    v_stat := regexp_split_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ');
    INSERT INTO cs_cpu VALUES (v_variant, v_stat[12]::bigint + v_stat[13]::bigint, NULL);
    FOR q IN SELECT * FROM bench.cs_query ORDER BY n LOOP
      t0 := clock_timestamp();
      IF v_variant = 'all' THEN
        SELECT count(*), max(text_score) INTO v_found, v_top FROM sv._complaint_nearest(q.body, 5);
      ELSIF v_variant = 'window30' THEN
        SELECT count(*), max(text_score) INTO v_found, v_top
        FROM sv._complaint_nearest(q.body, 5, q.at - interval '30 days', q.at + interval '30 days');
      ELSIF v_variant = 'proposal50' THEN   -- the proposal's text candidates: the 50 nearest of the window
        SELECT count(*), max(text_score) INTO v_found, v_top
        FROM sv._complaint_nearest(q.body, 50, q.at - interval '30 days', q.at + interval '30 days');
      ELSE                                  -- the intake's sketch of the new text
        SELECT cardinality(sv.complaint_text_bands(q.body, q.at)), NULL INTO v_found, v_top;
      END IF;
      INSERT INTO bench.cs_timing VALUES (v_variant, q.n, extract(epoch FROM clock_timestamp() - t0) * 1000, v_found, v_top);
    END LOOP;
    v_stat := regexp_split_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ');
    UPDATE cs_cpu SET ticks_after = v_stat[12]::bigint + v_stat[13]::bigint WHERE variant = v_variant;
  END LOOP;
END
$$;

SELECT t.variant, count(*) AS searches, min(found) AS min_found,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p95_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p99_ms,
       round(max(ms)::numeric, 2) AS max_ms,
       round(((c.ticks_after - c.ticks_before) * 10.0 / count(*))::numeric, 2) AS cpu_ms_per_search,
       round(avg(top_score)::numeric, 3) AS avg_top_score,
       CASE WHEN t.variant <> 'all' THEN '' WHEN percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) <= 50 THEN 'met' ELSE 'MISSED' END
         AS goal_p95_50ms
FROM bench.cs_timing t JOIN cs_cpu c ON c.variant = t.variant
GROUP BY t.variant, c.ticks_before, c.ticks_after ORDER BY 1;
SELECT round(load1::numeric, 2) AS load_1min FROM (SELECT split_part(pg_read_file('/proc/loadavg'), ' ', 1)::float8 AS load1) x;

-- recall against the exact top 5 (every item's similarity, one statement per query so that the
-- exact scan runs in parallel where the server can): over the window, and over all items
SET max_parallel_workers_per_gather = 2;
CREATE TEMP TABLE cs_recall (variant text, n int, exact bigint[], found bigint[]);
SELECT format($q$INSERT INTO cs_recall SELECT %L, %s,
    (SELECT array_agg(id) FROM (SELECT x.id FROM sv.complaint x %s
                                ORDER BY similarity(sv.complaint_text_grams(x.body), %L) DESC, x.id DESC LIMIT 5) e),
    (SELECT array_agg(complaint_id) FROM sv._complaint_nearest(%L, 5 %s))$q$,
  v, n, CASE WHEN v = 'window30' THEN format('WHERE x.received_at BETWEEN %L AND %L', at - interval '30 days', at + interval '30 days') END,
  sv.complaint_text_grams(body), body,
  CASE WHEN v = 'window30' THEN format(', %L, %L', at - interval '30 days', at + interval '30 days') ELSE '' END)
FROM bench.cs_query, (VALUES ('window30'), ('all')) vv(v) WHERE n <= :recall_queries ORDER BY v DESC, n \gexec
SELECT variant, count(*) AS queries, sum((SELECT count(*) FROM unnest(exact) e WHERE e = ANY (found))) AS found,
       5 * count(*) AS exact_top5,
       round(sum((SELECT count(*) FROM unnest(exact) e WHERE e = ANY (found)))::numeric / (5 * count(*)), 3) AS recall_top5,
       min((SELECT count(*) FROM unnest(exact) e WHERE e = ANY (found))) AS worst_query
FROM cs_recall GROUP BY variant ORDER BY variant;
SELECT round(load1::numeric, 2) AS load_1min_after FROM (SELECT split_part(pg_read_file('/proc/loadavg'), ' ', 1)::float8 AS load1) x;
