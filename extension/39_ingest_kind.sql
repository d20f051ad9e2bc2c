-- ---------------------------------------------------------------------------------------------
-- 39_ingest_kind: the registry of ingest kinds, what sv.ingest and sv.ingest_staged (45_ingest)
-- accept.  Each capability that can be fed in batches registers its kind in its own file, after
-- its staging table and its merge function (40_subject, 41_inspector, 42_action, 54_credit_event;
-- complaints and risk leads next): nothing in 45_ingest names a kind.
--
-- Table:      sv.ingest_kind (one row per kind; code: written by the install and update scripts
--             only, not dumped)
-- Functions:  sv._ingest_kind_register(...)  checks a kind's staging table and merge function,
--                                           prepares the staging table, upserts the row (sv:rerun)
--             sv._staging_prepare(table)    the staging table's stamping trigger and grants
--             sv._staging_loaded_by()       that trigger
-- A kind writes only its rules: its merge function validates the batch and upserts the good
-- records (the contract: see sv._subject_merge); the rest (batch row, rejects, counts, the
-- audit record) is the one tail of 45_ingest, sv._ingest_finish, the same for every kind.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.ingest_kind (
  kind           text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z0-9_]{1,31}$'),
  label_zh       text NOT NULL CHECK (label_zh <> ''),
  sort_order     integer NOT NULL UNIQUE,           -- the order of messages and listings
  staging_table  regclass NOT NULL UNIQUE,          -- sv.<kind>_staging, the COPY target: all text
  merge_function text NOT NULL,                     -- sv.<name>(batch_source text, batch <staging>[])
  fields         text[] NOT NULL,                   -- the staging table's columns but loaded_by and line
  list_fields    text[] NOT NULL DEFAULT '{}',      -- fields a JSON record may send as an array
  field_limits   jsonb NOT NULL DEFAULT '{}'        -- {"field": maximum characters} the merge checks first
);
COMMENT ON TABLE sv.ingest_kind IS
  'Ingest kinds (数据汇聚的数据类别): staging table, merge function, fields and their limits; registered by each capability';
ALTER TABLE sv.ingest_kind ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.ingest_kind FORCE ROW LEVEL SECURITY;
CREATE POLICY ingest_kind_read ON sv.ingest_kind FOR SELECT USING (true);

