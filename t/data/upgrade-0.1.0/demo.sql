-- make demo: what sv_platform holds and does, on Pingdingshan reference and sample data.
-- Run by scripts/demo.sh as the cluster superuser; each capability adds its section here.
\set ON_ERROR_STOP 1
\pset footer off
\set QUIET 1
\set SHOW_CONTEXT never
SET TimeZone = 'Asia/Shanghai';

\echo
\echo '== sv_platform: build'
SELECT component, version FROM sv.build_info();

\echo
\echo '== Regions (GB/T 2260): Pingdingshan 平顶山市 and its county-level divisions and functional zones'
SELECT r.code, r.name_zh, r.name_en, r.level, CASE WHEN r.is_gbt2260 THEN 'GB/T 2260' ELSE 'statistical code' END AS kind
FROM sv.region r WHERE sv.region_within(r.code, '410400') ORDER BY array_position(ARRAY['prefecture', 'county', 'zone'], r.level), r.code;

\echo
\echo '== Departments named in the city plan'
SELECT id, code, name_zh, name_en FROM sv.department ORDER BY id;

\echo
\echo '== Working-day calendar: State Council notices loaded'
SELECT n.year, n.title, coalesce(n.notice_no, '-') AS notice_no, n.issued_on,
       count(*) FILTER (WHERE d.kind = 'holiday') AS holidays,
       count(*) FILTER (WHERE d.kind = 'workday') AS makeup_workdays,
       sv.workdays_between(make_date(n.year, 1, 1), make_date(n.year, 12, 31))
         + sv.is_workday(make_date(n.year, 1, 1))::int AS working_days
FROM sv.calendar_notice n JOIN sv.calendar_day d USING (year) GROUP BY n.year, n.title, n.notice_no, n.issued_on ORDER BY n.year;

\echo
\echo '== 2026: holidays (放假) and make-up working days (调休上班)'
SELECT festival, min(day) FILTER (WHERE kind = 'holiday') AS off_from, max(day) FILTER (WHERE kind = 'holiday') AS off_to,
       coalesce(string_agg(to_char(day, 'MM-DD Dy'), ', ' ORDER BY day) FILTER (WHERE kind = 'workday'), '') AS makeup_workdays
FROM sv.calendar_day WHERE year = 2026 GROUP BY festival ORDER BY min(day);

\echo
\echo '== Legal deadlines in working days (start day not counted)'
SELECT what, received_at, sv.local_date(received_at) AS legal_date, n AS working_days,
       sv.add_workdays(sv.local_date(received_at), n) AS deadline
FROM (VALUES
  ('complaint received the evening before National Day', '2026-09-30 22:15:00+08'::timestamptz, 20),
  ('publish an inspection result (20 working days)',    '2026-02-13 10:00:00+08', 20),
  ('report sanction feedback (5 working days)',          '2026-04-30 16:00:00+08', 5),
  ('answer within 1 working day, received Friday',       '2026-11-27 09:00:00+08', 1)
) v(what, received_at, n);

\echo
\echo '== Is there a calendar for 2027 yet?'
\set ON_ERROR_STOP 0
SELECT sv.add_workdays('2026-12-20', 20);
\set ON_ERROR_STOP 1
\echo '   This throwaway demo loads a provisional 2027 calendar (weekends and New Year''s Day only) when the'
\echo '   State Council notice is not loaded yet, so that deadlines running into 2027 can be shown; a real'
\echo '   platform loads the notice itself (sv.calendar_load(..., replace => true) replaces a provisional one).'
SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM sv.calendar_notice WHERE year = 2027)
  THEN sv.calendar_load(2027, '演示用临时日历(仅周末与元旦,待国务院通知发布后替换)', '2026-11-01',
                        '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01"}]') END AS provisional_2027;

\echo
\echo '== Unified social credit codes (统一社会信用代码) from a sample department export'
CREATE TEMP TABLE sample_codes (source_record text, raw_code text, name text);
\copy sample_codes FROM 'codes.csv' WITH (FORMAT csv, HEADER true)
SELECT s.source_record, s.raw_code, coalesce(v.canonical, '') AS canonical,
       coalesce(v.problem, 'ok') AS problem, coalesce(v.detail, '') AS detail
FROM sample_codes s, sv.uscc_validate(s.raw_code) v ORDER BY s.source_record;

\echo
\echo '== An administrator registers the early pilot code (legal, but it fails the check character)'
SELECT sv.uscc_register_exception('91350100M0001TGQXM', 'early pilot code; confirmed with the registration authority') AS registered;
SELECT code, reason, registered_by FROM sv.uscc_exception;

