-- ---------------------------------------------------------------------------------------------
-- 32_catalog_powers: the power and responsibility list (权责清单), who supervises what, and
-- claiming (认领) of national and provincial items by the departments that implement them.
--
-- Tables:     sv.power_item (system-versioned), sv.catalog_claim
-- Functions:  sv.power_item_save(...), sv.supervising_department(power_code)
--             sv.catalog_claim(code), sv.catalog_unclaim(code, reason),
--             sv.catalog_item_withdraw(code, reason) (here, after the power list and the claims it
--             checks and drops)
-- Views:      sv_bi.catalog_claim_rate (claim rate and check-list completeness per department)
-- Rule: "whoever approves supervises; whoever is in charge supervises" (谁审批、谁监管；谁主管、
-- 谁监管): the approving department supervises what it approves, unless approval is centralised
-- (相对集中行政许可) in another body, in which case the competent department supervises.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.power_item (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code                    text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  name                    text NOT NULL CHECK (name <> ''),
  kind                    text NOT NULL CHECK (kind IN ('licensing', 'penalty', 'coercion', 'inspection', 'other')),
  approving_department_id integer REFERENCES sv.department (id),
  competent_department_id integer NOT NULL REFERENCES sv.department (id),   -- 主管部门
  centralised             boolean NOT NULL DEFAULT false,                    -- 相对集中许可
  catalog_item_id         bigint REFERENCES sv.catalog_item (id),            -- the supervision item it leads to
  legal_basis             jsonb NOT NULL CHECK (jsonb_typeof(legal_basis) = 'array'),
  sys_period              tstzrange NOT NULL DEFAULT tstzrange(now(), NULL),
  CHECK (kind <> 'licensing' OR approving_department_id IS NOT NULL)
);
COMMENT ON TABLE sv.power_item IS 'Power and responsibility list (权责清单): who approves and who is in charge; system-versioned';
CREATE TABLE sv.power_item_history (LIKE sv.power_item);
CREATE INDEX power_item_history_id_idx ON sv.power_item_history (id, sys_period);
CREATE TRIGGER power_item_versioning BEFORE INSERT OR UPDATE OR DELETE ON sv.power_item
  FOR EACH ROW EXECUTE FUNCTION sv.versioning('sv.power_item_history');
CREATE TRIGGER power_item_history_immutable BEFORE UPDATE OR DELETE ON sv.power_item_history
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('history is append-only');
CREATE TRIGGER power_item_history_no_truncate BEFORE TRUNCATE ON sv.power_item_history
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('history is append-only');
INSERT INTO sv.versioned_table VALUES ('sv', 'power_item', 'sv', 'power_item_history');

CREATE TABLE sv.catalog_claim (
  department_id   integer NOT NULL REFERENCES sv.department (id),
  catalog_item_id bigint NOT NULL REFERENCES sv.catalog_item (id),
  claimed_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  claimed_by      text NOT NULL,
  PRIMARY KEY (department_id, catalog_item_id)
);
COMMENT ON TABLE sv.catalog_claim IS 'National and provincial items a department has claimed (认领) as implemented by it';

-- sv:rerun (re-applied by every update: docs/upgrades.md)
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['power_item', 'power_item_history', 'catalog_claim'] LOOP
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('CREATE POLICY %I ON sv.%I FOR SELECT USING (true)', t || '_read', t);
    EXECUTE pg_catalog.format('GRANT SELECT ON sv.%I TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration', t);
    EXECUTE pg_catalog.format('SELECT pg_catalog.pg_extension_config_dump(%L, %L)', 'sv.' || t, '');
  END LOOP;
END
$rls$;
SELECT pg_catalog.pg_extension_config_dump('sv.power_item_id_seq', '');

