-- The public portal's rate limits (75_complaint_portal_limit.sql): per reporter phone, per
-- client key and unkeyed, per hour and per Beijing day; the refusal (53400) names the limit and
-- writes nothing; the keys are counted by a keyed hash only; the counts stay bounded; the limits
-- are configurable (administrators), as every role.  Windows are tested at fixed moments
-- through sv._complaint_submit_throttle, the submission itself through sv.complaint_submit.
\pset null '(null)'
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';

CREATE ROLE regress_pl_public LOGIN IN ROLE sv_public;
CREATE ROLE regress_pl_admin LOGIN IN ROLE sv_admin;
CREATE ROLE regress_pl_msa LOGIN IN ROLE sv_officer;
CREATE ROLE regress_pl_nomap LOGIN IN ROLE sv_officer;
CREATE ROLE regress_pl_auditor LOGIN IN ROLE sv_auditor;
CREATE ROLE regress_pl_bi LOGIN IN ROLE sv_bi;
CREATE ROLE regress_pl_feed LOGIN IN ROLE sv_integration;
SELECT sv.staff_add('regress_pl_msa', 4, '410400') > 0 AS mapped, sv.staff_add('regress_pl_admin', 1, '410400') > 0 AS mapped;

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_detail text;
  v_hint text;
BEGIN
  EXECUTE format('SET ROLE %I', r);
  EXECUTE q;
  RESET ROLE;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' | ' || nullif(v_detail, ''), '') || coalesce(' | ' || nullif(v_hint, ''), '');
