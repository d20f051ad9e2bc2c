-- The Chinese lunar calendar and the 清明 solar term (src/calendar/), and the provisional
-- working-day calendar built on them for years without a State Council notice.
-- The full 1901-2099 comparison with an independent table is t/006_lunar.pl.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
BEGIN;
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- no other test's notices for later years (everything here is rolled back)
DELETE FROM sv.calendar_notice WHERE year > 2026;

-- 春节 (正月初一) 2000-2030, as published.
SELECT y, known, sv.lunar_to_gregorian(y, 1, 1) AS computed, sv.lunar_to_gregorian(y, 1, 1) = known AS same
FROM (VALUES (2000, '2000-02-05'::date), (2001, '2001-01-24'), (2002, '2002-02-12'), (2003, '2003-02-01'),
             (2004, '2004-01-22'), (2005, '2005-02-09'), (2006, '2006-01-29'), (2007, '2007-02-18'),
             (2008, '2008-02-07'), (2009, '2009-01-26'), (2010, '2010-02-14'), (2011, '2011-02-03'),
             (2012, '2012-01-23'), (2013, '2013-02-10'), (2014, '2014-01-31'), (2015, '2015-02-19'),
             (2016, '2016-02-08'), (2017, '2017-01-28'), (2018, '2018-02-16'), (2019, '2019-02-05'),
             (2020, '2020-01-25'), (2021, '2021-02-12'), (2022, '2022-02-01'), (2023, '2023-01-22'),
             (2024, '2024-02-10'), (2025, '2025-01-29'), (2026, '2026-02-17'), (2027, '2027-02-06'),
             (2028, '2028-01-26'), (2029, '2029-02-13'), (2030, '2030-02-03')) v(y, known)
ORDER BY y;

-- 清明 2020-2030, as published.
SELECT y, known, sv.qingming(y) AS computed, sv.qingming(y) = known AS same
FROM (VALUES (2020, '2020-04-04'::date), (2021, '2021-04-04'), (2022, '2022-04-05'), (2023, '2023-04-05'),
             (2024, '2024-04-04'), (2025, '2025-04-04'), (2026, '2026-04-05'), (2027, '2027-04-05'),
             (2028, '2028-04-04'), (2029, '2029-04-04'), (2030, '2030-04-05')) v(y, known)
ORDER BY y;

-- Leap months: 2023 闰二月, 2025 闰六月, 2033 闰十一月 (the month without a principal term
-- after the winter solstice), and the lunar date of a few days.
SELECT sv.lunar_to_gregorian(2023, 2, 1, true) AS leap_2_2023, sv.lunar_to_gregorian(2025, 6, 1, true) AS leap_6_2025,
       sv.lunar_to_gregorian(2033, 11, 1, true) AS leap_11_2033, sv.lunar_to_gregorian(2033, 11, 1) AS month_11_2033;
SELECT sv.lunar_to_gregorian(2026, 8, 15) AS mid_autumn_2026;
SELECT d, (sv.gregorian_to_lunar(d)).*
FROM unnest(ARRAY['1901-01-01', '2025-01-28', '2025-01-29', '2025-08-01', '2026-12-05', '2034-01-01',
                  '2100-12-31']::date[]) d;
-- Every day from 1901 to 2100 goes there and back.
SELECT count(*) AS days, count(*) FILTER (WHERE sv.lunar_to_gregorian(l.lunar_year, l.month, l.day, l.leap) <> g::date) AS mismatches
FROM generate_series('1901-01-01'::date, '2100-12-31', '1 day') g, sv.gregorian_to_lunar(g::date) l
WHERE l.lunar_year >= 1901;

