"""Endpointer: noise and idle lines never start an utterance; real speech does, with predictable end timing."""

from __future__ import annotations

import numpy as np
import pytest

from telephony.audio_codec import FRAME_MS, FRAME_SAMPLES, frames, rms_dbfs, to_int16, ulaw_decode, ulaw_encode
from telephony.echo_eval import caller_passage, cut_segments
from telephony.endpointer import Endpointer, EndpointerConfig, band_level_db
from telephony.line_impairments import LineProfile, PhoneLine


def _noise(kind: str, seconds: float, level_db: float, seed: int) -> np.ndarray:
    """White, pink (1/f) or brown (1/f²) noise at a constant rms level in dBFS."""
    rng = np.random.default_rng(seed)
    n = int(seconds * 8000)
    white = rng.standard_normal(n)
    if kind != "white":
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(n)
        freqs[0] = freqs[1]
        white = np.fft.irfft(spectrum / (np.sqrt(freqs) if kind == "pink" else freqs), n)
    return to_int16(white / np.sqrt(np.mean(white**2)) * 32768.0 * 10.0 ** (level_db / 20.0))


def _events(endpointer: Endpointer, pcm: np.ndarray) -> list[tuple[str, int]]:
    out = []
    for frame in frames(pcm):
        event = endpointer.feed(frame)
        if event:
            out.append((event, endpointer.now_ms))
    return out


@pytest.fixture(scope="module")
def sentence() -> np.ndarray:
    """One caller sentence, starting where the speech starts, at -20 dBFS active level."""
    return cut_segments(caller_passage(), 1, 1.5, 1.5, np.random.default_rng(4), -20.0, after_pause_ms=300)[0]


@pytest.mark.parametrize("kind", ["white", "pink", "brown"])
@pytest.mark.parametrize("ulaw", [False, True])
def test_steady_noise_never_starts(kind: str, ulaw: bool) -> None:
    # Brown noise above -20 dBFS rms clips, which is no longer steady noise.
    levels = [-60.0, -45.0, -30.0, -20.0] + ([] if kind == "brown" else [-10.0])
    for seed, level in enumerate(levels):
        pcm = _noise(kind, 20.0, level, seed)
        if ulaw:
            pcm = ulaw_decode(ulaw_encode(pcm))
        assert _events(Endpointer(), pcm) == [], (kind, level, ulaw)


@pytest.mark.parametrize("idle", [b"\xff", b"\x7f", b"\xfe\xff"])
def test_ulaw_idle_and_digital_silence_never_start(idle: bytes) -> None:
    assert _events(Endpointer(), ulaw_decode(idle * 8000 * 10)) == []
    assert _events(Endpointer(), np.zeros(8000 * 10, dtype=np.int16)) == []


def test_mains_hum_never_starts() -> None:
    t = np.arange(8000 * 20) / 8000
    hum = sum(4000.0 / k * np.sin(2 * np.pi * 50.0 * k * t) for k in range(1, 30))
    assert _events(Endpointer(), to_int16(hum)) == []


@pytest.mark.parametrize("snr_db", [None, 20.0, 10.0])
def test_speech_starts_near_its_onset_and_ends_exactly_after_the_silence(sentence: np.ndarray,
                                                                         snr_db: float | None) -> None:
    line = PhoneLine(LineProfile(snr_db=snr_db, seed=1))
    lead = 50  # frames of line noise before the caller talks: onset at 1000 ms
    pcm = np.concatenate([np.zeros(lead * FRAME_SAMPLES, np.int16), sentence, np.zeros(8000 * 2, np.int16)])
    endpointer = Endpointer()
    events = []
    for frame in frames(pcm):
        event = endpointer.feed(line.caller_frame(frame, None))
        if event:
            events.append((event, endpointer.now_ms, endpointer.utterance_start_ms, endpointer.utterance_end_ms))
    starts = [e for e in events if e[0] == "start"]
    ends = [e for e in events if e[0] == "end"]
    assert starts, events
    onset_ms = lead * FRAME_MS
    assert onset_ms <= starts[0][1] <= onset_ms + 400
    assert onset_ms - 20 <= starts[0][2] <= onset_ms + 200
    assert ends
    last_end = ends[-1]
    assert last_end[1] == last_end[3] + EndpointerConfig().end_silence_ms  # latency is exactly the silence
    assert last_end[3] <= onset_ms + len(sentence) // 8 + 100


def test_end_comes_at_max_utterance_length() -> None:
    t = np.arange(8000 * 5) / 8000
    vowel = sum(np.sin(2 * np.pi * 150.0 * k * t) / k for k in range(1, 20)) * 3000.0  # voiced, never pausing
    pcm = np.concatenate([_noise("white", 1.0, -55.0, 0), to_int16(vowel)])
    endpointer = Endpointer(EndpointerConfig(max_utterance_s=2.0))
    events = [(endpointer.utterance_start_ms, endpointer.utterance_end_ms, endpointer.now_ms)
              for frame in frames(pcm) if endpointer.feed(frame)]
    (start_ms, _, _), (_, end_ms, at_ms) = events[:2]
    assert start_ms == 1000
    assert end_ms == at_ms == start_ms + 2000


def test_threshold_override_hides_speech_below_it(sentence: np.ndarray) -> None:
    quiet = to_int16(sentence.astype(np.float64) * 10.0 ** (-10.0 / 20.0))  # about -30 dBFS active
    endpointer = Endpointer()
    assert not any(endpointer.feed(frame, threshold_db=-15.0) for frame in frames(quiet))
    floor_after = endpointer.noise_floor_db
    assert floor_after is not None
    assert floor_after < -50.0  # frames under an echo threshold never teach the floor
    fresh = Endpointer()
    assert any(fresh.feed(frame) == "start" for frame in frames(quiet))


def test_reset_forgets_the_utterance_and_floor(sentence: np.ndarray) -> None:
    endpointer = Endpointer()
    for frame in frames(sentence):
        endpointer.feed(frame)
    assert endpointer.in_speech
    endpointer.reset()
    assert not endpointer.in_speech
    assert endpointer.noise_floor_db is None
    assert endpointer.now_ms == 0


def test_band_level_matches_rms_for_an_in_band_tone() -> None:
    t = np.arange(FRAME_SAMPLES) / 8000
    tone = to_int16(10000.0 * np.sin(2 * np.pi * 1000.0 * t))
    assert band_level_db(tone) == pytest.approx(rms_dbfs(tone), abs=0.5)
    low = to_int16(10000.0 * np.sin(2 * np.pi * 60.0 * t))
    assert band_level_db(low) < rms_dbfs(low) - 20.0


def test_trailing_silence_counts_the_pause_inside_an_utterance(sentence: np.ndarray) -> None:
    pcm = np.concatenate([np.zeros(8000, np.int16), sentence, np.zeros(8000, np.int16)])
    endpointer = Endpointer()
    seen = []
    for frame in frames(pcm):
        event = endpointer.feed(frame)
        seen.append((event, endpointer.in_speech, endpointer.trailing_silence_ms))
    assert all(pause == 0 for _, in_speech, pause in seen if not in_speech)
    end = next(i for i, (event, _, _) in enumerate(seen) if event == "end")
    # Counting up frame by frame through the final pause, up to just under the end silence.
    tail = [pause for _, _, pause in seen[end - 24:end]]
    assert tail == list(range(FRAME_MS, EndpointerConfig().end_silence_ms, FRAME_MS))
