-- ---------------------------------------------------------------------------------------------
-- 50_draw: the double-random draw (双随机、一公开): plans (一单两库), sealing, the seeded draw of
-- subjects, verification and publication.  The protocol is docs/draw-protocol.md.
--
-- Tables:     sv.credit_class (the stored credit class of a subject, the draw's strata; filled
--             by credit supervision), sv.draw_plan (+ _department, _item, _stratum),
--             sv.draw_exclusion, sv.draw, sv.draw_result
-- Functions:  sv.draw_plan_save, sv.draw_plan_set_strata, sv.draw_seal, sv.draw_run,
--             sv.draw_verify, sv.draw_verify_detail, sv.draw_export,
--             sv.chacha20_block (C, RFC 8439), sv._draw_sample (C)
-- Views:      sv_public.draw, sv_public.draw_result (no credit classes: they are internal)
-- Still to come (issue 5): inspector teams, recusal, redraw with approval, tasks from drawn
-- subjects, the benchmark.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION sv.chacha20_block(key bytea, counter integer, nonce bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_chacha20_block' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.chacha20_block(bytea, integer, bytea) IS
  'The ChaCha20 block function of RFC 8439 (32-byte key, 32-bit counter, 12-byte nonce): 64 bytes';

CREATE FUNCTION sv._draw_sample(seed bytea, sizes integer[], counts integer[],
                                OUT stratum integer, OUT pick integer, OUT candidate integer,
                                OUT stream_words bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_draw_sample' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION sv._draw_pick(seed bytea, population bytea, sizes integer[], counts integer[],
                              OUT stratum text, OUT "position" integer, OUT uscc text, OUT stream_words bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_draw_pick' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION sv._draw_population_accum(internal, sv.uscc, text) RETURNS internal
AS 'MODULE_PATHNAME', 'sv_draw_population_accum' LANGUAGE C;
CREATE FUNCTION sv._draw_population_final(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_draw_population_final' LANGUAGE C;
-- The population of docs/draw-protocol.md section 1 from (code, stratum) pairs, sorted in C.
CREATE AGGREGATE sv._draw_population(sv.uscc, text) (
  SFUNC = sv._draw_population_accum, STYPE = internal, FINALFUNC = sv._draw_population_final
);

CREATE FUNCTION sv._draw_teams(seed bytea, start_words bigint, team_size integer, departments integer,
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

-- The credit class a subject has now (A low risk .. D high risk); credit supervision keeps it.
-- A subject without a row is "unclassified" (U) for the draw.
CREATE TABLE sv.credit_class (
  uscc        sv.uscc PRIMARY KEY REFERENCES sv.subject (uscc),
  class       text NOT NULL CHECK (class IN ('A', 'B', 'C', 'D')),
  source      text NOT NULL CHECK (source <> ''),     -- the model or the authority that classified
  assessed_at timestamptz NOT NULL
);
COMMENT ON TABLE sv.credit_class IS 'Current credit-risk class per subject (internal, never public): the strata of the draw';
ALTER TABLE sv.credit_class ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_class FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_class_read ON sv.credit_class FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.credit_class TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_class', '');

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
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sealed', 'drawn')),
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  sealed_by        text,
  sealed_at        timestamptz,
  population       bytea,                    -- the frozen candidate list (docs/draw-protocol.md)
  population_size  integer,
  population_hash  bytea,                    -- SHA-256 of population
  commitment       bytea,                    -- SHA-256 of the planner's secret nonce
  entropy_source   text,                     -- the public randomness named in advance
  stratum_sizes    integer[],                -- candidates per stratum A, B, C, D, U
  redraw_of        bigint,                   -- a redraw: the plan drawn before (no self-referencing
                                             -- foreign key: pg_dump warns about it on config tables)
  redraw_reason    text,
  redraw_approved_by text,
  CHECK (check_to >= check_from),
  CHECK ((status = 'draft') = (sealed_at IS NULL)),
  CHECK (status = 'draft' OR (population IS NOT NULL AND population_hash IS NOT NULL AND commitment IS NOT NULL
                              AND entropy_source IS NOT NULL))
);
-- stored uncompressed: sealing writes it once, and compressing 21 bytes a subject buys little
ALTER TABLE sv.draw_plan ALTER COLUMN population SET STORAGE EXTERNAL;
COMMENT ON TABLE sv.draw_plan IS 'Double-random draw plans (抽查计划): one list of items, the subject scope, strata and team rules';

CREATE TABLE sv.draw_plan_department (
  plan_id       bigint NOT NULL REFERENCES sv.draw_plan (id),
  department_id integer NOT NULL REFERENCES sv.department (id),
  PRIMARY KEY (plan_id, department_id)
);
COMMENT ON TABLE sv.draw_plan_department IS 'Departments taking part in a plan (more than one: a joint plan 部门联合抽查)';

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

CREATE TABLE sv.draw (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id       bigint NOT NULL UNIQUE REFERENCES sv.draw_plan (id),   -- one draw per plan
  nonce         bytea NOT NULL,
  entropy       text NOT NULL,
  seed          bytea NOT NULL,
  stream_words  bigint NOT NULL,              -- words read by subjects and teams together
  team_pool     jsonb NOT NULL,               -- the eligible inspectors, in certificate order
  team_exclusions jsonb NOT NULL,             -- [[subject, inspector], ...] numbers (conflicts, look-back)
  subject_regions integer[] NOT NULL,         -- each drawn subject's region, in draw order
  drawn_by      text NOT NULL,
  drawn_at      timestamptz NOT NULL
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

-- Plans are readable by officials (the population only through the export); the tables of a
-- plan carry no department column, so their policies read every row and the functions check.
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['draw_plan', 'draw_plan_department', 'draw_plan_item', 'draw_plan_stratum',
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

-- May the caller run this plan?  Administrators any; officers the plans of their department.
CREATE FUNCTION sv._draw_require_plan(plan_id bigint, for_update boolean DEFAULT false) RETURNS sv.draw_plan
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

-- The strata in the protocol's order, and a draw's counts from the rules (docs/draw-protocol.md):
-- ratio r of a stratum of n candidates draws ceil(r * n), in exact decimal arithmetic; a count c
-- draws min(c, n); a stratum without a rule draws none.
CREATE FUNCTION sv._draw_counts(plan_id bigint, sizes integer[]) RETURNS integer[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT array_agg(CASE WHEN r.stratum IS NULL THEN 0              -- no rule: not drawn
                        WHEN r.ratio IS NOT NULL THEN ceil(r.ratio * sizes[s.i])::integer
                        ELSE least(r.count, sizes[s.i]) END ORDER BY s.i)
  FROM unnest(ARRAY['A', 'B', 'C', 'D', 'U']) WITH ORDINALITY AS s(stratum, i)
  LEFT JOIN sv.draw_plan_stratum r ON r.plan_id = _draw_counts.plan_id AND r.stratum = s.stratum
$fn$;

-- The seed: SHA-256 over a domain-separated encoding of plan id, population hash, nonce and
-- entropy (docs/draw-protocol.md, "Seed").
CREATE FUNCTION sv._draw_seed(plan_id bigint, population_hash bytea, nonce bytea, entropy text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sha256('SV-DRAW-SEED-v1'::bytea || '\x00'::bytea || int8send(plan_id) || population_hash
                || int4send(length(nonce)) || nonce
                || int4send(octet_length(convert_to(entropy, 'UTF8'))) || convert_to(entropy, 'UTF8'))
$fn$;

-- The selection from a plan's population and a seed: (stratum, position, uscc).
CREATE FUNCTION sv._draw_select(p sv.draw_plan, seed bytea,
                                OUT stratum text, OUT "position" integer, OUT uscc text, OUT stream_words bigint)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT x.stratum, x."position", x.uscc, x.stream_words
  FROM sv._draw_pick(seed, p.population, p.stratum_sizes, sv._draw_counts(p.id, p.stratum_sizes)) x
$fn$;

CREATE FUNCTION sv.draw_plan_save(code text, title text, lead_department_id integer, check_from date,
                                  check_to date, scope jsonb, check_items text[], strata jsonb,
                                  team_size integer DEFAULT 2, departments integer[] DEFAULT NULL,
                                  cross_area boolean DEFAULT false, lookback_days integer DEFAULT 365,
                                  annual_cap integer DEFAULT 1)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_id bigint;
  v_status text;
  v_depts integer[];
  v_key text;
  v_val jsonb;
  v_bad text;
  v_release bigint;
BEGIN
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('title', title);
  PERFORM sv._require_department('lead_department_id', lead_department_id);
  IF check_from IS NULL OR check_to IS NULL OR check_to < check_from THEN
    RAISE EXCEPTION 'check_from and check_to must be given, check_from not after check_to'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the scope is data, never SQL: known keys, each an array of codes
  IF scope IS NULL OR jsonb_typeof(scope) <> 'object' THEN
    RAISE EXCEPTION 'scope must be a JSON object {"regions": [...], "industries": [...], "kinds": [...]}'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad FROM jsonb_object_keys(scope) k
  WHERE k NOT IN ('regions', 'industries', 'kinds');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'scope: unknown key(s) %', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR v_key, v_val IN SELECT e.key, e.value FROM jsonb_each(scope) e LOOP
    IF jsonb_typeof(v_val) <> 'array' OR jsonb_array_length(v_val) = 0
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(v_val) x WHERE jsonb_typeof(x) <> 'string') THEN
      RAISE EXCEPTION 'scope.% must be a non-empty array of strings', v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  IF NOT scope ? 'regions' THEN
    RAISE EXCEPTION 'scope.regions must name at least one region' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(quote_literal(x), ', ') INTO v_bad FROM jsonb_array_elements_text(scope -> 'regions') x
  WHERE NOT EXISTS (SELECT 1 FROM sv.region r WHERE r.code = x);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'scope.regions: region(s) % do not exist', v_bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT string_agg(quote_literal(x), ', ') INTO v_bad FROM jsonb_array_elements_text(scope -> 'industries') x
  WHERE x !~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$';
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'scope.industries must be GB/T 4754 codes or prefixes, not %', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(quote_literal(x), ', ') INTO v_bad FROM jsonb_array_elements_text(scope -> 'kinds') x
  WHERE x NOT IN ('enterprise', 'individual_business', 'farmers_cooperative', 'other');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'scope.kinds must be enterprise, individual_business, farmers_cooperative or other, not %', v_bad
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF team_size IS NULL OR team_size < 2 THEN
    RAISE EXCEPTION 'team_size must be at least 2 (inspections are carried out by two inspectors or more), not %',
      coalesce(team_size::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF lookback_days IS NULL OR lookback_days < 0 OR annual_cap IS NULL OR annual_cap < 1 THEN
    RAISE EXCEPTION 'lookback_days must be 0 or more and annual_cap 1 or more' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_depts := ARRAY(SELECT DISTINCT d FROM unnest(coalesce(departments, ARRAY[lead_department_id]) || lead_department_id) d ORDER BY 1);
  SELECT string_agg(coalesce(d::text, 'NULL'), ', ') INTO v_bad FROM unnest(v_depts) d
  WHERE d IS NULL OR NOT EXISTS (SELECT 1 FROM sv.department x WHERE x.id = d);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'departments: department(s) % do not exist', v_bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- 一单: check items of the published catalogue, carried out by a department of the plan
  IF check_items IS NULL OR cardinality(check_items) = 0 THEN
    RAISE EXCEPTION 'check_items must name at least one check item' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT r.id INTO v_release FROM sv.catalog_release r ORDER BY r.published_at DESC, r.id DESC LIMIT 1;
  SELECT string_agg(quote_literal(c), ', ') INTO v_bad FROM unnest(check_items) c
  WHERE NOT EXISTS (SELECT 1 FROM sv.catalog_release_item i WHERE i.release_id = v_release AND i.kind = 'check_item'
                      AND i.code = c AND (i.item ->> 'department_id')::integer = ANY (v_depts));
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'check_items: % not in the published catalogue for the plan''s departments (监管事项之外无监管)', v_bad
      USING ERRCODE = 'check_violation';
  END IF;
  -- strata: {"A": {"ratio": 0.05}, "D": {"count": 20}, ...}
  IF strata IS NULL OR jsonb_typeof(strata) <> 'object' OR strata = '{}' THEN
    RAISE EXCEPTION 'strata must be a JSON object such as {"U": {"ratio": 0.05}}' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR v_key, v_val IN SELECT e.key, e.value FROM jsonb_each(strata) e LOOP
    IF v_key NOT IN ('A', 'B', 'C', 'D', 'U') THEN
      RAISE EXCEPTION 'strata: % is not a stratum (A, B, C, D or U for unclassified)', quote_literal(v_key)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(v_val) <> 'object' OR (SELECT count(*) FROM jsonb_object_keys(v_val)) <> 1
       OR NOT (v_val ? 'ratio' OR v_val ? 'count') THEN
      RAISE EXCEPTION 'strata.% must be {"ratio": r} or {"count": n}', v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_val ? 'ratio' AND (jsonb_typeof(v_val -> 'ratio') <> 'number' OR (v_val ->> 'ratio')::numeric <= 0
                            OR (v_val ->> 'ratio')::numeric > 1) THEN
      RAISE EXCEPTION 'strata.%.ratio must be a number above 0 and at most 1 (1 = every subject, e.g. key items)', v_key
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_val ? 'count' AND (jsonb_typeof(v_val -> 'count') <> 'number' OR (v_val ->> 'count') !~ '^[0-9]{1,9}$') THEN
      RAISE EXCEPTION 'strata.%.count must be a whole number, 0 or more', v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;

  PERFORM sv._require_department_scope(lead_department_id);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.draw_plan'), pg_catalog.hashtext(btrim(code)));
  SELECT d.id, d.status INTO v_id, v_status FROM sv.draw_plan d WHERE d.code = btrim(draw_plan_save.code) FOR UPDATE;
  IF FOUND THEN
    IF v_status <> 'draft' THEN
      RAISE EXCEPTION 'plan % is %: a sealed plan cannot change', quote_literal(btrim(code)), v_status
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM sv._draw_require_plan(v_id);
    UPDATE sv.draw_plan d SET title = btrim(draw_plan_save.title), lead_department_id = draw_plan_save.lead_department_id,
           check_from = draw_plan_save.check_from, check_to = draw_plan_save.check_to, scope = draw_plan_save.scope,
           team_size = draw_plan_save.team_size, cross_area = draw_plan_save.cross_area,
           lookback_days = draw_plan_save.lookback_days, annual_cap = draw_plan_save.annual_cap
     WHERE d.id = v_id;
    DELETE FROM sv.draw_plan_department x WHERE x.plan_id = v_id;
    DELETE FROM sv.draw_plan_item x WHERE x.plan_id = v_id;
    DELETE FROM sv.draw_plan_stratum x WHERE x.plan_id = v_id;
  ELSE
    INSERT INTO sv.draw_plan (code, title, lead_department_id, check_from, check_to, scope, team_size, cross_area,
                              lookback_days, annual_cap, created_by, created_at)
    VALUES (btrim(code), btrim(title), lead_department_id, check_from, check_to, scope, team_size, cross_area,
            lookback_days, annual_cap, me, now())
    RETURNING id INTO v_id;
  END IF;
  INSERT INTO sv.draw_plan_department SELECT v_id, d FROM unnest(v_depts) d;
  INSERT INTO sv.draw_plan_item SELECT DISTINCT v_id, c FROM unnest(check_items) c;
  INSERT INTO sv.draw_plan_stratum (plan_id, stratum, ratio, count)
  SELECT v_id, e.key, (e.value ->> 'ratio')::numeric, (e.value ->> 'count')::integer FROM jsonb_each(strata) e;
  PERFORM sv.audit_append(lead_department_id, 'draw_plan', btrim(code), CASE WHEN v_status IS NULL THEN 'add' ELSE 'change' END,
    jsonb_build_object('plan_id', v_id, 'title', btrim(title), 'departments', to_jsonb(v_depts), 'check_from', check_from,
                       'check_to', check_to, 'scope', scope, 'check_items', to_jsonb(check_items), 'strata', strata,
                       'team_size', team_size, 'cross_area', cross_area, 'lookback_days', lookback_days,
                       'annual_cap', annual_cap));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.draw_plan_save(text, text, integer, date, date, jsonb, text[], jsonb, integer, integer[], boolean, integer, integer) IS
  'Create or change (while a draft) a double-random draw plan: items, subject scope, strata, team rules';

CREATE FUNCTION sv.draw_seal(plan_id bigint, commitment bytea, entropy_source text) RETURNS bytea
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
SET work_mem = '256MB'    -- the subjects joined to their classes in memory, not in batches on disk
AS $fn$
DECLARE
  me text := sv._outer_user();
  p sv.draw_plan;
  v_regions text[];
  v_blob bytea;
  v_size integer;
  v_sizes integer[];
  v_excluded integer;
BEGIN
  IF commitment IS NULL OR length(commitment) <> 32 THEN
    RAISE EXCEPTION 'commitment must be the 32-byte SHA-256 of the secret nonce'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF entropy_source IS NULL OR length(btrim(entropy_source)) < 8 THEN
    RAISE EXCEPTION 'entropy_source must name the public randomness that will decide the draw (at least 8 characters)'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'For example: the first prize numbers of a named lottery draw on a date after the seal.';
  END IF;
  p := sv._draw_require_plan(plan_id, true);
  IF p.status <> 'draft' THEN
    RAISE EXCEPTION 'plan % is already %', quote_literal(p.code), p.status USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  -- the regions of the scope with everything below them
  v_regions := ARRAY(SELECT r.code FROM sv.region r
                     WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.scope -> 'regions') s
                                   WHERE s = ANY (sv.region_path(r.code))));
  -- The subjects in scope; those at the annual cap of a plan department (国办发〔2024〕54号) are
  -- left out with the reason; the rest is the population: one 21-byte line "<uscc>,<stratum>\n"
  -- per candidate, strata A..D then U, codes in byte order within each stratum
  -- (docs/draw-protocol.md, "Population").  One statement: one snapshot of subjects and actions.
  WITH in_scope AS MATERIALIZED (
    SELECT s.uscc, coalesce(k.class, 'U') AS stratum
    FROM sv.subject s LEFT JOIN sv.credit_class k ON k.uscc = s.uscc
    WHERE s.status = 'operating' AND s.region_code = ANY (v_regions)
      AND (NOT p.scope ? 'kinds' OR s.kind IN (SELECT jsonb_array_elements_text(p.scope -> 'kinds')))
      AND (NOT p.scope ? 'industries'
           OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.scope -> 'industries') i WHERE s.industry LIKE i || '%'))
  ), capped AS MATERIALIZED (
    SELECT a.uscc,
           string_agg(format('%s inspection(s) by department %s', a.n, a.department_id), ', ' ORDER BY a.department_id) AS what
    FROM (SELECT a.uscc, a.department_id, count(*) AS n
          FROM sv.action a JOIN in_scope c ON c.uscc = a.uscc
          WHERE a.kind = 'inspection'
            AND a.department_id IN (SELECT x.department_id FROM sv.draw_plan_department x WHERE x.plan_id = p.id)
            AND a.started_on >= make_date(extract(year FROM p.check_from)::integer, 1, 1)
            AND a.started_on < make_date(extract(year FROM p.check_from)::integer + 1, 1, 1)
          GROUP BY a.uscc, a.department_id
          HAVING count(*) >= p.annual_cap) a
    GROUP BY a.uscc
  ), excluded AS (
    INSERT INTO sv.draw_exclusion (plan_id, uscc, reason)
    SELECT p.id, c.uscc, format('annual inspection cap (%s) reached: %s in %s', p.annual_cap, c.what,
                                extract(year FROM p.check_from))
    FROM capped c
    RETURNING 1
  ), candidates AS (
    SELECT c.uscc, c.stratum FROM in_scope c WHERE NOT EXISTS (SELECT 1 FROM capped x WHERE x.uscc = c.uscc)
  )
  SELECT sv._draw_population(c.uscc, c.stratum),
         count(*)::integer,
         ARRAY[count(*) FILTER (WHERE c.stratum = 'A'), count(*) FILTER (WHERE c.stratum = 'B'),
               count(*) FILTER (WHERE c.stratum = 'C'), count(*) FILTER (WHERE c.stratum = 'D'),
               count(*) FILTER (WHERE c.stratum = 'U')]::integer[],
         (SELECT count(*) FROM excluded)::integer
  INTO v_blob, v_size, v_sizes, v_excluded
  FROM candidates c;

  UPDATE sv.draw_plan d
     SET status = 'sealed', sealed_by = me, sealed_at = now(), population = v_blob, population_size = v_size,
         population_hash = sha256(v_blob), commitment = draw_seal.commitment,
         entropy_source = btrim(draw_seal.entropy_source), stratum_sizes = v_sizes
   WHERE d.id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw_plan', p.code, 'seal',
    jsonb_build_object('plan_id', p.id, 'population_size', v_size, 'population_sha256', encode(sha256(v_blob), 'hex'),
                       'stratum_sizes', to_jsonb(v_sizes), 'excluded', v_excluded,
                       'commitment', encode(commitment, 'hex'), 'entropy_source', btrim(entropy_source)));
  RETURN sha256(v_blob);
END
$fn$;
COMMENT ON FUNCTION sv.draw_seal(bigint, bytea, text) IS
  'Freeze a plan''s candidate population (returns its SHA-256) with the planner''s commitment and the named public entropy source';

-- The inspector pool of a plan at run time: active inspectors of the plan's departments whose
-- certificates are valid for the whole period, in certificate order, each with its department
-- number (1.. in department id order) and region; and the exclusion pairs for the drawn
-- subjects (in draw order): declared conflicts, and inspectors who took part in an action on
-- the subject within the look-back window before the period.
CREATE FUNCTION sv._draw_team_inputs(p sv.draw_plan, subjects text[], OUT pool jsonb, OUT exclusions jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH depts AS (
    SELECT x.department_id, row_number() OVER (ORDER BY x.department_id) AS n
    FROM sv.draw_plan_department x WHERE x.plan_id = p.id
  ), pool AS (
    SELECT i.certificate_no, d.n AS department, i.region_code,
           row_number() OVER (ORDER BY i.certificate_no COLLATE "C") AS k
    FROM sv.inspector i JOIN depts d ON d.department_id = i.department_id
    WHERE i.status = 'active' AND i.valid_from <= p.check_from AND i.valid_until >= p.check_to
  ), subj AS (
    SELECT u.code, u.i FROM unnest(subjects) WITH ORDINALITY AS u(code, i)
  ), pairs AS (
    SELECT s.i, o.k FROM subj s JOIN sv.inspector_conflict c ON c.uscc = s.code::sv.uscc
    JOIN pool o ON o.certificate_no = c.certificate_no
    UNION
    SELECT s.i, o.k FROM subj s JOIN sv.action a ON a.uscc = s.code::sv.uscc
    JOIN pool o ON o.certificate_no = ANY (a.inspectors)
    WHERE a.started_on >= p.check_from - p.lookback_days AND a.started_on < p.check_from
  )
  SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('certificate_no', o.certificate_no, 'department', o.department,
                                                      'region', o.region_code) ORDER BY o.k), '[]') FROM pool o),
         (SELECT coalesce(jsonb_agg(jsonb_build_array(x.i, x.k) ORDER BY x.i, x.k), '[]') FROM pairs x)
