-- ---------------------------------------------------------------------------------------------
-- 11_department: the departments (部门) that supervise, receive pushes and are evaluated.
--
-- Table:   sv.department (stable id and code, Chinese and English names, level, region)
-- Shipped: the Pingdingshan city departments named in the city's plan.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.department (
  id          integer PRIMARY KEY CHECK (id > 0),
  code        text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{6}-[A-Z][A-Z0-9]{1,15}$'),
  name_zh     text NOT NULL CHECK (name_zh <> ''),
  name_en     text NOT NULL CHECK (name_en <> ''),
  level       text NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'county')),
  region_code text NOT NULL REFERENCES sv.region (code),
  builtin     boolean NOT NULL DEFAULT false,
  -- the code starts with the department's region, so codes stay unique across cities
  CHECK (left(code, 6) = region_code)
);
COMMENT ON TABLE sv.department IS 'Government departments; id and code are stable and never reused';
COMMENT ON COLUMN sv.department.code IS 'region code + short English key, e.g. 410400-MSA';
ALTER TABLE sv.department ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.department FORCE ROW LEVEL SECURITY;
CREATE POLICY department_read ON sv.department FOR SELECT USING (true);
SELECT pg_catalog.pg_extension_config_dump('sv.department', 'WHERE NOT builtin');

INSERT INTO sv.department (id, code, name_zh, name_en, level, region_code, builtin) VALUES
  (1,  '410400-GSBD',  '平顶山市政务服务和大数据管理局', 'Pingdingshan Government Services and Big Data Administration', 'city', '410400', true),
  (2,  '410400-DRC',   '平顶山市发展和改革委员会', 'Pingdingshan Development and Reform Commission', 'city', '410400', true),
  (3,  '410400-JUS',   '平顶山市司法局', 'Pingdingshan Justice Bureau', 'city', '410400', true),
  (4,  '410400-MSA',   '平顶山市市场监督管理局', 'Pingdingshan Market Supervision Administration', 'city', '410400', true),
  (5,  '410400-HURD',  '平顶山市住房和城乡建设局', 'Pingdingshan Housing and Urban-Rural Development Bureau', 'city', '410400', true),
  (6,  '410400-TRANS', '平顶山市交通运输局', 'Pingdingshan Transport Bureau', 'city', '410400', true),
  (7,  '410400-HEALTH','平顶山市卫生健康委员会', 'Pingdingshan Health Commission', 'city', '410400', true),
  (8,  '410400-WATER', '平顶山市水利局', 'Pingdingshan Water Resources Bureau', 'city', '410400', true),
  (9,  '410400-EMERG', '平顶山市应急管理局', 'Pingdingshan Emergency Management Bureau', 'city', '410400', true),
  (10, '410400-GOV',   '平顶山市人民政府办公室(市长热线办)', 'Pingdingshan Municipal Government General Office (Mayor''s Hotline Office)', 'city', '410400', true),
  (11, '410400-CDI',   '中共平顶山市纪律检查委员会 平顶山市监察委员会', 'Pingdingshan Commission for Discipline Inspection and Supervisory Commission', 'city', '410400', true);

-- sv:rerun (the labels of the level codes, 05_code_label: every update registers them again)
SELECT sv._code_label_register('department.level', ARRAY[['national', '国家级'], ['provincial', '省级'],
  ['city', '市级'], ['county', '县级']]);
