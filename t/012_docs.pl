# Every SQL example in docs/*.md and docs/reference/*.md runs: scripts/docs-examples.py runs the
# ```sql blocks of each page in order on a fresh database of its own and compares them with the
# output the page shows (conventions: the script's header and README.md "Tests").  A page that
# does not run yet is listed in %excluded with the reason, and printed, so the gap stays visible.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = dirname(dirname(File::Spec->rel2abs(__FILE__)));
# page => reason; none today (every page runs; blocks left out are marked in the page and printed)
my %excluded = (
);

my $node = PostgreSQL::Test::Cluster->new('docs');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'sv_platform,pg_cron'\n"
	. "cron.database_name = 'postgres'\nmax_prepared_transactions = 10\n"
	. "sv.push_allowed_hosts = '127.0.0.1, localhost, .example.org'\n");
$node->start;

my @pages = (sort(glob("$root/docs/*.md")), sort(glob("$root/docs/reference/*.md")));
ok(scalar(@pages) > 0, 'docs pages found');
for my $page (sort keys %excluded) {
	ok(-f "$root/$page", "excluded page $page exists");
}

local $ENV{PGHOST} = $node->host;
local $ENV{PGPORT} = $node->port;
local $ENV{PGUSER} = $ENV{USER} // 'postgres';
my @cmd = ('python3', "$root/scripts/docs-examples.py", '--psql',
	$node->config_data('--bindir') . '/psql', '--root', $root,
	(map { ('--exclude', "$_=$excluded{$_}") } sort keys %excluded), @pages);
open(my $fh, '-|', @cmd) or die "cannot run docs-examples.py: $!";
my ($current, @diag);
my $flush = sub {
	return unless defined $current;
	my ($status, $what) = @$current;
	ok($status eq 'ok', "docs example $what") or diag(join("\n", @diag));
	undef $current;
	@diag = ();
};
while (my $line = <$fh>) {
	chomp $line;
	if ($line =~ /^(ok|not ok) - (.*)$/) {
		$flush->();
		$current = [ $1, $2 ];
	} elsif ($line =~ /^#\s{3}/ && defined $current) {
		push @diag, $line;
	} elsif ($line =~ /^# (.*)$/) {
		my $msg = $1;
		$flush->();
		if ($msg =~ /^(?:skip|exclude) /) { diag($msg); } else { note($msg); }
	}
}
$flush->();
close($fh);
is($? >> 8, 0, 'docs-examples.py reports no failure');

$node->stop;
done_testing();
