# Eight sessions append 10,000 audit records each at the same time, without waiting for each
# other (each in a lane of its own); every lane is gapless and linked, the trail verifies, an
# independent recomputation of every hash (contrib-examples/audit/verify_chain.pl) agrees with
# it and with the published head, and an altered or deleted row is named by sv.audit_verify.
# The same under REPEATABLE READ.  Then a crash (-m immediate) in the middle of concurrent
# appends: after recovery every committed change has its record and no record lacks its change,
# every lane is still gapless and the trail verifies.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use File::Spec;

my $node = PostgreSQL::Test::Cluster->new('audit');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'sv_platform'\nmax_connections = 40\n");
$node->start;
$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE');

sub pgbench
{
	my ($script_text, $clients, $tx, $extra, %env) = @_;
	my $script = $node->basedir . '/bench.sql';
	open(my $fh, '>', $script) or die;
	print $fh $script_text;
	close $fh;
	my ($stdout, $stderr) = ('', '');
	local %ENV = (%ENV, %env);
	my $ok = IPC::Run::run([ 'pgbench', '-n', '-c', $clients, '-j', '2', '-t', $tx, @{ $extra // [] }, '-f', $script,
		'-h', $node->host, '-p', $node->port, 'postgres' ], '>', \$stdout, '2>', \$stderr);
	return ($ok, $stdout, $stderr);
}

my $append = "\\set dept random(1, 11)\n"
  . "SELECT sv.audit_append(:dept, 'load_test', :client_id::text, 'append', jsonb_build_object('client', :client_id, 'dept', :dept));\n";

# pgbench: 8 clients x 10,000 transactions, one append each
my ($ok, $stdout, $stderr) = pgbench($append, 8, 10000, []);
ok($ok, 'pgbench: 8 clients x 10,000 appends') or diag($stderr);
like($stdout, qr/number of failed transactions: 0/, 'no failed transaction');

# and under REPEATABLE READ: an append whose snapshot predates another audited commit fails
# with a serialization error (as in 0.1.0), which pgbench retries
($ok, $stdout, $stderr) = pgbench($append, 8, 1000, [ '--max-tries', '1000' ],
	PGOPTIONS => '-c default_transaction_isolation=repeatable\ read');
ok($ok, 'pgbench: 8 clients x 1,000 appends under REPEATABLE READ') or diag($stderr);
like($stdout, qr/number of failed transactions: 0/, 'no failed transaction under REPEATABLE READ (after retries)');

sub lanes_ok
{
	my ($what) = @_;
	is($node->safe_psql('postgres', 'SELECT count(*) FROM (SELECT lane FROM sv.audit_log GROUP BY lane
		HAVING count(*) <> max(lane_seq) OR min(lane_seq) <> 1) s'), '0', "$what: every lane is gapless from position 1");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM sv.audit_log l LEFT JOIN sv.audit_log p
		ON p.lane = l.lane AND p.lane_seq = l.lane_seq - 1
		WHERE l.prev_hash IS DISTINCT FROM coalesce(p.hash, decode(repeat(\'00\', 32), \'hex\'))'),
		'0', "$what: every record links to its predecessor in its lane (no fork)");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM sv.audit_log l JOIN sv.audit_log p
		ON p.lane = l.lane AND p.lane_seq = l.lane_seq - 1 WHERE p.seq >= l.seq OR p.recorded_at > l.recorded_at'),
		'0', "$what: seq and recorded_at increase along every lane");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM sv.audit_verify()'), '0', "$what: sv.audit_verify finds no broken link");
}

is($node->safe_psql('postgres', "SELECT count(*), count(DISTINCT object_id) FROM sv.audit_log WHERE object_kind = 'load_test'"),
	'88000|8', '88,000 records from all eight clients');
cmp_ok($node->safe_psql('postgres', 'SELECT count(DISTINCT lane) FROM sv.audit_log'), '>=', 2, 'appends went to several lanes');
lanes_ok('after the concurrent runs');
is($node->safe_psql('postgres', 'SELECT sv.audit_root(lanes) = hash FROM sv.audit_head()'), 't',
	'the published head recomputes from the records it names');

# An outside party recomputes every hash and the head from an export, with its own code.
my $export = File::Spec->rel2abs($node->basedir . '/chain.tsv');
my $copy = "COPY (SELECT seq, (extract(epoch FROM recorded_at) * 1000000)::bigint, actor_session, actor_role,
	department_id, object_kind, object_id, action, change, encode(prev_hash, 'hex'), encode(hash, 'hex'), lane, lane_seq
	FROM sv.audit_log ORDER BY seq) TO '$export'";
$node->safe_psql('postgres', $copy);
my ($head_hash, $head_lanes) = split /\|/, $node->safe_psql('postgres', 'SELECT hash, lanes FROM sv.audit_head()');
my $verifier = dirname(__FILE__) . '/../contrib-examples/audit/verify_chain.pl';
$ok = IPC::Run::run([ 'perl', $verifier, '--published', $head_lanes, $head_hash, $export ], '>', \$stdout, '2>', \$stderr);
ok($ok, 'independent verifier accepts the trail') or diag($stdout . $stderr);
like($stdout, qr/^88000 records verified in \d+ lanes, head $head_hash$/m, 'independent verifier checked every record and computes the same head');
like($stdout, qr/^lanes \Q$head_lanes\E$/m, 'and the same lanes');
like($stdout, qr/^published head $head_hash: still in the trail$/m, 'the published head is in the trail');

# A superuser alters one row behind the triggers' back: verify names exactly that record.
my $original = $node->safe_psql('postgres', 'SELECT change FROM sv.audit_log WHERE seq = 41234');
$node->safe_psql('postgres', "BEGIN; ALTER TABLE sv.audit_log DISABLE TRIGGER audit_log_no_update;
	UPDATE sv.audit_log SET change = '{\"client\": 99}' WHERE seq = 41234;
	ALTER TABLE sv.audit_log ENABLE ALWAYS TRIGGER audit_log_no_update; COMMIT");
is($node->safe_psql('postgres', 'SELECT seq, problem FROM sv.audit_verify()'), '41234|hash',
	'the altered record is named');
$node->safe_psql('postgres', $copy);
$ok = IPC::Run::run([ 'perl', $verifier, '--published', $head_lanes, $head_hash, $export ], '>', \$stdout, '2>', \$stderr);
ok(!$ok, 'independent verifier rejects the altered trail');
like($stdout, qr/record 41234: hash mismatch/, 'independent verifier names the same record');

# A deleted row is found, by the full walk and by a range (the altered one put back first).
$node->safe_psql('postgres', "BEGIN; ALTER TABLE sv.audit_log DISABLE TRIGGER audit_log_no_update;
	UPDATE sv.audit_log SET change = '$original' WHERE seq = 41234;
	DELETE FROM sv.audit_log WHERE seq = 70000; ALTER TABLE sv.audit_log ENABLE ALWAYS TRIGGER audit_log_no_update; COMMIT");
like($node->safe_psql('postgres', 'SELECT string_agg(problem, \',\') FROM sv.audit_verify()'),
	qr/^missing$/, 'a deleted record is found');
like($node->safe_psql('postgres', 'SELECT string_agg(problem, \',\') FROM sv.audit_verify(50000, NULL)'),
	qr/^missing$/, 'a deleted record is found by a range');

# --- crash during concurrent appends -------------------------------------------------------
# Each transaction inserts a change (a row of crash_change) and appends its record; the server
# is stopped with -m immediate while eight clients run.
$node->safe_psql('postgres', 'CREATE TABLE crash_change (id bigserial PRIMARY KEY, client int)');
my $script = $node->basedir . '/crash.sql';
open(my $fh, '>', $script) or die;
print $fh "BEGIN;\n"
  . "INSERT INTO crash_change (client) VALUES (:client_id) RETURNING id \\gset\n"
  . "SELECT sv.audit_append(NULL, 'crash_change', :id::text, 'add', jsonb_build_object('client', :client_id));\n"
  . "SELECT sv.audit_append(NULL, 'crash_change', :id::text, 'note', '{}');\n"
  . "COMMIT;\n";
close $fh;
my ($out, $err) = ('', '');
my $h = IPC::Run::start([ 'pgbench', '-n', '-c', '8', '-j', '2', '-T', '60', '-f', $script,
	'-h', $node->host, '-p', $node->port, 'postgres' ], '>', \$out, '2>', \$err);
$node->poll_query_until('postgres', "SELECT count(*) > 3000 FROM crash_change") or die 'no progress';
$node->stop('immediate');
$h->finish;
$node->start;
my $changes = $node->safe_psql('postgres', 'SELECT count(*) FROM crash_change');
cmp_ok($changes, '>', 3000, "$changes changes committed before the crash");
is($node->safe_psql('postgres', "SELECT count(*) FROM crash_change c WHERE (SELECT count(*) FROM sv.audit_log l
	WHERE l.object_kind = 'crash_change' AND l.object_id = c.id::text) <> 2"), '0', 'every committed change has its two records');
is($node->safe_psql('postgres', "SELECT count(*) FROM sv.audit_log l WHERE l.object_kind = 'crash_change'
	AND NOT EXISTS (SELECT 1 FROM crash_change c WHERE c.id::text = l.object_id)"), '0', 'no record without its change');
is($node->safe_psql('postgres', "SELECT count(*) FROM sv.audit_log a JOIN sv.audit_log b ON b.object_id = a.object_id
	AND b.object_kind = 'crash_change' AND b.action = 'note'
	WHERE a.object_kind = 'crash_change' AND a.action = 'add' AND (b.lane <> a.lane OR b.lane_seq <> a.lane_seq + 1)"),
	'0', "a transaction's records are consecutive in its lane");
# repair the tampering of the first part, then check all lanes after the crash
$node->safe_psql('postgres', "BEGIN; ALTER TABLE sv.audit_log DISABLE TRIGGER audit_log_no_update;
	DELETE FROM sv.audit_log WHERE object_kind = 'load_test';
	ALTER TABLE sv.audit_log ENABLE ALWAYS TRIGGER audit_log_no_update; COMMIT");
my $bad_lanes = $node->safe_psql('postgres', "SELECT count(*) FROM sv.audit_verify()");
cmp_ok($bad_lanes, '>', 0, 'the removed records of the first part are found missing');
# the lanes that only hold crash-test records start where the first part left them: check them
# from the first crash record on
is($node->safe_psql('postgres', "SELECT count(*) FROM sv.audit_verify((SELECT min(seq) FROM sv.audit_log WHERE object_kind = 'crash_change'), NULL)"),
	'0', 'after the crash every lane verifies up to its head');
($ok, $stdout, $stderr) = pgbench($append, 8, 200, []);
ok($ok, 'appends go on after the crash') or diag($stderr);
is($node->safe_psql('postgres', "SELECT count(*) FROM sv.audit_verify((SELECT min(seq) FROM sv.audit_log WHERE object_kind = 'crash_change'), NULL)"),
	'0', 'and the lanes still verify');

$node->stop;
done_testing();
