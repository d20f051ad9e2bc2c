-- ---------------------------------------------------------------------------------------------
-- 68_complaint: complaints and reports (投诉举报) with the 12345 hotline (issue 18), the
-- foundation: the item as received, intake from the hotline, reporter confidentiality.
--
-- Tables:     sv.complaint (the item: kind, channel, text, subject, place, masked identity,
--             attachments by reference, the 12345 work-order number, department, state),
--             sv.complaint_person (the person's identity in clear, one row per named item)
-- Functions:  the masks; sv.complaint_receive(payload jsonb) (sv_integration: the 12345 system;
--             idempotent on the work-order number) is in 69_complaint_flow.sql, after the routing
--             it uses
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
  CONSTRAINT complaint_returns_check CHECK (returns >= 0),
  -- routing (派单): the matter's supervision item, the department the channel named, how the
  -- item was routed or why it could not be
  catalog_item_id        bigint REFERENCES sv.catalog_item (id),
  received_department_id integer REFERENCES sv.department (id),
  route_note             text,
  CONSTRAINT complaint_route_note_check CHECK (char_length(route_note) <= 500),
  -- the 12345 platform's own limits (69_complaint_flow.sql, policies sign and hotline_reply): a
  -- work order dispatched to a department is signed for (签收) within sign_due, counted from
  -- the dispatch; it is answered (答复) within hotline_reply_due, counted from the sign-for
  sign_start                    date,
  sign_workdays                 integer,
  sign_due                      date,
  sign_due_provisional          boolean NOT NULL DEFAULT false,
  signed_at                     timestamptz,
  hotline_reply_workdays        integer,
  hotline_reply_due             date,
  hotline_reply_due_provisional boolean NOT NULL DEFAULT false,
  CONSTRAINT complaint_sign_check CHECK ((sign_due IS NULL OR channel = 'hotline') AND (hotline_reply_due IS NULL OR signed_at IS NOT NULL)),
  -- the place's point (payload place.point, WGS 84 longitude/latitude inside China's bounding
  -- box): decides the county-level unit where region boundaries are loaded (69_complaint_flow),
  -- and the distance of two places (74_complaint_duplicate)
  place_point geometry(Point, 4326),
  -- merged into a group of duplicates (74_complaint_duplicate.sql, sv.complaint_group_member
  -- records the merge): the group's primary item, whose reply and closing it follows
  -- (69_complaint_flow.sql); NULL: handled on its own.  No foreign key: one to the table itself
  -- makes pg_dump warn on the extension's data (circular); the merge and its undo write it, and
  -- sv.complaint_group_member holds the merge with its foreign keys
  primary_id                    bigint,
  CONSTRAINT complaint_primary_self_check CHECK (primary_id <> id)
);
CREATE INDEX complaint_department_idx ON sv.complaint (department_id, received_at);
CREATE INDEX complaint_primary_idx ON sv.complaint (primary_id) WHERE primary_id IS NOT NULL;
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
  CONSTRAINT complaint_policy_code_check CHECK (code IN ('accept', 'mediate', 'verify', 'reply', 'sign', 'hotline_reply')),
  CONSTRAINT complaint_policy_kind_check CHECK (kind IN ('complaint', 'report', 'any')),
  CONSTRAINT complaint_policy_starts_check CHECK (starts_at IN ('received', 'accepted', 'handled', 'assigned', 'signed')),
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
   '《市场监督管理投诉举报处理暂行办法》第二十一条、第三十一条:终止调解或处理后七个工作日内告知当事人、举报人', 'sv_platform', '2026-01-01 00:00+08', true),
  -- the 12345 platform's own limits (12345 work orders only): the city's configuration, not a law
  ('sign', '12345工单签收期限', 'any', 'assigned', 1, 0, 2,
   '《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》(国办发〔2020〕53号)要求明确热线工单办理时限;本时限为本市12345热线工作规则的设定(默认派单后1个工作日内签收),可配置,并非法律、法规规定的期限', 'sv_platform', '2026-01-01 00:00+08', true),
  ('hotline_reply', '12345工单答复期限', 'any', 'signed', 15, 0, 3,
   '《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》(国办发〔2020〕53号)要求明确热线工单办理时限;本时限为本市12345热线工作规则的设定(默认签收后15个工作日内答复),可配置,并非法律、法规规定的期限', 'sv_platform', '2026-01-01 00:00+08', true);

