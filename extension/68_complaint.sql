-- ---------------------------------------------------------------------------------------------
-- 68_complaint: complaints and reports (投诉举报) with the 12345 hotline (issue 18), the
-- foundation: the item as received, intake from the hotline, reporter confidentiality.
--
-- Tables:     sv.complaint (the item: kind, channel, text, subject, place, masked identity,
--             attachments by reference, the 12345 work-order number, department, state),
--             sv.complaint_person (the person's identity in clear, one row per named item)
-- Functions:  sv.complaint_receive(payload jsonb) (sv_integration: the 12345 system; idempotent
--             on the work-order number)
-- Deadline:   complaint.accept_due (受理期限): 7 working days from receipt to accept or refuse a
--             complaint (§14), in the deadline model (67_deadline.sql)
-- View:       sv_work.complaint (identity in clear for the assigned department's officials,
--             masked for everyone else)
-- Rules:
--   * 举报人信息保密 (《市场监督管理投诉举报处理暂行办法》§8, 《市场监督管理行政处罚程序规定》):
--     the person's identity is in sv.complaint_person, whose only policy lets officers of the
--     item's assigned department read it; everyone else (other departments, administrators,
--     auditors) reads the masked copy kept in sv.complaint; BI and the public read nothing; the
--     audit record of an intake carries no identity (only whether the person is anonymous).
--   * the text is at most 4000 characters (one 12345 work order's 诉求内容 field).
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.complaint (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  work_order_no       text NOT NULL,
  kind                text NOT NULL,
  channel             text NOT NULL,
  body                text NOT NULL,
  subject_uscc        sv.uscc,
  subject_name        text,
  subject_address     text,
  place_address       text,
  place_region_code   text REFERENCES sv.region (code),
  anonymous           boolean NOT NULL,
  person_name_masked  text,
  person_phone_masked text,
  person_id_masked    text,
  attachments         jsonb NOT NULL DEFAULT '[]',
  received_at         timestamptz NOT NULL,
  department_id       integer REFERENCES sv.department (id),
  state               text NOT NULL DEFAULT 'received',
  recorded_by         text NOT NULL,
  recorded_at         timestamptz NOT NULL,
  -- 《市场监督管理投诉举报处理暂行办法》§14: a complaint is accepted or refused within 7 working
  -- days of receipt (the deadline complaint.accept_due; NULL for the other kinds)
  accept_due             date,
  accept_due_provisional boolean NOT NULL DEFAULT false,
  decided_at             timestamptz,
  CONSTRAINT complaint_work_order_no_key UNIQUE (channel, work_order_no),
  CONSTRAINT complaint_kind_check CHECK (kind IN ('complaint', 'report', 'inquiry', 'suggestion')),
  CONSTRAINT complaint_channel_check CHECK (channel IN ('hotline', 'portal', 'letter', 'visit')),
  CONSTRAINT complaint_body_check CHECK (body <> '' AND char_length(body) <= 4000),
  CONSTRAINT complaint_state_check
    CHECK (state IN ('received', 'accepted', 'refused', 'handled', 'replied', 'closed', 'revisited')),
  CONSTRAINT complaint_attachments_check CHECK (jsonb_typeof(attachments) = 'array'),
  CONSTRAINT complaint_anonymous_check CHECK (NOT anonymous OR person_name_masked IS NULL),
  CONSTRAINT complaint_accept_due_check CHECK ((kind = 'complaint') = (accept_due IS NOT NULL)),
  -- the closed loop (69_complaint_flow.sql): returns, handling, reply, close, revisit
  accept_workdays        integer,
  returns                integer NOT NULL DEFAULT 0,
  handle_start           date,
  handle_workdays        integer,
  handle_due             date,
  handle_due_provisional boolean NOT NULL DEFAULT false,
  handled_at             timestamptz,
  outcome                text,
  reply_start            date,
  reply_workdays         integer,
  reply_due              date,
  reply_due_provisional  boolean NOT NULL DEFAULT false,
  replied_at             timestamptz,
  reply_text             text,
  closed_at              timestamptz,
  substantiated          boolean,
  revisited_at           timestamptz,
  satisfaction           text,
  CONSTRAINT complaint_outcome_check CHECK (outcome IN ('agreed', 'failed', 'withdrawn', 'filed', 'not_filed')),
  CONSTRAINT complaint_reply_text_check CHECK (char_length(reply_text) BETWEEN 1 AND 2000),
  CONSTRAINT complaint_satisfaction_check CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
  CONSTRAINT complaint_returns_check CHECK (returns >= 0)
);
CREATE INDEX complaint_department_idx ON sv.complaint (department_id, received_at);
CREATE INDEX complaint_region_idx ON sv.complaint (place_region_code);
COMMENT ON TABLE sv.complaint IS
  'Complaints, reports, inquiries and suggestions (投诉举报咨询建议) as received; the person''s identity masked (in clear: sv.complaint_person)';

CREATE TABLE sv.complaint_person (
  complaint_id bigint PRIMARY KEY REFERENCES sv.complaint (id),
  name         text NOT NULL,
  phone        text,
  id_number    text
);
COMMENT ON TABLE sv.complaint_person IS
  'The identity of the person behind a complaint or report (举报人信息保密): readable only by officers of the item''s assigned department';

ALTER TABLE sv.complaint ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_person ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_person FORCE ROW LEVEL SECURITY;
-- officers see the items assigned to their department and those whose place is in their region
-- scope (to coordinate); the supervision office and administrators all
CREATE POLICY complaint_scope ON sv.complaint FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department() OR place_region_code = ANY (sv.scope_regions()));
CREATE POLICY complaint_all ON sv.complaint FOR SELECT TO sv_admin, sv_auditor USING (true);
-- the identity: officers of the assigned department only; no policy for any other role
CREATE POLICY complaint_person_department ON sv.complaint_person FOR SELECT TO sv_officer
  USING (EXISTS (SELECT 1 FROM sv.complaint c
                 WHERE c.id = complaint_id AND c.department_id = sv.scope_department()));
