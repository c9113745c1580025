"""A call's recording: one stereo WAV (caller left, bot right) written as the call goes, frame by frame on
the line's clock so both sides stay in step however long the call, and the timed transcript.

The transcript is also journaled line by line beside the WAV, so a crash of the web process mid-call loses
neither: `recover_wav` and `read_journal` make the call whole again at the next start.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import wave
from pathlib import Path
from typing import Any

import numpy as np

from telephony.audio_codec import FRAME_SAMPLES, LINE_RATE, pcm_bytes, stereo

log = logging.getLogger("claimbot.phone")

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_WAV_HEADER_BYTES = 44  # what the wave module writes for 16-bit PCM
_STEREO_FRAME_BYTES = 4
_CALL_FACTS = "call"  # key of the journal line that holds note_call's facts


def _stereo_writer(path: Path) -> wave.Wave_write:
    """16-bit stereo at the line rate: caller left, bot right."""
    out = wave.open(str(path), "wb")  # noqa: SIM115 - the caller closes it
    out.setnchannels(2)
    out.setsampwidth(2)
    out.setframerate(LINE_RATE)
    return out


def journal_path(wav_path: Path) -> Path:
    return wav_path.with_suffix(".transcript.jsonl")


class CallRecording:
    def __init__(self, directory: Path, call_sid: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{_SAFE.sub('_', call_sid)}.wav"
        self._wav = _stereo_writer(self.path)  # open for the whole call, closed in close()
        self.frames = 0
        self.transcript: list[dict[str, Any]] = []
        self.journal = journal_path(self.path)
        self._journal = self.journal.open("w", encoding="utf-8")  # closed in close()
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
        self._journal_line(entry)

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()  # patches the header with the real length
            self._wav = None
        self._journal.close()

    def note_call(self, **facts: Any) -> None:
        """Facts about the call that a recovery after a crash needs (the call time the dialogue used)."""
        self._journal_line({_CALL_FACTS: facts})

    def _journal_line(self, item: dict[str, Any]) -> None:
        if not self._journal.closed:
            self._journal.write(json.dumps(item, ensure_ascii=False) + "\n")
            self._journal.flush()

    def discard_journal(self) -> None:
        """The transcript is in the database now."""
        self._journal.close()
        self.journal.unlink(missing_ok=True)


def recover_wav(path: Path) -> float:
    """Patches the header of a recording whose writer died before doing so; returns its seconds.

    The audio was written as the call went, so all of it up to the crash is there (less what the file buffer
    held: at most a quarter second). The sizes are patched in place, so a second crash here loses nothing."""
    if not path.exists():
        return 0.0
    size = path.stat().st_size
    if size < _WAV_HEADER_BYTES:  # died before the first frame: an empty recording
        _stereo_writer(path).close()
        return 0.0
    data = size - _WAV_HEADER_BYTES
    data -= data % _STEREO_FRAME_BYTES
    with path.open("r+b") as f:
        f.truncate(_WAV_HEADER_BYTES + data)
        f.seek(4)
        f.write(struct.pack("<I", _WAV_HEADER_BYTES - 8 + data))
        f.seek(_WAV_HEADER_BYTES - 4)
        f.write(struct.pack("<I", data))
    return data / _STEREO_FRAME_BYTES / LINE_RATE


def read_journal(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the call's facts, the journaled transcript); a line torn by the crash is left out."""
    facts: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    if not path.exists():
        return facts, entries
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            log.warning("%s: torn transcript line left out", path.name)
            continue
        if isinstance(item, dict) and set(item) == {_CALL_FACTS}:
            facts.update(item[_CALL_FACTS])
        elif isinstance(item, dict):
            entries.append(item)
    return facts, entries
