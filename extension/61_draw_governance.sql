-- ---------------------------------------------------------------------------------------------
-- 61_draw_governance: who may plan, join, cancel and change a double-random plan (双随机、一公开).
--
-- Partners agree (联合抽查): each partner department of a joint plan confirms the plan's terms
-- (sv.draw_plan_join) before the seal; a change to the terms needs their confirmation again.
-- No selective abort: a sealed plan has a run deadline (run_due, set at the seal) and shows as
-- overdue (逾期未抽取) on the public portal after it; it is cancelled only in public with a
-- reason (sv.draw_plan_cancel); a department holds at most one sealed, unrun plan over
-- overlapping regions, check items and period.  A sealed plan is immutable: guard triggers
-- (ENABLE ALWAYS, so session_replication_role = replica does not switch them off) allow only
-- sealed -> drawn and sealed -> cancelled.
--
-- Tables:     sv.draw_plan_join (60_draw.sql)
-- Functions:  sv.draw_plan_join, sv.draw_plan_cancel; sv._draw_seal_guard (called by
--             sv.draw_seal), sv._draw_plan_terms / _terms_sha256, sv._draw_scopes_overlap
-- Views:      sv_public.draw_plan (status, deadline, overdue, cancellations),
--             sv_work.draw_plan_partner (who has joined)
-- How to use it: docs/draw.md, "Joint plans", "Deadlines and cancelling", "Guards".
-- ---------------------------------------------------------------------------------------------

-- The terms a partner agrees to: everything draw_plan_save sets, in one canonical JSON value.
CREATE OR REPLACE FUNCTION sv._draw_plan_terms(p sv.draw_plan) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT jsonb_build_object(
    'code', p.code, 'title', p.title, 'lead_department_id', p.lead_department_id,
    'departments', (SELECT jsonb_agg(x.department_id ORDER BY x.department_id) FROM sv.draw_plan_department x
                    WHERE x.plan_id = p.id),
    'check_from', p.check_from, 'check_to', p.check_to, 'scope', p.scope,
    'check_items', (SELECT jsonb_agg(x.check_item_code ORDER BY x.check_item_code COLLATE "C") FROM sv.draw_plan_item x
                    WHERE x.plan_id = p.id),
    'strata', (SELECT jsonb_object_agg(x.stratum, CASE WHEN x.ratio IS NOT NULL THEN jsonb_build_object('ratio', x.ratio)
                                                       ELSE jsonb_build_object('count', x.count) END)
               FROM sv.draw_plan_stratum x WHERE x.plan_id = p.id),
    'team_size', p.team_size, 'cross_area', p.cross_area, 'lookback_days', p.lookback_days, 'annual_cap', p.annual_cap)
$fn$;

CREATE OR REPLACE FUNCTION sv._draw_plan_terms_sha256(p sv.draw_plan) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sha256(convert_to('SV-DRAW-PLAN-TERMS-v1' || chr(10) || sv._draw_plan_terms(p)::text, 'UTF8'))
$fn$;
CREATE OR REPLACE FUNCTION sv._draw_plan_terms_sha256(plan_id bigint) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sv._draw_plan_terms_sha256(d) FROM sv.draw_plan d WHERE d.id = plan_id
$fn$;
COMMENT ON FUNCTION sv._draw_plan_terms_sha256(bigint) IS
  'SHA-256 of a plan''s terms (everything sv.draw_plan_save sets): what a partner department joins, and what the seal records';

-- Do two plan scopes share a subject?  Regions overlap when one is the other or lies above or
-- below it; industries when a code is a prefix of the other (no list: every industry); kinds
-- when they share one (no list: every kind).
CREATE OR REPLACE FUNCTION sv._draw_scopes_overlap(a jsonb, b jsonb) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT EXISTS (SELECT 1 FROM jsonb_array_elements_text(a -> 'regions') x, jsonb_array_elements_text(b -> 'regions') y
                 WHERE x = ANY (sv.region_path(y)) OR y = ANY (sv.region_path(x)))
     AND (NOT a ? 'industries' OR NOT b ? 'industries'
          OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(a -> 'industries') x, jsonb_array_elements_text(b -> 'industries') y
                     WHERE starts_with(x, y) OR starts_with(y, x)))
     AND (NOT a ? 'kinds' OR NOT b ? 'kinds'
          OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(a -> 'kinds') x, jsonb_array_elements_text(b -> 'kinds') y
                     WHERE x = y))
