"""The audio codec against references: G.711 μ-law bit-exact with the ITU coder for every 16-bit sample
(Python 3.10's audioop is a reference implementation, used here only), resampling keeps pitch, frames and
levels are what the line and the recognizer expect, WAV files round-trip."""

from __future__ import annotations

import json
import warnings
import wave
from pathlib import Path

import numpy as np
import pytest

from telephony.audio_codec import (
    FRAME_MS,
    FRAME_SAMPLES,
    LINE_RATE,
    frames,
    pcm_bytes,
    pcm_from_bytes,
    read_wav,
    resample,
    rms_dbfs,
    scale_db,
    stereo,
    to_int16,
    ulaw_decode,
    ulaw_encode,
    ulaw_tables,
    write_wav,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)
ALL_CODES = bytes(range(256))
ULAW_PEAK = 32124  # largest magnitude μ-law decodes to


def tone(freq: float, rate: int, seconds: float = 1.0, amplitude: float = 10000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return to_int16(amplitude * np.sin(2 * np.pi * freq * t))


def peak_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    return float(np.argmax(spectrum) * rate / len(pcm))


# --- G.711 μ-law ----------------------------------------------------------------------------------------


def test_line_constants() -> None:
    assert (LINE_RATE, FRAME_MS, FRAME_SAMPLES) == (8000, 20, 160)


def test_encode_matches_g711_reference_for_every_sample() -> None:
    reference = np.frombuffer(audioop.lin2ulaw(ALL_SAMPLES.tobytes(), 2), dtype=np.uint8)
    ours = np.frombuffer(ulaw_encode(ALL_SAMPLES), dtype=np.uint8)
    mismatched = np.flatnonzero(reference != ours)
    assert mismatched.size == 0, f"first differing samples: {ALL_SAMPLES[mismatched[:5]].tolist()}"


def test_decode_matches_g711_reference_for_every_code() -> None:
    reference = np.frombuffer(audioop.ulaw2lin(ALL_CODES, 2), dtype=np.int16)
    np.testing.assert_array_equal(ulaw_decode(ALL_CODES), reference)


def test_known_codes() -> None:
    assert ulaw_encode(np.array([0, 32767, -32768], dtype=np.int16)) == b"\xff\x80\x00"
    assert ulaw_decode(b"\xff\x7f\x80\x00").tolist() == [0, 0, ULAW_PEAK, -ULAW_PEAK]


def test_encode_output_is_one_byte_per_sample_and_decode_is_int16() -> None:
    pcm = tone(440, LINE_RATE, 0.02)
    data = ulaw_encode(pcm)
    assert isinstance(data, bytes)
    assert len(data) == FRAME_SAMPLES
    decoded = ulaw_decode(data)
    assert decoded.dtype == np.int16
    assert decoded.shape == (FRAME_SAMPLES,)


def test_round_trip_error_is_within_half_a_quantization_step() -> None:
    """μ-law steps grow with level: the error stays under |x|/32 + 8 up to the clipping point."""
    decoded = ulaw_decode(ulaw_encode(ALL_SAMPLES)).astype(np.int64)
    x = ALL_SAMPLES.astype(np.int64)
    error = np.abs(decoded - x)
    in_range = np.abs(x) <= ULAW_PEAK
    assert np.all(error[in_range] <= np.abs(x[in_range]) / 32 + 8)
    assert np.all(np.abs(decoded[~in_range]) == ULAW_PEAK)
    assert np.all(np.sign(decoded[np.abs(x) > 8]) == np.sign(x[np.abs(x) > 8]))


def test_decoded_values_are_fixed_points_of_encode() -> None:
    codes = np.frombuffer(ALL_CODES, dtype=np.uint8)
    again = np.frombuffer(ulaw_encode(ulaw_decode(ALL_CODES)), dtype=np.uint8)
    differs = codes[again != codes].tolist()
    assert differs == [0x7F]  # negative zero decodes to 0, which encodes as positive zero (0xFF)


def test_encode_accepts_wider_integer_arrays_in_range() -> None:
    pcm = tone(440, LINE_RATE, 0.02)
    assert ulaw_encode(pcm.astype(np.int32)) == ulaw_encode(pcm)


# --- resampling -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "from_rate", "to_rate", "expected"), [
    (160, 8000, 16000, 320),
    (320, 16000, 8000, 160),
    (161, 16000, 8000, 81),
    (441, 44100, 16000, 160),
    (480, 24000, 8000, 160),
    (22050, 22050, 16000, 16000),
])
def test_resample_length(n: int, from_rate: int, to_rate: int, expected: int) -> None:
    out = resample(np.zeros(n, dtype=np.int16), from_rate, to_rate)
    assert out.dtype == np.int16
    assert len(out) == expected


