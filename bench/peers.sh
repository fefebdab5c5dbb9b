#!/usr/bin/env bash
# Benchmarks (a), (b) and (e) of the history issue, side by side on this machine in one run:
#   Cairn (this checkout, SQLite), openwandb 0.5.23 (a Python W&B-compatible server, last MIT release),
#   and MLflow's tracking server (its own client).
# Usage: bash bench/peers.sh            (RUNS, STEPS, METRICS, ROWS, SDK_STEPS, SDK_METRICS override sizes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${RUNS:-100} STEPS=${STEPS:-1000} METRICS=${METRICS:-100} ROWS=${ROWS:-100}
SDK_STEPS=${SDK_STEPS:-20000} SDK_METRICS=${SDK_METRICS:-50}
OPENWANDB_VERSION=0.5.23
MLFLOW_VERSION=3.17.2

venv() { # venv DIR PACKAGE==VERSION
  if ! [ -x "$1/bin/python" ] || ! "$1/bin/pip" show -q "${2%%==*}" >/dev/null 2>&1; then
    python3 -m venv "$1" && "$1/bin/pip" install -q --disable-pip-version-check "$2"
  fi
}
venv .venv-bench/openwandb "openwandb==$OPENWANDB_VERSION"
venv .venv-bench/mlflow "mlflow==$MLFLOW_VERSION"
bash scripts/setup-e2e-venvs.sh
SDK_PY=.venv-e2e/wandb-0.31.0/bin/python
npm run --silent build

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_up() { for _ in $(seq 1 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done; echo "not up: $1" >&2; cat "$tmp"/*.log >&2; exit 1; }

CAIRN_KEY=local-$(printf 'c%.0s' $(seq 40))
cp=$(port); CAIRN_ADMIN_KEY=$CAIRN_KEY CAIRN_LOG_LEVEL=warn node packages/server/bin/cairn.js serve --port "$cp" --data-dir "$tmp/cairn" >"$tmp/cairn.log" 2>&1 & pids+=($!)
op=$(port); (cd "$tmp" && exec "$root/.venv-bench/openwandb/bin/openwandb" serve --port "$op" --data-dir "$tmp/openwandb" --log-level warning >"$tmp/openwandb.log" 2>&1) & pids+=($!)
mp=$(port); .venv-bench/mlflow/bin/mlflow server --host 127.0.0.1 --port "$mp" --backend-store-uri "sqlite:///$tmp/mlflow.db" \
  --default-artifact-root "$tmp/mlflow-artifacts" --workers 2 >"$tmp/mlflow.log" 2>&1 & pids+=($!)
OW_KEY=local0000000000000000000000000000000000000000
wait_up "http://127.0.0.1:$cp/ready"; wait_up "http://127.0.0.1:$op/"; wait_up "http://127.0.0.1:$mp/health"

if [ -z "${SKIP_SDK:-}" ]; then
echo "== (a) SDK overhead: $SDK_STEPS steps x $SDK_METRICS metrics, offline vs online"
$SDK_PY bench/sdk_overhead.py --url "http://127.0.0.1:$cp" --key "$CAIRN_KEY" --steps "$SDK_STEPS" --metrics "$SDK_METRICS" --label Cairn
$SDK_PY bench/sdk_overhead.py --url "http://127.0.0.1:$op" --key "$OW_KEY" --steps "$SDK_STEPS" --metrics "$SDK_METRICS" --label openwandb
fi
echo "== (b)/(e) file_stream ingest: $RUNS runs x $STEPS steps x $METRICS metrics, $ROWS rows/request"
echo "-- Cairn"; node bench/ingest.mjs --url "http://127.0.0.1:$cp" --key "$CAIRN_KEY" --runs "$RUNS" --steps "$STEPS" --metrics "$METRICS" --rows "$ROWS"
echo "-- openwandb $OPENWANDB_VERSION"; node bench/ingest.mjs --url "http://127.0.0.1:$op" --key "$OW_KEY" --runs "$RUNS" --steps "$STEPS" --metrics "$METRICS" --rows "$ROWS" || echo "openwandb ingest failed (see $tmp/openwandb.log)"
echo "-- MLflow $MLFLOW_VERSION"; .venv-bench/mlflow/bin/python bench/mlflow_peer.py --url "http://127.0.0.1:$mp" --runs "$RUNS" --steps "$STEPS" --metrics "$METRICS" --rows "$ROWS"
