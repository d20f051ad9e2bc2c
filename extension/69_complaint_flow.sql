-- ---------------------------------------------------------------------------------------------
-- 69_complaint_flow: the closed loop of a complaint or report (issue 18): 受理 (accept / refuse)
-- -> 办理 (mediation of a complaint; case filed or not for a report) -> 答复 (reply) -> 办结
-- (close) -> 回访 (the 12345 revisit with satisfaction), with 退回 (return) and 改派
-- (reassignment) before acceptance, statutory deadlines from policy rows, extensions with
-- approval, and 督办 (supervision) of items still overdue after the policy's further period.
-- docs/complaints.md, "The closed loop".
--
-- Tables:     sv.complaint_transition (the allowed steps: action, from state, to state, kinds;
--             code: registered again by every update), sv.complaint_step (the history: one
--             row per step, who, when, reason, its audit record), sv.complaint_policy (the
--             statutory limits with their legal basis, configurable), sv.complaint_extension
--             (extension requests and their approval), sv.complaint_supervision (督办 records)
-- Functions:  officers of the assigned department: sv.complaint_accept, sv.complaint_refuse,
--             sv.complaint_sign (签收 of a 12345 work order),
--             sv.complaint_return, sv.complaint_mediate, sv.complaint_case_decide,
--             sv.complaint_reply, sv.complaint_close, sv.complaint_extension_request;
--             the department's other officers or administrators: sv.complaint_extension_decide;
--             dispatchers (administrators, the 12345 system): sv.complaint_assign;
--             the 12345 system: sv.complaint_revisit(payload);
--             administrators: sv.complaint_policy_set, sv.complaint_supervise_sweep(day)
-- Deadlines:  complaint.handle_due (办理期限: mediation 45 working days from acceptance, a report's
--             verification and case decision 15 from receipt, extendable), complaint.reply_due
--             (告知期限: 7 working days from the end of handling or the refusal); for 12345 work
--             orders the platform's own limits (the city's configuration, not a law):
--             complaint.sign_due (签收期限: 1 working day from the dispatch) and
--             complaint.hotline_reply_due (12345答复期限: 15 working days from the sign-for)
-- SQLSTATEs:  55000 a step the item's state does not allow (the transition table), 42809 a step
--             its kind does not have (mediation of a report), 42501 not the assigned department,
--             22023 a missing reason or bad value, 23505 a revisit sent again with other content.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.complaint_transition (
  action     text NOT NULL,
  from_state text NOT NULL,
  to_state   text NOT NULL,
  kinds      text[] NOT NULL,
  label_zh   text NOT NULL,
  CONSTRAINT complaint_transition_pkey PRIMARY KEY (action, from_state)
);
COMMENT ON TABLE sv.complaint_transition IS
  'The closed loop of complaints and reports: every allowed step (action, from state, to state, the kinds it applies to)';
ALTER TABLE sv.complaint_transition ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_transition FORCE ROW LEVEL SECURITY;
CREATE POLICY complaint_transition_read ON sv.complaint_transition FOR SELECT USING (true);
GRANT SELECT ON sv.complaint_transition TO sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;

-- sv:rerun (the transitions are code: every update writes them again, docs/upgrades.md)
INSERT INTO sv.complaint_transition AS t (action, from_state, to_state, kinds, label_zh) VALUES
  ('assign',  'received', 'received',  '{complaint,report,inquiry,suggestion}', '派单/改派'),
  ('sign',    'received', 'received',  '{complaint,report,inquiry,suggestion}', '签收(12345工单)'),
  ('return',  'received', 'received',  '{complaint,report,inquiry,suggestion}', '退回'),
  ('accept',  'received', 'accepted',  '{complaint,report,inquiry,suggestion}', '受理'),
  ('refuse',  'received', 'refused',   '{complaint,report}', '不予受理'),
  ('mediate', 'accepted', 'handled',   '{complaint}', '调解终结'),
  ('case',    'accepted', 'handled',   '{report}', '核查处理(立案或不予立案)'),
  ('reply',   'handled',  'replied',   '{complaint,report}', '答复'),
  ('reply',   'refused',  'replied',   '{complaint,report}', '答复(不予受理告知)'),
  ('reply',   'accepted', 'replied',   '{inquiry,suggestion}', '答复'),
  ('close',   'replied',  'closed',    '{complaint,report,inquiry,suggestion}', '办结'),
  ('revisit', 'closed',   'revisited', '{complaint,report,inquiry,suggestion}', '回访')
ON CONFLICT ON CONSTRAINT complaint_transition_pkey DO UPDATE
  SET (to_state, kinds, label_zh) = (EXCLUDED.to_state, EXCLUDED.kinds, EXCLUDED.label_zh);

CREATE TABLE sv.complaint_step (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  complaint_id  bigint NOT NULL REFERENCES sv.complaint (id),
  action        text NOT NULL,
  from_state    text NOT NULL,
  to_state      text NOT NULL,
  department_id integer REFERENCES sv.department (id),   -- the assigned department after the step
  reason        text,
  detail        jsonb NOT NULL DEFAULT '{}',
  message       uuid,                                     -- the status pushed to 12345 (outbox), NULL: none
  audit_seq     bigint NOT NULL,
  acted_by      text NOT NULL,
  acted_at      timestamptz NOT NULL,
  CONSTRAINT complaint_step_reason_check CHECK (char_length(reason) <= 500),
  CONSTRAINT complaint_step_detail_check CHECK (jsonb_typeof(detail) = 'object')
);
CREATE INDEX complaint_step_complaint_idx ON sv.complaint_step (complaint_id, id);
COMMENT ON TABLE sv.complaint_step IS
  'The history of every complaint and report: one row per step (受理, 派单, 退回, 办理, 答复, 办结, 回访), who, when, why';
ALTER TABLE sv.complaint_step ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_step FORCE ROW LEVEL SECURITY;
-- the steps of the items the caller may read (sv.complaint's own policies decide)
CREATE POLICY complaint_step_read ON sv.complaint_step FOR SELECT TO sv_officer, sv_admin, sv_auditor
  USING (EXISTS (SELECT 1 FROM sv.complaint c WHERE c.id = complaint_id));
GRANT SELECT ON sv.complaint_step TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_step', '');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_step_id_seq', '');

-- Extension requests (延期) of the handling deadline: a reason, then another officer of the
-- department (its head) or an administrator approves or rejects.
CREATE TABLE sv.complaint_extension (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  complaint_id  bigint NOT NULL REFERENCES sv.complaint (id),
  workdays      integer NOT NULL,
  reason        text NOT NULL,
  requested_by  text NOT NULL,
  requested_at  timestamptz NOT NULL,
  approved      boolean,
  decision_note text,
  decided_by    text,
  decided_at    timestamptz,
  CONSTRAINT complaint_extension_workdays_check CHECK (workdays BETWEEN 1 AND 120),
  CONSTRAINT complaint_extension_text_check CHECK (char_length(reason) BETWEEN 4 AND 500 AND char_length(decision_note) <= 500),
  CONSTRAINT complaint_extension_decided_check CHECK ((approved IS NULL) = (decided_at IS NULL))
);
CREATE INDEX complaint_extension_complaint_idx ON sv.complaint_extension (complaint_id);
COMMENT ON TABLE sv.complaint_extension IS 'Requests to extend the handling deadline of a complaint or report (延期审批)';
ALTER TABLE sv.complaint_extension ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_extension FORCE ROW LEVEL SECURITY;
CREATE POLICY complaint_extension_read ON sv.complaint_extension FOR SELECT TO sv_officer, sv_admin, sv_auditor
  USING (EXISTS (SELECT 1 FROM sv.complaint c WHERE c.id = complaint_id));
GRANT SELECT ON sv.complaint_extension TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_extension', '');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_extension_id_seq', '');

-- 督办: an item still overdue supervise_after working days after its due date.
CREATE TABLE sv.complaint_supervision (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  complaint_id  bigint NOT NULL REFERENCES sv.complaint (id),
  deadline      text NOT NULL,
  due_on        date NOT NULL,
  on_day        date NOT NULL,
  department_id integer REFERENCES sv.department (id),
  message       uuid,
  audit_seq     bigint NOT NULL,
  sent_by       text NOT NULL,
  sent_at       timestamptz NOT NULL,
  CONSTRAINT complaint_supervision_once UNIQUE (complaint_id, deadline, due_on)
);
COMMENT ON TABLE sv.complaint_supervision IS 'Supervision (督办) of complaints and reports still overdue after the policy''s further period';
ALTER TABLE sv.complaint_supervision ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_supervision FORCE ROW LEVEL SECURITY;
CREATE POLICY complaint_supervision_read ON sv.complaint_supervision FOR SELECT TO sv_officer, sv_admin, sv_auditor
  USING (EXISTS (SELECT 1 FROM sv.complaint c WHERE c.id = complaint_id));
GRANT SELECT ON sv.complaint_supervision TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_supervision', '');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_supervision_id_seq', '');

-- The item for a step, locked, after the caller's checks: officers of its assigned department
-- (with a mapping in force) act; anyone else, and an item that does not exist, get 42501
-- (sv._raise_not_yours: the answer does not tell whether an item outside the scope exists).
CREATE OR REPLACE FUNCTION sv._complaint_for_officer(complaint_id bigint, purpose text) RETURNS sv.complaint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  c sv.complaint;
BEGIN
  PERFORM sv._require_given(ARRAY['complaint_id'], ARRAY[complaint_id IS NULL]);
  PERFORM sv._require_role(purpose, '{sv_officer}', 'Only officers of the assigned department handle a complaint or report.');
  PERFORM sv._require_mapping(purpose);
  SELECT * INTO c FROM sv.complaint x WHERE x.id = _complaint_for_officer.complaint_id FOR UPDATE;
  IF NOT FOUND OR c.department_id IS DISTINCT FROM me.department_id THEN
    PERFORM sv._raise_not_yours('complaint_id', format('complaint %s', complaint_id));
  END IF;
  -- a merged item (primary_id, 74_complaint_duplicate.sql) follows its group's primary: no step of its own
  -- but the sign-for of a 12345 work order (an acknowledgement, no handling)
  IF purpose <> 'sign for a 12345 work order' THEN
    PERFORM sv._complaint_refuse_member(c, purpose);
  END IF;
  RETURN c;
END
$fn$;

-- The merged items still following a primary (sv.complaint.primary_id; not yet replied to): how many.
CREATE OR REPLACE FUNCTION sv._complaint_following(primary_id bigint) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RETURN (SELECT count(*) FROM sv.complaint c
          WHERE c.primary_id = _complaint_following.primary_id AND c.state IN ('received', 'accepted', 'handled', 'refused'));
END
$fn$;

