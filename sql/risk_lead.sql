-- Risk leads and their loop (76_risk_lead.sql, docs/risk.md): sources and routes, leads received
-- from outside (one by one, idempotent, and in a batch with rejects), an alert made a lead, the
-- steps claim, verify (with an inspection), handle with feedback through the outbox, illegal
-- steps refused (55000), the deadlines of the shared model, every step audited, every function
-- and view as every role.  Dates are fixed in March 2026 (always past), so the deadline states do
-- not depend on today.  Everything runs in one transaction that is rolled back (the sequences are
-- set back by hand).
\pset null '(null)'
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';
-- a statement's SQLSTATE and error, the ids of leads, alerts and actions masked (their sequences
-- are shared with other tests)
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '(lead|alert|action) \d+', '\1 #', 'g');
END
$$;

BEGIN;
CREATE TEMP TABLE rl_seq AS
  SELECT format('%I.%I', schemaname, sequencename) AS seq, start_value, last_value FROM pg_sequences
  WHERE schemaname = 'sv';
SELECT coalesce(max(seq), 0) AS audit_base FROM sv.audit_log \gset
CREATE ROLE regress_rl_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_rl_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_rl_msa LOGIN IN ROLE sv_officer;      -- market regulation (4)
CREATE ROLE regress_rl_msa2 LOGIN IN ROLE sv_officer;     -- market regulation (4), a colleague
CREATE ROLE regress_rl_hurd LOGIN IN ROLE sv_officer;     -- another department (5)
CREATE ROLE regress_rl_nomap LOGIN IN ROLE sv_officer;    -- no staff mapping
CREATE ROLE regress_rl_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_rl_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_rl_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_rl_msa', 4, '410400') > 0 AS mapped;
SELECT sv.staff_add('regress_rl_msa2', 4, '410400') > 0 AS mapped;
SELECT sv.staff_add('regress_rl_hurd', 5, '410400') > 0 AS mapped;

SELECT '91410402MA4RLD001' || sv.uscc_check_character('91410402MA4RLD001') AS s1,
       '91410402MA4RLD002' || sv.uscc_check_character('91410402MA4RLD002') AS s2 \gset
SELECT sv.subject_save(:'s1', '线索测试餐饮一', '410402', 'RLD', 'RLD-1', 'H62') IS NOT NULL AS saved;
SELECT sv.subject_save(:'s2', '线索测试建筑二', '410402', 'RLD', 'RLD-2', 'E47') IS NOT NULL AS saved;
SELECT sv.power_item_save('RLD-POW', '餐饮服务监督检查', 'inspection', 4, '[{"law": "食品安全法", "article": "第八十七条"}]') > 0 AS saved;

-- sources and routes: administrators only
SET ROLE regress_rl_admin;
SELECT sv.endpoint_save('RLD-PROV', 'http://127.0.0.1:9/accept/prov') AS endpoint;
SELECT sv.risk_lead_source_save('PROV-MSA', '河南省市场监管风险监测平台', 'RLD-PROV');
SELECT sv.risk_lead_source_save('NATL-MSA', '国家市场监管风险监测系统');
SELECT sv.risk_lead_route_save('H', 'RLD-POW');
SELECT sv.risk_lead_route_save('H62', 'RLD-POW');
-- errors
SELECT sv.risk_lead_source_save(NULL, NULL);
SELECT sv.risk_lead_source_save('prov', '省平台');
SELECT sv.risk_lead_source_save('PROV-X', '');
SELECT sv.risk_lead_source_save('PROV-X', repeat('长', 101));
SELECT sv.risk_lead_source_save('PROV-X', '省平台', 'NO-SUCH');
SELECT sv.risk_lead_route_save('H6', 'RLD-POW');
SELECT sv.risk_lead_route_save('H', 'NO-SUCH');
SELECT sv.risk_lead_route_save(NULL, NULL);
RESET ROLE;
SET ROLE regress_rl_msa;
SELECT sv.risk_lead_source_save('PROV-X', '省平台');
SELECT sv.risk_lead_route_save('H', 'RLD-POW');
RESET ROLE;
SELECT code, name, endpoint FROM sv.risk_lead_source WHERE code IN ('PROV-MSA', 'NATL-MSA') ORDER BY code;
SELECT industry, power_code FROM sv.risk_lead_route WHERE power_code = 'RLD-POW' ORDER BY industry;

