-- Data aggregation (数据汇聚): sv.ingest (JSON batches) and sv.ingest_staged (rows COPYed into
-- sv.<kind>_staging) for subjects, inspectors and actions.  Argument and permission errors,
-- per-record rejects with SQLSTATE and reason (the same as the write functions raise),
-- idempotent counts, sv.ingest_batch / sv.ingest_reject under RLS, one audit record per batch;
-- the staging tables (COPY targets: loaders insert only, rows stamped with the loader) with
-- sv.ingest_staged_count and sv.ingest_staged_discard.
-- Everything here is filtered to this test's sources (RGI-*), codes (…RGK…) and roles, and the
-- clean-up at the end removes every row the test wrote (audit records excepted).
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

CREATE ROLE regress_rgi_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_rgi_feed2 LOGIN IN ROLE sv_integration;
CREATE ROLE regress_rgi_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_rgi_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_rgi_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_rgi_auditor LOGIN IN ROLE sv_auditor;

-- Runs a statement and reports its error (SQLSTATE, message, detail, hint) instead of raising.
CREATE FUNCTION pg_temp.try(call text, OUT errcode text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE call;
  errcode := '00000';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS errcode = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END
$fn$;

-- the codes used below are valid (18th character from sv.uscc_check_character)
SELECT code, sv.uscc_check_character(left(code, 17)) = right(code, 1) AS check_char_ok, sv.uscc_check(code) IS NULL AS valid
FROM (VALUES ('91410402MA4RGK001Q'), ('92410422MA4RGK004X'), ('93410423MA4RGK005C'), ('91410402MA4RGK002U'),
             ('91410402MA4RGK003Y'), ('91410402MA4RGK0068'), ('91410402MA4RGK007B'), ('91410402MA4RGK008E'),
             ('91410402MA4RGK009H'), ('91410402MA4RGK010N'), ('91410402MA4RGK0143'), ('91410402MA4RGK0156'),
             ('91410402MA4RGK0169'), ('91410402MA4RGK017C')) v(code);

-- ---------------------------------------------------------------------------------------------
-- Argument and permission errors: each raises and writes nothing
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_rgi_feed;
SELECT c.call, t.errcode, t.message, t.hint
FROM (VALUES (1, $$sv.ingest(NULL, 'subject', '[]')$$),
             (2, $$sv.ingest('', 'subject', '[]')$$),
             (3, $$sv.ingest('RGI AMR', 'subject', '[]')$$),
             (4, $$sv.ingest('-RGI', 'subject', '[]')$$),
             (5, $$sv.ingest(repeat('R', 65), 'subject', '[]')$$),
             (6, $$sv.ingest('RGI-AMR', 'subjects', '[]')$$),
             (7, $$sv.ingest('RGI-AMR', 'Subject', '[]')$$),
             (8, $$sv.ingest('RGI-AMR', NULL, '[]')$$),
             (9, $$sv.ingest('RGI-AMR', 'subject', NULL)$$),
             (10, $$sv.ingest('RGI-AMR', 'subject', '{"uscc": "91410402MA4RGK001Q"}')$$),
             (11, $$sv.ingest('RGI-AMR', 'subject', '"[]"')$$),
             (12, $$sv.ingest('RGI-AMR', 'subject', 'null')$$),
             (13, $$sv.ingest_staged(NULL, 'subject')$$),
             (14, $$sv.ingest_staged('RGI AMR', 'subject')$$),
             (15, $$sv.ingest_staged('RGI-AMR', 'catalog')$$),
             (16, $$sv.ingest_staged('RGI-AMR', NULL)$$),
             (17, $$sv.ingest_staged_discard('catalog')$$),
             (18, $$sv.ingest_staged_discard(NULL)$$)) c(n, call)
CROSS JOIN LATERAL pg_temp.try('SELECT * FROM ' || c.call) t
ORDER BY c.n;
RESET ROLE;
-- officers and the public may not ingest
SET ROLE regress_rgi_officer;
SELECT c.call, t.errcode, t.message
FROM (VALUES (1, $$sv.ingest('RGI-AMR', 'subject', '[]')$$), (2, $$sv.ingest_staged('RGI-AMR', 'subject')$$),
             (3, $$sv.ingest_staged_discard('subject')$$), (4, $$sv.ingest_staged_count()$$)) c(n, call)
CROSS JOIN LATERAL pg_temp.try('SELECT * FROM ' || c.call) t ORDER BY c.n;
RESET ROLE;
SET ROLE regress_rgi_public;
SELECT c.call, t.errcode, t.message
FROM (VALUES (1, $$sv.ingest('RGI-AMR', 'subject', '[]')$$), (2, $$sv.ingest_staged('RGI-AMR', 'subject')$$),
             (3, $$sv.ingest_staged_discard('subject')$$), (4, $$sv.ingest_staged_count()$$)) c(n, call)
CROSS JOIN LATERAL pg_temp.try('SELECT * FROM ' || c.call) t ORDER BY c.n;
RESET ROLE;
-- the functions check the caller's role themselves too (here an officer granted EXECUTE directly)
GRANT EXECUTE ON FUNCTION sv.ingest(text, text, jsonb), sv.ingest_staged(text, text), sv.ingest_staged_discard(text)
  TO regress_rgi_officer;
SET ROLE regress_rgi_officer;
SELECT c.call, t.errcode, t.message, t.hint
FROM (VALUES (1, $$sv.ingest('RGI-AMR', 'subject', '[]')$$), (2, $$sv.ingest_staged('RGI-AMR', 'subject')$$),
             (3, $$sv.ingest_staged_discard('subject')$$)) c(n, call)
CROSS JOIN LATERAL pg_temp.try('SELECT * FROM ' || c.call) t ORDER BY c.n;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION sv.ingest(text, text, jsonb), sv.ingest_staged(text, text), sv.ingest_staged_discard(text)
  FROM regress_rgi_officer;
-- the merge cores and the batch helpers are internal: a loader cannot write around the batch
SET ROLE regress_rgi_feed;
SELECT c.call, t.errcode, t.message
FROM (VALUES (1, $$sv._subject_merge('RGI-AMR', ARRAY[]::sv.subject_staging[])$$),
             (2, $$sv._inspector_merge('RGI-AMR', ARRAY[]::sv.inspector_staging[])$$),
             (3, $$sv._action_merge('RGI-AMR', ARRAY[]::sv.action_staging[])$$),
             (4, $$sv._ingest_begin('RGI-AMR', 'subject', 'json')$$),
             (5, $$sv._ingest_finish(1, 'RGI-AMR', 'subject', NULL)$$)) c(n, call)
CROSS JOIN LATERAL pg_temp.try('SELECT * FROM ' || c.call) t ORDER BY c.n;
RESET ROLE;
-- arguments are checked before anything is written: no batch, no reject
SET ROLE regress_rgi_feed;
SELECT * FROM sv.ingest('RGI-AMR', 'subject', '{}');
SELECT * FROM sv.ingest('RGI-AMR', 'inspectors', '[{"certificate_no": "RGI-0001"}]');
RESET ROLE;
SELECT count(*) AS batches_after_errors FROM sv.ingest_batch WHERE source LIKE 'RGI%' OR received_by LIKE 'regress_rgi_%';
SELECT count(*) AS rejects_after_errors FROM sv.ingest_reject WHERE source LIKE 'RGI%' OR received_by LIKE 'regress_rgi_%';

-- ---------------------------------------------------------------------------------------------
-- Subjects through the JSON path: insert, the same batch again (unchanged), a change (updated)
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_rgi_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-AMR', 'subject', $j$[
  {"source_record_id": "AMR-001", "uscc": "91410402MA4RGK001Q", "name": "平顶山市新华区瑞格食品有限公司",
   "region_code": "410402", "industry": "C1391", "address": "新华区建设路100号", "longitude": 113.28,
   "latitude": 33.74, "legal_rep": "张伟", "established_on": "2018-03-15"},
  {"source_record_id": "AMR-002", "uscc": "92410422MA4RGK004X", "name": "叶县昆阳镇瑞格小吃店",
   "region_code": "410422", "industry": "H62", "legal_rep": "李娜"},
  {"source_record_id": "AMR-003", "uscc": "93410423MA4RGK005C", "name": "鲁山县瑞格养蜂专业合作社",
   "region_code": "410423", "industry": "A03", "status": "suspended"}
]$j$);
-- the identical batch: every record unchanged
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-AMR', 'subject', $j$[
  {"source_record_id": "AMR-001", "uscc": "91410402MA4RGK001Q", "name": "平顶山市新华区瑞格食品有限公司",
   "region_code": "410402", "industry": "C1391", "address": "新华区建设路100号", "longitude": 113.28,
   "latitude": 33.74, "legal_rep": "张伟", "established_on": "2018-03-15"},
  {"source_record_id": "AMR-002", "uscc": "92410422MA4RGK004X", "name": "叶县昆阳镇瑞格小吃店",
   "region_code": "410422", "industry": "H62", "legal_rep": "李娜"},
  {"source_record_id": "AMR-003", "uscc": "93410423MA4RGK005C", "name": "鲁山县瑞格养蜂专业合作社",
   "region_code": "410423", "industry": "A03", "status": "suspended"}
]$j$);
-- the first subject moved (updated); the second written in lower case with blanks and numbers
-- as strings, the third with an explicit null: the same data, so unchanged
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-AMR', 'subject', $j$[
  {"source_record_id": "AMR-001", "uscc": "91410402MA4RGK001Q", "name": "平顶山市新华区瑞格食品有限公司",
   "region_code": "410402", "industry": "C1391", "address": "新华区矿工路8号", "longitude": "113.29",
   "latitude": "33.75", "legal_rep": "张伟", "established_on": "2018-03-15"},
  {"source_record_id": " AMR-002 ", "uscc": " 92410422ma4rgk004x ", "name": "叶县昆阳镇瑞格小吃店",
   "region_code": "410422", "industry": "H62", "legal_rep": "李娜"},
  {"source_record_id": "AMR-003", "uscc": "93410423MA4RGK005C", "name": "鲁山县瑞格养蜂专业合作社",
   "region_code": "410423", "industry": "A03", "status": "suspended", "address": null}
]$j$);
RESET ROLE;
SELECT uscc, name, kind, industry, region_code, address, public.ST_AsText(location) AS location, status, legal_rep,
       established_on, source_system, source_record_id
