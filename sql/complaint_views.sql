-- The complaint views (69_complaint_flow.sql) on fixed dates: one rule for every on-time figure
-- (met by the due date: on time; met after it or still open past it: late; not yet due: not
-- counted), the 12345 platform's own limits (sign-for, 12345 reply) beside the statutory rate in
-- sv_bi.complaint_summary and in the queue's overdue and due soon, the published monthly counts
-- without small cells, repeat targets and places, hot spots; each view as every role.
-- Independent of today's date: past due dates are in May 2026, not-yet-due ones in 2099, and the
-- due-soon item is due today.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_cv_feed LOGIN IN ROLE sv_integration;   -- the 12345 system
CREATE ROLE regress_cv_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_cv_msa LOGIN IN ROLE sv_officer;        -- market supervision (4): assigned
CREATE ROLE regress_cv_hurd LOGIN IN ROLE sv_officer;       -- housing (5), region scope 410402
CREATE ROLE regress_cv_nomap LOGIN IN ROLE sv_officer;      -- no staff mapping
CREATE ROLE regress_cv_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_cv_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_cv_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_cv_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_cv_hurd', 5, '410402') > 0 AS mapped,
       sv.staff_add('regress_cv_admin', 1, '410400') > 0 AS mapped;
SELECT sv.endpoint_save('RGV-12345', 'http://127.0.0.1:9/12345', department_id => 10) AS endpoint;
SELECT sv.department_endpoint_set(10, 'RGV-12345');

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE format('SELECT count(*) FROM (%s) q', q) INTO n;
  RESET ROLE;
  RETURN n::text;
EXCEPTION WHEN OTHERS THEN
  RESET ROLE;
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- seven complaints of May 2026 to market supervision (six 12345 work orders, one letter), three
-- 12345 inquiries and one suggestion
SET ROLE regress_cv_feed;
SELECT sv.complaint_receive('{"work_order_no": "RGV-0001", "kind": "complaint", "received_at": "2026-05-06T09:00:00+08:00",
  "text": "购买的电动车电池续航严重不足。", "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山某车行"},
  "place": {"address": "新华区 建设路 12号", "region": "410402"}, "anonymous": true, "department": "410400-MSA"}') AS v1 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0002", "kind": "complaint", "received_at": "2026-05-06T10:00:00+08:00",
  "text": "车行维修收费不明码标价。", "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山某车行"},
  "place": {"address": "新华区建设路12号", "region": "410402"}, "anonymous": true, "department": "410400-MSA"}') AS v2 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0003", "kind": "complaint", "received_at": "2026-05-06T11:00:00+08:00",
  "text": "健身房闭店后拒不退还会员费。", "anonymous": true, "department": "410400-MSA"}') AS v3 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0004", "kind": "complaint", "received_at": "2026-05-06T14:00:00+08:00",
  "text": "培训机构虚假宣传包过承诺。", "anonymous": true, "department": "410400-MSA"}') AS v4 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0006", "kind": "complaint", "received_at": "2026-05-06T15:00:00+08:00",
  "text": "美容院办卡后服务缩水。", "anonymous": true, "department": "410400-MSA"}') AS v6 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0007", "kind": "complaint", "received_at": "2026-05-06T16:00:00+08:00",
  "text": "外卖商家食品中有异物。", "anonymous": true, "department": "410400-MSA"}') AS v7 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0011", "kind": "inquiry", "received_at": "2026-05-07T09:00:00+08:00",
  "text": "咨询个体户年报时间。", "anonymous": true, "department": "410400-MSA"}') AS i1 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0012", "kind": "inquiry", "received_at": "2026-05-07T10:00:00+08:00",
  "text": "咨询食品小摊点备案。", "anonymous": true, "department": "410400-MSA"}') AS i2 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0013", "kind": "inquiry", "received_at": "2026-05-07T11:00:00+08:00",
  "text": "咨询计量器具检定收费。", "anonymous": true, "department": "410400-MSA"}') AS i3 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGV-0014", "kind": "suggestion", "received_at": "2026-05-07T12:00:00+08:00",
  "text": "建议公布农贸市场快检结果。", "anonymous": true, "department": "410400-MSA"}') AS s1 \gset
RESET ROLE;
SET ROLE regress_cv_msa;
SELECT sv.complaint_record('letter', '{"work_order_no": "XF-RGV-0005", "kind": "complaint", "received_at": "2026-05-06T09:30:00+08:00",
  "text": "来信反映家具店交货延迟且拒绝赔偿。", "anonymous": true}') AS v5 \gset
