-- ---------------------------------------------------------------------------------------------
-- 16_audit: the hash-chained audit trail (审计链; the plan's 区块链 tamper evidence).
--
-- Every state change appends one record in the same transaction as the change.  Records form
-- lanes: independent hash chains, where record n of a lane stores the hash of record n-1 of the
-- same lane, and its own hash is SHA-256 over that and a canonical encoding of the record
-- (docs/audit.md).  A transaction's first append takes a lane no other open transaction holds
-- (a try-lock: it never waits for another transaction's commit) and keeps it until it ends, so
-- a lane has no gaps and no forks.  The published head (sv.audit_head) is a SHA-256 over the
-- heads of all lanes: it pins every lane's history up to those heads.  The 0.1.0 single chain
-- (records with lane NULL, encoding v1) is lane 0: closed, verified and pinned the same way.
--
-- Tables:     sv.audit_log (append-only), sv.audit_lane (one head row per lane),
--             sv.audit_chain (the head of the 0.1.0 chain, lane 0; empty on a fresh install)
-- Sequence:   sv.audit_log_seq (record numbers: unique, increasing along every lane, with gaps)
-- Functions:  sv.audit_append(...) (called by write functions; granted to no role),
--             sv.audit_verify(from_seq, to_seq), sv.audit_head(), sv.audit_root(lanes)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.audit_log (
  seq           bigint PRIMARY KEY,
  recorded_at   timestamptz NOT NULL,
  actor_session text NOT NULL,       -- session_user: the login
  actor_role    text NOT NULL,       -- the role in effect (SET ROLE), even inside SECURITY DEFINER
  department_id integer,             -- whose record it is (RLS); NULL for platform-wide changes
  object_kind   text NOT NULL,
  object_id     text,
  action        text NOT NULL,
  change        json NOT NULL,       -- canonical jsonb text, stored verbatim: the hashed bytes
  prev_hash     bytea NOT NULL,
  hash          bytea NOT NULL,
  lane          integer,           -- 0.2.0: the lane (chain) of the record; NULL: the 0.1.0 chain
  lane_seq      bigint             -- 0.2.0: its position in the lane, from 1; NULL: seq is
  -- no CHECK constraints: sv.audit_append is the only writer and validates everything, and
  -- each CHECK would cost expression setup on every append; sv.audit_verify checks the hashes
);
COMMENT ON TABLE sv.audit_log IS 'Append-only, hash-chained record of every state change (docs/audit.md)';
COMMENT ON COLUMN sv.audit_log.change IS
  'What changed, as the text of a jsonb value (keys ordered and de-duplicated); cast to jsonb to query';
CREATE INDEX audit_log_object_idx ON sv.audit_log (object_kind, object_id);
-- each lane's first record, so a lane's first append finds whether the lane already has records
-- (its head row removed) without reading the whole log: one entry per lane
CREATE INDEX audit_log_lane_start_idx ON sv.audit_log (lane) WHERE lane_seq = 1;
CREATE SEQUENCE sv.audit_log_seq AS bigint;
COMMENT ON SEQUENCE sv.audit_log_seq IS
  'Record numbers of sv.audit_log (taken under the lane lock: increasing along every lane)';

CREATE TABLE sv.audit_chain (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seq         bigint NOT NULL,
  hash        bytea NOT NULL,
  prev_hash   bytea NOT NULL,
  recorded_at timestamptz
);
COMMENT ON TABLE sv.audit_chain IS
  'Head of the 0.1.0 audit chain (lane 0): its last record''s seq and hash (no row on a fresh 0.2.0 install)';

CREATE TABLE sv.audit_lane (
  lane        integer PRIMARY KEY,
  lane_seq    bigint NOT NULL,       -- the lane's last record's position (0: none yet)
  seq         bigint NOT NULL,       -- ... and its seq
  hash        bytea NOT NULL,        -- ... and its hash (32 zero bytes: none yet)
  prev_hash   bytea NOT NULL,        -- ... and the hash it links to
  recorded_at timestamptz
);
COMMENT ON TABLE sv.audit_lane IS
  'Heads of the audit lanes: each lane''s last record (lane_seq, seq, hash), written in the appending transaction';

ALTER TABLE sv.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_chain ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_chain FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_lane ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_lane FORCE ROW LEVEL SECURITY;
-- officers see their department's records; the supervision office and administrators all
CREATE POLICY audit_log_department ON sv.audit_log FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY audit_log_all ON sv.audit_log FOR SELECT TO sv_admin, sv_auditor USING (true);
CREATE POLICY audit_chain_read ON sv.audit_chain FOR SELECT TO sv_admin, sv_auditor USING (true);
CREATE POLICY audit_lane_read ON sv.audit_lane FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.audit_log, sv.audit_chain, sv.audit_lane TO sv_admin, sv_auditor;
GRANT SELECT ON sv.audit_log TO sv_officer;

-- Both are user data: pg_dump keeps them whole (no shipped rows, so nothing conflicts).
SELECT pg_catalog.pg_extension_config_dump('sv.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('sv.audit_chain', '');
SELECT pg_catalog.pg_extension_config_dump('sv.audit_lane', '');
SELECT pg_catalog.pg_extension_config_dump('sv.audit_log_seq', '');

-- Nobody rewrites history through SQL, the owner included; a superuser who disables these
-- triggers and edits anyway is caught by sv.audit_verify.  (No INSERT trigger: appends stay cheap.)
-- The triggers are set ENABLE ALWAYS in 89_append_only.sql (its registry lists them), so the
-- replica role does not pass them, and sv.security_check() reports one disabled.
CREATE OR REPLACE FUNCTION sv._audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: the audit trail is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Records are added by the platform''s write functions through sv.audit_append().';
END
$fn$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON sv.audit_log
  FOR EACH ROW EXECUTE FUNCTION sv._audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON sv.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION sv._audit_refuse_change();
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON sv.audit_chain
  FOR EACH ROW EXECUTE FUNCTION sv._audit_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON sv.audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION sv._audit_refuse_change();
CREATE TRIGGER audit_lane_no_delete BEFORE DELETE ON sv.audit_lane
  FOR EACH ROW EXECUTE FUNCTION sv._audit_refuse_change();
CREATE TRIGGER audit_lane_no_truncate BEFORE TRUNCATE ON sv.audit_lane
  FOR EACH STATEMENT EXECUTE FUNCTION sv._audit_refuse_change();

CREATE OR REPLACE FUNCTION sv._audit_hash(prev_hash bytea, seq bigint, recorded_at timestamptz,
                               actor_session text, actor_role text, department_id integer,
                               object_kind text, object_id text, action text, change text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_audit_hash' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv._audit_hash(bytea, bigint, timestamptz, text, text, integer, text, text, text, text) IS
  'SHA-256 of one audit record chained to the previous hash (encoding v1, docs/audit.md)';

CREATE OR REPLACE FUNCTION sv._audit_hash2(prev_hash bytea, seq bigint, lane integer, lane_seq bigint,
                               recorded_at timestamptz, actor_session text, actor_role text,
                               department_id integer, object_kind text, object_id text, action text,
                               change text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_audit_hash2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv._audit_hash2(bytea, bigint, integer, bigint, timestamptz, text, text, integer, text, text, text, text) IS
  'SHA-256 of one audit record of a lane chained to the previous hash of the lane (encoding v2, docs/audit.md)';

-- Append one record; returns its seq (C, src/audit/append.c).  Called by write functions, which
-- run as the owner, in the transaction of the change; no application role may call it.  Not
-- SECURITY DEFINER: it runs as its caller (always the owner) and its statements are
-- schema-qualified with pg_catalog operators spelt out.
CREATE OR REPLACE FUNCTION sv.audit_append(department_id integer, object_kind text, object_id text,
                                action text, change jsonb)
RETURNS bigint
AS 'MODULE_PATHNAME', 'sv_audit_append' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION sv.audit_append(integer, text, text, text, jsonb) IS
  'Append one record to the audit chain in the current transaction; returns its seq';

CREATE OR REPLACE FUNCTION sv.audit_verify(from_seq bigint DEFAULT 1, to_seq bigint DEFAULT NULL)
RETURNS TABLE (seq bigint, problem text, detail text)
AS 'MODULE_PATHNAME', 'sv_audit_verify' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION sv.audit_verify(bigint, bigint) IS
  'The first broken link of the audit chain in [from_seq, to_seq] (to the head when to_seq is NULL), or no row';
-- It reads the chain straight off the table (all records, whatever the caller's row scope),
-- so it is granted to the supervision office and administrators only.

-- The published head: one SHA-256 over the heads of all lanes (docs/audit.md, "head v2"):
--   SHA-256("sv_platform/audit/head/v2" 0x00 || for each lane with records, ascending:
--            uint32 BE lane || uint64 BE lane_seq || the lane's last hash (32 bytes))
-- with the 0.1.0 chain as lane 0 (lane_seq = seq).  lanes lists "lane:seq" of every lane head
-- covered, so that sv.audit_root(lanes) recomputes the same hash from the records later.
CREATE OR REPLACE FUNCTION sv.audit_head(OUT seq bigint, OUT hash text, OUT recorded_at timestamptz,
                                         OUT lanes text)
RETURNS record
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  -- the 0.1.0 chain starts at record 1: its records without their head mean the head was removed
  IF NOT EXISTS (SELECT 1 FROM sv.audit_chain c WHERE c.singleton)
     AND EXISTS (SELECT 1 FROM sv.audit_log l WHERE l.seq = 1 AND l.lane IS NULL) THEN
    RAISE EXCEPTION 'the audit chain head is missing although the log has records'
      USING ERRCODE = 'data_corrupted', HINT = 'Run sv.audit_verify() and investigate.';
  END IF;
  SELECT coalesce(max(h.seq), 0),
         coalesce(encode(sha256(convert_to('sv_platform/audit/head/v2', 'UTF8') || '\x00'::bytea ||
                                string_agg(int4send(h.lane) || int8send(h.lane_seq) || h.hash, ''::bytea
                                           ORDER BY h.lane)), 'hex'), repeat('0', 64)),
         max(h.recorded_at),
         coalesce(string_agg(h.lane || ':' || h.seq, ' ' ORDER BY h.lane), '')
  INTO seq, hash, recorded_at, lanes
  FROM (SELECT 0 AS lane, c.seq AS lane_seq, c.seq, c.hash, c.recorded_at
        FROM sv.audit_chain c WHERE c.singleton AND c.seq > 0
        UNION ALL
        SELECT l.lane, l.lane_seq, l.seq, l.hash, l.recorded_at
        FROM sv.audit_lane l WHERE l.lane_seq > 0) h;
END
$fn$;
COMMENT ON FUNCTION sv.audit_head() IS
  'The published head of the audit trail: the newest seq, the hex SHA-256 over all lane heads, its time and the lanes (lane:seq) it covers; 0 and zeros when empty';

-- The head hash recomputed from the stored records that a published head's lanes name: equal
-- to the published hash exactly when those records are still there, unchanged.  NULL when a
-- named record is gone or is not in the lane named.
CREATE OR REPLACE FUNCTION sv.audit_root(lanes text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  pairs text[];
  found_count integer;
  result text;
BEGIN
  IF lanes IS NULL THEN
    RAISE EXCEPTION 'lanes must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF lanes !~ '^([0-9]{1,9}:[0-9]{1,18}( [0-9]{1,9}:[0-9]{1,18})*)?$' THEN
    RAISE EXCEPTION 'lanes must be a list of lane:seq separated by spaces, not %', quote_literal(lanes)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF lanes = '' THEN
    RETURN repeat('0', 64);
  END IF;
  pairs := string_to_array(lanes, ' ');
  SELECT count(*), encode(sha256(convert_to('sv_platform/audit/head/v2', 'UTF8') || '\x00'::bytea ||
                                 string_agg(int4send(p.lane) || int8send(coalesce(l.lane_seq, l.seq)) || l.hash, ''::bytea
                                            ORDER BY p.lane)), 'hex')
  INTO found_count, result
  FROM (SELECT split_part(x, ':', 1)::integer AS lane, split_part(x, ':', 2)::bigint AS seq
        FROM unnest(pairs) x) p
  JOIN sv.audit_log l ON l.seq = p.seq AND coalesce(l.lane, 0) = p.lane;
  IF found_count <> cardinality(pairs) THEN
    RETURN NULL;
  END IF;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION sv.audit_root(text) IS
  'The head hash over the records a published head names (lanes as lane:seq), or NULL when one is gone';

GRANT EXECUTE ON FUNCTION sv.audit_verify(bigint, bigint), sv.audit_root(text) TO sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv.audit_head() TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
