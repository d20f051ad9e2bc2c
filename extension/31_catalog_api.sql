-- ---------------------------------------------------------------------------------------------
-- 31_catalog_api: maintaining and publishing the catalogue (动态管理 / 统一对外发布).
--
-- Functions:  sv.catalog_item_save(...), sv.check_item_save(...), sv.check_item_withdraw(code, reason)
--                                                  (administrators; officers for their department;
--                                                  sv.catalog_item_withdraw is in 32_catalog_powers.sql:
--                                                  it checks power items and drops claims)
--             sv.catalog_publish(label, note)       (administrators)
--             sv.catalog_diff(from_label, to_label) (everyone who reads the catalogue)
--             sv.catalog_release_verify(release_id)  (everyone; the releases that no longer match
--                                                    their hash, counts or audit record)
-- Tables:     sv.catalog_release, sv.catalog_release_item (immutable frozen copies, each release
--             with the SHA-256 of its items: docs/catalog.md, "Release hash")
-- Views:      sv_public.catalog_item, sv_public.check_item (the latest release, if its counts hold)
-- A release is a copy, not a point in system time: a writer that started before the release
-- but committed after it would otherwise change what the release shows.
-- Officers act for their own department: sv._require_department_scope (15_security.sql).
-- ---------------------------------------------------------------------------------------------

