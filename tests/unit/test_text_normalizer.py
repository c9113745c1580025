from nlu.text_normalizer import assess_input, normalize_text


def test_asr_spaces_and_spoken_digits():
    assert normalize_text("打 我 电话 幺三八 一二三四 五六七八") == "打我电话13812345678"
    assert normalize_text("身份证 三幺零幺零四 一九五零 零三零七 幺零八 叉") == "身份证31010419500307108X"


def test_short_numbers_and_words_are_left_alone():
    assert normalize_text("摔了一跤，住了两天") == "摔了一跤,住了两天"
    assert normalize_text("三月二号") == "三月二号"


def test_full_width_and_control_characters():
    assert normalize_text("１３８１２３４５６７８\x00") == "13812345678"


def test_input_quality():
    assert assess_input("").kind == "empty"
    assert assess_input("  \n").kind == "empty"
    assert assess_input("😀😀").kind == "garbage"
    assert assess_input("hello there").kind == "garbage"
    assert assess_input("<b>我</b>").kind == "garbage"
    assert assess_input("'; DROP TABLE tickets; --").kind == "garbage"
    assert assess_input("报" * 10_000).kind == "too_long"
    assert assess_input("13812345678").kind == "ok"
    assert assess_input("我爸摔了").kind == "ok"
