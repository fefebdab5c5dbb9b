#!/usr/bin/env bash
# Installs what Cairn needs (first time only), builds it, and starts it with the embedded default:
# SQLite + blobs in ./.cairn-data, on port 8080. Extra arguments go to `cairn serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-fund --no-audit
fi
npm run --silent build
exec node packages/server/bin/cairn.js serve "$@"
