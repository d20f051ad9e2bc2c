-- The closed loop of complaints and reports (69_complaint_flow.sql): every step as each role,
-- every illegal transition with its SQLSTATE, the history and audit records, the statutory
-- limits as policy rows, extensions with approval, 督办, the 12345 revisit, the pushes to 12345.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_cf_feed LOGIN IN ROLE sv_integration;   -- the 12345 system
CREATE ROLE regress_cf_admin LOGIN IN ROLE sv_admin;        -- a dispatcher
CREATE ROLE regress_cf_msa LOGIN IN ROLE sv_officer;        -- market supervision (4): assigned
CREATE ROLE regress_cf_head LOGIN IN ROLE sv_officer;       -- market supervision (4): approves extensions
CREATE ROLE regress_cf_hurd LOGIN IN ROLE sv_officer;       -- housing (5)
CREATE ROLE regress_cf_nomap LOGIN IN ROLE sv_officer;      -- no staff mapping
CREATE ROLE regress_cf_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_cf_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_cf_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_cf_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_cf_head', 4, '410400') > 0 AS mapped,
       sv.staff_add('regress_cf_hurd', 5, '410402') > 0 AS mapped, sv.staff_add('regress_cf_admin', 1, '410400') > 0 AS mapped;
-- the hotline office's system (department 10): statuses and replies go there
SELECT sv.endpoint_save('RGF-12345', 'http://127.0.0.1:9/12345', department_id => 10) AS endpoint;
SELECT sv.department_endpoint_set(10, 'RGF-12345');

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  -- item and request ids depend on what ran before: not shown
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '(complaint|extension request) [0-9]+', '\1 N', 'g');
END
$$;

SET ROLE regress_cf_feed;
SELECT sv.complaint_receive('{"work_order_no": "RGF-0001", "kind": "complaint", "received_at": "2026-03-02T09:00:00+08:00",
  "text": "买到的电器有质量问题,商家拒绝退换。", "subject": {"uscc": "91410402MA9G5Y2P5A", "name": "平顶山某电器店"},
  "place": {"region": "410402"}, "person": {"name": "王小明", "phone": "13812345678"}, "department": "410400-MSA"}') AS c1 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGF-0002", "kind": "report", "received_at": "2026-03-02T10:00:00+08:00",
  "text": "某超市销售过期食品。", "subject": {"name": "平顶山某超市"}, "anonymous": true, "department": "410400-MSA"}') AS c2 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGF-0003", "kind": "inquiry", "received_at": "2026-03-02T11:00:00+08:00",
  "text": "咨询食品经营许可办理流程。", "anonymous": true, "department": "410400-MSA"}') AS c3 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGF-0004", "kind": "complaint", "received_at": "2026-03-03T09:00:00+08:00",
  "text": "装修公司拖延工期。", "anonymous": true, "place": {"region": "410402"}}') AS c4 \gset
RESET ROLE;

-- the allowed steps
SELECT action, from_state, to_state, kinds, label_zh FROM sv.complaint_transition ORDER BY action, from_state;

-- who may act: officers of the assigned department only (every function, every other role)
SELECT r AS role,
       pg_temp.as_role(r, format('SELECT sv.complaint_accept(%s)', :c1)) AS accept,
       pg_temp.as_role(r, format('SELECT sv.complaint_refuse(%s, %L)', :c1, '不属于本部门职责')) AS refuse,
       pg_temp.as_role(r, format('SELECT sv.complaint_return(%s, %L)', :c1, '不属于本部门职责')) AS return
FROM unnest('{regress_cf_admin,regress_cf_hurd,regress_cf_nomap,regress_cf_auditor,regress_cf_bi,regress_cf_public,regress_cf_feed}'::text[]) r;
SELECT r AS role,
       pg_temp.as_role(r, format('SELECT sv.complaint_mediate(%s, %L)', :c1, 'agreed')) AS mediate,
       pg_temp.as_role(r, format('SELECT sv.complaint_case_decide(%s, true)', :c2)) AS case_decide,
       pg_temp.as_role(r, format('SELECT sv.complaint_reply(%s, %L)', :c1, '已调解完毕')) AS reply,
       pg_temp.as_role(r, format('SELECT sv.complaint_close(%s, true)', :c1)) AS close,
       pg_temp.as_role(r, format('SELECT sv.complaint_extension_request(%s, 5, %L)', :c2, '需要检验检测')) AS extension
FROM unnest('{regress_cf_admin,regress_cf_hurd,regress_cf_nomap,regress_cf_auditor,regress_cf_bi,regress_cf_public,regress_cf_feed}'::text[]) r;
SELECT r AS role,
       pg_temp.as_role(r, format('SELECT sv.complaint_assign(%s, 4)', :c4)) AS assign,
       pg_temp.as_role(r, format('SELECT sv.complaint_revisit(%L)', '{"work_order_no": "RGF-0001", "revisited_at": "2026-03-20T10:00:00+08:00", "satisfaction": "satisfied"}')) AS revisit,
       pg_temp.as_role(r, 'SELECT sv.complaint_supervise_sweep(''2026-03-02'')') AS supervise,
       pg_temp.as_role(r, 'SELECT sv.complaint_policy_set(''accept'', 7, 0, 5, ''同上'')') AS policy_set,
       pg_temp.as_role(r, 'SELECT sv.complaint_extension_decide(0, true)') AS extension_decide
