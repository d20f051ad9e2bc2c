-- Maintaining and publishing the catalogue: write functions, releases, diff, public view.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

CREATE ROLE regress_cat_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_cat_msa LOGIN IN ROLE sv_officer;
CREATE ROLE regress_cat_health LOGIN IN ROLE sv_officer;
CREATE ROLE regress_cat_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_cat_admin', 1, '410400') > 0 AS mapped,
       sv.staff_add('regress_cat_msa', 4, '410400') > 0 AS mapped_msa,
       sv.staff_add('regress_cat_health', 7, '410400') > 0 AS mapped_health;

-- Every argument checked, with its field named.
SET ROLE regress_cat_msa;
SELECT sv.catalog_item_save(NULL, 4, 'n', 'm', 'me', 'o', '[]', 'city', 'city');
SELECT sv.catalog_item_save('x y', 4, 'n', 'm', 'me', 'o', '[]', 'city', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 99, 'n', 'm', 'me', 'o', '[]', 'city', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, ' ', 'm', 'me', 'o', '[]', 'city', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', NULL, 'me', 'o', '[]', 'city', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', 'm', '', 'o', '[]', 'city', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', 'm', 'me', NULL, '[]', 'city', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', 'm', 'me', 'o', '{}', 'city', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', 'm', 'me', 'o', '[{"article": "3"}]', 'city', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', 'm', 'me', 'o', '[]', 'town', 'city');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', 'm', 'me', 'o', '[]', 'city', 'county');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', 'm', 'me', 'o', '[]', 'city', 'city', main_item => 'PDS-MSA-0');
SELECT sv.catalog_item_save('PDS-MSA-1', 4, 'n', 'm', 'me', 'o', '[]', 'city', 'city', main_item => 'PDS-MSA-0', sub_name => 's');
-- an officer maintains only the own department's items
SELECT sv.catalog_item_save('PDS-HEALTH-1', 7, 'n', 'm', 'me', 'o', '[]', 'city', 'city');
-- (this file's items are PDS-*, its check items the four codes below: other files' rows in the
-- shared catalogue, and so in every release, are left out of what it prints)
\set own_checks '^410400-MSA-(C99|K01|TMP)$|^410422-MSA-C01$'
SELECT count(*) AS items_after_errors FROM sv.catalog_item WHERE code LIKE 'PDS-%';

-- Items and sub-items of the market supervision department.
SELECT sv.catalog_item_save('PDS-MSA-001', 4, '对食品生产经营活动的监督检查', '双随机抽查、重点检查',
  '现场检查、抽样检验、责令整改', '食品生产经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'national', 'national',
  process => '制定计划、随机抽取、实施检查、公示结果', result => '检查结果在20个工作日内公示') > 0 AS saved;
SELECT sv.catalog_item_save('PDS-MSA-001-01', 4, '对食品生产经营活动的监督检查', '双随机抽查',
  '现场检查', '食品生产企业', '[{"law": "中华人民共和国食品安全法", "article": "第八十七条"}]', 'national', 'national',
  main_item => 'PDS-MSA-001', sub_name => '食品生产环节') > 0 AS saved_sub;
SELECT sv.catalog_item_save('PDS-MSA-101', 4, '对个体工商户年度报告的监督检查', '双随机抽查',
  '书面检查', '个体工商户', '[{"law": "促进个体工商户发展条例", "article": "第二十三条"}]', 'city', 'city') > 0 AS saved_city;
-- saving the same values again changes nothing (no version, no audit record)
SELECT count(*) AS history_before FROM sv.catalog_item_history \gset
SELECT sv.catalog_item_save('PDS-MSA-101', 4, '对个体工商户年度报告的监督检查', '双随机抽查',
  '书面检查', '个体工商户', '[{"law": "促进个体工商户发展条例", "article": "第二十三条"}]', 'city', 'city') > 0 AS resaved;
SELECT count(*) = :history_before AS no_new_version FROM sv.catalog_item_history;
-- check items
SELECT sv.check_item_save('410422-MSA-C01', 'PDS-MSA-001-01', 'county', '410422', 4, 'on_site',
  '生产许可条件保持情况、原料进货查验记录', 'general', frequency => '每年不少于一次') > 0 AS saved_check;
