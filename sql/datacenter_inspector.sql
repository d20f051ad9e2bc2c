-- Law-enforcement inspectors (执法人员): the write API and its rules, the merge core in batches,
-- the audit trail, and who sees which inspectors.  Everything here uses certificate numbers
-- with RGV in them and the sources RGV-*.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- pg_temp.try(statement): 'ok: <first column>' or '<SQLSTATE>: <message> DETAIL: <detail>'.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v text;
  st text;
  msg text;
  det text;
BEGIN
  EXECUTE stmt INTO v;
  RETURN 'ok: ' || coalesce(v, 'NULL');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || msg || coalesce(' DETAIL: ' || nullif(det, ''), '');
END
$$;

CREATE ROLE regress_dci_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_dci_feed2 LOGIN IN ROLE sv_integration;
CREATE ROLE regress_dci_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_dci_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_dci_msa_city LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dci_msa_ye LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dci_health LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dci_unmapped LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dci_public LOGIN IN ROLE sv_public;
-- a login given EXECUTE directly, in none of the platform's roles: reaches the function's own
-- role check (the grants keep every other role from calling it at all)
CREATE ROLE regress_dci_direct LOGIN;
GRANT USAGE ON SCHEMA sv TO regress_dci_direct;
GRANT EXECUTE ON FUNCTION sv.inspector_save(text, text, integer, text, date, date, text, text, text[], text)
  TO regress_dci_direct;
SELECT sv.staff_add('regress_dci_admin', 1, '410400') > 0 AS admin,
       sv.staff_add('regress_dci_msa_city', 4, '410400') > 0 AS msa_city,
       sv.staff_add('regress_dci_msa_ye', 4, '410422') > 0 AS msa_ye,
       sv.staff_add('regress_dci_health', 7, '410400') > 0 AS health;

-- ---------------------------------------------------------------------------------------------
-- Saving: the certificate number is the key (trimmed, upper case); specialties become a sorted
-- list of distinct codes; status defaults to active.
SET ROLE regress_dci_feed;
SELECT sv.inspector_save(' 豫rgv0001 ', ' 陈晓明 ', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0001',
                         '{special_equipment, food, food}') AS saved;
SELECT sv.inspector_save('豫RGV0002', '刘芳', 4, '410423', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0002',
                         status => NULL) AS status_defaults,
       -- expired at the end of 2025
       sv.inspector_save('豫RGV0003', '杨帆', 4, '410400', '2020-01-01', '2025-12-31', 'RGV-HR', 'HR-0003') AS expired,
       sv.inspector_save('豫RGV0004', '黄磊', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0004',
                         status => 'suspended') AS suspended,
       -- "、" separates codes as "," does
       sv.inspector_save('豫RGV0005', '郑洁', 7, '410400', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0005',
                         '{public_health、food}') AS health,
       -- valid only from 2990
       sv.inspector_save('豫RGV0006', '马超', 4, '410422', '2990-01-01', '2999-12-31', 'RGV-HR', 'HR-0006') AS not_yet_valid,
       -- no province character
       sv.inspector_save('rgv-0007', '胡军', 4, '410402', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0007',
                         status => 'retired') AS retired;
