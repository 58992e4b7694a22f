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

# 1. npm dependencies (node_modules/.bin/node is Node 24 from the `node` package), installed by
#    npm running on that same Node 24, so the engines check passes and install scripts run on it.
#    When node_modules/.bin/node is missing (first start), the pinned `node` package is first put
#    in a cache directory. npm's output goes to .syncline/npm-ci.log; its errors are shown.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ "$(cat node_modules/.syncline-lock-hash 2>/dev/null || true)" != "$lock_hash" ]; then
  mkdir -p .syncline
  npm_log=$PWD/.syncline/npm-ci.log
  : > "$npm_log"
  node_version=$(sed -n '/"node_modules\/node": {/,/}/s/.*"version": "\([^"]*\)".*/\1/p' package-lock.json | head -1)
  # npm ci removes node_modules (and the Node in it) first: npm runs on a copy kept in a cache.
  node_bin=${XDG_CACHE_HOME:-$HOME/.cache}/syncline/node-$node_version/bin
  if [ ! -x "$node_bin/node" ]; then
    mkdir -p "$node_bin"
    if [ "$(node_modules/.bin/node --version 2>/dev/null || true)" = "v$node_version" ]; then
      cp -L node_modules/.bin/node "$node_bin/node"
    else
      log "fetching Node $node_version for npm (the \`node\` package, into $node_bin; log: $npm_log)"
      fetch=$(mktemp -d)
      printf '{ "private": true, "allowScripts": { "node": true } }\n' > "$fetch/package.json"
      (cd "$fetch" && npm install --no-save --no-audit --no-fund "node@$node_version") >> "$npm_log" 2>&1 ||
        { tail -n 30 "$npm_log" >&2; log "failed; full log: $npm_log"; exit 1; }
      cp -L "$fetch/node_modules/.bin/node" "$node_bin/node.partial" && mv "$node_bin/node.partial" "$node_bin/node"
      rm -rf "$fetch"
    fi
  fi
  log "installing npm dependencies with Node $node_version (npm ci; log: $npm_log)"
  started=$SECONDS
  if ! PATH="$node_bin:$PATH" npm ci --no-audit --no-fund >> "$npm_log" 2>&1; then
    grep -E 'npm (error|ERR!)' "$npm_log" | tail -n 30 >&2 || tail -n 30 "$npm_log" >&2
    log "npm ci failed; full log: $npm_log"
    exit 1
  fi
  echo "$lock_hash" > node_modules/.syncline-lock-hash
  log "npm dependencies installed in $((SECONDS - started)) s ($(grep -c 'npm warn' "$npm_log" || true) npm warnings in the log)"
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