$fn$;

-- A partner department joins a joint plan: an officer (or administrator) whose staff mapping is
-- in that department, with the plan's regions in its scope, confirms the plan's terms as they
-- are now.  Returns the SHA-256 of the terms joined.  Joining again to the same terms changes
-- nothing.
CREATE OR REPLACE FUNCTION sv.draw_plan_join(plan_id bigint) RETURNS bytea
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  p sv.draw_plan;
  v_dept integer := sv.scope_department();
  v_terms bytea;
BEGIN
  IF plan_id IS NULL THEN
    RAISE EXCEPTION 'plan_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO p FROM sv.draw_plan d WHERE d.id = draw_plan_join.plan_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw plan % does not exist', plan_id USING ERRCODE = 'no_data_found';
  END IF;
  IF v_dept IS NULL OR NOT EXISTS (SELECT 1 FROM sv.draw_plan_department x WHERE x.plan_id = p.id AND x.department_id = v_dept) THEN
    RAISE EXCEPTION 'plan %: "%" is not staff of a department of the plan', quote_literal(p.code), me.login
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'A partner department joins through an officer of that department (a staff mapping in force).';
  END IF;
  IF v_dept = p.lead_department_id THEN
    RAISE EXCEPTION 'plan %: department % leads the plan; only partner departments join', quote_literal(p.code), v_dept
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_regions_in_scope('scope.regions', ARRAY(SELECT jsonb_array_elements_text(p.scope -> 'regions')));
  IF p.status <> 'draft' THEN
    RAISE EXCEPTION 'plan % is %: partners join before the seal', quote_literal(p.code), p.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_terms := sv._draw_plan_terms_sha256(p.id);
  IF EXISTS (SELECT 1 FROM sv.draw_plan_join j WHERE j.plan_id = p.id AND j.department_id = v_dept AND j.terms_sha256 = v_terms) THEN
    RETURN v_terms;
  END IF;
  INSERT INTO sv.draw_plan_join AS j (plan_id, department_id, terms_sha256, joined_by, joined_at)
  VALUES (p.id, v_dept, v_terms, me.login, now())
  ON CONFLICT ON CONSTRAINT draw_plan_join_pkey
  DO UPDATE SET terms_sha256 = EXCLUDED.terms_sha256, joined_by = EXCLUDED.joined_by, joined_at = EXCLUDED.joined_at;
  PERFORM sv.audit_append(v_dept, 'draw_plan', p.code, 'join',
    jsonb_build_object('plan_id', p.id, 'department_id', v_dept, 'terms_sha256', encode(v_terms, 'hex')));
  RETURN v_terms;
END
$fn$;
COMMENT ON FUNCTION sv.draw_plan_join(bigint) IS
  'A partner department''s officer confirms a joint plan (加入联合抽查) as it stands; returns the SHA-256 of the terms joined';

-- Checks at the seal, called by sv.draw_seal with the draft plan locked: the caller's region
-- scope covers the plan; every partner department has joined the current terms; no department
-- of the plan holds another sealed, unrun plan over overlapping regions, check items and period
-- (no selective abort: seal two, run the one that suits).  Seals of plans sharing a department
-- are serialised so that two cannot pass this check together.
CREATE OR REPLACE FUNCTION sv._draw_seal_guard(p sv.draw_plan) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_terms bytea := sv._draw_plan_terms_sha256(p.id);
  v_missing text;
  q record;
