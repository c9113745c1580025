"""`claimbot chat`: a terminal caller session against the running server (REST channel)."""

from __future__ import annotations

import sys
import uuid

import aiohttp

from bot.client import BotClient, BotReply
from bot.settings import load_settings


def _show(reply: BotReply) -> None:
    for text in reply.texts:
        print(f"机器人：{text}", flush=True)
    if reply.meta.get("ticket_number"):
        print(f"（报案号 {reply.meta['ticket_number']}）", flush=True)


async def run_chat(url: str | None = None, now: str | None = None) -> int:
    rasa_url = url or load_settings().rasa_url
    sender = f"chat-{uuid.uuid4().hex[:12]}"
    meta = {"now": now} if now else {}
    async with aiohttp.ClientSession() as session:
        client = BotClient(rasa_url, session)
        try:
            reply = await client.start_call(sender, **meta)
        except aiohttp.ClientError:
            print(f"连不上机器人服务（{rasa_url}）。请先运行 `claimbot serve`。", file=sys.stderr)
            return 1
        _show(reply)
        while True:
            try:
                text = input("您：")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            reply = await client.send(sender, text, meta)
            _show(reply)
            if reply.stage in ("closed", "handoff") and reply.meta.get("ticket_number"):
                return 0