def test_resample_same_rate_and_empty_are_unchanged() -> None:
    pcm = tone(440, LINE_RATE, 0.02)
    np.testing.assert_array_equal(resample(pcm, 8000, 8000), pcm)
    assert resample(np.zeros(0, dtype=np.int16), 8000, 16000).size == 0


def test_1khz_tone_keeps_its_frequency_8k_to_16k_and_back() -> None:
    line = tone(1000, 8000)
    wide = resample(line, 8000, 16000)
    back = resample(wide, 16000, 8000)
    assert peak_hz(wide, 16000) == pytest.approx(1000, abs=2)
    assert peak_hz(back, 8000) == pytest.approx(1000, abs=2)
    assert rms_dbfs(wide) == pytest.approx(rms_dbfs(line), abs=0.2)
    middle = slice(100, -100)  # away from the filter's edge transients
    assert np.max(np.abs(back[middle].astype(np.int32) - line[middle])) < 100


def test_downsampling_removes_content_above_the_new_nyquist() -> None:
    high = tone(6000, 16000)  # above 4 kHz: must not fold back to 2 kHz on the line
    assert rms_dbfs(resample(high, 16000, 8000)) < rms_dbfs(high) - 30


def test_resample_clips_rather_than_wraps() -> None:
    square = np.tile(np.array([32767] * 8 + [-32768] * 8, dtype=np.int16), 100)
    out = resample(square, 8000, 16000)  # the filter overshoots a full-scale square wave
    assert out.max() == 32767
    assert out.min() == -32768


# --- frames, bytes, levels ------------------------------------------------------------------------------


def test_frames_pads_the_last_frame_with_silence() -> None:
    pcm = np.arange(1, 401, dtype=np.int16)
    out = list(frames(pcm))
    assert [len(f) for f in out] == [160, 160, 160]
    np.testing.assert_array_equal(np.concatenate(out)[:400], pcm)
    assert not out[-1][80:].any()
    assert all(f.dtype == np.int16 for f in out)


def test_frames_without_padding_drops_the_tail() -> None:
    out = list(frames(np.ones(400, dtype=np.int16), pad=False))
    assert [len(f) for f in out] == [160, 160]


def test_frames_exact_multiple_and_empty() -> None:
    assert [len(f) for f in frames(np.ones(320, dtype=np.int16))] == [160, 160]
    assert list(frames(np.zeros(0, dtype=np.int16))) == []
    assert [len(f) for f in frames(np.ones(10, dtype=np.int16), size=4)] == [4, 4, 4]


def test_pcm_bytes_round_trip_little_endian() -> None:
    pcm = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    data = pcm_bytes(pcm)
    assert data[:4] == b"\x00\x00\x01\x00"
    np.testing.assert_array_equal(pcm_from_bytes(data), pcm)
    np.testing.assert_array_equal(pcm_from_bytes(data + b"\x07"), pcm)  # a stray odd byte is dropped


def test_to_int16_clips_and_rounds() -> None:
    assert to_int16(np.array([1.6, -1.6, 40000.0, -40000.0])).tolist() == [2, -2, 32767, -32768]
    assert to_int16(np.array([70000, -70000], dtype=np.int32)).tolist() == [32767, -32768]


