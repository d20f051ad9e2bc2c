-- "Found once, acted on by all" (一处发现、多方联动, issue 19): the versioned rules
-- (sv.joint_rule_save: every field, every error, every role, versions and retirement), the
-- notices they make from actions, complaints and risk alerts (sv.joint_notice_sweep), and what
-- each department still owes (sv_work.joint_obligation, sv_bi.joint_obligation_summary).
-- Everything in one transaction, rolled back at the end.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_jr_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_jr_msa LOGIN IN ROLE sv_officer;        -- market supervision (4)
CREATE ROLE regress_jr_hurd LOGIN IN ROLE sv_officer;       -- housing (5)
CREATE ROLE regress_jr_health LOGIN IN ROLE sv_officer;     -- health (7)
CREATE ROLE regress_jr_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_jr_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_jr_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_jr_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_jr_feed LOGIN IN ROLE sv_integration;

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RESET ROLE;
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- the statement saving a rule, from its base by replacing arguments
CREATE FUNCTION pg_temp.rule_q(code text DEFAULT 'JR-PENALTY', name text DEFAULT '行政处罚信息共享',
                               kind text DEFAULT 'action_kind', val text DEFAULT 'penalty',
                               targets jsonb DEFAULT '[{"department_id": 7, "owes": "verify", "workdays": 10},
                                                       {"department_id": 5, "owes": "acknowledge", "workdays": 5}]',
                               basis text DEFAULT '国务院关于加强和规范事中事后监管的指导意见(国发〔2019〕18号)',
                               source integer DEFAULT NULL, active boolean DEFAULT true) RETURNS text
LANGUAGE sql AS $$
  SELECT format('SELECT sv.joint_rule_save(%L, %L, %L, %L, %L, %L, %s, %s)', code, name, kind, val, targets, basis,
                coalesce(source::text, 'NULL'), coalesce(active::text, 'NULL'))
$$;

BEGIN;
SELECT sv.staff_add('regress_jr_admin', 1, '410400') > 0 AS mapped, sv.staff_add('regress_jr_msa', 4, '410400') > 0 AS mapped,
       sv.staff_add('regress_jr_hurd', 5, '410400') > 0 AS mapped, sv.staff_add('regress_jr_health', 7, '410400') > 0 AS mapped;

-- who may save a rule: administrators
SELECT r AS role, pg_temp.as_role(r, pg_temp.rule_q()) AS result
FROM unnest('{regress_jr_msa,regress_jr_nomap,regress_jr_auditor,regress_jr_bi,regress_jr_public,regress_jr_feed}'::text[]) r;
-- every error, nothing written
SELECT n, pg_temp.as_role('regress_jr_admin', q) AS result FROM unnest(ARRAY[
  (pg_temp.rule_q(code => NULL)), (pg_temp.rule_q(code => 'x')), (pg_temp.rule_q(name => ' ')),
  (pg_temp.rule_q(name => repeat('规', 201))), (pg_temp.rule_q(kind => 'signal')), (pg_temp.rule_q(val => 'fine')),
  (pg_temp.rule_q(kind => 'action_result', val => 'penalty')), (pg_temp.rule_q(kind => 'complaint_kind', val => 'penalty')),
  (pg_temp.rule_q(kind => 'risk_rule', val => 'JR-NO-SUCH-RULE')), (pg_temp.rule_q(source => 99)),
  (pg_temp.rule_q(targets => '{}')), (pg_temp.rule_q(targets => '[]')), (pg_temp.rule_q(targets => '["x"]')),
  (pg_temp.rule_q(targets => '[{"department_id": 7, "owes": "verify", "workdays": 10, "note": "x"}]')),
  (pg_temp.rule_q(targets => '[{"department_id": 99, "owes": "verify", "workdays": 10}]')),
  (pg_temp.rule_q(targets => '[{"department_id": 7, "owes": "verify", "workdays": 10}, {"department_id": 7, "owes": "inspect", "workdays": 5}]')),
  (pg_temp.rule_q(targets => '[{"department_id": 7, "owes": "pay", "workdays": 10}]')),
  (pg_temp.rule_q(targets => '[{"department_id": 7, "owes": "verify", "workdays": 0}]')),
  (pg_temp.rule_q(targets => '[{"department_id": 7, "owes": "verify", "workdays": "5"}]')),
  (pg_temp.rule_q(basis => '')), (pg_temp.rule_q(basis => repeat('据', 501))), (pg_temp.rule_q(active => NULL)),
  (pg_temp.rule_q(code => 'JR-NONE', active => false))]) WITH ORDINALITY v(q, n) ORDER BY n;
SELECT count(*) AS rules FROM sv.joint_rule WHERE code LIKE 'JR-%';

