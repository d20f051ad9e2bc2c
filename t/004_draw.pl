# The double-random draw: statistical uniformity of the sampler and the seed derivation, the same
# inputs giving the same output, and an independent recomputation of an exported draw by
# contrib-examples/draw/verify_draw.py (Python 3 standard library only).
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Temp qw(tempfile);
use Digest::SHA;
use JSON::PP;
use MIME::Base64;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('draw');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'sv_platform'\n");
$node->start;
$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE');

# 2,000 draws of 10 subjects from 100, each with another nonce: every subject should be picked
# 200 times on average.  Chi-square with 99 degrees of freedom; 148.23 is its 0.999 quantile, so
# a uniform sampler fails this with probability 0.001.
my $counts_sql = q{
  SELECT x.candidate, count(*)
  FROM generate_series(1, 2000) AS n,
       sv._draw_sample(sv._draw_seed(1, sha256('population'::bytea), sha256(int4send(n)), 'entropy'),
                       ARRAY[100], ARRAY[10]) AS x
  GROUP BY x.candidate ORDER BY x.candidate};
my %count = map { split /\|/ } split /\n/, $node->safe_psql('postgres', $counts_sql);
is(scalar(keys %count), 100, 'every one of the 100 subjects was drawn at least once');
my $total = 0;
$total += $_ for values %count;
is($total, 20000, '2,000 draws of 10 without replacement: 20,000 picks');
my $chi2 = 0;
for my $i (1 .. 100) { my $c = $count{$i} // 0; $chi2 += ($c - 200)**2 / 200; }
cmp_ok($chi2, '<', 148.23, sprintf('selection counts are uniform (chi-square %.1f, 99 df, p > 0.001)', $chi2));

# The first pick alone must be uniform too (position bias would hide in the totals).
my %first = map { split /\|/ } split /\n/, $node->safe_psql('postgres', q{
  SELECT x.candidate, count(*)
  FROM generate_series(1, 2000) AS n,
       sv._draw_sample(sv._draw_seed(1, sha256('population'::bytea), sha256(int4send(n)), 'entropy'),
                       ARRAY[100], ARRAY[10]) AS x
  WHERE x.pick = 1 GROUP BY x.candidate});
my $chi2_first = 0;
for my $i (1 .. 100) { my $c = $first{$i} // 0; $chi2_first += ($c - 20)**2 / 20; }
cmp_ok($chi2_first, '<', 148.23, sprintf('first picks are uniform (chi-square %.1f, 99 df, p > 0.001)', $chi2_first));

is($node->safe_psql('postgres', $counts_sql), $node->safe_psql('postgres', $counts_sql),
	'the same inputs give the same output');

# A real plan, sealed and run, then exported and recomputed outside PostgreSQL.
$node->safe_psql('postgres', q{
  SELECT sv.catalog_item_save('TAP-1', 4, 'item', 'random', 'on-site', 'enterprises',
    jsonb_build_array(jsonb_build_object('law', 'law A')), 'city', 'city');
  SELECT sv.check_item_save('TAP-1-C01', 'TAP-1', 'city', '410400', 4, 'on_site', 'content', 'general');
  SELECT sv.catalog_publish('TAP-R1');
  SELECT sv.ingest('TAP', 'subject', (
    SELECT jsonb_agg(jsonb_build_object('source_record_id', 'TAP-' || i, 'uscc', b || sv.uscc_check_character(b),
                                        'name', 'subject ' || i, 'region_code', '410422'))
    FROM (SELECT i, '91410422MA' || lpad(i::text, 7, '0') AS b FROM generate_series(1, 500) i) x));
  INSERT INTO sv.credit_class SELECT uscc, (ARRAY['A','B','C','D'])[1 + abs(hashtext(uscc::text)) % 4], 'tap', now()
  FROM sv.subject WHERE source_system = 'TAP' AND abs(hashtext(uscc::text || 'x')) % 10 < 7;
  SELECT sv.inspector_save('豫TAP' || lpad(i::text, 4, '0'), 'inspector ' || i, 4,
                           (ARRAY['410400', '410422', '410423'])[1 + i % 3], '2024-01-01', '2029-12-31', 'TAP-ZF', 'TAP-ZF-' || i)
  FROM generate_series(1, 30) i;
  SELECT sv.inspector_conflict_declare('豫TAP' || lpad((i % 30 + 1)::text, 4, '0'), uscc::text, 'declared in the TAP test')
  FROM (SELECT uscc, row_number() OVER (ORDER BY uscc) AS i FROM sv.subject WHERE source_system = 'TAP') s WHERE i <= 200;
  SELECT sv.draw_plan_save('TAP-P1', '双随机抽查', 4, '2026-12-01', '2026-12-31',
    jsonb_build_object('regions', jsonb_build_array('410422')), ARRAY['TAP-1-C01'],
    '{"A": {"ratio": 0.03}, "B": {"ratio": 0.05}, "C": {"ratio": 0.1}, "D": {"ratio": 0.5}, "U": {"count": 12}}',
    team_size => 3, cross_area => true);
  SELECT sv.draw_seal((SELECT id FROM sv.draw_plan WHERE code = 'TAP-P1'), sha256('tap secret nonce 0123456789'::bytea),
                      'lottery;welfare lottery 3D;2099330;2099-11-30;digits=3');
  SELECT sv.draw_run((SELECT id FROM sv.draw_plan WHERE code = 'TAP-P1'), 'tap secret nonce 0123456789'::bytea,
                     '417');
});
# two recusals after the draw, replayed by the verifier
$node->safe_psql('postgres', q{
  SELECT sv.draw_recuse(d.id, t.uscc::text, t.certificate_no, 'inspector', 'declared after the draw')
  FROM sv.draw d JOIN sv.draw_plan p ON p.id = d.plan_id
  JOIN LATERAL (SELECT * FROM sv.draw_team x WHERE x.draw_id = d.id ORDER BY x.uscc, x.slot LIMIT 1) t ON true
  WHERE p.code = 'TAP-P1';
  SELECT sv.draw_recuse(d.id, t.uscc::text, t.certificate_no, 'subject', 'requested by the enterprise')
  FROM sv.draw d JOIN sv.draw_plan p ON p.id = d.plan_id
  JOIN LATERAL (SELECT * FROM sv.draw_team x WHERE x.draw_id = d.id ORDER BY x.uscc DESC, x.slot DESC LIMIT 1) t ON true
  WHERE p.code = 'TAP-P1';
});
is($node->safe_psql('postgres', q{SELECT bool_and(ok) FROM sv.draw_verify_detail(
     (SELECT d.id FROM sv.draw d JOIN sv.draw_plan p ON p.id = d.plan_id WHERE p.code = 'TAP-P1'))}), 't',
   'sv.draw_verify recomputes the draw with its recusals');
my $export = $node->safe_psql('postgres', 'SELECT sv.draw_export(d.id) FROM sv.draw d JOIN sv.draw_plan p ON p.id = d.plan_id WHERE p.code = \'TAP-P1\'');
my $verifier = dirname(__FILE__) . '/../contrib-examples/draw/verify_draw.py';
my ($fh, $file) = tempfile(UNLINK => 1);
print $fh $export;
close $fh;
my ($out, $err) = run_command(['python3', $verifier, $file]);
like($out, qr/VERIFIED$/m, 'the independent verifier recomputes the draw');
unlike($out, qr/FAIL/, 'every step of the independent recomputation matches');
like($out, qr/^selection\s+ok\s+(\d+) subjects/m, 'the verifier recomputed the selection');
like($out, qr/^recusals\s+ok\s+2 recusals, 0 differ/m, 'the verifier replays the two recusals');
like($out, qr/^teams\s+ok\s+\d+ team places, \d+ stream words, workload spread [01] within a department$/m,
	'the verifier recomputed the teams; the workload is within one assignment of even');

# A tampered export (the first drawn subject replaced by another candidate) is rejected.
my $doc = JSON::PP->new->decode($export);
my ($other) = grep { my $u = $_; !grep { $_->{uscc} eq $u } @{ $doc->{selected} } }
  map { $node->safe_psql('postgres', "SELECT uscc FROM sv.subject WHERE source_system = 'TAP' ORDER BY uscc LIMIT 1 OFFSET $_") } 0 .. 20;
$doc->{selected}[0]{uscc} = $other;
my ($fh2, $file2) = tempfile(UNLINK => 1);
print $fh2 JSON::PP->new->encode($doc);
close $fh2;
my ($out2) = run_command(['python3', $verifier, $file2]);
like($out2, qr/^selection\s+FAIL/m, 'the verifier names the selection of an export that was changed');
like($out2, qr/NOT VERIFIED$/m, 'and does not verify it');

# An export whose population lists a candidate twice, or whose nonce is outside 16 to 1024
# bytes, is rejected by name.
my $dup = JSON::PP->new->decode($export);
my $pop = MIME::Base64::decode_base64($dup->{population_base64});
$dup->{population_base64} = MIME::Base64::encode_base64(substr($pop, 0, 21) . $pop, '');
my ($fh3, $file3) = tempfile(UNLINK => 1);
print $fh3 JSON::PP->new->encode($dup);
close $fh3;
my ($out3) = run_command(['python3', $verifier, $file3]);
like($out3, qr/^stratum_sizes\s+FAIL.*listed twice/m, 'the verifier refuses a population line listed twice');
my $short = JSON::PP->new->decode($export);
$short->{nonce} = '00112233';
$short->{commitment} = Digest::SHA::sha256_hex(pack('H*', '00112233'));
my ($fh4, $file4) = tempfile(UNLINK => 1);
print $fh4 JSON::PP->new->encode($short);
close $fh4;
my ($out4) = run_command(['python3', $verifier, $file4]);
like($out4, qr/^commitment\s+FAIL.*4 bytes: 16 to 1024/m, 'the verifier refuses a nonce of fewer than 16 bytes');

# Many runs in one transaction: each run used to create a temporary table whose locks were held
# to the end of the transaction, and about 1,000 runs ended in "out of shared memory".  On an
# instance with a small lock table (which made the old code fail after about a hundred runs),
# 1,100 small plans (two subjects of 鲁山县) are sealed, one per transaction, then all run in
# one transaction.  Each plan checks another day, so that none overlaps another sealed, unrun
# plan (which the seal refuses).
my $small = PostgreSQL::Test::Cluster->new('small_lock_table');
$small->init;
$small->append_conf('postgresql.conf', "shared_preload_libraries = 'sv_platform'\n");
$small->start;
$small->safe_psql('postgres', q{
  SET client_min_messages = warning;
  CREATE EXTENSION sv_platform CASCADE;
  SELECT sv.catalog_item_save('TAP-1', 4, 'item', 'random', 'on-site', 'enterprises',
    jsonb_build_array(jsonb_build_object('law', 'law A')), 'city', 'city');
  SELECT sv.check_item_save('TAP-1-C01', 'TAP-1', 'city', '410400', 4, 'on_site', 'content', 'general');
  SELECT sv.catalog_publish('TAP-R1');
  SELECT sv.inspector_save('豫TAP' || lpad(i::text, 4, '0'), 'inspector ' || i, 4, '410400', '2024-01-01', '2035-12-31',
                           'TAP-ZF', 'TAP-ZF-' || i)
  FROM generate_series(1, 3) i;
  SELECT sv.ingest('TAP', 'subject', (
    SELECT jsonb_agg(jsonb_build_object('source_record_id', 'TAP-M' || i, 'uscc', b || sv.uscc_check_character(b),
                                        'name', 'small subject ' || i, 'region_code', '410423'))
    FROM (SELECT i, '91410423MA' || lpad(i::text, 7, '0') AS b FROM generate_series(1, 2) i) x));
});
# (creating the extension needs more locks than the small table holds: made first, then the
# instance restarted with it)
$small->append_conf('postgresql.conf', "max_connections = 10\nmax_locks_per_transaction = 10\n");
$small->restart;
$small->safe_psql('postgres', join("\n", map {
	"SELECT sv.draw_seal(sv.draw_plan_save('TAP-M$_', 'many runs', 4, '2030-01-01'::date + $_, '2030-01-01'::date + $_, "
	  . "'{\"regions\": [\"410423\"]}', ARRAY['TAP-1-C01'], '{\"U\": {\"count\": 1}}'), "
	  . "sha256('many runs nonce $_'::bytea), 'lottery;welfare lottery 3D;2099331;2099-12-01;digits=3');"
} 1 .. 1100));
my ($rc, $stdout, $stderr) = $small->psql('postgres', q{
  BEGIN;
  DO $$
  DECLARE
    p record;
  BEGIN
    FOR p IN SELECT id, substr(code, 6) AS n FROM sv.draw_plan WHERE code LIKE 'TAP-M%' ORDER BY id LOOP
      PERFORM sv.draw_run(p.id, ('many runs nonce ' || p.n)::bytea, '503');
    END LOOP;
  END
  $$;
  COMMIT;
  SELECT count(*) FROM sv.draw d JOIN sv.draw_plan p ON p.id = d.plan_id WHERE p.code LIKE 'TAP-M%';});
is($rc, 0, '1,100 draw_run calls in one transaction succeed on a small lock table') or diag($stderr);
is($stdout, '1100', 'and all 1,100 draws are stored');
is($small->safe_psql('postgres', q{SELECT bool_and(sv.draw_verify(d.id)) FROM sv.draw d JOIN sv.draw_plan p ON p.id = d.plan_id
                                   WHERE p.code IN ('TAP-M1', 'TAP-M550', 'TAP-M1100')}), 't', 'and they verify');
$small->stop;

# The seed derivation agrees with the protocol's test vector in docs/draw-protocol.md.
is($node->safe_psql('postgres', q{SELECT encode(sv._draw_seed(7, sha256('population'::bytea),
       '\x00112233445566778899aabbccddeeff', '03071219253109'), 'hex')}),
   'f4cd805ac920bb47db97b907c871f1bbe518744b0380afe71a847973bc8286b5', 'the seed test vector');

$node->stop;
done_testing();
