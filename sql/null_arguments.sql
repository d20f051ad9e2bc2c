-- Every public function answers NULL arguments with 22004 naming them; the exceptions are the
-- pure functions declared STRICT (NULL in, NULL out, as PostgreSQL's own functions do) and the
-- few whose NULL argument is documented to mean "all" or "the current one".  Generic over the
-- catalogue: every function or procedure of sv, sv_work and sv_public (not an internal sv._*
-- helper) that some sv_* group role may execute is called with all its arguments NULL, as a
-- superuser (so role checks pass and the argument checks answer), each call in its own
-- subtransaction, everything rolled back.  A new function that forgets its checks is listed here.
BEGIN;
CREATE TEMP TABLE null_call (fn text, outcome text);
DO $$
DECLARE
  f record;
  v_sql text;
  v_state text;
  v_msg text;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure::text AS sig, p.prokind, p.proisstrict, n.nspname, p.proname,
           (SELECT string_agg(CASE WHEN k = p.pronargs AND p.provariadic <> 0 THEN 'VARIADIC ' ELSE '' END
                              || 'NULL::' || format_type((p.proargtypes::oid[])[k - 1], NULL), ', ' ORDER BY k)
            FROM generate_series(1, p.pronargs) k) AS nulls
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('sv', 'sv_work', 'sv_public') AND p.proname NOT LIKE '\_%'
      AND p.pronargs > 0 AND p.prokind IN ('f', 'p') AND p.prorettype <> 'trigger'::regtype
      -- type support (I/O, operators' functions) and polymorphic functions are not API calls
      AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[]) t
                      WHERE t IN ('internal'::regtype, 'cstring'::regtype, 'anyelement'::regtype))
      AND EXISTS (SELECT 1 FROM pg_roles g
                  WHERE g.rolname IN ('sv_admin', 'sv_officer', 'sv_auditor', 'sv_public', 'sv_bi', 'sv_integration')
                    AND has_function_privilege(g.oid, p.oid, 'EXECUTE'))
    ORDER BY 1
  LOOP
    v_sql := CASE WHEN f.prokind = 'p' THEN 'CALL ' ELSE 'SELECT ' END || format('%I.%I(%s)', f.nspname, f.proname, f.nulls);
    BEGIN
      EXECUTE v_sql;
      v_state := CASE WHEN f.proisstrict THEN 'STRICT: NULL in, NULL out' ELSE 'no error' END;
      v_msg := NULL;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;
    INSERT INTO null_call VALUES (f.sig, v_state || coalesce(': ' || v_msg, ''));
  END LOOP;
END
$$;
SELECT count(*) > 50 AS many_functions_called, count(*) FILTER (WHERE outcome LIKE '22004:%') > 40 AS most_answer_22004
FROM null_call;
-- The pure STRICT functions (NULL in, NULL out)
SELECT fn AS strict_function FROM null_call WHERE outcome LIKE 'STRICT:%' ORDER BY fn;
-- Everything else that does not answer 22004: each is documented (NULL means "all" or "the
-- current model"); a new line here is a function that forgets its NULL checks
SELECT fn, outcome FROM null_call WHERE outcome NOT LIKE '22004:%' AND outcome NOT LIKE 'STRICT:%' ORDER BY fn;
ROLLBACK;