def test_rms_of_full_scale_sine_is_minus_3_dbfs() -> None:
    assert rms_dbfs(tone(1000, 8000, amplitude=32767)) == pytest.approx(-3.01, abs=0.02)


def test_rms_of_full_scale_square_is_0_dbfs() -> None:
    assert rms_dbfs(np.full(160, -32768, dtype=np.int16)) == pytest.approx(0.0, abs=1e-9)


def test_rms_of_no_samples_is_the_floor() -> None:
    assert rms_dbfs(np.zeros(0, dtype=np.int16)) == -120.0


def test_rms_of_digital_silence_is_the_floor() -> None:
    assert rms_dbfs(np.zeros(FRAME_SAMPLES, dtype=np.int16)) == -120.0


def test_scale_db_changes_level_by_that_much() -> None:
    pcm = tone(1000, 8000)
    assert rms_dbfs(scale_db(pcm, -6.0)) == pytest.approx(rms_dbfs(pcm) - 6.0, abs=0.01)
    assert scale_db(pcm, 40.0).max() == 32767


# --- WAV files and stereo -------------------------------------------------------------------------------


def test_wav_round_trip_mono(tmp_path: Path) -> None:
    pcm = tone(440, 16000, 0.25)
    path = tmp_path / "mono.wav"
    write_wav(path, pcm, 16000)
    back, rate = read_wav(path)
    assert rate == 16000
    assert back.dtype == np.int16
    np.testing.assert_array_equal(back, pcm)


def test_wav_round_trip_stereo(tmp_path: Path) -> None:
    left = tone(440, 8000, 0.1)
    right = tone(1000, 8000, 0.05, amplitude=3000)
    both = stereo(left, right)
    path = tmp_path / "stereo.wav"
    write_wav(path, both, 8000)

    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, 2, 8000, len(left))
        stored = pcm_from_bytes(w.readframes(w.getnframes())).reshape(-1, 2)
    np.testing.assert_array_equal(stored, both)

    mono, rate = read_wav(path)  # read_wav mixes channels down
    assert rate == 8000
    expected = to_int16((both[:, 0].astype(np.float64) + both[:, 1]) / 2)
    np.testing.assert_array_equal(mono, expected)


def test_read_wav_refuses_8_bit_files(tmp_path: Path) -> None:
    path = tmp_path / "u8.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes(80))
    with pytest.raises(ValueError, match="16 位"):
        read_wav(path)


def test_stereo_pads_the_shorter_track() -> None:
    out = stereo(np.array([1, 2, 3], dtype=np.int16), np.array([9], dtype=np.int16))
    assert out.dtype == np.int16
    assert out.tolist() == [[1, 9], [2, 0], [3, 0]]


# --- tables for the browser page ------------------------------------------------------------------------


def test_ulaw_tables_agree_with_encode_and_decode() -> None:
    tables = ulaw_tables()
    assert len(tables["encode"]) == 65536
    assert len(tables["decode"]) == 256
    assert tables["encode"] == list(ulaw_encode(ALL_SAMPLES))  # index = sample + 32768
    assert tables["decode"] == ulaw_decode(ALL_CODES).tolist()


def test_ulaw_tables_are_plain_json() -> None:
    tables = json.loads(json.dumps(ulaw_tables()))
    assert all(type(v) is int for v in tables["decode"][:4] + tables["encode"][:4])
    assert tables["encode"][0 + 32768] == 0xFF


def test_streamed_resampling_equals_one_pass() -> None:
    """The recognizer resamples 20 ms frames as they come; that must equal one pass over the whole call."""
    from telephony.audio_codec import LINE_RATE, StreamResampler, frames, resample, to_int16

    rng = np.random.default_rng(7)
    line = to_int16(rng.normal(0, 4000, LINE_RATE * 2))
    stream = StreamResampler(LINE_RATE, 16000)
    pieces = [stream.push(frame) for frame in frames(line)] + [stream.flush()]
    assert np.array_equal(np.concatenate(pieces), resample(line, LINE_RATE, 16000))
