-- ---------------------------------------------------------------------------------------------
-- 62_draw_plan: making and sealing double-random plans (一单两库), and declaring conflicts.
--
-- Functions:  sv.draw_plan_save, sv.draw_seal, sv.inspector_conflict_declare,
--             sv._draw_plan_record_proposal (the joint-inspection proposal a plan came from); helpers shared
--             with the run and the verification (_draw_counts, _draw_seed, _draw_select;
--             _draw_require_plan is in 60_draw.sql, as governance uses it too)
-- ---------------------------------------------------------------------------------------------

-- The strata in the protocol's order, and a draw's counts from the rules (docs/draw-protocol.md):
-- ratio r of a stratum of n candidates draws ceil(r * n), in exact decimal arithmetic; a count c
-- draws min(c, n); a stratum without a rule draws none.
CREATE OR REPLACE FUNCTION sv._draw_counts(plan_id bigint, sizes integer[]) RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
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
CREATE OR REPLACE FUNCTION sv._draw_seed(plan_id bigint, population_hash bytea, nonce bytea, entropy text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sha256('SV-DRAW-SEED-v1'::bytea || '\x00'::bytea || int8send(plan_id) || population_hash
                || int4send(length(nonce)) || nonce
                || int4send(octet_length(convert_to(entropy, 'UTF8'))) || convert_to(entropy, 'UTF8'))
$fn$;

-- The entropy source named at the seal, in its one canonical form (docs/draw-protocol.md,
-- "Entropy source"):  kind;name;issue;YYYY-MM-DD;form  with kind lottery (form digits=N: the
-- value is exactly N decimal digits) or hash (form hex=N: exactly N lower-case hex digits).
-- Returns the source's date and the pattern and description of the one accepted value; a
-- source not in that form is refused naming the field.
CREATE OR REPLACE FUNCTION sv._draw_entropy_source(entropy_source text, OUT on_date date, OUT value_pattern text, OUT value_form text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  m text[];
  n integer;
BEGIN
  m := regexp_match(entropy_source,
         '^(lottery|hash);([^;[:cntrl:]]{2,64});([0-9A-Za-z-]{1,32});([0-9]{4}-[0-9]{2}-[0-9]{2});(digits|hex)=([1-9][0-9]{0,2})$');
  n := m[6]::integer;
  IF m IS NULL OR m[2] <> btrim(m[2]) OR (m[1] = 'lottery') <> (m[5] = 'digits')
     OR (m[5] = 'digits' AND n > 64) OR (m[5] = 'hex' AND (n < 16 OR n > 128)) THEN
    RAISE EXCEPTION 'entropy_source must be "lottery;<name>;<issue>;<YYYY-MM-DD>;digits=<1-64>" or "hash;<name>;<issue>;<YYYY-MM-DD>;hex=<16-128>", not %',
      coalesce(quote_literal(left(entropy_source, 200)), 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The name is 2 to 64 characters without ";" (no spaces at either end), the issue 1 to 32 letters, digits or "-", the date the day the value is produced.',
            HINT = 'For example lottery;中国福利彩票3D;2026331;2026-12-01;digits=3 (docs/draw-protocol.md, "Entropy source").';
  END IF;
  BEGIN
    on_date := m[4]::date;
  EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RAISE EXCEPTION 'entropy_source: the date % is not a calendar date', m[4] USING ERRCODE = 'datetime_field_overflow';
  END;
  IF m[5] = 'digits' THEN
    value_pattern := format('^[0-9]{%s}$', n);
    value_form := format('exactly %s decimal digit(s) 0-9, the result''s numbers in published order with their leading zeros, no spaces or other characters', n);
  ELSE
    value_pattern := format('^[0-9a-f]{%s}$', n);
    value_form := format('exactly %s lower-case hexadecimal digit(s) 0-9a-f, no spaces, prefix or other characters', n);
  END IF;
END
$fn$;

-- The run accepts exactly one entropy value: the canonical form the sealed source names.
CREATE OR REPLACE FUNCTION sv._draw_require_entropy(entropy_source text, entropy text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  f record;
BEGIN
  f := sv._draw_entropy_source(entropy_source);
  IF entropy IS NULL OR entropy !~ f.value_pattern THEN
    RAISE EXCEPTION 'entropy must be the value of the sealed source % in its canonical form: %, not %',
      quote_literal(entropy_source), f.value_form, coalesce(quote_literal(left(entropy, 200)), 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Exactly one spelling of a result is accepted (docs/draw-protocol.md, "Entropy source").';
  END IF;
END
$fn$;

-- The bytes T of the sealed inputs (docs/draw-protocol.md, "Seal"): the rules per stratum, the
-- team rules, the pool and the exclusion pairs, one line each; and the seal's hash over T, the
-- population, the regions, the commitment and the entropy source.
CREATE OR REPLACE FUNCTION sv._draw_inputs_text(p sv.draw_plan, ti sv.draw_team_input) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT 'rules' || E'\n'
    || coalesce((SELECT string_agg(r.stratum || ',' || CASE WHEN r.ratio IS NOT NULL THEN 'ratio,' || r.ratio::text
                                                          ELSE 'count,' || r.count::text END || E'\n', '' ORDER BY r.stratum)
                 FROM sv.draw_plan_stratum r WHERE r.plan_id = p.id), '')
    || format(E'team,%s,%s,%s\n', p.team_size, (SELECT count(*) FROM sv.draw_plan_department x WHERE x.plan_id = p.id),
              CASE WHEN p.cross_area THEN 1 ELSE 0 END)
    || 'pool' || E'\n'
    || coalesce((SELECT string_agg(q.cert || ',' || q.dept || ',' || q.region || E'\n', '' ORDER BY q.k)
                 FROM unnest(ti.pool_certificates, ti.pool_departments, ti.pool_regions) WITH ORDINALITY q(cert, dept, region, k)), '')
    || 'exclude' || E'\n'
    || coalesce((SELECT string_agg(x.code || ',' || x.k || E'\n', '' ORDER BY x.n)
                 FROM unnest(ti.excluded_uscc, ti.excluded_inspectors) WITH ORDINALITY x(code, k, n)), '')
$fn$;

CREATE OR REPLACE FUNCTION sv._draw_seal_hash(plan_id bigint, population_hash bytea, regions_hash bytea, commitment bytea,
                                   entropy_source text, inputs text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sha256('SV-DRAW-SEAL-v2'::bytea || '\x00'::bytea || int8send(plan_id) || population_hash || regions_hash
                || commitment || int4send(octet_length(convert_to(entropy_source, 'UTF8'))) || convert_to(entropy_source, 'UTF8')
                || sha256(convert_to(inputs, 'UTF8')))
$fn$;

-- The exclusion pairs of the drawn subjects: the sealed pairs (code, inspector) of the subjects
-- drawn, as (subject number in draw order, inspector number), ordered by both.
CREATE OR REPLACE FUNCTION sv._draw_team_pairs(ti sv.draw_team_input, subjects text[],
                                    OUT excluded_subjects integer[], OUT excluded_inspectors integer[])
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT coalesce(array_agg(u.i::integer ORDER BY u.i, x.k), '{}'), coalesce(array_agg(x.k ORDER BY u.i, x.k), '{}')
  FROM unnest(ti.excluded_uscc, ti.excluded_inspectors) x(code, k)
  JOIN unnest(subjects) WITH ORDINALITY u(code, i) ON u.code = x.code
$fn$;

-- The selection from a plan's population and a seed: (stratum, position, uscc, region at the seal).
CREATE OR REPLACE FUNCTION sv._draw_select(p sv.draw_plan, seed bytea,
                                OUT stratum text, OUT "position" integer, OUT uscc text, OUT region integer,
                                OUT stream_words bigint)
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT x.stratum, x."position", x.uscc, x.region, x.stream_words
  FROM sv.draw_population q,
       sv._draw_pick(seed, q.population, q.regions, p.stratum_sizes, sv._draw_counts(p.id, p.stratum_sizes)) x
  WHERE q.plan_id = p.id
$fn$;

CREATE OR REPLACE FUNCTION sv.draw_plan_save(code text, title text, lead_department_id integer, check_from date,
                                  check_to date, scope jsonb, check_items text[], strata jsonb,
                                  team_size integer DEFAULT 2, departments integer[] DEFAULT NULL,
                                  cross_area boolean DEFAULT false, lookback_days integer DEFAULT 365,
                                  annual_cap integer DEFAULT 1)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_id bigint;
  v_status text;
  v_depts integer[];
  v_key text;
  v_val jsonb;
  v_bad text;
  v_release bigint;
  v_terms bytea;
  v_dropped integer[];
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'title', 'lead_department_id', 'check_from',
                                  'check_to', 'scope', 'check_items', 'strata', 'team_size',
                                  'cross_area', 'lookback_days', 'annual_cap'],
                            ARRAY[draw_plan_save.code IS NULL, draw_plan_save.title IS NULL,
                                  draw_plan_save.lead_department_id IS NULL,
                                  draw_plan_save.check_from IS NULL,
                                  draw_plan_save.check_to IS NULL, draw_plan_save.scope IS NULL,
                                  draw_plan_save.check_items IS NULL,
                                  draw_plan_save.strata IS NULL,
                                  draw_plan_save.team_size IS NULL,
                                  draw_plan_save.cross_area IS NULL,
                                  draw_plan_save.lookback_days IS NULL,
                                  draw_plan_save.annual_cap IS NULL]);
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('title', title);
  PERFORM sv._require_label('title', title, 200);   -- shown on the public portal (sv_public.draw)
  PERFORM sv._require_department('lead_department_id', lead_department_id);
  PERFORM sv._require_date('check_from', check_from);
  PERFORM sv._require_date('check_to', check_to);
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
  -- every team holds one inspector of each department (teams.c): more departments than places
  -- would seal a plan that can never run
  IF cardinality(v_depts) > team_size THEN
    RAISE EXCEPTION 'departments: % departments take part but team_size is %', cardinality(v_depts), team_size
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Each team holds one inspector of every department of the plan: team_size must be at least the number of departments.';
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
  PERFORM sv._require_regions_in_scope('scope.regions', ARRAY(SELECT jsonb_array_elements_text(scope -> 'regions')));
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.draw_plan'), pg_catalog.hashtext(btrim(code)));
  SELECT d.id, d.status INTO v_id, v_status FROM sv.draw_plan d WHERE d.code = btrim(draw_plan_save.code) FOR UPDATE;
  IF FOUND THEN
    IF v_status <> 'draft' THEN
      RAISE EXCEPTION 'plan % is %: a sealed plan cannot change', quote_literal(btrim(code)), v_status
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM sv._draw_require_plan(v_id);
    -- and the draft being replaced lies within the caller's scope too
    PERFORM sv._require_regions_in_scope('scope.regions',
      ARRAY(SELECT jsonb_array_elements_text(d.scope -> 'regions') FROM sv.draw_plan d WHERE d.id = v_id));
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
            lookback_days, annual_cap, me.login, now())
    RETURNING id INTO v_id;
  END IF;
  INSERT INTO sv.draw_plan_department SELECT v_id, d FROM unnest(v_depts) d;
  INSERT INTO sv.draw_plan_item SELECT DISTINCT v_id, c FROM unnest(check_items) c;
  INSERT INTO sv.draw_plan_stratum (plan_id, stratum, ratio, count)
  SELECT v_id, e.key, (e.value ->> 'ratio')::numeric, (e.value ->> 'count')::integer FROM jsonb_each(strata) e;
  -- partners agreed to the terms as they were: a department no longer listed, or terms changed
  -- since it joined, and its confirmation is gone (it joins again to the new terms)
  v_terms := sv._draw_plan_terms_sha256(v_id);
  WITH gone AS (
    DELETE FROM sv.draw_plan_join j WHERE j.plan_id = v_id AND (j.terms_sha256 <> v_terms OR NOT (j.department_id = ANY (v_depts)))
    RETURNING j.department_id)
  SELECT array_agg(g.department_id ORDER BY g.department_id) INTO v_dropped FROM gone g;
  PERFORM sv.audit_append(lead_department_id, 'draw_plan', btrim(code), CASE WHEN v_status IS NULL THEN 'add' ELSE 'change' END,
    jsonb_build_object('plan_id', v_id, 'title', btrim(title), 'departments', to_jsonb(v_depts), 'check_from', check_from,
                       'check_to', check_to, 'scope', scope, 'check_items', to_jsonb(check_items), 'strata', strata,
                       'team_size', team_size, 'cross_area', cross_area, 'lookback_days', lookback_days,
                       'annual_cap', annual_cap, 'terms_sha256', encode(v_terms, 'hex'))
    || CASE WHEN v_dropped IS NOT NULL THEN jsonb_build_object('joins_dropped', to_jsonb(v_dropped)) ELSE '{}' END);
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.draw_plan_save(text, text, integer, date, date, jsonb, text[], jsonb, integer, integer[], boolean, integer, integer) IS
  'Create or change (while a draft) a double-random draw plan: items, subject scope, strata, team rules';

-- The candidates of a plan: the subjects in scope, less those at the annual inspection cap of a
-- plan department (国办发〔2024〕54号), which come back with the reason; the rest as the
-- population (one 21-byte line "<uscc>,<stratum>\n" per candidate, strata A..D then U, codes in
-- byte order within each stratum: docs/draw-protocol.md, "Population") with each candidate's
-- region, under a handle for sv._draw_population_store; its SHA-256 and the stratum sizes.
-- STABLE, so both statements read the snapshot of the seal's statement that calls it: one
-- snapshot of subjects, classes and actions.  The population statement is read-only, so it may
-- run in parallel (the aggregate sorts in the workers and merges).  In the same snapshot, the
-- team inputs the seal freezes (docs/draw-protocol.md, "Teams"): the inspector pool and the
-- exclusion pairs of the candidates.
CREATE OR REPLACE FUNCTION sv._draw_candidates(p sv.draw_plan)
RETURNS TABLE (capped sv.uscc[], capped_reasons text[], handle bigint, population_hash bytea, sizes integer[],
               pool_certificates text[], pool_departments integer[], pool_regions integer[],
               excluded_uscc text[], excluded_inspectors integer[], raised sv.uscc[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
SET parallel_leader_participation = off   -- the leader merges what the workers sorted
AS $fn$
DECLARE
  v_regions text[];
  v_kinds text[];
  v_patterns text[];
  v_capped sv.uscc[];
  v_reasons text[];
  v_pool record;
  v_pairs record;
  v_raised sv.uscc[];
BEGIN
  -- the regions of the scope with everything below them
  v_regions := ARRAY(SELECT r.code FROM sv.region r
                     WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.scope -> 'regions') s
                                   WHERE s = ANY (sv.region_path(r.code))));
  v_kinds := ARRAY(SELECT jsonb_array_elements_text(coalesce(p.scope -> 'kinds', '[]')));
  v_patterns := ARRAY(SELECT x || '%' FROM jsonb_array_elements_text(coalesce(p.scope -> 'industries', '[]')) x);
  -- (the scope test is written out twice, for the capped subjects and the candidates)
  SELECT coalesce(array_agg(a.uscc ORDER BY a.uscc), '{}'),
         coalesce(array_agg(format('annual inspection cap (%s) reached: %s in %s', p.annual_cap, a.what,
                                   extract(year FROM p.check_from)) ORDER BY a.uscc), '{}')
  INTO v_capped, v_reasons
  FROM (SELECT a.uscc,
               string_agg(format('%s inspection(s) by department %s', a.n, a.department_id), ', ' ORDER BY a.department_id) AS what
        FROM (SELECT a.uscc, a.department_id, count(*) AS n
              FROM sv.action a JOIN sv.subject s ON s.uscc = a.uscc
              WHERE a.kind = 'inspection'
                AND a.department_id IN (SELECT x.department_id FROM sv.draw_plan_department x WHERE x.plan_id = p.id)
                AND a.started_on >= make_date(extract(year FROM p.check_from)::integer, 1, 1)
                AND a.started_on < make_date(extract(year FROM p.check_from)::integer + 1, 1, 1)
                AND s.status = 'operating' AND s.region_code = ANY (v_regions)
                AND (cardinality(v_kinds) = 0 OR s.kind = ANY (v_kinds))
                AND (cardinality(v_patterns) = 0 OR s.industry LIKE ANY (v_patterns))
              GROUP BY a.uscc, a.department_id
              HAVING count(*) >= p.annual_cap) a
        GROUP BY a.uscc) a;
  -- the candidates with a pending stratum override and a stored class A, B or C: stratified one
  -- class worse (docs/draw-protocol.md, "1. Population")
  v_raised := ARRAY(SELECT DISTINCT o.uscc FROM sv.draw_stratum_override o
                    JOIN sv.subject s ON s.uscc = o.uscc
                    JOIN sv.credit_class_current k ON k.uscc = o.uscc
                    WHERE o.plan_id IS NULL AND k.class IN ('A', 'B', 'C')
                      AND s.status = 'operating' AND s.region_code = ANY (v_regions)
                      AND (cardinality(v_kinds) = 0 OR s.kind = ANY (v_kinds))
                      AND (cardinality(v_patterns) = 0 OR s.industry LIKE ANY (v_patterns))
                      AND o.uscc <> ALL (v_capped)
                    ORDER BY o.uscc);
  -- the inspector pool: active inspectors of the plan's departments whose certificates are
  -- valid for the whole period and who hold every specialty the plan's check items require (as
  -- in the latest release, which plans cite), in certificate byte order, each with its
  -- department number (1.. in department id order) and region
  SELECT coalesce(array_agg(o.certificate_no ORDER BY o.certificate_no COLLATE "C"), '{}') AS certs,
         coalesce(array_agg(o.n::integer ORDER BY o.certificate_no COLLATE "C"), '{}') AS depts,
         coalesce(array_agg(o.region_code::integer ORDER BY o.certificate_no COLLATE "C"), '{}') AS regions
  INTO v_pool
  FROM (SELECT i.certificate_no, d.n, i.region_code
        FROM sv.inspector i
        JOIN (SELECT x.department_id, row_number() OVER (ORDER BY x.department_id) AS n
              FROM sv.draw_plan_department x WHERE x.plan_id = p.id) d ON d.department_id = i.department_id
        WHERE i.status = 'active' AND i.valid_from <= p.check_from AND i.valid_until >= p.check_to
          AND i.specialties @> ARRAY(
                SELECT DISTINCT ri.item ->> 'specialty' FROM sv.draw_plan_item pi
                JOIN sv.catalog_release_item ri ON ri.kind = 'check_item' AND ri.code = pi.check_item_code
                                               AND ri.release_id = (SELECT r.id FROM sv.catalog_release r
                                                                    ORDER BY r.published_at DESC, r.id DESC LIMIT 1)
                WHERE pi.plan_id = p.id AND ri.item ->> 'specialty' IS NOT NULL)) o;
  -- the exclusion pairs (subject, inspector number) of the pool's inspectors: declared
  -- conflicts, and actions that started within the look-back window before the period.  Pairs
  -- of subjects that are not candidates are kept too (they never meet a drawn subject): sorting
  -- them out would cost a probe of the subjects per pair, for nothing.
  WITH pool AS (
    SELECT q.cert, q.k FROM unnest(v_pool.certs) WITH ORDINALITY q(cert, k)
  ), pairs AS (
    SELECT c.uscc::text AS code, o.k FROM sv.inspector_conflict c JOIN pool o ON o.cert = c.certificate_no
    UNION
    SELECT a.uscc::text, o.k FROM sv.action a JOIN pool o ON o.cert = ANY (a.inspectors)
    WHERE a.started_on >= p.check_from - p.lookback_days AND a.started_on < p.check_from
  )
  SELECT coalesce(array_agg(x.code ORDER BY x.code COLLATE "C", x.k), '{}') AS codes,
         coalesce(array_agg(x.k::integer ORDER BY x.code COLLATE "C", x.k), '{}') AS ks
  INTO v_pairs FROM pairs x;
  -- the subjects, the stored classes and the capped subjects side by side: the aggregate joins
  -- them (population.c).  RETURN QUERY, not SELECT INTO: a query with a row limit (INTO) never
  -- runs in parallel.
  RETURN QUERY
  SELECT v_capped, v_reasons, (b.built).handle, (b.built).population_hash, (b.built).sizes,
         v_pool.certs, v_pool.depts, v_pool.regions, v_pairs.codes, v_pairs.ks, v_raised
  FROM (SELECT sv._draw_population(x.uscc, x.class, x.region_code) AS built
        FROM (SELECT s.uscc, NULL::text AS class, s.region_code
              FROM sv.subject s
              WHERE s.status = 'operating' AND s.region_code = ANY (v_regions)
                AND (cardinality(v_kinds) = 0 OR s.kind = ANY (v_kinds))
                AND (cardinality(v_patterns) = 0 OR s.industry LIKE ANY (v_patterns))
              UNION ALL
              SELECT k.uscc, CASE WHEN cardinality(v_raised) > 0 AND k.uscc = ANY (v_raised)
                                  THEN chr(ascii(k.class) + 1) ELSE k.class END, NULL
              FROM sv.credit_class_current k
              UNION ALL
              SELECT c.uscc, 'X', NULL FROM unnest(v_capped) c(uscc)) x) b;
END
$fn$;

CREATE OR REPLACE FUNCTION sv.draw_seal(plan_id bigint, commitment bytea, entropy_source text) RETURNS bytea
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  p sv.draw_plan;
  c record;
  ti sv.draw_team_input;
  v_source record;
  v_regions_hash bytea;
  v_inputs text;
  v_seal bytea;
  v_size integer;
BEGIN
  PERFORM sv._require_given(ARRAY['plan_id', 'commitment', 'entropy_source'],
                            ARRAY[draw_seal.plan_id IS NULL, draw_seal.commitment IS NULL,
                                  draw_seal.entropy_source IS NULL]);
  IF commitment IS NULL OR length(commitment) <> 32 THEN
    RAISE EXCEPTION 'commitment must be the 32-byte SHA-256 of the secret nonce'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the source in its canonical form, dated after the seal: its value is not known yet
  v_source := sv._draw_entropy_source(entropy_source);
  IF v_source.on_date <= sv.local_date(now()) THEN
    RAISE EXCEPTION 'entropy_source: the source is dated %, not after the day of the seal (%): its value may already be known',
      v_source.on_date, sv.local_date(now())
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Name a lottery draw or a published value of a later day.';
  END IF;
  p := sv._draw_require_plan(plan_id, true);
  IF p.status <> 'draft' THEN
    RAISE EXCEPTION 'plan % is already %', quote_literal(p.code), p.status USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  PERFORM sv._draw_seal_guard(p);   -- partners joined, no overlapping unrun plan (61_draw_governance.sql)

  -- candidates, exclusions and team inputs at one snapshot; the population stored from where it
  -- was built; the team inputs frozen beside it
  SELECT * INTO c FROM sv._draw_candidates(p) x;
  PERFORM sv._draw_population_store(p.id, c.handle);
  INSERT INTO sv.draw_exclusion (plan_id, uscc, reason)
  SELECT p.id, x.uscc, x.reason FROM unnest(c.capped, c.capped_reasons) x(uscc, reason);
  -- the overrides applied: each once, to this plan
  WITH applied AS (
    UPDATE sv.draw_stratum_override o SET plan_id = p.id
    WHERE o.plan_id IS NULL AND o.uscc = ANY (c.raised)
    RETURNING o.id, o.uscc, o.source_kind, o.source_id
  )
  SELECT count(sv.audit_append(p.lead_department_id, 'draw_stratum_override', a.id::text, 'apply',
                               jsonb_build_object('plan_id', p.id, 'plan', p.code, 'uscc', a.uscc,
                                                  'source_kind', a.source_kind, 'source_id', a.source_id)))
  INTO v_size FROM (SELECT * FROM applied ORDER BY id) a;
  INSERT INTO sv.draw_team_input (plan_id, pool_certificates, pool_departments, pool_regions, excluded_uscc, excluded_inspectors)
  VALUES (p.id, c.pool_certificates, c.pool_departments, c.pool_regions, c.excluded_uscc, c.excluded_inspectors)
  RETURNING * INTO ti;
  SELECT sv._draw_regions_sha256(x.regions) INTO v_regions_hash FROM sv.draw_population x WHERE x.plan_id = p.id;
  v_size := (SELECT sum(x)::integer FROM unnest(c.sizes) x);
  v_inputs := sv._draw_inputs_text(p, ti);
  v_seal := sv._draw_seal_hash(p.id, c.population_hash, v_regions_hash, commitment, entropy_source, v_inputs);
  UPDATE sv.draw_plan d
     SET status = 'sealed', sealed_by = me.login, sealed_at = now(), population_size = v_size,
         population_hash = c.population_hash, commitment = draw_seal.commitment,
         entropy_source = draw_seal.entropy_source, stratum_sizes = c.sizes, seal_hash = v_seal
   WHERE d.id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw_plan', p.code, 'seal',
    jsonb_build_object('plan_id', p.id, 'population_size', v_size, 'population_sha256', encode(c.population_hash, 'hex'),
                       'stratum_sizes', to_jsonb(c.sizes), 'excluded', cardinality(c.capped),
                       'commitment', encode(commitment, 'hex'), 'entropy_source', entropy_source,
                       'regions_sha256', encode(v_regions_hash, 'hex'),
                       'inputs_sha256', encode(sha256(convert_to(v_inputs, 'UTF8')), 'hex'),
                       'pool', cardinality(ti.pool_certificates), 'exclusion_pairs', cardinality(ti.excluded_uscc),
                       'seal_sha256', encode(v_seal, 'hex')));
  RETURN c.population_hash;
END
$fn$;
COMMENT ON FUNCTION sv.draw_seal(bigint, bytea, text) IS
  'Freeze a plan''s candidate population (returns its SHA-256), its team inputs, the planner''s commitment and the canonical public entropy source, under the seal''s hash';

-- An inspector (or a subject) declares a conflict of interest; the inspector is then never in a
-- team for that subject.  Officers of the inspector's department, administrators, integration.
CREATE OR REPLACE FUNCTION sv.inspector_conflict_declare(certificate_no text, uscc text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  i sv.inspector;
BEGIN
  PERFORM sv._require_given(ARRAY['certificate_no', 'uscc', 'reason'],
                            ARRAY[inspector_conflict_declare.certificate_no IS NULL,
                                  inspector_conflict_declare.uscc IS NULL,
                                  inspector_conflict_declare.reason IS NULL]);
  PERFORM sv._require_uscc('uscc', uscc);
  PERFORM sv._require_reason(reason, 'the conflict exists');
  SELECT * INTO i FROM sv.inspector x WHERE x.certificate_no = upper(btrim(inspector_conflict_declare.certificate_no));
  -- an officer learns nothing of other departments' inspectors: a certificate held in another
  -- department gets the same answer as one nobody holds
  IF NOT (me.is_admin OR me.is_integration)
     AND (NOT FOUND OR sv.scope_department() IS DISTINCT FROM i.department_id) THEN
    PERFORM sv._raise_not_yours('certificate_no', format('inspector certificate %s', coalesce(quote_literal(certificate_no), 'NULL')),
                                hint => 'Officers declare conflicts for the inspectors of their own department.');
  END IF;
  IF i.certificate_no IS NULL THEN
    RAISE EXCEPTION 'certificate_no: no inspector holds certificate %', coalesce(quote_literal(certificate_no), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.subject s WHERE s.uscc = inspector_conflict_declare.uscc::sv.uscc) THEN
    RAISE EXCEPTION 'uscc: subject % is not in the data centre', uscc::sv.uscc USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO sv.inspector_conflict (uscc, certificate_no, reason, declared_by, declared_at)
  VALUES (uscc::sv.uscc, i.certificate_no, btrim(reason), me.login, now())
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

GRANT EXECUTE ON FUNCTION sv.draw_plan_save(text, text, integer, date, date, jsonb, text[], jsonb, integer, integer[], boolean, integer, integer),
                          sv.draw_seal(bigint, bytea, text) TO sv_admin, sv_officer;

-- Record on a draft joint plan the joint-inspection proposal it was made from (进一次门、查多项事,
-- 73_joint_inspection.sql checks the proposal and calls this): the plan's column, written by the
-- draw's own code.  The caller must be able to act for the plan's lead department
-- (sv._draw_require_plan); the plan must be a draft (55000: a sealed plan is fixed) with more
-- than one department (22023: a joint plan).  Not part of the terms partners agree to.
CREATE OR REPLACE FUNCTION sv._draw_plan_record_proposal(plan_id bigint, proposal_id bigint) RETURNS sv.draw_plan
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p sv.draw_plan := sv._draw_require_plan(plan_id, true);
BEGIN
  IF p.status <> 'draft' THEN
    RAISE EXCEPTION 'plan % is %: a sealed plan cannot change', quote_literal(p.code), p.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF (SELECT count(*) FROM sv.draw_plan_department x WHERE x.plan_id = p.id) < 2 THEN
    RAISE EXCEPTION 'plan_id: plan % is not a joint plan (one department only)', quote_literal(p.code)
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Name the partner departments with sv.draw_plan_save(departments => ...).';
  END IF;
  UPDATE sv.draw_plan d SET joint_proposal_id = proposal_id WHERE d.id = p.id RETURNING d.* INTO p;
  PERFORM sv.audit_append(p.lead_department_id, 'draw_plan', p.code, 'record_proposal',
                          jsonb_build_object('plan_id', p.id, 'joint_proposal_id', proposal_id));
  RETURN p;
END
$fn$;