FROM sv.subject WHERE uscc::text LIKE '9_4104__MA4RGK%' ORDER BY uscc;

-- ---------------------------------------------------------------------------------------------
-- Subjects: per-record rejects (nothing is dropped; good records in the same batch go in)
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_rgi_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-AMR', 'subject', $j$[
  "91410402MA4RGK009H",
  [{"uscc": "91410402MA4RGK009H"}],
  {"source_record_id": "AMR-104", "uscc": "91410402MA4RGK009H", "name": "x", "Region": "410402", "nmae": "y"},
  {"source_record_id": "AMR-105", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "line": 1, "loaded_by": "regress_rgi_feed2"},
  {"source_record_id": "AMR-106", "uscc": "91410402MA4RGK009X", "name": "x", "region_code": "410402"},
  {"source_record_id": "AMR-107", "name": "x", "region_code": "410402"},
  {"source_record_id": "AMR-108", "uscc": "91410402MA4RGK009H", "name": "  ", "region_code": "410402"},
  {"source_record_id": "AMR-109", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410499"},
  {"source_record_id": " ", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402"},
  {"source_record_id": "AMR-111", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "industry": "Z99"},
  {"source_record_id": "AMR-112", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "longitude": "east", "latitude": 33.7},
  {"source_record_id": "AMR-113", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "longitude": 113.3},
  {"source_record_id": "AMR-114", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "longitude": 13.3, "latitude": 33.7},
  {"source_record_id": "AMR-115", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "status": "closed"},
  {"source_record_id": "AMR-116", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "established_on": "2026-02-30"},
  {"source_record_id": "AMR-117", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "status": "deregistered", "deregistered_on": "2026/03/01"},
  {"source_record_id": "AMR-118", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "status": "deregistered", "established_on": "2020-01-01", "deregistered_on": "2019-01-01"},
  {"source_record_id": "AMR-119", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "status": "deregistered"},
  {"source_record_id": "AMR-120", "uscc": "91410402MA4RGK009H", "name": "x", "region_code": "410402", "deregistered_on": "2024-01-01"},
  {"source_record_id": "AMR-201", "uscc": "91410402MA4RGK002U", "name": "瑞格五金 (first)", "region_code": "410402"},
  {"source_record_id": "AMR-201", "uscc": "91410402MA4RGK002U", "name": "平顶山市新华区瑞格五金店", "region_code": "410402"},
  {"source_record_id": "AMR-202", "uscc": "91410402MA4RGK003Y", "name": "瑞格建材 (wrong code)", "region_code": "410402"},
  {"source_record_id": "AMR-202", "uscc": "91410402MA4RGK0068", "name": "平顶山市新华区瑞格建材店", "region_code": "410402"},
  {"source_record_id": "AMR-001", "uscc": "91410402MA4RGK007B", "name": "瑞格食品 (another code)", "region_code": "410402"},
  {"source_record_id": "AMR-002", "uscc": "92410422MA4RGK004X", "name": "叶县昆阳镇瑞格小吃店", "region_code": "410422", "industry": "H62", "legal_rep": "李娜"},
  {"source_record_id": "AMR-203", "uscc": "91410402MA4RGK0143", "name": "平顶山市新华区瑞格灯具店", "region_code": "410402"},
  {"source_record_id": "AMR-203", "uscc": "91410402MA4RGK0143", "name": "平顶山市新华区瑞格灯具店", "region_code": "410402", "established_on": "2020-02-30"},
  {},
  null
]$j$);
SELECT max(id) AS subject_reject_batch FROM sv.ingest_batch WHERE source = 'RGI-AMR' \gset
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject WHERE batch_id = :subject_reject_batch ORDER BY line;
-- the record as received is kept with the reject
SELECT line, record FROM sv.ingest_reject WHERE batch_id = :subject_reject_batch AND line IN (1, 2, 4, 28, 29) ORDER BY line;
RESET ROLE;
-- the winners of the superseded records went in; the subject another code tried to take is
-- untouched; a record followed by one of the same code that fails a field check (lines 26, 27)
-- is not superseded by it and goes in
SELECT uscc, name, source_record_id FROM sv.subject
WHERE uscc::text IN ('91410402MA4RGK001Q', '91410402MA4RGK002U', '91410402MA4RGK003Y', '91410402MA4RGK0068',
                     '91410402MA4RGK007B', '91410402MA4RGK009H', '91410402MA4RGK0143')
