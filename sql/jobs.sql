-- Scheduled jobs run directly (pg_cron itself: t/006_jobs_cron.pl): progress in sv.job_run,
-- batches committed, a failing batch recorded with its error and the next run continuing
-- after the last committed batch, a run left behind marked interrupted, a cancel recorded as
-- interrupted, the security check failing on a high finding, schedule_jobs without pg_cron
-- answering with the statements to run, every error and every role.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
-- the audit records of this file's runs are those after this (other files run jobs too)
SELECT coalesce(max(seq), 0) AS job_audit_base FROM sv.audit_log \gset

CREATE ROLE regress_job_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_job_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_job_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_job_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_job_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_job_nologin IN ROLE sv_admin;

-- three subjects with credit events and a current model (other tests' subjects may be there
-- too); classes that do not depend on the day the test runs: A, A and D (a hard rule)
SELECT inserted FROM sv.ingest('RGJ-AMR', 'subject', jsonb_build_array(
  jsonb_build_object('source_record_id', 'RGJ-1', 'uscc', '91410402MA4RGJ001' || sv.uscc_check_character('91410402MA4RGJ001'),
                     'name', '任务测试企业一', 'region_code', '410402'),
  jsonb_build_object('source_record_id', 'RGJ-2', 'uscc', '91410402MA4RGJ002' || sv.uscc_check_character('91410402MA4RGJ002'),
                     'name', '任务测试企业二', 'region_code', '410402'),
  jsonb_build_object('source_record_id', 'RGJ-3', 'uscc', '91410402MA4RGJ003' || sv.uscc_check_character('91410402MA4RGJ003'),
                     'name', '任务测试企业三', 'region_code', '410402')));
SELECT uscc::text AS c1 FROM sv.subject WHERE source_record_id = 'RGJ-1' \gset
SELECT uscc::text AS c2 FROM sv.subject WHERE source_record_id = 'RGJ-2' \gset
SELECT uscc::text AS c3 FROM sv.subject WHERE source_record_id = 'RGJ-3' \gset
SET ROLE regress_job_admin;
SELECT sv.credit_model_save('RGJ-V1', '{"failed_inspection": 4, "serious_dishonesty": 10}', 365,
  '{"A": 95, "B": 85, "C": 70}', '{"serious_dishonesty": "D"}', make_current => true) AS saved;
SET ROLE regress_job_feed;
SELECT sv.credit_event_record(:'c1', 'failed_inspection', 1, 'city', '2026-05-27', 'RGJ-R1', department_id => 4) > 0 AS recorded,
       sv.credit_event_record(:'c2', 'failed_inspection', 1, 'city', '2026-05-27', 'RGJ-R2', department_id => 4) > 0 AS recorded,
       sv.credit_event_record(:'c3', 'serious_dishonesty', 1, 'city', '2026-05-27', 'RGJ-R3') > 0 AS recorded;
RESET ROLE;

-- errors first: arguments, then roles (nothing is recorded)
SET ROLE regress_job_admin;
CALL sv.job_credit_rescore(NULL);
\echo :LAST_ERROR_SQLSTATE
CALL sv.job_credit_rescore(0);
\echo :LAST_ERROR_SQLSTATE
CALL sv.job_outbox_cleanup(1000001);
\echo :LAST_ERROR_SQLSTATE
CALL sv._job_drive('nightly', 1);
\echo :LAST_ERROR_SQLSTATE
-- a job commits: not inside a transaction block
BEGIN;
CALL sv.job_security_check();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SET ROLE regress_job_feed;
CALL sv.job_security_check();
\echo :LAST_ERROR_SQLSTATE
CALL sv._job_drive('security_check', 1);
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_auditor;
CALL sv.job_credit_rescore();
\echo :LAST_ERROR_SQLSTATE
CALL sv.job_security_check();
\echo :LAST_ERROR_SQLSTATE
SELECT sv._job_start('security_check', 1);
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_officer;
CALL sv.job_outbox_cleanup();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_public;
CALL sv.job_credit_rescore();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS runs_recorded FROM sv.job_run;

