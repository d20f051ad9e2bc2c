-- ---------------------------------------------------------------------------------------------
-- 65_linkage: approval–supervision linkage (审管联动: 双推送、双回路), the outbox's first user.
--
-- Push one way: the approval system reports a licensing decision (sv.approval_receive); the
-- supervising department follows from the power list (谁审批、谁监管；谁主管、谁监管), gets a
-- supervision obligation with a claim deadline (2 working days) and a first-action deadline
-- (per power item), and a message through the outbox.  It claims (签收) and reports results.
-- Push back: a result that affects the licence (rectification failed, penalty, suspension,
-- revocation proposal) goes to the approving department, which must acknowledge it.
--
-- Tables:     sv.linkage_rule (deadlines per power item), sv.linkage (one per approval),
--             sv.linkage_result (results; those affecting the licence are the back loop)
-- Functions:  sv.approval_receive(payload), sv.linkage_claim(id), sv.linkage_report(id, ...),
--             sv.linkage_acknowledge(result_id, note), sv.linkage_rule_set
-- Messages go to the departments' systems through the outbox (48_outbox.sql:
-- sv.department_endpoint, sv.department_endpoint_set, sv._department_push)
-- Views:      sv_work.linkage_loop (every loop: department, due, open/closed, overdue),
--             sv_bi.linkage_loops (per department)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.linkage_rule (
  power_code        text PRIMARY KEY,
  first_action_days integer NOT NULL CHECK (first_action_days BETWEEN 1 AND 250),
  ack_days          integer NOT NULL CHECK (ack_days BETWEEN 1 AND 60),
  set_by            text NOT NULL,
  set_at            timestamptz NOT NULL
);
COMMENT ON TABLE sv.linkage_rule IS
  'Working-day deadlines per licensing power item: first supervision action, acknowledgment of results (defaults 20 and 5)';

CREATE TABLE sv.linkage (
  id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_system             text NOT NULL,
  approval_id               text NOT NULL,
  uscc                      sv.uscc NOT NULL,    -- no foreign key: the register may lag the licence
  subject_name              text NOT NULL,
  power_code                text NOT NULL,
  decision                  text NOT NULL CHECK (decision IN ('granted', 'changed', 'renewed')),
  licence_no                text NOT NULL,
  decided_on                date NOT NULL,
  valid_until               date,
  approving_department_id   integer NOT NULL REFERENCES sv.department (id),
  supervising_department_id integer NOT NULL REFERENCES sv.department (id),
  payload                   jsonb NOT NULL,     -- as received
  received_by               text NOT NULL,
  received_at               timestamptz NOT NULL,
  push_message              uuid,               -- outbox message to the supervising department
  claim_due                 date NOT NULL,
  claimed_at                timestamptz,
  claimed_by                text,
  first_action_due          date NOT NULL,
  first_action_at           timestamptz,
  -- the deadlines' working days (the claim: 2) and whether each was counted over a year without
  -- a State Council notice: recomputed when the notice is loaded, while open (20_calendar.sql)
  first_action_days         integer NOT NULL DEFAULT 20,
  claim_due_provisional     boolean NOT NULL DEFAULT false,
  first_action_due_provisional boolean NOT NULL DEFAULT false,
  UNIQUE (source_system, approval_id),
  CHECK ((claimed_at IS NULL) = (claimed_by IS NULL)),
  CHECK (first_action_at IS NULL OR claimed_at IS NOT NULL)
);
CREATE INDEX linkage_supervising_idx ON sv.linkage (supervising_department_id, claim_due);
CREATE INDEX linkage_approving_idx ON sv.linkage (approving_department_id);
CREATE INDEX linkage_uscc_idx ON sv.linkage (uscc);
COMMENT ON TABLE sv.linkage IS 'Approval–supervision linkage (审管联动): one supervision obligation per licensing decision';

