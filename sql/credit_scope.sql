-- Credit supervision: who may call what.  Every credit function is called by an officer whose
-- region scope holds the subject, an officer of the same department in another county, an
-- officer without a staff mapping, a member of sv_public, of sv_bi, an administrator and an
-- auditor (neither mapped).  Then: never-published events are not repaired, a rescore as of
-- the past does not move the stored class back, NULL and infinite arguments.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
-- Everything here is rolled back at the end, so later tests that count rows or show ids see
-- nothing of it (the staff id sequence, which they show, is set back by hand).
SELECT last_value AS staff_seq, is_called AS staff_seq_called FROM sv.staff_id_seq \gset
\set ON_ERROR_ROLLBACK on
BEGIN;

CREATE ROLE regress_csc_in LOGIN IN ROLE sv_officer;       -- market regulation, 新华区 (where the subjects are)
CREATE ROLE regress_csc_out LOGIN IN ROLE sv_officer;      -- market regulation, 叶县
CREATE ROLE regress_csc_nomap LOGIN IN ROLE sv_officer;    -- no staff mapping
CREATE ROLE regress_csc_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_csc_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_csc_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_csc_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_csc_feed LOGIN IN ROLE sv_integration;
SELECT sv.staff_add('regress_csc_in', 4, '410402') > 0 AS mapped, sv.staff_add('regress_csc_out', 4, '410422') > 0 AS mapped;
SELECT c || sv.uscc_check_character(c) AS k1 FROM (SELECT '91410402MA4RGK001' AS c) x \gset
SELECT c || sv.uscc_check_character(c) AS k2 FROM (SELECT '91410402MA4RGK002' AS c) x \gset
SELECT c || sv.uscc_check_character(c) AS k3 FROM (SELECT '91410402MA4RGK003' AS c) x \gset
SELECT c || sv.uscc_check_character(c) AS k9 FROM (SELECT '91410402MA4RGK009' AS c) x \gset
SELECT sv.subject_save(:'k1', '信用范围测试企业一', '410402', 'RGK-AMR', 'RGK-1') IS NOT NULL AS saved,
       sv.subject_save(:'k2', '信用范围测试企业二', '410402', 'RGK-AMR', 'RGK-2') IS NOT NULL AS saved,
       sv.subject_save(:'k3', '信用范围测试企业三', '410402', 'RGK-AMR', 'RGK-3') IS NOT NULL AS saved;
-- (k9 is a valid code of no subject)

-- Runs a statement as each caller, each in a subtransaction that is undone afterwards (every
-- caller starts from the same state): its first value ("ok" for none), or "SQLSTATE: message"
-- with ids masked.
CREATE FUNCTION pg_temp.as_each(q text) RETURNS TABLE (caller text, result text) LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  FOREACH caller IN ARRAY ARRAY['in', 'out', 'nomap', 'public', 'bi', 'admin', 'auditor'] LOOP
    BEGIN
      EXECUTE format('SET ROLE %I', 'regress_csc_' || caller);
      EXECUTE q INTO v;
      RAISE EXCEPTION USING ERRCODE = 'RGUND', MESSAGE = coalesce(v, '(null)');
    EXCEPTION WHEN OTHERS THEN
      result := CASE WHEN SQLSTATE = 'RGUND' THEN coalesce(nullif(SQLERRM, ''), 'ok')
                     ELSE SQLSTATE || ': ' || regexp_replace(SQLERRM, '(event|obligation|application) \d+', '\1 N', 'g') END;
    END;
    RETURN NEXT;
  END LOOP;
END
$$;
-- The same as one role (the rest of the file): the value ("ok" for none), or "SQLSTATE:
-- message" with ids and timestamps masked.
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  EXECUTE q INTO v;
  RETURN coalesce(v, 'ok');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(regexp_replace(SQLERRM, '\d{4}-\d{2}-\d{2} [0-9:.+-]+', 'TIMESTAMP', 'g'),
                                            '(event|obligation|application) \d+', '\1 N', 'g');
END
$$;

-- the fixtures: a model, a penalty of market regulation on k1 old enough to be repaired and
-- published until 2099 (whatever day this runs), a complaint on k2, a failed inspection on k3
SET ROLE regress_csc_admin;
SELECT sv.credit_model_save('RGK-V1', '{"administrative_penalty": 4, "substantiated_complaint": 1, "failed_inspection": 2}', 365,
  '{"A": 95, "B": 85, "C": 70}', make_current => true) AS model;
