-- Risk early warning, the rules (66_risk.sql, docs/risk.md): saved by administrators as
-- versions, immutable, every parameter checked per detector, audited, read by officials.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

CREATE ROLE regress_rsr_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_rsr_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_rsr_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_rsr_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_rsr_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_rsr_feed LOGIN IN ROLE sv_integration;

SET ROLE regress_rsr_admin;
-- a rule, version 1: the parameters come back with their defaults (guard 0, min_count 1)
SELECT sv.risk_rule_save('RSR-FAIL', '检查不合格突增', 'failed_inspection', 'subject', 'poisson_tail',
  '{"baseline": 12, "alpha": 0.001}', 'yellow', 4, '《市场监管领域重点监管事项清单》; 国发〔2019〕18号') AS version;
-- the next version of the same code; another code with each other detector
SELECT sv.risk_rule_save('RSR-FAIL', '检查不合格突增', 'failed_inspection', 'subject', 'poisson_tail',
  '{"baseline": 12, "guard": 1, "alpha": 0.001, "min_count": 3, "fdr_q": 0.05}', 'orange', 4, '国发〔2019〕18号') AS version;
SELECT sv.risk_rule_save('RSR-PEN-EWMA', '行政处罚持续上升', 'penalty', 'industry_region', 'ewma',
  '{"mu0": 4, "lambda": 0.3, "l": 3}', 'blue', 4, '国办发〔2019〕18号') AS version;
SELECT sv.risk_rule_save('RSR-PEN-CUSUM', '行政处罚累积偏移', 'penalty', 'industry_region', 'cusum',
  '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 5, '国办发〔2019〕18号') AS version;
RESET ROLE;
SELECT code, version, name, signal, group_by, detector, params, severity, department_code, basis, in_force,
       created_by = 'regress_rsr_admin' AS by_admin
FROM sv_work.risk_rule WHERE code LIKE 'RSR-%' ORDER BY code, version;
-- each save is audited
SELECT object_id, action, department_id, actor_role, change::jsonb ->> 'detector' AS detector, change::jsonb -> 'params' AS params
FROM sv.audit_log WHERE object_kind = 'risk_rule' AND object_id LIKE 'RSR-%' ORDER BY seq;

-- immutable: no update, delete or truncate, not even by the owner
UPDATE sv.risk_rule SET severity = 'red' WHERE code = 'RSR-FAIL';
DELETE FROM sv.risk_rule WHERE code = 'RSR-FAIL';
TRUNCATE sv.risk_rule;
SELECT table_name, trigger_name, state FROM sv.append_only_guard() WHERE table_name = 'sv.risk_rule';

-- every argument checked, nothing written
SET ROLE regress_rsr_admin;
SELECT sv.risk_rule_save(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, NULL);
SELECT sv.risk_rule_save('R', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', ' ', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', E'a\nb', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', repeat('长', 201), 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'hotline_tip', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'region', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'shewhart', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'purple', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 999, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, ' ');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, repeat('法', 501));
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, E'b\u200b');
-- the parameters, per detector
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '[4, 8, 5]', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5, "k": 6, "alpha": 1}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": null}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 0, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 4, "h": 5}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": "5"}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 1e10}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 4, "lambda": 0, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 4, "lambda": 1.5, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": -1, "lambda": 0.3, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 4, "sigma": 0, "lambda": 0.3, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 0, "lambda": 0.3, "l": 3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 4, "lambda": 0.3}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'ewma', '{"mu0": 4, "lambda": 0.3, "l": 3, "h": 1}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"alpha": 0.01}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 12.5, "alpha": 0.01}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 0, "alpha": 0.01}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 121, "alpha": 0.01}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 12, "guard": 25, "alpha": 0.01}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 12, "alpha": 1}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 12, "alpha": 0}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 12, "alpha": 0.01, "min_count": -1}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 12, "alpha": 0.01, "fdr_q": 1}', 'red', 4, 'b');
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'poisson_tail', '{"baseline": 12, "alpha": true}', 'red', 4, 'b');
RESET ROLE;
SELECT count(*) AS nothing_written FROM sv.risk_rule WHERE code = 'RSR-X';

-- roles: only administrators save; officials read every rule, BI, the public and feeds do not
SET ROLE regress_rsr_officer;
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT count(*) FROM sv_work.risk_rule WHERE code LIKE 'RSR-%';
SELECT count(*) FROM sv.risk_rule WHERE code LIKE 'RSR-%';
SET ROLE regress_rsr_auditor;
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT count(*) FROM sv_work.risk_rule WHERE code LIKE 'RSR-%';
SET ROLE regress_rsr_feed;
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT count(*) FROM sv_work.risk_rule;
SET ROLE regress_rsr_bi;
SELECT count(*) FROM sv_work.risk_rule;
SELECT count(*) FROM sv.risk_rule;
SET ROLE regress_rsr_public;
SELECT sv.risk_rule_save('RSR-X', 'x', 'penalty', 'subject', 'cusum', '{"mu0": 4, "mu1": 8, "h": 5}', 'red', 4, 'b');
SELECT count(*) FROM sv.risk_rule;
SET ROLE regress_rsr_admin;
INSERT INTO sv.risk_rule VALUES ('RSR-Y', 1, 'y', 'penalty', 'subject', 'cusum', '{}', 'red', 4, 'b', 'me', now());
RESET ROLE;

-- the view's columns are labelled in Chinese
SELECT a.attname, col_description('sv_work.risk_rule'::regclass, a.attnum) IS NOT NULL AS labelled
FROM pg_attribute a WHERE a.attrelid = 'sv_work.risk_rule'::regclass AND a.attnum > 0 AND NOT a.attisdropped
  AND col_description('sv_work.risk_rule'::regclass, a.attnum) IS NULL;


-- clean up what other tests would see: the rules and their alerts
BEGIN;
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.risk_alert WHERE rule_code LIKE 'RSR%';
DELETE FROM sv.risk_rule WHERE code LIKE 'RSR%';
SET LOCAL session_replication_role = origin;
CALL sv._append_only_enforce();
COMMIT;
DROP ROLE regress_rsr_admin, regress_rsr_officer, regress_rsr_auditor, regress_rsr_bi, regress_rsr_public, regress_rsr_feed;
