#!/usr/bin/perl
# check-install-order.pl FILE... : the install files, in install order (extension/NN_*.sql), use
# only what they or earlier files define.  PostgreSQL checks this for views, policies, SQL
# function bodies and table definitions when the install script runs, but not for PL/pgSQL
# bodies (checked when first called), so a file could call a function that only a later file
# creates and still install.  This check is textual: it collects the objects each file creates
# (functions, procedures, aggregates, tables, views, types, domains, sequences, schemas of the
# extension's schemas sv, sv_work, sv_public, sv_bi) and lists every reference, schema-qualified
# or an unqualified call of an sv function, to one that only a later file creates.  Comments
# and strings are ignored (messages and hints name functions to call next), but for a string
# that is exactly an object's name ('sv.credit_class', as regclass or for pg_extension_config_dump;
# not an advisory lock's key, hashtext('sv.draw_seal')).  Names built at run time
# (format('sv.%I', t) in a loop) are not seen; nor are operators, casts and types used
# without their schema.
# Exit status 1 and one line per reference when any is found; t/014_install_order.pl runs it
# (make test, make check-fast).  With --uses it also prints which files each file uses.
use strict;
use warnings;

# --uses: also print, for each file, the other files it uses and what of them (to plan a move)
my $print_uses = @ARGV && $ARGV[0] eq '--uses' ? shift @ARGV : undef;
my @files = @ARGV;
die "usage: check-install-order.pl [--uses] FILE...\n" unless @files;
my $schemas = qr/sv|sv_work|sv_public|sv_bi/;

sub slurp {
    my ($path) = @_;
    open(my $fh, '<:raw', $path) or die "check-install-order.pl: cannot read $path: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}

# The text without its comments (-- and /* */, in and out of function bodies); line breaks kept
# so that line numbers stay right.  Strings are skipped over whole ('...', E'...').
sub uncomment {
    my ($text) = @_;
    my $out = '';
    my $n = length $text;
    my $i = 0;
    while ($i < $n) {
        my $c = substr($text, $i, 1);
        if (substr($text, $i, 2) eq '--') {
            my $end = index($text, "\n", $i);
            $end = $n if $end < 0;
            $i = $end;
        } elsif (substr($text, $i, 2) eq '/*') {
            my $end = index($text, '*/', $i + 2);
            $end = $n - 2 if $end < 0;
            $out .= "\n" x (substr($text, $i, $end + 2 - $i) =~ tr/\n//);
            $i = $end + 2;
        } elsif ($c eq "'") {
            my $escapes = $i > 0 && substr($text, $i - 1, 1) =~ /[eE]/ && !($i > 1 && substr($text, $i - 2, 1) =~ /\w/);
            my $j = $i + 1;
            while ($j < $n) {
                my $d = substr($text, $j, 1);
                if ($escapes && $d eq '\\') { $j += 2; next; }
                if ($d eq "'") {
                    if (substr($text, $j + 1, 1) eq "'") { $j += 2; next; }
                    last;
                }
                $j++;
            }
            # a string that is an object's name ('sv.credit_class', as regclass or for
            # pg_extension_config_dump) is a reference, but for an advisory lock's key
            # (hashtext('sv.draw_seal')); other strings are messages or comments (a hint
            # naming the function to call next is no dependency)
            my $string = substr($text, $i, $j + 1 - $i);
            $out .= $string =~ /^'(?:$schemas)\.\w+'$/ && $out !~ /hashtext\(\s*$/ ? $string : "''";
            $i = $j + 1;
        } else {
            $out .= $c;
            $i++;
        }
    }
    return $out;
}

my (%defined_in, @text);    # object (schema.name, lower case) -> index of the first file defining it
for my $k (0 .. $#files) {
    my $t = uncomment(slurp($files[$k]));
    $text[$k] = $t;
    my @names;
    push @names, map { lc } $t =~ /\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE|AGGREGATE)\s+((?:$schemas)\.\w+)/gi;
    push @names, map { lc } $t =~ /\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:$schemas)\.\w+)/gi;
    push @names, map { lc } $t =~ /\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+((?:$schemas)\.\w+)/gi;
    push @names, map { lc } $t =~ /\bCREATE\s+(?:TYPE|DOMAIN|SEQUENCE)\s+((?:$schemas)\.\w+)/gi;
    push @names, map { lc } $t =~ /\bCREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi;
    for my $name (@names) {
        $defined_in{$name} //= $k;
    }
}

# sv functions by their unqualified name (called without the schema inside sv's search_path)
my %function_name;
for my $k (0 .. $#files) {
    $function_name{lc $1} //= "sv.\L$1"
        while $text[$k] =~ /\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE|AGGREGATE)\s+sv\.(\w+)/gi;
}

my @found;
my %uses;
for my $k (0 .. $#files) {
    my $t = $text[$k];
    my %seen;
    my $report = sub {
        my ($name, $pos) = @_;
        my $where = $defined_in{$name};
        # an identity column's sequence comes with its table
        if (!defined $where && $name =~ /^(sv\.\w+?)_\w+_seq$/) {
            for my $table (grep { $name =~ /^\Q$_\E_\w+_seq$/ } keys %defined_in) {
                $where = $defined_in{$table} if !defined $where || $defined_in{$table} < $where;
            }
        }
        $uses{$files[$k]}{$files[$where]}{$name} = 1 if defined $where && $where != $k;
        return unless defined $where && $where > $k;
        my $line = 1 + (substr($t, 0, $pos) =~ tr/\n//);
        push @found, [$k, $line, "$files[$k]:$line: $name is defined later, in $files[$where]"] unless $seen{"$name $line"}++;
    };
    while ($t =~ /(?<![\w.])((?:$schemas)\s*\.\s*"?(\w+))/gi) {
        my $pos = $-[0];
        my $qualified = lc($1) =~ s/[\s"]//gr;
        $report->($qualified, $pos);
    }
    # unqualified calls: name( not preceded by a dot, a quote or a word character
    while ($t =~ /(?<![\w."\$])(\w+)\s*\(/g) {
        my ($name, $pos) = (lc $1, $-[0]);
        next unless $function_name{$name};
        # the name of the function being created, or a parameter list of CREATE ... name(
        next if substr($t, 0, $pos) =~ /\.\s*$/;
        $report->($function_name{$name}, $pos);
    }
}
if ($print_uses) {
    for my $f (@files) {
        print "$f uses\n";
        print "    $_: ", join(', ', sort keys %{$uses{$f}{$_}}), "\n" for sort keys %{$uses{$f} || {}};
    }
}
if (@found) {
    print "$_->[2]\n" for sort { $a->[0] <=> $b->[0] || $a->[1] <=> $b->[1] || $a->[2] cmp $b->[2] } @found;
    print scalar(@found), " reference(s) to objects defined in later install files: reorder the files or move the code\n";
    exit 1;
}
exit 0;
