-- Staff scopes, the write API (sv.staff_add / sv.staff_end) and the row-level security matrix.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
-- dates below are relative to the legal date today
SELECT sv.local_date(now()) AS today \gset
-- Other test files leave staff, audit records and regions behind: this file prints its own staff
-- ids relative to the last id handed out before it (<base+N> in messages), audit sequence numbers
-- relative to the chain head before it, and counts only the rows it created itself.
SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS staff_base FROM sv.staff_id_seq \gset
SELECT seq AS audit_base FROM sv.audit_head() \gset
\set own_logins 'admin_city|admin_ye|admin_unmapped|msa_city|msa_ye|health_city|officer_unmapped'
SELECT set_config('regress.staff_base', :'staff_base', false) IS NOT NULL AS base_set,
       set_config('regress.own_logins', :'own_logins', false) IS NOT NULL AS names_set;
-- runs a statement; an error is raised again with the staff ids of this file written <base+N>
CREATE FUNCTION pg_temp.ids(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  base bigint := current_setting('regress.staff_base')::bigint;
  result text;
  msg text;
  hint text;
  state text;
  m text[];
BEGIN
  EXECUTE stmt INTO result;
  RETURN result;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT, state = RETURNED_SQLSTATE;
  FOR m IN SELECT regexp_matches(msg, 'mapping (\d+)', 'g') LOOP
    IF m[1]::bigint > base AND m[1]::bigint <= base + 1000 THEN
      msg := replace(msg, 'mapping ' || m[1], format('mapping <base+%s>', m[1]::bigint - base));
    END IF;
  END LOOP;
  IF hint = '' THEN
    RAISE EXCEPTION USING ERRCODE = state, MESSAGE = msg;
  END IF;
  RAISE EXCEPTION USING ERRCODE = state, MESSAGE = msg, HINT = hint;
END $$;

CREATE ROLE regress_admin_city LOGIN IN ROLE sv_admin;
CREATE ROLE regress_admin_ye LOGIN IN ROLE sv_admin;
CREATE ROLE regress_admin_unmapped LOGIN IN ROLE sv_admin;
CREATE ROLE regress_msa_city LOGIN IN ROLE sv_officer;
CREATE ROLE regress_msa_ye LOGIN IN ROLE sv_officer;
CREATE ROLE regress_health_city LOGIN IN ROLE sv_officer;
CREATE ROLE regress_officer_unmapped LOGIN IN ROLE sv_officer;
CREATE ROLE regress_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_integration LOGIN IN ROLE sv_integration;
CREATE ROLE regress_group NOLOGIN;
CREATE ROLE regress_bypass LOGIN BYPASSRLS;

-- Before any mapping: nobody has a scope.
SET ROLE regress_msa_ye;
SELECT role_name, staff_id, department_id, regions, sees_all, is_admin FROM sv.current_scope();
SELECT sv.scope_department() AS dept, sv.scope_regions() AS regions;
RESET ROLE;

-- A superuser maps the first administrators.
SELECT sv.staff_add('regress_admin_city', 1, '410400') - :staff_base AS admin_city;
SELECT sv.staff_add('regress_admin_ye', 1, '410422') - :staff_base AS admin_ye;

-- Every argument is checked, with the field named; nothing is written on error.
SET ROLE regress_admin_city;
SELECT sv.staff_add(NULL, 4, '410400');
SELECT sv.staff_add('regress_msa_city', NULL, '410400');
SELECT sv.staff_add('regress_msa_city', 4, NULL);
SELECT sv.staff_add('regress_nobody', 4, '410400');
SELECT sv.staff_add('regress_group', 4, '410400');
SELECT sv.staff_add('regress_bypass', 4, '410400');
SELECT sv.staff_add('postgres', 4, '410400');
SELECT sv.staff_add('regress_msa_city', 99, '410400');
SELECT sv.staff_add('regress_msa_city', 4, '410499');
SELECT sv.staff_add('regress_msa_city', 4, '410100');
SELECT sv.staff_add('regress_msa_city', 4, '410000');
SELECT sv.staff_add('regress_msa_city', 4, '410400', '2026-06-01', '2026-05-31');
RESET ROLE;
SELECT count(*) AS staff_rows_after_errors FROM sv.staff WHERE id > :staff_base;

-- The caller's scope: officers cannot call it; administrators only inside their own region.
SET ROLE regress_msa_ye;
SELECT sv.staff_add('regress_msa_city', 4, '410400');
RESET ROLE;
SET ROLE regress_admin_unmapped;
SELECT sv.staff_add('regress_msa_city', 4, '410400');
RESET ROLE;
SET ROLE regress_admin_ye;
SELECT sv.staff_add('regress_msa_city', 4, '410400');
SELECT sv.staff_add('regress_msa_ye', 4, '410422', '2026-01-01') - :staff_base AS msa_ye;
RESET ROLE;
SET ROLE regress_admin_city;
SELECT sv.staff_add('regress_msa_city', 4, '410400') - :staff_base AS msa_city;
SELECT sv.staff_add('regress_health_city', 7, '410400', '2026-01-01') - :staff_base AS health_city;
-- one mapping in force per login on any day
SELECT pg_temp.ids($$SELECT sv.staff_add('regress_health_city', 7, '410402', '2026-06-01')$$);
SELECT pg_temp.ids(format('SELECT sv.staff_add(%L, 7, %L, %L)', 'regress_health_city', '410402', :'today'::date + 30))
       AS overlaps_open_mapping;
RESET ROLE;

SELECT role_name, department_id, region_code, valid_from = :'today'::date AS from_today, valid_to, added_by
FROM sv.staff
WHERE role_name IN ('regress_admin_city', 'regress_admin_ye', 'regress_msa_ye', 'regress_msa_city', 'regress_health_city')
ORDER BY id;
-- (the n-th record after the base: sequence numbers have gaps where an append rolled back)
SELECT row_number() OVER (ORDER BY seq) AS nth_after_base, actor_session, actor_role, department_id, object_kind, action,
       change::jsonb - 'valid_from' AS change, change::jsonb ->> 'valid_from' = :'today' AS from_today
FROM sv.audit_log WHERE object_kind = 'staff' AND action = 'add' AND seq > :audit_base
  AND change->>'role_name' IN ('regress_admin_city', 'regress_admin_ye', 'regress_msa_ye', 'regress_msa_city',
                               'regress_health_city')
ORDER BY seq;

-- Scopes as the policies see them.
SET ROLE regress_msa_ye;
SELECT role_name, department_code, region_code, regions, sees_all, is_admin FROM sv.current_scope();
RESET ROLE;
SET ROLE regress_msa_city;
-- the built-in regions of the city (tests may add regions of their own)
SELECT role_name, department_code, region_code,
       (SELECT count(*) FROM sv.region WHERE code = ANY (regions) AND builtin) AS regions_in_scope,
       '410471' = ANY (regions) AS includes_high_tech_zone, sees_all FROM sv.current_scope();
RESET ROLE;
SET ROLE regress_auditor;
SELECT role_name, staff_id, sees_all, is_admin FROM sv.current_scope();
RESET ROLE;
SET ROLE regress_admin_city;
SELECT role_name, department_code, sees_all, is_admin FROM sv_work.my_scope;
RESET ROLE;

-- Rows of this file in the tables scoped by department and region (marked 安全测试, removed at
-- the end): subjects in 叶县 and 新华区, inspectors and credit events of two departments.
SET ROLE regress_integration;
SELECT sv.subject_save(c || sv.uscc_check_character(c), '安全测试企业' || r, r, 'SEC', 'SEC-' || r) IS NOT NULL AS subject
FROM (VALUES ('410422'), ('410402')) v(r), LATERAL (SELECT '91' || r || 'MA4XAQ001' AS c) x;
SELECT count(sv.inspector_save('豫SEC' || d || r, '安全测试' || d || r, d, r, '2024-01-01', '2099-12-31', 'SEC', 'SEC-' || d || r))
       AS inspectors
FROM (VALUES (4, '410422'), (4, '410402'), (7, '410400')) v(d, r);
SELECT count(sv.credit_event_record(s.uscc::text, 'administrative_penalty', 1, 'city', '2026-01-05', '安全测试罚' || d, department_id => d,
                                    penalty_types => '{warning}')) AS credit_events
FROM sv.subject s, (VALUES (4), (7)) v(d) WHERE s.source_system = 'SEC' AND s.region_code = '410422';
RESET ROLE;

-- The row-level security matrix: each group role x each table and view that exists.
-- Counted over the rows this file wrote (its logins or 安全测试 in the row), so that what other
-- tests leave behind does not change it; each cell compares the role with the superuser:
--   denied  no privilege            none    privilege, none of the rows the superuser sees
--   all     every row               scoped  some of them (the role's department/region scope)
--   read    privilege; this file wrote no row there to compare
CREATE FUNCTION pg_temp.try_count(rel text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %s r WHERE to_jsonb(r)::text ~ %L', rel,
                 '"regress_(' || current_setting('regress.own_logins') || ')"|安全测试') INTO n;
  RETURN n;
EXCEPTION WHEN insufficient_privilege THEN
  RETURN NULL;
END $$;
CREATE TABLE pg_temp.own_rows AS
SELECT c.oid::regclass::text AS rel, pg_temp.try_count(c.oid::regclass::text) AS n FROM pg_class c
WHERE c.relnamespace IN ('sv'::regnamespace, 'sv_work'::regnamespace, 'sv_public'::regnamespace, 'sv_bi'::regnamespace)
  AND c.relkind IN ('r', 'v');
GRANT SELECT ON pg_temp.own_rows TO PUBLIC;
CREATE FUNCTION pg_temp.try_category(rel text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN v.n IS NULL THEN 'denied' WHEN o.n = 0 THEN 'read' WHEN v.n = o.n THEN 'all'
              WHEN v.n = 0 THEN 'none' ELSE 'scoped' END
  FROM pg_temp.own_rows o, LATERAL (SELECT pg_temp.try_count(rel) AS n) v WHERE o.rel = try_category.rel
$$;
CREATE FUNCTION pg_temp.try_write(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'WRITTEN';
EXCEPTION WHEN insufficient_privilege THEN
  RETURN 'refused';
END $$;
CREATE TABLE pg_temp.matrix (role text, what text, result text);
GRANT ALL ON pg_temp.matrix TO PUBLIC;
DO $$
DECLARE
  r text;
  rel text;
  w text;
BEGIN
  FOREACH r IN ARRAY ARRAY['regress_admin_city', 'regress_msa_city', 'regress_msa_ye', 'regress_health_city',
                           'regress_officer_unmapped', 'regress_auditor', 'regress_public', 'regress_bi',
                           'regress_integration'] LOOP
    FOR rel IN SELECT c.oid::regclass::text FROM pg_class c
               WHERE c.relnamespace IN ('sv'::regnamespace, 'sv_work'::regnamespace, 'sv_public'::regnamespace, 'sv_bi'::regnamespace)
                 AND c.relkind IN ('r', 'v') ORDER BY 1 LOOP
      EXECUTE format('SET ROLE %I', r);
      INSERT INTO pg_temp.matrix VALUES (r, rel, pg_temp.try_category(rel));
      RESET ROLE;
    END LOOP;
    FOREACH w IN ARRAY ARRAY[
      'INSERT INTO sv.staff (role_name, department_id, region_code, valid_from, added_by) VALUES (''x'', 4, ''410400'', now()::date, ''x'')',
      'UPDATE sv.staff SET region_code = region_code',
      'DELETE FROM sv.staff',
      'UPDATE sv.audit_chain SET seq = seq',
      'DELETE FROM sv.audit_log'] LOOP
      EXECUTE format('SET ROLE %I', r);
      INSERT INTO pg_temp.matrix VALUES (r, w, pg_temp.try_write(w));
      RESET ROLE;
    END LOOP;
  END LOOP;
END $$;
SELECT what,
       max(result) FILTER (WHERE role = 'regress_admin_city') AS admin,
       max(result) FILTER (WHERE role = 'regress_msa_city') AS msa_city,
       max(result) FILTER (WHERE role = 'regress_msa_ye') AS msa_ye,
       max(result) FILTER (WHERE role = 'regress_health_city') AS health,
       max(result) FILTER (WHERE role = 'regress_officer_unmapped') AS unmapped,
       max(result) FILTER (WHERE role = 'regress_auditor') AS auditor,
       max(result) FILTER (WHERE role = 'regress_public') AS public,
       max(result) FILTER (WHERE role = 'regress_bi') AS bi,
       max(result) FILTER (WHERE role = 'regress_integration') AS integration
FROM pg_temp.matrix
GROUP BY what
ORDER BY what LIKE 'INSERT%' OR what LIKE 'UPDATE%' OR what LIKE 'DELETE%', what;
SELECT count(*) AS staff_rows_unchanged FROM sv.staff WHERE id > :staff_base;

-- Which rows each officer sees, not only how many.
SET ROLE regress_msa_ye;
SELECT role_name, region_name FROM sv_work.staff WHERE staff_id > :staff_base ORDER BY staff_id;
RESET ROLE;
SET ROLE regress_msa_city;
SELECT role_name, region_name FROM sv_work.staff WHERE staff_id > :staff_base ORDER BY staff_id;
SELECT DISTINCT department_id FROM sv_work.audit_trail;
RESET ROLE;
SET ROLE regress_health_city;
SELECT role_name, region_name FROM sv_work.staff WHERE staff_id > :staff_base ORDER BY staff_id;
RESET ROLE;

-- Ending a mapping: validated, scoped, audited; the scope is gone the day after.
SELECT id AS msa_ye_id FROM sv.staff WHERE role_name = 'regress_msa_ye' \gset
SELECT id AS health_id FROM sv.staff WHERE role_name = 'regress_health_city' \gset
SET ROLE regress_admin_ye;
SELECT sv.staff_end(NULL, 'moved');
SELECT sv.staff_end(:msa_ye_id, 'no');
SELECT sv.staff_end(999999, 'moved to another post');
SELECT sv.staff_end(:health_id, 'moved to another post');
SELECT sv.staff_end(:msa_ye_id, 'moved to another post', '2020-01-01');
SELECT sv.staff_end(:msa_ye_id, 'moved to another post', '2026-11-01');
SELECT sv.staff_end(:msa_ye_id, 'moved to another post') = :'today'::date - 1 AS ended_now;
\set VERBOSITY terse
SELECT pg_temp.ids(format('SELECT sv.staff_end(%s, %L)', :msa_ye_id, 'again'));
\set VERBOSITY default
RESET ROLE;
SELECT role_name, valid_to = :'today'::date - 1 AS last_day_yesterday, ended_by, end_reason FROM sv.staff WHERE id = :msa_ye_id;
SELECT action, change::jsonb - 'last_day' - 'valid_from' AS change FROM sv.audit_log
WHERE object_kind = 'staff' AND object_id = :'msa_ye_id' ORDER BY seq;
-- a mapping that has ended gives no scope
SET ROLE regress_msa_ye;
SELECT staff_id, department_id, regions FROM sv.current_scope();
SELECT count(*) AS staff_visible_after_end FROM sv.staff;
RESET ROLE;
-- an end can be brought forward but not into the past
SET ROLE regress_admin_city;
SELECT sv.staff_add('regress_officer_unmapped', 4, '410402', '2026-01-01', '2099-12-31') AS planned_id \gset
SELECT sv.staff_end(:planned_id, 'leaves earlier', '2098-06-30') AS brought_forward;
SELECT pg_temp.ids(format('SELECT sv.staff_end(%s, %L, %L)', :planned_id, 'leaves later', '2099-01-01'));
SELECT pg_temp.ids(format('SELECT sv.staff_end(%s, %L, %L)', :planned_id, 'same day again', '2098-06-30'));
SELECT sv.staff_end(:planned_id, 'backdated', '2026-06-01');
SELECT sv.staff_end(:planned_id, 'leaves now') = :'today'::date - 1 AS ended_now;
\set VERBOSITY terse
SELECT pg_temp.ids(format('SELECT sv.staff_end(%s, %L)', :planned_id, 'again'));
\set VERBOSITY default
RESET ROLE;
-- a future mapping can be revoked before it starts (the day before valid_from)
SET ROLE regress_admin_city;
SELECT sv.staff_add('regress_officer_unmapped', 4, '410403', '2099-01-01') AS future_id \gset
SELECT sv.staff_end(:future_id, 'appointment withdrawn', '2098-12-31') AS revoked_unused;
SELECT pg_temp.ids(format('SELECT sv.staff_end(%s, %L)', :future_id, 'withdrawn twice'));
SELECT sv.staff_add('regress_officer_unmapped', 4, '410403', '2099-01-01') IS NOT NULL AS can_map_again;
RESET ROLE;

-- The rows marked 安全测试 go (the audit records of them stay).
CALL sv._append_only_enforce(false);
SET session_replication_role = replica;
DELETE FROM sv.credit_event WHERE reference LIKE '安全测试%';
DELETE FROM sv.credit_class WHERE uscc IN (SELECT uscc FROM sv.subject WHERE source_system = 'SEC');
DELETE FROM sv.inspector WHERE source_system = 'SEC';
DELETE FROM sv.subject WHERE source_system = 'SEC';
SET session_replication_role = DEFAULT;
CALL sv._append_only_enforce();

-- The chain is intact after all of it.
SELECT * FROM sv.audit_verify();
-- end every mapping of this file before its logins go (sv.security_check reports mappings of
-- missing logins); other files end their own
SELECT count(sv.staff_end(id, 'regression test finished')) AS ended FROM sv.staff WHERE ended_at IS NULL AND id > :staff_base;
SELECT count(*) AS in_force FROM sv_work.staff WHERE in_force AND staff_id > :staff_base;

DROP OWNED BY regress_admin_city, regress_admin_ye, regress_admin_unmapped, regress_msa_city, regress_msa_ye,
  regress_health_city, regress_officer_unmapped, regress_auditor, regress_public, regress_bi, regress_integration;
DROP ROLE regress_admin_city, regress_admin_ye, regress_admin_unmapped, regress_msa_city, regress_msa_ye,
  regress_health_city, regress_officer_unmapped, regress_auditor, regress_public, regress_bi, regress_integration,
  regress_group, regress_bypass;
