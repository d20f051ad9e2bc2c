-- ---------------------------------------------------------------------------------------------
-- 18_reference_admin: administrators add reference data through the write API.
--
-- Functions:  sv.region_add(...), sv.department_add(...), sv.region_boundary_set(region_code,
--             geojson)   (sv_admin, inside their scope)
-- Rows shipped with the extension (builtin) are not changed here: corrections to them come with
-- an extension update, so that a dump (which keeps only rows added later) restores them
-- faithfully.
-- ---------------------------------------------------------------------------------------------

-- Ids of departments added after install; shipped departments use 1-100.
CREATE SEQUENCE sv.department_id_seq AS integer START WITH 101;
SELECT pg_catalog.pg_extension_config_dump('sv.department_id_seq', '');

CREATE OR REPLACE FUNCTION sv.region_add(code text, name_zh text, name_en text, level text, parent_code text,
                              is_gbt2260 boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  parent record;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'name_zh', 'name_en', 'level', 'is_gbt2260'],
                            ARRAY[region_add.code IS NULL, region_add.name_zh IS NULL,
                                  region_add.name_en IS NULL, region_add.level IS NULL,
                                  region_add.is_gbt2260 IS NULL]);
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

CREATE OR REPLACE FUNCTION sv.department_add(code text, name_zh text, name_en text, level text, region_code text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_id integer;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'name_zh', 'name_en', 'level', 'region_code'],
                            ARRAY[department_add.code IS NULL, department_add.name_zh IS NULL,
                                  department_add.name_en IS NULL, department_add.level IS NULL,
                                  department_add.region_code IS NULL]);
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

-- Load (or, with geojson NULL, remove) the boundary of a county-level division or functional
-- zone (sv.region_boundary): a GeoJSON Polygon or MultiPolygon geometry (not a Feature) in
-- WGS 84 longitude/latitude (EPSG:4326, GeoJSON's own), valid (ST_IsValid), inside China's
-- bounding box (73-136 E, 3-54 N, as sv.subject's points), at most 10,000,000 characters.
-- Bad input: 22023 naming geojson with the reason (22001 too long); audited with the
-- boundary's size and SHA-256, not its coordinates.  Returns the number of polygons.
CREATE OR REPLACE FUNCTION sv.region_boundary_set(region_code text, geojson text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_level text;
  g public.geometry;
  v_reason text;
  v_before boolean;
BEGIN
  PERFORM sv._require_given(ARRAY['region_code'], ARRAY[region_code IS NULL]);
  PERFORM sv._require_role('load region boundaries', '{sv_admin}');
  PERFORM sv._require_region('region_code', region_code);
  SELECT r.level INTO v_level FROM sv.region r WHERE r.code = region_boundary_set.region_code;
  IF v_level NOT IN ('county', 'zone') THEN
    RAISE EXCEPTION 'region_code: boundaries are loaded for county-level divisions and functional zones, not for the % %',
      v_level, region_code USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Routing places a point in the county-level unit whose boundary contains it.';
  END IF;
  PERFORM sv._require_admin_scope(region_code);
  IF geojson IS NOT NULL THEN
    IF char_length(geojson) > 10000000 THEN
      RAISE EXCEPTION 'geojson is % characters long: at most 10000000 are allowed', char_length(geojson)
        USING ERRCODE = 'string_data_right_truncation';
    END IF;
    BEGIN
      g := public.ST_GeomFromGeoJSON(geojson);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_reason = MESSAGE_TEXT;
      RAISE EXCEPTION 'geojson is not a GeoJSON geometry: %', v_reason USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Give the geometry object ({"type": "Polygon", "coordinates": ...}), not a Feature.';
    END;
    IF g IS NULL OR public.GeometryType(g) NOT IN ('POLYGON', 'MULTIPOLYGON') THEN
      RAISE EXCEPTION 'geojson must be a Polygon or MultiPolygon, not %', coalesce('a ' || public.GeometryType(g), 'empty')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF public.ST_SRID(g) NOT IN (0, 4326) THEN
      RAISE EXCEPTION 'geojson must be in WGS 84 longitude/latitude (EPSG:4326), not SRID %', public.ST_SRID(g)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    g := public.ST_SetSRID(public.ST_Multi(public.ST_Force2D(g)), 4326);
    IF public.ST_IsEmpty(g) THEN
      RAISE EXCEPTION 'geojson must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_reason := public.ST_IsValidReason(g);   -- (ST_IsValid would also raise a NOTICE)
    IF v_reason IS DISTINCT FROM 'Valid Geometry' THEN
      RAISE EXCEPTION 'geojson is not a valid polygon: %', v_reason USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Repair it before loading (e.g. ST_MakeValid), and check the rings do not cross.';
    END IF;
    IF NOT public.ST_CoveredBy(g, public.ST_MakeEnvelope(73, 3, 136, 54, 4326)) THEN
      RAISE EXCEPTION 'geojson lies outside China (73-136 degrees east, 3-54 degrees north): WGS 84 longitude, latitude expected'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.region_boundary'), pg_catalog.hashtext(region_code));
  v_before := EXISTS (SELECT 1 FROM sv.region_boundary b WHERE b.region_code = region_boundary_set.region_code);
  IF g IS NULL THEN
    IF NOT v_before THEN
      RETURN 0;
    END IF;
    DELETE FROM sv.region_boundary b WHERE b.region_code = region_boundary_set.region_code;
  ELSE
    INSERT INTO sv.region_boundary AS b (region_code, boundary, loaded_by, loaded_at)
    VALUES (region_code, g, me.login, now())
    ON CONFLICT ON CONSTRAINT region_boundary_pkey DO UPDATE
      SET (boundary, loaded_by, loaded_at) = (EXCLUDED.boundary, EXCLUDED.loaded_by, EXCLUDED.loaded_at);
  END IF;
  PERFORM sv.audit_append(NULL, 'region_boundary', region_code, CASE WHEN g IS NULL THEN 'delete' ELSE 'set' END,
    jsonb_build_object('replaced', v_before)
    || CASE WHEN g IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(
         'polygons', public.ST_NumGeometries(g), 'points', public.ST_NPoints(g),
         'area_km2', round((public.ST_Area(g::public.geography) / 1e6)::numeric, 3),
         'sha256', encode(sha256(public.ST_AsEWKB(g)), 'hex')) END);
  RETURN coalesce(public.ST_NumGeometries(g), 0);
END
$fn$;
COMMENT ON FUNCTION sv.region_boundary_set(text, text) IS
  'Administrators: load (GeoJSON Polygon or MultiPolygon, WGS 84) or remove (NULL) the boundary of a county-level division or functional zone in their scope; audited';
GRANT EXECUTE ON FUNCTION sv.region_boundary_set(text, text) TO sv_admin;

GRANT EXECUTE ON FUNCTION sv.region_add(text, text, text, text, text, boolean),
                          sv.department_add(text, text, text, text, text) TO sv_admin;
