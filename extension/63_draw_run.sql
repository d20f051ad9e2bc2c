-- ---------------------------------------------------------------------------------------------
-- 63_draw_run: running a sealed plan (subjects and teams from one seeded stream), recusal after
-- the draw, and approved redraws.
--
-- Functions:  sv.draw_run, sv.draw_recuse, sv.draw_redraw; helpers _draw_assign, _draw_stream_below, _draw_replacement (shared with verification)
-- ---------------------------------------------------------------------------------------------

-- The team assignment (teams.c) from stored inputs: (subject number, slot, certificate).
CREATE OR REPLACE FUNCTION sv._draw_assign(p sv.draw_plan, seed bytea, start_words bigint, subject_regions integer[],
                                pool_certificates text[], pool_departments integer[], pool_regions integer[],
                                excluded_subjects integer[], excluded_inspectors integer[],
                                OUT subject integer, OUT slot integer, OUT certificate_no text, OUT stream_words bigint)
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT t.subject, t.slot, o.cert, t.stream_words
  FROM sv._draw_teams(seed, start_words, p.team_size,
         (SELECT count(*)::integer FROM sv.draw_plan_department x WHERE x.plan_id = p.id),
         pool_departments, pool_regions, subject_regions, excluded_subjects, excluded_inspectors, p.cross_area) t
  -- (a join, not pool_certificates[t.inspector]: subscripting a text array walks it each time)
  LEFT JOIN unnest(pool_certificates) WITH ORDINALITY o(cert, k) ON o.k = t.inspector
$fn$;

