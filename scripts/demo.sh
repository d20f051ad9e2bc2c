#!/usr/bin/env bash
# make demo: install missing packages, build, install, start a throwaway cluster, create the
# extension and show the platform on Pingdingshan data.  Leaves nothing running unless KEEP=1.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib.sh"

bash "$here/scripts/setup-debian.sh"
echo "== building and installing sv_platform"
build_and_install "$here"

dir=$(mktemp -d /tmp/sv_demo.XXXXXX)
chmod 755 "$dir"
fixture_pid=
finish() {
  [ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null && wait "$fixture_pid" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then
    echo
    echo "The demo cluster is still running (KEEP=1):"
    echo "  psql -h 127.0.0.1 -p $PGPORT -U postgres -d pingdingshan"
    echo "  stop it with: runuser -u postgres -- $PGBIN/pg_ctl -D $dir/data stop && rm -rf $dir"
  else
    cluster_stop "$dir"
    rm -rf "$dir"
  fi
}
trap finish EXIT

# the departments' systems that linkage messages are pushed to: the local HTTP fixture
python3 "$here/scripts/http_fixture.py" --port 0 --log "$dir/fixture.jsonl" --port-file "$dir/fixture.port" >/dev/null 2>&1 &
fixture_pid=$!
for _ in $(seq 100); do [ -s "$dir/fixture.port" ] && break; sleep 0.1; done
fixture_port=$(cat "$dir/fixture.port")

echo "== starting a throwaway cluster in $dir"
cluster_start "$dir" "sv.push_enabled = on" "sv.push_database = 'pingdingshan'" "sv.push_allowed_hosts = '127.0.0.1'"
echo "   listening on 127.0.0.1:$PGPORT (postgres user, trust authentication, local only)"

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE pingdingshan"
psql -X -q -v ON_ERROR_STOP=1 -d pingdingshan -c "SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE"
echo "== CREATE EXTENSION sv_platform CASCADE: done"

cd "$here/contrib-examples/pingdingshan"
psql -X -d pingdingshan -v demo_dir="$dir" -v fixture_port="$fixture_port" -f demo.sql
# the last step of the demo: the exported draw recomputed outside PostgreSQL
if [ -s "$dir/draw-export.json" ]; then
  python3 "$here/contrib-examples/draw/verify_draw.py" "$dir/draw-export.json" | sed 's/^/   /'
fi

# what the departments' systems received (the fixture's log): each message once, with its key
if [ -s "$dir/fixture.jsonl" ]; then
  echo "   the departments' systems received:"
  python3 - "$dir/fixture.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding='utf-8'):
    r = json.loads(line)
    kind = json.loads(r['body']).get('result_id') and 'linkage.result' or 'linkage.approval'
    signed = ', signed ' + r['signature'][:15] + '...' if r.get('signature') else ''
    print('   %s %s  %s  Idempotency-Key %s%s  -> HTTP %s' % (r['method'], r['path'], kind, r['idempotency_key'], signed, r['outcome']))
PY
fi
