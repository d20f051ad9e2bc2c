-- ---------------------------------------------------------------------------------------------
-- 71_assist: assist requests (协查协办), issue 19; docs/joint.md.  One department asks another
-- (of the city or of a county: every department has its region) to inspect, verify or hand over
-- something about a subject or a case, within a number of working days; the receiving department
-- accepts, declines with a reason, or answers with its findings and attachments by reference.
--
-- Table:      sv.assist_request (one row per request, its state and every step's who and when)
-- Functions:  sv.assist_request_send(...) (officers for their department, administrators),
--             sv.assist_request_accept(id), sv.assist_request_decline(id, reason),
--             sv.assist_request_answer(id, findings, attachments) (the receiving department),
--             sv.assist_request_withdraw(id, reason) (the requesting department)
-- States:     requested -> accepted | declined | withdrawn; accepted -> answered | withdrawn;
--             any other step: 55000 (object_not_in_prerequisite_state), nothing written
-- Deadline:   assist_request.due_on (协查协办办理期限): the receiving department answers (or
--             declines) within the working days asked for, in the deadline model (67_deadline.sql)
-- Messages:   each step goes to the other department's system through the outbox when it has one
--             (48_outbox.sql, sv._department_push): assist.request, assist.accepted,
--             assist.declined, assist.answered, assist.withdrawn
-- View:       sv_work.assist_request (requests the caller's department sent or received)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.assist_request (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  from_department_id integer NOT NULL REFERENCES sv.department (id),   -- 请求部门
  to_department_id   integer NOT NULL REFERENCES sv.department (id),   -- 协办部门
  subject_uscc       sv.uscc,                      -- about a subject, or
  case_ref           text,                         -- a case (the requesting department's number)
  asked              text NOT NULL,                -- what is asked
  workdays           integer NOT NULL,
  state              text NOT NULL DEFAULT 'requested',
  requested_by       text NOT NULL,
  requested_at       timestamptz NOT NULL,
  due_on             date NOT NULL,
  due_provisional    boolean NOT NULL DEFAULT false,
  accepted_by        text,
  accepted_at        timestamptz,
  declined_by        text,
  declined_at        timestamptz,
  decline_reason     text,
  answered_by        text,
  answered_at        timestamptz,
  findings           text,
  attachments        jsonb NOT NULL DEFAULT '[]',  -- [{"ref", "name", "sha256"}]: references, not files
  withdrawn_by       text,
  withdrawn_at       timestamptz,
  withdraw_reason    text,
  CONSTRAINT assist_request_departments_check CHECK (from_department_id <> to_department_id),
  CONSTRAINT assist_request_about_check CHECK (subject_uscc IS NOT NULL OR case_ref IS NOT NULL),
  CONSTRAINT assist_request_case_ref_check CHECK (case_ref ~ '^[^[:cntrl:]]{1,100}$' AND case_ref = btrim(case_ref)),
  CONSTRAINT assist_request_asked_check CHECK (btrim(asked) <> '' AND char_length(asked) <= 2000),
  CONSTRAINT assist_request_workdays_check CHECK (workdays BETWEEN 1 AND 60),
  CONSTRAINT assist_request_state_check CHECK (state IN ('requested', 'accepted', 'declined', 'answered', 'withdrawn')),
  CONSTRAINT assist_request_accepted_check CHECK ((accepted_at IS NULL) = (accepted_by IS NULL)
                                                  AND (state IN ('accepted', 'answered')) <= (accepted_at IS NOT NULL)),
  CONSTRAINT assist_request_declined_check CHECK ((state = 'declined') = (declined_at IS NOT NULL AND declined_by IS NOT NULL
                                                                          AND decline_reason IS NOT NULL)),
  CONSTRAINT assist_request_answered_check CHECK ((state = 'answered') = (answered_at IS NOT NULL AND answered_by IS NOT NULL
                                                                          AND findings IS NOT NULL)),
  CONSTRAINT assist_request_withdrawn_check CHECK ((state = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawn_by IS NOT NULL
                                                                            AND withdraw_reason IS NOT NULL)),
  CONSTRAINT assist_request_text_length CHECK (char_length(decline_reason) <= 500 AND char_length(findings) <= 4000
                                               AND char_length(withdraw_reason) <= 500),
  CONSTRAINT assist_request_attachments_check CHECK (jsonb_typeof(attachments) = 'array' AND jsonb_array_length(attachments) <= 20)
);
CREATE INDEX assist_request_to_idx ON sv.assist_request (to_department_id, requested_at);
CREATE INDEX assist_request_from_idx ON sv.assist_request (from_department_id, requested_at);
CREATE INDEX assist_request_uscc_idx ON sv.assist_request (subject_uscc) WHERE subject_uscc IS NOT NULL;
COMMENT ON TABLE sv.assist_request IS
  'Assist requests (协查协办) between departments: about a subject or a case, what is asked, due in working days; accepted, declined or answered';
ALTER TABLE sv.assist_request ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.assist_request FORCE ROW LEVEL SECURITY;
-- officers: the requests their department sent or received; the supervision office and administrators all
CREATE POLICY assist_request_department ON sv.assist_request FOR SELECT TO sv_officer
  USING (from_department_id = sv.scope_department() OR to_department_id = sv.scope_department());
CREATE POLICY assist_request_all ON sv.assist_request FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.assist_request TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.assist_request', '');
SELECT pg_catalog.pg_extension_config_dump('sv.assist_request_id_seq', '');

-- Free text of a step (what is asked, findings): line breaks and tabs allowed, other control
-- characters not; 22023 when empty, 22001 over max_length characters; returned trimmed.
CREATE OR REPLACE FUNCTION sv._require_free_text(field text, value text, max_length integer) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v text := btrim(value, E' \n\r\t');
  v_problem text;
BEGIN
  IF v = '' THEN
    RAISE EXCEPTION '% must not be empty', field USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_problem := sv._label_problem(translate(v, E'\n\r\t', '   '));
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION '% must be printable text: it contains %', field, v_problem USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF char_length(v) > max_length THEN
    RAISE EXCEPTION '% is % characters long: at most % are allowed', field, char_length(v), max_length
      USING ERRCODE = 'string_data_right_truncation';
  END IF;
  RETURN v;
END
$fn$;

-- Attachments by reference: a JSON array (at most 20) of {"ref" (required, at most 500
-- characters), "name" (at most 200), "sha256" (64 lower-case hex digits)}; returned trimmed.
CREATE OR REPLACE FUNCTION sv._require_attachment_refs(field text, attachments jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  a jsonb;
  v_out jsonb := '[]';
  v_name text;
  n integer := 0;
BEGIN
  IF attachments IS NULL OR jsonb_typeof(attachments) = 'null' THEN
    RETURN v_out;
  END IF;
  IF jsonb_typeof(attachments) <> 'array' THEN
    RAISE EXCEPTION '% must be a JSON array, not a JSON %', field, jsonb_typeof(attachments) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(attachments) > 20 THEN
    RAISE EXCEPTION '% has % items: at most 20 are allowed', field, jsonb_array_length(attachments)
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  FOR a IN SELECT x FROM jsonb_array_elements(attachments) x LOOP
    v_name := format('%s[%s]', field, n);
    IF jsonb_typeof(a) <> 'object' THEN
      RAISE EXCEPTION '% must be a JSON object, not a JSON %', v_name, jsonb_typeof(a) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sv._payload_keys(a, v_name, '{ref,name,sha256}');
    IF sv._payload_text(a, 'ref', v_name || '.ref', 500) IS NULL THEN
      RAISE EXCEPTION '%.ref must not be empty', v_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sv._payload_text(a, 'name', v_name || '.name', 200);
    IF sv._payload_text(a, 'sha256', v_name || '.sha256', 64) !~ '^[0-9a-f]{64}$' THEN
      RAISE EXCEPTION '%.sha256 must be 64 lower-case hexadecimal digits', v_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_out := v_out || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
      'ref', btrim(a ->> 'ref'), 'name', btrim(a ->> 'name'), 'sha256', a ->> 'sha256')));
    n := n + 1;
  END LOOP;
  RETURN v_out;
