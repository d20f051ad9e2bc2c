-- ---------------------------------------------------------------------------------------------
-- 48_outbox: every message to an outside system (a department's business system, the
-- provincial platform, the 12345 hotline, the credit platform) is a row of sv.outbox, written
-- in the same transaction as the change that caused it; the push worker (src/push/, a
-- background worker with libcurl) delivers it at least once, with the message id as the
-- Idempotency-Key, and records every attempt.  Logged tables: nothing is lost on a crash.
--
-- Tables:     sv.endpoint (where and how to send), sv.endpoint_secret (owner only),
--             sv.outbox (one row per message), sv.outbox_attempt (one row per HTTP attempt),
--             sv.department_endpoint (each department's endpoint for the platform's messages)
-- Functions:  sv.endpoint_save, sv.endpoint_set_secret (administrators)
--             sv.department_endpoint_set(department_id, endpoint) (administrators: sv.department_endpoint)
--             sv._department_push(department_id, kind, payload, dedup_key) (to a department's system)
--             sv.outbox_send(endpoint, kind, payload, dedup_key) -> message id
--             sv.outbox_requeue(message_ids), sv.outbox_cleanup() (pg_cron)
--             sv._outbox_claim(...), sv._outbox_record(...) (the worker's two transactions)
-- Views:      sv_work.outbox_dead, sv_work.outbox_counters
-- States:     pending -> in_flight -> delivered | pending (retry, backoff with jitter) |
--             failed (other 4xx, not retried) | dead (attempts exhausted); an operator
--             requeues failed or dead messages.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.endpoint (
  name           text PRIMARY KEY CHECK (name ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{1,63}$'),
  url            text NOT NULL CHECK (url ~* '^https?://'),
  method         text NOT NULL DEFAULT 'POST' CHECK (method IN ('POST', 'PUT', 'PATCH')),
  headers        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(headers) = 'object'),
  auth           text NOT NULL DEFAULT 'none' CHECK (auth IN ('none', 'bearer', 'hmac_sha256', 'header')),
  timeout_ms     integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 300000),
  max_attempts   integer NOT NULL DEFAULT 10 CHECK (max_attempts BETWEEN 1 AND 100),
  max_concurrent integer NOT NULL DEFAULT 8 CHECK (max_concurrent BETWEEN 1 AND 256),
  follow_redirects boolean NOT NULL DEFAULT false,
  enabled        boolean NOT NULL DEFAULT true,
  department_id  integer REFERENCES sv.department (id),   -- whose system it is (NULL: outside the city)
  updated_by     text NOT NULL,
  updated_at     timestamptz NOT NULL,
  -- since 0.2.0 (new columns come last: docs/upgrades.md)
  auth_header    text CHECK (auth_header ~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,64}$'),   -- auth 'header': its name
  CONSTRAINT endpoint_auth_header_given CHECK ((auth = 'header') = (auth_header IS NOT NULL))
);
COMMENT ON TABLE sv.endpoint IS 'Outside systems the push worker sends to: URL, method, headers, authentication, limits';
ALTER TABLE sv.endpoint ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.endpoint FORCE ROW LEVEL SECURITY;
CREATE POLICY endpoint_read ON sv.endpoint FOR SELECT TO sv_admin, sv_auditor, sv_officer, sv_integration USING (true);
GRANT SELECT ON sv.endpoint TO sv_admin, sv_auditor, sv_officer, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.endpoint', '');

-- Bearer tokens, HMAC keys and the values of auth 'header': no role but the owner (and so the worker) reads them.
CREATE TABLE sv.endpoint_secret (
  endpoint   text PRIMARY KEY REFERENCES sv.endpoint (name),
  secret     text NOT NULL CHECK (length(secret) >= 16),
  set_by     text NOT NULL,
  set_at     timestamptz NOT NULL
);
COMMENT ON TABLE sv.endpoint_secret IS 'Endpoint secrets (bearer token, HMAC-SHA256 key or API key header value): readable by the extension owner only';
ALTER TABLE sv.endpoint_secret ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.endpoint_secret FORCE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('sv.endpoint_secret', '');

CREATE TABLE sv.outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id      uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,   -- sent as Idempotency-Key
  endpoint        text NOT NULL REFERENCES sv.endpoint (name),
  kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{1,63}$'),
  payload         jsonb NOT NULL,
  dedup_key       text,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_flight', 'delivered', 'failed', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until     timestamptz,                 -- in_flight: reclaimed after this if the worker died
  last_status     integer,                     -- last HTTP status code
  last_error      text,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz,
  updated_at      timestamptz NOT NULL,
  CHECK ((status = 'in_flight') = (lease_until IS NOT NULL)),
  CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE UNIQUE INDEX outbox_dedup_idx ON sv.outbox (endpoint, dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX outbox_in_flight_idx ON sv.outbox (endpoint, lease_until) WHERE status = 'in_flight';
-- the claim order, per endpoint (since 0.2.0, for the fair claim, issue 20: it replaced
-- outbox_due_idx on (next_attempt_at, id), along which a claim read past every message of a
-- saturated endpoint)
CREATE INDEX outbox_endpoint_due_idx ON sv.outbox (endpoint, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_stuck_idx ON sv.outbox (endpoint, status) WHERE status IN ('failed', 'dead');
COMMENT ON TABLE sv.outbox IS 'Messages to outside systems (logged, never deleted before delivery): delivered at least once by the push worker';
ALTER TABLE sv.outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY outbox_all ON sv.outbox FOR SELECT TO sv_admin, sv_auditor USING (true);
-- officers see the messages to their own department's systems
CREATE POLICY outbox_department ON sv.outbox FOR SELECT TO sv_officer
  USING (EXISTS (SELECT 1 FROM sv.endpoint e WHERE e.name = endpoint AND e.department_id = sv.scope_department()));
GRANT SELECT ON sv.outbox TO sv_admin, sv_auditor, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('sv.outbox_id_seq', '');

CREATE TABLE sv.outbox_attempt (
  outbox_id    bigint NOT NULL REFERENCES sv.outbox (id) ON DELETE CASCADE,
  attempt      integer NOT NULL,
  started_at   timestamptz NOT NULL,
  duration_ms  integer NOT NULL,
  http_status  integer,                        -- NULL: no response (timeout, refused, reset)
  error        text,
  outcome      text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'dead', 'abandoned')),
  PRIMARY KEY (outbox_id, attempt)
);
CREATE INDEX outbox_attempt_started_idx ON sv.outbox_attempt (started_at);
COMMENT ON TABLE sv.outbox_attempt IS 'Every delivery attempt with its outcome (kept for sv.push_attempt_retention)';
ALTER TABLE sv.outbox_attempt ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.outbox_attempt FORCE ROW LEVEL SECURITY;
CREATE POLICY outbox_attempt_all ON sv.outbox_attempt FOR SELECT TO sv_admin, sv_auditor USING (true);
GRANT SELECT ON sv.outbox_attempt TO sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.outbox_attempt', '');

-- The worker's latch is set when a transaction that queued a message commits (C, a no-op
-- when the library is not preloaded: then the worker does not run either).
CREATE OR REPLACE FUNCTION sv._push_wake_at_commit() RETURNS void
AS 'MODULE_PATHNAME', 'sv_push_wake_at_commit' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION sv.push_worker_status(OUT pid integer, OUT started_at timestamptz, OUT delivered bigint,
                                      OUT retried bigint, OUT failed bigint, OUT dead bigint, OUT in_flight integer,
                                      OUT last_claim_at timestamptz, OUT claims bigint)
