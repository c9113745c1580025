"""Echo control: the bot must not take the echo of its own voice (speakerphone) for the caller barging in.

The bot knows exactly what it sent, so the echo is predictable once its path is known. Every 200 ms while the
bot talks, the path is estimated from the last 0.6 s: the delay by band-limited GCC-PHAT cross-correlation
(robust to the pitch periodicity of speech), then a least-squares (Wiener) FIR filter of `taps` taps from just
before that delay, which also absorbs the line's band limit and near room reflections. The correlation
statistics accumulate over windows (≈ 3 s memory) so the filter fits every sound the bot made lately. Windows
in which the caller seems to talk (cancellation far worse than usual, or a frame that looked like speech)
are not learned from; a different delay replaces the path only when it explains two windows in a row far
better (a moved phone, not a caller talking over the bot).

Each incoming frame has the predicted echo subtracted. The speech threshold handed to the endpointer is the
level of the echo estimate for this frame plus the residual ratio (how far above the estimate the cleaned
signal stays: the 90th percentile over the last few seconds of echo-dominated frames, 0 dB until a second of
them has been seen) plus a margin. Before any path is found the threshold is the loudest recent reference
level plus an upper bound on the echo gain measured from energies alone (line noise taken off; it starts at
`prior_echo_db`), so an absent or unfound echo still yields a safe threshold that sinks to the noise floor.

Timeline contract: one reference frame per incoming frame. The session calls `played(frame)` for every frame it
sends and `note_idle()` for every 20 ms in which it sends nothing, each before `process()` of the frame received
in that same 20 ms. A `process()` with no reference frame for its tick counts as idle. Echo that arrives later
than `max_delay_ms` (including any playout buffer at the far end) is not modelled.
"""

from __future__ import annotations

import numpy as np
from scipy.fft import next_fast_len
from scipy.linalg import solve_toeplitz

from telephony.audio_codec import FRAME_SAMPLES, LINE_RATE, to_int16
from telephony.endpointer import BAND_HZ, SILENCE_DB, band_power

_FIT_WINDOW_S = 0.6  # audio per path estimate
_BOUND_WINDOW_S = 1.0  # audio per energy bound on the echo gain (must exceed the longest delay)
_ACTIVE_DB = -55.0  # a reference frame quieter than this (band level) is silence
_DOUBLE_TALK_DB = 6.0  # a window this much worse cancelled than usual is not learned from
_MAX_SUSPECT = 15  # ... unless it lasts this many windows (3 s): then the path has changed
_HOLD_DECAY_DB = 6.0  # the threshold falls at most this much per frame (echo tails, timing slack)
_FORGET = 0.7  # weight of the accumulated path statistics at each new window (≈ 3 s memory)
_RATIO_HISTORY = 250  # residual/echo ratios kept (≈ 5 s of echo frames)
_RATIO_PERCENTILE = 90.0
_MIN_RATIOS = 50
_NEAR_END_HOLD_FRAMES = 25  # after a frame that looked like the caller, learn no residual statistics for 0.5 s
_YOUNG_RESIDUAL_DB = 0.0


def _erle(before: float, after: float) -> float:
    return 10.0 * np.log10(before / max(after, 1e-9))


def _track_floor(floor: float | None, level_db: float) -> float:
    """A noise floor in dB: falls fast to quieter frames, creeps up slowly (as the endpointer's does)."""
    if floor is None:
        return level_db
    if level_db < floor:
        return floor + 0.3 * (level_db - floor)
    return floor + 0.01 * min(level_db - floor, 20.0)


def _db(power: float) -> float:
    return 10.0 * np.log10(power) if power > 1e-12 else SILENCE_DB


