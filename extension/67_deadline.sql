-- ---------------------------------------------------------------------------------------------
-- 67_deadline: the deadline model (办理时限、催办、逾期): one model for every obligation a
-- department owes within working days: sanction feedback, the linkage's claim, first action and
-- acknowledgment, publication of results, the draw's run, and the loops to come (complaints,
-- assist requests, risk leads).  docs/deadlines.md, "Adding a deadline kind".
--
-- A kind is a row of the registry sv.calendar_deadline (20_calendar.sql), written by its
-- capability's file: the table, the owner's key and department, start and working days, the
-- due date and provisional flag columns, the open condition, the closure (closed_expr), the
-- reminder lead time in working days and a summary for officers.  The state of one deadline on
-- a day is sv.deadline_state (20_calendar.sql): open, due_soon, overdue, done_on_time, done_late
-- (or withdrawn: no longer owed, never met).
--
-- Tables:     sv.deadline_notice (every reminder and overdue notice sent: the overdue mark)
-- Functions:  sv._deadline_items(day, open_only) (every deadline of every kind, as the caller:
--             each table's row-level security applies), sv._deadline_counts(day) (aggregates,
--             for sv_bi), sv.deadline_sweep(day) (administrators; the job sv.job_deadline_sweep)
-- Views:      sv_work.deadline_open (the open obligations of the caller's department),
--             sv_bi.deadline_summary (per department and kind)
-- Reminders and overdue notices are rows of sv.deadline_notice (the lasting, queryable record:
-- officers read it in sv_work, the outbox forgets delivered messages after its retention and not
-- every department has a system) and, for a department with an endpoint, a message through the
-- outbox ('deadline.reminder', 'deadline.overdue'), like the linkage's and the feedback requests.
-- Each is in the audit chain, on the deadline's owner.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.deadline_notice (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deadline      text NOT NULL REFERENCES sv.calendar_deadline (name),
  object_id     text NOT NULL,            -- the owner's audit object id (key_expr)
  event         text NOT NULL CHECK (event IN ('reminder', 'overdue')),
  due_on        date NOT NULL,            -- the due date it was sent for (a recomputed date is a new deadline)
  department_id integer REFERENCES sv.department (id),
  on_day        date NOT NULL,            -- the day the sweep counted with
  message       uuid,                     -- the outbox message to the department's system; NULL: none
  audit_seq     bigint NOT NULL,
  job_run       bigint,                   -- the sweep's run (sv.job_run; no foreign key: pg_dump), NULL: by hand
  sent_by       text NOT NULL,
  sent_at       timestamptz NOT NULL,
  CONSTRAINT deadline_notice_once UNIQUE (deadline, object_id, event, due_on)
);
CREATE INDEX deadline_notice_department_idx ON sv.deadline_notice (department_id, sent_at);
COMMENT ON TABLE sv.deadline_notice IS
  'Reminders (催办) and overdue notices (逾期提醒) sent for registered deadlines, one of each per deadline and due date';
ALTER TABLE sv.deadline_notice ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.deadline_notice FORCE ROW LEVEL SECURITY;
CREATE POLICY deadline_notice_department ON sv.deadline_notice FOR SELECT TO sv_officer
  USING (department_id = sv.scope_department());
CREATE POLICY deadline_notice_all ON sv.deadline_notice FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.deadline_notice TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.deadline_notice', '');
SELECT pg_catalog.pg_extension_config_dump('sv.deadline_notice_id_seq', '');

