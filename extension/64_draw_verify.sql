-- ---------------------------------------------------------------------------------------------
-- 64_draw_verify: recomputing and exporting draws, and what the portals show of them.
--
-- Functions:  sv.draw_verify, sv.draw_verify_detail, sv.draw_export
-- Views:      sv_public.draw, sv_public.draw_result (no credit classes: they are internal),
--             sv_work.draw_task (drawn subjects as inspection tasks)
-- ---------------------------------------------------------------------------------------------

-- Recomputes a draw from its stored inputs: each step, whether it matches, and why not.
CREATE OR REPLACE FUNCTION sv.draw_verify_detail(draw_id bigint)
RETURNS TABLE (step text, ok boolean, detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  d sv.draw;
  p sv.draw_plan;
  v_population bytea;
  v_sizes integer[];
  v_region_diff bigint;
  v_words bigint;
  v_seed bytea;
  v_diff bigint;
  v_n bigint;
  v_prior jsonb;
  v_at bigint;
  v_rec record;
  v_repl record;
  ti sv.draw_team_input;
  v_regions integer[];
  v_regions_hash bytea;
  v_seal bytea;
  v_chain bytea[];
  v_pattern text;
  v_codes text[];
  v_pairs record;
BEGIN
  PERFORM sv._require_given(ARRAY['draw_id'],
                            ARRAY[draw_verify_detail.draw_id IS NULL]);
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO p FROM sv.draw_plan x WHERE x.id = d.plan_id;
  SELECT x.population, x.regions INTO v_population, v_regions FROM sv.draw_population x WHERE x.plan_id = d.plan_id;
  SELECT * INTO ti FROM sv.draw_team_input x WHERE x.plan_id = d.plan_id;

  step := 'population_hash'; ok := sha256(v_population) = p.population_hash;
  detail := 'SHA-256 of the sealed population ' || CASE WHEN ok THEN 'matches' ELSE 'is ' || encode(sha256(v_population), 'hex') || ', not the sealed ' || encode(p.population_hash, 'hex') END;
  RETURN NEXT;

  v_sizes := sv._draw_population_sizes(v_population);    -- NULL unless whole lines in order, each once
  -- 21: the line length, SV_POPULATION_LINE_LEN in src/draw/draw.h
  step := 'stratum_sizes'; ok := coalesce(v_sizes = p.stratum_sizes AND length(v_population) = 21 * p.population_size, false);
  detail := format('candidates per stratum A, B, C, D, U: %s (sealed: %s)',
                   coalesce(v_sizes::text, 'not whole lines of the five strata in protocol order, each once'), p.stratum_sizes);
  RETURN NEXT;

  -- the seal's hash over what it fixed: the population and regions as stored, the commitment,
  -- the entropy source and the team inputs; against the plan and the seal's audit record
  v_regions_hash := sv._draw_regions_sha256(v_regions);
  v_seal := sv._draw_seal_hash(p.id, sha256(v_population), v_regions_hash, p.commitment, p.entropy_source,
                               sv._draw_inputs_text(p, ti));
  v_chain := ARRAY(SELECT decode(a.change ->> 'seal_sha256', 'hex') FROM sv.audit_log a
                   WHERE a.object_kind = 'draw_plan' AND a.object_id = p.code AND a.action = 'seal'
                     AND a.change ->> 'plan_id' = p.id::text ORDER BY a.seq);
  step := 'seal'; ok := coalesce(v_seal = p.seal_hash AND v_chain = ARRAY[v_seal], false);
  IF p.protocol = 'sv-draw-v1' THEN
    -- v1 (0.1.0) fixed no seal hash: the population hash and the commitment are its seal
    ok := p.seal_hash IS NULL AND NOT EXISTS (SELECT 1 FROM unnest(v_chain) x WHERE x IS NOT NULL);
    detail := 'sv-draw-v1 (sealed by 0.1.0) has no seal hash: the sealed population hash and commitment are checked by '
              || 'the population_hash and commitment steps' || CASE WHEN ok THEN '' ELSE ', yet a seal hash is recorded' END;
    RETURN NEXT;
  ELSE
  detail := CASE WHEN ok THEN 'SHA-256 over what the seal fixed matches the plan''s and the one seal record in the audit chain'
                 ELSE format('SHA-256 over what the seal fixed is %s; the plan holds %s; the audit chain %s', encode(v_seal, 'hex'),
                             coalesce(encode(p.seal_hash, 'hex'), 'none'),
                             coalesce(array_to_string(ARRAY(SELECT encode(x, 'hex') FROM unnest(v_chain) x), ', '), 'no seal record'))
            END;
  RETURN NEXT;
  END IF;

  step := 'commitment'; ok := sha256(d.nonce) = p.commitment AND length(d.nonce) BETWEEN 16 AND 1024;
  detail := 'SHA-256 of the revealed nonce ' || CASE WHEN sha256(d.nonce) = p.commitment THEN 'is the sealed commitment' ELSE 'is not the sealed commitment' END
            || CASE WHEN length(d.nonce) BETWEEN 16 AND 1024 THEN '' ELSE format('; the nonce is %s bytes, not 16 to 1024', length(d.nonce)) END;
  RETURN NEXT;

  BEGIN
    v_pattern := (sv._draw_entropy_source(p.entropy_source)).value_pattern;
  EXCEPTION WHEN invalid_parameter_value OR datetime_field_overflow THEN
    v_pattern := NULL;
  END;
  step := 'entropy'; ok := coalesce(d.entropy ~ v_pattern, false);
  detail := format('entropy %s %s the one canonical form of the sealed source %s', quote_literal(d.entropy),
                   CASE WHEN ok THEN 'is' ELSE 'is not' END, quote_literal(p.entropy_source));
  IF p.protocol = 'sv-draw-v1' THEN
    -- v1 named the source in free form: the value is bound by the seed step only
    ok := true;
    detail := format('sv-draw-v1 (sealed by 0.1.0) names the source in free form (%s): the entropy %s is checked by the seed step',
                     quote_literal(p.entropy_source), quote_literal(d.entropy));
  END IF;
  RETURN NEXT;

  v_seed := sv._draw_seed(p.id, p.population_hash, d.nonce, d.entropy);
  step := 'seed'; ok := v_seed = d.seed;
  detail := 'seed ' || encode(v_seed, 'hex') || CASE WHEN ok THEN '' ELSE ', stored ' || encode(d.seed, 'hex') END;
  RETURN NEXT;

  -- the selection recomputed once: the subjects, their sealed regions, the stream words it read
  WITH again AS (SELECT s.stratum, s."position", s.uscc, s.region, s.stream_words,
                        row_number() OVER (ORDER BY s.stratum, s."position") AS i
                 FROM sv._draw_select(p, d.seed) s),
       stored AS (SELECT r.stratum, r."position", r.uscc::text AS uscc FROM sv.draw_result r WHERE r.draw_id = d.id)
  SELECT count(*) FILTER (WHERE a.uscc IS DISTINCT FROM b.uscc), count(*),
         (SELECT count(*) FROM again x FULL JOIN unnest(d.subject_regions) WITH ORDINALITY y(region, i) ON y.i = x.i
          WHERE x.region IS DISTINCT FROM y.region),
         (SELECT coalesce(max(x.stream_words), 0) FROM again x)
  INTO v_diff, v_n, v_region_diff, v_words
  FROM again a FULL JOIN stored b ON a.stratum = b.stratum AND a."position" = b."position";
  step := 'selection'; ok := v_diff = 0;
  detail := format('%s of %s drawn subjects differ from the recomputation', v_diff, v_n);
  RETURN NEXT;

  -- the teams were assigned with the drawn subjects' regions as sealed with the population
  step := 'subject_regions'; ok := v_region_diff = 0;
  detail := format('%s of %s drawn subjects'' regions differ from the regions sealed with the population',
                   v_region_diff, cardinality(d.subject_regions));
  RETURN NEXT;

  -- the team inputs the run used are those frozen at the seal
  v_codes := ARRAY(SELECT r.uscc::text FROM sv.draw_result r WHERE r.draw_id = d.id ORDER BY r.stratum, r."position");
  v_pairs := sv._draw_team_pairs(ti, v_codes);
  step := 'team_inputs';
  ok := coalesce(d.pool_certificates = ti.pool_certificates AND d.pool_departments = ti.pool_departments
                 AND d.pool_regions = ti.pool_regions AND d.excluded_subjects = v_pairs.excluded_subjects
                 AND d.excluded_inspectors = v_pairs.excluded_inspectors, false);
  detail := format('pool of %s and %s exclusion pair(s) of the drawn subjects %s the team inputs sealed with the plan (%s sealed pair(s) in all)',
                   cardinality(d.pool_certificates), cardinality(d.excluded_subjects),
                   CASE WHEN ok THEN 'are' ELSE 'are not' END, coalesce(cardinality(ti.excluded_uscc)::text, 'none'));
  IF p.protocol = 'sv-draw-v1' THEN
    -- v1 read the pool and the exclusions at the run and stored them with the draw
    ok := ti.plan_id IS NULL;
    detail := format('sv-draw-v1 (sealed by 0.1.0) read the pool of %s and %s exclusion pair(s) at the run: the teams step '
                     'recomputes the teams from them', cardinality(d.pool_certificates), cardinality(d.excluded_subjects))
              || CASE WHEN ok THEN '' ELSE ', yet team inputs are recorded for the plan' END;
  END IF;
  RETURN NEXT;

  WITH again AS (SELECT a.subject, a.slot, a.certificate_no, a.stream_words
                 FROM sv._draw_assign(p, d.seed, v_words, d.subject_regions, d.pool_certificates, d.pool_departments,
                                      d.pool_regions, d.excluded_subjects, d.excluded_inspectors) a),
       subj AS (SELECT r.uscc::text AS code, row_number() OVER (ORDER BY r.stratum, r."position") AS i
                FROM sv.draw_result r WHERE r.draw_id = d.id),
       stored AS (SELECT s.i AS subject, t.slot, t.certificate_no FROM sv.draw_team t JOIN subj s ON s.code = t.uscc::text
                  WHERE t.draw_id = d.id)
  SELECT count(*) FILTER (WHERE a.certificate_no IS DISTINCT FROM b.certificate_no), count(*),
         coalesce(max(a.stream_words), v_words) = d.stream_words
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

  -- the audit chain: exactly one run of this plan, this one (a draw deleted and run again
  -- leaves the earlier run in the chain) ...
  SELECT count(*), count(*) FILTER (WHERE a.object_id = d.id::text AND a.change ->> 'seed' = encode(d.seed, 'hex')
                                          AND a.change ->> 'entropy' = d.entropy AND a.change ->> 'nonce' = encode(d.nonce, 'hex'))
  INTO v_n, v_diff
  FROM sv.audit_log a
  WHERE a.object_kind = 'draw' AND a.action = 'run'
    AND coalesce(a.change ->> 'plan_id' = p.id::text, a.change ->> 'plan' = p.code);   -- (runs of 0.1.0 name the code only)
  step := 'audit_run'; ok := v_n = 1 AND v_diff = 1;
  detail := format('%s run(s) of plan %s in the audit chain, %s of them this draw with its nonce, entropy and seed',
                   v_n, p.code, v_diff);
  RETURN NEXT;

  -- ... and the recusals of this draw are exactly those the chain records
  SELECT count(*) FILTER (WHERE x.seq IS NULL OR a.seq IS NULL OR a.change ->> 'uscc' <> x.uscc::text
                                OR (a.change ->> 'slot')::integer <> x.slot OR a.change ->> 'certificate_no' <> x.certificate_no
                                OR a.change ->> 'replacement' <> x.replacement),
         count(x.seq), count(a.seq)
  INTO v_diff, v_n, v_words
  FROM (SELECT * FROM sv.draw_recusal r WHERE r.draw_id = d.id) x
  FULL JOIN (SELECT (l.change ->> 'seq')::integer AS rseq, l.seq, l.change FROM sv.audit_log l
             WHERE l.object_kind = 'draw' AND l.object_id = d.id::text AND l.action = 'recuse') a ON a.rseq = x.seq;
  step := 'audit_recusals'; ok := v_diff = 0;
  detail := format('%s recusal(s) stored, %s in the audit chain, %s differ', v_n, v_words, v_diff);
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION sv.draw_verify_detail(bigint) IS 'Recompute a draw step by step from its stored inputs';

CREATE OR REPLACE FUNCTION sv.draw_verify(draw_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT bool_and(v.ok) FROM sv.draw_verify_detail(draw_id) v $fn$;
COMMENT ON FUNCTION sv.draw_verify(bigint) IS 'true when a draw recomputes exactly from its stored inputs';

-- Everything an independent verifier needs (contrib-examples/verify_draw.py), for auditors:
-- it contains the credit strata, which are internal.
CREATE OR REPLACE FUNCTION sv.draw_export(draw_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  d sv.draw;
  p sv.draw_plan;
  v_population bytea;
BEGIN
  PERFORM sv._require_given(ARRAY['draw_id'],
                            ARRAY[draw_export.draw_id IS NULL]);
  PERFORM sv._require_role('export draws', '{sv_admin,sv_auditor}',
    'Administrators and auditors export draws: the export holds internal credit classes.');
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO p FROM sv.draw_plan x WHERE x.id = d.plan_id;
  SELECT x.population INTO v_population FROM sv.draw_population x WHERE x.plan_id = d.plan_id;
  RETURN jsonb_build_object(
    'protocol', p.protocol,
    'draw_id', d.id,
    'plan_id', p.id,
    'plan_code', p.code,
    'population_base64', translate(encode(v_population, 'base64'), E'\n', ''),
    'population_sha256', encode(p.population_hash, 'hex'),
    'stratum_sizes', to_jsonb(p.stratum_sizes),
    'rules', (SELECT coalesce(jsonb_object_agg(r.stratum, CASE WHEN r.ratio IS NOT NULL THEN jsonb_build_object('ratio', r.ratio::text)
                                                             ELSE jsonb_build_object('count', r.count) END), '{}')
              FROM sv.draw_plan_stratum r WHERE r.plan_id = p.id),
    'commitment', encode(p.commitment, 'hex'),
    'entropy_source', p.entropy_source,
    'regions_sha256', (SELECT encode(sv._draw_regions_sha256(x.regions), 'hex') FROM sv.draw_population x WHERE x.plan_id = p.id),
    'seal_sha256', encode(p.seal_hash, 'hex'),
    'sealed_exclusions', (SELECT coalesce(jsonb_agg(jsonb_build_array(x.code, x.k) ORDER BY x.n), '[]')
                          FROM sv.draw_team_input t, unnest(t.excluded_uscc, t.excluded_inspectors) WITH ORDINALITY x(code, k, n)
                          WHERE t.plan_id = p.id),
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
    'team_pool', (SELECT coalesce(jsonb_agg(jsonb_build_object('certificate_no', q.cert, 'department', q.dept,
                                                               'region', q.region::text) ORDER BY q.k), '[]')
                  FROM unnest(d.pool_certificates, d.pool_departments, d.pool_regions) WITH ORDINALITY q(cert, dept, region, k)),
    'team_exclusions', (SELECT coalesce(jsonb_agg(jsonb_build_array(x.s, x.k) ORDER BY x.n), '[]')
                        FROM unnest(d.excluded_subjects, d.excluded_inspectors) WITH ORDINALITY x(s, k, n)),
    'subject_regions', (SELECT coalesce(jsonb_agg(r.region::text ORDER BY r.i), '[]')
                        FROM unnest(d.subject_regions) WITH ORDINALITY r(region, i)),
    'teams_as_drawn', (SELECT coalesce(jsonb_agg(jsonb_build_object('uscc', t.uscc::text, 'slot', t.slot, 'certificate_no', t.certificate_no)
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
         p.check_from, p.check_to, p.status, sv.label_zh('draw_plan.status', p.status) AS status_zh,
         p.sealed_at, p.population_size,
         encode(p.population_hash, 'hex') AS population_sha256, encode(p.commitment, 'hex') AS commitment,
         p.entropy_source, encode(p.seal_hash, 'hex') AS seal_sha256, d.drawn_at, encode(d.nonce, 'hex') AS nonce, d.entropy, encode(d.seed, 'hex') AS seed,
         (SELECT count(*) FROM sv.draw_result r WHERE r.draw_id = d.id) AS subjects_drawn,
         (SELECT o.code FROM sv.draw_plan o WHERE o.id = p.redraw_of) AS redraw_of, p.redraw_reason,
         (SELECT n.code FROM sv.draw_plan n WHERE n.redraw_of = p.id) AS redrawn_as
  FROM sv.draw_plan p LEFT JOIN sv.draw d ON d.plan_id = p.id
  WHERE p.status <> 'draft';
COMMENT ON VIEW sv_public.draw IS '双随机、一公开: sealed and drawn plans with everything needed to check the seed';
COMMENT ON COLUMN sv_public.draw.plan_code IS '抽查计划编号';
COMMENT ON COLUMN sv_public.draw.title IS '抽查计划名称';
COMMENT ON COLUMN sv_public.draw.departments IS '参与部门';
COMMENT ON COLUMN sv_public.draw.check_from IS '检查期间起';
COMMENT ON COLUMN sv_public.draw.check_to IS '检查期间止';
COMMENT ON COLUMN sv_public.draw.status IS '计划状态代码:sealed 已封存, drawn 已抽取, cancelled 已撤销';
COMMENT ON COLUMN sv_public.draw.status_zh IS '计划状态';
COMMENT ON COLUMN sv_public.draw.sealed_at IS '封存时间';
COMMENT ON COLUMN sv_public.draw.population_size IS '候选市场主体数';
COMMENT ON COLUMN sv_public.draw.population_sha256 IS '候选主体名单哈希值(SHA-256,十六进制)';
COMMENT ON COLUMN sv_public.draw.commitment IS '随机数承诺值(SHA-256,十六进制)';
COMMENT ON COLUMN sv_public.draw.entropy_source IS '事先指定的公开随机源';
COMMENT ON COLUMN sv_public.draw.seal_sha256 IS '封存内容哈希值(SHA-256,十六进制)';
COMMENT ON COLUMN sv_public.draw.drawn_at IS '抽取时间';
COMMENT ON COLUMN sv_public.draw.nonce IS '抽取时公开的随机数(十六进制)';
COMMENT ON COLUMN sv_public.draw.entropy IS '公开随机源取值';
COMMENT ON COLUMN sv_public.draw.seed IS '随机种子(十六进制)';
COMMENT ON COLUMN sv_public.draw.subjects_drawn IS '抽中市场主体数';
COMMENT ON COLUMN sv_public.draw.redraw_of IS '被重新抽取的原计划编号';
COMMENT ON COLUMN sv_public.draw.redraw_reason IS '重新抽取理由';
COMMENT ON COLUMN sv_public.draw.redrawn_as IS '重新抽取的新计划编号';

CREATE VIEW sv_public.draw_result AS
  SELECT p.code AS plan_code, r.uscc::text AS uscc, s.name AS subject_name, g.name_zh AS region_name
  FROM sv.draw_result r JOIN sv.draw d ON d.id = r.draw_id JOIN sv.draw_plan p ON p.id = d.plan_id
  JOIN sv.subject s ON s.uscc = r.uscc JOIN sv.region g ON g.code = s.region_code;
COMMENT ON VIEW sv_public.draw_result IS '抽查结果(抽中的市场主体) / The subjects each draw selected (without their credit class)';
COMMENT ON COLUMN sv_public.draw_result.plan_code IS '抽查计划编号';
COMMENT ON COLUMN sv_public.draw_result.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_public.draw_result.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_public.draw_result.region_name IS '所在行政区划';

-- Drawn subjects are inspection tasks (检查任务): done when a plan department records an
-- inspection of the subject against one of the plan's check items within the period; the
-- result is then due for publication 20 working days after the check ends (sv.action).
CREATE VIEW sv_work.draw_task WITH (security_invoker = true) AS
  SELECT p.code AS plan_code, p.title, d.id AS draw_id, r.uscc, s.name AS subject_name, s.region_code,
         (SELECT array_agg(coalesce((SELECT x.replacement FROM sv.draw_recusal x
                                     WHERE x.draw_id = d.id AND x.uscc = t.uscc AND x.slot = t.slot ORDER BY x.seq DESC LIMIT 1),
                                    t.certificate_no) ORDER BY t.slot)
          FROM sv.draw_team t WHERE t.draw_id = d.id AND t.uscc = r.uscc) AS team,
         p.check_from, p.check_to, a.id AS action_id, a.ended_on, a.result,
         sv.label_zh('action.result', a.result) AS result_zh, a.publication_due, a.published_at,
         k.status, sv.label_zh('draw_task.status', k.status) AS status_zh,
         a.publication_due_provisional
  FROM sv.draw d
  JOIN sv.draw_plan p ON p.id = d.plan_id
  JOIN sv.draw_result r ON r.draw_id = d.id
  JOIN sv.subject s ON s.uscc = r.uscc
  LEFT JOIN LATERAL (
    SELECT x.id, x.ended_on, x.result, x.publication_due, x.publication_due_provisional, x.published_at FROM sv.action x
    WHERE x.uscc = r.uscc AND x.kind = 'inspection' AND x.started_on BETWEEN p.check_from AND p.check_to
      AND x.department_id IN (SELECT pd.department_id FROM sv.draw_plan_department pd WHERE pd.plan_id = p.id)
      AND x.check_item_code IN (SELECT pi.check_item_code FROM sv.draw_plan_item pi WHERE pi.plan_id = p.id)
    ORDER BY x.started_on, x.id LIMIT 1) a ON true
  CROSS JOIN LATERAL (
    SELECT CASE WHEN a.id IS NOT NULL AND a.published_at IS NOT NULL THEN 'published'
                WHEN a.id IS NOT NULL AND a.publication_due < sv.local_date(now()) THEN 'publication_overdue'
                WHEN a.id IS NOT NULL THEN 'inspected'
                WHEN p.check_to < sv.local_date(now()) THEN 'overdue'
                ELSE 'open' END AS status) k;
COMMENT ON VIEW sv_work.draw_task IS
  '双随机抽查检查任务 / Inspection tasks from draws: each drawn subject with its team, the action that carried it out and the publication state';
COMMENT ON COLUMN sv_work.draw_task.plan_code IS '抽查计划编号';
COMMENT ON COLUMN sv_work.draw_task.title IS '抽查计划名称';
COMMENT ON COLUMN sv_work.draw_task.draw_id IS '抽取编号';
COMMENT ON COLUMN sv_work.draw_task.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_work.draw_task.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.draw_task.region_code IS '所在行政区划代码';
COMMENT ON COLUMN sv_work.draw_task.team IS '检查组执法人员执法证号(含回避后替换)';
COMMENT ON COLUMN sv_work.draw_task.check_from IS '检查期间起';
COMMENT ON COLUMN sv_work.draw_task.check_to IS '检查期间止';
COMMENT ON COLUMN sv_work.draw_task.action_id IS '监管行为编号';
COMMENT ON COLUMN sv_work.draw_task.ended_on IS '检查结束日期';
COMMENT ON COLUMN sv_work.draw_task.result IS '检查结果代码:no_problem 未发现问题, problem_found 发现问题, rectification_ordered 责令整改, case_filed 立案查处';
COMMENT ON COLUMN sv_work.draw_task.result_zh IS '检查结果';
COMMENT ON COLUMN sv_work.draw_task.publication_due IS '公示截止日期';
COMMENT ON COLUMN sv_work.draw_task.published_at IS '公示时间';
COMMENT ON COLUMN sv_work.draw_task.status IS '任务状态代码:open 待检查, overdue 逾期未检查, inspected 已检查待公示, publication_overdue 逾期未公示, published 已公示';
COMMENT ON COLUMN sv_work.draw_task.status_zh IS '任务状态';
COMMENT ON COLUMN sv_work.draw_task.publication_due_provisional IS '公示期限按临时日历计算(国务院通知未发布),通知发布后重新计算';
-- sv:rerun (the labels of the task states, 05_code_label: every update registers them again)
SELECT sv._code_label_register('draw_task.status', ARRAY[['open', '待检查'], ['overdue', '逾期未检查'],
  ['inspected', '已检查待公示'], ['publication_overdue', '逾期未公示'], ['published', '已公示']]);
GRANT SELECT ON sv_work.draw_task TO sv_officer, sv_admin, sv_auditor;

GRANT SELECT ON sv_public.draw, sv_public.draw_result TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.draw_verify(bigint), sv.draw_verify_detail(bigint)
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.draw_export(bigint) TO sv_admin, sv_auditor;
