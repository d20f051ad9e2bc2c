-- Nothing is granted to PUBLIC; group roles exist; application roles cannot write tables.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

SELECT rolname, rolcanlogin, rolsuper, rolinherit
FROM pg_roles WHERE rolname IN ('sv_admin', 'sv_officer', 'sv_auditor', 'sv_public', 'sv_bi', 'sv_integration')
ORDER BY rolname;

-- Every object of the extension, with PUBLIC privileges (the list must stay empty).
WITH objs AS (
  SELECT 'function ' || p.oid::regprocedure::text AS obj, coalesce(p.proacl, acldefault('f', p.proowner)) AS acl
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'sv_platform'
  UNION ALL
  SELECT 'relation ' || c.oid::regclass::text, coalesce(c.relacl, acldefault('r', c.relowner))
  FROM pg_class c WHERE c.relnamespace = 'sv'::regnamespace
  UNION ALL
  SELECT 'type ' || t.oid::regtype::text, coalesce(t.typacl, acldefault('T', t.typowner))
  FROM pg_type t WHERE t.typnamespace = 'sv'::regnamespace
    AND t.typcategory <> 'A' AND t.typrelid = 0  -- arrays: their element's; row types: via schema
  UNION ALL
  SELECT 'schema ' || n.nspname, coalesce(n.nspacl, acldefault('n', n.nspowner))
  FROM pg_namespace n WHERE n.nspname = 'sv'
)
SELECT obj, a.privilege_type FROM objs, aclexplode(acl) a WHERE a.grantee = 0 ORDER BY 1, 2;

-- Every table of the extension has row-level security enabled and forced.
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
FROM pg_class c WHERE c.relnamespace = 'sv'::regnamespace AND c.relkind = 'r' ORDER BY 1;

-- SECURITY DEFINER functions all pin search_path (docs/security.md, "The write-API pattern":
-- every one of the extension, in any schema).
SELECT p.oid::regprocedure AS function, p.proconfig
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sv_platform') AND p.prosecdef
ORDER BY 1;
SELECT count(*) AS definer_functions_without_search_path
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sv_platform') AND p.prosecdef
  AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, sv, pg_temp'], false);
-- The functions docs/security.md names there: SECURITY DEFINER, all but sv.audit_append, which
-- no group role may execute.
SELECT f AS function, bool_and(p.prosecdef) AS security_definer
FROM unnest(ARRAY['staff_add', 'staff_end', 'region_add', 'department_add',
                  'uscc_register_exception', 'calendar_load', 'catalog_item_save',
                  'catalog_item_withdraw', 'check_item_save', 'check_item_withdraw',
                  'catalog_publish', 'power_item_save', 'catalog_claim', 'catalog_unclaim',
                  '_scope_lookup', 'current_scope', 'audit_head', 'security_check',
                  'audit_append']) f
LEFT JOIN pg_proc p ON p.pronamespace = 'sv'::regnamespace AND p.proname = f
GROUP BY f HAVING bool_and(p.prosecdef) IS DISTINCT FROM (f <> 'audit_append') ORDER BY 1;
SELECT r AS group_role, p.oid::regprocedure AS function
FROM unnest(sv._group_roles()) r, pg_proc p
WHERE p.pronamespace = 'sv'::regnamespace AND p.proname = 'audit_append'
  AND has_function_privilege(r, p.oid, 'EXECUTE');

-- A login role without any sv_* membership can use nothing.
CREATE ROLE regress_nobody LOGIN;
SET ROLE regress_nobody;
SELECT count(*) FROM sv.region;
SELECT sv.is_workday('2026-01-05');
SELECT '91410400MA44L0X1Q8'::sv.uscc;
RESET ROLE;

-- Each group role: reads reference data, writes no table directly.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'allowed';
EXCEPTION WHEN insufficient_privilege THEN
  RETURN 'denied';
END $$;
CREATE ROLE regress_admin_m LOGIN IN ROLE sv_admin;
CREATE ROLE regress_officer_m LOGIN IN ROLE sv_officer;
CREATE ROLE regress_auditor_m LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_public_m LOGIN IN ROLE sv_public;
CREATE ROLE regress_bi_m LOGIN IN ROLE sv_bi;
CREATE ROLE regress_integration_m LOGIN IN ROLE sv_integration;
CREATE TABLE pg_temp.matrix (role text, stmt text, result text);
GRANT ALL ON pg_temp.matrix TO PUBLIC;
DO $$
DECLARE
  r text;
  s text;
BEGIN
  FOREACH r IN ARRAY ARRAY['regress_admin_m', 'regress_officer_m', 'regress_auditor_m', 'regress_public_m',
                           'regress_bi_m', 'regress_integration_m'] LOOP
    FOREACH s IN ARRAY ARRAY[
      'SELECT count(*) FROM sv.region',
      'SELECT count(*) FROM sv.department',
      'SELECT count(*) FROM sv.calendar_day',
      'SELECT count(*) FROM sv.calendar_notice',
      'SELECT count(*) FROM sv.uscc_exception',
      'SELECT count(*) FROM sv.uscc_category',
      'SELECT sv.add_workdays(''2026-01-05'', 3)',
      'SELECT ''91410400MA44L0X1Q8''::sv.uscc = ''91410400MA44L0X1Q8''',
      'INSERT INTO sv.region (code, name_zh, name_en, level, parent_code) VALUES (''410499'', ''x'', ''x'', ''county'', ''410400'')',
      'UPDATE sv.department SET name_en = name_en',
      'DELETE FROM sv.calendar_day',
      'TRUNCATE sv.calendar_notice',
      'INSERT INTO sv.uscc_exception (code, reason) VALUES (''91410400MA44L0X1Q9'', ''test'')',
      'SELECT sv.build_info()'] LOOP
      EXECUTE format('SET ROLE %I', r);
      INSERT INTO pg_temp.matrix VALUES (r, s, pg_temp.try(s));
      RESET ROLE;
    END LOOP;
  END LOOP;
END $$;
SELECT stmt,
       max(result) FILTER (WHERE role = 'regress_admin_m') AS admin,
       max(result) FILTER (WHERE role = 'regress_officer_m') AS officer,
       max(result) FILTER (WHERE role = 'regress_auditor_m') AS auditor,
       max(result) FILTER (WHERE role = 'regress_public_m') AS public,
       max(result) FILTER (WHERE role = 'regress_bi_m') AS bi,
       max(result) FILTER (WHERE role = 'regress_integration_m') AS integration
FROM pg_temp.matrix GROUP BY stmt ORDER BY stmt;
SELECT count(*) AS reference_rows_unchanged FROM sv.region WHERE code = '410499';

-- sv.build_info (administrators and auditors).
SELECT component FROM sv.build_info() ORDER BY component;
-- the audit hashing backend (the Debian packages build PostgreSQL with OpenSSL)
SELECT version FROM sv.build_info() WHERE component = 'audit hashing';

DROP ROLE regress_nobody, regress_admin_m, regress_officer_m, regress_auditor_m, regress_public_m,
          regress_bi_m, regress_integration_m;
