"""Client of the bot's REST channel, as the chat CLI, the evaluation, the benchmarks and the web widget use it.

A call begins with the message `/call_start` (metadata `now` = the call's time); every reply is a list
of messages whose `text` parts are said to the caller and whose `custom.claimbot` part is the metadata
(docs/bot-protocol.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp

CALL_START = "/call_start"


@dataclass
class BotReply:
    texts: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    @property
    def asking(self) -> list[str]:
        return list(self.meta.get("asking") or [])

    @property
    def stage(self) -> str | None:
        return self.meta.get("stage")


def merge_messages(messages: list[dict[str, Any]]) -> BotReply:
    reply = BotReply()
    for msg in messages:
        if msg.get("text"):
            reply.texts.append(msg["text"])
        custom = msg.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("claimbot"), dict):
            reply.meta = custom["claimbot"]  # the last one describes the state after the reply
    return reply


class BotClient:
    def __init__(self, rasa_url: str, session: aiohttp.ClientSession, timeout_s: float = 30.0) -> None:
        self.rasa_url = rasa_url
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> BotReply:
        payload = {"sender": sender, "message": text, "metadata": metadata or {}}
        async with self.session.post(self.url, json=payload, timeout=self.timeout) as resp:
            resp.raise_for_status()
            return merge_messages(await resp.json())

    async def start_call(self, sender: str, now: str | None = None, **metadata: Any) -> BotReply:
        meta = dict(metadata)
        if now:
            meta["now"] = now
        return await self.send(sender, CALL_START, meta)

    async def slots(self, sender: str) -> dict[str, Any]:
        """The conversation's slots (Rasa's HTTP API), for live views such as the phone page's draft."""
        url = f"{self.rasa_url}/conversations/{sender}/tracker"
        async with self.session.get(url, params={"include_events": "NONE"}, timeout=self.timeout) as resp:
            resp.raise_for_status()
            return dict((await resp.json()).get("slots") or {})
