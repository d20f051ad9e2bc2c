-- ---------------------------------------------------------------------------------------------
-- 25_portals: the first views of the three reading surfaces.
--   sv_work   (work portal, officials): security_invoker views, so each caller's row-level
--             scope applies; sv.security_check() reports a work-portal view that is not.
--   sv_public (service portal): owner-run views of published data only.
--   sv_bi     (analysis): aggregates with stable English column names and Chinese comments.
-- Later capabilities add their views here, following the same rules.
-- ---------------------------------------------------------------------------------------------

CREATE VIEW sv_work.my_scope WITH (security_invoker = true) AS
  SELECT * FROM sv.current_scope();
COMMENT ON VIEW sv_work.my_scope IS '我的权限范围 / Who I am for the platform: department, region scope, whether I see everything';
COMMENT ON COLUMN sv_work.my_scope.role_name IS '登录角色名';
COMMENT ON COLUMN sv_work.my_scope.staff_id IS '人员映射编号';
COMMENT ON COLUMN sv_work.my_scope.department_id IS '部门编号';
COMMENT ON COLUMN sv_work.my_scope.department_code IS '部门代码';
COMMENT ON COLUMN sv_work.my_scope.department_name IS '部门名称';
COMMENT ON COLUMN sv_work.my_scope.region_code IS '行政区划代码';
COMMENT ON COLUMN sv_work.my_scope.region_name IS '行政区划名称';
COMMENT ON COLUMN sv_work.my_scope.regions IS '可查看的行政区划代码(本级及下级)';
COMMENT ON COLUMN sv_work.my_scope.sees_all IS '是否可查看全部部门';
COMMENT ON COLUMN sv_work.my_scope.is_admin IS '是否平台管理员';

CREATE VIEW sv_work.staff WITH (security_invoker = true) AS
  SELECT s.id AS staff_id, s.role_name, s.department_id, d.code AS department_code, d.name_zh AS department_name,
         s.region_code, r.name_zh AS region_name, s.valid_from, s.valid_to,
         (s.valid_from <= sv.local_date(now()) AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(now()))) AS in_force
  FROM sv.staff s
  JOIN sv.department d ON d.id = s.department_id
  JOIN sv.region r ON r.code = s.region_code;
COMMENT ON VIEW sv_work.staff IS '人员映射 / Staff mappings the caller may see (own department within own region scope)';
COMMENT ON COLUMN sv_work.staff.staff_id IS '人员映射编号';
COMMENT ON COLUMN sv_work.staff.role_name IS '登录角色名';
COMMENT ON COLUMN sv_work.staff.department_id IS '部门编号';
COMMENT ON COLUMN sv_work.staff.department_code IS '部门代码';
COMMENT ON COLUMN sv_work.staff.department_name IS '部门名称';
COMMENT ON COLUMN sv_work.staff.region_code IS '行政区划代码';
COMMENT ON COLUMN sv_work.staff.region_name IS '行政区划名称';
COMMENT ON COLUMN sv_work.staff.valid_from IS '生效日期';
COMMENT ON COLUMN sv_work.staff.valid_to IS '失效日期(含当日;空表示长期有效)';
COMMENT ON COLUMN sv_work.staff.in_force IS '今日是否有效';

CREATE VIEW sv_work.audit_trail WITH (security_invoker = true) AS
  SELECT l.seq, l.recorded_at, l.actor_session, l.actor_role, l.department_id, d.name_zh AS department_name,
         l.object_kind, l.object_id, l.action, l.change::jsonb AS change
  FROM sv.audit_log l
  LEFT JOIN sv.department d ON d.id = l.department_id;
COMMENT ON VIEW sv_work.audit_trail IS '审计记录 / Audit records the caller may see (own department; everything for the supervision office)';
COMMENT ON COLUMN sv_work.audit_trail.seq IS '审计序号';
COMMENT ON COLUMN sv_work.audit_trail.recorded_at IS '记录时间';
COMMENT ON COLUMN sv_work.audit_trail.actor_session IS '登录用户';
COMMENT ON COLUMN sv_work.audit_trail.actor_role IS '操作角色';
COMMENT ON COLUMN sv_work.audit_trail.department_id IS '部门编号';
COMMENT ON COLUMN sv_work.audit_trail.department_name IS '部门名称';
COMMENT ON COLUMN sv_work.audit_trail.object_kind IS '对象类型';
COMMENT ON COLUMN sv_work.audit_trail.object_id IS '对象标识';
COMMENT ON COLUMN sv_work.audit_trail.action IS '操作';
COMMENT ON COLUMN sv_work.audit_trail.change IS '变更内容(JSON)';

CREATE VIEW sv_public.region AS
  SELECT code, name_zh, name_en, level, sv.label_zh('region.level', level) AS level_zh, parent_code FROM sv.region;
COMMENT ON VIEW sv_public.region IS '行政区划 / Administrative divisions and functional zones';
COMMENT ON COLUMN sv_public.region.code IS '行政区划代码';
COMMENT ON COLUMN sv_public.region.name_zh IS '名称(中文)';
COMMENT ON COLUMN sv_public.region.name_en IS '名称(英文)';
COMMENT ON COLUMN sv_public.region.level IS '层级代码:country 国家, province 省级, prefecture 地级, county 县级, zone 功能区';
COMMENT ON COLUMN sv_public.region.level_zh IS '层级';
COMMENT ON COLUMN sv_public.region.parent_code IS '上级行政区划代码';
CREATE VIEW sv_public.department AS
  SELECT code, name_zh, name_en, level, sv.label_zh('department.level', level) AS level_zh, region_code
  FROM sv.department;
