#!/usr/bin/env bash
# Makes sure what Syncline's tests and local run need is installed and running on this machine:
# the project's npm dependencies (with Node 24 LTS from the npm registry), PostgreSQL and
# nats-server (Debian packages when absent). Idempotent; safe to run before every test run.
# Prints `export SYNCLINE_TEST_DATABASE_URL=...` lines on stdout for the caller to eval; logs go to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[ensure-infra] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

# 1. npm dependencies (node_modules/.bin/node is Node 24 from the `node` package).
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ "$(cat node_modules/.syncline-lock-hash 2>/dev/null || true)" != "$lock_hash" ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
  echo "$lock_hash" > node_modules/.syncline-lock-hash
fi

# 2. nats-server with JetStream (tests start their own on random ports; the binary must exist).
if ! command -v nats-server >/dev/null 2>&1; then
  log "installing nats-server"
  apt_install nats-server
fi
if [ -z "${SYNCLINE_SKIP_LOCAL_NATS:-}" ] && ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  log "starting nats-server -js on 127.0.0.1:4222"
  mkdir -p /var/lib/nats-server 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log >&2 \
    || (nohup nats-server -a 127.0.0.1 -p 4222 -js -sd "${TMPDIR:-/tmp}/syncline-nats" >/dev/null 2>&1 &)
fi

# 3. PostgreSQL on 127.0.0.1:5432 (not needed by the local run, which embeds PGlite).
if [ -n "${SYNCLINE_SKIP_POSTGRES:-}" ]; then exit 0; fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing postgresql"
  apt_install postgresql
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  log "creating PostgreSQL $version cluster"
  as_root pg_createcluster "$version" main >&2
fi
cluster=$(pg_lsclusters -h | head -1)
read -r pg_version pg_name pg_port pg_status _ <<<"$cluster"
if [ "$pg_status" != "online" ]; then
  log "starting PostgreSQL $pg_version/$pg_name"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_name" start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$pg_port" && break
  sleep 1
done

url="postgres://postgres@127.0.0.1:${pg_port}/postgres"
if ! psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
  # Fresh Debian clusters ask for a password over TCP: give the postgres role one for the tests.
  log "setting a password for the postgres role (local test cluster)"
  as_root su postgres -c "psql -p $pg_port -qc \"alter role postgres password 'syncline'\"" >&2
  url="postgres://postgres:syncline@127.0.0.1:${pg_port}/postgres"
  psql "$url" -Atqc 'select 1' >/dev/null
fi
echo "export SYNCLINE_TEST_DATABASE_URL='$url'"
