-- The working-day calendar: State Council notices 2024-2026, deadlines, loading a new year.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

SELECT year, source, title, notice_no, issued_on FROM sv.calendar_notice ORDER BY year;
SELECT year, count(*) FILTER (WHERE kind = 'holiday') AS holidays,
       count(*) FILTER (WHERE kind = 'workday') AS makeup_workdays FROM sv.calendar_day GROUP BY year ORDER BY year;
-- make-up working days are all weekend days
SELECT day, to_char(day, 'Dy') AS dow, festival FROM sv.calendar_day WHERE kind = 'workday' ORDER BY day;

-- Working days per year: weekdays - holidays on weekdays + make-up days.
SELECT y, sv.workdays_between(make_date(y, 1, 1), make_date(y, 12, 31))
          + sv.is_workday(make_date(y, 1, 1))::int AS workdays
FROM generate_series(2024, 2026) y;

-- is_workday on every kind of day.
SELECT d, to_char(d, 'Dy') AS dow, sv.is_workday(d) AS workday
FROM unnest(ARRAY['2026-01-01', '2026-01-02', '2026-01-04', '2026-01-05', '2026-02-14', '2026-02-15',
                  '2026-02-20', '2026-02-23', '2026-02-24', '2026-02-28', '2026-06-19', '2026-10-08',
                  '2026-10-10', '2026-10-11', '2026-11-27', '2026-11-28', '2024-02-18', '2025-09-28',
                  '2025-10-08']::date[]) d;

-- Deadlines: the start day is not counted, day 1 is the first working day after it.
SELECT start, n, sv.add_workdays(start, n) AS deadline
FROM (VALUES ('2026-09-30'::date, 20),   -- across the National Day week and the 10-10 make-up day
             ('2026-02-13', 1),          -- Friday before Spring Festival: 2-14 is a make-up Saturday
             ('2026-02-14', 1),          -- from the make-up day: next is 2-24
             ('2026-02-14', 5),
             ('2026-11-27', 0),
             ('2026-11-28', 0),          -- n = 0 returns the day itself, even a Saturday
             ('2026-11-27', 1),
             ('2026-11-27', 15),         -- still inside 2026
             ('2024-12-31', 1),          -- across a year boundary (2025-01-01 is a holiday)
             ('2025-12-31', 2),          -- 2026-01-01..03 holiday, 01-04 make-up Sunday
             ('2026-10-08', -1),         -- backwards: the working day before
             ('2026-10-09', -2),
             ('2025-01-02', -1),          -- 2025-01-01 is a holiday
             ('2024-01-03', -1)) v(start, n);

-- workdays_between counts like add_workdays, in both directions.
SELECT a, b, sv.workdays_between(a, b) AS between
FROM (VALUES ('2026-09-30'::date, '2026-11-03'::date), ('2026-11-03', '2026-09-30'), ('2026-10-01', '2026-10-07'),
             ('2026-02-13', '2026-02-14'), ('2026-11-27', '2026-11-27'), ('2024-12-31', '2026-01-05')) v(a, b);
-- add_workdays(a, workdays_between(a, b)) = b for every working day b of 2025 and 2026
SELECT count(*) AS checked,
       count(*) FILTER (WHERE sv.add_workdays('2025-03-01', sv.workdays_between('2025-03-01', d::date)) <> d::date) AS mismatches
FROM generate_series('2025-01-01'::date, '2026-12-31', '1 day') d WHERE sv.is_workday(d::date);

-- Years without a loaded notice are provisional (weekends and the statutory holidays, see
-- calendar_lunar): deadlines into them are computed, not refused.
SELECT sv.is_workday('2023-12-29');
SELECT sv.is_workday('2027-01-04');
SELECT sv.add_workdays('2026-12-20', 20);
SELECT sv.add_workdays('2024-01-05', -5);
SELECT sv.add_workdays('2024-01-02', -1);     -- 2024-01-01 is a holiday: the answer is in 2023
SELECT sv.add_workdays('2023-12-31', 1);
SELECT sv.workdays_between('2026-12-01', '2027-01-15');
SELECT sv.workdays_between('2022-06-01', '2025-01-15');
-- other bad input
SELECT sv.is_workday('infinity');
SELECT sv.add_workdays('-infinity', 1);
SELECT sv.add_workdays('2026-01-05', 4000);
SELECT sv.workdays_between('2026-01-05', 'infinity');
SELECT sv.is_workday(NULL) AS n1, sv.add_workdays(NULL, 1) AS n2, sv.add_workdays('2026-01-05', NULL) AS n3,
       sv.workdays_between(NULL, '2026-01-05') AS n4;

-- sv.local_date: the legal date in sv.timezone (Asia/Shanghai by default), not the session's.
SET TimeZone = 'UTC';
SHOW sv.timezone;
SELECT sv.local_date('2026-01-01 15:59:59+00') AS before_midnight_beijing,
       sv.local_date('2026-01-01 16:00:00+00') AS after_midnight_beijing,
       ('2026-01-01 16:00:00+00'::timestamptz)::date AS session_date;
SELECT sv.add_workdays(sv.local_date('2026-09-30 17:00:00+00'), 20) AS deadline_from_a_late_complaint;
SET sv.timezone = 'Europe/London';
SELECT sv.local_date('2026-01-01 16:00:00+00') AS london;
SET sv.timezone = 'Nowhere/Nothing';
SET sv.timezone = '';
RESET sv.timezone;
SELECT sv.local_date('infinity') AS inf, sv.local_date('-infinity') AS neg_inf, sv.local_date(NULL) AS null_ts;
RESET TimeZone;

