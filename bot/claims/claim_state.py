"""Per-call bookkeeping the dialogue needs beyond the slot values, kept as JSON in the `claim_state` slot.

Rasa slots hold only canonical values; the ticket also needs, per item, where it came from and how sure
we are, plus counters for the re-ask and turn-budget rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
UNKNOWN = "不详"  # the value of an item the caller does not know (flagged, not asked again and again)


@dataclass
class ClaimState:
    call_started_at: str = ""                                   # ISO, Asia/Shanghai: dates resolve against it
    turns: int = 0                                              # caller utterances so far
    asked: list[str] = field(default_factory=list)              # slots named in the last question
    ask_counts: dict[str, int] = field(default_factory=dict)    # ask group -> times asked
    check_retries: dict[str, int] = field(default_factory=dict)  # slot -> failed-check re-asks used
    details: dict[str, dict[str, Any]] = field(default_factory=dict)  # slot -> SlotValue dict
    flags: dict[str, str] = field(default_factory=dict)         # slot/check -> short Mandarin flag
    pending_hint: str | None = None                             # response to say before the next question
    last_turn: str = "ok"                                       # ok | empty | garbage | nothing_new
    handoff: str | None = None                                  # reason, once a hand-off is decided
    corrections: int = 0
    side_questions: int = 0
    readbacks: int = 0
    ticket_number: str | None = None
    last_message_id: str | None = None                          # the turn already counted (forms re-run extraction)
    last_updates: list[str] = field(default_factory=list)       # slots the last caller turn changed

    @classmethod
    def from_slot(cls, value: Any) -> ClaimState:
        if not isinstance(value, dict):
            return cls()
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_slot(self) -> dict[str, Any]:
        return asdict(self)

    def call_time(self) -> datetime:
        if self.call_started_at:
            dt = datetime.fromisoformat(self.call_started_at)
            return dt if dt.tzinfo else dt.replace(tzinfo=TZ)
        return datetime.now(TZ)


def parse_call_time(metadata: dict[str, Any] | None) -> datetime:
    """The call's own date and time: clients send `now` in message metadata (evaluation, phone line)."""
    raw = (metadata or {}).get("now")
    if isinstance(raw, str) and raw.strip():
        try:
            dt = datetime.fromisoformat(raw.strip())
            return dt if dt.tzinfo else dt.replace(tzinfo=TZ)
        except ValueError:
            pass
    return datetime.now(TZ)