AS 'MODULE_PATHNAME', 'sv_push_worker_status' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sv.push_worker_status() IS
  'The push worker: its pid (NULL when not running), start, counters since start, messages in flight, claim transactions run';

-- The outbox's one URL rule, parsed by libcurl's URL API in C (src/push/url.c), the same code
-- the push worker checks every connection with (redirects included): at most 2048 bytes; no
-- space, control character or backslash; http:// or https://; no user info, IPv6 zone id or
-- fragment; a host not ending in a dot.  normalized is the URL as libcurl writes it back (what
-- is stored and requested); host is lower-cased as libcurl connects to it (percent-decoding and
-- numeric IPv4 forms normalised; an IPv6 literal in brackets); problem is NULL when the rule holds.
CREATE OR REPLACE FUNCTION sv._url_parse(url text, OUT normalized text, OUT scheme text, OUT host text, OUT port integer,
                              OUT problem text)
AS 'MODULE_PATHNAME', 'sv_url_parse_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- The host of a URL by that rule; NULL when the URL breaks it.
CREATE OR REPLACE FUNCTION sv._url_host(url text) RETURNS text
AS 'MODULE_PATHNAME', 'sv_url_host_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Whether the host may be contacted: sv.push_allowed_hosts is a comma-separated list of host
-- names (an entry ".example.org" allows its subdomains); empty allows nothing; NULL is false.
-- The worker's socket callback applies the same C function.
CREATE OR REPLACE FUNCTION sv._push_host_allowed(host text) RETURNS boolean
AS 'MODULE_PATHNAME', 'sv_push_host_allowed_sql' LANGUAGE C STABLE PARALLEL SAFE;

-- A URL the worker may send to, as it will be stored and requested (normalised by libcurl):
-- 22023 naming the field when it breaks the rule, 42501 when its host is not allowed.
CREATE OR REPLACE FUNCTION sv._require_push_host(field text, url text) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p record;
BEGIN
  IF url IS NULL THEN
    RAISE EXCEPTION '% must not be null', field USING ERRCODE = 'null_value_not_allowed';
  END IF;
  p := sv._url_parse(url);
  IF p.problem IS NOT NULL THEN
    RAISE EXCEPTION '%: % %', field, quote_literal(left(url, 100) || CASE WHEN length(url) > 100 THEN '...' ELSE '' END),
      p.problem
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'An endpoint URL is http:// or https:// with a host, without user info, fragment, spaces or backslashes (docs/push.md).';
  END IF;
  IF NOT sv._push_host_allowed(p.host) THEN
    RAISE EXCEPTION '%: host % is not in sv.push_allowed_hosts', field, quote_literal(p.host)
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'A superuser adds the host to sv.push_allowed_hosts in postgresql.conf and reloads.';
  END IF;
  RETURN p.normalized;
END
$fn$;

