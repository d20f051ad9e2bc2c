-- sv.region (GB/T 2260 and functional zones) and sv.department
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- Pingdingshan and everything under it.
SELECT code, name_zh, name_en, level, parent_code, is_gbt2260
FROM sv.region WHERE code = '410400' OR parent_code = '410400' ORDER BY code;
SELECT count(*) FILTER (WHERE level = 'county' AND parent_code = '410400') AS pingdingshan_counties,
       count(*) FILTER (WHERE level = 'zone') AS zones,
       count(*) FILTER (WHERE level = 'prefecture' AND parent_code = '410000') AS henan_prefectures
FROM sv.region;

-- Containment: reflexive, transitive, through functional zones; siblings are not within each other.
SELECT child, parent, sv.region_within(child, parent) AS within
FROM (VALUES ('410402', '410400'), ('410402', '410000'), ('410402', '100000'), ('410400', '410400'),
             ('410471', '410400'), ('410472', '410000'), ('410400', '410402'), ('410402', '410403'),
             ('410482', '410100'), ('419001', '410000'), ('419001', '410400')) v(child, parent);
SELECT sv.region_path('410423') AS lushan_path, sv.region_path('100000') AS root_path;

-- Unknown codes are errors, never false.
SELECT sv.region_within('410499', '410400');
SELECT sv.region_within('410402', '999999');
SELECT sv.region_path('abc');
SELECT sv.region_within(NULL, '410400') AS null_child, sv.region_within('410402', NULL) AS null_parent,
       sv.region_path(NULL) AS null_path;

-- The table's rules hold even for the owner.
INSERT INTO sv.region (code, name_zh, name_en, level, parent_code) VALUES ('41040', 'x', 'x', 'county', '410400');
INSERT INTO sv.region (code, name_zh, name_en, level, parent_code) VALUES ('410499', 'x', 'x', 'county', NULL);
INSERT INTO sv.region (code, name_zh, name_en, level, parent_code) VALUES ('410499', 'x', 'x', 'zone', '410400');
INSERT INTO sv.region (code, name_zh, name_en, level, parent_code) VALUES ('410499', 'x', 'x', 'county', '419999');
DELETE FROM sv.region WHERE code = '410400';
UPDATE sv.region SET code = '410401' WHERE code = '410400';
-- a leaf can be added and removed, and its parent chain is followed
BEGIN;
INSERT INTO sv.region (code, name_zh, name_en, level, parent_code) VALUES ('410499', '测试区', 'Test district', 'county', '410400');
SELECT sv.region_path('410499') AS added_leaf;
DELETE FROM sv.region WHERE code = '410499';
ROLLBACK;

-- Departments named in the city's plan.
SELECT id, code, name_zh, name_en, level, region_code FROM sv.department ORDER BY id;
SELECT count(*) AS departments, count(DISTINCT code) AS distinct_codes FROM sv.department;
INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code) VALUES (99, '410100-MSA', 'x', 'x', 'city', '410400');
INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code) VALUES (99, '410400-msa', 'x', 'x', 'city', '410400');

-- Administrators add reference data through the write API, inside their scope, audited.
\set SHOW_CONTEXT never
CREATE ROLE regress_ref_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_ref_officer LOGIN IN ROLE sv_officer;
SELECT sv.staff_add('regress_ref_admin', 1, '410400') IS NOT NULL AS mapped;
SET ROLE regress_ref_officer;
SELECT sv.region_add('410499', '测试区', 'Test District', 'county', '410400');
SELECT sv.department_add('410422-MSA', '叶县市场监督管理局', 'Ye County Market Supervision Administration', 'county', '410422');
RESET ROLE;
SET ROLE regress_ref_admin;
SELECT sv.region_add(NULL, 'x', 'x', 'county', '410400');
SELECT sv.region_add('41049', 'x', 'x', 'county', '410400');
SELECT sv.region_add('410499', ' ', 'x', 'county', '410400');
SELECT sv.region_add('410499', 'x', NULL, 'county', '410400');
SELECT sv.region_add('410499', 'x', 'x', 'country', '410400');
SELECT sv.region_add('410499', 'x', 'x', 'zone', '410400');
SELECT sv.region_add('410499', 'x', 'x', 'county', NULL);
SELECT sv.region_add('410499', 'x', 'x', 'county', '410498');
SELECT sv.region_add('410599', 'x', 'x', 'county', '410400');
SELECT sv.region_add('410402', 'x', 'x', 'county', '410400');
SELECT sv.region_add('410199', 'x', 'x', 'county', '410100');
SELECT sv.region_add('410405', 'x', 'x', 'prefecture', '410400');
SELECT sv.region_add('410473', '测试功能区', 'Test Zone', 'zone', '410400', false) AS zone_added;
SELECT sv.region_within('410473', '410400') AS zone_within_city;
SELECT sv.department_add(NULL, 'x', 'x', 'county', '410422');
SELECT sv.department_add('410422-msa', 'x', 'x', 'county', '410422');
SELECT sv.department_add('410422-MSA', '', 'x', 'county', '410422');
SELECT sv.department_add('410422-MSA', 'x', ' ', 'county', '410422');
SELECT sv.department_add('410422-MSA', 'x', 'x', 'town', '410422');
SELECT sv.department_add('410422-MSA', 'x', 'x', 'county', NULL);
SELECT sv.department_add('410422-MSA', 'x', 'x', 'county', '410498');
SELECT sv.department_add('410422-MSA', 'x', 'x', 'county', '410423');
SELECT sv.department_add('410400-MSA', 'x', 'x', 'city', '410400');
SELECT sv.department_add('410100-MSA', 'x', 'x', 'city', '410100');
SELECT sv.department_add('410422-MSA', '叶县市场监督管理局', 'Ye County Market Supervision Administration', 'county', '410422') AS new_department_id;
RESET ROLE;
SELECT id, code, name_zh, level, region_code, builtin FROM sv.department WHERE NOT builtin;
SELECT code, name_zh, level, parent_code, is_gbt2260, builtin FROM sv.region WHERE NOT builtin;
SELECT object_kind, object_id, action, actor_role FROM sv.audit_log WHERE object_kind IN ('region', 'department') ORDER BY seq;
SELECT count(sv.staff_end(id, 'regression test finished')) AS ended FROM sv.staff WHERE role_name = 'regress_ref_admin';
DROP ROLE regress_ref_admin, regress_ref_officer;
