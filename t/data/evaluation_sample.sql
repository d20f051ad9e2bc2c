-- A sample for the evaluation (80_evaluation.sql, 81_bulletin.sql): three departments in each of
-- Pingdingshan's ten county-level units, a provincial catalogue item each with two check items
-- (claimed by two departments of three), ten subjects per county, and about 4,000 supervision
-- actions over the last six months (Beijing time) whose timeliness and publication depend on a
-- quality drawn per department, so that departments and counties rank apart; then the daily
-- aggregates of those months.  Deterministic (setseed).  Run as a superuser on a fresh database
-- (t/017_bulletin.pl, scripts/demo.sh).
SET client_min_messages = warning;
SELECT setseed(0.19);
-- 10:00 Beijing time on a day
CREATE FUNCTION pg_temp.at10(day date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT (day::timestamp + interval '10 hours') AT TIME ZONE 'Asia/Shanghai' $$;
-- the sample's departments take ids after every existing one (at least 101): the demo adds some
SELECT greatest(100, max(id)) AS ev_base FROM sv.department \gset
INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code)
SELECT :ev_base + 3 * (r.n - 1) + k, r.code || '-EV' || k,
       r.name_zh || (ARRAY['市场监督管理局', '卫生健康委员会', '应急管理局'])[k],
       r.name_en || ' ' || (ARRAY['Market Supervision', 'Health', 'Emergency Management'])[k], 'county', r.code
FROM (SELECT code, name_zh, name_en, row_number() OVER (ORDER BY code) AS n FROM sv.region
      WHERE parent_code = '410400' AND level = 'county') r
CROSS JOIN generate_series(1, 3) k;
CREATE TEMP TABLE ev_dept AS
  SELECT d.id, d.code, d.region_code, 0.45 + 0.55 * random() AS quality FROM sv.department d
  WHERE d.id > :ev_base ORDER BY d.id;
SELECT count(*) AS items FROM (
  SELECT sv.catalog_item_save('EV-' || d.id, d.id, '对' || d.id || '号监管领域的监督检查', '双随机抽查', '现场检查', '市场主体',
                              '[{"law": "示例条例", "article": "第一条"}]', 'provincial', 'provincial'),
         sv.check_item_save('EV-' || d.id || '-C1', 'EV-' || d.id, 'county', d.region_code, d.id, 'on_site', '现场检查一', 'general'),
         sv.check_item_save('EV-' || d.id || '-C2', 'EV-' || d.id, 'county', d.region_code, d.id, 'on_site', '现场检查二', 'general')
  FROM ev_dept d) x;
INSERT INTO sv.catalog_claim (department_id, catalog_item_id, claimed_by)
SELECT d.id, c.id, 'sample' FROM ev_dept d JOIN sv.catalog_item c ON c.code = 'EV-' || d.id WHERE d.code NOT LIKE '%-EV2';
SELECT sv.catalog_publish('EV-SAMPLE', 'evaluation sample') AS release \gset
SELECT sum(inserted) AS subjects FROM (
  SELECT (sv.ingest('EV-AMR', 'subject', jsonb_agg(jsonb_build_object(
            'source_record_id', 'EV-' || s.uscc, 'uscc', s.uscc, 'name', '示例企业' || s.uscc, 'region_code', s.region_code)))).inserted
  FROM (SELECT b || sv.uscc_check_character(b) AS uscc, r.code AS region_code
        FROM sv.region r CROSS JOIN generate_series(1, 10) i
        CROSS JOIN LATERAL (SELECT '91' || r.code || 'MA4EXK' || lpad(i::text, 3, '0') AS b) x
        WHERE r.parent_code = '410400' AND r.level = 'county') s) y;
CREATE TEMP TABLE ev_subject AS SELECT uscc, region_code FROM sv.subject WHERE source_system = 'EV-AMR';
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, published_at, source_system, source_record_id, received_at, updated_at)
SELECT a.uscc, 'inspection', 'EV-' || a.id || '-C' || (1 + (a.n % 2)), :release, a.id, a.region_code, a.ended_on - (a.n % 3),
       a.ended_on, '{EV-X1,EV-X2}', (ARRAY['no_problem', 'problem_found', 'rectification_ordered'])[1 + a.n % 3],
       sv._add_workdays_or_null(a.ended_on, 20),
       CASE WHEN a.r2 < a.quality THEN pg_temp.at10(sv._add_workdays_or_null(a.ended_on, 20) - (a.n % 10))
            WHEN a.r2 < a.quality + 0.2 THEN pg_temp.at10(sv._add_workdays_or_null(a.ended_on, 20) + 3) END,
       'EV', 'EV-A' || a.n, pg_temp.at10(a.ended_on + CASE WHEN a.r1 < a.quality THEN a.n % 4 ELSE 8 + a.n % 10 END),
       now()
FROM (SELECT d.id, d.quality, s.uscc, s.region_code, row_number() OVER ()::integer AS n, random() AS r1, random() AS r2,
             (date_trunc('month', sv.local_date(now())) - interval '6 months')::date
               + floor(random() * ((sv.local_date(now()) - 1) - (date_trunc('month', sv.local_date(now())) - interval '6 months')::date + 1))::integer AS ended_on
      FROM ev_dept d JOIN ev_subject s ON s.region_code = d.region_code
      CROSS JOIN generate_series(1, 13)) a
WHERE a.ended_on < sv.local_date(now());
-- published results in the future are not published yet
UPDATE sv.action SET published_at = NULL WHERE source_system = 'EV' AND published_at > now();
UPDATE sv.action SET received_at = now() - interval '1 minute' WHERE source_system = 'EV' AND received_at > now();
SELECT sv.kpi_refresh((date_trunc('month', sv.local_date(now())) - interval '6 months')::date, sv.local_date(now()) - 1) > 0 AS refreshed;
RESET client_min_messages;
