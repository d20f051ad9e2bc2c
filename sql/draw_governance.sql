-- Governance of double-random plans (双随机、一公开): who may plan, join, cancel and change a
-- plan; run deadlines and overdue plans; the guards of a sealed plan (docs/draw.md).
-- Self-contained: its own logins, departments' officers, check items, subjects and inspectors.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- an error as "SQLSTATE: message HINT: hint", dates and times masked
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h text;
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
  RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(' HINT: ' || nullif(h, ''), ''),
                        '\d{4}-\d{2}-\d{2}( [0-9:.+-]+)?', 'YYYY-MM-DD', 'g');
END
$$;

-- Fixtures: officers of market supervision (4) city-wide, in 叶县 and in 鲁山县; of the health
-- commission (7) city-wide and in 鲁山县; an administrator mapped to 叶县 and one unmapped.
CREATE ROLE regress_dg_msa LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dg_msa_ye LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dg_msa_ls LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dg_health LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dg_health_ls LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dg_unmapped LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dg_admin_ye LOGIN IN ROLE sv_admin;
CREATE ROLE regress_dg_admin_nomap LOGIN IN ROLE sv_admin;
CREATE ROLE regress_dg_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_dg_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_dg_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_dg_integration LOGIN IN ROLE sv_integration;
SELECT count(sv.staff_add(r, d, g)) AS mapped
FROM (VALUES ('regress_dg_msa', 4, '410400'), ('regress_dg_msa_ye', 4, '410422'), ('regress_dg_msa_ls', 4, '410423'),
             ('regress_dg_health', 7, '410400'), ('regress_dg_health_ls', 7, '410423'), ('regress_dg_admin_ye', 1, '410422'))
     AS v(r, d, g);
