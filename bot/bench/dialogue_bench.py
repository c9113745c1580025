"""`claimbot bench dialogue`: caller text in to bot reply out, through the Rasa server and action server,
at several numbers of concurrent conversations (simulated callers from the dev scenarios)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import aiohttp

from bot.bench.stats import describe_ms, stack_rss_mb
from bot.client import BotClient
from bot.eval.claims_eval import load_scenarios
from bot.eval.simulated_caller import GIVE_UP_TURNS, SimulatedCaller
from bot.settings import load_settings
from bot.slot_spec import REPO_ROOT
from bot.stack import Stack, action_server_ready, rasa_ready


async def _conversation(client: BotClient, scenario: dict, timings: list[float], think_s: float) -> None:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    await asyncio.sleep(random.uniform(0, think_s))  # calls begin at different moments
    meta = {"now": str(scenario["now"])}
    reply = await client.start_call(sender, **meta)
    caller = SimulatedCaller(scenario)
    text = scenario["opening"]
    for _ in range(GIVE_UP_TURNS):
        start = time.perf_counter()
        reply = await client.send(sender, text, meta)
        timings.append(time.perf_counter() - start)
        if reply.meta.get("ticket_number"):
            return
        text = caller.reply_to(reply)
        if think_s:  # the caller listens to the prompt and speaks the answer; callers are not in step
            await asyncio.sleep(random.uniform(0.5 * think_s, 1.5 * think_s))


async def _load(rasa_url: str, concurrency: int, conversations: int, think_s: float) -> list[float]:
    scenarios = load_scenarios(REPO_ROOT / "data" / "scenarios" / "dev.yml")
    timings: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency + 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        client = BotClient(rasa_url, session, timeout_s=120)

        async def one(i: int) -> None:
            async with sem:
                await _conversation(client, scenarios[i % len(scenarios)], timings, think_s)

        await asyncio.gather(*(one(i) for i in range(max(conversations, concurrency))))
    return timings


def run(concurrency: list[int], conversations: int, think_s: list[float]) -> int:
    settings = load_settings()
    stack = None
    if not (rasa_ready(settings) and action_server_ready(settings)):
        stack = Stack(settings, with_web=False)
        print(f"stack started: all services ready {stack.start():.1f} s after start")
    try:
        asyncio.run(_load(settings.rasa_url, 1, 5, 0.0))  # warm-up
        for think in think_s:
            for c in concurrency:
                timings = asyncio.run(_load(settings.rasa_url, c, max(conversations, c), think))
                print(f"concurrency {c:>3}, caller pause {think:.1f} s: reply latency {describe_ms(timings)}")
        rss, n = stack_rss_mb()
        print(f"stack memory: {rss:.0f} MB RSS over {n} processes")
    finally:
        if stack is not None:
            stack.stop()
    return 0
