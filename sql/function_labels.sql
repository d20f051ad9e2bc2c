-- The labels of the extension's functions (volatility, parallel safety), kept by queries over
-- pg_proc so that a new function cannot forget them (docs/development.md, "Function labels"):
--   1. a function whose purpose is to raise (returns void, or named _require_* / _raise_*) is
--      VOLATILE: an IMMUTABLE or STABLE one with constant arguments is run by the planner, even
--      in an arm of a CASE that is never taken;
--   2. an IMMUTABLE or STABLE function is PARALLEL SAFE, unless listed below with its reason;
--   3. a C function is PARALLEL SAFE or RESTRICTED, unless listed below with its reason.
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE TEMP VIEW extension_function AS
SELECT p.oid::regprocedure::text AS function, p.proname, p.provolatile, p.proparallel, l.lanname, p.prorettype,
       'internal'::regtype = ANY (p.proargtypes) AS internal_args
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'sv_platform'
WHERE p.prokind IN ('f', 'a');

-- 1. raising and not VOLATILE: none (support functions taking internal are not called in SQL)
SELECT function, provolatile FROM extension_function
WHERE (prorettype = 'void'::regtype AND NOT internal_args OR proname LIKE '\_require\_%' OR proname LIKE '\_raise\_%')
  AND provolatile <> 'v'
ORDER BY 1;

