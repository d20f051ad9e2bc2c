# The push worker against a local HTTP fixture (scripts/http_fixture.py): delivery woken at
# commit, retries then success, dead after max attempts and requeue, failed at once on 4xx,
# timeouts, an endpoint down for a while, the worker killed and PostgreSQL restarted with
# -m immediate in the middle of a batch.  After every case what the fixture received is
# compared with the outbox: no message lost, duplicates only under the same Idempotency-Key.
# Delivery, the kill and the immediate stop again against nginx (section 11).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use Time::HiRes qw(time sleep);

my $fixture_py = dirname(__FILE__) . '/../scripts/http_fixture.py';

# the fixture checks itself first (every mode, its log, its shutdown)
my ($selftest_out, $selftest_err);
ok(IPC::Run::run([ 'python3', $fixture_py, '--selftest' ], '>', \$selftest_out, '2>', \$selftest_err),
	'the HTTP fixture passes its self-test') or diag($selftest_out . $selftest_err);

my $node = PostgreSQL::Test::Cluster->new('push');
$node->init;
$node->append_conf('postgresql.conf', <<'EOF');
shared_preload_libraries = 'sv_platform'
restart_after_crash = on
sv.push_enabled = on
sv.push_database = 'pushdb'
sv.push_allowed_hosts = '127.0.0.1'
sv.push_retry_base_ms = 100
sv.push_retry_max_ms = 400
EOF
$node->start;

# Polls instead of fixed sleeps: a condition is checked every 100 ms until it holds or the
# bound (the TAP default timeout, 180 s) passes; a condition that must stay true is checked
# every 100 ms over its whole window and fails at the first change.
sub poll_until
{
	my ($cond, $timeout) = @_;
	my $end = time + ($timeout // $PostgreSQL::Test::Utils::timeout_default);
	until ($cond->())
	{
		return 0 if time > $end;
		sleep 0.1;
	}
	return 1;
}
sub holds_for
{
	my ($cond, $seconds) = @_;
	my $end = time + $seconds;
	while (time < $end)
	{
		return 0 unless $cond->();
		sleep 0.1;
	}
	return $cond->();
}
sub log_count
{
	my ($re) = @_;
	my @hits = slurp_file($node->logfile) =~ /$re/g;
	return scalar @hits;
}

# The launcher waits quietly for the database, then the worker for the extension: one log
# line each, no restarts.  Each count is taken once the process has moved on (looked again
# and found what it waited for), so every look it took while waiting is in the log.
ok(poll_until(sub { log_count(qr/waiting for database "pushdb"/) > 0 }), 'the launcher waits for the database');
$node->safe_psql('postgres', 'CREATE DATABASE pushdb');
# the launcher looks again within 10 s and starts the worker, which waits for the extension
ok(poll_until(sub { log_count(qr/waiting for CREATE EXTENSION sv_platform/) > 0 }), 'the worker waits for the extension');
is(log_count(qr/waiting for database "pushdb"/), 1, 'the launcher waited for the database with one log line');
$node->safe_psql('pushdb', 'SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE');

# the fixture
my $fixture_log = $node->basedir . '/fixture.jsonl';
my $port_file = $node->basedir . '/fixture.port';
my ($fixture, $port);
sub start_fixture
{
	my ($want_port) = @_;
	unlink $port_file;
	$fixture = IPC::Run::start([ 'python3', $fixture_py, '--port', $want_port // 0, '--log', $fixture_log,
		'--port-file', $port_file ], '>', '/dev/null', '2>', $node->basedir . '/fixture.err');
	poll_until(sub { -s $port_file }, 10) or die 'the fixture did not write its port within 10 s';
	$port = slurp_file($port_file);
	chomp $port;
	return $port;
}
sub stop_fixture { $fixture->signal('TERM'); $fixture->finish; }
start_fixture();
ok($port > 0, "fixture listening on $port");

sub endpoint
{
	my ($name, $path, %o) = @_;
	my $extra = join '', map { ", $_ => $o{$_}" } sort keys %o;
	$node->safe_psql('pushdb', "SELECT sv.endpoint_save('$name', 'http://127.0.0.1:$port/$path'$extra)");
}

# what the fixture received, by key
sub received
{
	my %by_key;
	return \%by_key unless -e $fixture_log;
	open(my $fh, '<', $fixture_log) or die;
	while (my $line = <$fh>)
	{
		my ($key) = $line =~ /"idempotency_key":\s*"([^"]+)"/;
		my ($outcome) = $line =~ /"outcome":\s*"?([a-z0-9]+)"?/;
		push @{ $by_key{$key} }, $outcome if defined $key;
	}
	close $fh;
	return \%by_key;
}

