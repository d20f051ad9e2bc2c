-- ---------------------------------------------------------------------------------------------
-- 74_complaint_duplicate: likely duplicates of complaints and reports (重复件) and their merging
-- into groups (issue 18, "Duplicates and grouping"; docs/complaints.md, "Duplicates").
--
-- When an item arrives through any channel (the row inserted into sv.complaint by the intake of
-- 69_complaint_flow.sql: 12345 work orders, portal submissions, letters and visits, batches),
-- the trigger complaint_duplicate_propose looks for earlier items received within the policy's
-- window and stores each likely duplicate as a proposal: the text similarity of pg_trgm on the
-- Chinese text, plus the same subject (USCC or name) or the same place (region and a similar
-- address).  sv.complaint has no point column, so no distance is used.  An officer of the
-- handling department confirms a merge (the item joins the candidate's group; every item keeps
-- its text, reporter and history; the group's primary item carries the handling) or rejects
-- the proposal; both are audited.
--
-- pg_trgm: required by the control file (CREATE EXTENSION sv_platform CASCADE creates it), in
-- whatever schema the DBA chose.  Every call of its functions and operators is dynamic SQL
-- naming that schema (sv._trgm_schema(), read from pg_extension at each call: the functions
-- keep the pinned search_path pg_catalog, sv, pg_temp).  No pg_trgm index: the candidates of
-- the text search come from MinHash band keys (sv.complaint_sketch, GIN), pg_trgm's similarity
-- scores them.
-- pg_trgm makes trigrams only of characters that the database's LC_CTYPE calls alphanumeric:
-- C.UTF-8 or zh_CN.UTF-8 do for Chinese, C does not (show_trgm('投诉举报') is empty there).
-- In such a database no text is similar to any other: the intake warns, the search refuses
-- (55000), and sv.security_check() reports trgm_blind_to_cjk.
--
-- Tables:     sv.complaint_duplicate_policy (window and thresholds: the latest row is in force),
--             sv.complaint_duplicate (proposals: item, candidate, score, reasons, decision),
--             sv.complaint_group_member (an item merged into its group's primary item),
--             sv.complaint_sketch (MinHash band keys of each text: the candidates; derived),
--             sv.complaint_duplicate_pending (items queued in sweep mode for the next sweep)
-- Functions:  officers: sv.complaint_duplicate_confirm, sv.complaint_duplicate_reject,
--             sv.complaint_duplicate_undo, sv.complaint_similar (top-k similar items in the
--             caller's scope); administrators: sv.complaint_duplicate_policy_set,
--             sv.complaint_sketch_rebuild (DBAs), sv.complaint_duplicate_sweep (proposal mode
--             'sweep': the minute's job sv.job_complaint_duplicate_sweep, 95_jobs.sql); a merge
--             writes sv.complaint.primary_id, by which the merged items follow their primary's
--             reply and closing (69_complaint_flow.sql);
--             everyone: sv.complaint_text_search_ready(), sv.complaint_duplicate_rule (the rule)
-- Views:      sv_work.complaint_duplicate, sv_work.complaint_group, sv_bi.complaint_duplicate_summary,
--             sv_bi.complaint_duplicate_backlog (the sweep's queue)
-- SQLSTATEs:  55000 a proposal already decided, an item already merged, handled or the primary
--             of the candidate's group, a group whose primary was replied to, an undo of a
--             merge not confirmed or of an item that followed a reply, or text search blind
--             to Chinese; 42501 not an officer
--             of the department; 22023 a missing reason or a bad policy value.
-- ---------------------------------------------------------------------------------------------

-- The policy: how far apart two items may be received (days), the text similarity that alone
-- makes a proposal, the lower one that suffices with the same subject or place, the address
-- similarity that makes the same place (with the same region), how many text-nearest items of
-- the window are examined, the distance within which two items' points are the same place
-- (metres, on the WGS 84 spheroid), and how many proposals one arrival gets at most (the
-- likeliest: most reasons, then the highest text similarity): in a window of a city's month
-- (tens of thousands of items about the same trades and streets) the rule accepts more
-- unrelated items than an officer can read, and the best few are what the officer needs.
-- proposal_mode: when the proposals are made: 'arrival' (the default) in the intake's own
-- transaction, 'sweep' by the minute's job (sv.complaint_duplicate_sweep): the intake only
-- queues the item (sv.complaint_duplicate_pending), so that its cost no longer grows with the
-- city's volume.  Rows, not settings: one rule for every session, changed by an
-- administrator with an audit record (a GUC could be SET by any caller).
CREATE TABLE sv.complaint_duplicate_policy (
  id                integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  window_days       integer NOT NULL,
  text_threshold    real NOT NULL,
  context_threshold real NOT NULL,
  address_threshold real NOT NULL,
  nearest           integer NOT NULL,
  note              text NOT NULL,
  updated_by        text NOT NULL,
  updated_at        timestamptz NOT NULL,
  builtin           boolean NOT NULL DEFAULT false,
  place_distance_m  integer NOT NULL DEFAULT 200,
  max_proposals     integer NOT NULL DEFAULT 5,
  proposal_mode     text NOT NULL DEFAULT 'arrival',
  CONSTRAINT complaint_duplicate_policy_window_check CHECK (window_days BETWEEN 1 AND 366),
  CONSTRAINT complaint_duplicate_policy_threshold_check
    CHECK (text_threshold BETWEEN 0.05 AND 1 AND context_threshold BETWEEN 0.05 AND text_threshold
           AND address_threshold BETWEEN 0.05 AND 1),
  CONSTRAINT complaint_duplicate_policy_nearest_check CHECK (nearest BETWEEN 1 AND 500),
  CONSTRAINT complaint_duplicate_policy_note_check CHECK (char_length(note) BETWEEN 4 AND 500),
  CONSTRAINT complaint_duplicate_policy_distance_check CHECK (place_distance_m BETWEEN 10 AND 5000),
  CONSTRAINT complaint_duplicate_policy_max_proposals_check CHECK (max_proposals BETWEEN 1 AND 50),
  CONSTRAINT complaint_duplicate_policy_proposal_mode_check CHECK (proposal_mode IN ('arrival', 'sweep'))
);
COMMENT ON TABLE sv.complaint_duplicate_policy IS
  'When a complaint or report is proposed as a likely duplicate of an earlier one (重复件): window and thresholds; the latest row is in force';
ALTER TABLE sv.complaint_duplicate_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_duplicate_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY complaint_duplicate_policy_read ON sv.complaint_duplicate_policy FOR SELECT USING (true);
GRANT SELECT ON sv.complaint_duplicate_policy TO sv_officer, sv_admin, sv_auditor, sv_bi, sv_integration;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_duplicate_policy', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_duplicate_policy_id_seq', '');

-- the defaults: measured on the labelled sample of sql/complaint_duplicate_recall.sql
-- (docs/complaints.md, "Duplicates")
INSERT INTO sv.complaint_duplicate_policy (window_days, text_threshold, context_threshold, address_threshold, nearest, note,
                                           updated_by, updated_at, builtin)
VALUES (30, 0.2, 0.16, 0.5, 50, '默认规则:30日内,内容相似度0.2以上,或同一对象/同一地点且相似度0.16以上', 'sv_platform',
        '2026-01-01 00:00+08', true);

CREATE TABLE sv.complaint_duplicate (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  complaint_id  bigint NOT NULL REFERENCES sv.complaint (id),
  candidate_id  bigint NOT NULL REFERENCES sv.complaint (id),
  text_score    real NOT NULL,
  reasons       text[] NOT NULL,
  state         text NOT NULL DEFAULT 'proposed',
  proposed_at   timestamptz NOT NULL,
  decided_by    text,
  decided_at    timestamptz,
  decision_note text,
  audit_seq     bigint,
  CONSTRAINT complaint_duplicate_pair_key UNIQUE (complaint_id, candidate_id),
  CONSTRAINT complaint_duplicate_self_check CHECK (complaint_id <> candidate_id),
  CONSTRAINT complaint_duplicate_state_check CHECK (state IN ('proposed', 'confirmed', 'rejected', 'undone')),
  CONSTRAINT complaint_duplicate_reasons_check CHECK (reasons <@ '{subject,place,text}' AND cardinality(reasons) >= 1),
  CONSTRAINT complaint_duplicate_score_check CHECK (text_score BETWEEN 0 AND 1),
  CONSTRAINT complaint_duplicate_note_check CHECK (char_length(decision_note) <= 500),
  CONSTRAINT complaint_duplicate_decided_check CHECK ((state = 'proposed') = (decided_at IS NULL))
);
CREATE INDEX complaint_duplicate_candidate_idx ON sv.complaint_duplicate (candidate_id);
COMMENT ON TABLE sv.complaint_duplicate IS
  'Likely duplicates (疑似重复件): an item, an earlier item received within the window, why, and the officer''s decision';
ALTER TABLE sv.complaint_duplicate ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_duplicate FORCE ROW LEVEL SECURITY;
-- a proposal is seen by whoever may read one of its two items (sv.complaint's policies decide;
-- the other item's reporter stays masked by sv.complaint_person's own policy)
CREATE POLICY complaint_duplicate_read ON sv.complaint_duplicate FOR SELECT TO sv_officer, sv_admin, sv_auditor
  USING (EXISTS (SELECT 1 FROM sv.complaint c WHERE c.id IN (complaint_id, candidate_id)));
GRANT SELECT ON sv.complaint_duplicate TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_duplicate', '');
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_duplicate_id_seq', '');

-- An item merged into a group: the group's primary item (never itself a member) carries the
-- handling; the member keeps its own row, text, reporter and history.
CREATE TABLE sv.complaint_group_member (
  complaint_id bigint PRIMARY KEY REFERENCES sv.complaint (id),
  primary_id   bigint NOT NULL REFERENCES sv.complaint (id),
  duplicate_id bigint NOT NULL REFERENCES sv.complaint_duplicate (id),
  merged_by    text NOT NULL,
  merged_at    timestamptz NOT NULL,
  CONSTRAINT complaint_group_member_self_check CHECK (complaint_id <> primary_id)
);
CREATE INDEX complaint_group_member_primary_idx ON sv.complaint_group_member (primary_id);
COMMENT ON TABLE sv.complaint_group_member IS
  'Items merged into a group of duplicates (合并): the primary item carries the handling, every item keeps its reporter';
ALTER TABLE sv.complaint_group_member ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_group_member FORCE ROW LEVEL SECURITY;
CREATE POLICY complaint_group_member_read ON sv.complaint_group_member FOR SELECT TO sv_officer, sv_admin, sv_auditor
  USING (EXISTS (SELECT 1 FROM sv.complaint c WHERE c.id IN (complaint_id, primary_id)));
GRANT SELECT ON sv.complaint_group_member TO sv_officer, sv_admin, sv_auditor;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_group_member', '');

-- The form of a text that pg_trgm compares: its overlapping pairs of characters as words
-- ("老张烧烤" -> "老张 张烧 烧烤").  pg_trgm pads each word, so each pair gives the trigrams " ab" and
-- "ab " and each character "  a": similarity becomes a measure of shared characters and
-- character pairs, which is what survives when a citizen tells the same matter in other words
-- (Chinese has no spaces: on the bare text pg_trgm compares runs of three characters, and a
-- re-worded complaint shares few; on the labelled sample the median similarity of duplicates
-- is 0.13 on the bare text, 0.30 on this form, docs/complaints.md).
-- In C (src/complaint/trigram.c): called for every text at intake, it was a SQL function
-- planned per call.
CREATE OR REPLACE FUNCTION sv.complaint_text_grams(body text) RETURNS text
AS 'MODULE_PATHNAME', 'sv_complaint_text_grams' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.complaint_text_grams(text) IS
  'A complaint text as the words pg_trgm compares: its overlapping pairs of characters';
GRANT EXECUTE ON FUNCTION sv.complaint_text_grams(text) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- The subject index finds the same subject's items within the window (the text candidates come
-- from sv.complaint_sketch below).
CREATE INDEX complaint_subject_idx ON sv.complaint (subject_uscc, received_at) WHERE subject_uscc IS NOT NULL;
-- and by the subject's name (a caller often names the shop without its USCC)
CREATE INDEX complaint_subject_name_idx ON sv.complaint (subject_name, received_at) WHERE subject_name IS NOT NULL;

-- The schema pg_trgm was created in, quoted for dynamic SQL (it may be any schema).
CREATE OR REPLACE FUNCTION sv._trgm_schema() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'
$fn$;

-- The trigram set of a text as pg_trgm's similarity compares it, extracted once per text
-- (src/complaint/trigram.c): show_trgm of the character-pair form, called through fmgr wherever
-- pg_trgm lives; its exact 24-bit codes, sorted; and pg_trgm's similarity computed on two such
-- code arrays (the same number as similarity() on the texts' pair forms, without extracting the
-- trigrams again: a proposal scores up to a few hundred stored items per arrival).
CREATE OR REPLACE FUNCTION sv.complaint_text_trigram_elements(body text) RETURNS text[]
AS 'MODULE_PATHNAME', 'sv_complaint_text_trigram_elements' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.complaint_text_trigram_elements(text) IS
  'pg_trgm''s show_trgm of a complaint text''s character-pair form (sv.complaint_text_grams): the trigrams its similarity compares';
CREATE OR REPLACE FUNCTION sv.complaint_trigram_codes(trigrams text[]) RETURNS integer[]
AS 'MODULE_PATHNAME', 'sv_complaint_trigram_codes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.complaint_trigram_codes(text[]) IS
  'The 24-bit codes of show_trgm''s trigrams (pg_trgm''s own 3 bytes), sorted and distinct';
CREATE OR REPLACE FUNCTION sv.complaint_trigram_similarity(a integer[], b integer[]) RETURNS real
AS 'MODULE_PATHNAME', 'sv_complaint_trigram_similarity' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.complaint_trigram_similarity(integer[], integer[]) IS
  'pg_trgm''s similarity of two trigram code sets: shared / (|a| + |b| - shared), 0 if one is empty';
CREATE OR REPLACE FUNCTION sv.complaint_text_trigrams(body text) RETURNS integer[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ BEGIN RETURN sv.complaint_trigram_codes(sv.complaint_text_trigram_elements(body)); END $fn$;
COMMENT ON FUNCTION sv.complaint_text_trigrams(text) IS
  'The trigram codes of a complaint text (its character-pair form), as stored in sv.complaint_sketch';
GRANT EXECUTE ON FUNCTION sv.complaint_text_trigram_elements(text), sv.complaint_trigram_codes(text[]),
  sv.complaint_trigram_similarity(integer[], integer[]), sv.complaint_text_trigrams(text)
  TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- Does pg_trgm see Chinese characters in this database (its LC_CTYPE calls them alphanumeric)?
CREATE OR REPLACE FUNCTION sv.complaint_text_search_ready() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RETURN cardinality(sv.complaint_text_trigram_elements('投诉举报')) > 0;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_text_search_ready() IS
  'Whether pg_trgm makes trigrams of Chinese text in this database (LC_CTYPE C.UTF-8 or zh_CN.UTF-8: yes; C: no)';
GRANT EXECUTE ON FUNCTION sv.complaint_text_search_ready() TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- pg_trgm's similarity of two texts (0-1), through its schema.
CREATE OR REPLACE FUNCTION sv.complaint_text_similarity(a text, b text) RETURNS real
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v real;
BEGIN
  EXECUTE format('SELECT %s.similarity(sv.complaint_text_grams($1), sv.complaint_text_grams($2))', sv._trgm_schema())
    INTO v USING a, b;
  RETURN v;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_text_similarity(text, text) IS
  'Text similarity of two complaint texts (pg_trgm similarity, 0-1)';
GRANT EXECUTE ON FUNCTION sv.complaint_text_similarity(text, text) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- MinHash sketches (src/complaint/minhash.c): the candidates of the text search.  The set
-- hashed is the one pg_trgm's similarity counts, show_trgm(sv.complaint_text_grams(body)), so the
-- normalisation is defined once (sv.complaint_text_grams and pg_trgm), and two texts of
-- similarity J share each MinHash value with probability J.  From 240 values, two families of
-- band keys, one int8 each (a key = hash of family, partition, band number and the band's values):
--   family 1, 48 bands of 5 values (values 1-240), one partition: the nearest-first search over
--     all items (sv.complaint_similar, the issue's top 5): a pair of similarity 0.6 becomes a
--     candidate with probability 0.98, 0.5: 0.78, 0.4: 0.39, an unrelated pair (0.06) 0.00004
--     (bands of 4 caught 0.5 with 0.955 but made 4.5 times as many candidates of texts about the
--     same trades and streets: 0.65 % of all items instead of 0.14 %, each a random read of a
--     sketch row; the search over all items is for near copies, the window's search for the rest);
--   family 2, 120 bands of 2 values (values 1-240), partitioned by the 30-day period of receipt
--     (sv._complaint_band_period): the proposals within their window (thresholds 0.16-0.2):
--     similarity 0.16: 0.95, 0.2: 0.99, 0.3: 1.0, an unrelated pair (0.06) 0.35; a search of a
--     window probes the keys of the periods it overlaps, so it reads the posting lists of those
--     periods only.
-- Probability that a pair of similarity J shares at least one band of a family of B bands of R
-- values: 1 - (1 - J^R)^B.  Measured on the labelled sample and the benchmark
-- (docs/complaints.md, docs/performance.md).  Changing a parameter changes every stored key:
-- sv.complaint_sketch must then be recomputed (sv.complaint_sketch_rebuild).
CREATE OR REPLACE FUNCTION sv.complaint_minhash(elements text[], k integer) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'sv_complaint_minhash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.complaint_minhash(text[], integer) IS
  'The k MinHash values (PostgreSQL''s hash_bytes_uint32_extended, seeds 1..k) of a set of strings; NULL for an empty set';
CREATE OR REPLACE FUNCTION sv.complaint_band_keys(minhash bigint[], family integer, bands integer, band_rows integer, salt bigint)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'sv_complaint_band_keys' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.complaint_band_keys(bigint[], integer, integer, integer, bigint) IS
  'LSH band keys of a MinHash sketch: band b = hash of (family, salt, b, values of band b), bands x band_rows values used';
CREATE OR REPLACE FUNCTION sv.complaint_band_overlap(bands bigint[], probe bigint[]) RETURNS integer
AS 'MODULE_PATHNAME', 'sv_complaint_band_overlap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sv.complaint_band_overlap(bigint[], bigint[]) IS
  'How many of the band keys are among the probed keys (probe sorted ascending)';
GRANT EXECUTE ON FUNCTION sv.complaint_minhash(text[], integer),
  sv.complaint_band_keys(bigint[], integer, integer, integer, bigint), sv.complaint_band_overlap(bigint[], bigint[])
  TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- The 240 MinHash values of a complaint text: NULL for a text without a trigram.
CREATE OR REPLACE FUNCTION sv.complaint_text_minhash(body text) RETURNS bigint[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  RETURN sv.complaint_minhash(sv.complaint_text_trigram_elements(body), 240);
END
$fn$;
COMMENT ON FUNCTION sv.complaint_text_minhash(text) IS
  'The 240 MinHash values of a complaint text: of the trigrams pg_trgm''s similarity compares (its character-pair form)';
GRANT EXECUTE ON FUNCTION sv.complaint_text_minhash(text) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- The partition of family 2: the 30-day period of receipt (periods counted from 1970-01-01 UTC).
CREATE OR REPLACE FUNCTION sv._complaint_band_period(at timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT floor(extract(epoch FROM at) / 2592000)::bigint $fn$;

-- The band keys stored for a text received at received_at: family 1 (positions 1-48), then
-- family 2 of its period (49-168); NULL for a text without a trigram.
CREATE OR REPLACE FUNCTION sv.complaint_text_bands(body text, received_at timestamptz) RETURNS bigint[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v bigint[] := sv.complaint_text_minhash(body);
BEGIN
  RETURN sv.complaint_band_keys(v, 1, 48, 5, 0) || sv.complaint_band_keys(v, 2, 120, 2, sv._complaint_band_period(received_at));
END
$fn$;
COMMENT ON FUNCTION sv.complaint_text_bands(text, timestamptz) IS
  'The LSH band keys of a complaint text: 48 bands of 5 MinHash values, then 120 of 2 for its 30-day period of receipt';
GRANT EXECUTE ON FUNCTION sv.complaint_text_bands(text, timestamptz) TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- The keys a search probes, sorted and distinct: family 1, and family 2 of every period from lo
-- to hi when both are given.
CREATE OR REPLACE FUNCTION sv._complaint_band_probe(minhash bigint[], lo timestamptz, hi timestamptz) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT array_agg(DISTINCT k ORDER BY k)
  FROM (SELECT unnest(sv.complaint_band_keys(minhash, 1, 48, 5, 0)) AS k
        UNION ALL
        SELECT unnest(sv.complaint_band_keys(minhash, 2, 120, 2, p))
        FROM generate_series(sv._complaint_band_period(lo), sv._complaint_band_period(hi)) p
        WHERE lo IS NOT NULL AND hi IS NOT NULL) x
$fn$;

-- The sketch of every item, written by the intake's trigger (below) for each row inserted into
-- sv.complaint, a restore's included: the table is derived data, not dumped (pg_restore loads
-- sv.complaint, whose trigger computes the sketches again; sql/extension_config.sql).
-- GIN on the keys, fastupdate off: with a pending list every search right after an intake
-- would read the whole list (up to gin_pending_list_limit) and an intake would now and then pay
-- for its merge; without it an intake adds its 168 keys in place, and a search reads only the
-- posting lists of its keys.  received_at bounds the window of a proposal (no index: the
-- period-partitioned keys of family 2 already bound the candidates to the window's periods).
-- trigrams and place_trigrams: the text's and the place address's trigram codes
-- (sv.complaint_text_trigrams), so that a candidate is scored from the row the band search
-- has already read, without its text; toast_tuple_target at its maximum keeps them in the row
-- (a typical text gives 200-400 codes): only a long text's go to TOAST.
CREATE TABLE sv.complaint_sketch (
  complaint_id   bigint PRIMARY KEY REFERENCES sv.complaint (id) ON DELETE CASCADE,
  received_at    timestamptz NOT NULL,
  bands          bigint[] NOT NULL,
  trigrams       integer[] NOT NULL,
  place_trigrams integer[],
  CONSTRAINT complaint_sketch_bands_check CHECK (cardinality(bands) = 168)
) WITH (toast_tuple_target = 8160);
CREATE INDEX complaint_sketch_bands_idx ON sv.complaint_sketch USING gin (bands) WITH (fastupdate = off);
COMMENT ON TABLE sv.complaint_sketch IS
  'MinHash band keys and trigram codes of each complaint text (derived: recomputed from sv.complaint on insert and restore): the candidates of the duplicate search and their scores';
ALTER TABLE sv.complaint_sketch ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_sketch FORCE ROW LEVEL SECURITY;

-- The items an intake queued for the sweep (the policy's proposal_mode 'sweep'): neither their
-- sketch nor their proposals are made yet; sv.complaint_duplicate_sweep makes both, in id order,
-- and removes the row.  Dumped: a restore keeps the work still to do (the sketches are not
-- dumped, but the restore's own trigger writes them; the proposals of these items are not).
CREATE TABLE sv.complaint_duplicate_pending (
  complaint_id bigint PRIMARY KEY REFERENCES sv.complaint (id) ON DELETE CASCADE,
  queued_at    timestamptz NOT NULL
);
COMMENT ON TABLE sv.complaint_duplicate_pending IS
  'Complaints received in sweep mode whose sketch and duplicate proposals the next sweep makes (sv.complaint_duplicate_sweep)';
ALTER TABLE sv.complaint_duplicate_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE sv.complaint_duplicate_pending FORCE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('sv.complaint_duplicate_pending', '');

-- Store the sketch of one item from its MinHash values and trigram codes (NULL minhash: a text
-- without a trigram has no sketch and is similar to nothing).
CREATE OR REPLACE FUNCTION sv._complaint_sketch_store(complaint_id bigint, received_at timestamptz, minhash bigint[],
                                                      trigrams integer[], place_trigrams integer[]) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF minhash IS NULL THEN
    DELETE FROM sv.complaint_sketch s WHERE s.complaint_id = _complaint_sketch_store.complaint_id;
    RETURN;
  END IF;
  INSERT INTO sv.complaint_sketch AS s (complaint_id, received_at, bands, trigrams, place_trigrams)
  VALUES (_complaint_sketch_store.complaint_id, _complaint_sketch_store.received_at,
          sv.complaint_band_keys(minhash, 1, 48, 5, 0)
            || sv.complaint_band_keys(minhash, 2, 120, 2, sv._complaint_band_period(_complaint_sketch_store.received_at)),
          _complaint_sketch_store.trigrams, _complaint_sketch_store.place_trigrams)
  ON CONFLICT ON CONSTRAINT complaint_sketch_pkey
  DO UPDATE SET received_at = EXCLUDED.received_at, bands = EXCLUDED.bands, trigrams = EXCLUDED.trigrams,
                place_trigrams = EXCLUDED.place_trigrams;
END
$fn$;

-- The policy in force.
CREATE OR REPLACE FUNCTION sv._complaint_duplicate_policy() RETURNS sv.complaint_duplicate_policy
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$ SELECT p FROM sv.complaint_duplicate_policy p ORDER BY p.id DESC LIMIT 1 $fn$;

-- The rule: the reasons a pair is proposed for (text always, subject and place when the same),
-- or NULL when it is not (or when an argument is NULL): a text similarity of text_threshold alone, or of context_threshold
-- with the same subject or place.
CREATE OR REPLACE FUNCTION sv.complaint_duplicate_rule(text_score real, same_subject boolean, same_place boolean)
RETURNS text[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
  SELECT CASE WHEN text_score >= p.text_threshold
                   OR (coalesce(same_subject, false) OR coalesce(same_place, false)) AND text_score >= p.context_threshold
              THEN ARRAY['text'] || CASE WHEN same_subject THEN ARRAY['subject'] ELSE '{}' END
                                 || CASE WHEN same_place THEN ARRAY['place'] ELSE '{}' END END
  FROM sv._complaint_duplicate_policy() p
$fn$;
COMMENT ON FUNCTION sv.complaint_duplicate_rule(real, boolean, boolean) IS
  'The duplicate rule in force: the reasons (text, subject, place) a pair with this text similarity is proposed for, NULL if not';
GRANT EXECUTE ON FUNCTION sv.complaint_duplicate_rule(real, boolean, boolean)
  TO sv_admin, sv_officer, sv_auditor, sv_bi, sv_integration;

-- The items nearest in text to a sketched text (its MinHash values and trigram codes), received
-- between lo and hi (NULL: any time), k of them, without the item exclude: id and pg_trgm's
-- similarity, nearest first.  Candidates: the items sharing a probed band key (family 1;
-- family 2 of the window's periods as well when both lo and hi are given); each is scored from
-- its stored trigram codes (pg_trgm's similarity, exactly) in the same read, and the score
-- decides.  Approximate: over all items, an item of similarity 0.5 is missed with probability 0.22
-- (docs/performance.md gives the recall measured).  Internal: no scope (the proposal sees
-- every item; sv.complaint_similar applies the caller's).  enable_seqscan off: the planner
-- estimates && on keys that are nearly all distinct badly and would read every sketch (460 ms
-- at 20,000 items instead of 1 ms through the GIN index).  Static SQL: plpgsql keeps its plan.
CREATE OR REPLACE FUNCTION sv._complaint_nearest_sketch(minhash bigint[], trigrams integer[], k integer,
                                                        lo timestamptz DEFAULT NULL, hi timestamptz DEFAULT NULL,
                                                        exclude bigint DEFAULT NULL)
RETURNS TABLE (complaint_id bigint, text_score real)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
SET enable_seqscan = off
AS $fn$
BEGIN
  IF minhash IS NULL OR trigrams IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT s.complaint_id, sv.complaint_trigram_similarity(s.trigrams, _complaint_nearest_sketch.trigrams) AS score
    FROM sv.complaint_sketch s
    WHERE s.bands && sv._complaint_band_probe(minhash, lo, hi)
      AND (lo IS NULL OR s.received_at >= lo) AND (hi IS NULL OR s.received_at <= hi)
      AND s.complaint_id IS DISTINCT FROM exclude
    ORDER BY score DESC, s.complaint_id DESC LIMIT k;
END
$fn$;

-- The same for a text: its sketch computed here.
CREATE OR REPLACE FUNCTION sv._complaint_nearest(body text, k integer, lo timestamptz DEFAULT NULL,
                                                 hi timestamptz DEFAULT NULL, exclude bigint DEFAULT NULL)
RETURNS TABLE (complaint_id bigint, text_score real)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_elements text[] := sv.complaint_text_trigram_elements(body);
BEGIN
  RETURN QUERY SELECT * FROM sv._complaint_nearest_sketch(sv.complaint_minhash(v_elements, 240),
                                                          sv.complaint_trigram_codes(v_elements), k, lo, hi, exclude);
END
$fn$;

-- Propose the likely duplicates of item among the items received within the window before or
-- after it: the policy's nearest items in text (sv._complaint_nearest_sketch over the window:
-- both band families), and the items of the same subject (USCC) nearest in time, at most the
-- policy's nearest before and as many after it, by USCC and by name (index scans of
-- complaint_subject_idx and complaint_subject_name_idx: a busy subject costs no more than a
-- quiet one); of the pairs the rule accepts, the policy's max_proposals likeliest are stored
-- (most reasons first, then the highest text similarity), once.
-- The place is a reason, not a candidate path: an item of the same region and address reaches
-- the rule only as a text or subject candidate, so a busy region costs nothing more.  The rule
-- is sv.complaint_duplicate_rule's, written out here with the policy read once per arrival (the
-- function reads it per call).  Scores come from the stored trigram codes: the nearest
-- search's own, a subject candidate's read from its sketch; the address similarity likewise.
-- minhash, trigrams, place_trigrams: the item's sketch (computed once by the trigger).
-- Returns how many were stored.  Static SQL: the plan is kept for the session.
CREATE OR REPLACE FUNCTION sv._complaint_duplicate_propose(item sv.complaint, minhash bigint[], trigrams integer[],
                                                           place_trigrams integer[]) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  p sv.complaint_duplicate_policy := sv._complaint_duplicate_policy();
  v_lo timestamptz := item.received_at - make_interval(days => p.window_days);
  v_hi timestamptz := item.received_at + make_interval(days => p.window_days);
  n integer;
BEGIN
  IF minhash IS NULL THEN
    RETURN 0;   -- a text without a trigram is similar to nothing: no rule can accept a pair
  END IF;
  INSERT INTO sv.complaint_duplicate (complaint_id, candidate_id, text_score, reasons, proposed_at)
  WITH cand AS MATERIALIZED (
    SELECT nn.complaint_id AS id, nn.text_score AS score
    FROM sv._complaint_nearest_sketch(minhash, trigrams, p.nearest, v_lo, v_hi, item.id) nn
    UNION ALL
    (SELECT y.id, NULL::real FROM sv.complaint y
     WHERE item.subject_uscc IS NOT NULL AND y.subject_uscc = item.subject_uscc
       AND y.received_at BETWEEN v_lo AND item.received_at AND y.id <> item.id
     ORDER BY y.received_at DESC LIMIT p.nearest)
    UNION ALL
    (SELECT y.id, NULL::real FROM sv.complaint y
     WHERE item.subject_uscc IS NOT NULL AND y.subject_uscc = item.subject_uscc
       AND y.received_at BETWEEN item.received_at AND v_hi AND y.id <> item.id
     ORDER BY y.received_at LIMIT p.nearest)
    UNION ALL
    (SELECT y.id, NULL::real FROM sv.complaint y
     WHERE item.subject_name IS NOT NULL AND y.subject_name = item.subject_name
       AND y.received_at BETWEEN v_lo AND item.received_at AND y.id <> item.id
     ORDER BY y.received_at DESC LIMIT p.nearest)
    UNION ALL
    (SELECT y.id, NULL::real FROM sv.complaint y
     WHERE item.subject_name IS NOT NULL AND y.subject_name = item.subject_name
       AND y.received_at BETWEEN item.received_at AND v_hi AND y.id <> item.id
     ORDER BY y.received_at LIMIT p.nearest)),
  scored AS MATERIALIZED (SELECT c.id, max(c.score) AS score FROM cand c GROUP BY c.id)
  SELECT item.id, x.id, sc.score, r.reasons, now()
  FROM scored b
  JOIN sv.complaint x ON x.id = b.id
  CROSS JOIN LATERAL (SELECT coalesce(b.score,
      (SELECT sv.complaint_trigram_similarity(k.trigrams, _complaint_duplicate_propose.trigrams)
       FROM sv.complaint_sketch k WHERE k.complaint_id = b.id), 0::real) AS score) sc
  CROSS JOIN LATERAL (SELECT
      coalesce(x.subject_uscc = item.subject_uscc OR x.subject_name = item.subject_name, false) AS same_subject,
      -- same place: both points within the policy's distance (metres, on the spheroid), or the
      -- same region and similar addresses
      coalesce(public.ST_DWithin(x.place_point::public.geography, item.place_point::public.geography,
                                 p.place_distance_m::float8), false)
      OR coalesce(x.place_region_code = item.place_region_code
                  AND (SELECT sv.complaint_trigram_similarity(k.place_trigrams, _complaint_duplicate_propose.place_trigrams)
                       FROM sv.complaint_sketch k WHERE k.complaint_id = b.id) >= p.address_threshold, false) AS same_place) f
  CROSS JOIN LATERAL (SELECT CASE WHEN sc.score >= p.text_threshold
                                       OR (f.same_subject OR f.same_place) AND sc.score >= p.context_threshold
                                  THEN ARRAY['text'] || CASE WHEN f.same_subject THEN ARRAY['subject'] ELSE '{}' END
                                                     || CASE WHEN f.same_place THEN ARRAY['place'] ELSE '{}' END END AS reasons) r
  WHERE r.reasons IS NOT NULL
  ORDER BY cardinality(r.reasons) DESC, sc.score DESC, x.id DESC
  LIMIT p.max_proposals
  ON CONFLICT ON CONSTRAINT complaint_duplicate_pair_key DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$fn$;

-- Whether proposals can be made; if not (pg_trgm blind to Chinese), the intake's warning.
CREATE OR REPLACE FUNCTION sv._complaint_text_search_warn(complaint_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF sv.complaint_text_search_ready() THEN
    RETURN true;
  END IF;
  RAISE WARNING 'complaint %: no duplicate proposed: pg_trgm sees no Chinese characters in this database (LC_CTYPE %)',
    complaint_id, (SELECT datctype FROM pg_database WHERE datname = current_database())
    USING HINT = 'Use a database whose LC_CTYPE is C.UTF-8 or zh_CN.UTF-8 (docs/install.md); sv.security_check() reports it.';
  RETURN false;
END
$fn$;

-- Every row inserted into sv.complaint gets its sketch (a restore's too: the sketches are not
-- dumped).  Every item inserted by an intake (every channel's: sv._complaint_intake records it
-- with recorded_at = now()) is compared at once, with the sketch just computed; or, when the
-- policy's proposal_mode is 'sweep', only queued (sv.complaint_duplicate_pending): the sweep
-- writes its sketch and makes its proposals within the minute.  A row written with another
-- recorded_at is not an arrival but a restore (pg_restore loads sv.complaint before the
-- proposals, which it restores as they were) or a copy: its sketch at once, no proposal.
-- The sketch of an item, and its proposals when propose (the trigger's and the sweep's work):
-- the trigram elements computed once, for the MinHash values and the codes.  Returns how many
-- proposals were stored.
CREATE OR REPLACE FUNCTION sv._complaint_sketch_and_propose(item sv.complaint, propose boolean) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_elements text[] := sv.complaint_text_trigram_elements(item.body);
  v_minhash bigint[] := sv.complaint_minhash(v_elements, 240);
  v_trigrams integer[] := sv.complaint_trigram_codes(v_elements);
  v_place integer[] := sv.complaint_text_trigrams(item.place_address);
BEGIN
  PERFORM sv._complaint_sketch_store(item.id, item.received_at, v_minhash, v_trigrams, v_place);
  IF propose THEN
    RETURN sv._complaint_duplicate_propose(item, v_minhash, v_trigrams, v_place);
  END IF;
  RETURN 0;
END
$fn$;

CREATE OR REPLACE FUNCTION sv._complaint_duplicate_on_intake() RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  IF NEW.recorded_at <> now() THEN
    PERFORM sv._complaint_sketch_and_propose(NEW, false);
  ELSIF (SELECT p.proposal_mode FROM sv.complaint_duplicate_policy p ORDER BY p.id DESC LIMIT 1) = 'sweep' THEN
    INSERT INTO sv.complaint_duplicate_pending (complaint_id, queued_at) VALUES (NEW.id, now())
    ON CONFLICT ON CONSTRAINT complaint_duplicate_pending_pkey DO NOTHING;
  ELSE
    -- the sketch; the proposals unless pg_trgm is blind to Chinese (then the warning)
    PERFORM sv._complaint_sketch_and_propose(NEW, sv._complaint_text_search_warn(NEW.id));
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER complaint_duplicate_propose AFTER INSERT ON sv.complaint
  FOR EACH ROW EXECUTE FUNCTION sv._complaint_duplicate_on_intake();

-- The sweep (proposal_mode 'sweep'): at most max_items queued items, in id order, each locked
-- (FOR UPDATE SKIP LOCKED: two sweeps at once never take the same item; the second takes the
-- next ones), each given its sketch and its proposals exactly as the intake's trigger does in
-- arrival mode, then removed from the queue.  In id order, each item is compared with every
-- item swept (or sketched at arrival) before it, as if it had arrived then: the pairs are those
-- of arrival mode (two sweeps at once do not see each other's items, as two intakes at once do
-- not in arrival mode).  An item queued while the mode was 'sweep' is swept whatever the mode
-- is now.  One audit record per sweep that took an item (the run: how many, the first and last
-- item, the job run); the proposals are not audited, as at arrival.  Where pg_trgm is blind to
-- Chinese: the sketches, no proposal, one warning.  Returns how many items were swept.
CREATE OR REPLACE FUNCTION sv._complaint_duplicate_sweep(max_items integer, job_run bigint DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  v_ids bigint[];
  v_ready boolean;
  c sv.complaint;
  v_proposed integer := 0;
  n integer;
BEGIN
  v_ids := ARRAY(SELECT q.complaint_id FROM sv.complaint_duplicate_pending q ORDER BY q.complaint_id
                 LIMIT max_items FOR UPDATE SKIP LOCKED);
  n := cardinality(v_ids);
  IF n = 0 THEN
    RETURN 0;
  END IF;
  v_ready := sv.complaint_text_search_ready();
  FOR c IN SELECT x.* FROM sv.complaint x WHERE x.id = ANY (v_ids) ORDER BY x.id LOOP
    v_proposed := v_proposed + sv._complaint_sketch_and_propose(c, v_ready);
  END LOOP;
  DELETE FROM sv.complaint_duplicate_pending q WHERE q.complaint_id = ANY (v_ids);
  IF NOT v_ready THEN
    RAISE WARNING 'complaints % to %: no duplicate proposed: pg_trgm sees no Chinese characters in this database (LC_CTYPE %)',
      v_ids[1], v_ids[n], (SELECT datctype FROM pg_database WHERE datname = current_database())
      USING HINT = 'Use a database whose LC_CTYPE is C.UTF-8 or zh_CN.UTF-8 (docs/install.md); sv.security_check() reports it.';
  END IF;
  PERFORM sv.audit_append(NULL, 'complaint_duplicate_pending', format('%s-%s', v_ids[1], v_ids[n]), 'sweep',
    jsonb_build_object('swept', n, 'proposed', v_proposed, 'first', v_ids[1], 'last', v_ids[n], 'max_items', max_items,
                       'job_run', job_run));
  RETURN n;
END
$fn$;

-- The same for administrators (the minute's job, sv.job_complaint_duplicate_sweep, calls it
-- too): 42501 for every other role, 22023 for max_items outside 1-100000.
CREATE OR REPLACE FUNCTION sv.complaint_duplicate_sweep(max_items integer DEFAULT 1000) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
BEGIN
  PERFORM sv._require_given(ARRAY['max_items'], ARRAY[max_items IS NULL]);
  PERFORM sv._require_role('sweep the duplicate proposals of complaints', '{sv_admin}');
  IF max_items NOT BETWEEN 1 AND 100000 THEN
    RAISE EXCEPTION 'max_items must be 1-100000, not %', max_items USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN sv._complaint_duplicate_sweep(max_items);
END
$fn$;
COMMENT ON FUNCTION sv.complaint_duplicate_sweep(integer) IS
  'Administrators: make the sketch and the duplicate proposals of at most max_items complaints queued in sweep mode, in id order; returns how many';
GRANT EXECUTE ON FUNCTION sv.complaint_duplicate_sweep(integer) TO sv_admin;

-- The k items most similar in text to item complaint_id that the caller may read (the search
-- behind the proposals, for an officer looking further): id, work order, similarity, received,
-- department.  The candidates are sv._complaint_nearest's: within the policy's window around
-- the item (both band families, as a proposal) and over all items (family 1: the nearer ones);
-- approximate.  For an officer, the 50 nearest of every scope are filtered to the caller's, so
-- a narrow scope may get fewer than k.  The caller's scope is applied here as sv.complaint's policies apply it: officers
-- (with a mapping) their department's items and those whose place is in their regions;
-- administrators and auditors every item.  55000 where pg_trgm is blind to Chinese.
CREATE OR REPLACE FUNCTION sv.complaint_similar(complaint_id bigint, k integer DEFAULT 5)
RETURNS TABLE (similar_id bigint, work_order_no text, text_score real, received_at timestamptz, department_id integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  v_all boolean;
  v_body text;
  v_at timestamptz;
  v_k integer;
  v_window interval;
BEGIN
  PERFORM sv._require_given(ARRAY['complaint_id', 'k'], ARRAY[complaint_id IS NULL, k IS NULL]);
  PERFORM sv._require_role('search similar complaints', '{sv_officer,sv_admin,sv_auditor}');
  v_all := me.is_admin OR me.is_auditor;
  IF NOT v_all THEN
    PERFORM sv._require_mapping('search similar complaints');
  END IF;
  IF k NOT BETWEEN 1 AND 50 THEN
    RAISE EXCEPTION 'k must be 1-50, not %', k USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT sv.complaint_text_search_ready() THEN
    RAISE EXCEPTION 'no text search: pg_trgm sees no Chinese characters in this database (LC_CTYPE %)',
      (SELECT datctype FROM pg_database WHERE datname = current_database())
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'docs/install.md: a database with LC_CTYPE C.UTF-8';
  END IF;
  SELECT c.body, c.received_at INTO v_body, v_at FROM sv.complaint c
  WHERE c.id = complaint_similar.complaint_id
    AND (v_all OR c.department_id = me.department_id OR c.place_region_code = ANY (me.regions));
  IF NOT FOUND THEN
    PERFORM sv._raise_not_yours('complaint_id', format('complaint %s', complaint_id));
  END IF;
  v_k := CASE WHEN v_all THEN k ELSE 50 END;
  v_window := make_interval(days => (sv._complaint_duplicate_policy()).window_days);
  RETURN QUERY
    SELECT x.id, x.work_order_no, n.text_score, x.received_at, x.department_id
    FROM (SELECT DISTINCT u.complaint_id, u.text_score
          FROM (SELECT * FROM sv._complaint_nearest(v_body, v_k, v_at - v_window, v_at + v_window, complaint_similar.complaint_id)
                UNION ALL
                SELECT * FROM sv._complaint_nearest(v_body, v_k, NULL, NULL, complaint_similar.complaint_id)) u) n
    JOIN sv.complaint x ON x.id = n.complaint_id
    WHERE v_all OR x.department_id = me.department_id OR x.place_region_code = ANY (me.regions)
    ORDER BY n.text_score DESC, x.id DESC LIMIT k;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_similar(bigint, integer) IS
  'The k complaints and reports most similar in text to one, among those the caller may read (pg_trgm, nearest first)';
GRANT EXECUTE ON FUNCTION sv.complaint_similar(bigint, integer) TO sv_officer, sv_admin, sv_auditor;

-- The proposal for a decision, locked, with its two items: officers with a mapping only; a
-- proposal of which neither item is their department's is answered as missing (42501).
CREATE OR REPLACE FUNCTION sv._complaint_duplicate_for_officer(duplicate_id bigint, purpose text,
  OUT d sv.complaint_duplicate, OUT item sv.complaint, OUT candidate sv.complaint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
BEGIN
  PERFORM sv._require_given(ARRAY['duplicate_id'], ARRAY[duplicate_id IS NULL]);
  PERFORM sv._require_role(purpose, '{sv_officer}', 'Only officers of the handling department decide on a duplicate.');
  PERFORM sv._require_mapping(purpose);
  SELECT * INTO d FROM sv.complaint_duplicate x WHERE x.id = _complaint_duplicate_for_officer.duplicate_id FOR UPDATE;
  IF FOUND THEN
    SELECT * INTO item FROM sv.complaint x WHERE x.id = d.complaint_id FOR UPDATE;
    SELECT * INTO candidate FROM sv.complaint x WHERE x.id = d.candidate_id FOR UPDATE;
  END IF;
  IF d.id IS NULL OR (item.department_id IS DISTINCT FROM me.department_id
                      AND candidate.department_id IS DISTINCT FROM me.department_id) THEN
    PERFORM sv._raise_not_yours('duplicate_id', format('duplicate proposal %s', duplicate_id));
  END IF;
  IF d.state <> 'proposed' THEN
    RAISE EXCEPTION 'duplicate proposal %: already %', d.id, d.state
      USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('decided by %s at %s', d.decided_by, d.decided_at);
  END IF;
END
$fn$;

-- Confirm a proposal (officers of the department handling both items): the item joins the
-- candidate's group, whose primary item (the candidate, or the primary of the group it is in)
-- carries the handling; an item that was itself a group's primary brings its members along.
-- Returns the primary item's id.  55000: the item is already merged, already handled (past
-- accepted) or already the group's primary; 42501: an item of another department (have it
-- assigned first: sv.complaint_assign).
CREATE OR REPLACE FUNCTION sv.complaint_duplicate_confirm(duplicate_id bigint, note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  r record;
  v_primary bigint;
  v_moved integer;
  v_seq bigint;
BEGIN
  r := sv._complaint_duplicate_for_officer(duplicate_id, 'confirm a duplicate');
  IF note IS NOT NULL THEN
    PERFORM sv._require_label('note', note, 500);
  END IF;
  IF (r.item).department_id IS DISTINCT FROM me.department_id OR (r.candidate).department_id IS DISTINCT FROM me.department_id THEN
    RAISE EXCEPTION 'duplicate proposal %: both items must be assigned to your department to merge them', (r.d).id
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Have the other item assigned to your department first (sv.complaint_assign), or reject the proposal.';
  END IF;
  SELECT coalesce((SELECT g.primary_id FROM sv.complaint_group_member g WHERE g.complaint_id = (r.d).candidate_id),
                  (r.d).candidate_id) INTO v_primary;
  IF EXISTS (SELECT 1 FROM sv.complaint_group_member g WHERE g.complaint_id = (r.d).complaint_id) OR v_primary = (r.d).complaint_id THEN
    RAISE EXCEPTION 'complaint %: already in a group', (r.d).complaint_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('group of complaint %s', coalesce((SELECT g.primary_id FROM sv.complaint_group_member g
                                                               WHERE g.complaint_id = (r.d).complaint_id), (r.d).complaint_id));
  END IF;
  IF (r.item).state NOT IN ('received', 'accepted') THEN
    RAISE EXCEPTION 'complaint %: only a received or accepted item is merged, not one in state %',
      (r.d).complaint_id, (r.item).state USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- a primary already replied to: the reply is not sent again to a late item (it is handled on
  -- its own; docs/complaints.md, "Merged items follow their primary")
  -- locked: a reply of the primary running now either comes first (seen here) or waits for
  -- this merge (and its merged items then include this one)
  IF (SELECT x.state FROM sv.complaint x WHERE x.id = v_primary FOR UPDATE) IN ('replied', 'closed', 'revisited') THEN
    RAISE EXCEPTION 'complaint %: its group''s primary, complaint % (%), was already replied to', (r.d).complaint_id, v_primary,
      (SELECT x.work_order_no FROM sv.complaint x WHERE x.id = v_primary)
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Handle the item on its own, or reject the proposal.';
  END IF;
  UPDATE sv.complaint_group_member g SET primary_id = v_primary WHERE g.primary_id = (r.d).complaint_id;
  GET DIAGNOSTICS v_moved = ROW_COUNT;
  INSERT INTO sv.complaint_group_member (complaint_id, primary_id, duplicate_id, merged_by, merged_at)
  VALUES ((r.d).complaint_id, v_primary, (r.d).id, me.login, now());
  -- the pointer the handling reads (69_complaint_flow.sql: the merged items follow their primary)
  UPDATE sv.complaint x SET primary_id = v_primary WHERE x.id = (r.d).complaint_id OR x.primary_id = (r.d).complaint_id;
  v_seq := sv.audit_append(me.department_id, 'complaint_duplicate', (r.d).id::text, 'confirm',
             jsonb_build_object('complaint_id', (r.d).complaint_id, 'candidate_id', (r.d).candidate_id, 'primary_id', v_primary,
                                'members_moved', v_moved, 'from_state', 'proposed', 'to_state', 'confirmed',
                                'note', nullif(btrim(note), '')));
  UPDATE sv.complaint_duplicate x SET state = 'confirmed', decided_by = me.login, decided_at = now(),
    decision_note = nullif(btrim(note), ''), audit_seq = v_seq
  WHERE x.id = (r.d).id;
  RETURN v_primary;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_duplicate_confirm(bigint, text) IS
  'Officers: confirm a likely duplicate: the item joins the group of the earlier item, whose primary carries the handling (合并)';
GRANT EXECUTE ON FUNCTION sv.complaint_duplicate_confirm(bigint, text) TO sv_officer;

-- Reject a proposal (officers of either item's department), with the reason.
CREATE OR REPLACE FUNCTION sv.complaint_duplicate_reject(duplicate_id bigint, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  r record;
  v_seq bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['duplicate_id', 'reason'], ARRAY[duplicate_id IS NULL, reason IS NULL]);
  r := sv._complaint_duplicate_for_officer(duplicate_id, 'reject a duplicate');
  PERFORM sv._require_reason(reason, 'the items are not the same matter', 'reason');
  PERFORM sv._require_label('reason', reason, 500);
  v_seq := sv.audit_append(me.department_id, 'complaint_duplicate', (r.d).id::text, 'reject',
             jsonb_build_object('complaint_id', (r.d).complaint_id, 'candidate_id', (r.d).candidate_id,
                                'from_state', 'proposed', 'to_state', 'rejected', 'reason', btrim(reason)));
  UPDATE sv.complaint_duplicate x SET state = 'rejected', decided_by = me.login, decided_at = now(),
    decision_note = btrim(reason), audit_seq = v_seq
  WHERE x.id = (r.d).id;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_duplicate_reject(bigint, text) IS
  'Officers: reject a likely duplicate (not the same matter), with the reason';
GRANT EXECUTE ON FUNCTION sv.complaint_duplicate_reject(bigint, text) TO sv_officer;

-- Undo a merge (officers of the department handling the item): the item leaves its group and
-- is handled on its own again (its own deadlines run again, as before the merge); the proposal
-- becomes 'undone' (decided_by, decided_at and decision_note are the undo's; the confirmation
-- stays in the audit chain).  Members the item brought along when it was merged (it was a
-- primary then) stay in the group they joined: each has its own proposal to undo.
-- 55000: a proposal not confirmed (or already undone), or an item that already followed a reply
-- of its primary (it cannot be unanswered); 42501: not the department of the item (answered as
-- missing when neither item is the caller's department's).
CREATE OR REPLACE FUNCTION sv.complaint_duplicate_undo(duplicate_id bigint, reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  d sv.complaint_duplicate;
  item sv.complaint;
  candidate sv.complaint;
  g sv.complaint_group_member;
  v_seq bigint;
BEGIN
  PERFORM sv._require_given(ARRAY['duplicate_id', 'reason'], ARRAY[duplicate_id IS NULL, reason IS NULL]);
  PERFORM sv._require_role('undo a merge', '{sv_officer}', 'Only officers of the handling department undo a merge.');
  PERFORM sv._require_mapping('undo a merge');
  SELECT * INTO d FROM sv.complaint_duplicate x WHERE x.id = complaint_duplicate_undo.duplicate_id FOR UPDATE;
  IF FOUND THEN
    SELECT * INTO item FROM sv.complaint x WHERE x.id = d.complaint_id FOR UPDATE;
    SELECT * INTO candidate FROM sv.complaint x WHERE x.id = d.candidate_id;
  END IF;
  -- the scope, here (SECURITY DEFINER reads past the policies)
  IF d.id IS NULL OR (item.department_id IS DISTINCT FROM me.department_id
                      AND candidate.department_id IS DISTINCT FROM me.department_id) THEN
    PERFORM sv._raise_not_yours('duplicate_id', format('duplicate proposal %s', duplicate_id));
  END IF;
  IF item.department_id IS DISTINCT FROM me.department_id THEN
    RAISE EXCEPTION 'duplicate proposal %: the merged item is not assigned to your department', d.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF d.state <> 'confirmed' THEN
    RAISE EXCEPTION 'duplicate proposal %: only a confirmed merge is undone, it is %', d.id, d.state
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  PERFORM sv._require_reason(reason, 'the merge is undone', 'reason');
  PERFORM sv._require_label('reason', reason, 500);
  SELECT * INTO g FROM sv.complaint_group_member x WHERE x.complaint_id = d.complaint_id AND x.duplicate_id = d.id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'duplicate proposal %: complaint % is no longer in the group it joined', d.id, d.complaint_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF item.state NOT IN ('received', 'accepted', 'handled', 'refused')
     OR EXISTS (SELECT 1 FROM sv.complaint_step s WHERE s.complaint_id = item.id AND s.detail ? 'primary_id') THEN
    RAISE EXCEPTION 'complaint %: it already followed a reply of its primary, complaint %: a reply cannot be taken back',
      item.id, g.primary_id USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  DELETE FROM sv.complaint_group_member x WHERE x.complaint_id = item.id;
  UPDATE sv.complaint x SET primary_id = NULL WHERE x.id = item.id;
  v_seq := sv.audit_append(me.department_id, 'complaint_duplicate', d.id::text, 'undo',
             jsonb_build_object('complaint_id', d.complaint_id, 'candidate_id', d.candidate_id, 'primary_id', g.primary_id,
                                'merged_by', g.merged_by, 'merged_at', g.merged_at,
                                'from_state', 'confirmed', 'to_state', 'undone', 'reason', btrim(reason)));
  UPDATE sv.complaint_duplicate x SET state = 'undone', decided_by = me.login, decided_at = now(),
    decision_note = btrim(reason), audit_seq = v_seq
  WHERE x.id = d.id;
  RETURN g.primary_id;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_duplicate_undo(bigint, text) IS
  'Officers: undo a merge (撤销合并): the item leaves its group and is handled on its own again, with the reason';
GRANT EXECUTE ON FUNCTION sv.complaint_duplicate_undo(bigint, text) TO sv_officer;

-- Recompute the sketches (DBAs, after changing the sketch parameters; administrators): the items
-- with id > after_id, in id order, at most batch of them (1-1000000): with all_items false only
-- those without a sketch row (a text without a trigram never has one), with true every item.
-- Each through sv._complaint_sketch_and_propose (without proposing), as the intake's trigger.  Returns the id of the last
-- item examined, NULL when none was left: call it again with that id (and COMMIT between calls)
-- until NULL.  One audit record per call.
CREATE OR REPLACE FUNCTION sv.complaint_sketch_rebuild(batch integer DEFAULT 10000, all_items boolean DEFAULT false,
  after_id bigint DEFAULT 0) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  r record;
  v_last bigint;
  v_examined integer := 0;
BEGIN
  PERFORM sv._require_given(ARRAY['batch', 'all_items', 'after_id'], ARRAY[batch IS NULL, all_items IS NULL, after_id IS NULL]);
  PERFORM sv._require_role('rebuild the duplicate sketches', '{sv_admin}');
  IF batch NOT BETWEEN 1 AND 1000000 THEN
    RAISE EXCEPTION 'batch must be 1-1000000, not %', batch USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR r IN
    SELECT c
    FROM sv.complaint c LEFT JOIN sv.complaint_sketch s ON s.complaint_id = c.id
    WHERE c.id > after_id AND (all_items OR s.complaint_id IS NULL)
    ORDER BY c.id LIMIT batch
  LOOP
    PERFORM sv._complaint_sketch_and_propose(r.c, false);
    v_examined := v_examined + 1;
    v_last := (r.c).id;
  END LOOP;
  PERFORM sv.audit_append(NULL, 'complaint_sketch', 'rebuild', 'rebuild',
    jsonb_build_object('batch', batch, 'all_items', all_items, 'after_id', after_id, 'examined', v_examined, 'last_id', v_last));
  RETURN v_last;
END
$fn$;
COMMENT ON FUNCTION sv.complaint_sketch_rebuild(integer, boolean, bigint) IS
  'Administrators (DBAs): recompute the duplicate search''s sketches in batches (missing ones, or all), audited';
GRANT EXECUTE ON FUNCTION sv.complaint_sketch_rebuild(integer, boolean, bigint) TO sv_admin;

-- Change the rule (administrators): a new policy row, audited with the one it replaces.
CREATE OR REPLACE FUNCTION sv.complaint_duplicate_policy_set(window_days integer, text_threshold real,
  context_threshold real, address_threshold real, nearest integer, note text, place_distance_m integer DEFAULT NULL,
  max_proposals integer DEFAULT NULL, proposal_mode text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, sv, pg_temp
AS $fn$
DECLARE
  me record := sv._caller();
  p sv.complaint_duplicate_policy := sv._complaint_duplicate_policy();
BEGIN
  PERFORM sv._require_given(ARRAY['window_days', 'text_threshold', 'context_threshold', 'address_threshold', 'nearest', 'note'],
    ARRAY[window_days IS NULL, text_threshold IS NULL, context_threshold IS NULL, address_threshold IS NULL, nearest IS NULL,
          note IS NULL]);
  PERFORM sv._require_role('change the duplicate rule of complaints', '{sv_admin}');
  IF window_days NOT BETWEEN 1 AND 366 OR nearest NOT BETWEEN 1 AND 500 THEN
    RAISE EXCEPTION 'window_days must be 1-366 and nearest 1-500' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF text_threshold NOT BETWEEN 0.05 AND 1 OR context_threshold NOT BETWEEN 0.05 AND text_threshold
     OR address_threshold NOT BETWEEN 0.05 AND 1 THEN
    RAISE EXCEPTION 'thresholds must be 0.05-1, context_threshold at most text_threshold'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- not given: the distance in force is kept
  place_distance_m := coalesce(place_distance_m, p.place_distance_m);
  IF place_distance_m NOT BETWEEN 10 AND 5000 THEN
    RAISE EXCEPTION 'place_distance_m must be 10-5000 metres, not %', place_distance_m USING ERRCODE = 'invalid_parameter_value';
  END IF;
  max_proposals := coalesce(max_proposals, p.max_proposals);
  IF max_proposals NOT BETWEEN 1 AND 50 THEN
    RAISE EXCEPTION 'max_proposals must be 1-50, not %', max_proposals USING ERRCODE = 'invalid_parameter_value';
  END IF;
  proposal_mode := coalesce(proposal_mode, p.proposal_mode);
  IF proposal_mode NOT IN ('arrival', 'sweep') THEN
    RAISE EXCEPTION 'proposal_mode must be arrival or sweep, not %', quote_literal(proposal_mode)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM sv._require_reason(note, 'the rule changes', 'note');
  PERFORM sv._require_label('note', note, 500);
  PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('sv.complaint_duplicate_policy'), 0);
  INSERT INTO sv.complaint_duplicate_policy (window_days, text_threshold, context_threshold, address_threshold, nearest, note,
                                             updated_by, updated_at, builtin, place_distance_m, max_proposals, proposal_mode)
  VALUES (window_days, text_threshold, context_threshold, address_threshold, nearest, btrim(note), me.login, now(), false,
          place_distance_m, max_proposals, proposal_mode);
  PERFORM sv.audit_append(NULL, 'complaint_duplicate_policy', 'rule', 'update',
    jsonb_build_object('window_days', window_days, 'text_threshold', text_threshold, 'context_threshold', context_threshold,
                       'address_threshold', address_threshold, 'nearest', nearest, 'place_distance_m', place_distance_m,
                       'max_proposals', max_proposals, 'proposal_mode', proposal_mode,
                       'note', btrim(note),
                       'before', to_jsonb(p) - 'updated_by' - 'updated_at' - 'builtin' - 'id'));
END
$fn$;
COMMENT ON FUNCTION sv.complaint_duplicate_policy_set(integer, real, real, real, integer, text, integer, integer, text) IS
  'Administrators: change the duplicate rule of complaints (window, thresholds, proposal mode), audited';
GRANT EXECUTE ON FUNCTION sv.complaint_duplicate_policy_set(integer, real, real, real, integer, text, integer, integer, text) TO sv_admin;

-- sv:rerun (the labels, 05_code_label: every update registers them again)
SELECT sv._code_label_register('complaint_duplicate.state', ARRAY[['proposed', '待确认'], ['confirmed', '已合并'],
  ['rejected', '非重复'], ['undone', '已撤销合并']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('complaint_duplicate.reason', ARRAY[['text', '内容相似'], ['subject', '同一对象'],
  ['place', '同一地点']]);
-- sv:rerun (as above)
SELECT sv._code_label_register('complaint_duplicate_policy.proposal_mode', ARRAY[['arrival', '接收时即比对'],
  ['sweep', '每分钟批量比对']]);

-- The proposals the caller may read, both items side by side: the reporter of each in clear
-- only for the department assigned to that item (sv.complaint_person's policy), masked for
-- everyone else; an item the caller may not read shows only its id.
CREATE VIEW sv_work.complaint_duplicate WITH (security_invoker = true) AS
  SELECT d.id, d.complaint_id, x.work_order_no, x.body AS text, x.received_at, x.department_id, dx.name_zh AS department_name,
         coalesce(px.name, x.person_name_masked) AS person_name,
         d.candidate_id, y.work_order_no AS candidate_work_order_no, y.body AS candidate_text, y.received_at AS candidate_received_at,
         y.department_id AS candidate_department_id, dy.name_zh AS candidate_department_name,
         coalesce(py.name, y.person_name_masked) AS candidate_person_name,
         round(d.text_score::numeric, 3) AS text_score, array_to_string(d.reasons, ',') AS reasons,
         (SELECT string_agg(sv.label_zh('complaint_duplicate.reason', r), '、' ORDER BY o) FROM unnest(d.reasons) WITH ORDINALITY u(r, o))
           AS reasons_zh,
         d.state, sv.label_zh('complaint_duplicate.state', d.state) AS state_zh,
         d.proposed_at, d.decided_by, d.decided_at, d.decision_note
  FROM sv.complaint_duplicate d
  LEFT JOIN sv.complaint x ON x.id = d.complaint_id LEFT JOIN sv.complaint_person px ON px.complaint_id = x.id
  LEFT JOIN sv.department dx ON dx.id = x.department_id
  LEFT JOIN sv.complaint y ON y.id = d.candidate_id LEFT JOIN sv.complaint_person py ON py.complaint_id = y.id
  LEFT JOIN sv.department dy ON dy.id = y.department_id;
COMMENT ON VIEW sv_work.complaint_duplicate IS
  '疑似重复件(举报人信息仅承办部门可见明文) / Likely duplicates of complaints and reports, both items side by side';
COMMENT ON COLUMN sv_work.complaint_duplicate.id IS '疑似重复编号';
COMMENT ON COLUMN sv_work.complaint_duplicate.complaint_id IS '新件编号';
COMMENT ON COLUMN sv_work.complaint_duplicate.work_order_no IS '新件工单编号';
COMMENT ON COLUMN sv_work.complaint_duplicate.text IS '新件诉求内容';
COMMENT ON COLUMN sv_work.complaint_duplicate.received_at IS '新件接收时间';
COMMENT ON COLUMN sv_work.complaint_duplicate.department_id IS '新件承办部门编号';
COMMENT ON COLUMN sv_work.complaint_duplicate.department_name IS '新件承办部门名称';
COMMENT ON COLUMN sv_work.complaint_duplicate.person_name IS '新件投诉举报人姓名(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint_duplicate.candidate_id IS '在先件编号';
COMMENT ON COLUMN sv_work.complaint_duplicate.candidate_work_order_no IS '在先件工单编号';
COMMENT ON COLUMN sv_work.complaint_duplicate.candidate_text IS '在先件诉求内容';
COMMENT ON COLUMN sv_work.complaint_duplicate.candidate_received_at IS '在先件接收时间';
COMMENT ON COLUMN sv_work.complaint_duplicate.candidate_department_id IS '在先件承办部门编号';
COMMENT ON COLUMN sv_work.complaint_duplicate.candidate_department_name IS '在先件承办部门名称';
COMMENT ON COLUMN sv_work.complaint_duplicate.candidate_person_name IS '在先件投诉举报人姓名(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint_duplicate.text_score IS '内容相似度(0-1)';
COMMENT ON COLUMN sv_work.complaint_duplicate.reasons IS '疑似理由代码:text 内容相似, subject 同一对象, place 同一地点';
COMMENT ON COLUMN sv_work.complaint_duplicate.reasons_zh IS '疑似理由';
COMMENT ON COLUMN sv_work.complaint_duplicate.state IS '状态代码:proposed 待确认, confirmed 已合并, rejected 非重复, undone 已撤销合并';
COMMENT ON COLUMN sv_work.complaint_duplicate.state_zh IS '状态';
COMMENT ON COLUMN sv_work.complaint_duplicate.proposed_at IS '提示时间';
COMMENT ON COLUMN sv_work.complaint_duplicate.decided_by IS '确认人(已撤销合并的:撤销人)';
COMMENT ON COLUMN sv_work.complaint_duplicate.decided_at IS '确认时间(已撤销合并的:撤销时间)';
COMMENT ON COLUMN sv_work.complaint_duplicate.decision_note IS '确认说明、不是重复的理由或撤销合并的理由';
GRANT SELECT ON sv_work.complaint_duplicate TO sv_officer, sv_admin, sv_auditor;

-- The groups: one row per item of a group (its primary item and every merged one), each with
-- its own work order, state and reporter (masked unless the caller's department is assigned).
CREATE VIEW sv_work.complaint_group WITH (security_invoker = true) AS
  SELECT g.primary_id AS group_id, c.id AS complaint_id, c.id = g.primary_id AS is_primary, c.work_order_no,
         c.channel, sv.label_zh('complaint.channel', c.channel) AS channel_zh, c.received_at,
         c.state, sv.label_zh('complaint.state', c.state) AS state_zh, c.department_id, d.name_zh AS department_name,
         coalesce(p.name, c.person_name_masked) AS person_name, c.anonymous, m.merged_by, m.merged_at
  FROM (SELECT DISTINCT gm.primary_id, unnest(ARRAY[gm.primary_id, gm.complaint_id]) AS complaint_id
        FROM sv.complaint_group_member gm) g
  JOIN sv.complaint c ON c.id = g.complaint_id
  LEFT JOIN sv.complaint_group_member m ON m.complaint_id = c.id
  LEFT JOIN sv.complaint_person p ON p.complaint_id = c.id
  LEFT JOIN sv.department d ON d.id = c.department_id;
COMMENT ON VIEW sv_work.complaint_group IS
  '重复件合并组:主件承办,每件保留原工单和投诉举报人 / Groups of merged duplicates: the primary item and every merged item';
COMMENT ON COLUMN sv_work.complaint_group.group_id IS '合并组编号(主件编号)';
COMMENT ON COLUMN sv_work.complaint_group.complaint_id IS '投诉举报编号';
COMMENT ON COLUMN sv_work.complaint_group.is_primary IS '是否主件(承办)';
COMMENT ON COLUMN sv_work.complaint_group.work_order_no IS '工单编号';
COMMENT ON COLUMN sv_work.complaint_group.channel IS '渠道代码:hotline 12345热线, portal 网上平台, letter 来信, visit 来访';
COMMENT ON COLUMN sv_work.complaint_group.channel_zh IS '渠道';
COMMENT ON COLUMN sv_work.complaint_group.received_at IS '接收时间';
COMMENT ON COLUMN sv_work.complaint_group.state IS '状态代码:received 已接收, accepted 已受理, refused 不予受理, handled 已办理, replied 已答复, closed 已办结, revisited 已回访';
COMMENT ON COLUMN sv_work.complaint_group.state_zh IS '状态';
COMMENT ON COLUMN sv_work.complaint_group.department_id IS '承办部门编号';
COMMENT ON COLUMN sv_work.complaint_group.department_name IS '承办部门名称';
COMMENT ON COLUMN sv_work.complaint_group.person_name IS '投诉举报人姓名(非承办部门为脱敏值)';
COMMENT ON COLUMN sv_work.complaint_group.anonymous IS '是否匿名';
COMMENT ON COLUMN sv_work.complaint_group.merged_by IS '合并确认人(主件为空)';
COMMENT ON COLUMN sv_work.complaint_group.merged_at IS '合并时间(主件为空)';
GRANT SELECT ON sv_work.complaint_group TO sv_officer, sv_admin, sv_auditor;

-- Repeat counts for BI (aggregates only): proposals and merges per month and department.
CREATE VIEW sv_bi.complaint_duplicate_summary AS
  SELECT date_trunc('month', sv.local_date(c.received_at))::date AS month, dp.code AS department_code,
         dp.name_zh AS department_name,
         count(*) AS proposals, count(*) FILTER (WHERE d.state = 'confirmed') AS merged,
         count(*) FILTER (WHERE d.state = 'rejected') AS rejected, count(*) FILTER (WHERE d.state = 'proposed') AS pending
  FROM sv.complaint_duplicate d JOIN sv.complaint c ON c.id = d.complaint_id
  LEFT JOIN sv.department dp ON dp.id = c.department_id
  GROUP BY 1, 2, 3;
COMMENT ON VIEW sv_bi.complaint_duplicate_summary IS
  '重复件统计 / Likely duplicates proposed, merged and rejected per month and department';
COMMENT ON COLUMN sv_bi.complaint_duplicate_summary.month IS '月份(新件接收月份第一天)';
COMMENT ON COLUMN sv_bi.complaint_duplicate_summary.department_code IS '新件承办部门代码(空:待派单)';
COMMENT ON COLUMN sv_bi.complaint_duplicate_summary.department_name IS '新件承办部门名称';
COMMENT ON COLUMN sv_bi.complaint_duplicate_summary.proposals IS '疑似重复提示数';
COMMENT ON COLUMN sv_bi.complaint_duplicate_summary.merged IS '已合并数';
COMMENT ON COLUMN sv_bi.complaint_duplicate_summary.rejected IS '确认非重复数';
COMMENT ON COLUMN sv_bi.complaint_duplicate_summary.pending IS '待确认数';
GRANT SELECT ON sv_bi.complaint_duplicate_summary TO sv_bi, sv_auditor, sv_admin;

-- The sweep's backlog (proposal_mode 'sweep'), one row: the mode in force, how many items wait
-- for their proposals and since when; a DBA sees a sweep falling behind (the job runs every
-- minute: a wait of minutes is normal, of hours is not).
CREATE VIEW sv_bi.complaint_duplicate_backlog AS
  SELECT p.proposal_mode, sv.label_zh('complaint_duplicate_policy.proposal_mode', p.proposal_mode) AS proposal_mode_zh,
         q.pending, q.oldest_queued_at, date_trunc('second', now() - q.oldest_queued_at) AS oldest_wait
  FROM (SELECT x.proposal_mode FROM sv.complaint_duplicate_policy x ORDER BY x.id DESC LIMIT 1) p
  CROSS JOIN (SELECT count(*) AS pending, min(w.queued_at) AS oldest_queued_at FROM sv.complaint_duplicate_pending w) q;
COMMENT ON VIEW sv_bi.complaint_duplicate_backlog IS
  '重复件比对积压 / Complaints waiting for the sweep''s duplicate proposals: how many, since when';
COMMENT ON COLUMN sv_bi.complaint_duplicate_backlog.proposal_mode IS '比对方式代码:arrival 接收时即比对, sweep 每分钟批量比对';
COMMENT ON COLUMN sv_bi.complaint_duplicate_backlog.proposal_mode_zh IS '比对方式';
COMMENT ON COLUMN sv_bi.complaint_duplicate_backlog.pending IS '待比对件数';
COMMENT ON COLUMN sv_bi.complaint_duplicate_backlog.oldest_queued_at IS '最早待比对件的排队时间';
COMMENT ON COLUMN sv_bi.complaint_duplicate_backlog.oldest_wait IS '最早待比对件已等待时长';
GRANT SELECT ON sv_bi.complaint_duplicate_backlog TO sv_bi, sv_auditor, sv_admin;
