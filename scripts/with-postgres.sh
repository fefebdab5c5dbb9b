#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster:
#   bash scripts/with-postgres.sh npx vitest run
# Installs PostgreSQL when missing (as root), initialises a cluster in a temp dir, starts it on a free loopback
# port, exports CAIRN_TEST_DATABASE_URL (a superuser URL: tests create their own databases), runs the command,
# then stops the server and removes the cluster whatever happens. Exits with the command's status.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/postgres" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "with-postgres: $PG_BIN/postgres not found and not root, cannot install PostgreSQL" >&2
    exit 1
  fi
  echo "with-postgres: installing PostgreSQL" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  if [ ! -x "$PG_BIN/postgres" ]; then
    # Another major version came from apt: use whichever is installed.
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -x "$PG_BIN/postgres" ] || { echo "with-postgres: PostgreSQL install failed" >&2; exit 1; }
  fi
fi

# The server refuses to run as root: run it as the postgres OS user (created here if missing).
run_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  run_pg=(runuser -u postgres --)
fi

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

cluster=$(mktemp -d /tmp/cairn-pg.XXXXXX)
chmod 755 "$cluster"
[ "$(id -u)" -eq 0 ] && chown postgres: "$cluster"
port=$(free_port)

cleanup() {
  "${run_pg[@]}" "$PG_BIN/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

"${run_pg[@]}" "$PG_BIN/initdb" -D "$cluster/data" -U postgres --auth=trust --encoding=UTF8 --no-sync >/dev/null
# fsync off: a test cluster is thrown away, durability only costs time here.
"${run_pg[@]}" "$PG_BIN/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$cluster/server.log" >&2; exit 1; }

export CAIRN_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
# In the background so a TERM/INT (e.g. from `timeout`) is handled at once, not after the command ends.
set +e
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' INT TERM
wait "$child"
status=$?
exit "$status"
