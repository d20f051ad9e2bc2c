-- ---------------------------------------------------------------------------------------------
-- 55_credit: credit supervision (信用监管): versioned scoring models and the explainable score
-- and class of a subject (computed in C), rescoring and the monthly class history.
--
-- Tables:     sv.credit_model (immutable once saved), sv.credit_class (each subject's class
--             now: the strata of the draw, which reads it through sv.credit_class_current),
--             sv.credit_class_history
-- Functions:  sv.credit_model_save, sv.credit_model_set_current,
--             sv.credit_score (score, class and the events that made it), sv._credit_compute (C)
--             sv.credit_rescore, sv.credit_rescore_all (stored classes in sv.credit_class)
-- Events are in 54_credit_event, sanctions in 56_credit_sanction, repair in 57_credit_repair.
-- An event counts while it is in force: decided, not expired (valid_until), not
-- repaired (a repair counts from its day on), all as of the scoring day, so any past class can
-- be recomputed.
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION sv._credit_compute(points float8[], ages float8[], half_life float8, thresholds float8[],
                                   OUT score float8, OUT class text, OUT contributions float8[])
AS 'MODULE_PATHNAME', 'sv_credit_compute' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION sv._credit_sum_step(float8, float8, float8, float8) RETURNS float8
AS 'MODULE_PATHNAME', 'sv_credit_sum_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv._credit_score_final(float8) RETURNS float8
AS 'MODULE_PATHNAME', 'sv_credit_score_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- The score from (points, age in days, half-life) per event: 100 minus the contributions,
-- each rounded to 0.01 and the result too, exactly as _credit_compute does.
CREATE OR REPLACE AGGREGATE sv._credit_score(float8, float8, float8) (
  SFUNC = sv._credit_sum_step, STYPE = float8, INITCOND = '0', FINALFUNC = sv._credit_score_final,
  PARALLEL = SAFE
);