CREATE OR REPLACE FUNCTION sv.draw_run(plan_id bigint, nonce bytea, entropy text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  p sv.draw_plan;
  ti sv.draw_team_input;
  v_seed bytea;
  v_draw bigint;
  v_words bigint;
  v_counts integer[];
  v_codes text[];
  v_strata text[];
  v_positions integer[];
  v_regions integer[];
  v_pairs record;
  v_team record;
  v_unstaffed text;
  v_n bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['plan_id', 'nonce', 'entropy'],
                            ARRAY[draw_run.plan_id IS NULL, draw_run.nonce IS NULL,
                                  draw_run.entropy IS NULL]);
  IF nonce IS NULL OR length(nonce) NOT BETWEEN 16 AND 1024 THEN
    RAISE EXCEPTION 'nonce must be the secret of 16 to 1024 bytes whose SHA-256 was sealed'
      USING ERRCODE = 'invalid_parameter_value';
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
  IF p.protocol <> 'sv-draw-v2' OR p.seal_hash IS NULL OR NOT EXISTS (SELECT 1 FROM sv.draw_team_input x WHERE x.plan_id = p.id) THEN
    RAISE EXCEPTION 'plan % was sealed without its team inputs and seal hash (before protocol sv-draw-v2): it cannot be run',
      quote_literal(p.code)
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Seal a new plan with the same rules; the sealed one stays visible.';
  END IF;
  -- exactly one entropy value is accepted: the canonical form of the sealed source
  PERFORM sv._draw_require_entropy(p.entropy_source, entropy);
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
         coalesce(array_agg(x.region ORDER BY x.stratum, x."position"), '{}'),
         coalesce(max(x.stream_words), 0)
  INTO v_codes, v_strata, v_positions, v_regions, v_words
  FROM sv._draw_select(p, v_seed) x;
  -- 2. their teams, continuing the stream, from the team inputs frozen at the seal (regions as
  -- sealed with the population); held in arrays, not a temporary table (a table per run would
  -- hold its locks to the end of the transaction)
  SELECT * INTO ti FROM sv.draw_team_input x WHERE x.plan_id = p.id;
  v_pairs := sv._draw_team_pairs(ti, v_codes);
  SELECT coalesce(array_agg(t.subject ORDER BY t.subject, t.slot) FILTER (WHERE t.slot > 0), '{}') AS subjects,
         coalesce(array_agg(t.slot ORDER BY t.subject, t.slot) FILTER (WHERE t.slot > 0), '{}') AS slots,
         coalesce(array_agg(t.certificate_no ORDER BY t.subject, t.slot) FILTER (WHERE t.slot > 0), '{}') AS certs,
         coalesce(array_agg(t.subject ORDER BY t.subject) FILTER (WHERE t.slot = 0), '{}') AS unstaffed,
         coalesce(max(t.stream_words), v_words) AS words
  INTO v_team
  FROM sv._draw_assign(p, v_seed, v_words, v_regions, ti.pool_certificates, ti.pool_departments,
                       ti.pool_regions, v_pairs.excluded_subjects, v_pairs.excluded_inspectors) t;
  -- name them all, up to twenty (a message must stay readable)
  v_n := cardinality(v_team.unstaffed);
  IF v_n > 0 THEN
    SELECT string_agg(format('%s (region %s)', v_codes[u.s], v_regions[u.s]), ', ' ORDER BY u.i)
           || CASE WHEN v_n > 20 THEN format(' and %s more', v_n - 20) ELSE '' END
    INTO v_unstaffed FROM unnest(v_team.unstaffed[1:20]) WITH ORDINALITY u(s, i);
    RAISE EXCEPTION '% drawn subject(s) of plan % cannot be given a team of % inspectors: %', v_n, quote_literal(p.code),
      p.team_size, v_unstaffed
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('The pool sealed with the plan holds %s eligible inspector(s) of the plan''s departments; conflicts, the look-back window and cross-area assignment rule some out per subject.', cardinality(ti.pool_certificates)),
            HINT = 'The pool was fixed at the seal; nothing was drawn.  An administrator may approve a redraw (sv.draw_redraw) as a new plan once inspectors are added.';
  END IF;
  v_words := v_team.words;

  INSERT INTO sv.draw (plan_id, nonce, entropy, seed, stream_words, pool_certificates, pool_departments, pool_regions,
                       excluded_subjects, excluded_inspectors, subject_regions, drawn_by, drawn_at)
  VALUES (p.id, nonce, entropy, v_seed, v_words, ti.pool_certificates, ti.pool_departments, ti.pool_regions,
          v_pairs.excluded_subjects, v_pairs.excluded_inspectors, v_regions, me.login, now())
  RETURNING id INTO v_draw;
  -- (arrays unnested side by side and joined, not subscripted per row: finding element i of a
  -- text array walks it, which made storing 10,000 subjects quadratic)
  INSERT INTO sv.draw_result (draw_id, uscc, stratum, "position")
  SELECT v_draw, u.code::sv.uscc, u.stratum, u.pos FROM unnest(v_codes, v_strata, v_positions) u(code, stratum, pos);
  INSERT INTO sv.draw_team (draw_id, uscc, slot, certificate_no)
  SELECT v_draw, u.code::sv.uscc, t.slot, t.cert
  FROM unnest(v_team.subjects, v_team.slots, v_team.certs) t(subject, slot, cert)
  JOIN unnest(v_codes) WITH ORDINALITY u(code, i) ON u.i = t.subject;

  UPDATE sv.draw_plan x SET status = 'drawn' WHERE x.id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw', v_draw::text, 'run',
    jsonb_build_object('plan', p.code, 'plan_id', p.id, 'nonce', encode(nonce, 'hex'), 'entropy', entropy,
                       'seed', encode(v_seed, 'hex'), 'counts', to_jsonb(v_counts), 'stream_words', v_words));
  RETURN v_draw;
END
$fn$;
COMMENT ON FUNCTION sv.draw_run(bigint, bytea, text) IS
  'Run a sealed plan: check the nonce against the commitment, derive the seed with the public entropy, draw; returns the draw id';

GRANT EXECUTE ON FUNCTION sv.draw_run(bigint, bytea, text) TO sv_admin, sv_officer;

-- Recusal (回避) after the draw: an inspector leaves a subject's team, at the inspector's or the
-- subject's request, and the replacement follows from the draw's stream (docs/draw-protocol.md
-- section 7).  Recusals are numbered per draw and replayed in order by verification.
CREATE OR REPLACE FUNCTION sv._draw_stream_below(seed bytea, at_word bigint, n integer, OUT value integer, OUT words bigint)
AS 'MODULE_PATHNAME', 'sv_draw_stream_below' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;


