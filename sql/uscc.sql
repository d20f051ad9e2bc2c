-- sv.uscc: the unified social credit code (GB 32100-2015)
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
\getenv abs_builddir PG_ABS_BUILDDIR
\set bin_file :abs_builddir '/results/uscc_regress.bin'
\set bad_file :abs_builddir '/results/uscc_regress_bad.bin'
\set txt_file :abs_builddir '/results/uscc_regress.txt'

-- Real codes and realistic Pingdingshan codes: all valid.
SELECT c::sv.uscc AS code, sv.uscc_authority(c::sv.uscc) AS auth, sv.uscc_category(c::sv.uscc) AS cat,
       sv.uscc_region_code(c::sv.uscc) AS region, sv.uscc_org_code(c::sv.uscc) AS org
FROM unnest(ARRAY[
  '9144030071526726XG',   -- enterprise, Shenzhen
  '91330100716105852F',   -- enterprise, Hangzhou
  '914403001922038216',   -- enterprise, check character 6
  '91410400MA44L0X1Q8',   -- enterprise, Pingdingshan
  '91410402170255364H',   -- enterprise, Xinhua District
  '92410422MA3XKP8W17',   -- individual business, Ye County
  '93410423MA9FT2B7X4',   -- farmers' cooperative, Lushan County
  '124104000056789011',   -- public institution
  '51410400MJY1234585',   -- social organisation
  'N2410422587412365E',   -- village collective economic organisation
  'Y14100001234567897',   -- other
  '31410400087654321J',   -- law firm
  '11410000MB1234567P',   -- state organ
  '81410400MC12345677',   -- grassroots trade union
  '91410481MA47Y5R2N0',   -- Wugang
  '91410482MA3K1U6HXY'    -- Ruzhou, check character Y
]) AS c;

-- Normalisation: lower case and surrounding spaces (ASCII and U+3000) are accepted.
SELECT ' 91410400ma44l0x1q8 '::sv.uscc AS lower_and_spaces;
SELECT E'\t91410400MA44L0X1Q8\n'::sv.uscc AS tabs_and_newline;
SELECT '　91410400MA44L0X1Q8　'::sv.uscc AS ideographic_spaces;
SELECT '91410400ma44l0x1q8'::sv.uscc = '91410400MA44L0X1Q8'::sv.uscc AS same_code;

-- Every kind of invalid input, with its reason.
SELECT ''::sv.uscc;
SELECT '   '::sv.uscc;
SELECT '91410400MA44L0X1Q'::sv.uscc;
SELECT '9'::sv.uscc;
SELECT '91410400MA44L0X1Q88'::sv.uscc;
SELECT '91410400MA44L0I1Q8'::sv.uscc;
SELECT '91410400MA44L0O1Q8'::sv.uscc;
SELECT '9141040OMA44L0X1Q8'::sv.uscc;
SELECT 'S1410400MA44L0X1Q8'::sv.uscc;
SELECT '91410400MA44L0V1Q8'::sv.uscc;
SELECT '91410400MA44L0Z1Q8'::sv.uscc;
SELECT '91410400MA44-0X1Q8'::sv.uscc;
SELECT '91410400MA44 0X1Q8'::sv.uscc;
SELECT '９1410400MA44L0X1Q8'::sv.uscc;
SELECT '91410400MA44L0X1Q８'::sv.uscc;
SELECT 'B1410400MA44L0X1Q8'::sv.uscc;
SELECT '01410400MA44L0X1Q8'::sv.uscc;
SELECT '94410400MA44L0X1Q8'::sv.uscc;
SELECT '29410400MA44L0X1Q8'::sv.uscc;
SELECT 'Y2410400MA44L0X1Q8'::sv.uscc;
SELECT '9141A400MA44L0X1Q8'::sv.uscc;
SELECT '91410400MA44L0X1Q9'::sv.uscc;
SELECT '91410400MA44L0X1QA'::sv.uscc;
SELECT '9144030071526726X0'::sv.uscc;
SELECT E'91410400MA44L0X1Q\x01'::sv.uscc;
-- an early pilot code: legal, but fails the check character (registered below)
SELECT '91350100M0001TGQXM'::sv.uscc;

