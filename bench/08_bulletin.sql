-- 08_bulletin: the monthly bulletin and the KPIs behind it (80_evaluation.sql, 81_bulletin.sql)
-- over :actions supervision actions and :complaints complaints and reports of 10 counties × 40
-- departments in the last twelve months (Beijing time), 10,000 subjects.
--   count        SELECT count(*) FROM sv.action: one pass over the actions (the baseline)
--   full         sv.kpi_refresh over the twelve months: every KPI recomputed from the facts
--   bulletin     sv.bulletin_generate('monthly', last month): scores and ranks of this and the
--                previous month, six months of trend, the page, from the stored daily rows
--   incremental  a day's 10,000 new actions arrive, then sv.kpi_refresh of that day
-- Medians of :runs runs (each its own transaction, timed inside it), after one warm-up.
-- Goals (issue 19): bulletin / count <= 3.0; incremental / full <= 0.05.
-- The complaints (the issue's 200,000) are loaded directly into sv.complaint as the fixture: 70 %
-- complaints (accept, handle and revisit), 30 % reports; their KPIs (accepted and closed on time,
-- 12345 satisfaction) are in the full recomputation and in the timed bulletin like every KPI.
\if :{?actions}
\else
\set actions 1000000
\endif
\if :{?complaints}
\else
\set complaints 200000
\endif
\if :{?runs}
\else
\set runs 3
\endif

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.bulletin_timing;
CREATE TABLE bench.bulletin_timing (variant text, run int, ms float8);

\echo loading 400 departments, 10,000 subjects and :actions actions ...
INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code)
SELECT 1000 + 40 * (r.n - 1) + k, r.code || '-B' || lpad(k::text, 2, '0'), r.name_zh || '第' || k || '监管部门',
       r.name_en || ' bureau ' || k, 'county', r.code
FROM (SELECT code, name_zh, name_en, row_number() OVER (ORDER BY code) AS n FROM sv.region
      WHERE parent_code = '410400' AND level = 'county') r
CROSS JOIN generate_series(1, 40) k
ON CONFLICT DO NOTHING;
SELECT count(*) AS items FROM (
  SELECT sv.catalog_item_save('BB-' || d.id, d.id, '对第' || d.id || '号领域的监督检查', '双随机抽查', '现场检查', '市场主体',
                              '[{"law": "示例条例", "article": "第一条"}]', 'provincial', 'provincial'),
         sv.check_item_save('BB-' || d.id || '-C' || c, 'BB-' || d.id, 'county', d.region_code, d.id, 'on_site', '检查' || c, 'general')
  FROM sv.department d CROSS JOIN generate_series(1, 5) c WHERE d.id > 1000) x \gset
INSERT INTO sv.catalog_claim (department_id, catalog_item_id, claimed_by)
SELECT c.department_id, c.id, 'bench' FROM sv.catalog_item c WHERE c.code LIKE 'BB-%' AND c.department_id % 4 <> 0
ON CONFLICT DO NOTHING;
SELECT sv.catalog_publish('BB-' || to_char(clock_timestamp(), 'YYYYMMDDHH24MISS'), 'bench') AS release \gset
SELECT (sv.ingest('BB-AMR', 'subject', jsonb_agg(jsonb_build_object(
          'source_record_id', 'BB-' || i, 'uscc', b || sv.uscc_check_character(b), 'name', '基准企业' || i, 'region_code', region)))).inserted
  AS subjects
FROM (SELECT i, region, '91' || region || 'MA' || lpad(i::text, 7, '0') AS b
      FROM (SELECT i, (ARRAY['410402','410403','410404','410411','410421','410422','410423','410425','410481','410482'])[1 + i % 10] AS region
            FROM generate_series(1, 10000) i) x) y \gset
CREATE TABLE bench.bulletin_subject AS
  SELECT uscc, region_code, row_number() OVER (PARTITION BY region_code ORDER BY uscc)::integer AS k
  FROM sv.subject WHERE source_system = 'BB-AMR';
CREATE INDEX ON bench.bulletin_subject (region_code, k);
SELECT (date_trunc('month', sv.local_date(now())) - interval '12 months')::date AS first_day,
       sv.local_date(now()) - 2 AS last_day, sv.local_date(now()) - 1 AS new_day,
       to_char(sv.local_date(now()) - interval '1 month', 'YYYY-MM') AS period \gset