-- Staging tables, the COPY targets.  COPY FROM refuses tables with row-level security, so
-- loaders are kept apart differently: they may only INSERT (no SELECT, UPDATE or DELETE), and
-- a trigger stamps every row with the inserting role, whatever the row says.  Only
-- sv.ingest_staged (taking the caller's rows) and sv.ingest_staged_discard read or remove
-- them.  Nothing in them counts until sv.ingest_staged has validated and merged it.
-- sv.security_check knows this shape (for the registered staging tables) and reports any
-- other grant on them.
CREATE OR REPLACE FUNCTION sv._staging_loaded_by() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  NEW.loaded_by := current_user;   -- not SECURITY DEFINER: the role that inserts
  RETURN NEW;
END
$fn$;

-- Gives a staging table that shape (sv._ingest_kind_register calls it; re-runnable).
CREATE OR REPLACE FUNCTION sv._staging_prepare(t text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT ON sv.%I
                               FOR EACH ROW EXECUTE FUNCTION sv._staging_loaded_by()', t || '_loaded_by', t);
  EXECUTE pg_catalog.format('GRANT INSERT ON sv.%I TO sv_integration, sv_admin', t);
  EXECUTE pg_catalog.format('GRANT USAGE ON SEQUENCE sv.%I TO sv_integration, sv_admin', t || '_line_seq');
END
$fn$;

-- Adds or replaces a kind.  Checks what 45_ingest relies on: the staging table is in schema sv,
-- has loaded_by text, line bigint (an identity, sequence <table>_line_seq) and text fields; the
-- merge function takes (batch_source text, batch <staging>[]) and returns the outcome rows;
-- list_fields and the keys of field_limits are fields (or source_system, the batch's source).
-- Then it prepares the staging table and writes the row.  Each capability's file calls it
-- once for its kind, marked -- sv:rerun: the registry is code, every update registers again.
CREATE OR REPLACE FUNCTION sv._ingest_kind_register(kind text, label_zh text, sort_order integer,
                                                   staging_table regclass, merge_function text,
                                                   list_fields text[] DEFAULT '{}', field_limits jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_table name;
  v_fields text[];
  v_merge regprocedure;
  v_bad text;
BEGIN
  PERFORM sv._require_given(ARRAY['kind', 'label_zh', 'sort_order', 'staging_table', 'merge_function', 'list_fields', 'field_limits'],
    ARRAY[kind IS NULL, label_zh IS NULL, sort_order IS NULL, staging_table IS NULL, merge_function IS NULL,
          list_fields IS NULL, field_limits IS NULL]);
  SELECT c.relname, (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND a.attname NOT IN ('loaded_by', 'line'))
    INTO v_table, v_fields
  FROM pg_class c WHERE c.oid = staging_table AND c.relnamespace = 'sv'::regnamespace AND c.relkind = 'r';
  IF v_table IS NULL THEN
    RAISE EXCEPTION 'staging_table: % is not a table of schema sv', staging_table USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (SELECT count(*) FROM pg_attribute a
      WHERE a.attrelid = staging_table AND NOT a.attisdropped
        AND ((a.attname = 'loaded_by' AND a.atttypid = 'text'::regtype AND a.attnotnull)
             OR (a.attname = 'line' AND a.atttypid = 'bigint'::regtype AND a.attidentity <> ''))) <> 2
     OR pg_catalog.to_regclass(pg_catalog.format('sv.%I', v_table || '_line_seq')) IS NULL THEN
    RAISE EXCEPTION 'staging_table: % must have loaded_by text NOT NULL and line bigint GENERATED BY DEFAULT AS IDENTITY (sequence %)',
      staging_table, v_table || '_line_seq' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) INTO v_bad FROM pg_attribute a
  WHERE a.attrelid = staging_table AND a.attnum > 0 AND NOT a.attisdropped
    AND a.attname NOT IN ('loaded_by', 'line') AND a.atttypid <> 'text'::regtype;
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'staging_table: the fields of % are text (a bad value is a reject reason, not a failed COPY), not %',
      staging_table, v_bad USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_merge := pg_catalog.to_regprocedure(pg_catalog.format('sv.%I(text, sv.%I[])', merge_function, v_table));
  IF v_merge IS NULL OR pg_catalog.pg_get_function_result(v_merge)
       <> 'TABLE(line bigint, key text, outcome text, errcode text, message text, detail text)' THEN
    RAISE EXCEPTION 'merge_function: sv.%(batch_source text, batch sv.%[]) returning TABLE (line bigint, key text, outcome text, errcode text, message text, detail text) does not exist',
      merge_function, v_table USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(f, ', ') INTO v_bad FROM unnest(list_fields) f WHERE f <> ALL (v_fields);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'list_fields: % not field(s) of %', v_bad, staging_table USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_typeof(field_limits) <> 'object' THEN
    RAISE EXCEPTION 'field_limits must be a JSON object {"field": maximum characters}' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(l.key, ', ') INTO v_bad FROM jsonb_each(field_limits) l
  WHERE (l.key <> ALL (v_fields) AND l.key <> 'source_system')
     OR jsonb_typeof(l.value) <> 'number' OR l.value::text !~ '^[1-9][0-9]{0,5}$';
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'field_limits: % must be field(s) of % (or source_system) with a whole number of characters',
      v_bad, staging_table USING ERRCODE = 'invalid_parameter_value';
  END IF;

  PERFORM sv._staging_prepare(v_table);
  INSERT INTO sv.ingest_kind AS k (kind, label_zh, sort_order, staging_table, merge_function, fields, list_fields, field_limits)
  VALUES (kind, label_zh, sort_order, staging_table, merge_function, v_fields, list_fields, field_limits)
  ON CONFLICT ON CONSTRAINT ingest_kind_pkey DO UPDATE SET
    (label_zh, sort_order, staging_table, merge_function, fields, list_fields, field_limits)
    = (EXCLUDED.label_zh, EXCLUDED.sort_order, EXCLUDED.staging_table, EXCLUDED.merge_function, EXCLUDED.fields,
       EXCLUDED.list_fields, EXCLUDED.field_limits);
END
$fn$;

-- The registered kinds, in their order (messages, sv.ingest_staged_count).
CREATE OR REPLACE FUNCTION sv._ingest_kinds() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $$ SELECT coalesce(array_agg(k.kind ORDER BY k.sort_order), '{}') FROM sv.ingest_kind k $$;