$fn$;

-- The team assignment (teams.c) from stored inputs: (subject number, slot, certificate).
CREATE FUNCTION sv._draw_assign(p sv.draw_plan, seed bytea, start_words bigint, subject_regions integer[],
                                pool jsonb, exclusions jsonb,
                                OUT subject integer, OUT slot integer, OUT certificate_no text, OUT stream_words bigint)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT t.subject, t.slot, pool -> (t.inspector - 1) ->> 'certificate_no', t.stream_words
  FROM sv._draw_teams(seed, start_words, p.team_size,
         (SELECT count(*)::integer FROM sv.draw_plan_department x WHERE x.plan_id = p.id),
         ARRAY(SELECT (e ->> 'department')::integer FROM jsonb_array_elements(pool) WITH ORDINALITY q(e, i) ORDER BY i),
         ARRAY(SELECT (e ->> 'region')::integer FROM jsonb_array_elements(pool) WITH ORDINALITY q(e, i) ORDER BY i),
         subject_regions,
         ARRAY(SELECT (e ->> 0)::integer FROM jsonb_array_elements(exclusions) WITH ORDINALITY q(e, i) ORDER BY i),
         ARRAY(SELECT (e ->> 1)::integer FROM jsonb_array_elements(exclusions) WITH ORDINALITY q(e, i) ORDER BY i),
         p.cross_area) t