FROM unnest('{regress_cf_msa,regress_cf_hurd,regress_cf_nomap,regress_cf_auditor,regress_cf_bi,regress_cf_public}'::text[]) r;
-- and as the administrator and the 12345 system
SELECT r AS role,
       pg_temp.as_role(r, format('SELECT sv.complaint_revisit(%L)', '{"work_order_no": "RGF-0001", "revisited_at": "2026-03-20T10:00:00+08:00", "satisfaction": "satisfied"}')) AS revisit,
       pg_temp.as_role(r, 'SELECT sv.complaint_supervise_sweep(''2026-03-02'')') AS supervise,
       pg_temp.as_role(r, 'SELECT sv.complaint_policy_set(''accept'', 7, 0, 5, ''同上'')') AS policy_set,
       pg_temp.as_role(r, 'SELECT sv.complaint_extension_decide(0, true)') AS extension_decide
FROM unnest('{regress_cf_admin,regress_cf_feed}'::text[]) r;
-- an item that does not exist answers like one of another department
SELECT pg_temp.as_role('regress_cf_msa', 'SELECT sv.complaint_accept(-1)') AS missing,
       pg_temp.as_role('regress_cf_msa', 'SELECT sv.complaint_accept(NULL)') AS null_id;

-- illegal transitions: 55000 (the state does not allow it), 42809 (the kind has no such step)
SET ROLE regress_cf_msa;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_reply(%s, %L)', :c1, '已处理完毕')) AS reply_before_handling,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_close(%s, false)', :c1)) AS close_before_reply,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_mediate(%s, %L)', :c1, 'agreed')) AS mediate_before_accept,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_refuse(%s, %L)', :c3, '不予受理')) AS refuse_inquiry;
-- a refusal and a return need a reason
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_refuse(%s, %L)', :c1, '')) AS refuse_no_reason,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_return(%s, NULL)', :c1)) AS return_no_reason;

-- a complaint, from acceptance to close: mediation (45 working days from acceptance)
SET ROLE regress_cf_msa;
SELECT sv.complaint_accept(:c1, '符合受理条件') > 0 AS accepted;
RESET ROLE;
SELECT state, decided_at IS NOT NULL AS decided, handle_start = sv.local_date(now()) AS starts_today, handle_workdays,
       handle_due = sv.add_workdays(sv.local_date(now()), 45) AS due_in_45
FROM sv.complaint WHERE id = :c1;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_accept(%s)', :c1)) AS accept_again,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_case_decide(%s, true)', :c1)) AS case_of_complaint,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_mediate(%s, %L)', :c1, 'draw')) AS bad_outcome,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_mediate(%s, %L)', :c1, 'failed')) AS failed_without_note,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_extension_request(%s, 5, %L)', :c1, '需要检验检测')) AS mediation_not_extendable;
SET ROLE regress_cf_msa;
SELECT sv.complaint_mediate(:c1, 'agreed', '双方达成调解协议,商家退货退款') > 0 AS mediated;
RESET ROLE;
SELECT state, outcome, handled_at IS NOT NULL AS handled, reply_workdays,
       reply_due = sv.add_workdays(sv.local_date(now()), 7) AS reply_due_in_7 FROM sv.complaint WHERE id = :c1;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_reply(%s, %L)', :c1, '好')) AS reply_too_short,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_reply(%s, %L)', :c1, repeat('答', 2001))) AS reply_too_long;
SET ROLE regress_cf_msa;
SELECT sv.complaint_reply(:c1, E'经调解,商家同意退货退款。\n感谢您的监督。') > 0 AS replied;
SELECT sv.complaint_close(:c1, true) > 0 AS closed;
RESET ROLE;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_close(%s, true)', :c1)) AS close_again;

-- the revisit from 12345: idempotent, refused with another content, only once closed
SET ROLE regress_cf_feed;
SELECT sv.complaint_revisit('{"work_order_no": "RGF-0001", "revisited_at": "2026-03-20T10:00:00+08:00",
  "satisfaction": "satisfied", "note": "对处理结果满意"}') AS revisit \gset
SELECT sv.complaint_revisit('{"work_order_no": "RGF-0001", "revisited_at": "2026-03-20T10:00:00+08:00",
  "satisfaction": "satisfied", "note": "对处理结果满意"}') = :revisit AS same_step;
RESET ROLE;
SELECT pg_temp.as_role('regress_cf_feed', format('SELECT sv.complaint_revisit(%L)', p)) AS revisit_error
FROM unnest(ARRAY[
  '{"work_order_no": "RGF-0001", "revisited_at": "2026-03-20T10:00:00+08:00", "satisfaction": "dissatisfied"}',
  '{"work_order_no": "RGF-0002", "revisited_at": "2026-03-20T10:00:00+08:00", "satisfaction": "satisfied"}',
  '{"work_order_no": "RGF-9999", "revisited_at": "2026-03-20T10:00:00+08:00", "satisfaction": "satisfied"}',
  '{"work_order_no": "RGF-0002", "revisited_at": "2026-03-20", "satisfaction": "satisfied"}',
  '{"work_order_no": "RGF-0002", "revisited_at": "2026-02-30T10:00:00+08:00", "satisfaction": "satisfied"}',
  '{"work_order_no": "RGF-0002", "revisited_at": 20260320, "satisfaction": "satisfied"}',
  '{"work_order_no": "RGF-0002", "revisited_at": "2999-03-20T10:00:00+08:00", "satisfaction": "satisfied"}',
  '{"work_order_no": "RGF-0002", "revisited_at": "1999-03-20T10:00:00+08:00", "satisfaction": "satisfied"}',
  '{"work_order_no": "RGF-0002", "revisited_at": "2026-03-20T10:00:00+08:00", "satisfaction": "ok"}',
  '{"work_order_no": "RGF-0002", "revisited_at": "2026-03-20T10:00:00+08:00", "satisfaction": "satisfied", "score": 5}',
  '{"revisited_at": "2026-03-20T10:00:00+08:00", "satisfaction": "satisfied"}',
  '[1]']) p;