GRANT SELECT ON sv.complaint, sv.complaint_person TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint', '');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_person', '');

-- The statutory limits (法定时限), configurable: working days, from which event, how many more
-- an approved extension may add, and after how many further working days overdue an item is
-- supervised (督办).  A change is a new row (sv.complaint_policy_set): the latest row of a code
-- is in force, earlier ones are its history; pg_dump keeps the rows that are not shipped.
CREATE TABLE sv.complaint_policy (
  id               integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code             text NOT NULL,
  label_zh         text NOT NULL,
  kind             text NOT NULL,
  starts_at        text NOT NULL,
  workdays         integer NOT NULL,
  extension_max    integer NOT NULL DEFAULT 0,
  supervise_after  integer NOT NULL DEFAULT 5,
  legal_basis      text NOT NULL,
  updated_by       text NOT NULL,
  updated_at       timestamptz NOT NULL,
  builtin          boolean NOT NULL DEFAULT false,
  CONSTRAINT complaint_policy_code_check CHECK (code IN ('accept', 'mediate', 'verify', 'reply')),
  CONSTRAINT complaint_policy_kind_check CHECK (kind IN ('complaint', 'report', 'any')),
  CONSTRAINT complaint_policy_starts_check CHECK (starts_at IN ('received', 'accepted', 'handled')),
  CONSTRAINT complaint_policy_workdays_check CHECK (workdays BETWEEN 1 AND 120),
  CONSTRAINT complaint_policy_extension_check CHECK (extension_max BETWEEN 0 AND 120),
  CONSTRAINT complaint_policy_supervise_check CHECK (supervise_after BETWEEN 0 AND 60),
  CONSTRAINT complaint_policy_text_check CHECK (char_length(label_zh) BETWEEN 1 AND 100
                                                AND char_length(legal_basis) BETWEEN 4 AND 500)
);
COMMENT ON TABLE sv.complaint_policy IS
  'Statutory limits of complaints and reports (法定时限) with their legal basis: the latest row of a code is in force';
CREATE INDEX complaint_policy_code_idx ON sv.complaint_policy (code, id);
ALTER TABLE sv.complaint_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY complaint_policy_read ON sv.complaint_policy FOR SELECT USING (true);
GRANT SELECT ON sv.complaint_policy TO sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_policy', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_policy_id_seq', '');

