-- Deadlines on a provisional calendar (20_calendar.sql, "Deadlines on the calendar"): every
-- stored due date counted with sv.add_workdays says whether it was counted over a year without a
-- State Council notice; loading the notice (sv.calendar_load) recomputes the open ones in the
-- same transaction, each audited ('recompute') and listed in sv_work.deadline_recomputed; closed
-- ones keep their date.  sv.security_check() warns from 1 November while next year's notice is
-- missing.
-- Independent of the day it runs: the notices from this year on are taken away inside the test,
-- so that every deadline counted from today is provisional, and the notices the test loads are
-- placed relative to today; what is printed is what holds on any day.  Everything is one
-- transaction rolled back at the end (the sequences, which a rollback does not reset, are set
-- back by hand so that later tests' ids do not move).
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
BEGIN;
CREATE TEMP TABLE cd_seq AS
  SELECT format('%I.%I', schemaname, sequencename) AS seq, start_value, last_value FROM pg_sequences
  WHERE schemaname = 'sv';

-- '<SQLSTATE>: <message>' of a statement, or 'ok: <first column>'
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  EXECUTE stmt INTO v;
  RETURN 'ok: ' || coalesce(v, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '\d{4}-\d{2}-\d{2}', 'YYYY-MM-DD', 'g');
END
$$;

-- 1. sv.calendar_provisional_between(a, b): a day from a to b in a year without a notice.
-- 2031's notice is not loaded; 2025's is shipped.
SELECT sv.calendar_status(2031) AS status_2031, sv.calendar_status(2025) AS status_2025;
SELECT sv.calendar_provisional_between('2031-03-02', '2031-03-27') AS in_2031,
       sv.calendar_provisional_between('2025-06-03', '2025-07-01') AS in_2025,
       sv.calendar_provisional_between('2025-12-20', '2031-01-10') AS reaching_2031,
       sv.calendar_provisional_between('2031-03-27', '2031-03-02') AS backwards,
       sv.calendar_provisional_between(NULL, '2031-03-02') AS null_day;
SELECT pg_temp.try($$SELECT sv.calendar_provisional_between('infinity', '2031-03-02')$$) AS infinite,
       pg_temp.try($$SELECT sv.calendar_provisional_between('1900-12-31', '1901-01-10')$$) AS before_range,
       pg_temp.try($$SELECT sv.calendar_provisional_between('2100-12-20', '2101-01-10')$$) AS after_range;
-- (docs/reference/core.md's examples)
SELECT sv.calendar_provisional_between('2031-03-02', '2031-03-27');   -- true while 2031 has no notice
SELECT sv.calendar_provisional_between('2025-06-03', '2025-07-01');   -- false (2025 is shipped)
-- with 2031's notice loaded (undone at the end of the section), 2031 is no longer provisional
SAVEPOINT notice_2031;
SELECT sv.calendar_load(2031, '国务院办公厅关于2031年部分节假日安排的通知(测试)', '2030-11-05',
  '[{"festival": "元旦", "from": "2031-01-01", "to": "2031-01-01"}]') AS days_2031;
SELECT sv.calendar_status(2031) AS status_2031,
       sv.calendar_provisional_between('2031-03-02', '2031-03-27') AS in_2031,
       sv.calendar_provisional_between('2031-12-20', '2032-01-10') AS reaching_2032;
ROLLBACK TO SAVEPOINT notice_2031;

-- 2. The warning: from 1 November (Asia/Shanghai), while next year's notice is not loaded.
SELECT '2030-10-31' AS day, count(*) AS findings FROM sv._calendar_next_year_missing('2030-10-31')
UNION ALL SELECT '2030-12-31', count(*) FROM sv._calendar_next_year_missing('2030-12-31')
UNION ALL SELECT '2031-01-01', count(*) FROM sv._calendar_next_year_missing('2031-01-01')
UNION ALL SELECT '2100-11-01', count(*) FROM sv._calendar_next_year_missing('2100-11-01')
UNION ALL SELECT '2025-11-01', count(*) FROM sv._calendar_next_year_missing('2025-11-01');
SELECT * FROM sv._calendar_next_year_missing('2030-11-01');
-- (docs/reference/core.md's examples)
SELECT finding, object FROM sv._calendar_next_year_missing('2030-11-01');   -- calendar_next_year_missing | sv.calendar_notice 2031
SELECT count(*) FROM sv._calendar_next_year_missing('2030-10-31');        -- 0
SAVEPOINT notice_2031;
SELECT sv.calendar_load(2031, '国务院办公厅关于2031年部分节假日安排的通知(测试)', '2030-11-05',
  '[{"festival": "元旦", "from": "2031-01-01", "to": "2031-01-01"}]') AS days_2031;
SELECT count(*) AS findings_once_loaded FROM sv._calendar_next_year_missing('2030-11-01');
ROLLBACK TO SAVEPOINT notice_2031;
-- sv.security_check() reports it exactly when today is such a day
SELECT (SELECT count(*) FROM sv.security_check(false) WHERE finding = 'calendar_next_year_missing')
     = (SELECT count(*) FROM sv._calendar_next_year_missing(sv.local_date(now()))) AS security_check_reports_it;

-- 3. Deadlines made by the write functions.  From here on no notice is in force from this year
-- on (a fixture of this test: the rows come back with the rollback), so every deadline counted
-- from today is provisional.
SELECT extract(year FROM sv.local_date(now()))::integer AS y, sv.local_date(now()) AS today \gset
DELETE FROM sv.calendar_notice WHERE year >= :y;
SELECT sv.calendar_status(:y) AS this_year, sv.calendar_status(:y + 1) AS next_year;

CREATE ROLE regress_cd_msa LOGIN IN ROLE sv_officer;       -- market regulation (4), city-wide
CREATE ROLE regress_cd_gsbd LOGIN IN ROLE sv_officer;      -- the approval bureau (1)
CREATE ROLE regress_cd_hurd LOGIN IN ROLE sv_officer;      -- housing (5): none of these deadlines
CREATE ROLE regress_cd_nomap LOGIN IN ROLE sv_officer;     -- no staff mapping
CREATE ROLE regress_cd_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_cd_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_cd_feed LOGIN IN ROLE sv_integration;  -- the approval system, the credit feed
SELECT count(sv.staff_add(r, d, '410400')) AS mapped
FROM (VALUES ('regress_cd_msa', 4), ('regress_cd_gsbd', 1), ('regress_cd_hurd', 5)) AS v(r, d);
SELECT c || sv.uscc_check_character(c) AS k1 FROM (SELECT '91410402MA4RCD001' AS c) x \gset
SELECT c || sv.uscc_check_character(c) AS k2 FROM (SELECT '91410402MA4RCD002' AS c) x \gset
SELECT sv.subject_save(:'k1', '期限测试企业一', '410402', 'RCD-AMR', 'RCD-1', industry => 'F5211') IS NOT NULL AS saved,
       sv.subject_save(:'k2', '期限测试企业二', '410402', 'RCD-AMR', 'RCD-2', industry => 'F5211') IS NOT NULL AS saved;
SELECT count(sv.inspector_save(c, n, 4, '410400', '2020-01-01', '2099-12-31', 'RCD-ZF', 'RCD-ZF-' || c)) AS inspectors
FROM (VALUES ('豫RCD0001', '期限甲'), ('豫RCD0002', '期限乙'), ('豫RCD0003', '期限丙')) AS v(c, n);
SET ROLE regress_cd_msa;
SELECT sv.catalog_item_save('RCD-MSA-1', 4, '对食品经营活动的监督检查', '双随机抽查', '现场检查', '食品经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'city', 'city') > 0 AS item,
       sv.check_item_save('RCD-MSA-1-C01', 'RCD-MSA-1', 'city', '410400', 4, 'on_site', '进货查验记录', 'general') > 0 AS c01,
       sv.check_item_save('RCD-MSA-1-C02', 'RCD-MSA-1', 'city', '410400', 4, 'on_site', '食品贮存条件', 'general') > 0 AS c02;
RESET ROLE;
SELECT sv.catalog_publish('RCD-REL', 'calendar deadlines test') > 0 AS published;

-- publication of an action's result: 20 working days after it ended (today); one published
SET ROLE regress_cd_msa;
SELECT sv.action_record(:'k1', 'inspection', 'RCD-MSA-1-C01', 4, :'today', :'today', '{豫RCD0001,豫RCD0002}', 'no_problem')
  AS a_open \gset
SELECT sv.action_record(:'k2', 'inspection', 'RCD-MSA-1-C01', 4, :'today', :'today', '{豫RCD0001,豫RCD0002}', 'no_problem')
  AS a_closed \gset
SELECT sv.action_publish(:'k2', :a_closed) IS NOT NULL AS published;
RESET ROLE;

-- feedback of a joint punishment measure: its working days from the check; one reported
SET ROLE regress_cd_admin;
SELECT sv.sanction_measure_save('RCD-LIC', '限制新增行政许可', 'punishment', 'market_access', '国发〔2016〕33号', 4,
         '{licensing}', '{administrative_penalty}', min_severity => 3, feedback_days => 7) AS measure;
RESET ROLE;
SET ROLE regress_cd_feed;
SELECT sv.credit_event_record(:'k1', 'administrative_penalty', 3, 'city', '2025-03-01', '平市监罚〔2025〕CD1号',
         department_id => 4, penalty_types => '{business_restriction}', restricted_until => '2099-12-31') > 0 AS event;
SELECT feedback_id AS f_open FROM sv.credit_check(:'k1', 'licensing', 'XK-RCD-1') \gset
SELECT feedback_id AS f_closed FROM sv.credit_check(:'k1', 'licensing', 'XK-RCD-2') \gset
RESET ROLE;
SET ROLE regress_cd_msa;
SELECT sv.sanction_feedback_report(:f_closed, 'applied');
RESET ROLE;

-- linkage: claim (2 working days), first action (the power item's days), acknowledgment of a
-- result that affects the licence (its days); one linkage claimed and reported on
SELECT sv.power_item_save('RCD-L-001', '食品经营许可', 'licensing', 4, '[{"law": "食品安全法", "article": "第三十五条"}]',
                          approving_department_id => 1, centralised => true) > 0 AS power;
SET ROLE regress_cd_admin;
SELECT sv.linkage_rule_set('RCD-L-001', 15, 4);
RESET ROLE;
SET ROLE regress_cd_feed;
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'RCD-SP-1', 'uscc', :'k1', 'subject_name', '期限测试企业一',
  'power_code', 'RCD-L-001', 'decision', 'granted', 'licence_no', 'JY-RCD-1', 'decided_on', :'today',
  'approving_department', '1')) AS l_open \gset
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'RCD-SP-2', 'uscc', :'k2', 'subject_name', '期限测试企业二',
  'power_code', 'RCD-L-001', 'decision', 'granted', 'licence_no', 'JY-RCD-2', 'decided_on', :'today',
  'approving_department', '1')) AS l_claimed \gset
RESET ROLE;
SET ROLE regress_cd_msa;
SELECT sv.linkage_claim(:l_claimed) IS NOT NULL AS claimed;
SELECT sv.linkage_report(:l_claimed, 'penalty', '责令停业整顿并处罚款') AS r_open \gset
RESET ROLE;

-- a draw plan's run deadline: 10 working days after the seal; one cancelled
SET ROLE regress_cd_msa;
SELECT sv.draw_plan_save('RCD-P1', '期限测试抽查一', 4, :'today', :'today'::date + 60, '{"regions": ["410402"]}',
  '{RCD-MSA-1-C01}', '{"U": {"count": 1}}') AS p_closed \gset
SELECT sv.draw_seal(:p_closed, sha256('calendar deadlines nonce 1'::bytea), 'lottery;中国福利彩票3D;2099340;2099-01-10;digits=3')
  IS NOT NULL AS sealed;
SELECT sv.draw_plan_cancel(:p_closed, '测试:计划撤销,期限不再重算');
SELECT sv.draw_plan_save('RCD-P2', '期限测试抽查二', 4, :'today', :'today'::date + 60, '{"regions": ["410402"]}',
  '{RCD-MSA-1-C02}', '{"U": {"count": 1}}') AS p_open \gset
SELECT sv.draw_seal(:p_open, sha256('calendar deadlines nonce 2'::bytea), 'lottery;中国福利彩票3D;2099341;2099-01-11;digits=3')
  IS NOT NULL AS sealed;
RESET ROLE;

-- Every deadline, as registered: its start, working days, due date and flag, and whether it is
-- still open.  All provisional; each due date is the count on the calendar.
CREATE TEMP TABLE cd_before AS
SELECT 'action.publication_due' AS deadline, a.uscc::text || '/' || a.id AS object_id, a.ended_on AS start_on, 20 AS days,
       a.publication_due AS due, a.publication_due_provisional AS provisional, a.published_at IS NULL AS open
FROM sv.action a WHERE a.id IN (:a_open, :a_closed)
UNION ALL
SELECT 'sanction_feedback.due_on', f.id::text, sv.local_date(f.created_at), f.feedback_days, f.due_on, f.due_provisional,
       f.outcome IS NULL
FROM sv.sanction_feedback f WHERE f.id IN (:f_open, :f_closed)
UNION ALL
SELECT 'linkage.claim_due', l.id::text, sv.local_date(l.received_at), 2, l.claim_due, l.claim_due_provisional,
       l.claimed_at IS NULL
FROM sv.linkage l WHERE l.id IN (:l_open, :l_claimed)
UNION ALL
SELECT 'linkage.first_action_due', l.id::text, sv.local_date(l.received_at), l.first_action_days, l.first_action_due,
       l.first_action_due_provisional, l.first_action_at IS NULL
FROM sv.linkage l WHERE l.id IN (:l_open, :l_claimed)
UNION ALL
SELECT 'linkage_result.ack_due', r.id::text, sv.local_date(r.reported_at), r.ack_days, r.ack_due, r.ack_due_provisional,
       r.acknowledged_at IS NULL
FROM sv.linkage_result r WHERE r.id = :r_open
UNION ALL
SELECT 'draw_plan.run_due', p.code, sv.local_date(p.sealed_at), 10, p.run_due, p.run_due_provisional, p.status = 'sealed'
FROM sv.draw_plan p WHERE p.id IN (:p_open, :p_closed);
SELECT deadline, start_on = :'today' AS from_today,
       days, due = sv.add_workdays(start_on, days) AS counted, provisional, open
FROM cd_before ORDER BY deadline, open, object_id;
-- the registry names exactly these deadlines
SELECT name, label_zh, relation, object_kind FROM sv.calendar_deadline ORDER BY name;

-- what officials see: the flag beside each due date (the views of the work portal; the run
-- deadline on the public portal)
SET ROLE regress_cd_msa;
SELECT id = :a_open AS open_one, publication_due_provisional FROM sv_work.action_publication_due WHERE id IN (:a_open, :a_closed);
SELECT count(*) FILTER (WHERE publication_due_provisional) AS flagged FROM sv_work.action WHERE id IN (:a_open, :a_closed);
SELECT id = :f_open AS open_one, due_provisional FROM sv_work.sanction_feedback_open WHERE id IN (:f_open, :f_closed);
SELECT count(*) FILTER (WHERE due_provisional) AS flagged FROM sv_work.sanction_feedback WHERE id IN (:f_open, :f_closed);
SELECT step, linkage_id = :l_open AS open_one, done_at IS NOT NULL AS done, due_provisional
FROM sv_work.linkage_loop WHERE linkage_id IN (:l_open, :l_claimed) ORDER BY step, linkage_id;
RESET ROLE;
SELECT plan_code, status, run_due_provisional FROM sv_public.draw_plan WHERE plan_code LIKE 'RCD-%' ORDER BY plan_code;

-- a provisional run deadline moves only to the date the calendar gives (the guard of sealed plans)
SELECT pg_temp.try(format('UPDATE sv.draw_plan SET run_due = run_due + 1 WHERE id = %s RETURNING 1', :p_open)) AS moved_by_hand,
       pg_temp.try(format('UPDATE sv.draw_plan SET run_due_provisional = false WHERE id = %s RETURNING 1', :p_open)) AS unflagged_by_hand;

-- 4. This year's notice is loaded: a notice that makes the ten days after today holidays (at
-- least two of them were working days, whatever today is).  Every open deadline moves later,
-- in the same transaction; closed ones keep their date.
SELECT max(seq) AS seq_before FROM sv.audit_log \gset
SET ROLE regress_cd_admin;
SELECT sv.calendar_load(:y, '国务院办公厅关于部分节假日安排的通知(测试)', make_date(:y, 1, 1),
  jsonb_build_array(jsonb_build_object('festival', '测试假期', 'from', :'today'::date + 1, 'to', :'today'::date + 10))) AS days_set;