-- a report: verification 15 working days from receipt, an extension with approval, a case filed
SET ROLE regress_cf_msa;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_mediate(%s, %L)', :c2, 'agreed')) AS mediate_received_report;
SELECT sv.complaint_accept(:c2) > 0 AS accepted;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_mediate(%s, %L)', :c2, 'agreed')) AS mediate_report;
RESET ROLE;
SELECT handle_start, handle_workdays, handle_due, accept_due FROM sv.complaint WHERE id = :c2;
SET ROLE regress_cf_msa;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_extension_request(%s, 16, %L)', :c2, '需要检验检测')) AS too_many_days,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_extension_request(%s, 10, %L)', :c2, '检')) AS no_reason;
SET ROLE regress_cf_msa;
SELECT sv.complaint_extension_request(:c2, 10, '需要委托检验检测机构检验') AS ext1 \gset
RESET ROLE;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_extension_request(%s, 5, %L)', :c2, '再次延期申请')) AS second_open,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_extension_decide(%s, true)', :ext1)) AS own_request,
       pg_temp.as_role('regress_cf_hurd', format('SELECT sv.complaint_extension_decide(%s, true)', :ext1)) AS other_department,
       pg_temp.as_role('regress_cf_nomap', format('SELECT sv.complaint_extension_decide(%s, true)', :ext1)) AS no_mapping,
       pg_temp.as_role('regress_cf_head', format('SELECT sv.complaint_extension_decide(%s, false)', :ext1)) AS reject_without_note;
SET ROLE regress_cf_head;
SELECT sv.complaint_extension_decide(:ext1, true, '同意延期') = sv.add_workdays('2026-03-02', 25) AS due_moved;
RESET ROLE;
SELECT pg_temp.as_role('regress_cf_head', format('SELECT sv.complaint_extension_decide(%s, true)', :ext1)) AS decided_again;
SET ROLE regress_cf_msa;
SELECT sv.complaint_extension_request(:c2, 5, '仍需补充调查取证') AS ext2 \gset
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_extension_request(%s, 1, %L)', :c2, '超过法定上限')) AS over_limit;
RESET ROLE;
SET ROLE regress_cf_admin;
SELECT sv.complaint_extension_decide(:ext2, false, '理由不充分,不予延期') = sv.add_workdays('2026-03-02', 25) AS due_kept;
RESET ROLE;
SELECT handle_workdays, handle_due FROM sv.complaint WHERE id = :c2;
SELECT workdays, reason, requested_by, approved, decision_note, decided_by FROM sv.complaint_extension WHERE complaint_id = :c2 ORDER BY id;
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_case_decide(%s, false)', :c2)) AS not_filed_without_note,
       pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_case_decide(%s, NULL)', :c2)) AS null_decision;
SET ROLE regress_cf_msa;
SELECT sv.complaint_case_decide(:c2, true, '已立案调查') > 0 AS decided;
SELECT sv.complaint_reply(:c2, '您举报的问题已立案调查。') > 0 AS replied;
RESET ROLE;

-- an inquiry: accepted, then replied (no handling step), then closed
SET ROLE regress_cf_msa;
SELECT sv.complaint_accept(:c3) > 0 AS accepted, sv.complaint_reply(:c3, '请登录政务服务网办理食品经营许可。') > 0 AS replied,
       sv.complaint_close(:c3, false) > 0 AS closed;
RESET ROLE;
SELECT work_order_no, state, handle_due, reply_due FROM sv.complaint WHERE id = :c3;

-- dispatch: 派单, 退回 with its reason, 改派 with its reason; returns counted
SELECT pg_temp.as_role('regress_cf_msa', format('SELECT sv.complaint_accept(%s)', :c4)) AS accept_undispatched,
       pg_temp.as_role('regress_cf_admin', format('SELECT sv.complaint_assign(%s, 99)', :c4)) AS unknown_department;
