-- ---------------------------------------------------------------------------------------------
-- 40_subject: market subjects (市场主体) of the supervision data centre (监管数据中心).
--
-- Table:      sv.subject, keyed by the unified social credit code (sv.uscc): subject-keyed,
--             so no triggers and the code in every key (scale-out contract)
-- Functions:  sv.subject_save(...)   (administrators and integration: department systems)
-- Views:      sv_work.subject (officials: subjects in their region scope),
--             sv_public.subject (published fields, legal representative masked)
-- Still to come (issue 4): inspectors, actions, ingest.
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
CREATE FUNCTION sv.subject_kind_of(code sv.uscc) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT CASE sv.uscc_authority(code) || sv.uscc_category(code)
           WHEN '91' THEN 'enterprise' WHEN '92' THEN 'individual_business'
           WHEN '93' THEN 'farmers_cooperative' ELSE 'other' END
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
  v_code sv.uscc;
  v_problem text;
  v_old sv.subject;
  v_new sv.subject;
BEGIN
  IF uscc IS NULL THEN
    RAISE EXCEPTION 'uscc must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  v_problem := sv.uscc_check(uscc);
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION 'uscc: invalid unified social credit code "%"', uscc
      USING ERRCODE = 'invalid_text_representation', DETAIL = v_problem;
  END IF;
  v_code := uscc::sv.uscc;
  PERFORM sv._require_text('name', name);
  PERFORM sv._require_region('region_code', region_code);
  PERFORM sv._require_text('source_system', source_system);
  PERFORM sv._require_text('source_record_id', source_record_id);
  IF industry IS NOT NULL AND industry !~ '^[A-T]([0-9]{2}([0-9]{1,2})?)?$' THEN
    RAISE EXCEPTION 'industry must be a GB/T 4754 code (a section letter A-T, optionally followed by 2 to 4 digits), not %', quote_literal(industry)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (longitude IS NULL) <> (latitude IS NULL) THEN
    RAISE EXCEPTION 'longitude and latitude go together' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF longitude NOT BETWEEN 73 AND 136 OR latitude NOT BETWEEN 3 AND 54 THEN
    RAISE EXCEPTION 'longitude % / latitude % lie outside China (WGS 84 degrees expected)', longitude, latitude
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_one_of('status', status, ARRAY['operating', 'suspended', 'revoked', 'deregistered']);
  IF deregistered_on IS NOT NULL AND established_on IS NOT NULL AND deregistered_on < established_on THEN
    RAISE EXCEPTION 'deregistered_on (%) must not be before established_on (%)', deregistered_on, established_on
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (status = 'deregistered') <> (deregistered_on IS NOT NULL) THEN
    RAISE EXCEPTION 'deregistered_on is given exactly when status is deregistered'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (sv._is_admin(me) OR pg_has_role(me, 'sv_integration', 'USAGE')) THEN
    RAISE EXCEPTION 'role "%" may not write subjects', me USING ERRCODE = 'insufficient_privilege';
  END IF;

  -- one writer per code: a second save of a new code waits and then updates instead of colliding
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.subject'), pg_catalog.hashtext(v_code::text));
  SELECT * INTO v_old FROM sv.subject s WHERE s.uscc = v_code FOR UPDATE;
  v_new.uscc := v_code;
  v_new.name := btrim(name);
  v_new.kind := sv.subject_kind_of(v_code);
  v_new.industry := industry;
  v_new.region_code := region_code;
  v_new.address := nullif(btrim(address), '');
  v_new.location := CASE WHEN longitude IS NULL THEN NULL
                         ELSE public.ST_SetSRID(public.ST_MakePoint(longitude, latitude), 4326) END;
  v_new.status := status;
  v_new.legal_rep := nullif(btrim(legal_rep), '');
  v_new.established_on := established_on;
  v_new.deregistered_on := deregistered_on;
  v_new.source_system := btrim(source_system);
  v_new.source_record_id := btrim(source_record_id);
  IF FOUND THEN
    v_new.received_at := v_old.received_at;
    v_new.updated_at := v_old.updated_at;
    IF to_jsonb(v_new) = to_jsonb(v_old) THEN
      RETURN v_code;   -- nothing changed
    END IF;
    UPDATE sv.subject s
       SET name = v_new.name, kind = v_new.kind, industry = v_new.industry, region_code = v_new.region_code,
           address = v_new.address, location = v_new.location, status = v_new.status,
           legal_rep = v_new.legal_rep, established_on = v_new.established_on,
           deregistered_on = v_new.deregistered_on, source_system = v_new.source_system,
           source_record_id = v_new.source_record_id, updated_at = now()
     WHERE s.uscc = v_code;
  ELSE
    INSERT INTO sv.subject (uscc, name, kind, industry, region_code, address, location, status, legal_rep,
                            established_on, deregistered_on, source_system, source_record_id, received_at, updated_at)
    VALUES (v_code, v_new.name, v_new.kind, v_new.industry, v_new.region_code, v_new.address, v_new.location,
            v_new.status, v_new.legal_rep, v_new.established_on, v_new.deregistered_on, v_new.source_system,
            v_new.source_record_id, now(), now());
  END IF;
  PERFORM sv.audit_append(NULL, 'subject', v_code::text, CASE WHEN v_old.uscc IS NULL THEN 'add' ELSE 'change' END,
    to_jsonb(v_new) - 'received_at' - 'updated_at' - 'location'
      || jsonb_build_object('longitude', longitude, 'latitude', latitude));
  RETURN v_code;
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
