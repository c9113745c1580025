"""Builds the development scenario set ``data/scenarios/dev.yml`` for the claim-report evaluation.

Why generated rather than typed: 220+ simulated calls need exact expectations (checksummed ID numbers,
dates resolved against each call's own clock, registry hospital names), which hand-typing gets wrong.
Why not a few templates: a bot tuned on five sentence shapes would look perfect and fail real callers,
so every part of a call (who the caller is, what the opening reveals, how each answer is worded) is
drawn from hand-written phrasing pools, and the expectations are derived from the same choices.

The builder is seeded and deterministic. It checks its own output: every date phrase is re-read by a
small independent resolver (conventions below) and every ID checksum and phone pattern is verified.

Date conventions (the contract leaves them to the project): 上周X is that weekday in the previous
Monday–Sunday week; a month-day without a year is this year unless that is in the future, then last
year; 上个月D号 is day D of the previous calendar month; N天前 is exactly N days before the call.

Run: ``python -m bot.eval.scenario_builder [OUT]``.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from bot.eval import scenario_pools as pools

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_FILE = REPO_ROOT / "data" / "scenarios" / "dev.yml"
HOSPITALS_FILE = REPO_ROOT / "data" / "terms" / "hospitals.yml"
MEDICAL_DIR = REPO_ROOT / "data" / "medical_terms"

SLOTS = (
    "insured_name", "insured_id", "reporter_relation", "contact_phone", "incident_date",
    "incident_cause", "diagnosis", "hospital", "treatment_status",
)
RELATIONS = ("本人", "配偶", "子女", "父母", "其他亲属", "朋友", "同事", "保险代理人")
CAUSES = ("意外", "疾病")
TREATMENTS = ("未就诊", "门诊", "住院", "已出院", "身故")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}\d{7,8})$")
DEFAULT_SEED = 20260314
DEFAULT_COUNT = 240

try:  # the project's own checksum once it exists; a private copy until then
    from nlu.id_number import check_char
except ImportError:  # pragma: no cover - depends on another module's progress
    _ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

    def check_char(first17: str) -> str:
        """GB 11643 MOD 11-2 check character of the first 17 digits."""
        total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS))
        return "10X98765432"[total % 11]


def id_is_valid(id_number: str) -> bool:
    """18 characters, a real birth date and a matching check character."""
    if not re.fullmatch(r"\d{17}[\dX]", id_number):
        return False
    try:
        date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return False
    return check_char(id_number[:17]) == id_number[17]


# ---------------------------------------------------------------------------------------------
# Spoken numbers
# ---------------------------------------------------------------------------------------------

CN_DIGITS = "零一二三四五六七八九"


def cn_cardinal(number: int) -> str:
    """Chinese cardinal for 0–9999 as said aloud (28 → 二十八, 10 → 十, 105 → 一百零五)."""
    if number < 10:
        return CN_DIGITS[number]
    if number < 20:
        return "十" + (CN_DIGITS[number % 10] if number % 10 else "")
    parts, zero_pending = [], False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit_value % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        parts.append(CN_DIGITS[digit] + unit)
    return "".join(parts)


# How callers read single digits: plain, with 幺 for one, or the radio style (洞幺两拐勾).
DIGIT_STYLES = {
    "plain": dict(zip("0123456789", "零一二三四五六七八九")),
    "yao": dict(zip("0123456789", "零幺二三四五六七八九")),
    "yao_liang": dict(zip("0123456789", "零幺两三四五六七八九")),
    "radio": dict(zip("0123456789", "洞幺两三四五六拐八勾")),
}
DIGIT_STYLE_WEIGHTS = (("plain", 3), ("yao", 5), ("yao_liang", 1), ("radio", 1))
X_SPOKEN = ("叉", "叉", "艾克斯", "大写的X", "X")


def spoken_digits(digits: str, style: str, x_word: str = "叉") -> str:
    return "".join(x_word if char in "Xx" else DIGIT_STYLES[style][char] for char in digits)


def group(text: str, sizes: Sequence[int], sep: str = " ") -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(text[pos:pos + size])
        pos += size
    if pos < len(text):
        out.append(text[pos:])
    return sep.join(part for part in out if part)


# ---------------------------------------------------------------------------------------------
# Dates: phrases for a target day, and an independent resolver for the phrases
# ---------------------------------------------------------------------------------------------

WEEKDAY_CHARS = "一二三四五六日"
_CN_NUM = "零〇一二两三四五六七八九十"


def _parse_cn_or_digits(text: str) -> int:
    if text.isdigit():
        return int(text)
    values = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (values[tens] if tens else 1) * 10 + (values[ones] if ones else 0)
    if len(text) == 4:  # a year read digit by digit
        return int("".join(str(values[char]) for char in text))
    return values[text]


_NUM = rf"(\d+|[{_CN_NUM}]+)"
_WEEK = r"(?:周|星期|礼拜)"
_DAY_WORD = {"日": 6, "天": 6, **{char: index for index, char in enumerate(WEEKDAY_CHARS[:6])}}


def resolve_date_phrase(phrase: str, now: datetime) -> date:
    """The day a date phrase names, seen from the call's clock (the conventions of this module)."""
    today = now.date()
    text = re.sub(r"(早上|上午|中午|下午|傍晚|晚上|夜里|凌晨|一早|的时候)$", "", phrase.strip())
    match = re.fullmatch(rf"{_NUM}年{_NUM}月{_NUM}[日号]", text)
    if match:
        year, month, day = (_parse_cn_or_digits(group_) for group_ in match.groups())
        return date(year, month, day)
    match = re.fullmatch(rf"去年{_NUM}月{_NUM}[日号]", text)
    if match:
        return date(today.year - 1, _parse_cn_or_digits(match[1]), _parse_cn_or_digits(match[2]))
    match = re.fullmatch(rf"上个?月{_NUM}[日号]", text)
    if match:
        first = today.replace(day=1) - timedelta(days=1)
        return first.replace(day=_parse_cn_or_digits(match[1]))
    match = re.fullmatch(rf"(?:这个?月|本月){_NUM}[日号]", text)
    if match:
        return today.replace(day=_parse_cn_or_digits(match[1]))
    match = re.fullmatch(rf"{_NUM}月{_NUM}[日号]", text)
    if match:
        candidate = date(today.year, _parse_cn_or_digits(match[1]), _parse_cn_or_digits(match[2]))
        return candidate if candidate <= today else candidate.replace(year=today.year - 1)
    match = re.fullmatch(rf"(?:上个?{_WEEK}|上礼拜)([一二三四五六日天])", text)
    if match:
        monday = today - timedelta(days=today.weekday() + 7)
        return monday + timedelta(days=_DAY_WORD[match[1]])
    match = re.fullmatch(rf"(?:这个?{_WEEK}|本周)([一二三四五六日天])", text)
    if match:
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(days=_DAY_WORD[match[1]])
    match = re.fullmatch(rf"{_NUM}天前", text)
    if match:
        return today - timedelta(days=_parse_cn_or_digits(match[1]))
    for words, back in ((("大前天",), 3), (("前天", "前儿"), 2), (("昨天", "昨儿", "昨晚"), 1),
                        (("今天", "今儿"), 0)):
        if text in words:
            return today - timedelta(days=back)
    raise ValueError(f"unresolvable date phrase: {phrase!r}")