$fn$;

CREATE FUNCTION sv.draw_run(plan_id bigint, nonce bytea, entropy text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  p sv.draw_plan;
  v_seed bytea;
  v_draw bigint;
  v_words bigint;
  v_counts integer[];
  v_codes text[];
  v_strata text[];
  v_positions integer[];
  v_regions integer[];
  v_pool jsonb;
  v_exclusions jsonb;
  v_unstaffed text;
  v_n bigint;
BEGIN
  IF nonce IS NULL OR length(nonce) NOT BETWEEN 16 AND 1024 THEN
    RAISE EXCEPTION 'nonce must be the secret of 16 to 1024 bytes whose SHA-256 was sealed'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF entropy IS NULL OR btrim(entropy) = '' THEN
    RAISE EXCEPTION 'entropy must be the value the named public source produced' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the plan row lock makes concurrent runs of one plan wait; the second finds it drawn
  p := sv._draw_require_plan(plan_id, true);
  IF p.status = 'draft' THEN
    RAISE EXCEPTION 'plan % is not sealed: seal it with sv.draw_seal() first', quote_literal(p.code)
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF p.status = 'drawn' THEN
    RAISE EXCEPTION 'plan % was already drawn (draw %)', quote_literal(p.code),
      (SELECT d.id FROM sv.draw d WHERE d.plan_id = p.id) USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF sha256(nonce) <> p.commitment THEN
    RAISE EXCEPTION 'nonce does not match the commitment sealed with plan %', quote_literal(p.code)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  v_seed := sv._draw_seed(p.id, p.population_hash, nonce, entropy);
  v_counts := sv._draw_counts(p.id, p.stratum_sizes);
  -- 1. the subjects, in draw order
  SELECT coalesce(array_agg(x.uscc ORDER BY x.stratum, x."position"), '{}'),
         coalesce(array_agg(x.stratum ORDER BY x.stratum, x."position"), '{}'),
         coalesce(array_agg(x."position" ORDER BY x.stratum, x."position"), '{}'),
         coalesce(max(x.stream_words), 0)
  INTO v_codes, v_strata, v_positions, v_words
  FROM sv._draw_select(p, v_seed) x;
  -- 2. their teams, continuing the stream
  v_regions := ARRAY(SELECT s.region_code::integer FROM unnest(v_codes) WITH ORDINALITY u(code, i)
                     JOIN sv.subject s ON s.uscc = u.code::sv.uscc ORDER BY u.i);
  SELECT t.pool, t.exclusions INTO v_pool, v_exclusions FROM sv._draw_team_inputs(p, v_codes) t;
  CREATE TEMP TABLE sv_draw_team ON COMMIT DROP AS
    SELECT * FROM sv._draw_assign(p, v_seed, v_words, v_regions, v_pool, v_exclusions);
  SELECT string_agg(format('%s (region %s)', v_codes[t.subject], v_regions[t.subject]), ', ' ORDER BY t.subject), count(*)
  INTO v_unstaffed, v_n
  FROM pg_temp.sv_draw_team t WHERE t.slot = 0;
  IF v_n > 0 THEN
    RAISE EXCEPTION '% drawn subject(s) of plan % cannot be given a team of % inspectors: %', v_n, quote_literal(p.code),
      p.team_size, v_unstaffed
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('The pool holds %s eligible inspector(s) of the plan''s departments; conflicts, the look-back window and cross-area assignment rule some out per subject.', jsonb_array_length(v_pool)),
            HINT = 'Add inspectors to the pool (certificates valid for the whole period), or change the plan before sealing; nothing was drawn.';
  END IF;
  SELECT coalesce(max(t.stream_words), v_words) INTO v_words FROM pg_temp.sv_draw_team t;

  INSERT INTO sv.draw (plan_id, nonce, entropy, seed, stream_words, team_pool, team_exclusions, subject_regions, drawn_by, drawn_at)
  VALUES (p.id, nonce, entropy, v_seed, v_words, v_pool, v_exclusions, v_regions, me, now())
  RETURNING id INTO v_draw;
  INSERT INTO sv.draw_result (draw_id, uscc, stratum, "position")
  SELECT v_draw, u.code::sv.uscc, v_strata[u.i], v_positions[u.i] FROM unnest(v_codes) WITH ORDINALITY u(code, i);
  INSERT INTO sv.draw_team (draw_id, uscc, slot, certificate_no)
  SELECT v_draw, v_codes[t.subject]::sv.uscc, t.slot, t.certificate_no FROM pg_temp.sv_draw_team t;
  DROP TABLE pg_temp.sv_draw_team;

  UPDATE sv.draw_plan x SET status = 'drawn' WHERE x.id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw', v_draw::text, 'run',
    jsonb_build_object('plan', p.code, 'nonce', encode(nonce, 'hex'), 'entropy', entropy, 'seed', encode(v_seed, 'hex'),
                       'counts', to_jsonb(v_counts), 'stream_words', v_words));
  RETURN v_draw;
