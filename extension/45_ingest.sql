-- ---------------------------------------------------------------------------------------------
-- 45_ingest: data aggregation (数据汇聚) from department systems into the data centre.
--
-- Functions:  sv.ingest(source, kind, records jsonb)   a batch as a JSON array of objects
--             sv.ingest_staged(source, kind)           the caller's rows COPYed into
--                                                      sv.<kind>_staging
-- Tables:     sv.ingest_batch (one row per batch: who, when, counts, SHA-256 of the input),
--             sv.ingest_reject (every rejected record with its reason; nothing is dropped)
-- Both paths run the same rules as the write functions (the kind's merge function), validate the
-- whole batch in one statement, and write one audit record per batch.  Idempotent: the same batch
-- twice inserts once and then reports every record unchanged.  The kinds, their staging tables
-- and merge functions are those of the registry sv.ingest_kind (39_ingest_kind): nothing here
-- names a kind.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.ingest_batch (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source      text NOT NULL,
  kind        text NOT NULL CONSTRAINT ingest_batch_kind_fkey REFERENCES sv.ingest_kind (kind),
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

-- The checks common to both paths: arguments and the caller's right.
CREATE OR REPLACE FUNCTION sv._ingest_begin(source text, kind text, path text, OUT batch_id bigint, OUT fields text[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['source', 'kind'], ARRAY[source IS NULL, kind IS NULL]);
  IF source !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' THEN
    RAISE EXCEPTION 'source must name the sending system in 1-64 letters, digits, ".", "_" or "-", not %',
      coalesce(quote_literal(source), 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_one_of('kind', kind, sv._ingest_kinds());
  PERFORM sv._require_role('ingest data', '{sv_admin,sv_integration}',
    'Department systems log in as members of sv_integration.');
  INSERT INTO sv.ingest_batch (source, kind, path, received_at, received_by)
  VALUES (source, kind, path, now(), me.login) RETURNING id INTO batch_id;
  SELECT k.fields INTO fields FROM sv.ingest_kind k WHERE k.kind = _ingest_begin.kind;
END
$fn$;

-- The tail of every batch, whatever its kind and path: the rejects (with their reasons), the
-- counts and digest in the batch row, the audit record.  pg_temp.sv_ingest_outcome holds one
-- row per record: (line, record, outcome, errcode, message, detail), the kind's merge function's
-- outcome with the record as received.
CREATE OR REPLACE FUNCTION sv._ingest_finish(batch_id bigint, source text, kind text, digest bytea)
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

CREATE OR REPLACE FUNCTION sv.ingest(source text, kind text, records jsonb)
RETURNS TABLE (batch_id bigint, inserted integer, updated integer, unchanged integer, rejected integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_batch bigint;
  v_fields text[];
  k sv.ingest_kind;
BEGIN
  PERFORM sv._require_given(ARRAY['records'], ARRAY[records IS NULL]);
  IF jsonb_typeof(records) <> 'array' THEN
    RAISE EXCEPTION 'records must be a JSON array of objects' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT b.batch_id, b.fields INTO v_batch, v_fields FROM sv._ingest_begin(source, kind, 'json') b;
  SELECT * INTO k FROM sv.ingest_kind x WHERE x.kind = ingest.kind;

  -- Records that are not objects, or that carry fields the kind does not have (a misspelt
  -- field would otherwise be lost without a word), are rejected before the rules run.
  EXECUTE pg_catalog.format($sql$
    CREATE TEMP TABLE sv_ingest_outcome ON COMMIT DROP AS
    WITH elems AS MATERIALIZED (
      SELECT x.ord AS line, x.value AS record,
             CASE WHEN jsonb_typeof(x.value) <> 'object' THEN 'record must be a JSON object, not ' || jsonb_typeof(x.value)
                  ELSE (SELECT coalesce(
                                 'unknown field(s): ' || string_agg(f.k, ', ' ORDER BY f.k) FILTER (WHERE f.k <> ALL ($2)),
                                 -- only the kind's lists (list_fields: specialties, inspectors, ...) may be arrays; no
                                 -- field is an object or a boolean (stored as the text 'true' it would mean nothing)
                                 string_agg(f.k, ', ' ORDER BY f.k) FILTER (WHERE jsonb_typeof(f.v) IN ('object', 'boolean')
                                   OR (jsonb_typeof(f.v) = 'array' AND f.k <> ALL ($4)))
                                 || ' must be a string, a number or null')
                        FROM jsonb_each(x.value) f(k, v))
             END AS problem
      FROM jsonb_array_elements($1) WITH ORDINALITY AS x(value, ord)
    ), merged AS (
      SELECT m.* FROM sv.%I($3, (SELECT array_agg(jsonb_populate_record(NULL::%s,
                                     e.record || jsonb_build_object('line', e.line, 'loaded_by', '')) ORDER BY e.line)
                                 FROM elems e WHERE e.problem IS NULL)) m
    )
    SELECT e.line, CASE WHEN m.outcome IS DISTINCT FROM 'rejected' AND e.problem IS NULL THEN NULL ELSE e.record END AS record,
           coalesce(m.outcome, 'rejected') AS outcome,
           CASE WHEN e.problem IS NULL THEN m.errcode ELSE '22023' END AS errcode,
           coalesce(e.problem, m.message) AS message, m.detail
    FROM elems e LEFT JOIN merged m ON m.line = e.line
  $sql$, k.merge_function, k.staging_table)
  USING records, v_fields, source, k.list_fields;

  RETURN QUERY SELECT * FROM sv._ingest_finish(v_batch, source, kind, sha256(convert_to(records::text, 'UTF8')));
END
$fn$;
COMMENT ON FUNCTION sv.ingest(text, text, jsonb) IS
  'Ingest a batch of subjects, inspectors, actions or credit events (a JSON array of objects) from a department system';

CREATE OR REPLACE FUNCTION sv.ingest_staged(source text, kind text)
RETURNS TABLE (batch_id bigint, inserted integer, updated integer, unchanged integer, rejected integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_batch bigint;
  v_fields text[];
  v_digest bytea;
  k sv.ingest_kind;
BEGIN
  SELECT b.batch_id, b.fields INTO v_batch, v_fields FROM sv._ingest_begin(source, kind, 'staged') b;
  SELECT * INTO k FROM sv.ingest_kind x WHERE x.kind = ingest_staged.kind;

  -- Take the caller's staged rows (a concurrent call by the same loader waits, then finds
  -- them gone) and number them 1, 2, ... in the order they were loaded.
  EXECUTE pg_catalog.format($sql$
    CREATE TEMP TABLE sv_ingest_outcome ON COMMIT DROP AS
    WITH taken AS (
      DELETE FROM %s s WHERE s.loaded_by = $1 RETURNING s AS staged
    ), numbered AS (
      SELECT row_number() OVER (ORDER BY (t.staged).line) AS n, t.staged AS t FROM taken t
    ), rows AS (
      SELECT n.n AS line, jsonb_populate_record(n.t, jsonb_build_object('line', n.n)) AS r FROM numbered n
    ), merged AS (
      SELECT m.* FROM sv.%I($2, (SELECT array_agg(r.r ORDER BY r.line) FROM rows r)) m
    )
    SELECT r.line, to_jsonb(r.r) - 'loaded_by' - 'line' AS record, m.outcome, m.errcode, m.message, m.detail
    FROM rows r JOIN merged m ON m.line = r.line
  $sql$, k.staging_table, k.merge_function)
  USING sv._outer_user(), source;

  SELECT sha256(convert_to(coalesce(string_agg(o.record::text, E'\n' ORDER BY o.line), ''), 'UTF8')) INTO v_digest
  FROM pg_temp.sv_ingest_outcome o;
  RETURN QUERY SELECT * FROM sv._ingest_finish(v_batch, source, kind, v_digest);
END
$fn$;
COMMENT ON FUNCTION sv.ingest_staged(text, text) IS
  'Validate and merge the rows the caller COPYed into the staging table of a kind (sv.<kind>_staging), as one batch';

-- Removes the caller's staged rows of a kind without ingesting them (a load that went wrong).
CREATE OR REPLACE FUNCTION sv.ingest_staged_discard(kind text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  n bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['kind'], ARRAY[kind IS NULL]);
  PERFORM sv._require_one_of('kind', kind, sv._ingest_kinds());
  PERFORM sv._require_role('ingest data', '{sv_admin,sv_integration}',
    'Department systems log in as members of sv_integration.');
  EXECUTE pg_catalog.format('DELETE FROM %s s WHERE s.loaded_by = $1',
                            (SELECT k.staging_table FROM sv.ingest_kind k WHERE k.kind = ingest_staged_discard.kind)) USING me.login;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION sv.ingest_staged_discard(text) IS
  'Remove the caller''s staged rows of a kind without ingesting them; returns how many';

-- How many rows the caller has staged, per kind (loaders cannot SELECT the staging tables).
CREATE OR REPLACE FUNCTION sv.ingest_staged_count(OUT kind text, OUT rows bigint) RETURNS SETOF record
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  t regclass;
BEGIN
  FOR kind, t IN SELECT k.kind, k.staging_table FROM sv.ingest_kind k ORDER BY k.sort_order LOOP
    EXECUTE pg_catalog.format('SELECT count(*) FROM %s WHERE loaded_by = $1', t)
      INTO rows USING sv._outer_user();
    RETURN NEXT;
  END LOOP;
END
$fn$;

GRANT EXECUTE ON FUNCTION sv.ingest(text, text, jsonb), sv.ingest_staged(text, text),
                          sv.ingest_staged_discard(text), sv.ingest_staged_count() TO sv_admin, sv_integration;
