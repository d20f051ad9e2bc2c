-- make demo: what sv_platform holds and does, on Pingdingshan reference and sample data.
-- Run by scripts/demo.sh as the cluster superuser; each capability adds its section here.
-- Every statement that fails on purpose is announced first by an \echo line starting with
-- '   next, refused on purpose:' saying why, after the same in Chinese ('   【预期拒绝】…').
-- Chinese officials read the output: every result column has a Chinese label (a column alias,
-- Chinese first, an English gloss only where it helps a DBA), every section title ('== ') says
-- in Chinese what it shows, with the English on the next line.  t/011_demo.pl runs the demo and
-- checks that no ERROR comes unannounced, that no result is an empty single cell, that no header
-- repeats a name, and that every header cell and every section title has a Chinese character.
\set ON_ERROR_STOP 1
\pset footer off
\set QUIET 1
\set SHOW_CONTEXT never
SET TimeZone = 'Asia/Shanghai';
-- codes are shown by their Chinese labels: the views' <column>_zh columns, or sv.label_zh(domain, code)
\echo
\echo '== 构建信息:扩展及其所依赖组件的版本'
\echo '   sv_platform: build'
SELECT component AS "组件 (component)", version AS "版本" FROM sv.build_info();

\echo
\echo '== 行政区划:平顶山市及所辖县级行政区、功能区'
\echo '   Regions (GB/T 2260): Pingdingshan and its county-level divisions and functional zones'
SELECT r.code AS "行政区划代码", r.name_zh AS "名称", r.name_en AS "英文名称", sv.label_zh('region.level', r.level) AS "层级",
       CASE WHEN r.is_gbt2260 THEN 'GB/T 2260' ELSE '统计用代码' END AS "代码来源"
FROM sv.region r WHERE sv.region_within(r.code, '410400') ORDER BY array_position(ARRAY['prefecture', 'county', 'zone'], r.level), r.code;

\echo
\echo '== 部门:市级方案中列明的部门'
\echo '   Departments named in the city plan'
SELECT id AS "编号", code AS "部门代码", name_zh AS "部门名称", name_en AS "英文名称" FROM sv.department ORDER BY id;

\echo
\echo '== 工作日日历:已载入的国务院办公厅节假日安排通知'
\echo '   Working-day calendar: State Council notices loaded'
SELECT n.year AS "年度", n.title AS "通知", coalesce(n.notice_no, '-') AS "文号", n.issued_on AS "发布日期",
       count(*) FILTER (WHERE d.kind = 'holiday') AS "放假天数",
       count(*) FILTER (WHERE d.kind = 'workday') AS "调休上班天数",
       sv.workdays_between(make_date(n.year, 1, 1), make_date(n.year, 12, 31))
         + sv.is_workday(make_date(n.year, 1, 1))::int AS "全年工作日数"
FROM sv.calendar_notice n JOIN sv.calendar_day d USING (year) GROUP BY n.year, n.title, n.notice_no, n.issued_on ORDER BY n.year;

\echo
\echo '== 2026年放假和调休上班日期'
\echo '   2026: holidays and make-up working days'
SELECT festival AS "节日", min(day) FILTER (WHERE kind = 'holiday') AS "放假起", max(day) FILTER (WHERE kind = 'holiday') AS "放假止",
       coalesce(string_agg(to_char(day, 'MM-DD ') || '周' || (ARRAY['日', '一', '二', '三', '四', '五', '六'])[extract(dow FROM day)::integer + 1], ', ' ORDER BY day)
                FILTER (WHERE kind = 'workday'), '') AS "调休上班日"
FROM sv.calendar_day WHERE year = 2026 GROUP BY festival ORDER BY min(day);

\echo
\echo '== 按工作日计算的法定期限(起算日不计入)'
\echo '   Legal deadlines in working days (start day not counted)'
SELECT what AS "事项", received_at AS "收到时间", sv.local_date(received_at) AS "起算日", n AS "工作日数",
       sv.add_workdays(sv.local_date(received_at), n) AS "截止日 (deadline)"
FROM (VALUES
  ('国庆节前一天晚上收到的投诉',     '2026-09-30 22:15:00+08'::timestamptz, 20),
  ('公示检查结果(20个工作日)',     '2026-02-13 10:00:00+08', 20),
  ('报送惩戒措施反馈(5个工作日)',  '2026-04-30 16:00:00+08', 5),
  ('1个工作日内答复,周五收到',     '2026-11-27 09:00:00+08', 1)
) v(what, received_at, n);

\echo
\echo '== 2027年的日历:国务院通知发布前为暂定日历'
\echo '   国务院通知载入前,2027年为暂定日历:周末和当年法定节假日(农历日期、清明节气推算得出),不含调休上班日'
\echo '   Is there a calendar for 2027 yet? Not the State Council notice: until it is loaded 2027 is provisional,'
\echo '   weekends and the statutory holidays of that year (lunar dates and 清明 computed), without make-up working days (调休).'
SELECT y AS "年度", sv.calendar_status(y) AS "日历状态 (status)",
       CASE sv.calendar_status(y) WHEN 'notice' THEN '依国务院办公厅通知' WHEN 'provisional' THEN '暂定:法定节假日,无调休' END AS "说明"
FROM generate_series(2026, 2027) y;
SELECT day AS "日期", '周' || (ARRAY['日', '一', '二', '三', '四', '五', '六'])[extract(dow FROM day)::integer + 1] AS "星期", festival AS "节日" FROM sv.calendar_provisional_days(2027);
\echo '   跨入2027年的期限按暂定日历计算;载入2027年通知(sv.calendar_load)后按通知计算'
\echo '   Deadlines running into 2027 are computed on it; sv.calendar_load() for 2027 makes it a notice year.'
SELECT sv.add_workdays('2026-12-20', 20) AS "截止日 (2026-12-20起20个工作日)",
       sv.calendar_status(extract(year FROM sv.add_workdays('2026-12-20', 20))::integer) AS "所用日历 (status)";

\echo
\echo '== 统一社会信用代码校验:某部门导出的样例数据'
\echo '   Unified social credit codes from a sample department export'
CREATE TEMP TABLE sample_codes (source_record text, raw_code text, name text);
\copy sample_codes FROM 'codes.csv' WITH (FORMAT csv, HEADER true)
SELECT s.source_record AS "来源记录", s.raw_code AS "原始代码", coalesce(v.canonical, '') AS "规范化代码",
       coalesce(v.problem, 'ok') AS "问题 (problem)", coalesce(v.detail, '') AS "说明"
FROM sample_codes s, sv.uscc_validate(s.raw_code) v ORDER BY s.source_record;

\echo
\echo '== 管理员登记早期试点代码(合法,但校验码不符)'
\echo '   An administrator registers the early pilot code (legal, but it fails the check character)'
SELECT sv.uscc_register_exception('91350100M0001TGQXM', '早期试点代码,已与登记机关核实') AS "已登记的例外代码";
SELECT code AS "统一社会信用代码", reason AS "理由", registered_by AS "登记人" FROM sv.uscc_exception;

\echo
\echo '== 通过校验的代码及其各组成部分(以 sv.uscc 类型存储,18字节)'
\echo '   Accepted codes, stored as sv.uscc (18 bytes) with their parts'
SELECT u AS "统一社会信用代码", sv.uscc_authority(u) || sv.uscc_category(u) AS "类别代码", c.category_en AS "机构类别 (category)",
       sv.uscc_region_code(u) AS "登记地区划代码", coalesce(r.name_zh, '(不在已载入的区划内)') AS "登记地",
       sv.uscc_org_code(u) AS "主体标识码"
FROM (SELECT raw_code::sv.uscc AS u FROM sample_codes WHERE sv.uscc_check(raw_code) IS NULL) s
JOIN sv.uscc_category c ON c.authority = sv.uscc_authority(u) AND c.category = sv.uscc_category(u)
LEFT JOIN sv.region r ON r.code = sv.uscc_region_code(u)
ORDER BY u;

\echo
\echo '== 人员映射:登录账号对应部门和管辖区域'
\echo '   Staff: logins mapped to a department and a region scope (sv.staff_add, the write API)'
DO $$
BEGIN
  -- logins for the demo (cluster-wide roles; the demo cluster is thrown away)
  CREATE ROLE pds_admin LOGIN IN ROLE sv_admin;          -- platform administrator, city level
  CREATE ROLE msa_city LOGIN IN ROLE sv_officer;         -- market supervision, whole city
  CREATE ROLE msa_yexian LOGIN IN ROLE sv_officer;       -- market supervision, Ye County only
  CREATE ROLE health_city LOGIN IN ROLE sv_officer;      -- health commission, whole city
  CREATE ROLE supervision_office LOGIN IN ROLE sv_auditor; -- reads everything, writes nothing
  CREATE ROLE portal_public LOGIN IN ROLE sv_public;     -- the service portal's connection
  CREATE ROLE fire_city LOGIN IN ROLE sv_officer;        -- fire and rescue, whole city (a partner in a joint plan)
END $$;
-- a superuser maps the first administrator; the administrator maps the officers
SELECT sv.staff_add('pds_admin', 1, '410400') AS "管理员人员编号 (pds_admin)";
SET ROLE pds_admin;
SELECT sv.staff_add('msa_city', 4, '410400') AS "市场监管局·全市 (msa_city)",
       sv.staff_add('msa_yexian', 4, '410422') AS "市场监管局·叶县 (msa_yexian)",
       sv.staff_add('health_city', 7, '410400') AS "卫生健康委·全市 (health_city)";
\echo '   【预期拒绝】账号不能映射到本部门辖区以外(410100为郑州市)'
\echo '   next, refused on purpose: an officer''s login cannot be mapped outside its department''s region (410100 is Zhengzhou)'
\set ON_ERROR_STOP 0
SELECT sv.staff_add('health_city', 7, '410100');
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== 各账号可见的数据(按部门和管辖区域的行级安全)'
\echo '   What each login sees (row-level security by department and region scope)'
CREATE TEMP TABLE demo_view (login text, department text, scope text, staff_visible text, audit_records bigint);
GRANT ALL ON demo_view TO PUBLIC;
SET ROLE msa_yexian;
INSERT INTO demo_view SELECT 'msa_yexian', s.department_code, s.region_name,
  (SELECT string_agg(role_name, ', ' ORDER BY staff_id) FROM sv_work.staff), (SELECT count(*) FROM sv_work.audit_trail)
  FROM sv_work.my_scope s;