ORDER BY uscc;

-- The same reason as a single save: sv.subject_save raises exactly the reject of the record.
SET ROLE regress_rgi_feed;
SELECT c.line, t.errcode, t.message, r.errcode = t.errcode AS same_sqlstate, r.reason = t.message AS same_reason,
       coalesce(r.detail, '') = t.detail AS same_detail
FROM (VALUES
  (5, $$sv.subject_save('91410402MA4RGK009X', 'x', '410402', 'RGI-AMR', 'AMR-106')$$),
  (6, $$sv.subject_save(NULL, 'x', '410402', 'RGI-AMR', 'AMR-107')$$),
  (7, $$sv.subject_save('91410402MA4RGK009H', '  ', '410402', 'RGI-AMR', 'AMR-108')$$),
  (8, $$sv.subject_save('91410402MA4RGK009H', 'x', '410499', 'RGI-AMR', 'AMR-109')$$),
  (9, $$sv.subject_save('91410402MA4RGK009H', 'x', '410402', 'RGI-AMR', ' ')$$),
  (10, $$sv.subject_save('91410402MA4RGK009H', 'x', '410402', 'RGI-AMR', 'AMR-111', industry => 'Z99')$$),
  (12, $$sv.subject_save('91410402MA4RGK009H', 'x', '410402', 'RGI-AMR', 'AMR-113', longitude => 113.3)$$),
  (13, $$sv.subject_save('91410402MA4RGK009H', 'x', '410402', 'RGI-AMR', 'AMR-114', longitude => 13.3, latitude => 33.7)$$),
  (14, $$sv.subject_save('91410402MA4RGK009H', 'x', '410402', 'RGI-AMR', 'AMR-115', status => 'closed')$$),
  (17, $$sv.subject_save('91410402MA4RGK009H', 'x', '410402', 'RGI-AMR', 'AMR-118', status => 'deregistered', established_on => '2020-01-01', deregistered_on => '2019-01-01')$$),
  (18, $$sv.subject_save('91410402MA4RGK009H', 'x', '410402', 'RGI-AMR', 'AMR-119', status => 'deregistered')$$),
  (19, $$sv.subject_save('91410402MA4RGK009H', 'x', '410402', 'RGI-AMR', 'AMR-120', deregistered_on => '2024-01-01')$$),
  (24, $$sv.subject_save('91410402MA4RGK007B', '瑞格食品 (another code)', '410402', 'RGI-AMR', 'AMR-001')$$)
) c(line, call)
CROSS JOIN LATERAL pg_temp.try('SELECT ' || c.call) t
JOIN sv.ingest_reject r ON r.batch_id = :subject_reject_batch AND r.line = c.line
ORDER BY c.line;
RESET ROLE;

-- A record whose record id already names another subject is refused (23505) before duplicates
-- are ranked, so it does not supersede an earlier good record of that record id: line 1 is
-- unchanged, line 2 rejected.
SET ROLE regress_rgi_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-AMR', 'subject', $j$[
  {"source_record_id": "AMR-002", "uscc": "92410422MA4RGK004X", "name": "叶县昆阳镇瑞格小吃店",
   "region_code": "410422", "industry": "H62", "legal_rep": "李娜"},
  {"source_record_id": "AMR-002", "uscc": "91410402MA4RGK007B", "name": "瑞格小吃 (another code)", "region_code": "410402"}
]$j$);
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGI-AMR') ORDER BY line;
RESET ROLE;

-- A JSON object, or an array outside the list fields (specialties, inspectors), is refused
-- (22023) rather than stored as its JSON text; an unknown field is reported first.  Numbers are
-- fine (region_code, longitude and latitude of line 3).
SET ROLE regress_rgi_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-AMR', 'subject', $j$[
  {"source_record_id": "AMR-401", "uscc": "91410402MA4RGK0169", "name": {"zh": "平顶山市新华区瑞格书店"},
   "region_code": 410402, "legal_rep": ["郭", "静"]},
  {"source_record_id": "AMR-402", "uscc": "91410402MA4RGK0169", "name": "平顶山市新华区瑞格书店",
   "region_code": 410402, "legal_rep": ["郭静"], "nmae": {"zh": "x"}},
  {"source_record_id": "AMR-403", "uscc": "91410402MA4RGK0169", "name": "平顶山市新华区瑞格书店",
   "region_code": 410402, "longitude": 113.3, "latitude": 33.7, "legal_rep": "郭静"},
  {"source_record_id": "AMR-404", "uscc": "91410402MA4RGK0169", "name": "平顶山市新华区瑞格书店",
   "region_code": "410402", "specialties": ["food"]},
  {"source_record_id": ["AMR-405"], "uscc": "91410402MA4RGK0169", "name": "平顶山市新华区瑞格书店", "region_code": "410402"}
]$j$);
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGI-AMR') ORDER BY line;
-- a JSON boolean is not text either: the record is rejected, nothing stored
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-AMR', 'subject', $j$[
  {"source_record_id": "AMR-406", "uscc": "91410402MA4RGK017C", "name": "平顶山市新华区瑞格茶庄",
   "region_code": "410402", "legal_rep": true, "address": false}
]$j$);
SELECT line, errcode, reason FROM sv.ingest_reject
WHERE source = 'RGI-AMR' AND source_record_id = 'AMR-406' ORDER BY batch_id, line;
RESET ROLE;
SELECT uscc, name, region_code, public.ST_AsText(location) AS location, legal_rep, address, source_record_id
FROM sv.subject WHERE uscc::text IN ('91410402MA4RGK0169', '91410402MA4RGK017C') ORDER BY uscc;

