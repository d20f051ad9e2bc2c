-- Risk early warning, the signals and the first scan (66_risk.sql, docs/risk.md): penalties
-- counted per subject and month as known at a moment, the Poisson tail rule scanned over them,
-- alerts with their explanation raised once, every error, every role.  The signal rows are a
-- fixture written as the superuser with fixed recording moments, so that nothing depends on today.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_rss_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_rss_officer LOGIN IN ROLE sv_officer;     -- of the rule's department (4)
CREATE ROLE regress_rss_other LOGIN IN ROLE sv_officer;       -- of another department (5)
CREATE ROLE regress_rss_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_rss_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_rss_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_rss_feed LOGIN IN ROLE sv_integration;
SELECT sv.staff_add('regress_rss_officer', 4, '410400') > 0 AS mapped;
SELECT sv.staff_add('regress_rss_other', 5, '410400') > 0 AS mapped;

SELECT '91410402MA4RHK001' || sv.uscc_check_character('91410402MA4RHK001') AS s1,
       '91410402MA4RHK002' || sv.uscc_check_character('91410402MA4RHK002') AS s2,
       '91410403MA4RHK003' || sv.uscc_check_character('91410403MA4RHK003') AS s3 \gset
SELECT sv.subject_save(:'s1', '风险测试餐饮一', '410402', 'RSS', 'RSS-1', 'H62') IS NOT NULL AS saved;
SELECT sv.subject_save(:'s2', '风险测试餐饮二', '410402', 'RSS', 'RSS-2', 'H62') IS NOT NULL AS saved;
SELECT sv.subject_save(:'s3', '风险测试建筑三', '410403', 'RSS', 'RSS-3', 'E47') IS NOT NULL AS saved;

-- penalties of 2025, recorded the day after each decision: subject 1 about one every two months,
-- then six in December; subject 2 one a month; subject 3 one, in December (a first penalty: a
-- zero baseline, below min_count).  One more December penalty of subject 1 is recorded only on
-- 2026-01-10.
INSERT INTO sv.credit_event (uscc, kind, severity, source, department_id, decided_on, reference, penalty_types,
                             source_system, recorded_by, recorded_at, updated_at)
SELECT x.uscc, 'administrative_penalty', 2, 'city', 4, x.day, 'RSS-' || x.uscc || '-' || x.n, '{warning}', 'RSS', 'fixture',
       coalesce(x.recorded, x.day + time '10:00' + interval '1 day'), coalesce(x.recorded, x.day + time '10:00' + interval '1 day')
FROM (
  SELECT :'s1'::text AS uscc, d::date AS day, row_number() OVER () AS n, NULL::timestamptz AS recorded
  FROM unnest(ARRAY['2025-01-10', '2025-03-05', '2025-05-20', '2025-07-08', '2025-09-15', '2025-10-02',
                    '2025-12-01', '2025-12-03', '2025-12-09', '2025-12-11', '2025-12-18', '2025-12-22']) d
  UNION ALL
  SELECT :'s1', '2025-12-29', 100, '2026-01-10 09:00+08'
  UNION ALL
  SELECT :'s2', (date '2025-01-15' + make_interval(months => m))::date, m + 1, NULL FROM generate_series(0, 11) m
  UNION ALL
  SELECT :'s3', '2025-12-05', 1, NULL
) x;

-- the signal per subject and month, as known at the end of 2025
SET ROLE regress_rss_auditor;
SELECT series, month, count FROM sv.risk_signal_counts('penalty', 'subject', '2025-10-01', '2025-12-01', '2025-12-31 23:00')
WHERE series IN (:'s1', :'s2', :'s3') ORDER BY series, month;
-- and per industry section x region
SELECT series, month, count FROM sv.risk_signal_counts('penalty', 'industry_region', '2025-11-01', '2025-12-01', '2025-12-31 23:00')
WHERE series IN ('H:410402', 'E:410403') ORDER BY series, month;
-- errors
SELECT * FROM sv.risk_signal_counts(NULL, NULL, NULL, NULL, NULL);
SELECT * FROM sv.risk_signal_counts('hotline_tip', 'subject', '2025-10-01', '2025-12-01');
SELECT * FROM sv.risk_signal_counts('penalty', 'region', '2025-10-01', '2025-12-01');
SELECT * FROM sv.risk_signal_counts('penalty', 'subject', '2025-10-02', '2025-12-01');
SELECT * FROM sv.risk_signal_counts('penalty', 'subject', '2025-10-01', 'infinity');
SELECT * FROM sv.risk_signal_counts('penalty', 'subject', '2025-12-01', '2025-10-01');
SELECT * FROM sv.risk_signal_counts('penalty', 'subject', '2025-10-01', '2025-12-01', 'infinity');
SELECT * FROM sv.risk_signal_counts('penalty', 'subject', '2025-10-01', '2025-12-01', now() + interval '1 day');
SET ROLE regress_rss_officer;
SELECT * FROM sv.risk_signal_counts('penalty', 'subject', '2025-10-01', '2025-12-01');
RESET ROLE;

