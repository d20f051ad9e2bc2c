-- The scope cache (src/security/scope.c): one lookup per statement and scope generation.  A
-- mapping changed earlier in the same statement (or transaction) is seen by the next lookup,
-- also after other writes; a change rolled back to a savepoint is no longer seen; writes to
-- other tables keep the cached scope.  Self-contained: its roles and rows are removed at the end.
\pset null '(null)'
\set SHOW_CONTEXT never
CREATE ROLE regress_scc_officer LOGIN IN ROLE sv_officer;
-- raw writes to sv.staff as the owner; the caller (the outer user) stays the officer
CREATE FUNCTION pg_temp.remap(dept integer) RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  UPDATE sv.staff SET department_id = dept WHERE role_name = 'regress_scc_officer';
END $$;
CREATE FUNCTION pg_temp.unrelated_write() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS scc_scratch (n integer);
  INSERT INTO scc_scratch VALUES (1);
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.remap(integer), pg_temp.unrelated_write() TO regress_scc_officer;
SELECT sv.staff_add('regress_scc_officer', 4, '410402') > 0 AS mapped;

-- one statement: the scope, a remap, the scope again, an unrelated write, the scope again
CREATE FUNCTION pg_temp.steps() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  out text := '';
BEGIN
  out := out || 'before ' || sv.scope_department();
  PERFORM pg_temp.remap(5);
  out := out || ', after remap ' || sv.scope_department() || ' (current_scope ' || (SELECT c.department_id FROM sv.current_scope() c) || ')';
  PERFORM pg_temp.unrelated_write();
  out := out || ', after other write ' || sv.scope_department();
  BEGIN
    PERFORM pg_temp.remap(6);
    out := out || ', in savepoint ' || sv.scope_department();
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN
    out := out || ', rolled back ' || sv.scope_department();
  END;
  PERFORM pg_temp.remap(4);
  RETURN out || ', remapped ' || sv.scope_department();
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.steps() TO regress_scc_officer;
SET ROLE regress_scc_officer;
SELECT pg_temp.steps();
-- in a transaction, statement by statement
BEGIN;
SELECT sv.scope_department() AS dept;
SELECT pg_temp.remap(5);
SELECT sv.scope_department() AS dept, (SELECT c.department_id FROM sv.current_scope() c) AS current_scope_dept;
SAVEPOINT s;
SELECT pg_temp.remap(6);
SELECT sv.scope_department() AS dept;
ROLLBACK TO SAVEPOINT s;
SELECT sv.scope_department() AS dept;
ROLLBACK;
SELECT sv.scope_department() AS dept;
-- a mapping deleted in the transaction is seen at once too
RESET ROLE;
BEGIN;
SET LOCAL ROLE regress_scc_officer;
SELECT array_length(sv.scope_regions(), 1) > 0 AS has_regions, '410402' = ANY (sv.scope_regions()) AS own_region;
RESET ROLE;
DELETE FROM sv.staff WHERE role_name = 'regress_scc_officer';
SET LOCAL ROLE regress_scc_officer;
SELECT sv.scope_department() AS dept_without_mapping, sv.scope_regions() AS regions;
ROLLBACK;

RESET ROLE;
DELETE FROM sv.staff WHERE role_name = 'regress_scc_officer';
DROP FUNCTION pg_temp.steps(), pg_temp.remap(integer), pg_temp.unrelated_write();
DROP ROLE regress_scc_officer;
