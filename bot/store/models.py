"""ORM tables of the ticket store. The schema itself is owned by the Alembic migrations in
bot/store/migrations/; these classes must match them (a unit test compares the two)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Column, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")

# Item columns of `tickets`, in slots.yml order (a test checks they match the slot list).
ITEM_COLUMNS = (
    "insured_name",
    "insured_id",
    "reporter_relation",
    "incident_date",
    "incident_cause",
    "diagnosis",
    "hospital",
    "treatment_status",
    "contact_phone",
)

CALLBACK_PENDING = "待回拨"
CALLBACK_DONE = "已完成"
CALLBACK_STATUSES = (CALLBACK_PENDING, CALLBACK_DONE)

POLICY_ACTIVE = "有效"
POLICY_LAPSED = "失效"

Base = declarative_base()


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, Asia/Shanghai datetimes out, UTC in the database.

    SQLite drops time zones silently, PostgreSQL keeps them: storing UTC and converting on
    the way out gives the same values on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ticket store; pass an aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(SHANGHAI)


def now_utc() -> datetime:
    return datetime.now(UTC)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("number", name="uq_tickets_number"),
        UniqueConstraint("conversation_id", name="uq_tickets_conversation_id"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    number = Column(String(32), nullable=True)  # set in the creating transaction, never left empty
    conversation_id = Column(String(128), nullable=False)
    status = Column(String(16), nullable=False, index=True)
    claim_type = Column(String(16))
    priority = Column(String(4))

    insured_name = Column(String(64))
    insured_id = Column(String(18), index=True)
    reporter_relation = Column(String(16))
    incident_date = Column(Date)
    incident_cause = Column(String(8))
    diagnosis = Column(String(64))
    hospital = Column(String(128))
    treatment_status = Column(String(8))
    contact_phone = Column(String(20))

    diagnosis_term = Column(String(64))
    icd10 = Column(String(8))
    policy_no = Column(String(32))
    flags = Column(JSON, nullable=False, default=dict)
    items = Column(JSON, nullable=False, default=dict)
    transcript = Column(JSON, nullable=False, default=list)
    turn_count = Column(Integer, nullable=False, default=0)
    handoff_reason = Column(Text)

    created_at = Column(UtcDateTime, nullable=False, default=now_utc)
    updated_at = Column(UtcDateTime, nullable=False, default=now_utc)
    call_started_at = Column(UtcDateTime, nullable=False)
    verified_by = Column(String(64))
    verified_at = Column(UtcDateTime)

    callbacks = relationship("CallbackTask", back_populates="ticket")


class CallbackTask(Base):
    __tablename__ = "callback_tasks"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", name="fk_callback_tasks_ticket_id"), nullable=False, index=True)
    phone = Column(String(20), nullable=False)
    reason = Column(Text, nullable=False)
    status = Column(String(8), nullable=False, default=CALLBACK_PENDING, index=True)
    due_at = Column(UtcDateTime, nullable=False)
    created_at = Column(UtcDateTime, nullable=False, default=now_utc)

    ticket = relationship("Ticket", back_populates="callbacks")


class Policy(Base):
    __tablename__ = "policies"

    policy_no = Column(String(32), primary_key=True)
    insured_name = Column(String(64), nullable=False)
    insured_id = Column(String(18), nullable=False, index=True)
    product = Column(String(64), nullable=False)
    status = Column(String(8), nullable=False)
    effective_date = Column(Date, nullable=False)
    expiry_date = Column(Date)
    holder_phone = Column(String(20))


class CallRecording(Base):
    """A phone call's stereo WAV (caller left, bot right) and timed transcript; its ticket is the one with
    the same conversation id."""

    __tablename__ = "call_recordings"
    __table_args__ = (UniqueConstraint("call_sid", name="uq_call_recordings_call_sid"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    call_sid = Column(String(64), nullable=False)
    conversation_id = Column(String(128), nullable=False, index=True)
    caller = Column(String(32))
    wav_path = Column(Text, nullable=False)
    transcript = Column(JSON, nullable=False, default=list)
    duration_s = Column(Float, nullable=False)
    end_reason = Column(String(32), nullable=False)
    started_at = Column(UtcDateTime, nullable=False)
    ended_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False, index=True)
