-- Assist requests (协查协办, issue 19): sv.assist_request_send / accept / decline / answer /
-- withdraw as every role, every error and every illegal step (55000), the deadline in the
-- deadline model, the audit records and the messages to the departments' systems.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_as_admin LOGIN IN ROLE sv_admin;         -- no staff mapping
CREATE ROLE regress_as_msa LOGIN IN ROLE sv_officer;         -- market supervision (4): asks
CREATE ROLE regress_as_hurd LOGIN IN ROLE sv_officer;        -- housing (5): is asked
CREATE ROLE regress_as_emerg LOGIN IN ROLE sv_officer;       -- emergency management (9): neither
CREATE ROLE regress_as_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_as_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_as_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_as_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_as_feed LOGIN IN ROLE sv_integration;

-- a statement run as a role: 'ok' or "SQLSTATE: message" (ids masked) (nothing it wrote stays on an error)
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RESET ROLE;
  -- ids come from sequences: named, not numbered
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '(copy notice|assist request) -?[0-9]+', '\1 <id>', 'g');
END
$$;

BEGIN;
SELECT sv.staff_add('regress_as_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_as_hurd', 5, '410400') > 0 AS mapped,
       sv.staff_add('regress_as_emerg', 9, '410400') > 0 AS mapped;
-- housing has a system of its own: the steps addressed to it go there through the outbox
SELECT sv.endpoint_save('RAS-HURD', 'http://127.0.0.1:9/accept/hurd', department_id => 5) AS endpoint;
SELECT sv.department_endpoint_set(5, 'RAS-HURD');

-- who may send: officers for their department, administrators naming one
SELECT r AS role, pg_temp.as_role(r, $q$SELECT sv.assist_request_send(5, '请协助核查该企业燃气使用情况', 5, '91410402MA9G5Y2P5A')$q$) AS result
FROM unnest('{regress_as_nomap,regress_as_auditor,regress_as_bi,regress_as_public,regress_as_feed,regress_as_admin}'::text[]) r;
SELECT pg_temp.as_role('regress_as_admin', $q$SELECT sv.assist_request_send(5, '请协助核查', 5, case_ref => 'X-1', from_department_id => 99)$q$) AS admin_unknown_department;

SET ROLE regress_as_msa;
SELECT sv.assist_request_send(5, E'请协助核查该企业燃气使用情况,\n并提供燃气经营许可信息。', 5, '91410402MA9G5Y2P5A',
                              ' 平市监立〔2026〕12号 ') AS q1 \gset
SELECT sv.assist_request_send(5, '请协助调取施工许可资料', 3, case_ref => '平市监立〔2026〕13号') AS q2 \gset
SELECT sv.assist_request_send(9, '请协助开展安全生产检查', 10, '91410402MA9G5Y2P5A') AS q3 \gset
RESET ROLE;
SELECT pg_temp.as_role('regress_as_admin', format($q$SELECT sv.assist_request_send(4, '请协助提供检查记录', 2, case_ref => '平住建〔2026〕1号', from_department_id => 5)$q$)) AS admin_for_housing;

