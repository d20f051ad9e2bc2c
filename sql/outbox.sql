-- The outbox (SQL side): endpoints and secrets, queueing in the sender's transaction, the
-- allow-list, the worker's claim and record steps (per-endpoint concurrency, retry, failed,
-- dead, stale results), recovery of orphans, requeue, retention, the views, every error.
-- The worker itself is off here (sv.push_enabled); t/005_push.pl drives it over HTTP.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

CREATE ROLE regress_ob_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_ob_feed LOGIN IN ROLE sv_integration;
CREATE ROLE regress_ob_msa LOGIN IN ROLE sv_officer;
CREATE ROLE regress_ob_health LOGIN IN ROLE sv_officer;
CREATE ROLE regress_ob_public LOGIN IN ROLE sv_public;
SELECT sv.staff_add('regress_ob_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_ob_health', 7, '410400') > 0 AS mapped;

-- the allow-list (sv.push_allowed_hosts = '127.0.0.1, localhost, .example.org' in test.conf)
SHOW sv.push_allowed_hosts;
SELECT u AS url, sv._url_host(u) AS host, sv._push_host_allowed(sv._url_host(u)) AS allowed
FROM (VALUES ('http://127.0.0.1:8080/accept/x'), ('https://platform.example.org/api'), ('https://EXAMPLE.org/'),
             ('https://user:pw@LocalHost:99/p?q'), ('http://example.org.evil.com/'), ('https://evil-example.org/'),
             ('http://[::1]:8080/'), ('ftp://127.0.0.1/')) v(u);
SET sv.push_allowed_hosts = '*';

-- endpoints: administrators only, every argument checked
SET ROLE regress_ob_admin;
SELECT sv.endpoint_save('x y', 'http://127.0.0.1:9/accept');
SELECT sv.endpoint_save('RGO-MSA', 'ftp://127.0.0.1/accept');
SELECT sv.endpoint_save('RGO-MSA', 'http:///accept');
SELECT sv.endpoint_save('RGO-MSA', 'https://evil.com/hook');
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', method => 'GET');
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', headers => '[]');
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', headers => '{"Authorization": "Basic x"}');
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', headers => '{"X-Trace": "a\r\nX-Evil: 1"}');
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', headers => '{"X Bad": "1"}');
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', headers => '{"X-Count": 1}');
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', auth => 'basic');
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', timeout_ms => 50);
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', max_attempts => 0);
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', max_concurrent => 1000);
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', enabled => NULL);
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept', department_id => 99);
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept/msa', headers => '{"X-Department": "410400-MSA"}',
                        max_attempts => 3, max_concurrent => 1, department_id => 4) AS saved,
       sv.endpoint_save('RGO-PROV', 'https://platform.example.org/api/v1/messages', auth => 'hmac_sha256',
                        timeout_ms => 5000) AS saved,
       sv.endpoint_save('RGO-HEALTH', 'http://localhost:9/accept/health', method => 'PUT', auth => 'bearer',
                        department_id => 7) AS saved;
-- saving the same again is not a change
SELECT sv.endpoint_save('RGO-PROV', 'https://platform.example.org/api/v1/messages', auth => 'hmac_sha256',
                        timeout_ms => 5000) AS unchanged;
