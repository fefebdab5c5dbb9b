#!/usr/bin/env bash
# Runs the wandb SDK's own, unmodified system tests (tests/system_tests/...) against a local Cairn.
#
# Usage: scripts/upstream-system-tests.sh [--suite core|artifacts|registries] [pytest targets or options...]
#   --suite core (default): targets tests/system_tests/test_core tests/system_tests/test_api
#   --suite artifacts:      targets tests/system_tests/test_artifacts (+ the packages its files import)
#   --suite registries:     targets tests/system_tests/test_registries and the linking/registry tests of test_artifacts
#   Targets given after the suite replace its default targets (relative to the wandb checkout), e.g.
#   `--suite artifacts tests/system_tests/test_artifacts/test_misc.py -k alias`.
#
# Environment:
#   WANDB_CHECKOUT   wandb source tree to test with (default .upstream/wandb, created from WANDB_REPO)
#   WANDB_REPO       any git clone of github wandb/wandb, path or URL (default https://github.com/wandb/wandb.git)
#   WANDB_TAG        release tag; the wheel of the same version is installed (default v0.28.2)
#   CAIRN_PORT / CAIRN_FIXTURES_PORT   ports for the server and its fixture service (default 18480 / 18481)
#   PYTEST_WORKERS   pytest-xdist workers (default 2)
#   PYTEST_TIMEOUT   per-test timeout in seconds (default 120)
#   RESULTS_DIR      where junit.xml, table.md, server.log go (default .upstream/results)
#
# The released wheel provides the compiled parts (wandb-core, the parquet FFI library); its files in
# wandb/bin are symlinked into the checkout's wandb/bin, so the tests import the checkout's wandb package.
set -euo pipefail
# The whole script is one block that bash reads before running it: editing this file while a run is under way
# (it takes minutes) cannot change that run.
{
cd "$(dirname "$0")/.."
ROOT=$PWD

SUITE=core
if [ "${1:-}" = --suite ]; then SUITE=${2:?--suite needs a name}; shift 2; fi
case $SUITE in
  core)
    SUITE_TARGETS=(tests/system_tests/test_core tests/system_tests/test_api)
    SUITE_PACKAGES=() ;;
  artifacts)
    SUITE_TARGETS=(tests/system_tests/test_artifacts)
    # imported at module level: test_data_types.py (matplotlib), test_object_references.py (google.cloud.storage)
    SUITE_PACKAGES=(matplotlib google-cloud-storage) ;;
  registries)
    A=tests/system_tests/test_artifacts
    SUITE_TARGETS=(tests/system_tests/test_registries "$A/test_link_artifacts.py" "$A/test_model_workflows.py"
      "$A/test_artifact_public_api.py::test_artifact_delete_on_linked_artifact" "$A/test_artifact_public_api.py::test_artifact_manual_link"
      "$A/test_artifact_public_api.py::test_fetch_registry_artifact" "$A/test_wandb_artifacts.py::test_artifact_model_registry_url"
      "$A/test_wandb_artifacts.py::test_save_artifact_portfolio")
    SUITE_PACKAGES=() ;;
  *) echo "unknown suite '$SUITE' (core, artifacts, registries)" >&2; exit 2 ;;
esac