-- The type rejects bad input inside a table too, and writes nothing.
CREATE TABLE uscc_t (code sv.uscc PRIMARY KEY, name text);
INSERT INTO uscc_t VALUES ('91410400MA44L0X1Q8', 'a'), ('91410400MA44L0X1Q9', 'b');
SELECT count(*) AS rows_after_failed_insert FROM uscc_t;

-- sv.uscc_check: NULL when valid, the reason otherwise; never raises.
SELECT c AS input, sv.uscc_check(c) AS problem
FROM unnest(ARRAY['91410400MA44L0X1Q8', ' 91410400ma44l0x1q8 ', '', '91410400MA44L0X1Q',
                  '91410400MA44L0I1Q8', '94410400MA44L0X1Q8', '9141A400MA44L0X1Q8',
                  '91410400MA44L0X1Q9', '91350100M0001TGQXM']) AS c;
SELECT sv.uscc_check(NULL) AS check_null;

-- sv.uscc_validate: canonical form, problem kind and detail.
SELECT c AS input, (sv.uscc_validate(c)).*
FROM unnest(ARRAY[' 91410400ma44l0x1q8', '91410400MA44L0X1Q', 'I1410400MA44L0X1Q8', 'B1410400MA44L0X1Q8',
                  '94410400MA44L0X1Q8', '9141A400MA44L0X1Q8', '91410400MA44L0X1Q9']) AS c;
SELECT (sv.uscc_validate(NULL)).* ;

-- sv.uscc_check_character: completes 17 characters; its own errors.
SELECT sv.uscc_check_character('91410400MA44L0X1Q') AS q8,
       sv.uscc_check_character('91350100m0001tgqx') AS lower_case,
       sv.uscc_check_character('9144030071526726X') AS g;
SELECT sv.uscc_check_character('91410400MA44L0X1');
SELECT sv.uscc_check_character('91410400MA44L0X1QQ');
SELECT sv.uscc_check_character('91410400MA44L0I1Q');
SELECT sv.uscc_check_character('9141040０MA44L0X1Q');
SELECT sv.uscc_check_character(NULL) AS null_body;

-- Every possible check character value 0..30 is produced by some body, and verifies.
SELECT count(DISTINCT ch) AS distinct_check_characters,
       bool_and(sv.uscc_check(b || ch) IS NULL) AS all_verify
FROM (SELECT b, sv.uscc_check_character(b) AS ch
      FROM (SELECT '9141040' || lpad(i::text, 10, '0') AS b FROM generate_series(1, 400) i) x) y;

-- Any single-character change of a valid code is caught (the weights are all non-zero mod 31).
SELECT count(*) AS single_substitutions,
       count(*) FILTER (WHERE sv.uscc_check(m) IS NULL) AS undetected
FROM (SELECT overlay('91410400MA44L0X1Q8' placing a from p for 1) AS m
      FROM generate_series(3, 18) p,
           unnest(string_to_array('0123456789ABCDEFGHJKLMNPQRTUWXY', NULL)) a
      WHERE substr('91410400MA44L0X1Q8', p, 1) <> a
        AND (p NOT BETWEEN 3 AND 8 OR a ~ '[0-9]')) s;

-- Casts.
SELECT '91410400MA44L0X1Q8'::text::sv.uscc AS from_text, '91410400MA44L0X1Q8'::sv.uscc::text AS to_text,
       pg_typeof('91410400MA44L0X1Q8'::sv.uscc::text) AS text_type,
       ' 91410400ma44l0x1q8'::varchar::sv.uscc AS from_varchar;
SELECT 'bad'::text::sv.uscc;
INSERT INTO uscc_t (code, name) SELECT '91410402170255364H'::text, 'assignment cast from text';
SELECT code, name FROM uscc_t ORDER BY code;
SELECT length(sv.text(code)) AS len, pg_column_size(code) AS stored_bytes FROM uscc_t LIMIT 1;