SELECT sv.endpoint_set_secret('RGO-NONE', 'sixteen-chars-or-more');
SELECT sv.endpoint_set_secret('RGO-PROV', 'short');
SELECT sv.endpoint_set_secret('RGO-PROV', 'line one' || chr(10) || 'line two, long enough');
SELECT sv.endpoint_set_secret('RGO-PROV', 'hmac-key-of-the-provincial-platform');
SELECT sv.endpoint_set_secret('RGO-HEALTH', 'bearer-token-of-the-health-system');
-- nobody but the owner reads secrets, administrators included
SELECT * FROM sv.endpoint_secret;
SELECT name, url, method, headers, auth, timeout_ms, max_attempts, max_concurrent, follow_redirects, enabled, department_id
FROM sv.endpoint WHERE name LIKE 'RGO-%' ORDER BY name;
RESET ROLE;
SELECT object_id, action, change::jsonb ? 'secret' AS secret_in_audit, change::jsonb ? 'sha256_prefix' AS fingerprint
FROM sv.audit_log WHERE object_kind = 'endpoint' AND object_id LIKE 'RGO-%' ORDER BY seq;
SET ROLE regress_ob_msa;
SELECT sv.endpoint_save('RGO-X', 'http://127.0.0.1:9/accept');
SELECT sv.endpoint_set_secret('RGO-PROV', 'sixteen-chars-or-more');
RESET ROLE;

-- queueing: in the sender's transaction; a dedup key makes a send idempotent
SET ROLE regress_ob_feed;
SELECT sv.outbox_send('RGO-NONE', 'approval.push', '{}');
SELECT sv.outbox_send('RGO-MSA', 'Approval Push', '{}');
SELECT sv.outbox_send('RGO-MSA', 'approval.push', NULL);
SELECT sv.outbox_send('RGO-MSA', 'approval.push', '{}', ' ');
BEGIN;
SELECT sv.outbox_send('RGO-MSA', 'approval.push', '{"n": 0}', 'never') IS NOT NULL AS queued;
ROLLBACK;
SELECT sv.outbox_send('RGO-MSA', 'approval.push', jsonb_build_object('n', n), 'msa-' || n) IS NOT NULL AS queued
FROM generate_series(1, 3) n;
SELECT sv.outbox_send('RGO-MSA', 'approval.push', '{"n": 1, "again": true}', 'msa-1') AS again \gset
SELECT sv.outbox_send('RGO-PROV', 'credit.feedback', '{"p": 1}') IS NOT NULL AS queued,
       sv.outbox_send('RGO-HEALTH', 'approval.push', '{"h": 1}') IS NOT NULL AS queued;
RESET ROLE;
SET ROLE regress_ob_public;
SELECT sv.outbox_send('RGO-MSA', 'approval.push', '{}');
RESET ROLE;
SELECT endpoint, kind, payload, dedup_key, status, attempts, created_by FROM sv.outbox ORDER BY id;
SELECT message_id = :'again' AS same_message FROM sv.outbox WHERE dedup_key = 'msa-1';
-- an endpoint whose host left the allow-list: refused at send, the message is not queued
INSERT INTO sv.endpoint (name, url, updated_by, updated_at) VALUES ('RGO-GONE', 'https://gone.invalid/hook', 'test', now());
SET ROLE regress_ob_feed;
SELECT sv.outbox_send('RGO-GONE', 'approval.push', '{}');
RESET ROLE;

-- the worker's claim: due messages within each endpoint's max_concurrent (RGO-MSA: 1)
SELECT id AS m1 FROM sv.outbox WHERE dedup_key = 'msa-1' \gset
SELECT id AS m2 FROM sv.outbox WHERE dedup_key = 'msa-2' \gset
SELECT id AS m3 FROM sv.outbox WHERE dedup_key = 'msa-3' \gset
SELECT id AS p1 FROM sv.outbox WHERE endpoint = 'RGO-PROV' \gset
SELECT id AS h1 FROM sv.outbox WHERE endpoint = 'RGO-HEALTH' \gset
SELECT id = :m1 AS msa_first, attempt, kind, body, url, method, headers, auth, secret IS NOT NULL AS has_secret, timeout_ms
FROM sv._outbox_claim(10, 30000) ORDER BY id;
SELECT endpoint, status, attempts, lease_until > now() AS leased FROM sv.outbox ORDER BY id;
-- nothing more while RGO-MSA's one slot is taken
SELECT count(*) AS claimed FROM sv._outbox_claim(10, 30000);
-- outcomes: RGO-MSA 503 (retried later), RGO-PROV 200 (delivered), RGO-HEALTH 400 (failed at once)
SELECT * FROM sv._outbox_record(ARRAY[:m1, :p1, :h1]::bigint[], '{1,1,1}', ARRAY[now(), now(), now()], '{12,8,5}',
                                '{503,200,400}', ARRAY['HTTP 503: busy', NULL, 'HTTP 400: bad payload'], 1000, 60000);
