-- Key events (77_key_event.sql, docs/risk.md): opened by the lead department with the departments,
-- subjects and regions involved; an append-only typed timeline whose entries link complaints,
-- leads, actions, credit events and pushes; a follow-up due in working days (the shared deadline
-- model: overdue flagged); closed with an outcome; a public summary; every error; every function
-- and view as every role.  Dates are fixed in March 2026 (always past).  Everything runs in one
-- transaction that is rolled back (the sequences are set back by hand).
\pset null '(null)'
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';
-- a statement's SQLSTATE and error, the ids masked (their sequences are shared with other tests)
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '(event|lead|action|complaint|credit_event) \d+', '\1 #', 'g');
END
$$;

BEGIN;
CREATE TEMP TABLE ke_seq AS
  SELECT format('%I.%I', schemaname, sequencename) AS seq, start_value, last_value FROM pg_sequences
  WHERE schemaname = 'sv';
CREATE ROLE regress_ke_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_ke_msa LOGIN IN ROLE sv_officer;      -- market regulation (4): leads
CREATE ROLE regress_ke_health LOGIN IN ROLE sv_officer;   -- health (7): involved
CREATE ROLE regress_ke_hurd LOGIN IN ROLE sv_officer;     -- housing (5): not involved
CREATE ROLE regress_ke_nomap LOGIN IN ROLE sv_officer;    -- no staff mapping
CREATE ROLE regress_ke_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_ke_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_ke_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_ke_feed LOGIN IN ROLE sv_integration;
SELECT sv.staff_add('regress_ke_msa', 4, '410400') > 0 AS mapped;
SELECT sv.staff_add('regress_ke_health', 7, '410400') > 0 AS mapped;
SELECT sv.staff_add('regress_ke_hurd', 5, '410400') > 0 AS mapped;
SELECT '91410402MA4RKE001' || sv.uscc_check_character('91410402MA4RKE001') AS s1 \gset
SELECT sv.subject_save(:'s1', '事件测试学校食堂', '410402', 'RKE', 'RKE-1', 'H62') IS NOT NULL AS saved;
-- things to link: an outbox message and an action (fixtures)
SELECT sv.endpoint_save('RKE-EP', 'http://127.0.0.1:9/accept/ke') AS endpoint;
SELECT sv.outbox_send('RKE-EP', 'regress.ke', '{}') AS msg \gset
INSERT INTO sv.catalog_release (label, note, published_at, published_by, items, check_items)
VALUES ('RKE-REL', 'regress: key events, rolled back', '2026-01-01 10:00+08', 'regress', 0, 0) RETURNING id AS rel \gset
INSERT INTO sv.action (uscc, kind, check_item_code, release_id, department_id, region_code, started_on, ended_on, inspectors,
                       result, publication_due, source_system, source_record_id, received_at, updated_at)
VALUES (:'s1', 'inspection', 'C01', :rel, 4, '410402', '2026-03-03', '2026-03-03', '{A1,A2}', 'case_filed',
        '2026-03-23', 'RKE', 'RKE-A-1', '2026-03-03 18:00+08', '2026-03-03 18:00+08') RETURNING id AS act \gset

-- open: market regulation leads, health is involved
SET ROLE regress_ke_msa;
SELECT sv.key_event_open('某学校食堂疑似食物中毒', 'food_safety', 'orange', '2026-03-02 12:30+08', '{4,7}', ARRAY[:'s1'],
                         '{410402}') AS e1 \gset
-- errors, each naming its argument
SELECT pg_temp.try($$SELECT sv.key_event_open(NULL, NULL, NULL, NULL, NULL)$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('', 'food_safety', 'orange', '2026-03-02 12:30+08', '{4}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open(repeat('长', 201), 'food_safety', 'orange', '2026-03-02 12:30+08', '{4}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'flood', 'orange', '2026-03-02 12:30+08', '{4}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'black', '2026-03-02 12:30+08', '{4}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2999-03-02 12:30+08', '{4}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4,99}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4,4}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{7,4}')$$);
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4}', '{91410402MA4RKE0000}')$$);
SELECT pg_temp.try(format('SELECT sv.key_event_open(%L, %L, %L, %L, %L, %L)', 'x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4}',
                          '{91410402MA4RKE009' || sv.uscc_check_character('91410402MA4RKE009') || '}'));
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4}', '{}', '{999999}')$$);
RESET ROLE;
SET ROLE regress_ke_nomap;
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4}')$$);
RESET ROLE;
SET ROLE regress_ke_auditor;
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4}')$$);
RESET ROLE;
SET ROLE regress_ke_public;
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4}')$$);
RESET ROLE;
SET ROLE regress_ke_bi;
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4}')$$);
RESET ROLE;
SET ROLE regress_ke_feed;
SELECT pg_temp.try($$SELECT sv.key_event_open('x', 'food_safety', 'red', '2026-03-02 12:30+08', '{4}')$$);
RESET ROLE;
-- an administrator opens one for housing (not involving market regulation)
SET ROLE regress_ke_admin;
SELECT sv.key_event_open('某工地塔吊倒塌', 'production_accident', 'yellow', '2026-03-04 09:00+08', '{5}') AS e2 \gset
RESET ROLE;

