-- Supervision actions (监管行为): recorded against the catalogue release in force, carried out by
-- inspectors of the department, published (公示) once, scoped by department and region; the
-- coverage KPI.  Everything here uses its own codes (RGA-..., 豫RGA..., its three subjects).
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- pg_temp.try(statement, [text, replacement, ...]): 'ok: <first column>' or
-- '<SQLSTATE>: <message> DETAIL: <detail>'.  Ids of this test's actions (pg_temp.act) and
-- timestamps are replaced by names, so the output does not depend on sequences or the clock.
CREATE TABLE pg_temp.act (label text PRIMARY KEY, uscc text NOT NULL, id bigint NOT NULL);
GRANT SELECT, INSERT ON pg_temp.act TO PUBLIC;
CREATE FUNCTION pg_temp.try(stmt text, VARIADIC masks text[] DEFAULT '{}') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v text;
  st text;
  msg text;
  det text;
  a record;
BEGIN
  BEGIN
    EXECUTE stmt INTO v;
    v := 'ok: ' || coalesce(v, 'NULL');
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    v := st || ': ' || msg || coalesce(' DETAIL: ' || nullif(det, ''), '');
  END;
  FOR a IN SELECT * FROM pg_temp.act LOOP
    v := replace(v, 'action ' || a.id || ' ', 'action <' || a.label || '> ');
    IF v = 'ok: ' || a.id THEN
      v := 'ok: <' || a.label || '>';
    END IF;
  END LOOP;
  FOR i IN 1 .. coalesce(array_length(masks, 1), 0) / 2 LOOP
    v := replace(v, masks[2 * i - 1], masks[2 * i]);
  END LOOP;
  RETURN regexp_replace(v, '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+[+-][0-9]{2}', '<timestamp>', 'g');
END
$$;

CREATE ROLE regress_dca_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_dca_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_dca_msa_city LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dca_msa_ye LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dca_msa_lu LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dca_health LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dca_unmapped LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dca_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_dca_bi LOGIN IN ROLE sv_bi;
-- a login given EXECUTE directly, in none of the platform's roles: reaches the function's own
-- role check (the grants keep every other role from calling it at all)
CREATE ROLE regress_dca_direct LOGIN;
GRANT USAGE ON SCHEMA sv TO regress_dca_direct;
GRANT EXECUTE ON FUNCTION sv.action_record(text, text, text, integer, date, date, text[], text, text, text, text),
                          sv.action_publish(text, bigint)
  TO regress_dca_direct;
SELECT sv.staff_add('regress_dca_admin', 1, '410400') > 0 AS admin,
       sv.staff_add('regress_dca_msa_city', 4, '410400') > 0 AS msa_city,
       sv.staff_add('regress_dca_msa_ye', 4, '410422') > 0 AS msa_ye,
       sv.staff_add('regress_dca_msa_lu', 4, '410423') > 0 AS msa_lu,
       sv.staff_add('regress_dca_health', 7, '410400') > 0 AS health;

-- The coverage KPI before this test adds anything (later compared as differences).
CREATE TABLE pg_temp.cov0 AS
  SELECT '2025-06-01'::date AS first_day, c.* FROM sv.action_coverage('2025-06-01', '2025-06-30') c
  UNION ALL
  SELECT '2025-06-02'::date, c.* FROM sv.action_coverage('2025-06-02', '2025-06-30') c;

