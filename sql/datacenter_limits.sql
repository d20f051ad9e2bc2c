-- The data centre's field rules: every text field has a limit (docs/datacenter.md, "Field
-- limits"), and an over-long field is that record's reject (22001, the field named), never the
-- batch's failure (it was 54000, "index row size exceeds btree maximum", for a long record id);
-- ±infinity and out-of-range dates are refused naming the field (they were stored as NULL, or
-- failed with a bare 22008); NULL arguments answer 22004 naming the argument.
-- The whole test is one transaction, rolled back at the end: it leaves nothing behind (the
-- sequences, which a rollback does not reset, are set back by hand so that later tests' ids do
-- not move).
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
BEGIN;
CREATE TEMP TABLE dcl_seq AS
  SELECT format('%I.%I', schemaname, sequencename) AS seq, start_value, last_value FROM pg_sequences
  WHERE schemaname = 'sv';

CREATE ROLE regress_dcl_feed LOGIN IN ROLE sv_integration;

-- '<SQLSTATE>: <message>' of a statement, or 'ok: <first column>'
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v text;
  st text;
  msg text;
BEGIN
  EXECUTE stmt INTO v;
  RETURN 'ok: ' || coalesce(v, 'NULL');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN st || ': ' || msg;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.try(text) TO PUBLIC;

-- the codes used below are valid
SELECT code, sv.uscc_check(code) IS NULL AS valid
FROM (VALUES ('91410402MA4RGL0010'), ('91410402MA4RGL0023'), ('91410402MA4RGL0036'), ('91410402MA4RGL0049'),
             ('91410402MA4RGL005C')) v(code);

-- ---------------------------------------------------------------------------------------------
-- Single writes: an over-long field answers 22001 naming the field (the limit itself is fine)
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_dcl_feed;
SELECT n, pg_temp.try(call) AS outcome
FROM (VALUES
  (1, $$SELECT sv.subject_save('91410402MA4RGL0010', 'n', '410402', 'RGL-AMR', repeat('r', 2700))$$),
  (2, $$SELECT sv.subject_save('91410402MA4RGL0010', repeat('名', 201), '410402', 'RGL-AMR', 'RGL-1')$$),
  (3, $$SELECT sv.subject_save('91410402MA4RGL0010', 'n', '410402', repeat('S', 65), 'RGL-1')$$),
  (4, $$SELECT sv.subject_save('91410402MA4RGL0010', 'n', '410402', 'RGL-AMR', 'RGL-1', address => repeat('址', 501))$$),
  (5, $$SELECT sv.subject_save('91410402MA4RGL0010', 'n', '410402', 'RGL-AMR', 'RGL-1', legal_rep => repeat('王', 201))$$),
  -- the limits themselves (128 characters of record id, 200 of name, 500 of address)
  (6, $$SELECT sv.subject_save('91410402MA4RGL0010', repeat('名', 200), '410402', 'RGL-AMR', repeat('r', 128),
                                address => repeat('址', 500), legal_rep => repeat('王', 200))$$),
  (7, $$SELECT sv.inspector_save('RGL-0001', repeat('李', 201), 4, '410400', '2020-01-01', '2029-12-31', 'RGL-HR', 'HR-1')$$),
  (8, $$SELECT sv.inspector_save('RGL-0001', '李一', 4, '410400', '2020-01-01', '2029-12-31', 'RGL-HR', repeat('h', 2700))$$),
  (9, $$SELECT sv.inspector_save('RGL-0001', '李一', 4, '410400', '2020-01-01', '2029-12-31', repeat('S', 65), 'HR-1')$$))
  c(n, call)
ORDER BY n;
SELECT char_length(name) AS name, char_length(address) AS address, char_length(source_record_id) AS record_id
FROM sv.subject WHERE uscc = '91410402MA4RGL0010';
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- Batches: the good records land, the over-long one is rejected with its reason
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_dcl_feed;
-- the JSON path (the issue's case: a record id of 2.7 kB among good records)
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGL-AMR', 'subject', jsonb_build_array(
  jsonb_build_object('source_record_id', 'RGL-2', 'uscc', '91410402MA4RGL0023', 'name', '瑞乐二号', 'region_code', '410402'),
  jsonb_build_object('source_record_id', repeat('r', 2700), 'uscc', '91410402MA4RGL0036', 'name', '瑞乐三号', 'region_code', '410402'),
  jsonb_build_object('source_record_id', 'RGL-4', 'uscc', '91410402MA4RGL0049', 'name', repeat('名', 201), 'region_code', '410402'),
  jsonb_build_object('source_record_id', 'RGL-5', 'uscc', '91410402MA4RGL005C', 'name', '瑞乐五号', 'region_code', '410402',
                     'address', repeat('址', 501), 'legal_rep', repeat('王', 300))));
