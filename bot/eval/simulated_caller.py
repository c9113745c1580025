"""The contract's simulated caller: what it says next, given the bot's last reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.client import BotReply
from bot.eval.scoring import slot_right
from bot.slot_spec import load_slot_spec

GIVE_UP_TURNS = 12
NO_ANSWER = "不清楚"
CONFIRM = "对，没错"


def wrong_slots(scenario: dict[str, Any], draft: dict[str, Any]) -> list[str]:
    expect = scenario["expect"]
    return [
        slot for slot in load_slot_spec().names
        if slot in expect and not slot_right(slot, expect[slot], draft.get(slot), draft.get("diagnosis_icd10"))
    ]


@dataclass
class SimulatedCaller:
    scenario: dict[str, Any]
    last_draft: dict[str, Any] | None = None

    def answer(self, slots: list[str]) -> str:
        answers = self.scenario.get("answers") or {}
        return "，".join(str(answers.get(slot) or NO_ANSWER) for slot in slots)

    def reply_to(self, reply: BotReply) -> str:
        """The next utterance. At a read-back: confirm, or correct the first wrong item."""
        if isinstance(reply.meta.get("draft"), dict):
            self.last_draft = reply.meta["draft"]
        draft = self.last_draft
        if reply.stage == "confirm" and isinstance(draft, dict):
            wrong = wrong_slots(self.scenario, draft)
            if not wrong:
                return CONFIRM
            return "不对，" + self.answer([wrong[0]])
        if reply.asking:
            return self.answer(reply.asking)
        if reply.stage == "describe":
            return str(self.scenario.get("opening") or "我要报案")
        return NO_ANSWER