-- versions: saved, the same again (no new version), changed, retired
SET ROLE regress_jr_admin;
SELECT sv.joint_rule_save('JR-PENALTY', '行政处罚信息共享', 'action_kind', 'penalty',
         '[{"department_id": 7, "owes": "verify", "workdays": 10}, {"department_id": 5, "owes": "acknowledge", "workdays": 5}]',
         '国务院关于加强和规范事中事后监管的指导意见(国发〔2019〕18号)') AS v1,
       sv.joint_rule_save('JR-PENALTY', '行政处罚信息共享', 'action_kind', 'penalty',
         '[{"department_id": 5, "owes": "acknowledge", "workdays": 5}, {"department_id": 7, "owes": "verify", "workdays": 10}]',
         '国务院关于加强和规范事中事后监管的指导意见(国发〔2019〕18号)') AS same_again,
       sv.joint_rule_save('JR-PENALTY', '行政处罚信息共享', 'action_kind', 'penalty',
         '[{"department_id": 5, "owes": "inspect", "workdays": 5}, {"department_id": 7, "owes": "verify", "workdays": 10}]',
         '国务院关于加强和规范事中事后监管的指导意见(国发〔2019〕18号)') AS v2;
SELECT sv.joint_rule_save('JR-FOUND', '检查发现问题通报卫生部门', 'action_result', 'problem_found',
         '[{"department_id": 7, "owes": "inspect", "workdays": 5}]', '本市联合监管工作规则', source_department_id => 4) AS found,
       sv.joint_rule_save('JR-REPORT', '举报线索共享', 'complaint_kind', 'report',
         '[{"department_id": 5, "owes": "verify", "workdays": 7}, {"department_id": 4, "owes": "acknowledge", "workdays": 3}]',
         '本市联合监管工作规则') AS report,
       sv.joint_rule_save('JR-OLD', '停用的规则', 'action_kind', 'coercive_measure',
         '[{"department_id": 7, "owes": "acknowledge", "workdays": 3}]', '本市联合监管工作规则') AS old;
SELECT sv.joint_rule_save('JR-OLD', '停用的规则', 'action_kind', 'coercive_measure',
         '[{"department_id": 7, "owes": "acknowledge", "workdays": 3}]', '本市联合监管工作规则', active => false) AS retired;
RESET ROLE;
SELECT pg_temp.as_role('regress_jr_admin', $q$UPDATE sv.joint_rule SET basis = 'x'$q$) AS update_rule,
       pg_temp.as_role(current_user, $q$DELETE FROM sv.joint_rule WHERE code = 'JR-OLD'$q$) AS superuser_deletes;
SET ROLE regress_jr_hurd;
SELECT code, version, name, finding_kind, finding_value, finding_name, source_department_name, targets, active, in_force
FROM sv_work.joint_rule WHERE code LIKE 'JR-%' ORDER BY code, version;
RESET ROLE;
SELECT object_id, action, actor_role, change::jsonb - 'basis' - 'targets' - 'name' AS change
FROM sv.audit_log WHERE object_kind = 'joint_rule' AND object_id LIKE 'JR-%' ORDER BY seq;

-- a risk rule and one of its alerts (written directly: sql/risk_*.sql test the scans)
INSERT INTO sv.risk_rule (code, version, name, signal, group_by, detector, params, severity, department_id, basis, created_by, created_at)
VALUES ('JR-RISK', 1, '处罚频发', 'penalty', 'subject', 'threshold', '{"count": 3}', 'orange', 4, '测试', 'regress', now());
SELECT pg_temp.as_role('regress_jr_admin', pg_temp.rule_q(code => 'JR-RISKY', name => '风险预警通报住建部门', kind => 'risk_rule',
         val => 'JR-RISK', targets => '[{"department_id": 5, "owes": "inspect", "workdays": 10}]')) AS risk_rule_saved;

-- the findings: two actions of market supervision (a penalty; an inspection that found a
-- problem), a report (举报) dispatched to market supervision, a risk alert of market supervision
SELECT sv.catalog_item_save('JR-MSA-1', 4, '食品经营监督检查', '现场检查', '检查', '食品经营者', '[{"law": "食品安全法"}]',
                            'city', 'national') > 0 AS item,
       sv.check_item_save('JR-C1', 'JR-MSA-1', 'city', '410400', 4, 'on_site', '食品经营场所', 'general') > 0 AS check_item;
SELECT sv.catalog_publish('JR-REL', 'regress: joint_rule') AS rel \gset
SELECT sv.subject_save('91410402MA9JNT003W', '平顶山某酒店有限公司', '410402', 'RJR', 'RJR-1') IS NOT NULL AS subject;
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, source_system, source_record_id, received_at, updated_at)
VALUES ('91410402MA9JNT003W', 'penalty', 'JR-C1', :rel, 4, '410402', '2026-03-02', '2026-03-02', '{A,B}', 'case_filed',
        '2026-03-30', 'RJR', 'penalty', now(), now()),
       ('91410402MA9JNT003W', 'inspection', 'JR-C1', :rel, 4, '410402', '2026-03-03', '2026-03-03', '{A,B}', 'problem_found',
        '2026-03-31', 'RJR', 'found', now(), now());
