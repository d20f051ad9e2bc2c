-- ---------------------------------------------------------------------------------------------
-- 90_security_check: sv.security_check(), the platform's self-audit of its security posture.
-- One row per finding; a correct installation returns none.  Run by administrators and the
-- supervision office, e.g. daily from pg_cron, and after every upgrade or grant change.
-- ---------------------------------------------------------------------------------------------

-- An ingest staging table of the expected shape (39_ingest_kind.sql): the staging table of a
-- registered kind (sv.ingest_kind), in schema sv, stamped by sv._staging_loaded_by, and nobody
-- but its owner may read, change or delete its rows.  Such a table may be without row-level
-- security (COPY FROM needs that).
CREATE OR REPLACE FUNCTION sv._is_staging_table(rel oid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT EXISTS (
    SELECT 1 FROM pg_class c
    WHERE c.oid = rel AND c.relnamespace = 'sv'::regnamespace
      AND EXISTS (SELECT 1 FROM sv.ingest_kind k WHERE k.staging_table = c.oid)
      AND EXISTS (SELECT 1 FROM pg_trigger t
                  WHERE t.tgrelid = c.oid AND t.tgfoid = 'sv._staging_loaded_by()'::regprocedure AND t.tgenabled <> 'D')
      AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) a
                      WHERE a.grantee <> c.relowner AND a.privilege_type <> 'INSERT'))
$fn$;

