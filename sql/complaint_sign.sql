-- The 12345 platform's own limits (69_complaint_flow.sql): sign-for (签收) of a dispatched work
-- order and its reply (答复) limit, as policy rows with an honest basis; the step as every role;
-- the deadlines on fixed dates, 催办 and 督办; the status pushed to 12345; policy changes.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_csg_feed LOGIN IN ROLE sv_integration;   -- the 12345 system
CREATE ROLE regress_csg_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_csg_msa LOGIN IN ROLE sv_officer;        -- market supervision (4): assigned
CREATE ROLE regress_csg_hurd LOGIN IN ROLE sv_officer;       -- housing (5)
CREATE ROLE regress_csg_nomap LOGIN IN ROLE sv_officer;      -- no staff mapping
CREATE ROLE regress_csg_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_csg_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_csg_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_csg_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_csg_hurd', 5, '410402') > 0 AS mapped,
       sv.staff_add('regress_csg_admin', 1, '410400') > 0 AS mapped;
SELECT sv.endpoint_save('RGS-12345', 'http://127.0.0.1:9/12345', department_id => 10) AS endpoint;
SELECT sv.department_endpoint_set(10, 'RGS-12345');

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'complaint [0-9]+', 'complaint N', 'g');
END
$$;

-- the two limits: the city's configuration, said so in their basis (no article number invented)
SELECT code, label_zh, kind, starts_at, workdays, extension_max, supervise_after, builtin,
       legal_basis ~ '国办发〔2020〕53号' AS cites_53, legal_basis ~ '本市12345热线工作规则' AS city_rule,
       legal_basis ~ '可配置' AS configurable, legal_basis ~ '第.+条' AS cites_article
FROM sv.complaint_policy WHERE code IN ('sign', 'hotline_reply') ORDER BY id;

-- a work order dispatched by 12345 on Monday 2 March 2026: to be signed for by Tuesday 3 March
SET ROLE regress_csg_feed;
SELECT sv.complaint_receive('{"work_order_no": "RGS-0001", "kind": "complaint", "received_at": "2026-03-02T09:00:00+08:00",
  "text": "网购商品与描述不符,商家拒绝退货。", "subject": {"name": "平顶山某网店"}, "anonymous": true,
  "department": "410400-MSA"}') AS s1 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGS-0002", "kind": "inquiry", "received_at": "2026-03-06T16:00:00+08:00",
  "text": "咨询营业执照变更流程。", "anonymous": true, "department": "410400-MSA"}') AS s2 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGS-0003", "kind": "report", "received_at": "2026-03-02T09:30:00+08:00",
  "text": "某餐馆后厨卫生差。", "anonymous": true}') AS s3 \gset
RESET ROLE;
SELECT work_order_no, department_id, sign_start, sign_workdays, sign_due, signed_at, hotline_reply_due
FROM sv.complaint WHERE id IN (:s1, :s2, :s3) ORDER BY id;
-- not a 12345 work order: no sign-for clock (a letter recorded by an officer)
SET ROLE regress_csg_msa;
SELECT sv.complaint_record('letter', '{"work_order_no": "XF-RGS-01", "kind": "report", "received_at": "2026-03-02T10:00:00+08:00",
  "text": "来信反映某药店无证经营。", "anonymous": true}') AS l1 \gset
RESET ROLE;
SELECT channel, sign_due, sign_workdays FROM sv.complaint WHERE id = :l1;

-- who may sign for: officers of the assigned department only
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.complaint_sign(%s)', :s1)) AS sign
FROM unnest('{regress_csg_admin,regress_csg_hurd,regress_csg_nomap,regress_csg_auditor,regress_csg_bi,regress_csg_public,regress_csg_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_csg_msa', 'SELECT sv.complaint_sign(-1)') AS missing,
       pg_temp.as_role('regress_csg_msa', 'SELECT sv.complaint_sign(NULL)') AS null_id,
       pg_temp.as_role('regress_csg_msa', format('SELECT sv.complaint_sign(%s)', :l1)) AS letter,
       pg_temp.as_role('regress_csg_msa', format('SELECT sv.complaint_sign(%s, %L)', :s1, E'已\u0007签收')) AS bad_note;
-- the officer signs for it: the 12345 reply limit starts (15 working days from today)
SET ROLE regress_csg_msa;
SELECT sv.complaint_sign(:s1, '已签收,转消保科办理') > 0 AS signed;
RESET ROLE;
SELECT state, signed_at IS NOT NULL AS signed, hotline_reply_workdays,
       hotline_reply_due = sv.add_workdays(sv.local_date(signed_at), 15) AS reply_due_from_sign
