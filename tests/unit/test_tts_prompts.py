"""Phone-only prompt texts and digit words (data files), and the prompt cache key."""

from __future__ import annotations

import pytest

from telephony.phone_prompts import MAX_PROMPT_CHARS, all_phone_prompts, phone_prompt
from telephony.recognizer import digit_words, load_digit_words
from telephony.tts import Synthesizer, prompt_cache_key


def test_prompt_file_has_the_phone_prompts() -> None:
    prompts = all_phone_prompts()
    for key in ("busy", "keypad_offer", "keypad_restart", "system_error"):
        assert prompts[key].strip()
    assert phone_prompt("busy").startswith("线路繁忙")
    assert "井号" in phone_prompt("keypad_offer")


@pytest.mark.parametrize("key", sorted(all_phone_prompts()))
def test_every_prompt_is_short_mandarin(key: str) -> None:
    text = phone_prompt(key)
    assert 0 < len(text) <= MAX_PROMPT_CHARS, text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert not any(ch.isascii() and ch.isalpha() for ch in text), text  # read aloud by a Mandarin voice


def test_unknown_prompt_key_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="busy"):
        phone_prompt("no_such_prompt")


def test_cache_key_is_stable_and_covers_every_input() -> None:
    key = prompt_cache_key("espeak", "cmn", 175, "线路繁忙，请稍后再拨。")
    # Fixed value: a changed formula would silently orphan every cached prompt on disk.
    assert key == "e2c096ec6818b201b8320cbbcb6b2b8b72d207dfa76ad28e25346e9e7846a756"
    assert key == prompt_cache_key("espeak", "cmn", 175, "线路繁忙，请稍后再拨。")
    variants = {
        prompt_cache_key("espeak-ng", "cmn", 175, "线路繁忙，请稍后再拨。"),
        prompt_cache_key("espeak", "yue", 175, "线路繁忙，请稍后再拨。"),
        prompt_cache_key("espeak", "cmn", 160, "线路繁忙，请稍后再拨。"),
        prompt_cache_key("espeak", "cmn", 175, "线路繁忙，请稍后再拨"),
    }
    assert key not in variants and len(variants) == 4


def test_synthesizer_uses_the_same_key_without_touching_an_engine() -> None:
    s = Synthesizer(engine="espeak-ng", voice="cmn", rate=175)
    assert s.cache_key("您好") == prompt_cache_key("espeak-ng", "cmn", 175, "您好")
    assert s.synth_count == 0


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="引擎"):
        Synthesizer(engine="festival")


def test_digit_words_per_language() -> None:
    zh = digit_words("zh")
    for word in ("零", "一", "幺", "二", "两", "九", "十", "叉", "X", "井号"):
        assert word in zh
    ko = digit_words("ko")
    for word in ("공", "영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구", "십"):
        assert word in ko
    with pytest.raises(KeyError):
        digit_words("xx")
    both = load_digit_words()
    assert set(zh) | set(ko) == set(both) and len(both) == len(set(both))
