-- ---------------------------------------------------------------------------------------------
-- 80_evaluation: analysis and evaluation of departments and counties (分析评价, 监管的监管):
-- key performance indicators (KPIs) per department and per county, stored as daily aggregates so
-- that a period sums days instead of rescanning the facts, and a weighted composite score with
-- ranks.  docs/evaluation.md.
--
-- Tables:     sv.kpi (the registry: code, Chinese name, definition, source, unit, direction,
--             weight, basis, how days add up, the compute function; rows are code, registered by
--             sv._kpi_register, marked -- sv:rerun), sv.kpi_daily (one row per KPI, day,
--             department and county-level region: numerator, denominator, distinct keys),
--             sv.kpi_monthly (each month's daily rows added up, rebuilt with its days),
--             sv.kpi_day (the days stored, when, by whom)
-- Functions:  sv.kpi_catalog() (the registry plus one on-time KPI per deadline kind of the shared
--             deadline model not registered explicitly), sv.kpi_refresh(first_day, last_day)
--             (administrators; the job sv.job_kpi_refresh), sv.kpi_values(as_of, period_from,
--             period_to), sv.kpi_scores(as_of, period_from, period_to, level)
-- Compute functions (the contract, docs/evaluation.md "Adding a KPI"):
--             sv.<name>(first_day date, last_day date) RETURNS TABLE (kpi text, day date,
--             department_id integer, region_code text, num bigint, den bigint, keys text[]):
--             the day's facts of [first_day, last_day], aggregated per department and region
--             (any region: it is rolled up to its county-level unit); SECURITY INVOKER, called
--             by sv.kpi_refresh as the extension's owner.  One function may feed several KPIs.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.kpi (
  code             text PRIMARY KEY,
  name_zh          text NOT NULL,
  definition       text NOT NULL,          -- what is counted (Chinese): numerator over denominator
  source           text NOT NULL,          -- the tables or registry it reads
  unit             text NOT NULL,          -- pct: 100 × num / den
  direction        text NOT NULL,          -- higher or lower is better
  weight           numeric(5,2) NOT NULL,  -- in the composite score; 0: shown, not scored
  basis            text NOT NULL,          -- the legal or policy basis
  aggregation      text NOT NULL,          -- how days add up: sum, last (a stock), distinct (keys)
  compute_function text NOT NULL,          -- sv.<name>(date, date), the contract above
  sort_order       integer NOT NULL,
  CONSTRAINT kpi_code_form CHECK (code ~ '^[a-z][a-z0-9_.]*$' AND length(code) <= 64),
  CONSTRAINT kpi_name_zh_form CHECK (name_zh ~ '[一-鿿]' AND length(name_zh) <= 40),
  CONSTRAINT kpi_definition_length CHECK (length(definition) BETWEEN 1 AND 500),
  CONSTRAINT kpi_source_length CHECK (length(source) BETWEEN 1 AND 200),
  CONSTRAINT kpi_basis_length CHECK (length(basis) BETWEEN 1 AND 300),
  CONSTRAINT kpi_unit_check CHECK (unit IN ('pct')),
  CONSTRAINT kpi_direction_check CHECK (direction IN ('higher', 'lower')),
  CONSTRAINT kpi_weight_range CHECK (weight BETWEEN 0 AND 100),
  CONSTRAINT kpi_aggregation_check CHECK (aggregation IN ('sum', 'last', 'distinct')),
  CONSTRAINT kpi_compute_function_form CHECK (compute_function ~ '^sv\.[a-z_][a-z0-9_]*$')
);
COMMENT ON TABLE sv.kpi IS
  'KPIs of the evaluation (分析评价指标): definition, source, direction, weight and basis; rows are code (sv._kpi_register)';
ALTER TABLE sv.kpi ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi FORCE ROW LEVEL SECURITY;
CREATE POLICY kpi_read ON sv.kpi FOR SELECT USING (true);
GRANT SELECT ON sv.kpi TO sv_admin, sv_auditor, sv_bi, sv_officer, sv_integration, sv_public;

