-- Risk early warning, every detector in scans (66_risk.sql, docs/risk.md): EWMA and CUSUM with
-- a fixed in-control mean (the reference limits of issue 17) and with one estimated from a
-- trailing baseline, threshold and streak rules; planted spikes found, steady series left alone.
-- Signal rows are a fixture written as the superuser with fixed recording moments, in 2017 and
-- 2018, years no other test writes signals in (a scan reads every subject).
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_rsd_admin LOGIN IN ROLE sv_admin;
SELECT '91410402MA4RHD001' || sv.uscc_check_character('91410402MA4RHD001') AS s1,
       '91410402MA4RHD002' || sv.uscc_check_character('91410402MA4RHD002') AS s2,
       '91410402MA4RHD003' || sv.uscc_check_character('91410402MA4RHD003') AS s3,
       '91410402MA4RHD004' || sv.uscc_check_character('91410402MA4RHD004') AS s4 \gset
SELECT sv.subject_save(:'s1', '预警规则测试一', '410402', 'RSD', 'RSD-1', 'H62') IS NOT NULL AS saved;
SELECT sv.subject_save(:'s2', '预警规则测试二', '410402', 'RSD', 'RSD-2', 'H62') IS NOT NULL AS saved;
SELECT sv.subject_save(:'s3', '预警规则测试三', '410402', 'RSD', 'RSD-3', 'H62') IS NOT NULL AS saved;
SELECT sv.subject_save(:'s4', '预警规则测试四', '410402', 'RSD', 'RSD-4', 'H62') IS NOT NULL AS saved;

-- penalties per month, January 2017 to December 2018, each recorded the day after it:
--   s1: 2 a month, then a spike of 9 in December 2018 (planted);
--   s2: 2 a month throughout (steady);
--   s3: none in 2017, 4 a month in 2018 to November, 13 in December (planted);
--   s4: none, then 3 in December 2018 (a first rise on a zero baseline).
INSERT INTO sv.credit_event (uscc, kind, severity, source, department_id, decided_on, reference, penalty_types,
                             source_system, recorded_by, recorded_at, updated_at)
SELECT c.uscc, 'administrative_penalty', 2, 'city', 4, c.month + j, 'RSD-' || c.uscc || '-' || c.month || '-' || j, '{warning}',
       'RSD', 'fixture', c.month + j + time '10:00' + interval '1 day', c.month + j + time '10:00' + interval '1 day'
FROM (
  SELECT u.uscc, (date '2017-01-01' + make_interval(months => m))::date AS month,
         CASE WHEN m = 23 THEN u.spike WHEN m >= u.from_m THEN u.per_month ELSE 0 END AS n
  FROM (VALUES (:'s1', 2, 9, 0), (:'s2', 2, 2, 0), (:'s3', 4, 13, 12), (:'s4', 0, 3, 0)) u(uscc, per_month, spike, from_m)
  CROSS JOIN generate_series(0, 23) m
) c
CROSS JOIN LATERAL generate_series(1, c.n) j;
SELECT series, count(*) AS months, sum(count) AS penalties, max(count) FILTER (WHERE month = '2018-12-01') AS december
FROM sv.risk_signal_counts('penalty', 'subject', '2017-01-01', '2018-12-01', '2018-12-31 23:00')
WHERE series IN (:'s1', :'s2', :'s3', :'s4') GROUP BY series ORDER BY series;

SET ROLE regress_rsd_admin;
-- EWMA with a fixed mean: the exact limit of issue 17 (mu0 4, sigma 2, lambda 0.3, L 3) is the
-- alert's threshold, over a chart of 1, 2 and 5 months: UCL 5.8000, 6.1972, 6.4847
SELECT sv.risk_rule_save('RSD-EWMA-' || w, 'EWMA 参考值', 'penalty', 'subject', 'ewma',
  jsonb_build_object('mu0', 4, 'sigma', 2, 'lambda', 0.3, 'l', 3, 'window', w), 'blue', 4, '国发〔2019〕18号') AS version
FROM unnest('{1,2,5}'::int[]) w;
SELECT (sv.risk_scan('RSD-EWMA-' || w, '2018-12-31 23:00')).*, w FROM unnest('{1,2,5}'::int[]) w;
RESET ROLE;
SELECT rule_code, series = :'s3' AS s3, period, observed, baseline, round(statistic::numeric, 4) AS z,
       round(threshold::numeric, 4) AS ucl, explanation -> 'chart_window' AS chart, explanation -> 'baseline_window' AS base
