"""The calls a server is carrying: the capacity limit, and each call's live view (transcript, caller's
partial words, draft ticket, response timings) for the browser page, the simulator and the benchmark."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.privacy import mask_id, mask_phone
from bot.slot_spec import load_slot_spec

if TYPE_CHECKING:
    from bot.client import BotClient
    from telephony.call_session import TurnTimer
    from telephony.recording import CallRecording

log = logging.getLogger("claimbot.phone")
KEEP_ENDED = 200
_MASKS = {"insured_id": mask_id, "contact_phone": mask_phone}


def masked_draft(values: dict[str, Any]) -> dict[str, Any]:
    draft = {}
    for slot in load_slot_spec().names:
        value = values.get(slot)
        draft[slot] = _MASKS[slot](str(value)) if slot in _MASKS and value else value
    return draft


@dataclass
class LiveCall:
    call_sid: str
    caller: str = ""
    state: str = "active"
    started: float = field(default_factory=time.time)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    partial: str = ""
    draft: dict[str, Any] = field(default_factory=dict)
    stage: str | None = None
    phase: str | None = None
    asking: list[str] = field(default_factory=list)
    icd10: str | None = None
    ticket_number: str | None = None
    end_reason: str | None = None
    duration_s: float = 0.0
    recording_path: str | None = None
    barge_ins: int = 0
    cpu_s: float = 0.0                  # line processing on the event loop
    recognizer_audio_s: float = 0.0
    recognizer_cpu_s: float = 0.0
    turn_metrics: list[dict[str, Any]] = field(default_factory=list)
    pending_timers: list[TurnTimer] = field(default_factory=list)

    def update_from_reply(self, meta: dict[str, Any], text: str) -> None:
        self.stage = meta.get("stage") or self.stage
        self.phase = meta.get("phase") or self.phase
        self.ticket_number = meta.get("ticket_number") or self.ticket_number
        self.asking = list(meta.get("asking") or [])
        if isinstance(meta.get("draft"), dict):
            self.draft = masked_draft(meta["draft"])
            self.icd10 = meta["draft"].get("diagnosis_icd10") or self.icd10

    async def refresh_draft(self, bot: BotClient, sender: str) -> None:
        try:
            self.draft = masked_draft(await bot.slots(sender))
        except Exception as exc:  # noqa: BLE001 - a live view may lag; the call goes on
            log.debug("call %s: draft not refreshed: %s", self.call_sid, exc)

    def add_turn_metrics(self, timer: TurnTimer) -> None:
        self.turn_metrics.append(timer.as_dict())

    def end(self, reason: str, recording: CallRecording) -> None:
        self.state = "ended"
        self.end_reason = reason
        self.duration_s = recording.seconds
        self.recording_path = str(recording.path)
        self.partial = ""

    def view(self) -> dict[str, Any]:
        return {"call_sid": self.call_sid, "state": self.state, "transcript": list(self.transcript),
                "partial": self.partial, "draft": {**self.draft, "diagnosis_icd10": self.icd10},
                "stage": self.stage, "phase": self.phase, "asking": self.asking,
                "ticket_number": self.ticket_number, "end_reason": self.end_reason,
                "duration_s": round(self.duration_s, 2), "barge_ins": self.barge_ins,
                "metrics": {"turns": list(self.turn_metrics), "line_cpu_s": round(self.cpu_s, 3),
                            "recognizer_audio_s": round(self.recognizer_audio_s, 2),
                            "recognizer_cpu_s": round(self.recognizer_cpu_s, 3)}}


class CallRegistry:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.calls: OrderedDict[str, LiveCall] = OrderedDict()
        self.active = 0
        self.refused = 0

    def admit(self, call_sid: str, caller: str) -> LiveCall | None:
        """A live call for a new call, or None when the server is at capacity."""
        if self.active >= self.capacity:
            self.refused += 1
            return None
        self.active += 1
        call = LiveCall(call_sid, caller)
        self.calls[call_sid] = call
        while len(self.calls) > KEEP_ENDED + self.capacity:
            self.calls.popitem(last=False)
        return call

    def release(self, call: LiveCall) -> None:
        self.active = max(0, self.active - 1)

    def get(self, call_sid: str) -> LiveCall | None:
        return self.calls.get(call_sid)
