"""DTMF: every key is heard once through μ-law and a noisy line; speech never produces a key; keypad entry."""

from __future__ import annotations

import numpy as np
import pytest

from telephony.audio_codec import LINE_RATE, frames, to_int16, ulaw_decode, ulaw_encode
from telephony.dtmf import COLS_HZ, KEYS, ROWS_HZ, DtmfCollector, DtmfDetector, dtmf_tone
from telephony.echo_eval import espeak_speech
from telephony.line_impairments import LineProfile, PhoneLine

ALL_KEYS = "".join(KEYS)
SPEECH_CMN = (
    "您好，我想报一个理赔。我的保单号是一二三四五六七八九零。出险人叫张伟，身份证号码是一一零一零五一九八零零一零一一二三四。"
    "医生说需要住院观察三天，费用大概五千块钱。我的手机号码是一三九八七六五四三二一，您记一下。"
)
SPEECH_KO = (
    "안녕하세요, 보험금 청구를 하고 싶습니다. 제 전화번호는 공일공 일이삼사 오육칠팔 입니다. 어제 교통사고가 났어요."
)


def _detect(pcm: np.ndarray, line: PhoneLine | None = None) -> str:
    detector = DtmfDetector()
    keys = []
    for frame in frames(pcm):
        received = line.caller_frame(frame, None) if line else ulaw_decode(ulaw_encode(frame))
        key = detector.feed(received)
        if key:
            keys.append(key)
    return "".join(keys)


def _sequence(keys: str, tone_ms: int, gap_ms: int, level_db: float = -10.0, offset: int = 0,
              twist_db: float = 0.0) -> np.ndarray:
    parts = [np.zeros(offset, np.int16)]
    for key in keys:
        parts += [dtmf_tone(key, tone_ms, level_db, twist_db), np.zeros(gap_ms * 8, np.int16)]
    parts.append(np.zeros(1600, np.int16))
    return np.concatenate(parts)


@pytest.mark.parametrize("level_db", [-5.0, -15.0, -30.0])
def test_all_16_keys_once_each_through_ulaw(level_db: float) -> None:
    for offset in range(0, 160, 40):
        assert _detect(_sequence(ALL_KEYS, 100, 100, level_db, offset)) == ALL_KEYS


@pytest.mark.parametrize("offset", range(0, 160, 20))
def test_short_tones_and_gaps_60_ms(offset: int) -> None:
    keys = "13800138000#*0"
    assert _detect(_sequence(keys, 60, 60, -12.0, offset)) == keys


@pytest.mark.parametrize("offset", range(0, 160, 40))
def test_40_ms_tones_are_keys_and_20_ms_blips_are_not(offset: int) -> None:
    assert _detect(_sequence("2580", 40, 60, -10.0, offset)) == "2580"
    assert _detect(_sequence("2580", 20, 100, -10.0, offset)) == ""


def test_a_long_press_is_one_key_and_a_repeat_needs_a_gap() -> None:
    assert _detect(_sequence("5", 1500, 100)) == "5"
    assert _detect(_sequence("55", 80, 60)) == "55"


@pytest.mark.parametrize("twist_db", [-6.0, 6.0])
def test_twist_band_limit_and_noise(twist_db: float) -> None:
    line = PhoneLine(LineProfile(snr_db=15.0, seed=2))
    assert _detect(_sequence(ALL_KEYS, 80, 80, -15.0, twist_db=twist_db), line) == ALL_KEYS


@pytest.mark.parametrize("deviation", [-0.015, 0.015])
def test_keypad_frequency_tolerance(deviation: float) -> None:
    t = np.arange(LINE_RATE // 10) / LINE_RATE
    for row, keys in enumerate(KEYS):
        for col, key in enumerate(keys):
            off = [f * (1 + deviation) for f in (ROWS_HZ[row], COLS_HZ[col])]
            pcm = to_int16(sum(4000.0 * np.sin(2 * np.pi * f * t) for f in off))
            assert _detect(np.concatenate([pcm, np.zeros(800, np.int16)])) == key


def test_off_frequency_and_single_tones_are_not_keys() -> None:
    t = np.arange(LINE_RATE // 5) / LINE_RATE
    for tones in ([697.0 * 1.035, 1209.0 * 1.035], [697.0], [1000.0], [697.0, 1209.0, 1800.0], [440.0, 1100.0]):
        pcm = to_int16(sum(4000.0 * np.sin(2 * np.pi * f * t) for f in tones))
        assert _detect(pcm) == "", tones


def test_speech_gives_no_keys() -> None:
    mandarin = espeak_speech(SPEECH_CMN * 2)
    korean = espeak_speech(SPEECH_KO * 2, voice="ko")
    speech = np.concatenate([mandarin, korean])
    assert len(speech) >= 30 * LINE_RATE
    assert _detect(speech) == ""
    assert _detect(speech, PhoneLine(LineProfile(snr_db=25.0, seed=3))) == ""


def test_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="按键"):
        dtmf_tone("E")


class _Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_collector_hash_submits_and_star_restarts() -> None:
    collector = DtmfCollector()
    for key in "1234":
        assert collector.add(key) is None
    assert collector.pending == "1234"
    assert collector.add("*") is None
    assert collector.pending == ""
    for key in "5678":
        collector.add(key)
    assert collector.add("A") is None  # letter keys are not digits
    assert collector.add("#") == "5678"
    assert collector.pending == ""
    assert collector.add("#") == ""  # '#' on its own: submitted empty


def test_collector_max_digits_and_clear() -> None:
    collector = DtmfCollector(max_digits=3)
    assert collector.add("9") is None
    assert collector.add("8") is None
    assert collector.add("7") == "987"
    collector.add("1")
    collector.clear()
    assert collector.pending == ""


def test_collector_timeout() -> None:
    clock = _Clock()
    collector = DtmfCollector(timeout_s=5.0, clock=clock)
    collector.add("4")
    clock.now = 3.0
    collector.add("2")
    clock.now = 7.9
    assert collector.poll() is None
    clock.now = 8.0
    assert collector.poll() == "42"
    assert collector.pending == ""
    collector.add("1")
    clock.now = 20.0
    collector.add("3")  # the stale "1" was never collected: a new entry begins
    assert collector.pending == "3"
