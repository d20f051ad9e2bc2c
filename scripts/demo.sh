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
finish() {
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

echo "== starting a throwaway cluster in $dir"
cluster_start "$dir"
echo "   listening on 127.0.0.1:$PGPORT (postgres user, trust authentication, local only)"

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE pingdingshan"
psql -X -q -v ON_ERROR_STOP=1 -d pingdingshan -c "SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE"
echo "== CREATE EXTENSION sv_platform CASCADE: done"

cd "$here/contrib-examples/pingdingshan"
psql -X -d pingdingshan -v demo_dir="$dir" -f demo.sql
# the last step of the demo: the exported draw recomputed outside PostgreSQL
if [ -s "$dir/draw-export.json" ]; then
  python3 "$here/contrib-examples/draw/verify_draw.py" "$dir/draw-export.json" | sed 's/^/   /'
fi
