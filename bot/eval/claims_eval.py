"""`claimbot eval claims`: drives each scenario through the running Rasa and action servers as a real
client would, and scores drafts and tickets by the contract."""

from __future__ import annotations

import asyncio
import statistics
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from tqdm import tqdm

from bot.client import BotClient
from bot.eval.scoring import slot_right
from bot.eval.simulated_caller import GIVE_UP_TURNS, SimulatedCaller, wrong_slots
from bot.slot_spec import load_slot_spec
from bot.store.ticket_store import TicketStore

BUDGET = 8


@dataclass
class CallOutcome:
    scenario: dict[str, Any]
    turns: int = 0
    first_draft: dict[str, Any] | None = None
    ticket_number: str | None = None
    handoff: bool = False
    transcript: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None


def load_scenarios(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise TypeError(f"{path}: a scenario file is a YAML list")
    return data


async def run_call(client: BotClient, scenario: dict[str, Any]) -> CallOutcome:
    outcome = CallOutcome(scenario)
    caller = SimulatedCaller(scenario)
    sender = f"eval-{scenario.get('id', 'x')}-{uuid.uuid4().hex[:8]}"
    meta = {"now": str(scenario.get("now") or ""), "channel": "eval"}
    try:
        reply = await client.start_call(sender, **meta)
        outcome.transcript.append(("bot", reply.text))
        text = str(scenario.get("opening") or "")
        while outcome.turns < GIVE_UP_TURNS:
            outcome.turns += 1
            outcome.transcript.append(("caller", text))
            reply = await client.send(sender, text, meta)
            outcome.transcript.append(("bot", reply.text))
            if reply.stage == "confirm" and outcome.first_draft is None and isinstance(reply.meta.get("draft"), dict):
                outcome.first_draft = reply.meta["draft"]
            if reply.meta.get("ticket_number") and reply.stage in ("closed", "handoff"):
                outcome.ticket_number = reply.meta["ticket_number"]
                outcome.handoff = bool(reply.meta.get("handoff"))
                break
            text = caller.reply_to(reply)
    except Exception as exc:  # noqa: BLE001 - a failed call is scored as a failure, the run goes on
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome


async def run_all(rasa_url: str, scenarios: list[dict[str, Any]], concurrency: int) -> list[CallOutcome]:
    sem = asyncio.Semaphore(concurrency)
    bar = tqdm(total=len(scenarios), desc="scenarios", unit="call", leave=False)
    async with aiohttp.ClientSession() as session:
        client = BotClient(rasa_url, session, timeout_s=60)

        async def one(sc: dict[str, Any]) -> CallOutcome:
            async with sem:
                out = await run_call(client, sc)
                bar.update(1)
                return out

        results = await asyncio.gather(*(one(sc) for sc in scenarios))
    bar.close()
    return list(results)


def _ticket_values(store: TicketStore, number: str | None) -> dict[str, Any]:
    if not number:
        return {}
    record = store.get(number)
    if record is None:
        return {}
    values: dict[str, Any] = dict(record.values)
    values["diagnosis_icd10"] = record.icd10
    return values


def score(outcomes: list[CallOutcome], store: TicketStore) -> dict[str, Any]:
    slots = load_slot_spec().names
    n = len(outcomes)
    first_right = final_right = flow_ok = completed = handoff = over = 0
    per_slot = {s: 0 for s in slots}
    failures: list[dict[str, Any]] = []
    over_ids: list[str] = []
    turns = [o.turns for o in outcomes]
    for o in outcomes:
        expect = o.scenario["expect"]
        draft = o.first_draft or {}
        wrong = wrong_slots(o.scenario, draft) if o.first_draft else list(slots)
        first_right += len(slots) - len(wrong)
        ticket = _ticket_values(store, o.ticket_number)
        for slot in slots:
            ok = slot_right(slot, expect.get(slot), ticket.get(slot), ticket.get("diagnosis_icd10"))
            final_right += ok
            per_slot[slot] += ok
            if not ok:
                got = ticket.get("diagnosis_icd10") if slot == "diagnosis" else ticket.get(slot)
                failures.append({"id": o.scenario.get("id"), "slot": slot, "expected": expect.get(slot), "got": got,
                                 "first_pass": draft.get(slot)})
        if o.ticket_number and not o.handoff:
            completed += 1
        if o.handoff:
            handoff += 1
        if o.turns > BUDGET:
            over += 1
            over_ids.append(o.scenario.get("id"))
        if o.first_draft and not wrong and o.turns <= BUDGET and o.ticket_number and not o.handoff:
            flow_ok += 1
        if o.error:
            failures.append({"id": o.scenario.get("id"), "slot": None, "expected": None, "got": o.error})
    sorted_turns = sorted(turns) or [0]
    return {
        "scenarios": n,
        "first_pass_slot_accuracy": round(first_right / (9 * n), 4) if n else 0.0,
        "flow_accuracy": round(flow_ok / n, 4) if n else 0.0,
        "final_slot_accuracy": round(final_right / (9 * n), 4) if n else 0.0,
        "completed": completed,
        "handoff": handoff,
        "turns": {
            "mean": round(statistics.mean(sorted_turns), 2),
            "p50": sorted_turns[len(sorted_turns) // 2],
            "p95": sorted_turns[min(len(sorted_turns) - 1, round(0.95 * (len(sorted_turns) - 1)))],
            "max": sorted_turns[-1],
        },
        "over_budget": over,
        "over_budget_ids": over_ids,
        "per_slot": {s: round(c / n, 4) if n else 0.0 for s, c in per_slot.items()},
        "failures": failures,
    }


def evaluate(path: Path, rasa_url: str, concurrency: int = 4) -> dict[str, Any]:
    scenarios = load_scenarios(path)
    outcomes = asyncio.run(run_all(rasa_url, scenarios, concurrency))
    return score(outcomes, TicketStore())
