-- ---------------------------------------------------------------------------------------------
-- 21_calendar_data: the State Council notices shipped with the extension (2024, 2025, 2026),
-- loaded through the same code as administrators' notices (sv.calendar_load), as source 'shipped'.
-- ---------------------------------------------------------------------------------------------

SELECT sv._calendar_load(2024, '国务院办公厅关于2024年部分节假日安排的通知', '2023-10-25', $$[
  {"festival": "元旦",   "from": "2024-01-01", "to": "2024-01-01"},
  {"festival": "春节",   "from": "2024-02-10", "to": "2024-02-17", "workdays": ["2024-02-04", "2024-02-18"]},
  {"festival": "清明节", "from": "2024-04-04", "to": "2024-04-06", "workdays": ["2024-04-07"]},
  {"festival": "劳动节", "from": "2024-05-01", "to": "2024-05-05", "workdays": ["2024-04-28", "2024-05-11"]},
  {"festival": "端午节", "from": "2024-06-08", "to": "2024-06-10"},
  {"festival": "中秋节", "from": "2024-09-15", "to": "2024-09-17", "workdays": ["2024-09-14"]},
  {"festival": "国庆节", "from": "2024-10-01", "to": "2024-10-07", "workdays": ["2024-09-29", "2024-10-12"]}
]$$, '国办发明电〔2023〕7号', false, 'shipped');

SELECT sv._calendar_load(2025, '国务院办公厅关于2025年部分节假日安排的通知', '2024-11-12', $$[
  {"festival": "元旦",          "from": "2025-01-01", "to": "2025-01-01"},
  {"festival": "春节",          "from": "2025-01-28", "to": "2025-02-04", "workdays": ["2025-01-26", "2025-02-08"]},
  {"festival": "清明节",        "from": "2025-04-04", "to": "2025-04-06"},
  {"festival": "劳动节",        "from": "2025-05-01", "to": "2025-05-05", "workdays": ["2025-04-27"]},
  {"festival": "端午节",        "from": "2025-05-31", "to": "2025-06-02"},
  {"festival": "国庆节、中秋节", "from": "2025-10-01", "to": "2025-10-08", "workdays": ["2025-09-28", "2025-10-11"]}
]$$, '国办发明电〔2024〕12号', false, 'shipped');

SELECT sv._calendar_load(2026, '国务院办公厅关于2026年部分节假日安排的通知', '2025-11-04', $$[
  {"festival": "元旦",   "from": "2026-01-01", "to": "2026-01-03", "workdays": ["2026-01-04"]},
  {"festival": "春节",   "from": "2026-02-15", "to": "2026-02-23", "workdays": ["2026-02-14", "2026-02-28"]},
  {"festival": "清明节", "from": "2026-04-04", "to": "2026-04-06"},
  {"festival": "劳动节", "from": "2026-05-01", "to": "2026-05-05", "workdays": ["2026-05-09"]},
  {"festival": "端午节", "from": "2026-06-19", "to": "2026-06-21"},
  {"festival": "中秋节", "from": "2026-09-25", "to": "2026-09-27"},
  {"festival": "国庆节", "from": "2026-10-01", "to": "2026-10-07", "workdays": ["2026-09-20", "2026-10-10"]}
]$$, NULL, false, 'shipped');

-- Shipped rows are recreated by CREATE EXTENSION, so pg_dump leaves them out.
UPDATE sv.calendar_notice SET loaded_by = 'sv_platform' WHERE source = 'shipped';
