-- Credit supervision, second part: events through ingest, publication periods of penalty
-- information, the measures list, the pre-admission check and its feedback loop, every error.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

CREATE ROLE regress_cs_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_cs_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_cs_msa LOGIN IN ROLE sv_officer;      -- market regulation (department 4)
CREATE ROLE regress_cs_hurd LOGIN IN ROLE sv_officer;     -- housing (department 5)
CREATE ROLE regress_cs_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_cs_bi LOGIN IN ROLE sv_bi;
SELECT sv.staff_add('regress_cs_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_cs_hurd', 5, '410400') > 0 AS mapped;
SELECT inserted FROM sv.ingest('RGS-AMR', 'subject', (
  SELECT jsonb_agg(jsonb_build_object('source_record_id', 'RGS-' || i, 'uscc', c || sv.uscc_check_character(c),
                                      'name', '联合奖惩测试企业' || i, 'region_code', '410402') ORDER BY i)
  FROM generate_series(1, 4) i, LATERAL (SELECT '91410402MA4RGJ00' || i AS c) x));
SELECT uscc::text AS s1 FROM sv.subject WHERE source_record_id = 'RGS-1' \gset
SELECT uscc::text AS s2 FROM sv.subject WHERE source_record_id = 'RGS-2' \gset
SELECT uscc::text AS s3 FROM sv.subject WHERE source_record_id = 'RGS-3' \gset
SELECT uscc::text AS s4 FROM sv.subject WHERE source_record_id = 'RGS-4' \gset

-- publication periods (市场监督管理行政处罚信息公示规定 §14), low fine limit 10000 yuan:
-- warning / criticism / low fine: 3 months; anything else 3 years, or the restriction if longer
SHOW sv.low_fine_limit;
SELECT t AS types, f AS fine, r AS restricted_until,
       sv._credit_publication_end('administrative_penalty', t, f, r, '2026-03-10', p, NULL, 10000) AS ends_on
FROM (VALUES ('{warning}'::text[], NULL::numeric, NULL::date, '2026-03-20'::date),
             ('{circulated_criticism,fine}', 10000, NULL, NULL),
             ('{fine}', 10000.01, NULL, '2026-03-20'),
             ('{fine,confiscation}', 500, NULL, '2026-03-20'),
             ('{employment_restriction}', NULL, '2031-03-09', '2026-03-20'),
             ('{employment_restriction}', NULL, '2027-03-09', '2026-03-20')) v(t, f, r, p);
SELECT k AS kind, sv._credit_publication_end(k, '{}', NULL, NULL, '2026-03-10', NULL, u, 10000) AS ends_on
FROM (VALUES ('abnormal_operation', '2026-12-31'::date), ('serious_dishonesty', NULL), ('commendation', '2027-01-31'),
             ('substantiated_complaint', NULL)) v(k, u);
-- the limit is superuser-set: a session cannot lengthen or shorten publication
SET ROLE regress_cs_admin;
SET sv.low_fine_limit = 50000;
RESET ROLE;

