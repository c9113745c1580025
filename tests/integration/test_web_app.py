"""The web app served with the stack: ticket list and API, with personal data masked (slow)."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest

from tests.integration.test_conversations import OPENING, _talk

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def test_ticket_list_masks_personal_data(stack):
    _, replies = asyncio.run(_talk(stack.rasa_url, [
        OPENING + "，他叫张建国，身份证号31010419500307108X，我是他儿子，电话13812345678", "对"]))
    number = replies[-1].meta["ticket_number"]
    status, body = _get(f"{stack.web_url}/api/tickets/{number}")
    assert status == 200
    ticket = json.loads(body)
    assert ticket["values"]["insured_id"] == "310***********108X"
    assert ticket["values"]["contact_phone"] == "138****5678"
    status, page = _get(f"{stack.web_url}/")
    assert status == 200 and number in page and "31010419500307108X" not in page and "报案工单" in page
    assert _get(f"{stack.web_url}/api/tickets/BA-00000000-000000")[0] == 404
    assert _get(f"{stack.web_url}/api/tickets?limit=abc")[0] == 400