SET ROLE regress_cf_admin;
SELECT sv.complaint_assign(:c4, 4) > 0 AS assigned;
RESET ROLE;
SELECT pg_temp.as_role('regress_cf_admin', format('SELECT sv.complaint_assign(%s, 4, %L)', :c4, '重复派单')) AS same_department;
SET ROLE regress_cf_msa;
SELECT sv.complaint_return(:c4, '装修合同纠纷属住建部门职责') > 0 AS returned;
RESET ROLE;
SELECT pg_temp.as_role('regress_cf_admin', format('SELECT sv.complaint_assign(%s, 5)', :c4)) AS reassign_without_reason;
SET ROLE regress_cf_feed;
SELECT sv.complaint_assign(:c4, 5, '改派住建部门') > 0 AS reassigned;
RESET ROLE;
-- ping-pong: returned again by housing, then by market supervision: flagged for the dispatcher
SET ROLE regress_cf_hurd;
SELECT sv.complaint_return(:c4, '工期纠纷属合同纠纷,非本部门职责') > 0 AS returned;
RESET ROLE;
SET ROLE regress_cf_admin;
SELECT sv.complaint_assign(:c4, 4, '再次派至市场监管部门') > 0 AS reassigned;
RESET ROLE;
SET ROLE regress_cf_msa;
SELECT sv.complaint_return(:c4, '装修合同纠纷属住建部门职责,已两次说明') > 0 AS returned;
RESET ROLE;
SELECT work_order_no, reason, returns, ping_pong, last_return_reason FROM sv_work.complaint_dispatch WHERE id = :c4;
SET ROLE regress_cf_admin;
SELECT sv.complaint_assign(:c4, 5, '派单员协调:由住建部门办理') > 0 AS reassigned;
RESET ROLE;
SELECT department_id, returns, state FROM sv.complaint WHERE id = :c4;
SELECT pg_temp.as_role('regress_cf_admin', format('SELECT sv.complaint_assign(%s, 4, %L)', :c1, '改派')) AS assign_accepted;

-- routing (派单) by duty and territory: the duty rules (administrators), a county unit
SELECT pg_temp.as_role(r, 'SELECT sv.complaint_duty_rule_set(''F52'', 4, ''零售业'')') AS duty_rule_set
FROM unnest('{regress_cf_msa,regress_cf_auditor,regress_cf_bi,regress_cf_public,regress_cf_feed}'::text[]) r;
SET ROLE regress_cf_admin;
SELECT sv.complaint_duty_rule_set('F52', 4, '零售业'), sv.complaint_duty_rule_set('H62', 4, '餐饮业');
SELECT sv.complaint_duty_rule_set('H62', NULL);
RESET ROLE;
SELECT pg_temp.as_role('regress_cf_admin', q) AS duty_rule_error
FROM unnest(ARRAY['SELECT sv.complaint_duty_rule_set(''f52'', 4)', 'SELECT sv.complaint_duty_rule_set(''F52'', 99)',
                  'SELECT sv.complaint_duty_rule_set(NULL, 4)']) q;
SELECT industry_prefix, department_id, note, updated_by FROM sv.complaint_duty_rule ORDER BY 1;
-- (Xinhua's unit written directly, not by sv.department_add: its id and audit record would
-- show in sql/region.sql, and the department is removed at the end)
INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code)
VALUES (9401, '410402-MSA', '新华区市场监督管理局', 'Xinhua District Market Supervision Administration', 'county', '410402')
RETURNING id AS xinhua_msa \gset
SELECT sv.subject_save('91410402MA9G5Y2P5A', '平顶山某超市', '410402', 'RGF-AMR', 'RGF-1', 'F5211') IS NOT NULL AS saved,
       sv.subject_save('91410402MA4RGL0010', '平顶山某装饰公司', '410402', 'RGF-AMR', 'RGF-2', 'E5011') IS NOT NULL AS saved;
SELECT sv.catalog_item_save('RGF-HEALTH-1', 7, '对公共场所卫生的监督检查', '双随机抽查', '现场检查', '公共场所经营者',
  '[{"law": "公共场所卫生管理条例", "article": "第十条"}]', 'city', 'city') > 0 AS item;
SELECT sv.power_item_save('RGF-P-001', '对公共场所违法行为的处罚', 'penalty', 7, '[{"law": "公共场所卫生管理条例", "article": "第十四条"}]',
  catalog_item => 'RGF-HEALTH-1') > 0 AS power;
SELECT '91410402MA9G5Y2P6' || sv.uscc_check_character('91410402MA9G5Y2P6') AS unregistered \gset
SET ROLE regress_cf_feed;
-- duty from the subject's industry (F5211: rule F52), territory from its region: the county unit
SELECT sv.complaint_receive('{"work_order_no": "RGF-0011", "kind": "report", "received_at": "2026-03-04T09:00:00+08:00",
  "text": "超市销售过期食品。", "subject": {"uscc": "91410402MA9G5Y2P5A"}, "anonymous": true}') AS r1 \gset
-- duty from the supervision item through the power list, territory from the place: no county unit, the city's
SELECT sv.complaint_receive('{"work_order_no": "RGF-0012", "kind": "complaint", "received_at": "2026-03-04T09:00:00+08:00",
  "text": "浴室卫生条件差。", "catalog_item": "RGF-HEALTH-1", "place": {"region": "410411"}, "anonymous": true}') AS r2 \gset
-- a subject not registered and no item; an industry without a rule; a place outside the city
SELECT sv.complaint_receive(jsonb_build_object('work_order_no', 'RGF-0013', 'kind', 'complaint', 'received_at', '2026-03-04T09:00:00+08:00',
  'text', '商家虚假宣传。', 'subject', jsonb_build_object('uscc', :'unregistered'), 'anonymous', true)) AS r0 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGF-0014", "kind": "complaint", "received_at": "2026-03-04T09:00:00+08:00",
  "text": "某公司虚假宣传。", "subject": {"name": "某公司"}, "anonymous": true}') AS r3 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGF-0015", "kind": "complaint", "received_at": "2026-03-04T09:00:00+08:00",
  "text": "装饰公司拖延工期。", "subject": {"uscc": "91410402MA4RGL0010"}, "anonymous": true}') AS r4 \gset
