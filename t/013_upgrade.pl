# ALTER EXTENSION sv_platform UPDATE from 0.1.0 (docs/upgrades.md): the 0.1.0 install script as
# shipped, with the 0.1.0 demo's data (t/data/upgrade-0.1.0/, written through the 0.1.0 API and
# run by this version's C library), is updated to the current version; then
#   1. pg_dump --schema-only --binary-upgrade (which, unlike a plain dump, lists every member of
#      the extension) is the same as a fresh install's, and so are the configuration tables;
#   2. every row of every table is still there;
#   3. sv.audit_verify() and sv.security_check() are clean, and the 0.1.0 draws still verify;
#   4. this library works with both schemas: it ran the 0.1.0 demo, and its push worker waits
#      (with a warning) while the database is at 0.1.0 and delivers after the update;
#   5. the updated database survives pg_dump / pg_restore.
# The server's clock is fixed by libfaketime (2026-06-15, inside 0.1.0's calendar), so the
# 0.1.0 demo and the checks do not depend on today's date.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Spec;

my $faketime = (grep { -e } map { "$_/faketime/libfaketime.so.1" } qw(/usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib))[0];
plan skip_all => 'libfaketime is not installed (scripts/setup-debian.sh installs it)' unless $faketime;

my $root = dirname(__FILE__) . '/..';
my $data = "$root/t/data/upgrade-0.1.0";
my $dir = File::Spec->rel2abs(PostgreSQL::Test::Utils::tempdir());
copy("$data/$_", "$dir/$_") or die "copy $_: $!" for qw(demo.sql catalog.csv codes.csv);

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', <<'EOF');
shared_preload_libraries = 'sv_platform'
sv.push_enabled = on
sv.push_database = 'old'
sv.push_allowed_hosts = '127.0.0.1'
fsync = off
EOF
{
	local $ENV{LD_PRELOAD} = $faketime;
	local $ENV{FAKETIME} = '@2026-06-15 10:00:00';
	local $ENV{FAKETIME_DONT_RESET} = '1';
	$node->start;
}
is($node->safe_psql('postgres', "SELECT to_char(now(), 'YYYY-MM-DD')"), '2026-06-15', 'server clock fixed by libfaketime');

my $current = $node->safe_psql('postgres', "SELECT default_version FROM pg_available_extensions WHERE name = 'sv_platform'");
like($current, qr/^\d+\.\d+\.\d+$/, "current version $current");
is($node->safe_psql('postgres', "SELECT string_agg(version, ',' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'sv_platform'"),
	"0.1.0,$current", 'both versions installed');
is($node->safe_psql('postgres', "SELECT string_agg(path, ',') FROM pg_extension_update_paths('sv_platform') WHERE source = '0.1.0' AND target = '$current'"),
	"0.1.0--$current", 'one update path from 0.1.0');

# --- 0.1.0 with its demo's data -------------------------------------------------------------
$node->safe_psql('postgres', "CREATE DATABASE old ENCODING 'UTF8' TEMPLATE template0");
$node->safe_psql('old', "SET client_min_messages = warning; CREATE EXTENSION sv_platform VERSION '0.1.0' CASCADE");
my ($out, $err) = ('', '');
# the 0.1.0 demo stops at an unintended error (it sets ON_ERROR_STOP off around its intended ones)
my $ok = IPC::Run::run([ 'psql', '-X', '-q', '-d', $node->connstr('old'),
		'-v', "demo_dir=$dir", '-v', 'fixture_port=9', '-f', 'demo.sql' ],
	'>', \$out, '2>', \$err, init => sub { chdir $dir or die });
ok($ok, 'the 0.1.0 demo runs to its end on this library') or diag($err);
my @errors = ($err =~ /^psql:demo\.sql:(\d+): ERROR: /mg);
is("@errors", '51 103 134 184 218 489', 'with its six intended errors') or diag($err);
unlike($err, qr/server closed the connection|FATAL|PANIC/, 'no backend crashed');

