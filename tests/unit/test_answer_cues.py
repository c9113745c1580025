"""The hand-off intent stands only when the caller asked for a person."""

import pytest

from nlu.answer_cues import asks_for_person


@pytest.mark.parametrize("text", ["转人工", "我要找真人", "帮我转一下人工客服"])
def test_a_word_for_a_person_asks_for_one(text):
    assert asks_for_person(text)


@pytest.mark.parametrize("text", ["换了个人工股骨头，现在还住着院", "做了人工膝关节置换", "装了人工晶体"])
def test_a_medical_word_holding_人工_asks_for_nobody(text):
    assert not asks_for_person(text)


def test_a_medical_word_does_not_hide_a_real_request():
    assert asks_for_person("他换了人工关节，你给我转人工吧")
