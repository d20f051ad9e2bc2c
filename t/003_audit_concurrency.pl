# Eight sessions append 10,000 audit records each at the same time; the chain verifies, an
# independent recomputation of every hash (contrib-examples/audit/verify_chain.pl) agrees, and
# a single altered row is named by sv.audit_verify.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);

my $node = PostgreSQL::Test::Cluster->new('audit');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'sv_platform'\nmax_connections = 40\n");
$node->start;
$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE');

# pgbench: 8 clients x 10,000 transactions, one append each (sessions compete for the head)
my $script = $node->basedir . '/append.sql';
open(my $fh, '>', $script) or die;
print $fh "\\set dept random(1, 11)\n";
print $fh "SELECT sv.audit_append(:dept, 'load_test', :client_id::text, 'append', jsonb_build_object('client', :client_id, 'dept', :dept));\n";
close $fh;
my ($stdout, $stderr);
my $ok = IPC::Run::run([ 'pgbench', '-n', '-c', '8', '-j', '2', '-t', '10000', '-f', $script,
	'-h', $node->host, '-p', $node->port, 'postgres' ], '>', \$stdout, '2>', \$stderr);
ok($ok, 'pgbench: 8 clients x 10,000 appends') or diag($stderr);
like($stdout, qr/number of failed transactions: 0/, 'no failed transaction');

is($node->safe_psql('postgres', 'SELECT count(*), min(seq), max(seq) FROM sv.audit_log'),
	'80000|1|80000', '80,000 records, seq 1..80000 without gaps');
is($node->safe_psql('postgres', 'SELECT count(DISTINCT object_id) FROM sv.audit_log'), '8', 'all eight clients appended');
is($node->safe_psql('postgres', 'SELECT count(*) FROM sv.audit_log l JOIN sv.audit_log p ON p.seq = l.seq - 1 WHERE l.prev_hash <> p.hash'),
	'0', 'every record links to its predecessor (no fork)');
is($node->safe_psql('postgres', 'SELECT count(*) FROM sv.audit_log WHERE recorded_at < (SELECT max(recorded_at) FROM sv.audit_log p WHERE p.seq < sv.audit_log.seq AND p.seq > sv.audit_log.seq - 2)'),
	'0', 'recorded_at never goes backwards along the chain');
is($node->safe_psql('postgres', 'SELECT count(*) FROM sv.audit_verify()'), '0', 'sv.audit_verify finds no broken link');
is($node->safe_psql('postgres', 'SELECT seq FROM sv.audit_head()'), '80000', 'head at the last record');

# An outside party recomputes every hash from an export, with its own code.
my $export = $node->basedir . '/chain.tsv';
$node->safe_psql('postgres', "COPY (SELECT seq, (extract(epoch FROM recorded_at) * 1000000)::bigint, actor_session, actor_role,
	department_id, object_kind, object_id, action, change, encode(prev_hash, 'hex'), encode(hash, 'hex')
	FROM sv.audit_log ORDER BY seq) TO '$export'");
my $verifier = dirname(__FILE__) . '/../contrib-examples/audit/verify_chain.pl';
$ok = IPC::Run::run([ 'perl', $verifier, $export ], '>', \$stdout, '2>', \$stderr);
ok($ok, 'independent verifier accepts the chain') or diag($stdout . $stderr);
like($stdout, qr/^80000 records verified, head [0-9a-f]{64}$/m, 'independent verifier checked every record');

# A superuser alters one row behind the triggers' back: verify names exactly that record.
$node->safe_psql('postgres', "BEGIN; ALTER TABLE sv.audit_log DISABLE TRIGGER audit_log_no_update;
	UPDATE sv.audit_log SET change = '{\"client\": 99}' WHERE seq = 41234;
	ALTER TABLE sv.audit_log ENABLE ALWAYS TRIGGER audit_log_no_update; COMMIT");
is($node->safe_psql('postgres', 'SELECT seq, problem FROM sv.audit_verify()'), '41234|hash',
	'the altered record is named');
$node->safe_psql('postgres', "COPY (SELECT seq, (extract(epoch FROM recorded_at) * 1000000)::bigint, actor_session, actor_role,
	department_id, object_kind, object_id, action, change, encode(prev_hash, 'hex'), encode(hash, 'hex')
	FROM sv.audit_log ORDER BY seq) TO '$export'");
$ok = IPC::Run::run([ 'perl', $verifier, $export ], '>', \$stdout, '2>', \$stderr);
ok(!$ok, 'independent verifier rejects the altered chain');
like($stdout, qr/record 41234: hash mismatch/, 'independent verifier names the same record');

# A deleted row is named too.
$node->safe_psql('postgres', "BEGIN; ALTER TABLE sv.audit_log DISABLE TRIGGER audit_log_no_update;
	DELETE FROM sv.audit_log WHERE seq = 70000; ALTER TABLE sv.audit_log ENABLE ALWAYS TRIGGER audit_log_no_update; COMMIT");
is($node->safe_psql('postgres', 'SELECT seq, problem FROM sv.audit_verify(50000, NULL)'), '70000|missing',
	'a deleted record is found');

$node->stop;
done_testing();
