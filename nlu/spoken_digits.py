"""Spoken and typed digits → digit strings.

Phone and ID numbers reach us through speech recognition as digit words (幺三八, 洞, 拐, 三个八) or typed
with ASCII / full-width digits and hyphens. They are converted digit by digit, never through an integer,
so leading zeros and 18-digit IDs survive. What a run *means* (phone, ID, year) is left to the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

# One character per digit. Includes the phone-style readings (幺 洞 拐 勾) and full-width / banker's forms.
_DIGIT_CHARS: dict[str, str] = {}
for _digit, _chars in {
    "0": "0０零〇洞",
    "1": "1１一幺壹",
    "2": "2２二两贰",
    "3": "3３三叁",
    "4": "4４四肆",
    "5": "5５五伍",
    "6": "6６六陆",
    "7": "7７七拐柒",
    "8": "8８八捌",
    "9": "9９九勾玖",
}.items():
    for _ch in _chars:
        _DIGIT_CHARS[_ch] = _digit

_DIGIT_CLASS = "[" + "".join(_DIGIT_CHARS) + "]"
# "三个八" = 888. The repeated digit must not start a word (三个一起, 两个八十岁的).
_REPEAT = (
    rf"(?P<count>[两二三四五六七八九2-9])\s*个\s*(?P<rdigit>{_DIGIT_CLASS})"
    r"(?![十百千万起样岁块元人天年月日号点])"
)
# The ID check character; it can only end a run.
# the check character X, also when announced: 最后一位是叉, 尾号是艾克斯
_X_WORD = (r"(?:(?:最后一位|最后一个|最后那个|最后那位|最后|后面一个|后面|末位|尾号|尾数|再加个|再加一个|加个)(?:是个|是一个|是|为)?)?"
           r"(?:大写的?(?:[xXＸ]|叉|[艾埃爱]克斯)|[艾埃爱]克斯|叉|(?<![A-Za-z])[xXＸｘ](?![A-Za-z]))")
# Announcements of the last digit that hold a digit word themselves (最后一位, 最后一个): not digits.
_SKIP = r"最后一位|最后一个|末一位|(?:最后|后|末)[两二三四五六](?:位|个数)"
_TOKEN_RE = re.compile(rf"(?P<repeat>{_REPEAT})|(?P<x>{_X_WORD})|(?P<skip>{_SKIP})|(?P<digit>{_DIGIT_CLASS})")
# What may stand between two digit groups of one number: spaces, punctuation, pauses (…, 。), spoken dash,
# short fillers and 然后; before the last group also its announcement (…幺零八，最后一位是九). A single
# ASCII dot is not a pause: it separates the parts of a typed date (2026.3.14).
_TAIL_CUE = (r"(?:最后一位|最后一个|最后那位|(?:最后|后|末)[两二三四五六](?:位|个数)|最后|末尾|末位|尾号|尾数)"
             r"(?:数字|数)?(?:是|为|呢是?)?")
_GAP_RE = re.compile(
    r"(?:(?:[\s,，、\-－—–_/()（）。;；:：]|\.{2,}|…+|杠|嗯|呃|额|啊|那个|然后|接着|再就是|再是|就是)+"
    rf"(?:{_TAIL_CUE}[\s,，、]*)?|{_TAIL_CUE}[\s,，、]*)"
)

# After a pause, a digit word with a unit or a tens word behind it (…一零七四，四月十二号 / 二十号) starts a
# date or an amount, not the next digit group.
_NUMBER_WORD_AFTER_RE = re.compile(r"\s*(?:[月号日点时岁周年十百千万]|个月|个小时)")


@dataclass(frozen=True)
class DigitRun:
    """A maximal stretch of digit words in a text.

    `digits` is the digit string (may end with "X"); `groups` are the digit groups as the caller spaced
    or paused them, which lets a caller split two numbers that were run together.
    """

    start: int
    end: int
    digits: str
    raw: str
    groups: tuple[str, ...] = ()


def _token_digits(match: re.Match[str]) -> str:
    if match.group("repeat"):
        count = _DIGIT_CHARS[match.group("count")]
        return _DIGIT_CHARS[match.group("rdigit")] * int(count)
    if match.group("x"):
        return "X"
    return _DIGIT_CHARS[match.group("digit")]


def find_digit_runs(text: str, min_digits: int = 3) -> list[DigitRun]:
    """All maximal digit runs in `text` with at least `min_digits` characters, in order.

    Digit words only join into one run when nothing but separators or fillers stands between them, so
    ordinary words with a numeral (一下, 两天, 第一人民医院) stay single digits and fall under min_digits.
    """
    runs: list[DigitRun] = []
    groups: list[str] = []
    start = end = -1

    def close() -> None:
        digits = "".join(groups)
        if groups and len(digits) >= min_digits:
            runs.append(DigitRun(start, end, digits, text[start:end], tuple(groups)))

    for match in _TOKEN_RE.finditer(text):
        if match.group("skip"):
            continue  # left to the gap between the groups around it
        value = _token_digits(match)
        contiguous = bool(groups) and not groups[-1].endswith("X")
        if contiguous and match.start() == end:
            groups[-1] += value
        elif (contiguous and _GAP_RE.fullmatch(text, end, match.start())
              and not _NUMBER_WORD_AFTER_RE.match(text, match.end())):
            groups.append(value)
        else:
            close()
            if value == "X":  # a check character with no digits before it is just a letter
                groups = []
                continue
            groups, start = [value], match.start()
        end = match.end()
    close()
    return runs


# A caller who corrects a number mid-way (…零三零八，不对，零三零七幺零八叉) says the rest again from the
# group that was wrong. Between the two runs stands one of these cues.
_CORRECTION_GAP_RE = re.compile(
    r"[\s,，、。.…]*(?:哦|噢|呃|嗯|哎|唉|啊|哎呀|哎哟)?(?:不对不对|不对|不是不是|不是|说错了|我说错了|念错了|错了|口误|重说|重新说)"
    r"(?:[\s,，、。.…]|不对|哦|啊|呀|嗯|呃|额|我|再|重新|说一遍|念一遍|一下|应该)*(?:是|为)?[\s,，、。.…]*"
)


@dataclass(frozen=True)
class CorrectedNumber:
    """A number as corrected mid-way: `digits` of `length` characters, spanning text[start:end]."""

    digits: str
    start: int
    end: int


def corrected_numbers(text: str, length: int) -> list[CorrectedNumber]:
    """Numbers of `length` characters put together across a spoken correction, latest first.

    The run after the cue ends the number; what it lacks is the start of the run before it, so the
    repeated group replaces the wrong one whatever its size.
    """
    runs = find_digit_runs(text, min_digits=1)
    found: list[CorrectedNumber] = []
    for before, after in pairwise(runs):
        if not _CORRECTION_GAP_RE.fullmatch(text, before.end, after.start):
            continue
        keep = length - len(after.digits)
        if 0 < keep <= len(before.digits) and "X" not in before.digits[:keep]:
            found.append(CorrectedNumber(before.digits[:keep] + after.digits, before.start, after.end))
    return found[::-1]


def to_digits(text: str) -> str:
    """The digit string of a span known to be a number; anything that is not a digit word is dropped."""
    return "".join(_token_digits(m) for m in _TOKEN_RE.finditer(text) if not m.group("skip"))


_SMALL = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
          "九": 9}
_SMALL_RE = re.compile(
    r"(?:(?P<tens>[一二两三四五六七八九])?(?P<ten>十)|(?P<twenty>廿)|(?P<thirty>卅))?(?P<ones>[一二两三四五六七八九])?"
)


def parse_small_number(text: str) -> int | None:
    """A cardinal 0–99 said in Chinese (十一, 二十八, 廿八, 两) or typed in digits; None if it is not one.

    Dates and counts (三月, 二十八号, 两天前) need the value of a numeral, unlike phone digits.
    """
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(to_digits(text)) if len(text) <= 2 else None
    if text in ("零", "〇"):
        return 0
    match = _SMALL_RE.fullmatch(text)
    if not match or not match.group(0):
        return None
    if match.group("ten"):
        value = 10 * (_SMALL[match.group("tens")] if match.group("tens") else 1)
        if match.group("tens") == "两":
            return None
    elif match.group("twenty"):
        value = 20
    elif match.group("thirty"):
        value = 30
    else:
        value = 0
    return value + (_SMALL[match.group("ones")] if match.group("ones") else 0)
