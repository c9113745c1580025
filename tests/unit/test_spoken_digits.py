import pytest

from nlu.spoken_digits import DigitRun, find_digit_runs, parse_small_number, to_digits


def digits_of(text: str, min_digits: int = 3) -> list[str]:
    return [run.digits for run in find_digit_runs(text, min_digits)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幺三八一二三四五六七八", ["13812345678"]),
        ("幺三八 一二三四 五六七八", ["13812345678"]),
        ("打我电话 幺 三 八 一 二 三 四 五 六 七 八", ["13812345678"]),
        ("138-1234-5678", ["13812345678"]),
        ("138 1234 5678", ["13812345678"]),
        ("１３８１２３４５６７８", ["13812345678"]),
        ("幺三八，一二三四，五六七八", ["13812345678"]),
        ("幺三八 嗯 一二三四 那个 五六七八", ["13812345678"]),
        ("零二一 杠 一二三四五六七八", ["02112345678"]),
        ("（021）12345678", ["02112345678"]),
        ("洞拐勾幺两", ["07912"]),
        ("〇幺零", ["010"]),
        ("零零八六", ["0086"]),
        ("幺三九 三个八 一二三四", ["1398881234"]),
        ("幺三八 两个六 五六七八九", ["1386656789"]),
        ("三个八", ["888"]),
        ("幺八六 3个8 0000", ["1868880000"]),
    ],
)
def test_runs_are_joined_across_spaces_separators_and_repeats(text: str, expected: list[str]) -> None:
    assert digits_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三幺零幺零四 一九五零 零三零七 幺零八 叉", "31010419500307108X"),
        ("三幺零幺零四一九五零零三零七幺零八艾克斯", "31010419500307108X"),
        ("三幺零幺零四一九五零零三零七幺零八 埃克斯", "31010419500307108X"),
        ("三幺零幺零四一九五零零三零七幺零八爱克斯", "31010419500307108X"),
        ("三幺零幺零四一九五零零三零七幺零八大写X", "31010419500307108X"),
        ("三幺零幺零四一九五零零三零七幺零八 大写的叉", "31010419500307108X"),
        ("31010419500307108x", "31010419500307108X"),
        ("310104 1950 0307 108X", "31010419500307108X"),
    ],
)
def test_trailing_check_character_words(text: str, expected: str) -> None:
    assert digits_of(text) == [expected]


@pytest.mark.parametrize(
    "text",
    ["我一下摔了一跤", "一个人在家", "两天前住院", "三月五号", "第一人民医院", "他们三个一起去的", "两个八十多岁的老人",
     "我们两个一样", "xray 检查", "叉车", "七八十岁了", "十一号"],
)
def test_ordinary_words_are_not_numbers(text: str) -> None:
    assert find_digit_runs(text) == []


def test_a_year_is_still_a_run_the_caller_decides() -> None:
    runs = find_digit_runs("他是一九五零年出生的")
    assert runs == [DigitRun(2, 6, "1950", "一九五零", ("1950",))]


def test_run_positions_and_raw_text_point_into_the_original() -> None:
    text = "电话是 幺三八 一二三四 五六七八 谢谢"
    (run,) = find_digit_runs(text)
    assert text[run.start:run.end] == run.raw == "幺三八 一二三四 五六七八"
    assert run.groups == ("138", "1234", "5678")


def test_x_ends_a_run_so_a_following_number_is_separate() -> None:
    assert digits_of("31010419500307108X，13812345678") == ["31010419500307108X", "13812345678"]


def test_x_alone_is_not_a_run() -> None:
    assert digits_of("叉", min_digits=1) == []


def test_min_digits_guards_short_runs() -> None:
    assert digits_of("幺三八", min_digits=4) == []
    assert digits_of("幺三八", min_digits=3) == ["138"]
    assert digits_of("两天", min_digits=1) == ["2"]


def test_leading_zeros_and_long_runs_survive() -> None:
    assert to_digits("零零零幺") == "0001"
    assert to_digits("三幺零幺零四一九五零零三零七幺零八叉") == "31010419500307108X"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("幺三八", "138"), ("138-1234", "1381234"), ("两个六", "66"), ("三个八", "888"), ("五六七八", "5678"),
     ("壹贰叁", "123"), ("洞拐勾", "079")],
)
def test_to_digits(text: str, expected: str) -> None:
    assert to_digits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("十", 10), ("十一", 11), ("二十", 20), ("二十八", 28), ("三十一", 31), ("廿八", 28), ("两", 2), ("五", 5),
     ("9", 9), ("28", 28), ("０５", 5), ("零", 0), ("九十九", 99)],
)
def test_parse_small_number(text: str, expected: int) -> None:
    assert parse_small_number(text) == expected


@pytest.mark.parametrize("text", ["", "一百", "123", "天", "十十", "两十"])
def test_parse_small_number_rejects(text: str) -> None:
    assert parse_small_number(text) is None