END
$fn$;
COMMENT ON FUNCTION sv.draw_run(bigint, bytea, text) IS
  'Run a sealed plan: check the nonce against the commitment, derive the seed with the public entropy, draw; returns the draw id';

-- Recomputes a draw from its stored inputs: each step, whether it matches, and why not.
CREATE FUNCTION sv.draw_verify_detail(draw_id bigint)
RETURNS TABLE (step text, ok boolean, detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  d sv.draw;
  p sv.draw_plan;
  v_sizes integer[];
  v_seed bytea;
  v_diff bigint;
  v_n bigint;
  v_prior jsonb;
  v_at bigint;
  v_rec record;
  v_repl record;
BEGIN
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO p FROM sv.draw_plan x WHERE x.id = d.plan_id;

  step := 'population_hash'; ok := sha256(p.population) = p.population_hash;
  detail := 'SHA-256 of the sealed population ' || CASE WHEN ok THEN 'matches' ELSE 'is ' || encode(sha256(p.population), 'hex') || ', not the sealed ' || encode(p.population_hash, 'hex') END;
  RETURN NEXT;

  SELECT ARRAY[count(*) FILTER (WHERE t = 'A'), count(*) FILTER (WHERE t = 'B'), count(*) FILTER (WHERE t = 'C'),
               count(*) FILTER (WHERE t = 'D'), count(*) FILTER (WHERE t = 'U')]::integer[]
  INTO v_sizes
  FROM (SELECT chr(get_byte(p.population, i * 21 + 19)) AS t FROM generate_series(0, length(p.population) / 21 - 1) i) x;
  step := 'stratum_sizes'; ok := v_sizes = p.stratum_sizes AND length(p.population) = 21 * p.population_size;
  detail := format('candidates per stratum A, B, C, D, U: %s (sealed: %s)', v_sizes, p.stratum_sizes);
  RETURN NEXT;

  step := 'commitment'; ok := sha256(d.nonce) = p.commitment;
  detail := 'SHA-256 of the revealed nonce ' || CASE WHEN ok THEN 'is the sealed commitment' ELSE 'is not the sealed commitment' END;
  RETURN NEXT;

  v_seed := sv._draw_seed(p.id, p.population_hash, d.nonce, d.entropy);
  step := 'seed'; ok := v_seed = d.seed;
  detail := 'seed ' || encode(v_seed, 'hex') || CASE WHEN ok THEN '' ELSE ', stored ' || encode(d.seed, 'hex') END;
  RETURN NEXT;

  WITH again AS (SELECT s.stratum, s."position", s.uscc FROM sv._draw_select(p, d.seed) s),
       stored AS (SELECT r.stratum, r."position", r.uscc::text AS uscc FROM sv.draw_result r WHERE r.draw_id = d.id)
  SELECT count(*) FILTER (WHERE a.uscc IS DISTINCT FROM b.uscc), count(*) INTO v_diff, v_n
  FROM again a FULL JOIN stored b ON a.stratum = b.stratum AND a."position" = b."position";
  step := 'selection'; ok := v_diff = 0;
  detail := format('%s of %s drawn subjects differ from the recomputation', v_diff, v_n);
  RETURN NEXT;

  WITH sel AS (SELECT coalesce(max(s.stream_words), 0) AS words FROM sv._draw_select(p, d.seed) s),
       again AS (SELECT a.subject, a.slot, a.certificate_no, a.stream_words
                 FROM sel, sv._draw_assign(p, d.seed, sel.words, d.subject_regions, d.team_pool, d.team_exclusions) a),
       subj AS (SELECT r.uscc::text AS code, row_number() OVER (ORDER BY r.stratum, r."position") AS i
                FROM sv.draw_result r WHERE r.draw_id = d.id),
       stored AS (SELECT s.i AS subject, t.slot, t.certificate_no FROM sv.draw_team t JOIN subj s ON s.code = t.uscc::text
                  WHERE t.draw_id = d.id)
  SELECT count(*) FILTER (WHERE a.certificate_no IS DISTINCT FROM b.certificate_no), count(*),
         coalesce(max(a.stream_words), (SELECT words FROM sel)) = d.stream_words
  INTO v_diff, v_n, ok
  FROM again a FULL JOIN stored b ON a.subject = b.subject AND a.slot = b.slot;
  step := 'teams'; ok := v_diff = 0 AND ok;
  detail := format('%s of %s team places differ from the recomputation; %s stream words', v_diff, v_n, d.stream_words);
  RETURN NEXT;

  -- recusals replayed in order, each from where the one before left the stream
  v_prior := '[]';
  v_at := d.stream_words;
  v_diff := 0;
  v_n := 0;
  FOR v_rec IN SELECT * FROM sv.draw_recusal x WHERE x.draw_id = d.id ORDER BY x.seq LOOP
    v_n := v_n + 1;
    SELECT * INTO v_repl FROM sv._draw_replacement(d, p, v_rec.uscc::text, v_rec.slot, v_rec.certificate_no, v_prior, v_at);
    IF v_repl.replacement IS DISTINCT FROM v_rec.replacement OR v_rec.stream_from <> v_at
       OR v_rec.stream_to <> v_at + v_repl.words THEN
      v_diff := v_diff + 1;
    END IF;
    v_prior := v_prior || jsonb_build_array(jsonb_build_object('uscc', v_rec.uscc::text, 'slot', v_rec.slot,
                                                               'certificate_no', v_rec.certificate_no, 'replacement', v_rec.replacement));
    v_at := v_rec.stream_to;
  END LOOP;
  step := 'recusals'; ok := v_diff = 0;
  detail := format('%s of %s recusals differ from the recomputation', v_diff, v_n);
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION sv.draw_verify_detail(bigint) IS 'Recompute a draw step by step from its stored inputs';

CREATE FUNCTION sv.draw_verify(draw_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT bool_and(v.ok) FROM sv.draw_verify_detail(draw_id) v $fn$;
COMMENT ON FUNCTION sv.draw_verify(bigint) IS 'true when a draw recomputes exactly from its stored inputs';

-- Everything an independent verifier needs (contrib-examples/verify_draw.py), for auditors:
-- it contains the credit strata, which are internal.
CREATE FUNCTION sv.draw_export(draw_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  d sv.draw;
  p sv.draw_plan;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_auditor', 'USAGE')) THEN
    RAISE EXCEPTION 'only administrators and auditors export draws (the export holds internal credit classes)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO p FROM sv.draw_plan x WHERE x.id = d.plan_id;
  RETURN jsonb_build_object(
    'protocol', 'sv-draw-v1',
    'draw_id', d.id,
    'plan_id', p.id,
    'plan_code', p.code,
    'population_base64', translate(encode(p.population, 'base64'), E'\n', ''),
    'population_sha256', encode(p.population_hash, 'hex'),
    'stratum_sizes', to_jsonb(p.stratum_sizes),
    'rules', (SELECT coalesce(jsonb_object_agg(r.stratum, CASE WHEN r.ratio IS NOT NULL THEN jsonb_build_object('ratio', r.ratio::text)
                                                             ELSE jsonb_build_object('count', r.count) END), '{}')
              FROM sv.draw_plan_stratum r WHERE r.plan_id = p.id),
    'commitment', encode(p.commitment, 'hex'),
    'entropy_source', p.entropy_source,
    'nonce', encode(d.nonce, 'hex'),
    'entropy', d.entropy,
    'seed', encode(d.seed, 'hex'),
    'stream_words', d.stream_words,
    'selected', (SELECT coalesce(jsonb_agg(jsonb_build_object('stratum', r.stratum, 'position', r."position", 'uscc', r.uscc::text)
                                           ORDER BY r.stratum, r."position"), '[]')
                 FROM sv.draw_result r WHERE r.draw_id = d.id),
    'team_size', p.team_size,
    'departments', (SELECT count(*) FROM sv.draw_plan_department x WHERE x.plan_id = p.id),
    'cross_area', p.cross_area,
    'team_pool', d.team_pool,
    'team_exclusions', d.team_exclusions,
    'subject_regions', to_jsonb(d.subject_regions),
    'teams', (SELECT coalesce(jsonb_agg(jsonb_build_object('uscc', t.uscc::text, 'slot', t.slot, 'certificate_no', t.certificate_no)
                                        ORDER BY r.stratum, r."position", t.slot), '[]')
              FROM sv.draw_team t JOIN sv.draw_result r ON r.draw_id = t.draw_id AND r.uscc = t.uscc WHERE t.draw_id = d.id),
    'recusals', (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', x.seq, 'uscc', x.uscc::text, 'slot', x.slot,
                                                              'certificate_no', x.certificate_no, 'replacement', x.replacement,
                                                              'stream_from', x.stream_from, 'stream_to', x.stream_to)
                                           ORDER BY x.seq), '[]')
                 FROM sv.draw_recusal x WHERE x.draw_id = d.id));
