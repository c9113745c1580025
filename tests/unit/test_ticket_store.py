"""Ticket store behaviour on a SQLite file. tests/integration/test_ticket_store_postgres.py
re-runs these same tests on PostgreSQL by overriding the `store_url` fixture."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.claims.ticket_draft import SHANGHAI, SlotValue, TicketDraft, slot_names
from bot.store.db import make_engine, upgrade_schema
from bot.store.models import ITEM_COLUMNS, UTC, Base
from bot.store.ticket_store import TicketNotFoundError, TicketRecord, TicketStore

REPO = Path(__file__).resolve().parents[2]
CREATED = datetime(2026, 3, 14, 10, 45, tzinfo=SHANGHAI)


@pytest.fixture
def store(store_url: str):
    ticket_store = TicketStore(store_url)
    yield ticket_store
    ticket_store.close()


def make_draft(conversation_id: str = "conv-1") -> TicketDraft:
    draft = TicketDraft(conversation_id=conversation_id, call_started_at=datetime(2026, 3, 14, 10, 30))
    draft.set_item("insured_name", SlotValue("张建国", 0.95, "他叫张建国，弓长张"))
    draft.set_item("insured_id", SlotValue("31010419500307108X", 0.9, "三幺零幺零四一九五零零三零七幺零八叉"))
    draft.set_item("reporter_relation", SlotValue("子女", 0.9, "我是他儿子"))
    draft.set_item("incident_date", SlotValue("2026-03-13", 0.85, "昨天下午", {"said": "昨天下午"}))
    draft.set_item("incident_cause", SlotValue("意外", 0.9, "摔了一跤"))
    draft.set_item("diagnosis", SlotValue("桡骨骨折", 0.9, "手腕摔断了", {"term": "前臂骨折", "icd10": "S52"}))
    draft.set_item("hospital", SlotValue("上海交通大学医学院附属瑞金医院", 0.8, "瑞金医院", {"registry": True}))
    draft.set_item("treatment_status", SlotValue("住院", 0.9, "现在在住院"))
    draft.set_item("contact_phone", SlotValue("13812345678", 0.95, "幺三八一二三四五六七八"))
    draft.flags["insured_id"] = "身份证校验位不符"
    draft.add_turn("bot", "您好，这里是理赔报案热线，请说一下出险经过。", datetime(2026, 3, 14, 10, 30, 2))
    draft.add_turn("caller", "我爸昨天下午在小区里摔了一跤", datetime(2026, 3, 14, 10, 30, 9))
    return draft


def test_item_columns_are_the_contract_slots() -> None:
    assert set(ITEM_COLUMNS) == set(slot_names())
    assert len(ITEM_COLUMNS) == 9


def test_create_ticket_stores_items_and_numbers_it(store: TicketStore) -> None:
    record = store.create_ticket(make_draft(), now=CREATED)
    assert record.number == f"BA-20260314-{record.id:06d}"
    assert record.status == "待人工核对"
    assert record.values["insured_id"] == "31010419500307108X"
    assert record.values["incident_date"] == "2026-03-13"
    assert record.values["contact_phone"] == "13812345678"
    assert (record.diagnosis_term, record.icd10) == ("前臂骨折", "S52")
    assert record.claim_type == "意外医疗"
    assert record.priority == "高"  # 住院 is 中, the ID flag raises it by one
    assert record.flags == {"insured_id": "身份证校验位不符"}
    assert record.turn_count == 1
    assert record.created_at == CREATED and record.created_at.tzinfo is not None

    again = store.get(record.number)
    assert again == store.get_by_conversation("conv-1")
    assert again.items["hospital"].detail == {"registry": True}
    assert again.items["incident_date"].source == "昨天下午"
    assert again.transcript[1] == {"role": "caller", "text": "我爸昨天下午在小区里摔了一跤",
                                   "ts": "2026-03-14T10:30:09+08:00"}
    assert again.call_started_at == datetime(2026, 3, 14, 10, 30, tzinfo=SHANGHAI)
    assert again.created_at == CREATED


def test_number_uses_the_shanghai_date(store: TicketStore) -> None:
    late_utc = datetime(2026, 3, 14, 16, 30, tzinfo=UTC)  # 00:30 next day in Shanghai
    record = store.create_ticket(make_draft(), now=late_utc)
    assert record.number.startswith("BA-20260315-")


def test_second_create_returns_the_same_ticket(store: TicketStore) -> None:
    first = store.create_ticket(make_draft())
    changed = make_draft()
    changed.items["insured_name"] = SlotValue("李四", 1.0, "")
    second = store.create_ticket(changed)
    assert second.id == first.id and second.number == first.number
    assert second.values["insured_name"] == "张建国"
    assert len(store.list()) == 1


def test_concurrent_creates_give_one_ticket(store_url: str, store: TicketStore) -> None:
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    stores = [TicketStore(store_url, migrate=False) for _ in range(threads_n)]  # like separate processes

    def create(own: TicketStore) -> TicketRecord:
        barrier.wait()
        return own.create_ticket(make_draft("conv-race"))

    try:
        with ThreadPoolExecutor(max_workers=threads_n) as pool:
            results = list(pool.map(create, stores, timeout=60))  # re-raises any thread's error
    finally:
        for own in stores:
            own.close()
    assert len({record.number for record in results}) == 1
    assert len(store.list(limit=100)) == 1


def test_concurrent_creates_of_different_calls_get_distinct_numbers(store: TicketStore) -> None:
    barrier = threading.Barrier(6)

    def create(index: int) -> TicketRecord:
        barrier.wait()
        return store.create_ticket(make_draft(f"conv-{index}"))

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(create, range(6), timeout=60))
    assert len({record.number for record in results}) == 6
    assert all(record.number == f"BA-{record.created_at:%Y%m%d}-{record.id:06d}" for record in results)


def test_list_filters_by_status_newest_first(store: TicketStore) -> None:
    numbers = [store.create_ticket(make_draft(f"conv-{i}")).number for i in range(5)]
    handoff = make_draft("conv-handoff")
    handoff.status = "转人工"
    handoff.handoff_reason = "来电人要求转人工"
    store.create_ticket(handoff)

    assert [record.number for record in store.list(status="待人工核对")] == numbers[::-1]
    assert [record.handoff_reason for record in store.list(status="转人工")] == ["来电人要求转人工"]
    assert len(store.list(limit=2)) == 2
    assert [record.number for record in store.list(status="待人工核对", limit=2, offset=3)] == numbers[1::-1]


def test_update_items_records_reviewer_and_clears_flag(store: TicketStore) -> None:
    number = store.create_ticket(make_draft()).number
    updated = store.update_items(
        number,
        {"insured_id": "310104195003071086", "diagnosis": {"value": "腕骨骨折", "detail": {"term": "腕和手骨折",
                                                                                    "icd10": "S62"}}},
        reviewer="王审核",
    )
    assert updated.values["insured_id"] == "310104195003071086"
    assert updated.icd10 == "S62" and updated.diagnosis_term == "腕和手骨折"
    assert "insured_id" not in updated.flags
    assert updated.items["insured_id"].detail["previous"] == "31010419500307108X"
    assert updated.items["insured_id"].source == "人工核对：王审核"
    assert store.get(number).values["insured_id"] == "310104195003071086"
    with pytest.raises(KeyError):
        store.update_items(number, {"favourite_colour": "蓝"}, reviewer="王审核")
    with pytest.raises(TicketNotFoundError):
        store.update_items("BA-20000101-999999", {"hospital": "华山医院"}, reviewer="王审核")


def test_set_status_verified_records_who_and_when(store: TicketStore) -> None:
    number = store.create_ticket(make_draft()).number
    verified = store.set_status(number, "已核对", reviewer="王审核")
    assert verified.status == "已核对" and verified.verified_by == "王审核"
    assert verified.verified_at is not None and store.get(number).verified_at == verified.verified_at
    with pytest.raises(ValueError):
        store.set_status(number, "已结案", reviewer="王审核")


def test_callbacks(store: TicketStore) -> None:
    number = store.create_ticket(make_draft()).number
    later = datetime(2026, 3, 15, 9, 0, tzinfo=SHANGHAI)
    sooner = datetime(2026, 3, 14, 20, 0, tzinfo=SHANGHAI)
    first = store.create_callback(number, "13812345678", "通话中断，回拨补全信息", later)
    second = store.create_callback(number, "13812345678", "来电人要求晚上八点后回电", sooner)
    assert [task.id for task in store.callbacks()] == [second.id, first.id]
    assert store.callbacks()[0].due_at == sooner and store.callbacks()[0].ticket_number == number
    done = store.set_callback_status(second.id, "已完成")
    assert done.status == "已完成"
    assert [task.id for task in store.callbacks(status="待回拨")] == [first.id]
    other = store.create_ticket(make_draft("conv-other")).number
    store.create_callback(other, "13900001111", "回拨确认医院", later)
    assert [task.id for task in store.callbacks_for(number)] == [second.id, first.id]
    assert len(store.callbacks_for(other)) == 1 and len(store.callbacks()) == 3
    with pytest.raises(TicketNotFoundError):
        store.create_callback("BA-20000101-999999", "13812345678", "x", later)


def test_naive_datetimes_are_refused(store: TicketStore) -> None:
    number = store.create_ticket(make_draft()).number
    with pytest.raises(ValueError, match="aware"):
        store.create_callback(number, "13812345678", "回拨", datetime(2026, 3, 15, 9, 0))


def test_draft_json_round_trip() -> None:
    draft = make_draft()
    data = draft.to_dict()
    restored = TicketDraft.from_dict(json.loads(json.dumps(data, ensure_ascii=False)))
    assert restored == draft
    assert restored.call_started_at.utcoffset() == timedelta(hours=8)


def test_draft_rejects_unknown_slot() -> None:
    with pytest.raises(KeyError):
        make_draft().set_item("favourite_colour", SlotValue("蓝"))


def test_migrations_match_models_and_are_repeatable(store_url: str) -> None:
    upgrade_schema(store_url)
    upgrade_schema(store_url)  # already at head: a no-op
    engine = make_engine(store_url)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diffs == []


def test_database_url_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.store.db import URL_ENV, database_url

    monkeypatch.setenv(URL_ENV, "postgresql+psycopg2://claims@db/claimbot")
    assert database_url() == "postgresql+psycopg2://claims@db/claimbot"
    monkeypatch.delenv(URL_ENV)
    assert database_url() == f"sqlite:///{REPO / 'var' / 'claimbot.db'}"
    assert (REPO / "var").is_dir()


def test_alembic_ini_upgrades_the_configured_database(tmp_path: Path) -> None:
    """What an operator runs: `alembic upgrade head` in the repo root, URL from the environment.
    A subprocess, because the CLI reconfigures logging."""
    import os
    import subprocess
    import sys

    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'ops.db'}"
    env = {**os.environ, "CLAIMBOT_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=120)
    engine = make_engine(url)
    assert {"tickets", "callback_tasks", "policies", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()
