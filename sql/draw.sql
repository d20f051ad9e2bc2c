-- The double-random draw: ChaCha20 against RFC 8439, the sampler against hand-computed picks,
-- plans, sealing, running, verification, publication and every error.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- RFC 8439 section 2.3.2 (key 00..1f, counter 1, nonce 000000090000004a00000000)
SELECT encode(sv.chacha20_block('\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 1,
                                '\x000000090000004a00000000'), 'hex')
  = '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e'
    'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e' AS rfc8439_2_3_2;
-- RFC 8439 appendix A.1, test vectors 1 and 2 (zero key and nonce, counters 0 and 1)
SELECT encode(sv.chacha20_block(decode(repeat('00', 32), 'hex'), 0, decode(repeat('00', 12), 'hex')), 'hex')
  = '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7'
    'da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586' AS rfc8439_a1_1,
       encode(sv.chacha20_block(decode(repeat('00', 32), 'hex'), 1, decode(repeat('00', 12), 'hex')), 'hex')
  = '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed'
    '29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f' AS rfc8439_a1_2;
-- wrong sizes and NULLs
SELECT sv.chacha20_block('\x00', 0, decode(repeat('00', 12), 'hex'));
SELECT sv.chacha20_block(decode(repeat('00', 32), 'hex'), 0, '\x00');
SELECT sv.chacha20_block(NULL, 0, decode(repeat('00', 12), 'hex')) IS NULL AS strict;

-- The sampler with the zero seed reads the words of the block above: 0xade0b876 mod 10 = 4, so
-- the first pick is candidate 5; then 0x903df1a0 mod 9 = 3, j = 1 + 3 = 4, whose candidate (after
-- the first swap) is 1.
SELECT stratum, pick, candidate, stream_words FROM sv._draw_sample(decode(repeat('00', 32), 'hex'), ARRAY[10], ARRAY[2]);
-- strata in order, an empty stratum, a stratum drawn whole
SELECT stratum, pick, candidate FROM sv._draw_sample(sha256('regress'), ARRAY[3, 0, 4], ARRAY[1, 0, 4]) ORDER BY stratum, pick;
SELECT * FROM sv._draw_sample(sha256('regress'), ARRAY[3], ARRAY[4]);
SELECT * FROM sv._draw_sample(sha256('regress'), ARRAY[3, 4], ARRAY[1]);
SELECT * FROM sv._draw_sample('\x01', ARRAY[3], ARRAY[1]);
SELECT * FROM sv._draw_sample(sha256('regress'), ARRAY[3, NULL], ARRAY[1, 1]);
SELECT * FROM sv._draw_sample(NULL, ARRAY[3], ARRAY[1]);
-- the same seed gives the same picks; another seed others
SELECT (SELECT array_agg(candidate ORDER BY pick) FROM sv._draw_sample(sha256('a'), ARRAY[1000], ARRAY[20]))
     = (SELECT array_agg(candidate ORDER BY pick) FROM sv._draw_sample(sha256('a'), ARRAY[1000], ARRAY[20])) AS same,
       (SELECT array_agg(candidate ORDER BY pick) FROM sv._draw_sample(sha256('a'), ARRAY[1000], ARRAY[20]))
     = (SELECT array_agg(candidate ORDER BY pick) FROM sv._draw_sample(sha256('b'), ARRAY[1000], ARRAY[20])) AS other_seed_same;
-- the seed encoding (docs/draw-protocol.md): a fixed vector
SELECT encode(sv._draw_seed(7, sha256('population'), '\x00112233445566778899aabbccddeeff', '03071219253109'), 'hex') AS seed_vector;

