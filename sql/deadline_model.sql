-- The deadline model (67_deadline.sql, docs/deadlines.md): one state function over the registry
-- sv.calendar_deadline, every open obligation of a department across the kinds, statistics per
-- department and kind, reminders and overdue notices sent once each (through the outbox for a
-- department with a system), every one audited; sanction feedback and linkage read their
-- overdue and late flags from it.  Dates are fixed: the due dates are set in March 2026 (always
-- past), the functions take the day as an argument, and counts are differences over this test's
-- own rows, so that neither today's date nor other tests' rows change the output.
-- Everything runs in one transaction that is rolled back (the job's steps too; the sequences,
-- which a rollback does not reset, are set back by hand so that later tests' ids do not move).
\pset null '(null)'
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
SET datestyle = 'ISO, YMD';
-- a statement's error with its dates masked (for the one whose message names today)
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '\d{4}-\d{2}-\d{2}', 'YYYY-MM-DD', 'g');
END
$$;

-- the state, from its arguments: open, due soon (reminder_days working days ahead, 2026-03-10
-- is a Tuesday), overdue, done on time or late (Beijing time), withdrawn, no due date
SELECT sv.calendar_status(2026) AS calendar_2026;
SELECT due, closed, r, day, open, sv._deadline_state(due, closed, r, day, open) AS state
FROM (VALUES ('2026-03-10'::date, NULL::timestamptz, 1, '2026-03-06'::date, NULL::boolean),
             ('2026-03-10', NULL, 1, '2026-03-07', NULL),   -- Saturday: the reminder day (Monday) is passed
             ('2026-03-10', NULL, 1, '2026-03-09', NULL),
             ('2026-03-10', NULL, 1, '2026-03-10', NULL),   -- the due day itself
             ('2026-03-10', NULL, 0, '2026-03-09', NULL),
             ('2026-03-10', NULL, 1, '2026-03-11', NULL),
             ('2026-12-31', NULL, 5, '2026-01-02', NULL),   -- far ahead: no calendar needed
             ('2026-10-09', NULL, 5, '2026-09-30', NULL),   -- 国庆 2026: Oct 1-7 off, 5 working days back is Sep 24
             ('2026-03-10', '2026-03-10 23:59:59+08', 1, '2026-03-20', NULL),
             ('2026-03-10', '2026-03-10 16:00:00+00', 1, '2026-03-20', NULL),   -- 2026-03-11 in Beijing
             ('2026-03-10', NULL, 1, '2026-03-20', false),
             ('2026-03-10', '2026-03-01 09:00+08', 1, '2026-03-20', true),       -- open by its condition
             (NULL, NULL, 1, '2026-03-20', NULL)) v(due, closed, r, day, open);
-- a registered kind: its lead time from the registry
SELECT name, reminder_days, label_zh FROM sv.calendar_deadline ORDER BY name;
SELECT sv.deadline_state('linkage.claim_due', '2026-03-10', NULL, '2026-03-09') AS claim,
       sv.deadline_state('linkage.first_action_due', '2026-03-10', NULL, '2026-03-03') AS first_action,
       sv.deadline_state('sanction_feedback.due_on', '2026-03-10', '2026-03-11 10:00+08') AS feedback;
SELECT sv.deadline_state('complaint.due_on', '2026-03-10', NULL, '2026-03-09');
\echo :LAST_ERROR_SQLSTATE
SELECT sv.deadline_state(NULL, '2026-03-10', NULL, '2026-03-09');
\echo :LAST_ERROR_SQLSTATE

BEGIN;
CREATE TEMP TABLE dl_seq AS
  SELECT format('%I.%I', schemaname, sequencename) AS seq, start_value, last_value FROM pg_sequences
  WHERE schemaname = 'sv';
CREATE ROLE regress_dl_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_dl_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_dl_msa LOGIN IN ROLE sv_officer;      -- market regulation (4)
CREATE ROLE regress_dl_hurd LOGIN IN ROLE sv_officer;     -- housing (5)
CREATE ROLE regress_dl_gsbd LOGIN IN ROLE sv_officer;     -- the administrative approval bureau (1)
CREATE ROLE regress_dl_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_dl_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_dl_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_dl_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_dl_hurd', 5, '410400') > 0 AS mapped,
       sv.staff_add('regress_dl_gsbd', 1, '410400') > 0 AS mapped, sv.staff_add('regress_dl_admin', 4, '410400') > 0 AS mapped;

