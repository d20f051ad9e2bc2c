-- Analysis and evaluation (分析评价, 80_evaluation.sql, docs/evaluation.md): the KPI registry,
-- daily aggregates per department and county (stored by sv.kpi_refresh, or computed on the fly
-- for days not stored), values of a period as of a day, composite scores and ranks; every
-- function as every role and its errors.  The facts are this test's own: two departments and
-- their actions, feedback deadlines and ingest batches of January 2024 (always past), inserted
-- directly, all in one transaction rolled back (sequences set back by hand).
\pset null '(null)'
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
SET datestyle = 'ISO, YMD';
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '\d{4}-\d{2}-\d{2}', 'YYYY-MM-DD', 'g');
END
$$;

-- the registry and the KPIs derived from the deadline kinds
SELECT code, name_zh, direction, weight, aggregation, compute_function FROM sv.kpi ORDER BY sort_order;
SELECT code, name_zh, weight FROM sv.kpi_catalog() WHERE code NOT IN (SELECT code FROM sv.kpi) ORDER BY sort_order;
SELECT sum(weight) AS total_weight FROM sv.kpi_catalog();

BEGIN;
CREATE TEMP TABLE ev_seq AS
  SELECT format('%I.%I', schemaname, sequencename) AS seq, start_value, last_value FROM pg_sequences WHERE schemaname = 'sv';
CREATE ROLE regress_ev_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_ev_a LOGIN IN ROLE sv_officer;       -- department 9901 (叶县)
CREATE ROLE regress_ev_b LOGIN IN ROLE sv_officer;       -- department 9902 (鲁山县)
CREATE ROLE regress_ev_unmapped LOGIN IN ROLE sv_officer;
CREATE ROLE regress_ev_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_ev_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_ev_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_ev_feed LOGIN IN ROLE sv_integration;
INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code) VALUES
  (9901, '410422-EVA', '叶县<评价>测试局', 'Ye County evaluation test bureau', 'county', '410422'),
  (9902, '410423-EVB', '鲁山县评价测试局', 'Lushan County evaluation test bureau', 'county', '410423'),
  (9903, '410425-EVC', '郏县评价无数据测试局', 'Jia County evaluation test bureau without facts', 'county', '410425');
SELECT sv.staff_add('regress_ev_a', 9901, '410422') > 0 AS a, sv.staff_add('regress_ev_b', 9902, '410423') > 0 AS b,
       sv.staff_add('regress_ev_feed', 9902, '410423') > 0 AS feed;

