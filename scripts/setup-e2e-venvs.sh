#!/usr/bin/env bash
# Creates one virtualenv per pinned wandb SDK version (e2e/sdk-versions.txt) under .venv-e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
for ver in $(grep -v '^#' e2e/sdk-versions.txt); do
  venv=".venv-e2e/wandb-$ver"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import wandb, pytest, requests; assert wandb.__version__ == '$ver'" 2>/dev/null; then
    continue
  fi
  echo "setting up $venv"
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "wandb==$ver" -r e2e/requirements.txt
done
