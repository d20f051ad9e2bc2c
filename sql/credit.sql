-- Credit supervision, first part: events, immutable models, the explained score and class
-- (hand-computed below), hard rules, and every error.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

CREATE ROLE regress_crd_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_crd_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_crd_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_crd_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_crd_officer', 4, '410400') > 0 AS mapped;
SELECT inserted FROM sv.ingest('RGC-AMR', 'subject', jsonb_build_array(
  jsonb_build_object('source_record_id', 'RGC-1', 'uscc', '91410402MA4RGC001' || sv.uscc_check_character('91410402MA4RGC001'),
                     'name', '信用测试企业一', 'region_code', '410402'),
  jsonb_build_object('source_record_id', 'RGC-2', 'uscc', '91410402MA4RGC002' || sv.uscc_check_character('91410402MA4RGC002'),
                     'name', '信用测试企业二', 'region_code', '410402')));
SELECT uscc::text AS c1 FROM sv.subject WHERE source_record_id = 'RGC-1' \gset
SELECT uscc::text AS c2 FROM sv.subject WHERE source_record_id = 'RGC-2' \gset

-- the C core: contributions w x 2^(-age / half-life), rounded to 0.01; classes by thresholds
SELECT * FROM sv._credit_compute('{12, -2}', '{184, 365}', 365, '{95, 85, 70}');
SELECT * FROM sv._credit_compute('{}', '{}', 365, '{95, 85, 70}');
SELECT * FROM sv._credit_compute('{40}', '{0}', 365, '{95, 85, 70}');
SELECT * FROM sv._credit_compute('{1}', '{1, 2}', 365, '{95, 85, 70}');
SELECT * FROM sv._credit_compute('{1}', '{1}', 0, '{95, 85, 70}');
SELECT * FROM sv._credit_compute('{1}', '{1}', 365, '{70, 85, 95}');

-- models: checked, immutable, one current
SET ROLE regress_crd_admin;
SELECT sv.credit_model_save('x y', '{}', 365, '{"A": 95, "B": 85, "C": 70}');
SELECT sv.credit_model_save('RGC-V1', '[]', 365, '{"A": 95, "B": 85, "C": 70}');
SELECT sv.credit_model_save('RGC-V1', '{"bribery": 3}', 365, '{"A": 95, "B": 85, "C": 70}');
SELECT sv.credit_model_save('RGC-V1', '{"commendation": "2"}', 365, '{"A": 95, "B": 85, "C": 70}');
SELECT sv.credit_model_save('RGC-V1', '{}', 0, '{"A": 95, "B": 85, "C": 70}');
SELECT sv.credit_model_save('RGC-V1', '{}', 365, '{"A": 85, "B": 95, "C": 70}');
SELECT sv.credit_model_save('RGC-V1', '{}', 365, '{"A": 95, "B": 85}');
SELECT sv.credit_model_save('RGC-V1', '{}', 365, '{"A": 95, "B": 85, "C": 70}', '{"serious_dishonesty": "E"}');
SELECT sv.credit_model_save('RGC-V1', '{"administrative_penalty": 4, "abnormal_operation": 3, "serious_dishonesty": 10,
  "substantiated_complaint": 1, "failed_inspection": 2, "overdue_annual_report": 1, "commendation": -2}', 365,
  '{"A": 95, "B": 85, "C": 70}', '{"serious_dishonesty": "D"}', make_current => true) AS saved;
SELECT sv.credit_model_save('RGC-V1', '{}', 365, '{"A": 95, "B": 85, "C": 70}');
SELECT sv.credit_model_save('RGC-V2', '{"administrative_penalty": 4}', 30, '{"A": 95, "B": 85, "C": 70}') AS saved;
RESET ROLE;
UPDATE sv.credit_model SET half_life_days = 10 WHERE label = 'RGC-V1';
DELETE FROM sv.credit_model WHERE label = 'RGC-V1';
SET ROLE regress_crd_officer;
SELECT sv.credit_model_save('RGC-V3', '{}', 365, '{"A": 95, "B": 85, "C": 70}');
SELECT sv.credit_model_set_current('RGC-V2');
RESET ROLE;
SELECT label, is_current FROM sv.credit_model WHERE label LIKE 'RGC-%' ORDER BY label;

