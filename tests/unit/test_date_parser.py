from datetime import date, datetime

import pytest

from nlu.date_parser import parse_incident_date, validate_incident_date

SATURDAY = datetime(2026, 3, 14, 10, 30)  # the call time used by the scenarios
TUESDAY = datetime(2026, 3, 10, 9, 0)
NEW_YEAR = datetime(2026, 1, 5, 16, 0)  # a Monday


def resolved(text: str, now: datetime = SATURDAY) -> date | None:
    match = parse_incident_date(text, now)
    return match.date if match else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", date(2026, 3, 14)),
        ("今儿", date(2026, 3, 14)),
        ("今早摔的", date(2026, 3, 14)),
        ("今天上午", date(2026, 3, 14)),
        ("昨天", date(2026, 3, 13)),
        ("昨儿", date(2026, 3, 13)),
        ("昨晚", date(2026, 3, 13)),
        ("昨天下午", date(2026, 3, 13)),
        ("昨天 下午", date(2026, 3, 13)),
        ("昨天夜里", date(2026, 3, 13)),
        ("前天", date(2026, 3, 12)),
        ("前儿", date(2026, 3, 12)),
        ("大前天", date(2026, 3, 11)),
        ("两天前", date(2026, 3, 12)),
        ("三 天 前", date(2026, 3, 11)),
        ("10天前", date(2026, 3, 4)),
        ("十天以前", date(2026, 3, 4)),
        ("我爸昨天下午在小区里摔了一跤", date(2026, 3, 13)),
    ],
)
def test_relative_days(text: str, expected: date) -> None:
    assert resolved(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上周五", date(2026, 3, 6)),
        ("上个星期三", date(2026, 3, 4)),
        ("上礼拜天", date(2026, 3, 8)),
        ("上周日", date(2026, 3, 8)),
        ("上周一", date(2026, 3, 2)),
        ("上 周 五", date(2026, 3, 6)),
        ("上上周三", date(2026, 2, 25)),
        ("这周一", date(2026, 3, 9)),
        ("本周二", date(2026, 3, 10)),
        ("这个星期五", date(2026, 3, 13)),
        ("周三", date(2026, 3, 11)),
        ("星期三", date(2026, 3, 11)),
        ("礼拜三", date(2026, 3, 11)),
        ("星期六", date(2026, 3, 14)),  # today is Saturday
        ("周日", date(2026, 3, 8)),
        ("礼拜天", date(2026, 3, 8)),
    ],
)
def test_weekdays_on_a_saturday(text: str, expected: date) -> None:
    assert resolved(text) == expected


def test_weeks_run_monday_to_sunday() -> None:
    sunday = datetime(2026, 3, 15, 12, 0)
    assert resolved("上周日", sunday) == date(2026, 3, 8)
    assert resolved("这周日", sunday) == date(2026, 3, 15)
    assert resolved("上周一", sunday) == date(2026, 3, 2)


def test_this_week_in_the_future_is_none() -> None:
    assert resolved("这周五", TUESDAY) is None
    assert resolved("本周三", TUESDAY) is None
    assert resolved("这周二", TUESDAY) == date(2026, 3, 10)


def test_bare_weekday_means_the_most_recent_past_one() -> None:
    assert resolved("周五", TUESDAY) == date(2026, 3, 6)
    assert resolved("周二", TUESDAY) == date(2026, 3, 10)
    assert resolved("星期三", TUESDAY) == date(2026, 3, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三月二号", date(2026, 3, 2)),
        ("3月2日", date(2026, 3, 2)),
        ("三 月 二 号", date(2026, 3, 2)),
        ("二月二十八号", date(2026, 2, 28)),
        ("一月三十一日", date(2026, 1, 31)),
        ("十二月二十八", date(2025, 12, 28)),
        ("三月二十号", date(2025, 3, 20)),  # would be in the future: last year
        ("十一月十一号", date(2025, 11, 11)),
        ("2月廿八号", date(2026, 2, 28)),
        ("上个月28号", date(2026, 2, 28)),
        ("上月二十八号", date(2026, 2, 28)),
        ("上 个 月 二十八 号", date(2026, 2, 28)),
        ("这个月5号", date(2026, 3, 5)),
        ("本月五号", date(2026, 3, 5)),
        ("5号", date(2026, 3, 5)),
        ("十四号", date(2026, 3, 14)),
        ("20号", date(2026, 2, 20)),  # the 20th of this month is still ahead
        ("三十一号", date(2026, 1, 31)),  # February has none
        ("2026年3月1日", date(2026, 3, 1)),
        ("2026-03-01", date(2026, 3, 1)),
        ("2026.3.1", date(2026, 3, 1)),
        ("2026/3/1", date(2026, 3, 1)),
        ("二〇二六年三月一日", date(2026, 3, 1)),
        ("二零二五年十二月三十一号", date(2025, 12, 31)),
        ("去年十二月三十号", date(2025, 12, 30)),
        ("今年二月三号", date(2026, 2, 3)),
        ("前年五月一号", date(2024, 5, 1)),
    ],
)
def test_calendar_dates(text: str, expected: date) -> None:
    match = parse_incident_date(text, SATURDAY)
    assert match is not None and match.date == expected


