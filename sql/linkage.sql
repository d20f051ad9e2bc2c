-- Approval–supervision linkage (审管联动: 双推送、双回路): the approval system reports a
-- licence; the supervising department follows from the power list, claims and reports; a
-- result that affects the licence goes back to the approving department, which acknowledges.
-- Both pushes go through the outbox; every deadline is on the working-day calendar.
-- Everything runs in one transaction that is rolled back; each failing statement only rolls
-- back itself.  Deadlines are relative to today and compared with sv.add_workdays.
\pset null '(null)'
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
SET datestyle = 'ISO, YMD';
BEGIN;
-- the messages print linkage and result ids: start them after the committed rows, whatever
-- rolled-back transactions of other files consumed (sequences are not transactional)
SELECT setval(pg_get_serial_sequence('sv.linkage', 'id'), coalesce((SELECT max(id) FROM sv.linkage), 0) + 1, false) > 0
         AS linkage_ids_set,
       setval(pg_get_serial_sequence('sv.linkage_result', 'id'),
              coalesce((SELECT max(id) FROM sv.linkage_result), 0) + 1, false) > 0 AS result_ids_set;

CREATE ROLE regress_lk_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_lk_approval LOGIN IN ROLE sv_integration;   -- the approval system
CREATE ROLE regress_lk_msa LOGIN IN ROLE sv_officer;             -- market regulation (4)
CREATE ROLE regress_lk_gsbd LOGIN IN ROLE sv_officer;            -- the administrative approval bureau (1)
CREATE ROLE regress_lk_hurd LOGIN IN ROLE sv_officer;            -- housing (5)
CREATE ROLE regress_lk_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_lk_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_lk_gsbd', 1, '410400') > 0 AS mapped,
       sv.staff_add('regress_lk_hurd', 5, '410400') > 0 AS mapped;
-- a licence approved centrally by the approval bureau and supervised by the competent
-- department (谁主管、谁监管), and one approved and supervised by housing (谁审批、谁监管)
SELECT sv.power_item_save('RGL-L-001', '食品经营许可', 'licensing', 4, '[{"law": "食品安全法", "article": "第三十五条"}]',
                          approving_department_id => 1, centralised => true) > 0 AS power,
       sv.power_item_save('RGL-L-002', '建筑业企业资质许可', 'licensing', 5, '[{"law": "建筑法", "article": "第十三条"}]',
                          approving_department_id => 5) > 0 AS power,
       sv.power_item_save('RGL-P-001', '食品安全行政处罚', 'penalty', 4, '[{"law": "食品安全法"}]') > 0 AS power;
SELECT sv.supervising_department('RGL-L-001') AS supervises_001, sv.supervising_department('RGL-L-002') AS supervises_002;

-- routing and deadlines: administrators
SET ROLE regress_lk_admin;
SELECT sv.endpoint_save('RGL-MSA', 'http://127.0.0.1:9/accept/msa', department_id => 4) AS endpoint,
       sv.endpoint_save('RGL-GSBD', 'http://127.0.0.1:9/accept/gsbd', department_id => 1) AS endpoint;
SELECT sv.department_endpoint_set(99, 'RGL-MSA');
SELECT sv.department_endpoint_set(4, 'RGL-NONE');
-- (sv.linkage_endpoint_set: the 0.1.0 name, an alias until 0.3.0)
SELECT sv.department_endpoint_set(4, 'RGL-MSA'), sv.linkage_endpoint_set(1, 'RGL-GSBD');
SELECT department_id, endpoint FROM sv.department_endpoint WHERE endpoint LIKE 'RGL-%' ORDER BY 1;
SELECT sv.linkage_rule_set('RGL-P-001', 10);
SELECT sv.linkage_rule_set('RGL-L-001', 0);
SELECT sv.linkage_rule_set('RGL-L-001', 10, 61);
SELECT sv.linkage_rule_set('RGL-L-001', 10, 3);
RESET ROLE;
SET ROLE regress_lk_msa;
SELECT sv.linkage_rule_set('RGL-L-001', 10, 3);
RESET ROLE;

