-- The draw's commit-reveal leaves the operator no choice (issue 13): the entropy source is
-- sealed with its one canonical form and its date, the team inputs (inspector pool, exclusion
-- pairs, subjects' regions) are frozen under the seal's hash, verification cross-checks the
-- audit chain.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- Fixtures: an officer of market supervision (4), a check item in a published release, 12
-- subjects in 叶县, three inspectors (one in 叶县, two city-wide), one conflict declared before
-- the seal.
CREATE ROLE regress_cmt_msa LOGIN IN ROLE sv_officer;
CREATE ROLE regress_cmt_auditor LOGIN IN ROLE sv_auditor;
SELECT sv.staff_add('regress_cmt_msa', 4, '410400') > 0 AS mapped;
SET ROLE regress_cmt_msa;
SELECT sv.catalog_item_save('CMT-MSA-1', 4, '对食品经营活动的监督检查', '双随机抽查', '现场检查', '食品经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'city', 'city') > 0 AS item,
       sv.check_item_save('CMT-MSA-1-C01', 'CMT-MSA-1', 'city', '410400', 4, 'on_site', '进货查验记录', 'general') > 0 AS check_item;
RESET ROLE;
SELECT sv.catalog_publish('CMT-2026', 'draw commit test') > 0 AS published;
SELECT inserted FROM sv.ingest('CMT-AMR', 'subject', (
  SELECT jsonb_agg(jsonb_build_object('source_record_id', 'CMT-' || i, 'uscc', b || sv.uscc_check_character(b),
                                      'name', '承诺测试企业' || i, 'region_code', '410422', 'industry', 'F5211') ORDER BY i)
  FROM (SELECT i, '91410422MACMT' || lpad(i::text, 4, '0') AS b FROM generate_series(1, 12) i) x));
SELECT count(sv.inspector_save(c, n, 4, r, '2024-01-01', '2029-12-31', 'CMT-ZF', 'CMT-ZF-' || c)) AS inspectors
FROM (VALUES ('豫CMT0001', '承诺甲', '410422'), ('豫CMT0002', '承诺乙', '410400'), ('豫CMT0003', '承诺丙', '410400')) v(c, n, r);
SELECT sv.inspector_conflict_declare('豫CMT0002', (SELECT uscc::text FROM sv.subject WHERE source_record_id = 'CMT-1'), '近亲属在该企业任职');

-- 1. The entropy source: one documented grammar per kind, checked at the seal.
SET ROLE regress_cmt_msa;
-- (the industry of this file's subjects keeps other files' subjects in 叶县 out)
SELECT sv.draw_plan_save('CMT-P1', '承诺测试(抽取全部)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"], "industries": ["F5211"]}',
  '{CMT-MSA-1-C01}', '{"U": {"ratio": 1}}', team_size => 2) AS plan1 \gset
SELECT set_config('cmt.plan1', :'plan1', false) IS NOT NULL AS noted;
-- free text, a missing part, a variant spelling of the kind, spaces around the name, a lottery
-- with a hex form, a hash of too few digits, digits with a leading zero: refused (22023)
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), '中国福利彩票3D 第2099001期开奖号码');
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), 'lottery;福彩3D;2099001;digits=3');
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), 'Lottery;福彩3D;2099001;2099-01-01;digits=3');
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), 'lottery; 福彩3D;2099001;2099-01-01;digits=3');
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), 'lottery;福彩3D;2099001;2099-01-01;hex=3');
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), 'hash;audit head;1;2099-01-01;hex=8');
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), 'lottery;福彩3D;2099001;2099-01-01;digits=03');
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), NULL);
-- a date that is not a date (22008), a source dated on or before the day of the seal (22023)
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), 'lottery;福彩3D;2099001;2099-02-30;digits=3');
DO $$
BEGIN
  PERFORM sv.draw_seal(current_setting('cmt.plan1')::bigint, sha256('commit test nonce 0123456789'::bytea),
                       format('lottery;福彩3D;2099001;%s;digits=3', sv.local_date(now())));
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'dated the day of the seal: % %', SQLSTATE, SQLERRM ~ '^entropy_source: the source is dated .*, not after the day of the seal';
END
$$;
DO $$
BEGIN
  PERFORM sv.draw_seal(current_setting('cmt.plan1')::bigint, sha256('commit test nonce 0123456789'::bytea),
                       format('lottery;福彩3D;2099001;%s;digits=3', sv.local_date(now()) - 1));
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'dated before the seal: % %', SQLSTATE, SQLERRM ~ '^entropy_source: the source is dated';
END
$$;
SELECT status FROM sv.draw_plan WHERE id = :plan1;
-- the canonical form, dated after the seal (far ahead: the same output on any day until then)
SELECT sv.draw_seal(:plan1, sha256('commit test nonce 0123456789'::bytea), 'lottery;中国福利彩票3D;2099001;2099-01-01;digits=3') IS NOT NULL AS sealed;
RESET ROLE;
SELECT status, entropy_source, length(seal_hash) AS seal_hash_bytes FROM sv.draw_plan WHERE id = :plan1;
SELECT change ->> 'entropy_source' AS entropy_source, change ->> 'seal_sha256' = encode(p.seal_hash, 'hex') AS seal_hash_in_chain,
       change ->> 'pool' AS pool, change ->> 'exclusion_pairs' AS exclusion_pairs