FROM sv.risk_alert WHERE rule_code LIKE 'RSD-EWMA-%' ORDER BY rule_code, series;

-- CUSUM with a fixed mean: mu0 4, mu1 8 gives k = 5.7708; s3's December: S = 13 - k = 7.2292 > 5;
-- s1's 9 stays below (3.2292)
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-CUSUM', 'CUSUM 参考值', 'penalty', 'subject', 'cusum',
  '{"mu0": 4, "mu1": 8, "h": 5, "window": 6}', 'yellow', 4, '国发〔2019〕18号') AS version;
SELECT * FROM sv.risk_scan('RSD-CUSUM', '2018-12-31 23:00');
RESET ROLE;
SELECT series = :'s3' AS s3, observed, baseline, round(statistic::numeric, 4) AS s, threshold,
       round((observed - statistic)::numeric, 4) AS k
FROM sv.risk_alert WHERE rule_code = 'RSD-CUSUM';

-- the in-control mean estimated per series from a trailing baseline: EWMA over the six months
-- to December, mu0 the mean of the twelve months before them (July 2017 to June 2018), sigma
-- sqrt(mu0): the spikes of s1 (mu0 2) and s3 (mu0 2: six zeros, six fours) alarm, steady s2 does
-- not, nor s4 (mu0 0 raised to mu0_min 0.5: 3 is not enough after five zeros)
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-EWMA-EST', '行政处罚上升', 'penalty', 'subject', 'ewma',
  '{"baseline": 12, "window": 6, "lambda": 0.3, "l": 3}', 'blue', 4, '国发〔2019〕18号') AS version;
SELECT params FROM sv.risk_rule WHERE code = 'RSD-EWMA-EST';
SELECT * FROM sv.risk_scan('RSD-EWMA-EST', '2018-12-31 23:00');
-- three months back: October and November tested too: s3's rise from the zeros of 2017 to four a
-- month alarms in both (its baseline is still mostly zeros): one episode with December, whose
-- alert holds them; December's result is the same whatever the scan's months
SELECT * FROM sv.risk_scan('RSD-EWMA-EST', '2018-12-31 23:00', months => 3);
RESET ROLE;
SELECT series, observed, baseline, round(statistic::numeric, 4) AS z, round(threshold::numeric, 4) AS ucl,
       explanation -> 'baseline_window' AS base, explanation -> 'chart_window' AS chart,
       jsonb_array_length(explanation -> 'signal_rows') AS signal_rows
FROM sv.risk_alert WHERE rule_code = 'RSD-EWMA-EST' ORDER BY series;
SELECT series, period, last_period, jsonb_path_query_array(episode, '$[*].period') AS episode
FROM sv.risk_alert WHERE rule_code = 'RSD-EWMA-EST' ORDER BY series;
-- the same, computed independently: the counts, the baseline mean, the detector on the chart
WITH c AS (
  SELECT s.uscc, array_agg(coalesce(n.count, 0) ORDER BY m) AS counts
  FROM unnest(ARRAY[:'s1', :'s2', :'s3', :'s4']) s(uscc)
  CROSS JOIN generate_series(date '2017-07-01', date '2018-12-01', interval '1 month') m
  LEFT JOIN sv.risk_signal_counts('penalty', 'subject', '2017-07-01', '2018-12-01', '2018-12-31 23:00') n
    ON n.series = s.uscc AND n.month = m
  GROUP BY s.uscc
)
SELECT c.uscc, mu0, e.observed, round(e.statistic::numeric, 4) AS z, round(e.threshold::numeric, 4) AS ucl, e.alarm
FROM c
CROSS JOIN LATERAL (SELECT greatest(avg(z), 0.5)::float8 AS mu0 FROM unnest(c.counts[1:12]) z) b
CROSS JOIN LATERAL sv.risk_ewma(c.counts[13:18], b.mu0, sqrt(b.mu0), 0.3, 3) e
WHERE e.t = 6 ORDER BY c.uscc;

