-- ---------------------------------------------------------------------------------------------
-- 15_security: portal schemas, staff scopes and the functions row-level security uses.
--
-- Schemas:    sv_work (work portal 工作门户: officials), sv_public (service portal 服务门户:
--             published, masked data only), sv_bi (analysis views with stable column names)
-- Tables:     sv.staff (login role -> department and region scope, with validity dates)
-- Functions:  sv.current_scope() (everyone), sv.scope_department(), sv.scope_regions()
--             (used by RLS policies); their write functions sv.staff_add, sv.staff_end are in
--             17_staff.sql, after the audit chain (16_audit.sql) they append to
--             The checks every SECURITY DEFINER function applies itself (RLS does not apply
--             inside it): sv._caller(), sv._require_role(purpose, roles),
--             sv._require_mapping(purpose), sv._require_department_scope(department_id),
--             sv._require_regions_in_scope(field, regions), sv._require_admin_scope(region),
--             sv._raise_not_yours(field, object)
-- The write functions of 17_staff.sql are the worked example of the write API pattern (docs/security.md).
-- ---------------------------------------------------------------------------------------------

CREATE SCHEMA sv_work;
CREATE SCHEMA sv_public;
CREATE SCHEMA sv_bi;
COMMENT ON SCHEMA sv_work IS 'Work portal (工作门户): views and functions for officials';
COMMENT ON SCHEMA sv_public IS 'Service portal (服务门户): published, masked data only';
COMMENT ON SCHEMA sv_bi IS 'Analysis views with stable column names, for BI tools';

-- The caller: the role set by login or SET ROLE, unchanged inside SECURITY DEFINER functions.
CREATE OR REPLACE FUNCTION sv._outer_user() RETURNS text
AS 'MODULE_PATHNAME', 'sv_outer_user' LANGUAGE C STABLE PARALLEL RESTRICTED;

CREATE TABLE sv.staff (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  role_name     text NOT NULL CHECK (role_name <> ''),
  department_id integer NOT NULL REFERENCES sv.department (id),
  region_code   text NOT NULL REFERENCES sv.region (code),
  valid_from    date NOT NULL,
  valid_to      date,              -- last day in force (inclusive); NULL = open-ended
  added_by      text NOT NULL,
  added_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  ended_by      text,
  ended_at      timestamptz,
  end_reason    text,
  -- valid_to = valid_from - 1 is a mapping revoked before it came into force
  CHECK (valid_to IS NULL OR valid_to >= valid_from - 1),
  CHECK ((ended_at IS NULL) = (ended_by IS NULL))
);
CREATE INDEX staff_role_name_idx ON sv.staff (role_name, valid_from);
COMMENT ON TABLE sv.staff IS
  'Maps a login role to a department and a region scope (the region and everything under it)';
COMMENT ON COLUMN sv.staff.role_name IS 'login role name (a name, not an OID: dumps and Citus keep it)';
COMMENT ON COLUMN sv.staff.valid_to IS 'last day the mapping is in force, inclusive; NULL while open';
ALTER TABLE sv.staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.staff FORCE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('sv.staff', '');
SELECT pg_catalog.pg_extension_config_dump('sv.staff_id_seq', '');

-- The scope cache (src/security/scope.c) is kept per statement and per scope generation, a
-- counter of the backend bumped by these triggers on the tables sv._scope_lookup() reads: a
-- mapping changed earlier in the same statement or transaction is seen by the next lookup.
CREATE OR REPLACE FUNCTION sv._scope_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'sv_scope_changed' LANGUAGE C;
COMMENT ON FUNCTION sv._scope_changed() IS
  'Statement trigger on sv.staff and sv.region: the next scope lookup of this session queries again';
CREATE TRIGGER staff_scope_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sv.staff
  FOR EACH STATEMENT EXECUTE FUNCTION sv._scope_changed();
CREATE TRIGGER region_scope_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sv.region
  FOR EACH STATEMENT EXECUTE FUNCTION sv._scope_changed();

-- The caller's mapping in force today (in sv.timezone) and every region code in its scope.
-- Runs as the owner so the caller needs no privilege on sv.staff; it only ever answers for the
-- caller.
CREATE OR REPLACE FUNCTION sv._scope_lookup(OUT staff_id bigint, OUT department_id integer,
                                 OUT region_code text, OUT regions text[])
RETURNS SETOF record
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
  -- plpgsql: the plan is kept for the session (a LANGUAGE sql function is planned at each call)
  RETURN QUERY
  WITH me AS (
    SELECT s.id, s.department_id, s.region_code
    FROM sv.staff s
    WHERE s.role_name = sv._outer_user()
      AND s.valid_from <= sv.local_date(now())
      AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(now()))
    ORDER BY s.valid_from DESC
    LIMIT 1
  )
  SELECT me.id, me.department_id, me.region_code,
         ARRAY(WITH RECURSIVE down(code, depth) AS (
                 SELECT me.region_code, 1
                 UNION ALL
                 SELECT r.code, down.depth + 1 FROM sv.region r JOIN down ON r.parent_code = down.code
                 WHERE down.depth < 16)
               SELECT down.code FROM down ORDER BY down.code)
  FROM me;
