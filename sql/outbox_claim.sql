-- The worker's claim (issue 20): fair across endpoints, so that a slow or dead system whose
-- slots are all taken never delays another's messages (head-of-line), and cheap however many
-- messages were delivered since the last vacuum (the in-flight count reads its index with a
-- plain index scan, which marks dead entries, never with a bitmap scan, which does not).
-- Rows are written directly (the worker is off here); everything is removed at the end.
\pset null '(null)'
\set SHOW_CONTEXT never
INSERT INTO sv.endpoint (name, url, max_concurrent, updated_by, updated_at)
VALUES ('RGC-SLOW', 'http://127.0.0.1:9/slow', 4, 'test', now()),
       ('RGC-OK', 'http://127.0.0.1:9/ok', 4, 'test', now());

-- 500 messages due to a slow endpoint, queued an hour before one to a healthy endpoint
INSERT INTO sv.outbox (endpoint, kind, payload, next_attempt_at, created_by, created_at, updated_at)
SELECT 'RGC-SLOW', 'approval.push', jsonb_build_object('n', n), now() - interval '1 hour' + n * interval '1 ms',
       'test', now(), now()
FROM generate_series(1, 500) n;
INSERT INTO sv.outbox (endpoint, kind, payload, next_attempt_at, created_by, created_at, updated_at)
VALUES ('RGC-OK', 'approval.push', '{"ok": 1}', now(), 'test', now(), now());
-- a batch of two: the first message of each endpoint before the second of any
SELECT c.url, count(*) AS claimed FROM sv._outbox_claim(2, 30000) c GROUP BY c.url ORDER BY c.url;
-- the slow endpoint takes its remaining three slots and no more
SELECT c.url, count(*) AS claimed FROM sv._outbox_claim(64, 30000) c GROUP BY c.url ORDER BY c.url;
SELECT count(*) AS claimed FROM sv._outbox_claim(64, 30000);

-- saturated (4 of 4 in flight, 496 due): a new message to the healthy endpoint goes in the first claim
SELECT endpoint, status, count(*) FROM sv.outbox WHERE endpoint LIKE 'RGC-%' GROUP BY 1, 2 ORDER BY 1, 2;
INSERT INTO sv.outbox (endpoint, kind, payload, next_attempt_at, created_by, created_at, updated_at)
VALUES ('RGC-OK', 'approval.push', '{"ok": 2}', now(), 'test', now(), now());
BEGIN;
SELECT pg_stat_get_xact_tuples_returned('sv.outbox_endpoint_due_idx'::regclass) AS read_before \gset
SELECT c.url, c.body FROM sv._outbox_claim(64, 30000) c;
-- along each endpoint's own index: none of the 496 waiting messages is read
SELECT pg_stat_get_xact_tuples_returned('sv.outbox_endpoint_due_idx'::regclass) - :read_before AS due_entries_read;
COMMIT;
-- an endpoint with more in flight than its (lowered) limit offers nothing and stops no one
UPDATE sv.endpoint SET max_concurrent = 1 WHERE name = 'RGC-SLOW';
INSERT INTO sv.outbox (endpoint, kind, payload, next_attempt_at, created_by, created_at, updated_at)
VALUES ('RGC-OK', 'approval.push', '{"ok": 3}', now(), 'test', now(), now());
SELECT c.url, c.body FROM sv._outbox_claim(64, 30000) c;
-- a lease that ran out (the worker died) is claimed again within the endpoint's slots, before its pending messages
UPDATE sv.outbox SET lease_until = now() - interval '1 s'
WHERE endpoint = 'RGC-SLOW' AND status = 'in_flight';
SELECT c.url, c.attempt, count(*) AS claimed FROM sv._outbox_claim(64, 30000) c GROUP BY 1, 2 ORDER BY 1, 2;

-- 3,000 messages delivered since the last vacuum leave 3,000 dead entries in the in-flight
-- index.  A bitmap scan would read all of them in every claim; the claim's index scans mark
-- them dead once, and the next claim skips them.
SET session_replication_role = replica;
DELETE FROM sv.outbox WHERE endpoint LIKE 'RGC-%';
SET session_replication_role = DEFAULT;
UPDATE sv.endpoint SET max_concurrent = 4 WHERE name = 'RGC-SLOW';
INSERT INTO sv.outbox (endpoint, kind, payload, status, attempts, next_attempt_at, lease_until, created_by, created_at, updated_at)
SELECT CASE WHEN n % 2 = 0 THEN 'RGC-SLOW' ELSE 'RGC-OK' END, 'approval.push', '{}', 'in_flight', 1,
       now(), now() + interval '1 hour', 'test', now(), now()
FROM generate_series(1, 3000) n;
ANALYZE sv.outbox;   -- statistics taken while they were in flight (the planner's worst case)
UPDATE sv.outbox SET status = 'delivered', lease_until = NULL, delivered_at = now()
WHERE endpoint LIKE 'RGC-%';
SELECT count(*) AS claimed FROM sv._outbox_claim(64, 30000);
BEGIN;
SELECT pg_stat_get_xact_tuples_returned('sv.outbox_in_flight_idx'::regclass) AS read_before \gset
SELECT count(*) AS claimed FROM sv._outbox_claim(64, 30000);
SELECT pg_stat_get_xact_tuples_returned('sv.outbox_in_flight_idx'::regclass) - :read_before < 100
       AS dead_entries_skipped;
COMMIT;
SELECT p.proconfig FROM pg_proc p WHERE p.oid = 'sv._outbox_claim(integer, integer, text[], integer[])'::regprocedure;

SET session_replication_role = replica;
DELETE FROM sv.outbox_attempt WHERE outbox_id IN (SELECT id FROM sv.outbox WHERE endpoint LIKE 'RGC-%');
DELETE FROM sv.outbox WHERE endpoint LIKE 'RGC-%';
DELETE FROM sv.endpoint WHERE name LIKE 'RGC-%';
SET session_replication_role = DEFAULT;