-- The policy's working days (the row must exist: it is seeded and never deleted).  PL/pgSQL: its
-- plan is kept for the session (a SQL function with a SET clause is planned at every call, and
-- every intake reads two or three policies).
CREATE OR REPLACE FUNCTION sv._complaint_policy_days(code text) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RETURN (SELECT p.workdays FROM sv.complaint_policy p WHERE p.code = _complaint_policy_days.code ORDER BY p.id DESC LIMIT 1);
END
$fn$;

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

-- A point of a payload: absent or null gives NULL; else an object {"lon": 113.19, "lat": 33.77}
-- of two JSON numbers, WGS 84 degrees (GPS; not GCJ-02, which the sender converts), inside
-- China's bounding box (73-136 E, 3-54 N, as sv.subject's points): 22023 naming the field.
CREATE OR REPLACE FUNCTION sv._payload_point(payload jsonb, key text, field text) RETURNS geometry
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v jsonb := sv._payload_object(payload, key, field);
  v_lon numeric;
  v_lat numeric;
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM sv._payload_keys(v, field, '{lon,lat}');
  IF jsonb_typeof(v -> 'lon') IS DISTINCT FROM 'number' THEN
    RAISE EXCEPTION '%.lon must be a JSON number of degrees (WGS 84), not %', field, coalesce('a JSON ' || jsonb_typeof(v -> 'lon'), 'missing')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_typeof(v -> 'lat') IS DISTINCT FROM 'number' THEN
    RAISE EXCEPTION '%.lat must be a JSON number of degrees (WGS 84), not %', field, coalesce('a JSON ' || jsonb_typeof(v -> 'lat'), 'missing')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_lon := (v -> 'lon')::numeric;
  v_lat := (v -> 'lat')::numeric;
  IF v_lon NOT BETWEEN 73 AND 136 THEN
    RAISE EXCEPTION '%.lon % lies outside China (73-136 degrees east): WGS 84 longitude expected', field,
      CASE WHEN abs(v_lon) < 1000 THEN v_lon::text ELSE '(out of range)' END
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_lat NOT BETWEEN 3 AND 54 THEN
    RAISE EXCEPTION '%.lat % lies outside China (3-54 degrees north): WGS 84 latitude expected', field,
      CASE WHEN abs(v_lat) < 1000 THEN v_lat::text ELSE '(out of range)' END
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN public.ST_SetSRID(public.ST_MakePoint(v_lon::float8, v_lat::float8), 4326);
END
$fn$;

-- A time field of a payload: a string written YYYY-MM-DDTHH:MM[:SS[.f]] with a time zone (Z,
-- +08, +08:00), returned as a timestamptz; absent, another JSON type or another form, or a time
-- that does not exist: 22007 naming the field.
CREATE OR REPLACE FUNCTION sv._payload_time(payload jsonb, key text, field text) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF jsonb_typeof(payload -> key) IS DISTINCT FROM 'string'
     OR (payload ->> key) !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$' THEN
    RAISE EXCEPTION '% must be a time written YYYY-MM-DDTHH:MM:SS with a time zone (+08:00), not %',
      field, coalesce((payload -> key)::text, 'missing') USING ERRCODE = 'invalid_datetime_format';
  END IF;
  BEGIN
    RETURN (payload ->> key)::timestamptz;
  EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RAISE EXCEPTION '%: % is not a time', field, (payload -> key)::text USING ERRCODE = 'invalid_datetime_format';
  END;
END
$fn$;

