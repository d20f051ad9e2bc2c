-- pg_dump keeps the rows of a table created by the extension only when the table is marked with
-- pg_extension_config_dump (docs/upgrades.md).  Every table and sequence of sv_platform is
-- marked, except those listed here with the reason; a new table that holds user data and is not
-- marked shows up in the first query.  The update from 0.1.0 keeps the same marks
-- (t/013_upgrade.pl compares them with a fresh install).
WITH ext AS (SELECT oid, extconfig FROM pg_extension WHERE extname = 'sv_platform'),
members AS (
  SELECT c.oid::regclass AS rel, c.relkind
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
    AND d.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'p', 'S'))
SELECT m.rel, CASE m.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END AS kind,
       CASE WHEN m.rel::text LIKE 'sv.%staging%' THEN 'emptied by every ingest (docs/datacenter.md)'
            WHEN m.rel IN ('sv.calendar_deadline'::regclass, 'sv.ingest_kind'::regclass, 'sv.versioned_table'::regclass,
                         'sv.code_label'::regclass, 'sv.complaint_transition'::regclass, 'sv.kpi'::regclass)
              THEN 'written by the install and update scripts only'
            WHEN m.rel IN ('sv.complaint_submit_count'::regclass, 'sv.complaint_submit_secret'::regclass)
              THEN 'transient: the portal rate limits'' counts of two days and their secret (a restore makes a new one)'
            WHEN m.rel = 'sv.complaint_sketch'::regclass THEN 'derived: recomputed by sv.complaint''s insert trigger (a restore too)'
            ELSE 'NOT MARKED: holds user data?' END AS why_not_dumped
FROM members m, ext
WHERE m.rel::oid <> ALL (ext.extconfig)
ORDER BY m.rel::text;

-- and the rows of shipped reference tables that pg_dump keeps: those added after the install
SELECT c.relid::regclass AS config_table, c.cond AS rows_dumped
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(relid, cond)
WHERE e.extname = 'sv_platform' AND c.cond <> ''
ORDER BY c.relid::regclass::text;