-- the actions: department d of county r, a subject of r, ended on a day of the twelve months
CREATE FUNCTION pg_temp.load_actions(n integer, first_day date, last_day date, tag text) RETURNS bigint
LANGUAGE sql AS $$
  WITH g AS (
    SELECT i, 1001 + ((i::bigint * 7919) % 400)::integer AS dept,
           first_day + ((i::bigint * 104729) % (last_day - first_day + 1))::integer AS ended_on
    FROM generate_series(1, n) i
  ), ins AS (
    INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on,
                           inspectors, result, publication_due, published_at, source_system, source_record_id,
                           received_at, updated_at)
    SELECT s.uscc, 'inspection', 'BB-' || g.dept || '-C' || (1 + g.i % 5), (SELECT max(id) FROM sv.catalog_release), g.dept,
           d.region_code, g.ended_on, g.ended_on, '{B1,B2}', 'no_problem', g.ended_on + 28,
           CASE WHEN g.i % 10 < 7 THEN (g.ended_on + 10 + g.i % 30)::timestamp AT TIME ZONE 'Asia/Shanghai' END,
           'BB', tag || g.i, (g.ended_on + g.i % 9)::timestamp AT TIME ZONE 'Asia/Shanghai', now()
    FROM g JOIN sv.department d ON d.id = g.dept
    JOIN bench.bulletin_subject s ON s.region_code = d.region_code AND s.k = 1 + g.i % 1000
    RETURNING 1
  )
  SELECT count(*) FROM ins
$$;
SELECT pg_temp.load_actions(:actions, :'first_day', :'last_day', 'BB-') AS actions_loaded \gset

-- the complaints: department d, received on a day of the twelve months; a complaint is
-- accepted within 0-11 days (due in 9), handled within 20-49 days (due in 42) or still open
-- (one in twenty), and one in three handled is revisited: 7 in 10 satisfied, 2 basically, 1 not
\echo loading :complaints complaints and reports ...
INSERT INTO sv.complaint (work_order_no, kind, channel, body, anonymous, received_at, department_id, state, recorded_by,
                          recorded_at, accept_due, decided_at, accept_workdays, handle_start, handle_workdays, handle_due,
                          handled_at, revisited_at, satisfaction)
SELECT 'BBC-' || i, k.kind, 'hotline', '基准投诉举报' || i, true, r.at, 1001 + ((i::bigint * 7919) % 400)::integer,
       CASE WHEN h.at IS NULL THEN 'accepted' WHEN v.at IS NULL THEN 'handled' ELSE 'revisited' END, 'bench', r.at,
       CASE WHEN k.kind = 'complaint' THEN r.day + 9 END, CASE WHEN k.kind = 'complaint' THEN r.at + make_interval(days => i % 12) END,
       CASE WHEN k.kind = 'complaint' THEN 7 END, r.day + 1, 30, r.day + 42, h.at, v.at,
       CASE WHEN v.at IS NULL THEN NULL WHEN i % 10 < 7 THEN 'satisfied' WHEN i % 10 < 9 THEN 'basically_satisfied'
            ELSE 'dissatisfied' END
FROM generate_series(1, :complaints) i
CROSS JOIN LATERAL (SELECT CASE WHEN i % 10 < 7 THEN 'complaint' ELSE 'report' END AS kind) k
CROSS JOIN LATERAL (SELECT d AS day, (d + time '09:00')::timestamp AT TIME ZONE 'Asia/Shanghai' AS at
                    FROM (SELECT :'first_day'::date + ((i::bigint * 104729) % (:'last_day'::date - :'first_day'::date + 1))::integer AS d) x) r
CROSS JOIN LATERAL (SELECT CASE WHEN i % 20 <> 0 THEN r.at + make_interval(days => 20 + i % 30) END AS at) h
CROSS JOIN LATERAL (SELECT CASE WHEN i % 3 = 0 THEN h.at + interval '3 days' END AS at) v;
SELECT count(*) AS complaints_loaded FROM sv.complaint WHERE work_order_no LIKE 'BBC-%' \gset
VACUUM ANALYZE sv.action;
VACUUM ANALYZE sv.complaint;
VACUUM ANALYZE sv.department;

CREATE PROCEDURE pg_temp.timed(variant text, stmt text, run integer)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
BEGIN
  t0 := clock_timestamp();
  EXECUTE stmt;
  INSERT INTO bench.bulletin_timing VALUES (variant, run, 1000 * extract(epoch FROM clock_timestamp() - t0));
