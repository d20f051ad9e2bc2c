-- ---------------------------------------------------------------------------------------------
-- 72_joint_notice: copy notices (抄告抄送), issue 19; docs/joint.md.  A finding of one department
-- that concerns others (一处发现、多方联动) is copied to them automatically: a supervision action
-- whose kind or result the joint-supervision list (70_joint.sql) says concerns the other
-- departments of the entry.  Each recipient acknowledges it and records what it did, within
-- working days.
--
-- The action capability owns its tables: the sweep reads its view sv_work.action (as the
-- owner: every department's actions) and the published catalogue (which catalogue item an
-- action's check item belongs to), and writes only its own table.
--
-- Table:      sv.joint_notice (one per finding and recipient: why, what is owed, due, the
--             acknowledgment and what the recipient did)
-- Functions:  sv.joint_notice_sweep(from_day) (administrators; daily by pg_cron, docs/joint.md),
--             sv.joint_notice_acknowledge(notice_id, action_taken) (the recipient)
-- Deadline:   joint_notice.due_on (抄告反馈期限), owed by the recipient, in the deadline model
-- Messages:   joint.notice to the recipient's system, joint.notice_acknowledged to the sender's,
--             through the outbox when the department has an endpoint
-- Views:      sv_work.joint_notice (notices the caller's department sent or received)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.joint_notice (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_kind        text NOT NULL,             -- the finding: action (and, 73_joint_rule.sql, complaint, risk_alert)
  source_id          text NOT NULL,             -- its key: an action's uscc/id, a complaint's or alert's id
  subject_uscc       sv.uscc,                   -- the subject concerned
  finding            text NOT NULL,             -- what was found: an action kind or result, a complaint kind, a risk rule
  from_department_id integer REFERENCES sv.department (id),   -- whose finding it is
  to_department_id   integer NOT NULL REFERENCES sv.department (id),
  bases              jsonb NOT NULL,            -- why: [{"joint_item": code}, {"rule": code, "version": n}, ...]
  owes               text NOT NULL,             -- what the recipient owes
  summary            text NOT NULL,
  workdays           integer NOT NULL,
  start_on           date NOT NULL,             -- the day it was sent
  due_on             date NOT NULL,
  due_provisional    boolean NOT NULL DEFAULT false,
  state              text NOT NULL DEFAULT 'sent',
  message            uuid,                      -- the outbox message to the recipient's system; NULL: none
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL,
  acknowledged_by    text,
  acknowledged_at    timestamptz,
  action_taken       text,                      -- what the recipient did
  CONSTRAINT joint_notice_once UNIQUE (source_kind, source_id, to_department_id),
  CONSTRAINT joint_notice_source_kind_check CHECK (source_kind IN ('action', 'complaint', 'risk_alert')),
  CONSTRAINT joint_notice_source_id_check CHECK (char_length(source_id) BETWEEN 1 AND 64),
  CONSTRAINT joint_notice_finding_check CHECK (char_length(finding) BETWEEN 1 AND 64),
  CONSTRAINT joint_notice_departments_check CHECK (from_department_id IS DISTINCT FROM to_department_id),
  CONSTRAINT joint_notice_bases_check CHECK (jsonb_typeof(bases) = 'array' AND jsonb_array_length(bases) >= 1),
  CONSTRAINT joint_notice_owes_check CHECK (owes IN ('acknowledge', 'inspect', 'verify', 'restrict')),
  CONSTRAINT joint_notice_summary_check CHECK (summary <> '' AND char_length(summary) <= 300),
  CONSTRAINT joint_notice_workdays_check CHECK (workdays BETWEEN 1 AND 60),
  CONSTRAINT joint_notice_state_check CHECK (state IN ('sent', 'acknowledged')),
  CONSTRAINT joint_notice_acknowledged_check CHECK ((state = 'acknowledged') = (acknowledged_at IS NOT NULL
                                                    AND acknowledged_by IS NOT NULL AND action_taken IS NOT NULL)),
  CONSTRAINT joint_notice_action_taken_check CHECK (char_length(action_taken) <= 2000)
);
CREATE INDEX joint_notice_to_idx ON sv.joint_notice (to_department_id, state);
CREATE INDEX joint_notice_from_idx ON sv.joint_notice (from_department_id);
CREATE INDEX joint_notice_uscc_idx ON sv.joint_notice (subject_uscc) WHERE subject_uscc IS NOT NULL;
COMMENT ON TABLE sv.joint_notice IS
  'Copy notices (抄告抄送): a finding of one department copied to the departments it concerns, each acknowledging it and recording what it did';
ALTER TABLE sv.joint_notice ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.joint_notice FORCE ROW LEVEL SECURITY;
CREATE POLICY joint_notice_department ON sv.joint_notice FOR SELECT TO sv_officer
  USING (to_department_id = sv.scope_department() OR from_department_id = sv.scope_department());
CREATE POLICY joint_notice_all ON sv.joint_notice FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.joint_notice TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.joint_notice', '');
SELECT pg_catalog.pg_extension_config_dump('sv.joint_notice_id_seq', '');

-- The Chinese label of a code of joint supervision: the findings (action kinds and results,
-- complaint kinds) and what a recipient owes; the code itself when it has none (a risk rule).
CREATE OR REPLACE FUNCTION sv.joint_label(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT coalesce((SELECT l.label FROM (VALUES
    ('inspection', '行政检查'), ('penalty', '行政处罚'), ('coercive_measure', '行政强制'),
    ('no_problem', '未发现问题'), ('problem_found', '发现问题'), ('rectification_ordered', '责令整改'), ('case_filed', '立案查处'),
    ('complaint', '投诉'), ('report', '举报'), ('inquiry', '咨询'), ('suggestion', '建议'),
    ('acknowledge', '签收知悉'), ('inspect', '开展检查'), ('verify', '核查处置'), ('restrict', '实施限制惩戒'))
    l(code, label) WHERE l.code = joint_label.code), code)
$fn$;
COMMENT ON FUNCTION sv.joint_label(text) IS
  'The Chinese label of a finding (action kind or result, complaint kind) or of what a copy notice owes; the code when it has none';
GRANT EXECUTE ON FUNCTION sv.joint_label(text) TO sv_admin, sv_officer, sv_auditor, sv_bi;

-- The findings since from_day that concern other departments, one row per finding, recipient
-- and basis: actions (ended on or after from_day) whose check item belongs, in the catalogue
-- release the action cited, to a catalogue item that a joint-supervision entry lists for the
-- acting department, and whose kind or result the entry copies; the recipients are the entry's
-- other departments, who owe an acknowledgment within the entry's ack_days.
CREATE OR REPLACE FUNCTION sv._joint_findings_since(from_day date)
RETURNS TABLE (source_kind text, source_id text, subject_uscc sv.uscc, finding text, from_department_id integer,
               to_department_id integer, basis jsonb, owes text, workdays integer, summary text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT 'action', a.uscc::text || '/' || a.id, a.uscc, f.finding, a.department_id, t.department_id,
         jsonb_build_object('joint_item', j.code), 'acknowledge', j.ack_days,
         left(format('%s %s:%s', a.subject_name, j.matter, sv.joint_label(f.finding)), 300)
  FROM sv_work.action a
  JOIN sv.catalog_release rel ON rel.label = a.release_label
  JOIN sv.catalog_release_item ci ON ci.release_id = rel.id AND ci.kind = 'check_item' AND ci.code = a.check_item_code
  JOIN sv.joint_item j ON j.catalog_items -> a.department_id::text ? (ci.item ->> 'catalog_item')
  CROSS JOIN LATERAL (SELECT x AS finding FROM unnest(ARRAY[a.kind, a.result]) x WHERE x = ANY (j.copy_on) LIMIT 1) f
  CROSS JOIN LATERAL unnest(j.lead_department_id || j.partner_department_ids) t(department_id)
  WHERE a.ended_on >= from_day AND t.department_id <> a.department_id
$fn$;

-- Copy every finding since from_day (default: 7 days before today, Beijing time) to the
-- departments it concerns, once each (a finding already copied to a department is not copied
-- again; several bases for one recipient make one notice, owing the most of them, due by the
-- earliest).  Administrators; the daily job runs it.  Returns the notices sent.
CREATE OR REPLACE FUNCTION sv.joint_notice_sweep(from_day date DEFAULT NULL)
RETURNS TABLE (notice_id bigint, source_kind text, source_id text, finding text, from_department_id integer,
               to_department_id integer, owes text, due_on date, pushed boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_today date := sv.local_date(now());
  n sv.joint_notice;
  r record;
BEGIN
  PERFORM sv._require_role('copy findings to other departments', '{sv_admin}',
                           'The daily job runs sv.joint_notice_sweep() (docs/joint.md).');
  from_day := coalesce(from_day, v_today - 7);
  IF NOT isfinite(from_day) OR from_day > v_today THEN
    RAISE EXCEPTION 'from_day must be a finite day not after today, not %', from_day
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.joint_notice_sweep'), 0);
  FOR r IN
    SELECT f.source_kind, f.source_id, min(f.subject_uscc::text) AS subject_uscc, min(f.finding) AS finding,
           min(f.from_department_id) AS from_department_id, f.to_department_id,
           jsonb_agg(DISTINCT f.basis) AS bases,
           (array_agg(f.owes ORDER BY array_position('{restrict,verify,inspect,acknowledge}'::text[], f.owes)))[1] AS owes,
           min(f.workdays) AS workdays, min(f.summary) AS summary
    FROM sv._joint_findings_since(from_day) f
    WHERE NOT EXISTS (SELECT 1 FROM sv.joint_notice x WHERE x.source_kind = f.source_kind AND x.source_id = f.source_id
                                                        AND x.to_department_id = f.to_department_id)
    GROUP BY f.source_kind, f.source_id, f.to_department_id
    ORDER BY f.source_kind, f.source_id, f.to_department_id
  LOOP
    INSERT INTO sv.joint_notice AS x (source_kind, source_id, subject_uscc, finding, from_department_id, to_department_id,
                                      bases, owes, summary, workdays, start_on, due_on, due_provisional, created_by, created_at)
    VALUES (r.source_kind, r.source_id, r.subject_uscc::sv.uscc, r.finding, r.from_department_id, r.to_department_id,
            r.bases, r.owes, r.summary, r.workdays, v_today, sv.add_workdays(v_today, r.workdays),
            sv.calendar_provisional_between(v_today, sv.add_workdays(v_today, r.workdays)), me.login, now())
    RETURNING x.* INTO n;
    n.message := sv._department_push(n.to_department_id, 'joint.notice',
                   jsonb_strip_nulls(jsonb_build_object(
                     'notice_id', n.id, 'source_kind', n.source_kind, 'source_id', n.source_id, 'subject_uscc', n.subject_uscc,
                     'finding', n.finding, 'from_department', (SELECT d.code FROM sv.department d WHERE d.id = n.from_department_id),
                     'bases', n.bases, 'owes', n.owes, 'summary', n.summary, 'due_on', n.due_on)),
                   format('joint-notice-%s', n.id));
    UPDATE sv.joint_notice x SET message = n.message WHERE x.id = n.id;
    PERFORM sv.audit_append(n.to_department_id, 'joint_notice', n.id::text, 'send',
      jsonb_build_object('source_kind', n.source_kind, 'source_id', n.source_id, 'finding', n.finding,
                         'from_department_id', n.from_department_id, 'to_department_id', n.to_department_id,
                         'bases', n.bases, 'owes', n.owes, 'due_on', n.due_on, 'pushed', n.message IS NOT NULL));
    notice_id := n.id; source_kind := n.source_kind; source_id := n.source_id; finding := n.finding;
    from_department_id := n.from_department_id; to_department_id := n.to_department_id; owes := n.owes;
    due_on := n.due_on; pushed := n.message IS NOT NULL;
    RETURN NEXT;
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION sv.joint_notice_sweep(date) IS
  'Administrators (and the daily job): copy the findings since a day to the departments they concern (抄告), once each';

-- The recipient acknowledges a notice and records what it did (签收反馈): 1-2000 characters.
CREATE OR REPLACE FUNCTION sv.joint_notice_acknowledge(notice_id bigint, action_taken text) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  n sv.joint_notice;
  v_taken text;
  v_msg uuid;
BEGIN
  PERFORM sv._require_given(ARRAY['notice_id', 'action_taken'], ARRAY[notice_id IS NULL, action_taken IS NULL]);
  PERFORM sv._require_role('acknowledge copy notices', '{sv_admin,sv_officer}');
  PERFORM sv._require_mapping('acknowledge copy notices');
  v_taken := sv._require_free_text('action_taken', action_taken, 2000);
  SELECT * INTO n FROM sv.joint_notice x WHERE x.id = notice_id FOR UPDATE;
  IF n.id IS NULL OR NOT (me.is_admin OR coalesce(n.to_department_id = me.department_id, false)) THEN
    PERFORM sv._raise_not_yours('notice_id', format('copy notice %s', notice_id), 'no_data_found',
                                'The department a notice was copied to acknowledges it.');
  END IF;
  IF n.state <> 'sent' THEN
    RAISE EXCEPTION 'copy notice % is %: it cannot be acknowledged again', n.id, n.state
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.joint_notice x SET state = 'acknowledged', acknowledged_by = me.login, acknowledged_at = now(), action_taken = v_taken
   WHERE x.id = n.id RETURNING x.* INTO n;
  v_msg := sv._department_push(n.from_department_id, 'joint.notice_acknowledged',
             jsonb_build_object('notice_id', n.id, 'source_kind', n.source_kind, 'source_id', n.source_id,
                                'to_department', (SELECT d.code FROM sv.department d WHERE d.id = n.to_department_id),
                                'action_taken', n.action_taken, 'acknowledged_at', n.acknowledged_at,
                                'late', sv.deadline_state('joint_notice.due_on', n.due_on, n.acknowledged_at) = 'done_late'),
             format('joint-notice-%s-acknowledged', n.id));
  PERFORM sv.audit_append(n.to_department_id, 'joint_notice', n.id::text, 'acknowledge',
    jsonb_build_object('action_taken', n.action_taken, 'due_on', n.due_on,
                       'late', sv.deadline_state('joint_notice.due_on', n.due_on, n.acknowledged_at) = 'done_late',
                       'pushed', v_msg IS NOT NULL));
  RETURN n.acknowledged_at;
END
$fn$;
COMMENT ON FUNCTION sv.joint_notice_acknowledge(bigint, text) IS
  'The department a copy notice went to acknowledges it and records what it did (签收反馈)';

GRANT EXECUTE ON FUNCTION sv.joint_notice_sweep(date) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.joint_notice_acknowledge(bigint, text) TO sv_admin, sv_officer;

-- The deadline on the calendar (20_calendar.sql): owed by the recipient, open until acknowledged.
-- sv:rerun (the registry is code: every update registers its rows again, docs/upgrades.md)
SELECT sv._calendar_deadline_register(ROW('joint_notice.due_on', '抄告反馈期限', 'sv.joint_notice', 'joint_notice',
   't.id::text', 't.id = $1::bigint', 't.to_department_id', 't.start_on', 't.workdays', 'due_on', 'due_provisional',
   $$t.state = 'sent'$$, 't.acknowledged_at', 1, 't.summary')::sv.calendar_deadline);

CREATE VIEW sv_work.joint_notice WITH (security_invoker = true) AS
  SELECT n.id, n.source_kind, n.source_id, n.subject_uscc, n.finding, n.from_department_id, fd.name_zh AS from_department_name,
         n.to_department_id, td.name_zh AS to_department_name, n.bases, n.owes, n.summary, n.start_on, n.workdays, n.due_on,
         n.due_provisional, n.state, sv.deadline_state('joint_notice.due_on', n.due_on, n.acknowledged_at) AS due_state,
         n.message IS NOT NULL AS pushed, n.acknowledged_by, n.acknowledged_at, n.action_taken
  FROM sv.joint_notice n
  LEFT JOIN sv.department fd ON fd.id = n.from_department_id
  JOIN sv.department td ON td.id = n.to_department_id;
COMMENT ON VIEW sv_work.joint_notice IS
  '抄告抄送 / Copy notices the caller''s department sent or received (all for the supervision office and administrators): finding, basis, what is owed, due, acknowledgment';
COMMENT ON COLUMN sv_work.joint_notice.id IS '抄告编号';
COMMENT ON COLUMN sv_work.joint_notice.source_kind IS '来源类型代码:action 监管行为, complaint 投诉举报, risk_alert 风险预警';
COMMENT ON COLUMN sv_work.joint_notice.source_id IS '来源编号(监管行为:统一社会信用代码/编号)';
COMMENT ON COLUMN sv_work.joint_notice.subject_uscc IS '涉及市场主体统一社会信用代码';
COMMENT ON COLUMN sv_work.joint_notice.finding IS '发现情形代码(行为类型、检查结果、投诉举报类别或预警规则)';
COMMENT ON COLUMN sv_work.joint_notice.from_department_id IS '抄告部门编号';
COMMENT ON COLUMN sv_work.joint_notice.from_department_name IS '抄告部门';
COMMENT ON COLUMN sv_work.joint_notice.to_department_id IS '接收部门编号';
COMMENT ON COLUMN sv_work.joint_notice.to_department_name IS '接收部门';
COMMENT ON COLUMN sv_work.joint_notice.bases IS '抄告依据(联合监管清单事项、联动规则及版本,JSON)';
COMMENT ON COLUMN sv_work.joint_notice.owes IS '应履行义务代码:acknowledge 签收知悉, inspect 开展检查, verify 核查处置, restrict 实施限制惩戒';
COMMENT ON COLUMN sv_work.joint_notice.summary IS '事项摘要';
COMMENT ON COLUMN sv_work.joint_notice.start_on IS '抄告日期';
COMMENT ON COLUMN sv_work.joint_notice.workdays IS '反馈时限(工作日)';
COMMENT ON COLUMN sv_work.joint_notice.due_on IS '反馈截止日期';
COMMENT ON COLUMN sv_work.joint_notice.due_provisional IS '截止日期按临时日历计算(国务院通知未发布),通知发布后重新计算';
COMMENT ON COLUMN sv_work.joint_notice.state IS '状态代码:sent 已抄告待反馈, acknowledged 已签收反馈';
COMMENT ON COLUMN sv_work.joint_notice.due_state IS '期限状态代码:open 办理中, due_soon 即将到期, overdue 已逾期, done_on_time 按期反馈, done_late 逾期反馈';
COMMENT ON COLUMN sv_work.joint_notice.pushed IS '是否已推送至接收部门业务系统';
COMMENT ON COLUMN sv_work.joint_notice.acknowledged_by IS '签收人';
COMMENT ON COLUMN sv_work.joint_notice.acknowledged_at IS '签收反馈时间';
COMMENT ON COLUMN sv_work.joint_notice.action_taken IS '处理情况';
GRANT SELECT ON sv_work.joint_notice TO sv_officer, sv_admin, sv_auditor;