-- the BI counts before this test's rows (the view is compared with them at the end)
CREATE TEMP TABLE dl_before AS SELECT * FROM sv_bi.deadline_summary;
GRANT SELECT ON dl_before TO regress_dl_bi;

-- two feedback obligations (market regulation, housing) from one credit check
SELECT '91410402MA4RGD001' || sv.uscc_check_character('91410402MA4RGD001') AS s1,
       '91410402MA4RGD002' || sv.uscc_check_character('91410402MA4RGD002') AS l2 \gset
SELECT inserted FROM sv.ingest('RGD-AMR', 'subject', jsonb_build_array(
  jsonb_build_object('source_record_id', 'RGD-1', 'uscc', :'s1', 'name', '期限测试企业', 'region_code', '410402')));
SET ROLE regress_dl_feed;
SELECT inserted FROM sv.ingest('RGD-CREDIT', 'credit_event', jsonb_build_array(
  jsonb_build_object('uscc', :'s1', 'kind', 'serious_dishonesty', 'severity', 5, 'source', 'national',
                     'decided_on', '2026-01-15', 'reference', 'XYZG-2026-RGD1', 'sector', 'food')));
RESET ROLE;
SET ROLE regress_dl_admin;
SELECT sv.sanction_measure_save('RGD-M4', '限制市场准入', 'punishment', 'market_access', '国发〔2016〕33号', 4, '{licensing}',
                                '{serious_dishonesty}') AS m4,
       sv.sanction_measure_save('RGD-M5', '限制资质审批', 'punishment', 'market_access', '国发〔2016〕33号', 5, '{licensing}',
                                '{serious_dishonesty}') AS m5;
RESET ROLE;
SET ROLE regress_dl_msa;
SELECT string_agg(measure, ', ' ORDER BY measure) AS hits FROM sv.credit_check(:'s1', 'licensing', 'RGD-CASE-1') WHERE measure LIKE 'RGD-%';
RESET ROLE;
SELECT id AS f4 FROM sv.sanction_feedback WHERE measure_code = 'RGD-M4' \gset
SELECT id AS f5 FROM sv.sanction_feedback WHERE measure_code = 'RGD-M5' \gset

-- two linkages: a food licence (market regulation supervises, the bureau approved; market
-- regulation has a system), a construction qualification (housing approves and supervises)
SELECT sv.power_item_save('RGD-L-001', '食品经营许可', 'licensing', 4, '[{"law": "食品安全法"}]',
                          approving_department_id => 1, centralised => true) > 0 AS power,
       sv.power_item_save('RGD-L-002', '建筑业企业资质许可', 'licensing', 5, '[{"law": "建筑法"}]',
                          approving_department_id => 5) > 0 AS power;
SET ROLE regress_dl_admin;
SELECT sv.endpoint_save('RGD-MSA', 'http://127.0.0.1:9/accept/msa', department_id => 4) AS endpoint;
SELECT sv.department_endpoint_set(4, 'RGD-MSA');
RESET ROLE;
SET ROLE regress_dl_feed;
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'RGD-001', 'uscc', :'s1', 'subject_name', '期限测试企业',
  'power_code', 'RGD-L-001', 'decision', 'granted', 'licence_no', 'JY-RGD-1', 'decided_on', '2026-03-02',
  'approving_department', '1')) AS k1 \gset
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'RGD-002', 'uscc', :'l2', 'subject_name', '期限测试建筑公司',
  'power_code', 'RGD-L-002', 'decision', 'granted', 'licence_no', 'D-RGD-2', 'decided_on', '2026-03-02',
  'approving_department', 5)) AS k2 \gset
RESET ROLE;

-- the due dates, fixed (the write functions counted them from today)
UPDATE sv.sanction_feedback SET due_on = '2026-03-06', due_provisional = false WHERE id = :f4;
UPDATE sv.sanction_feedback SET due_on = '2026-03-11', due_provisional = false WHERE id = :f5;
UPDATE sv.linkage SET claim_due = '2026-03-10', first_action_due = '2026-04-30', claim_due_provisional = false,
                      first_action_due_provisional = false WHERE id = :k1;
