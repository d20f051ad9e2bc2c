-- ---------------------------------------------------------------------------------------------
-- 19_uscc: the unified social credit code (统一社会信用代码, GB 32100-2015) as a base type.
--
-- Type:        sv.uscc (18 bytes, canonical upper case; btree and hash operator classes)
-- Tables:      sv.uscc_exception (registered legal codes that fail the check character)
-- Views:       sv.uscc_category (the standard's authority/category table)
-- Functions:   sv.uscc_check(text), sv.uscc_validate(text), sv.uscc_check_character(text),
--              sv.uscc_authority/_category/_region_code/_org_code(sv.uscc),
--              sv.uscc_register_exception(code, reason)   (sv_admin)
-- ---------------------------------------------------------------------------------------------

CREATE TYPE sv.uscc;

CREATE OR REPLACE FUNCTION sv.uscc_in(cstring) RETURNS sv.uscc
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv.uscc_out(sv.uscc) RETURNS cstring
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv.uscc_recv(internal) RETURNS sv.uscc
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv.uscc_send(sv.uscc) RETURNS bytea
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE sv.uscc (
  INPUT = sv.uscc_in,
  OUTPUT = sv.uscc_out,
  RECEIVE = sv.uscc_recv,
  SEND = sv.uscc_send,
  INTERNALLENGTH = 18,
  ALIGNMENT = char,
  STORAGE = plain,
  CATEGORY = 'S',
  COLLATABLE = false
);

COMMENT ON TYPE sv.uscc IS
  'Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, check character verified';

-- Casts to and from text (assignment, like the built-in casts between string types).
CREATE OR REPLACE FUNCTION sv.uscc(text) RETURNS sv.uscc
AS 'MODULE_PATHNAME', 'uscc_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv.text(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME', 'uscc_to_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (text AS sv.uscc) WITH FUNCTION sv.uscc(text) AS ASSIGNMENT;
CREATE CAST (sv.uscc AS text) WITH FUNCTION sv.text(sv.uscc) AS ASSIGNMENT;

-- Comparison: byte order of the canonical form, which is also its text order in "C".
-- The operators live in pg_catalog (they belong to the extension and go with it) so that
-- `code = '9141...'` works for every role and BI tool without sv in its search_path; they
-- only ever match sv.uscc operands, so nothing built-in is shadowed.
CREATE OR REPLACE FUNCTION sv.uscc_eq(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION sv.uscc_ne(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION sv.uscc_lt(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION sv.uscc_le(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION sv.uscc_gt(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION sv.uscc_ge(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION sv.uscc_cmp(sv.uscc, sv.uscc) RETURNS int4
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION sv.uscc_sortsupport(internal) RETURNS void
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv.uscc_hash(sv.uscc) RETURNS int4
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OR REPLACE FUNCTION sv.uscc_hash_extended(sv.uscc, int8) RETURNS int8
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR pg_catalog.= (
  LEFTARG = sv.uscc, RIGHTARG = sv.uscc, FUNCTION = sv.uscc_eq,
  COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR pg_catalog.<> (
  LEFTARG = sv.uscc, RIGHTARG = sv.uscc, FUNCTION = sv.uscc_ne,
  COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR pg_catalog.< (
  LEFTARG = sv.uscc, RIGHTARG = sv.uscc, FUNCTION = sv.uscc_lt,
  COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR pg_catalog.<= (
  LEFTARG = sv.uscc, RIGHTARG = sv.uscc, FUNCTION = sv.uscc_le,
  COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR pg_catalog.> (
  LEFTARG = sv.uscc, RIGHTARG = sv.uscc, FUNCTION = sv.uscc_gt,
  COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR pg_catalog.>= (
  LEFTARG = sv.uscc, RIGHTARG = sv.uscc, FUNCTION = sv.uscc_ge,
  COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS sv.uscc_ops
DEFAULT FOR TYPE sv.uscc USING btree AS
  OPERATOR 1 pg_catalog.<,
  OPERATOR 2 pg_catalog.<=,
  OPERATOR 3 pg_catalog.=,
  OPERATOR 4 pg_catalog.>=,
  OPERATOR 5 pg_catalog.>,
  FUNCTION 1 sv.uscc_cmp(sv.uscc, sv.uscc),
  FUNCTION 2 sv.uscc_sortsupport(internal);

CREATE OPERATOR CLASS sv.uscc_hash_ops
DEFAULT FOR TYPE sv.uscc USING hash AS
  OPERATOR 1 pg_catalog.=,
  FUNCTION 1 sv.uscc_hash(sv.uscc),
  FUNCTION 2 sv.uscc_hash_extended(sv.uscc, int8);

-- Accessors.
CREATE OR REPLACE FUNCTION sv.uscc_authority(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_authority(sv.uscc) IS 'Position 1: registration authority (登记管理部门码)';
CREATE OR REPLACE FUNCTION sv.uscc_category(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_category(sv.uscc) IS 'Position 2: organisation category (机构类别码)';
CREATE OR REPLACE FUNCTION sv.uscc_region_code(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_region_code(sv.uscc) IS
  'Positions 3-8: GB/T 2260 region code of the registering authority (not necessarily where the subject is now)';
CREATE OR REPLACE FUNCTION sv.uscc_org_code(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_org_code(sv.uscc) IS 'Positions 9-17: organisation code (主体标识码)';

-- Validation without exceptions, for ingest: reject records with a reason instead of failing.
-- STABLE, not IMMUTABLE: the answer for a code failing the check character depends on
-- sv.uscc_exception.
CREATE OR REPLACE FUNCTION sv.uscc_check(text) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_check(text) IS
  'NULL when the text is a valid unified social credit code, otherwise the reason (never raises)';

CREATE OR REPLACE FUNCTION sv.uscc_validate(code text, OUT canonical text, OUT problem text, OUT detail text)
RETURNS record
AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_validate(text) IS
  'Canonical form, problem kind (length, character, authority, category, region, check_character) and explanation; problem is NULL when valid';

CREATE OR REPLACE FUNCTION sv.uscc_check_character(body text) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_check_character(text) IS
  'The check character (position 18) that completes the given 17 characters';

-- A unified social credit code given as text: the reason in DETAIL when it fails a check.
CREATE OR REPLACE FUNCTION sv._require_uscc(field text, value text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_problem text := CASE WHEN value IS NOT NULL THEN sv.uscc_check(value) END;
BEGIN
  IF value IS NULL THEN
    RAISE EXCEPTION '%: invalid unified social credit code NULL', field USING ERRCODE = 'invalid_text_representation';
  END IF;
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION '%: invalid unified social credit code %', field, quote_literal(value)
      USING ERRCODE = 'invalid_text_representation', DETAIL = v_problem;
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION sv._uscc_categories(OUT authority text, OUT category text,
                                    OUT authority_zh text, OUT authority_en text,
                                    OUT category_zh text, OUT category_en text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'uscc_categories_list' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE VIEW sv.uscc_category AS
  SELECT authority, category, authority_zh, authority_en, category_zh, category_en
  FROM sv._uscc_categories();
COMMENT ON VIEW sv.uscc_category IS
  'GB 32100-2015 table 1: registration authorities and the organisation categories valid under each';

-- Legal codes that fail the check character (early pilot codes).  Registered one by one by an
-- administrator with a reason; only exactly these codes become acceptable.  Rows are never
-- updated or deleted by the API: a stored sv.uscc value must stay readable.
CREATE TABLE sv.uscc_exception (
  code          text COLLATE "C" PRIMARY KEY
                CHECK (code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
  reason        text NOT NULL CHECK (length(btrim(reason)) >= 4),
  registered_by name NOT NULL DEFAULT session_user,
  registered_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE sv.uscc_exception IS
  'Registered legal unified social credit codes that fail the check character, with the reason';
ALTER TABLE sv.uscc_exception ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.uscc_exception FORCE ROW LEVEL SECURITY;
CREATE POLICY uscc_exception_read ON sv.uscc_exception FOR SELECT USING (true);
SELECT pg_catalog.pg_extension_config_dump('sv.uscc_exception', '');

CREATE OR REPLACE FUNCTION sv.uscc_register_exception(code text, reason text) RETURNS sv.uscc
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v record;
BEGIN
  IF code IS NULL THEN
    RAISE EXCEPTION 'code must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_reason(reason, 'the code is legal');

  v := sv.uscc_validate(code);
  IF v.problem IS NULL THEN
    RAISE EXCEPTION 'unified social credit code "%" is already accepted', v.canonical
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Either its check character is correct or it is registered already.';
  ELSIF v.problem <> 'check_character' THEN
    -- Only the check character may be excused; anything else is not a code at all.
    RAISE EXCEPTION 'invalid unified social credit code "%"', code
      USING ERRCODE = 'invalid_text_representation', DETAIL = v.detail,
            HINT = 'Only codes that fail the check character alone can be registered.';
  END IF;

  BEGIN
    INSERT INTO sv.uscc_exception (code, reason) VALUES (v.canonical, btrim(reason));
  EXCEPTION WHEN unique_violation THEN
    -- another administrator registered it between our check and our insert
    RAISE EXCEPTION 'unified social credit code "%" is already registered', v.canonical
      USING ERRCODE = 'unique_violation';
  END;
  PERFORM sv.audit_append(NULL, 'uscc_exception', v.canonical, 'register',
                          jsonb_build_object('code', v.canonical, 'reason', btrim(reason), 'detail', v.detail));
  RETURN v.canonical::sv.uscc;
END
$fn$;
COMMENT ON FUNCTION sv.uscc_register_exception(text, text) IS
  'Administrators: accept one legal code that fails the check character, recording who and why';