BEGIN
  PERFORM sv._require_regions_in_scope('scope.regions', ARRAY(SELECT jsonb_array_elements_text(p.scope -> 'regions')));
  SELECT string_agg(format('%s (%s)', d.id, d.name_zh), ', ' ORDER BY d.id) INTO v_missing
  FROM sv.draw_plan_department x JOIN sv.department d ON d.id = x.department_id
  WHERE x.plan_id = p.id AND x.department_id <> p.lead_department_id
    AND NOT EXISTS (SELECT 1 FROM sv.draw_plan_join j
                    WHERE j.plan_id = p.id AND j.department_id = x.department_id AND j.terms_sha256 = v_terms);
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION 'plan %: partner department(s) % have not joined', quote_literal(p.code), v_missing
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'A joint plan is sealed only when every partner department has confirmed its terms as they are now.',
            HINT = 'An officer of each partner department confirms with sv.draw_plan_join(plan_id).';
  END IF;
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.draw_seal'), x.department_id)
  FROM (SELECT x.department_id FROM sv.draw_plan_department x WHERE x.plan_id = p.id ORDER BY 1) x;
  SELECT o.code, o.sealed_at, o.run_due,
         (SELECT string_agg(a.department_id::text, ', ' ORDER BY a.department_id)
          FROM sv.draw_plan_department a JOIN sv.draw_plan_department b ON b.department_id = a.department_id
          WHERE a.plan_id = p.id AND b.plan_id = o.id) AS shared
  INTO q
  FROM sv.draw_plan o
  WHERE o.status = 'sealed' AND o.id <> p.id
    AND daterange(o.check_from, o.check_to, '[]') && daterange(p.check_from, p.check_to, '[]')
    AND EXISTS (SELECT 1 FROM sv.draw_plan_department a JOIN sv.draw_plan_department b ON b.department_id = a.department_id
                WHERE a.plan_id = p.id AND b.plan_id = o.id)
    AND EXISTS (SELECT 1 FROM sv.draw_plan_item a JOIN sv.draw_plan_item b ON b.check_item_code = a.check_item_code
                WHERE a.plan_id = p.id AND b.plan_id = o.id)
    AND sv._draw_scopes_overlap(p.scope, o.scope)
  ORDER BY o.sealed_at, o.id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'plan % overlaps plan %, sealed and not run', quote_literal(p.code), quote_literal(q.code)
      USING ERRCODE = 'exclusion_violation',
            DETAIL = format('Both are plans of department(s) %s; their regions, check items and periods overlap. Plan %s was sealed at %s and is due to run by %s.',
                            q.shared, quote_literal(q.code), q.sealed_at, q.run_due),
            HINT = format('A department holds one sealed, unrun plan per scope: run plan %s (sv.draw_run) or cancel it in public with a reason (sv.draw_plan_cancel) first.',
                          quote_literal(q.code));
  END IF;
END
$fn$;

-- Cancelling a sealed plan that will not be run: in public, with the reason (sv_public.draw_plan).
-- Who may run the plan may cancel it (officers of the lead department with its regions in scope;
-- administrators).  A drawn plan is not cancelled: a redraw is approved (sv.draw_redraw).
CREATE OR REPLACE FUNCTION sv.draw_plan_cancel(plan_id bigint, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  p sv.draw_plan;
BEGIN
  PERFORM sv._require_given(ARRAY['plan_id', 'reason'],
                            ARRAY[draw_plan_cancel.plan_id IS NULL,
                                  draw_plan_cancel.reason IS NULL]);
  PERFORM sv._require_reason(reason, 'the sealed plan will not be drawn');
  p := sv._draw_require_plan(plan_id, true);
  PERFORM sv._require_regions_in_scope('scope.regions', ARRAY(SELECT jsonb_array_elements_text(p.scope -> 'regions')));
  IF p.status <> 'sealed' THEN
    RAISE EXCEPTION 'plan % is %: only a sealed plan that has not been drawn is cancelled', quote_literal(p.code), p.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = CASE p.status WHEN 'draft' THEN 'A draft is not public: change it with sv.draw_plan_save, or leave it unsealed.'
                                 WHEN 'drawn' THEN 'A drawn plan stays; an administrator may approve a redraw (sv.draw_redraw).'
                                 ELSE 'It was cancelled already.' END;
  END IF;
  UPDATE sv.draw_plan d SET status = 'cancelled', cancelled_by = me.login, cancelled_at = now(), cancel_reason = btrim(reason)
   WHERE d.id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw_plan', p.code, 'cancel',
    jsonb_build_object('plan_id', p.id, 'reason', btrim(reason), 'sealed_at', p.sealed_at, 'run_due', p.run_due));