-- Every deadline of every registered kind that has a due date (open ones only when open_only),
-- with its state on day.  SECURITY INVOKER: each table is read as the caller, so its row-level
-- security decides; a kind whose table the caller may not read is left out.
CREATE OR REPLACE FUNCTION sv._deadline_items(day date, open_only boolean)
RETURNS TABLE (deadline text, object_kind text, object_id text, department_id integer, summary text, start_on date,
               workdays integer, due_on date, due_provisional boolean, closed_at timestamptz, state text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  d sv.calendar_deadline;
BEGIN
  IF day IS NULL OR open_only IS NULL THEN
    RAISE EXCEPTION '% must not be null', CASE WHEN day IS NULL THEN 'day' ELSE 'open_only' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  FOR d IN SELECT * FROM sv.calendar_deadline c ORDER BY c.name LOOP
    CONTINUE WHEN NOT has_table_privilege(d.relation, 'SELECT');
    RETURN QUERY EXECUTE format($q$
      SELECT $3, $4, (%1$s)::text, (%2$s)::integer, (%3$s)::text, (%4$s)::date, (%5$s)::integer, t.%6$I, t.%7$I,
             (%8$s)::timestamptz, sv._deadline_state(t.%6$I, (%8$s)::timestamptz, $5, $1, coalesce((%9$s), false))
      FROM %10$s t
      WHERE t.%6$I IS NOT NULL AND (NOT $2 OR coalesce((%9$s), false))$q$,
      d.key_expr, d.department_expr, d.summary_expr, d.start_expr, d.days_expr, d.due_column, d.provisional_column,
      d.closed_expr, d.open_condition, d.relation)
    USING day, open_only, d.name, d.object_kind, d.reminder_days;
  END LOOP;
END
$fn$;
GRANT EXECUTE ON FUNCTION sv._deadline_items(date, boolean) TO sv_officer, sv_admin, sv_auditor;

-- Per department and kind: how many deadlines are open (of which due soon, overdue), done on
-- time, done late, withdrawn on day.  Aggregates only, over every row (like the other sv_bi
-- views, which run as their owner): for the analysis roles.
CREATE OR REPLACE FUNCTION sv._deadline_counts(day date)
RETURNS TABLE (deadline text, department_id integer, open bigint, due_soon bigint, overdue bigint, done_on_time bigint,
               done_late bigint, withdrawn bigint)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
BEGIN
  PERFORM sv._require_role('read deadline statistics', '{sv_bi,sv_auditor,sv_admin}');
  RETURN QUERY
  SELECT i.deadline, i.department_id,
         count(*) FILTER (WHERE i.state IN ('open', 'due_soon', 'overdue')),
         count(*) FILTER (WHERE i.state = 'due_soon'),
         count(*) FILTER (WHERE i.state = 'overdue'),
         count(*) FILTER (WHERE i.state = 'done_on_time'),
         count(*) FILTER (WHERE i.state = 'done_late'),
         count(*) FILTER (WHERE i.state = 'withdrawn')
  FROM sv._deadline_items(day, false) i
  GROUP BY i.deadline, i.department_id;
END
$fn$;
GRANT EXECUTE ON FUNCTION sv._deadline_counts(date) TO sv_bi, sv_auditor, sv_admin;

-- The sweep on day: for every open deadline due soon, a reminder, and for every overdue one, an
-- overdue notice, each once per deadline and due date (at most max_rows, in registry and key
-- order); returns the notices sent.  One sweep at a time (a transaction lock).
CREATE OR REPLACE FUNCTION sv._deadline_sweep(day date, max_rows integer, run bigint) RETURNS SETOF sv.deadline_notice
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  r record;
  v_event text;
  v_msg uuid;
  v_seq bigint;
  n sv.deadline_notice;
BEGIN
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.deadline_sweep'), 0);
  FOR r IN
    SELECT i.*, CASE i.state WHEN 'due_soon' THEN 'reminder' ELSE 'overdue' END AS event, c.label_zh
    FROM sv._deadline_items(day, true) i JOIN sv.calendar_deadline c ON c.name = i.deadline
    WHERE i.state IN ('due_soon', 'overdue')
      AND NOT EXISTS (SELECT 1 FROM sv.deadline_notice x
                      WHERE x.deadline = i.deadline AND x.object_id = i.object_id AND x.due_on = i.due_on
                        AND x.event = CASE i.state WHEN 'due_soon' THEN 'reminder' ELSE 'overdue' END)
    ORDER BY i.deadline, i.object_id
    LIMIT max_rows
  LOOP
    v_event := r.event;
    -- the department's system, when it has one (the outbox's sv.department_endpoint)
    v_msg := sv._department_push(r.department_id, 'deadline.' || v_event,
               jsonb_build_object('deadline', r.deadline, 'deadline_name', r.label_zh, 'object_kind', r.object_kind,
                                  'object_id', r.object_id, 'summary', r.summary, 'due_on', r.due_on, 'day', day,
                                  'workdays_left', sv.workdays_between(day, r.due_on)),
               format('deadline-%s-%s-%s-%s', v_event, r.deadline, r.object_id, r.due_on));
    v_seq := sv.audit_append(r.department_id, r.object_kind, r.object_id, 'deadline_' || v_event,
               jsonb_build_object('deadline', r.deadline, 'due_on', r.due_on, 'day', day, 'state', r.state,
                                  'pushed', v_msg IS NOT NULL, 'job_run', run));
    INSERT INTO sv.deadline_notice AS x (deadline, object_id, event, due_on, department_id, on_day, message, audit_seq,
                                         job_run, sent_by, sent_at)
    VALUES (r.deadline, r.object_id, v_event, r.due_on, r.department_id, day, v_msg, v_seq, run, me.login, now())
    RETURNING x.* INTO n;
    RETURN NEXT n;
  END LOOP;