-- the approval system reports decisions: every field checked
SELECT '91410402MA4RGL001' || sv.uscc_check_character('91410402MA4RGL001') AS l1,
       '91410402MA4RGL002' || sv.uscc_check_character('91410402MA4RGL002') AS l2 \gset
SET ROLE regress_lk_approval;
SELECT sv.approval_receive(NULL);
SELECT sv.approval_receive('[]');
SELECT sv.approval_receive('{"approval_id": "A1", "colour": "red"}');
SELECT sv.approval_receive('{"approval_id": "A1", "uscc": "x"}');
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', '91410400MA44L0X1Q9', 'subject_name', 's',
  'power_code', 'RGL-L-001', 'decision', 'granted', 'licence_no', 'JY1', 'decided_on', '2026-11-20', 'approving_department', '1'));
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', :'l1', 'subject_name', 's',
  'power_code', 'RGL-P-001', 'decision', 'granted', 'licence_no', 'JY1', 'decided_on', '2026-11-20', 'approving_department', '1'));
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', :'l1', 'subject_name', 's',
  'power_code', 'RGL-L-001', 'decision', 'refused', 'licence_no', 'JY1', 'decided_on', '2026-11-20', 'approving_department', '1'));
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', :'l1', 'subject_name', 's',
  'power_code', 'RGL-L-001', 'decision', 'granted', 'licence_no', 'JY1', 'decided_on', '2099-11-20', 'approving_department', '1'));
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', :'l1', 'subject_name', 's',
  'power_code', 'RGL-L-001', 'decision', 'granted', 'licence_no', 'JY1', 'decided_on', '2026-11-20', 'valid_until', '2020-01-01',
  'approving_department', '1'));
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', :'l1', 'subject_name', 's',
  'power_code', 'RGL-L-001', 'decision', 'granted', 'licence_no', 'JY1', 'decided_on', '2026-11-20', 'approving_department', 'NOPE'));
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', :'l1', 'subject_name', 's',
  'power_code', 'RGL-L-001', 'decision', 'granted', 'licence_no', 'JY1', 'decided_on', '2026-11-20', 'approving_department', '410400-MSA'));
SELECT sv.approval_receive('{}', 'bad source');
-- a food licence granted by the approval bureau: market regulation supervises
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', :'l1', 'subject_name', '平顶山市瑞林餐饮有限公司',
  'power_code', 'RGL-L-001', 'decision', 'granted', 'licence_no', 'JY14104020012345', 'decided_on', '2026-11-20',
  'valid_until', '2031-11-19', 'approving_department', '410400-GSBD')) AS k1 \gset
-- the same approval again: the same linkage, nothing pushed twice
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-001', 'uscc', :'l1', 'subject_name', '平顶山市瑞林餐饮有限公司',
  'power_code', 'RGL-L-001', 'decision', 'granted', 'licence_no', 'JY14104020012345', 'decided_on', '2026-11-20',
  'approving_department', '410400-GSBD')) = :k1 AS same_linkage;
-- a construction qualification: housing approves and supervises (no endpoint: it works from sv_work)
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-002', 'uscc', :'l2', 'subject_name', '平顶山市瑞林建筑有限公司',
  'power_code', 'RGL-L-002', 'decision', 'granted', 'licence_no', 'D241000001', 'decided_on', '2026-11-21',
  'approving_department', 5)) AS k2 \gset
RESET ROLE;
SET ROLE regress_lk_msa;
SELECT sv.approval_receive('{}');
RESET ROLE;
SELECT id = :k1 AS k1, power_code, decision, licence_no, approving_department_id, supervising_department_id,
       claim_due = sv.add_workdays(sv.local_date(now()), 2) AS claim_in_2_workdays,
       first_action_due = sv.add_workdays(sv.local_date(now()), CASE power_code WHEN 'RGL-L-001' THEN 10 ELSE 20 END) AS first_action_due_ok,
       push_message IS NOT NULL AS pushed