-- the rules: a spike per subject (alpha 0.01 over six months, one month of guard band, at least
-- three), the same per industry x region with Benjamini-Hochberg, and an EWMA rule
SET ROLE regress_rss_admin;
SELECT sv.risk_rule_save('RSS-SPIKE', '行政处罚突增', 'penalty', 'subject', 'poisson_tail',
  '{"baseline": 6, "guard": 1, "alpha": 0.01, "min_count": 3}', 'yellow', 4, '国发〔2019〕18号') AS version;
SELECT sv.risk_rule_save('RSS-AREA', '行业区域行政处罚突增', 'penalty', 'industry_region', 'poisson_tail',
  '{"baseline": 6, "guard": 1, "alpha": 0.01, "min_count": 3, "fdr_q": 0.05}', 'blue', 4, '国发〔2019〕18号') AS version;
SELECT sv.risk_rule_save('RSS-EWMA', '行政处罚上升', 'penalty', 'subject', 'ewma',
  '{"mu0": 1, "lambda": 0.3, "l": 3}', 'blue', 4, '国发〔2019〕18号') AS version;

-- the scan as of the end of 2025: December tested; subject 1 alarms (6 on a baseline of 4/6 from May
-- to October, November the guard band),
-- subject 2 does not (1 on 1), subject 3 is below min_count
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2025-12-31 23:00');
-- the same scan again raises nothing new; as of later (the late penalty known) December is
-- alarming still, but it is the same episode: not raised again
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2025-12-31 23:00');
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2026-01-10 12:00', months => 2);
-- three months back: October and November of each series tested too
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2025-12-31 23:00', months => 3);
-- per industry x region, with Benjamini-Hochberg across the tested series
SELECT * FROM sv.risk_scan('RSS-AREA', '2025-12-31 23:00');
SELECT * FROM sv.risk_scan('RSS-AREA', '2025-12-31 23:00', months => 12);
RESET ROLE;

SELECT rule_code, rule_version, severity, series = :'s1' AS subject_1, subject_name, period, observed,
       round(baseline::numeric, 4) AS baseline, threshold, to_char(p, '9.999EEEE') AS p, round(p_adjusted::numeric, 6) AS p_adjusted,
       department_id, as_of
FROM sv_work.risk_alert WHERE rule_code LIKE 'RSS-%' ORDER BY id;
-- the explanation: the rule as it was, the baseline window, the values, the six signal rows
SELECT e - 'signal_rows' - 'as_of' - 'series' AS explanation, jsonb_array_length(e -> 'signal_rows') AS signal_rows,
       (SELECT array_agg(x ->> 'day' ORDER BY x ->> 'day') FROM jsonb_array_elements(e -> 'signal_rows') x) AS days
FROM (SELECT explanation AS e FROM sv.risk_alert WHERE rule_code = 'RSS-SPIKE') a;
-- the scans are audited
SELECT object_id, action, change::jsonb - 'as_of' AS change FROM sv.audit_log
WHERE object_kind = 'risk_rule' AND object_id LIKE 'RSS-%' AND action = 'scan' ORDER BY seq;
-- alerts stay as raised
UPDATE sv.risk_alert SET severity = 'red' WHERE rule_code = 'RSS-SPIKE';
DELETE FROM sv.risk_alert WHERE rule_code = 'RSS-SPIKE';
TRUNCATE sv.risk_alert;

-- errors of the scan
SET ROLE regress_rss_admin;
SELECT * FROM sv.risk_scan(NULL, NULL, NULL);
SELECT * FROM sv.risk_scan('RSS-SPIKE', 'infinity');
SELECT * FROM sv.risk_scan('RSS-SPIKE', now() + interval '1 hour');
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2025-12-31 23:00', 0);
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2025-12-31 23:00', 121);
SELECT * FROM sv.risk_scan('RSS-NONE', '2025-12-31 23:00');
-- (no longer an error: every detector scans; sql/risk_scan_rules.sql tests them)
SELECT * FROM sv.risk_scan('RSS-EWMA', '2025-12-31 23:00');
RESET ROLE;

