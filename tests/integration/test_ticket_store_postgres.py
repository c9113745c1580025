"""The ticket store's unit tests, re-run on PostgreSQL.

Needs CLAIMBOT_TEST_PG_URL (scripts/start_test_postgres.sh starts a private server and prints
it). Each test gets an empty `public` schema, so the store migrates from scratch every time.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from tests.unit.test_ticket_store import (  # noqa: F401 - collected here with the PostgreSQL fixture
    store,
    test_callbacks,
    test_concurrent_creates_give_one_ticket,
    test_concurrent_creates_of_different_calls_get_distinct_numbers,
    test_create_ticket_stores_items_and_numbers_it,
    test_list_filters_by_status_newest_first,
    test_migrations_match_models_and_are_repeatable,
    test_naive_datetimes_are_refused,
    test_number_uses_the_shanghai_date,
    test_second_create_returns_the_same_ticket,
    test_set_status_verified_records_who_and_when,
    test_update_items_records_reviewer_and_clears_flag,
)

PG_URL = os.environ.get("CLAIMBOT_TEST_PG_URL", "")

pytestmark = pytest.mark.skipif(
    not PG_URL,
    reason="CLAIMBOT_TEST_PG_URL not set; run `export CLAIMBOT_TEST_PG_URL=$(bash scripts/start_test_postgres.sh)`",
)


@pytest.fixture
def store_url() -> str:
    engine = create_engine(PG_URL, future=True)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return PG_URL


def test_server_is_postgresql(store_url: str) -> None:
    engine = create_engine(store_url, future=True)
    with engine.connect() as connection:
        assert connection.dialect.name == "postgresql"
        assert connection.execute(text("SHOW server_encoding")).scalar_one() == "UTF8"
    engine.dispose()