-- credit events through the data centre's ingest: every bad record rejected with its reason
SET ROLE regress_cs_feed;
SELECT batch_id IS NOT NULL AS batch, inserted, updated, unchanged, rejected FROM sv.ingest('RGS-CREDIT', 'credit_event', jsonb_build_array(
  jsonb_build_object('uscc', :'s1', 'kind', 'administrative_penalty', 'severity', '3', 'source', 'city',
                     'department', '410400-MSA', 'decided_on', '2026-03-10', 'published_on', '2026-03-20',
                     'reference', '平市监罚〔2026〕31号', 'penalty_types', '["fine", "confiscation"]', 'fine_amount', '30000'),
  jsonb_build_object('uscc', :'s1', 'kind', 'abnormal_operation', 'severity', 2, 'source', 'provincial',
                     'decided_on', '2026-02-01', 'reference', 'HN-YC-2026-001'),
  jsonb_build_object('uscc', :'s1', 'kind', 'commendation', 'severity', 1, 'source', 'city',
                     'decided_on', '2026-01-05', 'reference', '平政表〔2026〕1号'),
  jsonb_build_object('uscc', :'s2', 'kind', 'administrative_penalty', 'severity', 1, 'source', 'city', 'department', '4',
                     'decided_on', '2026-08-03', 'reference', '平市监罚〔2026〕77号', 'penalty_types', 'warning'),
  jsonb_build_object('uscc', :'s3', 'kind', 'serious_dishonesty', 'severity', 5, 'source', 'national',
                     'decided_on', '2026-01-15', 'reference', 'XYZG-2026-0009', 'sector', 'food'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city',
                     'decided_on', '2026-04-01', 'reference', '平政表〔2026〕3号'),
  jsonb_build_object('uscc', '91410402MA4RGJ0001', 'kind', 'commendation', 'severity', 1, 'source', 'city',
                     'decided_on', '2026-04-01', 'reference', 'X'),
  jsonb_build_object('uscc', :'s4', 'kind', 'bribery', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01', 'reference', 'X'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', '1.5', 'source', 'city', 'decided_on', '2026-04-01', 'reference', 'X'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'county', 'decided_on', '2026-04-01', 'reference', 'X'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city', 'department', 'NOPE',
                     'decided_on', '2026-04-01', 'reference', 'X'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city', 'decided_on', '2026-4-1', 'reference', 'X'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city', 'decided_on', '2999-04-01', 'reference', 'X'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01', 'reference', ' '),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X', 'valid_until', '2026-03-01'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X', 'penalty_types', 'warning'),
  jsonb_build_object('uscc', :'s4', 'kind', 'administrative_penalty', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X'),
  jsonb_build_object('uscc', :'s4', 'kind', 'administrative_penalty', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X', 'penalty_types', 'warning,flogging'),
  jsonb_build_object('uscc', :'s4', 'kind', 'administrative_penalty', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X', 'penalty_types', 'fine'),
  jsonb_build_object('uscc', :'s4', 'kind', 'administrative_penalty', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X', 'penalty_types', 'fine', 'fine_amount', '1,000'),
  jsonb_build_object('uscc', :'s4', 'kind', 'administrative_penalty', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X', 'penalty_types', 'warning', 'fine_amount', 100),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X', 'sector', 'tobacco'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city', 'decided_on', '2026-04-01',
                     'reference', 'X', 'remark', 'unknown field')));
RESET ROLE;
SELECT line, errcode, reason, detail FROM sv.ingest_reject WHERE source = 'RGS-CREDIT' ORDER BY line;
SELECT e.uscc = :'s1' AS s1, e.kind, e.severity, e.department_id, e.penalty_types, e.fine_amount, e.sector,
       e.publication_ends_on, e.source_system
FROM sv.credit_event e WHERE e.source_system = 'RGS-CREDIT' ORDER BY e.uscc, e.kind;
-- the same batch again changes nothing; a listing re-sent with its end date corrects the event
SET ROLE regress_cs_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGS-CREDIT', 'credit_event', jsonb_build_array(
  jsonb_build_object('uscc', :'s1', 'kind', 'abnormal_operation', 'severity', 2, 'source', 'provincial',
                     'decided_on', '2026-02-01', 'reference', 'HN-YC-2026-001'),
  jsonb_build_object('uscc', :'s4', 'kind', 'commendation', 'severity', 1, 'source', 'city',
                     'decided_on', '2026-04-01', 'reference', '平政表〔2026〕3号')));
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGS-CREDIT', 'credit_event', jsonb_build_array(
  jsonb_build_object('uscc', :'s1', 'kind', 'abnormal_operation', 'severity', 2, 'source', 'provincial',
                     'decided_on', '2026-02-01', 'reference', 'HN-YC-2026-001', 'valid_until', '2026-06-30')));
-- the COPY path: staged rows, then one batch
INSERT INTO sv.credit_event_staging (uscc, kind, severity, source, decided_on, reference)
VALUES (:'s2', 'substantiated_complaint', '2', 'city', '2026-09-09', '12345-2026-0909'),
       (:'s2', 'overdue_annual_report', '9', 'city', '2026-07-01', 'NB-2025');
INSERT INTO sv.credit_event_staging (uscc, kind, severity, source, department, decided_on, reference, penalty_types, restricted_until)
VALUES (:'s2', 'administrative_penalty', '2', 'city', '410400-MSA', '2026-06-01', '平市监罚〔2026〕60号', '{employment_restriction}', '2099-05-31');
SELECT * FROM sv.ingest_staged_count() WHERE kind = 'credit_event';
SELECT inserted, updated, unchanged, rejected FROM sv.ingest_staged('RGS-CREDIT', 'credit_event');
RESET ROLE;
SELECT line, errcode, reason FROM sv.ingest_reject WHERE source = 'RGS-CREDIT' AND record ->> 'kind' = 'overdue_annual_report';
SELECT kind, valid_until, publication_ends_on FROM sv.credit_event WHERE uscc = :'s1' AND kind = 'abnormal_operation';
SELECT object_kind, action, change ->> 'kind' AS kind, (change ->> 'records')::int AS records, (change ->> 'rejected')::int AS rejected
FROM sv.audit_log WHERE object_kind = 'ingest_batch' AND change ->> 'source' = 'RGS-CREDIT' ORDER BY seq;

-- the public sees what is published today: the serious dishonesty listing and the commendation
-- (no end), the restriction until 2099; never the warning of s2, whose 3 months ended on
-- 2026-11-02, nor the abnormal-operation listing that ended on 2026-06-30; never a credit class
SET ROLE regress_cs_public;
SELECT kind, reference, published_on, published_until FROM sv_public.credit_publication
WHERE uscc IN (:'s1', :'s2', :'s3', :'s4') AND (published_until IS NULL OR published_until > '2099-01-01')
ORDER BY reference;
SELECT count(*) AS ended_shown FROM sv_public.credit_publication WHERE reference IN ('平市监罚〔2026〕77号', 'HN-YC-2026-001');
SELECT count(*) AS class_columns FROM information_schema.columns WHERE table_schema = 'sv_public' AND column_name LIKE '%class%';
SELECT * FROM sv.credit_event LIMIT 1;
RESET ROLE;

-- the measures list: administrators keep it; every argument checked
SET ROLE regress_cs_admin;
SELECT sv.sanction_measure_save('x y', 'n', 'punishment', 'market_access', 'b', 4, '{licensing}', '{administrative_penalty}');
SELECT sv.sanction_measure_save('RGS-M1', ' ', 'punishment', 'market_access', 'b', 4, '{licensing}', '{administrative_penalty}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'penalty', 'market_access', 'b', 4, '{licensing}', '{administrative_penalty}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'reward', 'market_access', 'b', 4, '{licensing}', '{administrative_penalty}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', '', 4, '{licensing}', '{administrative_penalty}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 99, '{licensing}', '{administrative_penalty}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 4, '{}', '{administrative_penalty}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 4, '{licensing,karaoke}', '{administrative_penalty}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 4, '{licensing}', '{bribery}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 4, '{licensing}', '{}', '{E}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 4, '{licensing}');
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 4, '{licensing}', '{administrative_penalty}', min_severity => 0);
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 4, '{licensing}', '{administrative_penalty}', duration_months => 0);
SELECT sv.sanction_measure_save('RGS-M1', 'n', 'punishment', 'market_access', 'b', 4, '{licensing}', '{administrative_penalty}', feedback_days => 61);
-- the measures used below: a licensing restriction after serious penalties (market regulation),
-- a tendering ban while on the serious dishonesty list or in class D (housing), heightened
-- inspection for abnormal operation for 6 months, and a fast track for class A (a reward)
SELECT sv.sanction_measure_save('RGS-LIC', '限制新增行政许可', 'punishment', 'market_access',
         '《关于建立完善守信联合激励和失信联合惩戒制度的指导意见》(国发〔2016〕33号)', 4, '{licensing,subsidy}',
         '{administrative_penalty}', min_severity => 3, feedback_days => 5) AS saved,
       sv.sanction_measure_save('RGS-BID', '限制参与工程招标投标', 'punishment', 'public_procurement',
         '《招标投标法实施条例》第六十七条', 5, '{tendering}', '{serious_dishonesty}', '{D}', feedback_days => 10) AS saved,
       sv.sanction_measure_save('RGS-INSP', '列为重点监管对象,提高抽查比例', 'punishment', 'heightened_supervision',
         '《企业信息公示暂行条例》第十八条', 4, '{inspection,licensing}', '{abnormal_operation}', duration_months => 6) AS saved,
       sv.sanction_measure_save('RGS-FAST', '行政审批绿色通道', 'reward', 'fast_track', '国发〔2016〕33号', 1,
         '{licensing}', '{commendation}', '{A}') AS saved;