END
$$;

\echo timing count, full recomputation, bulletin and incremental, :runs runs each after a warm-up ...
CALL pg_temp.timed('count', 'SELECT count(*) FROM sv.action', 0);
CALL pg_temp.timed('full', format('SELECT sv.kpi_refresh(%L, %L)', :'first_day', :'last_day'), 0);
SELECT format('SELECT sv.bulletin_generate(%L, %L, new_edition => true)', 'monthly', :'period') AS bulletin_stmt \gset
CALL pg_temp.timed('bulletin', :'bulletin_stmt', 0);
CALL pg_temp.timed('count', 'SELECT count(*) FROM sv.action', 1);
CALL pg_temp.timed('full', format('SELECT sv.kpi_refresh(%L, %L)', :'first_day', :'last_day'), 1);
CALL pg_temp.timed('bulletin', :'bulletin_stmt', 1);
CALL pg_temp.timed('count', 'SELECT count(*) FROM sv.action', 2);
CALL pg_temp.timed('full', format('SELECT sv.kpi_refresh(%L, %L)', :'first_day', :'last_day'), 2);
CALL pg_temp.timed('bulletin', :'bulletin_stmt', 2);
CALL pg_temp.timed('count', 'SELECT count(*) FROM sv.action', 3);
CALL pg_temp.timed('full', format('SELECT sv.kpi_refresh(%L, %L)', :'first_day', :'last_day'), 3);
CALL pg_temp.timed('bulletin', :'bulletin_stmt', 3);
-- a day's 10,000 new actions, then that day refreshed (three days, one per run)
SELECT pg_temp.load_actions(10000, :'new_day', :'new_day', 'BB-N1-') AS new_actions \gset
CALL pg_temp.timed('incremental', format('SELECT sv.kpi_refresh(%L, %L)', :'new_day', :'new_day'), 1);
SELECT pg_temp.load_actions(10000, :'new_day', :'new_day', 'BB-N2-') AS new_actions \gset
CALL pg_temp.timed('incremental', format('SELECT sv.kpi_refresh(%L, %L)', :'new_day', :'new_day'), 2);
SELECT pg_temp.load_actions(10000, :'new_day', :'new_day', 'BB-N3-') AS new_actions \gset
CALL pg_temp.timed('incremental', format('SELECT sv.kpi_refresh(%L, %L)', :'new_day', :'new_day'), 3);

WITH m AS (
  SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
  FROM bench.bulletin_timing WHERE run > 0 GROUP BY variant
)
SELECT format('======== 08_bulletin: %s actions, %s complaints, 400 departments in 10 counties (median ms) ========',
              :'actions_loaded', :'complaints_loaded') AS result
UNION ALL
SELECT format('%-12s %10s ms', variant, round(ms::numeric, 1)) FROM m
UNION ALL
SELECT format('bulletin / count     = %s (goal <= 3.0)%s',
              round(((SELECT ms FROM m WHERE variant = 'bulletin') / (SELECT ms FROM m WHERE variant = 'count'))::numeric, 2),
              CASE WHEN (SELECT ms FROM m WHERE variant = 'bulletin') > 3 * (SELECT ms FROM m WHERE variant = 'count')
                   THEN '  GOAL MISSED' ELSE '' END)
UNION ALL
SELECT format('incremental / full   = %s (goal <= 0.05)%s',
              round(((SELECT ms FROM m WHERE variant = 'incremental') / (SELECT ms FROM m WHERE variant = 'full'))::numeric, 3),
              CASE WHEN (SELECT ms FROM m WHERE variant = 'incremental') > 0.05 * (SELECT ms FROM m WHERE variant = 'full')
                   THEN '  GOAL MISSED' ELSE '' END)
UNION ALL   -- the complaint KPIs of the timed bulletin (city-wide, the last edition's content)
(SELECT format('bulletin %-30s %s / %s', k.key, k.value ->> 'num', k.value ->> 'den')
 FROM (SELECT content FROM sv.bulletin WHERE kind = 'monthly' AND period = :'period' ORDER BY edition DESC LIMIT 1) b
 CROSS JOIN LATERAL jsonb_each(b.content -> 'city') k
 WHERE k.key LIKE '%complaint%' ORDER BY k.key);