SELECT sv.check_item_save('410400-MSA-K01', 'PDS-MSA-001', 'city', '410400', 4, 'on_site',
  '婴幼儿配方食品生产企业', 'key') > 0 AS saved_key_check;
SELECT sv.check_item_save('410400-MSA-C99', 'PDS-NONE', 'city', '410400', 4, 'on_site', 'x', 'general');
SELECT sv.check_item_save('410400-MSA-C99', 'PDS-MSA-001', 'village', '410400', 4, 'on_site', 'x', 'general');
SELECT sv.check_item_save('410400-MSA-C99', 'PDS-MSA-001', 'city', '410499', 4, 'on_site', 'x', 'general');
SELECT sv.check_item_save('410400-MSA-C99', 'PDS-MSA-001', 'city', '410400', NULL, 'on_site', 'x', 'general');
SELECT sv.check_item_save('410400-MSA-C99', 'PDS-MSA-001', 'city', '410400', 4, 'by_phone', 'x', 'general');
SELECT sv.check_item_save('410400-MSA-C99', 'PDS-MSA-001', 'city', '410400', 4, 'on_site', ' ', 'general');
SELECT sv.check_item_save('410400-MSA-C99', 'PDS-MSA-001', 'city', '410400', 4, 'on_site', 'x', 'special');
SELECT sv.check_item_save('410400-MSA-C99', 'PDS-MSA-001', 'city', '410400', 7, 'on_site', 'x', 'general');
RESET ROLE;

-- The health commission cannot touch the market supervision department's items.
SET ROLE regress_cat_health;
SELECT sv.catalog_item_save('PDS-MSA-101', 7, '改名', '双随机抽查', '书面检查', '个体工商户', '[]', 'city', 'city');
SELECT sv.catalog_item_withdraw('PDS-MSA-101', 'not ours to withdraw');
RESET ROLE;

-- The item hierarchy has two levels: no item is its own main item, no sub-item has sub-items.
SET ROLE regress_cat_msa;
SELECT sv.catalog_item_save('PDS-MSA-001', 4, '对食品生产经营活动的监督检查', '双随机抽查、重点检查',
  '现场检查、抽样检验、责令整改', '食品生产经营者', '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]',
  'national', 'national', main_item => 'PDS-MSA-001', sub_name => 'self');
SELECT sv.catalog_item_save('PDS-MSA-001', 4, '对食品生产经营活动的监督检查', '双随机抽查、重点检查',
  '现场检查、抽样检验、责令整改', '食品生产经营者', '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]',
  'national', 'national', main_item => 'PDS-MSA-101', sub_name => 'moved under another');
-- a check item can be withdrawn
SELECT sv.check_item_save('410400-MSA-TMP', 'PDS-MSA-101', 'city', '410400', 4, 'documents', '临时', 'general') > 0 AS saved_tmp;
SELECT sv.check_item_withdraw('410400-MSA-TMP', 'no');
SELECT sv.check_item_withdraw('410400-MSA-NONE', 'created by mistake');
SELECT sv.check_item_withdraw('410400-MSA-TMP', 'created by mistake');
SELECT count(*) AS tmp_left FROM sv.check_item WHERE code = '410400-MSA-TMP';
RESET ROLE;

-- Publish: administrators only; frozen copies.
SET ROLE regress_cat_msa;
SELECT sv.catalog_publish('2026-1');
RESET ROLE;
SET ROLE regress_cat_admin;
SELECT sv.catalog_publish(' ');
SELECT sv.catalog_publish('2026-1', '首次发布') > 0 AS published;
SELECT sv.catalog_publish('2026-1');
RESET ROLE;
SELECT r.label, r.note, r.published_by,
       r.items = count(i.code) FILTER (WHERE i.kind = 'catalog_item')
         AND r.check_items = count(i.code) FILTER (WHERE i.kind = 'check_item') AS counts_frozen,
       count(i.code) FILTER (WHERE i.kind = 'catalog_item' AND i.code LIKE 'PDS-%') AS items,
       count(i.code) FILTER (WHERE i.kind = 'check_item' AND i.code ~ :'own_checks') AS check_items
FROM sv.catalog_release r LEFT JOIN sv.catalog_release_item i ON i.release_id = r.id
WHERE r.label LIKE '2026-_' GROUP BY r.id ORDER BY r.id;
UPDATE sv.catalog_release SET note = 'rewritten';
DELETE FROM sv.catalog_release_item;

