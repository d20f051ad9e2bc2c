-- ---------------------------------------------------------------------------------------------
-- 56_credit_sanction: joint rewards and punishments (联合奖惩): the measures list, the
-- pre-admission check (事前准入) other systems call, and the closed loop (闭环) of feedback from
-- the departments that implement a measure.
--
-- Tables:     sv.sanction_measure (the measures list: what triggers a measure, in which business
--             scenarios, who implements it, on which legal basis), sv.credit_check_log (every
--             check), sv.sanction_feedback (one obligation per hit: applied / not applicable,
--             due in working days)
-- Functions:  sv.sanction_measure_save, sv.sanction_measure_retire (administrators),
--             sv.credit_check(uscc, scenario, reference) (officers, integration, administrators),
--             sv.sanction_feedback_report(id, outcome, note)
-- Views:      sv_work.sanction_feedback, sv_work.sanction_feedback_open, sv_bi.sanction_feedback
-- A measure applies while an event that triggers it is in force (decided, not expired, not
-- repaired, within the measure's duration and, for a penalty, its publication period), or while
-- the subject's stored credit class is one the measure names.  Reward measures apply only to
-- subjects without a negative event in force.
-- ---------------------------------------------------------------------------------------------

-- The business scenarios a check is made for.
CREATE OR REPLACE FUNCTION sv._sanction_scenarios() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['licensing', 'tendering', 'procurement', 'subsidy', 'honour', 'public_office', 'financing',
                   'inspection'] $$;

-- Categories of the national basic list of dishonesty-sanction measures (全国失信惩戒措施基础
-- 清单), and of reward measures for the trustworthy (守信激励).
CREATE OR REPLACE FUNCTION sv._sanction_categories(kind text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE kind
  WHEN 'punishment' THEN ARRAY['market_access', 'public_procurement', 'fiscal_support', 'honours',
                               'office_qualification', 'financing', 'consumption', 'heightened_supervision', 'other']
  WHEN 'reward' THEN ARRAY['fast_track', 'reduced_inspection', 'priority_support', 'other'] END $$;

CREATE TABLE sv.sanction_measure (
  code            text PRIMARY KEY CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  name            text NOT NULL CHECK (name <> ''),
  kind            text NOT NULL CHECK (kind IN ('punishment', 'reward')),
  category        text NOT NULL,
  legal_basis     text NOT NULL CHECK (legal_basis <> ''),
  department_id   integer NOT NULL REFERENCES sv.department (id),   -- implements it and reports feedback
  scenarios       text[] NOT NULL CHECK (cardinality(scenarios) > 0),
  trigger_kinds   text[] NOT NULL DEFAULT '{}',   -- credit event kinds that trigger it
  min_severity    integer NOT NULL DEFAULT 1 CHECK (min_severity BETWEEN 1 AND 5),
  trigger_classes text[] NOT NULL DEFAULT '{}',   -- stored credit classes that trigger it
  duration_months integer CHECK (duration_months > 0),   -- NULL: as long as the event is in force
  feedback_days   integer NOT NULL DEFAULT 5 CHECK (feedback_days BETWEEN 1 AND 60),
  retired_on      date,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_by      text NOT NULL,
  updated_at      timestamptz NOT NULL,
  CHECK (category = ANY (sv._sanction_categories(kind))),
  CHECK (cardinality(trigger_kinds) + cardinality(trigger_classes) > 0)
);
COMMENT ON TABLE sv.sanction_measure IS
  'Joint reward and punishment measures (联合奖惩措施清单): triggers, scenarios, implementing department, legal basis';
-- The list is public policy: every role reads it.
ALTER TABLE sv.sanction_measure ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.sanction_measure FORCE ROW LEVEL SECURITY;
CREATE POLICY sanction_measure_read ON sv.sanction_measure FOR SELECT
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration USING (true);
GRANT SELECT ON sv.sanction_measure TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.sanction_measure', '');

CREATE TABLE sv.credit_check_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uscc        sv.uscc NOT NULL,        -- no foreign key: an applicant may not be in the data centre yet
  scenario    text NOT NULL,
  reference   text,                    -- the caller's case, e.g. the licence application number
  checked_by  text NOT NULL,
  checked_at  timestamptz NOT NULL,
  hits        integer NOT NULL
);
CREATE INDEX credit_check_log_uscc_idx ON sv.credit_check_log (uscc, checked_at);
COMMENT ON TABLE sv.credit_check_log IS 'Every pre-admission credit check (事前准入核查): who asked about whom, why, how many hits';
ALTER TABLE sv.credit_check_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_check_log FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_check_log_read ON sv.credit_check_log FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.credit_check_log TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_check_log', '');
SELECT pg_catalog.pg_extension_config_dump('sv.credit_check_log_id_seq', '');

CREATE TABLE sv.sanction_feedback (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  check_id      bigint NOT NULL REFERENCES sv.credit_check_log (id),
  uscc          sv.uscc NOT NULL,
  measure_code  text NOT NULL REFERENCES sv.sanction_measure (code),
  department_id integer NOT NULL REFERENCES sv.department (id),
  scenario      text NOT NULL,            -- of the check, so departments need not read the check log
  case_reference text,
  reason        text NOT NULL,            -- the events or class that triggered the measure
  until         date,                     -- last day the measure applies; NULL: open
  due_on        date NOT NULL,            -- feedback deadline, in working days
  outcome       text CHECK (outcome IN ('applied', 'not_applicable')),
  note          text,
  reported_by   text,
  reported_at   timestamptz,
  created_at    timestamptz NOT NULL,
  -- since 0.2.0 (new columns come last: docs/upgrades.md)
  feedback_days integer NOT NULL DEFAULT 5, -- the measure's working days at the check: due_on counts them
  due_provisional boolean NOT NULL DEFAULT false,  -- counted over a year without a notice (20_calendar.sql)
  CHECK ((outcome IS NULL) = (reported_at IS NULL)),
  CHECK (outcome IS DISTINCT FROM 'not_applicable' OR length(btrim(note)) >= 4)
);
CREATE INDEX sanction_feedback_department_idx ON sv.sanction_feedback (department_id, due_on) WHERE outcome IS NULL;
CREATE INDEX sanction_feedback_check_idx ON sv.sanction_feedback (check_id);
COMMENT ON TABLE sv.sanction_feedback IS
  'Feedback obligations (反馈) of implementing departments, one per measure hit by a credit check: the closed loop';
ALTER TABLE sv.sanction_feedback ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.sanction_feedback FORCE ROW LEVEL SECURITY;
CREATE POLICY sanction_feedback_department ON sv.sanction_feedback FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY sanction_feedback_all ON sv.sanction_feedback FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true);
GRANT SELECT ON sv.sanction_feedback TO sv_officer, sv_admin, sv_auditor, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.sanction_feedback', '');
SELECT pg_catalog.pg_extension_config_dump('sv.sanction_feedback_id_seq', '');