RESET ROLE;
CREATE TEMP TABLE cd_after AS
SELECT b.deadline, b.object_id, b.start_on, b.days, b.due AS old_due, b.open,
       CASE b.deadline
         WHEN 'action.publication_due' THEN (SELECT a.publication_due FROM sv.action a WHERE a.uscc::text || '/' || a.id = b.object_id)
         WHEN 'sanction_feedback.due_on' THEN (SELECT f.due_on FROM sv.sanction_feedback f WHERE f.id::text = b.object_id)
         WHEN 'linkage.claim_due' THEN (SELECT l.claim_due FROM sv.linkage l WHERE l.id::text = b.object_id)
         WHEN 'linkage.first_action_due' THEN (SELECT l.first_action_due FROM sv.linkage l WHERE l.id::text = b.object_id)
         WHEN 'linkage_result.ack_due' THEN (SELECT r.ack_due FROM sv.linkage_result r WHERE r.id::text = b.object_id)
         WHEN 'draw_plan.run_due' THEN (SELECT p.run_due FROM sv.draw_plan p WHERE p.code = b.object_id) END AS new_due,
       CASE b.deadline
         WHEN 'action.publication_due' THEN (SELECT a.publication_due_provisional FROM sv.action a WHERE a.uscc::text || '/' || a.id = b.object_id)
         WHEN 'sanction_feedback.due_on' THEN (SELECT f.due_provisional FROM sv.sanction_feedback f WHERE f.id::text = b.object_id)
         WHEN 'linkage.claim_due' THEN (SELECT l.claim_due_provisional FROM sv.linkage l WHERE l.id::text = b.object_id)
         WHEN 'linkage.first_action_due' THEN (SELECT l.first_action_due_provisional FROM sv.linkage l WHERE l.id::text = b.object_id)
         WHEN 'linkage_result.ack_due' THEN (SELECT r.ack_due_provisional FROM sv.linkage_result r WHERE r.id::text = b.object_id)
         WHEN 'draw_plan.run_due' THEN (SELECT p.run_due_provisional FROM sv.draw_plan p WHERE p.code = b.object_id) END AS provisional
