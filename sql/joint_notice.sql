-- Copy notices (抄告抄送, issue 19): a finding of one department that the joint-supervision
-- list says concerns others is copied to them by sv.joint_notice_sweep, once each; each
-- recipient acknowledges it with what it did (sv.joint_notice_acknowledge).  Every role, every
-- error, the deadline, the audit records and the messages.  Everything in one transaction,
-- rolled back at the end.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_jn_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_jn_msa LOGIN IN ROLE sv_officer;        -- market supervision (4): finds
CREATE ROLE regress_jn_hurd LOGIN IN ROLE sv_officer;       -- housing (5): a partner, with a system
CREATE ROLE regress_jn_emerg LOGIN IN ROLE sv_officer;      -- emergency management (9): a partner
CREATE ROLE regress_jn_health LOGIN IN ROLE sv_officer;     -- health (7): not concerned
CREATE ROLE regress_jn_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_jn_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_jn_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_jn_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_jn_feed LOGIN IN ROLE sv_integration;

-- a statement run as a role: 'ok' or "SQLSTATE: message" (ids masked)
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RESET ROLE;
  -- ids come from sequences: named, not numbered
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '(copy notice|assist request) -?[0-9]+', '\1 <id>', 'g');
END
$$;

BEGIN;
SELECT sv.staff_add('regress_jn_admin', 1, '410400') > 0 AS mapped, sv.staff_add('regress_jn_msa', 4, '410400') > 0 AS mapped,
       sv.staff_add('regress_jn_hurd', 5, '410400') > 0 AS mapped, sv.staff_add('regress_jn_emerg', 9, '410400') > 0 AS mapped,
       sv.staff_add('regress_jn_health', 7, '410400') > 0 AS mapped;
SELECT sv.endpoint_save('RJN-HURD', 'http://127.0.0.1:9/accept/hurd', department_id => 5) AS endpoint;
SELECT sv.department_endpoint_set(5, 'RJN-HURD');

-- the catalogue, a release, the joint list: food businesses using bottled gas are supervised
-- by market supervision with housing and emergency management; a penalty or a case filed by
-- one of them is copied to the others
SELECT sv.catalog_item_save('JN-MSA-1', 4, '食品经营监督检查', '现场检查', '检查、责令整改', '食品经营者',
         '[{"law": "食品安全法"}]', 'city', 'national') > 0 AS saved,
       sv.catalog_item_save('JN-MSA-2', 4, '计量器具监督检查', '现场检查', '检查', '计量器具使用者',
         '[{"law": "计量法"}]', 'city', 'national') > 0 AS saved,
       sv.catalog_item_save('JN-HURD-1', 5, '燃气经营监督检查', '现场检查', '检查', '燃气经营者',
         '[{"law": "城镇燃气管理条例"}]', 'city', 'national') > 0 AS saved,
       sv.catalog_item_save('JN-EMERG-1', 9, '安全生产监督检查', '现场检查', '检查', '生产经营单位',
         '[{"law": "安全生产法"}]', 'city', 'national') > 0 AS saved;
SELECT sv.check_item_save('JN-C1', 'JN-MSA-1', 'city', '410400', 4, 'on_site', '食品经营场所燃气使用', 'general') > 0 AS c1,
       sv.check_item_save('JN-C2', 'JN-MSA-2', 'city', '410400', 4, 'on_site', '计量器具检定', 'general') > 0 AS c2,
       sv.check_item_save('JN-C3', 'JN-HURD-1', 'city', '410400', 5, 'on_site', '燃气供应', 'general') > 0 AS c3;
SELECT sv.catalog_publish('JN-REL', 'regress: joint_notice') AS rel \gset
SELECT sv.joint_item_save('JN-GAS', '餐饮场所燃气安全联合监管', '餐饮场所使用瓶装液化石油气', 4, '{JN-MSA-1}',
         '[{"department_id": 5, "catalog_items": ["JN-HURD-1"]}, {"department_id": 9, "catalog_items": ["JN-EMERG-1"]}]',
         '[{"law": "城镇燃气管理条例", "article": "第二十八条"}]', '{penalty,case_filed}', 3) > 0 AS joint_item;