END
$fn$;
COMMENT ON FUNCTION sv.draw_plan_cancel(bigint, text) IS
  'Cancel a sealed, undrawn plan in public, with the reason (shown on sv_public.draw_plan)';

-- Guards.  While a draft a plan changes freely (through draw_plan_save); sealing (draft ->
-- sealed) sets its run deadline and records the SHA-256 of its terms; after the seal only two
-- moves exist:
--   sealed -> drawn      (sv.draw_run): status alone changes, and the plan's sv.draw exists
--   sealed -> cancelled  (sv.draw_plan_cancel): status, cancelled_by, cancelled_at, cancel_reason
-- Nothing else of a sealed, drawn or cancelled plan is updated or deleted; the departments,
-- joins, items, strata and exclusions of a plan no longer a draft are neither updated nor
-- deleted; TRUNCATE is refused.  INSERT is left open (pg_restore writes sealed plans and their
-- rows back); a row added to a sealed plan changes its terms, which no longer match the
-- terms_sha256 recorded at the seal.  Superusers included: ENABLE ALWAYS, so session_replication_role = replica does not
-- skip them (only ALTER TABLE ... DISABLE TRIGGER does, which is itself visible in pg_trigger).
CREATE OR REPLACE FUNCTION sv._draw_plan_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_moved text[];
BEGIN
  IF OLD.status = 'draft' THEN
    IF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    IF NEW.status NOT IN ('draft', 'sealed') THEN
      RAISE EXCEPTION 'UPDATE on draw_plan is not allowed: draft plan % cannot become % without a seal', quote_literal(OLD.code), NEW.status
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status = 'sealed' THEN
      -- the run deadline: ten working days after the seal (fourteen calendar days where the
      -- working-day calendar cannot count: outside 1901-2100)
      NEW.run_due := sv._add_workdays_or_null(sv.local_date(NEW.sealed_at), 10);
      NEW.run_due_provisional := coalesce(sv.calendar_provisional_between(sv.local_date(NEW.sealed_at), NEW.run_due), false);
      NEW.run_due := coalesce(NEW.run_due, sv.local_date(NEW.sealed_at) + 14);
      NEW.terms_sha256 := sv._draw_plan_terms_sha256(NEW);
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'sealed' AND NEW.status = 'sealed' AND OLD.run_due_provisional
     AND to_jsonb(NEW) - ARRAY['run_due', 'run_due_provisional'] = to_jsonb(OLD) - ARRAY['run_due', 'run_due_provisional']
     AND NEW.run_due = sv.add_workdays(sv.local_date(OLD.sealed_at), 10)
     AND NEW.run_due_provisional = sv.calendar_provisional_between(sv.local_date(OLD.sealed_at), NEW.run_due) THEN
    -- a run deadline counted provisionally, counted again on a notice loaded since
    -- (sv.calendar_load): only to the date the calendar now gives
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'sealed' THEN
    v_moved := CASE NEW.status WHEN 'drawn' THEN ARRAY['status']
                               WHEN 'cancelled' THEN ARRAY['status', 'cancelled_by', 'cancelled_at', 'cancel_reason'] END;
    IF v_moved IS NOT NULL AND to_jsonb(NEW) - v_moved = to_jsonb(OLD) - v_moved
       AND (NEW.status = 'cancelled' OR EXISTS (SELECT 1 FROM sv.draw d WHERE d.plan_id = NEW.id)) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION '% on draw_plan is not allowed: plan % is %', TG_OP, quote_literal(OLD.code), OLD.status
    USING ERRCODE = 'insufficient_privilege',
          DETAIL = 'A sealed plan is immutable; it is only drawn (sv.draw_run) or cancelled in public (sv.draw_plan_cancel).';
END
$fn$;

