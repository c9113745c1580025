"""Echo control: the bot's own voice coming back over a speakerphone never counts as the caller barging in,
while the caller talking over the bot still does."""

from __future__ import annotations

import numpy as np
import pytest

from telephony.audio_codec import FRAME_SAMPLES, frames, ulaw_decode, ulaw_encode
from telephony.echo_control import EchoControl
from telephony.echo_eval import bot_passage, cut_segments, false_barge_ins
from telephony.endpointer import Endpointer, band_level_db
from telephony.line_impairments import LineProfile, PhoneLine


def _report(record_property: pytest.RecordProperty, name: str, result: dict) -> None:
    summary = {k: v for k, v in result.items() if k != "detection_delay_ms"}
    record_property(name, summary)
    print(name, summary)  # visible with -s; the benchmark command prints the same figures


def test_no_false_barge_in_at_minus_20_db_100_ms(record_property: pytest.RecordProperty) -> None:
    result = false_barge_ins(100, -20.0, 100.0, seed=0, barge_in_turns=20, gap_s=0.6)
    _report(record_property, "echo_-20dB_100ms", result)
    assert result["false_start_turns"] == 0
    assert result["barge_in_early_start"] == 0
    assert result["barge_in_missed"] == 0  # the caller at the bot's level always gets through
    assert result["barge_in_detected"] == 20


def test_false_barge_ins_at_minus_10_db_250_ms_are_reported(record_property: pytest.RecordProperty) -> None:
    result = false_barge_ins(100, -10.0, 250.0, seed=1, barge_in_turns=0, gap_s=0.6)
    _report(record_property, "echo_-10dB_250ms", result)
    assert result["turns"] == 100  # reported, not asserted: strong echo is the hard case


def test_barge_in_6_db_below_the_bot_is_detected(record_property: pytest.RecordProperty) -> None:
    result = false_barge_ins(0, -20.0, 150.0, seed=2, caller_db=-6.0, barge_in_turns=20)
    _report(record_property, "barge_in_-6dB", result)
    assert result["barge_in_missed"] == 0
    assert result["barge_in_early_start"] == 0


def _play(echo: EchoControl, line: PhoneLine, bot: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float | None]]:
    """Plays bot audio into a silent caller's line; returns (received, cleaned, threshold) per frame."""
    out = []
    for frame in frames(bot):
        echo.played(frame)
        received = line.caller_frame(np.zeros(FRAME_SAMPLES, np.int16), ulaw_decode(ulaw_encode(frame)))
        cleaned, threshold = echo.process(received)
        out.append((received, cleaned, threshold))
    return out


@pytest.fixture(scope="module")
def bot_speech() -> np.ndarray:
    return np.concatenate(cut_segments(bot_passage(), 3, 3.0, 3.0, np.random.default_rng(7), -20.0))


def test_learns_the_path_and_cancels_the_echo(bot_speech: np.ndarray) -> None:
    echo = EchoControl()
    line = PhoneLine(LineProfile(echo_delay_ms=120.0, echo_db=-15.0, seed=3))
    result = _play(echo, line, bot_speech)
    assert echo.filter is not None
    assert abs(echo.lag + 16 - 960) <= 100  # the delay found (the filter starts a little before the peak)
    late = result[len(result) // 2:]
    received = sum(10 ** (band_level_db(r) / 10) for r, _, _ in late)
    cleaned = sum(10 ** (band_level_db(c) / 10) for _, c, _ in late)
    assert 10 * np.log10(received / cleaned) > 15.0  # echo return loss enhancement, noise-free line
    # The threshold always sits above what is left of the echo, so the endpointer hears nothing.
    endpointer = Endpointer()
    assert not any(endpointer.feed(cleaned, threshold) for _, cleaned, threshold in result)


def test_without_echo_the_threshold_sinks_to_the_line_noise(bot_speech: np.ndarray) -> None:
    echo = EchoControl()
    line = PhoneLine(LineProfile(snr_db=30.0, seed=4))  # no echo at all
    result = _play(echo, line, bot_speech)
    assert echo.filter is None
    noise_db = np.mean([band_level_db(r) for r, _, _ in result])
    late_thresholds = [t for _, _, t in result[len(result) // 2:] if t is not None]
    assert late_thresholds
    assert np.median(late_thresholds) < noise_db + 15.0
    assert all(c is r for r, c, _ in result)  # nothing to cancel: the frame passes untouched


def test_threshold_is_none_once_the_echo_can_no_longer_arrive(bot_speech: np.ndarray) -> None:
    echo = EchoControl(max_delay_ms=400)
    line = PhoneLine(LineProfile(echo_delay_ms=100.0, echo_db=-20.0, seed=5))
    _play(echo, line, bot_speech[: 8000 * 2])
    thresholds = []
    for _ in range(40):
        echo.note_idle()
        thresholds.append(echo.process(line.caller_frame(np.zeros(FRAME_SAMPLES, np.int16), None))[1])
    assert thresholds[0] is not None  # the tail of the echo is still on its way
    assert thresholds[-1] is None


def test_process_without_a_reference_frame_counts_as_idle() -> None:
    echo = EchoControl()
    frame = np.zeros(FRAME_SAMPLES, np.int16)
    for _ in range(5):
        cleaned, threshold = echo.process(frame)
        assert threshold is None
        assert cleaned is frame


def test_clear_keeps_the_learned_path(bot_speech: np.ndarray) -> None:
    echo = EchoControl()
    line = PhoneLine(LineProfile(echo_delay_ms=80.0, echo_db=-15.0, seed=6))
    _play(echo, line, bot_speech)
    learned = echo.filter.copy()
    echo.clear()
    assert echo.filter is not None
    np.testing.assert_array_equal(echo.filter, learned)
    echo.reset()
    assert echo.filter is None
