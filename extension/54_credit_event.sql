-- ---------------------------------------------------------------------------------------------
-- 54_credit_event: credit events (信用信息) of subjects: penalties, lists, complaints, failed
-- inspections, commendations; how long each is published.
--
-- Tables:     sv.credit_event (subject-keyed: PRIMARY KEY (uscc, id); natural key uscc, kind,
--             reference), sv.credit_event_staging (COPY target of bulk ingest)
-- Functions:  sv._credit_event_merge(source, rows)  the rules, set-based (shared with sv.ingest)
--             sv.credit_event_record(...)            one event (administrators, integration)
--             sv._credit_publication_end(...)        the publication period of a record
--             sv._credit_require_subject_scope(...) who may read a subject's credit
-- Views:      sv_public.credit_publication (what is published today)
-- Publication periods (市场监督管理行政处罚信息公示规定 §14): a penalty of only a warning,
-- circulated criticism and a low fine (at most sv.low_fine_limit yuan, a provincial figure)
-- stops being published 3 months after publication; any other penalty after 3 years, or at the
-- end of a restriction of business or employment when that is later.  Listings (abnormal
-- operation, serious dishonesty) and commendations are published while in force.  A repaired
-- event stops being published on the day of the repair.
-- ---------------------------------------------------------------------------------------------

-- Who may act on credit (docs/credit.md, "Who may call what"): administrators and auditors
-- act city-wide by their role, integrations (system feeds) without a staff mapping; an officer
-- only through a staff mapping in force, which gives its department and region scope.

