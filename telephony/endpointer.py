"""Voice activity detection and endpointing for the caller's audio (8 kHz int16, 20 ms frames).

The decision is a level test against an adaptive noise floor: a frame is speech when its 300-3400 Hz band
level stands `min_speech_db_over_noise` above the quiet level of the line. The floor falls quickly and rises
slowly, so a steady hiss or hum at any level becomes the floor instead of speech, while a talker's pauses keep
pulling it back down. An utterance also needs a few voiced frames (a peaky, non-flat spectrum) to start, so
noise whose level wanders (μ-law quantization noise riding on rumble, rustle) does not start one. One FFT per
frame keeps the cost near 20 µs, which matters because this runs for every frame of every call in Python.

Times are stream times: frame n covers [20·n, 20·n + 20) ms from the first frame fed, so "end" comes exactly
`end_silence_ms` after the end of the last speech frame and the turn-taking latency is predictable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from telephony.audio_codec import FRAME_MS, FRAME_SAMPLES, LINE_RATE

BAND_HZ = (300.0, 3400.0)
SILENCE_DB = -120.0

_WINDOW = np.hanning(FRAME_SAMPLES).astype(np.float32)
_FREQS = np.fft.rfftfreq(FRAME_SAMPLES, 1.0 / LINE_RATE)
_BAND = slice(int(np.searchsorted(_FREQS, BAND_HZ[0])), int(np.searchsorted(_FREQS, BAND_HZ[1], side="right")))
# Scale so a full-scale sine inside the band reads about -3 dB, like its rms level in dBFS.
_BAND_SCALE = 2.0 / (float(np.sum(_WINDOW.astype(np.float64) ** 2)) * FRAME_SAMPLES * 32768.0**2)


def band_bins(frame: np.ndarray) -> np.ndarray:
    """Power of each 50 Hz bin of the frame's 300-3400 Hz band (Hann window; unscaled)."""
    spectrum = np.fft.rfft(frame.astype(np.float32) * _WINDOW)[_BAND]
    return spectrum.real**2 + spectrum.imag**2


def band_power(frame: np.ndarray) -> float:
    """Mean-square power of the frame's 300-3400 Hz band, relative to full scale (linear)."""
    spectrum = np.fft.rfft(frame.astype(np.float32) * _WINDOW)[_BAND]
    return float(np.vdot(spectrum, spectrum).real) * _BAND_SCALE


def flatness(bins: np.ndarray) -> float:
    """Spectral flatness (geometric / arithmetic mean, 0..1): about 0.5 for noise, under 0.2 for voiced speech."""
    mean = float(bins.mean())
    if mean <= 0.0:
        return 1.0
    return float(np.exp(np.mean(np.log(bins + mean * 1e-6)))) / mean


def band_level_db(frame: np.ndarray) -> float:
    """The frame's 300-3400 Hz level in dBFS: the one level scale shared by the endpointer and echo control."""
    power = band_power(frame)
    return 10.0 * np.log10(power) if power > 1e-12 else SILENCE_DB


@dataclass
class EndpointerConfig:
    """Timing in stream milliseconds; levels in dB of the 300-3400 Hz band (see `band_level_db`)."""

    start_ms: int = 100  # speech needed before "start"
    start_window_ms: int = 140  # ... counted inside this sliding window, so one weak frame does not reset it
    end_silence_ms: int = 500  # silence after the last speech frame that ends the utterance
    max_utterance_s: float = 20.0  # a caller who never pauses is cut here
    min_speech_db_over_noise: float = 9.0  # speech must stand this far above the noise floor
    voiced_frames: int = 2  # of the start window's speech frames, this many must have a voiced (peaky) spectrum
    voiced_max_flatness: float = 0.2  # ... i.e. spectral flatness below this (noise sits near 0.5)
    hangover_db: float = 3.0  # once in speech, frames this much weaker still count (trailing syllables)
    absolute_floor_db: float = -55.0  # nothing quieter is speech, however quiet the line (digital silence, idle)
    floor_fall: float = 0.3  # fraction of the gap closed per frame when the level drops below the floor
    floor_rise_noise: float = 0.01  # ... when it is above the floor but below the speech margin (line noise)
    floor_rise_speech: float = 0.001  # ... when it looks like speech: a step up in noise is still learned, slowly


