#!/bin/sh
# Runs once, on an empty data volume (docker-entrypoint-initdb.d). Temporal's auto-setup creates its
# own databases (temporal, temporal_visibility); Dagster's storage gets its own database and user.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v pw="$DAGSTER_PG_PASSWORD" <<'SQL'
CREATE USER dagster WITH PASSWORD :'pw';
CREATE DATABASE dagster OWNER dagster;
SQL