SELECT line, char_length(source_record_id) AS record_id, errcode, reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGL-AMR') ORDER BY line;
-- the staged path
INSERT INTO sv.subject_staging (source_record_id, uscc, name, region_code, address)
VALUES (repeat('s', 2700), '91410402MA4RGL0036', '瑞乐三号', '410402', NULL),
       ('RGL-5', '91410402MA4RGL005C', '瑞乐五号', '410402', '新华区'),
       ('RGL-4', '91410402MA4RGL0049', '瑞乐四号', '410402', repeat('址', 501));
SELECT inserted, updated, unchanged, rejected FROM sv.ingest_staged('RGL-AMR', 'subject');
SELECT line, char_length(source_record_id) AS record_id, errcode, reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGL-AMR') ORDER BY line;
-- a source name of 65 characters cannot even name a batch (ingest takes 1-64)
SELECT pg_temp.try($$SELECT batch_id FROM sv.ingest(repeat('S', 65), 'subject', '[]')$$) AS long_source;
-- inspectors
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGL-HR', 'inspector', jsonb_build_array(
  jsonb_build_object('source_record_id', 'HR-1', 'certificate_no', 'RGL-0001', 'name', '李一', 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01', 'valid_until', '2029-12-31'),
  jsonb_build_object('source_record_id', 'HR-2', 'certificate_no', 'RGL-0002', 'name', '李二', 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01', 'valid_until', '2029-12-31'),
  jsonb_build_object('source_record_id', repeat('h', 2700), 'certificate_no', 'RGL-0003', 'name', '李三', 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01', 'valid_until', '2029-12-31'),
  jsonb_build_object('source_record_id', 'HR-4', 'certificate_no', 'RGL-0004', 'name', repeat('李', 201), 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01', 'valid_until', '2029-12-31'),
  jsonb_build_object('source_record_id', 'HR-5', 'certificate_no', repeat('RGL', 1000), 'name', '李五', 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01', 'valid_until', '2029-12-31')));
SELECT line, char_length(source_record_id) AS record_id, errcode, left(reason, 60) AS reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGL-HR') ORDER BY line;
-- credit events: the reference is part of a unique key
RESET ROLE;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGL-CE', 'credit_event', jsonb_build_array(
  jsonb_build_object('uscc', '91410402MA4RGL0023', 'kind', 'commendation', 'severity', '1', 'source', 'city',
                     'decided_on', '2025-01-01', 'reference', 'RGL-CE-1'),
  jsonb_build_object('uscc', '91410402MA4RGL0023', 'kind', 'commendation', 'severity', '1', 'source', 'city',
                     'decided_on', '2025-01-01', 'reference', repeat('平', 2700))));
SELECT line, errcode, reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGL-CE') ORDER BY line;
SELECT pg_temp.try($$SELECT sv.credit_event_record('91410402MA4RGL0023', 'commendation', 1, 'city', '2025-01-01', repeat('R', 129))$$)
  AS long_reference;

-- actions: a check item of a release in force on the start day (a backdated release, as in
-- datacenter_ingest), two inspectors of the department
SELECT sv.catalog_item_save('RGL-MSA-001', 4, '对瑞乐食品经营活动的监督检查', '双随机抽查', '现场检查', '食品经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "110"}]', 'city', 'city') > 0 AS saved;
SELECT sv.check_item_save('RGL-MSA-C01', 'RGL-MSA-001', 'city', '410400', 4, 'on_site', '经营场所与许可证载明一致', 'general') > 0 AS saved;
SELECT sv.catalog_publish('RGL-SNAPSHOT', 'limits regression: the rows of the backdated release') AS snapshot_release \gset
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RGL-2026-11', 'backdated', '2026-11-02 08:00+08', 'regress', 0, 1) RETURNING id AS release_2026 \gset
INSERT INTO sv.catalog_release_item (release_id, kind, code, item)
SELECT :release_2026, i.kind, i.code, i.item FROM sv.catalog_release_item i
WHERE i.release_id = :snapshot_release AND i.kind = 'check_item' AND i.code = 'RGL-MSA-C01';
SET ROLE regress_dcl_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGL-ACT', 'action', jsonb_build_array(
  jsonb_build_object('source_record_id', 'ACT-1', 'uscc', '91410402MA4RGL0023', 'kind', 'inspection', 'check_item', 'RGL-MSA-C01',
                     'department', '4', 'started_on', '2026-11-02', 'ended_on', '2026-11-03', 'inspectors', 'RGL-0001,RGL-0002',
                     'result', 'problem_found', 'findings', repeat('查', 2000)),
  jsonb_build_object('source_record_id', 'ACT-2', 'uscc', '91410402MA4RGL0023', 'kind', 'inspection', 'check_item', 'RGL-MSA-C01',
                     'department', '4', 'started_on', '2026-11-02', 'ended_on', '2026-11-03', 'inspectors', 'RGL-0001,RGL-0002',
                     'result', 'problem_found', 'findings', repeat('查', 2001)),
  jsonb_build_object('source_record_id', repeat('a', 2700), 'uscc', '91410402MA4RGL0023', 'kind', 'inspection',
                     'check_item', 'RGL-MSA-C01', 'department', '4', 'started_on', '2026-11-02', 'ended_on', '2026-11-03',
                     'inspectors', 'RGL-0001,RGL-0002', 'result', 'no_problem'),
  jsonb_build_object('source_record_id', 'ACT-4', 'uscc', '91410402MA4RGL0023', 'kind', 'inspection', 'check_item', repeat('C', 65),
                     'department', '4', 'started_on', '2026-11-02', 'ended_on', '2026-11-03', 'inspectors', 'RGL-0001,RGL-0002',
                     'result', 'no_problem')));
SELECT line, char_length(source_record_id) AS record_id, errcode, reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGL-ACT') ORDER BY line;
SELECT n, pg_temp.try(call) AS outcome
FROM (VALUES
  (1, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', '2026-11-03',
                                '{RGL-0001,RGL-0002}', 'problem_found', repeat('查', 2001), 'RGL-ACT', 'ACT-5')$$),
  (2, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', '2026-11-03',
                                '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', repeat('a', 2700))$$),
  (3, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', '2026-11-03',
                                '{RGL-0001,RGL-0002}', 'no_problem', NULL, repeat('S', 65), 'ACT-6')$$),
  (4, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', repeat('C', 65), 4, '2026-11-02', '2026-11-03',
                                '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-7')$$))
  c(n, call)
