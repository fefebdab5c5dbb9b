#!/usr/bin/env bash
# Every test, from a fresh clone: install, build, architecture check, unit + conformance tests (with a
# throwaway PostgreSQL, so the PostgreSQL backends always run), then the e2e suite once per pinned wandb SDK, once
# more in scale-out mode (two processes on PostgreSQL + S3 behind nginx, newest SDK), then the web UI suite (e2e/ui:
# real server + SDK + headless Chromium).
# Runs every stage even when one fails, so the summary is complete; its last line is
#   N passed, N failed[, N skipped]
# A stage that fails without test results (build, lint, setup, crash) counts as one failure. Exit status is
# non-zero when anything failed or when no test ran at all.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# A hung test must not hang CI: each test stage is killed after this many seconds (and counts as failed).
STAGE_TIMEOUT=${CAIRN_TEST_STAGE_TIMEOUT:-2400}

results=$(mktemp -d /tmp/cairn-test-results.XXXXXX)
trap 'rm -rf "$results"' EXIT

passed=0 failed=0 skipped=0
stage_report=()

note() { printf '\n==> %s\n' "$*"; }
stage_failed() {
  failed=$((failed + 1))
  stage_report+=("FAILED  $1")
  echo "!! stage failed: $1" >&2
}
stage_ok() { stage_report+=("ok      $1"); }
# A line under the stage report saying why a stage failed (the summary is what a CI log shows first).
stage_detail() { stage_report+=("        ${1:0:300}"); }
# The first lines of vitest's "Unhandled Errors" section of log $1, as stage details.
unhandled_errors() {
  # From the first error's own header ("Unhandled Rejection", "Unhandled Error"), without the code frames.
  sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '/Unhandled (Error|Rejection)([^s]|$)/{on=1} on && NF && !/^ *([0-9]+)? *\|/' | head -10 \
    >"$results/unhandled.txt"
  while IFS= read -r line; do stage_detail "$line"; done <"$results/unhandled.txt"
}
# Adds "passed failed skipped" (one line, $2) to the totals and reports stage $1 with them.
add_counts() {
  local p f s
  read -r p f s <<<"$2"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  stage_report+=("$( [ "$f" -eq 0 ] && echo 'ok    ' || echo 'FAILED')  $1: $p passed, $f failed, $s skipped")
}
# Reports vitest stage $1 from its JSON report $2, log $3 and exit status $4. A file that failed to load, or whose
# hooks failed (beforeAll/afterAll), fails the run even when every test in it passed: one failure each, with its
# message under the summary. With --backends ($5), a run where no PostgreSQL or no S3 conformance test ran fails too.
vitest_report() {
  local stage=$1 json=$2 log=$3 rc=$4 backends=${5:-} counts f
  if [ ! -s "$json" ]; then
    stage_failed "$stage produced no results (exit $rc)"
    return
  fi
  counts=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const broken = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"));
    for (const f of broken) console.error(`!! ${f.name}: ${(f.message || "failed").split("\n")[0]}`);
    // Failed tests by name, with their first message line: CI shows only the tail of the log.
    const failedTests = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === "failed")
      .map((a) => `x ${f.name.split("/").slice(-1)[0]} > ${a.fullName}: ${String((a.failureMessages || [])[0] || "").split("\n")[0]}`));
    for (const line of failedTests.slice(0, 10)) console.error(line);
    let missing = 0;
    if (process.argv[2] === "--backends") {
      const titles = r.testResults.flatMap((f) => f.assertionResults).flatMap((t) => t.ancestorTitles);
      for (const [re, what] of [[/conformance: postgres/, "PostgreSQL conformance"], [/BlobStore conformance: s3/, "S3 BlobStore conformance"]]) {
        if (!titles.some((a) => re.test(a))) { missing++; console.error(`!! no ${what} test ran`); }
      }
    }
    console.log(r.numPassedTests, r.numFailedTests + broken.length + missing, r.numPendingTests + r.numTodoTests);
  ' "$json" "$backends" 2>"$json.details")
  add_counts "$stage" "$counts"
  while IFS= read -r line; do stage_detail "$line"; done <"$json.details"
  read -r _ f _ <<<"$counts"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    stage_failed "$stage exited $rc"
    # Errors outside any test (unhandled rejections, errors after a test ended) are only in the log.
    unhandled_errors "$log"
  fi
}

