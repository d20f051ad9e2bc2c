-- ---------------------------------------------------------------------------------------------
-- 10_region: administrative divisions (行政区划代码, GB/T 2260) and functional zones.
--
-- Table:      sv.region (code, names, level, parent), sv.region_boundary (the boundaries of
--             county-level divisions and functional zones, loaded by administrators with
--             sv.region_boundary_set in 18_reference_admin.sql; none shipped)
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
CREATE OR REPLACE FUNCTION sv._region_parent_check() RETURNS trigger
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

-- Region boundaries (issue 18: a place's point decides the county-level unit where boundaries
-- are loaded): WGS 84 longitude/latitude (EPSG:4326), one MultiPolygon per county-level
-- division or functional zone, loaded and removed by administrators (sv.region_boundary_set,
-- validated and audited); none shipped.  A table of its own rather than a column of sv.region:
-- pg_dump keeps only the rows of sv.region that are not shipped (WHERE NOT builtin), so a
-- boundary loaded onto a shipped division would be lost by a dump and restore; this table is
-- dumped whole.
CREATE TABLE sv.region_boundary (
  region_code text PRIMARY KEY REFERENCES sv.region (code),
  boundary    geometry(MultiPolygon, 4326) NOT NULL,
  loaded_by   text NOT NULL,
  loaded_at   timestamptz NOT NULL
);
CREATE INDEX region_boundary_gist_idx ON sv.region_boundary USING gist (boundary);
COMMENT ON TABLE sv.region_boundary IS
  'Boundaries of county-level divisions and functional zones (WGS 84), loaded by administrators: where loaded, a complaint''s point decides its county-level unit';
ALTER TABLE sv.region_boundary ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.region_boundary FORCE ROW LEVEL SECURITY;
CREATE POLICY region_boundary_read ON sv.region_boundary FOR SELECT USING (true);
GRANT SELECT ON sv.region_boundary TO sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.region_boundary', '');

-- Ancestors of a region, itself first (at most four levels deep).
CREATE OR REPLACE FUNCTION sv.region_path(code text) RETURNS text[]
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
CREATE OR REPLACE FUNCTION sv.region_within(child text, parent text) RETURNS boolean
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

-- sv:rerun (the labels of the level codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('region.level', ARRAY[['country', '国家'], ['province', '省级'],
  ['prefecture', '地级'], ['county', '县级'], ['zone', '功能区']]);