def test_exact_forms_have_full_confidence() -> None:
    for text in ("昨天", "上周五", "三月二号", "2026-03-01", "两天前", "上个月28号"):
        assert parse_incident_date(text, SATURDAY).confidence == 1.0, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("半个月前", date(2026, 2, 27)),
        ("上个月底", date(2026, 2, 28)),
        ("月初", date(2026, 3, 1)),
        ("前几天", date(2026, 3, 11)),
        ("前两天", date(2026, 3, 12)),
        ("几天前", date(2026, 3, 11)),
        ("两三天前", date(2026, 3, 12)),
        ("一个多月前", date(2026, 2, 14)),
        ("十多天前", date(2026, 3, 4)),
        ("三月初二", date(2026, 3, 2)),  # no lunar conversion
        ("二月底", date(2026, 2, 28)),
        ("上周末", date(2026, 3, 7)),
        ("前阵子", date(2026, 3, 4)),
    ],
)
def test_vague_forms_have_lower_confidence(text: str, expected: date) -> None:
    match = parse_incident_date(text, SATURDAY)
    assert match is not None and match.date == expected
    assert match.vague and match.confidence < 1.0


@pytest.mark.parametrize(
    "text",
    ["2027年1月1日", "今年三月二十号", "这个月二十号", "二月三十号", "十三月五号", "上个月31号", "不清楚", "记不得了",
     "住在5号楼", "三号床", "每周三透析", "这星期一直在医院", "一个人在家摔的", "地铁10号线"],
)
def test_no_date_or_no_past_date(text: str) -> None:
    assert parse_incident_date(text, SATURDAY) is None


def test_never_in_the_future() -> None:
    texts = ["三月二十号", "20号", "周日", "十二月三十一号", "星期五", "月底", "这周六", "今天"]
    for now in (SATURDAY, TUESDAY, NEW_YEAR):
        for text in texts:
            match = parse_incident_date(text, now)
            assert match is None or match.date <= now.date(), (text, now)


def test_year_rollover() -> None:
    assert resolved("十二月三十号", NEW_YEAR) == date(2025, 12, 30)
    assert resolved("上个月28号", NEW_YEAR) == date(2025, 12, 28)
    assert resolved("20号", NEW_YEAR) == date(2025, 12, 20)
    assert resolved("5号", NEW_YEAR) == date(2026, 1, 5)
    assert resolved("上周五", NEW_YEAR) == date(2026, 1, 2)
    assert resolved("月底", NEW_YEAR) == date(2025, 12, 31)


def test_span_points_into_the_original_text() -> None:
    text = "他 昨天 下午 在小区摔的"
    match = parse_incident_date(text, SATURDAY)
    assert text[match.start:match.end] == match.text == "昨天 下午"


def test_first_date_wins_unless_corrected() -> None:
    assert resolved("昨天摔的，今天去的医院") == date(2026, 3, 13)
    assert resolved("昨天，不对，是前天") == date(2026, 3, 12)
    assert resolved("不是昨天，是前天") == date(2026, 3, 12)
    assert resolved("上周三，哦不，上周四") == date(2026, 3, 5)


def test_the_day_of_the_call_yields_to_the_incident_day() -> None:
    assert resolved("我今天打电话是因为我爸前天摔了") == date(2026, 3, 12)
    assert resolved("今天来报案，他上周五住的院") == date(2026, 3, 6)
    assert resolved("今天打电话") == date(2026, 3, 14)


def test_longest_reading_wins() -> None:
    assert resolved("大前天") == date(2026, 3, 11)
    assert resolved("上个月28号") == date(2026, 2, 28)
    assert resolved("二〇二六年三月一日") == date(2026, 3, 1)


def test_validate_incident_date() -> None:
    assert validate_incident_date(date(2026, 3, 13), SATURDAY).ok
    assert validate_incident_date(date(2026, 3, 14), SATURDAY).ok
    assert validate_incident_date(date(2024, 3, 14), SATURDAY).ok
    future = validate_incident_date(date(2026, 3, 15), SATURDAY)
    assert (future.ok, future.reason) == (False, "future") and "今天" in future.hint
    old = validate_incident_date(date(2024, 3, 13), SATURDAY)
    assert (old.ok, old.reason) == (False, "too_old") and "两年" in old.hint


def test_validate_two_years_from_a_leap_day() -> None:
    leap = datetime(2028, 2, 29, 9, 0)
    assert validate_incident_date(date(2026, 2, 28), leap).ok
    assert not validate_incident_date(date(2026, 2, 27), leap).ok


def test_the_day_the_stay_ended_is_not_the_incident_day() -> None:
    assert resolved("昨儿出院了") is None
    assert resolved("这礼拜二住院做的手术，昨天已经出院了") == date(2026, 3, 10)
    assert resolved("前几天出院了，四月那会儿不是") is None
    assert resolved("不对，昨儿 初院 了") is None  # the recognizer's 初院 for 出院