-- 2. IMMUTABLE or STABLE but not PARALLEL SAFE: exactly these, for these reasons
CREATE TEMP TABLE not_parallel_safe (function text PRIMARY KEY, reason text NOT NULL);
INSERT INTO not_parallel_safe VALUES
  -- C, PARALLEL RESTRICTED: session state of the leader
  ('sv._outer_user()', 'C: the session''s outer user, seen through SECURITY DEFINER calls'),
  ('sv.scope_department()', 'C: the session''s staff scope'),
  ('sv.scope_regions()', 'C: the session''s staff scope'),
  ('sv._caller()', 'C: the session''s outer user, its roles and staff scope'),
  ('sv.audit_verify(bigint,bigint)', 'C: reads the chain with SPI'),
  -- built on the above: API entry points that apply the caller's scope
  ('sv._scope_lookup()', 'calls sv._outer_user()'),
  ('sv.current_scope()', 'calls sv._outer_user()'),
  ('sv.ingest_staged_count()', 'calls sv._outer_user()'),
  ('sv.credit_score(text,timestamp with time zone,text)', 'calls sv._outer_user()'),
  ('sv.draw_export(bigint)', 'calls sv._outer_user()'),
  ('sv._job_own_run(bigint)', 'calls sv._outer_user()'),
  ('sv.audit_head()', 'calls sv.audit_verify()'),
  ('sv.security_check(boolean)', 'calls sv.audit_verify()'),
  ('sv.draw_verify(bigint)', 'calls sv.draw_verify_detail()'),
  -- PL/pgSQL with an EXCEPTION block: a subtransaction, which parallel mode forbids
  ('sv._add_workdays_or_null(date,integer)', 'EXCEPTION block'),
  ('sv._draw_entropy_source(text)', 'EXCEPTION block'),
  ('sv.draw_verify_detail(bigint)', 'EXCEPTION block'),
  -- PARALLEL RESTRICTED: reads sv.credit_event, whose policy for officers calls sv.scope_department()
  ('sv._credit_classify(sv.credit_model,date,sv.uscc[])', 'reads sv.credit_event'),
  ('sv._sanction_hits(sv.uscc,text,date)', 'reads sv.credit_event'),
  ('sv._credit_repair_problem(sv.credit_event,date)', 'reads sv.credit_event'),
  ('sv._risk_signal(text,date,date,timestamp with time zone,integer)', 'reads sv.credit_event and sv.action'),
  ('sv.risk_signal_counts(text,text,date,date,timestamp with time zone)', 'calls sv._outer_user() and sv._risk_signal()'),
  ('sv._risk_signal_of(text,date,date,timestamp with time zone,sv.uscc[],integer)', 'reads sv.credit_event and sv.action'),
  ('sv._risk_signal_months_of(text,date,date,timestamp with time zone,sv.uscc[],integer)', 'reads sv.credit_event and sv.action'),
  ('sv._risk_signal_new(text,date,date,timestamp with time zone,timestamp with time zone,integer)', 'reads sv.credit_event and sv.action'),
  ('sv._risk_signal_more(text,date,date,timestamp with time zone,sv.uscc[],integer)', 'reads sv.credit_event and sv.action'),
  ('sv.action_publication_overdue(date,date,timestamp with time zone,sv.uscc[])', 'reads sv.action, whose policies call sv.scope_department()'),
  ('sv.credit_class_worse(date,date,timestamp with time zone,sv.uscc[])', 'reads sv.credit_class_history, as credit does'),
  ('sv.inspection_beyond_cap(date,date,timestamp with time zone,sv.uscc[])', 'reads sv.action, whose policies call sv.scope_department()'),
  ('sv._risk_signal_repeat_inspection(date,date,timestamp with time zone,sv.uscc[])', 'reads sv.action through sv.inspection_beyond_cap()'),
  ('sv.linkage_licence_signal(date,date,timestamp with time zone,integer,sv.uscc[])', 'reads sv.linkage, whose policies call sv.scope_department()'),
  -- the population: its final function refuses to run in a parallel worker
  ('sv._draw_candidates(sv.draw_plan)', 'builds the population with sv._draw_population'),
  -- dynamic SQL over a deadline owner's table, whose policies call sv.scope_department()
  ('sv._deadline_visible(text,text)', 'reads the deadline''s own row through its table''s policies'),
  ('sv._deadline_items(date,boolean)', 'reads every deadline''s table through its policies'),
  ('sv._deadline_counts(date)', 'calls sv._outer_user() and sv._deadline_items()'),
  -- joint supervision: reads other capabilities' views, whose tables' policies call sv.scope_department()
  ('sv._joint_findings_since(date)', 'reads sv_work.action, sv_work.complaint and sv_work.risk_alert'),
  ('sv.repeat_inspections(integer)', 'calls sv._caller() and reads sv_work.action'),
  -- 80_evaluation, 81_bulletin: the KPI compute functions run dynamic SQL over the registries
  -- and the deadline owners' tables; the rest not reviewed for parallel mode yet
  ('sv._kpi_compute_actions(date,date)', 'not reviewed'),
  ('sv._kpi_compute_catalog(date,date)', 'not reviewed'),
  ('sv._kpi_compute_deadlines(date,date)', 'dynamic SQL over every deadline owner''s table'),
  ('sv._kpi_compute_ingest(date,date)', 'not reviewed'),
  ('sv._kpi_missing(date,date,text[])', 'dynamic SQL: the registry''s compute functions'),
  ('sv._kpi_rows(date,date,text[])', 'calls sv._kpi_missing()'),
  ('sv._kpi_rows_rolled(date,date,text[])', 'calls sv._kpi_rows()'),
  ('sv._kpi_period(date,date,date,text)', 'calls sv._kpi_rows()'),
  ('sv._kpi_scores(date,date,date,text)', 'calls sv._kpi_period()'),
  ('sv.kpi_catalog()', 'not reviewed'),
  ('sv.kpi_values(date,date,date,text)', 'calls sv._caller() and sv._kpi_period()'),
  ('sv.kpi_scores(date,date,date,text)', 'calls sv._outer_user() and sv._kpi_scores()'),
  ('sv.kpi_ingest_sources(date,date)', 'not reviewed'),
  ('sv._bulletin_bars(jsonb,text)', 'not reviewed'),
  ('sv._bulletin_content(text,date,date)', 'calls sv._kpi_scores()'),
  ('sv._bulletin_grid(jsonb)', 'not reviewed'),
  ('sv._bulletin_period(text,text)', 'not reviewed'),
  ('sv._bulletin_render(sv.bulletin)', 'not reviewed'),
  ('sv._bulletin_trend(jsonb)', 'not reviewed'),
  ('sv.bulletin_html(text,integer)', 'calls sv._outer_user()'),
  -- PL/pgSQL not reviewed for parallel mode yet (SECURITY DEFINER API or many callees)
  ('sv._draw_replacement(sv.draw,sv.draw_plan,text,integer,text,jsonb,bigint)', 'not reviewed'),
  ('sv._credit_repair_event(text,bigint)', 'not reviewed'),
  ('sv.action_coverage(date,date)', 'not reviewed'),
  ('sv.as_of(anyelement,timestamp with time zone)', 'not reviewed'),
  ('sv.catalog_diff(text,text)', 'not reviewed'),
  ('sv.catalog_release_verify(bigint)', 'not reviewed'),
  ('sv.supervising_department(text)', 'not reviewed'),
  ('sv._complaint_route(sv.complaint)', 'calls sv.supervising_department()'),
  ('sv.complaint_status(text)', 'SECURITY DEFINER API for the public portal, not reviewed'),
  ('sv.complaint_similar(bigint,integer)', 'calls sv._caller()');

