-- ---------------------------------------------------------------------------------------------
-- 0.1.0 -> 0.2.0: the run-once DDL (docs/upgrades.md).  Runs after the prelude (no view, policy
-- or trigger exists here, so backfills meet no guard) and before the re-runnable part, which
-- creates the functions, views, policies, triggers and grants of 0.2.0.  Each change also
-- stands in the CREATE TABLE of the install files; new columns come last there, as here.
-- ---------------------------------------------------------------------------------------------

-- Functions of 0.1.0 that 0.2.0 no longer has, or whose result or parameter names changed
-- (CREATE OR REPLACE cannot change those).
DROP FUNCTION sv._draw_candidates(sv.draw_plan);            -- returns the team inputs too
DROP FUNCTION sv._draw_team_inputs(sv.draw_plan, text[]);   -- now frozen at the seal (sv.draw_team_input)
DROP FUNCTION sv._outbox_claim(integer, integer);           -- returns auth_header too
DROP FUNCTION sv._require_push_host(text, text);            -- returns the host
DROP FUNCTION sv._is_admin(text);                           -- replaced by sv._caller() (15_security)
DROP FUNCTION sv._require_reason(text, text);               -- replaced by _require_reason(reason, purpose, field)
DROP FUNCTION sv.audit_head();                              -- returns the lanes it covers too
DROP FUNCTION sv.endpoint_save(text, text, text, jsonb, text, integer, integer, integer, boolean, boolean, integer);
                                                            -- takes auth_header

-- 20_calendar: the registry of stored deadlines and what loading a notice moved.
CREATE TABLE sv.calendar_deadline (
  name               text PRIMARY KEY,          -- e.g. 'action.publication_due'
  label_zh           text NOT NULL,             -- what officials call it
  relation           regclass NOT NULL,         -- the table holding the due date
  object_kind        text NOT NULL,             -- audit object kind of the deadline's owner
  key_expr           text NOT NULL,             -- the owner's audit object id (text)
  find_condition     text NOT NULL,             -- finds the row by that id, given as $1 (uses an index)
  department_expr    text NOT NULL,             -- the owner's department (audit record)
  start_expr         text NOT NULL,             -- the day the count starts from (not counted)
  days_expr          text NOT NULL,             -- the number of working days
  due_column         name NOT NULL,
  provisional_column name NOT NULL,
  open_condition     text NOT NULL              -- still to be met: recomputed; else history
);
ALTER TABLE sv.calendar_deadline ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.calendar_deadline FORCE ROW LEVEL SECURITY;

CREATE TABLE sv.deadline_recompute (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deadline        text NOT NULL REFERENCES sv.calendar_deadline (name),
  object_kind     text NOT NULL,
  object_id       text NOT NULL,
  department_id   integer REFERENCES sv.department (id),
  notice_year     integer NOT NULL,
  start_on        date NOT NULL,
  workdays        integer NOT NULL,
  old_due         date NOT NULL,
  new_due         date NOT NULL,
  still_provisional boolean NOT NULL,
  audit_seq       bigint NOT NULL,
  recomputed_by   text NOT NULL,
  recomputed_at   timestamptz NOT NULL
);
CREATE INDEX deadline_recompute_object_idx ON sv.deadline_recompute (object_kind, object_id);
ALTER TABLE sv.deadline_recompute ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.deadline_recompute FORCE ROW LEVEL SECURITY;

-- 31_catalog_api: release labels and notes are labels (sv.label_text: its check is added by the
-- post script, which has sv._label_problem); each release's SHA-256 (filled in the post script).
CREATE DOMAIN sv.label_text AS text;
ALTER TABLE sv.catalog_release DROP CONSTRAINT catalog_release_label_check;
ALTER TABLE sv.catalog_release ALTER COLUMN label TYPE sv.label_text, ALTER COLUMN note TYPE sv.label_text;
ALTER TABLE sv.catalog_release ADD COLUMN sha256 bytea CHECK (length(sha256) = 32);

-- 40-42: the documented field limits as a backstop (the rules reject longer values first).
ALTER TABLE sv.subject ADD CONSTRAINT subject_text_length CHECK (char_length(name) <= 200 AND char_length(address) <= 500
    AND char_length(legal_rep) <= 200 AND char_length(source_system) <= 64 AND char_length(source_record_id) <= 128);
ALTER TABLE sv.inspector ADD CONSTRAINT inspector_text_length CHECK (char_length(name) <= 200 AND char_length(source_system) <= 64
    AND char_length(source_record_id) <= 128);
ALTER TABLE sv.action ADD COLUMN publication_due_provisional boolean NOT NULL DEFAULT false;
ALTER TABLE sv.action ADD CONSTRAINT action_text_length CHECK (char_length(check_item_code) <= 64 AND char_length(findings) <= 2000
    AND char_length(source_system) <= 64 AND char_length(source_record_id) <= 128);

-- 60_draw, 61_draw_governance: cancellation, the run deadline, the seal's hash, partners'
-- consent and the team inputs frozen at the seal.
ALTER TABLE sv.draw_plan DROP CONSTRAINT draw_plan_status_check;
ALTER TABLE sv.draw_plan ADD CONSTRAINT draw_plan_status_check CHECK (status IN ('draft', 'sealed', 'drawn', 'cancelled'));
ALTER TABLE sv.draw_plan
  ADD COLUMN seal_hash bytea,
  ADD COLUMN run_due date,
  ADD COLUMN run_due_provisional boolean NOT NULL DEFAULT false,
  ADD COLUMN terms_sha256 bytea,
  ADD COLUMN cancelled_by text,
  ADD COLUMN cancelled_at timestamptz,
  ADD COLUMN cancel_reason text,
  ADD COLUMN protocol text NOT NULL DEFAULT 'sv-draw-v2' CHECK (protocol IN ('sv-draw-v1', 'sv-draw-v2')),
  ADD CONSTRAINT draw_plan_cancelled_check
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL AND cancel_reason IS NOT NULL));
-- plans sealed by 0.1.0 were sealed under sv-draw-v1 (drafts will be sealed under v2)
UPDATE sv.draw_plan SET protocol = 'sv-draw-v1' WHERE status <> 'draft';

