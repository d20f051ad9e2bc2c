-- ---------------------------------------------------------------------------------------------
-- 89_append_only: the guards of append-only tables (只增不改), in force whatever the session.
--
-- History is kept in tables whose BEFORE UPDATE/DELETE/TRUNCATE triggers refuse every change
-- (the audit chain, catalogue releases and histories, draws, credit models).  A trigger created
-- by CREATE TRIGGER fires in origin mode only, so `SET session_replication_role = replica`
-- (which any superuser may set) switched every guard off.  Here each guard is set ENABLE
-- ALWAYS: it fires in origin, local and replica mode.  sv.security_check() reports a registered
-- guard that is missing, disabled or back in origin mode.
--
-- Registry:   sv._append_only_registry(): one line per (table, trigger) guard.  A capability
--             that adds an append-only table adds its guard triggers there, one line each.
-- Functions:  sv.append_only_guard() (each guard and its state), sv._append_only_enforce(always)
--             (a procedure: sets every guard ENABLE ALWAYS, or back to origin mode for a
--             superuser's maintenance inside one transaction)
-- Not registered: the versioning triggers (sv.versioning()).  They write history rather than
-- guard it, and ENABLE ALWAYS would make them write a second history row on a logical replica
-- that already receives the origin's history rows.
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION sv._append_only_registry() RETURNS TABLE (table_name text, trigger_name text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  VALUES
    -- 16_audit
    ('sv.audit_log', 'audit_log_no_update'),
    ('sv.audit_log', 'audit_log_no_truncate'),
    ('sv.audit_chain', 'audit_chain_no_delete'),
    ('sv.audit_chain', 'audit_chain_no_truncate'),
    ('sv.audit_lane', 'audit_lane_no_delete'),
    ('sv.audit_lane', 'audit_lane_no_truncate'),
    -- 31_catalog_api, 32_catalog_powers
    ('sv.catalog_release', 'catalog_release_immutable'),
    ('sv.catalog_release', 'catalog_release_no_truncate'),
    ('sv.catalog_release_item', 'catalog_release_item_immutable'),
    ('sv.catalog_release_item', 'catalog_release_item_no_truncate'),
    ('sv.catalog_item_history', 'catalog_item_history_immutable'),
    ('sv.catalog_item_history', 'catalog_item_history_no_truncate'),
    ('sv.check_item_history', 'check_item_history_immutable'),
    ('sv.check_item_history', 'check_item_history_no_truncate'),
    ('sv.power_item_history', 'power_item_history_immutable'),
    ('sv.power_item_history', 'power_item_history_no_truncate'),
    -- 60_draw
    ('sv.draw_population', 'draw_population_immutable'),
    ('sv.draw_population', 'draw_population_no_truncate'),
    ('sv.draw', 'draw_immutable'),
    ('sv.draw', 'draw_no_truncate'),
    ('sv.draw_result', 'draw_result_immutable'),
    ('sv.draw_result', 'draw_result_no_truncate'),
    ('sv.draw_team', 'draw_team_immutable'),
    ('sv.draw_team', 'draw_team_no_truncate'),
    ('sv.draw_recusal', 'draw_recusal_immutable'),
    ('sv.draw_recusal', 'draw_recusal_no_truncate'),
    ('sv.draw_team_input', 'draw_team_input_immutable'),
    ('sv.draw_team_input', 'draw_team_input_no_truncate'),
    -- 61_draw_governance: a plan and its parts once sealed (drafts stay editable)
    ('sv.draw_plan', 'draw_plan_guard'),
    ('sv.draw_plan', 'draw_plan_no_truncate'),
    ('sv.draw_plan_department', 'draw_plan_department_guard'),
    ('sv.draw_plan_department', 'draw_plan_department_no_truncate'),
    ('sv.draw_plan_join', 'draw_plan_join_guard'),
    ('sv.draw_plan_join', 'draw_plan_join_no_truncate'),
    ('sv.draw_plan_item', 'draw_plan_item_guard'),
    ('sv.draw_plan_item', 'draw_plan_item_no_truncate'),
    ('sv.draw_plan_stratum', 'draw_plan_stratum_guard'),
    ('sv.draw_plan_stratum', 'draw_plan_stratum_no_truncate'),
    ('sv.draw_exclusion', 'draw_exclusion_guard'),
    ('sv.draw_exclusion', 'draw_exclusion_no_truncate'),
    -- 55_credit
    ('sv.credit_model', 'credit_model_immutable'),
    ('sv.credit_model', 'credit_model_no_change'),
    -- 66_risk
    ('sv.risk_rule', 'risk_rule_immutable'),
    ('sv.risk_rule', 'risk_rule_no_truncate'),
    ('sv.risk_alert', 'risk_alert_immutable'),
    ('sv.risk_alert', 'risk_alert_no_truncate'),
    -- 70_joint
    ('sv.joint_item_history', 'joint_item_history_immutable'),
    ('sv.joint_item_history', 'joint_item_history_no_truncate'),
    -- 72_joint_notice
    ('sv.joint_rule', 'joint_rule_immutable'),
    ('sv.joint_rule', 'joint_rule_no_truncate'),
    -- 77_key_event
    ('sv.key_event_entry', 'key_event_entry_immutable'),
    ('sv.key_event_entry', 'key_event_entry_no_truncate'),
    -- 81_bulletin
    ('sv.bulletin', 'bulletin_immutable'),
    ('sv.bulletin', 'bulletin_no_truncate')
$fn$;
COMMENT ON FUNCTION sv._append_only_registry() IS
  'The guard triggers of the append-only tables: one row per (table, trigger), kept ENABLE ALWAYS';

-- Each registered guard and its state: always (as it must be), origin (fires in origin and
-- local mode only: session_replication_role = replica bypasses it), replica (fires in replica
-- mode only), disabled, missing (no such trigger, or no such table).  A trigger in schema sv
-- that calls one of the refusing functions (sv._refuse_change, sv._audit_refuse_change) is a
-- guard too, registered or not: one forgotten in the registry is still kept ALWAYS and checked
-- (only its removal goes unnoticed until it is registered).
CREATE OR REPLACE FUNCTION sv.append_only_guard()
RETURNS TABLE (table_name text, trigger_name text, state text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH guard AS (
    SELECT g.table_name, g.trigger_name FROM sv._append_only_registry() g
    UNION
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), t.tgname
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'sv' AND NOT t.tgisinternal
      AND t.tgfoid IN ('sv._refuse_change()'::pg_catalog.regprocedure, 'sv._audit_refuse_change()'::pg_catalog.regprocedure)
  )
  SELECT g.table_name, g.trigger_name,
         CASE t.tgenabled WHEN 'A' THEN 'always' WHEN 'O' THEN 'origin' WHEN 'R' THEN 'replica'
                          WHEN 'D' THEN 'disabled' ELSE 'missing' END
  FROM guard g
  LEFT JOIN pg_catalog.pg_trigger t
    ON t.tgrelid = pg_catalog.to_regclass(g.table_name) AND t.tgname = g.trigger_name AND NOT t.tgisinternal
  ORDER BY g.table_name, g.trigger_name
$fn$;
COMMENT ON FUNCTION sv.append_only_guard() IS
  'The guard triggers of the append-only tables and their state (always, origin, replica, disabled, missing)';

-- Set every registered guard ENABLE ALWAYS (always => true), or ENABLE (origin mode, so that a
-- superuser's session_replication_role = replica passes them: maintenance and test clean-up
-- only, inside one transaction that sets them back before it commits).  Runs with the caller's
-- rights: only the tables' owner or a superuser may alter triggers.
CREATE OR REPLACE PROCEDURE sv._append_only_enforce(always boolean DEFAULT true)
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  g record;
BEGIN
  IF always IS NULL THEN
    RAISE EXCEPTION 'always must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  FOR g IN SELECT * FROM sv.append_only_guard() LOOP
    IF g.state = 'missing' THEN
      RAISE EXCEPTION 'append-only guard % on % is missing', g.trigger_name, g.table_name
        USING ERRCODE = 'undefined_object',
              HINT = 'Every line of sv._append_only_registry() names an existing trigger; re-create it or reinstall the extension.';
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE %s %s TRIGGER %I', pg_catalog.to_regclass(g.table_name),
                              CASE WHEN always THEN 'ENABLE ALWAYS' ELSE 'ENABLE' END, g.trigger_name);
  END LOOP;
END
$fn$;
COMMENT ON PROCEDURE sv._append_only_enforce(boolean) IS
  'Set every append-only guard ENABLE ALWAYS (default), or to origin mode for maintenance inside one transaction';

-- sv:rerun (re-applied by every update: docs/upgrades.md)
CALL sv._append_only_enforce();

-- sv.append_only_guard() runs as the caller and reads the registry: both for the same roles
GRANT EXECUTE ON FUNCTION sv.append_only_guard(), sv._append_only_registry() TO sv_admin, sv_auditor;
REVOKE ALL ON PROCEDURE sv._append_only_enforce(boolean) FROM PUBLIC;
