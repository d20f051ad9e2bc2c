-- ---------------------------------------------------------------------------------------------
-- 66_risk: risk early warning (风险预警), issue 17; docs/risk.md.  This file so far: the
-- statistical detectors (in C, src/risk/detect.c), the rules that use them, the signals counted
-- per series and month, and the first scan (one rule, the Poisson tail) with its alerts.
--
-- Tables:     sv.risk_rule (versioned, immutable), sv.risk_alert (append-only)
-- Functions:  sv.poisson_upper_tail(x, lambda) = P(X >= x | lambda);
--             the detectors over one series of counts, one row per point:
--             sv.risk_poisson_tail (trailing baseline with a guard band), sv.risk_ewma (exact
--             time-varying limit), sv.risk_cusum (Poisson CUSUM, restarts after an alarm),
--             sv.risk_cusum_k; with exposure (per_workday: the working days of each month)
--             sv.risk_poisson_tail_exposure, sv.risk_ewma_exposure, sv.risk_cusum_exposure;
--             across series sv.risk_bh (Benjamini-Hochberg);
--             sv.risk_rule_save, sv.risk_signal_counts, sv.risk_scan
-- Views:      sv_work.risk_rule, sv_work.risk_alert
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION sv.poisson_upper_tail(x bigint, lambda float8) RETURNS float8
AS 'MODULE_PATHNAME', 'sv_poisson_upper_tail' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv.poisson_upper_tail(bigint, float8) IS
  'P(X >= x) for X Poisson with mean lambda (0 <= lambda <= 1e9), by the regularized incomplete gamma function';

CREATE OR REPLACE FUNCTION sv.risk_poisson_tail(counts bigint[], baseline integer, guard integer, alpha float8,
                                                min_count bigint DEFAULT 1)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
AS 'MODULE_PATHNAME', 'sv_risk_poisson_tail' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION sv.risk_poisson_tail(bigint[], integer, integer, float8, bigint) IS
  'Poisson tail detector: p = P(X >= count | mean of the baseline periods ending guard periods before), alarm when p < alpha and count >= min_count';

CREATE OR REPLACE FUNCTION sv.risk_poisson_tail_exposure(counts bigint[], exposure bigint[], baseline integer,
                                                         guard integer, alpha float8, min_count bigint DEFAULT 1)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
AS 'MODULE_PATHNAME', 'sv_risk_poisson_tail_exposure' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION sv.risk_poisson_tail_exposure(bigint[], bigint[], integer, integer, float8, bigint) IS
  'Poisson tail detector with exposure (e.g. working days per period): the mean of a period is the baseline periods'' rate (counts over exposure) times its exposure';

CREATE OR REPLACE FUNCTION sv.risk_ewma(counts bigint[], mu0 float8, sigma float8, lambda float8, l float8)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
AS 'MODULE_PATHNAME', 'sv_risk_ewma' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION sv.risk_ewma(bigint[], float8, float8, float8, float8) IS
  'EWMA detector: z_t against the exact limit mu0 + L sigma sqrt(lambda/(2-lambda) (1-(1-lambda)^(2t)))';

CREATE OR REPLACE FUNCTION sv.risk_ewma_exposure(counts bigint[], exposure bigint[], mu0 float8, sigma float8,
                                                 lambda float8, l float8)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
AS 'MODULE_PATHNAME', 'sv_risk_ewma_exposure' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION sv.risk_ewma_exposure(bigint[], bigint[], float8, float8, float8, float8) IS
  'EWMA detector with exposure (e.g. working days per period): z_t over the rates counts/exposure, mu0 and sigma per unit of exposure, limit mu0 + L sigma lambda sqrt(sum_i (1-lambda)^(2(t-i)) / w_i); baseline mu0 w_t';

CREATE OR REPLACE FUNCTION sv.risk_cusum_k(mu0 float8, mu1 float8) RETURNS float8
AS 'MODULE_PATHNAME', 'sv_risk_cusum_k' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv.risk_cusum_k(float8, float8) IS
  'Reference value of the Poisson CUSUM: (mu1 - mu0) / (ln mu1 - ln mu0)';

CREATE OR REPLACE FUNCTION sv.risk_cusum(counts bigint[], mu0 float8, mu1 float8, h float8)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
AS 'MODULE_PATHNAME', 'sv_risk_cusum' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION sv.risk_cusum(bigint[], float8, float8, float8) IS
  'Poisson CUSUM detector: S_t = max(0, S_{t-1} + x_t - k), alarm when S_t > h, then S restarts at 0';

CREATE OR REPLACE FUNCTION sv.risk_cusum_exposure(counts bigint[], exposure bigint[], mu0 float8, mu1 float8, h float8)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
AS 'MODULE_PATHNAME', 'sv_risk_cusum_exposure' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION sv.risk_cusum_exposure(bigint[], bigint[], float8, float8, float8) IS
  'Poisson CUSUM detector with exposure (e.g. working days per period): mu0, mu1 per unit of exposure, S_t = max(0, S_{t-1} + x_t - k w_t), alarm when S_t > h, then S restarts at 0; baseline mu0 w_t';

-- The counts of a series by month from the months of its signal rows (zeros included): what a
-- scan gives its detectors (internal: no grant).
CREATE OR REPLACE FUNCTION sv._risk_month_counts(months date[], from_month date, n integer) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'sv_risk_month_counts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv._risk_month_counts(date[], date, integer) IS
  'The counts of a series by month: element i counts the dates in the i-th month from from_month''s (n months)';

CREATE OR REPLACE FUNCTION sv.risk_bh(p float8[], q float8)
RETURNS TABLE (i integer, p float8, p_adjusted float8, reject boolean)
AS 'MODULE_PATHNAME', 'sv_risk_bh' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv.risk_bh(float8[], float8) IS
  'Benjamini-Hochberg across series: step-up adjusted p-values, rejected when adjusted p <= q (the false discovery rate)';

-- Pure arithmetic: the officials who read risk (and BI, for its own analyses) may call them.
GRANT EXECUTE ON FUNCTION sv.poisson_upper_tail(bigint, float8),
                          sv.risk_poisson_tail(bigint[], integer, integer, float8, bigint),
                          sv.risk_poisson_tail_exposure(bigint[], bigint[], integer, integer, float8, bigint),
                          sv.risk_ewma(bigint[], float8, float8, float8, float8),
                          sv.risk_ewma_exposure(bigint[], bigint[], float8, float8, float8, float8),
                          sv.risk_cusum_k(float8, float8),
                          sv.risk_cusum(bigint[], float8, float8, float8),
                          sv.risk_cusum_exposure(bigint[], bigint[], float8, float8, float8),
                          sv.risk_bh(float8[], float8)
  TO sv_admin, sv_auditor, sv_officer, sv_bi;

-- ---------------------------------------------------------------------------------------------
-- Rules (预警规则): which signal, counted per subject or per industry x region, is watched by
-- which detector with which parameters; how severe an alert is (the four warning levels of
-- 突发事件应对法 §42: 蓝 IV, 黄 III, 橙 II, 红 I), the department that must act, and the legal or
-- policy basis.  Versioned and immutable: a change is a new version of the same code, so every
-- alert can be explained by the rule exactly as it was (as credit models, 55_credit.sql).
--
-- Table:      sv.risk_rule (code, version); view sv_work.risk_rule (with the version in force)
-- Functions:  sv.risk_rule_save (administrators), sv._risk_signals, sv._risk_params
-- ---------------------------------------------------------------------------------------------

-- The signals a rule can watch: those the platform counts per month so far (docs/risk.md).
CREATE OR REPLACE FUNCTION sv._risk_signals() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT ARRAY['failed_inspection', 'penalty', 'complaint', 'credit_class_worse', 'abnormal_operation',
               'licence_expiring', 'licence_revocation', 'publication_overdue', 'repeat_inspection']
$fn$;

CREATE TABLE sv.risk_rule (
  code          text NOT NULL CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  version       integer NOT NULL CHECK (version >= 1),
  name          sv.label_text NOT NULL,
  signal        text NOT NULL CHECK (signal ~ '^[a-z][a-z0-9_]{1,63}$'),
  group_by      text NOT NULL CHECK (group_by IN ('subject', 'industry_region')),
  detector      text NOT NULL CHECK (detector IN ('poisson_tail', 'ewma', 'cusum', 'threshold', 'streak')),
  params        jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
  severity      text NOT NULL CHECK (severity IN ('blue', 'yellow', 'orange', 'red')),
  department_id integer NOT NULL REFERENCES sv.department (id),
  basis         sv.label_text NOT NULL,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  CONSTRAINT risk_rule_pkey PRIMARY KEY (code, version)
);
CREATE INDEX risk_rule_department_idx ON sv.risk_rule (department_id);
COMMENT ON TABLE sv.risk_rule IS
  'Risk early-warning rules (预警规则), versioned and immutable: signal, grouping, detector and parameters, severity, department, basis';