FROM sv.audit_log a JOIN sv.draw_plan p ON p.code = a.object_id
WHERE a.object_kind = 'draw_plan' AND a.action = 'seal' AND p.id = :plan1;

-- 2. The team inputs are frozen at the seal: the pool and the exclusion pairs of the candidates
-- (the conflict declared before the seal is there, as inspector number 2 of the pool).
SELECT pool_certificates, pool_departments, pool_regions, excluded_uscc = ARRAY[(SELECT uscc::text FROM sv.subject WHERE source_record_id = 'CMT-1')] AS conflict_subject,
       excluded_inspectors
FROM sv.draw_team_input WHERE plan_id = :plan1;
-- after the seal conflicts are declared between CMT-2 and two of the three inspectors, and an
-- inspector joins market supervision: none of it changes the draw (with the conflicts read at
-- the run, CMT-2 could not be given a team of two; the new inspector would change the teams)
SELECT sv.inspector_conflict_declare(c, (SELECT uscc::text FROM sv.subject WHERE source_record_id = 'CMT-2'), '封存后申报的利害关系')
FROM unnest(ARRAY['豫CMT0002', '豫CMT0003']) c;
SELECT sv.inspector_save('豫CMT0004', '承诺丁', 4, '410400', '2024-01-01', '2029-12-31', 'CMT-ZF', 'CMT-ZF-豫CMT0004') IS NOT NULL AS added;
-- and the sealed inputs are append-only
UPDATE sv.draw_team_input SET excluded_uscc = '{}', excluded_inspectors = '{}' WHERE plan_id = :plan1;
DELETE FROM sv.draw_team_input WHERE plan_id = :plan1;

