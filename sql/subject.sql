-- Market subjects: the write API, kinds from the code, region scopes, the masked public view.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

CREATE ROLE regress_subj_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_subj_ye LOGIN IN ROLE sv_officer;
CREATE ROLE regress_subj_city LOGIN IN ROLE sv_officer;
CREATE ROLE regress_subj_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_subj_ye', 4, '410422') > 0 AS mapped, sv.staff_add('regress_subj_city', 4, '410400') > 0 AS mapped;

SET ROLE regress_subj_feed;
-- every field checked, with its name
SELECT sv.subject_save(NULL, 'n', '410422', 'AMR', '1');
SELECT sv.subject_save('91410400MA44L0X1Q9', 'n', '410422', 'AMR', '1');
SELECT sv.subject_save('91410400MA44L0X1Q8', ' ', '410422', 'AMR', '1');
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410499', 'AMR', '1');
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410422', '', '1');
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410422', 'AMR', NULL);
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410422', 'AMR', '1', industry => 'Z99');
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410422', 'AMR', '1', longitude => 113.3);
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410422', 'AMR', '1', longitude => 13.3, latitude => 33.7);
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410422', 'AMR', '1', status => 'closed');
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410422', 'AMR', '1', status => 'deregistered');
SELECT sv.subject_save('91410400MA44L0X1Q8', 'n', '410422', 'AMR', '1', established_on => '2020-01-01', deregistered_on => '2019-01-01', status => 'deregistered');
-- (this file looks at its own subjects only: other files may leave theirs)
\set own_subjects '(''91410400MA44L0X1Q8'', ''92410422MA3XKP8W17'', ''93410423MA9FT2B7X4'')'
SELECT count(*) AS subjects_after_errors FROM sv.subject WHERE uscc::text IN :own_subjects;

-- subjects in two counties; the kind follows the code
SELECT sv.subject_save(' 91410400ma44l0x1q8 ', '平顶山市鹰城食品有限公司', '410422', 'HN-AMR', 'HN-AMR-000101',
  industry => 'C1391', address => '叶县昆阳镇健康路18号', longitude => 113.357, latitude => 33.626,
  legal_rep => '王建国', established_on => '2019-05-20') AS saved;
SELECT sv.subject_save('92410422MA3XKP8W17', '叶县昆阳镇老李烩面馆', '410422', 'HN-AMR', 'HN-AMR-000103',
  industry => 'H62', legal_rep => '李明') AS saved;
SELECT sv.subject_save('93410423MA9FT2B7X4', '鲁山县尧山香菇种植专业合作社', '410423', 'HN-AMR', 'HN-AMR-000104',
  industry => 'A01', legal_rep => '赵' ) AS saved;
-- saving the same record again changes nothing; a change is an update of the same subject
SELECT sv.subject_save('91410400MA44L0X1Q8', '平顶山市鹰城食品有限公司', '410422', 'HN-AMR', 'HN-AMR-000101',
  industry => 'C1391', address => '叶县昆阳镇健康路18号', longitude => 113.357, latitude => 33.626,
  legal_rep => '王建国', established_on => '2019-05-20') AS unchanged;
SELECT sv.subject_save('91410400MA44L0X1Q8', '平顶山市鹰城食品有限公司', '410402', 'HN-AMR', 'HN-AMR-000101',
  industry => 'C1391', address => '新华区建设路1号', legal_rep => '王建国', established_on => '2019-05-20') AS moved;
RESET ROLE;
SELECT uscc, name, kind, industry, region_code, address, public.ST_AsText(location) AS location, status, legal_rep
FROM sv.subject WHERE uscc::text IN :own_subjects ORDER BY uscc;
SELECT object_id, action, change ->> 'legal_rep' AS legal_rep_audited FROM sv.audit_log WHERE object_kind = 'subject'
  AND object_id IN :own_subjects ORDER BY seq;

-- officials see the subjects of their region scope
SET ROLE regress_subj_ye;
SELECT uscc, region_name FROM sv_work.subject WHERE uscc::text IN :own_subjects ORDER BY uscc;
SELECT sv.subject_save('91410400MA44L0X1Q8', 'x', '410422', 'AMR', '1');
RESET ROLE;
SET ROLE regress_subj_city;
SELECT count(*) AS city_sees FROM sv_work.subject WHERE uscc::text IN :own_subjects;
RESET ROLE;
-- the public sees published fields, the legal representative masked
SET ROLE regress_subj_public;
SELECT uscc, name, kind, region_name, status, legal_rep FROM sv_public.subject WHERE uscc::text IN :own_subjects ORDER BY uscc;
SELECT count(*) FROM sv.subject;
RESET ROLE;
SELECT sv.mask_person_name('欧阳娜娜') AS four, sv.mask_person_name('王') AS one, sv.mask_person_name(NULL) AS none;
-- an officer cannot write subjects at all
SET ROLE regress_subj_ye;
INSERT INTO sv.subject (uscc, name, kind, region_code, status, source_system, source_record_id, received_at, updated_at)
VALUES ('91410482MA3K1U6HXY', 'x', 'enterprise', '410482', 'operating', 'x', 'x', now(), now());
RESET ROLE;

SELECT count(sv.staff_end(id, 'regression test finished')) AS ended FROM sv.staff WHERE role_name LIKE 'regress_subj_%';
DROP ROLE regress_subj_feed, regress_subj_ye, regress_subj_city, regress_subj_public;
