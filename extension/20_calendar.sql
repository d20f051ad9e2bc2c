-- ---------------------------------------------------------------------------------------------
-- 20_calendar: the working-day calendar (工作日) for every legal deadline.
--
-- The State Council publishes each year's public holidays and make-up working days (调休) in a
-- notice (国务院办公厅关于X年部分节假日安排的通知).  A day is a working day when it is Monday to
-- Friday and not a holiday of the notice, or when the notice makes it a make-up working day.
-- A year whose notice is not loaded (yet) is *provisional*: Monday to Friday except the
-- statutory holidays of 《全国年节及纪念日放假办法》 in force that year, with the lunar dates
-- (春节, 端午, 中秋) and the 清明 solar term computed (src/calendar/), and no make-up working
-- days, which only a notice can give.  sv.calendar_status(year) says which a year is.
--
-- Tables:     sv.calendar_notice (per year: the shipped notice and/or an administrator's),
--             sv.calendar_day (the days each notice sets apart from Monday-to-Friday)
-- Views:      sv.calendar_notice_in_force, sv.calendar_day_in_force (what deadlines count with)
-- Functions:  sv.is_workday(date), sv.add_workdays(date, n), sv.workdays_between(date, date),
--             sv.calendar_status(year), sv.calendar_provisional_days(year),
--             sv.lunar_to_gregorian(...), sv.gregorian_to_lunar(date), sv.qingming(year),
--             sv.local_date(timestamptz), sv.calendar_load(...)   (sv_admin),
--             sv.calendar_provisional_between(date, date)
-- Deadlines:  sv.calendar_deadline (the registry of stored due dates), sv.deadline_recompute and
--             sv_work.deadline_recomputed (what loading a notice moved), sv.deadline_state (open,
--             due soon, overdue, done on time or late); see the end of this file, and 67_deadline.sql
--             for the obligations of every kind, their reminders and overdue notices
-- Convention: the start date is not counted; day 1 is the first working day after it.
-- Range:      1901-01-01 to 2100-12-31 (the lunar calendar's range); 22023 outside.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.calendar_notice (
  year       integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  -- 'shipped': installed with the extension; 'loaded': by an administrator.  A loaded notice
  -- for a year overrides the shipped one (a correction), and the two never share a key, so a
  -- dump of the loaded rows restores cleanly on top of a fresh CREATE EXTENSION.
  source     text NOT NULL CHECK (source IN ('shipped', 'loaded')),
  title      text NOT NULL CHECK (title <> ''),
  notice_no  text CHECK (notice_no <> ''),
  issued_on  date NOT NULL,
  loaded_by  name NOT NULL DEFAULT session_user,
  loaded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (year, source)
);
COMMENT ON TABLE sv.calendar_notice IS
  'State Council holiday notices, one per year and source; a year without a row has no calendar';

CREATE TABLE sv.calendar_day (
  day        date NOT NULL,
  year       integer NOT NULL,
  source     text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('holiday', 'workday')),
  festival   text NOT NULL CHECK (festival <> ''),
  PRIMARY KEY (day, source),
  FOREIGN KEY (year, source) REFERENCES sv.calendar_notice (year, source) ON DELETE CASCADE,
  -- a make-up working day is always a weekend day
  CHECK (kind = 'holiday' OR extract(isodow FROM day) >= 6)
);
CREATE INDEX calendar_day_year_idx ON sv.calendar_day (year, source);
COMMENT ON TABLE sv.calendar_day IS
  'Days that differ from the Monday-to-Friday rule: holidays (放假) and make-up working days (调休上班)';
COMMENT ON COLUMN sv.calendar_day.year IS 'the notice the day comes from (a notice may reach into the next or previous year)';

ALTER TABLE sv.calendar_notice ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.calendar_notice FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_notice_read ON sv.calendar_notice FOR SELECT USING (true);
ALTER TABLE sv.calendar_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.calendar_day FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_day_read ON sv.calendar_day FOR SELECT USING (true);
SELECT pg_catalog.pg_extension_config_dump('sv.calendar_notice', $$WHERE source = 'loaded'$$);
SELECT pg_catalog.pg_extension_config_dump('sv.calendar_day', $$WHERE source = 'loaded'$$);

-- The notices in force: per year the loaded one if any, else the shipped one.
CREATE VIEW sv.calendar_notice_in_force AS
  SELECT n.year, n.source, n.title, n.notice_no, n.issued_on, n.loaded_by, n.loaded_at
  FROM sv.calendar_notice n
  WHERE n.source = 'loaded'
     OR NOT EXISTS (SELECT 1 FROM sv.calendar_notice l WHERE l.year = n.year AND l.source = 'loaded');
COMMENT ON VIEW sv.calendar_notice_in_force IS 'The holiday notice in force for each loaded year';

CREATE VIEW sv.calendar_day_in_force AS
  SELECT d.day, d.year, d.kind, d.festival, d.source
  FROM sv.calendar_day d
  WHERE d.source = 'loaded'
     OR NOT EXISTS (SELECT 1 FROM sv.calendar_notice l WHERE l.year = d.year AND l.source = 'loaded');
COMMENT ON VIEW sv.calendar_day_in_force IS
  'Holidays and make-up working days of the notices in force: what every deadline counts with';


