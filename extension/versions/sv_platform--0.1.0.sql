-- sv_platform 0.1.0 install script, assembled by the Makefile from extension/NN_*.sql in order.
\echo Use "CREATE EXTENSION sv_platform CASCADE" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- 00_core: the module, its group roles and build information.
--
-- Group roles (NOLOGIN). They are cluster-wide, created here when absent and left in place by
-- DROP EXTENSION (other databases may use them). A DBA grants them to login roles.
--   sv_admin        platform administrators (reference data, calendars, registrations)
--   sv_officer      officials using the work portal (工作门户)
--   sv_auditor      the supervision office: reads everything, writes nothing
--   sv_public       the service portal (服务门户): published, masked data only
--   sv_bi           analysis and BI tools
--   sv_integration  external systems feeding data in
-- Nothing in this extension is granted to PUBLIC (see 99_privileges.sql).
-- ---------------------------------------------------------------------------------------------

-- Names, reasons and the audit trail's hashed text are UTF-8 (docs/audit.md defines the hash
-- over UTF-8 bytes): refuse any other database encoding up front.
DO $encoding$
BEGIN
  IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
    RAISE EXCEPTION 'sv_platform needs a UTF8 database, not %', pg_catalog.getdatabaseencoding()
      USING ERRCODE = 'feature_not_supported',
            HINT = 'CREATE DATABASE ... ENCODING ''UTF8'' TEMPLATE template0, then CREATE EXTENSION there.';
  END IF;
END
$encoding$;

DO $roles$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['sv_admin', 'sv_officer', 'sv_auditor', 'sv_public', 'sv_bi',
                           'sv_integration']
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END
$roles$;

-- The roles every read-only surface of the core is granted to.
CREATE FUNCTION sv._group_roles() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['sv_admin', 'sv_officer', 'sv_auditor', 'sv_public', 'sv_bi', 'sv_integration'] $$;

COMMENT ON FUNCTION sv._group_roles() IS 'The six group roles of sv_platform (internal).';

CREATE FUNCTION sv.build_info(OUT component text, OUT version text) RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_build_info'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION sv.build_info() IS
  'Versions this library was built against and runs with (sv_platform, PostgreSQL, libcurl).';

-- The legal date of a timestamp: deadlines and validity dates count in sv.timezone
-- (Asia/Shanghai by default), never in the session's TimeZone.
CREATE FUNCTION sv.local_date(timestamptz) RETURNS date
AS 'MODULE_PATHNAME', 'sv_local_date' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.local_date(timestamptz) IS
  'The calendar date of a timestamp in sv.timezone (default Asia/Shanghai), whatever the session time zone';
-- ---------------------------------------------------------------------------------------------
-- 02_validation: argument checks shared by the write functions, so that every function words
-- the same mistake the same way (and a message names its field).
-- ---------------------------------------------------------------------------------------------

-- text that must not be NULL or blank: 22023 "<field> must not be empty"
CREATE FUNCTION sv._require_text(field text, value text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF coalesce(btrim(value), '') = '' THEN
    RAISE EXCEPTION '% must not be empty', field USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- one of a fixed list: 22023 "<field> must be a, b or c, not 'x'"
CREATE FUNCTION sv._require_one_of(field text, value text, allowed text[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF value IS NULL OR NOT (value = ANY (allowed)) THEN
    RAISE EXCEPTION '% must be % or %, not %', field,
      array_to_string(allowed[1:array_length(allowed, 1) - 1], ', '), allowed[array_length(allowed, 1)],
      coalesce(quote_literal(value), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- every element of a list in the allowed set: 22023 naming the field and the strays
CREATE FUNCTION sv._require_subset(field text, value text[], allowed text[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_bad text;
BEGIN
  SELECT string_agg(coalesce(quote_literal(x), 'NULL'), ', ') INTO v_bad FROM unnest(value) x
  WHERE x IS NULL OR x <> ALL (allowed);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION '%: % not among %', field, v_bad, array_to_string(allowed, ', ')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- a stable business code: 22023 with the rule spelt out
CREATE FUNCTION sv._require_code(field text, value text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF value IS NULL OR value !~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$' THEN
    RAISE EXCEPTION '% must be 2-64 letters, digits, ".", "_" or "-", not %', field, coalesce(quote_literal(value), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- an existing department: 23503 "<field>: department N does not exist"
CREATE FUNCTION sv._require_department(field text, department_id integer) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF department_id IS NULL OR NOT EXISTS (SELECT 1 FROM sv.department d WHERE d.id = _require_department.department_id) THEN
    RAISE EXCEPTION '%: department % does not exist', field, coalesce(department_id::text, 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END
$fn$;

-- a reason for an irreversible step: 22023 "reason must say why <purpose> (at least 4 characters)"
CREATE FUNCTION sv._require_reason(reason text, purpose text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF reason IS NULL OR length(btrim(reason)) < 4 THEN
    RAISE EXCEPTION 'reason must say why % (at least 4 characters)', purpose
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- an existing region: 23503 "<field>: region '<code>' does not exist"
CREATE FUNCTION sv._require_region(field text, region_code text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF region_code IS NULL OR NOT EXISTS (SELECT 1 FROM sv.region r WHERE r.code = _require_region.region_code) THEN
    RAISE EXCEPTION '%: region % does not exist', field, coalesce(quote_literal(region_code), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END
$fn$;

-- Is this role a superuser or a platform administrator (member of sv_admin)?
CREATE FUNCTION sv._is_admin(role_name text) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = role_name), false)
      OR pg_catalog.pg_has_role(role_name, 'sv_admin', 'USAGE')
$fn$;

-- An ISO date YYYY-MM-DD (1900-2999) or NULL, never an error: bulk ingest turns bad dates into
-- reject reasons (src/ingest/parse.c).
CREATE FUNCTION sv._parse_date(text) RETURNS date
AS 'MODULE_PATHNAME', 'sv_parse_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- A unified social credit code given as text: the reason in DETAIL when it fails a check.
CREATE FUNCTION sv._require_uscc(field text, value text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
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
-- ---------------------------------------------------------------------------------------------
-- 05_uscc: the unified social credit code (统一社会信用代码, GB 32100-2015) as a base type.
--
-- Type:        sv.uscc (18 bytes, canonical upper case; btree and hash operator classes)
-- Tables:      sv.uscc_exception (registered legal codes that fail the check character)
-- Views:       sv.uscc_category (the standard's authority/category table)
-- Functions:   sv.uscc_check(text), sv.uscc_validate(text), sv.uscc_check_character(text),
--              sv.uscc_authority/_category/_region_code/_org_code(sv.uscc),
--              sv.uscc_register_exception(code, reason)   (sv_admin)
-- ---------------------------------------------------------------------------------------------

CREATE TYPE sv.uscc;

CREATE FUNCTION sv.uscc_in(cstring) RETURNS sv.uscc
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sv.uscc_out(sv.uscc) RETURNS cstring
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sv.uscc_recv(internal) RETURNS sv.uscc
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sv.uscc_send(sv.uscc) RETURNS bytea
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
CREATE FUNCTION sv.uscc(text) RETURNS sv.uscc
AS 'MODULE_PATHNAME', 'uscc_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sv.text(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME', 'uscc_to_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (text AS sv.uscc) WITH FUNCTION sv.uscc(text) AS ASSIGNMENT;
CREATE CAST (sv.uscc AS text) WITH FUNCTION sv.text(sv.uscc) AS ASSIGNMENT;

-- Comparison: byte order of the canonical form, which is also its text order in "C".
-- The operators live in pg_catalog (they belong to the extension and go with it) so that
-- `code = '9141...'` works for every role and BI tool without sv in its search_path; they
-- only ever match sv.uscc operands, so nothing built-in is shadowed.
CREATE FUNCTION sv.uscc_eq(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION sv.uscc_ne(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION sv.uscc_lt(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION sv.uscc_le(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION sv.uscc_gt(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION sv.uscc_ge(sv.uscc, sv.uscc) RETURNS bool
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION sv.uscc_cmp(sv.uscc, sv.uscc) RETURNS int4
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION sv.uscc_sortsupport(internal) RETURNS void
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sv.uscc_hash(sv.uscc) RETURNS int4
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION sv.uscc_hash_extended(sv.uscc, int8) RETURNS int8
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
CREATE FUNCTION sv.uscc_authority(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_authority(sv.uscc) IS 'Position 1: registration authority (登记管理部门码)';
CREATE FUNCTION sv.uscc_category(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_category(sv.uscc) IS 'Position 2: organisation category (机构类别码)';
CREATE FUNCTION sv.uscc_region_code(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_region_code(sv.uscc) IS
  'Positions 3-8: GB/T 2260 region code of the registering authority (not necessarily where the subject is now)';
CREATE FUNCTION sv.uscc_org_code(sv.uscc) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_org_code(sv.uscc) IS 'Positions 9-17: organisation code (主体标识码)';

-- Validation without exceptions, for ingest: reject records with a reason instead of failing.
-- STABLE, not IMMUTABLE: the answer for a code failing the check character depends on
-- sv.uscc_exception.
CREATE FUNCTION sv.uscc_check(text) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_check(text) IS
  'NULL when the text is a valid unified social credit code, otherwise the reason (never raises)';

CREATE FUNCTION sv.uscc_validate(code text, OUT canonical text, OUT problem text, OUT detail text)
RETURNS record
AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_validate(text) IS
  'Canonical form, problem kind (length, character, authority, category, region, check_character) and explanation; problem is NULL when valid';

CREATE FUNCTION sv.uscc_check_character(body text) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.uscc_check_character(text) IS
  'The check character (position 18) that completes the given 17 characters';

CREATE FUNCTION sv._uscc_categories(OUT authority text, OUT category text,
                                    OUT authority_zh text, OUT authority_en text,
                                    OUT category_zh text, OUT category_en text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'uscc_categories_list' LANGUAGE C IMMUTABLE STRICT;

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

CREATE FUNCTION sv.uscc_register_exception(code text, reason text) RETURNS sv.uscc
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
-- ---------------------------------------------------------------------------------------------
-- 10_region: administrative divisions (行政区划代码, GB/T 2260) and functional zones.
--
-- Table:      sv.region (code, names, level, parent)
-- Functions:  sv.region_within(child, parent), sv.region_path(code)
-- Shipped:    Henan (410000), its prefecture-level divisions, Pingdingshan (410400) with its
--             ten county-level divisions and the two functional zones 410471 (高新区) and
--             410472 (城乡一体化示范区), which are statistical codes, not GB/T 2260 codes.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.region (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
  name_zh     text NOT NULL CHECK (name_zh <> ''),
  name_en     text NOT NULL CHECK (name_en <> ''),
  level       text NOT NULL CHECK (level IN ('country', 'province', 'prefecture', 'county', 'zone')),
  parent_code text,           -- checked by a trigger, see below
  is_gbt2260  boolean NOT NULL DEFAULT true,
  builtin     boolean NOT NULL DEFAULT false,
  CHECK ((level = 'country') = (parent_code IS NULL)),
  CHECK (parent_code IS DISTINCT FROM code),
  -- functional zones carry statistical codes that GB/T 2260 does not list
  CHECK (level <> 'zone' OR NOT is_gbt2260)
);
CREATE INDEX region_parent_code_idx ON sv.region (parent_code);

-- The parent must exist and a region with children cannot go.  A trigger rather than a
-- self-referencing foreign key: pg_dump warns about circular constraints on every dump of an
-- extension configuration table that has one.  (Reference table: triggers are fine here.)
CREATE FUNCTION sv._region_parent_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.parent_code IS NOT NULL THEN
    PERFORM 1 FROM sv.region r WHERE r.code = NEW.parent_code FOR KEY SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'parent region "%" of region "%" does not exist', NEW.parent_code, NEW.code
        USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND (TG_OP = 'DELETE' OR NEW.code <> OLD.code) THEN
    IF EXISTS (SELECT 1 FROM sv.region r WHERE r.parent_code = OLD.code) THEN
      RAISE EXCEPTION 'region "%" still has subordinate regions', OLD.code
        USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;
CREATE TRIGGER region_parent_check BEFORE INSERT OR UPDATE OR DELETE ON sv.region
  FOR EACH ROW EXECUTE FUNCTION sv._region_parent_check();
COMMENT ON TABLE sv.region IS
  'Administrative divisions (GB/T 2260) and functional zones (statistical codes, is_gbt2260 = false)';
COMMENT ON COLUMN sv.region.is_gbt2260 IS
  'false for codes that are not GB/T 2260 divisions (development zones with statistical codes)';
COMMENT ON COLUMN sv.region.builtin IS 'shipped with the extension (rows added later are dumped by pg_dump)';
ALTER TABLE sv.region ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.region FORCE ROW LEVEL SECURITY;
CREATE POLICY region_read ON sv.region FOR SELECT USING (true);
SELECT pg_catalog.pg_extension_config_dump('sv.region', 'WHERE NOT builtin');

INSERT INTO sv.region (code, name_zh, name_en, level, parent_code, is_gbt2260, builtin) VALUES
  ('100000', '中华人民共和国', 'People''s Republic of China', 'country', NULL, true, true),
  ('410000', '河南省', 'Henan Province', 'province', '100000', true, true),
  ('410100', '郑州市', 'Zhengzhou', 'prefecture', '410000', true, true),
  ('410200', '开封市', 'Kaifeng', 'prefecture', '410000', true, true),
  ('410300', '洛阳市', 'Luoyang', 'prefecture', '410000', true, true),
  ('410400', '平顶山市', 'Pingdingshan', 'prefecture', '410000', true, true),
  ('410500', '安阳市', 'Anyang', 'prefecture', '410000', true, true),
  ('410600', '鹤壁市', 'Hebi', 'prefecture', '410000', true, true),
  ('410700', '新乡市', 'Xinxiang', 'prefecture', '410000', true, true),
  ('410800', '焦作市', 'Jiaozuo', 'prefecture', '410000', true, true),
  ('410900', '濮阳市', 'Puyang', 'prefecture', '410000', true, true),
  ('411000', '许昌市', 'Xuchang', 'prefecture', '410000', true, true),
  ('411100', '漯河市', 'Luohe', 'prefecture', '410000', true, true),
  ('411200', '三门峡市', 'Sanmenxia', 'prefecture', '410000', true, true),
  ('411300', '南阳市', 'Nanyang', 'prefecture', '410000', true, true),
  ('411400', '商丘市', 'Shangqiu', 'prefecture', '410000', true, true),
  ('411500', '信阳市', 'Xinyang', 'prefecture', '410000', true, true),
  ('411600', '周口市', 'Zhoukou', 'prefecture', '410000', true, true),
  ('411700', '驻马店市', 'Zhumadian', 'prefecture', '410000', true, true),
  -- 济源 is a county-level city administered directly by the province
  ('419001', '济源市', 'Jiyuan', 'county', '410000', true, true),
  -- Pingdingshan: four districts, four counties, two county-level cities
  ('410402', '新华区', 'Xinhua District', 'county', '410400', true, true),
  ('410403', '卫东区', 'Weidong District', 'county', '410400', true, true),
  ('410404', '石龙区', 'Shilong District', 'county', '410400', true, true),
  ('410411', '湛河区', 'Zhanhe District', 'county', '410400', true, true),
  ('410421', '宝丰县', 'Baofeng County', 'county', '410400', true, true),
  ('410422', '叶县', 'Ye County', 'county', '410400', true, true),
  ('410423', '鲁山县', 'Lushan County', 'county', '410400', true, true),
  ('410425', '郏县', 'Jia County', 'county', '410400', true, true),
  ('410481', '舞钢市', 'Wugang', 'county', '410400', true, true),
  ('410482', '汝州市', 'Ruzhou', 'county', '410400', true, true),
  -- functional zones (statistical codes, not in GB/T 2260)
  ('410471', '平顶山高新技术产业开发区', 'Pingdingshan High-tech Industrial Development Zone', 'zone', '410400', false, true),
  ('410472', '平顶山市城乡一体化示范区', 'Pingdingshan Urban-Rural Integration Demonstration Zone', 'zone', '410400', false, true);

-- Ancestors of a region, itself first (at most four levels deep).
CREATE FUNCTION sv.region_path(code text) RETURNS text[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  path text[];
BEGIN
  WITH RECURSIVE up(code, parent_code, depth) AS (
    SELECT r.code, r.parent_code, 1 FROM sv.region r WHERE r.code = region_path.code
    UNION ALL
    SELECT r.code, r.parent_code, up.depth + 1
    FROM up JOIN sv.region r ON r.code = up.parent_code
    WHERE up.depth < 16
  )
  SELECT array_agg(up.code ORDER BY up.depth) INTO path FROM up;

  IF path IS NULL THEN
    RAISE EXCEPTION 'unknown region code "%"', code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Region codes are listed in sv.region.';
  END IF;
  RETURN path;
END
$fn$;
COMMENT ON FUNCTION sv.region_path(text) IS 'The region and its ancestors, nearest first';

-- Is child inside parent?  A region is within itself.  Unknown codes are an error, not false:
-- a typo must not silently put a record out of everybody's scope.
CREATE FUNCTION sv.region_within(child text, parent text) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sv.region r WHERE r.code = parent) THEN
    RAISE EXCEPTION 'unknown region code "%"', parent
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Region codes are listed in sv.region.';
  END IF;
  RETURN parent = ANY (sv.region_path(child));
END
$fn$;
COMMENT ON FUNCTION sv.region_within(text, text) IS
  'true when child is parent or lies inside it (through sv.region.parent_code)';
-- ---------------------------------------------------------------------------------------------
-- 11_department: the departments (部门) that supervise, receive pushes and are evaluated.
--
-- Table:   sv.department (stable id and code, Chinese and English names, level, region)
-- Shipped: the Pingdingshan city departments named in the city's plan.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.department (
  id          integer PRIMARY KEY CHECK (id > 0),
  code        text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{6}-[A-Z][A-Z0-9]{1,15}$'),
  name_zh     text NOT NULL CHECK (name_zh <> ''),
  name_en     text NOT NULL CHECK (name_en <> ''),
  level       text NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'county')),
  region_code text NOT NULL REFERENCES sv.region (code),
  builtin     boolean NOT NULL DEFAULT false,
  -- the code starts with the department's region, so codes stay unique across cities
  CHECK (left(code, 6) = region_code)
);
COMMENT ON TABLE sv.department IS 'Government departments; id and code are stable and never reused';
COMMENT ON COLUMN sv.department.code IS 'region code + short English key, e.g. 410400-MSA';
ALTER TABLE sv.department ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.department FORCE ROW LEVEL SECURITY;
CREATE POLICY department_read ON sv.department FOR SELECT USING (true);
SELECT pg_catalog.pg_extension_config_dump('sv.department', 'WHERE NOT builtin');

INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code, builtin) VALUES
  (1,  '410400-GSBD',  '平顶山市政务服务和大数据管理局', 'Pingdingshan Government Services and Big Data Administration', 'city', '410400', true),
  (2,  '410400-DRC',   '平顶山市发展和改革委员会', 'Pingdingshan Development and Reform Commission', 'city', '410400', true),
  (3,  '410400-JUS',   '平顶山市司法局', 'Pingdingshan Justice Bureau', 'city', '410400', true),
  (4,  '410400-MSA',   '平顶山市市场监督管理局', 'Pingdingshan Market Supervision Administration', 'city', '410400', true),
  (5,  '410400-HURD',  '平顶山市住房和城乡建设局', 'Pingdingshan Housing and Urban-Rural Development Bureau', 'city', '410400', true),
  (6,  '410400-TRANS', '平顶山市交通运输局', 'Pingdingshan Transport Bureau', 'city', '410400', true),
  (7,  '410400-HEALTH','平顶山市卫生健康委员会', 'Pingdingshan Health Commission', 'city', '410400', true),
  (8,  '410400-WATER', '平顶山市水利局', 'Pingdingshan Water Resources Bureau', 'city', '410400', true),
  (9,  '410400-EMERG', '平顶山市应急管理局', 'Pingdingshan Emergency Management Bureau', 'city', '410400', true),
  (10, '410400-GOV',   '平顶山市人民政府办公室(市长热线办)', 'Pingdingshan Municipal Government General Office (Mayor''s Hotline Office)', 'city', '410400', true),
  (11, '410400-CDI',   '中共平顶山市纪律检查委员会 平顶山市监察委员会', 'Pingdingshan Commission for Discipline Inspection and Supervisory Commission', 'city', '410400', true);
-- ---------------------------------------------------------------------------------------------
-- 15_security: portal schemas, staff scopes and the functions row-level security uses.
--
-- Schemas:    sv_work (work portal 工作门户: officials), sv_public (service portal 服务门户:
--             published, masked data only), sv_bi (analysis views with stable column names)
-- Tables:     sv.staff (login role -> department and region scope, with validity dates)
-- Functions:  sv.current_scope() (everyone), sv.scope_department(), sv.scope_regions()
--             (used by RLS policies), sv.staff_add(...), sv.staff_end(...) (sv_admin)
-- The write functions here are the worked example of the write API pattern (docs/security.md).
-- ---------------------------------------------------------------------------------------------

CREATE SCHEMA sv_work;
CREATE SCHEMA sv_public;
CREATE SCHEMA sv_bi;
COMMENT ON SCHEMA sv_work IS 'Work portal (工作门户): views and functions for officials';
COMMENT ON SCHEMA sv_public IS 'Service portal (服务门户): published, masked data only';
COMMENT ON SCHEMA sv_bi IS 'Analysis views with stable column names, for BI tools';

-- The caller: the role set by login or SET ROLE, unchanged inside SECURITY DEFINER functions.
CREATE FUNCTION sv._outer_user() RETURNS text
AS 'MODULE_PATHNAME', 'sv_outer_user' LANGUAGE C STABLE PARALLEL RESTRICTED;

CREATE TABLE sv.staff (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  role_name     text NOT NULL CHECK (role_name <> ''),
  department_id integer NOT NULL REFERENCES sv.department (id),
  region_code   text NOT NULL REFERENCES sv.region (code),
  valid_from    date NOT NULL,
  valid_to      date,              -- last day in force (inclusive); NULL = open-ended
  added_by      text NOT NULL,
  added_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  ended_by      text,
  ended_at      timestamptz,
  end_reason    text,
  -- valid_to = valid_from - 1 is a mapping revoked before it came into force
  CHECK (valid_to IS NULL OR valid_to >= valid_from - 1),
  CHECK ((ended_at IS NULL) = (ended_by IS NULL))
);
CREATE INDEX staff_role_name_idx ON sv.staff (role_name, valid_from);
COMMENT ON TABLE sv.staff IS
  'Maps a login role to a department and a region scope (the region and everything under it)';
COMMENT ON COLUMN sv.staff.role_name IS 'login role name (a name, not an OID: dumps and Citus keep it)';
COMMENT ON COLUMN sv.staff.valid_to IS 'last day the mapping is in force, inclusive; NULL while open';
ALTER TABLE sv.staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.staff FORCE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('sv.staff', '');
SELECT pg_catalog.pg_extension_config_dump('sv.staff_id_seq', '');

-- The caller's mapping in force today (in sv.timezone) and every region code in its scope.
-- Runs as the owner so the caller needs no privilege on sv.staff; it only ever answers for the
-- caller.
CREATE FUNCTION sv._scope_lookup(OUT staff_id bigint, OUT department_id integer,
                                 OUT region_code text, OUT regions text[])
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH me AS (
    SELECT s.id, s.department_id, s.region_code
    FROM sv.staff s
    WHERE s.role_name = sv._outer_user()
      AND s.valid_from <= sv.local_date(now())
      AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(now()))
    ORDER BY s.valid_from DESC
    LIMIT 1
  )
  SELECT me.id, me.department_id, me.region_code,
         ARRAY(WITH RECURSIVE down(code, depth) AS (
                 SELECT me.region_code, 1
                 UNION ALL
                 SELECT r.code, down.depth + 1 FROM sv.region r JOIN down ON r.parent_code = down.code
                 WHERE down.depth < 16)
               SELECT down.code FROM down ORDER BY down.code)
  FROM me
$fn$;

CREATE FUNCTION sv.scope_department() RETURNS integer
AS 'MODULE_PATHNAME', 'sv_scope_department' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION sv.scope_department() IS
  'The caller''s department from sv.staff (NULL without a mapping in force); for RLS policies';
CREATE FUNCTION sv.scope_regions() RETURNS text[]
AS 'MODULE_PATHNAME', 'sv_scope_regions' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION sv.scope_regions() IS
  'Region codes in the caller''s scope (its region and all below; NULL without a mapping); for RLS policies';

CREATE FUNCTION sv.current_scope(OUT role_name text, OUT staff_id bigint, OUT department_id integer,
                                 OUT department_code text, OUT department_name text,
                                 OUT region_code text, OUT region_name text, OUT regions text[],
                                 OUT sees_all boolean, OUT is_admin boolean)
RETURNS record
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT u.name, l.staff_id, l.department_id, d.code, d.name_zh, l.region_code, r.name_zh, l.regions,
         pg_has_role(u.name, 'sv_auditor', 'USAGE') OR pg_has_role(u.name, 'sv_admin', 'USAGE'),
         pg_has_role(u.name, 'sv_admin', 'USAGE')
  FROM (SELECT sv._outer_user() AS name) u
  LEFT JOIN sv._scope_lookup() l ON true
  LEFT JOIN sv.department d ON d.id = l.department_id
  LEFT JOIN sv.region r ON r.code = l.region_code
$fn$;
COMMENT ON FUNCTION sv.current_scope() IS
  'Who the caller is for the platform: staff mapping in force, department, region scope, whether it sees everything';

-- Officers see their department's staff in their region scope; the supervision office and
-- administrators see all.  (Policies compare plain columns with the cached scope.)
CREATE POLICY staff_scope ON sv.staff FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department() AND region_code = ANY (sv.scope_regions()));
CREATE POLICY staff_all ON sv.staff FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.staff TO sv_officer, sv_admin, sv_auditor;

-- The caller's own right to manage a region: superusers anywhere; administrators inside their
-- own scope (an sv_admin without a staff mapping manages nothing until a superuser maps it).
CREATE FUNCTION sv._require_admin_scope(region_code text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = me) THEN
    RETURN;
  END IF;
  IF NOT pg_has_role(me, 'sv_admin', 'USAGE') THEN
    RAISE EXCEPTION 'role "%" is not a platform administrator', me
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF sv.scope_regions() IS NULL THEN
    RAISE EXCEPTION 'administrator "%" has no staff mapping in force', me
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'A superuser maps administrators with sv.staff_add().';
  END IF;
  IF NOT (region_code = ANY (sv.scope_regions())) THEN
    RAISE EXCEPTION 'region % is outside the scope of administrator "%"', region_code, me
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$fn$;

-- sv.staff_add: the worked example of the write API pattern (docs/security.md).
--   1. validate every argument (precise SQLSTATE, message naming the field)
--   2. check the caller's scope
--   3. serialise competing writers, check the state
--   4. apply the change and append the audit record, in this one transaction
CREATE FUNCTION sv.staff_add(role_name text, department_id integer, region_code text,
                             valid_from date DEFAULT NULL, valid_to date DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r record;
  dept record;
  v_from date := coalesce(valid_from, sv.local_date(now()));
  v_id bigint;
  clash record;
BEGIN
  -- 1. arguments
  IF role_name IS NULL THEN
    RAISE EXCEPTION 'role_name must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF department_id IS NULL THEN
    RAISE EXCEPTION 'department_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF region_code IS NULL THEN
    RAISE EXCEPTION 'region_code must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT rolname, rolcanlogin, rolsuper, rolbypassrls INTO r FROM pg_roles WHERE rolname = role_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role_name: role "%" does not exist', role_name USING ERRCODE = 'undefined_object';
  END IF;
  IF NOT r.rolcanlogin THEN
    RAISE EXCEPTION 'role_name: role "%" cannot log in; map login roles, not groups', role_name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF r.rolsuper OR r.rolbypassrls THEN
    RAISE EXCEPTION 'role_name: role "%" bypasses row-level security and cannot be given a scope', role_name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Staff logins must be ordinary roles so that their scope is enforced.';
  END IF;
  SELECT d.id, d.code, d.region_code INTO dept FROM sv.department d WHERE d.id = staff_add.department_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'department_id: department % does not exist', department_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.region g WHERE g.code = staff_add.region_code) THEN
    RAISE EXCEPTION 'region_code: region "%" does not exist', region_code
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT sv.region_within(region_code, dept.region_code) THEN
    RAISE EXCEPTION 'region_code: region % is outside department %''s region %', region_code, dept.code, dept.region_code
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF valid_to IS NOT NULL AND valid_to < v_from THEN
    RAISE EXCEPTION 'valid_to (%) must not be before valid_from (%)', valid_to, v_from
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- 2. the caller's scope
  PERFORM sv._require_admin_scope(region_code);

  -- 3. one writer per login at a time; one mapping in force per login on any day
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.staff'), pg_catalog.hashtext(role_name));
  SELECT s.id, s.valid_from, s.valid_to INTO clash FROM sv.staff s
  WHERE s.role_name = staff_add.role_name
    AND daterange(s.valid_from, s.valid_to + 1) && daterange(v_from, staff_add.valid_to + 1)
  ORDER BY s.valid_from LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'role "%" already has staff mapping % in force from % to %', role_name, clash.id,
                    clash.valid_from, coalesce(clash.valid_to::text, 'open')
      USING ERRCODE = 'exclusion_violation',
            HINT = 'End it first with sv.staff_end(), or start the new mapping after it.';
  END IF;

  -- 4. change + audit
  INSERT INTO sv.staff (role_name, department_id, region_code, valid_from, valid_to, added_by)
  VALUES (role_name, department_id, region_code, v_from, valid_to, sv._outer_user())
  RETURNING id INTO v_id;
  PERFORM sv.audit_append(department_id, 'staff', v_id::text, 'add',
    jsonb_build_object('role_name', role_name, 'department_id', department_id,
                       'region_code', region_code, 'valid_from', v_from, 'valid_to', valid_to));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.staff_add(text, integer, text, date, date) IS
  'Administrators: give a login role a department and region scope from valid_from (default today) to valid_to (inclusive)';

CREATE FUNCTION sv.staff_end(staff_id bigint, reason text, last_day date DEFAULT NULL)
RETURNS date
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  s record;
  v_last date;
BEGIN
  IF staff_id IS NULL THEN
    RAISE EXCEPTION 'staff_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_reason(reason, 'the mapping ends');

  SELECT * INTO s FROM sv.staff t WHERE t.id = staff_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'staff_id: staff mapping % does not exist', staff_id USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM sv._require_admin_scope(s.region_code);
  -- Default: the mapping ends now, so its last day is yesterday (a mapping not yet in force is
  -- revoked unused: the day before it starts; one that has run out keeps its own end).
  v_last := coalesce(last_day,
                     least(coalesce(s.valid_to, 'infinity'::date),
                           greatest(sv.local_date(now()) - 1, s.valid_from - 1)));
  -- An end can be brought forward (a planned departure moved up), never pushed back, and never
  -- into the past: the mapping was in force until now, and sv.staff must say so.
  IF s.valid_to IS NOT NULL AND s.valid_to < sv.local_date(now()) THEN
    RAISE EXCEPTION 'staff mapping % has already ended', staff_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Its last day was %s.', s.valid_to);
  END IF;
  IF s.ended_at IS NOT NULL AND v_last >= s.valid_to THEN
    RAISE EXCEPTION 'staff mapping % already ends on %; an end can only be brought forward', staff_id, s.valid_to
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF s.valid_from <= sv.local_date(now()) AND v_last < sv.local_date(now()) - 1 THEN
    RAISE EXCEPTION 'last_day (%) is in the past: the mapping has been in force since %', v_last, s.valid_from
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Omit last_day to end it now (yesterday becomes its last day).';
  END IF;
  IF v_last < s.valid_from - 1 THEN
    RAISE EXCEPTION 'last_day (%) must not be before the day before valid_from (%)', v_last, s.valid_from
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF s.valid_to IS NOT NULL AND v_last > s.valid_to THEN
    RAISE EXCEPTION 'last_day (%) is after the mapping''s own end (%)', v_last, s.valid_to
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  UPDATE sv.staff t SET valid_to = v_last, ended_by = sv._outer_user(), ended_at = now(),
                        end_reason = btrim(reason)
  WHERE t.id = staff_id;
  PERFORM sv.audit_append(s.department_id, 'staff', staff_id::text, 'end',
    jsonb_build_object('role_name', s.role_name, 'last_day', v_last, 'reason', btrim(reason)));
  RETURN v_last;
END
$fn$;
COMMENT ON FUNCTION sv.staff_end(bigint, text, date) IS
  'Administrators: end a staff mapping after last_day (default: now, i.e. yesterday was its last day; the day before valid_from revokes it unused)';

GRANT USAGE ON SCHEMA sv_work TO sv_officer, sv_admin, sv_auditor;
GRANT USAGE ON SCHEMA sv_public TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT USAGE ON SCHEMA sv_bi TO sv_bi, sv_auditor, sv_admin;
GRANT EXECUTE ON FUNCTION sv.staff_add(text, integer, text, date, date),
                          sv.staff_end(bigint, text, date) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.current_scope(), sv.scope_department(), sv.scope_regions(),
                          sv._scope_lookup(), sv._outer_user()
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 16_audit: the hash-chained audit trail (审计链; the plan's 区块链 tamper evidence).
--
-- Every state change appends one record in the same transaction as the change.  Records form
-- one chain for the whole platform: record n stores the hash of record n-1, and its own hash is
-- SHA-256 over that and a canonical encoding of the record (docs/audit.md).  Appends from many
-- sessions serialise on the chain head row until commit, so the chain has no gaps and no forks
-- (an aborted append leaves nothing behind; under REPEATABLE READ a concurrent append fails
-- with a serialization error instead of forking).
--
-- Tables:     sv.audit_log (append-only), sv.audit_chain (the head: one row)
-- Functions:  sv.audit_append(...) (called by write functions; granted to no role),
--             sv.audit_verify(from_seq, to_seq), sv.audit_head()
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.audit_log (
  seq           bigint PRIMARY KEY,
  recorded_at   timestamptz NOT NULL,
  actor_session text NOT NULL,       -- session_user: the login
  actor_role    text NOT NULL,       -- the role in effect (SET ROLE), even inside SECURITY DEFINER
  department_id integer,             -- whose record it is (RLS); NULL for platform-wide changes
  object_kind   text NOT NULL,
  object_id     text,
  action        text NOT NULL,
  change        json NOT NULL,       -- canonical jsonb text, stored verbatim: the hashed bytes
  prev_hash     bytea NOT NULL,
  hash          bytea NOT NULL
  -- no CHECK constraints: sv.audit_append is the only writer and validates everything, and
  -- each CHECK would cost expression setup on every append; sv.audit_verify checks the hashes
);
COMMENT ON TABLE sv.audit_log IS 'Append-only, hash-chained record of every state change (docs/audit.md)';
COMMENT ON COLUMN sv.audit_log.change IS
  'What changed, as the text of a jsonb value (keys ordered and de-duplicated); cast to jsonb to query';
CREATE INDEX audit_log_object_idx ON sv.audit_log (object_kind, object_id);

CREATE TABLE sv.audit_chain (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seq         bigint NOT NULL,
  hash        bytea NOT NULL,
  prev_hash   bytea NOT NULL,
  recorded_at timestamptz
);
COMMENT ON TABLE sv.audit_chain IS
  'Head of the audit chain: the last record''s seq and hash (one row, created by the first append)';

ALTER TABLE sv.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_chain ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_chain FORCE ROW LEVEL SECURITY;
-- officers see their department's records; the supervision office and administrators all
CREATE POLICY audit_log_department ON sv.audit_log FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY audit_log_all ON sv.audit_log FOR SELECT TO sv_admin, sv_auditor USING (true);
CREATE POLICY audit_chain_read ON sv.audit_chain FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.audit_log, sv.audit_chain TO sv_admin, sv_auditor;
GRANT SELECT ON sv.audit_log TO sv_officer;

-- Both are user data: pg_dump keeps them whole (no shipped rows, so nothing conflicts).
SELECT pg_catalog.pg_extension_config_dump('sv.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('sv.audit_chain', '');

-- Nobody rewrites history through SQL, the owner included; a superuser who disables these
-- triggers and edits anyway is caught by sv.audit_verify.  (No INSERT trigger: appends stay cheap.)
CREATE FUNCTION sv._audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: the audit trail is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Records are added by the platform''s write functions through sv.audit_append().';
END
$fn$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON sv.audit_log
  FOR EACH ROW EXECUTE FUNCTION sv._audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON sv.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION sv._audit_refuse_change();
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON sv.audit_chain
  FOR EACH ROW EXECUTE FUNCTION sv._audit_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON sv.audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION sv._audit_refuse_change();

CREATE FUNCTION sv._audit_hash(prev_hash bytea, seq bigint, recorded_at timestamptz,
                               actor_session text, actor_role text, department_id integer,
                               object_kind text, object_id text, action text, change text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_audit_hash' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv._audit_hash(bytea, bigint, timestamptz, text, text, integer, text, text, text, text) IS
  'SHA-256 of one audit record chained to the previous hash (encoding v1, docs/audit.md)';

-- Append one record; returns its seq (C, src/audit/append.c).  Called by write functions, which
-- run as the owner, in the transaction of the change; no application role may call it.  Not
-- SECURITY DEFINER: it runs as its caller (always the owner) and its statements are
-- schema-qualified with pg_catalog operators spelt out.
CREATE FUNCTION sv.audit_append(department_id integer, object_kind text, object_id text,
                                action text, change jsonb)
RETURNS bigint
AS 'MODULE_PATHNAME', 'sv_audit_append' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION sv.audit_append(integer, text, text, text, jsonb) IS
  'Append one record to the audit chain in the current transaction; returns its seq';

CREATE FUNCTION sv.audit_verify(from_seq bigint DEFAULT 1, to_seq bigint DEFAULT NULL)
RETURNS TABLE (seq bigint, problem text, detail text)
AS 'MODULE_PATHNAME', 'sv_audit_verify' LANGUAGE C STABLE;
COMMENT ON FUNCTION sv.audit_verify(bigint, bigint) IS
  'The first broken link of the audit chain in [from_seq, to_seq] (to the head when to_seq is NULL), or no row';
-- It reads the chain straight off the table (all records, whatever the caller's row scope),
-- so it is granted to the supervision office and administrators only.

CREATE FUNCTION sv.audit_head(OUT seq bigint, OUT hash text, OUT recorded_at timestamptz)
RETURNS record
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  SELECT h.seq, encode(h.hash, 'hex'), h.recorded_at INTO seq, hash, recorded_at
  FROM sv.audit_chain h WHERE h.singleton;
  IF NOT FOUND THEN
    -- an empty chain has no head row yet; records without a head mean the head was removed
    IF EXISTS (SELECT 1 FROM sv.audit_log) THEN
      RAISE EXCEPTION 'the audit chain head is missing although the log has records'
        USING ERRCODE = 'data_corrupted', HINT = 'Run sv.audit_verify() and investigate.';
    END IF;
    seq := 0;
    hash := repeat('0', 64);
  END IF;
END
$fn$;
COMMENT ON FUNCTION sv.audit_head() IS
  'The head of the audit chain (seq, hex SHA-256, time) for publication; seq 0 and zeros when empty';

GRANT EXECUTE ON FUNCTION sv.audit_verify(bigint, bigint) TO sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv.audit_head() TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 18_reference_admin: administrators add reference data through the write API.
--
-- Functions:  sv.region_add(...), sv.department_add(...)   (sv_admin, inside their scope)
-- Rows shipped with the extension (builtin) are not changed here: corrections to them come with
-- an extension update, so that a dump (which keeps only rows added later) restores them
-- faithfully.
-- ---------------------------------------------------------------------------------------------

-- Ids of departments added after install; shipped departments use 1-100.
CREATE SEQUENCE sv.department_id_seq AS integer START WITH 101;
SELECT pg_catalog.pg_extension_config_dump('sv.department_id_seq', '');

CREATE FUNCTION sv.region_add(code text, name_zh text, name_en text, level text, parent_code text,
                              is_gbt2260 boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  parent record;
BEGIN
  IF code IS NULL OR code !~ '^[0-9]{6}$' THEN
    RAISE EXCEPTION 'code must be six digits, not %', coalesce(quote_literal(code), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_text('name_zh', name_zh);
  PERFORM sv._require_text('name_en', name_en);
  PERFORM sv._require_one_of('level', level, ARRAY['province', 'prefecture', 'county', 'zone']);
  IF is_gbt2260 IS NULL THEN
    RAISE EXCEPTION 'is_gbt2260 must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF level = 'zone' AND is_gbt2260 THEN
    RAISE EXCEPTION 'is_gbt2260 must be false for a zone: functional zones carry statistical codes'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF parent_code IS NULL THEN
    RAISE EXCEPTION 'parent_code must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT r.code, r.level INTO parent FROM sv.region r WHERE r.code = region_add.parent_code;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'parent_code: region "%" does not exist', parent_code USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- the hierarchy: province under the country, prefecture under a province, county under a
  -- prefecture or directly under a province (省直辖县级行政单位), zone under a prefecture or county
  IF NOT ((level = 'province' AND parent.level = 'country') OR
          (level = 'prefecture' AND parent.level = 'province') OR
          (level = 'county' AND parent.level IN ('prefecture', 'province')) OR
          (level = 'zone' AND parent.level IN ('prefecture', 'county'))) THEN
    RAISE EXCEPTION 'level: a % cannot lie directly under a % (%)', level, parent.level, parent.code
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- GB/T 2260 codes nest by prefix: 41 province, 4104 prefecture, 410402 county
  IF is_gbt2260 AND parent.level IN ('province', 'prefecture')
     AND left(code, CASE parent.level WHEN 'province' THEN 2 ELSE 4 END)
         <> left(parent.code, CASE parent.level WHEN 'province' THEN 2 ELSE 4 END) THEN
    RAISE EXCEPTION 'code % does not lie under its parent % in GB/T 2260', code, parent.code
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  PERFORM sv._require_admin_scope(parent_code);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.region'), pg_catalog.hashtext(code));
  IF EXISTS (SELECT 1 FROM sv.region r WHERE r.code = region_add.code) THEN
    RAISE EXCEPTION 'region "%" already exists', code USING ERRCODE = 'unique_violation';
  END IF;

  INSERT INTO sv.region (code, name_zh, name_en, level, parent_code, is_gbt2260)
  VALUES (code, btrim(name_zh), btrim(name_en), level, parent_code, is_gbt2260);
  PERFORM sv.audit_append(NULL, 'region', code, 'add',
    jsonb_build_object('code', code, 'name_zh', btrim(name_zh), 'name_en', btrim(name_en), 'level', level,
                       'parent_code', parent_code, 'is_gbt2260', is_gbt2260));
  RETURN code;
END
$fn$;
COMMENT ON FUNCTION sv.region_add(text, text, text, text, text, boolean) IS
  'Administrators: add a region (a new division or functional zone) under an existing one in their scope';

CREATE FUNCTION sv.department_add(code text, name_zh text, name_en text, level text, region_code text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_id integer;
BEGIN
  IF code IS NULL OR code !~ '^[0-9]{6}-[A-Z][A-Z0-9]{1,15}$' THEN
    RAISE EXCEPTION 'code must be a region code, a hyphen and an upper-case key (e.g. 410422-MSA), not %',
      coalesce(quote_literal(code), 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_text('name_zh', name_zh);
  PERFORM sv._require_text('name_en', name_en);
  PERFORM sv._require_one_of('level', level, ARRAY['national', 'provincial', 'city', 'county']);
  IF region_code IS NULL THEN
    RAISE EXCEPTION 'region_code must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.region r WHERE r.code = department_add.region_code) THEN
    RAISE EXCEPTION 'region_code: region "%" does not exist', region_code USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF left(code, 6) <> region_code THEN
    RAISE EXCEPTION 'code % must start with its region code %', code, region_code
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  PERFORM sv._require_admin_scope(region_code);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.department'), pg_catalog.hashtext(code));
  IF EXISTS (SELECT 1 FROM sv.department d WHERE d.code = department_add.code) THEN
    RAISE EXCEPTION 'department "%" already exists', code USING ERRCODE = 'unique_violation';
  END IF;
  -- from a sequence: never reused, and concurrent adders never collide
  v_id := nextval('sv.department_id_seq');

  INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code)
  VALUES (v_id, code, btrim(name_zh), btrim(name_en), level, region_code);
  PERFORM sv.audit_append(v_id, 'department', v_id::text, 'add',
    jsonb_build_object('id', v_id, 'code', code, 'name_zh', btrim(name_zh), 'name_en', btrim(name_en),
                       'level', level, 'region_code', region_code));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.department_add(text, text, text, text, text) IS
  'Administrators: add a department (e.g. a county bureau) in their scope; returns its new stable id';

GRANT EXECUTE ON FUNCTION sv.region_add(text, text, text, text, text, boolean),
                          sv.department_add(text, text, text, text, text) TO sv_admin;
-- ---------------------------------------------------------------------------------------------
-- 20_calendar: the working-day calendar (工作日) for every legal deadline.
--
-- The State Council publishes each year's public holidays and make-up working days (调休) in a
-- notice (国务院办公厅关于X年部分节假日安排的通知).  A day is a working day when it is Monday to
-- Friday and not a holiday of the notice, or when the notice makes it a make-up working day.
-- A date in a year whose notice is not loaded is an error, never a guess.
--
-- Tables:     sv.calendar_notice (per year: the shipped notice and/or an administrator's),
--             sv.calendar_day (the days each notice sets apart from Monday-to-Friday)
-- Views:      sv.calendar_notice_in_force, sv.calendar_day_in_force (what deadlines count with)
-- Functions:  sv.is_workday(date), sv.add_workdays(date, n), sv.workdays_between(date, date),
--             sv.local_date(timestamptz), sv.calendar_load(...)   (sv_admin)
-- Convention: the start date is not counted; day 1 is the first working day after it.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.calendar_notice (
  year       integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  -- 'shipped': installed with the extension; 'loaded': by an administrator.  A loaded notice
  -- for a year overrides the shipped one (a correction), and the two never share a key, so a
  -- dump of the loaded rows restores cleanly on top of a fresh CREATE EXTENSION.
  source     text NOT NULL CHECK (source IN ('shipped', 'loaded')),
  title      text NOT NULL CHECK (title <> ''),
  notice_no  text CHECK (notice_no <> ''),
  issued_on  date NOT NULL,
  loaded_by  name NOT NULL DEFAULT session_user,
  loaded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (year, source)
);
COMMENT ON TABLE sv.calendar_notice IS
  'State Council holiday notices, one per year and source; a year without a row has no calendar';

CREATE TABLE sv.calendar_day (
  day        date NOT NULL,
  year       integer NOT NULL,
  source     text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('holiday', 'workday')),
  festival   text NOT NULL CHECK (festival <> ''),
  PRIMARY KEY (day, source),
  FOREIGN KEY (year, source) REFERENCES sv.calendar_notice (year, source) ON DELETE CASCADE,
  -- a make-up working day is always a weekend day
  CHECK (kind = 'holiday' OR extract(isodow FROM day) >= 6)
);
CREATE INDEX calendar_day_year_idx ON sv.calendar_day (year, source);
COMMENT ON TABLE sv.calendar_day IS
  'Days that differ from the Monday-to-Friday rule: holidays (放假) and make-up working days (调休上班)';
COMMENT ON COLUMN sv.calendar_day.year IS 'the notice the day comes from (a notice may reach into the next or previous year)';

ALTER TABLE sv.calendar_notice ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.calendar_notice FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_notice_read ON sv.calendar_notice FOR SELECT USING (true);
ALTER TABLE sv.calendar_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.calendar_day FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_day_read ON sv.calendar_day FOR SELECT USING (true);
SELECT pg_catalog.pg_extension_config_dump('sv.calendar_notice', $$WHERE source = 'loaded'$$);
SELECT pg_catalog.pg_extension_config_dump('sv.calendar_day', $$WHERE source = 'loaded'$$);

-- The notices in force: per year the loaded one if any, else the shipped one.
CREATE VIEW sv.calendar_notice_in_force AS
  SELECT n.year, n.source, n.title, n.notice_no, n.issued_on, n.loaded_by, n.loaded_at
  FROM sv.calendar_notice n
  WHERE n.source = 'loaded'
     OR NOT EXISTS (SELECT 1 FROM sv.calendar_notice l WHERE l.year = n.year AND l.source = 'loaded');
COMMENT ON VIEW sv.calendar_notice_in_force IS 'The holiday notice in force for each loaded year';

CREATE VIEW sv.calendar_day_in_force AS
  SELECT d.day, d.year, d.kind, d.festival, d.source
  FROM sv.calendar_day d
  WHERE d.source = 'loaded'
     OR NOT EXISTS (SELECT 1 FROM sv.calendar_notice l WHERE l.year = d.year AND l.source = 'loaded');
COMMENT ON VIEW sv.calendar_day_in_force IS
  'Holidays and make-up working days of the notices in force: what every deadline counts with';


-- Raise unless every year from first to last has a loaded notice.
CREATE FUNCTION sv._calendar_require(first_day date, last_day date) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  y integer;
  lo integer := extract(year FROM least(first_day, last_day))::integer;
  hi integer := extract(year FROM greatest(first_day, last_day))::integer;
BEGIN
  -- distinct years: a corrected shipped year has two notices (shipped and loaded)
  IF (SELECT count(DISTINCT n.year) FROM sv.calendar_notice n WHERE n.year BETWEEN lo AND hi) = hi - lo + 1 THEN
    RETURN;
  END IF;
  FOR y IN lo .. hi LOOP
    IF NOT EXISTS (SELECT 1 FROM sv.calendar_notice n WHERE n.year = y) THEN
      RAISE EXCEPTION 'no working-day calendar is loaded for year %', y
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = pg_catalog.format('Load the State Council''s holiday notice for %s with sv.calendar_load().', y);
    END IF;
  END LOOP;
END
$fn$;

CREATE FUNCTION sv.is_workday(day date) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  k text;
BEGIN
  IF NOT isfinite(day) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._calendar_require(day, day);
  SELECT c.kind INTO k FROM sv.calendar_day_in_force c WHERE c.day = is_workday.day;
  IF k IS NOT NULL THEN
    RETURN k = 'workday';
  END IF;
  RETURN extract(isodow FROM day) < 6;
END
$fn$;
COMMENT ON FUNCTION sv.is_workday(date) IS
  'true on a working day by the loaded State Council notice; error when the year is not loaded';

-- The n-th working day after day (n > 0), or the |n|-th working day before it (n < 0).
-- The start day itself is never counted; n = 0 returns day unchanged.
CREATE FUNCTION sv.add_workdays(day date, n integer) RETURNS date
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  span integer;
  result date;
BEGIN
  IF NOT isfinite(day) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF n NOT BETWEEN -3660 AND 3660 THEN
    RAISE EXCEPTION 'n must be between -3660 and 3660 working days, not %', n
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._calendar_require(day, day);
  IF n = 0 THEN
    RETURN day;
  END IF;

  -- No run of non-working days is longer than a few weeks, so 2|n| + 40 days always holds
  -- |n| working days; candidate days in a year without a notice are never returned because
  -- the years up to the result are checked below.
  span := 2 * abs(n) + 40;
  SELECT g.d INTO result
  FROM (SELECT day + sign(n)::integer * k AS d, k FROM generate_series(1, span) AS k) AS g
  LEFT JOIN sv.calendar_day_in_force c ON c.day = g.d
  WHERE coalesce(c.kind = 'workday', extract(isodow FROM g.d) < 6)
  ORDER BY g.k
  OFFSET abs(n) - 1 LIMIT 1;

  PERFORM sv._calendar_require(day, result);
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION sv.add_workdays(date, integer) IS
  'The n-th working day after day (before it when n < 0); day itself is not counted';

-- Working days from a to b, counted like add_workdays: add_workdays(a, workdays_between(a, b))
-- is b whenever b is a working day.  Forward (b > a): days in (a, b]; backward: -(days in [b, a)).
CREATE FUNCTION sv.workdays_between(a date, b date) RETURNS integer
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  lo date;
  hi date;
  cnt integer;
BEGIN
  IF NOT isfinite(a) OR NOT isfinite(b) THEN
    RAISE EXCEPTION 'a and b must be finite dates' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._calendar_require(a, b);
  IF a = b THEN
    RETURN 0;
  END IF;
  IF b > a THEN
    lo := a + 1; hi := b;
  ELSE
    lo := b; hi := a - 1;
  END IF;

  SELECT count(*) INTO cnt
  FROM generate_series(lo, hi, interval '1 day') AS g(d)
  LEFT JOIN sv.calendar_day_in_force c ON c.day = g.d::date
  WHERE coalesce(c.kind = 'workday', extract(isodow FROM g.d) < 6);

  RETURN CASE WHEN b > a THEN cnt ELSE -cnt END;
END
$fn$;
COMMENT ON FUNCTION sv.workdays_between(date, date) IS
  'Working days from a to b: days in (a, b] counted forward, negative when b is before a';

-- Load one year's notice in one call.  days is the notice transcribed as a JSON array, one
-- element per numbered item: {"festival": "春节", "from": "2026-02-15", "to": "2026-02-23",
-- "workdays": ["2026-02-14", "2026-02-28"]}.  Replacing a loaded year needs replace => true.
-- _calendar_load does the work for both sources: the install script loads the shipped notices
-- with it, sv.calendar_load() (administrators) the loaded ones.
CREATE FUNCTION sv._calendar_load(year integer, title text, issued_on date, days jsonb,
                                  notice_no text, replace boolean, src text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  y integer := _calendar_load.year;
  item jsonb;
  i integer := 0;
  fest text;
  d_from date;
  d_to date;
  w jsonb;
  wtxt text;
  wd date;
  lo date := make_date(y, 1, 1) - 31;
  hi date := make_date(y, 12, 31) + 31;
  rows_in integer;
  other integer;
  -- the days the notice sets, gathered before anything is checked against the table
  a_day date[] := '{}';
  a_kind text[] := '{}';
  a_fest text[] := '{}';
  replaced boolean := false;
BEGIN
  IF y IS NULL OR title IS NULL OR issued_on IS NULL OR days IS NULL OR replace IS NULL THEN
    RAISE EXCEPTION '% must not be null',
      CASE WHEN y IS NULL THEN 'year' WHEN title IS NULL THEN 'title'
           WHEN issued_on IS NULL THEN 'issued_on' WHEN days IS NULL THEN 'days'
           ELSE 'replace' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF y NOT BETWEEN 2000 AND 2100 THEN
    RAISE EXCEPTION 'year must be between 2000 and 2100, not %', y USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF btrim(title) = '' THEN
    RAISE EXCEPTION 'title must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF notice_no IS NOT NULL AND btrim(notice_no) = '' THEN
    RAISE EXCEPTION 'notice_no must be null or not empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF issued_on > make_date(y, 12, 31) OR issued_on < make_date(y - 1, 1, 1) THEN
    RAISE EXCEPTION 'issued_on % is implausible for the notice of year %', issued_on, y
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A notice is issued in the year before the year it governs, or during it.';
  END IF;
  IF jsonb_typeof(days) <> 'array' OR jsonb_array_length(days) = 0 THEN
    RAISE EXCEPTION 'days must be a non-empty JSON array of holiday items'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- Serialise loaders of the same year: the second waits, then sees the first one's row.
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.calendar_load'), y);
  IF EXISTS (SELECT 1 FROM sv.calendar_notice n WHERE n.year = y) THEN
    IF NOT replace THEN
      RAISE EXCEPTION 'the working-day calendar for year % is already loaded', y
        USING ERRCODE = 'unique_violation',
              HINT = 'Pass replace => true to load a corrected notice.';
    END IF;
    replaced := true;
    -- a loaded notice is replaced; a shipped one stays, overridden by the loaded one
    DELETE FROM sv.calendar_notice n WHERE n.year = y AND n.source = 'loaded';   -- its days go with it
  END IF;

  INSERT INTO sv.calendar_notice (year, source, title, notice_no, issued_on)
  VALUES (y, src, btrim(title), btrim(notice_no), issued_on);

  FOR item IN SELECT e FROM jsonb_array_elements(days) AS e LOOP
    i := i + 1;
    IF jsonb_typeof(item) <> 'object' THEN
      RAISE EXCEPTION 'days[%] must be an object', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    fest := btrim(item ->> 'festival');
    IF fest IS NULL OR fest = '' THEN
      RAISE EXCEPTION 'days[%].festival must be a non-empty string', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
      d_from := (item ->> 'from')::date;
      d_to := (item ->> 'to')::date;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
      RAISE EXCEPTION 'days[%] (%): "from" and "to" must be dates (YYYY-MM-DD)', i, fest
        USING ERRCODE = 'invalid_datetime_format';
    END;
    IF d_from IS NULL OR d_to IS NULL THEN
      RAISE EXCEPTION 'days[%] (%): "from" and "to" are required', i, fest USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF d_to < d_from THEN
      RAISE EXCEPTION 'days[%] (%): "to" % is before "from" %', i, fest, d_to, d_from
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF d_to - d_from > 14 THEN
      RAISE EXCEPTION 'days[%] (%): a holiday of % days is implausible (at most 15)', i, fest, d_to - d_from + 1
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF d_from < lo OR d_to > hi THEN
      RAISE EXCEPTION 'days[%] (%): % to % is outside the notice''s year % (give or take a month)', i, fest, d_from, d_to, y
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR wd IN SELECT g::date FROM generate_series(d_from, d_to, interval '1 day') g LOOP
      a_day := a_day || wd; a_kind := a_kind || 'holiday'::text; a_fest := a_fest || fest;
    END LOOP;

    w := coalesce(item -> 'workdays', '[]'::jsonb);
    IF jsonb_typeof(w) <> 'array' THEN
      RAISE EXCEPTION 'days[%] (%): "workdays" must be an array of dates', i, fest USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR wtxt IN SELECT x #>> '{}' FROM jsonb_array_elements(w) x LOOP
      BEGIN
        wd := wtxt::date;
      EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
        RAISE EXCEPTION 'days[%] (%): make-up working day "%" is not a date (YYYY-MM-DD)', i, fest, wtxt
          USING ERRCODE = 'invalid_datetime_format';
      END;
      IF wd < lo OR wd > hi THEN
        RAISE EXCEPTION 'days[%] (%): make-up working day % is outside the notice''s year %', i, fest, wd, y
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF extract(isodow FROM wd) < 6 THEN
        RAISE EXCEPTION 'days[%] (%): make-up working day % is a % and already a working day', i, fest, wd, trim(to_char(wd, 'Day'))
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      a_day := a_day || wd; a_kind := a_kind || 'workday'::text; a_fest := a_fest || fest;
    END LOOP;
  END LOOP;

  SELECT t.d INTO wd FROM unnest(a_day) AS t(d) GROUP BY t.d HAVING count(*) > 1 ORDER BY t.d LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'day % appears more than once in the notice', wd USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT t.d, c.year INTO wd, other
  FROM unnest(a_day) AS t(d) JOIN sv.calendar_day_in_force c ON c.day = t.d
  WHERE c.year <> y ORDER BY t.d LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'day % is already set by the notice for year %', wd, other USING ERRCODE = 'unique_violation';
  END IF;

  INSERT INTO sv.calendar_day (day, year, source, kind, festival)
  SELECT t.d, y, src, t.k, t.f FROM unnest(a_day, a_kind, a_fest) AS t(d, k, f) ORDER BY t.d;
  GET DIAGNOSTICS rows_in = ROW_COUNT;
  -- shipped notices are part of the install, not a change: only administrators' loads are audited
  IF src = 'loaded' THEN
    PERFORM sv.audit_append(NULL, 'calendar_notice', y::text, CASE WHEN replaced THEN 'replace' ELSE 'load' END,
      jsonb_build_object('year', y, 'title', btrim(title), 'notice_no', btrim(notice_no),
                         'issued_on', issued_on, 'days', days, 'days_set', rows_in));
  END IF;
  RETURN rows_in;
END
$fn$;
CREATE FUNCTION sv.calendar_load(year integer, title text, issued_on date, days jsonb,
                                 notice_no text DEFAULT NULL, replace boolean DEFAULT false)
RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sv._calendar_load(year, title, issued_on, days, notice_no, replace, 'loaded');
$fn$;
COMMENT ON FUNCTION sv.calendar_load(integer, text, date, jsonb, text, boolean) IS
  'Administrators: load a year''s State Council holiday notice; returns the number of days it sets';
-- ---------------------------------------------------------------------------------------------
-- 21_calendar_data: the State Council notices shipped with the extension (2024, 2025, 2026),
-- loaded through the same code as administrators' notices (sv.calendar_load), as source 'shipped'.
-- ---------------------------------------------------------------------------------------------

SELECT sv._calendar_load(2024, '国务院办公厅关于2024年部分节假日安排的通知', '2023-10-25', $$[
  {"festival": "元旦",   "from": "2024-01-01", "to": "2024-01-01"},
  {"festival": "春节",   "from": "2024-02-10", "to": "2024-02-17", "workdays": ["2024-02-04", "2024-02-18"]},
  {"festival": "清明节", "from": "2024-04-04", "to": "2024-04-06", "workdays": ["2024-04-07"]},
  {"festival": "劳动节", "from": "2024-05-01", "to": "2024-05-05", "workdays": ["2024-04-28", "2024-05-11"]},
  {"festival": "端午节", "from": "2024-06-08", "to": "2024-06-10"},
  {"festival": "中秋节", "from": "2024-09-15", "to": "2024-09-17", "workdays": ["2024-09-14"]},
  {"festival": "国庆节", "from": "2024-10-01", "to": "2024-10-07", "workdays": ["2024-09-29", "2024-10-12"]}
]$$, '国办发明电〔2023〕7号', false, 'shipped');

SELECT sv._calendar_load(2025, '国务院办公厅关于2025年部分节假日安排的通知', '2024-11-12', $$[
  {"festival": "元旦",          "from": "2025-01-01", "to": "2025-01-01"},
  {"festival": "春节",          "from": "2025-01-28", "to": "2025-02-04", "workdays": ["2025-01-26", "2025-02-08"]},
  {"festival": "清明节",        "from": "2025-04-04", "to": "2025-04-06"},
  {"festival": "劳动节",        "from": "2025-05-01", "to": "2025-05-05", "workdays": ["2025-04-27"]},
  {"festival": "端午节",        "from": "2025-05-31", "to": "2025-06-02"},
  {"festival": "国庆节、中秋节", "from": "2025-10-01", "to": "2025-10-08", "workdays": ["2025-09-28", "2025-10-11"]}
]$$, '国办发明电〔2024〕12号', false, 'shipped');

SELECT sv._calendar_load(2026, '国务院办公厅关于2026年部分节假日安排的通知', '2025-11-04', $$[
  {"festival": "元旦",   "from": "2026-01-01", "to": "2026-01-03", "workdays": ["2026-01-04"]},
  {"festival": "春节",   "from": "2026-02-15", "to": "2026-02-23", "workdays": ["2026-02-14", "2026-02-28"]},
  {"festival": "清明节", "from": "2026-04-04", "to": "2026-04-06"},
  {"festival": "劳动节", "from": "2026-05-01", "to": "2026-05-05", "workdays": ["2026-05-09"]},
  {"festival": "端午节", "from": "2026-06-19", "to": "2026-06-21"},
  {"festival": "中秋节", "from": "2026-09-25", "to": "2026-09-27"},
  {"festival": "国庆节", "from": "2026-10-01", "to": "2026-10-07", "workdays": ["2026-09-20", "2026-10-10"]}
]$$, NULL, false, 'shipped');

-- Shipped rows are recreated by CREATE EXTENSION, so pg_dump leaves them out.
UPDATE sv.calendar_notice SET loaded_by = 'sv_platform' WHERE source = 'shipped';
-- ---------------------------------------------------------------------------------------------
-- 25_portals: the first views of the three reading surfaces.
--   sv_work   (work portal, officials): security_invoker views, so each caller's row-level
--             scope applies; sv.security_check() reports a work-portal view that is not.
--   sv_public (service portal): owner-run views of published data only.
--   sv_bi     (analysis): aggregates with stable English column names and Chinese comments.
-- Later capabilities add their views here, following the same rules.
-- ---------------------------------------------------------------------------------------------

CREATE VIEW sv_work.my_scope WITH (security_invoker = true) AS
  SELECT * FROM sv.current_scope();
COMMENT ON VIEW sv_work.my_scope IS 'Who I am for the platform: department, region scope, whether I see everything';

CREATE VIEW sv_work.staff WITH (security_invoker = true) AS
  SELECT s.id AS staff_id, s.role_name, s.department_id, d.code AS department_code, d.name_zh AS department_name,
         s.region_code, r.name_zh AS region_name, s.valid_from, s.valid_to,
         (s.valid_from <= sv.local_date(now()) AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(now()))) AS in_force
  FROM sv.staff s
  JOIN sv.department d ON d.id = s.department_id
  JOIN sv.region r ON r.code = s.region_code;
COMMENT ON VIEW sv_work.staff IS 'Staff mappings the caller may see (own department within own region scope)';

CREATE VIEW sv_work.audit_trail WITH (security_invoker = true) AS
  SELECT l.seq, l.recorded_at, l.actor_session, l.actor_role, l.department_id, l.object_kind, l.object_id,
         l.action, l.change::jsonb AS change
  FROM sv.audit_log l;
COMMENT ON VIEW sv_work.audit_trail IS 'Audit records the caller may see (own department; everything for the supervision office)';

CREATE VIEW sv_public.region AS
  SELECT code, name_zh, name_en, level, parent_code FROM sv.region;
COMMENT ON VIEW sv_public.region IS 'Administrative divisions and functional zones';
CREATE VIEW sv_public.department AS
  SELECT code, name_zh, name_en, level, region_code FROM sv.department;
COMMENT ON VIEW sv_public.department IS 'Government departments';
CREATE VIEW sv_public.holiday AS
  SELECT day, kind, festival, year FROM sv.calendar_day_in_force;
COMMENT ON VIEW sv_public.holiday IS 'Official holidays and make-up working days in force (State Council notices)';
CREATE VIEW sv_public.audit_head AS
  SELECT seq, hash, recorded_at FROM sv.audit_head();
COMMENT ON VIEW sv_public.audit_head IS
  'The published head of the audit chain: anyone holding an earlier head can check the chain still contains it';

CREATE VIEW sv_bi.staff_by_department AS
  SELECT d.code AS department_code, d.name_zh AS department_name, s.region_code,
         count(*) FILTER (WHERE s.valid_from <= sv.local_date(now())
                            AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(now()))) AS staff_in_force,
         count(*) AS staff_ever
  FROM sv.staff s JOIN sv.department d ON d.id = s.department_id
  GROUP BY d.code, d.name_zh, s.region_code;
COMMENT ON VIEW sv_bi.staff_by_department IS '各部门在岗人员 / staff mappings per department and region';
COMMENT ON COLUMN sv_bi.staff_by_department.department_code IS '部门代码';
COMMENT ON COLUMN sv_bi.staff_by_department.department_name IS '部门名称';
COMMENT ON COLUMN sv_bi.staff_by_department.region_code IS '行政区划代码';
COMMENT ON COLUMN sv_bi.staff_by_department.staff_in_force IS '在岗人数';
COMMENT ON COLUMN sv_bi.staff_by_department.staff_ever IS '累计人数';

CREATE VIEW sv_bi.audit_activity AS
  SELECT sv.local_date(l.recorded_at) AS day, l.department_id, l.object_kind, l.action, count(*) AS records
  FROM sv.audit_log l
  GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW sv_bi.audit_activity IS '审计记录统计 / audit records per day, department, object kind and action';
COMMENT ON COLUMN sv_bi.audit_activity.day IS '日期';
COMMENT ON COLUMN sv_bi.audit_activity.department_id IS '部门';
COMMENT ON COLUMN sv_bi.audit_activity.object_kind IS '对象类型';
COMMENT ON COLUMN sv_bi.audit_activity.action IS '操作';
COMMENT ON COLUMN sv_bi.audit_activity.records IS '记录数';

GRANT SELECT ON ALL TABLES IN SCHEMA sv_work TO sv_officer, sv_admin, sv_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA sv_public TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT SELECT ON ALL TABLES IN SCHEMA sv_bi TO sv_bi, sv_auditor, sv_admin;
-- ---------------------------------------------------------------------------------------------
-- 30_catalog: the supervision catalogue (监管事项目录清单) and inspection implementation list
-- (检查实施清单), system-versioned.
--
-- Tables:     sv.catalog_item (main items and sub-items with the ten published elements),
--             sv.check_item (how one level and region carries an item out); each with a history
--             table (sv.catalog_item_history, sv.check_item_history) written by a C trigger
-- Functions:  sv.versioning() (the trigger), sv.as_of(NULL::table, timestamp)
-- Still to come (issue 4): write functions, power_item, claiming, releases and diff, the data
-- centre (subjects, inspectors, actions) and ingest.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION sv.versioning() RETURNS trigger
AS 'MODULE_PATHNAME', 'sv_versioning' LANGUAGE C;
COMMENT ON FUNCTION sv.versioning() IS
  'BEFORE row trigger keeping every version of a row with its system-time period (argument: the history table)';

-- Which tables are versioned, and where their history is (read by sv.as_of).  Names, not OIDs:
-- dumps and Citus keep them.
CREATE TABLE sv.versioned_table (
  table_schema   text NOT NULL,
  table_name     text NOT NULL,
  history_schema text NOT NULL,
  history_name   text NOT NULL,
  PRIMARY KEY (table_schema, table_name)
);
ALTER TABLE sv.versioned_table ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.versioned_table FORCE ROW LEVEL SECURITY;
CREATE POLICY versioned_table_read ON sv.versioned_table FOR SELECT USING (true);

CREATE TABLE sv.catalog_item (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code          text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  parent_id     bigint,                                      -- sub-item (子项) of a main item (主项); checked by a trigger
  department_id integer NOT NULL REFERENCES sv.department (id),  -- supervising department
  main_name     text NOT NULL CHECK (main_name <> ''),       -- 主项名称
  sub_name      text CHECK (sub_name <> ''),                 -- 子项名称
  method        text NOT NULL CHECK (method <> ''),          -- 监管方式
  measures      text NOT NULL CHECK (measures <> ''),        -- 监管措施
  objects       text NOT NULL CHECK (objects <> ''),         -- 监管对象
  legal_basis   jsonb NOT NULL CHECK (jsonb_typeof(legal_basis) = 'array'),  -- [{"law": …, "article": …}]
  process       text,                                        -- 监管流程
  result        text,                                        -- 监管结果
  level         text NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'county')),
  source        text NOT NULL CHECK (source IN ('national', 'provincial', 'city')),  -- 'city': 特有目录
  sys_period    tstzrange NOT NULL DEFAULT tstzrange(now(), NULL),
  CHECK ((parent_id IS NULL) = (sub_name IS NULL))
);
COMMENT ON TABLE sv.catalog_item IS
  'Supervision items (监管事项目录清单): main items and sub-items with the ten published elements; system-versioned';

CREATE TABLE sv.check_item (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code            text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  catalog_item_id bigint NOT NULL REFERENCES sv.catalog_item (id),
  level           text NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'county')),
  region_code     text NOT NULL REFERENCES sv.region (code),
  department_id   integer NOT NULL REFERENCES sv.department (id),   -- implementing department
  check_method    text NOT NULL CHECK (check_method IN ('on_site', 'off_site', 'documents')),
  content         text NOT NULL CHECK (content <> ''),               -- 检查内容
  kind            text NOT NULL CHECK (kind IN ('general', 'key')),   -- 'key': 重点检查事项, no ratio ceiling
  frequency       text,
  legal_basis     jsonb NOT NULL CHECK (jsonb_typeof(legal_basis) = 'array'),
  specialty       text CHECK (specialty ~ '^[a-z][a-z0-9_]{1,31}$'),   -- inspectors must hold it (e.g. special_equipment)
  sys_period      tstzrange NOT NULL DEFAULT tstzrange(now(), NULL)
);
COMMENT ON TABLE sv.check_item IS
  'Inspection implementation list (检查实施清单): how a level and region carries out an item; system-versioned';

-- A sub-item's main item must exist and be a main item, a sub-item has no sub-items of its own,
-- and a main item with sub-items cannot go.  A deferred constraint trigger rather than a
-- self-referencing foreign key: pg_dump warns about circular constraints on every dump of an
-- extension configuration table that has one, and a restore loads the rows in any order (the
-- check runs at commit, when they are all there).
CREATE FUNCTION sv._catalog_parent_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  cur sv.catalog_item;
  parent_parent bigint;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT * INTO cur FROM sv.catalog_item c WHERE c.id = NEW.id;
    IF FOUND AND cur.parent_id IS NOT NULL THEN
      IF cur.parent_id = cur.id THEN
        RAISE EXCEPTION 'item "%" cannot be its own main item', cur.code USING ERRCODE = 'invalid_parameter_value';
      END IF;
      SELECT c.parent_id INTO parent_parent FROM sv.catalog_item c WHERE c.id = cur.parent_id;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'main item % of sub-item "%" does not exist', cur.parent_id, cur.code
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      IF parent_parent IS NOT NULL THEN
        RAISE EXCEPTION 'item % is itself a sub-item: sub-items hang under main items only', cur.parent_id
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF EXISTS (SELECT 1 FROM sv.catalog_item c WHERE c.parent_id = cur.id) THEN
        RAISE EXCEPTION 'item "%" has sub-items and cannot become a sub-item itself', cur.code
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
    END IF;
  ELSE
    IF NOT EXISTS (SELECT 1 FROM sv.catalog_item c WHERE c.id = OLD.id)
       AND EXISTS (SELECT 1 FROM sv.catalog_item c WHERE c.parent_id = OLD.id) THEN
      RAISE EXCEPTION 'item "%" still has sub-items', OLD.code USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE CONSTRAINT TRIGGER catalog_item_parent_check AFTER INSERT OR UPDATE OR DELETE ON sv.catalog_item
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sv._catalog_parent_check();
CREATE INDEX catalog_item_parent_id_idx ON sv.catalog_item (parent_id);

-- History: the same columns, one row per version that stopped being current.
CREATE TABLE sv.catalog_item_history (LIKE sv.catalog_item);
CREATE INDEX catalog_item_history_id_idx ON sv.catalog_item_history (id, sys_period);
CREATE TABLE sv.check_item_history (LIKE sv.check_item);
CREATE INDEX check_item_history_id_idx ON sv.check_item_history (id, sys_period);
COMMENT ON TABLE sv.catalog_item_history IS 'Past versions of sv.catalog_item (sys_period: when each was current)';
COMMENT ON TABLE sv.check_item_history IS 'Past versions of sv.check_item (sys_period: when each was current)';

CREATE TRIGGER catalog_item_versioning BEFORE INSERT OR UPDATE OR DELETE ON sv.catalog_item
  FOR EACH ROW EXECUTE FUNCTION sv.versioning('sv.catalog_item_history');
CREATE TRIGGER check_item_versioning BEFORE INSERT OR UPDATE OR DELETE ON sv.check_item
  FOR EACH ROW EXECUTE FUNCTION sv.versioning('sv.check_item_history');
INSERT INTO sv.versioned_table VALUES
  ('sv', 'catalog_item', 'sv', 'catalog_item_history'),
  ('sv', 'check_item', 'sv', 'check_item_history');

DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['catalog_item', 'check_item', 'catalog_item_history', 'check_item_history'] LOOP
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I FORCE ROW LEVEL SECURITY', t);
    -- the catalogue is public information; the public portal will show published releases
    EXECUTE pg_catalog.format('CREATE POLICY %I ON sv.%I FOR SELECT USING (true)', t || '_read', t);
    EXECUTE pg_catalog.format('GRANT SELECT ON sv.%I TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration', t);
    EXECUTE pg_catalog.format('SELECT pg_catalog.pg_extension_config_dump(%L, %L)', 'sv.' || t, '');
  END LOOP;
END
$rls$;
SELECT pg_catalog.pg_extension_config_dump('sv.catalog_item_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sv.check_item_id_seq', '');
GRANT SELECT ON sv.versioned_table TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- The rows of a versioned table as they were at a moment: SELECT * FROM
-- sv.as_of(NULL::sv.catalog_item, '2026-11-01 09:00+08').  Runs as the caller, so privileges
-- and row-level security apply as to the table itself.
CREATE FUNCTION sv.as_of(rowtype anyelement, at timestamptz) RETURNS SETOF anyelement
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v record;
BEGIN
  IF at IS NULL THEN
    RAISE EXCEPTION 'at must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT vt.table_schema, vt.table_name, vt.history_schema, vt.history_name INTO v
  FROM pg_type t
  JOIN pg_class c ON c.oid = t.typrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN sv.versioned_table vt ON vt.table_schema = n.nspname AND vt.table_name = c.relname
  WHERE t.oid = pg_typeof(rowtype);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'rowtype: % is not a system-versioned table',
      (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname)
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = pg_typeof(rowtype))
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass NULL cast to the table''s row type, e.g. NULL::sv.catalog_item; versioned tables are listed in sv.versioned_table.';
  END IF;
  RETURN QUERY EXECUTE pg_catalog.format(
    'SELECT * FROM %I.%I WHERE sys_period @> $1 UNION ALL SELECT * FROM %I.%I WHERE sys_period @> $1',
    v.table_schema, v.table_name, v.history_schema, v.history_name) USING at;
END
$fn$;
COMMENT ON FUNCTION sv.as_of(anyelement, timestamptz) IS
  'The rows of a system-versioned table as they were at a moment (pass NULL::table)';
GRANT EXECUTE ON FUNCTION sv.as_of(anyelement, timestamptz) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 31_catalog_api: maintaining and publishing the catalogue (动态管理 / 统一对外发布).
--
-- Functions:  sv.catalog_item_save(...), sv.catalog_item_withdraw(code, reason),
--             sv.check_item_save(...)              (administrators; officers for their department)
--             sv.catalog_publish(label, note)       (administrators)
--             sv.catalog_diff(from_label, to_label) (everyone who reads the catalogue)
-- Tables:     sv.catalog_release, sv.catalog_release_item (immutable frozen copies)
-- Views:      sv_public.catalog_item, sv_public.check_item (the latest release)
-- A release is a copy, not a point in system time: a writer that started before the release
-- but committed after it would otherwise change what the release shows.
-- ---------------------------------------------------------------------------------------------

-- May the caller maintain this department's part of the catalogue?  Superusers and
-- administrators yes; officers for their own department only.
CREATE FUNCTION sv._require_department_scope(department_id integer) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
BEGIN
  IF sv._is_admin(me) THEN
    RETURN;
  END IF;
  IF sv.scope_department() IS DISTINCT FROM department_id THEN
    RAISE EXCEPTION 'department % is not the department of "%"', department_id, me
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Officers act for their own department only (its catalogue items, actions and draw plans); administrators for any.';
  END IF;
END
$fn$;

-- Validates a legal basis: a JSON array of {"law": text, "article": text}.
CREATE FUNCTION sv._require_legal_basis(legal_basis jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  e jsonb;
  i integer := 0;
BEGIN
  IF legal_basis IS NULL OR jsonb_typeof(legal_basis) <> 'array' THEN
    RAISE EXCEPTION 'legal_basis must be a JSON array of {"law": ..., "article": ...}'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR e IN SELECT x FROM jsonb_array_elements(legal_basis) x LOOP
    i := i + 1;
    IF jsonb_typeof(e) <> 'object' OR coalesce(btrim(e ->> 'law'), '') = '' THEN
      RAISE EXCEPTION 'legal_basis[%] must name the law ("law")', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
END
$fn$;

CREATE FUNCTION sv.catalog_item_save(code text, department_id integer, main_name text, method text,
                                     measures text, objects text, legal_basis jsonb, level text,
                                     source text, main_item text DEFAULT NULL, sub_name text DEFAULT NULL,
                                     process text DEFAULT NULL, result text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_parent bigint;
  v_id bigint;
  v_old sv.catalog_item;
  v_new sv.catalog_item;
BEGIN
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_department('department_id', department_id);
  PERFORM sv._require_text('main_name', main_name);
  PERFORM sv._require_text('method', method);
  PERFORM sv._require_text('measures', measures);
  PERFORM sv._require_text('objects', objects);
  PERFORM sv._require_legal_basis(legal_basis);
  PERFORM sv._require_one_of('level', level, ARRAY['national', 'provincial', 'city', 'county']);
  PERFORM sv._require_one_of('source', source, ARRAY['national', 'provincial', 'city']);
  IF (main_item IS NULL) <> (sub_name IS NULL) OR btrim(sub_name) = '' THEN
    RAISE EXCEPTION 'main_item and sub_name go together: a sub-item names its main item and its own name'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF main_item = code THEN
    RAISE EXCEPTION 'main_item: an item cannot be its own main item' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF main_item IS NOT NULL THEN
    IF EXISTS (SELECT 1 FROM sv.catalog_item c JOIN sv.catalog_item s ON s.parent_id = c.id
               WHERE c.code = catalog_item_save.code) THEN
      RAISE EXCEPTION 'main_item: "%" has sub-items and cannot become a sub-item itself', code
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT c.id INTO v_parent FROM sv.catalog_item c WHERE c.code = main_item AND c.parent_id IS NULL;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'main_item: "%" is not a main item of the catalogue', main_item
        USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;

  PERFORM sv._require_department_scope(department_id);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.catalog_item'), pg_catalog.hashtext(code));

  SELECT * INTO v_old FROM sv.catalog_item c WHERE c.code = catalog_item_save.code FOR UPDATE;
  IF FOUND THEN
    -- an item moves between departments only through an administrator
    PERFORM sv._require_department_scope(v_old.department_id);
    v_new := v_old;
    v_new.parent_id := v_parent;
    v_new.department_id := catalog_item_save.department_id;
    v_new.main_name := btrim(catalog_item_save.main_name);
    v_new.sub_name := btrim(catalog_item_save.sub_name);
    v_new.method := btrim(catalog_item_save.method);
    v_new.measures := btrim(catalog_item_save.measures);
    v_new.objects := btrim(catalog_item_save.objects);
    v_new.legal_basis := catalog_item_save.legal_basis;
    v_new.process := catalog_item_save.process;
    v_new.result := catalog_item_save.result;
    v_new.level := catalog_item_save.level;
    v_new.source := catalog_item_save.source;
    IF to_jsonb(v_new) = to_jsonb(v_old) THEN
      RETURN v_old.id;   -- nothing changed: no new version, no audit record
    END IF;
    UPDATE sv.catalog_item c
       SET parent_id = v_new.parent_id, department_id = v_new.department_id, main_name = v_new.main_name,
           sub_name = v_new.sub_name, method = v_new.method, measures = v_new.measures,
           objects = v_new.objects, legal_basis = v_new.legal_basis, process = v_new.process,
           result = v_new.result, level = v_new.level, source = v_new.source
     WHERE c.id = v_old.id
    RETURNING * INTO v_new;
  ELSE
    INSERT INTO sv.catalog_item (code, parent_id, department_id, main_name, sub_name, method, measures,
                                 objects, legal_basis, process, result, level, source)
    VALUES (code, v_parent, department_id, btrim(main_name), btrim(sub_name), btrim(method), btrim(measures),
            btrim(objects), legal_basis, process, result, level, source)
    RETURNING * INTO v_new;
  END IF;
  PERFORM sv.audit_append(v_new.department_id, 'catalog_item', v_new.code,
    CASE WHEN v_old.id IS NULL THEN 'add' ELSE 'change' END,
    to_jsonb(v_new) - 'sys_period' - 'id');
  RETURN v_new.id;
END
$fn$;
COMMENT ON FUNCTION sv.catalog_item_save(text, integer, text, text, text, text, jsonb, text, text, text, text, text, text) IS
  'Add or change a catalogue item by its code (administrators; officers for their own department)';

CREATE FUNCTION sv.catalog_item_withdraw(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v sv.catalog_item;
BEGIN
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

CREATE FUNCTION sv.check_item_withdraw(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v sv.check_item;
BEGIN
  PERFORM sv._require_reason(reason, 'the check item is withdrawn');
  SELECT * INTO v FROM sv.check_item k WHERE k.code = check_item_withdraw.code FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'code: check item % does not exist', coalesce(quote_literal(code), 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM sv._require_department_scope(v.department_id);
  DELETE FROM sv.check_item k WHERE k.id = v.id;   -- its versions stay in history
  PERFORM sv.audit_append(v.department_id, 'check_item', v.code, 'withdraw', jsonb_build_object('reason', btrim(reason)));
END
$fn$;

CREATE FUNCTION sv.check_item_save(code text, catalog_item text, level text, region_code text,
                                   department_id integer, check_method text, content text, kind text,
                                   legal_basis jsonb DEFAULT '[]', frequency text DEFAULT NULL,
                                   specialty text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_item bigint;
  v_old sv.check_item;
  v_new sv.check_item;
BEGIN
  PERFORM sv._require_code('code', code);
  SELECT c.id INTO v_item FROM sv.catalog_item c WHERE c.code = check_item_save.catalog_item;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'catalog_item: catalogue item % does not exist', coalesce(quote_literal(catalog_item), 'NULL')
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'No supervision outside the catalogue (监管事项之外无监管): add the item first.';
  END IF;
  PERFORM sv._require_one_of('level', level, ARRAY['national', 'provincial', 'city', 'county']);
  PERFORM sv._require_region('region_code', region_code);
  PERFORM sv._require_department('department_id', department_id);
  PERFORM sv._require_one_of('check_method', check_method, ARRAY['on_site', 'off_site', 'documents']);
  PERFORM sv._require_text('content', content);
  PERFORM sv._require_one_of('kind', kind, ARRAY['general', 'key']);
  PERFORM sv._require_legal_basis(legal_basis);
  IF specialty IS NOT NULL AND specialty !~ '^[a-z][a-z0-9_]{1,31}$' THEN
    RAISE EXCEPTION 'specialty must be a code of lower-case letters, digits and "_" (2-32 characters), not %',
      quote_literal(specialty) USING ERRCODE = 'invalid_parameter_value';
  END IF;

  PERFORM sv._require_department_scope(department_id);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.check_item'), pg_catalog.hashtext(code));
  SELECT * INTO v_old FROM sv.check_item k WHERE k.code = check_item_save.code FOR UPDATE;
  IF FOUND THEN
    PERFORM sv._require_department_scope(v_old.department_id);
    v_new := v_old;
    v_new.catalog_item_id := v_item;
    v_new.level := check_item_save.level;
    v_new.region_code := check_item_save.region_code;
    v_new.department_id := check_item_save.department_id;
    v_new.check_method := check_item_save.check_method;
    v_new.content := btrim(check_item_save.content);
    v_new.kind := check_item_save.kind;
    v_new.legal_basis := check_item_save.legal_basis;
    v_new.frequency := check_item_save.frequency;
    v_new.specialty := check_item_save.specialty;
    IF to_jsonb(v_new) = to_jsonb(v_old) THEN
      RETURN v_old.id;
    END IF;
    UPDATE sv.check_item k
       SET catalog_item_id = v_new.catalog_item_id, level = v_new.level, region_code = v_new.region_code,
           department_id = v_new.department_id, check_method = v_new.check_method, content = v_new.content,
           kind = v_new.kind, legal_basis = v_new.legal_basis, frequency = v_new.frequency,
           specialty = v_new.specialty
     WHERE k.id = v_old.id
    RETURNING * INTO v_new;
  ELSE
    INSERT INTO sv.check_item (code, catalog_item_id, level, region_code, department_id, check_method,
                               content, kind, legal_basis, frequency, specialty)
    VALUES (code, v_item, level, region_code, department_id, check_method, btrim(content), kind,
            legal_basis, frequency, specialty)
    RETURNING * INTO v_new;
  END IF;
  PERFORM sv.audit_append(v_new.department_id, 'check_item', v_new.code,
    CASE WHEN v_old.id IS NULL THEN 'add' ELSE 'change' END,
    to_jsonb(v_new) - 'sys_period' - 'id' || jsonb_build_object('catalog_item', catalog_item));
  RETURN v_new.id;
END
$fn$;
COMMENT ON FUNCTION sv.check_item_save(text, text, text, text, integer, text, text, text, jsonb, text, text) IS
  'Add or change a check item (检查实施清单) by its code (administrators; officers for their own department)';

-- Releases: frozen, immutable copies of the catalogue.
CREATE TABLE sv.catalog_release (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  label        text NOT NULL UNIQUE CHECK (label <> ''),
  note         text,
  published_at timestamptz NOT NULL,
  published_by text NOT NULL,
  items        integer NOT NULL,
  check_items  integer NOT NULL
);
COMMENT ON TABLE sv.catalog_release IS 'Published releases of the catalogue (统一对外发布), immutable';

CREATE TABLE sv.catalog_release_item (
  release_id bigint NOT NULL REFERENCES sv.catalog_release (id),
  kind       text NOT NULL CHECK (kind IN ('catalog_item', 'check_item')),
  code       text NOT NULL,
  item       jsonb NOT NULL,       -- the row as published (without id and sys_period)
  PRIMARY KEY (release_id, kind, code)
);
COMMENT ON TABLE sv.catalog_release_item IS 'The items and check items of each release, as published';

CREATE FUNCTION sv._refuse_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER catalog_release_immutable BEFORE UPDATE OR DELETE ON sv.catalog_release
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a published release is immutable');
CREATE TRIGGER catalog_release_item_immutable BEFORE UPDATE OR DELETE ON sv.catalog_release_item
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a published release is immutable');
CREATE TRIGGER catalog_release_no_truncate BEFORE TRUNCATE ON sv.catalog_release
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a published release is immutable');
CREATE TRIGGER catalog_release_item_no_truncate BEFORE TRUNCATE ON sv.catalog_release_item
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a published release is immutable');
CREATE TRIGGER catalog_item_history_no_truncate BEFORE TRUNCATE ON sv.catalog_item_history
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('history is append-only');
CREATE TRIGGER check_item_history_no_truncate BEFORE TRUNCATE ON sv.check_item_history
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('history is append-only');
CREATE TRIGGER catalog_item_history_immutable BEFORE UPDATE OR DELETE ON sv.catalog_item_history
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('history is append-only');
CREATE TRIGGER check_item_history_immutable BEFORE UPDATE OR DELETE ON sv.check_item_history
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('history is append-only');

ALTER TABLE sv.catalog_release ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.catalog_release FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.catalog_release_item ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.catalog_release_item FORCE ROW LEVEL SECURITY;
CREATE POLICY catalog_release_read ON sv.catalog_release FOR SELECT USING (true);
CREATE POLICY catalog_release_item_read ON sv.catalog_release_item FOR SELECT USING (true);
GRANT SELECT ON sv.catalog_release, sv.catalog_release_item TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.catalog_release', '');
SELECT pg_catalog.pg_extension_config_dump('sv.catalog_release_item', '');
SELECT pg_catalog.pg_extension_config_dump('sv.catalog_release_id_seq', '');

CREATE FUNCTION sv.catalog_publish(label text, note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_id bigint;
  v_items integer;
  v_checks integer;
BEGIN
  IF label IS NULL OR btrim(label) = '' THEN
    RAISE EXCEPTION 'label must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators publish the catalogue' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- one publisher at a time; the copy below reads one consistent snapshot of the catalogue
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.catalog_publish'), 0);
  IF EXISTS (SELECT 1 FROM sv.catalog_release r WHERE r.label = btrim(catalog_publish.label)) THEN
    RAISE EXCEPTION 'release "%" already exists', btrim(label) USING ERRCODE = 'unique_violation';
  END IF;

  -- one statement, so one snapshot: the counts and the copied rows agree
  WITH items AS (
    SELECT 'catalog_item'::text AS kind, c.code,
           to_jsonb(c) - 'id' - 'sys_period' - 'parent_id' || jsonb_build_object('main_item', p.code) AS item
    FROM sv.catalog_item c LEFT JOIN sv.catalog_item p ON p.id = c.parent_id
    UNION ALL
    SELECT 'check_item', k.code,
           to_jsonb(k) - 'id' - 'sys_period' - 'catalog_item_id' || jsonb_build_object('catalog_item', c.code)
    FROM sv.check_item k JOIN sv.catalog_item c ON c.id = k.catalog_item_id
  ), rel AS (
    INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
    SELECT btrim(catalog_publish.label), note, now(), me,
           count(*) FILTER (WHERE i.kind = 'catalog_item'), count(*) FILTER (WHERE i.kind = 'check_item')
    FROM items i
    RETURNING id, items, check_items
  ), copied AS (
    INSERT INTO sv.catalog_release_item (release_id, kind, code, item)
    SELECT rel.id, i.kind, i.code, i.item FROM rel, items i
  )
  SELECT rel.id, rel.items, rel.check_items INTO v_id, v_items, v_checks FROM rel;

  PERFORM sv.audit_append(NULL, 'catalog_release', btrim(label), 'publish',
    jsonb_build_object('release_id', v_id, 'note', note, 'items', v_items, 'check_items', v_checks));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.catalog_publish(text, text) IS
  'Administrators: freeze the current catalogue as an immutable, labelled release';

-- Differences between two releases, or between a release and the current catalogue (to_label
-- NULL): one row per item added, removed or changed, with both versions.
CREATE FUNCTION sv.catalog_diff(from_label text, to_label text DEFAULT NULL)
RETURNS TABLE (kind text, code text, change text, before jsonb, after jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_from bigint;
  v_to bigint;
BEGIN
  SELECT r.id INTO v_from FROM sv.catalog_release r WHERE r.label = from_label;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'from_label: release % does not exist', coalesce(quote_literal(from_label), 'NULL')
      USING ERRCODE = 'no_data_found';
  END IF;
  IF to_label IS NOT NULL THEN
    SELECT r.id INTO v_to FROM sv.catalog_release r WHERE r.label = to_label;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'to_label: release % does not exist', quote_literal(to_label) USING ERRCODE = 'no_data_found';
    END IF;
  END IF;
  RETURN QUERY
  WITH a AS (
    SELECT i.kind, i.code, i.item FROM sv.catalog_release_item i WHERE i.release_id = v_from
  ), b AS (
    SELECT i.kind, i.code, i.item FROM sv.catalog_release_item i WHERE v_to IS NOT NULL AND i.release_id = v_to
    UNION ALL
    SELECT 'catalog_item', c.code, to_jsonb(c) - 'id' - 'sys_period' - 'parent_id' || jsonb_build_object('main_item', p.code)
    FROM sv.catalog_item c LEFT JOIN sv.catalog_item p ON p.id = c.parent_id WHERE v_to IS NULL
    UNION ALL
    SELECT 'check_item', k.code, to_jsonb(k) - 'id' - 'sys_period' - 'catalog_item_id' || jsonb_build_object('catalog_item', c.code)
    FROM sv.check_item k JOIN sv.catalog_item c ON c.id = k.catalog_item_id WHERE v_to IS NULL
  )
  SELECT coalesce(a.kind, b.kind), coalesce(a.code, b.code),
         CASE WHEN a.code IS NULL THEN 'added' WHEN b.code IS NULL THEN 'removed' ELSE 'changed' END,
         a.item, b.item
  FROM a FULL JOIN b ON a.kind = b.kind AND a.code = b.code
  WHERE a.item IS DISTINCT FROM b.item
  ORDER BY 1, 2;
END
$fn$;
COMMENT ON FUNCTION sv.catalog_diff(text, text) IS
  'Items added, removed and changed between two releases (or a release and the current catalogue)';

-- The service portal shows the latest release.
CREATE VIEW sv_public.catalog_item AS
  SELECT r.label AS release, r.published_at, i.code, i.item ->> 'main_item' AS main_item,
         i.item ->> 'main_name' AS main_name, i.item ->> 'sub_name' AS sub_name,
         d.code AS department_code, d.name_zh AS department_name,
         i.item ->> 'method' AS method, i.item ->> 'measures' AS measures, i.item ->> 'objects' AS objects,
         i.item -> 'legal_basis' AS legal_basis, i.item ->> 'process' AS process, i.item ->> 'result' AS result,
         i.item ->> 'level' AS level, i.item ->> 'source' AS source
  FROM sv.catalog_release_item i
  JOIN sv.catalog_release r ON r.id = i.release_id
  LEFT JOIN sv.department d ON d.id = (i.item ->> 'department_id')::integer
  WHERE i.kind = 'catalog_item' AND i.release_id = (SELECT r2.id FROM sv.catalog_release r2 ORDER BY r2.published_at DESC, r2.id DESC LIMIT 1);
COMMENT ON VIEW sv_public.catalog_item IS 'Supervision items of the latest published release (监管事项目录清单)';
CREATE VIEW sv_public.check_item AS
  SELECT r.label AS release, i.code, i.item ->> 'catalog_item' AS catalog_item,
         i.item ->> 'level' AS level, i.item ->> 'region_code' AS region_code,
         d.code AS department_code, d.name_zh AS department_name,
         i.item ->> 'check_method' AS check_method, i.item ->> 'content' AS content,
         i.item ->> 'kind' AS kind, i.item ->> 'frequency' AS frequency, i.item -> 'legal_basis' AS legal_basis,
         i.item ->> 'specialty' AS specialty
  FROM sv.catalog_release_item i
  JOIN sv.catalog_release r ON r.id = i.release_id
  LEFT JOIN sv.department d ON d.id = (i.item ->> 'department_id')::integer
  WHERE i.kind = 'check_item' AND i.release_id = (SELECT r2.id FROM sv.catalog_release r2 ORDER BY r2.published_at DESC, r2.id DESC LIMIT 1);
COMMENT ON VIEW sv_public.check_item IS 'Check items of the latest published release (检查实施清单)';

GRANT SELECT ON sv_public.catalog_item, sv_public.check_item
  TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.catalog_item_save(text, integer, text, text, text, text, jsonb, text, text, text, text, text, text),
                          sv.catalog_item_withdraw(text, text),
                          sv.check_item_withdraw(text, text),
                          sv.check_item_save(text, text, text, text, integer, text, text, text, jsonb, text, text)
  TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.catalog_publish(text, text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.catalog_diff(text, text) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 32_catalog_powers: the power and responsibility list (权责清单), who supervises what, and
-- claiming (认领) of national and provincial items by the departments that implement them.
--
-- Tables:     sv.power_item (system-versioned), sv.catalog_claim
-- Functions:  sv.power_item_save(...), sv.supervising_department(power_code)
--             sv.catalog_claim(code), sv.catalog_unclaim(code, reason)
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

CREATE FUNCTION sv.power_item_save(code text, name text, kind text, competent_department_id integer,
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
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('name', name);
  PERFORM sv._require_one_of('kind', kind, ARRAY['licensing', 'penalty', 'coercion', 'inspection', 'other']);
  PERFORM sv._require_department('competent_department_id', competent_department_id);
  IF approving_department_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sv.department d WHERE d.id = power_item_save.approving_department_id) THEN
    RAISE EXCEPTION 'approving_department_id: department % does not exist', approving_department_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF kind = 'licensing' AND approving_department_id IS NULL THEN
    RAISE EXCEPTION 'approving_department_id is required for a licensing item' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF centralised IS NULL THEN
    RAISE EXCEPTION 'centralised must not be null' USING ERRCODE = 'null_value_not_allowed';
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
CREATE FUNCTION sv.supervising_department(power_code text) RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p sv.power_item;
BEGIN
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

CREATE FUNCTION sv.catalog_claim(code text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v sv.catalog_item;
  v_dept integer := sv.scope_department();
BEGIN
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

CREATE FUNCTION sv.catalog_unclaim(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_dept integer := sv.scope_department();
  v_item bigint;
BEGIN
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

GRANT SELECT ON sv_bi.catalog_claim_rate TO sv_bi, sv_auditor, sv_admin;
GRANT EXECUTE ON FUNCTION sv.power_item_save(text, text, text, integer, jsonb, integer, boolean, text),
                          sv.catalog_claim(text), sv.catalog_unclaim(text, text) TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.supervising_department(text) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 40_subject: market subjects (市场主体) of the supervision data centre (监管数据中心).
--
-- Table:      sv.subject, keyed by the unified social credit code (sv.uscc): subject-keyed,
--             so no triggers and the code in every key (scale-out contract)
--             sv.subject_staging: the COPY target of bulk ingest (all text; rows per loader)
-- Functions:  sv._subject_merge(source, rows)  the one set of rules: validates a batch in one
--                                              statement and merges the good records
--             sv.subject_save(...)   (administrators and integration: department systems), a
--                                    batch of one that raises instead of rejecting
-- Views:      sv_work.subject (officials: subjects in their region scope),
--             sv_public.subject (published fields, legal representative masked)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.subject (
  uscc             sv.uscc PRIMARY KEY,
  name             text NOT NULL CHECK (name <> ''),
  kind             text NOT NULL CHECK (kind IN ('enterprise', 'individual_business', 'farmers_cooperative', 'other')),
  industry         text CHECK (industry ~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$'),   -- GB/T 4754 code
  region_code      text NOT NULL REFERENCES sv.region (code),   -- where it is now (may differ from the code's)
  address          text,
  location         geometry(Point, 4326),
  status           text NOT NULL CHECK (status IN ('operating', 'suspended', 'revoked', 'deregistered')),
  legal_rep        text,                                        -- masked in public views
  established_on   date,
  deregistered_on  date,
  source_system    text NOT NULL CHECK (source_system <> ''),   -- lineage: where the record came from
  source_record_id text NOT NULL CHECK (source_record_id <> ''),
  received_at      timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CHECK (deregistered_on IS NULL OR established_on IS NULL OR deregistered_on >= established_on)
);
CREATE INDEX subject_region_code_idx ON sv.subject (region_code);
-- a source's record names one subject (ingest is idempotent by source and record id)
CREATE UNIQUE INDEX subject_source_record_idx ON sv.subject (source_system, source_record_id);
CREATE INDEX subject_location_idx ON sv.subject USING gist (location);
COMMENT ON TABLE sv.subject IS 'Market subjects (市场主体): enterprises, individual businesses, cooperatives, others';
COMMENT ON COLUMN sv.subject.region_code IS 'current region; the code''s own region (positions 3-8) is where it registered';

ALTER TABLE sv.subject ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.subject FORCE ROW LEVEL SECURITY;
-- officials see the subjects in their region scope; the supervision office, administrators and
-- the integration role all
CREATE POLICY subject_scope ON sv.subject FOR SELECT TO sv_officer
  USING (region_code = ANY (sv.scope_regions()));
CREATE POLICY subject_all ON sv.subject FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true);
GRANT SELECT ON sv.subject TO sv_officer, sv_admin, sv_auditor, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.subject', '');

-- The kind a code's authority and category imply (GB 32100-2015: 91 enterprise, 92 individual
-- business, 93 farmers' cooperative).
-- No SET search_path (every name is qualified): a SET clause would stop the planner inlining
-- it, and bulk ingest calls it once per record.
CREATE FUNCTION sv.subject_kind_of(code sv.uscc) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
  SELECT CASE sv.uscc_authority(code) || sv.uscc_category(code)
           WHEN '91' THEN 'enterprise' WHEN '92' THEN 'individual_business'
           WHEN '93' THEN 'farmers_cooperative' ELSE 'other' END
$fn$;

-- The COPY target of bulk ingest (sv.ingest_staged): every field as text, so that a malformed
-- value becomes a reject reason instead of failing the COPY.  A loader sees and consumes only
-- its own rows; sv.ingest turns its JSON records into the same row type.
CREATE TABLE sv.subject_staging (
  loaded_by        text NOT NULL DEFAULT current_user,
  line             bigint GENERATED BY DEFAULT AS IDENTITY,
  source_record_id text,
  uscc             text,
  name             text,
  region_code      text,
  industry         text,
  address          text,
  longitude        text,
  latitude         text,
  legal_rep        text,
  status           text,
  established_on   text,
  deregistered_on  text
);
CREATE INDEX subject_staging_loaded_by_idx ON sv.subject_staging (loaded_by, line);
COMMENT ON TABLE sv.subject_staging IS
  'Bulk ingest of subjects: COPY rows here, then call sv.ingest_staged(source, ''subject'')';

-- Validates a batch of subject records and merges the good ones, in one statement (so a batch
-- of 100,000 costs a few scans, not 100,000 function calls).  The checks, their order and their
-- messages are those sv.subject_save raises: a record is rejected for exactly the reason a
-- single save of it would fail.  Within a batch the last record of a code (or of a source
-- record id) wins and the earlier ones are rejected as superseded.  Concurrent batches are safe:
-- INSERT ... ON CONFLICT decides per row, after waiting for a competing writer of the same code.
-- Returns one row per input record, in no particular order: inserted, updated, unchanged or
-- rejected (with SQLSTATE, message and detail).  Internal: callers check permissions and write the audit record.
CREATE FUNCTION sv._subject_merge(batch_source text, batch sv.subject_staging[])
RETURNS TABLE (line bigint, key text, outcome text, errcode text, message text, detail text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
WITH input AS (
  SELECT r.line, btrim(r.source_record_id) AS rec, r.uscc AS raw_uscc, btrim(r.name) AS name,
         btrim(r.region_code) AS region_code, nullif(btrim(r.industry), '') AS industry,
         nullif(btrim(r.address), '') AS address, nullif(btrim(r.longitude), '') AS lon_t,
         nullif(btrim(r.latitude), '') AS lat_t, nullif(btrim(r.legal_rep), '') AS legal_rep,
         coalesce(nullif(btrim(r.status), ''), 'operating') AS status,
         nullif(btrim(r.established_on), '') AS est_t, nullif(btrim(r.deregistered_on), '') AS dereg_t,
         sv.uscc_check(r.uscc) AS uscc_problem
  FROM unnest(batch) r
), parsed AS MATERIALIZED (   -- each expression once per record (not once per use)
  SELECT i.*, sv._parse_date(i.est_t) AS est, sv._parse_date(i.dereg_t) AS dereg,
         CASE WHEN i.lon_t ~ '^[-+]?[0-9]{1,3}(\.[0-9]{1,15})?$' THEN i.lon_t::float8 END AS lon,
         CASE WHEN i.lat_t ~ '^[-+]?[0-9]{1,3}(\.[0-9]{1,15})?$' THEN i.lat_t::float8 END AS lat,
         EXISTS (SELECT 1 FROM sv.region g WHERE g.code = i.region_code) AS region_ok
  FROM input i
), checked AS MATERIALIZED (
  SELECT p.*,
    CASE
      WHEN p.raw_uscc IS NULL THEN ARRAY['22004', 'uscc must not be null', NULL]
      WHEN p.uscc_problem IS NOT NULL
        THEN ARRAY['22P02', format('uscc: invalid unified social credit code "%s"', p.raw_uscc), p.uscc_problem]
      WHEN coalesce(p.name, '') = '' THEN ARRAY['22023', 'name must not be empty', NULL]
      WHEN NOT p.region_ok
        THEN ARRAY['23503', format('region_code: region %s does not exist', coalesce(quote_literal(p.region_code), 'NULL')), NULL]
      WHEN coalesce(p.rec, '') = '' THEN ARRAY['22023', 'source_record_id must not be empty', NULL]
      WHEN p.industry !~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$'
        THEN ARRAY['22023', format('industry must be a GB/T 4754 code (a section letter A-T, optionally followed by 2 to 4 digits), not %s', quote_literal(p.industry)), NULL]
      WHEN p.lon_t IS NOT NULL AND p.lon IS NULL
        THEN ARRAY['22023', format('longitude must be a number of degrees, not %s', quote_literal(p.lon_t)), NULL]
      WHEN p.lat_t IS NOT NULL AND p.lat IS NULL
        THEN ARRAY['22023', format('latitude must be a number of degrees, not %s', quote_literal(p.lat_t)), NULL]
      WHEN (p.lon IS NULL) <> (p.lat IS NULL) THEN ARRAY['22023', 'longitude and latitude go together', NULL]
      WHEN p.lon NOT BETWEEN 73 AND 136 OR p.lat NOT BETWEEN 3 AND 54
        THEN ARRAY['22023', format('longitude %s / latitude %s lie outside China (WGS 84 degrees expected)', p.lon, p.lat), NULL]
      WHEN p.status NOT IN ('operating', 'suspended', 'revoked', 'deregistered')
        THEN ARRAY['22023', format('status must be operating, suspended, revoked or deregistered, not %s', quote_literal(p.status)), NULL]
      WHEN p.est_t IS NOT NULL AND p.est IS NULL
        THEN ARRAY['22007', format('established_on must be a date written YYYY-MM-DD (1900-2999), not %s', quote_literal(p.est_t)), NULL]
      WHEN p.dereg_t IS NOT NULL AND p.dereg IS NULL
        THEN ARRAY['22007', format('deregistered_on must be a date written YYYY-MM-DD (1900-2999), not %s', quote_literal(p.dereg_t)), NULL]
      WHEN p.dereg < p.est
        THEN ARRAY['22023', format('deregistered_on (%s) must not be before established_on (%s)', p.dereg, p.est), NULL]
      WHEN (p.status = 'deregistered') <> (p.dereg IS NOT NULL)
        THEN ARRAY['22023', 'deregistered_on is given exactly when status is deregistered', NULL]
    END AS problem
  FROM parsed p
), keyed AS (
  SELECT c.*, CASE WHEN c.problem IS NULL THEN c.raw_uscc::sv.uscc END AS code FROM checked c
), owned AS MATERIALIZED (
  -- a source's record id names one subject: a record that would rename it is refused (before
  -- duplicates are ranked, so that it does not supersede a good record)
  SELECT k.line, k.rec, k.raw_uscc, k.name, k.region_code, k.industry, k.address, k.lon, k.lat, k.legal_rep,
         k.status, k.est, k.dereg, k.code,
         coalesce(k.problem, CASE WHEN o.uscc IS NOT NULL THEN
           ARRAY['23505', format('source_record_id %s of source %s already names subject %s', quote_literal(k.rec), quote_literal(batch_source), o.uscc), NULL] END) AS problem
  FROM keyed k
  LEFT JOIN sv.subject o ON k.problem IS NULL AND o.source_system = batch_source AND o.source_record_id = k.rec
                        AND o.uscc <> k.code
), dup_code AS (
  -- codes (and below, record ids) that occur more than once among the good records: usually
  -- none, so this is a hash aggregate over two narrow columns rather than a sort of the batch
  SELECT k.code, max(k.line) AS last_line FROM owned k WHERE k.problem IS NULL
  GROUP BY k.code HAVING count(*) > 1
), dup_rec AS (
  SELECT k.rec, max(k.line) AS last_line FROM owned k WHERE k.problem IS NULL
  GROUP BY k.rec HAVING count(*) > 1
), final AS (
  SELECT r.*,
    CASE
      WHEN r.problem IS NOT NULL THEN r.problem
      WHEN r.line <> dc.last_line
        THEN ARRAY['22023', format('superseded by record %s of the same batch (same uscc)', dc.last_line), NULL]
      WHEN r.line <> dr.last_line
        THEN ARRAY['22023', format('superseded by record %s of the same batch (same source_record_id)', dr.last_line), NULL]
    END AS verdict
  FROM owned r
  LEFT JOIN dup_code dc ON r.problem IS NULL AND dc.code = r.code
  LEFT JOIN dup_rec dr ON r.problem IS NULL AND dr.rec = r.rec
), merged AS (
  INSERT INTO sv.subject AS s (uscc, name, kind, industry, region_code, address, location, status, legal_rep,
                               established_on, deregistered_on, source_system, source_record_id, received_at, updated_at)
  SELECT f.code, f.name, sv.subject_kind_of(f.code), f.industry, f.region_code, f.address,
         CASE WHEN f.lon IS NOT NULL THEN public.ST_SetSRID(public.ST_MakePoint(f.lon, f.lat), 4326) END,
         f.status, f.legal_rep, f.est, f.dereg, batch_source, f.rec, now(), now()
  FROM final f WHERE f.verdict IS NULL
  ON CONFLICT (uscc) DO UPDATE
    SET name = excluded.name, kind = excluded.kind, industry = excluded.industry,
        region_code = excluded.region_code, address = excluded.address, location = excluded.location,
        status = excluded.status, legal_rep = excluded.legal_rep, established_on = excluded.established_on,
        deregistered_on = excluded.deregistered_on, source_system = excluded.source_system,
        source_record_id = excluded.source_record_id, updated_at = excluded.updated_at
    WHERE (s.name, s.industry, s.region_code, s.address, public.ST_AsEWKB(s.location), s.status, s.legal_rep,
           s.established_on, s.deregistered_on, s.source_system, s.source_record_id)
          IS DISTINCT FROM
          (excluded.name, excluded.industry, excluded.region_code, excluded.address, public.ST_AsEWKB(excluded.location),
           excluded.status, excluded.legal_rep, excluded.established_on, excluded.deregistered_on,
           excluded.source_system, excluded.source_record_id)
  RETURNING s.uscc, (s.xmax = 0) AS inserted
)
SELECT f.line, coalesce(f.code::text, f.raw_uscc),
       CASE WHEN f.verdict IS NOT NULL THEN 'rejected' WHEN m.uscc IS NULL THEN 'unchanged'
            WHEN m.inserted THEN 'inserted' ELSE 'updated' END,
       f.verdict[1], f.verdict[2], f.verdict[3]
FROM final f LEFT JOIN merged m ON f.verdict IS NULL AND m.uscc = f.code
$fn$;

-- Raises the reject of a batch of one as an error (the write functions built on a merge core).
CREATE FUNCTION sv._raise_reject(errcode text, message text, detail text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF detail IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = errcode, MESSAGE = message;
  END IF;
  RAISE EXCEPTION USING ERRCODE = errcode, MESSAGE = message, DETAIL = detail;
END
$fn$;

CREATE FUNCTION sv.subject_save(uscc text, name text, region_code text, source_system text,
                                source_record_id text, industry text DEFAULT NULL,
                                address text DEFAULT NULL, longitude float8 DEFAULT NULL,
                                latitude float8 DEFAULT NULL, legal_rep text DEFAULT NULL,
                                status text DEFAULT 'operating', established_on date DEFAULT NULL,
                                deregistered_on date DEFAULT NULL)
RETURNS sv.uscc
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  r record;
BEGIN
  PERFORM sv._require_text('source_system', source_system);
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not write subjects', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- a batch of one through the same rules as sv.ingest
  SELECT * INTO r FROM sv._subject_merge(btrim(source_system), ARRAY[ROW(
    me, 1, source_record_id, uscc, name, region_code, industry, address, longitude::text, latitude::text,
    legal_rep, status, to_char(established_on, 'YYYY-MM-DD'),
    to_char(deregistered_on, 'YYYY-MM-DD'))::sv.subject_staging]);
  IF r.outcome = 'rejected' THEN
    PERFORM sv._raise_reject(r.errcode, r.message, r.detail);
  END IF;
  IF r.outcome <> 'unchanged' THEN
    -- the legal representative's name masked as in public: the audit chain is append-only and
    -- cannot forget a person's name (个人信息保护法 §47), the subject row can
    PERFORM sv.audit_append(NULL, 'subject', r.key, CASE r.outcome WHEN 'inserted' THEN 'add' ELSE 'change' END,
      (SELECT to_jsonb(s) - 'received_at' - 'updated_at' - 'location'
              || jsonb_build_object('longitude', public.ST_X(s.location), 'latitude', public.ST_Y(s.location),
                                    'legal_rep', sv.mask_person_name(s.legal_rep))
       FROM sv.subject s WHERE s.uscc = r.key::sv.uscc));
  END IF;
  RETURN r.key::sv.uscc;
END
$fn$;
COMMENT ON FUNCTION sv.subject_save(text, text, text, text, text, text, text, float8, float8, text, text, date, date) IS
  'Add or change a market subject by its unified social credit code (administrators, integration)';

-- Masks a person's name for publication: the family name stays, the rest becomes *.
CREATE FUNCTION sv.mask_person_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT left(name, 1) || repeat('*', greatest(char_length(name) - 1, 1)) $fn$;

CREATE VIEW sv_work.subject WITH (security_invoker = true) AS
  SELECT s.uscc, s.name, s.kind, s.industry, s.region_code, r.name_zh AS region_name, s.address,
         public.ST_X(s.location) AS longitude, public.ST_Y(s.location) AS latitude, s.status,
         s.legal_rep, s.established_on, s.deregistered_on, s.source_system, s.source_record_id,
         s.received_at, s.updated_at
  FROM sv.subject s JOIN sv.region r ON r.code = s.region_code;
COMMENT ON VIEW sv_work.subject IS 'Market subjects in the caller''s region scope';

CREATE VIEW sv_public.subject AS
  SELECT s.uscc::text AS uscc, s.name, s.kind, r.name_zh AS region_name, s.address, s.status,
         sv.mask_person_name(s.legal_rep) AS legal_rep, s.established_on
  FROM sv.subject s JOIN sv.region r ON r.code = s.region_code;
COMMENT ON VIEW sv_public.subject IS 'Market subjects as the service portal publishes them (legal representative masked)';

GRANT SELECT ON sv_work.subject TO sv_officer, sv_admin, sv_auditor;
GRANT SELECT ON sv_public.subject TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.subject_save(text, text, text, text, text, text, text, float8, float8, text, text, date, date)
  TO sv_admin, sv_integration;
GRANT EXECUTE ON FUNCTION sv.subject_kind_of(sv.uscc), sv.mask_person_name(text)
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 41_inspector: law-enforcement inspectors (执法人员) of the data centre.
--
-- Table:      sv.inspector, keyed by the enforcement certificate number (执法证号)
--             sv.inspector_staging: the COPY target of bulk ingest
-- Functions:  sv._inspector_merge(source, rows)  the rules, set-based (shared with sv.ingest)
--             sv.inspector_save(...)             (administrators, integration)
-- Views:      sv_work.inspector (officials: their department's inspectors in their regions)
-- Inspectors are not published: the portal shows results, not who carried them out.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.inspector (
  certificate_no   text PRIMARY KEY CHECK (certificate_no ~ '^[一-龥]?[0-9A-Z][0-9A-Z-]{3,31}$'),
  name             text NOT NULL CHECK (name <> ''),
  department_id    integer NOT NULL REFERENCES sv.department (id),
  region_code      text NOT NULL REFERENCES sv.region (code),   -- where the inspector works
  specialties      text[] NOT NULL DEFAULT '{}',                -- e.g. {food, special_equipment}
  valid_from       date NOT NULL,                               -- certificate validity
  valid_until      date NOT NULL,
  status           text NOT NULL CHECK (status IN ('active', 'suspended', 'revoked', 'retired')),
  source_system    text NOT NULL CHECK (source_system <> ''),
  source_record_id text NOT NULL CHECK (source_record_id <> ''),
  received_at      timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CHECK (valid_until >= valid_from)
);
CREATE UNIQUE INDEX inspector_source_record_idx ON sv.inspector (source_system, source_record_id);
CREATE INDEX inspector_department_idx ON sv.inspector (department_id, region_code);
COMMENT ON TABLE sv.inspector IS 'Law-enforcement inspectors (执法人员) with their enforcement certificates';
COMMENT ON COLUMN sv.inspector.certificate_no IS '执法证号: upper case; an optional leading province character (豫)';

ALTER TABLE sv.inspector ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.inspector FORCE ROW LEVEL SECURITY;
CREATE POLICY inspector_scope ON sv.inspector FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department() AND region_code = ANY (sv.scope_regions()));
CREATE POLICY inspector_all ON sv.inspector FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true);
GRANT SELECT ON sv.inspector TO sv_officer, sv_admin, sv_auditor, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.inspector', '');

CREATE TABLE sv.inspector_staging (
  loaded_by        text NOT NULL DEFAULT current_user,
  line             bigint GENERATED BY DEFAULT AS IDENTITY,
  source_record_id text,
  certificate_no   text,
  name             text,
  department       text,        -- the department's code (410400-MSA) or id
  region_code      text,
  specialties      text,        -- "food,drugs", {food,drugs} or ["food","drugs"]
  valid_from       text,
  valid_until      text,
  status           text
);
CREATE INDEX inspector_staging_loaded_by_idx ON sv.inspector_staging (loaded_by, line);
COMMENT ON TABLE sv.inspector_staging IS
  'Bulk ingest of inspectors: COPY rows here, then call sv.ingest_staged(source, ''inspector'')';

-- (No SET search_path on these two helpers: every name is qualified, and a SET clause would
-- stop the planner inlining them into the set-based merges.)
-- A department named by its code or its id (feeds know the code; the write API takes the id).
CREATE FUNCTION sv._department_id(department text) RETURNS integer
LANGUAGE sql STABLE
AS $fn$
  SELECT d.id FROM sv.department d
  WHERE d.code = btrim(department) OR d.id::text = btrim(department)
$fn$;

-- A list of short codes written as "a,b", "a、b", {a,b} or a JSON array ["a","b"]: sorted, distinct.
CREATE FUNCTION sv._code_list(list text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
  SELECT coalesce(array_agg(DISTINCT e ORDER BY e), '{}')
  FROM unnest(string_to_array(regexp_replace(list, '[][{}"]', '', 'g'), ',')) AS x,
       LATERAL pg_catalog.btrim(x) AS e      -- blanks around an element go; blanks inside stay (and fail)
  WHERE e <> ''
$fn$;

-- The rules for inspectors, set-based; see sv._subject_merge for the contract.
CREATE FUNCTION sv._inspector_merge(batch_source text, batch sv.inspector_staging[])
RETURNS TABLE (line bigint, key text, outcome text, errcode text, message text, detail text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
WITH input AS (
  SELECT r.line, btrim(r.source_record_id) AS rec, upper(btrim(r.certificate_no)) AS cert,
         btrim(r.name) AS name, r.department AS dept_t, sv._department_id(r.department) AS dept,
         btrim(r.region_code) AS region_code,
         sv._code_list(replace(r.specialties, '、', ',')) AS specialties,
         nullif(btrim(r.valid_from), '') AS from_t, nullif(btrim(r.valid_until), '') AS until_t,
         coalesce(nullif(btrim(r.status), ''), 'active') AS status
  FROM unnest(batch) r
), parsed AS MATERIALIZED (
  SELECT i.*, sv._parse_date(i.from_t) AS valid_from, sv._parse_date(i.until_t) AS valid_until,
         EXISTS (SELECT 1 FROM sv.region g WHERE g.code = i.region_code) AS region_ok,
         (SELECT string_agg(quote_literal(e), ', ') FROM unnest(i.specialties) e
          WHERE e !~ '^[a-z][a-z0-9_]{1,31}$') AS bad_specialties
  FROM input i
), checked AS MATERIALIZED (
  SELECT p.*,
    CASE
      WHEN coalesce(p.cert, '') = '' THEN ARRAY['22004', 'certificate_no must not be empty', NULL]
      WHEN p.cert !~ '^[一-龥]?[0-9A-Z][0-9A-Z-]{3,31}$'
        THEN ARRAY['22023', format('certificate_no must be 4-32 letters, digits or "-" (optionally after a province character such as 豫), not %s', quote_literal(p.cert)), NULL]
      WHEN coalesce(p.name, '') = '' THEN ARRAY['22023', 'name must not be empty', NULL]
      WHEN p.dept IS NULL
        THEN ARRAY['23503', format('department: department %s does not exist', coalesce(quote_literal(btrim(p.dept_t)), 'NULL')), NULL]
      WHEN NOT p.region_ok
        THEN ARRAY['23503', format('region_code: region %s does not exist', coalesce(quote_literal(p.region_code), 'NULL')), NULL]
      WHEN coalesce(p.rec, '') = '' THEN ARRAY['22023', 'source_record_id must not be empty', NULL]
      WHEN p.bad_specialties IS NOT NULL
        THEN ARRAY['22023', format('specialties must be codes of lower-case letters, digits and "_" (2-32 characters), not %s', p.bad_specialties), NULL]
      WHEN p.valid_from IS NULL
        THEN ARRAY['22007', format('valid_from must be a date written YYYY-MM-DD (1900-2999), not %s', coalesce(quote_literal(p.from_t), 'NULL')), NULL]
      WHEN p.valid_until IS NULL
        THEN ARRAY['22007', format('valid_until must be a date written YYYY-MM-DD (1900-2999), not %s', coalesce(quote_literal(p.until_t), 'NULL')), NULL]
      WHEN p.valid_until < p.valid_from
        THEN ARRAY['22023', format('valid_until (%s) must not be before valid_from (%s)', p.valid_until, p.valid_from), NULL]
      WHEN p.status NOT IN ('active', 'suspended', 'revoked', 'retired')
        THEN ARRAY['22023', format('status must be active, suspended, revoked or retired, not %s', quote_literal(p.status)), NULL]
    END AS problem
  FROM parsed p
), owned AS MATERIALIZED (
  -- a source's record id names one inspector (checked before duplicates are ranked)
  SELECT c.line, c.rec, c.cert, c.name, c.dept, c.region_code, c.specialties, c.valid_from, c.valid_until, c.status,
         coalesce(c.problem, CASE WHEN o.certificate_no IS NOT NULL THEN
           ARRAY['23505', format('source_record_id %s of source %s already names inspector %s', quote_literal(c.rec), quote_literal(batch_source), o.certificate_no), NULL] END) AS problem
  FROM checked c
  LEFT JOIN sv.inspector o ON c.problem IS NULL AND o.source_system = batch_source
                          AND o.source_record_id = c.rec AND o.certificate_no <> c.cert
), dup_key AS (   -- see sv._subject_merge
  SELECT c.cert, max(c.line) AS last_line FROM owned c WHERE c.problem IS NULL
  GROUP BY c.cert HAVING count(*) > 1
), dup_rec AS (
  SELECT c.rec, max(c.line) AS last_line FROM owned c WHERE c.problem IS NULL
  GROUP BY c.rec HAVING count(*) > 1
), final AS (
  SELECT r.*,
    CASE
      WHEN r.problem IS NOT NULL THEN r.problem
      WHEN r.line <> dk.last_line
        THEN ARRAY['22023', format('superseded by record %s of the same batch (same certificate_no)', dk.last_line), NULL]
      WHEN r.line <> dr.last_line
        THEN ARRAY['22023', format('superseded by record %s of the same batch (same source_record_id)', dr.last_line), NULL]
    END AS verdict
  FROM owned r
  LEFT JOIN dup_key dk ON r.problem IS NULL AND dk.cert = r.cert
  LEFT JOIN dup_rec dr ON r.problem IS NULL AND dr.rec = r.rec
), merged AS (
  INSERT INTO sv.inspector AS s (certificate_no, name, department_id, region_code, specialties, valid_from,
                                 valid_until, status, source_system, source_record_id, received_at, updated_at)
  SELECT f.cert, f.name, f.dept, f.region_code, f.specialties, f.valid_from, f.valid_until, f.status,
         batch_source, f.rec, now(), now()
  FROM final f WHERE f.verdict IS NULL
  ON CONFLICT (certificate_no) DO UPDATE
    SET name = excluded.name, department_id = excluded.department_id, region_code = excluded.region_code,
        specialties = excluded.specialties, valid_from = excluded.valid_from, valid_until = excluded.valid_until,
        status = excluded.status, source_system = excluded.source_system,
        source_record_id = excluded.source_record_id, updated_at = excluded.updated_at
    WHERE (s.name, s.department_id, s.region_code, s.specialties, s.valid_from, s.valid_until, s.status,
           s.source_system, s.source_record_id)
          IS DISTINCT FROM
          (excluded.name, excluded.department_id, excluded.region_code, excluded.specialties, excluded.valid_from,
           excluded.valid_until, excluded.status, excluded.source_system, excluded.source_record_id)
  RETURNING s.certificate_no, (s.xmax = 0) AS inserted
)
SELECT f.line, coalesce(f.cert, ''),
       CASE WHEN f.verdict IS NOT NULL THEN 'rejected' WHEN m.certificate_no IS NULL THEN 'unchanged'
            WHEN m.inserted THEN 'inserted' ELSE 'updated' END,
       f.verdict[1], f.verdict[2], f.verdict[3]
FROM final f LEFT JOIN merged m ON f.verdict IS NULL AND m.certificate_no = f.cert
$fn$;

CREATE FUNCTION sv.inspector_save(certificate_no text, name text, department_id integer, region_code text,
                                  valid_from date, valid_until date, source_system text,
                                  source_record_id text, specialties text[] DEFAULT '{}',
                                  status text DEFAULT 'active')
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  r record;
BEGIN
  PERFORM sv._require_text('source_system', source_system);
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not write inspectors', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF department_id IS NULL THEN
    RAISE EXCEPTION 'department_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO r FROM sv._inspector_merge(btrim(source_system), ARRAY[ROW(
    me, 1, source_record_id, certificate_no, name, department_id::text, region_code,
    array_to_string(specialties, ','), to_char(valid_from, 'YYYY-MM-DD'), to_char(valid_until, 'YYYY-MM-DD'),
    status)::sv.inspector_staging]);
  IF r.outcome = 'rejected' THEN
    PERFORM sv._raise_reject(r.errcode, r.message, r.detail);
  END IF;
  IF r.outcome <> 'unchanged' THEN
    PERFORM sv.audit_append(s.department_id, 'inspector', r.key, CASE r.outcome WHEN 'inserted' THEN 'add' ELSE 'change' END,
                            to_jsonb(s) - 'received_at' - 'updated_at')
    FROM sv.inspector s WHERE s.certificate_no = r.key;
  END IF;
  RETURN r.key;
END
$fn$;
COMMENT ON FUNCTION sv.inspector_save(text, text, integer, text, date, date, text, text, text[], text) IS
  'Add or change an inspector by enforcement certificate number (administrators, integration)';

CREATE VIEW sv_work.inspector WITH (security_invoker = true) AS
  SELECT i.certificate_no, i.name, i.department_id, d.name_zh AS department_name, i.region_code,
         r.name_zh AS region_name, i.specialties, i.valid_from, i.valid_until, i.status,
         i.status = 'active' AND sv.local_date(now()) BETWEEN i.valid_from AND i.valid_until AS can_act_today,
         i.source_system, i.source_record_id, i.updated_at
  FROM sv.inspector i JOIN sv.department d ON d.id = i.department_id JOIN sv.region r ON r.code = i.region_code;
COMMENT ON VIEW sv_work.inspector IS 'Inspectors of the caller''s department in the caller''s region scope';

GRANT SELECT ON sv_work.inspector TO sv_officer, sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv.inspector_save(text, text, integer, text, date, date, text, text, text[], text)
  TO sv_admin, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 42_action: supervision actions (监管行为): inspections, administrative penalties and coercive
-- measures against a market subject, recorded against the published catalogue.
--
-- Table:      sv.action (subject-keyed: PRIMARY KEY (uscc, id), no triggers)
--             sv.action_staging: the COPY target of bulk ingest
-- Functions:  sv._action_merge(source, rows)   the rules, set-based (shared with sv.ingest)
--             sv.action_record(...)            (officers of the department; administrators,
--                                              integration)
--             sv.action_publish(uscc, id)      the result goes on the portal (公示)
--             sv.catalog_release_on(day)       the release in force on a day
-- Views:      sv_work.action, sv_work.action_publication_due, sv_public.action,
--             sv_bi.action_coverage (the national data-coverage KPI)
-- Rules (each a reject reason and an error of sv.action_record):
--   * 监管事项之外无监管: the check item must be in the catalogue release in force on the day the
--     action started, and implemented by the acting department;
--   * at least two inspectors of the department with certificates valid on the dates
--     (行政处罚法 §42, 行政强制法 §18);
--   * publication due 20 working days after the action ends (on the working-day calendar);
--   * a published result is not changed.
-- ---------------------------------------------------------------------------------------------

CREATE SEQUENCE sv.action_id_seq AS bigint;

CREATE TABLE sv.action (
  uscc             sv.uscc NOT NULL REFERENCES sv.subject (uscc),
  id               bigint NOT NULL DEFAULT pg_catalog.nextval('sv.action_id_seq'),
  kind             text NOT NULL CHECK (kind IN ('inspection', 'penalty', 'coercive_measure')),
  check_item_code  text NOT NULL,
  release_id       bigint NOT NULL REFERENCES sv.catalog_release (id),  -- the catalogue in force that day
  department_id    integer NOT NULL REFERENCES sv.department (id),
  region_code      text NOT NULL REFERENCES sv.region (code),   -- the subject's region when recorded (RLS)
  started_on       date NOT NULL,
  ended_on         date NOT NULL,
  inspectors       text[] NOT NULL CHECK (cardinality(inspectors) >= 2),   -- certificate numbers
  result           text NOT NULL CHECK (result IN ('no_problem', 'problem_found', 'rectification_ordered', 'case_filed')),
  findings         text,
  publication_due  date NOT NULL,
  published_at     timestamptz,
  source_system    text NOT NULL CHECK (source_system <> ''),
  source_record_id text NOT NULL CHECK (source_record_id <> ''),
  received_at      timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (uscc, id),
  CHECK (ended_on >= started_on)
);
CREATE UNIQUE INDEX action_source_record_idx ON sv.action (source_system, source_record_id);
CREATE INDEX action_department_idx ON sv.action (department_id, ended_on);
CREATE INDEX action_check_item_idx ON sv.action (check_item_code, started_on);
COMMENT ON TABLE sv.action IS
  'Supervision actions (监管行为): inspections, penalties and coercive measures, each against a published check item';

ALTER TABLE sv.action ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.action FORCE ROW LEVEL SECURITY;
CREATE POLICY action_scope ON sv.action FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department() AND region_code = ANY (sv.scope_regions()));
CREATE POLICY action_all ON sv.action FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true);
GRANT SELECT ON sv.action TO sv_officer, sv_admin, sv_auditor, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.action', '');
SELECT pg_catalog.pg_extension_config_dump('sv.action_id_seq', '');

CREATE TABLE sv.action_staging (
  loaded_by        text NOT NULL DEFAULT current_user,
  line             bigint GENERATED BY DEFAULT AS IDENTITY,
  source_record_id text,
  uscc             text,
  kind             text,
  check_item       text,        -- the check item's code
  department       text,        -- the department's code or id
  started_on       text,
  ended_on         text,
  inspectors       text,        -- certificate numbers: "A,B", {A,B} or ["A","B"]
  result           text,
  findings         text
);
CREATE INDEX action_staging_loaded_by_idx ON sv.action_staging (loaded_by, line);
COMMENT ON TABLE sv.action_staging IS
  'Bulk ingest of actions: COPY rows here, then call sv.ingest_staged(source, ''action'')';

-- The catalogue release in force on a day: the last one published on or before that day
-- (in sv.timezone).  NULL before the first release.
CREATE FUNCTION sv.catalog_release_on(day date) RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT r.id FROM sv.catalog_release r
  WHERE sv.local_date(r.published_at) <= day
  ORDER BY r.published_at DESC, r.id DESC LIMIT 1
$fn$;
COMMENT ON FUNCTION sv.catalog_release_on(date) IS
  'The catalogue release in force on a day (the last published on or before it), or NULL';

-- add_workdays, or NULL where the calendar is not loaded (a reject reason instead of an error).
CREATE FUNCTION sv._add_workdays_or_null(day date, n integer) RETURNS date
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RETURN sv.add_workdays(day, n);
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  RETURN NULL;
END
$fn$;

-- The rules for actions, set-based; see sv._subject_merge for the contract.  An action is
-- identified by its source and source record id; its key in the platform is (uscc, id).
CREATE FUNCTION sv._action_merge(batch_source text, batch sv.action_staging[])
RETURNS TABLE (line bigint, key text, outcome text, errcode text, message text, detail text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
WITH input AS (
  SELECT r.line, btrim(r.source_record_id) AS rec, r.uscc AS raw_uscc, sv.uscc_check(r.uscc) AS uscc_problem,
         btrim(r.kind) AS kind, btrim(r.check_item) AS check_item, r.department AS dept_t,
         sv._department_id(r.department) AS dept,
         nullif(btrim(r.started_on), '') AS start_t, nullif(btrim(r.ended_on), '') AS end_t,
         sv._code_list(upper(replace(r.inspectors, '、', ','))) AS inspectors,
         btrim(r.result) AS result, nullif(btrim(r.findings), '') AS findings
  FROM unnest(batch) r
), parsed AS (
  SELECT i.*, sv._parse_date(i.start_t) AS started_on, sv._parse_date(i.end_t) AS ended_on,
         CASE WHEN i.uscc_problem IS NULL THEN i.raw_uscc::sv.uscc END AS code
  FROM input i
), looked AS MATERIALIZED (
  SELECT p.*, s.region_code AS subject_region, rel.id AS release_id, rel.label AS release_label,
         ri.item AS check_item_row,
         CASE WHEN p.ended_on IS NOT NULL THEN sv._add_workdays_or_null(p.ended_on, 20) END AS publication_due,
         (SELECT string_agg(quote_literal(c), ', ' ORDER BY c) FROM unnest(p.inspectors) c
          WHERE NOT EXISTS (SELECT 1 FROM sv.inspector n WHERE n.certificate_no = c)) AS unknown_inspectors,
         (SELECT string_agg(format('%s (department %s)', c, n.department_id), ', ' ORDER BY c)
          FROM unnest(p.inspectors) c JOIN sv.inspector n ON n.certificate_no = c
          WHERE n.department_id IS DISTINCT FROM p.dept) AS foreign_inspectors,
         (SELECT string_agg(format('%s (%s)', c, n.status), ', ' ORDER BY c)
          FROM unnest(p.inspectors) c JOIN sv.inspector n ON n.certificate_no = c
          WHERE n.status IN ('suspended', 'revoked')) AS inactive_inspectors,
         (SELECT string_agg(format('%s (%s to %s)', c, n.valid_from, n.valid_until), ', ' ORDER BY c)
          FROM unnest(p.inspectors) c JOIN sv.inspector n ON n.certificate_no = c
          WHERE NOT (n.valid_from <= p.started_on AND n.valid_until >= p.ended_on)) AS invalid_inspectors,
         old.uscc AS old_uscc, old.id AS old_id, old.published_at AS old_published_at
  FROM parsed p
  LEFT JOIN sv.subject s ON s.uscc = p.code
  LEFT JOIN sv.catalog_release rel ON rel.id = sv.catalog_release_on(p.started_on)
  LEFT JOIN sv.catalog_release_item ri ON ri.release_id = rel.id AND ri.kind = 'check_item' AND ri.code = p.check_item
  LEFT JOIN sv.action old ON old.source_system = batch_source AND old.source_record_id = p.rec
), checked AS MATERIALIZED (
  SELECT l.*,
    CASE
      WHEN coalesce(l.rec, '') = '' THEN ARRAY['22023', 'source_record_id must not be empty', NULL]
      WHEN l.raw_uscc IS NULL THEN ARRAY['22004', 'uscc must not be null', NULL]
      WHEN l.uscc_problem IS NOT NULL
        THEN ARRAY['22P02', format('uscc: invalid unified social credit code "%s"', l.raw_uscc), l.uscc_problem]
      WHEN l.subject_region IS NULL
        THEN ARRAY['23503', format('uscc: subject %s is not in the data centre', l.code), NULL]
      WHEN l.kind IS NULL OR l.kind NOT IN ('inspection', 'penalty', 'coercive_measure')
        THEN ARRAY['22023', format('kind must be inspection, penalty or coercive_measure, not %s', coalesce(quote_literal(l.kind), 'NULL')), NULL]
      WHEN l.dept IS NULL
        THEN ARRAY['23503', format('department: department %s does not exist', coalesce(quote_literal(btrim(l.dept_t)), 'NULL')), NULL]
      WHEN l.started_on IS NULL
        THEN ARRAY['22007', format('started_on must be a date written YYYY-MM-DD (1900-2999), not %s', coalesce(quote_literal(l.start_t), 'NULL')), NULL]
      WHEN l.ended_on IS NULL
        THEN ARRAY['22007', format('ended_on must be a date written YYYY-MM-DD (1900-2999), not %s', coalesce(quote_literal(l.end_t), 'NULL')), NULL]
      WHEN l.ended_on < l.started_on
        THEN ARRAY['22023', format('ended_on (%s) must not be before started_on (%s)', l.ended_on, l.started_on), NULL]
      WHEN l.ended_on > sv.local_date(now())
        THEN ARRAY['22023', format('ended_on (%s) is in the future: record an action once it has ended', l.ended_on), NULL]
      WHEN coalesce(l.check_item, '') = '' THEN ARRAY['22023', 'check_item must not be empty', NULL]
      WHEN l.release_id IS NULL
        THEN ARRAY['23514', format('no catalogue release was in force on %s: actions cite a check item of the published catalogue (监管事项之外无监管)', l.started_on), NULL]
      WHEN l.check_item_row IS NULL
        THEN ARRAY['23514', format('check_item %s is not in release %s, the catalogue in force on %s (监管事项之外无监管)', quote_literal(l.check_item), quote_literal(l.release_label), l.started_on), NULL]
      WHEN (l.check_item_row ->> 'department_id')::integer <> l.dept
        THEN ARRAY['23514', format('check_item %s is carried out by department %s, not by department %s', quote_literal(l.check_item), l.check_item_row ->> 'department_id', l.dept), NULL]
      WHEN NOT sv.region_within(l.subject_region, l.check_item_row ->> 'region_code')
        THEN ARRAY['23514', format('check_item %s applies in region %s; subject %s is in region %s', quote_literal(l.check_item), l.check_item_row ->> 'region_code', l.code, l.subject_region), NULL]
      WHEN l.result IS NULL OR l.result NOT IN ('no_problem', 'problem_found', 'rectification_ordered', 'case_filed')
        THEN ARRAY['22023', format('result must be no_problem, problem_found, rectification_ordered or case_filed, not %s', coalesce(quote_literal(l.result), 'NULL')), NULL]
      WHEN cardinality(l.inspectors) < 2
        THEN ARRAY['23514', format('inspectors: an inspection, a penalty or a coercive measure is carried out by at least two inspectors (行政处罚法 §42, 行政强制法 §18), not %s', cardinality(l.inspectors)), NULL]
      WHEN l.unknown_inspectors IS NOT NULL
        THEN ARRAY['23503', format('inspectors: no inspector holds certificate %s', l.unknown_inspectors), NULL]
      WHEN l.foreign_inspectors IS NOT NULL
        THEN ARRAY['23514', format('inspectors: %s not of department %s', l.foreign_inspectors, l.dept), NULL]
      WHEN l.inactive_inspectors IS NOT NULL
        THEN ARRAY['23514', format('inspectors: %s may not carry out enforcement', l.inactive_inspectors), NULL]
      WHEN l.invalid_inspectors IS NOT NULL
        THEN ARRAY['23514', format('inspectors: certificate of %s not valid from %s to %s', l.invalid_inspectors, l.started_on, l.ended_on), NULL]
      WHEN l.publication_due IS NULL
        THEN ARRAY['55000', format('no working-day calendar is loaded for the 20 working days after %s; load the holiday notice with sv.calendar_load()', l.ended_on), NULL]
      WHEN l.old_uscc IS NOT NULL AND l.old_uscc <> l.code
        THEN ARRAY['23505', format('source_record_id %s of source %s already names action %s of subject %s', quote_literal(l.rec), quote_literal(batch_source), l.old_id, l.old_uscc), NULL]
    END AS problem
  FROM looked l
), ranked AS (
  SELECT c.*, max(c.line) FILTER (WHERE c.problem IS NULL) OVER (PARTITION BY c.rec) AS last_of_rec
  FROM checked c
), final AS (
  SELECT r.*,
    CASE
      WHEN r.problem IS NOT NULL THEN r.problem
      WHEN r.line <> r.last_of_rec
        THEN ARRAY['22023', format('superseded by record %s of the same batch (same source_record_id)', r.last_of_rec), NULL]
    END AS verdict
  FROM ranked r
), merged AS (
  INSERT INTO sv.action AS a (uscc, kind, check_item_code, release_id, department_id, region_code, started_on,
                              ended_on, inspectors, result, findings, publication_due, source_system,
                              source_record_id, received_at, updated_at)
  SELECT f.code, f.kind, f.check_item, f.release_id, f.dept, f.subject_region, f.started_on, f.ended_on,
         f.inspectors, f.result, f.findings, f.publication_due, batch_source, f.rec, now(), now()
  FROM final f WHERE f.verdict IS NULL
  ON CONFLICT (source_system, source_record_id) DO UPDATE
    SET kind = excluded.kind, check_item_code = excluded.check_item_code, release_id = excluded.release_id,
        department_id = excluded.department_id, started_on = excluded.started_on, ended_on = excluded.ended_on,
        inspectors = excluded.inspectors, result = excluded.result, findings = excluded.findings,
        publication_due = excluded.publication_due, updated_at = excluded.updated_at
    WHERE a.published_at IS NULL AND a.uscc = excluded.uscc
      AND (a.kind, a.check_item_code, a.release_id, a.department_id, a.started_on, a.ended_on, a.inspectors,
           a.result, a.findings)
          IS DISTINCT FROM
          (excluded.kind, excluded.check_item_code, excluded.release_id, excluded.department_id, excluded.started_on,
           excluded.ended_on, excluded.inspectors, excluded.result, excluded.findings)
  RETURNING a.uscc, a.id, a.source_record_id, (a.xmax = 0) AS inserted
), after AS (
  -- a record that changes nothing is unchanged; one that would change a published result is refused
  SELECT f.line, f.code, f.verdict, m.id, m.inserted, coalesce(m.id, o.id) AS any_id,
         CASE WHEN f.verdict IS NULL AND m.id IS NULL AND f.old_published_at IS NOT NULL
                   AND (o.kind, o.check_item_code, o.release_id, o.department_id, o.started_on, o.ended_on,
                        o.inspectors, o.result, o.findings)
                       IS DISTINCT FROM
                       (f.kind, f.check_item, f.release_id, f.dept, f.started_on, f.ended_on, f.inspectors,
                        f.result, f.findings)
              THEN ARRAY['55000', format('action %s was published at %s: a published result is not changed; record a new action', f.old_id, f.old_published_at), NULL]
         END AS late
  FROM final f
  LEFT JOIN merged m ON f.verdict IS NULL AND m.source_record_id = f.rec
  LEFT JOIN sv.action o ON f.verdict IS NULL AND m.id IS NULL AND o.source_system = batch_source AND o.source_record_id = f.rec
)
SELECT a.line, coalesce(a.code::text || '/' || a.any_id::text, a.code::text, ''),
       CASE WHEN coalesce(a.verdict, a.late) IS NOT NULL THEN 'rejected' WHEN a.id IS NULL THEN 'unchanged'
            WHEN a.inserted THEN 'inserted' ELSE 'updated' END,
       (coalesce(a.verdict, a.late))[1], (coalesce(a.verdict, a.late))[2], (coalesce(a.verdict, a.late))[3]
FROM after a
$fn$;

CREATE FUNCTION sv.action_record(uscc text, kind text, check_item text, department_id integer,
                                 started_on date, ended_on date, inspectors text[], result text,
                                 findings text DEFAULT NULL, source_system text DEFAULT NULL,
                                 source_record_id text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_source text := coalesce(btrim(source_system), 'sv_platform');
  v_record text := source_record_id;
  v_region text;
  v_old_department integer;
  v_old_region text;
  r record;
BEGIN
  IF source_system IS NULL AND source_record_id IS NULL THEN
    -- recorded on the platform itself: a fresh record id, so every call is a new action
    v_record := 'SV-' || gen_random_uuid()::text;
  END IF;
  PERFORM sv._require_text('source_system', v_source);
  IF department_id IS NULL THEN
    RAISE EXCEPTION 'department_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    -- officers record their own department's actions on subjects in their regions
    IF NOT pg_has_role(me, 'sv_officer', 'USAGE') THEN
      RAISE EXCEPTION 'role "%" may not record actions', me USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM sv._require_department_scope(department_id);
    -- correcting an action: it must be one of the officer's own too
    SELECT a.department_id, a.region_code INTO v_old_department, v_old_region FROM sv.action a
    WHERE a.source_system = v_source AND a.source_record_id = btrim(v_record);
    IF FOUND AND (v_old_department <> department_id OR NOT (v_old_region = ANY (sv.scope_regions()))) THEN
      RAISE EXCEPTION 'action % of source % belongs to department % in region %, outside the scope of "%"',
        quote_literal(btrim(v_record)), quote_literal(v_source), v_old_department, v_old_region, me
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF sv.uscc_check(uscc) IS NULL THEN
      SELECT s.region_code INTO v_region FROM sv.subject s WHERE s.uscc = action_record.uscc::sv.uscc;
      IF FOUND AND NOT (v_region = ANY (sv.scope_regions())) THEN
        RAISE EXCEPTION 'subject % is in region %, outside the scope of "%"', action_record.uscc::sv.uscc, v_region, me
          USING ERRCODE = 'insufficient_privilege';
      END IF;
    END IF;
  END IF;
  SELECT * INTO r FROM sv._action_merge(v_source, ARRAY[ROW(
    me, 1, v_record, uscc, kind, check_item, department_id::text, to_char(started_on, 'YYYY-MM-DD'),
    to_char(ended_on, 'YYYY-MM-DD'), array_to_string(inspectors, ','), result, findings)::sv.action_staging]);
  IF r.outcome = 'rejected' THEN
    PERFORM sv._raise_reject(r.errcode, r.message, r.detail);
  END IF;
  IF r.outcome <> 'unchanged' THEN
    PERFORM sv.audit_append(a.department_id, 'action', r.key, CASE r.outcome WHEN 'inserted' THEN 'add' ELSE 'change' END,
                            to_jsonb(a) - 'received_at' - 'updated_at')
    FROM sv.action a WHERE a.source_system = v_source AND a.source_record_id = btrim(v_record);
  END IF;
  RETURN split_part(r.key, '/', 2)::bigint;
END
$fn$;
COMMENT ON FUNCTION sv.action_record(text, text, text, integer, date, date, text[], text, text, text, text) IS
  'Record (or, by source and record id, correct) a supervision action; returns its id';

-- Publication (公示) of an action's result on the portal.
CREATE FUNCTION sv.action_publish(uscc text, action_id bigint) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  a sv.action;
BEGIN
  IF uscc IS NULL THEN
    RAISE EXCEPTION 'uscc must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF sv.uscc_check(uscc) IS NOT NULL THEN
    RAISE EXCEPTION 'uscc: invalid unified social credit code "%"', uscc
      USING ERRCODE = 'invalid_text_representation', DETAIL = sv.uscc_check(uscc);
  END IF;
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE') OR pg_has_role(me, 'sv_officer', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not publish actions', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO a FROM sv.action x WHERE x.uscc = action_publish.uscc::sv.uscc AND x.id = action_id FOR UPDATE;
  -- officers: an action outside their department and regions does not exist for them (as in
  -- sv_work.action), so the error reveals nothing about it; an officer without a staff mapping
  -- in force (scope NULL) has no actions at all
  IF NOT FOUND OR NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')
                       OR coalesce(a.department_id = sv.scope_department() AND a.region_code = ANY (sv.scope_regions()), false)) THEN
    RAISE EXCEPTION 'action % of subject % does not exist', coalesce(action_id::text, 'NULL'), uscc::sv.uscc
      USING ERRCODE = 'no_data_found';
  END IF;
  IF a.published_at IS NOT NULL THEN
    RAISE EXCEPTION 'action % was already published at %', action_id, a.published_at
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.action x SET published_at = now(), updated_at = now()
   WHERE x.uscc = a.uscc AND x.id = a.id;
  PERFORM sv.audit_append(a.department_id, 'action', a.uscc::text || '/' || a.id, 'publish',
    jsonb_build_object('published_at', now(), 'publication_due', a.publication_due,
                       'late', sv.local_date(now()) > a.publication_due));
  RETURN now();
END
$fn$;
COMMENT ON FUNCTION sv.action_publish(text, bigint) IS
  'Publish an action''s result on the portal (公示); once published it is not changed';

CREATE VIEW sv_work.action WITH (security_invoker = true) AS
  SELECT a.uscc, a.id, s.name AS subject_name, a.kind, a.check_item_code, r.label AS release_label,
         a.department_id, d.name_zh AS department_name, a.region_code, a.started_on, a.ended_on,
         a.inspectors, a.result, a.findings, a.publication_due, a.published_at,
         a.published_at IS NULL AND a.publication_due < sv.local_date(now()) AS publication_overdue,
         a.source_system, a.source_record_id, a.received_at, a.updated_at
  FROM sv.action a
  JOIN sv.subject s ON s.uscc = a.uscc
  JOIN sv.department d ON d.id = a.department_id
  JOIN sv.catalog_release r ON r.id = a.release_id;
COMMENT ON VIEW sv_work.action IS 'Supervision actions of the caller''s department in the caller''s region scope';

CREATE VIEW sv_work.action_publication_due WITH (security_invoker = true) AS
  SELECT a.uscc, a.id, a.subject_name, a.department_name, a.kind, a.result, a.ended_on, a.publication_due,
         a.publication_overdue
  FROM sv_work.action a
  WHERE a.published_at IS NULL;
COMMENT ON VIEW sv_work.action_publication_due IS
  'Results still to publish (20 working days after the action ended), overdue ones flagged';

CREATE VIEW sv_public.action AS
  SELECT a.uscc::text AS uscc, s.name AS subject_name, a.kind, d.name_zh AS department_name,
         a.check_item_code, ri.item ->> 'content' AS check_content, a.started_on, a.ended_on, a.result,
         a.findings, a.published_at
  FROM sv.action a
  JOIN sv.subject s ON s.uscc = a.uscc
  JOIN sv.department d ON d.id = a.department_id
  LEFT JOIN sv.catalog_release_item ri ON ri.release_id = a.release_id AND ri.kind = 'check_item'
                                      AND ri.code = a.check_item_code
  WHERE a.published_at IS NOT NULL;
COMMENT ON VIEW sv_public.action IS 'Published results of supervision actions (检查结果公示)';

-- Data coverage of supervision actions (监管行为数据覆盖率), the national KPI: per department, the
-- share of its check items (of items it claimed, or city-specific items) with at least one
-- action that started in the period.  Aggregates only, so BI reads it without seeing actions.
CREATE FUNCTION sv.action_coverage(first_day date, last_day date)
RETURNS TABLE (department_code text, department_name text, check_items bigint, covered bigint,
               coverage_pct numeric, actions bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF first_day IS NULL OR last_day IS NULL OR last_day < first_day THEN
    RAISE EXCEPTION 'first_day and last_day must be given, first_day not after last_day'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH items AS (
    SELECT k.department_id, k.code
    FROM sv.check_item k JOIN sv.catalog_item c ON c.id = k.catalog_item_id
    WHERE c.source = 'city'
       OR EXISTS (SELECT 1 FROM sv.catalog_claim m WHERE m.department_id = k.department_id AND m.catalog_item_id = c.id)
  ), acted AS (
    SELECT a.department_id, a.check_item_code, count(*) AS n
    FROM sv.action a WHERE a.started_on BETWEEN first_day AND last_day
    GROUP BY a.department_id, a.check_item_code
  )
  SELECT d.code, d.name_zh, count(i.code), count(x.n),
         round(100.0 * count(x.n) / nullif(count(i.code), 0), 1),
         coalesce(sum(x.n), 0)::bigint
  FROM sv.department d
  LEFT JOIN items i ON i.department_id = d.id
  LEFT JOIN acted x ON x.department_id = d.id AND x.check_item_code = i.code
  GROUP BY d.id, d.code, d.name_zh
  ORDER BY d.id;
END
$fn$;
COMMENT ON FUNCTION sv.action_coverage(date, date) IS
  'Per department: check items (claimed or city-specific), those with actions in the period, and the share';

CREATE VIEW sv_bi.action_coverage AS
  SELECT * FROM sv.action_coverage(make_date(extract(year FROM sv.local_date(now()))::integer, 1, 1),
                                   sv.local_date(now()));
COMMENT ON VIEW sv_bi.action_coverage IS '监管行为数据覆盖率 / supervision-action data coverage per department, this year';

GRANT SELECT ON sv_work.action, sv_work.action_publication_due TO sv_officer, sv_admin, sv_auditor;
GRANT SELECT ON sv_public.action TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT SELECT ON sv_bi.action_coverage TO sv_bi, sv_auditor, sv_admin;
GRANT EXECUTE ON FUNCTION sv.action_record(text, text, text, integer, date, date, text[], text, text, text, text)
  TO sv_admin, sv_officer, sv_integration;
GRANT EXECUTE ON FUNCTION sv.action_publish(text, bigint) TO sv_admin, sv_officer, sv_integration;
GRANT EXECUTE ON FUNCTION sv.action_coverage(date, date) TO sv_bi, sv_auditor, sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.catalog_release_on(date) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 45_ingest: data aggregation (数据汇聚) from department systems into the data centre.
--
-- Functions:  sv.ingest(source, kind, records jsonb)   a batch as a JSON array of objects
--             sv.ingest_staged(source, kind)           the caller's rows COPYed into
--                                                      sv.<kind>_staging
-- Tables:     sv.ingest_batch (one row per batch: who, when, counts, SHA-256 of the input),
--             sv.ingest_reject (every rejected record with its reason; nothing is dropped)
-- Both paths run the same rules as the write functions (sv._<kind>_merge), validate the whole
-- batch in one statement, and write one audit record per batch.  Idempotent: the same batch
-- twice inserts once and then reports every record unchanged.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.ingest_batch (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source      text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('subject', 'inspector', 'action', 'credit_event')),
  path        text NOT NULL CHECK (path IN ('json', 'staged')),
  received_at timestamptz NOT NULL,
  received_by text NOT NULL,
  records     integer NOT NULL DEFAULT 0,
  inserted    integer NOT NULL DEFAULT 0,
  updated     integer NOT NULL DEFAULT 0,
  unchanged   integer NOT NULL DEFAULT 0,
  rejected    integer NOT NULL DEFAULT 0,
  digest      bytea                          -- SHA-256 of the input as received
);
CREATE INDEX ingest_batch_source_idx ON sv.ingest_batch (source, received_at);
COMMENT ON TABLE sv.ingest_batch IS 'Batches received from department systems (数据汇聚), with their outcome counts';

CREATE TABLE sv.ingest_reject (
  batch_id         bigint NOT NULL REFERENCES sv.ingest_batch (id),
  line             bigint NOT NULL,          -- position in the batch, from 1
  source           text NOT NULL,
  kind             text NOT NULL,
  source_record_id text,
  record           jsonb NOT NULL,           -- the record as received
  errcode          text NOT NULL,            -- the SQLSTATE the write function would raise
  reason           text NOT NULL,
  detail           text,
  rejected_at      timestamptz NOT NULL,
  received_by      text NOT NULL,
  PRIMARY KEY (batch_id, line)
);
CREATE INDEX ingest_reject_source_idx ON sv.ingest_reject (source, kind, rejected_at);
COMMENT ON TABLE sv.ingest_reject IS 'Every record a batch rejected, with the reason (nothing is dropped silently)';

-- Integrations see their own batches and rejects; administrators and auditors all.
ALTER TABLE sv.ingest_batch ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.ingest_batch FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.ingest_reject ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.ingest_reject FORCE ROW LEVEL SECURITY;
CREATE POLICY ingest_batch_own ON sv.ingest_batch FOR SELECT TO sv_integration USING (received_by = current_user);
CREATE POLICY ingest_batch_all ON sv.ingest_batch FOR SELECT TO sv_admin, sv_auditor USING (true);
CREATE POLICY ingest_reject_own ON sv.ingest_reject FOR SELECT TO sv_integration USING (received_by = current_user);
CREATE POLICY ingest_reject_all ON sv.ingest_reject FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.ingest_batch, sv.ingest_reject TO sv_integration, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.ingest_batch', '');
SELECT pg_catalog.pg_extension_config_dump('sv.ingest_reject', '');
SELECT pg_catalog.pg_extension_config_dump('sv.ingest_batch_id_seq', '');

-- Staging tables, the COPY targets.  COPY FROM refuses tables with row-level security, so
-- loaders are kept apart differently: they may only INSERT (no SELECT, UPDATE or DELETE), and
-- a trigger stamps every row with the inserting role, whatever the row says.  Only
-- sv.ingest_staged (taking the caller's rows) and sv.ingest_staged_discard read or remove
-- them.  Nothing in them counts until sv.ingest_staged has validated and merged it.
-- sv.security_check knows this shape and reports any other grant on them.
CREATE FUNCTION sv._staging_loaded_by() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  NEW.loaded_by := current_user;   -- not SECURITY DEFINER: the role that inserts
  RETURN NEW;
END
$fn$;

-- Gives a staging table that shape (install time; later kinds call it for their own table).
CREATE FUNCTION sv._staging_prepare(t text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT ON sv.%I
                               FOR EACH ROW EXECUTE FUNCTION sv._staging_loaded_by()', t || '_loaded_by', t);
  EXECUTE pg_catalog.format('GRANT INSERT ON sv.%I TO sv_integration, sv_admin', t);
  EXECUTE pg_catalog.format('GRANT USAGE ON SEQUENCE sv.%I TO sv_integration, sv_admin', t || '_line_seq');
END
$fn$;
SELECT sv._staging_prepare(t) FROM unnest(ARRAY['subject_staging', 'inspector_staging', 'action_staging']) t;

-- What can be ingested; each kind has sv.<kind>_staging and sv._<kind>_merge (credit events
-- are defined later, in 54_credit_event).
CREATE FUNCTION sv._ingest_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['subject', 'inspector', 'action', 'credit_event'] $$;

-- The checks common to both paths: arguments and the caller's right.
CREATE FUNCTION sv._ingest_begin(source text, kind text, path text, OUT batch_id bigint, OUT fields text[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
BEGIN
  IF source IS NULL OR source !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' THEN
    RAISE EXCEPTION 'source must name the sending system in 1-64 letters, digits, ".", "_" or "-", not %',
      coalesce(quote_literal(source), 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_one_of('kind', kind, sv._ingest_kinds());
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not ingest data', me USING ERRCODE = 'insufficient_privilege',
      HINT = 'Department systems log in as members of sv_integration.';
  END IF;
  INSERT INTO sv.ingest_batch (source, kind, path, received_at, received_by)
  VALUES (source, kind, path, now(), me) RETURNING id INTO batch_id;
  SELECT array_agg(a.attname::text ORDER BY a.attnum) INTO fields
  FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = pg_catalog.format('sv.%I', kind || '_staging')::regclass
    AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT IN ('loaded_by', 'line');
END
$fn$;

-- Records the outcome: rejects, counts, the audit record.  `outcomes` holds one row per record:
-- (line, record, outcome, errcode, message, detail).
CREATE FUNCTION sv._ingest_finish(batch_id bigint, source text, kind text, digest bytea)
RETURNS TABLE (batch bigint, inserted integer, updated integer, unchanged integer, rejected integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  b sv.ingest_batch;
BEGIN
  INSERT INTO sv.ingest_reject (batch_id, line, source, kind, source_record_id, record, errcode, reason, detail,
                                rejected_at, received_by)
  SELECT _ingest_finish.batch_id, o.line, _ingest_finish.source, _ingest_finish.kind,
         o.record ->> 'source_record_id', o.record, o.errcode, o.message, o.detail, now(), sv._outer_user()
  FROM pg_temp.sv_ingest_outcome o WHERE o.outcome = 'rejected';

  UPDATE sv.ingest_batch x
     SET records = c.records, inserted = c.inserted, updated = c.updated, unchanged = c.unchanged,
         rejected = c.rejected, digest = _ingest_finish.digest
    FROM (SELECT count(*)::integer AS records,
                 count(*) FILTER (WHERE o.outcome = 'inserted')::integer AS inserted,
                 count(*) FILTER (WHERE o.outcome = 'updated')::integer AS updated,
                 count(*) FILTER (WHERE o.outcome = 'unchanged')::integer AS unchanged,
                 count(*) FILTER (WHERE o.outcome = 'rejected')::integer AS rejected
          FROM pg_temp.sv_ingest_outcome o) c
   WHERE x.id = _ingest_finish.batch_id
  RETURNING x.* INTO b;
  DROP TABLE pg_temp.sv_ingest_outcome;

  PERFORM sv.audit_append(NULL, 'ingest_batch', b.id::text, 'ingest',
    jsonb_build_object('source', b.source, 'kind', b.kind, 'path', b.path, 'records', b.records,
                       'inserted', b.inserted, 'updated', b.updated, 'unchanged', b.unchanged,
                       'rejected', b.rejected, 'sha256', encode(b.digest, 'hex')));
  RETURN QUERY SELECT b.id, b.inserted, b.updated, b.unchanged, b.rejected;
END
$fn$;

CREATE FUNCTION sv.ingest(source text, kind text, records jsonb)
RETURNS TABLE (batch_id bigint, inserted integer, updated integer, unchanged integer, rejected integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_batch bigint;
  v_fields text[];
BEGIN
  IF records IS NULL OR jsonb_typeof(records) <> 'array' THEN
    RAISE EXCEPTION 'records must be a JSON array of objects' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT b.batch_id, b.fields INTO v_batch, v_fields FROM sv._ingest_begin(source, kind, 'json') b;

  -- Records that are not objects, or that carry fields the kind does not have (a misspelt
  -- field would otherwise be lost without a word), are rejected before the rules run.
  EXECUTE pg_catalog.format($sql$
    CREATE TEMP TABLE sv_ingest_outcome ON COMMIT DROP AS
    WITH elems AS MATERIALIZED (
      SELECT x.ord AS line, x.value AS record,
             CASE WHEN jsonb_typeof(x.value) <> 'object' THEN 'record must be a JSON object, not ' || jsonb_typeof(x.value)
                  ELSE (SELECT coalesce(
                                 'unknown field(s): ' || string_agg(f.k, ', ' ORDER BY f.k) FILTER (WHERE f.k <> ALL ($2)),
                                 -- only the lists (specialties, inspectors, penalty_types) may be arrays; no field is an
                                 -- object or a boolean (stored as the text 'true' it would mean nothing)
                                 string_agg(f.k, ', ' ORDER BY f.k) FILTER (WHERE jsonb_typeof(f.v) IN ('object', 'boolean')
                                   OR (jsonb_typeof(f.v) = 'array' AND f.k NOT IN ('specialties', 'inspectors', 'penalty_types')))
                                 || ' must be a string, a number or null')
                        FROM jsonb_each(x.value) f(k, v))
             END AS problem
      FROM jsonb_array_elements($1) WITH ORDINALITY AS x(value, ord)
    ), merged AS (
      SELECT m.* FROM sv.%I($3, (SELECT array_agg(jsonb_populate_record(NULL::sv.%I,
                                     e.record || jsonb_build_object('line', e.line, 'loaded_by', '')) ORDER BY e.line)
                                 FROM elems e WHERE e.problem IS NULL)) m
    )
    SELECT e.line, CASE WHEN m.outcome IS DISTINCT FROM 'rejected' AND e.problem IS NULL THEN NULL ELSE e.record END AS record,
           coalesce(m.outcome, 'rejected') AS outcome,
           CASE WHEN e.problem IS NULL THEN m.errcode ELSE '22023' END AS errcode,
           coalesce(e.problem, m.message) AS message, m.detail
    FROM elems e LEFT JOIN merged m ON m.line = e.line
  $sql$, '_' || kind || '_merge', kind || '_staging')
  USING records, v_fields, source;

  RETURN QUERY SELECT * FROM sv._ingest_finish(v_batch, source, kind, sha256(convert_to(records::text, 'UTF8')));
END
$fn$;
COMMENT ON FUNCTION sv.ingest(text, text, jsonb) IS
  'Ingest a batch of subjects, inspectors, actions or credit events (a JSON array of objects) from a department system';

CREATE FUNCTION sv.ingest_staged(source text, kind text)
RETURNS TABLE (batch_id bigint, inserted integer, updated integer, unchanged integer, rejected integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_batch bigint;
  v_fields text[];
  v_digest bytea;
BEGIN
  SELECT b.batch_id, b.fields INTO v_batch, v_fields FROM sv._ingest_begin(source, kind, 'staged') b;

  -- Take the caller's staged rows (a concurrent call by the same loader waits, then finds
  -- them gone) and number them 1, 2, ... in the order they were loaded.
  EXECUTE pg_catalog.format($sql$
    CREATE TEMP TABLE sv_ingest_outcome ON COMMIT DROP AS
    WITH taken AS (
      DELETE FROM sv.%I s WHERE s.loaded_by = $1 RETURNING s AS staged
    ), numbered AS (
      SELECT row_number() OVER (ORDER BY (t.staged).line) AS n, t.staged AS t FROM taken t
    ), rows AS (
      SELECT n.n AS line, jsonb_populate_record(n.t, jsonb_build_object('line', n.n)) AS r FROM numbered n
    ), merged AS (
      SELECT m.* FROM sv.%I($2, (SELECT array_agg(r.r ORDER BY r.line) FROM rows r)) m
    )
    SELECT r.line, to_jsonb(r.r) - 'loaded_by' - 'line' AS record, m.outcome, m.errcode, m.message, m.detail
    FROM rows r JOIN merged m ON m.line = r.line
  $sql$, kind || '_staging', '_' || kind || '_merge')
  USING sv._outer_user(), source;

  SELECT sha256(convert_to(coalesce(string_agg(o.record::text, E'\n' ORDER BY o.line), ''), 'UTF8')) INTO v_digest
  FROM pg_temp.sv_ingest_outcome o;
  RETURN QUERY SELECT * FROM sv._ingest_finish(v_batch, source, kind, v_digest);
END
$fn$;
COMMENT ON FUNCTION sv.ingest_staged(text, text) IS
  'Validate and merge the rows the caller COPYed into sv.<kind>_staging, as one batch';

-- Removes the caller's staged rows of a kind without ingesting them (a load that went wrong).
CREATE FUNCTION sv.ingest_staged_discard(kind text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  n bigint;
BEGIN
  PERFORM sv._require_one_of('kind', kind, sv._ingest_kinds());
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not ingest data', me USING ERRCODE = 'insufficient_privilege',
      HINT = 'Department systems log in as members of sv_integration.';
  END IF;
  EXECUTE pg_catalog.format('DELETE FROM sv.%I s WHERE s.loaded_by = $1', kind || '_staging') USING me;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION sv.ingest_staged_discard(text) IS
  'Remove the caller''s staged rows of a kind without ingesting them; returns how many';

-- How many rows the caller has staged, per kind (loaders cannot SELECT the staging tables).
CREATE FUNCTION sv.ingest_staged_count(OUT kind text, OUT rows bigint) RETURNS SETOF record
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  FOREACH kind IN ARRAY sv._ingest_kinds() LOOP
    EXECUTE pg_catalog.format('SELECT count(*) FROM sv.%I WHERE loaded_by = $1', kind || '_staging')
      INTO rows USING sv._outer_user();
    RETURN NEXT;
  END LOOP;
END
$fn$;

GRANT EXECUTE ON FUNCTION sv.ingest(text, text, jsonb), sv.ingest_staged(text, text),
                          sv.ingest_staged_discard(text), sv.ingest_staged_count() TO sv_admin, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 50_draw: the double-random draw (双随机、一公开), its tables and C entry points.
--
-- Tables:     sv.credit_class (each subject's stored credit class: the draw's strata; kept by
--             credit supervision), sv.inspector_conflict (declared conflicts of interest),
--             sv.draw_plan (+ _department, _item, _stratum), sv.draw_exclusion, and the
--             append-only sv.draw, sv.draw_result, sv.draw_team, sv.draw_recusal
-- C:          sv.chacha20_block (RFC 8439), sv._draw_sample / _draw_pick (the selection),
--             sv._draw_population (aggregate), sv._draw_teams (team assignment)
-- The protocol, byte by byte: docs/draw-protocol.md; how to use it: docs/draw.md.
-- Functions:  51_draw_plan.sql (plans, sealing, conflicts), 52_draw_run.sql (run, recusal,
--             redraw), 53_draw_verify.sql (verification, export, public and work views)
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION sv.chacha20_block(key bytea, counter integer, nonce bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_chacha20_block' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.chacha20_block(bytea, integer, bytea) IS
  'The ChaCha20 block function of RFC 8439 (32-byte key, 32-bit counter, 12-byte nonce): 64 bytes';

CREATE FUNCTION sv._draw_sample(seed bytea, sizes integer[], counts integer[],
                                OUT stratum integer, OUT pick integer, OUT candidate integer,
                                OUT stream_words bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_draw_sample' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION sv._draw_pick(seed bytea, population bytea, regions integer[], sizes integer[], counts integer[],
                              OUT stratum text, OUT "position" integer, OUT uscc text, OUT region integer,
                              OUT stream_words bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_draw_pick' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- What sealing builds: the population of docs/draw-protocol.md section 1 and each candidate's
-- region in the same order, kept in memory until the end of the transaction under a handle
-- (sv._draw_population_store inserts them), the population's SHA-256, and the candidates per
-- stratum A, B, C, D, U.
CREATE TYPE sv._draw_population_built AS (handle bigint, population_hash bytea, sizes integer[]);
CREATE FUNCTION sv._draw_population_store(plan_id bigint, handle bigint) RETURNS void
AS 'MODULE_PATHNAME', 'sv_draw_population_store' LANGUAGE C VOLATILE;
-- Candidates per stratum A, B, C, D, U counted from population bytes; NULL unless well formed.
CREATE FUNCTION sv._draw_population_sizes(population bytea) RETURNS integer[]
AS 'MODULE_PATHNAME', 'sv_draw_population_sizes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sv._draw_population_accum(internal, sv.uscc, text, text) RETURNS internal
AS 'MODULE_PATHNAME', 'sv_draw_population_accum' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION sv._draw_population_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'sv_draw_population_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION sv._draw_population_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_draw_population_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION sv._draw_population_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'sv_draw_population_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION sv._draw_population_final(internal) RETURNS sv._draw_population_built
AS 'MODULE_PATHNAME', 'sv_draw_population_final' LANGUAGE C PARALLEL SAFE;
-- Subjects (uscc, NULL, region), stored classes (uscc, class, NULL) and subjects to leave out
-- (uscc, 'X', NULL) -> the population, joined and sorted in C; parallel: each worker sorts its
-- share, the leader merges (population.c).
CREATE AGGREGATE sv._draw_population(sv.uscc, text, text) (
  SFUNC = sv._draw_population_accum, STYPE = internal, FINALFUNC = sv._draw_population_final,
  FINALFUNC_MODIFY = READ_WRITE,   -- the final function sorts the state in place
  COMBINEFUNC = sv._draw_population_combine, SERIALFUNC = sv._draw_population_serialize,
  DESERIALFUNC = sv._draw_population_deserialize, PARALLEL = SAFE
);

CREATE FUNCTION sv._draw_teams(seed bytea, start_words bigint, team_size integer, departments integer,
                               inspector_department integer[], inspector_region integer[], subject_region integer[],
                               excluded_subject integer[], excluded_inspector integer[], cross_area boolean,
                               OUT subject integer, OUT slot integer, OUT inspector integer, OUT stream_words bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sv_draw_teams' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Declared conflicts of interest (回避): this inspector does not inspect this subject.
CREATE TABLE sv.inspector_conflict (
  uscc           sv.uscc NOT NULL REFERENCES sv.subject (uscc),
  certificate_no text NOT NULL REFERENCES sv.inspector (certificate_no),
  reason         text NOT NULL CHECK (length(btrim(reason)) >= 4),
  declared_by    text NOT NULL,
  declared_at    timestamptz NOT NULL,
  PRIMARY KEY (uscc, certificate_no)
);
COMMENT ON TABLE sv.inspector_conflict IS 'Declared conflicts between an inspector and a subject: never in one draw team';
ALTER TABLE sv.inspector_conflict ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.inspector_conflict FORCE ROW LEVEL SECURITY;
CREATE POLICY inspector_conflict_read ON sv.inspector_conflict FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.inspector_conflict TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.inspector_conflict', '');

-- The credit class a subject has now (A low risk .. D high risk); credit supervision keeps it.
-- A subject without a row is "unclassified" (U) for the draw.
CREATE TABLE sv.credit_class (
  uscc        sv.uscc PRIMARY KEY REFERENCES sv.subject (uscc),
  class       text NOT NULL CHECK (class IN ('A', 'B', 'C', 'D')),
  source      text NOT NULL CHECK (source <> ''),     -- the model or the authority that classified
  assessed_at timestamptz NOT NULL
);
COMMENT ON TABLE sv.credit_class IS 'Current credit-risk class per subject (internal, never public): the strata of the draw';
ALTER TABLE sv.credit_class ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_class FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_class_read ON sv.credit_class FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.credit_class TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_class', '');

CREATE TABLE sv.draw_plan (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code             text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  title            text NOT NULL CHECK (title <> ''),
  lead_department_id integer NOT NULL REFERENCES sv.department (id),
  check_from       date NOT NULL,            -- the inspection period
  check_to         date NOT NULL,
  scope            jsonb NOT NULL,           -- {"regions": [...], "industries": [...], "kinds": [...]}
  team_size        integer NOT NULL CHECK (team_size >= 2),
  cross_area       boolean NOT NULL DEFAULT false,   -- 所所交叉: no inspector from the subject's region
  lookback_days    integer NOT NULL DEFAULT 365 CHECK (lookback_days >= 0),
  annual_cap       integer NOT NULL DEFAULT 1 CHECK (annual_cap >= 1),  -- inspections per subject, department, year
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sealed', 'drawn')),
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  sealed_by        text,
  sealed_at        timestamptz,
  population_size  integer,
  population_hash  bytea,                    -- SHA-256 of the population (sv.draw_population)
  commitment       bytea,                    -- SHA-256 of the planner's secret nonce
  entropy_source   text,                     -- the public randomness named in advance
  stratum_sizes    integer[],                -- candidates per stratum A, B, C, D, U
  redraw_of        bigint,                   -- a redraw: the plan drawn before (no self-referencing
                                             -- foreign key: pg_dump warns about it on config tables)
  redraw_reason    text,
  redraw_approved_by text,
  CHECK (check_to >= check_from),
  CHECK ((status = 'draft') = (sealed_at IS NULL)),
  CHECK (status = 'draft' OR (population_size IS NOT NULL AND population_hash IS NOT NULL AND commitment IS NOT NULL
                              AND entropy_source IS NOT NULL))
);
COMMENT ON TABLE sv.draw_plan IS 'Double-random draw plans (抽查计划): one list of items, the subject scope, strata and team rules';

-- The frozen candidate list of a sealed plan, apart from the plan so that reading or passing a
-- plan does not carry megabytes: the population (docs/draw-protocol.md) and each candidate's
-- region as at the seal (cross-area teams use it), in population order.  Written once by
-- sv.draw_seal.
CREATE TABLE sv.draw_population (
  plan_id    bigint PRIMARY KEY REFERENCES sv.draw_plan (id),
  population bytea NOT NULL CHECK (length(population) % 21 = 0),
  regions    integer[] NOT NULL CHECK (cardinality(regions) * 21 = length(population))
);
-- Compressed with LZ4 where the server has it: lines of similar codes shrink to under a third
-- and the regions to almost nothing, and writing a third is faster than writing them raw
-- (reading costs ~10 ms more for a million candidates).  Without LZ4 stored uncompressed: pglz
-- would cost more time than it saves.
DO $lz4$
BEGIN
  ALTER TABLE sv.draw_population ALTER COLUMN population SET COMPRESSION lz4, ALTER COLUMN regions SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  ALTER TABLE sv.draw_population ALTER COLUMN population SET STORAGE EXTERNAL, ALTER COLUMN regions SET STORAGE EXTERNAL;
END
$lz4$;
COMMENT ON TABLE sv.draw_population IS 'The sealed candidate population of a draw plan and the candidates'' regions (append-only)';
CREATE TRIGGER draw_population_immutable BEFORE UPDATE OR DELETE ON sv.draw_population
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a sealed population is append-only');
CREATE TRIGGER draw_population_no_truncate BEFORE TRUNCATE ON sv.draw_population
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a sealed population is append-only');

CREATE TABLE sv.draw_plan_department (
  plan_id       bigint NOT NULL REFERENCES sv.draw_plan (id),
  department_id integer NOT NULL REFERENCES sv.department (id),
  PRIMARY KEY (plan_id, department_id)
);
COMMENT ON TABLE sv.draw_plan_department IS 'Departments taking part in a plan (more than one: a joint plan 部门联合抽查)';

CREATE TABLE sv.draw_plan_item (
  plan_id         bigint NOT NULL REFERENCES sv.draw_plan (id),
  check_item_code text NOT NULL,
  PRIMARY KEY (plan_id, check_item_code)
);
COMMENT ON TABLE sv.draw_plan_item IS 'The check items of a plan (一单: the list), from the published catalogue';

CREATE TABLE sv.draw_plan_stratum (
  plan_id bigint NOT NULL REFERENCES sv.draw_plan (id),
  stratum text NOT NULL CHECK (stratum IN ('A', 'B', 'C', 'D', 'U')),
  ratio   numeric CHECK (ratio > 0 AND ratio <= 1),
  count   integer CHECK (count >= 0),
  PRIMARY KEY (plan_id, stratum),
  CHECK ((ratio IS NULL) <> (count IS NULL))
);
COMMENT ON TABLE sv.draw_plan_stratum IS
  'Sampling rule per credit stratum: a ratio (count = ceil(ratio x size)) or a count (at most the size); a stratum without a rule is not drawn';

CREATE TABLE sv.draw_exclusion (
  plan_id bigint NOT NULL REFERENCES sv.draw_plan (id),
  uscc    sv.uscc NOT NULL,
  reason  text NOT NULL,
  PRIMARY KEY (plan_id, uscc)
);
COMMENT ON TABLE sv.draw_exclusion IS 'Subjects in scope left out at sealing, with the reason (e.g. the annual inspection cap)';

CREATE TABLE sv.draw (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id       bigint NOT NULL UNIQUE REFERENCES sv.draw_plan (id),   -- one draw per plan
  nonce         bytea NOT NULL,
  entropy       text NOT NULL,
  seed          bytea NOT NULL,
  stream_words  bigint NOT NULL,              -- words read by subjects and teams together
  -- the team inputs (docs/draw-protocol.md, "Teams"): the pool, inspectors 1..m in certificate
  -- order with their department number and region; the exclusion pairs (subject number,
  -- inspector number) from conflicts and the look-back window; the drawn subjects' regions
  pool_certificates   text[] NOT NULL,
  pool_departments    integer[] NOT NULL,
  pool_regions        integer[] NOT NULL,
  excluded_subjects   integer[] NOT NULL,
  excluded_inspectors integer[] NOT NULL,
  subject_regions integer[] NOT NULL,         -- each drawn subject's region (as sealed), in draw order
  drawn_by      text NOT NULL,
  drawn_at      timestamptz NOT NULL,
  CHECK (cardinality(pool_departments) = cardinality(pool_certificates)
         AND cardinality(pool_regions) = cardinality(pool_certificates)
         AND cardinality(excluded_inspectors) = cardinality(excluded_subjects))
);
COMMENT ON TABLE sv.draw IS 'The run of a sealed plan: revealed nonce, public entropy, derived seed (append-only)';

CREATE TABLE sv.draw_result (
  draw_id  bigint NOT NULL REFERENCES sv.draw (id),
  uscc     sv.uscc NOT NULL,
  stratum  text NOT NULL,
  position integer NOT NULL,          -- order drawn within the stratum
  PRIMARY KEY (draw_id, uscc),
  UNIQUE (draw_id, stratum, position)
);
COMMENT ON TABLE sv.draw_result IS 'The subjects a draw selected (append-only)';

CREATE TABLE sv.draw_team (
  draw_id        bigint NOT NULL REFERENCES sv.draw (id),
  uscc           sv.uscc NOT NULL,
  slot           integer NOT NULL,
  certificate_no text NOT NULL,
  PRIMARY KEY (draw_id, uscc, slot),
  UNIQUE (draw_id, uscc, certificate_no)
);
COMMENT ON TABLE sv.draw_team IS 'The inspectors a draw assigned to each drawn subject (append-only)';
CREATE TRIGGER draw_team_immutable BEFORE UPDATE OR DELETE ON sv.draw_team
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_team_no_truncate BEFORE TRUNCATE ON sv.draw_team
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a draw is append-only');

CREATE TABLE sv.draw_recusal (
  draw_id        bigint NOT NULL REFERENCES sv.draw (id),
  seq            integer NOT NULL,
  uscc           sv.uscc NOT NULL,
  slot           integer NOT NULL,
  certificate_no text NOT NULL,              -- who leaves
  replacement    text NOT NULL,              -- who comes in
  requested_by   text NOT NULL CHECK (requested_by IN ('inspector', 'subject')),
  reason         text NOT NULL,
  stream_from    bigint NOT NULL,            -- stream words before and after this replacement
  stream_to      bigint NOT NULL,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL,
  PRIMARY KEY (draw_id, seq)
);
COMMENT ON TABLE sv.draw_recusal IS 'Recusals after a draw (回避) and their replacements from the draw''s stream (append-only)';
CREATE TRIGGER draw_recusal_immutable BEFORE UPDATE OR DELETE ON sv.draw_recusal
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_recusal_no_truncate BEFORE TRUNCATE ON sv.draw_recusal
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
ALTER TABLE sv.draw_recusal ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.draw_recusal FORCE ROW LEVEL SECURITY;
CREATE POLICY draw_recusal_read ON sv.draw_recusal FOR SELECT TO sv_admin, sv_officer, sv_auditor USING (true);
GRANT SELECT ON sv.draw_recusal TO sv_admin, sv_officer, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.draw_recusal', '');

CREATE TRIGGER draw_immutable BEFORE UPDATE OR DELETE ON sv.draw
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_result_immutable BEFORE UPDATE OR DELETE ON sv.draw_result
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_no_truncate BEFORE TRUNCATE ON sv.draw
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a draw is append-only');
CREATE TRIGGER draw_result_no_truncate BEFORE TRUNCATE ON sv.draw_result
  FOR EACH STATEMENT EXECUTE FUNCTION sv._refuse_change('a draw is append-only');

-- The population holds credit classes, which are internal: administrators and auditors (as
-- the export).
ALTER TABLE sv.draw_population ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.draw_population FORCE ROW LEVEL SECURITY;
CREATE POLICY draw_population_read ON sv.draw_population FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.draw_population TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.draw_population', '');

-- Plans are readable by officials (the population only as above); the tables of a
-- plan carry no department column, so their policies read every row and the functions check.
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['draw_plan', 'draw_plan_department', 'draw_plan_item', 'draw_plan_stratum',
                           'draw_exclusion', 'draw', 'draw_result', 'draw_team'] LOOP
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('CREATE POLICY %I ON sv.%I FOR SELECT TO sv_admin, sv_officer, sv_auditor USING (true)',
                              t || '_read', t);
    EXECUTE pg_catalog.format('GRANT SELECT ON sv.%I TO sv_admin, sv_officer, sv_auditor', t);
    EXECUTE pg_catalog.format('SELECT pg_catalog.pg_extension_config_dump(%L, %L)', 'sv.' || t, '');
  END LOOP;
END
$rls$;
SELECT pg_catalog.pg_extension_config_dump('sv.draw_plan_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sv.draw_id_seq', '');

GRANT EXECUTE ON FUNCTION sv.chacha20_block(bytea, integer, bytea) TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 51_draw_plan: making and sealing double-random plans (一单两库), and declaring conflicts.
--
-- Functions:  sv.draw_plan_save, sv.draw_seal, sv.inspector_conflict_declare; helpers shared
--             with the run and the verification (_draw_require_plan, _draw_counts, _draw_seed,
--             _draw_select)
-- ---------------------------------------------------------------------------------------------

-- May the caller run this plan?  Administrators any; officers the plans of their department.
CREATE FUNCTION sv._draw_require_plan(plan_id bigint, for_update boolean DEFAULT false) RETURNS sv.draw_plan
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p sv.draw_plan;
BEGIN
  IF plan_id IS NULL THEN
    RAISE EXCEPTION 'plan_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF for_update THEN
    SELECT * INTO p FROM sv.draw_plan d WHERE d.id = plan_id FOR UPDATE;
  ELSE
    SELECT * INTO p FROM sv.draw_plan d WHERE d.id = plan_id;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw plan % does not exist', plan_id USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM sv._require_department_scope(p.lead_department_id);
  RETURN p;
END
$fn$;

-- The strata in the protocol's order, and a draw's counts from the rules (docs/draw-protocol.md):
-- ratio r of a stratum of n candidates draws ceil(r * n), in exact decimal arithmetic; a count c
-- draws min(c, n); a stratum without a rule draws none.
CREATE FUNCTION sv._draw_counts(plan_id bigint, sizes integer[]) RETURNS integer[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT array_agg(CASE WHEN r.stratum IS NULL THEN 0              -- no rule: not drawn
                        WHEN r.ratio IS NOT NULL THEN ceil(r.ratio * sizes[s.i])::integer
                        ELSE least(r.count, sizes[s.i]) END ORDER BY s.i)
  FROM unnest(ARRAY['A', 'B', 'C', 'D', 'U']) WITH ORDINALITY AS s(stratum, i)
  LEFT JOIN sv.draw_plan_stratum r ON r.plan_id = _draw_counts.plan_id AND r.stratum = s.stratum
$fn$;

-- The seed: SHA-256 over a domain-separated encoding of plan id, population hash, nonce and
-- entropy (docs/draw-protocol.md, "Seed").
CREATE FUNCTION sv._draw_seed(plan_id bigint, population_hash bytea, nonce bytea, entropy text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sha256('SV-DRAW-SEED-v1'::bytea || '\x00'::bytea || int8send(plan_id) || population_hash
                || int4send(length(nonce)) || nonce
                || int4send(octet_length(convert_to(entropy, 'UTF8'))) || convert_to(entropy, 'UTF8'))
$fn$;

-- The selection from a plan's population and a seed: (stratum, position, uscc, region at the seal).
CREATE FUNCTION sv._draw_select(p sv.draw_plan, seed bytea,
                                OUT stratum text, OUT "position" integer, OUT uscc text, OUT region integer,
                                OUT stream_words bigint)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT x.stratum, x."position", x.uscc, x.region, x.stream_words
  FROM sv.draw_population q,
       sv._draw_pick(seed, q.population, q.regions, p.stratum_sizes, sv._draw_counts(p.id, p.stratum_sizes)) x
  WHERE q.plan_id = p.id
$fn$;

CREATE FUNCTION sv.draw_plan_save(code text, title text, lead_department_id integer, check_from date,
                                  check_to date, scope jsonb, check_items text[], strata jsonb,
                                  team_size integer DEFAULT 2, departments integer[] DEFAULT NULL,
                                  cross_area boolean DEFAULT false, lookback_days integer DEFAULT 365,
                                  annual_cap integer DEFAULT 1)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_id bigint;
  v_status text;
  v_depts integer[];
  v_key text;
  v_val jsonb;
  v_bad text;
  v_release bigint;
BEGIN
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('title', title);
  PERFORM sv._require_department('lead_department_id', lead_department_id);
  IF check_from IS NULL OR check_to IS NULL OR check_to < check_from THEN
    RAISE EXCEPTION 'check_from and check_to must be given, check_from not after check_to'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the scope is data, never SQL: known keys, each an array of codes
  IF scope IS NULL OR jsonb_typeof(scope) <> 'object' THEN
    RAISE EXCEPTION 'scope must be a JSON object {"regions": [...], "industries": [...], "kinds": [...]}'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad FROM jsonb_object_keys(scope) k
  WHERE k NOT IN ('regions', 'industries', 'kinds');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'scope: unknown key(s) %', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR v_key, v_val IN SELECT e.key, e.value FROM jsonb_each(scope) e LOOP
    IF jsonb_typeof(v_val) <> 'array' OR jsonb_array_length(v_val) = 0
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(v_val) x WHERE jsonb_typeof(x) <> 'string') THEN
      RAISE EXCEPTION 'scope.% must be a non-empty array of strings', v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  IF NOT scope ? 'regions' THEN
    RAISE EXCEPTION 'scope.regions must name at least one region' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(quote_literal(x), ', ') INTO v_bad FROM jsonb_array_elements_text(scope -> 'regions') x
  WHERE NOT EXISTS (SELECT 1 FROM sv.region r WHERE r.code = x);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'scope.regions: region(s) % do not exist', v_bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT string_agg(quote_literal(x), ', ') INTO v_bad FROM jsonb_array_elements_text(scope -> 'industries') x
  WHERE x !~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$';
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'scope.industries must be GB/T 4754 codes or prefixes, not %', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(quote_literal(x), ', ') INTO v_bad FROM jsonb_array_elements_text(scope -> 'kinds') x
  WHERE x NOT IN ('enterprise', 'individual_business', 'farmers_cooperative', 'other');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'scope.kinds must be enterprise, individual_business, farmers_cooperative or other, not %', v_bad
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF team_size IS NULL OR team_size < 2 THEN
    RAISE EXCEPTION 'team_size must be at least 2 (inspections are carried out by two inspectors or more), not %',
      coalesce(team_size::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF lookback_days IS NULL OR lookback_days < 0 OR annual_cap IS NULL OR annual_cap < 1 THEN
    RAISE EXCEPTION 'lookback_days must be 0 or more and annual_cap 1 or more' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_depts := ARRAY(SELECT DISTINCT d FROM unnest(coalesce(departments, ARRAY[lead_department_id]) || lead_department_id) d ORDER BY 1);
  SELECT string_agg(coalesce(d::text, 'NULL'), ', ') INTO v_bad FROM unnest(v_depts) d
  WHERE d IS NULL OR NOT EXISTS (SELECT 1 FROM sv.department x WHERE x.id = d);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'departments: department(s) % do not exist', v_bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- 一单: check items of the published catalogue, carried out by a department of the plan
  IF check_items IS NULL OR cardinality(check_items) = 0 THEN
    RAISE EXCEPTION 'check_items must name at least one check item' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT r.id INTO v_release FROM sv.catalog_release r ORDER BY r.published_at DESC, r.id DESC LIMIT 1;
  SELECT string_agg(quote_literal(c), ', ') INTO v_bad FROM unnest(check_items) c
  WHERE NOT EXISTS (SELECT 1 FROM sv.catalog_release_item i WHERE i.release_id = v_release AND i.kind = 'check_item'
                      AND i.code = c AND (i.item ->> 'department_id')::integer = ANY (v_depts));
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'check_items: % not in the published catalogue for the plan''s departments (监管事项之外无监管)', v_bad
      USING ERRCODE = 'check_violation';
  END IF;
  -- strata: {"A": {"ratio": 0.05}, "D": {"count": 20}, ...}
  IF strata IS NULL OR jsonb_typeof(strata) <> 'object' OR strata = '{}' THEN
    RAISE EXCEPTION 'strata must be a JSON object such as {"U": {"ratio": 0.05}}' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR v_key, v_val IN SELECT e.key, e.value FROM jsonb_each(strata) e LOOP
    IF v_key NOT IN ('A', 'B', 'C', 'D', 'U') THEN
      RAISE EXCEPTION 'strata: % is not a stratum (A, B, C, D or U for unclassified)', quote_literal(v_key)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(v_val) <> 'object' OR (SELECT count(*) FROM jsonb_object_keys(v_val)) <> 1
       OR NOT (v_val ? 'ratio' OR v_val ? 'count') THEN
      RAISE EXCEPTION 'strata.% must be {"ratio": r} or {"count": n}', v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_val ? 'ratio' AND (jsonb_typeof(v_val -> 'ratio') <> 'number' OR (v_val ->> 'ratio')::numeric <= 0
                            OR (v_val ->> 'ratio')::numeric > 1) THEN
      RAISE EXCEPTION 'strata.%.ratio must be a number above 0 and at most 1 (1 = every subject, e.g. key items)', v_key
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_val ? 'count' AND (jsonb_typeof(v_val -> 'count') <> 'number' OR (v_val ->> 'count') !~ '^[0-9]{1,9}$') THEN
      RAISE EXCEPTION 'strata.%.count must be a whole number, 0 or more', v_key USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;

  PERFORM sv._require_department_scope(lead_department_id);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.draw_plan'), pg_catalog.hashtext(btrim(code)));
  SELECT d.id, d.status INTO v_id, v_status FROM sv.draw_plan d WHERE d.code = btrim(draw_plan_save.code) FOR UPDATE;
  IF FOUND THEN
    IF v_status <> 'draft' THEN
      RAISE EXCEPTION 'plan % is %: a sealed plan cannot change', quote_literal(btrim(code)), v_status
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM sv._draw_require_plan(v_id);
    UPDATE sv.draw_plan d SET title = btrim(draw_plan_save.title), lead_department_id = draw_plan_save.lead_department_id,
           check_from = draw_plan_save.check_from, check_to = draw_plan_save.check_to, scope = draw_plan_save.scope,
           team_size = draw_plan_save.team_size, cross_area = draw_plan_save.cross_area,
           lookback_days = draw_plan_save.lookback_days, annual_cap = draw_plan_save.annual_cap
     WHERE d.id = v_id;
    DELETE FROM sv.draw_plan_department x WHERE x.plan_id = v_id;
    DELETE FROM sv.draw_plan_item x WHERE x.plan_id = v_id;
    DELETE FROM sv.draw_plan_stratum x WHERE x.plan_id = v_id;
  ELSE
    INSERT INTO sv.draw_plan (code, title, lead_department_id, check_from, check_to, scope, team_size, cross_area,
                              lookback_days, annual_cap, created_by, created_at)
    VALUES (btrim(code), btrim(title), lead_department_id, check_from, check_to, scope, team_size, cross_area,
            lookback_days, annual_cap, me, now())
    RETURNING id INTO v_id;
  END IF;
  INSERT INTO sv.draw_plan_department SELECT v_id, d FROM unnest(v_depts) d;
  INSERT INTO sv.draw_plan_item SELECT DISTINCT v_id, c FROM unnest(check_items) c;
  INSERT INTO sv.draw_plan_stratum (plan_id, stratum, ratio, count)
  SELECT v_id, e.key, (e.value ->> 'ratio')::numeric, (e.value ->> 'count')::integer FROM jsonb_each(strata) e;
  PERFORM sv.audit_append(lead_department_id, 'draw_plan', btrim(code), CASE WHEN v_status IS NULL THEN 'add' ELSE 'change' END,
    jsonb_build_object('plan_id', v_id, 'title', btrim(title), 'departments', to_jsonb(v_depts), 'check_from', check_from,
                       'check_to', check_to, 'scope', scope, 'check_items', to_jsonb(check_items), 'strata', strata,
                       'team_size', team_size, 'cross_area', cross_area, 'lookback_days', lookback_days,
                       'annual_cap', annual_cap));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.draw_plan_save(text, text, integer, date, date, jsonb, text[], jsonb, integer, integer[], boolean, integer, integer) IS
  'Create or change (while a draft) a double-random draw plan: items, subject scope, strata, team rules';

-- The candidates of a plan: the subjects in scope, less those at the annual inspection cap of a
-- plan department (国办发〔2024〕54号), which come back with the reason; the rest as the
-- population (one 21-byte line "<uscc>,<stratum>\n" per candidate, strata A..D then U, codes in
-- byte order within each stratum: docs/draw-protocol.md, "Population") with each candidate's
-- region, under a handle for sv._draw_population_store; its SHA-256 and the stratum sizes.
-- STABLE, so both statements read the snapshot of the seal's statement that calls it: one
-- snapshot of subjects, classes and actions.  The population statement is read-only, so it may
-- run in parallel (the aggregate sorts in the workers and merges).
CREATE FUNCTION sv._draw_candidates(p sv.draw_plan)
RETURNS TABLE (capped sv.uscc[], capped_reasons text[], handle bigint, population_hash bytea, sizes integer[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
SET parallel_leader_participation = off   -- the leader merges what the workers sorted
AS $fn$
DECLARE
  v_regions text[];
  v_kinds text[];
  v_patterns text[];
  v_capped sv.uscc[];
  v_reasons text[];
BEGIN
  -- the regions of the scope with everything below them
  v_regions := ARRAY(SELECT r.code FROM sv.region r
                     WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.scope -> 'regions') s
                                   WHERE s = ANY (sv.region_path(r.code))));
  v_kinds := ARRAY(SELECT jsonb_array_elements_text(coalesce(p.scope -> 'kinds', '[]')));
  v_patterns := ARRAY(SELECT x || '%' FROM jsonb_array_elements_text(coalesce(p.scope -> 'industries', '[]')) x);
  -- (the scope test is written out twice, for the capped subjects and the candidates)
  SELECT coalesce(array_agg(a.uscc ORDER BY a.uscc), '{}'),
         coalesce(array_agg(format('annual inspection cap (%s) reached: %s in %s', p.annual_cap, a.what,
                                   extract(year FROM p.check_from)) ORDER BY a.uscc), '{}')
  INTO v_capped, v_reasons
  FROM (SELECT a.uscc,
               string_agg(format('%s inspection(s) by department %s', a.n, a.department_id), ', ' ORDER BY a.department_id) AS what
        FROM (SELECT a.uscc, a.department_id, count(*) AS n
              FROM sv.action a JOIN sv.subject s ON s.uscc = a.uscc
              WHERE a.kind = 'inspection'
                AND a.department_id IN (SELECT x.department_id FROM sv.draw_plan_department x WHERE x.plan_id = p.id)
                AND a.started_on >= make_date(extract(year FROM p.check_from)::integer, 1, 1)
                AND a.started_on < make_date(extract(year FROM p.check_from)::integer + 1, 1, 1)
                AND s.status = 'operating' AND s.region_code = ANY (v_regions)
                AND (cardinality(v_kinds) = 0 OR s.kind = ANY (v_kinds))
                AND (cardinality(v_patterns) = 0 OR s.industry LIKE ANY (v_patterns))
              GROUP BY a.uscc, a.department_id
              HAVING count(*) >= p.annual_cap) a
        GROUP BY a.uscc) a;
  -- the subjects, the stored classes and the capped subjects side by side: the aggregate joins
  -- them (population.c).  RETURN QUERY, not SELECT INTO: a query with a row limit (INTO) never
  -- runs in parallel.
  RETURN QUERY
  SELECT v_capped, v_reasons, (b.built).handle, (b.built).population_hash, (b.built).sizes
  FROM (SELECT sv._draw_population(x.uscc, x.class, x.region_code) AS built
        FROM (SELECT s.uscc, NULL::text AS class, s.region_code
              FROM sv.subject s
              WHERE s.status = 'operating' AND s.region_code = ANY (v_regions)
                AND (cardinality(v_kinds) = 0 OR s.kind = ANY (v_kinds))
                AND (cardinality(v_patterns) = 0 OR s.industry LIKE ANY (v_patterns))
              UNION ALL
              SELECT k.uscc, k.class, NULL FROM sv.credit_class k
              UNION ALL
              SELECT c.uscc, 'X', NULL FROM unnest(v_capped) c(uscc)) x) b;
END
$fn$;

CREATE FUNCTION sv.draw_seal(plan_id bigint, commitment bytea, entropy_source text) RETURNS bytea
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  p sv.draw_plan;
  v_capped sv.uscc[];
  v_reasons text[];
  v_handle bigint;
  v_hash bytea;
  v_size integer;
  v_sizes integer[];
  v_excluded integer;
BEGIN
  IF commitment IS NULL OR length(commitment) <> 32 THEN
    RAISE EXCEPTION 'commitment must be the 32-byte SHA-256 of the secret nonce'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF entropy_source IS NULL OR length(btrim(entropy_source)) < 8 THEN
    RAISE EXCEPTION 'entropy_source must name the public randomness that will decide the draw (at least 8 characters)'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'For example: the first prize numbers of a named lottery draw on a date after the seal.';
  END IF;
  p := sv._draw_require_plan(plan_id, true);
  IF p.status <> 'draft' THEN
    RAISE EXCEPTION 'plan % is already %', quote_literal(p.code), p.status USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  -- candidates and exclusions at one snapshot; the population stored from where it was built
  SELECT c.capped, c.capped_reasons, c.handle, c.population_hash, c.sizes
  INTO v_capped, v_reasons, v_handle, v_hash, v_sizes
  FROM sv._draw_candidates(p) c;
  PERFORM sv._draw_population_store(p.id, v_handle);
  INSERT INTO sv.draw_exclusion (plan_id, uscc, reason)
  SELECT p.id, x.uscc, x.reason FROM unnest(v_capped, v_reasons) x(uscc, reason);
  v_excluded := cardinality(v_capped);
  v_size := (SELECT sum(x)::integer FROM unnest(v_sizes) x);
  UPDATE sv.draw_plan d
     SET status = 'sealed', sealed_by = me, sealed_at = now(), population_size = v_size,
         population_hash = v_hash, commitment = draw_seal.commitment,
         entropy_source = btrim(draw_seal.entropy_source), stratum_sizes = v_sizes
   WHERE d.id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw_plan', p.code, 'seal',
    jsonb_build_object('plan_id', p.id, 'population_size', v_size, 'population_sha256', encode(v_hash, 'hex'),
                       'stratum_sizes', to_jsonb(v_sizes), 'excluded', v_excluded,
                       'commitment', encode(commitment, 'hex'), 'entropy_source', btrim(entropy_source)));
  RETURN v_hash;
END
$fn$;
COMMENT ON FUNCTION sv.draw_seal(bigint, bytea, text) IS
  'Freeze a plan''s candidate population (returns its SHA-256) with the planner''s commitment and the named public entropy source';

-- An inspector (or a subject) declares a conflict of interest; the inspector is then never in a
-- team for that subject.  Officers of the inspector's department, administrators, integration.
CREATE FUNCTION sv.inspector_conflict_declare(certificate_no text, uscc text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  i sv.inspector;
BEGIN
  PERFORM sv._require_uscc('uscc', uscc);
  PERFORM sv._require_reason(reason, 'the conflict exists');
  SELECT * INTO i FROM sv.inspector x WHERE x.certificate_no = upper(btrim(inspector_conflict_declare.certificate_no));
  IF NOT FOUND THEN
    RAISE EXCEPTION 'certificate_no: no inspector holds certificate %', coalesce(quote_literal(certificate_no), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.subject s WHERE s.uscc = inspector_conflict_declare.uscc::sv.uscc) THEN
    RAISE EXCEPTION 'uscc: subject % is not in the data centre', uscc::sv.uscc USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NOT pg_has_role(me, 'sv_integration', 'USAGE') THEN
    PERFORM sv._require_department_scope(i.department_id);
  END IF;
  INSERT INTO sv.inspector_conflict (uscc, certificate_no, reason, declared_by, declared_at)
  VALUES (uscc::sv.uscc, i.certificate_no, btrim(reason), me, now())
  ON CONFLICT ON CONSTRAINT inspector_conflict_pkey DO NOTHING;
  IF FOUND THEN
    PERFORM sv.audit_append(i.department_id, 'inspector_conflict', uscc::sv.uscc::text || '/' || i.certificate_no, 'declare',
                            jsonb_build_object('reason', btrim(reason)));
  END IF;
END
$fn$;
COMMENT ON FUNCTION sv.inspector_conflict_declare(text, text, text) IS
  'Declare a conflict of interest (回避) between an inspector and a subject: never in one draw team';
GRANT EXECUTE ON FUNCTION sv.inspector_conflict_declare(text, text, text) TO sv_admin, sv_officer, sv_integration;

GRANT EXECUTE ON FUNCTION sv.draw_plan_save(text, text, integer, date, date, jsonb, text[], jsonb, integer, integer[], boolean, integer, integer),
                          sv.draw_seal(bigint, bytea, text) TO sv_admin, sv_officer;
-- ---------------------------------------------------------------------------------------------
-- 52_draw_run: running a sealed plan (subjects and teams from one seeded stream), recusal after
-- the draw, and approved redraws.
--
-- Functions:  sv.draw_run, sv.draw_recuse, sv.draw_redraw; helpers _draw_team_inputs,
--             _draw_assign, _draw_stream_below, _draw_replacement (shared with verification)
-- ---------------------------------------------------------------------------------------------

-- The inspector pool of a plan at run time: active inspectors of the plan's departments whose
-- certificates are valid for the whole period and who hold every specialty the plan's check
-- items require, in certificate order, each with its department
-- number (1.. in department id order) and region; and the exclusion pairs for the drawn
-- subjects (in draw order): declared conflicts, and inspectors who took part in an action on
-- the subject within the look-back window before the period.
-- (PL/pgSQL with custom plans: the planner sees how many subjects there are, and joins them to
-- the conflicts by hashing rather than probing once per inspector.)
CREATE FUNCTION sv._draw_team_inputs(p sv.draw_plan, subjects text[])
RETURNS TABLE (pool_certificates text[], pool_departments integer[], pool_regions integer[],
               excluded_subjects integer[], excluded_inspectors integer[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
SET plan_cache_mode = force_custom_plan
AS $fn$
BEGIN
  RETURN QUERY
  WITH depts AS (
    SELECT x.department_id, row_number() OVER (ORDER BY x.department_id) AS n
    FROM sv.draw_plan_department x WHERE x.plan_id = p.id
  ), pool AS (
    SELECT i.certificate_no, d.n AS department, i.region_code,
           row_number() OVER (ORDER BY i.certificate_no COLLATE "C") AS k
    FROM sv.inspector i JOIN depts d ON d.department_id = i.department_id
    WHERE i.status = 'active' AND i.valid_from <= p.check_from AND i.valid_until >= p.check_to
      -- every specialty the plan's check items require (as in the latest release, which plans cite)
      AND i.specialties @> ARRAY(
            SELECT DISTINCT ri.item ->> 'specialty' FROM sv.draw_plan_item pi
            JOIN sv.catalog_release_item ri ON ri.kind = 'check_item' AND ri.code = pi.check_item_code
                                           AND ri.release_id = (SELECT r.id FROM sv.catalog_release r
                                                                ORDER BY r.published_at DESC, r.id DESC LIMIT 1)
            WHERE pi.plan_id = p.id AND ri.item ->> 'specialty' IS NOT NULL)
  ), subj AS (
    SELECT u.code, u.i FROM unnest(subjects) WITH ORDINALITY AS u(code, i)
  ), pairs AS (
    SELECT s.i, o.k FROM subj s JOIN sv.inspector_conflict c ON c.uscc = s.code::sv.uscc
    JOIN pool o ON o.certificate_no = c.certificate_no
    UNION
    SELECT s.i, o.k FROM subj s JOIN sv.action a ON a.uscc = s.code::sv.uscc
    JOIN pool o ON o.certificate_no = ANY (a.inspectors)
    WHERE a.started_on >= p.check_from - p.lookback_days AND a.started_on < p.check_from
  )
  SELECT coalesce((SELECT array_agg(o.certificate_no ORDER BY o.k) FROM pool o), '{}'),
         coalesce((SELECT array_agg(o.department::integer ORDER BY o.k) FROM pool o), '{}'),
         coalesce((SELECT array_agg(o.region_code::integer ORDER BY o.k) FROM pool o), '{}'),
         coalesce((SELECT array_agg(x.i::integer ORDER BY x.i, x.k) FROM pairs x), '{}'),
         coalesce((SELECT array_agg(x.k::integer ORDER BY x.i, x.k) FROM pairs x), '{}');
END
$fn$;

-- The team assignment (teams.c) from stored inputs: (subject number, slot, certificate).
CREATE FUNCTION sv._draw_assign(p sv.draw_plan, seed bytea, start_words bigint, subject_regions integer[],
                                pool_certificates text[], pool_departments integer[], pool_regions integer[],
                                excluded_subjects integer[], excluded_inspectors integer[],
                                OUT subject integer, OUT slot integer, OUT certificate_no text, OUT stream_words bigint)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT t.subject, t.slot, o.cert, t.stream_words
  FROM sv._draw_teams(seed, start_words, p.team_size,
         (SELECT count(*)::integer FROM sv.draw_plan_department x WHERE x.plan_id = p.id),
         pool_departments, pool_regions, subject_regions, excluded_subjects, excluded_inspectors, p.cross_area) t
  -- (a join, not pool_certificates[t.inspector]: subscripting a text array walks it each time)
  LEFT JOIN unnest(pool_certificates) WITH ORDINALITY o(cert, k) ON o.k = t.inspector
$fn$;

CREATE FUNCTION sv.draw_run(plan_id bigint, nonce bytea, entropy text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  p sv.draw_plan;
  v_seed bytea;
  v_draw bigint;
  v_words bigint;
  v_counts integer[];
  v_codes text[];
  v_strata text[];
  v_positions integer[];
  v_regions integer[];
  v_pool record;
  v_unstaffed text;
  v_n bigint;
BEGIN
  IF nonce IS NULL OR length(nonce) NOT BETWEEN 16 AND 1024 THEN
    RAISE EXCEPTION 'nonce must be the secret of 16 to 1024 bytes whose SHA-256 was sealed'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF entropy IS NULL OR btrim(entropy) = '' THEN
    RAISE EXCEPTION 'entropy must be the value the named public source produced' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the plan row lock makes concurrent runs of one plan wait; the second finds it drawn
  p := sv._draw_require_plan(plan_id, true);
  IF p.status = 'draft' THEN
    RAISE EXCEPTION 'plan % is not sealed: seal it with sv.draw_seal() first', quote_literal(p.code)
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF p.status = 'drawn' THEN
    RAISE EXCEPTION 'plan % was already drawn (draw %)', quote_literal(p.code),
      (SELECT d.id FROM sv.draw d WHERE d.plan_id = p.id) USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF sha256(nonce) <> p.commitment THEN
    RAISE EXCEPTION 'nonce does not match the commitment sealed with plan %', quote_literal(p.code)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  v_seed := sv._draw_seed(p.id, p.population_hash, nonce, entropy);
  v_counts := sv._draw_counts(p.id, p.stratum_sizes);
  -- 1. the subjects, in draw order
  SELECT coalesce(array_agg(x.uscc ORDER BY x.stratum, x."position"), '{}'),
         coalesce(array_agg(x.stratum ORDER BY x.stratum, x."position"), '{}'),
         coalesce(array_agg(x."position" ORDER BY x.stratum, x."position"), '{}'),
         coalesce(array_agg(x.region ORDER BY x.stratum, x."position"), '{}'),
         coalesce(max(x.stream_words), 0)
  INTO v_codes, v_strata, v_positions, v_regions, v_words
  FROM sv._draw_select(p, v_seed) x;
  -- 2. their teams, continuing the stream (regions as sealed with the population)
  SELECT * INTO v_pool FROM sv._draw_team_inputs(p, v_codes) t;
  CREATE TEMP TABLE sv_draw_team ON COMMIT DROP AS
    SELECT * FROM sv._draw_assign(p, v_seed, v_words, v_regions, v_pool.pool_certificates, v_pool.pool_departments,
                                  v_pool.pool_regions, v_pool.excluded_subjects, v_pool.excluded_inspectors);
  -- name them all, up to twenty (a message must stay readable)
  SELECT string_agg(format('%s (region %s)', v_codes[t.subject], v_regions[t.subject]), ', ' ORDER BY t.subject)
           FILTER (WHERE t.rn <= 20)
         || CASE WHEN count(*) > 20 THEN format(' and %s more', count(*) - 20) ELSE '' END,
         count(*)
  INTO v_unstaffed, v_n
  FROM (SELECT x.subject, row_number() OVER (ORDER BY x.subject) AS rn FROM pg_temp.sv_draw_team x WHERE x.slot = 0) t;
  IF v_n > 0 THEN
    RAISE EXCEPTION '% drawn subject(s) of plan % cannot be given a team of % inspectors: %', v_n, quote_literal(p.code),
      p.team_size, v_unstaffed
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('The pool holds %s eligible inspector(s) of the plan''s departments; conflicts, the look-back window and cross-area assignment rule some out per subject.', cardinality(v_pool.pool_certificates)),
            HINT = 'Add inspectors to the pool (certificates valid for the whole period), or change the plan before sealing; nothing was drawn.';
  END IF;
  SELECT coalesce(max(t.stream_words), v_words) INTO v_words FROM pg_temp.sv_draw_team t;

  INSERT INTO sv.draw (plan_id, nonce, entropy, seed, stream_words, pool_certificates, pool_departments, pool_regions,
                       excluded_subjects, excluded_inspectors, subject_regions, drawn_by, drawn_at)
  VALUES (p.id, nonce, entropy, v_seed, v_words, v_pool.pool_certificates, v_pool.pool_departments, v_pool.pool_regions,
          v_pool.excluded_subjects, v_pool.excluded_inspectors, v_regions, me, now())
  RETURNING id INTO v_draw;
  -- (arrays unnested side by side and joined, not subscripted per row: finding element i of a
  -- text array walks it, which made storing 10,000 subjects quadratic)
  INSERT INTO sv.draw_result (draw_id, uscc, stratum, "position")
  SELECT v_draw, u.code::sv.uscc, u.stratum, u.pos FROM unnest(v_codes, v_strata, v_positions) u(code, stratum, pos);
  INSERT INTO sv.draw_team (draw_id, uscc, slot, certificate_no)
  SELECT v_draw, u.code::sv.uscc, t.slot, t.certificate_no
  FROM pg_temp.sv_draw_team t JOIN unnest(v_codes) WITH ORDINALITY u(code, i) ON u.i = t.subject;
  DROP TABLE pg_temp.sv_draw_team;

  UPDATE sv.draw_plan x SET status = 'drawn' WHERE x.id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw', v_draw::text, 'run',
    jsonb_build_object('plan', p.code, 'nonce', encode(nonce, 'hex'), 'entropy', entropy, 'seed', encode(v_seed, 'hex'),
                       'counts', to_jsonb(v_counts), 'stream_words', v_words));
  RETURN v_draw;
END
$fn$;
COMMENT ON FUNCTION sv.draw_run(bigint, bytea, text) IS
  'Run a sealed plan: check the nonce against the commitment, derive the seed with the public entropy, draw; returns the draw id';

GRANT EXECUTE ON FUNCTION sv.draw_run(bigint, bytea, text) TO sv_admin, sv_officer;

-- Recusal (回避) after the draw: an inspector leaves a subject's team, at the inspector's or the
-- subject's request, and the replacement follows from the draw's stream (docs/draw-protocol.md
-- section 7).  Recusals are numbered per draw and replayed in order by verification.
CREATE FUNCTION sv._draw_stream_below(seed bytea, at_word bigint, n integer, OUT value integer, OUT words bigint)
AS 'MODULE_PATHNAME', 'sv_draw_stream_below' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;


-- The replacement for one recusal, given the recusals before it (replay for verification too):
-- candidates are the subject's eligible inspectors of the pool not in its current team and
-- never recused from it; of the recused inspector's department when the slot is a department
-- slot; the least loaded, ties broken by the stream at `at_word`.
CREATE FUNCTION sv._draw_replacement(d sv.draw, p sv.draw_plan, uscc text, slot integer, recused text,
                                     prior_recusals jsonb, at_word bigint, OUT replacement text, OUT words bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_subject integer;
  v_departments integer;
  v_dept integer;
  v_tied text[];
  v_pick record;
BEGIN
  SELECT u.i INTO v_subject
  FROM (SELECT r.uscc::text AS code, row_number() OVER (ORDER BY r.stratum, r."position") AS i
        FROM sv.draw_result r WHERE r.draw_id = d.id) u WHERE u.code = uscc;
  SELECT count(*)::integer INTO v_departments FROM sv.draw_plan_department x WHERE x.plan_id = p.id;
  SELECT q.dept INTO v_dept FROM unnest(d.pool_certificates, d.pool_departments) q(cert, dept) WHERE q.cert = recused;
  WITH pool AS (
    SELECT q.cert, q.dept, q.region, q.i
    FROM unnest(d.pool_certificates, d.pool_departments, d.pool_regions) WITH ORDINALITY q(cert, dept, region, i)
  ), team AS (          -- the teams as they stand after the earlier recusals
    SELECT t.uscc::text AS code, t.slot,
           coalesce((SELECT x ->> 'replacement' FROM jsonb_array_elements(prior_recusals) WITH ORDINALITY z(x, k)
                     WHERE x ->> 'uscc' = t.uscc::text AND (x ->> 'slot')::integer = t.slot ORDER BY k DESC LIMIT 1),
                    t.certificate_no) AS cert
    FROM sv.draw_team t WHERE t.draw_id = d.id
  ), load AS (
    SELECT t.cert, count(*) AS n FROM team t GROUP BY t.cert
  ), candidates AS (
    SELECT o.cert, coalesce(l.n, 0) AS n FROM pool o LEFT JOIN load l ON l.cert = o.cert
    WHERE NOT EXISTS (SELECT 1 FROM unnest(d.excluded_subjects, d.excluded_inspectors) x(s, k)
                      WHERE x.s = v_subject AND x.k = o.i)
      AND NOT (p.cross_area AND o.region = d.subject_regions[v_subject])
      AND NOT EXISTS (SELECT 1 FROM team t WHERE t.code = uscc AND t.cert = o.cert)
      AND o.cert <> recused
      AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(prior_recusals) x
                      WHERE x ->> 'uscc' = uscc AND x ->> 'certificate_no' = o.cert)
      AND (slot > v_departments OR o.dept = v_dept)
  )
  SELECT array_agg(c.cert ORDER BY c.cert COLLATE "C") INTO v_tied
  FROM candidates c WHERE c.n = (SELECT min(n) FROM candidates);
  IF v_tied IS NULL THEN
    replacement := NULL; words := 0;
    RETURN;
  END IF;
  IF cardinality(v_tied) = 1 THEN
    replacement := v_tied[1]; words := 0;
  ELSE
    SELECT * INTO v_pick FROM sv._draw_stream_below(d.seed, at_word, cardinality(v_tied));
    replacement := v_tied[v_pick.value + 1]; words := v_pick.words;
  END IF;
END
$fn$;

CREATE FUNCTION sv.draw_recuse(draw_id bigint, uscc text, certificate_no text, requested_by text, reason text)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  d sv.draw;
  p sv.draw_plan;
  v_code text;
  v_cert text := upper(btrim(certificate_no));
  v_slot integer;
  v_prior jsonb;
  v_at bigint;
  v_seq integer;
  r record;
BEGIN
  PERFORM sv._require_one_of('requested_by', requested_by, ARRAY['inspector', 'subject']);
  PERFORM sv._require_reason(reason, 'the inspector withdraws (回避)');
  PERFORM sv._require_uscc('uscc', uscc);
  v_code := uscc::sv.uscc::text;
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  p := sv._draw_require_plan(d.plan_id, true);   -- one recusal of a draw at a time
  SELECT coalesce(jsonb_agg(jsonb_build_object('uscc', x.uscc::text, 'slot', x.slot, 'certificate_no', x.certificate_no,
                                               'replacement', x.replacement) ORDER BY x.seq), '[]'),
         coalesce(max(x.stream_to), d.stream_words), coalesce(max(x.seq), 0) + 1
  INTO v_prior, v_at, v_seq
  FROM sv.draw_recusal x WHERE x.draw_id = d.id;
  -- the slot the inspector holds now
  SELECT t.slot INTO v_slot FROM sv.draw_team t
  WHERE t.draw_id = d.id AND t.uscc::text = v_code
    AND coalesce((SELECT x ->> 'replacement' FROM jsonb_array_elements(v_prior) WITH ORDINALITY z(x, k)
                  WHERE x ->> 'uscc' = v_code AND (x ->> 'slot')::integer = t.slot ORDER BY k DESC LIMIT 1),
                 t.certificate_no) = v_cert;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'inspector % is not in the team of subject % in draw %', quote_literal(v_cert), v_code, d.id
      USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO r FROM sv._draw_replacement(d, p, v_code, v_slot, v_cert, v_prior, v_at);
  IF r.replacement IS NULL THEN
    RAISE EXCEPTION 'no eligible inspector can replace % for subject % in draw %', quote_literal(v_cert), v_code, d.id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Every eligible inspector of the pool is in the team, excluded or recused already.';
  END IF;
  INSERT INTO sv.draw_recusal (draw_id, seq, uscc, slot, certificate_no, replacement, requested_by, reason,
                               stream_from, stream_to, recorded_by, recorded_at)
  VALUES (d.id, v_seq, v_code::sv.uscc, v_slot, v_cert, r.replacement, requested_by, btrim(reason),
          v_at, v_at + r.words, me, now());
  PERFORM sv.audit_append(p.lead_department_id, 'draw', d.id::text, 'recuse',
    jsonb_build_object('seq', v_seq, 'uscc', v_code, 'slot', v_slot, 'certificate_no', v_cert,
                       'replacement', r.replacement, 'requested_by', requested_by, 'reason', btrim(reason)));
  RETURN r.replacement;
END
$fn$;
COMMENT ON FUNCTION sv.draw_recuse(bigint, text, text, text, text) IS
  'Recusal (回避) after a draw: replace an inspector in a subject''s team from the draw''s stream; returns the replacement';
GRANT EXECUTE ON FUNCTION sv.draw_recuse(bigint, text, text, text, text) TO sv_admin, sv_officer;

-- A redraw is a new plan, approved by an administrator with a reason; the earlier plan and its
-- draw stay as they are, visible, and the new plan names them.

CREATE FUNCTION sv.draw_redraw(plan_id bigint, new_code text, reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  p sv.draw_plan;
  v_id bigint;
BEGIN
  PERFORM sv._require_code('new_code', new_code);
  PERFORM sv._require_reason(reason, 'the draw is made again');
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'a redraw must be approved by a platform administrator' USING ERRCODE = 'insufficient_privilege';
  END IF;
  p := sv._draw_require_plan(plan_id, true);
  IF p.status <> 'drawn' THEN
    RAISE EXCEPTION 'plan % is %: only a drawn plan is redrawn', quote_literal(p.code), p.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF EXISTS (SELECT 1 FROM sv.draw_plan x WHERE x.redraw_of = p.id) THEN
    RAISE EXCEPTION 'plan % was already redrawn as %', quote_literal(p.code),
      (SELECT quote_literal(x.code) FROM sv.draw_plan x WHERE x.redraw_of = p.id) USING ERRCODE = 'unique_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM sv.draw_plan x WHERE x.code = btrim(new_code)) THEN
    RAISE EXCEPTION 'plan % already exists', quote_literal(btrim(new_code)) USING ERRCODE = 'unique_violation';
  END IF;
  INSERT INTO sv.draw_plan (code, title, lead_department_id, check_from, check_to, scope, team_size, cross_area,
                            lookback_days, annual_cap, created_by, created_at, redraw_of, redraw_reason, redraw_approved_by)
  SELECT btrim(new_code), p.title, p.lead_department_id, p.check_from, p.check_to, p.scope, p.team_size, p.cross_area,
         p.lookback_days, p.annual_cap, me, now(), p.id, btrim(reason), me
  RETURNING id INTO v_id;
  INSERT INTO sv.draw_plan_department SELECT v_id, x.department_id FROM sv.draw_plan_department x WHERE x.plan_id = p.id;
  INSERT INTO sv.draw_plan_item SELECT v_id, x.check_item_code FROM sv.draw_plan_item x WHERE x.plan_id = p.id;
  INSERT INTO sv.draw_plan_stratum SELECT v_id, x.stratum, x.ratio, x.count FROM sv.draw_plan_stratum x WHERE x.plan_id = p.id;
  PERFORM sv.audit_append(p.lead_department_id, 'draw_plan', btrim(new_code), 'redraw',
    jsonb_build_object('plan_id', v_id, 'redraw_of', p.code, 'reason', btrim(reason), 'approved_by', me));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.draw_redraw(bigint, text, text) IS
  'Administrators: approve a redraw of a drawn plan as a new draft plan (to seal and run anew); the earlier draw stays visible';
GRANT EXECUTE ON FUNCTION sv.draw_redraw(bigint, text, text) TO sv_admin;
-- ---------------------------------------------------------------------------------------------
-- 53_draw_verify: recomputing and exporting draws, and what the portals show of them.
--
-- Functions:  sv.draw_verify, sv.draw_verify_detail, sv.draw_export
-- Views:      sv_public.draw, sv_public.draw_result (no credit classes: they are internal),
--             sv_work.draw_task (drawn subjects as inspection tasks)
-- ---------------------------------------------------------------------------------------------

-- Recomputes a draw from its stored inputs: each step, whether it matches, and why not.
CREATE FUNCTION sv.draw_verify_detail(draw_id bigint)
RETURNS TABLE (step text, ok boolean, detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  d sv.draw;
  p sv.draw_plan;
  v_population bytea;
  v_sizes integer[];
  v_region_diff bigint;
  v_words bigint;
  v_seed bytea;
  v_diff bigint;
  v_n bigint;
  v_prior jsonb;
  v_at bigint;
  v_rec record;
  v_repl record;
BEGIN
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO p FROM sv.draw_plan x WHERE x.id = d.plan_id;
  SELECT x.population INTO v_population FROM sv.draw_population x WHERE x.plan_id = d.plan_id;

  step := 'population_hash'; ok := sha256(v_population) = p.population_hash;
  detail := 'SHA-256 of the sealed population ' || CASE WHEN ok THEN 'matches' ELSE 'is ' || encode(sha256(v_population), 'hex') || ', not the sealed ' || encode(p.population_hash, 'hex') END;
  RETURN NEXT;

  v_sizes := sv._draw_population_sizes(v_population);    -- NULL unless whole lines of the five strata
  step := 'stratum_sizes'; ok := coalesce(v_sizes = p.stratum_sizes AND length(v_population) = 21 * p.population_size, false);
  detail := format('candidates per stratum A, B, C, D, U: %s (sealed: %s)',
                   coalesce(v_sizes::text, 'not whole lines of the five strata'), p.stratum_sizes);
  RETURN NEXT;

  step := 'commitment'; ok := sha256(d.nonce) = p.commitment;
  detail := 'SHA-256 of the revealed nonce ' || CASE WHEN ok THEN 'is the sealed commitment' ELSE 'is not the sealed commitment' END;
  RETURN NEXT;

  v_seed := sv._draw_seed(p.id, p.population_hash, d.nonce, d.entropy);
  step := 'seed'; ok := v_seed = d.seed;
  detail := 'seed ' || encode(v_seed, 'hex') || CASE WHEN ok THEN '' ELSE ', stored ' || encode(d.seed, 'hex') END;
  RETURN NEXT;

  -- the selection recomputed once: the subjects, their sealed regions, the stream words it read
  WITH again AS (SELECT s.stratum, s."position", s.uscc, s.region, s.stream_words,
                        row_number() OVER (ORDER BY s.stratum, s."position") AS i
                 FROM sv._draw_select(p, d.seed) s),
       stored AS (SELECT r.stratum, r."position", r.uscc::text AS uscc FROM sv.draw_result r WHERE r.draw_id = d.id)
  SELECT count(*) FILTER (WHERE a.uscc IS DISTINCT FROM b.uscc), count(*),
         (SELECT count(*) FROM again x FULL JOIN unnest(d.subject_regions) WITH ORDINALITY y(region, i) ON y.i = x.i
          WHERE x.region IS DISTINCT FROM y.region),
         (SELECT coalesce(max(x.stream_words), 0) FROM again x)
  INTO v_diff, v_n, v_region_diff, v_words
  FROM again a FULL JOIN stored b ON a.stratum = b.stratum AND a."position" = b."position";
  step := 'selection'; ok := v_diff = 0;
  detail := format('%s of %s drawn subjects differ from the recomputation', v_diff, v_n);
  RETURN NEXT;

  -- the teams were assigned with the drawn subjects' regions as sealed with the population
  step := 'subject_regions'; ok := v_region_diff = 0;
  detail := format('%s of %s drawn subjects'' regions differ from the regions sealed with the population',
                   v_region_diff, cardinality(d.subject_regions));
  RETURN NEXT;

  WITH again AS (SELECT a.subject, a.slot, a.certificate_no, a.stream_words
                 FROM sv._draw_assign(p, d.seed, v_words, d.subject_regions, d.pool_certificates, d.pool_departments,
                                      d.pool_regions, d.excluded_subjects, d.excluded_inspectors) a),
       subj AS (SELECT r.uscc::text AS code, row_number() OVER (ORDER BY r.stratum, r."position") AS i
                FROM sv.draw_result r WHERE r.draw_id = d.id),
       stored AS (SELECT s.i AS subject, t.slot, t.certificate_no FROM sv.draw_team t JOIN subj s ON s.code = t.uscc::text
                  WHERE t.draw_id = d.id)
  SELECT count(*) FILTER (WHERE a.certificate_no IS DISTINCT FROM b.certificate_no), count(*),
         coalesce(max(a.stream_words), v_words) = d.stream_words
  INTO v_diff, v_n, ok
  FROM again a FULL JOIN stored b ON a.subject = b.subject AND a.slot = b.slot;
  step := 'teams'; ok := v_diff = 0 AND ok;
  detail := format('%s of %s team places differ from the recomputation; %s stream words', v_diff, v_n, d.stream_words);
  RETURN NEXT;

  -- recusals replayed in order, each from where the one before left the stream
  v_prior := '[]';
  v_at := d.stream_words;
  v_diff := 0;
  v_n := 0;
  FOR v_rec IN SELECT * FROM sv.draw_recusal x WHERE x.draw_id = d.id ORDER BY x.seq LOOP
    v_n := v_n + 1;
    SELECT * INTO v_repl FROM sv._draw_replacement(d, p, v_rec.uscc::text, v_rec.slot, v_rec.certificate_no, v_prior, v_at);
    IF v_repl.replacement IS DISTINCT FROM v_rec.replacement OR v_rec.stream_from <> v_at
       OR v_rec.stream_to <> v_at + v_repl.words THEN
      v_diff := v_diff + 1;
    END IF;
    v_prior := v_prior || jsonb_build_array(jsonb_build_object('uscc', v_rec.uscc::text, 'slot', v_rec.slot,
                                                               'certificate_no', v_rec.certificate_no, 'replacement', v_rec.replacement));
    v_at := v_rec.stream_to;
  END LOOP;
  step := 'recusals'; ok := v_diff = 0;
  detail := format('%s of %s recusals differ from the recomputation', v_diff, v_n);
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION sv.draw_verify_detail(bigint) IS 'Recompute a draw step by step from its stored inputs';

CREATE FUNCTION sv.draw_verify(draw_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT bool_and(v.ok) FROM sv.draw_verify_detail(draw_id) v $fn$;
COMMENT ON FUNCTION sv.draw_verify(bigint) IS 'true when a draw recomputes exactly from its stored inputs';

-- Everything an independent verifier needs (contrib-examples/verify_draw.py), for auditors:
-- it contains the credit strata, which are internal.
CREATE FUNCTION sv.draw_export(draw_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  d sv.draw;
  p sv.draw_plan;
  v_population bytea;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_auditor', 'USAGE')) THEN
    RAISE EXCEPTION 'only administrators and auditors export draws (the export holds internal credit classes)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO d FROM sv.draw x WHERE x.id = draw_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'draw % does not exist', coalesce(draw_id::text, 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO p FROM sv.draw_plan x WHERE x.id = d.plan_id;
  SELECT x.population INTO v_population FROM sv.draw_population x WHERE x.plan_id = d.plan_id;
  RETURN jsonb_build_object(
    'protocol', 'sv-draw-v1',
    'draw_id', d.id,
    'plan_id', p.id,
    'plan_code', p.code,
    'population_base64', translate(encode(v_population, 'base64'), E'\n', ''),
    'population_sha256', encode(p.population_hash, 'hex'),
    'stratum_sizes', to_jsonb(p.stratum_sizes),
    'rules', (SELECT coalesce(jsonb_object_agg(r.stratum, CASE WHEN r.ratio IS NOT NULL THEN jsonb_build_object('ratio', r.ratio::text)
                                                             ELSE jsonb_build_object('count', r.count) END), '{}')
              FROM sv.draw_plan_stratum r WHERE r.plan_id = p.id),
    'commitment', encode(p.commitment, 'hex'),
    'entropy_source', p.entropy_source,
    'nonce', encode(d.nonce, 'hex'),
    'entropy', d.entropy,
    'seed', encode(d.seed, 'hex'),
    'stream_words', d.stream_words,
    'selected', (SELECT coalesce(jsonb_agg(jsonb_build_object('stratum', r.stratum, 'position', r."position", 'uscc', r.uscc::text)
                                           ORDER BY r.stratum, r."position"), '[]')
                 FROM sv.draw_result r WHERE r.draw_id = d.id),
    'team_size', p.team_size,
    'departments', (SELECT count(*) FROM sv.draw_plan_department x WHERE x.plan_id = p.id),
    'cross_area', p.cross_area,
    'team_pool', (SELECT coalesce(jsonb_agg(jsonb_build_object('certificate_no', q.cert, 'department', q.dept,
                                                               'region', q.region::text) ORDER BY q.k), '[]')
                  FROM unnest(d.pool_certificates, d.pool_departments, d.pool_regions) WITH ORDINALITY q(cert, dept, region, k)),
    'team_exclusions', (SELECT coalesce(jsonb_agg(jsonb_build_array(x.s, x.k) ORDER BY x.n), '[]')
                        FROM unnest(d.excluded_subjects, d.excluded_inspectors) WITH ORDINALITY x(s, k, n)),
    'subject_regions', to_jsonb(d.subject_regions),
    'teams', (SELECT coalesce(jsonb_agg(jsonb_build_object('uscc', t.uscc::text, 'slot', t.slot, 'certificate_no', t.certificate_no)
                                        ORDER BY r.stratum, r."position", t.slot), '[]')
              FROM sv.draw_team t JOIN sv.draw_result r ON r.draw_id = t.draw_id AND r.uscc = t.uscc WHERE t.draw_id = d.id),
    'recusals', (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', x.seq, 'uscc', x.uscc::text, 'slot', x.slot,
                                                              'certificate_no', x.certificate_no, 'replacement', x.replacement,
                                                              'stream_from', x.stream_from, 'stream_to', x.stream_to)
                                           ORDER BY x.seq), '[]')
                 FROM sv.draw_recusal x WHERE x.draw_id = d.id));
END
$fn$;
COMMENT ON FUNCTION sv.draw_export(bigint) IS 'A draw and all its inputs as JSON, for independent verification (administrators, auditors)';

-- 一公开: what the public sees.  No credit classes and no population (it holds the classes).
CREATE VIEW sv_public.draw AS
  SELECT p.code AS plan_code, p.title,
         (SELECT array_agg(dp.name_zh ORDER BY dp.id) FROM sv.draw_plan_department x JOIN sv.department dp ON dp.id = x.department_id
          WHERE x.plan_id = p.id) AS departments,
         p.check_from, p.check_to, p.status, p.sealed_at, p.population_size,
         encode(p.population_hash, 'hex') AS population_sha256, encode(p.commitment, 'hex') AS commitment,
         p.entropy_source, d.drawn_at, encode(d.nonce, 'hex') AS nonce, d.entropy, encode(d.seed, 'hex') AS seed,
         (SELECT count(*) FROM sv.draw_result r WHERE r.draw_id = d.id) AS subjects_drawn,
         (SELECT o.code FROM sv.draw_plan o WHERE o.id = p.redraw_of) AS redraw_of, p.redraw_reason,
         (SELECT n.code FROM sv.draw_plan n WHERE n.redraw_of = p.id) AS redrawn_as
  FROM sv.draw_plan p LEFT JOIN sv.draw d ON d.plan_id = p.id
  WHERE p.status <> 'draft';
COMMENT ON VIEW sv_public.draw IS '双随机、一公开: sealed and drawn plans with everything needed to check the seed';

CREATE VIEW sv_public.draw_result AS
  SELECT p.code AS plan_code, r.uscc::text AS uscc, s.name AS subject_name, g.name_zh AS region_name
  FROM sv.draw_result r JOIN sv.draw d ON d.id = r.draw_id JOIN sv.draw_plan p ON p.id = d.plan_id
  JOIN sv.subject s ON s.uscc = r.uscc JOIN sv.region g ON g.code = s.region_code;
COMMENT ON VIEW sv_public.draw_result IS 'The subjects each draw selected (without their credit class)';

-- Drawn subjects are inspection tasks (检查任务): done when a plan department records an
-- inspection of the subject against one of the plan's check items within the period; the
-- result is then due for publication 20 working days after the check ends (sv.action).
CREATE VIEW sv_work.draw_task WITH (security_invoker = true) AS
  SELECT p.code AS plan_code, p.title, d.id AS draw_id, r.uscc, s.name AS subject_name, s.region_code,
         (SELECT array_agg(coalesce((SELECT x.replacement FROM sv.draw_recusal x
                                     WHERE x.draw_id = d.id AND x.uscc = t.uscc AND x.slot = t.slot ORDER BY x.seq DESC LIMIT 1),
                                    t.certificate_no) ORDER BY t.slot)
          FROM sv.draw_team t WHERE t.draw_id = d.id AND t.uscc = r.uscc) AS team,
         p.check_from, p.check_to, a.id AS action_id, a.ended_on, a.result, a.publication_due, a.published_at,
         CASE WHEN a.id IS NOT NULL AND a.published_at IS NOT NULL THEN 'published'
              WHEN a.id IS NOT NULL AND a.publication_due < sv.local_date(now()) THEN 'publication_overdue'
              WHEN a.id IS NOT NULL THEN 'inspected'
              WHEN p.check_to < sv.local_date(now()) THEN 'overdue'
              ELSE 'open' END AS status
  FROM sv.draw d
  JOIN sv.draw_plan p ON p.id = d.plan_id
  JOIN sv.draw_result r ON r.draw_id = d.id
  JOIN sv.subject s ON s.uscc = r.uscc
  LEFT JOIN LATERAL (
    SELECT x.id, x.ended_on, x.result, x.publication_due, x.published_at FROM sv.action x
    WHERE x.uscc = r.uscc AND x.kind = 'inspection' AND x.started_on BETWEEN p.check_from AND p.check_to
      AND x.department_id IN (SELECT pd.department_id FROM sv.draw_plan_department pd WHERE pd.plan_id = p.id)
      AND x.check_item_code IN (SELECT pi.check_item_code FROM sv.draw_plan_item pi WHERE pi.plan_id = p.id)
    ORDER BY x.started_on, x.id LIMIT 1) a ON true;
COMMENT ON VIEW sv_work.draw_task IS
  'Inspection tasks from draws: each drawn subject with its team, the action that carried it out and the publication state';
GRANT SELECT ON sv_work.draw_task TO sv_officer, sv_admin, sv_auditor;

GRANT SELECT ON sv_public.draw, sv_public.draw_result TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.draw_verify(bigint), sv.draw_verify_detail(bigint)
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.draw_export(bigint) TO sv_admin, sv_auditor;
-- ---------------------------------------------------------------------------------------------
-- 54_credit_event: credit events (信用信息) of subjects: penalties, lists, complaints, failed
-- inspections, commendations; how long each is published.
--
-- Tables:     sv.credit_event (subject-keyed: PRIMARY KEY (uscc, id); natural key uscc, kind,
--             reference), sv.credit_event_staging (COPY target of bulk ingest)
-- Functions:  sv._credit_event_merge(source, rows)  the rules, set-based (shared with sv.ingest)
--             sv.credit_event_record(...)            one event (administrators, integration)
--             sv._credit_publication_end(...)        the publication period of a record
-- Views:      sv_public.credit_publication (what is published today)
-- Publication periods (市场监督管理行政处罚信息公示规定 §14): a penalty of only a warning,
-- circulated criticism and a low fine (at most sv.low_fine_limit yuan, a provincial figure)
-- stops being published 3 months after publication; any other penalty after 3 years, or at the
-- end of a restriction of business or employment when that is later.  Listings (abnormal
-- operation, serious dishonesty) and commendations are published while in force.  A repaired
-- event stops being published on the day of the repair.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION sv._credit_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['administrative_penalty', 'abnormal_operation', 'serious_dishonesty', 'substantiated_complaint',
                   'failed_inspection', 'overdue_annual_report', 'commendation'] $$;

-- The kinds of administrative penalty (行政处罚法 §9).
CREATE FUNCTION sv._penalty_types() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['warning', 'circulated_criticism', 'fine', 'confiscation', 'licence_suspension',
                   'qualification_downgrade', 'licence_revocation', 'business_restriction', 'production_suspension',
                   'closure', 'employment_restriction', 'detention', 'other'] $$;

CREATE SEQUENCE sv.credit_event_id_seq AS bigint;

CREATE TABLE sv.credit_event (
  uscc                sv.uscc NOT NULL REFERENCES sv.subject (uscc),
  id                  bigint NOT NULL DEFAULT pg_catalog.nextval('sv.credit_event_id_seq'),
  kind                text NOT NULL CHECK (kind IN ('administrative_penalty', 'abnormal_operation', 'serious_dishonesty',
                                                    'substantiated_complaint', 'failed_inspection', 'overdue_annual_report',
                                                    'commendation')),
  severity            integer NOT NULL CHECK (severity BETWEEN 1 AND 5),
  source              text NOT NULL CHECK (source IN ('national', 'provincial', 'city')),
  department_id       integer REFERENCES sv.department (id),   -- the department that decided or reported it
  decided_on          date NOT NULL,
  published_on        date,
  valid_until         date,                                    -- NULL: until repaired or withdrawn
  reference           text NOT NULL CHECK (reference <> ''),   -- the originating record (decision number)
  penalty_types       text[] NOT NULL DEFAULT '{}',            -- administrative penalties only
  fine_amount         numeric(16, 2) CHECK (fine_amount >= 0), -- yuan, with a fine
  restricted_until    date,                                    -- end of a restriction of business or employment
  sector              text CHECK (sector IN ('food', 'drug', 'special_equipment')),  -- longer repair periods
  publication_ends_on date,                                    -- first day it is no longer published
  repaired_on         date,                                    -- credit repair (信用修复) approved that day
  source_system       text NOT NULL,                           -- lineage: the system that sent it
  recorded_by         text NOT NULL,
  recorded_at         timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  PRIMARY KEY (uscc, id),
  UNIQUE (uscc, kind, reference),
  CHECK (valid_until IS NULL OR valid_until >= decided_on),
  CHECK (published_on IS NULL OR published_on >= decided_on),
  CHECK (restricted_until IS NULL OR restricted_until >= decided_on),
  CHECK ((kind = 'administrative_penalty') = (cardinality(penalty_types) > 0)),
  CHECK ((fine_amount IS NOT NULL) = ('fine' = ANY (penalty_types)))
);
COMMENT ON TABLE sv.credit_event IS 'Credit events (信用信息) of subjects: penalties, lists, complaints, commendations';
COMMENT ON COLUMN sv.credit_event.publication_ends_on IS
  'first day the record is no longer published (公示期满); NULL: published while in force, or never (see sv_public.credit_publication)';
ALTER TABLE sv.credit_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_event FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_event_read ON sv.credit_event FOR SELECT TO sv_admin, sv_auditor USING (true);
-- officers see the events their own department decided (penalties, repairs at its window)
CREATE POLICY credit_event_department ON sv.credit_event FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
GRANT SELECT ON sv.credit_event TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_event', '');
SELECT pg_catalog.pg_extension_config_dump('sv.credit_event_id_seq', '');

-- All text, like the other staging tables: a bad value becomes a reject reason, not a failed COPY.
CREATE TABLE sv.credit_event_staging (
  loaded_by        text NOT NULL DEFAULT current_user,
  line             bigint GENERATED BY DEFAULT AS IDENTITY,
  uscc             text,
  kind             text,
  severity         text,
  source           text,        -- national, provincial or city
  department       text,        -- the department's code or id (optional)
  decided_on       text,
  published_on     text,
  valid_until      text,
  reference        text,
  penalty_types    text,        -- "warning,fine", {warning,fine} or ["warning","fine"]
  fine_amount      text,
  restricted_until text,
  sector           text
);
CREATE INDEX credit_event_staging_loaded_by_idx ON sv.credit_event_staging (loaded_by, line);
COMMENT ON TABLE sv.credit_event_staging IS
  'Bulk ingest of credit events: COPY rows here, then call sv.ingest_staged(source, ''credit_event'')';
SELECT sv._staging_prepare('credit_event_staging');

-- The publication period of one record (see the header): the first day it is no longer
-- published, or NULL (a listing or commendation without an end: published while in force; the
-- other kinds are not published at all).
CREATE FUNCTION sv._credit_publication_end(kind text, penalty_types text[], fine_amount numeric,
                                           restricted_until date, decided_on date, published_on date,
                                           valid_until date, low_fine_limit numeric)
RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
  SELECT CASE
    WHEN kind = 'administrative_penalty' THEN
      CASE WHEN penalty_types <@ ARRAY['warning', 'circulated_criticism', 'fine']
                AND coalesce(fine_amount, 0) <= low_fine_limit
           THEN (coalesce(published_on, decided_on) + interval '3 months')::date
           ELSE greatest((coalesce(published_on, decided_on) + interval '3 years')::date, restricted_until + 1)
      END
    WHEN kind IN ('abnormal_operation', 'serious_dishonesty', 'commendation') THEN valid_until + 1
  END
$fn$;

-- The low-fine limit in force (sv.low_fine_limit, superuser-set; the library defines it, and
-- every caller has loaded the library through sv._outer_user before this runs).
CREATE FUNCTION sv._low_fine_limit() RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.current_setting('sv.low_fine_limit')::numeric $$;

-- The rules for credit events, set-based; see sv._subject_merge for the contract.  A record
-- with the key of an existing event (uscc, kind, reference) corrects it (a source re-sends a
-- listing with its end date, say), unless the event was repaired.
CREATE FUNCTION sv._credit_event_merge(batch_source text, batch sv.credit_event_staging[])
RETURNS TABLE (line bigint, key text, outcome text, errcode text, message text, detail text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
WITH input AS (
  SELECT r.line, r.uscc AS raw_uscc, sv.uscc_check(r.uscc) AS uscc_problem, btrim(r.kind) AS kind,
         btrim(r.severity) AS severity_t, btrim(r.source) AS source, nullif(btrim(r.department), '') AS dept_t,
         nullif(btrim(r.decided_on), '') AS decided_t, nullif(btrim(r.published_on), '') AS published_t,
         nullif(btrim(r.valid_until), '') AS until_t, nullif(btrim(r.restricted_until), '') AS restricted_t,
         btrim(r.reference) AS reference, sv._code_list(lower(replace(r.penalty_types, '、', ','))) AS penalty_types,
         nullif(btrim(r.fine_amount), '') AS fine_t, nullif(btrim(r.sector), '') AS sector
  FROM unnest(batch) r
), parsed AS (
  SELECT i.*, CASE WHEN i.uscc_problem IS NULL THEN i.raw_uscc::sv.uscc END AS code,
         CASE WHEN i.severity_t ~ '^[1-5]$' THEN i.severity_t::integer END AS severity,
         sv._department_id(i.dept_t) AS dept,
         sv._parse_date(i.decided_t) AS decided_on, sv._parse_date(i.published_t) AS published_on,
         sv._parse_date(i.until_t) AS valid_until, sv._parse_date(i.restricted_t) AS restricted_until,
         CASE WHEN i.fine_t ~ '^[0-9]{1,14}(\.[0-9]{1,2})?$' THEN i.fine_t::numeric(16, 2) END AS fine_amount,
         (SELECT string_agg(quote_literal(t), ', ' ORDER BY t) FROM unnest(i.penalty_types) t
          WHERE t <> ALL (sv._penalty_types())) AS unknown_types
  FROM input i
), looked AS MATERIALIZED (
  SELECT p.*, s.uscc IS NOT NULL AS known, old.id AS old_id, old.repaired_on AS old_repaired_on,
         to_jsonb(old) AS old_row
  FROM parsed p
  LEFT JOIN sv.subject s ON s.uscc = p.code
  LEFT JOIN sv.credit_event old ON old.uscc = p.code AND old.kind = p.kind AND old.reference = p.reference
), checked AS MATERIALIZED (
  SELECT l.*,
    CASE
      WHEN l.raw_uscc IS NULL THEN ARRAY['22004', 'uscc must not be null', NULL]
      WHEN l.uscc_problem IS NOT NULL
        THEN ARRAY['22P02', format('uscc: invalid unified social credit code "%s"', l.raw_uscc), l.uscc_problem]
      WHEN NOT l.known THEN ARRAY['23503', format('uscc: subject %s is not in the data centre', l.code), NULL]
      WHEN l.kind IS NULL OR l.kind <> ALL (sv._credit_kinds())
        THEN ARRAY['22023', format('kind must be %s or commendation, not %s', array_to_string((sv._credit_kinds())[1:6], ', '),
                                   coalesce(quote_literal(l.kind), 'NULL')), NULL]
      WHEN l.severity IS NULL
        THEN ARRAY['22023', format('severity must be a whole number 1 to 5, not %s', coalesce(quote_literal(l.severity_t), 'NULL')), NULL]
      WHEN l.source IS NULL OR l.source NOT IN ('national', 'provincial', 'city')
        THEN ARRAY['22023', format('source must be national, provincial or city, not %s', coalesce(quote_literal(l.source), 'NULL')), NULL]
      WHEN l.dept_t IS NOT NULL AND l.dept IS NULL
        THEN ARRAY['23503', format('department: department %s does not exist', quote_literal(l.dept_t)), NULL]
      WHEN l.decided_on IS NULL
        THEN ARRAY['22007', format('decided_on must be a date written YYYY-MM-DD (1900-2999), not %s', coalesce(quote_literal(l.decided_t), 'NULL')), NULL]
      WHEN l.decided_on > sv.local_date(now())
        THEN ARRAY['22023', format('decided_on (%s) is in the future', l.decided_on), NULL]
      WHEN coalesce(l.reference, '') = '' THEN ARRAY['22023', 'reference must not be empty: it names the originating decision or record', NULL]
      WHEN l.published_t IS NOT NULL AND l.published_on IS NULL
        THEN ARRAY['22007', format('published_on must be a date written YYYY-MM-DD (1900-2999), not %s', quote_literal(l.published_t)), NULL]
      WHEN l.until_t IS NOT NULL AND l.valid_until IS NULL
        THEN ARRAY['22007', format('valid_until must be a date written YYYY-MM-DD (1900-2999), not %s', quote_literal(l.until_t)), NULL]
      WHEN l.restricted_t IS NOT NULL AND l.restricted_until IS NULL
        THEN ARRAY['22007', format('restricted_until must be a date written YYYY-MM-DD (1900-2999), not %s', quote_literal(l.restricted_t)), NULL]
      WHEN l.published_on < l.decided_on
        THEN ARRAY['22023', format('published_on (%s) must not be before decided_on (%s)', l.published_on, l.decided_on), NULL]
      WHEN l.valid_until < l.decided_on
        THEN ARRAY['22023', format('valid_until (%s) must not be before decided_on (%s)', l.valid_until, l.decided_on), NULL]
      WHEN l.restricted_until < l.decided_on
        THEN ARRAY['22023', format('restricted_until (%s) must not be before decided_on (%s)', l.restricted_until, l.decided_on), NULL]
      WHEN l.kind <> 'administrative_penalty' AND (cardinality(l.penalty_types) > 0 OR l.fine_t IS NOT NULL OR l.restricted_t IS NOT NULL)
        THEN ARRAY['22023', format('penalty_types, fine_amount and restricted_until belong to administrative_penalty events, not to %s', l.kind), NULL]
      WHEN l.kind = 'administrative_penalty' AND cardinality(l.penalty_types) = 0
        THEN ARRAY['22023', format('penalty_types: an administrative penalty names its types (行政处罚法 §9): %s', array_to_string(sv._penalty_types(), ', ')), NULL]
      WHEN l.unknown_types IS NOT NULL
        THEN ARRAY['22023', format('penalty_types: unknown type(s) %s; the types are %s', l.unknown_types, array_to_string(sv._penalty_types(), ', ')), NULL]
      WHEN l.fine_t IS NOT NULL AND l.fine_amount IS NULL
        THEN ARRAY['22023', format('fine_amount must be an amount in yuan such as 5000 or 5000.50, not %s', quote_literal(l.fine_t)), NULL]
      WHEN ('fine' = ANY (l.penalty_types)) <> (l.fine_amount IS NOT NULL)
        THEN ARRAY['22023', 'fine_amount is given exactly when penalty_types include fine', NULL]
      WHEN l.sector IS NOT NULL AND l.sector NOT IN ('food', 'drug', 'special_equipment')
        THEN ARRAY['22023', format('sector must be food, drug, special_equipment or empty, not %s', quote_literal(l.sector)), NULL]
      WHEN l.old_repaired_on IS NOT NULL
        THEN ARRAY['55000', format('the %s event %s of subject %s was repaired: it is not changed', l.kind,
                                   quote_literal(l.reference), l.code), NULL]
    END AS problem
  FROM looked l
), ranked AS (
  SELECT c.*, max(c.line) FILTER (WHERE c.problem IS NULL) OVER (PARTITION BY c.code, c.kind, c.reference) AS last_of_key
  FROM checked c
), final AS (
  SELECT r.*,
    CASE
      WHEN r.problem IS NOT NULL THEN r.problem
      WHEN r.line <> r.last_of_key
        THEN ARRAY['22023', format('superseded by record %s of the same batch (same uscc, kind and reference)', r.last_of_key), NULL]
    END AS verdict,
    sv._credit_publication_end(r.kind, r.penalty_types, r.fine_amount, r.restricted_until, r.decided_on,
                               r.published_on, r.valid_until, sv._low_fine_limit()) AS publication_ends_on
  FROM ranked r
), merged AS (
  INSERT INTO sv.credit_event AS e (uscc, kind, severity, source, department_id, decided_on, published_on, valid_until,
                                    reference, penalty_types, fine_amount, restricted_until, sector, publication_ends_on,
                                    source_system, recorded_by, recorded_at, updated_at)
  SELECT f.code, f.kind, f.severity, f.source, f.dept, f.decided_on, f.published_on, f.valid_until, f.reference,
         f.penalty_types, f.fine_amount, f.restricted_until, f.sector, f.publication_ends_on, batch_source,
         sv._outer_user(), now(), now()
  FROM final f WHERE f.verdict IS NULL
  ON CONFLICT (uscc, kind, reference) DO UPDATE
    SET severity = excluded.severity, source = excluded.source, department_id = excluded.department_id,
        decided_on = excluded.decided_on, published_on = excluded.published_on, valid_until = excluded.valid_until,
        penalty_types = excluded.penalty_types, fine_amount = excluded.fine_amount,
        restricted_until = excluded.restricted_until, sector = excluded.sector,
        publication_ends_on = excluded.publication_ends_on, source_system = excluded.source_system,
        updated_at = excluded.updated_at
    WHERE e.repaired_on IS NULL
      AND (e.severity, e.source, e.department_id, e.decided_on, e.published_on, e.valid_until, e.penalty_types,
           e.fine_amount, e.restricted_until, e.sector, e.publication_ends_on)
          IS DISTINCT FROM
          (excluded.severity, excluded.source, excluded.department_id, excluded.decided_on, excluded.published_on,
           excluded.valid_until, excluded.penalty_types, excluded.fine_amount, excluded.restricted_until,
           excluded.sector, excluded.publication_ends_on)
  RETURNING e.uscc, e.id, e.kind, e.reference, (e.xmax = 0) AS inserted
)
SELECT f.line, coalesce(f.code::text || '/' || coalesce(m.id, f.old_id)::text, f.code::text, ''),
       CASE WHEN f.verdict IS NOT NULL THEN 'rejected' WHEN m.id IS NULL THEN 'unchanged'
            WHEN m.inserted THEN 'inserted' ELSE 'updated' END,
       f.verdict[1], f.verdict[2], f.verdict[3]
FROM final f
LEFT JOIN merged m ON f.verdict IS NULL AND m.uscc = f.code AND m.kind = f.kind AND m.reference = f.reference
$fn$;

CREATE FUNCTION sv.credit_event_record(uscc text, kind text, severity integer, source text, decided_on date,
                                       reference text, valid_until date DEFAULT NULL, published_on date DEFAULT NULL,
                                       department_id integer DEFAULT NULL, penalty_types text[] DEFAULT NULL,
                                       fine_amount numeric DEFAULT NULL, restricted_until date DEFAULT NULL,
                                       sector text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  r record;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not record credit events', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF department_id IS NOT NULL THEN
    PERFORM sv._require_department('department_id', department_id);
  END IF;
  -- recorded once: a correction of an existing event comes as a new batch through sv.ingest
  IF sv.uscc_check(uscc) IS NULL THEN
    IF EXISTS (SELECT 1 FROM sv.credit_event e
               WHERE e.uscc = credit_event_record.uscc::sv.uscc AND e.kind = credit_event_record.kind
                 AND e.reference = btrim(credit_event_record.reference)) THEN
      RAISE EXCEPTION 'the % event % of subject % is already recorded', kind, quote_literal(btrim(reference)), uscc::sv.uscc
        USING ERRCODE = 'unique_violation';
    END IF;
  END IF;
  SELECT * INTO r FROM sv._credit_event_merge('sv_platform', ARRAY[ROW(
    me, 1, uscc, kind, severity::text, source, department_id::text, to_char(decided_on, 'YYYY-MM-DD'),
    to_char(published_on, 'YYYY-MM-DD'), to_char(valid_until, 'YYYY-MM-DD'), reference,
    array_to_string(penalty_types, ','), fine_amount::text, to_char(restricted_until, 'YYYY-MM-DD'),
    sector)::sv.credit_event_staging]);
  IF r.outcome = 'rejected' THEN
    PERFORM sv._raise_reject(r.errcode, r.message, r.detail);
  END IF;
  PERFORM sv.audit_append(e.department_id, 'credit_event', r.key, 'add',
                          to_jsonb(e) - 'uscc' - 'id' - 'recorded_at' - 'updated_at'
                          || jsonb_build_object('low_fine_limit', sv._low_fine_limit()))
  FROM sv.credit_event e WHERE e.uscc = split_part(r.key, '/', 1)::sv.uscc AND e.id = split_part(r.key, '/', 2)::bigint;
  RETURN split_part(r.key, '/', 2)::bigint;
END
$fn$;
COMMENT ON FUNCTION sv.credit_event_record(text, text, integer, text, date, text, date, date, integer, text[], numeric, date, text) IS
  'Record a credit event of a subject (administrators, integration); returns its id';
GRANT EXECUTE ON FUNCTION sv.credit_event_record(text, text, integer, text, date, text, date, date, integer, text[], numeric, date, text)
  TO sv_admin, sv_integration;

-- What is published today (信用信息公示): penalties within their publication period, listings
-- and commendations in force; nothing repaired.  Credit classes are never here (不公开).
CREATE VIEW sv_public.credit_publication AS
  SELECT e.uscc::text AS uscc, s.name AS subject_name, e.kind, e.reference, d.name_zh AS department_name,
         e.decided_on, coalesce(e.published_on, e.decided_on) AS published_on, e.penalty_types, e.fine_amount,
         e.restricted_until, e.publication_ends_on - 1 AS published_until
  FROM sv.credit_event e
  JOIN sv.subject s ON s.uscc = e.uscc
  LEFT JOIN sv.department d ON d.id = e.department_id
  WHERE e.kind IN ('administrative_penalty', 'abnormal_operation', 'serious_dishonesty', 'commendation')
    AND e.decided_on <= sv.local_date(now())
    AND (e.publication_ends_on IS NULL OR e.publication_ends_on > sv.local_date(now()))
    AND e.repaired_on IS NULL;
COMMENT ON VIEW sv_public.credit_publication IS
  'Credit information published today: penalties within their publication period (3 months or 3 years), listings and commendations in force';
GRANT SELECT ON sv_public.credit_publication TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 55_credit: credit supervision (信用监管): versioned scoring models and the explainable score
-- and class of a subject (computed in C), rescoring and the monthly class history.
--
-- Tables:     sv.credit_model (immutable once saved), sv.credit_class_history
-- Functions:  sv.credit_model_save, sv.credit_model_set_current,
--             sv.credit_score (score, class and the events that made it), sv._credit_compute (C)
--             sv.credit_rescore, sv.credit_rescore_all (stored classes in sv.credit_class)
-- Events are in 54_credit_event, sanctions in 56_credit_sanction, repair in 57_credit_repair.
-- An event counts while it is in force: decided, not expired (valid_until), not
-- repaired (a repair counts from its day on), all as of the scoring day, so any past class can
-- be recomputed.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION sv._credit_compute(points float8[], ages float8[], half_life float8, thresholds float8[],
                                   OUT score float8, OUT class text, OUT contributions float8[])
AS 'MODULE_PATHNAME', 'sv_credit_compute' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION sv._credit_sum_step(float8, float8, float8, float8) RETURNS float8
AS 'MODULE_PATHNAME', 'sv_credit_sum_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION sv._credit_score_final(float8) RETURNS float8
AS 'MODULE_PATHNAME', 'sv_credit_score_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- The score from (points, age in days, half-life) per event: 100 minus the contributions,
-- each rounded to 0.01 and the result too, exactly as _credit_compute does.
CREATE AGGREGATE sv._credit_score(float8, float8, float8) (
  SFUNC = sv._credit_sum_step, STYPE = float8, INITCOND = '0', FINALFUNC = sv._credit_score_final
);

-- A scoring model: points per severity step for each kind (negative: a reward), the half-life
-- of an event's weight, class thresholds, and kinds that force a class.  Immutable: a change is
-- a new model with a new label, so any class can be reproduced with the model it came from.
CREATE TABLE sv.credit_model (
  label          text PRIMARY KEY CHECK (label ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  weights        jsonb NOT NULL,           -- {"administrative_penalty": 4, "commendation": -2, ...}
  half_life_days numeric NOT NULL CHECK (half_life_days > 0),
  thresholds     jsonb NOT NULL,           -- {"A": 90, "B": 75, "C": 60}
  hard_rules     jsonb NOT NULL,           -- {"serious_dishonesty": "D", ...}
  is_current     boolean NOT NULL DEFAULT false,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX credit_model_current_idx ON sv.credit_model (is_current) WHERE is_current;
COMMENT ON TABLE sv.credit_model IS 'Credit scoring models (信用风险分类模型), immutable; one is current';
CREATE TRIGGER credit_model_immutable BEFORE DELETE ON sv.credit_model
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('a credit model is kept for reproducing its classes');
ALTER TABLE sv.credit_model ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_model FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_model_read ON sv.credit_model FOR SELECT TO sv_admin, sv_auditor, sv_officer USING (true);
GRANT SELECT ON sv.credit_model TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_model', '');

CREATE FUNCTION sv.credit_model_save(label text, weights jsonb, half_life_days numeric, thresholds jsonb,
                                     hard_rules jsonb DEFAULT '{}', make_current boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_bad text;
BEGIN
  PERFORM sv._require_code('label', label);
  IF weights IS NULL OR jsonb_typeof(weights) <> 'object' THEN
    RAISE EXCEPTION 'weights must be a JSON object of points per kind' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(quote_literal(k), ', ' ORDER BY k) INTO v_bad FROM jsonb_each(weights) e(k, v)
  WHERE k <> ALL (sv._credit_kinds()) OR jsonb_typeof(v) <> 'number';
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'weights: % must be credit event kinds with numbers', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF half_life_days IS NULL OR half_life_days <= 0 THEN
    RAISE EXCEPTION 'half_life_days must be positive' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF thresholds IS NULL OR jsonb_typeof(thresholds) <> 'object'
     OR NOT (thresholds ?& ARRAY['A', 'B', 'C']) OR (SELECT count(*) FROM jsonb_object_keys(thresholds)) <> 3
     OR EXISTS (SELECT 1 FROM jsonb_each(thresholds) e WHERE jsonb_typeof(e.value) <> 'number')
     OR NOT ((thresholds ->> 'A')::numeric >= (thresholds ->> 'B')::numeric
             AND (thresholds ->> 'B')::numeric >= (thresholds ->> 'C')::numeric) THEN
    RAISE EXCEPTION 'thresholds must be {"A": a, "B": b, "C": c} with a >= b >= c'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(quote_literal(k), ', ' ORDER BY k) INTO v_bad FROM jsonb_each_text(coalesce(hard_rules, '{}')) e(k, v)
  WHERE k <> ALL (sv._credit_kinds()) OR v NOT IN ('A', 'B', 'C', 'D');
  IF v_bad IS NOT NULL OR jsonb_typeof(coalesce(hard_rules, '{}')) <> 'object' THEN
    RAISE EXCEPTION 'hard_rules must map credit event kinds to a class A-D (wrong: %)', coalesce(v_bad, 'not an object')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators save credit models' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF EXISTS (SELECT 1 FROM sv.credit_model m WHERE m.label = btrim(credit_model_save.label)) THEN
    RAISE EXCEPTION 'credit model % exists: models are immutable, save a new version under a new label',
      quote_literal(btrim(label)) USING ERRCODE = 'unique_violation';
  END IF;
  IF make_current THEN
    UPDATE sv.credit_model m SET is_current = false WHERE m.is_current;
  END IF;
  INSERT INTO sv.credit_model (label, weights, half_life_days, thresholds, hard_rules, is_current, created_by, created_at)
  VALUES (btrim(label), weights, half_life_days, thresholds, coalesce(hard_rules, '{}'), make_current, me, now());
  PERFORM sv.audit_append(NULL, 'credit_model', btrim(label), 'add',
    jsonb_build_object('weights', weights, 'half_life_days', half_life_days, 'thresholds', thresholds,
                       'hard_rules', coalesce(hard_rules, '{}'), 'current', make_current));
  RETURN btrim(label);
END
$fn$;
COMMENT ON FUNCTION sv.credit_model_save(text, jsonb, numeric, jsonb, jsonb, boolean) IS
  'Administrators: save a new, immutable credit scoring model (optionally the current one)';

-- Models cannot change, except which one is current.
CREATE FUNCTION sv._credit_model_refuse_update() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF (to_jsonb(NEW) - 'is_current') IS DISTINCT FROM (to_jsonb(OLD) - 'is_current') THEN
    RAISE EXCEPTION 'credit model % is immutable: save a new version', quote_literal(OLD.label)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER credit_model_no_change BEFORE UPDATE ON sv.credit_model
  FOR EACH ROW EXECUTE FUNCTION sv._credit_model_refuse_update();

CREATE FUNCTION sv.credit_model_set_current(label text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
BEGIN
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators choose the current credit model' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.credit_model m WHERE m.label = credit_model_set_current.label) THEN
    RAISE EXCEPTION 'credit model % does not exist', coalesce(quote_literal(label), 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  UPDATE sv.credit_model m SET is_current = false WHERE m.is_current AND m.label <> credit_model_set_current.label;
  UPDATE sv.credit_model m SET is_current = true WHERE m.label = credit_model_set_current.label;
  PERFORM sv.audit_append(NULL, 'credit_model', label, 'set_current', '{}');
END
$fn$;

-- The score and class of a subject at a time with a model, and the events that made them: each
-- event in force (decided by then, not expired) with its points, age and contribution.  A hard
-- rule forces a class when an event of its kind is in force (the worst forced class wins).
CREATE FUNCTION sv.credit_score(uscc text, as_of timestamptz DEFAULT now(), model text DEFAULT NULL,
                                OUT score numeric, OUT class text, OUT model_label text, OUT explanation jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  m sv.credit_model;
  v_day date;
  r record;
  v_forced text;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_auditor', 'USAGE') OR pg_has_role(me, 'sv_officer', 'USAGE')) THEN
    RAISE EXCEPTION 'credit classes are internal: role "%" may not read them', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM sv._require_uscc('uscc', uscc);
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF model IS NULL THEN
    SELECT * INTO m FROM sv.credit_model x WHERE x.is_current;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no credit model is current' USING ERRCODE = 'object_not_in_prerequisite_state',
        HINT = 'An administrator saves one with sv.credit_model_save(..., make_current => true).';
    END IF;
  ELSE
    SELECT * INTO m FROM sv.credit_model x WHERE x.label = model;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'credit model % does not exist', quote_literal(model) USING ERRCODE = 'no_data_found';
    END IF;
  END IF;
  v_day := sv.local_date(as_of);
  WITH ev AS (
    SELECT e.id, e.kind, e.severity, e.decided_on, e.reference,
           coalesce((m.weights ->> e.kind)::float8, 0) * e.severity AS points,
           (v_day - e.decided_on)::float8 AS age
    FROM sv.credit_event e
    WHERE e.uscc = credit_score.uscc::sv.uscc AND e.decided_on <= v_day
      AND (e.valid_until IS NULL OR e.valid_until >= v_day) AND (e.repaired_on IS NULL OR e.repaired_on > v_day)
  ), agg AS (
    SELECT coalesce(array_agg(ev.points ORDER BY ev.decided_on, ev.id), '{}') AS points,
           coalesce(array_agg(ev.age ORDER BY ev.decided_on, ev.id), '{}') AS ages,
           coalesce(jsonb_agg(jsonb_build_object('event', ev.id, 'kind', ev.kind, 'severity', ev.severity,
                                                 'decided_on', ev.decided_on, 'reference', ev.reference,
                                                 'points', ev.points, 'age_days', ev.age) ORDER BY ev.decided_on, ev.id),
                    '[]') AS events
    FROM ev
  )
  SELECT c.score, c.class, c.contributions, agg.events INTO r
  FROM agg, sv._credit_compute(agg.points, agg.ages, m.half_life_days::float8,
                               ARRAY[(m.thresholds ->> 'A')::float8, (m.thresholds ->> 'B')::float8,
                                     (m.thresholds ->> 'C')::float8]) c;
  SELECT max(h.v) INTO v_forced
  FROM jsonb_each_text(m.hard_rules) h(k, v)
  WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(r.events) x WHERE x ->> 'kind' = h.k);
  score := r.score::numeric(6, 2);
  class := CASE WHEN v_forced IS NOT NULL AND v_forced > r.class THEN v_forced ELSE r.class END;
  model_label := m.label;
  explanation := jsonb_build_object(
    'model', m.label, 'as_of', v_day, 'base', 100, 'score', score, 'class_by_score', r.class,
    'forced_by', CASE WHEN class <> r.class THEN v_forced END,
    'events', coalesce((SELECT jsonb_agg(x || jsonb_build_object('contribution', r.contributions[i]) ORDER BY i)
                        FROM jsonb_array_elements(r.events) WITH ORDINALITY q(x, i)), '[]'));
END
$fn$;
COMMENT ON FUNCTION sv.credit_score(text, timestamptz, text) IS
  'Score, class and explanation of a subject''s credit at a time with a model (internal: officials only)';

GRANT EXECUTE ON FUNCTION sv.credit_model_save(text, jsonb, numeric, jsonb, jsonb, boolean),
                          sv.credit_model_set_current(text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.credit_score(text, timestamptz, text) TO sv_admin, sv_auditor, sv_officer;

-- Rescoring: the stored class (sv.credit_class, read by the draw) and a history of one class
-- per subject and month (the national practice is monthly).  Subjects without any credit event
-- stay unclassified: no information, no class.
CREATE TABLE sv.credit_class_history (
  uscc        sv.uscc NOT NULL REFERENCES sv.subject (uscc),
  month       date NOT NULL CHECK (extract(day FROM month) = 1),
  class       text NOT NULL CHECK (class IN ('A', 'B', 'C', 'D')),
  score       numeric(6, 2) NOT NULL,
  model       text NOT NULL,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (uscc, month)
);
COMMENT ON TABLE sv.credit_class_history IS 'The class of each classified subject per month, with its score and model (internal)';
ALTER TABLE sv.credit_class_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_class_history FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_class_history_read ON sv.credit_class_history FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.credit_class_history TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_class_history', '');

-- Scores and classes of many subjects at once (NULL: every subject with events), set-based:
-- the same arithmetic as sv.credit_score, in the C aggregate sv._credit_score as the events stream past.
CREATE FUNCTION sv._credit_classify(m sv.credit_model, as_of date, subjects sv.uscc[])
RETURNS TABLE (uscc sv.uscc, score numeric, class text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  -- every subject with events; those with none in force score 100
  WITH per AS (
    SELECT e.uscc,
           sv._credit_score(coalesce((m.weights ->> e.kind)::float8, 0) * e.severity,
                            (as_of - e.decided_on)::float8, m.half_life_days::float8)
             FILTER (WHERE e.decided_on <= as_of AND (e.valid_until IS NULL OR e.valid_until >= as_of)
                     AND (e.repaired_on IS NULL OR e.repaired_on > as_of)) AS score,
           max(m.hard_rules ->> e.kind) FILTER (WHERE e.decided_on <= as_of AND (e.valid_until IS NULL OR e.valid_until >= as_of)
                     AND (e.repaired_on IS NULL OR e.repaired_on > as_of))
             AS forced
    FROM sv.credit_event e
    WHERE subjects IS NULL OR e.uscc = ANY (subjects)
    GROUP BY e.uscc
  ), classed AS (
    SELECT p.uscc, p.score,
           CASE WHEN p.score >= (m.thresholds ->> 'A')::float8 THEN 'A' WHEN p.score >= (m.thresholds ->> 'B')::float8 THEN 'B'
                WHEN p.score >= (m.thresholds ->> 'C')::float8 THEN 'C' ELSE 'D' END AS by_score, p.forced
    FROM per p
  )
  SELECT c.uscc, c.score::numeric(6, 2), CASE WHEN c.forced IS NOT NULL AND c.forced > c.by_score THEN c.forced ELSE c.by_score END
  FROM classed c
$fn$;

-- Stores the classes of the given subjects (NULL: all with events) as of a day: sv.credit_class
-- and the month's row of the history.  The callers check the caller's right.
CREATE FUNCTION sv._credit_store_classes(m sv.credit_model, v_day date, v_codes sv.uscc[], as_of timestamptz)
RETURNS TABLE (classified bigint, changed bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RETURN QUERY
  WITH scored AS MATERIALIZED (
    SELECT * FROM sv._credit_classify(m, v_day, v_codes)
  ), stored AS (
    -- a class that stays the same keeps its row (assessed_at: when the class was last set); the
    -- condition is re-checked against the committed row when a concurrent rescore got there first
    INSERT INTO sv.credit_class AS k (uscc, class, source, assessed_at)
    SELECT s.uscc, s.class, 'model ' || m.label, as_of FROM scored s
    ON CONFLICT (uscc) DO UPDATE SET class = excluded.class, source = excluded.source, assessed_at = excluded.assessed_at
      WHERE (k.class, k.source) IS DISTINCT FROM (excluded.class, excluded.source)
    RETURNING 1
  ), history AS (
    INSERT INTO sv.credit_class_history AS h (uscc, month, class, score, model, computed_at)
    SELECT s.uscc, date_trunc('month', v_day)::date, s.class, s.score, m.label, now() FROM scored s
    ON CONFLICT (uscc, month) DO UPDATE SET class = excluded.class, score = excluded.score, model = excluded.model,
                                            computed_at = excluded.computed_at
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM scored), (SELECT count(*) FROM stored);
END
$fn$;

CREATE FUNCTION sv.credit_rescore(subjects text[] DEFAULT NULL, model text DEFAULT NULL, as_of timestamptz DEFAULT now())
RETURNS TABLE (classified bigint, changed bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  m sv.credit_model;
  v_day date;
  v_codes sv.uscc[];
  v_bad text;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not rescore credit', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF subjects IS NOT NULL THEN
    SELECT string_agg(coalesce(quote_literal(x), 'NULL'), ', ') INTO v_bad FROM unnest(subjects) x
    WHERE x IS NULL OR sv.uscc_check(x) IS NOT NULL;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'subjects: invalid unified social credit code(s) %', v_bad USING ERRCODE = 'invalid_text_representation';
    END IF;
    v_codes := ARRAY(SELECT x::sv.uscc FROM unnest(subjects) x);
  END IF;
  IF model IS NULL THEN
    SELECT * INTO m FROM sv.credit_model x WHERE x.is_current;
  ELSE
    SELECT * INTO m FROM sv.credit_model x WHERE x.label = model;
  END IF;
  IF m.label IS NULL THEN
    RAISE EXCEPTION 'credit model % does not exist', coalesce(quote_literal(model), '(current)')
      USING ERRCODE = 'no_data_found';
  END IF;
  v_day := sv.local_date(as_of);

  RETURN QUERY SELECT * FROM sv._credit_store_classes(m, v_day, v_codes, as_of);
  PERFORM sv.audit_append(NULL, 'credit_class', coalesce(array_length(subjects, 1)::text || ' subject(s)', 'all'), 'rescore',
    jsonb_build_object('model', m.label, 'as_of', v_day));
END
$fn$;
COMMENT ON FUNCTION sv.credit_rescore(text[], text, timestamptz) IS
  'Recompute and store the credit class of the given subjects (NULL: every subject with events), with the monthly history';
GRANT EXECUTE ON FUNCTION sv.credit_rescore(text[], text, timestamptz) TO sv_admin, sv_integration;

-- The monthly full run (pg_cron), by the name the national practice uses.
CREATE FUNCTION sv.credit_rescore_all(model text DEFAULT NULL)
RETURNS TABLE (classified bigint, changed bigint)
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT * FROM sv.credit_rescore(NULL, model, now())
$fn$;
COMMENT ON FUNCTION sv.credit_rescore_all(text) IS
  'Recompute and store the credit class of every subject with events (monthly, e.g. from pg_cron)';
GRANT EXECUTE ON FUNCTION sv.credit_rescore_all(text) TO sv_admin, sv_integration;
-- ---------------------------------------------------------------------------------------------
-- 56_credit_sanction: joint rewards and punishments (联合奖惩): the measures list, the
-- pre-admission check (事前准入) other systems call, and the closed loop (闭环) of feedback from
-- the departments that implement a measure.
--
-- Tables:     sv.sanction_measure (the measures list: what triggers a measure, in which business
--             scenarios, who implements it, on which legal basis), sv.credit_check_log (every
--             check), sv.sanction_feedback (one obligation per hit: applied / not applicable,
--             due in working days)
-- Functions:  sv.sanction_measure_save, sv.sanction_measure_retire (administrators),
--             sv.credit_check(uscc, scenario, reference) (officers, integration, administrators),
--             sv.sanction_feedback_report(id, outcome, note)
-- Views:      sv_work.sanction_feedback, sv_work.sanction_feedback_open, sv_bi.sanction_feedback
-- A measure applies while an event that triggers it is in force (decided, not expired, not
-- repaired, within the measure's duration and, for a penalty, its publication period), or while
-- the subject's stored credit class is one the measure names.  Reward measures apply only to
-- subjects without a negative event in force.
-- ---------------------------------------------------------------------------------------------

-- The business scenarios a check is made for.
CREATE FUNCTION sv._sanction_scenarios() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['licensing', 'tendering', 'procurement', 'subsidy', 'honour', 'public_office', 'financing',
                   'inspection'] $$;

-- Categories of the national basic list of dishonesty-sanction measures (全国失信惩戒措施基础
-- 清单), and of reward measures for the trustworthy (守信激励).
CREATE FUNCTION sv._sanction_categories(kind text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE kind
  WHEN 'punishment' THEN ARRAY['market_access', 'public_procurement', 'fiscal_support', 'honours',
                               'office_qualification', 'financing', 'consumption', 'heightened_supervision', 'other']
  WHEN 'reward' THEN ARRAY['fast_track', 'reduced_inspection', 'priority_support', 'other'] END $$;

CREATE TABLE sv.sanction_measure (
  code            text PRIMARY KEY CHECK (code ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  name            text NOT NULL CHECK (name <> ''),
  kind            text NOT NULL CHECK (kind IN ('punishment', 'reward')),
  category        text NOT NULL,
  legal_basis     text NOT NULL CHECK (legal_basis <> ''),
  department_id   integer NOT NULL REFERENCES sv.department (id),   -- implements it and reports feedback
  scenarios       text[] NOT NULL CHECK (cardinality(scenarios) > 0),
  trigger_kinds   text[] NOT NULL DEFAULT '{}',   -- credit event kinds that trigger it
  min_severity    integer NOT NULL DEFAULT 1 CHECK (min_severity BETWEEN 1 AND 5),
  trigger_classes text[] NOT NULL DEFAULT '{}',   -- stored credit classes that trigger it
  duration_months integer CHECK (duration_months > 0),   -- NULL: as long as the event is in force
  feedback_days   integer NOT NULL DEFAULT 5 CHECK (feedback_days BETWEEN 1 AND 60),
  retired_on      date,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_by      text NOT NULL,
  updated_at      timestamptz NOT NULL,
  CHECK (category = ANY (sv._sanction_categories(kind))),
  CHECK (cardinality(trigger_kinds) + cardinality(trigger_classes) > 0)
);
COMMENT ON TABLE sv.sanction_measure IS
  'Joint reward and punishment measures (联合奖惩措施清单): triggers, scenarios, implementing department, legal basis';
-- The list is public policy: every role reads it.
ALTER TABLE sv.sanction_measure ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.sanction_measure FORCE ROW LEVEL SECURITY;
CREATE POLICY sanction_measure_read ON sv.sanction_measure FOR SELECT
  TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration USING (true);
GRANT SELECT ON sv.sanction_measure TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.sanction_measure', '');

CREATE TABLE sv.credit_check_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uscc        sv.uscc NOT NULL,        -- no foreign key: an applicant may not be in the data centre yet
  scenario    text NOT NULL,
  reference   text,                    -- the caller's case, e.g. the licence application number
  checked_by  text NOT NULL,
  checked_at  timestamptz NOT NULL,
  hits        integer NOT NULL
);
CREATE INDEX credit_check_log_uscc_idx ON sv.credit_check_log (uscc, checked_at);
COMMENT ON TABLE sv.credit_check_log IS 'Every pre-admission credit check (事前准入核查): who asked about whom, why, how many hits';
ALTER TABLE sv.credit_check_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_check_log FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_check_log_read ON sv.credit_check_log FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.credit_check_log TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_check_log', '');
SELECT pg_catalog.pg_extension_config_dump('sv.credit_check_log_id_seq', '');

CREATE TABLE sv.sanction_feedback (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  check_id      bigint NOT NULL REFERENCES sv.credit_check_log (id),
  uscc          sv.uscc NOT NULL,
  measure_code  text NOT NULL REFERENCES sv.sanction_measure (code),
  department_id integer NOT NULL REFERENCES sv.department (id),
  scenario      text NOT NULL,            -- of the check, so departments need not read the check log
  case_reference text,
  reason        text NOT NULL,            -- the events or class that triggered the measure
  until         date,                     -- last day the measure applies; NULL: open
  due_on        date NOT NULL,            -- feedback deadline, in working days
  outcome       text CHECK (outcome IN ('applied', 'not_applicable')),
  note          text,
  reported_by   text,
  reported_at   timestamptz,
  created_at    timestamptz NOT NULL,
  CHECK ((outcome IS NULL) = (reported_at IS NULL)),
  CHECK (outcome IS DISTINCT FROM 'not_applicable' OR length(btrim(note)) >= 4)
);
CREATE INDEX sanction_feedback_department_idx ON sv.sanction_feedback (department_id, due_on) WHERE outcome IS NULL;
CREATE INDEX sanction_feedback_check_idx ON sv.sanction_feedback (check_id);
COMMENT ON TABLE sv.sanction_feedback IS
  'Feedback obligations (反馈) of implementing departments, one per measure hit by a credit check: the closed loop';
ALTER TABLE sv.sanction_feedback ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.sanction_feedback FORCE ROW LEVEL SECURITY;
CREATE POLICY sanction_feedback_department ON sv.sanction_feedback FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY sanction_feedback_all ON sv.sanction_feedback FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true);
GRANT SELECT ON sv.sanction_feedback TO sv_officer, sv_admin, sv_auditor, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.sanction_feedback', '');
SELECT pg_catalog.pg_extension_config_dump('sv.sanction_feedback_id_seq', '');

CREATE FUNCTION sv.sanction_measure_save(code text, name text, kind text, category text, legal_basis text,
                                         department_id integer, scenarios text[], trigger_kinds text[] DEFAULT '{}',
                                         trigger_classes text[] DEFAULT '{}', min_severity integer DEFAULT 1,
                                         duration_months integer DEFAULT NULL, feedback_days integer DEFAULT 5)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_old sv.sanction_measure;
  v_new sv.sanction_measure;
BEGIN
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_text('name', name);
  PERFORM sv._require_one_of('kind', kind, ARRAY['punishment', 'reward']);
  PERFORM sv._require_one_of('category', category, sv._sanction_categories(kind));
  PERFORM sv._require_text('legal_basis', legal_basis);
  PERFORM sv._require_department('department_id', department_id);
  IF coalesce(cardinality(scenarios), 0) = 0 THEN
    RAISE EXCEPTION 'scenarios must name at least one of %', array_to_string(sv._sanction_scenarios(), ', ')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_subset('scenarios', scenarios, sv._sanction_scenarios());
  PERFORM sv._require_subset('trigger_kinds', coalesce(trigger_kinds, '{}'), sv._credit_kinds());
  PERFORM sv._require_subset('trigger_classes', coalesce(trigger_classes, '{}'), ARRAY['A', 'B', 'C', 'D']);
  IF coalesce(cardinality(trigger_kinds), 0) + coalesce(cardinality(trigger_classes), 0) = 0 THEN
    RAISE EXCEPTION 'a measure needs a trigger: trigger_kinds (credit event kinds) or trigger_classes (A-D)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF min_severity IS NULL OR min_severity NOT BETWEEN 1 AND 5 THEN
    RAISE EXCEPTION 'min_severity must be 1 to 5, not %', coalesce(min_severity::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF duration_months <= 0 THEN
    RAISE EXCEPTION 'duration_months must be positive or NULL (as long as the event is in force), not %', duration_months
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF feedback_days IS NULL OR feedback_days NOT BETWEEN 1 AND 60 THEN
    RAISE EXCEPTION 'feedback_days must be 1 to 60 working days, not %', coalesce(feedback_days::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators keep the measures list' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO v_old FROM sv.sanction_measure m WHERE m.code = btrim(sanction_measure_save.code) FOR UPDATE;
  IF v_old.retired_on IS NOT NULL THEN
    RAISE EXCEPTION 'measure % is retired: save it under a new code', quote_literal(v_old.code)
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  INSERT INTO sv.sanction_measure AS m (code, name, kind, category, legal_basis, department_id, scenarios,
                                        trigger_kinds, trigger_classes, min_severity, duration_months, feedback_days,
                                        created_by, created_at, updated_by, updated_at)
  VALUES (btrim(code), btrim(name), kind, category, btrim(legal_basis), department_id,
          ARRAY(SELECT DISTINCT x FROM unnest(scenarios) x ORDER BY x),
          ARRAY(SELECT DISTINCT x FROM unnest(coalesce(trigger_kinds, '{}')) x ORDER BY x),
          ARRAY(SELECT DISTINCT x FROM unnest(coalesce(trigger_classes, '{}')) x ORDER BY x),
          min_severity, duration_months, feedback_days, me, now(), me, now())
  ON CONFLICT ON CONSTRAINT sanction_measure_pkey DO UPDATE
    SET name = excluded.name, kind = excluded.kind, category = excluded.category, legal_basis = excluded.legal_basis,
        department_id = excluded.department_id, scenarios = excluded.scenarios, trigger_kinds = excluded.trigger_kinds,
        trigger_classes = excluded.trigger_classes, min_severity = excluded.min_severity,
        duration_months = excluded.duration_months, feedback_days = excluded.feedback_days,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at
  RETURNING m.* INTO v_new;
  IF v_old.code IS NULL OR (to_jsonb(v_old) - 'created_by' - 'created_at' - 'updated_by' - 'updated_at')
                           IS DISTINCT FROM (to_jsonb(v_new) - 'created_by' - 'created_at' - 'updated_by' - 'updated_at') THEN
    PERFORM sv.audit_append(department_id, 'sanction_measure', v_new.code, CASE WHEN v_old.code IS NULL THEN 'add' ELSE 'change' END,
                            to_jsonb(v_new) - 'code' - 'created_by' - 'created_at' - 'updated_by' - 'updated_at');
  END IF;
  RETURN v_new.code;
END
$fn$;
COMMENT ON FUNCTION sv.sanction_measure_save(text, text, text, text, text, integer, text[], text[], text[], integer, integer, integer) IS
  'Administrators: add or change a joint reward/punishment measure';

CREATE FUNCTION sv.sanction_measure_retire(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  m sv.sanction_measure;
BEGIN
  PERFORM sv._require_reason(reason, 'the measure ends');
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators keep the measures list' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO m FROM sv.sanction_measure x WHERE x.code = sanction_measure_retire.code FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'measure % does not exist', coalesce(quote_literal(code), 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  IF m.retired_on IS NOT NULL THEN
    RAISE EXCEPTION 'measure % is already retired', quote_literal(code)
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.sanction_measure x SET retired_on = sv.local_date(now()), updated_by = me, updated_at = now()
   WHERE x.code = m.code;
  PERFORM sv.audit_append(m.department_id, 'sanction_measure', m.code, 'retire', jsonb_build_object('reason', btrim(reason)));
END
$fn$;
COMMENT ON FUNCTION sv.sanction_measure_retire(text, text) IS
  'Administrators: end a measure (it no longer applies; its past hits and feedback stay)';

-- The measures that apply to a subject in a scenario on a day, one row per measure, with the
-- events (or class) that trigger it and the last day it applies (NULL: open).  Reads only.
CREATE FUNCTION sv._sanction_hits(subject sv.uscc, scenario text, day date)
RETURNS TABLE (measure text, basis text, reason text, until date, measure_name text, measure_kind text,
               department_id integer, feedback_days integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH tainted AS (
    -- rewards are for the trustworthy: none while a negative event is in force (and published)
    SELECT EXISTS (SELECT 1 FROM sv.credit_event e
                   WHERE e.uscc = subject AND e.kind <> 'commendation' AND e.decided_on <= day
                     AND (e.valid_until IS NULL OR e.valid_until >= day) AND (e.repaired_on IS NULL OR e.repaired_on > day)
                     AND (e.publication_ends_on IS NULL OR e.publication_ends_on > day)) AS yes
  ), m AS (
    SELECT x.* FROM sv.sanction_measure x, tainted t
    WHERE scenario = ANY (x.scenarios) AND (x.retired_on IS NULL OR x.retired_on > day)
      AND (x.kind = 'punishment' OR NOT t.yes)
  ), by_event AS (
    SELECT m.code, format('%s %s (severity %s, decided %s)', e.kind, e.reference, e.severity, e.decided_on) AS why,
           least(e.valid_until, (e.decided_on + make_interval(months => m.duration_months))::date - 1,
                 e.publication_ends_on - 1) AS until
    FROM m JOIN sv.credit_event e ON e.uscc = subject AND e.kind = ANY (m.trigger_kinds)
    WHERE e.severity >= m.min_severity AND e.decided_on <= day
      AND (e.repaired_on IS NULL OR e.repaired_on > day)
  ), by_class AS (
    SELECT m.code, format('credit class %s since %s (%s)', k.class, sv.local_date(k.assessed_at), k.source) AS why,
           NULL::date AS until
    FROM m JOIN sv.credit_class k ON k.uscc = subject AND k.class = ANY (m.trigger_classes)
  ), hit AS (
    SELECT * FROM by_event WHERE until IS NULL OR until >= day
    UNION ALL
    SELECT * FROM by_class
  )
  SELECT m.code, m.legal_basis, string_agg(h.why, '; ' ORDER BY h.why),
         CASE WHEN bool_or(h.until IS NULL) THEN NULL ELSE max(h.until) END,
         m.name, m.kind, m.department_id, m.feedback_days
  FROM hit h JOIN m ON m.code = h.code
  GROUP BY m.code, m.legal_basis, m.name, m.kind, m.department_id, m.feedback_days
$fn$;

-- The pre-admission check: the measures that apply, each with an obligation for the
-- implementing department to report whether it applied it.
CREATE FUNCTION sv.credit_check(uscc text, scenario text, reference text DEFAULT NULL)
RETURNS TABLE (measure text, basis text, reason text, until date, measure_name text, measure_kind text,
               feedback_id bigint, feedback_due date)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_day date := sv.local_date(now());
  v_check bigint;
  v_hits jsonb;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE') OR pg_has_role(me, 'sv_officer', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not make credit checks', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM sv._require_uscc('uscc', uscc);
  PERFORM sv._require_one_of('scenario', scenario, sv._sanction_scenarios());
  IF reference IS NOT NULL AND btrim(reference) = '' THEN
    RAISE EXCEPTION 'reference must be NULL or name the case the check is for' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  INSERT INTO sv.credit_check_log (uscc, scenario, reference, checked_by, checked_at, hits)
  VALUES (uscc::sv.uscc, scenario, btrim(reference), me, now(), 0) RETURNING id INTO v_check;
  -- the deadline is counted on the calendar (sv.add_workdays raises if it is not loaded)
  WITH hits AS (
    SELECT h.*, sv.add_workdays(v_day, h.feedback_days) AS due_on FROM sv._sanction_hits(uscc::sv.uscc, scenario, v_day) h
  ), made AS (
    INSERT INTO sv.sanction_feedback AS f (check_id, uscc, measure_code, department_id, scenario, case_reference, reason,
                                           until, due_on, created_at)
    SELECT v_check, uscc::sv.uscc, h.measure, h.department_id, credit_check.scenario, btrim(reference), h.reason,
           h.until, h.due_on, now() FROM hits h
    RETURNING f.*
  )
  SELECT jsonb_agg(jsonb_build_object('measure', f.measure_code, 'feedback', f.id, 'department', f.department_id,
                                      'until', f.until, 'due_on', f.due_on) ORDER BY f.measure_code)
  INTO v_hits FROM made f;
  IF v_hits IS NOT NULL THEN
    UPDATE sv.credit_check_log l SET hits = jsonb_array_length(v_hits) WHERE l.id = v_check;
    -- each implementing department's system is told what it owes (through the outbox, when the
    -- department has an endpoint: sv.linkage_endpoint; otherwise it reads sv_work)
    PERFORM sv._department_push(f.department_id, 'credit.feedback_request',
              jsonb_build_object('feedback_id', f.id, 'uscc', f.uscc, 'measure', f.measure_code, 'scenario', f.scenario,
                                 'case_reference', f.case_reference, 'reason', f.reason, 'until', f.until, 'due_on', f.due_on),
              'feedback-' || f.id)
    FROM sv.sanction_feedback f WHERE f.check_id = v_check;
    PERFORM sv.audit_append(NULL, 'credit_check', v_check::text, 'hit',
      jsonb_build_object('uscc', uscc::sv.uscc, 'scenario', scenario, 'reference', btrim(reference), 'hits', v_hits));
  END IF;

  RETURN QUERY
  SELECT f.measure_code, m.legal_basis, f.reason, f.until, m.name, m.kind, f.id, f.due_on
  FROM sv.sanction_feedback f JOIN sv.sanction_measure m ON m.code = f.measure_code
  WHERE f.check_id = v_check
  ORDER BY m.kind, f.measure_code;
END
$fn$;
COMMENT ON FUNCTION sv.credit_check(text, text, text) IS
  'Pre-admission credit check (事前准入): the joint reward/punishment measures that apply to a subject in a scenario; each hit is a feedback obligation';

CREATE FUNCTION sv.sanction_feedback_report(feedback_id bigint, outcome text, note text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  f sv.sanction_feedback;
BEGIN
  IF feedback_id IS NULL THEN
    RAISE EXCEPTION 'feedback_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_one_of('outcome', outcome, ARRAY['applied', 'not_applicable']);
  IF outcome = 'not_applicable' AND (note IS NULL OR length(btrim(note)) < 4) THEN
    RAISE EXCEPTION 'note must say why the measure was not applicable (at least 4 characters)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE') OR pg_has_role(me, 'sv_officer', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not report feedback', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO f FROM sv.sanction_feedback x WHERE x.id = feedback_id FOR UPDATE;
  -- officers report for their own department; another department's obligation does not exist for them
  IF NOT FOUND OR NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')
                       OR coalesce(f.department_id = sv.scope_department(), false)) THEN
    RAISE EXCEPTION 'feedback obligation % does not exist', feedback_id USING ERRCODE = 'no_data_found';
  END IF;
  IF f.outcome IS NOT NULL THEN
    RAISE EXCEPTION 'feedback obligation % was already reported (%)', feedback_id, f.outcome
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.sanction_feedback x SET outcome = sanction_feedback_report.outcome, note = nullif(btrim(sanction_feedback_report.note), ''),
                                    reported_by = me, reported_at = now()
   WHERE x.id = f.id;
  PERFORM sv.audit_append(f.department_id, 'sanction_feedback', f.id::text, 'report',
    jsonb_build_object('outcome', outcome, 'note', nullif(btrim(note), ''), 'due_on', f.due_on,
                       'late', sv.local_date(now()) > f.due_on));
END
$fn$;
COMMENT ON FUNCTION sv.sanction_feedback_report(bigint, text, text) IS
  'The implementing department reports whether it applied a measure (applied / not_applicable with a note)';

GRANT EXECUTE ON FUNCTION sv.sanction_measure_save(text, text, text, text, text, integer, text[], text[], text[], integer, integer, integer),
                          sv.sanction_measure_retire(text, text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.credit_check(text, text, text), sv.sanction_feedback_report(bigint, text, text)
  TO sv_admin, sv_officer, sv_integration;

CREATE VIEW sv_work.sanction_feedback WITH (security_invoker = true) AS
  SELECT f.id, f.uscc, s.name AS subject_name, f.measure_code, m.name AS measure_name, m.kind AS measure_kind,
         f.department_id, d.name_zh AS department_name, f.reason, f.until, f.scenario, f.case_reference,
         f.created_at, f.due_on, f.outcome, f.note, f.reported_by, f.reported_at,
         f.outcome IS NULL AND f.due_on < sv.local_date(now()) AS overdue,
         f.reported_at IS NOT NULL AND sv.local_date(f.reported_at) > f.due_on AS reported_late
  FROM sv.sanction_feedback f
  JOIN sv.sanction_measure m ON m.code = f.measure_code
  JOIN sv.department d ON d.id = f.department_id
  LEFT JOIN sv.subject s ON s.uscc = f.uscc;
COMMENT ON VIEW sv_work.sanction_feedback IS
  'Feedback obligations of the caller''s department (all for the supervision office), with deadlines and lateness';

CREATE VIEW sv_work.sanction_feedback_open WITH (security_invoker = true) AS
  SELECT f.id, f.uscc, f.subject_name, f.measure_code, f.measure_name, f.department_name, f.reason, f.scenario,
         f.case_reference, f.due_on, f.overdue
  FROM sv_work.sanction_feedback f
  WHERE f.outcome IS NULL;
COMMENT ON VIEW sv_work.sanction_feedback_open IS 'Feedback still to report, overdue ones flagged';

-- The closed-loop rate per department and month of the check (aggregates only).
CREATE VIEW sv_bi.sanction_feedback AS
  SELECT d.code AS department_code, d.name_zh AS department_name,
         date_trunc('month', sv.local_date(f.created_at))::date AS month,
         count(*) AS obligations,
         count(*) FILTER (WHERE f.outcome = 'applied') AS applied,
         count(*) FILTER (WHERE f.outcome = 'not_applicable') AS not_applicable,
         count(*) FILTER (WHERE f.outcome IS NOT NULL AND sv.local_date(f.reported_at) <= f.due_on) AS reported_on_time,
         count(*) FILTER (WHERE f.outcome IS NULL) AS open,
         count(*) FILTER (WHERE f.outcome IS NULL AND f.due_on < sv.local_date(now())) AS overdue
  FROM sv.sanction_feedback f JOIN sv.department d ON d.id = f.department_id
  GROUP BY d.code, d.name_zh, date_trunc('month', sv.local_date(f.created_at));
COMMENT ON VIEW sv_bi.sanction_feedback IS
  'Joint reward/punishment feedback per department and month: obligations, applied, on time, open, overdue';

GRANT SELECT ON sv_work.sanction_feedback, sv_work.sanction_feedback_open TO sv_officer, sv_admin, sv_auditor;
GRANT SELECT ON sv_bi.sanction_feedback TO sv_bi, sv_auditor, sv_admin;
-- ---------------------------------------------------------------------------------------------
-- 57_credit_repair: credit repair (信用修复): an application to stop an event counting, its
-- rule checks, a decision by another person, and the effects.
--
-- Table:      sv.credit_repair (applied -> approved | rejected)
-- Functions:  sv.credit_repair_apply(uscc, event_id, reason, evidence, obligations_performed)
--             sv.credit_repair_decide(repair_id, approve, note)
-- View:       sv_work.credit_repair
-- Rules (checked when applying and again when deciding):
--   * the event is a negative one still in force and still published (a penalty whose
--     publication ended needs no repair);
--   * the minimum publication period has passed for penalties and the serious dishonesty list:
--     6 months, 12 months in food, drugs and special equipment (from publication, else decision);
--   * the obligations are performed (fine paid, rectified), with evidence;
--   * no repeat: no later negative event of the subject that is still in force and unrepaired.
-- Effects of approval: the event stops counting from that day (scores, classes, sanction
-- measures, publication), the subject is rescored with the current model, all audited.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.credit_repair (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uscc                  sv.uscc NOT NULL,
  event_id              bigint NOT NULL,
  department_id         integer REFERENCES sv.department (id),   -- the event's department: it decides
  reason                text NOT NULL,
  evidence              jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'object'),
  obligations_performed boolean NOT NULL,
  status                text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'approved', 'rejected')),
  applied_by            text NOT NULL,
  applied_at            timestamptz NOT NULL,
  decided_by            text,
  decided_at            timestamptz,
  decision_note         text,
  ended_measures        text[],                                  -- measures the event triggered, ended by approval
  FOREIGN KEY (uscc, event_id) REFERENCES sv.credit_event (uscc, id),
  CHECK ((status = 'applied') = (decided_at IS NULL)),
  CHECK ((decided_at IS NULL) = (decided_by IS NULL))
);
CREATE UNIQUE INDEX credit_repair_open_idx ON sv.credit_repair (uscc, event_id) WHERE status = 'applied';
COMMENT ON TABLE sv.credit_repair IS 'Credit repair applications (信用修复申请) and their decisions';
ALTER TABLE sv.credit_repair ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.credit_repair FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_repair_department ON sv.credit_repair FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY credit_repair_all ON sv.credit_repair FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true);
GRANT SELECT ON sv.credit_repair TO sv_officer, sv_admin, sv_auditor, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.credit_repair', '');
SELECT pg_catalog.pg_extension_config_dump('sv.credit_repair_id_seq', '');

-- Why an event cannot be repaired on a day, as (SQLSTATE, message), or NULL when it can.
CREATE FUNCTION sv._credit_repair_problem(e sv.credit_event, day date) RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH p AS (
    SELECT coalesce(e.published_on, e.decided_on) AS start,
           CASE WHEN e.sector IN ('food', 'drug', 'special_equipment') THEN 12 ELSE 6 END AS months
  ), later AS (
    SELECT x.kind, x.reference, x.decided_on FROM sv.credit_event x
    WHERE x.uscc = e.uscc AND x.id <> e.id AND x.kind <> 'commendation' AND x.decided_on > e.decided_on
      AND x.decided_on <= day AND (x.valid_until IS NULL OR x.valid_until >= day) AND x.repaired_on IS NULL
    ORDER BY x.decided_on, x.id LIMIT 1
  )
  SELECT CASE
    WHEN e.repaired_on IS NOT NULL
      THEN ARRAY['55000', format('event %s was already repaired', e.id)]
    WHEN e.kind = 'commendation' THEN ARRAY['22023', 'a commendation is not repaired: repair is for negative events']
    WHEN e.valid_until < day
      THEN ARRAY['55000', format('event %s ended on %s: it no longer counts, nothing to repair', e.id, e.valid_until)]
    WHEN e.publication_ends_on <= day
      THEN ARRAY['55000', format('publication of event %s ended on %s: it is no longer shown, nothing to repair',
                                 e.id, e.publication_ends_on - 1)]
    WHEN e.kind IN ('administrative_penalty', 'serious_dishonesty') AND day < (p.start + make_interval(months => p.months))::date
      THEN ARRAY['55000', format('the minimum publication period of %s months from %s has not passed: repair is possible from %s',
                                 p.months, p.start, (p.start + make_interval(months => p.months))::date)]
    WHEN l.kind IS NOT NULL
      THEN ARRAY['55000', format('a later %s %s was decided on %s: no repair after a repeat (it must be repaired first)',
                                 l.kind, l.reference, l.decided_on)]
  END
  FROM p LEFT JOIN later l ON true
$fn$;

CREATE FUNCTION sv._credit_repair_event(uscc text, event_id bigint) RETURNS sv.credit_event
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  e sv.credit_event;
BEGIN
  PERFORM sv._require_uscc('uscc', uscc);
  IF event_id IS NULL THEN
    RAISE EXCEPTION 'event_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO e FROM sv.credit_event x WHERE x.uscc = _credit_repair_event.uscc::sv.uscc AND x.id = event_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'credit event % of subject % does not exist', event_id, uscc::sv.uscc USING ERRCODE = 'no_data_found';
  END IF;
  RETURN e;
END
$fn$;

CREATE FUNCTION sv.credit_repair_apply(uscc text, event_id bigint, reason text, evidence jsonb,
                                       obligations_performed boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  me text := sv._outer_user();
  e sv.credit_event;
  v_problem text[];
  v_id bigint;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE') OR pg_has_role(me, 'sv_officer', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not file credit repair applications', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  e := sv._credit_repair_event(uscc, event_id);
  -- officers file for their own department's events (at its service window)
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE'))
     AND e.department_id IS DISTINCT FROM sv.scope_department() THEN
    RAISE EXCEPTION 'event % was not decided by the department of "%"', event_id, me USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM sv._require_reason(reason, 'the subject asks for repair');
  IF evidence IS NULL OR jsonb_typeof(evidence) <> 'object' OR evidence = '{}' THEN
    RAISE EXCEPTION 'evidence must be a JSON object naming the proof (receipt of the fine, rectification report, credit commitment)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF obligations_performed IS NOT TRUE THEN
    RAISE EXCEPTION 'obligations_performed: the obligations of the decision (fine paid, rectification) must be performed before repair'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_problem := sv._credit_repair_problem(e, sv.local_date(now()));
  IF v_problem IS NOT NULL THEN
    PERFORM sv._raise_reject(v_problem[1], v_problem[2], NULL);
  END IF;
  INSERT INTO sv.credit_repair (uscc, event_id, department_id, reason, evidence, obligations_performed, applied_by, applied_at)
  VALUES (e.uscc, e.id, e.department_id, btrim(reason), evidence, true, me, now())
  ON CONFLICT (uscc, event_id) WHERE status = 'applied' DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    RAISE EXCEPTION 'an application to repair event % is already open', e.id USING ERRCODE = 'unique_violation';
  END IF;
  PERFORM sv.audit_append(e.department_id, 'credit_repair', v_id::text, 'apply',
    jsonb_build_object('uscc', e.uscc, 'event', e.id, 'kind', e.kind, 'reference', e.reference,
                       'reason', btrim(reason), 'evidence', evidence));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.credit_repair_apply(text, bigint, text, jsonb, boolean) IS
  'File a credit repair application for an event (rules checked at once); returns its id';

CREATE FUNCTION sv.credit_repair_decide(repair_id bigint, approve boolean, note text)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  a sv.credit_repair;
  e sv.credit_event;
  v_day date := sv.local_date(now());
  v_problem text[];
  v_measures text[];
  m sv.credit_model;
  v_class text;
BEGIN
  IF repair_id IS NULL OR approve IS NULL THEN
    RAISE EXCEPTION 'repair_id and approve must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_reason(note, CASE WHEN approve THEN 'the repair is approved' ELSE 'the repair is refused' END);
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_officer', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not decide credit repairs', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO a FROM sv.credit_repair x WHERE x.id = repair_id FOR UPDATE;
  IF NOT FOUND OR NOT (sv._is_admin(me) OR coalesce(a.department_id = sv.scope_department(), false)) THEN
    RAISE EXCEPTION 'credit repair application % does not exist', repair_id USING ERRCODE = 'no_data_found';
  END IF;
  IF a.status <> 'applied' THEN
    RAISE EXCEPTION 'credit repair application % was already decided (%)', repair_id, a.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF a.applied_by = me THEN
    RAISE EXCEPTION 'application % was filed by "%": another person decides it', repair_id, me
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO e FROM sv.credit_event x WHERE x.uscc = a.uscc AND x.id = a.event_id FOR UPDATE;
  IF approve THEN
    -- the rules again: a new penalty may have come since the application
    v_problem := sv._credit_repair_problem(e, v_day);
    IF v_problem IS NOT NULL THEN
      PERFORM sv._raise_reject(v_problem[1], v_problem[2], NULL);
    END IF;
    SELECT array_agg(x.code ORDER BY x.code) INTO v_measures FROM sv.sanction_measure x
    WHERE e.kind = ANY (x.trigger_kinds) AND e.severity >= x.min_severity AND (x.retired_on IS NULL OR x.retired_on > v_day);
    UPDATE sv.credit_event x SET repaired_on = v_day, publication_ends_on = least(x.publication_ends_on, v_day),
                                 updated_at = now()
     WHERE x.uscc = e.uscc AND x.id = e.id;
    SELECT * INTO m FROM sv.credit_model x WHERE x.is_current;
    IF FOUND THEN
      PERFORM sv._credit_store_classes(m, v_day, ARRAY[e.uscc], now());
      SELECT k.class INTO v_class FROM sv.credit_class k WHERE k.uscc = e.uscc;
    END IF;
  END IF;
  UPDATE sv.credit_repair x SET status = CASE WHEN approve THEN 'approved' ELSE 'rejected' END, decided_by = me,
                                decided_at = now(), decision_note = btrim(note), ended_measures = v_measures
   WHERE x.id = a.id
  RETURNING x.* INTO a;
  PERFORM sv.audit_append(a.department_id, 'credit_repair', a.id::text, a.status,
    jsonb_build_object('uscc', a.uscc, 'event', a.event_id, 'note', a.decision_note, 'repaired_on',
                       CASE WHEN approve THEN v_day END, 'ended_measures', v_measures, 'class_now', v_class));
  RETURN a.status;
END
$fn$;
COMMENT ON FUNCTION sv.credit_repair_decide(bigint, boolean, text) IS
  'The event''s department (or an administrator, not the applicant) approves or refuses a credit repair';

GRANT EXECUTE ON FUNCTION sv.credit_repair_apply(text, bigint, text, jsonb, boolean) TO sv_admin, sv_officer, sv_integration;
GRANT EXECUTE ON FUNCTION sv.credit_repair_decide(bigint, boolean, text) TO sv_admin, sv_officer;

CREATE VIEW sv_work.credit_repair WITH (security_invoker = true) AS
  SELECT r.id, r.uscc, s.name AS subject_name, r.event_id, e.kind AS event_kind, e.reference AS event_reference,
         e.decided_on AS event_decided_on, r.department_id, r.reason, r.evidence, r.status, r.applied_by, r.applied_at,
         r.decided_by, r.decided_at, r.decision_note, r.ended_measures
  FROM sv.credit_repair r
  JOIN sv.credit_event e ON e.uscc = r.uscc AND e.id = r.event_id
  JOIN sv.subject s ON s.uscc = r.uscc;
COMMENT ON VIEW sv_work.credit_repair IS 'Credit repair applications of the caller''s department and their decisions';
GRANT SELECT ON sv_work.credit_repair TO sv_officer, sv_admin, sv_auditor;
-- ---------------------------------------------------------------------------------------------
-- 60_outbox: every message to an outside system (a department's business system, the
-- provincial platform, the 12345 hotline, the credit platform) is a row of sv.outbox, written
-- in the same transaction as the change that caused it; the push worker (src/push/, a
-- background worker with libcurl) delivers it at least once, with the message id as the
-- Idempotency-Key, and records every attempt.  Logged tables: nothing is lost on a crash.
--
-- Tables:     sv.endpoint (where and how to send), sv.endpoint_secret (owner only),
--             sv.outbox (one row per message), sv.outbox_attempt (one row per HTTP attempt)
-- Functions:  sv.endpoint_save, sv.endpoint_set_secret (administrators)
--             sv.outbox_send(endpoint, kind, payload, dedup_key) -> message id
--             sv.outbox_requeue(message_ids), sv.outbox_cleanup() (pg_cron)
--             sv._outbox_claim(...), sv._outbox_record(...) (the worker's two transactions)
-- Views:      sv_work.outbox_dead, sv_work.outbox_counters
-- States:     pending -> in_flight -> delivered | pending (retry, backoff with jitter) |
--             failed (other 4xx, not retried) | dead (attempts exhausted); an operator
--             requeues failed or dead messages.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.endpoint (
  name           text PRIMARY KEY CHECK (name ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  url            text NOT NULL CHECK (url ~* '^https?://'),
  method         text NOT NULL DEFAULT 'POST' CHECK (method IN ('POST', 'PUT', 'PATCH')),
  headers        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(headers) = 'object'),
  auth           text NOT NULL DEFAULT 'none' CHECK (auth IN ('none', 'bearer', 'hmac_sha256')),
  timeout_ms     integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 300000),
  max_attempts   integer NOT NULL DEFAULT 10 CHECK (max_attempts BETWEEN 1 AND 100),
  max_concurrent integer NOT NULL DEFAULT 8 CHECK (max_concurrent BETWEEN 1 AND 256),
  follow_redirects boolean NOT NULL DEFAULT false,
  enabled        boolean NOT NULL DEFAULT true,
  department_id  integer REFERENCES sv.department (id),   -- whose system it is (NULL: outside the city)
  updated_by     text NOT NULL,
  updated_at     timestamptz NOT NULL
);
COMMENT ON TABLE sv.endpoint IS 'Outside systems the push worker sends to: URL, method, headers, authentication, limits';
ALTER TABLE sv.endpoint ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.endpoint FORCE ROW LEVEL SECURITY;
CREATE POLICY endpoint_read ON sv.endpoint FOR SELECT TO sv_admin, sv_auditor, sv_officer, sv_integration USING (true);
GRANT SELECT ON sv.endpoint TO sv_admin, sv_auditor, sv_officer, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.endpoint', '');

-- Bearer tokens and HMAC keys: no role but the owner (and so the worker) reads them.
CREATE TABLE sv.endpoint_secret (
  endpoint   text PRIMARY KEY REFERENCES sv.endpoint (name),
  secret     text NOT NULL CHECK (length(secret) >= 16),
  set_by     text NOT NULL,
  set_at     timestamptz NOT NULL
);
COMMENT ON TABLE sv.endpoint_secret IS 'Endpoint secrets (bearer token or HMAC-SHA256 key): readable by the extension owner only';
ALTER TABLE sv.endpoint_secret ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.endpoint_secret FORCE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('sv.endpoint_secret', '');

CREATE TABLE sv.outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id      uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,   -- sent as Idempotency-Key
  endpoint        text NOT NULL REFERENCES sv.endpoint (name),
  kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{1,63}$'),
  payload         jsonb NOT NULL,
  dedup_key       text,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_flight', 'delivered', 'failed', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until     timestamptz,                 -- in_flight: reclaimed after this if the worker died
  last_status     integer,                     -- last HTTP status code
  last_error      text,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz,
  updated_at      timestamptz NOT NULL,
  CHECK ((status = 'in_flight') = (lease_until IS NOT NULL)),
  CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE UNIQUE INDEX outbox_dedup_idx ON sv.outbox (endpoint, dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX outbox_due_idx ON sv.outbox (next_attempt_at, id) WHERE status = 'pending';   -- the claim order
CREATE INDEX outbox_in_flight_idx ON sv.outbox (endpoint, lease_until) WHERE status = 'in_flight';
CREATE INDEX outbox_stuck_idx ON sv.outbox (endpoint, status) WHERE status IN ('failed', 'dead');
COMMENT ON TABLE sv.outbox IS 'Messages to outside systems (logged, never deleted before delivery): delivered at least once by the push worker';
ALTER TABLE sv.outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY outbox_all ON sv.outbox FOR SELECT TO sv_admin, sv_auditor USING (true);
-- officers see the messages to their own department's systems
CREATE POLICY outbox_department ON sv.outbox FOR SELECT TO sv_officer
  USING (EXISTS (SELECT 1 FROM sv.endpoint e WHERE e.name = endpoint AND e.department_id = sv.scope_department()));
GRANT SELECT ON sv.outbox TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('sv.outbox_id_seq', '');

CREATE TABLE sv.outbox_attempt (
  outbox_id    bigint NOT NULL REFERENCES sv.outbox (id) ON DELETE CASCADE,
  attempt      integer NOT NULL,
  started_at   timestamptz NOT NULL,
  duration_ms  integer NOT NULL,
  http_status  integer,                        -- NULL: no response (timeout, refused, reset)
  error        text,
  outcome      text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'dead', 'abandoned')),
  PRIMARY KEY (outbox_id, attempt)
);
CREATE INDEX outbox_attempt_started_idx ON sv.outbox_attempt (started_at);
COMMENT ON TABLE sv.outbox_attempt IS 'Every delivery attempt with its outcome (kept for sv.push_attempt_retention)';
ALTER TABLE sv.outbox_attempt ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.outbox_attempt FORCE ROW LEVEL SECURITY;
CREATE POLICY outbox_attempt_all ON sv.outbox_attempt FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.outbox_attempt TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.outbox_attempt', '');

-- The worker's latch is set when a transaction that queued a message commits (C, a no-op
-- when the library is not preloaded: then the worker does not run either).
CREATE FUNCTION sv._push_wake_at_commit() RETURNS void
AS 'MODULE_PATHNAME', 'sv_push_wake_at_commit' LANGUAGE C VOLATILE;
CREATE FUNCTION sv.push_worker_status(OUT pid integer, OUT started_at timestamptz, OUT delivered bigint,
                                      OUT retried bigint, OUT failed bigint, OUT dead bigint, OUT in_flight integer,
                                      OUT last_claim_at timestamptz, OUT claims bigint)
AS 'MODULE_PATHNAME', 'sv_push_worker_status' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sv.push_worker_status() IS
  'The push worker: its pid (NULL when not running), start, counters since start, messages in flight, claim transactions run';

-- The host of an http(s) URL, lower-cased, without user info or port.
CREATE FUNCTION sv._url_host(url text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lower(substring(url FROM '^[A-Za-z]+://(?:[^/@]*@)?(\[[^]]*\]|[^/:?#]+)')) $$;

-- Whether the host may be contacted: sv.push_allowed_hosts is a comma-separated list of host
-- names (an entry ".example.org" allows its subdomains); empty allows nothing.
CREATE FUNCTION sv._push_host_allowed(host text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
  SELECT EXISTS (
    SELECT 1 FROM unnest(string_to_array(coalesce(current_setting('sv.push_allowed_hosts', true), ''), ',')) a,
                  LATERAL lower(btrim(a)) h
    WHERE h <> '' AND (host = h OR (left(h, 1) = '.' AND right(host, length(h)) = h)))
$fn$;

CREATE FUNCTION sv._require_push_host(field text, url text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_host text := sv._url_host(url);
BEGIN
  IF v_host IS NULL OR url !~* '^https?://' THEN
    RAISE EXCEPTION '%: only http and https URLs with a host are sent to, not %', field, coalesce(quote_literal(url), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT sv._push_host_allowed(v_host) THEN
    RAISE EXCEPTION '%: host % is not in sv.push_allowed_hosts', field, quote_literal(v_host)
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'A superuser adds the host to sv.push_allowed_hosts in postgresql.conf and reloads.';
  END IF;
END
$fn$;

CREATE FUNCTION sv.endpoint_save(name text, url text, method text DEFAULT 'POST', headers jsonb DEFAULT '{}',
                                 auth text DEFAULT 'none', timeout_ms integer DEFAULT 10000,
                                 max_attempts integer DEFAULT 10, max_concurrent integer DEFAULT 8,
                                 follow_redirects boolean DEFAULT false, enabled boolean DEFAULT true,
                                 department_id integer DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_old sv.endpoint;
  v_new sv.endpoint;
  v_bad text;
BEGIN
  PERFORM sv._require_code('name', name);
  PERFORM sv._require_push_host('url', url);
  PERFORM sv._require_one_of('method', method, ARRAY['POST', 'PUT', 'PATCH']);
  IF headers IS NULL OR jsonb_typeof(headers) <> 'object' THEN
    RAISE EXCEPTION 'headers must be a JSON object of header names and string values' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the worker sets these itself; a header name or value with a line break would inject headers
  SELECT string_agg(quote_literal(k), ', ' ORDER BY k) INTO v_bad FROM jsonb_each(headers) h(k, v)
  WHERE k !~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]+$' OR jsonb_typeof(v) <> 'string' OR v #>> '{}' ~ '[\r\n]'
     OR lower(k) IN ('idempotency-key', 'content-type', 'content-length', 'authorization', 'x-signature',
                     'x-signature-timestamp', 'host', 'transfer-encoding');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'headers: % not allowed (a token name with a string value, none the worker sets itself)', v_bad
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_one_of('auth', auth, ARRAY['none', 'bearer', 'hmac_sha256']);
  IF timeout_ms IS NULL OR timeout_ms NOT BETWEEN 100 AND 300000 THEN
    RAISE EXCEPTION 'timeout_ms must be 100 to 300000, not %', coalesce(timeout_ms::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'max_attempts must be 1 to 100, not %', coalesce(max_attempts::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_concurrent IS NULL OR max_concurrent NOT BETWEEN 1 AND 256 THEN
    RAISE EXCEPTION 'max_concurrent must be 1 to 256, not %', coalesce(max_concurrent::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF follow_redirects IS NULL OR enabled IS NULL THEN
    RAISE EXCEPTION 'follow_redirects and enabled must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF department_id IS NOT NULL THEN
    PERFORM sv._require_department('department_id', department_id);
  END IF;
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators configure endpoints' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO v_old FROM sv.endpoint e WHERE e.name = btrim(endpoint_save.name) FOR UPDATE;
  INSERT INTO sv.endpoint AS e (name, url, method, headers, auth, timeout_ms, max_attempts, max_concurrent,
                                follow_redirects, enabled, department_id, updated_by, updated_at)
  VALUES (btrim(name), btrim(url), method, headers, auth, timeout_ms, max_attempts, max_concurrent, follow_redirects,
          enabled, department_id, me, now())
  ON CONFLICT ON CONSTRAINT endpoint_pkey DO UPDATE
    SET url = excluded.url, method = excluded.method, headers = excluded.headers, auth = excluded.auth,
        timeout_ms = excluded.timeout_ms, max_attempts = excluded.max_attempts, max_concurrent = excluded.max_concurrent,
        follow_redirects = excluded.follow_redirects, enabled = excluded.enabled, department_id = excluded.department_id,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at
  RETURNING e.* INTO v_new;
  IF v_old.name IS NULL OR (to_jsonb(v_old) - 'updated_by' - 'updated_at') IS DISTINCT FROM (to_jsonb(v_new) - 'updated_by' - 'updated_at') THEN
    PERFORM sv.audit_append(department_id, 'endpoint', v_new.name, CASE WHEN v_old.name IS NULL THEN 'add' ELSE 'change' END,
                            to_jsonb(v_new) - 'name' - 'updated_by' - 'updated_at');
  END IF;
  IF v_new.enabled THEN
    PERFORM sv._push_wake_at_commit();   -- messages held for a disabled endpoint may go now
  END IF;
  RETURN v_new.name;
END
$fn$;
COMMENT ON FUNCTION sv.endpoint_save(text, text, text, jsonb, text, integer, integer, integer, boolean, boolean, integer) IS
  'Administrators: add or change an endpoint (its host must be in sv.push_allowed_hosts)';

CREATE FUNCTION sv.endpoint_set_secret(name text, secret text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
BEGIN
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators set endpoint secrets' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.endpoint e WHERE e.name = endpoint_set_secret.name) THEN
    RAISE EXCEPTION 'endpoint % does not exist', coalesce(quote_literal(name), 'NULL') USING ERRCODE = 'no_data_found';
  END IF;
  IF secret IS NULL OR length(secret) < 16 OR secret ~ '[\r\n]' THEN
    RAISE EXCEPTION 'secret must be at least 16 characters on one line' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO sv.endpoint_secret AS s (endpoint, secret, set_by, set_at) VALUES (name, secret, me, now())
  ON CONFLICT (endpoint) DO UPDATE SET secret = excluded.secret, set_by = excluded.set_by, set_at = excluded.set_at;
  -- the audit chain records that it changed, never the secret
  PERFORM sv.audit_append(NULL, 'endpoint', name, 'set_secret', jsonb_build_object('sha256_prefix',
          left(encode(sha256(convert_to(secret, 'UTF8')), 'hex'), 8)));
END
$fn$;
COMMENT ON FUNCTION sv.endpoint_set_secret(text, text) IS
  'Administrators: set an endpoint''s bearer token or HMAC key (stored readable by the owner only)';

-- Queue a message.  In the caller's transaction: it exists exactly when the change that caused
-- it commits.  The same (endpoint, dedup_key) again returns the first message's id.
CREATE FUNCTION sv.outbox_send(endpoint text, kind text, payload jsonb, dedup_key text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  me text := sv._outer_user();
  e sv.endpoint;
  v_id uuid;
BEGIN
  SELECT * INTO e FROM sv.endpoint x WHERE x.name = outbox_send.endpoint;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'endpoint % does not exist', coalesce(quote_literal(outbox_send.endpoint), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM sv._require_push_host('endpoint ' || e.name, e.url);
  IF outbox_send.kind IS NULL OR outbox_send.kind !~ '^[a-z][a-z0-9_.-]{1,63}$' THEN
    RAISE EXCEPTION 'kind must be 2-64 lower-case letters, digits, ".", "_" or "-", not %',
      coalesce(quote_literal(outbox_send.kind), 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF outbox_send.payload IS NULL THEN
    RAISE EXCEPTION 'payload must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF outbox_send.dedup_key IS NOT NULL AND btrim(outbox_send.dedup_key) = '' THEN
    RAISE EXCEPTION 'dedup_key must be NULL or not empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO sv.outbox AS o (endpoint, kind, payload, dedup_key, next_attempt_at, created_by, created_at, updated_at)
  VALUES (e.name, outbox_send.kind, outbox_send.payload, outbox_send.dedup_key, now(), me, now(), now())
  ON CONFLICT (endpoint, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
  RETURNING o.message_id INTO v_id;
  IF v_id IS NULL THEN
    SELECT o.message_id INTO v_id FROM sv.outbox o WHERE o.endpoint = e.name AND o.dedup_key = outbox_send.dedup_key;
    RETURN v_id;
  END IF;
  -- every message to an outside system in the audit chain, whoever queued it; the payload by
  -- its SHA-256 (it may carry personal data, which the chain could never forget)
  PERFORM sv.audit_append(e.department_id, 'outbox', v_id::text, 'queue',
    jsonb_build_object('endpoint', e.name, 'kind', outbox_send.kind, 'dedup_key', outbox_send.dedup_key,
                       'payload_sha256', encode(sha256(convert_to(outbox_send.payload::text, 'UTF8')), 'hex')));
  PERFORM sv._push_wake_at_commit();
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.outbox_send(text, text, jsonb, text) IS
  'Queue a message to an outside system in the current transaction; returns its id (the Idempotency-Key)';

-- The worker's claim: due messages (and in-flight ones whose lease ran out: the worker died),
-- within each endpoint's concurrency limit and the worker's free capacity.
CREATE FUNCTION sv._outbox_claim(capacity integer, lease_margin_ms integer)
RETURNS TABLE (id bigint, message_id uuid, attempt integer, kind text, body text, url text, method text, headers jsonb,
               auth text, secret text, timeout_ms integer, follow_redirects boolean)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH busy AS (
    SELECT o.endpoint, count(*) AS n FROM sv.outbox o
    WHERE o.status = 'in_flight' AND o.lease_until > now() GROUP BY o.endpoint
  ), due_pending AS (
    -- two reads, each along its own index (an OR of the two would scan and sort the queue)
    SELECT o.id, o.endpoint FROM sv.outbox o
    WHERE o.status = 'pending' AND o.next_attempt_at <= now()
    ORDER BY o.next_attempt_at, o.id
    LIMIT capacity * 4
    FOR UPDATE SKIP LOCKED
  ), due_expired AS (
    SELECT o.id, o.endpoint FROM sv.outbox o
    WHERE o.status = 'in_flight' AND o.lease_until <= now()
    LIMIT capacity
    FOR UPDATE SKIP LOCKED
  ), due AS (
    SELECT * FROM due_expired UNION ALL SELECT * FROM due_pending
  ), ranked AS (
    SELECT d.id, row_number() OVER (PARTITION BY d.endpoint ORDER BY d.id) + coalesce(b.n, 0) AS slot,
           e.max_concurrent, e.timeout_ms
    FROM due d JOIN sv.endpoint e ON e.name = d.endpoint AND e.enabled
    LEFT JOIN busy b ON b.endpoint = d.endpoint
  ), chosen AS (
    SELECT r.id, r.timeout_ms FROM ranked r WHERE r.slot <= r.max_concurrent ORDER BY r.id LIMIT capacity
  ), claimed AS (
    UPDATE sv.outbox o SET status = 'in_flight', attempts = o.attempts + 1,
                           lease_until = now() + make_interval(secs => (c.timeout_ms + lease_margin_ms) / 1000.0),
                           updated_at = now()
    FROM chosen c WHERE o.id = c.id
    RETURNING o.id, o.message_id, o.attempts, o.kind, o.payload::text AS body, o.endpoint
  )
  SELECT c.id, c.message_id, c.attempts, c.kind, c.body, e.url, e.method, e.headers, e.auth, s.secret, e.timeout_ms,
         e.follow_redirects
  FROM claimed c JOIN sv.endpoint e ON e.name = c.endpoint LEFT JOIN sv.endpoint_secret s ON s.endpoint = c.endpoint
  ORDER BY c.id
$fn$;

-- The worker's record of finished attempts (one transaction per batch): 2xx delivered; 408,
-- 429, 5xx and no response retried with exponential backoff and jitter until the endpoint's
-- max_attempts, then dead; anything else failed at once.  A result for an attempt that is no
-- longer the current one (the lease ran out and the message was claimed again) only adds its
-- attempt row.
CREATE FUNCTION sv._outbox_record(ids bigint[], attempts integer[], started timestamptz[], durations integer[],
                                  statuses integer[], errors text[], retry_base_ms integer, retry_max_ms integer)
RETURNS TABLE (delivered bigint, retried bigint, failed bigint, dead bigint)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH r AS (
    SELECT x.id, x.attempt, x.started, x.duration, x.status, x.error, e.max_attempts,
           CASE WHEN x.status BETWEEN 200 AND 299 THEN 'delivered'
                WHEN x.status IS NULL OR x.status IN (408, 429) OR x.status BETWEEN 500 AND 599
                  THEN CASE WHEN x.attempt >= e.max_attempts THEN 'dead' ELSE 'retry' END
                ELSE 'failed' END AS outcome
    FROM unnest(ids, attempts, started, durations, statuses, errors) x(id, attempt, started, duration, status, error)
    JOIN sv.outbox o ON o.id = x.id
    JOIN sv.endpoint e ON e.name = o.endpoint
  ), logged AS (
    INSERT INTO sv.outbox_attempt (outbox_id, attempt, started_at, duration_ms, http_status, error, outcome)
    SELECT r.id, r.attempt, r.started, r.duration, r.status, r.error, r.outcome FROM r
    ON CONFLICT DO NOTHING
  ), changed AS (
    UPDATE sv.outbox o
       SET status = CASE r.outcome WHEN 'retry' THEN 'pending' ELSE r.outcome END,
           lease_until = NULL, last_status = r.status, last_error = r.error, updated_at = now(),
           delivered_at = CASE WHEN r.outcome = 'delivered' THEN now() END,
           next_attempt_at = CASE WHEN r.outcome = 'retry'
             THEN now() + make_interval(secs => least(retry_max_ms::float8, retry_base_ms * power(2::float8, r.attempt - 1))
                                               * (0.5 + random() / 2) / 1000.0)
             ELSE o.next_attempt_at END
      FROM r
     WHERE o.id = r.id AND o.status = 'in_flight' AND o.attempts = r.attempt
    RETURNING r.outcome
  )
  SELECT count(*) FILTER (WHERE outcome = 'delivered'), count(*) FILTER (WHERE outcome = 'retry'),
         count(*) FILTER (WHERE outcome = 'failed'), count(*) FILTER (WHERE outcome = 'dead')
  FROM changed
$fn$;

-- At worker start every in-flight message is an orphan of the previous worker: due again now.
CREATE FUNCTION sv._outbox_recover() RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH a AS (
    INSERT INTO sv.outbox_attempt (outbox_id, attempt, started_at, duration_ms, http_status, error, outcome)
    SELECT o.id, o.attempts, o.updated_at, 0, NULL, 'the worker stopped during delivery', 'abandoned'
    FROM sv.outbox o WHERE o.status = 'in_flight'
    ON CONFLICT DO NOTHING
  ), u AS (
    UPDATE sv.outbox o SET status = 'pending', lease_until = NULL, next_attempt_at = now(), updated_at = now(),
                           last_error = 'the worker stopped during delivery'
    WHERE o.status = 'in_flight' RETURNING 1
  )
  SELECT count(*) FROM u
$fn$;

-- Failed or dead messages go back to the queue with fresh attempts (after the endpoint was fixed).
CREATE FUNCTION sv.outbox_requeue(message_ids uuid[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_bad text;
  n bigint;
BEGIN
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators requeue messages' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF coalesce(cardinality(message_ids), 0) = 0 THEN
    RAISE EXCEPTION 'message_ids must name at least one message' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(coalesce(x::text, 'NULL') || coalesce(' (' || o.status || ')', ' (no such message)'), ', ')
  INTO v_bad FROM unnest(message_ids) x LEFT JOIN sv.outbox o ON o.message_id = x
  WHERE o.status IS NULL OR o.status NOT IN ('failed', 'dead');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'only failed or dead messages are requeued: %', v_bad USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.outbox o SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now()
  WHERE o.message_id = ANY (message_ids);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM sv.audit_append(NULL, 'outbox', n || ' message(s)', 'requeue', jsonb_build_object('messages', to_jsonb(message_ids)));
  PERFORM sv._push_wake_at_commit();
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION sv.outbox_requeue(uuid[]) IS 'Administrators: put failed or dead messages back in the queue with fresh attempts';

-- Retention (pg_cron, e.g. daily): attempts older than sv.push_attempt_retention, and delivered
-- messages as old whose attempts are gone.  Pending, failed and dead messages are never removed.
CREATE FUNCTION sv.outbox_cleanup(OUT attempts_removed bigint, OUT messages_removed bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  v_keep interval := current_setting('sv.push_attempt_retention')::interval;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not clean up the outbox', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM sv.outbox_attempt a WHERE a.started_at < now() - v_keep;
  GET DIAGNOSTICS attempts_removed = ROW_COUNT;
  DELETE FROM sv.outbox o WHERE o.status = 'delivered' AND o.delivered_at < now() - v_keep;
  GET DIAGNOSTICS messages_removed = ROW_COUNT;
END
$fn$;
COMMENT ON FUNCTION sv.outbox_cleanup() IS
  'Remove delivery attempts and delivered messages older than sv.push_attempt_retention (schedule with pg_cron)';

GRANT EXECUTE ON FUNCTION sv.endpoint_save(text, text, text, jsonb, text, integer, integer, integer, boolean, boolean, integer),
                          sv.endpoint_set_secret(text, text), sv.outbox_requeue(uuid[]) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.outbox_send(text, text, jsonb, text), sv.outbox_cleanup() TO sv_admin, sv_integration;
GRANT EXECUTE ON FUNCTION sv.push_worker_status() TO sv_admin, sv_auditor;

CREATE VIEW sv_work.outbox_dead WITH (security_invoker = true) AS
  SELECT o.message_id, o.endpoint, e.department_id, o.kind, o.status, o.attempts, o.last_status, o.last_error,
         o.created_at, o.updated_at
  FROM sv.outbox o JOIN sv.endpoint e ON e.name = o.endpoint
  WHERE o.status IN ('failed', 'dead');
COMMENT ON VIEW sv_work.outbox_dead IS 'Messages that were not delivered (failed at once or attempts exhausted): requeue after fixing the endpoint';

CREATE VIEW sv_work.outbox_counters WITH (security_invoker = true) AS
  SELECT o.endpoint,
         count(*) FILTER (WHERE o.status = 'pending') AS pending,
         count(*) FILTER (WHERE o.status = 'in_flight') AS in_flight,
         count(*) FILTER (WHERE o.status = 'delivered') AS delivered,
         count(*) FILTER (WHERE o.status = 'delivered' AND o.attempts > 1) AS delivered_after_retry,
         count(*) FILTER (WHERE o.status = 'pending' AND o.attempts > 0) AS retrying,
         count(*) FILTER (WHERE o.status = 'failed') AS failed,
         count(*) FILTER (WHERE o.status = 'dead') AS dead,
         now() - min(o.created_at) FILTER (WHERE o.status IN ('pending', 'in_flight')) AS queue_age
  FROM sv.outbox o
  GROUP BY o.endpoint;
COMMENT ON VIEW sv_work.outbox_counters IS
  'Per endpoint: pending, in flight, delivered (after retries), retrying, failed, dead, age of the oldest undelivered message';
GRANT SELECT ON sv_work.outbox_dead, sv_work.outbox_counters TO sv_admin, sv_auditor, sv_officer;
-- ---------------------------------------------------------------------------------------------
-- 65_linkage: approval–supervision linkage (审管联动: 双推送、双回路), the outbox's first user.
--
-- Push one way: the approval system reports a licensing decision (sv.approval_receive); the
-- supervising department follows from the power list (谁审批、谁监管；谁主管、谁监管), gets a
-- supervision obligation with a claim deadline (2 working days) and a first-action deadline
-- (per power item), and a message through the outbox.  It claims (签收) and reports results.
-- Push back: a result that affects the licence (rectification failed, penalty, suspension,
-- revocation proposal) goes to the approving department, which must acknowledge it.
--
-- Tables:     sv.linkage_endpoint (a department's endpoint for linkage messages),
--             sv.linkage_rule (deadlines per power item), sv.linkage (one per approval),
--             sv.linkage_result (results; those affecting the licence are the back loop)
-- Functions:  sv.approval_receive(payload), sv.linkage_claim(id), sv.linkage_report(id, ...),
--             sv.linkage_acknowledge(result_id, note), sv.linkage_endpoint_set, sv.linkage_rule_set
-- Views:      sv_work.linkage_loop (every loop: department, due, open/closed, overdue),
--             sv_bi.linkage_loops (per department)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.linkage_endpoint (
  department_id integer PRIMARY KEY REFERENCES sv.department (id),
  endpoint      text NOT NULL REFERENCES sv.endpoint (name),
  set_by        text NOT NULL,
  set_at        timestamptz NOT NULL
);
COMMENT ON TABLE sv.linkage_endpoint IS
  'The endpoint of each department''s system for the platform''s messages to it (linkage both ways, sanction feedback requests)';

CREATE TABLE sv.linkage_rule (
  power_code        text PRIMARY KEY,
  first_action_days integer NOT NULL CHECK (first_action_days BETWEEN 1 AND 250),
  ack_days          integer NOT NULL CHECK (ack_days BETWEEN 1 AND 60),
  set_by            text NOT NULL,
  set_at            timestamptz NOT NULL
);
COMMENT ON TABLE sv.linkage_rule IS
  'Working-day deadlines per licensing power item: first supervision action, acknowledgment of results (defaults 20 and 5)';

CREATE TABLE sv.linkage (
  id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_system             text NOT NULL,
  approval_id               text NOT NULL,
  uscc                      sv.uscc NOT NULL,    -- no foreign key: the register may lag the licence
  subject_name              text NOT NULL,
  power_code                text NOT NULL,
  decision                  text NOT NULL CHECK (decision IN ('granted', 'changed', 'renewed')),
  licence_no                text NOT NULL,
  decided_on                date NOT NULL,
  valid_until               date,
  approving_department_id   integer NOT NULL REFERENCES sv.department (id),
  supervising_department_id integer NOT NULL REFERENCES sv.department (id),
  payload                   jsonb NOT NULL,     -- as received
  received_by               text NOT NULL,
  received_at               timestamptz NOT NULL,
  push_message              uuid,               -- outbox message to the supervising department
  claim_due                 date NOT NULL,
  claimed_at                timestamptz,
  claimed_by                text,
  first_action_due          date NOT NULL,
  first_action_at           timestamptz,
  UNIQUE (source_system, approval_id),
  CHECK ((claimed_at IS NULL) = (claimed_by IS NULL)),
  CHECK (first_action_at IS NULL OR claimed_at IS NOT NULL)
);
CREATE INDEX linkage_supervising_idx ON sv.linkage (supervising_department_id, claim_due);
CREATE INDEX linkage_approving_idx ON sv.linkage (approving_department_id);
CREATE INDEX linkage_uscc_idx ON sv.linkage (uscc);
COMMENT ON TABLE sv.linkage IS 'Approval–supervision linkage (审管联动): one supervision obligation per licensing decision';

CREATE TABLE sv.linkage_result (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  linkage_id       bigint NOT NULL REFERENCES sv.linkage (id),
  kind             text NOT NULL CHECK (kind IN ('inspected_compliant', 'rectification_ordered', 'rectified',
                                                 'rectification_failed', 'penalty', 'suspension', 'revocation_proposal',
                                                 'other')),
  summary          text NOT NULL,
  action_reference text,              -- e.g. the action or decision number
  affects_licence  boolean NOT NULL,
  reported_by      text NOT NULL,
  reported_at      timestamptz NOT NULL,
  push_message     uuid,              -- outbox message to the approving department
  ack_due          date,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  ack_note         text,
  CHECK (affects_licence = (ack_due IS NOT NULL)),
  CHECK (acknowledged_at IS NULL OR affects_licence)
);
CREATE INDEX linkage_result_linkage_idx ON sv.linkage_result (linkage_id);
COMMENT ON TABLE sv.linkage_result IS 'Supervision results of a linkage; those affecting the licence are pushed back and acknowledged (双回路)';

DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['linkage_endpoint', 'linkage_rule', 'linkage', 'linkage_result'] LOOP
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('ALTER TABLE sv.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('CREATE POLICY %I ON sv.%I FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true)',
                              t || '_all', t);
    EXECUTE pg_catalog.format('GRANT SELECT ON sv.%I TO sv_admin, sv_auditor, sv_integration, sv_officer', t);
    EXECUTE pg_catalog.format('SELECT pg_catalog.pg_extension_config_dump(%L, %L)', 'sv.' || t, '');
  END LOOP;
END
$rls$;
SELECT pg_catalog.pg_extension_config_dump('sv.linkage_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('sv.linkage_result_id_seq', '');
-- officers: the rules and endpoints; the linkages where their department approves or supervises
CREATE POLICY linkage_endpoint_officer ON sv.linkage_endpoint FOR SELECT TO sv_officer USING (true);
CREATE POLICY linkage_rule_officer ON sv.linkage_rule FOR SELECT TO sv_officer USING (true);
CREATE POLICY linkage_officer ON sv.linkage FOR SELECT TO sv_officer
  USING (supervising_department_id = sv.scope_department() OR approving_department_id = sv.scope_department());
CREATE POLICY linkage_result_officer ON sv.linkage_result FOR SELECT TO sv_officer
  USING (EXISTS (SELECT 1 FROM sv.linkage l WHERE l.id = linkage_id
                   AND (l.supervising_department_id = sv.scope_department() OR l.approving_department_id = sv.scope_department())));

CREATE FUNCTION sv.linkage_endpoint_set(department_id integer, endpoint text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
BEGIN
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators route linkage messages' USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM sv._require_department('department_id', department_id);
  IF NOT EXISTS (SELECT 1 FROM sv.endpoint e WHERE e.name = linkage_endpoint_set.endpoint) THEN
    RAISE EXCEPTION 'endpoint: endpoint % does not exist', coalesce(quote_literal(endpoint), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO sv.linkage_endpoint AS x (department_id, endpoint, set_by, set_at)
  VALUES (department_id, endpoint, me, now())
  ON CONFLICT ON CONSTRAINT linkage_endpoint_pkey DO UPDATE SET endpoint = excluded.endpoint, set_by = excluded.set_by,
                                                                 set_at = excluded.set_at;
  PERFORM sv.audit_append(department_id, 'linkage_endpoint', department_id::text, 'set', jsonb_build_object('endpoint', endpoint));
END
$fn$;
COMMENT ON FUNCTION sv.linkage_endpoint_set(integer, text) IS 'Administrators: the endpoint of a department''s system for linkage messages';

CREATE FUNCTION sv.linkage_rule_set(power_code text, first_action_days integer, ack_days integer DEFAULT 5) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
BEGIN
  IF NOT sv._is_admin(me) THEN
    RAISE EXCEPTION 'only platform administrators set linkage deadlines' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM sv.power_item p WHERE p.code = linkage_rule_set.power_code AND p.kind = 'licensing') THEN
    RAISE EXCEPTION 'power_code: % is not a licensing item of the power list', coalesce(quote_literal(power_code), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF first_action_days IS NULL OR first_action_days NOT BETWEEN 1 AND 250 THEN
    RAISE EXCEPTION 'first_action_days must be 1 to 250 working days, not %', coalesce(first_action_days::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ack_days IS NULL OR ack_days NOT BETWEEN 1 AND 60 THEN
    RAISE EXCEPTION 'ack_days must be 1 to 60 working days, not %', coalesce(ack_days::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO sv.linkage_rule AS r (power_code, first_action_days, ack_days, set_by, set_at)
  VALUES (power_code, first_action_days, ack_days, me, now())
  ON CONFLICT ON CONSTRAINT linkage_rule_pkey DO UPDATE SET first_action_days = excluded.first_action_days,
    ack_days = excluded.ack_days, set_by = excluded.set_by, set_at = excluded.set_at;
  PERFORM sv.audit_append(NULL, 'linkage_rule', power_code, 'set',
                          jsonb_build_object('first_action_days', first_action_days, 'ack_days', ack_days));
END
$fn$;
COMMENT ON FUNCTION sv.linkage_rule_set(text, integer, integer) IS
  'Administrators: working-day deadlines of a licensing power item (first action, acknowledgment)';

-- Queues a message to a department's system when it has one (sv.linkage_endpoint: linkage
-- messages, and the feedback requests of joint rewards and punishments); NULL otherwise (the
-- department then works from sv_work).
CREATE FUNCTION sv._department_push(department_id integer, kind text, payload jsonb, dedup_key text) RETURNS uuid
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sv.outbox_send(e.endpoint, kind, payload, dedup_key)
  FROM sv.linkage_endpoint e JOIN sv.endpoint p ON p.name = e.endpoint
  WHERE e.department_id = _department_push.department_id
$fn$;

-- The approval system reports a licensing decision.  Payload fields: approval_id, uscc,
-- subject_name, power_code, decision (granted, changed, renewed), licence_no, decided_on,
-- valid_until (optional), approving_department (code or id).  The same approval id again
-- returns the first linkage (a resend pushes nothing twice).
CREATE FUNCTION sv.approval_receive(payload jsonb, source_system text DEFAULT 'approval') RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
  me text := sv._outer_user();
  v_day date := sv.local_date(now());
  v_bad text;
  v_power sv.power_item;
  v_dept integer;
  v_supervising integer;
  v_decided date;
  v_until date;
  v_rule sv.linkage_rule;
  v_id bigint;
  l sv.linkage;
BEGIN
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not report approval decisions', me USING ERRCODE = 'insufficient_privilege',
      HINT = 'The approval system logs in as a member of sv_integration.';
  END IF;
  PERFORM sv._require_code('source_system', source_system);
  IF payload IS NULL OR jsonb_typeof(payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad FROM jsonb_object_keys(payload) k
  WHERE k <> ALL (ARRAY['approval_id', 'uscc', 'subject_name', 'power_code', 'decision', 'licence_no', 'decided_on',
                        'valid_until', 'approving_department']);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'payload: unknown field(s) %', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad
  FROM unnest(ARRAY['approval_id', 'uscc', 'subject_name', 'power_code', 'decision', 'licence_no', 'decided_on',
                    'approving_department']) k
  WHERE coalesce(btrim(payload ->> k), '') = '' OR jsonb_typeof(payload -> k) NOT IN ('string', 'number');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'payload: % must be given (strings)', v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- a resend of the same approval
  SELECT * INTO l FROM sv.linkage x WHERE x.source_system = approval_receive.source_system
                                      AND x.approval_id = btrim(payload ->> 'approval_id');
  IF FOUND THEN
    RETURN l.id;
  END IF;

  PERFORM sv._require_uscc('payload.uscc', payload ->> 'uscc');
  SELECT * INTO v_power FROM sv.power_item p WHERE p.code = btrim(payload ->> 'power_code');
  IF NOT FOUND OR v_power.kind <> 'licensing' THEN
    RAISE EXCEPTION 'payload.power_code: % is not a licensing item of the power list', quote_literal(payload ->> 'power_code')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM sv._require_one_of('payload.decision', payload ->> 'decision', ARRAY['granted', 'changed', 'renewed']);
  v_decided := sv._parse_date(payload ->> 'decided_on');
  IF v_decided IS NULL OR v_decided > v_day THEN
    RAISE EXCEPTION 'payload.decided_on must be a date written YYYY-MM-DD, not in the future, not %',
      quote_literal(payload ->> 'decided_on') USING ERRCODE = 'invalid_datetime_format';
  END IF;
  IF payload ? 'valid_until' AND jsonb_typeof(payload -> 'valid_until') <> 'null' THEN
    v_until := sv._parse_date(payload ->> 'valid_until');
    IF v_until IS NULL OR v_until < v_decided THEN
      RAISE EXCEPTION 'payload.valid_until must be a date written YYYY-MM-DD, not before decided_on, not %',
        quote_literal(payload ->> 'valid_until') USING ERRCODE = 'invalid_datetime_format';
    END IF;
  END IF;
  v_dept := sv._department_id(payload ->> 'approving_department');
  IF v_dept IS NULL THEN
    RAISE EXCEPTION 'payload.approving_department: department % does not exist', quote_literal(payload ->> 'approving_department')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF v_dept <> v_power.approving_department_id THEN
    RAISE EXCEPTION 'payload.approving_department: power item % is approved by department %, not %',
      quote_literal(v_power.code), v_power.approving_department_id, v_dept USING ERRCODE = 'check_violation';
  END IF;
  v_supervising := sv.supervising_department(v_power.code);
  SELECT * INTO v_rule FROM sv.linkage_rule r WHERE r.power_code = v_power.code;

  INSERT INTO sv.linkage (source_system, approval_id, uscc, subject_name, power_code, decision, licence_no, decided_on,
                          valid_until, approving_department_id, supervising_department_id, payload, received_by,
                          received_at, claim_due, first_action_due)
  VALUES (btrim(source_system), btrim(payload ->> 'approval_id'), (payload ->> 'uscc')::sv.uscc,
          btrim(payload ->> 'subject_name'), v_power.code, payload ->> 'decision', btrim(payload ->> 'licence_no'), v_decided,
          v_until, v_dept, v_supervising, payload, me, now(),
          sv.add_workdays(v_day, 2), sv.add_workdays(v_day, coalesce(v_rule.first_action_days, 20)))
  RETURNING * INTO l;
  UPDATE sv.linkage x SET push_message = sv._department_push(l.supervising_department_id, 'linkage.approval',
      jsonb_build_object('linkage_id', l.id, 'approval', payload, 'supervising_department', l.supervising_department_id,
                         'claim_due', l.claim_due, 'first_action_due', l.first_action_due),
      'linkage-' || l.id)
  WHERE x.id = l.id RETURNING x.push_message INTO l.push_message;
  PERFORM sv.audit_append(l.supervising_department_id, 'linkage', l.id::text, 'receive',
    jsonb_build_object('approval_id', l.approval_id, 'uscc', l.uscc, 'power_code', l.power_code, 'licence_no', l.licence_no,
                       'approving_department', l.approving_department_id, 'claim_due', l.claim_due,
                       'first_action_due', l.first_action_due, 'pushed', l.push_message IS NOT NULL));
  RETURN l.id;
END
$fn$;
COMMENT ON FUNCTION sv.approval_receive(jsonb, text) IS
  'The approval system reports a licensing decision: a supervision obligation for the supervising department, pushed to its system';

-- The linkage for a write by the caller's department (supervising or approving), locked.
CREATE FUNCTION sv._linkage_for(linkage_id bigint, side text) RETURNS sv.linkage
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me text := sv._outer_user();
  l sv.linkage;
BEGIN
  IF linkage_id IS NULL THEN
    RAISE EXCEPTION 'linkage_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE') OR pg_has_role(me, 'sv_officer', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not act on linkages', me USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO l FROM sv.linkage x WHERE x.id = linkage_id FOR UPDATE;
  IF NOT FOUND OR NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')
                       OR coalesce(CASE side WHEN 'supervising' THEN l.supervising_department_id
                                             ELSE l.approving_department_id END = sv.scope_department(), false)) THEN
    RAISE EXCEPTION 'linkage % does not exist for the % department of "%"', linkage_id, side, me
      USING ERRCODE = 'no_data_found';
  END IF;
  RETURN l;
END
$fn$;

CREATE FUNCTION sv.linkage_claim(linkage_id bigint) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  l sv.linkage := sv._linkage_for(linkage_id, 'supervising');
BEGIN
  IF l.claimed_at IS NOT NULL THEN
    RAISE EXCEPTION 'linkage % was already claimed by "%"', l.id, l.claimed_by USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.linkage x SET claimed_at = now(), claimed_by = sv._outer_user() WHERE x.id = l.id;
  PERFORM sv.audit_append(l.supervising_department_id, 'linkage', l.id::text, 'claim',
    jsonb_build_object('claim_due', l.claim_due, 'late', sv.local_date(now()) > l.claim_due));
  RETURN now();
END
$fn$;
COMMENT ON FUNCTION sv.linkage_claim(bigint) IS 'The supervising department claims (签收) a supervision obligation';

CREATE FUNCTION sv.linkage_report(linkage_id bigint, kind text, summary text, action_reference text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  l sv.linkage := sv._linkage_for(linkage_id, 'supervising');
  v_affects boolean;
  v_ack integer;
  r sv.linkage_result;
BEGIN
  PERFORM sv._require_one_of('kind', kind, ARRAY['inspected_compliant', 'rectification_ordered', 'rectified',
                                                 'rectification_failed', 'penalty', 'suspension', 'revocation_proposal', 'other']);
  IF summary IS NULL OR length(btrim(summary)) < 4 THEN
    RAISE EXCEPTION 'summary must describe the result (at least 4 characters)' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF l.claimed_at IS NULL THEN
    RAISE EXCEPTION 'linkage % is not claimed yet: claim it first (sv.linkage_claim)', l.id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_affects := kind IN ('rectification_failed', 'penalty', 'suspension', 'revocation_proposal');
  SELECT x.ack_days INTO v_ack FROM sv.linkage_rule x WHERE x.power_code = l.power_code;
  INSERT INTO sv.linkage_result AS x (linkage_id, kind, summary, action_reference, affects_licence, reported_by, reported_at,
                                      ack_due)
  VALUES (l.id, kind, btrim(summary), nullif(btrim(action_reference), ''), v_affects, sv._outer_user(), now(),
          CASE WHEN v_affects THEN sv.add_workdays(sv.local_date(now()), coalesce(v_ack, 5)) END)
  RETURNING x.* INTO r;
  IF v_affects THEN
    -- 双回路: back to the department that granted the licence
    UPDATE sv.linkage_result x SET push_message = sv._department_push(l.approving_department_id, 'linkage.result',
        jsonb_build_object('linkage_id', l.id, 'result_id', r.id, 'approval_id', l.approval_id, 'uscc', l.uscc,
                           'licence_no', l.licence_no, 'kind', r.kind, 'summary', r.summary,
                           'action_reference', r.action_reference, 'ack_due', r.ack_due),
        'linkage-result-' || r.id)
    WHERE x.id = r.id RETURNING x.push_message INTO r.push_message;
  END IF;
  UPDATE sv.linkage x SET first_action_at = coalesce(x.first_action_at, now()) WHERE x.id = l.id;
  PERFORM sv.audit_append(l.supervising_department_id, 'linkage_result', r.id::text, 'report',
    jsonb_build_object('linkage', l.id, 'kind', r.kind, 'affects_licence', v_affects, 'ack_due', r.ack_due,
                       'first_action_late', l.first_action_at IS NULL AND sv.local_date(now()) > l.first_action_due));
  RETURN r.id;
END
$fn$;
COMMENT ON FUNCTION sv.linkage_report(bigint, text, text, text) IS
  'The supervising department reports a result; one affecting the licence is pushed back to the approving department';

CREATE FUNCTION sv.linkage_acknowledge(result_id bigint, note text DEFAULT NULL) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r sv.linkage_result;
  l sv.linkage;
BEGIN
  IF result_id IS NULL THEN
    RAISE EXCEPTION 'result_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO r FROM sv.linkage_result x WHERE x.id = result_id FOR UPDATE;
  l := sv._linkage_for(coalesce(r.linkage_id, -1), 'approving');
  IF NOT r.affects_licence THEN
    RAISE EXCEPTION 'result % does not affect the licence: nothing to acknowledge', r.id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF r.acknowledged_at IS NOT NULL THEN
    RAISE EXCEPTION 'result % was already acknowledged by "%"', r.id, r.acknowledged_by
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.linkage_result x SET acknowledged_at = now(), acknowledged_by = sv._outer_user(), ack_note = nullif(btrim(note), '')
  WHERE x.id = r.id;
  PERFORM sv.audit_append(l.approving_department_id, 'linkage_result', r.id::text, 'acknowledge',
    jsonb_build_object('linkage', l.id, 'note', nullif(btrim(note), ''), 'ack_due', r.ack_due,
                       'late', sv.local_date(now()) > r.ack_due));
  RETURN now();
END
$fn$;
COMMENT ON FUNCTION sv.linkage_acknowledge(bigint, text) IS
  'The approving department acknowledges a result that affects the licence (closes the back loop)';

GRANT EXECUTE ON FUNCTION sv.linkage_endpoint_set(integer, text), sv.linkage_rule_set(text, integer, integer) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.approval_receive(jsonb, text) TO sv_admin, sv_integration;
GRANT EXECUTE ON FUNCTION sv.linkage_claim(bigint), sv.linkage_report(bigint, text, text, text),
                          sv.linkage_acknowledge(bigint, text) TO sv_admin, sv_officer, sv_integration;

-- Every loop with the department that owes the next step: claim and first action (supervising
-- department), acknowledgment of each licence-affecting result (approving department).
CREATE VIEW sv_work.linkage_loop WITH (security_invoker = true) AS
  SELECT l.id AS linkage_id, NULL::bigint AS result_id, 'claim' AS step, l.supervising_department_id AS department_id,
         l.uscc, l.subject_name, l.power_code, l.licence_no, l.claim_due AS due_on, l.claimed_at AS done_at,
         l.claimed_at IS NULL AND l.claim_due < sv.local_date(now()) AS overdue,
         l.claimed_at IS NOT NULL AND sv.local_date(l.claimed_at) > l.claim_due AS done_late
  FROM sv.linkage l
  UNION ALL
  SELECT l.id, NULL, 'first_action', l.supervising_department_id, l.uscc, l.subject_name, l.power_code, l.licence_no,
         l.first_action_due, l.first_action_at,
         l.first_action_at IS NULL AND l.first_action_due < sv.local_date(now()),
         l.first_action_at IS NOT NULL AND sv.local_date(l.first_action_at) > l.first_action_due
  FROM sv.linkage l
  UNION ALL
  SELECT l.id, r.id, 'acknowledge', l.approving_department_id, l.uscc, l.subject_name, l.power_code, l.licence_no,
         r.ack_due, r.acknowledged_at,
         r.acknowledged_at IS NULL AND r.ack_due < sv.local_date(now()),
         r.acknowledged_at IS NOT NULL AND sv.local_date(r.acknowledged_at) > r.ack_due
  FROM sv.linkage_result r JOIN sv.linkage l ON l.id = r.linkage_id
  WHERE r.affects_licence;
COMMENT ON VIEW sv_work.linkage_loop IS
  'Every step of both loops (claim, first action, acknowledgment) with the department that owes it, due date, done, overdue';

CREATE VIEW sv_bi.linkage_loops AS
  SELECT d.code AS department_code, d.name_zh AS department_name, x.step,
         count(*) FILTER (WHERE x.done_at IS NULL) AS open,
         count(*) FILTER (WHERE x.overdue) AS overdue,
         count(*) FILTER (WHERE x.done_at IS NOT NULL) AS closed,
         count(*) FILTER (WHERE x.done_late) AS closed_late
  FROM sv_work.linkage_loop x JOIN sv.department d ON d.id = x.department_id
  GROUP BY d.code, d.name_zh, x.step;
COMMENT ON VIEW sv_bi.linkage_loops IS 'Open, overdue, closed and late linkage steps per department';
GRANT SELECT ON sv_work.linkage_loop TO sv_officer, sv_admin, sv_auditor;
GRANT SELECT ON sv_bi.linkage_loops TO sv_bi, sv_auditor, sv_admin;
-- ---------------------------------------------------------------------------------------------
-- 90_security_check: sv.security_check(), the platform's self-audit of its security posture.
-- One row per finding; a correct installation returns none.  Run by administrators and the
-- supervision office, e.g. daily from pg_cron, and after every upgrade or grant change.
-- ---------------------------------------------------------------------------------------------

-- An ingest staging table of the expected shape (45_ingest.sql): in schema sv, named
-- *_staging, stamped by sv._staging_loaded_by, and nobody but its owner may read, change or
-- delete its rows.  Such a table may be without row-level security (COPY FROM needs that).
CREATE FUNCTION sv._is_staging_table(rel oid) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT EXISTS (
    SELECT 1 FROM pg_class c
    WHERE c.oid = rel AND c.relnamespace = 'sv'::regnamespace AND c.relname LIKE '%\_staging'
      AND EXISTS (SELECT 1 FROM pg_trigger t
                  WHERE t.tgrelid = c.oid AND t.tgfoid = 'sv._staging_loaded_by()'::regprocedure AND t.tgenabled <> 'D')
      AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) a
                      WHERE a.grantee <> c.relowner AND a.privilege_type <> 'INSERT'))
$fn$;

CREATE FUNCTION sv.security_check(verify_audit_chain boolean DEFAULT true)
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

  -- Endpoints the push worker may not contact (their messages would fail), and ones with
  -- authentication configured but no secret set.
  RETURN QUERY
  SELECT 'medium', 'endpoint_host_not_allowed', 'sv.endpoint ' || e.name,
         format('host %s is not in sv.push_allowed_hosts: messages to it are refused or fail', quote_literal(sv._url_host(e.url)))
  FROM sv.endpoint e WHERE e.enabled AND NOT sv._push_host_allowed(sv._url_host(e.url));
  RETURN QUERY
  SELECT 'medium', 'endpoint_secret_missing', 'sv.endpoint ' || e.name,
         format('authentication %s is configured but no secret is set (sv.endpoint_set_secret)', e.auth)
  FROM sv.endpoint e WHERE e.auth <> 'none' AND NOT EXISTS (SELECT 1 FROM sv.endpoint_secret s WHERE s.endpoint = e.name);

  -- The audit chain: the full walk by default (C, about a second per million records); with
  -- verify_audit_chain => false only the newest record against the head.
  SELECT max(l.seq) INTO last_seq FROM sv.audit_log l;
  IF last_seq IS NOT NULL OR EXISTS (SELECT 1 FROM sv.audit_chain) THEN
    RETURN QUERY SELECT 'critical', 'audit_chain_broken', 'sv.audit_log record ' || v.seq, v.detail
      FROM sv.audit_verify(CASE WHEN verify_audit_chain THEN 1 ELSE greatest(coalesce(last_seq, 1), 1) END, NULL) v;
  END IF;
END
$fn$;
COMMENT ON FUNCTION sv.security_check(boolean) IS
  'Findings about the platform''s security posture (no row = nothing found); verify_audit_chain => false checks only the newest audit record';
GRANT EXECUTE ON FUNCTION sv.security_check(boolean) TO sv_admin, sv_auditor;
-- ---------------------------------------------------------------------------------------------
-- 99_privileges: nothing is granted to PUBLIC; each group role gets exactly what it uses.
-- Runs last so that it covers every object the earlier files created.  Write functions are
-- granted to their roles one by one; tables are never writable by application roles.
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON SCHEMA sv, sv_work, sv_public, sv_bi FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA sv, sv_work, sv_public, sv_bi FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA sv, sv_work, sv_public, sv_bi FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sv, sv_work, sv_public, sv_bi FROM PUBLIC;
-- Types such as sv.uscc default to USAGE for PUBLIC.  Array types follow their element type,
-- and the row types of tables and views are reachable only through the schema (USAGE not
-- granted to PUBLIC) and are left alone: pg_dump cannot dump their initial privileges.
DO $types$
DECLARE
  t regtype;
BEGIN
  FOR t IN SELECT oid::regtype FROM pg_catalog.pg_type
           WHERE typnamespace = 'sv'::regnamespace AND typcategory <> 'A' AND typrelid = 0 LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON TYPE %s FROM PUBLIC', t);
    EXECUTE pg_catalog.format('GRANT USAGE ON TYPE %s TO %s', t,
                              pg_catalog.array_to_string(sv._group_roles(), ', '));
  END LOOP;
END
$types$;

DO $grants$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY sv._group_roles() LOOP
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA sv TO %I', r);

    -- the type's support functions, so its operators and casts work for every role
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION
        sv.uscc_in(cstring), sv.uscc_out(sv.uscc), sv.uscc_recv(internal), sv.uscc_send(sv.uscc),
        sv.uscc(text), sv.text(sv.uscc),
        sv.uscc_eq(sv.uscc, sv.uscc), sv.uscc_ne(sv.uscc, sv.uscc), sv.uscc_lt(sv.uscc, sv.uscc),
        sv.uscc_le(sv.uscc, sv.uscc), sv.uscc_gt(sv.uscc, sv.uscc), sv.uscc_ge(sv.uscc, sv.uscc),
        sv.uscc_cmp(sv.uscc, sv.uscc), sv.uscc_hash(sv.uscc), sv.uscc_hash_extended(sv.uscc, int8),
        sv.uscc_authority(sv.uscc), sv.uscc_category(sv.uscc), sv.uscc_region_code(sv.uscc),
        sv.uscc_org_code(sv.uscc), sv.uscc_check(text), sv.uscc_validate(text),
        sv.uscc_check_character(text), sv._uscc_categories()
      TO %I', r);

    -- reference data and the calendar: readable by every role
    EXECUTE pg_catalog.format('GRANT SELECT ON sv.region, sv.department, sv.calendar_notice,
        sv.calendar_day, sv.calendar_notice_in_force, sv.calendar_day_in_force, sv.uscc_category TO %I', r);
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION
        sv.region_path(text), sv.region_within(text, text),
        sv.is_workday(date), sv.add_workdays(date, integer), sv.workdays_between(date, date),
        sv.local_date(timestamptz), sv._calendar_require(date, date), sv._group_roles()
      TO %I', r);
  END LOOP;
END
$grants$;

-- Who registered which exceptional code and why is for officials, not the public portal.
GRANT SELECT ON sv.uscc_exception TO sv_admin, sv_officer, sv_auditor, sv_integration;

-- Administrative writes.
GRANT EXECUTE ON FUNCTION sv.uscc_register_exception(text, text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.calendar_load(integer, text, date, jsonb, text, boolean) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.build_info() TO sv_admin, sv_auditor;
