-- The dictionary of Chinese labels for code values (05_code_label.sql): what it holds, how
-- views use it, and the checks that keep views, their comments and the dictionary in step.
\set SHOW_CONTEXT never

-- Every vocabulary, as the capabilities registered it.
SELECT domain, code, label_zh, sort_order FROM sv.code_label ORDER BY domain, sort_order;

-- One label; NULL for NULL; a code its domain does not know shows in brackets, so a missing
-- registration is visible in a view instead of a silent NULL.
SELECT sv.label_zh('action.result', 'problem_found') AS problem_found,
       sv.label_zh('action.result', NULL) AS null_code,
       sv.label_zh('action.result', 'no_such_code') AS unknown_code;

-- Every view column that shows a code's label (<column>_zh = sv.label_zh(domain, ...)) next
-- to a column whose comment lists its codes: each listed code must be in the domain with the
-- same label.  Mismatches (none):
CREATE TEMP TABLE cl_zh AS
SELECT format('%I.%I', ns.nspname, c.relname) AS view_name, c.oid AS view_oid, m[2] AS zh_column, m[1] AS domain
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
CROSS JOIN LATERAL regexp_matches(pg_get_viewdef(c.oid), 'label_zh\(''([a-z0-9_.]+?)''::text,\s.*?\) AS ([a-z0-9_]+?_zh)\M', 'g') m
WHERE ns.nspname IN ('sv_work', 'sv_public', 'sv_bi') AND c.relkind = 'v';
SELECT count(*) AS label_columns, count(DISTINCT view_name) AS views, count(DISTINCT domain) AS domains FROM cl_zh;
SELECT z.view_name, z.zh_column, z.domain FROM cl_zh z
WHERE NOT EXISTS (SELECT 1 FROM sv.code_label l WHERE l.domain = z.domain)
ORDER BY 1, 2;
WITH listed AS (
  SELECT z.view_name, z.zh_column, z.domain, p[1] AS code, btrim(p[2]) AS label
  FROM cl_zh z
  JOIN pg_attribute a ON a.attrelid = z.view_oid AND a.attname = left(z.zh_column, -3)
  CROSS JOIN LATERAL regexp_matches(coalesce(col_description(z.view_oid, a.attnum), ''),
                                    '([a-z][a-z0-9_]*) ([^,,:;]+)', 'g') p)
SELECT x.view_name, x.zh_column, x.code, x.label AS label_in_comment, l.label_zh AS label_in_dictionary
FROM listed x LEFT JOIN sv.code_label l ON l.domain = x.domain AND l.code = x.code
WHERE l.label_zh IS DISTINCT FROM x.label
ORDER BY 1, 2, 3;

-- A column whose comment lists codes ("代码:a 甲, b 乙") has its label column beside it (its
-- own sv.label_zh, or passed on from the view it reads).  Missing (none):
SELECT format('%I.%I', ns.nspname, c.relname) AS view_name, a.attname AS code_column_without_label
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE ns.nspname IN ('sv_work', 'sv_public', 'sv_bi') AND c.relkind = 'v'
  AND (SELECT count(*) FROM regexp_matches(coalesce(col_description(c.oid, a.attnum), ''),
                                           '([a-z][a-z0-9_]*) ([^,,:;]+)', 'g')) >= 2
  AND NOT EXISTS (SELECT 1 FROM pg_attribute b WHERE b.attrelid = c.oid AND b.attname = a.attname || '_zh')
ORDER BY 1, 2;

-- Department names instead of bare ids: a view with a department_id column also has a
-- department_name.  Missing (none):
SELECT format('%I.%I', ns.nspname, c.relname) AS view_with_bare_department_id
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'department_id'
WHERE ns.nspname IN ('sv_work', 'sv_public', 'sv_bi') AND c.relkind = 'v'
  AND NOT EXISTS (SELECT 1 FROM pg_attribute b WHERE b.attrelid = c.oid AND b.attname = 'department_name')
ORDER BY 1;

-- Registering a vocabulary replaces it: codes no longer listed go, labels and order follow.
BEGIN;
SELECT sv._code_label_register('regress.colour', ARRAY[['red', '红色'], ['blue', '蓝色'], ['green', '绿色']]);
SELECT sv._code_label_register('regress.colour', ARRAY[['blue', '蓝'], ['red', '红色']]);
SELECT code, label_zh, sort_order FROM sv.code_label WHERE domain = 'regress.colour' ORDER BY sort_order;
-- bad vocabularies are refused, naming the domain or the rule
SELECT sv._code_label_register('regress.colour', ARRAY['red', '红色']);
ROLLBACK;
BEGIN;
SELECT sv._code_label_register('regress.colour', ARRAY[['red', 'red']]);
ROLLBACK;
BEGIN;
SELECT sv._code_label_register('Regress', ARRAY[['red', '红色']]);
ROLLBACK;
SELECT count(*) AS regress_rows_left FROM sv.code_label WHERE domain LIKE 'regress.%';

-- Every group role reads the dictionary and the labels (reference data, like regions); no
-- role may write it.
CREATE ROLE regress_cl_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_cl_bi LOGIN IN ROLE sv_bi;
SET ROLE regress_cl_public;
SELECT count(*) > 50 AS public_reads_dictionary FROM sv_public.code_label;
SELECT sv.label_zh('subject.kind', 'individual_business') AS public_label;
SELECT kind, kind_zh FROM sv_public.holiday WHERE day = '2026-10-01';
INSERT INTO sv.code_label VALUES ('regress.x', 'a', '甲', 1);
SELECT sv._code_label_register('regress.x', ARRAY[['a', '甲']]);
RESET ROLE;
SET ROLE regress_cl_bi;
SELECT domain, code, label_zh FROM sv_public.code_label WHERE domain = 'linkage.step' ORDER BY sort_order;
UPDATE sv.code_label SET label_zh = '改' WHERE domain = 'linkage.step';
RESET ROLE;
DROP ROLE regress_cl_public;
DROP ROLE regress_cl_bi;
