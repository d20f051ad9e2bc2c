-- sv.security_check(): a fresh install has no finding; each bad condition is reported.
-- (calendar_next_year_missing depends on the day the test runs: sql/calendar_deadlines.sql tests
-- it on fixed days and the lists here leave it out.)
\pset null '(null)'
\set SHOW_CONTEXT never

SELECT * FROM sv.security_check() WHERE finding <> 'calendar_next_year_missing';

-- Create one of each bad condition.
CREATE TABLE sv.regress_no_rls (id int);
CREATE TABLE sv.regress_rls_not_forced (id int);
ALTER TABLE sv.regress_rls_not_forced ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION sv.regress_definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
GRANT SELECT ON sv.region TO PUBLIC;
GRANT USAGE ON SCHEMA sv_bi TO PUBLIC;
GRANT INSERT, UPDATE ON sv.department TO sv_admin;
CREATE ROLE regress_dba LOGIN BYPASSRLS IN ROLE sv_officer;
CREATE ROLE regress_super LOGIN SUPERUSER;
GRANT sv_auditor TO regress_super;
CREATE ROLE regress_middle NOLOGIN IN ROLE sv_bi;
CREATE ROLE regress_indirect LOGIN BYPASSRLS IN ROLE regress_middle;
CREATE ROLE regress_gone LOGIN;
SELECT sv.staff_add('regress_gone', 4, '410400') AS gone_id \gset
SELECT :gone_id IS NOT NULL AS mapped;
DROP ROLE regress_gone;
CREATE ROLE regress_demoted LOGIN;
SELECT sv.staff_add('regress_demoted', 4, '410402') AS demoted_id \gset
SELECT :demoted_id IS NOT NULL AS mapped;
-- findings name the staff mapping by id: shown as <gone_id> and <demoted_id>, which other files'
-- mappings do not change
CREATE FUNCTION pg_temp.named(object text, gone bigint, demoted bigint) RETURNS text LANGUAGE sql AS
$$ SELECT replace(replace(object, format('staff %s ', gone), 'staff <gone_id> '),
                  format('staff %s ', demoted), 'staff <demoted_id> ') $$;
ALTER ROLE regress_demoted BYPASSRLS;
CREATE VIEW sv_work.regress_owner_view AS SELECT code FROM sv.region;
-- superusers who are not members of any sv_* role are not findings
CREATE ROLE regress_plain_super LOGIN SUPERUSER;
-- an endpoint whose host left the allow-list, and one whose secret was never set
INSERT INTO sv.endpoint (name, url, auth, updated_by, updated_at)
VALUES ('regress-gone-host', 'https://gone.invalid/hook', 'none', 'test', now()),
       ('regress-no-secret', 'http://127.0.0.1:9/accept', 'bearer', 'test', now());

SELECT severity, finding, pg_temp.named(object, :gone_id, :demoted_id) AS object, detail FROM sv.security_check()
WHERE finding <> 'calendar_next_year_missing' ORDER BY finding, object;

-- A broken audit chain is critical: the full walk finds an old record, the quick check only
-- the newest.
-- The oldest record (not seq 1 by name: a file run earlier may have consumed it in a
-- transaction it rolled back).
SELECT seq AS first_seq, action AS original_action FROM sv.audit_log ORDER BY seq LIMIT 1 \gset
BEGIN;
ALTER TABLE sv.audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE sv.audit_log SET action = 'remove' WHERE seq = :first_seq;
ALTER TABLE sv.audit_log ENABLE ALWAYS TRIGGER audit_log_no_update;
COMMIT;
SELECT severity, finding, object = 'sv.audit_log record ' || :first_seq AS names_the_oldest_record
  FROM sv.security_check() WHERE finding = 'audit_chain_broken';
SELECT count(*) AS quick_check_findings FROM sv.security_check(verify_audit_chain => false) WHERE finding = 'audit_chain_broken';
BEGIN;
ALTER TABLE sv.audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE sv.audit_log SET action = :'original_action' WHERE seq = :first_seq;
ALTER TABLE sv.audit_log ENABLE ALWAYS TRIGGER audit_log_no_update;
COMMIT;

-- Who may run it.
CREATE ROLE regress_chk_officer LOGIN IN ROLE sv_officer;
CREATE ROLE regress_chk_auditor LOGIN IN ROLE sv_auditor;
SET ROLE regress_chk_officer;
SELECT count(*) FROM sv.security_check();
RESET ROLE;
SET ROLE regress_chk_auditor;
SELECT count(*) > 0 AS auditor_sees_findings FROM sv.security_check();
RESET ROLE;

-- Mend everything: no finding again.
DROP TABLE sv.regress_no_rls, sv.regress_rls_not_forced;
DROP FUNCTION sv.regress_definer();
REVOKE SELECT ON sv.region FROM PUBLIC;
REVOKE USAGE ON SCHEMA sv_bi FROM PUBLIC;
REVOKE INSERT, UPDATE ON sv.department FROM sv_admin;
DROP VIEW sv_work.regress_owner_view;
DELETE FROM sv.endpoint WHERE name LIKE 'regress-%';
DROP ROLE regress_dba, regress_super, regress_indirect, regress_middle, regress_plain_super,
          regress_chk_officer, regress_chk_auditor;
ALTER ROLE regress_demoted NOBYPASSRLS;
SELECT severity, finding, pg_temp.named(object, :gone_id, :demoted_id) AS object FROM sv.security_check()
WHERE finding <> 'calendar_next_year_missing';
-- the staff rows of the removed login stay (history) but are ended by an administrator
SELECT sv.staff_end(id, 'login removed') IS NOT NULL AS ended FROM sv.staff WHERE role_name = 'regress_gone';
SELECT * FROM sv.security_check() WHERE finding <> 'calendar_next_year_missing';
DROP ROLE regress_demoted;
SELECT sv.staff_end(id, 'login removed') IS NOT NULL AS ended FROM sv.staff WHERE role_name = 'regress_demoted';
SELECT * FROM sv.security_check() WHERE finding <> 'calendar_next_year_missing';