FROM sv.linkage WHERE source_system = 'approval' AND approval_id LIKE 'SP-2026-%' ORDER BY id;
SELECT o.endpoint, o.kind, o.payload -> 'linkage_id' = to_jsonb(:k1) AS names_linkage, o.payload #>> '{approval,licence_no}' AS licence_no,
       o.dedup_key = 'linkage-' || :k1 AS dedup
FROM sv.outbox o WHERE o.endpoint LIKE 'RGL-%' ORDER BY o.id;

-- the supervising department claims (签收): its own only, once
SET ROLE regress_lk_hurd;
SELECT sv.linkage_claim(:k1);
RESET ROLE;
SET ROLE regress_lk_msa;
SELECT sv.linkage_report(:k1, 'inspected_compliant', '现场检查未发现问题');
SELECT sv.linkage_claim(NULL);
SELECT sv.linkage_claim(:k1) IS NOT NULL AS claimed;
SELECT sv.linkage_claim(:k1);
-- results: a compliant inspection (no push back), then a penalty (pushed back to the bureau)
SELECT sv.linkage_report(:k1, 'fined', '罚款');
SELECT sv.linkage_report(:k1, 'penalty', 'ok');
SELECT sv.linkage_report(:k1, 'inspected_compliant', '首次检查:证照一致,现场未发现问题', 'JC-2026-1201') > 0 AS reported;
SELECT sv.linkage_report(:k1, 'penalty', '超范围经营,罚款2万元,责令改正', '平市监罚〔2026〕88号') AS r2 \gset
SELECT step, due_on IS NOT NULL AS has_due, done_at IS NOT NULL AS done, overdue, done_late FROM sv_work.linkage_loop
WHERE linkage_id = :k1 ORDER BY step;
RESET ROLE;
SELECT kind, affects_licence, ack_due = sv.add_workdays(sv.local_date(now()), 3) AS ack_in_3_workdays, push_message IS NOT NULL AS pushed_back
FROM sv.linkage_result WHERE linkage_id = :k1 ORDER BY id;
SELECT o.endpoint, o.kind, o.payload ->> 'kind' AS result_kind, o.payload ->> 'licence_no' AS licence_no FROM sv.outbox o
WHERE o.endpoint = 'RGL-GSBD';

-- the approving department acknowledges (双回路 closed)
SET ROLE regress_lk_msa;
SELECT sv.linkage_acknowledge(:r2, '收到');
RESET ROLE;
SET ROLE regress_lk_gsbd;
SELECT sv.linkage_acknowledge(NULL);
SELECT sv.linkage_acknowledge(:r2 - 1, '无需确认');
SELECT sv.linkage_acknowledge(:r2, '已收到处罚结果,启动许可证后续监管核查') IS NOT NULL AS acknowledged;
SELECT sv.linkage_acknowledge(:r2, '再次确认');
SELECT step, done_at IS NOT NULL AS done, overdue FROM sv_work.linkage_loop ORDER BY linkage_id, step;
RESET ROLE;

-- a loop past its due date shows as overdue; housing has not claimed its linkage
UPDATE sv.linkage SET claim_due = '2026-01-05', first_action_due = '2026-01-20' WHERE id = :k2;
SET ROLE regress_lk_hurd;
SELECT step, department_id, overdue FROM sv_work.linkage_loop ORDER BY step;
SELECT sv.linkage_claim(:k2) IS NOT NULL AS claimed_late;
SELECT step, overdue, done_late FROM sv_work.linkage_loop WHERE step = 'claim';
RESET ROLE;
SET ROLE regress_lk_public;
SELECT * FROM sv_work.linkage_loop;
SELECT sv.linkage_claim(:k2);
RESET ROLE;
SELECT department_code, step, open, overdue, closed, closed_late FROM sv_bi.linkage_loops ORDER BY department_code, step;
SELECT object_kind, action, count(*) FROM sv.audit_log WHERE object_kind IN ('linkage', 'linkage_result')
GROUP BY object_kind, action ORDER BY object_kind, action;
SELECT change ->> 'late' AS late FROM sv.audit_log WHERE object_kind = 'linkage' AND action = 'claim' ORDER BY seq;
ROLLBACK;