SELECT sv.subject_save('91410402MA9JNT001N', '平顶山某餐饮有限公司', '410402', 'RJN', 'RJN-1') IS NOT NULL AS subject,
       sv.subject_save('91410402MA9JNT002R', '平顶山某燃气有限公司', '410402', 'RJN', 'RJN-2') IS NOT NULL AS subject;
SELECT sv.uscc_check('91410402MA9JNT002R') IS NULL AS valid;

-- the actions, as the data centre holds them (written here directly: this test is about the
-- copies, sql/datacenter_action.sql about the actions)
CREATE TEMP TABLE jn_act (label text, uscc text, id bigint);
WITH a AS (
  INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                         result, findings, publication_due, source_system, source_record_id, received_at, updated_at)
  SELECT v.uscc, v.kind, v.item, :rel, v.dept, '410402', v.day, v.day, '{A,B}', v.result, NULL, v.day + 28, 'RJN', v.label, now(), now()
  FROM (VALUES ('penalty',     '91410402MA9JNT001N', 'penalty',    'JN-C1', 4, date '2026-03-02', 'case_filed'),
               ('no_problem',  '91410402MA9JNT001N', 'inspection', 'JN-C1', 4, '2026-03-02', 'no_problem'),
               ('case_filed',  '91410402MA9JNT002R', 'inspection', 'JN-C3', 5, '2026-03-03', 'case_filed'),
               ('not_joint',   '91410402MA9JNT001N', 'penalty',    'JN-C2', 4, '2026-03-03', 'case_filed'),
               ('before',      '91410402MA9JNT001N', 'penalty',    'JN-C1', 4, '2026-02-27', 'case_filed')) v(label, uscc, kind, item, dept, day, result)
  RETURNING source_record_id, uscc, id)
INSERT INTO jn_act SELECT source_record_id, uscc, id FROM a;

-- who may sweep: administrators (and the daily job)
SELECT r AS role, pg_temp.as_role(r, $q$SELECT * FROM sv.joint_notice_sweep('2026-03-01')$q$) AS result
FROM unnest('{regress_jn_msa,regress_jn_nomap,regress_jn_auditor,regress_jn_bi,regress_jn_public,regress_jn_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_jn_admin', $q$SELECT * FROM sv.joint_notice_sweep('2099-01-01')$q$) AS future,
       pg_temp.as_role('regress_jn_admin', $q$SELECT * FROM sv.joint_notice_sweep('-infinity')$q$) AS infinite;
SET ROLE regress_jn_admin;
CREATE TEMP TABLE jn_sent AS SELECT * FROM sv.joint_notice_sweep('2026-03-01');
RESET ROLE;
SELECT min(notice_id) AS n0 FROM jn_sent \gset
-- the penalty goes to housing and emergency management, the case filed by housing to market
-- supervision and emergency management; nothing else
SELECT s.notice_id - :n0 AS notice, a.label AS action, s.finding, s.from_department_id, s.to_department_id, s.owes,
       s.due_on = sv.add_workdays(sv.local_date(now()), 3) AS due_in_3_workdays, s.pushed
FROM jn_sent s JOIN jn_act a ON a.uscc || '/' || a.id = s.source_id ORDER BY s.notice_id;
-- once each: the same sweep again sends nothing
SET ROLE regress_jn_admin;
SELECT count(*) AS sent_again FROM sv.joint_notice_sweep('2026-03-01');
RESET ROLE;

-- the recipients acknowledge, with what they did
SELECT min(id) FILTER (WHERE to_department_id = 5) AS to_hurd, min(id) FILTER (WHERE to_department_id = 9) AS to_emerg,
       min(id) FILTER (WHERE to_department_id = 4) AS to_msa
FROM sv.joint_notice \gset
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.joint_notice_acknowledge(%s, %L)', :to_hurd, '已对供气单位开展检查')) AS result
FROM unnest('{regress_jn_msa,regress_jn_emerg,regress_jn_health,regress_jn_nomap,regress_jn_auditor,regress_jn_bi,regress_jn_public,regress_jn_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_jn_hurd', 'SELECT sv.joint_notice_acknowledge(NULL, NULL)') AS nulls,
       pg_temp.as_role('regress_jn_hurd', format('SELECT sv.joint_notice_acknowledge(%s, %L)', :to_hurd, E' \n')) AS empty,
       pg_temp.as_role('regress_jn_hurd', format('SELECT sv.joint_notice_acknowledge(%s, %L)', :to_hurd, repeat('办', 2001))) AS too_long,
       pg_temp.as_role('regress_jn_hurd', 'SELECT sv.joint_notice_acknowledge(-1, ''已处理'')') AS unknown;