-- Operators and ordering (byte order of the canonical form).
SELECT a::sv.uscc = b::sv.uscc AS eq, a::sv.uscc <> b::sv.uscc AS ne, a::sv.uscc < b::sv.uscc AS lt,
       a::sv.uscc <= b::sv.uscc AS le, a::sv.uscc > b::sv.uscc AS gt, a::sv.uscc >= b::sv.uscc AS ge,
       sv.uscc_cmp(a::sv.uscc, b::sv.uscc) AS cmp
FROM (VALUES ('91410400MA44L0X1Q8', '91410400MA44L0X1Q8'),
             ('91410400MA44L0X1Q8', '92410422MA3XKP8W17'),
             ('Y14100001234567897', '11410000MB1234567P')) v(a, b);
SELECT c FROM unnest(ARRAY['Y14100001234567897', '11410000MB1234567P', 'N2410422587412365E',
                          '92410422MA3XKP8W17', '91410400MA44L0X1Q8']::sv.uscc[]) c ORDER BY c;
SELECT (SELECT array_agg(c ORDER BY c) FROM unnest(ARRAY['Y14100001234567897', 'N2410422587412365E', '91410400MA44L0X1Q8']::sv.uscc[]) c)::text
     = (SELECT array_agg(c ORDER BY c COLLATE "C") FROM unnest(ARRAY['Y14100001234567897', 'N2410422587412365E', '91410400MA44L0X1Q8']) c)::text
       AS same_order_as_text_in_c;

-- Primary key, btree and hash indexes, hash and merge joins.
INSERT INTO uscc_t (code, name) VALUES ('91410400MA44L0X1Q8', 'duplicate');
INSERT INTO uscc_t (code, name) VALUES (' 91410400ma44l0x1q8 ', 'duplicate after normalisation');
CREATE TABLE uscc_many AS
  SELECT (b || sv.uscc_check_character(b))::sv.uscc AS code, i
  FROM (SELECT '9141040' || lpad(i::text, 10, '0') AS b, i FROM generate_series(1, 2000) i) x;
CREATE INDEX uscc_many_hash ON uscc_many USING hash (code);
CREATE UNIQUE INDEX uscc_many_btree ON uscc_many (code);
ANALYZE uscc_many;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT code AS code_42 FROM uscc_many WHERE i = 42 \gset
EXPLAIN (COSTS OFF) SELECT i FROM uscc_many WHERE code = :'code_42';
SELECT i FROM uscc_many WHERE code = (SELECT code FROM uscc_many WHERE i = 42);
DROP INDEX uscc_many_btree;
EXPLAIN (COSTS OFF) SELECT i FROM uscc_many WHERE code = :'code_42';
SELECT i FROM uscc_many WHERE code = :'code_42';
RESET enable_seqscan;
RESET enable_bitmapscan;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM uscc_many a JOIN uscc_many b USING (code);
SELECT count(*) AS hash_join_rows FROM uscc_many a JOIN uscc_many b USING (code);
RESET enable_mergejoin;
SET enable_hashjoin = off;
SELECT count(*) AS merge_join_rows FROM uscc_many a JOIN uscc_many b USING (code);
RESET enable_hashjoin;
RESET enable_nestloop;
SELECT count(DISTINCT code) AS distinct_codes FROM uscc_many;
SELECT count(*) AS hash_partitions_used
FROM (SELECT DISTINCT sv.uscc_hash(code) % 8 FROM uscc_many) s;
SELECT sv.uscc_hash_extended(code, 0) = sv.uscc_hash_extended(code, 0) AS stable,
       sv.uscc_hash_extended(code, 0) <> sv.uscc_hash_extended(code, 1) AS seeded
FROM uscc_many WHERE i = 1;

-- Hash partitioning by uscc (what a distributed table needs).
CREATE TABLE uscc_part (code sv.uscc PRIMARY KEY) PARTITION BY HASH (code);
CREATE TABLE uscc_part_0 PARTITION OF uscc_part FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE uscc_part_1 PARTITION OF uscc_part FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO uscc_part SELECT code FROM uscc_many;
SELECT count(*) > 800 AND count(*) < 1200 AS balanced FROM uscc_part_0;

