#!/bin/sh
# Runs once, when the compose PostgreSQL starts on an empty volume: one role and one database per
# service (secrets, connections, sync-orchestrator), each owned by its role, none readable by others.
# Passwords come from the environment (<SERVICE>_DB_PASSWORD, see .env.example).
set -eu
for service in SECRETS CONNECTIONS ORCHESTRATOR; do
  name="syncline_$(echo "$service" | tr 'A-Z' 'a-z')"
  eval "password=\${${service}_DB_PASSWORD:?${service}_DB_PASSWORD is not set}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v name="$name" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
