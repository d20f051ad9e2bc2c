-- Complaints and reports (投诉举报) from the 12345 hotline: sv.complaint_receive (every field,
-- every error, idempotency), the audit record without the reporter, and reporter
-- confidentiality (举报人信息保密) read as every role.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_cp_feed LOGIN IN ROLE sv_integration;   -- the 12345 system
CREATE ROLE regress_cp_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_cp_msa LOGIN IN ROLE sv_officer;        -- market supervision (department 4): assigned
CREATE ROLE regress_cp_hurd LOGIN IN ROLE sv_officer;       -- housing (department 5), Xinhua district
CREATE ROLE regress_cp_nomap LOGIN IN ROLE sv_officer;      -- no staff mapping
CREATE ROLE regress_cp_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_cp_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_cp_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_cp_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_cp_hurd', 5, '410402') > 0 AS mapped;

-- an error as "SQLSTATE: message"
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- a receive with a payload: the error, or 'ok'
CREATE FUNCTION pg_temp.receive(payload jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.try(format('SELECT sv.complaint_receive(%L::jsonb)', payload))
$$;
-- a statement run as a role (the role is reset after it, or by the error)
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

-- a valid report: the base of the error cases below
SELECT '{"work_order_no": "RGC-2026-0001", "kind": "report", "received_at": "2026-03-02T09:15:00+08:00",
         "text": "某超市销售过期食品。\n举报人要求保密。",
         "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山某超市", "address": "新华区建设路1号"},
         "place": {"address": "新华区建设路1号", "region": "410402"},
         "person": {"name": "王小明", "phone": "13812345678", "id_number": "11010519491231002X"},
         "attachments": [{"ref": "12345://attachment/88", "name": "照片.jpg",
                          "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}],
         "department": "410400-MSA"}' AS base \gset
SELECT sv.uscc_check('91410402MA9G5Y2P5A') IS NULL AS uscc_valid;

-- who may call it: the hotline's integration only
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.complaint_receive(%L::jsonb)', :'base')) AS result
FROM unnest('{regress_cp_admin,regress_cp_msa,regress_cp_nomap,regress_cp_auditor,regress_cp_bi,regress_cp_public}'::text[]) r;
RESET ROLE;

SET ROLE regress_cp_feed;
SELECT sv.complaint_receive(:'base') AS c1 \gset
-- an anonymous complaint, not yet dispatched; an inquiry for housing
SELECT sv.complaint_receive('{"work_order_no": "RGC-2026-0002", "kind": "complaint", "received_at": "2026-03-02T10:00:00Z",
         "text": "  买到的电器有质量问题,商家拒绝退换。  ", "anonymous": true,
         "subject": {"name": "某电器店"}, "place": {"region": "410411"}}') AS c2 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGC-2026-0003", "kind": "inquiry", "received_at": "2026-03-03T08:00:00+08:00",
         "text": "咨询房屋维修基金申请流程", "person": {"name": "李四", "phone": "0375-2345678"},
         "place": {"region": "410402"}, "department": "410400-HURD", "anonymous": false, "attachments": null}') AS c3 \gset
-- the same work order again: the same item, nothing written
SELECT sv.complaint_receive(:'base') = :c1 AS same_item;
SELECT pg_temp.receive(:'base'::jsonb || '{"text": "另一段内容"}');
SELECT pg_temp.receive(:'base'::jsonb || '{"person": {"name": "王小明"}, "department": null}');
RESET ROLE;
SELECT count(*) AS items, count(*) FILTER (WHERE work_order_no = 'RGC-2026-0001') AS work_order_0001
FROM sv.complaint WHERE work_order_no LIKE 'RGC-%';
SELECT work_order_no, kind, channel, body, subject_uscc, subject_name, place_region_code, anonymous, person_name_masked,
       person_phone_masked, person_id_masked, jsonb_array_length(attachments) AS attachments, received_at, department_id,
       state, recorded_by
FROM sv.complaint WHERE work_order_no LIKE 'RGC-%' ORDER BY work_order_no;
SELECT c.work_order_no, p.name, p.phone, p.id_number FROM sv.complaint_person p JOIN sv.complaint c ON c.id = p.complaint_id
WHERE c.work_order_no LIKE 'RGC-%' ORDER BY 1;

-- the audit records: one per item, no identity (not even masked) and not the text
SELECT a.object_id::bigint = c.id AS same_item, a.action, a.department_id, a.actor_role,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(a.change::jsonb) k) AS keys,
       a.change::text ~ '王|李四|13812345678|2345678|11010519491231002X|1381|保密' AS carries_identity_or_text
FROM sv.audit_log a JOIN sv.complaint c ON a.object_kind = 'complaint' AND a.object_id = c.id::text
WHERE c.work_order_no LIKE 'RGC-%' ORDER BY c.work_order_no;

