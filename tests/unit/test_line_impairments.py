"""The simulated phone line: band limit, noise level, echo delay and level, μ-law, loss, jitter, profile specs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, lfilter

from telephony.audio_codec import FRAME_SAMPLES, LINE_RATE, frames, to_int16, ulaw_decode, ulaw_encode
from telephony.endpointer import band_level_db
from telephony.line_impairments import LineProfile, PhoneLine, parse_profile

SILENCE = np.zeros(FRAME_SAMPLES, np.int16)


def _through(line: PhoneLine, caller: np.ndarray, bot: np.ndarray | None = None) -> np.ndarray:
    bot_frames = list(frames(bot)) if bot is not None else None
    out = [line.caller_frame(frame, bot_frames[i] if bot_frames else None) for i, frame in enumerate(frames(caller))]
    return np.concatenate(out)


def _tone(hz: float, seconds: float = 1.0, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(seconds * LINE_RATE)) / LINE_RATE
    return to_int16(amplitude * np.sin(2 * np.pi * hz * t))


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def test_band_limit_passes_speech_band_only() -> None:
    line = PhoneLine(LineProfile(ulaw=False))
    gains = {hz: 20 * np.log10(_rms(_through(line, _tone(hz))[4000:]) / _rms(_tone(hz)[4000:]))
             for hz in (100.0, 1000.0, 3000.0, 3900.0)}
    assert abs(gains[1000.0]) < 1.0
    assert abs(gains[3000.0]) < 1.5
    assert gains[100.0] < -20.0
    assert gains[3900.0] < -15.0


def test_filter_state_carries_across_frames() -> None:
    """Frame by frame equals filtering the whole signal at once: frame edges leave no clicks."""
    rng = np.random.default_rng(0)
    signal = to_int16(rng.standard_normal(LINE_RATE) * 3000.0)
    b, a = butter(4, [300.0, 3400.0], btype="bandpass", fs=LINE_RATE)
    whole = to_int16(lfilter(b, a, signal.astype(np.float64)))
    framed = _through(PhoneLine(LineProfile(ulaw=False)), signal)
    assert np.max(np.abs(framed.astype(int) - whole.astype(int))) <= 1


@pytest.mark.parametrize("snr_db", [10.0, 20.0, 30.0])
def test_noise_level_follows_nominal_speech_level(snr_db: float) -> None:
    line = PhoneLine(LineProfile(snr_db=snr_db, ulaw=False, seed=1))
    received = _through(line, np.zeros(LINE_RATE * 2, np.int16))
    levels = [band_level_db(frame) for frame in frames(received[800:])]
    measured = 10 * np.log10(np.mean(10 ** (np.array(levels) / 10)))
    assert measured == pytest.approx(-20.0 - snr_db, abs=1.5)


@pytest.mark.parametrize(("delay_ms", "echo_db"), [(20.0, -10.0), (100.0, -20.0), (300.0, -30.0)])
def test_echo_arrives_at_its_delay_and_level(delay_ms: float, echo_db: float) -> None:
    rng = np.random.default_rng(2)
    bot = to_int16(rng.standard_normal(LINE_RATE * 2) * 3000.0)
    line = PhoneLine(LineProfile(band_limit=False, ulaw=False, echo_delay_ms=delay_ms, echo_db=echo_db, seed=3))
    received = _through(line, np.zeros(len(bot), np.int16), bot)
    window = received[4000:12000].astype(np.float64)
    scores = [abs(window @ bot[4000 - lag:12000 - lag]) for lag in range(3001)]
    assert abs(int(np.argmax(scores)) - delay_ms * 8) <= 2
    level = 20 * np.log10(_rms(received[4000:]) / _rms(bot[4000:]))
    assert level == pytest.approx(echo_db, abs=1.0)


def test_no_bot_audio_means_no_echo() -> None:
    line = PhoneLine(LineProfile(echo_delay_ms=50.0, echo_db=-10.0, ulaw=False))
    assert not _through(line, np.zeros(LINE_RATE, np.int16)).any()


def test_ulaw_output_is_line_codec_values() -> None:
    line = PhoneLine(LineProfile(snr_db=20.0, seed=4))
    received = _through(line, _tone(1000.0, 0.5))
    np.testing.assert_array_equal(ulaw_decode(ulaw_encode(received)), received)


def test_loss_and_jitter_are_seeded_and_near_their_settings() -> None:
    profile = LineProfile(loss_pct=5.0, jitter_ms=20.0, seed=7)
    a, b = PhoneLine(profile), PhoneLine(profile)
    losses = [a.lost() for _ in range(20000)]
    assert losses == [b.lost() for _ in range(20000)]
    assert np.mean(losses) == pytest.approx(0.05, abs=0.01)
    jitter = np.array([a.jitter_delay_s() for _ in range(20000)])
    assert jitter.min() >= 0.0
    assert jitter.max() <= 0.080 + 1e-9
    assert jitter.mean() == pytest.approx(0.020, abs=0.003)
    clean = PhoneLine(LineProfile())
    assert not any(clean.lost() for _ in range(1000))
    assert clean.jitter_delay_s() == 0.0


def test_same_seed_same_line_audio() -> None:
    profile = LineProfile(snr_db=15.0, echo_delay_ms=80.0, seed=9)
    bot = _tone(500.0, 0.5)
    caller = _tone(1200.0, 0.5, 3000.0)
    np.testing.assert_array_equal(_through(PhoneLine(profile), caller, bot), _through(PhoneLine(profile), caller, bot))


def test_parse_profile() -> None:
    profile = parse_profile("snr=15,loss=2,jitter=20,echo=100ms@-20dB,band")
    assert profile == LineProfile(band_limit=True, snr_db=15.0, loss_pct=2.0, jitter_ms=20.0,
                                  echo_delay_ms=100.0, echo_db=-20.0)
    assert parse_profile("echo=250,noband,noulaw,seed=3") == LineProfile(
        band_limit=False, ulaw=False, echo_delay_ms=250.0, seed=3)
    assert parse_profile("echo=50ms@-12.5dB").echo_db == -12.5
    assert parse_profile("") == LineProfile()
    clean = parse_profile("clean")
    assert not clean.band_limit
    assert not clean.ulaw


@pytest.mark.parametrize("spec", ["snr=abc", "echo=soon", "volume=3", "loss=150", "band=maybe"])
def test_parse_profile_refuses_nonsense(spec: str) -> None:
    with pytest.raises(ValueError, match=r"线路参数|丢包率"):
        parse_profile(spec)
