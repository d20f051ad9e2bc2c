-- The hash-chained audit trail: append, verify, head, tamper detection.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- This file needs the chain from its genesis: whatever other files appended is set aside for its
-- duration and put back unchanged at the end, head included (so its output does not depend on
-- which files ran before it, and theirs not on its tampering).
CREATE TEMP TABLE audit_log_before AS SELECT * FROM sv.audit_log;
CREATE TEMP TABLE audit_chain_before AS SELECT * FROM sv.audit_chain;
CREATE TEMP TABLE audit_lane_before AS SELECT * FROM sv.audit_lane;
SELECT last_value AS seq_before, is_called AS seq_called FROM sv.audit_log_seq \gset
CALL sv._append_only_enforce(false);
SET session_replication_role = replica;
DELETE FROM sv.audit_log;
DELETE FROM sv.audit_chain;
DELETE FROM sv.audit_lane;
RESET session_replication_role;
SELECT setval('sv.audit_log_seq', 1, false) AS seq_reset;
-- lane numbers depend on the backend: masked in what is shown
CREATE FUNCTION pg_temp.mask(t text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(regexp_replace(t, '[0-9a-f]{64}', '<hash>', 'g'), 'lane [0-9]+', 'lane L', 'g')
$$;
CALL sv._append_only_enforce();

-- Empty chain: head at 0, nothing to verify.
SELECT * FROM sv.audit_head();
SELECT * FROM sv.audit_verify();

-- The hash of a fixed record (encoding v1, docs/audit.md; recomputed independently there).
SELECT encode(sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice',
                             4, 'staff', '17', 'add', '{"a": 1}'), 'hex') AS v1_vector;
-- every input changes it; NULL is distinct from the empty string
SELECT count(DISTINCT h) AS distinct_hashes FROM (
  SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}') h
  UNION ALL SELECT sv._audit_hash(decode(repeat('11', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 2, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00.000001+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alicE', 'alice', 4, 'staff', '17', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'bob', 4, 'staff', '17', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', NULL, 'staff', '17', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', NULL, 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'end', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 2}')
  -- field boundaries are length-prefixed: moving a character between fields changes the hash
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staf', 'f17', 'add', '{"a": 1}')
) s;
-- recorded_at is written exactly, as decimal microseconds since 1970, over the whole range of
-- timestamptz: from 294247-01-10 04:00:54.775808 UTC on, and at infinity, the sum with the
-- 1970-2000 offset exceeds int64 and used to wrap to a negative number (found by fuzz/audit.c).
-- The hash is compared with SHA-256 of the encoding of docs/audit.md built here.
CREATE FUNCTION pg_temp.audit_field(v text) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT '\x01'::bytea || int4send(octet_length(convert_to(v, 'UTF8'))) || convert_to(v, 'UTF8') $$;
SELECT r.usec,
       sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, r.ts, 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}')
       = sha256(convert_to('sv_platform/audit/v1', 'UTF8') || '\x00'::bytea || decode(repeat('00', 32), 'hex')
                || pg_temp.audit_field('1') || pg_temp.audit_field(r.usec) || pg_temp.audit_field('alice')
                || pg_temp.audit_field('alice') || pg_temp.audit_field('4') || pg_temp.audit_field('staff')
                || pg_temp.audit_field('17') || pg_temp.audit_field('add') || pg_temp.audit_field('{"a": 1}')) AS matches_docs
FROM (VALUES ('2026-01-01 00:00:00+08'::timestamptz, '1767196800000000'),
             ('294247-01-10 04:00:54.775807+00', '9223372036854775807'),
             ('294247-01-10 04:00:54.775808+00', '9223372036854775808'),
             ('294276-12-31 23:59:59.999999+00', '9224318015999999999'),
             ('infinity', '9224318721654775807'),
             ('-infinity', '-9222425352054775808')) r(ts, usec);
SELECT sv._audit_hash(decode('00', 'hex'), 1, now(), 'a', 'a', 1, 'k', 'i', 'a', '{}');
-- encoding v2 (lanes): the lane and the position in it are hashed too (docs/audit.md)
SELECT encode(sv._audit_hash2(decode(repeat('00', 32), 'hex'), 1, 3, 1, '2026-01-01 00:00:00+08', 'alice', 'alice',
                              4, 'staff', '17', 'add', '{"a": 1}'), 'hex') AS v2_vector;