-- Fixtures: market supervision (4) items, a release, 40 subjects in 叶县 and 鲁山县, classes.
CREATE ROLE regress_drw_msa LOGIN IN ROLE sv_officer;
CREATE ROLE regress_drw_health LOGIN IN ROLE sv_officer;
CREATE ROLE regress_drw_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_drw_auditor LOGIN IN ROLE sv_auditor;
SELECT sv.staff_add('regress_drw_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_drw_health', 7, '410400') > 0 AS mapped;
SET ROLE regress_drw_msa;
SELECT sv.catalog_item_save('RGD-MSA-1', 4, '对食品经营活动的监督检查', '双随机抽查', '现场检查', '食品经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'city', 'city') > 0 AS item,
       sv.check_item_save('RGD-MSA-1-C01', 'RGD-MSA-1', 'city', '410400', 4, 'on_site', '进货查验记录', 'general') > 0 AS check_item,
       sv.check_item_save('RGD-MSA-1-C02', 'RGD-MSA-1', 'city', '410400', 4, 'on_site', '食品安全抽样检验', 'general',
                          specialty => 'food_sampling') > 0 AS check_item_needing_a_specialty;
SELECT sv.check_item_save('RGD-MSA-1-C03', 'RGD-MSA-1', 'city', '410400', 4, 'on_site', 'x', 'general', specialty => 'Food');
RESET ROLE;
SELECT sv.catalog_publish('RGD-2026', 'draw test') > 0 AS published;
SELECT inserted FROM sv.ingest('RGD-AMR', 'subject', (
  SELECT jsonb_agg(jsonb_build_object('source_record_id', 'RGD-' || i, 'uscc', b || sv.uscc_check_character(b),
                                      'name', '抽查测试企业' || i, 'region_code', CASE WHEN i <= 30 THEN '410422' ELSE '410423' END,
                                      'industry', CASE WHEN i % 2 = 0 THEN 'F5211' ELSE 'H6210' END) ORDER BY i)
  FROM (SELECT i, '9141042' || CASE WHEN i <= 30 THEN '2' ELSE '3' END || 'MARGD' || lpad(i::text, 4, '0') AS b
        FROM generate_series(1, 40) i) x));
-- classes as credit supervision stores them (no write function yet: see docs/draw.md)
INSERT INTO sv.credit_class (uscc, class, source, assessed_at)
SELECT s.uscc, (ARRAY['A', 'B', 'C', 'D'])[1 + (substr(s.source_record_id, 5)::integer % 4)], 'regress', now()
FROM sv.subject s WHERE s.source_system = 'RGD-AMR' AND substr(s.source_record_id, 5)::integer <= 20;

-- The inspector pool: four market supervision inspectors (two in 叶县, two city-wide), one of
-- the health commission (not in the plan), one whose certificate ends before the period.
SELECT count(sv.inspector_save(c, n, d, r, '2024-01-01', u, 'RGD-ZF', 'RGD-ZF-' || c, sp)) AS inspectors
FROM (VALUES ('豫RGD0001', '抽查甲', 4, '410422', date '2029-12-31', '{}'::text[]),
             ('豫RGD0002', '抽查乙', 4, '410422', date '2029-12-31', '{food_sampling}'),
             ('豫RGD0003', '抽查丙', 4, '410400', date '2029-12-31', '{food_sampling,price}'),
             ('豫RGD0004', '抽查丁', 4, '410400', date '2029-12-31', '{price}'),
             ('豫RGD0009', '卫生戊', 7, '410400', date '2029-12-31', '{food_sampling}'),
             ('豫RGD0008', '过期己', 4, '410400', date '2026-12-10', '{food_sampling}'))
     AS v(c, n, d, r, u, sp);
-- a declared conflict (回避): 豫RGD0001 never inspects RGD-1
SELECT sv.inspector_conflict_declare('豫rgd0001', (SELECT uscc::text FROM sv.subject WHERE source_record_id = 'RGD-1'), '亲属在该企业任职');
SELECT sv.inspector_conflict_declare('豫RGD0001', '91410400MA44L0X1Q9', '亲属在该企业任职');
SELECT sv.inspector_conflict_declare('豫RGD7777', (SELECT uscc::text FROM sv.subject WHERE source_record_id = 'RGD-1'), '亲属在该企业任职');
SELECT sv.inspector_conflict_declare('豫RGD0001', (SELECT uscc::text FROM sv.subject WHERE source_record_id = 'RGD-1'), 'x');
SET ROLE regress_drw_health;
SELECT sv.inspector_conflict_declare('豫RGD0002', (SELECT uscc::text FROM sv.subject WHERE source_record_id = 'RGD-2'), '亲属在该企业任职');
RESET ROLE;

-- A draw's seed includes its plan's id (docs/draw-protocol.md): this file numbers its plans and
-- draws from fixed values, so that its picks and the ids in its messages are the same whichever
-- files ran before it (no file may have used these ids yet).
SELECT (SELECT coalesce(max(id), 0) FROM sv.draw_plan) < 1020 AND (SELECT coalesce(max(id), 0) FROM sv.draw) < 1000 AS ids_free,
       setval('sv.draw_plan_id_seq', 1020) AS plan_base, setval('sv.draw_id_seq', 1000) AS draw_base;

-- Plans: every argument checked.
SET ROLE regress_drw_msa;
SELECT sv.draw_plan_save('x y', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', ' ', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 99, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-21', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '["410422"]', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"], "sql": "true"}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": "410422"}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"kinds": ["enterprise"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410499"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"], "industries": ["Z"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"], "kinds": ["company"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}', team_size => 1);
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}', departments => '{4, 98}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-NONE}', '{"U": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"E": {"ratio": 0.1}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1, "count": 2}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 1.5}}');
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"count": -1}}');
RESET ROLE;
-- another department's officer cannot make market supervision's plan
SET ROLE regress_drw_health;
SELECT sv.draw_plan_save('RGD-P1', 't', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.1}}');
RESET ROLE;
SELECT count(*) AS plans_after_errors FROM sv.draw_plan WHERE code LIKE 'RGD-%';

