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

CREATE OR REPLACE FUNCTION sv.versioning() RETURNS trigger
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
CREATE OR REPLACE FUNCTION sv._catalog_parent_check() RETURNS trigger
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

-- sv:rerun (re-applied by every update: docs/upgrades.md)
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
CREATE OR REPLACE FUNCTION sv.as_of(rowtype anyelement, at timestamptz) RETURNS SETOF anyelement
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v record;
BEGIN
  IF at IS NULL THEN
    RAISE EXCEPTION 'at must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- an open period contains +infinity: without this the current rows would answer for "never"
  IF NOT isfinite(at) THEN
    RAISE EXCEPTION 'at must be a finite time, not %', at USING ERRCODE = 'datetime_field_overflow';
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
