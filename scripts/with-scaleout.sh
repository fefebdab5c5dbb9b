#!/usr/bin/env bash
# Runs a command against the scale-out backing services: a throwaway PostgreSQL (scripts/with-postgres.sh) and a
# real S3-compatible store (versitygw, scripts/with-s3.sh), with nginx installed for the load balancer:
#   bash scripts/with-scaleout.sh .venv-e2e/wandb-0.31.0/bin/python -m pytest -q e2e
# The command sees what the e2e harness needs for its scale-out mode (each server = two `cairn serve` processes on
# one database and one S3 prefix, nginx in front on the server's port):
#   CAIRN_E2E_SCALEOUT=1, CAIRN_E2E_DATABASE_URL (a superuser URL: each server creates its database),
#   CAIRN_E2E_BLOB_BACKEND=s3 + the CAIRN_TEST_S3_* settings, CAIRN_E2E_NGINX (the nginx binary).
# Everything started here is stopped and removed whatever happens. Exits with the command's status.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

nginx_bin=$(command -v nginx || true)
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "with-scaleout: nginx not found and not root, cannot install it" >&2; exit 1; }
  echo "with-scaleout: installing nginx" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The package's own service is not used (nor started: no init here); the harness runs nginx with its own config.
  apt-get install -y -qq nginx-light >&2 || { apt-get update -qq >&2 && apt-get install -y -qq nginx-light >&2; } \
    || apt-get install -y -qq nginx >&2
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$nginx_bin" ] || { echo "with-scaleout: nginx install failed" >&2; exit 1; }
fi
export CAIRN_E2E_NGINX=$nginx_bin
command -v psql >/dev/null || { echo "with-scaleout: psql not found (apt-get install postgresql-client)" >&2; exit 1; }

# The inner script runs under both services; it maps their test settings onto the e2e harness's.
exec bash "$ROOT/scripts/with-postgres.sh" bash "$ROOT/scripts/with-s3.sh" bash -c '
  export CAIRN_E2E_SCALEOUT=1 CAIRN_E2E_BLOB_BACKEND=s3 CAIRN_E2E_DATABASE_URL="$CAIRN_TEST_DATABASE_URL"
  echo "with-scaleout: PostgreSQL $CAIRN_E2E_DATABASE_URL, S3 $CAIRN_TEST_S3_ENDPOINT, nginx $CAIRN_E2E_NGINX" >&2
  exec "$@"' with-scaleout "$@"
