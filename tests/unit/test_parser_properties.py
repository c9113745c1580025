"""Property tests for the number, date and name parsers: valid values, spoken the many ways callers
speak them (any grouping, separators, digit words, fillers, announcements, corrections), must come back.

Hypothesis shrinks a failure to its minimal spoken form, which is what to read when one fails.
The values are parsed through `fill_turn`, the path every caller turn takes, with the item just asked.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.claims.claim_state import TZ, ClaimState
from bot.claims.slot_filling import fill_turn
from nlu.id_number import check_char

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# How digits are said: the plain word, the phone-style readings, typed digits.
DIGIT_WORDS = {
    "0": ["零", "零", "洞", "0"], "1": ["一", "幺", "幺", "1"], "2": ["二", "二", "两", "2"], "3": ["三", "3"],
    "4": ["四", "4"], "5": ["五", "5"], "6": ["六", "6"], "7": ["七", "七", "拐", "7"], "8": ["八", "8"],
    "9": ["九", "9"],
}
X_WORDS = ["X", "x", "叉", "大写的X", "大写X", "艾克斯"]
SEPARATORS = [" ", "，", "、", ",", "，然后", " 然后 ", "……", "...", "。", " 嗯 ", "，那个，", "-", "，呃，", ""]
LAST_CUES = ["最后一位是", "最后是", "末尾是", "最后一个", "尾号", "最后一位", ""]
CORRECTION_CUES = ["，不对，", "，不对不对，是", "，哦不对，", "，说错了，", "……不是，"]
PROVINCES = ["11", "12", "13", "14", "21", "23", "31", "32", "33", "34", "35", "37", "41", "42", "43", "44",
             "45", "50", "51", "52", "53", "61", "62", "65"]
CALL_TIME = datetime(2026, 5, 20, 10, 30, tzinfo=TZ)


def _asked(slot: str, text: str, now: datetime = CALL_TIME) -> str | None:
    state = ClaimState(asked=[slot], call_started_at=now.isoformat())
    return fill_turn(text, {}, state, now, "collecting").updates.get(slot)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    born = draw(st.dates(date(1930, 1, 1), date(2025, 12, 31)))
    area = draw(st.sampled_from(PROVINCES)) + f"{draw(st.integers(1, 30)):02d}{draw(st.integers(1, 40)):02d}"
    body = f"{area}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return body + check_char(body)


def _groups(draw: st.DrawFn, digits: str) -> list[str]:
    style = draw(st.sampled_from(["3", "4", "6", "8", "684", "uneven", "none", "single"]))
    sizes = {"3": [3], "4": [4], "6": [6], "8": [8], "none": [len(digits)], "single": [1]}
    out, pos = [], 0
    while pos < len(digits):
        if style == "684":
            size = [6, 8, 4][len(out)] if len(out) < 3 else len(digits)
        elif style == "uneven":
            size = draw(st.integers(1, 7))
        else:
            size = sizes[style][0]
        out.append(digits[pos:pos + size])
        pos += size
    return out


def _say_digits(draw: st.DrawFn, digits: str) -> str:
    return "".join(draw(st.sampled_from(X_WORDS)) if ch == "X" else draw(st.sampled_from(DIGIT_WORDS[ch]))
                   for ch in digits)


def _say_number(draw: st.DrawFn, digits: str) -> str:
    groups = _groups(draw, digits)
    if draw(st.booleans()) and len(groups[-1]) > 1:  # the last character said on its own, announced
        groups = [*groups[:-1], groups[-1][:-1], groups[-1][-1]]
        last = draw(st.sampled_from(LAST_CUES)) + _say_digits(draw, groups[-1])
    else:
        last = None
    sep = draw(st.sampled_from(SEPARATORS))
    spoken = [_say_digits(draw, g) for g in groups]
    if last is not None:
        spoken[-1] = last
    return sep.join(spoken)


@st.composite
def spoken_ids(draw: st.DrawFn) -> tuple[str, str]:
    value = draw(id_numbers())
    said = _say_number(draw, value)
    if draw(st.integers(0, 4)) == 0:  # a wrong group, the correction, then the rest again from that group
        cut = draw(st.integers(4, 16))
        wrong = str((int(value[cut]) + 1) % 10)
        head = _say_number(draw, value[:cut]) + " " + _say_digits(draw, wrong + value[cut + 1:cut + 3])
        said = head + draw(st.sampled_from(CORRECTION_CUES)) + _say_number(draw, value[cut:])
    lead = draw(st.sampled_from(["", "身份证号是", "他的身份证是", "号码是", "嗯，", "身份证号码 "]))
    return value, lead + said


@given(spoken_ids())
@PROPERTY_SETTINGS
def test_an_id_read_in_any_grouping_parses(case: tuple[str, str]) -> None:
    value, said = case
    assert _asked("insured_id", said) == value, said


MOBILE_PREFIXES = ["130", "133", "135", "136", "138", "139", "150", "151", "157", "158", "159", "166", "177",
                   "180", "186", "187", "188", "189", "199"]
AREA_CODES = ["010", "021", "022", "023", "020", "027", "028", "0755", "0371", "0571", "0531", "0991", "0851"]


@st.composite
def spoken_phones(draw: st.DrawFn) -> tuple[str, str]:
    if draw(st.integers(0, 3)) == 0:
        area = draw(st.sampled_from(AREA_CODES))
        local = str(draw(st.integers(2, 8))) + "".join(draw(st.sampled_from("0123456789"))
                                                      for _ in range(6 if len(area) == 4 else 7))
        value = area + local
        said = _say_digits(draw, area) + draw(st.sampled_from([" ", "，", "-", "杠"])) + _say_number(draw, local)
    else:
        value = draw(st.sampled_from(MOBILE_PREFIXES)) + "".join(draw(st.sampled_from("0123456789")) for _ in range(8))
        style = draw(st.sampled_from(["344", "335", "443", "any"]))
        if style == "any":
            said = _say_number(draw, value)
        else:
            a, b = int(style[0]), int(style[0]) + int(style[1])
            sep = draw(st.sampled_from(SEPARATORS))
            said = sep.join(_say_digits(draw, part) for part in (value[:a], value[a:b], value[b:]))
    lead = draw(st.sampled_from(["", "电话是", "打我手机", "我的号码 ", "联系电话，", "就打这个号 "]))
    return value, lead + said


@given(spoken_phones())
@PROPERTY_SETTINGS
def test_a_phone_read_in_any_grouping_parses(case: tuple[str, str]) -> None:
    value, said = case
    assert _asked("contact_phone", said) == value, said


WEEKDAYS = "一二三四五六日"
CN_NUMBERS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五",
              "十六", "十七", "十八", "十九", "二十", "二十一", "二十二", "二十三", "二十四", "二十五", "二十六",
              "二十七", "二十八", "二十九", "三十", "三十一"]


@st.composite
def spoken_dates(draw: st.DrawFn) -> tuple[datetime, date, str]:
    now = datetime.combine(draw(st.dates(date(2025, 1, 1), date(2026, 11, 30))),
                           datetime.min.time(), TZ) + timedelta(hours=draw(st.integers(7, 22)))
    today = now.date()
    form = draw(st.sampled_from(["rel", "week", "month_day", "full", "ago"]))
    if form == "rel":
        back, word = draw(st.sampled_from([(0, "今天"), (1, "昨天"), (1, "昨儿"), (1, "昨儿个"), (2, "前天"),
                                           (2, "前儿个"), (3, "大前天"), (3, "大前儿")]))
        return now, today - timedelta(days=back), word + draw(st.sampled_from(["", "下午", "晚上", "早上"]))
    if form == "week":
        monday = today - timedelta(days=today.weekday())
        which = draw(st.sampled_from(["这周", "上周", "上个星期", "上礼拜", "这个礼拜", "本周"]))
        start = monday if which in ("这周", "这个礼拜", "本周") else monday - timedelta(days=7)
        index = draw(st.integers(0, 6 if start < monday else today.weekday()))
        day_word = WEEKDAYS[index] if index < 6 else draw(st.sampled_from(["日", "天"]))
        return now, start + timedelta(days=index), which + day_word
    target = today - timedelta(days=draw(st.integers(0, 700)))
    if form == "ago":
        back = (today - target).days % 30 + 1
        unit = draw(st.sampled_from(["天前", "天之前", "天以前"]))
        return now, today - timedelta(days=back), draw(st.sampled_from([str(back), CN_NUMBERS[back]])) + unit
    day = draw(st.sampled_from([str(target.day), CN_NUMBERS[target.day]]))
    month = draw(st.sampled_from([str(target.month), CN_NUMBERS[target.month]]))
    said = f"{month}月{day}{draw(st.sampled_from(['号', '日']))}"
    if form == "full":
        return now, target, f"{target.year}年{said}"
    # month and day only: the most recent such day, which the target is when less than a year back
    if (today - target).days >= 365 or (target.month, target.day) == (2, 29):
        return now, target, f"{target.year}年{said}"
    return now, target, said


@given(spoken_dates())
@PROPERTY_SETTINGS
def test_a_date_said_any_way_resolves(case: tuple[datetime, date, str]) -> None:
    now, expected, said = case
    assert _asked("incident_date", said, now) == expected.isoformat(), (now, said)


# Surnames and how callers spell them out; given-name characters and the words callers describe them by.
SPELLED_SURNAMES = {
    "张": ["弓长张", "弓长的张", "弓长张的张"], "陈": ["耳东陈", "耳朵陈", "耳东的陈"], "李": ["木子李", "木子的李"],
    "杨": ["木易杨", "木易的杨"], "吕": ["双口吕", "两个口的吕"], "黄": ["草头黄", "草头的黄"], "章": ["立早章"],
    "吴": ["口天吴", "口天的吴"], "许": ["言午许"], "胡": ["古月胡"], "徐": ["双人徐"], "王": ["三横王", "大王的王"],
    "刘": ["文刀刘"], "周": ["周末的周"], "林": ["双木林"], "赵": ["走肖赵"], "潘": ["三点水的潘"],
    "江": ["三点水的江", "江河的江"], "孙": ["孙子的孙"], "马": ["马路的马"], "高": ["高矮的高"],
    "郑": ["郑州的郑"], "何": ["何必的何"], "罗": ["四维罗"], "宋": ["宋朝的宋"], "田": ["田地的田"],
}
GIVEN_CHARS = {
    "建": "建设", "国": "国家", "明": "明天", "华": "中华", "军": "军人", "红": "红色", "丽": "美丽", "芳": "芬芳",
    "伟": "伟大", "强": "强大", "秀": "优秀", "英": "英雄", "兰": "兰花", "海": "大海", "平": "平安", "文": "文化",
    "志": "志气", "刚": "刚强", "勇": "勇敢", "杰": "杰出", "静": "安静", "敏": "敏捷", "霞": "晚霞", "燕": "燕子",
    "玉": "玉石", "梅": "梅花", "春": "春天", "桂": "桂花", "福": "幸福", "德": "道德", "言": "语言", "涛": "波涛",
    "鹏": "大鹏", "婷": "亭亭玉立的婷", "磊": "光明磊落的磊", "琴": "钢琴", "晓": "知晓", "东": "东方", "辉": "光辉",
    "凤": "凤凰", "宇": "宇宙", "浩": "浩大", "欣": "欣赏", "怡": "心旷神怡的怡", "子": "孩子", "珍": "珍珠",
}
AFTER_NAME = ["", "，他在门诊", "，她开车的时候出的事", "，现在在医院", "，男的", "，今年六十八了", "，是我爸",
              "，我是他女儿", "，出事的就是他"]


def _describe(draw: st.DrawFn, char: str) -> str:
    word = GIVEN_CHARS[char]
    return word if word.endswith(f"的{char}") else f"{word}的{char}"


@st.composite
def spoken_names(draw: st.DrawFn) -> tuple[str, str]:
    surname = draw(st.sampled_from(sorted(SPELLED_SURNAMES)))
    given = "".join(draw(st.lists(st.sampled_from(sorted(GIVEN_CHARS)), min_size=1, max_size=2, unique=True)))
    name = surname + given
    spelled = draw(st.sampled_from(SPELLED_SURNAMES[surname]))
    form = draw(st.integers(0, 8))
    if form == 0:
        said = name
    elif form == 1:
        said = f"{draw(st.sampled_from(['他叫', '她叫', '叫', '名字是', '我叫', '被保险人叫']))}{name}"
    elif form == 2:
        said = f"{name}，{spelled}"
    elif form == 3:
        said = f"姓{surname}，{spelled}，叫{name}"
    elif form == 4 and len(given) == 1:
        said = f"{name}，{spelled}，单名一个{given}"
    elif form == 4:
        said = f"{name}，{surname}是{spelled}，{'，'.join(_describe(draw, c) for c in given)}"
    elif form == 5:  # spelled character by character
        said = "，".join([spelled, *(_describe(draw, c) for c in given)])
    elif form == 6:
        said = f"{name}，{spelled}，{_describe(draw, given[-1])}"
    elif form == 7:
        said = f"{'，'.join([surname, *given])}，{name}"
    else:
        said = f"就是{name}啊，{spelled}"
    return name, said + draw(st.sampled_from(AFTER_NAME))


@given(spoken_names())
@PROPERTY_SETTINGS
def test_a_name_with_its_explanations_parses(case: tuple[str, str]) -> None:
    name, said = case
    assert _asked("insured_name", said) == name, said