SELECT pg_temp.as_role('regress_jn_hurd', format('SELECT sv.joint_notice_acknowledge(%s, %L)', :to_hurd,
         E'已对供气单位开展燃气安全检查,\n责令其停止向无资质用户供气。')) AS acknowledged,
       pg_temp.as_role('regress_jn_hurd', format('SELECT sv.joint_notice_acknowledge(%s, %L)', :to_hurd, '再次签收')) AS twice,
       pg_temp.as_role('regress_jn_admin', format('SELECT sv.joint_notice_acknowledge(%s, %L)', :to_msa, '已将该燃气公司纳入重点监管')) AS admin;

-- each department's view: what it sent and what it received
SELECT r AS role, pg_temp.as_role(r, format($q$DO $d$ BEGIN IF (SELECT count(*) FROM sv_work.joint_notice) <> %s THEN
         RAISE 'saw %%', (SELECT count(*) FROM sv_work.joint_notice); END IF; END $d$$q$, n)) AS sees
FROM (VALUES ('regress_jn_msa', 3), ('regress_jn_hurd', 3), ('regress_jn_emerg', 2), ('regress_jn_health', 0),
             ('regress_jn_nomap', 0), ('regress_jn_auditor', 4), ('regress_jn_admin', 4)) v(r, n);
SELECT pg_temp.as_role(r, 'SELECT count(*) FROM sv_work.joint_notice') AS reads
FROM unnest('{regress_jn_bi,regress_jn_public,regress_jn_feed}'::text[]) r;
SET ROLE regress_jn_hurd;
SELECT id - :n0 AS notice, from_department_name, to_department_name, finding, bases, owes, summary, state, pushed, action_taken
FROM sv_work.joint_notice ORDER BY id;
RESET ROLE;

-- the deadline (dates fixed: sent on Monday 2 March 2026, 3 working days)
UPDATE sv.joint_notice SET start_on = '2026-03-02', due_on = sv.add_workdays('2026-03-02', workdays),
       acknowledged_at = CASE WHEN acknowledged_at IS NOT NULL THEN timestamptz '2026-03-06 09:00+08' END;
SELECT i.object_id::bigint - :n0 AS notice, i.department_id, i.start_on, i.workdays, i.due_on, i.state
FROM sv._deadline_items('2026-03-04', false) i WHERE i.deadline = 'joint_notice.due_on' ORDER BY i.object_id::bigint;
SELECT name, label_zh, relation, reminder_days FROM sv.calendar_deadline WHERE name = 'joint_notice.due_on';
-- findings are labelled by the vocabulary of the capability that owns them (05_code_label)
SELECT k, c, sv._joint_finding_label(k, c) AS label
FROM (VALUES ('action_kind', 'penalty'), ('action_result', 'case_filed'), ('complaint_kind', 'report'),
             ('risk_rule', 'RISK-1')) v(k, c);
SELECT sv.label_zh('joint.owes', 'restrict') AS owes_zh;

-- the audit records and the messages (housing's system only: the others have none)
SELECT object_id::bigint - :n0 AS notice, action, actor_role, department_id,
       change::jsonb - 'source_id' - 'due_on' AS change
FROM sv.audit_log WHERE object_kind = 'joint_notice' ORDER BY seq;
SELECT kind, endpoint, payload - 'notice_id' - 'source_id' - 'due_on' - 'acknowledged_at' AS payload
FROM sv.outbox WHERE kind LIKE 'joint.%' ORDER BY created_at, kind;
ROLLBACK;

DROP ROLE regress_jn_admin, regress_jn_msa, regress_jn_hurd, regress_jn_emerg, regress_jn_health, regress_jn_nomap,
  regress_jn_auditor, regress_jn_bi, regress_jn_public, regress_jn_feed;
