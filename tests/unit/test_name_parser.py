import pytest

from nlu.name_parser import extract_name


def name_of(text: str, expecting: bool = False) -> str | None:
    match = extract_name(text, expecting)
    return match.name if match else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他叫张建国", "张建国"),
        ("我叫李娜", "李娜"),
        ("被保险人是王芳", "王芳"),
        ("被保险人叫刘德明", "刘德明"),
        ("姓名张建国", "张建国"),
        ("姓名是赵敏", "赵敏"),
        ("名字叫欧阳明轩", "欧阳明轩"),
        ("名字是司马光", "司马光"),
        ("叫张 建 国", "张建国"),
        ("他 叫 张 建 国", "张建国"),
        ("就叫张三", "张三"),
        ("他叫张建国昨天摔了一跤", "张建国"),
        ("我爸叫张建国，我是他儿子", "张建国"),
        ("他叫张和平", "张和平"),
        ("我爸张建国", "张建国"),
        ("我老婆王芳住院了", "王芳"),
        ("我母亲叫陈秀英", "陈秀英"),
        ("姓张，叫张建国", "张建国"),
        ("姓张叫建国", "张建国"),
        ("他姓诸葛，叫诸葛明", "诸葛明"),
    ],
)
def test_explicit_cues_work_without_being_asked(text: str, expected: str) -> None:
    assert name_of(text, expecting=False) == expected
    assert name_of(text, expecting=True) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张建国", "张建国"),
        ("张 建 国", "张建国"),
        ("嗯 李娜", "李娜"),
        ("我是李娜", "李娜"),
        ("是王芳", "王芳"),
        ("王芳吧", "王芳"),
        ("欧阳明轩", "欧阳明轩"),
        ("上官婉儿", "上官婉儿"),
        ("姓张，叫国强", "张国强"),
        ("就是张建国。", "张建国"),
    ],
)
def test_bare_answer_counts_only_when_expecting(text: str, expected: str) -> None:
    assert name_of(text, expecting=True) == expected


@pytest.mark.parametrize("text", ["张建国", "李娜", "欧阳明轩", "我是李娜"])
def test_bare_answer_without_being_asked_is_not_a_name(text: str) -> None:
    assert extract_name(text, expecting=False) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张建国，弓长张", "张建国"),
        ("他叫章建国，弓长张", "张建国"),  # the spelled surname wins
        ("章建国，弓长张", "张建国"),
        ("张建国，立早章", "章建国"),
        ("他叫王芳，三横王", "王芳"),
        ("木子李，李娜", "李娜"),
        ("李娜，木子李的李", "李娜"),
        ("陈红，耳东陈", "陈红"),
        ("程红，耳东陈", "陈红"),
        ("吴明，口天吴", "吴明"),
        ("胡军，古月胡", "胡军"),
        ("许亮 言午许", "许亮"),
        ("高明，高矮的高", "高明"),
        ("张建国，张是弓长张", "张建国"),
        ("姓张，弓长张，叫建国", "张建国"),
        ("叫建国，弓长的张", "张建国"),
    ],
)
def test_spelled_surname(text: str, expected: str) -> None:
    match = extract_name(text, expecting=True)
    assert match is not None and match.name == expected and match.surname_spelled


def test_spelled_surname_confidence() -> None:
    assert extract_name("张建国，弓长张", True).confidence == 1.0
    corrected = extract_name("章建国，弓长张", True)
    assert corrected.name == "张建国" and corrected.confidence < 1.0


@pytest.mark.parametrize(
    "text",
    ["不清楚", "不知道", "我爸", "瑞金医院", "医院", "不记得了", "叫了救护车", "叫救护车送到医院", "我自己", "他叫我打电话",
     "弓长张", "对，没错", "我爸昨天摔了", "身份证号是三幺零"],
)
def test_non_names(text: str) -> None:
    assert extract_name(text, expecting=True) is None
    assert extract_name(text, expecting=False) is None


def test_unknown_surname_after_a_name_cue_is_low_confidence() -> None:
    match = extract_name("名字叫小明", expecting=False)
    assert match is not None and match.confidence < 0.8


def test_explicit_cue_is_more_confident_than_a_bare_answer() -> None:
    assert extract_name("他叫张建国", True).confidence > extract_name("张建国", True).confidence
