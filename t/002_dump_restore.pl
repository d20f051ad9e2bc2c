# pg_dump / pg_restore of a database using sv_platform: shipped reference rows are recreated
# by CREATE EXTENSION (not duplicated), rows added later are kept, and codes registered as
# exceptions restore with sv.uscc_restore_mode (table data may come before sv.uscc_exception).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'sv_platform'\n");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
	SET client_min_messages = warning;
	CREATE EXTENSION sv_platform CASCADE;
	SELECT sv.uscc_register_exception('91350100M0001TGQXM', 'early pilot code, verified');
	CREATE TABLE public.subject_copy (code sv.uscc PRIMARY KEY, name text);
	INSERT INTO public.subject_copy VALUES ('91350100M0001TGQXM', 'pilot'), ('91410400MA44L0X1Q8', 'normal');
	SELECT sv.calendar_load(2027, 'test notice', '2026-11-20',
	  '[{"festival": "元旦", "from": "2027-01-01", "to": "2027-01-03"}]');
	INSERT INTO sv.region (code, name_zh, name_en, level, parent_code) VALUES ('410499', '测试区', 'Test district', 'county', '410400');
	-- the catalogue: a main item edited after its sub-item was added (so the sub-item comes
	-- first in the table), a release, and history
	SELECT sv.catalog_item_save('DR-1', 4, 'main item', 'random', 'on-site', 'enterprises',
	  '[{"law": "law A"}]', 'city', 'city');
	SELECT sv.catalog_item_save('DR-1-1', 4, 'main item', 'random', 'on-site', 'enterprises',
	  '[{"law": "law A"}]', 'city', 'city', main_item => 'DR-1', sub_name => 'sub item');
	SELECT sv.check_item_save('DR-1-C01', 'DR-1', 'city', '410400', 4, 'on_site', 'content', 'general');
	SELECT sv.catalog_publish('R1');
	-- a sealed draw plan: its guards (ENABLE ALWAYS) must let the restore write it back
	SELECT sv.draw_seal(sv.draw_plan_save('DR-P1', 'plan', 4, '2026-12-01', '2026-12-20', '{"regions": ["410422"]}',
	  '{DR-1-C01}', '{"U": {"count": 1}}'), sha256('dump restore nonce 0123'::bytea), 'lottery;中国福利彩票3D;2099350;2099-01-20;digits=3');
	SELECT sv.catalog_item_save('DR-1', 4, 'main item, renamed', 'random', 'on-site', 'enterprises',
	  '[{"law": "law A"}]', 'city', 'city');
	-- a correction of a shipped year: must survive the restore and stay in force
	SELECT sv.calendar_load(2026, 'corrected notice', '2026-09-01',
	  '[{"festival": "国庆节", "from": "2026-10-01", "to": "2026-10-08", "workdays": ["2026-10-10"]}]', replace => true);
	-- two work orders about the same matter: one duplicate proposal, which the restore must
	-- bring back as it was, not make again when it loads the items
	SELECT sv.complaint_receive('{"work_order_no": "DR-C-1", "kind": "report", "received_at": "2026-03-02T09:00:00+08:00",
	  "text": "建设路好又多超市出售过期酸奶,要求处理。", "anonymous": true}');
	SELECT sv.complaint_receive('{"work_order_no": "DR-C-2", "kind": "report", "received_at": "2026-03-03T09:00:00+08:00",
	  "text": "好又多超市(建设路)卖过期酸奶,请处理。", "anonymous": true}');
});

my $dump = $node->basedir . '/src.dump';
my ($stdout, $stderr);
my $ok = IPC::Run::run([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ],
	'>', \$stdout, '2>', \$stderr);
ok($ok, 'pg_dump succeeds');
is($stderr, '', 'pg_dump prints no warning');

# Without restore mode, table data restored before sv.uscc_exception rejects the pilot code.
$node->safe_psql('postgres', 'CREATE DATABASE plain');
IPC::Run::run([ 'pg_restore', '-d', $node->connstr('plain'), $dump ], '>', \$stdout, '2>', \$stderr);
like($stderr, qr/invalid unified social credit code "91350100M0001TGQXM"/,
	'plain restore stops at the registered exception');