SELECT sv.sanction_measure_save('RGK-LIC', '限制新增行政许可', 'punishment', 'market_access', '国发〔2016〕33号', 4,
         '{licensing}', '{administrative_penalty}', min_severity => 3) AS measure;
RESET ROLE;
SET ROLE regress_csc_feed;
SELECT sv.credit_event_record(:'k1', 'administrative_penalty', 3, 'city', '2025-03-01', '平市监罚〔2025〕K1号', department_id => 4,
         penalty_types => '{business_restriction}', restricted_until => '2099-12-31') AS p1 \gset
SELECT sv.credit_event_record(:'k2', 'substantiated_complaint', 2, 'city', '2025-04-01', '12315-2025-K2', department_id => 4) AS q2 \gset
SELECT sv.credit_event_record(:'k3', 'failed_inspection', 2, 'city', '2025-05-01', '双随机-2025-K3', department_id => 4) AS f3 \gset
RESET ROLE;

-- 1. the score: officers only of subjects in their region scope (as sv_work.subject shows
-- them), none without a mapping; administrators and auditors all.  A subject that does not
-- exist answers like one outside the scope for an officer; administrators and auditors, who see
-- every subject, are told it is not registered (P0002) rather than shown a spotless class A.
SELECT * FROM pg_temp.as_each(format('SELECT class || '' '' || score FROM sv.credit_score(%L, %L)', :'k1', '2025-03-15 12:00+08'));
SELECT * FROM pg_temp.as_each(format('SELECT jsonb_array_length(explanation -> ''events'') FROM sv.credit_score(%L)', :'k1'));
SELECT * FROM pg_temp.as_each(format('SELECT class FROM sv.credit_score(%L)', :'k9'));
SET ROLE regress_csc_in;
SELECT count(*) AS k1_in_work_portal FROM sv_work.subject WHERE uscc = :'k1';
RESET ROLE;
SET ROLE regress_csc_out;
SELECT count(*) AS k1_in_work_portal FROM sv_work.subject WHERE uscc = :'k1';
RESET ROLE;

-- 2. the pre-admission check and the feedback: an officer without a mapping neither checks nor
-- reports; an officer checks subjects anywhere (penalised in one place, restricted everywhere).
-- Market regulation has a system endpoint, so a check queues a message (all undone at the end
-- of the section).
SAVEPOINT checks;
SELECT sv.endpoint_save('RGK-MSA', 'http://127.0.0.1:9/accept/msa', department_id => 4) AS endpoint;
SELECT sv.department_endpoint_set(4, 'RGK-MSA');
SELECT * FROM pg_temp.as_each(format('SELECT count(*) FROM sv.credit_check(%L, ''licensing'', ''XK-RGK'')', :'k1'));
SET ROLE regress_csc_nomap;
SELECT * FROM sv.credit_check(:'k1', 'licensing', 'XK-RGK-NOMAP');
RESET ROLE;
SELECT (SELECT count(*) FROM sv.credit_check_log WHERE checked_by = 'regress_csc_nomap') AS log_rows,
       (SELECT count(*) FROM sv.sanction_feedback WHERE case_reference = 'XK-RGK-NOMAP') AS obligations,
       (SELECT count(*) FROM sv.outbox WHERE endpoint = 'RGK-MSA') AS messages;
-- an obligation to report on, made by an administrator's check
SET ROLE regress_csc_admin;
SELECT feedback_id AS fb FROM sv.credit_check(:'k1', 'licensing', 'XK-RGK-1') \gset
RESET ROLE;
SELECT count(*) AS messages FROM sv.outbox WHERE endpoint = 'RGK-MSA';
SELECT * FROM pg_temp.as_each(format('SELECT sv.sanction_feedback_report(%s, ''applied'')', :fb));
-- the integration of the implementing department reports without a mapping
SET ROLE regress_csc_feed;
SELECT sv.sanction_feedback_report(:fb, 'applied', '已暂停受理');
RESET ROLE;
ROLLBACK TO SAVEPOINT checks;

