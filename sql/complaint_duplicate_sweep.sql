-- The duplicate proposals' sweep mode (74_complaint_duplicate.sql, proposal_mode 'sweep'): the
-- intake only queues the item (no sketch, no proposal); sv.complaint_duplicate_sweep makes its
-- sketch and proposals later, in id order, the same pairs arrival mode makes; the backlog view; every function as every role, every error.  The policy is
-- set back at the end.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_dsw_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_dsw_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_dsw_msa LOGIN IN ROLE sv_officer;      -- market supervision (4): handles the items
CREATE ROLE regress_dsw_health LOGIN IN ROLE sv_officer;   -- health (7), Weidong district: out of scope
CREATE ROLE regress_dsw_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dsw_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_dsw_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_dsw_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_dsw_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_dsw_admin', 1, '410400') > 0 AS mapped,
       sv.staff_add('regress_dsw_health', 7, '410403') > 0 AS mapped;

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- the five items of sql/complaint_duplicate.sql, received in the month given, work orders prefixed
CREATE FUNCTION pg_temp.receive_five(prefix text, month text) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
  v bigint[];
BEGIN
  SET ROLE regress_dsw_feed;
  v := ARRAY[
    sv.complaint_receive(format('{"work_order_no": "%s-1", "kind": "complaint", "received_at": "%s-02T09:00:00+08:00",
      "text": "新华区建设路好又多超市出售过期酸奶,生产日期是上个月,已经超过保质期,要求处理。",
      "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山好又多超市有限公司"}, "place": {"address": "新华区建设路18号", "region": "410402"},
      "person": {"name": "张三", "phone": "13800001111"}, "department": "410400-MSA"}', prefix, month)::jsonb),
    sv.complaint_receive(format('{"work_order_no": "%s-2", "kind": "complaint", "received_at": "%s-09T15:30:00+08:00",
      "text": "在建设路好又多超市买的酸奶已经过期了,保质期早就过了,超市还在卖,请求相关部门处理。",
      "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山好又多超市有限公司"}, "place": {"address": "新华区建设路18号好又多", "region": "410402"},
      "person": {"name": "李四", "phone": "13900002222"}, "department": "410400-MSA"}', prefix, month)::jsonb),
    sv.complaint_receive(format('{"work_order_no": "%s-3", "kind": "complaint", "received_at": "%s-10T10:00:00+08:00",
      "text": "好又多超市门口停车场乱收费,停十分钟收五元,没有公示收费标准。",
      "subject": {"uscc": "91410402MA9G5Y2P5A"}, "place": {"region": "410402"}, "anonymous": true, "department": "410400-MSA"}',
      prefix, month)::jsonb),
    sv.complaint_receive(format('{"work_order_no": "%s-4", "kind": "complaint", "received_at": "%s-11T08:00:00+08:00",
      "text": "好又多超市(建设路)卖过期的酸奶,超过保质期了还在销售,请处理。",
      "place": {"address": "建设路18号", "region": "410402"}, "person": {"name": "王五", "phone": "13700003333"},
      "department": "410400-MSA"}', prefix, month)::jsonb),
    sv.complaint_receive(format('{"work_order_no": "%s-5", "kind": "complaint", "received_at": "%s-12T09:00:00+08:00",
      "text": "建设路好又多超市出售过期酸奶,已经过了保质期,要求处理。",
      "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山好又多超市有限公司"}, "place": {"address": "新华区建设路18号", "region": "410402"},
      "anonymous": true, "department": "410400-MSA"}', prefix, month)::jsonb)];
  RESET ROLE;
  RETURN v;
END
$$;
-- the proposals among the items of a prefix, by their number in the set
CREATE FUNCTION pg_temp.pairs(prefix text) RETURNS TABLE (item text, candidate text, text_score numeric, reasons text[])
LANGUAGE sql AS $$
  SELECT split_part(x.work_order_no, '-', 3), split_part(y.work_order_no, '-', 3), round(d.text_score::numeric, 3), d.reasons
  FROM sv.complaint_duplicate d JOIN sv.complaint x ON x.id = d.complaint_id JOIN sv.complaint y ON y.id = d.candidate_id
  WHERE x.work_order_no LIKE prefix || '-%' AND y.work_order_no LIKE prefix || '-%'
$$;

-- arrival mode (the default): the proposals at intake, nothing queued
SELECT proposal_mode, builtin FROM sv.complaint_duplicate_policy;
SELECT pg_temp.receive_five('DSW-A', '2025-03') AS arrival \gset
SELECT * FROM pg_temp.pairs('DSW-A') ORDER BY 1, 2;
SELECT count(*) AS queued FROM sv.complaint_duplicate_pending;

-- the mode: administrators only (42501), arrival or sweep (22023), audited; NULL keeps it
SELECT coalesce(max(seq), 0) AS seq0 FROM sv.audit_log \gset
SELECT r AS role, pg_temp.as_role(r, $$SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '改为定时批量比对', NULL, NULL, 'sweep')$$) AS policy_set
FROM unnest('{regress_dsw_msa,regress_dsw_health,regress_dsw_nomap,regress_dsw_auditor,regress_dsw_bi,regress_dsw_public,regress_dsw_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_dsw_admin', $$SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '改为定时批量比对', NULL, NULL, 'batch')$$) AS bad_mode,
       pg_temp.as_role('regress_dsw_admin', $$SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '改为定时批量比对', NULL, NULL, '')$$) AS empty_mode;