RESET ROLE;
SET ROLE msa_city;
INSERT INTO demo_view SELECT 'msa_city', s.department_code, s.region_name,
  (SELECT string_agg(role_name, ', ' ORDER BY staff_id) FROM sv_work.staff), (SELECT count(*) FROM sv_work.audit_trail)
  FROM sv_work.my_scope s;
RESET ROLE;
SET ROLE health_city;
INSERT INTO demo_view SELECT 'health_city', s.department_code, s.region_name,
  (SELECT string_agg(role_name, ', ' ORDER BY staff_id) FROM sv_work.staff), (SELECT count(*) FROM sv_work.audit_trail)
  FROM sv_work.my_scope s;
RESET ROLE;
SET ROLE supervision_office;
INSERT INTO demo_view SELECT 'supervision_office', coalesce(s.department_code, '(全部)'), '(全部)',
  (SELECT string_agg(role_name, ', ' ORDER BY staff_id) FROM sv_work.staff), (SELECT count(*) FROM sv_work.audit_trail)
  FROM sv_work.my_scope s;
RESET ROLE;
SELECT login AS "登录账号", department AS "部门代码", scope AS "管辖区域", staff_visible AS "可见人员",
       audit_records AS "可见审计记录数"
FROM demo_view;
\echo '   【预期拒绝】服务门户账号只能读 sv_public 视图,不能读平台的表'
\echo '   next, refused on purpose: the service portal''s login reads the sv_public views only, not the platform''s tables'
SET ROLE portal_public;
\set ON_ERROR_STOP 0
SELECT count(*) FROM sv.staff;
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== 审计记录(以只读审计账号查看):每项变更都记入哈希链'
\echo '   The audit trail (as the supervision office): every change, hash-chained'
SET ROLE supervision_office;
SELECT seq AS "审计序号", actor_role AS "操作角色", department_id AS "部门编号", object_kind AS "对象类型",
       object_id AS "对象标识", action AS "操作", left(change::text, 70) AS "变更内容 (JSON)"
FROM sv_work.audit_trail ORDER BY seq;
SELECT coalesce((SELECT problem FROM sv.audit_verify()), '审计链完整 (chain intact)') AS "审计链校验 (sv.audit_verify)";
RESET ROLE;
\echo '   全市公布的链头哈希值'
\echo '   the head hash the city publishes (sv_public.audit_head):'
SET ROLE portal_public;
SELECT seq AS "最新审计序号", hash AS "链头哈希值 (SHA-256)" FROM sv_public.audit_head;
RESET ROLE;

\echo
\echo '== 超级用户绕过触发器篡改一条审计记录:sv.audit_verify 指出被篡改的记录'
\echo '   A superuser edits a record behind the triggers: sv.audit_verify names it'
SELECT change::text AS original_change FROM sv.audit_log WHERE seq = 2 \gset
\echo '   【预期拒绝】只追加保护始终生效,复制模式下也不例外'
\echo '   next, refused on purpose: the append-only guard fires ALWAYS, even with session_replication_role = replica'
SET session_replication_role = replica;
\set ON_ERROR_STOP 0
UPDATE sv.audit_log SET change = '{"role_name": "someone_else"}' WHERE seq = 2;
\set ON_ERROR_STOP 1
RESET session_replication_role;
\echo '   超级用户停用保护后篡改:篡改和被停用的保护都被发现'
\echo '   a superuser disables the guard and edits: the edit and the disabled guard are both found'
BEGIN;
ALTER TABLE sv.audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE sv.audit_log SET change = '{"role_name": "someone_else"}' WHERE seq = 2;
SELECT seq AS "审计序号", problem AS "问题 (problem)", left(detail, 60) || '...' AS "说明" FROM sv.audit_verify();
SELECT severity AS "严重程度 (severity)", finding AS "发现的问题 (finding)", object AS "对象" FROM sv.security_check();
UPDATE sv.audit_log SET change = :'original_change' WHERE seq = 2;
ALTER TABLE sv.audit_log ENABLE ALWAYS TRIGGER audit_log_no_update;
COMMIT;

\echo
\echo '== 记录恢复后的安全自检(无结果行即未发现问题;每年11月1日起,次年放假通知未加载时提示 calendar_next_year_missing)'
\echo '   sv.security_check() once the record is put back (no row = no finding; from 1 November it also'
\echo '   reports calendar_next_year_missing until next year''s holiday notice is loaded)'
SELECT severity AS "严重程度 (severity)", finding AS "发现的问题 (finding)", object AS "对象" FROM sv.security_check();

\echo
\echo '== 监管事项目录清单:各部门维护,统一对外发布'
\echo '   The supervision catalogue, maintained by the departments, published as releases'
SET ROLE msa_city;
SELECT sv.catalog_item_save('PDS-MSA-001', 4, '对食品生产经营活动的监督检查', '双随机抽查、重点检查',
  '现场检查、抽样检验、责令整改', '食品生产经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'national', 'national',
  process => '制定计划、随机抽取、实施检查、公示结果', result => '检查结果在20个工作日内公示') AS "主项编号",
  sv.catalog_item_save('PDS-MSA-001-01', 4, '对食品生产经营活动的监督检查', '双随机抽查', '现场检查',
  '食品生产企业', '[{"law": "中华人民共和国食品安全法", "article": "第八十七条"}]', 'national', 'national',
  main_item => 'PDS-MSA-001', sub_name => '食品生产环节') AS "子项编号",
  sv.catalog_item_save('PDS-MSA-101', 4, '对个体工商户年度报告的监督检查', '双随机抽查', '书面检查', '个体工商户',
  '[{"law": "促进个体工商户发展条例", "article": "第二十三条"}]', 'city', 'city') AS "本市特有事项编号";
SELECT sv.check_item_save('410422-MSA-C01', 'PDS-MSA-001-01', 'county', '410422', 4, 'on_site',
  '生产许可条件保持情况、原料进货查验记录', 'general', frequency => '每年不少于一次') AS "检查实施清单编号";
RESET ROLE;
SET ROLE health_city;
\echo '   【预期拒绝】部门只能维护本部门的事项(卫健委不能修改市场监管事项)'
\echo '   next, refused on purpose: a department maintains only its own items (health may not rename a market-regulation item)'
\set ON_ERROR_STOP 0
SELECT sv.catalog_item_save('PDS-MSA-101', 7, '改名', '双随机抽查', '书面检查', '个体工商户', '[]', 'city', 'city');
\set ON_ERROR_STOP 1
SELECT sv.catalog_item_save('PDS-HEALTH-001', 7, '对医疗机构依法执业的监督检查', '双随机抽查', '现场检查',
  '医疗机构', '[{"law": "医疗机构管理条例", "article": "第四十条"}]', 'national', 'national') AS "卫健委事项编号";
RESET ROLE;
SET ROLE pds_admin;
SELECT sv.catalog_publish('2026-1', '平顶山市监管事项目录 首次发布') AS "发布编号";
RESET ROLE;
\echo '   公众看到的目录(最新发布版本)'
\echo '   what the public sees (sv_public.catalog_item, the latest release):'
SET ROLE portal_public;
SELECT release AS "发布版本", code AS "监管事项编码", coalesce(main_item || ' / ' || sub_name, main_name) AS "事项名称",
       department_name AS "监管部门", level_zh AS "监管层级",
       source_zh AS "事项来源"
FROM sv_public.catalog_item ORDER BY code;
RESET ROLE;
\echo '   发布后事项有变更:sv.catalog_diff 列出变化,sv.as_of 查看发布时的内容'
\echo '   an item changes after the release; sv.catalog_diff shows it, sv.as_of reads the past:'
SET ROLE msa_city;
SELECT sv.catalog_item_save('PDS-MSA-101', 4, '对个体工商户年度报告公示信息的监督检查', '双随机抽查', '书面检查、网络监测',
  '个体工商户', '[{"law": "促进个体工商户发展条例", "article": "第二十三条"}]', 'city', 'city') AS "已变更事项编号";
RESET ROLE;
SELECT kind AS "对象类型", code AS "编码", change AS "变化 (change)", before ->> 'main_name' AS "变更前名称",
       after ->> 'main_name' AS "变更后名称"
FROM sv.catalog_diff('2026-1');
SELECT code AS "监管事项编码", main_name AS "发布时的主项名称" FROM sv.as_of(NULL::sv.catalog_item, (SELECT published_at FROM sv.catalog_release WHERE label = '2026-1'))
WHERE code = 'PDS-MSA-101';

\echo
\echo '== 市场主体:部门系统报送,按管辖区域可见,公众看到脱敏信息'
\echo '   Market subjects from a department system: region scopes and the masked public view'
CREATE ROLE amr_feed LOGIN IN ROLE sv_integration;
SET ROLE amr_feed;
SELECT sv.subject_save(raw_code, name, region, 'HN-AMR', source_record,
         legal_rep => rep, industry => ind, established_on => '2020-06-01') AS "已保存的统一社会信用代码"
FROM (VALUES ('91410400MA44L0X1Q8', '平顶山市鹰城食品有限公司', '410402', 'HN-AMR-000101', '王建国', 'C1391'),
             ('92410422MA3XKP8W17', '叶县昆阳镇老李烩面馆', '410422', 'HN-AMR-000103', '李明', 'H62'),
             ('93410423MA9FT2B7X4', '鲁山县尧山香菇种植专业合作社', '410423', 'HN-AMR-000104', '赵大山', 'A01'),
             ('91410482MA3K1U6HXY', '汝州市汝瓷文化发展有限公司', '410482', 'HN-AMR-000106', '陈静', 'C3074'))
     AS s(raw_code, name, region, source_record, rep, ind);
\echo '   【预期拒绝】校验码错误(应为Y,实为1)的代码不予保存'
\echo '   next, refused on purpose: a code whose check character is wrong (1, expected Y) is not saved'
\set ON_ERROR_STOP 0
SELECT sv.subject_save('91410482MA3K1U6HX1', '汝州市某贸易有限公司', '410482', 'HN-AMR', 'HN-AMR-000107');
\set ON_ERROR_STOP 1
RESET ROLE;
\echo '   叶县市场监管只看到叶县的主体,市级看到全部'
\echo '   market supervision in Ye County sees the subjects of Ye County; the city sees all:'
SET ROLE msa_yexian;
SELECT uscc AS "统一社会信用代码", name AS "市场主体名称", kind_zh AS "主体类型",
       region_name AS "所在行政区划"