def _cn_or_digits(rng: random.Random, number: int, digit_share: float) -> str:
    return str(number) if rng.random() < digit_share else cn_cardinal(number)


def _cn_year(year: int) -> str:
    return "".join(CN_DIGITS[int(char)] for char in str(year))


def _day_suffix(rng: random.Random) -> str:
    return rng.choice(("号", "号", "号", "日"))


def _time_of_day(rng: random.Random, back: int, hour: int) -> str:
    """A time of day that is not after the call (今天晚上 cannot be said at ten in the morning)."""
    if back == 0:
        options = [word for word, earliest in (("凌晨", 5), ("一早", 9), ("早上", 10), ("上午", 12),
                                               ("中午", 14), ("下午", 18), ("傍晚", 19)) if hour >= earliest]
        return rng.choice(options) if options else ""
    return rng.choice(("", "", "", "早上", "上午", "中午", "下午", "下午", "晚上", "夜里", "傍晚"))


def date_phrases(target: date, now: datetime, rng: random.Random) -> list[tuple[str, str]]:
    """Every (kind, phrase) that names ``target`` as seen from ``now``; the caller picks one."""
    today = now.date()
    back = (today - target).days
    if back < 0:
        raise ValueError(f"incident {target} is after the call {now}")
    found: list[tuple[str, str]] = []
    relative = {0: ("今天",), 1: ("昨天", "昨天", "昨晚", "昨儿"), 2: ("前天",), 3: ("大前天",)}
    if back in relative:
        word = rng.choice(relative[back])
        suffix = "" if word in ("昨晚",) else _time_of_day(rng, back, now.hour)
        found.append(("relative", word + suffix))
    if 2 <= back <= 7:
        found.append(("days_ago", f"{rng.choice(['两', '2']) if back == 2 else _cn_or_digits(rng, back, 0.3)}天前"))
    this_monday = today - timedelta(days=today.weekday())
    weekday = WEEKDAY_CHARS[target.weekday()]
    if target.weekday() == 6:
        weekday = rng.choice(("日", "天"))
    if this_monday - timedelta(days=7) <= target < this_monday:
        lead = rng.choice(("上周", "上个星期", "上星期", "上礼拜", "上个礼拜"))
        if lead == "上周" and weekday == "天":
            weekday = "日"
        found.append(("last_week", lead + weekday + rng.choice(("", "", "", "晚上", "下午"))))
    if this_monday <= target < today and back >= 2:
        lead = rng.choice(("这周", "这个星期", "这礼拜", "本周"))
        if lead in ("这周", "本周") and weekday == "天":
            weekday = "日"
        found.append(("this_week", lead + weekday))
    if back >= 1 and back <= 300:
        if rng.random() < 0.65:
            found.append(("month_day", f"{cn_cardinal(target.month)}月{cn_cardinal(target.day)}{_day_suffix(rng)}"))
        else:
            found.append(("month_day", f"{target.month}月{target.day}{_day_suffix(rng)}"))
    previous_month_end = today.replace(day=1) - timedelta(days=1)
    if (target.year, target.month) == (previous_month_end.year, previous_month_end.month):
        lead = rng.choice(("上个月", "上月"))
        found.append(("last_month", f"{lead}{_cn_or_digits(rng, target.day, 0.5)}{_day_suffix(rng)}"))
    if (target.year, target.month) == (today.year, today.month) and back >= 3:
        lead = rng.choice(("这个月", "本月"))
        found.append(("this_month", f"{lead}{_cn_or_digits(rng, target.day, 0.4)}{_day_suffix(rng)}"))
    if target.year == today.year - 1 and rng.random() < 0.5:
        found.append(("last_year", f"去年{cn_cardinal(target.month)}月{cn_cardinal(target.day)}号"))
    if back >= 1:
        if rng.random() < 0.6:
            found.append(("full", f"{target.year}年{target.month}月{target.day}日"))
        else:
            spoken = f"{_cn_year(target.year)}年{cn_cardinal(target.month)}月{cn_cardinal(target.day)}"
            found.append(("full", spoken + _day_suffix(rng)))
    for _kind, phrase in found:  # the independent resolver must read every phrase back to the same day
        if resolve_date_phrase(phrase, now) != target:
            raise ValueError(f"{phrase!r} at {now} does not resolve to {target}")
    return found