SELECT count(DISTINCT h) AS distinct_v2_hashes FROM (
  SELECT sv._audit_hash2(decode(repeat('00', 32), 'hex'), 1, 3, 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}') h
  UNION ALL SELECT sv._audit_hash2(decode(repeat('00', 32), 'hex'), 1, 4, 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash2(decode(repeat('00', 32), 'hex'), 1, 3, 2, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}')
  UNION ALL SELECT sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}')
) s;
SELECT sv._audit_hash2(decode(repeat('00', 32), 'hex'), 1, NULL, 1, now(), 'a', 'a', 1, 'k', 'i', 'a', '{}');
SELECT sv._audit_hash(NULL, 1, now(), 'a', 'a', 1, 'k', 'i', 'a', '{}');

-- Appends: validated, linked, visible in the head.
SELECT sv.audit_append(NULL, 'Staff', '1', 'add', '{}');
SELECT sv.audit_append(NULL, 'staff', '1', 'add now', '{}');
SELECT sv.audit_append(NULL, NULL, '1', 'add', '{}');
SELECT sv.audit_append(NULL, 'staff', '1', 'add', NULL);
SELECT sv.audit_append(4, 'staff', '1', 'add', '{"role_name": "x", "role_name": "y", "b": [1, 2]}') AS seq1;
SELECT sv.audit_append(NULL, 'calendar_notice', '2027', 'load', '{"year": 2027}') AS seq2;
SELECT sv.audit_append(7, 'staff', NULL, 'end', '{}') AS seq3;
SELECT seq, actor_session, actor_role, department_id, object_kind, object_id, action, change,
       length(prev_hash) AS prev_len, length(hash) AS hash_len, lane_seq, lane > 0 AS in_a_lane
FROM sv.audit_log ORDER BY seq;
-- one session, one lane: each record links to the one before in the lane; the first to 32 zero bytes
SELECT count(DISTINCT lane) AS lanes FROM sv.audit_log;
SELECT l.seq, l.prev_hash = coalesce(p.hash, decode(repeat('00', 32), 'hex')) AS linked
FROM sv.audit_log l LEFT JOIN sv.audit_log p ON p.lane = l.lane AND p.lane_seq = l.lane_seq - 1 ORDER BY l.seq;
-- the head: SHA-256 over the lane heads (docs/audit.md), recomputed here in SQL
SELECT h.seq AS head_seq, h.lanes ~ '^[0-9]+:3$' AS lanes_named,
       h.hash = encode(sha256(convert_to('sv_platform/audit/head/v2', 'UTF8') || '\x00'::bytea ||
                              int4send(l.lane) || int8send(l.lane_seq) || l.hash), 'hex') AS head_recomputed,
       sv.audit_root(h.lanes) = h.hash AS root_matches
FROM sv.audit_head() h, sv.audit_log l WHERE l.seq = 3;
SELECT sv.audit_root('1:x');
SELECT sv.audit_root(NULL);
SELECT sv.audit_root('') AS empty_root;
SELECT sv.audit_root('999:3') AS wrong_lane;
SELECT * FROM sv.audit_verify();
SELECT * FROM sv.audit_verify(2, 3);
SELECT * FROM sv.audit_verify(0, 3);
SELECT * FROM sv.audit_verify(10, NULL) AS past_the_end;
SELECT * FROM sv.audit_verify(3, 2);
-- an aborted append leaves no trace and no gap in its lane
BEGIN;
SELECT sv.audit_append(NULL, 'staff', '9', 'add', '{}') AS rolled_back_seq;
ROLLBACK;
-- (its seq, taken from a sequence, is not reused; its place in the lane is)
SELECT sv.audit_append(NULL, 'staff', '10', 'add', '{}') AS next_seq;
SELECT seq, lane_seq FROM sv.audit_log ORDER BY seq DESC LIMIT 1;
SELECT * FROM sv.audit_verify();

