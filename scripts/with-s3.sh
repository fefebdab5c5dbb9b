#!/usr/bin/env bash
# Runs a command against a throwaway S3-compatible server:
#   bash scripts/with-s3.sh npx vitest run packages/server/src/blob
# The server is versitygw (Apache-2.0, a real S3 gateway; its posix backend stores objects as files), built
# once with `go install` into a cache outside the repository (CAIRN_TOOLS_DIR, default ~/.cache/cairn-tools:
# a fresh clone on the same machine reuses it). It starts on a free loopback port with a temp data dir, gets
# one bucket, and the command sees
#   CAIRN_TEST_S3_ENDPOINT, CAIRN_TEST_S3_BUCKET, CAIRN_TEST_S3_REGION,
#   CAIRN_TEST_S3_ACCESS_KEY_ID, CAIRN_TEST_S3_SECRET_ACCESS_KEY.
# The server and its data are removed whatever happens. Exits with the command's status.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

VGW_VERSION=v1.8.0
TOOLS=${CAIRN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cairn-tools}
VGW_DIR="$TOOLS/versitygw-$VGW_VERSION"
VGW="$VGW_DIR/versitygw"
if [ ! -x "$VGW" ]; then
  command -v go >/dev/null || { echo "with-s3: go not found, cannot build versitygw" >&2; exit 1; }
  echo "with-s3: building versitygw $VGW_VERSION into $VGW_DIR (once; a few minutes)" >&2
  mkdir -p "$VGW_DIR"
  # Built into a temp dir and moved: an interrupted build never leaves a half-written binary behind.
  build=$(mktemp -d "$VGW_DIR/build.XXXXXX")
  GOBIN="$build" GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@$VGW_VERSION" >&2 \
    || { rm -rf "$build"; echo "with-s3: building versitygw failed" >&2; exit 1; }
  mv "$build/versitygw" "$VGW"
  rm -rf "$build"
fi

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

dir=$(mktemp -d /tmp/cairn-s3.XXXXXX)
mkdir -p "$dir/data" "$dir/meta"
port=$(free_port)
access=cairn-test
secret=$(node -e 'console.log(require("crypto").randomBytes(20).toString("hex"))')
bucket=cairn-test
region=us-east-1

server=
cleanup() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# Metadata in a sidecar dir: /tmp may not support the extended attributes versitygw uses by default.
ROOT_ACCESS_KEY_ID=$access ROOT_SECRET_ACCESS_KEY=$secret \
  "$VGW" --port "127.0.0.1:$port" --region "$region" --keep-alive --quiet --health /health \
  posix --sidecar "$dir/meta" "$dir/data" >"$dir/server.log" 2>&1 &
server=$!

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$dir/server.log" >&2; echo "with-s3: versitygw exited" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/health" || { cat "$dir/server.log" >&2; echo "with-s3: versitygw did not come up" >&2; exit 1; }

export CAIRN_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export CAIRN_TEST_S3_BUCKET=$bucket CAIRN_TEST_S3_REGION=$region
export CAIRN_TEST_S3_ACCESS_KEY_ID=$access CAIRN_TEST_S3_SECRET_ACCESS_KEY=$secret

# The bucket, made through the S3 API with the SDK the server already depends on (resolved from the repo root).
(cd "$ROOT" && AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true node -e '
const { S3Client, CreateBucketCommand } = require("@aws-sdk/client-s3");
const e = process.env;
const s3 = new S3Client({ endpoint: e.CAIRN_TEST_S3_ENDPOINT, region: e.CAIRN_TEST_S3_REGION, forcePathStyle: true,
  credentials: { accessKeyId: e.CAIRN_TEST_S3_ACCESS_KEY_ID, secretAccessKey: e.CAIRN_TEST_S3_SECRET_ACCESS_KEY } });
s3.send(new CreateBucketCommand({ Bucket: e.CAIRN_TEST_S3_BUCKET })).then(() => s3.destroy(), (err) => { console.error(err); process.exit(1); });
') || { cat "$dir/server.log" >&2; echo "with-s3: creating the bucket failed" >&2; exit 1; }

echo "with-s3: versitygw $VGW_VERSION on 127.0.0.1:$port, bucket $bucket" >&2
# In the background so a TERM/INT (e.g. from `timeout`) is handled at once, not after the command ends.
set +e
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' INT TERM
wait "$child"
status=$?
exit "$status"
