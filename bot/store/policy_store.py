"""Policy lookup by the insured's name and ID number, as the bot does it during the call.

The result says why a lookup failed in the words the ticket's flag uses, so the back office
sees at a glance whether the ID was misheard, the name differs, or the cover has lapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import POLICY_ACTIVE, Policy

WHY_ID_UNKNOWN = "身份证号未匹配"
WHY_NAME_MISMATCH = "姓名与保单不符"
WHY_LAPSED = "保单已失效"


@dataclass
class PolicyMatch:
    found: bool
    policy_no: str | None = None
    product: str | None = None
    status: str | None = None
    why_not: str | None = None


def _clean_name(name: str) -> str:
    return "".join(ch for ch in name if not ch.isspace() and ch not in "·•.")


def _session(session_or_store: Any) -> tuple:
    """(session, owned): accepts a Session, a TicketStore (its .sessions) or a session factory."""
    if isinstance(session_or_store, Session):
        return session_or_store, False
    factory = getattr(session_or_store, "sessions", session_or_store)
    return factory(), True


def lookup_policy(session_or_store: Any, name: str, id_number: str) -> PolicyMatch:
    """Find the insured's in-force policy; prefer active over lapsed, then the most recent."""
    session, owned = _session(session_or_store)
    try:
        query = select(Policy).where(Policy.insured_id == id_number.strip().upper())
        policies = list(session.execute(query).scalars())
    finally:
        if owned:
            session.close()
    if not policies:
        return PolicyMatch(found=False, why_not=WHY_ID_UNKNOWN)
    named = [p for p in policies if _clean_name(p.insured_name) == _clean_name(name)]
    if not named:
        return PolicyMatch(found=False, why_not=WHY_NAME_MISMATCH)
    named.sort(key=lambda p: (p.status == POLICY_ACTIVE, p.effective_date), reverse=True)
    best = named[0]
    return PolicyMatch(
        found=best.status == POLICY_ACTIVE,
        policy_no=best.policy_no,
        product=best.product,
        status=best.status,
        why_not=None if best.status == POLICY_ACTIVE else WHY_LAPSED,
    )