-- A scoring model: points per severity step for each kind (negative: a reward), the half-life
-- of an event's weight, class thresholds, and kinds that force a class.  Immutable: a change is
-- a new model with a new label, so any class can be reproduced with the model it came from.
CREATE TABLE sv.credit_model (
  label          text PRIMARY KEY CHECK (label ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  weights        jsonb NOT NULL,           -- {"administrative_penalty": 4, "commendation": -2, ...}
  half_life_days numeric NOT NULL CHECK (half_life_days > 0),
  thresholds     jsonb NOT NULL,           -- {"A": 90, "B": 75, "C": 60}
  hard_rules     jsonb NOT NULL,           -- {"serious_dishonesty": "D", ...}
  is_current     boolean NOT NULL DEFAULT false,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX credit_model_current_idx ON sv.credit_model (is_current) WHERE is_current;
COMMENT ON TABLE sv.credit_model IS 'Credit scoring models (信用风险分类模型), immutable; one is current';
CREATE TRIGGER credit_model_immutable BEFORE DELETE ON sv.credit_model
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a credit model is kept for reproducing its classes');
ALTER TABLE sv.credit_model ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_model FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_model_read ON sv.credit_model FOR SELECT TO sv_admin, sv_auditor, sv_officer USING (true);
GRANT SELECT ON sv.credit_model TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_model', '');

CREATE OR REPLACE FUNCTION sv.credit_model_save(label text, weights jsonb, half_life_days numeric, thresholds jsonb,
                                     hard_rules jsonb DEFAULT '{}', make_current boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_bad text;
BEGIN
  IF label IS NULL THEN
    RAISE EXCEPTION 'label must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF weights IS NULL THEN
    RAISE EXCEPTION 'weights must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF half_life_days IS NULL THEN
    RAISE EXCEPTION 'half_life_days must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF thresholds IS NULL THEN
    RAISE EXCEPTION 'thresholds must not be null' USING ERRCODE = 'null_value_not_allowed';
  ELSIF hard_rules IS NULL THEN
    RAISE EXCEPTION 'hard_rules must not be null (no rules: {})' USING ERRCODE = 'null_value_not_allowed';
  ELSIF make_current IS NULL THEN
    RAISE EXCEPTION 'make_current must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_code('label', label);
  IF weights IS NULL OR jsonb_typeof(weights) <> 'object' THEN
    RAISE EXCEPTION 'weights must be a JSON object of points per kind' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(quote_literal(k), ', ' ORDER BY k) INTO v_bad FROM jsonb_each(weights) e(k, v)
  WHERE k <> ALL (sv._credit_kinds()) OR jsonb_typeof(v) <> 'number';
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'weights: % must be credit event kinds with numbers', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF half_life_days IS NULL OR half_life_days <= 0 THEN
    RAISE EXCEPTION 'half_life_days must be positive' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF thresholds IS NULL OR jsonb_typeof(thresholds) <> 'object'
     OR NOT (thresholds ?& ARRAY['A', 'B', 'C']) OR (SELECT count(*) FROM jsonb_object_keys(thresholds)) <> 3
     OR EXISTS (SELECT 1 FROM jsonb_each(thresholds) e WHERE jsonb_typeof(e.value) <> 'number')
     OR NOT ((thresholds ->> 'A')::numeric >= (thresholds ->> 'B')::numeric
             AND (thresholds ->> 'B')::numeric >= (thresholds ->> 'C')::numeric) THEN
    RAISE EXCEPTION 'thresholds must be {"A": a, "B": b, "C": c} with a >= b >= c'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(quote_literal(k), ', ' ORDER BY k) INTO v_bad FROM jsonb_each_text(coalesce(hard_rules, '{}')) e(k, v)
  WHERE k <> ALL (sv._credit_kinds()) OR v NOT IN ('A', 'B', 'C', 'D');
  IF v_bad IS NOT NULL OR jsonb_typeof(coalesce(hard_rules, '{}')) <> 'object' THEN
    RAISE EXCEPTION 'hard_rules must map credit event kinds to a class A-D (wrong: %)', coalesce(v_bad, 'not an object')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_role('save credit models', '{sv_admin}');
  IF EXISTS (SELECT 1 FROM sv.credit_model m WHERE m.label = btrim(credit_model_save.label)) THEN
    RAISE EXCEPTION 'credit model % exists: models are immutable, save a new version under a new label',
      quote_literal(btrim(label)) USING ERRCODE = 'unique_violation';
  END IF;
  IF make_current THEN
    UPDATE sv.credit_model m SET is_current = false WHERE m.is_current;
  END IF;
  INSERT INTO sv.credit_model (label, weights, half_life_days, thresholds, hard_rules, is_current, created_by, created_at)
  VALUES (btrim(label), weights, half_life_days, thresholds, coalesce(hard_rules, '{}'), make_current, me.login, now());
  PERFORM sv.audit_append(NULL, 'credit_model', btrim(label), 'add',
    jsonb_build_object('weights', weights, 'half_life_days', half_life_days, 'thresholds', thresholds,
                       'hard_rules', coalesce(hard_rules, '{}'), 'current', make_current));
  RETURN btrim(label);
END
$fn$;
COMMENT ON FUNCTION sv.credit_model_save(text, jsonb, numeric, jsonb, jsonb, boolean) IS
  'Administrators: save a new, immutable credit scoring model (optionally the current one)';

-- Models cannot change, except which one is current.
CREATE OR REPLACE FUNCTION sv._credit_model_refuse_update() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF (to_jsonb(NEW) - 'is_current') IS DISTINCT FROM (to_jsonb(OLD) - 'is_current') THEN
    RAISE EXCEPTION 'credit model % is immutable: save a new version', quote_literal(OLD.label)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER credit_model_no_change BEFORE UPDATE ON sv.credit_model
  FOR EACH ROW EXECUTE FUNCTION sv._credit_model_refuse_update();

CREATE OR REPLACE FUNCTION sv.credit_model_set_current(label text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_role('choose the current credit model', '{sv_admin}');
  PERFORM sv._require_given(ARRAY['label'], ARRAY[label IS NULL]);
  IF NOT EXISTS (SELECT 1 FROM sv.credit_model m WHERE m.label = credit_model_set_current.label) THEN
    RAISE EXCEPTION 'credit model % does not exist', coalesce(quote_literal(label), 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  UPDATE sv.credit_model m SET is_current = false WHERE m.is_current AND m.label <> credit_model_set_current.label;
  UPDATE sv.credit_model m SET is_current = true WHERE m.label = credit_model_set_current.label;
  PERFORM sv.audit_append(NULL, 'credit_model', label, 'set_current', '{}');
END
$fn$;

-- The score and class of a subject at a time with a model, and the events that made them: each
-- event in force (decided by then, not expired) with its points, age and contribution.  A hard
-- rule forces a class when an event of its kind is in force (the worst forced class wins).
CREATE OR REPLACE FUNCTION sv.credit_score(uscc text, as_of timestamptz DEFAULT now(), model text DEFAULT NULL,
                                OUT score numeric, OUT class text, OUT model_label text, OUT explanation jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  m sv.credit_model;
  v_day date;
  r record;
  v_forced text;
BEGIN
  PERFORM sv._require_role('read credit classes', '{sv_admin,sv_auditor,sv_officer}', 'Credit classes are internal.');
  PERFORM sv._require_given(ARRAY['uscc'], ARRAY[uscc IS NULL]);
  PERFORM sv._require_uscc('uscc', uscc);
  PERFORM sv._require_given(ARRAY['as_of'], ARRAY[as_of IS NULL]);
  IF NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'as_of must be a moment, not %', as_of USING ERRCODE = 'datetime_field_overflow';
  END IF;
  -- officers score only the subjects they see in sv_work.subject (no mapping: nothing)
  PERFORM sv._credit_require_subject_scope('uscc', uscc);
  IF model IS NULL THEN
    SELECT * INTO m FROM sv.credit_model x WHERE x.is_current;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no credit model is current' USING ERRCODE = 'object_not_in_prerequisite_state',
        HINT = 'An administrator saves one with sv.credit_model_save(..., make_current => true).';
    END IF;
  ELSE
    SELECT * INTO m FROM sv.credit_model x WHERE x.label = model;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'credit model % does not exist', quote_literal(model) USING ERRCODE = 'no_data_found';
    END IF;
  END IF;
  v_day := sv.local_date(as_of);
  WITH ev AS (
    SELECT e.id, e.kind, e.severity, e.decided_on, e.reference,
           coalesce((m.weights ->> e.kind)::float8, 0) * e.severity AS points,
           (v_day - e.decided_on)::float8 AS age
    FROM sv.credit_event e
    WHERE e.uscc = credit_score.uscc::sv.uscc AND e.decided_on <= v_day
      AND (e.valid_until IS NULL OR e.valid_until >= v_day) AND (e.repaired_on IS NULL OR e.repaired_on > v_day)
  ), agg AS (
    SELECT coalesce(array_agg(ev.points ORDER BY ev.decided_on, ev.id), '{}') AS points,
           coalesce(array_agg(ev.age ORDER BY ev.decided_on, ev.id), '{}') AS ages,
           coalesce(jsonb_agg(jsonb_build_object('event', ev.id, 'kind', ev.kind, 'severity', ev.severity,
                                                 'decided_on', ev.decided_on, 'reference', ev.reference,
                                                 'points', ev.points, 'age_days', ev.age) ORDER BY ev.decided_on, ev.id),
                    '[]') AS events
    FROM ev
  )
  SELECT c.score, c.class, c.contributions, agg.events INTO r
  FROM agg, sv._credit_compute(agg.points, agg.ages, m.half_life_days::float8,
                               ARRAY[(m.thresholds ->> 'A')::float8, (m.thresholds ->> 'B')::float8,
                                     (m.thresholds ->> 'C')::float8]) c;
  SELECT max(h.v) INTO v_forced
  FROM jsonb_each_text(m.hard_rules) h(k, v)
  WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(r.events) x WHERE x ->> 'kind' = h.k);
  score := r.score::numeric(6, 2);
  class := CASE WHEN v_forced IS NOT NULL AND v_forced > r.class THEN v_forced ELSE r.class END;
  model_label := m.label;
  explanation := jsonb_build_object(
    'model', m.label, 'as_of', v_day, 'base', 100, 'score', score, 'class_by_score', r.class,
    'forced_by', CASE WHEN class <> r.class THEN v_forced END,
    'events', coalesce((SELECT jsonb_agg(x || jsonb_build_object('contribution', r.contributions[i]) ORDER BY i)
                        FROM jsonb_array_elements(r.events) WITH ORDINALITY q(x, i)), '[]'));
END
$fn$;
COMMENT ON FUNCTION sv.credit_score(text, timestamptz, text) IS
  'Score, class and explanation of a subject''s credit at a time with a model (internal: officials only)';

GRANT EXECUTE ON FUNCTION sv.credit_model_save(text, jsonb, numeric, jsonb, jsonb, boolean),
                          sv.credit_model_set_current(text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.credit_score(text, timestamptz, text) TO sv_admin, sv_auditor, sv_officer;

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
-- What other capabilities read of it (the draw's strata): the class per classified subject.
-- security_invoker: it gives nobody more than the table does; the planner inlines it.
CREATE VIEW sv.credit_class_current WITH (security_invoker = true) AS
  SELECT k.uscc, k.class FROM sv.credit_class k;
COMMENT ON VIEW sv.credit_class_current IS
  'Credit''s interface to the current class per subject (A..D; no row: unclassified), read by the draw';

-- Rescoring: the stored class (sv.credit_class, read by the draw) and a history of one class
-- per subject and month (the national practice is monthly).  Subjects without any credit event
-- stay unclassified: no information, no class.
CREATE TABLE sv.credit_class_history (
  uscc        sv.uscc NOT NULL REFERENCES sv.subject (uscc),
  month       date NOT NULL CHECK (extract(day FROM month) = 1),
  class       text NOT NULL CHECK (class IN ('A', 'B', 'C', 'D')),
  score       numeric(6, 2) NOT NULL,
  model       text NOT NULL,
  computed_at timestamptz NOT NULL,
  as_of       timestamptz NOT NULL,       -- since 0.2.0: the moment assessed (a rescore may look back)
  PRIMARY KEY (uscc, month)
);
COMMENT ON TABLE sv.credit_class_history IS 'The class of each classified subject per month, with its score and model (internal)';
COMMENT ON COLUMN sv.credit_class_history.as_of IS
  'the moment the class was assessed as of; the month keeps the latest such assessment';
ALTER TABLE sv.credit_class_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_class_history FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_class_history_read ON sv.credit_class_history FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.credit_class_history TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_class_history', '');

-- Scores and classes of many subjects at once (NULL: every subject with events), set-based:
-- the same arithmetic as sv.credit_score, in the C aggregate sv._credit_score as the events stream past.
CREATE OR REPLACE FUNCTION sv._credit_classify(m sv.credit_model, as_of date, subjects sv.uscc[])
RETURNS TABLE (uscc sv.uscc, score numeric, class text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  -- every subject with events; those with none in force score 100
  WITH per AS (
    SELECT e.uscc,
           sv._credit_score(coalesce((m.weights ->> e.kind)::float8, 0) * e.severity,
                            (as_of - e.decided_on)::float8, m.half_life_days::float8)
             FILTER (WHERE e.decided_on <= as_of AND (e.valid_until IS NULL OR e.valid_until >= as_of)
                     AND (e.repaired_on IS NULL OR e.repaired_on > as_of)) AS score,
           max(m.hard_rules ->> e.kind) FILTER (WHERE e.decided_on <= as_of AND (e.valid_until IS NULL OR e.valid_until >= as_of)
                     AND (e.repaired_on IS NULL OR e.repaired_on > as_of))
             AS forced
    FROM sv.credit_event e
    WHERE subjects IS NULL OR e.uscc = ANY (subjects)
    GROUP BY e.uscc
  ), classed AS (
    SELECT p.uscc, p.score,
           CASE WHEN p.score >= (m.thresholds ->> 'A')::float8 THEN 'A' WHEN p.score >= (m.thresholds ->> 'B')::float8 THEN 'B'
                WHEN p.score >= (m.thresholds ->> 'C')::float8 THEN 'C' ELSE 'D' END AS by_score, p.forced
    FROM per p
  )
  SELECT c.uscc, c.score::numeric(6, 2), CASE WHEN c.forced IS NOT NULL AND c.forced > c.by_score THEN c.forced ELSE c.by_score END
  FROM classed c
$fn$;

-- Stores the classes of the given subjects (NULL: all with events) as of a moment (v_day is its
-- date): the month's row of the history, and sv.credit_class, the class the draw reads.  The
-- stored class only moves forward: a subject assessed as of a later moment (in the history or
-- in sv.credit_class) keeps its class, so an assessment as of the past writes history at most.
-- The month's history row keeps the latest assessment of that month.  Stores take turns (an
-- advisory lock), so each sees what the previous one committed.  The callers check the
-- caller's right.
CREATE OR REPLACE FUNCTION sv._credit_store_classes(m sv.credit_model, v_day date, v_codes sv.uscc[], as_of timestamptz)
RETURNS TABLE (classified bigint, changed bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.credit_class'));
  RETURN QUERY
  WITH scored AS MATERIALIZED (
    SELECT * FROM sv._credit_classify(m, v_day, v_codes)
  ), forward AS (
    SELECT s.* FROM scored s
    WHERE NOT EXISTS (SELECT 1 FROM sv.credit_class_history h
                      WHERE h.uscc = s.uscc AND h.month >= date_trunc('month', v_day)::date AND h.as_of > _credit_store_classes.as_of)
      AND NOT EXISTS (SELECT 1 FROM sv.credit_class k WHERE k.uscc = s.uscc AND k.assessed_at > _credit_store_classes.as_of)
  ), stored AS (
    -- a class that stays the same keeps its row (assessed_at: when the class was last set)
    INSERT INTO sv.credit_class AS k (uscc, class, source, assessed_at)
    SELECT s.uscc, s.class, 'model ' || m.label, as_of FROM forward s
    ON CONFLICT (uscc) DO UPDATE SET class = excluded.class, source = excluded.source, assessed_at = excluded.assessed_at
      WHERE (k.class, k.source) IS DISTINCT FROM (excluded.class, excluded.source)
    RETURNING 1
  ), history AS (
    INSERT INTO sv.credit_class_history AS h (uscc, month, class, score, model, as_of, computed_at)
    SELECT s.uscc, date_trunc('month', v_day)::date, s.class, s.score, m.label, as_of, now() FROM scored s
    ON CONFLICT (uscc, month) DO UPDATE SET class = excluded.class, score = excluded.score, model = excluded.model,
                                            as_of = excluded.as_of, computed_at = excluded.computed_at
      WHERE h.as_of <= excluded.as_of
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM scored), (SELECT count(*) FROM stored);
END
$fn$;

CREATE OR REPLACE FUNCTION sv.credit_rescore(subjects text[] DEFAULT NULL, model text DEFAULT NULL, as_of timestamptz DEFAULT now())
RETURNS TABLE (classified bigint, changed bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  m sv.credit_model;
  v_day date;
  v_codes sv.uscc[];
  v_bad text;
BEGIN
  PERFORM sv._require_role('rescore credit', '{sv_admin,sv_integration}');
  PERFORM sv._require_given(ARRAY['as_of'], ARRAY[as_of IS NULL]);
  -- a class is assessed on what is known: never as of a moment still to come (nor +-infinity)
  IF NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'as_of must be a moment, not %', as_of USING ERRCODE = 'datetime_field_overflow';
  END IF;
  IF as_of > clock_timestamp() THEN
    RAISE EXCEPTION 'as_of (%) is in the future: classes are assessed as of now or an earlier moment', as_of
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF sv.local_date(as_of) < '1900-01-01'::date THEN
    RAISE EXCEPTION 'as_of (%) is before 1900: credit events are dated 1900-2999', as_of
      USING ERRCODE = 'datetime_field_overflow';
  END IF;
  IF subjects IS NOT NULL THEN
    SELECT string_agg(coalesce(quote_literal(x), 'NULL'), ', ') INTO v_bad FROM unnest(subjects) x
    WHERE x IS NULL OR sv.uscc_check(x) IS NOT NULL;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'subjects: invalid unified social credit code(s) %', v_bad USING ERRCODE = 'invalid_text_representation';
    END IF;
    v_codes := ARRAY(SELECT x::sv.uscc FROM unnest(subjects) x);
  END IF;
  IF model IS NULL THEN
    SELECT * INTO m FROM sv.credit_model x WHERE x.is_current;
  ELSE
    SELECT * INTO m FROM sv.credit_model x WHERE x.label = model;
  END IF;
  IF m.label IS NULL THEN
    RAISE EXCEPTION 'credit model % does not exist', coalesce(quote_literal(model), '(current)')
      USING ERRCODE = 'no_data_found';
  END IF;
  v_day := sv.local_date(as_of);

  RETURN QUERY SELECT * FROM sv._credit_store_classes(m, v_day, v_codes, as_of);
  PERFORM sv.audit_append(NULL, 'credit_class', coalesce(array_length(subjects, 1)::text || ' subject(s)', 'all'), 'rescore',
    jsonb_build_object('model', m.label, 'as_of', v_day, 'as_of_moment', as_of));
END
$fn$;
COMMENT ON FUNCTION sv.credit_rescore(text[], text, timestamptz) IS
  'Recompute and store the credit class of the given subjects (NULL: every subject with events), with the monthly history';
GRANT EXECUTE ON FUNCTION sv.credit_rescore(text[], text, timestamptz) TO sv_admin, sv_integration;

-- The monthly full run (pg_cron), by the name the national practice uses.
CREATE OR REPLACE FUNCTION sv.credit_rescore_all(model text DEFAULT NULL)
RETURNS TABLE (classified bigint, changed bigint)
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT * FROM sv.credit_rescore(NULL, model, now())
$fn$;
COMMENT ON FUNCTION sv.credit_rescore_all(text) IS
  'Recompute and store the credit class of every subject with events (monthly, e.g. from pg_cron)';
GRANT EXECUTE ON FUNCTION sv.credit_rescore_all(text) TO sv_admin, sv_integration;

-- Credit's interface to class moves (read by risk, 66_risk.sql): the months from_month..to_month
-- in which a subject's class (sv.credit_class_history, as computed by as_of) is worse than the
-- month before (A best .. D worst).  known_at: when the month's class was computed.
CREATE OR REPLACE FUNCTION sv.credit_class_worse(from_month date, to_month date, as_of timestamptz,
                                                 usccs sv.uscc[] DEFAULT NULL)
RETURNS TABLE (uscc sv.uscc, month date, from_class text, to_class text, known_at timestamptz)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT h.uscc, h.month, p.class, h.class, h.computed_at
  FROM sv.credit_class_history h
  JOIN sv.credit_class_history p ON p.uscc = h.uscc AND p.month = (h.month - interval '1 month')::date
  WHERE h.month >= from_month AND h.month <= to_month AND h.computed_at <= credit_class_worse.as_of AND p.computed_at <= credit_class_worse.as_of
    AND (usccs IS NULL OR h.uscc = ANY (usccs)) AND p.class < h.class
$fn$;
COMMENT ON FUNCTION sv.credit_class_worse(date, date, timestamptz, sv.uscc[]) IS
  'Months in which a subject''s credit class is worse than the month before, as computed by a moment (read by risk scans)';