SET ROLE regress_dsw_admin;
SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '改为定时批量比对', proposal_mode => 'sweep');
SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '模式沿用,其他不变');
RESET ROLE;
SELECT proposal_mode, max_proposals, place_distance_m, builtin FROM sv.complaint_duplicate_policy ORDER BY id;
SELECT action, change ->> 'proposal_mode' AS proposal_mode, change -> 'before' ->> 'proposal_mode' AS before
FROM sv.audit_log WHERE object_kind = 'complaint_duplicate_policy' AND seq > :seq0 ORDER BY seq;

-- sweep mode: the same five items a year later are only queued: no sketch, no proposal
SELECT pg_temp.receive_five('DSW-S', '2026-03') AS swept \gset
SELECT (SELECT count(*) FROM sv.complaint_sketch s WHERE s.complaint_id = ANY (:'swept')) AS sketches,
       (SELECT count(*) FROM sv.complaint_duplicate d WHERE d.complaint_id = ANY (:'swept') OR d.candidate_id = ANY (:'swept')) AS proposals,
       (SELECT count(*) FROM sv.complaint_duplicate_pending q WHERE q.complaint_id = ANY (:'swept')) AS queued,
       (SELECT bool_and(q.queued_at = c.recorded_at) FROM sv.complaint_duplicate_pending q JOIN sv.complaint c ON c.id = q.complaint_id)
         AS queued_at_intake;
-- a row that is not an intake (a restore, a copy: recorded_at is not now) gets its sketch at once, as before
INSERT INTO sv.complaint (work_order_no, kind, channel, body, anonymous, received_at, department_id, state, recorded_by,
                          recorded_at, accept_due, decided_at, accept_workdays, handle_start, handle_workdays, handle_due)
VALUES ('DSW-R-1', 'complaint', 'hotline', '建设路好又多超市出售过期酸奶,要求处理。', true, '2026-03-03 09:00+08', 4, 'accepted', 'regress',
        '2026-03-03 09:00+08', '2026-03-12', '2026-03-05 10:00+08', 7, '2026-03-05', 14, '2026-03-25')
RETURNING id AS restored \gset
SELECT (SELECT count(*) FROM sv.complaint_sketch WHERE complaint_id = :restored) AS restored_sketch,
       (SELECT count(*) FROM sv.complaint_duplicate_pending WHERE complaint_id = :restored) AS restored_queued;
SET session_replication_role = replica;
DELETE FROM sv.complaint_sketch WHERE complaint_id = :restored;
DELETE FROM sv.complaint WHERE id = :restored;
SET session_replication_role = DEFAULT;

-- the backlog, for BI, auditors and administrators
SELECT r AS role, pg_temp.as_role(r, 'SELECT count(*) FROM sv_bi.complaint_duplicate_backlog') AS can_read
FROM unnest('{regress_dsw_msa,regress_dsw_health,regress_dsw_nomap,regress_dsw_admin,regress_dsw_auditor,regress_dsw_bi,regress_dsw_public,regress_dsw_feed}'::text[]) r;
SET ROLE regress_dsw_bi;
SELECT proposal_mode, proposal_mode_zh, pending, oldest_queued_at IS NOT NULL AS since, oldest_wait < interval '1 hour' AS recent
FROM sv_bi.complaint_duplicate_backlog;
RESET ROLE;

-- a queue older than an hour is a finding of the security check (the job does not run)
SELECT count(*) AS findings_now FROM sv.security_check(false) WHERE finding = 'complaint_duplicate_backlog';
BEGIN;
UPDATE sv.complaint_duplicate_pending SET queued_at = queued_at - interval '2 hours';
SELECT severity, finding, object, regexp_replace(detail, 'since .+?: the job', 'since …: the job') AS detail
FROM sv.security_check(false) WHERE finding = 'complaint_duplicate_backlog';
ROLLBACK;

-- the sweep: administrators only (42501 for every other role), max_items 1-100000 (22023), given (22004)
SELECT r AS role, pg_temp.as_role(r, 'SELECT sv.complaint_duplicate_sweep()') AS sweep
FROM unnest('{regress_dsw_msa,regress_dsw_health,regress_dsw_nomap,regress_dsw_auditor,regress_dsw_bi,regress_dsw_public,regress_dsw_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_dsw_admin', 'SELECT sv.complaint_duplicate_sweep(0)') AS zero,
       pg_temp.as_role('regress_dsw_admin', 'SELECT sv.complaint_duplicate_sweep(100001)') AS too_many,
       pg_temp.as_role('regress_dsw_admin', 'SELECT sv.complaint_duplicate_sweep(NULL)') AS null_items;
