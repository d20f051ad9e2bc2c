-- ---------------------------------------------------------------------------------------------
-- 95_jobs: scheduled jobs (定时任务): the platform's long or periodic work as procedures that
-- commit in batches, report their progress in sv.job_run and leave their error there when they
-- fail; pg_cron (or any other scheduler) runs them.
--
-- Tables:     sv.job_run (one row per run: progress, outcome, error; written only by the jobs)
-- Procedures: sv.job_credit_rescore(batch_size), sv.job_outbox_cleanup(batch_size),
--             sv.job_security_check(), sv.job_deadline_sweep(batch_size),
--             sv.job_risk_scan(batch_size) (66_risk.sql), sv.job_complaint_duplicate_sweep(batch_size)
--             (74_complaint_duplicate.sql: every minute); CALL them outside a
--             transaction block
-- Functions:  sv.schedule_jobs(run_as), sv.unschedule_jobs() (pg_cron, administrators)
--             sv._jobs() (the list of jobs with their schedules: add later jobs there)
--             sv._job_start, sv._job_step, sv._job_finish (one run's three steps)
-- Views:      sv_work.job_run
-- A job procedure is SECURITY INVOKER without SET clauses (PostgreSQL allows COMMIT only
-- there); everything it changes goes through the SECURITY DEFINER steps, which check the
-- caller's right and that the run is the caller's own, in this session.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.job_run (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job          text NOT NULL CHECK (job ~ '^[a-z][a-z0-9_]{1,63}$'),
  started_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,            -- the last committed batch
  finished_at  timestamptz,
  rows_done    bigint NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
  rows_total   bigint CHECK (rows_total >= 0),  -- NULL until the job has counted its work
  outcome      text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'succeeded', 'failed', 'interrupted')),
  error        text,                            -- 'SQLSTATE: message' of a failed or interrupted run
  run_by       text NOT NULL,
  pid          integer NOT NULL,                -- the backend that runs it
  params       jsonb NOT NULL DEFAULT '{}',     -- batch size; the rescoring's model and moment
  resume_after text,                            -- the last key of the last committed batch
  resumed_from bigint,                          -- the run this one continues (no foreign key: pg_dump)
  result       jsonb,                           -- what the job found or did (counts, findings)
  CHECK ((outcome = 'running') = (finished_at IS NULL)),
  CHECK (outcome IN ('running', 'succeeded') OR error IS NOT NULL)
);
CREATE INDEX job_run_job_idx ON sv.job_run (job, id);
CREATE INDEX job_run_running_idx ON sv.job_run (job) WHERE outcome = 'running';
COMMENT ON TABLE sv.job_run IS 'Runs of the scheduled jobs: progress, outcome and error (written by the job procedures only)';
ALTER TABLE sv.job_run ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.job_run FORCE ROW LEVEL SECURITY;
CREATE POLICY job_run_read ON sv.job_run FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.job_run TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.job_run', '');
SELECT pg_catalog.pg_extension_config_dump('sv.job_run_id_seq', '');

