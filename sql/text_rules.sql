-- Labels, notes and reasons: one line of printable text, trimmed and bounded
-- (sv._require_label, the domain sv.label_text; docs/security.md, "Text people read").  NULL
-- arguments answer 22004 naming the argument; infinite times are refused naming the field.
\pset null '(null)'
\set SHOW_CONTEXT never

-- pg_temp.try(statement): 'ok: <first column>' or '<SQLSTATE>: <message>'.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v text;
  st text;
  msg text;
BEGIN
  EXECUTE stmt INTO v;
  RETURN 'ok: ' || coalesce(v, 'NULL');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN st || ': ' || msg;
END
$$;

CREATE ROLE regress_txt_admin LOGIN IN ROLE sv_admin;
SELECT sv.staff_add('regress_txt_admin', 1, '410400') > 0 AS mapped;
SELECT count(*) AS releases_before FROM sv.catalog_release \gset

-- catalog_publish: bad labels and notes, each refused with the field, the character and where.
SET ROLE regress_txt_admin;
SELECT t.what, pg_temp.try(format('SELECT sv.catalog_publish(%L, %L)', t.label, t.note)) AS result
FROM (VALUES
  ('line feed',          E'RGX\n2026', NULL),
  ('carriage return',    E'RGX-2026\r', NULL),
  ('tab',                E'RGX\t2026', NULL),
  ('right-to-left override', E'RGX-\u202E6202', NULL),
  ('left-to-right isolate',  E'RGX-\u20662026', NULL),
  ('zero-width space',   E'RGX\u200B-2026', NULL),
  ('word joiner',        E'RGX\u2060-2026', NULL),
  ('byte order mark',    E'\uFEFFRGX-2026', NULL),
  ('line separator',     E'RGX\u2028-2026', NULL),
  ('5000 characters',    repeat('x', 5000), NULL),
  ('101 characters',     repeat('目', 101), NULL),
  ('empty',              '   ', NULL),
  ('null',               NULL, NULL),
  ('note: line feed',    'RGX-2026', E'first line\nsecond line'),
  ('note: bidi',         'RGX-2026', E'note \u202Ereversed'),
  ('note: 501 characters', 'RGX-2026', repeat('x', 501))
) t(what, label, note);
-- nothing was written
SELECT count(*) = :releases_before AS nothing_published FROM sv.catalog_release;
-- a good label is trimmed; Chinese text, full-width punctuation and spaces inside are fine;
-- 100 characters is the limit for a label, 500 for a note (the release holds an item of this
-- file, so that the public sees the label whatever other files left in the catalogue)
RESET ROLE;
SELECT sv.catalog_item_save('RGX-ITEM', 4, '文本规则测试事项', 'm', 'me', 'o', '[]', 'city', 'city') > 0 AS item_saved;
SET ROLE regress_txt_admin;
SELECT pg_temp.try(format('SELECT sv.catalog_publish(%L, %L) > 0', '  RGX 2026年第1版（试行）  ', repeat('注', 500))) AS result;
RESET ROLE;
SELECT label, length(note) AS note_length FROM sv.catalog_release WHERE label LIKE 'RGX%';
SELECT release FROM sv_public.catalog_item WHERE code = 'RGX-ITEM';
-- the column type refuses what bypasses the function
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES (E'RGX\nforged', NULL, now(), 'postgres', 0, 0);

-- Every reason given through sv._require_reason follows the same rule (at most 500 characters):
-- the catalogue, staff mappings, the code exceptions.
SET ROLE regress_txt_admin;
SELECT pg_temp.try(format('SELECT sv.catalog_item_withdraw(%L, %L)', 'RGX-NONE', E'withdrawn\nby mistake')) AS catalog;
SELECT pg_temp.try(format('SELECT sv.check_item_withdraw(%L, %L)', 'RGX-NONE', E'\u200Bwithdrawn')) AS check_item;
SELECT pg_temp.try(format('SELECT sv.catalog_unclaim(%L, %L)', 'RGX-NONE', repeat('x', 5000))) AS claim;
SELECT pg_temp.try(format('SELECT sv.staff_end(1, %L)', E'left \u202Eevah')) AS staff;
SELECT pg_temp.try(format('SELECT sv.uscc_register_exception(%L, %L)', '91410400MA44L0X1Q0', E'legal\r\ncode')) AS uscc;
-- item and power names are labels of at most 200 characters
SELECT pg_temp.try(format('SELECT sv.catalog_item_save(%L, 4, %L, %L, %L, %L, %L, %L, %L)',
  'RGX-1', E'名称\n第二行', 'm', 'me', 'o', '[]', 'city', 'city')) AS main_name;