SELECT sv.complaint_receive('{"work_order_no": "RGF-0016", "kind": "complaint", "received_at": "2026-03-04T09:00:00+08:00",
  "text": "外地门店售后不到位。", "subject": {"uscc": "91410402MA9G5Y2P5A"}, "place": {"region": "410300"}, "anonymous": true}') AS r5 \gset
SELECT pg_temp.as_role('regress_cf_feed', format('SELECT sv.complaint_receive(%L)',
  '{"work_order_no": "RGF-0017", "kind": "complaint", "received_at": "2026-03-04T09:00:00+08:00", "text": "x", "anonymous": true,
    "catalog_item": "RGF-NONE"}')) AS unknown_item;
RESET ROLE;
SELECT c.work_order_no, d.code AS department, c.route_note, c.state FROM sv.complaint c LEFT JOIN sv.department d ON d.id = c.department_id
WHERE c.id IN (:r1, :r2, :r0, :r3, :r4, :r5) ORDER BY c.work_order_no;
SELECT work_order_no, action, reason, detail - 'department_id' AS detail, acted_by FROM sv_work.complaint_history WHERE complaint_id IN (:r1, :r2) ORDER BY id;
-- the dispatch queue, as each role
SELECT work_order_no, reason, returns, ping_pong FROM sv_work.complaint_dispatch WHERE id IN (:r0, :r3, :r4, :r5) ORDER BY work_order_no;
SELECT r AS role, pg_temp.as_role(r, format('CREATE TEMP TABLE seen_q_%s AS SELECT work_order_no FROM sv_work.complaint_dispatch WHERE id IN (%s, %s, %s, %s)', r, :r0, :r3, :r4, :r5)) AS result
FROM unnest('{regress_cf_msa,regress_cf_hurd,regress_cf_nomap,regress_cf_auditor,regress_cf_admin,regress_cf_bi,regress_cf_public,regress_cf_feed}'::text[]) r;
SELECT 'msa' AS role, count(*) FROM seen_q_regress_cf_msa UNION ALL SELECT 'hurd', count(*) FROM seen_q_regress_cf_hurd
UNION ALL SELECT 'nomap', count(*) FROM seen_q_regress_cf_nomap UNION ALL SELECT 'auditor', count(*) FROM seen_q_regress_cf_auditor
UNION ALL SELECT 'admin', count(*) FROM seen_q_regress_cf_admin;
-- a rule for construction (E), then the item is routed again; only items of the queue are
SET ROLE regress_cf_admin;
SELECT sv.complaint_duty_rule_set('E', 5, '建筑业');
SELECT sv.complaint_route(:r4) AS routed_to, sv.complaint_route(:r3) AS still_unroutable;
RESET ROLE;
SELECT r AS role, pg_temp.as_role(r, format('SELECT sv.complaint_route(%s)', :r3)) AS route
FROM unnest('{regress_cf_admin,regress_cf_feed,regress_cf_msa,regress_cf_auditor,regress_cf_bi,regress_cf_public}'::text[]) r;
SELECT pg_temp.as_role('regress_cf_admin', format('SELECT sv.complaint_route(%s)', :r1)) AS route_assigned,
       pg_temp.as_role('regress_cf_admin', 'SELECT sv.complaint_route(-1)') AS route_missing;
SELECT c.work_order_no, d.code AS department, c.route_note FROM sv.complaint c LEFT JOIN sv.department d ON d.id = c.department_id
WHERE c.id IN (:r3, :r4) ORDER BY 1;

-- a substantiated complaint about a subject of the data centre: a credit event (kind
-- substantiated_complaint) and so the risk signal 'complaint'; not substantiated, or about an
-- unregistered subject: none
SET ROLE regress_cf_hurd;
SELECT sv.complaint_accept(:r4) > 0 AS accepted, sv.complaint_mediate(:r4, 'agreed', '装饰公司同意按合同工期完工并赔偿') > 0 AS mediated,
       sv.complaint_reply(:r4, '经调解,装饰公司同意赔偿。') > 0 AS replied, sv.complaint_close(:r4, true, '投诉属实') > 0 AS closed;
RESET ROLE;
SELECT e.uscc, e.kind, e.severity, e.source, e.department_id, e.reference, e.decided_on = sv.local_date(now()) AS closed_today,
       e.recorded_by
FROM sv.credit_event e WHERE e.uscc = '91410402MA4RGL0010';
SELECT s.detail ? 'credit_event_id' AS step_names_event FROM sv.complaint_step s WHERE s.complaint_id = :r4 AND s.action = 'close';
SELECT a.action, a.change ->> 'kind' AS kind, a.actor_role FROM sv.audit_log a
WHERE a.object_kind = 'credit_event' AND a.object_id LIKE '91410402MA4RGL0010/%';
SELECT g.uscc, g.industry, g.region_code, g.month = date_trunc('month', sv.local_date(now()))::date AS this_month, g.source ->> 'reference' AS reference
FROM sv._risk_signal('complaint', date_trunc('month', sv.local_date(now()))::date, date_trunc('month', sv.local_date(now()))::date, now()) g
WHERE g.uscc = '91410402MA4RGL0010';
SELECT sv._risk_signals();
-- c1 (its subject not in the data centre) and the inquiry c3 gave none
SELECT count(*) AS other_events FROM sv.credit_event e WHERE e.kind = 'substantiated_complaint' AND e.reference LIKE 'hotline:RGF-%'
  AND e.uscc <> '91410402MA4RGL0010';

-- the history: every step, who, when, why; as each role
SELECT work_order_no, action, action_name, from_state, to_state, department_id, reason,
       detail - 'reply' - 'handle_due' - 'hotline_reply_due' - 'sign_due' AS detail, acted_by
FROM sv_work.complaint_history WHERE complaint_id IN (:c1, :c2, :c3, :c4) ORDER BY id;
SELECT r AS role, pg_temp.as_role(r, format('CREATE TEMP TABLE seen_h_%s AS SELECT work_order_no, action FROM sv_work.complaint_history WHERE complaint_id IN (%s, %s, %s, %s)', r, :c1, :c2, :c3, :c4)) AS result
FROM unnest('{regress_cf_msa,regress_cf_hurd,regress_cf_nomap,regress_cf_auditor,regress_cf_admin,regress_cf_bi,regress_cf_public,regress_cf_feed}'::text[]) r;
SELECT 'msa' AS role, work_order_no, count(*) AS steps FROM seen_h_regress_cf_msa GROUP BY 2
UNION ALL SELECT 'hurd', work_order_no, count(*) FROM seen_h_regress_cf_hurd GROUP BY 2
UNION ALL SELECT 'nomap', work_order_no, count(*) FROM seen_h_regress_cf_nomap GROUP BY 2
UNION ALL SELECT 'auditor', work_order_no, count(*) FROM seen_h_regress_cf_auditor GROUP BY 2
ORDER BY 1, 2;
SELECT r AS role, pg_temp.as_role(r, 'SELECT count(*) FROM sv.complaint_step') AS step_table,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv.complaint_extension') AS extension_table,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv.complaint_policy') AS policy_table,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv.complaint_transition') AS transition_table
FROM unnest('{regress_cf_bi,regress_cf_public,regress_cf_feed}'::text[]) r;
-- no direct writes
SELECT r AS role, pg_temp.as_role(r, format('UPDATE sv.complaint_step SET reason = %L', 'x')) AS update_step,
       pg_temp.as_role(r, 'DELETE FROM sv.complaint_transition') AS delete_transition,
       pg_temp.as_role(r, 'UPDATE sv.complaint_policy SET workdays = 1') AS update_policy