END
$fn$;

-- Send a request to another department: about a subject (its unified social credit code) or a
-- case (the requesting department's case number, at most 100 characters), or both; what is asked
-- (1-2000 characters); the working days to answer in (1-60).  Officers send for their own
-- department; administrators name the requesting department (from_department_id).
CREATE OR REPLACE FUNCTION sv.assist_request_send(to_department_id integer, asked text, workdays integer,
                                                  subject_uscc text DEFAULT NULL, case_ref text DEFAULT NULL,
                                                  from_department_id integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  r sv.assist_request;
  v_day date := sv.local_date(now());
BEGIN
  PERFORM sv._require_given(ARRAY['to_department_id', 'asked', 'workdays'],
                            ARRAY[to_department_id IS NULL, asked IS NULL, workdays IS NULL]);
  PERFORM sv._require_role('send assist requests', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('send assist requests');
  r.from_department_id := coalesce(from_department_id, me.department_id);
  IF r.from_department_id IS NULL THEN
    RAISE EXCEPTION 'from_department_id must be given: "%" has no department of its own', me.login
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_department('from_department_id', r.from_department_id);
  PERFORM sv._require_department('to_department_id', to_department_id);
  IF to_department_id = r.from_department_id THEN
    RAISE EXCEPTION 'to_department_id: a department does not ask itself for assistance' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  r.to_department_id := to_department_id;
  r.asked := sv._require_free_text('asked', asked, 2000);
  IF workdays NOT BETWEEN 1 AND 60 THEN
    RAISE EXCEPTION 'workdays must be 1 to 60 working days, not %', workdays USING ERRCODE = 'invalid_parameter_value';
  END IF;
  r.workdays := workdays;
  IF subject_uscc IS NULL AND nullif(btrim(case_ref), '') IS NULL THEN
    RAISE EXCEPTION 'subject_uscc or case_ref must be given: a request is about a subject or a case'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF subject_uscc IS NOT NULL THEN
    PERFORM sv._require_uscc('subject_uscc', subject_uscc);
    r.subject_uscc := subject_uscc::sv.uscc;
  END IF;
  r.case_ref := nullif(sv._require_label('case_ref', case_ref, 100), '');
  PERFORM sv._require_department_scope(r.from_department_id);

  r.due_on := sv.add_workdays(v_day, r.workdays);
  r.due_provisional := sv.calendar_provisional_between(v_day, r.due_on);
  INSERT INTO sv.assist_request AS x (from_department_id, to_department_id, subject_uscc, case_ref, asked, workdays, state,
                                      requested_by, requested_at, due_on, due_provisional)
  VALUES (r.from_department_id, r.to_department_id, r.subject_uscc, r.case_ref, r.asked, r.workdays, 'requested',
          me.login, now(), r.due_on, r.due_provisional)
  RETURNING x.* INTO r;
  PERFORM sv._assist_request_event(r, 'request', r.to_department_id);
  RETURN r.id;
END
$fn$;
COMMENT ON FUNCTION sv.assist_request_send(integer, text, integer, text, text, integer) IS
  'Ask another department for assistance (协查协办) about a subject or a case, due in working days; returns the request''s id';

-- A step of a request: its audit record (on the department that took it) and the message to the
-- other department's system, when it has one.
CREATE OR REPLACE FUNCTION sv._assist_request_event(r sv.assist_request, step text, notify_department integer) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_msg uuid;
  v_payload jsonb;
BEGIN
  v_payload := jsonb_strip_nulls(jsonb_build_object(
    'request_id', r.id, 'step', step, 'state', r.state,
    'from_department', (SELECT d.code FROM sv.department d WHERE d.id = r.from_department_id),
    'to_department', (SELECT d.code FROM sv.department d WHERE d.id = r.to_department_id),
    'subject_uscc', r.subject_uscc, 'case_ref', r.case_ref, 'due_on', r.due_on, 'due_provisional', r.due_provisional))
    || CASE step WHEN 'request' THEN jsonb_build_object('asked', r.asked, 'workdays', r.workdays)
                 WHEN 'declined' THEN jsonb_build_object('reason', r.decline_reason)
                 WHEN 'answered' THEN jsonb_build_object('findings', r.findings, 'attachments', r.attachments)
                 WHEN 'withdrawn' THEN jsonb_build_object('reason', r.withdraw_reason)
                 ELSE '{}' END;
  v_msg := sv._department_push(notify_department, 'assist.' || step, v_payload, format('assist-%s-%s', r.id, step));
  PERFORM sv.audit_append(CASE WHEN step IN ('request', 'withdrawn') THEN r.from_department_id ELSE r.to_department_id END,
                          'assist_request', r.id::text, CASE step WHEN 'request' THEN 'send' ELSE step END,
                          v_payload - 'request_id' - 'step' - 'findings'
                          || CASE WHEN step = 'answered'
                                  THEN jsonb_build_object('findings_sha256', encode(sha256(convert_to(r.findings, 'UTF8')), 'hex'))
                                  ELSE '{}' END
                          || jsonb_build_object('pushed', v_msg IS NOT NULL));
END
$fn$;

-- One step of the state machine on a request, by the department that may take it:
--   accept   (the receiving department)  requested -> accepted
--   decline  (the receiving department)  requested -> declined, with the reason
--   answer   (the receiving department)  accepted  -> answered, with findings and attachments
--   withdraw (the requesting department) requested or accepted -> withdrawn, with the reason
-- A request outside the caller's department is answered as missing (P0002); a step its state
-- does not allow: 55000.
CREATE OR REPLACE FUNCTION sv._assist_request_step(request_id bigint, step text, note text, attachments jsonb) RETURNS sv.assist_request
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  r sv.assist_request;
  v_from text[] := CASE step WHEN 'answer' THEN '{accepted}' WHEN 'withdraw' THEN '{requested,accepted}' ELSE '{requested}' END;
  v_to text := CASE step WHEN 'accept' THEN 'accepted' WHEN 'decline' THEN 'declined' WHEN 'answer' THEN 'answered'
                         ELSE 'withdrawn' END;
  v_dept integer;
  v_atts jsonb;
BEGIN
  PERFORM sv._require_role(step || ' assist requests', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping(step || ' assist requests');
  IF step = 'decline' THEN
    PERFORM sv._require_reason(note, 'the request is declined');
    note := sv._require_label('reason', note, 500);
  ELSIF step = 'withdraw' THEN
    PERFORM sv._require_reason(note, 'the request is withdrawn');
    note := sv._require_label('reason', note, 500);
  ELSIF step = 'answer' THEN
    note := sv._require_free_text('findings', note, 4000);
    v_atts := sv._require_attachment_refs('attachments', attachments);
  END IF;
  SELECT * INTO r FROM sv.assist_request x WHERE x.id = request_id FOR UPDATE;
  v_dept := CASE WHEN step = 'withdraw' THEN r.from_department_id ELSE r.to_department_id END;
  IF r.id IS NULL OR NOT (me.is_admin OR coalesce(v_dept = me.department_id, false)) THEN
    PERFORM sv._raise_not_yours('request_id', format('assist request %s', request_id), 'no_data_found',
      CASE WHEN step = 'withdraw' THEN 'The requesting department withdraws a request.'
           ELSE 'The department asked accepts, declines or answers a request.' END);
  END IF;
  IF NOT (r.state = ANY (v_from)) THEN
    RAISE EXCEPTION 'assist request % is %: it cannot be %', r.id, r.state, v_to
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = CASE WHEN step = 'answer' AND r.state = 'requested' THEN 'Accept it first (sv.assist_request_accept).'
                        ELSE 'requested -> accepted, declined or withdrawn; accepted -> answered or withdrawn.' END;
  END IF;
  UPDATE sv.assist_request x
     SET state = v_to,
         accepted_by = CASE WHEN step = 'accept' THEN me.login ELSE x.accepted_by END,
         accepted_at = CASE WHEN step = 'accept' THEN now() ELSE x.accepted_at END,
         declined_by = CASE WHEN step = 'decline' THEN me.login END,
         declined_at = CASE WHEN step = 'decline' THEN now() END,
         decline_reason = CASE WHEN step = 'decline' THEN note END,
         answered_by = CASE WHEN step = 'answer' THEN me.login END,
         answered_at = CASE WHEN step = 'answer' THEN now() END,
         findings = CASE WHEN step = 'answer' THEN note END,
         attachments = CASE WHEN step = 'answer' THEN v_atts ELSE x.attachments END,
         withdrawn_by = CASE WHEN step = 'withdraw' THEN me.login END,
         withdrawn_at = CASE WHEN step = 'withdraw' THEN now() END,
         withdraw_reason = CASE WHEN step = 'withdraw' THEN note END
   WHERE x.id = r.id
  RETURNING x.* INTO r;
  PERFORM sv._assist_request_event(r, v_to, CASE WHEN step = 'withdraw' THEN r.to_department_id ELSE r.from_department_id END);
  RETURN r;
END
$fn$;

CREATE OR REPLACE FUNCTION sv.assist_request_accept(request_id bigint) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_given(ARRAY['request_id'], ARRAY[request_id IS NULL]);
  RETURN (sv._assist_request_step(request_id, 'accept', NULL, NULL)).state;
END
$fn$;
COMMENT ON FUNCTION sv.assist_request_accept(bigint) IS 'The department asked accepts an assist request (受理); returns the new state';

CREATE OR REPLACE FUNCTION sv.assist_request_decline(request_id bigint, reason text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_given(ARRAY['request_id', 'reason'], ARRAY[request_id IS NULL, reason IS NULL]);
  RETURN (sv._assist_request_step(request_id, 'decline', reason, NULL)).state;
END
$fn$;
COMMENT ON FUNCTION sv.assist_request_decline(bigint, text) IS 'The department asked declines an assist request, with the reason (退回); returns the new state';

CREATE OR REPLACE FUNCTION sv.assist_request_answer(request_id bigint, findings text, attachments jsonb DEFAULT '[]')
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_given(ARRAY['request_id', 'findings'], ARRAY[request_id IS NULL, findings IS NULL]);
  RETURN (sv._assist_request_step(request_id, 'answer', findings, attachments)).state;
END
$fn$;
COMMENT ON FUNCTION sv.assist_request_answer(bigint, text, jsonb) IS
  'The department asked answers an accepted assist request with its findings and attachments by reference (反馈); returns the new state';

CREATE OR REPLACE FUNCTION sv.assist_request_withdraw(request_id bigint, reason text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_given(ARRAY['request_id', 'reason'], ARRAY[request_id IS NULL, reason IS NULL]);
  RETURN (sv._assist_request_step(request_id, 'withdraw', reason, NULL)).state;
END
$fn$;
COMMENT ON FUNCTION sv.assist_request_withdraw(bigint, text) IS
  'The requesting department withdraws an open assist request, with the reason (撤回); returns the new state';

GRANT EXECUTE ON FUNCTION sv.assist_request_send(integer, text, integer, text, text, integer),
                          sv.assist_request_accept(bigint), sv.assist_request_decline(bigint, text),
                          sv.assist_request_answer(bigint, text, jsonb), sv.assist_request_withdraw(bigint, text)
  TO sv_admin, sv_officer;

-- The deadline on the calendar (20_calendar.sql): owed by the department asked, open while
-- requested or accepted, met when answered or declined (a withdrawn request is no longer owed).
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('assist_request.due_on', '协查协办办理期限', 'sv.assist_request', 'assist_request',
   't.id::text', 't.id = $1::bigint', 't.to_department_id', 'sv.local_date(t.requested_at)', 't.workdays', 'due_on',
   'due_provisional', $$t.state IN ('requested', 'accepted')$$, 'coalesce(t.answered_at, t.declined_at)', 2,
   $$left(coalesce(t.case_ref || ' ', '') || coalesce(t.subject_uscc::text || ' ', '') || t.asked, 200)$$)::sv.calendar_deadline);

-- sv:rerun (the labels of the request states, 05_code_label: every update registers them again)
SELECT sv._code_label_register('assist_request.state', ARRAY[['requested', '待受理'], ['accepted', '已受理'],
  ['declined', '已退回'], ['answered', '已反馈'], ['withdrawn', '已撤回']]);

CREATE VIEW sv_work.assist_request WITH (security_invoker = true) AS
  SELECT r.id, r.from_department_id, fd.name_zh AS from_department_name, r.to_department_id, td.name_zh AS to_department_name,
         r.subject_uscc, r.case_ref, r.asked, r.workdays, r.state, sv.label_zh('assist_request.state', r.state) AS state_zh,
         r.requested_by, r.requested_at, r.due_on, r.due_provisional,
         x.due_state, sv.label_zh('deadline.state', x.due_state) AS due_state_zh,
         r.accepted_at, r.declined_at, r.decline_reason, r.answered_by, r.answered_at, r.findings, r.attachments,
         r.withdrawn_at, r.withdraw_reason
  FROM sv.assist_request r
  CROSS JOIN LATERAL (
    SELECT CASE WHEN r.state = 'withdrawn' THEN 'withdrawn'
                ELSE sv.deadline_state('assist_request.due_on', r.due_on, coalesce(r.answered_at, r.declined_at)) END
             AS due_state) x
  JOIN sv.department fd ON fd.id = r.from_department_id
  JOIN sv.department td ON td.id = r.to_department_id;
COMMENT ON VIEW sv_work.assist_request IS
  '协查协办 / Assist requests the caller''s department sent or received (all for the supervision office and administrators), with each step';
COMMENT ON COLUMN sv_work.assist_request.id IS '协查协办编号';
COMMENT ON COLUMN sv_work.assist_request.from_department_id IS '请求部门编号';
COMMENT ON COLUMN sv_work.assist_request.from_department_name IS '请求部门';
COMMENT ON COLUMN sv_work.assist_request.to_department_id IS '协办部门编号';
COMMENT ON COLUMN sv_work.assist_request.to_department_name IS '协办部门';
COMMENT ON COLUMN sv_work.assist_request.subject_uscc IS '涉及市场主体统一社会信用代码';
COMMENT ON COLUMN sv_work.assist_request.case_ref IS '涉及案件编号';
COMMENT ON COLUMN sv_work.assist_request.asked IS '协查协办事项';
COMMENT ON COLUMN sv_work.assist_request.workdays IS '办理时限(工作日)';
COMMENT ON COLUMN sv_work.assist_request.state IS '状态代码:requested 待受理, accepted 已受理, declined 已退回, answered 已反馈, withdrawn 已撤回';
COMMENT ON COLUMN sv_work.assist_request.state_zh IS '状态';
COMMENT ON COLUMN sv_work.assist_request.requested_by IS '发起人';
COMMENT ON COLUMN sv_work.assist_request.requested_at IS '发起时间';
COMMENT ON COLUMN sv_work.assist_request.due_on IS '办理截止日期';
COMMENT ON COLUMN sv_work.assist_request.due_provisional IS '截止日期按临时日历计算(国务院通知未发布),通知发布后重新计算';
COMMENT ON COLUMN sv_work.assist_request.due_state IS '期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结, withdrawn 已撤回';
COMMENT ON COLUMN sv_work.assist_request.due_state_zh IS '期限状态';
COMMENT ON COLUMN sv_work.assist_request.accepted_at IS '受理时间';
COMMENT ON COLUMN sv_work.assist_request.declined_at IS '退回时间';
COMMENT ON COLUMN sv_work.assist_request.decline_reason IS '退回理由';
COMMENT ON COLUMN sv_work.assist_request.answered_by IS '反馈人';
COMMENT ON COLUMN sv_work.assist_request.answered_at IS '反馈时间';
COMMENT ON COLUMN sv_work.assist_request.findings IS '协查结果';
COMMENT ON COLUMN sv_work.assist_request.attachments IS '附件(引用,JSON)';
COMMENT ON COLUMN sv_work.assist_request.withdrawn_at IS '撤回时间';
COMMENT ON COLUMN sv_work.assist_request.withdraw_reason IS '撤回理由';
GRANT SELECT ON sv_work.assist_request TO sv_officer, sv_admin, sv_auditor;
