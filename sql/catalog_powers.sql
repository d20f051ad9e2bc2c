-- The power and responsibility list, the supervising department, claiming and its KPIs.
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE ROLE regress_pow_msa LOGIN IN ROLE sv_officer;
CREATE ROLE regress_pow_health LOGIN IN ROLE sv_officer;
CREATE ROLE regress_pow_bi LOGIN IN ROLE sv_bi;
SELECT sv.staff_add('regress_pow_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_pow_health', 7, '410400') > 0 AS mapped;
-- the claim-rate KPIs count every item of a department, other files' items too: this file shows
-- what its own items add to them, and that the rates the view computes agree with its counts
CREATE TABLE pg_temp.claim_base AS SELECT * FROM sv_bi.catalog_claim_rate;
GRANT SELECT ON pg_temp.claim_base TO PUBLIC;
-- (a function, so that the view is read with the caller's rights)
CREATE FUNCTION pg_temp.claim_added() RETURNS TABLE (department_code text, items_to_claim_added bigint,
    items_claimed_added bigint, claimed_with_checks_added bigint, claim_rate_agrees boolean, completeness_agrees boolean)
LANGUAGE sql AS $$
SELECT r.department_code, r.items_to_claim - b.items_to_claim, r.items_claimed - b.items_claimed,
       r.claimed_with_checks - b.claimed_with_checks,
       r.claim_rate_pct IS NOT DISTINCT FROM round(100.0 * r.items_claimed / nullif(r.items_to_claim, 0), 1),
       r.checklist_completeness_pct IS NOT DISTINCT FROM round(100.0 * r.claimed_with_checks / nullif(r.items_claimed, 0), 1)
FROM sv_bi.catalog_claim_rate r JOIN pg_temp.claim_base b USING (department_code)
$$;

SET ROLE regress_pow_msa;
SELECT sv.catalog_item_save('POW-MSA-001', 4, '对食品经营许可的监督检查', '双随机抽查', '现场检查', '食品经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第三十五条"}]', 'national', 'national') > 0 AS national_item,
       sv.catalog_item_save('POW-MSA-002', 4, '对特种设备使用单位的监督检查', '双随机抽查', '现场检查', '特种设备使用单位',
  '[{"law": "中华人民共和国特种设备安全法", "article": "第五十七条"}]', 'provincial', 'provincial') > 0 AS provincial_item,
       sv.catalog_item_save('POW-MSA-101', 4, '对城市特有事项的监督检查', '抽查', '书面检查', '企业', '[]', 'city', 'city') > 0 AS city_item;

-- power items: licensing approved by the department itself, and a centralised approval
SELECT sv.power_item_save('POW-L-001', '食品经营许可', 'licensing', 4,
  '[{"law": "中华人民共和国食品安全法", "article": "第三十五条"}]', approving_department_id => 4,
  catalog_item => 'POW-MSA-001') > 0 AS saved;
SELECT sv.power_item_save(NULL, 'x', 'other', 4, '[]');
SELECT sv.power_item_save('POW-X', ' ', 'other', 4, '[]');
SELECT sv.power_item_save('POW-X', 'x', 'permit', 4, '[]');
SELECT sv.power_item_save('POW-X', 'x', 'other', 99, '[]');
SELECT sv.power_item_save('POW-X', 'x', 'other', 4, '[]', approving_department_id => 99);
SELECT sv.power_item_save('POW-X', 'x', 'licensing', 4, '[]');
SELECT sv.power_item_save('POW-X', 'x', 'other', 4, '[]', centralised => NULL);
SELECT sv.power_item_save('POW-X', 'x', 'other', 4, '[1]');
SELECT sv.power_item_save('POW-X', 'x', 'other', 4, '[]', catalog_item => 'NONE');
SELECT sv.power_item_save('POW-X', 'x', 'other', 7, '[]');
RESET ROLE;
-- a licence approved centrally by the government services bureau (相对集中许可), supervised by
-- the competent department
SELECT sv.power_item_save('POW-L-002', '医疗机构执业许可', 'licensing', 7,
  '[{"law": "医疗机构管理条例", "article": "第九条"}]', approving_department_id => 1, centralised => true) > 0 AS saved;
SELECT sv.power_item_save('POW-O-001', '对违法广告的行政处罚', 'penalty', 4,
  '[{"law": "中华人民共和国广告法", "article": "第五十五条"}]') > 0 AS saved;
SELECT code, sv.supervising_department(code) AS supervising_department_id FROM sv.power_item WHERE code LIKE 'POW-%' ORDER BY code;
SELECT sv.supervising_department('POW-NONE');
SELECT count(*) AS versions_of_power_items FROM sv.as_of(NULL::sv.power_item, now()) WHERE code LIKE 'POW-%';

-- claiming: by the department's staff, national and provincial items only
SET ROLE regress_pow_msa;
SELECT sv.catalog_claim('POW-MSA-001');
SELECT sv.catalog_claim('POW-MSA-001');          -- a second claim changes nothing
SELECT sv.catalog_claim('POW-MSA-101');
SELECT sv.catalog_claim('POW-NONE');
RESET ROLE;
SET ROLE regress_pow_health;
SELECT sv.catalog_claim('POW-MSA-002');
SELECT sv.catalog_unclaim('POW-MSA-001', 'not ours');
RESET ROLE;
SET ROLE regress_pow_msa;
SELECT sv.check_item_save('POW-C-001', 'POW-MSA-001', 'city', '410400', 4, 'on_site', '许可条件保持情况', 'general') > 0 AS checklist;
SELECT sv.catalog_claim('POW-MSA-002');
SELECT sv.catalog_unclaim('POW-MSA-002', 'no');
RESET ROLE;
SET ROLE regress_pow_bi;
SELECT * FROM pg_temp.claim_added() WHERE department_code IN ('410400-MSA', '410400-HEALTH') ORDER BY 1;
RESET ROLE;
SET ROLE regress_pow_msa;
SELECT sv.catalog_unclaim('POW-MSA-002', 'claimed by mistake');
RESET ROLE;
SELECT department_code, items_claimed_added, claim_rate_agrees FROM pg_temp.claim_added() WHERE department_code = '410400-MSA';
-- withdrawing an item named by a power item is refused with a reason; a claimed item takes its claim along
SET ROLE regress_pow_msa;
SELECT sv.catalog_item_withdraw('POW-MSA-001', 'merged into another item');
SELECT sv.check_item_withdraw('POW-C-001', 'merged into another item');
SELECT sv.catalog_item_withdraw('POW-MSA-001', 'merged into another item');
SELECT sv.power_item_save('POW-L-001', '食品经营许可', 'licensing', 4,
  '[{"law": "中华人民共和国食品安全法", "article": "第三十五条"}]', approving_department_id => 4) > 0 AS unlinked;
SELECT sv.catalog_item_withdraw('POW-MSA-001', 'merged into another item');
SELECT count(*) AS claims_left FROM sv.catalog_claim k JOIN sv.catalog_item c ON c.id = k.catalog_item_id WHERE c.code = 'POW-MSA-001';
RESET ROLE;
SELECT object_kind, object_id, action FROM sv.audit_log WHERE object_kind IN ('power_item', 'catalog_claim') AND object_id LIKE 'POW-%'
ORDER BY seq;

SELECT count(sv.staff_end(id, 'regression test finished')) AS ended FROM sv.staff WHERE role_name LIKE 'regress_pow_%';
DROP ROLE regress_pow_msa, regress_pow_health, regress_pow_bi;