CREATE OR REPLACE FUNCTION sv.power_item_save(code text, name text, kind text, competent_department_id integer,
                                   legal_basis jsonb, approving_department_id integer DEFAULT NULL,
                                   centralised boolean DEFAULT false, catalog_item text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_item bigint;
  v_old sv.power_item;
  v_new sv.power_item;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'name', 'kind', 'competent_department_id',
                                  'legal_basis', 'centralised'],
                            ARRAY[code IS NULL, name IS NULL, kind IS NULL,
                                  competent_department_id IS NULL, legal_basis IS NULL,
                                  centralised IS NULL]);
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('name', name);
  PERFORM sv._require_label('name', name, 200);
  PERFORM sv._require_one_of('kind', kind, ARRAY['licensing', 'penalty', 'coercion', 'inspection', 'other']);
  PERFORM sv._require_department('competent_department_id', competent_department_id);
  IF approving_department_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sv.department d WHERE d.id = power_item_save.approving_department_id) THEN
    RAISE EXCEPTION 'approving_department_id: department % does not exist', approving_department_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF kind = 'licensing' AND approving_department_id IS NULL THEN
    RAISE EXCEPTION 'approving_department_id is required for a licensing item' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_legal_basis(legal_basis);
  IF catalog_item IS NOT NULL THEN
    SELECT c.id INTO v_item FROM sv.catalog_item c WHERE c.code = power_item_save.catalog_item;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'catalog_item: catalogue item "%" does not exist', catalog_item USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;

  PERFORM sv._require_department_scope(competent_department_id);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.power_item'), pg_catalog.hashtext(code));
  SELECT * INTO v_old FROM sv.power_item p WHERE p.code = power_item_save.code FOR UPDATE;
  IF FOUND THEN
    PERFORM sv._require_department_scope(v_old.competent_department_id);
    v_new := v_old;
    v_new.name := btrim(power_item_save.name);
    v_new.kind := power_item_save.kind;
    v_new.approving_department_id := power_item_save.approving_department_id;
    v_new.competent_department_id := power_item_save.competent_department_id;
    v_new.centralised := power_item_save.centralised;
    v_new.catalog_item_id := v_item;
    v_new.legal_basis := power_item_save.legal_basis;
    IF to_jsonb(v_new) = to_jsonb(v_old) THEN
      RETURN v_old.id;
    END IF;
    UPDATE sv.power_item p
       SET name = v_new.name, kind = v_new.kind, approving_department_id = v_new.approving_department_id,
           competent_department_id = v_new.competent_department_id, centralised = v_new.centralised,
           catalog_item_id = v_new.catalog_item_id, legal_basis = v_new.legal_basis
     WHERE p.id = v_old.id
    RETURNING * INTO v_new;
  ELSE
    INSERT INTO sv.power_item (code, name, kind, approving_department_id, competent_department_id,
                               centralised, catalog_item_id, legal_basis)
    VALUES (code, btrim(name), kind, approving_department_id, competent_department_id, centralised,
            v_item, legal_basis)
    RETURNING * INTO v_new;
  END IF;
  PERFORM sv.audit_append(v_new.competent_department_id, 'power_item', v_new.code,
    CASE WHEN v_old.id IS NULL THEN 'add' ELSE 'change' END, to_jsonb(v_new) - 'sys_period' - 'id');
  RETURN v_new.id;
END
$fn$;
COMMENT ON FUNCTION sv.power_item_save(text, text, text, integer, jsonb, integer, boolean, text) IS
  'Add or change an entry of the power and responsibility list (权责清单) by its code';

-- Who supervises what a power item approves or governs.
CREATE OR REPLACE FUNCTION sv.supervising_department(power_code text) RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p sv.power_item;
BEGIN
  IF power_code IS NULL THEN   -- (runs as the caller: no internal helpers)
    RAISE EXCEPTION 'power_code must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO p FROM sv.power_item i WHERE i.code = power_code;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'power_code: power item % does not exist', coalesce(quote_literal(power_code), 'NULL')
      USING ERRCODE = 'no_data_found';
  END IF;
  -- 谁审批、谁监管: the approver supervises what it approves; 谁主管、谁监管: when approval is
  -- centralised elsewhere, or the item approves nothing, the competent department does
  IF p.approving_department_id IS NOT NULL AND NOT p.centralised THEN
    RETURN p.approving_department_id;
  END IF;
  RETURN p.competent_department_id;
END
$fn$;
COMMENT ON FUNCTION sv.supervising_department(text) IS
  'The department that supervises a power item: its approver, or its competent department when approval is centralised';