\echo
\echo '== Accepted codes, stored as sv.uscc (18 bytes) with their parts'
SELECT u AS code, sv.uscc_authority(u) || sv.uscc_category(u) AS kind, c.category_en,
       sv.uscc_region_code(u) AS registered_in, coalesce(r.name_zh, '(outside the loaded regions)') AS region,
       sv.uscc_org_code(u) AS org_code
FROM (SELECT raw_code::sv.uscc AS u FROM sample_codes WHERE sv.uscc_check(raw_code) IS NULL) s
JOIN sv.uscc_category c ON c.authority = sv.uscc_authority(u) AND c.category = sv.uscc_category(u)
LEFT JOIN sv.region r ON r.code = sv.uscc_region_code(u)
ORDER BY u;

\echo
\echo '== Staff: logins mapped to a department and a region scope (sv.staff_add, the write API)'
DO $$
BEGIN
  -- logins for the demo (cluster-wide roles; the demo cluster is thrown away)
  CREATE ROLE pds_admin LOGIN IN ROLE sv_admin;          -- platform administrator, city level
  CREATE ROLE msa_city LOGIN IN ROLE sv_officer;         -- market supervision, whole city
  CREATE ROLE msa_yexian LOGIN IN ROLE sv_officer;       -- market supervision, Ye County only
  CREATE ROLE health_city LOGIN IN ROLE sv_officer;      -- health commission, whole city
  CREATE ROLE supervision_office LOGIN IN ROLE sv_auditor; -- reads everything, writes nothing
  CREATE ROLE portal_public LOGIN IN ROLE sv_public;     -- the service portal's connection
END $$;
-- a superuser maps the first administrator; the administrator maps the officers
SELECT sv.staff_add('pds_admin', 1, '410400') AS staff_id;
SET ROLE pds_admin;
SELECT sv.staff_add('msa_city', 4, '410400') AS msa_city,
       sv.staff_add('msa_yexian', 4, '410422') AS msa_yexian,
       sv.staff_add('health_city', 7, '410400') AS health_city;
\set ON_ERROR_STOP 0
-- an officer's login cannot be mapped outside its department's region
SELECT sv.staff_add('health_city', 7, '410100');
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== What each login sees (row-level security by department and region scope)'
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
INSERT INTO demo_view SELECT 'supervision_office', coalesce(s.department_code, '(all)'), '(all)',
  (SELECT string_agg(role_name, ', ' ORDER BY staff_id) FROM sv_work.staff), (SELECT count(*) FROM sv_work.audit_trail)
  FROM sv_work.my_scope s;
RESET ROLE;
SELECT * FROM demo_view;
SET ROLE portal_public;
\set ON_ERROR_STOP 0
SELECT count(*) FROM sv.staff;
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== The audit trail (as the supervision office): every change, hash-chained'
SET ROLE supervision_office;
SELECT seq, actor_role, department_id AS dept, object_kind, object_id, action, left(change::text, 70) AS change
FROM sv_work.audit_trail ORDER BY seq;
SELECT coalesce((SELECT problem FROM sv.audit_verify()), 'chain intact') AS audit_verify;
RESET ROLE;
\echo '   the head hash the city publishes (sv_public.audit_head):'
SET ROLE portal_public;
SELECT seq, hash FROM sv_public.audit_head;
RESET ROLE;

\echo
\echo '== A superuser edits a record behind the triggers: sv.audit_verify names it'
SELECT change::text AS original_change FROM sv.audit_log WHERE seq = 2 \gset
SET session_replication_role = replica;
UPDATE sv.audit_log SET change = '{"role_name": "someone_else"}' WHERE seq = 2;
RESET session_replication_role;
SELECT seq, problem, left(detail, 60) || '...' AS detail FROM sv.audit_verify();
SELECT severity, finding, object FROM sv.security_check();
SET session_replication_role = replica;
UPDATE sv.audit_log SET change = :'original_change' WHERE seq = 2;
RESET session_replication_role;

\echo
\echo '== sv.security_check() once the record is put back (no row = no finding)'
SELECT severity, finding, object FROM sv.security_check();

