-- Date arguments: ±infinity and dates outside 1900-2999 are refused with 22007 naming the
-- field, never stored (an infinite date would read as "open" beside NULL) and never a bare
-- 22008 "date out of range".  The data centre's and credit's dates are tested with their
-- capabilities (datacenter_limits, credit_scope); these are the remaining write and read
-- functions that take dates.  Everything is rolled back; no sequence is used.
BEGIN;
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
CREATE ROLE regress_da_login LOGIN;
SELECT call, pg_temp.try(call) AS outcome FROM (VALUES
  ($$SELECT sv.staff_add('regress_da_login', 4, '410400', 'infinity')$$),
  ($$SELECT sv.staff_add('regress_da_login', 4, '410400', '2026-01-01', 'infinity')$$),
  ($$SELECT sv.staff_add('regress_da_login', 4, '410400', '2026-01-01', '5874897-12-31')$$),
  ($$SELECT sv.staff_add('regress_da_login', 4, '410400', '1899-12-31')$$),
  ($$SELECT sv.staff_end(999999, 'the mapping ends', '-infinity')$$),
  ($$SELECT sv.draw_plan_save('DA-1', 'plan', 4, '-infinity', '2026-12-31', '{"regions": ["410400"]}', '{DA-1-C01}', '{"U": {"count": 1}}')$$),
  ($$SELECT sv.draw_plan_save('DA-1', 'plan', 4, '2026-12-01', 'infinity', '{"regions": ["410400"]}', '{DA-1-C01}', '{"U": {"count": 1}}')$$),
  ($$SELECT sv.draw_plan_save('DA-1', 'plan', 4, '2026-12-01', '5874897-12-31', '{"regions": ["410400"]}', '{DA-1-C01}', '{"U": {"count": 1}}')$$),
  ($$SELECT * FROM sv.action_coverage('-infinity', '2026-12-31')$$),
  ($$SELECT * FROM sv.action_coverage('2026-01-01', 'infinity')$$),
  ($$SELECT * FROM sv.action_coverage('2026-01-01', '3000-01-01')$$)
) c(call);
SELECT count(*) AS staff_rows_written FROM sv.staff WHERE role_name = 'regress_da_login';
SELECT count(*) AS plans_written FROM sv.draw_plan WHERE code = 'DA-1';
ROLLBACK;
