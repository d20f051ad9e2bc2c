-- Tamper evidence that does not depend on triggers staying enabled: the append-only guards fire
-- ALWAYS (session_replication_role = replica does not pass them), sv.security_check() reports a
-- guard that is disabled, missing or back in origin mode, and a catalogue release that no
-- longer holds what was published (sv.catalog_release_verify).  Runs as a superuser.
\pset null '(null)'
\set SHOW_CONTEXT never
\set VERBOSITY terse
-- The release is a copy of the whole catalogue, which holds what earlier tests left: counts and
-- hashes in details are masked (pg_temp.mask), and checked against psql variables instead.
CREATE FUNCTION pg_temp.mask(t text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(regexp_replace(regexp_replace(t, '[0-9a-f]{64}', '<hash>', 'g'), 'published at .*', 'published at <time>'),
                        '(?<![-0-9])\d+', 'N', 'g')
$$;

-- Fixtures: one item and one check item, published as a release.
SELECT sv.catalog_item_save('RGT-1', 4, '对食品经营的监督检查', '双随机抽查', '现场检查', '食品经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第八十七条"}]', 'city', 'city') > 0 AS saved;
SELECT sv.catalog_item_save('RGT-2', 4, '对广告发布的监督检查', '双随机抽查', '书面检查', '广告发布者',
  '[{"law": "中华人民共和国广告法", "article": "第四十九条"}]', 'city', 'city') > 0 AS saved;
SELECT sv.check_item_save('RGT-C01', 'RGT-1', 'city', '410400', 4, 'on_site', '进货查验记录', 'general') > 0 AS saved;
SELECT sv.catalog_publish('RGT-R1', 'tamper regression') AS rel \gset
SELECT items AS n_items, check_items AS n_checks FROM sv.catalog_release WHERE id = :rel \gset
SELECT label, items >= 2 AS items, check_items >= 1 AS check_items, length(sha256) AS sha256_bytes FROM sv.catalog_release WHERE id = :rel;
-- the hash as docs/catalog.md tells an outside reader to compute it
SELECT encode(sha256(convert_to('SV-CATALOG-RELEASE-v1' || E'\n' ||
         string_agg(kind || E'\t' || code || E'\t' || item::text || E'\n', '' ORDER BY kind COLLATE "C", code COLLATE "C"),
         'UTF8')), 'hex') = (SELECT encode(sha256, 'hex') FROM sv.catalog_release WHERE id = :rel) AS recomputed
FROM sv.catalog_release_item WHERE release_id = :rel;
-- the audit chain pins it
SELECT change::jsonb ->> 'sha256' = (SELECT encode(sha256, 'hex') FROM sv.catalog_release WHERE id = :rel) AS pinned,
       (change::jsonb ->> 'items')::int = :n_items AS items, (change::jsonb ->> 'check_items')::int = :n_checks AS check_items
FROM sv.audit_log WHERE object_kind = 'catalog_release' AND object_id = 'RGT-R1' AND action = 'publish';
SELECT * FROM sv.catalog_release_verify(:rel);
SELECT count(*) = :n_items AS all_items_public FROM sv_public.catalog_item WHERE release = 'RGT-R1';

-- 1. Every registered guard fires ALWAYS.
SELECT table_name, trigger_name, state FROM sv.append_only_guard() WHERE state <> 'always';
SELECT count(*) > 0 AS guards_registered FROM sv.append_only_guard();
-- ... so the replica role no longer passes them, for the superuser either
SET session_replication_role = replica;
UPDATE sv.audit_log SET action = 'x' WHERE seq = (SELECT max(seq) FROM sv.audit_log);
DELETE FROM sv.audit_log WHERE seq = (SELECT max(seq) FROM sv.audit_log);
TRUNCATE sv.audit_log;
DELETE FROM sv.audit_lane;
UPDATE sv.catalog_release_item SET item = item || '{"objects": "x"}' WHERE release_id = :rel;
DELETE FROM sv.catalog_release WHERE id = :rel;
TRUNCATE sv.catalog_item_history;
RESET session_replication_role;
SELECT * FROM sv.audit_verify();

-- A disabled guard is reported (in a transaction rolled back: nothing stays).
BEGIN;
ALTER TABLE sv.audit_log DISABLE TRIGGER ALL;
SELECT severity, finding, object, detail FROM sv.security_check(verify_audit_chain => false) WHERE finding <> 'calendar_next_year_missing' ORDER BY object;
ROLLBACK;
-- back in origin mode (where the replica role passes it), or dropped
BEGIN;
ALTER TABLE sv.catalog_release_item ENABLE TRIGGER catalog_release_item_immutable;
DROP TRIGGER draw_no_truncate ON sv.draw;
SELECT severity, finding, object, detail FROM sv.security_check(verify_audit_chain => false) WHERE finding <> 'calendar_next_year_missing' ORDER BY object;
SELECT table_name, trigger_name, state FROM sv.append_only_guard() WHERE state <> 'always';
CALL sv._append_only_enforce();
ROLLBACK;
-- a guard that calls sv._refuse_change but was never registered is checked all the same
BEGIN;
CREATE TABLE sv.regress_tmp_history (id int);
CREATE TRIGGER regress_tmp_history_immutable BEFORE UPDATE OR DELETE ON sv.regress_tmp_history
  FOR EACH ROW EXECUTE FUNCTION sv._refuse_change('history is append-only');
SELECT severity, finding, object FROM sv.security_check(verify_audit_chain => false) WHERE finding LIKE 'append_only%';
CALL sv._append_only_enforce();
SELECT table_name, trigger_name, state FROM sv.append_only_guard() WHERE table_name = 'sv.regress_tmp_history';
ROLLBACK;
-- sv._append_only_enforce(false) puts every guard in origin mode (maintenance only); the
-- default puts them back
BEGIN;
CALL sv._append_only_enforce(false);
SELECT state, count(*) > 0 AS guards FROM sv.append_only_guard() GROUP BY state;
SELECT count(*) > 0 AS findings FROM sv.security_check(verify_audit_chain => false) WHERE finding = 'append_only_guard_disabled';
CALL sv._append_only_enforce();
SELECT state, count(*) > 0 AS guards FROM sv.append_only_guard() GROUP BY state;
ROLLBACK;
CALL sv._append_only_enforce(NULL);

-- 2. A release changed behind the functions.  INSERT has no guard (releases are written by
-- inserts): the release now holds 3 items while it says 2.
INSERT INTO sv.catalog_release_item (release_id, kind, code, item)
SELECT :rel, 'catalog_item', 'RGT-9', item || '{"main_name": "伪造事项"}' FROM sv.catalog_release_item
WHERE release_id = :rel AND code = 'RGT-1';
SELECT id = :rel AS this_release, label, problem, pg_temp.mask(detail) AS detail FROM sv.catalog_release_verify(:rel);
SELECT detail = format('the release holds %s items and %s check items, not the %s and %s published',
                       :n_items + 1, :n_checks, :n_items, :n_checks) AS says_one_more
FROM sv.catalog_release_verify(:rel) WHERE problem = 'count';
SELECT severity, finding, object, pg_temp.mask(detail) AS detail FROM sv.security_check(verify_audit_chain => false)
WHERE finding = 'catalog_release_tampered';
-- the public portal no longer shows the release as if it were fine
SELECT count(*) AS public_items FROM sv_public.catalog_item WHERE release = 'RGT-R1';
SELECT count(*) AS public_check_items FROM sv_public.check_item WHERE release = 'RGT-R1';
-- removing it again (past the guard) restores the release exactly
BEGIN;
ALTER TABLE sv.catalog_release_item DISABLE TRIGGER catalog_release_item_immutable;
DELETE FROM sv.catalog_release_item WHERE release_id = :rel AND code = 'RGT-9';
ALTER TABLE sv.catalog_release_item ENABLE ALWAYS TRIGGER catalog_release_item_immutable;
COMMIT;
SELECT * FROM sv.catalog_release_verify(:rel);
SELECT count(*) = :n_items AS all_items_public FROM sv_public.catalog_item WHERE release = 'RGT-R1';

-- An item changed in place: same counts, another hash.
BEGIN;
ALTER TABLE sv.catalog_release_item DISABLE TRIGGER catalog_release_item_immutable;
UPDATE sv.catalog_release_item SET item = item || '{"objects": "所有人"}' WHERE release_id = :rel AND code = 'RGT-2';
SELECT id = :rel AS this_release, label, problem, pg_temp.mask(detail) AS detail
FROM sv.catalog_release_verify();
SELECT severity, finding, object FROM sv.security_check(verify_audit_chain => false) WHERE finding <> 'calendar_next_year_missing' ORDER BY finding, object;
ROLLBACK;
-- An item deleted.
BEGIN;
ALTER TABLE sv.catalog_release_item DISABLE TRIGGER catalog_release_item_immutable;
DELETE FROM sv.catalog_release_item WHERE release_id = :rel AND code = 'RGT-C01';
SELECT problem, pg_temp.mask(detail) AS detail FROM sv.catalog_release_verify(:rel);
SELECT count(*) AS public_check_items FROM sv_public.check_item WHERE release = 'RGT-R1';
ROLLBACK;
-- The items, the counts and the stored hash all rewritten to agree: the audit record still pins
-- the published hash.
BEGIN;
ALTER TABLE sv.catalog_release_item DISABLE TRIGGER catalog_release_item_immutable;
ALTER TABLE sv.catalog_release DISABLE TRIGGER catalog_release_immutable;
DELETE FROM sv.catalog_release_item WHERE release_id = :rel AND code = 'RGT-2';
UPDATE sv.catalog_release r SET items = items - 1,
  sha256 = (SELECT sv._catalog_release_sha256(string_agg(sv._catalog_release_line(i.kind, i.code, i.item), ''
                                              ORDER BY i.kind COLLATE "C", i.code COLLATE "C"))
            FROM sv.catalog_release_item i WHERE i.release_id = r.id)
WHERE r.id = :rel;
SELECT problem, pg_temp.mask(detail) AS detail FROM sv.catalog_release_verify(:rel);
ROLLBACK;
-- A release backdated (so that it is "in force" on earlier days): the audit record pins the time.
BEGIN;
ALTER TABLE sv.catalog_release DISABLE TRIGGER catalog_release_immutable;
UPDATE sv.catalog_release SET published_at = published_at - interval '30 days' WHERE id = :rel;
SELECT problem FROM sv.catalog_release_verify(:rel);
ROLLBACK;
-- A release inserted whole, outside sv.catalog_publish: no hash, no audit record.
BEGIN;
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RGT-FAKE', 'inserted', now(), 'postgres', 0, 0) RETURNING id AS fake \gset
SELECT label, problem, detail FROM sv.catalog_release_verify(:fake);
ROLLBACK;
-- A release deleted whole leaves nothing to verify; the audit chain still names it.  What an
-- auditor runs (docs/catalog.md): publish records whose release is gone or differs.
BEGIN;
ALTER TABLE sv.catalog_release_item DISABLE TRIGGER catalog_release_item_immutable;
ALTER TABLE sv.catalog_release DISABLE TRIGGER catalog_release_immutable;
DELETE FROM sv.catalog_release_item WHERE release_id = :rel;
DELETE FROM sv.catalog_release WHERE id = :rel;
-- (earlier tests deleted their own releases: only this test's are listed)
SELECT q.release, q.release_id = :rel AS this_release, q.problem FROM (
SELECT a.seq, a.object_id AS release, (a.change::jsonb ->> 'release_id')::bigint AS release_id,
       CASE WHEN r.id IS NULL THEN 'missing' ELSE 'differs' END AS problem
FROM sv.audit_log a
LEFT JOIN sv.catalog_release r ON r.id = (a.change::jsonb ->> 'release_id')::bigint
WHERE a.object_kind = 'catalog_release' AND a.action = 'publish'
  AND (r.id IS NULL OR r.label <> a.object_id OR encode(r.sha256, 'hex') IS DISTINCT FROM a.change::jsonb ->> 'sha256')
) q WHERE q.release LIKE 'RGT-%';
ROLLBACK;

-- Who may verify: everyone who reads the catalogue, the public included.
CREATE ROLE regress_tmp_public LOGIN IN ROLE sv_public;
SET ROLE regress_tmp_public;
SELECT count(*) AS problems FROM sv.catalog_release_verify();
SELECT sv.catalog_release_verify(-1);
-- The guards' states: administrators and the supervision office read them; the public does not.
SELECT count(*) FROM sv.append_only_guard();
RESET ROLE;
DROP ROLE regress_tmp_public;
CREATE ROLE regress_tmp_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_tmp_admin LOGIN IN ROLE sv_admin;
SET ROLE regress_tmp_auditor;
SELECT count(*) > 0 AS auditor_reads_guards, bool_and(state = 'always') AS all_always FROM sv.append_only_guard();
RESET ROLE;
SET ROLE regress_tmp_admin;
SELECT count(*) > 0 AS admin_reads_guards FROM sv.append_only_guard();
RESET ROLE;
DROP ROLE regress_tmp_auditor, regress_tmp_admin;

-- Clean up: the release goes (guards in origin mode inside this transaction only), the items
-- are withdrawn; the audit records stay.
BEGIN;
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
DELETE FROM sv.catalog_release_item WHERE release_id = :rel;
DELETE FROM sv.catalog_release WHERE id = :rel;
CALL sv._append_only_enforce();
COMMIT;
SELECT sv.check_item_withdraw('RGT-C01', 'regression clean-up');
SELECT sv.catalog_item_withdraw(code, 'regression clean-up') FROM (VALUES ('RGT-1'), ('RGT-2')) c(code);
SELECT * FROM sv.security_check(verify_audit_chain => false) WHERE finding <> 'calendar_next_year_missing';
