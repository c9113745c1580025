"""Text → line audio (int16 at 8 kHz) for what the bot says on the phone.

Engines: "espeak" goes through pyttsx3's espeak driver (in-process libespeak-ng); "espeak-ng" runs the
espeak-ng command with the same voice and rate, for machines where the library route is unavailable.
Static prompts are made once and kept in memory and on disk, so a call never waits for them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import subprocess
import tempfile
import threading
import wave
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from telephony.audio_codec import LINE_RATE, read_wav, resample, write_wav

log = logging.getLogger("claimbot.tts")

ENGINES = ("espeak", "espeak-ng")

# pyttsx3 keeps one engine per driver per process and libespeak-ng one synthesis callback: every synthesis in
# the process, whatever Synthesizer asked for it, goes through this lock (they take ~10-50 ms each).
_engine_lock = threading.Lock()


def prompt_cache_key(engine: str, voice: str, rate: int, text: str) -> str:
    """Stable name of one synthesized text: the same inputs give the same key in every process."""
    payload = json.dumps([engine, voice, int(rate), text], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _Pyttsx3Espeak:
    """pyttsx3's espeak driver, made to wait for its file.

    Its runAndWait returns as soon as libespeak-ng *starts* synthesizing (espeak runs in retrieval mode, on a
    thread of its own), so the WAV may not exist yet when it returns — pyttsx3 issue #219, still so in 2.99 for
    anything longer than a few words. The driver announces "finished-utterance" after writing the file; this
    waits for that. The engine is kept referenced here because the driver only holds a weak proxy to it.
    """

    TIMEOUT_S = 30.0

    def __init__(self) -> None:
        import pyttsx3

        self._done = threading.Event()
        self._error: BaseException | None = None
        self.engine = pyttsx3.init("espeak")
        self.engine.connect("finished-utterance", self._on_finished)
        self.engine.connect("error", self._on_error)

    def _on_finished(self, **_: object) -> None:
        self._done.set()

    def _on_error(self, exception: BaseException | None = None, **_: object) -> None:
        self._error = exception
        self._done.set()

    def save(self, text: str, wav: Path, voice: str, rate: int) -> None:
        """Caller holds _engine_lock: one synthesis at a time in the process."""
        self._done.clear()
        self._error = None
        self.engine.setProperty("voice", voice)
        self.engine.setProperty("rate", rate)
        # The driver prints "Audio saved to …" (from espeak's thread, before it signals): keep it off the console.
        with contextlib.redirect_stdout(io.StringIO()):
            self.engine.save_to_file(text, str(wav))
            self.engine.runAndWait()
            finished = self._done.wait(self.TIMEOUT_S)
        if self._error is not None:
            raise RuntimeError(f"语音合成出错：{self._error}") from self._error
        if not finished:
            raise RuntimeError(f"语音合成超过 {self.TIMEOUT_S:.0f} 秒没有完成")


@lru_cache(maxsize=1)
def _pyttsx3_espeak() -> _Pyttsx3Espeak:
    return _Pyttsx3Espeak()


def _read_or_empty(wav: Path) -> tuple[np.ndarray, int]:
    try:
        return read_wav(wav)
    except (EOFError, wave.Error, ValueError):
        return np.zeros(0, dtype=np.int16), LINE_RATE


class Synthesizer:
    """Blocking by design (pyttsx3 runs its own loop); from asyncio call it through asyncio.to_thread."""

    def __init__(self, engine: str = "espeak", voice: str = "cmn", rate: int = 175,
                 cache_dir: Path | None = None) -> None:
        if engine not in ENGINES:
            raise ValueError(f"不支持的语音合成引擎 {engine!r}，可选：{', '.join(ENGINES)}")
        self.engine, self.voice, self.rate = engine, voice, int(rate)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.synth_count = 0  # real syntheses done, so tests can tell a cache hit from a new synthesis
        self._memory: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()

    def cache_key(self, text: str) -> str:
        return prompt_cache_key(self.engine, self.voice, self.rate, text)

    def synthesize(self, text: str) -> np.ndarray:
        """Speech for the text as int16 at LINE_RATE; empty text gives empty audio."""
        if not text.strip():
            return np.zeros(0, dtype=np.int16)
        fd, name = tempfile.mkstemp(prefix="claimbot-tts-", suffix=".wav")
        os.close(fd)
        wav = Path(name)
        try:
            with _engine_lock:
                pcm, rate = self._to_pcm(text, wav)
                self.synth_count += 1
        finally:
            wav.unlink(missing_ok=True)
        if pcm.size == 0:
            raise RuntimeError(f"语音合成没有产生声音（引擎 {self.engine}，音色 {self.voice}）")
        return resample(pcm, rate, LINE_RATE)

    def _to_pcm(self, text: str, wav: Path) -> tuple[np.ndarray, int]:
        """pyttsx3 now and then leaves an empty file when used from several threads (seen in CI): try it again,
        then speak through the espeak-ng command with the same voice, so the caller always hears the reply."""
        if self.engine == "espeak":
            for _ in range(2):
                self._pyttsx3_to_file(text, wav)
                pcm, rate = _read_or_empty(wav)
                if pcm.size:
                    return pcm, rate
            log.warning("pyttsx3 gave no audio twice; using the espeak-ng command for this text")
        self._espeak_ng_to_file(text, wav)
        return _read_or_empty(wav)

    def _pyttsx3_to_file(self, text: str, wav: Path) -> None:
        _pyttsx3_espeak().save(text, wav, self.voice, self.rate)

    def _espeak_ng_to_file(self, text: str, wav: Path) -> None:
        subprocess.run(["espeak-ng", "-v", self.voice, "-s", str(self.rate), "-w", str(wav), "--", text],
                       check=True, capture_output=True, timeout=60)

    def cached(self, text: str) -> np.ndarray:
        """Speech for a static prompt: synthesized at most once per cache, then served from memory or disk.

        The same array object is returned every time; callers must not modify it.
        """
        key = self.cache_key(text)
        with self._cache_lock:
            pcm = self._memory.get(key)
            if pcm is not None:
                return pcm
            path = self.cache_dir / f"{key}.wav" if self.cache_dir else None
            if path is not None and path.is_file():
                pcm, rate = read_wav(path)
                pcm = resample(pcm, rate, LINE_RATE)
            else:
                pcm = self.synthesize(text)
                if path is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    partial = path.with_suffix(f".{os.getpid()}.tmp")
                    write_wav(partial, pcm, LINE_RATE)
                    partial.replace(path)  # another process never reads a half-written prompt
            pcm.setflags(write=False)
            self._memory[key] = pcm
            return pcm

    def warm(self, texts: Iterable[str]) -> int:
        """Makes every given prompt ready ahead of calls; returns how many distinct prompts that was."""
        distinct = list(dict.fromkeys(texts))
        for text in distinct:
            self.cached(text)
        return len(distinct)