WANDB_TAG=${WANDB_TAG:-v0.28.2}
WANDB_VERSION=${WANDB_TAG#v}
WANDB_REPO=${WANDB_REPO:-https://github.com/wandb/wandb.git}
CHECKOUT=${WANDB_CHECKOUT:-$ROOT/.upstream/wandb}
VENV=$ROOT/.upstream/venv
PORT=${CAIRN_PORT:-18480}
FIXTURES_PORT=${CAIRN_FIXTURES_PORT:-18481}
WORKERS=${PYTEST_WORKERS:-2}
TIMEOUT=${PYTEST_TIMEOUT:-120}
RESULTS=${RESULTS_DIR:-$ROOT/.upstream/results}
PY=${PYTHON:-python3}
mkdir -p "$ROOT/.upstream" "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
case $CHECKOUT in /*) ;; *) CHECKOUT=$ROOT/$CHECKOUT ;; esac

# --- 1. wandb checkout at the tag -------------------------------------------------------------
if [ ! -d "$CHECKOUT/tests/system_tests" ]; then
  echo "== fetching wandb $WANDB_TAG from $WANDB_REPO into $CHECKOUT"
  rm -rf "$CHECKOUT"
  if ! git clone -q --depth 1 --branch "$WANDB_TAG" "$WANDB_REPO" "$CHECKOUT" 2>/dev/null; then
    # A local (possibly partial, e.g. bare mirror with large blobs absent) repository: export only what
    # the tests need, leaving out blobs the repository does not have.
    rm -rf "$CHECKOUT"
    git --git-dir="$WANDB_REPO" rev-parse -q --verify "$WANDB_TAG^{commit}" >/dev/null \
      || { echo "cannot clone $WANDB_REPO at $WANDB_TAG" >&2; exit 1; }
    G=(git --git-dir="$WANDB_REPO")
    paths=(wandb tests tools requirements pyproject.toml)
    excludes=()
    while read -r sha path; do
      excludes+=(":(exclude)$path")
    done < <("${G[@]}" ls-tree -r "$WANDB_TAG" -- "${paths[@]}" \
      | awk -F'\t' '{split($1, m, " "); print m[3] " " $2}' \
      | while read -r sha path; do
          "${G[@]}" cat-file -e "$sha" 2>/dev/null || echo "$sha $path"
        done)
    [ ${#excludes[@]} -gt 0 ] && echo "   (${#excludes[@]} files absent from $WANDB_REPO, left out)"
    mkdir -p "$CHECKOUT"
    # (git archive still complains about absent blobs outside the exported paths; tar fails if the stream breaks)
    "${G[@]}" archive "$WANDB_TAG" "${paths[@]}" "${excludes[@]}" 2>/dev/null | tar -x -C "$CHECKOUT"
  fi
fi

# --- 2. venv: released wheel + test requirements ----------------------------------------------
# requirements_test.txt: pytest and its plugins (xdist, timeout, mock, asyncio, ...), fastapi/uvicorn for the
# spy proxy. filelock: tools/local_wandb_server.py. The rest are imported by test_core/test_api files
# (tqdm, PIL, pyarrow, polars for history exports, tensorboard for `wandb sync` of tfevents, moviepy, ...).
# torch is left out on purpose (large); test_torch_full.py then skips.
EXTRA_PACKAGES=("click!=8.4.0,!=8.4.1,!=8.4.2" filelock tqdm pillow pyarrow polars tensorboard "moviepy~=1.0" soundfile bokeh)
STAMP="$VENV/.cairn-upstream-$( (echo "$WANDB_VERSION ${EXTRA_PACKAGES[*]}"; cat "$CHECKOUT/requirements/requirements_test.txt") | sha1sum | cut -c1-12)"
if [ ! -f "$STAMP" ]; then
  echo "== creating $VENV (wandb==$WANDB_VERSION + test requirements)"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "wandb==$WANDB_VERSION" \
    -r "$CHECKOUT/requirements/requirements_test.txt" "${EXTRA_PACKAGES[@]}"
  touch "$STAMP"
fi
# A suite's extra packages go on top of the shared venv, so switching suites never rebuilds it.
if [ ${#SUITE_PACKAGES[@]} -gt 0 ]; then
  SUITE_STAMP="$VENV/.cairn-upstream-$SUITE-$(echo "${SUITE_PACKAGES[*]}" | sha1sum | cut -c1-12)"
  if [ ! -f "$SUITE_STAMP" ]; then
    echo "== installing packages for suite $SUITE: ${SUITE_PACKAGES[*]}"
    "$VENV/bin/pip" install -q --disable-pip-version-check "${SUITE_PACKAGES[@]}"
    touch "$SUITE_STAMP"
  fi
fi
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir -p "$CHECKOUT/wandb/bin"
for f in "$SITE"/wandb/bin/*; do ln -sfn "$f" "$CHECKOUT/wandb/bin/$(basename "$f")"; done

# --- 3. Cairn server with the fixture service -------------------------------------------------
echo "== building Cairn"
npx tsc -b packages/server
DATA=$(mktemp -d "${TMPDIR:-/tmp}/cairn-upstream.XXXXXX")
# W&B's test server has one extra storage region, "minio-local" (test_storage_policy_storage_region uses it;
# test_storage_policy_storage_region_not_available expects any other name refused).
CAIRN_ARTIFACT_STORAGE_REGIONS=${CAIRN_ARTIFACT_STORAGE_REGIONS:-default,minio-local} \
node packages/server/bin/cairn.js serve --port "$PORT" --test-fixtures-port "$FIXTURES_PORT" --data-dir "$DATA" \
  >"$RESULTS/server.log" 2>&1 &
SERVER_PID=$!
cleanup() {
  (cd "$CHECKOUT" && "$VENV/bin/python" tools/local_wandb_server.py stop >/dev/null 2>&1) || true
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
# Fail fast (rather than testing someone else's server) if ours exits, e.g. because a port is taken.
for _ in $(seq 60); do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "Cairn exited; see $RESULTS/server.log:" >&2; tail -n 20 "$RESULTS/server.log" >&2; exit 1; }
  curl -sf "http://localhost:$PORT/ready" >/dev/null && curl -sf "http://localhost:$FIXTURES_PORT/health" >/dev/null && break
  sleep 1
done

cd "$CHECKOUT"
# The tests call `python tools/local_wandb_server.py connect` and the `wandb` CLI by name.
export PATH="$VENV/bin:$PATH"
# The tests find the server through one registration file in the checkout (tools/local_wandb_server.state):
# one run per checkout at a time; a second one waits here.
exec 9>"$CHECKOUT/.cairn-upstream.lock"
flock -n 9 || { echo "== another run is using $CHECKOUT: waiting for it"; flock 9; }
# Forget a registration left over from an interrupted run, then register this server.
"$VENV/bin/python" tools/local_wandb_server.py stop >/dev/null 2>&1 || true
"$VENV/bin/python" tools/local_wandb_server.py start \
  --hostname localhost --base-port "$PORT" --fixture-port "$FIXTURES_PORT"

# --- 4. pytest ---------------------------------------------------------------------------------
targets=("$@")
# Only options (e.g. `-k alias`): run them over the suite's targets.
has_path=0
for a in "${targets[@]}"; do [ -e "${a%%::*}" ] && has_path=1; done
[ $has_path -eq 0 ] && targets=("${SUITE_TARGETS[@]}" "${targets[@]}")
echo "== pytest ${targets[*]}"
set +e
rm -f "$RESULTS/junit.xml"  # never tabulate an earlier run's results
"$VENV/bin/python" -m pytest "${targets[@]}" -n "$WORKERS" -p no:cacheprovider --timeout "$TIMEOUT" \
  -o addopts= -q -rfEs --junitxml="$RESULTS/junit.xml" >"$RESULTS/pytest.log" 2>&1
PYTEST_RC=$?
set -e
tail -n 3 "$RESULTS/pytest.log"
[ -f "$RESULTS/junit.xml" ] || { echo "pytest wrote no results (exit $PYTEST_RC); see $RESULTS/pytest.log" >&2; exit "$PYTEST_RC"; }

# --- 5. per-file table -------------------------------------------------------------------------
"$VENV/bin/python" - "$RESULTS/junit.xml" <<'EOF' | tee "$RESULTS/table.md"
import collections, sys, xml.etree.ElementTree as ET
counts = collections.defaultdict(collections.Counter)
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    path = case.get("classname", "").split(".")
    # classname is module[.Class]; keep the module path
    mod = [p for p in path if not p[:1].isupper()]
    name = "/".join(mod[2:]) + ".py" if len(mod) > 2 else ".".join(path)
    kinds = {c.tag for c in case}
    kind = "errors" if "error" in kinds else "failed" if "failure" in kinds else "skipped" if "skipped" in kinds else "passed"
    counts[name][kind] += 1
print("| file | passed | failed | skipped | errors |")
print("|---|---:|---:|---:|---:|")
total = collections.Counter()
for name in sorted(counts):
    c = counts[name]; total.update(c)
    print(f"| {name} | {c['passed']} | {c['failed']} | {c['skipped']} | {c['errors']} |")
print(f"| **total** | {total['passed']} | {total['failed']} | {total['skipped']} | {total['errors']} |")
EOF
echo "junit: $RESULTS/junit.xml  log: $RESULTS/pytest.log  server log: $RESULTS/server.log"
exit $PYTEST_RC
}
