-- Enter once, inspect for all (进一次门、查多项事) and the annual inspection cap (国办发〔2024〕54号),
-- issue 19: sv.joint_proposal_scan / adopt / dismiss (a joint draw plan records the proposal it
-- came from, through the draw's own function), sv.inspection_cap_set and sv.repeat_inspections,
-- every role and error.  Everything in one transaction, rolled back at the end.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_ji_admin LOGIN IN ROLE sv_admin;        -- the city
CREATE ROLE regress_ji_admin_zh LOGIN IN ROLE sv_admin;     -- Zhanhe district only
CREATE ROLE regress_ji_msa LOGIN IN ROLE sv_officer;        -- market supervision (4), the city
CREATE ROLE regress_ji_msa_zh LOGIN IN ROLE sv_officer;     -- market supervision (4), Zhanhe district
CREATE ROLE regress_ji_hurd LOGIN IN ROLE sv_officer;       -- housing (5)
CREATE ROLE regress_ji_emerg LOGIN IN ROLE sv_officer;      -- emergency management (9)
CREATE ROLE regress_ji_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_ji_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_ji_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_ji_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_ji_feed LOGIN IN ROLE sv_integration;

-- a statement run as a role: 'ok' or "SQLSTATE: message" (proposal ids masked)
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RESET ROLE;
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'proposal -?[0-9]+', 'proposal <id>', 'g');
END
$$;
CREATE FUNCTION pg_temp.roles(q text, VARIADIC r text[]) RETURNS TABLE (role text, result text) LANGUAGE sql AS $$
  SELECT x, pg_temp.as_role(x, q) FROM unnest(r) x
$$;

BEGIN;
SELECT sv.staff_add('regress_ji_admin', 1, '410400') > 0 AS mapped, sv.staff_add('regress_ji_admin_zh', 1, '410411') > 0 AS mapped,
       sv.staff_add('regress_ji_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_ji_msa_zh', 4, '410411') > 0 AS mapped,
       sv.staff_add('regress_ji_hurd', 5, '410400') > 0 AS mapped, sv.staff_add('regress_ji_emerg', 9, '410400') > 0 AS mapped;

-- the catalogue, two subjects in Xinhua district, and two drawn plans (written directly:
-- sql/draw*.sql test the draws): market supervision draws both subjects for April to June,
-- housing draws the first for May to July
SELECT sv.catalog_item_save('JI-MSA', 4, '食品经营监督检查', '现场检查', '检查', '食品经营者', '[{"law": "食品安全法"}]',
                            'city', 'national') > 0 AS item,
       sv.catalog_item_save('JI-HURD', 5, '燃气经营监督检查', '现场检查', '检查', '燃气经营者', '[{"law": "城镇燃气管理条例"}]',
                            'city', 'national') > 0 AS item,
       sv.check_item_save('JI-C4', 'JI-MSA', 'city', '410400', 4, 'on_site', '食品经营场所', 'general') > 0 AS check_item,
       sv.check_item_save('JI-C5', 'JI-HURD', 'city', '410400', 5, 'on_site', '燃气使用', 'general') > 0 AS check_item;
SELECT sv.catalog_publish('JI-REL', 'regress: joint_inspection') AS rel \gset
SELECT sv.subject_save('91410402MA9JNT0040', '平顶山某火锅店', '410402', 'RJI', 'RJI-1') IS NOT NULL AS subject,
       sv.subject_save('91410402MA9JNT001N', '平顶山某餐饮有限公司', '410402', 'RJI', 'RJI-2') IS NOT NULL AS subject;
WITH p AS (
  INSERT INTO sv.draw_plan (code, title, lead_department_id, check_from, check_to, scope, team_size, status, created_by, created_at,
                            sealed_by, sealed_at, population_size, population_hash, commitment, entropy_source)
  VALUES ('JI-P4', '食品经营抽查', 4, '2026-04-01', '2026-06-30', '{"regions": ["410402"]}', 2, 'drawn', 'regress', now(),
          'regress', now(), 2, sha256('p4'), sha256('n4'), 'x'),
         ('JI-P5', '燃气使用抽查', 5, '2026-05-01', '2026-07-31', '{"regions": ["410402"]}', 2, 'drawn', 'regress', now(),
          'regress', now(), 1, sha256('p5'), sha256('n5'), 'x')
  RETURNING id, code, lead_department_id), d AS (
  INSERT INTO sv.draw_plan_department SELECT id, lead_department_id FROM p), w AS (
  INSERT INTO sv.draw (plan_id, nonce, entropy, seed, stream_words, pool_certificates, pool_departments, pool_regions,
                       excluded_subjects, excluded_inspectors, subject_regions, drawn_by, drawn_at)
  SELECT id, '\x00', '1', sha256(code::bytea), 0, '{}', '{}', '{}', '{}', '{}', '{}', 'regress', now() FROM p
  RETURNING id, plan_id)