-- Errors name the argument: 22023 outside the range, 22004 for NULL.
SELECT call, pg_temp.try(call) AS outcome FROM (VALUES
  ($$SELECT sv.lunar_to_gregorian(1900, 1, 1)$$),
  ($$SELECT sv.lunar_to_gregorian(2101, 1, 1)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, 0, 1)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, 13, 1)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, 1, 0)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, 1, 31)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, 12, 30)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, 5, 1, true)$$),
  ($$SELECT sv.lunar_to_gregorian(NULL, 1, 1)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, NULL, 1)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, 1, NULL)$$),
  ($$SELECT sv.lunar_to_gregorian(2026, 1, 1, NULL)$$),
  ($$SELECT sv.gregorian_to_lunar('1900-12-31')$$),
  ($$SELECT sv.gregorian_to_lunar('2101-01-01')$$),
  ($$SELECT sv.gregorian_to_lunar('infinity')$$),
  ($$SELECT sv.gregorian_to_lunar(NULL)$$),
  ($$SELECT sv.qingming(1900)$$),
  ($$SELECT sv.qingming(2101)$$),
  ($$SELECT sv.qingming(NULL)$$),
  ($$SELECT sv.calendar_status(1900)$$),
  ($$SELECT sv.calendar_status(NULL)$$),
  ($$SELECT * FROM sv.calendar_provisional_days(2101)$$),
  ($$SELECT * FROM sv.calendar_provisional_days(NULL)$$),
  ($$SELECT sv.is_workday('1900-12-31')$$),
  ($$SELECT sv.add_workdays('2100-12-20', 20)$$),
  ($$SELECT sv.add_workdays('1901-01-10', -20)$$),
  ($$SELECT sv.workdays_between('2100-12-01', '2101-01-15')$$)
) c(call);

-- The provisional calendar: years without a notice.
SELECT y, sv.calendar_status(y) FROM generate_series(2023, 2028) y;
SELECT * FROM sv.calendar_provisional_days(2027);
-- the rules in force: 2024 (春节 初一-初三, 劳动节 1 day), 2020 (中秋 on National Day),
-- 2010 (除夕 to 初二), 2005 (no 清明/端午/中秋, 劳动节 3 days), 1990 (国庆 2 days)
SELECT y, string_agg(to_char(p.day, 'MM-DD') || ' ' || p.festival, ', ' ORDER BY p.day) AS days
FROM unnest(ARRAY[2024, 2020, 2010, 2005, 1990]) y, sv.calendar_provisional_days(y) p
GROUP BY y ORDER BY y DESC;

-- Against truth: every statutory day the provisional generator marks for 2024, 2025 and 2026
-- is a rest day in the State Council's notice (which adds more days and 调休 on top).
SELECT y, count(*) AS statutory_days,
       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM sv.calendar_day c
                                          WHERE c.day = p.day AND c.kind = 'holiday' AND c.source = 'shipped')
                          AND (extract(isodow FROM p.day) < 6
                               OR EXISTS (SELECT 1 FROM sv.calendar_day c
                                          WHERE c.day = p.day AND c.kind = 'workday' AND c.source = 'shipped')))
         AS working_in_notice
FROM generate_series(2024, 2026) y, sv.calendar_provisional_days(y) p
GROUP BY y ORDER BY y;

-- Deadlines into a provisional year are computed, not refused.
SELECT d, to_char(d, 'Dy') AS dow, sv.is_workday(d) AS workday
FROM unnest(ARRAY['2027-01-01', '2027-01-04', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10',
                  '2027-04-05', '2027-05-03', '2027-05-04', '2027-06-09', '2027-09-15', '2027-10-04',
                  '2027-10-09']::date[]) d;
SELECT sv.add_workdays('2026-12-20', 20) AS into_2027, sv.add_workdays('2027-01-29', 10) AS across_spring_festival,
       sv.workdays_between('2026-12-01', '2027-01-15') AS dec_to_jan, sv.add_workdays('2023-12-29', 1) AS from_2023,
       sv.add_workdays('2024-01-02', -1) AS back_into_2023;
-- add_workdays(a, workdays_between(a, b)) = b for every working day b of 2027 and 2028
SELECT count(*) AS checked,
       count(*) FILTER (WHERE sv.add_workdays('2027-03-01', sv.workdays_between('2027-03-01', d::date)) <> d::date) AS mismatches
FROM generate_series('2027-01-01'::date, '2028-12-31', '1 day') d WHERE sv.is_workday(d::date);

-- A loaded notice wins over the provisional days (here a test notice, rolled back below).
SELECT sv.calendar_load(2027, '国务院办公厅关于2027年部分节假日安排的通知(测试)', '2026-11-20', $$[
  {"festival": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
  {"festival": "春节", "from": "2027-02-05", "to": "2027-02-11", "workdays": ["2027-02-13"]}
]$$) AS days_loaded;
SELECT sv.calendar_status(2027), sv.is_workday('2027-02-11') AS feb_11, sv.is_workday('2027-02-13') AS makeup_saturday,
       sv.is_workday('2027-04-05') AS qingming_not_in_test_notice, sv.add_workdays('2026-12-20', 20) AS into_2027;
DELETE FROM sv.calendar_notice WHERE year = 2027;
SELECT sv.calendar_status(2027) AS notice_removed, sv.is_workday('2027-02-08') AS provisional_again;
ROLLBACK;