-- The public sees the latest release, not the working catalogue.
SET ROLE regress_cat_public;
SELECT release, code, main_item, sub_name, department_code, level, source FROM sv_public.catalog_item
WHERE code LIKE 'PDS-%' ORDER BY code;
SELECT release, code, catalog_item, region_code, kind, frequency FROM sv_public.check_item WHERE code ~ :'own_checks' ORDER BY code;
SELECT count(*) FILTER (WHERE release <> '2026-1') AS other_releases_shown FROM sv_public.catalog_item;
SELECT count(*) FROM sv.catalog_item;
RESET ROLE;

-- Change, add, withdraw; then diff against the release and publish again.
SET ROLE regress_cat_msa;
SELECT sv.catalog_item_save('PDS-MSA-101', 4, '对个体工商户年度报告公示信息的监督检查', '双随机抽查',
  '书面检查、网络监测', '个体工商户', '[{"law": "促进个体工商户发展条例", "article": "第二十三条"}]', 'city', 'city') > 0 AS changed;
SELECT sv.catalog_item_save('PDS-MSA-102', 4, '对农民专业合作社年度报告的监督检查', '双随机抽查',
  '书面检查', '农民专业合作社', '[{"law": "中华人民共和国农民专业合作社法", "article": "第十七条"}]', 'city', 'city') > 0 AS added;
SELECT sv.catalog_item_withdraw('PDS-MSA-001-01', 'no');
SELECT sv.catalog_item_withdraw('PDS-MSA-001-01', 'merged into the main item');
SELECT sv.catalog_item_withdraw('PDS-NONE', 'typo');
SELECT sv.catalog_item_withdraw('PDS-MSA-001', 'has sub-items and checks');
SELECT sv.check_item_save('410422-MSA-C01', 'PDS-MSA-001', 'county', '410422', 4, 'on_site',
  '生产许可条件保持情况、原料进货查验记录', 'general', frequency => '每年不少于一次') > 0 AS moved_check;
SELECT sv.catalog_item_withdraw('PDS-MSA-001-01', 'merged into the main item');
SELECT count(*) AS still_there FROM sv.catalog_item WHERE code = 'PDS-MSA-001-01';
RESET ROLE;
SELECT kind, code, change, before ->> 'main_name' AS before_name, after ->> 'main_name' AS after_name,
       after ->> 'catalog_item' AS after_item
FROM sv.catalog_diff('2026-1');
SELECT sv.catalog_publish('2026-2', '第二版') > 0 AS published_again;
SELECT kind, code, change FROM sv.catalog_diff('2026-1', '2026-2');
SELECT count(*) AS nothing_changed_since FROM sv.catalog_diff('2026-2');
SELECT count(*) AS public_sees_latest FROM sv_public.catalog_item WHERE release = '2026-2' AND code LIKE 'PDS-%';
SELECT * FROM sv.catalog_diff('2025-9');
SELECT * FROM sv.catalog_diff('2026-1', '2025-9');
-- the first release is unchanged by all of it
SELECT count(*) FILTER (WHERE kind = 'catalog_item') AS items, count(*) FILTER (WHERE kind = 'check_item') AS checks
FROM sv.catalog_release_item i JOIN sv.catalog_release r ON r.id = i.release_id
WHERE r.label = '2026-1' AND (i.code LIKE 'PDS-%' OR i.code ~ :'own_checks');

-- Every change is in the audit trail and in the history.
SELECT object_kind, object_id, action, actor_role FROM sv.audit_log
WHERE object_kind IN ('catalog_item', 'check_item', 'catalog_release')
  AND (object_id LIKE 'PDS-%' OR object_id ~ :'own_checks' OR object_id LIKE '2026-_') ORDER BY seq;
SELECT code, count(*) AS past_versions FROM sv.catalog_item_history WHERE code LIKE 'PDS-%' GROUP BY code ORDER BY code;
UPDATE sv.catalog_item_history SET main_name = 'rewritten';
TRUNCATE sv.catalog_item_history;
TRUNCATE sv.catalog_release_item;

SELECT count(sv.staff_end(id, 'regression test finished')) AS ended
FROM sv.staff WHERE role_name IN ('regress_cat_admin', 'regress_cat_msa', 'regress_cat_health');
DROP ROLE regress_cat_admin, regress_cat_msa, regress_cat_health, regress_cat_public;
