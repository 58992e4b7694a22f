#!/bin/sh
# Entrypoint of the Syncline image: maps a service name to its main module and execs node, so the
# service is the direct child of tini and receives SIGTERM itself (graceful drain).
#   syncline secrets | connections | sync-orchestrator | connector-worker   start that service
#   syncline health NAME=HOST:PORT...                                     grpc.health.v1 check (exit 0 = SERVING)
# SYNCLINE_APP_DIR: where the application lives (/app in the image; tests point it at a checkout).
set -eu
cd "${SYNCLINE_APP_DIR:-/app}"
service=${1:-}
if [ $# -gt 0 ]; then shift; fi
case "$service" in
  secrets | connections | sync-orchestrator | connector-worker)
    exec node "services/$service/src/main.ts" "$@" ;;
  health)
    exec node deploy/local/health-check.ts "$@" ;;
  *)
    echo "usage: syncline secrets|connections|sync-orchestrator|connector-worker" >&2
    echo "       syncline health NAME=HOST:PORT..." >&2
    [ "$service" = "--help" ] && exit 0
    exit 64 ;;
esac
