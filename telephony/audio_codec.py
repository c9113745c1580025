"""The one place where audio changes format: G.711 μ-law, sample rates, frames, WAV files, levels.

The phone line carries μ-law at 8 kHz in 20 ms frames; the recognizer wants 16-bit PCM at its model's
rate; the synthesizer gives whatever its engine makes. Everything in between is int16 numpy arrays.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from math import ceil, gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

LINE_RATE = 8000
FRAME_MS = 20
FRAME_SAMPLES = LINE_RATE * FRAME_MS // 1000  # 160 samples = 160 μ-law bytes per frame

_BIAS = 0x84


def _build_decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _build_encode_table() -> np.ndarray:
    """μ-law code for every 16-bit sample value (index = sample + 32768), as ITU-T G.711's reference coder
    computes it on 14-bit magnitudes; a table keeps encoding a single lookup."""
    samples14 = np.arange(-32768, 32768, dtype=np.int32) >> 2
    mask = np.where(samples14 < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.where(samples14 < 0, -samples14, samples14), 8159) + 0x21
    segment = np.maximum(np.floor(np.log2(magnitude)).astype(np.int32) - 5, 0)
    code = np.where(segment > 7, 0x7F, (np.minimum(segment, 7) << 4) | ((magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F))
    return (code ^ mask).astype(np.uint8)


_DECODE = _build_decode_table()
_ENCODE = _build_encode_table()


def ulaw_decode(data: bytes) -> np.ndarray:
    """μ-law bytes → int16 samples."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(pcm: np.ndarray) -> bytes:
    """int16 samples → μ-law bytes."""
    return _ENCODE[pcm.astype(np.int32) + 32768].tobytes()


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float or wider integer samples → int16, clipped rather than wrapped."""
    if samples.dtype == np.int16:
        return samples
    if np.issubdtype(samples.dtype, np.floating):
        return np.clip(np.round(samples), -32768, 32767).astype(np.int16)
    return np.clip(samples, -32768, 32767).astype(np.int16)


def resample(pcm: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased) between any two integer rates, int16 in and out."""
    if from_rate == to_rate or pcm.size == 0:
        return to_int16(pcm)
    g = gcd(from_rate, to_rate)
    out = resample_poly(pcm.astype(np.float32), to_rate // g, from_rate // g)
    return to_int16(out)


class StreamResampler:
    """Line rate → model rate for audio arriving in 20 ms frames.

    audio_codec.resample is stateless: resampling each frame alone would put a filter edge every 20 ms (clearly
    worse recognition, measured). This keeps some past and holds back some future input around each block so
    every output sample comes from the same full filter as one pass over the whole call would use.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate, self.to_rate = from_rate, to_rate
        g = gcd(from_rate, to_rate)
        self._in_step, self._out_step = from_rate // g, to_rate // g
        up, down = self._out_step, self._in_step
        reach = ceil(10 * max(up, down) / up)  # resample_poly's filter half-length, in input samples
        self._context = ceil(max(2 * reach, 16) / self._in_step) * self._in_step
        self.reset()

    def reset(self) -> None:
        self._history = np.zeros(0, dtype=np.int16)
        self._pending = np.zeros(0, dtype=np.int16)

    def push(self, pcm: np.ndarray) -> np.ndarray:
        if self.from_rate == self.to_rate:
            return pcm
        self._pending = np.concatenate([self._pending, pcm])
        ready = len(self._pending) - self._context
        ready -= ready % self._in_step
        return self._emit(ready) if ready > 0 else np.zeros(0, dtype=np.int16)

    def flush(self) -> np.ndarray:
        """Everything still held back, with silence as the future that never came."""
        if self.from_rate == self.to_rate or len(self._pending) == 0:
            return np.zeros(0, dtype=np.int16)
        n = len(self._pending)
        padded = -(-n // self._in_step) * self._in_step
        self._pending = np.concatenate([self._pending, np.zeros(padded - n, dtype=np.int16)])
        out = self._emit(padded)
        return out[: round(n * self.to_rate / self.from_rate)]

    def _emit(self, n: int) -> np.ndarray:
        window = np.concatenate([self._history, self._pending])
        out = resample(window, self.from_rate, self.to_rate)
        start = len(self._history) // self._in_step * self._out_step
        block = out[start: start + n // self._in_step * self._out_step]
        self._history = np.concatenate([self._history, self._pending[:n]])[-self._context:]
        self._pending = self._pending[n:]
        return block


def pcm_bytes(pcm: np.ndarray) -> bytes:
    return to_int16(pcm).astype("<i2").tobytes()


def pcm_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)


def frames(pcm: np.ndarray, size: int = FRAME_SAMPLES, pad: bool = True) -> Iterator[np.ndarray]:
    """Cuts audio into fixed frames; the last one is padded with silence (or dropped when pad is False)."""
    for start in range(0, len(pcm), size):
        chunk = pcm[start:start + size]
        if len(chunk) < size:
            if not pad:
                return
            chunk = np.concatenate([chunk, np.zeros(size - len(chunk), dtype=np.int16)])
        yield chunk


def rms_dbfs(pcm: np.ndarray) -> float:
    """Level relative to full scale; silence is -120 dB rather than minus infinity."""
    if pcm.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(pcm.astype(np.float64)))))
    return max(20.0 * np.log10(max(rms, 1e-9) / 32768.0), -120.0)


def scale_db(pcm: np.ndarray, db: float) -> np.ndarray:
    return to_int16(pcm.astype(np.float64) * (10.0 ** (db / 20.0)))


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A 16-bit WAV as mono int16 (channels averaged) and its rate."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: 只支持 16 位 PCM WAV")
        rate, channels = w.getframerate(), w.getnchannels()
        pcm = pcm_from_bytes(w.readframes(w.getnframes()))
    if channels > 1:
        pcm = to_int16(pcm.reshape(-1, channels).astype(np.int32).mean(axis=1))
    return pcm, rate


def write_wav(path: str | Path, pcm: np.ndarray, rate: int) -> None:
    """Mono (1-D) or multi-channel (samples × channels) int16 to a WAV file."""
    data = to_int16(pcm)
    channels = 1 if data.ndim == 1 else data.shape[1]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.astype("<i2").tobytes())


def stereo(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two mono tracks side by side (samples × 2), the shorter padded with silence."""
    n = max(len(left), len(right))
    out = np.zeros((n, 2), dtype=np.int16)
    out[: len(left), 0] = left
    out[: len(right), 1] = right
    return out


def ulaw_tables() -> dict[str, list[int]]:
    """The codec as lookup tables, for the browser page: it encodes and decodes with these rather than
    carrying a second implementation of G.711."""
    return {"encode": _ENCODE.tolist(), "decode": _DECODE.tolist()}