-- Many appends in one transaction; a subtransaction rolled back in the middle leaves no gap.
BEGIN;
SELECT sv.audit_append(NULL, 'batch', i::text, 'add', jsonb_build_object('i', i)) FROM generate_series(1, 3) i;
SAVEPOINT s1;
SELECT sv.audit_append(NULL, 'batch', 'rolled_back', 'add', '{}');
ROLLBACK TO SAVEPOINT s1;
SELECT sv.audit_append(NULL, 'batch', 'after_savepoint', 'add', '{}') AS seq_after_savepoint;
SAVEPOINT s2;
SELECT sv.audit_append(NULL, 'batch', 'released', 'add', '{}');
RELEASE SAVEPOINT s2;
-- inside the transaction, verify sees the head it will write at commit
SELECT * FROM sv.audit_verify();
COMMIT;
SELECT seq, object_id FROM sv.audit_log WHERE object_kind = 'batch' ORDER BY seq;
SELECT seq AS head_seq FROM sv.audit_head();
SELECT * FROM sv.audit_verify();
-- the first append of a transaction inside a savepoint that is rolled back: the lock goes with
-- it, and the next append takes it again
BEGIN;
SAVEPOINT s1;
SELECT sv.audit_append(NULL, 'batch', 'gone', 'add', '{}');
ROLLBACK TO SAVEPOINT s1;
SELECT sv.audit_append(NULL, 'batch', 'kept', 'add', '{}') AS seq_kept;
COMMIT;
SELECT * FROM sv.audit_verify();
-- a savepoint rolled back between two appends (the head is still written at commit, as the
-- role that appended)
BEGIN;
SELECT sv.audit_append(NULL, 'batch', 'before_savepoint', 'add', '{}') > 0 AS appended;
SAVEPOINT s;
ROLLBACK TO SAVEPOINT s;
SELECT sv.audit_append(NULL, 'batch', 'after_rollback', 'add', '{}') > 0 AS appended;
COMMIT;
SELECT * FROM sv.audit_verify();
-- a lock taken in a released savepoint belongs to the enclosing one, and goes when that one
-- is rolled back
BEGIN;
SAVEPOINT a;
SAVEPOINT b;
SELECT sv.audit_append(NULL, 'batch', 'inner', 'add', '{}') > 0 AS appended;
RELEASE SAVEPOINT b;
ROLLBACK TO SAVEPOINT a;
SELECT sv.audit_append(NULL, 'batch', 'outer', 'add', '{}') > 0 AS appended;
COMMIT;
SELECT object_id FROM sv.audit_log WHERE object_kind = 'batch' ORDER BY seq DESC LIMIT 3;
SELECT * FROM sv.audit_verify();
-- a prepared transaction writes the head when it is prepared
BEGIN;
SELECT sv.audit_append(NULL, 'batch', 'prepared', 'add', '{}') AS seq_prepared;
PREPARE TRANSACTION 'sv_audit_regress';
COMMIT PREPARED 'sv_audit_regress';
SELECT seq AS head_seq FROM sv.audit_head();
SELECT * FROM sv.audit_verify();
-- a lane held by another open transaction (here a prepared one) is skipped: the next append
-- takes another lane at once instead of waiting for that transaction's commit
BEGIN;
SELECT sv.audit_append(NULL, 'batch', 'held', 'add', '{}') > 0 AS appended;
PREPARE TRANSACTION 'sv_audit_held';
SELECT sv.audit_append(NULL, 'batch', 'other_lane', 'add', '{}') > 0 AS appended;
SELECT count(DISTINCT lane) AS lanes, count(*) AS records FROM sv.audit_log;
SELECT * FROM sv.audit_verify();
COMMIT PREPARED 'sv_audit_held';
SELECT count(DISTINCT lane) AS lanes, count(*) AS records FROM sv.audit_log;
SELECT * FROM sv.audit_verify();
-- the head covers both lanes; each lane's records link among themselves, from position 1
SELECT array_length(string_to_array(lanes, ' '), 1) AS lanes_in_head, sv.audit_root(lanes) = hash AS root_matches
FROM sv.audit_head();
SELECT lane_seq, object_id FROM sv.audit_log WHERE object_id IN ('held', 'other_lane') ORDER BY seq;