# ---- install ----
note "install"
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if npm ci; then stage_ok "npm ci"; else stage_failed "npm ci"; fi
else
  echo "node_modules is up to date"
fi

# ---- build ----
note "build"
if npm run build; then stage_ok "build"; else stage_failed "build"; fi

# ---- architecture ----
note "lint:deps (design.md §2 import rules)"
if npm run lint:deps; then stage_ok "lint:deps"; else stage_failed "lint:deps"; fi

# ---- unit + conformance ----
note "unit and conformance tests (vitest, SQLite + PostgreSQL + fs + S3)"
vitest_json="$results/vitest.json"
vitest_log="$results/vitest.log"
timeout --kill-after=30 "$STAGE_TIMEOUT" bash scripts/with-postgres.sh bash scripts/with-s3.sh \
  npx vitest run --reporter=default --reporter=json --outputFile.json="$vitest_json" 2>&1 | tee "$vitest_log"
vitest_rc=${PIPESTATUS[0]}
vitest_report "vitest" "$vitest_json" "$vitest_log" "$vitest_rc" --backends

# "passed failed skipped" from a pytest junit XML (errors count as failed).
junit_counts() {
  python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
n = f = e = s = 0
for t in suites:
    n += int(t.get("tests", 0)); f += int(t.get("failures", 0)); e += int(t.get("errors", 0)); s += int(t.get("skipped", 0))
print(n - f - e - s, f + e, s)
' "$1"
}
# The failed tests of a pytest junit XML $1 (at most 10), as stage details: CI shows only the tail of the log.
junit_failures() {
  python3 -c '
import sys, xml.etree.ElementTree as ET
out = []
for c in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    for tag in ("failure", "error"):
        el = c.find(tag)
        if el is not None:
            msg = (el.get("message") or "").splitlines()
            out.append("x %s::%s: %s" % (c.get("classname"), c.get("name"), msg[0] if msg else tag))
print("\n".join(out[:10]))
' "$1" >"$1.failures"
  while IFS= read -r line; do [ -n "$line" ] && stage_detail "$line"; done <"$1.failures"
}

# ---- e2e ----
note "e2e SDK environments"
if bash scripts/setup-e2e-venvs.sh; then stage_ok "setup-e2e-venvs"; else stage_failed "setup-e2e-venvs"; fi

newest_sdk=$(grep -v '^#' e2e/sdk-versions.txt | head -1)
for ver in $(grep -v '^#' e2e/sdk-versions.txt); do
  # Older SDKs skip the files about server-side policy and faults (e2e/newest-sdk-only.txt says why).
  only_newest=()
  if [ "$ver" != "$newest_sdk" ]; then
    for f in $(grep -v '^#' e2e/newest-sdk-only.txt); do only_newest+=(--ignore="$f"); done
  fi
  note "e2e with wandb $ver"
  py="$ROOT/.venv-e2e/wandb-$ver/bin/python"
  if [ ! -x "$py" ]; then
    stage_failed "e2e wandb $ver: no venv"
    continue
  fi
  junit="$results/pytest-$ver.xml"
  # Test files run side by side (pytest-xdist, one file per worker at a time: a file's module fixtures stay in one
  # process); most of an e2e test's time is the SDK and server waiting on each other, so 3 workers fit 2 cores.
  (cd e2e && timeout --kill-after=30 "$STAGE_TIMEOUT" "$py" -m pytest -q -p no:cacheprovider \
     -n "${CAIRN_E2E_WORKERS:-3}" --dist loadfile "${only_newest[@]}" --junitxml="$junit")
  rc=$?
  if [ "$rc" -eq 5 ]; then
    stage_failed "e2e wandb $ver: no tests collected"
    continue
  fi
  if [ ! -s "$junit" ]; then
    stage_failed "e2e wandb $ver: pytest produced no results (exit $rc)"
    continue
  fi
  counts=$(junit_counts "$junit")
  add_counts "e2e wandb $ver" "$counts"
  junit_failures "$junit"
  read -r _ f _ <<<"$counts"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then stage_failed "e2e wandb $ver: pytest exited $rc"; fi
