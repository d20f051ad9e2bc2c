-- ---------------------------------------------------------------------------------------------
-- 0.1.0 -> 0.2.0, after the re-runnable part: what needs 0.2.0's functions.
-- ---------------------------------------------------------------------------------------------

-- The label rule on sv.label_text (the domain was created without it before the views: its
-- check needs sv._label_problem); checks the release labels and notes of 0.1.0.
ALTER DOMAIN sv.label_text ADD CONSTRAINT label_text_check
  CHECK (VALUE = btrim(VALUE) AND VALUE <> '' AND length(VALUE) <= 500 AND sv._label_problem(VALUE) IS NULL);

-- Releases published under 0.1.0 get their SHA-256 now, over their items as they stand (0.1.0
-- kept no hash; docs/upgrades.md).  The append-only guards are relaxed for this one statement.
CALL sv._append_only_enforce(false);
SET LOCAL session_replication_role = replica;
UPDATE sv.catalog_release r
   SET sha256 = (SELECT sv._catalog_release_sha256(string_agg(sv._catalog_release_line(i.kind, i.code, i.item), ''
                                                              ORDER BY i.kind COLLATE "C", i.code COLLATE "C"))
                 FROM sv.catalog_release_item i WHERE i.release_id = r.id)
 WHERE r.sha256 IS NULL;
SET LOCAL session_replication_role = origin;
CALL sv._append_only_enforce();

-- 39_ingest_kind: the kinds of the batches received by 0.1.0 are registered now.
ALTER TABLE sv.ingest_batch ADD CONSTRAINT ingest_batch_kind_fkey FOREIGN KEY (kind) REFERENCES sv.ingest_kind (kind);
