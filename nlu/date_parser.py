"""Incident dates from what the caller says, resolved against the call's own date and time.

Resolution rule (why: an incident can only lie in the past, and a wrong guess costs a claim):
- an expression that leaves the year, month or week open (三月二号, 5号, 周三) means its most recent
  occurrence on or before the call date (today counts);
- an expression that fixes the date completely (2026年3月1日, 今年三月二号, 这周五, 本月20号) is taken as
  said, and if that lies after the call date the parser returns None, so the bot asks again;
- so parse_incident_date never returns a future date. Vague phrases (前几天, 半个月前, 上个月底) give a
  representative day with confidence below 1.0, for the bot to confirm.
Lunar dates are not converted: 三月初二 is read as the 2nd of March with a lowered confidence.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from nlu.spoken_digits import parse_small_number, to_digits

_NUM = r"[0-9０-９零〇一二两三四五六七八九十廿卅]{1,3}"
_YEAR_DIGITS = r"[0-9０-９零〇一二三四五六七八九]{4}"
_TIME_OF_DAY = r"(?:的)?(?:早上|上午|中午|下午|晚上|夜里|半夜|凌晨|傍晚|早晨|清晨|白天|夜间|那会儿?|左右)?"
_NOT_DAY_AFTER = r"(?![楼床线房门院位机口车室座栋层单元窗台])"
_CORRECTION_CUE_RE = re.compile(r"不对|不是|说错|记错|应该是|哦不|更正")
# "今天打电话是因为……": a date that tells when the caller rings, not when the incident happened.
_ABOUT_THE_CALL_RE = re.compile(r"(?:是|就)?(?:来|给你们)?(?:打(?:这个|的)?电话|报案|报个案|来电|联系你们)")
# 昨天出院了: when the stay ended, never when it happened.
_DISCHARGE_RE = re.compile(r"(?:就|已经|刚|才|刚刚)?(?:办了?|办的)?(?:出院|出的院|初院|除院)")  # 初院: the same sound

_REL_DAYS = {
    "大前天": -3, "大前儿": -3, "前天": -2, "前儿个": -2, "前个儿": -2, "前儿": -2, "前日": -2,
    "昨天": -1, "昨儿个": -1, "昨个儿": -1, "昨个": -1, "昨儿": -1, "昨日": -1, "昨晚": -1, "昨夜": -1, "昨早": -1,
    "今天": 0, "今儿个": 0, "今个儿": 0, "今个": 0, "今儿": 0, "今日": 0, "今早": 0, "今晨": 0, "今晚": 0,
}
# Vague recent phrases: (days back, confidence).
_VAGUE_RECENT = {
    "前两天": (2, 0.5), "前几天": (3, 0.4), "这两天": (1, 0.4), "这几天": (2, 0.3),
    "前些天": (5, 0.3), "前些日子": (5, 0.3), "前阵子": (10, 0.2), "前一阵子": (10, 0.2),
    "前一阵": (10, 0.2), "前段时间": (10, 0.2), "前一段时间": (10, 0.2),
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_REL_YEARS = {"今年": 0, "去年": -1, "前年": -2}
_REL_MONTHS = {"上上个月": -2, "上上月": -2, "上个月": -1, "上月": -1, "这个月": 0, "这月": 0, "本月": 0}


@dataclass(frozen=True)
class DateMatch:
    """A resolved date, where it was said in the text, and how sure we are (1.0 = exact)."""

    date: date
    start: int
    end: int
    text: str
    confidence: float

    @property
    def vague(self) -> bool:
        return self.confidence < 1.0


@dataclass(frozen=True)
class DateCheck:
    """Outcome of validating a date; `hint` is the Mandarin re-ask prompt."""

    ok: bool
    reason: str | None = None
    hint: str | None = None


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_day(value: str | None, upper: int) -> int | None:
    if value is None:
        return None
    number = parse_small_number(value)
    return number if number is not None and 1 <= number <= upper else None


def _year(value: str) -> int:
    return int(to_digits(value))


# Each resolver gets the match and the call date and returns (date, confidence) or None.
def _r_full(m: re.Match[str], today: date) -> tuple[date, float] | None:
    month, day = _month_day(m.group("m"), 12), _month_day(m.group("d"), 31)
    if month is None or day is None:
        return None
    year = _year(m.group("y")) if m.group("y") else today.year + _REL_YEARS[m.group("ry")]
    found = _safe_date(year, month, day)
    return (found, 1.0) if found and found <= today else None


def _most_recent_month_day(month: int, day: int, today: date) -> date | None:
    for year in range(today.year, today.year - 9, -1):
        found = _safe_date(year, month, day)
        if found and found <= today:
            return found
    return None


def _r_month_day(m: re.Match[str], today: date) -> tuple[date, float] | None:
    month, day = _month_day(m.group("m"), 12), _month_day(m.group("d"), 31)
    if month is None or day is None:
        return None
    found = _most_recent_month_day(month, day, today)
    return (found, 0.6 if m.group("lunar") else 1.0) if found else None


def _vague_in_month(year: int, month: int, part: str) -> date:
    if "初" in part or "上旬" in part:
        return date(year, month, 1)
    if "中" in part:
        return date(year, month, 15)
    return _last_day(year, month)


def _r_month_vague(m: re.Match[str], today: date) -> tuple[date, float] | None:
    month = _month_day(m.group("m"), 12)
    if month is None:
        return None
    for year in (today.year, today.year - 1):
        found = _vague_in_month(year, month, m.group("v"))
        if found <= today:
            return found, 0.4
    return None


def _r_rel_month_day(m: re.Match[str], today: date) -> tuple[date, float] | None:
    day = _month_day(m.group("d"), 31)
    if day is None:
        return None
    year, month = _shift_month(today.year, today.month, _REL_MONTHS[m.group("rm")])
    found = _safe_date(year, month, day)
    return (found, 1.0) if found and found <= today else None


def _r_rel_month_vague(m: re.Match[str], today: date) -> tuple[date, float] | None:
    rel = m.groupdict().get("rm")
    for delta in ((_REL_MONTHS[rel],) if rel else (0, -1)):
        year, month = _shift_month(today.year, today.month, delta)
        found = _vague_in_month(year, month, m.group("v"))
        if found <= today:
            return found, 0.5
    return None


def _r_bare_day(m: re.Match[str], today: date) -> tuple[date, float] | None:
    day = _month_day(m.group("d"), 31)
    if day is None:
        return None
    for back in range(13):
        year, month = _shift_month(today.year, today.month, -back)
        found = _safe_date(year, month, day)
        if found and found <= today:
            return found, 0.9
    return None


def _r_rel_day(m: re.Match[str], today: date) -> tuple[date, float] | None:
    return today + timedelta(days=_REL_DAYS[m.group("rd")]), 1.0


def _r_vague_recent(m: re.Match[str], today: date) -> tuple[date, float] | None:
    back, confidence = _VAGUE_RECENT[m.group("vr")]
    return today - timedelta(days=back), confidence


def _r_ago(m: re.Match[str], today: date) -> tuple[date, float] | None:
    said, unit = m.group("n"), m.group("unit")
    confidence = 0.5 if m.group("more") or m.group("more2") else 1.0
    if said == "半":
        count, confidence = (0.5, 0.5)
    elif said == "几":
        count, confidence = (3, 0.4)
    else:
        number = parse_small_number(said)
        if number is None and len(said) == 2:  # 两三天前: a range, take the nearer end
            number, confidence = parse_small_number(said[0]), 0.5
        if not number:
            return None
        count = number
    if unit in ("天", "日"):
        return today - timedelta(days=int(count)), confidence
    if unit in ("周", "星期", "礼拜"):
        return today - timedelta(days=int(7 * count)), min(confidence, 0.8)
    if count == 0.5:
        return today - timedelta(days=15), 0.5
    year, month = _shift_month(today.year, today.month, -int(count))
    day = min(today.day, calendar.monthrange(year, month)[1])
    return date(year, month, day), min(confidence, 0.6)


def _r_week(m: re.Match[str], today: date) -> tuple[date, float] | None:
    which, day_word = m.group("wp"), m.group("wd")
    index = _WEEKDAYS[day_word]
    confidence = 0.6 if day_word == "末" else 1.0
    monday = today - timedelta(days=today.weekday())
    if not which:
        found = today - timedelta(days=(today.weekday() - index) % 7)
        return found, 0.5 if day_word == "末" else 0.9
    if which.startswith("上上"):
        found = monday - timedelta(days=14) + timedelta(days=index)
    elif which.startswith("上"):
        found = monday - timedelta(days=7) + timedelta(days=index)
    else:  # 这周 / 本周
        found = monday + timedelta(days=index)
    return (found, confidence) if found <= today else None


_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], date], tuple[date, float] | None]]] = [
    (re.compile(rf"(?:(?P<y>{_YEAR_DIGITS})年|(?P<ry>今年|去年|前年))(?P<m>{_NUM})月份?(?P<d>{_NUM})[日号]?"
                r"(?![个天年月周岁次])"), _r_full),
    (re.compile(r"(?P<y>\d{4})[-./／](?P<m>\d{1,2})[-./／](?P<d>\d{1,2})(?!\d)[日号]?"), _r_full),
    (re.compile(rf"(?<![0-9])(?P<m>{_NUM})月份?(?P<lunar>初)?(?P<d>{_NUM})[日号]?(?![个天年月周岁次])"), _r_month_day),
    (re.compile(rf"(?<![0-9])(?P<m>{_NUM})月份?(?P<v>上旬|中旬|下旬|初|中|底|末)"), _r_month_vague),
    (re.compile(rf"(?P<rm>{_alt(_REL_MONTHS)})(?P<d>{_NUM})[日号]"), _r_rel_month_day),
    (re.compile(rf"(?P<rm>{_alt(_REL_MONTHS)})(?P<v>月?初|月?中|月?底|月?末)"), _r_rel_month_vague),
    (re.compile(r"(?P<v>月初|月中|月底|月末)"), _r_rel_month_vague),
    (re.compile(rf"(?<![0-9０-９零〇一二两三四五六七八九十廿卅月第几每])(?P<d>{_NUM})[号日]{_NOT_DAY_AFTER}"),
     _r_bare_day),
    (re.compile(rf"(?P<rd>{_alt(_REL_DAYS)})"), _r_rel_day),
    (re.compile(rf"(?P<vr>{_alt(_VAGUE_RECENT)})"), _r_vague_recent),
    (re.compile(r"(?P<n>半|几|[0-9]{1,2}|[一二两三四五六七八九十]{1,3})(?P<more>多)?个?(?P<more2>多)?"
                r"(?P<unit>天|日|周|星期|礼拜|月)(?:以前|之前|前)"), _r_ago),
    (re.compile(r"(?<!每)(?P<wp>上上个?|上一?个?|这一?个?|本)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末])"
                r"(?!(?<=一)[直起样定般切共些下点次个])"), _r_week),
]


_TIME_SUFFIX_RE = re.compile(_TIME_OF_DAY)


def _candidates(compact: str) -> list[tuple[int, int, Callable, re.Match[str]]]:
    found = []
    for pattern, resolve in _PATTERNS:
        for match in pattern.finditer(compact):
            found.append((match.start(), match.end(), resolve, match))
    found.sort(key=lambda c: (c[0], -c[1]))
    chosen: list[tuple[int, int, Callable, re.Match[str]]] = []
    for cand in found:
        if not chosen or cand[0] >= chosen[-1][1]:
            chosen.append(cand)
    return chosen


def parse_incident_date(text: str, now: datetime) -> DateMatch | None:
    """The incident date said in `text`, resolved against `now` (the call time); see the module rule.

    With several dates the first wins, unless a self-correction (不对, 不是…是…) points to a later one;
    a date that only says when the caller is ringing (今天打电话) yields to any other, and one that says
    when the stay ended (昨天出院了) is none.
    """
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = "".join(text[i] for i in keep)
    today = now.date()
    resolved: list[tuple[int, int, date, float]] = []
    for start, end, resolve, match in _candidates(compact):
        if compact[max(0, start - 2):start] == "不是":
            continue
        result = resolve(match, today)
        if result is None:
            continue
        suffix = _TIME_SUFFIX_RE.match(compact, end)
        end = suffix.end() if suffix else end
        resolved.append((start, end, result[0], result[1]))
    resolved = [r for r in resolved if not _DISCHARGE_RE.match(compact, r[1])]
    about_call = [r for r in resolved if _ABOUT_THE_CALL_RE.match(compact, r[1])]
    if len(about_call) < len(resolved):
        resolved = [r for r in resolved if r not in about_call]
    if not resolved:
        return None
    best = resolved[0]
    for later in resolved[1:]:
        # a correction points to the later date; so does an exact day after a vague one (前些天…，这礼拜四)
        if _CORRECTION_CUE_RE.search(compact, best[1], later[0]) or (best[3] < 0.6 <= later[3]):
            best = later
    start, end = keep[best[0]], keep[best[1] - 1] + 1
    return DateMatch(best[2], start, end, text[start:end], best[3])


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def validate_incident_date(d: date, now: datetime) -> DateCheck:
    """An incident date must not be after the call and should be within the last two years."""
    today = now.date()
    if d > today:
        return DateCheck(False, "future", "出险日期不能晚于今天，麻烦您再确认一下是哪一天。")
    if d < _years_before(today, 2):
        return DateCheck(False, "too_old", "出险日期距今已经超过两年了，麻烦您再确认一下具体是哪一天。")
    return DateCheck(True)