FROM unnest('{regress_cf_admin,regress_cf_msa,regress_cf_feed}'::text[]) r;

-- every step is in the audit chain, the person never
SELECT a.object_id::bigint = :c1 AS c1, a.action, a.change ->> 'from_state' AS from_state, a.change ->> 'to_state' AS to_state,
       a.change ->> 'reason' AS reason, a.actor_role
FROM sv.audit_log a WHERE a.object_kind = 'complaint' AND a.object_id = :'c1' ORDER BY a.seq;
SELECT count(*) AS records, bool_or(change::text ~ '王小明|13812345678') AS carries_identity
FROM sv.audit_log WHERE object_kind = 'complaint' AND object_id IN (:'c1', :'c2', :'c3', :'c4');
SELECT action, count(*) FROM sv.audit_log WHERE object_kind = 'complaint' AND object_id = :'c2' GROUP BY action ORDER BY action;

-- the status of every step of a 12345 item went to the hotline office's system
SELECT o.kind, o.payload ->> 'work_order_no' AS work_order_no, o.payload ->> 'action' AS action, o.payload ->> 'state' AS state,
       o.payload ->> 'department' AS department, o.payload::text ~ '王小明|13812345678' AS carries_identity
FROM sv.outbox o JOIN sv.complaint_step s ON s.message = o.message_id WHERE s.complaint_id = :c1 ORDER BY s.id;

-- the deadlines in the model, on fixed days: handling and reply of the report (as if handled on
-- 20 March and replied on 1 April, a day late)
UPDATE sv.complaint SET handled_at = '2026-03-20 10:00+08', reply_start = '2026-03-20', reply_due = sv.add_workdays('2026-03-20', 7),
                        replied_at = '2026-04-01 10:00+08' WHERE id = :c2;
SELECT d.day, i.deadline, i.start_on, i.workdays, i.due_on, i.closed_at, i.state
FROM unnest('{2026-03-05,2026-04-02}'::date[]) d(day), LATERAL sv._deadline_items(d.day, false) i
WHERE i.object_id = :'c2' AND i.deadline NOT IN ('complaint.sign_due', 'complaint.hotline_reply_due') ORDER BY d.day, i.deadline;
SELECT name, label_zh, days_expr, reminder_days FROM sv.calendar_deadline WHERE name LIKE 'complaint.%' ORDER BY name;

