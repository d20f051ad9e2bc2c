-- Joint supervision (联合监管, issue 19): the joint-supervision list (联合监管清单):
-- sv.joint_item_save and sv.joint_item_withdraw (every field, every error, every role), the
-- versions (sv.as_of), the public view and the audit records.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_jt_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_jt_msa LOGIN IN ROLE sv_officer;        -- market supervision (department 4): leads
CREATE ROLE regress_jt_hurd LOGIN IN ROLE sv_officer;       -- housing (department 5): a partner
CREATE ROLE regress_jt_nomap LOGIN IN ROLE sv_officer;      -- no staff mapping
CREATE ROLE regress_jt_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_jt_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_jt_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_jt_feed LOGIN IN ROLE sv_integration;
SELECT sv.staff_add('regress_jt_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_jt_hurd', 5, '410400') > 0 AS mapped;

-- a statement run as a role: 'ok' or "SQLSTATE: message" (the role is reset after it)
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RESET ROLE;
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- the departments' own catalogue items
SELECT sv.catalog_item_save('JT-MSA-1', 4, '食品经营监督检查', '现场检查', '检查、责令整改', '食品经营者',
         '[{"law": "食品安全法", "article": "第一百一十条"}]', 'city', 'national') > 0 AS saved,
       sv.catalog_item_save('JT-MSA-2', 4, '特种设备监督检查', '现场检查', '检查', '特种设备使用单位',
         '[{"law": "特种设备安全法", "article": "第五十七条"}]', 'city', 'national') > 0 AS saved,
       sv.catalog_item_save('JT-HURD-1', 5, '燃气经营监督检查', '现场检查', '检查', '燃气经营者',
         '[{"law": "城镇燃气管理条例", "article": "第四十二条"}]', 'city', 'national') > 0 AS saved,
       sv.catalog_item_save('JT-EMERG-1', 9, '安全生产监督检查', '现场检查', '检查', '生产经营单位',
         '[{"law": "安全生产法", "article": "第六十五条"}]', 'city', 'national') > 0 AS saved;

-- the base call of the error cases below (the statement; pg_temp.save runs it as the lead's officer)
CREATE FUNCTION pg_temp.save_q(code text DEFAULT 'JT-GAS', matter text DEFAULT '餐饮场所燃气安全联合监管',
                             scenario text DEFAULT '餐饮场所使用瓶装液化石油气', lead integer DEFAULT 4,
                             lead_items text[] DEFAULT '{JT-MSA-1}',
                             partners jsonb DEFAULT '[{"department_id": 5, "catalog_items": ["JT-HURD-1"]},
                                                      {"department_id": 9, "catalog_items": ["JT-EMERG-1"]}]',
                             basis jsonb DEFAULT '[{"law": "城镇燃气管理条例", "article": "第二十八条"}]',
                             copy_on text[] DEFAULT '{penalty,case_filed,problem_found}', ack_days integer DEFAULT 5)
RETURNS text LANGUAGE sql AS $$
  SELECT format('SELECT sv.joint_item_save(%L, %L, %L, %s, %L, %L, %L, %L, %s)', code, matter, scenario,
                coalesce(lead::text, 'NULL'), lead_items, partners, basis, copy_on, coalesce(ack_days::text, 'NULL'))
$$;
CREATE FUNCTION pg_temp.save(code text DEFAULT 'JT-GAS', matter text DEFAULT '餐饮场所燃气安全联合监管',
                             scenario text DEFAULT '餐饮场所使用瓶装液化石油气', lead integer DEFAULT 4,
                             lead_items text[] DEFAULT '{JT-MSA-1}',
                             partners jsonb DEFAULT '[{"department_id": 5, "catalog_items": ["JT-HURD-1"]},
                                                      {"department_id": 9, "catalog_items": ["JT-EMERG-1"]}]',
                             basis jsonb DEFAULT '[{"law": "城镇燃气管理条例", "article": "第二十八条"}]',
                             copy_on text[] DEFAULT '{penalty,case_filed,problem_found}', ack_days integer DEFAULT 5)
RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.as_role('regress_jt_msa', pg_temp.save_q(code, matter, scenario, lead, lead_items, partners, basis, copy_on, ack_days))
$$;

