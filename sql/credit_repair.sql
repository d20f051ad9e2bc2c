-- Credit repair (信用修复): the rules, the decision by another person, the effects (the event
-- stops counting, its measures end, publication stops, the subject is rescored), every error.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

CREATE ROLE regress_cr_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_cr_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_cr_msa1 LOGIN IN ROLE sv_officer;     -- market regulation (department 4), the window
CREATE ROLE regress_cr_msa2 LOGIN IN ROLE sv_officer;     -- market regulation, the approver
CREATE ROLE regress_cr_hurd LOGIN IN ROLE sv_officer;     -- housing (department 5)
CREATE ROLE regress_cr_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_cr_msa1', 4, '410400') > 0 AS mapped, sv.staff_add('regress_cr_msa2', 4, '410400') > 0 AS mapped,
       sv.staff_add('regress_cr_hurd', 5, '410400') > 0 AS mapped;
SELECT inserted FROM sv.ingest('RGR-AMR', 'subject', (
  SELECT jsonb_agg(jsonb_build_object('source_record_id', 'RGR-' || i, 'uscc', c || sv.uscc_check_character(c),
                                      'name', '信用修复测试企业' || i, 'region_code', '410402') ORDER BY i)
  FROM generate_series(1, 5) i, LATERAL (SELECT '91410402MA4RGR00' || i AS c) x));
SELECT uscc::text AS r1 FROM sv.subject WHERE source_record_id = 'RGR-1' \gset
SELECT uscc::text AS r2 FROM sv.subject WHERE source_record_id = 'RGR-2' \gset
SELECT uscc::text AS r3 FROM sv.subject WHERE source_record_id = 'RGR-3' \gset
SELECT uscc::text AS r4 FROM sv.subject WHERE source_record_id = 'RGR-4' \gset
SELECT uscc::text AS r5 FROM sv.subject WHERE source_record_id = 'RGR-5' \gset

-- event and application ids in messages are shown relative to the last id before this file
-- (<base+N>): other files' events do not change them
SELECT set_config('regress.event_base', (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
                                         FROM sv.credit_event_id_seq)::text, false) IS NOT NULL AS event_base,
       set_config('regress.repair_base', (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
                                          FROM sv.credit_repair_id_seq)::text, false) IS NOT NULL AS repair_base;