def pick_date_phrase(target: date, now: datetime, rng: random.Random) -> str:
    """One phrase for the day, favouring the relative words callers use for recent days."""
    options = date_phrases(target, now, rng)
    weights = {"relative": 6, "days_ago": 2, "last_week": 4, "this_week": 2, "month_day": 4,
               "last_month": 3, "this_month": 2, "last_year": 1, "full": 2}
    return rng.choices(options, weights=[weights[kind] for kind, _ in options])[0][1]


# ---------------------------------------------------------------------------------------------
# Registry and dictionary look-ups (files owned by other parts of the project)
# ---------------------------------------------------------------------------------------------

def _read_yaml(path: Path) -> object:
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class HospitalChoice:
    said: str      # what the caller says
    expect: str    # registry name, or the name as said when the registry does not know it
    city: str


def _clean(text: str) -> str:
    return re.sub(r"[\s，。、,.（）()·]", "", text)


def resolve_hospitals(
    registry: object,
    registered: Sequence[tuple[str, str]] = pools.REGISTERED_HOSPITALS,
    unregistered: Sequence[tuple[str, str]] = pools.UNREGISTERED_HOSPITALS,
) -> list[HospitalChoice]:
    """The said hospital names of the pool with their expected value, refusing ambiguous ones.

    A name matches a registry entry when it equals the entry's name or an alias, or is contained in the
    entry's name. Exactly one entry must match a registered name; an unregistered name must match none
    (not even loosely), so its expectation is the name as said.
    """
    entries = [entry for entry in (registry or []) if isinstance(entry, dict) and entry.get("name")]
    choices = []
    for said, city in registered:
        matches = [entry for entry in entries
                   if said == entry["name"] or said in (entry.get("aliases") or [])
                   or _clean(said) in _clean(entry["name"])]
        names = list(dict.fromkeys(entry["name"] for entry in matches))
        if len(names) != 1:
            if entries:
                raise ValueError(f"hospital {said!r} matches {len(names)} registry entries: {names}")
            names = [said]  # no registry yet: expect what was said
        choices.append(HospitalChoice(said, names[0], city))
    for said, city in unregistered:
        clash = [entry["name"] for entry in entries
                 if _clean(said) in _clean(entry["name"]) or _clean(entry["name"]) in _clean(said)
                 or said in (entry.get("aliases") or [])]
        if clash:
            raise ValueError(f"hospital {said!r} is meant to be unregistered but matches {clash}")
        choices.append(HospitalChoice(said, said, city))
    return choices


def dictionary_codes() -> dict[str, set[str]]:
    """Surface word → ICD-10 categories, from the diagnosis and injury dictionaries (empty if absent)."""
    codes: dict[str, set[str]] = {}

    def add(word: object, code: object) -> None:
        if isinstance(word, str) and isinstance(code, str) and word.strip():
            codes.setdefault(word.strip(), set()).add(code.strip().upper()[:3])

    for entry in _read_yaml(MEDICAL_DIR / "diagnoses.yml") or []:
        if isinstance(entry, dict):
            add(entry.get("term"), entry.get("icd10"))
            for synonym in entry.get("synonyms") or []:
                add(synonym, entry.get("icd10"))
    injuries = _read_yaml(MEDICAL_DIR / "injuries.yml")
    if isinstance(injuries, dict):
        kinds = injuries.get("injury_kinds") or {}
        for part in injuries.get("body_parts") or []:
            if not isinstance(part, dict):
                continue
            part_words = [part.get("part"), *(part.get("aliases") or [])]
            for kind, words in kinds.items():
                injury = part.get(kind)
                if not isinstance(injury, dict):
                    continue
                add(injury.get("term"), injury.get("icd10"))
                for part_word in part_words:
                    for kind_word in words or []:
                        if isinstance(part_word, str) and isinstance(kind_word, str):
                            add(part_word + kind_word, injury.get("icd10"))
    return codes


def check_diagnosis_pool(codes: dict[str, set[str]]) -> list[str]:
    """Pool words the dictionary would map elsewhere or not at all (empty list: all consistent)."""
    if not codes:
        return []
    problems = []
    for entry in pools.DIAGNOSES:
        for word in (*entry.terms, *(key for _clause, key in entry.phrases)):
            found = codes.get(word)
            if found is None:
                problems.append(f"{entry.code}: {word!r} is not in the dictionary")
            elif found != {entry.code}:
                problems.append(f"{entry.code}: {word!r} maps to {sorted(found)}")
    return problems


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

@dataclass
class Person:
    name: str
    id_number: str
    on_file: bool

    @property
    def male(self) -> bool:
        return int(self.id_number[16]) % 2 == 1

    @property
    def birth(self) -> date:
        return date(int(self.id_number[6:10]), int(self.id_number[10:12]), int(self.id_number[12:14]))

    def age(self, today: date) -> int:
        birth = self.birth
        return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))

    @property
    def surname(self) -> str:
        return self.name[:2] if self.name[:2] in pools.COMPOUND_SURNAMES else self.name[0]