-- credit rescoring one subject per batch; the batch of the second subject fails
CREATE FUNCTION pg_temp.refuse_c2() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.uscc::text = '91410402MA4RGJ002' || sv.uscc_check_character('91410402MA4RGJ002') THEN
    RAISE EXCEPTION 'regress: class history of % refused', NEW.uscc USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER regress_refuse_c2 BEFORE INSERT ON sv.credit_class_history FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_c2();
SET client_min_messages = warning;   -- the progress notices count other tests' subjects too
SET ROLE regress_job_feed;
CALL sv.job_credit_rescore(batch_size => 1);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT id AS run1, job, outcome, finished_at IS NOT NULL AS finished, error, run_by,
       resume_after = :'c1' AS stopped_after_c1, rows_done < rows_total AS partial, params ->> 'model' AS model
FROM sv.job_run WHERE job = 'credit_rescore' ORDER BY id DESC LIMIT 1 \gset
\echo run :run1 :job :outcome finished :finished, :run_by, stopped after c1 :stopped_after_c1, partial :partial, :model
\echo :error
-- the batches before the failing one were committed: c1 is classified, c2 and c3 not yet
SELECT k.uscc::text = :'c1' AS is_c1, k.class, k.source FROM sv.credit_class k WHERE k.uscc::text IN (:'c1', :'c2', :'c3');
DROP TRIGGER regress_refuse_c2 ON sv.credit_class_history;

-- the next run continues after the last committed batch, with the same model and moment
SET ROLE regress_job_feed;
CALL sv.job_credit_rescore(batch_size => 2);
RESET ROLE;
SELECT r.outcome, r.resumed_from = :run1 AS continues_run1, r.rows_done = r.rows_total AS complete, r.error,
       r.params ->> 'as_of' = p.params ->> 'as_of' AS same_moment, r.resume_after >= :'c3' AS past_c3
FROM sv.job_run r, sv.job_run p WHERE p.id = :run1 AND r.id = (SELECT max(id) FROM sv.job_run);
SELECT k.uscc::text = :'c1' AS c1, k.uscc::text = :'c2' AS c2, k.class FROM sv.credit_class k
WHERE k.uscc::text IN (:'c1', :'c2', :'c3') ORDER BY k.uscc;
-- each committed batch is in the audit chain with its run
SELECT count(*) > 0 AS batches_audited, bool_and(l.change ->> 'model' = 'RGJ-V1') AS with_the_model
FROM sv.audit_log l WHERE l.object_kind = 'credit_class' AND l.action = 'rescore' AND (l.change ->> 'job_run')::bigint > :run1;
SELECT l.object_id::bigint = :run1 AS run1, l.action, l.change ->> 'error' AS error
FROM sv.audit_log l WHERE l.object_kind = 'job_run' AND l.seq > :job_audit_base ORDER BY l.seq;

-- a run left 'running' by a server that stopped (its backend is gone) is interrupted at the
-- next start, and that run continues after its last committed batch
INSERT INTO sv.job_run (job, started_at, updated_at, rows_done, rows_total, run_by, pid, params, resume_after)
SELECT 'credit_rescore', now(), now(), 2, 3, 'regress_job_admin', 0,
       jsonb_build_object('batch_size', 1, 'model', 'RGJ-V1', 'as_of', now()), :'c2'
RETURNING id AS left_behind \gset
SET ROLE regress_job_admin;
CALL sv.job_credit_rescore();
RESET ROLE;
SELECT outcome, error FROM sv.job_run WHERE id = :left_behind;
SELECT r.outcome, r.resumed_from = :left_behind AS continues_it, r.rows_done > 2 AS counts_on,
       (SELECT bool_and(l.change ->> 'first' > :'c2') FROM sv.audit_log l
        WHERE l.object_kind = 'credit_class' AND (l.change ->> 'job_run')::bigint = r.id) AS only_after_c2
FROM sv.job_run r WHERE r.id = (SELECT max(id) FROM sv.job_run);

