-- ---------------------------------------------------------------------------------------------
-- 76_risk_lead: risk leads (风险线索) and their closed loop (issue 17): a lead comes from a scan
-- (an alert of 66_risk becomes a lead) or from outside (the national and provincial systems:
-- sv.risk_lead_receive and the ingest kind risk_lead), is assigned to the responsible
-- department, claimed (签收), verified (核查: confirmed or not, with the inspection of the data
-- centre when one was made), handled (办结) and fed back to its source through the outbox.
--
-- Tables:     sv.risk_lead_source (the outside systems leads come from, each with the endpoint
--             its feedback goes to), sv.risk_lead_route (industry prefix -> power item: who must
--             act on a lead about a subject of that industry), sv.risk_lead (the lead and its
--             loop), sv.risk_lead_staging (COPY target of the ingest kind)
-- Functions:  sv.risk_lead_source_save, sv.risk_lead_route_save (administrators)
--             sv.risk_lead_receive(payload) (sv_integration; idempotent on source and source_id)
--             sv.risk_lead_from_alert(alert_id) (the alert's department, administrators)
--             sv.risk_lead_claim, sv.risk_lead_verify, sv.risk_lead_handle (officers of the
--             assigned department)
-- Deadlines:  risk_lead.claim_due (2 working days), risk_lead.verify_due (10), risk_lead.handle_due
--             (20), each counted from the day the lead was received (67_deadline.sql)
-- Views:      sv_work.risk_lead (the caller's department's leads), sv_bi.risk_lead_summary
-- States:     assigned -> claimed -> verified -> closed (handled and fed back); any other step
--             is refused with 55000 naming the state.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.risk_lead_source (
  code     text PRIMARY KEY,
  name     text NOT NULL,
  endpoint text REFERENCES sv.endpoint (name),     -- where feedback goes; NULL: none (read in sv_work)
  set_by   text NOT NULL,
  set_at   timestamptz NOT NULL,
  CONSTRAINT risk_lead_source_code_check CHECK (code ~ '^[A-Z][A-Z0-9_-]{1,31}$'),
  CONSTRAINT risk_lead_source_name_check CHECK (name <> '' AND char_length(name) <= 100)
);
COMMENT ON TABLE sv.risk_lead_source IS
  'Outside systems that push risk leads (国家、省级平台), with the endpoint their feedback goes to';
ALTER TABLE sv.risk_lead_source ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_lead_source FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_lead_source_read ON sv.risk_lead_source FOR SELECT TO sv_admin, sv_auditor, sv_officer, sv_integration
  USING (true);
GRANT SELECT ON sv.risk_lead_source TO sv_admin, sv_auditor, sv_officer, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.risk_lead_source', '');

CREATE TABLE sv.risk_lead_route (
  industry   text PRIMARY KEY,                                  -- a GB/T 4754 code or prefix
  power_code text NOT NULL REFERENCES sv.power_item (code),     -- its supervising department decides
  set_by     text NOT NULL,
  set_at     timestamptz NOT NULL,
  CONSTRAINT risk_lead_route_industry_check CHECK (industry ~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$')
);
COMMENT ON TABLE sv.risk_lead_route IS
  'Who must act on a risk lead about a subject of an industry: the supervising department of a power item (权责清单); the longest prefix wins';
ALTER TABLE sv.risk_lead_route ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_lead_route FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_lead_route_read ON sv.risk_lead_route FOR SELECT TO sv_admin, sv_auditor, sv_officer USING (true);
GRANT SELECT ON sv.risk_lead_route TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.risk_lead_route', '');

CREATE TABLE sv.risk_lead (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source                 text REFERENCES sv.risk_lead_source (code),   -- NULL: the city's own scan
  source_id              text,
  alert_id               bigint,                   -- the alert (sv.risk_alert.id; no foreign key: an alert is never removed, and its guards answer first)
  uscc                   sv.uscc REFERENCES sv.subject (uscc),
  subject_name           text,
  region_code            text REFERENCES sv.region (code),
  industry               text,
  title                  text NOT NULL,
  body                   text,
  severity               text NOT NULL,
  department_id          integer NOT NULL REFERENCES sv.department (id),
  assigned_by            text NOT NULL,            -- how: rule, source, power_list
  state                  text NOT NULL DEFAULT 'assigned',
  received_at            timestamptz NOT NULL,
  recorded_by            text NOT NULL,
  recorded_at            timestamptz NOT NULL,
  claim_due              date NOT NULL,
  claim_due_provisional  boolean NOT NULL DEFAULT false,
  verify_due             date NOT NULL,
  verify_due_provisional boolean NOT NULL DEFAULT false,
  handle_due             date NOT NULL,
  handle_due_provisional boolean NOT NULL DEFAULT false,
  claimed_by             text,
  claimed_at             timestamptz,
  verified_by            text,
  verified_at            timestamptz,
  verify_result          text,
  verify_note            text,
  action_id              bigint,                   -- the inspection of the data centre (sv.action.id)
  handled_by             text,
  handled_at             timestamptz,
  measures               text,
  feedback_message       uuid,                     -- the outbox message to the source; NULL: none
  CONSTRAINT risk_lead_source_id_key UNIQUE (source, source_id),
  CONSTRAINT risk_lead_alert_key UNIQUE (alert_id),
  CONSTRAINT risk_lead_origin_check CHECK ((source IS NULL AND source_id IS NULL AND alert_id IS NOT NULL)
                                          OR (source IS NOT NULL AND source_id IS NOT NULL AND alert_id IS NULL)),
  CONSTRAINT risk_lead_source_id_check CHECK (source_id ~ '^[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}$'),
  CONSTRAINT risk_lead_subject_check CHECK (uscc IS NOT NULL OR subject_name IS NOT NULL OR region_code IS NOT NULL),
  CONSTRAINT risk_lead_subject_name_check CHECK (subject_name <> '' AND char_length(subject_name) <= 200),
  CONSTRAINT risk_lead_industry_check CHECK (industry ~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$'),
  CONSTRAINT risk_lead_title_check CHECK (title <> '' AND char_length(title) <= 200),
  CONSTRAINT risk_lead_body_check CHECK (body <> '' AND char_length(body) <= 4000),
  CONSTRAINT risk_lead_severity_check CHECK (severity IN ('blue', 'yellow', 'orange', 'red')),
  CONSTRAINT risk_lead_assigned_by_check CHECK (assigned_by IN ('rule', 'source', 'power_list')),
  CONSTRAINT risk_lead_state_check CHECK (state IN ('assigned', 'claimed', 'verified', 'closed')),
  CONSTRAINT risk_lead_verify_result_check CHECK (verify_result IN ('confirmed', 'not_confirmed')),
  CONSTRAINT risk_lead_verify_note_check CHECK (verify_note <> '' AND char_length(verify_note) <= 2000),
  CONSTRAINT risk_lead_measures_check CHECK (measures <> '' AND char_length(measures) <= 2000),
  CONSTRAINT risk_lead_steps_check CHECK (
    (claimed_at IS NOT NULL) = (state IN ('claimed', 'verified', 'closed'))
    AND (verified_at IS NOT NULL) = (state IN ('verified', 'closed'))
    AND (verified_at IS NOT NULL) = (verify_result IS NOT NULL)
    AND (handled_at IS NOT NULL) = (state = 'closed'))
);
CREATE INDEX risk_lead_department_idx ON sv.risk_lead (department_id, received_at);
CREATE INDEX risk_lead_uscc_idx ON sv.risk_lead (uscc) WHERE uscc IS NOT NULL;
COMMENT ON TABLE sv.risk_lead IS
  'Risk leads (风险线索) from scans and from national and provincial systems, with their loop: assigned, claimed, verified, handled and fed back';
ALTER TABLE sv.risk_lead ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_lead FORCE ROW LEVEL SECURITY;
-- officers see the leads assigned to their department; the supervision office and administrators all
CREATE POLICY risk_lead_department ON sv.risk_lead FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY risk_lead_all ON sv.risk_lead FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.risk_lead TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.risk_lead', '');
SELECT pg_catalog.pg_extension_config_dump('sv.risk_lead_id_seq', '');

-- Administrators: register (or change) a system leads come from, and where its feedback goes.
CREATE OR REPLACE FUNCTION sv.risk_lead_source_save(code text, name text, endpoint text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  v_name text;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'name'], ARRAY[code IS NULL, name IS NULL]);
  PERFORM sv._require_role('register risk lead sources', '{sv_admin}');
  IF code !~ '^[A-Z][A-Z0-9_-]{1,31}$' THEN
    RAISE EXCEPTION 'code must be 2-32 upper-case letters, digits, "_" or "-", starting with a letter, not %', quote_literal(code)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_name := sv._require_label('name', name, 100);
  IF v_name = '' THEN
    RAISE EXCEPTION 'name must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF endpoint IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sv.endpoint e WHERE e.name = endpoint) THEN
    RAISE EXCEPTION 'endpoint: endpoint % does not exist', quote_literal(endpoint) USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO sv.risk_lead_source AS s (code, name, endpoint, set_by, set_at)
  VALUES (code, v_name, endpoint, me.login, now())
  ON CONFLICT ON CONSTRAINT risk_lead_source_pkey DO UPDATE
    SET name = excluded.name, endpoint = excluded.endpoint, set_by = excluded.set_by, set_at = excluded.set_at;
  PERFORM sv.audit_append(NULL, 'risk_lead_source', code, 'save', jsonb_build_object('name', v_name, 'endpoint', endpoint));
END
$fn$;
COMMENT ON FUNCTION sv.risk_lead_source_save(text, text, text) IS
  'Administrators: register a national or provincial system that pushes risk leads, and the endpoint for its feedback';

-- Administrators: the power item whose supervising department acts on leads about subjects of
-- an industry (a GB/T 4754 code or prefix).
CREATE OR REPLACE FUNCTION sv.risk_lead_route_save(industry text, power_code text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['industry', 'power_code'], ARRAY[industry IS NULL, power_code IS NULL]);
  PERFORM sv._require_role('route risk leads', '{sv_admin}');
  IF industry !~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$' THEN
    RAISE EXCEPTION 'industry must be a GB/T 4754 code or prefix (a section letter A-T, optionally 2 to 4 digits), not %',
      quote_literal(industry) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.power_item p WHERE p.code = power_code) THEN
    RAISE EXCEPTION 'power_code: power item % does not exist', quote_literal(power_code) USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO sv.risk_lead_route AS r (industry, power_code, set_by, set_at)
  VALUES (industry, power_code, me.login, now())
  ON CONFLICT ON CONSTRAINT risk_lead_route_pkey DO UPDATE
    SET power_code = excluded.power_code, set_by = excluded.set_by, set_at = excluded.set_at;
  PERFORM sv.audit_append(sv.supervising_department(power_code), 'risk_lead_route', industry, 'save',
                          jsonb_build_object('power_code', power_code));
END
$fn$;
COMMENT ON FUNCTION sv.risk_lead_route_save(text, text) IS
  'Administrators: leads about subjects of this industry (GB/T 4754 prefix) go to the supervising department of this power item';

-- The department for a lead about a subject of an industry: the longest matching route's power
-- item, its supervising department (谁审批、谁监管；谁主管、谁监管); NULL without a route.
CREATE OR REPLACE FUNCTION sv._risk_lead_department(industry text) RETURNS integer
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sv.supervising_department(r.power_code) FROM sv.risk_lead_route r
  WHERE _risk_lead_department.industry LIKE r.industry || '%'
  ORDER BY length(r.industry) DESC LIMIT 1
$fn$;

-- The three deadlines of a lead received at a moment, in working days from its day.
CREATE OR REPLACE FUNCTION sv._risk_lead_dues(INOUT l sv.risk_lead) LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  d date := sv.local_date(l.received_at);
BEGIN
  l.claim_due := sv.add_workdays(d, 2);
  l.claim_due_provisional := sv.calendar_provisional_between(d, l.claim_due);
  l.verify_due := sv.add_workdays(d, 10);
  l.verify_due_provisional := sv.calendar_provisional_between(d, l.verify_due);
  l.handle_due := sv.add_workdays(d, 20);
  l.handle_due_provisional := sv.calendar_provisional_between(d, l.handle_due);
END
$fn$;

-- Takes one lead from outside (sv.risk_lead_receive and the ingest kind).  payload, a JSON
-- object of strings:
--   source       required, a registered source (sv.risk_lead_source)
--   source_id    required, the lead's id in that system: 1-64 letters, digits, "_", ".", ":", "-"
--   uscc         the subject's code (a registered subject), or
--   subject_name the subject's name (1-200 characters) when it has no code or is not registered
--   region       optional region code (the place)
--   industry     optional GB/T 4754 code (the subject's own when it is registered)
--   title        required, 1-200 characters;  text  optional, 1-4000 characters
--   severity     required: blue, yellow, orange, red
--   received_at  required, when the source raised it (ISO 8601 with a time zone, not in the future)
--   department   optional, the code of the department the source assigned it to; else the
--                route of the subject's industry (sv.risk_lead_route)
-- Returns the lead's id and whether it was new; the same source and source_id again: the same
-- lead (nothing written) or 23505 when the content differs.
CREATE OR REPLACE FUNCTION sv._risk_lead_take(payload jsonb, OUT lead_id bigint, OUT inserted boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  l sv.risk_lead;
  o sv.risk_lead;
  v_dept text;
  v_diff text;
  s sv.subject;
BEGIN
  IF payload IS NULL OR jsonb_typeof(payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object, not %', coalesce('a JSON ' || jsonb_typeof(payload), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._payload_keys(payload, 'payload',
    '{source,source_id,uscc,subject_name,region,industry,title,text,severity,received_at,department}');
  l.source := sv._payload_text(payload, 'source', 'source', 32);
  IF l.source IS NULL THEN
    RAISE EXCEPTION 'source must be given' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.risk_lead_source x WHERE x.code = l.source) THEN
    RAISE EXCEPTION 'source: % is not a registered risk lead source', quote_literal(l.source)
      USING ERRCODE = 'foreign_key_violation', HINT = 'an administrator registers it with sv.risk_lead_source_save';
  END IF;
  l.source_id := sv._payload_text(payload, 'source_id', 'source_id', 64);
  IF l.source_id IS NULL OR l.source_id !~ '^[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}$' THEN
    RAISE EXCEPTION 'source_id must be 1-64 letters, digits, "_", ".", ":" or "-", not %', coalesce(quote_literal(l.source_id), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF payload ? 'uscc' AND jsonb_typeof(payload -> 'uscc') <> 'null' THEN
    PERFORM sv._require_uscc('uscc', sv._payload_text(payload, 'uscc', 'uscc', 18));
    SELECT * INTO s FROM sv.subject x WHERE x.uscc = (payload ->> 'uscc')::sv.uscc;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'uscc: subject % is not registered', payload ->> 'uscc' USING ERRCODE = 'foreign_key_violation',
        HINT = 'give subject_name instead for a subject the platform does not know';
    END IF;
    l.uscc := s.uscc;
  END IF;
  l.subject_name := coalesce(sv._payload_text(payload, 'subject_name', 'subject_name', 200), s.name);
  l.region_code := sv._payload_text(payload, 'region', 'region', 12);
  IF l.region_code IS NOT NULL THEN
    PERFORM sv._require_region('region', l.region_code);
  END IF;
  l.region_code := coalesce(l.region_code, s.region_code);
  l.industry := sv._payload_text(payload, 'industry', 'industry', 7);
  IF l.industry IS NOT NULL AND l.industry !~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$' THEN
    RAISE EXCEPTION 'industry must be a GB/T 4754 code, not %', quote_literal(l.industry) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  l.industry := coalesce(s.industry, l.industry);
  IF l.uscc IS NULL AND l.subject_name IS NULL THEN
    RAISE EXCEPTION 'uscc or subject_name must be given' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  l.title := sv._payload_text(payload, 'title', 'title', 200);
  IF l.title IS NULL THEN
    RAISE EXCEPTION 'title must be given' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF payload ? 'text' AND jsonb_typeof(payload -> 'text') NOT IN ('string', 'null') THEN
    RAISE EXCEPTION 'text must be a string, not a JSON %', jsonb_typeof(payload -> 'text') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  l.body := nullif(btrim(payload ->> 'text', E' \n\r\t'), '');
  IF sv._label_problem(translate(l.body, E'\n\r\t', '   ')) IS NOT NULL THEN
    RAISE EXCEPTION 'text must be printable text: it contains %', sv._label_problem(translate(l.body, E'\n\r\t', '   '))
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF char_length(l.body) > 4000 THEN
    RAISE EXCEPTION 'text is % characters long: at most 4000 are allowed', char_length(l.body)
      USING ERRCODE = 'string_data_right_truncation';
  END IF;
  l.severity := sv._payload_text(payload, 'severity', 'severity', 10);
  PERFORM sv._require_one_of('severity', l.severity, '{blue,yellow,orange,red}');
  l.received_at := sv._payload_time(payload, 'received_at', 'received_at');
  IF l.received_at > now() + interval '5 minutes' OR l.received_at < '2000-01-01 00:00+08' THEN
    RAISE EXCEPTION 'received_at % is %', payload ->> 'received_at',
      CASE WHEN l.received_at < '2000-01-01 00:00+08' THEN 'before 2000' ELSE 'in the future' END
      USING ERRCODE = 'datetime_field_overflow';
  END IF;
  v_dept := sv._payload_text(payload, 'department', 'department', 30);
  IF v_dept IS NOT NULL THEN
    SELECT d.id INTO l.department_id FROM sv.department d WHERE d.code = v_dept;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'department: department % does not exist', quote_literal(v_dept) USING ERRCODE = 'foreign_key_violation';
    END IF;
    l.assigned_by := 'source';
  ELSE
    l.department_id := sv._risk_lead_department(l.industry);
    IF l.department_id IS NULL THEN
      RAISE EXCEPTION 'department: the lead cannot be assigned: no department given and no route for industry %',
        coalesce(quote_literal(l.industry), '(none)') USING ERRCODE = 'invalid_parameter_value',
        HINT = 'give department, or an administrator adds a route (sv.risk_lead_route_save)';
    END IF;
    l.assigned_by := 'power_list';
  END IF;
  l := sv._risk_lead_dues(l);

  LOOP
    SELECT * INTO o FROM sv.risk_lead x WHERE x.source = l.source AND x.source_id = l.source_id FOR UPDATE;
    IF FOUND THEN
      SELECT string_agg(f, ', ' ORDER BY f) INTO v_diff FROM (VALUES
          ('subject', (o.uscc, o.subject_name, o.region_code, o.industry) IS DISTINCT FROM (l.uscc, l.subject_name, l.region_code, l.industry)),
          ('title', o.title IS DISTINCT FROM l.title), ('text', o.body IS DISTINCT FROM l.body),
          ('severity', o.severity IS DISTINCT FROM l.severity), ('received_at', o.received_at IS DISTINCT FROM l.received_at),
          ('department', o.department_id IS DISTINCT FROM l.department_id)) v(f, differs)
      WHERE differs;
      IF v_diff IS NOT NULL THEN
        RAISE EXCEPTION 'source_id: lead % of % was already received with different content (%)', l.source_id, l.source, v_diff
          USING ERRCODE = 'unique_violation';
      END IF;
      lead_id := o.id;
      inserted := false;
      RETURN;
    END IF;
    INSERT INTO sv.risk_lead (source, source_id, uscc, subject_name, region_code, industry, title, body, severity,
                              department_id, assigned_by, state, received_at, recorded_by, recorded_at, claim_due,
                              claim_due_provisional, verify_due, verify_due_provisional, handle_due, handle_due_provisional)
    VALUES (l.source, l.source_id, l.uscc, l.subject_name, l.region_code, l.industry, l.title, l.body, l.severity,
            l.department_id, l.assigned_by, 'assigned', l.received_at, me.login, now(), l.claim_due,
            l.claim_due_provisional, l.verify_due, l.verify_due_provisional, l.handle_due, l.handle_due_provisional)
    ON CONFLICT ON CONSTRAINT risk_lead_source_id_key DO NOTHING
    RETURNING id INTO lead_id;
    EXIT WHEN lead_id IS NOT NULL;
  END LOOP;
  inserted := true;
  PERFORM sv.audit_append(l.department_id, 'risk_lead', lead_id::text, 'receive',
    jsonb_build_object('source', l.source, 'source_id', l.source_id, 'uscc', l.uscc, 'subject_name', l.subject_name,
                       'title', l.title, 'text_sha256', encode(sha256(convert_to(coalesce(l.body, ''), 'UTF8')), 'hex'),
                       'severity', l.severity, 'received_at', l.received_at, 'department_id', l.department_id,
                       'assigned_by', l.assigned_by, 'state', 'assigned', 'claim_due', l.claim_due,
                       'verify_due', l.verify_due, 'handle_due', l.handle_due));
END
$fn$;

CREATE OR REPLACE FUNCTION sv.risk_lead_receive(payload jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_role('receive risk leads', '{sv_integration}');
  PERFORM sv._require_given(ARRAY['payload'], ARRAY[payload IS NULL]);
  RETURN (sv._risk_lead_take(payload)).lead_id;
END
$fn$;
COMMENT ON FUNCTION sv.risk_lead_receive(jsonb) IS
  'Integrations: receive one risk lead pushed by a national or provincial system; idempotent on its source and id; returns the lead''s id';

-- The ingest kind: a batch of leads from one source system, one per line; each good line is
-- taken as by sv.risk_lead_receive, each bad one rejected with its SQLSTATE and reason.
CREATE TABLE sv.risk_lead_staging (
  loaded_by    text NOT NULL DEFAULT current_user,
  line         bigint GENERATED BY DEFAULT AS IDENTITY,
  source       text,
  source_id    text,
  uscc         text,
  subject_name text,
  region       text,
  industry     text,
  title        text,
  text         text,
  severity     text,
  received_at  text,
  department   text
);
COMMENT ON TABLE sv.risk_lead_staging IS 'COPY target for bulk ingest of risk leads (insert-only for loaders)';

CREATE OR REPLACE FUNCTION sv._risk_lead_merge(batch_source text, batch sv.risk_lead_staging[])
RETURNS TABLE (line bigint, key text, outcome text, errcode text, message text, detail text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r sv.risk_lead_staging;
  t record;
  v_state text;
  v_msg text;
  v_limits jsonb := (SELECT k.field_limits FROM sv.ingest_kind k WHERE k.kind = 'risk_lead');
  v_long text[];
BEGIN
  FOREACH r IN ARRAY batch LOOP
    line := r.line;
    key := coalesce(r.source, '') || '/' || coalesce(r.source_id, '');
    detail := NULL;
    -- the field limits first (sv.ingest_kind.field_limits), as every kind does
    SELECT sv._too_long(f.key, f.value, (v_limits ->> f.key)::integer) INTO v_long
    FROM jsonb_each_text(to_jsonb(r) - 'loaded_by' - 'line' || jsonb_build_object('source_system', batch_source)) f
    WHERE v_limits ? f.key AND sv._too_long(f.key, f.value, (v_limits ->> f.key)::integer) IS NOT NULL
    ORDER BY f.key LIMIT 1;
    IF v_long IS NOT NULL THEN
      outcome := 'rejected';
      errcode := v_long[1];
      message := v_long[2];
      RETURN NEXT;
      CONTINUE;
    END IF;
    BEGIN
      t := sv._risk_lead_take(jsonb_strip_nulls(to_jsonb(r) - 'loaded_by' - 'line'));
      outcome := CASE WHEN t.inserted THEN 'inserted' ELSE 'unchanged' END;
      key := key || '/' || t.lead_id;
      errcode := NULL;
      message := NULL;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
      outcome := 'rejected';
      errcode := v_state;
      message := v_msg;
    END;
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- sv:rerun (the ingest kind, 39_ingest_kind: the registry is code, every update registers again)
SELECT sv._ingest_kind_register('risk_lead', '风险线索', 60, 'sv.risk_lead_staging', '_risk_lead_merge',
  field_limits => '{"source": 32, "source_id": 64, "uscc": 18, "subject_name": 200, "region": 12, "industry": 7, "title": 200, "text": 4000, "severity": 10, "received_at": 40, "department": 30, "source_system": 64}');

-- An alert of a scan becomes a lead of the rule's department (the same alert again: the same
-- lead).  Administrators, and officers of that department.
CREATE OR REPLACE FUNCTION sv.risk_lead_from_alert(alert_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  a sv.risk_alert;
  l sv.risk_lead;
  s sv.subject;
  v_name text;
BEGIN
  PERFORM sv._require_given(ARRAY['alert_id'], ARRAY[alert_id IS NULL]);
  PERFORM sv._require_role('turn risk alerts into leads', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('turn risk alerts into leads');
  SELECT * INTO a FROM sv.risk_alert x WHERE x.id = alert_id;
  IF NOT FOUND OR NOT (me.is_admin OR coalesce(a.department_id = me.department_id, false)) THEN
    PERFORM sv._raise_not_yours('alert_id', format('risk alert %s', alert_id));
  END IF;
  SELECT x.id INTO l.id FROM sv.risk_lead x WHERE x.alert_id = a.id;
  IF FOUND THEN
    RETURN l.id;
  END IF;
  SELECT * INTO s FROM sv.subject x WHERE x.uscc = a.uscc;
  SELECT r.name INTO v_name FROM sv.risk_rule r WHERE r.code = a.rule_code AND r.version = a.rule_version;
  l.alert_id := a.id;
  l.uscc := a.uscc;
  l.subject_name := s.name;
  l.region_code := coalesce(s.region_code, CASE WHEN a.uscc IS NULL THEN split_part(a.series, ':', 2) END);
  l.industry := coalesce(s.industry, CASE WHEN a.uscc IS NULL THEN split_part(a.series, ':', 1) END);
  l.title := left(format('%s:%s %s 当月%s件', v_name, coalesce(s.name, a.series), to_char(a.period, 'YYYY-MM'), a.observed), 200);
  l.severity := a.severity;
  l.department_id := a.department_id;
  l.received_at := a.raised_at;
  l := sv._risk_lead_dues(l);
  INSERT INTO sv.risk_lead (alert_id, uscc, subject_name, region_code, industry, title, severity, department_id, assigned_by,
                            state, received_at, recorded_by, recorded_at, claim_due, claim_due_provisional, verify_due,
                            verify_due_provisional, handle_due, handle_due_provisional)
  VALUES (l.alert_id, l.uscc, l.subject_name, l.region_code, l.industry, l.title, l.severity, l.department_id, 'rule',
          'assigned', l.received_at, me.login, now(), l.claim_due, l.claim_due_provisional, l.verify_due,
          l.verify_due_provisional, l.handle_due, l.handle_due_provisional)
  ON CONFLICT ON CONSTRAINT risk_lead_alert_key DO NOTHING
  RETURNING id INTO l.id;
  IF l.id IS NULL THEN   -- made at the same moment by another session
    SELECT x.id INTO l.id FROM sv.risk_lead x WHERE x.alert_id = a.id;
    RETURN l.id;
  END IF;
  PERFORM sv.audit_append(l.department_id, 'risk_lead', l.id::text, 'raise',
    jsonb_build_object('alert_id', a.id, 'rule', a.rule_code, 'rule_version', a.rule_version, 'series', a.series,
                       'period', a.period, 'severity', l.severity, 'department_id', l.department_id,
                       'assigned_by', 'rule', 'state', 'assigned', 'claim_due', l.claim_due,
                       'verify_due', l.verify_due, 'handle_due', l.handle_due));
  RETURN l.id;
END
$fn$;
COMMENT ON FUNCTION sv.risk_lead_from_alert(bigint) IS
  'Administrators, officers of the alert''s department: make a risk alert a lead of the rule''s department (idempotent)';

-- The lead a step acts on: locked, of the caller's department (officers with a mapping in force
-- only: the department acts on its leads), in the state the step needs (55000 otherwise).
CREATE OR REPLACE FUNCTION sv._risk_lead_for_step(lead_id bigint, purpose text, state text) RETURNS sv.risk_lead
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  l sv.risk_lead;
BEGIN
  PERFORM sv._require_given(ARRAY['lead_id'], ARRAY[lead_id IS NULL]);
  PERFORM sv._require_role(purpose, '{sv_officer}', 'only officers of the department the lead is assigned to act on it');
  PERFORM sv._require_mapping(purpose);
  SELECT * INTO l FROM sv.risk_lead x WHERE x.id = lead_id FOR UPDATE;
  IF NOT FOUND OR NOT coalesce(l.department_id = me.department_id, false) THEN
    PERFORM sv._raise_not_yours('lead_id', format('risk lead %s', lead_id));
  END IF;
  IF l.state <> _risk_lead_for_step.state THEN
    RAISE EXCEPTION 'risk lead % is %, not %: it cannot be %', l.id, l.state, _risk_lead_for_step.state,
      CASE _risk_lead_for_step.state WHEN 'assigned' THEN 'claimed' WHEN 'claimed' THEN 'verified' ELSE 'handled' END
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  RETURN l;
END
$fn$;

-- 签收: an officer of the assigned department takes the lead.
CREATE OR REPLACE FUNCTION sv.risk_lead_claim(lead_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  l sv.risk_lead := sv._risk_lead_for_step(lead_id, 'claim risk leads', 'assigned');
BEGIN
  UPDATE sv.risk_lead x SET state = 'claimed', claimed_by = me.login, claimed_at = now() WHERE x.id = l.id;
  PERFORM sv.audit_append(l.department_id, 'risk_lead', l.id::text, 'claim',
    jsonb_build_object('state', 'claimed', 'claim_due', l.claim_due,
                       'on_time', sv.local_date(now()) <= l.claim_due));
END
$fn$;
COMMENT ON FUNCTION sv.risk_lead_claim(bigint) IS 'Officers of the assigned department: claim (签收) a risk lead';

-- 核查: confirmed or not, with a note, and the inspection of the data centre when one was made
-- (an inspection of the lead's subject by the department).
CREATE OR REPLACE FUNCTION sv.risk_lead_verify(lead_id bigint, result text, note text, action_id bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  l sv.risk_lead;
  a record;
  v_note text;
BEGIN
  PERFORM sv._require_given(ARRAY['lead_id', 'result', 'note'], ARRAY[lead_id IS NULL, result IS NULL, note IS NULL]);
  l := sv._risk_lead_for_step(lead_id, 'verify risk leads', 'claimed');
  PERFORM sv._require_one_of('result', result, '{confirmed,not_confirmed}');
  v_note := sv._require_label('note', note, 2000);
  IF v_note = '' THEN
    RAISE EXCEPTION 'note must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF action_id IS NOT NULL THEN
    SELECT x.id, x.uscc, x.kind, x.department_id INTO a FROM sv.action x WHERE x.id = action_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'action_id: action % does not exist', action_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF a.kind <> 'inspection' OR a.department_id <> l.department_id OR a.uscc IS DISTINCT FROM l.uscc THEN
      RAISE EXCEPTION 'action_id: action % is not an inspection of the lead''s subject by its department', action_id
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  UPDATE sv.risk_lead x SET state = 'verified', verified_by = me.login, verified_at = now(), verify_result = result,
                            verify_note = v_note, action_id = risk_lead_verify.action_id
  WHERE x.id = l.id;
  -- a confirmed lead about a registered subject raises its stratum in the next draw plan
  IF result = 'confirmed' AND l.uscc IS NOT NULL THEN
    PERFORM sv._draw_override_add(l.uscc, 'risk_lead', l.id::text, format('风险线索 %s 核查属实', l.id), l.department_id);
  END IF;
  PERFORM sv.audit_append(l.department_id, 'risk_lead', l.id::text, 'verify',
    jsonb_build_object('state', 'verified', 'result', result, 'action_id', action_id, 'verify_due', l.verify_due,
                       'on_time', sv.local_date(now()) <= l.verify_due));
END
$fn$;
COMMENT ON FUNCTION sv.risk_lead_verify(bigint, text, text, bigint) IS
  'Officers of the assigned department: verify (核查) a claimed risk lead, confirmed or not, with the inspection made';

-- 办结 and 反馈: the measures taken; the result goes back to the source through the outbox
-- (risk_lead.feedback) when the source has an endpoint.
CREATE OR REPLACE FUNCTION sv.risk_lead_handle(lead_id bigint, measures text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  l sv.risk_lead;
  v_measures text;
  v_endpoint text;
  v_msg uuid;
  v_at timestamptz := now();
BEGIN
  PERFORM sv._require_given(ARRAY['lead_id', 'measures'], ARRAY[lead_id IS NULL, measures IS NULL]);
  l := sv._risk_lead_for_step(lead_id, 'handle risk leads', 'verified');
  v_measures := sv._require_label('measures', measures, 2000);
  IF v_measures = '' THEN
    RAISE EXCEPTION 'measures must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT s.endpoint INTO v_endpoint FROM sv.risk_lead_source s WHERE s.code = l.source;
  IF v_endpoint IS NOT NULL THEN
    v_msg := sv.outbox_send(v_endpoint, 'risk_lead.feedback',
      jsonb_build_object('source', l.source, 'source_id', l.source_id, 'lead_id', l.id,
                         'department', (SELECT d.code FROM sv.department d WHERE d.id = l.department_id),
                         'result', l.verify_result, 'verify_note', l.verify_note, 'inspected', l.action_id IS NOT NULL,
                         'measures', v_measures, 'verified_at', l.verified_at, 'handled_at', v_at),
      'risk-lead-feedback-' || l.id);
  END IF;
  UPDATE sv.risk_lead x SET state = 'closed', handled_by = me.login, handled_at = v_at, measures = v_measures,
                            feedback_message = v_msg
  WHERE x.id = l.id;
  PERFORM sv.audit_append(l.department_id, 'risk_lead', l.id::text, 'handle',
    jsonb_build_object('state', 'closed', 'measures_sha256', encode(sha256(convert_to(v_measures, 'UTF8')), 'hex'),
                       'handle_due', l.handle_due, 'on_time', sv.local_date(v_at) <= l.handle_due));
  IF v_msg IS NOT NULL THEN
    PERFORM sv.audit_append(l.department_id, 'risk_lead', l.id::text, 'feedback',
      jsonb_build_object('source', l.source, 'endpoint', v_endpoint, 'message', v_msg));
  END IF;
  RETURN v_msg;
END
$fn$;
COMMENT ON FUNCTION sv.risk_lead_handle(bigint, text) IS
  'Officers of the assigned department: close (办结) a verified risk lead with its measures and feed the result back to its source; returns the outbox message (NULL: none)';

-- The deadlines, in the shared model (67_deadline.sql): all three counted from the day received.
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW(x.name, x.label, 'sv.risk_lead', 'risk_lead', 't.id::text', 't.id = $1::bigint',
         't.department_id', 'sv.local_date(t.received_at)', x.days, x.due, x.due || '_provisional', x.open, x.closed,
         x.reminder, $$coalesce(t.subject_name, t.uscc::text, t.region_code) || ' ' || t.title$$)::sv.calendar_deadline)
FROM (VALUES ('risk_lead.claim_due', '风险线索签收期限', '2', 'claim_due', 't.claimed_at IS NULL', 't.claimed_at', 1),
             ('risk_lead.verify_due', '风险线索核查期限', '10', 'verify_due', 't.verified_at IS NULL', 't.verified_at', 2),
             ('risk_lead.handle_due', '风险线索办结反馈期限', '20', 'handle_due', 't.handled_at IS NULL', 't.handled_at', 3))
     x(name, label, days, due, open, closed, reminder);

-- sv:rerun (the labels of the lead's codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('risk_lead.assigned_by', ARRAY[['rule', '预警规则'], ['source', '来源系统指定'],
  ['power_list', '权责清单(行业)']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('risk_lead.state', ARRAY[['assigned', '已分派'], ['claimed', '已签收'], ['verified', '已核查'],
  ['closed', '已办结反馈']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('risk_lead.verify_result', ARRAY[['confirmed', '属实'], ['not_confirmed', '不属实']]);

CREATE VIEW sv_work.risk_lead WITH (security_invoker = true) AS
  SELECT l.id, l.source, src.name AS source_name, l.source_id, l.alert_id, l.uscc, l.subject_name, l.region_code,
         l.industry, l.title, l.body AS text, l.severity, sv.label_zh('risk.severity', l.severity) AS severity_zh,
         l.department_id, d.name_zh AS department_name,
         l.assigned_by, sv.label_zh('risk_lead.assigned_by', l.assigned_by) AS assigned_by_zh,
         l.state, sv.label_zh('risk_lead.state', l.state) AS state_zh, l.received_at, l.claim_due, l.claimed_by, l.claimed_at,
         x.claim_state, sv.label_zh('deadline.state', x.claim_state) AS claim_state_zh,
         l.verify_due, l.verified_by, l.verified_at, l.verify_result,
         sv.label_zh('risk_lead.verify_result', l.verify_result) AS verify_result_zh, l.verify_note, l.action_id,
         x.verify_state, sv.label_zh('deadline.state', x.verify_state) AS verify_state_zh,
         l.handle_due, l.handled_by, l.handled_at, l.measures,
         x.handle_state, sv.label_zh('deadline.state', x.handle_state) AS handle_state_zh,
         l.feedback_message,
         'overdue' IN (x.claim_state, x.verify_state, x.handle_state) AS overdue
  FROM sv.risk_lead l
  CROSS JOIN LATERAL (
    SELECT sv.deadline_state('risk_lead.claim_due', l.claim_due, l.claimed_at) AS claim_state,
           sv.deadline_state('risk_lead.verify_due', l.verify_due, l.verified_at) AS verify_state,
           sv.deadline_state('risk_lead.handle_due', l.handle_due, l.handled_at) AS handle_state) x
  JOIN sv.department d ON d.id = l.department_id
  LEFT JOIN sv.risk_lead_source src ON src.code = l.source;
COMMENT ON VIEW sv_work.risk_lead IS '风险线索 / Risk leads assigned to the caller''s department (all for auditors and administrators)';
COMMENT ON COLUMN sv_work.risk_lead.id IS '线索编号';
COMMENT ON COLUMN sv_work.risk_lead.source IS '线索来源代码(空:本市风险扫描)';
COMMENT ON COLUMN sv_work.risk_lead.source_name IS '线索来源名称';
COMMENT ON COLUMN sv_work.risk_lead.source_id IS '来源系统线索编号';
COMMENT ON COLUMN sv_work.risk_lead.alert_id IS '预警编号(本市风险扫描)';
COMMENT ON COLUMN sv_work.risk_lead.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_work.risk_lead.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.risk_lead.region_code IS '行政区划代码';
COMMENT ON COLUMN sv_work.risk_lead.industry IS '国民经济行业代码(GB/T 4754)';
COMMENT ON COLUMN sv_work.risk_lead.title IS '线索标题';
COMMENT ON COLUMN sv_work.risk_lead.text IS '线索内容';
COMMENT ON COLUMN sv_work.risk_lead.severity IS '风险等级代码:blue 蓝色, yellow 黄色, orange 橙色, red 红色';
COMMENT ON COLUMN sv_work.risk_lead.severity_zh IS '风险等级';
COMMENT ON COLUMN sv_work.risk_lead.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.risk_lead.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_work.risk_lead.assigned_by IS '分派依据:rule 预警规则, source 来源系统指定, power_list 权责清单(行业)';
COMMENT ON COLUMN sv_work.risk_lead.assigned_by_zh IS '分派依据';
COMMENT ON COLUMN sv_work.risk_lead.state IS '状态:assigned 已分派, claimed 已签收, verified 已核查, closed 已办结反馈';
COMMENT ON COLUMN sv_work.risk_lead.state_zh IS '状态';
COMMENT ON COLUMN sv_work.risk_lead.received_at IS '接收时间';
COMMENT ON COLUMN sv_work.risk_lead.claim_due IS '签收期限(接收之日起2个工作日)';
COMMENT ON COLUMN sv_work.risk_lead.claimed_by IS '签收人';
COMMENT ON COLUMN sv_work.risk_lead.claimed_at IS '签收时间';
COMMENT ON COLUMN sv_work.risk_lead.claim_state IS '签收期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结';
COMMENT ON COLUMN sv_work.risk_lead.claim_state_zh IS '签收期限状态';
COMMENT ON COLUMN sv_work.risk_lead.verify_due IS '核查期限(接收之日起10个工作日)';
COMMENT ON COLUMN sv_work.risk_lead.verified_by IS '核查人';
COMMENT ON COLUMN sv_work.risk_lead.verified_at IS '核查时间';
COMMENT ON COLUMN sv_work.risk_lead.verify_result IS '核查结论:confirmed 属实, not_confirmed 不属实';
COMMENT ON COLUMN sv_work.risk_lead.verify_result_zh IS '核查结论';
COMMENT ON COLUMN sv_work.risk_lead.verify_note IS '核查情况';
COMMENT ON COLUMN sv_work.risk_lead.action_id IS '核查检查行为编号(数据中心)';
COMMENT ON COLUMN sv_work.risk_lead.verify_state IS '核查期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结';
COMMENT ON COLUMN sv_work.risk_lead.verify_state_zh IS '核查期限状态';
COMMENT ON COLUMN sv_work.risk_lead.handle_due IS '办结反馈期限(接收之日起20个工作日)';
COMMENT ON COLUMN sv_work.risk_lead.handled_by IS '办结人';
COMMENT ON COLUMN sv_work.risk_lead.handled_at IS '办结时间';
COMMENT ON COLUMN sv_work.risk_lead.measures IS '处置措施';
COMMENT ON COLUMN sv_work.risk_lead.handle_state IS '办结反馈期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结';
COMMENT ON COLUMN sv_work.risk_lead.handle_state_zh IS '办结反馈期限状态';
COMMENT ON COLUMN sv_work.risk_lead.feedback_message IS '反馈消息编号(推送队列)';
COMMENT ON COLUMN sv_work.risk_lead.overdue IS '是否逾期未办';
GRANT SELECT ON sv_work.risk_lead TO sv_officer, sv_admin, sv_auditor;

-- Counts and closure times per department and source, over every lead (runs as its owner:
-- aggregates only, no subject, no text).
CREATE VIEW sv_bi.risk_lead_summary AS
  SELECT d.code AS department_code, d.name_zh AS department_name, coalesce(l.source, 'SCAN') AS source,
         coalesce(src.name, '本市风险扫描') AS source_name,
         count(*) AS received,
         count(*) FILTER (WHERE l.state <> 'closed') AS open,
         count(*) FILTER (WHERE l.state = 'closed') AS closed,
         count(*) FILTER (WHERE l.verify_result = 'confirmed') AS confirmed,
         count(*) FILTER (WHERE l.verify_result = 'not_confirmed') AS not_confirmed,
         count(*) FILTER (WHERE 'overdue' IN (sv.deadline_state('risk_lead.claim_due', l.claim_due, l.claimed_at),
                                              sv.deadline_state('risk_lead.verify_due', l.verify_due, l.verified_at),
                                              sv.deadline_state('risk_lead.handle_due', l.handle_due, l.handled_at))) AS overdue,
         count(*) FILTER (WHERE sv.local_date(l.handled_at) > l.handle_due) AS closed_late,
         round(avg(sv.workdays_between(sv.local_date(l.received_at), sv.local_date(l.handled_at)))
               FILTER (WHERE l.handled_at IS NOT NULL), 1) AS avg_closure_workdays
  FROM sv.risk_lead l
  JOIN sv.department d ON d.id = l.department_id
  LEFT JOIN sv.risk_lead_source src ON src.code = l.source
  GROUP BY d.code, d.name_zh, coalesce(l.source, 'SCAN'), coalesce(src.name, '本市风险扫描');
COMMENT ON VIEW sv_bi.risk_lead_summary IS '风险线索统计 / Risk leads per department and source: counts and closure times';
COMMENT ON COLUMN sv_bi.risk_lead_summary.department_code IS '承办部门代码';
COMMENT ON COLUMN sv_bi.risk_lead_summary.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_bi.risk_lead_summary.source IS '线索来源代码(SCAN:本市风险扫描)';
COMMENT ON COLUMN sv_bi.risk_lead_summary.source_name IS '线索来源名称';
COMMENT ON COLUMN sv_bi.risk_lead_summary.received IS '接收线索数';
COMMENT ON COLUMN sv_bi.risk_lead_summary.open IS '未办结数';
COMMENT ON COLUMN sv_bi.risk_lead_summary.closed IS '已办结数';
COMMENT ON COLUMN sv_bi.risk_lead_summary.confirmed IS '核查属实数';
COMMENT ON COLUMN sv_bi.risk_lead_summary.not_confirmed IS '核查不属实数';
COMMENT ON COLUMN sv_bi.risk_lead_summary.overdue IS '当前逾期数';
COMMENT ON COLUMN sv_bi.risk_lead_summary.closed_late IS '逾期办结数';
COMMENT ON COLUMN sv_bi.risk_lead_summary.avg_closure_workdays IS '平均办结用时(工作日)';
GRANT SELECT ON sv_bi.risk_lead_summary TO sv_bi, sv_auditor, sv_admin;

GRANT EXECUTE ON FUNCTION sv.risk_lead_source_save(text, text, text), sv.risk_lead_route_save(text, text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.risk_lead_receive(jsonb) TO sv_integration;
GRANT EXECUTE ON FUNCTION sv.risk_lead_from_alert(bigint) TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.risk_lead_claim(bigint), sv.risk_lead_verify(bigint, text, text, bigint),
  sv.risk_lead_handle(bigint, text) TO sv_officer;
