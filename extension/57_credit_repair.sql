-- ---------------------------------------------------------------------------------------------
-- 57_credit_repair: credit repair (信用修复): an application to stop an event counting, its
-- rule checks, a decision by another person, and the effects.
--
-- Table:      sv.credit_repair (applied -> approved | rejected)
-- Functions:  sv.credit_repair_apply(uscc, event_id, reason, evidence, obligations_performed)
--             sv.credit_repair_decide(repair_id, approve, note)
-- View:       sv_work.credit_repair
-- Rules (checked when applying and again when deciding):
--   * the event is a negative one of a published kind (penalty, abnormal operation, serious
--     dishonesty list), still in force and still published (a penalty whose publication ended
--     needs no repair; complaints, failed inspections, overdue reports are never published);
--   * the minimum publication period has passed for penalties and the serious dishonesty list:
--     6 months, 12 months in food, drugs and special equipment (from publication, else decision);
--   * the obligations are performed (fine paid, rectified), with evidence;
--   * no repeat: no later negative event of the subject that is still in force and unrepaired.
-- Effects of approval: the event stops counting from that day (scores, classes, sanction
-- measures, publication), the subject is rescored with the current model, all audited.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.credit_repair (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uscc                  sv.uscc NOT NULL,
  event_id              bigint NOT NULL,
  department_id         integer REFERENCES sv.department (id),   -- the event's department: it decides
  reason                text NOT NULL,
  evidence              jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'object'),
  obligations_performed boolean NOT NULL,
  status                text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'approved', 'rejected')),
  applied_by            text NOT NULL,
  applied_at            timestamptz NOT NULL,
  decided_by            text,
  decided_at            timestamptz,
  decision_note         text,
  ended_measures        text[],                                  -- measures the event triggered, ended by approval
  FOREIGN KEY (uscc, event_id) REFERENCES sv.credit_event (uscc, id),
  CHECK ((status = 'applied') = (decided_at IS NULL)),
  CHECK ((decided_at IS NULL) = (decided_by IS NULL))
);
CREATE UNIQUE INDEX credit_repair_open_idx ON sv.credit_repair (uscc, event_id) WHERE status = 'applied';
COMMENT ON TABLE sv.credit_repair IS 'Credit repair applications (信用修复申请) and their decisions';
ALTER TABLE sv.credit_repair ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_repair FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_repair_department ON sv.credit_repair FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY credit_repair_all ON sv.credit_repair FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true);
GRANT SELECT ON sv.credit_repair TO sv_officer, sv_admin, sv_auditor, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_repair', '');
SELECT pg_catalog.pg_extension_config_dump('sv.credit_repair_id_seq', '');

