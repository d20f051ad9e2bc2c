-- The caller helpers of the write API (15_security.sql, docs/security.md "Write-API pattern"):
-- sv._caller(), sv._require_role, sv._require_mapping, sv._require_department_scope,
-- sv._require_regions_in_scope, sv._require_admin_scope and sv._raise_not_yours, each called
-- as each kind of caller: an administrator (mapped to the city), an officer of market
-- regulation in 新华区 (in scope), one in 叶县 (out of scope), one of another department, an
-- officer without a staff mapping, members of sv_public, sv_bi, sv_auditor and sv_integration.
-- The helpers are granted to no role: they run inside SECURITY DEFINER functions, as here.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
-- Everything here is rolled back at the end (the staff id sequence is set back by hand).
SELECT last_value AS staff_seq, is_called AS staff_seq_called FROM sv.staff_id_seq \gset
\set ON_ERROR_ROLLBACK on
BEGIN;

CREATE ROLE regress_ch_admin LOGIN IN ROLE sv_admin;       -- mapped: market regulation, city
CREATE ROLE regress_ch_in LOGIN IN ROLE sv_officer;        -- market regulation, 新华区
CREATE ROLE regress_ch_out LOGIN IN ROLE sv_officer;       -- market regulation, 叶县
CREATE ROLE regress_ch_other LOGIN IN ROLE sv_officer;     -- health, 新华区
CREATE ROLE regress_ch_nomap LOGIN IN ROLE sv_officer;     -- no staff mapping
CREATE ROLE regress_ch_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_ch_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_ch_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_ch_feed LOGIN IN ROLE sv_integration;
SELECT sv.staff_add('regress_ch_admin', 4, '410400') > 0 AS mapped,
       sv.staff_add('regress_ch_in', 4, '410402') > 0 AS mapped,
       sv.staff_add('regress_ch_out', 4, '410422') > 0 AS mapped,
       sv.staff_add('regress_ch_other', 7, '410402') > 0 AS mapped;

-- A SECURITY DEFINER function owned by the superuser, as the write functions are: it runs a
-- statement and gives its first value, or "SQLSTATE: message [HINT: hint]".
CREATE FUNCTION pg_temp.definer(q text) RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp AS $$
DECLARE
  v text;
  v_hint text;
BEGIN
  EXECUTE q INTO v;
  RETURN coalesce(nullif(v, ''), 'ok');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_hint = PG_EXCEPTION_HINT;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' HINT: ' || nullif(v_hint, ''), '');
END
$$;
-- Runs it as each caller in turn.
CREATE FUNCTION pg_temp.as_each(q text) RETURNS TABLE (caller text, result text) LANGUAGE plpgsql AS $$
BEGIN
  FOREACH caller IN ARRAY ARRAY['admin', 'in', 'out', 'other', 'nomap', 'public', 'bi', 'auditor', 'feed'] LOOP
    EXECUTE format('SET ROLE %I', 'regress_ch_' || caller);
    result := pg_temp.definer(q);
    RESET ROLE;
    RETURN NEXT;
  END LOOP;
END
$$;

-- The caller in one row: login, group roles, flags, department, whether 新华区 and 叶县 are in
-- its region scope.  (A superuser, for comparison, has every role and no mapping.)
SELECT * FROM pg_temp.as_each($q$
  SELECT format('%s %s super=%s admin=%s auditor=%s officer=%s integration=%s dept=%s 410402=%s 410422=%s',
                c.login, c.roles, c.is_superuser, c.is_admin, c.is_auditor, c.is_officer, c.is_integration,
                c.department_id, '410402' = ANY (c.regions), '410422' = ANY (c.regions))
  FROM sv._caller() c $q$);
SELECT roles, is_superuser, is_admin, is_auditor, is_officer, is_integration, department_id, regions
FROM sv._caller();

-- A role check: administrators only ("only platform administrators <purpose>"), and one open
-- to officers and integrations with a hint ("role "<login>" may not <purpose>").
SELECT * FROM pg_temp.as_each($q$ SELECT sv._require_role('keep the widget list', '{sv_admin}') $q$);
SELECT * FROM pg_temp.as_each($q$
  SELECT sv._require_role('report widgets', '{sv_officer,sv_integration}', 'Widgets are reported by officers and feeds.') $q$);
