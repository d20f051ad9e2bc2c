-- The audit trail hashes each record's encoding in pieces as it is written, with libcrypto's
-- SHA-256 (src/audit/sha256.c; pg_cryptohash without OpenSSL): the same SHA-256 as the
-- server's sha256() of the encoding of docs/audit.md, built here, on records of every length
-- around SHA-256's 64-byte blocks (padding at 55/56 bytes, several blocks) and longer ones,
-- with multibyte text, NULL fields, both encodings and chained hashes.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.f(v text) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE WHEN v IS NULL THEN '\x00'::bytea
                    ELSE '\x01'::bytea || int4send(octet_length(convert_to(v, 'UTF8'))) || convert_to(v, 'UTF8') END $$;
CREATE TEMP TABLE sha_input AS
SELECT n,
       sha256(int8send(n)) AS prev,
       CASE WHEN n % 3 = 0 THEN repeat('监', n % 17) || repeat('x', n) ELSE repeat(chr(97 + n % 26), n) END AS change,
       CASE WHEN n % 5 = 0 THEN NULL ELSE 'actor' || n END AS session,
       CASE WHEN n % 7 = 0 THEN NULL ELSE (n % 1000)::integer END AS dept,
       '2026-01-01 00:00:00+08'::timestamptz + n * interval '1.000001 second' AS ts
FROM (SELECT generate_series(0, 700) AS n UNION ALL SELECT generate_series(1000, 70000, 997)) s;
SELECT count(*) AS inputs,
       count(*) FILTER (WHERE sv._audit_hash(prev, n, ts, session, 'role', dept, 'kind', n::text, 'act', change)
         = sha256(convert_to('sv_platform/audit/v1', 'UTF8') || '\x00'::bytea || prev
                  || pg_temp.f(n::text) || pg_temp.f(((extract(epoch FROM ts) * 1000000)::numeric)::bigint::text)
                  || pg_temp.f(session) || pg_temp.f('role') || pg_temp.f(dept::text) || pg_temp.f('kind')
                  || pg_temp.f(n::text) || pg_temp.f('act') || pg_temp.f(change))) AS v1_match,
       count(*) FILTER (WHERE sv._audit_hash2(prev, n, n % 9 + 1, n + 1, ts, session, 'role', dept, 'kind', n::text, 'act', change)
         = sha256(convert_to('sv_platform/audit/v2', 'UTF8') || '\x00'::bytea || prev
                  || pg_temp.f(n::text) || pg_temp.f((n % 9 + 1)::text) || pg_temp.f((n + 1)::text)
                  || pg_temp.f(((extract(epoch FROM ts) * 1000000)::numeric)::bigint::text)
                  || pg_temp.f(session) || pg_temp.f('role') || pg_temp.f(dept::text) || pg_temp.f('kind')
                  || pg_temp.f(n::text) || pg_temp.f('act') || pg_temp.f(change))) AS v2_match
FROM sha_input;
-- a chain of 500 records, each hashed onto the one before: the hash context is reused
WITH RECURSIVE c(n, h, want) AS (
  SELECT 0, decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex')
  UNION ALL
  SELECT c.n + 1,
         sv._audit_hash2(c.h, c.n + 1, 1, c.n + 1, '2026-01-01 00:00:00+08', 's', 'r', NULL, 'k', 'i', 'a', repeat('y', c.n)),
         sha256(convert_to('sv_platform/audit/v2', 'UTF8') || '\x00'::bytea || c.want
                || pg_temp.f((c.n + 1)::text) || pg_temp.f('1') || pg_temp.f((c.n + 1)::text)
                || pg_temp.f('1767196800000000') || pg_temp.f('s') || pg_temp.f('r') || pg_temp.f(NULL)
                || pg_temp.f('k') || pg_temp.f('i') || pg_temp.f('a') || pg_temp.f(repeat('y', c.n)))
  FROM c WHERE c.n < 500)
SELECT count(*) AS chained, bool_and(h = want) AS chain_matches FROM c;
-- every text field short or long (gathered in the 256-byte stage or hashed where it lies, the
-- stage full at every point), multibyte too
SELECT count(*) AS mixed_lengths,
       bool_and(sv._audit_hash2(x.prev, x.n, 2, x.n, '2026-01-01 00:00:00+08', x.s, x.r, x.d, x.k, x.i, x.a, x.c)
         = sha256(convert_to('sv_platform/audit/v2', 'UTF8') || '\x00'::bytea || x.prev
                  || pg_temp.f(x.n::text) || pg_temp.f('2') || pg_temp.f(x.n::text) || pg_temp.f('1767196800000000')
                  || pg_temp.f(x.s) || pg_temp.f(x.r) || pg_temp.f(x.d::text) || pg_temp.f(x.k) || pg_temp.f(x.i)
                  || pg_temp.f(x.a) || pg_temp.f(x.c))) AS mixed_lengths_match
FROM (SELECT n, sha256(int8send(n)) AS prev, repeat('s', n * 37 % 301) AS s, repeat('角', n * 53 % 97) AS r,
             CASE WHEN n % 4 <> 0 THEN n END AS d, repeat('k', n * 71 % 257) AS k,
             CASE WHEN n % 6 <> 0 THEN repeat('i', n * 29 % 131) END AS i, repeat('a', n * 13 % 70) AS a,
             repeat('c', n * 7 % 200) AS c
      FROM generate_series(1, 300) n) x;
DROP TABLE sha_input;