-- May the caller read the credit of this subject?  The rule of sv_work.subject (the policies
-- subject_scope and subject_all on sv.subject): administrators and auditors every subject,
-- officers the subjects registered in their region scope (sv.scope_regions()), nobody else.
-- A subject that does not exist gets the answer of one outside the scope (42501), so the
-- answer does not tell whether it exists.  The caller has checked the code's format.
CREATE OR REPLACE FUNCTION sv._credit_require_subject_scope(field text, subject text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  IF me.is_admin OR me.is_auditor THEN
    -- they see every subject, so they are told when there is none (a score of nobody would
    -- read as a spotless class A)
    IF NOT EXISTS (SELECT 1 FROM sv.subject s WHERE s.uscc = subject::sv.uscc) THEN
      RAISE EXCEPTION '%: subject % is not registered', field, subject::sv.uscc USING ERRCODE = 'no_data_found';
    END IF;
    RETURN;
  END IF;
  PERFORM sv._require_role('read credit classes', '{sv_officer}', 'Credit classes are internal.');
  PERFORM sv._require_mapping('read credit');
  IF NOT EXISTS (SELECT 1 FROM sv.subject s
                 WHERE s.uscc = subject::sv.uscc AND s.region_code = ANY (sv.scope_regions())) THEN
    PERFORM sv._raise_not_yours(field, format('subject %s', subject::sv.uscc),
                                hint => 'Officers read the credit of the subjects registered in their region and the regions below it.');
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION sv._credit_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['administrative_penalty', 'abnormal_operation', 'serious_dishonesty', 'substantiated_complaint',
                   'failed_inspection', 'overdue_annual_report', 'commendation'] $$;

-- The kinds of administrative penalty (行政处罚法 §9).
CREATE OR REPLACE FUNCTION sv._penalty_types() RETURNS text[]
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
  CHECK ((fine_amount IS NOT NULL) = ('fine' = ANY (penalty_types))),
  CONSTRAINT credit_event_text_length CHECK (char_length(reference) <= 128 AND char_length(source_system) <= 64)
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
-- the events received after a moment: what an incremental risk scan reads first (66_risk.sql)
CREATE INDEX credit_event_recorded_idx ON sv.credit_event (recorded_at);
CREATE INDEX credit_event_staging_loaded_by_idx ON sv.credit_event_staging (loaded_by, line);
COMMENT ON TABLE sv.credit_event_staging IS
  'Bulk ingest of credit events: COPY rows here, then call sv.ingest_staged(source, ''credit_event'')';

-- The publication period of one record (see the header): the first day it is no longer
-- published, or NULL (a listing or commendation without an end: published while in force; the
-- other kinds are not published at all).
CREATE OR REPLACE FUNCTION sv._credit_publication_end(kind text, penalty_types text[], fine_amount numeric,
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
CREATE OR REPLACE FUNCTION sv._low_fine_limit() RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.current_setting('sv.low_fine_limit')::numeric $$;

-- The rules for credit events, set-based; see sv._subject_merge for the contract.  A record
-- with the key of an existing event (uscc, kind, reference) corrects it (a source re-sends a
-- listing with its end date, say), unless the event was repaired.
CREATE OR REPLACE FUNCTION sv._credit_event_merge(batch_source text, batch sv.credit_event_staging[])
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
          WHERE t <> ALL (sv._penalty_types())) AS unknown_types,
         -- the field limits (docs/datacenter.md): the reference is part of a unique key
         coalesce(sv._too_long('reference', i.reference, 128), sv._too_long('source_system', batch_source, 64)) AS too_long
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
      WHEN l.too_long IS NOT NULL THEN l.too_long
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
  ORDER BY f.code, f.kind COLLATE "C", f.reference COLLATE "C"   -- in key order (no deadlock between overlapping batches)
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

-- sv:rerun (the ingest kind, 39_ingest_kind: the registry is code, every update registers again)
SELECT sv._ingest_kind_register('credit_event', '信用信息', 40, 'sv.credit_event_staging', '_credit_event_merge',
  list_fields => '{penalty_types}', field_limits => '{"reference": 128, "source_system": 64}');

CREATE OR REPLACE FUNCTION sv.credit_event_record(uscc text, kind text, severity integer, source text, decided_on date,
                                       reference text, valid_until date DEFAULT NULL, published_on date DEFAULT NULL,
                                       department_id integer DEFAULT NULL, penalty_types text[] DEFAULT NULL,
                                       fine_amount numeric DEFAULT NULL, restricted_until date DEFAULT NULL,
                                       sector text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  -- administrators and integrations only, neither needs a staff mapping (feeds have none)
  PERFORM sv._require_role('record credit events', '{sv_admin,sv_integration}');
  RETURN sv._credit_event_add(uscc, kind, severity, source, decided_on, reference, valid_until, published_on, department_id,
                              penalty_types, fine_amount, restricted_until, sector);
END
$fn$;

-- The event recorded (once), audited, its id returned: sv.credit_event_record after its role
-- check, and the capabilities that turn their own findings into credit events (a substantiated
-- complaint, 69_complaint_flow.sql) after theirs.
CREATE OR REPLACE FUNCTION sv._credit_event_add(uscc text, kind text, severity integer, source text, decided_on date,
                                                reference text, valid_until date, published_on date, department_id integer,
                                                penalty_types text[], fine_amount numeric, restricted_until date,
                                                sector text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  r record;
BEGIN
  PERFORM sv._require_given(ARRAY['uscc', 'kind', 'severity', 'source', 'decided_on', 'reference'], ARRAY[uscc IS NULL, kind IS NULL, severity IS NULL, source IS NULL, decided_on IS NULL, reference IS NULL]);
  IF department_id IS NOT NULL THEN
    PERFORM sv._require_department('department_id', department_id);
  END IF;
  -- recorded once: a correction of an existing event comes as a new batch through sv.ingest
  IF sv.uscc_check(uscc) IS NULL THEN
    IF EXISTS (SELECT 1 FROM sv.credit_event e
               WHERE e.uscc = _credit_event_add.uscc::sv.uscc AND e.kind = _credit_event_add.kind
                 AND e.reference = btrim(_credit_event_add.reference)) THEN
      RAISE EXCEPTION 'the % event % of subject % is already recorded', kind, quote_literal(btrim(reference)), uscc::sv.uscc
        USING ERRCODE = 'unique_violation';
    END IF;
  END IF;
  SELECT * INTO r FROM sv._credit_event_merge('sv_platform', ARRAY[ROW(
    me.login, 1, uscc, kind, severity::text, source, department_id::text, sv._date_text(decided_on),
    sv._date_text(published_on), sv._date_text(valid_until), reference,   -- ±infinity: refused, not NULL
    array_to_string(penalty_types, ','), fine_amount::text, sv._date_text(restricted_until),
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
  SELECT e.uscc::text AS uscc, s.name AS subject_name, e.kind, sv.label_zh('credit_event.kind', e.kind) AS kind_zh,
         e.reference, d.name_zh AS department_name,
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
  '信用信息公示 / Credit information published today: penalties within their publication period (3 months or 3 years), listings and commendations in force';
COMMENT ON COLUMN sv_public.credit_publication.uscc IS '统一社会信用代码';
COMMENT ON COLUMN sv_public.credit_publication.subject_name IS '市场主体名称';
COMMENT ON COLUMN sv_public.credit_publication.kind IS '信用信息类型代码:administrative_penalty 行政处罚, abnormal_operation 经营异常名录, serious_dishonesty 严重违法失信名单, commendation 表彰奖励';
COMMENT ON COLUMN sv_public.credit_publication.kind_zh IS '信用信息类型';
COMMENT ON COLUMN sv_public.credit_publication.reference IS '决定文书号';
COMMENT ON COLUMN sv_public.credit_publication.department_name IS '作出决定部门';
COMMENT ON COLUMN sv_public.credit_publication.decided_on IS '决定日期';
COMMENT ON COLUMN sv_public.credit_publication.published_on IS '公示日期';
COMMENT ON COLUMN sv_public.credit_publication.penalty_types IS '处罚种类';
COMMENT ON COLUMN sv_public.credit_publication.fine_amount IS '罚款金额(元)';
COMMENT ON COLUMN sv_public.credit_publication.restricted_until IS '限制期限截止日期';
COMMENT ON COLUMN sv_public.credit_publication.published_until IS '公示截止日期(含当日)';
-- sv:rerun (the labels of the event kinds, 05_code_label: every update registers them again)
SELECT sv._code_label_register('credit_event.kind', ARRAY[['administrative_penalty', '行政处罚'],
  ['abnormal_operation', '经营异常名录'], ['serious_dishonesty', '严重违法失信名单'],
  ['substantiated_complaint', '投诉举报查实'], ['failed_inspection', '检查不合格'],
  ['overdue_annual_report', '未按时报送年报'], ['commendation', '表彰奖励']]);
GRANT SELECT ON sv_public.credit_publication TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