INSERT INTO sv.draw_result (draw_id, uscc, stratum, position)
SELECT w.id, u.uscc, 'U', u.n FROM w JOIN p ON p.id = w.plan_id,
  LATERAL unnest(CASE p.code WHEN 'JI-P4' THEN '{91410402MA9JNT0040,91410402MA9JNT001N}'::text[]
                             ELSE '{91410402MA9JNT0040}' END) WITH ORDINALITY u(uscc, n);
SELECT plan_code, uscc FROM sv_work.draw_task WHERE plan_code LIKE 'JI-%' ORDER BY 1, 2;

-- who may scan: administrators; the errors
SELECT * FROM pg_temp.roles($q$SELECT * FROM sv.joint_proposal_scan('2026-05-01', '2026-05-31')$q$,
  'regress_ji_msa', 'regress_ji_nomap', 'regress_ji_auditor', 'regress_ji_bi', 'regress_ji_public', 'regress_ji_feed');
SELECT pg_temp.as_role('regress_ji_admin', q) AS result FROM unnest(ARRAY[
  $q$SELECT * FROM sv.joint_proposal_scan(NULL, NULL)$q$,
  $q$SELECT * FROM sv.joint_proposal_scan('2026-06-01', '2026-05-01')$q$,
  $q$SELECT * FROM sv.joint_proposal_scan('2026-01-01', '2027-01-03')$q$,
  $q$SELECT * FROM sv.joint_proposal_scan('infinity', 'infinity')$q$]) q;
-- May: the first subject is drawn by both departments, the second by one
SET ROLE regress_ji_admin;
SELECT uscc, subject_name, departments, plans FROM sv.joint_proposal_scan('2026-05-01', '2026-05-31');
SELECT count(*) AS proposed_again FROM sv.joint_proposal_scan('2026-05-01', '2026-05-31');
SELECT proposal_id AS june FROM sv.joint_proposal_scan('2026-06-01', '2026-06-30') \gset
RESET ROLE;
SELECT id AS may FROM sv.joint_proposal WHERE period_from = '2026-05-01' \gset

-- the joint plans: one for May with both departments, one market supervision alone, one with
-- emergency management instead of housing, one for September
SET ROLE regress_ji_msa;
SELECT sv.draw_plan_save('JI-JOINT', '食品与燃气联合抽查', 4, '2026-05-01', '2026-05-31', '{"regions": ["410402"]}',
         '{JI-C4,JI-C5}', '{"U": {"ratio": 1}}', departments => '{4,5}') AS joint \gset
SELECT sv.draw_plan_save('JI-SOLO', '食品单独抽查', 4, '2026-05-01', '2026-05-31', '{"regions": ["410402"]}',
         '{JI-C4}', '{"U": {"ratio": 1}}') AS solo \gset
SELECT sv.draw_plan_save('JI-OTHER', '食品与安全生产联合抽查', 4, '2026-05-01', '2026-05-31', '{"regions": ["410402"]}',
         '{JI-C4}', '{"U": {"ratio": 1}}', departments => '{4,9}') AS other \gset
SELECT sv.draw_plan_save('JI-LATE', '九月联合抽查', 4, '2026-09-01', '2026-09-30', '{"regions": ["410402"]}',
         '{JI-C4,JI-C5}', '{"U": {"ratio": 1}}', departments => '{4,5}') AS late \gset
RESET ROLE;
SELECT id AS p4 FROM sv.draw_plan WHERE code = 'JI-P4' \gset