-- ---------------------------------------------------------------------------------------------
-- The catalogue: a city-specific item and a national one of market supervision (4), a city item
-- of the health commission (7), and their check items.
SELECT sv.catalog_item_save('RGA-CITY-01', 4, '对食品经营场所卫生状况的监督检查', '双随机抽查', '现场检查',
         '食品经营者', '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'city', 'city') > 0 AS city_item,
       sv.catalog_item_save('RGA-NAT-01', 4, '对特种设备使用单位的监督检查', '双随机抽查、重点检查', '现场检查',
         '特种设备使用单位', '[{"law": "中华人民共和国特种设备安全法", "article": "第五十七条"}]', 'national', 'national') > 0 AS national_item,
       sv.catalog_item_save('RGA-HLT-01', 7, '对公共场所卫生的监督检查', '双随机抽查', '现场检查',
         '公共场所经营者', '[{"law": "公共场所卫生管理条例", "article": "第十条"}]', 'city', 'city') > 0 AS health_item;
SELECT sv.check_item_save('RGA-C01', 'RGA-CITY-01', 'city', '410400', 4, 'on_site', '经营场所环境卫生、从业人员健康证明', 'general') > 0 AS c01,
       sv.check_item_save('RGA-C02', 'RGA-CITY-01', 'county', '410422', 4, 'on_site', '食品贮存条件', 'general') > 0 AS c02,
       sv.check_item_save('RGA-C03', 'RGA-CITY-01', 'county', '410422', 4, 'documents', '进货查验记录', 'general') > 0 AS c03,
       sv.check_item_save('RGA-N01', 'RGA-NAT-01', 'city', '410400', 4, 'on_site', '特种设备使用登记和定期检验', 'key') > 0 AS n01,
       sv.check_item_save('RGA-H01', 'RGA-HLT-01', 'city', '410400', 7, 'on_site', '公共场所卫生许可证和从业人员健康证明', 'general') > 0 AS h01;
-- published today ...
SELECT sv.catalog_publish('RGA-CUR', 'regress: datacenter_action') AS rel_cur \gset
-- ... and, as the superuser, copied into releases published in the past (the rules look at
-- the release in force on the day an action started, in Asia/Shanghai):
--   RGA-2023-12  2023-12-01 10:00+08           C01
--   RGA-2025-03  2025-03-03 10:00+08           C01, C03, N01, H01
--   RGA-2025-06  2025-06-01 20:00 UTC, which is 2025-06-02 04:00 in Shanghai: in force from
--                2025-06-02, not 2025-06-01     C01, C02, N01, H01 (C03 dropped, C02 added)
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RGA-2023-12', 'regress: backdated', '2023-12-01 10:00+08', 'regress', 1, 1) RETURNING id AS rel_2023 \gset
INSERT INTO sv.catalog_release_item
SELECT :rel_2023, kind, code, item FROM sv.catalog_release_item
WHERE release_id = :rel_cur AND code IN ('RGA-CITY-01', 'RGA-C01');
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RGA-2025-03', 'regress: backdated', '2025-03-03 10:00+08', 'regress', 3, 4) RETURNING id AS rel_2025_03 \gset
INSERT INTO sv.catalog_release_item
SELECT :rel_2025_03, kind, code, item FROM sv.catalog_release_item
WHERE release_id = :rel_cur AND code IN ('RGA-CITY-01', 'RGA-NAT-01', 'RGA-HLT-01', 'RGA-C01', 'RGA-C03', 'RGA-N01', 'RGA-H01');
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RGA-2025-06', 'regress: backdated', '2025-06-01 20:00+00', 'regress', 3, 4) RETURNING id AS rel_2025_06 \gset
INSERT INTO sv.catalog_release_item
SELECT :rel_2025_06, kind, code, item FROM sv.catalog_release_item
WHERE release_id = :rel_cur AND code IN ('RGA-CITY-01', 'RGA-NAT-01', 'RGA-HLT-01', 'RGA-C01', 'RGA-C02', 'RGA-N01', 'RGA-H01');
SELECT r.label, count(*) FILTER (WHERE i.kind = 'catalog_item') = r.items AS items_agree,
       count(*) FILTER (WHERE i.kind = 'check_item') = r.check_items AS checks_agree,
       string_agg(i.code, ', ' ORDER BY i.code) FILTER (WHERE i.kind = 'check_item') AS check_items
FROM sv.catalog_release r JOIN sv.catalog_release_item i ON i.release_id = r.id
WHERE r.label LIKE 'RGA-20%' GROUP BY r.id, r.label, r.items, r.check_items ORDER BY r.published_at;

-- sv.catalog_release_on: the last release published on or before the day (Shanghai dates).
SELECT d, r.label AS in_force
FROM (VALUES (1, '2023-11-30'::date), (2, '2023-12-01'), (3, '2025-03-02'), (4, '2025-03-03'),
             (5, '2025-06-01'), (6, '2025-06-02'), (7, '2025-12-31')) v(n, d)
LEFT JOIN sv.catalog_release r ON r.id = sv.catalog_release_on(d)
ORDER BY n;
SELECT sv.catalog_release_on(sv.local_date(now())) = :rel_cur AS today_the_latest,
       sv.catalog_release_on(NULL) IS NULL AS null_day;
SET ROLE regress_dca_public;
SELECT sv.catalog_release_on('2025-06-02');
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- Inspectors (certificates valid 2020 to 2999 unless said) and three subjects, from a department
-- system.
SET ROLE regress_dca_feed;
SELECT sv.inspector_save('豫RGA0001', '张卫国', 4, '410400', '2020-01-01', '2999-12-31', 'RGA-HR', 'RGA-HR-0001', '{food}') AS a,
       sv.inspector_save('豫RGA0002', '李建军', 4, '410422', '2020-01-01', '2999-12-31', 'RGA-HR', 'RGA-HR-0002') AS b,
       -- valid only from 2025-06-05, and only until 2025-06-05
       sv.inspector_save('豫RGA0003', '王丽', 4, '410423', '2025-06-05', '2999-12-31', 'RGA-HR', 'RGA-HR-0003') AS c,
       sv.inspector_save('豫RGA0004', '赵强', 4, '410400', '2020-01-01', '2025-06-05', 'RGA-HR', 'RGA-HR-0004') AS d,
       sv.inspector_save('豫RGA0007', '孙敏', 7, '410400', '2020-01-01', '2999-12-31', 'RGA-HR', 'RGA-HR-0007') AS e,
       sv.inspector_save('豫RGA0008', '周涛', 7, '410400', '2020-01-01', '2999-12-31', 'RGA-HR', 'RGA-HR-0008') AS f,
       sv.inspector_save('豫RGA0009', '吴刚', 4, '410400', '2020-01-01', '2999-12-31', 'RGA-HR', 'RGA-HR-0009',
                         status => 'revoked') AS g,
       sv.inspector_save('豫RGA0010', '郭平', 4, '410400', '2020-01-01', '2999-12-31', 'RGA-HR', 'RGA-HR-0010',
                         status => 'retired') AS h,
       sv.inspector_save('豫RGA0011', '何静', 4, '410400', '2020-01-01', '2999-12-31', 'RGA-HR', 'RGA-HR-0011',
                         status => 'suspended') AS i;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('RGA-AMR', 'subject', $j$[
  {"source_record_id": "RGA-AMR-1", "uscc": "91410422MA47R2QK5C", "name": "叶县昆阳镇瑞祥食品有限公司", "region_code": "410422"},
  {"source_record_id": "RGA-AMR-2", "uscc": "92410423MA9RGA0B3J", "name": "鲁山县便民副食店", "region_code": "410423"},
  {"source_record_id": "RGA-AMR-3", "uscc": "91410402MA47RGA07M", "name": "平顶山市新华区清泉游泳馆有限公司", "region_code": "410402"}
]$j$);
RESET ROLE;
SELECT sv.uscc_check('91410422MA47R2QK6F') IS NULL AS valid_code_of_no_subject,
       NOT EXISTS (SELECT 1 FROM sv.subject WHERE uscc = '91410422MA47R2QK6F') AS not_in_data_centre;

-- ---------------------------------------------------------------------------------------------
-- Recording: an officer of the department, for a subject of the officer's regions.  Recorded on
-- the platform (no source given): a fresh record id; inspectors in any case and order.
SET ROLE regress_dca_msa_ye;
SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03',
                        '{豫rga0002, 豫RGA0001}', 'no_problem') AS id \gset
