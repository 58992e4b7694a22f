#!/usr/bin/env bash
# Runs a 3-node NATS JetStream cluster on loopback in the foreground, for `up.sh --nats-cluster`:
#   bash deploy/local/nats-cluster.sh <state dir>
# Each node gets its configuration file, routes to the other two and a store directory under
# <state dir> (n1.conf, n1/, ...). Ports (space-separated, three each) come from
# SYNCLINE_NATS_CLUSTER_CLIENT_PORTS (default "4322 4323 4324") and SYNCLINE_NATS_CLUSTER_ROUTE_PORTS
# (default "6322 6323 6324"); node 1 serves monitoring on SYNCLINE_NATS_CLUSTER_HTTP_PORT (8322).
# Prints `ready <url>,<url>,<url>` once a meta leader is elected with all three peers current, then
# waits; TERM, INT or the end of the script stops the three nodes.
set -euo pipefail
state=${1:?usage: nats-cluster.sh <state dir>}
read -r -a client_ports <<<"${SYNCLINE_NATS_CLUSTER_CLIENT_PORTS:-4322 4323 4324}"
read -r -a route_ports <<<"${SYNCLINE_NATS_CLUSTER_ROUTE_PORTS:-6322 6323 6324}"
http_port=${SYNCLINE_NATS_CLUSTER_HTTP_PORT:-8322}
mkdir -p "$state"

routes=""
for port in "${route_ports[@]}"; do routes+="nats-route://127.0.0.1:$port, "; done
urls=""
for port in "${client_ports[@]}"; do urls+="nats://127.0.0.1:$port,"; done
urls=${urls%,}

node_pids=()
stop_nodes() {
  trap - INT TERM EXIT
  for pid in "${node_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_nodes INT TERM EXIT

for i in 0 1 2; do
  name="n$((i + 1))"
  mkdir -p "$state/$name"
  {
    echo "# Written by deploy/local/nats-cluster.sh; node $name of the local cluster."
    echo "server_name: syncline-local-$name"
    echo "listen: 127.0.0.1:${client_ports[$i]}"
    [ "$i" = 0 ] && echo "http: 127.0.0.1:$http_port"
    echo "jetstream { store_dir: \"$state/$name\", max_memory_store: 256MB, max_file_store: 4GB }"
    echo "cluster { name: syncline-local, listen: 127.0.0.1:${route_ports[$i]}, routes: [${routes%, }] }"
  } > "$state/$name.conf"
  nats-server -c "$state/$name.conf" > "$state/$name.log" 2>&1 &
  node_pids+=($!)
done

# Formed: node 1 sees a meta leader and all three peers (nats-server 2.9 refuses JetStream
# requests until then).
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
  jsz=$(curl -sf "http://127.0.0.1:$http_port/jsz" 2>/dev/null || true)
  if printf '%s' "$jsz" | grep -q '"leader": "syncline-local-n' && printf '%s' "$jsz" | grep -q '"cluster_size": 3'; then
    echo "ready $urls"
    wait
    exit 0
  fi
  for pid in "${node_pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then
      echo "a NATS node exited; see $state/n*.log" >&2
      exit 1
    fi
  done
  sleep 0.2
done
echo "the NATS cluster did not elect a leader within 60 s; see $state/n*.log" >&2
exit 1