-- CUSUM with mu0 estimated (six months, one month of guard band) and mu1 = 2 mu0, a chart of
-- three months: s1 (mu0 2, k 2.8854), s3 (mu0 4, k 5.7708) alarm; s4 (mu0 0.5) would, but its 3
-- is below min_count 4
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-CUSUM-EST', '行政处罚累积偏移', 'penalty', 'subject', 'cusum',
  '{"baseline": 6, "guard": 1, "shift": 2, "h": 2, "window": 3, "min_count": 4}', 'orange', 4, '国发〔2019〕18号') AS version;
SELECT params FROM sv.risk_rule WHERE code = 'RSD-CUSUM-EST';
SELECT * FROM sv.risk_scan('RSD-CUSUM-EST', '2018-12-31 23:00');
RESET ROLE;
SELECT series, observed, baseline, round(statistic::numeric, 4) AS s, threshold, explanation -> 'baseline_window' AS base,
       explanation -> 'chart_window' AS chart
FROM sv.risk_alert WHERE rule_code = 'RSD-CUSUM-EST' ORDER BY series;

-- threshold: a month with 5 or more
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-THRESH', '行政处罚超限', 'penalty', 'subject', 'threshold', '{"count": 5}', 'red', 4,
  '国发〔2019〕18号') AS version;
SELECT * FROM sv.risk_scan('RSD-THRESH', '2018-12-31 23:00');
SELECT * FROM sv.risk_scan('RSD-THRESH', '2018-12-31 23:00', months => 2);
RESET ROLE;
SELECT series, period, observed, baseline, statistic, threshold, p, explanation -> 'baseline_window' AS base
FROM sv.risk_alert WHERE rule_code = 'RSD-THRESH' ORDER BY series;

-- one alert per episode: a month with 2 or more, scanned month by month; consecutive alarming
-- months of a series extend its alert (the audit record counts the extended ones)
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-EPISODE', '行政处罚持续', 'penalty', 'subject', 'threshold', '{"count": 2}', 'blue', 4,
  '国发〔2019〕18号') AS version;
SELECT * FROM sv.risk_scan('RSD-EPISODE', '2018-10-31 23:00');
SELECT * FROM sv.risk_scan('RSD-EPISODE', '2018-11-30 23:00');
SELECT * FROM sv.risk_scan('RSD-EPISODE', '2018-11-30 23:00');
SELECT * FROM sv.risk_scan('RSD-EPISODE', '2018-12-31 23:00', months => 2);
RESET ROLE;
SELECT series, period, last_period, observed,
       (SELECT array_agg((e ->> 'period') || ': ' || (e ->> 'observed') ORDER BY e ->> 'period') FROM jsonb_array_elements(episode) e) AS episode,
       extended_at IS NOT NULL AS extended
FROM sv.risk_alert WHERE rule_code = 'RSD-EPISODE' ORDER BY series, period;
SELECT change::jsonb -> 'new_alerts' AS new_alerts, change::jsonb -> 'extended_alerts' AS extended_alerts FROM sv.audit_log
WHERE object_kind = 'risk_rule' AND object_id = 'RSD-EPISODE v1' AND action = 'scan' ORDER BY seq;
-- an alert changes only by its episode growing
UPDATE sv.risk_alert SET last_period = period WHERE rule_code = 'RSD-EPISODE';
UPDATE sv.risk_alert SET episode = '[]', extended_at = now() WHERE rule_code = 'RSD-EPISODE';
UPDATE sv.risk_alert SET observed = 0, last_period = last_period + interval '1 month', extended_at = now() WHERE rule_code = 'RSD-EPISODE';
SELECT count(*) FILTER (WHERE extended_at IS NOT NULL) AS extended FROM sv_work.risk_alert WHERE rule_code = 'RSD-EPISODE';