CREATE TABLE sv.kpi_daily (
  kpi           text NOT NULL,
  day           date NOT NULL,
  department_id integer NOT NULL REFERENCES sv.department (id),
  region_code   text NOT NULL REFERENCES sv.region (code),   -- county-level unit, or the city for city-wide facts
  num           bigint NOT NULL,
  den           bigint NOT NULL,
  keys          text[],                                      -- aggregation distinct: what was covered that day
  CONSTRAINT kpi_daily_pkey PRIMARY KEY (day, kpi, department_id, region_code),
  CONSTRAINT kpi_daily_counts CHECK (num >= 0 AND den >= 0)
);
-- one KPI over many days (the bulletin's six-month trend)
CREATE INDEX kpi_daily_kpi_idx ON sv.kpi_daily (kpi, day);
COMMENT ON TABLE sv.kpi_daily IS
  'KPI aggregates per day, department and county-level region (numerator, denominator): a period sums its days';
ALTER TABLE sv.kpi_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY kpi_daily_read ON sv.kpi_daily FOR SELECT TO sv_admin, sv_auditor, sv_bi USING (true);
GRANT SELECT ON sv.kpi_daily TO sv_admin, sv_auditor, sv_bi;
SELECT pg_catalog.pg_extension_config_dump('sv.kpi_daily', '');

CREATE TABLE sv.kpi_monthly (
  kpi           text NOT NULL,
  month         date NOT NULL,          -- the first day of the month
  department_id integer NOT NULL REFERENCES sv.department (id),
  region_code   text NOT NULL REFERENCES sv.region (code),
  num           bigint NOT NULL,
  den           bigint NOT NULL,
  keys          text[],
  CONSTRAINT kpi_monthly_pkey PRIMARY KEY (month, kpi, department_id, region_code),
  CONSTRAINT kpi_monthly_month_check CHECK (extract(day FROM month) = 1)
);
COMMENT ON TABLE sv.kpi_monthly IS
  'The daily KPI aggregates of each month added up (sum and distinct KPIs), rebuilt with its days: a month read as one row';
ALTER TABLE sv.kpi_monthly ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi_monthly FORCE ROW LEVEL SECURITY;
CREATE POLICY kpi_monthly_read ON sv.kpi_monthly FOR SELECT TO sv_admin, sv_auditor, sv_bi USING (true);
GRANT SELECT ON sv.kpi_monthly TO sv_admin, sv_auditor, sv_bi;
SELECT pg_catalog.pg_extension_config_dump('sv.kpi_monthly', '');

CREATE TABLE sv.kpi_day (
  day         date PRIMARY KEY,
  computed_at timestamptz NOT NULL,
  computed_by text NOT NULL,
  job_run     bigint                  -- the refresh job's run (no foreign key: pg_dump); NULL: by hand
);
COMMENT ON TABLE sv.kpi_day IS 'The days whose KPI aggregates are stored in sv.kpi_daily, and when they were computed';
ALTER TABLE sv.kpi_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.kpi_day FORCE ROW LEVEL SECURITY;
CREATE POLICY kpi_day_read ON sv.kpi_day FOR SELECT TO sv_admin, sv_auditor, sv_bi USING (true);
GRANT SELECT ON sv.kpi_day TO sv_admin, sv_auditor, sv_bi;
SELECT pg_catalog.pg_extension_config_dump('sv.kpi_day', '');

-- Add or replace a KPI of the registry (each capability registers its own, marked sv:rerun).
CREATE OR REPLACE FUNCTION sv._kpi_register(code text, name_zh text, definition text, source text, direction text,
                                            weight numeric, basis text, aggregation text, compute_function text,
                                            sort_order integer) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF to_regprocedure(compute_function || '(date, date)') IS NULL THEN
    RAISE EXCEPTION 'compute_function: %(first_day date, last_day date) does not exist', compute_function
      USING ERRCODE = 'undefined_function';
  END IF;
  INSERT INTO sv.kpi AS k VALUES (code, name_zh, definition, source, 'pct', direction, weight, basis, aggregation,
                                  compute_function, sort_order)
  ON CONFLICT ON CONSTRAINT kpi_pkey DO UPDATE SET
    (name_zh, definition, source, unit, direction, weight, basis, aggregation, compute_function, sort_order)
    = (EXCLUDED.name_zh, EXCLUDED.definition, EXCLUDED.source, EXCLUDED.unit, EXCLUDED.direction, EXCLUDED.weight,
       EXCLUDED.basis, EXCLUDED.aggregation, EXCLUDED.compute_function, EXCLUDED.sort_order);
END
$fn$;
REVOKE ALL ON FUNCTION sv._kpi_register(text, text, text, text, text, numeric, text, text, text, integer) FROM PUBLIC;

-- The county-level unit of every region: itself for a county or zone, its county-level ancestor
-- below, the region itself above (the city: city-wide facts).
CREATE OR REPLACE FUNCTION sv._kpi_region_map() RETURNS TABLE (code text, county text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH RECURSIVE m(code, county, depth) AS (
    SELECT r.code, r.code, 1 FROM sv.region r WHERE r.level IN ('county', 'zone')
    UNION ALL
    SELECT r.code, m.county, m.depth + 1 FROM sv.region r JOIN m ON r.parent_code = m.code WHERE m.depth < 16
  )
  SELECT m.code, m.county FROM m
  UNION ALL
  SELECT r.code, r.code FROM sv.region r WHERE r.level IN ('country', 'province', 'prefecture')
$fn$;

-- ---------------------------------------------------------------------------------------------
-- Compute functions (the contract in the header).
-- ---------------------------------------------------------------------------------------------

-- The catalogue (a stock, aggregation last): claim rate and check-list completeness per
-- department (the view sv_bi.catalog_claim_rate), as the catalogue stands when computed, for
-- every day of the range: a day refreshed later keeps what it was then.
CREATE OR REPLACE FUNCTION sv._kpi_compute_catalog(first_day date, last_day date)
RETURNS TABLE (kpi text, day date, department_id integer, region_code text, num bigint, den bigint, keys text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH c AS (
    SELECT d.id, d.region_code, count(c.id) AS to_claim, count(k.catalog_item_id) AS claimed,
           count(k.catalog_item_id) FILTER (WHERE EXISTS (SELECT 1 FROM sv.check_item ci WHERE ci.catalog_item_id = c.id)) AS with_checks
    FROM sv.department d
    JOIN sv.catalog_item c ON c.department_id = d.id AND c.source IN ('national', 'provincial')
    LEFT JOIN sv.catalog_claim k ON k.department_id = d.id AND k.catalog_item_id = c.id
    GROUP BY d.id, d.region_code
  )
  SELECT 'catalog_claim_rate', g::date, c.id, m.county, c.claimed, c.to_claim, NULL::text[]
  FROM c JOIN sv._kpi_region_map() m ON m.code = c.region_code CROSS JOIN generate_series(first_day, last_day, '1 day') g
  UNION ALL
  SELECT 'checklist_completeness', g::date, c.id, m.county, c.with_checks, c.claimed, NULL
  FROM c JOIN sv._kpi_region_map() m ON m.code = c.region_code CROSS JOIN generate_series(first_day, last_day, '1 day') g
  WHERE c.claimed > 0
$fn$;

-- Data timeliness: actions reach the platform within this many working days of their end
-- (豫政办〔2019〕: 监管行为数据应在监管行为结束后5个工作日内汇聚).
CREATE OR REPLACE FUNCTION sv._kpi_timeliness_days() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$ SELECT 5 $fn$;

-- Supervision actions, by the day they ended (timeliness) and started (coverage), per
-- department and the subject's region.  Coverage: the check items to cover acted on that day
-- (keys) over the department's check items to cover (claimed or city-specific, as
-- sv.action_coverage); actions on other items do not count.
-- Timeliness: received by the kpi.action_timeliness_days-th working day after the end.
-- The department index (department_id, ended_on) is read for each department.
CREATE OR REPLACE FUNCTION sv._kpi_compute_actions(first_day date, last_day date)
RETURNS TABLE (kpi text, day date, department_id integer, region_code text, num bigint, den bigint, keys text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH depts AS (SELECT array_agg(d.id) AS ids FROM sv.department d),
  cover AS (   -- the check items each department must cover
    SELECT k.department_id, k.code
    FROM sv.check_item k JOIN sv.catalog_item c ON c.id = k.catalog_item_id
    WHERE c.source = 'city'
       OR EXISTS (SELECT 1 FROM sv.catalog_claim m WHERE m.department_id = k.department_id AND m.catalog_item_id = c.id)
  ),
  items AS (SELECT v.department_id, count(*) AS n FROM cover v GROUP BY v.department_id),
  days AS MATERIALIZED (   -- the working-day limit of each end day (one calendar lookup per day, not per action)
    SELECT g::date AS ended_on, sv._add_workdays_or_null(g::date, sv._kpi_timeliness_days()) AS limit_on
    FROM generate_series(first_day, last_day, '1 day') g
  ),
  ended AS (
    SELECT a.department_id, a.region_code, a.ended_on, count(*) AS n,
           count(*) FILTER (WHERE sv.local_date(a.received_at) <= y.limit_on) AS on_time
    FROM sv.action a JOIN days y ON y.ended_on = a.ended_on
    WHERE a.department_id = ANY ((SELECT ids FROM depts)::integer[]) AND a.ended_on BETWEEN first_day AND last_day
    GROUP BY a.department_id, a.region_code, a.ended_on
  ),
  started AS (
    SELECT a.department_id, a.region_code, a.started_on, array_agg(DISTINCT a.check_item_code) AS codes
    FROM sv.action a
    WHERE a.started_on BETWEEN first_day AND last_day
    GROUP BY a.department_id, a.region_code, a.started_on
  )
  SELECT 'action_timeliness', e.ended_on, e.department_id, m.county, sum(e.on_time)::bigint, sum(e.n)::bigint, NULL::text[]
  FROM ended e JOIN sv._kpi_region_map() m ON m.code = e.region_code
  GROUP BY e.ended_on, e.department_id, m.county
  UNION ALL
  SELECT 'action_coverage', s.started_on, s.department_id, m.county, 0, max(i.n),
         ARRAY(SELECT DISTINCT u FROM unnest(array_agg(x.code)) u ORDER BY u)
  FROM started s JOIN sv._kpi_region_map() m ON m.code = s.region_code
  CROSS JOIN LATERAL unnest(s.codes) x(code)
  JOIN cover v ON v.department_id = s.department_id AND v.code = x.code
  JOIN items i ON i.department_id = s.department_id
  GROUP BY s.started_on, s.department_id, m.county
$fn$;

-- Every deadline kind of the shared deadline model (sv.calendar_deadline, 67_deadline.sql), by
-- due date: the deadlines due that day that were not withdrawn (den) and those met on or before
-- their due date, Beijing time (num), per owning department (its region).  One KPI per kind,
-- 'deadline.<kind>', and all kinds together, 'deadline_on_time'.  A deadline kind registered
-- later is counted from the day it registers.
CREATE OR REPLACE FUNCTION sv._kpi_compute_deadlines(first_day date, last_day date)
RETURNS TABLE (kpi text, day date, department_id integer, region_code text, num bigint, den bigint, keys text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_sql text;
BEGIN
  SELECT string_agg(format($q$
      SELECT %6$L AS kpi, x.due, x.dept, count(*) FILTER (WHERE x.closed IS NOT NULL AND sv.local_date(x.closed) <= x.due) AS num,
             count(*) FILTER (WHERE x.closed IS NOT NULL OR x.open) AS den
      FROM (SELECT t.%1$I AS due, (%2$s)::integer AS dept, (%3$s)::timestamptz AS closed, coalesce((%4$s), false) AS open
            FROM %5$s t WHERE t.%1$I BETWEEN $1 AND $2) x
      WHERE x.dept IS NOT NULL
      GROUP BY x.due, x.dept$q$,
      c.due_column, c.department_expr, c.closed_expr, c.open_condition, c.relation, 'deadline.' || c.name),
      ' UNION ALL ' ORDER BY c.name)
  INTO v_sql FROM sv.calendar_deadline c;
  IF v_sql IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format($q$
    WITH r AS (SELECT y.kpi, y.due, y.dept, y.num, y.den, m.county
               FROM (%s) y JOIN sv.department p ON p.id = y.dept JOIN sv._kpi_region_map() m ON m.code = p.region_code
               WHERE y.den > 0)
    SELECT r.kpi, r.due, r.dept, r.county, r.num, r.den, NULL::text[] FROM r
    UNION ALL
    SELECT 'deadline_on_time', r.due, r.dept, r.county, sum(r.num)::bigint, sum(r.den)::bigint, NULL::text[] FROM r
    GROUP BY r.due, r.dept, r.county$q$, v_sql)
  USING first_day, last_day;
END
$fn$;

-- Data ingest (数据汇聚): the records of the day's batches and those rejected, per department
-- of the integration login that sent them (its staff mapping); per source in sv.kpi_ingest_sources.
CREATE OR REPLACE FUNCTION sv._kpi_compute_ingest(first_day date, last_day date)
RETURNS TABLE (kpi text, day date, department_id integer, region_code text, num bigint, den bigint, keys text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT 'ingest_reject_rate', sv.local_date(b.received_at), s.department_id, m.county,
         sum(b.rejected)::bigint, sum(b.records)::bigint, NULL::text[]
  FROM sv.ingest_batch b
  JOIN LATERAL (SELECT s.department_id, s.region_code FROM sv.staff s
                WHERE s.role_name = b.received_by AND s.valid_from <= sv.local_date(b.received_at)
                  AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(b.received_at))
                ORDER BY s.valid_from DESC LIMIT 1) s ON true
  JOIN sv._kpi_region_map() m ON m.code = s.region_code
  WHERE sv.local_date(b.received_at) BETWEEN first_day AND last_day
  GROUP BY 2, 3, 4
  HAVING sum(b.records) > 0
$fn$;

-- ---------------------------------------------------------------------------------------------
-- The registry (sv:rerun: rows are code; a later capability adds its KPI the same way).
-- ---------------------------------------------------------------------------------------------

-- sv:rerun
SELECT sv._kpi_register('catalog_claim_rate', '事项认领率',
  '已认领的国家和省级监管事项数 ÷ 应认领的国家和省级监管事项数', 'sv.catalog_item, sv.catalog_claim',
  'higher', 5, '国务院办公厅关于加强和规范事中事后监管的指导意见(国发〔2019〕18号);监管事项目录清单动态管理',
  'last', 'sv._kpi_compute_catalog', 10);
-- sv:rerun
SELECT sv._kpi_register('checklist_completeness', '检查实施清单完备率',
  '已编制检查实施清单的已认领事项数 ÷ 已认领事项数', 'sv.catalog_claim, sv.check_item',
  'higher', 5, '互联网+监管系统建设方案:检查实施清单编制', 'last', 'sv._kpi_compute_catalog', 20);
-- sv:rerun
SELECT sv._kpi_register('action_coverage', '监管行为数据覆盖率',
  '期间内有监管行为的检查实施清单数 ÷ 应覆盖的检查实施清单数(已认领或本市特有事项)', 'sv.action, sv.check_item, sv.catalog_claim',
  'higher', 15, '国家互联网+监管系统监管行为数据汇聚要求', 'distinct', 'sv._kpi_compute_actions', 30);
-- sv:rerun
SELECT sv._kpi_register('action_timeliness', '监管数据汇聚及时率',
  '监管行为结束后5个工作日内汇聚到平台的监管行为数 ÷ 期间内结束的监管行为数', 'sv.action (ended_on, received_at)',
  'higher', 10, '监管行为数据应及时汇聚(行政执法公示制度;互联网+监管数据汇聚规范)', 'sum', 'sv._kpi_compute_actions', 40);
-- sv:rerun
SELECT sv._kpi_register('deadline_on_time', '办理时限按期率(全部)',
  '期间内到期(未撤销)的各类期限中按期办结的比例', 'sv.calendar_deadline (共享期限模型)',
  'higher', 0, '各项办理时限(工作日)规定,见 docs/deadlines.md', 'sum', 'sv._kpi_compute_deadlines', 50);
-- sv:rerun
SELECT sv._kpi_register('deadline.draw_plan.run_due', '抽查计划按期抽取率',
  '期间内到期的抽查计划中按期(封存后10个工作日内)完成抽取的比例', 'sv.draw_plan, sv.draw',
  'higher', 5, '国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见(国发〔2019〕5号)',
  'sum', 'sv._kpi_compute_deadlines', 60);
-- sv:rerun
SELECT sv._kpi_register('deadline.action.publication_due', '检查结果按期公示率',
  '期间内公示期限到期的监管行为中按期(结束后20个工作日内)公示结果的比例', 'sv.action (publication_due, published_at)',
  'higher', 10, '国发〔2019〕5号:抽查检查结果自产生之日起20个工作日内公示', 'sum', 'sv._kpi_compute_deadlines', 70);
-- sv:rerun
SELECT sv._kpi_register('deadline.sanction_feedback.due_on', '联合奖惩按期反馈率',
  '期间内到期的联合奖惩措施反馈中按期反馈的比例', 'sv.sanction_feedback',
  'higher', 5, '国务院关于建立完善守信联合激励和失信联合惩戒制度的指导意见(国发〔2016〕33号)',
  'sum', 'sv._kpi_compute_deadlines', 80);
-- sv:rerun
SELECT sv._kpi_register('deadline.linkage.claim_due', '审管联动按期签收率',
  '期间内到期的审管联动中按期签收的比例', 'sv.linkage',
  'higher', 5, '审管联动“双推送、双回路”工作机制', 'sum', 'sv._kpi_compute_deadlines', 90);
-- sv:rerun
SELECT sv._kpi_register('deadline.linkage.first_action_due', '审管联动按期首次监管率',
  '期间内到期的审管联动中按期实施首次监管的比例', 'sv.linkage',
  'higher', 5, '审管联动“双推送、双回路”工作机制', 'sum', 'sv._kpi_compute_deadlines', 100);
-- sv:rerun
SELECT sv._kpi_register('ingest_reject_rate', '数据汇聚退回率',
  '期间内各部门系统报送数据中被退回(校验不通过)的记录数 ÷ 报送记录数', 'sv.ingest_batch (按报送账号的部门)',
  'lower', 5, '互联网+监管数据汇聚规范:数据质量', 'sum', 'sv._kpi_compute_ingest', 110);

-- The KPIs of the capabilities that came after the evaluation's first release (their install
-- files come before this one, so their KPIs are registered here): the on-time KPIs of their
-- deadline kinds, computed by the shared deadline model (sv._kpi_compute_deadlines reads each
-- kind through its registration in sv.calendar_deadline), and the 12345 satisfaction rate,
-- computed by the complaint capability (sv._kpi_compute_complaint_satisfaction,
-- 69_complaint_flow.sql).  With these the weights still add up to 100 (docs/evaluation.md).
-- sv:rerun
SELECT sv._kpi_register('deadline.complaint.accept_due', '投诉按期受理率',
  '期间内受理期限到期的投诉中按期(收到后7个工作日内)作出受理或不予受理决定的比例', 'sv.complaint (accept_due, decided_at)',
  'higher', 5, '《市场监督管理投诉举报处理暂行办法》第十四条', 'sum', 'sv._kpi_compute_deadlines', 120);
-- sv:rerun
SELECT sv._kpi_register('deadline.complaint.handle_due', '投诉举报按期办结率',
  '期间内办理期限到期的投诉举报中按期办结(调解终结或作出立案决定)的比例', 'sv.complaint (handle_due, handled_at)',
  'higher', 5, '《市场监督管理投诉举报处理暂行办法》第二十一条;《市场监督管理行政处罚程序规定》第十八条', 'sum',
  'sv._kpi_compute_deadlines', 130);
-- sv:rerun
SELECT sv._kpi_register('complaint_satisfaction', '12345回访满意率',
  '期间内12345回访中满意或基本满意的工单数 ÷ 回访工单数(按回访日期)', 'sv.complaint (revisited_at, satisfaction)',
  'higher', 5, '国务院办公厅关于进一步优化地方政务服务便民热线的指导意见(国办发〔2020〕53号):回访与满意度评价', 'sum',
  'sv._kpi_compute_complaint_satisfaction', 140);
-- sv:rerun
SELECT sv._kpi_register('deadline.assist_request.due_on', '协查协办按期办理率',
  '期间内到期的协查协办请求中按期答复或说明理由拒绝的比例', 'sv.assist_request (due_on, answered_at, declined_at)',
  'higher', 5, '本市互联网+监管实施方案:协查协办全程留痕、可追溯', 'sum', 'sv._kpi_compute_deadlines', 150);
-- sv:rerun
SELECT sv._kpi_register('deadline.joint_notice.due_on', '抄告按期反馈率',
  '期间内到期的抄告抄送中接收部门按期签收并反馈处理情况的比例', 'sv.joint_notice (due_on, acknowledged_at)',
  'higher', 5, '本市互联网+监管实施方案:一处发现、多方联动、协同监管', 'sum', 'sv._kpi_compute_deadlines', 160);
-- sv:rerun
SELECT sv._kpi_register('deadline.risk_lead.verify_due', '风险线索按期核查率',
  '期间内核查期限到期的风险线索中按期(收到后10个工作日内)核查的比例', 'sv.risk_lead (verify_due, verified_at)',
  'higher', 5, '国务院办公厅关于加强和规范事中事后监管的指导意见(国发〔2019〕18号):风险预警线索推送与核查处置', 'sum',
  'sv._kpi_compute_deadlines', 170);

-- The KPIs: the registry, and one on-time KPI for every deadline kind not registered explicitly
-- (weight 0: shown, not scored, until its capability registers it with a weight).
CREATE OR REPLACE FUNCTION sv.kpi_catalog()
RETURNS TABLE (code text, name_zh text, definition text, source text, unit text, direction text, weight numeric,
               basis text, aggregation text, compute_function text, sort_order integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT k.code, k.name_zh, k.definition, k.source, k.unit, k.direction, k.weight, k.basis, k.aggregation,
         k.compute_function, k.sort_order
  FROM sv.kpi k
  UNION ALL
  SELECT 'deadline.' || c.name, left(c.label_zh || '按期率', 40), '期间内到期(未撤销)的“' || c.label_zh || '”中按期办结的比例',
         c.relation::text, 'pct', 'higher', 0, '共享期限模型(docs/deadlines.md)', 'sum', 'sv._kpi_compute_deadlines',
         1000 + row_number() OVER (ORDER BY c.name)::integer
  FROM sv.calendar_deadline c
  WHERE NOT EXISTS (SELECT 1 FROM sv.kpi k WHERE k.code = 'deadline.' || c.name)
$fn$;
COMMENT ON FUNCTION sv.kpi_catalog() IS
  'Every KPI of the evaluation: the registry sv.kpi and one on-time KPI per deadline kind of the shared model';

-- Days as one date range argument pair: both given, finite, first not after last, at most ten
-- years apart.
CREATE OR REPLACE FUNCTION sv._kpi_require_range(first_name text, first_day date, last_name text, last_day date)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_given(ARRAY[first_name, last_name], ARRAY[first_day IS NULL, last_day IS NULL]);
  PERFORM sv._require_date(first_name, first_day);
  PERFORM sv._require_date(last_name, last_day);
  IF last_day < first_day THEN
    RAISE EXCEPTION '% (%) must not be after % (%)', first_name, first_day, last_name, last_day
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF last_day - first_day > 3660 THEN
    RAISE EXCEPTION '% to % spans % days: at most 3661 are allowed', first_name, last_name, last_day - first_day + 1
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- Recomputes the stored aggregates of every day from first_day to last_day (not after today,
-- Beijing time): every compute function once over the range, the days' rows replaced, one audit
-- record.  Returns the rows stored.  One refresh at a time (a transaction lock).
CREATE OR REPLACE FUNCTION sv._kpi_refresh(first_day date, last_day date, run bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  f text;
  v_n bigint := 0;
  v_rows bigint;
  v_month_from date;
  v_month_to date;
BEGIN
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.kpi_refresh'), 0);
  DELETE FROM sv.kpi_daily k WHERE k.day BETWEEN first_day AND last_day;
  FOR f IN SELECT DISTINCT c.compute_function FROM sv.kpi_catalog() c ORDER BY 1 LOOP
    EXECUTE format($q$
      INSERT INTO sv.kpi_daily (kpi, day, department_id, region_code, num, den, keys)
      SELECT x.kpi, x.day, x.department_id, x.region_code, x.num, x.den, x.keys
      FROM %s($1, $2) x WHERE x.day BETWEEN $1 AND $2$q$, f)
    USING first_day, last_day;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    v_n := v_n + v_rows;
  END LOOP;
  INSERT INTO sv.kpi_day AS d (day, computed_at, computed_by, job_run)
  SELECT g::date, now(), me.login, run FROM generate_series(first_day, last_day, '1 day') g
  ON CONFLICT (day) DO UPDATE SET (computed_at, computed_by, job_run) = (EXCLUDED.computed_at, EXCLUDED.computed_by,
                                                                         EXCLUDED.job_run);
  -- the months of these days added up again: sum KPIs summed, distinct ones their keys united
  v_month_from := date_trunc('month', first_day)::date;
  v_month_to := (date_trunc('month', last_day) + interval '1 month' - interval '1 day')::date;
  DELETE FROM sv.kpi_monthly m WHERE m.month BETWEEN v_month_from AND v_month_to;
  INSERT INTO sv.kpi_monthly (kpi, month, department_id, region_code, num, den, keys)
  SELECT k.kpi, date_trunc('month', k.day)::date, k.department_id, k.region_code, sum(k.num), sum(k.den), NULL
  FROM sv.kpi_daily k JOIN sv.kpi_catalog() c ON c.code = k.kpi AND c.aggregation = 'sum'
  WHERE k.day BETWEEN v_month_from AND v_month_to
  GROUP BY 1, 2, 3, 4;
  INSERT INTO sv.kpi_monthly (kpi, month, department_id, region_code, num, den, keys)
  SELECT k.kpi, date_trunc('month', k.day)::date, k.department_id, k.region_code, 0, max(k.den), array_agg(DISTINCT u ORDER BY u)
  FROM sv.kpi_daily k JOIN sv.kpi_catalog() c ON c.code = k.kpi AND c.aggregation = 'distinct'
  CROSS JOIN LATERAL unnest(k.keys) u
  WHERE k.day BETWEEN v_month_from AND v_month_to
  GROUP BY 1, 2, 3, 4;
  PERFORM sv.audit_append(NULL, 'kpi_daily', first_day::text || '/' || last_day::text, 'refreshed',
    jsonb_build_object('first_day', first_day, 'last_day', last_day, 'rows', v_n, 'job_run', run));
  RETURN v_n;
END
$fn$;

CREATE OR REPLACE FUNCTION sv.kpi_refresh(first_day date, last_day date) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_today date := sv.local_date(now());
BEGIN
  PERFORM sv._require_role('recompute the KPIs', '{sv_admin}', 'The job sv.job_kpi_refresh() recomputes them daily.');
  PERFORM sv._kpi_require_range('first_day', first_day, 'last_day', last_day);
  IF last_day > v_today THEN
    RAISE EXCEPTION 'last_day must not be after today (%), not %', v_today, last_day
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A day not over yet would be stored as if it were.';
  END IF;
  RETURN sv._kpi_refresh(first_day, last_day, NULL);
END
$fn$;
COMMENT ON FUNCTION sv.kpi_refresh(date, date) IS
  'Administrators: recompute the stored daily KPI aggregates of a range of days (not after today); returns the rows stored';

-- The daily rows of the days of [first_day, last_day] not stored (not in sv.kpi_day), of the
-- KPIs listed (all when kpis is NULL), computed now; nothing when every day is stored.
CREATE OR REPLACE FUNCTION sv._kpi_missing(first_day date, last_day date, kpis text[])
RETURNS TABLE (kpi text, day date, department_id integer, region_code text, num bigint, den bigint, keys text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_missing date[];
  f text;
BEGIN
  v_missing := ARRAY(SELECT g::date FROM generate_series(first_day, last_day, '1 day') g
                     WHERE NOT EXISTS (SELECT 1 FROM sv.kpi_day d WHERE d.day = g::date));
  IF cardinality(v_missing) > 0 THEN
    FOR f IN SELECT DISTINCT c.compute_function FROM sv.kpi_catalog() c WHERE kpis IS NULL OR c.code = ANY (kpis) ORDER BY 1 LOOP
      RETURN QUERY EXECUTE format('SELECT * FROM %s($1, $2) x WHERE x.day = ANY ($3) AND ($4 IS NULL OR x.kpi = ANY ($4))', f)
        USING v_missing[1], v_missing[cardinality(v_missing)], v_missing, kpis;
    END LOOP;
  END IF;
END
$fn$;

-- The daily rows of [first_day, last_day] (of the KPIs listed, or all when kpis is NULL): the
-- stored days from sv.kpi_daily, the others computed now (not stored).  No SET search_path: the
-- planner inlines it into its callers, so the stored rows are read as a plain scan.
CREATE OR REPLACE FUNCTION sv._kpi_rows(first_day date, last_day date, kpis text[] DEFAULT NULL)
RETURNS TABLE (kpi text, day date, department_id integer, region_code text, num bigint, den bigint, keys text[])
LANGUAGE sql STABLE
AS $fn$
  SELECT k.kpi, k.day, k.department_id, k.region_code, k.num, k.den, k.keys
  FROM sv.kpi_daily k WHERE k.day BETWEEN first_day AND last_day AND (kpis IS NULL OR k.kpi = ANY (kpis))
  UNION ALL
  SELECT m.kpi, m.day, m.department_id, m.region_code, m.num, m.den, m.keys FROM sv._kpi_missing(first_day, last_day, kpis) m
$fn$;

-- The rows of [first_day, last_day] for the sum and distinct KPIs listed: a whole month whose
-- every day is stored as its one monthly row per KPI, department and region (dated the 1st),
-- the other days as their daily rows (sv._kpi_rows).  Added up the same way as the days.
CREATE OR REPLACE FUNCTION sv._kpi_rows_rolled(first_day date, last_day date, kpis text[])
RETURNS TABLE (kpi text, day date, department_id integer, region_code text, num bigint, den bigint, keys text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  m date;
  v_from date;
  v_to date;
  v_end date;
BEGIN
  FOR m IN SELECT g::date FROM generate_series(date_trunc('month', first_day), date_trunc('month', last_day), '1 month') g LOOP
    v_end := (m + interval '1 month' - interval '1 day')::date;
    v_from := greatest(m, first_day);
    v_to := least(v_end, last_day);
    IF v_from = m AND v_to = v_end
       AND (SELECT count(*) FROM sv.kpi_day d WHERE d.day BETWEEN m AND v_end) = v_end - m + 1 THEN
      RETURN QUERY SELECT k.kpi, k.month, k.department_id, k.region_code, k.num, k.den, k.keys
                   FROM sv.kpi_monthly k WHERE k.month = m AND k.kpi = ANY (kpis);
    ELSE
      RETURN QUERY SELECT * FROM sv._kpi_rows(v_from, v_to, kpis);
    END IF;
  END LOOP;
END
$fn$;

-- The KPIs of a period as of a day: the days from period_from to the earlier of period_to and
-- as_of, per department and county-level region (level 'unit'), per department ('department'),
-- per county ('county': facts of the city's level are left out) or both of the last two ('both':
-- the rows of a department have no region, those of a county no department).  sum: the days add up;
-- last: the latest day's stock; distinct: the keys covered (per department) over the largest
-- denominator.  Officers get their own department's only.
CREATE OR REPLACE FUNCTION sv._kpi_period(as_of date, period_from date, period_to date, level text)
RETURNS TABLE (kpi text, department_id integer, region_code text, num bigint, den bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH cat AS MATERIALIZED (SELECT c.code, c.aggregation FROM sv.kpi_catalog() c),
  r AS MATERIALIZED (   -- the days' rows; of a stock (last), the last day's only
    SELECT x.*, c.aggregation
    FROM sv._kpi_rows_rolled(period_from, least(period_to, as_of), ARRAY(SELECT c.code FROM cat c WHERE c.aggregation <> 'last')) x
    JOIN cat c ON c.code = x.kpi
    UNION ALL
    SELECT x.*, c.aggregation
    FROM sv._kpi_rows(least(period_to, as_of), least(period_to, as_of), ARRAY(SELECT c.code FROM cat c WHERE c.aggregation = 'last')) x
    JOIN cat c ON c.code = x.kpi
    WHERE least(period_to, as_of) >= period_from
  ), lastday AS (
    SELECT r.kpi, max(r.day) AS day FROM r WHERE r.aggregation = 'last' GROUP BY r.kpi
  ), unit AS MATERIALIZED (   -- per department and region
    SELECT r.kpi, r.department_id, r.region_code, sum(r.num)::bigint AS num, sum(r.den)::bigint AS den, NULL::text[] AS keys
    FROM r WHERE r.aggregation = 'sum' GROUP BY r.kpi, r.department_id, r.region_code
    UNION ALL
    SELECT r.kpi, r.department_id, r.region_code, r.num, r.den, NULL
    FROM r JOIN lastday l ON l.kpi = r.kpi AND l.day = r.day
    UNION ALL
    SELECT r.kpi, r.department_id, r.region_code, NULL, max(r.den), array_agg(DISTINCT k)
    FROM r CROSS JOIN LATERAL unnest(r.keys) k WHERE r.aggregation = 'distinct'
    GROUP BY r.kpi, r.department_id, r.region_code
  )
  SELECT u.kpi, u.department_id, u.region_code, coalesce(u.num, cardinality(u.keys))::bigint, u.den
  FROM unit u WHERE $4 = 'unit'
  UNION ALL
  SELECT u.kpi, u.department_id, NULL, sum(u.num)::bigint, sum(u.den)::bigint
  FROM unit u WHERE $4 IN ('department', 'both') AND u.keys IS NULL
  GROUP BY u.kpi, u.department_id
  UNION ALL   -- distinct: the keys of the department over all its regions
  SELECT u.kpi, u.department_id, NULL, count(DISTINCT k)::bigint, max(u.den)::bigint
  FROM unit u CROSS JOIN LATERAL unnest(u.keys) k WHERE $4 IN ('department', 'both') AND u.keys IS NOT NULL
  GROUP BY u.kpi, u.department_id
  UNION ALL
  SELECT u.kpi, NULL, u.region_code, sum(coalesce(u.num, cardinality(u.keys)))::bigint, sum(u.den)::bigint
  FROM unit u JOIN sv.region g ON g.code = u.region_code AND g.level IN ('county', 'zone')
  WHERE $4 IN ('county', 'both')
  GROUP BY u.kpi, u.region_code
$fn$;

CREATE OR REPLACE FUNCTION sv._kpi_require_period(as_of date, period_from date, period_to date, level text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_given(ARRAY['as_of', 'level'], ARRAY[as_of IS NULL, level IS NULL]);
  PERFORM sv._require_date('as_of', as_of);
  PERFORM sv._kpi_require_range('period_from', period_from, 'period_to', period_to);
  IF level NOT IN ('unit', 'department', 'county') THEN
    RAISE EXCEPTION 'level must be unit, department or county, not %', quote_literal(level)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- The KPI values of a period as of a day, per department (level 'department'), per county
-- ('county') or per department and county ('unit'): numerator, denominator, value in percent
-- (NULL: nothing to measure).  Analysis roles see all; officers their own department's.
CREATE OR REPLACE FUNCTION sv.kpi_values(as_of date, period_from date, period_to date, level text DEFAULT 'department')
RETURNS TABLE (kpi text, kpi_name text, department_id integer, department_name text, region_code text,
               region_name text, num bigint, den bigint, value numeric, weight numeric, direction text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_all boolean;
BEGIN
  PERFORM sv._require_role('read the KPIs', '{sv_bi,sv_auditor,sv_admin,sv_officer}');
  PERFORM sv._kpi_require_period(as_of, period_from, period_to, level);
  v_all := me.is_admin OR me.is_auditor OR pg_has_role(me.login, 'sv_bi', 'USAGE');
  IF NOT v_all AND me.department_id IS NULL THEN
    RAISE EXCEPTION 'role "%" has no staff mapping in force: its department''s KPIs cannot be chosen', me.login
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT v_all AND level = 'county' THEN
    RAISE EXCEPTION 'officers read their department''s KPIs: level must be department or unit, not county'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY
  SELECT p.kpi, c.name_zh, p.department_id, d.name_zh, p.region_code, g.name_zh, p.num, p.den,
         round(100.0 * p.num / nullif(p.den, 0), 1), c.weight, c.direction
  FROM sv._kpi_period(as_of, period_from, period_to, level) p
  JOIN sv.kpi_catalog() c ON c.code = p.kpi
  LEFT JOIN sv.department d ON d.id = p.department_id
  LEFT JOIN sv.region g ON g.code = p.region_code
  WHERE v_all OR p.department_id = me.department_id
  ORDER BY c.sort_order, p.department_id, p.region_code;
END
$fn$;
COMMENT ON FUNCTION sv.kpi_values(date, date, date, text) IS
  'KPI values of a period as of a day per department, county or both: numerator, denominator, percent';

-- The points (0-100) of a KPI value in the composite score: the percent when higher is better,
-- 100 minus the percent when lower is.
CREATE OR REPLACE FUNCTION sv._kpi_points(num bigint, den bigint, direction text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
  SELECT least(greatest(CASE direction WHEN 'higher' THEN 100.0 * num / den ELSE 100.0 - 100.0 * num / den END, 0), 100)
$fn$;

-- The composite score (0-100) of each department or county: the weighted mean of its scored
-- KPIs with something to measure (higher-better: the percent; lower-better: 100 − percent),
-- ranked (1 = best; ties share a rank).  A unit with no fact in the period (no KPI that adds up
-- days, sum or distinct, with something to measure: only stocks such as the catalogue claim
-- rate, which every day repeats) has no score: score and rank NULL, kpis 0, score_zh 无数据,
-- listed after the ranked ones, which rank among themselves (no gap).
CREATE OR REPLACE FUNCTION sv._kpi_scores(as_of date, period_from date, period_to date, level text)
RETURNS TABLE (unit text, unit_name text, score numeric, rank bigint, kpis integer, score_zh text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH s AS (
    SELECT coalesce(p.department_id::text, p.region_code) AS unit,
           round(sum(c.weight * sv._kpi_points(p.num, p.den, c.direction)) FILTER (WHERE c.weight > 0)
                 / sum(c.weight) FILTER (WHERE c.weight > 0), 1) AS score,
           count(*) FILTER (WHERE c.weight > 0)::integer AS kpis,
           bool_or(c.aggregation <> 'last') AS facts
    FROM sv._kpi_period(as_of, period_from, period_to, level) p
    JOIN sv.kpi_catalog() c ON c.code = p.kpi
    WHERE p.den > 0
    GROUP BY 1
    HAVING count(*) FILTER (WHERE c.weight > 0) > 0
  ), r AS (
    SELECT s.unit, CASE WHEN s.facts THEN s.score END AS score, CASE WHEN s.facts THEN s.kpis ELSE 0 END AS kpis
    FROM s
  )
  SELECT r.unit, coalesce(d.name_zh, g.name_zh), r.score,
         CASE WHEN r.score IS NOT NULL THEN rank() OVER (ORDER BY r.score DESC NULLS LAST) END, r.kpis,
         coalesce(to_char(r.score, 'FM990.0'), '无数据')
  FROM r
  LEFT JOIN sv.department d ON $4 = 'department' AND d.id::text = r.unit
  LEFT JOIN sv.region g ON $4 = 'county' AND g.code = r.unit
  ORDER BY 4, 1
$fn$;

CREATE OR REPLACE FUNCTION sv.kpi_scores(as_of date, period_from date, period_to date, level text DEFAULT 'department')
RETURNS TABLE (unit text, unit_name text, score numeric, rank bigint, kpis integer, score_zh text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_role('read the evaluation scores', '{sv_bi,sv_auditor,sv_admin}');
  PERFORM sv._kpi_require_period(as_of, period_from, period_to, level);
  IF level = 'unit' THEN
    RAISE EXCEPTION 'level must be department or county, not %', quote_literal(level)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY SELECT * FROM sv._kpi_scores(as_of, period_from, period_to, level);
END
$fn$;
COMMENT ON FUNCTION sv.kpi_scores(date, date, date, text) IS
  'Composite evaluation score (0-100) and rank of every department or county over a period as of a day; 无数据 (no score, no rank) for a unit with no fact in the period';

-- Ingest per source (数据汇聚退回): batches, records and rejects of a period (Beijing time).
CREATE OR REPLACE FUNCTION sv.kpi_ingest_sources(period_from date, period_to date)
RETURNS TABLE (source text, batches bigint, records bigint, rejected bigint, reject_pct numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_role('read the ingest statistics', '{sv_bi,sv_auditor,sv_admin}');
  PERFORM sv._kpi_require_range('period_from', period_from, 'period_to', period_to);
  RETURN QUERY
  SELECT b.source, count(*), sum(b.records)::bigint, sum(b.rejected)::bigint,
         round(100.0 * sum(b.rejected) / nullif(sum(b.records), 0), 1)
  FROM sv.ingest_batch b
  WHERE sv.local_date(b.received_at) BETWEEN period_from AND period_to
  GROUP BY b.source ORDER BY b.source;
END
$fn$;
COMMENT ON FUNCTION sv.kpi_ingest_sources(date, date) IS
  'Per source system: ingest batches, records and rejected records of a period';

GRANT EXECUTE ON FUNCTION sv.kpi_catalog() TO sv_bi, sv_auditor, sv_admin, sv_officer, sv_public;
GRANT EXECUTE ON FUNCTION sv.kpi_refresh(date, date) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.kpi_values(date, date, date, text) TO sv_bi, sv_auditor, sv_admin, sv_officer;
GRANT EXECUTE ON FUNCTION sv.kpi_scores(date, date, date, text) TO sv_bi, sv_auditor, sv_admin;
GRANT EXECUTE ON FUNCTION sv.kpi_ingest_sources(date, date) TO sv_bi, sv_auditor, sv_admin;