CREATE TABLE sv.draw_team_input (
  plan_id             bigint PRIMARY KEY REFERENCES sv.draw_plan (id),
  pool_certificates   text[] NOT NULL,
  pool_departments    integer[] NOT NULL,
  pool_regions        integer[] NOT NULL,
  excluded_uscc       text[] NOT NULL,
  excluded_inspectors integer[] NOT NULL,
  CHECK (cardinality(pool_departments) = cardinality(pool_certificates)
         AND cardinality(pool_regions) = cardinality(pool_certificates)
         AND cardinality(excluded_inspectors) = cardinality(excluded_uscc))
);
ALTER TABLE sv.draw_team_input ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.draw_team_input FORCE ROW LEVEL SECURITY;

CREATE TABLE sv.draw_plan_join (
  plan_id       bigint NOT NULL REFERENCES sv.draw_plan (id),
  department_id integer NOT NULL REFERENCES sv.department (id),
  terms_sha256  bytea NOT NULL CHECK (length(terms_sha256) = 32),
  joined_by     text NOT NULL,
  joined_at     timestamptz NOT NULL,
  PRIMARY KEY (plan_id, department_id)
);

-- 54-56: credit.
ALTER TABLE sv.credit_event ADD CONSTRAINT credit_event_text_length
  CHECK (char_length(reference) <= 128 AND char_length(source_system) <= 64);
ALTER TABLE sv.credit_class_history ADD COLUMN as_of timestamptz;
UPDATE sv.credit_class_history SET as_of = computed_at;   -- 0.1.0 assessed as of the moment it computed
ALTER TABLE sv.credit_class_history ALTER COLUMN as_of SET NOT NULL;
ALTER TABLE sv.sanction_feedback
  ADD COLUMN feedback_days integer NOT NULL DEFAULT 5,
  ADD COLUMN due_provisional boolean NOT NULL DEFAULT false;

-- 48_outbox: endpoints authenticated by a named header (the value in sv.endpoint_secret).
ALTER TABLE sv.endpoint DROP CONSTRAINT endpoint_auth_check;
ALTER TABLE sv.endpoint ADD CONSTRAINT endpoint_auth_check CHECK (auth IN ('none', 'bearer', 'hmac_sha256', 'header'));
ALTER TABLE sv.endpoint
  ADD COLUMN auth_header text CHECK (auth_header ~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,64}$'),
  ADD CONSTRAINT endpoint_auth_header_given CHECK ((auth = 'header') = (auth_header IS NOT NULL));

-- 65_linkage: the deadlines' working days and whether each was counted provisionally.
ALTER TABLE sv.linkage
  ADD COLUMN first_action_days integer NOT NULL DEFAULT 20,
  ADD COLUMN claim_due_provisional boolean NOT NULL DEFAULT false,
  ADD COLUMN first_action_due_provisional boolean NOT NULL DEFAULT false;
ALTER TABLE sv.linkage_result
  ADD COLUMN ack_days integer,
  ADD COLUMN ack_due_provisional boolean NOT NULL DEFAULT false;

-- 95_jobs: scheduled jobs' runs.
CREATE TABLE sv.job_run (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job          text NOT NULL CHECK (job ~ '^[a-z][a-z0-9_]{1,63}$'),
  started_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  rows_done    bigint NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
  rows_total   bigint CHECK (rows_total >= 0),
  outcome      text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'succeeded', 'failed', 'interrupted')),
  error        text,
  run_by       text NOT NULL,
  pid          integer NOT NULL,
  params       jsonb NOT NULL DEFAULT '{}',
  resume_after text,
  resumed_from bigint,
  result       jsonb,
  CHECK ((outcome = 'running') = (finished_at IS NULL)),
  CHECK (outcome IN ('running', 'succeeded') OR error IS NOT NULL)
);
CREATE INDEX job_run_job_idx ON sv.job_run (job, id);
CREATE INDEX job_run_running_idx ON sv.job_run (job) WHERE outcome = 'running';
ALTER TABLE sv.job_run ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.job_run FORCE ROW LEVEL SECURITY;

-- 48_outbox (layering, issue 15): the per-department endpoint registry of 0.1.0's 65_linkage,
-- sv.linkage_endpoint, is the outbox's sv.department_endpoint (rows kept; its policies are
-- created again under their new names by the re-runnable part).  No view keeps the old name.
ALTER TABLE sv.linkage_endpoint RENAME TO department_endpoint;
ALTER TABLE sv.department_endpoint RENAME CONSTRAINT linkage_endpoint_pkey TO department_endpoint_pkey;
ALTER TABLE sv.department_endpoint RENAME CONSTRAINT linkage_endpoint_department_id_fkey TO department_endpoint_department_id_fkey;
ALTER TABLE sv.department_endpoint RENAME CONSTRAINT linkage_endpoint_endpoint_fkey TO department_endpoint_endpoint_fkey;

-- 20_calendar + 67_deadline: the deadline model.  The registry's closure, reminder lead time and
-- summary (the registry is empty here: its rows are registered again by the re-runnable part),
-- and every reminder and overdue notice sent.
ALTER TABLE sv.calendar_deadline
  ADD COLUMN closed_expr text NOT NULL,
  ADD COLUMN reminder_days integer NOT NULL,
  ADD COLUMN summary_expr text NOT NULL,
  ADD CONSTRAINT calendar_deadline_reminder_days_range CHECK (reminder_days BETWEEN 0 AND 20);