-- ---------------------------------------------------------------------------------------------
-- Subjects through the staged path (COPY into sv.subject_staging, then sv.ingest_staged)
-- ---------------------------------------------------------------------------------------------
-- The rows a department system loads: new, unchanged, changed, four bad ones, and one with
-- blanks and lower case everywhere.  First through COPY (CSV: an unquoted empty field is NULL,
-- "" the empty string); pg_temp.stage_subjects loads the same rows through INSERT.
CREATE FUNCTION pg_temp.stage_subjects() RETURNS bigint LANGUAGE sql AS $fn$
  WITH i AS (INSERT INTO sv.subject_staging (source_record_id, uscc, name, region_code, industry, address, longitude, latitude,
                                  legal_rep, status, established_on, deregistered_on) VALUES
    ('AMR-301', '91410402MA4RGK008E', '平顶山市新华区瑞格文具店', '410402', 'F52', '新华区中兴路6号', '113.30', '33.73', '周敏', NULL, '2021-07-01', NULL),
    ('AMR-002', '92410422MA4RGK004X', '叶县昆阳镇瑞格小吃店', '410422', 'H62', NULL, NULL, NULL, '李娜', NULL, NULL, NULL),
    ('AMR-003', '93410423MA4RGK005C', '鲁山县瑞格养蜂专业合作社', '410423', 'A03', NULL, NULL, NULL, NULL, 'operating', NULL, NULL),
    ('AMR-302', '91410402MA4RGK009H', '平顶山市新华区瑞格花店', '410402', 'F52', NULL, NULL, NULL, NULL, NULL, '2021-13-01', NULL),
    ('AMR-303', '', '平顶山市新华区瑞格花店', '410402', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('AMR-304', NULL, '平顶山市新华区瑞格花店', '410402', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('AMR-305', '91410402MA4RGK009H', '平顶山市新华区瑞格花店', '410402', NULL, NULL, '113.3', 'north', NULL, NULL, NULL, NULL),
    (' AMR-306 ', ' 91410402ma4rgk0156 ', ' 平顶山市新华区瑞格眼镜店 ', ' 410402 ', ' F52 ', ' ', ' 113.31 ', ' 33.72 ', ' 高峰 ', ' ', ' 2022-08-08 ', ' ')
  RETURNING 1) SELECT count(*) FROM i
$fn$;
SET ROLE regress_rgi_feed;
COPY sv.subject_staging (source_record_id, uscc, name, region_code, industry, address, longitude, latitude,
                         legal_rep, status, established_on, deregistered_on) FROM STDIN WITH (FORMAT csv);
AMR-301,91410402MA4RGK008E,平顶山市新华区瑞格文具店,410402,F52,新华区中兴路6号,113.30,33.73,周敏,,2021-07-01,
AMR-002,92410422MA4RGK004X,叶县昆阳镇瑞格小吃店,410422,H62,,,,李娜,,,
AMR-003,93410423MA4RGK005C,鲁山县瑞格养蜂专业合作社,410423,A03,,,,,operating,,
AMR-302,91410402MA4RGK009H,平顶山市新华区瑞格花店,410402,F52,,,,,,2021-13-01,
AMR-303,"",平顶山市新华区瑞格花店,410402,,,,,,,,
AMR-304,,平顶山市新华区瑞格花店,410402,,,,,,,,
AMR-305,91410402MA4RGK009H,平顶山市新华区瑞格花店,410402,,,113.3,north,,,,
" AMR-306 "," 91410402ma4rgk0156 "," 平顶山市新华区瑞格眼镜店 "," 410402 "," F52 "," "," 113.31 "," 33.72 "," 高峰 "," "," 2022-08-08 "," "
\.
-- a loader inserts, nothing more: it does not read its rows back, but counts them
SELECT * FROM sv.ingest_staged_count() ORDER BY kind;
SELECT count(*) FROM sv.subject_staging;
RESET ROLE;
-- the rows as loaded, each stamped with the loader
SELECT loaded_by, source_record_id, uscc, address, legal_rep, deregistered_on FROM sv.subject_staging
WHERE loaded_by LIKE 'regress_rgi_%' ORDER BY line;
-- another loader cannot read, delete or change them; a row it loads in the first one's name is
-- stamped with its own
SET ROLE regress_rgi_feed2;
SELECT count(*) FROM sv.subject_staging;
DELETE FROM sv.subject_staging;
UPDATE sv.subject_staging SET name = 'x';
TRUNCATE sv.subject_staging;
INSERT INTO sv.subject_staging (loaded_by, source_record_id, uscc, name, region_code)
VALUES ('regress_rgi_feed', 'AMR-399', '91410402MA4RGK010N', 'planted', '410402');
SELECT * FROM sv.ingest_staged_count() ORDER BY kind;
RESET ROLE;
SELECT loaded_by, source_record_id, name FROM sv.subject_staging WHERE source_record_id = 'AMR-399';
-- it discards its own row only, and its staged call then takes nothing of the first one's rows
-- (a batch of no records)
SET ROLE regress_rgi_feed2;
SELECT sv.ingest_staged_discard('subject') AS discarded_by_feed2;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest_staged('RGI-HR', 'subject');
RESET ROLE;
SET ROLE regress_rgi_feed;
SELECT * FROM sv.ingest_staged_count() ORDER BY kind;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest_staged('RGI-AMR', 'subject');
SELECT max(id) AS subject_staged_batch FROM sv.ingest_batch WHERE source = 'RGI-AMR' \gset
-- lines count 1..n in load order; the record is kept without loaded_by and line
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject WHERE batch_id = :subject_staged_batch ORDER BY line;
SELECT line, record ->> 'uscc' AS uscc, record ? 'loaded_by' AS has_loaded_by, record ? 'line' AS has_line
FROM sv.ingest_reject WHERE batch_id = :subject_staged_batch ORDER BY line;
SELECT * FROM sv.ingest_staged_count() ORDER BY kind;
-- nothing left: a second call is a batch of no records
SELECT inserted, updated, unchanged, rejected FROM sv.ingest_staged('RGI-AMR', 'subject');
-- a load that went wrong is discarded instead of ingested: the caller's rows of that kind
SELECT pg_temp.stage_subjects() AS staged;
SELECT sv.ingest_staged_discard('inspector') AS discarded_inspectors;
SELECT sv.ingest_staged_discard('subject') AS discarded_subjects;
SELECT * FROM sv.ingest_staged_count() ORDER BY kind;
-- the same rows loaded again, through INSERT: unchanged or rejected, numbered 1..n again, and
-- the same digest as the COPY above (digest_seen_before in the list of batches below)
SELECT pg_temp.stage_subjects() AS staged;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest_staged('RGI-AMR', 'subject');
SELECT line, source_record_id, errcode FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGI-AMR') ORDER BY line;
RESET ROLE;
-- an administrator loads too, and discards its own rows (here of actions)
SET ROLE regress_rgi_admin;
INSERT INTO sv.action_staging (source_record_id, uscc) VALUES ('ACT-999', '91410402MA4RGK001Q');
SELECT * FROM sv.ingest_staged_count() ORDER BY kind;
SELECT sv.ingest_staged_discard('action') AS discarded_by_admin;
RESET ROLE;
SELECT count(*) AS staged_rows_left FROM sv.subject_staging WHERE loaded_by LIKE 'regress_rgi_%';
SELECT uscc, name, industry, address, public.ST_AsText(location) AS location, status, legal_rep, established_on, source_record_id
FROM sv.subject WHERE uscc::text IN ('91410402MA4RGK008E', '93410423MA4RGK005C', '91410402MA4RGK009H', '91410402MA4RGK0156')
ORDER BY uscc;

-- ---------------------------------------------------------------------------------------------
-- Inspectors (a second integration login, source RGI-HR)
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_rgi_feed2;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-HR', 'inspector', $j$[
  {"source_record_id": "HR-001", "certificate_no": " rgi-0001 ", "name": "王强", "department": "410400-MSA",
   "region_code": "410400", "specialties": "food,drugs", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-002", "certificate_no": "豫RGI-0002", "name": "刘洋", "department": "4",
   "region_code": "410402", "specialties": ["special_equipment", "food"], "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-003", "certificate_no": "RGI-0003", "name": "陈静", "department": "410400-HEALTH",
   "region_code": "410400", "specialties": "{food}", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-004", "certificate_no": "RGI-0004", "name": "赵磊", "department": "410400-MSA",
   "region_code": "410400", "valid_from": "2020-01-01", "valid_until": "2025-12-31"},
  {"source_record_id": "HR-005", "certificate_no": "RGI-0005", "name": "孙丽", "department": " 410400-MSA ",
   "region_code": "410422", "specialties": "food、drugs, food", "valid_from": "2023-01-01", "valid_until": "2028-12-31", "status": "active"},
  {"source_record_id": "HR-006", "name": "x", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-007", "certificate_no": "R!1", "name": "x", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-008", "certificate_no": "RGI-0010", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-009", "certificate_no": "RGI-0010", "name": "x", "department": "410400-XYZ", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-010", "certificate_no": "RGI-0010", "name": "x", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-011", "certificate_no": "RGI-0010", "name": "x", "department": "4", "region_code": "410499", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"certificate_no": "RGI-0010", "name": "x", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-013", "certificate_no": "RGI-0010", "name": "x", "department": "4", "region_code": "410400", "specialties": "x,Food,food", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-014", "certificate_no": "RGI-0010", "name": "x", "department": "4", "region_code": "410400", "valid_from": "2026-13-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-015", "certificate_no": "RGI-0010", "name": "x", "department": "4", "region_code": "410400", "valid_from": "2023-01-01"},
  {"source_record_id": "HR-016", "certificate_no": "RGI-0010", "name": "x", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2022-12-31"},
  {"source_record_id": "HR-017", "certificate_no": "RGI-0010", "name": "x", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31", "status": "fired"},
  {"source_record_id": "HR-018", "certificate_no": "RGI-0006", "name": "周一 (first)", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-018", "certificate_no": "rgi-0006", "name": "周一", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-020", "certificate_no": "RGI-0007", "name": "吴二 (wrong certificate)", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-020", "certificate_no": "RGI-0008", "name": "吴二", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-022", "certificate_no": "RGI-0010", "name": "x", "department": "4", "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31", "valid_to": "2028-12-31"}
]$j$);
SELECT max(id) AS inspector_batch FROM sv.ingest_batch WHERE source = 'RGI-HR' \gset
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject WHERE batch_id = :inspector_batch ORDER BY line;
-- the valid ones again (unchanged), one changed (updated), a record id that names another
-- inspector (23505)
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-HR', 'inspector', $j$[
  {"source_record_id": "HR-001", "certificate_no": "RGI-0001", "name": "王强", "department": "4",
   "region_code": "410400", "specialties": "{drugs,food}", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-002", "certificate_no": "豫RGI-0002", "name": "刘洋", "department": "410400-MSA",
   "region_code": "410402", "specialties": "food,special_equipment", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-003", "certificate_no": "RGI-0003", "name": "陈静", "department": "7",
   "region_code": "410400", "specialties": ["food"], "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-004", "certificate_no": "RGI-0004", "name": "赵磊", "department": "410400-MSA",
   "region_code": "410400", "valid_from": "2020-01-01", "valid_until": "2025-12-31", "status": "retired"},
  {"source_record_id": "HR-005", "certificate_no": "RGI-0009", "name": "孙丽 (another certificate)", "department": "4",
   "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"}
]$j$);
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGI-HR') ORDER BY line;
-- an unchanged record followed in the same batch by one of the same record id that is refused
-- (23505, the record id names another inspector) is not superseded by it: line 1 unchanged,
-- line 2 rejected (as for subjects above and for actions below)
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-HR', 'inspector', $j$[
  {"source_record_id": "HR-001", "certificate_no": "RGI-0001", "name": "王强", "department": "4",
   "region_code": "410400", "specialties": "{drugs,food}", "valid_from": "2023-01-01", "valid_until": "2028-12-31"},
  {"source_record_id": "HR-001", "certificate_no": "RGI-0009", "name": "王强 (another certificate)", "department": "4",
   "region_code": "410400", "valid_from": "2023-01-01", "valid_until": "2028-12-31"}
]$j$);
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGI-HR') ORDER BY line;
-- the staged path for inspectors (COPY); two of them suspended and revoked (for the actions below)
COPY sv.inspector_staging (source_record_id, certificate_no, name, department, region_code, specialties,
                           valid_from, valid_until, status) FROM STDIN WITH (FORMAT csv);
