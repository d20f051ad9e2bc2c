#!/usr/bin/env perl
# Recompute sv_platform's audit trail from an export, independently of the database
# (encodings v1 and v2 and the head, docs/audit.md).  Input: tab-separated COPY text format, one
# record per line, in seq order:
#   seq, recorded_at (microseconds since 1970-01-01 UTC), actor_session, actor_role,
#   department_id, object_kind, object_id, action, change, prev_hash (hex), hash (hex),
#   lane, lane_seq
# (lane and lane_seq \N for the records of the 0.1.0 chain, lane 0; an export of a 0.1.0
# database without the last two columns is read as lane 0 too).  Export with:
#   COPY (SELECT seq, (extract(epoch FROM recorded_at) * 1000000)::bigint, actor_session,
#                actor_role, department_id, object_kind, object_id, action, change,
#                encode(prev_hash, 'hex'), encode(hash, 'hex'), lane, lane_seq
#         FROM sv.audit_log ORDER BY seq) TO STDOUT
# Every lane must start at its genesis (32 zero bytes) and have no gap.  Prints
#   N records verified in K lanes, head H
#   lanes L
# where H is the head over every lane's last record (what sv.audit_head() publishes when the
# export is complete) and L its lanes (lane:seq), and exits 0; or names the first bad record
# and exits 1.  With --published 'LANES' HASH (a head published earlier: its lanes and hash),
# it also checks that the records it names are in the export and hash to HASH.
use strict;
use warnings;
use Digest::SHA qw(sha256);

my ($pub_lanes, $pub_hash);
if (@ARGV >= 3 && $ARGV[0] eq '--published')
{
	(undef, $pub_lanes, $pub_hash) = splice(@ARGV, 0, 3);
}

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

# head = SHA-256("sv_platform/audit/head/v2" 0x00 || per lane ascending: uint32 lane,
#                uint64 lane_seq (big-endian), the lane record's hash)
sub head_hash
{
	my (@heads) = @_;    # [lane, lane_seq, hash] sorted by lane
	return '0' x 64 unless @heads;
	my $msg = "sv_platform/audit/head/v2\x00";
	for my $h (@heads)
	{
		$msg .= pack('N', $h->[0]) . pack('N', int($h->[1] / 4294967296)) . pack('N', $h->[1] % 4294967296) . $h->[2];
	}
	return unpack('H*', sha256($msg));
}

my %lane;       # lane => { pos, prev (raw), seq }
my %by_seq;     # seq => [lane, pos, hash] (only when checking a published head)
my $n = 0;
my $last_seq;
while (my $line = <>)
{
	chomp $line;
	my @f = map(unescape($_), split(/\t/, $line, -1));
	push @f, undef, undef if @f == 11;
	die "line $.: expected 13 fields, found " . scalar(@f) . "\n" unless @f == 13;
	my ($seq, $usec, @rest) = @f;
	my ($prev_hex, $hash_hex, $ln, $lane_seq) = @rest[ 7 .. 10 ];
	if (defined $last_seq && $seq <= $last_seq)
	{
		print "record $seq: not in seq order (after $last_seq)\n";
		exit 1;
	}
	$last_seq = $seq;
	my $v2 = defined $ln;
	my $l = $v2 ? $ln : 0;
	my $pos = $v2 ? $lane_seq : $seq;
	if (!defined $pos || $pos < 1 || ($v2 && $l < 1))
	{
		print "record $seq: no valid place in a lane\n";
		exit 1;
	}
	my $st = $lane{$l} //= { pos => 0, prev => "\x00" x 32, seq => undef };
	my $name = $l == 0 ? 'the 0.1.0 chain' : "lane $l";
	if ($pos != $st->{pos} + 1)
	{
		print "record $seq: position $pos of $name, expected " . ($st->{pos} + 1) . " (missing or repeated records)\n";
		exit 1;
	}
	if (lc($prev_hex) ne unpack('H*', $st->{prev}))
	{
		print "record $seq: prev_hash does not link to the record before it in $name\n";
		exit 1;
	}
	my $msg = ($v2 ? "sv_platform/audit/v2\x00" : "sv_platform/audit/v1\x00") . $st->{prev};
	$msg .= field($seq);
	$msg .= field($l) . field($lane_seq) if $v2;
	$msg .= field($_) for ($usec, @rest[ 0 .. 6 ]);
	my $h = sha256($msg);
	if (unpack('H*', $h) ne lc($hash_hex))
	{
		print "record $seq: hash mismatch\n";
		exit 1;
	}
	$st->{prev} = $h;
	$st->{pos} = $pos;
	$st->{seq} = $seq;
	$by_seq{$seq} = [ $l, $pos, $h ] if defined $pub_lanes;
	$n++;
}

my @lanes = sort { $a <=> $b } keys %lane;
my $head = head_hash(map { [ $_, $lane{$_}{pos}, $lane{$_}{prev} ] } @lanes);
printf "%d records verified in %d lanes, head %s\n", $n, scalar(@lanes), $head;
printf "lanes %s\n", join(' ', map { "$_:$lane{$_}{seq}" } @lanes);

if (defined $pub_lanes)
{
	my @heads;
	for my $pair (split / /, $pub_lanes)
	{
		my ($l, $seq) = split /:/, $pair;
		my $r = $by_seq{$seq};
		if (!$r || $r->[0] != $l)
		{
			print "published head: record $seq of lane $l is not in the export\n";
			exit 1;
		}
		push @heads, [ $l, $r->[1], $r->[2] ];
	}
	my $got = head_hash(sort { $a->[0] <=> $b->[0] } @heads);
	if ($got ne lc($pub_hash))
	{
		print "published head: the records it names hash to $got, not to $pub_hash\n";
		exit 1;
	}
	print "published head $pub_hash: still in the trail\n";
}
exit 0;
