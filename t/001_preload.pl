# The library preloaded and not preloaded: GUCs exist, the extension installs, a restart keeps
# the data, and a bad sv.timezone is refused.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('preloaded');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'sv_platform,pg_cron'\n");
$node->start;

# GUCs are defined at preload, before any CREATE EXTENSION.
is($node->safe_psql('postgres', 'SHOW sv.timezone'), 'Asia/Shanghai', 'sv.timezone defined by preload');
is($node->safe_psql('postgres',
	"SELECT string_agg(name, ',' ORDER BY name) FROM pg_settings WHERE name LIKE 'sv.%'"),
	'sv.audit_verify_crosscheck,sv.audit_verify_min_parallel_size,sv.audit_verify_workers,'
	. 'sv.low_fine_limit,sv.push_allowed_hosts,sv.push_attempt_retention,sv.push_database,sv.push_enabled,'
	. 'sv.push_max_in_flight,sv.push_retry_base_ms,sv.push_retry_max_ms,sv.timezone,sv.uscc_restore_mode',
	'the sv.* GUCs are defined');
like($node->safe_psql('postgres',
	"SELECT short_desc FROM pg_settings WHERE name = 'sv.timezone'"), qr/legal dates/, 'GUC has help text');

# The sv. prefix is reserved: a misspelt GUC is refused instead of silently ignored.
my ($ret, $out, $err) = $node->psql('postgres', 'SET sv.timezon = 1');
isnt($ret, 0, 'unknown sv.* parameter is refused');
like($err, qr/invalid configuration parameter name "sv\.timezon"/, 'reserved prefix message');

($ret, $out, $err) = $node->psql('postgres', "SET sv.timezone = 'Mars/Olympus'");
isnt($ret, 0, 'unknown time zone is refused');
like($err, qr/invalid value for parameter "sv\.timezone": "Mars\/Olympus"/, 'time zone message');

$node->safe_psql('postgres', 'CREATE EXTENSION sv_platform CASCADE');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'sv_platform'"),
	$node->safe_psql('postgres', "SELECT default_version FROM pg_available_extensions WHERE name = 'sv_platform'"),
	'extension installs at the default version');
is($node->safe_psql('postgres', "SELECT sv.is_workday('2026-02-14')"), 't', 'make-up working day');

# The GUC changes what sv.local_date returns.
is($node->safe_psql('postgres',
	"SET sv.timezone = 'UTC'; SELECT sv.local_date('2026-01-01 23:30:00+00')"), '2026-01-01', 'UTC date');
is($node->safe_psql('postgres',
	"SELECT sv.local_date('2026-01-01 23:30:00+00')"), '2026-01-02', 'Asia/Shanghai date');

# Data and registrations survive an immediate-mode restart (crash recovery).
$node->safe_psql('postgres',
	"SELECT sv.uscc_register_exception('91350100M0001TGQXM', 'early pilot code, verified with the registry')");
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', "SELECT '91350100M0001TGQXM'::sv.uscc"), '91350100M0001TGQXM',
	'registered exception survives crash recovery');
is($node->safe_psql('postgres', "SELECT count(*) FROM sv.calendar_day"), '110', 'calendar survives restart');
$node->stop;

# Without preloading, the library still defines its GUCs when it is first loaded.
my $plain = PostgreSQL::Test::Cluster->new('not_preloaded');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION sv_platform CASCADE');
is($plain->safe_psql('postgres', "SELECT sv.local_date('2026-06-30 16:00:00+00')"), '2026-07-01',
	'library loads on demand');
is($plain->safe_psql('postgres', "LOAD 'sv_platform'; SHOW sv.timezone"), 'Asia/Shanghai',
	'GUC defined on demand');
is($plain->safe_psql('postgres', "SELECT severity || ' ' || finding FROM sv.security_check() WHERE finding <> 'calendar_next_year_missing'"),
	'low library_not_preloaded', 'the self-check reports the missing preload');
$plain->stop;

done_testing();