CREATE TRIGGER risk_rule_immutable BEFORE UPDATE OR DELETE ON sv.risk_rule
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a risk rule is kept for explaining its alerts: save a new version');
CREATE TRIGGER risk_rule_no_truncate BEFORE TRUNCATE ON sv.risk_rule
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a risk rule is kept for explaining its alerts');
ALTER TABLE sv.risk_rule ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_rule FORCE ROW LEVEL SECURITY;
-- rules are not secret among officials: every department sees what every rule watches
CREATE POLICY risk_rule_read ON sv.risk_rule FOR SELECT TO sv_admin, sv_auditor, sv_officer USING (true);
GRANT SELECT ON sv.risk_rule TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.risk_rule', '');

-- The parameters of a detector: checked one by one (22023 naming params.<key>), defaults filled
-- in, so that the stored rule says every value its detector used.
--   poisson_tail: baseline 1-120 periods, guard 0-24 (default 0), alpha in (0, 1), min_count >= 0
--                 (default 1), fdr_q in (0, 1) (optional: Benjamini-Hochberg across the series),
--                 per_workday true or false (optional, false when absent: each month's mean is the
--                 baseline months' count per working day times the month's working days, on the
--                 working-day calendar, 20_calendar.sql)
--   ewma:         the in-control mean either fixed, mu0 >= 0, or estimated per series and tested
--                 month, baseline 1-120 periods (ending guard 0-24 periods, default 0, before the
--                 chart) with mu0_min > 0 (default 0.5) as its floor; sigma > 0 (default
--                 sqrt(mu0), the Poisson one), lambda in (0, 1], l > 0, window 1-120 (default 12:
--                 the months the chart runs over, ending at the tested month), min_count >= 0
--                 (default 1), per_workday true or false (optional, false when absent: the chart
--                 runs on each month's count per working day, mu0, mu0_min (default 0.025) and
--                 sigma are per working day, sv.risk_ewma_exposure)
--   cusum:        mu0 > 0 and mu1 > mu0 fixed, or baseline, guard and mu0_min as for ewma with
--                 shift in (1, 100] (mu1 = shift x mu0); h > 0, window, min_count, per_workday as
--                 for ewma (the means per working day, each month's scaled by its working days,
--                 sv.risk_cusum_exposure)
--   threshold:    count 1-1000000: a month's count at or above it alarms
--   streak:       n 2-100: the n-th failed inspection in a row of a subject alarms (signal
--                 failed_inspection, group_by subject: checked by sv.risk_rule_save)
CREATE OR REPLACE FUNCTION sv._risk_params(detector text, params jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  spec record;
  v_bad text;
  v jsonb;
  n numeric;
  v_out jsonb := '{}';
  v_keys text[];
  v_estimated boolean;
  v_per_workday boolean;
  v_mu0_min numeric;
BEGIN
  IF jsonb_typeof(params) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'params must be a JSON object, not %', coalesce(jsonb_typeof(params), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_keys := CASE detector WHEN 'poisson_tail' THEN ARRAY['baseline', 'guard', 'alpha', 'min_count', 'fdr_q', 'per_workday']
                          WHEN 'ewma' THEN ARRAY['mu0', 'baseline', 'guard', 'mu0_min', 'sigma', 'lambda', 'l', 'window', 'min_count',
                                                 'per_workday']
                          WHEN 'cusum' THEN ARRAY['mu0', 'mu1', 'baseline', 'guard', 'mu0_min', 'shift', 'h', 'window', 'min_count',
                                                  'per_workday']
                          WHEN 'threshold' THEN ARRAY['count']
                          ELSE ARRAY['n'] END;
  SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad FROM jsonb_object_keys(params) k WHERE k <> ALL (v_keys);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'params: % not a parameter of detector %', v_bad, detector
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('%s takes %s.', detector, array_to_string(v_keys, ', '));
  END IF;
  IF params -> 'per_workday' IS NOT NULL AND params -> 'per_workday' <> 'null' THEN
    IF jsonb_typeof(params -> 'per_workday') <> 'boolean' THEN
      RAISE EXCEPTION 'params.per_workday must be true or false, not %', params -> 'per_workday'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_per_workday := (params ->> 'per_workday')::boolean;
  END IF;
  -- ewma and cusum: the in-control mean fixed (mu0) or estimated from a trailing baseline
  IF detector IN ('ewma', 'cusum') THEN
    v_estimated := params -> 'baseline' IS NOT NULL AND params -> 'baseline' <> 'null';
    IF v_estimated AND params -> 'mu0' IS NOT NULL AND params -> 'mu0' <> 'null' THEN
      RAISE EXCEPTION 'params: give either mu0 (a fixed in-control mean) or baseline (estimated per series), not both'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad FROM jsonb_each(params) e(k, x)
    WHERE x <> 'null' AND k = ANY (CASE WHEN v_estimated THEN ARRAY['mu1'] ELSE ARRAY['guard', 'mu0_min', 'shift'] END);
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'params: % %', v_bad,
        CASE WHEN v_estimated THEN 'goes with a fixed mu0, not with baseline' ELSE 'goes with baseline, not with a fixed mu0' END
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT v_estimated AND (params -> 'mu0' IS NULL OR params -> 'mu0' = 'null') THEN
      RAISE EXCEPTION 'params.mu0 or params.baseline must be given for detector %', detector
        USING ERRCODE = 'null_value_not_allowed';
    END IF;
  END IF;
  -- the floor of an estimated mu0: 0.5 a month, or with per_workday 0.025 a working day (0.5 a
  -- month of 20 working days)
  v_mu0_min := CASE WHEN v_per_workday THEN 0.025 ELSE 0.5 END;
  -- key, integer?, lower bound, lower bound included?, upper bound, upper included?, default,
  -- required?
  FOR spec IN
    SELECT * FROM (VALUES
      ('poisson_tail', 'baseline', true, 1::numeric, true, 120::numeric, true, NULL::numeric, true, 1),
      ('poisson_tail', 'guard', true, 0, true, 24, true, 0, false, 2),
      ('poisson_tail', 'alpha', false, 0, false, 1, false, NULL, true, 3),
      ('poisson_tail', 'min_count', true, 0, true, 1000000, true, 1, false, 4),
      ('poisson_tail', 'fdr_q', false, 0, false, 1, false, NULL, false, 5),
      ('ewma', 'mu0', false, 0, true, 1e9, true, NULL, false, 1),
      ('ewma', 'baseline', true, 1, true, 120, true, NULL, false, 2),
      ('ewma', 'guard', true, 0, true, 24, true, CASE WHEN v_estimated THEN 0 END, false, 3),
      ('ewma', 'mu0_min', false, 0, false, 1e9, true, CASE WHEN v_estimated THEN v_mu0_min END, false, 4),
      ('ewma', 'sigma', false, 0, false, 1e9, true, NULL, false, 5),
      ('ewma', 'lambda', false, 0, false, 1, true, NULL, true, 6),
      ('ewma', 'l', false, 0, false, 100, true, NULL, true, 7),
      ('ewma', 'window', true, 1, true, 120, true, 12, false, 8),
      ('ewma', 'min_count', true, 0, true, 1000000, true, 1, false, 9),
      ('cusum', 'mu0', false, 0, false, 1e9, true, NULL, false, 1),
      ('cusum', 'mu1', false, 0, false, 1e9, true, NULL, NOT v_estimated, 2),
      ('cusum', 'baseline', true, 1, true, 120, true, NULL, false, 3),
      ('cusum', 'guard', true, 0, true, 24, true, CASE WHEN v_estimated THEN 0 END, false, 4),
      ('cusum', 'mu0_min', false, 0, false, 1e9, true, CASE WHEN v_estimated THEN v_mu0_min END, false, 5),
      ('cusum', 'shift', false, 1, false, 100, true, NULL, v_estimated, 6),
      ('cusum', 'h', false, 0, false, 1e9, true, NULL, true, 7),
      ('cusum', 'window', true, 1, true, 120, true, 12, false, 8),
      ('cusum', 'min_count', true, 0, true, 1000000, true, 1, false, 9),
      ('threshold', 'count', true, 1, true, 1000000, true, NULL, true, 1),
      ('streak', 'n', true, 2, true, 100, true, NULL, true, 1)
    ) s(det, key, is_int, lo, lo_in, hi, hi_in, dflt, required, ord)
    WHERE s.det = detector ORDER BY s.ord
  LOOP
    v := params -> spec.key;
    IF v IS NULL OR v = 'null' THEN
      IF spec.dflt IS NOT NULL THEN
        v_out := v_out || jsonb_build_object(spec.key, spec.dflt);
      ELSIF spec.required THEN
        RAISE EXCEPTION 'params.% must be given for detector %', spec.key, detector
          USING ERRCODE = 'null_value_not_allowed';
      END IF;
      CONTINUE;
    END IF;
    n := CASE WHEN jsonb_typeof(v) = 'number' THEN v::text::numeric END;
    IF n IS NULL OR (spec.is_int AND n <> trunc(n))
       OR n < spec.lo OR (n = spec.lo AND NOT spec.lo_in) OR n > spec.hi OR (n = spec.hi AND NOT spec.hi_in) THEN
      RAISE EXCEPTION USING MESSAGE = format('params.%s must be %s in %s%s, %s%s, not %s', spec.key,
        CASE WHEN spec.is_int THEN 'an integer' ELSE 'a number' END,
        CASE WHEN spec.lo_in THEN '[' ELSE '(' END, spec.lo, spec.hi, CASE WHEN spec.hi_in THEN ']' ELSE ')' END, v),
        ERRCODE = 'invalid_parameter_value';
    END IF;
    v_out := v_out || jsonb_build_object(spec.key, n);
  END LOOP;
  IF v_per_workday IS NOT NULL THEN
    v_out := v_out || jsonb_build_object('per_workday', v_per_workday);
  END IF;
  IF detector = 'ewma' AND NOT v_out ? 'sigma' AND NOT v_estimated THEN
    IF (v_out ->> 'mu0')::numeric = 0 THEN
      RAISE EXCEPTION 'params.sigma must be given for detector ewma when mu0 is 0'
        USING ERRCODE = 'null_value_not_allowed';
    END IF;
    v_out := v_out || jsonb_build_object('sigma', trim_scale(round(sqrt((v_out ->> 'mu0')::numeric), 12)));
  END IF;
  IF detector = 'cusum' AND NOT v_estimated AND (v_out ->> 'mu1')::numeric <= (v_out ->> 'mu0')::numeric THEN
    RAISE EXCEPTION 'params.mu1 must be greater than params.mu0 (they are % and %)', v_out -> 'mu1', v_out -> 'mu0'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The CUSUM looks for a rise from the in-control mean mu0 to mu1.';
  END IF;
  RETURN v_out;
END
$fn$;

-- The notice period of signal licence_expiring: params.notice_days, an integer of days 1-365
-- (default 30: the notice day of a licence is that many days before its valid_until); of no
-- other signal (22023).  Returns what the rule stores: {"notice_days": n}, or {} for another
-- signal.
CREATE OR REPLACE FUNCTION sv._risk_notice_days(signal text, params jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v jsonb := params -> 'notice_days';
  n numeric;
BEGIN
  IF v IS NULL OR v = 'null' THEN
    RETURN CASE WHEN signal = 'licence_expiring' THEN '{"notice_days": 30}'::jsonb ELSE '{}'::jsonb END;
  END IF;
  IF signal <> 'licence_expiring' THEN
    RAISE EXCEPTION 'params.notice_days goes with signal licence_expiring, not %', signal
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  n := CASE WHEN jsonb_typeof(v) = 'number' THEN v::text::numeric END;
  IF n IS NULL OR n <> trunc(n) OR n < 1 OR n > 365 THEN
    RAISE EXCEPTION 'params.notice_days must be an integer in [1, 365], not %', v
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN jsonb_build_object('notice_days', n);
END
$fn$;

-- Administrators: save a rule, as version 1 of a new code or the next version of an existing
-- one.  Returns the version saved.
CREATE OR REPLACE FUNCTION sv.risk_rule_save(code text, name text, signal text, group_by text, detector text,
                                             params jsonb, severity text, department_id integer, basis text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_name text;
  v_basis text;
  v_params jsonb;
  v_version integer;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'name', 'signal', 'group_by', 'detector', 'params', 'severity',
                                  'department_id', 'basis'],
                            ARRAY[code IS NULL, name IS NULL, signal IS NULL, group_by IS NULL, detector IS NULL,
                                  params IS NULL, severity IS NULL, department_id IS NULL, basis IS NULL]);
  PERFORM sv._require_code('code', code);
  v_name := sv._require_label('name', name, 200);
  PERFORM sv._require_text('name', v_name);
  PERFORM sv._require_one_of('signal', signal, sv._risk_signals());
  PERFORM sv._require_one_of('group_by', group_by, ARRAY['subject', 'industry_region']);
  PERFORM sv._require_one_of('detector', detector, ARRAY['poisson_tail', 'ewma', 'cusum', 'threshold', 'streak']);
  -- the notice period of licence_expiring (a parameter of the signal, not of the detector)
  v_params := sv._risk_params(detector, CASE WHEN jsonb_typeof(params) = 'object' THEN params - 'notice_days' ELSE params END);
  v_params := v_params || sv._risk_notice_days(signal, params);
  IF detector = 'streak' AND (signal, group_by) IS DISTINCT FROM ('failed_inspection', 'subject') THEN
    RAISE EXCEPTION 'detector streak counts failed inspections of one subject in a row: signal must be failed_inspection and group_by subject (they are % and %)',
      signal, group_by
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_one_of('severity', severity, ARRAY['blue', 'yellow', 'orange', 'red']);
  PERFORM sv._require_department('department_id', department_id);
  v_basis := sv._require_label('basis', basis, 500);
  PERFORM sv._require_text('basis', v_basis);
  PERFORM sv._require_role('save risk rules', '{sv_admin}');

  -- versions of one code are numbered in turn
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.risk_rule ' || code));
  SELECT coalesce(max(r.version), 0) + 1 INTO v_version FROM sv.risk_rule r WHERE r.code = risk_rule_save.code;
  INSERT INTO sv.risk_rule (code, version, name, signal, group_by, detector, params, severity, department_id, basis,
                            created_by, created_at)
  VALUES (code, v_version, v_name, signal, group_by, detector, v_params, severity, department_id, v_basis,
          me.login, now());
  PERFORM sv.audit_append(department_id, 'risk_rule', code || ' v' || v_version, 'add',
    jsonb_build_object('name', v_name, 'signal', signal, 'group_by', group_by, 'detector', detector,
                       'params', v_params, 'severity', severity, 'basis', v_basis));
  RETURN v_version;
END
$fn$;
COMMENT ON FUNCTION sv.risk_rule_save(text, text, text, text, text, jsonb, text, integer, text) IS
  'Administrators: save a risk rule as the next version of its code (immutable; returns the version)';
GRANT EXECUTE ON FUNCTION sv.risk_rule_save(text, text, text, text, text, jsonb, text, integer, text) TO sv_admin;

-- What officials read: every version, with its department and whether it is the one in force
-- (the latest of its code).  security_invoker: the table's policy decides.
-- sv:rerun (the labels of the risk codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('risk.signal', ARRAY[['failed_inspection', '检查不合格'], ['penalty', '行政处罚'],
  ['complaint', '投诉举报查实'], ['credit_class_worse', '信用等级下降'], ['abnormal_operation', '列入经营异常名录'],
  ['licence_expiring', '许可证即将到期'], ['licence_revocation', '许可证被建议吊销或暂扣'],
  ['publication_overdue', '检查结果逾期未公示'], ['repeat_inspection', '超年度上限重复检查']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('risk_rule.group_by', ARRAY[['subject', '按市场主体'], ['industry_region', '按行业×区域']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('risk_rule.detector', ARRAY[['poisson_tail', '泊松尾概率'], ['ewma', '指数加权移动平均'],
  ['cusum', '累积和'], ['threshold', '阈值'], ['streak', '连续次数']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('risk.severity', ARRAY[['blue', '蓝色'], ['yellow', '黄色'], ['orange', '橙色'], ['red', '红色']]);

CREATE VIEW sv_work.risk_rule WITH (security_invoker = true) AS
  SELECT r.code, r.version, r.name, r.signal, sv.label_zh('risk.signal', r.signal) AS signal_zh,
         r.group_by, sv.label_zh('risk_rule.group_by', r.group_by) AS group_by_zh,
         r.detector, sv.label_zh('risk_rule.detector', r.detector) AS detector_zh, r.params,
         r.severity, sv.label_zh('risk.severity', r.severity) AS severity_zh,
         r.department_id, d.code AS department_code, d.name_zh AS department_name, r.basis,
         r.version = max(r.version) OVER (PARTITION BY r.code) AS in_force,
         r.created_by, r.created_at
  FROM sv.risk_rule r JOIN sv.department d ON d.id = r.department_id;
COMMENT ON VIEW sv_work.risk_rule IS '预警规则 / Risk early-warning rules, every version, the latest of each code in force';
COMMENT ON COLUMN sv_work.risk_rule.code IS '规则代码';
COMMENT ON COLUMN sv_work.risk_rule.version IS '版本号';
COMMENT ON COLUMN sv_work.risk_rule.name IS '规则名称';
COMMENT ON COLUMN sv_work.risk_rule.signal IS '监测信号代码:failed_inspection 检查不合格, penalty 行政处罚, complaint 投诉举报查实, credit_class_worse 信用等级下降, abnormal_operation 列入经营异常名录, licence_expiring 许可证即将到期, licence_revocation 许可证被建议吊销或暂扣, publication_overdue 检查结果逾期未公示, repeat_inspection 超年度上限重复检查';
COMMENT ON COLUMN sv_work.risk_rule.signal_zh IS '监测信号';
COMMENT ON COLUMN sv_work.risk_rule.group_by IS '统计口径:subject 按市场主体, industry_region 按行业×区域';
COMMENT ON COLUMN sv_work.risk_rule.group_by_zh IS '统计口径';
COMMENT ON COLUMN sv_work.risk_rule.detector IS '检测方法代码:poisson_tail 泊松尾概率, ewma 指数加权移动平均, cusum 累积和, threshold 阈值, streak 连续次数';
COMMENT ON COLUMN sv_work.risk_rule.detector_zh IS '检测方法';
COMMENT ON COLUMN sv_work.risk_rule.params IS '检测参数';
COMMENT ON COLUMN sv_work.risk_rule.severity IS '预警级别代码:blue 蓝色, yellow 黄色, orange 橙色, red 红色';
COMMENT ON COLUMN sv_work.risk_rule.severity_zh IS '预警级别';
COMMENT ON COLUMN sv_work.risk_rule.department_id IS '责任部门编号';
COMMENT ON COLUMN sv_work.risk_rule.department_code IS '责任部门代码';
COMMENT ON COLUMN sv_work.risk_rule.department_name IS '责任部门名称';
COMMENT ON COLUMN sv_work.risk_rule.basis IS '法律政策依据';
COMMENT ON COLUMN sv_work.risk_rule.in_force IS '是否现行版本';
COMMENT ON COLUMN sv_work.risk_rule.created_by IS '创建人';
COMMENT ON COLUMN sv_work.risk_rule.created_at IS '创建时间';
GRANT SELECT ON sv_work.risk_rule TO sv_admin, sv_auditor, sv_officer;

-- ---------------------------------------------------------------------------------------------
-- Signals and the first scan.  A signal is a fact the platform holds, dated to a month and
-- known from a moment on, so that a scan as of a moment sees exactly what was known then:
--   failed_inspection: an inspection (sv.action, kind 'inspection') whose result is not
--                      'no_problem', in the month it ended, known from its receipt;
--   penalty:           an administrative penalty decision (sv.credit_event, kind
--                      'administrative_penalty'), in the month decided, known from its recording.
--   complaint:         a substantiated complaint or report (sv.credit_event, kind
--                      'substantiated_complaint', written when an item is closed as substantiated:
--                      69_complaint_flow.sql), in the month closed, known from its recording.
-- and, each read through the function of the capability that owns it (sv._risk_signal_more):
--   credit_class_worse: a month whose credit class is worse than the month before
--                      (sv.credit_class_worse, 55_credit.sql), known from its computation;
--   abnormal_operation: a listing in the abnormal-operation register (sv.credit_event, kind
--                      'abnormal_operation'), in the month decided, known from its recording;
--   licence_expiring:  a licence whose latest decision has a valid_until, in the month of its
--                      notice day 30 days before (sv.linkage_licence_signal, 65_linkage.sql),
--                      known from that day (a renewal received before it ends the signal);
--   licence_revocation: a linkage result proposing revocation or suspending the licence, in
--                      the month reported, known from its report;
--   publication_overdue: an action not published by its publication_due (working days, the
--                      deadline model), in the month of the first overdue day, known from that
--                      day (sv.action_publication_overdue, 42_action.sql);
--   repeat_inspection: an inspection beyond the annual cap of its subject's region (国办发
--                      〔2024〕54号; sv.inspection_beyond_cap, 73_joint_inspection.sql), in the
--                      month started, known from its receipt.
-- A series is one subject, or one industry (GB/T 4754 section letter) x region (the subject's
-- region now); its count per month is the number of its signals.
--
-- Table:      sv.risk_alert (append-only: each alert with its explanation); view sv_work.risk_alert
-- Functions:  sv._risk_signal (the signal rows), sv.risk_signal_counts (per series and month),
--             sv.risk_scan (one rule, the Poisson tail detector so far)
-- ---------------------------------------------------------------------------------------------

-- The signals read through other capabilities' functions: the rows of the months
-- from_month..to_month known by as_of (of the subjects usccs only, when given).  A capability
-- installed after this file provides its signal as sv._risk_signal_<signal>(from_day, to_day,
-- as_of, usccs) returning these rows (repeat_inspection: 73_joint_inspection.sql).
CREATE OR REPLACE FUNCTION sv._risk_signal_more(signal text, from_month date, to_month date, as_of timestamptz,
                                                usccs sv.uscc[] DEFAULT NULL, notice_days integer DEFAULT 30)
RETURNS TABLE (uscc sv.uscc, industry text, region_code text, month date, source jsonb, known_at timestamptz)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_to date := ((to_month + interval '1 month')::date - 1);
BEGIN
  IF signal = 'credit_class_worse' THEN
    RETURN QUERY
    SELECT m.uscc, left(s.industry, 1), s.region_code, m.month,
           jsonb_build_object('table', 'credit_class_history', 'uscc', m.uscc, 'day', m.month, 'from_class', m.from_class,
                              'to_class', m.to_class), m.known_at
    FROM sv.credit_class_worse(from_month, to_month, as_of, usccs) m JOIN sv.subject s ON s.uscc = m.uscc;
  ELSIF signal = 'abnormal_operation' THEN
    RETURN QUERY
    SELECT e.uscc, left(s.industry, 1), s.region_code, date_trunc('month', e.decided_on)::date,
           jsonb_build_object('table', 'credit_event', 'uscc', e.uscc, 'id', e.id, 'day', e.decided_on,
                              'reference', e.reference, 'department_id', e.department_id), e.recorded_at
    FROM sv.credit_event e JOIN sv.subject s ON s.uscc = e.uscc
    WHERE e.kind = 'abnormal_operation' AND (usccs IS NULL OR e.uscc = ANY (usccs))
      AND e.decided_on >= from_month AND e.decided_on <= v_to AND e.recorded_at <= as_of;
  ELSIF signal IN ('licence_expiring', 'licence_revocation') THEN
    RETURN QUERY
    SELECT l.uscc, left(s.industry, 1), s.region_code, date_trunc('month', l.day)::date,
           jsonb_build_object('table', CASE WHEN l.result_id IS NULL THEN 'linkage' ELSE 'linkage_result' END,
                              'uscc', l.uscc, 'id', coalesce(l.result_id, l.linkage_id), 'day', l.day, 'kind', l.kind,
                              'licence_no', l.licence_no, 'valid_until', l.valid_until, 'department_id', l.department_id),
           l.known_at
    FROM sv.linkage_licence_signal(from_month, v_to, as_of, notice_days, usccs) l JOIN sv.subject s ON s.uscc = l.uscc
    WHERE (l.kind = 'expiring') = (signal = 'licence_expiring');
  ELSIF signal = 'publication_overdue' THEN
    RETURN QUERY
    SELECT a.uscc, left(s.industry, 1), s.region_code, date_trunc('month', a.overdue_on)::date,
           jsonb_build_object('table', 'action', 'uscc', a.uscc, 'id', a.id, 'day', a.overdue_on,
                              'publication_due', a.publication_due, 'published_at', a.published_at,
                              'department_id', a.department_id), a.known_at
    FROM sv.action_publication_overdue(from_month, v_to, as_of, usccs) a JOIN sv.subject s ON s.uscc = a.uscc;
  ELSIF signal = 'repeat_inspection' THEN
    -- a signal of a capability installed after risk (joint inspection, 73): its provider
    -- sv._risk_signal_<signal>, with this function's arguments and rows, is found at run time
    RETURN QUERY EXECUTE format('SELECT * FROM sv.%I($1, $2, $3, $4)', '_risk_signal_' || signal)
      USING from_month, v_to, as_of, usccs;
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION sv._risk_signal(signal text, from_month date, to_month date, as_of timestamptz,
                                           notice_days integer DEFAULT 30)
RETURNS TABLE (uscc sv.uscc, industry text, region_code text, month date, source jsonb, known_at timestamptz)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT a.uscc, left(s.industry, 1), s.region_code, date_trunc('month', a.ended_on)::date,
         jsonb_build_object('table', 'action', 'uscc', a.uscc, 'id', a.id, 'day', a.ended_on, 'result', a.result,
                            'department_id', a.department_id), a.received_at
  FROM sv.action a JOIN sv.subject s ON s.uscc = a.uscc
  WHERE signal = 'failed_inspection' AND a.kind = 'inspection' AND a.result <> 'no_problem'
    AND a.ended_on >= from_month AND a.ended_on < (to_month + interval '1 month')::date AND a.received_at <= as_of
  UNION ALL
  SELECT e.uscc, left(s.industry, 1), s.region_code, date_trunc('month', e.decided_on)::date,
         jsonb_build_object('table', 'credit_event', 'uscc', e.uscc, 'id', e.id, 'day', e.decided_on,
                            'reference', e.reference, 'department_id', e.department_id), e.recorded_at
  FROM sv.credit_event e JOIN sv.subject s ON s.uscc = e.uscc
  WHERE ((signal = 'penalty' AND e.kind = 'administrative_penalty') OR (signal = 'complaint' AND e.kind = 'substantiated_complaint'))
    AND e.decided_on >= from_month AND e.decided_on < (to_month + interval '1 month')::date AND e.recorded_at <= as_of
  UNION ALL
  SELECT * FROM sv._risk_signal_more(signal, from_month, to_month, as_of, NULL, notice_days)
  WHERE signal <> ALL (ARRAY['failed_inspection', 'penalty', 'complaint'])
$fn$;

-- The same rows of some subjects only (read along each table's primary key, which leads with
-- the subject): an incremental scan of a rule per subject, and an alert's signal rows.
CREATE OR REPLACE FUNCTION sv._risk_signal_of(signal text, from_month date, to_month date, as_of timestamptz, usccs sv.uscc[],
                                              notice_days integer DEFAULT 30)
RETURNS TABLE (uscc sv.uscc, industry text, region_code text, month date, source jsonb, known_at timestamptz)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT a.uscc, left(s.industry, 1), s.region_code, date_trunc('month', a.ended_on)::date,
         jsonb_build_object('table', 'action', 'uscc', a.uscc, 'id', a.id, 'day', a.ended_on, 'result', a.result,
                            'department_id', a.department_id), a.received_at
  FROM sv.action a JOIN sv.subject s ON s.uscc = a.uscc
  WHERE signal = 'failed_inspection' AND a.uscc = ANY (usccs) AND a.kind = 'inspection' AND a.result <> 'no_problem'
    AND a.ended_on >= from_month AND a.ended_on < (to_month + interval '1 month')::date AND a.received_at <= as_of
  UNION ALL
  SELECT e.uscc, left(s.industry, 1), s.region_code, date_trunc('month', e.decided_on)::date,
         jsonb_build_object('table', 'credit_event', 'uscc', e.uscc, 'id', e.id, 'day', e.decided_on,
                            'reference', e.reference, 'department_id', e.department_id), e.recorded_at
  FROM sv.credit_event e JOIN sv.subject s ON s.uscc = e.uscc
  WHERE ((signal = 'penalty' AND e.kind = 'administrative_penalty') OR (signal = 'complaint' AND e.kind = 'substantiated_complaint'))
    AND e.uscc = ANY (usccs)
    AND e.decided_on >= from_month AND e.decided_on < (to_month + interval '1 month')::date AND e.recorded_at <= as_of
  UNION ALL
  SELECT * FROM sv._risk_signal_more(signal, from_month, to_month, as_of, usccs, notice_days)
  WHERE signal <> ALL (ARRAY['failed_inspection', 'penalty', 'complaint'])
$fn$;

-- The months of the same rows of some subjects, without their source and industry: what an
-- incremental scan per subject counts (read along each table's primary key).
CREATE OR REPLACE FUNCTION sv._risk_signal_months_of(signal text, from_month date, to_month date, as_of timestamptz,
                                                     usccs sv.uscc[], notice_days integer DEFAULT 30)
RETURNS TABLE (uscc text, month date)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT a.uscc::text, date_trunc('month', a.ended_on)::date
  FROM sv.action a
  WHERE signal = 'failed_inspection' AND a.uscc = ANY (usccs) AND a.kind = 'inspection' AND a.result <> 'no_problem'
    AND a.ended_on >= from_month AND a.ended_on < (to_month + interval '1 month')::date AND a.received_at <= as_of
  UNION ALL
  SELECT e.uscc::text, date_trunc('month', e.decided_on)::date
  FROM sv.credit_event e
  WHERE ((signal = 'penalty' AND e.kind = 'administrative_penalty') OR (signal = 'complaint' AND e.kind = 'substantiated_complaint'))
    AND e.uscc = ANY (usccs)
    AND e.decided_on >= from_month AND e.decided_on < (to_month + interval '1 month')::date AND e.recorded_at <= as_of
  UNION ALL
  SELECT g.uscc::text, g.month FROM sv._risk_signal_more(signal, from_month, to_month, as_of, usccs, notice_days) g
  WHERE signal <> ALL (ARRAY['failed_inspection', 'penalty', 'complaint'])
$fn$;

-- The subjects (with their industry section and region) that have a signal row of the months
-- from_month..to_month which became known after since and by as_of: what an incremental scan
-- tests.  Read along the tables' indexes on the moment they were received (credit_event_recorded_idx,
-- action_received_idx).
CREATE OR REPLACE FUNCTION sv._risk_signal_new(signal text, from_month date, to_month date, since timestamptz,
                                               as_of timestamptz, notice_days integer DEFAULT 30)
RETURNS TABLE (uscc sv.uscc, industry text, region_code text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT s.uscc, left(s.industry, 1), s.region_code
  FROM sv.subject s
  WHERE s.uscc IN (SELECT a.uscc FROM sv.action a
                   WHERE signal = 'failed_inspection' AND a.received_at > since AND a.received_at <= as_of
                     AND a.kind = 'inspection' AND a.result <> 'no_problem'
                     AND a.ended_on >= from_month AND a.ended_on < (to_month + interval '1 month')::date
                   UNION
                   SELECT e.uscc FROM sv.credit_event e
                   WHERE signal IN ('penalty', 'complaint') AND e.recorded_at > since AND e.recorded_at <= as_of
                     AND e.kind = CASE signal WHEN 'penalty' THEN 'administrative_penalty' ELSE 'substantiated_complaint' END
                     AND e.decided_on >= from_month AND e.decided_on < (to_month + interval '1 month')::date
                   UNION
                   SELECT g.uscc FROM sv._risk_signal_more(signal, from_month, to_month, as_of, NULL, notice_days) g
                   WHERE signal <> ALL (ARRAY['failed_inspection', 'penalty', 'complaint']) AND g.known_at > since)
$fn$;

-- The signal counted per series and month (months without a signal are not listed: they count 0).
CREATE OR REPLACE FUNCTION sv.risk_signal_counts(signal text, group_by text, from_month date, to_month date,
                                                 as_of timestamptz DEFAULT now())
RETURNS TABLE (series text, month date, count bigint)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['signal', 'group_by', 'from_month', 'to_month', 'as_of'],
    ARRAY[signal IS NULL, group_by IS NULL, from_month IS NULL, to_month IS NULL, as_of IS NULL]);
  PERFORM sv._require_one_of('signal', signal, sv._risk_signals());
  PERFORM sv._require_one_of('group_by', group_by, ARRAY['subject', 'industry_region']);
  PERFORM sv._risk_require_months(from_month, to_month, as_of);
  PERFORM sv._require_role('count risk signals', '{sv_admin,sv_auditor}');
  RETURN QUERY
  SELECT sv._risk_series(group_by, g.uscc::text, g.industry, g.region_code) AS k, g.month, count(*)
  FROM sv._risk_signal(signal, from_month, to_month, as_of) g
  WHERE group_by = 'subject' OR g.industry IS NOT NULL
  GROUP BY 1, 2 ORDER BY 1, 2;
END
$fn$;

-- The key of a series: the subject's code, or "<industry section>:<region code>".
CREATE OR REPLACE FUNCTION sv._risk_series(group_by text, uscc text, industry text, region_code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT CASE group_by WHEN 'subject' THEN uscc ELSE industry || ':' || region_code END
$fn$;

-- Months are first days of months, in order, not after as_of; as_of is a moment not to come.
CREATE OR REPLACE FUNCTION sv._risk_require_months(from_month date, to_month date, as_of timestamptz) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'as_of must be a moment, not %', as_of USING ERRCODE = 'datetime_field_overflow';
  END IF;
  IF as_of > clock_timestamp() THEN
    RAISE EXCEPTION 'as_of is in the future: a scan sees what is known as of now or an earlier moment'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF from_month IS NOT NULL AND (NOT isfinite(from_month) OR extract(day FROM from_month) <> 1) THEN
    RAISE EXCEPTION 'from_month must be the first day of a month, not %', from_month USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF to_month IS NOT NULL AND (NOT isfinite(to_month) OR extract(day FROM to_month) <> 1) THEN
    RAISE EXCEPTION 'to_month must be the first day of a month, not %', to_month USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF from_month > to_month THEN
    RAISE EXCEPTION 'from_month (%) is after to_month (%)', from_month, to_month USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- Alerts: one per episode of a rule version and series, never raised twice: the first alarming
-- month raises it (period), each next consecutive alarming month a later scan finds extends it
-- (last_period, and that month's values appended to episode); each with the explanation an
-- official needs to check it (the rule as it was, the series, the baseline window, the observed
-- count, baseline, statistic, threshold, p-values and the signal rows behind the count).  Only
-- the extension of an episode changes an alert (sv._risk_alert_guard).
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
  last_period   date NOT NULL,                  -- the last alarming month of the episode
  episode       jsonb NOT NULL DEFAULT '[]',     -- the episode's other months: period, observed, statistic, ...
  extended_at   timestamptz,                    -- the last extension
  CONSTRAINT risk_alert_rule_fkey FOREIGN KEY (rule_code, rule_version) REFERENCES sv.risk_rule (code, version),
  CONSTRAINT risk_alert_once UNIQUE (rule_code, rule_version, series, period),
  CONSTRAINT risk_alert_episode_check CHECK (last_period >= period AND extract(day FROM last_period) = 1
                                             AND jsonb_typeof(episode) = 'array')
);
CREATE INDEX risk_alert_department_idx ON sv.risk_alert (department_id, period);
CREATE INDEX risk_alert_uscc_idx ON sv.risk_alert (uscc) WHERE uscc IS NOT NULL;
COMMENT ON TABLE sv.risk_alert IS 'Risk alerts (预警信息), append-only, each with its explanation (rule, series, window, values, signal rows)';
CREATE OR REPLACE FUNCTION sv._risk_alert_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  -- an episode grows: a later last month, more months, nothing else changed
  IF TG_OP = 'UPDATE' AND NEW.last_period >= OLD.last_period AND jsonb_typeof(NEW.episode) = 'array'
     AND jsonb_array_length(NEW.episode) >= jsonb_array_length(OLD.episode)
     AND NEW.episode @> OLD.episode AND NEW.extended_at IS NOT NULL
     AND to_jsonb(NEW) - '{last_period,episode,extended_at}'::text[] = to_jsonb(OLD) - '{last_period,episode,extended_at}'::text[] THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% on % is not allowed: an alert is kept as raised (a scan only extends its episode)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER risk_alert_immutable BEFORE UPDATE OR DELETE ON sv.risk_alert
  FOR EACH ROW EXECUTE FUNCTION sv._risk_alert_guard();
CREATE TRIGGER risk_alert_no_truncate BEFORE TRUNCATE ON sv.risk_alert
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('an alert is kept as raised');
ALTER TABLE sv.risk_alert ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_alert FORCE ROW LEVEL SECURITY;
-- officers see the alerts their department must act on
CREATE POLICY risk_alert_department ON sv.risk_alert FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY risk_alert_all ON sv.risk_alert FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.risk_alert TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.risk_alert', '');
SELECT pg_catalog.pg_extension_config_dump('sv.risk_alert_id_seq', '');

-- Every scan of a rule: the moment it scanned as of, its months, since (incremental: only the
-- series with signals known after it; NULL: a full scan) and its counts.  The daily job reads the
-- last one of each rule version to scan incrementally.
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
COMMENT ON TABLE sv.risk_rule_scan IS 'Scans of risk rules: as of when, full or incremental (since), and their counts';
ALTER TABLE sv.risk_rule_scan ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.risk_rule_scan FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_rule_scan_read ON sv.risk_rule_scan FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.risk_rule_scan TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.risk_rule_scan', '');
SELECT pg_catalog.pg_extension_config_dump('sv.risk_rule_scan_id_seq', '');

-- ewma or cusum over one chart of counts with the in-control mean mu0 (fixed or estimated) and
-- the rule's other parameters: sigma sqrt(mu0) unless given; mu1 given or shift x mu0.
-- With exposure (per_workday: the working days of each month of the chart) mu0 and the rule's
-- means and sigma are per working day.
CREATE OR REPLACE FUNCTION sv._risk_chart(detector text, counts bigint[], mu0 float8, params jsonb,
                                          exposure bigint[] DEFAULT NULL)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF exposure IS NOT NULL AND detector = 'ewma' THEN
    RETURN QUERY SELECT * FROM sv.risk_ewma_exposure(counts, exposure, mu0, coalesce((params ->> 'sigma')::float8, sqrt(mu0)),
                                                     (params ->> 'lambda')::float8, (params ->> 'l')::float8);
  ELSIF exposure IS NOT NULL THEN
    RETURN QUERY SELECT * FROM sv.risk_cusum_exposure(counts, exposure, mu0,
                                                      coalesce((params ->> 'mu1')::float8, (params ->> 'shift')::float8 * mu0),
                                                      (params ->> 'h')::float8);
  ELSIF detector = 'ewma' THEN
    RETURN QUERY SELECT * FROM sv.risk_ewma(counts, mu0, coalesce((params ->> 'sigma')::float8, sqrt(mu0)),
                                            (params ->> 'lambda')::float8, (params ->> 'l')::float8);
  ELSE
    RETURN QUERY SELECT * FROM sv.risk_cusum(counts, mu0, coalesce((params ->> 'mu1')::float8, (params ->> 'shift')::float8 * mu0),
                                             (params ->> 'h')::float8);
  END IF;
END
$fn$;

-- Scan one rule (its latest version) as of a moment: the series with a signal in the tested
-- months (the `months` months up to as_of's), zeros filled in for months without one, each
-- tested month by the rule's detector over the months before it that the detector looks at:
--   poisson_tail: the baseline and guard months before it; an alarm is p < alpha and count >=
--                 min_count; with fdr_q it must also be rejected by Benjamini-Hochberg over the
--                 points of the scan that could alarm (count >= min_count);
--   ewma, cusum:  the chart over the `window` months ending at the tested month, with the
--                 in-control mean mu0 fixed or the mean of the `baseline` months ending `guard`
--                 months before the chart (at least mu0_min; sigma sqrt(mu0) unless given, mu1 =
--                 shift x mu0); an alarm is the chart alarming at the tested month with a count
--                 >= min_count.  Each month's result depends on the counts before it only, not on
--                 the scan's `months`;
--   threshold:    an alarm is a month's count >= count;
--   streak:       an alarm is a month in which a failed inspection of the subject is the n-th
--                 (or later) failed one in a row of its inspections (statistic: the longest run
--                 reached that month).
-- The alarms become alerts by episode: consecutive alarming months of a series are one alert,
-- raised by the first and extended by each next one (a month's alarm continues the episode of
-- an alert whose last month is the month before, or holds it already); an alarm is never
-- raised twice.  Returns what it did (the alerts extended in the audit record).
CREATE OR REPLACE FUNCTION sv.risk_scan(rule_code text, as_of timestamptz DEFAULT now(), months integer DEFAULT 1,
                                        since timestamptz DEFAULT NULL)
RETURNS TABLE (rule_version integer, series bigint, tested bigint, alarms bigint, new_alerts bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  r sv.risk_rule;
  v_last date;
  v_first_tested date;
  v_from date;
  v_n integer;
  v_back integer;         -- months before the first tested one that the detector reads
  v_w integer;            -- ewma, cusum: the chart's months
  v_b integer;            -- baseline months (0: mu0 fixed)
  v_g integer;            -- guard months
  v_series bigint;
  v_tested bigint;
  v_alarms bigint;
  v_new bigint;
  v_extended bigint;
  ep record;
  v_alert sv.risk_alert;
  v_more jsonb;
  v_changed text[];       -- incremental (since given): the series with a signal known after since
  v_changed_usccs sv.uscc[];  -- and, per subject, their subjects
  v_wd bigint[];          -- per_workday: the working days of each month read
  v_notice integer;       -- licence_expiring: the notice period in days (the rule's notice_days)
BEGIN
  PERFORM sv._require_given(ARRAY['rule_code', 'as_of', 'months'], ARRAY[rule_code IS NULL, as_of IS NULL, months IS NULL]);
  IF since > as_of THEN
    RAISE EXCEPTION 'since (%) is after as_of (%)', since, as_of USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._risk_require_months(NULL, NULL, as_of);
  IF months NOT BETWEEN 1 AND 120 THEN
    RAISE EXCEPTION 'months must be between 1 and 120, not %', months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_role('run risk scans', '{sv_admin}');
  SELECT * INTO r FROM sv.risk_rule x WHERE x.code = risk_scan.rule_code ORDER BY x.version DESC LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'rule_code: risk rule % does not exist', quote_literal(rule_code) USING ERRCODE = 'no_data_found';
  END IF;

  v_notice := coalesce((r.params ->> 'notice_days')::integer, 30);
  v_b := coalesce((r.params ->> 'baseline')::integer, 0);
  v_g := coalesce((r.params ->> 'guard')::integer, 0);
  v_w := coalesce((r.params ->> 'window')::integer, 1);
  v_back := CASE r.detector WHEN 'poisson_tail' THEN v_b + v_g
                            WHEN 'ewma' THEN v_w - 1 + CASE WHEN v_b > 0 THEN v_b + v_g ELSE 0 END
                            WHEN 'cusum' THEN v_w - 1 + CASE WHEN v_b > 0 THEN v_b + v_g ELSE 0 END
                            ELSE 0 END;
  v_last := date_trunc('month', sv.local_date(as_of))::date;
  v_first_tested := (v_last - make_interval(months => months - 1))::date;
  v_from := (v_first_tested - make_interval(months => v_back))::date;
  v_n := months + v_back;

  -- incremental: only the series with a signal in the months the detector reads that became known
  -- after since (a late signal of a baseline month changes the test of the months after it)
  IF since IS NOT NULL THEN
    IF r.group_by = 'subject' THEN
      v_changed_usccs := ARRAY(SELECT DISTINCT g.uscc FROM sv._risk_signal_new(r.signal, v_from, v_last, since, as_of, v_notice) g);
      v_changed := v_changed_usccs::text[];
    ELSE
      v_changed := ARRAY(SELECT DISTINCT sv._risk_series(r.group_by, g.uscc::text, g.industry, g.region_code)
                         FROM sv._risk_signal_new(r.signal, v_from, v_last, since, as_of, v_notice) g
                         WHERE g.industry IS NOT NULL);
    END IF;
  END IF;

  CREATE TEMP TABLE IF NOT EXISTS pg_temp.risk_scan_point (
    series text, uscc text, t integer, period date, observed bigint, baseline float8, statistic float8,
    threshold float8, p float8, p_adjusted float8, alarm boolean) ON COMMIT DROP;
  TRUNCATE pg_temp.risk_scan_point;
  IF r.detector = 'streak' THEN
    -- the inspections of the subjects with a failed one in the tested months, in order; the run
    -- of a failed inspection: the failed ones since the subject's last passed one
    WITH subj AS (
      SELECT DISTINCT g.uscc FROM sv._risk_signal(r.signal, v_first_tested, v_last, as_of, v_notice) g WHERE since IS NULL
      UNION
      SELECT DISTINCT g.uscc::sv.uscc FROM sv._risk_signal_months_of(r.signal, v_first_tested, v_last, as_of, v_changed_usccs, v_notice) g
      WHERE since IS NOT NULL
    ), insp AS (
      SELECT a.uscc, a.ended_on, a.id, a.result <> 'no_problem' AS failed,
             count(*) FILTER (WHERE a.result = 'no_problem') OVER (PARTITION BY a.uscc ORDER BY a.ended_on, a.id) AS grp
      FROM sv.action a
      WHERE a.uscc IN (SELECT subj.uscc FROM subj) AND a.kind = 'inspection' AND a.received_at <= as_of
        AND a.ended_on < (v_last + interval '1 month')::date
    ), runs AS (
      SELECT i.uscc, date_trunc('month', i.ended_on)::date AS month, i.failed,
             count(*) FILTER (WHERE i.failed) OVER (PARTITION BY i.uscc, i.grp ORDER BY i.ended_on, i.id) AS run
      FROM insp i
    )
    INSERT INTO pg_temp.risk_scan_point
    SELECT x.uscc, x.uscc, 1, x.month, count(*) FILTER (WHERE x.failed), NULL, max(x.run) FILTER (WHERE x.failed),
           (r.params ->> 'n')::float8, NULL, NULL, max(x.run) FILTER (WHERE x.failed) >= (r.params ->> 'n')::integer
    FROM runs x
    WHERE x.month >= v_first_tested
    GROUP BY x.uscc, x.month
    HAVING count(*) FILTER (WHERE x.failed) > 0;
  ELSE
    CREATE TEMP TABLE IF NOT EXISTS pg_temp.risk_scan_counts (series text, uscc text, counts bigint[]) ON COMMIT DROP;
    TRUNCATE pg_temp.risk_scan_counts;
    WITH sig AS MATERIALIZED (
      SELECT sv._risk_series(r.group_by, g.uscc::text, g.industry, g.region_code) AS series,
             CASE WHEN r.group_by = 'subject' THEN g.uscc::text END AS uscc, g.month
      FROM sv._risk_signal(r.signal, v_from, v_last, as_of, v_notice) g
      WHERE v_changed_usccs IS NULL AND (r.group_by = 'subject' OR g.industry IS NOT NULL)
      UNION ALL
      -- incremental per subject: the months of the changed subjects' rows only (the series is
      -- the subject)
      SELECT g.uscc, g.uscc, g.month
      FROM sv._risk_signal_months_of(r.signal, v_from, v_last, as_of, v_changed_usccs, v_notice) g
      WHERE v_changed_usccs IS NOT NULL
    ), tested AS (
      SELECT DISTINCT s.series FROM sig s
      WHERE s.month >= v_first_tested AND (since IS NULL OR s.series = ANY (v_changed))
    )
    -- the counts of every month of the window, 0 where the series has no signal
    INSERT INTO pg_temp.risk_scan_counts
    SELECT s.series, s.uscc, sv._risk_month_counts(array_agg(s.month), v_from, v_n)
    FROM sig s WHERE s.series IN (SELECT t.series FROM tested t)
    GROUP BY s.series, s.uscc;

    IF (r.params ->> 'per_workday')::boolean THEN
      -- each month's mean scaled by its working days: the exposure of the detector
      v_wd := ARRAY(SELECT sv.workdays_between((v_from + make_interval(months => i))::date - 1,
                                               (v_from + make_interval(months => i + 1))::date - 1)::bigint
                    FROM generate_series(0, v_n - 1) i ORDER BY i);
    END IF;
    IF r.detector = 'poisson_tail' AND v_wd IS NOT NULL THEN
      INSERT INTO pg_temp.risk_scan_point
      SELECT c.series, c.uscc, d.t, NULL, d.observed, d.baseline, d.statistic, d.threshold, d.p, NULL, d.alarm
      FROM pg_temp.risk_scan_counts c
      CROSS JOIN LATERAL sv.risk_poisson_tail_exposure(c.counts, v_wd, v_b, v_g, (r.params ->> 'alpha')::float8,
                                                       (r.params ->> 'min_count')::bigint) d
      WHERE d.t > v_n - months;
    ELSIF r.detector = 'poisson_tail' THEN
      INSERT INTO pg_temp.risk_scan_point
      SELECT c.series, c.uscc, d.t, NULL, d.observed, d.baseline, d.statistic, d.threshold, d.p, NULL, d.alarm
      FROM pg_temp.risk_scan_counts c
      CROSS JOIN LATERAL sv.risk_poisson_tail(c.counts, v_b, v_g, (r.params ->> 'alpha')::float8,
                                              (r.params ->> 'min_count')::bigint) d
      WHERE d.t > v_n - months;
    ELSIF r.detector IN ('ewma', 'cusum') THEN
      -- one chart per tested month pt (the months ending at it), its last point
      INSERT INTO pg_temp.risk_scan_point
      SELECT c.series, c.uscc, pt, NULL, d.observed, d.baseline, d.statistic, d.threshold, d.p, NULL,
             d.alarm AND d.observed >= (r.params ->> 'min_count')::bigint
      FROM pg_temp.risk_scan_counts c
      CROSS JOIN generate_series(v_n - months + 1, v_n) pt
      CROSS JOIN LATERAL (
        -- per_workday: the baseline months' count per working day
        SELECT coalesce((r.params ->> 'mu0')::float8,
                        greatest(CASE WHEN v_wd IS NULL
                                      THEN (SELECT avg(z) FROM unnest(c.counts[pt - v_w - v_g - v_b + 1 : pt - v_w - v_g]) z)::float8
                                      ELSE (SELECT sum(z) FROM unnest(c.counts[pt - v_w - v_g - v_b + 1 : pt - v_w - v_g]) z)::float8
                                           / (SELECT sum(z) FROM unnest(v_wd[pt - v_w - v_g - v_b + 1 : pt - v_w - v_g]) z)::float8 END,
                                 (r.params ->> 'mu0_min')::float8)) AS mu0) m
      CROSS JOIN LATERAL sv._risk_chart(r.detector, c.counts[pt - v_w + 1 : pt], m.mu0, r.params,
                                        v_wd[pt - v_w + 1 : pt]) d
      WHERE d.t = v_w;
    ELSE
      INSERT INTO pg_temp.risk_scan_point
      SELECT c.series, c.uscc, pt, NULL, c.counts[pt], NULL, c.counts[pt], (r.params ->> 'count')::float8, NULL, NULL,
             c.counts[pt] >= (r.params ->> 'count')::bigint
      FROM pg_temp.risk_scan_counts c CROSS JOIN generate_series(v_n - months + 1, v_n) pt
      WHERE c.counts[pt] > 0;
    END IF;
    UPDATE pg_temp.risk_scan_point x SET period = (v_from + make_interval(months => x.t - 1))::date;
    DROP TABLE pg_temp.risk_scan_counts;
  END IF;

  IF r.params ? 'fdr_q' THEN
    WITH pts AS (SELECT y.ctid AS c, row_number() OVER (ORDER BY y.series, y.t) AS i, y.p
                 FROM pg_temp.risk_scan_point y WHERE y.p IS NOT NULL AND y.observed >= (r.params ->> 'min_count')::bigint),
         bh AS (SELECT b.* FROM sv.risk_bh(ARRAY(SELECT pts.p FROM pts ORDER BY pts.i), (r.params ->> 'fdr_q')::float8) b)
    UPDATE pg_temp.risk_scan_point x SET p_adjusted = bh.p_adjusted, alarm = x.alarm AND bh.reject
    FROM pts JOIN bh ON bh.i = pts.i WHERE x.ctid = pts.c;
  END IF;

  SELECT count(DISTINCT x.series), count(*), count(*) FILTER (WHERE x.alarm) INTO v_series, v_tested, v_alarms
  FROM pg_temp.risk_scan_point x;
  -- each new alert reads its point: along an index, not once through every point of the scan
  CREATE INDEX ON pg_temp.risk_scan_point (series, period) WHERE alarm;
  ANALYZE pg_temp.risk_scan_point;
  -- the alarms in episodes: consecutive alarming months of a series; each episode extends the
  -- alert of the series whose episode it continues (or overlaps), or raises a new one
  v_new := 0;
  v_extended := 0;
  FOR ep IN
    WITH al AS (
      SELECT x.*, (x.period - make_interval(months => (row_number() OVER (PARTITION BY x.series ORDER BY x.period))::integer))::date AS grp
      FROM pg_temp.risk_scan_point x WHERE x.alarm
    )
    SELECT al.series, min(al.period) AS first, max(al.period) AS last,
           jsonb_agg(jsonb_build_object('period', al.period, 'observed', al.observed, 'baseline', al.baseline,
                                        'statistic', al.statistic, 'threshold', al.threshold, 'p', al.p,
                                        'p_adjusted', al.p_adjusted, 'as_of', as_of) ORDER BY al.period) AS points
    FROM al GROUP BY al.series, al.grp ORDER BY al.series, min(al.period)
  LOOP
    SELECT * INTO v_alert FROM sv.risk_alert y
    WHERE y.rule_code = r.code AND y.rule_version = r.version AND y.series = ep.series
      AND y.period <= ep.last AND y.last_period >= (ep.first - interval '1 month')::date
    ORDER BY y.period DESC LIMIT 1;
    IF FOUND THEN
      -- the months of the episode the alert does not hold yet
      SELECT coalesce(jsonb_agg(pt ORDER BY pt ->> 'period'), '[]') INTO v_more
      FROM jsonb_array_elements(ep.points) pt
      WHERE (pt ->> 'period')::date <> v_alert.period
        AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_alert.episode) e WHERE e ->> 'period' = pt ->> 'period');
      IF jsonb_array_length(v_more) > 0 THEN
        UPDATE sv.risk_alert y SET last_period = greatest(y.last_period, ep.last), episode = y.episode || v_more,
                                   extended_at = now()
         WHERE y.id = v_alert.id;
        v_extended := v_extended + 1;
      END IF;
      CONTINUE;
    END IF;
    INSERT INTO sv.risk_alert (rule_code, rule_version, series, uscc, period, observed, baseline, statistic, threshold,
                               p, p_adjusted, severity, department_id, explanation, as_of, raised_by, raised_at,
                               last_period, episode)
    SELECT r.code, r.version, x.series, x.uscc, x.period, x.observed, x.baseline, x.statistic, x.threshold, x.p,
           x.p_adjusted, r.severity, r.department_id,
           jsonb_build_object(
             'rule', r.code, 'version', r.version, 'name', r.name, 'basis', r.basis, 'signal', r.signal,
             'group_by', r.group_by, 'detector', r.detector, 'params', r.params, 'series', x.series,
             'period', x.period,
             -- the months the in-control mean was estimated from (none when it is fixed or not used)
             'baseline_window', CASE WHEN v_b > 0 THEN jsonb_build_object(
               'from', (x.period - make_interval(months => v_back))::date,
               'to', (x.period - make_interval(months => v_back - v_b + 1))::date) END,
             'observed', x.observed, 'baseline', x.baseline, 'statistic', x.statistic, 'threshold', x.threshold,
             'p', x.p, 'p_adjusted', x.p_adjusted, 'as_of', as_of,
             'signal_rows', (SELECT coalesce(jsonb_agg(g.source ORDER BY g.source ->> 'table', g.source ->> 'day', (g.source ->> 'id')::bigint), '[]')
                             FROM (SELECT * FROM sv._risk_signal_of(r.signal, x.period, x.period, as_of, ARRAY[x.uscc]::sv.uscc[], v_notice) y
                                   WHERE x.uscc IS NOT NULL
                                   UNION ALL
                                   SELECT * FROM sv._risk_signal(r.signal, x.period, x.period, as_of, v_notice) y
                                   WHERE x.uscc IS NULL) g
                             WHERE sv._risk_series(r.group_by, g.uscc::text, g.industry, g.region_code) = x.series))
           -- per_workday: the working days of the month, of the baseline months (none when mu0 is
           -- fixed) and, for a chart, of each of its months
           || CASE WHEN v_wd IS NOT NULL THEN jsonb_build_object('workdays', v_wd[x.t],
                'baseline_workdays', CASE WHEN v_b > 0 THEN (SELECT sum(z) FROM unnest(v_wd[x.t - v_w - v_g - v_b + 1 : x.t - v_w - v_g]) z) END)
                || CASE WHEN r.detector IN ('ewma', 'cusum') THEN jsonb_build_object('chart_workdays', to_jsonb(v_wd[x.t - v_w + 1 : x.t]))
                        ELSE '{}' END ELSE '{}' END
           || CASE WHEN r.detector IN ('ewma', 'cusum') THEN jsonb_build_object('chart_window', jsonb_build_object(
                'from', (x.period - make_interval(months => v_w - 1))::date, 'to', x.period)) ELSE '{}' END,
           as_of, me.login, now(), ep.last,
           (SELECT coalesce(jsonb_agg(pt ORDER BY pt ->> 'period'), '[]') FROM jsonb_array_elements(ep.points) pt
            WHERE (pt ->> 'period')::date > ep.first)
    FROM pg_temp.risk_scan_point x
    WHERE x.series = ep.series AND x.period = ep.first AND x.alarm;
    v_new := v_new + 1;
  END LOOP;
  INSERT INTO sv.risk_rule_scan (rule_code, rule_version, as_of, months, since, series, tested, alarms, new_alerts,
                                 extended_alerts, scanned_by, scanned_at)
  VALUES (r.code, r.version, as_of, months, since, v_series, v_tested, v_alarms, v_new, v_extended, me.login, now());
  PERFORM sv.audit_append(r.department_id, 'risk_rule', r.code || ' v' || r.version, 'scan',
    jsonb_build_object('as_of', as_of, 'months', months, 'from', v_first_tested, 'to', v_last, 'series', v_series,
                       'tested', v_tested, 'alarms', v_alarms, 'new_alerts', v_new, 'extended_alerts', v_extended)
    || CASE WHEN since IS NULL THEN '{}' ELSE jsonb_build_object('since', since) END);
  DROP TABLE pg_temp.risk_scan_point;
  RETURN QUERY SELECT r.version, v_series, v_tested, v_alarms, v_new;
END
$fn$;
COMMENT ON FUNCTION sv.risk_scan(text, timestamptz, integer, timestamptz) IS
  'Administrators: scan one risk rule as of a moment over the last months (only the series with signals known after since, when given), raising each new alarm once as an alert with its explanation';
COMMENT ON FUNCTION sv.risk_signal_counts(text, text, date, date, timestamptz) IS
  'Administrators, auditors: a risk signal counted per series and month, as known at a moment';
GRANT EXECUTE ON FUNCTION sv.risk_scan(text, timestamptz, integer, timestamptz) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.risk_signal_counts(text, text, date, date, timestamptz) TO sv_admin, sv_auditor;

-- What officials read: the alerts their department must act on (all for auditors and
-- administrators), with the subject's name.  security_invoker: the table's policies decide.
CREATE VIEW sv_work.risk_alert WITH (security_invoker = true) AS
  SELECT a.id, a.rule_code, a.rule_version, a.severity, sv.label_zh('risk.severity', a.severity) AS severity_zh,
         a.series, a.uscc, s.name AS subject_name, a.period,
         a.observed, a.baseline, a.threshold, a.p, a.p_adjusted, a.department_id, d.name_zh AS department_name,
         a.explanation, a.as_of, a.raised_at, a.last_period, a.episode, a.extended_at
  FROM sv.risk_alert a LEFT JOIN sv.subject s ON s.uscc = a.uscc
  LEFT JOIN sv.department d ON d.id = a.department_id;
COMMENT ON VIEW sv_work.risk_alert IS '预警信息 / Risk alerts of the caller''s department (all for auditors and administrators)';
COMMENT ON COLUMN sv_work.risk_alert.id IS '预警编号';
COMMENT ON COLUMN sv_work.risk_alert.rule_code IS '规则代码';
COMMENT ON COLUMN sv_work.risk_alert.rule_version IS '规则版本号';
COMMENT ON COLUMN sv_work.risk_alert.severity IS '预警级别:blue 蓝色, yellow 黄色, orange 橙色, red 红色';
COMMENT ON COLUMN sv_work.risk_alert.severity_zh IS '预警级别';
COMMENT ON COLUMN sv_work.risk_alert.series IS '监测对象:统一社会信用代码,或 行业门类:区域代码';
COMMENT ON COLUMN sv_work.risk_alert.uscc IS '统一社会信用代码(按市场主体统计时)';
COMMENT ON COLUMN sv_work.risk_alert.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_work.risk_alert.period IS '预警月份';
COMMENT ON COLUMN sv_work.risk_alert.observed IS '当月信号数';
COMMENT ON COLUMN sv_work.risk_alert.baseline IS '基线均值';
COMMENT ON COLUMN sv_work.risk_alert.threshold IS '预警阈值(触发预警的最小信号数)';
COMMENT ON COLUMN sv_work.risk_alert.p IS 'P 值';
COMMENT ON COLUMN sv_work.risk_alert.p_adjusted IS '多重检验校正后 P 值(Benjamini-Hochberg)';
COMMENT ON COLUMN sv_work.risk_alert.department_id IS '责任部门编号';
COMMENT ON COLUMN sv_work.risk_alert.department_name IS '责任部门名称';
COMMENT ON COLUMN sv_work.risk_alert.explanation IS '预警依据说明(规则、窗口、数值、信号记录)';
COMMENT ON COLUMN sv_work.risk_alert.as_of IS '扫描数据截止时点';
COMMENT ON COLUMN sv_work.risk_alert.raised_at IS '预警生成时间';
COMMENT ON COLUMN sv_work.risk_alert.last_period IS '预警持续至月份(连续预警月份为同一预警)';
COMMENT ON COLUMN sv_work.risk_alert.episode IS '持续期间其余各月的数值';
COMMENT ON COLUMN sv_work.risk_alert.extended_at IS '最近延续时间';
GRANT SELECT ON sv_work.risk_alert TO sv_admin, sv_auditor, sv_officer;