-- The trail is append-only, even for its owner.
UPDATE sv.audit_log SET action = 'remove' WHERE seq = 2;
DELETE FROM sv.audit_log WHERE seq = 2;
TRUNCATE sv.audit_log;
DELETE FROM sv.audit_lane;
TRUNCATE sv.audit_lane;
-- application roles cannot even try
CREATE ROLE regress_audit_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_audit_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_audit_public LOGIN IN ROLE sv_public;
SET ROLE regress_audit_admin;
SELECT sv.audit_append(NULL, 'staff', '1', 'add', '{}');
INSERT INTO sv.audit_log SELECT * FROM sv.audit_log WHERE seq = 1;
UPDATE sv.audit_chain SET seq = 0;
UPDATE sv.audit_lane SET seq = 0;
SELECT count(*) AS admin_sees FROM sv.audit_log;
SELECT * FROM sv.audit_verify();
RESET ROLE;
SET ROLE regress_audit_officer;
SELECT count(*) AS officer_without_scope_sees FROM sv.audit_log;
SELECT * FROM sv.audit_verify();
SELECT seq > 0 AS officer_reads_head FROM sv.audit_head();
RESET ROLE;
SET ROLE regress_audit_public;
SELECT seq > 0 AS public_reads_head FROM sv_public.audit_head;
SELECT count(*) FROM sv.audit_log;
RESET ROLE;

-- A superuser who switches the triggers off and edits is caught, at the edited record.
-- (Hashes in the details depend on the time of each append, lanes on the backend: masked.)
-- The lane of the first records is lane L below; a second lane holds 'other_lane' or 'held'.
CREATE FUNCTION pg_temp.verify(f bigint DEFAULT 1, t bigint DEFAULT NULL)
RETURNS TABLE (seq bigint, problem text, detail text) LANGUAGE sql AS $$
  SELECT v.seq, v.problem, pg_temp.mask(v.detail) FROM sv.audit_verify(f, t) v
$$;
SELECT lane AS lane_l FROM sv.audit_log WHERE seq = 1 \gset
-- (the guards fire ALWAYS, so they are first put back in origin mode: sql/tamper.sql)
CALL sv._append_only_enforce(false);
SET session_replication_role = replica;   -- disables ordinary triggers for this session
UPDATE sv.audit_log SET change = '{"year": 2028}' WHERE seq = 2;
SELECT * FROM pg_temp.verify();
SELECT * FROM pg_temp.verify(3, NULL);   -- a range after the edit is still consistent
UPDATE sv.audit_log SET change = '{"year": 2027}' WHERE seq = 2;
SELECT count(*) AS restored FROM pg_temp.verify();
-- re-hashing an edited record breaks the link to the next one in its lane
UPDATE sv.audit_log SET actor_role = 'someone_else',
       hash = sv._audit_hash2(prev_hash, seq, lane, lane_seq, recorded_at, actor_session, 'someone_else',
                              department_id, object_kind, object_id, action, change::text)
WHERE seq = 2;
SELECT * FROM pg_temp.verify();
SELECT * FROM pg_temp.verify(1, 2);
UPDATE sv.audit_log SET actor_role = 'postgres',
       hash = sv._audit_hash2(prev_hash, seq, lane, lane_seq, recorded_at, actor_session, 'postgres',
                              department_id, object_kind, object_id, action, change::text)
WHERE seq = 2;
SELECT count(*) AS restored FROM pg_temp.verify();
CREATE TEMP TABLE audit_backup AS SELECT * FROM sv.audit_log;
-- a record moved to another lane leaves a gap in its own
UPDATE sv.audit_log SET lane = lane + 1000 WHERE seq = 3;
SELECT * FROM pg_temp.verify();
UPDATE sv.audit_log SET lane = lane - 1000 WHERE seq = 3;
-- two records swapped (their places and seqs exchanged)
UPDATE sv.audit_log SET seq = -seq, lane_seq = -lane_seq WHERE seq IN (2, 3);
UPDATE sv.audit_log SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END,
                        lane_seq = CASE lane_seq WHEN -2 THEN 3 ELSE 2 END WHERE seq IN (-2, -3);
SELECT * FROM pg_temp.verify();
DELETE FROM sv.audit_log WHERE seq IN (2, 3);
INSERT INTO sv.audit_log SELECT * FROM audit_backup WHERE seq IN (2, 3);
SELECT count(*) AS restored FROM pg_temp.verify();
-- deleting records in the middle of a lane
DELETE FROM sv.audit_log WHERE seq IN (2, 3);
SELECT * FROM pg_temp.verify();
SELECT * FROM pg_temp.verify(2, NULL);
INSERT INTO sv.audit_log SELECT * FROM audit_backup WHERE seq IN (2, 3);
-- a copy of a record under a new seq: two records claim one place
INSERT INTO sv.audit_log SELECT 1000, recorded_at, actor_session, actor_role, department_id, object_kind,
  object_id, action, change, prev_hash, hash, lane, lane_seq FROM sv.audit_log WHERE seq = 3;