-- A merged item's own deadlines not met are withdrawn while it follows its primary (as in the
-- deadline model, where their open condition leaves merged items out).
CREATE VIEW sv_work.complaint WITH (security_invoker = true) AS
  SELECT c.id, c.work_order_no, c.kind, sv.label_zh('complaint.kind', c.kind) AS kind_zh,
         c.channel, sv.label_zh('complaint.channel', c.channel) AS channel_zh, c.body AS text, c.subject_uscc, c.subject_name, c.subject_address,
         c.place_address, c.place_region_code, public.ST_X(c.place_point) AS place_lon, public.ST_Y(c.place_point) AS place_lat,
         c.anonymous,
         coalesce(p.name, c.person_name_masked) AS person_name,
         coalesce(p.phone, c.person_phone_masked) AS person_phone,
         coalesce(p.id_number, c.person_id_masked) AS person_id_number,
         p.complaint_id IS NOT NULL AS person_in_clear,
         c.attachments, c.received_at, c.department_id, d.name_zh AS department_name,
         c.state, sv.label_zh('complaint.state', c.state) AS state_zh, c.recorded_at, c.accept_due, c.accept_due_provisional,
         x.accept_state, sv.label_zh('deadline.state', x.accept_state) AS accept_state_zh,
         c.sign_due, c.signed_at, x.sign_state, sv.label_zh('deadline.state', x.sign_state) AS sign_state_zh,
         c.hotline_reply_due, x.hotline_reply_state, sv.label_zh('deadline.state', x.hotline_reply_state) AS hotline_reply_state_zh,
         c.primary_id
  FROM sv.complaint c LEFT JOIN sv.complaint_person p ON p.complaint_id = c.id
  CROSS JOIN LATERAL (SELECT c.primary_id IS NOT NULL AS merged) g
  CROSS JOIN LATERAL (SELECT CASE WHEN g.merged AND c.accept_due IS NOT NULL AND c.decided_at IS NULL THEN 'withdrawn'
                                  ELSE sv.deadline_state('complaint.accept_due', c.accept_due, c.decided_at) END AS accept_state,
                             CASE WHEN g.merged AND c.sign_due IS NOT NULL AND c.signed_at IS NULL THEN 'withdrawn'
                                  ELSE sv.deadline_state('complaint.sign_due', c.sign_due, c.signed_at) END AS sign_state,
                             CASE WHEN g.merged AND c.hotline_reply_due IS NOT NULL AND c.replied_at IS NULL THEN 'withdrawn'
                                  ELSE sv.deadline_state('complaint.hotline_reply_due', c.hotline_reply_due, c.replied_at) END
                               AS hotline_reply_state) x
  LEFT JOIN sv.department d ON d.id = c.department_id;
COMMENT ON VIEW sv_work.complaint IS
  '投诉举报(举报人信息保密:仅承办部门可见明文) / Complaints and reports in the caller''s scope; the person''s identity in clear only for the assigned department';
