#!/usr/bin/env perl
# Recompute sv_platform's audit chain from an export, independently of the database
# (encoding v1, docs/audit.md).  Input: tab-separated COPY text format, one record per line:
#   seq, recorded_at (microseconds since 1970-01-01 UTC), actor_session, actor_role,
#   department_id, object_kind, object_id, action, change, prev_hash (hex), hash (hex)
# Export with:
#   COPY (SELECT seq, (extract(epoch FROM recorded_at) * 1000000)::bigint, actor_session,
#                actor_role, department_id, object_kind, object_id, action, change,
#                encode(prev_hash, 'hex'), encode(hash, 'hex')
#         FROM sv.audit_log ORDER BY seq) TO STDOUT
# Prints "N records verified, head H" and exits 0, or names the first bad record and exits 1.
use strict;
use warnings;
use Digest::SHA qw(sha256);

# COPY text format: \N is NULL; backslash escapes in values
sub unescape
{
	my ($v) = @_;
	return undef if $v eq '\N';
	my %esc = (b => "\b", f => "\f", n => "\n", r => "\r", t => "\t", v => "\x0b", '\\' => '\\');
	$v =~ s/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/
		my $e = $1;
		$e =~ m{^x} ? chr(hex(substr($e, 1))) : $e =~ m{^[0-7]} ? chr(oct($e)) : ($esc{$e} \/\/ $e)/ge;
	return $v;
}

sub field
{
	my ($v) = @_;
	return "\x00" unless defined $v;
	utf8::encode($v) if utf8::is_utf8($v);
	return "\x01" . pack('N', length($v)) . $v;
}

my $prev = "\x00" x 32;
my $expect = undef;
my $n = 0;
while (my $line = <>)
{
	chomp $line;
	my @f = map(unescape($_), split(/\t/, $line, -1));
	die "line $.: expected 11 fields, found " . scalar(@f) . "\n" unless @f == 11;
	my ($seq, $usec, @rest) = @f;
	my ($prev_hex, $hash_hex) = @rest[ 7, 8 ];
	$expect //= $seq;
	if ($seq != $expect)
	{
		print "record $expect: missing (next is $seq)\n";
		exit 1;
	}
	if (lc($prev_hex) ne unpack('H*', $prev))
	{
		print "record $seq: prev_hash does not link to record " . ($seq - 1) . "\n";
		exit 1;
	}
	my $msg = "sv_platform/audit/v1\x00" . $prev;
	$msg .= field($_) for ($seq, $usec, @rest[ 0 .. 6 ]);
	my $h = sha256($msg);
	if (unpack('H*', $h) ne lc($hash_hex))
	{
		print "record $seq: hash mismatch\n";
		exit 1;
	}
	$prev = $h;
	$expect = $seq + 1;
	$n++;
}
printf "%d records verified, head %s\n", $n, unpack('H*', $prev);
exit 0;