-- 督办: still overdue the policy's 5 further working days after the due date (fixed dates)
UPDATE sv.complaint SET accept_due = '2026-03-11' WHERE id = :c4;
SET ROLE regress_cf_admin;
SELECT * FROM sv.complaint_supervise_sweep('2026-03-17') WHERE complaint_id = :c4;   -- 4 working days: not yet
SELECT complaint_id = :c4 AS c4, deadline, due_on, department_id, pushed FROM sv.complaint_supervise_sweep('2026-03-18')
WHERE complaint_id IN (:c1, :c2, :c3, :c4);
SELECT count(*) AS again FROM sv.complaint_supervise_sweep('2026-03-19') WHERE complaint_id = :c4;
SELECT pg_temp.as_role('regress_cf_admin', 'SELECT sv.complaint_supervise_sweep(''2999-01-01'')') AS future_day;
RESET ROLE;
SELECT deadline, due_on, on_day, department_id, sent_by FROM sv.complaint_supervision WHERE complaint_id = :c4;
SET ROLE regress_cf_hurd;
SELECT count(*) AS hurd_sees_supervision FROM sv.complaint_supervision WHERE complaint_id = :c4;
RESET ROLE;
SET ROLE regress_cf_msa;
SELECT count(*) AS msa_sees_supervision FROM sv.complaint_supervision WHERE complaint_id = :c4;
RESET ROLE;

-- the views.  The queue of the caller's department: the next step and the deadline owed
SET ROLE regress_cf_msa;
SELECT work_order_no, state, state_zh, next_steps, deadline, deadline_state, returns, supervised, extension_pending
FROM sv_work.complaint_queue WHERE id IN (:c1, :c2, :c3, :c4, :r1, :r2) ORDER BY work_order_no;
SELECT count(*) AS overdue_rgf_0004 FROM sv_work.complaint_overdue WHERE id = :c4;
RESET ROLE;
SET ROLE regress_cf_hurd;
SELECT work_order_no, state, next_steps, deadline, deadline_state, supervised
FROM sv_work.complaint_queue WHERE id IN (:c1, :c2, :c3, :c4, :r1, :r2, :r4) ORDER BY work_order_no;
SELECT work_order_no, deadline FROM sv_work.complaint_overdue WHERE id IN (:c1, :c2, :c3, :c4, :r1, :r2, :r4) ORDER BY 1;
SELECT count(*) AS due_soon FROM sv_work.complaint_due_soon WHERE id IN (:c1, :c2, :c3, :c4, :r1, :r2, :r4);
RESET ROLE;
SELECT r AS role, pg_temp.as_role(r, format('CREATE TEMP TABLE seen_w_%s AS SELECT work_order_no FROM sv_work.complaint_queue WHERE id IN (%s, %s, %s, %s, %s, %s, %s)', r, :c1, :c2, :c3, :c4, :r1, :r2, :r4)) AS queue,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv_work.complaint_overdue') AS overdue,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv_work.complaint_due_soon') AS due_soon
FROM unnest('{regress_cf_msa,regress_cf_hurd,regress_cf_nomap,regress_cf_auditor,regress_cf_admin,regress_cf_bi,regress_cf_public,regress_cf_feed}'::text[]) r;
SELECT 'msa' AS role, count(*) FROM seen_w_regress_cf_msa UNION ALL SELECT 'hurd', count(*) FROM seen_w_regress_cf_hurd
UNION ALL SELECT 'nomap', count(*) FROM seen_w_regress_cf_nomap UNION ALL SELECT 'auditor', count(*) FROM seen_w_regress_cf_auditor
UNION ALL SELECT 'admin', count(*) FROM seen_w_regress_cf_admin;

-- the statistics, on fixed dates: the steps of March as if done then
UPDATE sv.complaint SET decided_at = '2026-03-05 10:00+08', handled_at = '2026-03-20 10:00+08', replied_at = '2026-03-24 10:00+08',
                        reply_due = '2026-03-31', handle_due = '2026-05-08' WHERE id = :c1;
UPDATE sv.complaint SET decided_at = '2026-03-03 10:00+08', replied_at = '2026-03-04 10:00+08' WHERE id = :c3;
UPDATE sv.complaint SET decided_at = '2026-03-05 10:00+08', handled_at = '2026-03-20 10:00+08', replied_at = '2026-03-24 10:00+08',
                        handle_due = '2026-05-08', reply_due = '2026-03-31' WHERE id = :r4;
SELECT month, department_code, kind, received, accepted, refused, acceptance_rate, closed, closed_on_time, on_time_rate,
       revisited, satisfaction_rate, substantiated, supervised
FROM sv_bi.complaint_summary WHERE month = '2026-03-01' ORDER BY department_code NULLS FIRST, kind;
SELECT month, department_code, department_name, kind, kind_zh, received, closed
FROM sv_public.complaint_monthly WHERE month = '2026-03-01' ORDER BY department_code NULLS FIRST, kind;
SELECT uscc, subject_name, industry, items, complaints, reports, substantiated, first_received_on, last_received_on
FROM sv_bi.complaint_repeat_target ORDER BY uscc;
SELECT region_code, region_name, month, items, complaints, reports, substantiated FROM sv_bi.complaint_hotspot
WHERE month = '2026-03-01' ORDER BY region_code;
SELECT r AS role, pg_temp.as_role(r, 'SELECT count(*) FROM sv_bi.complaint_summary') AS summary,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv_bi.complaint_repeat_target') AS repeat_target,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv_bi.complaint_hotspot') AS hotspot,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv_public.complaint_monthly') AS monthly
FROM unnest('{regress_cf_msa,regress_cf_nomap,regress_cf_auditor,regress_cf_admin,regress_cf_bi,regress_cf_public,regress_cf_feed}'::text[]) r;
-- no column of the public and BI views carries the person
SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c
WHERE c.table_schema IN ('sv_public', 'sv_bi') AND c.table_name LIKE 'complaint%' AND c.column_name ~ 'person|phone|id_number|text|body'
ORDER BY 1, 2, 3;

