# sv_platform: PGXS build.
#   make            build the library and the install script
#   make install    install into the PostgreSQL found by $(PG_CONFIG)
#   make test       install missing packages, build, install, run every suite (as root)
#   make demo       the same, then show the platform on Pingdingshan data (KEEP=1 keeps the cluster and the HTTP fixture)
#   make bench      benchmarks in bench/, each printing its ratio to a baseline
#   make installcheck  the suites against the installed extension and the server PGHOST/PGPORT
#                   name (PGXS; not as root); make check-fast: the fast ones in throwaway instances
#   make deb        the Debian package postgresql-15-sv-platform in build/deb/
#   make sqlsmith   random SQL (sqlsmith) against the demo database as the superuser and each
#                   group role's login, SQLSMITH_MINUTES=30 in all; fails on a server crash
#   make fuzz       the libFuzzer targets of fuzz/, each run FUZZ_RUNS (10 million) times on its
#                   corpus in fuzz/corpus/ (installs clang; docs/testing.md)
EXTENSION  = sv_platform
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = sv_platform
OBJS = \
	src/sv_platform.o \
	src/audit/append.o \
	src/audit/append_v1.o \
	src/audit/audit.o \
	src/audit/encode.o \
	src/audit/sha256.o \
	src/security/scope.o \
	src/calendar_time.o \
	src/calendar/astro.o \
	src/calendar/chinese.o \
	src/calendar/lunar.o \
	src/calendar/workday.o \
	src/versioning.o \
	src/ingest/parse.o \
	src/ingest/iso_date.o \
	src/draw/chacha20.o \
	src/draw/sample.o \
	src/draw/teams.o \
	src/draw/population.o \
	src/draw/population_codec.o \
	src/credit/score.o \
	src/complaint/minhash.o \
	src/complaint/trigram.o \
	src/risk/detect.o \
	src/push/push_shmem.o \
	src/push/worker.o \
	src/push/url.o \
	src/types/uscc.o \
	src/types/uscc_parse.o

# The install script is assembled from ordered per-capability files; the update scripts to this
# version from the re-runnable statements of the same files and extension/updates/ (docs/upgrades.md).
# Released install scripts are kept byte for byte in extension/versions/.
EXTENSION_PARTS = $(sort $(wildcard extension/*.sql))
UPGRADE_FROM = 0.1.0
DATA = $(wildcard extension/versions/$(EXTENSION)--*.sql)
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(patsubst %,$(EXTENSION)--%--$(EXTVERSION).sql,$(UPGRADE_FROM))
EXTRA_CLEAN = results regression.diffs regression.out tmp_check tmp_check_iso output_iso log

# Tests the PGXS way (README, "Tests during development"): one capability with `make installcheck REGRESS=credit
# ISOLATION= TAP_TESTS=`. check-fast leaves out TAP_SLOW (10 s or more each).
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --temp-config=scripts/test.conf --load-extension=postgis --load-extension=pg_trgm \
	--load-extension=sv_platform --encoding=UTF8
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = $(REGRESS_OPTS)
# The test databases sort as C but classify characters as C.UTF-8, so that pg_trgm sees Chinese
# (duplicate complaints, docs/complaints.md): pg_regress without --no-locale passes these to
# initdb (a throwaway instance; installcheck's server keeps its own default locale).
installcheck check-fast: export LANG = C
installcheck check-fast: export LC_COLLATE = C
installcheck check-fast: export LC_CTYPE = C.UTF-8
TAP_TESTS = 1
TAP_SLOW = t/003_audit_concurrency.pl t/004_draw.pl t/005_push.pl t/006_jobs_cron.pl t/011_demo.pl t/012_deb.pl t/013_upgrade.pl t/016_audit_verify_parallel.pl t/017_bulletin.pl

# PostgreSQL 15 from Debian is the target; another pg_config can be named on the command line.
PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)

# -Wextra is on; the three switches below silence warnings that PostgreSQL's own headers and
# the V1 calling convention (PG_FUNCTION_ARGS) trigger, not warnings about our code.
PG_CFLAGS  = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
PG_CPPFLAGS = -I$(srcdir)/src $(shell curl-config --cflags 2>/dev/null) -DSV_PLATFORM_VERSION='"$(EXTVERSION)"'
SHLIB_LINK = $(shell curl-config --libs 2>/dev/null || echo -lcurl) -lcrypto

# On a fresh machine pg_config is missing until `make test` / `make demo` has run the setup
# script, so PGXS is included only when it exists (those targets need nothing from it).
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
endif

$(EXTENSION)--$(EXTVERSION).sql: $(EXTENSION_PARTS) $(EXTENSION).control
	cat $(EXTENSION_PARTS) > $@

$(EXTENSION)--%--$(EXTVERSION).sql: extension/updates/%--$(EXTVERSION).sql extension/updates/prelude.sql \
		$(wildcard extension/updates/*.post.sql) $(EXTENSION_PARTS) scripts/build-update.pl $(EXTENSION).control
	perl scripts/build-update.pl $* $(EXTVERSION) $(EXTENSION_PARTS) > $@.tmp && mv $@.tmp $@

# The library reports the version of the control file (sv.build_info()).
src/sv_platform.o: $(EXTENSION).control

.PHONY: test demo bench setup deb check-fast sqlsmith fuzz

# installcheck's suites, each in a throwaway instance of $(PG_CONFIG)'s tree, without the slow TAP files
check-fast: PROVE_TESTS = $(filter-out $(TAP_SLOW),$(sort $(wildcard t/*.pl)))
check-fast:
	$(if $(REGRESS),$(pg_regress_installcheck) $(REGRESS_OPTS) --temp-instance=./tmp_check $(REGRESS))
	$(if $(ISOLATION),$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) --temp-instance=./tmp_check_iso $(ISOLATION))
	$(if $(TAP_TESTS),$(prove_installcheck))

deb:
	bash scripts/build-deb.sh

FUZZ_RUNS ?= 10000000
fuzz:
	FUZZ_RUNS=$(FUZZ_RUNS) bash scripts/fuzz.sh

setup:
	bash scripts/setup-debian.sh

test:
	bash scripts/run-tests.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

sqlsmith:
	SQLSMITH_MINUTES=$(SQLSMITH_MINUTES) bash scripts/sqlsmith.sh