\echo
\echo '== The supervision catalogue (监管事项目录清单), maintained by the departments, published as releases'
SET ROLE msa_city;
SELECT sv.catalog_item_save('PDS-MSA-001', 4, '对食品生产经营活动的监督检查', '双随机抽查、重点检查',
  '现场检查、抽样检验、责令整改', '食品生产经营者',
  '[{"law": "中华人民共和国食品安全法", "article": "第一百一十条"}]', 'national', 'national',
  process => '制定计划、随机抽取、实施检查、公示结果', result => '检查结果在20个工作日内公示') AS item,
  sv.catalog_item_save('PDS-MSA-001-01', 4, '对食品生产经营活动的监督检查', '双随机抽查', '现场检查',
  '食品生产企业', '[{"law": "中华人民共和国食品安全法", "article": "第八十七条"}]', 'national', 'national',
  main_item => 'PDS-MSA-001', sub_name => '食品生产环节') AS sub_item,
  sv.catalog_item_save('PDS-MSA-101', 4, '对个体工商户年度报告的监督检查', '双随机抽查', '书面检查', '个体工商户',
  '[{"law": "促进个体工商户发展条例", "article": "第二十三条"}]', 'city', 'city') AS city_item;
SELECT sv.check_item_save('410422-MSA-C01', 'PDS-MSA-001-01', 'county', '410422', 4, 'on_site',
  '生产许可条件保持情况、原料进货查验记录', 'general', frequency => '每年不少于一次') AS check_item;
RESET ROLE;
SET ROLE health_city;
\set ON_ERROR_STOP 0
-- a department maintains only its own items
SELECT sv.catalog_item_save('PDS-MSA-101', 7, '改名', '双随机抽查', '书面检查', '个体工商户', '[]', 'city', 'city');
\set ON_ERROR_STOP 1
SELECT sv.catalog_item_save('PDS-HEALTH-001', 7, '对医疗机构依法执业的监督检查', '双随机抽查', '现场检查',
  '医疗机构', '[{"law": "医疗机构管理条例", "article": "第四十条"}]', 'national', 'national') AS health_item;
RESET ROLE;
SET ROLE pds_admin;
SELECT sv.catalog_publish('2026-1', '平顶山市监管事项目录 首次发布') AS release_id;
RESET ROLE;
\echo '   what the public sees (sv_public.catalog_item, the latest release):'
SET ROLE portal_public;
SELECT release, code, coalesce(main_item || ' / ' || sub_name, main_name) AS item, department_name, level, source
FROM sv_public.catalog_item ORDER BY code;
RESET ROLE;
\echo '   an item changes after the release; sv.catalog_diff shows it, sv.as_of reads the past:'
SET ROLE msa_city;
SELECT sv.catalog_item_save('PDS-MSA-101', 4, '对个体工商户年度报告公示信息的监督检查', '双随机抽查', '书面检查、网络监测',
  '个体工商户', '[{"law": "促进个体工商户发展条例", "article": "第二十三条"}]', 'city', 'city') AS changed;
RESET ROLE;
SELECT kind, code, change, before ->> 'main_name' AS before, after ->> 'main_name' AS after FROM sv.catalog_diff('2026-1');
SELECT code, main_name FROM sv.as_of(NULL::sv.catalog_item, (SELECT published_at FROM sv.catalog_release WHERE label = '2026-1'))
WHERE code = 'PDS-MSA-101';

\echo
\echo '== Market subjects (市场主体) from a department system: region scopes and the masked public view'
CREATE ROLE amr_feed LOGIN IN ROLE sv_integration;
SET ROLE amr_feed;
SELECT sv.subject_save(raw_code, name, region, 'HN-AMR', source_record,
         legal_rep => rep, industry => ind, established_on => '2020-06-01') AS saved
FROM (VALUES ('91410400MA44L0X1Q8', '平顶山市鹰城食品有限公司', '410402', 'HN-AMR-000101', '王建国', 'C1391'),
             ('92410422MA3XKP8W17', '叶县昆阳镇老李烩面馆', '410422', 'HN-AMR-000103', '李明', 'H62'),
             ('93410423MA9FT2B7X4', '鲁山县尧山香菇种植专业合作社', '410423', 'HN-AMR-000104', '赵大山', 'A01'),
             ('91410482MA3K1U6HXY', '汝州市汝瓷文化发展有限公司', '410482', 'HN-AMR-000106', '陈静', 'C3074'))
     AS s(raw_code, name, region, source_record, rep, ind);
\set ON_ERROR_STOP 0
SELECT sv.subject_save('91410482MA3K1U6HX1', '汝州市某贸易有限公司', '410482', 'HN-AMR', 'HN-AMR-000107');
\set ON_ERROR_STOP 1
RESET ROLE;
\echo '   market supervision in Ye County sees the subjects of Ye County; the city sees all:'
SET ROLE msa_yexian;
SELECT uscc, name, kind, region_name FROM sv_work.subject ORDER BY uscc;
RESET ROLE;
SET ROLE msa_city;
SELECT count(*) AS subjects_the_city_sees FROM sv_work.subject;
RESET ROLE;
\echo '   the service portal (legal representative masked):'
SET ROLE portal_public;
SELECT uscc, name, kind, region_name, legal_rep FROM sv_public.subject ORDER BY uscc;
RESET ROLE;