FROM cd_before b;
-- open: later, counted on the notice, flagged only if the period still reaches a year without
-- a notice (next year); closed: the date it was held to, still flagged as counted provisionally
SELECT deadline, open, new_due > old_due AS moved_later, new_due = old_due AS unchanged,
       CASE WHEN open THEN new_due = sv.add_workdays(start_on, days) END AS counted_on_notice,
       CASE WHEN open THEN provisional = sv.calendar_provisional_between(start_on, new_due) ELSE provisional END AS flag_right
FROM cd_after ORDER BY deadline, open;
-- each change in the audit chain, on the deadline's owner, with the old and new date
SELECT l.object_kind, l.action, l.change ->> 'deadline' AS deadline, (l.change ->> 'notice_year')::integer = :y AS this_year,
       (l.change ->> 'old_due')::date = a.old_due AS old_due, (l.change ->> 'new_due')::date = a.new_due AS new_due,
       (l.change ->> 'workdays')::integer = a.days AS workdays, l.department_id
FROM sv.audit_log l JOIN cd_after a ON a.object_id = l.object_id AND a.deadline = l.change ->> 'deadline'
WHERE l.seq > :seq_before AND l.action = 'recompute'
ORDER BY deadline;
SELECT count(*) AS recompute_records_of_closed_deadlines
FROM sv.audit_log l JOIN cd_after a ON a.object_id = l.object_id AND a.deadline = l.change ->> 'deadline'
WHERE l.seq > :seq_before AND l.action = 'recompute' AND NOT a.open;
SELECT action FROM sv.audit_log WHERE seq = :seq_before + 1;   -- the load comes first
SELECT count(*) = 0 AS chain_intact FROM sv.audit_verify(:seq_before);