SELECT count(*) AS still_queued FROM sv.complaint_duplicate_pending;

-- two items, then the rest: in id order
SELECT coalesce(max(seq), 0) AS seq1 FROM sv.audit_log \gset
SET ROLE regress_dsw_admin;
SELECT sv.complaint_duplicate_sweep(2) AS swept_first;
RESET ROLE;
SELECT array_agg(c.work_order_no ORDER BY c.id) AS still_queued FROM sv.complaint_duplicate_pending q JOIN sv.complaint c ON c.id = q.complaint_id;
SET ROLE regress_dsw_admin;
SELECT sv.complaint_duplicate_sweep() AS swept_rest;
SELECT sv.complaint_duplicate_sweep() AS nothing_left;
RESET ROLE;
-- every item has its sketch, the queue is empty, and the pairs are those of arrival mode
SELECT (SELECT count(*) FROM sv.complaint_sketch s WHERE s.complaint_id = ANY (:'swept')) AS sketches,
       (SELECT count(*) FROM sv.complaint_duplicate_pending) AS queued;
SELECT * FROM pg_temp.pairs('DSW-S') ORDER BY 1, 2;
SELECT count(*) AS differences FROM ((SELECT * FROM pg_temp.pairs('DSW-A') EXCEPT SELECT * FROM pg_temp.pairs('DSW-S'))
                                     UNION ALL (SELECT * FROM pg_temp.pairs('DSW-S') EXCEPT SELECT * FROM pg_temp.pairs('DSW-A'))) x;
-- one audit record per sweep that took items (none for the empty one); the proposals are not audited
SELECT object_kind, action, change::jsonb - 'first' - 'last' AS change, (change ->> 'last')::bigint - (change ->> 'first')::bigint AS span
FROM sv.audit_log WHERE seq > :seq1 ORDER BY seq;

-- the job that runs it every minute (run and tested in sql/jobs.sql)
SELECT job, schedule, command, roles FROM sv._jobs() WHERE job = 'complaint_duplicate_sweep';

-- an item queued in sweep mode is swept after the mode went back to arrival
SET ROLE regress_dsw_feed;
SELECT sv.complaint_receive('{"work_order_no": "DSW-L-1", "kind": "report", "received_at": "2023-03-02T09:00:00+08:00",
  "text": "某超市出售过期酸奶,要求处理。", "anonymous": true}') AS late \gset
RESET ROLE;
SET ROLE regress_dsw_admin;
SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '恢复接收时即比对', proposal_mode => 'arrival');
SELECT sv.complaint_duplicate_sweep() AS swept_after_switch;
RESET ROLE;
SELECT count(*) AS sketches FROM sv.complaint_sketch WHERE complaint_id = :late;

-- a database whose LC_CTYPE is C: the sweep writes the sketches, proposes nothing, warns once
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_dsw_ctype_c TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_dsw_ctype_c
SET client_min_messages = warning;
CREATE EXTENSION sv_platform CASCADE;
RESET client_min_messages;
SET timezone = 'Asia/Shanghai';
SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '改为定时批量比对', proposal_mode => 'sweep');
SELECT sv.complaint_receive('{"work_order_no": "DSW-C-1", "kind": "report", "received_at": "2026-03-02T09:00:00+08:00",
  "text": "某超市出售过期酸奶。", "anonymous": true}') > 0 AS received;
SELECT sv.complaint_receive('{"work_order_no": "DSW-C-2", "kind": "report", "received_at": "2026-03-03T09:00:00+08:00",
  "text": "某超市出售过期酸奶。", "anonymous": true}') > 0 AS received;
SELECT sv.complaint_duplicate_sweep() AS swept;
SELECT (SELECT count(*) FROM sv.complaint_duplicate) AS proposals, (SELECT count(*) FROM sv.complaint_duplicate_pending) AS queued;
\c :regress_db
DROP DATABASE regress_dsw_ctype_c;

-- clean up (the policy back to the built-in rule; the audit chain stays)
SET session_replication_role = replica;
DELETE FROM sv.complaint_duplicate_pending WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DSW-%');
DELETE FROM sv.complaint_sketch WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DSW-%');
DELETE FROM sv.complaint_duplicate WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DSW-%');
DELETE FROM sv.complaint_duplicate_policy WHERE NOT builtin;
DELETE FROM sv.complaint_step WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DSW-%');
DELETE FROM sv.complaint_person WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DSW-%');
DELETE FROM sv.complaint WHERE work_order_no LIKE 'DSW-%';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_dsw_%';
SET session_replication_role = DEFAULT;
SELECT proposal_mode FROM sv.complaint_duplicate_policy;
DROP OWNED BY regress_dsw_feed, regress_dsw_admin, regress_dsw_msa, regress_dsw_health, regress_dsw_nomap, regress_dsw_auditor,
  regress_dsw_bi, regress_dsw_public;
DROP ROLE regress_dsw_feed, regress_dsw_admin, regress_dsw_msa, regress_dsw_health, regress_dsw_nomap, regress_dsw_auditor,
  regress_dsw_bi, regress_dsw_public;