-- The replacement for one recusal, given the recusals before it (replay for verification too):
-- candidates are the subject's eligible inspectors of the pool not in its current team and
-- never recused from it; of the recused inspector's department when the slot is a department
-- slot; the least loaded, ties broken by the stream at `at_word`.
CREATE OR REPLACE FUNCTION sv._draw_replacement(d sv.draw, p sv.draw_plan, uscc text, slot integer, recused text,
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
  SELECT q.dept INTO v_dept FROM unnest(d.pool_certificates, d.pool_departments) q(cert, dept) WHERE q.cert = recused;
  WITH pool AS (
    SELECT q.cert, q.dept, q.region, q.i
    FROM unnest(d.pool_certificates, d.pool_departments, d.pool_regions) WITH ORDINALITY q(cert, dept, region, i)
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
    WHERE NOT EXISTS (SELECT 1 FROM unnest(d.excluded_subjects, d.excluded_inspectors) x(s, k)
                      WHERE x.s = v_subject AND x.k = o.i)
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

CREATE OR REPLACE FUNCTION sv.draw_recuse(draw_id bigint, uscc text, certificate_no text, requested_by text, reason text)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
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
  PERFORM sv._require_given(ARRAY['draw_id', 'uscc', 'certificate_no', 'requested_by', 'reason'],
                            ARRAY[draw_recuse.draw_id IS NULL, draw_recuse.uscc IS NULL,
                                  draw_recuse.certificate_no IS NULL,
                                  draw_recuse.requested_by IS NULL, draw_recuse.reason IS NULL]);
  PERFORM sv._require_one_of('requested_by', requested_by, ARRAY['inspector', 'subject']);
  PERFORM sv._require_reason(reason, 'the inspector withdraws (回避)');
  PERFORM sv._require_uscc('uscc', uscc);
  v_code := uscc::sv.uscc::text;
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  p := sv._draw_require_plan(d.plan_id, true);   -- one recusal of a draw at a time
  -- the plan's department, and its regions within the caller's region scope
  PERFORM sv._require_regions_in_scope('scope.regions', ARRAY(SELECT jsonb_array_elements_text(p.scope -> 'regions')));
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
          v_at, v_at + r.words, me.login, now());
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

CREATE OR REPLACE FUNCTION sv.draw_redraw(plan_id bigint, new_code text, reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  p sv.draw_plan;
  v_id bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['plan_id', 'new_code', 'reason'],
                            ARRAY[draw_redraw.plan_id IS NULL, draw_redraw.new_code IS NULL,
                                  draw_redraw.reason IS NULL]);
  PERFORM sv._require_code('new_code', new_code);
  PERFORM sv._require_reason(reason, 'the draw is made again');
  PERFORM sv._require_role('approve a redraw', '{sv_admin}');
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
         p.lookback_days, p.annual_cap, me.login, now(), p.id, btrim(reason), me.login
  RETURNING id INTO v_id;
  INSERT INTO sv.draw_plan_department SELECT v_id, x.department_id FROM sv.draw_plan_department x WHERE x.plan_id = p.id;
  INSERT INTO sv.draw_plan_item SELECT v_id, x.check_item_code FROM sv.draw_plan_item x WHERE x.plan_id = p.id;
  INSERT INTO sv.draw_plan_stratum SELECT v_id, x.stratum, x.ratio, x.count FROM sv.draw_plan_stratum x WHERE x.plan_id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw_plan', btrim(new_code), 'redraw',
    jsonb_build_object('plan_id', v_id, 'redraw_of', p.code, 'reason', btrim(reason), 'approved_by', me.login));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.draw_redraw(bigint, text, text) IS
  'Administrators: approve a redraw of a drawn plan as a new draft plan (to seal and run anew); the earlier draw stays visible';
GRANT EXECUTE ON FUNCTION sv.draw_redraw(bigint, text, text) TO sv_admin;
