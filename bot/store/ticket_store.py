"""Persistent claim tickets and callback tasks.

The dialogue calls create_ticket once at the end of a call, but retries, a restarted action
server or two replicas may call it again for the same conversation; the unique constraint on
conversation_id makes the first insert win and every later call return that same ticket.
Callers get plain dataclasses, never live ORM objects, so nothing leaks a session.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.claims.claim_type import derive_claim_type, derive_priority
from bot.claims.ticket_draft import (
    STATUS_PENDING_REVIEW,
    STATUS_VERIFIED,
    TICKET_STATUSES,
    SlotValue,
    TicketDraft,
)
from bot.store.db import DatabaseStore
from bot.store.models import (
    CALLBACK_PENDING,
    CALLBACK_STATUSES,
    ITEM_COLUMNS,
    SHANGHAI,
    CallbackTask,
    Ticket,
    now_utc,
)

NUMBER_PREFIX = "BA"
# Fields a reviewer may change besides the nine items.
EDITABLE_FIELDS = ("claim_type", "priority", "policy_no", "handoff_reason")


class TicketNotFoundError(LookupError):
    """No ticket with that number."""


def ticket_number(created_at: datetime, row_id: int) -> str:
    """BA-<creation date in Shanghai>-<row id, 6 digits>, e.g. BA-20260314-000123."""
    return f"{NUMBER_PREFIX}-{created_at.astimezone(SHANGHAI):%Y%m%d}-{row_id:06d}"


@dataclass
class TicketRecord:
    """A stored ticket, detached from the database."""

    id: int
    number: str
    conversation_id: str
    status: str
    claim_type: str | None
    priority: str | None
    values: dict[str, str | None]  # the nine canonical values, slot name -> value (None if missing)
    diagnosis_term: str | None
    icd10: str | None
    policy_no: str | None
    flags: dict[str, str]
    items: dict[str, SlotValue]
    transcript: list[dict[str, str]]
    turn_count: int
    handoff_reason: str | None
    created_at: datetime
    updated_at: datetime
    call_started_at: datetime
    verified_by: str | None = None
    verified_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (datetimes as ISO strings), for the web UI and exports."""
        data = asdict(self)
        data["items"] = {name: item.to_dict() for name, item in self.items.items()}
        for key in ("created_at", "updated_at", "call_started_at", "verified_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


@dataclass
class CallbackRecord:
    id: int
    ticket_number: str
    phone: str
    reason: str
    status: str
    due_at: datetime
    created_at: datetime


def _column_value(slot: str, value: str | None) -> Any:
    if value is None or slot != "incident_date":
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None  # not a resolved date: the raw item stays in the items JSON for the reviewer


def _local(moment: datetime | None) -> datetime | None:
    """Shanghai time, whether the value was just assigned (UTC) or loaded from the database."""
    return moment.astimezone(SHANGHAI) if moment is not None else None


def _to_record(ticket: Ticket) -> TicketRecord:
    values = {}
    for slot in ITEM_COLUMNS:
        raw = getattr(ticket, slot)
        values[slot] = raw.isoformat() if isinstance(raw, date) else raw
    return TicketRecord(
        id=ticket.id,
        number=ticket.number,
        conversation_id=ticket.conversation_id,
        status=ticket.status,
        claim_type=ticket.claim_type,
        priority=ticket.priority,
        values=values,
        diagnosis_term=ticket.diagnosis_term,
        icd10=ticket.icd10,
        policy_no=ticket.policy_no,
        flags=dict(ticket.flags or {}),
        items={name: SlotValue.from_dict(item) for name, item in (ticket.items or {}).items()},
        transcript=[dict(turn) for turn in ticket.transcript or []],
        turn_count=ticket.turn_count,
        handoff_reason=ticket.handoff_reason,
        created_at=_local(ticket.created_at),
        updated_at=_local(ticket.updated_at),
        call_started_at=_local(ticket.call_started_at),
        verified_by=ticket.verified_by,
        verified_at=_local(ticket.verified_at),
    )


def _callback_record(task: CallbackTask) -> CallbackRecord:
    return CallbackRecord(
        id=task.id,
        ticket_number=task.ticket.number,
        phone=task.phone,
        reason=task.reason,
        status=task.status,
        due_at=_local(task.due_at),
        created_at=_local(task.created_at),
    )


def _apply_item(ticket: Ticket, slot: str, item: SlotValue | None) -> None:
    value = item.value if item else None
    setattr(ticket, slot, _column_value(slot, value))
    if slot == "diagnosis":
        detail = item.detail if item else {}
        ticket.diagnosis_term = detail.get("term")
        ticket.icd10 = detail.get("icd10")


def _derived_type_and_priority(draft: TicketDraft) -> tuple:
    diagnosis = draft.items.get("diagnosis")
    detail = diagnosis.detail if diagnosis else {}
    claim_type = draft.claim_type or derive_claim_type(
        draft.value("incident_cause"),
        detail.get("icd10"),
        detail.get("critical"),
        draft.value("treatment_status"),
        disability=bool(detail.get("disability")),
    )
    priority = draft.priority or derive_priority(claim_type, draft.value("treatment_status"), draft.flags)
    return claim_type, priority


class TicketStore(DatabaseStore):
    """Tickets and callback tasks in any SQLAlchemy database (SQLite file by default).

    Opening a store migrates its database to the latest schema, so a fresh SQLite file or
    an empty PostgreSQL database works at once.
    """

    # -- tickets -----------------------------------------------------------------------------

    def create_ticket(self, draft: TicketDraft, now: datetime | None = None) -> TicketRecord:
        """Store the draft as a ticket, exactly once per conversation; returns the stored ticket.

        `now` (aware) fixes the creation time, e.g. for replayed calls; default is the clock.
        """
        existing = self.get_by_conversation(draft.conversation_id)
        if existing is not None:
            return existing
        created_at = now or now_utc()
        claim_type, priority = _derived_type_and_priority(draft)
        status = draft.status if draft.status in TICKET_STATUSES else STATUS_PENDING_REVIEW
        ticket = Ticket(
            conversation_id=draft.conversation_id,
            status=status,
            claim_type=claim_type,
            priority=priority,
            policy_no=draft.policy_no,
            flags=dict(draft.flags),
            items={name: item.to_dict() for name, item in draft.items.items()},
            transcript=[dict(turn) for turn in draft.transcript],
            turn_count=draft.turn_count,
            handoff_reason=draft.handoff_reason,
            created_at=created_at,
            updated_at=created_at,
            call_started_at=draft.call_started_at,
        )
        for slot in ITEM_COLUMNS:
            _apply_item(ticket, slot, draft.items.get(slot))
        session: Session = self.sessions()
        try:
            session.add(ticket)
            session.flush()  # assigns the row id inside this transaction
            ticket.number = ticket_number(created_at, ticket.id)
            session.commit()
            return _to_record(ticket)
        except IntegrityError:
            # Another call for this conversation committed first: theirs is the ticket.
            session.rollback()
            winner = self.get_by_conversation(draft.conversation_id)
            if winner is None:
                raise
            return winner
        finally:
            session.close()

    def get(self, number: str) -> TicketRecord | None:
        with self.sessions() as session:
            ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()
            return _to_record(ticket) if ticket else None

    def get_by_conversation(self, conversation_id: str) -> TicketRecord | None:
        with self.sessions() as session:
            query = select(Ticket).where(Ticket.conversation_id == conversation_id)
            ticket = session.execute(query).scalar_one_or_none()
            return _to_record(ticket) if ticket else None

    def update_items(
        self,
        number: str,
        changes: Mapping[str, str | SlotValue | dict[str, Any] | None],
        reviewer: str,
    ) -> TicketRecord:
        """A reviewer's corrections: item slots (value string, SlotValue or its dict) and the
        fields in EDITABLE_FIELDS. A corrected item's flag is cleared and its old value kept in
        detail["previous"], so the ticket shows what the bot had heard."""
        unknown = [key for key in changes if key not in ITEM_COLUMNS and key not in EDITABLE_FIELDS]
        if unknown:
            raise KeyError(f"cannot edit {unknown}; editable: {ITEM_COLUMNS + EDITABLE_FIELDS}")
        with self.sessions() as session, session.begin():
            ticket = self._load(session, number)
            items = dict(ticket.items or {})
            flags = dict(ticket.flags or {})
            for key, change in changes.items():
                if key in EDITABLE_FIELDS:
                    setattr(ticket, key, change)
                    continue
                item = _reviewed_item(change, reviewer, items.get(key))
                if item is None:
                    items.pop(key, None)
                else:
                    items[key] = item.to_dict()
                flags.pop(key, None)
                _apply_item(ticket, key, item)
            ticket.items = items
            ticket.flags = flags
            ticket.updated_at = now_utc()
            session.flush()
            return _to_record(ticket)

    def set_status(self, number: str, status: str, reviewer: str) -> TicketRecord:
        """Move a ticket to one of TICKET_STATUSES; 已核对 records who verified it and when."""
        if status not in TICKET_STATUSES:
            raise ValueError(f"status must be one of {TICKET_STATUSES}, got {status!r}")
        with self.sessions() as session, session.begin():
            ticket = self._load(session, number)
            ticket.status = status
            ticket.updated_at = now_utc()
            if status == STATUS_VERIFIED:
                ticket.verified_by = reviewer
                ticket.verified_at = ticket.updated_at
            session.flush()
            return _to_record(ticket)

    def list(
        self, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> builtins.list[TicketRecord]:
        """Newest first, optionally only one status."""
        query = select(Ticket).order_by(Ticket.id.desc()).limit(limit).offset(offset)
        if status is not None:
            query = query.where(Ticket.status == status)
        with self.sessions() as session:
            return [_to_record(ticket) for ticket in session.execute(query).scalars()]

    # -- callbacks ---------------------------------------------------------------------------

    def create_callback(self, ticket_number: str, phone: str, reason: str, due_at: datetime) -> CallbackRecord:
        """Schedule a return call about a ticket (status 待回拨); due_at must be timezone-aware."""
        if due_at.tzinfo is None:
            raise ValueError("due_at must be an aware datetime (Asia/Shanghai), not naive")
        with self.sessions() as session, session.begin():
            ticket = self._load(session, ticket_number)
            task = CallbackTask(
                ticket=ticket, phone=phone, reason=reason, status=CALLBACK_PENDING,
                due_at=due_at, created_at=now_utc(),
            )
            session.add(task)
            session.flush()
            return _callback_record(task)

    def set_callback_status(self, callback_id: int, status: str) -> CallbackRecord:
        if status not in CALLBACK_STATUSES:
            raise ValueError(f"callback status must be one of {CALLBACK_STATUSES}, got {status!r}")
        with self.sessions() as session, session.begin():
            task = session.get(CallbackTask, callback_id)
            if task is None:
                raise LookupError(f"no callback task {callback_id}")
            task.status = status
            session.flush()
            return _callback_record(task)

    def callbacks(self, status: str | None = None, ticket_number: str | None = None) -> builtins.list[CallbackRecord]:
        """Callback tasks, earliest due first; optionally only one status and/or one ticket's."""
        query = select(CallbackTask).order_by(CallbackTask.due_at, CallbackTask.id)
        if status is not None:
            query = query.where(CallbackTask.status == status)
        if ticket_number is not None:
            query = query.join(Ticket).where(Ticket.number == ticket_number)
        with self.sessions() as session:
            return [_callback_record(task) for task in session.execute(query).scalars()]

    def callbacks_for(self, ticket_number: str) -> builtins.list[CallbackRecord]:
        """All callback tasks of one ticket (e.g. to avoid scheduling a second one)."""
        return self.callbacks(ticket_number=ticket_number)

    @staticmethod
    def _load(session: Session, number: str) -> Ticket:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()
        if ticket is None:
            raise TicketNotFoundError(number)
        return ticket


def _reviewed_item(
    change: str | SlotValue | dict[str, Any] | None, reviewer: str, previous: dict[str, Any] | None
) -> SlotValue | None:
    if change is None:
        return None
    if isinstance(change, SlotValue):
        item = SlotValue(change.value, change.confidence, change.source, dict(change.detail))
    elif isinstance(change, dict):
        item = SlotValue.from_dict({"confidence": 1.0, **change})
    else:
        item = SlotValue(value=str(change), confidence=1.0)
    if not item.source:
        item.source = f"人工核对：{reviewer}"
    item.detail.setdefault("reviewer", reviewer)
    if previous is not None:
        item.detail.setdefault("previous", previous.get("value"))
    return item