-- a cancel inside a batch (the batch of c2 cancels its own statement, as pg_cancel_backend from
-- another session would): the run is recorded as interrupted, the earlier batches stay
CREATE FUNCTION pg_temp.cancel_at_c2() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.uscc::text = '91410402MA4RGJ002' || sv.uscc_check_character('91410402MA4RGJ002') THEN
    PERFORM pg_cancel_backend(pg_backend_pid());
    PERFORM pg_sleep(1);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER regress_cancel_at_c2 BEFORE INSERT OR UPDATE ON sv.credit_class_history FOR EACH ROW EXECUTE FUNCTION pg_temp.cancel_at_c2();
SET ROLE regress_job_admin;
CALL sv.job_credit_rescore(batch_size => 1);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP TRIGGER regress_cancel_at_c2 ON sv.credit_class_history;
SELECT outcome, error, resume_after < :'c2' AS stopped_before_c2 FROM sv.job_run WHERE id = (SELECT max(id) FROM sv.job_run);
RESET client_min_messages;

-- outbox retention in batches: one old delivered message with two attempts
SET ROLE regress_job_admin;
SELECT sv.endpoint_save('RGJ-EP', 'http://127.0.0.1:9/accept') AS endpoint;
RESET ROLE;
INSERT INTO sv.outbox (endpoint, kind, payload, status, attempts, next_attempt_at, created_by, created_at, delivered_at, updated_at)
VALUES ('RGJ-EP', 'regress.old', '{}', 'delivered', 2, now() - interval '40 days', 'regress', now() - interval '40 days',
        now() - interval '40 days', now() - interval '40 days')
RETURNING id AS old_message \gset
INSERT INTO sv.outbox_attempt (outbox_id, attempt, started_at, duration_ms, http_status, outcome)
VALUES (:old_message, 1, now() - interval '40 days', 10, 503, 'retry'), (:old_message, 2, now() - interval '40 days', 10, 200, 'delivered');
SET ROLE regress_job_feed;
CALL sv.job_outbox_cleanup(batch_size => 1);
RESET ROLE;
SELECT job, outcome, rows_done, rows_total, result - 'retention' AS result, error FROM sv.job_run WHERE id = (SELECT max(id) FROM sv.job_run);
SELECT count(*) AS old_message_left FROM sv.outbox WHERE id = :old_message;