INSERT INTO sv.complaint_policy (code, label_zh, kind, starts_at, workdays, extension_max, supervise_after, legal_basis,
                                 updated_by, updated_at, builtin) VALUES
  ('accept', '投诉受理期限', 'complaint', 'received', 7, 0, 5,
   '《市场监督管理投诉举报处理暂行办法》第十四条:自收到投诉之日起七个工作日内作出受理或者不予受理的决定', 'sv_platform', '2026-01-01 00:00+08', true),
  ('mediate', '投诉调解期限', 'complaint', 'accepted', 45, 0, 5,
   '《市场监督管理投诉举报处理暂行办法》第二十一条:自投诉受理之日起四十五个工作日内终止调解', 'sv_platform', '2026-01-01 00:00+08', true),
  ('verify', '举报核查处理期限', 'report', 'received', 15, 15, 5,
   '《市场监督管理行政处罚程序规定》第十八条:自收到材料之日起十五个工作日内核查并决定是否立案,经批准可延长十五个工作日', 'sv_platform', '2026-01-01 00:00+08', true),
  ('reply', '告知期限', 'any', 'handled', 7, 0, 5,
   '《市场监督管理投诉举报处理暂行办法》第二十一条、第三十一条:终止调解或处理后七个工作日内告知当事人、举报人', 'sv_platform', '2026-01-01 00:00+08', true);