-- The rows that belong to a plan: fixed once the plan is no longer a draft.
CREATE OR REPLACE FUNCTION sv._draw_plan_part_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_plan bigint := OLD.plan_id;
  v_status text;
  v_code text;
BEGIN
  SELECT p.status, p.code INTO v_status, v_code FROM sv.draw_plan p WHERE p.id = v_plan;
  IF v_status IS DISTINCT FROM 'draft' OR (TG_OP = 'UPDATE' AND NEW.plan_id <> OLD.plan_id) THEN
    RAISE EXCEPTION '% on % is not allowed: plan % is %', TG_OP, TG_TABLE_NAME, coalesce(quote_literal(v_code), v_plan::text),
      coalesce(v_status, 'missing')
      USING ERRCODE = 'insufficient_privilege', DETAIL = 'What a plan holds is fixed at its seal.';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;

CREATE TRIGGER draw_plan_guard BEFORE UPDATE OR DELETE ON sv.draw_plan
  FOR EACH ROW EXECUTE FUNCTION sv._draw_plan_guard();
-- sv:rerun (re-applied by every update: docs/upgrades.md)
DO $guards$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['draw_plan_department', 'draw_plan_join', 'draw_plan_item', 'draw_plan_stratum', 'draw_exclusion'] LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON sv.%I
                                 FOR EACH ROW EXECUTE FUNCTION sv._draw_plan_part_guard()', t || '_guard', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['draw_plan', 'draw_plan_department', 'draw_plan_join', 'draw_plan_item', 'draw_plan_stratum',
                           'draw_exclusion'] LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE TRUNCATE ON sv.%I
                                 FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change(%L)',
                              t || '_no_truncate', t, 'sealed plans are immutable');
  END LOOP;
END
$guards$;

-- 一公开: every sealed plan, its run deadline, whether it is overdue, and cancellations with
-- their reason.  (Drafts are not public.)
CREATE VIEW sv_public.draw_plan AS
  SELECT p.code AS plan_code, p.title,
         (SELECT array_agg(dp.name_zh ORDER BY dp.id) FROM sv.draw_plan_department x JOIN sv.department dp ON dp.id = x.department_id
          WHERE x.plan_id = p.id) AS departments,
         p.check_from, p.check_to, p.sealed_at, p.run_due,
         CASE WHEN p.status = 'sealed' AND p.run_due < sv.local_date(now()) THEN 'overdue' ELSE p.status END AS status,
         sv.label_zh('draw_plan.status',
                     CASE WHEN p.status = 'sealed' AND p.run_due < sv.local_date(now()) THEN 'overdue' ELSE p.status END)
           AS status_zh,
         d.drawn_at, p.cancelled_at, p.cancel_reason, p.run_due_provisional
  FROM sv.draw_plan p LEFT JOIN sv.draw d ON d.plan_id = p.id
  WHERE p.status <> 'draft';
COMMENT ON VIEW sv_public.draw_plan IS
  '双随机、一公开: sealed plans, their run deadline, overdue plans (逾期未抽取) and cancellations with the reason';
COMMENT ON COLUMN sv_public.draw_plan.plan_code IS '抽查计划编号';
COMMENT ON COLUMN sv_public.draw_plan.title IS '抽查计划名称';
COMMENT ON COLUMN sv_public.draw_plan.departments IS '参与部门';
COMMENT ON COLUMN sv_public.draw_plan.check_from IS '检查期间起';
COMMENT ON COLUMN sv_public.draw_plan.check_to IS '检查期间止';
COMMENT ON COLUMN sv_public.draw_plan.sealed_at IS '封存时间';
COMMENT ON COLUMN sv_public.draw_plan.run_due IS '抽取截止日期(封存后10个工作日)';
COMMENT ON COLUMN sv_public.draw_plan.status IS '状态代码:sealed 已封存, overdue 逾期未抽取, drawn 已抽取, cancelled 已撤销';
COMMENT ON COLUMN sv_public.draw_plan.status_zh IS '状态';
COMMENT ON COLUMN sv_public.draw_plan.drawn_at IS '抽取时间';
COMMENT ON COLUMN sv_public.draw_plan.cancelled_at IS '撤销时间';
COMMENT ON COLUMN sv_public.draw_plan.cancel_reason IS '撤销理由';
COMMENT ON COLUMN sv_public.draw_plan.run_due_provisional IS '抽取期限按临时日历计算(国务院通知未发布),通知发布后重新计算';

