# make demo's script (contrib-examples/pingdingshan/demo.sql) read as a person reads it: it
# runs to the end on a cluster set up as scripts/demo.sh does (push worker, HTTP fixture);
# every ERROR is announced by the line just before it ("   next, refused on purpose: why"),
# itself preceded by the same in Chinese ("   【预期拒绝】…"), and every announcement is followed
# by its ERROR; no result is one empty cell (a void
# function's value) and no header repeats a column name; every header cell has a Chinese
# character (people read the demo: the columns carry Chinese labels, English only as a gloss),
# and so does every section title (the "== " lines); the draw's outside recomputation
# (verify_draw.py) is printed with the draw, before the linkage section, and verifies; what the
# departments' systems received is printed with the linkage section.
use strict;
use warnings;
use utf8;    # the Chinese in the patterns below
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use Time::HiRes qw(time sleep);
use Encode qw(decode encode);

my $root = dirname(__FILE__) . '/..';
my $dir = PostgreSQL::Test::Utils::tempdir();

my $node = PostgreSQL::Test::Cluster->new('demo');
$node->init;
$node->append_conf('postgresql.conf', <<'EOF');
shared_preload_libraries = 'sv_platform'
sv.push_enabled = on
sv.push_database = 'pingdingshan'
sv.push_allowed_hosts = '127.0.0.1'
EOF
$node->start;

my $fixture = IPC::Run::start([ 'python3', "$root/scripts/http_fixture.py", '--port', '0', '--log', "$dir/fixture.jsonl",
	'--port-file', "$dir/fixture.port" ], '>', '/dev/null', '2>', "$dir/fixture.err");
# stopped even when the script dies half-way
END { $fixture->signal('TERM') if $fixture && $fixture->pumpable; }
my $end = time + 10;
sleep 0.1 until -s "$dir/fixture.port" || time > $end;
my $fixture_port = slurp_file("$dir/fixture.port");
chomp $fixture_port;

$node->safe_psql('postgres', 'CREATE DATABASE pingdingshan');
$node->safe_psql('pingdingshan', 'SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE');

my $out;
my $ok = IPC::Run::run([ 'bash', '-c', 'cd "$1" && psql -X -d "$2" -v demo_dir="$3" -v fixture_port="$4" -f demo.sql 2>&1',
	'bash', "$root/contrib-examples/pingdingshan", $node->connstr('pingdingshan'), $dir, $fixture_port ], '>', \$out);
ok($ok, 'demo.sql runs to the end') or diag($out);
is(-e "$dir/draw-verify.rc" ? slurp_file("$dir/draw-verify.rc") : '(not run)', "0\n", 'verify_draw.py verifies the exported draw');

# read as text: psql prints UTF-8 (the database's encoding), \p{Han} needs characters; what a
# failing check shows goes back to UTF-8 bytes (the test harness's log handles take bytes)
my @lines = split /\n/, decode('UTF-8', $out);
sub shown { return encode('UTF-8', join("\n", @_)); }
my @shown = grep { $lines[$_] !~ /^\s*$/ } 0 .. $#lines;    # indexes of the non-blank lines

