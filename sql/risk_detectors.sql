-- Risk early warning, the statistical detectors (src/risk/detect.c, docs/risk.md): the
-- reference values of issue 17, the edge cases, every error, the roles, and a property check of
-- the Poisson tail against exact sums in numeric.
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE ROLE regress_rsd_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_rsd_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_rsd_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_rsd_feed LOGIN IN ROLE sv_integration;

-- P(X >= x | lambda): the reference values (9.152e-4, 8.132e-3, 3.454e-3)
SELECT to_char(sv.poisson_upper_tail(12, 4), '9.999EEEE') AS p12_4,
       to_char(sv.poisson_upper_tail(10, 4), '9.999EEEE') AS p10_4,
       to_char(sv.poisson_upper_tail(20, 10), '9.999EEEE') AS p20_10;
-- edges: x = 0 is certain; lambda = 0 never counts; a mean count is likely; huge x underflows to 0
SELECT sv.poisson_upper_tail(0, 4) AS x0, sv.poisson_upper_tail(0, 0) AS x0_l0, sv.poisson_upper_tail(1, 0) AS x1_l0,
       round(sv.poisson_upper_tail(1, 1e-9)::numeric, 18) AS x1_tiny,
       round(sv.poisson_upper_tail(4, 4)::numeric, 10) AS at_mean,
       sv.poisson_upper_tail(9223372036854775807, 4) AS huge_x,
       sv.poisson_upper_tail(1000000, 1e9) AS far_below_mean,
       to_char(sv.poisson_upper_tail(1000, 4), '9.999EEEE') AS tiny_tail,
       round(sv.poisson_upper_tail(1000000000, 1e9)::numeric, 8) AS at_huge_mean;