INSERT INTO pg_temp.act VALUES ('A1', '91410422MA47R2QK5C', :id);
-- the same call again is another action
SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03',
                        '{豫RGA0001,豫RGA0002}', 'no_problem') AS id \gset
INSERT INTO pg_temp.act VALUES ('A1b', '91410422MA47R2QK5C', :id);
RESET ROLE;
SELECT t.label, a.kind, a.check_item_code, r.label AS release, a.department_id, a.region_code, a.started_on, a.ended_on,
       a.inspectors, a.result, a.findings, a.publication_due, a.published_at, a.source_system,
       a.source_record_id ~ '^SV-[0-9a-f-]{36}$' AS platform_record_id
FROM pg_temp.act t JOIN sv.action a ON a.id = t.id JOIN sv.catalog_release r ON r.id = a.release_id
ORDER BY t.label;
SELECT count(DISTINCT a.source_record_id) AS distinct_record_ids FROM pg_temp.act t JOIN sv.action a ON a.id = t.id;

-- From a department system, by source and record id: saving it again changes nothing; a
-- correction changes the same action.
SET ROLE regress_dca_feed;
SELECT sv.action_record('92410423MA9RGA0B3J', 'penalty', 'RGA-N01', 4, '2025-06-09', '2025-06-10',
                        '{豫RGA0003,豫RGA0001}', 'case_filed', '未按规定定期检验', 'RGA-FEED', 'F-0001') AS id \gset
INSERT INTO pg_temp.act VALUES ('A2', '92410423MA9RGA0B3J', :id);
SELECT sv.action_record('92410423MA9RGA0B3J', 'penalty', 'RGA-N01', 4, '2025-06-09', '2025-06-10',
                        '{豫RGA0001,豫RGA0003}', 'case_filed', ' 未按规定定期检验 ', ' RGA-FEED ', ' F-0001 ') = :id AS unchanged_same_id;
SELECT sv.action_record('92410423MA9RGA0B3J', 'penalty', 'RGA-N01', 4, '2025-06-09', '2025-06-10',
                        '{豫RGA0001,豫RGA0003}', 'case_filed', '电梯未按规定定期检验', 'RGA-FEED', 'F-0001') = :id AS updated_same_id;
-- started on 2025-06-01: RGA-2025-06 was published that day in UTC but on 2025-06-02 in
-- Shanghai, so RGA-2025-03 is in force and C03 is still in it
SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C03', 4, '2025-06-01', '2025-06-01',
                        '{豫RGA0001,豫RGA0002}', 'problem_found', '进货查验记录不全', 'RGA-FEED', 'F-0003') AS id \gset
INSERT INTO pg_temp.act VALUES ('A4', '91410422MA47R2QK5C', :id);
-- C02 is in force from 2025-06-02
SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C02', 4, '2025-06-02', '2025-06-02',
                        '{豫RGA0001,豫RGA0002}', 'rectification_ordered', '冷藏温度超标', 'RGA-FEED', 'F-0004') AS id \gset
INSERT INTO pg_temp.act VALUES ('A6', '91410422MA47R2QK5C', :id);
-- a market supervision action on a subject in 新华区 (which the health commission may not take
-- over, see below)
SELECT sv.action_record('91410402MA47RGA07M', 'inspection', 'RGA-C01', 4, '2025-05-20', '2025-05-21',
                        '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'F-0002') AS id \gset
INSERT INTO pg_temp.act VALUES ('A5', '91410402MA47RGA07M', :id);
-- a retired inspector still counts (the status has no date, and a retired inspector's past
-- actions may arrive late); suspended and revoked ones do not (see the rejects below)
SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-05-12', '2025-05-12',
                        '{豫RGA0001,豫RGA0010}', 'no_problem', NULL, 'RGA-FEED', 'F-0005') AS id \gset
INSERT INTO pg_temp.act VALUES ('A7', '91410422MA47R2QK5C', :id);
RESET ROLE;
-- an officer may give the record id (the source is then sv_platform): saved again, unchanged
SET ROLE regress_dca_msa_ye;
SELECT sv.action_record('91410422MA47R2QK5C', 'coercive_measure', 'RGA-C01', 4, '2025-05-19', '2025-05-19',
                        '{豫RGA0001,豫RGA0002}', 'case_filed', '查封过期食品', source_record_id => 'YE-2025-001') AS id \gset