SELECT pg_temp.try(format('SELECT sv.catalog_item_save(%L, 4, %L, %L, %L, %L, %L, %L, %L, main_item => %L, sub_name => %L)',
  'RGX-1', 'n', 'm', 'me', 'o', '[]', 'city', 'city', 'RGX-0', repeat('子', 201))) AS sub_name;
SELECT pg_temp.try(format('SELECT sv.power_item_save(%L, %L, %L, 4, %L)', 'RGX-P1', E'\u202Ename', 'penalty', '[]')) AS power_name;

-- NULL arguments: 22004 naming each one that is NULL.
SELECT pg_temp.try('SELECT sv.catalog_claim(NULL)') AS catalog_claim;
SELECT pg_temp.try('SELECT sv.catalog_unclaim(NULL, NULL)') AS catalog_unclaim;
SELECT pg_temp.try('SELECT sv.catalog_item_withdraw(NULL, ''created by mistake'')') AS catalog_item_withdraw;
SELECT pg_temp.try('SELECT sv.check_item_withdraw(''RGX-C'', NULL)') AS check_item_withdraw;
SELECT pg_temp.try('SELECT sv.catalog_item_save(''RGX-1'', NULL, ''n'', NULL, ''me'', ''o'', ''[]'', ''city'', NULL)') AS catalog_item_save;
SELECT pg_temp.try('SELECT sv.check_item_save(''RGX-C'', ''RGX-1'', ''city'', NULL, 4, ''on_site'', ''c'', ''general'', NULL)') AS check_item_save;
SELECT pg_temp.try('SELECT sv.power_item_save(''RGX-P1'', ''n'', ''penalty'', 4, ''[]'', centralised => NULL)') AS power_item_save;
SELECT pg_temp.try('SELECT sv.supervising_department(NULL)') AS supervising_department;
SELECT pg_temp.try('SELECT count(*) FROM sv.catalog_diff(NULL)') AS catalog_diff;
SELECT pg_temp.try('SELECT sv.catalog_publish(NULL, ''note'')') AS catalog_publish;
RESET ROLE;
SELECT pg_temp.try('SELECT count(*) FROM sv.security_check(NULL)') AS security_check;
-- infinite times: the current rows would otherwise answer for "never"
SELECT pg_temp.try('SELECT count(*) FROM sv.as_of(NULL::sv.catalog_item, ''infinity'')') AS as_of_infinity;
SELECT pg_temp.try('SELECT count(*) FROM sv.as_of(NULL::sv.catalog_item, ''-infinity'')') AS as_of_minus_infinity;

-- A draw plan's title is public (sv_public.draw): the same rule, nothing saved.
SELECT pg_temp.try($q$SELECT sv.draw_plan_save('RGX-D1', E'双随机抽查\u202E划计', 4, '2026-12-01', '2026-12-31',
  '{"regions": ["410400"]}', '{RGX-C01}', '{"U": {"count": 1}}')$q$) AS draw_title_bidi;
SELECT pg_temp.try($q$SELECT sv.draw_plan_save('RGX-D1', E'双随机抽查\r\n第二行', 4, '2026-12-01', '2026-12-31',
  '{"regions": ["410400"]}', '{RGX-C01}', '{"U": {"count": 1}}')$q$) AS draw_title_crlf;
SELECT count(*) AS draw_plans_saved FROM sv.draw_plan WHERE code = 'RGX-D1';

-- Clean up (the release is append-only: guards in origin mode inside this transaction only).
BEGIN;
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.catalog_release_item WHERE release_id IN (SELECT id FROM sv.catalog_release WHERE label LIKE 'RGX%');
DELETE FROM sv.catalog_release WHERE label LIKE 'RGX%';
DELETE FROM sv.catalog_item_history WHERE code LIKE 'RGX%';
DELETE FROM sv.catalog_item WHERE code LIKE 'RGX%';
CALL sv._append_only_enforce();
COMMIT;
SELECT sv.staff_end(id, 'regression clean-up') IS NOT NULL AS ended FROM sv.staff WHERE role_name = 'regress_txt_admin';
DROP ROLE regress_txt_admin;