SET ROLE regress_dg_msa;
SELECT sv.catalog_item_save('RDG-MSA-1', 4, '对食品经营活动的监督检查', '双随机抽查', '现场检查', '食品经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'city', 'city') > 0 AS item,
       sv.check_item_save('RDG-MSA-1-C01', 'RDG-MSA-1', 'city', '410400', 4, 'on_site', '进货查验记录', 'general') > 0 AS c01,
       sv.check_item_save('RDG-MSA-1-C02', 'RDG-MSA-1', 'city', '410400', 4, 'on_site', '食品贮存条件', 'general') > 0 AS c02;
SET ROLE regress_dg_health;
SELECT sv.catalog_item_save('RDG-HLT-1', 7, '对公共场所卫生的监督检查', '双随机抽查', '现场检查', '公共场所经营者',
  '[{"law": "公共场所卫生管理条例", "article": "第十四条"}]', 'city', 'city') > 0 AS item,
       sv.check_item_save('RDG-HLT-1-C01', 'RDG-HLT-1', 'city', '410400', 7, 'on_site', '卫生许可证与从业人员健康证明', 'general') > 0 AS c01;
RESET ROLE;
SELECT sv.catalog_publish('RDG-2026', 'draw governance test') > 0 AS published;
SELECT inserted FROM sv.ingest('RDG-AMR', 'subject', (
  SELECT jsonb_agg(jsonb_build_object('source_record_id', 'RDG-' || i, 'uscc', b || sv.uscc_check_character(b),
                                      'name', '治理测试企业' || i, 'region_code', CASE WHEN i <= 4 THEN '410422' ELSE '410423' END,
                                      'industry', 'F5211') ORDER BY i)
  FROM (SELECT i, '9141042' || CASE WHEN i <= 4 THEN '2' ELSE '3' END || 'MAQDG' || lpad(i::text, 4, '0') AS b
        FROM generate_series(1, 6) i) x));
SELECT count(sv.inspector_save(c, n, d, '410400', '2024-01-01', '2029-12-31', 'RDG-ZF', 'RDG-ZF-' || c)) AS inspectors
FROM (VALUES ('豫RDG0001', '治理甲', 4), ('豫RDG0002', '治理乙', 4), ('豫RDG0003', '治理丙', 4),
             ('豫RDG0007', '卫生丁', 7), ('豫RDG0008', '卫生戊', 7)) AS v(c, n, d);
SELECT uscc::text AS subj1 FROM sv.subject WHERE source_record_id = 'RDG-1' \gset

-- 1. A plan's regions lie within the planner's region scope (an officer of 叶县 cannot plan for
-- 鲁山县 or the whole city); administrators within their own scope; superusers anywhere.
SET ROLE regress_dg_msa_ye;
SELECT sv.draw_plan_save('RDG-OUT', '越权范围(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410423"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 1}}');
SELECT pg_temp.try($$SELECT sv.draw_plan_save('RDG-OUT', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410400"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 1}}')$$) AS city_wide_from_yexian,
       pg_temp.try($$SELECT sv.draw_plan_save('RDG-OUT', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422", "410423"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 1}}')$$) AS partly_outside;
SELECT sv.draw_plan_save('RDG-YE', '叶县抽查(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C02}', '{"U": {"count": 1}}') > 0 AS own_county;
RESET ROLE;
-- nor narrow a city-wide draft of its department to its own county
SET ROLE regress_dg_msa;
SELECT sv.draw_plan_save('RDG-CITY', '全市草稿(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410400"]}',
  '{RDG-MSA-1-C02}', '{"U": {"count": 1}}') > 0 AS city_draft;
SET ROLE regress_dg_msa_ye;
SELECT pg_temp.try($$SELECT sv.draw_plan_save('RDG-CITY', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C02}', '{"U": {"count": 1}}')$$) AS narrow_city_draft;
RESET ROLE;
SELECT scope FROM sv.draw_plan WHERE code = 'RDG-CITY';
SET ROLE regress_dg_admin_ye;
SELECT pg_temp.try($$SELECT sv.draw_plan_save('RDG-OUT', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410423"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 1}}')$$) AS admin_outside_own_scope;
RESET ROLE;
SET ROLE regress_dg_admin_nomap;
SELECT pg_temp.try($$SELECT sv.draw_plan_save('RDG-OUT', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 1}}')$$) AS admin_without_mapping;
RESET ROLE;
SELECT count(*) AS nothing_written FROM sv.draw_plan WHERE code = 'RDG-OUT';

-- 4. More departments than places in a team: a plan that could never run is refused at save.
SET ROLE regress_dg_msa;
SELECT pg_temp.try($$SELECT sv.draw_plan_save('RDG-BIG', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 1}}', team_size => 2, departments => '{4, 7, 1}')$$) AS departments_over_team_size;
RESET ROLE;
SELECT count(*) AS nothing_written FROM sv.draw_plan WHERE code = 'RDG-BIG';

-- 2. Partners agree.  Market supervision plans a joint plan with the health commission; it is
-- sealed only once an officer of the health commission has confirmed its terms.
SET ROLE regress_dg_msa;
SELECT sv.draw_plan_save('RDG-J1', '食品与公共场所卫生联合抽查(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C01, RDG-HLT-1-C01}', '{"U": {"count": 2}}', departments => '{4, 7}') AS j1 \gset
SELECT sv.draw_seal(:j1, sha256('governance nonce 0123456789'::bytea), 'lottery;中国福利彩票3D;2099340;2099-01-10;digits=3');
-- who may join: an officer of the partner department with the plan's regions in scope
SELECT pg_temp.try(format('SELECT sv.draw_plan_join(%s)', :j1)) AS lead_department;
RESET ROLE;
SET ROLE regress_dg_health_ls;
SELECT pg_temp.try(format('SELECT sv.draw_plan_join(%s)', :j1)) AS partner_outside_its_scope;
RESET ROLE;
SET ROLE regress_dg_unmapped;
SELECT pg_temp.try(format('SELECT sv.draw_plan_join(%s)', :j1)) AS unmapped;
RESET ROLE;
SET ROLE regress_dg_health;
SELECT pg_temp.try('SELECT sv.draw_plan_join(NULL)') AS null_plan, pg_temp.try('SELECT sv.draw_plan_join(-1)') AS no_plan;
SELECT sv.draw_plan_join(:j1) = sv._draw_plan_terms_sha256(:j1) AS joined_these_terms;
SELECT sv.draw_plan_join(:j1) = sv._draw_plan_terms_sha256(:j1) AS joined_again;
SELECT plan_code, department_id, is_lead, joined_by, joined_at IS NOT NULL AS joined, agreed
FROM sv_work.draw_plan_partner WHERE plan_code = 'RDG-J1' ORDER BY department_id;
RESET ROLE;
-- a change to the terms drops the confirmation: the partner agreed to other terms
SET ROLE regress_dg_msa;
SELECT sv.draw_plan_save('RDG-J1', '食品与公共场所卫生联合抽查(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C01, RDG-HLT-1-C01}', '{"U": {"count": 3}}', departments => '{4, 7}') = :j1 AS changed;
SELECT department_id, joined_by, agreed FROM sv_work.draw_plan_partner WHERE plan_code = 'RDG-J1' ORDER BY department_id;
SELECT pg_temp.try(format('SELECT sv.draw_seal(%s, sha256(%L::bytea), %L)', :j1, 'governance nonce 0123456789',
                          'lottery;中国福利彩票3D;2099340;2099-01-10;digits=3')) AS seal_after_change;
RESET ROLE;
SET ROLE regress_dg_health;
SELECT sv.draw_plan_join(:j1) = sv._draw_plan_terms_sha256(:j1) AS joined_new_terms;
RESET ROLE;
-- saved again unchanged: the confirmation stays; the partner taken off the plan: it goes
SET ROLE regress_dg_msa;
SELECT sv.draw_plan_save('RDG-J1', '食品与公共场所卫生联合抽查(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C01, RDG-HLT-1-C01}', '{"U": {"count": 3}}', departments => '{4, 7}') = :j1 AS unchanged;
SELECT count(*) AS joins_kept FROM sv.draw_plan_join WHERE plan_id = :j1;
SELECT sv.draw_plan_save('RDG-J1', '食品与公共场所卫生联合抽查(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 3}}', departments => '{4}') = :j1 AS without_partner;
SELECT count(*) AS joins_left FROM sv.draw_plan_join WHERE plan_id = :j1;
SELECT sv.draw_plan_save('RDG-J1', '食品与公共场所卫生联合抽查(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C01, RDG-HLT-1-C01}', '{"U": {"count": 3}}', departments => '{4, 7}') = :j1 AS partner_back;
SELECT pg_temp.try(format('SELECT sv.draw_seal(%s, sha256(%L::bytea), %L)', :j1, 'governance nonce 0123456789',
                          'lottery;中国福利彩票3D;2099340;2099-01-10;digits=3')) AS seal_before_rejoin;
RESET ROLE;
SET ROLE regress_dg_health;
SELECT sv.draw_plan_join(:j1) IS NOT NULL AS rejoined;
RESET ROLE;
SET ROLE regress_dg_msa;
SELECT sv.draw_seal(:j1, sha256('governance nonce 0123456789'::bytea), 'lottery;中国福利彩票3D;2099340;2099-01-10;digits=3') IS NOT NULL AS sealed;
RESET ROLE;
SET ROLE regress_dg_health;
SELECT pg_temp.try(format('SELECT sv.draw_plan_join(%s)', :j1)) AS join_after_seal;
RESET ROLE;
SELECT action, change ->> 'department_id' AS department, change ->> 'joins_dropped' AS joins_dropped,
       coalesce(change ->> 'terms_sha256', '') ~ '^[0-9a-f]{64}$' AS terms_hash
FROM sv.audit_log WHERE object_kind = 'draw_plan' AND object_id = 'RDG-J1' ORDER BY seq;

-- 5. The run deadline: ten working days after the seal (fourteen calendar days where the
-- calendar is not loaded yet), on the public portal.
SELECT run_due = coalesce(sv._add_workdays_or_null(sv.local_date(sealed_at), 10), sv.local_date(sealed_at) + 14) AS ten_working_days,
       run_due > sv.local_date(sealed_at) AS after_seal
FROM sv.draw_plan WHERE id = :j1;
-- No selective abort: while RDG-J1 is sealed and not run, no department of it seals another
-- plan over overlapping regions (above or below), items and period.
SET ROLE regress_dg_msa;
SELECT sv.draw_plan_save('RDG-J2', '全市抽查(测试)', 4, '2026-12-10', '2026-12-31', '{"regions": ["410400"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 1}}') AS j2 \gset
SELECT pg_temp.try(format('SELECT sv.draw_seal(%s, sha256(%L::bytea), %L)', :j2, 'governance nonce j2 0123456',
                          'lottery;中国福利彩票3D;2099341;2099-01-11;digits=3')) AS city_over_county;
-- other regions, other items or another period do not overlap
SELECT sv.draw_plan_save('RDG-J3', '鲁山县抽查(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410423"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 2}}') AS j3 \gset
SELECT sv.draw_seal(:j3, sha256('governance nonce j3 0123456'::bytea), 'lottery;中国福利彩票3D;2099342;2099-01-12;digits=3') IS NOT NULL AS other_region;
SELECT sv.draw_plan_save('RDG-J4', '叶县贮存条件抽查(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C02}', '{"U": {"count": 1}}') AS j4 \gset
SELECT sv.draw_seal(:j4, sha256('governance nonce j4 0123456'::bytea), 'lottery;中国福利彩票3D;2099343;2099-01-13;digits=3') IS NOT NULL AS other_item;
SELECT sv.draw_plan_save('RDG-J5', '叶县次年抽查(测试)', 4, '2027-01-04', '2027-01-29', '{"regions": ["410422"]}',
  '{RDG-MSA-1-C01}', '{"U": {"count": 1}}') AS j5 \gset
SELECT sv.draw_seal(:j5, sha256('governance nonce j5 0123456'::bytea), 'lottery;中国福利彩票3D;2099344;2099-01-14;digits=3') IS NOT NULL AS other_period;
RESET ROLE;
-- the partner is bound too: the health commission's own plan over the same ground
SET ROLE regress_dg_health;
SELECT sv.draw_plan_save('RDG-H1', '叶县公共场所卫生抽查(测试)', 7, '2026-12-15', '2026-12-31', '{"regions": ["410422"]}',
  '{RDG-HLT-1-C01}', '{"U": {"count": 1}}') AS h1 \gset
SELECT pg_temp.try(format('SELECT sv.draw_seal(%s, sha256(%L::bytea), %L)', :h1, 'governance nonce h1 0123456',
                          'lottery;中国福利彩票3D;2099345;2099-01-15;digits=3')) AS partner_overlapping;
RESET ROLE;
-- the scope test itself: regions above and below, industry prefixes, kinds
SELECT sv._draw_scopes_overlap('{"regions": ["410422"]}', '{"regions": ["410400"]}') AS county_in_city,
       sv._draw_scopes_overlap('{"regions": ["410400"]}', '{"regions": ["410422"]}') AS city_over_county,
       sv._draw_scopes_overlap('{"regions": ["410422"]}', '{"regions": ["410423"]}') AS two_counties,
       sv._draw_scopes_overlap('{"regions": ["410422"], "industries": ["F"]}', '{"regions": ["410422"], "industries": ["F52"]}') AS industry_prefix,
       sv._draw_scopes_overlap('{"regions": ["410422"], "industries": ["F"]}', '{"regions": ["410422"], "industries": ["H"]}') AS other_industry,
       sv._draw_scopes_overlap('{"regions": ["410422"], "kinds": ["enterprise"]}', '{"regions": ["410422"]}') AS kinds_vs_all,
       sv._draw_scopes_overlap('{"regions": ["410422"], "kinds": ["enterprise"]}', '{"regions": ["410422"], "kinds": ["other"]}') AS other_kind;

-- Cancelling: a reason, by who may run the plan, in public.
SET ROLE regress_dg_health;
SELECT pg_temp.try(format('SELECT sv.draw_plan_cancel(%s, %L)', :j1, '部门工作安排调整')) AS partner_cancels;
RESET ROLE;
SET ROLE regress_dg_msa_ls;
SELECT pg_temp.try(format('SELECT sv.draw_plan_cancel(%s, %L)', :j1, '部门工作安排调整')) AS outside_region_scope;
RESET ROLE;
SET ROLE regress_dg_msa;
SELECT pg_temp.try(format('SELECT sv.draw_plan_cancel(%s, %L)', :j1, 'x')) AS no_reason,
       pg_temp.try(format('SELECT sv.draw_plan_cancel(%s, %L)', :j2, '部门工作安排调整')) AS a_draft,
       pg_temp.try(format('SELECT sv.draw_plan_cancel(NULL, %L)', '部门工作安排调整')) AS null_plan;
SELECT sv.draw_plan_cancel(:j1, '检查期间与全市专项整治重叠,计划撤销');
SELECT pg_temp.try(format('SELECT sv.draw_plan_cancel(%s, %L)', :j1, '部门工作安排调整')) AS cancelled_twice;
-- RDG-J3 (鲁山县, within the city) is run: then the city-wide plan seals
SELECT sv.draw_run(:j3, 'governance nonce j3 0123456'::bytea, '314') AS d3 \gset
SELECT sv.draw_seal(:j2, sha256('governance nonce j2 0123456'::bytea), 'lottery;中国福利彩票3D;2099341;2099-01-11;digits=3') IS NOT NULL AS sealed;
-- the drawn plan cannot be cancelled
SELECT pg_temp.try(format('SELECT sv.draw_plan_cancel(%s, %L)', :j3, '部门工作安排调整')) AS drawn_plan;
RESET ROLE;
SELECT action, change ->> 'reason' AS reason, change ->> 'run_due' IS NOT NULL AS run_due
FROM sv.audit_log WHERE object_kind = 'draw_plan' AND object_id = 'RDG-J1' AND action = 'cancel';
-- what the public sees (every role the view is granted to); the deadline relative to the seal
SET ROLE regress_dg_public;
SELECT plan_code, departments, status, status_zh, run_due - sv.local_date(sealed_at) BETWEEN 12 AND 30 AS run_due_after_seal,
       drawn_at IS NOT NULL AS drawn, cancelled_at IS NOT NULL AS cancelled, cancel_reason
FROM sv_public.draw_plan WHERE plan_code LIKE 'RDG-%' ORDER BY plan_code;
-- (docs/draw.md's example)
SELECT count(*) > 0 AS doc_example
FROM (SELECT plan_code, status, status_zh, run_due, cancelled_at, cancel_reason FROM sv_public.draw_plan) x;
RESET ROLE;
SET ROLE regress_dg_msa;
SELECT count(*) AS officer FROM sv_public.draw_plan WHERE plan_code LIKE 'RDG-%';
RESET ROLE;
SET ROLE regress_dg_admin_ye;
SELECT count(*) AS admin FROM sv_public.draw_plan WHERE plan_code LIKE 'RDG-%';
RESET ROLE;
SET ROLE regress_dg_auditor;
SELECT count(*) AS auditor FROM sv_public.draw_plan WHERE plan_code LIKE 'RDG-%';
SELECT count(*) AS auditor_partners FROM sv_work.draw_plan_partner WHERE plan_code LIKE 'RDG-%';
RESET ROLE;
SET ROLE regress_dg_bi;
SELECT count(*) AS bi FROM sv_public.draw_plan WHERE plan_code LIKE 'RDG-%';
RESET ROLE;
SET ROLE regress_dg_integration;
SELECT count(*) AS integration FROM sv_public.draw_plan WHERE plan_code LIKE 'RDG-%';
RESET ROLE;
SET ROLE regress_dg_admin_ye;
SELECT count(*) AS admin_partners FROM sv_work.draw_plan_partner WHERE plan_code LIKE 'RDG-%';
RESET ROLE;
SET ROLE regress_dg_public;
SELECT * FROM sv_work.draw_plan_partner;
RESET ROLE;
-- past its deadline and still unrun, a plan shows as overdue (逾期未抽取): the deadline moved
-- into the past behind the guard, for this test only
BEGIN;
ALTER TABLE sv.draw_plan DISABLE TRIGGER draw_plan_guard;
UPDATE sv.draw_plan SET run_due = sv.local_date(now()) - 1 WHERE id = :j4;
SET LOCAL ROLE regress_dg_public;
SELECT plan_code, status, status_zh FROM sv_public.draw_plan WHERE plan_code = 'RDG-J4';
ROLLBACK;

-- 3. Recusal within the caller's region scope: RDG-J3 covers 鲁山县.
SELECT certificate_no AS leaving, uscc::text AS subject3 FROM sv.draw_team WHERE draw_id = :d3 ORDER BY uscc, slot LIMIT 1 \gset
SET ROLE regress_dg_msa_ye;
SELECT pg_temp.try(format('SELECT sv.draw_recuse(%s, %L, %L, %L, %L)', :d3, :'subject3', :'leaving', 'inspector', '与企业负责人系近亲属'))
  AS outside_region_scope;
RESET ROLE;
SET ROLE regress_dg_msa_ls;
SELECT sv.draw_recuse(:d3, :'subject3', :'leaving', 'inspector', '与企业负责人系近亲属') <> :'leaving' AS replaced;
RESET ROLE;

-- 6. Guards: a sealed plan and what it holds never change, not even for a superuser, and not
-- with session_replication_role = replica.
SELECT c.relname, t.tgname, t.tgenabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'sv'::regnamespace AND (t.tgname LIKE 'draw%\_guard' OR t.tgname LIKE 'draw\_plan%no\_truncate'
                                               OR t.tgname = 'draw_exclusion_no_truncate')
ORDER BY 1, 2;
SELECT pg_temp.try(format('UPDATE sv.draw_plan SET title = %L WHERE id = %s', '改过', :j4)) AS sealed_title,
       pg_temp.try(format('UPDATE sv.draw_plan SET commitment = sha256(%L) WHERE id = %s', 'x', :j4)) AS sealed_commitment,
       pg_temp.try(format('UPDATE sv.draw_plan SET status = %L, sealed_at = NULL WHERE id = %s', 'draft', :j4)) AS back_to_draft,
       pg_temp.try(format('UPDATE sv.draw_plan SET status = %L WHERE id = %s', 'drawn', :j4)) AS drawn_without_a_draw,
       pg_temp.try(format('UPDATE sv.draw_plan SET run_due = run_due + 30 WHERE id = %s', :j4)) AS later_deadline,
       pg_temp.try(format('DELETE FROM sv.draw_plan WHERE id = %s', :j4)) AS delete_sealed;
SELECT pg_temp.try(format('UPDATE sv.draw_plan SET status = %L WHERE id = %s', 'sealed', :j3)) AS drawn_back_to_sealed,
       pg_temp.try(format('UPDATE sv.draw_plan SET status = %L WHERE id = %s', 'sealed', :j1)) AS uncancel,
       pg_temp.try(format('UPDATE sv.draw_plan SET cancel_reason = %L WHERE id = %s', '另一理由', :j1)) AS other_reason;
SELECT pg_temp.try(format('DELETE FROM sv.draw_plan_stratum WHERE plan_id = %s', :j4)) AS stratum_delete,
       pg_temp.try(format('UPDATE sv.draw_plan_stratum SET count = 99 WHERE plan_id = %s', :j4)) AS stratum_update,
       pg_temp.try(format('DELETE FROM sv.draw_plan_department WHERE plan_id = %s', :j1)) AS department_delete,
       pg_temp.try(format('DELETE FROM sv.draw_plan_join WHERE plan_id = %s', :j1)) AS join_delete,
       pg_temp.try(format('UPDATE sv.draw_plan_item SET check_item_code = check_item_code WHERE plan_id = %s', :j4)) AS item_update;
SELECT pg_temp.try('TRUNCATE sv.draw_plan_stratum') AS truncate_strata, pg_temp.try('TRUNCATE sv.draw_plan_join') AS truncate_joins;
-- the seal recorded the SHA-256 of the terms; rows can be inserted (pg_restore writes sealed
-- plans back), but a row added to a sealed plan no longer matches it
SELECT code, terms_sha256 = sv._draw_plan_terms_sha256(id) AS terms_as_sealed
FROM sv.draw_plan WHERE code LIKE 'RDG-%' AND status <> 'draft' ORDER BY code;
BEGIN;
SELECT pg_temp.try(format('INSERT INTO sv.draw_plan_stratum VALUES (%s, %L, NULL, 5)', :j4, 'A')) AS stratum_insert;
SELECT terms_sha256 = sv._draw_plan_terms_sha256(id) AS terms_as_sealed FROM sv.draw_plan WHERE id = :j4;
SELECT pg_temp.try(format('INSERT INTO sv.draw_exclusion VALUES (%s, %L, %L)', :j4, :'subj1', 'x')) AS exclusion_insert;
SELECT pg_temp.try(format('DELETE FROM sv.draw_exclusion WHERE plan_id = %s', :j4)) AS exclusion_delete;
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
SELECT pg_temp.try(format('UPDATE sv.draw_plan SET commitment = sha256(%L) WHERE id = %s', 'x', :j4)) AS replica_update,
       pg_temp.try(format('DELETE FROM sv.draw_plan_stratum WHERE plan_id = %s', :j4)) AS replica_stratum_delete,
       pg_temp.try(format('UPDATE sv.draw_plan SET status = %L WHERE id = %s', 'sealed', :j3)) AS replica_rerun;
ROLLBACK;
-- a draft changes freely (its functions rewrite it)
SELECT pg_temp.try(format('UPDATE sv.draw_plan SET title = title WHERE id = %s', :h1)) AS draft_update;

-- 7. Declaring a conflict: an officer gets one answer for a certificate of another department
-- and for one nobody holds (no probing of other departments' inspectors).
SET ROLE regress_dg_msa;
SELECT pg_temp.try(format('SELECT sv.inspector_conflict_declare(%L, %L, %L)', '豫RDG0007', :'subj1', '亲属在该企业任职')) AS other_department,
       pg_temp.try(format('SELECT sv.inspector_conflict_declare(%L, %L, %L)', '豫RDG9999', :'subj1', '亲属在该企业任职')) AS nobody;
SELECT replace(pg_temp.try(format('SELECT sv.inspector_conflict_declare(%L, %L, %L)', '豫RDG0007', :'subj1', '亲属在该企业任职')), '豫RDG0007', '?')
     = replace(pg_temp.try(format('SELECT sv.inspector_conflict_declare(%L, %L, %L)', '豫RDG9999', :'subj1', '亲属在该企业任职')), '豫RDG9999', '?')
       AS same_answer;
RESET ROLE;
SET ROLE regress_dg_health;
SELECT sv.inspector_conflict_declare('豫RDG0007', :'subj1', '亲属在该企业任职') AS own_department;
RESET ROLE;
SET ROLE regress_dg_admin_ye;
SELECT pg_temp.try(format('SELECT sv.inspector_conflict_declare(%L, %L, %L)', '豫RDG9999', :'subj1', '亲属在该企业任职')) AS admin_nobody;
RESET ROLE;

-- Clean up what later tests would see (the plans and draws are append-only and stay).
SET session_replication_role = replica;
DELETE FROM sv.inspector_conflict WHERE certificate_no LIKE '豫RDG%';
DELETE FROM sv.subject WHERE source_system = 'RDG-AMR';
DELETE FROM sv.inspector WHERE source_system = 'RDG-ZF';
DELETE FROM sv.staff WHERE role_name LIKE 'regress\_dg\_%';
SET session_replication_role = DEFAULT;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN ('regress_dg_msa', 'regress_dg_msa_ye', 'regress_dg_msa_ls', 'regress_dg_health', 'regress_dg_health_ls', 'regress_dg_unmapped', 'regress_dg_admin_ye', 'regress_dg_admin_nomap', 'regress_dg_public', 'regress_dg_auditor', 'regress_dg_bi', 'regress_dg_integration');
SET session_replication_role = DEFAULT;
DROP ROLE regress_dg_msa, regress_dg_msa_ye, regress_dg_msa_ls, regress_dg_health, regress_dg_health_ls, regress_dg_unmapped, regress_dg_admin_ye, regress_dg_admin_nomap, regress_dg_public, regress_dg_auditor, regress_dg_bi, regress_dg_integration;