-- sv_work.deadline_recomputed, as each role it is granted to: officers see what they see of the
-- deadline's row (market regulation its own; the approval bureau the linkage it approved;
-- draw plans, which every officer reads, for all); administrators and auditors all
CREATE TEMP VIEW cd_mine AS
  SELECT r.* FROM sv_work.deadline_recomputed r JOIN cd_after a ON a.object_id = r.object_id AND a.deadline = r.deadline
  WHERE r.notice_year = :y;
GRANT SELECT ON cd_mine, cd_after TO PUBLIC;
SET ROLE regress_cd_admin;
SELECT r.deadline, r.deadline_name, r.object_kind, r.department_name, r.workdays = a.days AS workdays,
       r.old_due = a.old_due AS old_due, r.new_due = a.new_due AS new_due, r.days_moved > 0 AS moved_later,
       r.still_provisional = a.provisional AS still_provisional, r.recomputed_by, r.audit_seq > :seq_before AS audited
FROM cd_mine r JOIN cd_after a ON a.object_id = r.object_id AND a.deadline = r.deadline ORDER BY r.deadline;
-- (docs/reference/core.md's example)
SELECT count(*) > 0 AS doc_example
FROM (SELECT deadline_name, object_id, old_due, new_due, still_provisional FROM sv_work.deadline_recomputed ORDER BY id) x;
RESET ROLE;
SET ROLE regress_cd_msa;
SELECT 'msa' AS role, string_agg(deadline, ', ' ORDER BY deadline) AS sees FROM cd_mine;
RESET ROLE;
SET ROLE regress_cd_gsbd;
SELECT 'gsbd' AS role, string_agg(deadline, ', ' ORDER BY deadline) AS sees FROM cd_mine;
RESET ROLE;
SET ROLE regress_cd_hurd;
SELECT 'hurd' AS role, string_agg(deadline, ', ' ORDER BY deadline) AS sees FROM cd_mine;
RESET ROLE;
SET ROLE regress_cd_nomap;
SELECT 'nomap' AS role, string_agg(deadline, ', ' ORDER BY deadline) AS sees FROM cd_mine;
RESET ROLE;
SET ROLE regress_cd_auditor;
SELECT 'auditor' AS role, count(*) AS sees FROM cd_mine;
RESET ROLE;
SET ROLE regress_cd_feed;
SELECT pg_temp.try('SELECT count(*) FROM sv_work.deadline_recomputed') AS integration;
RESET ROLE;

-- 5. Next year's notice too: nothing is provisional any more (no deadline here reaches the
-- year after).
SET ROLE regress_cd_admin;
SELECT sv.calendar_load(:y + 1, '国务院办公厅关于部分节假日安排的通知(测试,次年)', make_date(:y, 11, 1),
  jsonb_build_array(jsonb_build_object('festival', '劳动节', 'from', make_date(:y + 1, 5, 1), 'to', make_date(:y + 1, 5, 1)))) AS days_set;