CREATE FUNCTION pg_temp.relative(msg text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  k record;
  m text[];
BEGIN
  FOR k IN VALUES ('event', current_setting('regress.event_base')::bigint),
                  ('application', current_setting('regress.repair_base')::bigint) LOOP
    FOR m IN SELECT regexp_matches(msg, k.column1 || ' (\d+)\M', 'g') LOOP
      msg := regexp_replace(msg, k.column1 || ' ' || m[1] || '\M', format('%s <base+%s>', k.column1, m[1]::bigint - k.column2));
    END LOOP;
  END LOOP;
  RETURN msg;
END
$$;
-- an error raised again with the ids relative
CREATE FUNCTION pg_temp.ids(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text;
BEGIN
  EXECUTE q INTO result;
  RETURN result;
EXCEPTION WHEN OTHERS THEN
  RAISE EXCEPTION USING ERRCODE = SQLSTATE, MESSAGE = pg_temp.relative(SQLERRM);
END
$$;
-- an error as "SQLSTATE: message", with dates that depend on today masked
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || pg_temp.relative(regexp_replace(SQLERRM, '\d{4}-\d{2}-\d{2}', 'YYYY-MM-DD', 'g'));
END
$$;

-- the events (restrictions until 2099 keep the penalties published whatever day this runs)
SET ROLE regress_cr_feed;
SELECT sv.credit_event_record(:'r1', 'administrative_penalty', 3, 'city', '2025-01-10', '平市监罚〔2025〕5号', department_id => 4,
         published_on => '2025-01-20', penalty_types => '{fine,employment_restriction}', fine_amount => 30000,
         restricted_until => '2099-12-31', sector => 'food') AS p1 \gset
SELECT sv.credit_event_record(:'r1', 'commendation', 1, 'city', '2025-06-01', '平政表〔2025〕9号') AS c1 \gset
SELECT sv.credit_event_record(:'r1', 'abnormal_operation', 2, 'provincial', '2025-03-01', 'HN-YC-2025-17', valid_until => '2025-12-31') AS a1 \gset
SELECT sv.credit_event_record(:'r2', 'administrative_penalty', 3, 'city', '2025-02-01', '平市监罚〔2025〕8号', department_id => 4,
         penalty_types => '{business_restriction}', restricted_until => '2099-12-31') AS p2 \gset
SELECT sv.credit_event_record(:'r2', 'administrative_penalty', 2, 'city', '2025-08-01', '平市监罚〔2025〕40号', department_id => 4,
         penalty_types => '{warning}') > 0 AS repeat_penalty;
SELECT sv.credit_event_record(:'r3', 'administrative_penalty', 1, 'city', '2025-03-01', '平市监罚〔2025〕11号', department_id => 4,
         penalty_types => '{warning}') AS p3 \gset
SELECT sv.credit_event_record(:'r4', 'administrative_penalty', 3, 'city', sv.local_date(now()) - 40, '平市监罚〔近〕1号', department_id => 4,
         published_on => sv.local_date(now()) - 30, penalty_types => '{licence_suspension}') AS p4 \gset
SELECT sv.credit_event_record(:'r5', 'administrative_penalty', 3, 'city', '2025-01-05', '平市监罚〔2025〕2号', department_id => 4,
         penalty_types => '{business_restriction}', restricted_until => '2099-12-31') AS p5 \gset
RESET ROLE;
SET ROLE regress_cr_admin;
SELECT sv.credit_model_save('RGR-V1', '{"administrative_penalty": 4, "abnormal_operation": 3, "commendation": -2}', 365,
  '{"A": 95, "B": 85, "C": 70}', make_current => true) AS model;
SELECT sv.sanction_measure_save('RGR-LIC', '限制新增行政许可', 'punishment', 'market_access', '国发〔2016〕33号', 4,
         '{licensing}', '{administrative_penalty}', min_severity => 3) AS measure;
RESET ROLE;

-- applying: rights, arguments and every rule
SET ROLE regress_cr_public;
SELECT sv.credit_repair_apply(:'r1', :p1, '已缴纳罚款并完成整改', '{"fine_receipt": "HN-2025-88"}', true);
RESET ROLE;
SET ROLE regress_cr_feed;
SELECT pg_temp.try(format('SELECT sv.credit_repair_apply(%L, %s, %L, %L, %s)', r, e, reason, evidence, done))
FROM (VALUES ('91410402MA4RGR0011', 1, '已缴纳罚款并完成整改', '{"fine_receipt": "X"}', 'true'),
             (:'r1', -1, '已缴纳罚款并完成整改', '{"fine_receipt": "X"}', 'true'),
             (:'r1', :p1, 'ok', '{"fine_receipt": "X"}', 'true'),
             (:'r1', :p1, '已缴纳罚款并完成整改', '{}', 'true'),
             (:'r1', :p1, '已缴纳罚款并完成整改', '[1]', 'true'),
             (:'r1', :p1, '已缴纳罚款并完成整改', '{"fine_receipt": "X"}', 'false'),
             (:'r1', :c1, '表彰不需修复', '{"x": "y"}', 'true'),
             (:'r1', :a1, '已移出经营异常名录', '{"x": "y"}', 'true'),
             (:'r2', :p2, '已缴纳罚款并完成整改', '{"x": "y"}', 'true'),
             (:'r3', :p3, '已整改完毕', '{"x": "y"}', 'true'),
             (:'r4', :p4, '已整改完毕', '{"x": "y"}', 'true')) v(r, e, reason, evidence, done);
RESET ROLE;
SET ROLE regress_cr_hurd;
SELECT pg_temp.ids(format('SELECT sv.credit_repair_apply(%L, %s, %L, %L, true)', :'r1', :p1, '已缴纳罚款并完成整改', '{"fine_receipt": "HN-2025-88"}'));
RESET ROLE;
-- a food penalty published 2025-01-20 may be repaired from 2026-01-20 (12 months)
SET ROLE regress_cr_msa1;
SELECT sv.credit_repair_apply(:'r1', :p1, '已缴纳罚款并完成整改,作出信用承诺',
         '{"fine_receipt": "HN-2025-88", "rectification": "整改报告2025-03", "commitment": "信用承诺书"}', true) AS repair1 \gset
SELECT pg_temp.ids(format('SELECT sv.credit_repair_apply(%L, %s, %L, %L, true)', :'r1', :p1, '再次申请', '{"x": "y"}'));
SELECT event_kind, event_reference, status, applied_by, decided_by FROM sv_work.credit_repair ORDER BY id;
RESET ROLE;
SET ROLE regress_cr_hurd;
SELECT count(*) AS seen_by_other_department FROM sv_work.credit_repair;
RESET ROLE;

-- before the decision the penalty counts and restricts licensing
SELECT measure, until FROM sv._sanction_hits(:'r1'::sv.uscc, 'licensing', sv.local_date(now()));

-- deciding: another person of the event's department, with a note
SET ROLE regress_cr_msa1;
SELECT pg_temp.ids(format('SELECT sv.credit_repair_decide(%s, true, %L)', :repair1, '材料齐全,符合修复条件'));
RESET ROLE;
SET ROLE regress_cr_hurd;
SELECT pg_temp.ids(format('SELECT sv.credit_repair_decide(%s, true, %L)', :repair1, '材料齐全,符合修复条件'));
RESET ROLE;
SET ROLE regress_cr_feed;
SELECT sv.credit_repair_decide(:repair1, true, '材料齐全,符合修复条件');
RESET ROLE;
SET ROLE regress_cr_msa2;
SELECT sv.credit_repair_decide(NULL, true, '材料齐全,符合修复条件');
SELECT sv.credit_repair_decide(:repair1, true, 'ok');
SELECT sv.credit_repair_decide(:repair1, true, '材料齐全,符合修复条件') AS decision;
SELECT pg_temp.ids(format('SELECT sv.credit_repair_decide(%s, false, %L)', :repair1, '重复决定'));
SELECT status, decided_by, decision_note, ended_measures FROM sv_work.credit_repair WHERE id = :repair1;
RESET ROLE;

-- the effects: not counted from today (earlier days unchanged), measures ended, publication
-- stopped, class recomputed with the current model (only the commendation is left: A)
SELECT repaired_on = sv.local_date(now()) AS repaired_today, publication_ends_on = sv.local_date(now()) AS publication_stopped
FROM sv.credit_event WHERE uscc = :'r1' AND id = :p1;
SELECT jsonb_array_length(explanation -> 'events') AS events_counted FROM sv.credit_score(:'r1', '2026-01-01 12:00+08');
SELECT jsonb_array_length(explanation -> 'events') AS events_counted, class FROM sv.credit_score(:'r1');
SELECT class, source FROM sv.credit_class WHERE uscc = :'r1';
SELECT count(*) AS hits FROM sv._sanction_hits(:'r1'::sv.uscc, 'licensing', sv.local_date(now()));
SELECT count(*) AS published FROM sv_public.credit_publication WHERE uscc = :'r1' AND kind = 'administrative_penalty';
SELECT action, change ->> 'event' = :'p1' AS event, change -> 'ended_measures' AS ended_measures, change ->> 'class_now' AS class_now
FROM sv.audit_log WHERE object_kind = 'credit_repair' AND object_id = :'repair1' ORDER BY seq;
-- a repaired event is not changed by a source re-sending it, nor repaired twice
SET ROLE regress_cr_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGR-CREDIT', 'credit_event', jsonb_build_array(
  jsonb_build_object('uscc', :'r1', 'kind', 'administrative_penalty', 'severity', 4, 'source', 'city', 'department', 4,
                     'decided_on', '2025-01-10', 'reference', '平市监罚〔2025〕5号', 'penalty_types', 'fine', 'fine_amount', 1)));