COMMENT ON COLUMN sv_work.complaint.id IS '投诉举报编号';
COMMENT ON COLUMN sv_work.complaint.work_order_no IS '12345工单编号';
COMMENT ON COLUMN sv_work.complaint.kind IS '类别代码:complaint 投诉, report 举报, inquiry 咨询, suggestion 建议';
COMMENT ON COLUMN sv_work.complaint.kind_zh IS '类别';
COMMENT ON COLUMN sv_work.complaint.channel IS '渠道代码:hotline 12345热线, portal 网上平台, letter 来信, visit 来访';
COMMENT ON COLUMN sv_work.complaint.channel_zh IS '渠道';
COMMENT ON COLUMN sv_work.complaint.text IS '诉求内容';
COMMENT ON COLUMN sv_work.complaint.subject_uscc IS '被投诉举报对象统一社会信用代码';
COMMENT ON COLUMN sv_work.complaint.subject_name IS '被投诉举报对象名称';
COMMENT ON COLUMN sv_work.complaint.subject_address IS '被投诉举报对象地址';
COMMENT ON COLUMN sv_work.complaint.place_address IS '事发地址';
COMMENT ON COLUMN sv_work.complaint.place_region_code IS '事发地行政区划代码';
COMMENT ON COLUMN sv_work.complaint.place_lon IS '事发地点经度(WGS 84)';
COMMENT ON COLUMN sv_work.complaint.place_lat IS '事发地点纬度(WGS 84)';
COMMENT ON COLUMN sv_work.complaint.anonymous IS '是否匿名';
COMMENT ON COLUMN sv_work.complaint.person_name IS '投诉举报人姓名(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint.person_phone IS '联系电话(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint.person_id_number IS '身份证号码(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint.person_in_clear IS '是否明文显示投诉举报人信息';
COMMENT ON COLUMN sv_work.complaint.attachments IS '附件(引用,JSON)';
COMMENT ON COLUMN sv_work.complaint.received_at IS '受理渠道接收时间';
COMMENT ON COLUMN sv_work.complaint.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.complaint.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_work.complaint.state IS '状态代码:received 已接收, accepted 已受理, refused 不予受理, handled 已办理, replied 已答复, closed 已办结, revisited 已回访';
COMMENT ON COLUMN sv_work.complaint.state_zh IS '状态';
COMMENT ON COLUMN sv_work.complaint.recorded_at IS '登记时间';
COMMENT ON COLUMN sv_work.complaint.accept_due IS '受理期限(投诉,收到之日起7个工作日)';
COMMENT ON COLUMN sv_work.complaint.accept_due_provisional IS '受理期限是否暂定(跨未发布放假安排的年度)';
COMMENT ON COLUMN sv_work.complaint.accept_state IS '受理期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结, withdrawn 已撤回';
COMMENT ON COLUMN sv_work.complaint.accept_state_zh IS '受理期限状态';
COMMENT ON COLUMN sv_work.complaint.sign_due IS '12345工单签收期限(派单后,本市12345工作规则设定,可配置)';
COMMENT ON COLUMN sv_work.complaint.signed_at IS '签收时间';
COMMENT ON COLUMN sv_work.complaint.sign_state IS '签收期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结, withdrawn 已撤回';
COMMENT ON COLUMN sv_work.complaint.sign_state_zh IS '签收期限状态';
COMMENT ON COLUMN sv_work.complaint.hotline_reply_due IS '12345工单答复期限(签收后,本市12345工作规则设定,可配置)';
COMMENT ON COLUMN sv_work.complaint.hotline_reply_state IS '12345答复期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结, withdrawn 已撤回';
COMMENT ON COLUMN sv_work.complaint.hotline_reply_state_zh IS '12345答复期限状态';
COMMENT ON COLUMN sv_work.complaint.primary_id IS '合并主件编号(随主件办理;空:单独办理)';
-- The acceptance deadline on the calendar (20_calendar.sql): open until accepted or refused; the
-- summary names the work order and the subject, never the person.
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('complaint.accept_due', '投诉受理期限', 'sv.complaint', 'complaint', 't.id::text',
   't.id = $1::bigint', 't.department_id', 'sv.local_date(t.received_at)', 't.accept_workdays', 'accept_due', 'accept_due_provisional',
   't.decided_at IS NULL AND t.primary_id IS NULL', 't.decided_at', 2,
   $$t.work_order_no || coalesce(' ' || t.subject_name, ' ' || t.subject_uscc::text, '')$$)::sv.calendar_deadline);

GRANT SELECT ON sv_work.complaint TO sv_officer, sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv.mask_phone(text), sv.mask_id_number(text)
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;

-- sv:rerun (the labels of the complaint's codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('complaint.kind', ARRAY[['complaint', '投诉'], ['report', '举报'], ['inquiry', '咨询'],
  ['suggestion', '建议']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('complaint.channel', ARRAY[['hotline', '12345热线'], ['portal', '网上平台'], ['letter', '来信'],
  ['visit', '来访']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('complaint.state', ARRAY[['received', '已接收'], ['accepted', '已受理'], ['refused', '不予受理'],
  ['handled', '已办理'], ['replied', '已答复'], ['closed', '已办结'], ['revisited', '已回访']]);
