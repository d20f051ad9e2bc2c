# Shared helpers for the project's scripts (sourced, not run).
# Throwaway clusters run as the postgres OS user (initdb refuses root), in a temporary
# directory, listening on 127.0.0.1 at a free port; they sort as C and classify characters as
# C.UTF-8 (pg_trgm sees Chinese only then: docs/install.md).

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGXS_TEST=${PGXS_TEST:-/usr/lib/postgresql/15/lib/pgxs/src/test}

# Run a command as the postgres OS user (or as ourselves when we are not root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Build and install the extension (root or sudo needed for install).
build_and_install() {
  local here=$1
  make -C "$here" -s -j"$(nproc)" >/dev/null
  if [ "$(id -u)" -eq 0 ]; then
    make -C "$here" -s install >/dev/null
  else
    sudo make -C "$here" -s install >/dev/null
  fi
}

# A free TCP port on 127.0.0.1, starting from $1.
free_port() {
  local port=${1:-54320}
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

# cluster_start DIR [extra postgresql.conf lines...]: init and start; sets PGHOST, PGPORT, PGUSER.
# free_port only sees a port that is free now: another process can bind it before the server
# does ("could not bind ... Address already in use" in the server log).  Then the server is
# started again on the next free port, up to CLUSTER_START_TRIES (5) times.
cluster_start() {
  local dir=$1; shift
  local port=${PORT_BASE:-54320} try tries=${CLUSTER_START_TRIES:-5}
  mkdir -p "$dir"
  chown postgres: "$dir" 2>/dev/null || true
  as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --lc-ctype=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  PGPORT=$(free_port "$port")
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PGPORT"
    echo "unix_socket_directories = '$dir'"
    echo "shared_preload_libraries = 'sv_platform,pg_cron'"
    echo "cron.database_name = 'postgres'"
    echo "fsync = off"
    for line in "$@"; do echo "$line"; done
  } | as_postgres tee -a "$dir/data/postgresql.conf" >/dev/null
  for ((try = 1; ; try++)); do
    if as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null; then
      export PGHOST=127.0.0.1 PGPORT PGUSER=postgres
      return 0
    fi
    if [ "$try" -ge "$tries" ] || ! grep -q 'could not bind .*Address already in use' "$dir/server.log"; then
      cat "$dir/server.log" >&2
      return 1
    fi
    # the port was taken between the check and the bind: keep this log, try the next port
    as_postgres mv "$dir/server.log" "$dir/server-port-$PGPORT.log"
    echo "   port $PGPORT was taken before the server could bind it; trying the next free port" >&2
    PGPORT=$(free_port $((PGPORT + 1)))
    as_postgres sed -i "s/^port = .*/port = $PGPORT/" "$dir/data/postgresql.conf"
  done
}

cluster_stop() {
  local dir=$1
  [ -d "$dir/data" ] && as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# fixture_start DIR: the departments' systems, scripts/http_fixture.py on a free port, in its own
# session (with KEEP=1 it outlives the script), logging to DIR/fixture.jsonl; sets fixture_pid
# and fixture_port.  `wait "$fixture_pid"` works only in the shell that called it.
fixture_start() {
  local dir=$1
  setsid python3 "$(dirname "${BASH_SOURCE[0]}")/http_fixture.py" --port 0 --log "$dir/fixture.jsonl" \
    --port-file "$dir/fixture.port" </dev/null >"$dir/fixture.err" 2>&1 &
  fixture_pid=$!
  for _ in $(seq 100); do [ -s "$dir/fixture.port" ] && break; sleep 0.1; done
  [ -s "$dir/fixture.port" ] || { cat "$dir/fixture.err" >&2; echo "the HTTP fixture did not start" >&2; return 1; }
  fixture_port=$(cat "$dir/fixture.port")
}