-- every error, nothing written
SELECT pg_temp.as_role('regress_as_msa', q) AS result FROM (VALUES
  ($q$SELECT sv.assist_request_send(NULL, '请协助', 5, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(5, NULL, NULL, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(99, '请协助', 5, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(4, '请协助', 5, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(5, '请协助', 5, case_ref => 'A-1', from_department_id => 5)$q$),
  ($q$SELECT sv.assist_request_send(5, E' \n ', 5, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(5, E'请协助\u0001', 5, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(5, repeat('查', 2001), 5, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(5, '请协助', 0, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(5, '请协助', 61, case_ref => 'A-1')$q$),
  ($q$SELECT sv.assist_request_send(5, '请协助', 5)$q$),
  ($q$SELECT sv.assist_request_send(5, '请协助', 5, case_ref => '  ')$q$),
  ($q$SELECT sv.assist_request_send(5, '请协助', 5, '91410402MA9G5Y2P5B')$q$),
  ($q$SELECT sv.assist_request_send(5, '请协助', 5, case_ref => repeat('号', 101))$q$)) v(q);
SELECT count(*) AS requests FROM sv.assist_request;

-- as stored: trimmed, due in working days from the day of the request
SELECT id = :q1 AS q1, from_department_id, to_department_id, subject_uscc, case_ref, asked, workdays, state, requested_by,
       due_on = sv.add_workdays(sv.local_date(requested_at), workdays) AS due_counted,
       due_provisional = sv.calendar_provisional_between(sv.local_date(requested_at), due_on) AS flagged
FROM sv.assist_request ORDER BY id;

-- the steps: the department asked accepts, declines or answers; the requester withdraws
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.assist_request_accept(%s)', :q1)) AS accept
FROM unnest('{regress_as_msa,regress_as_emerg,regress_as_nomap,regress_as_auditor,regress_as_bi,regress_as_public,regress_as_feed}'::text[]) r;
SELECT pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_answer(%s, %L)', :q1, '已核查')) AS answer_before_accept,
       pg_temp.as_role('regress_as_hurd', 'SELECT sv.assist_request_accept(NULL)') AS null_id,
       pg_temp.as_role('regress_as_hurd', 'SELECT sv.assist_request_accept(-1)') AS unknown_id,
       pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_withdraw(%s, %L)', :q1, '不再需要')) AS asked_withdraws;
SET ROLE regress_as_hurd;
SELECT sv.assist_request_accept(:q1) AS accepted;
RESET ROLE;
SELECT pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_accept(%s)', :q1)) AS accept_twice,
       pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_decline(%s, %L)', :q1, '不属于本部门职责')) AS decline_accepted,
       pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_answer(%s, NULL)', :q1)) AS null_findings,
       pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_answer(%s, %L)', :q1, repeat('果', 4001))) AS long_findings;
SELECT pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_answer(%s, %L, %L)', :q1, '已核查', a)) AS bad_attachments
FROM unnest(ARRAY['{}', '[1]', '[{"name": "x"}]', '[{"ref": "r", "size": 1}]', '[{"ref": "r", "sha256": "ABC"}]',
                  (SELECT jsonb_agg(jsonb_build_object('ref', 'r' || i)) FROM generate_series(1, 21) i)::text]) a;
SET ROLE regress_as_hurd;
SELECT sv.assist_request_answer(:q1, E'经现场核查,该企业使用瓶装液化石油气,\n供气单位持有燃气经营许可证。',
  '[{"ref": "hurd-docs://2026/0315/1", "name": " 现场检查记录.pdf ", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
    {"ref": "hurd-docs://2026/0315/2"}]') AS answered;
SELECT sv.assist_request_decline(:q2, '  该资料由县住建局保管,请向县局申请  ') AS declined;
RESET ROLE;
SELECT pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_answer(%s, %L)', :q1, '再次反馈')) AS answer_twice,
       pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_accept(%s)', :q2)) AS accept_declined,
       pg_temp.as_role('regress_as_msa', format('SELECT sv.assist_request_withdraw(%s, %L)', :q1, '不再需要')) AS withdraw_answered,
       pg_temp.as_role('regress_as_hurd', format('SELECT sv.assist_request_decline(%s, %L)', :q3, '不属于本部门')) AS other_departments,
       pg_temp.as_role('regress_as_msa', format('SELECT sv.assist_request_withdraw(%s, %L)', :q3, 'x')) AS short_reason;
SELECT pg_temp.as_role('regress_as_msa', format('SELECT sv.assist_request_withdraw(%s, %L)', :q3, '企业已注销,无需协查')) AS withdrawn,
       pg_temp.as_role('regress_as_emerg', format('SELECT sv.assist_request_accept(%s)', :q3)) AS accept_withdrawn;

-- each one's view: the requester and the department asked see it; a third department does not
SELECT r AS role, pg_temp.as_role(r, format($q$DO $d$ BEGIN IF (SELECT count(*) FROM sv_work.assist_request) <> %s THEN RAISE 'saw %%', (SELECT count(*) FROM sv_work.assist_request); END IF; END $d$$q$, n)) AS sees
FROM (VALUES ('regress_as_msa', 4), ('regress_as_hurd', 3), ('regress_as_emerg', 1), ('regress_as_nomap', 0),
             ('regress_as_auditor', 4), ('regress_as_admin', 4)) v(r, n);
SELECT pg_temp.as_role(r, 'SELECT count(*) FROM sv_work.assist_request') AS reads
FROM unnest('{regress_as_bi,regress_as_public,regress_as_feed}'::text[]) r;
SET ROLE regress_as_msa;
SELECT from_department_name, to_department_name, case_ref, state, decline_reason, answered_by, findings, attachments, withdraw_reason
FROM sv_work.assist_request ORDER BY id;
RESET ROLE;

-- the deadline: owed by the department asked; met when answered or declined, no longer owed
-- when withdrawn (dates fixed here: requested on Monday 2 March 2026)
UPDATE sv.assist_request SET requested_at = '2026-03-02 09:00+08', due_on = sv.add_workdays('2026-03-02', workdays),
       answered_at = CASE WHEN id = :q1 THEN timestamptz '2026-03-06 17:00+08' END,
       declined_at = CASE WHEN id = :q2 THEN timestamptz '2026-03-09 10:00+08' END;
SELECT d.day, i.object_id::bigint - :q1 AS request, i.department_id, i.start_on, i.workdays, i.due_on, i.closed_at, i.state
FROM unnest('{2026-03-04,2026-03-10}'::date[]) d(day), LATERAL sv._deadline_items(d.day, false) i
WHERE i.deadline = 'assist_request.due_on' ORDER BY d.day, i.object_id::bigint;
SELECT id - :q1 AS request, state, due_on, due_state FROM sv_work.assist_request ORDER BY id;
SELECT name, label_zh, relation, reminder_days FROM sv.calendar_deadline WHERE name = 'assist_request.due_on';

-- every step in the audit chain; the findings by their hash
SELECT object_id::bigint - :q1 AS request, action, actor_role, department_id,
       change::jsonb - 'due_on' - 'due_provisional' - 'from_department' - 'to_department' AS change
FROM sv.audit_log WHERE object_kind = 'assist_request' ORDER BY seq;
-- the messages to housing's system (the requester, market supervision, has none)
SELECT o.kind, o.endpoint, o.dedup_key ~ '^assist-[0-9]+-(request|withdrawn)$' AS key_form,
       o.payload - 'request_id' - 'due_on' - 'due_provisional' AS payload
FROM sv.outbox o WHERE o.kind LIKE 'assist.%' ORDER BY o.created_at, o.kind, o.payload ->> 'case_ref';
ROLLBACK;

DROP ROLE regress_as_admin, regress_as_msa, regress_as_hurd, regress_as_emerg, regress_as_nomap, regress_as_auditor,
  regress_as_bi, regress_as_public, regress_as_feed;
