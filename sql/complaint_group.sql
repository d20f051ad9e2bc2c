-- Merged items follow their primary (74_complaint_duplicate.sql, 69_complaint_flow.sql): the
-- primary's reply and closing applied to every merged item as steps of their own (history,
-- audit, a complaint.reply message per 12345 work order, reporters never copied), merged items
-- out of the queues and of the deadline model, direct steps on them refused (55000), a late
-- merge refused, undoing a merge as every role, and the DBA's sketch rebuild as every role.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_grp_feed LOGIN IN ROLE sv_integration;   -- the 12345 system
CREATE ROLE regress_grp_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_grp_msa LOGIN IN ROLE sv_officer;        -- market supervision (4): handles the group
CREATE ROLE regress_grp_hurd LOGIN IN ROLE sv_officer;       -- housing (5), Xinhua district in scope
CREATE ROLE regress_grp_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_grp_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_grp_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_grp_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_grp_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_grp_hurd', 5, '410402') > 0 AS mapped,
       sv.staff_add('regress_grp_admin', 1, '410400') > 0 AS mapped;
-- the hotline office's system (department 10): statuses and replies go there
SELECT sv.endpoint_save('GRP-12345', 'http://127.0.0.1:9/12345', department_id => 10) AS endpoint;
SELECT sv.department_endpoint_set(10, 'GRP-12345');

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

-- A, the primary; B and D, 12345 work orders of the same matter; C, a letter about it recorded
-- by the department; E, another work order merged late
SET ROLE regress_grp_feed;
SELECT sv.complaint_receive('{"work_order_no": "GRP-0001", "kind": "complaint", "received_at": "2026-03-02T09:00:00+08:00",
  "text": "卫东路鑫源健身房突然停业,老板联系不上,办的年卡还剩十个月,要求退费。",
  "subject": {"name": "鑫源健身房"}, "place": {"address": "新华区卫东路6号", "region": "410402"},
  "person": {"name": "张三丰", "phone": "13800001111"}, "department": "410400-MSA"}') AS a \gset
SELECT sv.complaint_receive('{"work_order_no": "GRP-0002", "kind": "complaint", "received_at": "2026-03-03T10:00:00+08:00",
  "text": "鑫源健身房(卫东路)关门了,年卡没用完,老板跑了,请帮忙退钱。",
  "subject": {"name": "鑫源健身房"}, "place": {"address": "卫东路6号", "region": "410402"},
  "person": {"name": "李四海", "phone": "13900002222"}, "department": "410400-MSA"}') AS b \gset
SELECT sv.complaint_receive('{"work_order_no": "GRP-0004", "kind": "complaint", "received_at": "2026-03-04T11:00:00+08:00",
  "text": "卫东路的鑫源健身停业跑路,会员卡余额无法退还。",
  "subject": {"name": "鑫源健身房"}, "place": {"region": "410402"}, "anonymous": true, "department": "410400-MSA"}') AS d \gset
SELECT sv.complaint_receive('{"work_order_no": "GRP-0005", "kind": "complaint", "received_at": "2026-03-05T11:00:00+08:00",
  "text": "鑫源健身房卫东路店倒闭,预付年卡退费无门。",
  "subject": {"name": "鑫源健身房"}, "place": {"region": "410402"}, "anonymous": true, "department": "410400-MSA"}') AS e \gset
RESET ROLE;
SET ROLE regress_grp_msa;
SELECT sv.complaint_record('letter', '{"work_order_no": "GRP-L-0003", "kind": "complaint", "received_at": "2026-03-04T15:00:00+08:00",
  "text": "来信反映卫东路鑫源健身房停业,预付的年卡费用无法退回。",
  "subject": {"name": "鑫源健身房"}, "place": {"region": "410402"}, "person": {"name": "王五岳", "phone": "13700003333"}}') AS c \gset
RESET ROLE;
-- the proposals of each item with A (made by the intake or, if its rule did not propose one, here)
INSERT INTO sv.complaint_duplicate (complaint_id, candidate_id, text_score, reasons, proposed_at)
SELECT x, :a, 0.5, '{text}', now() FROM unnest(ARRAY[:b, :c, :d, :e]::bigint[]) x
ON CONFLICT ON CONSTRAINT complaint_duplicate_pair_key DO NOTHING;
SELECT id AS p_b FROM sv.complaint_duplicate WHERE complaint_id = :b AND candidate_id = :a \gset
SELECT id AS p_c FROM sv.complaint_duplicate WHERE complaint_id = :c AND candidate_id = :a \gset
SELECT id AS p_d FROM sv.complaint_duplicate WHERE complaint_id = :d AND candidate_id = :a \gset
SELECT id AS p_e FROM sv.complaint_duplicate WHERE complaint_id = :e AND candidate_id = :a \gset
SET ROLE regress_grp_msa;
SELECT sv.complaint_duplicate_confirm(:p_b, '同一健身房停业退费') = :a AS b_merged,
       sv.complaint_duplicate_confirm(:p_c, '同一事项的来信') = :a AS c_merged,
       sv.complaint_duplicate_confirm(:p_d) = :a AS d_merged;