-- the security check: a table without row-level security is a high finding, so the job fails
-- (and says so to its caller, e.g. pg_cron) with the findings in the run
-- (the NOTICEs count every finding, and from 1 November calendar_next_year_missing is one while
-- next year's notice is not loaded: the counts below leave that date-dependent finding out)
CREATE TABLE sv.regress_job_open (x int);
SET client_min_messages = warning;
SET ROLE regress_job_admin;
CALL sv.job_security_check();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT outcome, error, result ->> 'high_or_critical' AS high_or_critical,
       (SELECT f ->> 'object' FROM jsonb_array_elements(result -> 'items') f WHERE f ->> 'finding' = 'rls_not_forced') AS object
FROM sv.job_run WHERE id = (SELECT max(id) FROM sv.job_run);
DROP TABLE sv.regress_job_open;
SET ROLE regress_job_admin;
CALL sv.job_security_check();
RESET ROLE;
RESET client_min_messages;
SELECT outcome, error,
       (SELECT count(*) FROM jsonb_array_elements(result -> 'items') f
        WHERE f ->> 'finding' <> 'calendar_next_year_missing') AS findings
FROM sv.job_run WHERE id = (SELECT max(id) FROM sv.job_run);

-- a step or the end of a run that is not the caller's own, running in this session
SET ROLE regress_job_admin;
SELECT sv._job_step(:run1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sv._job_finish(:left_behind, NULL, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
-- a run of one's own cannot be declared succeeded before its work is done
SELECT sv._job_start('security_check', 1) AS own_run \gset
SELECT * FROM sv._job_finish(:own_run, NULL, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sv._job_finish(:own_run, 'succeeded', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sv._job_finish(:own_run, 'failed', 'P0001', 'given up by hand');
RESET ROLE;
SELECT outcome, error, result FROM sv.job_run WHERE id = :own_run;

-- the runs as administrators and auditors read them; nobody writes the table directly
SET ROLE regress_job_admin;
SELECT job, outcome, count(*) FROM sv_work.job_run GROUP BY job, outcome ORDER BY job, outcome;
UPDATE sv.job_run SET outcome = 'succeeded';
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_auditor;
SELECT count(*) > 0 AS auditor_reads, count(*) FILTER (WHERE percent_done IS NOT NULL) > 0 AS with_progress FROM sv_work.job_run;
DELETE FROM sv.job_run;
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_officer;
SELECT count(*) FROM sv_work.job_run;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT a.attname AS column_name, col_description(a.attrelid, a.attnum) AS 说明
FROM pg_attribute a WHERE a.attrelid = 'sv_work.job_run'::regclass AND a.attnum > 0 ORDER BY a.attnum;

-- scheduling without pg_cron in this database: the statements to run elsewhere, nothing else
SET ROLE regress_job_admin;
SELECT job, schedule, command FROM sv.schedule_jobs();
SELECT * FROM sv.unschedule_jobs();
SELECT * FROM sv.schedule_jobs(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sv.schedule_jobs('regress_job_nobody');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sv.schedule_jobs('regress_job_nologin');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sv.schedule_jobs('regress_job_feed');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM sv.schedule_jobs();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_feed;
SELECT * FROM sv.schedule_jobs();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_auditor;
SELECT * FROM sv.unschedule_jobs();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- the daily sweeps of joint supervision and complaints through the runner: a complaint of
-- department 4 whose handling was due on 25 January 2024 and is still open is supervised (督办)
-- once; the copy-notice sweep runs (what it copies depends on the week's findings); officers
-- may not run either
INSERT INTO sv.complaint (work_order_no, kind, channel, body, anonymous, received_at, department_id, state, recorded_by,
                          recorded_at, accept_due, decided_at, accept_workdays, handle_start, handle_workdays, handle_due)
VALUES ('RGJ-WO-1', 'complaint', 'hotline', '任务测试投诉', true, '2024-01-02 09:00+08', 4, 'accepted', 'regress',
        '2024-01-02 09:00+08', '2024-01-11', '2024-01-05 10:00+08', 7, '2024-01-05', 14, '2024-01-25')
RETURNING id AS rgj_complaint \gset
SET ROLE regress_job_officer;
CALL sv.job_complaint_supervise();
\echo :LAST_ERROR_SQLSTATE
CALL sv.job_joint_notice_sweep();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_admin;
SET client_min_messages = warning;   -- the progress notices count other tests' findings and complaints too
CALL sv.job_joint_notice_sweep();
CALL sv.job_complaint_supervise();
SELECT job, job_zh, outcome, rows_done, rows_total, result ? 'notices' OR result ? 'supervised' AS counted, result ? 'pushed' AS pushed
FROM sv_work.job_run WHERE job IN ('joint_notice_sweep', 'complaint_supervise') ORDER BY id;
SELECT deadline, due_on, on_day = sv.local_date(now()) AS today FROM sv.complaint_supervision WHERE complaint_id = :rgj_complaint;
-- again the same day: supervised once per due date
CALL sv.job_complaint_supervise();
RESET client_min_messages;
SELECT count(*) AS supervisions FROM sv.complaint_supervision WHERE complaint_id = :rgj_complaint;
SELECT job, outcome, (result ->> 'supervised')::int >= 0 AS counted FROM sv.job_run WHERE job = 'complaint_supervise' ORDER BY id DESC LIMIT 1;
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.complaint_supervision WHERE complaint_id = :rgj_complaint;
DELETE FROM sv.complaint WHERE id = :rgj_complaint;
SET session_replication_role = DEFAULT;

-- the duplicate proposals' sweep (74_complaint_duplicate.sql), every minute: with the policy in
-- sweep mode two items received are queued; a run sweeps them in committed batches of
-- batch_size (each batch audited with the run); with nothing queued a call leaves no run;
-- officers may not run it
SET ROLE regress_job_admin;
SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '任务测试:定时批量比对', proposal_mode => 'sweep');
SET ROLE regress_job_feed;
SELECT sv.complaint_receive('{"work_order_no": "RGJ-DSW-1", "kind": "report", "received_at": "2023-06-01T09:00:00+08:00",
  "text": "任务测试超市出售过期酸奶,要求处理。", "anonymous": true}') AS rgj_d1 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGJ-DSW-2", "kind": "report", "received_at": "2023-06-02T09:00:00+08:00",
  "text": "任务测试超市出售过期酸奶,请处理。", "anonymous": true}') AS rgj_d2 \gset
RESET ROLE;
SELECT count(*) AS queued FROM sv.complaint_duplicate_pending;
SELECT coalesce(max(id), 0) AS run0 FROM sv.job_run \gset
SET ROLE regress_job_officer;
CALL sv.job_complaint_duplicate_sweep();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_job_admin;
CALL sv.job_complaint_duplicate_sweep(0);
\echo :LAST_ERROR_SQLSTATE
SET client_min_messages = warning;
CALL sv.job_complaint_duplicate_sweep(1);
CALL sv.job_complaint_duplicate_sweep();
RESET client_min_messages;
SELECT job, job_zh, outcome, rows_done, rows_total, result FROM sv_work.job_run WHERE id > :run0 ORDER BY id;
RESET ROLE;
SELECT (SELECT count(*) FROM sv.complaint_duplicate_pending) AS queued,
       (SELECT count(*) FROM sv.complaint_sketch WHERE complaint_id IN (:rgj_d1, :rgj_d2)) AS sketches,
       (SELECT count(*) FROM sv.complaint_duplicate WHERE complaint_id = :rgj_d2 AND candidate_id = :rgj_d1) AS proposals;
SELECT action, (change ->> 'swept')::int AS swept, (change ->> 'job_run')::bigint > :run0 AS with_run FROM sv.audit_log
WHERE object_kind = 'complaint_duplicate_pending' ORDER BY seq DESC LIMIT 2;
SET session_replication_role = replica;
DELETE FROM sv.complaint_duplicate WHERE complaint_id IN (:rgj_d1, :rgj_d2);
DELETE FROM sv.complaint_sketch WHERE complaint_id IN (:rgj_d1, :rgj_d2);
DELETE FROM sv.complaint_step WHERE complaint_id IN (:rgj_d1, :rgj_d2);
DELETE FROM sv.complaint WHERE id IN (:rgj_d1, :rgj_d2);
DELETE FROM sv.complaint_duplicate_policy WHERE NOT builtin;
SET session_replication_role = DEFAULT;

-- clean up what later tests list (the model too: its guard set back to ALWAYS)
ALTER TABLE sv.credit_model DISABLE TRIGGER credit_model_immutable;
DELETE FROM sv.credit_model WHERE label = 'RGJ-V1';
ALTER TABLE sv.credit_model ENABLE ALWAYS TRIGGER credit_model_immutable;
SET session_replication_role = replica;
DELETE FROM sv.credit_event WHERE uscc::text IN (:'c1', :'c2', :'c3');
DELETE FROM sv.credit_class_history WHERE uscc::text IN (:'c1', :'c2', :'c3');
DELETE FROM sv.credit_class WHERE uscc::text IN (:'c1', :'c2', :'c3');
DELETE FROM sv.subject WHERE source_system = 'RGJ-AMR';
DELETE FROM sv.ingest_batch WHERE source = 'RGJ-AMR';
DELETE FROM sv.outbox WHERE endpoint = 'RGJ-EP';
DELETE FROM sv.endpoint WHERE name = 'RGJ-EP';
DELETE FROM sv.job_run;
SET session_replication_role = DEFAULT;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN ('regress_job_admin', 'regress_job_feed', 'regress_job_auditor', 'regress_job_officer', 'regress_job_public', 'regress_job_nologin');
SET session_replication_role = DEFAULT;
DROP ROLE regress_job_admin, regress_job_feed, regress_job_auditor, regress_job_officer, regress_job_public, regress_job_nologin;
