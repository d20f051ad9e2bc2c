-- ---------------------------------------------------------------------------------------------
-- 70_joint: the joint-supervision list (联合监管清单), issue 19; docs/joint.md.  Each entry is a
-- matter and its scenario (监管事项、监管场景) supervised by a lead department with partner
-- departments, each with its own catalogue items, and the legal basis; it also says which
-- findings of one of them concern the others (copied to them: 抄告抄送, 72_joint_notice.sql).
--
-- Tables:     sv.joint_item (system-versioned like the catalogue: sv.versioning() keeps every
--             version in sv.joint_item_history; sv.as_of(NULL::sv.joint_item, at) reads the
--             list as it was)
-- Functions:  sv.joint_item_save(...), sv.joint_item_withdraw(code, reason) (administrators;
--             officers for their own department as the lead, as for the catalogue)
-- Views:      sv_public.joint_item (the list in force, with department names, in Chinese)
-- ---------------------------------------------------------------------------------------------

-- The action kinds and results a joint item may copy to the other departments (sv.action.kind
-- and sv.action.result, 42_action.sql): a penalty or a coercive measure, or an inspection that
-- found a problem, ordered rectification or filed a case.
CREATE OR REPLACE FUNCTION sv._joint_findings() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT ARRAY['penalty', 'coercive_measure', 'problem_found', 'rectification_ordered', 'case_filed']
$fn$;