CREATE TABLE sv.deadline_notice (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deadline      text NOT NULL REFERENCES sv.calendar_deadline (name),
  object_id     text NOT NULL,
  event         text NOT NULL CHECK (event IN ('reminder', 'overdue')),
  due_on        date NOT NULL,
  department_id integer REFERENCES sv.department (id),
  on_day        date NOT NULL,
  message       uuid,
  audit_seq     bigint NOT NULL,
  job_run       bigint,
  sent_by       text NOT NULL,
  sent_at       timestamptz NOT NULL,
  CONSTRAINT deadline_notice_once UNIQUE (deadline, object_id, event, due_on)
);
CREATE INDEX deadline_notice_department_idx ON sv.deadline_notice (department_id, sent_at);
ALTER TABLE sv.deadline_notice ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.deadline_notice FORCE ROW LEVEL SECURITY;

-- 39_ingest_kind: the registry of ingest kinds.  Its rows are code, written by the re-runnable
-- part (each capability registers its kind); sv.ingest_batch.kind references it instead of a
-- CHECK listing the four kinds (the foreign key is added in 0.1.0--0.2.0.post.sql, once the
-- kinds are registered).
CREATE TABLE sv.ingest_kind (
  kind           text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z0-9_]{1,31}$'),
  label_zh       text NOT NULL CHECK (label_zh <> ''),
  sort_order     integer NOT NULL UNIQUE,
  staging_table  regclass NOT NULL UNIQUE,
  merge_function text NOT NULL,
  fields         text[] NOT NULL,
  list_fields    text[] NOT NULL DEFAULT '{}',
  field_limits   jsonb NOT NULL DEFAULT '{}'
);
ALTER TABLE sv.ingest_kind ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.ingest_kind FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.ingest_batch DROP CONSTRAINT ingest_batch_kind_check;

-- 16_audit: lanes (issue 16).  The 0.1.0 chain stays as it is (lane NULL, encoding v1, its head
-- in sv.audit_chain): it is lane 0, closed, verified and pinned by the published head as before.
-- New records go to lanes with their own heads; their seq continues after the 0.1.0 records.
ALTER TABLE sv.audit_log
  ADD COLUMN lane integer,
  ADD COLUMN lane_seq bigint;
CREATE SEQUENCE sv.audit_log_seq AS bigint;
SELECT pg_catalog.setval('sv.audit_log_seq', max(seq)) FROM sv.audit_log HAVING max(seq) IS NOT NULL;
CREATE TABLE sv.audit_lane (
  lane        integer PRIMARY KEY,
  lane_seq    bigint NOT NULL,
  seq         bigint NOT NULL,
  hash        bytea NOT NULL,
  prev_hash   bytea NOT NULL,
  recorded_at timestamptz
);
ALTER TABLE sv.audit_lane ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_lane FORCE ROW LEVEL SECURITY;

-- 66_risk: risk early warning (issue 17), the rules: versioned and immutable.
CREATE TABLE sv.risk_rule (
  code          text NOT NULL CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  version       integer NOT NULL CHECK (version >= 1),
  name          sv.label_text NOT NULL,
  signal        text NOT NULL CHECK (signal ~ '^[a-z][a-z0-9_]{1,63}$'),
  group_by      text NOT NULL CHECK (group_by IN ('subject', 'industry_region')),
  detector      text NOT NULL CHECK (detector IN ('poisson_tail', 'ewma', 'cusum')),
  params        jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
  severity      text NOT NULL CHECK (severity IN ('blue', 'yellow', 'orange', 'red')),
  department_id integer NOT NULL REFERENCES sv.department (id),
  basis         sv.label_text NOT NULL,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  CONSTRAINT risk_rule_pkey PRIMARY KEY (code, version)
);
CREATE INDEX risk_rule_department_idx ON sv.risk_rule (department_id);
ALTER TABLE sv.risk_rule ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_rule FORCE ROW LEVEL SECURITY;
-- 66_risk: the alerts of the first scans, append-only.
CREATE TABLE sv.risk_alert (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_code     text NOT NULL,
  rule_version  integer NOT NULL,
  series        text NOT NULL,
  uscc          sv.uscc REFERENCES sv.subject (uscc),
  period        date NOT NULL CHECK (extract(day FROM period) = 1),
  observed      bigint NOT NULL CHECK (observed >= 0),
  baseline      float8,
  statistic     float8 NOT NULL,
  threshold     float8,
  p             float8 CHECK (p BETWEEN 0 AND 1),
  p_adjusted    float8 CHECK (p_adjusted BETWEEN 0 AND 1),
  severity      text NOT NULL CHECK (severity IN ('blue', 'yellow', 'orange', 'red')),
  department_id integer NOT NULL REFERENCES sv.department (id),
  explanation   jsonb NOT NULL,
  as_of         timestamptz NOT NULL,
  raised_by     text NOT NULL,
  raised_at     timestamptz NOT NULL,
  CONSTRAINT risk_alert_rule_fkey FOREIGN KEY (rule_code, rule_version) REFERENCES sv.risk_rule (code, version),
  CONSTRAINT risk_alert_once UNIQUE (rule_code, rule_version, series, period)
);
CREATE INDEX risk_alert_department_idx ON sv.risk_alert (department_id, period);
CREATE INDEX risk_alert_uscc_idx ON sv.risk_alert (uscc) WHERE uscc IS NOT NULL;
ALTER TABLE sv.risk_alert ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_alert FORCE ROW LEVEL SECURITY;

-- 68_complaint: complaints and reports with the 12345 hotline (issue 18, foundation): the items
-- and, apart, the identity of the person behind them (举报人信息保密).
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
  CONSTRAINT complaint_sign_check CHECK ((sign_due IS NULL OR channel = 'hotline') AND (hotline_reply_due IS NULL OR signed_at IS NOT NULL))
);
CREATE INDEX complaint_department_idx ON sv.complaint (department_id, received_at);
CREATE INDEX complaint_region_idx ON sv.complaint (place_region_code);

CREATE TABLE sv.complaint_person (
  complaint_id bigint PRIMARY KEY REFERENCES sv.complaint (id),
  name         text NOT NULL,
  phone        text,
  id_number    text
);