END
$fn$;

-- Administrators: the sweep by hand, on today (Beijing time) or an earlier day.
CREATE OR REPLACE FUNCTION sv.deadline_sweep(day date DEFAULT NULL)
RETURNS TABLE (deadline text, object_id text, event text, due_on date, department_id integer, pushed boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_today date := sv.local_date(now());
BEGIN
  PERFORM sv._require_role('send deadline reminders', '{sv_admin}', 'The job sv.job_deadline_sweep() sends them daily.');
  IF day > v_today THEN
    -- a later day would announce as overdue what is not overdue yet
    RAISE EXCEPTION 'day must not be after today (%), not %', v_today, day USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT isfinite(coalesce(day, v_today)) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  SELECT n.deadline, n.object_id, n.event, n.due_on, n.department_id, n.message IS NOT NULL
  FROM sv._deadline_sweep(coalesce(day, v_today), 1000000, NULL) n
  ORDER BY n.deadline, n.object_id, n.event;
END
$fn$;
COMMENT ON FUNCTION sv.deadline_sweep(date) IS
  'Administrators: send the reminders of deadlines due soon and the notices of overdue ones (once each), on today or an earlier day';
GRANT EXECUTE ON FUNCTION sv.deadline_sweep(date) TO sv_admin;

-- Every open obligation of the caller's department (all departments for the supervision office
-- and administrators), of every registered kind, with its state today.
CREATE VIEW sv_work.deadline_open WITH (security_invoker = true) AS
  SELECT i.deadline, c.label_zh AS deadline_name, i.object_kind, i.object_id, i.department_id,
         d.name_zh AS department_name, i.summary, i.start_on, i.workdays, i.due_on, i.due_provisional, i.state,
         sv.label_zh('deadline.state', i.state) AS state_zh, sv.workdays_between(t.today, i.due_on) AS workdays_left,
         (SELECT max(n.sent_at) FROM sv.deadline_notice n WHERE n.deadline = i.deadline AND n.object_id = i.object_id
                                                          AND n.due_on = i.due_on AND n.event = 'reminder') AS reminded_at,
         (SELECT max(n.sent_at) FROM sv.deadline_notice n WHERE n.deadline = i.deadline AND n.object_id = i.object_id
                                                          AND n.due_on = i.due_on AND n.event = 'overdue') AS overdue_notice_at
  FROM (SELECT sv.local_date(now()) AS today) t
  CROSS JOIN LATERAL sv._deadline_items(t.today, true) i
  JOIN sv.calendar_deadline c ON c.name = i.deadline
  LEFT JOIN sv.department d ON d.id = i.department_id
  WHERE i.department_id = sv.scope_department() OR (SELECT s.sees_all FROM sv.current_scope() s);
