-- Likely duplicates of complaints and reports (74_complaint_duplicate.sql): proposals when an
-- item arrives (same subject or place, similar text, within the window), the officer's merge
-- or rejection, the groups, the reporter masked for other departments, the rule's policy, and
-- a database whose LC_CTYPE makes pg_trgm blind to Chinese; every function and view as every
-- role.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_dup_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_dup_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_dup_msa LOGIN IN ROLE sv_officer;      -- market supervision (4): handles the matter
CREATE ROLE regress_dup_hurd LOGIN IN ROLE sv_officer;     -- housing (5), Xinhua district in scope
CREATE ROLE regress_dup_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_dup_health LOGIN IN ROLE sv_officer;   -- health (7), Weidong district: out of scope
CREATE ROLE regress_dup_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_dup_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_dup_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_dup_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_dup_hurd', 5, '410402') > 0 AS mapped,
       sv.staff_add('regress_dup_admin', 1, '410400') > 0 AS mapped, sv.staff_add('regress_dup_health', 7, '410403') > 0 AS mapped;

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  -- ids depend on the rows other tests created: N
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '(proposal|complaint) [0-9]+', '\1 N', 'g');
END
$$;

SELECT sv.complaint_text_search_ready() AS pg_trgm_sees_chinese;
SELECT window_days, text_threshold, context_threshold, address_threshold, nearest, builtin FROM sv.complaint_duplicate_policy;

-- the first work order, then the same matter told again by another caller a week later, an
-- unrelated matter of the same business, the same matter again two months later (outside the
-- window), and the same matter dispatched by 12345 to the housing department
SET ROLE regress_dup_feed;
SELECT sv.complaint_receive('{"work_order_no": "DUP-0001", "kind": "complaint", "received_at": "2026-03-02T09:00:00+08:00",
  "text": "新华区建设路好又多超市出售过期酸奶,生产日期是上个月,已经超过保质期,要求处理。",
  "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山好又多超市有限公司"}, "place": {"address": "新华区建设路18号", "region": "410402"},
  "person": {"name": "张三", "phone": "13800001111"}, "department": "410400-MSA"}') AS a \gset
SELECT sv.complaint_receive('{"work_order_no": "DUP-0002", "kind": "complaint", "received_at": "2026-03-09T15:30:00+08:00",
  "text": "在建设路好又多超市买的酸奶已经过期了,保质期早就过了,超市还在卖,请求相关部门处理。",
  "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山好又多超市有限公司"}, "place": {"address": "新华区建设路18号好又多", "region": "410402"},
  "person": {"name": "李四", "phone": "13900002222"}, "department": "410400-MSA"}') AS b \gset
SELECT sv.complaint_receive('{"work_order_no": "DUP-0003", "kind": "complaint", "received_at": "2026-03-10T10:00:00+08:00",
  "text": "好又多超市门口停车场乱收费,停十分钟收五元,没有公示收费标准。",
  "subject": {"uscc": "91410402MA9G5Y2P5A"}, "place": {"region": "410402"}, "anonymous": true, "department": "410400-MSA"}') AS c \gset
SELECT sv.complaint_receive('{"work_order_no": "DUP-0004", "kind": "complaint", "received_at": "2026-05-20T10:00:00+08:00",
  "text": "建设路好又多超市又在卖过期酸奶,保质期已经过了,要求处理。",
  "subject": {"uscc": "91410402MA9G5Y2P5A"}, "place": {"region": "410402"}, "anonymous": true, "department": "410400-MSA"}') AS d \gset
SELECT sv.complaint_receive('{"work_order_no": "DUP-0005", "kind": "complaint", "received_at": "2026-03-11T08:00:00+08:00",
  "text": "好又多超市(建设路)卖过期的酸奶,超过保质期了还在销售,请处理。",
  "place": {"address": "建设路18号", "region": "410402"}, "person": {"name": "王五", "phone": "13700003333"},
  "department": "410400-HURD"}') AS e \gset
RESET ROLE;

