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