CREATE TABLE sv.linkage_result (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  linkage_id       bigint NOT NULL REFERENCES sv.linkage (id),
  kind             text NOT NULL CHECK (kind IN ('inspected_compliant', 'rectification_ordered', 'rectified',
                                                 'rectification_failed', 'penalty', 'suspension', 'revocation_proposal',
                                                 'other')),
  summary          text NOT NULL,
  action_reference text,              -- e.g. the action or decision number
  affects_licence  boolean NOT NULL,
  reported_by      text NOT NULL,
  reported_at      timestamptz NOT NULL,
  push_message     uuid,              -- outbox message to the approving department
  ack_due          date,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  ack_note         text,
  ack_days         integer,           -- working days for the acknowledgment (ack_due counts them)
  ack_due_provisional boolean NOT NULL DEFAULT false,   -- counted over a year without a notice
  CHECK (affects_licence = (ack_due IS NOT NULL)),
  CHECK (acknowledged_at IS NULL OR affects_licence)
);
CREATE INDEX linkage_result_linkage_idx ON sv.linkage_result (linkage_id);
COMMENT ON TABLE sv.linkage_result IS 'Supervision results of a linkage; those affecting the licence are pushed back and acknowledged (双回路)';

-- sv:rerun (re-applied by every update: docs/upgrades.md)
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['linkage_rule', 'linkage', 'linkage_result'] LOOP
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('CREATE POLICY %I ON sv.%I FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true)',
                              t || '_all', t);
    EXECUTE pg_catalog.format('GRANT SELECT ON sv.%I TO sv_admin, sv_auditor, sv_integration, sv_officer', t);
    EXECUTE pg_catalog.format('SELECT pg_catalog.pg_extension_config_dump(%L, %L)', 'sv.' || t, '');
  END LOOP;
END
$rls$;
SELECT pg_catalog.pg_extension_config_dump('sv.linkage_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sv.linkage_result_id_seq', '');
-- officers: the rules; the linkages where their department approves or supervises
CREATE POLICY linkage_rule_officer ON sv.linkage_rule FOR SELECT TO sv_officer USING (true);
CREATE POLICY linkage_officer ON sv.linkage FOR SELECT TO sv_officer
  USING (supervising_department_id = sv.scope_department() OR approving_department_id = sv.scope_department());
CREATE POLICY linkage_result_officer ON sv.linkage_result FOR SELECT TO sv_officer
  USING (EXISTS (SELECT 1 FROM sv.linkage l WHERE l.id = linkage_id
                   AND (l.supervising_department_id = sv.scope_department() OR l.approving_department_id = sv.scope_department())));