FROM sv_work.subject ORDER BY uscc;
RESET ROLE;
SET ROLE msa_city;
SELECT count(*) AS "市级可见主体数" FROM sv_work.subject;
RESET ROLE;
\echo '   服务门户(法定代表人已脱敏)'
\echo '   the service portal (legal representative masked):'
SET ROLE portal_public;
SELECT uscc AS "统一社会信用代码", name AS "市场主体名称", kind_zh AS "主体类型",
       region_name AS "所在行政区划",
       legal_rep AS "法定代表人 (已脱敏)"
FROM sv_public.subject ORDER BY uscc;
RESET ROLE;

\echo
\echo '== 样例目录:七个部门的监管事项,各有一份市级检查实施清单'
\echo '   The sample catalogue: items of seven departments, each with a city check item'
CREATE TEMP TABLE demo_catalog (code text, department_id integer, main_name text, method text, measures text,
  objects text, law text, article text, level text, source text, check_method text, check_content text,
  check_kind text);
\copy demo_catalog FROM 'catalog.csv' WITH (FORMAT csv, HEADER)
GRANT SELECT ON demo_catalog TO pds_admin;
SET ROLE pds_admin;
SELECT count(sv.catalog_item_save(c.code, c.department_id, c.main_name, c.method, c.measures, c.objects,
               jsonb_build_array(jsonb_build_object('law', c.law, 'article', c.article)), c.level, c.source)) AS "已保存事项数",
       count(sv.check_item_save(c.code || '-C01', c.code, 'city', '410400', c.department_id, c.check_method,
               c.check_content, c.check_kind, jsonb_build_array(jsonb_build_object('law', c.law, 'article', c.article)),
               '每年按抽查计划')) AS "已保存检查实施清单数"
FROM demo_catalog c;
SELECT sv.check_item_save('410400-MSA-C02', 'PDS-MSA-101', 'city', '410400', 4, 'documents',
  '个体工商户年度报告公示信息', 'general') > 0 AS "本市特有事项已有检查实施清单";
RESET ROLE;
-- the market supervision and health departments claim (认领) the national items they carry out
SET ROLE msa_city;
SELECT count(*) AS "市场监管局认领事项数" FROM (SELECT sv.catalog_claim(c.code) FROM sv.catalog_item c
  WHERE c.department_id = 4 AND c.source IN ('national', 'provincial') AND c.code <> 'PDS-MSA-011') s;
RESET ROLE;
SET ROLE health_city;
SELECT count(*) AS "卫健委认领事项数" FROM (SELECT sv.catalog_claim(c.code) FROM sv.catalog_item c
  WHERE c.department_id = 7 AND c.source IN ('national', 'provincial')) s;
RESET ROLE;
SET ROLE pds_admin;
SELECT sv.catalog_publish('2026-2', '平顶山市监管事项目录 第二版:七个部门的事项与检查实施清单') AS "发布编号";
RESET ROLE;
SELECT label AS "发布版本", items AS "事项数", check_items AS "检查实施清单数" FROM sv.catalog_release ORDER BY id;

\echo
\echo '== 数据汇聚:市场监管系统一批报送10000个市场主体'
\echo '   Data aggregation: the market regulation system sends 10,000 subjects in one batch'
-- synthetic subjects with valid codes in Pingdingshan's divisions (a few deliberately bad)
CREATE TEMP TABLE demo_subjects AS
WITH g AS (
  SELECT i, (ARRAY['410402','410403','410404','410411','410421','410422','410423','410425','410481','410482'])[1 + i % 10] AS region,
         (ARRAY['91','91','91','92','92','93'])[1 + i % 6] AS kind
  FROM generate_series(1, 10000) i
), c AS (
  SELECT g.*, g.kind || g.region || 'MA' || lpad(to_hex(i * 7919), 7, '0') AS body FROM g
)
SELECT jsonb_agg(jsonb_build_object(
         'source_record_id', 'HN-AMR-B' || lpad(i::text, 6, '0'),
         'uscc', upper(body) || sv.uscc_check_character(upper(body)),
         'name', CASE kind WHEN '91' THEN '平顶山市' || (ARRAY['鹰城','湛河','卫东','石龙','宝丰','叶县','鲁山','郏县','舞钢','汝州'])[1 + i % 10]
                                          || (ARRAY['食品','商贸','建材','物流','医药','机械','能源','电子'])[1 + i % 8] || '有限公司' || i || '号'
                           WHEN '92' THEN (ARRAY['老王','李记','张氏','刘家','陈师傅'])[1 + i % 5] || (ARRAY['烩面馆','超市','五金店','理发店','药房'])[1 + i % 5] || i
                           ELSE (ARRAY['香菇','小麦','花生','养殖'])[1 + i % 4] || '种植专业合作社' || i END,
         'region_code', region,
         'industry', (ARRAY['C1391','F5211','H6210','I6510','L7212','A0141','F5251','O8010'])[1 + i % 8],
         'address', '平顶山市' || region || '某路' || (i % 300) || '号',
         'longitude', round((112.9 + (i % 997) / 1000.0)::numeric, 4),
         'latitude', round((33.5 + (i % 613) / 1000.0)::numeric, 4),
         'legal_rep', (ARRAY['王建国','李秀英','张伟','刘洋','陈静','杨帆'])[1 + i % 6],
         'established_on', to_char(date '2005-01-01' + (i * 37) % 7600, 'YYYY-MM-DD'))
       ORDER BY i)
       || jsonb_build_array(
            jsonb_build_object('source_record_id', 'HN-AMR-BAD-1', 'uscc', '91410400MA44L0X1Q9', 'name', '校验码错误的公司', 'region_code', '410402'),
            jsonb_build_object('source_record_id', 'HN-AMR-BAD-2', 'uscc', '91410402MAB000000' || sv.uscc_check_character('91410402MAB000000'), 'name', ' ', 'region_code', '410402'),
            jsonb_build_object('source_record_id', 'HN-AMR-BAD-3', 'uscc', '91410402MAB000001' || sv.uscc_check_character('91410402MAB000001'), 'name', '日期错误的公司', 'region_code', '410402', 'established_on', '2023-02-30'),
            jsonb_build_object('source_record_id', 'HN-AMR-BAD-4', 'uscc', '91410402MAB000002' || sv.uscc_check_character('91410402MAB000002'), 'name', '字段拼错的公司', 'region_code', '410402', 'adress', '新华路'),
            jsonb_build_object('source_record_id', 'HN-AMR-BAD-5', 'uscc', '91410402MAB000003' || sv.uscc_check_character('91410402MAB000003'), 'name', '不在平顶山的公司', 'region_code', '410199')) AS doc
FROM c;
GRANT SELECT ON demo_subjects TO amr_feed;
SET ROLE amr_feed;
SELECT batch_id AS "批次号", inserted AS "新增", updated AS "更新", unchanged AS "未变", rejected AS "拒收" FROM sv.ingest('HN-AMR', 'subject', (SELECT doc FROM demo_subjects));
\echo '   每条拒收记录连同原因保存在 sv.ingest_reject,不丢弃任何数据'
\echo '   every rejected record is kept with its reason, nothing is dropped:'
SELECT line AS "行号", source_record_id AS "来源记录编号", errcode AS "错误码 (SQLSTATE)", reason AS "原因", detail AS "说明"
FROM sv.ingest_reject ORDER BY batch_id, line;
\echo '   同一批次再次报送不产生变化(按来源和记录编号幂等)'
\echo '   the same batch again changes nothing (idempotent by source and record id):'
SELECT inserted AS "新增", updated AS "更新", unchanged AS "未变", rejected AS "拒收" FROM sv.ingest('HN-AMR', 'subject', (SELECT doc FROM demo_subjects));
RESET ROLE;
SELECT sv.label_zh('subject.kind', kind) AS "主体类型", count(*) AS "主体数" FROM sv.subject GROUP BY kind ORDER BY kind;

\echo
\echo '== 执法人员:执法证管理系统批量报送(COPY 入暂存表,再一次调用入库)'
\echo '   Inspectors from the enforcement-certificate system, bulk path: COPY into staging, then one call'
CREATE ROLE zf_feed LOGIN IN ROLE sv_integration;
SET ROLE zf_feed;
COPY sv.inspector_staging (source_record_id, certificate_no, name, department, region_code, specialties, valid_from, valid_until)
FROM STDIN WITH (FORMAT csv);
ZF-0001,豫D0401001,赵铁柱,410400-MSA,410400,"food,drugs",2023-01-01,2028-12-31
ZF-0002,豫D0401002,钱晓红,410400-MSA,410400,"food,special_equipment",2023-01-01,2028-12-31
ZF-0003,豫D0401003,孙立平,410400-MSA,410422,food,2024-03-01,2029-02-28
ZF-0004,豫D0401004,李春燕,410400-MSA,410422,"food,price",2024-03-01,2029-02-28
ZF-0005,豫D0401005,周建华,410400-MSA,410402,advertising,2022-06-01,2027-05-31
ZF-0006,豫D0401006,吴晓东,410400-MSA,410402,"drugs,cosmetics",2022-06-01,2027-05-31
ZF-0007,豫D0701001,郑文,410400-HEALTH,410400,public_places,2023-01-01,2028-12-31
ZF-0008,豫D0701002,王丽,410400-HEALTH,410400,"water,occupational",2023-01-01,2028-12-31
ZF-0009,豫D0901001,冯刚,410400-EMERG,410400,hazardous_chemicals,2023-01-01,2028-12-31
ZF-0010,豫D0901002,陈磊,410400-EMERG,410400,"mining,industry",2023-01-01,2028-12-31
ZF-0011,豫D0601001,褚国强,410400-TRANS,410400,road_transport,2023-01-01,2028-12-31
ZF-0012,豫D0601002,卫红,410400-TRANS,410400,"road_transport,vehicle_repair",2023-01-01,2028-12-31
ZF-0013,豫D0501001,蒋建设,410400-HURD,410400,construction,2023-01-01,2028-12-31
ZF-0014,豫D0501002,沈安,410400-HURD,410400,"construction,property",2023-01-01,2028-12-31
ZF-0015,豫D0401015,韩过期,410400-MSA,410400,food,2019-01-01,2024-12-31
ZF-0016,,无证号,410400-MSA,410400,food,2023-01-01,2028-12-31
ZF-0017,豫D0401017,杨错部门,410400-XYZ,410400,food,2023-01-01,2028-12-31
\.
SELECT batch_id AS "批次号", inserted AS "新增", updated AS "更新", unchanged AS "未变", rejected AS "拒收" FROM sv.ingest_staged('HN-ZFZ', 'inspector');
SELECT line AS "行号", source_record_id AS "来源记录编号", reason AS "拒收原因" FROM sv.ingest_reject WHERE kind = 'inspector' ORDER BY line;
RESET ROLE;
\echo '   叶县市场监管看到本辖区的执法人员'
\echo '   market supervision in Ye County sees its own inspectors (sv_work.inspector):'
SET ROLE msa_yexian;
SELECT certificate_no AS "执法证号", name AS "姓名", region_name AS "工作区划", specialties AS "专业领域",
       can_act_today AS "今日可否执法"