ALTER TABLE sv.complaint ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_person ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_person FORCE ROW LEVEL SECURITY;

-- 48_outbox: each endpoint's due messages, read by the fair claim (issue 20, head-of-line);
-- it replaces the claim order over all endpoints.
DROP INDEX sv.outbox_due_idx;
CREATE INDEX outbox_endpoint_due_idx ON sv.outbox (endpoint, next_attempt_at, id) WHERE status = 'pending';

-- 66_risk (issue 17, threshold and streak rules): two more detectors a rule may name.
ALTER TABLE sv.risk_rule DROP CONSTRAINT risk_rule_detector_check,
  ADD CONSTRAINT risk_rule_detector_check CHECK (detector IN ('poisson_tail', 'ewma', 'cusum', 'threshold', 'streak'));

-- 66_risk (issue 17, one alert per episode): consecutive alarming months of a series extend
-- one alert (its trigger sv._risk_alert_guard lets only that through).
ALTER TABLE sv.risk_alert ADD COLUMN last_period date NOT NULL,
  ADD COLUMN episode jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN extended_at timestamptz,
  ADD CONSTRAINT risk_alert_episode_check CHECK (last_period >= period AND extract(day FROM last_period) = 1
                                                 AND jsonb_typeof(episode) = 'array');

-- 05_code_label (issue 19, Chinese labels): the one dictionary of code labels the views read;
-- its rows are registered by each capability's sv:rerun statements that follow.
CREATE TABLE sv.code_label (
  domain     text NOT NULL,       -- '<table or concept>.<column>', e.g. 'action.result'
  code       text NOT NULL,       -- the value stored in the tables
  label_zh   text NOT NULL,       -- what a person reads
  sort_order integer NOT NULL,    -- the order of the vocabulary as registered
  PRIMARY KEY (domain, code),
  CONSTRAINT code_label_domain_form CHECK (domain ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$' AND length(domain) <= 64),
  CONSTRAINT code_label_code_form CHECK (code ~ '^[a-z0-9][a-z0-9_.]*$' AND length(code) <= 64),
  CONSTRAINT code_label_label_form CHECK (label_zh ~ '[一-鿿]' AND label_zh = btrim(label_zh)
                                          AND length(label_zh) <= 32)
);
ALTER TABLE sv.code_label ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.code_label FORCE ROW LEVEL SECURITY;
-- ---------------------------------------------------------------------------------------------
-- Joint supervision (联合监管, issue 19; extension/70_joint.sql and after): new tables.
-- ---------------------------------------------------------------------------------------------

-- 70_joint: the joint-supervision list, system-versioned like the catalogue.
CREATE TABLE sv.joint_item (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code                   text NOT NULL,
  matter                 text NOT NULL,
  scenario               text NOT NULL,
  lead_department_id     integer NOT NULL REFERENCES sv.department (id),
  partner_department_ids integer[] NOT NULL,
  catalog_items          jsonb NOT NULL,
  legal_basis            jsonb NOT NULL,
  copy_on                text[] NOT NULL,
  ack_days               integer NOT NULL,
  updated_by             text NOT NULL,
  sys_period             tstzrange NOT NULL DEFAULT tstzrange(now(), NULL),
  CONSTRAINT joint_item_code_key UNIQUE (code),
  CONSTRAINT joint_item_code_check CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  CONSTRAINT joint_item_matter_check CHECK (matter = btrim(matter) AND matter <> '' AND char_length(matter) <= 200),
  CONSTRAINT joint_item_scenario_check CHECK (scenario = btrim(scenario) AND scenario <> '' AND char_length(scenario) <= 500),
  CONSTRAINT joint_item_partners_check CHECK (cardinality(partner_department_ids) BETWEEN 1 AND 30
                                              AND array_position(partner_department_ids, lead_department_id) IS NULL),
  CONSTRAINT joint_item_catalog_items_check CHECK (jsonb_typeof(catalog_items) = 'object'),
  CONSTRAINT joint_item_legal_basis_check CHECK (jsonb_typeof(legal_basis) = 'array' AND jsonb_array_length(legal_basis) BETWEEN 1 AND 20),
  CONSTRAINT joint_item_copy_on_check CHECK (copy_on <@ ARRAY['penalty', 'coercive_measure', 'problem_found',
                                                              'rectification_ordered', 'case_filed']),
  CONSTRAINT joint_item_ack_days_check CHECK (ack_days BETWEEN 1 AND 60)
);
CREATE INDEX joint_item_lead_idx ON sv.joint_item (lead_department_id);
CREATE TABLE sv.joint_item_history (LIKE sv.joint_item);
CREATE INDEX joint_item_history_id_idx ON sv.joint_item_history (id, sys_period);
INSERT INTO sv.versioned_table VALUES ('sv', 'joint_item', 'sv', 'joint_item_history');
ALTER TABLE sv.joint_item ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_item FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_item_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_item_history FORCE ROW LEVEL SECURITY;

-- 71_assist: assist requests (协查协办) between departments.
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
ALTER TABLE sv.assist_request ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.assist_request FORCE ROW LEVEL SECURITY;

-- 72_joint_notice: copy notices (抄告抄送).
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
ALTER TABLE sv.joint_notice ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_notice FORCE ROW LEVEL SECURITY;

-- 72_joint_notice: the rules of "found once, acted on by all" (versioned, immutable).
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
ALTER TABLE sv.joint_rule ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_rule FORCE ROW LEVEL SECURITY;

-- 73_joint_inspection: enter once (进一次门、查多项事) and the annual inspection cap (国办发〔2024〕54号);
-- a joint draw plan records the proposal it was made from (60_draw, written by 62_draw_plan's
-- sv._draw_plan_record_proposal).
ALTER TABLE sv.draw_plan ADD COLUMN joint_proposal_id bigint;
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
ALTER TABLE sv.joint_proposal ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_proposal FORCE ROW LEVEL SECURITY;

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
ALTER TABLE sv.inspection_cap ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.inspection_cap FORCE ROW LEVEL SECURITY;
-- 76_risk_lead (issue 17, leads and their loop): the sources, the industry routes, the leads
-- and the staging table of the ingest kind risk_lead.
CREATE TABLE sv.risk_lead_source (
  code     text PRIMARY KEY,
  name     text NOT NULL,
  endpoint text REFERENCES sv.endpoint (name),     -- where feedback goes; NULL: none (read in sv_work)
  set_by   text NOT NULL,
  set_at   timestamptz NOT NULL,
  CONSTRAINT risk_lead_source_code_check CHECK (code ~ '^[A-Z][A-Z0-9_-]{1,31}$'),
  CONSTRAINT risk_lead_source_name_check CHECK (name <> '' AND char_length(name) <= 100)
);
ALTER TABLE sv.risk_lead_source ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_lead_source FORCE ROW LEVEL SECURITY;
CREATE TABLE sv.risk_lead_route (
  industry   text PRIMARY KEY,                                  -- a GB/T 4754 code or prefix
  power_code text NOT NULL REFERENCES sv.power_item (code),     -- its supervising department decides
  set_by     text NOT NULL,
  set_at     timestamptz NOT NULL,
  CONSTRAINT risk_lead_route_industry_check CHECK (industry ~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$')
);
ALTER TABLE sv.risk_lead_route ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_lead_route FORCE ROW LEVEL SECURITY;
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
ALTER TABLE sv.risk_lead ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_lead FORCE ROW LEVEL SECURITY;
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

-- 60_draw (issue 17, a confirmed risk lead raises the subject's stratum in the next plan).
CREATE TABLE sv.draw_stratum_override (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uscc        sv.uscc NOT NULL REFERENCES sv.subject (uscc),
  source_kind text NOT NULL,
  source_id   text NOT NULL,
  reason      text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL,
  plan_id     bigint REFERENCES sv.draw_plan (id),   -- the plan whose seal applied it; NULL: pending
  CONSTRAINT draw_stratum_override_source_key UNIQUE (source_kind, source_id),
  CONSTRAINT draw_stratum_override_source_kind_check CHECK (source_kind IN ('risk_lead')),
  CONSTRAINT draw_stratum_override_source_id_check CHECK (source_id <> '' AND char_length(source_id) <= 64),
  CONSTRAINT draw_stratum_override_reason_check CHECK (reason <> '' AND char_length(reason) <= 200)
);
CREATE INDEX draw_stratum_override_pending_idx ON sv.draw_stratum_override (uscc) WHERE plan_id IS NULL;
ALTER TABLE sv.draw_stratum_override ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.draw_stratum_override FORCE ROW LEVEL SECURITY;

-- 77_key_event (issue 17, key events): the events and their append-only timelines.
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
ALTER TABLE sv.key_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.key_event FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.key_event_entry ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.key_event_entry FORCE ROW LEVEL SECURITY;

-- 66_risk (issue 17, incremental scans): every scan of a rule, full or incremental.
CREATE TABLE sv.risk_rule_scan (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_code       text NOT NULL,
  rule_version    integer NOT NULL,
  as_of           timestamptz NOT NULL,
  months          integer NOT NULL,
  since           timestamptz,
  series          bigint NOT NULL,
  tested          bigint NOT NULL,
  alarms          bigint NOT NULL,
  new_alerts      bigint NOT NULL,
  extended_alerts bigint NOT NULL,
  scanned_by      text NOT NULL,
  scanned_at      timestamptz NOT NULL,
  CONSTRAINT risk_rule_scan_rule_fkey FOREIGN KEY (rule_code, rule_version) REFERENCES sv.risk_rule (code, version),
  CONSTRAINT risk_rule_scan_since_check CHECK (since <= as_of)
);
CREATE INDEX risk_rule_scan_rule_idx ON sv.risk_rule_scan (rule_code, rule_version, as_of);
ALTER TABLE sv.risk_rule_scan ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_rule_scan FORCE ROW LEVEL SECURITY;

-- 54_credit_event, 42_action (issue 17, incremental risk scans): the rows received after a moment.
CREATE INDEX credit_event_recorded_idx ON sv.credit_event (recorded_at);
CREATE INDEX action_received_idx ON sv.action (received_at);
-- 68_complaint, 69_complaint_flow (issue 18, the closed loop): the statutory limits as policy rows
-- with their legal basis, the allowed steps, the step history, extension requests, supervision.
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
CREATE INDEX complaint_policy_code_idx ON sv.complaint_policy (code, id);
ALTER TABLE sv.complaint_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_policy FORCE ROW LEVEL SECURITY;

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
CREATE TABLE sv.complaint_transition (
  action     text NOT NULL,
  from_state text NOT NULL,
  to_state   text NOT NULL,
  kinds      text[] NOT NULL,
  label_zh   text NOT NULL,
  CONSTRAINT complaint_transition_pkey PRIMARY KEY (action, from_state)
);
ALTER TABLE sv.complaint_transition ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_transition FORCE ROW LEVEL SECURITY;

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
ALTER TABLE sv.complaint_step ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_step FORCE ROW LEVEL SECURITY;

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
ALTER TABLE sv.complaint_extension ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_extension FORCE ROW LEVEL SECURITY;

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
ALTER TABLE sv.complaint_supervision ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_supervision FORCE ROW LEVEL SECURITY;

-- 69_complaint_flow (issue 18, routing): the duty rules of complaint routing by industry.
CREATE TABLE sv.complaint_duty_rule (
  industry_prefix text PRIMARY KEY,
  department_id   integer NOT NULL REFERENCES sv.department (id),
  note            text,
  updated_by      text NOT NULL,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT complaint_duty_rule_prefix_check CHECK (industry_prefix ~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$'),
  CONSTRAINT complaint_duty_rule_note_check CHECK (char_length(note) <= 200)
);
ALTER TABLE sv.complaint_duty_rule ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_duty_rule FORCE ROW LEVEL SECURITY;

-- 69_complaint_flow (issue 18, channels): the staging table of the ingest kind complaint (12345 batches).
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
  department       text
);
CREATE INDEX complaint_staging_loaded_by_idx ON sv.complaint_staging (loaded_by, line);
-- 16_audit (issue 16, a lane's first append): each lane's first record is indexed, so the check
-- that a new lane has no records yet reads one index entry instead of the whole log.
CREATE INDEX audit_log_lane_start_idx ON sv.audit_log (lane) WHERE lane_seq = 1;

-- 80_evaluation (issue 19, analysis and evaluation 分析评价): the KPI registry (its rows are
-- registered by the sv:rerun statements of 80_evaluation.sql), the stored daily aggregates and
-- the days stored.
CREATE TABLE sv.kpi (
  code             text PRIMARY KEY,
  name_zh          text NOT NULL,
  definition       text NOT NULL,          -- what is counted (Chinese): numerator over denominator
  source           text NOT NULL,          -- the tables or registry it reads
  unit             text NOT NULL,          -- pct: 100 × num / den
  direction        text NOT NULL,          -- higher or lower is better
  weight           numeric(5,2) NOT NULL,  -- in the composite score; 0: shown, not scored
  basis            text NOT NULL,          -- the legal or policy basis
  aggregation      text NOT NULL,          -- how days add up: sum, last (a stock), distinct (keys)
  compute_function text NOT NULL,          -- sv.<name>(date, date), the contract above
  sort_order       integer NOT NULL,
  CONSTRAINT kpi_code_form CHECK (code ~ '^[a-z][a-z0-9_.]*$' AND length(code) <= 64),
  CONSTRAINT kpi_name_zh_form CHECK (name_zh ~ '[一-鿿]' AND length(name_zh) <= 40),
  CONSTRAINT kpi_definition_length CHECK (length(definition) BETWEEN 1 AND 500),
  CONSTRAINT kpi_source_length CHECK (length(source) BETWEEN 1 AND 200),
  CONSTRAINT kpi_basis_length CHECK (length(basis) BETWEEN 1 AND 300),
  CONSTRAINT kpi_unit_check CHECK (unit IN ('pct')),
  CONSTRAINT kpi_direction_check CHECK (direction IN ('higher', 'lower')),
  CONSTRAINT kpi_weight_range CHECK (weight BETWEEN 0 AND 100),
  CONSTRAINT kpi_aggregation_check CHECK (aggregation IN ('sum', 'last', 'distinct')),
  CONSTRAINT kpi_compute_function_form CHECK (compute_function ~ '^sv\.[a-z_][a-z0-9_]*$')
);
ALTER TABLE sv.kpi ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi FORCE ROW LEVEL SECURITY;
CREATE TABLE sv.kpi_daily (
  kpi           text NOT NULL,
  day           date NOT NULL,
  department_id integer NOT NULL REFERENCES sv.department (id),
  region_code   text NOT NULL REFERENCES sv.region (code),   -- county-level unit, or the city for city-wide facts
  num           bigint NOT NULL,
  den           bigint NOT NULL,
  keys          text[],                                      -- aggregation distinct: what was covered that day
  CONSTRAINT kpi_daily_pkey PRIMARY KEY (day, kpi, department_id, region_code),
  CONSTRAINT kpi_daily_counts CHECK (num >= 0 AND den >= 0)
);
CREATE INDEX kpi_daily_kpi_idx ON sv.kpi_daily (kpi, day);
ALTER TABLE sv.kpi_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi_daily FORCE ROW LEVEL SECURITY;
CREATE TABLE sv.kpi_day (
  day         date PRIMARY KEY,
  computed_at timestamptz NOT NULL,
  computed_by text NOT NULL,
  job_run     bigint                  -- the refresh job's run (no foreign key: pg_dump); NULL: by hand
);
CREATE TABLE sv.kpi_monthly (
  kpi           text NOT NULL,
  month         date NOT NULL,          -- the first day of the month
  department_id integer NOT NULL REFERENCES sv.department (id),
  region_code   text NOT NULL REFERENCES sv.region (code),
  num           bigint NOT NULL,
  den           bigint NOT NULL,
  keys          text[],
  CONSTRAINT kpi_monthly_pkey PRIMARY KEY (month, kpi, department_id, region_code),
  CONSTRAINT kpi_monthly_month_check CHECK (extract(day FROM month) = 1)
);
ALTER TABLE sv.kpi_monthly ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi_monthly FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi_day FORCE ROW LEVEL SECURITY;

-- 81_bulletin (issue 19, weekly check and monthly bulletin 周检查、月通报): append-only, with the
-- audit head hash at generation.
CREATE TABLE sv.bulletin (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL,
  period       text NOT NULL,          -- 'YYYY-MM' (monthly) or 'YYYY-Www' (ISO week, weekly)
  edition      integer NOT NULL,       -- 1, then 2, 3, ... when generated again
  period_from  date NOT NULL,
  period_to    date NOT NULL,
  generated_at timestamptz NOT NULL,
  generated_by text NOT NULL,
  job_run      bigint,                 -- the job's run (sv.job_run; no foreign key: pg_dump); NULL: by hand
  head_seq     bigint NOT NULL,        -- sv.audit_head() at generation
  head_hash    text NOT NULL,
  head_lanes   text NOT NULL,
  content      jsonb NOT NULL,         -- ranks, scores, KPIs, trend: what the page shows
  html         text NOT NULL,
  audit_seq    bigint NOT NULL,
  CONSTRAINT bulletin_kind_check CHECK (kind IN ('weekly', 'monthly')),
  CONSTRAINT bulletin_period_form CHECK (period ~ '^[0-9]{4}-(W[0-9]{2}|[0-9]{2})$' AND (kind = 'weekly') = (period ~ 'W')),
  CONSTRAINT bulletin_edition_check CHECK (edition >= 1),
  CONSTRAINT bulletin_range_check CHECK (period_to >= period_from),
  CONSTRAINT bulletin_head_hash_form CHECK (head_hash ~ '^[0-9a-f]{64}$'),
  CONSTRAINT bulletin_text_length CHECK (length(head_lanes) <= 2000 AND length(generated_by) <= 64
                                         AND length(html) <= 4000000),
  CONSTRAINT bulletin_edition_once UNIQUE (kind, period, edition)
);
ALTER TABLE sv.bulletin ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.bulletin FORCE ROW LEVEL SECURITY;

-- 75_complaint_portal_limit (issue 18, portal rate limits): the limits (configurable, a change
-- is a new row), the counts by keyed hash (bounded: two days), the installation's secret.
CREATE TABLE sv.complaint_submit_limit (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope       text NOT NULL,
  per_hour    integer NOT NULL,
  per_day     integer NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL,
  builtin     boolean NOT NULL DEFAULT false,
  CONSTRAINT complaint_submit_limit_scope_check CHECK (scope IN ('phone', 'client', 'unkeyed')),
  CONSTRAINT complaint_submit_limit_range_check CHECK (per_hour BETWEEN 1 AND 100000 AND per_day BETWEEN per_hour AND 1000000)
);
CREATE INDEX complaint_submit_limit_scope_idx ON sv.complaint_submit_limit (scope, id);
ALTER TABLE sv.complaint_submit_limit ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_submit_limit FORCE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_submit_limit', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_submit_limit_id_seq', '');
INSERT INTO sv.complaint_submit_limit (scope, per_hour, per_day, updated_by, updated_at, builtin) VALUES
  ('phone',   5,   20,   'sv_platform', '2026-01-01 00:00+08', true),
  ('client',  10,  50,   'sv_platform', '2026-01-01 00:00+08', true),
  ('unkeyed', 100, 1000, 'sv_platform', '2026-01-01 00:00+08', true);
CREATE TABLE sv.complaint_submit_count (
  scope     text NOT NULL,
  key_hash  bytea NOT NULL,
  hour      timestamptz NOT NULL,
  n         integer NOT NULL,
  CONSTRAINT complaint_submit_count_pkey PRIMARY KEY (scope, key_hash, hour),
  CONSTRAINT complaint_submit_count_hash_check CHECK (length(key_hash) = 32 AND n >= 1)
);
CREATE INDEX complaint_submit_count_hour_idx ON sv.complaint_submit_count (hour);
ALTER TABLE sv.complaint_submit_count ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_submit_count FORCE ROW LEVEL SECURITY;
CREATE TABLE sv.complaint_submit_secret (
  secret bytea NOT NULL,
  CONSTRAINT complaint_submit_secret_check CHECK (length(secret) = 32)
);
ALTER TABLE sv.complaint_submit_secret ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_submit_secret FORCE ROW LEVEL SECURITY;
INSERT INTO sv.complaint_submit_secret (secret)
SELECT sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

-- 74_complaint_duplicate (issue 18, duplicates and grouping 重复件合并): the rule's policy rows, the
-- proposals, the groups, and the subject index on sv.complaint (the text index needs
-- sv.complaint_text_grams: 0.1.0--0.2.0.post.sql).
-- pg_trgm must exist before the update (ALTER EXTENSION does not cascade: docs/upgrades.md).
CREATE TABLE sv.complaint_duplicate_policy (
  id                integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  window_days       integer NOT NULL,
  text_threshold    real NOT NULL,
  context_threshold real NOT NULL,
  address_threshold real NOT NULL,
  nearest           integer NOT NULL,
  note              text NOT NULL,
  updated_by        text NOT NULL,
  updated_at        timestamptz NOT NULL,
  builtin           boolean NOT NULL DEFAULT false,
  CONSTRAINT complaint_duplicate_policy_window_check CHECK (window_days BETWEEN 1 AND 366),
  CONSTRAINT complaint_duplicate_policy_threshold_check
    CHECK (text_threshold BETWEEN 0.05 AND 1 AND context_threshold BETWEEN 0.05 AND text_threshold
           AND address_threshold BETWEEN 0.05 AND 1),
  CONSTRAINT complaint_duplicate_policy_nearest_check CHECK (nearest BETWEEN 1 AND 500),
  CONSTRAINT complaint_duplicate_policy_note_check CHECK (char_length(note) BETWEEN 4 AND 500)
);
ALTER TABLE sv.complaint_duplicate_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_duplicate_policy FORCE ROW LEVEL SECURITY;
INSERT INTO sv.complaint_duplicate_policy (window_days, text_threshold, context_threshold, address_threshold, nearest, note,
                                           updated_by, updated_at, builtin)
VALUES (30, 0.2, 0.16, 0.5, 50, '默认规则:30日内,内容相似度0.2以上,或同一对象/同一地点且相似度0.16以上', 'sv_platform',
        '2026-01-01 00:00+08', true);
CREATE TABLE sv.complaint_duplicate (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  complaint_id  bigint NOT NULL REFERENCES sv.complaint (id),
  candidate_id  bigint NOT NULL REFERENCES sv.complaint (id),
  text_score    real NOT NULL,
  reasons       text[] NOT NULL,
  state         text NOT NULL DEFAULT 'proposed',
  proposed_at   timestamptz NOT NULL,
  decided_by    text,
  decided_at    timestamptz,
  decision_note text,
  audit_seq     bigint,
  CONSTRAINT complaint_duplicate_pair_key UNIQUE (complaint_id, candidate_id),
  CONSTRAINT complaint_duplicate_self_check CHECK (complaint_id <> candidate_id),
  CONSTRAINT complaint_duplicate_state_check CHECK (state IN ('proposed', 'confirmed', 'rejected')),
  CONSTRAINT complaint_duplicate_reasons_check CHECK (reasons <@ '{subject,place,text}' AND cardinality(reasons) >= 1),
  CONSTRAINT complaint_duplicate_score_check CHECK (text_score BETWEEN 0 AND 1),
  CONSTRAINT complaint_duplicate_note_check CHECK (char_length(decision_note) <= 500),
  CONSTRAINT complaint_duplicate_decided_check CHECK ((state = 'proposed') = (decided_at IS NULL))
);
CREATE INDEX complaint_duplicate_candidate_idx ON sv.complaint_duplicate (candidate_id);
ALTER TABLE sv.complaint_duplicate ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_duplicate FORCE ROW LEVEL SECURITY;
CREATE TABLE sv.complaint_group_member (
  complaint_id bigint PRIMARY KEY REFERENCES sv.complaint (id),
  primary_id   bigint NOT NULL REFERENCES sv.complaint (id),
  duplicate_id bigint NOT NULL REFERENCES sv.complaint_duplicate (id),
  merged_by    text NOT NULL,
  merged_at    timestamptz NOT NULL,
  CONSTRAINT complaint_group_member_self_check CHECK (complaint_id <> primary_id)
);
CREATE INDEX complaint_group_member_primary_idx ON sv.complaint_group_member (primary_id);
ALTER TABLE sv.complaint_group_member ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_group_member FORCE ROW LEVEL SECURITY;
CREATE INDEX complaint_subject_idx ON sv.complaint (subject_uscc, received_at) WHERE subject_uscc IS NOT NULL;
-- 74_complaint_duplicate (issue 18, duplicates): the MinHash band keys and trigram codes of each
-- complaint text, the candidates of the duplicate search and their scores (derived data, written
-- by the intake's trigger).
CREATE TABLE sv.complaint_sketch (
  complaint_id   bigint PRIMARY KEY REFERENCES sv.complaint (id) ON DELETE CASCADE,
  received_at    timestamptz NOT NULL,
  bands          bigint[] NOT NULL,
  trigrams       integer[] NOT NULL,
  place_trigrams integer[],
  CONSTRAINT complaint_sketch_bands_check CHECK (cardinality(bands) = 168)
) WITH (toast_tuple_target = 8160);
CREATE INDEX complaint_sketch_bands_idx ON sv.complaint_sketch USING gin (bands) WITH (fastupdate = off);
ALTER TABLE sv.complaint_sketch ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_sketch FORCE ROW LEVEL SECURITY;
-- 10_region, 68_complaint, 69_complaint_flow, 74_complaint_duplicate (issue 18, the place's point):
-- region boundaries (loaded by administrators, none shipped), the point of a complaint's place
-- and its two fields in the 12345 batches' staging table, and the duplicate rule's distance.
CREATE TABLE sv.region_boundary (
  region_code text PRIMARY KEY REFERENCES sv.region (code),
  boundary    geometry(MultiPolygon, 4326) NOT NULL,
  loaded_by   text NOT NULL,
  loaded_at   timestamptz NOT NULL
);
CREATE INDEX region_boundary_gist_idx ON sv.region_boundary USING gist (boundary);
ALTER TABLE sv.region_boundary ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.region_boundary FORCE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('sv.region_boundary', '');
ALTER TABLE sv.complaint ADD COLUMN place_point geometry(Point, 4326);
ALTER TABLE sv.complaint_staging ADD COLUMN place_lon text, ADD COLUMN place_lat text;
ALTER TABLE sv.complaint_duplicate_policy ADD COLUMN place_distance_m integer NOT NULL DEFAULT 200,
  ADD CONSTRAINT complaint_duplicate_policy_distance_check CHECK (place_distance_m BETWEEN 10 AND 5000);

-- 74_complaint_duplicate (issue 18, duplicates at a city's scale): at most max_proposals
-- proposals per arrival, the likeliest; candidates by the subject's name as well.
ALTER TABLE sv.complaint_duplicate_policy ADD COLUMN max_proposals integer NOT NULL DEFAULT 5,
  ADD CONSTRAINT complaint_duplicate_policy_max_proposals_check CHECK (max_proposals BETWEEN 1 AND 50);
CREATE INDEX complaint_subject_name_idx ON sv.complaint (subject_name, received_at) WHERE subject_name IS NOT NULL;
-- 74_complaint_duplicate (issue 18, merged items following their primary): a confirmed merge
-- can be undone (sv.complaint_duplicate_undo): the proposal's state 'undone'.
ALTER TABLE sv.complaint_duplicate DROP CONSTRAINT complaint_duplicate_state_check;
ALTER TABLE sv.complaint_duplicate ADD CONSTRAINT complaint_duplicate_state_check
  CHECK (state IN ('proposed', 'confirmed', 'rejected', 'undone'));
-- 68_complaint (issue 18, merged items following their primary): the primary item a merged
-- item follows (written by the merge and its undo, 74_complaint_duplicate.sql).
ALTER TABLE sv.complaint ADD COLUMN primary_id bigint,
  ADD CONSTRAINT complaint_primary_self_check CHECK (primary_id <> id);
CREATE INDEX complaint_primary_idx ON sv.complaint (primary_id) WHERE primary_id IS NOT NULL;
UPDATE sv.complaint c SET primary_id = g.primary_id FROM sv.complaint_group_member g WHERE g.complaint_id = c.id;

-- 74_complaint_duplicate (issue 18, the proposals' sweep mode): the policy's proposal mode
-- (arrival: in the intake's transaction; sweep: queued for the minute's job) and the queue.
ALTER TABLE sv.complaint_duplicate_policy ADD COLUMN proposal_mode text NOT NULL DEFAULT 'arrival',
  ADD CONSTRAINT complaint_duplicate_policy_proposal_mode_check CHECK (proposal_mode IN ('arrival', 'sweep'));
CREATE TABLE sv.complaint_duplicate_pending (
  complaint_id bigint PRIMARY KEY REFERENCES sv.complaint (id) ON DELETE CASCADE,
  queued_at    timestamptz NOT NULL
);
ALTER TABLE sv.complaint_duplicate_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_duplicate_pending FORCE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_duplicate_pending', '');
