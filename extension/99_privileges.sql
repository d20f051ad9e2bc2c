-- ---------------------------------------------------------------------------------------------
-- 99_privileges: nothing is granted to PUBLIC; each group role gets exactly what it uses.
-- Runs last so that it covers every object the earlier files created.  Write functions are
-- granted to their roles one by one; tables are never writable by application roles.
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON SCHEMA sv, sv_work, sv_public, sv_bi FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA sv, sv_work, sv_public, sv_bi FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA sv, sv_work, sv_public, sv_bi FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sv, sv_work, sv_public, sv_bi FROM PUBLIC;
-- Types such as sv.uscc default to USAGE for PUBLIC.  Array types follow their element type,
-- and the row types of tables and views are reachable only through the schema (USAGE not
-- granted to PUBLIC) and are left alone: pg_dump cannot dump their initial privileges.
-- sv:rerun (re-applied by every update: docs/upgrades.md)
DO $types$
DECLARE
  t regtype;
BEGIN
  FOR t IN SELECT oid::regtype FROM pg_catalog.pg_type
           WHERE typnamespace = 'sv'::regnamespace AND typcategory <> 'A' AND typrelid = 0 LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON TYPE %s FROM PUBLIC', t);
    EXECUTE pg_catalog.format('GRANT USAGE ON TYPE %s TO %s', t,
                              pg_catalog.array_to_string(sv._group_roles(), ', '));
  END LOOP;
END
$types$;

-- sv:rerun (re-applied by every update: docs/upgrades.md)
DO $grants$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY sv._group_roles() LOOP
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA sv TO %I', r);

    -- the type's support functions, so its operators and casts work for every role
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION
        sv.uscc_in(cstring), sv.uscc_out(sv.uscc), sv.uscc_recv(internal), sv.uscc_send(sv.uscc),
        sv.uscc(text), sv.text(sv.uscc),
        sv.uscc_eq(sv.uscc, sv.uscc), sv.uscc_ne(sv.uscc, sv.uscc), sv.uscc_lt(sv.uscc, sv.uscc),
        sv.uscc_le(sv.uscc, sv.uscc), sv.uscc_gt(sv.uscc, sv.uscc), sv.uscc_ge(sv.uscc, sv.uscc),
        sv.uscc_cmp(sv.uscc, sv.uscc), sv.uscc_hash(sv.uscc), sv.uscc_hash_extended(sv.uscc, int8),
        sv.uscc_authority(sv.uscc), sv.uscc_category(sv.uscc), sv.uscc_region_code(sv.uscc),
        sv.uscc_org_code(sv.uscc), sv.uscc_check(text), sv.uscc_validate(text),
        sv.uscc_check_character(text), sv._uscc_categories()
      TO %I', r);

    -- reference data and the calendar: readable by every role
    EXECUTE pg_catalog.format('GRANT SELECT ON sv.region, sv.department, sv.calendar_notice,
        sv.calendar_day, sv.calendar_notice_in_force, sv.calendar_day_in_force, sv.uscc_category,
        sv.code_label TO %I', r);
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION
        sv.region_path(text), sv.region_within(text, text),
        sv.is_workday(date), sv.add_workdays(date, integer), sv.workdays_between(date, date),
        sv.calendar_status(integer), sv.calendar_provisional_days(integer), sv.calendar_provisional_between(date, date),
        sv.lunar_to_gregorian(integer, integer, integer, boolean), sv.gregorian_to_lunar(date),
        sv.qingming(integer), sv._calendar_special(date, date), sv._calendar_year(integer),
        sv._calendar_provisional_memo(integer), sv._workday_walk(date, integer, integer, date[], date[]),
        sv._workday_count(date, date, date[], date[]),
        sv.local_date(timestamptz), sv._calendar_require(date, date), sv._group_roles(), sv.label_zh(text, text)
      TO %I', r);
  END LOOP;
END
$grants$;

-- Who registered which exceptional code and why is for officials, not the public portal.
GRANT SELECT ON sv.uscc_exception TO sv_admin, sv_officer, sv_auditor, sv_integration;

-- Administrative writes.
GRANT EXECUTE ON FUNCTION sv.uscc_register_exception(text, text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.calendar_load(integer, text, date, jsonb, text, boolean) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.build_info() TO sv_admin, sv_auditor;