SELECT * FROM pg_temp.verify();
DELETE FROM sv.audit_log WHERE seq = 1000;
-- deleting the newest record of a lane: its head still names it
CREATE TEMP TABLE lane_backup AS SELECT * FROM sv.audit_lane;
SELECT max(seq) AS last_l FROM sv.audit_log WHERE lane = :lane_l \gset
DELETE FROM sv.audit_log WHERE seq = :last_l;
SELECT * FROM pg_temp.verify();
-- moving the head back as well leaves a consistent but shorter lane: only a published head
-- (sv_public.audit_head) shows that the record existed
SELECT hash AS published_head, lanes AS published_lanes FROM sv.audit_head() \gset
UPDATE sv.audit_lane h SET (lane_seq, seq, hash, prev_hash, recorded_at) =
  (SELECT l.lane_seq, l.seq, l.hash, l.prev_hash, l.recorded_at FROM sv.audit_log l
   WHERE l.lane = h.lane ORDER BY l.lane_seq DESC LIMIT 1)
WHERE h.lane = :lane_l;
SELECT * FROM pg_temp.verify();
SELECT hash = :'published_head' AS head_unchanged FROM sv.audit_head();
SELECT sv.audit_root(:'published_lanes') IS NULL AS published_head_gone;
-- a record slipped in after the head (no trigger stops a superuser's INSERT)
INSERT INTO sv.audit_log SELECT 2000, recorded_at, actor_session, actor_role, department_id, object_kind,
  object_id, action, change, hash,
  sv._audit_hash2(hash, 2000, lane, lane_seq + 1, recorded_at, actor_session, actor_role, department_id,
                  object_kind, object_id, action, change::text), lane, lane_seq + 1
  FROM sv.audit_log WHERE lane = :lane_l ORDER BY lane_seq DESC LIMIT 1;
SELECT * FROM pg_temp.verify();
DELETE FROM sv.audit_log WHERE seq = 2000;
-- a lane's head row removed
DELETE FROM sv.audit_lane WHERE lane = :lane_l;
SELECT * FROM pg_temp.verify();
-- ... and the lane is not started again by an append: its first record is found through the
-- partial index audit_log_lane_start_idx (one entry per lane), not by reading the whole log
DO $$
BEGIN
  PERFORM sv.audit_append(NULL, 'staff', 'x', 'add', '{}');
  RAISE NOTICE 'appended';
EXCEPTION WHEN data_corrupted THEN
  RAISE NOTICE 'refused: %', regexp_replace(SQLERRM, '[0-9]+', 'N');
END
$$;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT 1 FROM sv.audit_log l WHERE l.lane OPERATOR(pg_catalog.=) 5 AND l.lane_seq OPERATOR(pg_catalog.=) 1 LIMIT 1;
-- the appends put each lane's first record, and only it, into the index (they write the index
-- themselves and evaluate its predicate)
SELECT array_agg(lane ORDER BY lane) AS starts_by_index FROM sv.audit_log WHERE lane_seq = 1 \gset
RESET enable_seqscan;
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;
SELECT array_agg(lane ORDER BY lane) = :'starts_by_index' AS index_holds_every_lane_start,
       count(*) > 0 AS some_lane FROM sv.audit_log WHERE lane_seq = 1;
RESET enable_indexscan;
RESET enable_indexonlyscan;
RESET enable_bitmapscan;
DELETE FROM sv.audit_lane;
INSERT INTO sv.audit_lane SELECT * FROM lane_backup;
INSERT INTO sv.audit_log SELECT * FROM audit_backup WHERE seq = :last_l;
SELECT count(*) AS restored FROM pg_temp.verify();
SELECT hash = :'published_head' AS published_head_back FROM sv.audit_head();

-- The 0.1.0 chain (lane 0: lane NULL, encoding v1, head in sv.audit_chain), as an update from
-- 0.1.0 leaves it, keeps verifying, and the published head pins it with the lanes.
DELETE FROM sv.audit_log;
DELETE FROM sv.audit_lane;
INSERT INTO sv.audit_log (seq, recorded_at, actor_session, actor_role, department_id, object_kind, object_id,
                          action, change, prev_hash, hash)
  SELECT 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}',
         decode(repeat('00', 32), 'hex'),
         sv._audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-01 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'add', '{"a": 1}');