END
$fn$;
COMMENT ON FUNCTION sv.draw_export(bigint) IS 'A draw and all its inputs as JSON, for independent verification (administrators, auditors)';

-- 一公开: what the public sees.  No credit classes and no population (it holds the classes).
CREATE VIEW sv_public.draw AS
  SELECT p.code AS plan_code, p.title,
         (SELECT array_agg(dp.name_zh ORDER BY dp.id) FROM sv.draw_plan_department x JOIN sv.department dp ON dp.id = x.department_id
          WHERE x.plan_id = p.id) AS departments,
         p.check_from, p.check_to, p.status, p.sealed_at, p.population_size,
         encode(p.population_hash, 'hex') AS population_sha256, encode(p.commitment, 'hex') AS commitment,
         p.entropy_source, d.drawn_at, encode(d.nonce, 'hex') AS nonce, d.entropy, encode(d.seed, 'hex') AS seed,
         (SELECT count(*) FROM sv.draw_result r WHERE r.draw_id = d.id) AS subjects_drawn,
         (SELECT o.code FROM sv.draw_plan o WHERE o.id = p.redraw_of) AS redraw_of, p.redraw_reason,
         (SELECT n.code FROM sv.draw_plan n WHERE n.redraw_of = p.id) AS redrawn_as
  FROM sv.draw_plan p LEFT JOIN sv.draw d ON d.plan_id = p.id
  WHERE p.status <> 'draft';
