#!/usr/bin/env bash
# nginx_endpoint.sh: a local nginx (Debian nginx-light) as the push worker's endpoint, for
# bench/07_push.sh and t/005_push.pl.
#
#   nginx_endpoint.sh start DIR [WORKERS]   write DIR/nginx.conf for a free port on 127.0.0.1,
#                                           start nginx (its own prefix DIR, pid DIR/nginx.pid),
#                                           write the port to DIR/port and print it
#   nginx_endpoint.sh stop DIR              stop it (SIGQUIT to the pid in DIR/nginx.pid: the
#                                           access log is complete when this returns)
#
# It answers POST, PUT and PATCH with 200 {"ok":true} without reading further than it must
# (`return 200`), anything else with 403; keep-alive for up to a million requests per
# connection.  Under /slow/ the answers are paced at 500 a second (limit_req, requests beyond
# that wait in nginx, none refused): deliveries that last long enough to interrupt.  DIR/access.log has one line per request, unbuffered:
#     <unix time, ms resolution> <Idempotency-Key or -> <status> <method> <uri> <X-SV-Attempt or ->
# Run as root, its worker processes run as nobody (`user`); as another user, as that user.
# The distribution's own nginx service is never used.
set -euo pipefail
cmd=${1:?usage: nginx_endpoint.sh start|stop DIR [WORKERS]}
dir=${2:?usage: nginx_endpoint.sh start|stop DIR [WORKERS]}
workers=${3:-1}
nginx=${NGINX:-/usr/sbin/nginx}

case $cmd in
stop)
  [ -s "$dir/nginx.pid" ] || exit 0
  pid=$(cat "$dir/nginx.pid")
  kill -QUIT "$pid" 2>/dev/null || exit 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.05; done
  kill -TERM "$pid" 2>/dev/null || true
  exit 0
  ;;
start) ;;
*) echo "nginx_endpoint.sh: unknown command $cmd" >&2; exit 2 ;;
esac

[ -x "$nginx" ] || { echo "nginx_endpoint.sh: $nginx not found (scripts/setup-debian.sh installs nginx-light)" >&2; exit 1; }
mkdir -p "$dir/tmp"
dir=$(cd "$dir" && pwd)   # nginx takes relative paths as relative to its prefix
chmod 0777 "$dir/tmp"
user_line=
[ "$(id -u)" -eq 0 ] && user_line="user nobody nogroup;"
port=${NGINX_PORT_BASE:-18200}
for try in 1 2 3 4 5; do
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  cat > "$dir/nginx.conf" <<CONF
$user_line
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1000; }
http {
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  log_format keys '\$msec \$http_idempotency_key \$status \$request_method \$uri \$http_x_sv_attempt';
  access_log $dir/access.log keys;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  limit_req_zone \$server_port zone=slow:1m rate=500r/s;
  server {
    listen 127.0.0.1:$port;
    default_type application/json;
    location / {
      limit_except POST PUT PATCH { deny all; }
      return 200 '{"ok":true}';
    }
    location /slow/ {
      limit_except POST PUT PATCH { deny all; }
      limit_req zone=slow burst=1000000;
      return 200 '{"ok":true}';
    }
  }
}
CONF
  if "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/start.err"; then
    for _ in $(seq 100); do [ -s "$dir/nginx.pid" ] && break; sleep 0.05; done
    echo "$port" > "$dir/port"
    echo "$port"
    exit 0
  fi
  grep -q 'Address already in use' "$dir/start.err" "$dir/error.log" 2>/dev/null || { cat "$dir/start.err" >&2; exit 1; }
  port=$((port + 1))
done
echo "nginx_endpoint.sh: no free port found" >&2
exit 1