-- the timeline: cause, course (linking the action and the push), measure, a follow-up due in 3
-- working days, then nothing more (overdue)
SET ROLE regress_ke_msa;
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'cause', '午餐后23名学生出现呕吐腹泻症状', '2026-03-02 13:10+08')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', E'市场监管局现场检查,封存留样。\n立案调查。', '2026-03-03 10:00+08',
                          jsonb_build_array(jsonb_build_object('type', 'action', 'id', %s), jsonb_build_object('type', 'push', 'id', %L)))$$,
                          :'e1', :'act', :'msg'));
RESET ROLE;
SET ROLE regress_ke_health;
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'measure', '卫健委组织救治,学生均已出院', '2026-03-04 18:00+08')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'follow_up', '待检测结果', '2026-03-05 17:00+08', '[]', 3)$$, :'e1'));
RESET ROLE;
-- errors
SET ROLE regress_ke_msa;
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, NULL, NULL, NULL)$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'rumour', 'x', '2026-03-05 17:00+08')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', E' \n ', '2026-03-05 17:00+08')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', repeat('长', 4001), '2026-03-05 17:00+08')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2999-03-05 17:00+08')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08', '[]', 3)$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'follow_up', 'x', '2026-03-05 17:00+08', '[]', 61)$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08', '{}')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08', '[1]')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08', '[{"type": "tweet", "id": 1}]')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08', '[{"type": "lead", "id": "7"}]')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08', '[{"type": "push", "id": 7}]')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08', '[{"type": "complaint", "id": 999999999}]')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08', '[{"type": "lead", "id": 999999999, "x": 1}]')$$, :'e1'));
SELECT pg_temp.try($$SELECT sv.key_event_append(-1, 'course', 'x', '2026-03-05 17:00+08')$$);
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08')$$, :'e2'));   -- not involved
RESET ROLE;
SET ROLE regress_ke_hurd;
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08')$$, :'e1'));   -- not involved
RESET ROLE;
SET ROLE regress_ke_nomap;
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08')$$, :'e1'));
RESET ROLE;
SET ROLE regress_ke_admin;
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'course', 'x', '2026-03-05 17:00+08')$$, :'e1'));
RESET ROLE;

-- the follow-up, overdue (due 2026-03-10, nothing appended since)
SET ROLE regress_ke_health;
SELECT title, type, severity, lead_department_name, department_ids, usccs = ARRAY[:'s1']::sv.uscc[] AS s1, region_codes,
       state, entries, followup_due, followup_state, followup_overdue
FROM sv_work.key_event WHERE id IN (:e1, :e2);
RESET ROLE;
SET ROLE regress_ke_msa;   -- the lead department owes it
SELECT deadline, summary, due_on, state FROM sv_work.deadline_open WHERE object_kind = 'key_event' AND object_id = :'e1';
RESET ROLE;
-- the next entry meets it (late); the timeline in order, with its links
SET ROLE regress_ke_msa;
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'result', '检测确认为诺如病毒感染,食堂停业整顿', '2026-03-12 16:00+08')$$, :'e1'));
SELECT followup_due, followup_state, followup_overdue FROM sv_work.key_event WHERE id = :e1;
SELECT kind, kind_zh, text, occurred_at, jsonb_array_length(links) AS links, department_name, recorded_by, followup_workdays
FROM sv_work.key_event_timeline WHERE event_id = :e1 ORDER BY id;
RESET ROLE;

-- what each role sees
SET ROLE regress_ke_hurd;
SELECT id = :e2 AS e2, title FROM sv_work.key_event WHERE id IN (:e1, :e2);
SELECT count(*) FROM sv_work.key_event_timeline WHERE event_id = :e1;
RESET ROLE;
SET ROLE regress_ke_nomap;
SELECT count(*) FROM sv_work.key_event WHERE id IN (:e1, :e2);
RESET ROLE;
SET ROLE regress_ke_auditor;
SELECT count(*) FROM sv_work.key_event WHERE id IN (:e1, :e2);
SELECT count(*) FROM sv_work.key_event_timeline WHERE event_id = :e1;
RESET ROLE;
SET ROLE regress_ke_bi;
SELECT pg_temp.try('SELECT count(*) FROM sv_work.key_event');
SELECT pg_temp.try('SELECT count(*) FROM sv.key_event');
RESET ROLE;
SET ROLE regress_ke_public;
SELECT pg_temp.try('SELECT count(*) FROM sv_work.key_event');
SELECT pg_temp.try('SELECT count(*) FROM sv.key_event_entry');
SELECT count(*) AS published FROM sv_public.key_event WHERE id IN (:e1, :e2);
RESET ROLE;