def demo_people() -> list[tuple[str, str, date | None]]:
    """(name, id, policy start) of the demo insured persons on file, or [] if the store has none yet."""
    try:
        from bot.store import seed
    except ImportError:  # pragma: no cover - depends on another module's progress
        return []
    rows = getattr(seed, "demo_policy_rows", None)
    if rows is not None:
        return [(str(row["insured_name"]), str(row["insured_id"]), row.get("effective_date"))
                for row in rows() if row.get("status") == "有效"]
    return [(name, id_number, None) for name, id_number in seed.demo_policies()]


def make_person(rng: random.Random, male: bool, age: int, today: date, taken: set[str]) -> Person:
    birth_year = today.year - age - 1
    birth = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
    if (today - birth).days // 365 != age:
        birth = today.replace(year=today.year - age) - timedelta(days=rng.randrange(30, 300))
    for _attempt in range(50):
        area = rng.choice(pools.ADDRESS_CODES)
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
        id_number = first17 + check_char(first17)
        if id_number not in taken:
            break
    surname = rng.choice(pools.COMPOUND_SURNAMES) if rng.random() < 0.05 else rng.choice(pools.SURNAMES)
    era = "old" if birth.year < 1970 else "mid" if birth.year < 2000 else "young"
    given = rng.choice(pools.GIVEN_NAMES[("m" if male else "f") + "_" + era])
    return Person(surname + given, id_number, on_file=False)


# ---------------------------------------------------------------------------------------------
# One call
# ---------------------------------------------------------------------------------------------

@dataclass
class Plan:
    """Everything decided about one call before any sentence is written."""

    sid: str
    now: datetime
    role: pools.Role
    person: Person
    diag: pools.DiagnosisEntry
    target: date
    hospital: HospitalChoice
    treatment: str
    phone: str
    landline: bool
    opening_kind: str        # full | full_name | full_phone | partial | vague
    event: tuple[str, str] = ("", "")
    includes: dict[str, bool] = field(default_factory=dict)

    @property
    def ta(self) -> str:
        return "他" if self.person.male else "她"


