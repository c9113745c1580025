"""Call recordings in the ticket database: saved when a call ends, found by ticket, purged after the
retention period (the WAV file goes with its row)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.store.db import DatabaseStore
from bot.store.models import CallRecording, Ticket, now_utc

log = logging.getLogger("claimbot.recordings")

IN_PROGRESS = "in_progress"  # end_reason of a call saved at its start and not yet ended


@dataclass
class RecordingRecord:
    call_sid: str
    conversation_id: str
    caller: str | None
    wav_path: str
    transcript: list[dict[str, Any]]
    duration_s: float
    end_reason: str
    started_at: datetime
    ended_at: datetime
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "ended_at", "expires_at"):
            data[key] = data[key].isoformat()
        return data


def _record(row: CallRecording) -> RecordingRecord:
    return RecordingRecord(row.call_sid, row.conversation_id, row.caller, row.wav_path, list(row.transcript or []),
                           row.duration_s, row.end_reason, row.started_at, row.ended_at, row.expires_at)


class RecordingStore(DatabaseStore):

    def save(self, record: RecordingRecord) -> None:
        """Idempotent per call: a second save of the same call replaces the first."""
        with self.sessions() as session:
            row = session.execute(select(CallRecording).where(CallRecording.call_sid == record.call_sid)
                                  ).scalar_one_or_none() or CallRecording(call_sid=record.call_sid)
            for key, value in asdict(record).items():
                setattr(row, key, value)
            session.add(row)
            session.commit()

    def get(self, call_sid: str) -> RecordingRecord | None:
        with self.sessions() as session:
            row = session.execute(select(CallRecording).where(CallRecording.call_sid == call_sid)).scalar_one_or_none()
            return _record(row) if row else None

    def open_calls(self) -> list[RecordingRecord]:
        """Calls saved at their start that never ended: cut off by a crash of the web process."""
        with self.sessions() as session:
            query = select(CallRecording).where(CallRecording.end_reason == IN_PROGRESS).order_by(
                CallRecording.started_at)
            return [_record(row) for row in session.execute(query).scalars()]

    def for_ticket(self, number: str) -> list[RecordingRecord]:
        with self.sessions() as session:
            query = (select(CallRecording).join(Ticket, Ticket.conversation_id == CallRecording.conversation_id)
                     .where(Ticket.number == number).order_by(CallRecording.started_at))
            return [_record(row) for row in session.execute(query).scalars()]

    def purge_expired(self, now: datetime | None = None) -> int:
        """Deletes recordings past their retention date, files first; returns how many went."""
        now = now or now_utc()
        removed = 0
        with self.sessions() as session:
            rows = session.execute(select(CallRecording).where(CallRecording.expires_at <= now)).scalars().all()
            for row in rows:
                Path(row.wav_path).unlink(missing_ok=True)
                session.delete(row)
                removed += 1
            session.commit()
        if removed:
            log.info("purged %d expired call recordings", removed)
        return removed


def expiry(ended_at: datetime, retention_days: int) -> datetime:
    return ended_at + timedelta(days=retention_days)