-- Header names that carry credentials, which belong in sv.endpoint_secret and never in the
-- plain headers (readable by officers, recorded in the audit chain): any name containing auth,
-- token, secret, key, cookie, session, passw, credential, signature, bearer, jwt or ticket,
-- compared without regard to case (Authorization, Proxy-Authorization, Cookie, X-Api-Key,
-- X-Auth-Token, X-Session-Id, ...).
CREATE OR REPLACE FUNCTION sv._is_credential_header(name text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lower(name) ~ '(auth|token|secret|key|cookie|session|passw|credential|signature|bearer|jwt|ticket)' $$;

-- Headers the worker sets itself, which no endpoint configures.
CREATE OR REPLACE FUNCTION sv._is_worker_header(name text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lower(name) IN ('idempotency-key', 'content-type', 'content-length', 'authorization', 'x-signature',
                             'x-signature-timestamp', 'host', 'transfer-encoding', 'expect', 'x-sv-message-kind',
                             'x-sv-attempt', 'user-agent') $$;

CREATE OR REPLACE FUNCTION sv.endpoint_save(name text, url text, method text DEFAULT 'POST', headers jsonb DEFAULT '{}',
                                 auth text DEFAULT 'none', timeout_ms integer DEFAULT 10000,
                                 max_attempts integer DEFAULT 10, max_concurrent integer DEFAULT 8,
                                 follow_redirects boolean DEFAULT false, enabled boolean DEFAULT true,
                                 department_id integer DEFAULT NULL, auth_header text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_old sv.endpoint;
  v_new sv.endpoint;
  v_bad text;
  v_url text;
BEGIN
  PERFORM sv._require_given(ARRAY['name', 'url', 'method', 'headers', 'auth', 'timeout_ms',
                                  'max_attempts', 'max_concurrent', 'follow_redirects',
                                  'enabled'],
                            ARRAY[name IS NULL, url IS NULL, method IS NULL, headers IS NULL,
                                  auth IS NULL, timeout_ms IS NULL, max_attempts IS NULL,
                                  max_concurrent IS NULL, follow_redirects IS NULL,
                                  enabled IS NULL]);
  PERFORM sv._require_code('name', name);
  v_url := sv._require_push_host('url', url);
  PERFORM sv._require_one_of('method', method, ARRAY['POST', 'PUT', 'PATCH']);
  IF jsonb_typeof(headers) <> 'object' THEN
    RAISE EXCEPTION 'headers must be a JSON object of header names and string values' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- credentials go to sv.endpoint_secret, never into plain headers (officers read those, and
  -- the audit chain would keep them for ever)
  SELECT string_agg(quote_literal(k), ', ' ORDER BY k) INTO v_bad FROM jsonb_object_keys(headers) k
  WHERE sv._is_credential_header(k);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'headers: credential-like header(s) % not stored in plain headers', v_bad
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use auth => ''bearer'', ''hmac_sha256'' or ''header'' (with auth_header => the header''s name), '
                   'and set the value with sv.endpoint_set_secret.';
  END IF;
  -- the worker sets these itself; a header name or value with a line break would inject headers
  SELECT string_agg(quote_literal(k), ', ' ORDER BY k) INTO v_bad FROM jsonb_each(headers) h(k, v)
  WHERE k !~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]+$' OR jsonb_typeof(v) <> 'string' OR v #>> '{}' ~ '[\r\n]'
     OR sv._is_worker_header(k);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'headers: % not allowed (a token name with a string value, none the worker sets itself)', v_bad
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_one_of('auth', auth, ARRAY['none', 'bearer', 'hmac_sha256', 'header']);
  IF (auth = 'header') <> (auth_header IS NOT NULL) THEN
    RAISE EXCEPTION 'auth_header names the header of auth ''header'' and is given exactly then'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF auth_header IS NOT NULL AND (auth_header !~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,64}$' OR sv._is_worker_header(auth_header)
                                  OR EXISTS (SELECT 1 FROM jsonb_object_keys(headers) k WHERE lower(k) = lower(auth_header))) THEN
    RAISE EXCEPTION 'auth_header: % must be a header name of at most 64 characters, neither one the worker sets nor one of headers',
      quote_literal(auth_header) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF timeout_ms IS NULL OR timeout_ms NOT BETWEEN 100 AND 300000 THEN
    RAISE EXCEPTION 'timeout_ms must be 100 to 300000, not %', coalesce(timeout_ms::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'max_attempts must be 1 to 100, not %', coalesce(max_attempts::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_concurrent IS NULL OR max_concurrent NOT BETWEEN 1 AND 256 THEN
    RAISE EXCEPTION 'max_concurrent must be 1 to 256, not %', coalesce(max_concurrent::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF department_id IS NOT NULL THEN
    PERFORM sv._require_department('department_id', department_id);
  END IF;
  PERFORM sv._require_role('configure endpoints', '{sv_admin}');
  SELECT * INTO v_old FROM sv.endpoint e WHERE e.name = btrim(endpoint_save.name) FOR UPDATE;
  INSERT INTO sv.endpoint AS e (name, url, method, headers, auth, auth_header, timeout_ms, max_attempts, max_concurrent,
                                follow_redirects, enabled, department_id, updated_by, updated_at)
  VALUES (btrim(name), v_url, method, headers, auth, auth_header, timeout_ms, max_attempts, max_concurrent, follow_redirects,
          enabled, department_id, me.login, now())
  ON CONFLICT ON CONSTRAINT endpoint_pkey DO UPDATE
    SET url = excluded.url, method = excluded.method, headers = excluded.headers, auth = excluded.auth,
        auth_header = excluded.auth_header,
        timeout_ms = excluded.timeout_ms, max_attempts = excluded.max_attempts, max_concurrent = excluded.max_concurrent,
        follow_redirects = excluded.follow_redirects, enabled = excluded.enabled, department_id = excluded.department_id,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at
  RETURNING e.* INTO v_new;
  IF v_old.name IS NULL OR (to_jsonb(v_old) - 'updated_by' - 'updated_at') IS DISTINCT FROM (to_jsonb(v_new) - 'updated_by' - 'updated_at') THEN
    -- header names only: a value is no business of the append-only chain
    PERFORM sv.audit_append(department_id, 'endpoint', v_new.name, CASE WHEN v_old.name IS NULL THEN 'add' ELSE 'change' END,
                            to_jsonb(v_new) - 'name' - 'updated_by' - 'updated_at' - 'headers'
                            || jsonb_build_object('header_names', to_jsonb(ARRAY(SELECT k FROM jsonb_object_keys(v_new.headers) k ORDER BY k))));
  END IF;
  IF v_new.enabled THEN
    PERFORM sv._push_wake_at_commit();   -- messages held for a disabled endpoint may go now
  END IF;
  RETURN v_new.name;
END
$fn$;
COMMENT ON FUNCTION sv.endpoint_save(text, text, text, jsonb, text, integer, integer, integer, boolean, boolean, integer, text) IS
  'Administrators: add or change an endpoint (its host must be in sv.push_allowed_hosts; credentials only through sv.endpoint_set_secret)';

CREATE OR REPLACE FUNCTION sv.endpoint_set_secret(name text, secret text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['name', 'secret'], ARRAY[name IS NULL, secret IS NULL]);
  PERFORM sv._require_role('set endpoint secrets', '{sv_admin}');
  IF NOT EXISTS (SELECT 1 FROM sv.endpoint e WHERE e.name = endpoint_set_secret.name) THEN
    RAISE EXCEPTION 'name: endpoint % does not exist', quote_literal(name) USING ERRCODE = 'no_data_found';
  END IF;
  IF length(secret) < 16 OR secret ~ '[\r\n]' THEN
    RAISE EXCEPTION 'secret must be at least 16 characters on one line' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO sv.endpoint_secret AS s (endpoint, secret, set_by, set_at) VALUES (name, secret, me.login, now())
  ON CONFLICT (endpoint) DO UPDATE SET secret = excluded.secret, set_by = excluded.set_by, set_at = excluded.set_at;
  -- the audit chain records that it changed, never the secret
  PERFORM sv.audit_append(NULL, 'endpoint', name, 'set_secret', jsonb_build_object('sha256_prefix',
          left(encode(sha256(convert_to(secret, 'UTF8')), 'hex'), 8)));
END
$fn$;
COMMENT ON FUNCTION sv.endpoint_set_secret(text, text) IS
  'Administrators: set an endpoint''s bearer token or HMAC key (stored readable by the owner only)';

-- Queue a message.  In the caller's transaction: it exists exactly when the change that caused
-- it commits.  The same (endpoint, dedup_key) again returns the first message's id.
CREATE OR REPLACE FUNCTION sv.outbox_send(endpoint text, kind text, payload jsonb, dedup_key text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  e sv.endpoint;
  v_id uuid;
BEGIN
  PERFORM sv._require_given(ARRAY['endpoint', 'kind', 'payload'],
                            ARRAY[outbox_send.endpoint IS NULL, outbox_send.kind IS NULL,
                                  outbox_send.payload IS NULL]);
  SELECT * INTO e FROM sv.endpoint x WHERE x.name = outbox_send.endpoint;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'endpoint: endpoint % does not exist', quote_literal(outbox_send.endpoint)
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM sv._require_push_host('endpoint ' || e.name, e.url);
  IF outbox_send.kind !~ '^[a-z][a-z0-9_.-]{1,63}$' THEN
    RAISE EXCEPTION 'kind must be 2-64 lower-case letters, digits, ".", "_" or "-", not %',
      coalesce(quote_literal(outbox_send.kind), 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF outbox_send.dedup_key IS NOT NULL AND btrim(outbox_send.dedup_key) = '' THEN
    RAISE EXCEPTION 'dedup_key must be NULL or not empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO sv.outbox AS o (endpoint, kind, payload, dedup_key, next_attempt_at, created_by, created_at, updated_at)
  VALUES (e.name, outbox_send.kind, outbox_send.payload, outbox_send.dedup_key, now(), sv._outer_user(), now(), now())
  ON CONFLICT (endpoint, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
  RETURNING o.message_id INTO v_id;
  IF v_id IS NULL THEN
    SELECT o.message_id INTO v_id FROM sv.outbox o WHERE o.endpoint = e.name AND o.dedup_key = outbox_send.dedup_key;
    RETURN v_id;
  END IF;
  -- every message to an outside system in the audit chain, whoever queued it; the payload by
  -- its SHA-256 (it may carry personal data, which the chain could never forget)
  PERFORM sv.audit_append(e.department_id, 'outbox', v_id::text, 'queue',
    jsonb_build_object('endpoint', e.name, 'kind', outbox_send.kind, 'dedup_key', outbox_send.dedup_key,
                       'payload_sha256', encode(sha256(convert_to(outbox_send.payload::text, 'UTF8')), 'hex')));
  PERFORM sv._push_wake_at_commit();
  RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION sv.outbox_send(text, text, jsonb, text) IS
  'Queue a message to an outside system in the current transaction; returns its id (the Idempotency-Key)';

-- The worker's claim: due messages (and in-flight ones whose lease ran out: the worker died),
-- within each endpoint's concurrency limit and the worker's free capacity, fair across
-- endpoints: each enabled endpoint offers at most its free slots, read along its own index
-- (outbox_endpoint_due_idx), and the batch takes every endpoint's first message before any
-- endpoint's second (round-robin, then due order).  A slow or dead endpoint whose slots are
-- all taken offers nothing, so it never delays another endpoint's messages (issue 20).
-- Bitmap scans are off for the claim: they never mark dead index entries, so the in-flight
-- count would read every message delivered since the last vacuum (issue 20); plain index
-- scans mark them and skip them from then on.  Sequential scans are off too: statistics taken
-- during a burst make the planner expect thousands of messages in flight per endpoint and scan
-- the whole table for each; every read of the claim goes along an index (sv.endpoint's scan
-- keeps its disabling cost, so JIT, which that cost would start, is off).
-- The worker passes its own count of messages in flight per endpoint (busy_endpoints,
-- busy_counts: claimed and not yet recorded, kept in its memory), so that a claim counts
-- nothing; without them the function counts them itself.  PL/pgSQL, so that the plan is kept
-- for the worker's session (a SQL function would be planned at every call).
CREATE OR REPLACE FUNCTION sv._outbox_claim(capacity integer, lease_margin_ms integer,
                                 busy_endpoints text[] DEFAULT NULL, busy_counts integer[] DEFAULT NULL)
RETURNS TABLE (id bigint, message_id uuid, attempt integer, kind text, body text, url text, method text, headers jsonb,
               auth text, secret text, timeout_ms integer, follow_redirects boolean, auth_header text, endpoint text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
SET enable_bitmapscan = off
SET enable_seqscan = off
SET jit = off
AS $fn$
#variable_conflict use_column
BEGIN
  -- The worker passes its own count of messages in flight per endpoint (kept in its memory:
  -- no count per claim, issue 20); any other caller gets them counted here.
  IF busy_endpoints IS NULL THEN
    SELECT coalesce(array_agg(b.endpoint), '{}'), coalesce(array_agg(b.n), '{}') INTO busy_endpoints, busy_counts
    FROM (SELECT o.endpoint, count(*)::integer AS n FROM sv.outbox o
          WHERE o.status = 'in_flight' AND o.lease_until > now() GROUP BY o.endpoint) b;
  END IF;
  RETURN QUERY
  WITH ep AS MATERIALIZED (
    SELECT e.name, e.timeout_ms, greatest(least(e.max_concurrent - coalesce(b.n, 0), capacity), 0) AS free
    FROM sv.endpoint e LEFT JOIN unnest(busy_endpoints, busy_counts) b(name, n) ON b.name = e.name
    WHERE e.enabled
  ), offered AS (
    -- per endpoint: expired leases first, then pending messages in due order, each read
    -- along an index on (endpoint, ...), at most the endpoint's free slots of each
    SELECT d.id, d.due_at, ep.timeout_ms, ep.free,
           row_number() OVER (PARTITION BY ep.name ORDER BY d.expired DESC, d.due_at, d.id) AS turn
    FROM ep CROSS JOIN LATERAL (
      SELECT x.id, x.due_at, true AS expired FROM (
        SELECT o.id, o.lease_until AS due_at FROM sv.outbox o
        WHERE o.endpoint = ep.name AND o.status = 'in_flight' AND o.lease_until <= now()
        ORDER BY o.lease_until LIMIT ep.free
        FOR UPDATE SKIP LOCKED) x
      UNION ALL
      SELECT y.id, y.due_at, false FROM (
        SELECT o.id, o.next_attempt_at AS due_at FROM sv.outbox o
        WHERE o.endpoint = ep.name AND o.status = 'pending' AND o.next_attempt_at <= now()
        ORDER BY o.next_attempt_at, o.id LIMIT ep.free
        FOR UPDATE SKIP LOCKED) y
    ) d
    WHERE ep.free > 0
  ), chosen AS (
    SELECT f.id, f.timeout_ms FROM offered f WHERE f.turn <= f.free
    ORDER BY f.turn, f.due_at, f.id LIMIT capacity
  ), claimed AS (
    UPDATE sv.outbox o SET status = 'in_flight', attempts = o.attempts + 1,
                           lease_until = now() + make_interval(secs => (c.timeout_ms + lease_margin_ms) / 1000.0),
                           updated_at = now()
    FROM chosen c WHERE o.id = c.id
    RETURNING o.id, o.message_id, o.attempts, o.kind, o.payload::text AS body, o.endpoint
  )
  SELECT c.id, c.message_id, c.attempts, c.kind, c.body, e.url, e.method, e.headers, e.auth, s.secret, e.timeout_ms,
         e.follow_redirects, e.auth_header, c.endpoint
  FROM claimed c JOIN sv.endpoint e ON e.name = c.endpoint LEFT JOIN sv.endpoint_secret s ON s.endpoint = c.endpoint
  ORDER BY c.id;
END
$fn$;

-- The worker's record of finished attempts (one transaction per batch): 2xx delivered; 408,
-- 429, 5xx and no response retried with exponential backoff and jitter until the endpoint's
-- max_attempts, then dead; anything else failed at once.  A result for an attempt that is no
-- longer the current one (the lease ran out and the message was claimed again) only adds its
-- attempt row.  Every row is found by its primary key (O(batch)): whether the attempt is the
-- current one is decided in r, so that the UPDATE has no condition on status that a plan could
-- answer by reading the whole in-flight index (every entry claimed since the last vacuum), as
-- it did with statistics that expected no message in flight (issue 20).  Only the worker
-- changes a message in flight (sv.outbox_requeue takes failed and dead ones only).
CREATE OR REPLACE FUNCTION sv._outbox_record(ids bigint[], attempts integer[], started timestamptz[], durations integer[],
                                  statuses integer[], errors text[], retry_base_ms integer, retry_max_ms integer)
RETURNS TABLE (delivered bigint, retried bigint, failed bigint, dead bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
SET enable_bitmapscan = off
SET enable_seqscan = off
SET jit = off
AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH r AS (
    SELECT x.id, x.attempt, x.started, x.duration, x.status, x.error, e.max_attempts,
           CASE WHEN x.status BETWEEN 200 AND 299 THEN 'delivered'
                WHEN x.status IS NULL OR x.status IN (408, 429) OR x.status BETWEEN 500 AND 599
                  THEN CASE WHEN x.attempt >= e.max_attempts THEN 'dead' ELSE 'retry' END
                ELSE 'failed' END AS outcome,
           o.status = 'in_flight' AND o.attempts = x.attempt AS current
    FROM unnest(ids, attempts, started, durations, statuses, errors) x(id, attempt, started, duration, status, error)
    JOIN sv.outbox o ON o.id = x.id
    JOIN sv.endpoint e ON e.name = o.endpoint
  ), logged AS (
    INSERT INTO sv.outbox_attempt (outbox_id, attempt, started_at, duration_ms, http_status, error, outcome)
    SELECT r.id, r.attempt, r.started, r.duration, r.status, r.error, r.outcome FROM r
    ON CONFLICT DO NOTHING
  ), changed AS (
    UPDATE sv.outbox o
       SET status = CASE r.outcome WHEN 'retry' THEN 'pending' ELSE r.outcome END,
           lease_until = NULL, last_status = r.status, last_error = r.error, updated_at = now(),
           delivered_at = CASE WHEN r.outcome = 'delivered' THEN now() END,
           next_attempt_at = CASE WHEN r.outcome = 'retry'
             THEN now() + make_interval(secs => least(retry_max_ms::float8, retry_base_ms * power(2::float8, r.attempt - 1))
                                               * (0.5 + random() / 2) / 1000.0)
             ELSE o.next_attempt_at END
      FROM r
     WHERE o.id = r.id AND r.current AND o.attempts = r.attempt
    RETURNING r.outcome
  )
  SELECT count(*) FILTER (WHERE outcome = 'delivered'), count(*) FILTER (WHERE outcome = 'retry'),
         count(*) FILTER (WHERE outcome = 'failed'), count(*) FILTER (WHERE outcome = 'dead')
  FROM changed;
END
$fn$;

-- At worker start every in-flight message is an orphan of the previous worker: due again now.
CREATE OR REPLACE FUNCTION sv._outbox_recover() RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  WITH a AS (
    INSERT INTO sv.outbox_attempt (outbox_id, attempt, started_at, duration_ms, http_status, error, outcome)
    SELECT o.id, o.attempts, o.updated_at, 0, NULL, 'the worker stopped during delivery', 'abandoned'
    FROM sv.outbox o WHERE o.status = 'in_flight'
    ON CONFLICT DO NOTHING
  ), u AS (
    UPDATE sv.outbox o SET status = 'pending', lease_until = NULL, next_attempt_at = now(), updated_at = now(),
                           last_error = 'the worker stopped during delivery'
    WHERE o.status = 'in_flight' RETURNING 1
  )
  SELECT count(*) FROM u
$fn$;

-- Failed or dead messages go back to the queue with fresh attempts (after the endpoint was fixed).
CREATE OR REPLACE FUNCTION sv.outbox_requeue(message_ids uuid[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_bad text;
  n bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['message_ids'], ARRAY[message_ids IS NULL]);
  IF array_position(message_ids, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'message_ids must not contain null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM sv._require_role('requeue messages', '{sv_admin}');
  IF coalesce(cardinality(message_ids), 0) = 0 THEN
    RAISE EXCEPTION 'message_ids must name at least one message' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(coalesce(x::text, 'NULL') || coalesce(' (' || o.status || ')', ' (no such message)'), ', ')
  INTO v_bad FROM unnest(message_ids) x LEFT JOIN sv.outbox o ON o.message_id = x
  WHERE o.status IS NULL OR o.status NOT IN ('failed', 'dead');
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'only failed or dead messages are requeued: %', v_bad USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE sv.outbox o SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now()
  WHERE o.message_id = ANY (message_ids);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM sv.audit_append(NULL, 'outbox', n || ' message(s)', 'requeue', jsonb_build_object('messages', to_jsonb(message_ids)));
  PERFORM sv._push_wake_at_commit();
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION sv.outbox_requeue(uuid[]) IS 'Administrators: put failed or dead messages back in the queue with fresh attempts';

-- Retention (sv.job_outbox_cleanup daily, 95_jobs.sql): attempts older than
-- sv.push_attempt_retention, and delivered messages as old whose attempts are gone.  Pending,
-- failed and dead messages are never removed.  At most max_rows rows per call (NULL: all), the
-- attempts first; the callers check the caller's right.
CREATE OR REPLACE FUNCTION sv._outbox_cleanup_batch(max_rows bigint, OUT attempts_removed bigint, OUT messages_removed bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_keep interval := current_setting('sv.push_attempt_retention')::interval;
BEGIN
  DELETE FROM sv.outbox_attempt a
  WHERE (a.outbox_id, a.attempt) IN (SELECT x.outbox_id, x.attempt FROM sv.outbox_attempt x
                                     WHERE x.started_at < now() - v_keep LIMIT max_rows);
  GET DIAGNOSTICS attempts_removed = ROW_COUNT;
  DELETE FROM sv.outbox o
  WHERE o.id IN (SELECT x.id FROM sv.outbox x WHERE x.status = 'delivered' AND x.delivered_at < now() - v_keep
                 LIMIT max_rows - attempts_removed);
  GET DIAGNOSTICS messages_removed = ROW_COUNT;
END
$fn$;

CREATE OR REPLACE FUNCTION sv.outbox_cleanup(OUT attempts_removed bigint, OUT messages_removed bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_role('clean up the outbox', '{sv_admin,sv_integration}');
  SELECT b.attempts_removed, b.messages_removed INTO attempts_removed, messages_removed
  FROM sv._outbox_cleanup_batch(NULL) b;
END
$fn$;
COMMENT ON FUNCTION sv.outbox_cleanup() IS
  'Remove delivery attempts and delivered messages older than sv.push_attempt_retention (schedule with pg_cron)';

GRANT EXECUTE ON FUNCTION sv.endpoint_save(text, text, text, jsonb, text, integer, integer, integer, boolean, boolean, integer, text),
                          sv.endpoint_set_secret(text, text), sv.outbox_requeue(uuid[]) TO sv_admin;
GRANT EXECUTE ON FUNCTION sv.outbox_send(text, text, jsonb, text), sv.outbox_cleanup() TO sv_admin, sv_integration;
GRANT EXECUTE ON FUNCTION sv.push_worker_status() TO sv_admin, sv_auditor;

CREATE VIEW sv_work.outbox_dead WITH (security_invoker = true) AS
  SELECT o.message_id, o.endpoint, e.department_id, d.name_zh AS department_name, o.kind, o.status,
         sv.label_zh('outbox.status', o.status) AS status_zh, o.attempts, o.last_status, o.last_error,
         o.created_at, o.updated_at
  FROM sv.outbox o JOIN sv.endpoint e ON e.name = o.endpoint
  LEFT JOIN sv.department d ON d.id = e.department_id
  WHERE o.status IN ('failed', 'dead');
COMMENT ON VIEW sv_work.outbox_dead IS '推送失败的消息 / Messages that were not delivered (failed at once or attempts exhausted): requeue after fixing the endpoint';
COMMENT ON COLUMN sv_work.outbox_dead.message_id IS '消息编号';
COMMENT ON COLUMN sv_work.outbox_dead.endpoint IS '接收端点';
COMMENT ON COLUMN sv_work.outbox_dead.department_id IS '接收部门编号';
COMMENT ON COLUMN sv_work.outbox_dead.department_name IS '接收部门名称';
COMMENT ON COLUMN sv_work.outbox_dead.kind IS '消息类型';
COMMENT ON COLUMN sv_work.outbox_dead.status IS '状态代码:failed 推送失败, dead 重试次数用尽';
COMMENT ON COLUMN sv_work.outbox_dead.status_zh IS '状态';
COMMENT ON COLUMN sv_work.outbox_dead.attempts IS '推送次数';
COMMENT ON COLUMN sv_work.outbox_dead.last_status IS '最后一次HTTP状态码';
COMMENT ON COLUMN sv_work.outbox_dead.last_error IS '最后一次错误信息';
COMMENT ON COLUMN sv_work.outbox_dead.created_at IS '创建时间';
COMMENT ON COLUMN sv_work.outbox_dead.updated_at IS '更新时间';

-- sv:rerun (the labels of the message states, 05_code_label: every update registers them again)
SELECT sv._code_label_register('outbox.status', ARRAY[['pending', '待推送'], ['in_flight', '推送中'],
  ['delivered', '已送达'], ['failed', '推送失败'], ['dead', '重试次数用尽']]);

CREATE VIEW sv_work.outbox_counters WITH (security_invoker = true) AS
  SELECT o.endpoint,
         count(*) FILTER (WHERE o.status = 'pending') AS pending,
         count(*) FILTER (WHERE o.status = 'in_flight') AS in_flight,
         count(*) FILTER (WHERE o.status = 'delivered') AS delivered,
         count(*) FILTER (WHERE o.status = 'delivered' AND o.attempts > 1) AS delivered_after_retry,
         count(*) FILTER (WHERE o.status = 'pending' AND o.attempts > 0) AS retrying,
         count(*) FILTER (WHERE o.status = 'failed') AS failed,
         count(*) FILTER (WHERE o.status = 'dead') AS dead,
         now() - min(o.created_at) FILTER (WHERE o.status IN ('pending', 'in_flight')) AS queue_age
  FROM sv.outbox o
  GROUP BY o.endpoint;
COMMENT ON VIEW sv_work.outbox_counters IS
  '推送队列统计 / Per endpoint: pending, in flight, delivered (after retries), retrying, failed, dead, age of the oldest undelivered message';
COMMENT ON COLUMN sv_work.outbox_counters.endpoint IS '接收端点';
COMMENT ON COLUMN sv_work.outbox_counters.pending IS '待推送数';
COMMENT ON COLUMN sv_work.outbox_counters.in_flight IS '推送中数';
COMMENT ON COLUMN sv_work.outbox_counters.delivered IS '已送达数';
COMMENT ON COLUMN sv_work.outbox_counters.delivered_after_retry IS '重试后送达数';
COMMENT ON COLUMN sv_work.outbox_counters.retrying IS '重试中数';
COMMENT ON COLUMN sv_work.outbox_counters.failed IS '推送失败数';
COMMENT ON COLUMN sv_work.outbox_counters.dead IS '重试用尽数';
COMMENT ON COLUMN sv_work.outbox_counters.queue_age IS '最早未送达消息的等待时长';
GRANT SELECT ON sv_work.outbox_dead, sv_work.outbox_counters TO sv_admin, sv_auditor, sv_officer;

-- ---------------------------------------------------------------------------------------------
-- The endpoint of each department's system: where the platform's messages to a department go
-- (linkage both ways, 65_linkage; the feedback requests of joint rewards and punishments,
-- 56_credit_sanction).  The outbox owns it; its users come later in the install order.  Until
-- 0.2.0 it was 65_linkage's sv.linkage_endpoint (renamed by the update, rows kept; no view of
-- the old name: docs/upgrades.md); sv.linkage_endpoint_set stays as an alias for a while.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE sv.department_endpoint (
  department_id integer PRIMARY KEY REFERENCES sv.department (id),
  endpoint      text NOT NULL REFERENCES sv.endpoint (name),
  set_by        text NOT NULL,
  set_at        timestamptz NOT NULL
);
COMMENT ON TABLE sv.department_endpoint IS
  'The endpoint of each department''s system for the platform''s messages to it (linkage both ways, sanction feedback requests)';

ALTER TABLE sv.department_endpoint ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.department_endpoint FORCE ROW LEVEL SECURITY;
CREATE POLICY department_endpoint_all ON sv.department_endpoint FOR SELECT TO sv_admin, sv_auditor, sv_integration USING (true);
CREATE POLICY department_endpoint_officer ON sv.department_endpoint FOR SELECT TO sv_officer USING (true);
GRANT SELECT ON sv.department_endpoint TO sv_admin, sv_auditor, sv_integration, sv_officer;
SELECT pg_catalog.pg_extension_config_dump('sv.department_endpoint', '');

CREATE OR REPLACE FUNCTION sv.department_endpoint_set(department_id integer, endpoint text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['department_id', 'endpoint'], ARRAY[department_id IS NULL, endpoint IS NULL]);
  PERFORM sv._require_role('route messages to departments'' systems', '{sv_admin}');
  PERFORM sv._require_department('department_id', department_id);
  IF NOT EXISTS (SELECT 1 FROM sv.endpoint e WHERE e.name = department_endpoint_set.endpoint) THEN
    RAISE EXCEPTION 'endpoint: endpoint % does not exist', quote_literal(endpoint)
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO sv.department_endpoint AS x (department_id, endpoint, set_by, set_at)
  VALUES (department_id, endpoint, me.login, now())
  ON CONFLICT ON CONSTRAINT department_endpoint_pkey DO UPDATE SET endpoint = excluded.endpoint, set_by = excluded.set_by,
                                                                 set_at = excluded.set_at;
  PERFORM sv.audit_append(department_id, 'department_endpoint', department_id::text, 'set', jsonb_build_object('endpoint', endpoint));
END
$fn$;
COMMENT ON FUNCTION sv.department_endpoint_set(integer, text) IS 'Administrators: the endpoint of a department''s system for the platform''s messages to it';

-- Queues a message to a department's system when it has one (sv.department_endpoint: linkage
-- messages, and the feedback requests of joint rewards and punishments); NULL otherwise (the
-- department then works from sv_work).
CREATE OR REPLACE FUNCTION sv._department_push(department_id integer, kind text, payload jsonb, dedup_key text) RETURNS uuid
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  v_id uuid;
BEGIN
  -- plpgsql, not sql: on every write path that notifies a department, its plan is kept for the
  -- session (a LANGUAGE sql function is parsed and planned at each call); columns win over the
  -- parameters' names as they did in sql, and only the first row is fetched, as in sql
  SELECT sv.outbox_send(e.endpoint, kind, payload, dedup_key) INTO v_id
  FROM sv.department_endpoint e JOIN sv.endpoint p ON p.name = e.endpoint
  WHERE e.department_id = _department_push.department_id;
  RETURN v_id;
END
$fn$;

-- The 0.1.0 name of sv.department_endpoint_set, kept for callers written against 0.1.0 (to be
-- removed in 0.3.0).
CREATE OR REPLACE FUNCTION sv.linkage_endpoint_set(department_id integer, endpoint text) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT sv.department_endpoint_set(department_id, endpoint)
$fn$;
COMMENT ON FUNCTION sv.linkage_endpoint_set(integer, text) IS
  'Deprecated alias of sv.department_endpoint_set (its 0.1.0 name), to be removed in 0.3.0';

GRANT EXECUTE ON FUNCTION sv.department_endpoint_set(integer, text), sv.linkage_endpoint_set(integer, text) TO sv_admin;
