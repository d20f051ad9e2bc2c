-- ---------------------------------------------------------------------------------------------
-- 05_code_label: the one dictionary of Chinese labels for code values (代码中文名称).  Tables
-- keep stable English codes (no_problem, on_site, individual_business, ...); every view a person
-- reads shows each code beside its label, taken from here by sv.label_zh, instead of CASE
-- expressions scattered across views.  Each capability registers the vocabulary of its own
-- columns (sv._code_label_register, marked -- sv:rerun: the rows are code, every update
-- registers them again).  sql/code_labels.sql checks that every labelled view column's comment
-- lists exactly its domain's codes and labels.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.code_label (
  domain     text NOT NULL,       -- '<table or concept>.<column>', e.g. 'action.result'
  code       text NOT NULL,       -- the value stored in the tables
  label_zh   text NOT NULL,       -- what a person reads
  sort_order integer NOT NULL,    -- the order of the vocabulary as registered
  PRIMARY KEY (domain, code),
  CONSTRAINT code_label_domain_form CHECK (domain ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$' AND length(domain) <= 64),
  CONSTRAINT code_label_code_form CHECK (code ~ '^[a-z0-9][a-z0-9_.]*$' AND length(code) <= 64),
  CONSTRAINT code_label_label_form CHECK (label_zh ~ '[一-鿿]' AND label_zh = btrim(label_zh)
                                          AND length(label_zh) <= 32)
);
ALTER TABLE sv.code_label ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.code_label FORCE ROW LEVEL SECURITY;
CREATE POLICY code_label_read ON sv.code_label FOR SELECT USING (true);
COMMENT ON TABLE sv.code_label IS
  'Chinese labels of code values (代码中文名称), one vocabulary per domain; registered by each capability';

-- Registers one domain's whole vocabulary: labels is a list of {code, label} pairs in display
-- order.  Codes no longer listed are removed, so the dictionary is exactly what the code says.
CREATE OR REPLACE FUNCTION sv._code_label_register(domain text, labels text[]) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF labels IS NULL OR array_ndims(labels) <> 2 OR array_length(labels, 2) <> 2 THEN
    RAISE EXCEPTION 'labels of domain % must be a list of {code, label} pairs', domain
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  DELETE FROM sv.code_label l
  WHERE l.domain = _code_label_register.domain
    AND l.code <> ALL (SELECT labels[i][1] FROM generate_subscripts(labels, 1) i);
  INSERT INTO sv.code_label AS l (domain, code, label_zh, sort_order)
  SELECT _code_label_register.domain, labels[i][1], labels[i][2], i
  FROM generate_subscripts(labels, 1) i
  ON CONFLICT ON CONSTRAINT code_label_pkey DO UPDATE
    SET (label_zh, sort_order) = (EXCLUDED.label_zh, EXCLUDED.sort_order);
END
$fn$;
REVOKE ALL ON FUNCTION sv._code_label_register(text, text[]) FROM PUBLIC;

-- The label of one code; NULL for a NULL code (STRICT).  A code missing from its domain is a
-- bug of the registering capability, shown as the code in brackets rather than hidden as NULL.
CREATE OR REPLACE FUNCTION sv.label_zh(domain text, code text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $fn$
  SELECT coalesce((SELECT l.label_zh FROM sv.code_label l WHERE l.domain = $1 AND l.code = $2), '[' || $2 || ']')
$fn$;
COMMENT ON FUNCTION sv.label_zh(text, text) IS
  'The Chinese label of a code value in a domain of sv.code_label (代码中文名称)';
