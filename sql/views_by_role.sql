-- Every view of the three reading surfaces (sv_work, sv_public, sv_bi) is readable by every
-- group role that is granted it, directly or through membership: for each (view, role) pair a
-- login that is a member of that one group role (officers with a staff mapping) reads every
-- row and column of the view.  Built from the catalogue, so a view added later is covered
-- without touching this file; a failure prints the view, the role and the SQLSTATE, and the
-- number of pairs checked changes when a view or a grant is added.
\set SHOW_CONTEXT never

CREATE TEMP TABLE vr_login (grp text PRIMARY KEY, login text NOT NULL);
INSERT INTO vr_login SELECT g, 'regress_vr_' || substr(g, 4) FROM unnest(sv._group_roles()) g;
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM vr_login ORDER BY grp LOOP
    EXECUTE format('CREATE ROLE %I LOGIN IN ROLE %I', r.login, r.grp);
  END LOOP;
END
$$;
-- each login is a member of its one group role only
SELECT l.grp, l.login, array_agg(g.rolname ORDER BY g.rolname) AS member_of
FROM vr_login l JOIN pg_auth_members m ON m.member = l.login::regrole JOIN pg_roles g ON g.oid = m.roleid
GROUP BY l.grp, l.login ORDER BY l.grp;
-- the officer works for market regulation in the city
SELECT sv.staff_add('regress_vr_officer', 4, '410400') > 0 AS mapped;

CREATE TEMP TABLE vr_failure (view_name text, grp text, sqlstate text, message text);
CREATE TEMP TABLE vr_checked (view_name text, grp text);
DO $$
DECLARE
  v record;
  n bigint;
  v_state text;
  v_msg text;
BEGIN
  FOR v IN
    SELECT format('%I.%I', ns.nspname, c.relname) AS view_name, l.grp, l.login
    FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace CROSS JOIN vr_login l
    WHERE ns.nspname IN ('sv_work', 'sv_public', 'sv_bi') AND c.relkind IN ('v', 'm')
      AND has_table_privilege(l.login, c.oid, 'SELECT')
    ORDER BY 1, 2
  LOOP
    BEGIN
      EXECUTE format('SET ROLE %I', v.login);
      -- the whole row as text: every column of every row is computed
      EXECUTE format('SELECT count(x::text) FROM %s x', v.view_name) INTO n;
      RESET ROLE;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
      RESET ROLE;
      INSERT INTO vr_failure VALUES (v.view_name, v.grp, v_state, v_msg);
    END;
    INSERT INTO vr_checked VALUES (v.view_name, v.grp);
  END LOOP;
END
$$;
SELECT current_user = session_user AS role_reset;

-- failures: none
SELECT view_name, grp AS role, sqlstate, message FROM vr_failure ORDER BY 1, 2;
-- what was checked: every view of the three schemas granted to at least one group role, and
-- the number of (view, role) pairs
SELECT count(*) AS pairs_checked, count(DISTINCT view_name) AS views_checked FROM vr_checked;
SELECT format('%I.%I', ns.nspname, c.relname) AS view_granted_to_no_group
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname IN ('sv_work', 'sv_public', 'sv_bi') AND c.relkind IN ('v', 'm')
  AND format('%I.%I', ns.nspname, c.relname) NOT IN (SELECT view_name FROM vr_checked)
ORDER BY 1;
-- per role, for the record
SELECT grp AS role, count(*) AS views FROM vr_checked GROUP BY grp ORDER BY grp;

-- Chinese labels: everything a person reads has them.  Every view of the three schemas has a
-- COMMENT ON VIEW and every one of its columns a COMMENT ON COLUMN containing at least one
-- Chinese character (CJK unified ideographs U+4E00-U+9FFF); a view or column added without
-- one is listed here.  None:
SELECT format('%I.%I', ns.nspname, c.relname) AS view_name, a.attname AS column_without_chinese_label,
       col_description(c.oid, a.attnum) AS comment
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE ns.nspname IN ('sv_work', 'sv_public', 'sv_bi') AND c.relkind IN ('v', 'm')
  AND coalesce(col_description(c.oid, a.attnum), '') !~ '[\u4e00-\u9fff]'
ORDER BY 1, a.attnum;
SELECT format('%I.%I', ns.nspname, c.relname) AS view_without_chinese_title,
       obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname IN ('sv_work', 'sv_public', 'sv_bi') AND c.relkind IN ('v', 'm')
  AND coalesce(obj_description(c.oid, 'pg_class'), '') !~ '[\u4e00-\u9fff]'
ORDER BY 1;
-- how many are labelled (changes when a view or a column is added)
SELECT count(DISTINCT c.oid) AS views_labelled, count(*) AS columns_labelled
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE ns.nspname IN ('sv_work', 'sv_public', 'sv_bi') AND c.relkind IN ('v', 'm')
  AND col_description(c.oid, a.attnum) ~ '[\u4e00-\u9fff]';
-- the example of docs/security.md: the labels of one view
SELECT a.attname, col_description(a.attrelid, a.attnum) AS label
FROM pg_attribute a
WHERE a.attrelid = 'sv_public.subject'::regclass AND a.attnum > 0
ORDER BY a.attnum;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN (SELECT login FROM vr_login);
SET session_replication_role = DEFAULT;
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM vr_login ORDER BY grp LOOP
    EXECUTE format('DROP ROLE %I', r.login);
  END LOOP;
END
$$;