HR-030,RGI-0011,郑三,410400-MSA,410423,"{food,special_equipment}",2024-01-01,2029-12-31,
HR-031,RGI-0012,冯四,410400-MSA,410423,,2024-01-01,2029-02-29,
HR-032,RGI-0014,卫六,410400-MSA,410400,food,2023-01-01,2028-12-31,suspended
HR-033,RGI-0015,蒋七,4,410400,,2023-01-01,2028-12-31,revoked
\.
SELECT * FROM sv.ingest_staged_count() ORDER BY kind;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest_staged('RGI-HR', 'inspector');
SELECT line, source_record_id, errcode, reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGI-HR') ORDER BY line;
RESET ROLE;
SELECT certificate_no, name, department_id, region_code, specialties, valid_from, valid_until, status, source_record_id
FROM sv.inspector WHERE source_system = 'RGI-HR' ORDER BY certificate_no;

-- ---------------------------------------------------------------------------------------------
-- Actions: a check item of a release in force on the start day, two inspectors of the department
-- ---------------------------------------------------------------------------------------------
SELECT sv.catalog_item_save('RGI-MSA-001', 4, '对瑞格食品经营活动的监督检查', '双随机抽查', '现场检查', '食品经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "110"}]', 'city', 'city') > 0 AS saved;
SELECT sv.catalog_item_save('RGI-HEALTH-001', 7, '对瑞格公共场所卫生的监督检查', '双随机抽查', '现场检查', '公共场所经营者',
  '[{"law": "公共场所卫生管理条例"}]', 'city', 'city') > 0 AS saved;