-- streak: the third failed inspection in a row (actions written as the superuser, rolled back):
-- s1 fails in September, passes in October, fails in November and twice in December (a run of
-- 3 in December); s2 fails in November, passes on 1 December, fails on 10 December (a run of 1),
-- and a failure of 20 December received only in 2019 is not seen as of 2018
BEGIN;
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RSD-REL', 'regress: risk rules, rolled back', '2017-01-01 10:00+08', 'regress', 0, 0) RETURNING id AS rel \gset
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, source_system, source_record_id, received_at, updated_at)
SELECT u, 'inspection', 'C01', :rel, 4, '410402', d, d, '{A1,A2}', r, d + 20, 'RSD', 'RSD-A-' || n, x, x
FROM (VALUES (:'s1', date '2018-09-03', 'problem_found', 1, timestamptz '2018-09-03 18:00'),
             (:'s1', '2018-10-10', 'no_problem', 2, '2018-10-10 18:00'),
             (:'s1', '2018-11-12', 'rectification_ordered', 3, '2018-11-12 18:00'),
             (:'s1', '2018-12-05', 'problem_found', 4, '2018-12-05 18:00'),
             (:'s1', '2018-12-19', 'case_filed', 5, '2018-12-19 18:00'),
             (:'s2', '2018-11-04', 'problem_found', 6, '2018-11-04 18:00'),
             (:'s2', '2018-12-01', 'no_problem', 7, '2018-12-01 18:00'),
             (:'s2', '2018-12-10', 'problem_found', 8, '2018-12-10 18:00'),
             (:'s2', '2018-12-20', 'problem_found', 9, '2019-01-05 09:00')) v(u, d, r, n, x);
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-STREAK', '连续检查不合格', 'failed_inspection', 'subject', 'streak', '{"n": 3}', 'orange', 4,
  '国发〔2019〕18号') AS version;
SELECT * FROM sv.risk_scan('RSD-STREAK', '2018-12-31 23:00');
SELECT * FROM sv.risk_scan('RSD-STREAK', '2018-12-31 23:00', months => 4);
-- as of 2019, s2's late failure is seen: a run of 2, still short of 3
SELECT * FROM sv.risk_scan('RSD-STREAK', '2019-01-06 00:00', months => 2);
RESET ROLE;
SELECT series = :'s1' AS s1, period, observed, statistic AS run, threshold,
       (SELECT array_agg(x ->> 'day' ORDER BY x ->> 'day') FROM jsonb_array_elements(explanation -> 'signal_rows') x) AS days
FROM sv.risk_alert WHERE rule_code = 'RSD-STREAK';
ROLLBACK;

-- per_workday: the Poisson tail with each month's mean scaled by its working days (rolled
-- back): s2 with one penalty a working day from August 2025 to January 2026 and 26 in February
-- 2026 (16 working days: the Spring Festival); the rules per working day find February, the
-- plain ones (mean 21) do not: the Poisson tail, EWMA (a chart of one month, lambda 0.5, L 2,
-- mu0 estimated from the six months before it: 126 / 126 = 1 a working day, z = 1.3125 above
-- 1 + 2 x 0.5 x sqrt(1/16) = 1.25) and CUSUM (mu1 = 1.5 mu0, h 5: S = 26 - 16 x 1.2332 = 6.27)
BEGIN;
INSERT INTO sv.credit_event (uscc, kind, severity, source, department_id, decided_on, reference, penalty_types,
                             source_system, recorded_by, recorded_at, updated_at)
SELECT :'s2', 'administrative_penalty', 2, 'city', 4, m + (j % 28), 'RSD-W-' || m || '-' || j, '{warning}', 'RSD', 'fixture',
       m + (j % 28) + time '10:00' + interval '1 day', m + (j % 28) + time '10:00' + interval '1 day'
FROM generate_series(date '2025-08-01', '2026-02-01', interval '1 month') g, LATERAL (SELECT g::date AS m) x,
     LATERAL generate_series(1, CASE WHEN m = '2026-02-01' THEN 26
                                     ELSE sv.workdays_between(m - 1, (m + interval '1 month')::date - 1) END) j;
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-WD' || d || w, '按工作日', 'penalty', 'subject', d,
  CASE d WHEN 'poisson_tail' THEN '{"baseline": 6, "alpha": 0.05}'::jsonb
         WHEN 'ewma' THEN '{"baseline": 6, "window": 1, "lambda": 0.5, "l": 2}'
         ELSE '{"baseline": 6, "window": 1, "shift": 1.5, "h": 5}' END || jsonb_build_object('per_workday', w),
  'blue', 4, '国发〔2019〕18号') AS version
FROM unnest('{poisson_tail,ewma,cusum}'::text[]) d, unnest('{true,false}'::boolean[]) w;
SELECT code, params FROM sv.risk_rule WHERE code LIKE 'RSD-WD%true' ORDER BY code;
SELECT code, (sv.risk_scan(code, '2026-02-28 23:00')).new_alerts >= 0 AS scanned
FROM sv.risk_rule WHERE code LIKE 'RSD-WD%' ORDER BY code;
RESET ROLE;
SELECT rule_code, period, observed, round(baseline::numeric, 4) AS baseline, round(statistic::numeric, 4) AS statistic,
       round(threshold::numeric, 4) AS threshold, round(p::numeric, 6) AS p, explanation -> 'workdays' AS workdays,
       explanation -> 'baseline_workdays' AS baseline_workdays, explanation -> 'chart_workdays' AS chart_workdays,
       explanation -> 'params' -> 'per_workday' AS per_workday