-- 3. credit repair: officers of the event's department with a mapping (to an officer, another
-- department's event and no event look the same); never-published events are not repaired
SELECT * FROM pg_temp.as_each(format('SELECT sv.credit_repair_apply(%L, %s, ''已履行处罚决定,完成整改'', ''{"x": "y"}'', true) > 0', :'k1', :p1));
SELECT * FROM pg_temp.as_each(format('SELECT sv.credit_repair_apply(%L, %s, ''已履行处罚决定,完成整改'', ''{"x": "y"}'', true) > 0', :'k1', :p1 + 1000000));
SET ROLE regress_csc_feed;
SELECT pg_temp.try(format('SELECT sv.credit_repair_apply(%L, %s, ''投诉已处理完毕'', ''{"x": "y"}'', true)', :'k2', :q2)) AS complaint,
       pg_temp.try(format('SELECT sv.credit_repair_apply(%L, %s, ''已整改并复查合格'', ''{"x": "y"}'', true)', :'k3', :f3)) AS failed_inspection,
       pg_temp.try(format('SELECT sv.credit_repair_apply(%L, %s, ''x'', ''{"x": "y"}'', true)', :'k3', :p1)) AS wrong_subject;
SELECT sv.credit_repair_apply(:'k1', :p1, '已履行处罚决定,完成整改', '{"rectification": "整改报告"}', true) AS repair1 \gset
RESET ROLE;
SELECT * FROM pg_temp.as_each(format('SELECT sv.credit_repair_decide(%s, true, ''材料齐全,符合修复条件'')', :repair1));
SELECT * FROM pg_temp.as_each(format('SELECT sv.credit_repair_decide(%s, false, ''材料不全,不予修复'')', :repair1));
-- an application filed for a complaint before this rule existed cannot be approved, only refused
INSERT INTO sv.credit_repair (uscc, event_id, department_id, reason, evidence, obligations_performed, applied_by, applied_at)
VALUES (:'k2', :q2, 4, '旧申请', '{"x": "y"}', true, 'regress_csc_feed', now()) RETURNING id AS repair2 \gset
SET ROLE regress_csc_in;
SELECT pg_temp.try(format('SELECT sv.credit_repair_decide(%s, true, ''材料齐全,符合修复条件'')', :repair2)) AS approve,
       pg_temp.try(format('SELECT sv.credit_repair_decide(%s, false, ''投诉不属于公示信息'')', :repair2)) AS refuse;
RESET ROLE;
SELECT status FROM sv.credit_repair WHERE id = :repair2;

-- writes of administrators and integrations only: the others are refused whatever their mapping
SELECT * FROM pg_temp.as_each(format('SELECT sv.credit_event_record(%L, ''failed_inspection'', 1, ''city'', ''2025-06-01'', ''RGK-X'') > 0', :'k1'));
SELECT * FROM pg_temp.as_each(format('SELECT changed FROM sv.credit_rescore(ARRAY[%L])', :'k1'));
SELECT * FROM pg_temp.as_each('SELECT changed FROM sv.credit_rescore_all()');
SELECT * FROM pg_temp.as_each('SELECT sv.credit_model_save(''RGK-V2'', ''{}'', 365, ''{"A": 95, "B": 85, "C": 70}'')');
SELECT * FROM pg_temp.as_each('SELECT sv.credit_model_set_current(''RGK-V1'')');
SELECT * FROM pg_temp.as_each('SELECT sv.sanction_measure_save(''RGK-LIC'', ''限制新增行政许可'', ''punishment'', ''market_access'', ''国发〔2016〕33号'', 4, ''{licensing}'', ''{administrative_penalty}'', min_severity => 4)');
SELECT * FROM pg_temp.as_each('SELECT sv.sanction_measure_retire(''RGK-LIC'', ''清单调整'')');

-- 4. a rescore as of the past computes and writes the month's history, but the stored class
-- (what the draw reads) only moves forward; a future moment is refused
SET ROLE regress_csc_feed;
SELECT classified, changed FROM sv.credit_rescore(ARRAY[:'k1'], NULL, '2025-03-15 12:00+08');   -- first class: B (12 points, 14 days old)
SELECT classified, changed FROM sv.credit_rescore(ARRAY[:'k1']);                                 -- now: A (the penalty has decayed)
SELECT classified, changed FROM sv.credit_rescore(ARRAY[:'k1'], NULL, '2025-03-20 12:00+08');   -- the past again: history only
SELECT classified, changed FROM sv.credit_rescore(ARRAY[:'k1'], NULL, '2025-03-10 12:00+08');   -- earlier in that month: nothing
SELECT pg_temp.try(format('SELECT changed FROM sv.credit_rescore(ARRAY[%L], NULL, now() + interval ''1 day'')', :'k1')) AS tomorrow,
       pg_temp.try(format('SELECT changed FROM sv.credit_rescore(ARRAY[%L], NULL, ''infinity'')', :'k1')) AS infinity,
       pg_temp.try(format('SELECT changed FROM sv.credit_rescore(ARRAY[%L], NULL, ''-infinity'')', :'k1')) AS minus_infinity,
       pg_temp.try(format('SELECT changed FROM sv.credit_rescore(ARRAY[%L], NULL, ''1899-12-31 12:00+08'')', :'k1')) AS before_1900;