-- Loading a year: only administrators, validated, atomic.
CREATE ROLE regress_cal_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_cal_officer LOGIN IN ROLE sv_officer;
SET ROLE regress_cal_officer;
SELECT sv.calendar_load(2027, 'x', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01"}]');
INSERT INTO sv.calendar_notice (year, title, issued_on) VALUES (2027, 'x', '2026-11-01');
RESET ROLE;
SET ROLE regress_cal_admin;
-- every error names its field, and nothing is written
SELECT sv.calendar_load(NULL, 't', '2026-11-01', '[]');
SELECT sv.calendar_load(2027, NULL, '2026-11-01', '[]');
SELECT sv.calendar_load(2027, 't', NULL, '[]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', NULL);
SELECT sv.calendar_load(1999, 't', '1998-11-01', '[{}]');
SELECT sv.calendar_load(2027, ' ', '2026-11-01', '[{}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{}]', notice_no => '');
SELECT sv.calendar_load(2027, 't', '2028-01-01', '[{}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '{}');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[1]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"from": "2027-01-01", "to": "2027-01-01"}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-01"}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-13-01", "to": "2027-01-01"}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-03", "to": "2027-01-01"}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "春节", "from": "2027-02-01", "to": "2027-02-28"}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2028-05-01", "to": "2028-05-01"}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01", "workdays": "2027-01-02"}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01", "workdays": ["2027-01-04"]}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01", "workdays": ["2028-06-03"]}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01", "workdays": ["soon"]}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-03"}, {"festival": "x", "from": "2027-01-03", "to": "2027-01-03"}]');
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2025-12-31", "to": "2026-01-01"}]');
SELECT sv.calendar_load(2027, 't', '2025-12-31', '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01"}]');
SELECT sv.calendar_load(2026, 't', '2025-11-01', '[{"festival": "元旦", "from": "2026-01-01", "to": "2026-01-01"}]');
SELECT count(*) AS notices, (SELECT count(*) FROM sv.calendar_day) AS days FROM sv.calendar_notice;

-- A plausible 2027 notice (for the test only: not the real one), loaded in one call.
SELECT sv.calendar_load(2027, '国务院办公厅关于2027年部分节假日安排的通知(测试)', '2026-11-20', $$[
  {"festival": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
  {"festival": "春节", "from": "2027-02-05", "to": "2027-02-11", "workdays": ["2027-02-13"]}
]$$, notice_no => '测试〔2026〕1号') AS days_loaded;
RESET ROLE;
SELECT year, source, title, notice_no, loaded_by FROM sv.calendar_notice WHERE year = 2027;
SELECT sv.add_workdays('2026-12-20', 20) AS now_computable, sv.is_workday('2027-02-13') AS makeup_saturday;
SET ROLE regress_cal_admin;
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01"}]');
-- a corrected notice replaces the year whole
SELECT sv.calendar_load(2027, '国务院办公厅关于2027年部分节假日安排的通知(测试,更正)', '2026-11-25', $$[
  {"festival": "元旦", "from": "2027-01-01", "to": "2027-01-01"}
]$$, replace => true) AS days_after_replace;
RESET ROLE;
SELECT day, kind, festival FROM sv.calendar_day WHERE year = 2027 ORDER BY day;
SELECT sv.is_workday('2027-02-08') AS no_longer_a_holiday;

-- Correcting a shipped year: the loaded notice overrides it; the shipped rows stay, unused.
SELECT sv.is_workday('2026-10-08') AS before_correction, sv.add_workdays('2026-09-30', 1) AS next_before;
SET ROLE regress_cal_admin;
SELECT sv.calendar_load(2026, 't', '2025-11-01', '[{"festival": "国庆节", "from": "2026-10-01", "to": "2026-10-08"}]');
SELECT sv.calendar_load(2026, '国务院办公厅关于2026年部分节假日安排的通知(测试更正)', '2026-09-01', $$[
  {"festival": "国庆节", "from": "2026-10-01", "to": "2026-10-08", "workdays": ["2026-10-10"]}
]$$, replace => true) AS corrected_days;
RESET ROLE;
SELECT year, source, title FROM sv.calendar_notice WHERE year = 2026 ORDER BY source;
SELECT year, source, title FROM sv.calendar_notice_in_force WHERE year = 2026;
SELECT sv.is_workday('2026-10-08') AS after_correction, sv.is_workday('2026-02-16') AS spring_festival_no_longer_listed,
       sv.add_workdays('2026-09-30', 1) AS next_after;
SELECT count(*) AS shipped_2026_days_kept FROM sv.calendar_day WHERE year = 2026 AND source = 'shipped';
-- 2028 has no notice: counted on its provisional days
SELECT sv.workdays_between('2026-12-01', '2028-01-15');
-- a notice may not set a day that another notice in force already sets
SET ROLE regress_cal_admin;
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "元旦", "from": "2026-12-31", "to": "2027-01-01"}]', replace => true);
SELECT sv.calendar_load(2027, 't', '2026-11-01', '[{"festival": "x", "from": "2026-12-31", "to": "2026-12-31"}, {"festival": "y", "from": "2027-01-01", "to": "2027-01-01"}]', replace => true) AS new_year_eve_in_2027_notice;
SELECT sv.calendar_load(2026, 't', '2025-11-01', '[{"festival": "x", "from": "2026-12-31", "to": "2026-12-31"}]', replace => true);
RESET ROLE;
-- the shipped notice is back in force once the loaded one is removed (by the owner)
DELETE FROM sv.calendar_notice WHERE year = 2026 AND source = 'loaded';
SELECT sv.is_workday('2026-10-08') AS shipped_again;

DROP ROLE regress_cal_admin;
DROP ROLE regress_cal_officer;