-- Validates a legal basis: a JSON array of {"law": text, "article": text}.
CREATE OR REPLACE FUNCTION sv._require_legal_basis(legal_basis jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE
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

CREATE OR REPLACE FUNCTION sv.catalog_item_save(code text, department_id integer, main_name text, method text,
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
  PERFORM sv._require_given(ARRAY['code', 'department_id', 'main_name', 'method', 'measures',
                                  'objects', 'legal_basis', 'level', 'source'],
                            ARRAY[code IS NULL, department_id IS NULL, main_name IS NULL,
                                  method IS NULL, measures IS NULL, objects IS NULL,
                                  legal_basis IS NULL, level IS NULL, source IS NULL]);
  PERFORM sv._require_code('code', code);
  PERFORM sv._require_department('department_id', department_id);
  PERFORM sv._require_text('main_name', main_name);
  PERFORM sv._require_label('main_name', main_name, 200);
  PERFORM sv._require_label('sub_name', sub_name, 200);
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

CREATE OR REPLACE FUNCTION sv.check_item_withdraw(code text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v sv.check_item;
BEGIN
  PERFORM sv._require_given(ARRAY['code', 'reason'],
                            ARRAY[code IS NULL, reason IS NULL]);
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

CREATE OR REPLACE FUNCTION sv.check_item_save(code text, catalog_item text, level text, region_code text,
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
  PERFORM sv._require_given(ARRAY['code', 'catalog_item', 'level', 'region_code',
                                  'department_id', 'check_method', 'content', 'kind',
                                  'legal_basis'],
                            ARRAY[code IS NULL, catalog_item IS NULL, level IS NULL,
                                  region_code IS NULL, department_id IS NULL,
                                  check_method IS NULL, content IS NULL, kind IS NULL,
                                  legal_basis IS NULL]);
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
  label        sv.label_text NOT NULL UNIQUE,
  note         sv.label_text,
  published_at timestamptz NOT NULL,
  published_by text NOT NULL,
  items        integer NOT NULL,
  check_items  integer NOT NULL,
  sha256       bytea CHECK (length(sha256) = 32)   -- of its items (sv._catalog_release_sha256); NULL only
                                                    -- for a row that sv.catalog_publish did not write
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

-- The release hash, encoding v1: SHA-256 over the UTF-8 bytes of "SV-CATALOG-RELEASE-v1\n"
-- followed by one line per item, sorted by kind then code (bytewise), each
-- "<kind>\t<code>\t<item as jsonb text>\n".  jsonb text has no raw line breaks or tabs (they
-- are escaped inside strings) and orders its keys itself, so the lines are unambiguous.
CREATE OR REPLACE FUNCTION sv._catalog_release_line(kind text, code text, item jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT kind || E'\t' || code || E'\t' || item::text || E'\n' $fn$;
CREATE OR REPLACE FUNCTION sv._catalog_release_sha256(lines text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT sha256(convert_to('SV-CATALOG-RELEASE-v1' || E'\n' || coalesce(lines, ''), 'UTF8')) $fn$;
COMMENT ON FUNCTION sv._catalog_release_sha256(text) IS
  'SHA-256 of a release: its items'' lines (sv._catalog_release_line, sorted by kind and code in byte order) after the v1 prefix';

CREATE OR REPLACE FUNCTION sv._refuse_change() RETURNS trigger
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
-- (all set ENABLE ALWAYS by 89_append_only.sql, whose registry lists them)
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

CREATE OR REPLACE FUNCTION sv.catalog_publish(label text, note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_id bigint;
  v_items integer;
  v_checks integer;
  v_label text;
  v_note text;
  v_hash bytea;
BEGIN
  PERFORM sv._require_given(ARRAY['label'],
                            ARRAY[label IS NULL]);
  PERFORM sv._require_text('label', label);
  v_label := sv._require_label('label', label, 100);
  IF btrim(note) = '' THEN
    note := NULL;
  END IF;
  v_note := sv._require_label('note', note, 500);
  PERFORM sv._require_role('publish the catalogue', '{sv_admin}');
  -- one publisher at a time; the copy below reads one consistent snapshot of the catalogue
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.catalog_publish'), 0);
  IF EXISTS (SELECT 1 FROM sv.catalog_release r WHERE r.label = v_label) THEN
    RAISE EXCEPTION 'release "%" already exists', v_label USING ERRCODE = 'unique_violation';
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
    INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items, sha256)
    SELECT v_label, v_note, now(), me.login,
           count(*) FILTER (WHERE i.kind = 'catalog_item'), count(*) FILTER (WHERE i.kind = 'check_item'),
           sv._catalog_release_sha256(string_agg(sv._catalog_release_line(i.kind, i.code, i.item), ''
                                                 ORDER BY i.kind COLLATE "C", i.code COLLATE "C"))
    FROM items i
    RETURNING id, items, check_items, sha256
  ), copied AS (
    INSERT INTO sv.catalog_release_item (release_id, kind, code, item)
    SELECT rel.id, i.kind, i.code, i.item FROM rel, items i
  )
  SELECT rel.id, rel.items, rel.check_items, rel.sha256 INTO v_id, v_items, v_checks, v_hash FROM rel;

  -- the chain pins the release: its hash and counts are in the audit record
  PERFORM sv.audit_append(NULL, 'catalog_release', v_label, 'publish',
    jsonb_build_object('release_id', v_id, 'note', v_note, 'items', v_items, 'check_items', v_checks,
                       'sha256', encode(v_hash, 'hex'), 'published_at', now()));
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.catalog_publish(text, text) IS
  'Administrators: freeze the current catalogue as an immutable, labelled release';

-- Releases that no longer are what was published: no row means every release (or the one named)
-- holds the items it was published with.  Problems: count (items or check items stored differ
-- from the counts published), hash (SHA-256 of the stored items differs from the release's, or
-- none is stored), audit (the release's publish record in the audit chain is missing, or pins
-- another hash, other counts or another publication time: a backdated release).  Runs as the owner: the publish records are platform-wide
-- audit records that officers do not see.
CREATE OR REPLACE FUNCTION sv.catalog_release_verify(release_id bigint DEFAULT NULL)
RETURNS TABLE (id bigint, label text, problem text, detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF release_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sv.catalog_release r WHERE r.id = catalog_release_verify.release_id) THEN
    RAISE EXCEPTION 'release_id: release % does not exist', release_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN QUERY
  WITH rel AS (
    SELECT r.id, r.label::text AS label, r.items, r.check_items, r.sha256, r.published_at,
           (SELECT count(*) FILTER (WHERE i.kind = 'catalog_item') FROM sv.catalog_release_item i WHERE i.release_id = r.id) AS n_items,
           (SELECT count(*) FILTER (WHERE i.kind = 'check_item') FROM sv.catalog_release_item i WHERE i.release_id = r.id) AS n_checks,
           (SELECT sv._catalog_release_sha256(string_agg(sv._catalog_release_line(i.kind, i.code, i.item), ''
                                                         ORDER BY i.kind COLLATE "C", i.code COLLATE "C"))
            FROM sv.catalog_release_item i WHERE i.release_id = r.id) AS computed,
           (SELECT a.change::jsonb || jsonb_build_object('seq', a.seq) FROM sv.audit_log a
            WHERE a.object_kind = 'catalog_release' AND a.object_id = r.label AND a.action = 'publish'
              AND a.change::jsonb ->> 'release_id' = r.id::text
            ORDER BY a.seq LIMIT 1) AS rec
    FROM sv.catalog_release r
    WHERE catalog_release_verify.release_id IS NULL OR r.id = catalog_release_verify.release_id
  )
  SELECT x.id, x.label, x.problem, x.detail FROM (
    SELECT rel.id, rel.label, 1 AS o, 'count' AS problem,
           format('the release holds %s items and %s check items, not the %s and %s published',
                  rel.n_items, rel.n_checks, rel.items, rel.check_items) AS detail
    FROM rel WHERE rel.n_items <> rel.items OR rel.n_checks <> rel.check_items
    UNION ALL
    SELECT rel.id, rel.label, 2, 'hash',
           CASE WHEN rel.sha256 IS NULL THEN 'no hash is stored: the release was not written by sv.catalog_publish'
                ELSE format('SHA-256 of the items is %s, not the published %s', encode(rel.computed, 'hex'), encode(rel.sha256, 'hex')) END
    FROM rel WHERE rel.sha256 IS DISTINCT FROM rel.computed
    UNION ALL
    SELECT rel.id, rel.label, 3, 'audit',
           CASE WHEN rel.rec IS NULL THEN 'no publish record of this release in the audit chain'
                ELSE format('audit record %s pins SHA-256 %s, %s items and %s check items, published at %s', rel.rec ->> 'seq',
                            coalesce(rel.rec ->> 'sha256', 'none'), rel.rec ->> 'items', rel.rec ->> 'check_items',
                            coalesce(rel.rec ->> 'published_at', 'an unrecorded time')) END
    FROM rel
    -- (publish records written before releases had a hash carry neither sha256 nor published_at:
    -- for them the counts are compared)
    WHERE rel.rec IS NULL
       OR (rel.rec ? 'sha256' AND rel.rec ->> 'sha256' IS DISTINCT FROM encode(rel.sha256, 'hex'))
       OR rel.rec ->> 'items' IS DISTINCT FROM rel.items::text OR rel.rec ->> 'check_items' IS DISTINCT FROM rel.check_items::text
       OR (rel.rec ? 'published_at' AND (rel.rec ->> 'published_at')::timestamptz IS DISTINCT FROM rel.published_at)
  ) x
  ORDER BY x.id, x.o;
END
$fn$;
COMMENT ON FUNCTION sv.catalog_release_verify(bigint) IS
  'Releases (all, or the one given) whose items no longer match their published counts, hash or audit record; no row = all hold';

-- Differences between two releases, or between a release and the current catalogue (to_label
-- NULL): one row per item added, removed or changed, with both versions.
CREATE OR REPLACE FUNCTION sv.catalog_diff(from_label text, to_label text DEFAULT NULL)
RETURNS TABLE (kind text, code text, change text, before jsonb, after jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_from bigint;
  v_to bigint;
BEGIN
  IF from_label IS NULL THEN   -- (runs as the caller: no internal helpers)
    RAISE EXCEPTION 'from_label must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
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
  SELECT r.label::text AS release, r.published_at, i.code, i.item ->> 'main_item' AS main_item,
         i.item ->> 'main_name' AS main_name, i.item ->> 'sub_name' AS sub_name,
         d.code AS department_code, d.name_zh AS department_name,
         i.item ->> 'method' AS method, i.item ->> 'measures' AS measures, i.item ->> 'objects' AS objects,
         i.item -> 'legal_basis' AS legal_basis, i.item ->> 'process' AS process, i.item ->> 'result' AS result,
         i.item ->> 'level' AS level, sv.label_zh('catalog.level', i.item ->> 'level') AS level_zh,
         i.item ->> 'source' AS source, sv.label_zh('catalog.source', i.item ->> 'source') AS source_zh
  FROM sv.catalog_release_item i
  JOIN sv.catalog_release r ON r.id = i.release_id
  LEFT JOIN sv.department d ON d.id = (i.item ->> 'department_id')::integer
  WHERE i.kind = 'catalog_item' AND i.release_id = (
    -- the latest release, shown only while it holds as many items as it was published with
    -- (a cheap check on every read; the full one is sv.catalog_release_verify())
    SELECT l.id FROM (SELECT r2.id, r2.items, r2.check_items FROM sv.catalog_release r2
                      ORDER BY r2.published_at DESC, r2.id DESC LIMIT 1) l
    WHERE (SELECT count(*) FILTER (WHERE x.kind = 'catalog_item') FROM sv.catalog_release_item x WHERE x.release_id = l.id) = l.items
      AND (SELECT count(*) FILTER (WHERE x.kind = 'check_item') FROM sv.catalog_release_item x WHERE x.release_id = l.id) = l.check_items);
COMMENT ON VIEW sv_public.catalog_item IS 'Supervision items of the latest published release (监管事项目录清单)';
COMMENT ON COLUMN sv_public.catalog_item.release IS '发布版本';
COMMENT ON COLUMN sv_public.catalog_item.published_at IS '发布时间';
COMMENT ON COLUMN sv_public.catalog_item.code IS '监管事项编码';
COMMENT ON COLUMN sv_public.catalog_item.main_item IS '所属主项编码(子项才有)';
COMMENT ON COLUMN sv_public.catalog_item.main_name IS '主项名称';
COMMENT ON COLUMN sv_public.catalog_item.sub_name IS '子项名称';
COMMENT ON COLUMN sv_public.catalog_item.department_code IS '监管部门代码';
COMMENT ON COLUMN sv_public.catalog_item.department_name IS '监管部门名称';
COMMENT ON COLUMN sv_public.catalog_item.method IS '监管方式';
COMMENT ON COLUMN sv_public.catalog_item.measures IS '监管措施';
COMMENT ON COLUMN sv_public.catalog_item.objects IS '监管对象';
COMMENT ON COLUMN sv_public.catalog_item.legal_basis IS '设定依据(法律法规及条款,JSON数组)';
COMMENT ON COLUMN sv_public.catalog_item.process IS '监管流程';
COMMENT ON COLUMN sv_public.catalog_item.result IS '监管结果';
COMMENT ON COLUMN sv_public.catalog_item.level IS '监管层级代码:national 国家级, provincial 省级, city 市级, county 县级';
COMMENT ON COLUMN sv_public.catalog_item.level_zh IS '监管层级';
COMMENT ON COLUMN sv_public.catalog_item.source IS '事项来源代码:national 国家目录, provincial 省级目录, city 本市特有目录';
COMMENT ON COLUMN sv_public.catalog_item.source_zh IS '事项来源';
CREATE VIEW sv_public.check_item AS
  SELECT r.label::text AS release, i.code, i.item ->> 'catalog_item' AS catalog_item,
         i.item ->> 'level' AS level, sv.label_zh('catalog.level', i.item ->> 'level') AS level_zh,
         i.item ->> 'region_code' AS region_code,
         d.code AS department_code, d.name_zh AS department_name,
         i.item ->> 'check_method' AS check_method,
         sv.label_zh('check_item.check_method', i.item ->> 'check_method') AS check_method_zh,
         i.item ->> 'content' AS content,
         i.item ->> 'kind' AS kind, sv.label_zh('check_item.kind', i.item ->> 'kind') AS kind_zh,
         i.item ->> 'frequency' AS frequency, i.item -> 'legal_basis' AS legal_basis,
         i.item ->> 'specialty' AS specialty
  FROM sv.catalog_release_item i
  JOIN sv.catalog_release r ON r.id = i.release_id
  LEFT JOIN sv.department d ON d.id = (i.item ->> 'department_id')::integer
  WHERE i.kind = 'check_item' AND i.release_id = (
    -- the latest release, shown only while it holds as many items as it was published with
    -- (a cheap check on every read; the full one is sv.catalog_release_verify())
    SELECT l.id FROM (SELECT r2.id, r2.items, r2.check_items FROM sv.catalog_release r2
                      ORDER BY r2.published_at DESC, r2.id DESC LIMIT 1) l
    WHERE (SELECT count(*) FILTER (WHERE x.kind = 'catalog_item') FROM sv.catalog_release_item x WHERE x.release_id = l.id) = l.items
      AND (SELECT count(*) FILTER (WHERE x.kind = 'check_item') FROM sv.catalog_release_item x WHERE x.release_id = l.id) = l.check_items);
COMMENT ON VIEW sv_public.check_item IS 'Check items of the latest published release (检查实施清单)';
COMMENT ON COLUMN sv_public.check_item.release IS '发布版本';
COMMENT ON COLUMN sv_public.check_item.code IS '检查实施清单编码';
COMMENT ON COLUMN sv_public.check_item.catalog_item IS '所属监管事项编码';
COMMENT ON COLUMN sv_public.check_item.level IS '实施层级代码:national 国家级, provincial 省级, city 市级, county 县级';
COMMENT ON COLUMN sv_public.check_item.level_zh IS '实施层级';
COMMENT ON COLUMN sv_public.check_item.region_code IS '实施行政区划代码';
COMMENT ON COLUMN sv_public.check_item.department_code IS '实施部门代码';
COMMENT ON COLUMN sv_public.check_item.department_name IS '实施部门名称';
COMMENT ON COLUMN sv_public.check_item.check_method IS '检查方式代码:on_site 现场检查, off_site 非现场检查, documents 书面检查';
COMMENT ON COLUMN sv_public.check_item.check_method_zh IS '检查方式';
COMMENT ON COLUMN sv_public.check_item.content IS '检查内容';
COMMENT ON COLUMN sv_public.check_item.kind IS '检查类别代码:general 一般检查事项, key 重点检查事项';
COMMENT ON COLUMN sv_public.check_item.kind_zh IS '检查类别';
COMMENT ON COLUMN sv_public.check_item.frequency IS '检查频次';
COMMENT ON COLUMN sv_public.check_item.legal_basis IS '检查依据(法律法规及条款,JSON数组)';
COMMENT ON COLUMN sv_public.check_item.specialty IS '执法人员须具备的专业领域';

-- sv:rerun (the labels of the catalogue's codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('catalog.level', ARRAY[['national', '国家级'], ['provincial', '省级'],
  ['city', '市级'], ['county', '县级']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('catalog.source', ARRAY[['national', '国家目录'], ['provincial', '省级目录'],
  ['city', '本市特有目录']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('check_item.check_method', ARRAY[['on_site', '现场检查'], ['off_site', '非现场检查'],
  ['documents', '书面检查']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('check_item.kind', ARRAY[['general', '一般检查事项'], ['key', '重点检查事项']]);

GRANT SELECT ON sv_public.catalog_item, sv_public.check_item
  TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.catalog_item_save(text, integer, text, text, text, text, jsonb, text, text, text, text, text, text),
                          sv.check_item_withdraw(text, text),
                          sv.check_item_save(text, text, text, text, integer, text, text, text, jsonb, text, text)
  TO sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.catalog_publish(text, text) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.catalog_diff(text, text) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;
GRANT EXECUTE ON FUNCTION sv.catalog_release_verify(bigint) TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