-- the timeline is append-only, even for the owner
UPDATE sv.key_event_entry SET body = 'x' WHERE event_id = :e1;
DELETE FROM sv.key_event_entry WHERE event_id = :e1;

-- close and publish: the lead department (or an administrator)
SET ROLE regress_ke_health;
SELECT pg_temp.try(format($$SELECT sv.key_event_close(%s, '处置完毕')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_publish(%s, '摘要')$$, :'e1'));
RESET ROLE;
SET ROLE regress_ke_msa;
SELECT pg_temp.try(format($$SELECT sv.key_event_close(%s, NULL)$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_close(%s, '')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_close(%s, '涉事食堂停业整顿,责任人立案处罚;学生全部康复')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_close(%s, '再次结束')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_append(%s, 'follow_up', '补充', '2026-03-20 10:00+08')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_publish(%s, '联系人手机13812345678')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_publish(%s, '涉及学生410402200801011234')$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_publish(%s, repeat('长', 1001))$$, :'e1'));
SELECT pg_temp.try(format($$SELECT sv.key_event_publish(%s, '3月2日,新华区一学校食堂发生诺如病毒感染事件,23名学生就医后均已康复。涉事食堂已停业整顿。')$$, :'e1'));
RESET ROLE;
SET ROLE regress_ke_public;
SELECT type, severity, occurred_on, regions, lead_department_name, state, closed_on IS NOT NULL AS closed, summary
FROM sv_public.key_event WHERE id IN (:e1, :e2);
RESET ROLE;
SET ROLE regress_ke_admin;
SELECT pg_temp.try(format($$SELECT sv.key_event_close(%s, '塔吊事故调查结束')$$, :'e2'));
RESET ROLE;
SELECT id = :e1 AS e1, state, outcome, closed_by, followup_state, published_at IS NOT NULL AS published FROM sv_work.key_event
WHERE id IN (:e1, :e2) ORDER BY id;

-- the role matrix: who may execute each function and read (or write) each table and view
SELECT f.fn AS function, string_agg(CASE WHEN has_function_privilege(g, f.fn, 'EXECUTE') THEN substr(g, 4) ELSE '-' END, ' '
                                    ORDER BY g) AS execute
FROM (VALUES
  ('sv.key_event_open(text,text,text,timestamptz,integer[],text[],text[])'),
  ('sv.key_event_append(bigint,text,text,timestamptz,jsonb,integer)'),
  ('sv.key_event_close(bigint,text)'),
  ('sv.key_event_publish(bigint,text)'),
  ('sv._key_event_for_step(bigint,text,boolean)'),
  ('sv._key_event_text(text,text,integer)'),
  ('sv._key_event_moment(text,timestamptz)')) f(fn)
CROSS JOIN unnest(sv._group_roles()) g GROUP BY f.fn ORDER BY f.fn;
SELECT r.rel AS relation, r.priv, string_agg(CASE WHEN has_table_privilege(g, r.rel, r.priv) THEN substr(g, 4) ELSE '-' END, ' '
                                             ORDER BY g) AS granted
FROM (VALUES
  ('sv.key_event', 'SELECT'),
  ('sv.key_event', 'INSERT'),
  ('sv.key_event_entry', 'SELECT'),
  ('sv.key_event_entry', 'UPDATE'),
  ('sv_work.key_event', 'SELECT'),
  ('sv_work.key_event_timeline', 'SELECT'),
  ('sv_public.key_event', 'SELECT')) r(rel, priv)
CROSS JOIN unnest(sv._group_roles()) g GROUP BY r.rel, r.priv ORDER BY r.rel, r.priv;

-- every step in the audit chain, on the event
SELECT a.action, a.department_id, a.change::jsonb ->> 'kind' AS kind, a.change::jsonb ->> 'followup_due' AS followup_due,
       a.change::jsonb ->> 'followup_met' AS followup_met
FROM sv.audit_log a WHERE a.object_kind = 'key_event' AND a.object_id = :'e1' ORDER BY a.seq;

SELECT bool_and(v IS NOT NULL) AS sequences_restored
FROM (SELECT CASE WHEN d.last_value IS NULL THEN setval(d.seq, d.start_value, false)
                  ELSE setval(d.seq, d.last_value) END AS v
      FROM ke_seq d) s;
ROLLBACK;
