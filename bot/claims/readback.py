"""The read-back of the draft: what the caller hears before the ticket is created, and the same draft as data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.claims.claim_state import UNKNOWN


def group_digits(value: str, sizes: tuple[int, ...]) -> str:
    """138 1234 5678: digit strings are read in groups so the caller can follow."""
    out, pos = [], 0
    for size in sizes:
        if pos >= len(value):
            break
        out.append(value[pos:pos + size])
        pos += size
    if pos < len(value):
        out.append(value[pos:])
    return " ".join(out)


def speak_phone(value: str) -> str:
    if value.startswith("0"):
        area = 3 if value[:2] in ("01", "02") else 4
        return group_digits(value, (area, 4, 4))
    return group_digits(value, (3, 4, 4))


def speak_date(iso: str, today: date) -> str:
    d = date.fromisoformat(iso)
    prefix = "" if d.year == today.year else f"{d.year}年"
    return f"{prefix}{d.month}月{d.day}日"


def summary(values: Mapping[str, Any], today: date, said: Mapping[str, str] | None = None) -> str:
    """One spoken sentence with all nine items. `said` gives shorter spoken forms (the hospital as the
    caller named it rather than its long official name)."""
    said = said or {}

    def v(slot: str) -> str:
        return str(said.get(slot) or values.get(slot) or UNKNOWN)

    id_value = v("insured_id")
    id_spoken = group_digits(id_value, (6, 8, 4)) if id_value != UNKNOWN else UNKNOWN
    date_value = v("incident_date")
    date_spoken = speak_date(date_value, today) if date_value != UNKNOWN else UNKNOWN
    phone = v("contact_phone")
    phone_spoken = speak_phone(phone) if phone != UNKNOWN else UNKNOWN
    # Not seen anywhere yet: there is no hospital to read back.
    hospital = "" if not values.get("hospital") and values.get("treatment_status") == "未就诊" else f"{v('hospital')}，"
    return (
        f"出险人{v('insured_name')}，身份证{id_spoken}，您是{v('reporter_relation')}；"
        f"{date_spoken}{v('incident_cause')}，{v('diagnosis')}，{hospital}{v('treatment_status')}；"
        f"电话{phone_spoken}"
    )


def draft_metadata(values: Mapping[str, Any], details: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The draft as machine-readable metadata: canonical values, plus the diagnosis code."""
    draft = {slot: values.get(slot) for slot in values}
    diag = details.get("diagnosis", {}).get("detail", {})
    draft["diagnosis_icd10"] = diag.get("icd10")
    return draft