SET ROLE regress_jr_feed;
SELECT sv.complaint_receive('{"work_order_no": "RJR-2026-0001", "kind": "report", "received_at": "2026-03-02T09:15:00+08:00",
         "text": "某酒店厨房使用无证燃气瓶。", "anonymous": true, "subject": {"uscc": "91410402MA9JNT003W", "name": "平顶山某酒店有限公司"},
         "department": "410400-MSA"}') AS complaint \gset
RESET ROLE;
INSERT INTO sv.risk_alert (rule_code, rule_version, series, uscc, period, observed, statistic, severity, department_id, explanation,
                           as_of, raised_by, raised_at, last_period)
VALUES ('JR-RISK', 1, '91410402MA9JNT003W', '91410402MA9JNT003W', '2026-03-01', 3, 3, 'orange', 4, '{}', now(), 'regress',
        '2026-03-05 08:00+08', '2026-03-01')
RETURNING id AS alert \gset

SET ROLE regress_jr_admin;
CREATE TEMP TABLE jr_sent AS SELECT * FROM sv.joint_notice_sweep('2026-03-01');
RESET ROLE;
SELECT min(notice_id) AS n0 FROM jr_sent \gset
-- the penalty: health verifies, housing inspects (version 2); the problem found: health
-- inspects; the report: housing verifies (market supervision, which has it, is not told); the
-- alert: housing inspects.  The retired rule sends nothing.
SELECT s.source_kind, CASE s.source_kind WHEN 'action' THEN split_part(n.source_id, '/', 1) ELSE 'id' END AS source,
       s.finding, s.from_department_id, s.to_department_id, s.owes, n.workdays, n.bases, n.summary
FROM jr_sent s JOIN sv.joint_notice n ON n.id = s.notice_id ORDER BY s.source_kind, s.finding, s.to_department_id;
SELECT n.source_kind, n.source_id = CASE n.source_kind WHEN 'complaint' THEN :'complaint' ELSE :'alert' END AS its_id FROM sv.joint_notice n
WHERE n.source_kind <> 'action' ORDER BY n.source_kind;

-- what each department owes (due dates fixed in the past: every one overdue)
UPDATE sv.joint_notice SET due_on = '2026-03-05';
SELECT r AS role, pg_temp.as_role(r, format($q$DO $d$ BEGIN IF (SELECT count(*) FROM sv_work.joint_obligation) <> %s THEN
         RAISE 'saw %%', (SELECT count(*) FROM sv_work.joint_obligation); END IF; END $d$$q$, n)) AS sees
FROM (VALUES ('regress_jr_msa', 0), ('regress_jr_hurd', 3), ('regress_jr_health', 2), ('regress_jr_nomap', 0),
             ('regress_jr_auditor', 5), ('regress_jr_admin', 5)) v(r, n);
SELECT pg_temp.as_role(r, 'SELECT count(*) FROM sv_work.joint_obligation') AS reads
FROM unnest('{regress_jr_bi,regress_jr_public,regress_jr_feed}'::text[]) r;
SET ROLE regress_jr_hurd;
SELECT obligation, obligation_zh, department_name, from_department_name, owes, owes_zh, due_on, due_state, due_state_zh
FROM sv_work.joint_obligation ORDER BY owes, id;
RESET ROLE;
-- housing acknowledges one; the statistics
SELECT pg_temp.as_role('regress_jr_hurd', format('SELECT sv.joint_notice_acknowledge(%s, %L)',
         (SELECT id FROM sv.joint_notice WHERE to_department_id = 5 AND source_kind = 'complaint'), '已核查,该酒店燃气瓶来源合法')) AS acknowledged;
SELECT pg_temp.as_role(r, 'SELECT count(*) FROM sv_bi.joint_obligation_summary') AS reads
FROM unnest('{regress_jr_bi,regress_jr_auditor,regress_jr_admin,regress_jr_msa,regress_jr_public,regress_jr_feed}'::text[]) r;
SET ROLE regress_jr_bi;
SELECT * FROM sv_bi.joint_obligation_summary WHERE department_code IN ('410400-HURD', '410400-HEALTH', '410400-MSA') ORDER BY 1;
RESET ROLE;
ROLLBACK;

DROP ROLE regress_jr_admin, regress_jr_msa, regress_jr_hurd, regress_jr_health, regress_jr_nomap, regress_jr_auditor,
  regress_jr_bi, regress_jr_public, regress_jr_feed;
