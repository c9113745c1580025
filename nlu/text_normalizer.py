"""Normalizes caller text before any NLU: what a recognizer or a hurried typist hands over becomes one form.

Recognizers put spaces between words and say digits as words; typists mix full-width characters. The NLU
components, the action server and the phone channel all call `normalize_text` (one implementation).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nlu import spoken_digits

_CJK = r"\u3400-\u9fff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_AROUND_DIGIT = re.compile(rf"(?<=[{_CJK}\d])\s+(?=\d)|(?<=\d)\s+(?=[{_CJK}])")
_MULTISPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\ufeff]")
_HAS_CJK = re.compile(rf"[{_CJK}]")

MAX_CHARS = 500  # a caller turn longer than this is cut: nobody says more in one breath


@dataclass(frozen=True)
class InputQuality:
    kind: str   # ok | empty | garbage | too_long
    reason: str = ""


def normalize_text(text: str | None) -> str:
    """NFKC, no control characters, no spaces inside Chinese, long spoken digit runs as ASCII digits."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = _CONTROL.sub(" ", s)[:MAX_CHARS]
    s = _MULTISPACE.sub(" ", s).strip()
    s = _SPACE_BETWEEN_CJK.sub("", s)
    s = _digits_to_ascii(s)
    s = _SPACE_AROUND_DIGIT.sub("", s)
    return s


def _digits_to_ascii(s: str) -> str:
    """Spoken digit strings (IDs, phones: five or more digits) become ASCII, digit by digit."""
    runs = spoken_digits.find_digit_runs(s, min_digits=5)
    if not runs:
        return s
    out, pos = [], 0
    for run in runs:
        out.append(s[pos:run.start])
        out.append(run.digits)
        pos = run.end
    out.append(s[pos:])
    return "".join(out)


def assess_input(text: str | None) -> InputQuality:
    """Classifies raw input so that empty or meaningless turns get a re-prompt, never a slot value."""
    if text is None or not text.strip():
        return InputQuality("empty")
    if len(text) > MAX_CHARS * 4:
        return InputQuality("too_long", f"{len(text)} chars")
    if not _HAS_CJK.search(text):
        # English, emoji, bare punctuation: nothing our Chinese NLU can use. Digits alone are kept,
        # since an ID or phone number may be typed without words.
        stripped = re.sub(r"[\s\-+(),.，。、]", "", text)  # 350203,19921010,2939: typed digits in groups
        if stripped.isdigit() or re.fullmatch(r"\d{17}[\dXx]", stripped):
            return InputQuality("ok")
        return InputQuality("garbage", "no Chinese")
    if "<" in text and ">" in text or re.search(r"(?i)\b(select|drop|insert|delete)\b.*\b(from|table|into)\b", text):
        return InputQuality("garbage", "markup or SQL")
    return InputQuality("ok")