\echo
\echo '== The sample catalogue: items of seven departments, each with a city check item (检查实施清单)'
CREATE TEMP TABLE demo_catalog (code text, department_id integer, main_name text, method text, measures text,
  objects text, law text, article text, level text, source text, check_method text, check_content text,
  check_kind text);
\copy demo_catalog FROM 'catalog.csv' WITH (FORMAT csv, HEADER)
GRANT SELECT ON demo_catalog TO pds_admin;
SET ROLE pds_admin;
SELECT count(sv.catalog_item_save(c.code, c.department_id, c.main_name, c.method, c.measures, c.objects,
               jsonb_build_array(jsonb_build_object('law', c.law, 'article', c.article)), c.level, c.source)) AS items_saved,
       count(sv.check_item_save(c.code || '-C01', c.code, 'city', '410400', c.department_id, c.check_method,
               c.check_content, c.check_kind, jsonb_build_array(jsonb_build_object('law', c.law, 'article', c.article)),
               '每年按抽查计划')) AS check_items_saved
FROM demo_catalog c;
SELECT sv.check_item_save('410400-MSA-C02', 'PDS-MSA-101', 'city', '410400', 4, 'documents',
  '个体工商户年度报告公示信息', 'general') > 0 AS check_item_for_the_city_item;
RESET ROLE;
-- the market supervision and health departments claim (认领) the national items they carry out
SET ROLE msa_city;
SELECT count(*) AS msa_claimed FROM (SELECT sv.catalog_claim(c.code) FROM sv.catalog_item c
  WHERE c.department_id = 4 AND c.source IN ('national', 'provincial') AND c.code <> 'PDS-MSA-011') s;
RESET ROLE;
SET ROLE health_city;
SELECT count(*) AS health_claimed FROM (SELECT sv.catalog_claim(c.code) FROM sv.catalog_item c
  WHERE c.department_id = 7 AND c.source IN ('national', 'provincial')) s;
RESET ROLE;
SET ROLE pds_admin;
SELECT sv.catalog_publish('2026-2', '平顶山市监管事项目录 第二版:七个部门的事项与检查实施清单') AS release_id;
RESET ROLE;
SELECT label, items, check_items FROM sv.catalog_release ORDER BY id;

\echo
\echo '== Data aggregation (数据汇聚): the market regulation system sends 10,000 subjects in one batch'
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
SELECT * FROM sv.ingest('HN-AMR', 'subject', (SELECT doc FROM demo_subjects));
\echo '   every rejected record is kept with its reason (sv.ingest_reject), nothing is dropped:'
SELECT line, source_record_id, errcode, reason, detail FROM sv.ingest_reject ORDER BY batch_id, line;
\echo '   the same batch again changes nothing (idempotent by source and record id):'
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('HN-AMR', 'subject', (SELECT doc FROM demo_subjects));
RESET ROLE;
SELECT kind, count(*) AS subjects FROM sv.subject GROUP BY kind ORDER BY kind;

\echo
\echo '== Inspectors (执法人员) from the enforcement-certificate system, bulk path: COPY into staging, then one call'
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
SELECT * FROM sv.ingest_staged('HN-ZFZ', 'inspector');
SELECT line, source_record_id, reason FROM sv.ingest_reject WHERE kind = 'inspector' ORDER BY line;
RESET ROLE;
\echo '   market supervision in Ye County sees its own inspectors (sv_work.inspector):'
SET ROLE msa_yexian;
SELECT certificate_no, name, region_name, specialties, can_act_today FROM sv_work.inspector ORDER BY certificate_no;
RESET ROLE;

\echo
\echo '== Supervision actions (监管行为) from the enforcement system, checked against the published catalogue'
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
SELECT * FROM sv.ingest('HN-ZFZ', 'action', (SELECT doc FROM demo_actions));
\echo '   no supervision outside the catalogue (监管事项之外无监管), and at least two inspectors (行政处罚法 §42):'
SELECT inserted, rejected FROM sv.ingest('HN-ZFZ', 'action', jsonb_build_array(
  jsonb_build_object('source_record_id', 'ZF-ACT-X1', 'uscc', (SELECT uscc::text FROM sv.subject WHERE region_code = '410402' ORDER BY uscc LIMIT 1),
    'kind', 'inspection', 'check_item', 'PDS-MSA-999-C01', 'department', '410400-MSA',
    'started_on', sv.local_date(now()), 'ended_on', sv.local_date(now()), 'inspectors', jsonb_build_array('豫D0401001', '豫D0401002'),
    'result', 'no_problem'),
  jsonb_build_object('source_record_id', 'ZF-ACT-X2', 'uscc', (SELECT uscc::text FROM sv.subject WHERE region_code = '410402' ORDER BY uscc LIMIT 1),
    'kind', 'penalty', 'check_item', 'PDS-MSA-002-C01', 'department', '410400-MSA',
    'started_on', sv.local_date(now()), 'ended_on', sv.local_date(now()), 'inspectors', jsonb_build_array('豫D0401001'),
    'result', 'case_filed')));