UPDATE sv.linkage SET claim_due = '2026-03-05', first_action_due = '2026-03-20', claim_due_provisional = false,
                      first_action_due_provisional = false WHERE id = :k2;
CREATE TEMP VIEW dl_mine WITH (security_invoker = true) AS
  SELECT * FROM sv._deadline_items('2026-03-09', false) i
  WHERE (i.deadline LIKE 'sanction_feedback.%' AND i.object_id IN (:'f4', :'f5'))
     OR (i.deadline LIKE 'linkage.%' AND i.object_id IN (:'k1', :'k2'));
GRANT SELECT ON dl_mine TO regress_dl_auditor, regress_dl_hurd, regress_dl_gsbd;   -- for the SET ROLE below

-- every deadline of this test on Monday 2026-03-09, as the supervision office sees them
SET ROLE regress_dl_auditor;
SELECT deadline, object_id = :'f4' OR object_id = :'k1' AS first_of_pair, department_id, summary LIKE 'RGD-M_ %'
       OR summary LIKE 'JY-RGD-1 %' OR summary LIKE 'D-RGD-2 %' AS summary_ok, workdays, due_on, due_provisional, closed_at, state
FROM dl_mine ORDER BY deadline, department_id;
-- each officer: only what its department's tables show (row-level security of each table)
SET ROLE regress_dl_hurd;
SELECT deadline, department_id, due_on, state FROM dl_mine ORDER BY deadline, department_id;
SET ROLE regress_dl_gsbd;
SELECT deadline, department_id, due_on, state FROM dl_mine ORDER BY deadline, department_id;
SET ROLE regress_dl_public;
SELECT count(*) FROM sv._deadline_items('2026-03-09', true);
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_dl_msa;
SELECT count(*) FROM sv._deadline_items(NULL, true);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- the sweep: administrators only, on today or an earlier day
SET ROLE regress_dl_msa;
SELECT * FROM sv.deadline_sweep('2026-03-09');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_dl_admin;
SELECT pg_temp.try('SELECT * FROM sv.deadline_sweep(sv.local_date(now()) + 1)') AS tomorrow;
SELECT * FROM sv.deadline_sweep('-infinity');
\echo :LAST_ERROR_SQLSTATE
-- Monday: a reminder for the claim due Tuesday (pushed to market regulation's system), overdue
-- notices for the feedback due last Friday and housing's claim due last Thursday (no system)
CREATE TEMP TABLE dl_sent AS SELECT 'mon' AS day, * FROM sv.deadline_sweep('2026-03-09');
SELECT deadline, object_id = :'f4' OR object_id = :'k1' AS first_of_pair, event, due_on, department_id, pushed
FROM dl_sent WHERE (deadline LIKE 'sanction_feedback.%' AND object_id IN (:'f4', :'f5'))
                OR (deadline LIKE 'linkage.%' AND object_id IN (:'k1', :'k2'))
ORDER BY deadline, department_id;
-- once each: the same day again sends nothing of them
SELECT count(*) AS sent_again FROM sv.deadline_sweep('2026-03-09') s
WHERE (s.deadline LIKE 'sanction_feedback.%' AND s.object_id IN (:'f4', :'f5')) OR (s.deadline LIKE 'linkage.%' AND s.object_id IN (:'k1', :'k2'));
-- Tuesday: housing's feedback is due Wednesday; Wednesday: the claim is overdue
INSERT INTO dl_sent SELECT 'tue', * FROM sv.deadline_sweep('2026-03-10');
INSERT INTO dl_sent SELECT 'wed', * FROM sv.deadline_sweep('2026-03-11');
SELECT day, deadline, event, due_on, department_id, pushed
FROM dl_sent WHERE day <> 'mon' AND ((deadline LIKE 'sanction_feedback.%' AND object_id IN (:'f4', :'f5'))
                                     OR (deadline LIKE 'linkage.%' AND object_id IN (:'k1', :'k2')))
ORDER BY day DESC, deadline;
RESET ROLE;
-- each notice: a row, an audit record on the owner, and for market regulation an outbox message
SELECT n.deadline, n.event, n.on_day, n.message IS NOT NULL AS pushed, n.sent_by, a.object_kind, a.action,
       a.department_id = n.department_id AS audited_on_owner, (a.change::jsonb ->> 'due_on')::date = n.due_on AS audit_due
FROM sv.deadline_notice n JOIN sv.audit_log a ON a.seq = n.audit_seq
WHERE (n.deadline LIKE 'sanction_feedback.%' AND n.object_id IN (:'f4', :'f5')) OR (n.deadline LIKE 'linkage.%' AND n.object_id IN (:'k1', :'k2'))
ORDER BY n.on_day, n.deadline, n.event;
SELECT o.endpoint, o.kind, o.payload ->> 'deadline' AS deadline, o.payload ->> 'deadline_name' AS name,
       o.payload ->> 'due_on' AS due_on, o.payload ->> 'day' AS day, o.payload ->> 'workdays_left' AS workdays_left,
       o.payload ->> 'object_id' IN (:'f4', :'k1') AS ours,
       o.dedup_key = format('deadline-%s-%s-%s-%s', split_part(o.kind, '.', 2), o.payload ->> 'deadline', o.payload ->> 'object_id',
                            o.payload ->> 'due_on') AS dedup
FROM sv.outbox o WHERE o.endpoint = 'RGD-MSA' AND o.kind LIKE 'deadline.%' ORDER BY o.id;
-- officers read their department's notices only
SET ROLE regress_dl_hurd;
SELECT deadline, event, on_day FROM sv.deadline_notice
WHERE (deadline LIKE 'sanction_feedback.%' AND object_id IN (:'f4', :'f5')) OR (deadline LIKE 'linkage.%' AND object_id IN (:'k1', :'k2'))
ORDER BY on_day, deadline;
RESET ROLE;

-- closures: market regulation claims (late: today is after 2026-03-10) and reports its
-- feedback; housing's obligations stay open and overdue
SET ROLE regress_dl_msa;
SELECT sv.linkage_claim(:k1) IS NOT NULL AS claimed;
SELECT sv.sanction_feedback_report(:f4, 'applied');
RESET ROLE;
SELECT a.action, (a.change::jsonb ->> 'late')::boolean AS late FROM sv.audit_log a
WHERE (a.object_kind, a.object_id, a.action) IN (('linkage', :'k1', 'claim'), ('sanction_feedback', :'f4', 'report'))
ORDER BY a.seq;

-- the officers' list today (every due date of this test has passed): their own department's
SET ROLE regress_dl_msa;
SELECT deadline, deadline_name, department_name, due_on, state, workdays_left < 0 AS past_due, reminded_at IS NOT NULL AS reminded,
       overdue_notice_at IS NOT NULL AS announced
FROM sv_work.deadline_open
WHERE (deadline LIKE 'sanction_feedback.%' AND object_id IN (:'f4', :'f5')) OR (deadline LIKE 'linkage.%' AND object_id IN (:'k1', :'k2'))
ORDER BY deadline;
SET ROLE regress_dl_hurd;
SELECT deadline, deadline_name, department_name, due_on, state, workdays_left < 0 AS past_due, reminded_at IS NOT NULL AS reminded,
       overdue_notice_at IS NOT NULL AS announced
FROM sv_work.deadline_open
WHERE (deadline LIKE 'sanction_feedback.%' AND object_id IN (:'f4', :'f5')) OR (deadline LIKE 'linkage.%' AND object_id IN (:'k1', :'k2'))
ORDER BY deadline;
-- the bureau approved the food licence but owes none of its steps
SET ROLE regress_dl_gsbd;
SELECT count(*) AS bureau_owes FROM sv_work.deadline_open
WHERE (deadline LIKE 'sanction_feedback.%' AND object_id IN (:'f4', :'f5')) OR (deadline LIKE 'linkage.%' AND object_id IN (:'k1', :'k2'));
SET ROLE regress_dl_auditor;
SELECT deadline, department_id, state FROM sv_work.deadline_open
WHERE (deadline LIKE 'sanction_feedback.%' AND object_id IN (:'f4', :'f5')) OR (deadline LIKE 'linkage.%' AND object_id IN (:'k1', :'k2'))
ORDER BY deadline, department_id;
SET ROLE regress_dl_public;
SELECT count(*) FROM sv_work.deadline_open;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- the capabilities' own views read the same states
SET ROLE regress_dl_msa;
SELECT measure_code, overdue, reported_late FROM sv_work.sanction_feedback WHERE id = :f4;
SELECT step, overdue, done_late FROM sv_work.linkage_loop WHERE linkage_id = :k1 ORDER BY step;
RESET ROLE;
SELECT f.measure_code, v.overdue, v.reported_late,
       sv.deadline_state('sanction_feedback.due_on', f.due_on, f.reported_at) AS state
FROM sv.sanction_feedback f JOIN sv_work.sanction_feedback v ON v.id = f.id WHERE f.id IN (:f4, :f5) ORDER BY f.id;

-- statistics per department and kind: this test's rows (the difference with the start)
SET ROLE regress_dl_bi;
SELECT s.department_code, s.deadline, s.deadline_name,
       s.open - coalesce(b.open, 0) AS open, s.due_soon - coalesce(b.due_soon, 0) AS due_soon,
       s.overdue - coalesce(b.overdue, 0) AS overdue, s.done_on_time - coalesce(b.done_on_time, 0) AS done_on_time,
       s.done_late - coalesce(b.done_late, 0) AS done_late, s.withdrawn - coalesce(b.withdrawn, 0) AS withdrawn
FROM sv_bi.deadline_summary s
LEFT JOIN dl_before b ON b.department_code = s.department_code AND b.deadline = s.deadline
WHERE (s.deadline LIKE 'sanction_feedback.%' OR s.deadline LIKE 'linkage.%')
  AND (s.open, s.due_soon, s.overdue, s.done_on_time, s.done_late, s.withdrawn)
      IS DISTINCT FROM (b.open, b.due_soon, b.overdue, b.done_on_time, b.done_late, b.withdrawn)
ORDER BY s.department_code, s.deadline;
SET ROLE regress_dl_msa;
SELECT count(*) FROM sv._deadline_counts('2026-03-09');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM sv_bi.deadline_summary;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- the job: a daily run (07:30 Beijing time) of the same sweep, on today, in committed batches
-- (sv._job_drive, tested with the other jobs in sql/jobs.sql); here its steps, in this
-- transaction: today every open deadline of this test is overdue, and those not announced yet
-- are (the two first actions, housing's feedback)
SELECT job, cron_name, schedule, command, roles FROM sv._jobs() WHERE job = 'deadline_sweep';
SET ROLE regress_dl_msa;
CALL sv.job_deadline_sweep();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_dl_admin;
CALL sv.job_deadline_sweep(0);
\echo :LAST_ERROR_SQLSTATE
CALL sv.job_deadline_sweep();   -- it commits its batches: not inside a transaction block
\echo :LAST_ERROR_SQLSTATE
SET client_min_messages = warning;   -- the progress notices count other tests' deadlines too
SELECT sv._job_start('deadline_sweep', 2) AS run \gset
SELECT sv._job_step(:run, 2) AS prepared;
SELECT count(*) >= 2 AS batches_of_2 FROM generate_series(1, 1000) g WHERE sv._job_step(:run, 2) IS NOT NULL;
SELECT final_outcome FROM sv._job_finish(:run, NULL, NULL, NULL);
RESET client_min_messages;
SELECT job, outcome, error, (params ->> 'day')::date = sv.local_date(started_at) AS day_of_start,
       rows_done = rows_total AS all_sent, result ?& ARRAY['reminders', 'overdue'] AS counted
FROM sv.job_run WHERE id = :run;
SELECT n.deadline, n.object_id IN (:'f4', :'k1') AS first_of_pair, n.event, n.due_on, n.department_id, n.message IS NOT NULL AS pushed,
       n.on_day = sv.local_date(now()) AS today
FROM sv.deadline_notice n
WHERE n.job_run = :run AND ((n.deadline LIKE 'sanction_feedback.%' AND n.object_id IN (:'f4', :'f5'))
                            OR (n.deadline LIKE 'linkage.%' AND n.object_id IN (:'k1', :'k2')))
ORDER BY n.deadline, n.department_id;
RESET ROLE;

SELECT bool_and(v IS NOT NULL) AS sequences_restored
FROM (SELECT CASE WHEN d.last_value IS NULL THEN setval(d.seq, d.start_value, false)
                  ELSE setval(d.seq, d.last_value) END AS v
      FROM dl_seq d) s;
ROLLBACK;