# every delivered message was received with a 200 under its own key; nothing else received
sub check_nothing_lost
{
	my ($label, $endpoint_like) = @_;
	my $got = received();
	my @delivered = split /\n/, $node->safe_psql('pushdb',
		"SELECT message_id FROM sv.outbox WHERE endpoint LIKE '$endpoint_like' AND status = 'delivered'");
	my $missing = grep { !grep { $_ eq '200' } @{ $got->{$_} // [] } } @delivered;
	is($missing, 0, "$label: every delivered message was received with 200");
	my %known = map { $_ => 1 } split /\n/, $node->safe_psql('pushdb', 'SELECT message_id FROM sv.outbox');
	my $strangers = grep { !$known{$_} } keys %$got;
	is($strangers, 0, "$label: the fixture received no message the outbox does not have");
}

sub wait_for
{
	my ($query, $label) = @_;
	ok($node->poll_query_until('pushdb', $query), $label);
}

# 1. delivery, woken at commit
endpoint('tap-accept', 'accept/a', max_concurrent => 16);
my $t0 = time;
$node->safe_psql('pushdb', "SELECT count(sv.outbox_send('tap-accept', 'tap.test', jsonb_build_object('n', n))) FROM generate_series(1, 200) n");
wait_for("SELECT count(*) = 200 FROM sv.outbox WHERE endpoint = 'tap-accept' AND status = 'delivered'", '200 messages delivered');
my $took = time - $t0;
ok($took < 10, sprintf('delivered in %.1f s', $took));
$t0 = time;
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-accept', 'tap.test', '{\"single\": true}')");
wait_for("SELECT count(*) = 201 FROM sv.outbox WHERE endpoint = 'tap-accept' AND status = 'delivered'", 'one more delivered');
ok(time - $t0 < 2, sprintf('a single message is delivered %.2f s after its commit (woken, not polled)', time - $t0));
# the worker has found the extension: every look it took while waiting for it is logged
is(log_count(qr/waiting for CREATE EXTENSION sv_platform/), 1, 'the worker waited for the extension with one log line');
unlike(slurp_file($node->logfile), qr/terminated by exit code|exited with exit code|FATAL/, 'no worker crash while waiting');
is($node->safe_psql('pushdb', "SELECT count(*) FROM sv.outbox_attempt a JOIN sv.outbox o ON o.id = a.outbox_id WHERE o.endpoint = 'tap-accept'"),
	'201', 'one attempt each');
check_nothing_lost('delivery', 'tap-accept');
my $got = received();
my $key = $node->safe_psql('pushdb', "SELECT message_id FROM sv.outbox WHERE endpoint = 'tap-accept' ORDER BY id LIMIT 1");
ok(exists $got->{$key}, 'the Idempotency-Key header is the message id');

# 2. retries then success: the fixture answers 503 twice per key
endpoint('tap-flaky', 'flaky/2/x', max_attempts => 5);
$node->safe_psql('pushdb', "SELECT count(sv.outbox_send('tap-flaky', 'tap.test', jsonb_build_object('n', n))) FROM generate_series(1, 10) n");
wait_for("SELECT count(*) = 10 FROM sv.outbox WHERE endpoint = 'tap-flaky' AND status = 'delivered'", 'flaky: all delivered');
is($node->safe_psql('pushdb', "SELECT min(attempts) || '-' || max(attempts) FROM sv.outbox WHERE endpoint = 'tap-flaky'"),
	'3-3', 'flaky: each after two 503s');
check_nothing_lost('retries', 'tap-flaky');

# 3. dead after max attempts, then requeued
endpoint('tap-down', 'status/503/x', max_attempts => 3);
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-down', 'tap.test', '{}')");
wait_for("SELECT status = 'dead' FROM sv.outbox WHERE endpoint = 'tap-down'", '503 three times: dead');
is($node->safe_psql('pushdb', "SELECT string_agg(outcome, ',' ORDER BY attempt) FROM sv.outbox_attempt a JOIN sv.outbox o ON o.id = a.outbox_id WHERE o.endpoint = 'tap-down'"),
	'retry,retry,dead', 'attempts: retry, retry, dead');
is($node->safe_psql('pushdb', "SELECT count(*) FROM sv_work.outbox_dead WHERE endpoint = 'tap-down'"), '1', 'visible in sv_work.outbox_dead');
endpoint('tap-down', 'accept/recovered', max_attempts => 3);
$node->safe_psql('pushdb', "SELECT sv.outbox_requeue(ARRAY(SELECT message_id FROM sv.outbox WHERE endpoint = 'tap-down'))");
wait_for("SELECT status = 'delivered' FROM sv.outbox WHERE endpoint = 'tap-down'", 'requeued after the fix: delivered');

# 4. other 4xx: failed at once
endpoint('tap-bad', 'status/422/x');
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-bad', 'tap.test', '{}')");
wait_for("SELECT status = 'failed' AND attempts = 1 FROM sv.outbox WHERE endpoint = 'tap-bad'", '422: failed after one attempt');

# 4b. a redirect is not followed: failed at once; a dropped connection is retried
endpoint('tap-redirect', 'status/302/x');
endpoint('tap-drop', 'drop/x', max_attempts => 2);
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-redirect', 'tap.test', '{}'), sv.outbox_send('tap-drop', 'tap.test', '{}')");
wait_for("SELECT status = 'failed' AND last_status = 302 FROM sv.outbox WHERE endpoint = 'tap-redirect'", '302: not followed, failed');
wait_for("SELECT status = 'dead' AND attempts = 2 AND last_status IS NULL FROM sv.outbox WHERE endpoint = 'tap-drop'",
	'dropped connection: retried, then dead');
# (libcurl may resend once by itself on a reused connection that died: same key)
ok(scalar(@{ received()->{ $node->safe_psql('pushdb', "SELECT message_id FROM sv.outbox WHERE endpoint = 'tap-drop'") } // [] }) >= 2,
	'the fixture saw the attempts of the dropped message under its one key');

# 4b'. redirects followed where the endpoint allows it: to an allowed host delivered; to a host
# outside sv.push_allowed_hosts (here localhost, which would reach the fixture) stopped before
# any connection, and failed at once
endpoint('tap-redirect-in', 'redirect/127.0.0.1/accept/redirected', follow_redirects => 'true');
endpoint('tap-redirect-out', 'redirect/localhost/accept/outside', follow_redirects => 'true');
$node->safe_psql('pushdb',
	"SELECT sv.outbox_send('tap-redirect-in', 'tap.test', '{}'), sv.outbox_send('tap-redirect-out', 'tap.test', '{}')");
wait_for("SELECT status = 'delivered' AND last_status = 200 FROM sv.outbox WHERE endpoint = 'tap-redirect-in'",
	'redirect to an allowed host: followed and delivered');
wait_for("SELECT status = 'failed' AND attempts = 1 AND last_status = 0 "
	  . "AND last_error = 'redirected to host localhost, not in sv.push_allowed_hosts: not contacted' "
	  . "FROM sv.outbox WHERE endpoint = 'tap-redirect-out'",
	'redirect outside sv.push_allowed_hosts: not followed, failed with the reason');
{
	my $got = received();
	my $in = $node->safe_psql('pushdb', "SELECT message_id FROM sv.outbox WHERE endpoint = 'tap-redirect-in'");
	my $out = $node->safe_psql('pushdb', "SELECT message_id FROM sv.outbox WHERE endpoint = 'tap-redirect-out'");
	is(join(',', @{ $got->{$in} // [] }), '307,200', 'the allowed redirect reached the fixture twice: 307, then 200');
	is(join(',', @{ $got->{$out} // [] }), '307', 'the refused redirect was never requested');
}

# 4c. a disabled endpoint holds its messages (without the worker spinning); enabled, they go
endpoint('tap-held', 'accept/held', enabled => 'false');
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-held', 'tap.test', '{}')");
# a message to an enabled endpoint, sent after it, is delivered: the worker has claimed since
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-accept', 'tap.test', '{\"after_held\": true}')");
wait_for("SELECT status = 'delivered' FROM sv.outbox WHERE payload ? 'after_held'", 'a later message to an enabled endpoint is delivered');
ok(holds_for(sub { $node->safe_psql('pushdb', "SELECT status || ' ' || attempts FROM sv.outbox WHERE endpoint = 'tap-held'") eq 'pending 0' }, 1),
	'disabled endpoint: the message waits (pending, no attempt, for 1 s)');
my $claims_before = $node->safe_psql('pushdb', 'SELECT claims FROM sv.push_worker_status()');
ok(holds_for(sub { $node->safe_psql('pushdb', 'SELECT claims FROM sv.push_worker_status()') eq $claims_before }, 1),
	'and the idle worker runs no claim meanwhile (claims unchanged for 1 s)');
endpoint('tap-held', 'accept/held', enabled => 'true');
wait_for("SELECT status = 'delivered' FROM sv.outbox WHERE endpoint = 'tap-held'", 'enabled again: delivered');

# 4d. an API key header (auth 'header'): the name in the endpoint, the value from
# sv.endpoint_secret, set by the worker
endpoint('tap-key', 'accept/key', auth => "'header'", auth_header => "'X-Api-Key'");
$node->safe_psql('pushdb', "SELECT sv.endpoint_set_secret('tap-key', 'tap-api-key-0123456789')");
my $key_msg = $node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-key', 'tap.test', '{}')");
wait_for("SELECT status = 'delivered' FROM sv.outbox WHERE endpoint = 'tap-key'", 'auth header: delivered');
{
	my ($line) = grep { /"idempotency_key":\s*"\Q$key_msg\E"/ } split /\n/, slurp_file($fixture_log);
	like($line // '', qr/"api_key":\s*"tap-api-key-0123456789"/, 'auth header: the fixture received X-Api-Key with the secret');
}

# 4e. the worker parses URLs as sv.endpoint_save does (libcurl, src/push/url.c): an endpoint
# URL written round the check ('?@' puts 127.0.0.1 in the query; the host is 127.0.0.2) is not
# contacted
endpoint('tap-qat', 'accept/qat', enabled => 'false');
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-qat', 'tap.test', '{}')");
$node->safe_psql('pushdb', "UPDATE sv.endpoint SET url = 'http://127.0.0.2:$port?\@127.0.0.1/accept/qat', enabled = true "
	  . "WHERE name = 'tap-qat'");
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-accept', 'tap.test', '{\"wake\": true}')");
wait_for("SELECT status = 'failed' AND last_error = 'host not in sv.push_allowed_hosts: not contacted' "
	  . "FROM sv.outbox WHERE endpoint = 'tap-qat'", "'?\@' URL: refused by the worker as by endpoint_save");
is(scalar(@{ received()->{ $node->safe_psql('pushdb', "SELECT message_id FROM sv.outbox WHERE endpoint = 'tap-qat'") } // [] }),
	0, "'?\@' URL: never requested");
like($node->safe_psql('pushdb', "SELECT string_agg(finding, ',') FROM sv.security_check(false) WHERE object = 'sv.endpoint tap-qat'"),
	qr/endpoint_host_not_allowed/, "'?\@' URL: reported by sv.security_check()");

# 5. a hanging endpoint times out and is retried
endpoint('tap-hang', 'hang/x', timeout_ms => 300, max_attempts => 2);
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-hang', 'tap.test', '{}')");
wait_for("SELECT status = 'dead' FROM sv.outbox WHERE endpoint = 'tap-hang'", 'hanging endpoint: timed out twice, dead');
like($node->safe_psql('pushdb', "SELECT last_error FROM sv.outbox WHERE endpoint = 'tap-hang'"), qr/timed out/i, 'the error says timeout');

# 6. the endpoint is down (nothing listens) for a while, then comes back
stop_fixture();
endpoint('tap-outage', 'accept/outage', max_attempts => 50, max_concurrent => 8);
$node->safe_psql('pushdb', "SELECT count(sv.outbox_send('tap-outage', 'tap.test', jsonb_build_object('n', n))) FROM generate_series(1, 50) n");
wait_for("SELECT count(*) = 50 FROM sv.outbox WHERE endpoint = 'tap-outage' AND status = 'pending' AND attempts >= 2", 'outage: retrying');
start_fixture($port);
wait_for("SELECT count(*) = 50 FROM sv.outbox WHERE endpoint = 'tap-outage' AND status = 'delivered'", 'outage over: all delivered');
check_nothing_lost('outage', 'tap-outage');

# 7. the worker killed in the middle of a batch (the postmaster restarts everything)
endpoint('tap-kill', 'delay/200/x', max_concurrent => 20, max_attempts => 50);
$node->safe_psql('pushdb', "SELECT count(sv.outbox_send('tap-kill', 'tap.test', jsonb_build_object('n', n))) FROM generate_series(1, 300) n");
wait_for("SELECT count(*) > 20 FROM sv.outbox WHERE endpoint = 'tap-kill' AND status = 'delivered'", 'kill: delivery under way');
my $pid = $node->safe_psql('pushdb', 'SELECT pid FROM sv.push_worker_status()');
ok($pid > 0, "worker pid $pid");
kill 'KILL', $pid;
wait_for("SELECT count(*) = 300 FROM sv.outbox WHERE endpoint = 'tap-kill' AND status = 'delivered'", 'kill: all 300 delivered after the restart');
check_nothing_lost('worker killed', 'tap-kill');

# 8. PostgreSQL stopped with -m immediate in the middle of a batch
endpoint('tap-crash', 'delay/200/x', max_concurrent => 20, max_attempts => 50);
$node->safe_psql('pushdb', "SELECT count(sv.outbox_send('tap-crash', 'tap.test', jsonb_build_object('n', n))) FROM generate_series(1, 300) n");
wait_for("SELECT count(*) > 20 FROM sv.outbox WHERE endpoint = 'tap-crash' AND status = 'delivered'", 'crash: delivery under way');
$node->stop('immediate');
$node->start;
wait_for("SELECT count(*) = 300 FROM sv.outbox WHERE endpoint = 'tap-crash' AND status = 'delivered'", 'crash: all 300 delivered after the restart');
check_nothing_lost('immediate restart', 'tap-crash');

# 9. no head-of-line blocking: 300 messages queued to an endpoint that answers in 500 ms
# (2 at a time: 75 s of work) do not delay one message to a healthy endpoint
endpoint('tap-slow', 'delay/500/x', max_concurrent => 2, max_attempts => 50);
endpoint('tap-fast', 'accept/fast');
$node->safe_psql('pushdb', "SELECT count(sv.outbox_send('tap-slow', 'tap.test', jsonb_build_object('n', n))) FROM generate_series(1, 300) n");
wait_for("SELECT count(*) = 2 FROM sv.outbox WHERE endpoint = 'tap-slow' AND status = 'in_flight'", 'slow endpoint: its two slots taken');
$t0 = time;
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-fast', 'tap.test', '{}')");
wait_for("SELECT status = 'delivered' FROM sv.outbox WHERE endpoint = 'tap-fast'", 'healthy endpoint: delivered');
my $fast_s = time - $t0;
cmp_ok($fast_s, '<', 5, sprintf('healthy endpoint: delivered in %.2f s beside a saturated slow one', $fast_s));
cmp_ok($node->safe_psql('pushdb', "SELECT count(*) FROM sv.outbox WHERE endpoint = 'tap-slow' AND status = 'pending'"),
	'>', 250, 'slow endpoint: most of its queue still waiting');
$node->safe_psql('pushdb', "SELECT sv.endpoint_save('tap-slow', 'http://127.0.0.1:$port/delay/500/x', enabled => false)");
check_nothing_lost('head-of-line', 'tap-fast');

# 10. sv.push_max_in_flight raised by reload reaches libcurl's connection limit too
$node->append_conf('postgresql.conf', "sv.push_max_in_flight = 96\n");
$node->reload;
ok(poll_until(sub { log_count(qr/connection limit changed from 64 to 96/) > 0 }),
	'reload: the worker set libcurl\'s connection limit to the new sv.push_max_in_flight');
$node->safe_psql('pushdb', "SELECT sv.outbox_send('tap-fast', 'tap.test', '{\"after\": \"reload\"}')");
wait_for("SELECT count(*) = 2 FROM sv.outbox WHERE endpoint = 'tap-fast' AND status = 'delivered'", 'reload: delivery goes on');

# 11. the same worker against nginx (scripts/nginx_endpoint.sh: Debian nginx-light, `return 200`,
# an access log line per request with its Idempotency-Key): delivery, a single message woken
# at commit, the worker killed and PostgreSQL stopped with -m immediate in the middle of a
# batch (under /slow/, paced at 500 a second).  nginx's log must hold every delivered message
# under its own key with 200, no key the outbox does not have, and a key more than once only
# for a message that was in flight at the kill or the crash.  (The fixture stays the endpoint
# for what nginx cannot play: 5xx, hangs, drops, redirects.)
my $nginx_script = dirname(__FILE__) . '/../scripts/nginx_endpoint.sh';
SKIP:
{
	skip 'nginx not installed (scripts/setup-debian.sh installs nginx-light)', 1 unless -x '/usr/sbin/nginx';
	my $ndir = $node->basedir . '/nginx';
	mkdir $ndir;
	my $nport = `bash $nginx_script start $ndir 1`;
	chomp $nport;
	unless (ok($nport =~ /^\d+$/, "nginx listening on $nport"))
	{
		diag(slurp_file("$ndir/start.err"));
		last SKIP;
	}
	my $nlog = "$ndir/access.log";
	my $nginx_received = sub {
		my %by_key;
		return \%by_key unless -e $nlog;
		for my $line (split /\n/, slurp_file($nlog))
		{
			my (undef, $key, $status) = split / /, $line;
			push @{ $by_key{$key} }, $status if $key ne '-';
		}
		return \%by_key;
	};
	my $nginx_check = sub {
		my ($label, $endpoint, $n, $max_extra) = @_;
		my $got = $nginx_received->();
		my @delivered = split /\n/, $node->safe_psql('pushdb',
			"SELECT message_id FROM sv.outbox WHERE endpoint = '$endpoint' AND status = 'delivered'");
		is(scalar @delivered, $n, "nginx, $label: all $n delivered as recorded");
		my $missing = grep { !grep { $_ eq '200' } @{ $got->{$_} // [] } } @delivered;
		is($missing, 0, "nginx, $label: every delivered message in nginx's log with 200 under its key");
		my %known = map { $_ => 1 } split /\n/, $node->safe_psql('pushdb', 'SELECT message_id FROM sv.outbox');
		is(scalar(grep { !$known{$_} } keys %$got), 0, "nginx, $label: no key the outbox does not have");
		my %mine = map { $_ => 1 } @delivered;
		my $extra = 0;
		$extra += scalar(@{ $got->{$_} }) - 1 for grep { $mine{$_} } keys %$got;
		cmp_ok($extra, '<=', $max_extra, "nginx, $label: $extra requests repeated (each under its one key), at most $max_extra");
	};
	my $nendpoint = sub {
		my ($name, $path, %o) = @_;
		my $extra = join '', map { ", $_ => $o{$_}" } sort keys %o;
		$node->safe_psql('pushdb', "SELECT sv.endpoint_save('$name', 'http://127.0.0.1:$nport/$path'$extra)");
	};

	$nendpoint->('ngx-accept', 'push/accept', max_concurrent => 64);
	$node->safe_psql('pushdb', "SELECT count(sv.outbox_send('ngx-accept', 'tap.test', jsonb_build_object('n', n))) FROM generate_series(1, 1000) n");
	wait_for("SELECT count(*) = 1000 FROM sv.outbox WHERE endpoint = 'ngx-accept' AND status = 'delivered'", 'nginx: 1,000 messages delivered');
	is($node->safe_psql('pushdb', "SELECT count(*) FROM sv.outbox_attempt a JOIN sv.outbox o ON o.id = a.outbox_id WHERE o.endpoint = 'ngx-accept'"),
		'1000', 'nginx: one attempt each');
	$nginx_check->('delivery', 'ngx-accept', 1000, 0);
	$t0 = time;
	$node->safe_psql('pushdb', "SELECT sv.outbox_send('ngx-accept', 'tap.test', '{\"single\": true}')");
	wait_for("SELECT count(*) = 1001 FROM sv.outbox WHERE endpoint = 'ngx-accept' AND status = 'delivered'", 'nginx: one more delivered');
	ok(time - $t0 < 2, sprintf('nginx: a single message delivered %.2f s after its commit', time - $t0));

	# the worker killed, then PostgreSQL stopped with -m immediate, each in the middle of a batch
	# of 4,000 (8 s at nginx's pace: under a loaded machine's slow polling 2,000 were
	# sometimes all delivered before the check)
	for my $case (['kill', 'ngx-kill'], ['immediate', 'ngx-crash'])
	{
		my ($how, $name) = @$case;
		$nendpoint->($name, "slow/$how", max_concurrent => 20, max_attempts => 50);
		$node->safe_psql('pushdb', "SELECT count(sv.outbox_send('$name', 'tap.test', jsonb_build_object('n', n))) FROM generate_series(1, 4000) n");
		wait_for("SELECT count(*) > 100 FROM sv.outbox WHERE endpoint = '$name' AND status = 'delivered'", "nginx, $how: delivery under way");
		cmp_ok($node->safe_psql('pushdb', "SELECT count(*) FROM sv.outbox WHERE endpoint = '$name' AND status = 'delivered'"),
			'<', 4000, "nginx, $how: interrupted before the end");
		if ($how eq 'kill')
		{
			kill 'KILL', $node->safe_psql('pushdb', 'SELECT pid FROM sv.push_worker_status()');
		}
		else
		{
			$node->stop('immediate');
			$node->start;
		}
		wait_for("SELECT count(*) = 4000 FROM sv.outbox WHERE endpoint = '$name' AND status = 'delivered'",
			"nginx, $how: all 4,000 delivered after the restart");
		# at most the requests in flight at the interruption (20) and a batch recorded by no one (32 + 20)
		$nginx_check->($how, $name, 4000, 72);
	}
	system('bash', $nginx_script, 'stop', $ndir);
}

# duplicates, over everything: only ever under the same key (the count per key above 1 is a
# redelivery after a kill or crash, never a second message)
$got = received();
my $outbox_count = $node->safe_psql('pushdb', 'SELECT count(*) FROM sv.outbox');
ok(scalar(keys %$got) <= $outbox_count, scalar(keys %$got) . " keys received for $outbox_count messages");

# counters
my $status = $node->safe_psql('pushdb', 'SELECT pid IS NOT NULL, delivered >= 0 FROM sv.push_worker_status()');
is($status, 't|t', 'sv.push_worker_status shows the running worker');

stop_fixture();
$node->stop;
done_testing();