FROM sv_work.inspector ORDER BY certificate_no;
RESET ROLE;

\echo
\echo '== 监管行为:执法系统报送,按已发布的目录核验'
\echo '   Supervision actions from the enforcement system, checked against the published catalogue'
-- 600 inspections today (the catalogue release in force is 2026-2), two inspectors each
CREATE TEMP TABLE demo_actions AS
WITH s AS (
  SELECT s.uscc, s.region_code, row_number() OVER (ORDER BY s.uscc) AS n FROM sv.subject s WHERE s.source_system = 'HN-AMR'
), teams (department, check_item, a, b, kind) AS (VALUES
  ('410400-MSA', 'PDS-MSA-002-C01', '豫D0401001', '豫D0401002', 'inspection'),
  ('410400-MSA', 'PDS-MSA-004-C01', '豫D0401005', '豫D0401006', 'inspection'),
  ('410400-MSA', 'PDS-MSA-009-C01', '豫D0401003', '豫D0401004', 'inspection'),
  ('410400-HEALTH', 'PDS-HEALTH-002-C01', '豫D0701001', '豫D0701002', 'inspection'),
  ('410400-EMERG', 'PDS-EMERG-002-C01', '豫D0901001', '豫D0901002', 'inspection'),
  ('410400-TRANS', 'PDS-TRANS-001-C01', '豫D0601001', '豫D0601002', 'inspection')
), t AS (SELECT row_number() OVER () - 1 AS k, teams.* FROM teams)
SELECT jsonb_agg(jsonb_build_object(
         'source_record_id', 'ZF-ACT-' || lpad(s.n::text, 5, '0'),
         'uscc', s.uscc::text, 'kind', t.kind, 'check_item', t.check_item, 'department', t.department,
         'started_on', sv.local_date(now()), 'ended_on', sv.local_date(now()),
         'inspectors', jsonb_build_array(t.a, t.b),
         'result', (ARRAY['no_problem','no_problem','no_problem','problem_found','rectification_ordered','case_filed'])[1 + s.n % 6],
         'findings', CASE WHEN s.n % 6 >= 3 THEN '发现问题' || s.n || ':进货查验记录不全' END)
       ORDER BY s.n) AS doc
FROM s JOIN t ON t.k = s.n % 6
WHERE s.n <= 600;
GRANT SELECT ON demo_actions TO zf_feed;
SET ROLE zf_feed;
SELECT batch_id AS "批次号", inserted AS "新增", updated AS "更新", unchanged AS "未变", rejected AS "拒收" FROM sv.ingest('HN-ZFZ', 'action', (SELECT doc FROM demo_actions));
\echo '   监管事项之外无监管,执法人员不少于两人(行政处罚法第四十二条)'
\echo '   no supervision outside the catalogue, and at least two inspectors:'
SELECT inserted AS "新增", rejected AS "拒收" FROM sv.ingest('HN-ZFZ', 'action', jsonb_build_array(
  jsonb_build_object('source_record_id', 'ZF-ACT-X1', 'uscc', (SELECT uscc::text FROM sv.subject WHERE region_code = '410402' ORDER BY uscc LIMIT 1),
    'kind', 'inspection', 'check_item', 'PDS-MSA-999-C01', 'department', '410400-MSA',
    'started_on', sv.local_date(now()), 'ended_on', sv.local_date(now()), 'inspectors', jsonb_build_array('豫D0401001', '豫D0401002'),
    'result', 'no_problem'),
  jsonb_build_object('source_record_id', 'ZF-ACT-X2', 'uscc', (SELECT uscc::text FROM sv.subject WHERE region_code = '410402' ORDER BY uscc LIMIT 1),
    'kind', 'penalty', 'check_item', 'PDS-MSA-002-C01', 'department', '410400-MSA',
    'started_on', sv.local_date(now()), 'ended_on', sv.local_date(now()), 'inspectors', jsonb_build_array('豫D0401001'),
    'result', 'case_filed')));
SELECT source_record_id AS "来源记录编号", reason AS "拒收原因" FROM sv.ingest_reject r
WHERE r.batch_id = (SELECT max(id) FROM sv.ingest_batch) ORDER BY line;
RESET ROLE;
\echo '   市级公示首批检查结果(检查后20个工作日内公示)'
\echo '   the city publishes the first results (due 20 working days after the check):'
SET ROLE msa_city;
SELECT count(sv.action_publish(a.uscc::text, a.id)) AS "本次公示数"
FROM (SELECT uscc, id FROM sv_work.action ORDER BY id LIMIT 150) a;
SELECT count(*) FILTER (WHERE published_at IS NULL) AS "待公示数",
       count(*) FILTER (WHERE publication_due = sv.add_workdays(sv.local_date(now()), 20)) AS "公示截止日在20个工作日后"
FROM sv_work.action;
RESET ROLE;
\echo '   服务门户展示已公示的检查结果'
\echo '   the service portal shows published results (sv_public.action):'
SET ROLE portal_public;
SELECT uscc AS "统一社会信用代码", subject_name AS "市场主体名称", department_name AS "实施部门", check_content AS "检查内容",
       result_zh AS "检查结果"
FROM sv_public.action ORDER BY uscc LIMIT 5;
RESET ROLE;
\echo '   各部门本年监管行为数据覆盖率(国家考核指标)'
\echo '   data coverage of supervision actions per department this year (sv_bi.action_coverage):'
CREATE ROLE bi_viewer LOGIN IN ROLE sv_bi;
SET ROLE bi_viewer;
SELECT department_name AS "部门名称", check_items AS "应覆盖检查实施清单数", covered AS "已覆盖数",
       coverage_pct AS "覆盖率 (%)", actions AS "本年监管行为数"
FROM sv_bi.action_coverage WHERE check_items > 0;
SELECT department_name AS "部门名称", items_to_claim AS "应认领事项数", items_claimed AS "已认领事项数",
       claim_rate_pct AS "认领率 (%)"
FROM sv_bi.catalog_claim_rate WHERE items_to_claim > 0;
RESET ROLE;
\echo '   每个批次一条审计记录,含所收数据的 SHA-256'
\echo '   one audit record per batch, with the SHA-256 of what was received:'
SELECT object_id AS "批次号", change ->> 'kind' AS "数据类型 (kind)", change ->> 'records' AS "记录数",
       change ->> 'rejected' AS "拒收数", left(change ->> 'sha256', 16) || '…' AS "内容哈希 (SHA-256)"
FROM sv.audit_log WHERE object_kind = 'ingest_batch' ORDER BY seq;

\echo
\echo '== 信用监管:信用信息、不可修改的评价模型、可解释的信用风险分类(仅内部使用,不公开)'
\echo '   Credit supervision: events, an immutable model, an explained class (internal, never public)'
SET ROLE pds_admin;
SELECT sv.credit_model_save('PDS-2026-v1',
  '{"administrative_penalty": 4, "abnormal_operation": 3, "serious_dishonesty": 10, "substantiated_complaint": 1,
    "failed_inspection": 2, "overdue_annual_report": 1, "commendation": -2}', 365,
  '{"A": 95, "B": 85, "C": 70}', '{"serious_dishonesty": "D"}', make_current => true) AS "信用评价模型";
RESET ROLE;
SET ROLE amr_feed;
SELECT sv.credit_event_record('91410400MA44L0X1Q8', 'administrative_penalty', 3, 'city', sv.local_date(now()) - 184,
         '平市监罚〔2026〕12号', department_id => 4, published_on => sv.local_date(now()) - 180,
         penalty_types => '{fine,confiscation}', fine_amount => 30000, sector => 'food') > 0 AS "已记录行政处罚",
       sv.credit_event_record('91410400MA44L0X1Q8', 'substantiated_complaint', 2, 'city', sv.local_date(now()) - 30,
         '12345-2026-0815') > 0 AS "已记录投诉属实",
       sv.credit_event_record('91410400MA44L0X1Q8', 'commendation', 1, 'city', sv.local_date(now()) - 365,
         '平政表〔2025〕1号') > 0 AS "已记录表彰";
RESET ROLE;
SET ROLE msa_city;
SELECT score AS "信用得分", class AS "风险分类", explanation ->> 'class_by_score' AS "按得分的分类"
FROM sv.credit_score('91410400MA44L0X1Q8');
SELECT e ->> 'kind' AS "信用信息类型 (kind)", e ->> 'points' AS "分值", e ->> 'age_days' AS "距今天数",
       e ->> 'contribution' AS "计入扣分"
FROM sv.credit_score('91410400MA44L0X1Q8') s, jsonb_array_elements(s.explanation -> 'events') e;
RESET ROLE;
\echo '   该处罚(罚款3万元,不属于较低数额罚款)公示3年'
\echo '   the penalty (a 30,000-yuan fine: not a low fine) is published for 3 years:'
SET ROLE portal_public;
SELECT subject_name AS "市场主体名称", kind_zh AS "信用信息类型",
       reference AS "决定文书号", published_on AS "公示日期",
       published_until AS "公示截止日期"
FROM sv_public.credit_publication
WHERE uscc = '91410400MA44L0X1Q8';
RESET ROLE;
\echo '   信用平台报送全市三分之一主体的信用信息,一个批次(错误记录连同原因拒收)'
\echo '   the credit platform''s feed for a third of the city, as one ingest batch:'
SET ROLE amr_feed;
SELECT inserted AS "新增", updated AS "更新", unchanged AS "未变", rejected AS "拒收" FROM sv.ingest('HN-CREDIT', 'credit_event', (
  SELECT jsonb_agg(jsonb_build_object('uscc', s.uscc, 'kind', k.kind, 'severity', 1 + s.n % 5, 'source', 'city',
                     'decided_on', sv.local_date(now()) - (s.n % 700)::integer, 'reference', 'DEMO-' || s.n)
                   || CASE WHEN k.kind = 'administrative_penalty' AND s.n % 2 = 0
                           THEN jsonb_build_object('penalty_types', 'warning,fine', 'fine_amount', 500 * s.n % 90000, 'department', '410400-MSA')
                           WHEN k.kind = 'administrative_penalty' THEN jsonb_build_object('penalty_types', 'warning')
                           ELSE '{}' END
                   || CASE WHEN s.n % 997 = 0 THEN jsonb_build_object('severity', 7) ELSE '{}' END
                   ORDER BY s.n)
  FROM (SELECT uscc, row_number() OVER (ORDER BY uscc) AS n FROM sv.subject
        WHERE source_system = 'HN-AMR' AND abs(hashtext(uscc::text || 'credit')) % 3 = 0) s,
       LATERAL (SELECT (ARRAY['administrative_penalty', 'abnormal_operation', 'substantiated_complaint', 'overdue_annual_report',
                              'commendation', 'failed_inspection', 'serious_dishonesty'])[1 + s.n % 7] AS kind) k));