INSERT INTO pg_temp.act VALUES ('A8', '91410422MA47R2QK5C', :id);
SELECT sv.action_record('91410422MA47R2QK5C', 'coercive_measure', 'RGA-C01', 4, '2025-05-19', '2025-05-19',
                        '{豫RGA0001,豫RGA0002}', 'case_filed', '查封过期食品', source_record_id => 'YE-2025-001') = :id AS same_action;
RESET ROLE;
-- the health commission's own action, by its officer (新华区 is in the city's scope)
SET ROLE regress_dca_health;
SELECT sv.action_record('91410402MA47RGA07M', 'inspection', 'RGA-H01', 7, '2025-06-16', '2025-06-16',
                        '{豫RGA0008,豫RGA0007}', 'rectification_ordered', '从业人员健康证明过期') AS id \gset
INSERT INTO pg_temp.act VALUES ('A3', '91410402MA47RGA07M', :id);
RESET ROLE;
SELECT t.label, a.uscc, a.kind, a.check_item_code, r.label AS release, a.department_id, a.region_code, a.started_on,
       a.ended_on, a.inspectors, a.result, a.findings, a.publication_due, a.source_system,
       CASE WHEN a.source_record_id LIKE 'SV-%' THEN 'SV-...' ELSE a.source_record_id END AS record
FROM pg_temp.act t JOIN sv.action a ON a.id = t.id JOIN sv.catalog_release r ON r.id = a.release_id
ORDER BY t.label;
-- the audit trail: one record per add and per change, none for the unchanged save
SELECT t.label, l.department_id, l.action, l.actor_role, l.change::jsonb ->> 'findings' AS findings,
       l.change::jsonb ->> 'check_item_code' AS check_item, (l.change::jsonb ->> 'id')::bigint = t.id AS change_names_it
FROM sv.audit_log l JOIN pg_temp.act t ON l.object_id = t.uscc || '/' || t.id
WHERE l.object_kind = 'action'
ORDER BY l.seq;

