-- sv_platform install script (the version in sv_platform.control), assembled by the Makefile from extension/NN_*.sql in order.
\echo Use "CREATE EXTENSION sv_platform CASCADE" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- 00_core: the module, its group roles and build information.
--
-- Group roles (NOLOGIN). They are cluster-wide, created here when absent and left in place by
-- DROP EXTENSION (other databases may use them). A DBA grants them to login roles.
--   sv_admin        platform administrators (reference data, calendars, registrations)
--   sv_officer      officials using the work portal (工作门户)
--   sv_auditor      the supervision office: reads everything, writes nothing
--   sv_public       the service portal (服务门户): published, masked data only
--   sv_bi           analysis and BI tools
--   sv_integration  external systems feeding data in
-- Nothing in this extension is granted to PUBLIC (see 99_privileges.sql).
-- ---------------------------------------------------------------------------------------------

-- Names, reasons and the audit trail's hashed text are UTF-8 (docs/audit.md defines the hash
-- over UTF-8 bytes): refuse any other database encoding up front.
DO $encoding$
BEGIN
  IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
    RAISE EXCEPTION 'sv_platform needs a UTF8 database, not %', pg_catalog.getdatabaseencoding()
      USING ERRCODE = 'feature_not_supported',
            HINT = 'CREATE DATABASE ... ENCODING ''UTF8'' TEMPLATE template0, then CREATE EXTENSION there.';
  END IF;
END
$encoding$;

-- sv:rerun (re-applied by every update: docs/upgrades.md)
DO $roles$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['sv_admin', 'sv_officer', 'sv_auditor', 'sv_public', 'sv_bi',
                           'sv_integration']
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END
$roles$;

-- The roles every read-only surface of the core is granted to.
CREATE OR REPLACE FUNCTION sv._group_roles() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['sv_admin', 'sv_officer', 'sv_auditor', 'sv_public', 'sv_bi', 'sv_integration'] $$;

COMMENT ON FUNCTION sv._group_roles() IS 'The six group roles of sv_platform (internal).';

CREATE OR REPLACE FUNCTION sv.build_info(OUT component text, OUT version text) RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_build_info'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION sv.build_info() IS
  'Versions this library was built against and runs with (sv_platform, PostgreSQL, libcurl), and what computes the audit trail''s SHA-256.';

-- The legal date of a timestamp: deadlines and validity dates count in sv.timezone
-- (Asia/Shanghai by default), never in the session's TimeZone.
CREATE OR REPLACE FUNCTION sv.local_date(timestamptz) RETURNS date
AS 'MODULE_PATHNAME', 'sv_local_date' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.local_date(timestamptz) IS
  'The calendar date of a timestamp in sv.timezone (default Asia/Shanghai), whatever the session time zone';