END
$fn$;

CREATE OR REPLACE FUNCTION sv.scope_department() RETURNS integer
AS 'MODULE_PATHNAME', 'sv_scope_department' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION sv.scope_department() IS
  'The caller''s department from sv.staff (NULL without a mapping in force); for RLS policies';
CREATE OR REPLACE FUNCTION sv.scope_regions() RETURNS text[]
AS 'MODULE_PATHNAME', 'sv_scope_regions' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION sv.scope_regions() IS
  'Region codes in the caller''s scope (its region and all below; NULL without a mapping); for RLS policies';

CREATE OR REPLACE FUNCTION sv.current_scope(OUT role_name text, OUT staff_id bigint, OUT department_id integer,
                                 OUT department_code text, OUT department_name text,
                                 OUT region_code text, OUT region_name text, OUT regions text[],
                                 OUT sees_all boolean, OUT is_admin boolean)
RETURNS record
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT u.name, l.staff_id, l.department_id, d.code, d.name_zh, l.region_code, r.name_zh, l.regions,
         pg_has_role(u.name, 'sv_auditor', 'USAGE') OR pg_has_role(u.name, 'sv_admin', 'USAGE'),
         pg_has_role(u.name, 'sv_admin', 'USAGE')
  FROM (SELECT sv._outer_user() AS name) u
  LEFT JOIN sv._scope_lookup() l ON true
  LEFT JOIN sv.department d ON d.id = l.department_id
  LEFT JOIN sv.region r ON r.code = l.region_code
$fn$;
COMMENT ON FUNCTION sv.current_scope() IS
  'Who the caller is for the platform: staff mapping in force, department, region scope, whether it sees everything';

-- Officers see their department's staff in their region scope; the supervision office and
-- administrators see all.  (Policies compare plain columns with the cached scope.)
CREATE POLICY staff_scope ON sv.staff FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department() AND region_code = ANY (sv.scope_regions()));
CREATE POLICY staff_all ON sv.staff FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.staff TO sv_officer, sv_admin, sv_auditor;

-- ---------------------------------------------------------------------------------------------
-- The write-API checks (docs/security.md, "Write-API pattern").  A SECURITY DEFINER function
-- runs as the owner, so row-level security does not apply inside it: it checks the caller
-- itself, with these helpers, never with hand-written copies:
--   sv._caller()                                  who is calling: login, group roles, flags, scope
--   sv._require_role(purpose, roles[, hint])      a member of one of these group roles, or 42501
--   sv._require_mapping(purpose)                  officers act only with a staff mapping in force
--   sv._require_department_scope(department_id)   officers act for their own department only
--   sv._require_regions_in_scope(field, regions)  regions within the caller's region scope
--   sv._require_admin_scope(region_code)          administrators manage their own region scope
--   sv._raise_not_yours(field, object[, errcode, hint])  out of scope is answered as missing
-- Each is one lookup: the login comes from C (sv._outer_user), group membership from the role
-- cache (pg_has_role), department and regions from the scope cache of src/security/scope.c.
-- ---------------------------------------------------------------------------------------------

-- The caller in one row: its login, the platform group roles it has (in sv._group_roles()
-- order; a superuser has them all), whether it is a superuser, an administrator (a superuser or
-- a member of sv_admin), an auditor, an officer, an integration, and its staff mapping in force
-- (department and the region codes in scope; NULL without one).  A write function reads it
-- once, in its DECLARE section: `me record := sv._caller();`.  C (src/security/scope.c): the
-- role cache and the scope cache, no query of its own (a few microseconds).
CREATE OR REPLACE FUNCTION sv._caller(OUT login text, OUT roles text[], OUT is_superuser boolean,
                                      OUT is_admin boolean, OUT is_auditor boolean, OUT is_officer boolean,
                                      OUT is_integration boolean, OUT department_id integer,
                                      OUT regions text[])
RETURNS record
AS 'MODULE_PATHNAME', 'sv_caller' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION sv._caller() IS
  'The caller of a write function in one lookup: login, group roles, administrator/auditor/officer/integration, staff department and region scope (internal)';

