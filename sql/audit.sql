-- The hash-chained audit trail: append, verify, head, tamper detection.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- This file needs the chain from its genesis: whatever other files appended is set aside for its
-- duration and put back unchanged at the end, head included (so its output does not depend on
-- which files ran before it, and theirs not on its tampering).
CREATE TEMP TABLE audit_log_before AS SELECT * FROM sv.audit_log;
CREATE TEMP TABLE audit_chain_before AS SELECT * FROM sv.audit_chain;
CALL sv._append_only_enforce(false);
SET session_replication_role = replica;
DELETE FROM sv.audit_log;
DELETE FROM sv.audit_chain;
RESET session_replication_role;
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
       length(prev_hash) AS prev_len, length(hash) AS hash_len
FROM sv.audit_log ORDER BY seq;
-- each record links to the one before; the first to 32 zero bytes
SELECT l.seq, l.prev_hash = coalesce(p.hash, decode(repeat('00', 32), 'hex')) AS linked
FROM sv.audit_log l LEFT JOIN sv.audit_log p ON p.seq = l.seq - 1 ORDER BY l.seq;
SELECT (SELECT seq FROM sv.audit_head()) AS head_seq,
       (SELECT hash FROM sv.audit_head()) = (SELECT encode(hash, 'hex') FROM sv.audit_log WHERE seq = 3) AS head_is_last;
SELECT * FROM sv.audit_verify();
SELECT * FROM sv.audit_verify(2, 3);
SELECT * FROM sv.audit_verify(0, 3);
SELECT * FROM sv.audit_verify(10, NULL) AS past_the_end;
SELECT * FROM sv.audit_verify(3, 2);
-- an aborted append leaves no trace and no gap
BEGIN;
SELECT sv.audit_append(NULL, 'staff', '9', 'add', '{}') AS rolled_back_seq;
ROLLBACK;
SELECT sv.audit_append(NULL, 'staff', '10', 'add', '{}') AS next_seq;
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

-- The trail is append-only, even for its owner.
UPDATE sv.audit_log SET action = 'remove' WHERE seq = 2;
DELETE FROM sv.audit_log WHERE seq = 2;
TRUNCATE sv.audit_log;
DELETE FROM sv.audit_chain;
-- application roles cannot even try
CREATE ROLE regress_audit_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_audit_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_audit_public LOGIN IN ROLE sv_public;
SET ROLE regress_audit_admin;
SELECT sv.audit_append(NULL, 'staff', '1', 'add', '{}');
INSERT INTO sv.audit_log SELECT * FROM sv.audit_log WHERE seq = 1;
UPDATE sv.audit_chain SET seq = 0;
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
-- (Hashes in the details depend on the time of each append: masked here.)
CREATE FUNCTION pg_temp.verify(f bigint DEFAULT 1, t bigint DEFAULT NULL)
RETURNS TABLE (seq bigint, problem text, detail text) LANGUAGE sql AS $$
  SELECT v.seq, v.problem, regexp_replace(v.detail, '[0-9a-f]{64}', '<hash>', 'g') FROM sv.audit_verify(f, t) v
$$;
-- (the guards fire ALWAYS, so they are first put back in origin mode: sql/tamper.sql)
CALL sv._append_only_enforce(false);
SET session_replication_role = replica;   -- disables ordinary triggers for this session
UPDATE sv.audit_log SET change = '{"year": 2028}' WHERE seq = 2;
SELECT * FROM pg_temp.verify();
SELECT * FROM pg_temp.verify(3, NULL);   -- a range after the edit is still consistent
UPDATE sv.audit_log SET change = '{"year": 2027}' WHERE seq = 2;
SELECT count(*) AS restored FROM pg_temp.verify();
-- re-hashing an edited record breaks the link to the next one
UPDATE sv.audit_log SET actor_role = 'someone_else',
       hash = sv._audit_hash(prev_hash, seq, recorded_at, actor_session, 'someone_else', department_id,
                             object_kind, object_id, action, change::text)
WHERE seq = 2;
SELECT * FROM pg_temp.verify();
SELECT * FROM pg_temp.verify(1, 2);
-- deleting a record in the middle
CREATE TEMP TABLE audit_backup AS SELECT * FROM sv.audit_log;
DELETE FROM sv.audit_log WHERE seq IN (2, 3);
SELECT * FROM pg_temp.verify();
-- deleting the newest record: the head still names it
DELETE FROM sv.audit_log;
INSERT INTO sv.audit_log SELECT * FROM audit_backup WHERE seq < 4;
UPDATE sv.audit_log SET actor_role = 'postgres',
       hash = sv._audit_hash(prev_hash, seq, recorded_at, actor_session, 'postgres', department_id,
                             object_kind, object_id, action, change::text)
WHERE seq = 2;
SELECT * FROM pg_temp.verify();
-- moving the head back as well leaves a consistent but shorter chain: only a published head
-- (sv_public.audit_head) shows that record 4 existed
UPDATE sv.audit_chain SET seq = 3, hash = (SELECT hash FROM sv.audit_log WHERE seq = 3),
                          prev_hash = (SELECT prev_hash FROM sv.audit_log WHERE seq = 3);
SELECT * FROM pg_temp.verify();
-- a record slipped in after the head (no trigger stops a superuser's INSERT)
INSERT INTO sv.audit_log SELECT seq + 1, recorded_at, actor_session, actor_role, department_id, object_kind,
  object_id, action, change, hash,
  sv._audit_hash(hash, seq + 1, recorded_at, actor_session, actor_role, department_id, object_kind, object_id, action, change::text)
  FROM sv.audit_log WHERE seq = 3;
SELECT * FROM pg_temp.verify();
-- the head row removed: sv.audit_head refuses to pretend the chain is empty
DELETE FROM sv.audit_chain;
SELECT * FROM sv.audit_head();
-- the chain as it was before the tampering is consistent again
DELETE FROM sv.audit_log WHERE seq = 4;
INSERT INTO sv.audit_chain (singleton, seq, hash, prev_hash, recorded_at)
  SELECT true, seq, hash, prev_hash, recorded_at FROM sv.audit_log WHERE seq = 3;
SELECT * FROM sv.audit_verify();
-- put back what other files appended before this one, and their head
DELETE FROM sv.audit_log;
DELETE FROM sv.audit_chain;
INSERT INTO sv.audit_log SELECT * FROM audit_log_before;
INSERT INTO sv.audit_chain SELECT * FROM audit_chain_before;
RESET session_replication_role;
CALL sv._append_only_enforce();
SELECT * FROM sv.audit_verify();

DROP ROLE regress_audit_admin, regress_audit_officer, regress_audit_public;
