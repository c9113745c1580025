"""Builds the ticket draft from the dialogue's slots and bookkeeping: derived claim type, priority,
policy match, flags and the transcript. No Rasa types here, so tests can build tickets directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.claims.claim_state import UNKNOWN, ClaimState
from bot.claims.claim_type import derive_claim_type, derive_priority
from bot.claims.ticket_draft import SlotValue, TicketDraft
from bot.slot_spec import load_slot_spec


def build_draft(conversation_id: str, values: Mapping[str, Any], state: ClaimState,
                transcript: list[dict[str, str]], status: str, policy: Any = None) -> TicketDraft:
    draft = TicketDraft(conversation_id=conversation_id, call_started_at=state.call_time())
    for slot in load_slot_spec().names:
        value = values.get(slot)
        if value in (None, ""):
            continue
        info = state.details.get(slot) or {"value": value}
        draft.set_item(slot, SlotValue.from_dict({**info, "value": value}))
    draft.flags = dict(state.flags)
    if policy is not None:
        if getattr(policy, "found", False):
            draft.policy_no = policy.policy_no
            if getattr(policy, "status", "有效") != "有效":
                draft.flags["policy"] = f"保单{policy.status}"
        else:
            draft.flags["policy"] = policy.why_not or "保单未匹配"
    draft.transcript = transcript
    draft.turn_count = state.turns
    draft.status = status
    draft.handoff_reason = state.handoff
    diag = (state.details.get("diagnosis") or {}).get("detail", {})
    cause = values.get("incident_cause")
    draft.claim_type = derive_claim_type(
        cause if cause != UNKNOWN else None, diag.get("icd10"), diag.get("critical"), values.get("treatment_status")
    )
    draft.priority = derive_priority(draft.claim_type, values.get("treatment_status"), draft.flags)
    return draft
