-- ---------------------------------------------------------------------------------------------
-- 12_validation: argument checks shared by the write functions, so that every function words
-- the same mistake the same way (and a message names its field).  sv._require_uscc is in
-- 19_uscc.sql, with the type it checks.
-- ---------------------------------------------------------------------------------------------

-- text that must not be NULL or blank: 22023 "<field> must not be empty"
CREATE OR REPLACE FUNCTION sv._require_text(field text, value text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF coalesce(btrim(value), '') = '' THEN
    RAISE EXCEPTION '% must not be empty', field USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- one of a fixed list: 22023 "<field> must be a, b or c, not 'x'"
CREATE OR REPLACE FUNCTION sv._require_one_of(field text, value text, allowed text[]) RETURNS void
LANGUAGE plpgsql VOLATILE
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
CREATE OR REPLACE FUNCTION sv._require_subset(field text, value text[], allowed text[]) RETURNS void
LANGUAGE plpgsql VOLATILE
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
CREATE OR REPLACE FUNCTION sv._require_code(field text, value text) RETURNS void
LANGUAGE plpgsql VOLATILE
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
CREATE OR REPLACE FUNCTION sv._require_department(field text, department_id integer) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF department_id IS NULL OR NOT EXISTS (SELECT 1 FROM sv.department d WHERE d.id = _require_department.department_id) THEN
    RAISE EXCEPTION '%: department % does not exist', field, coalesce(department_id::text, 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END
$fn$;

-- Labels, notes and reasons: text that people read on the portals and in the audit trail, one
-- line of printable characters.  Refused (22023, naming the field, the character and where it
-- is): control characters (U+0000-U+001F, U+007F-U+009F: CR, LF, TAB, ...), line and paragraph
-- separators (U+2028, U+2029), bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
-- U+2066-U+2069: they reorder what a reader sees) and zero-width characters (U+200B-U+200D,
-- U+2060, U+FEFF: they make two different texts look the same); longer than max_length
-- characters after trimming: 22001.  Returns the value trimmed of spaces; NULL stays NULL.
CREATE OR REPLACE FUNCTION sv._label_problem(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
-- plpgsql, not sql: it runs for every label written (the domain sv.label, each text field of a
-- write function), and its two expressions are evaluated without a plan, where a sql function
-- (not inlined: it pins search_path) would be parsed and planned at every call
DECLARE
  m text := (regexp_match(value, '[\u0001-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u2060\ufeff\u061c\u202a-\u202e\u2066-\u2069]'))[1];
BEGIN
  IF m IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN format('%s (U+%s at character %s)',
                CASE WHEN m ~ '[\u0001-\u001f\u007f-\u009f\u2028\u2029]' THEN 'a control character or line break'
                     WHEN m ~ '[\u200b-\u200d\u2060\ufeff]' THEN 'a zero-width character'
                     ELSE 'a bidirectional control character' END,
                upper(lpad(to_hex(ascii(m)), 4, '0')), strpos(value, m));
END
$fn$;

CREATE OR REPLACE FUNCTION sv._require_label(field text, value text, max_length integer) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_problem text := sv._label_problem(value);
BEGIN
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION '% must be one line of printable text: it contains %', field, v_problem
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF length(btrim(value)) > max_length THEN
    RAISE EXCEPTION '% is % characters long: at most % are allowed', field, length(btrim(value)), max_length
      USING ERRCODE = 'string_data_right_truncation';
  END IF;
  RETURN btrim(value);
END
$fn$;

-- The same rule as a type, for columns: sv.label_text is at most 500 characters, trimmed and
-- printable (the write functions check first, with the field named; this stops what bypasses them).
CREATE DOMAIN sv.label_text AS text
  CHECK (VALUE = btrim(VALUE) AND VALUE <> '' AND length(VALUE) <= 500 AND sv._label_problem(VALUE) IS NULL);

-- NULL arguments: 22004 naming every one that is NULL.  The names and, in the same order,
-- whether each is NULL (any type, no casts):
-- sv._require_given(ARRAY['code', 'department_id'], ARRAY[code IS NULL, department_id IS NULL]).
CREATE OR REPLACE FUNCTION sv._require_given(fields text[], missing boolean[]) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_missing text;
BEGIN
  SELECT string_agg(fields[i], ', ' ORDER BY i) INTO v_missing
  FROM generate_subscripts(fields, 1) i WHERE missing[i] IS DISTINCT FROM false;
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION '% must not be null', v_missing USING ERRCODE = 'null_value_not_allowed';
  END IF;
END
$fn$;

-- a reason for an irreversible step: 22023 "reason must say why <purpose> (at least 4 characters)";
-- one line of printable text of at most 500 characters (sv._require_label).  field: the
-- argument's name when it is not "reason" (e.g. a decision's note)
CREATE OR REPLACE FUNCTION sv._require_reason(reason text, purpose text, field text DEFAULT 'reason') RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF reason IS NULL OR length(btrim(reason)) < 4 THEN
    RAISE EXCEPTION '% must say why % (at least 4 characters)', field, purpose
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_label(field, reason, 500);
END
$fn$;

-- an existing region: 23503 "<field>: region '<code>' does not exist"
CREATE OR REPLACE FUNCTION sv._require_region(field text, region_code text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF region_code IS NULL OR NOT EXISTS (SELECT 1 FROM sv.region r WHERE r.code = _require_region.region_code) THEN
    RAISE EXCEPTION '%: region % does not exist', field, coalesce(quote_literal(region_code), 'NULL')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END
$fn$;

-- An ISO date YYYY-MM-DD (1900-2999) or NULL, never an error: bulk ingest turns bad dates into
-- reject reasons (src/ingest/parse.c).
CREATE OR REPLACE FUNCTION sv._parse_date(text) RETURNS date
AS 'MODULE_PATHNAME', 'sv_parse_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- ---------------------------------------------------------------------------------------------
-- Data-centre field rules (docs/datacenter.md, "Field limits"), shared by the set-based merges
-- and so by the write functions built on them.  No SET search_path: the planner inlines them
-- into the merges (one expression per record, no function call per row).
-- ---------------------------------------------------------------------------------------------

-- A text field longer than its limit: the reject (22001 naming the field), else NULL.
CREATE OR REPLACE FUNCTION sv._too_long(field text, value text, max_length integer) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
  SELECT CASE WHEN pg_catalog.char_length(value) > max_length
    THEN ARRAY['22001', field || ' must be at most ' || max_length::text || ' characters, not '
                        || pg_catalog.char_length(value)::text, NULL] END   -- no format(): it is only stable
$fn$;

-- A date argument as the text a batch record carries, for the write functions: YYYY-MM-DD for
-- the dates the rules accept, and anything else spelt out ('infinity', '5874897-12-31',
-- '4714-11-24 BC'), so that the date rules refuse it naming the field.  (to_char would answer
-- NULL for ±infinity, stored silently, and fail with a bare 22008 beyond the timestamp range.)
CREATE OR REPLACE FUNCTION sv._date_text(day date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
SET datestyle = 'ISO, YMD'
AS $fn$ SELECT day::text $fn$;

-- A date argument of a write function: NULL passes (the caller decides whether it may be NULL);
-- ±infinity and a date outside 1900-2999 are refused with 22007 naming the field, in the words
-- the batch checks use for a record's date.  (Stored, an infinite date would read as "open"
-- beside NULL, the platform's one way of saying so.)
CREATE OR REPLACE FUNCTION sv._require_date(field text, day date) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF day IS NOT NULL AND NOT (isfinite(day) AND day BETWEEN '1900-01-01'::date AND '2999-12-31'::date) THEN
    RAISE EXCEPTION '% must be a date written YYYY-MM-DD (1900-2999), not %', field, quote_literal(sv._date_text(day))
      USING ERRCODE = 'invalid_datetime_format';
  END IF;
END
$fn$;