-- at the mean of a large lambda the tail is 1/2 + 1/(3 sqrt(2 pi lambda)) + O(1/lambda)
-- (Ramanujan's e^-n sum_{k<=n} n^k/k! = 1/2 + 2/(3 sqrt(2 pi n)) + ..., plus the point mass)
SELECT lambda, abs(sv.poisson_upper_tail(lambda::bigint, lambda) - (0.5 + 1 / (3 * sqrt(2 * pi() * lambda)))) < 2 / lambda AS asymptotic
FROM unnest(ARRAY[1e4, 1e6, 1e8, 1e9]::float8[]) lambda;
-- the tail against the normal approximation far out (lambda 1e6, 5 sigma: about 2.9e-7)
SELECT to_char(sv.poisson_upper_tail(1005000, 1e6), '9.9EEEE') AS five_sigma;
-- monotone: decreasing in x, increasing in lambda
SELECT bool_and(sv.poisson_upper_tail(x, 7.5) >= sv.poisson_upper_tail(x + 1, 7.5)) AS decreasing_in_x,
       bool_and(sv.poisson_upper_tail(x, 7.5) <= sv.poisson_upper_tail(x, 7.6)) AS increasing_in_lambda
FROM generate_series(0, 200) x;
-- errors: NULL, negative, NaN, infinity, beyond 1e9
SELECT sv.poisson_upper_tail(NULL, 4);
SELECT sv.poisson_upper_tail(1, NULL);
SELECT sv.poisson_upper_tail(-1, 4);
SELECT sv.poisson_upper_tail(1, -0.5);
SELECT sv.poisson_upper_tail(1, 'NaN');
SELECT sv.poisson_upper_tail(1, 'Infinity');
SELECT sv.poisson_upper_tail(1, '-Infinity');
SELECT sv.poisson_upper_tail(1, 2e9);

-- property check: 400 random (x, lambda), x up to 300 and lambda up to 60, against the exact
-- upper sum sum_{k >= x} e^(k ln lambda - lambda - ln k!) in numeric (ln k! summed from ln j at
-- 30 decimals; terms past x + 400 are below 1e-60 of the sum): the relative error stays below
-- 1e-10 wherever the tail is a normal double, and the few far below it give below 1e-290
SELECT setseed(0.17);
CREATE TEMP TABLE tail_case AS
SELECT n, floor(random() * 301)::bigint AS x, round((random() * 60)::numeric, 6) AS lambda
FROM generate_series(1, 400) n;
UPDATE tail_case SET x = floor(lambda) + (n % 12) WHERE n % 2 = 0;   -- half of them near the mean
CREATE TEMP TABLE ln_factorial AS
SELECT k, coalesce(sum(ln(j::numeric(40, 30))) OVER (ORDER BY k), 0) AS lnf
FROM generate_series(0, 701) k LEFT JOIN LATERAL (SELECT k AS j WHERE k > 0) j ON true;
SELECT count(*) AS cases, count(*) FILTER (WHERE e.exact >= 1e-300) > 350 AS most_in_double_range,
       max(abs(c.p / e.exact - 1)) FILTER (WHERE e.exact >= 1e-300)::float8 < 1e-10 AS all_within_1e_10,
       bool_and(c.p < 1e-290) FILTER (WHERE e.exact < 1e-300) AS the_rest_below_1e_290
FROM tail_case t
CROSS JOIN LATERAL (
  SELECT sum(exp(f.k * ln(t.lambda) - t.lambda - f.lnf)) AS exact
  FROM ln_factorial f WHERE f.k BETWEEN t.x AND t.x + 400
) e
CROSS JOIN LATERAL (SELECT sv.poisson_upper_tail(t.x, t.lambda::float8)::numeric AS p) c;
-- and for means in the thousands, the exact sum over k within 40 standard deviations
SELECT setseed(0.4);
CREATE TEMP TABLE ln_factorial_big AS
SELECT k, sum(ln(k::numeric(40, 30))) OVER (ORDER BY k) AS lnf FROM generate_series(1, 12000) k;
SELECT count(*) AS cases, max(abs(c.p / e.exact - 1))::float8 < 1e-9 AS all_within_1e_9
FROM (SELECT n, 1000 + floor(random() * 4000)::bigint AS lambda, floor(random() * 9) - 4 AS z FROM generate_series(1, 20) n) q
CROSS JOIN LATERAL (SELECT (q.lambda + q.z * sqrt(q.lambda) * 1.5)::bigint AS x) xx
CROSS JOIN LATERAL (
  SELECT sum(exp(f.k * ln(q.lambda::numeric) - q.lambda - f.lnf)) AS exact
  FROM ln_factorial_big f WHERE f.k BETWEEN xx.x AND q.lambda + 40 * sqrt(q.lambda)
) e
CROSS JOIN LATERAL (SELECT sv.poisson_upper_tail(xx.x, q.lambda::float8)::numeric AS p) c;

-- Poisson tail detector: six periods of baseline, no guard: the seventh count 12 on a mean 4
SELECT t, observed, baseline, statistic, threshold, round(p::numeric, 10) AS p, alarm
FROM sv.risk_poisson_tail('{4,4,4,4,4,4,12}', 6, 0, 0.001);
-- with a guard band of one period: the baseline ends one period before; a rising start (9)
-- does not lift the baseline of the spike; the threshold is the least count that alarms
SELECT t, observed, round(baseline::numeric, 4) AS baseline, statistic, threshold,
       to_char(p, '9.999EEEE') AS p, alarm
FROM sv.risk_poisson_tail('{3,5,4,4,4,9,12}', 5, 1, 0.01, 3);
-- min_count: a zero baseline makes any count improbable; min_count keeps single counts quiet
SELECT t, observed, round(baseline::numeric, 6) AS baseline, round(p::numeric, 8) AS p, threshold, alarm
FROM sv.risk_poisson_tail('{0,0,0,1,3}', 3, 0, 0.01, 2);
-- an empty series, a series shorter than its baseline
SELECT count(*) FROM sv.risk_poisson_tail('{}', 3, 0, 0.05);
SELECT * FROM sv.risk_poisson_tail('{1,2}', 3, 1, 0.05);
-- errors
SELECT * FROM sv.risk_poisson_tail(NULL, 6, 0, 0.01);
SELECT * FROM sv.risk_poisson_tail('{1}', NULL, 0, 0.01);
SELECT * FROM sv.risk_poisson_tail('{1}', 6, NULL, 0.01);
SELECT * FROM sv.risk_poisson_tail('{1}', 6, 0, NULL);
SELECT * FROM sv.risk_poisson_tail('{1}', 6, 0, 0.01, NULL);
SELECT * FROM sv.risk_poisson_tail('{1,NULL}', 6, 0, 0.01);
SELECT * FROM sv.risk_poisson_tail('{1,-1}', 6, 0, 0.01);
SELECT * FROM sv.risk_poisson_tail('{{1,2},{3,4}}', 6, 0, 0.01);
SELECT * FROM sv.risk_poisson_tail('{1}', 0, 0, 0.01);
SELECT * FROM sv.risk_poisson_tail('{1}', 6, -1, 0.01);
SELECT * FROM sv.risk_poisson_tail('{1}', 6, 0, 0);
SELECT * FROM sv.risk_poisson_tail('{1}', 6, 0, 1);
SELECT * FROM sv.risk_poisson_tail('{1}', 6, 0, 'NaN');
SELECT * FROM sv.risk_poisson_tail('{1}', 6, 0, 0.01, -1);
SELECT * FROM sv.risk_poisson_tail('{3000000000,3000000000}', 1, 0, 0.01);

-- EWMA: the exact limits of issue 17 (mu0 4, sigma 2, lambda 0.3, L 3): 5.8000, 6.1972, 6.4847,
-- steady state 6.5205; a steady series of 4 stays at 4
SELECT t, observed, baseline, round(statistic::numeric, 4) AS z, round(threshold::numeric, 4) AS ucl, p, alarm
FROM sv.risk_ewma(ARRAY[4,4,4,4,4]::bigint[] || array_fill(4::bigint, ARRAY[95]), 4, 2, 0.3, 3)
WHERE t IN (1, 2, 3, 4, 5, 100);
-- a shift to 8 alarms on the third period: z = 5.2, 6.04, 6.628 > 6.3365
SELECT t, observed, round(statistic::numeric, 4) AS z, round(threshold::numeric, 4) AS ucl, alarm
FROM sv.risk_ewma('{8,8,8,8}', 4, 2, 0.3, 3);
-- lambda = 1 is the Shewhart chart: z_t = x_t, limit mu0 + L sigma
SELECT t, statistic, threshold, alarm FROM sv.risk_ewma('{5,11}', 4, 2, 1, 3);
-- errors
SELECT * FROM sv.risk_ewma(NULL, 4, 2, 0.3, 3);
SELECT * FROM sv.risk_ewma('{1}', NULL, 2, 0.3, 3);
SELECT * FROM sv.risk_ewma('{1}', 4, NULL, 0.3, 3);
SELECT * FROM sv.risk_ewma('{1}', 4, 2, NULL, 3);
SELECT * FROM sv.risk_ewma('{1}', 4, 2, 0.3, NULL);
SELECT * FROM sv.risk_ewma('{1}', 'NaN', 2, 0.3, 3);
SELECT * FROM sv.risk_ewma('{1}', -1, 2, 0.3, 3);
SELECT * FROM sv.risk_ewma('{1}', 4, 0, 0.3, 3);
SELECT * FROM sv.risk_ewma('{1}', 4, 'Infinity', 0.3, 3);
SELECT * FROM sv.risk_ewma('{1}', 4, 2, 0, 3);
SELECT * FROM sv.risk_ewma('{1}', 4, 2, 1.5, 3);
SELECT * FROM sv.risk_ewma('{1}', 4, 2, 0.3, 0);
SELECT * FROM sv.risk_ewma('{1}', 4, 2, 0.3, '-Infinity');
SELECT * FROM sv.risk_ewma('{1,NULL}', 4, 2, 0.3, 3);

-- Poisson CUSUM: k for mu0 4, mu1 8 is 5.7708; S accumulates x - k, alarms above h, restarts
SELECT round(sv.risk_cusum_k(4, 8)::numeric, 4) AS k;
SELECT t, observed, round(statistic::numeric, 4) AS s, threshold, alarm
FROM sv.risk_cusum('{4,9,9,9,3,9,9,2,0}', 4, 8, 8);
-- errors
SELECT sv.risk_cusum_k(NULL, 8);
SELECT sv.risk_cusum_k(4, NULL);
SELECT sv.risk_cusum_k(0, 8);
SELECT sv.risk_cusum_k(8, 4);
SELECT sv.risk_cusum_k(4, 'Infinity');
SELECT * FROM sv.risk_cusum(NULL, 4, 8, 8);
SELECT * FROM sv.risk_cusum('{1}', NULL, 8, 8);
SELECT * FROM sv.risk_cusum('{1}', 4, NULL, 8);
SELECT * FROM sv.risk_cusum('{1}', 4, 8, NULL);
SELECT * FROM sv.risk_cusum('{1}', 4, 4, 8);
SELECT * FROM sv.risk_cusum('{1}', 'NaN', 8, 8);
SELECT * FROM sv.risk_cusum('{1}', 4, 8, 0);
SELECT * FROM sv.risk_cusum('{1}', 4, 8, 'NaN');
SELECT * FROM sv.risk_cusum('{-3}', 4, 8, 8);

-- Benjamini-Hochberg: m = 5, q = 0.05: sorted .005 .01 .03 .04 .2 give adjusted .025 .025 .05 .05 .2
SELECT i, p, round(p_adjusted::numeric, 6) AS p_adjusted, reject FROM sv.risk_bh('{0.01,0.04,0.03,0.005,0.2}', 0.05);
-- ties and the cap at 1; an empty list
SELECT i, p, round(p_adjusted::numeric, 6) AS p_adjusted, reject FROM sv.risk_bh('{0.5,0.5,1,0}', 0.1);
SELECT count(*) FROM sv.risk_bh('{}', 0.05);
-- against the definition over 1000 random p-values: reject exactly the k smallest, k the
-- largest i with p_(i) <= i q / m
SELECT setseed(0.29);
CREATE TEMP TABLE bh_case AS SELECT n, CASE WHEN n % 10 = 0 THEN random() / 1000 ELSE random() END AS p
FROM generate_series(1, 1000) n;
WITH ranked AS (SELECT n, p, row_number() OVER (ORDER BY p, n) AS r FROM bh_case),
     k AS (SELECT coalesce(max(r), 0) AS k FROM ranked WHERE p <= r * 0.05 / 1000),
     b AS (SELECT * FROM sv.risk_bh(ARRAY(SELECT p FROM bh_case ORDER BY n), 0.05))
SELECT (SELECT k FROM k) > 0 AS some_rejected,
       bool_and(b.reject = (ranked.r <= (SELECT k FROM k))) AS same_as_definition
FROM ranked JOIN b ON b.i = ranked.n;
-- errors
SELECT * FROM sv.risk_bh(NULL, 0.05);
SELECT * FROM sv.risk_bh('{0.1}', NULL);
SELECT * FROM sv.risk_bh('{0.1,NULL}', 0.05);
SELECT * FROM sv.risk_bh('{0.1,1.5}', 0.05);
SELECT * FROM sv.risk_bh('{0.1,NaN}', 0.05);
SELECT * FROM sv.risk_bh('{0.1}', 0);
SELECT * FROM sv.risk_bh('{0.1}', 'NaN');
SELECT * FROM sv.risk_bh('{{0.1},{0.2}}', 0.05);

-- the Poisson tail with exposure: the working days of August 2025 to February 2026 (February:
-- the Spring Festival holidays of 15 to 23 February, 6 weekdays off, and the Saturdays 14 and
-- 28 worked: 16 working days); one signal a working day in the baseline months, 26 in
-- February: the plain mean (the months' mean, 21) finds nothing, the mean scaled by February's
-- working days (16 x 126/126 = 16) finds it; exactly the mean of the plain detector when every
-- period has the same exposure
SELECT ARRAY(SELECT sv.workdays_between(m - 1, (m + interval '1 month')::date - 1)::bigint
             FROM generate_series(date '2025-08-01', '2026-02-01', interval '1 month') g, LATERAL (SELECT g::date AS m) x
             ORDER BY m) AS wd \gset
SELECT :'wd' AS workdays;
SELECT 'plain' AS detector, t, observed, round(baseline::numeric, 4) AS baseline, threshold, round(p::numeric, 6) AS p, alarm
FROM sv.risk_poisson_tail((:'wd'::bigint[])[1:6] || 26::bigint, 6, 0, 0.05) WHERE t = 7
UNION ALL
SELECT 'per_workday', t, observed, round(baseline::numeric, 4), threshold, round(p::numeric, 6), alarm
FROM sv.risk_poisson_tail_exposure((:'wd'::bigint[])[1:6] || 26::bigint, :'wd', 6, 0, 0.05) WHERE t = 7;
SELECT bool_and(a.baseline = b.baseline AND a.p = b.p AND a.threshold = b.threshold AND a.alarm = b.alarm) AS same
FROM sv.risk_poisson_tail('{3,5,4,6,2,4,12}', 3, 1, 0.01) a
JOIN sv.risk_poisson_tail_exposure('{3,5,4,6,2,4,12}', '{21,21,21,21,21,21,21}', 3, 1, 0.01) b USING (t)
WHERE a.baseline IS NOT NULL;
-- a window without exposure has no baseline; errors
SELECT t, baseline, alarm FROM sv.risk_poisson_tail_exposure('{1,1,5}', '{0,0,1}', 2, 0, 0.05) WHERE t = 3;
SELECT * FROM sv.risk_poisson_tail_exposure('{1,2,3}', '{1,2}', 1, 0, 0.05);
SELECT * FROM sv.risk_poisson_tail_exposure('{1,2,3}', NULL, 1, 0, 0.05);
SELECT * FROM sv.risk_poisson_tail_exposure('{1,2,3}', '{1,-2,3}', 1, 0, 0.05);
SELECT * FROM sv.risk_poisson_tail_exposure('{1,2,3}', '{1,2,3}', 0, 0, 0.05);

-- EWMA and CUSUM with exposure (per_workday: the chart on counts per working day, mu0, mu1 and
-- sigma per working day).  With every exposure 1 they are the plain detectors: the reference
-- values of issue 17 again (UCL 5.8000, 6.1972, 6.4847, steady 6.5205; k 5.7708)
SELECT t, observed, baseline, round(statistic::numeric, 4) AS z, round(threshold::numeric, 4) AS ucl, alarm
FROM sv.risk_ewma_exposure(array_fill(4::bigint, ARRAY[100]), array_fill(1::bigint, ARRAY[100]), 4, 2, 0.3, 3)
WHERE t IN (1, 2, 5, 100);
SELECT bool_and(abs(a.statistic - b.statistic) < 1e-12 AND abs(a.threshold - b.threshold) < 1e-12 AND a.alarm = b.alarm
                AND a.baseline = b.baseline) AS ewma_same
FROM sv.risk_ewma('{8,8,8,8,0,3,12}', 4, 2, 0.3, 3) a
JOIN sv.risk_ewma_exposure('{8,8,8,8,0,3,12}', '{1,1,1,1,1,1,1}', 4, 2, 0.3, 3) b USING (t);
SELECT bool_and(a.statistic = b.statistic AND a.alarm = b.alarm AND a.baseline = b.baseline) AS cusum_same
FROM sv.risk_cusum('{4,9,9,9,3,9,9,2,0}', 4, 8, 8) a
JOIN sv.risk_cusum_exposure('{4,9,9,9,3,9,9,2,0}', '{1,1,1,1,1,1,1,1,1}', 4, 8, 8) b USING (t);
-- the worked example of docs/risk.md: one signal a working day from August 2025 to January 2026,
-- 26 in February 2026 (16 working days).  EWMA (lambda 0.5, L 2): the plain chart (mu0 21, sigma
-- sqrt 21) stays below its limit, the chart per working day (mu0 1, sigma 1: February's rate
-- 1.625, z = 1.3125) rises above its limit 1 + 2 x 0.5 x sqrt(a_7) = 1.2796; CUSUM (mu1 1.5
-- mu0): k = 0.5 / ln 1.5 = 1.2332 a working day, February's increment 26 - 16 k = 6.27 > h 5
SELECT 'plain' AS detector, t, observed, round(baseline::numeric, 4) AS baseline, round(statistic::numeric, 4) AS z,
       round(threshold::numeric, 4) AS ucl, alarm
FROM sv.risk_ewma((:'wd'::bigint[])[1:6] || 26::bigint, 21, sqrt(21), 0.5, 2) WHERE t = 7
UNION ALL
SELECT 'per_workday', t, observed, round(baseline::numeric, 4), round(statistic::numeric, 4), round(threshold::numeric, 4), alarm
FROM sv.risk_ewma_exposure((:'wd'::bigint[])[1:6] || 26::bigint, :'wd', 1, 1, 0.5, 2) WHERE t = 7;
SELECT 'plain' AS detector, t, observed, round(baseline::numeric, 4) AS baseline, round(statistic::numeric, 4) AS s, alarm
FROM sv.risk_cusum((:'wd'::bigint[])[1:6] || 26::bigint, 21, 31.5, 5) WHERE t = 7
UNION ALL
SELECT 'per_workday', t, observed, round(baseline::numeric, 4), round(statistic::numeric, 4), alarm
FROM sv.risk_cusum_exposure((:'wd'::bigint[])[1:6] || 26::bigint, :'wd', 1, 1.5, 5) WHERE t = 7;
-- against SQL references on 300 random series of 24 months with random working days (16-23):
-- EWMA in closed form, z_t = (1-l)^t (mu0 + l sum_i y_i (1-l)^-i) and the limit from
-- a_t = (1-l)^2t sum_i (1-l)^-2i / w_i (window sums, as bench/08_risk.sql); the CUSUM with its
-- restart by a recursive query
SELECT setseed(0.17);
CREATE TEMP TABLE wd_case AS
SELECT s, array_agg((power(random(), 4) * 5)::bigint ORDER BY t) AS x, array_agg(w ORDER BY t) AS w
FROM generate_series(1, 300) s CROSS JOIN generate_series(1, 24) t
CROSS JOIN LATERAL (SELECT 16 + (random() * 7)::bigint + 0 * s AS w) r
GROUP BY s;
WITH u AS (
  SELECT c.s, u.t, u.x, u.w FROM wd_case c CROSS JOIN LATERAL unnest(c.x, c.w) WITH ORDINALITY u(x, w, t)
), ref AS (
  SELECT s, t, power(0.7::float8, t) * (0.05 + 0.3 * sum(x::float8 / w * power(0.7::float8, -t::float8)) OVER o) AS z,
         0.05 + 3 * sqrt(0.05) * 0.3 * sqrt(power(0.7::float8, 2 * t) * sum(power(0.7::float8, -2 * t::float8) / w) OVER o) AS ucl
  FROM u WINDOW o AS (PARTITION BY s ORDER BY t)
)
SELECT count(*) AS points, count(*) FILTER (WHERE d.alarm) > 0 AS some_alarms,
       max(abs(d.statistic - ref.z) / greatest(ref.z, 1)) < 1e-9 AS z_agrees,
       max(abs(d.threshold - ref.ucl)) < 1e-9 AS ucl_agrees,
       bool_and(d.alarm = (ref.z > ref.ucl) OR abs(ref.z - ref.ucl) < 1e-9) AS alarms_agree
FROM wd_case c CROSS JOIN LATERAL sv.risk_ewma_exposure(c.x, c.w, 0.05, sqrt(0.05), 0.3, 3) d
JOIN ref ON ref.s = c.s AND ref.t = d.t;
WITH RECURSIVE u AS (
  SELECT c.s, u.t::integer AS t, u.x, u.w FROM wd_case c CROSS JOIN LATERAL unnest(c.x, c.w) WITH ORDINALITY u(x, w, t)
), k AS (SELECT (0.1 - 0.05) / (ln(0.1::float8) - ln(0.05::float8)) AS k
), ref (s, t, st, alarm) AS (
  SELECT u.s, 1, greatest(0, u.x - k.k * u.w), greatest(0, u.x - k.k * u.w) > 3 FROM u, k WHERE u.t = 1
  UNION ALL
  SELECT u.s, u.t, greatest(0, CASE WHEN ref.alarm THEN 0 ELSE ref.st END + u.x - k.k * u.w),
         greatest(0, CASE WHEN ref.alarm THEN 0 ELSE ref.st END + u.x - k.k * u.w) > 3
  FROM ref JOIN u ON u.s = ref.s AND u.t = ref.t + 1 CROSS JOIN k
)
SELECT count(*) AS points, count(*) FILTER (WHERE d.alarm) > 0 AS some_alarms,
       max(abs(d.statistic - ref.st)) < 1e-9 AS s_agrees, bool_and(d.alarm = ref.alarm) AS alarms_agree
FROM wd_case c CROSS JOIN LATERAL sv.risk_cusum_exposure(c.x, c.w, 0.05, 0.1, 3) d
JOIN ref ON ref.s = c.s AND ref.t = d.t;
-- errors
SELECT * FROM sv.risk_ewma_exposure('{1,2}', '{1}', 4, 2, 0.3, 3);
SELECT * FROM sv.risk_ewma_exposure('{1,2}', NULL, 4, 2, 0.3, 3);
SELECT * FROM sv.risk_ewma_exposure('{1,2}', '{20,0}', 4, 2, 0.3, 3);
SELECT * FROM sv.risk_ewma_exposure('{1,2}', '{20,16}', 4, 2, 0, 3);
SELECT * FROM sv.risk_ewma_exposure('{1,2}', '{20,16}', NULL, 2, 0.3, 3);
SELECT * FROM sv.risk_cusum_exposure('{1,2}', '{20,16}', 4, 4, 8);
SELECT * FROM sv.risk_cusum_exposure('{1,2}', '{20,-1}', 4, 8, 8);
SELECT * FROM sv.risk_cusum_exposure('{1,2}', '{20,16}', 4, 8, 0);

-- roles: officials and BI may compute; the public and the integration feeds may not
SET ROLE regress_rsd_officer;
SELECT count(*) FROM sv.risk_cusum('{1,2}', 4, 8, 8);
SELECT count(*) FROM sv.risk_poisson_tail_exposure('{1,2}', '{20,16}', 1, 0, 0.05);
SELECT count(*) FROM sv.risk_ewma_exposure('{1,2}', '{20,16}', 0.05, 0.2, 0.3, 3);
SET ROLE regress_rsd_bi;
SELECT count(*) FROM sv.risk_cusum_exposure('{1,2}', '{20,16}', 0.05, 0.1, 3);
SELECT round(sv.risk_cusum_k(4, 8)::numeric, 4) AS k;
SET ROLE regress_rsd_public;
SELECT sv.poisson_upper_tail(1, 1);
SELECT * FROM sv.risk_ewma('{1}', 4, 2, 0.3, 3);
SELECT * FROM sv.risk_poisson_tail_exposure('{1}', '{1}', 1, 0, 0.05);
SELECT * FROM sv.risk_ewma_exposure('{1}', '{1}', 4, 2, 0.3, 3);
SELECT * FROM sv.risk_cusum_exposure('{1}', '{1}', 4, 8, 8);
SET ROLE regress_rsd_feed;
SELECT * FROM sv.risk_bh('{0.1}', 0.05);
RESET ROLE;

DROP ROLE regress_rsd_officer, regress_rsd_bi, regress_rsd_public, regress_rsd_feed;
