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