-- who may save: administrators, officers for the department they lead
SELECT r AS role, pg_temp.as_role(r, pg_temp.save_q()) AS result
FROM unnest('{regress_jt_hurd,regress_jt_nomap,regress_jt_auditor,regress_jt_bi,regress_jt_public,regress_jt_feed}'::text[]) r;
SELECT pg_temp.save() AS msa_saves;
SELECT code, matter, scenario, lead_department_id, partner_department_ids, catalog_items, legal_basis, copy_on, ack_days, updated_by
FROM sv.joint_item WHERE code LIKE 'JT-%';

-- every error, nothing written
SELECT pg_temp.save(code => NULL) AS null_code,
       pg_temp.save(code => 'x') AS bad_code,
       pg_temp.save(matter => '  ') AS empty_matter,
       pg_temp.save(matter => repeat('事', 201)) AS long_matter,
       pg_temp.save(scenario => E'two\nlines') AS scenario_line,
       pg_temp.save(scenario => repeat('景', 501)) AS long_scenario;
SELECT pg_temp.save(lead => 99) AS no_lead,
       pg_temp.save(lead_items => '{}') AS no_lead_items,
       pg_temp.save(lead_items => '{JT-NONE}') AS unknown_item,
       pg_temp.save(lead_items => '{JT-HURD-1}') AS other_departments_item;
SELECT pg_temp.save(partners => '{}') AS partners_object,
       pg_temp.save(partners => '[]') AS no_partners,
       pg_temp.save(partners => '[5]') AS partner_not_object,
       pg_temp.save(partners => '[{"department_id": 5, "catalog_items": ["JT-HURD-1"], "role": "x"}]') AS unknown_key,
       pg_temp.save(partners => '[{"department_id": "5", "catalog_items": ["JT-HURD-1"]}]') AS id_string,
       pg_temp.save(partners => '[{"department_id": 99, "catalog_items": ["JT-HURD-1"]}]') AS no_department;
SELECT pg_temp.save(partners => '[{"department_id": 4, "catalog_items": ["JT-MSA-2"]}]') AS lead_as_partner,
       pg_temp.save(partners => '[{"department_id": 5, "catalog_items": ["JT-HURD-1"]}, {"department_id": 5, "catalog_items": ["JT-HURD-1"]}]') AS twice,
       pg_temp.save(partners => '[{"department_id": 5}]') AS partner_without_items,
       pg_temp.save(partners => '[{"department_id": 5, "catalog_items": ["JT-MSA-2"]}]') AS partner_other_item,
       pg_temp.save(partners => (SELECT jsonb_agg(jsonb_build_object('department_id', 5)) FROM generate_series(1, 31))) AS too_many;
SELECT pg_temp.save(basis => '[]') AS no_basis,
       pg_temp.save(basis => '[{"article": "第一条"}]') AS basis_without_law,
       pg_temp.save(copy_on => '{inspection}') AS bad_copy_on,
       pg_temp.save(ack_days => 0) AS ack_days_0,
       pg_temp.save(ack_days => 61) AS ack_days_61;
SELECT count(*) AS entries, count(*) FILTER (WHERE lower(sys_period) IS NOT NULL) AS versions FROM sv.joint_item WHERE code LIKE 'JT-%';

-- the same again: no new version; a change: a new version, the old one in the history
SELECT pg_temp.save() AS unchanged;
SELECT count(*) AS history_versions FROM sv.joint_item_history WHERE code = 'JT-GAS';
SELECT now() AS before_change \gset
SELECT pg_temp.save(lead_items => '{JT-MSA-2,JT-MSA-1,JT-MSA-1}', ack_days => 3) AS changed;
SELECT code, catalog_items, ack_days FROM sv.joint_item WHERE code = 'JT-GAS';
SELECT code, catalog_items, ack_days FROM sv.joint_item_history WHERE code = 'JT-GAS';
-- the list as it was before the change, read as an officer
SET ROLE regress_jt_hurd;
SELECT code, ack_days FROM sv.as_of(NULL::sv.joint_item, :'before_change') WHERE code LIKE 'JT-%';
RESET ROLE;
-- a partner cannot change it; the administrator can, also its lead
SELECT pg_temp.as_role('regress_jt_hurd', pg_temp.save_q(lead => 5, lead_items => '{JT-HURD-1}',
         partners => '[{"department_id": 4, "catalog_items": ["JT-MSA-1"]}]')) AS partner_takes_lead;