COMMENT ON VIEW sv_public.draw IS '双随机、一公开: sealed and drawn plans with everything needed to check the seed';

CREATE VIEW sv_public.draw_result AS
  SELECT p.code AS plan_code, r.uscc::text AS uscc, s.name AS subject_name, g.name_zh AS region_name
  FROM sv.draw_result r JOIN sv.draw d ON d.id = r.draw_id JOIN sv.draw_plan p ON p.id = d.plan_id
  JOIN sv.subject s ON s.uscc = r.uscc JOIN sv.region g ON g.code = s.region_code;
COMMENT ON VIEW sv_public.draw_result IS 'The subjects each draw selected (without their credit class)';

GRANT SELECT ON sv_public.draw, sv_public.draw_result TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.draw_plan_save(text, text, integer, date, date, jsonb, text[], jsonb, integer, integer[], boolean, integer, integer),
                          sv.draw_seal(bigint, bytea, text), sv.draw_run(bigint, bytea, text) TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.draw_verify(bigint), sv.draw_verify_detail(bigint)
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.draw_export(bigint) TO sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv.chacha20_block(bytea, integer, bytea) TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;

-- An inspector (or a subject) declares a conflict of interest; the inspector is then never in a
-- team for that subject.  Officers of the inspector's department, administrators, integration.
CREATE FUNCTION sv.inspector_conflict_declare(certificate_no text, uscc text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  i sv.inspector;
BEGIN
  IF uscc IS NULL OR sv.uscc_check(uscc) IS NOT NULL THEN
    RAISE EXCEPTION 'uscc: invalid unified social credit code %', coalesce(quote_literal(uscc), 'NULL')
      USING ERRCODE = 'invalid_text_representation', DETAIL = coalesce(sv.uscc_check(uscc), 'NULL');
  END IF;
  PERFORM sv._require_reason(reason, 'the conflict exists');
  SELECT * INTO i FROM sv.inspector x WHERE x.certificate_no = upper(btrim(inspector_conflict_declare.certificate_no));
  IF NOT FOUND THEN
    RAISE EXCEPTION 'certificate_no: no inspector holds certificate %', coalesce(quote_literal(certificate_no), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.subject s WHERE s.uscc = inspector_conflict_declare.uscc::sv.uscc) THEN
    RAISE EXCEPTION 'uscc: subject % is not in the data centre', uscc::sv.uscc USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT pg_has_role(me, 'sv_integration', 'USAGE') THEN
    PERFORM sv._require_department_scope(i.department_id);
  END IF;
  INSERT INTO sv.inspector_conflict (uscc, certificate_no, reason, declared_by, declared_at)
  VALUES (uscc::sv.uscc, i.certificate_no, btrim(reason), me, now())
  ON CONFLICT ON CONSTRAINT inspector_conflict_pkey DO NOTHING;
  IF FOUND THEN
    PERFORM sv.audit_append(i.department_id, 'inspector_conflict', uscc::sv.uscc::text || '/' || i.certificate_no, 'declare',
                            jsonb_build_object('reason', btrim(reason)));
  END IF;
END
$fn$;
COMMENT ON FUNCTION sv.inspector_conflict_declare(text, text, text) IS
  'Declare a conflict of interest (回避) between an inspector and a subject: never in one draw team';
GRANT EXECUTE ON FUNCTION sv.inspector_conflict_declare(text, text, text) TO sv_admin, sv_officer, sv_integration;

-- Drawn subjects are inspection tasks (检查任务): done when a plan department records an
-- inspection of the subject against one of the plan's check items within the period; the
-- result is then due for publication 20 working days after the check ends (sv.action).
CREATE VIEW sv_work.draw_task WITH (security_invoker = true) AS
  SELECT p.code AS plan_code, p.title, d.id AS draw_id, r.uscc, s.name AS subject_name, s.region_code,
         (SELECT array_agg(coalesce((SELECT x.replacement FROM sv.draw_recusal x
                                     WHERE x.draw_id = d.id AND x.uscc = t.uscc AND x.slot = t.slot ORDER BY x.seq DESC LIMIT 1),
                                    t.certificate_no) ORDER BY t.slot)
          FROM sv.draw_team t WHERE t.draw_id = d.id AND t.uscc = r.uscc) AS team,
         p.check_from, p.check_to, a.id AS action_id, a.ended_on, a.result, a.publication_due, a.published_at,
         CASE WHEN a.id IS NOT NULL AND a.published_at IS NOT NULL THEN 'published'
              WHEN a.id IS NOT NULL AND a.publication_due < sv.local_date(now()) THEN 'publication_overdue'
              WHEN a.id IS NOT NULL THEN 'inspected'
              WHEN p.check_to < sv.local_date(now()) THEN 'overdue'
              ELSE 'open' END AS status
  FROM sv.draw d
  JOIN sv.draw_plan p ON p.id = d.plan_id
  JOIN sv.draw_result r ON r.draw_id = d.id
  JOIN sv.subject s ON s.uscc = r.uscc
  LEFT JOIN LATERAL (
    SELECT x.id, x.ended_on, x.result, x.publication_due, x.published_at FROM sv.action x
    WHERE x.uscc = r.uscc AND x.kind = 'inspection' AND x.started_on BETWEEN p.check_from AND p.check_to
      AND x.department_id IN (SELECT pd.department_id FROM sv.draw_plan_department pd WHERE pd.plan_id = p.id)
      AND x.check_item_code IN (SELECT pi.check_item_code FROM sv.draw_plan_item pi WHERE pi.plan_id = p.id)
    ORDER BY x.started_on, x.id LIMIT 1) a ON true;
COMMENT ON VIEW sv_work.draw_task IS
  'Inspection tasks from draws: each drawn subject with its team, the action that carried it out and the publication state';
GRANT SELECT ON sv_work.draw_task TO sv_officer, sv_admin, sv_auditor;

-- Recusal (回避) after the draw: an inspector leaves a subject's team, at the inspector's or the
-- subject's request, and the replacement follows from the draw's stream (docs/draw-protocol.md
-- section 7).  Recusals are numbered per draw and replayed in order by verification.
CREATE FUNCTION sv._draw_stream_below(seed bytea, at_word bigint, n integer, OUT value integer, OUT words bigint)
AS 'MODULE_PATHNAME', 'sv_draw_stream_below' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;


-- The replacement for one recusal, given the recusals before it (replay for verification too):
-- candidates are the subject's eligible inspectors of the pool not in its current team and
-- never recused from it; of the recused inspector's department when the slot is a department
-- slot; the least loaded, ties broken by the stream at `at_word`.
CREATE FUNCTION sv._draw_replacement(d sv.draw, p sv.draw_plan, uscc text, slot integer, recused text,
                                     prior_recusals jsonb, at_word bigint, OUT replacement text, OUT words bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_subject integer;
  v_departments integer;
  v_dept integer;
  v_tied text[];
  v_pick record;
BEGIN
  SELECT u.i INTO v_subject
  FROM (SELECT r.uscc::text AS code, row_number() OVER (ORDER BY r.stratum, r."position") AS i
        FROM sv.draw_result r WHERE r.draw_id = d.id) u WHERE u.code = uscc;
  SELECT count(*)::integer INTO v_departments FROM sv.draw_plan_department x WHERE x.plan_id = p.id;
  SELECT (e ->> 'department')::integer INTO v_dept FROM jsonb_array_elements(d.team_pool) e WHERE e ->> 'certificate_no' = recused;
  WITH pool AS (
    SELECT e ->> 'certificate_no' AS cert, (e ->> 'department')::integer AS dept, (e ->> 'region')::integer AS region, i
    FROM jsonb_array_elements(d.team_pool) WITH ORDINALITY q(e, i)
  ), team AS (          -- the teams as they stand after the earlier recusals
    SELECT t.uscc::text AS code, t.slot,
           coalesce((SELECT x ->> 'replacement' FROM jsonb_array_elements(prior_recusals) WITH ORDINALITY z(x, k)
                     WHERE x ->> 'uscc' = t.uscc::text AND (x ->> 'slot')::integer = t.slot ORDER BY k DESC LIMIT 1),
                    t.certificate_no) AS cert
    FROM sv.draw_team t WHERE t.draw_id = d.id
  ), load AS (
    SELECT t.cert, count(*) AS n FROM team t GROUP BY t.cert
  ), candidates AS (
    SELECT o.cert, coalesce(l.n, 0) AS n FROM pool o LEFT JOIN load l ON l.cert = o.cert
    WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(d.team_exclusions) x
                      WHERE (x ->> 0)::integer = v_subject AND (x ->> 1)::integer = o.i)
      AND NOT (p.cross_area AND o.region = d.subject_regions[v_subject])
      AND NOT EXISTS (SELECT 1 FROM team t WHERE t.code = uscc AND t.cert = o.cert)
      AND o.cert <> recused
      AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(prior_recusals) x
                      WHERE x ->> 'uscc' = uscc AND x ->> 'certificate_no' = o.cert)
      AND (slot > v_departments OR o.dept = v_dept)
  )
  SELECT array_agg(c.cert ORDER BY c.cert COLLATE "C") INTO v_tied
  FROM candidates c WHERE c.n = (SELECT min(n) FROM candidates);
  IF v_tied IS NULL THEN
    replacement := NULL; words := 0;
    RETURN;
  END IF;
  IF cardinality(v_tied) = 1 THEN
    replacement := v_tied[1]; words := 0;
  ELSE
    SELECT * INTO v_pick FROM sv._draw_stream_below(d.seed, at_word, cardinality(v_tied));
    replacement := v_tied[v_pick.value + 1]; words := v_pick.words;
  END IF;