FROM sv.risk_alert WHERE rule_code LIKE 'RSD-WD%' AND uscc = :'s2' ORDER BY rule_code;
ROLLBACK;

-- the parameters of the new modes and detectors, nothing written
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 4, "baseline": 6, "lambda": 0.3, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'ewma', '{"lambda": 0.3, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 4, "guard": 1, "lambda": 0.3, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'ewma', '{"baseline": 0, "lambda": 0.3, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'ewma', '{"baseline": 6, "mu0_min": 0, "lambda": 0.3, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'ewma', '{"baseline": 6, "lambda": 0.3, "l": 3, "window": 121}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'cusum', '{"baseline": 6, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'cusum', '{"baseline": 6, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'cusum', '{"baseline": 6, "shift": 1, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "shift": 2, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'cusum', '{"h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 6, "alpha": 0.05, "per_workday": 1}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 4, "lambda": 0.3, "l": 3, "per_workday": "yes"}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'threshold', '{"count": 4, "per_workday": true}', 'red', 4, 'b');
-- the notice period of licence_expiring: an integer of days 1-365, of that signal only
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'threshold', '{"count": 1, "notice_days": 60}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'licence_expiring', 'subject', 'threshold', '{"count": 1, "notice_days": 0}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'licence_expiring', 'subject', 'threshold', '{"count": 1, "notice_days": 366}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'licence_expiring', 'subject', 'threshold', '{"count": 1, "notice_days": 30.5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'licence_expiring', 'subject', 'threshold', '{"count": 1, "notice_days": "60"}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'threshold', '{}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'threshold', '{"count": 0}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'threshold', '{"count": 2.5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'threshold', '{"count": 5, "n": 2}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'failed_inspection', 'subject', 'streak', '{"n": 1}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'failed_inspection', 'subject', 'streak', '{"n": 101}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'penalty', 'subject', 'streak', '{"n": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSD-X', 'x', 'failed_inspection', 'industry_region', 'streak', '{"n": 3}', 'red', 4, 'b');
RESET ROLE;
SELECT count(*) AS saved FROM sv.risk_rule WHERE code = 'RSD-X';


-- the signals read through other capabilities' functions (docs/risk.md), one threshold rule of
-- count 1 each, scanned over November and December 2018 (fixtures written as the superuser,
-- rolled back with the rules and their alerts):
--   credit_class_worse: s1 A in October, B in November (worse), B in December; s2 C then B
--                       (better); each month's class computed on the 1st of the next;
--   abnormal_operation: s2 listed on 3 December;
--   licence_expiring:   s3's licence valid until 20 January 2019 (notice day 21 December); s4's
--                       valid until 15 January 2019 but renewed on 10 December; s1's valid until
--                       1 March 2019 (notice day in 2019);
--   licence_revocation: a result of s3's licence proposing revocation, reported on 12 December;
--   publication_overdue: s1's penalty due 29 November published on 3 December (late: overdue
--                       from 30 November); s2's due 14 December unpublished; s4's published on time;
--   repeat_inspection:  the cap of 410402 set to 2; s4 inspected in December 2017, then in
--                       February, May, on 3 and on 17 December 2018: the last two are beyond it.
BEGIN;
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RSD-REL2', 'regress: risk signals, rolled back', '2017-01-01 10:00+08', 'regress', 0, 0) RETURNING id AS rel \gset
INSERT INTO sv.credit_class_history (uscc, month, class, score, model, computed_at, as_of)
SELECT u, m, c, 80, 'RSD', m + time '06:00' + interval '1 month', m + time '06:00' + interval '1 month'
FROM (VALUES (:'s1', date '2018-10-01', 'A'), (:'s1', '2018-11-01', 'B'), (:'s1', '2018-12-01', 'B'),
             (:'s2', '2018-11-01', 'C'), (:'s2', '2018-12-01', 'B')) v(u, m, c);
INSERT INTO sv.credit_event (uscc, kind, severity, source, department_id, decided_on, reference, source_system,
                             recorded_by, recorded_at, updated_at)
VALUES (:'s2', 'abnormal_operation', 1, 'city', 4, '2018-12-03', 'RSD-ABN-1', 'RSD', 'fixture', '2018-12-04 10:00', '2018-12-04 10:00');
INSERT INTO sv.linkage (source_system, approval_id, uscc, subject_name, power_code, decision, licence_no, decided_on,
                        valid_until, approving_department_id, supervising_department_id, payload, received_by, received_at,
                        claim_due, first_action_due)
SELECT 'RSD', a, u, 'RSD', 'RSD-P', d, l, o, v, 4, 4, '{}', 'fixture', o + time '12:00', o + 2, o + 20
FROM (VALUES ('RSD-L1', :'s3', 'granted', 'RSD-LIC-1', date '2016-01-21', date '2019-01-20'),
             ('RSD-L2', :'s4', 'granted', 'RSD-LIC-2', '2016-01-16', '2019-01-15'),
             ('RSD-L3', :'s4', 'renewed', 'RSD-LIC-2', '2018-12-10', '2022-01-15'),
             ('RSD-L4', :'s1', 'granted', 'RSD-LIC-3', '2016-03-02', '2019-03-01')) v(a, u, d, l, o, v);
INSERT INTO sv.linkage_result (linkage_id, kind, summary, affects_licence, reported_by, reported_at, ack_due)
SELECT id, 'revocation_proposal', '建议吊销', true, 'fixture', '2018-12-12 15:00', '2018-12-19'
FROM sv.linkage WHERE approval_id = 'RSD-L1';
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, published_at, source_system, source_record_id, received_at, updated_at)
SELECT u, k, 'C01', :rel, 4, '410402', d, d, '{A1,A2}', 'no_problem', due, pub, 'RSD', 'RSD-B-' || n, d + time '18:00', d + time '18:00'
FROM (VALUES (:'s1', 'penalty', date '2018-11-01', date '2018-11-29', timestamptz '2018-12-03 10:00', 1),
             (:'s2', 'penalty', '2018-11-16', '2018-12-14', NULL, 2),
             (:'s4', 'penalty', '2018-11-16', '2018-12-14', '2018-12-14 16:00', 3),
             (:'s4', 'inspection', '2017-12-04', '2018-01-03', '2017-12-20 10:00', 4),
             (:'s4', 'inspection', '2018-02-05', '2018-03-05', '2018-02-20 10:00', 5),
             (:'s4', 'inspection', '2018-05-07', '2018-06-04', '2018-05-20 10:00', 6),
             (:'s4', 'inspection', '2018-12-03', '2019-01-02', '2018-12-20 10:00', 7),
             (:'s4', 'inspection', '2018-12-17', '2019-01-15', NULL, 8)) v(u, k, d, due, pub, n);
INSERT INTO sv.inspection_cap (region_code, cap, basis, set_by, set_at)
VALUES ('410402', 2, '国办发〔2024〕54号', 'fixture', '2017-01-01 10:00')
ON CONFLICT (region_code) DO UPDATE SET cap = 2;
SET ROLE regress_rsd_admin;
SELECT x AS signal, sv.label_zh('risk.signal', x) AS label,
       sv.risk_rule_save('RSD-SIG-' || x, '信号 ' || x, x, 'subject', 'threshold', '{"count": 1}', 'blue', 4, '国发〔2019〕18号') AS version
FROM unnest(ARRAY['credit_class_worse', 'abnormal_operation', 'licence_expiring', 'licence_revocation',
                  'publication_overdue', 'repeat_inspection']) x;
-- as of 1 January 2019: November, December and January tested
SELECT count(*) AS scans FROM sv.risk_rule r, LATERAL sv.risk_scan(r.code, '2019-01-01 12:00', months => 3)
WHERE r.code LIKE 'RSD-SIG-%';
RESET ROLE;
SELECT substr(rule_code, 9) AS signal, CASE series WHEN :'s1' THEN 's1' WHEN :'s2' THEN 's2' WHEN :'s3' THEN 's3'
       WHEN :'s4' THEN 's4' END AS subject, period, observed,
       (SELECT array_agg((x ->> 'table') || ' ' || (x ->> 'day') ORDER BY x ->> 'day') FROM jsonb_array_elements(explanation -> 'signal_rows') x) AS rows
FROM sv.risk_alert WHERE rule_code LIKE 'RSD-SIG-%' AND uscc IN (:'s1', :'s2', :'s3', :'s4')
ORDER BY rule_code, subject, period;
-- as known earlier: on 20 December s3's notice day and December's classes are still to come
SELECT x AS signal, (SELECT count(*) FROM sv._risk_signal(x, '2018-11-01', '2018-12-01', '2018-12-20 12:00') y
                     WHERE y.uscc IN (:'s1', :'s2', :'s3', :'s4')) AS rows
FROM unnest(ARRAY['credit_class_worse', 'licence_expiring', 'publication_overdue', 'repeat_inspection']) x;
-- an incremental scan sees a signal become known after since: s3's notice day (21 December)
SELECT CASE WHEN uscc::text = :'s3' THEN 's3' ELSE uscc::text END AS subject
FROM sv._risk_signal_new('licence_expiring', '2018-11-01', '2018-12-01', '2018-12-20 12:00', '2019-01-01 12:00')
WHERE uscc IN (:'s1', :'s2', :'s3', :'s4');
SELECT count(*) AS rows FROM sv._risk_signal_new('licence_expiring', '2018-11-01', '2018-12-01', '2018-12-22 00:00', '2019-01-01 12:00')
WHERE uscc IN (:'s1', :'s2', :'s3', :'s4');
SELECT CASE WHEN uscc::text = :'s4' THEN 's4' ELSE uscc::text END AS subject, count(*) AS rows
FROM sv._risk_signal_of('repeat_inspection', '2018-01-01', '2018-12-01', '2019-01-01 12:00', ARRAY[:'s4']::sv.uscc[]) GROUP BY 1;
-- the notice period a rule parameter (notice_days, default 30, stored with the rule): 60 days
-- before valid_until, s3's notice day is 21 November 2018 and s1's 31 December 2018; s4's
-- licence was renewed before either (its renewal is the latest decision by the scan's moment)
SET ROLE regress_rsd_admin;
SELECT sv.risk_rule_save('RSD-NOTICE60', '许可证60日内到期', 'licence_expiring', 'subject', 'threshold',
  '{"count": 1, "notice_days": 60}', 'blue', 4, '国发〔2019〕18号') AS version;
SELECT code, params FROM sv_work.risk_rule WHERE code IN ('RSD-NOTICE60', 'RSD-SIG-licence_expiring') ORDER BY code;
SELECT series, tested, alarms, new_alerts FROM sv.risk_scan('RSD-NOTICE60', '2019-01-01 12:00', months => 3);
RESET ROLE;
SELECT CASE series WHEN :'s1' THEN 's1' WHEN :'s3' THEN 's3' WHEN :'s4' THEN 's4' END AS subject, period,
       (SELECT array_agg((x ->> 'day') || ' ' || (x ->> 'valid_until') ORDER BY x ->> 'day') FROM jsonb_array_elements(explanation -> 'signal_rows') x) AS rows
FROM sv.risk_alert WHERE rule_code = 'RSD-NOTICE60' AND uscc IN (:'s1', :'s2', :'s3', :'s4') ORDER BY subject;
-- an incremental scan with the rule's notice period: s1's notice day (31 December) became
-- known after 30 December; with 30 days nothing did
SELECT CASE WHEN uscc::text = :'s1' THEN 's1' ELSE uscc::text END AS subject
FROM sv._risk_signal_new('licence_expiring', '2018-11-01', '2019-01-01', '2018-12-30 12:00', '2019-01-01 12:00', 60)
WHERE uscc IN (:'s1', :'s2', :'s3', :'s4');
SELECT count(*) AS rows FROM sv._risk_signal_new('licence_expiring', '2018-11-01', '2019-01-01', '2018-12-30 12:00', '2019-01-01 12:00')
WHERE uscc IN (:'s1', :'s2', :'s3', :'s4');
ROLLBACK;

-- an incremental scan gives the changed series exactly what a full scan gives them (rolled
-- back): penalties recorded on 2 January 2019, late (s2: three in November 2018; s4: two in
-- June 2018, a baseline month) and new (s1: one in January 2019); four rules that alarm on
-- almost every point (so that every point is compared through its alert and episode), with and
-- without per_workday; from the same state, the incremental scans (since 31 December) and the
-- full scans as of 3 January raise the same alerts on the changed series, explanations included:
-- s1, s2 and s4 (for the threshold rule, which reads the tested months only, s1 and s2)
BEGIN;
INSERT INTO sv.credit_event (uscc, kind, severity, source, department_id, decided_on, reference, penalty_types,
                             source_system, recorded_by, recorded_at, updated_at)
SELECT u, 'administrative_penalty', 2, 'city', 4, d, 'RSD-LATE-' || n, '{warning}', 'RSD', 'fixture',
       '2019-01-02 10:00', '2019-01-02 10:00'
FROM (VALUES (:'s2', date '2018-11-20', 1), (:'s2', '2018-11-21', 2), (:'s2', '2018-11-22', 3),
             (:'s4', '2018-06-11', 4), (:'s4', '2018-06-12', 5), (:'s1', '2019-01-01', 6)) v(u, d, n);
SET ROLE regress_rsd_admin;
SELECT count(sv.risk_rule_save(c, '增量与全量', 'penalty', 'subject', d, p::jsonb, 'blue', 4, '国发〔2019〕18号')) AS rules
FROM (VALUES ('RSD-EQ-P', 'poisson_tail', '{"baseline": 6, "guard": 1, "alpha": 0.999, "min_count": 0, "per_workday": true}'),
             ('RSD-EQ-E', 'ewma', '{"baseline": 6, "window": 3, "lambda": 0.3, "l": 0.01, "min_count": 0, "per_workday": true}'),
             ('RSD-EQ-C', 'cusum', '{"baseline": 6, "window": 3, "shift": 1.01, "h": 0.01, "min_count": 0}'),
             ('RSD-EQ-T', 'threshold', '{"count": 1}')) r(c, d, p);
SAVEPOINT eq;
SELECT c AS rule, (sv.risk_scan(c, '2019-01-03 12:00', 3, since => '2018-12-31 23:00')).series AS series_tested
FROM unnest('{RSD-EQ-P,RSD-EQ-E,RSD-EQ-C,RSD-EQ-T}'::text[]) c;
SELECT count(*) AS inc_alerts, jsonb_agg(to_jsonb(a) - '{id}'::text[] ORDER BY a.rule_code, a.series, a.period)::text AS inc
FROM sv.risk_alert a WHERE a.rule_code LIKE 'RSD-EQ-%' \gset
ROLLBACK TO SAVEPOINT eq;
SELECT count(*) AS full_scans FROM unnest('{RSD-EQ-P,RSD-EQ-E,RSD-EQ-C,RSD-EQ-T}'::text[]) c,
  LATERAL sv.risk_scan(c, '2019-01-03 12:00', 3);
SELECT count(*) AS full_alerts, jsonb_agg(to_jsonb(a) - '{id}'::text[] ORDER BY a.rule_code, a.series, a.period)::text AS full
FROM sv.risk_alert a
WHERE a.rule_code LIKE 'RSD-EQ-%' AND (a.uscc IN (:'s1', :'s2') OR (a.uscc = :'s4' AND a.rule_code <> 'RSD-EQ-T')) \gset
RESET ROLE;
SELECT :inc_alerts AS alerts, (SELECT sum(1 + jsonb_array_length(x -> 'episode')) FROM jsonb_array_elements(:'inc'::jsonb) x) AS points,
       :'inc' = :'full' AS incremental_equals_full,
       (SELECT count(DISTINCT x ->> 'series') FROM jsonb_array_elements(:'inc'::jsonb) x) AS changed_series;
ROLLBACK;

-- clean up what other tests would see: the rules and their alerts, the subjects with their events, classes and actions
BEGIN;
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.risk_alert WHERE rule_code LIKE 'RSD%';
DELETE FROM sv.risk_rule_scan WHERE rule_code LIKE 'RSD%';
DELETE FROM sv.risk_rule WHERE code LIKE 'RSD%';
DELETE FROM sv.credit_event WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RSD');
DELETE FROM sv.credit_class_history WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RSD');
DELETE FROM sv.credit_class WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RSD');
DELETE FROM sv.action WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RSD');
DELETE FROM sv.subject WHERE source_system = 'RSD';
SET LOCAL session_replication_role = origin;
CALL sv._append_only_enforce();
COMMIT;
DROP ROLE regress_rsd_admin;