SELECT source_record_id, reason FROM sv.ingest_reject r
WHERE r.batch_id = (SELECT max(id) FROM sv.ingest_batch) ORDER BY line;
RESET ROLE;
\echo '   the city publishes the first results (公示, due 20 working days after the check):'
SET ROLE msa_city;
SELECT count(sv.action_publish(a.uscc::text, a.id)) AS published
FROM (SELECT uscc, id FROM sv_work.action ORDER BY id LIMIT 150) a;
SELECT count(*) FILTER (WHERE published_at IS NULL) AS to_publish,
       count(*) FILTER (WHERE publication_due = sv.add_workdays(sv.local_date(now()), 20)) AS due_in_20_working_days
FROM sv_work.action;
RESET ROLE;
\echo '   the service portal shows published results (sv_public.action):'
SET ROLE portal_public;
SELECT uscc, subject_name, department_name, check_content, result FROM sv_public.action ORDER BY uscc LIMIT 5;
RESET ROLE;
\echo '   data coverage of supervision actions per department this year (sv_bi.action_coverage, the national KPI):'
CREATE ROLE bi_viewer LOGIN IN ROLE sv_bi;
SET ROLE bi_viewer;
SELECT department_name, check_items, covered, coverage_pct, actions FROM sv_bi.action_coverage WHERE check_items > 0;
SELECT department_name, items_to_claim, items_claimed, claim_rate_pct FROM sv_bi.catalog_claim_rate WHERE items_to_claim > 0;
RESET ROLE;
\echo '   one audit record per batch, with the SHA-256 of what was received:'
SELECT object_id AS batch, change ->> 'kind' AS kind, change ->> 'records' AS records, change ->> 'rejected' AS rejected,
       left(change ->> 'sha256', 16) || '…' AS sha256
FROM sv.audit_log WHERE object_kind = 'ingest_batch' ORDER BY seq;

\echo
\echo '== Credit supervision (信用监管): events, an immutable model, an explained class (internal, never public)'
SET ROLE pds_admin;
SELECT sv.credit_model_save('PDS-2026-v1',
  '{"administrative_penalty": 4, "abnormal_operation": 3, "serious_dishonesty": 10, "substantiated_complaint": 1,
    "failed_inspection": 2, "overdue_annual_report": 1, "commendation": -2}', 365,
  '{"A": 95, "B": 85, "C": 70}', '{"serious_dishonesty": "D"}', make_current => true) AS model;
RESET ROLE;
SET ROLE amr_feed;
SELECT sv.credit_event_record('91410400MA44L0X1Q8', 'administrative_penalty', 3, 'city', sv.local_date(now()) - 184,
         '平市监罚〔2026〕12号', department_id => 4, published_on => sv.local_date(now()) - 180,
         penalty_types => '{fine,confiscation}', fine_amount => 30000, sector => 'food') > 0 AS penalty,
       sv.credit_event_record('91410400MA44L0X1Q8', 'substantiated_complaint', 2, 'city', sv.local_date(now()) - 30,
         '12345-2026-0815') > 0 AS complaint,
       sv.credit_event_record('91410400MA44L0X1Q8', 'commendation', 1, 'city', sv.local_date(now()) - 365,
         '平政表〔2025〕1号') > 0 AS commendation;