-- the queue: the primary stands for its group (merged_items), the merged items are not open work
SELECT work_order_no, state, merged_items FROM sv_work.complaint_queue WHERE id IN (:a, :b, :c, :d, :e) ORDER BY id;
SELECT count(*) AS merged_overdue FROM sv_work.complaint_overdue WHERE id IN (:b, :c, :d);
SELECT count(*) AS merged_due_soon FROM sv_work.complaint_due_soon WHERE id IN (:b, :c, :d);
-- the deadline model: the merged items' deadlines are withdrawn while they follow
SELECT object_id::bigint - :a AS item, deadline FROM sv_work.deadline_open
WHERE object_kind = 'complaint' AND object_id IN (:'a', :'b', :'c', :'d', :'e') ORDER BY 1, 2;
SELECT i.deadline, i.state FROM sv._deadline_items(sv.local_date(now()), false) i
WHERE i.object_kind = 'complaint' AND i.object_id = :'b' ORDER BY 1;
SELECT id - :a AS item, primary_id - :a AS primary_item, accept_state, accept_state_zh, sign_state, hotline_reply_state FROM sv_work.complaint
WHERE id IN (:a, :b) ORDER BY id;
RESET ROLE;
-- 督办: none for a merged item (A and E overdue: supervised)
SET ROLE regress_grp_admin;
SELECT complaint_id - :a AS item, deadline FROM sv.complaint_supervise_sweep('2026-04-30')
WHERE complaint_id IN (:a, :b, :c, :d, :e) ORDER BY 1, 2;
RESET ROLE;

-- direct steps on a merged item: 55000 naming the primary; the sign-for of a 12345 work order
-- (an acknowledgement) is allowed
SELECT s AS step, pg_temp.as_role('regress_grp_msa', format(s, :b)) AS on_merged_item
FROM unnest(ARRAY['SELECT sv.complaint_accept(%s)', 'SELECT sv.complaint_refuse(%s, ''不属于本部门职责'')',
                  'SELECT sv.complaint_return(%s, ''不属于本部门职责'')', 'SELECT sv.complaint_reply(%s, ''已经处理完毕'')',
                  'SELECT sv.complaint_close(%s, false)', 'SELECT sv.complaint_extension_request(%s, 5, ''情况复杂需要延期'')',
                  'SELECT sv.complaint_sign(%s)']) s;
SELECT pg_temp.as_role('regress_grp_admin', format('SELECT sv.complaint_assign(%s, 5, %L)', :b, '改派住建部门')) AS assign_merged,
       pg_temp.as_role('regress_grp_admin', format('SELECT sv.complaint_assign(%s, 5, %L)', :a, '改派住建部门')) AS assign_primary,
       pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_return(%s, %L)', :a, '不属于本部门职责')) AS return_primary;

-- undo a merge (D): officers of the department handling the item, with a reason
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.complaint_duplicate_undo(%s, %L)', :p_d, '经核实不是同一事项')) AS undo
FROM unnest('{regress_grp_hurd,regress_grp_nomap,regress_grp_admin,regress_grp_auditor,regress_grp_bi,regress_grp_public,regress_grp_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_duplicate_undo(%s, NULL)', :p_d)) AS no_reason,
       pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_duplicate_undo(%s, %L)', :p_d, '否')) AS short_reason,
       pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_duplicate_undo(%s, %L)', :p_d, E'两行\n理由不行')) AS two_lines,
       pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_duplicate_undo(%s, %L)', :p_d, repeat('长', 501))) AS too_long,
       pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_duplicate_undo(%s, %L)', :p_e, '经核实不是同一事项')) AS not_confirmed,
       pg_temp.as_role('regress_grp_msa', 'SELECT sv.complaint_duplicate_undo(-1, ''经核实不是同一事项'')') AS missing;
