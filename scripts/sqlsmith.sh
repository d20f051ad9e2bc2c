#!/usr/bin/env bash
# make sqlsmith: random SQL (Debian's sqlsmith) against the Pingdingshan demo database.
#   SQLSMITH_MINUTES=30 (default)  total time; a third as the superuser postgres, the rest
#                                  shared by the demo's logins of the six group roles
#   SQLSMITH_ROLES="..."           those logins (default below); KEEP=1 keeps the cluster running
# Installs sqlsmith if missing, builds and installs sv_platform, starts a throwaway cluster
# (preloading sv_platform and pg_cron, push worker on, the HTTP fixture as the departments'
# systems), loads contrib-examples/pingdingshan/demo.sql like `make demo`, then runs sqlsmith.
# Every generated query is kept (--dump-all-queries, queries-<role>.sql.gz), and the server
# logs the query of any process that dies ("Failed process was running", up to 64 kB).
# Ends with scripts/sqlsmith-report.py: queries run, errors by SQLSTATE and message class,
# server crashes; exits non-zero if the server crashed.  The run directory is kept and named.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib.sh"

minutes=${SQLSMITH_MINUTES:-30}
# admin, officer, auditor, service portal, BI, integration: the demo's logins of each group role
roles=${SQLSMITH_ROLES:-pds_admin msa_city supervision_office portal_public bi_viewer amr_feed}

bash "$here/scripts/setup-debian.sh" sqlsmith || exit 1
echo "== building and installing sv_platform"
build_and_install "$here" || { echo "build or install failed" >&2; exit 1; }

dir=$(mktemp -d /tmp/sv_sqlsmith.XXXXXX)
chmod 755 "$dir"
fixture_pid=
finish() {
  [ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null && wait "$fixture_pid" 2>/dev/null
  if [ -z "${KEEP:-}" ]; then
    cluster_stop "$dir"
    rm -rf "$dir/data"
  else
    echo "KEEP=1: the cluster is still running: psql -h 127.0.0.1 -p $PGPORT -U postgres -d pingdingshan"
    echo "  stop it with: runuser -u postgres -- $PGBIN/pg_ctl -D $dir/data stop"
  fi
  echo "logs, generated queries and the report are in $dir"
}
trap finish EXIT

fixture_start "$dir" || exit 1

echo "== starting a throwaway cluster in $dir"
# %e: the SQLSTATE of each logged error; verbose: the C function, file and line that raised it;
# track_activity_query_size: the whole query in "Failed process was running" after a crash
cluster_start "$dir" "sv.push_enabled = on" "sv.push_database = 'pingdingshan'" "sv.push_allowed_hosts = '127.0.0.1'" \
  "log_line_prefix = '%m [%p] %u %e: '" "log_error_verbosity = verbose" "track_activity_query_size = 65536" \
  "restart_after_crash = on" || exit 1
echo "   listening on 127.0.0.1:$PGPORT"
as_postgres head -1 "$dir/data/postmaster.pid" >"$dir/postmaster.pid.start"

echo "== loading the Pingdingshan demo data (contrib-examples/pingdingshan/demo.sql, output in demo.log)"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE pingdingshan" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d pingdingshan -c "SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE" \
  || exit 1
(cd "$here/contrib-examples/pingdingshan" &&
  psql -X -d pingdingshan -v demo_dir="$dir" -v fixture_port="$fixture_port" -f demo.sql) >"$dir/demo.log" 2>&1 \
  || { tail -20 "$dir/demo.log" >&2; echo "loading the demo data failed" >&2; exit 1; }
for r in $roles; do
  [ "$(psql -X -Atq -d pingdingshan -c "SELECT count(*) FROM pg_roles WHERE rolname = '$r' AND rolcanlogin")" = 1 ] \
    || { echo "login $r does not exist after the demo" >&2; exit 1; }
done
# the server log of the run proper starts here
log_start=$(as_postgres wc -l <"$dir/server.log")

# one sqlsmith session for SECONDS, restarted with a new seed if it stops early (sqlsmith
# reconnects by itself after a server crash)
run_as() {
  local role=$1 seconds=$2 end left seed
  end=$((SECONDS + seconds))
  echo "== sqlsmith as $role for ${seconds}s"
  while left=$((end - SECONDS)); [ "$left" -gt 0 ]; do
    seed=$(( (RANDOM << 15) | RANDOM ))
    echo "-- seed $seed at $(date -u '+%F %T') UTC" >>"$dir/sqlsmith-$role.log"
    timeout "$left" sqlsmith --target="host=127.0.0.1 port=$PGPORT dbname=pingdingshan user=$role" \
      --exclude-catalog --verbose --dump-all-queries --seed="$seed" \
      2>>"$dir/sqlsmith-$role.log" | gzip >>"$dir/queries-$role.sql.gz"
    echo >>"$dir/sqlsmith-$role.log"
    sleep 1
  done
}

total=$((minutes * 60))
super=$((total / 3))
nroles=$(wc -w <<<"$roles")
each=$(( (total - super) / (nroles > 0 ? nroles : 1) ))
run_as postgres "$super"
for r in $roles; do run_as "$r" "$each"; done

as_postgres head -1 "$dir/data/postmaster.pid" >"$dir/postmaster.pid.end" 2>/dev/null || true
python3 "$here/scripts/sqlsmith-report.py" --dir "$dir" --src "$here/src" --extension "$here/extension" --minutes "$minutes" \
  --log "$dir/server.log" --skip "$log_start" \
  postgres $roles | tee "$dir/report.txt"
rc=${PIPESTATUS[0]}
exit "$rc"