-- the proposals: B with A (text, the same subject and place), E with A (text and place) and with B
-- (text), none for C (another matter of the same business) or D (outside the 30-day window);
-- nothing was audited or pushed for a proposal
SELECT d.complaint_id - :a AS item, d.candidate_id - :a AS candidate, round(d.text_score::numeric, 3) AS text_score, d.reasons, d.state
FROM sv.complaint_duplicate d WHERE d.complaint_id BETWEEN :a AND :e ORDER BY d.complaint_id, d.candidate_id;
SELECT count(*) AS audited_proposals FROM sv.audit_log WHERE object_kind = 'complaint_duplicate'
  AND (change ->> 'complaint_id')::bigint BETWEEN :a AND :e;
SELECT id AS p_ba FROM sv.complaint_duplicate WHERE complaint_id = :b AND candidate_id = :a \gset
SELECT id AS p_ea FROM sv.complaint_duplicate WHERE complaint_id = :e AND candidate_id = :a \gset

-- the view as each role: the reporter of each item in clear only for its assigned department
SELECT r AS role, pg_temp.as_role(r, 'SELECT count(*) FROM sv_work.complaint_duplicate') AS can_read
FROM unnest('{regress_dup_msa,regress_dup_hurd,regress_dup_nomap,regress_dup_admin,regress_dup_auditor,regress_dup_bi,regress_dup_public,regress_dup_feed}'::text[]) r;
SET ROLE regress_dup_msa;
SELECT id = :p_ba AS ba, work_order_no, person_name, department_name, candidate_work_order_no, candidate_person_name,
       candidate_department_name, text_score, reasons, reasons_zh, state, state_zh
FROM sv_work.complaint_duplicate WHERE complaint_id BETWEEN :a AND :e ORDER BY complaint_id, candidate_id;
RESET ROLE;
SET ROLE regress_dup_hurd;
SELECT work_order_no, person_name, department_name, candidate_work_order_no, candidate_person_name, reasons_zh, state_zh
FROM sv_work.complaint_duplicate WHERE complaint_id BETWEEN :a AND :e ORDER BY complaint_id, candidate_id;
RESET ROLE;
SET ROLE regress_dup_nomap;
SELECT count(*) AS nomap_sees FROM sv_work.complaint_duplicate;
RESET ROLE;
SET ROLE regress_dup_health;
SELECT count(*) AS out_of_scope_sees FROM sv_work.complaint_duplicate WHERE complaint_id BETWEEN :a AND :e;
SELECT count(*) AS out_of_scope_groups FROM sv_work.complaint_group;
RESET ROLE;
SET ROLE regress_dup_auditor;
SELECT work_order_no, person_name, candidate_work_order_no, candidate_person_name FROM sv_work.complaint_duplicate
WHERE complaint_id BETWEEN :a AND :e ORDER BY complaint_id, candidate_id;
RESET ROLE;

-- confirm: officers of the department handling both items only
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.complaint_duplicate_confirm(%s)', :p_ba)) AS confirm
FROM unnest('{regress_dup_hurd,regress_dup_health,regress_dup_nomap,regress_dup_admin,regress_dup_auditor,regress_dup_bi,regress_dup_public,regress_dup_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_dup_msa', format('SELECT sv.complaint_duplicate_confirm(%s)', :p_ea)) AS other_department_item,
       pg_temp.as_role('regress_dup_msa', 'SELECT sv.complaint_duplicate_confirm(NULL)') AS null_id,
       pg_temp.as_role('regress_dup_msa', 'SELECT sv.complaint_duplicate_confirm(-1)') AS missing,
       pg_temp.as_role('regress_dup_msa', format('SELECT sv.complaint_duplicate_confirm(%s, %L)', :p_ba, E'a\u0001b')) AS bad_note;
SET ROLE regress_dup_msa;
SELECT sv.complaint_duplicate_confirm(:p_ba, '同一事项,合并办理') - :a AS primary_item;
RESET ROLE;
-- decided: confirmed again or rejected now, 55000
SELECT pg_temp.as_role('regress_dup_msa', format('SELECT sv.complaint_duplicate_confirm(%s)', :p_ba)) AS again,
       pg_temp.as_role('regress_dup_msa', format('SELECT sv.complaint_duplicate_reject(%s, %L)', :p_ba, '不是同一事项')) AS reject_confirmed;