RESET ROLE;
SELECT class, source, assessed_at > now() - interval '1 hour' AS assessed_now FROM sv.credit_class WHERE uscc = :'k1';
SELECT month, class, score, model, as_of AT TIME ZONE 'Asia/Shanghai' AS as_of FROM sv.credit_class_history WHERE uscc = :'k1' AND month < '2026-01-01' ORDER BY month;
SELECT count(*) AS months_now FROM sv.credit_class_history WHERE uscc = :'k1' AND month = date_trunc('month', sv.local_date(now()));
-- a past rescore with another model is history too, and the draw's class stays
SET ROLE regress_csc_admin;
SELECT sv.credit_model_save('RGK-V2', '{"administrative_penalty": 40}', 365, '{"A": 95, "B": 85, "C": 70}') AS model;
SELECT classified, changed FROM sv.credit_rescore(ARRAY[:'k1'], 'RGK-V2', '2026-01-15 12:00+08');
RESET ROLE;
SELECT class, source FROM sv.credit_class WHERE uscc = :'k1';
SELECT month, class, model FROM sv.credit_class_history WHERE uscc = :'k1' AND month = '2026-01-01';

-- 5. arguments: NULL answers 22004 naming the argument, +-infinity 22008 naming the field, a
-- date outside 1900-2999 22007 naming the field
SET ROLE regress_csc_feed;
SELECT q, pg_temp.try(q) FROM (VALUES
  (format('SELECT sv.credit_event_record(NULL, ''failed_inspection'', 1, ''city'', ''2025-06-01'', ''R'')')),
  (format('SELECT sv.credit_event_record(%L, NULL, 1, ''city'', ''2025-06-01'', ''R'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''failed_inspection'', NULL, ''city'', ''2025-06-01'', ''R'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''failed_inspection'', 1, NULL, ''2025-06-01'', ''R'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''failed_inspection'', 1, ''city'', NULL, ''R'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''failed_inspection'', 1, ''city'', ''2025-06-01'', NULL)', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''failed_inspection'', 1, ''city'', ''-infinity'', ''R'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''abnormal_operation'', 1, ''city'', ''2025-06-01'', ''R'', valid_until => ''infinity'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''abnormal_operation'', 1, ''city'', ''2025-06-01'', ''R'', published_on => ''infinity'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''administrative_penalty'', 1, ''city'', ''2025-06-01'', ''R'', penalty_types => ''{business_restriction}'', restricted_until => ''infinity'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''failed_inspection'', 1, ''city'', ''1899-12-31'', ''R'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''abnormal_operation'', 1, ''city'', ''2025-06-01'', ''R'', valid_until => ''3000-01-01'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''abnormal_operation'', 1, ''city'', ''2025-06-01'', ''R'', published_on => ''20000-01-01'')', :'k1')),
  (format('SELECT sv.credit_event_record(%L, ''administrative_penalty'', 1, ''city'', ''2025-06-01'', ''R'', penalty_types => ''{business_restriction}'', restricted_until => ''5874897-12-31'')', :'k1')),
  (format('SELECT changed FROM sv.credit_rescore(ARRAY[%L], NULL, NULL)', :'k1')),
  (format('SELECT sv.credit_repair_apply(NULL, 1, ''已整改完毕'', ''{"x": "y"}'', true)')),
  (format('SELECT sv.credit_repair_apply(%L, NULL, ''已整改完毕'', ''{"x": "y"}'', true)', :'k1')),
  (format('SELECT sv.credit_repair_apply(%L, 1, NULL, ''{"x": "y"}'', true)', :'k1')),
  (format('SELECT sv.credit_repair_apply(%L, 1, ''已整改完毕'', NULL, true)', :'k1')),
  (format('SELECT sv.credit_repair_apply(%L, 1, ''已整改完毕'', ''{"x": "y"}'', NULL)', :'k1')),
  (format('SELECT sv.sanction_feedback_report(1, NULL)'))) v(q);
RESET ROLE;
-- a bulk record with an infinite date is that record's reject, the field named
SELECT line, outcome, errcode, message FROM sv._credit_event_merge('RGK', ARRAY[
  ROW('x', 1, :'k1', 'abnormal_operation', '1', 'city', NULL, '2025-06-01', NULL, 'infinity', 'RGK-M1', NULL, NULL, NULL, NULL)::sv.credit_event_staging,
  ROW('x', 2, :'k1', 'abnormal_operation', '1', 'city', NULL, '2025-06-01', '-infinity', NULL, 'RGK-M2', NULL, NULL, NULL, NULL)::sv.credit_event_staging,
  ROW('x', 3, :'k1', 'administrative_penalty', '1', 'city', NULL, '2025-06-01', NULL, NULL, 'RGK-M3', 'business_restriction', NULL, 'infinity', NULL)::sv.credit_event_staging,
  ROW('x', 4, :'k1', 'abnormal_operation', '1', 'city', NULL, 'infinity', NULL, NULL, 'RGK-M4', NULL, NULL, NULL, NULL)::sv.credit_event_staging]);
SET ROLE regress_csc_admin;
SELECT q, pg_temp.try(q) FROM (VALUES
  ('SELECT sv.credit_model_set_current(NULL)'),
  ('SELECT sv.credit_model_save(NULL, ''{}'', 365, ''{"A": 95, "B": 85, "C": 70}'')'),
  ('SELECT sv.credit_model_save(''RGK-V3'', NULL, 365, ''{"A": 95, "B": 85, "C": 70}'')'),
  ('SELECT sv.credit_model_save(''RGK-V3'', ''{}'', NULL, ''{"A": 95, "B": 85, "C": 70}'')'),
  ('SELECT sv.credit_model_save(''RGK-V3'', ''{}'', 365, NULL)'),
  ('SELECT sv.credit_model_save(''RGK-V3'', ''{}'', 365, ''{"A": 95, "B": 85, "C": 70}'', NULL)'),
  ('SELECT sv.credit_model_save(''RGK-V3'', ''{}'', 365, ''{"A": 95, "B": 85, "C": 70}'', ''{}'', NULL)'),
  (format('SELECT class FROM sv.credit_score(NULL)')),
  (format('SELECT class FROM sv.credit_score(%L, NULL)', :'k1')),
  (format('SELECT class FROM sv.credit_score(%L, ''infinity'')', :'k1')),
  (format('SELECT count(*) FROM sv.credit_check(NULL, ''licensing'')')),
  (format('SELECT count(*) FROM sv.credit_check(%L, NULL)', :'k1')),
  ('SELECT sv.credit_repair_decide(NULL, true, ''材料齐全'')'),
  ('SELECT sv.credit_repair_decide(1, NULL, ''材料齐全'')'),
  ('SELECT sv.credit_repair_decide(1, true, NULL)'),
  ('SELECT sv.sanction_feedback_report(NULL, ''applied'')'),
  ('SELECT sv.sanction_measure_retire(NULL, ''清单调整'')'),
  ('SELECT sv.sanction_measure_retire(''RGK-LIC'', NULL)')) v(q);
SELECT n AS null_argument, pg_temp.try(format('SELECT sv.sanction_measure_save(%s)', array_to_string(a, ', '))) AS result
FROM (SELECT n, (ARRAY['''RGK-M''', '''名称''', '''punishment''', '''market_access''', '''依据''', '4', '''{licensing}''',
                       '''{administrative_penalty}''', '''{}''', '1', 'NULL', '5'])[:n - 1] || 'NULL'::text ||
                (ARRAY['''RGK-M''', '''名称''', '''punishment''', '''market_access''', '''依据''', '4', '''{licensing}''',
                       '''{administrative_penalty}''', '''{}''', '1', 'NULL', '5'])[n + 1:] AS a
      FROM generate_series(1, 12) n) x ORDER BY n;
RESET ROLE;
-- nothing of all this was stored: the three events of the fixtures, no model RGK-V3
SELECT count(*) AS events FROM sv.credit_event WHERE uscc::text IN (:'k1', :'k2', :'k3');
SELECT count(*) AS models FROM sv.credit_model WHERE label = 'RGK-V3';

ROLLBACK;
\set ON_ERROR_ROLLBACK off
SELECT setval('sv.staff_id_seq', :staff_seq, :'staff_seq_called') > 0 AS staff_seq_restored;
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'regress_csc_%';
