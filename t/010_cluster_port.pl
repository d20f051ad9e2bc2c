# scripts/lib.sh's cluster_start (make demo, make bench) against the port race: free_port finds
# a port that nothing listens on, but another process binds it before the server does.  A
# socket bound without listen() plays that process: connecting to it is refused (free_port
# sees a free port), binding it fails ("Address already in use").  cluster_start must start
# the server on the next free port instead of failing, and still fail on any other error.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use IO::Socket::INET;

my $lib = dirname(__FILE__) . '/../scripts/lib.sh';
my $bindir = `pg_config --bindir`;
chomp $bindir;
my $base = PostgreSQL::Test::Utils::tempdir();

# the squatter: bound, not listening, no SO_REUSEADDR
my $squatter = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', ReuseAddr => 0)
  or die "bind: $!";
my $taken = $squatter->sockport;
ok(!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $taken, Proto => 'tcp'),
	"port $taken refuses connections: free_port takes it for free");

# cluster_start DIR with PORT_BASE at the squatted port; prints the port it ended on
sub start_cluster
{
	my ($dir, @extra) = @_;
	my ($out, $err);
	my $script = 'source "$1"; dir=$2; shift 2; cluster_start "$dir" "$@" || exit 1; '
	  . 'echo "port=$PGPORT"; psql -X -At -d postgres -c "SHOW port"; cluster_stop "$dir"';
	my $ok = IPC::Run::run([ 'bash', '-c', $script, 'bash', $lib, $dir, @extra ], '>', \$out, '2>', \$err,
		init => sub { $ENV{PGBIN} = $bindir; $ENV{PORT_BASE} = $taken; });
	return ($ok, $out // '', $err // '');
}

my ($ok, $out, $err) = start_cluster("$base/race");
ok($ok, 'cluster_start succeeds although its first port was taken before the bind') or diag($out . $err);
my ($port) = $out =~ /^port=(\d+)$/m;
ok(defined $port && $port != $taken, 'the server runs on another port (' . ($port // 'none') . ')');
like($out, qr/^\Q@{[ $port \/\/ 'none' ]}\E$/m, 'and answers there (SHOW port)');
like($err, qr/port \Q$taken\E was taken before the server could bind it; trying the next free port/,
	'the retry is said on stderr');
ok(-s "$base/race/server-port-$taken.log", 'the failed attempt\'s server log is kept');
like(slurp_file("$base/race/server-port-$taken.log"), qr/could not bind IPv4 address "127\.0\.0\.1": Address already in use/,
	'it shows the bind failure');

# any other start failure is not retried: the log is shown and cluster_start fails
($ok, $out, $err) = start_cluster("$base/bad", 'shared_buffers = nonsense');
ok(!$ok, 'a server that fails for another reason is not retried');
like($err, qr/invalid value for parameter "shared_buffers"/, 'its log is shown');
unlike($err, qr/trying the next free port/, 'no retry');

close $squatter;
done_testing();