SELECT sv.check_item_save('RGI-MSA-C01', 'RGI-MSA-001', 'city', '410400', 4, 'on_site', '经营场所与许可证载明一致', 'general') > 0 AS saved;
SELECT sv.check_item_save('RGI-HEALTH-C01', 'RGI-HEALTH-001', 'city', '410400', 7, 'on_site', '卫生许可证在有效期内', 'general') > 0 AS saved;
-- a county's check item (叶县): for subjects in that county only
SELECT sv.check_item_save('RGI-MSA-C02', 'RGI-MSA-001', 'county', '410422', 4, 'on_site', '食品进货查验记录齐全', 'general') > 0 AS saved;
SELECT sv.catalog_publish('RGI-SNAPSHOT', 'ingest regression: the rows of the backdated releases') AS snapshot_release \gset
-- sv.catalog_publish stamps now(): backdated releases (as superuser) so the action dates are
-- in the past, each holding the three check items as published
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RGI-2026-11', 'backdated', '2026-11-02 08:00+08', 'regress', 0, 3) RETURNING id AS release_2026 \gset
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RGI-2023-03', 'backdated', '2023-03-01 10:00+08', 'regress', 0, 3) RETURNING id AS release_2023 \gset
INSERT INTO sv.catalog_release_item (release_id, kind, code, item)
SELECT r.id, i.kind, i.code, i.item
FROM sv.catalog_release_item i, (VALUES (:release_2026), (:release_2023)) r(id)
WHERE i.release_id = :snapshot_release AND i.kind = 'check_item' AND i.code IN ('RGI-MSA-C01', 'RGI-MSA-C02', 'RGI-HEALTH-C01');
SELECT d, r.label FROM (VALUES (DATE '2026-11-02'), (DATE '2023-03-06')) v(d)
JOIN sv.catalog_release r ON r.id = sv.catalog_release_on(d) ORDER BY d;