-- catalogue: a provincial item of each department; A claims it and has a check item, B not;
-- C (9903) has its item to claim and no fact at all in the period (only the catalogue's stock)
SELECT sv.catalog_item_save('REV-' || d, d, '评价测试事项' || d, '双随机抽查', '现场检查', '市场主体',
         '[{"law": "测试条例", "article": "第一条"}]', 'provincial', 'provincial') > 0 AS item
FROM unnest('{9901,9902,9903}'::int[]) d;
SELECT sv.check_item_save('REV-9901-C1', 'REV-9901', 'county', '410422', 9901, 'on_site', '测试检查一', 'general') > 0 AS c1,
       sv.check_item_save('REV-9901-C2', 'REV-9901', 'county', '410422', 9901, 'on_site', '测试检查二', 'general') > 0 AS c2;
INSERT INTO sv.catalog_claim (department_id, catalog_item_id, claimed_by)
SELECT 9901, c.id, 'regress' FROM sv.catalog_item c WHERE c.code = 'REV-9901';
SELECT sv.catalog_publish('REV-2024', 'evaluation test') AS release \gset

-- subjects in Ye County and Lushan County; actions of January 2024: A's two received in time
-- and published in time, one received late and published late; B's one received in time,
-- never published
SELECT '91410422MA4RET001' || sv.uscc_check_character('91410422MA4RET001') AS s1,
       '91410423MA4RET002' || sv.uscc_check_character('91410423MA4RET002') AS s2 \gset
SELECT inserted FROM sv.ingest('REV-AMR', 'subject', jsonb_build_array(
  jsonb_build_object('source_record_id', 'REV-1', 'uscc', :'s1', 'name', '评价测试企业一', 'region_code', '410422'),
  jsonb_build_object('source_record_id', 'REV-2', 'uscc', :'s2', 'name', '评价测试企业二', 'region_code', '410423')));
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, published_at, source_system, source_record_id, received_at, updated_at)
VALUES (:'s1', 'inspection', 'REV-9901-C1', :release, 9901, '410422', '2024-01-08', '2024-01-08', '{X1,X2}', 'no_problem',
        '2024-01-10', '2024-01-09 10:00+08', 'REV', 'REV-A1', '2024-01-09 10:00+08', '2024-01-09 10:00+08'),
       (:'s1', 'inspection', 'REV-9901-C1', :release, 9901, '410422', '2024-01-09', '2024-01-09', '{X1,X2}', 'problem_found',
        '2024-01-11', '2024-01-11 10:00+08', 'REV', 'REV-A2', '2024-01-10 10:00+08', '2024-01-10 10:00+08'),
       (:'s1', 'inspection', 'REV-9901-C2', :release, 9901, '410422', '2024-01-09', '2024-01-09', '{X1,X2}', 'no_problem',
        '2024-01-11', '2024-01-20 10:00+08', 'REV', 'REV-A3', '2024-01-25 10:00+08', '2024-01-25 10:00+08'),
       (:'s2', 'inspection', 'REV-9902-C9', :release, 9902, '410423', '2024-01-09', '2024-01-10', '{X1,X2}', 'no_problem',
        '2024-01-12', NULL, 'REV', 'REV-B1', '2024-01-10 10:00+08', '2024-01-10 10:00+08');
-- ingest by B's integration: 10 records, 2 rejected
INSERT INTO sv.ingest_batch (source, kind, path, received_at, received_by, records, inserted, rejected)
VALUES ('REV-SYS', 'subject', 'json', '2024-01-10 09:00+08', 'regress_ev_feed', 10, 8, 2);

-- the capabilities that landed later, their facts of January 2024 (direct inserts, fixed dates):
-- A's two complaints, one accepted on time (due 11th, decided 5th) and handled late (due 25th,
-- handled 30th), one accepted late (due 12th, decided 15th); their 12345 revisits, one satisfied,
-- one dissatisfied; an assist request of A to B answered on time and a copy notice of A to B
-- never acknowledged (due 17th); A's risk lead verified on time (due 22nd, verified 19th)
INSERT INTO sv.complaint (work_order_no, kind, channel, body, anonymous, received_at, department_id, state, recorded_by,
                          recorded_at, accept_due, decided_at, accept_workdays, handle_due, handled_at, revisited_at, satisfaction)
VALUES ('REV-WO-1', 'complaint', 'hotline', '评价测试投诉一', true, '2024-01-02 09:00+08', 9901, 'revisited', 'regress',
        '2024-01-02 09:00+08', '2024-01-11', '2024-01-05 10:00+08', 7, '2024-01-25', '2024-01-30 10:00+08',
        '2024-01-31 10:00+08', 'satisfied'),
       ('REV-WO-2', 'complaint', 'hotline', '评价测试投诉二', true, '2024-01-03 09:00+08', 9901, 'revisited', 'regress',
        '2024-01-03 09:00+08', '2024-01-12', '2024-01-15 10:00+08', 7, NULL, NULL, '2024-01-20 10:00+08', 'dissatisfied');
INSERT INTO sv.assist_request (from_department_id, to_department_id, case_ref, asked, workdays, state, requested_by, requested_at,
                               due_on, accepted_by, accepted_at, answered_by, answered_at, findings)
VALUES (9901, 9902, 'REV-CASE-1', '协助核查经营场所', 5, 'answered', 'regress', '2024-01-08 09:00+08', '2024-01-15',
        'regress', '2024-01-09 09:00+08', 'regress', '2024-01-12 09:00+08', '已核查');