-- 55000 for a step on a merged item (it follows its primary), naming the primary.
CREATE OR REPLACE FUNCTION sv._complaint_refuse_member(c sv.complaint, purpose text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF c.primary_id IS NOT NULL THEN
    RAISE EXCEPTION 'complaint %: merged into complaint % (%), it follows its primary: cannot %', c.id, c.primary_id,
      (SELECT x.work_order_no FROM sv.complaint x WHERE x.id = c.primary_id), purpose
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Act on the primary item (its reply and closing are applied to every merged item), or undo the merge (sv.complaint_duplicate_undo).';
  END IF;
END
$fn$;

-- 55000 for moving a primary whose merged items still follow it (returned or reassigned alone,
-- they would stay with a department that no longer handles the matter).
CREATE OR REPLACE FUNCTION sv._complaint_refuse_primary_move(c sv.complaint, purpose text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_following integer := sv._complaint_following(c.id);
BEGIN
  IF v_following > 0 THEN
    RAISE EXCEPTION 'complaint %: % merged item(s) follow it: cannot %', c.id, v_following, purpose
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Undo the merges first (sv.complaint_duplicate_undo), then move each item.';
  END IF;
END
$fn$;

-- The item for a dispatcher (administrators with a mapping, the 12345 system), locked; 42501
-- for a missing one.
CREATE OR REPLACE FUNCTION sv._complaint_for_dispatcher(complaint_id bigint) RETURNS sv.complaint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint;
BEGIN
  PERFORM sv._require_given(ARRAY['complaint_id'], ARRAY[complaint_id IS NULL]);
  PERFORM sv._require_role('dispatch a complaint', '{sv_admin,sv_integration}',
                           'Dispatch (派单) is for the 12345 system and the platform''s dispatchers.');
  PERFORM sv._require_mapping('dispatch a complaint');
  SELECT * INTO c FROM sv.complaint x WHERE x.id = _complaint_for_dispatcher.complaint_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM sv._raise_not_yours('complaint_id', format('complaint %s', complaint_id));
  END IF;
  RETURN c;
END
$fn$;

-- The state after action from c's state, or 55000 (the state does not allow it) / 42809 (the
-- item's kind has no such step).
CREATE OR REPLACE FUNCTION sv._complaint_next_state(c sv.complaint, action text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  t sv.complaint_transition;
  v_from text;
BEGIN
  SELECT * INTO t FROM sv.complaint_transition x WHERE x.action = _complaint_next_state.action AND x.from_state = c.state;
  IF NOT FOUND THEN
    SELECT string_agg(DISTINCT x.from_state, ', ') INTO v_from FROM sv.complaint_transition x
    WHERE x.action = _complaint_next_state.action AND c.kind = ANY (x.kinds);
    RAISE EXCEPTION 'complaint %: % is not allowed in state %', c.id, action, c.state
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('%s is allowed from: %s', action, coalesce(v_from, 'no state for a ' || c.kind));
  END IF;
  IF NOT c.kind = ANY (t.kinds) THEN
    RAISE EXCEPTION 'complaint %: % is not a step of kind % (only of: %)', c.id, action, c.kind, array_to_string(t.kinds, ', ')
      USING ERRCODE = 'wrong_object_type';
  END IF;
  RETURN t.to_state;
END
$fn$;

-- Record a step whose columns the caller has already updated: the state, the history row, the
-- audit record (who, when, reason; never the person's identity) and, for a 12345 item, the
-- status pushed back to the hotline office's system (department 10, 市长热线办, when it has an
-- endpoint; docs/push.md).  Returns the step's id.
CREATE OR REPLACE FUNCTION sv._complaint_step(c sv.complaint, action text, to_state text, reason text, detail jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_dept integer;
  v_seq bigint;
  v_msg uuid;
  v_id bigint;
BEGIN
  -- a step that keeps the state (派单, 退回) writes no new row version of the item
  IF to_state IS DISTINCT FROM c.state THEN
    UPDATE sv.complaint x SET state = to_state WHERE x.id = c.id RETURNING x.department_id INTO v_dept;
  ELSE
    SELECT x.department_id INTO v_dept FROM sv.complaint x WHERE x.id = c.id;
  END IF;
  v_seq := sv.audit_append(v_dept, 'complaint', c.id::text, action,
             jsonb_build_object('from_state', c.state, 'to_state', to_state, 'reason', reason) || coalesce(detail, '{}'));
  IF c.channel = 'hotline' THEN
    v_msg := sv._department_push(10, CASE action WHEN 'reply' THEN 'complaint.reply' ELSE 'complaint.status' END,
               jsonb_build_object('work_order_no', c.work_order_no, 'action', action, 'state', to_state,
                                  'department', (SELECT d.code FROM sv.department d WHERE d.id = v_dept),
                                  'reason', reason, 'at', now()) || coalesce(detail, '{}'),
               format('complaint-%s-%s-%s', c.id, action, v_seq));
  END IF;
  INSERT INTO sv.complaint_step (complaint_id, action, from_state, to_state, department_id, reason, detail, message,
                                 audit_seq, acted_by, acted_at)
  VALUES (c.id, action, c.state, to_state, v_dept, reason, coalesce(detail, '{}'), v_msg, v_seq, sv._outer_user(), now())
  RETURNING id INTO v_id;
  RETURN v_id;
END
$fn$;

-- The sign-for clock of a 12345 work order dispatched to a department on day (policy 'sign';
-- NULL for the other channels and an item no department holds).
CREATE OR REPLACE FUNCTION sv._complaint_sign_clock(channel text, department_id integer, day date,
                                                    OUT workdays integer, OUT due date, OUT provisional boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF channel = 'hotline' AND department_id IS NOT NULL THEN
    workdays := sv._complaint_policy_days('sign');
    due := sv.add_workdays(day, workdays);
    provisional := coalesce(sv.calendar_provisional_between(day, due), false);
  ELSE
    provisional := false;
  END IF;
END
$fn$;

-- 签收: a 12345 work order is signed for now (by sv.complaint_sign, or by its acceptance or
-- refusal when no sign-for came first): closes the sign-for limit and starts the 12345 reply
-- limit (policy 'hotline_reply', from today).  Returns the reply due date; NULL (nothing done)
-- for another channel or an item signed for already.
CREATE OR REPLACE FUNCTION sv._complaint_signed(c sv.complaint) RETURNS date
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_today date := sv.local_date(now());
  v_days integer;
  v_due date;
BEGIN
  IF c.channel <> 'hotline' OR c.signed_at IS NOT NULL THEN
    RETURN NULL;
  END IF;
  v_days := sv._complaint_policy_days('hotline_reply');
  v_due := sv.add_workdays(v_today, v_days);
  UPDATE sv.complaint x SET signed_at = now(), hotline_reply_workdays = v_days, hotline_reply_due = v_due,
         hotline_reply_due_provisional = coalesce(sv.calendar_provisional_between(v_today, v_due), false)
  WHERE x.id = c.id;
  RETURN v_due;
END
$fn$;

-- 签收: an officer of the assigned department signs for a 12345 work order (the other channels
-- have no sign-for: 42809); once (55000 again, or after acceptance).  Pushed to 12345 as a status.
CREATE OR REPLACE FUNCTION sv.complaint_sign(complaint_id bigint, note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'sign for a 12345 work order');
  v_to text := sv._complaint_next_state(c, 'sign');
  v_due date;
BEGIN
  IF c.channel <> 'hotline' THEN
    RAISE EXCEPTION 'complaint %: sign-for (签收) is a step of 12345 work orders, not of the % channel', c.id, c.channel
      USING ERRCODE = 'wrong_object_type';
  END IF;
  IF c.signed_at IS NOT NULL THEN
    RAISE EXCEPTION 'complaint %: it was signed for already', c.id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF note IS NOT NULL THEN
    note := sv._require_label('note', note, 500);
  END IF;
  v_due := sv._complaint_signed(c);
  RETURN sv._complaint_step(c, 'sign', v_to, nullif(note, ''), jsonb_build_object('hotline_reply_due', v_due));
END
$fn$;

-- 受理: accept the item (closes the acceptance deadline); starts the handling deadline of a
-- complaint (mediation, from acceptance) or a report (verification, from receipt).
CREATE OR REPLACE FUNCTION sv.complaint_accept(complaint_id bigint, note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'accept a complaint');
  v_to text := sv._complaint_next_state(c, 'accept');
  v_start date;
  v_days integer;
  v_reply_due date;
BEGIN
  IF note IS NOT NULL THEN
    note := sv._require_label('note', note, 500);
  END IF;
  IF c.kind IN ('complaint', 'report') THEN
    v_start := CASE c.kind WHEN 'complaint' THEN sv.local_date(now()) ELSE sv.local_date(c.received_at) END;
    v_days := sv._complaint_policy_days(CASE c.kind WHEN 'complaint' THEN 'mediate' ELSE 'verify' END);
  END IF;
  UPDATE sv.complaint x SET decided_at = now(), handle_start = v_start, handle_workdays = v_days,
         handle_due = sv.add_workdays(v_start, v_days),
         handle_due_provisional = coalesce(sv.calendar_provisional_between(v_start, sv.add_workdays(v_start, v_days)), false)
  WHERE x.id = c.id;
  -- a 12345 work order not signed for: its acceptance signs for it
  v_reply_due := sv._complaint_signed(c);
  RETURN sv._complaint_step(c, 'accept', v_to, nullif(note, ''),
           jsonb_strip_nulls(jsonb_build_object('handle_due', sv.add_workdays(v_start, v_days), 'signed', v_reply_due IS NOT NULL,
                                                'hotline_reply_due', v_reply_due)));
END
$fn$;

-- 不予受理: refuse with a reason (closes the acceptance deadline; the person is told within the
-- reply limit).
CREATE OR REPLACE FUNCTION sv.complaint_refuse(complaint_id bigint, reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'refuse a complaint');
  v_to text := sv._complaint_next_state(c, 'refuse');
  v_today date := sv.local_date(now());
  v_days integer := sv._complaint_policy_days('reply');
  v_reply_due date;
BEGIN
  PERFORM sv._require_reason(reason, 'the item is refused');
  UPDATE sv.complaint x SET decided_at = now(), reply_start = v_today, reply_workdays = v_days,
         reply_due = sv.add_workdays(v_today, v_days),
         reply_due_provisional = coalesce(sv.calendar_provisional_between(v_today, sv.add_workdays(v_today, v_days)), false)
  WHERE x.id = c.id;
  -- a 12345 work order not signed for: its refusal signs for it
  v_reply_due := sv._complaint_signed(c);
  RETURN sv._complaint_step(c, 'refuse', v_to, btrim(reason),
           CASE WHEN v_reply_due IS NOT NULL THEN jsonb_build_object('signed', true, 'hotline_reply_due', v_reply_due) ELSE '{}' END);
END
$fn$;

-- 退回: the assigned department returns an item that is not its to the dispatch queue, with a
-- reason; the third and later returns of an item flag it for the dispatcher (ping-pong).
CREATE OR REPLACE FUNCTION sv.complaint_return(complaint_id bigint, reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'return a complaint');
  v_to text := sv._complaint_next_state(c, 'return');
BEGIN
  PERFORM sv._complaint_refuse_primary_move(c, 'return a complaint');
  PERFORM sv._require_reason(reason, 'the item is returned');
  UPDATE sv.complaint x SET department_id = NULL, returns = x.returns + 1,
         sign_start = NULL, sign_workdays = NULL, sign_due = NULL, sign_due_provisional = false, signed_at = NULL,
         hotline_reply_workdays = NULL, hotline_reply_due = NULL, hotline_reply_due_provisional = false,
         route_note = left(format('returned by %s: %s', (SELECT d.code FROM sv.department d WHERE d.id = c.department_id), btrim(reason)), 500)
  WHERE x.id = c.id;
  RETURN sv._complaint_step(c, 'return', v_to, btrim(reason),
           jsonb_build_object('returned_by_department_id', c.department_id, 'returns', c.returns + 1));
END
$fn$;

-- 派单 / 改派: a dispatcher (administrators; the 12345 system) assigns an item not yet accepted
-- to a department; a reassignment (it had one) needs a reason.
CREATE OR REPLACE FUNCTION sv.complaint_assign(complaint_id bigint, department_id integer, reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint;
  v_to text;
  s record;
BEGIN
  PERFORM sv._require_given(ARRAY['complaint_id', 'department_id'], ARRAY[complaint_id IS NULL, department_id IS NULL]);
  c := sv._complaint_for_dispatcher(complaint_id);
  -- a merged item goes where its primary goes; a primary with merged items is not moved alone
  PERFORM sv._complaint_refuse_member(c, 'assign a complaint');
  PERFORM sv._complaint_refuse_primary_move(c, 'assign a complaint');
  IF NOT EXISTS (SELECT 1 FROM sv.department d WHERE d.id = complaint_assign.department_id) THEN
    RAISE EXCEPTION 'department_id: department % does not exist', department_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  v_to := sv._complaint_next_state(c, 'assign');
  IF c.department_id = department_id THEN
    RAISE EXCEPTION 'complaint %: it is assigned to department % already', c.id, department_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF c.department_id IS NOT NULL OR c.returns > 0 THEN
    PERFORM sv._require_reason(reason, 'the item is reassigned (改派)');
  ELSIF reason IS NOT NULL THEN
    PERFORM sv._require_label('reason', reason, 500);
  END IF;
  -- a 12345 work order: the new department's sign-for clock starts today
  s := sv._complaint_sign_clock(c.channel, complaint_assign.department_id, sv.local_date(now()));
  UPDATE sv.complaint x SET department_id = complaint_assign.department_id, route_note = NULL,
         sign_start = CASE WHEN s.due IS NOT NULL THEN sv.local_date(now()) END, sign_workdays = s.workdays, sign_due = s.due,
         sign_due_provisional = s.provisional, signed_at = NULL,
         hotline_reply_workdays = NULL, hotline_reply_due = NULL, hotline_reply_due_provisional = false
  WHERE x.id = c.id;
  RETURN sv._complaint_step(c, 'assign', v_to, nullif(btrim(reason), ''),
           jsonb_build_object('from_department_id', c.department_id, 'department_id', department_id)
           || CASE WHEN s.due IS NOT NULL THEN jsonb_build_object('sign_due', s.due) ELSE '{}' END);
END
$fn$;

-- 办理 of a complaint: mediation ended (调解终结), with its outcome; starts the reply limit.
CREATE OR REPLACE FUNCTION sv.complaint_mediate(complaint_id bigint, outcome text, note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'record a mediation');
  v_to text := sv._complaint_next_state(c, 'mediate');
BEGIN
  PERFORM sv._require_given(ARRAY['outcome'], ARRAY[outcome IS NULL]);
  PERFORM sv._require_one_of('outcome', outcome, ARRAY['agreed', 'failed', 'withdrawn']);
  RETURN sv._complaint_handled(c, v_to, 'mediate', outcome, note);
END
$fn$;

-- 办理 of a report: verified, a case filed or not (立案 / 不予立案); starts the reply limit.
CREATE OR REPLACE FUNCTION sv.complaint_case_decide(complaint_id bigint, filed boolean, note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'record a case decision');
  v_to text := sv._complaint_next_state(c, 'case');
BEGIN
  PERFORM sv._require_given(ARRAY['filed'], ARRAY[filed IS NULL]);
  RETURN sv._complaint_handled(c, v_to, 'case', CASE WHEN filed THEN 'filed' ELSE 'not_filed' END, note);
END
$fn$;

CREATE OR REPLACE FUNCTION sv._complaint_handled(c sv.complaint, to_state text, action text, outcome text, note text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_today date := sv.local_date(now());
  v_days integer := sv._complaint_policy_days('reply');
BEGIN
  IF outcome = 'not_filed' OR outcome = 'failed' THEN
    PERFORM sv._require_reason(note, CASE outcome WHEN 'failed' THEN 'the mediation failed' ELSE 'no case is filed' END, 'note');
  ELSIF note IS NOT NULL THEN
    note := sv._require_label('note', note, 500);
  END IF;
  UPDATE sv.complaint x SET handled_at = now(), outcome = _complaint_handled.outcome, reply_start = v_today,
         reply_workdays = v_days, reply_due = sv.add_workdays(v_today, v_days),
         reply_due_provisional = coalesce(sv.calendar_provisional_between(v_today, sv.add_workdays(v_today, v_days)), false)
  WHERE x.id = c.id;
  RETURN sv._complaint_step(c, action, to_state, nullif(btrim(note), ''), jsonb_build_object('outcome', outcome));
END
$fn$;

-- Merged items follow their primary (docs/complaints.md, "Merged items follow their primary"):
-- when the primary is replied to (sv.complaint_reply) or closed (sv.complaint_close), every
-- merged item of its group still behind gets the same step as a step of its own, by the same
-- officer: the state, the history row (reason naming the primary, detail primary_id,
-- primary_work_order_no, primary_step), the audit record and, for a 12345 work order, its own
-- complaint.reply or complaint.status message (sv._complaint_step).  The group: sv.complaint's
-- primary_id, written by the merge and its undo (74_complaint_duplicate.sql).  The reply from any state
-- before replied (received, accepted, handled, refused: the primary's handling stands for the
-- item's), the closing from replied.  No credit event for a merged item (one matter, one event:
-- the primary's).  The person of each item is never copied.  Returns how many followed.
CREATE OR REPLACE FUNCTION sv._complaint_group_follow(primary_id bigint, action text, primary_step bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p sv.complaint;
  m sv.complaint;
  v_n integer := 0;
  v_reason text;
  v_follow jsonb;
BEGIN
  SELECT * INTO p FROM sv.complaint x WHERE x.id = _complaint_group_follow.primary_id;
  v_reason := left(format('随主件%s(%s)%s', p.id, p.work_order_no, CASE action WHEN 'reply' THEN '答复' ELSE '办结' END), 500);
  v_follow := jsonb_build_object('primary_id', p.id, 'primary_work_order_no', p.work_order_no, 'primary_step', primary_step);
  FOR m IN
    SELECT x.* FROM sv.complaint x
    WHERE x.primary_id = _complaint_group_follow.primary_id
      AND x.state = ANY (CASE action WHEN 'reply' THEN '{received,accepted,handled,refused}'::text[] ELSE '{replied}'::text[] END)
    -- locked: an item whose merge is undone while this waits for it is read again and left out
    ORDER BY x.id FOR UPDATE OF x
  LOOP
    IF action = 'reply' THEN
      UPDATE sv.complaint x SET replied_at = now(), reply_text = p.reply_text WHERE x.id = m.id;
      PERFORM sv._complaint_step(m, 'reply', 'replied', v_reason,
                jsonb_build_object('reply', p.reply_text, 'outcome', p.outcome) || v_follow);
    ELSE
      UPDATE sv.complaint x SET closed_at = now(), substantiated = p.substantiated WHERE x.id = m.id;
      PERFORM sv._complaint_step(m, 'close', 'closed', v_reason,
                jsonb_build_object('substantiated', p.substantiated) || v_follow);
    END IF;
    v_n := v_n + 1;
  END LOOP;
  RETURN v_n;
END
$fn$;

-- The reply of a primary goes to every work order of its group: it may not name the reporter
-- of another item of the group (22023; the names in clear of sv.complaint_person, two
-- characters or more).  A reply naming its own item's reporter is the officer's choice.
CREATE OR REPLACE FUNCTION sv._complaint_group_reply_check(c sv.complaint, reply text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM sv.complaint x JOIN sv.complaint_person p ON p.complaint_id = x.id
             WHERE x.primary_id = c.id AND x.state IN ('received', 'accepted', 'handled', 'refused')
               AND char_length(p.name) >= 2 AND strpos(reply, p.name) > 0) THEN
    RAISE EXCEPTION 'reply names the reporter of a merged item: it is sent to every work order of the group'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Write the reply without the names of the people (举报人信息保密).';
  END IF;
END
$fn$;

-- 答复: the reply to the person (closes the reply limit); for a 12345 item it goes back to the
-- hotline as complaint.reply (the text, never the identity).
CREATE OR REPLACE FUNCTION sv.complaint_reply(complaint_id bigint, reply text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'reply to a complaint');
  v_to text := sv._complaint_next_state(c, 'reply');
  v_problem text;
  v_step bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['reply'], ARRAY[reply IS NULL]);
  reply := btrim(reply, E' \n\r\t');
  v_problem := sv._label_problem(translate(reply, E'\n\r\t', '   '));
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION 'reply must be printable text: it contains %', v_problem USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF char_length(reply) < 4 THEN
    RAISE EXCEPTION 'reply must say what was done (at least 4 characters)' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF char_length(reply) > 2000 THEN
    RAISE EXCEPTION 'reply is % characters long: at most 2000 are allowed', char_length(reply)
      USING ERRCODE = 'string_data_right_truncation';
  END IF;
  -- the reply goes to every work order of the group: it may not name a reporter of another item
  PERFORM sv._complaint_group_reply_check(c, reply);
  UPDATE sv.complaint x SET replied_at = now(), reply_text = reply WHERE x.id = c.id;
  v_step := sv._complaint_step(c, 'reply', v_to, NULL,
           jsonb_build_object('reply', reply, 'outcome', c.outcome));
  -- every merged item still behind follows, as a step of its own (sv._complaint_group_follow)
  PERFORM sv._complaint_group_follow(c.id, 'reply', v_step);
  RETURN v_step;
END
$fn$;

-- 办结: close a replied item.
CREATE OR REPLACE FUNCTION sv.complaint_close(complaint_id bigint, substantiated boolean, note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'close a complaint');
  v_to text := sv._complaint_next_state(c, 'close');
  v_event bigint;
  v_step bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['substantiated'], ARRAY[substantiated IS NULL]);
  IF note IS NOT NULL THEN
    note := sv._require_label('note', note, 500);
  END IF;
  UPDATE sv.complaint x SET closed_at = now(), substantiated = complaint_close.substantiated WHERE x.id = c.id;
  -- a substantiated complaint or report about a subject of the data centre is a credit event
  -- (credit's sv._credit_event_add, kind substantiated_complaint), which the risk signal
  -- 'complaint' counts (66_risk.sql)
  IF substantiated AND c.kind IN ('complaint', 'report') AND c.subject_uscc IS NOT NULL
     AND EXISTS (SELECT 1 FROM sv.subject s WHERE s.uscc = c.subject_uscc) THEN
    v_event := sv._credit_event_add(c.subject_uscc::text, 'substantiated_complaint', CASE c.kind WHEN 'report' THEN 3 ELSE 2 END,
                 'city', sv.local_date(now()), left(format('%s:%s', c.channel, c.work_order_no), 128), NULL, NULL,
                 c.department_id, NULL, NULL, NULL, NULL);
  END IF;
  v_step := sv._complaint_step(c, 'close', v_to, nullif(note, ''),
           jsonb_strip_nulls(jsonb_build_object('substantiated', substantiated, 'credit_event_id', v_event)));
  -- every merged item replied with it follows (no credit event of its own: one matter, one event)
  PERFORM sv._complaint_group_follow(c.id, 'close', v_step);
  RETURN v_step;
END
$fn$;

-- 回访: the 12345 revisit comes back (sv_integration), idempotent on the work order:
--   {"work_order_no": "...", "revisited_at": "2026-...+08:00", "satisfaction": "satisfied" |
--    "basically_satisfied" | "dissatisfied", "note": "..." (optional, 500)}
-- Sent again with the same content: the same step id, nothing written; with another: 23505.
CREATE OR REPLACE FUNCTION sv.complaint_revisit(payload jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint;
  v_no text;
  v_sat text;
  v_note text;
  v_at timestamptz;
  v_to text;
  s sv.complaint_step;
BEGIN
  PERFORM sv._require_given(ARRAY['payload'], ARRAY[payload IS NULL]);
  PERFORM sv._require_role('report a 12345 revisit', '{sv_integration}', 'The 12345 system reports its revisits.');
  IF jsonb_typeof(payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._payload_keys(payload, 'payload', '{work_order_no,revisited_at,satisfaction,note}');
  v_no := sv._payload_text(payload, 'work_order_no', 'work_order_no', 40);
  v_sat := sv._payload_text(payload, 'satisfaction', 'satisfaction', 30);
  v_note := sv._payload_text(payload, 'note', 'note', 500);
  PERFORM sv._require_given(ARRAY['work_order_no', 'satisfaction'], ARRAY[v_no IS NULL, v_sat IS NULL]);
  PERFORM sv._require_one_of('satisfaction', v_sat, ARRAY['satisfied', 'basically_satisfied', 'dissatisfied']);
  -- the form as every payload time (sv._payload_time, 22007); then the range, as received_at's
  v_at := sv._payload_time(payload, 'revisited_at', 'revisited_at');
  IF v_at > now() + interval '5 minutes' OR v_at < '2000-01-01 00:00+08' THEN
    RAISE EXCEPTION 'revisited_at % is % the hotline''s time', payload ->> 'revisited_at',
      CASE WHEN v_at < '2000-01-01 00:00+08' THEN 'before 2000: not' ELSE 'in the future: not' END
      USING ERRCODE = 'datetime_field_overflow';
  END IF;
  SELECT * INTO c FROM sv.complaint x WHERE x.channel = 'hotline' AND x.work_order_no = v_no FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'work_order_no: work order % was not received', quote_literal(v_no) USING ERRCODE = 'no_data_found';
  END IF;
  IF c.state = 'revisited' THEN
    SELECT * INTO s FROM sv.complaint_step x WHERE x.complaint_id = c.id AND x.action = 'revisit' ORDER BY x.id DESC LIMIT 1;
    IF (c.satisfaction, c.revisited_at, s.reason) IS DISTINCT FROM (v_sat, v_at, v_note) THEN
      RAISE EXCEPTION 'work_order_no: the revisit of work order % was already received with different content', v_no
        USING ERRCODE = 'unique_violation';
    END IF;
    RETURN s.id;
  END IF;
  v_to := sv._complaint_next_state(c, 'revisit');
  UPDATE sv.complaint x SET revisited_at = v_at, satisfaction = v_sat WHERE x.id = c.id;
  RETURN sv._complaint_step(c, 'revisit', v_to, v_note, jsonb_build_object('satisfaction', v_sat, 'revisited_at', v_at));
END
$fn$;

-- 延期: ask to extend the handling deadline by workdays (at most the policy's extension_max in
-- all), with a reason; one open request at a time.
CREATE OR REPLACE FUNCTION sv.complaint_extension_request(complaint_id bigint, workdays integer, reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  c sv.complaint := sv._complaint_for_officer(complaint_id, 'ask for an extension');
  v_max integer;
  v_used integer;
  v_id bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['workdays'], ARRAY[workdays IS NULL]);
  PERFORM sv._require_reason(reason, 'the deadline is extended');
  IF c.handle_due IS NULL OR c.handled_at IS NOT NULL THEN
    RAISE EXCEPTION 'complaint %: no handling deadline is running (state %)', c.id, c.state
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT p.extension_max INTO v_max FROM sv.complaint_policy p
  WHERE p.code = CASE c.kind WHEN 'complaint' THEN 'mediate' ELSE 'verify' END ORDER BY p.id DESC LIMIT 1;
  SELECT coalesce(sum(e.workdays), 0) INTO v_used FROM sv.complaint_extension e
  WHERE e.complaint_id = c.id AND e.approved IS NOT false;
  IF workdays < 1 OR v_used + workdays > v_max THEN
    RAISE EXCEPTION 'workdays: % working days asked, % may still be added (the policy allows % in all)', workdays,
      greatest(v_max - v_used, 0), v_max USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM sv.complaint_extension e WHERE e.complaint_id = c.id AND e.approved IS NULL) THEN
    RAISE EXCEPTION 'complaint %: an extension request is already waiting for approval', c.id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  INSERT INTO sv.complaint_extension (complaint_id, workdays, reason, requested_by, requested_at)
  VALUES (c.id, workdays, btrim(reason), me.login, now()) RETURNING id INTO v_id;
  PERFORM sv.audit_append(c.department_id, 'complaint', c.id::text, 'extension_request',
    jsonb_build_object('extension_id', v_id, 'workdays', workdays, 'reason', btrim(reason), 'handle_due', c.handle_due));
  RETURN v_id;
END
$fn$;

-- Approve or reject an extension: another officer of the assigned department (not the one who
-- asked) or an administrator.  Approved, the handling deadline moves by its working days.
CREATE OR REPLACE FUNCTION sv.complaint_extension_decide(extension_id bigint, approve boolean, note text DEFAULT NULL)
RETURNS date
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  e sv.complaint_extension;
  c sv.complaint;
  v_due date;
BEGIN
  PERFORM sv._require_given(ARRAY['extension_id', 'approve'], ARRAY[extension_id IS NULL, approve IS NULL]);
  PERFORM sv._require_role('approve an extension', '{sv_officer,sv_admin}');
  PERFORM sv._require_mapping('approve an extension');
  SELECT * INTO e FROM sv.complaint_extension x WHERE x.id = extension_id FOR UPDATE;
  IF FOUND THEN
    SELECT * INTO c FROM sv.complaint x WHERE x.id = e.complaint_id FOR UPDATE;
  END IF;
  IF NOT FOUND OR NOT (me.is_admin OR c.department_id IS NOT DISTINCT FROM me.department_id) THEN
    PERFORM sv._raise_not_yours('extension_id', format('extension request %s', extension_id));
  END IF;
  IF e.approved IS NOT NULL THEN
    RAISE EXCEPTION 'extension request % was decided already', extension_id USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF e.requested_by = me.login THEN
    RAISE EXCEPTION 'extension request %: the officer who asked may not approve it', extension_id
      USING ERRCODE = 'insufficient_privilege', HINT = 'Another officer of the department (its head) or an administrator decides.';
  END IF;
  IF NOT approve THEN
    PERFORM sv._require_reason(note, 'the extension is rejected', 'note');
  ELSIF note IS NOT NULL THEN
    note := sv._require_label('note', note, 500);
  END IF;
  IF approve AND (c.handle_due IS NULL OR c.handled_at IS NOT NULL) THEN
    RAISE EXCEPTION 'complaint %: no handling deadline is running any more (state %)', c.id, c.state
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.complaint_extension x SET approved = approve, decision_note = nullif(btrim(note), ''), decided_by = me.login,
         decided_at = now() WHERE x.id = e.id;
  v_due := c.handle_due;
  IF approve THEN
    v_due := sv.add_workdays(c.handle_start, c.handle_workdays + e.workdays);
    UPDATE sv.complaint x SET handle_workdays = c.handle_workdays + e.workdays, handle_due = v_due,
           handle_due_provisional = coalesce(sv.calendar_provisional_between(c.handle_start, v_due), false)
    WHERE x.id = c.id;
  END IF;
  PERFORM sv.audit_append(c.department_id, 'complaint', c.id::text, 'extension_decide',
    jsonb_build_object('extension_id', e.id, 'approved', approve, 'note', nullif(btrim(note), ''),
                       'handle_due_before', c.handle_due, 'handle_due', v_due));
  RETURN v_due;
END
$fn$;

-- Change a statutory limit (administrators): a new row of the code with its working days,
-- extension, supervision period and legal basis; deadlines already running keep theirs.
CREATE OR REPLACE FUNCTION sv.complaint_policy_set(code text, workdays integer, extension_max integer,
                                                   supervise_after integer, legal_basis text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  p sv.complaint_policy;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'workdays', 'extension_max', 'supervise_after', 'legal_basis'],
    ARRAY[code IS NULL, workdays IS NULL, extension_max IS NULL, supervise_after IS NULL, legal_basis IS NULL]);
  PERFORM sv._require_role('change the statutory limits of complaints', '{sv_admin}');
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.complaint_policy'), 0);
  SELECT * INTO p FROM sv.complaint_policy x WHERE x.code = complaint_policy_set.code ORDER BY x.id DESC LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'code: % is not a complaint policy (accept, mediate, verify, reply, sign, hotline_reply)', quote_literal(code)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF workdays NOT BETWEEN 1 AND 120 OR extension_max NOT BETWEEN 0 AND 120 OR supervise_after NOT BETWEEN 0 AND 60 THEN
    RAISE EXCEPTION 'workdays must be 1-120, extension_max 0-120 and supervise_after 0-60 working days'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_reason(legal_basis, 'the limit applies (its legal basis)', 'legal_basis');
  INSERT INTO sv.complaint_policy (code, label_zh, kind, starts_at, workdays, extension_max, supervise_after, legal_basis,
                                   updated_by, updated_at, builtin)
  VALUES (p.code, p.label_zh, p.kind, p.starts_at, workdays, extension_max, supervise_after, btrim(legal_basis),
          me.login, now(), false);
  PERFORM sv.audit_append(NULL, 'complaint_policy', p.code, 'update',
    jsonb_build_object('workdays', workdays, 'extension_max', extension_max, 'supervise_after', supervise_after,
                       'legal_basis', btrim(legal_basis), 'before', to_jsonb(p) - 'updated_by' - 'updated_at' - 'builtin'));
END
$fn$;

-- 督办 on day (administrators; after the daily deadline sweep): every complaint deadline still
-- open and overdue for at least its policy's supervise_after working days gets one supervision
-- record per due date, an audit record and, when the department has a system, the message
-- complaint.supervise.  The deadline sweep itself sends the overdue notice (催办) the day after a
-- missed due date.
CREATE OR REPLACE FUNCTION sv.complaint_supervise_sweep(day date DEFAULT NULL)
RETURNS TABLE (complaint_id bigint, deadline text, due_on date, department_id integer, pushed boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_day date := coalesce(day, sv.local_date(now()));
  r record;
  v_msg uuid;
  v_seq bigint;
BEGIN
  PERFORM sv._require_role('supervise overdue complaints', '{sv_admin}');
  IF v_day > sv.local_date(now()) OR NOT isfinite(v_day) THEN
    RAISE EXCEPTION 'day must be a finite date not after today, not %', v_day USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.complaint_supervise_sweep'), 0);
  FOR r IN
    SELECT c.id, x.deadline, x.due, c.department_id AS dept, c.work_order_no, p.supervise_after
    FROM sv.complaint c
    CROSS JOIN LATERAL (VALUES ('complaint.accept_due', c.accept_due, c.decided_at IS NULL, 'accept'),
                               ('complaint.handle_due', c.handle_due, c.handled_at IS NULL,
                                CASE c.kind WHEN 'complaint' THEN 'mediate' ELSE 'verify' END),
                               ('complaint.reply_due', c.reply_due, c.replied_at IS NULL, 'reply'),
                               ('complaint.sign_due', c.sign_due, c.signed_at IS NULL, 'sign'),
                               ('complaint.hotline_reply_due', c.hotline_reply_due, c.replied_at IS NULL, 'hotline_reply'))
                        x(deadline, due, open, policy)
    CROSS JOIN LATERAL (SELECT y.supervise_after FROM sv.complaint_policy y WHERE y.code = x.policy
                        ORDER BY y.id DESC LIMIT 1) p
    WHERE x.open AND x.due IS NOT NULL AND x.due < v_day
      AND sv.workdays_between(x.due, v_day) >= greatest(p.supervise_after, 1)
      -- a merged item follows its primary: its own deadlines are not supervised
      AND c.primary_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM sv.complaint_supervision s
                      WHERE s.complaint_id = c.id AND s.deadline = x.deadline AND s.due_on = x.due)
    ORDER BY c.id, x.deadline
  LOOP
    v_msg := sv._department_push(r.dept, 'complaint.supervise',
               jsonb_build_object('complaint_id', r.id, 'work_order_no', r.work_order_no, 'deadline', r.deadline,
                                  'due_on', r.due, 'day', v_day, 'workdays_overdue', sv.workdays_between(r.due, v_day)),
               format('complaint-supervise-%s-%s-%s', r.id, r.deadline, r.due));
    v_seq := sv.audit_append(r.dept, 'complaint', r.id::text, 'supervise',
               jsonb_build_object('deadline', r.deadline, 'due_on', r.due, 'day', v_day,
                                  'workdays_overdue', sv.workdays_between(r.due, v_day), 'pushed', v_msg IS NOT NULL));
    INSERT INTO sv.complaint_supervision (complaint_id, deadline, due_on, on_day, department_id, message, audit_seq, sent_by, sent_at)
    VALUES (r.id, r.deadline, r.due, v_day, r.dept, v_msg, v_seq, me.login, now());
    complaint_id := r.id; deadline := r.deadline; due_on := r.due; department_id := r.dept; pushed := v_msg IS NOT NULL;
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- The evaluation's satisfaction KPI (80_evaluation.sql, docs/evaluation.md "Adding a KPI"):
-- the 12345 revisits (回访) received on each day (Beijing time), per assigned department and its
-- region: satisfied or basically satisfied (num) over every revisit (den).  The compute-function
-- contract: SECURITY INVOKER, run as the extension's owner inside sv.kpi_refresh; the complaint
-- capability reads its own table so that the evaluation does not.
CREATE OR REPLACE FUNCTION sv._kpi_compute_complaint_satisfaction(first_day date, last_day date)
RETURNS TABLE (kpi text, day date, department_id integer, region_code text, num bigint, den bigint, keys text[])
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT 'complaint_satisfaction', sv.local_date(c.revisited_at), c.department_id, d.region_code,
         count(*) FILTER (WHERE c.satisfaction IN ('satisfied', 'basically_satisfied')), count(*), NULL::text[]
  FROM sv.complaint c JOIN sv.department d ON d.id = c.department_id
  WHERE c.satisfaction IS NOT NULL AND sv.local_date(c.revisited_at) BETWEEN first_day AND last_day
  GROUP BY 2, 3, 4
$fn$;

COMMENT ON FUNCTION sv.complaint_sign(bigint, text) IS '签收: sign for a 12345 work order (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_accept(bigint, text) IS '受理: accept a complaint or report (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_refuse(bigint, text) IS '不予受理: refuse a complaint or report with a reason (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_return(bigint, text) IS '退回: return an item to the dispatch queue with a reason (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_assign(bigint, integer, text) IS '派单/改派: assign an item to a department (dispatchers: administrators, the 12345 system)';
COMMENT ON FUNCTION sv.complaint_mediate(bigint, text, text) IS '调解终结: the outcome of a complaint''s mediation (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_case_decide(bigint, boolean, text) IS '立案/不予立案: the case decision on a report (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_reply(bigint, text) IS '答复: the reply to the person, pushed to 12345 (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_close(bigint, boolean, text) IS '办结: close a replied item, substantiated or not (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_revisit(jsonb) IS '回访: the 12345 revisit and its satisfaction (the 12345 system); idempotent';
COMMENT ON FUNCTION sv.complaint_extension_request(bigint, integer, text) IS '延期申请: ask to extend the handling deadline (officers of the assigned department)';
COMMENT ON FUNCTION sv.complaint_extension_decide(bigint, boolean, text) IS '延期审批: approve or reject an extension (another officer of the department, administrators)';
COMMENT ON FUNCTION sv.complaint_policy_set(text, integer, integer, integer, text) IS 'Change a statutory limit of complaints (administrators)';
COMMENT ON FUNCTION sv.complaint_supervise_sweep(date) IS '督办: supervise complaints still overdue after the policy''s period (administrators)';

GRANT EXECUTE ON FUNCTION sv.complaint_sign(bigint, text), sv.complaint_accept(bigint, text), sv.complaint_refuse(bigint, text),
  sv.complaint_return(bigint, text), sv.complaint_mediate(bigint, text, text), sv.complaint_case_decide(bigint, boolean, text),
  sv.complaint_reply(bigint, text), sv.complaint_close(bigint, boolean, text),
  sv.complaint_extension_request(bigint, integer, text) TO sv_officer;
GRANT EXECUTE ON FUNCTION sv.complaint_extension_decide(bigint, boolean, text) TO sv_officer, sv_admin;
GRANT EXECUTE ON FUNCTION sv.complaint_assign(bigint, integer, text) TO sv_admin, sv_integration;
GRANT EXECUTE ON FUNCTION sv.complaint_revisit(jsonb) TO sv_integration;
GRANT EXECUTE ON FUNCTION sv.complaint_policy_set(text, integer, integer, integer, text),
  sv.complaint_supervise_sweep(date) TO sv_admin;

-- The handling and reply deadlines in the deadline model (67_deadline.sql).
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('complaint.handle_due', '投诉举报办理期限', 'sv.complaint', 'complaint', 't.id::text',
   't.id = $1::bigint', 't.department_id', 't.handle_start', 't.handle_workdays', 'handle_due', 'handle_due_provisional',
   't.handled_at IS NULL AND t.primary_id IS NULL', 't.handled_at', 5,
   $$t.work_order_no || coalesce(' ' || t.subject_name, ' ' || t.subject_uscc::text, '')$$)::sv.calendar_deadline);
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('complaint.reply_due', '投诉举报告知期限', 'sv.complaint', 'complaint', 't.id::text',
   't.id = $1::bigint', 't.department_id', 't.reply_start', 't.reply_workdays', 'reply_due', 'reply_due_provisional',
   't.replied_at IS NULL AND t.primary_id IS NULL', 't.replied_at', 2,
   $$t.work_order_no || coalesce(' ' || t.subject_name, ' ' || t.subject_uscc::text, '')$$)::sv.calendar_deadline);

-- The 12345 platform's own limits (12345 work orders): sign-for from the dispatch, the reply
-- from the sign-for (closed by sv.complaint_reply).
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('complaint.sign_due', '12345工单签收期限', 'sv.complaint', 'complaint', 't.id::text',
   't.id = $1::bigint', 't.department_id', 't.sign_start', 't.sign_workdays', 'sign_due', 'sign_due_provisional',
   't.signed_at IS NULL AND t.primary_id IS NULL', 't.signed_at', 0,
   $$t.work_order_no || coalesce(' ' || t.subject_name, ' ' || t.subject_uscc::text, '')$$)::sv.calendar_deadline);
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('complaint.hotline_reply_due', '12345工单答复期限', 'sv.complaint', 'complaint', 't.id::text',
   't.id = $1::bigint', 't.department_id', 'sv.local_date(t.signed_at)', 't.hotline_reply_workdays', 'hotline_reply_due',
   'hotline_reply_due_provisional', 't.replied_at IS NULL AND t.primary_id IS NULL', 't.replied_at', 3,
   $$t.work_order_no || coalesce(' ' || t.subject_name, ' ' || t.subject_uscc::text, '')$$)::sv.calendar_deadline);

-- The history as officers read it (the items they may read).
-- sv:rerun (the labels of the steps, 05_code_label: every update registers them again)
SELECT sv._code_label_register('complaint_step.action', ARRAY[['assign', '派单'], ['sign', '签收'], ['return', '退回'], ['accept', '受理'],
  ['refuse', '不予受理'], ['mediate', '调解'], ['case', '立案决定'], ['reply', '答复'], ['close', '办结'], ['revisit', '回访']]);

CREATE VIEW sv_work.complaint_history WITH (security_invoker = true) AS
  SELECT s.id, s.complaint_id, c.work_order_no, s.action, sv.label_zh('complaint_step.action', s.action) AS action_zh,
         -- a merged item's step following its primary (74_complaint_duplicate.sql) has no transition row
         CASE WHEN s.detail ? 'primary_id' THEN sv.label_zh('complaint_step.action', s.action) || '(随主件)' ELSE t.label_zh END
           AS action_name, s.from_state, s.to_state,
         s.department_id, dp.name_zh AS department_name, s.reason, s.detail, s.acted_by, s.acted_at
  FROM sv.complaint_step s JOIN sv.complaint c ON c.id = s.complaint_id
  LEFT JOIN sv.department dp ON dp.id = s.department_id
  LEFT JOIN sv.complaint_transition t ON t.action = s.action AND t.from_state = s.from_state;
COMMENT ON VIEW sv_work.complaint_history IS '投诉举报办理记录 / Every step of the complaints and reports the caller may read';
COMMENT ON COLUMN sv_work.complaint_history.id IS '步骤编号';
COMMENT ON COLUMN sv_work.complaint_history.complaint_id IS '投诉举报编号';
COMMENT ON COLUMN sv_work.complaint_history.work_order_no IS '12345工单编号';
COMMENT ON COLUMN sv_work.complaint_history.action IS '环节代码:assign 派单, sign 签收, return 退回, accept 受理, refuse 不予受理, mediate 调解, case 立案决定, reply 答复, close 办结, revisit 回访';
COMMENT ON COLUMN sv_work.complaint_history.action_zh IS '环节';
COMMENT ON COLUMN sv_work.complaint_history.action_name IS '环节名称(按办理前状态细分;合并件随主件办理的注明“随主件”)';
COMMENT ON COLUMN sv_work.complaint_history.from_state IS '原状态代码';
COMMENT ON COLUMN sv_work.complaint_history.to_state IS '新状态代码';
COMMENT ON COLUMN sv_work.complaint_history.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.complaint_history.department_name IS '部门名称';
COMMENT ON COLUMN sv_work.complaint_history.reason IS '理由或说明';
COMMENT ON COLUMN sv_work.complaint_history.detail IS '环节详情(JSON)';
COMMENT ON COLUMN sv_work.complaint_history.acted_by IS '操作人';
COMMENT ON COLUMN sv_work.complaint_history.acted_at IS '操作时间';
GRANT SELECT ON sv_work.complaint_history TO sv_officer, sv_admin, sv_auditor;

-- ---------------------------------------------------------------------------------------------
-- Routing (派单): by duty, then by territory.
--   duty:      the matter's supervision item (catalog_item) through the power list (权责清单:
--              sv.supervising_department of its power item, else the item's own supervising
--              department); else the subject's industry (sv.subject, GB/T 4754) through the duty
--              rules below (the longest matching prefix).
--   territory: the place's point where region boundaries are loaded (sv.region_boundary, 10_region):
--              the unit whose boundary covers it, a functional zone before a county, among
--              those compatible with the stated place.region (equal, inside or containing it);
--              else the place's region, else the subject's; the department of the duty's line
--              (the same key after the region in its code, 410402-MSA for 410400-MSA) nearest
--              the region upwards (a functional zone's own, then its parent's), within the duty
--              department's region.  A point that lies only in boundaries contradicting the
--              stated region sends the item to the dispatch queue (a dispatcher decides which
--              is wrong); a point outside every loaded boundary falls back to the region codes,
--              and the route note says so.  Without any boundary loaded the region code decides.
--   Neither a duty nor a place in the duty's region: the item waits in the dispatch queue
--   (sv_work.complaint_dispatch) with the reason.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.complaint_duty_rule (
  industry_prefix text PRIMARY KEY,
  department_id   integer NOT NULL REFERENCES sv.department (id),
  note            text,
  updated_by      text NOT NULL,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT complaint_duty_rule_prefix_check CHECK (industry_prefix ~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$'),
  CONSTRAINT complaint_duty_rule_note_check CHECK (char_length(note) <= 200)
);
COMMENT ON TABLE sv.complaint_duty_rule IS
  'Routing of complaints by duty (按职责派单): the department in charge of an industry (GB/T 4754 prefix) when the matter names no supervision item';
ALTER TABLE sv.complaint_duty_rule ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_duty_rule FORCE ROW LEVEL SECURITY;
CREATE POLICY complaint_duty_rule_read ON sv.complaint_duty_rule FOR SELECT USING (true);
GRANT SELECT ON sv.complaint_duty_rule TO sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_duty_rule', '');

-- Set (or, with department_id NULL, remove) the duty rule of an industry prefix (administrators).
CREATE OR REPLACE FUNCTION sv.complaint_duty_rule_set(industry_prefix text, department_id integer, note text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_before integer;
BEGIN
  PERFORM sv._require_given(ARRAY['industry_prefix'], ARRAY[industry_prefix IS NULL]);
  PERFORM sv._require_role('set the duty rules of complaint routing', '{sv_admin}');
  IF industry_prefix !~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$' THEN
    RAISE EXCEPTION 'industry_prefix must be a GB/T 4754 code (a section letter A-T, optionally followed by 2 to 4 digits), not %',
      quote_literal(industry_prefix) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF department_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sv.department d WHERE d.id = complaint_duty_rule_set.department_id) THEN
    RAISE EXCEPTION 'department_id: department % does not exist', department_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF note IS NOT NULL THEN
    note := nullif(sv._require_label('note', note, 200), '');
  END IF;
  SELECT r.department_id INTO v_before FROM sv.complaint_duty_rule r WHERE r.industry_prefix = complaint_duty_rule_set.industry_prefix;
  IF department_id IS NULL THEN
    DELETE FROM sv.complaint_duty_rule r WHERE r.industry_prefix = complaint_duty_rule_set.industry_prefix;
  ELSE
    INSERT INTO sv.complaint_duty_rule AS r (industry_prefix, department_id, note, updated_by, updated_at)
    VALUES (industry_prefix, department_id, note, me.login, now())
    ON CONFLICT ON CONSTRAINT complaint_duty_rule_pkey DO UPDATE
      SET (department_id, note, updated_by, updated_at) = (EXCLUDED.department_id, EXCLUDED.note, EXCLUDED.updated_by, EXCLUDED.updated_at);
  END IF;
  PERFORM sv.audit_append(NULL, 'complaint_duty_rule', industry_prefix, CASE WHEN department_id IS NULL THEN 'delete' ELSE 'set' END,
    jsonb_build_object('department_id', department_id, 'before', v_before, 'note', note));
END
$fn$;
COMMENT ON FUNCTION sv.complaint_duty_rule_set(text, integer, text) IS
  'Set or remove the department in charge of an industry for complaint routing (administrators)';
GRANT EXECUTE ON FUNCTION sv.complaint_duty_rule_set(text, integer, text) TO sv_admin;

-- The department an item goes to and how (note), or NULL and why not (note).
CREATE OR REPLACE FUNCTION sv._complaint_route(c sv.complaint, OUT department_id integer, OUT note text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_duty integer;
  v_duty_how text;
  v_industry text;
  v_subject_region text;
  v_region text;
  v_region_how text;
  v_duty_dept sv.department;
  v_found integer;
  v_point_how text;
  v_point_region text;
  v_point_note text := '';
BEGIN
  IF c.subject_uscc IS NOT NULL THEN
    SELECT s.industry, s.region_code INTO v_industry, v_subject_region FROM sv.subject s WHERE s.uscc = c.subject_uscc;
  END IF;
  -- duty: the supervision item through the power list, else the industry's rule
  IF c.catalog_item_id IS NOT NULL THEN
    SELECT sv.supervising_department(p.code), 'power item ' || p.code INTO v_duty, v_duty_how
    FROM sv.power_item p WHERE p.catalog_item_id = c.catalog_item_id ORDER BY p.code LIMIT 1;
    IF v_duty IS NULL THEN
      SELECT ci.department_id, 'supervision item ' || ci.code INTO v_duty, v_duty_how
      FROM sv.catalog_item ci WHERE ci.id = c.catalog_item_id;
    END IF;
  END IF;
  IF v_duty IS NULL AND v_industry IS NOT NULL THEN
    SELECT r.department_id, format('industry %s (rule %s)', v_industry, r.industry_prefix) INTO v_duty, v_duty_how
    FROM sv.complaint_duty_rule r WHERE v_industry LIKE r.industry_prefix || '%'
    ORDER BY length(r.industry_prefix) DESC LIMIT 1;
  END IF;
  IF v_duty IS NULL THEN
    note := CASE WHEN c.catalog_item_id IS NULL AND c.subject_uscc IS NULL THEN 'no duty: neither a supervision item nor a registered subject'
                 WHEN v_industry IS NULL AND c.catalog_item_id IS NULL THEN 'no duty: the subject is not registered or has no industry, and no supervision item is given'
                 ELSE format('no duty: no duty rule for industry %s', v_industry) END;
    RETURN;
  END IF;
  -- territory: the place's point where boundaries are loaded, else the place's region, else the
  -- subject's
  v_region := coalesce(c.place_region_code, v_subject_region);
  v_region_how := CASE WHEN c.place_region_code IS NOT NULL THEN 'place ' ELSE 'subject in ' END || v_region;
  IF c.place_point IS NOT NULL AND EXISTS (SELECT 1 FROM sv.region_boundary) THEN
    v_point_how := format('point (%s, %s)', public.ST_X(c.place_point), public.ST_Y(c.place_point));
    SELECT b.region_code INTO v_point_region
    FROM sv.region_boundary b JOIN sv.region r ON r.code = b.region_code
    WHERE public.ST_Covers(b.boundary, c.place_point)
      AND (c.place_region_code IS NULL OR sv.region_within(b.region_code, c.place_region_code)
           OR sv.region_within(c.place_region_code, b.region_code))
    ORDER BY r.level = 'zone' DESC, b.region_code LIMIT 1;
    IF v_point_region IS NOT NULL THEN
      v_region := v_point_region;
      v_region_how := v_point_how || ' in ' || v_point_region;
    ELSE
      SELECT string_agg(b.region_code, ', ' ORDER BY b.region_code) INTO v_point_region
      FROM sv.region_boundary b WHERE public.ST_Covers(b.boundary, c.place_point);
      IF v_point_region IS NOT NULL THEN
        note := format('no territory: the %s lies in %s, not in the stated region %s (duty: %s)', v_point_how, v_point_region,
                       c.place_region_code, v_duty_how);
        RETURN;
      END IF;
      v_point_note := format(' (the %s lies outside every loaded boundary)', v_point_how);
    END IF;
  END IF;
  SELECT * INTO v_duty_dept FROM sv.department d WHERE d.id = v_duty;
  IF v_region IS NULL THEN
    department_id := v_duty;
    note := format('duty: %s; no region%s: %s', v_duty_how, v_point_note, v_duty_dept.code);
    RETURN;
  END IF;
  WITH RECURSIVE up AS (
    SELECT r.code, r.parent_code, 0 AS depth FROM sv.region r WHERE r.code = v_region
    UNION ALL
    SELECT r.code, r.parent_code, up.depth + 1 FROM sv.region r JOIN up ON r.code = up.parent_code
  )
  SELECT d.id INTO v_found
  FROM up JOIN sv.department d ON d.code = up.code || '-' || split_part(v_duty_dept.code, '-', 2)
  WHERE EXISTS (SELECT 1 FROM up u WHERE u.code = v_duty_dept.region_code)
    AND up.depth <= (SELECT u.depth FROM up u WHERE u.code = v_duty_dept.region_code)
  ORDER BY up.depth LIMIT 1;
  IF v_found IS NULL THEN
    note := format('no territory: %s%s is outside the region %s of %s (duty: %s)', v_region_how, v_point_note,
                   v_duty_dept.region_code, v_duty_dept.code, v_duty_how);
    RETURN;
  END IF;
  department_id := v_found;
  note := format('duty: %s; territory: %s%s: %s', v_duty_how, v_region_how, v_point_note,
                 (SELECT d.code FROM sv.department d WHERE d.id = v_found));
END
$fn$;

-- Route an item of the dispatch queue again (dispatchers: administrators, the 12345 system),
-- e.g. after a duty rule was added: assigned (a step 'assign', reason: how) or the new reason
-- why not; returns the department or NULL.
CREATE OR REPLACE FUNCTION sv.complaint_route(complaint_id bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint := sv._complaint_for_dispatcher(complaint_id);
  r record;
  s record;
BEGIN
  IF c.department_id IS NOT NULL OR c.state <> 'received' THEN
    RAISE EXCEPTION 'complaint %: only an item waiting for dispatch is routed (it is %)', c.id,
      c.state || coalesce(' at ' || (SELECT d.code FROM sv.department d WHERE d.id = c.department_id), '')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  r := sv._complaint_route(c);
  s := sv._complaint_sign_clock(c.channel, r.department_id, sv.local_date(now()));
  UPDATE sv.complaint x SET route_note = r.note, department_id = r.department_id,
         sign_start = CASE WHEN s.due IS NOT NULL THEN sv.local_date(now()) END, sign_workdays = s.workdays, sign_due = s.due,
         sign_due_provisional = s.provisional
  WHERE x.id = c.id;
  IF r.department_id IS NOT NULL THEN
    PERFORM sv._complaint_step(c, 'assign', 'received', r.note,
              jsonb_build_object('from_department_id', NULL, 'department_id', r.department_id, 'routed', true)
              || CASE WHEN s.due IS NOT NULL THEN jsonb_build_object('sign_due', s.due) ELSE '{}' END);
  END IF;
  RETURN r.department_id;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_route(bigint) IS
  'Route an item of the dispatch queue by duty and territory again (dispatchers: administrators, the 12345 system)';
GRANT EXECUTE ON FUNCTION sv.complaint_route(bigint) TO sv_admin, sv_integration;

-- The dispatch queue (待派单): items no department holds, with why; more than two returns flag
-- an item for the dispatcher (推诿扯皮).
CREATE VIEW sv_work.complaint_dispatch WITH (security_invoker = true) AS
  SELECT c.id, c.work_order_no, c.kind, sv.label_zh('complaint.kind', c.kind) AS kind_zh,
         c.channel, sv.label_zh('complaint.channel', c.channel) AS channel_zh,
         c.received_at, c.subject_uscc, c.subject_name, c.place_region_code,
         public.ST_X(c.place_point) AS place_lon, public.ST_Y(c.place_point) AS place_lat,
         c.route_note AS reason, c.returns, c.returns > 2 AS ping_pong,
         (SELECT s.reason FROM sv.complaint_step s WHERE s.complaint_id = c.id AND s.action = 'return' ORDER BY s.id DESC LIMIT 1)
           AS last_return_reason,
         c.accept_due, x.accept_state, sv.label_zh('deadline.state', x.accept_state) AS accept_state_zh
  FROM sv.complaint c
  CROSS JOIN LATERAL (SELECT sv.deadline_state('complaint.accept_due', c.accept_due, c.decided_at) AS accept_state) x
  WHERE c.department_id IS NULL AND c.state = 'received';
COMMENT ON VIEW sv_work.complaint_dispatch IS
  '待派单投诉举报 / The dispatch queue: complaints and reports no department holds, why, and how often returned';
COMMENT ON COLUMN sv_work.complaint_dispatch.id IS '投诉举报编号';
COMMENT ON COLUMN sv_work.complaint_dispatch.work_order_no IS '工单编号';
COMMENT ON COLUMN sv_work.complaint_dispatch.kind IS '类别代码:complaint 投诉, report 举报, inquiry 咨询, suggestion 建议';
COMMENT ON COLUMN sv_work.complaint_dispatch.kind_zh IS '类别';
COMMENT ON COLUMN sv_work.complaint_dispatch.channel IS '渠道代码:hotline 12345热线, portal 网上平台, letter 来信, visit 来访';
COMMENT ON COLUMN sv_work.complaint_dispatch.channel_zh IS '渠道';
COMMENT ON COLUMN sv_work.complaint_dispatch.received_at IS '接收时间';
COMMENT ON COLUMN sv_work.complaint_dispatch.subject_uscc IS '被投诉举报对象统一社会信用代码';
COMMENT ON COLUMN sv_work.complaint_dispatch.subject_name IS '被投诉举报对象名称';
COMMENT ON COLUMN sv_work.complaint_dispatch.place_region_code IS '事发地行政区划代码';
COMMENT ON COLUMN sv_work.complaint_dispatch.place_lon IS '事发地点经度(WGS 84)';
COMMENT ON COLUMN sv_work.complaint_dispatch.place_lat IS '事发地点纬度(WGS 84)';
COMMENT ON COLUMN sv_work.complaint_dispatch.reason IS '未能自动派单的原因';
COMMENT ON COLUMN sv_work.complaint_dispatch.returns IS '退回次数';
COMMENT ON COLUMN sv_work.complaint_dispatch.ping_pong IS '是否多次退回(超过2次,需派单员协调)';
COMMENT ON COLUMN sv_work.complaint_dispatch.last_return_reason IS '最近一次退回理由';
COMMENT ON COLUMN sv_work.complaint_dispatch.accept_due IS '受理期限';
COMMENT ON COLUMN sv_work.complaint_dispatch.accept_state IS '受理期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期';
COMMENT ON COLUMN sv_work.complaint_dispatch.accept_state_zh IS '受理期限状态';
GRANT SELECT ON sv_work.complaint_dispatch TO sv_officer, sv_admin, sv_auditor;

-- One item in from any channel (the callers check who may call): its id.  payload, a JSON object:
--   work_order_no  required, the channel's number: 4-40 letters, digits, "-" or "_" (idempotency key
--                  per channel: the 12345 work order, the portal's tracking code, the letter or
--                  visit's register number)
--   kind           required: complaint 投诉, report 举报, inquiry 咨询, suggestion 建议
--   text           required: what the person says, 1-4000 characters (line breaks allowed)
--   received_at    required: when the hotline received it, ISO 8601 with time zone, not in the future
--   subject        optional object: uscc, or name (and address)
--   place          optional object: address, region (a region code), point ({"lon": 113.19,
--                  "lat": 33.77}: WGS 84 degrees inside China's bounding box)
--   person         the caller: name (required in it), phone, id_number; or
--   anonymous      true (then no person)
--   attachments    optional array (at most 20) of objects: ref (required), name, sha256
--   catalog_item   optional: the code of the supervision item (监管事项) the matter concerns
--   department     optional: the code of the department 12345 dispatched it to; without it the
--                  item is routed (sv._complaint_route) or waits in the dispatch queue
-- The same work order again: its id, nothing written (the same content) or 23505 (different).
CREATE OR REPLACE FUNCTION sv._complaint_intake(payload jsonb, channel text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  c sv.complaint;
  p sv.complaint_person;
  v_old sv.complaint;
  old_p sv.complaint_person;
  v_subject jsonb;
  v_place jsonb;
  v_person jsonb;
  v_anon jsonb;
  v_att jsonb;
  v_text text;
  v_problem text;
  v_dept text;
  v_diff text;
  v_received_dept integer;
  i integer;
  r record;
BEGIN
  PERFORM sv._require_given(ARRAY['payload'], ARRAY[payload IS NULL]);
  IF jsonb_typeof(payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object, not a JSON %', jsonb_typeof(payload) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._payload_keys(payload, 'payload', '{work_order_no,kind,text,received_at,subject,place,person,anonymous,attachments,catalog_item,department}');

  c.channel := _complaint_intake.channel;
  c.work_order_no := sv._payload_text(payload, 'work_order_no', 'work_order_no', 40);
  IF c.work_order_no IS NULL OR c.work_order_no !~ '^[0-9A-Za-z][0-9A-Za-z_-]{3,39}$' THEN
    RAISE EXCEPTION 'work_order_no must be 4-40 letters, digits, "-" or "_", not %', coalesce(quote_literal(c.work_order_no), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  c.kind := sv._payload_text(payload, 'kind', 'kind', 20);
  PERFORM sv._require_one_of('kind', c.kind, '{complaint,report,inquiry,suggestion}');

  -- the text: free text, so line breaks and tabs are allowed, other control characters not
  IF jsonb_typeof(payload -> 'text') IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION 'text must be a string, not %', coalesce('a JSON ' || jsonb_typeof(payload -> 'text'), 'missing')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_text := btrim(payload ->> 'text', E' \n\r\t');
  IF v_text = '' THEN
    RAISE EXCEPTION 'text must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_problem := sv._label_problem(translate(v_text, E'\n\r\t', '   '));
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION 'text must be printable text: it contains %', v_problem USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF char_length(v_text) > 4000 THEN
    RAISE EXCEPTION 'text is % characters long: at most 4000 are allowed', char_length(v_text)
      USING ERRCODE = 'string_data_right_truncation';
  END IF;
  c.body := v_text;

  c.received_at := sv._payload_time(payload, 'received_at', 'received_at');
  IF c.received_at > now() + interval '5 minutes' OR c.received_at < '2000-01-01 00:00+08' THEN
    RAISE EXCEPTION 'received_at % is % the hotline''s time', payload ->> 'received_at',
      CASE WHEN c.received_at < '2000-01-01 00:00+08' THEN 'before 2000: not' ELSE 'in the future: not' END
      USING ERRCODE = 'datetime_field_overflow';
  END IF;

  v_subject := sv._payload_object(payload, 'subject', 'subject');
  IF v_subject IS NOT NULL THEN
    PERFORM sv._payload_keys(v_subject, 'subject', '{uscc,name,address}');
    IF v_subject ? 'uscc' THEN
      PERFORM sv._require_uscc('subject.uscc', sv._payload_text(v_subject, 'uscc', 'subject.uscc', 18));
      c.subject_uscc := (v_subject ->> 'uscc')::sv.uscc;
    END IF;
    c.subject_name := sv._payload_text(v_subject, 'name', 'subject.name', 200);
    c.subject_address := sv._payload_text(v_subject, 'address', 'subject.address', 200);
    IF c.subject_uscc IS NULL AND c.subject_name IS NULL THEN
      RAISE EXCEPTION 'subject must give its uscc or its name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;

  v_place := sv._payload_object(payload, 'place', 'place');
  IF v_place IS NOT NULL THEN
    PERFORM sv._payload_keys(v_place, 'place', '{address,region,point}');
    c.place_address := sv._payload_text(v_place, 'address', 'place.address', 200);
    c.place_region_code := sv._payload_text(v_place, 'region', 'place.region', 12);
    IF c.place_region_code IS NOT NULL THEN
      PERFORM sv._require_region('place.region', c.place_region_code);
    END IF;
    c.place_point := sv._payload_point(v_place, 'point', 'place.point');
  END IF;

  -- the person, or anonymous: exactly one of them
  v_anon := payload -> 'anonymous';
  IF v_anon IS NOT NULL AND jsonb_typeof(v_anon) NOT IN ('boolean', 'null') THEN
    RAISE EXCEPTION 'anonymous must be true or false, not a JSON %', jsonb_typeof(v_anon) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_person := sv._payload_object(payload, 'person', 'person');
  c.anonymous := coalesce((v_anon #>> '{}')::boolean, false);
  IF c.anonymous AND v_person IS NOT NULL THEN
    RAISE EXCEPTION 'person must be absent when anonymous is true' USING ERRCODE = 'invalid_parameter_value';
  ELSIF NOT c.anonymous AND v_person IS NULL THEN
    RAISE EXCEPTION 'person must be given (name, phone, id_number) unless anonymous is true'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_person IS NOT NULL THEN
    PERFORM sv._payload_keys(v_person, 'person', '{name,phone,id_number}');
    p.name := sv._payload_text(v_person, 'name', 'person.name', 50);
    IF p.name IS NULL THEN
      RAISE EXCEPTION 'person.name must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    p.phone := sv._payload_text(v_person, 'phone', 'person.phone', 20);
    IF p.phone IS NOT NULL AND p.phone !~ '^\+?[0-9][0-9-]{4,18}[0-9]$' THEN
      -- the value is not repeated: it is the reporter's
      RAISE EXCEPTION 'person.phone must be 6-20 digits (a leading + and inner - allowed)' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    p.id_number := upper(sv._payload_text(v_person, 'id_number', 'person.id_number', 18));
    v_problem := sv._id_number_problem(p.id_number);
    IF v_problem IS NOT NULL THEN
      RAISE EXCEPTION 'person.id_number is not a valid resident identity number: %', v_problem
        USING ERRCODE = 'invalid_text_representation';
    END IF;
    c.person_name_masked := sv.mask_person_name(p.name);
    c.person_phone_masked := sv.mask_phone(p.phone);
    c.person_id_masked := sv.mask_id_number(p.id_number);
  END IF;

  v_att := coalesce(nullif(payload -> 'attachments', 'null'), '[]');
  IF jsonb_typeof(v_att) <> 'array' THEN
    RAISE EXCEPTION 'attachments must be a JSON array, not a JSON %', jsonb_typeof(v_att) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(v_att) > 20 THEN
    RAISE EXCEPTION 'attachments has % items: at most 20 are allowed', jsonb_array_length(v_att)
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  c.attachments := '[]';
  FOR i IN 0 .. jsonb_array_length(v_att) - 1 LOOP
    IF jsonb_typeof(v_att -> i) <> 'object' THEN
      RAISE EXCEPTION 'attachments[%] must be a JSON object, not a JSON %', i, jsonb_typeof(v_att -> i)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sv._payload_keys(v_att -> i, format('attachments[%s]', i), '{ref,name,sha256}');
    IF sv._payload_text(v_att -> i, 'ref', format('attachments[%s].ref', i), 500) IS NULL THEN
      RAISE EXCEPTION 'attachments[%].ref must not be empty', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sv._payload_text(v_att -> i, 'name', format('attachments[%s].name', i), 200);
    IF sv._payload_text(v_att -> i, 'sha256', format('attachments[%s].sha256', i), 64) !~ '^[0-9a-f]{64}$' THEN
      RAISE EXCEPTION 'attachments[%].sha256 must be 64 lower-case hexadecimal digits', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    c.attachments := c.attachments || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
      'ref', btrim(v_att -> i ->> 'ref'), 'name', btrim(v_att -> i ->> 'name'), 'sha256', v_att -> i ->> 'sha256')));
  END LOOP;

  v_dept := sv._payload_text(payload, 'catalog_item', 'catalog_item', 64);
  IF v_dept IS NOT NULL THEN
    SELECT ci.id INTO c.catalog_item_id FROM sv.catalog_item ci WHERE ci.code = v_dept;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'catalog_item: catalogue item % does not exist', quote_literal(v_dept) USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;

  v_dept := sv._payload_text(payload, 'department', 'department', 30);
  IF v_dept IS NOT NULL THEN
    SELECT d.id INTO c.department_id FROM sv.department d WHERE d.code = v_dept;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'department: department % does not exist', quote_literal(v_dept) USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;

  -- §14: accept or refuse a complaint within 7 working days of receipt (the day itself not counted)
  IF c.kind = 'complaint' THEN
    c.accept_workdays := sv._complaint_policy_days('accept');
    c.accept_due := sv.add_workdays(sv.local_date(c.received_at), c.accept_workdays);
    c.accept_due_provisional := sv.calendar_provisional_between(sv.local_date(c.received_at), c.accept_due);
  END IF;

  -- not dispatched by the channel: routed by duty and territory now, so that the item is written
  -- once with its department (or the reason it waits in the dispatch queue); the step 'assign'
  -- follows the intake's audit record
  v_received_dept := c.department_id;
  IF c.department_id IS NULL THEN
    r := sv._complaint_route(c);
    c.department_id := r.department_id;
    c.route_note := r.note;
  END IF;
  -- a 12345 work order with a department: signed for (签收) within the policy's limit, counted
  -- from the day of receipt (the order comes dispatched)
  r := sv._complaint_sign_clock(c.channel, c.department_id, sv.local_date(c.received_at));
  IF r.due IS NOT NULL THEN
    c.sign_start := sv.local_date(c.received_at);
    c.sign_workdays := r.workdays;
    c.sign_due := r.due;
  END IF;
  c.sign_due_provisional := r.provisional;

  -- idempotent on the work-order number: the same content again is the same item.  Two first
  -- deliveries at once: the second waits on the unique key, finds nothing inserted, and loops
  -- to compare with the first one's row.
  LOOP
    SELECT * INTO v_old FROM sv.complaint x WHERE x.channel = c.channel AND x.work_order_no = c.work_order_no FOR UPDATE;
    IF FOUND THEN
      SELECT * INTO old_p FROM sv.complaint_person x WHERE x.complaint_id = v_old.id;
      SELECT string_agg(f, ', ' ORDER BY f) INTO v_diff FROM (VALUES
          ('kind', v_old.kind IS DISTINCT FROM c.kind), ('text', v_old.body IS DISTINCT FROM c.body),
          ('received_at', v_old.received_at IS DISTINCT FROM c.received_at),
          ('subject', (v_old.subject_uscc, v_old.subject_name, v_old.subject_address) IS DISTINCT FROM (c.subject_uscc, c.subject_name, c.subject_address)),
          ('place', (v_old.place_address, v_old.place_region_code, public.ST_AsEWKB(v_old.place_point))
                    IS DISTINCT FROM (c.place_address, c.place_region_code, public.ST_AsEWKB(c.place_point))),
          ('person', (v_old.anonymous, old_p.name, old_p.phone, old_p.id_number) IS DISTINCT FROM (c.anonymous, p.name, p.phone, p.id_number)),
          ('attachments', v_old.attachments IS DISTINCT FROM c.attachments),
          ('catalog_item', v_old.catalog_item_id IS DISTINCT FROM c.catalog_item_id),
          ('department', v_old.received_department_id IS DISTINCT FROM v_received_dept)) v(f, differs)
      WHERE differs;
      IF v_diff IS NOT NULL THEN
        RAISE EXCEPTION 'work_order_no: work order % was already received with different content (%)', c.work_order_no, v_diff
          USING ERRCODE = 'unique_violation', HINT = 'a changed work order is a new step of the item, not a second intake';
      END IF;
      RETURN v_old.id;
    END IF;
    INSERT INTO sv.complaint (work_order_no, kind, channel, body, subject_uscc, subject_name, subject_address, place_address,
                              place_region_code, anonymous, person_name_masked, person_phone_masked, person_id_masked,
                              attachments, received_at, department_id, state, recorded_by, recorded_at, accept_due,
                              accept_due_provisional, accept_workdays, catalog_item_id, received_department_id, route_note,
                              sign_start, sign_workdays, sign_due, sign_due_provisional, place_point)
    VALUES (c.work_order_no, c.kind, c.channel, c.body, c.subject_uscc, c.subject_name, c.subject_address, c.place_address,
            c.place_region_code, c.anonymous, c.person_name_masked, c.person_phone_masked, c.person_id_masked,
            c.attachments, c.received_at, c.department_id, 'received', sv._outer_user(), now(), c.accept_due,
            coalesce(c.accept_due_provisional, false), c.accept_workdays, c.catalog_item_id, v_received_dept, c.route_note,
            c.sign_start, c.sign_workdays, c.sign_due, c.sign_due_provisional, c.place_point)
    ON CONFLICT ON CONSTRAINT complaint_work_order_no_key DO NOTHING
    RETURNING id INTO c.id;
    EXIT WHEN c.id IS NOT NULL;
  END LOOP;
  IF NOT c.anonymous THEN
    INSERT INTO sv.complaint_person (complaint_id, name, phone, id_number) VALUES (c.id, p.name, p.phone, p.id_number);
  END IF;
  -- the audit record: no identity (举报人信息保密), not even masked, and not the text, which the
  -- person may have signed; its SHA-256 proves what was received
  PERFORM sv.audit_append(v_received_dept, 'complaint', c.id::text, 'receive',
    jsonb_build_object('work_order_no', c.work_order_no, 'kind', c.kind, 'channel', c.channel,
                       'text_sha256', encode(sha256(convert_to(c.body, 'UTF8')), 'hex'),
                       'received_at', c.received_at, 'subject_uscc', c.subject_uscc, 'subject_name', c.subject_name,
                       'place_region', c.place_region_code,
                       'place_point', CASE WHEN c.place_point IS NOT NULL THEN jsonb_build_object(
                         'lon', public.ST_X(c.place_point), 'lat', public.ST_Y(c.place_point)) END,
                       'anonymous', c.anonymous,
                       'attachments', jsonb_array_length(c.attachments), 'department_id', v_received_dept,
                       'state', 'received', 'accept_due', c.accept_due, 'catalog_item_id', c.catalog_item_id));
  -- routed (not dispatched by the channel): the step 'assign', with how
  IF v_received_dept IS NULL AND c.department_id IS NOT NULL THEN
    c.state := 'received';
    PERFORM sv._complaint_step(c, 'assign', 'received', c.route_note,
              jsonb_build_object('from_department_id', NULL, 'department_id', c.department_id, 'routed', true)
              || CASE WHEN c.sign_due IS NOT NULL THEN jsonb_build_object('sign_due', c.sign_due) ELSE '{}' END);
  END IF;
  RETURN c.id;
END
$fn$;

-- Receive one 12345 work order (市长热线工单): the hotline's system (sv_integration).
CREATE OR REPLACE FUNCTION sv.complaint_receive(payload jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_role('receive 12345 work orders', '{sv_integration}');
  RETURN sv._complaint_intake(payload, 'hotline');
END
$fn$;
COMMENT ON FUNCTION sv.complaint_receive(jsonb) IS
  'Receive one 12345 work order (complaint, report, inquiry, suggestion); idempotent on its number; returns the item''s id';
GRANT EXECUTE ON FUNCTION sv.complaint_receive(jsonb) TO sv_integration;

-- ---------------------------------------------------------------------------------------------
-- The other channels: the public portal (网上投诉举报, sv_public), letters and visits recorded by
-- officials (来信, 来访), batches of 12345 work orders (the ingest kind 'complaint').
-- ---------------------------------------------------------------------------------------------

-- The portal's submission, sv.complaint_submit, is in 75_complaint_portal_limit.sql, after the
-- rate limits it applies.


-- The status of a portal submission by its tracking code, without personal data or text: the
-- kind, the state, the department, the acceptance deadline and the steps with their dates.
-- An unknown code gives no row (the same answer for every code that is not one's own).
CREATE OR REPLACE FUNCTION sv.complaint_status(tracking_code text)
RETURNS TABLE (tracking_code text, kind text, kind_zh text, state text, state_zh text, received_on date,
               department_name text, accept_due date, steps jsonb)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT c.work_order_no, c.kind,
         sv.label_zh('complaint.kind', c.kind),
         c.state, sv.label_zh('complaint.state', c.state), sv.local_date(c.received_at), d.name_zh, c.accept_due,
         coalesce((SELECT jsonb_agg(jsonb_build_object('step', t.label_zh, 'on', sv.local_date(s.acted_at)) ORDER BY s.id)
                   FROM sv.complaint_step s
                   LEFT JOIN sv.complaint_transition t ON t.action = s.action AND t.from_state = s.from_state
                   WHERE s.complaint_id = c.id), '[]')
  FROM sv.complaint c LEFT JOIN sv.department d ON d.id = c.department_id
  WHERE c.channel = 'portal' AND c.work_order_no = upper(btrim(complaint_status.tracking_code))
$fn$;
COMMENT ON FUNCTION sv.complaint_status(text) IS
  'The status of a portal submission by its tracking code (查询码): no personal data, no text';
GRANT EXECUTE ON FUNCTION sv.complaint_status(text) TO sv_public, sv_officer, sv_admin, sv_auditor;

-- Officials record a letter (来信) or a visit (来访) received by their department: the fields of
-- sv.complaint_receive, work_order_no being the register number (登记号), without department
-- (the item is the officer's department's).
CREATE OR REPLACE FUNCTION sv.complaint_record(channel text, payload jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['channel', 'payload'], ARRAY[channel IS NULL, payload IS NULL]);
  PERFORM sv._require_role('record a letter or visit', '{sv_officer}');
  PERFORM sv._require_mapping('record a letter or visit');
  PERFORM sv._require_one_of('channel', channel, ARRAY['letter', 'visit']);
  IF jsonb_typeof(payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object, not a JSON %', jsonb_typeof(payload) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF payload ? 'department' THEN
    RAISE EXCEPTION 'payload: department is not given: a letter or visit is the recording officer''s department''s'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN sv._complaint_intake(payload || jsonb_build_object('department',
           (SELECT d.code FROM sv.department d WHERE d.id = me.department_id)), channel);
END
$fn$;
COMMENT ON FUNCTION sv.complaint_record(text, jsonb) IS
  'Officials: record a letter (来信) or visit (来访) received by their department; idempotent on its register number';
GRANT EXECUTE ON FUNCTION sv.complaint_record(text, jsonb) TO sv_officer;

-- Batches of 12345 work orders (the ingest kind 'complaint': sv.ingest or COPY into
-- sv.complaint_staging then sv.ingest_staged): one record a work order, the fields of
-- sv.complaint_receive flattened.  Each record goes through the same intake; a bad one is a
-- reject with its SQLSTATE and message, never the batch's end.
CREATE TABLE sv.complaint_staging (
  loaded_by        text NOT NULL DEFAULT current_user,
  line             bigint GENERATED BY DEFAULT AS IDENTITY,
  work_order_no    text,
  kind             text,
  text             text,
  received_at      text,
  subject_uscc     text,
  subject_name     text,
  subject_address  text,
  place_address    text,
  place_region     text,
  person_name      text,
  person_phone     text,
  person_id_number text,
  anonymous        text,
  catalog_item     text,
  department       text,
  place_lon        text,
  place_lat        text
);
CREATE INDEX complaint_staging_loaded_by_idx ON sv.complaint_staging (loaded_by, line);
COMMENT ON TABLE sv.complaint_staging IS
  'Bulk ingest of 12345 work orders: COPY rows here, then call sv.ingest_staged(source, ''complaint'')';

CREATE OR REPLACE FUNCTION sv._complaint_merge(batch_source text, batch sv.complaint_staging[])
RETURNS TABLE (line bigint, key text, outcome text, errcode text, message text, detail text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r sv.complaint_staging;
  v_payload jsonb;
  v_point jsonb;
  v_existed boolean;
  v_too text[];
BEGIN
  FOREACH r IN ARRAY batch LOOP
    line := r.line;
    key := r.work_order_no;
    errcode := NULL; message := NULL; detail := NULL;
    -- the field limits of the kind first (sv.ingest_kind.field_limits), as every kind does
    v_too := coalesce(sv._too_long('work_order_no', r.work_order_no, 40), sv._too_long('text', r.text, 4000),
                      sv._too_long('subject_name', r.subject_name, 200), sv._too_long('subject_address', r.subject_address, 200),
                      sv._too_long('place_address', r.place_address, 200), sv._too_long('person_name', r.person_name, 50),
                      sv._too_long('person_phone', r.person_phone, 20), sv._too_long('person_id_number', r.person_id_number, 18),
                      sv._too_long('place_lon', r.place_lon, 32), sv._too_long('place_lat', r.place_lat, 32),
                      sv._too_long('source_system', batch_source, 64));
    IF v_too IS NOT NULL THEN
      outcome := 'rejected'; errcode := v_too[1]; message := v_too[2]; detail := v_too[3];
      RETURN NEXT;
      CONTINUE;
    END IF;
    BEGIN
      -- the place's point: place_lon and place_lat, decimal degrees (WGS 84), both or neither
      v_point := NULL;
      IF nullif(btrim(r.place_lon), '') IS NOT NULL OR nullif(btrim(r.place_lat), '') IS NOT NULL THEN
        IF nullif(btrim(r.place_lon), '') IS NULL OR nullif(btrim(r.place_lat), '') IS NULL THEN
          RAISE EXCEPTION 'place_lon and place_lat go together' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF btrim(r.place_lon) !~ '^[-+]?[0-9]{1,3}(\.[0-9]{1,15})?$' THEN
          RAISE EXCEPTION 'place_lon must be a number of degrees (WGS 84), not %', quote_literal(r.place_lon)
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF btrim(r.place_lat) !~ '^[-+]?[0-9]{1,3}(\.[0-9]{1,15})?$' THEN
          RAISE EXCEPTION 'place_lat must be a number of degrees (WGS 84), not %', quote_literal(r.place_lat)
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_point := jsonb_build_object('lon', btrim(r.place_lon)::numeric, 'lat', btrim(r.place_lat)::numeric);
      END IF;
      v_payload := jsonb_strip_nulls(jsonb_build_object(
        'work_order_no', r.work_order_no, 'kind', r.kind, 'text', r.text, 'received_at', r.received_at,
        'subject', nullif(jsonb_strip_nulls(jsonb_build_object('uscc', nullif(btrim(r.subject_uscc), ''),
                     'name', nullif(btrim(r.subject_name), ''), 'address', nullif(btrim(r.subject_address), ''))), '{}'),
        'place', nullif(jsonb_strip_nulls(jsonb_build_object('address', nullif(btrim(r.place_address), ''),
                     'region', nullif(btrim(r.place_region), ''), 'point', v_point)), '{}'),
        'person', nullif(jsonb_strip_nulls(jsonb_build_object('name', nullif(btrim(r.person_name), ''),
                     'phone', nullif(btrim(r.person_phone), ''), 'id_number', nullif(btrim(r.person_id_number), ''))), '{}'),
        'anonymous', CASE lower(btrim(r.anonymous)) WHEN 'true' THEN true WHEN 't' THEN true WHEN '1' THEN true
                                                    WHEN 'false' THEN false WHEN 'f' THEN false WHEN '0' THEN false END,
        'catalog_item', nullif(btrim(r.catalog_item), ''), 'department', nullif(btrim(r.department), '')));
      IF nullif(btrim(r.anonymous), '') IS NOT NULL AND NOT v_payload ? 'anonymous' THEN
        RAISE EXCEPTION 'anonymous must be true or false, not %', quote_literal(r.anonymous) USING ERRCODE = 'invalid_parameter_value';
      END IF;
      v_existed := EXISTS (SELECT 1 FROM sv.complaint c WHERE c.channel = 'hotline' AND c.work_order_no = btrim(r.work_order_no));
      PERFORM sv._complaint_intake(v_payload, 'hotline');
      outcome := CASE WHEN v_existed THEN 'unchanged' ELSE 'inserted' END;
    EXCEPTION WHEN OTHERS THEN
      outcome := 'rejected';
      GET STACKED DIAGNOSTICS errcode = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
      detail := nullif(detail, '');
    END;
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- sv:rerun (the ingest kind, 39_ingest_kind: the registry is code, every update registers again)
SELECT sv._ingest_kind_register('complaint', '12345工单', 50, 'sv.complaint_staging', '_complaint_merge',
  field_limits => '{"work_order_no": 40, "text": 4000, "subject_name": 200, "subject_address": 200, "place_address": 200,
                    "person_name": 50, "person_phone": 20, "person_id_number": 18, "place_lon": 32, "place_lat": 32,
                    "source_system": 64}');

-- ---------------------------------------------------------------------------------------------
-- Views: the officers' queue (待办), the public monthly counts, the statistics for BI.
-- ---------------------------------------------------------------------------------------------

-- The deadline an item owes now: the earliest open one of the statutory deadline of its state
-- (acceptance while received, handling while accepted, the reply while handled or refused) and the
-- 12345 platform's own (the sign-for of a work order not signed for while received, the 12345
-- reply from the sign-for until the reply), so the queue's overdue and due soon count the 12345
-- limits too; on the same day the sign-for first, then the statutory one, then the 12345 reply.
CREATE OR REPLACE FUNCTION sv._complaint_current_deadline(c sv.complaint, OUT deadline text, OUT due_on date)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT x.deadline, x.due
  FROM (VALUES (1, 'complaint.sign_due', CASE WHEN c.state = 'received' AND c.signed_at IS NULL THEN c.sign_due END),
               (2, 'complaint.accept_due', CASE WHEN c.state = 'received' THEN c.accept_due END),
               (2, 'complaint.handle_due', CASE WHEN c.state = 'accepted' THEN c.handle_due END),
               (2, 'complaint.reply_due', CASE WHEN c.state IN ('handled', 'refused') THEN c.reply_due END),
               (3, 'complaint.hotline_reply_due',
                CASE WHEN c.state IN ('received', 'accepted', 'handled', 'refused') AND c.replied_at IS NULL
                     THEN c.hotline_reply_due END)) x(rank, deadline, due)
  WHERE x.due IS NOT NULL
  ORDER BY x.due, x.rank
  LIMIT 1
$fn$;

GRANT EXECUTE ON FUNCTION sv._complaint_current_deadline(sv.complaint), sv._complaint_following(bigint)
  TO sv_officer, sv_admin, sv_auditor;

-- My queue: the open items of the caller's department (every department's for auditors and
-- administrators), the next step, the deadline owed and its state, returns and supervision.
CREATE VIEW sv_work.complaint_queue WITH (security_invoker = true) AS
  SELECT c.id, c.work_order_no, c.kind, sv.label_zh('complaint.kind', c.kind) AS kind_zh,
         c.channel, sv.label_zh('complaint.channel', c.channel) AS channel_zh,
         c.state, sv.label_zh('complaint.state', c.state) AS state_zh,
         c.department_id, dp.name_zh AS department_name, c.subject_uscc, c.subject_name, c.place_region_code, c.received_at,
         (SELECT string_agg(t.action, ',' ORDER BY t.action) FROM sv.complaint_transition t
          WHERE t.from_state = c.state AND c.kind = ANY (t.kinds) AND t.action NOT IN ('assign', 'revisit')
            AND (t.action <> 'sign' OR (c.channel = 'hotline' AND c.signed_at IS NULL))) AS next_steps,
         d.deadline, d.due_on, sv.workdays_between(sv.local_date(now()), d.due_on) AS workdays_left,
         x.deadline_state, sv.label_zh('deadline.state', x.deadline_state) AS deadline_state_zh,
         c.returns, EXISTS (SELECT 1 FROM sv.complaint_supervision s WHERE s.complaint_id = c.id) AS supervised,
         EXISTS (SELECT 1 FROM sv.complaint_extension e WHERE e.complaint_id = c.id AND e.approved IS NULL) AS extension_pending,
         sv._complaint_following(c.id) AS merged_items
  FROM sv.complaint c
  CROSS JOIN LATERAL sv._complaint_current_deadline(c) d
  CROSS JOIN LATERAL (SELECT CASE WHEN d.deadline IS NOT NULL THEN sv.deadline_state(d.deadline, d.due_on, NULL) END
                               AS deadline_state) x
  LEFT JOIN sv.department dp ON dp.id = c.department_id
  WHERE c.state NOT IN ('closed', 'revisited') AND c.department_id IS NOT NULL
    AND (c.department_id = sv.scope_department() OR (SELECT s.sees_all FROM sv.current_scope() s))
    -- a merged item is no work of its own: its primary's row stands for it (merged_items)
    AND c.primary_id IS NULL;
COMMENT ON VIEW sv_work.complaint_queue IS
  '投诉举报待办 / The open complaints and reports of the caller''s department: next step, the deadline owed and its state';
COMMENT ON COLUMN sv_work.complaint_queue.id IS '投诉举报编号';
COMMENT ON COLUMN sv_work.complaint_queue.work_order_no IS '工单编号';
COMMENT ON COLUMN sv_work.complaint_queue.kind IS '类别代码:complaint 投诉, report 举报, inquiry 咨询, suggestion 建议';
COMMENT ON COLUMN sv_work.complaint_queue.kind_zh IS '类别';
COMMENT ON COLUMN sv_work.complaint_queue.channel IS '渠道代码:hotline 12345热线, portal 网上平台, letter 来信, visit 来访';
COMMENT ON COLUMN sv_work.complaint_queue.channel_zh IS '渠道';
COMMENT ON COLUMN sv_work.complaint_queue.state IS '状态代码:received 已接收, accepted 已受理, refused 不予受理, handled 已办理, replied 已答复, closed 已办结, revisited 已回访';
COMMENT ON COLUMN sv_work.complaint_queue.state_zh IS '状态';
COMMENT ON COLUMN sv_work.complaint_queue.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.complaint_queue.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_work.complaint_queue.subject_uscc IS '被投诉举报对象统一社会信用代码';
COMMENT ON COLUMN sv_work.complaint_queue.subject_name IS '被投诉举报对象名称';
COMMENT ON COLUMN sv_work.complaint_queue.place_region_code IS '事发地行政区划代码';
COMMENT ON COLUMN sv_work.complaint_queue.received_at IS '接收时间';
COMMENT ON COLUMN sv_work.complaint_queue.next_steps IS '可办理环节代码(逗号分隔)';
COMMENT ON COLUMN sv_work.complaint_queue.deadline IS '当前期限代码';
COMMENT ON COLUMN sv_work.complaint_queue.due_on IS '当前期限截止日期';
COMMENT ON COLUMN sv_work.complaint_queue.workdays_left IS '剩余工作日(负数:已逾期)';
COMMENT ON COLUMN sv_work.complaint_queue.deadline_state IS '期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期';
COMMENT ON COLUMN sv_work.complaint_queue.deadline_state_zh IS '期限状态';
COMMENT ON COLUMN sv_work.complaint_queue.returns IS '退回次数';
COMMENT ON COLUMN sv_work.complaint_queue.supervised IS '是否已督办';
COMMENT ON COLUMN sv_work.complaint_queue.extension_pending IS '是否有待审批的延期申请';
COMMENT ON COLUMN sv_work.complaint_queue.merged_items IS '随本件办理的合并件数(尚未答复)';
GRANT SELECT ON sv_work.complaint_queue TO sv_officer, sv_admin, sv_auditor;

CREATE VIEW sv_work.complaint_overdue WITH (security_invoker = true) AS
  SELECT * FROM sv_work.complaint_queue q WHERE q.deadline_state = 'overdue';
COMMENT ON VIEW sv_work.complaint_overdue IS '逾期投诉举报 / The caller''s department''s items whose current deadline has passed';
CREATE VIEW sv_work.complaint_due_soon WITH (security_invoker = true) AS
  SELECT * FROM sv_work.complaint_queue q WHERE q.deadline_state = 'due_soon';
COMMENT ON VIEW sv_work.complaint_due_soon IS '即将到期投诉举报 / The caller''s department''s items whose current deadline is near';
-- sv:rerun (the same Chinese labels on the two filtered views)
DO $labels$
DECLARE
  v text;
  r record;
BEGIN
  FOREACH v IN ARRAY ARRAY['complaint_overdue', 'complaint_due_soon'] LOOP
    FOR r IN SELECT a.attname, d.description FROM pg_attribute a
             JOIN pg_description d ON d.objoid = 'sv_work.complaint_queue'::regclass AND d.objsubid = a.attnum
             WHERE a.attrelid = 'sv_work.complaint_queue'::regclass AND a.attnum > 0 LOOP
      EXECUTE pg_catalog.format('COMMENT ON COLUMN sv_work.%I.%I IS %L', v, r.attname, r.description);
    END LOOP;
    EXECUTE pg_catalog.format('GRANT SELECT ON sv_work.%I TO sv_officer, sv_admin, sv_auditor', v);
  END LOOP;
END
$labels$;

-- Published monthly counts (公开): items received and closed per month, department and kind.
-- Small cells are not published (a count of one or two may point at the person who complained or
-- reported, 举报人信息保密): a month, department and kind with fewer than 3 items received has no
-- row (so none can be told from an empty one), and a closed count of 1 or 2 is shown empty.
CREATE VIEW sv_public.complaint_monthly AS
  SELECT date_trunc('month', sv.local_date(c.received_at))::date AS month, d.code AS department_code,
         d.name_zh AS department_name, c.kind,
         sv.label_zh('complaint.kind', c.kind) AS kind_zh,
         count(*) AS received,
         CASE WHEN count(*) FILTER (WHERE c.state IN ('closed', 'revisited')) NOT IN (1, 2)
              THEN count(*) FILTER (WHERE c.state IN ('closed', 'revisited')) END AS closed
  FROM sv.complaint c LEFT JOIN sv.department d ON d.id = c.department_id
  GROUP BY 1, 2, 3, 4   -- kind_zh: from the grouped kind, once per group
  HAVING count(*) >= 3;
COMMENT ON VIEW sv_public.complaint_monthly IS '投诉举报月度统计(公开,少于3件不公布) / Complaints and reports received and closed per month, department and kind; cells under 3 not published';
COMMENT ON COLUMN sv_public.complaint_monthly.month IS '月份(接收月份第一天)';
COMMENT ON COLUMN sv_public.complaint_monthly.department_code IS '承办部门代码(空:待派单)';
COMMENT ON COLUMN sv_public.complaint_monthly.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_public.complaint_monthly.kind IS '类别代码:complaint 投诉, report 举报, inquiry 咨询, suggestion 建议';
COMMENT ON COLUMN sv_public.complaint_monthly.kind_zh IS '类别';
COMMENT ON COLUMN sv_public.complaint_monthly.received IS '接收件数(少于3件的不公布该行)';
COMMENT ON COLUMN sv_public.complaint_monthly.closed IS '办结件数(1至2件不公布,为空)';
GRANT SELECT ON sv_public.complaint_monthly TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;

-- Volumes and rates per month, department and kind (aggregates only).  One rule for every
-- on-time figure: a deadline met on or before its due date is on time, one met after it or still
-- open past it (overdue today) is late, one not yet due is not counted.  An item is on time when
-- it is closed with no statutory deadline late, late as soon as one is (closed or not), not
-- counted while open and not late.  The 12345 platform's own limits (sign-for, 12345 reply: the
-- city's rules, 12345 work orders only) are reported beside the statutory rate, not folded into
-- it (docs/complaints.md, Views).
CREATE VIEW sv_bi.complaint_summary AS
  SELECT date_trunc('month', sv.local_date(c.received_at))::date AS month, d.code AS department_code,
         d.name_zh AS department_name, c.kind, sv.label_zh('complaint.kind', c.kind) AS kind_zh,
         count(*) AS received,
         count(*) FILTER (WHERE o.accepted) AS accepted, count(*) FILTER (WHERE o.refused) AS refused,
         round(count(*) FILTER (WHERE o.accepted)::numeric / nullif(count(*) FILTER (WHERE o.accepted OR o.refused), 0), 3)
           AS acceptance_rate,
         count(*) FILTER (WHERE c.state IN ('closed', 'revisited')) AS closed,
         count(*) FILTER (WHERE c.state IN ('closed', 'revisited') AND NOT o.late) AS closed_on_time,
         count(*) FILTER (WHERE o.late) AS late,
         round(count(*) FILTER (WHERE c.state IN ('closed', 'revisited') AND NOT o.late)::numeric
               / nullif(count(*) FILTER (WHERE c.state IN ('closed', 'revisited') OR o.late), 0), 3) AS on_time_rate,
         count(*) FILTER (WHERE o.sign_state = 'done_on_time') AS signed_on_time,
         count(*) FILTER (WHERE o.sign_state IN ('done_late', 'overdue')) AS sign_late,
         round(count(*) FILTER (WHERE o.sign_state = 'done_on_time')::numeric
               / nullif(count(*) FILTER (WHERE o.sign_state IN ('done_on_time', 'done_late', 'overdue')), 0), 3)
           AS sign_on_time_rate,
         count(*) FILTER (WHERE o.hotline_reply_state = 'done_on_time') AS hotline_replied_on_time,
         count(*) FILTER (WHERE o.hotline_reply_state IN ('done_late', 'overdue')) AS hotline_reply_late,
         round(count(*) FILTER (WHERE o.hotline_reply_state = 'done_on_time')::numeric
               / nullif(count(*) FILTER (WHERE o.hotline_reply_state IN ('done_on_time', 'done_late', 'overdue')), 0), 3)
           AS hotline_reply_on_time_rate,
         count(*) FILTER (WHERE c.satisfaction IS NOT NULL) AS revisited,
         round(count(*) FILTER (WHERE c.satisfaction IN ('satisfied', 'basically_satisfied'))::numeric
               / nullif(count(*) FILTER (WHERE c.satisfaction IS NOT NULL), 0), 3) AS satisfaction_rate,
         count(*) FILTER (WHERE c.substantiated) AS substantiated,
         count(*) FILTER (WHERE EXISTS (SELECT 1 FROM sv.complaint_supervision s WHERE s.complaint_id = c.id)) AS supervised
  FROM sv.complaint c
  LEFT JOIN sv.department d ON d.id = c.department_id
  CROSS JOIN LATERAL (SELECT
      EXISTS (SELECT 1 FROM (VALUES ('complaint.accept_due', c.accept_due, c.decided_at),
                                    ('complaint.handle_due', c.handle_due, c.handled_at),
                                    ('complaint.reply_due', c.reply_due, c.replied_at)) x(deadline, due, met)
              WHERE x.due IS NOT NULL AND sv.deadline_state(x.deadline, x.due, x.met) IN ('done_late', 'overdue')) AS late,
      sv.deadline_state('complaint.sign_due', c.sign_due, c.signed_at) AS sign_state,
      sv.deadline_state('complaint.hotline_reply_due', c.hotline_reply_due, c.replied_at) AS hotline_reply_state,
      EXISTS (SELECT 1 FROM sv.complaint_step s WHERE s.complaint_id = c.id AND s.action = 'accept') AS accepted,
      EXISTS (SELECT 1 FROM sv.complaint_step s WHERE s.complaint_id = c.id AND s.action = 'refuse') AS refused) o
  GROUP BY 1, 2, 3, 4;   -- kind_zh: from the grouped kind, once per group
COMMENT ON VIEW sv_bi.complaint_summary IS
  '投诉举报统计 / Complaints and reports per month, department and kind: volumes, acceptance rate, on-time rates (statutory, 12345 sign-for, 12345 reply), satisfaction';
COMMENT ON COLUMN sv_bi.complaint_summary.month IS '月份(接收月份第一天)';
COMMENT ON COLUMN sv_bi.complaint_summary.department_code IS '承办部门代码(空:待派单)';
COMMENT ON COLUMN sv_bi.complaint_summary.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_bi.complaint_summary.kind IS '类别代码:complaint 投诉, report 举报, inquiry 咨询, suggestion 建议';
COMMENT ON COLUMN sv_bi.complaint_summary.kind_zh IS '类别';
COMMENT ON COLUMN sv_bi.complaint_summary.received IS '接收件数';
COMMENT ON COLUMN sv_bi.complaint_summary.accepted IS '受理件数';
COMMENT ON COLUMN sv_bi.complaint_summary.refused IS '不予受理件数';
COMMENT ON COLUMN sv_bi.complaint_summary.acceptance_rate IS '受理率(受理件数/(受理件数+不予受理件数))';
COMMENT ON COLUMN sv_bi.complaint_summary.closed IS '办结件数';
COMMENT ON COLUMN sv_bi.complaint_summary.closed_on_time IS '按期办结件数(已办结且各法定期限均按期)';
COMMENT ON COLUMN sv_bi.complaint_summary.late IS '法定期限逾期件数(受理、办理或告知期限逾期完成或已过期未完成,含未办结的)';
COMMENT ON COLUMN sv_bi.complaint_summary.on_time_rate IS '按期办结率(法定期限:按期办结件数/(按期办结件数+逾期件数),未到期的未办结件不计)';
COMMENT ON COLUMN sv_bi.complaint_summary.signed_on_time IS '按期签收件数(12345工单)';
COMMENT ON COLUMN sv_bi.complaint_summary.sign_late IS '逾期签收件数(12345工单逾期签收或已过签收期限未签收)';
COMMENT ON COLUMN sv_bi.complaint_summary.sign_on_time_rate IS '签收及时率(按期签收件数/(按期签收件数+逾期签收件数),未到期的不计)';
COMMENT ON COLUMN sv_bi.complaint_summary.hotline_replied_on_time IS '12345按期答复件数';
COMMENT ON COLUMN sv_bi.complaint_summary.hotline_reply_late IS '12345逾期答复件数(逾期答复或已过答复期限未答复)';
COMMENT ON COLUMN sv_bi.complaint_summary.hotline_reply_on_time_rate IS '12345答复及时率(按期答复件数/(按期答复件数+逾期答复件数),未到期的不计)';
COMMENT ON COLUMN sv_bi.complaint_summary.revisited IS '回访件数';
COMMENT ON COLUMN sv_bi.complaint_summary.satisfaction_rate IS '满意率(满意和基本满意/回访件数)';
COMMENT ON COLUMN sv_bi.complaint_summary.substantiated IS '属实件数';
COMMENT ON COLUMN sv_bi.complaint_summary.supervised IS '督办件数';
GRANT SELECT ON sv_bi.complaint_summary TO sv_bi, sv_auditor, sv_admin;

-- Repeat targets (重复被投诉举报对象): subjects named by two or more items.
CREATE VIEW sv_bi.complaint_repeat_target AS
  SELECT c.subject_uscc::text AS uscc, max(s.name) AS subject_name, max(s.industry) AS industry,
         count(*) AS items, count(*) FILTER (WHERE c.kind = 'complaint') AS complaints,
         count(*) FILTER (WHERE c.kind = 'report') AS reports, count(*) FILTER (WHERE c.substantiated) AS substantiated,
         min(sv.local_date(c.received_at)) AS first_received_on, max(sv.local_date(c.received_at)) AS last_received_on
  FROM sv.complaint c LEFT JOIN sv.subject s ON s.uscc = c.subject_uscc
  WHERE c.subject_uscc IS NOT NULL AND c.kind IN ('complaint', 'report')
  GROUP BY c.subject_uscc
  HAVING count(*) >= 2;
COMMENT ON VIEW sv_bi.complaint_repeat_target IS '重复被投诉举报对象 / Subjects named by two or more complaints or reports';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.subject_name IS '市场主体名称(数据中心登记的)';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.industry IS '国民经济行业代码(GB/T 4754)';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.items IS '投诉举报件数';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.complaints IS '投诉件数';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.reports IS '举报件数';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.substantiated IS '属实件数';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.first_received_on IS '首次接收日期';
COMMENT ON COLUMN sv_bi.complaint_repeat_target.last_received_on IS '最近接收日期';
GRANT SELECT ON sv_bi.complaint_repeat_target TO sv_bi, sv_auditor, sv_admin;

-- Repeat places (重复被投诉举报地点): places (the address as given, spaces removed, in its region)
-- named by two or more complaints or reports, whether or not a subject was named.
CREATE VIEW sv_bi.complaint_repeat_place AS
  SELECT c.place_region_code AS region_code, max(r.name_zh) AS region_name, x.place AS place_address,
         count(*) AS items, count(*) FILTER (WHERE c.kind = 'complaint') AS complaints,
         count(*) FILTER (WHERE c.kind = 'report') AS reports, count(*) FILTER (WHERE c.substantiated) AS substantiated,
         count(DISTINCT coalesce(c.subject_uscc::text, c.subject_name)) AS subjects,
         min(sv.local_date(c.received_at)) AS first_received_on, max(sv.local_date(c.received_at)) AS last_received_on
  FROM sv.complaint c
  CROSS JOIN LATERAL (SELECT regexp_replace(c.place_address, '[[:space:]]+', '', 'g') AS place) x
  LEFT JOIN sv.region r ON r.code = c.place_region_code
  WHERE c.place_address IS NOT NULL AND x.place <> '' AND c.kind IN ('complaint', 'report')
  GROUP BY c.place_region_code, x.place
  HAVING count(*) >= 2;
COMMENT ON VIEW sv_bi.complaint_repeat_place IS '重复被投诉举报地点 / Places named by two or more complaints or reports';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.region_code IS '事发地行政区划代码(空:未注明)';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.region_name IS '事发地行政区划名称';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.place_address IS '事发地址(去除空白)';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.items IS '投诉举报件数';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.complaints IS '投诉件数';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.reports IS '举报件数';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.substantiated IS '属实件数';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.subjects IS '涉及的被投诉举报对象数(按信用代码或名称)';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.first_received_on IS '首次接收日期';
COMMENT ON COLUMN sv_bi.complaint_repeat_place.last_received_on IS '最近接收日期';
GRANT SELECT ON sv_bi.complaint_repeat_place TO sv_bi, sv_auditor, sv_admin;

-- Hot spots (热点区域): items per region (the place's, else the subject's) and month.
CREATE VIEW sv_bi.complaint_hotspot AS
  SELECT x.region_code, r.name_zh AS region_name, date_trunc('month', sv.local_date(c.received_at))::date AS month,
         count(*) AS items, count(*) FILTER (WHERE c.kind = 'complaint') AS complaints,
         count(*) FILTER (WHERE c.kind = 'report') AS reports, count(*) FILTER (WHERE c.substantiated) AS substantiated
  FROM sv.complaint c
  LEFT JOIN sv.subject s ON s.uscc = c.subject_uscc
  CROSS JOIN LATERAL (SELECT coalesce(c.place_region_code, s.region_code) AS region_code) x
  JOIN sv.region r ON r.code = x.region_code
  GROUP BY x.region_code, r.name_zh, 3;
COMMENT ON VIEW sv_bi.complaint_hotspot IS '投诉举报热点区域 / Complaints and reports per region (the place''s, else the subject''s) and month';
COMMENT ON COLUMN sv_bi.complaint_hotspot.region_code IS '行政区划代码';
COMMENT ON COLUMN sv_bi.complaint_hotspot.region_name IS '行政区划名称';
COMMENT ON COLUMN sv_bi.complaint_hotspot.month IS '月份(接收月份第一天)';
COMMENT ON COLUMN sv_bi.complaint_hotspot.items IS '投诉举报件数';
COMMENT ON COLUMN sv_bi.complaint_hotspot.complaints IS '投诉件数';
COMMENT ON COLUMN sv_bi.complaint_hotspot.reports IS '举报件数';
COMMENT ON COLUMN sv_bi.complaint_hotspot.substantiated IS '属实件数';
GRANT SELECT ON sv_bi.complaint_hotspot TO sv_bi, sv_auditor, sv_admin;