RESET ROLE;
SET ROLE regress_dci_admin;
SELECT sv.inspector_save('RGV-0010', '林静', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0010') AS by_admin;
RESET ROLE;
SELECT certificate_no, name, department_id, region_code, specialties, valid_from, valid_until, status, source_system,
       source_record_id, received_at = updated_at AS never_changed
FROM sv.inspector WHERE certificate_no LIKE '%RGV%' ORDER BY certificate_no;

-- The same values again change nothing; a change is an update of the same inspector.
SELECT updated_at AS t_saved, received_at AS t_received FROM sv.inspector WHERE certificate_no = '豫RGV0001' \gset
SET ROLE regress_dci_feed;
SELECT sv.inspector_save('豫RGV0001', '陈晓明', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0001',
                         '{food,special_equipment}', 'active') AS unchanged;
SELECT updated_at = :'t_saved' AS not_touched FROM sv.inspector WHERE certificate_no = '豫RGV0001';
-- moves to 新华区
SELECT sv.inspector_save('豫RGV0001', '陈晓明', 4, '410402', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0001',
                         '{food,special_equipment}') AS moved;
-- moves to the health commission
SELECT sv.inspector_save('豫RGV0002', '刘芳', 7, '410423', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0002') AS new_department;
RESET ROLE;
-- another system now holds RGV-0007's record
SET ROLE regress_dci_feed2;
SELECT sv.inspector_save('RGV-0007', '胡军', 4, '410402', '2024-01-01', '2999-12-31', 'RGV-HR2', 'X-7', '{}', 'retired') AS new_source;
RESET ROLE;
SELECT certificate_no, department_id, region_code, source_system, source_record_id, updated_at > received_at AS changed
FROM sv.inspector WHERE certificate_no IN ('豫RGV0001', '豫RGV0002', 'RGV-0007') ORDER BY certificate_no;
SELECT received_at = :'t_received' AS first_received_kept, updated_at > :'t_saved' AS updated_at_moved
FROM sv.inspector WHERE certificate_no = '豫RGV0001';
-- the audit trail: one record per add and per change, under the inspector's department
SELECT object_id, action, department_id, actor_role, change::jsonb ->> 'region_code' AS region_code,
       change::jsonb ->> 'source_system' AS source_system, change::jsonb ? 'updated_at' AS has_times
FROM sv.audit_log WHERE object_kind = 'inspector' AND object_id LIKE '%RGV%' ORDER BY seq;

-- ---------------------------------------------------------------------------------------------
-- Every reject of sv.inspector_save, in the order the rules check them.  Each call would be
-- valid but for the one thing named.
SET ROLE regress_dci_feed;
SELECT n, pg_temp.try(s) AS outcome FROM (VALUES
  (1, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', NULL, 'E-1')$$),
  (2, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', ' ', 'E-1')$$),
  (3, $$SELECT sv.inspector_save('豫RGV0101', '测试', NULL, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (4, $$SELECT sv.inspector_save(NULL, '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (5, $$SELECT sv.inspector_save(' ', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (6, $$SELECT sv.inspector_save('rgv', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (7, $$SELECT sv.inspector_save('豫RGV 0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (8, $$SELECT sv.inspector_save('豫豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (9, $$SELECT sv.inspector_save('-RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (10, $$SELECT sv.inspector_save('RGV' || repeat('0', 30), '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (11, $$SELECT sv.inspector_save('豫RGV0101', NULL, 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (12, $$SELECT sv.inspector_save('豫RGV0101', ' ', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (13, $$SELECT sv.inspector_save('豫RGV0101', '测试', 999, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (14, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410498', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (15, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, NULL, '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (16, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', NULL)$$),
  (17, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', ' ')$$),
  (18, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1', '{Food}')$$),
  (19, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1', '{food,x,食品}')$$),
  (20, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', NULL, '2999-12-31', 'RGV-HR', 'E-1')$$),
  (21, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '1899-12-31', '2999-12-31', 'RGV-HR', 'E-1')$$),
  (22, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', NULL, 'RGV-HR', 'E-1')$$),
  (23, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '3000-01-01', 'RGV-HR', 'E-1')$$),
  (24, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-06-01', '2024-05-31', 'RGV-HR', 'E-1')$$),
  (25, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1', '{}', 'fired')$$),
  (26, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-1', '{}', ' ACTIVE ')$$),
  -- the record id of another inspector of the same source
  (27, $$SELECT sv.inspector_save('豫RGV0101', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', ' HR-0001 ')$$)
) v(n, s) ORDER BY n;
RESET ROLE;
SELECT count(*) AS nothing_saved_by_rejects FROM sv.inspector WHERE certificate_no = '豫RGV0101' OR source_record_id = 'E-1';
-- the same record id in another source is another record
SET ROLE regress_dci_feed;
SELECT sv.inspector_save('RGV-0011', '高远', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR3', 'HR-0001') AS other_source;
RESET ROLE;

-- Blanks around a specialty go; a blank inside one is no code (it is not dropped).
SET ROLE regress_dci_feed;
SELECT pg_temp.try($$SELECT sv.inspector_save('RGV-0012', '谢婷', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0012', '{food safety}')$$) AS blank_in_code;
SELECT count(*) AS not_saved FROM sv.inspector WHERE certificate_no = 'RGV-0012';
SELECT sv.inspector_save('RGV-0012', '谢婷', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'HR-0012',
                         '{" food ", "special_equipment  "}') AS blanks_around;
RESET ROLE;
SELECT certificate_no, specialties FROM sv.inspector WHERE certificate_no = 'RGV-0012';

-- Who may write: administrators and integration only.
SET ROLE regress_dci_msa_city;
SELECT pg_temp.try($$SELECT sv.inspector_save('RGV-0099', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-9')$$) AS officer;
INSERT INTO sv.inspector (certificate_no, name, department_id, region_code, valid_from, valid_until, status,
                          source_system, source_record_id, received_at, updated_at)
VALUES ('RGV-0099', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'active', 'x', 'x', now(), now());
UPDATE sv.inspector SET status = 'revoked' WHERE certificate_no = '豫RGV0004';
RESET ROLE;
SET ROLE regress_dci_public;
SELECT pg_temp.try($$SELECT sv.inspector_save('RGV-0099', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-9')$$) AS public;
RESET ROLE;
SET ROLE regress_dci_direct;
SELECT pg_temp.try($$SELECT sv.inspector_save('RGV-0099', '测试', 4, '410422', '2024-01-01', '2999-12-31', 'RGV-HR', 'E-9')$$) AS not_admin_nor_integration;
RESET ROLE;
SELECT count(*) AS nothing_saved_by_refusals FROM sv.inspector WHERE certificate_no = 'RGV-0099';

-- ---------------------------------------------------------------------------------------------
-- The merge rules directly, a batch at a time (as sv.ingest uses them): text fields; the last
-- record of a certificate number, or of a source record id, wins and the earlier ones are
-- superseded; one batch may insert, update, leave unchanged and reject.  A record whose source
-- record id already names another inspector is rejected first, so it supersedes nothing (lines
-- 14-15: the same certificate number; 16-17: the same record id).
SELECT line, key, outcome, errcode, message
FROM sv._inspector_merge('RGV-HR', ARRAY[
  ROW('regress', 1, 'M-1', 'RGV-M01', '甲', '410400-MSA', '410422', 'food,drugs', '2024-01-01', '2999-12-31', '')::sv.inspector_staging,
  ROW('regress', 2, 'M-2', 'RGV-M02', '乙', '4', '410422', NULL, '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 3, 'M-1', ' rgv-m01 ', '甲', ' 410400-MSA ', ' 410422 ', '["food", "drugs"]', '2024-01-01', '2999-12-31', 'active')::sv.inspector_staging,
  ROW('regress', 4, 'M-2', 'RGV-M04', '丁', '4', '410422', '{food}', '2024-01-01', '2999-12-31', 'retired')::sv.inspector_staging,
  ROW('regress', 5, 'HR-0001', '豫RGV0001', '陈晓明', '4', '410402', 'special_equipment、food', '2024-01-01', '2999-12-31', 'active')::sv.inspector_staging,
  ROW('regress', 6, 'HR-0005', '豫RGV0005', '郑洁(更名)', '410400-HEALTH', '410400', 'food,public_health', '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 7, 'HR-0003', 'RGV-M07', '庚', '4', '410422', NULL, '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 8, 'M-8', 'RGV-M08', '辛', '4', '410422', NULL, '2024-13-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 9, 'M-9', 'RGV-M09', '壬', '4', '410422', NULL, '2024-01-01', '2999-12-32', NULL)::sv.inspector_staging,
  ROW('regress', 10, 'M-10', '', '癸', '4', '410422', NULL, '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 11, 'M-11', 'RGV-M11', '子', 'MSA', '410422', NULL, '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 12, 'M-12', 'RGV-M12', '丑', '4', '410422', '{food,Drugs}', '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 13, 'M-13', 'RGV-M13', '寅', '4', '410422', NULL, '2024/01/01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 14, 'M-14', 'RGV-M14', '卯', '4', '410422', NULL, '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 15, 'HR-0004', 'RGV-M14', '卯', '4', '410422', NULL, '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 16, 'HR-0006', '豫RGV0006', '马超', '4', '410422', 'food', '2990-01-01', '2999-12-31', NULL)::sv.inspector_staging,
  ROW('regress', 17, 'HR-0006', 'RGV-M17', '辰', '4', '410422', NULL, '2024-01-01', '2999-12-31', NULL)::sv.inspector_staging
]) ORDER BY line;
SELECT certificate_no, name, department_id, region_code, specialties, status, source_record_id
FROM sv.inspector WHERE certificate_no IN ('RGV-M01', 'RGV-M02', 'RGV-M04', 'RGV-M14', 'RGV-M17', '豫RGV0005', '豫RGV0006')
ORDER BY certificate_no;

-- ---------------------------------------------------------------------------------------------
-- Who sees which inspectors: officers their department's in their regions.
SET ROLE regress_dci_msa_city;
SELECT certificate_no, name, department_name, region_name, specialties, valid_from, valid_until, status, can_act_today
FROM sv_work.inspector WHERE certificate_no LIKE '%RGV%' ORDER BY certificate_no;
SELECT count(*) AS same_through_the_table FROM sv.inspector WHERE certificate_no LIKE '%RGV%';
RESET ROLE;
SET ROLE regress_dci_msa_ye;
SELECT certificate_no, region_code, can_act_today FROM sv_work.inspector WHERE certificate_no LIKE '%RGV%' ORDER BY certificate_no;
RESET ROLE;
SET ROLE regress_dci_health;
SELECT certificate_no, department_name, region_code, can_act_today FROM sv_work.inspector WHERE certificate_no LIKE '%RGV%' ORDER BY certificate_no;
RESET ROLE;
SET ROLE regress_dci_unmapped;
SELECT count(*) AS unmapped_sees FROM sv_work.inspector WHERE certificate_no LIKE '%RGV%';
RESET ROLE;
SET ROLE regress_dci_auditor;
SELECT count(*) AS auditor_sees FROM sv_work.inspector WHERE certificate_no LIKE '%RGV%';
RESET ROLE;
SET ROLE regress_dci_feed;
SELECT count(*) AS integration_reads_the_table FROM sv.inspector WHERE certificate_no LIKE '%RGV%';
SELECT count(*) FROM sv_work.inspector;
RESET ROLE;
-- inspectors are not published
SET ROLE regress_dci_public;
SELECT count(*) FROM sv_work.inspector;
SELECT count(*) FROM sv.inspector;
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- Clean-up (as superuser; the platform itself deletes none of these): the inspectors and the
-- staff mappings (ended first) go; the audit records stay.
DELETE FROM sv.inspector WHERE certificate_no LIKE '%RGV%' OR source_system LIKE 'RGV-%';
SELECT count(sv.staff_end(id, 'regression test finished')) AS ended FROM sv.staff WHERE role_name LIKE 'regress_dci_%';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_dci_%';
SELECT (SELECT count(*) FROM sv.inspector WHERE certificate_no LIKE '%RGV%' OR source_system LIKE 'RGV-%') AS inspectors_left,
       (SELECT count(*) FROM sv.staff WHERE role_name LIKE 'regress_dci_%') AS staff_left;
REVOKE EXECUTE ON FUNCTION sv.inspector_save(text, text, integer, text, date, date, text, text, text[], text)
  FROM regress_dci_direct;
REVOKE USAGE ON SCHEMA sv FROM regress_dci_direct;
DROP ROLE regress_dci_feed, regress_dci_feed2, regress_dci_admin, regress_dci_auditor, regress_dci_msa_city,
          regress_dci_msa_ye, regress_dci_health, regress_dci_unmapped, regress_dci_public, regress_dci_direct;