CREATE OR REPLACE FUNCTION sv.linkage_rule_set(power_code text, first_action_days integer, ack_days integer DEFAULT 5) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['power_code', 'first_action_days', 'ack_days'],
                            ARRAY[power_code IS NULL, first_action_days IS NULL, ack_days IS NULL]);
  PERFORM sv._require_role('set linkage deadlines', '{sv_admin}');
  IF NOT EXISTS (SELECT 1 FROM sv.power_item p WHERE p.code = linkage_rule_set.power_code AND p.kind = 'licensing') THEN
    RAISE EXCEPTION 'power_code: % is not a licensing item of the power list', coalesce(quote_literal(power_code), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF first_action_days IS NULL OR first_action_days NOT BETWEEN 1 AND 250 THEN
    RAISE EXCEPTION 'first_action_days must be 1 to 250 working days, not %', coalesce(first_action_days::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ack_days IS NULL OR ack_days NOT BETWEEN 1 AND 60 THEN
    RAISE EXCEPTION 'ack_days must be 1 to 60 working days, not %', coalesce(ack_days::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO sv.linkage_rule AS r (power_code, first_action_days, ack_days, set_by, set_at)
  VALUES (power_code, first_action_days, ack_days, me.login, now())
  ON CONFLICT ON CONSTRAINT linkage_rule_pkey DO UPDATE SET first_action_days = excluded.first_action_days,
    ack_days = excluded.ack_days, set_by = excluded.set_by, set_at = excluded.set_at;
  PERFORM sv.audit_append(NULL, 'linkage_rule', power_code, 'set',
                          jsonb_build_object('first_action_days', first_action_days, 'ack_days', ack_days));
END
$fn$;
COMMENT ON FUNCTION sv.linkage_rule_set(text, integer, integer) IS
  'Administrators: working-day deadlines of a licensing power item (first action, acknowledgment)';

-- The approval system reports a licensing decision.  Payload fields: approval_id, uscc,
-- subject_name, power_code, decision (granted, changed, renewed), licence_no, decided_on,
-- valid_until (optional), approving_department (code or id).  The same approval id again
-- returns the first linkage (a resend pushes nothing twice).
CREATE OR REPLACE FUNCTION sv.approval_receive(payload jsonb, source_system text DEFAULT 'approval') RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  v_day date := sv.local_date(now());
  v_bad text;
  v_power sv.power_item;
  v_dept integer;
  v_supervising integer;
  v_decided date;
  v_until date;
  v_rule sv.linkage_rule;
  v_id bigint;
  l sv.linkage;
BEGIN
  PERFORM sv._require_given(ARRAY['payload', 'source_system'], ARRAY[payload IS NULL, source_system IS NULL]);
  PERFORM sv._require_role('report approval decisions', '{sv_admin,sv_integration}',
    'The approval system logs in as a member of sv_integration.');
  PERFORM sv._require_code('source_system', source_system);
  IF jsonb_typeof(payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad FROM jsonb_object_keys(payload) k
  WHERE k <> ALL (ARRAY['approval_id', 'uscc', 'subject_name', 'power_code', 'decision', 'licence_no', 'decided_on',
                        'valid_until', 'approving_department']);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'payload: unknown field(s) %', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad
  FROM unnest(ARRAY['approval_id', 'uscc', 'subject_name', 'power_code', 'decision', 'licence_no', 'decided_on',
                    'approving_department']) k
  WHERE coalesce(btrim(payload ->> k), '') = '' OR jsonb_typeof(payload -> k) NOT IN ('string', 'number');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'payload: % must be given (strings)', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- a resend of the same approval
  SELECT * INTO l FROM sv.linkage x WHERE x.source_system = approval_receive.source_system
                                      AND x.approval_id = btrim(payload ->> 'approval_id');
  IF FOUND THEN
    RETURN l.id;
  END IF;

  PERFORM sv._require_uscc('payload.uscc', payload ->> 'uscc');
  SELECT * INTO v_power FROM sv.power_item p WHERE p.code = btrim(payload ->> 'power_code');
  IF NOT FOUND OR v_power.kind <> 'licensing' THEN
    RAISE EXCEPTION 'payload.power_code: % is not a licensing item of the power list', quote_literal(payload ->> 'power_code')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM sv._require_one_of('payload.decision', payload ->> 'decision', ARRAY['granted', 'changed', 'renewed']);
  v_decided := sv._parse_date(payload ->> 'decided_on');
  IF v_decided IS NULL OR v_decided > v_day THEN
    RAISE EXCEPTION 'payload.decided_on must be a date written YYYY-MM-DD, not in the future, not %',
      quote_literal(payload ->> 'decided_on') USING ERRCODE = 'invalid_datetime_format';
  END IF;
  IF payload ? 'valid_until' AND jsonb_typeof(payload -> 'valid_until') <> 'null' THEN
    v_until := sv._parse_date(payload ->> 'valid_until');
    IF v_until IS NULL OR v_until < v_decided THEN
      RAISE EXCEPTION 'payload.valid_until must be a date written YYYY-MM-DD, not before decided_on, not %',
        quote_literal(payload ->> 'valid_until') USING ERRCODE = 'invalid_datetime_format';
    END IF;
  END IF;
  v_dept := sv._department_id(payload ->> 'approving_department');
  IF v_dept IS NULL THEN
    RAISE EXCEPTION 'payload.approving_department: department % does not exist', quote_literal(payload ->> 'approving_department')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF v_dept <> v_power.approving_department_id THEN
    RAISE EXCEPTION 'payload.approving_department: power item % is approved by department %, not %',
      quote_literal(v_power.code), v_power.approving_department_id, v_dept USING ERRCODE = 'check_violation';
  END IF;
  v_supervising := sv.supervising_department(v_power.code);
  SELECT * INTO v_rule FROM sv.linkage_rule r WHERE r.power_code = v_power.code;

  INSERT INTO sv.linkage (source_system, approval_id, uscc, subject_name, power_code, decision, licence_no, decided_on,
                          valid_until, approving_department_id, supervising_department_id, payload, received_by,
                          received_at, claim_due, first_action_due, first_action_days, claim_due_provisional,
                          first_action_due_provisional)
  VALUES (btrim(source_system), btrim(payload ->> 'approval_id'), (payload ->> 'uscc')::sv.uscc,
          btrim(payload ->> 'subject_name'), v_power.code, payload ->> 'decision', btrim(payload ->> 'licence_no'), v_decided,
          v_until, v_dept, v_supervising, payload, me.login, now(),
          sv.add_workdays(v_day, 2), sv.add_workdays(v_day, coalesce(v_rule.first_action_days, 20)),
          coalesce(v_rule.first_action_days, 20),
          sv.calendar_provisional_between(v_day, sv.add_workdays(v_day, 2)),
          sv.calendar_provisional_between(v_day, sv.add_workdays(v_day, coalesce(v_rule.first_action_days, 20))))
  RETURNING * INTO l;
  UPDATE sv.linkage x SET push_message = sv._department_push(l.supervising_department_id, 'linkage.approval',
      jsonb_build_object('linkage_id', l.id, 'approval', payload, 'supervising_department', l.supervising_department_id,
                         'claim_due', l.claim_due, 'first_action_due', l.first_action_due),
      'linkage-' || l.id)
  WHERE x.id = l.id RETURNING x.push_message INTO l.push_message;
  PERFORM sv.audit_append(l.supervising_department_id, 'linkage', l.id::text, 'receive',
    jsonb_build_object('approval_id', l.approval_id, 'uscc', l.uscc, 'power_code', l.power_code, 'licence_no', l.licence_no,
                       'approving_department', l.approving_department_id, 'claim_due', l.claim_due,
                       'first_action_due', l.first_action_due, 'pushed', l.push_message IS NOT NULL));
  RETURN l.id;
END
$fn$;
COMMENT ON FUNCTION sv.approval_receive(jsonb, text) IS
  'The approval system reports a licensing decision: a supervision obligation for the supervising department, pushed to its system';

-- The linkage for a write by the caller's department (supervising or approving), locked.
CREATE OR REPLACE FUNCTION sv._linkage_for(linkage_id bigint, side text) RETURNS sv.linkage
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  l sv.linkage;
BEGIN
  IF linkage_id IS NULL THEN
    RAISE EXCEPTION 'linkage_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_role('act on linkages', '{sv_admin,sv_integration,sv_officer}');
  SELECT * INTO l FROM sv.linkage x WHERE x.id = linkage_id FOR UPDATE;
  IF NOT FOUND OR NOT (me.is_admin OR me.is_integration
                       OR coalesce(CASE side WHEN 'supervising' THEN l.supervising_department_id
                                             ELSE l.approving_department_id END = sv.scope_department(), false)) THEN
    PERFORM sv._raise_not_yours('linkage_id', format('linkage %s (%s department)', linkage_id, side), 'no_data_found');
  END IF;
  RETURN l;
END
$fn$;

CREATE OR REPLACE FUNCTION sv.linkage_claim(linkage_id bigint) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  l sv.linkage := sv._linkage_for(linkage_id, 'supervising');
BEGIN
  IF l.claimed_at IS NOT NULL THEN
    RAISE EXCEPTION 'linkage % was already claimed by "%"', l.id, l.claimed_by USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.linkage x SET claimed_at = now(), claimed_by = sv._outer_user() WHERE x.id = l.id;
  PERFORM sv.audit_append(l.supervising_department_id, 'linkage', l.id::text, 'claim',
    jsonb_build_object('claim_due', l.claim_due, 'late', sv.deadline_state('linkage.claim_due', l.claim_due, now()) = 'done_late'));
  RETURN now();
END
$fn$;
COMMENT ON FUNCTION sv.linkage_claim(bigint) IS 'The supervising department claims (签收) a supervision obligation';

CREATE OR REPLACE FUNCTION sv.linkage_report(linkage_id bigint, kind text, summary text, action_reference text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  l sv.linkage;
  v_affects boolean;
  v_ack integer;
  r sv.linkage_result;
BEGIN
  PERFORM sv._require_given(ARRAY['linkage_id', 'kind', 'summary'], ARRAY[linkage_id IS NULL, kind IS NULL, summary IS NULL]);
  l := sv._linkage_for(linkage_id, 'supervising');
  PERFORM sv._require_one_of('kind', kind, ARRAY['inspected_compliant', 'rectification_ordered', 'rectified',
                                                 'rectification_failed', 'penalty', 'suspension', 'revocation_proposal', 'other']);
  IF summary IS NULL OR length(btrim(summary)) < 4 THEN
    RAISE EXCEPTION 'summary must describe the result (at least 4 characters)' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF l.claimed_at IS NULL THEN
    RAISE EXCEPTION 'linkage % is not claimed yet: claim it first (sv.linkage_claim)', l.id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_affects := kind IN ('rectification_failed', 'penalty', 'suspension', 'revocation_proposal');
  SELECT x.ack_days INTO v_ack FROM sv.linkage_rule x WHERE x.power_code = l.power_code;
  INSERT INTO sv.linkage_result AS x (linkage_id, kind, summary, action_reference, affects_licence, reported_by, reported_at,
                                      ack_due, ack_days, ack_due_provisional)
  SELECT l.id, kind, btrim(summary), nullif(btrim(action_reference), ''), v_affects, sv._outer_user(), now(),
         a.due, a.days, coalesce(sv.calendar_provisional_between(sv.local_date(now()), a.due), false)
  FROM (SELECT CASE WHEN v_affects THEN sv.add_workdays(sv.local_date(now()), coalesce(v_ack, 5)) END AS due,
               CASE WHEN v_affects THEN coalesce(v_ack, 5) END AS days) a
  RETURNING x.* INTO r;
  IF v_affects THEN
    -- 双回路: back to the department that granted the licence
    UPDATE sv.linkage_result x SET push_message = sv._department_push(l.approving_department_id, 'linkage.result',
        jsonb_build_object('linkage_id', l.id, 'result_id', r.id, 'approval_id', l.approval_id, 'uscc', l.uscc,
                           'licence_no', l.licence_no, 'kind', r.kind, 'summary', r.summary,
                           'action_reference', r.action_reference, 'ack_due', r.ack_due),
        'linkage-result-' || r.id)
    WHERE x.id = r.id RETURNING x.push_message INTO r.push_message;
  END IF;
  UPDATE sv.linkage x SET first_action_at = coalesce(x.first_action_at, now()) WHERE x.id = l.id;
  PERFORM sv.audit_append(l.supervising_department_id, 'linkage_result', r.id::text, 'report',
    jsonb_build_object('linkage', l.id, 'kind', r.kind, 'affects_licence', v_affects, 'ack_due', r.ack_due,
                       'first_action_late', l.first_action_at IS NULL
                         AND sv.deadline_state('linkage.first_action_due', l.first_action_due, now()) = 'done_late'));
  RETURN r.id;
END
$fn$;
COMMENT ON FUNCTION sv.linkage_report(bigint, text, text, text) IS
  'The supervising department reports a result; one affecting the licence is pushed back to the approving department';

CREATE OR REPLACE FUNCTION sv.linkage_acknowledge(result_id bigint, note text DEFAULT NULL) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r sv.linkage_result;
  l sv.linkage;
BEGIN
  IF result_id IS NULL THEN
    RAISE EXCEPTION 'result_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO r FROM sv.linkage_result x WHERE x.id = result_id FOR UPDATE;
  l := sv._linkage_for(coalesce(r.linkage_id, -1), 'approving');
  IF NOT r.affects_licence THEN
    RAISE EXCEPTION 'result % does not affect the licence: nothing to acknowledge', r.id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF r.acknowledged_at IS NOT NULL THEN
    RAISE EXCEPTION 'result % was already acknowledged by "%"', r.id, r.acknowledged_by
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.linkage_result x SET acknowledged_at = now(), acknowledged_by = sv._outer_user(), ack_note = nullif(btrim(note), '')
  WHERE x.id = r.id;
  PERFORM sv.audit_append(l.approving_department_id, 'linkage_result', r.id::text, 'acknowledge',
    jsonb_build_object('linkage', l.id, 'note', nullif(btrim(note), ''), 'ack_due', r.ack_due,
                       'late', sv.deadline_state('linkage_result.ack_due', r.ack_due, now()) = 'done_late'));
  RETURN now();
END
$fn$;
COMMENT ON FUNCTION sv.linkage_acknowledge(bigint, text) IS
  'The approving department acknowledges a result that affects the licence (closes the back loop)';

GRANT EXECUTE ON FUNCTION sv.linkage_rule_set(text, integer, integer) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.approval_receive(jsonb, text) TO sv_admin, sv_integration;
GRANT EXECUTE ON FUNCTION sv.linkage_claim(bigint), sv.linkage_report(bigint, text, text, text),
                          sv.linkage_acknowledge(bigint, text) TO sv_admin, sv_officer, sv_integration;

-- Every loop with the department that owes the next step: claim and first action (supervising
-- department), acknowledgment of each licence-affecting result (approving department).
CREATE VIEW sv_work.linkage_loop WITH (security_invoker = true) AS
  SELECT s.linkage_id, s.result_id, s.step, sv.label_zh('linkage.step', s.step) AS step_zh, s.department_id,
         d.name_zh AS department_name, s.uscc, s.subject_name, s.power_code, s.licence_no,
         s.due_on, s.done_at, x.state = 'overdue' AS overdue, x.state = 'done_late' AS done_late, s.due_provisional
  FROM (
    SELECT l.id AS linkage_id, NULL::bigint AS result_id, 'claim' AS step, 'linkage.claim_due' AS deadline,
           l.supervising_department_id AS department_id, l.uscc, l.subject_name, l.power_code, l.licence_no,
           l.claim_due AS due_on, l.claimed_at AS done_at, l.claim_due_provisional AS due_provisional
    FROM sv.linkage l
    UNION ALL
    SELECT l.id, NULL, 'first_action', 'linkage.first_action_due', l.supervising_department_id, l.uscc, l.subject_name,
           l.power_code, l.licence_no, l.first_action_due, l.first_action_at, l.first_action_due_provisional
    FROM sv.linkage l
    UNION ALL
    SELECT l.id, r.id, 'acknowledge', 'linkage_result.ack_due', l.approving_department_id, l.uscc, l.subject_name,
           l.power_code, l.licence_no, r.ack_due, r.acknowledged_at, r.ack_due_provisional
    FROM sv.linkage_result r JOIN sv.linkage l ON l.id = r.linkage_id
    WHERE r.affects_licence) s
  -- the deadline model (20_calendar.sql, docs/deadlines.md)
  CROSS JOIN LATERAL (SELECT sv.deadline_state(s.deadline, s.due_on, s.done_at) AS state) x
  JOIN sv.department d ON d.id = s.department_id;
COMMENT ON VIEW sv_work.linkage_loop IS
  '审管联动环节 / Every step of both loops (claim, first action, acknowledgment) with the department that owes it, due date, done, overdue';
COMMENT ON COLUMN sv_work.linkage_loop.linkage_id IS '审管联动编号';
COMMENT ON COLUMN sv_work.linkage_loop.result_id IS '监管结果编号(回复确认环节)';
COMMENT ON COLUMN sv_work.linkage_loop.step IS '环节代码:claim 签收, first_action 首次监管, acknowledge 回复确认';
COMMENT ON COLUMN sv_work.linkage_loop.step_zh IS '环节';
COMMENT ON COLUMN sv_work.linkage_loop.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.linkage_loop.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_work.linkage_loop.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_work.linkage_loop.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.linkage_loop.power_code IS '权责事项编码';
COMMENT ON COLUMN sv_work.linkage_loop.licence_no IS '许可证号';
COMMENT ON COLUMN sv_work.linkage_loop.due_on IS '办理期限';
COMMENT ON COLUMN sv_work.linkage_loop.done_at IS '办结时间';
COMMENT ON COLUMN sv_work.linkage_loop.overdue IS '是否逾期未办结';
COMMENT ON COLUMN sv_work.linkage_loop.done_late IS '是否逾期办结';
COMMENT ON COLUMN sv_work.linkage_loop.due_provisional IS '办理期限按临时日历计算(国务院通知未发布),通知发布后重新计算';

-- Analysis: counts per department and step.  Owner-run over the tables, like the other sv_bi
-- views (sv_bi holds no grant on sv.linkage; reading the security_invoker sv_work view would
-- check the caller's table privileges): aggregates only, no subject or licence.
CREATE VIEW sv_bi.linkage_loops AS
  SELECT d.code AS department_code, d.name_zh AS department_name, x.step, sv.label_zh('linkage.step', x.step) AS step_zh,
         count(*) FILTER (WHERE x.done_at IS NULL) AS open,
         count(*) FILTER (WHERE y.state = 'overdue') AS overdue,
         count(*) FILTER (WHERE x.done_at IS NOT NULL) AS closed,
         count(*) FILTER (WHERE y.state = 'done_late') AS closed_late
  FROM (SELECT 'claim' AS step, 'linkage.claim_due' AS deadline, l.supervising_department_id AS department_id,
               l.claim_due AS due_on, l.claimed_at AS done_at
        FROM sv.linkage l
        UNION ALL
        SELECT 'first_action', 'linkage.first_action_due', l.supervising_department_id, l.first_action_due, l.first_action_at
        FROM sv.linkage l
        UNION ALL
        SELECT 'acknowledge', 'linkage_result.ack_due', l.approving_department_id, r.ack_due, r.acknowledged_at
        FROM sv.linkage_result r JOIN sv.linkage l ON l.id = r.linkage_id
        WHERE r.affects_licence) x
  CROSS JOIN LATERAL (SELECT sv.deadline_state(x.deadline, x.due_on, x.done_at) AS state) y
  JOIN sv.department d ON d.id = x.department_id
  GROUP BY d.code, d.name_zh, x.step;
COMMENT ON VIEW sv_bi.linkage_loops IS '审管联动环节统计 / open, overdue, closed and late linkage steps per department';
COMMENT ON COLUMN sv_bi.linkage_loops.department_code IS '部门代码';
COMMENT ON COLUMN sv_bi.linkage_loops.department_name IS '部门名称';
COMMENT ON COLUMN sv_bi.linkage_loops.step IS '环节代码:claim 签收, first_action 首次监管, acknowledge 回复确认';
COMMENT ON COLUMN sv_bi.linkage_loops.step_zh IS '环节';
COMMENT ON COLUMN sv_bi.linkage_loops.open IS '未办结';
COMMENT ON COLUMN sv_bi.linkage_loops.overdue IS '已逾期';
COMMENT ON COLUMN sv_bi.linkage_loops.closed IS '已办结';
COMMENT ON COLUMN sv_bi.linkage_loops.closed_late IS '逾期办结';
-- sv:rerun (the labels of the steps, 05_code_label: every update registers them again)
SELECT sv._code_label_register('linkage.step', ARRAY[['claim', '签收'], ['first_action', '首次监管'],
  ['acknowledge', '回复确认']]);
GRANT SELECT ON sv_work.linkage_loop TO sv_officer, sv_admin, sv_auditor;

-- The three deadlines on the calendar (20_calendar.sql): claim and first action of the
-- supervising department, acknowledgment of the approving department; each open until done.
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(d) FROM unnest(ARRAY[
  ROW('linkage.claim_due', '审管联动签收期限', 'sv.linkage', 'linkage', 't.id::text', 't.id = $1::bigint',
   't.supervising_department_id', 'sv.local_date(t.received_at)', '2', 'claim_due', 'claim_due_provisional',
   't.claimed_at IS NULL', 't.claimed_at', 1, $$t.licence_no || ' ' || t.subject_name$$)::sv.calendar_deadline,
  ROW('linkage.first_action_due', '审管联动首次监管期限', 'sv.linkage', 'linkage', 't.id::text', 't.id = $1::bigint',
   't.supervising_department_id', 'sv.local_date(t.received_at)', 't.first_action_days', 'first_action_due',
   'first_action_due_provisional', 't.first_action_at IS NULL', 't.first_action_at', 5,
   $$t.licence_no || ' ' || t.subject_name$$)::sv.calendar_deadline,
  ROW('linkage_result.ack_due', '审管联动回复确认期限', 'sv.linkage_result', 'linkage_result', 't.id::text', 't.id = $1::bigint',
   '(SELECT l.approving_department_id FROM sv.linkage l WHERE l.id = t.linkage_id)', 'sv.local_date(t.reported_at)',
   't.ack_days', 'ack_due', 'ack_due_provisional', 't.affects_licence AND t.acknowledged_at IS NULL', 't.acknowledged_at', 1,
   $$(SELECT l.licence_no || ' ' || l.subject_name FROM sv.linkage l WHERE l.id = t.linkage_id) || ': ' || t.kind$$
   )::sv.calendar_deadline]) d;
GRANT SELECT ON sv_bi.linkage_loops TO sv_bi, sv_auditor, sv_admin;

-- Linkage's interface to licence signals (read by risk, 66_risk.sql), as known at a moment:
--   expiring: each licence (uscc, licence_no) whose latest decision received by as_of has a
--             valid_until, dated to its notice day, notice_days before valid_until, between
--             from_day and to_day; known_at: the later of the receipt and the notice day's start
--             (a renewal received before then ends it);
--   revocation_proposal, suspension: the results of those kinds reported (the platform is told of
--             a revocation as the supervising department's proposal; the approving department
--             decides), dated to the day reported.
CREATE OR REPLACE FUNCTION sv.linkage_licence_signal(from_day date, to_day date, as_of timestamptz, notice_days integer,
                                                     usccs sv.uscc[] DEFAULT NULL)
RETURNS TABLE (kind text, linkage_id bigint, result_id bigint, uscc sv.uscc, licence_no text, power_code text,
               department_id integer, day date, valid_until date, known_at timestamptz)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT 'expiring', x.id, NULL::bigint, x.uscc, x.licence_no, x.power_code, x.supervising_department_id,
         x.valid_until - notice_days, x.valid_until, x.known_at
  FROM (SELECT DISTINCT ON (l.uscc, l.licence_no) l.id, l.uscc, l.licence_no, l.power_code, l.supervising_department_id,
               l.valid_until,
               greatest(l.received_at, (l.valid_until - notice_days)::timestamp
                          AT TIME ZONE coalesce(nullif(current_setting('sv.timezone', true), ''), 'Asia/Shanghai')) AS known_at
        FROM sv.linkage l
        WHERE l.received_at <= as_of AND (usccs IS NULL OR l.uscc = ANY (usccs))
        ORDER BY l.uscc, l.licence_no, l.decided_on DESC, l.received_at DESC, l.id DESC) x
  WHERE x.valid_until - notice_days BETWEEN from_day AND to_day AND x.known_at <= as_of
  UNION ALL
  SELECT r.kind, l.id, r.id, l.uscc, l.licence_no, l.power_code, l.supervising_department_id,
         sv.local_date(r.reported_at), l.valid_until, r.reported_at
  FROM sv.linkage_result r JOIN sv.linkage l ON l.id = r.linkage_id
  WHERE r.kind IN ('revocation_proposal', 'suspension') AND r.reported_at <= as_of
    AND sv.local_date(r.reported_at) BETWEEN from_day AND to_day AND (usccs IS NULL OR l.uscc = ANY (usccs))
$fn$;
COMMENT ON FUNCTION sv.linkage_licence_signal(date, date, timestamptz, integer, sv.uscc[]) IS
  'Licences expiring (by notice day) and results proposing revocation or suspending, as known at a moment (read by risk scans)';
