"""The speech engines one server shares between its calls: the recognizer model (loaded once, a fresh
recognizer per call), the synthesizer with the static prompts synthesized at start, and the threads
that run them off the event loop."""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bot.slot_spec import REPO_ROOT
from telephony.config import PhoneConfig
from telephony.model_location import configured_model_path
from telephony.phone_prompts import all_phone_prompts, phone_prompt
from telephony.recognizer import Recognizer, VoskRecognizer, load_digit_words, load_vosk_model, model_from_settings
from telephony.tts import Synthesizer

log = logging.getLogger("claimbot.phone")

RESPONSES_FILE = REPO_ROOT / "domain" / "responses.yml"
_SENTENCE_END = re.compile(r"(?<=[。！？；])")


def speech_pieces(text: str) -> list[str]:
    """A reply is spoken sentence by sentence, so its first sentence plays while the rest is synthesized;
    static prompts are cached in the same pieces."""
    return [piece for piece in _SENTENCE_END.split(text) if piece.strip()]


def static_prompt_texts(path: Path = RESPONSES_FILE) -> list[str]:
    """Every bot response without slots to fill in, plus the phone-only prompts: said often, so synthesized once."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts = [variant["text"] for variants in (data.get("responses") or {}).values() for variant in variants
             if isinstance(variant, dict) and "{" not in variant.get("text", "{")]
    return texts + list(all_phone_prompts().values())


class RecognizerPool:
    """Recognizers made and warmed before the calls come: a fresh recognizer's first utterance costs about
    twice the CPU of later ones (1.2–2.3 s for a 4 s utterance on the Korean model), heard as a slow first
    answer. A call takes one and gives it back; beyond the pool a fresh one is made."""

    def __init__(self, make: Callable[[], Recognizer], size: int) -> None:
        self.make = make
        self.size = size
        self._idle: deque[Recognizer] = deque()
        self._lock = threading.Lock()

    def fill(self, warm_audio: np.ndarray) -> int:
        while len(self._idle) < self.size:
            rec = self.make()
            warm_up = getattr(rec, "warm_up", None)
            if warm_up is not None:
                warm_up(warm_audio)
            with self._lock:
                self._idle.append(rec)
        return len(self._idle)

    def acquire(self) -> Recognizer:
        with self._lock:
            if self._idle:
                return self._idle.popleft()
        return self.make()

    def release(self, rec: Recognizer) -> None:
        rec.reset()
        rec.set_digits_mode(False)
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(rec)


@dataclass
class PhoneEngines:
    recognizer_factory: Callable[[], Recognizer]
    synthesizer: Synthesizer
    static_texts: set[str] = field(default_factory=set)
    synth_pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2, "tts"))
    recognizers: RecognizerPool | None = None
    warmed: bool = False  # prompts cached and recognizers warm: first answers are as quick as later ones

    def warm(self) -> int:
        """Static prompts synthesized, then the recognizer pool filled and warmed on the greeting's audio."""
        pieces = [piece for text in static_prompt_texts() for piece in speech_pieces(text)]
        self.static_texts = set(pieces)
        count = self.synthesizer.warm(pieces)
        if self.recognizers is not None:
            self.recognizers.fill(np.concatenate([self.synthesizer.cached(p) for p in pieces[:4]]))
        self.warmed = True
        return count

    def acquire_recognizer(self) -> Recognizer:
        return self.recognizers.acquire() if self.recognizers is not None else self.recognizer_factory()

    def release_recognizer(self, rec: Recognizer) -> None:
        if self.recognizers is not None:
            self.recognizers.release(rec)

    def speech(self, text: str) -> np.ndarray:
        """Line audio for a text: from the cache when it is a static prompt."""
        if text in self.static_texts:
            return self.synthesizer.cached(text)
        return self.synthesizer.synthesize(text)

    def prompt(self, key: str) -> tuple[str, np.ndarray]:
        text = phone_prompt(key)
        return text, self.synthesizer.cached(text)


def vosk_engines(config: PhoneConfig, model_path: str | None = None) -> PhoneEngines:
    """Engines on the configured Vosk model; ModelNotConfiguredError (naming the setting) when there is none."""
    path = model_path or configured_model_path()
    model_from_settings(path)  # raises the clear error when the path is unset or not a model
    model = load_vosk_model(path)
    digits = load_digit_words(path)
    synthesizer = Synthesizer(config.tts_engine, config.tts_voice, config.tts_rate, config.tts_cache_dir)
    def make() -> Recognizer:
        return VoskRecognizer(model, digits)

    return PhoneEngines(make, synthesizer, recognizers=RecognizerPool(make, config.max_calls))
