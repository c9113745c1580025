"""Which item to ask next, how to phrase the question, and when to hand off.

Pure functions over slot values and ClaimState, so the turn-budget rules are unit-testable without Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.claims.claim_state import ClaimState
from bot.slot_spec import load_slot_spec


@dataclass(frozen=True)
class Question:
    response: str             # domain response to say
    slots: tuple[str, ...]    # the items it asks for (machine-readable metadata)
    group: str
    stage: str


NOT_SEEN = "未就诊"


def is_missing(slot: str, values: Mapping[str, object], state: ClaimState | None = None) -> bool:
    """Whether the item must still be asked. The hospital is settled, empty, when the insured has not been
    seen anywhere (the contract: then the bot does not ask for it) or when the caller said they do not know."""
    if values.get(slot) not in (None, ""):
        return False
    if slot == "hospital":
        known_unknown = state is not None and (state.details.get("hospital") or {}).get("detail", {}).get("unknown")
        return values.get("treatment_status") != NOT_SEEN and not known_unknown
    return True


def missing_slots(values: Mapping[str, object], state: ClaimState | None = None) -> list[str]:
    return [name for name in load_slot_spec().names if is_missing(name, values, state)]


def next_slot(values: Mapping[str, object], state: ClaimState) -> str | None:
    """First missing item in stage order; None when all are in or a hand-off was decided."""
    if state.handoff:
        return None
    missing = missing_slots(values, state)
    return missing[0] if missing else None


def question_for(slot: str, values: Mapping[str, object], state: ClaimState | None = None) -> Question:
    """Ask for the slot together with the other missing item of its group (two items, one turn)."""
    spec = load_slot_spec()
    group = spec.group_of(slot)
    wanted = tuple(s for s in group.slots if is_missing(s, values, state))
    if slot not in wanted:
        wanted = (slot,)
    response = f"utter_ask_{group.name}" if len(wanted) == len(group.slots) > 1 else f"utter_ask_{wanted[0]}"
    if len(group.slots) == 1:
        response = f"utter_ask_{group.name}"
    return Question(response, wanted, group.name, spec.slot(slot).stage)


def handoff_reason(state: ClaimState, requested: str | None) -> str | None:
    """Why the call must go to a person now, if it must (repeated failure or the turn limit)."""
    dialogue = load_slot_spec().dialogue
    if state.handoff:
        return state.handoff
    if state.turns >= dialogue["max_turns"]:
        return "通话轮次超限"
    if requested:
        group = load_slot_spec().group_of(requested).name
        if state.ask_counts.get(group, 0) > dialogue["max_reasks"]:
            return f"多次未能获取{load_slot_spec().slot(requested).label}"
    return None