RESET ROLE;
SELECT deadline, count(*) FILTER (WHERE provisional) AS still_provisional
FROM (SELECT b.deadline, b.open, coalesce(
        (SELECT a.publication_due_provisional FROM sv.action a WHERE a.uscc::text || '/' || a.id = b.object_id),
        (SELECT f.due_provisional FROM sv.sanction_feedback f WHERE b.deadline = 'sanction_feedback.due_on' AND f.id::text = b.object_id),
        (SELECT l.claim_due_provisional FROM sv.linkage l WHERE b.deadline = 'linkage.claim_due' AND l.id::text = b.object_id),
        (SELECT l.first_action_due_provisional FROM sv.linkage l WHERE b.deadline = 'linkage.first_action_due' AND l.id::text = b.object_id),
        (SELECT r.ack_due_provisional FROM sv.linkage_result r WHERE b.deadline = 'linkage_result.ack_due' AND r.id::text = b.object_id),
        (SELECT p.run_due_provisional FROM sv.draw_plan p WHERE p.code = b.object_id)) AS provisional
      FROM cd_before b WHERE b.open) x
GROUP BY deadline ORDER BY deadline;

SELECT bool_and(v IS NOT NULL) AS sequences_restored
FROM (SELECT CASE WHEN d.last_value IS NULL THEN setval(d.seq, d.start_value, false)
                  ELSE setval(d.seq, d.last_value) END AS v
      FROM cd_seq d) s;
ROLLBACK;