-- v1, v2, v5 go to the end; v4, v6, v7 are signed for and accepted; v3 is left untouched
SELECT sv.complaint_sign(:v1) > 0 AS signed, sv.complaint_accept(:v1) > 0 AS accepted,
       sv.complaint_mediate(:v1, 'agreed', '双方和解') > 0 AS mediated, sv.complaint_reply(:v1, '经调解双方已和解。') > 0 AS replied,
       sv.complaint_close(:v1, false) > 0 AS closed;
SELECT sv.complaint_accept(:v2) > 0 AS accepted,
       sv.complaint_mediate(:v2, 'agreed', '双方和解') > 0 AS mediated, sv.complaint_reply(:v2, '已责令明码标价。') > 0 AS replied,
       sv.complaint_close(:v2, false) > 0 AS closed;
SELECT sv.complaint_accept(:v5) > 0 AS accepted,
       sv.complaint_mediate(:v5, 'agreed', '双方和解') > 0 AS mediated, sv.complaint_reply(:v5, '商家已赔偿。') > 0 AS replied,
       sv.complaint_close(:v5, false) > 0 AS closed;
SELECT sv.complaint_sign(:v4) > 0 AS signed, sv.complaint_accept(:v4) > 0 AS accepted,
       sv.complaint_sign(:v6) > 0 AS signed, sv.complaint_accept(:v6) > 0 AS accepted,
       sv.complaint_sign(:v7) > 0 AS signed, sv.complaint_accept(:v7) > 0 AS accepted;
SELECT sv.complaint_accept(:i1) > 0 AS accepted, sv.complaint_reply(:i1, '每年1月1日至6月30日报送年报。') > 0 AS replied,
       sv.complaint_close(:i1, false) > 0 AS closed;
RESET ROLE;

-- the steps as if done on fixed days (May 2026: sign-for due the next working day, acceptance
-- in 7, the 12345 reply 15 working days after the sign-for); 2099: not yet due
UPDATE sv.complaint SET sign_due = '2026-05-07', accept_due = '2026-05-15' WHERE id IN (:v1, :v2, :v3, :v4, :v6, :v7);
UPDATE sv.complaint SET accept_due = '2026-05-15' WHERE id = :v5;
-- v1: everything on time
UPDATE sv.complaint SET signed_at = '2026-05-06 15:00+08', decided_at = '2026-05-07 10:00+08', hotline_reply_due = '2026-05-27',
       handle_due = '2026-07-10', handled_at = '2026-05-20 10:00+08', reply_due = '2026-05-29', replied_at = '2026-05-22 10:00+08'
WHERE id = :v1;
-- v2: signed for a day late (with the acceptance), the 12345 reply late, the statutory reply in time
UPDATE sv.complaint SET signed_at = '2026-05-08 10:00+08', decided_at = '2026-05-08 10:00+08', hotline_reply_due = '2026-05-29',
       handle_due = '2026-07-10', handled_at = '2026-06-01 10:00+08', reply_due = '2026-06-10', replied_at = '2026-06-03 10:00+08'
WHERE id = :v2;
-- v5 (a letter: no 12345 clock): handled late
UPDATE sv.complaint SET decided_at = '2026-05-07 10:00+08', handle_due = '2026-05-20', handled_at = '2026-05-25 10:00+08',
       reply_due = '2026-06-03', replied_at = '2026-05-26 10:00+08'
WHERE id = :v5;
-- v4: signed and accepted in time, nothing else due before 2099
UPDATE sv.complaint SET signed_at = '2026-05-07 09:00+08', decided_at = '2026-05-07 10:00+08', hotline_reply_due = '2099-06-01',
       handle_due = '2099-06-30' WHERE id = :v4;
-- v6: the 12345 reply overdue while the statutory handling is not due yet
UPDATE sv.complaint SET signed_at = '2026-05-07 09:00+08', decided_at = '2026-05-07 10:00+08', hotline_reply_due = '2026-05-28',
       handle_due = '2099-06-30' WHERE id = :v6;
-- v7: the 12345 reply due today (due soon), the statutory handling not due yet
UPDATE sv.complaint SET signed_at = '2026-05-07 09:00+08', decided_at = '2026-05-07 10:00+08',
       hotline_reply_due = sv.local_date(now()), handle_due = '2099-06-30' WHERE id = :v7;