class CallWriter:
    """Turns a plan into the opening and the nine answers, with one random stream per call."""

    def __init__(self, plan: Plan, rng: random.Random):
        self.plan = plan
        self.rng = rng
        self.digit_style = rng.choices([s for s, _ in DIGIT_STYLE_WEIGHTS], [w for _, w in DIGIT_STYLE_WEIGHTS])[0]
        self.ref = rng.choice(plan.role.refs)
        # One way of naming the diagnosis per call, so the opening and the answers agree.
        diag = plan.diag
        use_clause = diag.phrases and (not diag.terms or rng.random() < 0.35)
        self.clause = rng.choice(diag.phrases)[0] if use_clause else ""
        self.term = "" if use_clause else rng.choice(diag.terms)
        self.severe_ok = diag.severe

    # -- small pieces ------------------------------------------------------------------------
    def choice(self, options: Sequence[str]) -> str:
        return self.rng.choice(list(options))

    def diag_mention(self, for_answer: bool, direct: bool = True) -> str:
        """How the caller names the diagnosis: the call's one noun (after 医生说是) or colloquial clause.

        ``direct``: the mention may follow the subject and date straight away (an opening with no event
        before it), so it must read as a predicate (股骨颈骨折了, 查出了肺癌), not as a doctor's finding.
        """
        diag, seen = self.plan.diag, self.plan.treatment != "未就诊"
        if self.clause:
            if not for_answer:
                return self.clause
            extra = ("{c}，医生是这么说的", "医生说{c}") if seen else ()
            return self.choice(("{c}", "就是{c}") + extra).format(c=self.clause)
        term = self.term
        fracture = "骨折" in term or "断" in term
        if not seen:
            return self.choice(pools.DIAG_UNSEEN if for_answer else ("{t}了",)).format(t=term)
        if for_answer:
            templates = pools.DIAG_ANSWER_ACCIDENT if diag.cause == "意外" else pools.DIAG_ANSWER_ILLNESS
            return self.choice(templates + (pools.DIAG_XRAY if fracture else ())).format(t=term)
        if direct:
            if diag.sudden and self.rng.random() < 0.5:
                return self.choice(diag.sudden).format(t=term)
            templates = pools.DIAG_DIRECT_ACCIDENT if diag.cause == "意外" else pools.DIAG_DIRECT_ILLNESS
            if diag.cause == "意外" and not term.endswith(pools.INJURY_PREDICATE_ENDINGS):
                templates = ()  # 外伤性气胸了 is not said; 受了伤，医生说是外伤性气胸 is
            if not templates or self.rng.random() < 0.3:  # a finding after a neutral event: 受了伤，医生说是…
                report = self.choice(pools.DIAG_REPORT + (pools.DIAG_XRAY if fracture else ()))
                return self.choice(pools.NEUTRAL_BEFORE_REPORT[diag.cause]) + "，" + report.format(t=term)
            return self.choice(templates).format(t=term)
        templates = pools.DIAG_REPORT + (pools.DIAG_XRAY if fracture else ())
        templates += pools.DIAG_DIRECT_ACCIDENT if diag.cause == "意外" else pools.DIAG_DIRECT_ILLNESS
        return self.choice(templates).format(t=term)

    def spoken_phone(self) -> str:
        phone = self.plan.phone
        if self.plan.landline:
            area_len = 3 if phone[:3] in pools.THREE_DIGIT_AREAS else 4
            area, number = phone[:area_len], phone[area_len:]
            style = self.digit_style if self.digit_style != "radio" else "plain"
            options = [
                f"座机{area}-{number}",
                f"家里座机 {spoken_digits(area, style)} {group(spoken_digits(number, style), (4, 4))}",
                f"打家里电话吧，区号{spoken_digits(area, style)}，号码{spoken_digits(number, style)}",
                f"{area}-{group(number, (4, 4))}",
                f"{spoken_digits(area, style)} {group(spoken_digits(number, style), (4, 4))}",
                f"电话是{area}{number}，是座机",
                f"单位座机，{area} {number}",
            ]
            return self.choice(options)
        spoken = group(spoken_digits(phone, self.digit_style), self.choice(((3, 4, 4), (3, 4, 4), (3, 3, 5))))
        options = [
            spoken, f"打我电话 {spoken}", f"我手机号是{phone}", phone, group(phone, (3, 4, 4), "-"),
            f"电话是{spoken}", f"就打我这个手机吧，{spoken}", f"我的手机 {group(phone, (3, 4, 4))}",
            f"手机{spoken}", f"号码是{spoken_digits(phone, self.digit_style)}", f"联系电话{phone}",
        ]
        return self.choice(options)

    def spoken_id(self) -> str:
        id_number = self.plan.person.id_number
        if self.rng.random() < 0.3:
            typed = id_number if self.rng.random() < 0.8 else id_number.lower()
            typed = typed if self.rng.random() < 0.6 else group(typed, self.choice(((6, 8, 4), (6, 4, 4, 4))))
            return self.choice(("身份证 {i}", "{i}", "身份证号{i}", "号码是{i}", "{i}，身份证")).format(i=typed)
        spoken = list(spoken_digits(id_number[:17], self.digit_style)) + [
            spoken_digits(id_number[17], self.digit_style, self.choice(X_SPOKEN))]
        sizes = self.choice(((6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4), (6, 4, 4, 3, 1), (18,)))
        sep, parts, pos = self.choice((" ", " ", "，")), [], 0
        for size in sizes:
            parts.append("".join(spoken[pos:pos + size]))
            pos += size
        spoken = sep.join(parts)
        whose = "我的" if self.plan.role.relation == "本人" else f"{self.plan.ta}的"
        return self.choice(pools.ID_ANSWERS).format(i=spoken, whose=whose)

    # -- the nine answers ----------------------------------------------------------------------
    def answer_name(self) -> str:
        plan, person = self.plan, self.plan.person
        hint = pools.SURNAME_HINTS.get(person.surname, "")
        templates = pools.NAME_ANSWERS_SELF if plan.role.relation == "本人" else pools.NAME_ANSWERS_OTHER
        usable = [t for t in templates if hint or "{hint}" not in t]
        if plan.role.relation != "本人" and self.rng.random() < 0.12:
            return f"{plan.ta}叫{person.name}，是{plan.role.kin}"
        return self.choice(usable).format(name=person.name, hint=hint, ta=plan.ta, ref=self.ref)

    def answer_relation(self) -> str:
        return self.choice(self.plan.role.answers).format(ta=self.plan.ta)

    def answer_date(self) -> str:
        plan = self.plan
        phrase = pick_date_phrase(plan.target, plan.now, self.rng)
        if self.rng.random() < 0.1 and plan.treatment != "未就诊":
            templates = (("{d}，送到{h}没抢救过来", "{d}，在{h}走的") if plan.treatment == "身故"
                         else ("{d}，当天就送到{h}了", "{d}，在{h}看的", "{d}，后来去了{h}"))
            return self.choice(templates).format(d=phrase, h=plan.hospital.said)
        templates = pools.DATE_ANSWERS_DEATH if plan.treatment == "身故" else pools.DATE_ANSWERS
        return self.choice(templates).format(d=phrase)

    def answer_cause(self) -> str:
        diag = self.plan.diag
        if diag.cause == "意外":
            mech = pools.MECHANISM_WORDS[self.plan.event[1]] if self.plan.event[1] else ""
            usable = [t for t in pools.CAUSE_ANSWERS_ACCIDENT if mech or "{m}" not in t]
            return self.choice(usable).format(m=mech)
        return self.choice(pools.CAUSE_ANSWERS_ILLNESS + (pools.CAUSE_ANSWERS_SUDDEN if diag.sudden else ()))

    def answer_diagnosis(self) -> str:
        text = self.diag_mention(for_answer=True)
        if self.rng.random() < 0.08 and self.plan.treatment in ("住院", "已出院"):
            text += "，" + self.choice(self.treatment_words(pools.TREATMENT_CLAUSES))
        return text

    def answer_hospital(self) -> str:
        hospital = self.plan.hospital
        if self.plan.treatment == "未就诊":
            return self.choice(pools.HOSPITAL_ANSWERS_PLANNED).format(h=hospital.said)
        usable = [t for t in pools.HOSPITAL_ANSWERS
                  if "{city}" not in t or (hospital.city and hospital.city not in hospital.said)]
        return self.choice(usable).format(h=hospital.said, city=hospital.city)

    def treatment_words(self, table: dict[str, tuple[str, ...]]) -> list[str]:
        """The phrasings for this call's status, without intensive care unless the diagnosis is grave."""
        return [text for text in table[self.plan.treatment] if self.severe_ok or "重症监护" not in text]

    def answer_treatment(self) -> str:
        return self.choice(self.treatment_words(pools.TREATMENT_ANSWERS))

    def answers(self) -> dict[str, str]:
        return {
            "insured_name": self.answer_name(),
            "insured_id": self.spoken_id(),
            "reporter_relation": self.answer_relation(),
            "contact_phone": self.spoken_phone(),
            "incident_date": self.answer_date(),
            "incident_cause": self.answer_cause(),
            "diagnosis": self.answer_diagnosis(),
            "hospital": self.answer_hospital(),
            "treatment_status": self.answer_treatment(),
        }

    # -- the opening ---------------------------------------------------------------------------
    def opening(self) -> str:
        plan = self.plan
        if plan.opening_kind == "vague":
            return self.choice(pools.VAGUE_OPENINGS)
        inc = plan.includes
        self_report = plan.role.relation == "本人"
        subject = self.subject(inc)
        date_part = pick_date_phrase(plan.target, plan.now, self.rng) if inc["date"] else ""
        story, date_placed = self.story(inc, date_part)
        place = self.place_and_treatment(inc)
        clauses = []
        if date_placed:
            clauses.append(f"{subject}{story}")
        elif inc["date"] and self.rng.random() < 0.35 and subject not in ("我", ""):
            clauses.append(f"{date_part}{self.choice(('', '', '，'))}{subject}{story}")
        else:
            clauses.append(f"{subject}{date_part}{story}")
        if place:
            clauses.append(place)
        body = "，".join(clause for clause in clauses if clause)
        body = re.sub(r"，{2,}", "，", body).strip("，")
        greeting = self.choice(pools.GREETINGS)
        intent = self.choice(pools.INTENTS)
        name_lead = ""
        if plan.opening_kind == "full_name" or inc.get("name"):
            if self_report:
                name_lead = self.choice(("我叫{n}，", "我是{n}，", "你好我是{n}，")).format(n=plan.person.name)
            elif subject == self.ref:
                body = body.replace(self.ref, f"{self.ref}{plan.person.name}", 1)
            elif subject != plan.person.name:
                name_lead = self.choice(("被保险人叫{n}，", "出事的是{n}，")).format(n=plan.person.name)
        tail = ""
        if plan.opening_kind == "full_phone" or inc.get("phone"):
            tail = "，" + self.choice(("我电话是{p}", "有事打我电话{p}", "回电话打{p}就行")).format(
                p=plan.phone if self.rng.random() < 0.6 else spoken_digits(plan.phone, self.digit_style))
        agent_lead = ""
        if plan.role.relation == "保险代理人" and inc["who"]:
            agent_lead = self.choice(pools.AGENT_LEADS)
        arrangement = self.rng.random()
        if arrangement < 0.45:
            text = f"{greeting}{agent_lead}{name_lead}{body}{tail}，{intent}"
        elif arrangement < 0.75:
            text = f"{greeting}{intent}，{agent_lead}{name_lead}{body}{tail}"
        else:
            text = f"{greeting}{agent_lead}{name_lead}{body}{tail}"
        return re.sub(r"，{2,}", "，", text).strip("，")

    def subject(self, inc: dict[str, bool]) -> str:
        plan = self.plan
        if plan.role.relation == "本人":
            return "我" if inc["who"] else ""
        if inc["who"]:
            return self.ref
        if plan.opening_kind == "full_name" or inc.get("name"):
            return plan.person.name  # named, but the relation is left for later
        return self.choice(plan.role.anonymous)

    def story(self, inc: dict[str, bool], date_part: str) -> tuple[str, bool]:
        """What happened, and whether the date was placed inside it.

        A long-running complaint (一直咳嗽, 体检发现…) did not happen on the incident day, so the date
        goes with the diagnosis or the hospital visit instead: 一直咳嗽，昨天查出来是肺炎.
        """
        plan = self.plan
        event = plan.event[0] if inc["event"] else ""
        if event and date_part and any(marker in event for marker in pools.CHRONIC_MARKERS):
            if inc["diag"]:
                finding = self.clause or self.choice(pools.DIAG_DIRECT_ILLNESS).format(t=self.term)
                return f"{event}，{date_part}{finding}", True
            return f"{event}，" + self.choice(pools.VISIT_AFTER_COMPLAINT).format(d=date_part), True
        parts = [event] if event else []
        if inc["diag"]:
            parts.append(self.diag_mention(for_answer=False, direct=not parts))
        if not parts:
            death_words = plan.treatment == "身故" and not inc["treat"]
            parts.append(self.choice(pools.NEUTRAL_EVENTS[death_words]))
        return "，".join(parts), False

    def place_and_treatment(self, inc: dict[str, bool]) -> str:
        plan = self.plan
        hospital, status = plan.hospital.said, plan.treatment
        if inc["hosp"] and inc["treat"] and status != "未就诊":
            return self.choice(self.treatment_words(pools.HOSPITAL_TREATMENT_CLAUSES)).format(h=hospital)
        if inc["hosp"] and status != "未就诊":
            return self.choice(pools.HOSPITAL_CLAUSES).format(h=hospital)
        if inc["treat"]:
            return self.choice(self.treatment_words(pools.TREATMENT_CLAUSES))
        return ""