INSERT INTO sv.joint_notice (source_kind, source_id, finding, from_department_id, to_department_id, bases, owes, summary, workdays,
                             start_on, due_on, created_by, created_at)
VALUES ('action', 'REV-N1', 'problem_found', 9901, 9902, '[{"joint_item": "REV-J1"}]', 'acknowledge', '评价测试抄告', 5,
        '2024-01-10', '2024-01-17', 'regress', '2024-01-10 09:00+08');
INSERT INTO sv.risk_lead (alert_id, region_code, title, severity, department_id, assigned_by, state, received_at, recorded_by,
                          recorded_at, claim_due, verify_due, handle_due, claimed_by, claimed_at, verified_by, verified_at,
                          verify_result)
VALUES (-9901, '410422', '评价测试风险线索', 'yellow', 9901, 'rule', 'verified', '2024-01-08 09:00+08', 'regress',
        '2024-01-08 09:00+08', '2024-01-10', '2024-01-22', '2024-02-05', 'regress', '2024-01-09 09:00+08', 'regress',
        '2024-01-19 09:00+08', 'confirmed');

-- computed on the fly (no day stored): per department, per county, per department and county
SELECT kpi, department_name, num, den, value FROM sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31')
WHERE department_id IN (9901, 9902) ORDER BY kpi, department_id;
SELECT kpi, region_name, num >= 0 AS counted FROM sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31', 'county')
WHERE region_code IN ('410422', '410423') AND kpi = 'action_timeliness' ORDER BY region_code;
-- as of a day: the period stops there
SELECT kpi, num, den FROM sv.kpi_values('2024-01-08', '2024-01-01', '2024-01-31')
WHERE department_id = 9901 AND kpi LIKE 'action%' ORDER BY kpi;
-- as of the 25th: only the dissatisfied revisit (20th) is in, and the handling due that day is
-- still open then, so not met (it was handled on the 30th)
SELECT kpi, num, den FROM sv.kpi_values('2024-01-25', '2024-01-01', '2024-01-31')
WHERE department_id = 9901 AND kpi IN ('complaint_satisfaction', 'deadline.complaint.handle_due') ORDER BY kpi;
-- the satisfaction compute function itself (the contract): a range without data gives no row
SELECT count(*) AS rows FROM sv._kpi_compute_complaint_satisfaction('2023-01-01', '2023-12-31');
SELECT kpi, day, department_id, region_code, num, den FROM sv._kpi_compute_complaint_satisfaction('2024-01-01', '2024-01-31')
WHERE department_id = 9901 ORDER BY day;