SELECT work_order_no, state, sign_state, hotline_reply_state, accept_state
FROM sv_work.complaint WHERE id IN (:v1, :v2, :v3, :v4, :v5, :v6, :v7) ORDER BY work_order_no;

-- the queue's current deadline: the earliest open one, statutory or 12345 (the sign-for of v3,
-- the 12345 reply of v4, v6 and v7, earlier than their handling)
SET ROLE regress_cv_msa;
SELECT work_order_no, state, deadline, due_on = sv.local_date(now()) AS due_today, deadline_state, deadline_state_zh
FROM sv_work.complaint_queue WHERE id IN (:v1, :v2, :v3, :v4, :v5, :v6, :v7) ORDER BY work_order_no;
SELECT work_order_no, deadline, due_on FROM sv_work.complaint_overdue WHERE id IN (:v1, :v2, :v3, :v4, :v5, :v6, :v7) ORDER BY 1;
SELECT work_order_no, deadline FROM sv_work.complaint_due_soon WHERE id IN (:v1, :v2, :v3, :v4, :v5, :v6, :v7) ORDER BY 1;
RESET ROLE;
-- the statutory deadline when it is due first
UPDATE sv.complaint SET handle_due = '2026-05-26' WHERE id = :v6;
SELECT deadline, due_on FROM sv_work.complaint_queue WHERE id = :v6;
UPDATE sv.complaint SET handle_due = '2099-06-30' WHERE id = :v6;

-- each sv_work view as every role: the caller's department's items (all for auditors and
-- administrators), nothing of another department, denied outside the officials' roles
SELECT r AS role,
       pg_temp.as_role(r, format('SELECT 1 FROM sv_work.complaint_queue WHERE id IN (%s, %s, %s, %s, %s, %s, %s)', :v1, :v2, :v3, :v4, :v5, :v6, :v7)) AS queue,
       pg_temp.as_role(r, format('SELECT 1 FROM sv_work.complaint_overdue WHERE id IN (%s, %s, %s, %s, %s, %s, %s)', :v1, :v2, :v3, :v4, :v5, :v6, :v7)) AS overdue,
       pg_temp.as_role(r, format('SELECT 1 FROM sv_work.complaint_due_soon WHERE id IN (%s, %s, %s, %s, %s, %s, %s)', :v1, :v2, :v3, :v4, :v5, :v6, :v7)) AS due_soon,
       pg_temp.as_role(r, format('SELECT 1 FROM sv_work.complaint WHERE id IN (%s, %s, %s, %s, %s, %s, %s)', :v1, :v2, :v3, :v4, :v5, :v6, :v7)) AS items
FROM unnest('{regress_cv_msa,regress_cv_hurd,regress_cv_nomap,regress_cv_auditor,regress_cv_admin,regress_cv_bi,regress_cv_public,regress_cv_feed}'::text[]) r;

-- the statistics: the statutory rate (closed v1, v2 on time; v5 handled late; v3 open past its
-- acceptance: late; v4, v6, v7 open and not late: not counted), the sign-for rate (v1, v4, v6, v7
-- on time; v2 late, v3 overdue; the letter v5 has no clock) and the 12345 reply rate (v1 on time;
-- v2 late, v6 overdue; v4 and v7 not due yet)
SET ROLE regress_cv_bi;
SELECT kind, kind_zh, received, accepted, refused, acceptance_rate, closed, closed_on_time, late, on_time_rate,
       signed_on_time, sign_late, sign_on_time_rate, hotline_replied_on_time, hotline_reply_late, hotline_reply_on_time_rate
FROM sv_bi.complaint_summary WHERE month = '2026-05-01' AND department_code = '410400-MSA' ORDER BY kind;
RESET ROLE;
-- the Chinese labels of the new columns
SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a
WHERE a.attrelid = 'sv_bi.complaint_summary'::regclass
  AND a.attname IN ('late', 'on_time_rate', 'sign_on_time_rate', 'hotline_reply_on_time_rate') ORDER BY a.attnum;

-- published monthly counts: complaints (7, 3 closed) shown; inquiries (3) shown with their one
-- closed item left empty; the one suggestion not published (no row)
SET ROLE regress_cv_public;
SELECT month, department_code, department_name, kind, kind_zh, received, closed
FROM sv_public.complaint_monthly WHERE month = '2026-05-01' ORDER BY department_code NULLS FIRST, kind;
RESET ROLE;
SELECT count(*) AS suggestion_rows FROM sv_public.complaint_monthly WHERE month = '2026-05-01' AND kind = 'suggestion';
SELECT col_description('sv_public.complaint_monthly'::regclass, 7) AS closed_label;