class _Ring:
    """The newest `size` samples (or values) in a flat array, appended without reallocation."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data = np.zeros(size * 4)
        self._end = size

    def append(self, values: np.ndarray) -> None:
        n = len(values)
        if self._end + n > len(self._data):
            self._data[: self.size] = self._data[self._end - self.size:self._end]
            self._end = self.size
        self._data[self._end:self._end + n] = values
        self._end += n

    def last(self, n: int, skip: int = 0) -> np.ndarray:
        """n values ending `skip` values before the newest (a view; do not keep)."""
        end = self._end - skip
        return self._data[end - n:end]


class EchoControl:
    """Per call: remembers what the bot played, learns the echo path, cleans incoming frames."""

    def __init__(
        self,
        max_delay_ms: int = 400,
        taps: int = 128,
        margin_db: float = 10.0,
        bound_margin_db: float = 6.0,
        prior_echo_db: float = -10.0,
        fit_every_frames: int = 10,
        settled_fit_every_frames: int = 25,
    ) -> None:
        self.max_delay = round(max_delay_ms * LINE_RATE / 1000)
        self.taps = taps
        self.margin_db = margin_db
        self.bound_margin_db = bound_margin_db
        self.prior_echo_db = prior_echo_db
        self.fit_every_frames = fit_every_frames
        self.settled_fit_every_frames = settled_fit_every_frames  # once the path is known and its residual measured
        self._pre = 16  # taps before the correlation peak: band-limit filters smear the echo a little forward
        self._fit_len = round(_FIT_WINDOW_S * LINE_RATE)
        span = self._fit_len + self.max_delay + taps
        self._nfft = next_fast_len(span + taps, real=True)
        freqs = np.fft.rfftfreq(self._nfft, 1.0 / LINE_RATE)
        self._band_bins = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
        self._delay_frames = -(-(self.max_delay + taps) // FRAME_SAMPLES) + 1
        self._bound_frames = round(_BOUND_WINDOW_S * LINE_RATE / FRAME_SAMPLES)
        self.reset()

    def reset(self) -> None:
        """A new call: forget the reference, the learned path and the bounds."""
        span = self._fit_len + self.max_delay + self.taps
        self._ref = _Ring(span + FRAME_SAMPLES)
        self._mic = _Ring(self._fit_len)
        history = self._bound_frames + self._delay_frames + 2
        self._ref_power = _Ring(history)
        self._mic_power = _Ring(history)
        self._ref_ticks = 0
        self._mic_ticks = 0
        self._last_active_tick = -(10**9)
        self.filter: np.ndarray | None = None  # echo path FIR (taps at lags lag..lag+taps-1), once found
        self.lag = 0
        self.erle_db = 0.0  # cancellation of the current filter over the last window (information)
        self.gain_bound_db = self.prior_echo_db  # upper bound on echo power / reference power (band)
        self.residual_db = 0.0  # residual echo relative to the echo estimate, a high percentile over recent frames
        self._acc: tuple[int, np.ndarray, np.ndarray] | None = None  # lag, autocorrelation, cross-correlation
        self._suspect = 0  # windows in a row not learned from
        self._candidate_lag: int | None = None  # a new path seen once, adopted when seen again
        self._near_end_tick = -(10**9)  # last frame that looked like the caller talking over the bot
        self._ratios = _Ring(_RATIO_HISTORY)
        self._ratio_count = 0
        self._out_floor_db: float | None = None  # quiet level of the cleaned signal
        self._mic_floor_db: float | None = None  # quiet level of the incoming signal
        self._hold_db = SILENCE_DB
        self.fits = 0

    # --- reference (what the bot sent) ---

    def played(self, frame: np.ndarray) -> None:
        """An outgoing 20 ms frame, in the order sent."""
        self._push_reference(frame.astype(np.float64))

    def note_idle(self) -> None:
        """20 ms in which the bot sent nothing."""
        self._push_reference(np.zeros(FRAME_SAMPLES))

    def clear(self) -> None:
        """Playback was cut (barge-in or a clear). What was already sent still echoes for up to the path delay,
        so the reference and the learned path stay. The last 300 ms of residual statistics go: a barge-in is
        reported about that long after the caller began, and their voice is not residual echo."""
        drop = min(self._ratio_count, 15)
        self._ratio_count -= drop
        if drop:
            kept = self._ratios.last(self._ratio_count, skip=drop).copy() if self._ratio_count else np.zeros(0)
            self._ratios = _Ring(_RATIO_HISTORY)
            self._ratios.append(kept)
        self._hold_db = SILENCE_DB

    def _push_reference(self, samples: np.ndarray) -> None:
        self._ref.append(samples)
        power = band_power(samples) if samples.any() else 0.0
        self._ref_power.append(np.array([power]))
        if _db(power) > _ACTIVE_DB:
            self._last_active_tick = self._ref_ticks
        self._ref_ticks += 1

    # --- incoming ---

    @property
    def bot_audible(self) -> bool:
        """Whether echo of the bot may still be arriving."""
        return self._ref_ticks - 1 - self._last_active_tick <= self._delay_frames

    def process(self, frame: np.ndarray) -> tuple[np.ndarray, float | None]:
        """An incoming caller frame → (echo-reduced frame, speech threshold in dB band level for the endpointer,
        or None when no echo of the bot can be arriving)."""
        while self._ref_ticks <= self._mic_ticks:
            self.note_idle()
        mic = frame.astype(np.float64)
        self._mic.append(mic)
        mic_power = band_power(frame)
        self._mic_power.append(np.array([mic_power]))
        self._mic_floor_db = _track_floor(self._mic_floor_db, _db(mic_power))
        self._mic_ticks += 1
        if not self.bot_audible:
            self._hold_db = SILENCE_DB
            return frame, None
        settled = self.filter is not None and self._ratio_count >= _MIN_RATIOS and self._suspect == 0
        if self._mic_ticks % (self.settled_fit_every_frames if settled else self.fit_every_frames) == 0:
            self._update_bound()
            self._fit()
            self._update_residual()
        if self.filter is None:
            recent = self._ref_power.last(self._delay_frames)
            threshold = _db(float(recent.max())) + self.gain_bound_db + self.bound_margin_db
            cleaned = frame
        else:
            reference = self._ref.last(FRAME_SAMPLES + self.taps - 1, skip=self.lag)
            echo = np.convolve(reference, self.filter, mode="valid")
            cleaned = to_int16(mic - echo)
            echo_db, out_db = _db(band_power(echo)), _db(band_power(cleaned))
            threshold = echo_db + self.residual_db + self.margin_db
            if out_db > max(threshold, (self._out_floor_db or out_db) + 9.0):
                self._near_end_tick = self._mic_ticks  # looks like the caller: keep it out of what is learned
            self._note_residual(echo_db, out_db)
        self._hold_db = max(threshold, self._hold_db - _HOLD_DECAY_DB)
        return cleaned, self._hold_db

    def _note_residual(self, echo_db: float, out_db: float) -> None:
        """Learns how far above the echo estimate the cleaned signal stays, on frames with echo well above the line
        noise; the noise floor is taken off the cleaned level first, since the endpointer accounts for noise."""
        floor = self._out_floor_db = _track_floor(self._out_floor_db, out_db)
        if echo_db > floor + 6.0 and self._mic_ticks - self._near_end_tick > _NEAR_END_HOLD_FRAMES:
            residual = _db(max(10.0 ** (out_db / 10.0) - 10.0 ** (floor / 10.0), 1e-12))
            self._ratios.append(np.array([max(residual, out_db - 20.0) - echo_db]))
            self._ratio_count = min(self._ratio_count + 1, _RATIO_HISTORY)

    def _update_residual(self) -> None:
        """Until a second of echo has been seen through the filter, assume it cancels nothing."""
        if self._ratio_count >= _MIN_RATIOS:
            ratios = self._ratios.last(self._ratio_count)
            self.residual_db = float(min(np.percentile(ratios, _RATIO_PERCENTILE), 0.0))
        else:
            self.residual_db = _YOUNG_RESIDUAL_DB

    def _update_bound(self) -> None:
        """Echo power can be at most what the microphone got, over reference that must have echoed by now."""
        ref = self._ref_power.last(self._bound_frames - self._delay_frames, skip=self._delay_frames)
        if _db(float(ref.mean())) <= _ACTIVE_DB:
            return
        mic = self._mic_power.last(self._bound_frames)
        # Line noise is not echo: take off the noise floor (a low percentile of the noise, so a little stays).
        noise = 10.0 ** (self._mic_floor_db / 10.0) if self._mic_floor_db is not None else 0.0
        measured = _db(max(float(mic.sum()) - noise * len(mic), 0.0)) - _db(float(ref.sum()))
        self.gain_bound_db = min(self.gain_bound_db + 0.5, measured)

    def _aligned(self, ref: np.ndarray, lag: int) -> np.ndarray:
        """The stretch of the reference window that a filter starting at `lag` sees over the mic window."""
        d, taps = self.max_delay, self.taps
        return ref[d - lag + 1:d + taps - lag + self._fit_len]

    def _autocorrelation(self, segment: np.ndarray) -> np.ndarray:
        spec = np.fft.rfft(segment, self._nfft)
        return np.fft.irfft(spec * np.conj(spec), self._nfft)[: self.taps]

    def _solve(self, acf: np.ndarray, p: np.ndarray) -> np.ndarray:
        loaded = acf.copy()
        loaded[0] = loaded[0] * 1.001 + 1e-3 * self._fit_len
        return solve_toeplitz(loaded, p)

    @staticmethod
    def _residual(mic_energy: float, filt: np.ndarray, acf: np.ndarray, p: np.ndarray) -> float:
        """Energy left in the window after subtracting `filt`'s echo estimate (least-squares identity)."""
        own = np.correlate(filt, filt, mode="full")[len(filt) - 1:]  # fᵀ·Toeplitz(acf)·f without the matrix
        return mic_energy - 2.0 * float(filt @ p) + float(acf[0] * own[0] + 2.0 * (acf[1:] @ own[1:]))

    @staticmethod
    def _active(segment: np.ndarray) -> np.ndarray:
        """Per 20 ms of a stretch of reference: whether the bot was audibly talking."""
        usable = len(segment) // FRAME_SAMPLES * FRAME_SAMPLES
        power = np.mean(segment[:usable].reshape(-1, FRAME_SAMPLES) ** 2, axis=1) / 32768.0**2
        return power > 10.0 ** (_ACTIVE_DB / 10.0)

    def _fit(self) -> None:
        """Updates the echo path from the last window.

        Statistics accumulate over windows while the path stays put, so the filter fits all the sounds the bot
        made lately, not just the last 0.6 s. A correlation peak elsewhere starts over only when a fresh fit
        explains the window clearly better than the accumulated one (a moved phone, not a caller talking).
        """
        w, d, taps = self._fit_len, self.max_delay, self.taps
        ref = self._ref.last(w + d + taps)
        if np.mean(self._active(ref[taps:])) < 0.2:
            return
        mic = self._mic.last(w)
        mic_energy = float(mic @ mic)
        if mic_energy <= 0.0:
            return
        cross = np.conj(np.fft.rfft(mic, self._nfft)) * np.fft.rfft(ref, self._nfft)
        # corr[j] = Σ mic[n]·ref[n + j]; the echo lag k (mic behind reference by k samples) is j = d + taps - k.
        phat = np.where(self._band_bins, cross / (np.abs(cross) + 1e-9), 0.0)
        gcc = np.fft.irfft(phat, self._nfft)[taps:d + taps + 1]
        peak_lag = max(0, d - int(np.argmax(gcc)) - self._pre)
        corr = np.fft.irfft(cross, self._nfft)

        def statistics(lag: int) -> tuple[np.ndarray, np.ndarray] | None:
            aligned = self._aligned(ref, lag)
            if np.mean(self._active(aligned)) < 0.3:  # too little of the bot's voice can have reached the window
                return None
            j_first = d + taps - lag
            return self._autocorrelation(aligned), corr[j_first - taps + 1:j_first + 1][::-1]

        best: tuple[float, np.ndarray, tuple[int, np.ndarray, np.ndarray]] | None = None
        learning = True
        if self._acc is not None and self.filter is not None:
            lag, acc_acf, acc_p = self._acc
            window = statistics(lag)
            if window is not None:
                now = self._residual(mic_energy, self.filter, *window)
                quiet_caller = self._mic_ticks - self._near_end_tick > w // FRAME_SAMPLES
                typical = _erle(mic_energy, now) >= self.erle_db - _DOUBLE_TALK_DB
                if (quiet_caller and typical) or self._suspect >= _MAX_SUSPECT:
                    acc = (lag, _FORGET * acc_acf + window[0], _FORGET * acc_p + window[1])
                    filt = self._solve(acc[1], acc[2])
                    best = (self._residual(mic_energy, filt, *window), filt, acc)
                    self._suspect = 0
                else:  # far more left than usual: the caller talks over the bot (or the path moved)
                    self._suspect += 1
                    learning = False
                    best = (now, self.filter, self._acc)
        if self._acc is None or not self._acc[0] <= peak_lag + self._pre < self._acc[0] + taps:
            window = statistics(peak_lag)
            if window is not None:
                filt = self._solve(*window)
                residual = self._residual(mic_energy, filt, *window)
                if self._acc is None:
                    better = residual < mic_energy * 0.5  # a path must carry half the window's energy (3 dB)
                else:
                    # A moved path: the window's own fit always looks better on it, so it must be far better
                    # (6 dB) and carry most of the window, and the next window must find the same peak.
                    better = residual < 0.25 * min(mic_energy, best[0] if best else np.inf)
                    confirmed = self._candidate_lag is not None and abs(self._candidate_lag - peak_lag) < taps // 2
                    self._candidate_lag = peak_lag if better else None
                    better = better and confirmed
                if better:
                    best = (residual, filt, (peak_lag, *window))
                    learning, self._suspect, self._candidate_lag = True, 0, None
                    self.erle_db = _erle(mic_energy, residual)
                    self._ratio_count = 0  # the old filter's residuals say nothing about the new one
        if best is None or not learning:
            return
        self.fits += 1
        residual, filt, acc = best
        self._acc = acc
        self.filter, self.lag = filt, acc[0]
        self.erle_db += 0.3 * (_erle(mic_energy, residual) - self.erle_db)