COMMENT ON VIEW sv_public.department IS '政府部门 / Government departments';
COMMENT ON COLUMN sv_public.department.code IS '部门代码';
COMMENT ON COLUMN sv_public.department.name_zh IS '部门名称(中文)';
COMMENT ON COLUMN sv_public.department.name_en IS '部门名称(英文)';
COMMENT ON COLUMN sv_public.department.level IS '层级代码:national 国家级, provincial 省级, city 市级, county 县级';
COMMENT ON COLUMN sv_public.department.level_zh IS '层级';
COMMENT ON COLUMN sv_public.department.region_code IS '所属行政区划代码';
CREATE VIEW sv_public.holiday AS
  SELECT day, kind, sv.label_zh('calendar_day.kind', kind) AS kind_zh, festival, year FROM sv.calendar_day_in_force;
COMMENT ON VIEW sv_public.holiday IS '法定节假日与调休上班日 / Official holidays and make-up working days in force (State Council notices)';
COMMENT ON COLUMN sv_public.holiday.day IS '日期';
COMMENT ON COLUMN sv_public.holiday.kind IS '类型代码:holiday 放假, workday 调休上班';
COMMENT ON COLUMN sv_public.holiday.kind_zh IS '类型';
COMMENT ON COLUMN sv_public.holiday.festival IS '节日名称';
COMMENT ON COLUMN sv_public.holiday.year IS '所依据通知的年度';
CREATE VIEW sv_public.audit_head AS
  SELECT seq, hash, recorded_at, lanes FROM sv.audit_head();
COMMENT ON VIEW sv_public.audit_head IS
  '审计链链头 / The published head of the audit chain: anyone holding an earlier head can check the chain still contains it';
COMMENT ON COLUMN sv_public.audit_head.seq IS '最新审计序号';
COMMENT ON COLUMN sv_public.audit_head.hash IS '链头哈希值(SHA-256,十六进制)';
COMMENT ON COLUMN sv_public.audit_head.recorded_at IS '记录时间';
COMMENT ON COLUMN sv_public.audit_head.lanes IS '链头覆盖的各审计通道(通道:序号)';

CREATE VIEW sv_bi.staff_by_department AS
  SELECT d.code AS department_code, d.name_zh AS department_name, s.region_code,
         count(*) FILTER (WHERE s.valid_from <= sv.local_date(now())
                            AND (s.valid_to IS NULL OR s.valid_to >= sv.local_date(now()))) AS staff_in_force,
         count(*) AS staff_ever
  FROM sv.staff s JOIN sv.department d ON d.id = s.department_id
  GROUP BY d.code, d.name_zh, s.region_code;
COMMENT ON VIEW sv_bi.staff_by_department IS '各部门在岗人员 / staff mappings per department and region';
COMMENT ON COLUMN sv_bi.staff_by_department.department_code IS '部门代码';
COMMENT ON COLUMN sv_bi.staff_by_department.department_name IS '部门名称';
COMMENT ON COLUMN sv_bi.staff_by_department.region_code IS '行政区划代码';
COMMENT ON COLUMN sv_bi.staff_by_department.staff_in_force IS '在岗人数';
COMMENT ON COLUMN sv_bi.staff_by_department.staff_ever IS '累计人数';

CREATE VIEW sv_bi.audit_activity AS
  SELECT a.day, a.department_id, d.name_zh AS department_name, a.object_kind, a.action, a.records
  FROM (SELECT sv.local_date(l.recorded_at) AS day, l.department_id, l.object_kind, l.action, count(*) AS records
        FROM sv.audit_log l
        GROUP BY 1, 2, 3, 4) a
  LEFT JOIN sv.department d ON d.id = a.department_id;
COMMENT ON VIEW sv_bi.audit_activity IS '审计记录统计 / audit records per day, department, object kind and action';
COMMENT ON COLUMN sv_bi.audit_activity.day IS '日期';
COMMENT ON COLUMN sv_bi.audit_activity.department_id IS '部门编号';
COMMENT ON COLUMN sv_bi.audit_activity.department_name IS '部门名称';
COMMENT ON COLUMN sv_bi.audit_activity.object_kind IS '对象类型';
COMMENT ON COLUMN sv_bi.audit_activity.action IS '操作';
COMMENT ON COLUMN sv_bi.audit_activity.records IS '记录数';

-- The dictionary itself, for BI tools and anyone who joins codes to labels on their side.
CREATE VIEW sv_public.code_label AS
  SELECT l.domain, l.code, l.label_zh, l.sort_order FROM sv.code_label l;
COMMENT ON VIEW sv_public.code_label IS '代码中文名称对照表 (labels of code values)';
COMMENT ON COLUMN sv_public.code_label.domain IS '代码集(表.字段)';
COMMENT ON COLUMN sv_public.code_label.code IS '代码';
COMMENT ON COLUMN sv_public.code_label.label_zh IS '中文名称';
COMMENT ON COLUMN sv_public.code_label.sort_order IS '排列顺序';

GRANT SELECT ON ALL TABLES IN SCHEMA sv_work TO sv_officer, sv_admin, sv_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA sv_public TO sv_public, sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
GRANT SELECT ON ALL TABLES IN SCHEMA sv_bi TO sv_bi, sv_auditor, sv_admin;