-- repeat targets: the subject named by v1 and v2; repeat places: the same address written with
-- and without spaces
SET ROLE regress_cv_bi;
SELECT uscc, items, complaints, reports, first_received_on, last_received_on FROM sv_bi.complaint_repeat_target
WHERE uscc = '91410402MA9G5Y2P5A';
SELECT region_code, region_name, place_address, items, complaints, reports, substantiated, subjects, first_received_on, last_received_on
FROM sv_bi.complaint_repeat_place WHERE first_received_on >= '2026-05-01' ORDER BY region_code, place_address;
SELECT region_code, region_name, month, items, complaints, reports FROM sv_bi.complaint_hotspot WHERE month = '2026-05-01';
RESET ROLE;

-- the public and BI views as every role (sv_public: all six; sv_bi: BI, auditors, administrators)
SELECT r AS role,
       pg_temp.as_role(r, 'SELECT 1 FROM sv_public.complaint_monthly WHERE month = ''2026-05-01''') AS monthly,
       pg_temp.as_role(r, 'SELECT 1 FROM sv_bi.complaint_summary WHERE month = ''2026-05-01''') AS summary,
       pg_temp.as_role(r, 'SELECT 1 FROM sv_bi.complaint_repeat_target WHERE uscc = ''91410402MA9G5Y2P5A''') AS repeat_target,
       pg_temp.as_role(r, 'SELECT 1 FROM sv_bi.complaint_repeat_place WHERE first_received_on >= ''2026-05-01''') AS repeat_place,
       pg_temp.as_role(r, 'SELECT 1 FROM sv_bi.complaint_hotspot WHERE month = ''2026-05-01''') AS hotspot
FROM unnest('{regress_cv_msa,regress_cv_nomap,regress_cv_auditor,regress_cv_admin,regress_cv_bi,regress_cv_public,regress_cv_feed}'::text[]) r;
-- the status of a portal item by its tracking code: no column of the person or the text
SELECT proargnames FROM pg_proc WHERE oid = 'sv.complaint_status(text)'::regprocedure;
-- no column of the public and BI complaint views carries the person or the text
SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c
WHERE c.table_schema IN ('sv_public', 'sv_bi') AND c.table_name LIKE 'complaint%'
  AND c.column_name ~ 'person|phone|id_number|text|body|reporter'
ORDER BY 1, 2, 3;

-- clean up what later tests list (the audit chain stays)
SET session_replication_role = replica;
CREATE TEMP TABLE cv_ids AS SELECT unnest(ARRAY[:v1, :v2, :v3, :v4, :v5, :v6, :v7, :i1, :i2, :i3, :s1]::bigint[]) AS id;
DELETE FROM sv.deadline_notice WHERE deadline LIKE 'complaint.%' AND object_id IN (SELECT id::text FROM cv_ids);
DELETE FROM sv.complaint_supervision WHERE complaint_id IN (SELECT id FROM cv_ids);
DELETE FROM sv.complaint_duplicate WHERE complaint_id IN (SELECT id FROM cv_ids) OR candidate_id IN (SELECT id FROM cv_ids);
DELETE FROM sv.complaint_step WHERE complaint_id IN (SELECT id FROM cv_ids);
DELETE FROM sv.complaint_person WHERE complaint_id IN (SELECT id FROM cv_ids);
DELETE FROM sv.complaint_sketch WHERE complaint_id IN (SELECT id FROM cv_ids);
DELETE FROM sv.complaint WHERE id IN (SELECT id FROM cv_ids);
DELETE FROM sv.outbox WHERE endpoint = 'RGV-12345';
DELETE FROM sv.department_endpoint WHERE endpoint = 'RGV-12345';
DELETE FROM sv.endpoint WHERE name = 'RGV-12345';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_cv_%';
SET session_replication_role = DEFAULT;
DROP TABLE cv_ids;
DROP OWNED BY regress_cv_feed, regress_cv_admin, regress_cv_msa, regress_cv_hurd, regress_cv_nomap,
  regress_cv_auditor, regress_cv_bi, regress_cv_public;
DROP ROLE regress_cv_feed, regress_cv_admin, regress_cv_msa, regress_cv_hurd, regress_cv_nomap,
  regress_cv_auditor, regress_cv_bi, regress_cv_public;