SELECT line AS "行号", errcode AS "错误码 (SQLSTATE)", reason AS "拒收原因" FROM sv.ingest_reject WHERE source = 'HN-CREDIT' ORDER BY line LIMIT 3;
RESET ROLE;
\echo '   全部主体重新评价(生产环境由 pg_cron 每月执行)及分类分布'
\echo '   every subject rescored (monthly from pg_cron in production): the class distribution'
SET ROLE pds_admin;
SELECT classified AS "已评价主体数", changed AS "分类变化数" FROM sv.credit_rescore_all();
RESET ROLE;
SELECT class AS "风险分类", count(*) AS "主体数" FROM sv.credit_class GROUP BY class ORDER BY class;
\echo '   一个D类主体的分类依据(分类仅供工作人员内部使用)'
\echo '   an explained D-class subject (classes are internal: officials only):'
SELECT k.uscc AS d_subject FROM sv.credit_class k WHERE k.class = 'D' ORDER BY k.uscc LIMIT 1 \gset
SET ROLE msa_city;
SELECT score AS "信用得分", class AS "风险分类", explanation ->> 'class_by_score' AS "按得分的分类",
       explanation ->> 'forced_by' AS "直接定为"
FROM sv.credit_score(:'d_subject');
SELECT e ->> 'kind' AS "信用信息类型 (kind)", e ->> 'severity' AS "严重程度", e ->> 'decided_on' AS "决定日期",
       e ->> 'contribution' AS "计入扣分"
FROM sv.credit_score(:'d_subject') s, jsonb_array_elements(s.explanation -> 'events') e;
RESET ROLE;

\echo
\echo '== 联合奖惩:措施清单、办理前信用核查、反馈闭环'
\echo '   Joint rewards and punishments: the measures list, a pre-admission check, the closed loop'
SET ROLE pds_admin;
SELECT sv.sanction_measure_save('PDS-LIC-01', '限制新增行政许可', 'punishment', 'market_access',
         '《关于建立完善守信联合激励和失信联合惩戒制度的指导意见》(国发〔2016〕33号)', 4, '{licensing,subsidy}',
         '{administrative_penalty}', min_severity => 3, feedback_days => 5) AS "限制新增许可",
       sv.sanction_measure_save('PDS-BID-01', '限制参与政府投资工程招标投标', 'punishment', 'public_procurement',
         '《招标投标法实施条例》第六十七条', 5, '{tendering}', '{serious_dishonesty}', '{D}', feedback_days => 10) AS "限制招标投标",
       sv.sanction_measure_save('PDS-INSP-01', '列为重点监管对象,提高抽查比例', 'punishment', 'heightened_supervision',
         '《企业信息公示暂行条例》第十八条', 4, '{inspection,licensing}', '{abnormal_operation}', duration_months => 12) AS "列为重点监管",
       sv.sanction_measure_save('PDS-FAST-01', '行政审批绿色通道(容缺受理)', 'reward', 'fast_track', '国发〔2016〕33号', 1,
         '{licensing}', '{commendation}', '{A}') AS "审批绿色通道";
RESET ROLE;
\echo '   审批系统在新许可办理前核查受过处罚的食品企业'
\echo '   the approval system checks the penalised food company before a new licence:'
SET ROLE amr_feed;
SELECT measure AS "措施编码", reason AS "触发原因", until AS "措施适用截止日期", feedback_due AS "反馈截止日期" FROM sv.credit_check('91410400MA44L0X1Q8', 'licensing', 'XK-2026-00042');
RESET ROLE;
\echo '   部门看到反馈义务并报送(闭环,记入审计)'
\echo '   the department sees its feedback obligation and reports it (the closed loop, audited):'
SET ROLE msa_city;
SELECT id AS "反馈编号", subject_name AS "市场主体名称", measure_name AS "措施名称", case_reference AS "业务办件编号",
       due_on AS "反馈截止日期", overdue AS "是否逾期"
FROM sv_work.sanction_feedback_open;
SELECT count(sv.sanction_feedback_report(id, 'applied', '已暂停受理该企业新增许可申请')) AS "已反馈数"
FROM sv_work.sanction_feedback_open;
RESET ROLE;
SET ROLE supervision_office;
SELECT department_code AS "部门代码", obligations AS "应反馈数", applied AS "已实施数", reported_on_time AS "按时反馈数",
       open AS "未反馈数", overdue AS "逾期未反馈数"
FROM sv_bi.sanction_feedback;
RESET ROLE;
\echo '   【预期拒绝】该食品处罚须公示满12个月方可信用修复'
\echo '   next, refused on purpose: credit repair of the food penalty comes after 12 months of publication'
SELECT e.id AS penalty_id FROM sv.credit_event e WHERE e.uscc = '91410400MA44L0X1Q8' AND e.kind = 'administrative_penalty' \gset
SET ROLE msa_city;
\set ON_ERROR_STOP 0
SELECT sv.credit_repair_apply('91410400MA44L0X1Q8', :penalty_id, '已缴纳罚款并完成整改', '{"fine_receipt": "HN-2026-0012"}', true);
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== 双随机、一公开:市场监管与消防救援部门联合抽查'
\echo '   Double random, one public: a joint market-regulation and fire-safety plan'
SET ROLE pds_admin;
SELECT sv.department_add('410400-FIRE', '平顶山市消防救援支队', 'Pingdingshan Fire and Rescue Detachment', 'city', '410400') AS fire_department \gset
SELECT sv.catalog_item_save('PDS-FIRE-001', :fire_department, '对人员密集场所消防安全的监督抽查', '双随机抽查', '现场检查',
  '公众聚集场所', jsonb_build_array(jsonb_build_object('law', '中华人民共和国消防法', 'article', '第五十三条')), 'national', 'national') > 0 AS "消防事项已保存",
       sv.check_item_save('PDS-FIRE-001-C01', 'PDS-FIRE-001', 'city', '410400', :fire_department, 'on_site',
  '消防设施完好有效、疏散通道畅通', 'general') > 0 AS "消防检查实施清单已保存";
SELECT sv.catalog_publish('2026-3', '增加消防救援支队事项') AS "发布编号";
SELECT count(sv.inspector_save(c, n, :fire_department, '410400', '2023-01-01', '2028-12-31', 'HN-ZFZ', 'ZF-F-' || c, '{fire_safety}'))
       AS "消防执法人员数"
FROM (VALUES ('豫D1011001', '马消防'), ('豫D1011002', '朱安全'), ('豫D1011003', '胡预防'), ('豫D1011004', '郭检查')) v(c, n);
SELECT sv.staff_add('fire_city', :fire_department, '410400') > 0 AS "消防救援支队账号已映射";
RESET ROLE;
SET ROLE msa_city;
SELECT sv.draw_plan_save('2026-PDS-JOINT-01', '2026年平顶山市商场超市食品安全与消防安全部门联合双随机抽查', 4,
  sv.local_date(now()), sv.local_date(now()) + 30,
  '{"regions": ["410402", "410403", "410404", "410411"], "industries": ["F52"], "kinds": ["enterprise", "individual_business"]}',
  ARRAY['PDS-MSA-002-C01', 'PDS-FIRE-001-C01'],
  '{"A": {"ratio": 0.02}, "B": {"ratio": 0.05}, "C": {"ratio": 0.1}, "D": {"ratio": 0.3}, "U": {"ratio": 0.05}}',
  team_size => 2, departments => ARRAY[4, :fire_department], cross_area => true) AS plan_id \gset
RESET ROLE;
\echo '   配合部门消防救援支队在封存前确认计划内容'
\echo '   the fire detachment, a partner, confirms the plan''s terms before the seal (sv.draw_plan_join):'
SET ROLE fire_city;
SELECT left(encode(sv.draw_plan_join(:plan_id), 'hex'), 16) || '…' AS "计划内容哈希 (SHA-256)";
SELECT plan_code AS "抽查计划编号", department_name AS "部门名称", is_lead AS "牵头部门", agreed AS "已同意"
FROM sv_work.draw_plan_partner WHERE plan_code = '2026-PDS-JOINT-01'
 ORDER BY NOT is_lead, department_id;
RESET ROLE;
SET ROLE msa_city;
\echo '   计划部门承诺一个秘密随机数(只给出其 SHA-256),并事先指定公开随机源(封存后开奖的福利彩票)'
\echo '   the planner commits to a secret nonce (only its SHA-256 is given) and names the public entropy in advance'
\echo '   (the source in its canonical form: kind;name;issue;date;form, dated after the seal)'
SELECT format('lottery;中国福利彩票3D;%s;%s;digits=3', to_char(sv.local_date(now()) + 1, 'YYYYDDD'), sv.local_date(now()) + 1)
  AS entropy_source \gset
SELECT encode(sv.draw_seal(:plan_id, sha256('平顶山市场监管局 2026 抽查 秘密随机数 7f3a9c'::bytea),
  :'entropy_source'), 'hex') AS "候选名单哈希 (SHA-256)";
\echo '   开奖后公开随机数并抽取(任何人都可复算)'
\echo '   after the lottery draw the nonce is revealed and the draw runs (anyone can recompute it):'
SELECT sv.draw_run(:plan_id, convert_to('平顶山市场监管局 2026 抽查 秘密随机数 7f3a9c', 'UTF8'), '508') AS draw_id \gset
RESET ROLE;
SET ROLE portal_public;
SELECT plan_code AS "抽查计划编号", departments AS "参与部门", population_size AS "候选主体数",
       left(population_sha256, 16) || '…' AS "候选名单哈希", left(commitment, 16) || '…' AS "随机数承诺值",
       entropy_source AS "公开随机源", entropy AS "随机源取值", subjects_drawn AS "抽中主体数"
