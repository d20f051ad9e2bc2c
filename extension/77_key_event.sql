-- ---------------------------------------------------------------------------------------------
-- 77_key_event: key event tracking (重点事件跟踪, issue 17): a food-safety incident, a production
-- accident, a mass complaint, a matter of major public concern, followed from its cause to its
-- outcome by the departments involved, on an append-only typed timeline.
--
-- Tables:     sv.key_event (type, severity, the departments, subjects and regions involved, the
--             state, the outcome, the next follow-up's due date, the public summary),
--             sv.key_event_entry (the timeline: 起因 cause, 经过 course, 处置措施 measure, 结果
--             result, 后续 follow_up; each may link complaints, leads, actions, credit events and
--             pushes; append-only)
-- Functions:  sv.key_event_open, sv.key_event_append, sv.key_event_close, sv.key_event_publish
--             (officers of an involved department with a mapping in force; administrators open,
--             close and publish too)
-- Deadline:   key_event.followup_due (后续报告期限): a follow_up entry may set the working days
--             within which the next entry is due; met by the next entry or the closure
-- Views:      sv_work.key_event, sv_work.key_event_timeline (officials of the involved
--             departments; auditors and administrators all), sv_public.key_event (the published
--             summaries only: no subject, no person, no timeline)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.key_event (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title                   text NOT NULL,
  type                    text NOT NULL,
  severity                text NOT NULL,
  occurred_at             timestamptz NOT NULL,
  lead_department_id      integer NOT NULL REFERENCES sv.department (id),
  department_ids          integer[] NOT NULL,      -- every involved department, the lead one first
  usccs                   sv.uscc[] NOT NULL DEFAULT '{}',
  region_codes            text[] NOT NULL DEFAULT '{}',
  state                   text NOT NULL DEFAULT 'open',
  opened_by               text NOT NULL,
  opened_at               timestamptz NOT NULL,
  outcome                 text,
  closed_by               text,
  closed_at               timestamptz,
  followup_from           date,                    -- the day of the follow_up entry that asks for the next one
  followup_workdays       integer,                 -- within this many working days of that day
  followup_due            date,
  followup_due_provisional boolean NOT NULL DEFAULT false,
  followup_met_at         timestamptz,             -- the next entry (or the closure)
  public_summary          text,
  published_by            text,
  published_at            timestamptz,
  CONSTRAINT key_event_title_check CHECK (title <> '' AND char_length(title) <= 200),
  CONSTRAINT key_event_type_check CHECK (type IN ('food_safety', 'production_accident', 'mass_complaint', 'public_concern')),
  CONSTRAINT key_event_severity_check CHECK (severity IN ('blue', 'yellow', 'orange', 'red')),
  CONSTRAINT key_event_departments_check CHECK (cardinality(department_ids) BETWEEN 1 AND 20
                                               AND department_ids[1] = lead_department_id),
  CONSTRAINT key_event_usccs_check CHECK (cardinality(usccs) <= 100),
  CONSTRAINT key_event_regions_check CHECK (cardinality(region_codes) <= 50),
  CONSTRAINT key_event_state_check CHECK (state IN ('open', 'closed')),
  CONSTRAINT key_event_outcome_check CHECK (outcome <> '' AND char_length(outcome) <= 2000),
  CONSTRAINT key_event_closed_check CHECK ((state = 'closed') = (closed_at IS NOT NULL)
                                          AND (closed_at IS NOT NULL) = (outcome IS NOT NULL)),
  CONSTRAINT key_event_public_summary_check CHECK (public_summary <> '' AND char_length(public_summary) <= 1000),
  CONSTRAINT key_event_published_check CHECK ((published_at IS NOT NULL) = (public_summary IS NOT NULL))
);
CREATE INDEX key_event_departments_idx ON sv.key_event USING gin (department_ids);
COMMENT ON TABLE sv.key_event IS
  'Key events (重点事件): type, severity, the departments, subjects and regions involved, outcome and public summary';

CREATE TABLE sv.key_event_entry (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id     bigint NOT NULL REFERENCES sv.key_event (id),
  kind         text NOT NULL,
  body         text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  links        jsonb NOT NULL DEFAULT '[]',     -- [{"type": complaint|lead|action|credit_event|push, "id": ...}]
  department_id integer NOT NULL REFERENCES sv.department (id),
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL,
  followup_workdays integer,                    -- follow_up: the next entry is due within this many working days
  CONSTRAINT key_event_entry_kind_check CHECK (kind IN ('cause', 'course', 'measure', 'result', 'follow_up')),
  CONSTRAINT key_event_entry_body_check CHECK (body <> '' AND char_length(body) <= 4000),
  CONSTRAINT key_event_entry_links_check CHECK (jsonb_typeof(links) = 'array' AND jsonb_array_length(links) <= 50),
  CONSTRAINT key_event_entry_followup_check CHECK (followup_workdays IS NULL
                                                  OR (followup_workdays BETWEEN 1 AND 60 AND kind = 'follow_up'))
);
CREATE INDEX key_event_entry_event_idx ON sv.key_event_entry (event_id, id);
COMMENT ON TABLE sv.key_event_entry IS
  'The timeline of a key event (起因、经过、处置措施、结果、后续), append-only, each entry with its links';
CREATE TRIGGER key_event_entry_immutable BEFORE UPDATE OR DELETE ON sv.key_event_entry
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('the timeline of a key event is append-only');
CREATE TRIGGER key_event_entry_no_truncate BEFORE TRUNCATE ON sv.key_event_entry
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('the timeline of a key event is append-only');

ALTER TABLE sv.key_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.key_event FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.key_event_entry ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.key_event_entry FORCE ROW LEVEL SECURITY;
-- officials of the involved departments; the supervision office and administrators all
CREATE POLICY key_event_department ON sv.key_event FOR SELECT TO sv_officer
  USING (sv.scope_department() = ANY (department_ids));
CREATE POLICY key_event_all ON sv.key_event FOR SELECT TO sv_admin, sv_auditor USING (true);
CREATE POLICY key_event_entry_department ON sv.key_event_entry FOR SELECT TO sv_officer
  USING (EXISTS (SELECT 1 FROM sv.key_event e WHERE e.id = event_id AND sv.scope_department() = ANY (e.department_ids)));
CREATE POLICY key_event_entry_all ON sv.key_event_entry FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.key_event, sv.key_event_entry TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.key_event', '');
SELECT pg_catalog.pg_extension_config_dump('sv.key_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sv.key_event_entry', '');
SELECT pg_catalog.pg_extension_config_dump('sv.key_event_entry_id_seq', '');

-- A free text of a key event: printable (line breaks and tabs allowed), trimmed, not empty, at
-- most max_length characters (22023 / 22001 naming the field).
CREATE OR REPLACE FUNCTION sv._key_event_text(field text, value text, max_length integer) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v text := btrim(value, E' \n\r\t');
  v_problem text := sv._label_problem(translate(v, E'\n\r\t', '   '));
BEGIN
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION '% must be printable text: it contains %', field, v_problem USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v = '' THEN
    RAISE EXCEPTION '% must not be empty', field USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF char_length(v) > max_length THEN
    RAISE EXCEPTION '% is % characters long: at most % are allowed', field, char_length(v), max_length
      USING ERRCODE = 'string_data_right_truncation';
  END IF;
  RETURN v;
END
$fn$;

-- A moment of a key event: not in the future, not before 2000 (22008 naming the field).
CREATE OR REPLACE FUNCTION sv._key_event_moment(field text, value timestamptz) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF NOT isfinite(value) OR value > now() + interval '5 minutes' OR value < '2000-01-01 00:00+08' THEN
    RAISE EXCEPTION '% must be a moment from 2000 to now, not %', field, value USING ERRCODE = 'datetime_field_overflow';
  END IF;
END
$fn$;

-- The event a step acts on, locked: officers of an involved department with a mapping in force
-- (administrators when admin_ok); an event out of scope gets the answer of a missing one.
CREATE OR REPLACE FUNCTION sv._key_event_for_step(event_id bigint, purpose text, admin_ok boolean) RETURNS sv.key_event
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  e sv.key_event;
BEGIN
  PERFORM sv._require_given(ARRAY['event_id'], ARRAY[event_id IS NULL]);
  PERFORM sv._require_role(purpose, CASE WHEN admin_ok THEN '{sv_admin,sv_officer}'::text[] ELSE '{sv_officer}'::text[] END);
  PERFORM sv._require_mapping(purpose);
  SELECT * INTO e FROM sv.key_event x WHERE x.id = _key_event_for_step.event_id FOR UPDATE;
  IF NOT FOUND OR NOT ((admin_ok AND me.is_admin) OR coalesce(me.department_id = ANY (e.department_ids), false)) THEN
    PERFORM sv._raise_not_yours('event_id', format('key event %s', event_id));
  END IF;
  RETURN e;
END
$fn$;

-- Open a key event: the caller's department leads it (administrators name the lead department
-- first in department_ids).  Returns its id.
CREATE OR REPLACE FUNCTION sv.key_event_open(title text, type text, severity text, occurred_at timestamptz,
                                             department_ids integer[], usccs text[] DEFAULT '{}',
                                             region_codes text[] DEFAULT '{}') RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  e sv.key_event;
  v_bad text;
  i integer;
