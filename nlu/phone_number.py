"""Contact phone numbers: extraction from speech, validation, masking and partial corrections.

A mobile is 11 digits (^1[3-9]\\d{9}$); a landline must carry its area code (0 + 2–3 digits) because the
ticket is read by people calling back from anywhere. Country prefixes +86 / 0086 are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.spoken_digits import corrected_numbers, find_digit_runs, parse_small_number, to_digits

_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# 01x / 02x are the two-digit area codes (Beijing, Shanghai, Guangzhou, ...); others have three digits.
_LANDLINE_RE = re.compile(r"0[12]\d\d{7,8}|0[3-9]\d\d\d{7,8}")
_COUNTRY_PREFIXES = ("0086", "86")
_ID_LENGTHS = (15, 18)

_HINTS = {
    "empty": "请您说一下联系电话，手机号或者带区号的座机都可以。",
    "format": "电话号码应该都是数字，麻烦您再说一遍。",
    "length": "这个号码位数好像不对，手机号是11位，麻烦您再说一遍。",
    "prefix": "这个手机号开头好像不对，麻烦您再核对一下。",
    "no_area_code": "座机号码请带上区号，比如零二一开头，麻烦您再说一遍。",
}


@dataclass(frozen=True)
class PhoneCheck:
    """Outcome of validating a phone number; `kind` is "mobile" or "landline" when ok."""

    ok: bool
    reason: str | None = None
    hint: str | None = None
    kind: str | None = None


def _strip_country(digits: str) -> str:
    for prefix in _COUNTRY_PREFIXES:
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and (_MOBILE_RE.fullmatch(rest) or _LANDLINE_RE.fullmatch("0" + rest)):
            return rest if _MOBILE_RE.fullmatch(rest) else "0" + rest
    return digits


def _kind(digits: str) -> str | None:
    if _MOBILE_RE.fullmatch(digits):
        return "mobile"
    if _LANDLINE_RE.fullmatch(digits):
        return "landline"
    return None


def validate_phone(value: str) -> PhoneCheck:
    """Whether `value` (digits, possibly with spaces, hyphens or +86) is a usable contact number."""
    raw = (value or "").strip()
    if not raw:
        return PhoneCheck(False, "empty", _HINTS["empty"])
    compact = re.sub(r"[\s\-－()（）+]", "", raw)
    if not compact.isdigit():
        return PhoneCheck(False, "format", _HINTS["format"])
    digits = _strip_country(to_digits(compact))
    kind = _kind(digits)
    if kind:
        return PhoneCheck(True, kind=kind)
    if len(digits) == 11 and digits[0] == "1":
        return PhoneCheck(False, "prefix", _HINTS["prefix"])
    if len(digits) in (7, 8) and digits[0] != "0":
        return PhoneCheck(False, "no_area_code", _HINTS["no_area_code"])
    return PhoneCheck(False, "length", _HINTS["length"])


# "区号零二七，号码二八四零二三零五": the area code and the number said as two labelled parts.
_LABELLED_LANDLINE_RE = re.compile(r"区号(?:是)?\s*(?P<area>[^，,。；;\s]{2,8}?)\s*[，,；;\s]*(?:号码|电话|座机)(?:是)?")


def _join_labelled_landline(text: str) -> str:
    m = _LABELLED_LANDLINE_RE.search(text)
    if not m:
        return text
    return text[:m.start()] + m.group("area") + text[m.end():]


def extract_phone(text: str) -> str | None:
    """The first mobile or area-coded landline number in `text`, as digits only.

    Each digit run is tried whole, then by the caller's own digit groups, so a phone number said right
    after another number (comma or pause between them) is still found; an ID-length run is not split.
    A number corrected mid-way (幺三八一二，不对，幺三九一二三四五六七八) is taken as corrected.
    """
    for length in (11, 12, 10):  # a mobile, then landlines with their area code
        for fixed in corrected_numbers(text, length):
            if _kind(fixed.digits):
                return fixed.digits
    for run in find_digit_runs(_join_labelled_landline(text), min_digits=7):
        if run.digits.endswith("X"):
            continue
        groups = run.groups
        spans = [(0, len(groups))]
        if len(run.digits) not in _ID_LENGTHS:  # never cut a phone number out of an ID said in groups
            spans += [(i, j) for i in range(len(groups)) for j in range(i + 1, len(groups) + 1) if j - i < len(groups)]
        for i, j in spans:
            digits = _strip_country("".join(groups[i:j]))
            if _kind(digits):
                return digits
    return None


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: 138****5678."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


_DIGIT_WORDS = "0-9０-９零〇洞一幺二两三四五六七拐八九勾"
_NUM = r"[0-9一二两三四五六七八九十]{1,3}"
_CORRECTION_RE = re.compile(
    rf"(?P<part>最后|后面|后|末|尾号|尾数|中间|前面|前|开头|第)\s*(?:(?P<n>{_NUM})\s*(?:位数?|个数字?))?"
    rf"\s*(?:号码)?\s*(?:应该|其实|实际上)?\s*(?:是|为|改成|换成|改为)?\s*(?P<digits>[{_DIGIT_WORDS}\s,，\-]+)"
)


def apply_correction(old: str, text: str) -> str | None:
    """Apply a partial correction said at read-back ("后四位是五六七八", "第五位是六") to `old`.

    Returns the corrected number, or None when `text` is not such a correction or does not fit `old`.
    """
    if not old:
        return None
    for match in _CORRECTION_RE.finditer(text):
        part = match.group("part")
        new = to_digits(match.group("digits"))
        if not new:
            continue
        n = parse_small_number(match.group("n")) if match.group("n") else None
        if part == "第":
            if n is None or not 1 <= n <= len(old) or len(new) != 1:
                continue
            return old[: n - 1] + new + old[n:]
        if n is None:
            if part in ("尾号", "尾数", "最后", "后面", "后", "末"):
                n = len(new)
            else:
                continue
        if n != len(new) or not 0 < n < len(old):
            continue
        if part in ("最后", "后面", "后", "末", "尾号", "尾数"):
            return old[:-n] + new
        if part in ("前面", "前", "开头"):
            return new + old[n:]
        start = (len(old) - n) // 2  # 中间: centred, which is positions 4–7 of an 11-digit mobile
        return old[:start] + new + old[start + n:]
    return None