INSERT INTO sv.audit_log (seq, recorded_at, actor_session, actor_role, department_id, object_kind, object_id,
                          action, change, prev_hash, hash)
  SELECT 2, '2026-01-02 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'end', '{}', hash,
         sv._audit_hash(hash, 2, '2026-01-02 00:00:00+08', 'alice', 'alice', 4, 'staff', '17', 'end', '{}')
  FROM sv.audit_log WHERE seq = 1;
INSERT INTO sv.audit_chain (singleton, seq, hash, prev_hash, recorded_at)
  SELECT true, seq, hash, prev_hash, recorded_at FROM sv.audit_log WHERE seq = 2;
SELECT setval('sv.audit_log_seq', 2) AS seq_after_0_1_0;
RESET session_replication_role;
CALL sv._append_only_enforce();
SELECT sv.audit_append(NULL, 'staff', '18', 'add', '{}') AS first_0_2_0_seq;
SELECT * FROM pg_temp.verify();
SELECT h.seq, h.lanes ~ '^0:2 [0-9]+:3$' AS lanes_named, sv.audit_root(h.lanes) = h.hash AS root_matches
FROM sv.audit_head() h;
SELECT * FROM pg_temp.verify(2, NULL);
CALL sv._append_only_enforce(false);
SET session_replication_role = replica;
UPDATE sv.audit_log SET change = '{"a": 2}' WHERE seq = 1;
SELECT * FROM pg_temp.verify();
UPDATE sv.audit_log SET change = '{"a": 1}' WHERE seq = 1;
DELETE FROM sv.audit_log WHERE seq = 2;
SELECT * FROM pg_temp.verify();
DELETE FROM sv.audit_chain;
SELECT * FROM sv.audit_head();
SELECT * FROM pg_temp.verify();

-- put back what other files appended before this one, and their heads
DELETE FROM sv.audit_log;
DELETE FROM sv.audit_chain;
DELETE FROM sv.audit_lane;
INSERT INTO sv.audit_log SELECT * FROM audit_log_before;
INSERT INTO sv.audit_chain SELECT * FROM audit_chain_before;
INSERT INTO sv.audit_lane SELECT * FROM audit_lane_before;
SELECT setval('sv.audit_log_seq', :seq_before, :'seq_called') IS NOT NULL AS seq_restored;
RESET session_replication_role;
CALL sv._append_only_enforce();
SELECT * FROM sv.audit_verify();

-- With a trigger on the audit tables, the append writes its rows with the statements instead of
-- directly (docs/audit.md, "Writing them without statements"); the trail is the same.  Two
-- triggers that only count the rows they see; all rolled back, the sequence set back.
CREATE TEMP TABLE audit_fired (tbl text, op text);
CREATE FUNCTION pg_temp.audit_fired() RETURNS trigger LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO audit_fired VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; END $$;
BEGIN;
CREATE TRIGGER regress_audit_fired AFTER INSERT ON sv.audit_log
  FOR EACH ROW EXECUTE FUNCTION pg_temp.audit_fired();
CREATE TRIGGER regress_audit_fired AFTER UPDATE ON sv.audit_lane
  FOR EACH ROW EXECUTE FUNCTION pg_temp.audit_fired();
SELECT sv.audit_append(NULL, 'staff', '11', 'add', '{}') > 0 AS appended;
SELECT sv.audit_append(NULL, 'staff', '12', 'add', '{"b": 1}') > 0 AS appended;
SELECT tbl, op, count(*) FROM audit_fired GROUP BY tbl, op ORDER BY tbl;
SELECT * FROM sv.audit_verify();
-- without them, directly again
DROP TRIGGER regress_audit_fired ON sv.audit_log;
DROP TRIGGER regress_audit_fired ON sv.audit_lane;
SELECT sv.audit_append(NULL, 'staff', '13', 'add', '{}') > 0 AS appended;
SELECT count(*) AS fired FROM audit_fired;
SELECT * FROM sv.audit_verify();
ROLLBACK;
SELECT setval('sv.audit_log_seq', :seq_before, :'seq_called') IS NOT NULL AS seq_restored;
SELECT * FROM sv.audit_verify();
DROP TABLE audit_fired;

DROP ROLE regress_audit_admin, regress_audit_officer, regress_audit_public;
