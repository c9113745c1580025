#!/usr/bin/env bash
# Start a private PostgreSQL cluster for the integration tests and print its SQLAlchemy URL.
#
#   export CLAIMBOT_TEST_PG_URL="$(bash scripts/start_test_postgres.sh)"
#   .venv/bin/python -m pytest tests/integration/test_ticket_store_postgres.py -q
#
# Runs as root (installs Debian's postgresql if missing); the cluster lives in /tmp, listens on
# 127.0.0.1 only, trusts local connections and is left running. Stop it with:
#   su postgres -c "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl -D /tmp/claimbot-pg/data stop"
set -euo pipefail

PORT="${CLAIMBOT_TEST_PG_PORT:-55432}"
BASE="${CLAIMBOT_TEST_PG_DIR:-/tmp/claimbot-pg}"
DB=claimbot_test

log() { echo "[start_test_postgres] $*" >&2; }

if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    log "installing postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { su postgres -s /bin/bash -c "$*"; }

mkdir -p "$BASE"
chown postgres: "$BASE"
if [ ! -s "$BASE/data/PG_VERSION" ]; then
    log "initdb in $BASE/data"
    as_pg "'$BIN/initdb' -D '$BASE/data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >&2
fi
if ! as_pg "'$BIN/pg_ctl' -D '$BASE/data' status" >/dev/null 2>&1; then
    log "starting on 127.0.0.1:$PORT"
    as_pg "'$BIN/pg_ctl' -D '$BASE/data' -l '$BASE/server.log' -w -t 60 \
        -o \"-p $PORT -k '$BASE' -c listen_addresses=127.0.0.1 -c fsync=off\" start" >&2
fi
if ! as_pg "'$BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='$DB'\"" \
        | grep -q 1; then
    as_pg "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U postgres $DB" >&2
fi
echo "postgresql+psycopg2://postgres@127.0.0.1:$PORT/$DB"
