# make fuzz, briefly (docs/testing.md, "Fuzzing"): the libFuzzer targets of fuzz/ build with
# clang and each runs 20000 executions from its committed corpus fuzz/corpus/<target>/ without a
# crash or a violated property.  Skipped when clang with libFuzzer is missing
# (`scripts/setup-debian.sh fuzz` installs it); the long runs are `make fuzz`.
use strict;
use warnings;
use File::Basename qw(dirname);
use PostgreSQL::Test::Utils;
use Test::More;

my $root = dirname(__FILE__) . '/..';
plan skip_all => 'no fuzz/ next to t/' unless -f "$root/fuzz/shim.c" && -f "$root/scripts/fuzz.sh";
my ($cc) = grep { -x } map { my $d = $_; map { "$d/$_" } qw(clang-14 clang) } split /:/, $ENV{PATH}, -1;
plan skip_all => 'clang is not installed (scripts/setup-debian.sh fuzz)' unless $cc;

# clang must link a libFuzzer program (libclang-rt-14-dev)
my $probe = PostgreSQL::Test::Utils::tempdir;
PostgreSQL::Test::Utils::append_to_file("$probe/p.c",
	"#include <stddef.h>\n#include <stdint.h>\n#include <openssl/sha.h>\n"
	  . "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { unsigned char h[32]; SHA256(d, n, h); return 0; }\n");
system("'$cc' -fsanitize=fuzzer,address,undefined '$probe/p.c' -lcrypto -o '$probe/p' >/dev/null 2>&1") == 0
  or plan skip_all => "$cc cannot build a libFuzzer program with OpenSSL (libclang-rt-14-dev, libssl-dev)";

my $out = PostgreSQL::Test::Utils::tempdir;
local $ENV{FUZZ_NO_SETUP} = 1;
local $ENV{FUZZ_CC} = $cc;
local $ENV{FUZZ_OUT} = $out;
local $ENV{FUZZ_RUNS} = 20000;
my $log = `bash '$root/scripts/fuzz.sh' build 2>&1`;
is($?, 0, 'the fuzz targets build') or diag($log);

for my $t (qw(uscc date lunar population audit))
{
	my @corpus = glob("$root/fuzz/corpus/$t/*");
	ok(@corpus >= 3, "fuzz/corpus/$t holds a corpus (" . scalar(@corpus) . ' inputs)');
	$log = `bash '$root/scripts/fuzz.sh' run $t 2>&1`;
	is($?, 0, "$t: 20000 executions without a crash") or diag($log . slurp_file("$out/$t.log"));
	like($log, qr/fuzz: $t: \d+ executions in \d+ s, 0 crashes/, "$t: the summary line") or diag($log);
}

done_testing();
