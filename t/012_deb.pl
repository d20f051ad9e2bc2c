# make deb (scripts/build-deb.sh): the Debian package builds from debian/ with pg_buildext and
# holds the library, the control file and the install script of the control file's version.
# Skipped when the packaging tools or the build dependencies are missing
# (`scripts/setup-debian.sh deb` installs them).
use strict;
use warnings;
use File::Basename qw(dirname);
use PostgreSQL::Test::Utils;
use Test::More;

my $root = dirname(__FILE__) . '/..';
plan skip_all => 'no debian/ next to t/' unless -f "$root/debian/control";
for my $tool (qw(dpkg-buildpackage dpkg-checkbuilddeps dpkg-deb pg_buildext dh))
{
	plan skip_all => "$tool is not installed (scripts/setup-debian.sh deb)"
	  unless grep { -x "$_/$tool" } split /:/, $ENV{PATH}, -1;
}
my $unmet = `cd '$root' && dpkg-checkbuilddeps 2>&1`;
plan skip_all => "build dependencies missing: $unmet" if $?;

my $version = slurp_file("$root/sv_platform.control") =~ /^default_version\s*=\s*'([^']+)'/m ? $1 : '';
my $out = PostgreSQL::Test::Utils::tempdir;
local $ENV{SV_DEB_NO_SETUP} = 1;
my $built = `bash '$root/scripts/build-deb.sh' '$out' 2>&1`;
is($?, 0, 'scripts/build-deb.sh succeeds') or diag($built);

my $deb = "$out/postgresql-15-sv-platform_${version}_" . `dpkg --print-architecture` =~ s/\s+//gr . '.deb';
ok(-f $deb, "the package for version $version is built") or diag(`ls -l '$out'`);
is(`dpkg-deb -f '$deb' Package Version` =~ s/\n+\z//r,
	"Package: postgresql-15-sv-platform\nVersion: $version", 'package name and version');
like(`dpkg-deb -f '$deb' Depends`, qr/\bpostgresql-15-postgis-3\b/, 'depends on PostGIS');

my %files = map { (split ' ', $_)[5] => 1 } split /\n/, `dpkg-deb -c '$deb'`;
for my $f ('./usr/lib/postgresql/15/lib/sv_platform.so',
	'./usr/share/postgresql/15/extension/sv_platform.control',
	"./usr/share/postgresql/15/extension/sv_platform--$version.sql",
	# the released install scripts and the update scripts from them (docs/upgrades.md)
	(map { my $from = s{.*/sv_platform--(.*)\.sql$}{$1}r;
		   ("./usr/share/postgresql/15/extension/sv_platform--$from.sql",
			"./usr/share/postgresql/15/extension/sv_platform--$from--$version.sql") }
	 glob("$root/extension/versions/sv_platform--*.sql")))
{
	ok($files{$f}, "package holds $f");
}

done_testing();
