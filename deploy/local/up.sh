#!/usr/bin/env bash
# Starts the whole Syncline system on this machine with embedded defaults:
#   - npm dependencies (with Node 24) when missing, nats-server (Debian package) when missing;
#   - a local `nats-server -js` on 127.0.0.1:4222 unless one already listens there;
#   - an embedded PGlite database per service under .syncline/data (unless SYNCLINE_*_DATABASE_URL is set);
#   - the four services: secrets :50051, connections :50052, sync-orchestrator :50053, connector-worker :50054,
#     each with its own credential (.syncline/credentials.env), and an organisation admin `local-admin`
#     whose token is SYNCLINE_TOKEN in .syncline/local.env.
# With --nats-cluster (or SYNCLINE_NATS_CLUSTER=1), a 3-node JetStream cluster on loopback
# (deploy/local/nats-cluster.sh: ports 4322-4324, state in .syncline/nats-cluster) replaces the single
# nats-server, and the services get the three URLs and streams with three replicas.
# Says what it does while the services start, then stays in the foreground; Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
state=$root/.syncline
for arg in "$@"; do
  case $arg in
    --nats-cluster) export SYNCLINE_NATS_CLUSTER=1 ;;
    *) echo "usage: bash deploy/local/up.sh [--nats-cluster]" >&2; exit 2 ;;
  esac
done
mkdir -p "$state/data" "$state/logs"
export SYNCLINE_SKIP_POSTGRES=1
# The cluster brings its own nodes: ensure-infra only installs nats-server then.
[ -n "${SYNCLINE_NATS_CLUSTER:-}" ] && export SYNCLINE_SKIP_LOCAL_NATS=1
infra=$(bash deploy/local/ensure-infra.sh) || exit 1
eval "$infra"
export PATH="$root/node_modules/.bin:$PATH"

# Keys for this machine, made once and kept so the embedded data stays readable.
if [ ! -f "$state/local.env" ]; then
  umask 077
  {
    echo "SYNCLINE_SECRETS_ROOT_KEY=$(openssl rand -hex 32)"
    echo "SYNCLINE_CONNECTIONS_ROOT_KEY=$(openssl rand -hex 32)"
    echo "SYNCLINE_CONNECTIONS_FINGERPRINT_KEY=$(openssl rand -hex 32)"
    echo "SYNCLINE_ORCHESTRATOR_ROOT_KEY=$(openssl rand -hex 32)"
  } > "$state/local.env"
fi
# A local.env from before envelope encryption: give it a root key (data sealed under the old
# SYNCLINE_SECRETS_ENCRYPTION_KEY is not readable by this version; remove .syncline/data/secrets).
if ! grep -q '^SYNCLINE_SECRETS_ROOT_KEY=' "$state/local.env"; then
  echo "SYNCLINE_SECRETS_ROOT_KEY=$(openssl rand -hex 32)" >> "$state/local.env"
fi
# A local.env from before connections' envelope encryption: the old key becomes the root key (its
# rows still open; rotate-root-key re-seals them) and the fingerprint key (fingerprints unchanged).
if ! grep -q '^SYNCLINE_CONNECTIONS_ROOT_KEY=' "$state/local.env"; then
  old=$(sed -n 's/^SYNCLINE_CONNECTIONS_ENCRYPTION_KEY=//p' "$state/local.env")
  old=${old:-$(openssl rand -hex 32)}
  echo "SYNCLINE_CONNECTIONS_ROOT_KEY=$old" >> "$state/local.env"
  echo "SYNCLINE_CONNECTIONS_FINGERPRINT_KEY=$old" >> "$state/local.env"
fi
# The orchestrator's root key (webhook URLs and signing secrets), added to a local.env made before it.
if ! grep -q '^SYNCLINE_ORCHESTRATOR_ROOT_KEY=' "$state/local.env"; then
  echo "SYNCLINE_ORCHESTRATOR_ROOT_KEY=$(openssl rand -hex 32)" >> "$state/local.env"
fi
# The retired shared tokens (replaced by identities and per-service credentials) would stop start-up.
sed -i '/^SYNCLINE_ADMIN_TOKEN=/d; /^SYNCLINE_INTERNAL_TOKEN=/d' "$state/local.env"
# Service credentials, made once: the bootstrap token (secrets only) and one token per calling
# service. Kept apart from local.env (which is for people and the syncline CLI) and never exported to all.
if [ ! -f "$state/credentials.env" ]; then
  (
    umask 077
    for name in BOOTSTRAP CONNECTIONS ORCHESTRATOR WORKER; do echo "${name}_TOKEN=$(openssl rand -hex 32)"; done
  ) > "$state/credentials.env"
fi
# shellcheck disable=SC1091
. "$state/credentials.env"
echo "preparing keys and service credentials (.syncline/local.env, .syncline/credentials.env)"
digest() { printf %s "$1" | node packages/rpc/src/service-token-digest-cli.ts -; }
worker_digest="connector-worker=$(digest "$WORKER_TOKEN")"
orchestrator_digest="sync-orchestrator=$(digest "$ORCHESTRATOR_TOKEN")"
connections_digest="connections=$(digest "$CONNECTIONS_TOKEN")"
# Run grants (docs/least-privilege.md): the orchestrator signs with an Ed25519 private key, secrets
# and connections verify with its public key. Both are kept on one line each (base64).
if ! grep -q '^SYNCLINE_RUN_GRANT_SIGNING_KEY=' "$state/local.env"; then
  pem=$(openssl genpkey -algorithm ed25519)
  {
    echo "SYNCLINE_RUN_GRANT_SIGNING_KEY=$(printf '%s\n' "$pem" | base64 | tr -d '\n')"
    echo "SYNCLINE_RUN_GRANT_PUBLIC_KEYS=$(printf '%s\n' "$pem" | openssl pkey -pubout -outform DER | base64 | tr -d '\n')"
  } >> "$state/local.env"
  unset pem