-- stored: the same values from the daily rows
SELECT sv.kpi_refresh('2024-01-01', '2024-01-31') > 0 AS stored;
-- (the catalogue's stock is stored for every day: its last day shown)
SELECT kpi, day, region_code, num, den, keys FROM sv.kpi_daily
WHERE department_id IN (9901, 9902) AND (kpi NOT IN ('catalog_claim_rate', 'checklist_completeness') OR day = '2024-01-31')
ORDER BY kpi, department_id, day;
SELECT kpi, department_name, num, den, value FROM sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31')
WHERE department_id IN (9901, 9902) ORDER BY kpi, department_id;
SELECT action, object_id, change ->> 'first_day' AS first_day FROM sv.audit_log WHERE object_kind = 'kpi_daily' ORDER BY seq DESC LIMIT 1;

-- scores and ranks
SELECT unit, unit_name, score, kpis FROM sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31') WHERE unit IN ('9901', '9902') ORDER BY unit;
SELECT unit, unit_name, score IS NOT NULL AS scored FROM sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31', 'county')
WHERE unit IN ('410422', '410423') ORDER BY unit;
-- a unit with no fact in the period (C: only the catalogue's stock, 0 of 1 claimed) is not
-- scored 0.0 but 无数据, after the ranked ones, and out of the ranking: the ranked units rank
-- among themselves (1 + the number scoring higher), the unranked ones have neither score nor rank
SELECT kpi, num, den FROM sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31') WHERE department_id = 9903 ORDER BY kpi;
SELECT unit, unit_name, score, rank, kpis, score_zh FROM sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31')
WHERE unit IN ('9901', '9902', '9903') ORDER BY unit;
CREATE TEMP TABLE ev_scores AS SELECT *, row_number() OVER () AS pos FROM sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31');
SELECT bool_and(s.rank = 1 + (SELECT count(*) FROM ev_scores t WHERE t.score > s.score)) FILTER (WHERE s.score IS NOT NULL) AS ranks_without_gaps,
       bool_and(s.rank IS NULL AND s.kpis = 0 AND s.score_zh = '无数据') FILTER (WHERE s.score IS NULL) AS unranked_no_data,
       max(s.pos) FILTER (WHERE s.score IS NOT NULL) < min(s.pos) FILTER (WHERE s.score IS NULL) AS unranked_last,
       bool_and(s.score_zh = to_char(s.score, 'FM990.0')) FILTER (WHERE s.score IS NOT NULL) AS score_shown
FROM ev_scores s;
SELECT source, batches, records, rejected, reject_pct FROM sv.kpi_ingest_sources('2024-01-01', '2024-01-31') WHERE source = 'REV-SYS';

-- every role
SET ROLE regress_ev_a;
SELECT DISTINCT department_id FROM sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31');
SELECT pg_temp.try($$SELECT sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31', 'county')$$);
SELECT pg_temp.try($$SELECT sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31')$$);
SELECT pg_temp.try($$SELECT sv.kpi_refresh('2024-01-01', '2024-01-31')$$);
SELECT pg_temp.try($$SELECT sv.kpi_ingest_sources('2024-01-01', '2024-01-31')$$);
SET ROLE regress_ev_unmapped;
SELECT pg_temp.try($$SELECT sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31')$$);
SET ROLE regress_ev_bi;
SELECT count(DISTINCT department_id) >= 2 AS all_departments FROM sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31');
SELECT count(*) > 0 AS scores FROM sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31');
SELECT pg_temp.try($$SELECT sv.kpi_refresh('2024-01-01', '2024-01-31')$$);
SET ROLE regress_ev_auditor;
SELECT count(*) > 0 AS scores FROM sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31', 'county');
SELECT pg_temp.try($$SELECT sv.kpi_refresh('2024-01-01', '2024-01-31')$$);
SET ROLE regress_ev_public;
SELECT count(*) > 0 AS catalog FROM sv.kpi_catalog();
SELECT pg_temp.try($$SELECT sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31')$$);
SELECT pg_temp.try($$SELECT sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31')$$);
SET ROLE regress_ev_feed;
SELECT pg_temp.try($$SELECT sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31')$$);
SET ROLE regress_ev_admin;
SELECT sv.kpi_refresh('2024-01-10', '2024-01-10') > 0 AS refreshed;

-- errors: nothing written
SELECT pg_temp.try($$SELECT sv.kpi_refresh(NULL, '2024-01-31')$$) AS null_first;
SELECT pg_temp.try($$SELECT sv.kpi_refresh('2024-02-01', '2024-01-31')$$) AS reversed;
SELECT pg_temp.try($$SELECT sv.kpi_refresh('2024-01-01', 'infinity')$$) AS infinite;
SELECT pg_temp.try($$SELECT sv.kpi_refresh('2000-01-01', '2024-01-31')$$) AS too_long;
SELECT pg_temp.try($$SELECT sv.kpi_refresh('2024-01-01', sv.local_date(now()) + 1)$$) AS future;
SELECT pg_temp.try($$SELECT sv.kpi_values(NULL, '2024-01-01', '2024-01-31')$$) AS null_as_of;
SELECT pg_temp.try($$SELECT sv.kpi_values('2024-01-31', '2024-01-01', '2024-01-31', 'region')$$) AS bad_level;
SELECT pg_temp.try($$SELECT sv.kpi_values('2024-01-31', '2024-01-01', NULL)$$) AS null_to;
SELECT pg_temp.try($$SELECT sv.kpi_scores('2024-01-31', '2024-01-01', '2024-01-31', 'unit')$$) AS unit_scores;
SELECT pg_temp.try($$SELECT sv.kpi_ingest_sources('2024-01-31', '2024-01-01')$$) AS reversed_sources;
RESET ROLE;
SELECT pg_temp.try($$SELECT sv._kpi_register('x_test', '测试', '定义', '来源', 'higher', 1, '依据', 'sum', 'sv.no_such_fn', 1)$$) AS no_function;
SELECT pg_temp.try($$SELECT sv._kpi_register('x_test', '测试', '定义', '来源', 'sideways', 1, '依据', 'sum', 'sv._kpi_compute_ingest', 1)$$) AS bad_direction;
SELECT pg_temp.try($$SELECT sv._kpi_register('X', '测试', '定义', '来源', 'higher', 1, '依据', 'sum', 'sv._kpi_compute_ingest', 1)$$) AS bad_code;

-- bulletins (81_bulletin.sql): monthly and weekly, kept as generated with the audit head; the
-- same period again only as a new edition; the page escapes names (department 9901's "<评价>")
RESET ROLE;
SET ROLE regress_ev_admin;
SELECT edition, period_from, period_to, head_hash = (SELECT hash FROM sv.audit_head() WHERE seq = head_seq) AS head_then
FROM sv.bulletin_generate('monthly', '2024-01');
SELECT pg_temp.try($$SELECT sv.bulletin_generate('monthly', '2024-01')$$) AS again;
SELECT edition FROM sv.bulletin_generate('monthly', '2024-01', new_edition => true);
SELECT edition, period_from, period_to FROM sv.bulletin_generate('weekly', '2024-W02');
SELECT b.kind, b.period, b.edition, b.period_from, b.period_to, a.action, a.object_id
FROM sv.bulletin b JOIN sv.audit_log a ON a.seq = b.audit_seq WHERE b.period IN ('2024-01', '2024-W02') ORDER BY b.id;
SELECT position('叶县&lt;评价&gt;测试局' IN sv.bulletin_html('2024-01')) > 0 AS escaped,
       position('<评价>' IN sv.bulletin_html('2024-01')) = 0 AS no_raw_name,
       position('<script' IN sv.bulletin_html('2024-01')) = 0 AS no_script,
       sv.bulletin_html('2024-01') ~ '^<!DOCTYPE html>.*</html>$' AS whole_page,
       position('第 2 版' IN sv.bulletin_html('2024-01')) > 0 AS latest,
       position('第 1 版' IN sv.bulletin_html('2024-01', 1)) > 0 AS first;
SELECT (regexp_matches(sv.bulletin_html('2024-01'), '<h2>([^<]*)</h2>', 'g'))[1] AS sections;
SELECT x ->> 'name' AS department, x ->> 'score' AS score, x ->> 'rank' IS NOT NULL AS ranked
FROM sv.bulletin b CROSS JOIN LATERAL jsonb_array_elements(b.content -> 'departments') x
WHERE b.period = '2024-01' AND b.edition = 1 AND (x ->> 'id')::int IN (9901, 9902) ORDER BY 1;
-- C is listed as 无数据 in the page, not ranked: not among the ranked departments, nor in the bars
SELECT (SELECT count(*) FROM jsonb_array_elements(b.content -> 'departments') x WHERE (x ->> 'id')::int = 9903) AS ranked_c,
       (SELECT x ->> 'name' FROM jsonb_array_elements(b.content -> 'departments_no_data') x WHERE (x ->> 'id')::int = 9903) AS no_data_c,
       position('<tr class="nodata"><td class="n">—</td><td>郏县评价无数据测试局</td><td class="n">无数据</td>' IN b.html) > 0 AS row_no_data,
       position('>郏县评价无数据测试局</text>' IN b.html) = 0 AS not_in_bars,
       (SELECT bool_and((x ->> 'rank')::int = 1 + (SELECT count(*) FROM jsonb_array_elements(b.content -> 'departments') y
                                                  WHERE (y ->> 'score')::numeric > (x ->> 'score')::numeric))
        FROM jsonb_array_elements(b.content -> 'departments') x) AS ranks_without_gaps
FROM sv.bulletin b WHERE b.period = '2024-01' AND b.edition = 1;
RESET ROLE;
SELECT pg_temp.try($$UPDATE sv.bulletin SET html = '' WHERE period = '2024-01'$$) AS changed;
SELECT pg_temp.try($$DELETE FROM sv.bulletin WHERE period = '2024-01'$$) AS deleted;
SELECT table_name, trigger_name, state FROM sv.append_only_guard() WHERE table_name = 'sv.bulletin';
-- the roles
SET ROLE regress_ev_public;
SELECT period, edition, length(html) > 1000 AS page FROM sv_public.bulletin WHERE period = '2024-01' ORDER BY edition;
SELECT length(sv.bulletin_html('2024-01')) > 1000 AS page;
SELECT pg_temp.try($$SELECT sv.bulletin_html('2024-W02')$$) AS weekly;
SELECT pg_temp.try($$SELECT sv.bulletin_generate('monthly', '2024-02')$$) AS generate;
SET ROLE regress_ev_a;
SELECT length(sv.bulletin_html('2024-W02')) > 1000 AS weekly;
SELECT pg_temp.try($$SELECT sv.bulletin_generate('monthly', '2024-02')$$) AS generate;
SET ROLE regress_ev_bi;
SELECT count(*) AS bulletins FROM sv.bulletin WHERE period IN ('2024-01', '2024-W02');
SET ROLE regress_ev_feed;
SELECT length(sv.bulletin_html('2024-01')) > 1000 AS page;
SELECT pg_temp.try($$SELECT sv.bulletin_html('2024-W02')$$) AS weekly;
SET ROLE regress_ev_admin;
SELECT pg_temp.try($$SELECT sv.bulletin_generate('yearly', '2024')$$) AS bad_kind;
SELECT pg_temp.try($$SELECT sv.bulletin_generate('monthly', '2024-13')$$) AS bad_month;
SELECT pg_temp.try($$SELECT sv.bulletin_generate('weekly', '2024-01')$$) AS bad_week;
SELECT pg_temp.try($$SELECT sv.bulletin_generate('weekly', '2021-W53')$$) AS no_week_53;
SELECT pg_temp.try($$SELECT sv.bulletin_generate(NULL, '2024-01')$$) AS null_kind;
SELECT pg_temp.try($$SELECT sv.bulletin_generate('monthly', '2024-01', NULL)$$) AS null_edition;
SELECT regexp_replace(pg_temp.try(format('SELECT sv.bulletin_generate(%L, %L)', 'monthly', to_char(sv.local_date(now()), 'YYYY-MM'))),
                      '\d{4}-\d{2}', 'YYYY-MM', 'g') AS not_ended;
SELECT pg_temp.try($$SELECT sv.bulletin_html('2023-12')$$) AS missing;
SELECT pg_temp.try($$SELECT sv.bulletin_html('2024-01', 9)$$) AS missing_edition;
SELECT pg_temp.try($$SELECT sv.bulletin_html(NULL)$$) AS null_period;
SELECT pg_temp.try($$SELECT sv.bulletin_html('January')$$) AS bad_period;
RESET ROLE;
SELECT sv._html($$<a href="x">Tom & 'Jerry'</a>$$) AS escaped;

SELECT bool_and(v IS NOT NULL) AS sequences_restored
FROM (SELECT CASE WHEN d.last_value IS NULL THEN setval(d.seq, d.start_value, false)
                  ELSE setval(d.seq, d.last_value) END AS v
      FROM ev_seq d) s;
ROLLBACK;
