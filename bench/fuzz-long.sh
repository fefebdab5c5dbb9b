#!/usr/bin/env bash
# The property-based fuzz suites (packages/server/src/http/*.fuzz.test.ts) and the bad-input corpus, with
# many more cases than CI runs. Usage: bench/fuzz-long.sh [runs-per-property]   (default 5000)
# A failure prints fast-check's seed and counterexample: add it to packages/server/src/http/__corpus__/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CAIRN_FUZZ_RUNS="${1:-5000}"
echo "fuzzing with CAIRN_FUZZ_RUNS=$CAIRN_FUZZ_RUNS per property"
exec npx vitest run --testTimeout=0 --hookTimeout=0 src/http/file-stream.fuzz src/http/graphql.fuzz src/http/storage-urls.fuzz src/http/corpus
