#!/usr/bin/env bash
# Runs every Syncline test on a fresh machine: installs what is missing (npm dependencies with
# Node 24, PostgreSQL, nats-server; protoc, grpcio and Go for the client-generation tests in
# test/clients), starts it, then runs `npm test` (lint and layering rules, type check, vitest).
set -euo pipefail
cd "$(dirname "$0")/.."
infra=$(bash deploy/local/ensure-infra.sh) || exit 1
eval "$infra"
bash deploy/local/ensure-clients.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec npm test