BEGIN
  PERFORM sv._require_given(ARRAY['title', 'type', 'severity', 'occurred_at', 'department_ids', 'usccs', 'region_codes'],
    ARRAY[title IS NULL, type IS NULL, severity IS NULL, occurred_at IS NULL, department_ids IS NULL, usccs IS NULL,
          region_codes IS NULL]);
  PERFORM sv._require_role('open key events', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('open key events');
  e.title := sv._require_label('title', title, 200);
  IF e.title = '' THEN
    RAISE EXCEPTION 'title must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_one_of('type', type, '{food_safety,production_accident,mass_complaint,public_concern}');
  PERFORM sv._require_one_of('severity', severity, '{blue,yellow,orange,red}');
  PERFORM sv._key_event_moment('occurred_at', occurred_at);
  IF cardinality(department_ids) NOT BETWEEN 1 AND 20 OR array_position(department_ids, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'department_ids must list 1 to 20 departments, no NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 1 .. cardinality(department_ids) LOOP
    PERFORM sv._require_department(format('department_ids[%s]', i), department_ids[i]);
  END LOOP;
  IF (SELECT count(DISTINCT d) FROM unnest(department_ids) d) <> cardinality(department_ids) THEN
    RAISE EXCEPTION 'department_ids lists a department twice' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- an officer opens it for its own department, the lead one
  IF NOT me.is_admin AND department_ids[1] IS DISTINCT FROM me.department_id THEN
    RAISE EXCEPTION 'department_ids[1] (the lead department) must be the department of "%" (%), not %', me.login,
      me.department_id, department_ids[1] USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF cardinality(usccs) > 100 OR array_position(usccs, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'usccs must list at most 100 codes, no NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 1 .. coalesce(cardinality(usccs), 0) LOOP
    PERFORM sv._require_uscc(format('usccs[%s]', i), usccs[i]);
  END LOOP;
  SELECT string_agg(u, ', ') INTO v_bad FROM unnest(usccs) u
  WHERE NOT EXISTS (SELECT 1 FROM sv.subject s WHERE s.uscc = u::sv.uscc);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'usccs: subject(s) % not registered', v_bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF cardinality(region_codes) > 50 OR array_position(region_codes, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'region_codes must list at most 50 regions, no NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 1 .. coalesce(cardinality(region_codes), 0) LOOP
    PERFORM sv._require_region(format('region_codes[%s]', i), region_codes[i]);
  END LOOP;
  INSERT INTO sv.key_event (title, type, severity, occurred_at, lead_department_id, department_ids, usccs, region_codes,
                            state, opened_by, opened_at)
  VALUES (e.title, type, severity, occurred_at, department_ids[1], department_ids,
          ARRAY(SELECT DISTINCT u::sv.uscc FROM unnest(usccs) u ORDER BY 1),
          ARRAY(SELECT DISTINCT r FROM unnest(region_codes) r ORDER BY 1), 'open', me.login, now())
  RETURNING id INTO e.id;
  PERFORM sv.audit_append(department_ids[1], 'key_event', e.id::text, 'open',
    jsonb_build_object('title', e.title, 'type', type, 'severity', severity, 'occurred_at', occurred_at,
                       'department_ids', to_jsonb(department_ids), 'usccs', to_jsonb(usccs),
                       'region_codes', to_jsonb(region_codes), 'state', 'open'));
  RETURN e.id;
END
$fn$;
COMMENT ON FUNCTION sv.key_event_open(text, text, text, timestamptz, integer[], text[], text[]) IS
  'Officers (for their department, the lead one), administrators: open a key event (重点事件) with the departments, subjects and regions involved';

-- Append one entry to the timeline of an open event (55000 when closed).  links: a JSON array
-- of {"type": "complaint" | "lead" | "action" | "credit_event", "id": number} or
-- {"type": "push", "id": "<outbox message uuid>"}, each of which must exist.  A follow_up entry
-- may say within how many working days the next entry is due (the deadline
-- key_event.followup_due); any later entry meets it.
CREATE OR REPLACE FUNCTION sv.key_event_append(event_id bigint, kind text, body text, occurred_at timestamptz,
                                               links jsonb DEFAULT '[]', followup_workdays integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  e sv.key_event;
  v_body text;
  v_id bigint;
  v_link jsonb;
  v_type text;
  v_found boolean;
  v_due date;
  i integer;
BEGIN
  PERFORM sv._require_given(ARRAY['event_id', 'kind', 'body', 'occurred_at', 'links'],
    ARRAY[event_id IS NULL, kind IS NULL, body IS NULL, occurred_at IS NULL, links IS NULL]);
  e := sv._key_event_for_step(event_id, 'add to key event timelines', false);
  IF e.state <> 'open' THEN
    RAISE EXCEPTION 'key event % is %: its timeline takes no more entries', e.id, e.state
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  PERFORM sv._require_one_of('kind', kind, '{cause,course,measure,result,follow_up}');
  v_body := sv._key_event_text('body', body, 4000);
  PERFORM sv._key_event_moment('occurred_at', occurred_at);
  IF followup_workdays IS NOT NULL AND (kind <> 'follow_up' OR followup_workdays NOT BETWEEN 1 AND 60) THEN
    RAISE EXCEPTION 'followup_workdays must be 1 to 60 working days, and only on a follow_up entry'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_typeof(links) <> 'array' OR jsonb_array_length(links) > 50 THEN
    RAISE EXCEPTION 'links must be a JSON array of at most 50 links' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 0 .. jsonb_array_length(links) - 1 LOOP
    v_link := links -> i;
    IF jsonb_typeof(v_link) <> 'object' OR (SELECT count(*) FROM jsonb_object_keys(v_link) k WHERE k NOT IN ('type', 'id')) > 0 THEN
      RAISE EXCEPTION 'links[%] must be a JSON object {"type", "id"}', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_type := v_link ->> 'type';
    PERFORM sv._require_one_of(format('links[%s].type', i), v_type, '{complaint,lead,action,credit_event,push}');
    IF (v_type = 'push' AND (v_link ->> 'id') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
       OR (v_type <> 'push' AND (jsonb_typeof(v_link -> 'id') <> 'number' OR (v_link ->> 'id') !~ '^[1-9][0-9]{0,17}$')) THEN
      RAISE EXCEPTION 'links[%].id must be %', i, CASE WHEN v_type = 'push' THEN 'an outbox message id (a UUID)' ELSE 'a positive whole number' END
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_found := CASE v_type
      WHEN 'complaint' THEN EXISTS (SELECT 1 FROM sv.complaint x WHERE x.id = (v_link ->> 'id')::bigint)
      WHEN 'lead' THEN EXISTS (SELECT 1 FROM sv.risk_lead x WHERE x.id = (v_link ->> 'id')::bigint)
      WHEN 'action' THEN EXISTS (SELECT 1 FROM sv.action x WHERE x.id = (v_link ->> 'id')::bigint)
      WHEN 'credit_event' THEN EXISTS (SELECT 1 FROM sv.credit_event x WHERE x.id = (v_link ->> 'id')::bigint)
      ELSE EXISTS (SELECT 1 FROM sv.outbox x WHERE x.message_id = (v_link ->> 'id')::uuid) END;
    IF NOT v_found THEN
      RAISE EXCEPTION 'links[%]: % % does not exist', i, v_type, v_link ->> 'id' USING ERRCODE = 'foreign_key_violation';
    END IF;
  END LOOP;
  INSERT INTO sv.key_event_entry (event_id, kind, body, occurred_at, links, department_id, recorded_by, recorded_at,
                                  followup_workdays)
  VALUES (e.id, kind, v_body, occurred_at, links, me.department_id, me.login, now(), followup_workdays)
  RETURNING id INTO v_id;
  -- the follow-up due: met by this entry, or set by it
  IF followup_workdays IS NOT NULL THEN
    v_due := sv.add_workdays(sv.local_date(occurred_at), followup_workdays);
    UPDATE sv.key_event x SET followup_from = sv.local_date(occurred_at), followup_workdays = key_event_append.followup_workdays,
                              followup_due = v_due, followup_met_at = NULL,
                              followup_due_provisional = sv.calendar_provisional_between(sv.local_date(occurred_at), v_due)
    WHERE x.id = e.id;
  ELSIF e.followup_due IS NOT NULL AND e.followup_met_at IS NULL THEN
    UPDATE sv.key_event x SET followup_met_at = now() WHERE x.id = e.id;
  END IF;
  PERFORM sv.audit_append(me.department_id, 'key_event', e.id::text, 'append',
    jsonb_build_object('entry_id', v_id, 'kind', kind, 'occurred_at', occurred_at,
                       'body_sha256', encode(sha256(convert_to(v_body, 'UTF8')), 'hex'), 'links', links,
                       'followup_due', v_due, 'followup_met', e.followup_due IS NOT NULL AND e.followup_met_at IS NULL
                                                              AND followup_workdays IS NULL));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.key_event_append(bigint, text, text, timestamptz, jsonb, integer) IS
  'Officers of an involved department: add an entry (起因、经过、处置措施、结果、后续) to the timeline of an open key event, with its links';

-- Close an open event with its outcome (the lead department's officers, administrators).
CREATE OR REPLACE FUNCTION sv.key_event_close(event_id bigint, outcome text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  e sv.key_event;
  v_outcome text;
BEGIN
  PERFORM sv._require_given(ARRAY['event_id', 'outcome'], ARRAY[event_id IS NULL, outcome IS NULL]);
  e := sv._key_event_for_step(event_id, 'close key events', true);
  IF NOT me.is_admin AND me.department_id <> e.lead_department_id THEN
    PERFORM sv._raise_not_yours('event_id', format('key event %s', event_id),
                                hint => 'The lead department closes a key event.');
  END IF;
  IF e.state <> 'open' THEN
    RAISE EXCEPTION 'key event % is already %', e.id, e.state USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_outcome := sv._key_event_text('outcome', outcome, 2000);
  UPDATE sv.key_event x SET state = 'closed', outcome = v_outcome, closed_by = me.login, closed_at = now(),
                            followup_met_at = CASE WHEN x.followup_due IS NOT NULL THEN coalesce(x.followup_met_at, now()) END
  WHERE x.id = e.id;
  PERFORM sv.audit_append(e.lead_department_id, 'key_event', e.id::text, 'close',
    jsonb_build_object('state', 'closed', 'outcome_sha256', encode(sha256(convert_to(v_outcome, 'UTF8')), 'hex')));
END
$fn$;
COMMENT ON FUNCTION sv.key_event_close(bigint, text) IS
  'Officers of the lead department, administrators: close a key event with its outcome';

-- Publish (or replace) the public summary of an event: what the public may know, written for
-- it (no personal data: the summary is checked for identity numbers and phone numbers).
CREATE OR REPLACE FUNCTION sv.key_event_publish(event_id bigint, summary text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me record := sv._caller();
  e sv.key_event;
  v_summary text;
BEGIN
  PERFORM sv._require_given(ARRAY['event_id', 'summary'], ARRAY[event_id IS NULL, summary IS NULL]);
  e := sv._key_event_for_step(event_id, 'publish key event summaries', true);
  IF NOT me.is_admin AND me.department_id <> e.lead_department_id THEN
    PERFORM sv._raise_not_yours('event_id', format('key event %s', event_id),
                                hint => 'The lead department publishes the summary of a key event.');
  END IF;
  v_summary := sv._key_event_text('summary', summary, 1000);
  -- 个人信息: no resident identity number, no mobile phone number in a public text
  IF v_summary ~ '[0-9]{17}[0-9Xx]' OR v_summary ~ '(^|[^0-9])1[3-9][0-9]{9}($|[^0-9])' THEN
    RAISE EXCEPTION 'summary must not contain an identity number or a phone number: it is published'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE sv.key_event x SET public_summary = v_summary, published_by = me.login, published_at = now() WHERE x.id = e.id;
  PERFORM sv.audit_append(e.lead_department_id, 'key_event', e.id::text, 'publish',
    jsonb_build_object('summary', v_summary));
END
$fn$;
COMMENT ON FUNCTION sv.key_event_publish(bigint, text) IS
  'Officers of the lead department, administrators: publish the public summary of a key event (sv_public.key_event)';

-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('key_event.followup_due', '重点事件后续报告期限', 'sv.key_event', 'key_event',
   't.id::text', 't.id = $1::bigint', 't.lead_department_id', 't.followup_from', 't.followup_workdays', 'followup_due',
   'followup_due_provisional', 't.followup_met_at IS NULL', 't.followup_met_at', 1, 't.title')::sv.calendar_deadline);

-- sv:rerun (the labels of the event's codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('key_event.type', ARRAY[['food_safety', '食品安全事件'], ['production_accident', '生产安全事故'],
  ['mass_complaint', '群体性投诉'], ['public_concern', '重大社会关注事件']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('key_event.severity', ARRAY[['blue', '一般(IV级)'], ['yellow', '较大(III级)'],
  ['orange', '重大(II级)'], ['red', '特别重大(I级)']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('key_event.state', ARRAY[['open', '跟踪中'], ['closed', '已结束']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('key_event_entry.kind', ARRAY[['cause', '起因'], ['course', '经过'], ['measure', '处置措施'],
  ['result', '结果'], ['follow_up', '后续']]);

CREATE VIEW sv_work.key_event WITH (security_invoker = true) AS
  SELECT e.id, e.title, e.type, sv.label_zh('key_event.type', e.type) AS type_zh,
         e.severity, sv.label_zh('key_event.severity', e.severity) AS severity_zh,
         e.occurred_at, e.lead_department_id, d.name_zh AS lead_department_name,
         e.department_ids, e.usccs, e.region_codes, e.state, sv.label_zh('key_event.state', e.state) AS state_zh,
         e.opened_by, e.opened_at, e.outcome, e.closed_by, e.closed_at,
         (SELECT count(*) FROM sv.key_event_entry x WHERE x.event_id = e.id) AS entries,
         e.followup_due, f.followup_state, sv.label_zh('deadline.state', f.followup_state) AS followup_state_zh,
         coalesce(f.followup_state = 'overdue', false) AS followup_overdue,
         e.public_summary, e.published_at
  FROM sv.key_event e
  CROSS JOIN LATERAL (SELECT sv.deadline_state('key_event.followup_due', e.followup_due, e.followup_met_at) AS followup_state) f
  JOIN sv.department d ON d.id = e.lead_department_id;
COMMENT ON VIEW sv_work.key_event IS '重点事件 / Key events of the caller''s departments (all for auditors and administrators)';
COMMENT ON COLUMN sv_work.key_event.id IS '事件编号';
COMMENT ON COLUMN sv_work.key_event.title IS '事件名称';
COMMENT ON COLUMN sv_work.key_event.type IS '事件类型代码:food_safety 食品安全事件, production_accident 生产安全事故, mass_complaint 群体性投诉, public_concern 重大社会关注事件';
COMMENT ON COLUMN sv_work.key_event.type_zh IS '事件类型';
COMMENT ON COLUMN sv_work.key_event.severity IS '事件等级代码:blue 一般(IV级), yellow 较大(III级), orange 重大(II级), red 特别重大(I级)';
COMMENT ON COLUMN sv_work.key_event.severity_zh IS '事件等级';
COMMENT ON COLUMN sv_work.key_event.occurred_at IS '发生时间';
COMMENT ON COLUMN sv_work.key_event.lead_department_id IS '牵头部门编号';
COMMENT ON COLUMN sv_work.key_event.lead_department_name IS '牵头部门名称';
COMMENT ON COLUMN sv_work.key_event.department_ids IS '涉及部门编号';
COMMENT ON COLUMN sv_work.key_event.usccs IS '涉及市场主体统一社会信用代码';
COMMENT ON COLUMN sv_work.key_event.region_codes IS '涉及行政区划代码';
COMMENT ON COLUMN sv_work.key_event.state IS '状态代码:open 跟踪中, closed 已结束';
COMMENT ON COLUMN sv_work.key_event.state_zh IS '状态';
COMMENT ON COLUMN sv_work.key_event.opened_by IS '立项人';
COMMENT ON COLUMN sv_work.key_event.opened_at IS '立项时间';
COMMENT ON COLUMN sv_work.key_event.outcome IS '处置结果';
COMMENT ON COLUMN sv_work.key_event.closed_by IS '结束人';
COMMENT ON COLUMN sv_work.key_event.closed_at IS '结束时间';
COMMENT ON COLUMN sv_work.key_event.entries IS '跟踪记录条数';
COMMENT ON COLUMN sv_work.key_event.followup_due IS '后续报告期限';
COMMENT ON COLUMN sv_work.key_event.followup_state IS '后续报告期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期办结, done_late 逾期办结';
COMMENT ON COLUMN sv_work.key_event.followup_state_zh IS '后续报告期限状态';
COMMENT ON COLUMN sv_work.key_event.followup_overdue IS '后续报告是否逾期';
COMMENT ON COLUMN sv_work.key_event.public_summary IS '公开摘要';
COMMENT ON COLUMN sv_work.key_event.published_at IS '公开时间';
GRANT SELECT ON sv_work.key_event TO sv_officer, sv_admin, sv_auditor;

CREATE VIEW sv_work.key_event_timeline WITH (security_invoker = true) AS
  SELECT x.id, x.event_id, e.title AS event_title, x.kind,
         sv.label_zh('key_event_entry.kind', x.kind) AS kind_zh,
         x.body AS text, x.occurred_at, x.links, x.department_id, d.name_zh AS department_name, x.recorded_by,
         x.recorded_at, x.followup_workdays
  FROM sv.key_event_entry x JOIN sv.key_event e ON e.id = x.event_id JOIN sv.department d ON d.id = x.department_id;
COMMENT ON VIEW sv_work.key_event_timeline IS '重点事件跟踪记录 / The timelines of the caller''s key events';
COMMENT ON COLUMN sv_work.key_event_timeline.id IS '记录编号';
COMMENT ON COLUMN sv_work.key_event_timeline.event_id IS '事件编号';
COMMENT ON COLUMN sv_work.key_event_timeline.event_title IS '事件名称';
COMMENT ON COLUMN sv_work.key_event_timeline.kind IS '记录类型代码:cause 起因, course 经过, measure 处置措施, result 结果, follow_up 后续';
COMMENT ON COLUMN sv_work.key_event_timeline.kind_zh IS '记录类型';
COMMENT ON COLUMN sv_work.key_event_timeline.text IS '记录内容';
COMMENT ON COLUMN sv_work.key_event_timeline.occurred_at IS '发生时间';
COMMENT ON COLUMN sv_work.key_event_timeline.links IS '关联(投诉举报、风险线索、监管行为、信用信息、推送消息)';
COMMENT ON COLUMN sv_work.key_event_timeline.department_id IS '记录部门编号';
COMMENT ON COLUMN sv_work.key_event_timeline.department_name IS '记录部门名称';
COMMENT ON COLUMN sv_work.key_event_timeline.recorded_by IS '记录人';
COMMENT ON COLUMN sv_work.key_event_timeline.recorded_at IS '记录时间';
COMMENT ON COLUMN sv_work.key_event_timeline.followup_workdays IS '下次报告期限(工作日)';
GRANT SELECT ON sv_work.key_event_timeline TO sv_officer, sv_admin, sv_auditor;

-- The public: the published summaries only (type, level, regions, dates, the summary; no
-- subject, no person, no timeline).  Runs as its owner.
CREATE VIEW sv_public.key_event AS
  SELECT e.id, e.type, sv.label_zh('key_event.type', e.type) AS type_zh,
         e.severity, sv.label_zh('key_event.severity', e.severity) AS severity_zh, sv.local_date(e.occurred_at) AS occurred_on,
         ARRAY(SELECT r.name_zh FROM sv.region r WHERE r.code = ANY (e.region_codes) ORDER BY r.code) AS regions,
         d.name_zh AS lead_department_name, e.state, sv.label_zh('key_event.state', e.state) AS state_zh,
         sv.local_date(e.closed_at) AS closed_on, e.public_summary AS summary,
         e.published_at
  FROM sv.key_event e JOIN sv.department d ON d.id = e.lead_department_id
  WHERE e.published_at IS NOT NULL;
COMMENT ON VIEW sv_public.key_event IS '重点事件信息公开 / Published summaries of key events';
COMMENT ON COLUMN sv_public.key_event.id IS '事件编号';
COMMENT ON COLUMN sv_public.key_event.type IS '事件类型代码:food_safety 食品安全事件, production_accident 生产安全事故, mass_complaint 群体性投诉, public_concern 重大社会关注事件';
COMMENT ON COLUMN sv_public.key_event.type_zh IS '事件类型';
COMMENT ON COLUMN sv_public.key_event.severity IS '事件等级代码:blue 一般(IV级), yellow 较大(III级), orange 重大(II级), red 特别重大(I级)';
COMMENT ON COLUMN sv_public.key_event.severity_zh IS '事件等级';
COMMENT ON COLUMN sv_public.key_event.occurred_on IS '发生日期';
COMMENT ON COLUMN sv_public.key_event.regions IS '涉及区域';
COMMENT ON COLUMN sv_public.key_event.lead_department_name IS '牵头部门';
COMMENT ON COLUMN sv_public.key_event.state IS '状态代码:open 跟踪中, closed 已结束';
COMMENT ON COLUMN sv_public.key_event.state_zh IS '状态';
COMMENT ON COLUMN sv_public.key_event.closed_on IS '结束日期';
COMMENT ON COLUMN sv_public.key_event.summary IS '事件摘要';
COMMENT ON COLUMN sv_public.key_event.published_at IS '公开时间';
GRANT SELECT ON sv_public.key_event TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;

GRANT EXECUTE ON FUNCTION sv.key_event_open(text, text, text, timestamptz, integer[], text[], text[]),
  sv.key_event_close(bigint, text), sv.key_event_publish(bigint, text) TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.key_event_append(bigint, text, text, timestamptz, jsonb, integer) TO sv_officer;