-- roles: only administrators scan; officers see their department's alerts, auditors all
SET ROLE regress_rss_officer;
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2025-12-31 23:00');
SELECT count(*) AS alerts FROM sv_work.risk_alert WHERE rule_code LIKE 'RSS-%';
SET ROLE regress_rss_other;
SELECT count(*) AS alerts FROM sv_work.risk_alert WHERE rule_code LIKE 'RSS-%';
SET ROLE regress_rss_auditor;
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2025-12-31 23:00');
SELECT count(*) AS alerts FROM sv_work.risk_alert WHERE rule_code LIKE 'RSS-%';
SET ROLE regress_rss_feed;
SELECT * FROM sv.risk_scan('RSS-SPIKE', '2025-12-31 23:00');
SELECT count(*) FROM sv.risk_alert;
SET ROLE regress_rss_bi;
SELECT count(*) FROM sv_work.risk_alert;
SELECT * FROM sv.risk_signal_counts('penalty', 'subject', '2025-10-01', '2025-12-01');
SET ROLE regress_rss_public;
SELECT count(*) FROM sv.risk_alert;
RESET ROLE;

-- failed inspections: actions of subject 1 (written as the superuser with a catalogue release
-- of their own, all rolled back): results other than no_problem count, in the month the
-- inspection ended, as known from the action's receipt (the one of 2025-12-29 arrives in 2026)
BEGIN;
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RSS-REL', 'regress: risk scan, rolled back', '2024-01-01 10:00+08', 'regress', 0, 0) RETURNING id AS rel \gset
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, source_system, source_record_id, received_at, updated_at)
SELECT :'s1', k, 'C01', :rel, 4, '410402', d, d, '{A1,A2}', r, d + 20, 'RSS', 'RSS-A-' || n, x, x
FROM (VALUES (date '2025-07-03', 'inspection', 'problem_found', 1, timestamptz '2025-07-03 18:00'),
             ('2025-06-10', 'inspection', 'no_problem', 2, '2025-06-10 18:00'),
             ('2025-12-01', 'inspection', 'case_filed', 3, '2025-12-01 18:00'),
             ('2025-12-08', 'inspection', 'rectification_ordered', 4, '2025-12-08 18:00'),
             ('2025-12-15', 'inspection', 'problem_found', 5, '2025-12-15 18:00'),
             ('2025-12-16', 'penalty', 'case_filed', 6, '2025-12-16 18:00'),
             ('2025-12-22', 'inspection', 'no_problem', 7, '2025-12-22 18:00'),
             ('2025-12-29', 'inspection', 'problem_found', 8, '2026-01-05 09:00')) v(d, k, r, n, x);
SET ROLE regress_rss_auditor;
SELECT series = :'s1' AS subject_1, month, count
FROM sv.risk_signal_counts('failed_inspection', 'subject', '2025-01-01', '2025-12-01', '2025-12-31 23:00') ORDER BY month;
SELECT month, count
FROM sv.risk_signal_counts('failed_inspection', 'subject', '2025-12-01', '2025-12-01', '2026-01-06 00:00');
SELECT series, month, count
FROM sv.risk_signal_counts('failed_inspection', 'industry_region', '2025-12-01', '2025-12-01', '2025-12-31 23:00');
SET ROLE regress_rss_admin;
SELECT sv.risk_rule_save('RSS-FAIL', '检查不合格突增', 'failed_inspection', 'subject', 'poisson_tail',
  '{"baseline": 6, "guard": 1, "alpha": 0.01, "min_count": 3}', 'orange', 4, '国发〔2019〕18号') AS version;
SELECT * FROM sv.risk_scan('RSS-FAIL', '2025-12-31 23:00');
RESET ROLE;
SELECT observed, round(baseline::numeric, 4) AS baseline, threshold, round(p::numeric, 6) AS p,
       (SELECT array_agg((x ->> 'table') || ' ' || (x ->> 'day') || ' ' || (x ->> 'result') ORDER BY x ->> 'day')
        FROM jsonb_array_elements(explanation -> 'signal_rows') x) AS signal_rows
FROM sv.risk_alert WHERE rule_code = 'RSS-FAIL';
ROLLBACK;


-- clean up what other tests would see: the rules and their alerts, the subjects with their events, classes and actions
BEGIN;
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.risk_alert WHERE rule_code LIKE 'RSS%';
DELETE FROM sv.risk_rule_scan WHERE rule_code LIKE 'RSS%';
DELETE FROM sv.risk_rule WHERE code LIKE 'RSS%';
DELETE FROM sv.credit_event WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RSS');
DELETE FROM sv.credit_class_history WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RSS');
DELETE FROM sv.credit_class WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RSS');
DELETE FROM sv.action WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'RSS');
DELETE FROM sv.subject WHERE source_system = 'RSS';
SET LOCAL session_replication_role = origin;
CALL sv._append_only_enforce();
COMMIT;
DELETE FROM sv.staff WHERE role_name IN ('regress_rss_officer', 'regress_rss_other');
DROP ROLE regress_rss_admin, regress_rss_officer, regress_rss_other, regress_rss_auditor, regress_rss_bi,
  regress_rss_public, regress_rss_feed;