END
$$;
-- one submission counted at a fixed moment, as the submission does it; 'ok' or the refusal
CREATE FUNCTION pg_temp.at(phone text, client text, at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_detail text;
  v_hint text;
BEGIN
  PERFORM sv._complaint_submit_throttle(phone, client, at);
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
  RETURN SQLSTATE || ': ' || SQLERRM || ' | ' || v_detail || ' | ' || v_hint;
END
$$;

-- the limits in force; no counts of earlier files' submissions
SELECT scope, per_hour, per_day, builtin FROM sv.complaint_submit_limit ORDER BY id;
DELETE FROM sv.complaint_submit_count;

-- per hour, per phone: the sixth submission of an hour is refused, the next hour counts anew;
-- another phone has its own count; the phone counts by its digits ("138-0000-0001" is the same)
SELECT n, pg_temp.at('13800000001', NULL, ('2030-03-04 10:' || lpad((n * 5)::text, 2, '0') || ':00+08')::timestamptz) AS result
FROM generate_series(1, 6) n;
SELECT pg_temp.at('138-0000-0001', NULL, '2030-03-04 10:59:59+08') AS same_digits,
       pg_temp.at('13800000002', NULL, '2030-03-04 10:59:59+08') AS other_phone,
       pg_temp.at('13800000001', NULL, '2030-03-04 11:00:00+08') AS next_hour;
-- per day (20 for a phone): the hours add up within the Beijing day; the next day resets
SELECT count(*) FILTER (WHERE r = 'ok') AS accepted, min(r) FILTER (WHERE r <> 'ok') AS refused
FROM (SELECT pg_temp.at('13800000004', NULL, '2030-03-04 00:30+08'::timestamptz + make_interval(hours => h)) AS r
      FROM generate_series(0, 5) h, generate_series(1, 4) k ORDER BY h, k) x;
SELECT pg_temp.at('13800000004', NULL, '2030-03-04 23:59:59+08') AS same_day,
       pg_temp.at('13800000004', NULL, '2030-03-05 00:00:00+08') AS next_day;
-- per client key (10 an hour), and both keys when both are given: either limit refuses
SELECT count(*) FILTER (WHERE r = 'ok') AS accepted, min(r) FILTER (WHERE r <> 'ok') AS refused
FROM (SELECT pg_temp.at(NULL, 'session-a1', '2030-03-04 15:00+08'::timestamptz + make_interval(mins => n)) AS r
      FROM generate_series(1, 11) n ORDER BY n) x;
SELECT pg_temp.at('13800000005', 'session-a1', '2030-03-04 15:30+08') AS client_full_phone_fresh,
       pg_temp.at('13800000005', 'session-b2', '2030-03-04 15:30+08') AS other_client;
-- neither a phone nor a client key: one shared bucket
SELECT pg_temp.at(NULL, NULL, '2030-03-04 16:00+08') AS unkeyed, pg_temp.at('', NULL, '2030-03-04 16:00+08') AS empty_phone;
SELECT scope, sum(n) AS counted FROM sv.complaint_submit_count
WHERE hour >= '2030-03-04 00:00+08' AND hour < '2030-03-05 00:00+08' GROUP BY scope ORDER BY scope;

-- nothing in clear: the counts hold a 32-byte keyed hash, not the phone or the client key, and
-- the hash is not the plain SHA-256 of the key
SELECT count(*) AS rows, bool_and(length(key_hash) = 32) AS hashed,
       bool_and(key_hash NOT IN (sha256('13800000001'), sha256('phone:13800000001'), sha256('session-a1'),
                                 sha256('client:session-a1'))) AS keyed,
       bool_and(position('\x3133383030303030303031'::bytea IN key_hash) = 0) AS no_digits
FROM sv.complaint_submit_count WHERE hour >= '2030-03-04 00:00+08' AND hour < '2030-03-06 00:00+08';
-- bounded: a submission deletes the counts of hours before the previous Beijing day
SELECT pg_temp.at('13800000009', NULL, '2030-03-06 08:00+08') AS two_days_later;
SELECT min(hour) AS oldest, count(*) AS rows FROM sv.complaint_submit_count WHERE hour >= '2030-01-01' AND hour < '2031-01-01';
SELECT pg_temp.at(NULL, NULL, NULL) AS null_at;

-- through the portal: the limit is per phone; the refused submission writes nothing
SELECT sv.complaint_submit_limit_set('phone', 2, 2);
SELECT '{"kind": "inquiry", "text": "咨询网店经营者登记的要求。", "person": {"name": "钱七", "phone": "13911112222"}}' AS p1,
       '{"kind": "inquiry", "text": "咨询网店经营者登记的要求。", "person": {"name": "孙八", "phone": "13911113333"}}' AS p2 \gset
SELECT count(*) AS items_before FROM sv.complaint WHERE channel = 'portal' \gset
SELECT pg_temp.as_role('regress_pl_public', format('SELECT sv.complaint_submit(%L)', :'p1')) AS first,
       pg_temp.as_role('regress_pl_public', format('SELECT sv.complaint_submit(%L)', :'p1')) AS second,
       pg_temp.as_role('regress_pl_public', format('SELECT sv.complaint_submit(%L)', :'p1')) AS third;
SELECT pg_temp.as_role('regress_pl_public', format('SELECT sv.complaint_submit(%L)', :'p2')) AS other_phone;
SELECT count(*) - :items_before AS items_written FROM sv.complaint WHERE channel = 'portal';
-- a submission refused for another reason is not counted (its transaction ends in the error)
SELECT count(*) AS counts_before FROM sv.complaint_submit_count \gset
SELECT pg_temp.as_role('regress_pl_public', format('SELECT sv.complaint_submit(%L)',
         '{"kind": "praise", "text": "表扬。", "person": {"name": "李九", "phone": "13911114444"}}')) AS bad_kind,
       pg_temp.as_role('regress_pl_public', format('SELECT sv.complaint_submit(%L)',
         '{"kind": "inquiry", "text": "咨询。", "anonymous": true, "client": 42}')) AS bad_client,
       pg_temp.as_role('regress_pl_public', format('SELECT sv.complaint_submit(%L)',
         '{"kind": "inquiry", "text": "咨询。", "anonymous": true, "client": "' || repeat('k', 201) || '"}')) AS long_client;
SELECT count(*) - :counts_before AS count_rows_added FROM sv.complaint_submit_count;
-- the client key is counted, never stored with the item
SELECT pg_temp.as_role('regress_pl_public', format('SELECT sv.complaint_submit(%L)',
         '{"kind": "suggestion", "text": "建议公布网店投诉处理流程。", "anonymous": true, "client": "203.0.113.7"}')) AS with_client;
SELECT count(*) AS stored_anywhere FROM sv.complaint c
WHERE c.channel = 'portal' AND (c.body ~ '203\.0\.113\.7' OR c.attachments::text ~ '203\.0\.113\.7');

-- changing a limit: administrators only, a new row, audited; every error
SELECT r AS role, pg_temp.as_role(r, 'SELECT sv.complaint_submit_limit_set(''client'', 20, 100)') AS limit_set
FROM unnest('{regress_pl_msa,regress_pl_nomap,regress_pl_auditor,regress_pl_bi,regress_pl_public,regress_pl_feed,regress_pl_admin}'::text[]) r;
SELECT pg_temp.as_role('regress_pl_admin', q) AS limit_error
FROM unnest(ARRAY['SELECT sv.complaint_submit_limit_set(''ip'', 5, 20)',
                  'SELECT sv.complaint_submit_limit_set(''phone'', 0, 20)',
                  'SELECT sv.complaint_submit_limit_set(''phone'', 10, 5)',
                  'SELECT sv.complaint_submit_limit_set(''phone'', NULL, 5)']) q;
SELECT scope, per_hour, per_day, builtin, updated_by FROM sv.complaint_submit_limit ORDER BY id;
SELECT action, object_id, change FROM sv.audit_log WHERE object_kind = 'complaint_submit_limit' ORDER BY seq;
-- who reads what: the limits administrators and auditors; the counts and the secret nobody
SELECT r AS role, pg_temp.as_role(r, 'SELECT count(*) FROM sv.complaint_submit_limit') AS limits,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv.complaint_submit_count') AS counts,
       pg_temp.as_role(r, 'SELECT count(*) FROM sv.complaint_submit_secret') AS secret,
       pg_temp.as_role(r, 'SELECT sv._complaint_submit_throttle(''1'', NULL, now())') AS throttle
FROM unnest('{regress_pl_admin,regress_pl_auditor,regress_pl_msa,regress_pl_bi,regress_pl_public,regress_pl_feed}'::text[]) r;
SELECT count(*) AS secrets, bool_and(length(secret) = 32) AS secret_32_bytes FROM sv.complaint_submit_secret;

-- back to the shipped limits; no counts, items or roles left for later files (the audit chain stays)
DELETE FROM sv.complaint_submit_limit WHERE NOT builtin;
DELETE FROM sv.complaint_submit_count;
SET session_replication_role = replica;
DELETE FROM sv.complaint_person p USING sv.complaint c
WHERE c.id = p.complaint_id AND c.channel = 'portal' AND c.body IN ('咨询网店经营者登记的要求。', '建议公布网店投诉处理流程。');
DELETE FROM sv.complaint c WHERE c.channel = 'portal' AND c.body IN ('咨询网店经营者登记的要求。', '建议公布网店投诉处理流程。');
DELETE FROM sv.staff WHERE role_name LIKE 'regress_pl_%';
SET session_replication_role = DEFAULT;
DROP OWNED BY regress_pl_public, regress_pl_admin, regress_pl_msa, regress_pl_nomap, regress_pl_auditor, regress_pl_bi, regress_pl_feed;
DROP ROLE regress_pl_public, regress_pl_admin, regress_pl_msa, regress_pl_nomap, regress_pl_auditor, regress_pl_bi, regress_pl_feed;
