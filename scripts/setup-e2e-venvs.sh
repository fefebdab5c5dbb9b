#!/usr/bin/env bash
# Creates one virtualenv per pinned wandb SDK version (e2e/sdk-versions.txt) under .venv-e2e/, with the test
# requirements (e2e/requirements.txt). A venv is reused while its SDK version and the requirements are unchanged
# (a stamp file records the requirements' checksum).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
req_sum=$(sha256sum e2e/requirements.txt | cut -d' ' -f1)
for ver in $(grep -v '^#' e2e/sdk-versions.txt); do
  venv=".venv-e2e/wandb-$ver"
  stamp="$venv/.cairn-requirements"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import wandb; assert wandb.__version__ == '$ver'" 2>/dev/null; then
    if [ "$(cat "$stamp" 2>/dev/null)" = "$req_sum" ]; then continue; fi
    echo "updating $venv (requirements changed)"
  else
    echo "setting up $venv"
    rm -rf "$venv"
    "$PY" -m venv "$venv"
  fi
  # The SDK is pinned with the requirements so pip never moves it when a requirement wants another wandb.
  "$venv/bin/pip" install -q --disable-pip-version-check "wandb==$ver" -r e2e/requirements.txt
  echo "$req_sum" >"$stamp"
done