fi
set -a
# shellcheck disable=SC1091
. "$state/local.env"
set +a
export SYNCLINE_SECRETS_DATA_DIR=${SYNCLINE_SECRETS_DATA_DIR:-$state/data/secrets}
export SYNCLINE_CONNECTIONS_DATA_DIR=${SYNCLINE_CONNECTIONS_DATA_DIR:-$state/data/connections}
export SYNCLINE_ORCHESTRATOR_DATA_DIR=${SYNCLINE_ORCHESTRATOR_DATA_DIR:-$state/data/orchestrator}
# Local fakes (test/fakes/*/serve.ts) listen on loopback, which connectors refuse unless allowlisted.
export SYNCLINE_ENDPOINT_ALLOWLIST=${SYNCLINE_ENDPOINT_ALLOWLIST:-127.0.0.0/8,::1}

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "stopping Syncline..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

if [ -n "${SYNCLINE_NATS_CLUSTER:-}" ]; then
  echo "starting a 3-node NATS JetStream cluster (logs: $state/nats-cluster)"
  bash deploy/local/nats-cluster.sh "$state/nats-cluster" > "$state/logs/nats-cluster.log" 2>&1 &
  pids+=($!)
  deadline=$((SECONDS + 90))
  until grep -q '^ready ' "$state/logs/nats-cluster.log" || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.2; done
  grep -q '^ready ' "$state/logs/nats-cluster.log" ||
    { cat "$state/logs/nats-cluster.log" >&2; echo "the NATS cluster did not start" >&2; exit 1; }
  SYNCLINE_NATS_URL=$(sed -n 's/^ready //p' "$state/logs/nats-cluster.log")
  export SYNCLINE_NATS_URL SYNCLINE_NATS_REPLICAS=3
  echo "NATS cluster ready: $SYNCLINE_NATS_URL (streams with 3 replicas)"
else
  export SYNCLINE_NATS_URL=${SYNCLINE_NATS_URL:-nats://127.0.0.1:4222}
  if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
    nats-server -c deploy/local/nats-server.conf > "$state/logs/nats-server.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 0.1; done
  fi
fi

declare -A service_pid
start() { # name, then VARIABLE=value pairs for that process only
  local name=$1
  shift
  env "$@" node "services/$name/src/main.ts" >> "$state/logs/$name.log" 2>&1 &
  pids+=($!)
  service_pid[$name]=$!
}
# Each server accepts only the services that call it (SYNCLINE_PEER_SERVICE_DIGESTS).
start secrets SYNCLINE_BOOTSTRAP_TOKEN="$BOOTSTRAP_TOKEN" \
  SYNCLINE_PEER_SERVICE_DIGESTS="$connections_digest,$orchestrator_digest,$worker_digest"
start connections SYNCLINE_SERVICE_TOKEN="$CONNECTIONS_TOKEN" \
  SYNCLINE_PEER_SERVICE_DIGESTS="$orchestrator_digest,$worker_digest"
start sync-orchestrator SYNCLINE_SERVICE_TOKEN="$ORCHESTRATOR_TOKEN" SYNCLINE_PEER_SERVICE_DIGESTS="$worker_digest"
start connector-worker SYNCLINE_SERVICE_TOKEN="$WORKER_TOKEN"

# One line per service as it becomes SERVING (or stops: then its log and last lines).
checks=(secrets=127.0.0.1:50051 connections=127.0.0.1:50052 sync-orchestrator=127.0.0.1:50053 connector-worker=127.0.0.1:50054)
for i in "${!checks[@]}"; do checks[$i]="${checks[$i]}=${service_pid[${checks[$i]%%=*}]}"; done
node deploy/local/await-services.ts "$state/logs" "${checks[@]}" ||
  { echo "Syncline did not start; logs are in $state/logs" >&2; exit 1; }
# The organisation admin `local-admin` and its token (SYNCLINE_TOKEN in local.env, what the syncline CLI uses);
# a token that no longer works (e.g. the data was removed) is replaced.
issued=$(SYNCLINE_BOOTSTRAP_TOKEN="$BOOTSTRAP_TOKEN" SYNCLINE_TOKEN="${SYNCLINE_TOKEN:-}" node deploy/local/bootstrap-admin.ts)
if [ -n "$issued" ]; then
  sed -i '/^SYNCLINE_TOKEN=/d' "$state/local.env"
  echo "$issued" >> "$state/local.env"
fi
cat <<MSG

Syncline is running. Logs: $state/logs. Your token (identity local-admin) and keys: $state/local.env
Try it:  export PATH=$root/node_modules/.bin:\$PATH; set -a; . $state/local.env; set +a
         syncline whoami
         syncline projects list
Press Ctrl-C to stop.
MSG
wait
