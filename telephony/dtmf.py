"""Keypad tones (DTMF): a generator for the simulator, an in-band detector, and a keypad-entry collector.

Callers key in policy and ID numbers when the recognizer struggles, and many phone gateways pass the tones in
the audio rather than out of band, so the bot must hear them in the μ-law stream. The detector evaluates the
eight DTMF frequencies and their second harmonics (single-bin DFT, i.e. Goertzel's quantity, computed as one
matrix product) over the last 40 ms every 20 ms frame. A window holds a key when one row and one column tone
stand well above the other tones of their group, their levels are close (twist), they carry nearly all of
the window's energy, and their second harmonics are weak: speech and music fail the last two. A key is
reported once, at the first window it fills (≥ 70 % of the window: a 40 ms tone always fills one), and
again only after a window without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from telephony.audio_codec import FRAME_SAMPLES, LINE_RATE, to_int16

ROWS_HZ = (697.0, 770.0, 852.0, 941.0)
COLS_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
KEYS = ("123A", "456B", "789C", "*0#D")
_POSITION = {key: (row, col) for row, keys in enumerate(KEYS) for col, key in enumerate(keys)}

_WINDOW = 2 * FRAME_SAMPLES  # 40 ms: 25 Hz resolution separates the rows (73 Hz apart at the closest)


def dtmf_tone(digit: str, ms: int = 100, level_db: float = -10.0, twist_db: float = 0.0) -> np.ndarray:
    """The tone pair of a key, 8 kHz int16. `level_db`: rms of each of the two tones in dBFS;
    `twist_db`: the column (high) tone relative to the row (low) tone."""
    key = digit.upper()
    if key not in _POSITION:
        raise ValueError(f"不是按键：{digit!r}")
    row, col = _POSITION[key]
    t = np.arange(round(ms * LINE_RATE / 1000)) / LINE_RATE
    amplitude = 32768.0 * np.sqrt(2.0) * 10.0 ** (level_db / 20.0)
    low = np.sin(2 * np.pi * ROWS_HZ[row] * t)
    high = np.sin(2 * np.pi * COLS_HZ[col] * t) * 10.0 ** (twist_db / 20.0)
    return to_int16(amplitude * (low + high))


_DEVIATIONS = (-0.015, -0.0075, 0.0, 0.0075, 0.015)  # keypads may be off by up to 1.5 %: probe across it


def _basis() -> np.ndarray:
    """Cosine and sine rows: each tone at five probe frequencies across its tolerance (plain window, sharpest in
    time), then, Hann-windowed so a strong neighbouring tone does not leak in, each tone and its second harmonic."""
    tones = np.array(ROWS_HZ + COLS_HZ)
    probes = (tones[:, None] * (1.0 + np.array(_DEVIATIONS))[None, :]).ravel()
    freqs = np.concatenate([probes, tones, 2 * tones])
    n = np.arange(_WINDOW)
    phase = 2 * np.pi * freqs[:, None] * n[None, :] / LINE_RATE
    taper = np.ones((len(freqs), _WINDOW))
    taper[len(probes):] = np.hanning(_WINDOW)
    return np.vstack([np.cos(phase) * taper, np.sin(phase) * taper]) / 32768.0


_BASIS = _basis()
_PROBED = 8 * len(_DEVIATIONS)
_TONES = np.array(ROWS_HZ + COLS_HZ)
# The row tones' harmonics (1394, 1540, 1704 Hz) sit within 75 Hz of a column tone, which would leak into them:
# only harmonics clear of every tone are checked (941 Hz's and the columns').
_HARMONIC_CHECKED = np.array([np.min(np.abs(2 * f - _TONES)) > 75.0 for f in _TONES])
_SCALE = 2.0 / _WINDOW**2  # |X|² → mean-square power of a sine at that frequency (plain window)
class DtmfDetector:
    """Per call: feed every incoming 20 ms frame; returns a key once per press."""

    def __init__(
        self,
        min_level_db: float = -36.0,  # each tone, dBFS
        max_twist_db: float = 8.0,  # either way
        group_margin_db: float = 8.0,  # strongest tone of a group over the next one
        min_purity: float = 0.7,  # share of the window's power in the two tones
        max_harmonic_db: float = -15.0,  # second harmonic relative to its tone
    ) -> None:
        self.min_power = 10.0 ** (min_level_db / 10.0)
        self.max_twist = 10.0 ** (max_twist_db / 10.0)
        self.group_margin = 10.0 ** (group_margin_db / 10.0)
        self.min_purity = min_purity
        self.max_harmonic = 10.0 ** (max_harmonic_db / 10.0)
        self.reset()

    def reset(self) -> None:
        self._previous = np.zeros(FRAME_SAMPLES)
        self._held: str | None = None

    def feed(self, frame: np.ndarray) -> str | None:
        """One frame → the key newly pressed, or None."""
        current = frame.astype(np.float64)
        window = np.concatenate([self._previous, current])
        self._previous = current
        key = self.classify(window)
        if key == self._held:
            return None
        self._held = key
        return key

    def classify(self, window: np.ndarray) -> str | None:
        """The key whose tones fill this 40 ms window (float samples, int16 scale), or None."""
        projections = _BASIS @ window
        half = len(projections) // 2
        power = projections[:half] ** 2 + projections[half:] ** 2
        tones = (power[:_PROBED].reshape(8, len(_DEVIATIONS)).max(axis=1) * _SCALE).tolist()
        rows, cols = tones[:4], tones[4:]
        p_row, p_col = max(rows), max(cols)
        row, col = rows.index(p_row), cols.index(p_col)
        if p_row < self.min_power or p_col < self.min_power:
            return None
        if p_col > p_row * self.max_twist or p_row > p_col * self.max_twist:
            return None
        if sorted(rows)[-2] * self.group_margin > p_row or sorted(cols)[-2] * self.group_margin > p_col:
            return None
        total = float(window @ window) / len(window) / 32768.0**2
        if p_row + p_col < self.min_purity * total:
            return None
        for tone in (row, 4 + col):
            if _HARMONIC_CHECKED[tone] and power[_PROBED + 8 + tone] > power[_PROBED + tone] * self.max_harmonic:
                return None
        return KEYS[row][col]


class DtmfCollector:
    """Keypad entry: digits accumulate; '#' submits, '*' starts over, a pause of `timeout_s` submits what there is.

    `add` returns the submitted digits (an empty string when '#' came with none), else None. Call `poll` now and
    then (every frame is fine) to submit on timeout; a key that arrives after an uncollected timeout starts a
    new entry, as an IVR does after its inter-digit timeout. Keys A-D are ignored.
    """

    def __init__(self, max_digits: int | None = None, timeout_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_digits = max_digits
        self.timeout_s = timeout_s
        self._clock = clock
        self._digits: list[str] = []
        self._last_key_at: float | None = None

    @property
    def pending(self) -> str:
        return "".join(self._digits)

    def clear(self) -> None:
        self._digits.clear()
        self._last_key_at = None

    def add(self, key: str) -> str | None:
        now = self._clock()
        if self._timed_out(now):
            self.clear()
        if key == "#":
            return self._submit()
        if key == "*":
            self.clear()
            return None
        if not key.isdigit():
            return None
        self._digits.append(key)
        self._last_key_at = now
        if self.max_digits is not None and len(self._digits) >= self.max_digits:
            return self._submit()
        return None

    def poll(self) -> str | None:
        """The digits entered so far once no key has come for `timeout_s`; else None."""
        if self._digits and self._timed_out(self._clock()):
            return self._submit()
        return None

    def _timed_out(self, now: float) -> bool:
        return self._last_key_at is not None and now - self._last_key_at >= self.timeout_s

    def _submit(self) -> str:
        entry = self.pending
        self.clear()
        return entry