FROM sv.complaint WHERE id = :s1;
SELECT pg_temp.as_role('regress_csg_msa', format('SELECT sv.complaint_sign(%s)', :s1)) AS sign_again;
-- the step, its audit record and the status pushed to 12345
SELECT action, action_zh, action_name, from_state, to_state, reason, detail - 'hotline_reply_due' AS detail, acted_by
FROM sv_work.complaint_history WHERE complaint_id = :s1 ORDER BY id;
SELECT action, change::jsonb - 'hotline_reply_due' AS change FROM sv.audit_log
WHERE object_kind = 'complaint' AND object_id = :'s1' ORDER BY seq;
SELECT o.kind, o.payload ->> 'work_order_no' AS work_order_no, o.payload ->> 'action' AS action, o.payload ->> 'state' AS state,
       o.payload ->> 'department' AS department, o.payload ->> 'reason' AS reason
FROM sv.complaint_step s JOIN sv.outbox o ON o.message_id = s.message WHERE s.complaint_id = :s1 ORDER BY s.id;
-- accepted, the sign-for cannot come any more
SET ROLE regress_csg_msa;
SELECT sv.complaint_accept(:s1) > 0 AS accepted;
RESET ROLE;
SELECT pg_temp.as_role('regress_csg_msa', format('SELECT sv.complaint_sign(%s)', :s1)) AS sign_after_accept;

-- accepted without a sign-for first: the acceptance signs for it (said in its step)
SET ROLE regress_csg_msa;
SELECT sv.complaint_accept(:s2) > 0 AS accepted;
RESET ROLE;
SELECT signed_at IS NOT NULL AS signed, hotline_reply_due = sv.add_workdays(sv.local_date(signed_at), 15) AS reply_due_from_sign
FROM sv.complaint WHERE id = :s2;
SELECT action, detail ->> 'signed' AS signed FROM sv_work.complaint_history WHERE complaint_id = :s2 ORDER BY id;

-- routed (no department from 12345): the dispatch queue has no sign-for clock; a dispatcher's
-- assignment starts it today, a return stops it, the next assignment starts it again
SELECT department_id, sign_due FROM sv.complaint WHERE id = :s3;
SET ROLE regress_csg_admin;
SELECT sv.complaint_assign(:s3, 4) > 0 AS assigned;
RESET ROLE;
SELECT sign_start = sv.local_date(now()) AS from_today, sign_due = sv.add_workdays(sv.local_date(now()), 1) AS one_workday,
       signed_at FROM sv.complaint WHERE id = :s3;
SET ROLE regress_csg_msa;
SELECT sv.complaint_sign(:s3) > 0 AS signed;
SELECT sv.complaint_return(:s3, '餐饮后厨卫生由卫健部门负责') > 0 AS returned;
RESET ROLE;
SELECT department_id, sign_due, signed_at, hotline_reply_due FROM sv.complaint WHERE id = :s3;
SET ROLE regress_csg_feed;
SELECT sv.complaint_assign(:s3, 5, '改派住建部门') > 0 AS reassigned;
RESET ROLE;
SELECT department_id, sign_due = sv.add_workdays(sv.local_date(now()), 1) AS one_workday, signed_at FROM sv.complaint WHERE id = :s3;

-- the deadlines on fixed dates: an order signed late, one answered on time, one still open
UPDATE sv.complaint SET sign_start = '2026-03-02', sign_due = '2026-03-03', signed_at = '2026-03-04 10:00+08',
       hotline_reply_due = '2026-03-25' WHERE id = :s1;
UPDATE sv.complaint SET sign_start = '2026-03-06', sign_due = '2026-03-09', signed_at = '2026-03-09 09:00+08',
       hotline_reply_due = '2026-03-30' WHERE id = :s2;
UPDATE sv.complaint SET sign_start = '2026-03-02', sign_due = '2026-03-03' WHERE id = :s3;
SELECT d.day, c.work_order_no, i.deadline, i.start_on, i.workdays, i.due_on, i.state
FROM unnest('{2026-03-03,2026-03-05}'::date[]) d(day), LATERAL sv._deadline_items(d.day, false) i
JOIN sv.complaint c ON c.id::text = i.object_id
WHERE c.id IN (:s1, :s2, :s3) AND i.deadline IN ('complaint.sign_due', 'complaint.hotline_reply_due')
ORDER BY d.day, c.work_order_no, i.deadline;
SELECT sv.deadline_state('complaint.sign_due', '2026-03-03', NULL, '2026-03-03') AS due_day,
       sv.deadline_state('complaint.sign_due', '2026-03-03', NULL, '2026-03-04') AS day_after,
       sv.deadline_state('complaint.hotline_reply_due', '2026-03-25', NULL, '2026-03-20') AS reply_three_before,
       sv.deadline_state('complaint.hotline_reply_due', '2026-03-25', '2026-03-24 10:00+08', '2026-03-30') AS replied;