-- receive: the integration; the department from the source, or from the subject's industry
-- through the route (H62 -> RLD-POW -> its supervising department, 4)
SET ROLE regress_rl_feed;
SELECT sv.risk_lead_receive(jsonb_build_object('source', 'PROV-MSA', 'source_id', 'P-2026-0001', 'uscc', :'s1',
  'title', '外卖平台抽检不合格', 'text', E'省级抽检发现该店凉菜菌落总数超标。\n请核查。', 'severity', 'orange',
  'received_at', '2026-03-02T09:00:00+08:00')) AS l1 \gset
SELECT sv.risk_lead_receive(jsonb_build_object('source', 'NATL-MSA', 'source_id', 'N-77', 'subject_name', '无证流动摊贩',
  'region', '410402', 'title', '网络舆情:无证经营', 'severity', 'blue', 'received_at', '2026-03-03T10:00:00+08:00',
  'department', '410400-MSA')) AS l2 \gset
-- the same again: the same lead, nothing written
SELECT sv.risk_lead_receive(jsonb_build_object('source', 'PROV-MSA', 'source_id', 'P-2026-0001', 'uscc', :'s1',
  'title', '外卖平台抽检不合格', 'text', E'省级抽检发现该店凉菜菌落总数超标。\n请核查。', 'severity', 'orange',
  'received_at', '2026-03-02T09:00:00+08:00')) = :l1 AS same_lead;
-- errors, each naming its field
SELECT sv.risk_lead_receive(jsonb_build_object('source', 'PROV-MSA', 'source_id', 'P-2026-0001', 'uscc', :'s1',
  'title', '外卖平台抽检不合格(改)', 'severity', 'orange', 'received_at', '2026-03-02T09:00:00+08:00'));
SELECT sv.risk_lead_receive(NULL);
SELECT sv.risk_lead_receive('[]');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "sourceid": "x"}');
SELECT sv.risk_lead_receive('{"source_id": "x"}');
SELECT sv.risk_lead_receive('{"source": "NOPE", "source_id": "x"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x y"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "uscc": "91410402MA4RLD0000"}');
SELECT sv.risk_lead_receive(jsonb_build_object('source', 'PROV-MSA', 'source_id', 'x', 'uscc', '91410402MA4RLD009' || sv.uscc_check_character('91410402MA4RLD009')));
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "title": "t", "severity": "red", "received_at": "2026-03-02T09:00:00+08:00"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "severity": "red", "received_at": "2026-03-02T09:00:00+08:00"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "title": "t", "severity": "purple", "received_at": "2026-03-02T09:00:00+08:00"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "title": "t", "severity": "red", "received_at": "2026-03-02"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "title": "t", "severity": "red", "received_at": "2999-03-02T09:00:00+08:00"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "title": "t", "severity": "red", "received_at": "2026-03-02T09:00:00+08:00"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "industry": "Z1", "title": "t", "severity": "red", "received_at": "2026-03-02T09:00:00+08:00"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "title": "t", "severity": "red", "received_at": "2026-03-02T09:00:00+08:00", "department": "NOPE"}');
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "region": "999999", "title": "t", "severity": "red", "received_at": "2026-03-02T09:00:00+08:00"}');
SELECT sv.risk_lead_receive(jsonb_build_object('source', 'PROV-MSA', 'source_id', 'x', 'subject_name', '某店', 'title', repeat('长', 201), 'severity', 'red', 'received_at', '2026-03-02T09:00:00+08:00'));
SELECT sv.risk_lead_receive(jsonb_build_object('source', 'PROV-MSA', 'source_id', 'x', 'subject_name', '某店', 'title', 't', 'text', repeat('长', 4001), 'severity', 'red', 'received_at', '2026-03-02T09:00:00+08:00'));
SELECT sv.risk_lead_receive('{"source": "PROV-MSA", "source_id": "x", "subject_name": "某店", "title": "t", "text": 5, "severity": "red", "received_at": "2026-03-02T09:00:00+08:00"}');
RESET ROLE;
-- only integrations receive
SET ROLE regress_rl_admin;
SELECT sv.risk_lead_receive('{}');
RESET ROLE;
SET ROLE regress_rl_msa;
SELECT sv.risk_lead_receive('{}');
RESET ROLE;