CREATE OR REPLACE FUNCTION sv.catalog_claim(code text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v sv.catalog_item;
  v_dept integer := sv.scope_department();
BEGIN
  PERFORM sv._require_given(ARRAY['code'],
                            ARRAY[code IS NULL]);
  SELECT * INTO v FROM sv.catalog_item c WHERE c.code = catalog_claim.code;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'code: catalogue item % does not exist', coalesce(quote_literal(code), 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  IF v.source NOT IN ('national', 'provincial') THEN
    RAISE EXCEPTION 'item "%" is from the city-specific catalogue: only national and provincial items are claimed', v.code
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_dept IS NULL THEN
    RAISE EXCEPTION 'the caller has no department: claims are made by a department''s staff'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF v.department_id <> v_dept THEN
    RAISE EXCEPTION 'item "%" is supervised by department %, not by the caller''s department %', v.code, v.department_id, v_dept
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO sv.catalog_claim (department_id, catalog_item_id, claimed_by)
  VALUES (v_dept, v.id, sv._outer_user())
  ON CONFLICT DO NOTHING;
  IF FOUND THEN
    PERFORM sv.audit_append(v_dept, 'catalog_claim', v.code, 'claim', '{}');
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION sv.catalog_unclaim(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_dept integer := sv.scope_department();
  v_item bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'reason'],
                            ARRAY[code IS NULL, reason IS NULL]);
  PERFORM sv._require_reason(reason, 'the claim is withdrawn');
  SELECT c.id INTO v_item FROM sv.catalog_item c WHERE c.code = catalog_unclaim.code;
  DELETE FROM sv.catalog_claim k WHERE k.department_id = v_dept AND k.catalog_item_id = v_item;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the caller''s department has not claimed item %', coalesce(quote_literal(code), 'NULL')
      USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM sv.audit_append(v_dept, 'catalog_claim', code, 'unclaim', jsonb_build_object('reason', btrim(reason)));
END
$fn$;

CREATE OR REPLACE FUNCTION sv.catalog_item_withdraw(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v sv.catalog_item;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'reason'],
                            ARRAY[code IS NULL, reason IS NULL]);
  PERFORM sv._require_reason(reason, 'the item is withdrawn');
  SELECT * INTO v FROM sv.catalog_item c WHERE c.code = catalog_item_withdraw.code FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'code: catalogue item "%" does not exist', code USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM sv._require_department_scope(v.department_id);
  IF EXISTS (SELECT 1 FROM sv.check_item k WHERE k.catalog_item_id = v.id) THEN
    RAISE EXCEPTION 'catalogue item "%" still has check items', code
      USING ERRCODE = 'foreign_key_violation', HINT = 'Withdraw or move its check items first.';
  END IF;
  IF EXISTS (SELECT 1 FROM sv.power_item p WHERE p.catalog_item_id = v.id) THEN
    RAISE EXCEPTION 'catalogue item "%" is named by power items', code
      USING ERRCODE = 'foreign_key_violation', HINT = 'Point those power items elsewhere first (sv.power_item_save).';
  END IF;
  -- claims of a withdrawn item mean nothing any more: they go with it (the audit record keeps them)
  DELETE FROM sv.catalog_claim k WHERE k.catalog_item_id = v.id;
  DELETE FROM sv.catalog_item c WHERE c.id = v.id;   -- its versions stay in history
  PERFORM sv.audit_append(v.department_id, 'catalog_item', v.code, 'withdraw',
                          jsonb_build_object('reason', btrim(reason)));
END
$fn$;

-- Claim rate and check-list completeness per department (the national KPIs of the catalogue).
CREATE VIEW sv_bi.catalog_claim_rate AS
  SELECT d.code AS department_code, d.name_zh AS department_name,
         count(c.id) AS items_to_claim,
         count(k.catalog_item_id) AS items_claimed,
         round(100.0 * count(k.catalog_item_id) / nullif(count(c.id), 0), 1) AS claim_rate_pct,
         count(k.catalog_item_id) FILTER (WHERE EXISTS (SELECT 1 FROM sv.check_item ci WHERE ci.catalog_item_id = c.id)) AS claimed_with_checks,
         round(100.0 * count(k.catalog_item_id) FILTER (WHERE EXISTS (SELECT 1 FROM sv.check_item ci WHERE ci.catalog_item_id = c.id))
               / nullif(count(k.catalog_item_id), 0), 1) AS checklist_completeness_pct
  FROM sv.department d
  LEFT JOIN sv.catalog_item c ON c.department_id = d.id AND c.source IN ('national', 'provincial')
  LEFT JOIN sv.catalog_claim k ON k.department_id = d.id AND k.catalog_item_id = c.id
  GROUP BY d.id, d.code, d.name_zh;
COMMENT ON VIEW sv_bi.catalog_claim_rate IS '事项认领率与检查实施清单完备率 / claim rate and check-list completeness per department';
COMMENT ON COLUMN sv_bi.catalog_claim_rate.items_to_claim IS '应认领事项数';
COMMENT ON COLUMN sv_bi.catalog_claim_rate.items_claimed IS '已认领事项数';
COMMENT ON COLUMN sv_bi.catalog_claim_rate.claim_rate_pct IS '认领率(%)';
COMMENT ON COLUMN sv_bi.catalog_claim_rate.claimed_with_checks IS '已编制检查实施清单的认领事项数';
COMMENT ON COLUMN sv_bi.catalog_claim_rate.checklist_completeness_pct IS '检查实施清单完备率(%)';
COMMENT ON COLUMN sv_bi.catalog_claim_rate.department_code IS '部门代码';
COMMENT ON COLUMN sv_bi.catalog_claim_rate.department_name IS '部门名称';

GRANT SELECT ON sv_bi.catalog_claim_rate TO sv_bi, sv_auditor, sv_admin;
GRANT EXECUTE ON FUNCTION sv.power_item_save(text, text, text, integer, jsonb, integer, boolean, text),
                          sv.catalog_claim(text), sv.catalog_unclaim(text, text) TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.catalog_item_withdraw(text, text) TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.supervising_department(text) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;