SET ROLE regress_grp_msa;
SELECT sv.complaint_duplicate_undo(:p_d, '经核实不是同一事项,分别办理') = :a AS undone;
SELECT state, state_zh, decided_by, decision_note FROM sv_work.complaint_duplicate WHERE id = :p_d;
SELECT complaint_id - :a AS item, is_primary, work_order_no, state_zh FROM sv_work.complaint_group WHERE group_id = :a ORDER BY complaint_id;
SELECT work_order_no, merged_items FROM sv_work.complaint_queue WHERE id IN (:a, :b, :c, :d) ORDER BY id;
RESET ROLE;
SELECT pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_duplicate_undo(%s, %L)', :p_d, '经核实不是同一事项')) AS again;
SELECT l.action, l.change::jsonb - 'complaint_id' - 'candidate_id' - 'primary_id' - 'merged_at' AS change,
       (l.change ->> 'complaint_id')::bigint - :a AS item, l.actor_role
FROM sv.audit_log l WHERE l.object_kind = 'complaint_duplicate' AND l.object_id = :'p_d' ORDER BY l.seq;

-- the primary's reply goes to every work order of the group: it may not name a merged item's reporter
SET ROLE regress_grp_msa;
SELECT sv.complaint_accept(:a) > 0 AS accepted, sv.complaint_mediate(:a, 'failed', '经营者下落不明,调解不成') > 0 AS mediated;
RESET ROLE;
SELECT pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_reply(%s, %L)', :a, '李四海您好:经营者下落不明,已移交公安机关。'))
  AS names_a_reporter;
SET ROLE regress_grp_msa;
SELECT sv.complaint_reply(:a, '经营者下落不明,调解不成,已将线索移交公安机关,建议通过诉讼途径维权。') > 0 AS replied;
-- B and C followed, each as a step of its own; D (undone) did not
SELECT id - :a AS item, work_order_no, state, replied_at IS NOT NULL AS replied, reply_text = (SELECT reply_text FROM sv.complaint WHERE id = :a) AS same_text
FROM sv.complaint WHERE id IN (:a, :b, :c, :d) ORDER BY id;
SELECT complaint_id - :a AS item, action, action_zh, action_name, from_state, to_state, reason ~ 'GRP-0001' AS reason_names_primary,
       (detail ->> 'primary_id')::bigint = :a AS detail_primary, acted_by
FROM sv_work.complaint_history WHERE complaint_id IN (:b, :c) ORDER BY complaint_id, id;
RESET ROLE;
-- audited on each item, without anyone's identity
SELECT a.object_id::bigint - :a AS item, a.action, a.change ->> 'from_state' AS from_state, a.change ->> 'to_state' AS to_state,
       a.change ->> 'primary_work_order_no' AS primary_work_order_no, a.actor_role
FROM sv.audit_log a WHERE a.object_kind = 'complaint' AND a.object_id IN (:'b', :'c') AND a.action = 'reply' ORDER BY a.seq;
SELECT bool_or(change::text ~ '张三丰|李四海|王五岳|1380000|1390000|1370000') AS audit_carries_identity
FROM sv.audit_log WHERE object_kind IN ('complaint', 'complaint_duplicate') AND object_id IN (:'a', :'b', :'c', :'d', :'e', :'p_b', :'p_c', :'p_d');
-- one complaint.reply message per 12345 work order (A's and B's), none for the letter
SELECT o.kind, o.payload ->> 'work_order_no' AS work_order_no, o.payload ->> 'state' AS state,
       o.payload ->> 'primary_work_order_no' AS primary_work_order_no, o.payload ->> 'reply' IS NOT NULL AS has_reply,
       o.payload::text ~ '张三丰|李四海|王五岳|1380000|1390000|1370000' AS carries_identity
FROM sv.outbox o JOIN sv.complaint_step s ON s.message = o.message_id
WHERE s.complaint_id IN (:a, :b, :c) AND s.action = 'reply' ORDER BY s.id;
-- a merged item that followed the reply is not undone; a late merge into a replied primary is refused
SELECT pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_duplicate_undo(%s, %L)', :p_b, '经核实不是同一事项')) AS undo_replied,
       pg_temp.as_role('regress_grp_msa', format('SELECT sv.complaint_duplicate_confirm(%s)', :p_e)) AS late_merge;

-- the closing follows (no credit event of a merged item); the 12345 revisit of a merged work order is its own
SET ROLE regress_grp_msa;
SELECT sv.complaint_close(:a, false, '已告知诉讼途径') > 0 AS closed;
SELECT id - :a AS item, state, closed_at IS NOT NULL AS closed, substantiated FROM sv.complaint WHERE id IN (:a, :b, :c) ORDER BY id;
RESET ROLE;
SELECT o.kind, o.payload ->> 'work_order_no' AS work_order_no, o.payload ->> 'action' AS action, o.payload ->> 'state' AS state
FROM sv.outbox o JOIN sv.complaint_step s ON s.message = o.message_id
WHERE s.complaint_id IN (:a, :b, :c) AND s.action = 'close' ORDER BY s.id;
SET ROLE regress_grp_feed;
SELECT sv.complaint_revisit('{"work_order_no": "GRP-0002", "revisited_at": "2026-04-10T10:00:00+08:00", "satisfaction": "basically_satisfied"}') > 0
  AS merged_revisited;