-- adopt: the plan's lead, with every department of the proposal, in the period, a draft
SELECT * FROM pg_temp.roles(format('SELECT sv.joint_proposal_adopt(%s, %s)', :may, :joint),
  'regress_ji_hurd', 'regress_ji_emerg', 'regress_ji_nomap', 'regress_ji_auditor', 'regress_ji_bi', 'regress_ji_public', 'regress_ji_feed');
SELECT pg_temp.as_role('regress_ji_msa', q) AS result FROM unnest(ARRAY[
  'SELECT sv.joint_proposal_adopt(NULL, NULL)',
  format('SELECT sv.joint_proposal_adopt(-1, %s)', :joint),
  format('SELECT sv.joint_proposal_adopt(%s, -1)', :may),
  format('SELECT sv.joint_proposal_adopt(%s, %s)', :may, :solo),
  format('SELECT sv.joint_proposal_adopt(%s, %s)', :may, :other),
  format('SELECT sv.joint_proposal_adopt(%s, %s)', :may, :late),
  format('SELECT sv.joint_proposal_adopt(%s, %s)', :may, :p4)]) q;
SELECT code, joint_proposal_id FROM sv.draw_plan WHERE code LIKE 'JI-%' AND joint_proposal_id IS NOT NULL;
SET ROLE regress_ji_msa;
SELECT sv.joint_proposal_adopt(:may, :joint) AS adopted;
RESET ROLE;
SELECT pg_temp.as_role('regress_ji_msa', format('SELECT sv.joint_proposal_adopt(%s, %s)', :may, :late)) AS adopt_again;
SELECT code, joint_proposal_id = :may AS records_the_proposal FROM sv.draw_plan WHERE code LIKE 'JI-%' AND joint_proposal_id IS NOT NULL;
-- the plan is still a draft that changes and seals as before; its record stays
SET ROLE regress_ji_msa;
SELECT sv.draw_plan_save('JI-JOINT', '食品与燃气联合抽查(进一次门)', 4, '2026-05-01', '2026-05-31', '{"regions": ["410402"]}',
         '{JI-C4,JI-C5}', '{"U": {"ratio": 1}}', departments => '{4,5}') = :joint AS saved_again;
RESET ROLE;
SELECT title, joint_proposal_id = :may AS still_recorded FROM sv.draw_plan WHERE id = :joint;

-- dismiss: administrators, with a reason
SELECT * FROM pg_temp.roles(format('SELECT sv.joint_proposal_dismiss(%s, %L)', :june, '六月已安排专项检查'),
  'regress_ji_msa', 'regress_ji_auditor', 'regress_ji_bi');
SELECT pg_temp.as_role('regress_ji_admin', q) AS result FROM unnest(ARRAY[
  format('SELECT sv.joint_proposal_dismiss(%s, NULL)', :june),
  format('SELECT sv.joint_proposal_dismiss(%s, %L)', :june, 'x'),
  format('SELECT sv.joint_proposal_dismiss(%s, %L)', -1, '六月已安排专项检查'),
  format('SELECT sv.joint_proposal_dismiss(%s, %L)', :may, '六月已安排专项检查'),
  format('SELECT sv.joint_proposal_dismiss(%s, %L)', :june, '六月已安排专项检查'),
  format('SELECT sv.joint_proposal_dismiss(%s, %L)', :june, '六月已安排专项检查')]) q;

-- each department's view
SELECT r AS role, pg_temp.as_role(r, format($q$DO $d$ BEGIN IF (SELECT count(*) FROM sv_work.joint_proposal) <> %s THEN
         RAISE 'saw %%', (SELECT count(*) FROM sv_work.joint_proposal); END IF; END $d$$q$, n)) AS sees
FROM (VALUES ('regress_ji_msa', 2), ('regress_ji_hurd', 2), ('regress_ji_emerg', 0), ('regress_ji_nomap', 0),
             ('regress_ji_auditor', 2), ('regress_ji_admin', 2)) v(r, n);
SET ROLE regress_ji_hurd;
SELECT subject_name, period_from, period_to, department_names, plans, state, plan_code, dismiss_reason
FROM sv_work.joint_proposal ORDER BY period_from;
RESET ROLE;

-- the annual cap: administrators of the region, with its basis
SELECT * FROM pg_temp.roles($q$SELECT sv.inspection_cap_set('410400', 2, '国办发〔2024〕54号')$q$,
  'regress_ji_msa', 'regress_ji_auditor', 'regress_ji_bi', 'regress_ji_public', 'regress_ji_feed', 'regress_ji_admin_zh');