SELECT reason FROM sv.ingest_reject WHERE source = 'RGR-CREDIT';
SELECT pg_temp.try(format('SELECT sv.credit_repair_apply(%L, %s, %L, %L, true)', :'r1', :p1, '再次申请修复', '{"x": "y"}'));
RESET ROLE;

-- refused, then filed again; a penalty decided meanwhile stops the approval (rules re-checked)
SET ROLE regress_cr_feed;
SELECT sv.credit_repair_apply(:'r5', :p5, '已履行停业整顿义务', '{"rectification": "验收意见"}', true) AS repair2 \gset
RESET ROLE;
SET ROLE regress_cr_admin;
SELECT sv.credit_repair_decide(:repair2, false, '整改验收材料缺少签章');
RESET ROLE;
SET ROLE regress_cr_feed;
SELECT sv.credit_repair_apply(:'r5', :p5, '已履行停业整顿义务,补充签章', '{"rectification": "验收意见(签章)"}', true) AS repair3 \gset
SELECT sv.credit_event_record(:'r5', 'administrative_penalty', 2, 'city', '2025-09-01', '平市监罚〔2025〕77号', department_id => 4,
         penalty_types => '{warning}') > 0 AS new_penalty;
RESET ROLE;
SET ROLE regress_cr_msa2;
SELECT sv.credit_repair_decide(:repair3, true, '材料齐全,符合修复条件');
SELECT sv.credit_repair_decide(:repair3, false, '申请后又受到行政处罚,不予修复') AS decision;
SELECT event_reference, status, decision_note FROM sv_work.credit_repair WHERE uscc = :'r5' ORDER BY id;
RESET ROLE;
SELECT count(*) AS repaired FROM sv.credit_event WHERE uscc = :'r5' AND repaired_on IS NOT NULL;
SELECT action, count(*) FROM sv.audit_log WHERE object_kind = 'credit_repair' GROUP BY action ORDER BY action;