RESET ROLE;
SELECT id - :a AS item, state, satisfaction FROM sv.complaint WHERE id IN (:a, :b) ORDER BY id;

-- the sketch rebuild (DBAs): administrators only; a missing sketch is written again as the trigger wrote it
SELECT r AS role, pg_temp.as_role(r, 'SELECT sv.complaint_sketch_rebuild(10)') AS rebuild
FROM unnest('{regress_grp_msa,regress_grp_hurd,regress_grp_nomap,regress_grp_auditor,regress_grp_bi,regress_grp_public,regress_grp_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_grp_admin', 'SELECT sv.complaint_sketch_rebuild(0)') AS batch_zero,
       pg_temp.as_role('regress_grp_admin', 'SELECT sv.complaint_sketch_rebuild(NULL)') AS batch_null;
CREATE TEMP TABLE grp_sketch AS SELECT * FROM sv.complaint_sketch WHERE complaint_id IN (:a, :b, :c, :d, :e);
DELETE FROM sv.complaint_sketch WHERE complaint_id IN (:a, :c);
SET ROLE regress_grp_admin;
SELECT sv.complaint_sketch_rebuild(1, false, :a - 1) - :a AS first_batch_last_item,
       sv.complaint_sketch_rebuild(10, false, :a) - :a AS second_batch_last_item,
       sv.complaint_sketch_rebuild(10, false, :a - 1) AS nothing_left;
RESET ROLE;
SELECT count(*) AS sketches, count(*) FILTER (WHERE s.bands = g.bands AND s.received_at = g.received_at) AS as_the_trigger_wrote
FROM grp_sketch g JOIN sv.complaint_sketch s USING (complaint_id);
-- all items, in batches of 2 from A: every item examined, the sketches unchanged
SET ROLE regress_grp_admin;
DO $$
DECLARE
  v_last bigint := (SELECT min(id) - 1 FROM sv.complaint WHERE work_order_no LIKE 'GRP-%');
  v_calls integer := 0;
BEGIN
  LOOP
    v_last := sv.complaint_sketch_rebuild(2, true, v_last);
    EXIT WHEN v_last IS NULL;
    v_calls := v_calls + 1;
  END LOOP;
  RAISE NOTICE 'calls with items: %', v_calls > 0;
END
$$;
RESET ROLE;
SELECT count(*) FILTER (WHERE s.bands = g.bands) AS unchanged FROM grp_sketch g JOIN sv.complaint_sketch s USING (complaint_id);
SELECT action, change ->> 'batch' AS batch, change ->> 'all_items' AS all_items, (change ->> 'examined')::int > 0 AS examined, actor_role
FROM sv.audit_log WHERE object_kind = 'complaint_sketch' ORDER BY seq LIMIT 4;

-- clean up what later tests list (the audit chain stays)
SET session_replication_role = replica;
DELETE FROM sv.complaint_sketch WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'GRP-%');
DELETE FROM sv.complaint_group_member WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'GRP-%');
DELETE FROM sv.complaint_duplicate WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'GRP-%')
                                      OR candidate_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'GRP-%');
DELETE FROM sv.complaint_supervision WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'GRP-%');
DELETE FROM sv.complaint_step WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'GRP-%');
DELETE FROM sv.complaint_person WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'GRP-%');
DELETE FROM sv.complaint WHERE work_order_no LIKE 'GRP-%';
DELETE FROM sv.outbox WHERE endpoint = 'GRP-12345';
DELETE FROM sv.department_endpoint WHERE endpoint = 'GRP-12345';
DELETE FROM sv.endpoint WHERE name = 'GRP-12345';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_grp_%';
SET session_replication_role = DEFAULT;
DROP OWNED BY regress_grp_feed, regress_grp_admin, regress_grp_msa, regress_grp_hurd, regress_grp_nomap, regress_grp_auditor,
  regress_grp_bi, regress_grp_public;
DROP ROLE regress_grp_feed, regress_grp_admin, regress_grp_msa, regress_grp_hurd, regress_grp_nomap, regress_grp_auditor,
  regress_grp_bi, regress_grp_public;
