-- sv_platform.control: its comment (what \dx and pg_available_extensions show) names only
-- capabilities that exist; each one below is checked against its entry point in the catalog.
SELECT comment FROM pg_available_extensions WHERE name = 'sv_platform';

SELECT c.capability, EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'sv'::regnamespace AND p.proname = c.entry_point) AS exists
FROM (VALUES ('catalogue', 'catalog_publish'),
             ('data centre', 'ingest'),
             ('working-day calendar', 'add_workdays'),
             ('double-random draws', 'draw_run'),
             ('credit and joint sanctions', 'credit_check'),
             ('approval-supervision linkage', 'approval_receive'),
             ('outbox pushes', 'outbox_send'),
             ('audit chain', 'audit_verify')) c(capability, entry_point)
ORDER BY c.capability;

-- every capability the comment lists is one of those above (nothing planned, nothing missing)
SELECT trim(x) AS listed_but_not_checked
FROM pg_available_extensions, regexp_split_to_table(split_part(comment, ': ', 2), ',') x
WHERE name = 'sv_platform'
  AND trim(x) NOT IN ('catalogue', 'data centre', 'working-day calendar', 'double-random draws', 'credit and joint sanctions',
                      'approval-supervision linkage', 'outbox pushes', 'audit chain');
