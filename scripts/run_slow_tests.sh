#!/usr/bin/env bash
# Conversation tests through the real servers, the scenario evaluations, `rasa test` stories and the
# PostgreSQL store tests. Starts the private PostgreSQL server the store tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONWARNINGS=ignore
if pg_url=$(bash scripts/start_test_postgres.sh 2>/dev/null); then
  export CLAIMBOT_TEST_PG_URL="$pg_url"
else
  echo "PostgreSQL could not be started: its store tests will be skipped" >&2
fi
.venv/bin/python -m pytest tests/integration -q -p no:cacheprovider "$@"
