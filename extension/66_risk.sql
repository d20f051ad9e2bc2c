-- ---------------------------------------------------------------------------------------------
-- 66_risk: risk early warning (风险预警), issue 17; docs/risk.md.  This file so far: the
-- statistical detectors (in C, src/risk/detect.c) and the rules that use them.
--
-- Functions:  sv.poisson_upper_tail(x, lambda) = P(X >= x | lambda);
--             the detectors over one series of counts, one row per point:
--             sv.risk_poisson_tail (trailing baseline with a guard band), sv.risk_ewma (exact
--             time-varying limit), sv.risk_cusum (Poisson CUSUM, restarts after an alarm),
--             sv.risk_cusum_k; across series sv.risk_bh (Benjamini-Hochberg)
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

CREATE OR REPLACE FUNCTION sv.risk_ewma(counts bigint[], mu0 float8, sigma float8, lambda float8, l float8)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
AS 'MODULE_PATHNAME', 'sv_risk_ewma' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION sv.risk_ewma(bigint[], float8, float8, float8, float8) IS
  'EWMA detector: z_t against the exact limit mu0 + L sigma sqrt(lambda/(2-lambda) (1-(1-lambda)^(2t)))';

CREATE OR REPLACE FUNCTION sv.risk_cusum_k(mu0 float8, mu1 float8) RETURNS float8
AS 'MODULE_PATHNAME', 'sv_risk_cusum_k' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv.risk_cusum_k(float8, float8) IS
  'Reference value of the Poisson CUSUM: (mu1 - mu0) / (ln mu1 - ln mu0)';

CREATE OR REPLACE FUNCTION sv.risk_cusum(counts bigint[], mu0 float8, mu1 float8, h float8)
RETURNS TABLE (t integer, observed bigint, baseline float8, statistic float8, threshold float8, p float8, alarm boolean)
AS 'MODULE_PATHNAME', 'sv_risk_cusum' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION sv.risk_cusum(bigint[], float8, float8, float8) IS
  'Poisson CUSUM detector: S_t = max(0, S_{t-1} + x_t - k), alarm when S_t > h, then S restarts at 0';

CREATE OR REPLACE FUNCTION sv.risk_bh(p float8[], q float8)
RETURNS TABLE (i integer, p float8, p_adjusted float8, reject boolean)
AS 'MODULE_PATHNAME', 'sv_risk_bh' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv.risk_bh(float8[], float8) IS
  'Benjamini-Hochberg across series: step-up adjusted p-values, rejected when adjusted p <= q (the false discovery rate)';

-- Pure arithmetic: the officials who read risk (and BI, for its own analyses) may call them.
GRANT EXECUTE ON FUNCTION sv.poisson_upper_tail(bigint, float8),
                          sv.risk_poisson_tail(bigint[], integer, integer, float8, bigint),
                          sv.risk_ewma(bigint[], float8, float8, float8, float8),
                          sv.risk_cusum_k(float8, float8),
                          sv.risk_cusum(bigint[], float8, float8, float8),
                          sv.risk_bh(float8[], float8)
  TO sv_admin, sv_auditor, sv_officer, sv_bi;