CREATE TABLE sv.joint_item (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code                   text NOT NULL,
  matter                 text NOT NULL,              -- 监管事项 (the joint matter)
  scenario               text NOT NULL,              -- 监管场景
  lead_department_id     integer NOT NULL REFERENCES sv.department (id),   -- 牵头部门
  partner_department_ids integer[] NOT NULL,         -- 配合部门, in id order
  -- the catalogue items of each department: {"<department id>": ["<catalogue item code>", ...]},
  -- the lead's and every partner's (each its own department's items, sv.catalog_item)
  catalog_items          jsonb NOT NULL,
  legal_basis            jsonb NOT NULL,             -- [{"law": ..., "article": ...}]
  copy_on                text[] NOT NULL,            -- findings copied to the other departments (sv._joint_findings())
  ack_days               integer NOT NULL,           -- working days a recipient has to acknowledge a copy
  updated_by             text NOT NULL,
  sys_period             tstzrange NOT NULL DEFAULT tstzrange(now(), NULL),
  CONSTRAINT joint_item_code_key UNIQUE (code),
  CONSTRAINT joint_item_code_check CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  CONSTRAINT joint_item_matter_check CHECK (matter = btrim(matter) AND matter <> '' AND char_length(matter) <= 200),
  CONSTRAINT joint_item_scenario_check CHECK (scenario = btrim(scenario) AND scenario <> '' AND char_length(scenario) <= 500),
  CONSTRAINT joint_item_partners_check CHECK (cardinality(partner_department_ids) BETWEEN 1 AND 30
                                              AND array_position(partner_department_ids, lead_department_id) IS NULL),
  CONSTRAINT joint_item_catalog_items_check CHECK (jsonb_typeof(catalog_items) = 'object'),
  CONSTRAINT joint_item_legal_basis_check CHECK (jsonb_typeof(legal_basis) = 'array' AND jsonb_array_length(legal_basis) BETWEEN 1 AND 20),
  CONSTRAINT joint_item_copy_on_check CHECK (copy_on <@ ARRAY['penalty', 'coercive_measure', 'problem_found',
                                                              'rectification_ordered', 'case_filed']),
  CONSTRAINT joint_item_ack_days_check CHECK (ack_days BETWEEN 1 AND 60)
);
CREATE INDEX joint_item_lead_idx ON sv.joint_item (lead_department_id);
COMMENT ON TABLE sv.joint_item IS
  'The joint-supervision list (联合监管清单): matter, scenario, lead and partner departments with their catalogue items, legal basis; system-versioned';

CREATE TABLE sv.joint_item_history (LIKE sv.joint_item);
CREATE INDEX joint_item_history_id_idx ON sv.joint_item_history (id, sys_period);
COMMENT ON TABLE sv.joint_item_history IS 'Past versions of sv.joint_item (sys_period: when each was current)';
CREATE TRIGGER joint_item_versioning BEFORE INSERT OR UPDATE OR DELETE ON sv.joint_item
  FOR EACH ROW EXECUTE FUNCTION sv.versioning('sv.joint_item_history');
CREATE TRIGGER joint_item_history_immutable BEFORE UPDATE OR DELETE ON sv.joint_item_history
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('history is append-only');
CREATE TRIGGER joint_item_history_no_truncate BEFORE TRUNCATE ON sv.joint_item_history
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('history is append-only');
INSERT INTO sv.versioned_table VALUES ('sv', 'joint_item', 'sv', 'joint_item_history');

ALTER TABLE sv.joint_item ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_item FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_item_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_item_history FORCE ROW LEVEL SECURITY;
-- the list is public information, like the catalogue
CREATE POLICY joint_item_read ON sv.joint_item FOR SELECT USING (true);
CREATE POLICY joint_item_history_read ON sv.joint_item_history FOR SELECT USING (true);
GRANT SELECT ON sv.joint_item, sv.joint_item_history TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.joint_item', '');
SELECT pg_catalog.pg_extension_config_dump('sv.joint_item_history', '');
SELECT pg_catalog.pg_extension_config_dump('sv.joint_item_id_seq', '');

-- The catalogue items of one department in a joint item: a non-empty JSON array of codes of that
-- department's items (sv.catalog_item), returned sorted and without duplicates.
CREATE OR REPLACE FUNCTION sv._joint_items_of(field text, department_id integer, items jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_bad text;
BEGIN
  IF items IS NULL OR jsonb_typeof(items) <> 'array' OR jsonb_array_length(items) = 0
     OR EXISTS (SELECT 1 FROM jsonb_array_elements(items) x WHERE jsonb_typeof(x) <> 'string') THEN
    RAISE EXCEPTION '% must be a non-empty array of catalogue item codes', field USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(items) > 50 THEN
    RAISE EXCEPTION '% has % items: at most 50 are allowed', field, jsonb_array_length(items)
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  SELECT string_agg(quote_literal(x), ', ' ORDER BY x) INTO v_bad FROM jsonb_array_elements_text(items) x
  WHERE NOT EXISTS (SELECT 1 FROM sv.catalog_item c WHERE c.code = x);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION '%: catalogue item(s) % do not exist', field, v_bad
      USING ERRCODE = 'foreign_key_violation', HINT = 'No supervision outside the catalogue (监管事项之外无监管): add the items first.';
  END IF;
  SELECT string_agg(format('%s (department %s)', quote_literal(c.code), c.department_id), ', ' ORDER BY c.code) INTO v_bad
  FROM jsonb_array_elements_text(items) x JOIN sv.catalog_item c ON c.code = x
  WHERE c.department_id <> _joint_items_of.department_id;
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION '%: catalogue item(s) % are not items of department %', field, v_bad, department_id
      USING ERRCODE = 'check_violation', HINT = 'Each department lists its own catalogue items.';
  END IF;
  RETURN (SELECT jsonb_agg(DISTINCT x ORDER BY x) FROM jsonb_array_elements_text(items) x);
END
$fn$;

-- Add or change an entry of the list by its code.
--   lead_catalog_items  the lead department's catalogue item codes
--   partners            [{"department_id": 5, "catalog_items": ["..."]}, ...]: 1 to 30 partner
--                       departments, each with its own catalogue item codes
--   legal_basis         [{"law": ..., "article": ...}], 1 to 20
--   copy_on             the findings of one department copied to the others (抄告): penalty,
--                       coercive_measure, problem_found, rectification_ordered, case_filed
--   ack_days            working days a recipient has to acknowledge a copy (1-60)
CREATE OR REPLACE FUNCTION sv.joint_item_save(code text, matter text, scenario text, lead_department_id integer,
                                              lead_catalog_items text[], partners jsonb, legal_basis jsonb,
                                              copy_on text[] DEFAULT '{penalty,case_filed}', ack_days integer DEFAULT 5)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_old sv.joint_item;
  v_new sv.joint_item;
  p jsonb;
  v_dept integer;
  v_partners integer[] := '{}';
  v_items jsonb;
  i integer := 0;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'matter', 'scenario', 'lead_department_id', 'lead_catalog_items', 'partners',
                                  'legal_basis', 'copy_on', 'ack_days'],
                            ARRAY[code IS NULL, matter IS NULL, scenario IS NULL, lead_department_id IS NULL,
                                  lead_catalog_items IS NULL, partners IS NULL, legal_basis IS NULL, copy_on IS NULL,
                                  ack_days IS NULL]);
  PERFORM sv._require_role('maintain the joint-supervision list', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('maintain the joint-supervision list');
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('matter', matter);
  v_new.matter := sv._require_label('matter', matter, 200);
  PERFORM sv._require_text('scenario', scenario);
  v_new.scenario := sv._require_label('scenario', scenario, 500);
  PERFORM sv._require_department('lead_department_id', lead_department_id);
  v_items := jsonb_build_object(lead_department_id::text,
                                sv._joint_items_of('lead_catalog_items', lead_department_id, to_jsonb(lead_catalog_items)));
  IF jsonb_typeof(partners) <> 'array' OR jsonb_array_length(partners) = 0 THEN
    RAISE EXCEPTION 'partners must be a non-empty JSON array of {"department_id": ..., "catalog_items": [...]}'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(partners) > 30 THEN
    RAISE EXCEPTION 'partners has % departments: at most 30 are allowed', jsonb_array_length(partners)
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  FOR p IN SELECT x FROM jsonb_array_elements(partners) x LOOP
    IF jsonb_typeof(p) <> 'object' THEN
      RAISE EXCEPTION 'partners[%] must be a JSON object, not a JSON %', i, jsonb_typeof(p) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sv._payload_keys(p, format('partners[%s]', i), '{department_id,catalog_items}');
    IF jsonb_typeof(p -> 'department_id') IS DISTINCT FROM 'number' OR (p ->> 'department_id') !~ '^[0-9]{1,9}$' THEN
      RAISE EXCEPTION 'partners[%].department_id must be a department id', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_dept := (p ->> 'department_id')::integer;
    PERFORM sv._require_department(format('partners[%s].department_id', i), v_dept);
    IF v_dept = lead_department_id OR v_dept = ANY (v_partners) THEN
      RAISE EXCEPTION 'partners[%].department_id: department % is % already', i, v_dept,
        CASE WHEN v_dept = lead_department_id THEN 'the lead department' ELSE 'a partner' END
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_partners := v_partners || v_dept;
    v_items := v_items || jsonb_build_object(v_dept::text,
                 sv._joint_items_of(format('partners[%s].catalog_items', i), v_dept, p -> 'catalog_items'));
    i := i + 1;
  END LOOP;
  PERFORM sv._require_legal_basis(legal_basis);
  IF jsonb_array_length(legal_basis) NOT BETWEEN 1 AND 20 THEN
    RAISE EXCEPTION 'legal_basis must cite 1 to 20 provisions, not %', jsonb_array_length(legal_basis)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_subset('copy_on', copy_on, sv._joint_findings());
  IF ack_days NOT BETWEEN 1 AND 60 THEN
    RAISE EXCEPTION 'ack_days must be 1 to 60 working days, not %', ack_days USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- officers keep the entries their department leads; an entry changes lead only through an administrator
  PERFORM sv._require_department_scope(lead_department_id);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.joint_item'), pg_catalog.hashtext(code));
  SELECT * INTO v_old FROM sv.joint_item j WHERE j.code = joint_item_save.code FOR UPDATE;
  IF FOUND THEN
    PERFORM sv._require_department_scope(v_old.lead_department_id);
    v_new.id := v_old.id;
    v_new.sys_period := v_old.sys_period;
  END IF;
  v_new.code := code;
  v_new.lead_department_id := lead_department_id;
  v_new.partner_department_ids := ARRAY(SELECT x FROM unnest(v_partners) x ORDER BY x);
  v_new.catalog_items := v_items;
  v_new.legal_basis := legal_basis;
  v_new.copy_on := ARRAY(SELECT DISTINCT x FROM unnest(copy_on) x ORDER BY x);
  v_new.ack_days := ack_days;
  v_new.updated_by := coalesce(v_old.updated_by, me.login);
  IF v_old.id IS NOT NULL AND to_jsonb(v_new) = to_jsonb(v_old) THEN
    RETURN v_old.id;   -- nothing changed: no new version, no audit record
  END IF;
  v_new.updated_by := me.login;
  IF v_old.id IS NOT NULL THEN
    UPDATE sv.joint_item j
       SET matter = v_new.matter, scenario = v_new.scenario, lead_department_id = v_new.lead_department_id,
           partner_department_ids = v_new.partner_department_ids, catalog_items = v_new.catalog_items,
           legal_basis = v_new.legal_basis, copy_on = v_new.copy_on, ack_days = v_new.ack_days, updated_by = v_new.updated_by
     WHERE j.id = v_old.id
    RETURNING * INTO v_new;
  ELSE
    INSERT INTO sv.joint_item (code, matter, scenario, lead_department_id, partner_department_ids, catalog_items, legal_basis,
                               copy_on, ack_days, updated_by)
    VALUES (v_new.code, v_new.matter, v_new.scenario, v_new.lead_department_id, v_new.partner_department_ids,
            v_new.catalog_items, v_new.legal_basis, v_new.copy_on, v_new.ack_days, v_new.updated_by)
    RETURNING * INTO v_new;
  END IF;
  PERFORM sv.audit_append(v_new.lead_department_id, 'joint_item', v_new.code,
    CASE WHEN v_old.id IS NULL THEN 'add' ELSE 'change' END, to_jsonb(v_new) - 'sys_period' - 'id' - 'updated_by');
  RETURN v_new.id;
END
$fn$;
COMMENT ON FUNCTION sv.joint_item_save(text, text, text, integer, text[], jsonb, jsonb, text[], integer) IS
  'Add or change an entry of the joint-supervision list (联合监管清单) by its code (administrators; officers for the department they lead)';

-- Withdraw an entry: it leaves the list in force (its versions stay in the history).
CREATE OR REPLACE FUNCTION sv.joint_item_withdraw(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v sv.joint_item;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'reason'], ARRAY[code IS NULL, reason IS NULL]);
  PERFORM sv._require_role('maintain the joint-supervision list', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('maintain the joint-supervision list');
  PERFORM sv._require_reason(reason, 'the joint-supervision entry is withdrawn');
  PERFORM sv._require_label('reason', reason, 500);
  SELECT * INTO v FROM sv.joint_item j WHERE j.code = joint_item_withdraw.code FOR UPDATE;
  IF NOT FOUND OR NOT (me.is_admin OR v.lead_department_id = me.department_id) THEN
    PERFORM sv._raise_not_yours('code', format('joint-supervision entry %s', quote_literal(code)), 'no_data_found');
  END IF;
  DELETE FROM sv.joint_item j WHERE j.id = v.id;
  PERFORM sv.audit_append(v.lead_department_id, 'joint_item', v.code, 'withdraw', jsonb_build_object('reason', btrim(reason)));
END
$fn$;
COMMENT ON FUNCTION sv.joint_item_withdraw(text, text) IS
  'Withdraw an entry of the joint-supervision list, with the reason (administrators; officers for the department that leads it)';

GRANT EXECUTE ON FUNCTION sv.joint_item_save(text, text, text, integer, text[], jsonb, jsonb, text[], integer),
                          sv.joint_item_withdraw(text, text)
  TO sv_admin, sv_officer;

-- The service portal: the list in force.
CREATE VIEW sv_public.joint_item AS
  SELECT j.code, j.matter, j.scenario, ld.code AS lead_department_code, ld.name_zh AS lead_department_name,
         ARRAY(SELECT d.name_zh FROM unnest(j.partner_department_ids) WITH ORDINALITY x(id, n)
               JOIN sv.department d ON d.id = x.id ORDER BY x.n) AS partner_department_names,
         (SELECT jsonb_agg(jsonb_build_object('department', d.name_zh, 'catalog_items', e.value) ORDER BY d.id <> j.lead_department_id, d.id)
          FROM jsonb_each(j.catalog_items) e JOIN sv.department d ON d.id = e.key::integer) AS catalog_items,
         j.legal_basis, j.copy_on,
         ARRAY(SELECT l.label_zh FROM unnest(j.copy_on) WITH ORDINALITY c(code, n)
               JOIN sv.code_label l ON l.code = c.code AND l.domain IN ('action.kind', 'action.result') ORDER BY c.n) AS copy_on_zh,
         j.ack_days, lower(j.sys_period) AS in_force_since
  FROM sv.joint_item j
  JOIN sv.department ld ON ld.id = j.lead_department_id;
COMMENT ON VIEW sv_public.joint_item IS '联合监管清单 / The joint-supervision list in force: matter, scenario, lead and partner departments, their catalogue items, legal basis';
COMMENT ON COLUMN sv_public.joint_item.code IS '联合监管事项编码';
COMMENT ON COLUMN sv_public.joint_item.matter IS '联合监管事项';
COMMENT ON COLUMN sv_public.joint_item.scenario IS '监管场景';
COMMENT ON COLUMN sv_public.joint_item.lead_department_code IS '牵头部门代码';
COMMENT ON COLUMN sv_public.joint_item.lead_department_name IS '牵头部门';
COMMENT ON COLUMN sv_public.joint_item.partner_department_names IS '配合部门';
COMMENT ON COLUMN sv_public.joint_item.catalog_items IS '各部门对应监管事项编码(JSON:部门、事项编码)';
COMMENT ON COLUMN sv_public.joint_item.legal_basis IS '设定依据(法律法规及条款,JSON数组)';
COMMENT ON COLUMN sv_public.joint_item.copy_on IS '抄告情形代码:penalty 行政处罚, coercive_measure 行政强制, problem_found 发现问题, rectification_ordered 责令整改, case_filed 立案查处';
COMMENT ON COLUMN sv_public.joint_item.copy_on_zh IS '抄告情形';
COMMENT ON COLUMN sv_public.joint_item.ack_days IS '抄告签收时限(工作日)';
COMMENT ON COLUMN sv_public.joint_item.in_force_since IS '本版本生效时间';
GRANT SELECT ON sv_public.joint_item TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
