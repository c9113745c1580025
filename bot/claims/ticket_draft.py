"""The draft claim ticket that the dialogue fills in and the ticket store persists.

Kept as plain dataclasses with a JSON round trip because the dialogue carries the draft
in a Rasa slot (which must hold JSON-serialisable data) and the store writes the same
shape to its JSON columns; one definition keeps the two from drifting apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.slot_spec import SLOTS_FILE, load_slot_spec

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Draft status while the call is still running; a ticket is never stored with it.
STATUS_IN_CALL = "通话中"
# Ticket statuses (the store accepts only these).
STATUS_PENDING_REVIEW = "待人工核对"
STATUS_HANDOFF = "转人工"
STATUS_INTERRUPTED = "通话中断"
STATUS_VERIFIED = "已核对"
TICKET_STATUSES = (STATUS_PENDING_REVIEW, STATUS_HANDOFF, STATUS_INTERRUPTED, STATUS_VERIFIED)


def slot_names() -> tuple[str, ...]:
    """The nine slot names in the contract's order (bot.slot_spec reads them from slots.yml)."""
    return tuple(load_slot_spec().names)


@dataclass
class SlotValue:
    """One filled item: the canonical value plus where it came from, so a reviewer can check it."""

    value: str
    confidence: float = 1.0
    source: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": float(self.confidence),
            "source": self.source,
            "detail": dict(self.detail),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SlotValue:
        confidence = float(data.get("confidence", 1.0))
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"confidence must lie in [0, 1], got {confidence}")
        return cls(
            value=str(data["value"]),
            confidence=confidence,
            source=str(data.get("source") or ""),
            detail=dict(data.get("detail") or {}),
        )


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are read as Shanghai time: the call centre's clock, never UTC by accident."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


@dataclass
class TicketDraft:
    """Everything known about one call's claim report, before and after it becomes a ticket."""

    conversation_id: str
    call_started_at: datetime
    items: dict[str, SlotValue] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)
    transcript: list[dict[str, str]] = field(default_factory=list)
    turn_count: int = 0
    status: str = STATUS_IN_CALL
    handoff_reason: str | None = None
    claim_type: str | None = None
    priority: str | None = None
    policy_no: str | None = None

    def __post_init__(self) -> None:
        self.call_started_at = _aware(self.call_started_at)
        for name in self.items:
            _check_slot(name)

    def set_item(self, slot: str, item: SlotValue) -> None:
        _check_slot(slot)
        self.items[slot] = item

    def value(self, slot: str) -> str | None:
        """The canonical value of a slot, or None while it is still missing."""
        item = self.items.get(slot)
        return item.value if item else None

    def missing(self) -> list[str]:
        """Slots not yet filled, in the contract's order."""
        return [name for name in slot_names() if name not in self.items]

    def add_turn(self, role: str, text: str, ts: datetime | None = None) -> None:
        """Append to the transcript; caller turns count against the turn budget."""
        if role not in ("caller", "bot"):
            raise ValueError(f"role must be 'caller' or 'bot', got {role!r}")
        moment = _aware(ts) if ts else datetime.now(SHANGHAI)
        self.transcript.append({"role": role, "text": text, "ts": moment.isoformat()})
        if role == "caller":
            self.turn_count += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "call_started_at": self.call_started_at.isoformat(),
            "items": {name: item.to_dict() for name, item in self.items.items()},
            "flags": dict(self.flags),
            "transcript": [dict(turn) for turn in self.transcript],
            "turn_count": self.turn_count,
            "status": self.status,
            "handoff_reason": self.handoff_reason,
            "claim_type": self.claim_type,
            "priority": self.priority,
            "policy_no": self.policy_no,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TicketDraft:
        started = data["call_started_at"]
        if isinstance(started, str):
            started = datetime.fromisoformat(started)
        return cls(
            conversation_id=str(data["conversation_id"]),
            call_started_at=started,
            items={name: SlotValue.from_dict(item) for name, item in (data.get("items") or {}).items()},
            flags=dict(data.get("flags") or {}),
            transcript=[dict(turn) for turn in data.get("transcript") or []],
            turn_count=int(data.get("turn_count") or 0),
            status=data.get("status") or STATUS_IN_CALL,
            handoff_reason=data.get("handoff_reason"),
            claim_type=data.get("claim_type"),
            priority=data.get("priority"),
            policy_no=data.get("policy_no"),
        )


def _check_slot(name: str) -> None:
    if name not in slot_names():
        raise KeyError(f"unknown slot {name!r}; slots are listed in {SLOTS_FILE}")