-- ---------------------------------------------------------------------------------------------
-- Every reject of sv.action_record, in the order the rules check them.  Each call would be
-- valid but for the one thing named.
SET ROLE regress_dca_feed;
SELECT n, pg_temp.try(s) AS outcome FROM (VALUES
  (1, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, ' ', 'E-1')$$),
  (2, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', NULL, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (3, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', ' ')$$),
  (4, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', NULL)$$),
  (5, $$SELECT sv.action_record(NULL, 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (6, $$SELECT sv.action_record('91410422MA47R2QK5X', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (7, $$SELECT sv.action_record('91410422MA47R2QK6F', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (8, $$SELECT sv.action_record('91410422MA47R2QK5C', 'audit', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (9, $$SELECT sv.action_record('91410422MA47R2QK5C', NULL, 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (10, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 999, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (11, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, NULL, '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (12, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '1899-12-31', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (13, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', NULL, '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (14, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '3000-01-01', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (15, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-01', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (16, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2999-12-31', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (17, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', NULL, 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (18, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', ' ', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  -- 监管事项之外无监管: before any release; not in the release in force that day (although in
  -- the catalogue and in the release published today); not in the catalogue at all
  (19, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2023-11-30', '2023-11-30', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (20, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C02', 4, '2025-06-01', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (21, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C03', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (22, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-NONE', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  -- the check item is carried out by the health commission
  (23, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-H01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  -- the check item applies in 叶县 (C02, a county item); the subject is in 鲁山县
  (24, $$SELECT sv.action_record('92410423MA9RGA0B3J', 'inspection', 'RGA-C02', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (25, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'fine', NULL, 'RGA-FEED', 'E-1')$$),
  (26, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', NULL, NULL, 'RGA-FEED', 'E-1')$$),
  -- at least two distinct inspectors
  (27, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (28, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫rga0001}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (29, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (30, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', NULL, 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  -- unknown, of another department
  (31, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA9999,豫RGA9998}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (32, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0007}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  -- revoked, suspended (retired ones count, see A7); the status is checked before the dates
  (33, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0009}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (34, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0011}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  (35, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-06', '{豫RGA0001,豫RGA0004,豫RGA0011,豫RGA0009}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  -- certificates not valid on the dates
  (36, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-06', '{豫RGA0001,豫RGA0003,豫RGA0004}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  -- the working-day calendar covers 1901-2100 (provisional where no notice is loaded, see
  -- calendar_lunar); a day before it has no catalogue in force either, which is said first
  (37, $$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '1900-12-04', '1900-12-04', '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$),
  -- the record id of an action of another subject
  (38, $$SELECT sv.action_record('91410422MA47R2QK5C', 'penalty', 'RGA-N01', 4, '2025-06-09', '2025-06-10', '{豫RGA0001,豫RGA0003}', 'case_filed', '电梯未按规定定期检验', 'RGA-FEED', 'F-0001')$$)
) v(n, s) ORDER BY n;
-- the day after today (in Shanghai) is in the future
SELECT pg_temp.try(format($$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', %L, '{豫RGA0001,豫RGA0002}', 'no_problem', NULL, 'RGA-FEED', 'E-1')$$,
                          sv.local_date(now()) + 1),
                   (sv.local_date(now()) + 1)::text, '<tomorrow>') AS tomorrow;
RESET ROLE;
SELECT count(*) AS nothing_recorded_by_rejects FROM sv.action WHERE source_system IN ('RGA-FEED', ' ') AND source_record_id LIKE 'E-%';

-- Who may record: the officer's department and regions.
SET ROLE regress_dca_public;
SELECT pg_temp.try($$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem')$$) AS public;
RESET ROLE;
SET ROLE regress_dca_direct;
SELECT pg_temp.try($$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem')$$) AS not_an_officer;
RESET ROLE;
SET ROLE regress_dca_unmapped;
SELECT pg_temp.try($$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem')$$) AS unmapped;
RESET ROLE;
SET ROLE regress_dca_health;
SELECT pg_temp.try($$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem')$$) AS other_department;
RESET ROLE;
SET ROLE regress_dca_msa_lu;
SELECT pg_temp.try($$SELECT sv.action_record('91410422MA47R2QK5C', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem')$$) AS other_region;
SELECT pg_temp.try($$SELECT sv.action_record(' 91410422ma47r2qk5c ', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem')$$) AS other_region_lower_case;
RESET ROLE;
-- a code that is no subject, or no code, gets the rules' answer
SET ROLE regress_dca_msa_ye;
SELECT pg_temp.try($$SELECT sv.action_record('91410422MA47R2QK6F', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem')$$) AS no_subject,
       pg_temp.try($$SELECT sv.action_record('91410422MA47R2QK5X', 'inspection', 'RGA-C01', 4, '2025-06-02', '2025-06-03', '{豫RGA0001,豫RGA0002}', 'no_problem')$$) AS bad_code;
-- nor may an officer write the table
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on,
                       inspectors, result, publication_due, source_system, source_record_id, received_at, updated_at)
VALUES ('91410422MA47R2QK5C', 'inspection', 'RGA-C01', :rel_2025_06, 4, '410422', '2025-06-02', '2025-06-02',
        '{豫RGA0001,豫RGA0002}', 'no_problem', '2025-06-30', 'x', 'x', now(), now());
RESET ROLE;
SELECT count(*) AS actions_of_the_test_subjects FROM sv.action
WHERE uscc IN ('91410422MA47R2QK5C', '92410423MA9RGA0B3J', '91410402MA47RGA07M', '91410422MA47R2QK6F');

-- A correction (the same source and record id) is one of the officer's own actions too: the
-- health commission's officer may not take over A5 of market supervision (department 4) into
-- its own department, nor may 鲁山县's officer of market supervision correct A8 (叶县) into an
-- action on a subject of 鲁山县.
SET ROLE regress_dca_health;
SELECT pg_temp.try($$SELECT sv.action_record('91410402MA47RGA07M', 'inspection', 'RGA-H01', 7, '2025-05-20', '2025-05-21', '{豫RGA0007,豫RGA0008}', 'no_problem', NULL, 'RGA-FEED', 'F-0002')$$) AS takes_over_a5;
RESET ROLE;
SET ROLE regress_dca_msa_lu;
SELECT pg_temp.try($$SELECT sv.action_record('92410423MA9RGA0B3J', 'coercive_measure', 'RGA-C01', 4, '2025-05-19', '2025-05-19', '{豫RGA0001,豫RGA0002}', 'case_filed', '查封过期食品', source_record_id => 'YE-2025-001')$$) AS takes_over_a8;
RESET ROLE;
SELECT t.label, a.uscc, a.department_id, a.region_code, a.check_item_code, a.inspectors
FROM pg_temp.act t JOIN sv.action a ON a.id = t.id WHERE t.label IN ('A5', 'A8') ORDER BY t.label;
SELECT t.label, l.action, l.department_id, l.actor_role
FROM sv.audit_log l JOIN pg_temp.act t ON l.object_id = t.uscc || '/' || t.id
WHERE l.object_kind = 'action' AND t.label IN ('A5', 'A8') ORDER BY l.seq;

-- ---------------------------------------------------------------------------------------------
-- The merge rules directly, a batch at a time (as sv.ingest uses them): text fields, the last
-- record of a source record id wins, earlier ones are superseded.
SELECT line, outcome, errcode, message, detail
FROM sv._action_merge('RGA-MERGE', ARRAY[
  ROW('regress', 1, 'M-1', '91410422MA47R2QK5C', 'inspection', 'RGA-C01', '410400-MSA', '2025-05-26', '2025-05-26',
      '豫RGA0001、豫RGA0002', 'no_problem', NULL)::sv.action_staging,
  ROW('regress', 2, 'M-1', '91410422ma47r2qk5c', ' inspection ', 'RGA-C01', ' 4 ', '2025-05-26', '2025-05-27',
      '["豫RGA0002", "豫rga0001"]', 'problem_found', ' 未见异常 ')::sv.action_staging,
  ROW('regress', 3, 'M-1', '91410422MA47R2QK5C', 'visit', 'RGA-C01', '4', '2025-05-26', '2025-05-26',
      '{豫RGA0001,豫RGA0002}', 'no_problem', NULL)::sv.action_staging,
  ROW('regress', 4, 'M-2', '91410422MA47R2QK5C', 'inspection', 'RGA-C01', '4', '2025/05/26', '2025-05-26',
      '{豫RGA0001,豫RGA0002}', 'no_problem', NULL)::sv.action_staging,
  ROW('regress', 5, 'M-3', '91410422MA47R2QK5C', 'inspection', 'RGA-C01', '4', '2025-05-26', '2025-02-30',
      '{豫RGA0001,豫RGA0002}', 'no_problem', NULL)::sv.action_staging,
  ROW('regress', 6, 'M-4', '91410422MA47R2QK5C', 'inspection', 'RGA-C01', '410400-NONE', '2025-05-26', '2025-05-26',
      '{豫RGA0001,豫RGA0002}', 'no_problem', NULL)::sv.action_staging,
  ROW('regress', 7, NULL, '91410422MA47R2QK5C', 'inspection', 'RGA-C01', '4', '2025-05-26', '2025-05-26',
      '{豫RGA0001,豫RGA0002}', 'no_problem', NULL)::sv.action_staging,
  ROW('regress', 8, 'M-5', '91410422MA47R2QK5C', 'inspection', 'RGA-C01', '4', ' ', '2025-05-26',
      '{豫RGA0001,豫RGA0002}', 'no_problem', NULL)::sv.action_staging
]) ORDER BY line;
SELECT kind, check_item_code, department_id, started_on, ended_on, inspectors, result, findings, publication_due
FROM sv.action WHERE source_system = 'RGA-MERGE' ORDER BY source_record_id;

-- ---------------------------------------------------------------------------------------------
-- Publication (公示): once, by the department's officer in scope (or administrators, integration).
SELECT id AS a1 FROM pg_temp.act WHERE label = 'A1' \gset
SELECT id AS a2 FROM pg_temp.act WHERE label = 'A2' \gset
SELECT id AS a6 FROM pg_temp.act WHERE label = 'A6' \gset
SET ROLE regress_dca_msa_ye;
SELECT pg_temp.try($$SELECT sv.action_publish(NULL, 1)$$) AS no_code,
       pg_temp.try($$SELECT sv.action_publish('91410422MA47R2QK5X', 1)$$) AS bad_code;
SELECT pg_temp.try($$SELECT sv.action_publish('91410422MA47R2QK5C', 0)$$) AS no_action,
       pg_temp.try($$SELECT sv.action_publish('91410422MA47R2QK5C', NULL)$$) AS null_id;
-- A2 is an action of another subject
SELECT pg_temp.try(format('SELECT sv.action_publish(%L, %s)', '91410422MA47R2QK5C', :a2)) AS wrong_subject;
RESET ROLE;
SET ROLE regress_dca_public;
SELECT pg_temp.try(format('SELECT sv.action_publish(%L, %s)', '91410422MA47R2QK5C', :a1)) AS public;
RESET ROLE;
SET ROLE regress_dca_direct;
SELECT pg_temp.try(format('SELECT sv.action_publish(%L, %s)', '91410422MA47R2QK5C', :a1)) AS not_an_officer;
RESET ROLE;
-- an officer without a staff mapping in force has no actions: A1 does not exist for it
-- (in a transaction rolled back, so that A1 stays unpublished whatever happens)
BEGIN;
SET LOCAL ROLE regress_dca_unmapped;
SELECT pg_temp.try(format('SELECT sv.action_publish(%L, %s)', '91410422MA47R2QK5C', :a1)) AS unmapped;
ROLLBACK;
-- an action outside the officer's department or regions does not exist for the officer (the
-- answer tells nothing about it)
SET ROLE regress_dca_health;
SELECT pg_temp.try(format('SELECT sv.action_publish(%L, %s)', '91410422MA47R2QK5C', :a1)) AS other_department;
RESET ROLE;
SET ROLE regress_dca_msa_lu;
SELECT pg_temp.try(format('SELECT sv.action_publish(%L, %s)', '91410422MA47R2QK5C', :a1)) AS other_region;
SELECT sv.action_publish('92410423MA9RGA0B3J', :a2) IS NOT NULL AS published_a2;
RESET ROLE;
SELECT count(*) AS nothing_published_by_refusals FROM sv.action WHERE id = :a1 AND published_at IS NOT NULL;
SET ROLE regress_dca_msa_ye;
SELECT sv.action_publish(' 91410422ma47r2qk5c ', :a1) IS NOT NULL AS published_a1;
SELECT pg_temp.try(format('SELECT sv.action_publish(%L, %s)', '91410422MA47R2QK5C', :a1)) AS twice;
RESET ROLE;
SET ROLE regress_dca_feed;
SELECT sv.action_publish('91410422MA47R2QK5C', :a6) IS NOT NULL AS published_a6;
RESET ROLE;
SELECT t.label, a.published_at IS NOT NULL AS published, a.updated_at >= a.published_at AS updated_then
FROM pg_temp.act t JOIN sv.action a ON a.id = t.id ORDER BY t.label;
SELECT t.label, l.action, l.department_id, l.actor_role, l.change::jsonb - 'published_at' AS change,
       (l.change::jsonb ->> 'published_at')::timestamptz = a.published_at AS change_has_the_time
FROM sv.audit_log l JOIN pg_temp.act t ON l.object_id = t.uscc || '/' || t.id JOIN sv.action a ON a.id = t.id
WHERE l.object_kind = 'action' AND l.action = 'publish'
ORDER BY l.seq;

-- A published result is not changed; the identical record again is fine (unchanged).
SELECT count(*) AS audit_before FROM sv.audit_log WHERE object_kind = 'action' \gset
SET ROLE regress_dca_feed;
SELECT sv.action_record('92410423MA9RGA0B3J', 'penalty', 'RGA-N01', 4, '2025-06-09', '2025-06-10',
                        '{豫RGA0003,豫RGA0001}', 'case_filed', '电梯未按规定定期检验', 'RGA-FEED', 'F-0001') = :a2 AS identical_again;
SELECT pg_temp.try($$SELECT sv.action_record('92410423MA9RGA0B3J', 'penalty', 'RGA-N01', 4, '2025-06-09', '2025-06-10', '{豫RGA0001,豫RGA0003}', 'no_problem', '电梯未按规定定期检验', 'RGA-FEED', 'F-0001')$$) AS changed_result,
       pg_temp.try($$SELECT sv.action_record('92410423MA9RGA0B3J', 'penalty', 'RGA-N01', 4, '2025-06-09', '2025-06-10', '{豫RGA0001,豫RGA0003}', 'case_filed', NULL, 'RGA-FEED', 'F-0001')$$) AS findings_dropped;
RESET ROLE;
SELECT count(*) = :audit_before AS no_new_audit_records FROM sv.audit_log WHERE object_kind = 'action';
SELECT result, findings FROM sv.action WHERE id = :a2;

-- ---------------------------------------------------------------------------------------------
-- What each official sees (their department, their regions).
SET ROLE regress_dca_msa_ye;
SELECT t.label, w.subject_name, w.check_item_code, w.release_label, w.department_name, w.region_code, w.started_on,
       w.publication_due, w.published_at IS NOT NULL AS published, w.publication_overdue
FROM sv_work.action w JOIN pg_temp.act t ON t.id = w.id ORDER BY t.label;
SELECT count(*) AS merged_ye_sees FROM sv_work.action WHERE source_system = 'RGA-MERGE';
RESET ROLE;
SET ROLE regress_dca_msa_lu;
SELECT t.label, w.subject_name, w.region_code FROM sv_work.action w JOIN pg_temp.act t ON t.id = w.id ORDER BY t.label;
RESET ROLE;
SET ROLE regress_dca_msa_city;
SELECT t.label, w.region_code, w.published_at IS NOT NULL AS published FROM sv_work.action w JOIN pg_temp.act t ON t.id = w.id ORDER BY t.label;
-- results still to publish: all long overdue
SELECT t.label, d.subject_name, d.kind, d.result, d.ended_on, d.publication_due, d.publication_overdue
FROM sv_work.action_publication_due d JOIN pg_temp.act t ON t.id = d.id ORDER BY t.label;
RESET ROLE;
SET ROLE regress_dca_health;
SELECT t.label, w.department_name, w.region_code, w.check_item_code FROM sv_work.action w JOIN pg_temp.act t ON t.id = w.id ORDER BY t.label;
RESET ROLE;
SET ROLE regress_dca_unmapped;
SELECT count(*) AS unmapped_sees FROM sv_work.action w JOIN pg_temp.act t ON t.id = w.id;
RESET ROLE;
SET ROLE regress_dca_admin;
SELECT count(*) AS admin_sees FROM sv_work.action w JOIN pg_temp.act t ON t.id = w.id;
RESET ROLE;
-- the public sees published results only, with the check item's content as published
SET ROLE regress_dca_public;
SELECT uscc, subject_name, kind, department_name, check_item_code, check_content, started_on, ended_on, result, findings,
       published_at IS NOT NULL AS published
FROM sv_public.action
WHERE uscc IN ('91410422MA47R2QK5C', '92410423MA9RGA0B3J', '91410402MA47RGA07M')
ORDER BY uscc, started_on, check_item_code;
SELECT count(*) FROM sv_work.action;
SELECT count(*) FROM sv.action;
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- Coverage of check items by actions (监管行为数据覆盖率), as differences from before the test:
-- C01-C03 are city-specific and count; N01 is national and counts once claimed; H01 is the
-- health commission's.  June 2025 and the same without 1 June (A4, on C03).
SELECT c.first_day, c.department_code, c.check_items - o.check_items AS items, c.covered - o.covered AS covered,
       c.actions - o.actions AS actions,
       c.coverage_pct IS NOT DISTINCT FROM round(100.0 * c.covered / nullif(c.check_items, 0), 1) AS pct_agrees
FROM (SELECT '2025-06-01'::date AS first_day, * FROM sv.action_coverage('2025-06-01', '2025-06-30')
      UNION ALL SELECT '2025-06-02'::date, * FROM sv.action_coverage('2025-06-02', '2025-06-30')) c
JOIN pg_temp.cov0 o ON o.first_day = c.first_day AND o.department_code = c.department_code
WHERE c.department_code IN ('410400-MSA', '410400-HEALTH')
ORDER BY c.first_day, c.department_code;
SET ROLE regress_dca_msa_city;
SELECT sv.catalog_claim('RGA-NAT-01');
RESET ROLE;
SELECT c.department_code, c.check_items - o.check_items AS items, c.covered - o.covered AS covered,
       c.actions - o.actions AS actions
FROM sv.action_coverage('2025-06-01', '2025-06-30') c
JOIN pg_temp.cov0 o ON o.first_day = '2025-06-01' AND o.department_code = c.department_code
WHERE c.department_code IN ('410400-MSA', '410400-HEALTH')
ORDER BY c.department_code;
SELECT pg_temp.try($$SELECT sv.action_coverage(NULL, '2025-06-30')$$) AS no_first_day,
       pg_temp.try($$SELECT sv.action_coverage('2025-06-01', NULL)$$) AS no_last_day,
       pg_temp.try($$SELECT sv.action_coverage('2025-06-30', '2025-06-01')$$) AS reversed;
-- the BI view: this year, one row per department
SET ROLE regress_dca_bi;
SELECT count(*) = (SELECT count(*) FROM sv.department) AS one_row_per_department,
       bool_and(covered <= check_items) AS covered_within_items
FROM sv_bi.action_coverage;
RESET ROLE;
SET ROLE regress_dca_public;
SELECT pg_temp.try($$SELECT count(*) FROM sv_bi.action_coverage$$) AS public_view,
       pg_temp.try($$SELECT count(*) FROM sv.action_coverage('2025-06-01', '2025-06-30')$$) AS public_function;
RESET ROLE;
-- officers use the function, not the BI view (which is not granted to them)
SELECT has_table_privilege('sv_officer', 'sv_bi.action_coverage', 'SELECT') AS officer_granted_the_view,
       has_function_privilege('sv_officer', 'sv.action_coverage(date, date)', 'EXECUTE') AS officer_granted_the_function;
SET ROLE regress_dca_msa_city;
SELECT pg_temp.try($$SELECT count(*) FROM sv_bi.action_coverage$$) AS officer_view,
       pg_temp.try($$SELECT count(*) > 0 FROM sv.action_coverage('2025-06-01', '2025-06-30')$$) AS officer_function;
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- Clean-up (as superuser), so that later tests see the data centre and the catalogue as before:
-- the actions, the releases (the backdated ones and RGA-CUR, the latest, which lists this
-- test's items), the subjects, the ingest batch that brought them, the inspectors and the staff
-- mappings (ended first) go; the check items and catalogue items (and the claim) are withdrawn.
-- The catalogue history and the audit records stay.
DELETE FROM sv.action WHERE uscc IN ('91410422MA47R2QK5C', '92410423MA9RGA0B3J', '91410402MA47RGA07M');
BEGIN;  -- (test clean-up only: releases refuse DELETE, whatever the session's replication role)
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.catalog_release_item WHERE release_id IN (:rel_cur, :rel_2023, :rel_2025_03, :rel_2025_06);
DELETE FROM sv.catalog_release WHERE id IN (:rel_cur, :rel_2023, :rel_2025_03, :rel_2025_06);
CALL sv._append_only_enforce();
COMMIT;
DELETE FROM sv.subject WHERE source_system = 'RGA-AMR';
DELETE FROM sv.ingest_reject WHERE source = 'RGA-AMR';
DELETE FROM sv.ingest_batch WHERE source = 'RGA-AMR';
DELETE FROM sv.inspector WHERE source_system = 'RGA-HR';
SELECT count(sv.check_item_withdraw(code, 'regression test finished')) AS check_items_withdrawn
FROM (VALUES ('RGA-C01'), ('RGA-C02'), ('RGA-C03'), ('RGA-N01'), ('RGA-H01')) c(code);
SELECT count(sv.catalog_item_withdraw(code, 'regression test finished')) AS catalog_items_withdrawn
FROM (VALUES ('RGA-CITY-01'), ('RGA-NAT-01'), ('RGA-HLT-01')) c(code);
SELECT count(sv.staff_end(id, 'regression test finished')) AS ended FROM sv.staff WHERE role_name LIKE 'regress_dca_%';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_dca_%';
SELECT (SELECT count(*) FROM sv.action
        WHERE source_system IN ('RGA-FEED', 'RGA-MERGE')
           OR uscc IN ('91410422MA47R2QK5C', '92410423MA9RGA0B3J', '91410402MA47RGA07M')) AS actions_left,
       (SELECT count(*) FROM sv.subject WHERE source_system = 'RGA-AMR'
           OR uscc IN ('91410422MA47R2QK5C', '92410423MA9RGA0B3J', '91410402MA47RGA07M')) AS subjects_left,
       (SELECT count(*) FROM sv.ingest_batch WHERE source = 'RGA-AMR') AS batches_left,
       (SELECT count(*) FROM sv.inspector WHERE certificate_no LIKE '%RGA%' OR source_system = 'RGA-HR') AS inspectors_left,
       (SELECT count(*) FROM sv.catalog_release WHERE label LIKE 'RGA-%') AS releases_left,
       (SELECT count(*) FROM sv.catalog_release_item WHERE code LIKE 'RGA-%') AS release_items_left,
       (SELECT count(*) FROM sv.catalog_item WHERE code LIKE 'RGA-%') AS items_left,
       (SELECT count(*) FROM sv.check_item WHERE code LIKE 'RGA-%') AS check_items_left,
       (SELECT count(*) FROM sv.catalog_claim WHERE claimed_by = 'regress_dca_msa_city') AS claims_left,
       (SELECT count(*) FROM sv.staff WHERE role_name LIKE 'regress_dca_%') AS staff_left;
REVOKE EXECUTE ON FUNCTION sv.action_record(text, text, text, integer, date, date, text[], text, text, text, text),
                           sv.action_publish(text, bigint)
  FROM regress_dca_direct;
REVOKE USAGE ON SCHEMA sv FROM regress_dca_direct;
DROP ROLE regress_dca_admin, regress_dca_feed, regress_dca_msa_city, regress_dca_msa_ye, regress_dca_msa_lu,
          regress_dca_health, regress_dca_unmapped, regress_dca_public, regress_dca_bi, regress_dca_direct;
