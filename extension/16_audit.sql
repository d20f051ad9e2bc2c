-- ---------------------------------------------------------------------------------------------
-- 16_audit: the hash-chained audit trail (审计链; the plan's 区块链 tamper evidence).
--
-- Every state change appends one record in the same transaction as the change.  Records form
-- one chain for the whole platform: record n stores the hash of record n-1, and its own hash is
-- SHA-256 over that and a canonical encoding of the record (docs/audit.md).  Appends from many
-- sessions serialise on the chain head row until commit, so the chain has no gaps and no forks
-- (an aborted append leaves nothing behind; under REPEATABLE READ a concurrent append fails
-- with a serialization error instead of forking).
--
-- Tables:     sv.audit_log (append-only), sv.audit_chain (the head: one row)
-- Functions:  sv.audit_append(...) (called by write functions; granted to no role),
--             sv.audit_verify(from_seq, to_seq), sv.audit_head()
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
  hash          bytea NOT NULL
  -- no CHECK constraints: sv.audit_append is the only writer and validates everything, and
  -- each CHECK would cost expression setup on every append; sv.audit_verify checks the hashes
);
COMMENT ON TABLE sv.audit_log IS 'Append-only, hash-chained record of every state change (docs/audit.md)';
COMMENT ON COLUMN sv.audit_log.change IS
  'What changed, as the text of a jsonb value (keys ordered and de-duplicated); cast to jsonb to query';
CREATE INDEX audit_log_object_idx ON sv.audit_log (object_kind, object_id);

CREATE TABLE sv.audit_chain (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seq         bigint NOT NULL,
  hash        bytea NOT NULL,
  prev_hash   bytea NOT NULL,
  recorded_at timestamptz
);
COMMENT ON TABLE sv.audit_chain IS
  'Head of the audit chain: the last record''s seq and hash (one row, created by the first append)';

ALTER TABLE sv.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_chain ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.audit_chain FORCE ROW LEVEL SECURITY;
-- officers see their department's records; the supervision office and administrators all
CREATE POLICY audit_log_department ON sv.audit_log FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY audit_log_all ON sv.audit_log FOR SELECT TO sv_admin, sv_auditor USING (true);
CREATE POLICY audit_chain_read ON sv.audit_chain FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.audit_log, sv.audit_chain TO sv_admin, sv_auditor;
GRANT SELECT ON sv.audit_log TO sv_officer;

-- Both are user data: pg_dump keeps them whole (no shipped rows, so nothing conflicts).
SELECT pg_catalog.pg_extension_config_dump('sv.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('sv.audit_chain', '');

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

CREATE OR REPLACE FUNCTION sv._audit_hash(prev_hash bytea, seq bigint, recorded_at timestamptz,
                               actor_session text, actor_role text, department_id integer,
                               object_kind text, object_id text, action text, change text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'sv_audit_hash' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv._audit_hash(bytea, bigint, timestamptz, text, text, integer, text, text, text, text) IS
  'SHA-256 of one audit record chained to the previous hash (encoding v1, docs/audit.md)';

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

CREATE OR REPLACE FUNCTION sv.audit_head(OUT seq bigint, OUT hash text, OUT recorded_at timestamptz)
RETURNS record
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  SELECT h.seq, encode(h.hash, 'hex'), h.recorded_at INTO seq, hash, recorded_at
  FROM sv.audit_chain h WHERE h.singleton;
  IF NOT FOUND THEN
    -- an empty chain has no head row yet; records without a head mean the head was removed
    IF EXISTS (SELECT 1 FROM sv.audit_log) THEN
      RAISE EXCEPTION 'the audit chain head is missing although the log has records'
        USING ERRCODE = 'data_corrupted', HINT = 'Run sv.audit_verify() and investigate.';
    END IF;
    seq := 0;
    hash := repeat('0', 64);
  END IF;
END
$fn$;
COMMENT ON FUNCTION sv.audit_head() IS
  'The head of the audit chain (seq, hex SHA-256, time) for publication; seq 0 and zeros when empty';

GRANT EXECUTE ON FUNCTION sv.audit_verify(bigint, bigint) TO sv_admin, sv_auditor;
GRANT EXECUTE ON FUNCTION sv.audit_head() TO sv_admin, sv_officer, sv_auditor, sv_public, sv_bi, sv_integration;
