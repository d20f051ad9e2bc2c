#!/usr/bin/perl
# build-update.pl FROM TO FILE... : writes the update script sv_platform--FROM--TO.sql to stdout.
#
# The layout (docs/upgrades.md): extension/NN_*.sql hold the current full install.  Each
# statement in them is either run-once DDL (tables, types, indexes, data) or re-runnable (functions,
# views, policies, triggers, comments, grants).  An update script is
#   extension/updates/prelude.sql        drops views, policies, triggers; revokes every privilege
#   extension/updates/FROM--TO.sql       the run-once DDL that changed between the two versions
#   every re-runnable statement of extension/NN_*.sql, in install order
#   extension/updates/FROM--TO.post.sql  backfills and checks that need the new functions (optional)
# so a function, view, policy or grant is written once, and only table changes are written twice
# (the upgrade test compares the result with a fresh install).
#
# Re-runnable: CREATE OR REPLACE ..., CREATE VIEW, CREATE POLICY, CREATE [CONSTRAINT] TRIGGER,
# COMMENT ON, GRANT, REVOKE, SELECT pg_catalog.pg_extension_config_dump(...), and any statement
# whose leading comment holds the line "-- sv:rerun".  CREATE FUNCTION, PROCEDURE or AGGREGATE
# without OR REPLACE is refused: an update could not re-run it.
use strict;
use warnings;

# build-update.pl --once FILE... prints only the run-once statements: diff its output for two
# versions' files to see which DDL an update script must carry.
my $once_only = @ARGV && $ARGV[0] eq '--once' ? shift @ARGV : undef;
my ($from, $to, @files) = $once_only ? ('', '', @ARGV) : @ARGV;
die "usage: build-update.pl FROM TO FILE... | build-update.pl --once FILE...\n"
    unless @files && ($once_only || ($from && $to));
my $dir = 'extension/updates';

sub slurp {
    my ($path) = @_;
    open(my $fh, '<:raw', $path) or die "build-update.pl: cannot read $path: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}

# Splits SQL text into statements, each with its leading comments; knows -- and /* */ comments,
# '...' and E'...' strings, "..." identifiers, $tag$...$tag$ bodies and psql backslash lines.
sub statements {
    my ($text, $path) = @_;
    my @out;
    my $start = 0;
    my $i = 0;
    my $n = length $text;
    my $line_start = 1;
    while ($i < $n) {
        my $c = substr($text, $i, 1);
        if ($line_start && $c eq '\\') {
            my $end = index($text, "\n", $i);
            $end = $n - 1 if $end < 0;
            push @out, substr($text, $start, $end + 1 - $start);
            $start = $i = $end + 1;
            next;
        }
        $line_start = 0 unless $c =~ /[ \t]/;
        if ($c eq "\n") {
            $line_start = 1;
            $i++;
        } elsif (substr($text, $i, 2) eq '--') {
            my $end = index($text, "\n", $i);
            $i = $end < 0 ? $n : $end;
        } elsif (substr($text, $i, 2) eq '/*') {
            my $end = index($text, '*/', $i + 2);
            die "build-update.pl: $path: unterminated comment\n" if $end < 0;
            $i = $end + 2;
        } elsif ($c eq "'") {
            my $escapes = $i > 0 && substr($text, $i - 1, 1) =~ /[eE]/;
            $i++;
            while ($i < $n) {
                my $d = substr($text, $i, 1);
                if ($escapes && $d eq '\\') { $i += 2; next; }
                if ($d eq "'") {
                    if (substr($text, $i + 1, 1) eq "'") { $i += 2; next; }
                    last;
                }
                $i++;
            }
            die "build-update.pl: $path: unterminated string\n" if $i >= $n;
            $i++;
        } elsif ($c eq '"') {
            my $end = index($text, '"', $i + 1);
            die "build-update.pl: $path: unterminated identifier\n" if $end < 0;
            $i = $end + 1;
        } elsif ($c eq '$' && substr($text, $i) =~ /^(\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$)/
                 && !($i > 0 && substr($text, $i - 1, 1) =~ /[A-Za-z_0-9]/)) {
            my $tag = $1;
            my $end = index($text, $tag, $i + length $tag);
            die "build-update.pl: $path: unterminated $tag body\n" if $end < 0;
            $i = $end + length $tag;
        } elsif ($c eq ';') {
            $i++;
            $i++ while $i < $n && substr($text, $i, 1) =~ /[ \t]/;
            $i++ if $i < $n && substr($text, $i, 1) eq "\n";
            push @out, substr($text, $start, $i - $start);
            $start = $i;
            $line_start = 1;
        } else {
            $i++;
        }
    }
    my $rest = substr($text, $start);
    die "build-update.pl: $path: text after the last statement\n" if $rest =~ /\S/ && strip($rest) =~ /\S/;
    return @out;
}

# The statement without its comments, upper-cased and with single spaces: enough to classify it.
sub strip {
    my ($s) = @_;
    $s =~ s{/\*.*?\*/}{ }gs;
    $s =~ s/--[^\n]*//g;
    $s =~ s/\s+/ /g;
    $s =~ s/^ //;
    return $s;
}

sub rerunnable {
    my ($stmt, $where) = @_;
    return 0 if $stmt =~ /^\s*\\/;
    return 1 if $stmt =~ /^\s*--\s*sv:rerun\b/m;
    my $head = uc(substr(strip($stmt), 0, 80));
    return 1 if $once_only && $head =~ /^CREATE (FUNCTION|PROCEDURE|AGGREGATE) /;
    if ($head =~ /^CREATE (FUNCTION|PROCEDURE|AGGREGATE) /) {
        die "build-update.pl: $where: use CREATE OR REPLACE $1, so that updates can re-run it\n";
    }
    return 1 if $head =~ /^CREATE OR REPLACE /;
    return 1 if $head =~ /^CREATE (VIEW|POLICY|TRIGGER|CONSTRAINT TRIGGER) /;
    return 1 if $head =~ /^(COMMENT ON|GRANT|REVOKE) /;
    return 1 if $head =~ /^SELECT PG_CATALOG\.PG_EXTENSION_CONFIG_DUMP\(/;
    return 0;
}

binmode STDOUT, ':raw';
if ($once_only) {
    for my $path (@files) {
        print "-- ---- $path\n";
        print grep { !rerunnable($_, $path) } statements(slurp($path), $path);
    }
    exit 0;
}
print "-- sv_platform $from -> $to update script, assembled by scripts/build-update.pl (docs/upgrades.md).\n";
print "\\echo Use \"ALTER EXTENSION sv_platform UPDATE TO '$to'\" to load this file. \\quit\n\n";
print slurp("$dir/prelude.sql"), "\n";
print slurp("$dir/$from--$to.sql"), "\n";
for my $path (@files) {
    print "-- ---- re-run from $path\n";
    for my $stmt (statements(slurp($path), $path)) {
        next unless rerunnable($stmt, $path);
        print $stmt;
    }
    print "\n";
}
print slurp("$dir/$from--$to.post.sql") if -e "$dir/$from--$to.post.sql";