CREATE OR REPLACE FUNCTION sv.sanction_measure_save(code text, name text, kind text, category text, legal_basis text,
                                         department_id integer, scenarios text[], trigger_kinds text[] DEFAULT '{}',
                                         trigger_classes text[] DEFAULT '{}', min_severity integer DEFAULT 1,
                                         duration_months integer DEFAULT NULL, feedback_days integer DEFAULT 5)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_old sv.sanction_measure;
  v_new sv.sanction_measure;
BEGIN
  IF code IS NULL THEN
    RAISE EXCEPTION 'code must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF name IS NULL THEN
    RAISE EXCEPTION 'name must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF kind IS NULL THEN
    RAISE EXCEPTION 'kind must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF category IS NULL THEN
    RAISE EXCEPTION 'category must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF legal_basis IS NULL THEN
    RAISE EXCEPTION 'legal_basis must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF department_id IS NULL THEN
    RAISE EXCEPTION 'department_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF scenarios IS NULL THEN
    RAISE EXCEPTION 'scenarios must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF trigger_kinds IS NULL THEN
    RAISE EXCEPTION 'trigger_kinds must not be null (none: {})' USING ERRCODE = 'null_value_not_allowed';
  ELSIF trigger_classes IS NULL THEN
    RAISE EXCEPTION 'trigger_classes must not be null (none: {})' USING ERRCODE = 'null_value_not_allowed';
  ELSIF min_severity IS NULL THEN
    RAISE EXCEPTION 'min_severity must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF feedback_days IS NULL THEN
    RAISE EXCEPTION 'feedback_days must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('name', name);
  PERFORM sv._require_one_of('kind', kind, ARRAY['punishment', 'reward']);
  PERFORM sv._require_one_of('category', category, sv._sanction_categories(kind));
  PERFORM sv._require_text('legal_basis', legal_basis);
  PERFORM sv._require_department('department_id', department_id);
  IF coalesce(cardinality(scenarios), 0) = 0 THEN
    RAISE EXCEPTION 'scenarios must name at least one of %', array_to_string(sv._sanction_scenarios(), ', ')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_subset('scenarios', scenarios, sv._sanction_scenarios());
  PERFORM sv._require_subset('trigger_kinds', coalesce(trigger_kinds, '{}'), sv._credit_kinds());
  PERFORM sv._require_subset('trigger_classes', coalesce(trigger_classes, '{}'), ARRAY['A', 'B', 'C', 'D']);
  IF coalesce(cardinality(trigger_kinds), 0) + coalesce(cardinality(trigger_classes), 0) = 0 THEN
    RAISE EXCEPTION 'a measure needs a trigger: trigger_kinds (credit event kinds) or trigger_classes (A-D)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF min_severity IS NULL OR min_severity NOT BETWEEN 1 AND 5 THEN
    RAISE EXCEPTION 'min_severity must be 1 to 5, not %', coalesce(min_severity::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF duration_months <= 0 THEN
    RAISE EXCEPTION 'duration_months must be positive or NULL (as long as the event is in force), not %', duration_months
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF feedback_days IS NULL OR feedback_days NOT BETWEEN 1 AND 60 THEN
    RAISE EXCEPTION 'feedback_days must be 1 to 60 working days, not %', coalesce(feedback_days::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_role('keep the measures list', '{sv_admin}');
  SELECT * INTO v_old FROM sv.sanction_measure m WHERE m.code = btrim(sanction_measure_save.code) FOR UPDATE;
  IF v_old.retired_on IS NOT NULL THEN
    RAISE EXCEPTION 'measure % is retired: save it under a new code', quote_literal(v_old.code)
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  INSERT INTO sv.sanction_measure AS m (code, name, kind, category, legal_basis, department_id, scenarios,
                                        trigger_kinds, trigger_classes, min_severity, duration_months, feedback_days,
                                        created_by, created_at, updated_by, updated_at)
  VALUES (btrim(code), btrim(name), kind, category, btrim(legal_basis), department_id,
          ARRAY(SELECT DISTINCT x FROM unnest(scenarios) x ORDER BY x),
          ARRAY(SELECT DISTINCT x FROM unnest(coalesce(trigger_kinds, '{}')) x ORDER BY x),
          ARRAY(SELECT DISTINCT x FROM unnest(coalesce(trigger_classes, '{}')) x ORDER BY x),
          min_severity, duration_months, feedback_days, me.login, now(), me.login, now())
  ON CONFLICT ON CONSTRAINT sanction_measure_pkey DO UPDATE
    SET name = excluded.name, kind = excluded.kind, category = excluded.category, legal_basis = excluded.legal_basis,
        department_id = excluded.department_id, scenarios = excluded.scenarios, trigger_kinds = excluded.trigger_kinds,
        trigger_classes = excluded.trigger_classes, min_severity = excluded.min_severity,
        duration_months = excluded.duration_months, feedback_days = excluded.feedback_days,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at
  RETURNING m.* INTO v_new;
  IF v_old.code IS NULL OR (to_jsonb(v_old) - 'created_by' - 'created_at' - 'updated_by' - 'updated_at')
                           IS DISTINCT FROM (to_jsonb(v_new) - 'created_by' - 'created_at' - 'updated_by' - 'updated_at') THEN
    PERFORM sv.audit_append(department_id, 'sanction_measure', v_new.code, CASE WHEN v_old.code IS NULL THEN 'add' ELSE 'change' END,
                            to_jsonb(v_new) - 'code' - 'created_by' - 'created_at' - 'updated_by' - 'updated_at');
  END IF;
  RETURN v_new.code;
END
$fn$;
COMMENT ON FUNCTION sv.sanction_measure_save(text, text, text, text, text, integer, text[], text[], text[], integer, integer, integer) IS
  'Administrators: add or change a joint reward/punishment measure';

CREATE OR REPLACE FUNCTION sv.sanction_measure_retire(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  m sv.sanction_measure;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'reason'], ARRAY[code IS NULL, reason IS NULL]);
  PERFORM sv._require_reason(reason, 'the measure ends');
  PERFORM sv._require_role('keep the measures list', '{sv_admin}');
  SELECT * INTO m FROM sv.sanction_measure x WHERE x.code = sanction_measure_retire.code FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'measure % does not exist', coalesce(quote_literal(code), 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  IF m.retired_on IS NOT NULL THEN
    RAISE EXCEPTION 'measure % is already retired', quote_literal(code)
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.sanction_measure x SET retired_on = sv.local_date(now()), updated_by = me.login, updated_at = now()
   WHERE x.code = m.code;
  PERFORM sv.audit_append(m.department_id, 'sanction_measure', m.code, 'retire', jsonb_build_object('reason', btrim(reason)));
END
$fn$;
COMMENT ON FUNCTION sv.sanction_measure_retire(text, text) IS
  'Administrators: end a measure (it no longer applies; its past hits and feedback stay)';

-- The measures that apply to a subject in a scenario on a day, one row per measure, with the
-- events (or class) that trigger it and the last day it applies (NULL: open).  Reads only.
CREATE OR REPLACE FUNCTION sv._sanction_hits(subject sv.uscc, scenario text, day date)
RETURNS TABLE (measure text, basis text, reason text, until date, measure_name text, measure_kind text,
               department_id integer, feedback_days integer)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH tainted AS (
    -- rewards are for the trustworthy: none while a negative event is in force (and published)
    SELECT EXISTS (SELECT 1 FROM sv.credit_event e
                   WHERE e.uscc = subject AND e.kind <> 'commendation' AND e.decided_on <= day
                     AND (e.valid_until IS NULL OR e.valid_until >= day) AND (e.repaired_on IS NULL OR e.repaired_on > day)
                     AND (e.publication_ends_on IS NULL OR e.publication_ends_on > day)) AS yes
  ), m AS (
    SELECT x.* FROM sv.sanction_measure x, tainted t
    WHERE scenario = ANY (x.scenarios) AND (x.retired_on IS NULL OR x.retired_on > day)
      AND (x.kind = 'punishment' OR NOT t.yes)
  ), by_event AS (
    SELECT m.code, format('%s %s (severity %s, decided %s)', e.kind, e.reference, e.severity, e.decided_on) AS why,
           least(e.valid_until, (e.decided_on + make_interval(months => m.duration_months))::date - 1,
                 e.publication_ends_on - 1) AS until
    FROM m JOIN sv.credit_event e ON e.uscc = subject AND e.kind = ANY (m.trigger_kinds)
    WHERE e.severity >= m.min_severity AND e.decided_on <= day
      AND (e.repaired_on IS NULL OR e.repaired_on > day)
  ), by_class AS (
    SELECT m.code, format('credit class %s since %s (%s)', k.class, sv.local_date(k.assessed_at), k.source) AS why,
           NULL::date AS until
    FROM m JOIN sv.credit_class k ON k.uscc = subject AND k.class = ANY (m.trigger_classes)
  ), hit AS (
    SELECT * FROM by_event WHERE until IS NULL OR until >= day
    UNION ALL
    SELECT * FROM by_class
  )
  SELECT m.code, m.legal_basis, string_agg(h.why, '; ' ORDER BY h.why),
         CASE WHEN bool_or(h.until IS NULL) THEN NULL ELSE max(h.until) END,
         m.name, m.kind, m.department_id, m.feedback_days
  FROM hit h JOIN m ON m.code = h.code
  GROUP BY m.code, m.legal_basis, m.name, m.kind, m.department_id, m.feedback_days
$fn$;

-- The pre-admission check: the measures that apply, each with an obligation for the
-- implementing department to report whether it applied it.
CREATE OR REPLACE FUNCTION sv.credit_check(uscc text, scenario text, reference text DEFAULT NULL)
RETURNS TABLE (measure text, basis text, reason text, until date, measure_name text, measure_kind text,
               feedback_id bigint, feedback_due date)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_day date := sv.local_date(now());
  v_check bigint;
  v_hits jsonb;
BEGIN
  PERFORM sv._require_role('make credit checks', '{sv_admin,sv_integration,sv_officer}');
  -- officers check through a staff mapping (their department answers for the case); the
  -- subject may be anywhere: penalised in one place, restricted everywhere (docs/credit.md)
  PERFORM sv._require_mapping('make credit checks');
  PERFORM sv._require_given(ARRAY['uscc', 'scenario'], ARRAY[uscc IS NULL, scenario IS NULL]);
  PERFORM sv._require_uscc('uscc', uscc);
  PERFORM sv._require_one_of('scenario', scenario, sv._sanction_scenarios());
  IF reference IS NOT NULL AND btrim(reference) = '' THEN
    RAISE EXCEPTION 'reference must be NULL or name the case the check is for' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  INSERT INTO sv.credit_check_log (uscc, scenario, reference, checked_by, checked_at, hits)
  VALUES (uscc::sv.uscc, scenario, btrim(reference), me.login, now(), 0) RETURNING id INTO v_check;
  -- the deadline is counted on the calendar (provisional for a year without a notice)
  WITH hits AS (
    SELECT h.*, sv.add_workdays(v_day, h.feedback_days) AS due_on FROM sv._sanction_hits(uscc::sv.uscc, scenario, v_day) h
  ), made AS (
    INSERT INTO sv.sanction_feedback AS f (check_id, uscc, measure_code, department_id, scenario, case_reference, reason,
                                           until, due_on, feedback_days, due_provisional, created_at)
    SELECT v_check, uscc::sv.uscc, h.measure, h.department_id, credit_check.scenario, btrim(reference), h.reason,
           h.until, h.due_on, h.feedback_days, sv.calendar_provisional_between(v_day, h.due_on), now() FROM hits h
    RETURNING f.*
  )
  SELECT jsonb_agg(jsonb_build_object('measure', f.measure_code, 'feedback', f.id, 'department', f.department_id,
                                      'until', f.until, 'due_on', f.due_on) ORDER BY f.measure_code)
  INTO v_hits FROM made f;
  IF v_hits IS NOT NULL THEN
    UPDATE sv.credit_check_log l SET hits = jsonb_array_length(v_hits) WHERE l.id = v_check;
    -- each implementing department's system is told what it owes (through the outbox, when the
    -- department has an endpoint: sv.department_endpoint; otherwise it reads sv_work)
    PERFORM sv._department_push(f.department_id, 'credit.feedback_request',
              jsonb_build_object('feedback_id', f.id, 'uscc', f.uscc, 'measure', f.measure_code, 'scenario', f.scenario,
                                 'case_reference', f.case_reference, 'reason', f.reason, 'until', f.until, 'due_on', f.due_on),
              'feedback-' || f.id)
    FROM sv.sanction_feedback f WHERE f.check_id = v_check;
    PERFORM sv.audit_append(NULL, 'credit_check', v_check::text, 'hit',
      jsonb_build_object('uscc', uscc::sv.uscc, 'scenario', scenario, 'reference', btrim(reference), 'hits', v_hits));
  END IF;

  RETURN QUERY
  SELECT f.measure_code, m.legal_basis, f.reason, f.until, m.name, m.kind, f.id, f.due_on
  FROM sv.sanction_feedback f JOIN sv.sanction_measure m ON m.code = f.measure_code
  WHERE f.check_id = v_check
  ORDER BY m.kind, f.measure_code;
END
$fn$;
COMMENT ON FUNCTION sv.credit_check(text, text, text) IS
  'Pre-admission credit check (事前准入): the joint reward/punishment measures that apply to a subject in a scenario; each hit is a feedback obligation';

CREATE OR REPLACE FUNCTION sv.sanction_feedback_report(feedback_id bigint, outcome text, note text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  f sv.sanction_feedback;
BEGIN
  PERFORM sv._require_given(ARRAY['feedback_id', 'outcome'], ARRAY[feedback_id IS NULL, outcome IS NULL]);
  PERFORM sv._require_one_of('outcome', outcome, ARRAY['applied', 'not_applicable']);
  IF outcome = 'not_applicable' AND (note IS NULL OR length(btrim(note)) < 4) THEN
    RAISE EXCEPTION 'note must say why the measure was not applicable (at least 4 characters)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_role('report feedback', '{sv_admin,sv_integration,sv_officer}');
  PERFORM sv._require_mapping('report feedback');
  SELECT * INTO f FROM sv.sanction_feedback x WHERE x.id = feedback_id FOR UPDATE;
  -- officers report for their own department; another department's obligation does not exist for them
  IF NOT FOUND OR NOT (me.is_admin OR me.is_integration
                       OR coalesce(f.department_id = sv.scope_department(), false)) THEN
    PERFORM sv._raise_not_yours('feedback_id', format('feedback obligation %s', feedback_id), 'no_data_found');
  END IF;
  IF f.outcome IS NOT NULL THEN
    RAISE EXCEPTION 'feedback obligation % was already reported (%)', feedback_id, f.outcome
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.sanction_feedback x SET outcome = sanction_feedback_report.outcome, note = nullif(btrim(sanction_feedback_report.note), ''),
                                    reported_by = me.login, reported_at = now()
   WHERE x.id = f.id;
  PERFORM sv.audit_append(f.department_id, 'sanction_feedback', f.id::text, 'report',
    jsonb_build_object('outcome', outcome, 'note', nullif(btrim(note), ''), 'due_on', f.due_on,
                       'late', sv.deadline_state('sanction_feedback.due_on', f.due_on, now()) = 'done_late'));
END
$fn$;
COMMENT ON FUNCTION sv.sanction_feedback_report(bigint, text, text) IS
  'The implementing department reports whether it applied a measure (applied / not_applicable with a note)';

GRANT EXECUTE ON FUNCTION sv.sanction_measure_save(text, text, text, text, text, integer, text[], text[], text[], integer, integer, integer),
                          sv.sanction_measure_retire(text, text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.credit_check(text, text, text), sv.sanction_feedback_report(bigint, text, text)
  TO sv_admin, sv_officer, sv_integration;

CREATE VIEW sv_work.sanction_feedback WITH (security_invoker = true) AS
  SELECT f.id, f.uscc, s.name AS subject_name, f.measure_code, m.name AS measure_name, m.kind AS measure_kind,
         sv.label_zh('sanction_measure.kind', m.kind) AS measure_kind_zh,
         f.department_id, d.name_zh AS department_name, f.reason, f.until, f.scenario,
         sv.label_zh('sanction.scenario', f.scenario) AS scenario_zh, f.case_reference,
         f.created_at, f.due_on, f.outcome, sv.label_zh('sanction_feedback.outcome', f.outcome) AS outcome_zh, f.note, f.reported_by, f.reported_at,
         x.state = 'overdue' AS overdue, x.state = 'done_late' AS reported_late, f.due_provisional
  FROM sv.sanction_feedback f
  -- the deadline model (20_calendar.sql, docs/deadlines.md)
  CROSS JOIN LATERAL (SELECT sv.deadline_state('sanction_feedback.due_on', f.due_on, f.reported_at) AS state) x
  JOIN sv.sanction_measure m ON m.code = f.measure_code
  JOIN sv.department d ON d.id = f.department_id
  LEFT JOIN sv.subject s ON s.uscc = f.uscc;
COMMENT ON VIEW sv_work.sanction_feedback IS
  '联合奖惩反馈 / Feedback obligations of the caller''s department (all for the supervision office), with deadlines and lateness';
COMMENT ON COLUMN sv_work.sanction_feedback.id IS '反馈编号';
COMMENT ON COLUMN sv_work.sanction_feedback.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_work.sanction_feedback.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.sanction_feedback.measure_code IS '联合奖惩措施编码';
COMMENT ON COLUMN sv_work.sanction_feedback.measure_name IS '联合奖惩措施名称';
COMMENT ON COLUMN sv_work.sanction_feedback.measure_kind IS '措施类型代码:punishment 失信惩戒, reward 守信激励';
COMMENT ON COLUMN sv_work.sanction_feedback.measure_kind_zh IS '措施类型';
COMMENT ON COLUMN sv_work.sanction_feedback.department_id IS '实施部门编号';
COMMENT ON COLUMN sv_work.sanction_feedback.department_name IS '实施部门名称';
COMMENT ON COLUMN sv_work.sanction_feedback.reason IS '触发原因(信用信息或信用等级)';
COMMENT ON COLUMN sv_work.sanction_feedback.until IS '措施适用截止日期';
COMMENT ON COLUMN sv_work.sanction_feedback.scenario IS '业务场景代码:licensing 行政许可, tendering 招标投标, procurement 政府采购, subsidy 财政补贴, honour 评优评先, public_office 任职资格, financing 融资信贷, inspection 监督检查';
COMMENT ON COLUMN sv_work.sanction_feedback.scenario_zh IS '业务场景';
COMMENT ON COLUMN sv_work.sanction_feedback.case_reference IS '业务办件编号';
COMMENT ON COLUMN sv_work.sanction_feedback.created_at IS '核查时间';
COMMENT ON COLUMN sv_work.sanction_feedback.due_on IS '反馈截止日期';
COMMENT ON COLUMN sv_work.sanction_feedback.outcome IS '反馈结果代码:applied 已实施, not_applicable 不适用';
COMMENT ON COLUMN sv_work.sanction_feedback.outcome_zh IS '反馈结果';
COMMENT ON COLUMN sv_work.sanction_feedback.note IS '反馈说明';
COMMENT ON COLUMN sv_work.sanction_feedback.reported_by IS '反馈人';
COMMENT ON COLUMN sv_work.sanction_feedback.reported_at IS '反馈时间';
COMMENT ON COLUMN sv_work.sanction_feedback.overdue IS '是否逾期未反馈';
COMMENT ON COLUMN sv_work.sanction_feedback.reported_late IS '是否逾期反馈';
COMMENT ON COLUMN sv_work.sanction_feedback.due_provisional IS '反馈期限按临时日历计算(国务院通知未发布),通知发布后重新计算';

CREATE VIEW sv_work.sanction_feedback_open WITH (security_invoker = true) AS
  SELECT f.id, f.uscc, f.subject_name, f.measure_code, f.measure_name, f.department_name, f.reason, f.scenario,
         f.scenario_zh, f.case_reference, f.due_on, f.overdue, f.due_provisional
  FROM sv_work.sanction_feedback f
  WHERE f.outcome IS NULL;
COMMENT ON VIEW sv_work.sanction_feedback_open IS '待反馈的联合奖惩措施 / Feedback still to report, overdue ones flagged';
COMMENT ON COLUMN sv_work.sanction_feedback_open.id IS '反馈编号';
COMMENT ON COLUMN sv_work.sanction_feedback_open.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_work.sanction_feedback_open.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.sanction_feedback_open.measure_code IS '联合奖惩措施编码';
COMMENT ON COLUMN sv_work.sanction_feedback_open.measure_name IS '联合奖惩措施名称';
COMMENT ON COLUMN sv_work.sanction_feedback_open.department_name IS '实施部门名称';
COMMENT ON COLUMN sv_work.sanction_feedback_open.reason IS '触发原因(信用信息或信用等级)';
COMMENT ON COLUMN sv_work.sanction_feedback_open.scenario IS '业务场景代码:licensing 行政许可, tendering 招标投标, procurement 政府采购, subsidy 财政补贴, honour 评优评先, public_office 任职资格, financing 融资信贷, inspection 监督检查';
COMMENT ON COLUMN sv_work.sanction_feedback_open.scenario_zh IS '业务场景';
COMMENT ON COLUMN sv_work.sanction_feedback_open.case_reference IS '业务办件编号';
COMMENT ON COLUMN sv_work.sanction_feedback_open.due_on IS '反馈截止日期';
COMMENT ON COLUMN sv_work.sanction_feedback_open.overdue IS '是否逾期未反馈';
COMMENT ON COLUMN sv_work.sanction_feedback_open.due_provisional IS '反馈期限按临时日历计算(国务院通知未发布),通知发布后重新计算';

-- The closed-loop rate per department and month of the check (aggregates only).
CREATE VIEW sv_bi.sanction_feedback AS
  SELECT d.code AS department_code, d.name_zh AS department_name,
         date_trunc('month', sv.local_date(f.created_at))::date AS month,
         count(*) AS obligations,
         count(*) FILTER (WHERE f.outcome = 'applied') AS applied,
         count(*) FILTER (WHERE f.outcome = 'not_applicable') AS not_applicable,
         count(*) FILTER (WHERE x.state = 'done_on_time') AS reported_on_time,
         count(*) FILTER (WHERE f.outcome IS NULL) AS open,
         count(*) FILTER (WHERE x.state = 'overdue') AS overdue
  FROM sv.sanction_feedback f
  CROSS JOIN LATERAL (SELECT sv.deadline_state('sanction_feedback.due_on', f.due_on, f.reported_at) AS state) x
  JOIN sv.department d ON d.id = f.department_id
  GROUP BY d.code, d.name_zh, date_trunc('month', sv.local_date(f.created_at));
COMMENT ON VIEW sv_bi.sanction_feedback IS
  '联合奖惩反馈闭环统计 / Joint reward/punishment feedback per department and month: obligations, applied, on time, open, overdue';
COMMENT ON COLUMN sv_bi.sanction_feedback.department_code IS '部门代码';
COMMENT ON COLUMN sv_bi.sanction_feedback.department_name IS '部门名称';
COMMENT ON COLUMN sv_bi.sanction_feedback.month IS '月份(核查所在月)';
COMMENT ON COLUMN sv_bi.sanction_feedback.obligations IS '应反馈数';
COMMENT ON COLUMN sv_bi.sanction_feedback.applied IS '已实施数';
COMMENT ON COLUMN sv_bi.sanction_feedback.not_applicable IS '不适用数';
COMMENT ON COLUMN sv_bi.sanction_feedback.reported_on_time IS '按时反馈数';
COMMENT ON COLUMN sv_bi.sanction_feedback.open IS '未反馈数';
COMMENT ON COLUMN sv_bi.sanction_feedback.overdue IS '逾期未反馈数';

-- sv:rerun (the labels of the sanction codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('sanction_measure.kind', ARRAY[['punishment', '失信惩戒'], ['reward', '守信激励']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('sanction.scenario', ARRAY[['licensing', '行政许可'], ['tendering', '招标投标'],
  ['procurement', '政府采购'], ['subsidy', '财政补贴'], ['honour', '评优评先'], ['public_office', '任职资格'],
  ['financing', '融资信贷'], ['inspection', '监督检查']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('sanction_feedback.outcome', ARRAY[['applied', '已实施'], ['not_applicable', '不适用']]);

GRANT SELECT ON sv_work.sanction_feedback, sv_work.sanction_feedback_open TO sv_officer, sv_admin, sv_auditor;

-- The feedback deadline on the calendar (20_calendar.sql): open until reported.
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('sanction_feedback.due_on', '联合奖惩反馈期限', 'sv.sanction_feedback', 'sanction_feedback', 't.id::text',
   't.id = $1::bigint', 't.department_id', 'sv.local_date(t.created_at)', 't.feedback_days', 'due_on', 'due_provisional',
   't.outcome IS NULL', 't.reported_at', 1, $$t.measure_code || ' ' || t.uscc::text$$)::sv.calendar_deadline);
GRANT SELECT ON sv_bi.sanction_feedback TO sv_bi, sv_auditor, sv_admin;