# ---------------------------------------------------------------------------------------------
# Assembling the set
# ---------------------------------------------------------------------------------------------

def _quota_list(rng: random.Random, count: int, quotas: dict[str, int], rest: str) -> list[str]:
    items = [key for key, number in quotas.items() for _ in range(number)]
    items += [rest] * (count - len(items))
    rng.shuffle(items)
    return items


def _random_now(rng: random.Random) -> datetime:
    start = datetime(2025, 1, 6)
    day = start + timedelta(days=rng.randrange((datetime(2026, 12, 20) - start).days))
    hour = rng.choices(range(7, 23), weights=[2, 4, 6, 6, 5, 4, 6, 6, 5, 5, 4, 3, 3, 2, 2, 1])[0]
    return day.replace(hour=hour, minute=rng.randrange(60))


def _days_back(rng: random.Random, treatment: str) -> int:
    if treatment == "身故":
        return rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 7))
    if treatment == "已出院":
        return rng.randrange(4, 46)
    if treatment == "未就诊":
        return rng.choice((0, 1, 1, 2))
    return rng.choices((0, 1, 2, 3, rng.randrange(4, 11), rng.randrange(11, 46)),
                       weights=(1, 5, 3, 2, 5, 4))[0]


def _includes(rng: random.Random, kind: str, relation: str) -> dict[str, bool]:
    keys = ("who", "date", "event", "diag", "hosp", "treat")
    if kind in ("full", "full_name", "full_phone"):
        return {key: True for key in keys}
    if kind == "vague":
        return {key: False for key in keys}
    while True:
        chosen = {key: rng.random() < share for key, share in
                  zip(keys, (0.8, 0.45, 0.55, 0.5, 0.35, 0.45))}
        if relation == "本人":
            chosen["who"] = True
        if 1 <= sum(chosen.values()) < len(keys):
            chosen["name"] = rng.random() < 0.05
            chosen["phone"] = rng.random() < 0.03
            return chosen