-- A plan for 叶县: 30 subjects; strata A..D (5 each) by ratio and count, the unclassified 10 by ratio.
SET ROLE regress_drw_msa;
-- (the industries of this file's subjects keep other files' subjects in these counties out)
SELECT sv.draw_plan_save('RGD-P1', '叶县食品经营双随机抽查(测试)', 4, '2026-12-01', '2026-12-20',
  '{"regions": ["410422"], "industries": ["F5211", "H6210"]}', '{RGD-MSA-1-C01}',
  '{"A": {"ratio": 0.1}, "B": {"ratio": 0.21}, "C": {"count": 2}, "D": {"ratio": 1}, "U": {"ratio": 0.25}}') AS plan_id \gset
SELECT code, status, team_size, scope, (SELECT array_agg(department_id) FROM sv.draw_plan_department WHERE plan_id = :plan_id) AS departments
FROM sv.draw_plan WHERE id = :plan_id;
SELECT stratum, ratio, count FROM sv.draw_plan_stratum WHERE plan_id = :plan_id ORDER BY stratum;
-- seal: wrong arguments, then for real (the entropy sources are dated far ahead, so that the
-- test gives the same output on any day until then: a source dated before the seal is refused)
SELECT sv.draw_seal(:plan_id, '\x00', 'lottery;welfare lottery 3D;2099330;2099-11-20;digits=3');
SELECT sv.draw_seal(:plan_id, sha256('regress nonce of sixteen+ bytes'::bytea), 'soon');
SELECT sv.draw_seal(-1, sha256('regress nonce of sixteen+ bytes'::bytea), 'lottery;welfare lottery 3D;2099330;2099-11-20;digits=3');
SELECT sv.draw_run(:plan_id, 'regress nonce of sixteen+ bytes'::bytea, '4 1 7');
SELECT encode(sv.draw_seal(:plan_id, sha256('regress nonce of sixteen+ bytes'::bytea), 'lottery;welfare lottery 3D;2099330;2099-11-20;digits=3'), 'hex') AS sealed_hash \gset
RESET ROLE;
SELECT population_hash = decode(:'sealed_hash', 'hex') AS returned_hash_is_sealed, status, population_size, stratum_sizes,
       sv._draw_counts(id, stratum_sizes) AS counts, length(population) = 21 * population_size AS fixed_lines,
       encode(substring(population FROM 19 FOR 2), 'escape') AS first_line_tail, get_byte(population, 20) = 10 AS newline,
       sha256(population) = population_hash AS hash_of_stored,
       cardinality(regions) = population_size AS a_region_each, regions[1] AS first_region
FROM sv.draw_plan JOIN sv.draw_population ON plan_id = id WHERE id = :plan_id;
-- the population is written once
UPDATE sv.draw_population SET regions = regions WHERE plan_id = :plan_id;
DELETE FROM sv.draw_population WHERE plan_id = :plan_id;
-- the aggregate behind it joins subjects (code, NULL, region) with stored classes (code, class,
-- NULL) and exclusions (code, 'X', NULL): a class of a subject out of scope is passed over, a
-- subject without one is U, an excluded subject is left out; the bytes are the protocol's
-- whatever order the rows come in, parallel or not
CREATE TEMP TABLE drw_codes AS
SELECT n, (b || sv.uscc_check_character(b))::sv.uscc AS c FROM (SELECT n, '91410422MA000000' || n AS b FROM generate_series(1, 4) n) x;
SELECT x.handle > 0 AS handle, x.sizes,
       x.population_hash = sha256(convert_to((SELECT string_agg(c::text || ',' || t || E'\n', '' ORDER BY o)
                                              FROM (VALUES (4, 'A', 1), (1, 'C', 2), (2, 'U', 3)) e(n, t, o) JOIN drw_codes USING (n)), 'UTF8'))
         AS protocol_bytes