SELECT 'unlisted' AS problem, function, provolatile, proparallel FROM extension_function
WHERE provolatile IN ('i', 's') AND proparallel <> 's'
  AND function NOT IN (SELECT function FROM not_parallel_safe)
UNION ALL
SELECT 'listed but parallel safe (or gone)', n.function, NULL, NULL FROM not_parallel_safe n
WHERE NOT EXISTS (SELECT 1 FROM extension_function f
                  WHERE f.function = n.function AND f.provolatile IN ('i', 's') AND f.proparallel <> 's')
ORDER BY 1, 2;

-- 3. C functions PARALLEL UNSAFE: exactly these, for these reasons
CREATE TEMP TABLE c_parallel_unsafe (function text PRIMARY KEY, reason text NOT NULL);
INSERT INTO c_parallel_unsafe VALUES
  ('sv.audit_append(integer,text,text,text,jsonb)', 'writes the audit chain'),
  ('sv._draw_population_store(bigint,bigint)', 'inserts into sv.draw_population'),
  ('sv.versioning()', 'trigger: writes the history table'),
  ('sv._scope_changed()', 'trigger: bumps the session''s scope generation (src/security/scope.c)'),
  ('sv._push_wake_at_commit()', 'registers a commit callback that sets the push worker''s latch'),
  ('sv.push_worker_status()', 'reads the push worker''s shared memory');

SELECT 'unlisted' AS problem, function FROM extension_function
WHERE lanname = 'c' AND proparallel = 'u' AND function NOT IN (SELECT function FROM c_parallel_unsafe)
UNION ALL
SELECT 'listed but not a PARALLEL UNSAFE C function', n.function FROM c_parallel_unsafe n
WHERE NOT EXISTS (SELECT 1 FROM extension_function f
                  WHERE f.function = n.function AND f.lanname = 'c' AND f.proparallel = 'u')
ORDER BY 1, 2;

-- The planner folds an IMMUTABLE function of constants wherever it stands: sv._raise_reject,
-- VOLATILE, raises only when the arm is taken.
SELECT x, CASE WHEN x > 1 THEN sv._raise_reject('22023', 'raised at plan time', NULL) END AS rejected
FROM (VALUES (1)) v(x);
\set VERBOSITY sqlstate
SELECT x, CASE WHEN x > 1 THEN sv._raise_reject('22023', 'raised', NULL) END AS rejected
FROM (VALUES (2)) v(x);
\set VERBOSITY default

-- 4. IMMUTABLE SQL or PL/pgSQL functions that read the clock or a date/time function that
--    depends on settings (to_date, to_timestamp, now(), current_date, ...): none; such a
--    function is STABLE at most (sv._bulletin_period was IMMUTABLE with to_date)
SELECT f.function FROM extension_function f JOIN pg_catalog.pg_proc p ON p.oid::regprocedure::text = f.function
WHERE f.provolatile = 'i' AND f.lanname IN ('sql', 'plpgsql')
  AND p.prosrc ~* '\m(to_date|to_timestamp|now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|random)\s*\(|\m(current_date|current_timestamp|localtimestamp|localtime|current_time)\M'
ORDER BY 1;