-- Binary send/receive: a COPY BINARY round trip, and the wire bytes.
SELECT sv.uscc_send('91410400MA44L0X1Q8') AS wire;
COPY (SELECT code FROM uscc_many ORDER BY i) TO :'bin_file' WITH (FORMAT binary);
CREATE TABLE uscc_copy (code sv.uscc);
COPY uscc_copy FROM :'bin_file' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE code IN (SELECT code FROM uscc_many)) AS matching FROM uscc_copy;
-- receive validates like input: a binary file holding an invalid code is refused
COPY (SELECT '91410400MA44L0X1Q9'::text) TO :'bad_file' WITH (FORMAT binary);
COPY uscc_copy FROM :'bad_file' WITH (FORMAT binary);

-- Text COPY rejects a bad line and loads nothing of the batch.
COPY (SELECT v FROM (VALUES ('91410400MA44L0X1Q8'), ('91410400MA44L0X1Q9')) t(v)) TO :'txt_file';
TRUNCATE uscc_copy;
COPY uscc_copy FROM :'txt_file';
SELECT count(*) AS rows_after_failed_copy FROM uscc_copy;

-- The standard's authority/category table.
SELECT authority, string_agg(category, '' ORDER BY category) AS categories, min(authority_en) AS authority_en
FROM sv.uscc_category GROUP BY authority ORDER BY authority;
SELECT authority || category AS code, category_zh, category_en FROM sv.uscc_category WHERE authority = '9';

-- Registered exceptions: only administrators, only codes that fail the check character alone.
CREATE ROLE regress_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_public LOGIN IN ROLE sv_public;
SET ROLE regress_public;
SELECT count(*) FROM sv.uscc_exception;
RESET ROLE;
SET ROLE regress_officer;
SELECT sv.uscc_register_exception('91350100M0001TGQXM', 'early pilot code');
RESET ROLE;
SET ROLE regress_admin;
SELECT sv.uscc_register_exception(NULL, 'early pilot code');
SELECT sv.uscc_register_exception('91350100M0001TGQXM', NULL);
SELECT sv.uscc_register_exception('91350100M0001TGQXM', '  ab ');
SELECT sv.uscc_register_exception('91410400MA44L0X1Q8', 'valid code');
SELECT sv.uscc_register_exception('91350100M0001TGQX', 'too short');
SELECT sv.uscc_register_exception('94350100M0001TGQXM', 'bad category');
SELECT sv.uscc_register_exception('91350100M0001TGQXM', 'Early pilot code (Fuzhou, 2015); confirmed with the SAMR registry');
SELECT sv.uscc_register_exception(' 91350100m0001tgqxm ', 'again');
RESET ROLE;
SELECT code, reason, registered_by, registered_at <= now() AS timestamped FROM sv.uscc_exception;
-- now accepted by every path, and only that code
SELECT '91350100M0001TGQXM'::sv.uscc AS accepted, sv.uscc_check('91350100m0001tgqxm') AS check_result,
       (sv.uscc_validate('91350100M0001TGQXM')).problem AS problem;
SELECT '91350100M0001TGQXN'::sv.uscc;
SET ROLE regress_officer;
SELECT '91350100M0001TGQXM'::sv.uscc AS accepted_for_officer;
INSERT INTO sv.uscc_exception (code, reason) VALUES ('91350100M0001TGQXN', 'direct write');
DELETE FROM sv.uscc_exception;
RESET ROLE;
-- exceptions roll back with their transaction
BEGIN;
SELECT sv.uscc_register_exception('91410400MA44L0X1Q9', 'temporary');
SELECT '91410400MA44L0X1Q9'::sv.uscc AS visible_in_transaction;
ROLLBACK;
SELECT '91410400MA44L0X1Q9'::sv.uscc;

DROP TABLE uscc_t, uscc_many, uscc_part, uscc_copy;
DROP ROLE regress_admin;
DROP ROLE regress_officer;
DROP ROLE regress_public;
