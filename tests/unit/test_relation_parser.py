import pytest

from nlu.relation_parser import extract_relation


def relation_of(text: str) -> str | None:
    match = extract_relation(text)
    return match.relation if match else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The insured named from the caller's side.
        ("我爸", "子女"),
        ("我爸爸住院了", "子女"),
        ("我父亲", "子女"),
        ("我妈昨天摔了", "子女"),
        ("我老父亲", "子女"),
        ("老爷子摔了一跤", "子女"),
        ("我儿子", "父母"),
        ("我闺女发烧住院", "父母"),
        ("我家孩子", "父母"),
        ("我老婆", "配偶"),
        ("我老公", "配偶"),
        ("爱人", "配偶"),
        ("媳妇", "配偶"),
        ("对象", "配偶"),
        ("我家老头子", "配偶"),
        ("我哥", "其他亲属"),
        ("我姐", "其他亲属"),
        ("我弟弟", "其他亲属"),
        ("我妹", "其他亲属"),
        ("我爷爷", "其他亲属"),
        ("我奶奶", "其他亲属"),
        ("外婆", "其他亲属"),
        ("姥爷", "其他亲属"),
        ("叔叔", "其他亲属"),
        ("舅舅", "其他亲属"),
        ("孙子", "其他亲属"),
        ("我儿媳妇", "其他亲属"),
        ("我老公的妈妈住院了", "其他亲属"),
        ("朋友", "朋友"),
        ("同事", "同事"),
        ("业务员", "保险代理人"),
        ("代理人", "保险代理人"),
        # The caller themself.
        ("我自己", "本人"),
        ("本人", "本人"),
        ("是我", "本人"),
        ("就是我", "本人"),
        ("我摔了", "本人"),
        ("我被车撞了", "本人"),
        ("我是被保险人", "本人"),
    ],
)
def test_caller_side_words(text: str, expected: str) -> None:
    assert relation_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我是他儿子", "子女"),
        ("我是她女儿", "子女"),
        ("我是他的女儿", "子女"),
        ("我是张建国的儿子", "子女"),
        ("我是被保险人的女儿", "子女"),
        ("他是我儿子", "父母"),
        ("她是我女儿", "父母"),
        ("我是他妈", "父母"),
        ("他是我爸", "子女"),
        ("出事的是我爸", "子女"),
        ("我是他爱人", "配偶"),
        ("我是他老婆", "配偶"),
        ("我是他同事", "同事"),
        ("我们是同事", "同事"),
        ("我是他朋友", "朋友"),
        ("我是他的保险代理人", "保险代理人"),
        ("我是业务员", "保险代理人"),
        ("我是他孙子", "其他亲属"),
        ("我 是 他 儿子", "子女"),
        ("儿子", "子女"),  # a one-word answer names the caller
        ("是他儿子", "子女"),
        ("女儿。", "子女"),
        ("我不是他儿子，是他侄子", "其他亲属"),
    ],
)
def test_both_directions(text: str, expected: str) -> None:
    assert relation_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我爸让我打电话", "子女"),
        ("我和我爸", "子女"),
        ("我替我妈报案", "子女"),
        ("我 爸 昨天 摔了", "子女"),
        ("我女儿让我打电话，我老伴摔了", "配偶"),
        ("我儿子让我打电话，我摔了", "本人"),
        ("我爸昨天下午在小区里摔了一跤，手腕摔断了", "子女"),
        ("帮同事报案", "同事"),
    ],
)
def test_the_insured_is_who_had_the_incident(text: str, expected: str) -> None:
    assert relation_of(text) == expected


@pytest.mark.parametrize("text", ["不清楚", "张先生", "是我打的电话", "瑞金医院", "昨天下午", "他不是我儿子", ""])
def test_no_relation(text: str) -> None:
    assert extract_relation(text) is None


def test_match_text_and_span() -> None:
    text = "嗯 我 爸 让我打的电话"
    match = extract_relation(text)
    assert match.text == text[match.start:match.end] == "我 爸"


def test_explicit_direction_is_most_confident() -> None:
    assert extract_relation("我是他儿子").confidence == 1.0
    assert extract_relation("老爷子摔了").confidence < extract_relation("我爸摔了").confidence