-- Work portal: the departments of each plan, lead and partners, and whether each partner has
-- joined the terms as they are now (a partner's officer looks here for plans to confirm).
CREATE VIEW sv_work.draw_plan_partner WITH (security_invoker = true) AS
  SELECT p.code AS plan_code, p.title, p.status, sv.label_zh('draw_plan.status', p.status) AS status_zh,
         x.department_id, dp.name_zh AS department_name,
         x.department_id = p.lead_department_id AS is_lead, j.joined_by, j.joined_at,
         x.department_id = p.lead_department_id
           OR coalesce(j.terms_sha256 = sv._draw_plan_terms_sha256(p), false) AS agreed
  FROM sv.draw_plan p
  JOIN sv.draw_plan_department x ON x.plan_id = p.id
  JOIN sv.department dp ON dp.id = x.department_id
  LEFT JOIN sv.draw_plan_join j ON j.plan_id = p.id AND j.department_id = x.department_id;
COMMENT ON VIEW sv_work.draw_plan_partner IS
  '联合抽查参与部门 / Departments of each draw plan (lead and partners) and whether each has agreed to the plan''s terms as they are now';
COMMENT ON COLUMN sv_work.draw_plan_partner.plan_code IS '抽查计划编号';
COMMENT ON COLUMN sv_work.draw_plan_partner.title IS '抽查计划名称';
COMMENT ON COLUMN sv_work.draw_plan_partner.status IS '计划状态代码:draft 草稿, sealed 已封存, drawn 已抽取, cancelled 已撤销';
COMMENT ON COLUMN sv_work.draw_plan_partner.status_zh IS '计划状态';
COMMENT ON COLUMN sv_work.draw_plan_partner.department_id IS '部门编号';
COMMENT ON COLUMN sv_work.draw_plan_partner.department_name IS '部门名称';
COMMENT ON COLUMN sv_work.draw_plan_partner.is_lead IS '是否牵头部门';
COMMENT ON COLUMN sv_work.draw_plan_partner.joined_by IS '确认人(配合部门)';
COMMENT ON COLUMN sv_work.draw_plan_partner.joined_at IS '确认时间';
COMMENT ON COLUMN sv_work.draw_plan_partner.agreed IS '是否已同意当前计划内容(牵头部门视为同意)';

-- The run deadline on the calendar (20_calendar.sql): open while the plan is sealed and not
-- run; the guard above lets it move only to the date the calendar gives.
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('draw_plan.run_due', '抽查计划抽取期限', 'sv.draw_plan', 'draw_plan', 't.code', 't.code = $1',
   't.lead_department_id', 'sv.local_date(t.sealed_at)', '10', 'run_due', 'run_due_provisional', $$t.status = 'sealed'$$,
   '(SELECT d.drawn_at FROM sv.draw d WHERE d.plan_id = t.id)', 2, $$t.code || ' ' || t.title$$)::sv.calendar_deadline);

-- sv:rerun (the labels of the plan states, 05_code_label: every update registers them again;
-- overdue is not stored: sv_public.draw_plan derives it from a sealed plan's run deadline)
SELECT sv._code_label_register('draw_plan.status', ARRAY[['draft', '草稿'], ['sealed', '已封存'],
  ['overdue', '逾期未抽取'], ['drawn', '已抽取'], ['cancelled', '已撤销']]);

GRANT SELECT ON sv_public.draw_plan TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT SELECT ON sv_work.draw_plan_partner TO sv_officer, sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv._draw_plan_terms(sv.draw_plan), sv._draw_plan_terms_sha256(sv.draw_plan),
                          sv._draw_plan_terms_sha256(bigint) TO sv_officer, sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv.draw_plan_join(bigint), sv.draw_plan_cancel(bigint, text) TO sv_admin, sv_officer;
