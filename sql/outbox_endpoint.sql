-- Endpoints (issue 13): one URL parser (libcurl's URL API, in C) for the SQL checks, the worker
-- and sv.security_check(); credentials never in plain headers nor in the audit chain (auth
-- 'header' carries an API key through sv.endpoint_secret); NULL arguments answer 22004 naming
-- the argument in every public function of the outbox and linkage; infinite dates refused.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
-- in one transaction rolled back at the end: no trace for the tests that follow
BEGIN;

CREATE ROLE regress_oe_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_oe_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_oe_officer LOGIN IN ROLE sv_officer;
-- a licensing item for the date checks (the outbox itself needs none)
SELECT sv.power_item_save('RGE-L-001', '食品经营许可', 'licensing', 4, '[{"law": "食品安全法", "article": "第三十五条"}]',
                          approving_department_id => 1, centralised => true) > 0 AS power;
SELECT '91410402MA4RGE001' || sv.uscc_check_character('91410402MA4RGE001') AS uscc \gset

-- one line per call: the SQLSTATE and the message (and hint), or ok
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_state text; v_msg text; v_hint text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_hint = PG_EXCEPTION_HINT;
  RETURN v_state || ' ' || v_msg || coalesce(nullif(' [hint: ' || v_hint || ']', ' [hint: ]'), '');
END
$$;

-- the parser: what libcurl connects to, or why the URL is refused
SHOW sv.push_allowed_hosts;
SELECT u AS url, p.normalized, p.host, p.port, sv._push_host_allowed(p.host) AS allowed, p.problem
FROM (VALUES ('http://127.0.0.2:18081?@127.0.0.1/x'), ('http://127.0.0.2:18081#@127.0.0.1/x'),
             ('http://127.0.0.1\@evil.com/'), ('http:\\127.0.0.1/'), ('http://user:pw@127.0.0.1/'), ('http://@127.0.0.1/'),
             ('http://[::1]:8080/x'), ('http://[::1%25lo]/'), ('http://%6c%6f%63%61%6c%68%6f%73%74:9/'),
             ('http://%31%32%37.0.0.1/'), ('http://0x7f.1/'), ('HTTP://LocalHost:9'), ('https://API.Example.ORG/v1?a=b'),
             ('http://localhost./'), ('http://example.org.evil.com/'), ('127.0.0.1/accept'), ('//127.0.0.1/'),
             ('ftp://127.0.0.1/'), ('file:///etc/passwd'), ('gopher://127.0.0.1/'), ('http:/127.0.0.1/'), ('http:///accept'),
             (' http://127.0.0.1/'), ('http://127.0.0.1/a b'), (E'http://127.0.0.1/\t'), ('http://127.0.0.1:99999/'),
             ('http://127.0.0.1:-1/'), ('http://'), ('')) v(u), sv._url_parse(u) p;
SELECT sv._url_host('http://127.0.0.2:18081?@127.0.0.1/x') AS issue_13_host, sv._url_host(repeat('a', 3000)) AS over_long,
       sv._url_host(NULL) AS null_url, sv._push_host_allowed(NULL) AS null_host;
SELECT (sv._url_parse('http://127.0.0.1/' || repeat('a', 2100))).problem AS over_long;

-- endpoint_save: the worker's rule, at save
SET ROLE regress_oe_admin;
SELECT pg_temp.try(format('SELECT sv.endpoint_save(%L, %L)', 'RGE-X', u)) AS endpoint_save
FROM (VALUES ('http://127.0.0.2:18081?@127.0.0.1/x'), ('http://127.0.0.1\@evil.com/'), ('http://user:pw@127.0.0.1/'),
             ('http://127.0.0.1:9/accept#frag'), ('http://[::1]:9/'), ('http://localhost./'), ('127.0.0.1/accept'),
             ('ftp://127.0.0.1/'), (' http://127.0.0.1:9/'), ('http://127.0.0.1:9/a b'), ('http://127.0.0.1:99999/'),
             ('http://127.0.0.1/' || repeat('a', 3000))) v(u);
-- what is stored is what libcurl requests
SELECT sv.endpoint_save('RGE-NORM', 'HTTP://LocalHost:9') AS saved,
       sv.endpoint_save('RGE-PCT', 'http://%31%32%37.0.0.1:9/accept') AS saved;
SELECT name, url FROM sv.endpoint WHERE name LIKE 'RGE-%' ORDER BY name;

-- credentials never in plain headers: refused with a hint, the header named
SELECT pg_temp.try(format('SELECT sv.endpoint_save(%L, %L, headers => %L)', 'RGE-H', 'http://127.0.0.1:9/accept', h)) AS headers
FROM (VALUES ('{"X-Api-Key": "k-123"}'), ('{"Cookie": "sid=1"}'), ('{"Proxy-Authorization": "Basic eDp5"}'),
             ('{"X-Auth-Token": "t"}'), ('{"x-session-id": "s"}'), ('{"X-Client-Secret": "s"}'), ('{"X-Password": "p"}'),
             ('{"Authorization": "Bearer t"}'), ('{"X-System": "sv", "X-CSRF-Token": "t", "apikey": "k"}'),
             ('{"X-Sv-Attempt": "1"}'), ('{"User-Agent": "me"}')) v(h);
-- an API key header: its name in the endpoint, its value in sv.endpoint_secret, sent by the worker
SELECT pg_temp.try($$SELECT sv.endpoint_save('RGE-KEY', 'http://127.0.0.1:9/accept', auth => 'header')$$) AS auth_header,
       pg_temp.try($$SELECT sv.endpoint_save('RGE-KEY', 'http://127.0.0.1:9/accept', auth_header => 'X-Api-Key')$$) AS auth_header,
       pg_temp.try($$SELECT sv.endpoint_save('RGE-KEY', 'http://127.0.0.1:9/accept', auth => 'header', auth_header => 'Content-Type')$$) AS auth_header,
       pg_temp.try($$SELECT sv.endpoint_save('RGE-KEY', 'http://127.0.0.1:9/accept', auth => 'header', auth_header => 'X Key')$$) AS auth_header,
       pg_temp.try($$SELECT sv.endpoint_save('RGE-KEY', 'http://127.0.0.1:9/accept', headers => '{"X-System": "sv"}',
                                             auth => 'header', auth_header => 'x-system')$$) AS auth_header;
SELECT sv.endpoint_save('RGE-KEY', 'http://127.0.0.1:9/accept', headers => '{"X-System": "sv_platform"}', auth => 'header',
                        auth_header => 'X-Api-Key', department_id => 4) AS saved;
SELECT sv.endpoint_set_secret('RGE-KEY', 'api-key-value-0123456789');
SELECT name, headers, auth, auth_header FROM sv.endpoint WHERE name = 'RGE-KEY';
-- the example of docs/push.md
SELECT sv.endpoint_save('pds-tax', 'https://tax.example.org/api/push', auth => 'header', auth_header => 'X-Api-Key',
                        department_id => 4);
SELECT sv.endpoint_set_secret('pds-tax', 'the-api-key-of-the-tax-system');
RESET ROLE;
-- the audit chain keeps header names, never a value nor the secret
SELECT object_id, action, change::jsonb -> 'header_names' AS header_names, change::jsonb ? 'headers' AS header_values,
       position('sv_platform' IN change::text) > 0 OR position('api-key-value' IN change::text) > 0 AS value_in_audit
FROM sv.audit_log WHERE object_kind = 'endpoint' AND object_id = 'RGE-KEY' ORDER BY seq;
-- officers (any: endpoints are not scoped) read the endpoint without any credential in it
SET ROLE regress_oe_officer;
SELECT name, headers, auth, auth_header FROM sv.endpoint WHERE name = 'RGE-KEY';
SELECT has_table_privilege('sv.endpoint_secret', 'SELECT') AS reads_secrets;
RESET ROLE;

-- sv.security_check(): every endpoint the worker would refuse, disabled ones too, by the same
-- parser; credential headers stored before the rule.  (Rows written directly, as a superuser
-- restoring an old dump would.)
INSERT INTO sv.endpoint (name, url, headers, enabled, updated_by, updated_at) VALUES
  ('RGE-Q', 'http://127.0.0.2:18081?@127.0.0.1/x', '{}', true, 'regress', now()),
  ('RGE-OFF', 'https://evil.com/hook', '{}', false, 'regress', now()),
  ('RGE-BAD', 'http://127.0.0.1\@evil.com/', '{}', true, 'regress', now()),
  ('RGE-OLD', 'http://127.0.0.1:9/accept', '{"X-Api-Key": "old-key", "X-System": "sv"}', true, 'regress', now());
SELECT severity, finding, object, detail FROM sv.security_check(false) WHERE object LIKE 'sv.endpoint RGE-%' ORDER BY object, finding;
-- outbox_send refuses such an endpoint by the same rule
SET ROLE regress_oe_feed;
SELECT pg_temp.try($$SELECT sv.outbox_send('RGE-Q', 'x.test', '{}')$$) AS send,
       pg_temp.try($$SELECT sv.outbox_send('RGE-BAD', 'x.test', '{}')$$) AS send;
RESET ROLE;
DELETE FROM sv.endpoint WHERE name IN ('RGE-Q', 'RGE-OFF', 'RGE-BAD', 'RGE-OLD');
SELECT finding, object FROM sv.security_check(false) WHERE finding LIKE 'endpoint%' AND object LIKE 'sv.endpoint RGE-%';

-- NULL arguments: 22004 naming the argument, before anything else is looked at
SET ROLE regress_oe_admin;
SELECT f AS call, pg_temp.try('SELECT ' || f) AS answer
FROM (VALUES ('sv.endpoint_save(NULL, ''http://127.0.0.1:9/'')'), ('sv.endpoint_save(''RGE-N'', NULL)'),
             ('sv.endpoint_save(''RGE-N'', ''http://127.0.0.1:9/'', method => NULL)'),
             ('sv.endpoint_save(''RGE-N'', ''http://127.0.0.1:9/'', headers => NULL)'),
             ('sv.endpoint_save(''RGE-N'', ''http://127.0.0.1:9/'', auth => NULL)'),
             ('sv.endpoint_save(''RGE-N'', ''http://127.0.0.1:9/'', timeout_ms => NULL)'),
             ('sv.endpoint_save(''RGE-N'', ''http://127.0.0.1:9/'', max_attempts => NULL)'),
             ('sv.endpoint_save(''RGE-N'', ''http://127.0.0.1:9/'', max_concurrent => NULL)'),
             ('sv.endpoint_save(''RGE-N'', ''http://127.0.0.1:9/'', follow_redirects => NULL)'),
             ('sv.endpoint_save(''RGE-N'', ''http://127.0.0.1:9/'', enabled => NULL)'),
             ('sv.endpoint_set_secret(NULL, ''sixteen-chars-or-more'')'), ('sv.endpoint_set_secret(''RGE-KEY'', NULL)'),
             ('sv.outbox_send(NULL, ''x.test'', ''{}'')'), ('sv.outbox_send(''RGE-KEY'', NULL, ''{}'')'),
             ('sv.outbox_send(''RGE-KEY'', ''x.test'', NULL)'), ('sv.outbox_requeue(NULL)'),
             ('sv.outbox_requeue(ARRAY[NULL]::uuid[])'),
             ('sv.department_endpoint_set(NULL, ''RGE-KEY'')'), ('sv.department_endpoint_set(4, NULL)'),
             ('sv.linkage_rule_set(NULL, 10)'), ('sv.linkage_rule_set(''RGL-X'', NULL)'), ('sv.linkage_rule_set(''RGL-X'', 10, NULL)'),
             ('sv.approval_receive(NULL)'), ('sv.approval_receive(''{}'', NULL)'), ('sv.linkage_claim(NULL)'),
             ('sv.linkage_report(NULL, ''other'', ''summary'')'), ('sv.linkage_report(-1, NULL, ''summary'')'),
             ('sv.linkage_report(-1, ''other'', NULL)'), ('sv.linkage_acknowledge(NULL)')) v(f);
RESET ROLE;

-- dates of an approval: infinite or out-of-range values refused, the field named
SET ROLE regress_oe_feed;
SELECT d AS dates, pg_temp.try(format($$SELECT sv.approval_receive(%L::jsonb || jsonb_build_object('approval_id', 'RGE-D',
         'uscc', %L, 'subject_name', 's', 'power_code', 'RGE-L-001', 'decision', 'granted', 'licence_no', 'L1',
         'approving_department', '1'))$$, d, :'uscc')) AS answer
FROM (VALUES ('{"decided_on": "infinity"}'), ('{"decided_on": "-infinity"}'), ('{"decided_on": "10000-01-01"}'),
             ('{"decided_on": "0099-01-01"}'), ('{"decided_on": "2020-01-01", "valid_until": "infinity"}'),
             ('{"decided_on": "2020-01-01", "valid_until": "-infinity"}'),
             ('{"decided_on": "2020-01-01", "valid_until": "3000-01-01"}')) v(d);
RESET ROLE;
ROLLBACK;