-- reject: officers of either item's department, with a reason
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.complaint_duplicate_reject(%s, %L)', :p_ea, '不是同一事项')) AS reject
FROM unnest('{regress_dup_health,regress_dup_nomap,regress_dup_admin,regress_dup_auditor,regress_dup_bi,regress_dup_public,regress_dup_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_dup_hurd', format('SELECT sv.complaint_duplicate_reject(%s, NULL)', :p_ea)) AS no_reason,
       pg_temp.as_role('regress_dup_hurd', format('SELECT sv.complaint_duplicate_reject(%s, %L)', :p_ea, '否')) AS short_reason;
SET ROLE regress_dup_hurd;
SELECT sv.complaint_duplicate_reject(:p_ea, '住建部门另行核查,不是同一事项') AS rejected;
RESET ROLE;
SELECT d.complaint_id - :a AS item, d.candidate_id - :a AS candidate, d.state, d.decided_by, d.decision_note, d.audit_seq IS NOT NULL AS audited
FROM sv.complaint_duplicate d WHERE d.complaint_id BETWEEN :a AND :e ORDER BY d.complaint_id, d.candidate_id;
SELECT l.object_kind, l.action, l.change::jsonb - 'note' - 'reason' - 'complaint_id' - 'candidate_id' - 'primary_id' AS change,
       (l.change ->> 'complaint_id')::bigint - :a AS item
FROM sv.audit_log l WHERE l.object_kind = 'complaint_duplicate' AND (l.change ->> 'complaint_id')::bigint BETWEEN :a AND :e ORDER BY l.seq;

-- the group: A carries the handling, B keeps its work order and reporter
SELECT r AS role, pg_temp.as_role(r, 'SELECT count(*) FROM sv_work.complaint_group') AS can_read
FROM unnest('{regress_dup_msa,regress_dup_hurd,regress_dup_nomap,regress_dup_admin,regress_dup_auditor,regress_dup_bi,regress_dup_public,regress_dup_feed}'::text[]) r;
SET ROLE regress_dup_msa;
SELECT group_id - :a AS group_item, complaint_id - :a AS item, is_primary, work_order_no, channel_zh, state_zh, department_name,
       person_name, merged_by FROM sv_work.complaint_group WHERE group_id = :a ORDER BY complaint_id;
RESET ROLE;
SET ROLE regress_dup_hurd;
SELECT complaint_id - :a AS item, is_primary, work_order_no, person_name FROM sv_work.complaint_group WHERE group_id = :a ORDER BY complaint_id;
RESET ROLE;
-- an item already in a group is not merged again (a new proposal of B with another item)
INSERT INTO sv.complaint_duplicate (complaint_id, candidate_id, text_score, reasons, proposed_at)
VALUES (:b, :c, 0.5, '{text}', now()) RETURNING id AS p_bc \gset
SELECT pg_temp.as_role('regress_dup_msa', format('SELECT sv.complaint_duplicate_confirm(%s)', :p_bc)) AS already_merged;
-- a handled item is not merged: C merged into A after C was accepted and mediated
INSERT INTO sv.complaint_duplicate (complaint_id, candidate_id, text_score, reasons, proposed_at)
VALUES (:c, :a, 0.5, '{text}', now()) RETURNING id AS p_ca \gset
SET ROLE regress_dup_msa;
SELECT sv.complaint_accept(:c) > 0 AS accepted, sv.complaint_mediate(:c, 'agreed') > 0 AS mediated;
RESET ROLE;
SELECT pg_temp.as_role('regress_dup_msa', format('SELECT sv.complaint_duplicate_confirm(%s)', :p_ca)) AS handled_item;

-- the search behind the proposals, in the caller's scope
SELECT r AS role, pg_temp.as_role(r, format('SELECT * FROM sv.complaint_similar(%s)', :a)) AS similar
FROM unnest('{regress_dup_msa,regress_dup_hurd,regress_dup_health,regress_dup_nomap,regress_dup_admin,regress_dup_auditor,regress_dup_bi,regress_dup_public,regress_dup_feed}'::text[]) r;
SET ROLE regress_dup_msa;
SELECT similar_id - :a AS item, work_order_no, round(text_score::numeric, 3) AS text_score FROM sv.complaint_similar(:a, 5)
WHERE work_order_no LIKE 'DUP-%' ORDER BY text_score DESC, similar_id;
SELECT pg_temp.as_role('regress_dup_msa', format('SELECT * FROM sv.complaint_similar(%s, 0)', :a)) AS k_zero;
RESET ROLE;
SELECT pg_temp.as_role('regress_dup_nomap', format('SELECT count(*) FROM sv.complaint_similar(%s)', :a)) AS nomap_similar;