-- events: every argument checked
SET ROLE regress_crd_feed;
SELECT sv.credit_event_record('91410400MA44L0X1Q9', 'administrative_penalty', 3, 'city', '2026-05-27', 'R1');
SELECT sv.credit_event_record('91410402MA4RGC009' || sv.uscc_check_character('91410402MA4RGC009'), 'administrative_penalty', 3, 'city', '2026-05-27', 'R1');
SELECT sv.credit_event_record(:'c1', 'bribery', 3, 'city', '2026-05-27', 'R1');
SELECT sv.credit_event_record(:'c1', 'administrative_penalty', 6, 'city', '2026-05-27', 'R1');
SELECT sv.credit_event_record(:'c1', 'administrative_penalty', 3, 'county', '2026-05-27', 'R1');
SELECT sv.credit_event_record(:'c1', 'administrative_penalty', 3, 'city', '2099-01-01', 'R1');
SELECT sv.credit_event_record(:'c1', 'administrative_penalty', 3, 'city', '2026-05-27', ' ');
SELECT sv.credit_event_record(:'c1', 'administrative_penalty', 3, 'city', '2026-05-27', 'R1', valid_until => '2026-01-01');
SELECT sv.credit_event_record(:'c1', 'administrative_penalty', 3, 'city', '2026-05-27', 'R1', department_id => 99);
-- a penalty (3 x 4 = 12 points) and a commendation (-2), then the same penalty again
SELECT sv.credit_event_record(:'c1', 'administrative_penalty', 3, 'city', '2026-05-27', '平市监罚〔2026〕12号', department_id => 4,
                              penalty_types => '{warning,fine}', fine_amount => 20000) > 0 AS penalty,
       sv.credit_event_record(:'c1', 'commendation', 1, 'city', '2025-11-27', '平政表〔2025〕1号') > 0 AS commendation;
SELECT sv.credit_event_record(:'c1', 'administrative_penalty', 3, 'city', '2026-05-27', '平市监罚〔2026〕12号', penalty_types => '{fine}', fine_amount => 1);
RESET ROLE;
SET ROLE regress_crd_officer;
SELECT sv.credit_event_record(:'c1', 'failed_inspection', 1, 'city', '2026-05-27', 'R2');
RESET ROLE;

-- the score on 2026-11-27 (Shanghai): penalty 12 x 2^(-184/365) = 8.46, commendation
-- -2 x 2^(-365/365) = -1.00, so 100 - 7.46 = 92.54: class B (A from 95, B from 85)
SET ROLE regress_crd_officer;
SELECT score, class, model_label FROM sv.credit_score(:'c1', '2026-11-27 12:00+08', 'RGC-V1');
SELECT e ->> 'kind' AS kind, e ->> 'points' AS points, e ->> 'age_days' AS age_days, e ->> 'contribution' AS contribution
FROM sv.credit_score(:'c1', '2026-11-27 12:00+08', 'RGC-V1') s, jsonb_array_elements(s.explanation -> 'events') e;
-- earlier: 2026-09-01 gives 100 - (12 x 2^(-97/365) - 2 x 2^(-279/365)) = 100 - (9.98 - 1.18) = 91.20
SELECT score, class FROM sv.credit_score(:'c1', '2026-09-01 12:00+08', 'RGC-V1');
-- before the commendation nothing counts: 100, class A
SELECT score, class, explanation -> 'events' AS events FROM sv.credit_score(:'c1', '2025-01-01 12:00+08', 'RGC-V1');
-- another model (half-life 30 days, commendations weigh nothing): 12 x 2^(-184/30) = 0.17
SELECT score, class FROM sv.credit_score(:'c1', '2026-11-27 12:00+08', 'RGC-V2');
-- the current model is used when none is named (RGC-V1 is current)
SELECT model_label FROM sv.credit_score(:'c2');
RESET ROLE;

