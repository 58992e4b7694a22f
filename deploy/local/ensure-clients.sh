#!/usr/bin/env bash
# Makes sure what the client-generation tests (test/clients/) need is installed: protoc with its
# Python generators, grpcio's Python plugin and runtime for the system Python (/usr/bin/python3),
# and Go with protoc-gen-go, protoc-gen-go-grpc and the Go protobuf/gRPC sources (GOPATH mode,
# offline). Debian packages, installed only when missing. Idempotent; logs go to stderr.
set -euo pipefail
log() { printf '[ensure-clients] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(
  protobuf-compiler         # protoc and its built-in python/pyi generators
  protobuf-compiler-grpc    # grpc_python_plugin
  python3-grpcio
  python3-protobuf
  golang-go
  protoc-gen-go
  protoc-gen-go-grpc
  golang-google-protobuf-dev
  golang-google-grpc-dev    # brings golang-google-genproto-dev (google.rpc status, errdetails)
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >&2
fi
