-- The daily risk scan as a job (sv.job_risk_scan, 95_jobs.sql and 66_risk.sql): every rule
-- scanned as of the run's moment over the current and the previous month, batches committed,
-- progress in sv.job_run, a failing batch recorded and the next run continuing after the last
-- committed one with the same moment, a repeated run raising nothing twice; the roles.  The
-- signals are penalties decided today, so that nothing depends on the day the test runs.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET client_min_messages = warning;   -- the progress notices carry run ids and other tests' rules

CREATE ROLE regress_rjb_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_rjb_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_rjb_feed LOGIN IN ROLE sv_integration;
SELECT '91410402MA4RJB001' || sv.uscc_check_character('91410402MA4RJB001') AS s1 \gset
SELECT sv.subject_save(:'s1', '风险任务测试一', '410402', 'RJB', 'RJB-1', 'H62') IS NOT NULL AS saved;
-- four penalties decided today (Beijing time), recorded now
INSERT INTO sv.credit_event (uscc, kind, severity, source, department_id, decided_on, reference, penalty_types,
                             source_system, recorded_by, recorded_at, updated_at)
SELECT :'s1', 'administrative_penalty', 2, 'city', 4, sv.local_date(now()), 'RJB-P' || j, '{warning}', 'RJB', 'fixture',
       now(), now()
FROM generate_series(1, 4) j;

-- three rules, each alarming on the subject's month
SET ROLE regress_rjb_admin;
SELECT sv.risk_rule_save('RJB-' || n, '任务测试规则' || n, 'penalty', 'subject', 'threshold', jsonb_build_object('count', n + 1),
                         'blue', 4, '国发〔2019〕18号') AS version
FROM generate_series(1, 3) n;
RESET ROLE;

-- the job is registered with its daily schedule
SELECT job, cron_name, schedule, command, roles FROM sv._jobs() WHERE job = 'risk_scan';

-- only administrators run it
SET ROLE regress_rjb_auditor;
CALL sv.job_risk_scan();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_rjb_feed;
CALL sv.job_risk_scan();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_rjb_admin;
CALL sv.job_risk_scan(0);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- one rule per batch; the batch of RJB-2 fails (its alert refused)
CREATE FUNCTION pg_temp.refuse_rjb2() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.rule_code = 'RJB-2' THEN
    RAISE EXCEPTION 'regress: alert of % refused', NEW.rule_code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER regress_refuse_rjb2 BEFORE INSERT ON sv.risk_alert FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_rjb2();
SET ROLE regress_rjb_admin;
\set VERBOSITY sqlstate
CALL sv.job_risk_scan(batch_size => 1);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT id AS run1, outcome, error, resume_after, rows_done < rows_total AS partial, params ->> 'months' AS months,
       run_by
FROM sv.job_run WHERE job = 'risk_scan' ORDER BY id DESC LIMIT 1 \gset
\echo :outcome after :resume_after partial :partial months :months by :run_by
\echo :error
-- the batch before the failing one was committed: RJB-1's alert is there
SELECT rule_code, observed, period = date_trunc('month', sv.local_date(now()))::date AS this_month
FROM sv.risk_alert WHERE rule_code LIKE 'RJB-%' ORDER BY rule_code;
DROP TRIGGER regress_refuse_rjb2 ON sv.risk_alert;

-- the next run continues after RJB-1 with the same moment
SET ROLE regress_rjb_admin;
CALL sv.job_risk_scan(batch_size => 2);
RESET ROLE;
SELECT r.outcome, r.resumed_from = :run1 AS continues_run1, r.rows_done = r.rows_total AS complete, r.error,
       r.params ->> 'as_of' = p.params ->> 'as_of' AS same_moment, r.result ->> 'new_alerts' >= '2' AS new_alerts
FROM sv.job_run r, sv.job_run p WHERE p.id = :run1 AND r.id = (SELECT max(id) FROM sv.job_run WHERE job = 'risk_scan');
SELECT rule_code, observed, as_of = (SELECT (params ->> 'as_of')::timestamptz FROM sv.job_run WHERE id = :run1) AS run1_moment
FROM sv.risk_alert WHERE rule_code LIKE 'RJB-%' ORDER BY rule_code;

-- a later run starts afresh (the last one succeeded) and raises nothing twice
SET ROLE regress_rjb_admin;
CALL sv.job_risk_scan();
RESET ROLE;
SELECT r.outcome, r.resumed_from, r.rows_done = r.rows_total AS complete,
       r.params ->> 'as_of' > p.params ->> 'as_of' AS later_moment
FROM sv.job_run r, sv.job_run p WHERE p.id = :run1 AND r.id = (SELECT max(id) FROM sv.job_run WHERE job = 'risk_scan');
SELECT count(*) AS alerts FROM sv.risk_alert WHERE rule_code LIKE 'RJB-%';
-- progress as the officials read it
SELECT job, outcome, percent_done < 100 AS partial, error IS NOT NULL AS has_error, resumed_from IS NOT NULL AS resumed
FROM sv_work.job_run WHERE job = 'risk_scan' AND id >= :run1 ORDER BY id;
-- each scan of the job is audited with the rule
SELECT object_id, count(*) AS scans FROM sv.audit_log
WHERE object_kind = 'risk_rule' AND object_id LIKE 'RJB-%' AND action = 'scan' GROUP BY object_id ORDER BY object_id;