-- a hard rule: on the serious dishonesty list the class is D whatever the score
SET ROLE regress_crd_feed;
SELECT sv.credit_event_record(:'c1', 'serious_dishonesty', 1, 'national', '2026-10-01', '失信〔2026〕1号', '2029-10-01') > 0 AS listed;
RESET ROLE;
SET ROLE regress_crd_officer;
SELECT score, class, explanation ->> 'class_by_score' AS by_score, explanation ->> 'forced_by' AS forced_by
FROM sv.credit_score(:'c1', '2026-11-27 12:00+08', 'RGC-V1');
-- before the listing the rule does not apply; after it expires neither
SELECT class FROM sv.credit_score(:'c1', '2026-09-30 12:00+08', 'RGC-V1');
SELECT class, explanation ->> 'forced_by' AS forced_by FROM sv.credit_score(:'c1', '2029-10-02 12:00+08', 'RGC-V1');
-- errors
SELECT * FROM sv.credit_score('x', now(), 'RGC-V1');
SELECT * FROM sv.credit_score(:'c1', NULL, 'RGC-V1');
SELECT * FROM sv.credit_score(:'c1', now(), 'RGC-NONE');
RESET ROLE;
-- classes are internal: not for the public portal
SET ROLE regress_crd_public;
SELECT * FROM sv.credit_score(:'c1');
SELECT count(*) FROM sv.credit_event;
RESET ROLE;
SELECT object_kind, action, object_id LIKE :'c1' || '/%' AS of_c1 FROM sv.audit_log
WHERE object_kind IN ('credit_event', 'credit_model') AND (object_id LIKE 'RGC-%' OR object_id LIKE :'c1' || '/%') ORDER BY seq;

-- rescoring stores the classes the draw reads, and one history row per subject and month
SET ROLE regress_crd_officer;
SELECT * FROM sv.credit_rescore();
SELECT * FROM sv.credit_rescore_all();
RESET ROLE;
SET ROLE regress_crd_feed;
SELECT * FROM sv.credit_rescore(ARRAY['x'], 'RGC-V1', '2026-11-27 12:00+08');
SELECT * FROM sv.credit_rescore(NULL, 'RGC-NONE', '2026-11-27 12:00+08');
SELECT * FROM sv.credit_rescore_all('RGC-NONE');
SELECT * FROM sv.credit_rescore(ARRAY[:'c1', :'c2'], 'RGC-V1', NULL);
SELECT * FROM sv.credit_rescore(ARRAY[:'c1', :'c2'], 'RGC-V1', '2026-09-01 12:00+08');
SELECT * FROM sv.credit_rescore(ARRAY[:'c1', :'c2'], 'RGC-V1', '2026-11-27 12:00+08');
SELECT * FROM sv.credit_rescore(ARRAY[:'c1', :'c2'], 'RGC-V1', '2026-11-27 12:00+08');
RESET ROLE;
-- c2 has no events: it stays unclassified; c1 is D (the listing) in November, B in September
SELECT k.uscc = :'c1' AS is_c1, k.class, k.source FROM sv.credit_class k WHERE k.uscc::text IN (:'c1', :'c2');
SELECT h.month, h.class, h.score, h.model FROM sv.credit_class_history h WHERE h.uscc::text IN (:'c1', :'c2') ORDER BY h.month;

-- clean up what later tests list (the models stay: they are kept for reproducing classes)
SET session_replication_role = replica;
DELETE FROM sv.credit_event WHERE uscc::text IN (:'c1', :'c2');
DELETE FROM sv.credit_class_history WHERE uscc::text IN (:'c1', :'c2');
DELETE FROM sv.credit_class WHERE uscc::text IN (:'c1', :'c2');
DELETE FROM sv.subject WHERE source_system = 'RGC-AMR';
UPDATE sv.credit_model SET is_current = false WHERE label LIKE 'RGC-%';
SET session_replication_role = DEFAULT;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN ('regress_crd_admin', 'regress_crd_feed', 'regress_crd_officer', 'regress_crd_public');
SET session_replication_role = DEFAULT;
DROP ROLE regress_crd_admin, regress_crd_feed, regress_crd_officer, regress_crd_public;