-- BI: counts only
SELECT r AS role, pg_temp.as_role(r, 'SELECT count(*) FROM sv_bi.complaint_duplicate_summary') AS can_read
FROM unnest('{regress_dup_msa,regress_dup_admin,regress_dup_auditor,regress_dup_bi,regress_dup_public,regress_dup_feed}'::text[]) r;
SET ROLE regress_dup_bi;
SELECT month, department_name, proposals, merged, rejected, pending FROM sv_bi.complaint_duplicate_summary
WHERE month = '2026-03-01' ORDER BY department_code;
RESET ROLE;

-- the rule's policy: administrators change it (audited); the rule function reads it
SELECT sv.complaint_duplicate_rule(0.25, false, false) AS text_only, sv.complaint_duplicate_rule(0.17, true, false) AS same_subject,
       sv.complaint_duplicate_rule(0.17, false, true) AS same_place, sv.complaint_duplicate_rule(0.17, false, false) AS too_low;
SELECT coalesce(max(seq), 0) AS policy_seq0 FROM sv.audit_log \gset
SELECT r AS role, pg_temp.as_role(r, $$SELECT sv.complaint_duplicate_policy_set(60, 0.25, 0.2, 0.5, 50, '试行:窗口延长到60天')$$) AS policy_set
FROM unnest('{regress_dup_msa,regress_dup_nomap,regress_dup_auditor,regress_dup_bi,regress_dup_public,regress_dup_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_dup_admin', p) AS bad_policy
FROM unnest(ARRAY[$$SELECT sv.complaint_duplicate_policy_set(0, 0.25, 0.2, 0.5, 50, '试行规则')$$,
                  $$SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.3, 0.5, 50, '试行规则')$$,
                  $$SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.1, 0.5, 50, NULL)$$,
                  $$SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.1, 0.5, 50, '否')$$]) p;
SET ROLE regress_dup_admin;
SELECT sv.complaint_duplicate_policy_set(60, 0.25, 0.2, 0.5, 50, '试行:窗口延长到60天');
RESET ROLE;
SELECT window_days, text_threshold, updated_by, builtin FROM sv.complaint_duplicate_policy ORDER BY id;
SELECT sv.complaint_duplicate_rule(0.22, false, false) AS text_only_now;
SELECT action, change ->> 'window_days' AS window_days, change -> 'before' ->> 'window_days' AS before
FROM sv.audit_log WHERE object_kind = 'complaint_duplicate_policy' AND seq > :policy_seq0 ORDER BY seq;

-- at most max_proposals per arrival, the likeliest (most reasons, then the highest similarity):
-- the same matter told a fifth time, with the rule letting one proposal through
SELECT pg_temp.as_role('regress_dup_admin', p) AS bad_max_proposals
FROM unnest(ARRAY[$$SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '试行规则', NULL, 0)$$,
                  $$SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '试行规则', NULL, 51)$$]) p;
SET ROLE regress_dup_admin;
SELECT sv.complaint_duplicate_policy_set(30, 0.2, 0.16, 0.5, 50, '试行:每件最多提示1件', NULL, 1);
RESET ROLE;
SELECT max_proposals, place_distance_m FROM sv.complaint_duplicate_policy ORDER BY id DESC LIMIT 1;
SET ROLE regress_dup_feed;
SELECT sv.complaint_receive('{"work_order_no": "DUP-0006", "kind": "complaint", "received_at": "2026-03-12T09:00:00+08:00",
  "text": "建设路好又多超市出售过期酸奶,已经过了保质期,要求处理。",
  "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山好又多超市有限公司"}, "place": {"address": "新华区建设路18号", "region": "410402"},
  "anonymous": true, "department": "410400-MSA"}') AS f \gset
