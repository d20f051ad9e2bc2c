#!/usr/bin/env bash
# Checks the project rule "no test depends on another test's leftovers" for pg_regress (sql/):
#   1. runs every sql/*.sql file ALONE in its own fresh instance and compares it with its
#      expected output: a difference means the file depends on what earlier files leave behind;
#   2. runs the whole suite in REVERSE order in one instance: a difference means a file depends
#      on what later files have not yet written (or on being run before them).
# Not part of `make test` (one instance per file: a few minutes). Same options as
# scripts/run-tests.sh. Usage: scripts/check-test-independence.sh [test ...] (default: all; with
# names, REVERSE=1 also runs those in reverse order); SHUFFLE=N runs the one-instance pass in
# an order shuffled with seed N instead of reversed; ALONE=0 skips the runs of single files;
# KEEP=1 keeps the scratch directory.
# Prints the files whose output differs and exits non-zero when there is any.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib.sh"

build_and_install "$here" || { echo "build or install failed" >&2; exit 1; }

work=$(mktemp -d /tmp/sv_indep.XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] && echo "scratch directory kept: $work" || rm -rf "$work"; }
trap cleanup EXIT
cp -r "$here/sql" "$here/expected" "$here/scripts/test.conf" "$work/"
chown -R postgres: "$work"

# The instances sort as C and classify characters as C.UTF-8 (pg_trgm sees Chinese only then:
# duplicate complaints, docs/complaints.md); pg_regress without --no-locale hands these to initdb.
test_locale="LANG=C LC_COLLATE=C LC_CTYPE=C.UTF-8"
common=(--bindir="$PGBIN" --temp-config=test.conf --dbname=contrib_regression
        --encoding=UTF8 --load-extension=postgis --load-extension=pg_trgm --load-extension=sv_platform)

all=$(cd "$work/sql" && ls *.sql | sed 's/\.sql$//' | sort)
if [ $# -gt 0 ]; then tests="$*"; else tests=$all; fi

# run_regress OUTDIR TEST...: one fresh instance, the tests in the order given; the names of
# the tests that failed on stdout
run_regress() {
  local out=$1; shift
  mkdir -p "$work/$out" && chown postgres: "$work/$out"
  (cd "$work" && as_postgres env PGTZ=UTC $test_locale "$PGXS_TEST/regress/pg_regress" "${common[@]}" \
     --temp-instance="$work/$out/tmp_check" --inputdir=. --outputdir="$out" "$@") \
     >"$work/$out/regress.log" 2>&1
  rm -rf "$work/$out/tmp_check"
  # a run that did not get as far as the tests counts every test as failed
  if ! grep -qE 'tests? (passed|failed)' "$work/$out/regress.log"; then
    printf '%s\n' "$@"
    return
  fi
  sed -nE 's/^(not ok [0-9]+|test) +([A-Za-z0-9_]+) +\.\.\. FAILED.*/\2/p;
           s/^not ok [0-9]+ +- +([A-Za-z0-9_]+) .*/\1/p' "$work/$out/regress.log"
}

declare -A differs=()
n=0
for t in $tests; do
  n=$((n + 1))
  [ "${ALONE:-1}" = 0 ] && continue
  failed=$(run_regress "alone/$t" "$t")
  if [ -n "$failed" ]; then
    differs[$t]+=" alone"
    echo "alone    $t: DIFFERS"
    [ -f "$work/alone/$t/regression.diffs" ] && sed 's/^/    /' "$work/alone/$t/regression.diffs" | head -n 60
  else
    echo "alone    $t: same"
  fi
done

if [ $# -eq 0 ] || [ -n "${REVERSE:-}" ] || [ -n "${SHUFFLE:-}" ]; then
  if [ -n "${SHUFFLE:-}" ]; then
    pass=shuffle
    order=$(printf '%s\n' $tests | awk -v seed="$SHUFFLE" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' | sort | cut -f2)
  else
    pass=reverse
    order=$(printf '%s\n' $tests | sort -r)
  fi
  echo "$pass order:" $order
  failed=$(run_regress "$pass" $order)
  for t in $failed; do
    differs[$t]+=" $pass"
    echo "$pass  $t: DIFFERS"
  done
  [ -f "$work/$pass/regression.diffs" ] && sed 's/^/    /' "$work/$pass/regression.diffs" | head -n 200
  [ -z "$failed" ] && echo "$pass  all $n files: same"
fi

echo
if [ ${#differs[@]} -eq 0 ]; then
  runs=()
  [ "${ALONE:-1}" != 0 ] && runs+=("alone")
  [ -n "${pass:-}" ] && runs+=("in $pass order")
  echo "independent: all $n files give their expected output ${runs[0]}${runs[1]:+ and ${runs[1]}}"
  exit 0
fi
echo "${#differs[@]} of $n files depend on other files (output differs when run):"
for t in $(printf '%s\n' "${!differs[@]}" | sort); do
  echo "  $t:${differs[$t]}"
done
exit 1