RESET ROLE;
SET ROLE msa_city;
SELECT score, class, explanation ->> 'class_by_score' AS by_score FROM sv.credit_score('91410400MA44L0X1Q8');
SELECT e ->> 'kind' AS kind, e ->> 'points' AS points, e ->> 'age_days' AS age_days, e ->> 'contribution' AS contribution
FROM sv.credit_score('91410400MA44L0X1Q8') s, jsonb_array_elements(s.explanation -> 'events') e;
RESET ROLE;
\echo '   the penalty (a 30,000-yuan fine: not a low fine) is published for 3 years:'
SET ROLE portal_public;
SELECT subject_name, kind, reference, published_on, published_until FROM sv_public.credit_publication
WHERE uscc = '91410400MA44L0X1Q8';
RESET ROLE;
\echo '   the credit platform''s feed for a third of the city, as one ingest batch (bad records rejected with reasons):'
SET ROLE amr_feed;
SELECT inserted, updated, unchanged, rejected FROM sv.ingest('HN-CREDIT', 'credit_event', (
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
SELECT line, errcode, reason FROM sv.ingest_reject WHERE source = 'HN-CREDIT' ORDER BY line LIMIT 3;
RESET ROLE;
\echo '   every subject rescored (monthly from pg_cron in production): the class distribution'
SET ROLE pds_admin;
SELECT * FROM sv.credit_rescore_all();
RESET ROLE;
SELECT class, count(*) AS subjects FROM sv.credit_class GROUP BY class ORDER BY class;
\echo '   an explained D-class subject (classes are internal: officials only):'
SELECT k.uscc AS d_subject FROM sv.credit_class k WHERE k.class = 'D' ORDER BY k.uscc LIMIT 1 \gset
SET ROLE msa_city;
SELECT score, class, explanation ->> 'class_by_score' AS by_score, explanation ->> 'forced_by' AS forced_by
FROM sv.credit_score(:'d_subject');
SELECT e ->> 'kind' AS kind, e ->> 'severity' AS severity, e ->> 'decided_on' AS decided_on, e ->> 'contribution' AS contribution
FROM sv.credit_score(:'d_subject') s, jsonb_array_elements(s.explanation -> 'events') e;
RESET ROLE;

\echo
\echo '== Joint rewards and punishments (联合奖惩): the measures list, a pre-admission check, the closed loop'
SET ROLE pds_admin;
SELECT sv.sanction_measure_save('PDS-LIC-01', '限制新增行政许可', 'punishment', 'market_access',
         '《关于建立完善守信联合激励和失信联合惩戒制度的指导意见》(国发〔2016〕33号)', 4, '{licensing,subsidy}',
         '{administrative_penalty}', min_severity => 3, feedback_days => 5) AS measure,
       sv.sanction_measure_save('PDS-BID-01', '限制参与政府投资工程招标投标', 'punishment', 'public_procurement',
         '《招标投标法实施条例》第六十七条', 5, '{tendering}', '{serious_dishonesty}', '{D}', feedback_days => 10) AS measure,
       sv.sanction_measure_save('PDS-INSP-01', '列为重点监管对象,提高抽查比例', 'punishment', 'heightened_supervision',
         '《企业信息公示暂行条例》第十八条', 4, '{inspection,licensing}', '{abnormal_operation}', duration_months => 12) AS measure,
       sv.sanction_measure_save('PDS-FAST-01', '行政审批绿色通道(容缺受理)', 'reward', 'fast_track', '国发〔2016〕33号', 1,
         '{licensing}', '{commendation}', '{A}') AS measure;
RESET ROLE;
\echo '   the approval system checks the penalised food company before a new licence:'
SET ROLE amr_feed;
SELECT measure, reason, until, feedback_due FROM sv.credit_check('91410400MA44L0X1Q8', 'licensing', 'XK-2026-00042');
RESET ROLE;
\echo '   the department sees its feedback obligation and reports it (the closed loop, audited):'
SET ROLE msa_city;
SELECT id, subject_name, measure_name, case_reference, due_on, overdue FROM sv_work.sanction_feedback_open;
SELECT sv.sanction_feedback_report(id, 'applied', '已暂停受理该企业新增许可申请') FROM sv_work.sanction_feedback_open;
RESET ROLE;
SET ROLE supervision_office;
SELECT department_code, obligations, applied, reported_on_time, open, overdue FROM sv_bi.sanction_feedback;
RESET ROLE;
\echo '   credit repair (信用修复) of the food penalty is refused: 12 months of publication first:'
SELECT e.id AS penalty_id FROM sv.credit_event e WHERE e.uscc = '91410400MA44L0X1Q8' AND e.kind = 'administrative_penalty' \gset
SET ROLE msa_city;
\set ON_ERROR_STOP 0
SELECT sv.credit_repair_apply('91410400MA44L0X1Q8', :penalty_id, '已缴纳罚款并完成整改', '{"fine_receipt": "HN-2026-0012"}', true);
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== Double random, one public (双随机、一公开): a joint market-regulation and fire-safety plan'
SET ROLE pds_admin;
SELECT sv.department_add('410400-FIRE', '平顶山市消防救援支队', 'Pingdingshan Fire and Rescue Detachment', 'city', '410400') AS fire_department \gset
SELECT sv.catalog_item_save('PDS-FIRE-001', :fire_department, '对人员密集场所消防安全的监督抽查', '双随机抽查', '现场检查',
  '公众聚集场所', jsonb_build_array(jsonb_build_object('law', '中华人民共和国消防法', 'article', '第五十三条')), 'national', 'national') > 0 AS fire_item,
       sv.check_item_save('PDS-FIRE-001-C01', 'PDS-FIRE-001', 'city', '410400', :fire_department, 'on_site',
  '消防设施完好有效、疏散通道畅通', 'general') > 0 AS fire_check_item;
SELECT sv.catalog_publish('2026-3', '增加消防救援支队事项') AS release_id;
SELECT count(sv.inspector_save(c, n, :fire_department, '410400', '2023-01-01', '2028-12-31', 'HN-ZFZ', 'ZF-F-' || c, '{fire_safety}'))
       AS fire_inspectors
FROM (VALUES ('豫D1011001', '马消防'), ('豫D1011002', '朱安全'), ('豫D1011003', '胡预防'), ('豫D1011004', '郭检查')) v(c, n);
RESET ROLE;
SET ROLE msa_city;
SELECT sv.draw_plan_save('2026-PDS-JOINT-01', '2026年平顶山市商场超市食品安全与消防安全部门联合双随机抽查', 4,
  sv.local_date(now()), sv.local_date(now()) + 30,
  '{"regions": ["410402", "410403", "410404", "410411"], "industries": ["F52"], "kinds": ["enterprise", "individual_business"]}',
  ARRAY['PDS-MSA-002-C01', 'PDS-FIRE-001-C01'],
  '{"A": {"ratio": 0.02}, "B": {"ratio": 0.05}, "C": {"ratio": 0.1}, "D": {"ratio": 0.3}, "U": {"ratio": 0.05}}',
  team_size => 2, departments => ARRAY[4, :fire_department], cross_area => true) AS plan_id \gset
\echo '   the planner commits to a secret nonce (only its SHA-256 is given) and names the public entropy in advance:'
SELECT encode(sv.draw_seal(:plan_id, sha256('平顶山市场监管局 2026 抽查 秘密随机数 7f3a9c'::bytea),
  '中国福利彩票3D 第2026331期开奖号码'), 'hex') AS population_sha256;
\echo '   after the lottery draw the nonce is revealed and the draw runs (anyone can recompute it):'
SELECT sv.draw_run(:plan_id, convert_to('平顶山市场监管局 2026 抽查 秘密随机数 7f3a9c', 'UTF8'), '3D 2026331: 5 0 8') AS draw_id \gset
RESET ROLE;
SET ROLE portal_public;
SELECT plan_code, departments, population_size, left(population_sha256, 16) || '…' AS population_sha256,
       left(commitment, 16) || '…' AS commitment, entropy_source, entropy, subjects_drawn
FROM sv_public.draw;
SELECT * FROM sv.draw_verify_detail(:draw_id);
SELECT uscc, subject_name, region_name FROM sv_public.draw_result ORDER BY uscc LIMIT 8;
RESET ROLE;
\echo '   the teams (second random): one inspector of each department, none from the subject''s own district:'
SELECT t.uscc, s.region_code, string_agg(t.certificate_no || ' ' || i.name || ' (' || i.region_code || ')', ', ' ORDER BY t.slot) AS team
FROM sv.draw_team t JOIN sv.inspector i ON i.certificate_no = t.certificate_no JOIN sv.subject s ON s.uscc = t.uscc
WHERE t.draw_id = :draw_id GROUP BY t.uscc, s.region_code ORDER BY t.uscc LIMIT 6;
\echo '   the workload, even within each department:'
SELECT d.name_zh AS department, t.certificate_no, count(*) AS assignments
FROM sv.draw_team t JOIN sv.inspector i ON i.certificate_no = t.certificate_no JOIN sv.department d ON d.id = i.department_id
WHERE t.draw_id = :draw_id GROUP BY 1, 2 ORDER BY 1, 2;
\echo '   an inspector withdraws (回避) from one subject; the replacement comes from the same stream:'
SET ROLE msa_city;
SELECT t.uscc, t.certificate_no AS leaving,
       sv.draw_recuse(:draw_id, t.uscc::text, t.certificate_no, 'inspector', '与该企业负责人系近亲属') AS replacement
FROM (SELECT uscc, certificate_no FROM sv.draw_team WHERE draw_id = :draw_id AND slot = 1 ORDER BY uscc LIMIT 1) t;
RESET ROLE;
SELECT step, ok FROM sv.draw_verify_detail(:draw_id) WHERE step IN ('teams', 'recusals');
\echo '   an auditor exports the draw for independent recomputation (contrib-examples/draw/verify_draw.py):'
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

\echo
\echo '== Approval–supervision linkage (审管联动): pushed through the outbox by the libcurl worker'
\echo '   (the departments'' systems are played by scripts/http_fixture.py on 127.0.0.1:' :fixture_port ')'
CREATE ROLE gsbd_city LOGIN IN ROLE sv_officer;          -- the administrative approval bureau
SET ROLE pds_admin;
SELECT sv.staff_add('gsbd_city', 1, '410400') > 0 AS gsbd_mapped;
SELECT sv.endpoint_save('pds-msa-linkage', 'http://127.0.0.1:' || :'fixture_port' || '/accept/msa', auth => 'hmac_sha256',
                        department_id => 4) AS endpoint,
       sv.endpoint_save('pds-gsbd-linkage', 'http://127.0.0.1:' || :'fixture_port' || '/accept/gsbd', auth => 'bearer',
                        department_id => 1) AS endpoint;
SELECT sv.endpoint_set_secret('pds-msa-linkage', 'demo-hmac-key-of-market-regulation'),
       sv.endpoint_set_secret('pds-gsbd-linkage', 'demo-bearer-token-of-the-bureau');
SELECT sv.linkage_endpoint_set(4, 'pds-msa-linkage'), sv.linkage_endpoint_set(1, 'pds-gsbd-linkage');
SELECT sv.power_item_save('PDS-XK-SP-001', '食品经营许可', 'licensing', 4,
         '[{"law": "中华人民共和国食品安全法", "article": "第三十五条"}]', approving_department_id => 1, centralised => true) > 0 AS power_item;
SELECT sv.linkage_rule_set('PDS-XK-SP-001', first_action_days => 10, ack_days => 3);
RESET ROLE;
\echo '   the approval system reports a food licence granted by the approval bureau; market regulation supervises:'
SET ROLE amr_feed;
SELECT sv.approval_receive(jsonb_build_object('approval_id', 'SP-2026-000123', 'uscc', '91410400MA44L0X1Q8',
  'subject_name', '平顶山市鹰城食品有限公司', 'power_code', 'PDS-XK-SP-001', 'decision', 'renewed',
  'licence_no', 'JY14104020012345', 'decided_on', sv.local_date(now()), 'valid_until', sv.local_date(now()) + 1826,
  'approving_department', '410400-GSBD')) AS linkage_id \gset
RESET ROLE;
SELECT l.id, d.name_zh AS supervising_department, l.claim_due, l.first_action_due FROM sv.linkage l
JOIN sv.department d ON d.id = l.supervising_department_id WHERE l.id = :linkage_id;
-- the worker was woken at commit; give it a moment
DO $$ BEGIN
  FOR i IN 1 .. 100 LOOP
    EXIT WHEN (SELECT count(*) = 0 FROM sv.outbox WHERE status IN ('pending', 'in_flight'));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT endpoint, kind, status, attempts, last_status, delivered_at - created_at AS commit_to_delivery FROM sv.outbox ORDER BY id;
\echo '   market regulation claims (签收), inspects and fines; the penalty goes back to the bureau (双回路):'
SET ROLE msa_city;
SELECT sv.linkage_claim(:linkage_id) IS NOT NULL AS claimed;
SELECT sv.linkage_report(:linkage_id, 'inspected_compliant', '许可延续后首次检查:证照一致,现场未发现问题', 'JC-2026-1201') > 0 AS reported;
SELECT sv.linkage_report(:linkage_id, 'penalty', '超范围经营冷食类食品,罚款2万元,责令改正', '平市监罚〔2026〕88号') AS result_id \gset
RESET ROLE;
DO $$ BEGIN
  FOR i IN 1 .. 100 LOOP
    EXIT WHEN (SELECT count(*) = 0 FROM sv.outbox WHERE status IN ('pending', 'in_flight'));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SET ROLE gsbd_city;
SELECT sv.linkage_acknowledge(:result_id, '已收到处罚结果,纳入许可证后续核查') IS NOT NULL AS acknowledged;
SELECT step, department_id, due_on, done_at IS NOT NULL AS done, overdue, done_late FROM sv_work.linkage_loop ORDER BY step;
RESET ROLE;
SET ROLE supervision_office;
SELECT endpoint, pending, in_flight, delivered, retrying, failed, dead FROM sv_work.outbox_counters ORDER BY endpoint;
SELECT pid IS NOT NULL AS worker_running, delivered, retried, dead FROM sv.push_worker_status();
RESET ROLE;
