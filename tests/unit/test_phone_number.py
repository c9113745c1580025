import pytest

from nlu.phone_number import apply_correction, extract_phone, mask_phone, validate_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("打我电话 幺三八 一二三四 五六七八", "13812345678"),
        ("幺 三 八 一 二 三 四 五 六 七 八", "13812345678"),
        ("我的手机是13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("＋８６１３８１２３４５６７８", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("幺三九 三个八 一二三四", None),  # 10 digits: not a mobile
        ("幺三九 三个八 一二三四五", "13988812345"),
        ("幺八六 两个六 拐拐勾勾 零零", "18666779900"),
        ("座机 零二一 一二三四 五六七八", "02112345678"),
        ("021-12345678", "02112345678"),
        ("零二一 杠 一二三四 五六七八", "02112345678"),
        ("（010）87654321", "01087654321"),
        ("零五七幺 八七六五四三二一", "057187654321"),
        ("0571-8765432", "05718765432"),
        ("嗯 那个 电话就是 幺五零 洞洞洞洞 幺幺幺幺", "15000001111"),
    ],
)
def test_extract_phone(text: str, expected: str | None) -> None:
    assert extract_phone(text) == expected


def test_phone_after_an_id_with_a_comma() -> None:
    text = "三幺零幺零四一九五零零三零七幺零八叉，幺三八一二三四五六七八"
    assert extract_phone(text) == "13812345678"


def test_phone_run_together_with_another_number_is_split_at_the_pause() -> None:
    assert extract_phone("一二三四五六 幺三八 一二三四 五六七八") == "13812345678"


def test_no_phone_is_cut_out_of_an_id_said_in_groups() -> None:
    # 1949 1231 002 would read as the mobile 19491231002.
    assert extract_phone("一一零一零五 一九四九 一二三一 零零二 七") is None


@pytest.mark.parametrize(
    "text",
    ["我不记得了", "一九五零年三月七号", "12345678", "幺二八一二三四五六七八", "31010419500307108X",
     "今天下午两点", "11010519491231002X"],
)
def test_no_phone(text: str) -> None:
    assert extract_phone(text) is None


@pytest.mark.parametrize(
    ("value", "kind"),
    [("13812345678", "mobile"), ("19912345678", "mobile"), ("02112345678", "landline"),
     ("057187654321", "landline"), ("138 1234 5678", "mobile"), ("+8613812345678", "mobile"),
     ("021-1234567", "landline")],
)
def test_validate_ok(value: str, kind: str) -> None:
    check = validate_phone(value)
    assert check.ok and check.kind == kind and check.reason is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [("", "empty"), ("1381234567", "length"), ("138123456789", "length"), ("12812345678", "prefix"),
     ("12345678", "no_area_code"), ("1234567", "no_area_code"), ("abc", "format"), ("0211234", "length")],
)
def test_validate_rejects_with_mandarin_hint(value: str, reason: str) -> None:
    check = validate_phone(value)
    assert not check.ok and check.reason == reason
    assert check.hint and "号" in check.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("后四位是五六七八", "13800005678"),
        ("不对，最后四位应该是5678", "13800005678"),
        ("后 四 位 是 五 六 七 八", "13800005678"),
        ("中间四位是一二三四", "13812340000"),
        ("前三位是一三九", "13900000000"),
        ("开头三位应该是幺五零", "15000000000"),
        ("尾号是五六七八", "13800005678"),
        ("后面是幺幺", "13800000011"),
        ("第五位是六", "13806000000"),
        ("第十一位应该是九", "13800000009"),
        ("后两位是三个八", None),  # three digits for two places: does not fit
        ("后四位是五六七", None),
        ("是幺三八一二三四五六七八", None),
        ("对，没错", None),
    ],
)
def test_apply_correction(text: str, expected: str | None) -> None:
    assert apply_correction("13800000000", text) == expected


def test_apply_correction_needs_an_old_number() -> None:
    assert apply_correction("", "后四位是五六七八") is None


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("02112345678") == "021****5678"
    assert mask_phone("123") == "***"
