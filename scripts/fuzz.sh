#!/usr/bin/env bash
# make fuzz: build the libFuzzer targets of fuzz/ with clang into build/fuzz/ and run each on its
# corpus fuzz/corpus/<target>/ (docs/testing.md, "Fuzzing").
#   scripts/fuzz.sh [build|run|merge] [TARGET...]      (default: run, every target)
#     build   only build the targets
#     run     build, then run each target for FUZZ_RUNS executions (default 10000000), one at a
#             time in one process; new inputs go to build/fuzz/work/<target>/, a crash to
#             build/fuzz/crashes/<target>-*; a summary line per target in build/fuzz/summary.txt
#     merge   minimize fuzz/corpus/<target>/ together with build/fuzz/work/<target>/ into
#             fuzz/corpus/<target>/ (libFuzzer -merge=1), to commit after a long run; the
#             hand-written seeds (seed-*) are kept, the rest only for the coverage it adds
# Installs clang and libFuzzer first (scripts/setup-debian.sh fuzz) unless FUZZ_NO_SETUP is set.
# FUZZ_CC names the compiler (default clang-14, else clang); PG_CONFIG the PostgreSQL whose
# headers and libpgcommon/libpgport are used; FUZZ_OUT another directory than build/fuzz.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

mode=run
case "${1:-}" in build | run | merge) mode=$1; shift ;; esac
all_targets=(uscc date lunar population audit)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
runs=${FUZZ_RUNS:-10000000}
out=${FUZZ_OUT:-build/fuzz}

# the product's sources each target compiles (with the target and fuzz/shim.c)
sources() {
  case $1 in
    uscc) echo src/types/uscc_parse.c ;;
    date) echo src/ingest/iso_date.c src/calendar/chinese.c src/calendar/astro.c ;;
    lunar) echo src/calendar/chinese.c src/calendar/astro.c ;;
    population) echo src/draw/population_codec.c ;;
    audit) echo src/audit/encode.c src/audit/sha256.c ;;
    *) echo "fuzz: unknown target $1 (targets: ${all_targets[*]})" >&2; return 1 ;;
  esac
}

[ -n "${FUZZ_NO_SETUP:-}" ] || bash "$here/scripts/setup-debian.sh" fuzz
CC=${FUZZ_CC:-$(command -v clang-14 || command -v clang || true)}
[ -n "$CC" ] || { echo "fuzz: clang not found" >&2; exit 1; }
PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
inc=$("$PG_CONFIG" --includedir-server)
lib=$("$PG_CONFIG" --pkglibdir)

# -fwrapv and -fno-strict-aliasing as PostgreSQL compiles the product; every sanitizer finding
# is fatal, so libFuzzer keeps the input
CFLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fwrapv -fno-strict-aliasing
        -Wall -Werror -Wno-unused-parameter -Wno-ignored-attributes -Wno-missing-field-initializers
        -I src -I fuzz -I "$inc")
LIBS=(-L"$lib" -lpgcommon -lpgport -lcrypto -lm)

mkdir -p "$out"
for t in "${targets[@]}"; do
  srcs=$(sources "$t")
  # shellcheck disable=SC2086
  "$CC" "${CFLAGS[@]}" "fuzz/$t.c" fuzz/shim.c $srcs "${LIBS[@]}" -o "$out/$t"
done
[ "$mode" != build ] || exit 0

failed=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "$out/work/$t" "$out/crashes"
  if [ "$mode" = merge ]; then
    # the hand-written seeds (seed-*) stay; other inputs only when they add coverage to them
    rm -rf "$out/merged/$t"; mkdir -p "$out/merged/$t"
    cp fuzz/corpus/"$t"/seed-* "$out/merged/$t/" 2>/dev/null || true
    "$out/$t" -merge=1 "$out/merged/$t" "fuzz/corpus/$t" "$out/work/$t" >"$out/$t-merge.log" 2>&1
    rm -rf "fuzz/corpus/$t"; mv "$out/merged/$t" "fuzz/corpus/$t"
    echo "fuzz: $t: corpus of $(ls "fuzz/corpus/$t" | wc -l) inputs, $(cat "fuzz/corpus/$t"/* | wc -c) bytes"
    continue
  fi
  start=$(date +%s)
  rc=0
  # new inputs are written to the first directory: the committed corpus only seeds the run
  "$out/$t" -runs="$runs" -print_final_stats=1 -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$out/crashes/$t-" "$out/work/$t" "fuzz/corpus/$t" \
      >"$out/$t.log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
  corpus=$(sed -n 's/.*DONE .* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' "$out/$t.log" | tail -1)
  if [ "$rc" -eq 0 ]; then result="0 crashes"; else result="FAILED (exit $rc, see $out/$t.log)"; failed=1; fi
  line="$t: ${execs:-?} executions in ${secs} s, $result, corpus ${corpus:-?} (inputs/bytes)"
  echo "fuzz: $line"
  echo "$(date -u +%Y-%m-%dT%H:%MZ) $line" >>"$out/summary.txt"
done
[ "$failed" -eq 0 ] || { echo "fuzz: a target failed; its input is in $out/crashes/" >&2; exit 1; }