FROM sv_public.draw;
SELECT step AS "核验步骤 (step)", ok AS "通过", detail AS "说明" FROM sv.draw_verify_detail(:draw_id);
SELECT uscc AS "统一社会信用代码", subject_name AS "市场主体名称", region_name AS "所在行政区划"
FROM sv_public.draw_result ORDER BY uscc LIMIT 8;
RESET ROLE;
\echo '   检查组(第二个随机):每个部门一名执法人员,不来自主体所在的区县'
\echo '   the teams (second random): one inspector of each department, none from the subject''s own district:'
SELECT t.uscc AS "统一社会信用代码", s.region_code AS "所在区划代码",
       string_agg(t.certificate_no || ' ' || i.name || ' (' || i.region_code || ')', ', ' ORDER BY t.slot) AS "检查组(执法证号 姓名 工作区划)"
FROM sv.draw_team t JOIN sv.inspector i ON i.certificate_no = t.certificate_no JOIN sv.subject s ON s.uscc = t.uscc
WHERE t.draw_id = :draw_id GROUP BY t.uscc, s.region_code ORDER BY t.uscc LIMIT 6;
\echo '   各部门内部任务量均衡'
\echo '   the workload, even within each department:'
SELECT d.name_zh AS "部门", t.certificate_no AS "执法证号", count(*) AS "分配检查数"
FROM sv.draw_team t JOIN sv.inspector i ON i.certificate_no = t.certificate_no JOIN sv.department d ON d.id = i.department_id
WHERE t.draw_id = :draw_id GROUP BY 1, 2 ORDER BY 1, 2;
\echo '   一名执法人员对一个主体回避,替换人员由同一随机序列产生'
\echo '   an inspector withdraws from one subject; the replacement comes from the same stream:'
SET ROLE msa_city;
SELECT t.uscc AS "统一社会信用代码", t.certificate_no AS "回避人员执法证号",
       sv.draw_recuse(:draw_id, t.uscc::text, t.certificate_no, 'inspector', '与该企业负责人系近亲属') AS "替换人员执法证号"
FROM (SELECT uscc, certificate_no FROM sv.draw_team WHERE draw_id = :draw_id AND slot = 1 ORDER BY uscc LIMIT 1) t;
RESET ROLE;
SELECT step AS "核验步骤 (step)", ok AS "通过" FROM sv.draw_verify_detail(:draw_id) WHERE step IN ('teams', 'recusals');
\echo '   审计人员导出抽取记录(sv.draw_export),仅凭导出文件在数据库之外复算'
\echo '   an auditor exports the draw (sv.draw_export) and recomputes it outside PostgreSQL from the export alone'
\echo '   (contrib-examples/draw/verify_draw.py, the Python standard library only):'
CREATE ROLE audit_office LOGIN IN ROLE sv_auditor;
SET ROLE audit_office;
\pset tuples_only on
\pset format unaligned
\o :demo_dir/draw-export.json
SELECT sv.draw_export(:draw_id);
\o
\pset format aligned
\pset tuples_only off
RESET ROLE;
\setenv DEMO_DIR :demo_dir
\! python3 ../draw/verify_draw.py "$DEMO_DIR/draw-export.json" > "$DEMO_DIR/draw-verify.txt"; echo $? > "$DEMO_DIR/draw-verify.rc"; sed -e 's/^/   /' -e 's/^   draw \([0-9]*\) of plan \(.*\): VERIFIED$/&\n   核验通过:抽取编号 \1(抽查计划 \2)与数据库之外的复算结果一致/' "$DEMO_DIR/draw-verify.txt"

\echo
\echo '== 审管联动:经发件箱由 libcurl 推送进程推送(双推送、双回路)'
\echo '   Approval–supervision linkage: pushed through the outbox by the libcurl worker'
\echo '   (各部门业务系统由本机的 HTTP 模拟服务扮演)'
\set fixture_note '   (the departments'' systems are played by scripts/http_fixture.py on 127.0.0.1:' :fixture_port ')'
\echo :fixture_note
CREATE ROLE gsbd_city LOGIN IN ROLE sv_officer;          -- the administrative approval bureau
SET ROLE pds_admin;
SELECT sv.staff_add('gsbd_city', 1, '410400') > 0 AS "审批局账号已映射";
SELECT sv.endpoint_save('pds-msa-linkage', 'http://127.0.0.1:' || :'fixture_port' || '/accept/msa', auth => 'hmac_sha256',
                        department_id => 4) AS "市场监管局接收端点",
       sv.endpoint_save('pds-gsbd-linkage', 'http://127.0.0.1:' || :'fixture_port' || '/accept/gsbd', auth => 'bearer',
                        department_id => 1) AS "审批局接收端点";
SELECT count(sv.endpoint_set_secret(e, secret)) AS "已设置密钥数", count(sv.department_endpoint_set(d, e)) AS "已关联部门数"
FROM (VALUES (4, 'pds-msa-linkage', 'demo-hmac-key-of-market-regulation'),
             (1, 'pds-gsbd-linkage', 'demo-bearer-token-of-the-bureau')) v(d, e, secret);
SELECT sv.power_item_save('PDS-XK-SP-001', '食品经营许可', 'licensing', 4,
         '[{"law": "中华人民共和国食品安全法", "article": "第三十五条"}]', approving_department_id => 1, centralised => true) > 0 AS "权责事项已保存";
SELECT count(sv.linkage_rule_set('PDS-XK-SP-001', first_action_days => 10, ack_days => 3)) AS "联动规则数";
RESET ROLE;
\echo '   审批系统报送审批局作出的食品经营许可,由市场监管局监管(谁审批、谁监管;谁主管、谁监管)'
\echo '   the approval system reports a food licence; market regulation supervises:'
SET ROLE amr_feed;
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-000123', 'uscc', '91410400MA44L0X1Q8',
  'subject_name', '平顶山市鹰城食品有限公司', 'power_code', 'PDS-XK-SP-001', 'decision', 'renewed',
  'licence_no', 'JY14104020012345', 'decided_on', sv.local_date(now()), 'valid_until', sv.local_date(now()) + 1826,
  'approving_department', '410400-GSBD')) AS linkage_id \gset
RESET ROLE;
SELECT l.id AS "审管联动编号", d.name_zh AS "监管部门", l.claim_due AS "签收期限", l.first_action_due AS "首次监管期限"
FROM sv.linkage l
JOIN sv.department d ON d.id = l.supervising_department_id WHERE l.id = :linkage_id;
-- the worker was woken at commit; give it a moment
DO $$ BEGIN
  FOR i IN 1 .. 100 LOOP
    EXIT WHEN (SELECT count(*) = 0 FROM sv.outbox WHERE status IN ('pending', 'in_flight'));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT endpoint AS "接收端点", kind AS "消息类型", status AS "状态 (status)", attempts AS "推送次数",
       last_status AS "HTTP状态码", delivered_at - created_at AS "提交至送达用时"
FROM sv.outbox ORDER BY id;
\echo '   市场监管局签收、检查并处罚,处罚结果推回审批局(双回路)'
\echo '   market regulation claims, inspects and fines; the penalty goes back to the bureau:'
SET ROLE msa_city;
SELECT sv.linkage_claim(:linkage_id) IS NOT NULL AS "已签收";
SELECT sv.linkage_report(:linkage_id, 'inspected_compliant', '许可延续后首次检查:证照一致,现场未发现问题', 'JC-2026-1201') > 0 AS "已报送检查结果";
SELECT sv.linkage_report(:linkage_id, 'penalty', '超范围经营冷食类食品,罚款2万元,责令改正', '平市监罚〔2026〕88号') AS result_id \gset
RESET ROLE;
DO $$ BEGIN
  FOR i IN 1 .. 100 LOOP
    EXIT WHEN (SELECT count(*) = 0 FROM sv.outbox WHERE status IN ('pending', 'in_flight'));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SET ROLE gsbd_city;
SELECT sv.linkage_acknowledge(:result_id, '已收到处罚结果,纳入许可证后续核查') IS NOT NULL AS "审批局已回复确认";
SELECT step_zh AS "环节", department_id AS "承办部门编号", due_on AS "办理期限", done_at IS NOT NULL AS "已办结",
       overdue AS "逾期未办结", done_late AS "逾期办结"
FROM sv_work.linkage_loop ORDER BY array_position(ARRAY['claim', 'first_action', 'acknowledge'], step);
RESET ROLE;
SET ROLE supervision_office;
SELECT endpoint AS "接收端点", pending AS "待推送", in_flight AS "推送中", delivered AS "已送达", retrying AS "重试中",
       failed AS "推送失败", dead AS "重试用尽"
FROM sv_work.outbox_counters ORDER BY endpoint;
SELECT pid IS NOT NULL AS "推送进程运行中", delivered AS "已送达", retried AS "已重试", dead AS "重试用尽"
FROM sv.push_worker_status();
RESET ROLE;
\echo '   各部门系统收到的消息(模拟服务的日志):每条消息只收到一次,带幂等键'
\echo '   what the departments'' systems received (the fixture''s log): each message once, under its key:'
\! python3 fixture_received.py "$DEMO_DIR/fixture.jsonl"

