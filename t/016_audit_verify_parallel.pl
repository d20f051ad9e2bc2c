# sv.audit_verify in parallel (docs/audit.md, "Verify the chain"): on a trail of tens of
# thousands of records in several lanes, randomized tampering (edits, re-hashed records,
# deletions, copies, swaps, records moved to another lane or stripped of their place, records
# slipped in after a head, head rows removed or altered, whole lanes removed), one to three
# kinds at a time, each round in a transaction that is rolled back.  In every round the parallel
# walk (sv.audit_verify_workers = 2) must report exactly what the serial walk
# (sv.audit_verify_workers = 0) reports, row for row; rounds that only move records on disk
# (UPDATEs that change nothing) must verify clean, through the workers.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('verify_parallel');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'sv_platform'\nmax_connections = 40\nmax_worker_processes = 8\n");
$node->start;
$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE');

# The trail: 4 sessions at once, each transaction appending 1 to 3 records, in lanes of their own
my $script = $node->basedir . '/append.sql';
open(my $fh, '>', $script) or die;
print $fh "\\set dept random(1, 11)\n\\set n random(1, 3)\nBEGIN;\n"
  . "SELECT sv.audit_append(:dept, 'load_test', g::text, 'append', jsonb_build_object('client', :client_id, 'g', g, "
  . "'pad', repeat('x', (g * 37) % 200))) FROM generate_series(1, :n) g;\nCOMMIT;\n";
close $fh;
my ($stdout, $stderr) = ('', '');
ok( IPC::Run::run(
		[ 'pgbench', '-n', '-c', 4, '-j', 2, '-t', 5000, '-f', $script, '-h', $node->host, '-p', $node->port,
			'postgres' ],
		'>', \$stdout, '2>', \$stderr),
	'pgbench: 4 clients append') or diag($stderr);
my ($records, $lanes, $max_seq) = split /\|/,
  $node->safe_psql('postgres', 'SELECT count(*), count(DISTINCT lane), max(seq) FROM sv.audit_log');
cmp_ok($records, '>=', 20000, "a trail of $records records");
cmp_ok($lanes, '>=', 2, "in $lanes lanes");

my $seed = $ENV{SV_VERIFY_SEED} // time;
srand($seed);
note "seed $seed (SV_VERIFY_SEED reproduces a run)";

# a random record, by rank in seq order
sub rec { return '(SELECT seq FROM sv.audit_log ORDER BY seq OFFSET ' . int(rand($records - 5)) . ' LIMIT 1)'; }
sub lane { return '(SELECT lane FROM sv.audit_log ORDER BY seq OFFSET ' . int(rand($records - 5)) . ' LIMIT 1)'; }
my $fresh = $max_seq + 1000;
my $h32 = 'CASE WHEN length(hash) = 32 THEN hash ELSE sha256(hash) END';
my @kinds = (
	sub { 'UPDATE sv.audit_log SET change = \'{"edited": true}\' WHERE seq = ' . rec() },
	sub {
		"UPDATE sv.audit_log SET actor_role = 'someone_else', hash = sv._audit_hash2(prev_hash, seq, lane, lane_seq, "
		  . "recorded_at, actor_session, 'someone_else', department_id, object_kind, object_id, action, change::text) "
		  . 'WHERE seq = ' . rec()
	},
	sub { 'DELETE FROM sv.audit_log WHERE seq = ' . rec() },
	sub { my $r = rec(); "DELETE FROM sv.audit_log WHERE seq BETWEEN $r AND $r + " . int(rand(40)) },
	sub {
		$fresh++;
		"INSERT INTO sv.audit_log SELECT $fresh, recorded_at, actor_session, actor_role, department_id, object_kind, "
		  . 'object_id, action, change, prev_hash, hash, lane, lane_seq FROM sv.audit_log WHERE seq = ' . rec()
	},
	sub {
		'WITH t AS (SELECT lane, lane_seq FROM sv.audit_log WHERE seq = ' . rec() . ') '
		  . 'UPDATE sv.audit_log l SET lane_seq = CASE WHEN l.lane_seq = t.lane_seq THEN t.lane_seq + 1 ELSE t.lane_seq END '
		  . 'FROM t WHERE l.lane = t.lane AND l.lane_seq IN (t.lane_seq, t.lane_seq + 1)'
	},
	sub { 'UPDATE sv.audit_log SET lane = lane + 1 WHERE seq = ' . rec() },
	sub { 'UPDATE sv.audit_log SET lane_seq = NULL WHERE seq = ' . rec() },
	sub { 'UPDATE sv.audit_log SET lane = NULL WHERE seq = ' . rec() },
	sub { 'UPDATE sv.audit_log SET hash = \'\\x00\' WHERE seq = ' . rec() },
	sub { 'UPDATE sv.audit_log SET prev_hash = sha256(prev_hash) WHERE seq = ' . rec() },
	sub {
		$fresh++;
		"INSERT INTO sv.audit_log SELECT $fresh, recorded_at, actor_session, actor_role, department_id, object_kind, "
		  # the lane's last hash may itself have been damaged (to one byte) by an earlier tampering
		  . "object_id, action, change, $h32, sv._audit_hash2($h32, $fresh, lane, lane_seq + 1, recorded_at, actor_session, "
		  . 'actor_role, department_id, object_kind, object_id, action, change::text), lane, lane_seq + 1 '
		  # the row is chosen before the hash is computed: a projection evaluated before the sort
		  # would call _audit_hash2 for a record of the lane whose lane_seq another change nulled
		  . 'FROM (SELECT * FROM sv.audit_log WHERE lane = ' . lane()
		  . ' AND lane_seq IS NOT NULL ORDER BY lane_seq DESC LIMIT 1) last'
	},
	sub {
		my $l = lane();
		"DELETE FROM sv.audit_log WHERE seq = (SELECT max(seq) FROM sv.audit_log WHERE lane = $l)"
	},
	sub { 'DELETE FROM sv.audit_lane WHERE lane = ' . lane() },
	sub { 'UPDATE sv.audit_lane SET hash = sha256(hash) WHERE lane = ' . lane() },
	sub { 'DELETE FROM sv.audit_log WHERE lane = ' . lane() },);
