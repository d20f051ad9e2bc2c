-- ---------------------------------------------------------------------------------------------
-- 20_calendar: the working-day calendar (工作日) for every legal deadline.
--
-- The State Council publishes each year's public holidays and make-up working days (调休) in a
-- notice (国务院办公厅关于X年部分节假日安排的通知).  A day is a working day when it is Monday to
-- Friday and not a holiday of the notice, or when the notice makes it a make-up working day.
-- A date in a year whose notice is not loaded is an error, never a guess.
--
-- Tables:     sv.calendar_notice (per year: the shipped notice and/or an administrator's),
--             sv.calendar_day (the days each notice sets apart from Monday-to-Friday)
-- Views:      sv.calendar_notice_in_force, sv.calendar_day_in_force (what deadlines count with)
-- Functions:  sv.is_workday(date), sv.add_workdays(date, n), sv.workdays_between(date, date),
--             sv.local_date(timestamptz), sv.calendar_load(...)   (sv_admin)
-- Convention: the start date is not counted; day 1 is the first working day after it.
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


-- Raise unless every year from first to last has a loaded notice.
CREATE FUNCTION sv._calendar_require(first_day date, last_day date) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  y integer;
  lo integer := extract(year FROM least(first_day, last_day))::integer;
  hi integer := extract(year FROM greatest(first_day, last_day))::integer;
BEGIN
  -- distinct years: a corrected shipped year has two notices (shipped and loaded)
  IF (SELECT count(DISTINCT n.year) FROM sv.calendar_notice n WHERE n.year BETWEEN lo AND hi) = hi - lo + 1 THEN
    RETURN;
  END IF;
  FOR y IN lo .. hi LOOP
    IF NOT EXISTS (SELECT 1 FROM sv.calendar_notice n WHERE n.year = y) THEN
      RAISE EXCEPTION 'no working-day calendar is loaded for year %', y
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = pg_catalog.format('Load the State Council''s holiday notice for %s with sv.calendar_load().', y);
    END IF;
  END LOOP;
END
$fn$;

CREATE FUNCTION sv.is_workday(day date) RETURNS boolean
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
  SELECT c.kind INTO k FROM sv.calendar_day_in_force c WHERE c.day = is_workday.day;
  IF k IS NOT NULL THEN
    RETURN k = 'workday';
  END IF;
  RETURN extract(isodow FROM day) < 6;
END
$fn$;
COMMENT ON FUNCTION sv.is_workday(date) IS
  'true on a working day by the loaded State Council notice; error when the year is not loaded';

-- The n-th working day after day (n > 0), or the |n|-th working day before it (n < 0).
-- The start day itself is never counted; n = 0 returns day unchanged.
CREATE FUNCTION sv.add_workdays(day date, n integer) RETURNS date
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  span integer;
  result date;
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
  -- |n| working days; candidate days in a year without a notice are never returned because
  -- the years up to the result are checked below.
  span := 2 * abs(n) + 40;
  SELECT g.d INTO result
  FROM (SELECT day + sign(n)::integer * k AS d, k FROM generate_series(1, span) AS k) AS g
  LEFT JOIN sv.calendar_day_in_force c ON c.day = g.d
  WHERE coalesce(c.kind = 'workday', extract(isodow FROM g.d) < 6)
  ORDER BY g.k
  OFFSET abs(n) - 1 LIMIT 1;

  PERFORM sv._calendar_require(day, result);
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION sv.add_workdays(date, integer) IS
  'The n-th working day after day (before it when n < 0); day itself is not counted';

-- Working days from a to b, counted like add_workdays: add_workdays(a, workdays_between(a, b))
-- is b whenever b is a working day.  Forward (b > a): days in (a, b]; backward: -(days in [b, a)).
CREATE FUNCTION sv.workdays_between(a date, b date) RETURNS integer
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

  SELECT count(*) INTO cnt
  FROM generate_series(lo, hi, interval '1 day') AS g(d)
  LEFT JOIN sv.calendar_day_in_force c ON c.day = g.d::date
  WHERE coalesce(c.kind = 'workday', extract(isodow FROM g.d) < 6);

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
CREATE FUNCTION sv._calendar_load(year integer, title text, issued_on date, days jsonb,
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
  END IF;
  RETURN rows_in;
END
$fn$;
CREATE FUNCTION sv.calendar_load(year integer, title text, issued_on date, days jsonb,
                                 notice_no text DEFAULT NULL, replace boolean DEFAULT false)
RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sv._calendar_load(year, title, issued_on, days, notice_no, replace, 'loaded');
$fn$;
COMMENT ON FUNCTION sv.calendar_load(integer, text, date, jsonb, text, boolean) IS
  'Administrators: load a year''s State Council holiday notice; returns the number of days it sets';