-- a batch (the ingest kind risk_lead): good lines taken, bad ones rejected with their reason
SET ROLE regress_rl_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('PROV-MSA', 'risk_lead', jsonb_build_array(
  jsonb_build_object('source', 'PROV-MSA', 'source_id', 'P-2026-0002', 'uscc', :'s2', 'title', '工地扬尘投诉集中',
                     'severity', 'yellow', 'received_at', '2026-03-04T08:00:00+08:00', 'department', '410400-HURD'),
  jsonb_build_object('source', 'PROV-MSA', 'source_id', 'P-2026-0001', 'uscc', :'s1', 'title', '外卖平台抽检不合格',
                     'text', E'省级抽检发现该店凉菜菌落总数超标。\n请核查。', 'severity', 'orange',
                     'received_at', '2026-03-02T09:00:00+08:00'),
  jsonb_build_object('source', 'PROV-MSA', 'source_id', 'P-2026-0003', 'uscc', :'s2', 'title', '无路由',
                     'severity', 'yellow', 'received_at', '2026-03-04T08:00:00+08:00'),
  jsonb_build_object('source', 'PROV-MSA', 'source_id', 'P-2026-0004', 'title', '缺主体', 'severity', 'yellow',
                     'received_at', '2026-03-04T08:00:00+08:00'),
  jsonb_build_object('source', 'PROV-MSA', 'source_id', 'P-2026-0005', 'subject', '多余字段')));
RESET ROLE;
SELECT r.line, r.errcode, r.reason FROM sv.ingest_reject r
WHERE r.batch_id = (SELECT max(b.id) FROM sv.ingest_batch b WHERE b.kind = 'risk_lead') ORDER BY r.line;
SELECT id AS l3 FROM sv.risk_lead WHERE source = 'PROV-MSA' AND source_id = 'P-2026-0002' \gset

-- the leads as received: department, how it was assigned, the deadlines (2, 10 and 20 working
-- days from the day received)
SELECT source, source_id, uscc = :'s1' AS s1, subject_name, region_code, industry, severity, department_id, assigned_by,
       state, claim_due, verify_due, handle_due
FROM sv.risk_lead WHERE id IN (:l1, :l2, :l3) ORDER BY id;

-- an alert of a scan becomes a lead of the rule's department (the fixture: a rule and its alert)
SET ROLE regress_rl_admin;
SELECT sv.risk_rule_save('RLD-SPIKE', '线索测试突增', 'penalty', 'subject', 'threshold', '{"count": 3}', 'red', 4,
                         '国发〔2019〕18号') AS version;
RESET ROLE;
INSERT INTO sv.risk_alert (rule_code, rule_version, series, uscc, period, observed, statistic, threshold, severity,
                           department_id, explanation, as_of, raised_by, raised_at, last_period)
VALUES ('RLD-SPIKE', 1, :'s1', :'s1', '2026-02-01', 4, 4, 3, 'red', 4, '{}', '2026-02-28 23:00+08', 'regress',
        '2026-03-05 09:00+08', '2026-02-01') RETURNING id AS a1 \gset