SELECT sv.staff_add('regress_jt_admin', 1, '410400') > 0 AS admin_mapped;
SELECT pg_temp.as_role('regress_jt_admin', pg_temp.save_q(code => 'JT-SAFETY', lead => 9, lead_items => '{JT-EMERG-1}',
         partners => '[{"department_id": 4, "catalog_items": ["JT-MSA-2"]}]', matter => '特种设备安全联合监管',
         scenario => '人员密集场所电梯', copy_on => '{penalty,coercive_measure}')) AS admin_saves;

-- the public view: names, not ids
SELECT code, matter, lead_department_name, partner_department_names, catalog_items, copy_on, ack_days
FROM sv_public.joint_item WHERE code LIKE 'JT-%' ORDER BY code;
SELECT r AS role, pg_temp.as_role(r, 'SELECT count(*) FROM sv_public.joint_item') AS reads
FROM unnest('{regress_jt_admin,regress_jt_msa,regress_jt_nomap,regress_jt_auditor,regress_jt_bi,regress_jt_public,regress_jt_feed}'::text[]) r;
-- nobody writes the tables directly
SELECT r AS role, pg_temp.as_role(r, $q$UPDATE sv.joint_item SET ack_days = 1$q$) AS update_table,
       pg_temp.as_role(r, $q$DELETE FROM sv.joint_item_history$q$) AS delete_history
FROM unnest('{regress_jt_admin,regress_jt_msa,regress_jt_auditor}'::text[]) r;
SELECT pg_temp.try($q$DELETE FROM sv.joint_item_history WHERE code = 'JT-GAS'$q$) AS superuser_deletes_history;

-- withdraw: the lead's officers or administrators, with a reason
SELECT r AS role, pg_temp.as_role(r, $q$SELECT sv.joint_item_withdraw('JT-GAS', '职责调整,改由住建部门牵头')$q$) AS result
FROM unnest('{regress_jt_hurd,regress_jt_nomap,regress_jt_auditor,regress_jt_bi,regress_jt_public,regress_jt_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_jt_msa', $q$SELECT sv.joint_item_withdraw('JT-GAS', NULL)$q$) AS null_reason,
       pg_temp.as_role('regress_jt_msa', $q$SELECT sv.joint_item_withdraw('JT-GAS', 'x')$q$) AS short_reason,
       pg_temp.as_role('regress_jt_msa', $q$SELECT sv.joint_item_withdraw('JT-NONE', '职责调整')$q$) AS unknown,
       pg_temp.as_role('regress_jt_msa', $q$SELECT sv.joint_item_withdraw('JT-SAFETY', '职责调整')$q$) AS not_its_lead;
SELECT pg_temp.as_role('regress_jt_msa', $q$SELECT sv.joint_item_withdraw('JT-GAS', '职责调整,改由住建部门牵头')$q$) AS withdrawn;
SELECT code FROM sv_public.joint_item WHERE code LIKE 'JT-%';
SELECT code, ack_days, upper(sys_period) IS NOT NULL AS ended FROM sv.joint_item_history WHERE code = 'JT-GAS' ORDER BY lower(sys_period);

-- the audit records: who, what
SELECT object_kind, object_id, action, actor_role, department_id, change::jsonb - 'catalog_items' - 'legal_basis' AS change
FROM sv.audit_log WHERE object_kind = 'joint_item' AND object_id LIKE 'JT-%' ORDER BY seq;

-- leave nothing behind (the history is append-only: the guards are relaxed for the cleanup)
DELETE FROM sv.joint_item WHERE code LIKE 'JT-%';
BEGIN;
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.joint_item_history WHERE code LIKE 'JT-%';
DELETE FROM sv.catalog_item_history WHERE code LIKE 'JT-%';
DELETE FROM sv.catalog_item WHERE code LIKE 'JT-%';
DELETE FROM sv.catalog_item_history WHERE code LIKE 'JT-%';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_jt_%';
SET LOCAL session_replication_role = origin;
CALL sv._append_only_enforce();
COMMIT;
DROP ROLE regress_jt_admin, regress_jt_msa, regress_jt_hurd, regress_jt_nomap, regress_jt_auditor, regress_jt_bi,
  regress_jt_public, regress_jt_feed;
