-- ---------------------------------------------------------------------------------------------
-- 73_joint_inspection: enter once, inspect for all (进一次门、查多项事) and the limit on repeated
-- inspections of one enterprise (《国务院办公厅关于严格规范涉企行政检查的意见》国办发〔2024〕54号:
-- 合并检查 / 联合检查, 控制检查频次), issue 19; docs/joint.md.
--
-- When the draws of several departments hit the same subject in a period, one joint inspection
-- is proposed; a joint draw plan made for it records the proposal (sv.draw_plan.joint_proposal_id,
-- written by the draw's own sv._draw_plan_record_proposal).  A subject inspected more often in a
-- year than the cap in force for its region is listed, with the cap's basis.  The draw and the
-- actions are read through their views (sv_work.draw_task, sv_work.draw_plan_partner,
-- sv_work.action), as the owner.
--
-- Tables:     sv.joint_proposal (one per subject and period: the departments and plans, its
--             state), sv.inspection_cap (the annual cap per region, with its basis)
-- Functions:  sv.joint_proposal_scan(period_from, period_to) (administrators),
--             sv.joint_proposal_adopt(proposal_id, plan_id) (the lead of the joint plan),
--             sv.joint_proposal_dismiss(proposal_id, reason) (administrators),
--             sv.inspection_cap_set(region_code, cap, basis) (administrators of the region),
--             sv.repeat_inspections(year) (subjects inspected more than the cap)
-- Views:      sv_work.joint_proposal, sv_work.repeat_inspection (this year)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.joint_proposal (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uscc           sv.uscc NOT NULL,
  period_from    date NOT NULL,
  period_to      date NOT NULL,
  departments    integer[] NOT NULL,         -- the departments whose draws hit the subject, in id order
  plans          text[] NOT NULL,            -- their plans' codes
  state          text NOT NULL DEFAULT 'proposed',
  plan_id        bigint REFERENCES sv.draw_plan (id),   -- the joint plan that took it up
  proposed_by    text NOT NULL,
  proposed_at    timestamptz NOT NULL,
  decided_by     text,
  decided_at     timestamptz,
  dismiss_reason text,
  CONSTRAINT joint_proposal_once UNIQUE (uscc, period_from, period_to),
  CONSTRAINT joint_proposal_period_check CHECK (period_to >= period_from AND period_to - period_from <= 366),
  CONSTRAINT joint_proposal_departments_check CHECK (cardinality(departments) BETWEEN 2 AND 50),
  CONSTRAINT joint_proposal_plans_check CHECK (cardinality(plans) BETWEEN 2 AND 100),
  CONSTRAINT joint_proposal_state_check CHECK (state IN ('proposed', 'adopted', 'dismissed')),
  CONSTRAINT joint_proposal_decided_check CHECK ((state = 'proposed') = (decided_at IS NULL AND decided_by IS NULL)
                                                 AND (state = 'adopted') = (plan_id IS NOT NULL)
                                                 AND (state = 'dismissed') = (dismiss_reason IS NOT NULL)),
  CONSTRAINT joint_proposal_reason_check CHECK (char_length(dismiss_reason) <= 500)
);
CREATE INDEX joint_proposal_uscc_idx ON sv.joint_proposal (uscc);
COMMENT ON TABLE sv.joint_proposal IS
  'Joint-inspection proposals (进一次门、查多项事): a subject drawn by several departments in one period, to be inspected once by all';
ALTER TABLE sv.joint_proposal ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_proposal FORCE ROW LEVEL SECURITY;
CREATE POLICY joint_proposal_department ON sv.joint_proposal FOR SELECT TO sv_officer
  USING (sv.scope_department() = ANY (departments));
CREATE POLICY joint_proposal_all ON sv.joint_proposal FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.joint_proposal TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.joint_proposal', '');
SELECT pg_catalog.pg_extension_config_dump('sv.joint_proposal_id_seq', '');

CREATE TABLE sv.inspection_cap (
  region_code text NOT NULL REFERENCES sv.region (code),
  cap         integer NOT NULL,       -- inspections of one subject a year, all departments together
  basis       text NOT NULL,
  set_by      text NOT NULL,
  set_at      timestamptz NOT NULL,
  CONSTRAINT inspection_cap_pkey PRIMARY KEY (region_code),
  CONSTRAINT inspection_cap_cap_check CHECK (cap BETWEEN 1 AND 366),
  CONSTRAINT inspection_cap_basis_check CHECK (basis = btrim(basis) AND basis <> '' AND char_length(basis) <= 500)
);
COMMENT ON TABLE sv.inspection_cap IS
  'Annual cap on inspections of one subject (国办发〔2024〕54号: 控制检查频次) per region, with its basis; a region without one follows the nearest above';
ALTER TABLE sv.inspection_cap ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.inspection_cap FORCE ROW LEVEL SECURITY;
CREATE POLICY inspection_cap_read ON sv.inspection_cap FOR SELECT TO sv_officer, sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.inspection_cap TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.inspection_cap', '');

-- Propose a joint inspection for every subject that drawn tasks of two or more departments (in
-- two or more plans) hit in [period_from, period_to]: tasks not yet carried out whose plan's
-- inspection period overlaps it.  Once per subject and period (a scan again proposes only what
-- is new).  Administrators.  Returns the proposals made.
CREATE OR REPLACE FUNCTION sv.joint_proposal_scan(period_from date, period_to date)
RETURNS TABLE (proposal_id bigint, uscc sv.uscc, subject_name text, departments integer[], plans text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  r record;
BEGIN
  PERFORM sv._require_given(ARRAY['period_from', 'period_to'], ARRAY[period_from IS NULL, period_to IS NULL]);
  PERFORM sv._require_role('propose joint inspections', '{sv_admin}');
  PERFORM sv._require_date('period_from', period_from);
  PERFORM sv._require_date('period_to', period_to);
  IF period_to < period_from OR period_to - period_from > 366 THEN
    RAISE EXCEPTION 'period_to must be on or after period_from and at most 366 days later, not % to %', period_from, period_to
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.joint_proposal_scan'), 0);
  FOR r IN
    SELECT t.uscc, min(t.subject_name) AS subject_name,
           array_agg(DISTINCT pp.department_id ORDER BY pp.department_id) AS departments,
           array_agg(DISTINCT t.plan_code ORDER BY t.plan_code) AS plans
    FROM sv_work.draw_task t
    JOIN sv_work.draw_plan_partner pp ON pp.plan_code = t.plan_code
    WHERE t.status IN ('open', 'overdue') AND t.check_from <= joint_proposal_scan.period_to
      AND t.check_to >= joint_proposal_scan.period_from
    GROUP BY t.uscc
    HAVING count(DISTINCT pp.department_id) >= 2 AND count(DISTINCT t.plan_code) >= 2
    ORDER BY t.uscc
  LOOP
    INSERT INTO sv.joint_proposal AS x (uscc, period_from, period_to, departments, plans, proposed_by, proposed_at)
    VALUES (r.uscc, joint_proposal_scan.period_from, joint_proposal_scan.period_to, r.departments, r.plans, me.login, now())
    ON CONFLICT ON CONSTRAINT joint_proposal_once DO NOTHING
    RETURNING x.id INTO proposal_id;
    CONTINUE WHEN proposal_id IS NULL;
    PERFORM sv.audit_append(NULL, 'joint_proposal', proposal_id::text, 'propose',
      jsonb_build_object('uscc', r.uscc, 'period_from', joint_proposal_scan.period_from,
                         'period_to', joint_proposal_scan.period_to, 'departments', r.departments, 'plans', r.plans));
    uscc := r.uscc; subject_name := r.subject_name; departments := r.departments; plans := r.plans;
    RETURN NEXT;
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION sv.joint_proposal_scan(date, date) IS
  'Administrators: propose one joint inspection (进一次门、查多项事) for each subject several departments'' draws hit in a period';

-- A proposal taken up by a draft joint plan: the plan holds every department of the proposal and
-- its inspection period overlaps the proposal's; the plan records the proposal (the draw's own
-- sv._draw_plan_record_proposal: the plan's lead department acts, a draft, a joint plan).
CREATE OR REPLACE FUNCTION sv.joint_proposal_adopt(proposal_id bigint, plan_id bigint) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  j sv.joint_proposal;
  p sv.draw_plan;
  v_missing integer[];
BEGIN
  PERFORM sv._require_given(ARRAY['proposal_id', 'plan_id'], ARRAY[proposal_id IS NULL, plan_id IS NULL]);
  PERFORM sv._require_role('adopt joint-inspection proposals', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('adopt joint-inspection proposals');
  SELECT * INTO j FROM sv.joint_proposal x WHERE x.id = proposal_id FOR UPDATE;
  IF j.id IS NULL OR NOT (me.is_admin OR coalesce(me.department_id = ANY (j.departments), false)) THEN
    PERFORM sv._raise_not_yours('proposal_id', format('joint-inspection proposal %s', proposal_id), 'no_data_found');
  END IF;
  IF j.state <> 'proposed' THEN
    RAISE EXCEPTION 'joint-inspection proposal % is %: it cannot be adopted', j.id, j.state
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  p := sv._draw_plan_record_proposal(plan_id, j.id);
  SELECT array_agg(d ORDER BY d) INTO v_missing FROM unnest(j.departments) d
  WHERE NOT EXISTS (SELECT 1 FROM sv_work.draw_plan_partner pp WHERE pp.plan_code = p.code AND pp.department_id = d);
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION 'plan_id: plan % lacks department(s) % of the proposal', quote_literal(p.code), array_to_string(v_missing, ', ')
      USING ERRCODE = 'invalid_parameter_value', HINT = 'A joint inspection takes every department the proposal names.';
  END IF;
  IF p.check_from > j.period_to OR p.check_to < j.period_from THEN
    RAISE EXCEPTION 'plan_id: plan % inspects from % to %, outside the proposal''s period % to %', quote_literal(p.code),
      p.check_from, p.check_to, j.period_from, j.period_to USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE sv.joint_proposal x SET state = 'adopted', plan_id = p.id, decided_by = me.login, decided_at = now() WHERE x.id = j.id;
  PERFORM sv.audit_append(p.lead_department_id, 'joint_proposal', j.id::text, 'adopt',
                          jsonb_build_object('plan_id', p.id, 'plan_code', p.code));
  RETURN p.code;
END
$fn$;
COMMENT ON FUNCTION sv.joint_proposal_adopt(bigint, bigint) IS
  'The lead of a draft joint draw plan takes up a joint-inspection proposal: the plan records it; returns the plan''s code';

CREATE OR REPLACE FUNCTION sv.joint_proposal_dismiss(proposal_id bigint, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  j sv.joint_proposal;
BEGIN
  PERFORM sv._require_given(ARRAY['proposal_id', 'reason'], ARRAY[proposal_id IS NULL, reason IS NULL]);
  PERFORM sv._require_role('dismiss joint-inspection proposals', '{sv_admin}');
  PERFORM sv._require_reason(reason, 'the proposal is dismissed');
  PERFORM sv._require_label('reason', reason, 500);
  SELECT * INTO j FROM sv.joint_proposal x WHERE x.id = proposal_id FOR UPDATE;
  IF j.id IS NULL THEN
    RAISE EXCEPTION 'proposal_id: joint-inspection proposal % does not exist', proposal_id USING ERRCODE = 'no_data_found';
  END IF;
  IF j.state <> 'proposed' THEN
    RAISE EXCEPTION 'joint-inspection proposal % is %: it cannot be dismissed', j.id, j.state
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.joint_proposal x SET state = 'dismissed', dismiss_reason = btrim(reason), decided_by = me.login, decided_at = now()
   WHERE x.id = j.id;
  PERFORM sv.audit_append(NULL, 'joint_proposal', j.id::text, 'dismiss', jsonb_build_object('reason', btrim(reason)));
END
$fn$;
COMMENT ON FUNCTION sv.joint_proposal_dismiss(bigint, text) IS 'Administrators: dismiss a joint-inspection proposal, with the reason';

-- The annual cap of a region (administrators of that region): inspections of one subject a year,
-- every department together, and the document it rests on.
CREATE OR REPLACE FUNCTION sv.inspection_cap_set(region_code text, cap integer, basis text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_basis text;
BEGIN
  PERFORM sv._require_given(ARRAY['region_code', 'cap', 'basis'], ARRAY[region_code IS NULL, cap IS NULL, basis IS NULL]);
  PERFORM sv._require_role('set the inspection cap', '{sv_admin}');
  PERFORM sv._require_region('region_code', region_code);
  IF cap NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION 'cap must be 1 to 366 inspections a year, not %', cap USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_text('basis', basis);
  v_basis := sv._require_label('basis', basis, 500);
  PERFORM sv._require_admin_scope(region_code);
  INSERT INTO sv.inspection_cap AS c (region_code, cap, basis, set_by, set_at)
  VALUES (region_code, cap, v_basis, me.login, now())
  ON CONFLICT ON CONSTRAINT inspection_cap_pkey DO UPDATE SET cap = excluded.cap, basis = excluded.basis, set_by = excluded.set_by,
                                                              set_at = excluded.set_at;
  PERFORM sv.audit_append(NULL, 'inspection_cap', region_code, 'set', jsonb_build_object('cap', cap, 'basis', v_basis));
END
$fn$;
COMMENT ON FUNCTION sv.inspection_cap_set(text, integer, text) IS
  'Administrators of the region: the annual cap on inspections of one subject (国办发〔2024〕54号), with its basis';

-- The cap in force for a region: its own, or the nearest region above with one (no row: none).
CREATE OR REPLACE FUNCTION sv._inspection_cap_of(region_code text)
RETURNS TABLE (cap integer, region_code text, basis text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH RECURSIVE up(code, depth) AS (
    SELECT _inspection_cap_of.region_code, 0
    UNION ALL
    SELECT r.parent_code, up.depth + 1 FROM up JOIN sv.region r ON r.code = up.code
    WHERE r.parent_code IS NOT NULL AND up.depth < 16)
  SELECT x.cap, x.region_code, x.basis FROM up JOIN sv.inspection_cap x ON x.region_code = up.code
  ORDER BY up.depth LIMIT 1
$fn$;

-- Subjects inspected more often in a year than the cap in force for their region (the region's
-- own, or the nearest region above with one): every department's inspections together.
-- Administrators and auditors: every subject; officers: the subjects in their region scope.
CREATE OR REPLACE FUNCTION sv.repeat_inspections(year integer)
RETURNS TABLE (uscc sv.uscc, subject_name text, region_code text, inspection_year integer, inspections bigint, departments integer[],
               cap integer, cap_region text, basis text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['year'], ARRAY[repeat_inspections.year IS NULL]);
  PERFORM sv._require_role('read repeated inspections', '{sv_admin,sv_auditor,sv_officer}');
  IF NOT (me.is_admin OR me.is_auditor) THEN
    PERFORM sv._require_mapping('read repeated inspections');
  END IF;
  IF repeat_inspections.year NOT BETWEEN 2000 AND 2100 THEN
    RAISE EXCEPTION 'year must be 2000 to 2100, not %', repeat_inspections.year USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH counted AS (
    SELECT a.uscc, min(a.subject_name) AS subject_name, count(*) AS n,
           array_agg(DISTINCT a.department_id ORDER BY a.department_id) AS departments
    FROM sv_work.action a
    WHERE a.kind = 'inspection' AND a.started_on >= make_date(repeat_inspections.year, 1, 1)
      AND a.started_on < make_date(repeat_inspections.year + 1, 1, 1)
    GROUP BY a.uscc
  )
  SELECT c.uscc, c.subject_name, s.region_code, repeat_inspections.year, c.n, c.departments, k.cap, k.region_code, k.basis
  FROM counted c
  JOIN sv.subject s ON s.uscc = c.uscc
  CROSS JOIN LATERAL sv._inspection_cap_of(s.region_code) k
  WHERE c.n > k.cap
    AND (me.is_admin OR me.is_auditor OR s.region_code = ANY (me.regions))
  ORDER BY c.n DESC, c.uscc;
END
$fn$;
COMMENT ON FUNCTION sv.repeat_inspections(integer) IS
  'Subjects inspected more often in a year than the cap in force for their region (国办发〔2024〕54号), with the cap''s basis';

GRANT EXECUTE ON FUNCTION sv.joint_proposal_scan(date, date), sv.joint_proposal_dismiss(bigint, text),
                          sv.inspection_cap_set(text, integer, text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.joint_proposal_adopt(bigint, bigint) TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.repeat_inspections(integer) TO sv_admin, sv_auditor, sv_officer;

-- sv:rerun (the labels of the proposal states, 05_code_label: every update registers them again)
SELECT sv._code_label_register('joint_proposal.state', ARRAY[['proposed', '待采纳'], ['adopted', '已纳入联合抽查计划'],
  ['dismissed', '不予采纳']]);

CREATE VIEW sv_work.joint_proposal WITH (security_invoker = true) AS
  SELECT j.id, j.uscc, s.name AS subject_name, j.period_from, j.period_to, j.departments,
         ARRAY(SELECT d.name_zh FROM unnest(j.departments) x JOIN sv.department d ON d.id = x ORDER BY x) AS department_names,
         j.plans, j.state, sv.label_zh('joint_proposal.state', j.state) AS state_zh, p.code AS plan_code, j.proposed_at, j.decided_by, j.decided_at, j.dismiss_reason
  FROM sv.joint_proposal j
  LEFT JOIN sv.subject s ON s.uscc = j.uscc
  LEFT JOIN sv.draw_plan p ON p.id = j.plan_id;
COMMENT ON VIEW sv_work.joint_proposal IS
  '联合检查建议(进一次门、查多项事) / Joint-inspection proposals that concern the caller''s department (all for the supervision office and administrators)';
COMMENT ON COLUMN sv_work.joint_proposal.id IS '建议编号';
COMMENT ON COLUMN sv_work.joint_proposal.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_work.joint_proposal.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.joint_proposal.period_from IS '期间起';
COMMENT ON COLUMN sv_work.joint_proposal.period_to IS '期间止';
COMMENT ON COLUMN sv_work.joint_proposal.departments IS '涉及部门编号';
COMMENT ON COLUMN sv_work.joint_proposal.department_names IS '涉及部门';
COMMENT ON COLUMN sv_work.joint_proposal.plans IS '涉及抽查计划编号';
COMMENT ON COLUMN sv_work.joint_proposal.state IS '状态代码:proposed 待采纳, adopted 已纳入联合抽查计划, dismissed 不予采纳';
COMMENT ON COLUMN sv_work.joint_proposal.state_zh IS '状态';
COMMENT ON COLUMN sv_work.joint_proposal.plan_code IS '联合抽查计划编号';
COMMENT ON COLUMN sv_work.joint_proposal.proposed_at IS '提出时间';
COMMENT ON COLUMN sv_work.joint_proposal.decided_by IS '处理人';
COMMENT ON COLUMN sv_work.joint_proposal.decided_at IS '处理时间';
COMMENT ON COLUMN sv_work.joint_proposal.dismiss_reason IS '不予采纳理由';
GRANT SELECT ON sv_work.joint_proposal TO sv_officer, sv_admin, sv_auditor;

CREATE VIEW sv_work.repeat_inspection WITH (security_invoker = true) AS
  SELECT r.uscc, r.subject_name, r.region_code, r.inspection_year, r.inspections, r.departments, r.cap, r.cap_region, r.basis
  FROM sv.repeat_inspections(extract(year FROM sv.local_date(now()))::integer) r;
COMMENT ON VIEW sv_work.repeat_inspection IS
  '重复检查预警 / Subjects inspected this year more often than the cap in force for their region (国办发〔2024〕54号), in the caller''s scope';
COMMENT ON COLUMN sv_work.repeat_inspection.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_work.repeat_inspection.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.repeat_inspection.region_code IS '所在行政区划代码';
COMMENT ON COLUMN sv_work.repeat_inspection.inspection_year IS '年度';
COMMENT ON COLUMN sv_work.repeat_inspection.inspections IS '本年度行政检查次数(各部门合计)';
COMMENT ON COLUMN sv_work.repeat_inspection.departments IS '实施检查部门编号';
COMMENT ON COLUMN sv_work.repeat_inspection.cap IS '年度检查次数上限';
COMMENT ON COLUMN sv_work.repeat_inspection.cap_region IS '上限设定的行政区划代码';
COMMENT ON COLUMN sv_work.repeat_inspection.basis IS '上限依据';
GRANT SELECT ON sv_work.repeat_inspection TO sv_officer, sv_admin, sv_auditor;

-- Joint inspection's interface to repeated inspections (read by risk, 66_risk.sql), as known
-- at a moment: each inspection (received by as_of) that is beyond the annual cap of its
-- subject's region (as sv.repeat_inspections: the region's own cap or the nearest above), i.e.
-- numbered after the cap among the subject's inspections of its calendar year in the order
-- started, with started_on between from_day and to_day.  known_at: its receipt.
CREATE OR REPLACE FUNCTION sv.inspection_beyond_cap(from_day date, to_day date, as_of timestamptz,
                                                    usccs sv.uscc[] DEFAULT NULL)
RETURNS TABLE (id bigint, uscc sv.uscc, department_id integer, started_on date, number_in_year bigint, cap integer,
               known_at timestamptz)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT n.id, n.uscc, n.department_id, n.started_on, n.k, c.cap, n.received_at
  FROM (SELECT a.id, a.uscc, a.department_id, a.started_on, a.received_at,
               row_number() OVER (PARTITION BY a.uscc, extract(year FROM a.started_on) ORDER BY a.started_on, a.id) AS k
        FROM sv.action a
        WHERE a.kind = 'inspection' AND a.received_at <= as_of AND (usccs IS NULL OR a.uscc = ANY (usccs))
          AND a.started_on >= make_date(extract(year FROM from_day)::integer, 1, 1) AND a.started_on <= to_day) n
  JOIN sv.subject s ON s.uscc = n.uscc
  CROSS JOIN LATERAL sv._inspection_cap_of(s.region_code) c
  WHERE n.started_on >= from_day AND n.k > c.cap
$fn$;
COMMENT ON FUNCTION sv.inspection_beyond_cap(date, date, timestamptz, sv.uscc[]) IS
  'Inspections beyond the annual cap of their subject''s region, as known at a moment (read by risk scans)';

-- The risk signal repeat_inspection (66_risk.sql, sv._risk_signal_more calls it by name): the
-- inspections beyond the cap started from_day..to_day, as the rows of sv._risk_signal.
CREATE OR REPLACE FUNCTION sv._risk_signal_repeat_inspection(from_day date, to_day date, as_of timestamptz,
                                                             usccs sv.uscc[])
RETURNS TABLE (uscc sv.uscc, industry text, region_code text, month date, source jsonb, known_at timestamptz)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT a.uscc, left(s.industry, 1), s.region_code, date_trunc('month', a.started_on)::date,
         jsonb_build_object('table', 'action', 'uscc', a.uscc, 'id', a.id, 'day', a.started_on,
                            'number_in_year', a.number_in_year, 'cap', a.cap, 'department_id', a.department_id),
         a.known_at
  FROM sv.inspection_beyond_cap(from_day, to_day, as_of, usccs) a JOIN sv.subject s ON s.uscc = a.uscc
$fn$;
COMMENT ON FUNCTION sv._risk_signal_repeat_inspection(date, date, timestamptz, sv.uscc[]) IS
  'The risk signal repeat_inspection: inspections beyond the annual cap, as risk signal rows';
