# The install files are in dependency order (issue 15, layering): each extension/NN_*.sql uses
# only functions, tables, views and types that it or an earlier file defines.  PostgreSQL does
# not check PL/pgSQL bodies at CREATE time, so scripts/check-install-order.pl checks the text;
# this test runs it on extension/ in install order (the Makefile's), and on two small files
# to show that it finds a forward reference.  No cluster needed.
use strict;
use warnings;
use Test::More;
use File::Basename qw(dirname);
use File::Temp qw(tempdir);

my $root = dirname(__FILE__) . '/..';
my $script = "$root/scripts/check-install-order.pl";
my @files = sort glob("$root/extension/*.sql");
cmp_ok(scalar @files, '>', 10, scalar(@files) . ' install files');

my $out = `perl $script @files 2>&1`;
is($? >> 8, 0, 'every install file uses only what it or an earlier file defines') or diag($out);
is($out, '', 'no forward reference listed');

# a forward reference is found: a PL/pgSQL body calling a function of a later file, a string
# naming a later table (as for pg_extension_config_dump), and an unqualified call; a message
# naming a later function and a comment are not references
my $dir = tempdir(CLEANUP => 1);
open(my $a, '>', "$dir/10_a.sql") or die;
print $a <<'SQL';
CREATE TABLE sv.a (id integer);
CREATE OR REPLACE FUNCTION sv.a_set() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM sv.b_push(1);            -- sv.b_other() in a comment
  PERFORM b_other();
  RAISE NOTICE 'call sv.b_push first';
END
$fn$;
SELECT pg_catalog.pg_extension_config_dump('sv.b', '');
SQL
close $a;
open(my $b, '>', "$dir/20_b.sql") or die;
print $b <<'SQL';
CREATE TABLE sv.b (id integer);
CREATE OR REPLACE FUNCTION sv.b_push(n integer) RETURNS void LANGUAGE sql AS $fn$ SELECT $fn$;
CREATE OR REPLACE FUNCTION sv.b_other() RETURNS void LANGUAGE sql AS $fn$ SELECT sv.a_set() $fn$;
SQL
close $b;
$out = `perl $script $dir/10_a.sql $dir/20_b.sql 2>&1`;
is($? >> 8, 1, 'a forward reference fails the check');
my @lines = map { s/^\Q$dir\E\///r } grep { /defined later/ } split /\n/, $out;
is_deeply(\@lines, [
	'10_a.sql:4: sv.b_push is defined later, in ' . "$dir/20_b.sql",
	'10_a.sql:5: sv.b_other is defined later, in ' . "$dir/20_b.sql",
	'10_a.sql:9: sv.b is defined later, in ' . "$dir/20_b.sql",
], 'it names each forward reference with its line, and nothing else') or diag($out);

done_testing();