-- sv_admin not listed: administrators do not pass (a superuser passes every role check)
SELECT * FROM pg_temp.as_each($q$ SELECT sv._require_role('audit widgets', '{sv_auditor}') $q$) WHERE caller IN ('admin', 'auditor');
SELECT sv._require_role('audit widgets', '{sv_auditor}') AS superuser;

-- No mapping, no action (administrators and integrations pass; the role is checked before).
SELECT * FROM pg_temp.as_each($q$ SELECT sv._require_mapping('report widgets') $q$);

-- Acting for a department: market regulation (4) and health (7).
SELECT * FROM pg_temp.as_each($q$ SELECT sv._require_department_scope(4) $q$);
SELECT * FROM pg_temp.as_each($q$ SELECT sv._require_department_scope(7) $q$) WHERE caller IN ('in', 'other');

-- Regions within the caller's scope.
SELECT * FROM pg_temp.as_each($q$ SELECT sv._require_regions_in_scope('scope.regions', '{410402}') $q$);
SELECT * FROM pg_temp.as_each($q$ SELECT sv._require_regions_in_scope('scope.regions', '{410402,410422,NULL}') $q$)
WHERE caller = 'in';

-- Administering a region.
SELECT * FROM pg_temp.as_each($q$ SELECT sv._require_admin_scope('410402') $q$);
SELECT sv._require_admin_scope('410402') AS superuser;

-- "Exists but not yours": a subject of 新华区 looked up the write-API way.  An officer outside
-- the region gets for an existing subject exactly the answer it gets for a code of no subject;
-- 42501 by default, or the SQLSTATE a function has always given for a missing object.
SELECT c || sv.uscc_check_character(c) AS k1 FROM (SELECT '91410402MA4RCH001' AS c) x \gset
SELECT c || sv.uscc_check_character(c) AS k9 FROM (SELECT '91410402MA4RCH009' AS c) x \gset
SELECT sv.subject_save(:'k1', '调用者测试企业', '410402', 'RCH-AMR', 'RCH-1') IS NOT NULL AS saved;
CREATE FUNCTION pg_temp.subject_touch(code text, errcode text DEFAULT 'insufficient_privilege') RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, sv, pg_temp AS $$
DECLARE
  me record := sv._caller();
  s sv.subject;
BEGIN
  SELECT * INTO s FROM sv.subject x WHERE x.uscc = code::sv.uscc;
  IF NOT FOUND OR NOT (me.is_admin OR me.is_auditor OR coalesce(s.region_code = ANY (me.regions), false)) THEN
    PERFORM sv._raise_not_yours('uscc', format('subject %s', code::sv.uscc), errcode);
  END IF;
  RETURN s.name;
END
$$;
SELECT * FROM pg_temp.as_each(format('SELECT pg_temp.subject_touch(%L)', :'k1'));
SELECT * FROM pg_temp.as_each(format('SELECT pg_temp.subject_touch(%L)', :'k9')) WHERE caller IN ('in', 'out');
SELECT * FROM pg_temp.as_each(format('SELECT pg_temp.subject_touch(%L, %L)', :'k1', 'no_data_found')) WHERE caller = 'out';
SELECT * FROM pg_temp.as_each(format('SELECT pg_temp.subject_touch(%L, %L)', :'k9', 'no_data_found')) WHERE caller = 'out';
SELECT * FROM pg_temp.as_each($q$ SELECT sv._raise_not_yours('thing_id', 'thing 1', 'no_data_found', 'Things belong to one department.') $q$)
WHERE caller = 'public';

-- Not granted to any role: only SECURITY DEFINER functions call them.
SELECT p.oid::regprocedure AS helper, p.proacl IS NULL OR NOT EXISTS (
         SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee <> p.proowner) AS granted_to_nobody,
       p.provolatile, p.prosecdef
FROM pg_proc p
WHERE p.pronamespace = 'sv'::regnamespace
  AND p.proname IN ('_caller', '_require_role', '_require_mapping', '_require_department_scope',
                    '_require_regions_in_scope', '_require_admin_scope', '_raise_not_yours')
ORDER BY 1::text;
SET ROLE regress_ch_in;
SELECT sv._require_role('keep the widget list', '{sv_admin}');
RESET ROLE;

ROLLBACK;
SELECT setval('sv.staff_id_seq', :staff_seq, :'staff_seq_called') > 0 AS staff_seq_restored;
