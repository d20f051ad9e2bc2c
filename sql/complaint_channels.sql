-- The channels of complaints besides the 12345 work order (69_complaint_flow.sql): the public
-- portal (submission, status by tracking code without personal data), letters and visits
-- recorded by officials, and batches of 12345 work orders (the ingest kind 'complaint'), each
-- as every role.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_ch_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_ch_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_ch_msa LOGIN IN ROLE sv_officer;
CREATE ROLE regress_ch_hurd LOGIN IN ROLE sv_officer;
CREATE ROLE regress_ch_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_ch_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_ch_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_ch_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_ch_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_ch_hurd', 5, '410402') > 0 AS mapped;

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

-- the portal: a citizen's submission returns a tracking code (only sv_public submits)
SELECT '{"kind": "complaint", "text": "网购商品与描述不符,商家拒绝退货。", "subject": {"name": "平顶山某网店"},
         "place": {"region": "410402"}, "person": {"name": "赵六", "phone": "13900001111"}}' AS portal \gset
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.complaint_submit(%L)', :'portal')) AS submit
FROM unnest('{regress_ch_admin,regress_ch_msa,regress_ch_auditor,regress_ch_bi,regress_ch_feed}'::text[]) r;
SET ROLE regress_ch_public;
SELECT sv.complaint_submit(:'portal') AS code \gset
SELECT :'code' ~ '^W[0-9]{6}[0-9A-Z]{9}$' AS code_format, sv.complaint_submit(:'portal') <> :'code' AS each_submission_its_code;
RESET ROLE;
SELECT pg_temp.as_role('regress_ch_public', format('SELECT sv.complaint_submit(%L)', p)) AS submit_error
FROM unnest(ARRAY['{"kind": "complaint", "text": "某事", "anonymous": true, "work_order_no": "X-0001"}',
                  '{"kind": "complaint", "text": "某事", "anonymous": true, "department": "410400-MSA"}',
                  '{"kind": "praise", "text": "某事", "anonymous": true}',
                  '{"kind": "complaint", "text": "某事"}',
                  '[]']) p;
SELECT pg_temp.as_role('regress_ch_public', 'SELECT sv.complaint_submit(NULL)') AS submit_null;
SELECT channel, kind, state, department_id, person_name_masked, recorded_by FROM sv.complaint WHERE work_order_no = :'code';

-- the status by tracking code: no personal data, no text; an unknown code gives nothing
SET ROLE regress_ch_public;
SELECT tracking_code = :'code' AS same_code, kind, kind_zh, state, state_zh, department_name, steps FROM sv.complaint_status(:'code');
SELECT count(*) AS unknown FROM sv.complaint_status('W260101ABCDEFGHI');
SELECT count(*) AS lower_case FROM sv.complaint_status(lower(:'code'));
RESET ROLE;
SELECT r AS role, pg_temp.as_role(r, format('SELECT * FROM sv.complaint_status(%L)', :'code')) AS status
FROM unnest('{regress_ch_admin,regress_ch_msa,regress_ch_auditor,regress_ch_bi,regress_ch_feed}'::text[]) r;
-- what the status tells: nothing about the person, not the text
SELECT proargnames FROM pg_proc WHERE oid = 'sv.complaint_status(text)'::regprocedure;
-- hotline work orders are not found by their number: only portal codes
SELECT count(*) AS hotline_by_number FROM sv.complaint_status('RGH-0001');

-- letters and visits, recorded by officials of the receiving department
SELECT '{"work_order_no": "XF-2026-0001", "kind": "report", "received_at": "2026-03-05T10:00:00+08:00",
         "text": "来信反映某药店无证经营。", "subject": {"name": "某药店"}, "place": {"region": "410402"}, "anonymous": true}' AS letter \gset
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.complaint_record(%L, %L)', 'letter', :'letter')) AS record
FROM unnest('{regress_ch_admin,regress_ch_nomap,regress_ch_auditor,regress_ch_bi,regress_ch_public,regress_ch_feed}'::text[]) r;
SET ROLE regress_ch_msa;
SELECT sv.complaint_record('letter', :'letter') AS l1 \gset
SELECT sv.complaint_record('letter', :'letter') = :l1 AS same_letter;
SELECT sv.complaint_record('visit', :'letter') <> :l1 AS a_visit_with_the_same_number_is_another_item;
RESET ROLE;
SELECT pg_temp.as_role('regress_ch_msa', format('SELECT sv.complaint_record(%L, %L)', c, p)) AS record_error
FROM (VALUES ('phone', :'letter'), ('letter', (:'letter'::jsonb || '{"department": "410400-HURD"}')::text),
             ('letter', (:'letter'::jsonb || '{"text": "另一封信"}')::text), ('letter', '"x"')) v(c, p);
