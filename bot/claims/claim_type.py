"""Claim type and review priority of a report, derived from its items.

Why here and not in the dialogue: the store, the review UI and the evaluation all need the
same answer from the same items, so the rule lives in one small pure module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "claims" / "claim_types.yml"

ACCIDENT_MEDICAL = "意外医疗"
ILLNESS_MEDICAL = "疾病医疗"
CRITICAL_ILLNESS = "重大疾病"
DEATH = "身故"
DISABILITY = "伤残"

PRIORITY_HIGH = "高"
PRIORITY_MEDIUM = "中"
PRIORITY_LOW = "低"
_PRIORITY_ORDER = (PRIORITY_LOW, PRIORITY_MEDIUM, PRIORITY_HIGH)


@lru_cache(maxsize=1)
def _rules() -> dict:
    with RULES_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def is_critical_icd10(icd10: str | None) -> bool:
    """True when the ICD-10 category is one the rules file lists as 重大疾病."""
    if not icd10:
        return False
    category = icd10.strip().upper()[:3]
    rules = _rules()
    if category in rules["critical_icd10"]:
        return True
    return any(low <= category <= high for low, high in rules["critical_icd10_ranges"])


def is_accident_icd10(icd10: str | None) -> bool:
    """Injury and external-cause chapters (S, T, V–Y) point to an accident."""
    return bool(icd10) and icd10.strip().upper()[:1] in _rules()["accident_icd10_prefixes"]


def derive_claim_type(
    cause: str | None,
    icd10: str | None,
    critical: bool | None,
    treatment_status: str | None,
    disability: bool = False,
) -> str:
    """One of 意外医疗 / 疾病医疗 / 重大疾病 / 身故 / 伤残.

    Checked from the gravest down, because one report is filed under one type and the graver
    benefit decides which documents the caller must bring: 身故 (treatment_status says so),
    then 重大疾病 (critical, or when critical is None an ICD-10 category listed as critical),
    then 伤残 (the caller's words implied disability), else 意外医疗 / 疾病医疗 by cause; an
    unknown cause falls back to the diagnosis chapter (S/T… injuries are accidents).
    """
    if treatment_status == "身故":
        return DEATH
    if critical is None:
        critical = is_critical_icd10(icd10)
    if critical:
        return CRITICAL_ILLNESS
    if disability:
        return DISABILITY
    if cause == "意外":
        return ACCIDENT_MEDICAL
    if cause == "疾病":
        return ILLNESS_MEDICAL
    return ACCIDENT_MEDICAL if is_accident_icd10(icd10) else ILLNESS_MEDICAL


def derive_priority(
    claim_type: str,
    treatment_status: str | None,
    flags: Mapping[str, str] | Iterable[str] | None = None,
) -> str:
    """Review priority 高 / 中 / 低 for the back office's queue.

    Rule: 身故 and 重大疾病 start at 高; 伤残 or a patient in hospital (住院) at 中; anything
    else at 低. Any flag (a failed check such as 身份证校验位不符 or 保单未匹配) raises the
    level by one, capped at 高, because a flagged ticket needs a person sooner.
    """
    if claim_type in (DEATH, CRITICAL_ILLNESS):
        level = 2
    elif claim_type == DISABILITY or treatment_status == "住院":
        level = 1
    else:
        level = 0
    if flags:
        level = min(level + 1, len(_PRIORITY_ORDER) - 1)
    return _PRIORITY_ORDER[level]