END
$fn$;

CREATE FUNCTION sv.draw_recuse(draw_id bigint, uscc text, certificate_no text, requested_by text, reason text)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  d sv.draw;
  p sv.draw_plan;
  v_code text;
  v_cert text := upper(btrim(certificate_no));
  v_slot integer;
  v_prior jsonb;
  v_at bigint;
  v_seq integer;
  r record;
BEGIN
  PERFORM sv._require_one_of('requested_by', requested_by, ARRAY['inspector', 'subject']);
  PERFORM sv._require_reason(reason, 'the inspector withdraws (回避)');
  IF uscc IS NULL OR sv.uscc_check(uscc) IS NOT NULL THEN
    RAISE EXCEPTION 'uscc: invalid unified social credit code %', coalesce(quote_literal(uscc), 'NULL')
      USING ERRCODE = 'invalid_text_representation';
  END IF;
  v_code := uscc::sv.uscc::text;
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  p := sv._draw_require_plan(d.plan_id, true);   -- one recusal of a draw at a time
  SELECT coalesce(jsonb_agg(jsonb_build_object('uscc', x.uscc::text, 'slot', x.slot, 'certificate_no', x.certificate_no,
                                               'replacement', x.replacement) ORDER BY x.seq), '[]'),
         coalesce(max(x.stream_to), d.stream_words), coalesce(max(x.seq), 0) + 1
  INTO v_prior, v_at, v_seq
  FROM sv.draw_recusal x WHERE x.draw_id = d.id;
  -- the slot the inspector holds now
  SELECT t.slot INTO v_slot FROM sv.draw_team t
  WHERE t.draw_id = d.id AND t.uscc::text = v_code
    AND coalesce((SELECT x ->> 'replacement' FROM jsonb_array_elements(v_prior) WITH ORDINALITY z(x, k)
                  WHERE x ->> 'uscc' = v_code AND (x ->> 'slot')::integer = t.slot ORDER BY k DESC LIMIT 1),
                 t.certificate_no) = v_cert;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'inspector % is not in the team of subject % in draw %', quote_literal(v_cert), v_code, d.id
      USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO r FROM sv._draw_replacement(d, p, v_code, v_slot, v_cert, v_prior, v_at);
  IF r.replacement IS NULL THEN
    RAISE EXCEPTION 'no eligible inspector can replace % for subject % in draw %', quote_literal(v_cert), v_code, d.id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Every eligible inspector of the pool is in the team, excluded or recused already.';
  END IF;
  INSERT INTO sv.draw_recusal (draw_id, seq, uscc, slot, certificate_no, replacement, requested_by, reason,
                               stream_from, stream_to, recorded_by, recorded_at)
  VALUES (d.id, v_seq, v_code::sv.uscc, v_slot, v_cert, r.replacement, requested_by, btrim(reason),
          v_at, v_at + r.words, me, now());
  PERFORM sv.audit_append(p.lead_department_id, 'draw', d.id::text, 'recuse',
    jsonb_build_object('seq', v_seq, 'uscc', v_code, 'slot', v_slot, 'certificate_no', v_cert,
                       'replacement', r.replacement, 'requested_by', requested_by, 'reason', btrim(reason)));
  RETURN r.replacement;