-- Is the caller a member of one of these group roles (a superuser is a member of every role)?
-- Otherwise 42501, "only platform administrators <purpose>" when roles is {sv_admin} and
-- "role "<login>" may not <purpose>" else.  Administrators pass only when sv_admin is listed.
CREATE OR REPLACE FUNCTION sv._require_role(purpose text, roles text[], hint text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_login text := sv._outer_user();
  v_role text;
  v_message text;
BEGIN
  -- a loop of simple expressions, not a query: this runs in every write function
  FOREACH v_role IN ARRAY roles LOOP
    IF pg_catalog.pg_has_role(v_login, v_role, 'USAGE') THEN
      RETURN;
    END IF;
  END LOOP;
  v_message := CASE WHEN roles = ARRAY['sv_admin'] THEN pg_catalog.format('only platform administrators %s', purpose)
                    ELSE pg_catalog.format('role "%s" may not %s', v_login, purpose) END;
  IF hint IS NULL THEN
    RAISE EXCEPTION USING MESSAGE = v_message, ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION USING MESSAGE = v_message, ERRCODE = 'insufficient_privilege', HINT = hint;
END
$fn$;

-- "Exists but not yours": an object outside the caller's scope is answered exactly as a
-- missing one, so that the error reveals nothing about it.  The caller decides
-- (IF NOT FOUND OR NOT <in scope> THEN ...); this raises
-- "<field>: <object> does not exist in the scope of "<login>"" with 42501, or with the
-- SQLSTATE the function has always answered for a missing object (P0002).
CREATE OR REPLACE FUNCTION sv._raise_not_yours(field text, object text,
                                               errcode text DEFAULT 'insufficient_privilege',
                                               hint text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_message text := pg_catalog.format('%s: %s does not exist in the scope of "%s"', field, object, sv._outer_user());
BEGIN
  IF hint IS NULL THEN
    RAISE EXCEPTION USING MESSAGE = v_message, ERRCODE = errcode;
  END IF;
  RAISE EXCEPTION USING MESSAGE = v_message, ERRCODE = errcode, HINT = hint;
END
$fn$;

-- May the caller act for this department (its catalogue items, actions, draw plans)?
-- Superusers and administrators for any; officers for the department of their staff mapping.
CREATE OR REPLACE FUNCTION sv._require_department_scope(department_id integer) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  IF me.is_admin THEN
    RETURN;
  END IF;
  IF me.department_id IS DISTINCT FROM department_id THEN
    RAISE EXCEPTION 'department % is not the department of "%"', department_id, me.login
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Officers act for their own department only (its catalogue items, actions and draw plans); administrators for any.';
  END IF;
END
$fn$;

-- The caller's own right to manage a region: superusers anywhere; administrators inside their
-- own scope (an sv_admin without a staff mapping manages nothing until a superuser maps it).
CREATE OR REPLACE FUNCTION sv._require_admin_scope(region_code text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  IF me.is_superuser THEN
    RETURN;
  END IF;
  IF NOT me.is_admin THEN
    RAISE EXCEPTION 'role "%" is not a platform administrator', me.login
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF me.regions IS NULL THEN
    RAISE EXCEPTION 'administrator "%" has no staff mapping in force', me.login
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'A superuser maps administrators with sv.staff_add().';
  END IF;
  IF NOT (region_code = ANY (me.regions)) THEN
    RAISE EXCEPTION 'region % is outside the scope of administrator "%"', region_code, me.login
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$fn$;

-- Do these regions lie within the caller's region scope?  Superusers anywhere; everybody else
-- (officers and administrators alike) within the scope of its own staff mapping: a write naming
-- regions may not reach past the caller's own region.  42501 naming the field.
CREATE OR REPLACE FUNCTION sv._require_regions_in_scope(field text, region_codes text[]) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_bad text;
BEGIN
  IF me.is_superuser THEN
    RETURN;
  END IF;
  IF me.regions IS NULL THEN
    RAISE EXCEPTION '%: "%" has no staff mapping in force, so no region is in its scope', field, me.login
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'An administrator maps staff to a department and region with sv.staff_add().';
  END IF;
  SELECT string_agg(coalesce(x, 'NULL'), ', ' ORDER BY x) INTO v_bad FROM unnest(region_codes) x
  WHERE x IS NULL OR NOT (x = ANY (me.regions));
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION '%: region(s) % outside the region scope of "%"', field, v_bad, me.login
      USING ERRCODE = 'insufficient_privilege',
            HINT = pg_catalog.format('"%s" acts only in region %s and the regions below it.', me.login,
                                     (SELECT s.region_code FROM sv._scope_lookup() s));
  END IF;
END
$fn$;

-- An officer without a staff mapping in force does nothing: 42501.  Administrators and
-- integrations (system feeds) pass; the callers have checked the role itself (sv._require_role).
-- The rule for every function an officer calls to act, not only to read: no mapping, no action.
CREATE OR REPLACE FUNCTION sv._require_mapping(purpose text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  IF me.is_admin OR me.is_integration THEN
    RETURN;
  END IF;
  IF me.department_id IS NULL THEN
    RAISE EXCEPTION 'role "%" has no staff mapping in force, so it may not %', me.login, purpose
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'An administrator maps officers to a department and region with sv.staff_add().';
  END IF;
END
$fn$;

GRANT USAGE ON SCHEMA sv_work TO sv_officer, sv_admin, sv_auditor;
GRANT USAGE ON SCHEMA sv_public TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT USAGE ON SCHEMA sv_bi TO sv_bi, sv_auditor, sv_admin;
GRANT EXECUTE ON FUNCTION sv.current_scope(), sv.scope_department(), sv.scope_regions(),
                          sv._scope_lookup(), sv._outer_user()
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
