from datetime import date

import pytest

from nlu.id_number import check_char, extract_id, mask_id, validate_id

TODAY = date(2026, 3, 14)


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("11010519491231002", "X"), ("34052419800101001", "X"), ("12345678901234567", "7"),
     ("31010419500307108", "X")],
)
def test_check_char_matches_published_vectors(first17: str, expected: str) -> None:
    assert check_char(first17) == expected


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100A"])
def test_check_char_needs_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        check_char(bad)


@pytest.mark.parametrize(
    ("value", "birthdate", "sex"),
    [("11010519491231002X", date(1949, 12, 31), "女"), ("34052419800101001X", date(1980, 1, 1), "男"),
     ("31010419500307108X", date(1950, 3, 7), "女")],
)
def test_valid_ids(value: str, birthdate: date, sex: str) -> None:
    check = validate_id(value, TODAY)
    assert check.ok and check.reason is None and check.hint is None
    assert (check.birthdate, check.sex) == (birthdate, sex)


def test_lower_case_x_is_accepted() -> None:
    assert validate_id("11010519491231002x", TODAY).ok


def test_checksum_ok_but_impossible_birthdate() -> None:
    # 123456789012345677: checksum holds and province 12 exists, but the birth date 7890-12-34 does not.
    assert check_char("12345678901234567") == "7"
    check = validate_id("123456789012345677", TODAY)
    assert (check.ok, check.reason) == (False, "birthdate")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("11010519491231002", "length"),
        ("11010519491231002X1", "format"),
        ("110105194912310021", "checksum"),
        ("31010419500307109X", "checksum"),
        ("99010519491231002X", "province"),
        ("11010519491331002X", "birthdate"),
        ("11010520300101002X", "birthdate"),  # born in the future
        ("11010518800101002X", "birthdate"),  # implausibly old
        ("1101051949123100X2", "format"),
        ("110105491231002", "old_format"),
        ("身份证11010519491231002X", "format"),
    ],
)
def test_invalid_ids_have_a_reason_and_a_mandarin_hint(value: str, reason: str) -> None:
    check = validate_id(value, TODAY)
    assert not check.ok
    assert check.reason == reason
    assert check.hint and any("\u4e00" <= ch <= "\u9fff" for ch in check.hint)


def test_old_id_reports_birthdate() -> None:
    check = validate_id("110105491231002", TODAY)
    assert check.birthdate == date(1949, 12, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号是 三幺零幺零四 一九五零 零三零七 幺零八 叉", "31010419500307108X"),
        ("三 幺 零 幺 零 四 一 九 五 零 零 三 零 七 幺 零 八 叉", "31010419500307108X"),
        ("三四零五二四一九八零零一零一零零一艾克斯", "34052419800101001X"),
        ("他的身份证是110105 1949 1231 002x", "11010519491231002X"),
        ("11010519491231002X", "11010519491231002X"),
        ("号码 110105-19491231-002X 谢谢", "11010519491231002X"),
        ("身份证 一一零一零五 一九四九 一二三一 零零二 十", "11010519491231002X"),
        ("一二三四五六七八九零一二三四五六七七", "123456789012345677"),
        ("幺幺零幺零五四九幺两三幺零零两", "110105491231002"),
        ("嗯 身份证号 三幺零幺零四，一九五零零三零七，幺零八大写X", "31010419500307108X"),
        ("一三零四零二，一九八零零九零五，最后四位是七零三九", "130402198009057039"),
        ("四一一六二三,一九七五零五一零,一零七四，四月十二号晚上摔的", "411623197505101074"),
    ],
)
def test_extract_id(text: str, expected: str) -> None:
    assert extract_id(text) == expected


def test_extract_id_returns_a_wrong_checksum_for_validate_to_flag() -> None:
    assert extract_id("110105194912310021") == "110105194912310021"


def test_extract_id_finds_the_id_next_to_a_phone_number() -> None:
    text = "电话幺三八一二三四五六七八，一一零一零五一九四九一二三一零零二叉"
    assert extract_id(text) == "11010519491231002X"
    assert extract_id("13812345678 110105 1949 1231 002X") == "11010519491231002X"


@pytest.mark.parametrize("text", ["我不知道他身份证号", "幺三八一二三四五六七八", "一九五零年三月七号出生", ""])
def test_extract_id_none(text: str) -> None:
    assert extract_id(text) is None


def test_mask_id_keeps_first_three_and_last_four() -> None:
    assert mask_id("31010419500307108X") == "310***********108X"
    assert mask_id("110105491231002") == "110********1002"
    assert mask_id("1234") == "****"