-- clean up what later tests list (models and the audit chain stay)
SET session_replication_role = replica;
DELETE FROM sv.sanction_feedback WHERE uscc::text IN (:'r1', :'r2', :'r3', :'r4', :'r5');
DELETE FROM sv.credit_check_log WHERE uscc::text IN (:'r1', :'r2', :'r3', :'r4', :'r5');
DELETE FROM sv.credit_repair WHERE uscc::text IN (:'r1', :'r2', :'r3', :'r4', :'r5');
DELETE FROM sv.credit_event WHERE uscc::text IN (:'r1', :'r2', :'r3', :'r4', :'r5');
DELETE FROM sv.credit_class_history WHERE uscc::text IN (:'r1', :'r2', :'r3', :'r4', :'r5');
DELETE FROM sv.credit_class WHERE uscc::text IN (:'r1', :'r2', :'r3', :'r4', :'r5');
DELETE FROM sv.sanction_measure WHERE code LIKE 'RGR-%';
DELETE FROM sv.subject WHERE source_system = 'RGR-AMR';
UPDATE sv.credit_model SET is_current = false WHERE label = 'RGR-V1';
SET session_replication_role = DEFAULT;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN ('regress_cr_feed', 'regress_cr_admin', 'regress_cr_msa1', 'regress_cr_msa2', 'regress_cr_hurd', 'regress_cr_public');
SET session_replication_role = DEFAULT;
DROP ROLE regress_cr_feed, regress_cr_admin, regress_cr_msa1, regress_cr_msa2, regress_cr_hurd, regress_cr_public;