END
$fn$;
COMMENT ON FUNCTION sv.draw_recuse(bigint, text, text, text, text) IS
  'Recusal (回避) after a draw: replace an inspector in a subject''s team from the draw''s stream; returns the replacement';
GRANT EXECUTE ON FUNCTION sv.draw_recuse(bigint, text, text, text, text) TO sv_admin, sv_officer;

-- A redraw is a new plan, approved by an administrator with a reason; the earlier plan and its
-- draw stay as they are, visible, and the new plan names them.

CREATE FUNCTION sv.draw_redraw(plan_id bigint, new_code text, reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  p sv.draw_plan;
  v_id bigint;
BEGIN
  PERFORM sv._require_code('new_code', new_code);
  PERFORM sv._require_reason(reason, 'the draw is made again');
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'a redraw must be approved by a platform administrator' USING ERRCODE = 'insufficient_privilege';
  END IF;
  p := sv._draw_require_plan(plan_id, true);
  IF p.status <> 'drawn' THEN
    RAISE EXCEPTION 'plan % is %: only a drawn plan is redrawn', quote_literal(p.code), p.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF EXISTS (SELECT 1 FROM sv.draw_plan x WHERE x.redraw_of = p.id) THEN
    RAISE EXCEPTION 'plan % was already redrawn as %', quote_literal(p.code),
      (SELECT quote_literal(x.code) FROM sv.draw_plan x WHERE x.redraw_of = p.id) USING ERRCODE = 'unique_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM sv.draw_plan x WHERE x.code = btrim(new_code)) THEN
    RAISE EXCEPTION 'plan % already exists', quote_literal(btrim(new_code)) USING ERRCODE = 'unique_violation';
  END IF;
  INSERT INTO sv.draw_plan (code, title, lead_department_id, check_from, check_to, scope, team_size, cross_area,
                            lookback_days, annual_cap, created_by, created_at, redraw_of, redraw_reason, redraw_approved_by)
  SELECT btrim(new_code), p.title, p.lead_department_id, p.check_from, p.check_to, p.scope, p.team_size, p.cross_area,
         p.lookback_days, p.annual_cap, me, now(), p.id, btrim(reason), me
  RETURNING id INTO v_id;
  INSERT INTO sv.draw_plan_department SELECT v_id, x.department_id FROM sv.draw_plan_department x WHERE x.plan_id = p.id;
  INSERT INTO sv.draw_plan_item SELECT v_id, x.check_item_code FROM sv.draw_plan_item x WHERE x.plan_id = p.id;
  INSERT INTO sv.draw_plan_stratum SELECT v_id, x.stratum, x.ratio, x.count FROM sv.draw_plan_stratum x WHERE x.plan_id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw_plan', btrim(new_code), 'redraw',
    jsonb_build_object('plan_id', v_id, 'redraw_of', p.code, 'reason', btrim(reason), 'approved_by', me));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.draw_redraw(bigint, text, text) IS
  'Administrators: approve a redraw of a drawn plan as a new draft plan (to seal and run anew); the earlier draw stays visible';
GRANT EXECUTE ON FUNCTION sv.draw_redraw(bigint, text, text) TO sv_admin;