ORDER BY n;
RESET ROLE;
SELECT source_record_id, char_length(findings) AS findings FROM sv.action WHERE source_system = 'RGL-ACT' ORDER BY 1;

-- the tables hold the limits too, as a backstop for writes that bypass the rules (a superuser)
SELECT pg_temp.try($$INSERT INTO sv.subject (uscc, name, kind, region_code, status, source_system, source_record_id,
                                             received_at, updated_at)
                     VALUES ('91410402MA4RGL0036', 'n', 'enterprise', '410402', 'operating', 'RGL-AMR', repeat('r', 129),
                             now(), now()) RETURNING uscc$$) AS subject_backstop;
SELECT conrelid::regclass AS "table", conname FROM pg_constraint
WHERE conname IN ('subject_text_length', 'inspector_text_length', 'action_text_length', 'credit_event_text_length')
ORDER BY 2;

-- ---------------------------------------------------------------------------------------------
-- Dates: ±infinity and dates beyond 1900-2999 are refused, naming the field (22007); they were
-- stored as NULL (infinity through to_char) or failed with a bare 22008 (beyond the timestamp
-- range)
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_dcl_feed;
SELECT n, pg_temp.try(call) AS outcome
FROM (VALUES
  (1, $$SELECT sv.subject_save('91410402MA4RGL0049', 'n', '410402', 'RGL-AMR', 'RGL-4', established_on => 'infinity')$$),
  (2, $$SELECT sv.subject_save('91410402MA4RGL0049', 'n', '410402', 'RGL-AMR', 'RGL-4', established_on => '-infinity')$$),
  (3, $$SELECT sv.subject_save('91410402MA4RGL0049', 'n', '410402', 'RGL-AMR', 'RGL-4', status => 'deregistered',
                               deregistered_on => 'infinity')$$),
  (4, $$SELECT sv.subject_save('91410402MA4RGL0049', 'n', '410402', 'RGL-AMR', 'RGL-4', established_on => '5874897-12-31')$$),
  (5, $$SELECT sv.subject_save('91410402MA4RGL0049', 'n', '410402', 'RGL-AMR', 'RGL-4', established_on => '4713-01-01 BC')$$),
  (6, $$SELECT sv.inspector_save('RGL-0006', '李六', 4, '410400', '2020-01-01', 'infinity', 'RGL-HR', 'HR-6')$$),
  (7, $$SELECT sv.inspector_save('RGL-0006', '李六', 4, '410400', '-infinity', '2029-12-31', 'RGL-HR', 'HR-6')$$),
  (8, $$SELECT sv.inspector_save('RGL-0006', '李六', 4, '410400', '2020-01-01', '5874897-12-31', 'RGL-HR', 'HR-6')$$),
  (9, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '-infinity', '2026-11-03',
                                '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-8')$$),
  (10, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', '5874897-12-31',
                                 '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-8')$$),
  (11, $$SELECT sv.credit_event_record('91410402MA4RGL0023', 'commendation', 1, 'city', '2025-01-01', 'RGL-CE-2',
                                       published_on => 'infinity')$$),
  (12, $$SELECT sv.credit_event_record('91410402MA4RGL0023', 'commendation', 1, 'city', '2025-01-01', 'RGL-CE-2',
                                       valid_until => 'infinity')$$),
  (13, $$SELECT sv.credit_event_record('91410402MA4RGL0023', 'administrative_penalty', 1, 'city', '2025-01-01', 'RGL-CE-2',
                                       penalty_types => '{business_restriction}', restricted_until => 'infinity')$$),
  (14, $$SELECT sv.credit_event_record('91410402MA4RGL0023', 'commendation', 1, 'city', '-infinity', 'RGL-CE-2')$$))
  c(n, call)
