"""`claimbot bench nlu`: parse latency of the trained NLU pipeline per utterance, in process."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.bench.stats import describe_ms
from bot.slot_spec import REPO_ROOT
from bot.training import train

SCENARIO_FILES = ["data/scenarios/dev.yml", "data/scenarios/dev_asr.yml"]


def utterances() -> list[str]:
    import yaml

    texts: list[str] = []
    for rel in SCENARIO_FILES:
        for sc in yaml.safe_load((REPO_ROOT / rel).read_text(encoding="utf-8")):
            texts.append(str(sc["opening"]))
            texts.extend(str(a) for a in (sc.get("answers") or {}).values())
    return texts


async def _measure(repeat: int) -> int:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # As the server runs (rasa run sets this up): unconfigured, structlog prints a debug line per parse, and
    # the benchmark would time the printing.
    configure_structlog(logging.INFO)
    model = train()
    t0 = time.monotonic()
    agent = Agent.load(str(model))
    print(f"model loaded in {time.monotonic() - t0:.1f} s: {model.name}")
    texts = utterances()
    for text in texts[:50]:  # warm-up: first calls build caches and TF graphs
        await agent.parse_message(text)
    timings: list[float] = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            await agent.parse_message(text)
            timings.append(time.perf_counter() - start)
    print(f"NLU parse latency per utterance ({len(texts)} utterances x {repeat}): {describe_ms(timings)}")
    return 0


def run(repeat: int = 3) -> int:
    return asyncio.run(_measure(repeat))
