"""Real-time checks on a caller's answer: ID checksum and birthdate, phone format, date window, term and
hospital registries. A failed check yields the response that re-asks with a specific hint and the flag put
on the ticket when the answer is accepted anyway (the contract: re-ask once, then accept and flag).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from nlu import date_parser, id_number, phone_number


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    hint: str | None = None    # domain response used when re-asking
    flag: str | None = None    # short Mandarin note for the analyst when accepted anyway


OK = CheckResult(True)

# reason -> (re-ask response, flag for the analyst)
_ID_FAILURES = {
    "length": ("utter_hint_id_length", "身份证号位数不对"),
    "checksum": ("utter_hint_id_checksum", "身份证校验位不符"),
    "birthdate": ("utter_hint_id_birthdate", "身份证出生日期不合理"),
    "province": ("utter_hint_id_province", "身份证地区码无效"),
}


def check_item(slot: str, value: str, detail: dict[str, Any], now: datetime) -> CheckResult:
    """Checks one canonical value; unknown answers (不详) pass and are flagged elsewhere."""
    if slot == "insured_id":
        result = id_number.validate_id(value, now.date())
        if result.ok:
            return OK
        hint, flag = _ID_FAILURES.get(result.reason or "", ("utter_hint_id_checksum", "身份证号校验未通过"))
        return CheckResult(False, hint, flag)
    if slot == "contact_phone":
        result = phone_number.validate_phone(value)
        return OK if result.ok else CheckResult(False, "utter_hint_phone", "联系电话格式异常")
    if slot == "incident_date":
        result = date_parser.validate_incident_date(date.fromisoformat(value), now)
        if result.ok:
            return OK
        future = result.reason == "future"
        return CheckResult(
            False,
            "utter_hint_date_future" if future else "utter_hint_date_too_old",
            "出险日期晚于来电日期" if future else "出险日期超过两年",
        )
    if slot == "diagnosis" and not detail.get("icd10"):
        return CheckResult(False, "utter_hint_diagnosis", "诊断未匹配，需人工编码")
    if slot == "diagnosis" and detail.get("hedged"):
        return CheckResult(True, None, "诊断未确定（疑似或待查），需人工核对")
    if slot == "diagnosis" and detail.get("method") == "classifier":
        return CheckResult(True, None, "诊断由模型归类，需人工核对编码")
    if slot == "hospital" and not detail.get("in_registry", False):
        # Not a reason to re-ask: small hospitals are real too. The analyst checks it.
        return CheckResult(True, None, "医院不在医院名录中")
    return OK