RESET ROLE;
-- what the rule accepts (sv.complaint_duplicate_rule over the same candidates), and the one stored
SELECT y.work_order_no, round(sv.complaint_text_similarity(x.body, y.body)::numeric, 3) AS score,
       sv.complaint_duplicate_rule(sv.complaint_text_similarity(x.body, y.body), coalesce(y.subject_uscc = x.subject_uscc, false),
                                   coalesce(y.place_region_code = x.place_region_code
                                            AND sv.complaint_text_similarity(y.place_address, x.place_address) >= 0.5, false)) AS reasons,
       d.id IS NOT NULL AS stored
FROM sv.complaint x JOIN sv.complaint y ON y.work_order_no LIKE 'DUP-%' AND y.id <> x.id
LEFT JOIN sv.complaint_duplicate d ON d.complaint_id = x.id AND d.candidate_id = y.id
WHERE x.id = :f AND y.received_at BETWEEN x.received_at - interval '30 days' AND x.received_at + interval '30 days'
ORDER BY y.work_order_no;

-- a database whose LC_CTYPE is C: pg_trgm makes no trigram of Chinese text; the security check
-- reports it, the intake warns, the search refuses (55000)
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_dup_ctype_c TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_dup_ctype_c
SET client_min_messages = warning;
CREATE EXTENSION sv_platform CASCADE;
RESET client_min_messages;
SET timezone = 'Asia/Shanghai';
SELECT sv.complaint_text_search_ready() AS pg_trgm_sees_chinese;
SELECT severity, finding, detail FROM sv.security_check(false) WHERE finding = 'trgm_blind_to_cjk';
SELECT sv.complaint_receive('{"work_order_no": "DUP-C-1", "kind": "report", "received_at": "2026-03-02T09:00:00+08:00",
  "text": "某超市出售过期酸奶。", "anonymous": true}') > 0 AS received;
SELECT sv.complaint_similar(1);
\c :regress_db
DROP DATABASE regress_dup_ctype_c;

-- the sketches: one per item, written by the intake's trigger; the C functions refuse bad
-- arguments (22023, 22004); a probe must be sorted
SELECT count(*) = count(s.complaint_id) AS every_item_has_a_sketch, min(cardinality(s.bands)) AS keys
FROM sv.complaint c LEFT JOIN sv.complaint_sketch s ON s.complaint_id = c.id WHERE c.work_order_no LIKE 'DUP-%';
SELECT sv.complaint_text_bands('。,!', now()) IS NULL AS no_trigram_no_sketch;
SELECT sv.complaint_minhash('{a,b}', 0);
SELECT sv.complaint_minhash('{a,b}', 1025);
SELECT cardinality(sv.complaint_minhash('{a,NULL,b}', 3)) AS nulls_ignored, sv.complaint_minhash('{a,b}', 4) = sv.complaint_minhash('{b,a,a}', 4) AS a_set;
SELECT sv.complaint_band_keys(sv.complaint_minhash('{a,b}', 8), 1, 5, 2, 0);
SELECT sv.complaint_band_keys(sv.complaint_minhash('{a,b}', 8), 1, 2, 17, 0);
SELECT sv.complaint_band_keys('{1,NULL}', 1, 1, 1, 0);
SELECT sv.complaint_band_overlap('{1,2,3}', '{3,1}');
SELECT sv.complaint_band_overlap('{1,2,3,9}', '{1,3,5}') AS shared;

-- clean up what later tests list (the audit chain stays)
SET session_replication_role = replica;
DELETE FROM sv.complaint_sketch WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DUP-%');
DELETE FROM sv.complaint_group_member WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DUP-%');
DELETE FROM sv.complaint_duplicate WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DUP-%');
DELETE FROM sv.complaint_duplicate_policy WHERE NOT builtin;
DELETE FROM sv.complaint_step WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DUP-%');
DELETE FROM sv.complaint_person WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'DUP-%');
DELETE FROM sv.complaint WHERE work_order_no LIKE 'DUP-%';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_dup_%';
SET session_replication_role = DEFAULT;
DROP OWNED BY regress_dup_feed, regress_dup_admin, regress_dup_msa, regress_dup_hurd, regress_dup_nomap, regress_dup_auditor,
  regress_dup_bi, regress_dup_public, regress_dup_health;
DROP ROLE regress_dup_feed, regress_dup_admin, regress_dup_msa, regress_dup_hurd, regress_dup_nomap, regress_dup_auditor,
  regress_dup_bi, regress_dup_public, regress_dup_health;