-- every field refused, naming it (nothing written)
SET ROLE regress_cp_feed;
SELECT label, pg_temp.receive(p) AS result FROM (VALUES
  ('null payload', NULL),
  ('array payload', '[1]'::jsonb),
  ('unknown field', :'base'::jsonb || '{"reporter": "x"}'),
  ('no work order', :'base'::jsonb - 'work_order_no'),
  ('work order number', :'base'::jsonb || '{"work_order_no": "A/1"}'),
  ('work order number short', :'base'::jsonb || '{"work_order_no": "A1"}'),
  ('work order not string', :'base'::jsonb || '{"work_order_no": 12345}'),
  ('no kind', :'base'::jsonb - 'kind'),
  ('kind', :'base'::jsonb || '{"kind": "投诉"}'),
  ('no text', :'base'::jsonb - 'text'),
  ('text not string', :'base'::jsonb || '{"text": ["a"]}'),
  ('blank text', :'base'::jsonb || '{"text": " \n "}'),
  ('control character', :'base'::jsonb || jsonb_build_object('text', 'ab' || chr(7))),
  ('zero-width', :'base'::jsonb || jsonb_build_object('text', 'a' || chr(8203) || 'b')),
  ('text too long', :'base'::jsonb || jsonb_build_object('text', repeat('诉', 4001))),
  ('no received_at', :'base'::jsonb - 'received_at'),
  ('no time zone', :'base'::jsonb || '{"received_at": "2026-03-02T09:15:00"}'),
  ('not a time', :'base'::jsonb || '{"received_at": "2026-02-30T09:15:00+08:00"}'),
  ('future', :'base'::jsonb || '{"received_at": "2999-01-01T00:00:00+08:00"}'),
  ('before 2000', :'base'::jsonb || '{"received_at": "1999-12-31T00:00:00+08:00"}'),
  ('subject not object', :'base'::jsonb || '{"subject": "某超市"}'),
  ('subject unknown field', :'base'::jsonb || '{"subject": {"legal_rep": "x"}}'),
  ('subject empty', :'base'::jsonb || '{"subject": {"address": "建设路"}}'),
  ('subject uscc', :'base'::jsonb || '{"subject": {"uscc": "91410402MA9G5Y2P5B"}}'),
  ('subject uscc null', :'base'::jsonb || '{"subject": {"uscc": null}}'),
  ('subject name too long', :'base'::jsonb || jsonb_build_object('subject', jsonb_build_object('name', repeat('店', 201)))),
  ('subject name line break', :'base'::jsonb || jsonb_build_object('subject', jsonb_build_object('name', E'a\nb'))),
  ('place not object', :'base'::jsonb || '{"place": [1]}'),
  ('place unknown field', :'base'::jsonb || '{"place": {"gps": [1, 2]}}'),
  ('place region', :'base'::jsonb || '{"place": {"region": "999999"}}'),
  ('place region number', :'base'::jsonb || '{"place": {"region": 410402}}'),
  ('place address too long', :'base'::jsonb || jsonb_build_object('place', jsonb_build_object('address', repeat('路', 201)))),
  ('anonymous not boolean', :'base'::jsonb || '{"anonymous": "yes"}'),
  ('anonymous and person', :'base'::jsonb || '{"anonymous": true}'),
  ('no person', :'base'::jsonb - 'person'),
  ('person not object', :'base'::jsonb || '{"person": "王小明"}'),
  ('person unknown field', :'base'::jsonb || '{"person": {"name": "王小明", "email": "x@y"}}'),
  ('person without name', :'base'::jsonb || '{"person": {"phone": "13812345678"}}'),
  ('person name too long', :'base'::jsonb || jsonb_build_object('person', jsonb_build_object('name', repeat('王', 51)))),
  ('phone', :'base'::jsonb || '{"person": {"name": "王小明", "phone": "138-abc"}}'),
  ('id number form', :'base'::jsonb || '{"person": {"name": "王小明", "id_number": "1101051949123100"}}'),
  ('id number check', :'base'::jsonb || '{"person": {"name": "王小明", "id_number": "110105194912310021"}}'),
  ('attachments not array', :'base'::jsonb || '{"attachments": {"ref": "x"}}'),
  ('attachments too many', :'base'::jsonb || jsonb_build_object('attachments', (SELECT jsonb_agg(jsonb_build_object('ref', 'r' || i)) FROM generate_series(1, 21) i))),
  ('attachment not object', :'base'::jsonb || '{"attachments": ["x"]}'),
  ('attachment unknown field', :'base'::jsonb || '{"attachments": [{"ref": "x", "size": 1}]}'),
  ('attachment without ref', :'base'::jsonb || '{"attachments": [{"ref": "x"}, {"name": "a.jpg"}]}'),
  ('attachment sha256', :'base'::jsonb || '{"attachments": [{"ref": "x", "sha256": "ABC"}]}'),
  ('department', :'base'::jsonb || '{"department": "410400-NONE"}'),
  ('department not string', :'base'::jsonb || '{"department": 4}')
) v(label, p);
RESET ROLE;
SELECT count(*) AS items_after_errors FROM sv.complaint WHERE work_order_no LIKE 'RGC-%';