SELECT pg_temp.as_role('regress_ji_admin', q) AS result FROM unnest(ARRAY[
  $q$SELECT sv.inspection_cap_set(NULL, NULL, NULL)$q$,
  $q$SELECT sv.inspection_cap_set('419999', 2, '国办发〔2024〕54号')$q$,
  $q$SELECT sv.inspection_cap_set('410400', 0, '国办发〔2024〕54号')$q$,
  $q$SELECT sv.inspection_cap_set('410400', 2, ' ')$q$,
  $q$SELECT sv.inspection_cap_set('410400', 2, repeat('依', 501))$q$]) q;
SET ROLE regress_ji_admin;
SELECT sv.inspection_cap_set('410400', 2, '《国务院办公厅关于严格规范涉企行政检查的意见》(国办发〔2024〕54号)');
RESET ROLE;

-- inspections of 2026: the first subject three times (market supervision twice, housing once),
-- the second once; a penalty and an inspection of 2025 do not count
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, source_system, source_record_id, received_at, updated_at)
SELECT v.uscc, v.kind, v.item, :rel, v.dept, '410402', v.day, v.day, '{A,B}', 'no_problem', v.day + 28, 'RJI', v.rec, now(), now()
FROM (VALUES ('a1', '91410402MA9JNT0040', 'inspection', 'JI-C4', 4, date '2026-02-03'),
             ('a2', '91410402MA9JNT0040', 'inspection', 'JI-C5', 5, '2026-03-10'),
             ('a3', '91410402MA9JNT0040', 'inspection', 'JI-C4', 4, '2026-05-20'),
             ('a4', '91410402MA9JNT0040', 'penalty', 'JI-C4', 4, '2026-05-21'),
             ('a5', '91410402MA9JNT0040', 'inspection', 'JI-C4', 4, '2025-12-31'),
             ('b1', '91410402MA9JNT001N', 'inspection', 'JI-C4', 4, '2026-05-20')) v(rec, uscc, kind, item, dept, day);
SELECT * FROM pg_temp.roles($q$DO $d$ BEGIN RAISE NOTICE 'over the cap: %', (SELECT string_agg(subject_name || ' ' || inspections || '>' || cap, ', ')
                                     FROM sv.repeat_inspections(2026) WHERE uscc::text LIKE '91410402MA9JNT%'); END $d$$q$,
  'regress_ji_msa', 'regress_ji_msa_zh', 'regress_ji_auditor', 'regress_ji_admin_zh', 'regress_ji_nomap', 'regress_ji_bi', 'regress_ji_public');
SELECT pg_temp.as_role('regress_ji_msa', q) AS result FROM unnest(ARRAY[
  'SELECT * FROM sv.repeat_inspections(NULL)', 'SELECT * FROM sv.repeat_inspections(1999)']) q;
SET ROLE regress_ji_msa;
SELECT uscc, subject_name, region_code, inspection_year, inspections, departments, cap, cap_region, basis
FROM sv.repeat_inspections(2026) WHERE uscc::text LIKE '91410402MA9JNT%';
RESET ROLE;
-- Xinhua district allows five: its own cap comes before the city's
SET ROLE regress_ji_admin;
SELECT sv.inspection_cap_set('410402', 5, '新华区涉企检查计划');
SELECT count(*) AS over_the_cap FROM sv.repeat_inspections(2026) WHERE uscc::text LIKE '91410402MA9JNT%';
RESET ROLE;
SELECT region_code, cap, basis, set_by FROM sv.inspection_cap ORDER BY region_code;

SELECT object_kind, action, actor_role, change::jsonb - 'plan_id' - 'joint_proposal_id' AS change
FROM sv.audit_log WHERE object_kind IN ('joint_proposal', 'inspection_cap') OR (object_kind = 'draw_plan' AND action = 'record_proposal')
ORDER BY seq;
ROLLBACK;

DROP ROLE regress_ji_admin, regress_ji_admin_zh, regress_ji_msa, regress_ji_msa_zh, regress_ji_hurd, regress_ji_emerg,
  regress_ji_nomap, regress_ji_auditor, regress_ji_bi, regress_ji_public, regress_ji_feed;