SET ROLE regress_rl_hurd;
SELECT pg_temp.try(format('SELECT sv.risk_lead_from_alert(%s)', :'a1'));      -- not its department
RESET ROLE;
SET ROLE regress_rl_nomap;
SELECT pg_temp.try(format('SELECT sv.risk_lead_from_alert(%s)', :'a1'));      -- no mapping
RESET ROLE;
SET ROLE regress_rl_public;
SELECT pg_temp.try(format('SELECT sv.risk_lead_from_alert(%s)', :'a1'));
RESET ROLE;
SET ROLE regress_rl_msa;
SELECT sv.risk_lead_from_alert(:a1) AS l4 \gset
SELECT sv.risk_lead_from_alert(:a1) = :l4 AS same_lead;
SELECT sv.risk_lead_from_alert(-1);
SELECT sv.risk_lead_from_alert(NULL);
RESET ROLE;
SELECT source, alert_id = :a1 AS from_alert, title, severity, department_id, assigned_by, state, claim_due, handle_due
FROM sv.risk_lead WHERE id = :l4;

-- what each role sees
SET ROLE regress_rl_msa;
SELECT id = :l1 AS l1, source_name, subject_name, state, claim_state, overdue FROM sv_work.risk_lead
WHERE id IN (:l1, :l2, :l3, :l4) ORDER BY id;
RESET ROLE;
SET ROLE regress_rl_hurd;
SELECT id = :l3 AS l3, title, department_name FROM sv_work.risk_lead WHERE id IN (:l1, :l2, :l3, :l4);
RESET ROLE;
SET ROLE regress_rl_nomap;
SELECT count(*) FROM sv_work.risk_lead WHERE id IN (:l1, :l2, :l3, :l4);
RESET ROLE;
SET ROLE regress_rl_auditor;
SELECT count(*) FROM sv_work.risk_lead WHERE id IN (:l1, :l2, :l3, :l4);
RESET ROLE;
SET ROLE regress_rl_bi;
SELECT count(*) FROM sv_work.risk_lead;
SELECT count(*) FROM sv.risk_lead;
RESET ROLE;
SET ROLE regress_rl_public;
SELECT count(*) FROM sv_work.risk_lead;
SELECT count(*) FROM sv_bi.risk_lead_summary;
RESET ROLE;

-- the loop of l1: claim, verify with an inspection, handle with feedback
-- an inspection of s1 by market regulation (the fixture: an action of the data centre)
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RLD-REL', 'regress: risk leads, rolled back', '2026-01-01 10:00+08', 'regress', 0, 0) RETURNING id AS rel \gset
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, source_system, source_record_id, received_at, updated_at)
VALUES (:'s1', 'inspection', 'C01', :rel, 4, '410402', '2026-03-06', '2026-03-06', '{A1,A2}', 'problem_found',
        '2026-03-26', 'RLD', 'RLD-A-1', '2026-03-06 18:00+08', '2026-03-06 18:00+08') RETURNING id AS act \gset
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, source_system, source_record_id, received_at, updated_at)
VALUES (:'s2', 'inspection', 'C01', :rel, 4, '410402', '2026-03-06', '2026-03-06', '{A1,A2}', 'no_problem',
        '2026-03-26', 'RLD', 'RLD-A-2', '2026-03-06 18:00+08', '2026-03-06 18:00+08') RETURNING id AS act_other \gset