-- incremental: the daily run reads, for each rule, only the series with signals known since the
-- rule's last scan.  A second subject's two penalties, recorded now, make its series the only
-- ones tested (one per rule); RJB-1 (two or more a month) alarms on it
SELECT '91410402MA4RJB002' || sv.uscc_check_character('91410402MA4RJB002') AS s2 \gset
SELECT sv.subject_save(:'s2', '风险任务测试二', '410402', 'RJB', 'RJB-2', 'H62') IS NOT NULL AS saved;
INSERT INTO sv.credit_event (uscc, kind, severity, source, department_id, decided_on, reference, penalty_types,
                             source_system, recorded_by, recorded_at, updated_at)
SELECT :'s2', 'administrative_penalty', 2, 'city', 4, sv.local_date(now()), 'RJB-Q' || j, '{warning}', 'RJB', 'fixture',
       now(), now()
FROM generate_series(1, 2) j;
SET ROLE regress_rjb_admin;
CALL sv.job_risk_scan();
RESET ROLE;
SELECT outcome, (result ->> 'series')::integer AS series, (result ->> 'incremental')::integer AS incremental_rules,
       (result ->> 'new_alerts')::integer AS new_alerts
FROM sv.job_run WHERE id = (SELECT max(id) FROM sv.job_run WHERE job = 'risk_scan');
SELECT s.rule_code, s.since IS NOT NULL AS incremental, s.series, s.new_alerts FROM sv.risk_rule_scan s
WHERE s.rule_code LIKE 'RJB-%' AND s.as_of = (SELECT (params ->> 'as_of')::timestamptz FROM sv.job_run
                                              WHERE id = (SELECT max(id) FROM sv.job_run WHERE job = 'risk_scan'))
ORDER BY s.rule_code;
-- the weekly full scan tests every series (both subjects, every rule) and raises nothing twice
SELECT job, cron_name, schedule, command FROM sv._jobs() WHERE job LIKE 'risk_scan%' ORDER BY job;
SET ROLE regress_rjb_admin;
CALL sv.job_risk_scan_full();
RESET ROLE;
SELECT outcome, rows_total, (result ->> 'series')::integer AS series, (result ->> 'incremental')::integer AS incremental_rules,
       (result ->> 'new_alerts')::integer AS new_alerts
FROM sv.job_run WHERE id = (SELECT max(id) FROM sv.job_run WHERE job = 'risk_scan_full');
-- never the same alert twice for one episode: one alert per rule, series and month
SELECT rule_code, count(*) AS alerts, count(DISTINCT (series, period)) AS episodes FROM sv.risk_alert
WHERE rule_code LIKE 'RJB-%' GROUP BY rule_code ORDER BY rule_code;
-- each alert the jobs raised became a lead of the rule's department, once
SELECT l.department_id, l.assigned_by, l.state, count(*) AS leads, count(DISTINCT l.alert_id) AS alerts
FROM sv.risk_lead l JOIN sv.risk_alert a ON a.id = l.alert_id WHERE a.rule_code LIKE 'RJB-%'
GROUP BY l.department_id, l.assigned_by, l.state;
-- the rules named: only those; a rule that does not exist fails the run (P0002)
SET ROLE regress_rjb_admin;
CALL sv.job_risk_scan_full(rules => '{RJB-2}');
SELECT outcome, rows_total, rows_done, params -> 'rules' AS rules
FROM sv.job_run WHERE id = (SELECT max(id) FROM sv.job_run WHERE job = 'risk_scan_full');
\set VERBOSITY sqlstate
CALL sv.job_risk_scan(rules => '{RJB-2,NOPE}');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT outcome, error FROM sv.job_run WHERE id = (SELECT max(id) FROM sv.job_run WHERE job = 'risk_scan');
-- scans with since after as_of are refused
SELECT * FROM sv.risk_scan('RJB-1', '2026-01-01 00:00+08', 1, '2026-02-01 00:00+08');
RESET ROLE;


-- clean up what other tests would see: the rules and their alerts, the subjects with their events, classes and actions, the job's runs
BEGIN;
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.risk_lead WHERE alert_id IN (SELECT id FROM sv.risk_alert WHERE rule_code LIKE 'RJB%');
DELETE FROM sv.risk_alert WHERE rule_code LIKE 'RJB%';
DELETE FROM sv.risk_rule_scan WHERE rule_code LIKE 'RJB%';
DELETE FROM sv.risk_rule WHERE code LIKE 'RJB%';
DELETE FROM sv.credit_event WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RJB');
DELETE FROM sv.credit_class_history WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RJB');
DELETE FROM sv.credit_class WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RJB');
DELETE FROM sv.action WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RJB');
DELETE FROM sv.subject WHERE source_system = 'RJB';
DELETE FROM sv.job_run WHERE job IN ('risk_scan', 'risk_scan_full');
SELECT setval(pg_get_serial_sequence('sv.job_run', 'id'), coalesce(max(id), 0) + 1, false) > 0 AS job_ids_set_back
FROM sv.job_run;
SET LOCAL session_replication_role = origin;
CALL sv._append_only_enforce();
COMMIT;
DROP ROLE regress_rjb_admin, regress_rjb_auditor, regress_rjb_feed;
