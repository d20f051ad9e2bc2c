-- ---------------------------------------------------------------------------------------------
-- 72_joint_notice: copy notices (抄告抄送), issue 19; docs/joint.md.  A finding of one department
-- that concerns others (一处发现、多方联动) is copied to them automatically: a supervision action
-- whose kind or result the joint-supervision list (70_joint.sql) says concerns the other
-- departments of the entry.  Each recipient acknowledges it and records what it did, within
-- working days.
--
-- The action capability owns its tables: the sweep reads its view sv_work.action (as the
-- owner: every department's actions) and the published catalogue (which catalogue item an
-- action's check item belongs to), and writes only its own table.
--
-- "Found once, acted on by all" (一处发现、多方联动): besides the joint list, versioned rules
-- map a finding (an action's kind or result, a complaint's kind, a risk alert's rule) to the
-- departments that must be told and what each owes (acknowledge, inspect, verify, restrict),
-- within how many working days.  The complaints and risk alerts are read through their views
-- (sv_work.complaint: never the person's identity; sv_work.risk_alert).
--
-- Tables:     sv.joint_rule (code, version: immutable, a change is a new version; a version
--             with active false retires the rule), sv.joint_notice (one per finding and
--             recipient: why, what is owed, due, the acknowledgment and what the recipient did)
-- Functions:  sv.joint_rule_save(...) (administrators),
--             sv.joint_notice_sweep(from_day) (administrators; daily by pg_cron, docs/joint.md),
--             sv.joint_notice_acknowledge(notice_id, action_taken) (the recipient)
-- Deadline:   joint_notice.due_on (抄告反馈期限), owed by the recipient, in the deadline model
-- Messages:   joint.notice to the recipient's system, joint.notice_acknowledged to the sender's,
--             through the outbox when the department has an endpoint
-- Views:      sv_work.joint_rule (every version, the one in force marked),
--             sv_work.joint_notice (notices the caller's department sent or received),
--             sv_work.joint_obligation (what the caller's department still owes: copy notices and
--             assist requests), sv_bi.joint_obligation_summary (per department, in Chinese)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.joint_notice (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_kind        text NOT NULL,             -- the finding: action (and, 73_joint_rule.sql, complaint, risk_alert)
  source_id          text NOT NULL,             -- its key: an action's uscc/id, a complaint's or alert's id
  subject_uscc       sv.uscc,                   -- the subject concerned
  finding            text NOT NULL,             -- what was found: an action kind or result, a complaint kind, a risk rule
  from_department_id integer REFERENCES sv.department (id),   -- whose finding it is
  to_department_id   integer NOT NULL REFERENCES sv.department (id),
  bases              jsonb NOT NULL,            -- why: [{"joint_item": code}, {"rule": code, "version": n}, ...]
  owes               text NOT NULL,             -- what the recipient owes
  summary            text NOT NULL,
  workdays           integer NOT NULL,
  start_on           date NOT NULL,             -- the day it was sent
  due_on             date NOT NULL,
  due_provisional    boolean NOT NULL DEFAULT false,
  state              text NOT NULL DEFAULT 'sent',
  message            uuid,                      -- the outbox message to the recipient's system; NULL: none
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL,
  acknowledged_by    text,
  acknowledged_at    timestamptz,
  action_taken       text,                      -- what the recipient did
  CONSTRAINT joint_notice_once UNIQUE (source_kind, source_id, to_department_id),
  CONSTRAINT joint_notice_source_kind_check CHECK (source_kind IN ('action', 'complaint', 'risk_alert')),
  CONSTRAINT joint_notice_source_id_check CHECK (char_length(source_id) BETWEEN 1 AND 64),
  CONSTRAINT joint_notice_finding_check CHECK (char_length(finding) BETWEEN 1 AND 64),
  CONSTRAINT joint_notice_departments_check CHECK (from_department_id IS DISTINCT FROM to_department_id),
  CONSTRAINT joint_notice_bases_check CHECK (jsonb_typeof(bases) = 'array' AND jsonb_array_length(bases) >= 1),
  CONSTRAINT joint_notice_owes_check CHECK (owes IN ('acknowledge', 'inspect', 'verify', 'restrict')),
  CONSTRAINT joint_notice_summary_check CHECK (summary <> '' AND char_length(summary) <= 300),
  CONSTRAINT joint_notice_workdays_check CHECK (workdays BETWEEN 1 AND 60),
  CONSTRAINT joint_notice_state_check CHECK (state IN ('sent', 'acknowledged')),
  CONSTRAINT joint_notice_acknowledged_check CHECK ((state = 'acknowledged') = (acknowledged_at IS NOT NULL
                                                    AND acknowledged_by IS NOT NULL AND action_taken IS NOT NULL)),
  CONSTRAINT joint_notice_action_taken_check CHECK (char_length(action_taken) <= 2000)
);
CREATE INDEX joint_notice_to_idx ON sv.joint_notice (to_department_id, state);
CREATE INDEX joint_notice_from_idx ON sv.joint_notice (from_department_id);
CREATE INDEX joint_notice_uscc_idx ON sv.joint_notice (subject_uscc) WHERE subject_uscc IS NOT NULL;
COMMENT ON TABLE sv.joint_notice IS
  'Copy notices (抄告抄送): a finding of one department copied to the departments it concerns, each acknowledging it and recording what it did';
ALTER TABLE sv.joint_notice ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_notice FORCE ROW LEVEL SECURITY;
CREATE POLICY joint_notice_department ON sv.joint_notice FOR SELECT TO sv_officer
  USING (to_department_id = sv.scope_department() OR from_department_id = sv.scope_department());
CREATE POLICY joint_notice_all ON sv.joint_notice FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.joint_notice TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.joint_notice', '');
SELECT pg_catalog.pg_extension_config_dump('sv.joint_notice_id_seq', '');

-- The Chinese labels of joint supervision's own codes (05_code_label); findings are labelled by
-- the vocabularies of the capabilities that own them (action.kind, action.result, complaint.kind).
-- sv:rerun (the registry is code: every update registers the labels again)
SELECT sv._code_label_register('joint.owes', ARRAY[['acknowledge', '签收知悉'], ['inspect', '开展检查'],
  ['verify', '核查处置'], ['restrict', '实施限制惩戒'], ['answer', '协查协办反馈']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('joint.obligation', ARRAY[['copy_notice', '抄告抄送'], ['assist_request', '协查协办']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('joint_rule.finding_kind', ARRAY[['action_kind', '监管行为类型'],
  ['action_result', '检查结果'], ['complaint_kind', '投诉举报类别'], ['risk_rule', '风险预警规则']]);

-- The label of a finding a rule names: from the vocabulary of the capability that owns it; a
-- risk rule is shown by its code.
CREATE OR REPLACE FUNCTION sv._joint_finding_label(finding_kind text, finding_value text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $fn$
  SELECT CASE $1 WHEN 'action_kind' THEN sv.label_zh('action.kind', $2)
                 WHEN 'action_result' THEN sv.label_zh('action.result', $2)
                 WHEN 'complaint_kind' THEN sv.label_zh('complaint.kind', $2)
                 ELSE $2 END
$fn$;
GRANT EXECUTE ON FUNCTION sv._joint_finding_label(text, text) TO sv_admin, sv_officer, sv_auditor, sv_bi;


-- ---------------------------------------------------------------------------------------------
-- The rules of "found once, acted on by all" (联动规则), versioned and immutable like the risk
-- rules (66_risk.sql): every notice names the rule version it was sent under.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE sv.joint_rule (
  code                 text NOT NULL,
  version              integer NOT NULL,
  name                 text NOT NULL,
  finding_kind         text NOT NULL,            -- action_kind, action_result, complaint_kind, risk_rule
  finding_value        text NOT NULL,            -- the kind, result or risk rule code that triggers it
  source_department_id integer REFERENCES sv.department (id),   -- only this department's findings; NULL: anyone's
  targets              jsonb NOT NULL,           -- [{"department_id", "owes", "workdays"}], in department order
  basis                text NOT NULL,            -- the legal or policy basis
  active               boolean NOT NULL,         -- false: the rule is retired from this version on
  created_by           text NOT NULL,
  created_at           timestamptz NOT NULL,
  CONSTRAINT joint_rule_pkey PRIMARY KEY (code, version),
  CONSTRAINT joint_rule_code_check CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  CONSTRAINT joint_rule_version_check CHECK (version >= 1),
  CONSTRAINT joint_rule_name_check CHECK (name = btrim(name) AND name <> '' AND char_length(name) <= 200),
  CONSTRAINT joint_rule_finding_kind_check CHECK (finding_kind IN ('action_kind', 'action_result', 'complaint_kind', 'risk_rule')),
  CONSTRAINT joint_rule_finding_value_check CHECK (finding_value ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  CONSTRAINT joint_rule_targets_check CHECK (jsonb_typeof(targets) = 'array' AND jsonb_array_length(targets) BETWEEN 1 AND 30),
  CONSTRAINT joint_rule_basis_check CHECK (basis = btrim(basis) AND basis <> '' AND char_length(basis) <= 500)
);
COMMENT ON TABLE sv.joint_rule IS
  'Rules of "found once, acted on by all" (一处发现、多方联动): a finding, the departments that must be told and what each owes; versioned, immutable';
CREATE TRIGGER joint_rule_immutable BEFORE UPDATE OR DELETE ON sv.joint_rule
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a rule is kept for explaining its notices: save a new version');
CREATE TRIGGER joint_rule_no_truncate BEFORE TRUNCATE ON sv.joint_rule
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a rule is kept for explaining its notices');
ALTER TABLE sv.joint_rule ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_rule FORCE ROW LEVEL SECURITY;
-- rules are not secret among officials: every department sees who must be told of what
CREATE POLICY joint_rule_read ON sv.joint_rule FOR SELECT TO sv_admin, sv_auditor, sv_officer USING (true);
GRANT SELECT ON sv.joint_rule TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.joint_rule', '');

-- Save a rule (administrators): a new version of its code, or none when nothing changed (the
-- version in force is returned).
--   finding_kind   action_kind (inspection, penalty, coercive_measure), action_result
--                  (no_problem, problem_found, rectification_ordered, case_filed), complaint_kind
--                  (complaint, report, inquiry, suggestion) or risk_rule (a risk rule's code)
--   targets        [{"department_id": 5, "owes": "inspect", "workdays": 10}, ...]: 1 to 30
--                  departments; owes acknowledge, inspect, verify or restrict; workdays 1-60
--   basis          the legal or policy basis, 1-500 characters
--   source_department_id   only this department's findings (NULL: any department's)
--   active         false retires the rule (its notices stay)
CREATE OR REPLACE FUNCTION sv.joint_rule_save(code text, name text, finding_kind text, finding_value text, targets jsonb,
                                              basis text, source_department_id integer DEFAULT NULL,
                                              active boolean DEFAULT true)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_cur sv.joint_rule;
  v_new sv.joint_rule;
  t jsonb;
  v_depts integer[] := '{}';
  v_targets jsonb := '[]';
  v_field text;
  i integer := 0;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'name', 'finding_kind', 'finding_value', 'targets', 'basis', 'active'],
                            ARRAY[code IS NULL, name IS NULL, finding_kind IS NULL, finding_value IS NULL, targets IS NULL,
                                  basis IS NULL, active IS NULL]);
  PERFORM sv._require_role('save joint-supervision rules', '{sv_admin}');
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('name', name);
  v_new.name := sv._require_label('name', name, 200);
  PERFORM sv._require_one_of('finding_kind', finding_kind, '{action_kind,action_result,complaint_kind,risk_rule}');
  IF finding_kind = 'risk_rule' THEN
    PERFORM sv._require_code('finding_value', finding_value);
    IF NOT EXISTS (SELECT 1 FROM sv_work.risk_rule r WHERE r.code = finding_value) THEN
      RAISE EXCEPTION 'finding_value: risk rule % does not exist', quote_literal(finding_value) USING ERRCODE = 'foreign_key_violation';
    END IF;
  ELSE
    PERFORM sv._require_one_of('finding_value', finding_value, CASE finding_kind
      WHEN 'action_kind' THEN '{inspection,penalty,coercive_measure}'::text[]
      WHEN 'action_result' THEN '{no_problem,problem_found,rectification_ordered,case_filed}'
      ELSE '{complaint,report,inquiry,suggestion}' END);
  END IF;
  IF source_department_id IS NOT NULL THEN
    PERFORM sv._require_department('source_department_id', source_department_id);
  END IF;
  IF jsonb_typeof(targets) <> 'array' OR jsonb_array_length(targets) = 0 THEN
    RAISE EXCEPTION 'targets must be a non-empty JSON array of {"department_id", "owes", "workdays"}'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(targets) > 30 THEN
    RAISE EXCEPTION 'targets has % departments: at most 30 are allowed', jsonb_array_length(targets)
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  FOR t IN SELECT x FROM jsonb_array_elements(targets) x LOOP
    v_field := format('targets[%s]', i);
    IF jsonb_typeof(t) <> 'object' THEN
      RAISE EXCEPTION '% must be a JSON object, not a JSON %', v_field, jsonb_typeof(t) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sv._payload_keys(t, v_field, '{department_id,owes,workdays}');
    IF jsonb_typeof(t -> 'department_id') IS DISTINCT FROM 'number' OR (t ->> 'department_id') !~ '^[0-9]{1,9}$' THEN
      RAISE EXCEPTION '%.department_id must be a department id', v_field USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sv._require_department(v_field || '.department_id', (t ->> 'department_id')::integer);
    IF (t ->> 'department_id')::integer = ANY (v_depts) THEN
      RAISE EXCEPTION '%.department_id: department % is listed already', v_field, t ->> 'department_id'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_depts := v_depts || (t ->> 'department_id')::integer;
    PERFORM sv._require_one_of(v_field || '.owes', sv._payload_text(t, 'owes', v_field || '.owes', 20),
                               '{acknowledge,inspect,verify,restrict}');
    IF jsonb_typeof(t -> 'workdays') IS DISTINCT FROM 'number' OR (t ->> 'workdays') !~ '^[0-9]{1,2}$'
       OR (t ->> 'workdays')::integer NOT BETWEEN 1 AND 60 THEN
      RAISE EXCEPTION '%.workdays must be 1 to 60 working days', v_field USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_targets := v_targets || jsonb_build_array(jsonb_build_object('department_id', (t ->> 'department_id')::integer,
                                                                   'owes', t ->> 'owes', 'workdays', (t ->> 'workdays')::integer));
    i := i + 1;
  END LOOP;
  PERFORM sv._require_text('basis', basis);
  v_new.basis := sv._require_label('basis', basis, 500);

  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.joint_rule'), pg_catalog.hashtext(code));
  SELECT * INTO v_cur FROM sv.joint_rule r WHERE r.code = joint_rule_save.code ORDER BY r.version DESC LIMIT 1;
  v_new.code := code;
  v_new.finding_kind := finding_kind;
  v_new.finding_value := finding_value;
  v_new.source_department_id := source_department_id;
  v_new.targets := (SELECT jsonb_agg(x ORDER BY (x ->> 'department_id')::integer) FROM jsonb_array_elements(v_targets) x);
  v_new.active := active;
  IF v_cur.code IS NOT NULL AND to_jsonb(v_new) - '{version,created_by,created_at}'::text[]
                                = to_jsonb(v_cur) - '{version,created_by,created_at}'::text[] THEN
    RETURN v_cur.version;   -- nothing changed: no new version, no audit record
  END IF;
  IF v_cur.code IS NULL AND NOT active THEN
    RAISE EXCEPTION 'code: rule % does not exist, so it cannot be retired', quote_literal(code) USING ERRCODE = 'no_data_found';
  END IF;
  v_new.version := coalesce(v_cur.version, 0) + 1;
  INSERT INTO sv.joint_rule (code, version, name, finding_kind, finding_value, source_department_id, targets, basis, active,
                             created_by, created_at)
  VALUES (v_new.code, v_new.version, v_new.name, v_new.finding_kind, v_new.finding_value, v_new.source_department_id,
          v_new.targets, v_new.basis, v_new.active, me.login, now());
  PERFORM sv.audit_append(NULL, 'joint_rule', v_new.code, CASE WHEN v_cur.code IS NULL THEN 'add'
                                                             WHEN NOT active THEN 'retire' ELSE 'change' END,
                          to_jsonb(v_new) - '{code,created_by,created_at}'::text[]);
  RETURN v_new.version;
END
$fn$;
COMMENT ON FUNCTION sv.joint_rule_save(text, text, text, text, jsonb, text, integer, boolean) IS
  'Administrators: save a rule of "found once, acted on by all" (一处发现、多方联动) as a new version of its code; returns the version';
GRANT EXECUTE ON FUNCTION sv.joint_rule_save(text, text, text, text, jsonb, text, integer, boolean) TO sv_admin;

-- The rules in force: the latest version of each code, unless it retired the rule.
CREATE OR REPLACE FUNCTION sv._joint_rules_in_force() RETURNS SETOF sv.joint_rule
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT r.* FROM (SELECT DISTINCT ON (x.code) x.* FROM sv.joint_rule x ORDER BY x.code, x.version DESC) r WHERE r.active
$fn$;

CREATE VIEW sv_work.joint_rule WITH (security_invoker = true) AS
  SELECT r.code, r.version, r.name, r.finding_kind, sv.label_zh('joint_rule.finding_kind', r.finding_kind) AS finding_kind_zh,
         r.finding_value, sv._joint_finding_label(r.finding_kind, r.finding_value) AS finding_name,
         r.source_department_id, sd.name_zh AS source_department_name,
         (SELECT jsonb_agg(t || jsonb_build_object('department', d.name_zh, 'owes_zh', sv.label_zh('joint.owes', t ->> 'owes'))
                           ORDER BY (t ->> 'department_id')::integer)
          FROM jsonb_array_elements(r.targets) t JOIN sv.department d ON d.id = (t ->> 'department_id')::integer) AS targets,
         r.basis, r.active, r.version = max(r.version) OVER (PARTITION BY r.code) AND r.active AS in_force,
         r.created_by, r.created_at
  FROM sv.joint_rule r LEFT JOIN sv.department sd ON sd.id = r.source_department_id;
COMMENT ON VIEW sv_work.joint_rule IS '联动规则 / Rules of "found once, acted on by all": every version, the one in force marked';
COMMENT ON COLUMN sv_work.joint_rule.code IS '规则代码';
COMMENT ON COLUMN sv_work.joint_rule.version IS '版本号';
COMMENT ON COLUMN sv_work.joint_rule.name IS '规则名称';
COMMENT ON COLUMN sv_work.joint_rule.finding_kind IS '发现情形类别代码:action_kind 监管行为类型, action_result 检查结果, complaint_kind 投诉举报类别, risk_rule 风险预警规则';
COMMENT ON COLUMN sv_work.joint_rule.finding_kind_zh IS '发现情形类别';
COMMENT ON COLUMN sv_work.joint_rule.finding_value IS '发现情形代码';
COMMENT ON COLUMN sv_work.joint_rule.finding_name IS '发现情形';
COMMENT ON COLUMN sv_work.joint_rule.source_department_id IS '限定发现部门编号(空:任何部门)';
COMMENT ON COLUMN sv_work.joint_rule.source_department_name IS '限定发现部门';
COMMENT ON COLUMN sv_work.joint_rule.targets IS '须告知部门及应履行义务、时限(JSON)';
COMMENT ON COLUMN sv_work.joint_rule.basis IS '依据';
COMMENT ON COLUMN sv_work.joint_rule.active IS '本版本是否有效(否:规则停用)';
COMMENT ON COLUMN sv_work.joint_rule.in_force IS '是否现行版本';
COMMENT ON COLUMN sv_work.joint_rule.created_by IS '制定人';
COMMENT ON COLUMN sv_work.joint_rule.created_at IS '制定时间';
GRANT SELECT ON sv_work.joint_rule TO sv_officer, sv_admin, sv_auditor;

-- The findings since from_day that concern other departments, one row per finding, recipient
-- and basis.  The joint list: actions (ended on or after from_day) whose check item belongs, in the catalogue
-- release the action cited, to a catalogue item that a joint-supervision entry lists for the
-- acting department, and whose kind or result the entry copies; the recipients are the entry's
-- other departments, who owe an acknowledgment within the entry's ack_days.  The rules in
-- force: actions (ended since from_day), complaints (received since) and risk alerts (raised
-- since) that a rule names, to the rule's departments (never the finder itself), owing what the
-- rule says.
CREATE OR REPLACE FUNCTION sv._joint_findings_since(from_day date)
RETURNS TABLE (source_kind text, source_id text, subject_uscc sv.uscc, finding text, from_department_id integer,
               to_department_id integer, basis jsonb, owes text, workdays integer, summary text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT 'action', a.uscc::text || '/' || a.id, a.uscc, f.finding, a.department_id, t.department_id,
         jsonb_build_object('joint_item', j.code), 'acknowledge', j.ack_days,
         left(format('%s %s:%s', a.subject_name, j.matter, CASE WHEN f.finding = a.kind THEN a.kind_zh ELSE a.result_zh END), 300)
  FROM sv_work.action a
  JOIN sv.catalog_release rel ON rel.label = a.release_label
  JOIN sv.catalog_release_item ci ON ci.release_id = rel.id AND ci.kind = 'check_item' AND ci.code = a.check_item_code
  JOIN sv.joint_item j ON j.catalog_items -> a.department_id::text ? (ci.item ->> 'catalog_item')
  CROSS JOIN LATERAL (SELECT x AS finding FROM unnest(ARRAY[a.kind, a.result]) x WHERE x = ANY (j.copy_on) LIMIT 1) f
  CROSS JOIN LATERAL unnest(j.lead_department_id || j.partner_department_ids) t(department_id)
  WHERE a.ended_on >= from_day AND t.department_id <> a.department_id
  UNION ALL
  -- the rules: an action's kind or result
  SELECT 'action', a.uscc::text || '/' || a.id, a.uscc, r.finding_value, a.department_id, (t ->> 'department_id')::integer,
         jsonb_build_object('rule', r.code, 'version', r.version), t ->> 'owes', (t ->> 'workdays')::integer,
         left(format('%s %s:%s', a.subject_name, r.name, sv._joint_finding_label(r.finding_kind, r.finding_value)), 300)
  FROM sv_work.action a
  JOIN sv._joint_rules_in_force() r
    ON (r.finding_kind = 'action_kind' AND r.finding_value = a.kind OR r.finding_kind = 'action_result' AND r.finding_value = a.result)
   AND (r.source_department_id IS NULL OR r.source_department_id = a.department_id)
  CROSS JOIN LATERAL jsonb_array_elements(r.targets) t
  WHERE a.ended_on >= from_day AND (t ->> 'department_id')::integer <> a.department_id
  UNION ALL
  -- a complaint's kind (never the person: the view's masked or clear identity is not read)
  SELECT 'complaint', c.id::text, c.subject_uscc, c.kind, c.department_id, (t ->> 'department_id')::integer,
         jsonb_build_object('rule', r.code, 'version', r.version), t ->> 'owes', (t ->> 'workdays')::integer,
         left(format('%s %s:%s', coalesce(c.subject_name, c.subject_uscc::text, c.work_order_no), r.name, sv.label_zh('complaint.kind', c.kind)), 300)
  FROM sv_work.complaint c
  JOIN sv._joint_rules_in_force() r ON r.finding_kind = 'complaint_kind' AND r.finding_value = c.kind
   AND (r.source_department_id IS NULL OR r.source_department_id = c.department_id)
  CROSS JOIN LATERAL jsonb_array_elements(r.targets) t
  WHERE sv.local_date(c.received_at) >= from_day AND (t ->> 'department_id')::integer IS DISTINCT FROM c.department_id
  UNION ALL
  -- a risk alert of a rule
  SELECT 'risk_alert', x.id::text, x.uscc, x.rule_code, x.department_id, (t ->> 'department_id')::integer,
         jsonb_build_object('rule', r.code, 'version', r.version), t ->> 'owes', (t ->> 'workdays')::integer,
         left(format('%s %s:%s', coalesce(x.subject_name, x.series), r.name, x.rule_code), 300)
  FROM sv_work.risk_alert x
  JOIN sv._joint_rules_in_force() r ON r.finding_kind = 'risk_rule' AND r.finding_value = x.rule_code
   AND (r.source_department_id IS NULL OR r.source_department_id = x.department_id)
  CROSS JOIN LATERAL jsonb_array_elements(r.targets) t
  WHERE sv.local_date(x.raised_at) >= from_day AND (t ->> 'department_id')::integer <> x.department_id
$fn$;

-- Copy every finding since from_day (default: 7 days before today, Beijing time) to the
-- departments it concerns, once each (a finding already copied to a department is not copied
-- again; several bases for one recipient make one notice, owing the most of them, due by the
-- earliest).  Administrators; the daily job runs it.  Returns the notices sent.
CREATE OR REPLACE FUNCTION sv.joint_notice_sweep(from_day date DEFAULT NULL)
RETURNS TABLE (notice_id bigint, source_kind text, source_id text, finding text, from_department_id integer,
               to_department_id integer, owes text, due_on date, pushed boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_today date := sv.local_date(now());
  n sv.joint_notice;
  r record;
BEGIN
  PERFORM sv._require_role('copy findings to other departments', '{sv_admin}',
                           'The daily job runs sv.joint_notice_sweep() (docs/joint.md).');
  from_day := coalesce(from_day, v_today - 7);
  IF NOT isfinite(from_day) OR from_day > v_today THEN
    RAISE EXCEPTION 'from_day must be a finite day not after today, not %', from_day
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.joint_notice_sweep'), 0);
  FOR r IN
    SELECT f.source_kind, f.source_id, min(f.subject_uscc::text) AS subject_uscc, min(f.finding) AS finding,
           min(f.from_department_id) AS from_department_id, f.to_department_id,
           jsonb_agg(DISTINCT f.basis) AS bases,
           (array_agg(f.owes ORDER BY array_position('{restrict,verify,inspect,acknowledge}'::text[], f.owes)))[1] AS owes,
           min(f.workdays) AS workdays, min(f.summary) AS summary
    FROM sv._joint_findings_since(from_day) f
    WHERE NOT EXISTS (SELECT 1 FROM sv.joint_notice x WHERE x.source_kind = f.source_kind AND x.source_id = f.source_id
                                                        AND x.to_department_id = f.to_department_id)
    GROUP BY f.source_kind, f.source_id, f.to_department_id
    ORDER BY f.source_kind, f.source_id, f.to_department_id
  LOOP
    INSERT INTO sv.joint_notice AS x (source_kind, source_id, subject_uscc, finding, from_department_id, to_department_id,
                                      bases, owes, summary, workdays, start_on, due_on, due_provisional, created_by, created_at)
    VALUES (r.source_kind, r.source_id, r.subject_uscc::sv.uscc, r.finding, r.from_department_id, r.to_department_id,
            r.bases, r.owes, r.summary, r.workdays, v_today, sv.add_workdays(v_today, r.workdays),
            sv.calendar_provisional_between(v_today, sv.add_workdays(v_today, r.workdays)), me.login, now())
    RETURNING x.* INTO n;
    n.message := sv._department_push(n.to_department_id, 'joint.notice',
                   jsonb_strip_nulls(jsonb_build_object(
                     'notice_id', n.id, 'source_kind', n.source_kind, 'source_id', n.source_id, 'subject_uscc', n.subject_uscc,
                     'finding', n.finding, 'from_department', (SELECT d.code FROM sv.department d WHERE d.id = n.from_department_id),
                     'bases', n.bases, 'owes', n.owes, 'summary', n.summary, 'due_on', n.due_on)),
                   format('joint-notice-%s', n.id));
    UPDATE sv.joint_notice x SET message = n.message WHERE x.id = n.id;
    PERFORM sv.audit_append(n.to_department_id, 'joint_notice', n.id::text, 'send',
      jsonb_build_object('source_kind', n.source_kind, 'source_id', n.source_id, 'finding', n.finding,
                         'from_department_id', n.from_department_id, 'to_department_id', n.to_department_id,
                         'bases', n.bases, 'owes', n.owes, 'due_on', n.due_on, 'pushed', n.message IS NOT NULL));
    notice_id := n.id; source_kind := n.source_kind; source_id := n.source_id; finding := n.finding;
    from_department_id := n.from_department_id; to_department_id := n.to_department_id; owes := n.owes;
    due_on := n.due_on; pushed := n.message IS NOT NULL;
    RETURN NEXT;
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION sv.joint_notice_sweep(date) IS
  'Administrators (and the daily job): copy the findings since a day to the departments they concern (抄告), once each';

-- The recipient acknowledges a notice and records what it did (签收反馈): 1-2000 characters.
CREATE OR REPLACE FUNCTION sv.joint_notice_acknowledge(notice_id bigint, action_taken text) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  n sv.joint_notice;
  v_taken text;
  v_msg uuid;
BEGIN
  PERFORM sv._require_given(ARRAY['notice_id', 'action_taken'], ARRAY[notice_id IS NULL, action_taken IS NULL]);
  PERFORM sv._require_role('acknowledge copy notices', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('acknowledge copy notices');
  v_taken := sv._require_free_text('action_taken', action_taken, 2000);
  SELECT * INTO n FROM sv.joint_notice x WHERE x.id = notice_id FOR UPDATE;
  IF n.id IS NULL OR NOT (me.is_admin OR coalesce(n.to_department_id = me.department_id, false)) THEN
    PERFORM sv._raise_not_yours('notice_id', format('copy notice %s', notice_id), 'no_data_found',
                                'The department a notice was copied to acknowledges it.');
  END IF;
  IF n.state <> 'sent' THEN
    RAISE EXCEPTION 'copy notice % is %: it cannot be acknowledged again', n.id, n.state
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.joint_notice x SET state = 'acknowledged', acknowledged_by = me.login, acknowledged_at = now(), action_taken = v_taken
   WHERE x.id = n.id RETURNING x.* INTO n;
  v_msg := sv._department_push(n.from_department_id, 'joint.notice_acknowledged',
             jsonb_build_object('notice_id', n.id, 'source_kind', n.source_kind, 'source_id', n.source_id,
                                'to_department', (SELECT d.code FROM sv.department d WHERE d.id = n.to_department_id),
                                'action_taken', n.action_taken, 'acknowledged_at', n.acknowledged_at,
                                'late', sv.deadline_state('joint_notice.due_on', n.due_on, n.acknowledged_at) = 'done_late'),
             format('joint-notice-%s-acknowledged', n.id));
  PERFORM sv.audit_append(n.to_department_id, 'joint_notice', n.id::text, 'acknowledge',
    jsonb_build_object('action_taken', n.action_taken, 'due_on', n.due_on,
                       'late', sv.deadline_state('joint_notice.due_on', n.due_on, n.acknowledged_at) = 'done_late',
                       'pushed', v_msg IS NOT NULL));
  RETURN n.acknowledged_at;
END
$fn$;
COMMENT ON FUNCTION sv.joint_notice_acknowledge(bigint, text) IS
  'The department a copy notice went to acknowledges it and records what it did (签收反馈)';

GRANT EXECUTE ON FUNCTION sv.joint_notice_sweep(date) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.joint_notice_acknowledge(bigint, text) TO sv_admin, sv_officer;

-- The deadline on the calendar (20_calendar.sql): owed by the recipient, open until acknowledged.
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('joint_notice.due_on', '抄告反馈期限', 'sv.joint_notice', 'joint_notice',
   't.id::text', 't.id = $1::bigint', 't.to_department_id', 't.start_on', 't.workdays', 'due_on', 'due_provisional',
   $$t.state = 'sent'$$, 't.acknowledged_at', 1, 't.summary')::sv.calendar_deadline);

-- sv:rerun (the labels of the notice's codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('joint_notice.source_kind', ARRAY[['action', '监管行为'], ['complaint', '投诉举报'],
  ['risk_alert', '风险预警']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('joint_notice.state', ARRAY[['sent', '已抄告待反馈'], ['acknowledged', '已签收反馈']]);

CREATE VIEW sv_work.joint_notice WITH (security_invoker = true) AS
  SELECT n.id, n.source_kind, sv.label_zh('joint_notice.source_kind', n.source_kind) AS source_kind_zh, n.source_id,
         n.subject_uscc, n.finding, n.from_department_id, fd.name_zh AS from_department_name,
         n.to_department_id, td.name_zh AS to_department_name, n.bases, n.owes, sv.label_zh('joint.owes', n.owes) AS owes_zh,
         n.summary, n.start_on, n.workdays, n.due_on,
         n.due_provisional, n.state, sv.label_zh('joint_notice.state', n.state) AS state_zh,
         sv.deadline_state('joint_notice.due_on', n.due_on, n.acknowledged_at) AS due_state,
         sv.label_zh('deadline.state', sv.deadline_state('joint_notice.due_on', n.due_on, n.acknowledged_at)) AS due_state_zh,
         n.message IS NOT NULL AS pushed, n.acknowledged_by, n.acknowledged_at, n.action_taken
  FROM sv.joint_notice n
  LEFT JOIN sv.department fd ON fd.id = n.from_department_id
  JOIN sv.department td ON td.id = n.to_department_id;
COMMENT ON VIEW sv_work.joint_notice IS
  '抄告抄送 / Copy notices the caller''s department sent or received (all for the supervision office and administrators): finding, basis, what is owed, due, acknowledgment';
COMMENT ON COLUMN sv_work.joint_notice.id IS '抄告编号';
COMMENT ON COLUMN sv_work.joint_notice.source_kind IS '来源类型代码:action 监管行为, complaint 投诉举报, risk_alert 风险预警';
COMMENT ON COLUMN sv_work.joint_notice.source_kind_zh IS '来源类型';
COMMENT ON COLUMN sv_work.joint_notice.source_id IS '来源编号(监管行为:统一社会信用代码/编号)';
COMMENT ON COLUMN sv_work.joint_notice.subject_uscc IS '涉及市场主体统一社会信用代码';
COMMENT ON COLUMN sv_work.joint_notice.finding IS '发现情形代码(行为类型、检查结果、投诉举报类别或预警规则)';
COMMENT ON COLUMN sv_work.joint_notice.from_department_id IS '抄告部门编号';
COMMENT ON COLUMN sv_work.joint_notice.from_department_name IS '抄告部门';
COMMENT ON COLUMN sv_work.joint_notice.to_department_id IS '接收部门编号';
COMMENT ON COLUMN sv_work.joint_notice.to_department_name IS '接收部门';
COMMENT ON COLUMN sv_work.joint_notice.bases IS '抄告依据(联合监管清单事项、联动规则及版本,JSON)';
COMMENT ON COLUMN sv_work.joint_notice.owes IS '应履行义务代码:acknowledge 签收知悉, inspect 开展检查, verify 核查处置, restrict 实施限制惩戒';
COMMENT ON COLUMN sv_work.joint_notice.owes_zh IS '应履行义务';
COMMENT ON COLUMN sv_work.joint_notice.summary IS '事项摘要';
COMMENT ON COLUMN sv_work.joint_notice.start_on IS '抄告日期';
COMMENT ON COLUMN sv_work.joint_notice.workdays IS '反馈时限(工作日)';
COMMENT ON COLUMN sv_work.joint_notice.due_on IS '反馈截止日期';
COMMENT ON COLUMN sv_work.joint_notice.due_provisional IS '截止日期按临时日历计算(国务院通知未发布),通知发布后重新计算';
COMMENT ON COLUMN sv_work.joint_notice.state IS '状态代码:sent 已抄告待反馈, acknowledged 已签收反馈';
COMMENT ON COLUMN sv_work.joint_notice.state_zh IS '状态';
COMMENT ON COLUMN sv_work.joint_notice.due_state IS '期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结';
COMMENT ON COLUMN sv_work.joint_notice.due_state_zh IS '期限状态';
COMMENT ON COLUMN sv_work.joint_notice.pushed IS '是否已推送至接收部门业务系统';
COMMENT ON COLUMN sv_work.joint_notice.acknowledged_by IS '签收人';
COMMENT ON COLUMN sv_work.joint_notice.acknowledged_at IS '签收反馈时间';
COMMENT ON COLUMN sv_work.joint_notice.action_taken IS '处理情况';
GRANT SELECT ON sv_work.joint_notice TO sv_officer, sv_admin, sv_auditor;

-- What the caller's department still owes of joint supervision (all departments for the
-- supervision office and administrators): the copy notices it has not acknowledged and the
-- assist requests it has not answered or declined, each with its deadline today.
CREATE VIEW sv_work.joint_obligation WITH (security_invoker = true) AS
  SELECT o.obligation, sv.label_zh('joint.obligation', o.obligation) AS obligation_zh, o.id, o.department_id, d.name_zh AS department_name,
         o.from_department_id, fd.name_zh AS from_department_name, o.subject_uscc, o.summary, o.owes,
         sv.label_zh('joint.owes', o.owes) AS owes_zh, o.due_on, o.due_provisional,
         x.due_state, sv.label_zh('deadline.state', x.due_state) AS due_state_zh,
         sv.workdays_between(sv.local_date(now()), o.due_on) AS workdays_left
  FROM (SELECT 'copy_notice'::text AS obligation, 'joint_notice.due_on'::text AS deadline, n.id, n.to_department_id AS department_id,
               n.from_department_id, n.subject_uscc, n.summary, n.owes, n.due_on, n.due_provisional
        FROM sv.joint_notice n WHERE n.state = 'sent'
        UNION ALL
        SELECT 'assist_request', 'assist_request.due_on', r.id, r.to_department_id, r.from_department_id, r.subject_uscc,
               left(coalesce(r.case_ref || ' ', '') || r.asked, 300), 'answer', r.due_on, r.due_provisional
        FROM sv.assist_request r WHERE r.state IN ('requested', 'accepted')) o
  CROSS JOIN LATERAL (SELECT sv.deadline_state(o.deadline, o.due_on, NULL) AS due_state) x
  JOIN sv.department d ON d.id = o.department_id
  LEFT JOIN sv.department fd ON fd.id = o.from_department_id
  WHERE o.department_id = sv.scope_department() OR (SELECT s.sees_all FROM sv.current_scope() s);
COMMENT ON VIEW sv_work.joint_obligation IS
  '联合监管待办 / What the caller''s department still owes: copy notices to acknowledge and assist requests to answer, with their deadlines';
COMMENT ON COLUMN sv_work.joint_obligation.obligation IS '待办类型代码:copy_notice 抄告抄送, assist_request 协查协办';
COMMENT ON COLUMN sv_work.joint_obligation.obligation_zh IS '待办类型';
COMMENT ON COLUMN sv_work.joint_obligation.id IS '抄告或协查协办编号';
COMMENT ON COLUMN sv_work.joint_obligation.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.joint_obligation.department_name IS '承办部门';
COMMENT ON COLUMN sv_work.joint_obligation.from_department_id IS '发起部门编号';
COMMENT ON COLUMN sv_work.joint_obligation.from_department_name IS '发起部门';
COMMENT ON COLUMN sv_work.joint_obligation.subject_uscc IS '涉及市场主体统一社会信用代码';
COMMENT ON COLUMN sv_work.joint_obligation.summary IS '事项摘要';
COMMENT ON COLUMN sv_work.joint_obligation.owes IS '应履行义务代码:acknowledge 签收知悉, inspect 开展检查, verify 核查处置, restrict 实施限制惩戒, answer 协查协办反馈';
COMMENT ON COLUMN sv_work.joint_obligation.owes_zh IS '应履行义务';
COMMENT ON COLUMN sv_work.joint_obligation.due_on IS '截止日期';
COMMENT ON COLUMN sv_work.joint_obligation.due_provisional IS '截止日期按临时日历计算(国务院通知未发布),通知发布后重新计算';
COMMENT ON COLUMN sv_work.joint_obligation.due_state IS '期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期';
COMMENT ON COLUMN sv_work.joint_obligation.due_state_zh IS '期限状态';
COMMENT ON COLUMN sv_work.joint_obligation.workdays_left IS '距截止日期的工作日数(负数:已逾期的工作日数)';
GRANT SELECT ON sv_work.joint_obligation TO sv_officer, sv_admin, sv_auditor;

-- Per department, today: copy notices and assist requests it owes, open (of which overdue),
-- done on time and late (aggregates only, over every department).
CREATE VIEW sv_bi.joint_obligation_summary AS
  SELECT d.code AS department_code, d.name_zh AS department_name,
         count(*) FILTER (WHERE o.k = 'copy_notice' AND o.st IN ('open', 'due_soon', 'overdue')) AS notices_open,
         count(*) FILTER (WHERE o.k = 'copy_notice' AND o.st = 'overdue') AS notices_overdue,
         count(*) FILTER (WHERE o.k = 'copy_notice' AND o.st = 'done_on_time') AS notices_done_on_time,
         count(*) FILTER (WHERE o.k = 'copy_notice' AND o.st = 'done_late') AS notices_done_late,
         count(*) FILTER (WHERE o.k = 'assist_request' AND o.st IN ('open', 'due_soon', 'overdue')) AS assists_open,
         count(*) FILTER (WHERE o.k = 'assist_request' AND o.st = 'overdue') AS assists_overdue,
         count(*) FILTER (WHERE o.k = 'assist_request' AND o.st = 'done_on_time') AS assists_done_on_time,
         count(*) FILTER (WHERE o.k = 'assist_request' AND o.st = 'done_late') AS assists_done_late
  FROM (SELECT 'copy_notice'::text AS k, n.to_department_id AS department_id,
               sv.deadline_state('joint_notice.due_on', n.due_on, n.acknowledged_at) AS st
        FROM sv.joint_notice n
        UNION ALL
        SELECT 'assist_request', r.to_department_id,
               CASE WHEN r.state = 'withdrawn' THEN 'withdrawn'
                    ELSE sv.deadline_state('assist_request.due_on', r.due_on, coalesce(r.answered_at, r.declined_at)) END
        FROM sv.assist_request r) o
  JOIN sv.department d ON d.id = o.department_id
  GROUP BY d.id, d.code, d.name_zh;
COMMENT ON VIEW sv_bi.joint_obligation_summary IS
  '联合监管办理统计 / Per department: copy notices and assist requests owed, open, overdue, done on time and late';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.department_code IS '部门代码';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.department_name IS '部门名称';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.notices_open IS '抄告待反馈数(含逾期)';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.notices_overdue IS '抄告逾期未反馈数';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.notices_done_on_time IS '抄告按期反馈数';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.notices_done_late IS '抄告逾期反馈数';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.assists_open IS '协查协办未办结数(含逾期)';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.assists_overdue IS '协查协办逾期未办结数';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.assists_done_on_time IS '协查协办按期办结数';
COMMENT ON COLUMN sv_bi.joint_obligation_summary.assists_done_late IS '协查协办逾期办结数';
GRANT SELECT ON sv_bi.joint_obligation_summary TO sv_bi, sv_auditor, sv_admin;