FROM (SELECT (b).* FROM (SELECT sv._draw_population(d.c, v.k, v.r) AS b
                         FROM (VALUES (2, NULL, '410422'), (1, 'C', NULL), (3, 'X', NULL), (1, NULL, '410423'),
                                      (4, NULL, '410422'), (3, 'B', NULL), (3, NULL, '410422'), (4, 'A', NULL))
                              v(n, k, r) JOIN drw_codes d USING (n)) y) x;
SELECT sv._draw_population(c, NULL, NULL) FROM drw_codes WHERE n = 1;
SELECT sv._draw_population(c, 'A', '410422') FROM drw_codes WHERE n = 1;
SELECT sv._draw_population(c, 'E', NULL) FROM drw_codes WHERE n = 1;
SELECT sv._draw_population(c, NULL, '41042x') FROM drw_codes WHERE n = 1;
SELECT sv._draw_population(c, NULL, '410422') FROM drw_codes, generate_series(1, 2) WHERE n = 1;
SELECT sv._draw_population(c, k, NULL) FROM drw_codes, unnest(ARRAY['A', 'B']) k WHERE n = 1;
SELECT sv._draw_population(c, k, NULL) FROM drw_codes, unnest(ARRAY['X', 'X']) k WHERE n = 1;
-- in parallel (the workers' runs sorted, delta-encoded, merged by the leader) it builds the
-- same bytes as in one process: 6,000 subjects, 5,000 classes and 300 exclusions in random
-- order in a plain table
CREATE TABLE public.drw_rows AS
SELECT c, k, r FROM (
  SELECT (b || sv.uscc_check_character(b))::sv.uscc AS c, n FROM (SELECT n, '91410422MA' || lpad(to_hex(n * 7919 % 1000003), 7, '0') AS b
                                                        FROM generate_series(1, 6000) n) x) y,
  LATERAL (VALUES (NULL, (ARRAY['410422', '410423'])[1 + n % 2]), ((ARRAY['A', 'B', 'C', 'D'])[1 + n % 4], NULL), ('X', NULL)) v(k, r)
WHERE r IS NOT NULL OR (k <> 'X' AND n % 6 <> 0) OR (k = 'X' AND n % 20 = 0)
ORDER BY md5(c::text || coalesce(k, r));
ANALYZE public.drw_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT sv._draw_population(c, k, r) FROM public.drw_rows;
CREATE TEMP TABLE drw_parallel AS SELECT (sv._draw_population(c, k, r)).* FROM public.drw_rows;
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE drw_serial AS SELECT (sv._draw_population(c, k, r)).* FROM public.drw_rows;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
SELECT p.sizes, p.sizes = s.sizes AND p.population_hash = s.population_hash AS same_bytes,
       p.population_hash = (SELECT sha256(convert_to(string_agg(x.c::text || ',' || x.t || E'\n', '' ORDER BY x.t, x.c::text COLLATE "C"), 'UTF8'))
                            FROM (SELECT d.c, coalesce(max(d.k) FILTER (WHERE d.k <> 'X'), 'U') AS t
                                  FROM public.drw_rows d GROUP BY d.c
                                  HAVING count(d.r) = 1 AND count(*) FILTER (WHERE d.k = 'X') = 0) x) AS as_sql_computes_it
FROM drw_parallel p, drw_serial s;
DROP TABLE public.drw_rows, drw_parallel, drw_serial;
-- verification counts the strata in the stored bytes, and refuses bytes that are not lines
SELECT sv._draw_population_sizes(convert_to('91410422MA00000019,A' || E'\n' || '91410422MA0000002X,U' || E'\n', 'UTF8')) AS sizes,
       sv._draw_population_sizes(convert_to('91410422MA00000019,E' || E'\n', 'UTF8')) IS NULL AS bad_stratum,
       sv._draw_population_sizes('\x00'::bytea) IS NULL AS not_lines;
-- what it built is stored only under its handle, and only in the transaction that built it
SELECT (sv._draw_population(c, NULL, '410422')).handle AS built_handle FROM drw_codes \gset
SELECT sv._draw_population_store(:plan_id, :built_handle);
DROP TABLE drw_codes;
SELECT sv._draw_population_store(:plan_id, -1);
SELECT sv._draw_population_store(:plan_id, NULL);
SET ROLE regress_drw_msa;
-- sealed: no change, no second seal
SELECT sv.draw_plan_save('RGD-P1', 'changed', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}', '{RGD-MSA-1-C01}', '{"U": {"ratio": 0.5}}');
SELECT sv.draw_seal(:plan_id, sha256('another nonce 0123456789'::bytea), 'lottery;welfare lottery 3D;2099331;2099-11-21;digits=3');
-- run: wrong nonce, short nonce, empty entropy, then for real
SELECT sv.draw_run(:plan_id, 'not the sealed nonce!!'::bytea, '417');
SELECT sv.draw_run(:plan_id, 'short'::bytea, '4 1 7');
SELECT sv.draw_run(:plan_id, 'regress nonce of sixteen+ bytes'::bytea, ' ');
SELECT sv.draw_run(:plan_id, 'regress nonce of sixteen+ bytes'::bytea, '417') AS draw_id \gset
SELECT sv.draw_run(:plan_id, 'regress nonce of sixteen+ bytes'::bytea, '417');
RESET ROLE;
-- the counts follow the rules; every drawn subject is in scope and in its stratum
SELECT r.stratum, count(*) AS drawn FROM sv.draw_result r WHERE r.draw_id = :draw_id GROUP BY 1 ORDER BY 1;
SELECT count(*) FILTER (WHERE s.region_code <> '410422') AS outside_scope,
       count(*) FILTER (WHERE coalesce(k.class, 'U') <> r.stratum) AS wrong_stratum
FROM sv.draw_result r JOIN sv.subject s ON s.uscc = r.uscc LEFT JOIN sv.credit_class k ON k.uscc = r.uscc
WHERE r.draw_id = :draw_id;
-- the known output of this fixed draw (the TAP test checks it with the independent verifier)
SELECT r.stratum, r.position, s.source_record_id FROM sv.draw_result r JOIN sv.subject s ON s.uscc = r.uscc
WHERE r.draw_id = :draw_id ORDER BY r.stratum, r.position;
-- teams of two from the four eligible inspectors (not the health one, not the expired one),
-- the conflict kept, the workload even
SELECT t.certificate_no, count(*) AS assignments FROM sv.draw_team t WHERE t.draw_id = :draw_id GROUP BY 1 ORDER BY 1;
SELECT count(*) AS conflicts_broken FROM sv.draw_team t JOIN sv.subject s ON s.uscc = t.uscc
WHERE t.draw_id = :draw_id AND s.source_record_id = 'RGD-1' AND t.certificate_no = '豫RGD0001';
SELECT count(*) FILTER (WHERE n <> 2) AS teams_not_of_two FROM (SELECT uscc, count(*) AS n FROM sv.draw_team WHERE draw_id = :draw_id GROUP BY uscc) x;
SELECT * FROM sv.draw_verify_detail(:draw_id) WHERE step <> 'seed';
SELECT sv.draw_verify(:draw_id) AS verified;
SELECT sv.draw_verify(-1);
-- a draw is append-only, even for its owner
DELETE FROM sv.draw_result WHERE draw_id = :draw_id;
UPDATE sv.draw SET entropy = 'x' WHERE id = :draw_id;
-- a superuser who changes the population or a region behind the functions (past the
-- append-only triggers) is caught
BEGIN;
CALL sv._append_only_enforce(false);   -- the guards fire ALWAYS: put back in origin mode first
SET LOCAL session_replication_role = replica;
UPDATE sv.draw_population SET population = overlay(population PLACING 'X'::bytea FROM 1 FOR 1) WHERE plan_id = :plan_id;
SELECT step, ok FROM sv.draw_verify_detail(:draw_id);
ROLLBACK;
BEGIN;
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
UPDATE sv.draw_population SET regions = array_fill(410423, ARRAY[cardinality(regions)]) WHERE plan_id = :plan_id;
SELECT step, ok, detail FROM sv.draw_verify_detail(:draw_id) WHERE step = 'subject_regions';
ROLLBACK;

-- what the public sees: hashes, commitment, nonce, entropy, the drawn subjects; no classes
SET ROLE regress_drw_public;
SELECT plan_code, departments, status, population_size, population_sha256 IS NOT NULL AS hash, length(commitment) AS commitment_hex,
       entropy_source, nonce = encode('regress nonce of sixteen+ bytes'::bytea, 'hex') AS nonce_revealed, entropy, subjects_drawn
FROM sv_public.draw WHERE plan_code = 'RGD-P1';
SELECT count(*) AS drawn, count(DISTINCT uscc) AS distinct_subjects FROM sv_public.draw_result WHERE plan_code = 'RGD-P1';
SELECT sv.draw_verify(:draw_id) AS public_verifies;
SELECT sv.draw_export(:draw_id);
SELECT count(*) FROM sv.credit_class;
RESET ROLE;
SET ROLE regress_drw_auditor;
SELECT e ->> 'protocol' AS protocol, e ->> 'plan_code' AS plan, e -> 'stratum_sizes' AS sizes, e -> 'rules' AS rules,
       jsonb_array_length(e -> 'selected') AS selected, (e ->> 'stream_words')::int >= jsonb_array_length(e -> 'selected') AS words
FROM (SELECT sv.draw_export(:draw_id) AS e) x;
RESET ROLE;
SELECT object_kind, action, change ->> 'plan' AS plan, change -> 'counts' AS counts, change ->> 'population_size' AS population
FROM sv.audit_log WHERE object_kind IN ('draw_plan', 'draw') AND (object_id = 'RGD-P1' OR change ->> 'plan' = 'RGD-P1') ORDER BY seq;

-- The annual cap (国办发〔2024〕54号): a subject already inspected this year by the department is
-- left out of the next plan of that year, with the reason.  The inspection is on fixed dates in
-- 2026, against a copy of the release backdated (as the superuser) to before them, so that the
-- test gives the same output on any later day.
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RGD-2026-11', 'regress: backdated', '2026-11-01 10:00+08', 'regress', 1, 1) RETURNING id AS rel_back \gset
INSERT INTO sv.catalog_release_item
SELECT :rel_back, kind, code, item FROM sv.catalog_release_item
WHERE release_id = (SELECT id FROM sv.catalog_release WHERE label = 'RGD-2026') AND code IN ('RGD-MSA-1', 'RGD-MSA-1-C01');
SELECT inserted FROM sv.ingest('RGD-ZF', 'action', jsonb_build_array(jsonb_build_object(
  'source_record_id', 'RGD-A1', 'uscc', (SELECT uscc::text FROM sv.subject WHERE source_record_id = 'RGD-32'),
  'kind', 'inspection', 'check_item', 'RGD-MSA-1-C01', 'department', '4', 'started_on', '2026-11-02', 'ended_on', '2026-11-03',
  'inspectors', jsonb_build_array('豫RGD0001', '豫RGD0002'), 'result', 'no_problem')));
SET ROLE regress_drw_msa;
SELECT sv.draw_plan_save('RGD-P2', '鲁山县抽查(测试)', 4, '2026-12-01', '2026-12-09', '{"regions": ["410423"], "industries": ["F"]}',
  '{RGD-MSA-1-C01}', '{"U": {"ratio": 1}}') AS plan2 \gset
SELECT sv.draw_seal(:plan2, sha256('second regress nonce 0123'::bytea), 'lottery;welfare lottery 3D;2099331;2099-11-21;digits=3') IS NOT NULL AS sealed;
RESET ROLE;
SELECT population_size, stratum_sizes FROM sv.draw_plan WHERE id = :plan2;
-- only RGD-32 (food retail F5211, inspected in November) is left out; RGD-31 (H6210) was never in scope
SELECT s.source_record_id, e.reason
FROM sv.draw_exclusion e JOIN sv.subject s ON s.uscc = e.uscc WHERE e.plan_id = :plan2;

-- Cross-area (所所交叉): for 叶县 subjects only the two city-wide inspectors are eligible.
SET ROLE regress_drw_msa;
SELECT sv.draw_plan_save('RGD-P3', '叶县交叉检查(测试)', 4, '2026-12-01', '2026-12-09', '{"regions": ["410422"], "industries": ["F5211", "H6210"]}',
  '{RGD-MSA-1-C01}', '{"U": {"count": 4}}', cross_area => true) AS plan3 \gset
SELECT sv.draw_seal(:plan3, sha256('third regress nonce 0123'::bytea), 'lottery;welfare lottery 3D;2099332;2099-11-22;digits=3') IS NOT NULL AS sealed;
SELECT sv.draw_run(:plan3, 'third regress nonce 0123'::bytea, '990') > 0 AS drawn;
RESET ROLE;
SELECT t.certificate_no, count(*) AS assignments FROM sv.draw_team t JOIN sv.draw d ON d.id = t.draw_id
WHERE d.plan_id = :plan3 GROUP BY 1 ORDER BY 1;
-- A check item that needs a specialty: only inspectors holding it are in the pool (0002 and
-- 0003 here; 0008's certificate ends before the period, 0009 is of another department).
SET ROLE regress_drw_msa;
SELECT sv.draw_plan_save('RGD-P5', '食品抽样检验(测试)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410423"], "industries": ["F5211", "H6210"]}',
  '{RGD-MSA-1-C02}', '{"U": {"count": 3}}') AS plan5 \gset
SELECT sv.draw_seal(:plan5, sha256('fifth regress nonce 0123'::bytea), 'lottery;welfare lottery 3D;2099334;2099-11-24;digits=3') IS NOT NULL AS sealed;
SELECT sv.draw_run(:plan5, 'fifth regress nonce 0123'::bytea, '222') > 0 AS drawn;
RESET ROLE;
SELECT to_jsonb(d.pool_certificates) AS pool,
       (SELECT array_agg(DISTINCT t.certificate_no) FROM sv.draw_team t WHERE t.draw_id = d.id) AS in_teams
FROM sv.draw d WHERE d.plan_id = :plan5;

-- Recusal (回避) after the draw: the replacement comes from the draw's stream.  In RGD-P3 the
-- 叶县 subjects have three eligible inspectors (0003, 0004, 0008); a team holds two, so the
-- first recusal is replaced by the third and a second recusal in that team finds nobody.
SELECT d.id AS draw3, (SELECT r.uscc::text FROM sv.draw_result r WHERE r.draw_id = d.id ORDER BY r.stratum, r."position" LIMIT 1) AS subject3
FROM sv.draw d WHERE d.plan_id = :plan3 \gset
SELECT t.slot, t.certificate_no FROM sv.draw_team t WHERE t.draw_id = :draw3 AND t.uscc = :'subject3' ORDER BY t.slot;
SELECT certificate_no AS leaving FROM sv.draw_team WHERE draw_id = :draw3 AND uscc = :'subject3' AND slot = 1 \gset
SET ROLE regress_drw_msa;
SELECT sv.draw_recuse(:draw3, :'subject3', :'leaving', 'enterprise', '与企业负责人系近亲属');
SELECT sv.draw_recuse(:draw3, :'subject3', :'leaving', 'inspector', 'x');
SELECT sv.draw_recuse(:draw3, :'subject3', '豫RGD0001', 'inspector', '与企业负责人系近亲属');
SELECT sv.draw_recuse(-1, :'subject3', :'leaving', 'inspector', '与企业负责人系近亲属');
SELECT sv.draw_recuse(:draw3, '91410400MA44L0X1Q9', :'leaving', 'inspector', '与企业负责人系近亲属');
SELECT sv.draw_recuse(:draw3, :'subject3', :'leaving', NULL, '与企业负责人系近亲属');
SELECT sv.draw_recuse(:draw3, :'subject3', :'leaving', 'inspector', '与企业负责人系近亲属') AS replacement;
RESET ROLE;
SELECT seq, slot, certificate_no = :'leaving' AS left_slot_1, replacement, requested_by, stream_to >= stream_from AS stream_ok
FROM sv.draw_recusal WHERE draw_id = :draw3;
SET ROLE regress_drw_msa;
-- the new member cannot leave for a second replacement: every eligible inspector is used
SELECT sv.draw_recuse(:draw3, :'subject3', (SELECT replacement FROM sv.draw_recusal WHERE draw_id = :draw3 AND seq = 1), 'subject', '企业申请回避');
RESET ROLE;
SELECT team FROM sv_work.draw_task WHERE draw_id = :draw3 AND uscc = :'subject3';
SELECT step, ok FROM sv.draw_verify_detail(:draw3);

-- A redraw is a new plan approved by an administrator with a reason; the first stays visible.
CREATE ROLE regress_drw_admin LOGIN IN ROLE sv_admin;
SELECT sv.staff_add('regress_drw_admin', 1, '410400') > 0 AS mapped;
SET ROLE regress_drw_msa;
SELECT sv.draw_redraw(:plan3, 'RGD-P3-R1', '检查期间调整,经批准重新抽取');
RESET ROLE;
SET ROLE regress_drw_admin;
SELECT sv.draw_redraw(:plan3, 'RGD-P3-R1', 'x');
SELECT sv.draw_redraw(:plan3, 'bad code', '检查期间调整,经批准重新抽取');
SELECT sv.draw_redraw(:plan3, 'RGD-P1', '检查期间调整,经批准重新抽取');
SELECT sv.draw_redraw(NULL, 'RGD-P3-R1', '检查期间调整,经批准重新抽取');
SELECT sv.draw_redraw(:plan2, 'RGD-P2-R1', '检查期间调整,经批准重新抽取');
SELECT sv.draw_redraw(:plan3, 'RGD-P3-R1', '检查期间调整,经批准重新抽取') > 0 AS redrawn;
SELECT sv.draw_redraw(:plan3, 'RGD-P3-R2', '检查期间调整,经批准重新抽取');
RESET ROLE;
SELECT code, status, redraw_reason, redraw_approved_by, (SELECT code FROM sv.draw_plan o WHERE o.id = p.redraw_of) AS redraw_of
FROM sv.draw_plan p WHERE code = 'RGD-P3-R1';
SET ROLE regress_drw_public;
SELECT plan_code, status, redraw_of, redrawn_as, redraw_reason FROM sv_public.draw WHERE plan_code IN ('RGD-P3', 'RGD-P3-R1') ORDER BY plan_code;
RESET ROLE;

-- Teams of six from five eligible inspectors: the run fails naming the subjects it cannot
-- staff; nothing is drawn.
SET ROLE regress_drw_msa;
SELECT sv.draw_plan_save('RGD-P4', '人数不足(测试)', 4, '2026-12-01', '2026-12-09', '{"regions": ["410422"], "industries": ["F5211", "H6210"]}',
  '{RGD-MSA-1-C01}', '{"U": {"count": 2}}', team_size => 6) AS plan4 \gset
SELECT sv.draw_seal(:plan4, sha256('fourth regress nonce 0123'::bytea), 'lottery;welfare lottery 3D;2099333;2099-11-23;digits=3') IS NOT NULL AS sealed;
SELECT sv.draw_run(:plan4, 'fourth regress nonce 0123'::bytea, '111');
RESET ROLE;
SELECT status, (SELECT count(*) FROM sv.draw d WHERE d.plan_id = p.id) AS draws FROM sv.draw_plan p WHERE p.id = :plan4;
-- it cannot stay sealed and unrun: it is cancelled in public, with the reason (draw_governance)
SET ROLE regress_drw_msa;
SELECT sv.draw_plan_cancel(:plan4, '执法人员不足,无法组成六人检查组');
RESET ROLE;

-- Clean up what later tests would see (the plans and draws are append-only and stay; the
-- backdated release, not written by sv.catalog_publish, goes: sv.catalog_release_verify).
CALL sv._append_only_enforce(false);
SET session_replication_role = replica;
DELETE FROM sv.catalog_release_item WHERE release_id = :rel_back;
DELETE FROM sv.catalog_release WHERE id = :rel_back;
DELETE FROM sv.inspector_conflict WHERE certificate_no LIKE '豫RGD%';
DELETE FROM sv.action WHERE source_system = 'RGD-ZF';
DELETE FROM sv.credit_class WHERE source = 'regress';
DELETE FROM sv.subject WHERE source_system = 'RGD-AMR';
DELETE FROM sv.inspector WHERE source_system = 'RGD-ZF';
SET session_replication_role = DEFAULT;
CALL sv._append_only_enforce();
SELECT (SELECT count(*) FROM sv.subject WHERE source_system = 'RGD-AMR') AS subjects_left,
       (SELECT count(*) FROM sv.inspector WHERE source_system = 'RGD-ZF') AS inspectors_left;

-- A scope nobody is in seals an empty population (drawn: nobody), verifiably
SET ROLE regress_drw_msa;
SELECT sv.draw_plan_save('RGD-P9', '空范围(测试)', 4, '2026-12-01', '2026-12-09', '{"regions": ["410422"], "industries": ["T"]}',
  '{RGD-MSA-1-C01}', '{"U": {"ratio": 1}}') AS plan0 \gset
SELECT sv.draw_seal(:plan0, sha256('empty regress nonce 0123'::bytea), 'lottery;welfare lottery 3D;2099332;2099-11-22;digits=3') = sha256('') AS hash_of_nothing;
SELECT sv.draw_run(:plan0, 'empty regress nonce 0123'::bytea, '000') AS draw0 \gset
RESET ROLE;
SELECT p.population_size, p.stratum_sizes, length(x.population) AS bytes, x.regions = '{}' AS no_regions,
       (SELECT count(*) FROM sv.draw_result r WHERE r.draw_id = :draw0) AS drawn, sv.draw_verify(:draw0) AS verified
FROM sv.draw_plan p JOIN sv.draw_population x ON x.plan_id = p.id WHERE p.id = :plan0;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN ('regress_drw_msa', 'regress_drw_health', 'regress_drw_public', 'regress_drw_auditor', 'regress_drw_admin');
SET session_replication_role = DEFAULT;
DROP ROLE regress_drw_msa, regress_drw_health, regress_drw_public, regress_drw_auditor, regress_drw_admin;