done

# ---- e2e: blobs in S3 ----
# The SDK's transfers going straight to the object store (presigned URLs, multipart included), against
# versitygw (scripts/with-s3.sh), with the newest pinned SDK. (The whole suite on S3 is issue 8's CI step.)
note "e2e with blobs in S3 (wandb ${S3_SDK:=0.31.0})"
junit="$results/pytest-s3.xml"
(cd e2e && CAIRN_E2E_BLOB_BACKEND=s3 timeout --kill-after=30 "$STAGE_TIMEOUT" bash ../scripts/with-s3.sh \
  "$ROOT/.venv-e2e/wandb-$S3_SDK/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$junit" test_s3_direct.py test_s3_references.py)
rc=$?
if [ -s "$junit" ]; then
  counts=$(junit_counts "$junit")
  add_counts "e2e S3 wandb $S3_SDK" "$counts"
  junit_failures "$junit"
  read -r _ f s <<<"$counts"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then stage_failed "e2e S3: pytest exited $rc"; fi
  # Skipped here means CAIRN_E2E_BLOB_BACKEND did not reach the tests: not a pass.
  if [ "$s" -gt 0 ]; then stage_failed "e2e S3: $s tests skipped"; fi
else
  stage_failed "e2e S3 produced no results (exit $rc)"
fi

# ---- e2e: scale-out ----
# The whole suite again with every server as two `cairn serve` processes on one PostgreSQL and one S3 bucket behind
# nginx (scripts/with-scaleout.sh, docs/deploy.md), plus test_scaleout.py's cross-process checks; newest SDK only.
note "e2e scale-out: 2 processes + PostgreSQL + S3 + nginx (wandb ${SCALEOUT_SDK:=0.31.0})"
junit="$results/pytest-scaleout.xml"
xdist=()
grep -q '^pytest-xdist' e2e/requirements.txt && xdist=(-n 3)
(cd e2e && timeout --kill-after=30 "$STAGE_TIMEOUT" bash ../scripts/with-scaleout.sh \
  "$ROOT/.venv-e2e/wandb-$SCALEOUT_SDK/bin/python" -m pytest -q -p no:cacheprovider "${xdist[@]}" --junitxml="$junit")
rc=$?
if [ -s "$junit" ]; then
  counts=$(junit_counts "$junit")
  add_counts "e2e scale-out wandb $SCALEOUT_SDK" "$counts"
  junit_failures "$junit"
  read -r _ f _ <<<"$counts"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then stage_failed "e2e scale-out: pytest exited $rc"; fi
  # The scale-out checks skipped means the mode did not reach the tests: not a pass.
  ran=$(python3 -c '
import sys, xml.etree.ElementTree as ET
cases = [c for c in ET.parse(sys.argv[1]).getroot().iter("testcase") if "test_scaleout" in c.get("classname", "")]
print(sum(1 for c in cases if c.find("skipped") is None))' "$junit")
  [ "$ran" -gt 0 ] || stage_failed "e2e scale-out: test_scaleout.py did not run"
else
  stage_failed "e2e scale-out produced no results (exit $rc)"
fi

# ---- e2e: web UI ----
note "e2e web UI (headless Chromium via playwright-core, wandb ${UI_SDK:=0.31.0})"
if [ ! -x /usr/bin/chromium ] && [ -z "${CAIRN_E2E_CHROMIUM:-}" ]; then
  # Debian's Chromium: `npx playwright install` cannot download here.
  apt-get install -y chromium >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null 2>&1)
fi
ui_json="$results/vitest-ui.json"
ui_log="$results/vitest-ui.log"
CAIRN_E2E_PYTHON="$ROOT/.venv-e2e/wandb-$UI_SDK/bin/python" timeout --kill-after=30 "$STAGE_TIMEOUT" \
  npx vitest run --config e2e/ui/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$ui_json" 2>&1 | tee "$ui_log"
ui_rc=${PIPESTATUS[0]}
vitest_report "e2e web UI" "$ui_json" "$ui_log" "$ui_rc"

# ---- summary ----
note "summary"
printf '  %s\n' "${stage_report[@]}"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary+=", $skipped skipped"
echo "$summary"
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
exit 0
