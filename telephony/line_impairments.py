"""A simulated phone line between the caller and the bot, for the call simulator and the benchmarks.

What the bot receives from the caller is built per 20 ms frame, in the order a real call shapes it:
the caller's voice plus the echo of the bot's own voice (speakerphone: delayed, attenuated, coloured by a few
room reflections) → the handset's 300-3400 Hz band limit → line noise → G.711 μ-law. Every filter and delay
line keeps its state across frames, so frame boundaries leave no trace. Packet loss and send-time jitter are
separate seeded decisions that the transport simulation asks for per frame.

Noise level: the noise is fixed for the call, at `nominal_speech_dbfs - snr_db` (rms in the 300-3400 Hz band),
not measured from the caller's speech, so quiet passages and pauses keep the same hiss as on a real line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, lfilter

from telephony.audio_codec import FRAME_SAMPLES, LINE_RATE, to_int16, ulaw_decode, ulaw_encode

NOMINAL_SPEECH_DBFS = -20.0  # the speech level that snr_db is relative to (typical active speech level)
_REFLECTIONS = 4  # room reflections added after the direct echo path
_REFLECTION_SPAN_MS = 12.0


@dataclass
class LineProfile:
    """How bad the line is. Defaults: band limit and μ-law only."""

    band_limit: bool = True  # 300-3400 Hz, as a handset and the PSTN pass
    snr_db: float | None = None  # line noise below the nominal speech level; None: no noise
    loss_pct: float = 0.0  # frames lost, independently, in percent
    jitter_ms: float = 0.0  # mean extra send delay per frame (exponential, capped at 4x the mean)
    echo_delay_ms: float | None = None  # speakerphone echo of the bot's voice; None: no echo
    echo_db: float = -20.0  # echo level relative to the bot's audio as the caller hears it
    seed: int = 0
    ulaw: bool = True  # G.711 μ-law quantization on the way to the bot
    nominal_speech_dbfs: float = NOMINAL_SPEECH_DBFS


def _echo_response(profile: LineProfile, rng: np.random.Generator) -> tuple[int, np.ndarray]:
    """The echo path: a direct delayed copy and a few decaying reflections, scaled to `echo_db` in total."""
    delay = round((profile.echo_delay_ms or 0.0) * LINE_RATE / 1000)
    span = round(_REFLECTION_SPAN_MS * LINE_RATE / 1000)
    taps = np.zeros(span + 1)
    taps[0] = 1.0
    positions = rng.choice(np.arange(8, span + 1), size=_REFLECTIONS, replace=False)
    for position in positions:
        taps[position] += rng.choice([-1.0, 1.0]) * 0.5 * np.exp(-position / span * 2.0)
    taps *= 10.0 ** (profile.echo_db / 20.0) / np.sqrt(np.sum(taps**2))
    return delay, taps


class PhoneLine:
    """One call's line; all randomness comes from the profile's seed (separate streams for noise, loss, jitter)."""

    def __init__(self, profile: LineProfile) -> None:
        self.profile = profile
        noise_seq, loss_seq, jitter_seq, room_seq = np.random.SeedSequence(profile.seed).spawn(4)
        self._noise_rng = np.random.default_rng(noise_seq)
        self._loss_rng = np.random.default_rng(loss_seq)
        self._jitter_rng = np.random.default_rng(jitter_seq)
        # Transfer-function form: well conditioned for this band at 8 kHz, and lfilter is far cheaper per frame.
        self._b, self._a = butter(4, [300.0, 3400.0], btype="bandpass", fs=LINE_RATE)
        self._zi = np.zeros(len(self._a) - 1)
        band_fraction = (3400.0 - 300.0) / (LINE_RATE / 2)
        self._noise_rms = 0.0
        if profile.snr_db is not None:
            in_band = 32768.0 * 10.0 ** ((profile.nominal_speech_dbfs - profile.snr_db) / 20.0)
            # White noise is added before the band limit; scale it so what survives the filter has the set level.
            self._noise_rms = in_band / np.sqrt(band_fraction) if profile.band_limit else in_band
        self._echo_delay = 0
        self._echo_taps = np.zeros(0)
        if profile.echo_delay_ms is not None:
            self._echo_delay, self._echo_taps = _echo_response(profile, np.random.default_rng(room_seq))
        history = self._echo_delay + len(self._echo_taps) + FRAME_SAMPLES
        self._bot_history = np.zeros(history)

    def caller_frame(self, frame: np.ndarray, bot_frame_heard: np.ndarray | None) -> np.ndarray:
        """The caller's 20 ms frame as the bot receives it. `bot_frame_heard`: the bot audio the caller's
        loudspeaker played during the same 20 ms (None when it was silent); it comes back as echo."""
        signal = frame.astype(np.float64)
        if len(self._echo_taps):
            heard = np.zeros(FRAME_SAMPLES) if bot_frame_heard is None else bot_frame_heard.astype(np.float64)
            self._bot_history = np.concatenate([self._bot_history[FRAME_SAMPLES:], heard])
            start = len(self._bot_history) - FRAME_SAMPLES - self._echo_delay - len(self._echo_taps) + 1
            segment = self._bot_history[start:len(self._bot_history) - self._echo_delay]
            signal = signal + np.convolve(segment, self._echo_taps, mode="valid")
        if self._noise_rms:
            signal = signal + self._noise_rng.normal(0.0, self._noise_rms, FRAME_SAMPLES)
        if self.profile.band_limit:
            signal, self._zi = lfilter(self._b, self._a, signal, zi=self._zi)
        pcm = to_int16(signal)
        if self.profile.ulaw:
            pcm = ulaw_decode(ulaw_encode(pcm))
        return pcm

    def lost(self) -> bool:
        """Whether this frame is lost (independent per frame)."""
        return bool(self._loss_rng.random() * 100.0 < self.profile.loss_pct)

    def jitter_delay_s(self) -> float:
        """Extra send delay for this frame, in seconds."""
        if self.profile.jitter_ms <= 0:
            return 0.0
        delay_ms = min(self._jitter_rng.exponential(self.profile.jitter_ms), 4.0 * self.profile.jitter_ms)
        return float(delay_ms) / 1000.0


_ECHO = re.compile(r"^(?P<delay>\d+(?:\.\d+)?)(?:ms)?(?:@(?P<db>[-+]?\d+(?:\.\d+)?)(?:db)?)?$")


def parse_profile(spec: str) -> LineProfile:
    """A profile from its command-line form, e.g. "snr=15,loss=2,jitter=20,echo=100ms@-20dB,band".

    Items: snr=DB, loss=PCT, jitter=MS, echo=MS[@DB], seed=N, band / noband, ulaw / noulaw; "clean" turns
    everything off (no band limit, no μ-law). Unnamed items keep the LineProfile defaults.
    """
    profile = LineProfile()
    for raw in spec.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        try:
            _apply(profile, *item.partition("=")[::2])
        except ValueError:
            example = "snr=15,loss=2,jitter=20,echo=100ms@-20dB,band"
            raise ValueError(f"线路参数无法识别：{raw.strip()}（例：{example}）") from None
    if not 0.0 <= profile.loss_pct <= 100.0:
        raise ValueError(f"丢包率应在 0 到 100 之间：{profile.loss_pct}")
    return profile


def _apply(profile: LineProfile, key: str, value: str) -> None:
    """One item of a profile spec; ValueError when it is not one."""
    flags = {"band": ("band_limit", True), "noband": ("band_limit", False), "ulaw": ("ulaw", True),
             "noulaw": ("ulaw", False)}
    if key in flags and not value:
        setattr(profile, *flags[key])
    elif key == "clean" and not value:
        profile.band_limit = profile.ulaw = False
    elif key == "snr":
        profile.snr_db = float(value.removesuffix("db"))
    elif key == "loss":
        profile.loss_pct = float(value.rstrip("%"))
    elif key == "jitter":
        profile.jitter_ms = float(value.removesuffix("ms"))
    elif key == "seed":
        profile.seed = int(value)
    elif key == "echo" and (match := _ECHO.match(value)):
        profile.echo_delay_ms = float(match["delay"])
        if match["db"] is not None:
            profile.echo_db = float(match["db"])
    else:
        raise ValueError(key)
