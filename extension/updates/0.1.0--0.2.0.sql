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
    CHECK (state IN ('received', 'accepted', 'refused', 'handling', 'replied', 'closed')),
  CONSTRAINT complaint_attachments_check CHECK (jsonb_typeof(attachments) = 'array'),
  CONSTRAINT complaint_anonymous_check CHECK (NOT anonymous OR person_name_masked IS NULL),
  CONSTRAINT complaint_accept_due_check CHECK ((kind = 'complaint') = (accept_due IS NOT NULL))
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