-- steps out of order: 55000 naming the state
SET ROLE regress_rl_msa;
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''confirmed'', ''现场核查属实'')', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_handle(%s, ''责令整改'')', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l1'));           -- claimed already
RESET ROLE;
-- not the assigned department, no mapping, other roles: refused the same way as a missing lead
SET ROLE regress_rl_hurd;
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l2'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''confirmed'', ''现场核查属实'')', :'l1'));
RESET ROLE;
SET ROLE regress_rl_nomap;
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l2'));
RESET ROLE;
SET ROLE regress_rl_admin;
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l2'));
RESET ROLE;
SET ROLE regress_rl_auditor;
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l2'));
RESET ROLE;
SET ROLE regress_rl_bi;
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l2'));
RESET ROLE;
SET ROLE regress_rl_public;
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l2'));
RESET ROLE;
SET ROLE regress_rl_feed;
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l2'));
RESET ROLE;
-- verify: errors
SET ROLE regress_rl_msa2;
SELECT sv.risk_lead_claim(-1);
SELECT sv.risk_lead_claim(NULL);
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, NULL, NULL)', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''maybe'', ''现场核查'')', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''confirmed'', '' '')', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''confirmed'', repeat(''长'', 2001))', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''confirmed'', ''现场核查属实'', -1)', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''confirmed'', ''现场核查属实'', %s)', :'l1', :'act_other'));
-- a colleague of the department verifies, with the inspection
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''confirmed'', ''现场核查属实:凉菜间消毒记录缺失'', %s)', :'l1', :'act'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''confirmed'', ''再次核查'')', :'l1'));
-- handle: errors, then closed with feedback to the province
SELECT pg_temp.try(format('SELECT sv.risk_lead_handle(%s, NULL)', :'l1'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_handle(%s, '''')', :'l1'));
SELECT sv.risk_lead_handle(:l1, '责令整改,立案调查') IS NOT NULL AS fed_back;
SELECT pg_temp.try(format('SELECT sv.risk_lead_handle(%s, ''再次办结'')', :'l1'));
-- the lead of the national system (no endpoint): closed without a message
SELECT pg_temp.try(format('SELECT sv.risk_lead_claim(%s)', :'l2'));
SELECT pg_temp.try(format('SELECT sv.risk_lead_verify(%s, ''not_confirmed'', ''现场未发现无证经营'')', :'l2'));
SELECT sv.risk_lead_handle(:l2, '无需处置,已告知来源') IS NULL AS no_message;
RESET ROLE;

-- the loop as recorded: states, who, the inspection, the deadline states (all past: late)
SET ROLE regress_rl_msa;
SELECT id = :l1 AS l1, state, claimed_by, verified_by, verify_result, action_id = :act AS inspected, handled_by, measures,
       claim_state, verify_state, handle_state, overdue, feedback_message IS NOT NULL AS fed_back
FROM sv_work.risk_lead WHERE id IN (:l1, :l2) ORDER BY id;
-- the open leads: overdue
SELECT id = :l4 AS l4, state, claim_state, verify_state, handle_state, overdue FROM sv_work.risk_lead WHERE id = :l4;
RESET ROLE;
-- the feedback message: to the source's endpoint, once
SELECT o.endpoint, o.kind, o.dedup_key = 'risk-lead-feedback-' || :l1 AS dedup,
       o.payload - 'verified_at' - 'handled_at' - 'lead_id' AS payload
FROM sv.outbox o JOIN sv.risk_lead l ON l.feedback_message = o.message_id WHERE l.id = :l1;
-- every step in the audit chain, on the lead
SELECT a.object_id::bigint - :l1 AS lead, a.action, a.department_id, a.change::jsonb ->> 'state' AS state,
       a.change::jsonb ->> 'on_time' AS on_time
FROM sv.audit_log a WHERE a.object_kind = 'risk_lead' AND a.object_id IN (:'l1', :'l2') AND a.seq > :audit_base ORDER BY a.seq;

-- the deadline model: the three kinds are registered and the open ones are in sv_work.deadline_open
SELECT name, label_zh, days_expr, reminder_days FROM sv.calendar_deadline WHERE name LIKE 'risk_lead.%' ORDER BY name;
SET ROLE regress_rl_msa;
SELECT deadline, summary, due_on, state FROM sv_work.deadline_open
WHERE object_kind = 'risk_lead' AND object_id IN (:'l1', :'l2', :'l4') ORDER BY deadline, due_on;
RESET ROLE;

-- BI: counts and closure times per department and source
SET ROLE regress_rl_bi;
SELECT department_code, source, source_name, received, open, closed, confirmed, not_confirmed, overdue, closed_late,
       avg_closure_workdays > 0 AS timed
FROM sv_bi.risk_lead_summary WHERE source IN ('PROV-MSA', 'NATL-MSA') OR (source = 'SCAN' AND received > 0)
ORDER BY department_code, source;
RESET ROLE;

-- a confirmed lead raises its subject's stratum in the next draw plan (docs/draw-protocol.md,
-- "1. Population"): s1 is A-class (无事不扰), s2 B-class; l1 was confirmed, so s1 has a pending
-- override and is counted in stratum B by the candidates of a plan over its region
INSERT INTO sv.credit_class (uscc, class, source, assessed_at)
VALUES (:'s1', 'A', 'regress', '2026-02-01 10:00+08'), (:'s2', 'B', 'regress', '2026-02-01 10:00+08');
SELECT source_kind, source_id = :'l1' AS from_l1, uscc = :'s1' AS s1, reason LIKE '风险线索 % 核查属实' AS reason, plan_id
FROM sv.draw_stratum_override WHERE uscc IN (:'s1', :'s2');
CREATE TEMP TABLE rl_plan AS
  SELECT jsonb_populate_record(NULL::sv.draw_plan, '{"id": -1, "scope": {"regions": ["410402"], "industries": ["H62", "E47"]},
           "annual_cap": 100, "check_from": "2026-04-01", "check_to": "2026-04-30", "lookback_days": 0}') AS p;
SELECT c.raised = ARRAY[:'s1']::sv.uscc[] AS s1_raised, c.sizes AS with_override
FROM rl_plan, sv._draw_candidates(rl_plan.p) c;
-- the same plan without the override: s1 back in stratum A
SAVEPOINT before_applied;
DELETE FROM sv.draw_stratum_override WHERE uscc = :'s1';
SELECT cardinality(c.raised) AS raised, c.sizes AS without_override FROM rl_plan, sv._draw_candidates(rl_plan.p) c;
ROLLBACK TO SAVEPOINT before_applied;
-- the seal of the next plan over s1 applies the override once: s1 is in stratum B of its
-- population, the override records the plan, an audit record says so; a later plan sees s1 as A
SET ROLE regress_rl_msa;
SELECT sv.catalog_item_save('RLD-MSA-1', 4, '对餐饮服务的监督检查', '双随机抽查', '现场检查', '餐饮服务提供者',
  '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'city', 'city') > 0 AS item,
       sv.check_item_save('RLD-MSA-1-C01', 'RLD-MSA-1', 'city', '410400', 4, 'on_site', '后厨卫生', 'general') > 0 AS check_item;
RESET ROLE;
SELECT sv.catalog_publish('RLD-2026', 'risk lead test, rolled back') > 0 AS published;
SELECT count(sv.inspector_save(c, n, 4, '410400', '2024-01-01', '2029-12-31', 'RLD-ZF', 'RLD-ZF-' || c)) AS inspectors
FROM (VALUES ('豫RLD0001', '线索甲'), ('豫RLD0002', '线索乙')) v(c, n);
SET ROLE regress_rl_msa;
SELECT sv.draw_plan_save('RLD-P1', '线索测试抽查', 4, '2027-01-04', '2027-01-29', '{"regions": ["410402"], "industries": ["H62", "E47"]}',
  '{RLD-MSA-1-C01}', '{"B": {"ratio": 1}}') AS plan1 \gset
SELECT sv.draw_seal(:plan1, sha256('risk lead test nonce 0123456789'::bytea), 'lottery;中国福利彩票3D;2099001;2099-01-01;digits=3')
       IS NOT NULL AS sealed;
SELECT stratum_sizes FROM sv.draw_plan WHERE id = :plan1;
RESET ROLE;
SELECT plan_id = :plan1 AS applied_to_plan1 FROM sv.draw_stratum_override WHERE uscc = :'s1';
SELECT a.action, a.change::jsonb ->> 'plan' AS plan, a.change::jsonb ->> 'source_kind' AS source_kind
FROM sv.audit_log a WHERE a.object_kind = 'draw_stratum_override' AND a.seq > :audit_base ORDER BY a.seq;
SET ROLE regress_rl_msa;
SELECT sv.draw_plan_save('RLD-P2', '线索测试抽查二', 4, '2027-02-01', '2027-02-26', '{"regions": ["410402"], "industries": ["H62", "E47"]}',
  '{RLD-MSA-1-C01}', '{"B": {"ratio": 1}}') AS plan2 \gset
SELECT sv.draw_seal(:plan2, sha256('risk lead test nonce 9876543210'::bytea), 'lottery;中国福利彩票3D;2099002;2099-01-02;digits=3')
       IS NOT NULL AS sealed;
SELECT stratum_sizes FROM sv.draw_plan WHERE id = :plan2;
RESET ROLE;
-- an unconfirmed lead raises nothing (l2 has no subject; l1 is the only override)
SELECT count(*) AS overrides FROM sv.draw_stratum_override WHERE source_kind = 'risk_lead' AND source_id IN (:'l1', :'l2');
SET ROLE regress_rl_msa;
SELECT count(*) FROM sv.draw_stratum_override;
RESET ROLE;
SET ROLE regress_rl_auditor;
SELECT count(*) >= 1 AS readable FROM sv.draw_stratum_override;
RESET ROLE;

-- the role matrix: who may execute each function and read (or write) each table and view
SELECT f.fn AS function, string_agg(CASE WHEN has_function_privilege(g, f.fn, 'EXECUTE') THEN substr(g, 4) ELSE '-' END, ' '
                                    ORDER BY g) AS execute
FROM (VALUES
  ('sv.risk_lead_source_save(text,text,text)'),
  ('sv.risk_lead_route_save(text,text)'),
  ('sv.risk_lead_receive(jsonb)'),
  ('sv.risk_lead_from_alert(bigint)'),
  ('sv.risk_lead_claim(bigint)'),
  ('sv.risk_lead_verify(bigint,text,text,bigint)'),
  ('sv.risk_lead_handle(bigint,text)'),
  ('sv._risk_lead_take(jsonb)'),
  ('sv._risk_lead_merge(text,sv.risk_lead_staging[])'),
  ('sv._risk_lead_for_step(bigint,text,text)'),
  ('sv._risk_lead_department(text)'),
  ('sv._risk_lead_dues(sv.risk_lead)'),
  ('sv._draw_override_add(sv.uscc,text,text,text,integer)')) f(fn)
CROSS JOIN unnest(sv._group_roles()) g GROUP BY f.fn ORDER BY f.fn;
SELECT r.rel AS relation, r.priv, string_agg(CASE WHEN has_table_privilege(g, r.rel, r.priv) THEN substr(g, 4) ELSE '-' END, ' '
                                             ORDER BY g) AS granted
FROM (VALUES
  ('sv.risk_lead', 'SELECT'),
  ('sv.risk_lead', 'UPDATE'),
  ('sv.risk_lead_source', 'SELECT'),
  ('sv.risk_lead_route', 'SELECT'),
  ('sv.risk_lead_staging', 'INSERT'),
  ('sv.risk_lead_staging', 'SELECT'),
  ('sv.draw_stratum_override', 'SELECT'),
  ('sv_work.risk_lead', 'SELECT'),
  ('sv_bi.risk_lead_summary', 'SELECT')) r(rel, priv)
CROSS JOIN unnest(sv._group_roles()) g GROUP BY r.rel, r.priv ORDER BY r.rel, r.priv;

-- the lead table cannot be written directly, by any role
SET ROLE regress_rl_admin;
UPDATE sv.risk_lead SET state = 'closed' WHERE id = :l4;
INSERT INTO sv.risk_lead_source (code, name, set_by, set_at) VALUES ('X', 'x', 'x', now());
RESET ROLE;
SET ROLE regress_rl_msa;
UPDATE sv.risk_lead SET state = 'closed' WHERE id = :l4;
RESET ROLE;

SELECT bool_and(v IS NOT NULL) AS sequences_restored
FROM (SELECT CASE WHEN d.last_value IS NULL THEN setval(d.seq, d.start_value, false)
                  ELSE setval(d.seq, d.last_value) END AS v
      FROM rl_seq d) s;
ROLLBACK;
