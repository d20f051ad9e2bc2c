-- ---------------------------------------------------------------------------------------------
-- 60_draw: the double-random draw (双随机、一公开), its tables and C entry points.
--
-- Tables:     sv.inspector_conflict (declared conflicts of interest),
--             sv.draw_plan (+ _department, _item, _stratum), sv.draw_exclusion, and the
--             append-only sv.draw, sv.draw_result, sv.draw_team, sv.draw_recusal
-- C:          sv.chacha20_block (RFC 8439), sv._draw_sample / _draw_pick (the selection),
--             sv._draw_population (aggregate), sv._draw_teams (team assignment)
-- The strata are the subjects' stored credit classes: credit's table (55_credit.sql), read
-- through its view sv.credit_class_current.
-- The protocol, byte by byte: docs/draw-protocol.md; how to use it: docs/draw.md.
-- Functions:  61_draw_governance.sql (joint plans, the seal's guards, cancelling), 62_draw_plan.sql
--             (plans, sealing, conflicts), 63_draw_run.sql (run, recusal, redraw), 64_draw_verify.sql
--             (verification, export, public and work views)
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION sv.chacha20_block(key bytea, counter integer, nonce bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_chacha20_block' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.chacha20_block(bytea, integer, bytea) IS
  'The ChaCha20 block function of RFC 8439 (32-byte key, 32-bit counter, 12-byte nonce): 64 bytes';

CREATE OR REPLACE FUNCTION sv._draw_sample(seed bytea, sizes integer[], counts integer[],
                                OUT stratum integer, OUT pick integer, OUT candidate integer,
                                OUT stream_words bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_draw_sample' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION sv._draw_pick(seed bytea, population bytea, regions integer[], sizes integer[], counts integer[],
                              OUT stratum text, OUT "position" integer, OUT uscc text, OUT region integer,
                              OUT stream_words bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_draw_pick' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- What sealing builds: the population of docs/draw-protocol.md section 1 and each candidate's
-- region in the same order, kept in memory until the end of the transaction under a handle
-- (sv._draw_population_store inserts them), the population's SHA-256, and the candidates per
-- stratum A, B, C, D, U.
CREATE TYPE sv._draw_population_built AS (handle bigint, population_hash bytea, sizes integer[]);
CREATE OR REPLACE FUNCTION sv._draw_population_store(plan_id bigint, handle bigint) RETURNS void
AS 'MODULE_PATHNAME', 'sv_draw_population_store' LANGUAGE C VOLATILE;
-- SHA-256 of the candidates' regions as sealed, "<6 digits>\n" each (docs/draw-protocol.md, "Seal").
CREATE OR REPLACE FUNCTION sv._draw_regions_sha256(regions integer[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_draw_regions_sha256' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- Candidates per stratum A, B, C, D, U counted from population bytes; NULL unless well formed:
-- whole lines of the five strata, in protocol order, no line twice.
CREATE OR REPLACE FUNCTION sv._draw_population_sizes(population bytea) RETURNS integer[]
AS 'MODULE_PATHNAME', 'sv_draw_population_sizes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv._draw_population_accum(internal, sv.uscc, text, text) RETURNS internal
AS 'MODULE_PATHNAME', 'sv_draw_population_accum' LANGUAGE C PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv._draw_population_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'sv_draw_population_combine' LANGUAGE C PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv._draw_population_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_draw_population_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv._draw_population_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'sv_draw_population_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv._draw_population_final(internal) RETURNS sv._draw_population_built
AS 'MODULE_PATHNAME', 'sv_draw_population_final' LANGUAGE C PARALLEL SAFE;
-- Subjects (uscc, NULL, region), stored classes (uscc, class, NULL) and subjects to leave out
-- (uscc, 'X', NULL) -> the population, joined and sorted in C; parallel: each worker sorts its
-- share, the leader merges (population.c).
CREATE OR REPLACE AGGREGATE sv._draw_population(sv.uscc, text, text) (
  SFUNC = sv._draw_population_accum, STYPE = internal, FINALFUNC = sv._draw_population_final,
  FINALFUNC_MODIFY = READ_WRITE,   -- the final function sorts the state in place
  COMBINEFUNC = sv._draw_population_combine, SERIALFUNC = sv._draw_population_serialize,
  DESERIALFUNC = sv._draw_population_deserialize, PARALLEL = SAFE
);

CREATE OR REPLACE FUNCTION sv._draw_teams(seed bytea, start_words bigint, team_size integer, departments integer,
                               inspector_department integer[], inspector_region integer[], subject_region integer[],
                               excluded_subject integer[], excluded_inspector integer[], cross_area boolean,
                               OUT subject integer, OUT slot integer, OUT inspector integer, OUT stream_words bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_draw_teams' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Declared conflicts of interest (回避): this inspector does not inspect this subject.
CREATE TABLE sv.inspector_conflict (
  uscc           sv.uscc NOT NULL REFERENCES sv.subject (uscc),
  certificate_no text NOT NULL REFERENCES sv.inspector (certificate_no),
  reason         text NOT NULL CHECK (length(btrim(reason)) >= 4),
  declared_by    text NOT NULL,
  declared_at    timestamptz NOT NULL,
  PRIMARY KEY (uscc, certificate_no)
);
COMMENT ON TABLE sv.inspector_conflict IS 'Declared conflicts between an inspector and a subject: never in one draw team';
ALTER TABLE sv.inspector_conflict ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.inspector_conflict FORCE ROW LEVEL SECURITY;
CREATE POLICY inspector_conflict_read ON sv.inspector_conflict FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.inspector_conflict TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.inspector_conflict', '');

CREATE TABLE sv.draw_plan (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code             text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  title            text NOT NULL CHECK (title <> ''),
  lead_department_id integer NOT NULL REFERENCES sv.department (id),
  check_from       date NOT NULL,            -- the inspection period
  check_to         date NOT NULL,
  scope            jsonb NOT NULL,           -- {"regions": [...], "industries": [...], "kinds": [...]}
  team_size        integer NOT NULL CHECK (team_size >= 2),
  cross_area       boolean NOT NULL DEFAULT false,   -- 所所交叉: no inspector from the subject's region
  lookback_days    integer NOT NULL DEFAULT 365 CHECK (lookback_days >= 0),
  annual_cap       integer NOT NULL DEFAULT 1 CHECK (annual_cap >= 1),  -- inspections per subject, department, year
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sealed', 'drawn', 'cancelled')),
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  sealed_by        text,
  sealed_at        timestamptz,
  population_size  integer,
  population_hash  bytea,                    -- SHA-256 of the population (sv.draw_population)
  commitment       bytea,                    -- SHA-256 of the planner's secret nonce
  entropy_source   text,                     -- the public randomness named in advance, canonical
                                             -- (docs/draw-protocol.md, "Entropy source": kind, name, issue,
                                             -- date and the exact form of its value)
  stratum_sizes    integer[],                -- candidates per stratum A, B, C, D, U
  redraw_of        bigint,                   -- a redraw: the plan drawn before (no self-referencing
                                             -- foreign key: pg_dump warns about it on config tables)
  redraw_reason    text,
  redraw_approved_by text,
  -- since 0.2.0 (new columns come last: an update adds them at the end, docs/upgrades.md)
  seal_hash        bytea,                    -- SHA-256 over everything the seal fixes (protocol, "Seal")
  run_due          date,                     -- set at the seal: run by this day or it is overdue (逾期未抽取)
  run_due_provisional boolean NOT NULL DEFAULT false,  -- run_due counted over a year without a notice (20_calendar.sql)
  terms_sha256     bytea,                    -- set at the seal: SHA-256 of the terms sealed (sv._draw_plan_terms_sha256)
  cancelled_by     text,                     -- a sealed plan cancelled in public, with the reason
  cancelled_at     timestamptz,
  cancel_reason    text,
  -- the draw protocol the plan was sealed under (docs/draw-protocol.md): sv-draw-v1 for plans
  -- sealed by 0.1.0 (no seal hash, team inputs read at the run), verified with v1's steps
  protocol         text NOT NULL DEFAULT 'sv-draw-v2' CHECK (protocol IN ('sv-draw-v1', 'sv-draw-v2')),
  -- the joint-inspection proposal (进一次门、查多项事, sv.joint_proposal in 73_joint_inspection.sql)
  -- a joint plan was made from, recorded by sv._draw_plan_record_proposal; no foreign key: the
  -- proposals come later in the install order
  joint_proposal_id bigint,
  CHECK (check_to >= check_from),
  CHECK ((status = 'draft') = (sealed_at IS NULL)),
  CHECK (status = 'draft' OR (population_size IS NOT NULL AND population_hash IS NOT NULL AND commitment IS NOT NULL
                              AND entropy_source IS NOT NULL)),
  CONSTRAINT draw_plan_cancelled_check
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL AND cancel_reason IS NOT NULL))
);
COMMENT ON TABLE sv.draw_plan IS 'Double-random draw plans (抽查计划): one list of items, the subject scope, strata and team rules';

-- The frozen candidate list of a sealed plan, apart from the plan so that reading or passing a
-- plan does not carry megabytes: the population (docs/draw-protocol.md) and each candidate's
-- region as at the seal (cross-area teams use it), in population order.  Written once by
-- sv.draw_seal.  21 is the line length, SV_POPULATION_LINE_LEN in src/draw/draw.h.
CREATE TABLE sv.draw_population (
  plan_id    bigint PRIMARY KEY REFERENCES sv.draw_plan (id),
  population bytea NOT NULL CHECK (length(population) % 21 = 0),
  regions    integer[] NOT NULL CHECK (cardinality(regions) * 21 = length(population))
);
-- Compressed with LZ4 where the server has it: lines of similar codes shrink to under a third
-- and the regions to almost nothing, and writing a third is faster than writing them raw
-- (reading costs ~10 ms more for a million candidates).  Without LZ4 stored uncompressed: pglz
-- would cost more time than it saves.
DO $lz4$
BEGIN
  ALTER TABLE sv.draw_population ALTER COLUMN population SET COMPRESSION lz4, ALTER COLUMN regions SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  ALTER TABLE sv.draw_population ALTER COLUMN population SET STORAGE EXTERNAL, ALTER COLUMN regions SET STORAGE EXTERNAL;
END
$lz4$;
COMMENT ON TABLE sv.draw_population IS 'The sealed candidate population of a draw plan and the candidates'' regions (append-only)';
CREATE TRIGGER draw_population_immutable BEFORE UPDATE OR DELETE ON sv.draw_population
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a sealed population is append-only');
CREATE TRIGGER draw_population_no_truncate BEFORE TRUNCATE ON sv.draw_population
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a sealed population is append-only');

-- The team inputs as sealed (docs/draw-protocol.md, "Seal"), written once by sv.draw_seal and
-- covered by the seal's hash: the inspector pool (inspectors 1..m in certificate byte order, each
-- with its department number 1..D and region) and the exclusion pairs (subject code, inspector
-- number) from declared conflicts and the look-back window.  A run reads these, never the live
-- tables: a conflict declared after the seal goes through recusal (sv.draw_recuse), in public.
-- The pairs name declared conflicts, which only administrators and auditors read: so does this.
CREATE TABLE sv.draw_team_input (
  plan_id             bigint PRIMARY KEY REFERENCES sv.draw_plan (id),
  pool_certificates   text[] NOT NULL,
  pool_departments    integer[] NOT NULL,
  pool_regions        integer[] NOT NULL,
  excluded_uscc       text[] NOT NULL,         -- ordered by code (byte order), then inspector number
  excluded_inspectors integer[] NOT NULL,
  CHECK (cardinality(pool_departments) = cardinality(pool_certificates)
         AND cardinality(pool_regions) = cardinality(pool_certificates)
         AND cardinality(excluded_inspectors) = cardinality(excluded_uscc))
);
COMMENT ON TABLE sv.draw_team_input IS 'The inspector pool and exclusion pairs of a sealed plan, frozen at the seal (append-only)';
CREATE TRIGGER draw_team_input_immutable BEFORE UPDATE OR DELETE ON sv.draw_team_input
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('sealed team inputs are append-only');
CREATE TRIGGER draw_team_input_no_truncate BEFORE TRUNCATE ON sv.draw_team_input
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('sealed team inputs are append-only');
ALTER TABLE sv.draw_team_input ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.draw_team_input FORCE ROW LEVEL SECURITY;
CREATE POLICY draw_team_input_read ON sv.draw_team_input FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.draw_team_input TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.draw_team_input', '');

CREATE TABLE sv.draw_plan_department (
  plan_id       bigint NOT NULL REFERENCES sv.draw_plan (id),
  department_id integer NOT NULL REFERENCES sv.department (id),
  PRIMARY KEY (plan_id, department_id)
);
COMMENT ON TABLE sv.draw_plan_department IS 'Departments taking part in a plan (more than one: a joint plan 部门联合抽查)';

-- A partner department's consent (sv.draw_plan_join), to the plan's terms as they stood: a plan
-- changed afterwards needs it again (61_draw_governance.sql).
CREATE TABLE sv.draw_plan_join (
  plan_id       bigint NOT NULL REFERENCES sv.draw_plan (id),
  department_id integer NOT NULL REFERENCES sv.department (id),
  terms_sha256  bytea NOT NULL CHECK (length(terms_sha256) = 32),   -- sv._draw_plan_terms_sha256 when joined
  joined_by     text NOT NULL,
  joined_at     timestamptz NOT NULL,
  PRIMARY KEY (plan_id, department_id)
);
COMMENT ON TABLE sv.draw_plan_join IS 'Partner departments that confirmed a joint plan (加入联合抽查), each to the terms it saw';

CREATE TABLE sv.draw_plan_item (
  plan_id         bigint NOT NULL REFERENCES sv.draw_plan (id),
  check_item_code text NOT NULL,
  PRIMARY KEY (plan_id, check_item_code)
);
COMMENT ON TABLE sv.draw_plan_item IS 'The check items of a plan (一单: the list), from the published catalogue';

CREATE TABLE sv.draw_plan_stratum (
  plan_id bigint NOT NULL REFERENCES sv.draw_plan (id),
  stratum text NOT NULL CHECK (stratum IN ('A', 'B', 'C', 'D', 'U')),
  ratio   numeric CHECK (ratio > 0 AND ratio <= 1),
  count   integer CHECK (count >= 0),
  PRIMARY KEY (plan_id, stratum),
  CHECK ((ratio IS NULL) <> (count IS NULL))
);
COMMENT ON TABLE sv.draw_plan_stratum IS
  'Sampling rule per credit stratum: a ratio (count = ceil(ratio x size)) or a count (at most the size); a stratum without a rule is not drawn';

CREATE TABLE sv.draw_exclusion (
  plan_id bigint NOT NULL REFERENCES sv.draw_plan (id),
  uscc    sv.uscc NOT NULL,
  reason  text NOT NULL,
  PRIMARY KEY (plan_id, uscc)
);
COMMENT ON TABLE sv.draw_exclusion IS 'Subjects in scope left out at sealing, with the reason (e.g. the annual inspection cap)';

-- Stratum overrides (docs/draw-protocol.md, "1. Population"): a subject whose stored class is
-- A, B or C is stratified one class worse (A as B, B as C, C as D) in the next plan sealed with
-- it among the candidates: a confirmed risk lead (76_risk_lead.sql) lifts the A-class
-- exemption (无事不扰).  Written by the capability that raises it through
-- sv._draw_override_add; the seal that applies it records its plan (applied once).
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
COMMENT ON TABLE sv.draw_stratum_override IS
  'Subjects stratified one credit class worse in the next sealed plan (a confirmed risk lead lifts the A-class exemption)';
ALTER TABLE sv.draw_stratum_override ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.draw_stratum_override FORCE ROW LEVEL SECURITY;
CREATE POLICY draw_stratum_override_read ON sv.draw_stratum_override FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.draw_stratum_override TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.draw_stratum_override', '');
SELECT pg_catalog.pg_extension_config_dump('sv.draw_stratum_override_id_seq', '');

-- Adds an override (the same source again: nothing); for SECURITY DEFINER functions of the
-- capabilities that raise one, granted to no role.
CREATE OR REPLACE FUNCTION sv._draw_override_add(uscc sv.uscc, source_kind text, source_id text, reason text,
                                                 department_id integer) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_id bigint;
BEGIN
  INSERT INTO sv.draw_stratum_override AS o (uscc, source_kind, source_id, reason, created_by, created_at)
  VALUES (uscc, source_kind, source_id, reason, me.login, now())
  ON CONFLICT ON CONSTRAINT draw_stratum_override_source_key DO NOTHING
  RETURNING o.id INTO v_id;
  IF v_id IS NOT NULL THEN
    PERFORM sv.audit_append(department_id, 'draw_stratum_override', v_id::text, 'add',
      jsonb_build_object('uscc', uscc, 'source_kind', source_kind, 'source_id', source_id, 'reason', reason));
  END IF;
END
$fn$;

CREATE TABLE sv.draw (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id       bigint NOT NULL UNIQUE REFERENCES sv.draw_plan (id),   -- one draw per plan
  nonce         bytea NOT NULL,
  entropy       text NOT NULL,
  seed          bytea NOT NULL,
  stream_words  bigint NOT NULL,              -- words read by subjects and teams together
  -- the team inputs (docs/draw-protocol.md, "Teams"): the pool, inspectors 1..m in certificate
  -- order with their department number and region; the exclusion pairs (subject number,
  -- inspector number) from conflicts and the look-back window; the drawn subjects' regions
  pool_certificates   text[] NOT NULL,
  pool_departments    integer[] NOT NULL,
  pool_regions        integer[] NOT NULL,
  excluded_subjects   integer[] NOT NULL,
  excluded_inspectors integer[] NOT NULL,
  subject_regions integer[] NOT NULL,         -- each drawn subject's region (as sealed), in draw order
  drawn_by      text NOT NULL,
  drawn_at      timestamptz NOT NULL,
  CHECK (cardinality(pool_departments) = cardinality(pool_certificates)
         AND cardinality(pool_regions) = cardinality(pool_certificates)
         AND cardinality(excluded_inspectors) = cardinality(excluded_subjects))
);
COMMENT ON TABLE sv.draw IS 'The run of a sealed plan: revealed nonce, public entropy, derived seed (append-only)';

CREATE TABLE sv.draw_result (
  draw_id  bigint NOT NULL REFERENCES sv.draw (id),
  uscc     sv.uscc NOT NULL,
  stratum  text NOT NULL,
  position integer NOT NULL,          -- order drawn within the stratum
  PRIMARY KEY (draw_id, uscc),
  UNIQUE (draw_id, stratum, position)
);
COMMENT ON TABLE sv.draw_result IS 'The subjects a draw selected (append-only)';

CREATE TABLE sv.draw_team (
  draw_id        bigint NOT NULL REFERENCES sv.draw (id),
  uscc           sv.uscc NOT NULL,
  slot           integer NOT NULL,
  certificate_no text NOT NULL,
  PRIMARY KEY (draw_id, uscc, slot),
  UNIQUE (draw_id, uscc, certificate_no)
);
COMMENT ON TABLE sv.draw_team IS 'The inspectors a draw assigned to each drawn subject (append-only)';
CREATE TRIGGER draw_team_immutable BEFORE UPDATE OR DELETE ON sv.draw_team
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_team_no_truncate BEFORE TRUNCATE ON sv.draw_team
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a draw is append-only');

CREATE TABLE sv.draw_recusal (
  draw_id        bigint NOT NULL REFERENCES sv.draw (id),
  seq            integer NOT NULL,
  uscc           sv.uscc NOT NULL,
  slot           integer NOT NULL,
  certificate_no text NOT NULL,              -- who leaves
  replacement    text NOT NULL,              -- who comes in
  requested_by   text NOT NULL CHECK (requested_by IN ('inspector', 'subject')),
  reason         text NOT NULL,
  stream_from    bigint NOT NULL,            -- stream words before and after this replacement
  stream_to      bigint NOT NULL,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL,
  PRIMARY KEY (draw_id, seq)
);
COMMENT ON TABLE sv.draw_recusal IS 'Recusals after a draw (回避) and their replacements from the draw''s stream (append-only)';
CREATE TRIGGER draw_recusal_immutable BEFORE UPDATE OR DELETE ON sv.draw_recusal
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_recusal_no_truncate BEFORE TRUNCATE ON sv.draw_recusal
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
ALTER TABLE sv.draw_recusal ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.draw_recusal FORCE ROW LEVEL SECURITY;
CREATE POLICY draw_recusal_read ON sv.draw_recusal FOR SELECT TO sv_admin, sv_officer, sv_auditor USING (true);
GRANT SELECT ON sv.draw_recusal TO sv_admin, sv_officer, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.draw_recusal', '');

CREATE TRIGGER draw_immutable BEFORE UPDATE OR DELETE ON sv.draw
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_result_immutable BEFORE UPDATE OR DELETE ON sv.draw_result
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_no_truncate BEFORE TRUNCATE ON sv.draw
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_result_no_truncate BEFORE TRUNCATE ON sv.draw_result
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a draw is append-only');

-- The population holds credit classes, which are internal: administrators and auditors (as
-- the export).
ALTER TABLE sv.draw_population ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.draw_population FORCE ROW LEVEL SECURITY;
CREATE POLICY draw_population_read ON sv.draw_population FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.draw_population TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.draw_population', '');

-- Plans are readable by officials (the population only as above); the tables of a
-- plan carry no department column, so their policies read every row and the functions check.
-- sv:rerun (re-applied by every update: docs/upgrades.md)
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['draw_plan', 'draw_plan_department', 'draw_plan_join', 'draw_plan_item', 'draw_plan_stratum',
                           'draw_exclusion', 'draw', 'draw_result', 'draw_team'] LOOP
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('CREATE POLICY %I ON sv.%I FOR SELECT TO sv_admin, sv_officer, sv_auditor USING (true)',
                              t || '_read', t);
    EXECUTE pg_catalog.format('GRANT SELECT ON sv.%I TO sv_admin, sv_officer, sv_auditor', t);
    EXECUTE pg_catalog.format('SELECT pg_catalog.pg_extension_config_dump(%L, %L)', 'sv.' || t, '');
  END LOOP;
END
$rls$;
SELECT pg_catalog.pg_extension_config_dump('sv.draw_plan_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sv.draw_id_seq', '');

GRANT EXECUTE ON FUNCTION sv.chacha20_block(bytea, integer, bytea) TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;

-- May the caller run this plan?  Administrators any; officers the plans of their department.
CREATE OR REPLACE FUNCTION sv._draw_require_plan(plan_id bigint, for_update boolean DEFAULT false) RETURNS sv.draw_plan
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p sv.draw_plan;
BEGIN
  IF plan_id IS NULL THEN
    RAISE EXCEPTION 'plan_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF for_update THEN
    SELECT * INTO p FROM sv.draw_plan d WHERE d.id = plan_id FOR UPDATE;
  ELSE
    SELECT * INTO p FROM sv.draw_plan d WHERE d.id = plan_id;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw plan % does not exist', plan_id USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM sv._require_department_scope(p.lead_department_id);
  RETURN p;
END
$fn$;