class Endpointer:
    """Feeds on caller frames and says when an utterance starts and ends."""

    def __init__(self, config: EndpointerConfig | None = None) -> None:
        self.config = config or EndpointerConfig()
        c = self.config
        self._start_frames = max(1, -(-c.start_ms // FRAME_MS))
        self._window_frames = max(self._start_frames, -(-c.start_window_ms // FRAME_MS))
        self._end_frames = max(1, -(-c.end_silence_ms // FRAME_MS))
        self._max_frames = max(1, round(c.max_utterance_s * 1000 / FRAME_MS))
        self.reset()

    def reset(self) -> None:
        """Forgets the utterance and the noise floor (a new call)."""
        self.frame_index = 0
        self.noise_floor_db: float | None = None
        self.in_speech = False
        self.speech_frames = 0  # speech frames in the current (or last) utterance
        self.utterance_start_ms: int | None = None
        self.utterance_end_ms: int | None = None  # end of the last speech frame, set with "end"
        self.last_level_db = SILENCE_DB
        self._recent: list[bool] = []  # speech decisions of the last start window, while not in speech
        self._voiced: list[bool] = []  # ... and whether each was voiced speech
        self._start_index = 0
        self._last_speech_index = -1

    @property
    def now_ms(self) -> int:
        """Stream time at the end of the frames fed so far."""
        return self.frame_index * FRAME_MS

    @property
    def trailing_silence_ms(self) -> int:
        """Silence since the last speech frame of the utterance in progress; 0 while the caller speaks or
        outside an utterance."""
        if not self.in_speech:
            return 0
        return (self.frame_index - 1 - self._last_speech_index) * FRAME_MS

    def is_speech(self, level_db: float, threshold_db: float | None = None) -> bool:
        """The frame-level decision, against the current floor (or the given override)."""
        c = self.config
        floor = self.noise_floor_db if self.noise_floor_db is not None else level_db
        needed = max(floor + c.min_speech_db_over_noise, c.absolute_floor_db)
        if threshold_db is not None:
            needed = max(needed, threshold_db)
        if self.in_speech:
            needed -= c.hangover_db
        return level_db > needed

    def feed(self, frame: np.ndarray, threshold_db: float | None = None) -> str | None:
        """One 20 ms frame → "start", "end" or None.

        `threshold_db` (dB, band level) is a level this frame must also exceed to be speech; echo control
        passes its residual-echo estimate here while the bot is talking. Such frames never raise the floor.
        """
        bins = band_bins(frame)
        power = float(bins.sum()) * _BAND_SCALE
        level = 10.0 * np.log10(power) if power > 1e-12 else SILENCE_DB
        self.last_level_db = level
        speech = self.is_speech(level, threshold_db)
        self._track_floor(level, speech, threshold_db is not None)
        index = self.frame_index
        self.frame_index += 1
        if self.in_speech:
            return self._continue(index, speech)
        voiced = speech and flatness(bins) < self.config.voiced_max_flatness
        return self._maybe_start(index, speech, voiced)

    def _track_floor(self, level: float, speech: bool, echo_present: bool) -> None:
        c = self.config
        floor = self.noise_floor_db
        if floor is None:
            self.noise_floor_db = max(level, c.absolute_floor_db - c.min_speech_db_over_noise)
            return
        if level < floor:
            floor += c.floor_fall * (level - floor)
        elif not echo_present:
            rate = c.floor_rise_speech if speech else c.floor_rise_noise
            floor += rate * min(level - floor, 20.0)
        self.noise_floor_db = max(floor, c.absolute_floor_db - c.min_speech_db_over_noise)

    def _maybe_start(self, index: int, speech: bool, voiced: bool) -> str | None:
        self._recent.append(speech)
        self._voiced.append(voiced)
        if len(self._recent) > self._window_frames:
            self._recent.pop(0)
            self._voiced.pop(0)
        if not speech or sum(self._recent) < self._start_frames or sum(self._voiced) < self.config.voiced_frames:
            return None
        first = index - len(self._recent) + 1 + self._recent.index(True)
        self.in_speech = True
        self._recent.clear()
        self._voiced.clear()
        self._start_index = first
        self._last_speech_index = index
        self.speech_frames = self._start_frames
        self.utterance_start_ms = first * FRAME_MS
        self.utterance_end_ms = None
        return "start"

    def _continue(self, index: int, speech: bool) -> str | None:
        if speech:
            self._last_speech_index = index
            self.speech_frames += 1
        if index - self._start_index + 1 >= self._max_frames:
            return self._end((index + 1) * FRAME_MS)
        if index - self._last_speech_index >= self._end_frames:
            return self._end((self._last_speech_index + 1) * FRAME_MS)
        return None

    def _end(self, end_ms: int) -> str:
        self.in_speech = False
        self.utterance_end_ms = end_ms
        return "end"
