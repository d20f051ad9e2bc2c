-- ---------------------------------------------------------------------------------------------
-- prelude: the start of every update script (docs/upgrades.md).  Views, row-level policies and
-- triggers are dropped here and created again by the re-runnable part of the install files, and
-- every privilege on the extension's objects is revoked and granted again, so an update leaves
-- exactly what a fresh install of the new version has: a grant the new version no longer makes
-- does not survive.  Tables, their rows and their indexes are untouched.
-- ---------------------------------------------------------------------------------------------

DO $prelude$
DECLARE
  ext oid := (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'sv_platform');
  r record;
  grantee text;
  grantees text := 'PUBLIC, ' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(rolname), ', ')
                                 FROM pg_catalog.pg_roles
                                 WHERE rolname IN ('sv_admin', 'sv_officer', 'sv_auditor', 'sv_public',
                                                   'sv_bi', 'sv_integration'));
BEGIN
  -- views of the extension, all at once so that views over views need no CASCADE
  SELECT pg_catalog.string_agg(c.oid::regclass::text, ', ') INTO grantee
    FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
   WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext AND d.deptype = 'e'
     AND d.classid = 'pg_catalog.pg_class'::regclass AND c.relkind IN ('v', 'm');
  IF grantee IS NOT NULL THEN
    EXECUTE 'DROP VIEW ' || grantee;
  END IF;

  FOR r IN SELECT c.oid::regclass AS rel, c.relkind
             FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
            WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext AND d.deptype = 'e'
              AND d.classid = 'pg_catalog.pg_class'::regclass AND c.relkind IN ('r', 'p', 'S')
  LOOP
    IF r.relkind <> 'S' THEN
      FOR grantee IN SELECT polname FROM pg_catalog.pg_policy WHERE polrelid = r.rel LOOP
        EXECUTE pg_catalog.format('DROP POLICY %I ON %s', grantee, r.rel);
      END LOOP;
      FOR grantee IN SELECT tgname FROM pg_catalog.pg_trigger WHERE tgrelid = r.rel AND NOT tgisinternal LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', grantee, r.rel);
      END LOOP;
    END IF;
    EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s', r.rel, grantees);
  END LOOP;

  FOR r IN SELECT p.oid::regprocedure AS fn, p.prokind
             FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
            WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext AND d.deptype = 'e'
              AND d.classid = 'pg_catalog.pg_proc'::regclass
  LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM %s',
                              CASE r.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, r.fn, grantees);
  END LOOP;

  FOR r IN SELECT n.nspname
             FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_namespace n ON n.oid = d.objid
            WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext AND d.deptype = 'e'
              AND d.classid = 'pg_catalog.pg_namespace'::regclass
  LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM %s', r.nspname, grantees);
  END LOOP;
END
$prelude$;
