#!/usr/bin/env bash
# Ingest with N Cairn processes on one PostgreSQL, behind nginx (round-robin): the scale-out benchmark.
#   npm run build && bash scripts/with-postgres.sh bash bench/scaleout.sh 2 --runs 100 --steps 1000 --metrics 100
# $1 = number of processes; the rest goes to bench/ingest.mjs (which drives the nginx URL). Needs nginx (Debian
# package) and CAIRN_TEST_DATABASE_URL (scripts/with-postgres.sh sets it). Blobs stay on each process's local disk:
# ingest writes none. Prints ingest.mjs's figures, then each process's CPU seconds and PostgreSQL's.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
N=${1:?number of processes}
shift
: "${CAIRN_TEST_DATABASE_URL:?run under scripts/with-postgres.sh}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
KEY="local-$(printf 'b%.0s' $(seq 1 40))"

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

dir=$(mktemp -d /tmp/cairn-scaleout-bench.XXXXXX)
db="cairn_bench_$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  psql "$CAIRN_TEST_DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
psql "$CAIRN_TEST_DATABASE_URL" -q -c "CREATE DATABASE $db"
db_url="${CAIRN_TEST_DATABASE_URL%/*}/$db"

upstreams=""
ports=()
for i in $(seq 1 "$N"); do
  port=$(free_port)
  ports+=("$port")
  upstreams+="server 127.0.0.1:$port max_fails=0; "
  CAIRN_ADMIN_KEY=$KEY CAIRN_LOG_LEVEL=warn CAIRN_DATABASE_URL=$db_url CAIRN_TRUST_PROXY=true \
    node packages/server/bin/cairn.js serve --host 127.0.0.1 --port "$port" --data-dir "$dir/data$i" >"$dir/cairn$i.log" 2>&1 &
  pids+=($!)
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null && break; sleep 0.2; done
done

lb=$(free_port)
mkdir -p "$dir/nginx/tmp"
cat >"$dir/nginx/nginx.conf" <<CONF
$( [ "$(id -u)" -eq 0 ] && echo 'user root;' )
worker_processes 1;
daemon off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $dir/nginx/tmp/body; proxy_temp_path $dir/nginx/tmp/proxy; fastcgi_temp_path $dir/nginx/tmp/f;
  uwsgi_temp_path $dir/nginx/tmp/u; scgi_temp_path $dir/nginx/tmp/s;
  access_log off;
  upstream cairn { $upstreams keepalive 64; }
  server {
    listen 127.0.0.1:$lb;
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_read_timeout 3600s;
    location / { proxy_pass http://cairn; }
  }
}
CONF
"$NGINX" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$lb/ready" 2>/dev/null && break; sleep 0.1; done

pg_port=$(node -e 'console.log(new URL(process.argv[1]).port || 5432)' "$CAIRN_TEST_DATABASE_URL")
postmaster=$(pgrep -o -f -- "postgres.* -p $pg_port" || true)
pg_cpu() {
  # CPU ticks of this PostgreSQL: its live processes, plus what exited children left in the postmaster's cutime/cstime.
  [ -n "$postmaster" ] || { echo 0; return; }
  local total
  total=$(awk '{print $14+$15+$16+$17}' "/proc/$postmaster/stat")
  for p in $(pgrep -P "$postmaster" || true); do
    total=$((total + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
cpu_of() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
tck=$(getconf CLK_TCK)
pg0=$(pg_cpu)
declare -A c0
for i in $(seq 0 $((N - 1))); do c0[$i]=$(cpu_of "${pids[$i]}"); done

echo "== $N process(es) on PostgreSQL behind nginx (127.0.0.1:$lb)"
node bench/ingest.mjs --url "http://127.0.0.1:$lb" --key "$KEY" "$@"

secs() { awk -v t="$1" -v h="$tck" 'BEGIN { printf "%.1f", t / h }'; }
for i in $(seq 0 $((N - 1))); do
  echo "cairn process $((i + 1)) CPU: $(secs $(( $(cpu_of "${pids[$i]}") - c0[$i] ))) s"
done
echo "postgres CPU (all its processes, ingest + the reads after it): $(secs $(( $(pg_cpu) - pg0 ))) s"
echo "database size after ingest: $(psql "$db_url" -Atc "select pg_size_pretty(pg_database_size(current_database()))")"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