# With restore mode (superuser only), everything comes back.
$node->safe_psql('postgres', 'CREATE DATABASE dst');
{
	local $ENV{PGOPTIONS} = '-c sv.uscc_restore_mode=on';
	$ok = IPC::Run::run([ 'pg_restore', '-d', $node->connstr('dst'), $dump ],
		'>', \$stdout, '2>', \$stderr);
}
ok($ok, 'restore with sv.uscc_restore_mode succeeds') or diag($stderr);
is($node->safe_psql('dst', 'SELECT string_agg(code::text, \',\' ORDER BY code) FROM public.subject_copy'),
	'91350100M0001TGQXM,91410400MA44L0X1Q8', 'subject codes restored');
is($node->safe_psql('dst', 'SELECT code FROM sv.uscc_exception'), '91350100M0001TGQXM',
	'registered exception restored');
is($node->safe_psql('dst', "SELECT '91350100M0001TGQXM'::sv.uscc"), '91350100M0001TGQXM',
	'exception accepted after restore without restore mode');
is($node->safe_psql('dst', "SELECT string_agg(year || ':' || source, ',' ORDER BY year, source) FROM sv.calendar_notice"),
	'2024:shipped,2025:shipped,2026:loaded,2026:shipped,2027:loaded', 'shipped and loaded calendar notices, none duplicated');
is($node->safe_psql('dst', "SELECT title FROM sv.calendar_notice_in_force WHERE year = 2026"),
	'corrected notice', 'the correction of a shipped year is still in force');
is($node->safe_psql('dst', "SELECT sv.is_workday('2026-10-08')"), 'f', 'corrected day counts after restore');
is($node->safe_psql('dst', "SELECT count(*) || ' ' || string_agg(state, ',') FROM sv.complaint_duplicate"), '1 proposed',
	'the duplicate proposal restored once (loading the items proposes nothing)');
my $sketches = "SELECT count(*) || ' ' || string_agg(complaint_id || ':' || md5(bands::text), ',' ORDER BY complaint_id) FROM sv.complaint_sketch";
is($node->safe_psql('dst', $sketches), $node->safe_psql('src', $sketches),
	'text sketches recomputed by the restore, once each, equal to the source (the table is not dumped)');
like($node->safe_psql('src', $sketches), qr/^2 /, 'both items have a sketch');
is($node->safe_psql('dst', 'SELECT count(*) FROM sv.calendar_day'),
	$node->safe_psql('src', 'SELECT count(*) FROM sv.calendar_day'), 'calendar days identical');
is($node->safe_psql('dst', 'SELECT count(*) FROM sv.region'),
	$node->safe_psql('src', 'SELECT count(*) FROM sv.region'), 'regions identical');
is($node->safe_psql('dst', "SELECT sv.region_within('410499', '410000')"), 't', 'added region restored');
my $catalog = "SELECT string_agg(code || ':' || main_name || ':' || lower(sys_period)::text, ',' ORDER BY code) FROM sv.catalog_item";
is($node->safe_psql('dst', $catalog), $node->safe_psql('src', $catalog),
	'catalogue restored with its periods (sub-item before its main item)');
my $as_of = "SELECT string_agg(code || ':' || main_name, ',' ORDER BY code) FROM sv.as_of(NULL::sv.catalog_item, "
  . "(SELECT published_at FROM sv.catalog_release WHERE label = 'R1'))";
is($node->safe_psql('dst', $as_of), 'DR-1:main item,DR-1-1:main item', 'history restored: as_of the release');
is($node->safe_psql('dst', "SELECT count(*) FROM sv.catalog_diff('R1')"), '1', 'release restored: one change since');
is($node->safe_psql('dst', "SELECT count(*) FROM sv.department"), '11', 'departments not duplicated');
is($node->safe_psql('dst', "SELECT code || ':' || status || ':' || (terms_sha256 = sv._draw_plan_terms_sha256(id))::text "
  . "|| ':' || (SELECT count(*) FROM sv.draw_plan_stratum s WHERE s.plan_id = p.id) FROM sv.draw_plan p"),
	'DR-P1:sealed:true:1', 'sealed draw plan restored with its rows, terms as sealed');

# Restore mode is for superusers only, and off by default.
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');
my ($ret, $out, $err) = $node->psql('dst', 'SET sv.uscc_restore_mode = on', extra_params => [ '-U', 'app' ]);
isnt($ret, 0, 'ordinary role cannot set sv.uscc_restore_mode');
like($err, qr/permission denied to set parameter "sv\.uscc_restore_mode"/, 'permission message');
($ret, $out, $err) = $node->psql('dst', "SELECT '91350100M0001TGQXN'::sv.uscc");
like($err, qr/Check character is N, expected 1/, 'unregistered bad code still refused when restore mode is off');

$node->stop;
done_testing();
