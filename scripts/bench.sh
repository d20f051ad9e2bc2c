#!/usr/bin/env bash
# make bench: install missing packages, build, install, start a throwaway instance (preloading
# sv_platform and pg_cron), create the extension in database "bench", then run every benchmark
# in bench/ in sorted order:
#   bench/*.sql   psql -X -q -v ON_ERROR_STOP=1 -v bench_dir=DIR -f FILE
#   bench/*.sh    bash FILE, with PGHOST/PGPORT/PGUSER/PGDATABASE and BENCH_DIR exported
# BENCH_DIR is the instance's temporary directory, owned by postgres: server-side COPY files
# go there.  Each benchmark prints its own result block; a goal it misses is printed, not an
# error.  Exits non-zero when a benchmark fails (error, ON_ERROR_STOP, non-zero exit).
#   KEEP=1 make bench           keep the instance running and its directory afterwards
#   BENCH=01_uscc make bench    run only the benchmarks whose file name contains 01_uscc
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib.sh"

bash "$here/scripts/setup-debian.sh" || exit 1
build_and_install "$here" || { echo "build or install failed" >&2; exit 1; }

work=$(mktemp -d /tmp/sv_bench.XXXXXX)
cleanup() {
  if [ -n "${KEEP:-}" ]; then
    echo "KEEP: instance left running in $work (PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGUSER=postgres PGDATABASE=bench)"
    echo "      stop it with: runuser -u postgres -- $PGBIN/pg_ctl -D $work/data stop && rm -rf $work"
  else
    cluster_stop "$work"
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Benchmark settings on top of cluster_start's (fsync = off): no checkpoint in the middle of a
# timed run (the benchmarks checkpoint between runs themselves), nothing else changed.
cluster_start "$work" \
  "max_wal_size = '4GB'" \
  "checkpoint_timeout = '30min'" \
  || { echo "could not start the benchmark instance" >&2; exit 1; }
export PGDATABASE=bench BENCH_DIR="$work"

psql_base=(psql -X -q -v ON_ERROR_STOP=1)
"${psql_base[@]}" -d postgres -c "CREATE DATABASE bench" || exit 1
PGOPTIONS="-c client_min_messages=warning" "${psql_base[@]}" -c "CREATE EXTENSION sv_platform CASCADE" || exit 1

echo "== sv_platform benchmarks: $(nproc) CPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
     "$("${psql_base[@]}" -At -c 'SHOW server_version')"

shopt -s nullglob
scripts=()
for f in "$here"/bench/*.sql "$here"/bench/*.sh; do
  [[ -z "${BENCH:-}" || $(basename "$f") == *"$BENCH"* ]] && scripts+=("$f")
done
mapfile -t scripts < <(printf '%s\n' "${scripts[@]}" | sort)
if [ ${#scripts[@]} -eq 0 ] || [ -z "${scripts[0]}" ]; then
  echo "no benchmark found in bench/" >&2
  exit 1
fi

failed=()
for f in "${scripts[@]}"; do
  name=$(basename "$f")
  echo
  echo "== bench/$name"
  start=$SECONDS
  case $name in
    *.sql) "${psql_base[@]}" -v bench_dir="$work" -f "$f" ;;
    *.sh)  bash "$f" ;;
  esac
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "!! bench/$name FAILED (exit $rc)"
    failed+=("$name")
  else
    echo "-- bench/$name done in $((SECONDS - start)) s"
  fi
done

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks: $((${#scripts[@]} - ${#failed[@]})) completed, ${#failed[@]} failed: ${failed[*]}"
  exit 1
fi
echo "benchmarks: ${#scripts[@]} completed, 0 failed"