# a plan sealed under 0.1.0 and not run (the demo runs its own)
$node->safe_psql('old', q{
	SET ROLE msa_city;
	SELECT sv.draw_seal(sv.draw_plan_save('UPG-SEALED-01', '升级前封存未抽取的计划', 4, '2026-06-20', '2026-07-20',
	  '{"regions": ["410402"], "industries": ["F52"], "kinds": ["enterprise"]}', ARRAY['PDS-MSA-002-C01'],
	  '{"U": {"ratio": 0.05}, "A": {"ratio": 0.05}, "B": {"ratio": 0.05}, "C": {"ratio": 0.05}, "D": {"ratio": 0.05}}'),
	  sha256('upgrade test nonce 0123456789'::bytea), '中国福利彩票3D 第2026170期开奖号码')});

# the worker of this library does not touch a 0.1.0 schema
ok($node->wait_for_log(qr/database "old" has sv_platform 0\.1\.0, the library is \Q$current\E: pushes wait/),
	'push worker waits for the update, with a warning');
my $pending = $node->safe_psql('old', "SELECT count(*) FROM sv.outbox WHERE status = 'pending'");
cmp_ok($pending, '>', 0, "0.1.0 left $pending messages pending");

# every table's rows, by content (md5 of the rows in a fixed order)
my $rows_sql = q{
	SELECT string_agg(format('%s %s', c.oid::regclass, (xpath('/row/c/text()',
	         query_to_xml(format('SELECT count(*) || '':'' || coalesce(md5(string_agg(t::text, E''\n'' ORDER BY t::text)), '''') AS c FROM %s t', c.oid::regclass),
	                      false, true, '')))[1]::text), E'\n' ORDER BY c.oid::regclass::text)
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'sv' AND c.relkind IN ('r', 'p') AND c.relname = ANY(string_to_array(:'tables', ','))
};
my $tables = $node->safe_psql('old', "SELECT string_agg(relname, ',') FROM pg_class WHERE relnamespace = 'sv'::regnamespace AND relkind IN ('r', 'p')");
# tables the update renames (ALTER TABLE ... RENAME, rows kept): new name => 0.1.0 name; their
# rows are read under either name and reported under the old one
my %renamed = (department_endpoint => 'linkage_endpoint');
$tables .= join('', map { ",$_" } sort keys %renamed);
my $sequences_sql = q{SELECT format('%s %s', c.oid::regclass, pg_sequence_last_value(c.oid)) FROM pg_class c
	WHERE c.relnamespace = 'sv'::regnamespace AND c.relkind = 'S' AND c.relname = ANY(string_to_array(:'sequences', ',')) ORDER BY 1};
my $sequences = $node->safe_psql('old', "SELECT string_agg(relname, ',') FROM pg_class WHERE relnamespace = 'sv'::regnamespace AND relkind = 'S'");
# The rows and sequences of the 0.1.0 tables, read in one transaction after $before (the push
# worker starts delivering as soon as the update commits).
sub snapshot {
	my ($db, $before) = @_;
	my ($o, $e) = ('', '');
	my $sql = "BEGIN;\n" . ($before // '') . "\n$rows_sql;\n$sequences_sql;\nCOMMIT;\n";
	IPC::Run::run([ 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-v', "tables=$tables", '-v', "sequences=$sequences",
			'-d', $node->connstr($db) ], '<', \$sql, '>', \$o, '2>', \$e) or die "snapshot of $db: $e";
	$o =~ s/^sv\.\Q$_\E /sv.$renamed{$_} /mg for keys %renamed;
	return $o;
}
my $before = snapshot('old');
like($before, qr/sv\.subject \d{2,}:/, 'the demo wrote subjects');

# --- the update ---------------------------------------------------------------------------
my $after = snapshot('old', 'ALTER EXTENSION sv_platform UPDATE;');
is($node->safe_psql('old', "SELECT extversion FROM pg_extension WHERE extname = 'sv_platform'"), $current, "updated to $current");

# 2. every row kept (the update may add columns, never lose or change a row's old values)
my %count_before = $before =~ /^(\S+) (\d+):/mg;
my %count_after = $after =~ /^(\S+) (\d+):/mg;
# registries of 0.1.0 that the update adds rows to, by design: table => rows added
my %rows_added = ('sv.versioned_table' => 1);   # sv.joint_item (70_joint), versioned like the catalogue
$count_before{$_} += $rows_added{$_} for keys %rows_added;
is_deeply(\%count_after, \%count_before, 'every table has the same number of rows');
# tables the update did not widen or fill keep identical contents
my %widened = map { $_ => 1 } split /,/, $node->safe_psql('old', q{
	SELECT string_agg(DISTINCT attrelid::regclass::text, ',') FROM pg_attribute
	WHERE attrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'sv'::regnamespace) AND atthasmissing})
  . ',sv.credit_class_history,sv.catalog_release,sv.draw_plan,sv.endpoint'
  . ',sv.audit_log'    # lane, lane_seq: NULL for the 0.1.0 chain (no stored default)
  . join('', map { ",$_" } sort keys %rows_added);
my %sum_before = $before =~ /^(\S+) \d+:(\S*)$/mg;
my %sum_after = $after =~ /^(\S+) \d+:(\S*)$/mg;
my @changed = grep { !$widened{$_} && ($sum_before{$_} // '') ne ($sum_after{$_} // '') } sort keys %sum_before;
is_deeply(\@changed, [], 'tables without new columns have identical rows') or diag("changed: @changed");
is(join("\n", $after =~ /^(sv\.\S+_seq\b.*)$/mg), join("\n", $before =~ /^(sv\.\S+_seq\b.*)$/mg), 'sequences where they were');
is($node->safe_psql('old', q{SELECT count(*) FROM sv.credit_class_history WHERE as_of IS DISTINCT FROM computed_at}), '0',
	'credit class history: as_of filled from computed_at');
is($node->safe_psql('old', q{SELECT count(*) FROM sv.catalog_release WHERE sha256 IS NULL}), '0',
	'every 0.1.0 release has its SHA-256');
is($node->safe_psql('old', q{SELECT string_agg(DISTINCT status || ' ' || protocol, ', ') FROM sv.draw_plan}),
	'drawn sv-draw-v1, sealed sv-draw-v1', 'plans sealed by 0.1.0 keep protocol sv-draw-v1');

# the plan sealed under 0.1.0: cannot be run under sv-draw-v2, can be cancelled in public
my ($rc, $o2, $e2) = $node->psql('old', q{SET ROLE msa_city; SELECT sv.draw_run((SELECT id FROM sv.draw_plan WHERE code = 'UPG-SEALED-01'),
	convert_to('upgrade test nonce 0123456789', 'UTF8'), '3D 2026170: 1 2 3')}, extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($e2, qr/55000: plan 'UPG-SEALED-01' was sealed without its team inputs and seal hash \(before protocol sv-draw-v2\)/,
	'a plan sealed by 0.1.0 is not run under sv-draw-v2 (55000)');
$node->safe_psql('old', q{SET ROLE msa_city; SELECT sv.draw_plan_cancel((SELECT id FROM sv.draw_plan WHERE code = 'UPG-SEALED-01'),
	'升级到0.2.0后按新协议重新封存')});
is($node->safe_psql('old', q{SET ROLE portal_public; SELECT status || ' ' || cancel_reason FROM sv_public.draw_plan WHERE plan_code = 'UPG-SEALED-01'}),
	'cancelled 升级到0.2.0后按新协议重新封存', 'and is cancelled in public instead');

# 3. the chain, the checks and the old draws
is($node->safe_psql('old', 'SELECT count(*) FROM sv.audit_verify()'), '0', 'audit chain verifies after the update');
is($node->safe_psql('old', q{SELECT string_agg(severity || ' ' || finding || ' ' || coalesce(object, ''), ', ') FROM sv.security_check()}),
	'', 'security_check: no finding');
is($node->safe_psql('old', q{SELECT string_agg(table_name || '.' || trigger_name || ' ' || state, ', ') FROM sv.append_only_guard() WHERE state <> 'always'}),
	'', 'every append-only guard ALWAYS');
my $draws = $node->safe_psql('old', q{SELECT count(*) FROM sv.draw_plan WHERE status = 'drawn'});
cmp_ok($draws, '>', 0, "the 0.1.0 demo drew $draws plans");
is($node->safe_psql('old', q{SELECT string_agg(p.code || ': ' || v.step, ', ') FROM sv.draw d JOIN sv.draw_plan p ON p.id = d.plan_id, sv.draw_verify_detail(d.id) v WHERE NOT v.ok}),
	'', 'the 0.1.0 draws verify with their protocol');

# 4. the worker delivers after the update (the endpoint's port 9 refuses: the attempt is recorded)
$node->poll_query_until('old', q{SELECT count(*) > 0 FROM sv.outbox_attempt}) or fail('the worker attempted no message after the update');
pass('the push worker works on the updated schema');

# 1. the same schema as a fresh install
$node->safe_psql('postgres', "CREATE DATABASE fresh ENCODING 'UTF8' TEMPLATE template0");
$node->safe_psql('fresh', "SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE");
sub schema_of {
	my ($db) = @_;
	my ($o, $e) = ('', '');
	IPC::Run::run([ 'pg_dump', '--schema-only', '--binary-upgrade', '-d', $node->connstr($db) ],
		'>', \$o, '2>', \$e) or die "pg_dump $db: $e";
	# what differs by nature: object identifiers, transaction ids, psql's restrict keys, and the
	# stored default of a column added to a table that had rows (the same default either way)
	$o =~ s/^-- For binary upgrade, set (heap|toast)'s relfrozenxid and relminmxid\nUPDATE pg_catalog\.pg_class\nSET relfrozenxid = .*\nWHERE oid = .*\n//mg;
	$o =~ s/^-- set missing value\.\n(SELECT pg_catalog\.binary_upgrade_set_missing_value\(.*\n)*//mg;
	$o =~ s/^SELECT pg_catalog\.binary_upgrade_set_next_.*\n//mg;
	$o =~ s/^SELECT pg_catalog\.binary_upgrade_create_empty_extension\(.*\n//mg;
	$o =~ s/^\\(un)?restrict .*\n//mg;
	$o =~ s/^-- Dumped (from|by) .*\n//mg;
	$o =~ s/^--\n-- Name: [^;]*; Type: SEQUENCE SET;.*\n--\n\nSELECT pg_catalog\.setval\(.*\n//mg;   # data, not schema
	$o =~ s/\n{3,}/\n\n/g;
	return $o;
}
my $updated = schema_of('old');
my $fresh = schema_of('fresh');
my $same = $updated eq $fresh;
ok($same, 'pg_dump --schema-only --binary-upgrade: updated = fresh install');
if (!$same) {
	open(my $a, '>', "$dir/updated.sql"); print $a $updated; close $a;
	open(my $b, '>', "$dir/fresh.sql"); print $b $fresh; close $b;
	diag(scalar `diff -u $dir/fresh.sql $dir/updated.sql | head -300`);
}
my $config = q{SELECT string_agg(format('%s %s', c.relid::regclass, c.cond), E'\n' ORDER BY c.relid::regclass::text)
	FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(relid, cond) WHERE e.extname = 'sv_platform'};
is($node->safe_psql('old', $config), $node->safe_psql('fresh', $config), 'the same configuration tables (pg_extension_config_dump)');
is($node->safe_psql('old', 'SELECT string_agg(version, \',\') FROM sv.build_info() WHERE component = \'sv_platform\''), $current,
	'build_info reports the version of the control file');

# 5. pg_dump / pg_restore of the updated database
# (the worker stopped first: it keeps retrying the refused port, which changes the outbox)
$node->append_conf('postgresql.conf', "sv.push_enabled = off\n");
{
	local $ENV{LD_PRELOAD} = $faketime;
	local $ENV{FAKETIME} = '@2026-06-15 12:00:00';
	local $ENV{FAKETIME_DONT_RESET} = '1';
	$node->restart;
}
my $dump = "$dir/old.dump";
IPC::Run::run([ 'pg_dump', '-Fc', '-d', $node->connstr('old'), '-f', $dump ], '>', \$out, '2>', \$err)
  or die "pg_dump: $err";
$node->safe_psql('postgres', "CREATE DATABASE restored ENCODING 'UTF8' TEMPLATE template0");
{
	local $ENV{PGOPTIONS} = '-c sv.uscc_restore_mode=on';
	$ok = IPC::Run::run([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], '>', \$out, '2>', \$err);
}
ok($ok, 'the updated database restores') or diag($err);
# (CREATE EXTENSION re-creates the shipped calendar notices, with their load time; staging
# tables are emptied by every ingest and their line counters are not dumped)
my $restorable = sub { $_[0] =~ s/^(sv\.calendar_notice \d+):\S*$/$1/mr =~ s/^sv\.\S+_staging_line_seq\b.*\n//mgr };
is($restorable->(snapshot('restored')), $restorable->(snapshot('old')), 'every row restored');
is($node->safe_psql('restored', 'SELECT count(*) FROM sv.audit_verify()'), '0', 'the restored chain verifies');

$node->stop;
done_testing();