-- Why an event cannot be repaired on a day, as (SQLSTATE, message), or NULL when it can.
CREATE OR REPLACE FUNCTION sv._credit_repair_problem(e sv.credit_event, day date) RETURNS text[]
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH p AS (
    SELECT coalesce(e.published_on, e.decided_on) AS start,
           CASE WHEN e.sector IN ('food', 'drug', 'special_equipment') THEN 12 ELSE 6 END AS months
  ), later AS (
    SELECT x.kind, x.reference, x.decided_on FROM sv.credit_event x
    WHERE x.uscc = e.uscc AND x.id <> e.id AND x.kind <> 'commendation' AND x.decided_on > e.decided_on
      AND x.decided_on <= day AND (x.valid_until IS NULL OR x.valid_until >= day) AND x.repaired_on IS NULL
    ORDER BY x.decided_on, x.id LIMIT 1
  )
  SELECT CASE
    WHEN e.repaired_on IS NOT NULL
      THEN ARRAY['55000', format('event %s was already repaired', e.id)]
    WHEN e.kind = 'commendation' THEN ARRAY['22023', 'a commendation is not repaired: repair is for negative events']
    -- complaints, failed inspections and overdue reports are never published (their
    -- publication_ends_on is NULL like a listing's without an end): nothing to repair
    WHEN e.kind NOT IN ('administrative_penalty', 'abnormal_operation', 'serious_dishonesty')
      THEN ARRAY['22023', format('event %s is a %s, which is never published: there is nothing to repair', e.id, e.kind)]
    WHEN e.valid_until < day
      THEN ARRAY['55000', format('event %s ended on %s: it no longer counts, nothing to repair', e.id, e.valid_until)]
    WHEN e.publication_ends_on <= day
      THEN ARRAY['55000', format('publication of event %s ended on %s: it is no longer shown, nothing to repair',
                                 e.id, e.publication_ends_on - 1)]
    WHEN e.kind IN ('administrative_penalty', 'serious_dishonesty') AND day < (p.start + make_interval(months => p.months))::date
      THEN ARRAY['55000', format('the minimum publication period of %s months from %s has not passed: repair is possible from %s',
                                 p.months, p.start, (p.start + make_interval(months => p.months))::date)]
    WHEN l.kind IS NOT NULL
      THEN ARRAY['55000', format('a later %s %s was decided on %s: no repair after a repeat (it must be repaired first)',
                                 l.kind, l.reference, l.decided_on)]
  END
  FROM p LEFT JOIN later l ON true
$fn$;

CREATE OR REPLACE FUNCTION sv._credit_repair_event(uscc text, event_id bigint) RETURNS sv.credit_event
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  e sv.credit_event;
BEGIN
  PERFORM sv._require_uscc('uscc', uscc);
  PERFORM sv._require_given(ARRAY['event_id'], ARRAY[event_id IS NULL]);
  SELECT * INTO e FROM sv.credit_event x WHERE x.uscc = _credit_repair_event.uscc::sv.uscc AND x.id = event_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'credit event % of subject % does not exist', event_id, uscc::sv.uscc USING ERRCODE = 'no_data_found';
  END IF;
  RETURN e;
END
$fn$;

CREATE OR REPLACE FUNCTION sv.credit_repair_apply(uscc text, event_id bigint, reason text, evidence jsonb,
                                       obligations_performed boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  me record := sv._caller();
  e sv.credit_event;
  v_problem text[];
  v_id bigint;
BEGIN
  PERFORM sv._require_role('file credit repair applications', '{sv_admin,sv_integration,sv_officer}');
  PERFORM sv._require_mapping('file credit repair applications');
  PERFORM sv._require_given(ARRAY['uscc', 'event_id', 'reason', 'evidence', 'obligations_performed'], ARRAY[uscc IS NULL, event_id IS NULL, reason IS NULL, evidence IS NULL, obligations_performed IS NULL]);
  PERFORM sv._require_uscc('uscc', uscc);
  -- officers file for their own department's events (at its service window); to them another
  -- department's event and no event at all look the same
  IF NOT (me.is_admin OR me.is_integration)
     AND NOT EXISTS (SELECT 1 FROM sv.credit_event x WHERE x.uscc = credit_repair_apply.uscc::sv.uscc AND x.id = event_id
                       AND x.department_id = sv.scope_department()) THEN
    PERFORM sv._raise_not_yours('event_id', format('event %s of subject %s', event_id, uscc::sv.uscc));
  END IF;
  e := sv._credit_repair_event(uscc, event_id);
  PERFORM sv._require_reason(reason, 'the subject asks for repair');
  IF evidence IS NULL OR jsonb_typeof(evidence) <> 'object' OR evidence = '{}' THEN
    RAISE EXCEPTION 'evidence must be a JSON object naming the proof (receipt of the fine, rectification report, credit commitment)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF obligations_performed IS NOT TRUE THEN
    RAISE EXCEPTION 'obligations_performed: the obligations of the decision (fine paid, rectification) must be performed before repair'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_problem := sv._credit_repair_problem(e, sv.local_date(now()));
  IF v_problem IS NOT NULL THEN
    PERFORM sv._raise_reject(v_problem[1], v_problem[2], NULL);
  END IF;
  INSERT INTO sv.credit_repair (uscc, event_id, department_id, reason, evidence, obligations_performed, applied_by, applied_at)
  VALUES (e.uscc, e.id, e.department_id, btrim(reason), evidence, true, me.login, now())
  ON CONFLICT (uscc, event_id) WHERE status = 'applied' DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    RAISE EXCEPTION 'an application to repair event % is already open', e.id USING ERRCODE = 'unique_violation';
  END IF;
  PERFORM sv.audit_append(e.department_id, 'credit_repair', v_id::text, 'apply',
    jsonb_build_object('uscc', e.uscc, 'event', e.id, 'kind', e.kind, 'reference', e.reference,
                       'reason', btrim(reason), 'evidence', evidence));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.credit_repair_apply(text, bigint, text, jsonb, boolean) IS
  'File a credit repair application for an event (rules checked at once); returns its id';

CREATE OR REPLACE FUNCTION sv.credit_repair_decide(repair_id bigint, approve boolean, note text)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  a sv.credit_repair;
  e sv.credit_event;
  v_day date := sv.local_date(now());
  v_problem text[];
  v_measures text[];
  m sv.credit_model;
  v_class text;
BEGIN
  PERFORM sv._require_given(ARRAY['repair_id', 'approve', 'note'], ARRAY[repair_id IS NULL, approve IS NULL, note IS NULL]);
  PERFORM sv._require_reason(note, CASE WHEN approve THEN 'the repair is approved' ELSE 'the repair is refused' END);
  PERFORM sv._require_role('decide credit repairs', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('decide credit repairs');
  SELECT * INTO a FROM sv.credit_repair x WHERE x.id = repair_id FOR UPDATE;
  IF NOT FOUND OR NOT (me.is_admin OR coalesce(a.department_id = sv.scope_department(), false)) THEN
    PERFORM sv._raise_not_yours('repair_id', format('credit repair application %s', repair_id), 'no_data_found');
  END IF;
  IF a.status <> 'applied' THEN
    RAISE EXCEPTION 'credit repair application % was already decided (%)', repair_id, a.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF a.applied_by = me.login THEN
    RAISE EXCEPTION 'application % was filed by "%": another person decides it', repair_id, me.login
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO e FROM sv.credit_event x WHERE x.uscc = a.uscc AND x.id = a.event_id FOR UPDATE;
  IF approve THEN
    -- the rules again: a new penalty may have come since the application
    v_problem := sv._credit_repair_problem(e, v_day);
    IF v_problem IS NOT NULL THEN
      PERFORM sv._raise_reject(v_problem[1], v_problem[2], NULL);
    END IF;
    SELECT array_agg(x.code ORDER BY x.code) INTO v_measures FROM sv.sanction_measure x
    WHERE e.kind = ANY (x.trigger_kinds) AND e.severity >= x.min_severity AND (x.retired_on IS NULL OR x.retired_on > v_day);
    UPDATE sv.credit_event x SET repaired_on = v_day, publication_ends_on = least(x.publication_ends_on, v_day),
                                 updated_at = now()
     WHERE x.uscc = e.uscc AND x.id = e.id;
    SELECT * INTO m FROM sv.credit_model x WHERE x.is_current;
    IF FOUND THEN
      PERFORM sv._credit_store_classes(m, v_day, ARRAY[e.uscc], now());
      SELECT k.class INTO v_class FROM sv.credit_class k WHERE k.uscc = e.uscc;
    END IF;
  END IF;
  UPDATE sv.credit_repair x SET status = CASE WHEN approve THEN 'approved' ELSE 'rejected' END, decided_by = me.login,
                                decided_at = now(), decision_note = btrim(note), ended_measures = v_measures
   WHERE x.id = a.id
  RETURNING x.* INTO a;
  PERFORM sv.audit_append(a.department_id, 'credit_repair', a.id::text, a.status,
    jsonb_build_object('uscc', a.uscc, 'event', a.event_id, 'note', a.decision_note, 'repaired_on',
                       CASE WHEN approve THEN v_day END, 'ended_measures', v_measures, 'class_now', v_class));
  RETURN a.status;
END
$fn$;
COMMENT ON FUNCTION sv.credit_repair_decide(bigint, boolean, text) IS
  'The event''s department (or an administrator, not the applicant) approves or refuses a credit repair';

GRANT EXECUTE ON FUNCTION sv.credit_repair_apply(text, bigint, text, jsonb, boolean) TO sv_admin, sv_officer, sv_integration;
GRANT EXECUTE ON FUNCTION sv.credit_repair_decide(bigint, boolean, text) TO sv_admin, sv_officer;

CREATE VIEW sv_work.credit_repair WITH (security_invoker = true) AS
  SELECT r.id, r.uscc, s.name AS subject_name, r.event_id, e.kind AS event_kind,
         sv.label_zh('credit_event.kind', e.kind) AS event_kind_zh, e.reference AS event_reference,
         e.decided_on AS event_decided_on, r.department_id, d.name_zh AS department_name, r.reason, r.evidence,
         r.status, sv.label_zh('credit_repair.status', r.status) AS status_zh, r.applied_by, r.applied_at,
         r.decided_by, r.decided_at, r.decision_note, r.ended_measures
  FROM sv.credit_repair r
  JOIN sv.credit_event e ON e.uscc = r.uscc AND e.id = r.event_id
  JOIN sv.subject s ON s.uscc = r.uscc
  LEFT JOIN sv.department d ON d.id = r.department_id;
COMMENT ON VIEW sv_work.credit_repair IS '信用修复申请 / Credit repair applications of the caller''s department and their decisions';
COMMENT ON COLUMN sv_work.credit_repair.id IS '信用修复申请编号';
COMMENT ON COLUMN sv_work.credit_repair.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_work.credit_repair.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.credit_repair.event_id IS '信用信息编号';
COMMENT ON COLUMN sv_work.credit_repair.event_kind IS '信用信息类型代码:administrative_penalty 行政处罚, abnormal_operation 经营异常名录, serious_dishonesty 严重违法失信名单';
COMMENT ON COLUMN sv_work.credit_repair.event_kind_zh IS '信用信息类型';
COMMENT ON COLUMN sv_work.credit_repair.event_reference IS '决定文书号';
COMMENT ON COLUMN sv_work.credit_repair.event_decided_on IS '决定日期';
COMMENT ON COLUMN sv_work.credit_repair.department_id IS '作出决定部门编号(负责审核)';
COMMENT ON COLUMN sv_work.credit_repair.department_name IS '作出决定部门名称';
COMMENT ON COLUMN sv_work.credit_repair.reason IS '申请理由';
COMMENT ON COLUMN sv_work.credit_repair.evidence IS '证明材料(JSON)';
COMMENT ON COLUMN sv_work.credit_repair.status IS '状态代码:applied 已申请, approved 已准予修复, rejected 不予修复';
COMMENT ON COLUMN sv_work.credit_repair.status_zh IS '状态';
COMMENT ON COLUMN sv_work.credit_repair.applied_by IS '申请人';
COMMENT ON COLUMN sv_work.credit_repair.applied_at IS '申请时间';
COMMENT ON COLUMN sv_work.credit_repair.decided_by IS '审核人';
COMMENT ON COLUMN sv_work.credit_repair.decided_at IS '审核时间';
COMMENT ON COLUMN sv_work.credit_repair.decision_note IS '审核意见';
COMMENT ON COLUMN sv_work.credit_repair.ended_measures IS '因修复而终止的联合奖惩措施';
-- sv:rerun (the labels of the status codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('credit_repair.status', ARRAY[['applied', '已申请'], ['approved', '已准予修复'],
  ['rejected', '不予修复']]);
GRANT SELECT ON sv_work.credit_repair TO sv_officer, sv_admin, sv_auditor;
