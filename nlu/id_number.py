"""Resident ID numbers (GB 11643-1999): extraction from speech, validation, masking.

The check character (ISO 7064 MOD 11-2) catches almost every single misheard digit, so a failed check
is the cue to re-ask rather than to guess a correction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from nlu.spoken_digits import corrected_numbers, find_digit_runs

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11
# First two digits: province-level codes (GB/T 2260), plus 71/81/82 (台港澳) and 83 (港澳台居民居住证).
_PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)
_OLDEST_BIRTH_YEAR = 1890
_ID18_RE = re.compile(r"\d{17}[\dX]")
# After 17 digits the check character may be read as 十 (its official reading) or misheard as 西.
_SPOKEN_TEN_RE = re.compile(r"\s*[十西]")

_HINTS = {
    "empty": "请您说一下被保险人的身份证号码。",
    "format": "身份证号应该是数字，最后一位可能是X，麻烦您再说一遍。",
    "length": "身份证号应该是18位，我这边听到的位数不对，麻烦您慢一点再说一遍。",
    "old_format": "您说的好像是15位的老身份证号，麻烦您提供一下现在用的18位身份证号。",
    "province": "身份证号开头几位好像不对，麻烦您核对一下再说一遍。",
    "birthdate": "身份证号里的出生日期好像不对，麻烦您核对一下再说一遍。",
    "checksum": "这个身份证号校验没有通过，可能有一位听错了，麻烦您慢一点再说一遍。",
}


@dataclass(frozen=True)
class IdCheck:
    """Outcome of validating an ID; `reason` is a short code, `hint` the Mandarin re-ask prompt."""

    ok: bool
    reason: str | None = None
    hint: str | None = None
    birthdate: date | None = None
    sex: str | None = None  # "男" / "女"


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 ASCII digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def _birthdate(digits: str) -> date | None:
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _fail(reason: str, birthdate: date | None = None, sex: str | None = None) -> IdCheck:
    return IdCheck(False, reason, _HINTS[reason], birthdate, sex)


def validate_id(value: str, today: date) -> IdCheck:
    """Check length, province code, birth date (real, not in the future, plausible age) and checksum."""
    value = (value or "").strip().upper()
    if not value:
        return _fail("empty")
    if not re.fullmatch(r"\d+X?", value):
        return _fail("format")
    if len(value) == 15 and value.isdigit():
        born = _birthdate("19" + value[6:12])
        return _fail("old_format", born, "男" if int(value[14]) % 2 else "女")
    if len(value) != 18 or not _ID18_RE.fullmatch(value):
        return _fail("length")
    sex = "男" if int(value[16]) % 2 else "女"
    if int(value[:2]) not in _PROVINCES:
        return _fail("province", sex=sex)
    born = _birthdate(value[6:14])
    if born is None or born > today or born.year < _OLDEST_BIRTH_YEAR:
        return _fail("birthdate", sex=sex)
    if check_char(value[:17]) != value[17]:
        return _fail("checksum", born, sex)
    return IdCheck(True, birthdate=born, sex=sex)


def extract_id(text: str) -> str | None:
    """The ID number said or typed in `text`: 18 characters with an upper-case X, or an old 15-digit ID.

    Prefers a run whose checksum holds; two numbers said back to back are split at the caller's pauses; a
    number corrected mid-way (…零三零八，不对，零三零七…) is taken as corrected when its checksum holds.
    """
    for fixed in corrected_numbers(text, 18):
        if _ID18_RE.fullmatch(fixed.digits) and check_char(fixed.digits[:17]) == fixed.digits[17]:
            return fixed.digits
    candidates: list[str] = []
    for run in find_digit_runs(text, min_digits=15):
        digits = run.digits
        if len(digits) == 17 and _SPOKEN_TEN_RE.match(text, run.end):
            digits += "X"
        candidates.append(digits)
        groups = run.groups
        for i in range(len(groups)):  # contiguous group spans, for runs that swallowed a neighbour
            for j in range(i + 1, len(groups) + 1):
                if (i, j) != (0, len(groups)):
                    candidates.append("".join(groups[i:j]))
    ids = [c for c in candidates if len(c) == 18 and _ID18_RE.fullmatch(c)]
    for cand in ids:
        if check_char(cand[:17]) == cand[17]:
            return cand
    if ids:
        return ids[0]
    old = [c for c in candidates if len(c) == 15 and c.isdigit()]
    return old[0] if old else None


def mask_id(value: str) -> str:
    """Keep the first 3 and last 4 characters, for read-back and logs: 310***********108X."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
