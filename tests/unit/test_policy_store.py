from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.store.models import Policy
from bot.store.policy_store import lookup_policy
from bot.store.seed import demo_policies, demo_policy_rows, seed_demo_data
from bot.store.ticket_store import TicketStore

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65}


def checksum_ok(id_number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(id_number[:17], WEIGHTS))
    return "10X98765432"[total % 11] == id_number[17]


@pytest.fixture
def store(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'policies.db'}"
    assert seed_demo_data(url, n=60) == 60
    ticket_store = TicketStore(url)
    yield ticket_store
    ticket_store.close()


def test_demo_policies_are_valid_and_deterministic() -> None:
    rows = demo_policy_rows()
    assert len(rows) == 240
    assert rows == demo_policy_rows()
    assert demo_policy_rows(30) == rows[:30]  # growing n only appends
    ids = [row["insured_id"] for row in rows]
    assert len(set(ids)) == len(ids)
    assert len({row["policy_no"] for row in rows}) == len(rows)
    for row in rows:
        id_number = row["insured_id"]
        assert len(id_number) == 18 and id_number[:17].isdigit() and checksum_ok(id_number)
        assert int(id_number[:2]) in PROVINCES
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        assert date(1940, 1, 1) <= birth <= date(2020, 12, 31)
        assert 2 <= len(row["insured_name"]) <= 3
        assert len(row["holder_phone"]) == 11 and row["holder_phone"].startswith("1")
    lapsed = [row for row in rows if row["status"] == "失效"]
    assert 3 <= len(lapsed) <= 30
    assert all(row["expiry_date"] > row["effective_date"] for row in lapsed)
    assert ("张建国", "31010419500307108X") in demo_policies()
    assert len(demo_policies(active_only=True)) == len(rows) - len(lapsed)


def test_seed_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    assert seed_demo_data(url, n=40) == 40
    assert seed_demo_data(url, n=40) == 0
    assert seed_demo_data(url, n=50) == 10
    store = TicketStore(url)
    with store.sessions() as session:
        assert session.execute(select(func.count()).select_from(Policy)).scalar_one() == 50
    store.close()


def test_lookup_finds_active_policy(store: TicketStore) -> None:
    name, id_number = next(p for p in demo_policies(60, active_only=True) if p[0] != "张建国")
    match = lookup_policy(store, name, id_number.lower())
    assert match.found and match.status == "有效" and match.why_not is None
    assert match.policy_no and match.product


def test_lookup_reasons(store: TicketStore) -> None:
    assert lookup_policy(store, "张建国", "310104195003071086").why_not == "身份证号未匹配"
    wrong_name = lookup_policy(store, "张建军", "31010419500307108X")
    assert not wrong_name.found and wrong_name.why_not == "姓名与保单不符" and wrong_name.policy_no is None
    lapsed = next(row for row in demo_policy_rows(60) if row["status"] == "失效")
    match = lookup_policy(store, lapsed["insured_name"], lapsed["insured_id"])
    assert not match.found and match.why_not == "保单已失效" and match.policy_no == lapsed["policy_no"]


def test_lookup_prefers_active_policy_and_accepts_a_session(store: TicketStore) -> None:
    with store.sessions() as session, session.begin():
        session.add(Policy(policy_no="P2024999999", insured_name="张建国", insured_id="31010419500307108X",
                           product="安心百万医疗保险", status="失效", effective_date=date(2024, 1, 1)))
    with store.sessions() as session:
        match = lookup_policy(session, "张 建国", "31010419500307108X")
    assert match.found and match.policy_no == "P2018000001"
