"""A call's recording: one stereo WAV (caller left, bot right) written as the call goes, frame by frame on
the line's clock so both sides stay in step however long the call, and the timed transcript."""

from __future__ import annotations

import re
import wave
from pathlib import Path
from typing import Any

import numpy as np

from telephony.audio_codec import FRAME_SAMPLES, LINE_RATE, pcm_bytes, stereo

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class CallRecording:
    def __init__(self, directory: Path, call_sid: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{_SAFE.sub('_', call_sid)}.wav"
        self._wav = wave.open(str(self.path), "wb")  # noqa: SIM115 - open for the whole call, closed in close()
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(LINE_RATE)
        self.frames = 0
        self.transcript: list[dict[str, Any]] = []
        self._silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)

    @property
    def seconds(self) -> float:
        return self.frames * FRAME_SAMPLES / LINE_RATE

    def write(self, caller: np.ndarray, bot: np.ndarray | None) -> None:
        """One 20 ms tick of the line: what the caller sent and what the bot played in it."""
        if self._wav is None:
            return
        self._wav.writeframesraw(pcm_bytes(stereo(caller, self._silence if bot is None else bot)))
        self.frames += 1

    def say(self, role: str, text: str, kind: str = "final", start_s: float | None = None, **extra: Any) -> None:
        entry = {"role": role, "text": text, "kind": kind, "t": round(self.seconds if start_s is None else start_s, 2),
                 **extra}
        self.transcript.append(entry)

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()  # patches the header with the real length
            self._wav = None