class ScenarioBuilder:
    """Plans and writes the whole set. Set-level quotas (roles, deaths, landlines, vague openings, people on
    file) are drawn from one seeded stream; each call then gets its own stream, so one call's wording does
    not shift every later call."""

    def __init__(self, seed: int = DEFAULT_SEED, count: int = DEFAULT_COUNT,
                 people: list[tuple[str, str, date | None]] | None = None,
                 hospital_registry: object = None):
        self.rng = random.Random(seed)
        self.seed = seed
        self.count = count
        self.people = list(people if people is not None else demo_people())
        self.hospitals = resolve_hospitals(hospital_registry if hospital_registry is not None
                                           else _read_yaml(HOSPITALS_FILE))
        self.registry_names = {h.expect for h in self.hospitals
                               if (h.said, h.city) in pools.REGISTERED_HOSPITALS}
        self.used_codes: dict[str, int] = {}
        self.taken_ids: set[str] = set()
        self.used_people: set[int] = set()

    def build(self) -> list[dict]:
        rng, count = self.rng, self.count
        roles = self._role_schedule()
        kinds = _quota_list(rng, count, {"full": 16, "full_name": 8, "full_phone": 6, "vague": 22}, "partial")
        deaths = set(rng.sample([i for i, role in enumerate(roles) if role.can_report_death], 12))
        landlines = set(rng.sample(range(count), 12))
        on_file = set(rng.sample(range(count), round(count * 2 / 3)))
        scenarios = []
        for index in range(count):
            call_rng = random.Random(f"{self.seed}-{index}")
            plan = self._plan(index, call_rng, roles[index], kinds[index], index in deaths,
                              index in landlines, index in on_file)
            writer = CallWriter(plan, call_rng)
            scenario = {
                "id": plan.sid,
                "now": plan.now.strftime("%Y-%m-%d %H:%M"),
                "opening": writer.opening(),
                "answers": writer.answers(),
                "expect": self._expect(plan),
            }
            check_scenario(scenario)
            scenarios.append(scenario)
        return scenarios

    def _role_schedule(self) -> list[pools.Role]:
        by_key = {role.key: role for role in pools.ROLES}
        items: list[pools.Role] = []
        for key, number in pools.ROLE_QUOTAS:
            items += [by_key[key]] * number
        while len(items) < self.count:
            items.append(by_key[self.rng.choice(("father", "mother", "husband", "wife", "son", "daughter"))])
        items = items[: self.count]
        self.rng.shuffle(items)
        return items

    def _plan(self, index: int, rng: random.Random, role: pools.Role, kind: str, death: bool,
              landline: bool, on_file: bool) -> Plan:
        now = _random_now(rng)
        treatment = "身故" if death else rng.choices(
            ("住院", "门诊", "已出院", "未就诊"), weights=(40, 22, 26, 5))[0]
        target = now.date() - timedelta(days=_days_back(rng, treatment))
        if target == now.date() and now.hour < 8:
            target -= timedelta(days=1)
        person = self._person(rng, role, now.date(), target, on_file, death)
        age = person.age(now.date())
        if not self._fitting(person.male, age, treatment):  # e.g. nothing untreated fits a toddler
            treatment = rng.choice([t for t in ("住院", "门诊") if self._fitting(person.male, age, t)])
        fits = self._fitting(person.male, age, treatment)
        # Damp what has been used already, so every diagnosis shows up somewhere in the set.
        diag = rng.choices(fits, weights=[entry.weight / (1 + 2 * self.used_codes.get(entry.code, 0))
                                          for entry in fits])[0]
        self.used_codes[diag.code] = self.used_codes.get(diag.code, 0) + 1
        event = rng.choice(diag.events) if diag.events else ("", "")
        registered = [h for h in self.hospitals if h.expect != h.said or h.said in self.registry_names]
        unregistered = [h for h in self.hospitals if h not in registered]
        hospital = rng.choice(unregistered if unregistered and rng.random() < 0.07 else registered)
        phone = self._phone(rng, landline, pools.CITY_AREA_CODES.get(hospital.city))
        plan = Plan(sid=f"d{index + 1:03d}", now=now, role=role, person=person, diag=diag, target=target,
                    hospital=hospital, treatment=treatment, phone=phone, landline=landline,
                    opening_kind=kind, event=event)
        plan.includes = _includes(rng, kind, role.relation)
        return plan

    def _person(self, rng: random.Random, role: pools.Role, today: date, target: date, on_file: bool,
                death: bool) -> Person:
        low, high = role.ages
        if death:
            low = max(low, 30)
        if on_file and self.people:
            candidates = []
            for position, (name, id_number, start) in enumerate(self.people):
                if position in self.used_people or not id_is_valid(id_number):
                    continue
                person = Person(name, id_number, on_file=True)
                if role.male is not None and person.male != role.male:
                    continue
                if not low <= person.age(today) <= high or (start and start > target):
                    continue
                candidates.append((position, person))
            if candidates:
                position, person = rng.choice(candidates)
                self.used_people.add(position)
                self.taken_ids.add(person.id_number)
                return person
        male = role.male if role.male is not None else rng.random() < 0.5
        person = make_person(rng, male, rng.randint(low, high), today, self.taken_ids)
        self.taken_ids.add(person.id_number)
        return person

    @staticmethod
    def _fitting(male: bool, age: int, treatment: str) -> list[pools.DiagnosisEntry]:
        return [entry for entry in pools.DIAGNOSES
                if entry.min_age <= age <= entry.max_age
                and (entry.sex is None or (entry.sex == "m") == male)
                and treatment in entry.treatments]

    @staticmethod
    def _phone(rng: random.Random, landline: bool, area: str | None) -> str:
        """A mobile number, or a landline in the hospital's city when the caller is at home there."""
        if landline:
            area = area or rng.choice(pools.AREA_CODES)
            return area + str(rng.randrange(2, 9)) + f"{rng.randrange(10**7):07d}"
        return str(rng.choice(pools.MOBILE_PREFIXES)) + f"{rng.randrange(10**8):08d}"

    @staticmethod
    def _expect(plan: Plan) -> dict[str, str]:
        return {
            "insured_name": plan.person.name,
            "insured_id": plan.person.id_number,
            "reporter_relation": plan.role.relation,
            "contact_phone": plan.phone,
            "incident_date": plan.target.isoformat(),
            "incident_cause": plan.diag.cause,
            "diagnosis": plan.diag.code,
            # not seen anywhere yet: the contract keeps the hospital empty, even one the caller means to visit
            "hospital": "" if plan.treatment == "未就诊" else plan.hospital.expect,
            "treatment_status": plan.treatment,
        }