-- Every job: its name in sv.job_run, its pg_cron job name and schedule (GMT before pg_cron
-- 1.5, see docs/install.md), the statement that runs it and the roles that may.  A later job
-- (the risk scans, the calendar warning) adds its row here, a step function in sv._job_step
-- and its procedure; sv.schedule_jobs then installs it.
CREATE OR REPLACE FUNCTION sv._jobs()
RETURNS TABLE (job text, cron_name text, schedule text, command text, roles text[], description text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  VALUES
    -- monthly, 02:00 Beijing time on the 2nd (18:00 GMT on the 1st): the month's classes
    ('credit_rescore', 'sv-credit-rescore', '0 18 1 * *', 'CALL sv.job_credit_rescore()',
     ARRAY['sv_admin', 'sv_integration'], 'rescore every subject with credit events with the current model'),
    -- daily, 03:15 Beijing time
    ('outbox_cleanup', 'sv-outbox-cleanup', '15 19 * * *', 'CALL sv.job_outbox_cleanup()',
     ARRAY['sv_admin', 'sv_integration'], 'remove delivery attempts and delivered messages past sv.push_attempt_retention'),
    -- daily, 06:00 Beijing time, before office hours
    ('security_check', 'sv-security-check', '0 22 * * *', 'CALL sv.job_security_check()',
     ARRAY['sv_admin'], 'the security self-check; fails on a finding of severity high or critical'),
    -- daily, 07:30 Beijing time, before office hours: today's reminders and overdue notices
    ('deadline_sweep', 'sv-deadline-sweep', '30 23 * * *', 'CALL sv.job_deadline_sweep()',
     ARRAY['sv_admin'], 'remind the departments of deadlines due soon and announce overdue ones (67_deadline.sql)'),
    -- daily, 02:30 Beijing time: the alerts are there when the offices open
    ('risk_scan', 'sv-risk-scan', '30 18 * * *', 'CALL sv.job_risk_scan()',
     ARRAY['sv_admin'], 'scan every risk rule over the current and the previous month, each only in the series with signals known since its last scan (66_risk.sql)'),
    -- weekly, Sunday 01:30 Beijing time (17:30 GMT on Saturday): every series of every rule
    ('risk_scan_full', 'sv-risk-scan-full', '30 17 * * 6', 'CALL sv.job_risk_scan_full()',
     ARRAY['sv_admin'], 'scan every risk rule over the current and the previous month in every series (66_risk.sql)'),
    -- daily, 01:00 Beijing time: the KPI aggregates of the last 31 days (late facts land there)
    ('kpi_refresh', 'sv-kpi-refresh', '0 17 * * *', 'CALL sv.job_kpi_refresh()',
     ARRAY['sv_admin'], 'recompute the stored daily KPI aggregates of the last 31 days up to yesterday (80_evaluation.sql)'),
    -- Mondays, 08:00 Beijing time (00:00 GMT): the weekly check of the week before
    ('bulletin_weekly', 'sv-bulletin-weekly', '0 0 * * 1', 'CALL sv.job_bulletin_weekly()',
     ARRAY['sv_admin'], 'generate the weekly check (周检查) of the previous ISO week (81_bulletin.sql)'),
    -- the 2nd of the month, 08:00 Beijing time: the monthly bulletin of the month before
    ('bulletin_monthly', 'sv-bulletin-monthly', '0 0 2 * *', 'CALL sv.job_bulletin_monthly()',
     ARRAY['sv_admin'], 'generate the monthly bulletin (月通报) of the previous month (81_bulletin.sql)'),
    -- daily, 07:00 Beijing time, before the deadline sweep: copy the last seven days' findings
    -- to the departments they concern (抄告抄送), so that their notices are there when the offices open
    ('joint_notice_sweep', 'sv-joint-notice-sweep', '0 23 * * *', 'CALL sv.job_joint_notice_sweep()',
     ARRAY['sv_admin'], 'copy the findings of the last seven days to the departments the joint list and rules name (72_joint_notice.sql)'),
    -- daily, 07:45 Beijing time, after the deadline sweep (催办): supervise (督办) the complaints
    -- still overdue after their policy's period
    ('complaint_supervise', 'sv-complaint-supervise', '45 23 * * *', 'CALL sv.job_complaint_supervise()',
     ARRAY['sv_admin'], 'supervise (督办) the complaint deadlines still overdue after their policy''s period (69_complaint_flow.sql)'),
    -- every minute: the duplicate proposals of the complaints queued in sweep mode (a run only
    -- when items are queued)
    ('complaint_duplicate_sweep', 'sv-complaint-duplicate-sweep', '* * * * *', 'CALL sv.job_complaint_duplicate_sweep()',
     ARRAY['sv_admin'], 'make the duplicate proposals of the complaints queued in sweep mode (74_complaint_duplicate.sql)')
$fn$;

-- The advisory lock a run holds for its session: one run of a job at a time.
CREATE OR REPLACE FUNCTION sv._job_lock_key(job text, OUT k1 integer, OUT k2 integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  -- the full risk scan and the daily one never run at once (both scan the same rules)
  SELECT pg_catalog.hashtext('sv.job_run'), pg_catalog.hashtext(CASE job WHEN 'risk_scan_full' THEN 'risk_scan' ELSE job END)
$fn$;

-- Whether the caller may run the job with this batch size: 22004, 22023, 42501.
CREATE OR REPLACE FUNCTION sv._job_check(job text, batch_size integer) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  j record;
BEGIN
  PERFORM sv._require_given(ARRAY['job', 'batch_size'], ARRAY[job IS NULL, batch_size IS NULL]);
  SELECT * INTO j FROM sv._jobs() x WHERE x.job = _job_check.job;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job: % is not a job of the platform', quote_literal(job) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_role(format('run the job %s', job), ARRAY['sv_admin'] || j.roles,
                           format('The job runs as a member of %s.', array_to_string(j.roles, ' or ')));
  IF batch_size < 1 OR batch_size > 1000000 THEN
    RAISE EXCEPTION 'batch_size must be between 1 and 1000000, not %', batch_size USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- A run starts: the caller may run the job; no other session runs it (the lock), so runs left
-- 'running' by a server restart, a cancel or a lost connection are marked interrupted now.
CREATE OR REPLACE FUNCTION sv._job_start(job text, batch_size integer, params jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  k record;
  v_id bigint;
  r record;
BEGIN
  PERFORM sv._job_check(job, batch_size);
  k := sv._job_lock_key(job);
  IF NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted
                   AND l.classid = k.k1::oid AND l.objid = k.k2::oid AND l.objsubid = 2)
     AND NOT pg_try_advisory_lock(k.k1, k.k2) THEN
    SELECT x.id, x.started_at, x.run_by INTO r FROM sv.job_run x WHERE x.job = _job_start.job AND x.outcome = 'running'
    ORDER BY x.id DESC LIMIT 1;
    RAISE EXCEPTION 'job % is already running%', job,
      coalesce(format(' (run %s, started %s by %s)', r.id, r.started_at, r.run_by), ' in another session')
      USING ERRCODE = 'lock_not_available', HINT = 'Its progress is in sv_work.job_run.';
  END IF;
  FOR r IN UPDATE sv.job_run x SET outcome = 'interrupted', finished_at = now(), updated_at = now(),
                                   error = '57P01: the run stopped before it finished (server restart, cancel or lost connection)'
           WHERE x.job = _job_start.job AND x.outcome = 'running' RETURNING x.id, x.rows_done, x.rows_total LOOP
    PERFORM sv.audit_append(NULL, 'job_run', r.id::text, 'interrupted',
      jsonb_build_object('job', job, 'rows_done', r.rows_done, 'rows_total', r.rows_total));
  END LOOP;
  INSERT INTO sv.job_run (job, started_at, updated_at, run_by, pid, params)
  VALUES (job, now(), now(), me.login, pg_backend_pid(), coalesce(params, '{}') || jsonb_build_object('batch_size', batch_size))
  RETURNING id INTO v_id;
  RAISE NOTICE 'job % run % started', job, v_id;
  RETURN v_id;
END
$fn$;

-- The run, when it is the caller's own and running in this session.
CREATE OR REPLACE FUNCTION sv._job_own_run(run bigint) RETURNS sv.job_run
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r sv.job_run;
BEGIN
  SELECT * INTO r FROM sv.job_run x WHERE x.id = run;
  IF r.id IS NULL OR r.outcome <> 'running' OR r.pid <> pg_backend_pid() OR r.run_by <> sv._outer_user() THEN
    RAISE EXCEPTION 'run % is not running in this session', coalesce(run::text, 'NULL')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  RETURN r;
END
$fn$;

-- Credit rescoring, one batch of subjects (in uscc order) per call.  The first call chooses the
-- model and the moment: the current model as of now, or, when the previous run of this job
-- stopped (failed or interrupted) after committing some batches, in the same month and with
-- the same model still current, that run's model and moment, continuing after its last
-- committed batch.  Rescoring is idempotent, so a fresh start is right in every other case.
CREATE OR REPLACE FUNCTION sv._job_credit_rescore_step(r sv.job_run, batch_size integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  m sv.credit_model;
  prev sv.job_run;
  v_as_of timestamptz;
  v_codes sv.uscc[];
  v_classified bigint;
  v_changed bigint;
BEGIN
  IF NOT r.params ? 'model' THEN
    SELECT * INTO m FROM sv.credit_model x WHERE x.is_current;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no credit model is current' USING ERRCODE = 'object_not_in_prerequisite_state',
        HINT = 'An administrator saves one with sv.credit_model_save(..., make_current => true).';
    END IF;
    SELECT * INTO prev FROM sv.job_run x WHERE x.job = r.job AND x.id < r.id ORDER BY x.id DESC LIMIT 1;
    IF prev.outcome IN ('failed', 'interrupted') AND prev.resume_after IS NOT NULL AND prev.params ->> 'model' = m.label
       AND date_trunc('month', sv.local_date((prev.params ->> 'as_of')::timestamptz))
           = date_trunc('month', sv.local_date(now())) THEN
      r.resumed_from := prev.id;
      r.resume_after := prev.resume_after;
      r.rows_done := prev.rows_done;
      v_as_of := (prev.params ->> 'as_of')::timestamptz;
      RAISE NOTICE 'job % run % continues run % after %', r.job, r.id, prev.id, prev.resume_after;
    ELSE
      v_as_of := now();
    END IF;
    UPDATE sv.job_run x
       SET params = x.params || jsonb_build_object('model', m.label, 'as_of', v_as_of),
           resumed_from = r.resumed_from, resume_after = r.resume_after, rows_done = r.rows_done,
           rows_total = (SELECT count(DISTINCT e.uscc) FROM sv.credit_event e),
           result = jsonb_build_object('changed', 0), updated_at = now()
     WHERE x.id = r.id;
    RETURN 0;
  END IF;
  SELECT * INTO m FROM sv.credit_model x WHERE x.label = r.params ->> 'model';
  v_as_of := (r.params ->> 'as_of')::timestamptz;
  v_codes := ARRAY(SELECT DISTINCT e.uscc FROM sv.credit_event e
                   WHERE r.resume_after IS NULL OR e.uscc > r.resume_after::sv.uscc
                   ORDER BY e.uscc LIMIT batch_size);
  IF cardinality(v_codes) = 0 THEN
    RETURN NULL;
  END IF;
  SELECT s.classified, s.changed INTO v_classified, v_changed
  FROM sv._credit_store_classes(m, sv.local_date(v_as_of), v_codes, v_as_of) s;
  UPDATE sv.job_run x
     SET rows_done = x.rows_done + cardinality(v_codes), resume_after = v_codes[cardinality(v_codes)]::text,
         result = jsonb_build_object('changed', coalesce((x.result ->> 'changed')::bigint, 0) + v_changed),
         updated_at = now()
   WHERE x.id = r.id
  RETURNING x.rows_done INTO r.rows_done;
  PERFORM sv.audit_append(NULL, 'credit_class', cardinality(v_codes) || ' subject(s)', 'rescore',
    jsonb_build_object('model', m.label, 'as_of', sv.local_date(v_as_of), 'as_of_moment', v_as_of, 'job_run', r.id,
                       'first', v_codes[1]::text, 'last', v_codes[cardinality(v_codes)]::text));
  RAISE NOTICE 'job % run %: % of % subjects rescored', r.job, r.id, r.rows_done, r.rows_total;
  RETURN cardinality(v_codes);
END
$fn$;

-- Outbox retention, at most batch_size rows per call (sv._outbox_cleanup_batch, 48_outbox.sql).
CREATE OR REPLACE FUNCTION sv._job_outbox_cleanup_step(r sv.job_run, batch_size integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_keep interval := current_setting('sv.push_attempt_retention')::interval;
  b record;
BEGIN
  IF r.rows_total IS NULL THEN
    UPDATE sv.job_run x
       SET rows_total = (SELECT count(*) FROM sv.outbox_attempt a WHERE a.started_at < now() - v_keep)
                      + (SELECT count(*) FROM sv.outbox o WHERE o.status = 'delivered' AND o.delivered_at < now() - v_keep),
           result = jsonb_build_object('attempts_removed', 0, 'messages_removed', 0, 'retention', v_keep),
           updated_at = now()
     WHERE x.id = r.id;
    RETURN 0;
  END IF;
  b := sv._outbox_cleanup_batch(batch_size);
  IF b.attempts_removed + b.messages_removed = 0 THEN
    RETURN NULL;
  END IF;
  UPDATE sv.job_run x
     SET rows_done = x.rows_done + b.attempts_removed + b.messages_removed,
         result = x.result || jsonb_build_object(
           'attempts_removed', (x.result ->> 'attempts_removed')::bigint + b.attempts_removed,
           'messages_removed', (x.result ->> 'messages_removed')::bigint + b.messages_removed),
         updated_at = now()
   WHERE x.id = r.id
  RETURNING x.rows_done INTO r.rows_done;
  RAISE NOTICE 'job % run %: % of % rows removed', r.job, r.id, r.rows_done, r.rows_total;
  RETURN b.attempts_removed + b.messages_removed;
END
$fn$;

-- The security self-check in one step: the findings go into the run's result.
CREATE OR REPLACE FUNCTION sv._job_security_check_step(r sv.job_run) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_findings jsonb;
BEGIN
  IF r.rows_done > 0 THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.severity, f.finding, f.object), '[]') INTO v_findings
  FROM sv.security_check() f;
  UPDATE sv.job_run x
     SET rows_total = 1, rows_done = 1, updated_at = now(),
         result = jsonb_build_object(
           'findings', jsonb_array_length(v_findings),
           'high_or_critical', (SELECT count(*) FROM jsonb_array_elements(v_findings) f
                                WHERE f ->> 'severity' IN ('high', 'critical')),
           'items', v_findings)
   WHERE x.id = r.id;
  RAISE NOTICE 'job % run %: % finding(s)', r.job, r.id, jsonb_array_length(v_findings);
  RETURN 1;
END
$fn$;

-- Deadline reminders and overdue notices (sv._deadline_sweep, 67_deadline.sql), at most
-- batch_size per committed batch.  The first call fixes the day (Beijing time) and counts the
-- notices due; each batch sends the next ones not sent yet.
CREATE OR REPLACE FUNCTION sv._job_deadline_sweep_step(r sv.job_run, batch_size integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_day date;
  v_reminders bigint;
  v_overdue bigint;
BEGIN
  IF NOT r.params ? 'day' THEN
    v_day := sv.local_date(now());
    UPDATE sv.job_run x
       SET params = x.params || jsonb_build_object('day', v_day),
           rows_total = (SELECT count(*) FROM sv._deadline_items(v_day, true) i
                         WHERE i.state IN ('due_soon', 'overdue')
                           AND NOT EXISTS (SELECT 1 FROM sv.deadline_notice n
                                           WHERE n.deadline = i.deadline AND n.object_id = i.object_id AND n.due_on = i.due_on
                                             AND n.event = CASE i.state WHEN 'due_soon' THEN 'reminder' ELSE 'overdue' END)),
           result = jsonb_build_object('reminders', 0, 'overdue', 0), updated_at = now()
     WHERE x.id = r.id;
    RETURN 0;
  END IF;
  SELECT count(*) FILTER (WHERE n.event = 'reminder'), count(*) FILTER (WHERE n.event = 'overdue')
  INTO v_reminders, v_overdue
  FROM sv._deadline_sweep((r.params ->> 'day')::date, batch_size, r.id) n;
  IF v_reminders + v_overdue = 0 THEN
    RETURN NULL;
  END IF;
  UPDATE sv.job_run x
     SET rows_done = x.rows_done + v_reminders + v_overdue,
         result = jsonb_build_object('reminders', (x.result ->> 'reminders')::bigint + v_reminders,
                                     'overdue', (x.result ->> 'overdue')::bigint + v_overdue),
         updated_at = now()
   WHERE x.id = r.id
  RETURNING x.rows_done INTO r.rows_done;
  RAISE NOTICE 'job % run %: % of % notices sent', r.job, r.id, r.rows_done, r.rows_total;
  RETURN v_reminders + v_overdue;
END
$fn$;

-- Risk scans (sv.risk_scan, 66_risk.sql): every rule code saved by the moment of the run, in
-- code order, batch_size rules per committed batch, each scanned as of that moment over the
-- current and the previous month (so that signals of a month's last days received after it
-- still count, and the previous month's alarm is known when the current one extends its
-- episode).  The first call fixes the moment and counts the rules: now, or, when the previous
-- run of this job stopped (failed or interrupted) after committing some batches on the same
-- day (Beijing time), that run's moment, continuing after its last committed rule.  A scan
-- raises each alarm once, so a fresh start is right in every other case.
CREATE OR REPLACE FUNCTION sv._job_risk_scan_step(r sv.job_run, batch_size integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  prev sv.job_run;
  v_as_of timestamptz;
  v_codes text[];
  v_code text;
  s record;
  v_sum jsonb;
  v_since timestamptz;
  v_leads bigint;
BEGIN
  IF NOT r.params ? 'as_of' THEN
    -- the rules named (params.rules: each must exist), or every one
    IF r.params ? 'rules' THEN
      IF jsonb_typeof(r.params -> 'rules') <> 'array' OR jsonb_array_length(r.params -> 'rules') = 0 THEN
        RAISE EXCEPTION 'rules must be NULL (every rule) or list rule codes' USING ERRCODE = 'invalid_parameter_value';
      END IF;
      SELECT x INTO v_code FROM jsonb_array_elements_text(r.params -> 'rules') x
      WHERE NOT EXISTS (SELECT 1 FROM sv.risk_rule k WHERE k.code = x) ORDER BY x LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'rules: risk rule % does not exist', quote_literal(v_code) USING ERRCODE = 'no_data_found';
      END IF;
    END IF;
    SELECT * INTO prev FROM sv.job_run x WHERE x.job = r.job AND x.id < r.id ORDER BY x.id DESC LIMIT 1;
    IF prev.outcome IN ('failed', 'interrupted') AND prev.resume_after IS NOT NULL
       AND sv.local_date((prev.params ->> 'as_of')::timestamptz) = sv.local_date(now())
       AND (prev.params -> 'rules') IS NOT DISTINCT FROM (r.params -> 'rules') THEN
      r.resumed_from := prev.id;
      r.resume_after := prev.resume_after;
      r.rows_done := prev.rows_done;
      r.result := prev.result;
      v_as_of := (prev.params ->> 'as_of')::timestamptz;
      RAISE NOTICE 'job % run % continues run % after %', r.job, r.id, prev.id, prev.resume_after;
    ELSE
      v_as_of := now();
    END IF;
    UPDATE sv.job_run x
       SET params = x.params || jsonb_build_object('as_of', v_as_of, 'months', 2),
           resumed_from = r.resumed_from, resume_after = r.resume_after, rows_done = r.rows_done,
           rows_total = (SELECT count(DISTINCT k.code) FROM sv.risk_rule k
                         WHERE k.created_at <= v_as_of
                           AND (NOT r.params ? 'rules' OR k.code IN (SELECT jsonb_array_elements_text(r.params -> 'rules')))),
           result = coalesce(r.result, jsonb_build_object('series', 0, 'tested', 0, 'alarms', 0, 'new_alerts', 0, 'incremental', 0,
                                                          'leads', 0)),
           updated_at = now()
     WHERE x.id = r.id;
    RETURN 0;
  END IF;
  v_as_of := (r.params ->> 'as_of')::timestamptz;
  v_codes := ARRAY(SELECT DISTINCT k.code FROM sv.risk_rule k
                   WHERE k.created_at <= v_as_of AND (r.resume_after IS NULL OR k.code > r.resume_after)
                     AND (NOT r.params ? 'rules' OR k.code IN (SELECT jsonb_array_elements_text(r.params -> 'rules')))
                   ORDER BY k.code LIMIT batch_size);
  IF cardinality(v_codes) = 0 THEN
    RETURN NULL;
  END IF;
  v_sum := r.result;
  FOREACH v_code IN ARRAY v_codes LOOP
    -- the daily job: incremental after the last scan of the rule's latest version (a scan as of
    -- an earlier moment only: a later one, by hand, did not see what came in since the run's
    -- moment); the weekly job and a rule never scanned: every series
    v_since := NULL;
    IF r.job = 'risk_scan' THEN
      SELECT max(x.as_of) INTO v_since FROM sv.risk_rule_scan x
      WHERE x.rule_code = v_code AND x.as_of <= v_as_of
        AND x.rule_version = (SELECT max(k.version) FROM sv.risk_rule k WHERE k.code = v_code AND k.created_at <= v_as_of);
    END IF;
    SELECT * INTO s FROM sv.risk_scan(v_code, v_as_of, (r.params ->> 'months')::integer, v_since);
    -- each new alert becomes a lead of the rule's department (76_risk_lead.sql)
    SELECT count(sv.risk_lead_from_alert(a.id)) INTO v_leads FROM sv.risk_alert a
    WHERE a.rule_code = v_code AND a.as_of = v_as_of
      AND NOT EXISTS (SELECT 1 FROM sv.risk_lead l WHERE l.alert_id = a.id);
    v_sum := jsonb_build_object('series', (v_sum ->> 'series')::bigint + s.series,
                                'tested', (v_sum ->> 'tested')::bigint + s.tested,
                                'alarms', (v_sum ->> 'alarms')::bigint + s.alarms,
                                'new_alerts', (v_sum ->> 'new_alerts')::bigint + s.new_alerts,
                                'incremental', coalesce((v_sum ->> 'incremental')::bigint, 0) + (v_since IS NOT NULL)::integer,
                                'leads', coalesce((v_sum ->> 'leads')::bigint, 0) + v_leads);
  END LOOP;
  UPDATE sv.job_run x
     SET rows_done = x.rows_done + cardinality(v_codes), resume_after = v_codes[cardinality(v_codes)],
         result = v_sum, updated_at = now()
   WHERE x.id = r.id
  RETURNING x.rows_done INTO r.rows_done;
  RAISE NOTICE 'job % run %: % of % rules scanned', r.job, r.id, r.rows_done, r.rows_total;
  RETURN cardinality(v_codes);
END
$fn$;

-- The KPI refresh (sv._kpi_refresh, 80_evaluation.sql) of the 31 days up to yesterday (Beijing
-- time), one committed step; the bulletins (sv._bulletin_generate, 81_bulletin.sql) of the
-- previous week or month, once: a period generated already is left as it is (a new edition is
-- an administrator's decision, sv.bulletin_generate).
CREATE OR REPLACE FUNCTION sv._job_evaluation_step(r sv.job_run) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_today date := sv.local_date(now());
  v_period text;
  v_n bigint;
  b sv.bulletin;
BEGIN
  IF NOT r.params ? 'day' THEN
    UPDATE sv.job_run x SET params = x.params || jsonb_build_object('day', v_today), rows_total = 1, updated_at = now()
     WHERE x.id = r.id;
    RETURN 0;
  END IF;
  IF r.rows_done > 0 THEN
    RETURN NULL;
  END IF;
  v_today := (r.params ->> 'day')::date;
  IF r.job = 'kpi_refresh' THEN
    v_n := sv._kpi_refresh(v_today - 31, v_today - 1, r.id);
    UPDATE sv.job_run x SET rows_done = 1, result = jsonb_build_object('first_day', v_today - 31, 'last_day', v_today - 1,
                                                                       'rows', v_n), updated_at = now()
     WHERE x.id = r.id;
  ELSE
    v_period := CASE r.job WHEN 'bulletin_weekly' THEN to_char(v_today - 7, 'IYYY-"W"IW')
                           ELSE to_char(v_today - interval '1 month', 'YYYY-MM') END;
    IF EXISTS (SELECT 1 FROM sv.bulletin x WHERE x.kind = CASE r.job WHEN 'bulletin_weekly' THEN 'weekly' ELSE 'monthly' END
                                            AND x.period = v_period) THEN
      UPDATE sv.job_run x SET rows_done = 1, result = jsonb_build_object('period', v_period, 'generated', false), updated_at = now()
       WHERE x.id = r.id;
    ELSE
      b := sv._bulletin_generate(CASE r.job WHEN 'bulletin_weekly' THEN 'weekly' ELSE 'monthly' END, v_period, false, r.id);
      UPDATE sv.job_run x SET rows_done = 1, result = jsonb_build_object('period', v_period, 'generated', true, 'edition', b.edition,
                                                                         'head_hash', b.head_hash), updated_at = now()
       WHERE x.id = r.id;
    END IF;
  END IF;
  RETURN 1;
END
$fn$;

-- The daily sweeps of joint supervision and complaints, one committed step each: the copy
-- notices of the last seven days' findings (sv.joint_notice_sweep, 72_joint_notice.sql) and the
-- supervision (督办) of complaints still overdue (sv.complaint_supervise_sweep,
-- 69_complaint_flow.sql).  Both are idempotent (a finding is copied to a department once, a
-- deadline supervised once per due date), so a run again the same day sends nothing new.
CREATE OR REPLACE FUNCTION sv._job_sweep_step(r sv.job_run) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_day date := sv.local_date(now());
  v_n bigint;
  v_pushed bigint;
BEGIN
  IF r.rows_done > 0 THEN
    RETURN NULL;
  END IF;
  IF r.job = 'joint_notice_sweep' THEN
    SELECT count(*), count(*) FILTER (WHERE s.pushed) INTO v_n, v_pushed FROM sv.joint_notice_sweep(v_day - 7) s;
  ELSE
    SELECT count(*), count(*) FILTER (WHERE s.pushed) INTO v_n, v_pushed FROM sv.complaint_supervise_sweep(v_day) s;
  END IF;
  UPDATE sv.job_run x
     SET params = x.params || jsonb_build_object('day', v_day), rows_total = 1, rows_done = 1, updated_at = now(),
         result = jsonb_build_object(CASE r.job WHEN 'joint_notice_sweep' THEN 'notices' ELSE 'supervised' END, v_n,
                                     'pushed', v_pushed)
   WHERE x.id = r.id;
  RAISE NOTICE 'job % run %: % %', r.job, r.id, v_n, CASE r.job WHEN 'joint_notice_sweep' THEN 'notice(s) sent' ELSE 'deadline(s) supervised' END;
  RETURN 1;
END
$fn$;

-- The duplicate proposals of the complaints queued in sweep mode (sv._complaint_duplicate_sweep,
-- 74_complaint_duplicate.sql), at most batch_size items per committed batch, in id order.  The
-- first call counts the items queued: the run sweeps that many (items queued later wait for the
-- next minute's run, so that a run ends even while the hotline keeps sending).  Each batch is
-- audited by the sweep, with the run.
CREATE OR REPLACE FUNCTION sv._job_complaint_duplicate_sweep_step(r sv.job_run, batch_size integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_n integer;
BEGIN
  IF r.rows_total IS NULL THEN
    UPDATE sv.job_run x
       SET rows_total = (SELECT count(*) FROM sv.complaint_duplicate_pending), result = jsonb_build_object('swept', 0),
           updated_at = now()
     WHERE x.id = r.id;
    RETURN 0;
  END IF;
  IF r.rows_done >= r.rows_total THEN
    RETURN NULL;
  END IF;
  v_n := sv._complaint_duplicate_sweep(least(batch_size, 100000, r.rows_total - r.rows_done)::integer, r.id);
  IF v_n = 0 THEN
    RETURN NULL;
  END IF;
  UPDATE sv.job_run x
     SET rows_done = x.rows_done + v_n, result = jsonb_build_object('swept', (x.result ->> 'swept')::bigint + v_n),
         updated_at = now()
   WHERE x.id = r.id
  RETURNING x.rows_done INTO r.rows_done;
  RAISE NOTICE 'job % run %: % of % complaints swept', r.job, r.id, r.rows_done, r.rows_total;
  RETURN v_n;
END
$fn$;

-- One step of the caller's own run: the rows it did (0: prepared), NULL when the job is done.
CREATE OR REPLACE FUNCTION sv._job_step(run bigint, batch_size integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r sv.job_run := sv._job_own_run(run);
  v_n bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['batch_size'], ARRAY[batch_size IS NULL]);
  v_n := CASE r.job
    WHEN 'credit_rescore' THEN sv._job_credit_rescore_step(r, batch_size)
    WHEN 'outbox_cleanup' THEN sv._job_outbox_cleanup_step(r, batch_size)
    WHEN 'security_check' THEN sv._job_security_check_step(r)
    WHEN 'deadline_sweep' THEN sv._job_deadline_sweep_step(r, batch_size)
    WHEN 'risk_scan' THEN sv._job_risk_scan_step(r, batch_size)
    WHEN 'risk_scan_full' THEN sv._job_risk_scan_step(r, batch_size)
    WHEN 'kpi_refresh' THEN sv._job_evaluation_step(r)
    WHEN 'bulletin_weekly' THEN sv._job_evaluation_step(r)
    WHEN 'bulletin_monthly' THEN sv._job_evaluation_step(r)
    WHEN 'joint_notice_sweep' THEN sv._job_sweep_step(r)
    WHEN 'complaint_supervise' THEN sv._job_sweep_step(r)
    WHEN 'complaint_duplicate_sweep' THEN sv._job_complaint_duplicate_sweep_step(r, batch_size)
  END;
  IF v_n IS NULL THEN
    -- the work is done: only now may the run end as succeeded
    UPDATE sv.job_run x SET params = x.params || '{"done": true}', updated_at = now() WHERE x.id = run;
  END IF;
  RETURN v_n;
END
$fn$;

-- The end of the caller's own run: succeeded once its last step is done (outcome NULL), or
-- failed or interrupted with the error; a security check with a high or critical finding
-- fails.  The audit record, the lock released.  Returns what the run's caller raises.
CREATE OR REPLACE FUNCTION sv._job_finish(run bigint, outcome text, sqlstate text, message text,
                               OUT final_outcome text, OUT final_sqlstate text, OUT final_message text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r sv.job_run := sv._job_own_run(run);
  k record := sv._job_lock_key(r.job);
BEGIN
  final_outcome := coalesce(outcome, 'succeeded');
  final_sqlstate := sqlstate;
  final_message := message;
  -- NULL: the work is done (sv._job_step said so); otherwise how it stopped, and why
  IF outcome IS NOT NULL AND (outcome NOT IN ('failed', 'interrupted') OR sqlstate !~ '^[0-9A-Z]{5}$' OR message IS NULL) THEN
    RAISE EXCEPTION 'outcome must be NULL (done) or failed or interrupted with a SQLSTATE and a message'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF outcome IS NULL AND NOT coalesce((r.params ->> 'done')::boolean, false) THEN
    RAISE EXCEPTION 'run % has not finished its work: it ends as succeeded only after its last step', run
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF final_outcome = 'succeeded' AND r.job = 'security_check' AND (r.result ->> 'high_or_critical')::int > 0 THEN
    final_outcome := 'failed';
    final_sqlstate := '55000';
    final_message := format('%s finding(s) of severity high or critical: %s', r.result ->> 'high_or_critical',
      (SELECT string_agg(DISTINCT f ->> 'finding', ', ') FROM jsonb_array_elements(r.result -> 'items') f
       WHERE f ->> 'severity' IN ('high', 'critical')));
  END IF;
  UPDATE sv.job_run x
     SET outcome = final_outcome, finished_at = now(), updated_at = now(),
         error = CASE WHEN final_outcome <> 'succeeded' THEN coalesce(final_sqlstate, 'XX000') || ': ' || final_message END
   WHERE x.id = run;
  PERFORM sv.audit_append(NULL, 'job_run', run::text, final_outcome,
    jsonb_build_object('job', r.job, 'rows_done', r.rows_done, 'rows_total', r.rows_total, 'resumed_from', r.resumed_from,
                       'error', CASE WHEN final_outcome <> 'succeeded' THEN final_sqlstate || ': ' || final_message END));
  PERFORM pg_advisory_unlock(k.k1, k.k2);
  RAISE NOTICE 'job % run % %', r.job, run, final_outcome;
END
$fn$;

-- The driver of every job: start, then one committed transaction per step until the job is
-- done or a step fails.  A failure (or a cancel: 'interrupted') is caught around its step,
-- committed into sv.job_run, then raised again so the caller and pg_cron's run history see it.
CREATE OR REPLACE PROCEDURE sv._job_drive(job text, batch_size integer, params jsonb DEFAULT '{}')
LANGUAGE plpgsql
AS $fn$
DECLARE
  v_run bigint;
  v_n bigint;
  v_outcome text;
  v_state text;
  v_msg text;
BEGIN
  PERFORM sv._job_check(job, batch_size);
  -- inside a transaction block a job cannot commit: refuse it (2D000) before anything starts
  COMMIT;
  v_run := sv._job_start(job, batch_size, params);
  COMMIT;
  LOOP
    BEGIN
      v_n := sv._job_step(v_run, batch_size);
    EXCEPTION
      WHEN query_canceled THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
        v_outcome := 'interrupted';
      WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
        v_outcome := 'failed';
    END;
    EXIT WHEN v_outcome IS NOT NULL OR v_n IS NULL;
    COMMIT;
  END LOOP;
  SELECT f.final_outcome, f.final_sqlstate, f.final_message INTO v_outcome, v_state, v_msg
  FROM sv._job_finish(v_run, v_outcome, v_state, v_msg) f;
  COMMIT;
  IF v_outcome <> 'succeeded' THEN
    RAISE EXCEPTION 'job % run % %: %', job, v_run, v_outcome, v_msg
      USING ERRCODE = v_state, HINT = 'The run is in sv_work.job_run.';
  END IF;
END
$fn$;

CREATE OR REPLACE PROCEDURE sv.job_credit_rescore(batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('credit_rescore', batch_size);
END
$fn$;
COMMENT ON PROCEDURE sv.job_credit_rescore(integer) IS
  'Job: rescore every subject with credit events with the current model, batch_size subjects per committed batch (monthly)';

CREATE OR REPLACE PROCEDURE sv.job_outbox_cleanup(batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('outbox_cleanup', batch_size);
END
$fn$;
COMMENT ON PROCEDURE sv.job_outbox_cleanup(integer) IS
  'Job: remove delivery attempts and delivered messages past sv.push_attempt_retention, batch_size rows per batch (daily)';

CREATE OR REPLACE PROCEDURE sv.job_security_check()
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('security_check', 1);
END
$fn$;
COMMENT ON PROCEDURE sv.job_security_check() IS
  'Job: run sv.security_check() and keep its findings in sv.job_run; fails on a finding of severity high or critical (daily)';

CREATE OR REPLACE PROCEDURE sv.job_deadline_sweep(batch_size integer DEFAULT 1000)
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('deadline_sweep', batch_size);
END
$fn$;
COMMENT ON PROCEDURE sv.job_deadline_sweep(integer) IS
  'Job: reminders of deadlines due soon and notices of overdue ones, once each (sv.deadline_notice, outbox), batch_size per batch (daily)';

CREATE OR REPLACE PROCEDURE sv.job_risk_scan(batch_size integer DEFAULT 10, rules text[] DEFAULT NULL)
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('risk_scan', batch_size, CASE WHEN rules IS NULL THEN '{}' ELSE jsonb_build_object('rules', rules) END);
END
$fn$;
COMMENT ON PROCEDURE sv.job_risk_scan(integer, text[]) IS
  'Job: scan every risk rule (or the rules named) as of now over the current and the previous month, each only in the series with signals known since its last scan, batch_size rules per committed batch, resumable (daily)';

CREATE OR REPLACE PROCEDURE sv.job_risk_scan_full(batch_size integer DEFAULT 10, rules text[] DEFAULT NULL)
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('risk_scan_full', batch_size, CASE WHEN rules IS NULL THEN '{}' ELSE jsonb_build_object('rules', rules) END);
END
$fn$;
COMMENT ON PROCEDURE sv.job_risk_scan_full(integer, text[]) IS
  'Job: scan every risk rule (or the rules named) as of now over the current and the previous month in every series, batch_size rules per committed batch, resumable (weekly)';

CREATE OR REPLACE PROCEDURE sv.job_kpi_refresh()
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('kpi_refresh', 1);
END
$fn$;
COMMENT ON PROCEDURE sv.job_kpi_refresh() IS
  'Job: recompute the stored daily KPI aggregates of the last 31 days up to yesterday (daily)';

CREATE OR REPLACE PROCEDURE sv.job_bulletin_weekly()
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('bulletin_weekly', 1);
END
$fn$;
COMMENT ON PROCEDURE sv.job_bulletin_weekly() IS
  'Job: generate the weekly check (周检查) of the previous ISO week, once (weekly)';

CREATE OR REPLACE PROCEDURE sv.job_bulletin_monthly()
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('bulletin_monthly', 1);
END
$fn$;
COMMENT ON PROCEDURE sv.job_bulletin_monthly() IS
  'Job: generate the monthly bulletin (月通报) of the previous month, once (monthly)';

CREATE OR REPLACE PROCEDURE sv.job_joint_notice_sweep()
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('joint_notice_sweep', 1);
END
$fn$;
COMMENT ON PROCEDURE sv.job_joint_notice_sweep() IS
  'Job: copy the last seven days'' findings to the departments they concern (抄告抄送, sv.joint_notice_sweep), once each (daily)';

CREATE OR REPLACE PROCEDURE sv.job_complaint_supervise()
LANGUAGE plpgsql
AS $fn$
BEGIN
  CALL sv._job_drive('complaint_supervise', 1);
END
$fn$;
COMMENT ON PROCEDURE sv.job_complaint_supervise() IS
  'Job: supervise (督办) the complaint deadlines still overdue after their policy''s period (sv.complaint_supervise_sweep) (daily)';

-- Every minute; nothing queued (arrival mode, or the last run took everything): no run, so that
-- an idle minute leaves neither a run nor an audit record (the queue's age is in
-- sv_bi.complaint_duplicate_backlog).
CREATE OR REPLACE PROCEDURE sv.job_complaint_duplicate_sweep(batch_size integer DEFAULT 1000)
LANGUAGE plpgsql
AS $fn$
BEGIN
  PERFORM sv._job_check('complaint_duplicate_sweep', batch_size);
  IF NOT EXISTS (SELECT 1 FROM sv_bi.complaint_duplicate_backlog b WHERE b.pending > 0) THEN
    RETURN;
  END IF;
  CALL sv._job_drive('complaint_duplicate_sweep', batch_size);
END
$fn$;
COMMENT ON PROCEDURE sv.job_complaint_duplicate_sweep(integer) IS
  'Job: the duplicate proposals of the complaints queued in sweep mode (sv.complaint_duplicate_sweep), batch_size per committed batch (every minute)';

-- Whether pg_cron is installed in this database (then this is cron.database_name).
CREATE OR REPLACE FUNCTION sv._has_pg_cron() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname = 'pg_cron') $fn$;

-- Install every job of sv._jobs() in pg_cron under its name, run as run_as (a login that is a
-- member of sv_admin, not a superuser, with a staff mapping: a warning without), replacing a job of the same name whoever scheduled it.  Without pg_cron:
-- the statements to run from another scheduler, nothing changed.
CREATE OR REPLACE FUNCTION sv.schedule_jobs(run_as text DEFAULT current_user)
RETURNS TABLE (job text, schedule text, command text, cron_job bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  j record;
  v_id bigint;
  v_done jsonb := '[]';
BEGIN
  PERFORM sv._require_given(ARRAY['run_as'], ARRAY[run_as IS NULL]);
  PERFORM sv._require_role('schedule jobs', '{sv_admin}');
  IF NOT EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = run_as) THEN
    RAISE EXCEPTION 'run_as: role % does not exist', quote_ident(run_as) USING ERRCODE = 'undefined_object';
  END IF;
  -- a login (pg_cron connects as it) in sv_admin (the jobs check it), under row-level security
  IF NOT EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = run_as AND g.rolcanlogin AND NOT g.rolsuper AND NOT g.rolbypassrls)
     OR NOT pg_has_role(run_as, 'sv_admin', 'USAGE') THEN
    RAISE EXCEPTION 'run_as: role % must be a login that is a member of sv_admin, neither superuser nor BYPASSRLS',
      quote_ident(run_as) USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Create a role for the jobs as docs/install.md shows (CREATE ROLE ... LOGIN IN ROLE sv_admin).';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.staff s WHERE s.role_name = run_as AND s.valid_from <= sv.local_date(now())
                   AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(now()))) THEN
    RAISE WARNING 'run_as: role % has no staff mapping in force', quote_ident(run_as)
      USING HINT = 'Map it like every administrator: sv.staff_add(role, department, region).';
  END IF;
  IF NOT sv._has_pg_cron() THEN
    RAISE NOTICE 'pg_cron is not installed in database %: nothing scheduled', quote_ident(current_database())
      USING HINT = format('Run these from another scheduler, connected to %s as %s (a member of sv_admin), each on its own outside a transaction block: %s',
                          quote_ident(current_database()), quote_ident(run_as),
                          (SELECT string_agg(format('%s %s', x.schedule, x.command), '; ' ORDER BY x.job) FROM sv._jobs() x));
    RETURN QUERY SELECT x.cron_name, x.schedule, x.command, NULL::bigint FROM sv._jobs() x ORDER BY x.job;
    RETURN;
  END IF;
  FOR j IN SELECT * FROM sv._jobs() x ORDER BY x.job LOOP
    FOR v_id IN EXECUTE 'SELECT c.jobid FROM cron.job c WHERE c.jobname = $1' USING j.cron_name LOOP
      EXECUTE 'SELECT cron.unschedule($1)' USING v_id;
    END LOOP;
    EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4, $5)'
      INTO v_id USING j.cron_name, j.schedule, j.command, current_database(), run_as;
    v_done := v_done || jsonb_build_object('job', j.cron_name, 'schedule', j.schedule, 'command', j.command, 'cron_job', v_id);
    job := j.cron_name; schedule := j.schedule; command := j.command; cron_job := v_id;
    RETURN NEXT;
  END LOOP;
  PERFORM sv.audit_append(NULL, 'job', 'pg_cron', 'schedule', jsonb_build_object('run_as', run_as, 'jobs', v_done));
END
$fn$;
COMMENT ON FUNCTION sv.schedule_jobs(text) IS
  'Administrators: install (again) every platform job in pg_cron, run as run_as; without pg_cron the statements to schedule elsewhere';

CREATE OR REPLACE FUNCTION sv.unschedule_jobs() RETURNS TABLE (job text, cron_job bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  j record;
  v_id bigint;
  v_done jsonb := '[]';
BEGIN
  PERFORM sv._require_role('unschedule jobs', '{sv_admin}');
  IF NOT sv._has_pg_cron() THEN
    RAISE NOTICE 'pg_cron is not installed in database %: nothing to unschedule', quote_ident(current_database());
    RETURN;
  END IF;
  FOR j IN SELECT * FROM sv._jobs() x ORDER BY x.job LOOP
    FOR v_id IN EXECUTE 'SELECT c.jobid FROM cron.job c WHERE c.jobname = $1 ORDER BY c.jobid' USING j.cron_name LOOP
      EXECUTE 'SELECT cron.unschedule($1)' USING v_id;
      v_done := v_done || jsonb_build_object('job', j.cron_name, 'cron_job', v_id);
      job := j.cron_name; cron_job := v_id;
      RETURN NEXT;
    END LOOP;
  END LOOP;
  IF jsonb_array_length(v_done) > 0 THEN
    PERFORM sv.audit_append(NULL, 'job', 'pg_cron', 'unschedule', jsonb_build_object('jobs', v_done));
  END IF;
END
$fn$;
COMMENT ON FUNCTION sv.unschedule_jobs() IS 'Administrators: remove the platform''s jobs from pg_cron';

CREATE VIEW sv_work.job_run WITH (security_invoker = true) AS
  SELECT r.id, r.job, sv.label_zh('job.name', r.job) AS job_zh, r.outcome, sv.label_zh('job_run.outcome', r.outcome) AS outcome_zh,
         r.started_at, r.finished_at,
         coalesce(r.finished_at, r.updated_at) - r.started_at AS duration,
         r.rows_done, r.rows_total,
         CASE WHEN r.rows_total > 0 THEN round(100.0 * r.rows_done / r.rows_total, 1) END AS percent_done,
         r.error, r.run_by, r.resumed_from, r.result
  FROM sv.job_run r;
COMMENT ON VIEW sv_work.job_run IS '定时任务运行记录 / Runs of the scheduled jobs, newest last: progress, outcome and error (administrators, auditors)';
COMMENT ON COLUMN sv_work.job_run.id IS '运行编号';
COMMENT ON COLUMN sv_work.job_run.job IS '任务代码:credit_rescore 信用重评, outbox_cleanup 推送清理, security_check 安全自检, deadline_sweep 催办与逾期提醒, risk_scan 风险扫描(每日增量), risk_scan_full 风险全量扫描(每周), kpi_refresh 评价指标日汇总, bulletin_weekly 周检查, bulletin_monthly 月通报, joint_notice_sweep 抄告抄送, complaint_supervise 投诉举报督办, complaint_duplicate_sweep 重复件批量比对';
COMMENT ON COLUMN sv_work.job_run.job_zh IS '任务名称';
COMMENT ON COLUMN sv_work.job_run.outcome IS '运行结果代码:running 运行中, succeeded 成功, failed 失败, interrupted 中断';
COMMENT ON COLUMN sv_work.job_run.outcome_zh IS '运行结果';
COMMENT ON COLUMN sv_work.job_run.started_at IS '开始时间';
COMMENT ON COLUMN sv_work.job_run.finished_at IS '结束时间';
COMMENT ON COLUMN sv_work.job_run.duration IS '已用时长';
COMMENT ON COLUMN sv_work.job_run.rows_done IS '已处理条数(已提交的批次)';
COMMENT ON COLUMN sv_work.job_run.rows_total IS '应处理总条数';
COMMENT ON COLUMN sv_work.job_run.percent_done IS '完成百分比';
COMMENT ON COLUMN sv_work.job_run.error IS '错误(SQLSTATE: 错误信息)';
COMMENT ON COLUMN sv_work.job_run.run_by IS '运行角色';
COMMENT ON COLUMN sv_work.job_run.resumed_from IS '续接的上次运行编号';
COMMENT ON COLUMN sv_work.job_run.result IS '运行结果明细(计数、自检发现)';
-- sv:rerun (the labels of the jobs and outcomes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('job.name', ARRAY[['credit_rescore', '信用重评'], ['outbox_cleanup', '推送清理'],
  ['security_check', '安全自检'], ['deadline_sweep', '催办与逾期提醒'], ['risk_scan', '风险扫描(每日增量)'],
  ['risk_scan_full', '风险全量扫描(每周)'], ['kpi_refresh', '评价指标日汇总'], ['bulletin_weekly', '周检查'],
  ['bulletin_monthly', '月通报'], ['joint_notice_sweep', '抄告抄送'], ['complaint_supervise', '投诉举报督办'],
  ['complaint_duplicate_sweep', '重复件批量比对']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('job_run.outcome', ARRAY[['running', '运行中'], ['succeeded', '成功'], ['failed', '失败'],
  ['interrupted', '中断']]);
GRANT SELECT ON sv_work.job_run TO sv_admin, sv_auditor;

REVOKE ALL ON PROCEDURE sv._job_drive(text, integer, jsonb), sv.job_credit_rescore(integer), sv.job_outbox_cleanup(integer),
                        sv.job_security_check(), sv.job_deadline_sweep(integer), sv.job_risk_scan(integer, text[]),
                        sv.job_risk_scan_full(integer, text[]), sv.job_kpi_refresh(), sv.job_bulletin_weekly(),
                        sv.job_bulletin_monthly(), sv.job_joint_notice_sweep(), sv.job_complaint_supervise(),
                        sv.job_complaint_duplicate_sweep(integer) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE sv.job_credit_rescore(integer), sv.job_outbox_cleanup(integer) TO sv_admin, sv_integration;
GRANT EXECUTE ON PROCEDURE sv.job_security_check(), sv.job_deadline_sweep(integer), sv.job_risk_scan(integer, text[]),
                           sv.job_risk_scan_full(integer, text[]), sv.job_kpi_refresh(), sv.job_bulletin_weekly(),
                           sv.job_bulletin_monthly(), sv.job_joint_notice_sweep(), sv.job_complaint_supervise(),
                           sv.job_complaint_duplicate_sweep(integer) TO sv_admin;
-- the steps the job procedures (SECURITY INVOKER) call; each checks the caller and the run
GRANT EXECUTE ON PROCEDURE sv._job_drive(text, integer, jsonb) TO sv_admin, sv_integration;
GRANT EXECUTE ON FUNCTION sv._job_check(text, integer), sv._job_start(text, integer, jsonb), sv._job_step(bigint, integer),
                          sv._job_finish(bigint, text, text, text) TO sv_admin, sv_integration;
GRANT EXECUTE ON FUNCTION sv.schedule_jobs(text), sv.unschedule_jobs() TO sv_admin;
