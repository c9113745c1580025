"""Whole calls through the REST channel of the real Rasa server and action server (slow)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid

import aiohttp
import pytest

from bot.client import BotClient, BotReply
from bot.slot_spec import load_slot_spec
from bot.store.ticket_store import TicketStore

pytestmark = pytest.mark.slow
NOW = "2026-03-14 10:30"
OPENING = "我爸昨天下午在小区里摔了一跤，手腕摔断了，现在在瑞金医院住院"


def _tracker_slots(rasa_url: str, sender: str) -> dict:
    with urllib.request.urlopen(f"{rasa_url}/conversations/{sender}/tracker", timeout=10) as resp:
        return json.load(resp)["slots"]


async def _talk(rasa_url: str, turns: list[str], sender: str | None = None) -> tuple[str, list[BotReply]]:
    sender = sender or f"test-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession() as session:
        client = BotClient(rasa_url, session)
        replies = [await client.start_call(sender, now=NOW)]
        for text in turns:
            replies.append(await client.send(sender, text, {"now": NOW}))
    return sender, replies


def test_all_in_one_report_creates_ticket_before_number_is_said(stack):
    _sender, replies = asyncio.run(_talk(stack.rasa_url, [
        OPENING,
        "他叫张建国，弓长张，我是他儿子",
        "身份证号是 三幺零幺零四 一九五零 零三零七 幺零八 叉",
        "打我电话 幺三八 一二三四 五六七八",
        "对，没错",
    ]))
    assert replies[0].stage == "describe" and replies[0].text
    readback = replies[-2]
    assert readback.stage == "confirm"
    draft = readback.meta["draft"]
    assert draft["insured_id"] == "31010419500307108X"
    assert draft["incident_date"] == "2026-03-13"
    assert draft["diagnosis_icd10"] == "S52"
    last = replies[-1]
    number = last.meta["ticket_number"]
    assert number in last.text
    record = TicketStore().get(number)  # stored (committed) by the time the caller hears it
    assert record is not None and record.status == "待人工核对"
    assert record.values["contact_phone"] == "13812345678"
    assert record.values["reporter_relation"] == "子女"
    assert record.policy_no  # the contract's example person is on file
    assert record.turn_count == 5
    assert any(t["role"] == "caller" and "瑞金" in t["text"] for t in record.transcript)


def test_correction_at_readback(stack):
    _sender, replies = asyncio.run(_talk(stack.rasa_url, [
        OPENING + "，他叫张建国，身份证号31010419500307108X，我是他儿子，电话13812345678",
        "不对，是前天",
    ]))
    assert replies[1].stage == "confirm"
    assert replies[2].stage == "confirm"
    assert replies[2].meta["draft"]["incident_date"] == "2026-03-12"


def test_partial_phone_correction(stack):
    _sender, replies = asyncio.run(_talk(stack.rasa_url, [
        OPENING + "，他叫张建国，身份证号31010419500307108X，我是他儿子，电话13812345678",
        "电话号码错了 后四位是八七六五",
    ]))
    assert replies[-1].meta["draft"]["contact_phone"] == "13812348765"


def test_handoff_saves_partial_ticket_and_callback(stack):
    _sender, replies = asyncio.run(_talk(stack.rasa_url, [
        "我爸住院了，电话13812345678",
        "转人工",
    ]))
    last = replies[-1]
    assert last.meta.get("handoff") is True
    store = TicketStore()
    record = store.get(last.meta["ticket_number"])
    assert record.status == "转人工"
    assert record.values["reporter_relation"] == "子女"
    assert store.callbacks_for(record.number)


BAD_INPUTS = ["", "   ", "报" * 10_000, "😀😀😀", "I want to report a claim", "1234567",
              "'; DROP TABLE tickets; --", "<script>alert(1)</script>", "\x00\x07\x1b[31m"]


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_gets_chinese_reprompt_and_stores_nothing(stack, bad: str):
    sender, replies = asyncio.run(_talk(stack.rasa_url, [bad]))
    reply = replies[-1]
    assert reply.text, "every input gets an answer"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)
    assert "Traceback" not in reply.text and len(reply.text) <= 60
    slots = _tracker_slots(stack.rasa_url, sender)
    assert all(slots.get(s) in (None, "") for s in load_slot_spec().names), slots


def test_bad_input_mid_form_keeps_collected_items_and_other_calls_served(stack):
    async def both():
        bad = _talk(stack.rasa_url, [OPENING, "😀😀😀", "'; DROP TABLE tickets; --"])
        good = _talk(stack.rasa_url, [OPENING, "他叫张建国，我是他儿子"])
        return await asyncio.gather(bad, good)

    (bad_sender, bad_replies), (_good_sender, good_replies) = asyncio.run(both())
    assert bad_replies[-1].asking  # the question is asked again
    slots = _tracker_slots(stack.rasa_url, bad_sender)
    assert slots["hospital"] and slots["reporter_relation"] == "子女"
    assert good_replies[-1].asking == ["insured_id"]


def test_side_question_mid_report_is_answered_then_the_question_repeated(stack):
    _sender, replies = asyncio.run(_talk(stack.rasa_url, [OPENING, "理赔需要准备哪些材料啊", "他叫张建国，我是他儿子"]))
    faq_reply = replies[2]
    assert faq_reply.asking == ["insured_name"]  # the form asks again after the answer
    assert len(faq_reply.texts) >= 2 and "材料" not in faq_reply.texts[-1]
    assert replies[3].asking == ["insured_id"]


def test_answer_that_looks_like_request_human_does_not_hand_off(stack):
    _, replies = asyncio.run(_talk(stack.rasa_url, [OPENING, "余睿，人未余"]))
    assert not replies[-1].meta.get("handoff")
    assert replies[-1].asking == ["insured_id"]