-- The Chinese lunar calendar and the 清明 solar term, computed (src/calendar/lunar.c).
CREATE OR REPLACE FUNCTION sv.lunar_to_gregorian(lunar_year integer, month integer, day integer, leap boolean DEFAULT false)
RETURNS date
AS 'MODULE_PATHNAME', 'sv_lunar_to_gregorian' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv.lunar_to_gregorian(integer, integer, integer, boolean) IS
  'The Gregorian date of a Chinese lunar date (农历, GB/T 33661-2017, Beijing time), lunar years 1901-2100';
CREATE OR REPLACE FUNCTION sv.gregorian_to_lunar(gregorian date,
                                      OUT lunar_year integer, OUT month integer, OUT day integer, OUT leap boolean)
AS 'MODULE_PATHNAME', 'sv_gregorian_to_lunar' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv.gregorian_to_lunar(date) IS
  'The Chinese lunar date (农历) of a Gregorian date from 1901-01-01 to 2100-12-31';
CREATE OR REPLACE FUNCTION sv.qingming(year integer) RETURNS date
AS 'MODULE_PATHNAME', 'sv_qingming' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sv.qingming(integer) IS
  'The date (Beijing time) of the 清明 solar term, the sun at 15 degrees, in a year 1901-2100';

-- A year argument of the calendar functions: 22004 when NULL, 22023 outside 1901-2100.
CREATE OR REPLACE FUNCTION sv._calendar_year(year integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF year IS NULL THEN
    RAISE EXCEPTION 'year must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF year NOT BETWEEN 1901 AND 2100 THEN
    RAISE EXCEPTION 'year must be between 1901 and 2100, not %', year USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN year;
END
$fn$;

-- The statutory holidays of 《全国年节及纪念日放假办法》 in force in a year (the festivals for
-- all citizens, not those for some groups such as 妇女节), without make-up working days:
--   1950-1999  政务院 1949-12-23: 元旦 1; 春节 3 (初一-初三); 劳动节 1 (5-1); 国庆 2 (10-1, 10-2)
--              (the revision of 1999-09-18 made 国庆 3 days from 1999)
--   2000-2007  国务院令第270号: 劳动节 3 (5-1..5-3), 国庆 3 (10-1..10-3)
--   2008-2013  国务院令第513号: 春节 除夕-初二; 清明 1; 劳动节 1; 端午 1; 中秋 1 (added)
--   2014-2024  国务院令第644号: 春节 初一-初三
--   2025-      国务院令第795号: 春节 4 (除夕-初三); 劳动节 2 (5-1, 5-2)
-- Years before 1950 (no statutory holidays of today's State) are given the 1949 rules.
-- A day that is two festivals (中秋 on 1 October, as in 2020) is listed once, naming both.
CREATE OR REPLACE FUNCTION sv.calendar_provisional_days(year integer)
RETURNS TABLE (day date, festival text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  y integer := sv._calendar_year(calendar_provisional_days.year);
  new_year date;   -- 正月初一
BEGIN
  new_year := sv.lunar_to_gregorian(y, 1, 1);
  RETURN QUERY
  SELECT f.d, string_agg(f.name, '、' ORDER BY f.o)
  FROM (
    SELECT make_date(y, 1, 1) AS d, '元旦' AS name, 1 AS o
    UNION ALL
    SELECT new_year + k, '春节', 2
    FROM generate_series(CASE WHEN y BETWEEN 2008 AND 2013 OR y >= 2025 THEN -1 ELSE 0 END,
                         CASE WHEN y BETWEEN 2008 AND 2013 THEN 1 ELSE 2 END) AS k
    UNION ALL
    SELECT sv.qingming(y), '清明节', 3 WHERE y >= 2008
    UNION ALL
    SELECT make_date(y, 5, 1) + k, '劳动节', 4
    FROM generate_series(0, CASE WHEN y BETWEEN 2000 AND 2007 THEN 2 WHEN y >= 2025 THEN 1 ELSE 0 END) AS k
    UNION ALL
    SELECT sv.lunar_to_gregorian(y, 5, 5), '端午节', 5 WHERE y >= 2008
    UNION ALL
    SELECT sv.lunar_to_gregorian(y, 8, 15), '中秋节', 7 WHERE y >= 2008
    UNION ALL
    SELECT make_date(y, 10, 1) + k, '国庆节', 6
    FROM generate_series(0, CASE WHEN y >= 1999 THEN 2 ELSE 1 END) AS k
  ) AS f
  GROUP BY f.d
  ORDER BY f.d;
END
$fn$;
COMMENT ON FUNCTION sv.calendar_provisional_days(integer) IS
  'The statutory holidays of a year by 《全国年节及纪念日放假办法》, without the notice''s make-up working days';

-- 'notice' when a State Council notice is loaded for the year, else 'provisional'.
CREATE OR REPLACE FUNCTION sv.calendar_status(year integer) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._calendar_year(year);
  RETURN CASE WHEN EXISTS (SELECT 1 FROM sv.calendar_notice n WHERE n.year = calendar_status.year)
              THEN 'notice' ELSE 'provisional' END;
END
$fn$;
COMMENT ON FUNCTION sv.calendar_status(integer) IS
  'notice when the State Council notice for the year is loaded, provisional (weekends and statutory holidays) otherwise';

-- Raise unless every day from first to last is inside the calendar's range (1901-2100).
CREATE OR REPLACE FUNCTION sv._calendar_require(first_day date, last_day date) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF least(first_day, last_day) < date '1901-01-01' OR greatest(first_day, last_day) > date '2100-12-31' THEN
    RAISE EXCEPTION 'the working-day calendar covers 1901-01-01 to 2100-12-31, not %',
      CASE WHEN least(first_day, last_day) < date '1901-01-01' THEN least(first_day, last_day)
           ELSE greatest(first_day, last_day) END
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- The days from lo to hi that differ from Monday-to-Friday: the notices' days in force, and
-- for years without a notice the provisional holidays (those a neighbouring year's notice
-- does not already set).  Years outside 1901-2100 contribute nothing.
-- sv.calendar_provisional_days, memoized per backend (src/calendar/workday.c): the function is
-- IMMUTABLE, so its rows for a year never change while its definition stays; the memo is
-- dropped on any change to pg_proc.  Years outside 1901-2100 give no rows.
CREATE OR REPLACE FUNCTION sv._calendar_provisional_memo(year integer)
RETURNS TABLE (day date, festival text)
AS 'MODULE_PATHNAME', 'sv_calendar_provisional_memo' LANGUAGE C STABLE PARALLEL SAFE ROWS 12;

CREATE OR REPLACE FUNCTION sv._calendar_special(lo date, hi date)
RETURNS TABLE (day date, kind text, festival text, provisional boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
SET plan_cache_mode = force_generic_plan   -- a custom plan per call costs more than the query
AS $fn$
BEGIN
  -- one statement, planned once per session: a LANGUAGE sql function would plan it at every
  -- call, and so would a custom plan for each (lo, hi) (the generic plan is as good for any range)
  RETURN QUERY
  SELECT c.day, c.kind, c.festival, false FROM sv.calendar_day_in_force c WHERE c.day BETWEEN lo AND hi
  UNION ALL
  SELECT p.day, 'holiday'::text, p.festival, true
  FROM generate_series(greatest(extract(year FROM lo)::integer, 1901), least(extract(year FROM hi)::integer, 2100)) AS y
  CROSS JOIN LATERAL sv._calendar_provisional_memo(y) p
  WHERE NOT EXISTS (SELECT 1 FROM sv.calendar_notice n WHERE n.year = y)
    AND p.day BETWEEN lo AND hi
    AND NOT EXISTS (SELECT 1 FROM sv.calendar_day_in_force c WHERE c.day = p.day);
END
$fn$;

-- The working-day walk and count over the special days of a range (src/calendar/workday.c):
-- a day is a working day when it is a make-up working day, else not when it is a holiday, else
-- when it is Monday to Friday.  A day is set at most once in sv._calendar_special (sv.calendar_load
-- refuses a day another year's notice sets, and a provisional holiday yields to a notice's day).
CREATE OR REPLACE FUNCTION sv._workday_walk(day date, n integer, span integer, workdays date[], holidays date[])
RETURNS date
AS 'MODULE_PATHNAME', 'sv_workday_walk' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION sv._workday_count(lo date, hi date, workdays date[], holidays date[])
RETURNS integer
AS 'MODULE_PATHNAME', 'sv_workday_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION sv.is_workday(day date) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  k text;
BEGIN
  IF NOT isfinite(day) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._calendar_require(day, day);
  SELECT c.kind INTO k FROM sv._calendar_special(day, day) c;
  IF k IS NOT NULL THEN
    RETURN k = 'workday';
  END IF;
  RETURN extract(isodow FROM day) < 6;
END
$fn$;
COMMENT ON FUNCTION sv.is_workday(date) IS
  'true on a working day: by the State Council notice, or provisionally (sv.calendar_status) without one';

-- The n-th working day after day (n > 0), or the |n|-th working day before it (n < 0).
-- The start day itself is never counted; n = 0 returns day unchanged.
CREATE OR REPLACE FUNCTION sv.add_workdays(day date, n integer) RETURNS date
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  span integer;
  result date;
  w date[];
  h date[];
BEGIN
  IF NOT isfinite(day) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF n NOT BETWEEN -3660 AND 3660 THEN
    RAISE EXCEPTION 'n must be between -3660 and 3660 working days, not %', n
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._calendar_require(day, day);
  IF n = 0 THEN
    RETURN day;
  END IF;

  -- No run of non-working days is longer than a few weeks, so 2|n| + 40 days always holds
  -- |n| working days; a result outside the calendar's range is refused below.
  span := 2 * abs(n) + 40;
  SELECT coalesce(array_agg(c.day) FILTER (WHERE c.kind = 'workday'), '{}'),
         coalesce(array_agg(c.day) FILTER (WHERE c.kind <> 'workday'), '{}')
    INTO w, h
  FROM sv._calendar_special(least(day, day + sign(n)::integer * span),
                            greatest(day, day + sign(n)::integer * span)) c;
  result := sv._workday_walk(day, n, span, w, h);

  PERFORM sv._calendar_require(day, result);
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION sv.add_workdays(date, integer) IS
  'The n-th working day after day (before it when n < 0); day itself is not counted';

-- Working days from a to b, counted like add_workdays: add_workdays(a, workdays_between(a, b))
-- is b whenever b is a working day.  Forward (b > a): days in (a, b]; backward: -(days in [b, a)).
CREATE OR REPLACE FUNCTION sv.workdays_between(a date, b date) RETURNS integer
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  lo date;
  hi date;
  cnt integer;
BEGIN
  IF NOT isfinite(a) OR NOT isfinite(b) THEN
    RAISE EXCEPTION 'a and b must be finite dates' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._calendar_require(a, b);
  IF a = b THEN
    RETURN 0;
  END IF;
  IF b > a THEN
    lo := a + 1; hi := b;
  ELSE
    lo := b; hi := a - 1;
  END IF;

  SELECT sv._workday_count(lo, hi,
           coalesce(array_agg(c.day) FILTER (WHERE c.kind = 'workday'), '{}'),
           coalesce(array_agg(c.day) FILTER (WHERE c.kind <> 'workday'), '{}'))
    INTO cnt
  FROM sv._calendar_special(lo, hi) c;

  RETURN CASE WHEN b > a THEN cnt ELSE -cnt END;
END
$fn$;
COMMENT ON FUNCTION sv.workdays_between(date, date) IS
  'Working days from a to b: days in (a, b] counted forward, negative when b is before a';

-- Load one year's notice in one call.  days is the notice transcribed as a JSON array, one
-- element per numbered item: {"festival": "春节", "from": "2026-02-15", "to": "2026-02-23",
-- "workdays": ["2026-02-14", "2026-02-28"]}.  Replacing a loaded year needs replace => true.
-- _calendar_load does the work for both sources: the install script loads the shipped notices
-- with it, sv.calendar_load() (administrators) the loaded ones.
CREATE OR REPLACE FUNCTION sv._calendar_load(year integer, title text, issued_on date, days jsonb,
                                  notice_no text, replace boolean, src text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  y integer := _calendar_load.year;
  item jsonb;
  i integer := 0;
  fest text;
  d_from date;
  d_to date;
  w jsonb;
  wtxt text;
  wd date;
  lo date := make_date(y, 1, 1) - 31;
  hi date := make_date(y, 12, 31) + 31;
  rows_in integer;
  other integer;
  -- the days the notice sets, gathered before anything is checked against the table
  a_day date[] := '{}';
  a_kind text[] := '{}';
  a_fest text[] := '{}';
  replaced boolean := false;
BEGIN
  IF y IS NULL OR title IS NULL OR issued_on IS NULL OR days IS NULL OR replace IS NULL THEN
    RAISE EXCEPTION '% must not be null',
      CASE WHEN y IS NULL THEN 'year' WHEN title IS NULL THEN 'title'
           WHEN issued_on IS NULL THEN 'issued_on' WHEN days IS NULL THEN 'days'
           ELSE 'replace' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF y NOT BETWEEN 2000 AND 2100 THEN
    RAISE EXCEPTION 'year must be between 2000 and 2100, not %', y USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF btrim(title) = '' THEN
    RAISE EXCEPTION 'title must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF notice_no IS NOT NULL AND btrim(notice_no) = '' THEN
    RAISE EXCEPTION 'notice_no must be null or not empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF issued_on > make_date(y, 12, 31) OR issued_on < make_date(y - 1, 1, 1) THEN
    RAISE EXCEPTION 'issued_on % is implausible for the notice of year %', issued_on, y
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A notice is issued in the year before the year it governs, or during it.';
  END IF;
  IF jsonb_typeof(days) <> 'array' OR jsonb_array_length(days) = 0 THEN
    RAISE EXCEPTION 'days must be a non-empty JSON array of holiday items'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- Serialise loaders of the same year: the second waits, then sees the first one's row.
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.calendar_load'), y);
  IF EXISTS (SELECT 1 FROM sv.calendar_notice n WHERE n.year = y) THEN
    IF NOT replace THEN
      RAISE EXCEPTION 'the working-day calendar for year % is already loaded', y
        USING ERRCODE = 'unique_violation',
              HINT = 'Pass replace => true to load a corrected notice.';
    END IF;
    replaced := true;
    -- a loaded notice is replaced; a shipped one stays, overridden by the loaded one
    DELETE FROM sv.calendar_notice n WHERE n.year = y AND n.source = 'loaded';   -- its days go with it
  END IF;

  INSERT INTO sv.calendar_notice (year, source, title, notice_no, issued_on)
  VALUES (y, src, btrim(title), btrim(notice_no), issued_on);

  FOR item IN SELECT e FROM jsonb_array_elements(days) AS e LOOP
    i := i + 1;
    IF jsonb_typeof(item) <> 'object' THEN
      RAISE EXCEPTION 'days[%] must be an object', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    fest := btrim(item ->> 'festival');
    IF fest IS NULL OR fest = '' THEN
      RAISE EXCEPTION 'days[%].festival must be a non-empty string', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
      d_from := (item ->> 'from')::date;
      d_to := (item ->> 'to')::date;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
      RAISE EXCEPTION 'days[%] (%): "from" and "to" must be dates (YYYY-MM-DD)', i, fest
        USING ERRCODE = 'invalid_datetime_format';
    END;
    IF d_from IS NULL OR d_to IS NULL THEN
      RAISE EXCEPTION 'days[%] (%): "from" and "to" are required', i, fest USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF d_to < d_from THEN
      RAISE EXCEPTION 'days[%] (%): "to" % is before "from" %', i, fest, d_to, d_from
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF d_to - d_from > 14 THEN
      RAISE EXCEPTION 'days[%] (%): a holiday of % days is implausible (at most 15)', i, fest, d_to - d_from + 1
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF d_from < lo OR d_to > hi THEN
      RAISE EXCEPTION 'days[%] (%): % to % is outside the notice''s year % (give or take a month)', i, fest, d_from, d_to, y
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR wd IN SELECT g::date FROM generate_series(d_from, d_to, interval '1 day') g LOOP
      a_day := a_day || wd; a_kind := a_kind || 'holiday'::text; a_fest := a_fest || fest;
    END LOOP;

    w := coalesce(item -> 'workdays', '[]'::jsonb);
    IF jsonb_typeof(w) <> 'array' THEN
      RAISE EXCEPTION 'days[%] (%): "workdays" must be an array of dates', i, fest USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR wtxt IN SELECT x #>> '{}' FROM jsonb_array_elements(w) x LOOP
      BEGIN
        wd := wtxt::date;
      EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
        RAISE EXCEPTION 'days[%] (%): make-up working day "%" is not a date (YYYY-MM-DD)', i, fest, wtxt
          USING ERRCODE = 'invalid_datetime_format';
      END;
      IF wd < lo OR wd > hi THEN
        RAISE EXCEPTION 'days[%] (%): make-up working day % is outside the notice''s year %', i, fest, wd, y
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF extract(isodow FROM wd) < 6 THEN
        RAISE EXCEPTION 'days[%] (%): make-up working day % is a % and already a working day', i, fest, wd, trim(to_char(wd, 'Day'))
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      a_day := a_day || wd; a_kind := a_kind || 'workday'::text; a_fest := a_fest || fest;
    END LOOP;
  END LOOP;

  SELECT t.d INTO wd FROM unnest(a_day) AS t(d) GROUP BY t.d HAVING count(*) > 1 ORDER BY t.d LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'day % appears more than once in the notice', wd USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT t.d, c.year INTO wd, other
  FROM unnest(a_day) AS t(d) JOIN sv.calendar_day_in_force c ON c.day = t.d
  WHERE c.year <> y ORDER BY t.d LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'day % is already set by the notice for year %', wd, other USING ERRCODE = 'unique_violation';
  END IF;

  INSERT INTO sv.calendar_day (day, year, source, kind, festival)
  SELECT t.d, y, src, t.k, t.f FROM unnest(a_day, a_kind, a_fest) AS t(d, k, f) ORDER BY t.d;
  GET DIAGNOSTICS rows_in = ROW_COUNT;
  -- shipped notices are part of the install, not a change: only administrators' loads are audited
  IF src = 'loaded' THEN
    PERFORM sv.audit_append(NULL, 'calendar_notice', y::text, CASE WHEN replaced THEN 'replace' ELSE 'load' END,
      jsonb_build_object('year', y, 'title', btrim(title), 'notice_no', btrim(notice_no),
                         'issued_on', issued_on, 'days', days, 'days_set', rows_in));
    -- the open deadlines counted provisionally over the notice's days are counted again
    PERFORM sv._calendar_recompute(y, least(make_date(y, 1, 1), (SELECT min(t.d) FROM unnest(a_day) AS t(d))),
                                      greatest(make_date(y, 12, 31), (SELECT max(t.d) FROM unnest(a_day) AS t(d))));
  END IF;
  RETURN rows_in;
END
$fn$;
CREATE OR REPLACE FUNCTION sv.calendar_load(year integer, title text, issued_on date, days jsonb,
                                 notice_no text DEFAULT NULL, replace boolean DEFAULT false)
RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sv._calendar_load(year, title, issued_on, days, notice_no, replace, 'loaded');
$fn$;
COMMENT ON FUNCTION sv.calendar_load(integer, text, date, jsonb, text, boolean) IS
  'Administrators: load a year''s State Council holiday notice; returns the number of days it sets';

-- ---------------------------------------------------------------------------------------------
-- Deadlines on the calendar.  Every stored due date counted with sv.add_workdays carries a
-- provisional flag: true when any day from its start to its due date lies in a year without a
-- notice (sv.calendar_provisional_between).  Each such column is registered in
-- sv.calendar_deadline (the capability's file adds one row); when sv.calendar_load loads a year,
-- every open, provisional deadline whose period touches the notice's days is recomputed in the
-- same transaction from its start and its number of working days, audited ('recompute', on the
-- deadline's owner) and listed in sv.deadline_recompute (sv_work.deadline_recomputed).  Closed
-- deadlines keep the date they were held to.
-- ---------------------------------------------------------------------------------------------

-- true when a day from a to b (either order, both included) lies in a provisional year.
-- A deadline counted now over a year whose notice another session is loading would be stored
-- after that load recomputed the open deadlines, and never recomputed: sv.calendar_load holds
-- the year's lock until it commits, so this takes the same lock shared (until the caller's
-- transaction ends, which makes a load wait for it) or, while a load holds it, fails with 40001.
CREATE OR REPLACE FUNCTION sv.calendar_provisional_between(a date, b date) RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED   -- takes a lock: never folded or cached
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  y integer;
  provisional boolean := false;
BEGIN
  IF NOT isfinite(a) OR NOT isfinite(b) THEN
    RAISE EXCEPTION 'a and b must be finite dates' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._calendar_require(a, b);
  FOR y IN extract(year FROM least(a, b))::integer .. extract(year FROM greatest(a, b))::integer LOOP
    IF NOT EXISTS (SELECT 1 FROM sv.calendar_notice n WHERE n.year = y) THEN
      provisional := true;
      IF NOT pg_try_advisory_xact_lock_shared(pg_catalog.hashtext('sv.calendar_load'), y) THEN
        RAISE EXCEPTION 'the holiday notice for % is being loaded: retry once it is', y
          USING ERRCODE = 'serialization_failure',
                DETAIL = 'A deadline counted over that year is counted again on the notice.';
      END IF;
    END IF;
  END LOOP;
  RETURN provisional;
END
$fn$;
COMMENT ON FUNCTION sv.calendar_provisional_between(date, date) IS
  'true when a day from a to b lies in a year without a State Council notice: a deadline counted over it is provisional';

-- The registry of stored deadlines.  Each expression is SQL over the deadline's row, aliased t;
-- rows are written by the install script only.
CREATE TABLE sv.calendar_deadline (
  name               text PRIMARY KEY,          -- e.g. 'action.publication_due'
  label_zh           text NOT NULL,             -- what officials call it
  relation           regclass NOT NULL,         -- the table holding the due date
  object_kind        text NOT NULL,             -- audit object kind of the deadline's owner
  key_expr           text NOT NULL,             -- the owner's audit object id (text)
  find_condition     text NOT NULL,             -- finds the row by that id, given as $1 (uses an index)
  department_expr    text NOT NULL,             -- the owner's department (audit record)
  start_expr         text NOT NULL,             -- the day the count starts from (not counted)
  days_expr          text NOT NULL,             -- the number of working days
  due_column         name NOT NULL,
  provisional_column name NOT NULL,
  open_condition     text NOT NULL,             -- still to be met: recomputed; else history
  -- since 0.2.0, the deadline model (67_deadline.sql; new columns come last: docs/upgrades.md)
  closed_expr        text NOT NULL,             -- when the obligation was met (timestamptz; NULL while open or if withdrawn)
  reminder_days      integer NOT NULL,          -- due soon (reminded) this many working days before the due date
  summary_expr       text NOT NULL,             -- what the obligation is about, for officers (text)
  CONSTRAINT calendar_deadline_reminder_days_range CHECK (reminder_days BETWEEN 0 AND 20)
);
COMMENT ON TABLE sv.calendar_deadline IS
  'Stored working-day deadlines: where each is, how it is counted and when it is open (recomputed when a notice is loaded)';
ALTER TABLE sv.calendar_deadline ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.calendar_deadline FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_deadline_read ON sv.calendar_deadline FOR SELECT USING (true);

-- Add or replace a deadline of the registry: each capability's file registers its own deadlines,
-- and since the registry is code, every update registers them again (docs/upgrades.md).
CREATE OR REPLACE FUNCTION sv._calendar_deadline_register(d sv.calendar_deadline) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  INSERT INTO sv.calendar_deadline SELECT d.*
  ON CONFLICT (name) DO UPDATE SET
    (label_zh, relation, object_kind, key_expr, find_condition, department_expr, start_expr, days_expr, due_column,
     provisional_column, open_condition, closed_expr, reminder_days, summary_expr)
    = (EXCLUDED.label_zh, EXCLUDED.relation, EXCLUDED.object_kind, EXCLUDED.key_expr, EXCLUDED.find_condition,
       EXCLUDED.department_expr, EXCLUDED.start_expr, EXCLUDED.days_expr, EXCLUDED.due_column,
       EXCLUDED.provisional_column, EXCLUDED.open_condition, EXCLUDED.closed_expr, EXCLUDED.reminder_days,
       EXCLUDED.summary_expr)
$fn$;

-- The state of a deadline on a day (the deadline model, docs/deadlines.md):
--   open          not met, and more than reminder_days working days before the due date
--   due_soon      not met, due within reminder_days working days (or today)
--   overdue       not met, and the due date has passed (逾期未办结)
--   done_on_time  met on or before the due date (Beijing time)
--   done_late     met after the due date (逾期办结)
--   withdrawn     no longer owed and never met (e.g. a cancelled draw plan)
-- is_open defaults to "closed_at is NULL"; NULL when there is no due date (no obligation).
CREATE OR REPLACE FUNCTION sv._deadline_state(due_on date, closed_at timestamptz, reminder_days integer, on_day date,
                                              is_open boolean DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  -- plpgsql, not sql: evaluated for every row of the deadline views, one expression without a
  -- plan (a sql function pinning search_path is parsed and planned at every call)
  RETURN CASE
    WHEN due_on IS NULL THEN NULL
    WHEN coalesce(is_open, closed_at IS NULL) THEN
      CASE WHEN on_day > due_on THEN 'overdue'
           -- no calendar needed: n working days back are at least n days back, and more than
           -- 2n + 40 days hold more than n working days (sv.add_workdays)
           WHEN due_on - on_day <= coalesce(reminder_days, 0) THEN 'due_soon'
           WHEN due_on - on_day > 2 * coalesce(reminder_days, 0) + 40 THEN 'open'
           WHEN on_day >= sv.add_workdays(due_on, -coalesce(reminder_days, 0)) THEN 'due_soon'
           ELSE 'open' END
    WHEN closed_at IS NULL THEN 'withdrawn'
    WHEN sv.local_date(closed_at) > due_on THEN 'done_late'
    ELSE 'done_on_time' END;
END
$fn$;

-- The state of a registered deadline (sv.calendar_deadline: its reminder lead time) with due date
-- due_on, met at closed_at (NULL: not yet), on on_day (NULL: today, Beijing time).
CREATE OR REPLACE FUNCTION sv.deadline_state(deadline text, due_on date, closed_at timestamptz, on_day date DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_reminder integer;
BEGIN
  IF deadline IS NULL THEN
    RAISE EXCEPTION 'deadline must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT c.reminder_days INTO v_reminder FROM sv.calendar_deadline c WHERE c.name = deadline_state.deadline;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'deadline: % is not a registered deadline (sv.calendar_deadline)', quote_literal(deadline)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN sv._deadline_state(due_on, closed_at, v_reminder, coalesce(on_day, sv.local_date(now())));
END
$fn$;
COMMENT ON FUNCTION sv.deadline_state(text, date, timestamptz, date) IS
  'The state of a registered deadline on a day (today by default): open, due_soon, overdue, done_on_time, done_late';
GRANT EXECUTE ON FUNCTION sv.deadline_state(text, date, timestamptz, date),
                          sv._deadline_state(date, timestamptz, integer, date, boolean)
  TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- Every recomputation: which deadline, the notice's year, the count and the old and new date.
CREATE TABLE sv.deadline_recompute (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deadline        text NOT NULL REFERENCES sv.calendar_deadline (name),
  object_kind     text NOT NULL,
  object_id       text NOT NULL,
  department_id   integer REFERENCES sv.department (id),
  notice_year     integer NOT NULL,
  start_on        date NOT NULL,
  workdays        integer NOT NULL,
  old_due         date NOT NULL,
  new_due         date NOT NULL,
  still_provisional boolean NOT NULL,          -- the period still touches a year without a notice
  audit_seq       bigint NOT NULL,
  recomputed_by   text NOT NULL,
  recomputed_at   timestamptz NOT NULL
);
CREATE INDEX deadline_recompute_object_idx ON sv.deadline_recompute (object_kind, object_id);
COMMENT ON TABLE sv.deadline_recompute IS
  'Deadlines recomputed when a State Council notice was loaded: old and new due date (each also in the audit chain)';

-- Officers see a recomputation when they see the deadline's row: the row is looked up in its
-- table as the caller, so that table's row-level security decides (SECURITY INVOKER).
CREATE OR REPLACE FUNCTION sv._deadline_visible(deadline text, object_id text) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  d sv.calendar_deadline;
  found_it boolean;
BEGIN
  SELECT * INTO d FROM sv.calendar_deadline c WHERE c.name = deadline;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s t WHERE %s)', d.relation, d.find_condition) INTO found_it USING object_id;
  RETURN found_it;
END
$fn$;

GRANT EXECUTE ON FUNCTION sv._deadline_visible(text, text) TO sv_officer;

ALTER TABLE sv.deadline_recompute ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.deadline_recompute FORCE ROW LEVEL SECURITY;
CREATE POLICY deadline_recompute_all ON sv.deadline_recompute FOR SELECT TO sv_admin, sv_auditor USING (true);
CREATE POLICY deadline_recompute_officer ON sv.deadline_recompute FOR SELECT TO sv_officer
  USING (sv._deadline_visible(deadline, object_id));
GRANT SELECT ON sv.deadline_recompute TO sv_admin, sv_auditor, sv_officer;
-- the registry is code (which tables, which expressions): every role that reads a deadline's
-- state reads it, the analysis views' readers included
GRANT SELECT ON sv.calendar_deadline TO sv_admin, sv_auditor, sv_officer, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.deadline_recompute', '');
SELECT pg_catalog.pg_extension_config_dump('sv.deadline_recompute_id_seq', '');

-- Recompute the open, provisional deadlines whose period [start, due] touches lo..hi (the days
-- of the notice just loaded for year): due := add_workdays(start, days), the flag again.  Only
-- deadlines whose date or flag changes are written, audited and listed.  Returns how many.
CREATE OR REPLACE FUNCTION sv._calendar_recompute(year integer, lo date, hi date) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  d sv.calendar_deadline;
  r record;
  v_seq bigint;
  n integer := 0;
BEGIN
  FOR d IN SELECT * FROM sv.calendar_deadline c ORDER BY c.name LOOP
    FOR r IN EXECUTE format($q$
      WITH c AS MATERIALIZED (
        SELECT t.ctid AS tid, (%1$s)::text AS key, (%2$s)::integer AS dept, (%3$s)::date AS start_on,
               (%4$s)::integer AS days, t.%5$I AS old_due
        FROM %6$s t
        WHERE t.%7$I AND (%8$s)
          AND least((%3$s)::date, t.%5$I) <= $2 AND greatest((%3$s)::date, t.%5$I) >= $1
        ORDER BY 2
        FOR UPDATE OF t
      ), n AS (
        SELECT c.*, sv.add_workdays(c.start_on, c.days) AS new_due FROM c
      ), m AS (
        SELECT n.*, sv.calendar_provisional_between(n.start_on, n.new_due) AS new_provisional FROM n
      ), u AS (
        UPDATE %6$s t SET %5$I = m.new_due, %7$I = m.new_provisional
        FROM m WHERE t.ctid = m.tid AND (m.new_due <> m.old_due OR NOT m.new_provisional)
        RETURNING m.key, m.dept, m.start_on, m.days, m.old_due, m.new_due, m.new_provisional
      )
      SELECT * FROM u ORDER BY key$q$,
      d.key_expr, d.department_expr, d.start_expr, d.days_expr, d.due_column, d.relation, d.provisional_column,
      d.open_condition) USING lo, hi
    LOOP
      v_seq := sv.audit_append(r.dept, d.object_kind, r.key, 'recompute',
        jsonb_build_object('deadline', d.name, 'notice_year', year, 'start_on', r.start_on, 'workdays', r.days,
                           'old_due', r.old_due, 'new_due', r.new_due, 'provisional', r.new_provisional));
      INSERT INTO sv.deadline_recompute (deadline, object_kind, object_id, department_id, notice_year, start_on, workdays,
                                         old_due, new_due, still_provisional, audit_seq, recomputed_by, recomputed_at)
      VALUES (d.name, d.object_kind, r.key, r.dept, year, r.start_on, r.days, r.old_due, r.new_due, r.new_provisional,
              v_seq, sv._outer_user(), now());
      n := n + 1;
    END LOOP;
  END LOOP;
  RETURN n;
END
$fn$;

CREATE VIEW sv_work.deadline_recomputed WITH (security_invoker = true) AS
  SELECT r.id, r.deadline, c.label_zh AS deadline_name, r.object_kind, r.object_id, r.department_id,
         d.name_zh AS department_name, r.notice_year, r.start_on, r.workdays, r.old_due, r.new_due,
         r.new_due - r.old_due AS days_moved, r.still_provisional, r.recomputed_by, r.recomputed_at, r.audit_seq
  FROM sv.deadline_recompute r
  JOIN sv.calendar_deadline c ON c.name = r.deadline
  LEFT JOIN sv.department d ON d.id = r.department_id;
COMMENT ON VIEW sv_work.deadline_recomputed IS
  '期限重新计算记录 / Open deadlines recomputed when a State Council holiday notice was loaded, with the old and new due date';
COMMENT ON COLUMN sv_work.deadline_recomputed.id IS '重算记录编号';
COMMENT ON COLUMN sv_work.deadline_recomputed.deadline IS '期限代码(sv.calendar_deadline)';
COMMENT ON COLUMN sv_work.deadline_recomputed.deadline_name IS '期限名称';
COMMENT ON COLUMN sv_work.deadline_recomputed.object_kind IS '所属对象类型(审计记录对象类型)';
COMMENT ON COLUMN sv_work.deadline_recomputed.object_id IS '所属对象编号';
COMMENT ON COLUMN sv_work.deadline_recomputed.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.deadline_recomputed.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_work.deadline_recomputed.notice_year IS '所载入放假通知的年度';
COMMENT ON COLUMN sv_work.deadline_recomputed.start_on IS '起算日期(不计入)';
COMMENT ON COLUMN sv_work.deadline_recomputed.workdays IS '工作日数';
COMMENT ON COLUMN sv_work.deadline_recomputed.old_due IS '原截止日期(按临时日历)';
COMMENT ON COLUMN sv_work.deadline_recomputed.new_due IS '新截止日期';
COMMENT ON COLUMN sv_work.deadline_recomputed.days_moved IS '截止日期推移天数(自然日)';
COMMENT ON COLUMN sv_work.deadline_recomputed.still_provisional IS '是否仍按临时日历计算(期间跨入尚无国务院通知的年度)';
COMMENT ON COLUMN sv_work.deadline_recomputed.recomputed_by IS '载入通知的人员';
COMMENT ON COLUMN sv_work.deadline_recomputed.recomputed_at IS '重新计算时间';
COMMENT ON COLUMN sv_work.deadline_recomputed.audit_seq IS '审计记录序号';
GRANT SELECT ON sv_work.deadline_recomputed TO sv_officer, sv_admin, sv_auditor;

-- From 1 November, the next year's notice is due (the State Council publishes it in November or
-- December): a finding of sv.security_check() while it is not loaded.  The day is an argument
-- so that the rule is tested on any date.
CREATE OR REPLACE FUNCTION sv._calendar_next_year_missing(day date)
RETURNS TABLE (severity text, finding text, object text, detail text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT 'medium', 'calendar_next_year_missing', 'sv.calendar_notice ' || (y + 1),
         format('the State Council holiday notice for %s is not loaded: deadlines reaching into %s are provisional '
                '(weekends and statutory holidays, no make-up working days) until it is (sv.calendar_load)', y + 1, y + 1)
  FROM (SELECT extract(year FROM day)::integer AS y) x
  WHERE day >= make_date(x.y, 11, 1) AND x.y < 2100
    AND NOT EXISTS (SELECT 1 FROM sv.calendar_notice n WHERE n.year = x.y + 1)
$fn$;

-- sv:rerun (the labels of the day kinds, 05_code_label: every update registers them again)
SELECT sv._code_label_register('calendar_day.kind', ARRAY[['holiday', '放假'], ['workday', '调休上班']]);