SELECT endpoint, status, attempts, last_status, last_error, lease_until, delivered_at IS NOT NULL AS delivered,
       next_attempt_at > now() + interval '400 ms' AND next_attempt_at < now() + interval '1100 ms' AS backoff_0_5_to_1s
FROM sv.outbox ORDER BY id;
-- the retried message is not due yet: the next RGO-MSA message goes
SELECT id = :m2 AS second FROM sv._outbox_claim(10, 30000);
-- a result for an attempt that is no longer current only adds its attempt row
UPDATE sv.outbox SET lease_until = now() - interval '1 s' WHERE id = :m2;
SELECT id = :m2 AS reclaimed, attempt FROM sv._outbox_claim(10, 30000);
SELECT * FROM sv._outbox_record(ARRAY[:m2]::bigint[], '{1}', ARRAY[now()], '{30000}', '{NULL}', '{"Operation timed out"}', 1000, 60000);
SELECT status, attempts, last_error FROM sv.outbox WHERE id = :m2;
-- the second attempt gets no response and the third is the last: dead
SELECT * FROM sv._outbox_record(ARRAY[:m2]::bigint[], '{2}', ARRAY[now()], '{20}', '{NULL}', '{"Connection refused"}', 1000, 60000);
-- (made due before RGO-MSA's waiting third message: the claim goes in due order)
UPDATE sv.outbox SET next_attempt_at = now() - interval '1 hour' WHERE id = :m2;
SELECT id = :m2 AS third, attempt FROM sv._outbox_claim(10, 30000);
SELECT * FROM sv._outbox_record(ARRAY[:m2]::bigint[], '{3}', ARRAY[now()], '{20}', '{502}', '{"HTTP 502"}', 1000, 60000);
SELECT attempt, http_status, error, outcome FROM sv.outbox_attempt WHERE outbox_id = :m2 ORDER BY attempt;
SELECT status, attempts, last_status FROM sv.outbox WHERE id = :m2;

-- a worker that died left a message in flight: the next one queues it again at start
SELECT id = :m3 AS third_msa FROM sv._outbox_claim(10, 30000);
SELECT sv._outbox_recover() AS recovered;
SELECT status, attempts, last_error, next_attempt_at <= now() AS due FROM sv.outbox WHERE id = :m3;
SELECT outcome, error FROM sv.outbox_attempt WHERE outbox_id = :m3;
-- a disabled endpoint holds its messages
SET ROLE regress_ob_admin;
SELECT sv.endpoint_save('RGO-MSA', 'http://127.0.0.1:9/accept/msa', headers => '{"X-Department": "410400-MSA"}',
                        max_attempts => 3, max_concurrent => 1, department_id => 4, enabled => false) AS disabled;
RESET ROLE;
SELECT count(*) AS claimed FROM sv._outbox_claim(10, 30000);

-- the views: officers see their department's endpoints only
SET ROLE regress_ob_admin;
SELECT endpoint, pending, in_flight, delivered, delivered_after_retry, retrying, failed, dead, queue_age IS NOT NULL AS has_age
FROM sv_work.outbox_counters ORDER BY endpoint;
SELECT endpoint, department_id, kind, status, attempts, last_status FROM sv_work.outbox_dead ORDER BY endpoint;
RESET ROLE;
SET ROLE regress_ob_msa;
SELECT endpoint, status FROM sv_work.outbox_dead;
SELECT count(*) AS visible FROM sv.outbox;
RESET ROLE;
SET ROLE regress_ob_health;
SELECT endpoint, status FROM sv_work.outbox_dead;
RESET ROLE;
SET ROLE regress_ob_public;
SELECT * FROM sv_work.outbox_counters;
SELECT * FROM sv.outbox;
RESET ROLE;

-- requeue: administrators, failed or dead messages only
SELECT message_id AS dead_id FROM sv.outbox WHERE id = :m2 \gset
SELECT message_id AS failed_id FROM sv.outbox WHERE id = :h1 \gset
SELECT message_id AS pending_id FROM sv.outbox WHERE id = :m1 \gset
SET ROLE regress_ob_msa;
SELECT sv.outbox_requeue(ARRAY[:'dead_id']::uuid[]);
RESET ROLE;
SET ROLE regress_ob_admin;
SELECT sv.outbox_requeue('{}');
-- (message ids are random: shown as UUID)
DO $$
BEGIN
  PERFORM sv.outbox_requeue(ARRAY[(SELECT message_id FROM sv.outbox WHERE dedup_key = 'msa-2'),
                                  (SELECT message_id FROM sv.outbox WHERE dedup_key = 'msa-1'),
                                  '00000000-0000-0000-0000-000000000000']);
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  RAISE NOTICE '%', regexp_replace(SQLERRM, '[0-9a-f]{8}-[0-9a-f-]{27}', 'UUID', 'g');
END
$$;
SELECT sv.outbox_requeue(ARRAY[:'dead_id', :'failed_id']::uuid[]) AS requeued;
RESET ROLE;
SELECT endpoint, status, attempts, last_error FROM sv.outbox WHERE id IN (:m2, :h1) ORDER BY id;
-- (each queued message is in the audit chain too: endpoint, kind, the payload only as SHA-256;
-- this file's endpoints only: the chain keeps other tests' messages)
SELECT action, change ->> 'endpoint' AS endpoint, change ->> 'kind' AS kind,
       length(change ->> 'payload_sha256') = 64 AND change -> 'payload' IS NULL AS payload_hashed,
       change -> 'messages' IS NOT NULL AS lists_messages
FROM sv.audit_log WHERE object_kind = 'outbox' AND (change ->> 'endpoint' LIKE 'RGO-%' OR action = 'requeue') ORDER BY seq;

-- retention: attempts and delivered messages older than sv.push_attempt_retention (30 days)
SHOW sv.push_attempt_retention;
UPDATE sv.outbox_attempt SET started_at = started_at - interval '31 days' WHERE outbox_id IN (:p1, :m2);
UPDATE sv.outbox SET delivered_at = delivered_at - interval '31 days' WHERE id = :p1;
SET ROLE regress_ob_public;
SELECT * FROM sv.outbox_cleanup();
RESET ROLE;
SET ROLE regress_ob_feed;
SELECT * FROM sv.outbox_cleanup();
RESET ROLE;
SELECT count(*) AS attempts_left FROM sv.outbox_attempt;
SELECT count(*) FILTER (WHERE status = 'delivered') AS delivered_left, count(*) AS messages_left FROM sv.outbox;

-- the worker does not run here
SELECT pid, delivered, in_flight FROM sv.push_worker_status();

-- clean up what later tests list
SET session_replication_role = replica;
DELETE FROM sv.outbox_attempt;
DELETE FROM sv.outbox;
DELETE FROM sv.endpoint_secret;
DELETE FROM sv.endpoint WHERE name LIKE 'RGO-%';
SET session_replication_role = DEFAULT;

-- leave no role behind: `make installcheck` may run again on the same server
RESET ROLE;
SET session_replication_role = replica;
DELETE FROM sv.staff WHERE role_name IN ('regress_ob_admin', 'regress_ob_feed', 'regress_ob_msa', 'regress_ob_health', 'regress_ob_public');
SET session_replication_role = DEFAULT;
DROP ROLE regress_ob_admin, regress_ob_feed, regress_ob_msa, regress_ob_health, regress_ob_public;