-- reporter confidentiality, as every role: the items in scope, the identity in clear only for
-- the assigned department's officers
SELECT r AS role, pg_temp.as_role(r, format('CREATE TEMP TABLE seen_%s AS SELECT work_order_no, person_name, person_phone, person_id_number, person_in_clear, state FROM sv_work.complaint WHERE work_order_no LIKE %L', r, 'RGC-%')) AS view_result,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv.complaint_person') AS table_result
FROM unnest('{regress_cp_admin,regress_cp_msa,regress_cp_hurd,regress_cp_nomap,regress_cp_auditor,regress_cp_bi,regress_cp_public,regress_cp_feed}'::text[]) r;
RESET ROLE;
SELECT 'admin' AS role, * FROM seen_regress_cp_admin
UNION ALL SELECT 'msa (assigned: 0001)', * FROM seen_regress_cp_msa
UNION ALL SELECT 'hurd (assigned: 0003)', * FROM seen_regress_cp_hurd
UNION ALL SELECT 'no mapping', * FROM seen_regress_cp_nomap
UNION ALL SELECT 'auditor', * FROM seen_regress_cp_auditor
ORDER BY 1, 2;
SELECT count(*) AS seen_without_mapping FROM seen_regress_cp_nomap;
-- the clear table itself, as each role that may read it
SET ROLE regress_cp_msa;
SELECT c.work_order_no, p.name FROM sv.complaint_person p JOIN sv.complaint c ON c.id = p.complaint_id WHERE c.work_order_no LIKE 'RGC-%';
RESET ROLE;
SET ROLE regress_cp_hurd;
SELECT c.work_order_no, p.name FROM sv.complaint_person p JOIN sv.complaint c ON c.id = p.complaint_id WHERE c.work_order_no LIKE 'RGC-%';
RESET ROLE;
SET ROLE regress_cp_admin;
SELECT count(*) AS identities_seen_by_admin FROM sv.complaint_person;
RESET ROLE;
SET ROLE regress_cp_auditor;
SELECT count(*) AS identities_seen_by_auditor FROM sv.complaint_person;
-- auditors read the audit records: no identity there either
SELECT count(*) AS records, bool_or(a.change::text ~ '王|李四|13812345678|11010519491231002X') AS carries_identity
FROM sv_work.audit_trail a WHERE a.object_kind = 'complaint' AND a.object_id IN (:'c1', :'c2', :'c3');
RESET ROLE;

-- no direct writes for anyone
SELECT r AS role, pg_temp.as_role(r, format('UPDATE sv.complaint SET state = %L WHERE id = %s', 'closed', :c1)) AS update_item,
       pg_temp.as_role(r, format('DELETE FROM sv.complaint_person WHERE complaint_id = %s', :c1)) AS delete_identity
FROM unnest('{regress_cp_admin,regress_cp_msa,regress_cp_feed}'::text[]) r;
RESET ROLE;

-- the acceptance deadline (§14): complaints only, 7 working days after the day of receipt
-- (Beijing time: RGC-2026-0002 came at 18:00 on 2 March), in the deadline model
SELECT work_order_no, kind, sv.local_date(received_at) AS received_on, accept_due, accept_due_provisional, decided_at
FROM sv.complaint WHERE work_order_no LIKE 'RGC-%' ORDER BY work_order_no;
SELECT d.day, i.summary, i.department_id, i.start_on, i.workdays, i.due_on, i.state
FROM unnest('{2026-03-05,2026-03-10,2026-03-12}'::date[]) d(day),
     LATERAL sv._deadline_items(d.day, false) i
WHERE i.deadline = 'complaint.accept_due' AND i.object_id = :'c2' ORDER BY d.day;
SELECT name, label_zh, relation, reminder_days FROM sv.calendar_deadline WHERE name = 'complaint.accept_due';

-- the masks and the identity number rule
SELECT sv.mask_phone('13812345678') AS mobile, sv.mask_phone('0375-2345678') AS landline, sv.mask_phone('123456') AS short,
       sv.mask_id_number('11010519491231002X') AS id_number, sv.mask_person_name('王小明') AS name;
SELECT n, sv._id_number_problem(n) AS problem
FROM unnest('{11010519491231002X,110105194912310021,11010519491231002x,1101051949}'::text[]) n;

DROP TABLE seen_regress_cp_admin, seen_regress_cp_msa, seen_regress_cp_hurd, seen_regress_cp_nomap, seen_regress_cp_auditor;
DELETE FROM sv.complaint_person WHERE complaint_id IN (:c1, :c2, :c3);
DELETE FROM sv.complaint WHERE id IN (:c1, :c2, :c3);
DROP OWNED BY regress_cp_feed, regress_cp_admin, regress_cp_msa, regress_cp_hurd, regress_cp_nomap, regress_cp_auditor,
  regress_cp_bi, regress_cp_public;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name LIKE 'regress_cp_%';
SET session_replication_role = DEFAULT;
DROP ROLE regress_cp_feed, regress_cp_admin, regress_cp_msa, regress_cp_hurd, regress_cp_nomap, regress_cp_auditor,
  regress_cp_bi, regress_cp_public;