-- The policy's working days (the row must exist: it is seeded and never deleted).
CREATE OR REPLACE FUNCTION sv._complaint_policy_days(code text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT p.workdays FROM sv.complaint_policy p WHERE p.code = _complaint_policy_days.code ORDER BY p.id DESC LIMIT 1 $fn$;

-- Masks for the copy everyone may read: a phone keeps its first 3 and last 4 digits, an
-- identity number its first and last character.
CREATE OR REPLACE FUNCTION sv.mask_phone(phone text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT CASE WHEN char_length(phone) <= 7 THEN repeat('*', char_length(phone))
              ELSE left(phone, 3) || repeat('*', char_length(phone) - 7) || right(phone, 4) END
$fn$;
CREATE OR REPLACE FUNCTION sv.mask_id_number(id_number text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT left(id_number, 1) || repeat('*', greatest(char_length(id_number) - 2, 1)) || right(id_number, 1) $fn$;

-- 居民身份证号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character; NULL when
-- valid, else why not.
CREATE OR REPLACE FUNCTION sv._id_number_problem(id_number text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_sum integer := 0;
  v_check text;
BEGIN
  IF id_number !~ '^[0-9]{17}[0-9X]$' THEN
    RETURN 'it must be 17 digits and a check character (0-9 or X)';
  END IF;
  FOR i IN 1 .. 17 LOOP
    v_sum := v_sum + substr(id_number, i, 1)::integer * ((1 << (18 - i)) % 11);
  END LOOP;
  v_check := substr('10X98765432', v_sum % 11 + 1, 1);
  IF v_check <> right(id_number, 1) THEN
    RETURN format('check character is %s, expected %s', right(id_number, 1), v_check);
  END IF;
  RETURN NULL;
END
$fn$;

-- A text field of a payload: absent or null gives NULL; anything but a string is refused
-- (22023 naming the field); a string is checked as one line (sv._require_label) of at most
-- max_length characters and returned trimmed (blank: NULL).
CREATE OR REPLACE FUNCTION sv._payload_text(payload jsonb, key text, field text, max_length integer) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v jsonb := payload -> key;
BEGIN
  IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(v) <> 'string' THEN
    RAISE EXCEPTION '% must be a string, not a JSON %', field, jsonb_typeof(v) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN nullif(sv._require_label(field, v #>> '{}', max_length), '');
END
$fn$;

-- Unknown keys of a payload object: 22023 naming the first one (a misspelt field is not dropped
-- silently).
CREATE OR REPLACE FUNCTION sv._payload_keys(payload jsonb, field text, allowed text[]) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_key text;
BEGIN
  SELECT k INTO v_key FROM jsonb_object_keys(payload) k WHERE k <> ALL (allowed) ORDER BY k LIMIT 1;
  IF v_key IS NOT NULL THEN
    RAISE EXCEPTION '%: unknown field %', field, quote_literal(v_key)
      USING ERRCODE = 'invalid_parameter_value', HINT = 'known fields: ' || array_to_string(allowed, ', ');
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION sv._payload_object(payload jsonb, key text, field text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v jsonb := payload -> key;
BEGIN
  IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(v) <> 'object' THEN
    RAISE EXCEPTION '% must be a JSON object, not a JSON %', field, jsonb_typeof(v) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN v;
END
$fn$;

-- Receive one 12345 work order (市长热线工单).  payload, a JSON object:
--   work_order_no  required, the hotline's number: 4-40 letters, digits, "-" or "_" (idempotency key)
--   kind           required: complaint 投诉, report 举报, inquiry 咨询, suggestion 建议
--   text           required: what the person says, 1-4000 characters (line breaks allowed)
--   received_at    required: when the hotline received it, ISO 8601 with time zone, not in the future
--   subject        optional object: uscc, or name (and address)
--   place          optional object: address, region (a region code)
--   person         the caller: name (required in it), phone, id_number; or
--   anonymous      true (then no person)
--   attachments    optional array (at most 20) of objects: ref (required), name, sha256
--   department     optional: the code of the department 12345 dispatched it to
-- The same work order again: its id, nothing written (the same content) or 23505 (different).
CREATE OR REPLACE FUNCTION sv.complaint_receive(payload jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
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
  i integer;
BEGIN
  PERFORM sv._require_role('receive 12345 work orders', '{sv_integration}');
  PERFORM sv._require_given(ARRAY['payload'], ARRAY[payload IS NULL]);
  IF jsonb_typeof(payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object, not a JSON %', jsonb_typeof(payload) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._payload_keys(payload, 'payload', '{work_order_no,kind,text,received_at,subject,place,person,anonymous,attachments,department}');

  c.channel := 'hotline';
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

  IF jsonb_typeof(payload -> 'received_at') IS DISTINCT FROM 'string'
     OR (payload ->> 'received_at') !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$' THEN
    RAISE EXCEPTION 'received_at must be a time written YYYY-MM-DDTHH:MM:SS with a time zone (+08:00), not %',
      coalesce((payload -> 'received_at')::text, 'missing') USING ERRCODE = 'invalid_datetime_format';
  END IF;
  BEGIN
    c.received_at := (payload ->> 'received_at')::timestamptz;
  EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RAISE EXCEPTION 'received_at: % is not a time', (payload -> 'received_at')::text USING ERRCODE = 'invalid_datetime_format';
  END;
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
    PERFORM sv._payload_keys(v_place, 'place', '{address,region}');
    c.place_address := sv._payload_text(v_place, 'address', 'place.address', 200);
    c.place_region_code := sv._payload_text(v_place, 'region', 'place.region', 12);
    IF c.place_region_code IS NOT NULL THEN
      PERFORM sv._require_region('place.region', c.place_region_code);
    END IF;
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
          ('place', (v_old.place_address, v_old.place_region_code) IS DISTINCT FROM (c.place_address, c.place_region_code)),
          ('person', (v_old.anonymous, old_p.name, old_p.phone, old_p.id_number) IS DISTINCT FROM (c.anonymous, p.name, p.phone, p.id_number)),
          ('attachments', v_old.attachments IS DISTINCT FROM c.attachments),
          ('department', v_old.department_id IS DISTINCT FROM c.department_id)) v(f, differs)
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
                              accept_due_provisional, accept_workdays)
    VALUES (c.work_order_no, c.kind, c.channel, c.body, c.subject_uscc, c.subject_name, c.subject_address, c.place_address,
            c.place_region_code, c.anonymous, c.person_name_masked, c.person_phone_masked, c.person_id_masked,
            c.attachments, c.received_at, c.department_id, 'received', me.login, now(), c.accept_due,
            coalesce(c.accept_due_provisional, false), c.accept_workdays)
    ON CONFLICT ON CONSTRAINT complaint_work_order_no_key DO NOTHING
    RETURNING id INTO c.id;
    EXIT WHEN c.id IS NOT NULL;
  END LOOP;
  IF NOT c.anonymous THEN
    INSERT INTO sv.complaint_person (complaint_id, name, phone, id_number) VALUES (c.id, p.name, p.phone, p.id_number);
  END IF;
  -- the audit record: no identity (举报人信息保密), not even masked, and not the text, which the
  -- person may have signed; its SHA-256 proves what was received
  PERFORM sv.audit_append(c.department_id, 'complaint', c.id::text, 'receive',
    jsonb_build_object('work_order_no', c.work_order_no, 'kind', c.kind, 'channel', c.channel,
                       'text_sha256', encode(sha256(convert_to(c.body, 'UTF8')), 'hex'),
                       'received_at', c.received_at, 'subject_uscc', c.subject_uscc, 'subject_name', c.subject_name,
                       'place_region', c.place_region_code, 'anonymous', c.anonymous,
                       'attachments', jsonb_array_length(c.attachments), 'department_id', c.department_id,
                       'state', 'received', 'accept_due', c.accept_due));
  RETURN c.id;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_receive(jsonb) IS
  'Receive one 12345 work order (complaint, report, inquiry, suggestion); idempotent on its number; returns the item''s id';
GRANT EXECUTE ON FUNCTION sv.complaint_receive(jsonb) TO sv_integration;

CREATE VIEW sv_work.complaint WITH (security_invoker = true) AS
  SELECT c.id, c.work_order_no, c.kind, c.channel, c.body AS text, c.subject_uscc, c.subject_name, c.subject_address,
         c.place_address, c.place_region_code, c.anonymous,
         coalesce(p.name, c.person_name_masked) AS person_name,
         coalesce(p.phone, c.person_phone_masked) AS person_phone,
         coalesce(p.id_number, c.person_id_masked) AS person_id_number,
         p.complaint_id IS NOT NULL AS person_in_clear,
         c.attachments, c.received_at, c.department_id, c.state, c.recorded_at, c.accept_due, c.accept_due_provisional,
         sv.deadline_state('complaint.accept_due', c.accept_due, c.decided_at) AS accept_state
  FROM sv.complaint c LEFT JOIN sv.complaint_person p ON p.complaint_id = c.id;
COMMENT ON VIEW sv_work.complaint IS
  '投诉举报(举报人信息保密:仅承办部门可见明文) / Complaints and reports in the caller''s scope; the person''s identity in clear only for the assigned department';
COMMENT ON COLUMN sv_work.complaint.id IS '投诉举报编号';
COMMENT ON COLUMN sv_work.complaint.work_order_no IS '12345工单编号';
COMMENT ON COLUMN sv_work.complaint.kind IS '类别代码:complaint 投诉, report 举报, inquiry 咨询, suggestion 建议';
COMMENT ON COLUMN sv_work.complaint.channel IS '渠道代码:hotline 12345热线, portal 网上平台, letter 来信, visit 来访';
COMMENT ON COLUMN sv_work.complaint.text IS '诉求内容';
COMMENT ON COLUMN sv_work.complaint.subject_uscc IS '被投诉举报对象统一社会信用代码';
COMMENT ON COLUMN sv_work.complaint.subject_name IS '被投诉举报对象名称';
COMMENT ON COLUMN sv_work.complaint.subject_address IS '被投诉举报对象地址';
COMMENT ON COLUMN sv_work.complaint.place_address IS '事发地址';
COMMENT ON COLUMN sv_work.complaint.place_region_code IS '事发地行政区划代码';
COMMENT ON COLUMN sv_work.complaint.anonymous IS '是否匿名';
COMMENT ON COLUMN sv_work.complaint.person_name IS '投诉举报人姓名(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint.person_phone IS '联系电话(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint.person_id_number IS '身份证号码(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint.person_in_clear IS '是否明文显示投诉举报人信息';
COMMENT ON COLUMN sv_work.complaint.attachments IS '附件(引用,JSON)';
COMMENT ON COLUMN sv_work.complaint.received_at IS '受理渠道接收时间';
COMMENT ON COLUMN sv_work.complaint.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.complaint.state IS '状态代码:received 已接收, accepted 已受理, refused 不予受理, handling 办理中, replied 已答复, closed 已办结';
COMMENT ON COLUMN sv_work.complaint.recorded_at IS '登记时间';
COMMENT ON COLUMN sv_work.complaint.accept_due IS '受理期限(投诉,收到之日起7个工作日)';
COMMENT ON COLUMN sv_work.complaint.accept_due_provisional IS '受理期限是否暂定(跨未发布放假安排的年度)';
COMMENT ON COLUMN sv_work.complaint.accept_state IS '受理期限状态代码:open 未到期, due_soon 即将到期, overdue 逾期, done_on_time 按期决定, done_late 逾期决定';
-- The acceptance deadline on the calendar (20_calendar.sql): open until accepted or refused; the
-- summary names the work order and the subject, never the person.
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('complaint.accept_due', '投诉受理期限', 'sv.complaint', 'complaint', 't.id::text',
   't.id = $1::bigint', 't.department_id', 'sv.local_date(t.received_at)', 't.accept_workdays', 'accept_due', 'accept_due_provisional',
   't.decided_at IS NULL', 't.decided_at', 2,
   $$t.work_order_no || coalesce(' ' || t.subject_name, ' ' || t.subject_uscc::text, '')$$)::sv.calendar_deadline);

GRANT SELECT ON sv_work.complaint TO sv_officer, sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv.mask_phone(text), sv.mask_id_number(text)
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