-- 3. The run accepts exactly one spelling of the result.  85 spellings of the lottery's 4 1 7
-- tried in subtransactions (as an officer grinding for a favourable draw): only '417' is
-- accepted, every other one is refused (22023) before anything is drawn.
SET ROLE regress_cmt_msa;
CREATE TEMP TABLE cmt_spellings AS
SELECT DISTINCT s FROM (
  SELECT format(f, '4', '1', '7') AS s
  FROM unnest(ARRAY['%s%s%s', '%s %s %s', '%s,%s,%s', '%s-%s-%s', ' %s%s%s', '%s%s%s ', '0%s%s%s', '%s%s%s0', '%s  %s  %s',
                    '%s;%s;%s', '%s.%s.%s', '%s/%s/%s', '%s|%s|%s', E'%s\t%s\t%s', '[%s,%s,%s]', '(%s %s %s)', '%s%s%s.',
                    '3D:%s%s%s', '3D %s%s%s', '3D 2099001: %s %s %s', '2099001 %s%s%s', '第2099001期 %s%s%s', '%s、%s、%s',
                    '%s，%s，%s', '%s %s%s', '%s%s %s', '+%s%s%s', '%s%s%s\n', '0x%s%s%s', '%s_%s_%s', '%s:%s:%s', '4%s%s%s'])
       AS f
  UNION ALL
  SELECT translate(v, '0123456789', '０１２３４５６７８９') FROM (VALUES ('417'), ('4 1 7'), ('4,1,7')) x(v)  -- full-width digits
  UNION ALL
  SELECT translate(v, '0123456789', '٠١٢٣٤٥٦٧٨٩') FROM (VALUES ('417'), ('4 1 7')) x(v)                     -- Arabic-Indic digits
  UNION ALL
  SELECT '4' || sep || '1' || sep || '7' FROM unnest(ARRAY[E'\u00a0', E'\u3000', E'\u200b', E'\u2009', E'\u202f', E'\n', E'\r\n',
                                                           '·', '*', '#', '~', '=', '&', '^', '%', '$', '@', '!', '?', '"', '''', '`',
                                                           '<', '>', '{', '}', ' , ', ' - ', '--', '..', '　', '‐', '–', '—']) sep
  UNION ALL
  SELECT v FROM (VALUES ('4'), ('41'), ('4170'), ('0417'), ('00417'), ('417417'), ('４17'), ('4１7'), ('41７')) x(v)
  UNION ALL
  SELECT 'four one seven' UNION ALL SELECT '肆壹柒' UNION ALL SELECT '四一七' UNION ALL SELECT 'IV I VII' UNION ALL SELECT 'FOUR-ONE-SEVEN'
  UNION ALL SELECT '4 1 7 + 0' UNION ALL SELECT '417 (3D)' UNION ALL SELECT 'result: 417'
) x;
SELECT count(*) AS spellings FROM cmt_spellings;
CREATE TEMP TABLE cmt_tried (spelling text, outcome text);
DO $$
DECLARE
  v text;
BEGIN
  FOR v IN SELECT s FROM cmt_spellings ORDER BY s LOOP
    BEGIN
      PERFORM sv.draw_run(current_setting('cmt.plan1')::bigint, 'commit test nonce 0123456789'::bytea, v);
      INSERT INTO cmt_tried VALUES (v, 'drawn');
      RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'roll back';   -- as the grinding officer did
    EXCEPTION WHEN OTHERS THEN
      IF SQLERRM = 'roll back' THEN
        INSERT INTO cmt_tried VALUES (v, 'drawn');
      ELSE
        INSERT INTO cmt_tried VALUES (v, SQLSTATE || CASE WHEN SQLERRM ~ '^entropy must be the value of the sealed source' THEN ' entropy' ELSE ' ' || SQLERRM END);
      END IF;
    END;
  END LOOP;
END
$$;
SELECT outcome, count(*) AS spellings, CASE WHEN count(*) < 3 THEN string_agg(spelling, ' | ') END AS which FROM cmt_tried GROUP BY 1 ORDER BY 1;
-- the message names the field and the one form it accepts
SELECT sv.draw_run(:plan1, 'commit test nonce 0123456789'::bytea, '4 1 7');
SELECT sv.draw_run(:plan1, 'commit test nonce 0123456789'::bytea, NULL);
SELECT sv.draw_run(:plan1, 'commit test nonce 0123456789'::bytea, '417') AS draw1 \gset
RESET ROLE;
-- the draw used the inputs as sealed: the late conflicts and the late inspector are not in it;
-- CMT-2 has a team of two, and recusal (in public, audited) is the way out
SELECT d.pool_certificates, cardinality(d.excluded_subjects) AS exclusion_pairs,
       (SELECT count(*) FROM sv.draw_result r WHERE r.draw_id = d.id) AS drawn
FROM sv.draw d WHERE d.id = :draw1;
SELECT count(*) AS team_places_of_cmt_2 FROM sv.draw_team t JOIN sv.subject s ON s.uscc = t.uscc
WHERE t.draw_id = :draw1 AND s.source_record_id = 'CMT-2';
SELECT step, ok, CASE WHEN step <> 'teams' THEN detail END AS detail   -- (the stream words depend on the plan's id)
FROM sv.draw_verify_detail(:draw1) WHERE step IN ('seal', 'entropy', 'team_inputs', 'teams', 'audit_run', 'audit_recusals');
SELECT sv.draw_verify(:draw1) AS verified;

-- A hash kind (e.g. a later audit head, a notary's value): lower-case hexadecimal of the
-- sealed length, nothing else.
SET ROLE regress_cmt_msa;
SELECT sv.draw_plan_save('CMT-P2', '承诺测试(哈希熵源)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{CMT-MSA-1-C01}', '{"U": {"count": 4}}', team_size => 2) AS plan2 \gset
SELECT sv.draw_seal(:plan2, sha256('second commit nonce 0123456789'::bytea), 'hash;平顶山公证处随机数;N-2099-0002;2099-01-02;hex=64') IS NOT NULL AS sealed;
SELECT sv.draw_run(:plan2, 'second commit nonce 0123456789'::bytea, upper(encode(sha256('notary'), 'hex')));
SELECT sv.draw_run(:plan2, 'second commit nonce 0123456789'::bytea, '0x' || encode(sha256('notary'), 'hex'));
SELECT sv.draw_run(:plan2, 'second commit nonce 0123456789'::bytea, encode(sha256('notary'), 'hex')) AS draw2 \gset
RESET ROLE;
SELECT entropy = encode(sha256('notary'), 'hex') AS canonical, sv.draw_verify(id) AS verified FROM sv.draw WHERE id = :draw2;

-- The export: the sealed inputs, regions as 6-character strings in the pool and the subjects
-- alike, the teams as drawn (before recusals) under a name that says so.
SET ROLE regress_cmt_auditor;
SELECT e ->> 'protocol' AS protocol, e ->> 'entropy_source' AS entropy_source, length(e ->> 'seal_sha256') AS seal_hex,
       length(e ->> 'regions_sha256') AS regions_hex, e -> 'sealed_exclusions' -> 0 -> 1 AS sealed_pair_inspector,
       jsonb_typeof(e -> 'subject_regions' -> 0) AS subject_region_type, e -> 'subject_regions' -> 0 AS subject_region,
       jsonb_typeof(e -> 'team_pool' -> 0 -> 'region') AS pool_region_type,
       e ? 'teams_as_drawn' AS teams_as_drawn, e ? 'teams' AS plain_teams
FROM (SELECT sv.draw_export(:draw1) AS e) x;
RESET ROLE;

-- 4. Verification reads the audit chain.  A recusal after the draw (in public and audited) ...
SET ROLE regress_cmt_msa;
SELECT sv.draw_recuse(:draw2, r.uscc::text, t.certificate_no, 'subject', '企业申请回避(利害关系)') IS NOT NULL AS recused
FROM sv.draw_result r JOIN sv.draw_team t ON t.draw_id = r.draw_id AND t.uscc = r.uscc AND t.slot = 2
JOIN sv.subject s ON s.uscc = r.uscc
WHERE r.draw_id = :draw2 AND s.source_record_id NOT IN ('CMT-1', 'CMT-2') ORDER BY r.stratum, r."position" LIMIT 1;
RESET ROLE;
SELECT step, ok, detail FROM sv.draw_verify_detail(:draw2) WHERE step IN ('recusals', 'audit_recusals');
-- ... deleted by a superuser past the triggers: the tables replay consistently, the chain does not
BEGIN;
CALL sv._append_only_enforce(false);  -- a superuser turns the guards off first
SET LOCAL session_replication_role = replica;
DELETE FROM sv.draw_recusal WHERE draw_id = :draw2;
SELECT step, ok, detail FROM sv.draw_verify_detail(:draw2) WHERE NOT ok;
SELECT sv.draw_verify(:draw2) AS verified;
ROLLBACK;
BEGIN;
ALTER TABLE sv.draw_recusal DISABLE TRIGGER draw_recusal_immutable;
DELETE FROM sv.draw_recusal WHERE draw_id = :draw2;
SELECT step, ok FROM sv.draw_verify_detail(:draw2) WHERE NOT ok;
ROLLBACK;
-- A plan sealed without team inputs and seal hash (as sealed before them) is not run
SET ROLE regress_cmt_msa;
SELECT sv.draw_plan_save('CMT-P3', '承诺测试(旧封存)', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
  '{CMT-MSA-1-C01}', '{"U": {"count": 1}}') AS plan3 \gset
SELECT sv.draw_seal(:plan3, sha256('third commit nonce 0123456789'::bytea), 'lottery;中国福利彩票3D;2099004;2099-01-04;digits=3') IS NOT NULL AS sealed;
RESET ROLE;
BEGIN;
CALL sv._append_only_enforce(false);  -- a superuser turns the guards off first
SET LOCAL session_replication_role = replica;
UPDATE sv.draw_plan SET seal_hash = NULL WHERE id = :plan3;
DELETE FROM sv.draw_team_input WHERE plan_id = :plan3;
SET LOCAL session_replication_role = DEFAULT;
SET ROLE regress_cmt_msa;
SELECT sv.draw_run(:plan3, 'third commit nonce 0123456789'::bytea, '123');
ROLLBACK;
-- A draw deleted, its plan set back to sealed and run again (the same inputs: the same draw):
-- every table agrees, the chain holds two runs of the plan.
BEGIN;
CALL sv._append_only_enforce(false);  -- a superuser turns the guards off first
SET LOCAL session_replication_role = replica;
DELETE FROM sv.draw_team WHERE draw_id = :draw1;
DELETE FROM sv.draw_result WHERE draw_id = :draw1;
DELETE FROM sv.draw WHERE id = :draw1;
UPDATE sv.draw_plan SET status = 'sealed' WHERE id = :plan1;
SET LOCAL session_replication_role = DEFAULT;
SET ROLE regress_cmt_msa;
SELECT sv.draw_run(:plan1, 'commit test nonce 0123456789'::bytea, '417') AS rerun \gset
RESET ROLE;
SELECT step, ok, detail FROM sv.draw_verify_detail(:rerun) WHERE NOT ok;
ROLLBACK;
-- A population that lists a line twice, or out of protocol order, does not count as one
SELECT sv._draw_population_sizes(convert_to(repeat('91410422MA00000019,A' || E'\n', 2), 'UTF8')) IS NULL AS line_twice,
       sv._draw_population_sizes(convert_to('91410422MA0000002X,A' || E'\n' || '91410422MA00000019,A' || E'\n', 'UTF8')) IS NULL AS out_of_order,
       sv._draw_population_sizes(convert_to('91410422MA00000019,U' || E'\n' || '91410422MA0000002X,A' || E'\n', 'UTF8')) IS NULL AS strata_out_of_order,
       sv._draw_population_sizes(convert_to('91410422MA00000019,A' || E'\n' || '91410422MA0000002X,A' || E'\n', 'UTF8')) AS in_order;
-- and a nonce outside 16 to 1024 bytes does not verify (a superuser shortened it behind the functions)
BEGIN;
CALL sv._append_only_enforce(false);  -- a superuser turns the guards off first
SET LOCAL session_replication_role = replica;
UPDATE sv.draw_plan SET commitment = sha256('\x00112233'::bytea) WHERE id = :plan1;
UPDATE sv.draw SET nonce = '\x00112233' WHERE id = :draw1;
SELECT step, ok, detail FROM sv.draw_verify_detail(:draw1) WHERE step = 'commitment';
ROLLBACK;
-- The sealed team inputs, the entropy source or the regions changed behind the functions: the
-- seal's hash no longer matches.
BEGIN;
CALL sv._append_only_enforce(false);  -- a superuser turns the guards off first
SET LOCAL session_replication_role = replica;
UPDATE sv.draw_team_input SET excluded_uscc = '{}', excluded_inspectors = '{}' WHERE plan_id = :plan1;
SELECT step, ok FROM sv.draw_verify_detail(:draw1) WHERE NOT ok;
ROLLBACK;
BEGIN;
CALL sv._append_only_enforce(false);  -- a superuser turns the guards off first
SET LOCAL session_replication_role = replica;
UPDATE sv.draw_plan SET entropy_source = 'lottery;中国福利彩票3D;2099002;2099-01-01;digits=3' WHERE id = :plan1;
SELECT step, ok FROM sv.draw_verify_detail(:draw1) WHERE NOT ok;
ROLLBACK;
BEGIN;
CALL sv._append_only_enforce(false);  -- a superuser turns the guards off first
SET LOCAL session_replication_role = replica;
UPDATE sv.draw_population SET regions = array_fill(410423, ARRAY[cardinality(regions)]) WHERE plan_id = :plan1;
UPDATE sv.draw SET subject_regions = array_fill(410423, ARRAY[cardinality(subject_regions)]) WHERE id = :draw1;
SELECT step, ok FROM sv.draw_verify_detail(:draw1) WHERE NOT ok;
ROLLBACK;

-- (5. Many runs in one transaction: t/004_draw.pl, in an instance of its own.)

-- Clean up what later tests would see (the plans and draws are append-only and stay).
SET session_replication_role = replica;
DELETE FROM sv.inspector_conflict WHERE certificate_no LIKE '豫CMT%';
DELETE FROM sv.subject WHERE source_system = 'CMT-AMR';
DELETE FROM sv.inspector WHERE source_system = 'CMT-ZF';
SET session_replication_role = DEFAULT;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN ('regress_cmt_msa', 'regress_cmt_auditor');
SET session_replication_role = DEFAULT;
DROP TABLE cmt_spellings, cmt_tried;
DROP ROLE regress_cmt_msa, regress_cmt_auditor;