-- saving the same again changes nothing (one audit record per real change)
SELECT sv.sanction_measure_save('RGS-FAST', '行政审批绿色通道', 'reward', 'fast_track', '国发〔2016〕33号', 1,
         '{licensing}', '{commendation}', '{A}') AS unchanged;
RESET ROLE;
SELECT object_id, action FROM sv.audit_log WHERE object_kind = 'sanction_measure' AND object_id LIKE 'RGS-%' ORDER BY seq;
SET ROLE regress_cs_msa;
SELECT sv.sanction_measure_save('RGS-M2', 'n', 'punishment', 'market_access', 'b', 4, '{licensing}', '{administrative_penalty}');
SELECT code, kind, category, scenarios, trigger_kinds, trigger_classes, min_severity, duration_months, feedback_days
FROM sv.sanction_measure WHERE code LIKE 'RGS-%' ORDER BY code;
RESET ROLE;

-- which measures apply on a day (the check's core, on fixed days): s1's 30000-yuan penalty of
-- severity 3 restricts licensing until its 3-year publication ends; its abnormal-operation
-- listing ended on 2026-06-30 (and heightened inspection would end 6 months after 2026-02-01);
-- its commendation brings no reward while the penalty is in force
SELECT measure, reason, until, measure_kind, department_id, feedback_days FROM sv._sanction_hits(:'s1'::sv.uscc, 'licensing', '2026-06-15');
SELECT measure, reason, until FROM sv._sanction_hits(:'s1'::sv.uscc, 'licensing', '2026-07-01');
SELECT measure, reason, until FROM sv._sanction_hits(:'s1'::sv.uscc, 'licensing', '2029-03-19');
SELECT measure, reason, until FROM sv._sanction_hits(:'s1'::sv.uscc, 'licensing', '2029-03-20');
SELECT measure, reason, until FROM sv._sanction_hits(:'s1'::sv.uscc, 'tendering', '2026-06-15');
-- s2's warning (severity 1) is below the licensing measure's minimum severity
SELECT count(*) AS hits FROM sv._sanction_hits(:'s2'::sv.uscc, 'licensing', '2026-09-01');
-- s3 is on the serious dishonesty list (no end) and, once classified, in class D: one hit, two reasons
INSERT INTO sv.credit_class (uscc, class, source, assessed_at) VALUES (:'s3', 'D', 'model RGC-V1', '2026-02-01 10:00+08'),
                                                                     (:'s4', 'A', 'model RGC-V1', '2026-05-01 10:00+08');
SELECT measure, reason, until FROM sv._sanction_hits(:'s3'::sv.uscc, 'tendering', '2026-03-01');
-- s4: a reward, by commendation and by class A
SELECT measure, reason, until, measure_kind FROM sv._sanction_hits(:'s4'::sv.uscc, 'licensing', '2026-05-02');

-- the public pre-admission check: validation and rights first
SET ROLE regress_cs_feed;
SELECT * FROM sv.credit_check('91410400MA44L0X1Q9', 'licensing');
SELECT * FROM sv.credit_check(NULL, 'licensing');
SELECT * FROM sv.credit_check(:'s1', 'karaoke');
SELECT * FROM sv.credit_check(:'s1', 'licensing', ' ');
RESET ROLE;
SET ROLE regress_cs_public;
SELECT * FROM sv.credit_check(:'s1', 'licensing');
RESET ROLE;
SET ROLE regress_cs_bi;
SELECT * FROM sv.credit_check(:'s1', 'licensing');
RESET ROLE;

-- checks today, on events dated relative to today; deadlines are compared with sv.add_workdays,
-- whatever the calendar of the coming year (a notice or provisional) (all rolled back at the
-- end; each failing statement only rolls back itself)
\set ON_ERROR_ROLLBACK on
BEGIN;
-- market regulation's system is told of its feedback obligations through the outbox
SELECT sv.endpoint_save('RGS-MSA', 'http://127.0.0.1:9/accept/msa', department_id => 4) AS endpoint;
SELECT sv.department_endpoint_set(4, 'RGS-MSA');
SET ROLE regress_cs_feed;
SELECT sv.credit_event_record(:'s2', 'administrative_penalty', 4, 'city', sv.local_date(now()) - 10, '平市监罚〔今〕1号',
         department_id => 4, penalty_types => '{licence_suspension}', published_on => sv.local_date(now()) - 5) > 0 AS recorded;
-- an applicant not in the data centre yet is checked all the same: no hits
SELECT count(*) AS hits FROM sv.credit_check('91410402MA4RGJ099' || sv.uscc_check_character('91410402MA4RGJ099'), 'licensing');
SELECT measure, basis, reason LIKE 'administrative_penalty 平市监罚〔今〕1号 (severity 4, %' AS reason_names_event,
       until = (sv.local_date(now()) - 5 + interval '3 years')::date - 1 AS until_publication_ends, measure_name, measure_kind,
       feedback_due = sv.add_workdays(sv.local_date(now()), 5) AS due_in_5_workdays
FROM sv.credit_check(:'s2', 'licensing', 'XK-2026-0001');
SET ROLE regress_cs_msa;
SELECT measure, measure_kind FROM sv.credit_check(:'s3', 'tendering', 'ZB-2026-0042');
RESET ROLE;
SELECT l.uscc = :'s2' AS s2, l.scenario, l.reference, l.checked_by, l.hits FROM sv.credit_check_log l
WHERE l.checked_by LIKE 'regress_cs_%' ORDER BY l.id;
SELECT action, change ->> 'scenario' AS scenario, json_array_length(change -> 'hits') AS hits
FROM sv.audit_log WHERE object_kind = 'credit_check' ORDER BY seq;
SELECT o.endpoint, o.kind, o.payload ->> 'measure' AS measure, o.payload ->> 'case_reference' AS case_reference,
       o.dedup_key = 'feedback-' || (o.payload ->> 'feedback_id') AS dedup, o.status
FROM sv.outbox o WHERE o.endpoint = 'RGS-MSA';

-- the closed loop: each department sees and reports its own obligations
SET ROLE regress_cs_msa;
SELECT measure_code, department_name, scenario, case_reference, overdue,
       due_on = sv.add_workdays(sv.local_date(now()), 5) AS due_ok FROM sv_work.sanction_feedback_open ORDER BY id;
SELECT id AS f_msa FROM sv_work.sanction_feedback WHERE measure_code = 'RGS-LIC' \gset
RESET ROLE;
SET ROLE regress_cs_hurd;
SELECT measure_code, department_name, case_reference, outcome FROM sv_work.sanction_feedback ORDER BY id;
SELECT id AS f_hurd FROM sv_work.sanction_feedback WHERE measure_code = 'RGS-BID' \gset
-- a statement whose error names the obligations <f_msa> and <f_hurd>, not their ids (which other
-- files' obligations push up)
CREATE FUNCTION pg_temp.named(q text, f_msa bigint, f_hurd bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text;
BEGIN
  EXECUTE q INTO result;
  RETURN result;
EXCEPTION WHEN OTHERS THEN
  RAISE EXCEPTION USING ERRCODE = SQLSTATE, MESSAGE =
    regexp_replace(regexp_replace(SQLERRM, 'obligation ' || f_msa || '\M', 'obligation <f_msa>'),
                   'obligation ' || f_hurd || '\M', 'obligation <f_hurd>');
END
$$;
-- another department's obligation does not exist for this officer
SELECT pg_temp.named(format('SELECT sv.sanction_feedback_report(%s, %L)', :f_msa, 'applied'), :f_msa, :f_hurd);
SELECT sv.sanction_feedback_report(:f_hurd, 'not_applicable');
SELECT sv.sanction_feedback_report(:f_hurd, 'not_applicable', 'no');
SELECT sv.sanction_feedback_report(:f_hurd, 'ignored');
SELECT sv.sanction_feedback_report(NULL, 'applied');
SELECT sv.sanction_feedback_report(:f_hurd, 'not_applicable', '该项目为非政府投资项目,不适用');
SELECT pg_temp.named(format('SELECT sv.sanction_feedback_report(%s, %L)', :f_hurd, 'applied'), :f_msa, :f_hurd);
SELECT measure_code, outcome, note, reported_by, overdue, reported_late FROM sv_work.sanction_feedback ORDER BY id;
RESET ROLE;
-- an obligation past its deadline shows as overdue, and a late report is marked late
UPDATE sv.sanction_feedback SET due_on = '2026-01-05' WHERE id = :f_msa;
SET ROLE regress_cs_msa;
SELECT measure_code, overdue FROM sv_work.sanction_feedback_open;
SELECT sv.sanction_feedback_report(:f_msa, 'applied', '已暂停受理该企业新增许可申请');
SELECT measure_code, outcome, overdue, reported_late FROM sv_work.sanction_feedback;
SELECT count(*) AS open FROM sv_work.sanction_feedback_open;
RESET ROLE;
SET ROLE regress_cs_public;
SELECT sv.sanction_feedback_report(:f_msa, 'applied');
SELECT * FROM sv_work.sanction_feedback;
RESET ROLE;
SET ROLE regress_cs_bi;
SELECT department_code, obligations, applied, not_applicable, reported_on_time, open, overdue
FROM sv_bi.sanction_feedback ORDER BY department_code;
RESET ROLE;
SELECT object_kind, action, change ->> 'outcome' AS outcome, change ->> 'late' AS late
FROM sv.audit_log WHERE object_kind = 'sanction_feedback' ORDER BY seq;
ROLLBACK;
\set ON_ERROR_ROLLBACK off

-- retiring a measure: from that day on it no longer applies (earlier days keep it, so a past
-- check can be explained); a retired code is not reused
SELECT count(*) AS hits_today FROM sv._sanction_hits(:'s3'::sv.uscc, 'tendering', sv.local_date(now()));
SET ROLE regress_cs_admin;
SELECT sv.sanction_measure_retire('RGS-BID', 'no');
SELECT sv.sanction_measure_retire('RGS-NONE', '清单调整');
SELECT sv.sanction_measure_retire('RGS-BID', '清单调整,由住建部门新措施替代');
SELECT sv.sanction_measure_retire('RGS-BID', '清单调整,由住建部门新措施替代');
SELECT sv.sanction_measure_save('RGS-BID', 'n', 'punishment', 'market_access', 'b', 5, '{tendering}', '{serious_dishonesty}');
RESET ROLE;
SELECT count(*) AS hits_today FROM sv._sanction_hits(:'s3'::sv.uscc, 'tendering', sv.local_date(now()));
SELECT count(*) AS hits_before FROM sv._sanction_hits(:'s3'::sv.uscc, 'tendering', '2026-03-01');

-- clean up what later tests list (models and the audit chain stay)
SET session_replication_role = replica;
DELETE FROM sv.sanction_feedback WHERE uscc::text IN (:'s1', :'s2', :'s3', :'s4');
DELETE FROM sv.credit_check_log WHERE uscc::text IN (:'s1', :'s2', :'s3', :'s4');
DELETE FROM sv.credit_repair WHERE uscc::text IN (:'s1', :'s2', :'s3', :'s4');
DELETE FROM sv.credit_event WHERE uscc::text IN (:'s1', :'s2', :'s3', :'s4');
DELETE FROM sv.credit_class_history WHERE uscc::text IN (:'s1', :'s2', :'s3', :'s4');
DELETE FROM sv.credit_class WHERE uscc::text IN (:'s1', :'s2', :'s3', :'s4');
DELETE FROM sv.sanction_measure WHERE code LIKE 'RGS-%';
DELETE FROM sv.subject WHERE source_system = 'RGS-AMR';
SET session_replication_role = DEFAULT;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN ('regress_cs_admin', 'regress_cs_feed', 'regress_cs_msa', 'regress_cs_hurd', 'regress_cs_public', 'regress_cs_bi');
SET session_replication_role = DEFAULT;
DROP ROLE regress_cs_admin, regress_cs_feed, regress_cs_msa, regress_cs_hurd, regress_cs_public, regress_cs_bi;