COMMENT ON VIEW sv_work.deadline_open IS
  '待办期限 / Every open obligation of the caller''s department (all for the supervision office and administrators), of every kind: due date, state, reminders';
COMMENT ON COLUMN sv_work.deadline_open.deadline IS '期限代码(sv.calendar_deadline)';
COMMENT ON COLUMN sv_work.deadline_open.deadline_name IS '期限名称';
COMMENT ON COLUMN sv_work.deadline_open.object_kind IS '所属对象类型(审计记录对象类型)';
COMMENT ON COLUMN sv_work.deadline_open.object_id IS '所属对象编号';
COMMENT ON COLUMN sv_work.deadline_open.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.deadline_open.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_work.deadline_open.summary IS '事项摘要';
COMMENT ON COLUMN sv_work.deadline_open.start_on IS '起算日期(不计入)';
COMMENT ON COLUMN sv_work.deadline_open.workdays IS '办理时限(工作日)';
COMMENT ON COLUMN sv_work.deadline_open.due_on IS '截止日期';
COMMENT ON COLUMN sv_work.deadline_open.due_provisional IS '截止日期按临时日历计算(国务院通知未发布),通知发布后重新计算';
COMMENT ON COLUMN sv_work.deadline_open.state IS '状态代码:open 办理中, due_soon 即将到期, overdue 已逾期';
COMMENT ON COLUMN sv_work.deadline_open.state_zh IS '状态';
COMMENT ON COLUMN sv_work.deadline_open.workdays_left IS '距截止日期的工作日数(负数:已逾期的工作日数)';
COMMENT ON COLUMN sv_work.deadline_open.reminded_at IS '催办时间';
COMMENT ON COLUMN sv_work.deadline_open.overdue_notice_at IS '逾期提醒时间';
-- sv:rerun (the labels of the states sv.deadline_state gives, 05_code_label: every update
-- registers them again)
SELECT sv._code_label_register('deadline.state', ARRAY[['open', '办理中'], ['due_soon', '即将到期'],
  ['overdue', '已逾期'], ['done_on_time', '按期办结'], ['done_late', '逾期办结'], ['withdrawn', '已撤回']]);
GRANT SELECT ON sv_work.deadline_open TO sv_officer, sv_admin, sv_auditor;

-- Per department and kind, today (aggregates only).
CREATE VIEW sv_bi.deadline_summary AS
  SELECT d.code AS department_code, d.name_zh AS department_name, x.deadline, c.label_zh AS deadline_name,
         x.open, x.due_soon, x.overdue, x.done_on_time, x.done_late, x.withdrawn
  FROM sv._deadline_counts(sv.local_date(now())) x
  JOIN sv.calendar_deadline c ON c.name = x.deadline
  JOIN sv.department d ON d.id = x.department_id;
COMMENT ON VIEW sv_bi.deadline_summary IS
  '办理时限统计 / Deadlines per department and kind today: open, due soon, overdue, done on time, done late, withdrawn';
COMMENT ON COLUMN sv_bi.deadline_summary.department_code IS '部门代码';
COMMENT ON COLUMN sv_bi.deadline_summary.department_name IS '部门名称';
COMMENT ON COLUMN sv_bi.deadline_summary.deadline IS '期限代码';
COMMENT ON COLUMN sv_bi.deadline_summary.deadline_name IS '期限名称';
COMMENT ON COLUMN sv_bi.deadline_summary.open IS '未办结数(含即将到期、已逾期)';
COMMENT ON COLUMN sv_bi.deadline_summary.due_soon IS '即将到期数';
COMMENT ON COLUMN sv_bi.deadline_summary.overdue IS '逾期未办结数';
COMMENT ON COLUMN sv_bi.deadline_summary.done_on_time IS '按期办结数';
COMMENT ON COLUMN sv_bi.deadline_summary.done_late IS '逾期办结数';
COMMENT ON COLUMN sv_bi.deadline_summary.withdrawn IS '撤销(无需办理)数';
GRANT SELECT ON sv_bi.deadline_summary TO sv_bi, sv_auditor, sv_admin;
