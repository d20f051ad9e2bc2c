-- ---------------------------------------------------------------------------------------------
-- 17_staff: the write functions of the staff mappings (sv.staff, 15_security.sql), after the
-- audit chain they append to (16_audit.sql): the install files are in dependency order.
--
-- Functions:  sv.staff_add(...), sv.staff_end(...) (sv_admin)
-- They are the worked example of the write API pattern (docs/security.md).
-- ---------------------------------------------------------------------------------------------

-- sv.staff_add: the worked example of the write API pattern (docs/security.md).
--   1. validate every argument (precise SQLSTATE, message naming the field)
--   2. check the caller's scope
--   3. serialise competing writers, check the state
--   4. apply the change and append the audit record, in this one transaction
CREATE OR REPLACE FUNCTION sv.staff_add(role_name text, department_id integer, region_code text,
                             valid_from date DEFAULT NULL, valid_to date DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r record;
  dept record;
  v_from date := coalesce(valid_from, sv.local_date(now()));
  v_id bigint;
  clash record;
BEGIN
  -- 1. arguments
  IF role_name IS NULL THEN
    RAISE EXCEPTION 'role_name must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF department_id IS NULL THEN
    RAISE EXCEPTION 'department_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF region_code IS NULL THEN
    RAISE EXCEPTION 'region_code must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT rolname, rolcanlogin, rolsuper, rolbypassrls INTO r FROM pg_roles WHERE rolname = role_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role_name: role "%" does not exist', role_name USING ERRCODE = 'undefined_object';
  END IF;
  IF NOT r.rolcanlogin THEN
    RAISE EXCEPTION 'role_name: role "%" cannot log in; map login roles, not groups', role_name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF r.rolsuper OR r.rolbypassrls THEN
    RAISE EXCEPTION 'role_name: role "%" bypasses row-level security and cannot be given a scope', role_name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Staff logins must be ordinary roles so that their scope is enforced.';
  END IF;
  SELECT d.id, d.code, d.region_code INTO dept FROM sv.department d WHERE d.id = staff_add.department_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'department_id: department % does not exist', department_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.region g WHERE g.code = staff_add.region_code) THEN
    RAISE EXCEPTION 'region_code: region "%" does not exist', region_code
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT sv.region_within(region_code, dept.region_code) THEN
    RAISE EXCEPTION 'region_code: region % is outside department %''s region %', region_code, dept.code, dept.region_code
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_date('valid_from', valid_from);
  PERFORM sv._require_date('valid_to', valid_to);
  IF valid_to IS NOT NULL AND valid_to < v_from THEN
    RAISE EXCEPTION 'valid_to (%) must not be before valid_from (%)', valid_to, v_from
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- 2. the caller's scope
  PERFORM sv._require_admin_scope(region_code);

  -- 3. one writer per login at a time; one mapping in force per login on any day
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.staff'), pg_catalog.hashtext(role_name));
  SELECT s.id, s.valid_from, s.valid_to INTO clash FROM sv.staff s
  WHERE s.role_name = staff_add.role_name
    AND daterange(s.valid_from, s.valid_to + 1) && daterange(v_from, staff_add.valid_to + 1)
  ORDER BY s.valid_from LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'role "%" already has staff mapping % in force from % to %', role_name, clash.id,
                    clash.valid_from, coalesce(clash.valid_to::text, 'open')
      USING ERRCODE = 'exclusion_violation',
            HINT = 'End it first with sv.staff_end(), or start the new mapping after it.';
  END IF;

  -- 4. change + audit
  INSERT INTO sv.staff (role_name, department_id, region_code, valid_from, valid_to, added_by)
  VALUES (role_name, department_id, region_code, v_from, valid_to, sv._outer_user())
  RETURNING id INTO v_id;
  PERFORM sv.audit_append(department_id, 'staff', v_id::text, 'add',
    jsonb_build_object('role_name', role_name, 'department_id', department_id,
                       'region_code', region_code, 'valid_from', v_from, 'valid_to', valid_to));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.staff_add(text, integer, text, date, date) IS
  'Administrators: give a login role a department and region scope from valid_from (default today) to valid_to (inclusive)';

CREATE OR REPLACE FUNCTION sv.staff_end(staff_id bigint, reason text, last_day date DEFAULT NULL)
RETURNS date
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  s record;
  v_last date;
BEGIN
  IF staff_id IS NULL THEN
    RAISE EXCEPTION 'staff_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_reason(reason, 'the mapping ends');
  PERFORM sv._require_date('last_day', last_day);

  SELECT * INTO s FROM sv.staff t WHERE t.id = staff_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'staff_id: staff mapping % does not exist', staff_id USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM sv._require_admin_scope(s.region_code);
  -- Default: the mapping ends now, so its last day is yesterday (a mapping not yet in force is
  -- revoked unused: the day before it starts; one that has run out keeps its own end).
  v_last := coalesce(last_day,
                     least(coalesce(s.valid_to, 'infinity'::date),
                           greatest(sv.local_date(now()) - 1, s.valid_from - 1)));
  -- An end can be brought forward (a planned departure moved up), never pushed back, and never
  -- into the past: the mapping was in force until now, and sv.staff must say so.
  IF s.valid_to IS NOT NULL AND s.valid_to < sv.local_date(now()) THEN
    RAISE EXCEPTION 'staff mapping % has already ended', staff_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Its last day was %s.', s.valid_to);
  END IF;
  IF s.ended_at IS NOT NULL AND v_last >= s.valid_to THEN
    RAISE EXCEPTION 'staff mapping % already ends on %; an end can only be brought forward', staff_id, s.valid_to
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF s.valid_from <= sv.local_date(now()) AND v_last < sv.local_date(now()) - 1 THEN
    RAISE EXCEPTION 'last_day (%) is in the past: the mapping has been in force since %', v_last, s.valid_from
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Omit last_day to end it now (yesterday becomes its last day).';
  END IF;
  IF v_last < s.valid_from - 1 THEN
    RAISE EXCEPTION 'last_day (%) must not be before the day before valid_from (%)', v_last, s.valid_from
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF s.valid_to IS NOT NULL AND v_last > s.valid_to THEN
    RAISE EXCEPTION 'last_day (%) is after the mapping''s own end (%)', v_last, s.valid_to
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  UPDATE sv.staff t SET valid_to = v_last, ended_by = sv._outer_user(), ended_at = now(),
                        end_reason = btrim(reason)
  WHERE t.id = staff_id;
  PERFORM sv.audit_append(s.department_id, 'staff', staff_id::text, 'end',
    jsonb_build_object('role_name', s.role_name, 'last_day', v_last, 'reason', btrim(reason)));
  RETURN v_last;
END
$fn$;
COMMENT ON FUNCTION sv.staff_end(bigint, text, date) IS
  'Administrators: end a staff mapping after last_day (default: now, i.e. yesterday was its last day; the day before valid_from revokes it unused)';

GRANT EXECUTE ON FUNCTION sv.staff_add(text, integer, text, date, date),
                          sv.staff_end(bigint, text, date) TO sv_admin;
