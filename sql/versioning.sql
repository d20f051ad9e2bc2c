-- System versioning of the catalogue (C trigger) and sv.as_of.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- Each statement below runs in its own transaction, so each has its own transaction time.
INSERT INTO sv.catalog_item (code, department_id, main_name, method, measures, objects, legal_basis, level, source)
VALUES ('410400-MSA-001', 4, '食品生产许可事项的监督检查', '双随机抽查', '现场检查', '食品生产企业',
        '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'national', 'national');
SELECT id AS item_id FROM sv.catalog_item WHERE code = '410400-MSA-001' \gset
SELECT upper_inf(sys_period) AS current_open, lower(sys_period) <= now() AS started FROM sv.catalog_item WHERE code = '410400-MSA-001';
SELECT count(*) AS history_rows FROM sv.catalog_item_history WHERE code LIKE '410400-MSA-%';
SELECT now() AS t_created \gset

-- an update moves the old version to history, closed when the new one starts
UPDATE sv.catalog_item SET measures = '现场检查、抽样检验' WHERE id = :item_id;
SELECT now() AS t_updated \gset
SELECT h.measures AS old_measures, c.measures AS new_measures,
       upper(h.sys_period) = lower(c.sys_period) AS contiguous, NOT upper_inf(h.sys_period) AS history_closed
FROM sv.catalog_item_history h, sv.catalog_item c WHERE h.id = c.id AND c.code = '410400-MSA-001';

-- two updates in one transaction leave one history version, not an empty one
BEGIN;
UPDATE sv.catalog_item SET process = '制定计划、实施检查、公示结果' WHERE id = :item_id;
UPDATE sv.catalog_item SET result = '检查结果按规定公示' WHERE id = :item_id;
COMMIT;
SELECT count(*) AS history_rows, count(*) FILTER (WHERE isempty(sys_period)) AS empty_periods
FROM sv.catalog_item_history WHERE code LIKE '410400-MSA-%';
SELECT now() AS t_second_update \gset

-- as_of: the rows as they were
SELECT measures, process FROM sv.as_of(NULL::sv.catalog_item, :'t_created') WHERE code LIKE '410400-MSA-%';
SELECT measures, process FROM sv.as_of(NULL::sv.catalog_item, :'t_updated') WHERE code LIKE '410400-MSA-%';
SELECT measures, process, result FROM sv.as_of(NULL::sv.catalog_item, :'t_second_update') WHERE code LIKE '410400-MSA-%';
SELECT count(*) AS before_it_existed FROM sv.as_of(NULL::sv.catalog_item, '2020-01-01') WHERE code LIKE '410400-MSA-%';

-- a sub-item, a check item, and a delete (the deleted version stays in history)
INSERT INTO sv.catalog_item (code, parent_id, department_id, main_name, sub_name, method, measures, objects, legal_basis, level, source)
VALUES ('410400-MSA-001-01', :item_id, 4, '食品生产许可事项的监督检查', '食品添加剂生产', '双随机抽查', '现场检查',
        '食品添加剂生产企业', '[]', 'national', 'national');
INSERT INTO sv.check_item (code, catalog_item_id, level, region_code, department_id, check_method, content, kind, legal_basis)
VALUES ('410422-MSA-C001', :item_id, 'county', '410422', 4, 'on_site', '生产许可条件保持情况', 'general', '[]');
SELECT now() AS t_with_sub \gset
DELETE FROM sv.catalog_item WHERE code = '410400-MSA-001-01';
SELECT count(*) AS current_items FROM sv.catalog_item WHERE code LIKE '410400-MSA-%';
SELECT code, sub_name, NOT upper_inf(sys_period) AS closed FROM sv.catalog_item_history WHERE code = '410400-MSA-001-01';
SELECT code FROM sv.as_of(NULL::sv.catalog_item, :'t_with_sub') WHERE code LIKE '410400-MSA-%' ORDER BY code;
SELECT code, kind FROM sv.as_of(NULL::sv.check_item, :'t_with_sub') WHERE code = '410422-MSA-C001';
-- a row inserted and deleted in one transaction never existed for anyone else: no history
BEGIN;
INSERT INTO sv.catalog_item (code, department_id, main_name, method, measures, objects, legal_basis, level, source)
VALUES ('410400-MSA-TMP', 4, '临时', '抽查', '检查', '企业', '[]', 'city', 'city');
DELETE FROM sv.catalog_item WHERE code = '410400-MSA-TMP';
COMMIT;
SELECT count(*) AS tmp_history FROM sv.catalog_item_history WHERE code = '410400-MSA-TMP';

-- whatever a writer puts in sys_period, the trigger sets it
UPDATE sv.catalog_item SET sys_period = tstzrange('2000-01-01', '2001-01-01'), objects = '食品生产企业(含小作坊)'
WHERE id = :item_id;
SELECT lower(sys_period) > '2020-01-01' AS period_set_by_trigger, upper_inf(sys_period) AS open FROM sv.catalog_item WHERE id = :item_id;
-- the periods of one item never overlap, and cover its life without gaps
SELECT count(*) AS versions,
       bool_and(upper(p) = lead_lower OR lead_lower IS NULL) AS no_gaps,
       bool_and(NOT isempty(p)) AS none_empty
FROM (SELECT sys_period AS p, lead(lower(sys_period)) OVER (ORDER BY lower(sys_period)) AS lead_lower
      FROM (SELECT sys_period FROM sv.catalog_item WHERE id = :item_id
            UNION ALL SELECT sys_period FROM sv.catalog_item_history WHERE id = :item_id) a) s;

-- a row that arrives with a period not starting now (a restore, a migration) keeps it
INSERT INTO sv.catalog_item (code, department_id, main_name, method, measures, objects, legal_basis, level, source, sys_period)
VALUES ('410400-MSA-RESTORED', 4, '恢复的事项', '抽查', '检查', '企业', '[]', 'city', 'city', tstzrange('2026-03-01 08:00+08', NULL));
SELECT lower(sys_period) = '2026-03-01 08:00+08' AS period_kept FROM sv.catalog_item WHERE code = '410400-MSA-RESTORED';
SELECT count(*) AS visible_in_april FROM sv.as_of(NULL::sv.catalog_item, '2026-04-01') WHERE code = '410400-MSA-RESTORED';
-- a sub-item may arrive before its main item within a transaction (restores load rows in any
-- order): the check runs at commit
BEGIN;
INSERT INTO sv.catalog_item (id, code, parent_id, department_id, main_name, sub_name, method, measures, objects, legal_basis, level, source)
  OVERRIDING SYSTEM VALUE VALUES (9001, '410400-MSA-SUB-FIRST', 9000, 4, 'm', 's', 'x', 'x', 'x', '[]', 'city', 'city');
INSERT INTO sv.catalog_item (id, code, department_id, main_name, method, measures, objects, legal_basis, level, source)
  OVERRIDING SYSTEM VALUE VALUES (9000, '410400-MSA-MAIN-LATER', 4, 'm', 'x', 'x', 'x', '[]', 'city', 'city');
COMMIT;
SELECT code, parent_id FROM sv.catalog_item WHERE id IN (9000, 9001) ORDER BY id;

-- errors
INSERT INTO sv.catalog_item (code, parent_id, department_id, main_name, sub_name, method, measures, objects, legal_basis, level, source)
VALUES ('410400-MSA-999', 999999, 4, 'x', 'x', 'x', 'x', 'x', '[]', 'city', 'city');
INSERT INTO sv.catalog_item (code, parent_id, department_id, main_name, sub_name, method, measures, objects, legal_basis, level, source)
VALUES ('410400-MSA-001-02', :item_id, 4, 'x', 'y', 'x', 'x', 'x', '[]', 'city', 'city');
-- (these two name item ids, which depend on the tests before: SQLSTATEs only)
\set VERBOSITY sqlstate
INSERT INTO sv.catalog_item (code, parent_id, department_id, main_name, sub_name, method, measures, objects, legal_basis, level, source)
SELECT '410400-MSA-001-02-01', id, 4, 'x', 'z', 'x', 'x', 'x', '[]', 'city', 'city' FROM sv.catalog_item WHERE code = '410400-MSA-001-02';
DELETE FROM sv.catalog_item WHERE id = :item_id;
\set VERBOSITY default
-- (that one fails on its check item first; this main item has a sub-item and nothing else)
DELETE FROM sv.catalog_item WHERE code = '410400-MSA-MAIN-LATER';
DELETE FROM sv.catalog_item WHERE code = '410400-MSA-001-02';
SELECT * FROM sv.as_of(NULL::sv.region, now());
SELECT * FROM sv.as_of(NULL::sv.catalog_item, NULL);
SELECT sv.versioning();
CREATE TABLE regress_unversionable (id int);
CREATE TRIGGER v BEFORE INSERT ON regress_unversionable FOR EACH ROW EXECUTE FUNCTION sv.versioning('sv.catalog_item_history');
INSERT INTO regress_unversionable VALUES (1);
CREATE TRIGGER w AFTER INSERT ON sv.check_item FOR EACH ROW EXECUTE FUNCTION sv.versioning('sv.check_item_history');
INSERT INTO sv.check_item (code, catalog_item_id, level, region_code, department_id, check_method, content, kind, legal_basis)
VALUES ('410422-MSA-C002', :item_id, 'county', '410422', 4, 'on_site', 'x', 'general', '[]');
DROP TRIGGER w ON sv.check_item;
DROP TABLE regress_unversionable;

-- who may read
CREATE ROLE regress_cat_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_cat_public LOGIN IN ROLE sv_public;
SET ROLE regress_cat_officer;
SELECT count(*) AS officer_reads FROM sv.as_of(NULL::sv.catalog_item, now()) WHERE code LIKE '410400-MSA-%';
UPDATE sv.catalog_item SET objects = 'x';
RESET ROLE;
SET ROLE regress_cat_public;
SELECT count(*) FROM sv.catalog_item;
RESET ROLE;
DROP ROLE regress_cat_officer, regress_cat_public;
