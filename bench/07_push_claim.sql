-- 07_push_claim: the push worker's claim and record, timed alone at 1,000, 100,000 and
-- 1,000,000 queued messages (issue 20: their cost must not grow with the queue).
--
-- One endpoint with the queue (max_concurrent 64) and 20 idle enabled endpoints.  The messages
-- are written straight into sv.outbox (sv.outbox_send would take minutes for a million) and
-- are all due.  Each round is what the worker does: a claim of up to 64 (the worker's own
-- in-flight counts passed, here none) in one transaction, the record of their outcomes in
-- another.  The outcome is a 503 with a 10 ms retry delay, so every message goes back to the
-- end of the queue and the queue keeps its length while dead index entries pile up as in a
-- real run (no vacuum during the rounds).  100 rounds per size; the times are the statements'
-- own (clock_timestamp around each call, commit not included).  The worker is off.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;

INSERT INTO sv.endpoint (name, url, max_concurrent, max_attempts, updated_by, updated_at)
VALUES ('claim-bench', 'http://127.0.0.1:9/claim', 64, 100, 'bench', now());
INSERT INTO sv.endpoint (name, url, max_concurrent, updated_by, updated_at)
SELECT 'claim-idle-' || i, 'http://127.0.0.1:9/idle', 8, 'bench', now() FROM generate_series(1, 20) i;

CREATE TEMP TABLE claim_time (queued bigint, round int, claim_ms float8, record_ms float8, claimed int);

CREATE PROCEDURE pg_temp.queue_to(total bigint) LANGUAGE plpgsql AS $$
DECLARE
  have bigint := (SELECT count(*) FROM sv.outbox WHERE endpoint = 'claim-bench');
BEGIN
  INSERT INTO sv.outbox (endpoint, kind, payload, next_attempt_at, created_by, created_at, updated_at)
  SELECT 'claim-bench', 'bench.claim',
         jsonb_build_object('n', i, 'text', '平顶山市市场监督管理局 双随机抽查结果推送'),
         now() - interval '1 hour' + i * interval '1 ms', 'bench', now(), now()
  FROM generate_series(have + 1, total) i;
END
$$;

CREATE PROCEDURE pg_temp.rounds(queued bigint, k int) LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  t1 timestamptz;
  t2 timestamptz;
  t3 timestamptz;
  ids bigint[];
  att int[];
  n int;
BEGIN
  FOR r IN 1 .. k LOOP
    t0 := clock_timestamp();
    SELECT array_agg(c.id), array_agg(c.attempt), count(*) INTO ids, att, n
    FROM sv._outbox_claim(64, 30000, '{}'::text[], '{}'::int[]) c;
    t1 := clock_timestamp();
    COMMIT;
    t2 := clock_timestamp();
    PERFORM sv._outbox_record(ids, att, array_fill(now(), ARRAY[n]), array_fill(3, ARRAY[n]), array_fill(503, ARRAY[n]),
                              array_fill('HTTP 503'::text, ARRAY[n]), 10, 10);
    t3 := clock_timestamp();
    COMMIT;
    INSERT INTO claim_time VALUES (queued, r, 1000 * extract(epoch FROM t1 - t0), 1000 * extract(epoch FROM t3 - t2), n);
    COMMIT;
    PERFORM pg_sleep(0.01);   -- the retried messages come due again, at the end of the queue
  END LOOP;
END
$$;

CALL pg_temp.queue_to(1000);
VACUUM ANALYZE sv.outbox, sv.outbox_attempt;
CALL pg_temp.rounds(1000, 100);
CALL pg_temp.queue_to(100000);
VACUUM ANALYZE sv.outbox, sv.outbox_attempt;
CALL pg_temp.rounds(100000, 100);
CALL pg_temp.queue_to(1000000);
VACUUM ANALYZE sv.outbox, sv.outbox_attempt;
CHECKPOINT;
CALL pg_temp.rounds(1000000, 100);

\echo ======== 07_push_claim: claim (64) and record, ms per call, 100 rounds per queue length ========
SELECT to_char(queued, 'FM9,999,999') AS queue, sum(claimed) AS claimed,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY claim_ms)::numeric, 2) AS claim_median,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY claim_ms)::numeric, 2) AS claim_p95,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY record_ms)::numeric, 2) AS record_median,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY record_ms)::numeric, 2) AS record_p95,
       round(((percentile_cont(0.5) WITHIN GROUP (ORDER BY claim_ms)
               + percentile_cont(0.5) WITHIN GROUP (ORDER BY record_ms)) * 1000 / 64)::numeric, 1) AS us_per_message
FROM claim_time GROUP BY queued ORDER BY queued;
\echo ========

-- leave nothing behind for a later benchmark
SET session_replication_role = replica;
DELETE FROM sv.outbox_attempt a USING sv.outbox o WHERE o.id = a.outbox_id AND o.endpoint = 'claim-bench';
DELETE FROM sv.outbox WHERE endpoint = 'claim-bench';
DELETE FROM sv.endpoint WHERE name = 'claim-bench' OR name LIKE 'claim-idle-%';
SET session_replication_role = DEFAULT;
