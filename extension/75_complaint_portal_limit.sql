-- ---------------------------------------------------------------------------------------------
-- 75_complaint_portal_limit: rate limits of the public portal's submissions (issue 18): a flood
-- of sv.complaint_submit calls is refused per reporter phone, per client key and, for
-- submissions with neither, in one shared bucket; per hour and per Beijing day.
--
-- Tables:     sv.complaint_submit_limit (the limits: per scope, per hour and per day;
--             configurable, a change is a new row, the latest of a scope in force),
--             sv.complaint_submit_count (submissions per scope, key and hour: the key only as
--             a keyed hash, never in clear), sv.complaint_submit_secret (the installation's
--             secret of the hash; nobody reads it)
-- Functions:  sv.complaint_submit(payload) (sv_public: the portal's submission, with its limits),
--             sv._complaint_submit_throttle(phone, client, at),
--             sv.complaint_submit_limit_set(scope, per_hour, per_day) (administrators)
-- SQLSTATE:   53400 (configuration_limit_exceeded) a limit is reached: the message names the
--             scope and the limit, DETAIL its name (scope.per_hour / scope.per_day), HINT when
--             to try again; nothing is written (the submission's transaction ends in the error)
-- Bounded:    every submission deletes the counts of hours before the previous Beijing day, so
--             the table holds at most two days of submissions (three rows each at most).
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.complaint_submit_limit (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope       text NOT NULL,
  per_hour    integer NOT NULL,
  per_day     integer NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL,
  builtin     boolean NOT NULL DEFAULT false,
  CONSTRAINT complaint_submit_limit_scope_check CHECK (scope IN ('phone', 'client', 'unkeyed')),
  CONSTRAINT complaint_submit_limit_range_check CHECK (per_hour BETWEEN 1 AND 100000 AND per_day BETWEEN per_hour AND 1000000)
);
CREATE INDEX complaint_submit_limit_scope_idx ON sv.complaint_submit_limit (scope, id);
COMMENT ON TABLE sv.complaint_submit_limit IS
  'Rate limits of the public portal''s submissions (per reporter phone, per client key, unkeyed): the latest row of a scope is in force';
ALTER TABLE sv.complaint_submit_limit ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_submit_limit FORCE ROW LEVEL SECURITY;
CREATE POLICY complaint_submit_limit_read ON sv.complaint_submit_limit FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.complaint_submit_limit TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_submit_limit', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_submit_limit_id_seq', '');

INSERT INTO sv.complaint_submit_limit (scope, per_hour, per_day, updated_by, updated_at, builtin) VALUES
  ('phone',   5,   20,   'sv_platform', '2026-01-01 00:00+08', true),
  ('client',  10,  50,   'sv_platform', '2026-01-01 00:00+08', true),
  ('unkeyed', 100, 1000, 'sv_platform', '2026-01-01 00:00+08', true);

-- The counts: one row per scope, key and hour (Beijing time); the key is
-- sha256(secret || scope || ':' || key), the secret being the installation's own.  Not dumped:
-- counts are transient, and a restored database has a new secret (sv.complaint_submit_secret).
CREATE TABLE sv.complaint_submit_count (
  scope     text NOT NULL,
  key_hash  bytea NOT NULL,
  hour      timestamptz NOT NULL,
  n         integer NOT NULL,
  CONSTRAINT complaint_submit_count_pkey PRIMARY KEY (scope, key_hash, hour),
  CONSTRAINT complaint_submit_count_hash_check CHECK (length(key_hash) = 32 AND n >= 1)
);
CREATE INDEX complaint_submit_count_hour_idx ON sv.complaint_submit_count (hour);
COMMENT ON TABLE sv.complaint_submit_count IS
  'Portal submissions per scope, keyed hash of the phone or client key, and hour: the rate limits'' counts (never the key in clear)';
ALTER TABLE sv.complaint_submit_count ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_submit_count FORCE ROW LEVEL SECURITY;

CREATE TABLE sv.complaint_submit_secret (
  secret bytea NOT NULL,
  CONSTRAINT complaint_submit_secret_check CHECK (length(secret) = 32)
);
COMMENT ON TABLE sv.complaint_submit_secret IS
  'The installation''s secret of the portal rate limits'' keyed hash (one row; readable by nobody but the extension''s owner)';
ALTER TABLE sv.complaint_submit_secret ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_submit_secret FORCE ROW LEVEL SECURITY;
INSERT INTO sv.complaint_submit_secret (secret)
SELECT sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

-- Count one submission at the moment at, or refuse it (53400): the scopes are the reporter's
-- phone (its digits), the client key the portal passes, and 'unkeyed' (one shared bucket) when
-- neither is given.  Each scope's count of the hour and of the Beijing day, this submission
-- included, must stay within the scope's limits.  Counts of hours before the previous day are
-- deleted on the way (the table stays bounded without a job).
CREATE OR REPLACE FUNCTION sv._complaint_submit_throttle(phone text, client text, at timestamptz) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_hour timestamptz := date_trunc('hour', at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai';
  v_day timestamptz := date_trunc('day', at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai';
  v_secret bytea;
  v_digits text := nullif(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), '');
  v_scopes text[];
  v_keys text[];
  v_hash bytea;
  v_hour_n integer;
  v_day_n bigint;
  l sv.complaint_submit_limit;
  v_what text;
BEGIN
  PERFORM sv._require_given(ARRAY['at'], ARRAY[at IS NULL]);
  DELETE FROM sv.complaint_submit_count x WHERE x.hour < v_day - interval '1 day';
  IF v_digits IS NOT NULL THEN
    v_scopes := v_scopes || 'phone'::text; v_keys := v_keys || v_digits;
  END IF;
  IF client IS NOT NULL THEN
    v_scopes := v_scopes || 'client'::text; v_keys := v_keys || client;
  END IF;
  IF v_scopes IS NULL THEN
    v_scopes := ARRAY['unkeyed']; v_keys := ARRAY[''];
  END IF;
  SELECT s.secret INTO v_secret FROM sv.complaint_submit_secret s LIMIT 1;
  FOR i IN 1 .. array_length(v_scopes, 1) LOOP
    SELECT * INTO l FROM sv.complaint_submit_limit x WHERE x.scope = v_scopes[i] ORDER BY x.id DESC LIMIT 1;
    v_hash := sha256(v_secret || convert_to(v_scopes[i] || ':' || v_keys[i], 'UTF8'));
    INSERT INTO sv.complaint_submit_count AS x (scope, key_hash, hour, n) VALUES (v_scopes[i], v_hash, v_hour, 1)
    ON CONFLICT ON CONSTRAINT complaint_submit_count_pkey DO UPDATE SET n = x.n + 1
    RETURNING x.n INTO v_hour_n;
    SELECT sum(x.n) INTO v_day_n FROM sv.complaint_submit_count x
    WHERE x.scope = v_scopes[i] AND x.key_hash = v_hash AND x.hour >= v_day AND x.hour < v_day + interval '1 day';
    v_what := CASE v_scopes[i] WHEN 'phone' THEN 'this phone number' WHEN 'client' THEN 'this client'
                   ELSE 'submissions without a phone number or client key' END;
    -- the day first: when both are reached, the later time to try again
    IF v_day_n > l.per_day THEN
      RAISE EXCEPTION 'too many submissions from %: at most % a day', v_what, l.per_day
        USING ERRCODE = 'configuration_limit_exceeded', DETAIL = format('limit %s.per_day = %s', l.scope, l.per_day),
              HINT = 'Try again tomorrow (after 00:00 Beijing time).';
    END IF;
    IF v_hour_n > l.per_hour THEN
      RAISE EXCEPTION 'too many submissions from %: at most % an hour', v_what, l.per_hour
        USING ERRCODE = 'configuration_limit_exceeded', DETAIL = format('limit %s.per_hour = %s', l.scope, l.per_hour),
              HINT = format('Try again after %s (Beijing time).', to_char((v_hour + interval '1 hour') AT TIME ZONE 'Asia/Shanghai', 'HH24:MI'));
    END IF;
  END LOOP;
END
$fn$;

-- Change the limits of a scope (administrators): a new row, audited.
CREATE OR REPLACE FUNCTION sv.complaint_submit_limit_set(scope text, per_hour integer, per_day integer) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p sv.complaint_submit_limit;
BEGIN
  PERFORM sv._require_given(ARRAY['scope', 'per_hour', 'per_day'], ARRAY[scope IS NULL, per_hour IS NULL, per_day IS NULL]);
  PERFORM sv._require_role('change the portal''s rate limits', '{sv_admin}');
  PERFORM sv._require_one_of('scope', scope, ARRAY['phone', 'client', 'unkeyed']);
  IF per_hour NOT BETWEEN 1 AND 100000 OR per_day NOT BETWEEN per_hour AND 1000000 THEN
    RAISE EXCEPTION 'per_hour must be 1-100000 and per_day between per_hour and 1000000, not % and %', per_hour, per_day
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.complaint_submit_limit'), 0);
  SELECT * INTO p FROM sv.complaint_submit_limit x WHERE x.scope = complaint_submit_limit_set.scope ORDER BY x.id DESC LIMIT 1;
  INSERT INTO sv.complaint_submit_limit (scope, per_hour, per_day, updated_by, updated_at, builtin)
  VALUES (scope, per_hour, per_day, sv._outer_user(), now(), false);
  PERFORM sv.audit_append(NULL, 'complaint_submit_limit', scope, 'update',
    jsonb_build_object('per_hour', per_hour, 'per_day', per_day, 'before', jsonb_build_object('per_hour', p.per_hour, 'per_day', p.per_day)));
END
$fn$;
COMMENT ON FUNCTION sv.complaint_submit_limit_set(text, integer, integer) IS
  'Change the rate limits of the public portal''s submissions for a scope (phone, client, unkeyed): administrators';
GRANT EXECUTE ON FUNCTION sv.complaint_submit_limit_set(text, integer, integer) TO sv_admin;

-- A citizen's submission through the public portal: the fields of sv.complaint_receive but
-- work_order_no, received_at and department (kind, text, subject, place, person or anonymous,
-- attachments, catalog_item), and client: the portal's key for its client (a session, device or
-- address; at most 200 characters; counted by its keyed hash for the rate limits, never stored);
-- returns the tracking code (查询码), the only way to its status.  A flood is refused with 53400
-- (the rate limits, 75_complaint_portal_limit.sql).
-- The code is 16 characters: 'W', the day (YYMMDD) and 9 random letters and digits.
CREATE OR REPLACE FUNCTION sv.complaint_submit(payload jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_code text;
BEGIN
  PERFORM sv._require_role('submit a complaint through the portal', '{sv_public}');
  PERFORM sv._require_given(ARRAY['payload'], ARRAY[payload IS NULL]);
  IF jsonb_typeof(payload) <> 'object' THEN
    RAISE EXCEPTION 'payload must be a JSON object, not a JSON %', jsonb_typeof(payload) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._payload_keys(payload, 'payload', '{kind,text,subject,place,person,anonymous,attachments,catalog_item,client}');
  -- the rate limits (75_complaint_portal_limit.sql): per reporter phone, per client key; 53400
  PERFORM sv._complaint_submit_throttle(payload -> 'person' ->> 'phone', sv._payload_text(payload, 'client', 'client', 200), now());
  v_code := 'W' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
            || upper(substr(translate(encode(uuid_send(gen_random_uuid()), 'base64'), '+/=', ''), 1, 9));
  PERFORM sv._complaint_intake((payload - 'client') || jsonb_build_object('work_order_no', v_code,
            'received_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')), 'portal');
  RETURN v_code;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_submit(jsonb) IS
  'The public portal: a citizen''s complaint, report, inquiry or suggestion; returns its tracking code (查询码)';
GRANT EXECUTE ON FUNCTION sv.complaint_submit(jsonb) TO sv_public;