\echo
\echo '== 投诉举报:12345工单受理,投诉举报人信息保密'
\echo '   Complaints and reports: a 12345 work order arrives (idempotent on its number); the reporter''s'
\echo '   identity is readable only by the assigned department, masked for everyone else'
SET ROLE amr_feed;
SELECT jsonb_build_object(
  'work_order_no', '12345-DEMO-0001', 'kind', 'complaint',
  'received_at', to_char((now() - interval '1 minute') AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
  'text', '在该超市购买的酸奶已过保质期,要求退货并赔偿。',
  'subject', jsonb_build_object('uscc', '91410400MA44L0X1Q8'),
  'place', jsonb_build_object('address', '新华区建设路1号', 'region', '410402'),
  'person', jsonb_build_object('name', '王小明', 'phone', '13812345678', 'id_number', '11010519491231002X'),
  'department', '410400-MSA') AS payload \gset
SELECT sv.complaint_receive(:'payload') AS complaint_id \gset
\echo '   the hotline resends the same work order after a timeout: the same item, nothing written twice'
SELECT sv.complaint_receive(:'payload') = :complaint_id AS "重发得到同一件";
RESET ROLE;
\echo '   承办部门(市场监管局)看到投诉举报人身份;其他部门(卫生健康委)只看到脱敏信息:'
\echo '   the assigned department (market supervision) sees the reporter; another department (health) sees the mask:'
SET ROLE msa_city;
SELECT work_order_no AS "工单编号", kind_zh AS "类型", person_name AS "投诉举报人",
       person_phone AS "联系电话", person_id_number AS "身份证号", person_in_clear AS "明文可见", accept_due AS "受理期限",
       accept_state_zh AS "期限状态"
FROM sv_work.complaint WHERE id = :complaint_id;
RESET ROLE;
SET ROLE health_city;
SELECT work_order_no AS "工单编号", person_name AS "投诉举报人", person_phone AS "联系电话", person_id_number AS "身份证号",
       person_in_clear AS "明文可见"
FROM sv_work.complaint WHERE id = :complaint_id;
RESET ROLE;

\echo
\echo '== 重复件:同一事项再次来电,系统提示疑似重复,承办人员确认合并'
\echo '   Duplicates: another caller reports the same matter in other words; on arrival the platform proposes'
\echo '   it as a likely duplicate (pg_trgm text similarity, the same subject and place, within 30 days), and'
\echo '   an officer of the handling department confirms the merge: both work orders and callers are kept'
SET ROLE amr_feed;
SELECT sv.complaint_receive(jsonb_build_object(
  'work_order_no', '12345-DEMO-0001B', 'kind', 'complaint',
  'received_at', to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
  'text', '建设路这家超市卖过期的酸奶,保质期都过了还在卖,我要求退货赔偿。',
  'subject', jsonb_build_object('uscc', '91410400MA44L0X1Q8'),
  'place', jsonb_build_object('address', '新华区建设路1号超市', 'region', '410402'),
  'person', jsonb_build_object('name', '李红', 'phone', '13912345678'),
  'department', '410400-MSA')) AS duplicate_id \gset
RESET ROLE;
SET ROLE msa_city;
SELECT id AS duplicate_proposal FROM sv_work.complaint_duplicate WHERE complaint_id = :duplicate_id AND candidate_id = :complaint_id \gset
SELECT work_order_no AS "新件工单", candidate_work_order_no AS "在先工单", text_score AS "内容相似度", reasons_zh AS "疑似理由",
       state_zh AS "状态", person_name AS "新件投诉人", candidate_person_name AS "在先件投诉人"
FROM sv_work.complaint_duplicate WHERE complaint_id = :duplicate_id;
RESET ROLE;
\echo '   【预期拒绝】卫生健康委不是承办部门,不能确认合并'
\echo '   next, refused on purpose: the health commission handles neither item: it cannot confirm the merge'
SET ROLE health_city;
\set ON_ERROR_STOP 0
SELECT sv.complaint_duplicate_confirm(:duplicate_proposal);
\set ON_ERROR_STOP 1
RESET ROLE;
SET ROLE msa_city;
SELECT sv.complaint_duplicate_confirm(:duplicate_proposal, '同一超市同一批过期酸奶,合并办理') = :complaint_id AS "已并入在先件";
\echo '   the group: the first work order carries the handling; each keeps its caller (in clear for the department)'
SELECT work_order_no AS "工单编号", is_primary AS "主件", state_zh AS "状态", person_name AS "投诉举报人",
       merged_by AS "合并确认人"
FROM sv_work.complaint_group WHERE group_id = :complaint_id ORDER BY complaint_id;
RESET ROLE;

\echo
\echo '== 投诉举报法定时限:可配置的政策,附法律依据'
\echo '   The statutory limits of complaints and reports: policy rows with their legal basis (sv.complaint_policy)'
SELECT label_zh AS "时限", workdays AS "工作日", extension_max AS "可延长工作日", supervise_after AS "逾期后督办工作日",
       legal_basis AS "法律依据"
FROM sv.complaint_policy ORDER BY id;

\echo
\echo '== 投诉举报闭环:受理、调解、答复、办结(属实记入信用)、12345回访'
\echo '   The closed loop of the work order: accepted, mediated, replied, closed as substantiated (a credit event),'
\echo '   revisited by 12345; every step audited, its status pushed back to the 12345 system (市长热线办)'
SET ROLE pds_admin;
SELECT sv.endpoint_save('pds-12345', 'http://127.0.0.1:' || :'fixture_port' || '/accept/12345', department_id => 10)
         AS "12345系统接收端点";
SELECT count(sv.department_endpoint_set(10, 'pds-12345')) AS "已关联部门数";
RESET ROLE;
\echo '   【预期拒绝】卫生健康委不是承办部门,不能受理'
\echo '   next, refused on purpose: the health commission is not the assigned department: it cannot accept the item'
SET ROLE health_city;
\set ON_ERROR_STOP 0
SELECT sv.complaint_accept(:complaint_id);
\set ON_ERROR_STOP 1
RESET ROLE;
SET ROLE msa_city;
SELECT sv.complaint_accept(:complaint_id, '符合受理条件') > 0 AS "已受理";
\echo '   【预期拒绝】调解终结前不能答复(当前状态不允许此环节)'
\echo '   next, refused on purpose: no reply before the mediation has ended (the state does not allow the step: 55000)'
\set ON_ERROR_STOP 0
SELECT sv.complaint_reply(:complaint_id, '已处理完毕');
\set ON_ERROR_STOP 1
SELECT sv.complaint_mediate(:complaint_id, 'agreed', '超市同意退货并赔偿') > 0 AS "调解终结",
       sv.complaint_reply(:complaint_id, '经调解,超市同意退货并按规定赔偿。感谢您的监督。') > 0 AS "已答复",
       sv.complaint_close(:complaint_id, true, '投诉属实') > 0 AS "已办结(属实)";
RESET ROLE;
\echo '   12345 revisits the caller and reports the satisfaction back (sv.complaint_revisit, idempotent):'
SET ROLE amr_feed;
SELECT sv.complaint_revisit(jsonb_build_object('work_order_no', '12345-DEMO-0001', 'satisfaction', 'satisfied',
         'revisited_at', to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'))) > 0 AS "回访已记录";
RESET ROLE;
SET ROLE msa_city;
SELECT action_name AS "环节", sv.label_zh('complaint.state', to_state) AS "办理后状态", reason AS "理由或说明",
       acted_by AS "操作人"
FROM sv_work.complaint_history WHERE complaint_id = :complaint_id ORDER BY id;
\echo '   合并件随主件答复、办结,各自作为本工单的办理环节(各自推送12345,不复制任何人的身份信息):'
\echo '   the merged work order followed the primary''s reply and closing, each a step of its own (its own message to 12345):'
SELECT c.work_order_no AS "工单编号", h.action_name AS "环节", sv.label_zh('complaint.state', h.to_state) AS "办理后状态",
       h.reason AS "理由或说明"
FROM sv_work.complaint_history h JOIN sv_work.complaint_group c ON c.complaint_id = h.complaint_id
WHERE c.group_id = :complaint_id AND NOT c.is_primary ORDER BY h.id;
RESET ROLE;
SET ROLE pds_admin;
\echo '   what went to the 12345 system (the outbox; no identity), and the credit event of the substantiated complaint:'
SELECT payload ->> 'work_order_no' AS "工单编号", kind AS "消息类型", payload ->> 'action' AS "环节", payload ->> 'state' AS "状态",
       payload ->> 'department' AS "承办部门"
FROM sv.outbox WHERE endpoint = 'pds-12345' ORDER BY id;
SELECT uscc AS "统一社会信用代码", kind AS "信用信息类型", severity AS "严重程度", reference AS "来源记录"
FROM sv.credit_event WHERE reference = 'hotline:12345-DEMO-0001';
RESET ROLE;

\echo
\echo '== 派单:按职责(权责清单、行业)和属地自动派单,不能派单的进入待派单队列'
\echo '   Routing: by duty (the power list, or the subject''s industry) and territory; what cannot be routed waits with the reason'
SET ROLE pds_admin;
SELECT count(sv.complaint_duty_rule_set('C13', 4, '农副食品加工业')) AS "职责规则数";
RESET ROLE;
SET ROLE amr_feed;
SELECT sv.complaint_receive(jsonb_build_object('work_order_no', '12345-DEMO-0002', 'kind', 'report',
  'received_at', to_char((now() - interval '1 minute') AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
  'text', '该公司生产车间卫生条件差。', 'subject', jsonb_build_object('uscc', '91410400MA44L0X1Q8'), 'anonymous', true)) AS routed_id \gset
SELECT sv.complaint_receive(jsonb_build_object('work_order_no', '12345-DEMO-0003', 'kind', 'complaint',
  'received_at', to_char((now() - interval '1 minute') AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
  'text', '某店铺预付卡无法退款。', 'subject', jsonb_build_object('name', '某美容店'), 'anonymous', true)) AS queued_id \gset
RESET ROLE;
SET ROLE pds_admin;
SELECT c.work_order_no AS "工单编号", coalesce(d.name_zh, '(待派单)') AS "承办部门", c.route_note AS "派单依据或原因"
FROM sv.complaint c LEFT JOIN sv.department d ON d.id = c.department_id WHERE c.id IN (:routed_id, :queued_id) ORDER BY c.id;
RESET ROLE;

\echo
\echo '== 网上投诉:群众提交后获得查询码,凭查询码查询办理状态(不含个人信息)'
\echo '   The public portal: a citizen submits and gets a tracking code; the status by code shows no personal data'
SET ROLE portal_public;
SELECT sv.complaint_submit('{"kind": "suggestion", "text": "建议在农贸市场设置快检公示屏。", "anonymous": true,
  "place": {"region": "410402"}}') AS tracking_code \gset
SELECT kind_zh AS "类别", state_zh AS "状态", received_on = sv.local_date(now()) AS "今日提交", steps AS "办理环节"
FROM sv.complaint_status(:'tracking_code');
RESET ROLE;
SET ROLE bi_viewer;
SELECT coalesce(department_name, '(待派单)') AS "承办部门", kind AS "类别", received AS "接收", accepted AS "受理",
       closed AS "办结", on_time_rate AS "按期办结率", sign_on_time_rate AS "签收及时率",
       hotline_reply_on_time_rate AS "12345答复及时率", satisfaction_rate AS "满意率"
FROM sv_bi.complaint_summary ORDER BY department_code NULLS FIRST, kind;
RESET ROLE;

\echo
\echo '== 期限统一管理:各类法定期限的提醒与逾期(反馈、签收、公示、受理……)'
\echo '   One deadline model: the open obligations of market supervision across every kind, and per department for BI'
SET ROLE msa_city;
SELECT deadline_name AS "期限类型", count(*) AS "未办结", count(*) FILTER (WHERE state = 'due_soon') AS "即将到期",
       count(*) FILTER (WHERE state = 'overdue') AS "已逾期", min(due_on) AS "最近到期日"
FROM sv_work.deadline_open WHERE department_id = 4 GROUP BY deadline_name ORDER BY 1;
RESET ROLE;
SET ROLE bi_viewer;
SELECT department_name AS "部门", deadline_name AS "期限类型", open AS "未办结", overdue AS "已逾期",
       done_on_time AS "按期办结", done_late AS "逾期办结"
FROM sv_bi.deadline_summary ORDER BY department_code, deadline;
RESET ROLE;

\echo
\echo '== 风险预警:可追溯的规则,在数据库内扫描,每条预警附带解释'
\echo '   Risk early warning: a versioned rule (any administrative penalty in a month, per subject), a scan'
\echo '   over the last 12 months, and the alerts with their explanation (the five latest shown; scheduled daily by sv.job_risk_scan)'
SET ROLE pds_admin;
SELECT sv.risk_rule_save('DEMO-PENALTY', '市场主体月度行政处罚', 'penalty', 'subject', 'threshold', '{"count": 1}',
  'yellow', 4, '国发〔2019〕18号 加强信用监管') AS "规则版本";
SELECT series AS "监测对象数", tested AS "检验的月份数", alarms AS "报警月份数", new_alerts AS "新预警数"
FROM sv.risk_scan('DEMO-PENALTY', months => 12);
RESET ROLE;
SET ROLE msa_city;
SELECT rule_code AS "规则", severity_zh AS "预警级别", subject_name AS "市场主体",
       period AS "月份", observed AS "观测值", threshold AS "阈值"
FROM sv_work.risk_alert ORDER BY period DESC, id LIMIT 5;
RESET ROLE;

\echo
\echo '== 联合监管:联合监管清单、协查协办、抄告抄送(一处发现、多方联动)'
\echo '   Joint supervision: the joint-supervision list (public), an assist request answered, and copy notices of'
\echo '   findings to the departments they concern, acknowledged with what was done (docs/joint.md)'
\echo '   卫生健康委牵头、市场监管局配合的公共场所卫生联合监管事项,发现问题即抄告对方:'
\echo '   the health commission leads a joint matter with market supervision; a problem found is copied to the other:'
SET ROLE health_city;
SELECT sv.joint_item_save('PDS-JOINT-001', '公共场所卫生与食品安全联合监管', '住宿、餐饮等公共场所', 7, '{PDS-HEALTH-002}',
  '[{"department_id": 4, "catalog_items": ["PDS-MSA-002"]}]', '[{"law": "公共场所卫生管理条例", "article": "第十四条"}]',
  '{problem_found,case_filed,penalty}', 5) > 0 AS "已保存";
RESET ROLE;
SET ROLE portal_public;
SELECT code AS "编码", matter AS "联合监管事项", lead_department_name AS "牵头部门", partner_department_names AS "配合部门",
       catalog_items AS "各部门监管事项" FROM sv_public.joint_item;
RESET ROLE;
\echo '   市场监管局请卫生健康委协查一家企业(5个工作日内),卫生健康委受理并反馈:'
\echo '   market supervision asks the health commission to check a business within 5 working days; health accepts and answers:'
SET ROLE msa_city;
SELECT sv.assist_request_send(7, '请协助核查该单位公共场所卫生许可及从业人员健康证明情况', 5,
  (SELECT uscc::text FROM sv.subject WHERE source_system = 'HN-AMR' ORDER BY uscc LIMIT 1), '平市监协〔2026〕1号') AS assist_id \gset
RESET ROLE;
SET ROLE health_city;
SELECT sv.assist_request_accept(:assist_id) AS "受理",
       sv.assist_request_answer(:assist_id, '经核查,该单位持有有效卫生许可证,从业人员健康证明齐全。',
         '[{"ref": "health-docs://2026/0001", "name": "核查记录.pdf"}]') AS "反馈";
\echo '   【预期拒绝】已反馈的协查请求不能再受理(状态机,55000)'
\echo '   next, refused on purpose: an answered request cannot be accepted again (the state machine, 55000)'
\set ON_ERROR_STOP 0
SELECT sv.assist_request_accept(:assist_id);
\set ON_ERROR_STOP 1
RESET ROLE;
SET ROLE msa_city;
SELECT from_department_name AS "请求部门", to_department_name AS "协办部门", case_ref AS "案件编号",
       state_zh AS "状态", due_on AS "办理期限",
       due_state_zh AS "期限状态", findings AS "协查结果"
FROM sv_work.assist_request WHERE id = :assist_id;
RESET ROLE;
\echo '   抄告:卫生健康委检查发现问题的,自动抄告市场监管局(每项发现每个部门一次),市场监管局签收并反馈处理情况:'
\echo '   copy notices: each problem the health commission found is copied to market supervision once, which acknowledges:'
SET ROLE pds_admin;
SELECT count(*) AS "本次抄告数", count(DISTINCT to_department_id) AS "接收部门数", count(*) FILTER (WHERE pushed) AS "已推送至部门系统"
FROM sv.joint_notice_sweep();
SELECT count(*) AS "再次扫描的抄告数(不重复)" FROM sv.joint_notice_sweep();
RESET ROLE;
SET ROLE msa_city;
SELECT sv.joint_notice_acknowledge(min(id), '已对该单位食品经营情况开展检查,责令整改进货查验记录。') IS NOT NULL AS "已签收反馈"
FROM sv_work.joint_notice WHERE to_department_id = 4;
SELECT from_department_name AS "抄告部门", to_department_name AS "接收部门", state_zh AS "状态",
       count(*) AS "件数", min(due_on) AS "反馈期限"
FROM sv_work.joint_notice GROUP BY 1, 2, 3 ORDER BY 3;
SELECT obligation_zh AS "待办类型", owes_zh AS "应履行义务", count(*) AS "件数"
FROM sv_work.joint_obligation GROUP BY 1, 2 ORDER BY 1;
\echo '== 风险线索闭环:扫描发现异常突增,线索分派、签收、现场核查、办结反馈'
\echo '   A planted spike: five penalties of one subject this month (none in the months before); a Poisson'
\echo '   rule finds it, the alert becomes a lead of market supervision, which claims it, inspects, confirms and closes it'
SELECT uscc::text AS spike_uscc, name AS spike_name FROM sv.subject
WHERE source_system = 'HN-AMR' AND region_code = '410402' ORDER BY uscc OFFSET 7 LIMIT 1 \gset
SET ROLE amr_feed;
SELECT count(sv.credit_event_record(:'spike_uscc', 'administrative_penalty', 2, 'city', sv.local_date(now()),
         '平市监罚〔演示〕' || n || '号', department_id => 4, penalty_types => '{warning}')) AS "植入的行政处罚数"
FROM generate_series(1, 5) n;
RESET ROLE;
SET ROLE pds_admin;
SELECT sv.risk_rule_save('DEMO-SPIKE', '行政处罚异常突增', 'penalty', 'subject', 'poisson_tail',
  '{"baseline": 6, "guard": 1, "alpha": 0.001, "min_count": 3}', 'orange', 4, '国发〔2019〕18号 加强和规范事中事后监管') AS "规则版本";
SELECT series AS "监测对象数", tested AS "检验数", alarms AS "报警数", new_alerts AS "新预警数"
FROM sv.risk_scan('DEMO-SPIKE');
RESET ROLE;
SET ROLE msa_city;
SELECT subject_name AS "市场主体", observed AS "当月处罚数", round(baseline::numeric, 2) AS "基线均值",
       round(p::numeric, 8) AS "P值", explanation -> 'baseline_window' AS "基线窗口"
FROM sv_work.risk_alert WHERE rule_code = 'DEMO-SPIKE';
SELECT sv.risk_lead_from_alert(id) AS lead_id FROM sv_work.risk_alert WHERE rule_code = 'DEMO-SPIKE' \gset
SELECT sv.risk_lead_claim(:lead_id) \gset
SELECT sv.action_record(:'spike_uscc', 'inspection', 'PDS-MSA-002-C01', 4, sv.local_date(now()), sv.local_date(now()),
         '{豫D0401001,豫D0401002}', 'case_filed', '后厨卫生不达标,进货查验记录缺失') AS action_id \gset
SELECT sv.risk_lead_verify(:lead_id, 'confirmed', '现场检查属实:后厨卫生不达标,已立案', :action_id) \gset
SELECT sv.risk_lead_handle(:lead_id, '立案调查,责令限期整改,列入下次双随机抽查重点') IS NULL AS "来源为本市扫描,无需外部反馈";
SELECT id AS "线索编号", subject_name AS "市场主体", assigned_by_zh AS "分派依据",
       state_zh AS "状态",
       verify_result_zh AS "核查结论", action_id IS NOT NULL AS "有核查检查",
       handle_state_zh AS "办结期限状态", measures AS "处置措施"
FROM sv_work.risk_lead WHERE id = :lead_id;
RESET ROLE;
\echo '   核查属实的主体在下一次双随机抽查中提高一个风险等级(A类"无事不扰"不再豁免);每一步都记入审计链'
\echo '   the confirmed subject counts one credit class worse in the next draw plan; every step is in the audit chain:'
SET ROLE supervision_office;
SELECT source_kind AS "来源", reason AS "原因", plan_id IS NULL AS "待下次抽查" FROM sv.draw_stratum_override
WHERE uscc = :'spike_uscc';
SELECT action AS "审计动作", count(*) AS "记录数" FROM sv_work.audit_trail
WHERE object_kind = 'risk_lead' AND object_id = :'lead_id' GROUP BY action ORDER BY min(seq);
RESET ROLE;
SET ROLE bi_viewer;
SELECT department_name AS "承办部门", source_name AS "线索来源", received AS "接收", closed AS "办结", confirmed AS "属实",
       avg_closure_workdays AS "平均办结工作日"
FROM sv_bi.risk_lead_summary ORDER BY department_code, source;
RESET ROLE;

\echo
\echo '== 最后:以只读审计账号对演示数据库做安全自检(无结果行即未发现问题)'
\echo '   At the end: the security self-check on the demo database, as the supervision office'
\echo '   (no row = no finding: row-level security, grants, append-only guards, releases, endpoints, the audit chain;'
\echo '   from 1 November calendar_next_year_missing while next year''s holiday notice is not loaded)'
SET ROLE supervision_office;
SELECT severity AS "严重程度 (severity)", finding AS "发现的问题 (finding)", object AS "对象", detail AS "说明" FROM sv.security_check();
SELECT count(*) AS "只追加保护触发器数", count(*) FILTER (WHERE state = 'always') AS "始终生效数" FROM sv.append_only_guard();
SELECT count(*) AS "目录发布版本数", (SELECT count(*) FROM sv.catalog_release_verify()) AS "校验未通过的版本数"
FROM sv.catalog_release;
RESET ROLE;