def check_scenario(scenario: dict) -> None:
    """Raise if an expectation is not in the contract's canonical form."""
    expect, sid = scenario["expect"], scenario["id"]
    now = datetime.strptime(scenario["now"], "%Y-%m-%d %H:%M")
    problems = []
    if set(expect) != set(SLOTS) or set(scenario["answers"]) != set(SLOTS):
        problems.append("slots missing")
    if not id_is_valid(expect["insured_id"]):
        problems.append("bad id")
    if not PHONE_RE.match(expect["contact_phone"]):
        problems.append("bad phone")
    incident = date.fromisoformat(expect["incident_date"])
    if not (now.date() - timedelta(days=730) <= incident <= now.date()):
        problems.append("date out of range")
    if expect["reporter_relation"] not in RELATIONS or expect["incident_cause"] not in CAUSES:
        problems.append("bad relation/cause")
    if expect["treatment_status"] not in TREATMENTS or not re.fullmatch(r"[A-Z]\d\d", expect["diagnosis"]):
        problems.append("bad treatment/diagnosis")
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", expect["insured_name"]):
        problems.append("bad name")
    if problems:
        raise ValueError(f"{sid}: {', '.join(problems)}")


# ---------------------------------------------------------------------------------------------
# File format
# ---------------------------------------------------------------------------------------------

class _Quoted(str):
    """A string always written in double quotes (the call time, as in the contract's example)."""


class _ScenarioDumper(yaml.SafeDumper):
    pass


_ScenarioDumper.add_representer(
    _Quoted, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"'))


def dump_scenarios(scenarios: list[dict], header: str) -> str:
    """The scenario list as YAML text, with a comment header; stable so files can be compared byte for byte."""
    quoted = [{**scenario, "now": _Quoted(scenario["now"])} for scenario in scenarios]
    body = yaml.dump(quoted, Dumper=_ScenarioDumper, allow_unicode=True, sort_keys=False, width=1000,
                     default_flow_style=False)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comment + body


def load_scenarios(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


DEV_HEADER = (
    "Development scenarios for `claimbot eval claims` (format: shared claims contract, 'Scenario file').\n"
    "Generated by `python -m bot.eval.scenario_builder`; edit the builder or its pools, not this file.\n"
    "The ASR-style variant dev_asr.yml is derived from this file by `python -m bot.eval.asr_noise`."
)


def build_dev_set(seed: int = DEFAULT_SEED, count: int = DEFAULT_COUNT) -> list[dict]:
    """The development set; refuses to build if the pool disagrees with the diagnosis dictionary."""
    problems = check_diagnosis_pool(dictionary_codes())
    if problems:
        raise ValueError("diagnosis pool disagrees with the dictionary:\n" + "\n".join(problems))
    return ScenarioBuilder(seed, count).build()


def main(argv: Sequence[str] | None = None) -> int:
    """Write the development set (to data/scenarios/dev.yml unless a path is given)."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else DEV_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_scenarios(build_dev_set(), DEV_HEADER), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
