#!/usr/bin/env bash
# make test: install missing packages, build, install, then run every suite in throwaway
# instances whose config preloads sv_platform and pg_cron:
#   pg_regress (sql/, expected/), pg_isolation_regress (specs/), prove (t/);
# pg_regress again with the server under faketime at 2027-12-31 and at 2031-03-01.
# Ends with one line "N passed, N failed" summed over all suites; exits non-zero on failure.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib.sh"

bash "$here/scripts/setup-debian.sh" || exit 1
build_and_install "$here" || { echo "build or install failed" >&2; exit 1; }

# pg_regress and initdb must not run as root: run everything as postgres in a scratch copy.
work=$(mktemp -d /tmp/sv_test.XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
cp -r "$here/sql" "$here/expected" "$here/specs" "$here/t" "$here/scripts/test.conf" "$work/"
mkdir -p "$work/scripts" && cp "$here/scripts/http_fixture.py" "$here/scripts/nginx_endpoint.sh" "$here/scripts/lib.sh" "$here/scripts/docs-examples.py" "$work/scripts/"
cp -r "$here/docs" "$work/"
mkdir -p "$work/data"
[ -d "$here/contrib-examples" ] && cp -r "$here/contrib-examples" "$work/"
# t/012_deb.pl builds the Debian package from these
cp -r "$here/Makefile" "$here/sv_platform.control" "$here/README.md" "$here/src" "$here/extension" "$here/debian" "$here/docs" "$work/"
cp "$here/scripts/build-deb.sh" "$here/scripts/build-update.pl" "$work/scripts/"
# t/014_install_order.pl checks extension/ with this
cp "$here/scripts/check-install-order.pl" "$work/scripts/"
# t/015_fuzz_smoke.pl builds and briefly runs the fuzz targets from these (and src/)
cp -r "$here/fuzz" "$work/"
cp "$here/scripts/fuzz.sh" "$work/scripts/"
chown -R postgres: "$work"

passed=0
failed=0
status=0

# pg_regress prints "All N tests passed." or "M of N tests failed."
count_regress() {
  local log=$1 line n m
  line=$(grep -E 'tests? (passed|failed)' "$log" | tail -1)
  if [[ $line =~ All\ ([0-9]+)\ tests?\ passed ]]; then
    passed=$((passed + BASH_REMATCH[1]))
  elif [[ $line =~ ([0-9]+)\ of\ ([0-9]+)\ tests?\ failed ]]; then
    m=${BASH_REMATCH[1]}; n=${BASH_REMATCH[2]}
    failed=$((failed + m)); passed=$((passed + n - m))
  else
    failed=$((failed + 1))
  fi
}

# The instances sort as C and classify characters as C.UTF-8 (pg_trgm sees Chinese only then:
# duplicate complaints, docs/complaints.md); pg_regress without --no-locale hands these to initdb.
test_locale="LANG=C LC_COLLATE=C LC_CTYPE=C.UTF-8"
common=(--bindir="$PGBIN" --temp-config=test.conf --dbname=contrib_regression
        --encoding=UTF8 --load-extension=postgis --load-extension=pg_trgm --load-extension=sv_platform)

echo "== pg_regress (sql/)"
tests=$(cd "$work/sql" && ls *.sql | sed 's/\.sql$//' | sort)
if ! (cd "$work" && as_postgres env PGTZ=UTC $test_locale "$PGXS_TEST/regress/pg_regress" "${common[@]}" \
      --temp-instance="$work/tmp_check" --inputdir=. --outputdir=. $tests) >"$work/regress.log" 2>&1; then
  status=1
fi
cat "$work/regress.log"
count_regress "$work/regress.log"
[ -f "$work/regression.diffs" ] && { echo "---- regression.diffs"; cat "$work/regression.diffs"; cp "$work/regression.diffs" "$here/" 2>/dev/null; }

# The same suite again with the server's clock set to fixed dates (libfaketime): no test may
# depend on today's date.  A generated first test, faketime_probe, shows the server's date.
for fake in 2027-12-31 2031-03-01; do
  echo "== pg_regress (sql/) under faketime at $fake"
  out="fake-$fake"; mkdir -p "$work/$out" && chown postgres: "$work/$out"; rm -f "$here/regression-$out.diffs"
  echo "SELECT to_char(now(), 'YYYY-MM-DD') AS server_date;" >"$work/sql/faketime_probe.sql"
  printf '%s\n server_date \n-------------\n %s\n(1 row)\n\n' "$(cat "$work/sql/faketime_probe.sql")" \
    "$fake" >"$work/expected/faketime_probe.out"
  if ! (cd "$work" && as_postgres faketime "$fake 10:00:00" env PGTZ=UTC $test_locale "$PGXS_TEST/regress/pg_regress" \
        "${common[@]}" --temp-instance="$work/tmp_$out" --inputdir=. --outputdir="$out" \
        faketime_probe $tests) >"$work/$out.log" 2>&1; then
    status=1
  fi
  cat "$work/$out.log"
  echo "server date under faketime: $(sed -n '4s/ //gp' "$work/$out/results/faketime_probe.out" 2>/dev/null)"
  count_regress "$work/$out.log"
  [ -f "$work/$out/regression.diffs" ] && { echo "---- $out/regression.diffs"; cat "$work/$out/regression.diffs"; cp "$work/$out/regression.diffs" "$here/regression-$out.diffs" 2>/dev/null; }
done

echo "== pg_isolation_regress (specs/)"
specs=$(cd "$work/specs" && ls *.spec 2>/dev/null | sed 's/\.spec$//' | sort)
if [ -n "$specs" ]; then
  mkdir -p "$work/iso" && chown postgres: "$work/iso"
  if ! (cd "$work" && as_postgres env PGTZ=UTC $test_locale "$PGXS_TEST/isolation/pg_isolation_regress" "${common[@]}" \
        --temp-instance="$work/tmp_check_iso" --inputdir=. --outputdir=iso $specs) >"$work/iso.log" 2>&1; then
    status=1
  fi
  cat "$work/iso.log"
  count_regress "$work/iso.log"
  [ -f "$work/iso/regression.diffs" ] && { echo "---- isolation regression.diffs"; cat "$work/iso/regression.diffs"; }
fi

echo "== prove (t/)"
if ls "$work"/t/*.pl >/dev/null 2>&1; then
  mkdir -p "$work/tap" && chown postgres: "$work/tap"
  if (cd "$work" && as_postgres env PATH="$PGBIN:$PATH" PERL5LIB="$PGXS_TEST/perl:$work/t" \
        PG_REGRESS="$PGXS_TEST/regress/pg_regress" TESTDIR="$work/tap" \
        prove -v t/*.pl) >"$work/tap.log" 2>&1; then
    tap_ok=1
  else
    tap_ok=0; status=1
  fi
  cat "$work/tap.log"
  ok=$(grep -cE '^\s*ok [0-9]+' "$work/tap.log" || true)
  notok=$(grep -cE '^\s*not ok [0-9]+' "$work/tap.log" || true)
  # a script that died before reporting still counts as a failure
  if [ "$tap_ok" -eq 0 ] && [ "$notok" -eq 0 ]; then notok=1; fi
  passed=$((passed + ok)); failed=$((failed + notok))
  if [ "$tap_ok" -eq 0 ] && [ -d "$work/tap/tmp_check/log" ]; then
    for f in "$work"/tap/tmp_check/log/*; do echo "---- $f"; tail -n 50 "$f"; done
  fi
fi

echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