# records moved on disk without a change: new tuple versions at the end of the heap
sub shuffle { my $r = rec(); return "UPDATE sv.audit_log SET seq = seq WHERE seq BETWEEN $r AND $r + " . int(rand(500)) }

my $result = q{SELECT coalesce(string_agg(v.seq || ' ' || v.problem || ' ' || v.detail, ' / ' ORDER BY v.n), '(none)')
  FROM sv.audit_verify() WITH ORDINALITY v(seq, problem, detail, n);};
my ($rounds, $clean, $found, $parallel_clean, $parallel_found) = (60, 0, 0, 0, 0);
for my $round (1 .. $rounds)
{
	my @ops;
	push @ops, shuffle() for 1 .. int(rand(3));
	my $nops = $round % 6 == 0 ? 0 : 1 + int(rand(3));
	push @ops, $kinds[ int(rand(@kinds)) ]->() for 1 .. $nops;
	my $sql = "BEGIN;\nCALL sv._append_only_enforce(false);\nSET session_replication_role = replica;\n"
	  . join('', map { "$_;\n" } @ops)
	  . "SET sv.audit_verify_workers = 0;\n$result\n"
	  . "SET sv.audit_verify_workers = 2;\nSET sv.audit_verify_min_parallel_size = 0;\n"
	  . "SET client_min_messages = debug1;\n$result\nROLLBACK;\n";
	my ($out, $err) = ('', '');
	$node->psql('postgres', $sql, stdout => \$out, stderr => \$err, on_error_die => 1,
		extra_params => [ '-v', 'ON_ERROR_STOP=1' ]);
	my ($serial, $parallel) = split /\n/, $out;
	is($parallel, $serial, "round $round (" . scalar(@ops) . " changes): parallel = serial")
	  or diag(join(";\n", @ops) . "\nserial:\n$serial\nparallel:\n$parallel");
	like($err, qr/of 2 workers/, "round $round: the workers were started") or diag($err);
	if ($serial eq '(none)')
	{
		$clean++;
		$parallel_clean++ if $err =~ /every lane linked/;
	}
	else
	{
		$found++;
		$parallel_found++ if $err =~ /every lane linked/;    # the heads' findings, after the join
	}
}
note "$records records in $lanes lanes; $clean clean rounds ($parallel_clean joined from the workers' runs), "
  . "$found with findings ($parallel_found joined from the workers' runs, the others walked again serially)";
cmp_ok($found, '>=', $rounds / 2, 'most rounds find their tampering');
cmp_ok($parallel_clean, '>=', $rounds / 6, 'clean rounds are verified by the workers');
is($node->safe_psql('postgres', 'SELECT count(*) FROM sv.audit_verify()'), '0', 'the trail is intact again');

$node->stop;
done_testing();