SET ROLE regress_rgi_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-ACT', 'action', $j$[
  {"source_record_id": "ACT-001", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01",
   "department": "410400-MSA", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": ["RGI-0001", "豫RGI-0002"], "result": "no_problem"},
  {"source_record_id": "ACT-002", "uscc": "92410422ma4rgk004x", "kind": "penalty", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "rgi-0005、豫rgi-0002, RGI-0001", "result": "case_filed", "findings": "未亮照经营"},
  {"source_record_id": "ACT-003", "uscc": "93410423MA4RGK005C", "kind": "coercive_measure", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "{RGI-0001,RGI-0005}", "result": "rectification_ordered"},
  {"source_record_id": "ACT-003", "uscc": "93410423MA4RGK005C", "kind": "coercive_measure", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "{RGI-0001,RGI-0005}", "result": "problem_found", "findings": "查封过期蜂蜜"}
]$j$);
SELECT max(id) AS action_batch FROM sv.ingest_batch WHERE source = 'RGI-ACT' \gset
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject WHERE batch_id = :action_batch ORDER BY line;
-- the same batch again: unchanged
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-ACT', 'action', $j$[
  {"source_record_id": "ACT-001", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01",
   "department": "410400-MSA", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": ["RGI-0001", "豫RGI-0002"], "result": "no_problem"},
  {"source_record_id": "ACT-002", "uscc": "92410422ma4rgk004x", "kind": "penalty", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "rgi-0005、豫rgi-0002, RGI-0001", "result": "case_filed", "findings": "未亮照经营"},
  {"source_record_id": "ACT-003", "uscc": "93410423MA4RGK005C", "kind": "coercive_measure", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "{RGI-0001,RGI-0005}", "result": "rectification_ordered"},
  {"source_record_id": "ACT-003", "uscc": "93410423MA4RGK005C", "kind": "coercive_measure", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "{RGI-0001,RGI-0005}", "result": "problem_found", "findings": "查封过期蜂蜜"}
]$j$);
-- every rule of an action as a reject reason (line 27: a subject in the county of a county's
-- check item passes the region rule and fails the next one)
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-ACT', 'action', $j$[
  {"uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-102", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-103", "uscc": "91410402MA4RGK001X", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-104", "uscc": "91410402MA4RGK010N", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-105", "uscc": "91410402MA4RGK001Q", "kind": "audit", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-106", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "410400-XYZ", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-107", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-31", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-108", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-109", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-03", "ended_on": "2026-11-02", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-110", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2999-01-01", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-111", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-112", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "1901-01-02", "ended_on": "1901-01-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-113", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C99", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-114", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-HEALTH-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-115", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "fine"},
  {"source_record_id": "ACT-116", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001", "result": "no_problem"},
  {"source_record_id": "ACT-117", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001, rgi-0001", "result": "no_problem"},
  {"source_record_id": "ACT-118", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-9999,RGI-9998", "result": "no_problem"},
  {"source_record_id": "ACT-119", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0003", "result": "no_problem"},
  {"source_record_id": "ACT-120", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0004", "result": "no_problem"},
  {"source_record_id": "ACT-121", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "1900-03-06", "ended_on": "1900-03-07", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-001", "uscc": "92410422MA4RGK004X", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-123", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem", "inspector": "RGI-0002"},
  {"source_record_id": "ACT-124", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C02", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"},
  {"source_record_id": "ACT-125", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0014", "result": "no_problem"},
  {"source_record_id": "ACT-126", "uscc": "91410402MA4RGK001Q", "kind": "penalty", "check_item": "RGI-MSA-C01", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0015,RGI-0014,RGI-0001", "result": "case_filed"},
  {"source_record_id": "ACT-127", "uscc": "92410422MA4RGK004X", "kind": "inspection", "check_item": "RGI-MSA-C02", "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "fine"}
]$j$);
SELECT max(id) AS action_reject_batch FROM sv.ingest_batch WHERE source = 'RGI-ACT' \gset
SELECT line, source_record_id, errcode, regexp_replace(reason, 'action [0-9]+ ', 'action <id> ') AS reason, detail
FROM sv.ingest_reject WHERE batch_id = :action_reject_batch ORDER BY line;
-- the action a record id already names is the one shown
SELECT r.reason ~ ('already names action ' || a.id || ' of subject ' || a.uscc::text || '$') AS names_act_001
FROM sv.ingest_reject r, sv.action a
WHERE r.batch_id = :action_reject_batch AND r.line = 22 AND a.source_system = 'RGI-ACT' AND a.source_record_id = 'ACT-001';

-- a record whose record id names an action of another subject does not supersede the earlier one
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-ACT', 'action', $j$[
  {"source_record_id": "ACT-001", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01",
   "department": "410400-MSA", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": ["RGI-0001", "豫RGI-0002"], "result": "no_problem"},
  {"source_record_id": "ACT-001", "uscc": "92410422MA4RGK004X", "kind": "inspection", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03", "inspectors": "RGI-0001,RGI-0005", "result": "no_problem"}
]$j$);
SELECT line, source_record_id, errcode, regexp_replace(reason, 'action [0-9]+ ', 'action <id> ') AS reason FROM sv.ingest_reject
WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGI-ACT') ORDER BY line;
-- the same reason as a single sv.action_record
SELECT c.line, t.errcode, regexp_replace(t.message, 'action [0-9]+ ', 'action <id> ') AS message,
       r.errcode = t.errcode AS same_sqlstate, r.reason = t.message AS same_reason
FROM (VALUES
  (9, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C01', 4, '2026-11-03', '2026-11-02', '{RGI-0001,RGI-0005}', 'no_problem', NULL, 'RGI-ACT', 'ACT-109')$$),
  (12, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C01', 4, '1901-01-02', '1901-01-03', '{RGI-0001,RGI-0005}', 'no_problem', NULL, 'RGI-ACT', 'ACT-112')$$),
  (13, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C99', 4, '2026-11-02', '2026-11-03', '{RGI-0001,RGI-0005}', 'no_problem', NULL, 'RGI-ACT', 'ACT-113')$$),
  (14, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-HEALTH-C01', 4, '2026-11-02', '2026-11-03', '{RGI-0001,RGI-0005}', 'no_problem', NULL, 'RGI-ACT', 'ACT-114')$$),
  (16, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C01', 4, '2026-11-02', '2026-11-03', '{RGI-0001}', 'no_problem', NULL, 'RGI-ACT', 'ACT-116')$$),
  (18, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C01', 4, '2026-11-02', '2026-11-03', '{RGI-0001,RGI-9999,RGI-9998}', 'no_problem', NULL, 'RGI-ACT', 'ACT-118')$$),
  (19, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C01', 4, '2026-11-02', '2026-11-03', '{RGI-0001,RGI-0003}', 'no_problem', NULL, 'RGI-ACT', 'ACT-119')$$),
  (20, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C01', 4, '2026-11-02', '2026-11-03', '{RGI-0001,RGI-0004}', 'no_problem', NULL, 'RGI-ACT', 'ACT-120')$$),
  (21, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C01', 4, '1900-03-06', '1900-03-07', '{RGI-0001,RGI-0005}', 'no_problem', NULL, 'RGI-ACT', 'ACT-121')$$),
  (22, $$sv.action_record('92410422MA4RGK004X', 'inspection', 'RGI-MSA-C01', 4, '2026-11-02', '2026-11-03', '{RGI-0001,RGI-0005}', 'no_problem', NULL, 'RGI-ACT', 'ACT-001')$$),
  (24, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C02', 4, '2026-11-02', '2026-11-03', '{RGI-0001,RGI-0005}', 'no_problem', NULL, 'RGI-ACT', 'ACT-124')$$),
  (25, $$sv.action_record('91410402MA4RGK001Q', 'inspection', 'RGI-MSA-C01', 4, '2026-11-02', '2026-11-03', '{RGI-0001,RGI-0014}', 'no_problem', NULL, 'RGI-ACT', 'ACT-125')$$),
  (26, $$sv.action_record('91410402MA4RGK001Q', 'penalty', 'RGI-MSA-C01', 4, '2026-11-02', '2026-11-03', '{RGI-0015,RGI-0014,RGI-0001}', 'case_filed', NULL, 'RGI-ACT', 'ACT-126')$$)
) c(line, call)
CROSS JOIN LATERAL pg_temp.try('SELECT ' || c.call) t
JOIN sv.ingest_reject r ON r.batch_id = :action_reject_batch AND r.line = c.line
ORDER BY c.line;

-- a published result is not changed; the same record again is unchanged, another one updated
SELECT sv.action_publish(uscc::text, id) IS NOT NULL AS published
FROM sv.action WHERE source_system = 'RGI-ACT' AND source_record_id = 'ACT-002';
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-ACT', 'action', $j$[
  {"source_record_id": "ACT-001", "uscc": "91410402MA4RGK001Q", "kind": "inspection", "check_item": "RGI-MSA-C01",
   "department": "410400-MSA", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": ["RGI-0001", "豫RGI-0002"], "result": "problem_found", "findings": "冷库温度记录缺失"},
  {"source_record_id": "ACT-002", "uscc": "92410422MA4RGK004X", "kind": "penalty", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "RGI-0001,RGI-0005,豫RGI-0002", "result": "case_filed", "findings": "未亮照经营, 已罚款"},
  {"source_record_id": "ACT-003", "uscc": "93410423MA4RGK005C", "kind": "coercive_measure", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "{RGI-0001,RGI-0005}", "result": "problem_found", "findings": "查封过期蜂蜜"}
]$j$);
SELECT line, source_record_id, errcode,
       regexp_replace(reason, 'action [0-9]+ was published at [0-9 :.+-]+:', 'action <id> was published at <time>:') AS reason
FROM sv.ingest_reject WHERE batch_id = (SELECT max(id) FROM sv.ingest_batch WHERE source = 'RGI-ACT') ORDER BY line;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGI-ACT', 'action', $j$[
  {"source_record_id": "ACT-002", "uscc": "92410422MA4RGK004X", "kind": "penalty", "check_item": "RGI-MSA-C01",
   "department": "4", "started_on": "2026-11-02", "ended_on": "2026-11-03",
   "inspectors": "RGI-0001,RGI-0005,豫RGI-0002", "result": "case_filed", "findings": "未亮照经营"}
]$j$);
RESET ROLE;
SELECT a.uscc, a.source_record_id, a.kind, a.check_item_code, r.label AS release, a.department_id, a.region_code,
       a.started_on, a.ended_on, a.inspectors, a.result, a.findings, a.publication_due, a.published_at IS NOT NULL AS published
FROM sv.action a JOIN sv.catalog_release r ON r.id = a.release_id
WHERE a.source_system = 'RGI-ACT' ORDER BY a.source_record_id;
SELECT a.source_record_id, a.publication_due = sv.add_workdays(a.ended_on, 20) AS due_in_20_workdays
FROM sv.action a WHERE a.source_system = 'RGI-ACT' ORDER BY a.source_record_id;

-- ---------------------------------------------------------------------------------------------
-- The batches: counts, digest, path; one audit record each
-- ---------------------------------------------------------------------------------------------
SELECT row_number() OVER (ORDER BY id) AS n, source, kind, path, received_by, records, inserted, updated, unchanged,
       rejected, digest IS NOT NULL AS has_digest,
       EXISTS (SELECT 1 FROM sv.ingest_batch e WHERE e.source = b.source AND e.kind = b.kind AND e.path = b.path
                                                AND e.id < b.id AND e.digest = b.digest) AS digest_seen_before,
       records = inserted + updated + unchanged + rejected AS adds_up
FROM sv.ingest_batch b WHERE source LIKE 'RGI-%' ORDER BY id;
-- every reject row belongs to a batch of this test and the counts agree
SELECT b.source, b.kind, sum(b.rejected) AS rejected_counted,
       (SELECT count(*) FROM sv.ingest_reject r WHERE r.source = b.source AND r.kind = b.kind) AS reject_rows
FROM sv.ingest_batch b WHERE b.source LIKE 'RGI-%' GROUP BY b.source, b.kind ORDER BY b.source, b.kind;
SELECT row_number() OVER (ORDER BY b.id) AS n, count(a.seq) AS audit_records, min(a.action) AS action,
       min(a.actor_role) AS actor_role, min(a.change::jsonb ->> 'source') AS source, min(a.change::jsonb ->> 'kind') AS kind, min(a.change::jsonb ->> 'path') AS path,
       min(a.change::jsonb ->> 'records') AS records, min(a.change::jsonb ->> 'inserted') AS inserted,
       min(a.change::jsonb ->> 'updated') AS updated, min(a.change::jsonb ->> 'unchanged') AS unchanged,
       min(a.change::jsonb ->> 'rejected') AS rejected, bool_and(a.change::jsonb ->> 'sha256' = encode(b.digest, 'hex')) AS sha256_ok,
       bool_and(a.department_id IS NULL) AS platform_wide
FROM sv.ingest_batch b LEFT JOIN sv.audit_log a ON a.object_kind = 'ingest_batch' AND a.object_id = b.id::text
WHERE b.source LIKE 'RGI-%' GROUP BY b.id ORDER BY b.id;
-- ingest writes the batch record, not one record per subject, inspector or action
SELECT count(*) AS per_record_audit FROM sv.audit_log
WHERE (object_kind = 'subject' AND object_id LIKE '9_4104__MA4RGK%') OR (object_kind = 'inspector' AND object_id LIKE '%RGI-%')
   OR (object_kind = 'action' AND object_id LIKE '9_4104__MA4RGK%' AND action <> 'publish');

-- ---------------------------------------------------------------------------------------------
-- Batches and rejects under RLS: a loader sees its own; administrators and auditors all
-- ---------------------------------------------------------------------------------------------
SET ROLE regress_rgi_feed;
SELECT source, kind, path, count(*) AS batches, sum(rejected) AS rejected FROM sv.ingest_batch GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT source, kind, count(*) AS rejects FROM sv.ingest_reject GROUP BY 1, 2 ORDER BY 1, 2;
RESET ROLE;
SET ROLE regress_rgi_feed2;
SELECT source, kind, path, count(*) AS batches, sum(rejected) AS rejected FROM sv.ingest_batch GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT source, kind, count(*) AS rejects FROM sv.ingest_reject GROUP BY 1, 2 ORDER BY 1, 2;
RESET ROLE;
SET ROLE regress_rgi_admin;
SELECT source, kind, received_by, count(*) AS batches FROM sv.ingest_batch WHERE source LIKE 'RGI-%' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT source, kind, count(*) AS rejects FROM sv.ingest_reject WHERE source LIKE 'RGI-%' GROUP BY 1, 2 ORDER BY 1, 2;
RESET ROLE;
SET ROLE regress_rgi_auditor;
SELECT source, kind, received_by, count(*) AS batches FROM sv.ingest_batch WHERE source LIKE 'RGI-%' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT source, kind, count(*) AS rejects FROM sv.ingest_reject WHERE source LIKE 'RGI-%' GROUP BY 1, 2 ORDER BY 1, 2;
-- auditors read, but do not load
INSERT INTO sv.subject_staging (uscc) VALUES ('91410402MA4RGK010N');
RESET ROLE;
SET ROLE regress_rgi_officer;
SELECT count(*) FROM sv.ingest_batch;
SELECT count(*) FROM sv.ingest_reject;
SELECT count(*) FROM sv.subject_staging;
RESET ROLE;
SET ROLE regress_rgi_public;
SELECT count(*) FROM sv.ingest_batch;
RESET ROLE;
-- nobody writes the batch tables directly
SET ROLE regress_rgi_feed;
INSERT INTO sv.ingest_batch (source, kind, path, received_at, received_by) VALUES ('RGI-AMR', 'subject', 'json', now(), 'x');
DELETE FROM sv.ingest_reject;
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- Clean-up (as superuser; the platform itself deletes none of these): the actions, all three
-- releases of this test (so later tests see the catalogue in force as before), the subjects,
-- inspectors, staged rows, batches and rejects go; the check items and catalogue items are
-- withdrawn.  Only the audit records (an append-only chain) stay.
-- ---------------------------------------------------------------------------------------------
DELETE FROM sv.action WHERE source_system = 'RGI-ACT' OR uscc::text LIKE '9_4104__MA4RGK%';
BEGIN;  -- (test clean-up only: releases refuse DELETE, whatever the session's replication role)
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.catalog_release_item WHERE release_id IN (:release_2026, :release_2023, :snapshot_release);
DELETE FROM sv.catalog_release WHERE id IN (:release_2026, :release_2023, :snapshot_release);
CALL sv._append_only_enforce();
COMMIT;
DELETE FROM sv.subject WHERE source_system IN ('RGI-AMR', 'RGI-HR') OR uscc::text LIKE '9_4104__MA4RGK%';
DELETE FROM sv.inspector WHERE source_system = 'RGI-HR' OR certificate_no LIKE '%RGI-%';
DELETE FROM sv.subject_staging WHERE loaded_by LIKE 'regress_rgi_%';
DELETE FROM sv.inspector_staging WHERE loaded_by LIKE 'regress_rgi_%';
DELETE FROM sv.action_staging WHERE loaded_by LIKE 'regress_rgi_%';
DELETE FROM sv.ingest_reject WHERE source LIKE 'RGI-%' OR received_by LIKE 'regress_rgi_%';
DELETE FROM sv.ingest_batch WHERE source LIKE 'RGI-%' OR received_by LIKE 'regress_rgi_%';
SELECT count(sv.check_item_withdraw(code, 'regression test finished')) AS check_items_withdrawn
FROM (VALUES ('RGI-MSA-C01'), ('RGI-MSA-C02'), ('RGI-HEALTH-C01')) c(code);
SELECT count(sv.catalog_item_withdraw(code, 'regression test finished')) AS catalog_items_withdrawn
FROM (VALUES ('RGI-MSA-001'), ('RGI-HEALTH-001')) c(code);
SELECT (SELECT count(*) FROM sv.subject WHERE uscc::text LIKE '9_4104__MA4RGK%' OR name = 'planted') AS subjects_left,
       (SELECT count(*) FROM sv.inspector WHERE certificate_no LIKE '%RGI-%') AS inspectors_left,
       (SELECT count(*) FROM sv.action WHERE source_system LIKE 'RGI-%') AS actions_left,
       (SELECT count(*) FROM sv.catalog_release WHERE label LIKE 'RGI-%') AS releases_left,
       (SELECT count(*) FROM sv.catalog_item WHERE code LIKE 'RGI-%') AS catalog_items_left,
       (SELECT count(*) FROM sv.check_item WHERE code LIKE 'RGI-%') AS check_items_left,
       (SELECT count(*) FROM sv.subject_staging WHERE loaded_by LIKE 'regress_rgi_%')
         + (SELECT count(*) FROM sv.inspector_staging WHERE loaded_by LIKE 'regress_rgi_%')
         + (SELECT count(*) FROM sv.action_staging WHERE loaded_by LIKE 'regress_rgi_%') AS staged_left,
       (SELECT count(*) FROM sv.ingest_batch WHERE source LIKE 'RGI-%' OR received_by LIKE 'regress_rgi_%') AS batches_left,
       (SELECT count(*) FROM sv.ingest_reject WHERE source LIKE 'RGI-%' OR received_by LIKE 'regress_rgi_%') AS rejects_left,
       (SELECT count(*) FROM sv.staff WHERE role_name LIKE 'regress_rgi_%') AS staff_left;
DROP ROLE regress_rgi_feed, regress_rgi_feed2, regress_rgi_officer, regress_rgi_public, regress_rgi_admin, regress_rgi_auditor;