# every ERROR announced just before; every announcement followed by an ERROR
my (@unannounced, @unfollowed, @untranslated, $errors);
for my $k (0 .. $#shown)
{
	my $line = $lines[ $shown[$k] ];
	if ($line =~ /\bERROR:/)
	{
		$errors++;
		push @unannounced, $line unless $k > 0 && $lines[ $shown[ $k - 1 ] ] =~ /^   next, refused on purpose: \S/;
	}
	if ($line =~ /^   next, refused on purpose:/)
	{
		push @unfollowed, $line unless $k < $#shown && $lines[ $shown[ $k + 1 ] ] =~ /\bERROR:/;
		push @untranslated, $line unless $k > 0 && $lines[ $shown[ $k - 1 ] ] =~ /^   【预期拒绝】\p{Han}/;
	}
}
ok($errors > 0, "the demo shows refusals ($errors)");
is(shown(@unannounced), '', 'every ERROR is announced by the line before it');
is(shown(@unfollowed), '', 'every announced refusal happens next');
is(shown(@untranslated), '', 'every announcement is preceded by the same in Chinese');

# result tables: the header is the line above the dashes (aligned format, footer off)
my (@empty_cells, @repeated, @ascii_headers, $tables);
for my $i (1 .. $#lines - 1)
{
	next unless $lines[$i] =~ /^-+(\+-+)*$/;
	my @names = map { s/^\s+|\s+$//gr } split /\|/, $lines[ $i - 1 ];
	my %seen;
	my @dups = grep { $seen{$_}++ == 1 } @names;
	push @repeated, $lines[ $i - 1 ] if @dups;
	$tables++;
	my @unlabelled = grep { !/\p{Han}/ } @names;
	push @ascii_headers, $lines[ $i - 1 ] =~ s/\s+$//r . '   <- ' . join(', ', @unlabelled) if @unlabelled;
	push @empty_cells, $lines[ $i - 1 ] if @names == 1 && $lines[ $i + 1 ] =~ /^\s*$/ && $lines[ $i + 1 ] ne '';
}
is(shown(@empty_cells), '', 'no result is a single empty cell');
is(shown(@repeated), '', 'no header repeats a column name');
ok($tables > 50, "the demo prints result tables ($tables)");
is(shown(@ascii_headers), '', 'every header cell has a Chinese label');
my @english_sections = grep { /^== / && !/\p{Han}/ } @lines;
is(shown(@english_sections), '', 'every section title says in Chinese what it shows');

# where things are printed
sub at { my ($re) = @_; my ($i) = grep { $lines[$_] =~ $re } 0 .. $#lines; return $i // -1; }
my $draw = at(qr/^== 双随机、一公开/);
my $linkage = at(qr/^== 审管联动/);
my $verified = at(qr/^   draw \d+ of plan \S+: VERIFIED$/);
my $received = at(qr/^   POST \/accept\/msa  linkage\.approval /);
my $end_section = at(qr/^== 最后/);
ok($draw >= 0 && $draw < $verified && $verified < $linkage, 'the outside recomputation is printed with the draw, before linkage');
ok($linkage < $received && $received < $end_section, 'what the departments received is printed with the linkage section');
my $lead_section = at(qr/^== 风险线索闭环/);
my ($spike_found) = grep { $lines[$_] =~ /^\s+\d+ \|\s+\d+ \|\s+1 \|\s+1\s*$/ } ($lead_section < 0 ? () : $lead_section .. $#lines);
$spike_found //= -1;
my $lead_closed = at(qr/\| 预警规则 \| 已办结反馈 \| 属实\s+\| t\s+\|/);
ok($lead_section >= 0 && $lead_section < $spike_found && $spike_found < $lead_closed && $lead_closed < $end_section,
	'the planted spike is found by a scan, and its lead is confirmed by an inspection and closed');

# make demo's last step (scripts/demo.sh): the evaluation sample added to the demo's data, and
# last month's bulletin generated and rendered (a department the demo added must not collide)
my ($rc, $sample_out, $sample_err) = $node->psql('pingdingshan', slurp_file('t/data/evaluation_sample.sql'),
	on_error_stop => 1);
is($rc, 0, 'the evaluation sample loads on top of the demo data') or diag($sample_err);
my $period = $node->safe_psql('pingdingshan', "SELECT to_char(sv.local_date(now()) - interval '1 month', 'YYYY-MM')");
$node->safe_psql('pingdingshan', "SELECT count(*) FROM sv.bulletin_generate('monthly', '$period')");
my $page = $node->safe_psql('pingdingshan', "SELECT length(sv.bulletin_html('$period'))");
ok($page > 10000, "the demo's monthly bulletin renders ($page characters)");

$fixture->signal('TERM');
$fixture->finish;
undef $fixture;
$node->stop;
done_testing();