-- the policy: a change is a new row in force for what starts after it; every error
SELECT code, label_zh, kind, starts_at, workdays, extension_max, supervise_after, builtin FROM sv.complaint_policy ORDER BY id;
SET ROLE regress_cf_admin;
SELECT sv.complaint_policy_set('accept', 10, 0, 3, '《市场监督管理投诉举报处理暂行办法》第十四条(本市规定)');
RESET ROLE;
SELECT pg_temp.as_role('regress_cf_admin', q) AS policy_error
FROM unnest(ARRAY['SELECT sv.complaint_policy_set(''answer'', 7, 0, 5, ''某法规第一条'')',
                  'SELECT sv.complaint_policy_set(''accept'', 0, 0, 5, ''某法规第一条'')',
                  'SELECT sv.complaint_policy_set(''accept'', 7, 0, 5, '''')',
                  'SELECT sv.complaint_policy_set(''accept'', 7, 0, NULL, ''某法规第一条'')']) q;
SET ROLE regress_cf_feed;
SELECT sv.complaint_receive('{"work_order_no": "RGF-0005", "kind": "complaint", "received_at": "2026-03-02T09:00:00+08:00",
  "text": "餐馆收费不明码标价。", "anonymous": true, "department": "410400-MSA"}') AS c5 \gset
RESET ROLE;
SELECT accept_workdays, accept_due FROM sv.complaint WHERE id = :c5;
SET ROLE regress_cf_admin;
SELECT sv.complaint_policy_set('accept', 7, 0, 5, '《市场监督管理投诉举报处理暂行办法》第十四条');
RESET ROLE;
SELECT action, object_id, change ->> 'workdays' AS workdays, change -> 'before' ->> 'workdays' AS before
FROM sv.audit_log WHERE object_kind = 'complaint_policy' ORDER BY seq DESC LIMIT 2;

-- clean up what later tests list (the audit chain stays)
DROP TABLE seen_h_regress_cf_msa, seen_h_regress_cf_hurd, seen_h_regress_cf_nomap, seen_h_regress_cf_auditor,
  seen_q_regress_cf_msa, seen_q_regress_cf_hurd, seen_q_regress_cf_nomap, seen_q_regress_cf_auditor, seen_q_regress_cf_admin,
  seen_w_regress_cf_msa, seen_w_regress_cf_hurd, seen_w_regress_cf_nomap, seen_w_regress_cf_auditor, seen_w_regress_cf_admin;
SET session_replication_role = replica;
DELETE FROM sv.deadline_notice WHERE deadline LIKE 'complaint.%' AND object_id IN (:'c1', :'c2', :'c3', :'c4', :'c5', :'r0', :'r1', :'r2', :'r3', :'r4', :'r5');
DELETE FROM sv.complaint_supervision WHERE complaint_id IN (:c1, :c2, :c3, :c4, :c5, :r0, :r1, :r2, :r3, :r4, :r5);
DELETE FROM sv.complaint_extension WHERE complaint_id IN (:c1, :c2, :c3, :c4, :c5, :r0, :r1, :r2, :r3, :r4, :r5);
DELETE FROM sv.complaint_step WHERE complaint_id IN (:c1, :c2, :c3, :c4, :c5, :r0, :r1, :r2, :r3, :r4, :r5);
DELETE FROM sv.complaint_person WHERE complaint_id IN (:c1, :c2, :c3, :c4, :c5, :r0, :r1, :r2, :r3, :r4, :r5);
DELETE FROM sv.complaint WHERE id IN (:c1, :c2, :c3, :c4, :c5, :r0, :r1, :r2, :r3, :r4, :r5);
DELETE FROM sv.complaint_policy WHERE NOT builtin;
DELETE FROM sv.complaint_duty_rule;
DELETE FROM sv.credit_event WHERE uscc IN ('91410402MA9G5Y2P5A', '91410402MA4RGL0010');
DELETE FROM sv.subject WHERE source_system = 'RGF-AMR';
DELETE FROM sv.department WHERE id = :xinhua_msa;
DELETE FROM sv.outbox WHERE endpoint = 'RGF-12345';
DELETE FROM sv.department_endpoint WHERE endpoint = 'RGF-12345';
DELETE FROM sv.endpoint WHERE name = 'RGF-12345';
DELETE FROM sv.staff WHERE role_name LIKE 'regress_cf_%';
SET session_replication_role = DEFAULT;
DROP OWNED BY regress_cf_feed, regress_cf_admin, regress_cf_msa, regress_cf_head, regress_cf_hurd, regress_cf_nomap,
  regress_cf_auditor, regress_cf_bi, regress_cf_public;
DROP ROLE regress_cf_feed, regress_cf_admin, regress_cf_msa, regress_cf_head, regress_cf_hurd, regress_cf_nomap,
  regress_cf_auditor, regress_cf_bi, regress_cf_public;