CREATE OR REPLACE FUNCTION sv.security_check(verify_audit_chain boolean DEFAULT true)
RETURNS TABLE (severity text, finding text, object text, detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  schemas text[] := ARRAY['sv', 'sv_work', 'sv_public', 'sv_bi'];
  groups text[] := sv._group_roles();
  last_seq bigint;
  preloaded boolean;
BEGIN
  PERFORM sv._require_given(ARRAY['verify_audit_chain'],
                            ARRAY[verify_audit_chain IS NULL]);
  -- Tables without row-level security enabled and forced.
  RETURN QUERY
  SELECT 'high', 'rls_not_forced', format('%I.%I', n.nspname, c.relname),
         CASE WHEN NOT c.relrowsecurity THEN 'row-level security is not enabled'
              ELSE 'row-level security is not forced (the owner bypasses it)' END
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY (schemas) AND c.relkind IN ('r', 'p')
    AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
    AND NOT sv._is_staging_table(c.oid);

  -- SECURITY DEFINER functions that do not pin search_path.
  RETURN QUERY
  SELECT 'high', 'definer_without_search_path',
         format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
         'SECURITY DEFINER function without SET search_path: callers can redirect its unqualified names'
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = ANY (schemas) AND p.prosecdef
    AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%');

  -- Anything granted to PUBLIC.
  RETURN QUERY
  SELECT 'high', 'granted_to_public', o.obj, 'PUBLIC has ' || string_agg(DISTINCT a.privilege_type, ', ')
  FROM (
    SELECT 'schema ' || quote_ident(n.nspname) AS obj, coalesce(n.nspacl, acldefault('n', n.nspowner)) AS acl
    FROM pg_namespace n WHERE n.nspname = ANY (schemas)
    UNION ALL
    SELECT 'relation ' || format('%I.%I', n.nspname, c.relname), coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY (schemas) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL
    SELECT 'function ' || format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
           coalesce(p.proacl, acldefault('f', p.proowner))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY (schemas)
    UNION ALL
    SELECT 'type ' || format('%I.%I', n.nspname, t.typname), coalesce(t.typacl, acldefault('T', t.typowner))
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = ANY (schemas) AND t.typcategory <> 'A' AND t.typrelid = 0
  ) o, aclexplode(o.acl) a
  WHERE a.grantee = 0
  GROUP BY o.obj;

  -- Tables that a group role (or anyone but the owner) could write directly.
  RETURN QUERY
  SELECT 'high', 'table_writable', format('%I.%I', n.nspname, c.relname),
         pg_get_userbyid(a.grantee) || ' has ' || string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
  WHERE n.nspname = ANY (schemas) AND c.relkind IN ('r', 'p')
    AND a.grantee <> c.relowner AND a.grantee <> 0
    AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
    -- the ingest staging tables (COPY targets): loaders may insert, nothing more
    AND NOT (a.privilege_type = 'INSERT' AND sv._is_staging_table(c.oid))
  GROUP BY n.nspname, c.relname, a.grantee;

  -- Logins that hold a group role but bypass row-level security (superusers included).  Real
  -- membership through pg_auth_members: pg_has_role() calls every superuser a member of all.
  RETURN QUERY
  WITH RECURSIVE member_of(member, grp) AS (
    SELECT m.member, m.roleid FROM pg_auth_members m
    UNION
    SELECT m.member, mo.grp FROM pg_auth_members m JOIN member_of mo ON mo.member = m.roleid
  )
  SELECT 'high', 'member_bypasses_rls', quote_ident(r.rolname),
         'login role ' || CASE WHEN r.rolsuper THEN 'is a superuser' ELSE 'has BYPASSRLS' END ||
         ' and is a member of ' || string_agg(g.rolname, ', ' ORDER BY g.rolname) || ': its scope is not enforced'
  FROM pg_roles r JOIN member_of mo ON mo.member = r.oid JOIN pg_roles g ON g.oid = mo.grp
  WHERE r.rolcanlogin AND (r.rolsuper OR r.rolbypassrls) AND g.rolname = ANY (groups)
  GROUP BY r.rolname, r.rolsuper;

  -- Staff mappings in force whose login is gone or no longer an ordinary login.
  RETURN QUERY
  SELECT 'medium', 'staff_role_invalid', 'staff ' || s.id || ' (' || s.role_name || ')',
         CASE WHEN r.rolname IS NULL THEN 'role does not exist any more'
              WHEN NOT r.rolcanlogin THEN 'role cannot log in'
              ELSE 'role bypasses row-level security' END
  FROM sv.staff s LEFT JOIN pg_roles r ON r.rolname = s.role_name
  WHERE s.valid_from <= sv.local_date(now()) AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(now()))
    AND (r.rolname IS NULL OR NOT r.rolcanlogin OR r.rolsuper OR r.rolbypassrls);

  -- Work-portal views must apply the caller's row-level scope.
  RETURN QUERY
  SELECT 'high', 'view_not_security_invoker', format('%I.%I', n.nspname, c.relname),
         'work-portal view runs with its owner''s rights, so row-level security does not see the caller'
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'sv_work' AND c.relkind = 'v'
    AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)
    AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=on'], false);

  -- Without preloading, the sv.* settings exist only once a session has used the library, and
  -- background workers cannot start.
  -- entries may be written as a path ('$libdir/sv_platform') or with the suffix ('sv_platform.so')
  preloaded := EXISTS (
    SELECT 1 FROM unnest(string_to_array(current_setting('shared_preload_libraries'), ',')) l
    WHERE regexp_replace(btrim(l, ' "'), '^.*/|\.so$', '', 'g') = 'sv_platform');
  IF NOT preloaded THEN
    RETURN QUERY SELECT 'low', 'library_not_preloaded', 'shared_preload_libraries',
      'sv_platform is not preloaded: sv.* settings in postgresql.conf are checked late and background workers cannot run';
  END IF;
  -- Background work needs the library preloaded (the push worker, once enabled).
  IF coalesce(current_setting('sv.push_enabled', true), 'off') IN ('on', 'true', '1')
     AND NOT preloaded THEN
    RETURN QUERY SELECT 'high', 'push_worker_not_preloaded', 'shared_preload_libraries',
      'sv.push_enabled is on but sv_platform is not in shared_preload_libraries: no worker delivers the outbox';
  END IF;

  -- pg_trgm blind to Chinese (the database's LC_CTYPE, e.g. C): no likely duplicate of a
  -- complaint is proposed by its text (74_complaint_duplicate.sql).
  IF NOT sv.complaint_text_search_ready() THEN
    RETURN QUERY SELECT 'medium', 'trgm_blind_to_cjk', 'database ' || quote_ident(current_database()),
      format('LC_CTYPE %s: pg_trgm makes no trigram of Chinese text, so duplicate complaints are not proposed by text; '
             'use a database whose LC_CTYPE is C.UTF-8 or zh_CN.UTF-8 (docs/install.md)',
             (SELECT d.datctype FROM pg_database d WHERE d.datname = current_database()));
  END IF;

  -- Complaints queued for their duplicate proposals (proposal mode 'sweep') for more than an
  -- hour: the minute's job does not run (74_complaint_duplicate.sql).
  RETURN QUERY
  SELECT 'medium', 'complaint_duplicate_backlog', 'sv.complaint_duplicate_pending',
         format('%s complaint(s) queued for their duplicate proposals, the oldest since %s: the job sv-complaint-duplicate-sweep '
                'does not run (sv_work.job_run, cron.job_run_details); run SELECT sv.complaint_duplicate_sweep() meanwhile',
                count(*), min(q.queued_at))
  FROM sv.complaint_duplicate_pending q
  HAVING min(q.queued_at) < now() - interval '1 hour';

  -- Endpoints the push worker may not contact, enabled or not (a disabled one's messages fail
  -- once it is enabled again), by the parser the worker uses (sv._url_parse, libcurl); plain
  -- headers that look like credentials (stored before the rule, readable by officers); and
  -- endpoints with authentication configured but no secret set.
  RETURN QUERY
  SELECT 'medium', 'endpoint_host_not_allowed', 'sv.endpoint ' || e.name,
         CASE WHEN p.problem IS NOT NULL THEN format('URL %s %s', quote_literal(e.url), p.problem)
              ELSE format('host %s is not in sv.push_allowed_hosts', quote_literal(p.host)) END
         || CASE WHEN e.enabled THEN ': messages to it are refused or fail' ELSE ' (endpoint disabled: its messages fail once enabled)' END
  FROM sv.endpoint e, LATERAL sv._url_parse(e.url) p
  WHERE p.problem IS NOT NULL OR NOT sv._push_host_allowed(p.host);
  RETURN QUERY
  SELECT 'high', 'endpoint_credential_header', 'sv.endpoint ' || e.name,
         format('plain header(s) %s look like credentials: readable by officers; move them to sv.endpoint_set_secret',
                string_agg(k, ', ' ORDER BY k))
  FROM sv.endpoint e, jsonb_object_keys(e.headers) k
  WHERE sv._is_credential_header(k)
  GROUP BY e.name;
  RETURN QUERY
  SELECT 'medium', 'endpoint_secret_missing', 'sv.endpoint ' || e.name,
         format('authentication %s is configured but no secret is set (sv.endpoint_set_secret)', e.auth)
  FROM sv.endpoint e WHERE e.auth <> 'none' AND NOT EXISTS (SELECT 1 FROM sv.endpoint_secret s WHERE s.endpoint = e.name);

  -- Append-only tables whose guard trigger is gone, disabled, or back in origin mode (where
  -- session_replication_role = replica passes it): 89_append_only.sql.
  RETURN QUERY
  SELECT 'high', CASE WHEN g.state = 'missing' THEN 'append_only_guard_missing' ELSE 'append_only_guard_disabled' END,
         g.table_name || ' trigger ' || g.trigger_name,
         CASE g.state WHEN 'missing' THEN 'the guard trigger does not exist: changes of the table''s history are not refused'
                      WHEN 'disabled' THEN 'the guard trigger is disabled: changes of the table''s history are not refused'
                      ELSE 'the guard trigger fires in ' || g.state || ' mode only, not ALWAYS: session_replication_role can bypass it' END
  FROM sv.append_only_guard() g WHERE g.state <> 'always';

  -- From 1 November: next year's holiday notice not loaded (20_calendar.sql).
  RETURN QUERY SELECT * FROM sv._calendar_next_year_missing(sv.local_date(now()));

  -- Catalogue releases whose items changed after publication (sv.catalog_release_verify).
  RETURN QUERY
  SELECT 'critical', 'catalog_release_tampered', 'sv.catalog_release ' || v.label, v.problem || ': ' || v.detail
  FROM sv.catalog_release_verify() v;

  -- The audit trail: the full walk by default (C, one sequential scan); with
  -- verify_audit_chain => false only the newest record against its lane's head.
  SELECT max(l.seq) INTO last_seq FROM sv.audit_log l;
  IF last_seq IS NOT NULL OR EXISTS (SELECT 1 FROM sv.audit_chain) OR EXISTS (SELECT 1 FROM sv.audit_lane) THEN
    RETURN QUERY SELECT 'critical', 'audit_chain_broken', 'sv.audit_log record ' || v.seq, v.detail
      FROM sv.audit_verify(CASE WHEN verify_audit_chain THEN 1 ELSE greatest(coalesce(last_seq, 1), 1) END, NULL) v;
  END IF;
END
$fn$;
COMMENT ON FUNCTION sv.security_check(boolean) IS
  'Findings about the platform''s security posture (no row = nothing found); verify_audit_chain => false checks only the newest audit record';
GRANT EXECUTE ON FUNCTION sv.security_check(boolean) TO sv_admin, sv_auditor;