SELECT channel, work_order_no, kind, department_id, recorded_by FROM sv.complaint WHERE work_order_no = 'XF-2026-0001' ORDER BY channel;

-- batches of 12345 work orders: each record through the same intake, bad ones rejected with
-- their reason, the batch goes on
SELECT kind, label_zh, staging_table, merge_function FROM sv.ingest_kind WHERE kind = 'complaint';
SET ROLE regress_ch_feed;
SELECT * FROM sv.ingest('RGH-12345', 'complaint', '[
  {"work_order_no": "RGH-0001", "kind": "complaint", "text": "商场停车收费不合理。", "received_at": "2026-03-05T09:00:00+08:00",
   "place_region": "410402", "person_name": "钱七", "person_phone": "13700002222", "department": "410400-MSA"},
  {"work_order_no": "RGH-0002", "kind": "report", "text": "无证小作坊生产食品。", "received_at": "2026-03-05T09:30:00+08:00",
   "anonymous": "true", "subject_name": "某作坊"},
  {"work_order_no": "RGH-0003", "kind": "praise", "text": "表扬。", "received_at": "2026-03-05T09:30:00+08:00", "anonymous": "true"},
  {"work_order_no": "RGH-0004", "kind": "report", "text": "某店。", "received_at": "2026-03-05T09:30:00+08:00", "anonymous": "yes"},
  {"work_order_no": "RGH-0005", "kind": "report", "text": "某店。", "received_at": "2026-03-05T09:30:00+08:00", "anonymous": "true",
   "subject_uscc": "91410402MA9G5Y2P5B"},
  {"work_order_no": "RGH-0006", "kind": "report", "text": "某店。", "received_at": "2026-03-05", "anonymous": "true"}
]') \gset b1_
SELECT :b1_inserted AS inserted, :b1_unchanged AS unchanged, :b1_rejected AS rejected;
-- sent again with one changed: unchanged, and the changed one refused
SELECT inserted, unchanged, rejected FROM sv.ingest('RGH-12345', 'complaint', '[
  {"work_order_no": "RGH-0001", "kind": "complaint", "text": "商场停车收费不合理。", "received_at": "2026-03-05T09:00:00+08:00",
   "place_region": "410402", "person_name": "钱七", "person_phone": "13700002222", "department": "410400-MSA"},
  {"work_order_no": "RGH-0002", "kind": "report", "text": "无证小作坊生产食品,已多次反映。", "received_at": "2026-03-05T09:30:00+08:00",
   "anonymous": "true", "subject_name": "某作坊"}]');
RESET ROLE;
SELECT line, errcode, reason FROM sv.ingest_reject WHERE source = 'RGH-12345' ORDER BY batch_id, line;
SELECT c.work_order_no, c.kind, c.anonymous, c.person_name_masked, c.department_id, c.route_note FROM sv.complaint c
WHERE c.work_order_no LIKE 'RGH-%' ORDER BY 1;
SELECT r AS role, pg_temp.as_role(r, $$SELECT sv.ingest('RGH-X', 'complaint', '[]')$$) AS ingest
FROM unnest('{regress_ch_msa,regress_ch_auditor,regress_ch_bi,regress_ch_public}'::text[]) r;

-- clean up what later tests list (the audit chain and ingest batches stay)
SET session_replication_role = replica;
DELETE FROM sv.complaint_step WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'RGH-%' OR work_order_no = 'XF-2026-0001' OR channel = 'portal');
DELETE FROM sv.complaint_person WHERE complaint_id IN (SELECT id FROM sv.complaint WHERE work_order_no LIKE 'RGH-%' OR work_order_no = 'XF-2026-0001' OR channel = 'portal');
DELETE FROM sv.complaint WHERE work_order_no LIKE 'RGH-%' OR work_order_no = 'XF-2026-0001' OR channel = 'portal';
DELETE FROM sv.ingest_reject WHERE source = 'RGH-12345';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_ch_%';
SET session_replication_role = DEFAULT;
DROP OWNED BY regress_ch_feed, regress_ch_admin, regress_ch_msa, regress_ch_hurd, regress_ch_nomap, regress_ch_auditor,
  regress_ch_bi, regress_ch_public;
DROP ROLE regress_ch_feed, regress_ch_admin, regress_ch_msa, regress_ch_hurd, regress_ch_nomap, regress_ch_auditor,
  regress_ch_bi, regress_ch_public;