-- 催办: the day after the missed sign-for, the deadline sweep's overdue notice
SELECT deadline, event, due_on, department_id FROM sv.deadline_sweep('2026-03-04')
WHERE object_id = :'s3' AND deadline LIKE 'complaint.%' ORDER BY deadline, event;
-- 督办: still not signed for 2 working days after the due date (the policy's supervise_after)
SELECT deadline, due_on, department_id, pushed FROM sv.complaint_supervise_sweep('2026-03-04')
WHERE complaint_id = :s3;
SELECT deadline, due_on, department_id, pushed FROM sv.complaint_supervise_sweep('2026-03-05')
WHERE complaint_id = :s3;
-- the queue: the sign-for is what the item owes first
SET ROLE regress_csg_hurd;
SELECT work_order_no, state, next_steps, deadline, due_on, deadline_state, supervised
FROM sv_work.complaint_queue WHERE id = :s3;
SELECT work_order_no, sign_due, signed_at, sign_state, sign_state_zh, hotline_reply_due, hotline_reply_state
FROM sv_work.complaint WHERE id = :s3;
RESET ROLE;
-- the 12345 reply limit is met by the reply (答复)
SET ROLE regress_csg_msa;
SELECT sv.complaint_reply(:s2, '营业执照变更可在政务服务网在线办理,材料清单见网站。') > 0 AS replied;
RESET ROLE;
SELECT work_order_no, sign_state, hotline_reply_due, hotline_reply_state IN ('done_on_time', 'done_late') AS reply_met
FROM sv_work.complaint WHERE id = :s2;

-- a change of the sign-for limit is a new row, in force for what is dispatched after it
SET ROLE regress_csg_admin;
SELECT sv.complaint_policy_set('sign', 2, 0, 2,
  '《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》(国办发〔2020〕53号);本市12345热线工作规则(2026年修订),可配置');
RESET ROLE;
SELECT code, workdays, supervise_after, builtin, updated_by FROM sv.complaint_policy WHERE code = 'sign' ORDER BY id;
SET ROLE regress_csg_feed;
SELECT sv.complaint_receive('{"work_order_no": "RGS-0004", "kind": "suggestion", "received_at": "2026-03-02T09:00:00+08:00",
  "text": "建议延长市场监管服务窗口时间。", "anonymous": true, "department": "410400-MSA"}') AS s4 \gset
RESET ROLE;
SELECT sign_workdays, sign_due FROM sv.complaint WHERE id = :s4;
SELECT action, change::jsonb - 'before' AS change FROM sv.audit_log WHERE object_kind = 'complaint_policy' ORDER BY seq DESC LIMIT 1;
DELETE FROM sv.complaint_policy WHERE NOT builtin;

-- clean up what later tests list (the audit chain stays)
SET session_replication_role = replica;
DELETE FROM sv.deadline_notice WHERE deadline LIKE 'complaint.%' AND object_id IN (:'s1', :'s2', :'s3', :'s4', :'l1');
DELETE FROM sv.complaint_supervision WHERE complaint_id IN (:s1, :s2, :s3, :s4, :l1);
DELETE FROM sv.complaint_step WHERE complaint_id IN (:s1, :s2, :s3, :s4, :l1);
DELETE FROM sv.complaint_person WHERE complaint_id IN (:s1, :s2, :s3, :s4, :l1);
DELETE FROM sv.complaint WHERE id IN (:s1, :s2, :s3, :s4, :l1);
DELETE FROM sv.outbox WHERE endpoint = 'RGS-12345';
DELETE FROM sv.department_endpoint WHERE endpoint = 'RGS-12345';
DELETE FROM sv.endpoint WHERE name = 'RGS-12345';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_csg_%';
SET session_replication_role = DEFAULT;
DROP OWNED BY regress_csg_feed, regress_csg_admin, regress_csg_msa, regress_csg_hurd, regress_csg_nomap,
  regress_csg_auditor, regress_csg_bi, regress_csg_public;
DROP ROLE regress_csg_feed, regress_csg_admin, regress_csg_msa, regress_csg_hurd, regress_csg_nomap,
  regress_csg_auditor, regress_csg_bi, regress_csg_public;