ORDER BY n;
-- in a batch, the record's reject
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGL-HR', 'inspector', jsonb_build_array(
  jsonb_build_object('source_record_id', 'HR-6', 'certificate_no', 'RGL-0006', 'name', '李六', 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01', 'valid_until', 'infinity'),
  jsonb_build_object('source_record_id', 'HR-7', 'certificate_no', 'RGL-0007', 'name', '李七', 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01', 'valid_until', '2029-12-31')));
SELECT line, errcode, reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGL-HR') ORDER BY line;
RESET ROLE;
SELECT (SELECT count(*) FROM sv.subject WHERE uscc = '91410402MA4RGL0049') AS subject_saved,
       (SELECT count(*) FROM sv.inspector WHERE certificate_no = 'RGL-0006') AS inspector_saved,
       (SELECT count(*) FROM sv.credit_event WHERE reference = 'RGL-CE-2') AS credit_event_saved;

-- ---------------------------------------------------------------------------------------------
-- NULL arguments: 22004 naming the argument (several answered 22023, 22007, 23503, 23514 or
-- P0002 before)
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_dcl_feed;
SELECT n, pg_temp.try(call) AS outcome
FROM (VALUES
  (1, $$SELECT sv.subject_save(NULL, 'n', '410402', 'RGL-AMR', 'RGL-4')$$),
  (2, $$SELECT sv.subject_save('91410402MA4RGL0049', NULL, '410402', 'RGL-AMR', 'RGL-4')$$),
  (3, $$SELECT sv.subject_save('91410402MA4RGL0049', 'n', NULL, 'RGL-AMR', 'RGL-4')$$),
  (4, $$SELECT sv.subject_save('91410402MA4RGL0049', 'n', '410402', NULL, 'RGL-4')$$),
  (5, $$SELECT sv.subject_save('91410402MA4RGL0049', 'n', '410402', 'RGL-AMR', NULL)$$),
  (6, $$SELECT sv.inspector_save(NULL, '李六', 4, '410400', '2020-01-01', '2029-12-31', 'RGL-HR', 'HR-6')$$),
  (7, $$SELECT sv.inspector_save('RGL-0006', NULL, 4, '410400', '2020-01-01', '2029-12-31', 'RGL-HR', 'HR-6')$$),
  (8, $$SELECT sv.inspector_save('RGL-0006', '李六', NULL, '410400', '2020-01-01', '2029-12-31', 'RGL-HR', 'HR-6')$$),
  (9, $$SELECT sv.inspector_save('RGL-0006', '李六', 4, NULL, '2020-01-01', '2029-12-31', 'RGL-HR', 'HR-6')$$),
  (10, $$SELECT sv.inspector_save('RGL-0006', '李六', 4, '410400', NULL, '2029-12-31', 'RGL-HR', 'HR-6')$$),
  (11, $$SELECT sv.inspector_save('RGL-0006', '李六', 4, '410400', '2020-01-01', NULL, 'RGL-HR', 'HR-6')$$),
  (12, $$SELECT sv.inspector_save('RGL-0006', '李六', 4, '410400', '2020-01-01', '2029-12-31', NULL, 'HR-6')$$),
  (13, $$SELECT sv.inspector_save('RGL-0006', '李六', 4, '410400', '2020-01-01', '2029-12-31', 'RGL-HR', NULL)$$),
  (14, $$SELECT sv.action_record(NULL, 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', '2026-11-03',
                                 '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-9')$$),
  (15, $$SELECT sv.action_record('91410402MA4RGL0023', NULL, 'RGL-MSA-C01', 4, '2026-11-02', '2026-11-03',
                                 '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-9')$$),
  (16, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', NULL, 4, '2026-11-02', '2026-11-03',
                                 '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-9')$$),
  (17, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', NULL, '2026-11-02', '2026-11-03',
                                 '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-9')$$),
  (18, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, NULL, '2026-11-03',
                                 '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-9')$$),
  (19, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', NULL,
                                 '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', 'ACT-9')$$),
  (20, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', '2026-11-03',
                                 NULL, 'no_problem', NULL, 'RGL-ACT', 'ACT-9')$$),
  (21, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', '2026-11-03',
                                 '{RGL-0001,RGL-0002}', NULL, NULL, 'RGL-ACT', 'ACT-9')$$),
  (22, $$SELECT sv.action_record('91410402MA4RGL0023', 'inspection', 'RGL-MSA-C01', 4, '2026-11-02', '2026-11-03',
                                 '{RGL-0001,RGL-0002}', 'no_problem', NULL, 'RGL-ACT', NULL)$$),
  (23, $$SELECT sv.action_publish(NULL, 1)$$),
  (24, $$SELECT sv.action_publish('91410402MA4RGL0023', NULL)$$),
  (25, $$SELECT batch_id FROM sv.ingest(NULL, 'subject', '[]')$$),
  (26, $$SELECT batch_id FROM sv.ingest('RGL-AMR', NULL, '[]')$$),
  (27, $$SELECT batch_id FROM sv.ingest('RGL-AMR', 'subject', NULL)$$),
  (28, $$SELECT batch_id FROM sv.ingest_staged(NULL, 'subject')$$),
  (29, $$SELECT batch_id FROM sv.ingest_staged('RGL-AMR', NULL)$$),
  (30, $$SELECT sv.ingest_staged_discard(NULL)$$))
  c(n, call)
ORDER BY n;
RESET ROLE;
SELECT pg_temp.try($$SELECT count(*) FROM sv.action_coverage(NULL, '2026-11-30')$$) AS first_day_null,
       pg_temp.try($$SELECT count(*) FROM sv.action_coverage('2026-11-01', NULL)$$) AS last_day_null;
-- a missing field of a batch record is the same reject (22004, named)
SET ROLE regress_dcl_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGL-HR', 'inspector', jsonb_build_array(
  jsonb_build_object('source_record_id', 'HR-8', 'certificate_no', 'RGL-0008', 'name', '李八', 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01'),
  jsonb_build_object('source_record_id', 'HR-9', 'certificate_no', 'RGL-0009', 'department', '4',
                     'region_code', '410400', 'valid_from', '2020-01-01', 'valid_until', '2029-12-31')));
SELECT line, errcode, reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGL-HR') ORDER BY line;
RESET ROLE;

SELECT bool_and(v IS NOT NULL) AS sequences_restored
FROM (SELECT CASE WHEN d.last_value IS NULL THEN setval(d.seq, d.start_value, false)
                  ELSE setval(d.seq, d.last_value) END AS v
      FROM dcl_seq d) s;
ROLLBACK;
