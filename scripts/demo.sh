#!/usr/bin/env bash
# make demo: install missing packages, build, install, start a throwaway cluster, create the
# extension and show the platform on Pingdingshan data.  Leaves nothing running unless KEEP=1
# (then the cluster and the HTTP fixture stay, and how to stop both is printed).
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
  if [ -n "${KEEP:-}" ]; then
    echo
    echo "The demo cluster and the HTTP fixture are still running (KEEP=1):"
    echo "  psql -h 127.0.0.1 -p $PGPORT -U postgres -d pingdingshan"
    echo "  the departments' systems (scripts/http_fixture.py): http://127.0.0.1:$fixture_port/, log $dir/fixture.jsonl"
    echo "  stop both with: kill $fixture_pid; runuser -u postgres -- $PGBIN/pg_ctl -D $dir/data stop && rm -rf $dir"
  else
    [ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null && wait "$fixture_pid" 2>/dev/null || true
    cluster_stop "$dir"
    rm -rf "$dir"
  fi
}
trap finish EXIT

# the departments' systems that linkage messages are pushed to: the local HTTP fixture, in its
# own session so that with KEEP=1 it outlives this script (and the terminal) with the cluster
fixture_start "$dir"

echo "== starting a throwaway cluster in $dir"
cluster_start "$dir" "sv.push_enabled = on" "sv.push_database = 'pingdingshan'" "sv.push_allowed_hosts = '127.0.0.1'"
echo "   listening on 127.0.0.1:$PGPORT (postgres user, trust authentication, local only)"

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE pingdingshan"
psql -X -q -v ON_ERROR_STOP=1 -d pingdingshan -c "SET client_min_messages = warning; CREATE EXTENSION sv_platform CASCADE"
echo "== CREATE EXTENSION sv_platform CASCADE: done"

# the draw step recomputes the draw outside PostgreSQL (psql \!) and leaves the verifier's
# exit status in draw-verify.rc: a draw that does not verify fails the demo
cd "$here/contrib-examples/pingdingshan"
psql -X -d pingdingshan -v demo_dir="$dir" -v fixture_port="$fixture_port" -f demo.sql
if [ "$(cat "$dir/draw-verify.rc" 2>/dev/null)" != 0 ]; then
  echo "make demo: the draw was not verified outside PostgreSQL (contrib-examples/draw/verify_draw.py)" >&2
  exit 1
fi

# the monthly bulletin (周检查、月通报, docs/evaluation.md): the demo's actions are all of today,
# so six months of actions of three departments in each county-level unit are added first
period=$(psql -X -At -d pingdingshan -c "SELECT to_char(sv.local_date(now()) - interval '1 month', 'YYYY-MM')")
bulletin="${DEMO_BULLETIN:-/tmp/sv_demo_bulletin_$period.html}"
echo "== the monthly bulletin (月通报) of $period: six months of sample actions in the ten county-level units"
echo "   (t/data/evaluation_sample.sql), the daily KPIs refreshed, the bulletin generated with the audit head"
psql -X -q -v ON_ERROR_STOP=1 -d pingdingshan -f "$here/t/data/evaluation_sample.sql" > /dev/null
psql -X -v ON_ERROR_STOP=1 -d pingdingshan -c "SELECT edition AS \"版次\", period_from AS \"起\", period_to AS \"止\", head_seq AS \"审计链头序号\", head_hash AS \"审计链头哈希\" FROM sv.bulletin_generate('monthly', '$period')"
psql -X -v ON_ERROR_STOP=1 -d pingdingshan -c "SELECT rank AS \"名次\", unit_name AS \"县(市、区)\", score AS \"综合得分\" FROM sv.kpi_scores(sv.local_date(now()), '$period-01', (date '$period-01' + interval '1 month' - interval '1 day')::date, 'county')"
psql -X -At -v ON_ERROR_STOP=1 -d pingdingshan -c "SELECT sv.bulletin_html('$period')" -o "$bulletin"
echo "== the bulletin's page (one self-contained HTML file, printable on A4) is written to $bulletin"
echo "   open it in a browser, or: chromium --headless --no-sandbox --print-to-pdf=${bulletin%.html}.pdf $bulletin"
