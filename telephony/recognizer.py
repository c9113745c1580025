"""Streaming speech recognition for the phone line, behind one small interface.

The call session feeds 8 kHz line audio frame by frame, shows the partial text, and ends each utterance when
its own voice-activity detector says so; it never learns which engine is underneath. `VoskRecognizer` is the
real engine; `ScriptedRecognizer` replays fixed texts so dialogue-over-phone tests need no acoustic model.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import yaml

from telephony.audio_codec import LINE_RATE, StreamResampler, pcm_bytes, resample, to_int16
from telephony.config import MODEL_SETTING
from telephony.model_location import missing_model_parts, supports_runtime_grammar

if TYPE_CHECKING:
    import vosk

log = logging.getLogger(__name__)

DIGIT_WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "telephony" / "digit_words.yml"
DEFAULT_MODEL_RATE = 16000
# Spellings of "some word outside the grammar" across Vosk models; the docs' advice is "[unk]", the Korean
# model spells it "<UNK>". Never part of the text handed on.
UNKNOWN_WORDS = ("[unk]", "<unk>", "<UNK>")
INSTALL_HINT = "请用 `claimbot models install <模型 zip 或目录>` 安装中文模型，或设置 CLAIMBOT_VOSK_MODEL 指向模型目录。"


@dataclass(frozen=True)
class RecognitionResult:
    text: str
    audio_s: float  # line audio fed for this utterance
    cpu_s: float    # CPU time this recognizer spent on it (resampling and decoding)

    @property
    def rtf(self) -> float:
        """Real-time factor: below 1 keeps up with the caller on one core."""
        return self.cpu_s / self.audio_s if self.audio_s > 0 else 0.0


class Recognizer(Protocol):
    sample_rate: int  # rate of the audio accept() takes: LINE_RATE

    def accept(self, pcm: np.ndarray) -> str: ...
    def settle(self) -> None: ...
    def finish(self) -> RecognitionResult: ...
    def reset(self) -> None: ...
    def set_digits_mode(self, on: bool) -> None: ...


class ModelNotConfiguredError(RuntimeError):
    """No usable recognition model: the phone channel cannot start, and the message says how to fix it."""


# ---------------------------------------------------------------- models

_load_lock = threading.Lock()
_models: dict[Path, vosk.Model] = {}
_model_dirs: weakref.WeakKeyDictionary[vosk.Model, Path] = weakref.WeakKeyDictionary()
_grammar_warned: set[str] = set()


def _vosk():
    """vosk, imported on first use with its Kaldi chatter turned off."""
    import vosk

    vosk.SetLogLevel(-1)
    return vosk


def model_sample_rate(path: str | Path) -> int:
    """The rate the model was trained at (conf/mfcc.conf `--sample-frequency`), 16 kHz when not stated."""
    conf = Path(path) / "conf" / "mfcc.conf"
    if conf.is_file():
        for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
            name, _, value = line.strip().partition("=")
            if name == "--sample-frequency" and value:
                return int(float(value))
    return DEFAULT_MODEL_RATE


def load_vosk_model(path: str | Path) -> vosk.Model:
    """The model in this folder, loaded once per process (loading takes seconds and much memory)."""
    root = Path(path).expanduser().resolve()
    with _load_lock:
        model = _models.get(root)
        if model is not None:
            return model
        missing = missing_model_parts(root)
        if missing:
            raise ModelNotConfiguredError(f"{root} 不是完整的 Vosk 模型，缺少：{'、'.join(missing)}。{INSTALL_HINT}")
        started = time.perf_counter()
        try:
            model = _vosk().Model(str(root))
        except Exception as exc:
            raise ModelNotConfiguredError(f"无法加载语音识别模型 {root}（文件可能已损坏）。{INSTALL_HINT}") from exc
        log.info("Vosk model %s loaded in %.1f s", root, time.perf_counter() - started)
        _models[root] = model
        _model_dirs[model] = root
        return model


def model_from_settings(path: str | None) -> vosk.Model:
    """The configured model, or an error whose text tells the operator what to do."""
    if not path or not str(path).strip():
        raise ModelNotConfiguredError(f"还没有配置语音识别模型（设置 {MODEL_SETTING} 为空）。{INSTALL_HINT}")
    root = Path(str(path).strip()).expanduser()
    if not root.is_dir():
        raise ModelNotConfiguredError(f"{MODEL_SETTING} 指向的模型目录不存在：{root}。{INSTALL_HINT}")
    return load_vosk_model(root)


@lru_cache(maxsize=8)
def digit_words(lang: str) -> list[str]:
    """Words for digits in one language, from `data/telephony/digit_words.yml`."""
    table = yaml.safe_load(DIGIT_WORDS_FILE.read_text(encoding="utf-8")) or {}
    if lang not in table:
        raise KeyError(f"{DIGIT_WORDS_FILE} 里没有语言 {lang!r}（有：{', '.join(sorted(table))}）")
    return [str(w) for w in table[lang]]


def load_digit_words(model_path: str | Path | None = None) -> list[str]:
    """Digit words for a model: every language's, since VoskRecognizer keeps only what the model knows.

    The path is accepted so a caller need not know the model's language; it does not narrow the list.
    """
    table = yaml.safe_load(DIGIT_WORDS_FILE.read_text(encoding="utf-8")) or {}
    return list(dict.fromkeys(w for lang in table for w in digit_words(lang)))


# ---------------------------------------------------------------- text

_HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def _tidy(words: Iterable[str]) -> str:
    """Vosk separates every word by a space; Chinese is written without them, Korean keeps them."""
    kept = [w for part in words for w in part.split() if w not in UNKNOWN_WORDS]
    return _HAN_GAP.sub("", " ".join(kept))


# ---------------------------------------------------------------- Vosk

PARTIAL_EVERY_BLOCKS = 10


class VoskRecognizer:
    """Vosk (Kaldi) streaming recognizer over 8 kHz line audio.

    Vosk may detect an endpoint of its own inside what our VAD treats as one utterance (a pause mid-sentence);
    those pieces are collected so finish() returns the whole utterance. The digits grammar lives in a second
    Kaldi recognizer: switching one recognizer's grammar back to the full language model throws away its warm
    lookahead caches (measured: the next utterance then costs 1.6 s of CPU instead of 0.2 s). The mode is
    chosen per utterance, since Vosk cannot change course mid-decode.
    """

    def __init__(self, model: vosk.Model, digits_words: list[str], *, model_rate: int | None = None,
                 grammar_capable: bool | None = None) -> None:
        vosk_mod = _vosk()
        model_dir = _model_dirs.get(model)
        self.sample_rate = LINE_RATE
        self.model_rate = model_rate or (model_sample_rate(model_dir) if model_dir else DEFAULT_MODEL_RATE)
        # A model not loaded through load_vosk_model is simply tried: Vosk ignores a grammar it cannot use.
        self.grammar_capable = grammar_capable if grammar_capable is not None else (
            supports_runtime_grammar(model_dir) if model_dir else True)
        self._model_label = str(model_dir or "model")
        self.grammar_words = self._grammar_for(model, digits_words)
        self._free = vosk_mod.KaldiRecognizer(model, float(self.model_rate))
        self._digits = None
        if self.grammar_capable:
            grammar = json.dumps(self.grammar_words, ensure_ascii=False)
            self._digits = vosk_mod.KaldiRecognizer(model, float(self.model_rate), grammar)
        self._rec = self._free
        self._resampler = StreamResampler(LINE_RATE, self.model_rate)
        self._digits_wanted = False
        self.digits_active = False
        # The session decodes on a worker thread but may switch digits mode from its event loop; Vosk must never
        # see SetGrammar during AcceptWaveform.
        self._lock = threading.Lock()
        self._clear()

    @staticmethod
    def _grammar_for(model: vosk.Model, words: list[str]) -> list[str]:
        """The digit words this model knows, plus its garbage word so other speech is not forced onto digits."""
        known = list(dict.fromkeys(w for w in words if model.vosk_model_find_word(w) >= 0))
        garbage = [w for w in UNKNOWN_WORDS if model.vosk_model_find_word(w) >= 0]
        # "[unk]" stays in even when the model lacks it (Vosk then just skips it), as its docs advise.
        return known + (garbage or ["[unk]"])

    def _clear(self) -> None:
        self._segments: list[str] = []
        self._partial = ""
        self._blocks = 0
        self._fed = 0
        self._unsettled = 0  # samples fed since the last final result
        self._cpu = 0.0
        self._resampler.reset()

    def _decode(self, block: np.ndarray) -> None:
        if block.size == 0:
            return
        self._blocks += 1
        if self._rec.AcceptWaveform(pcm_bytes(block)):
            self._segments.append(json.loads(self._rec.Result()).get("text", ""))
            self._partial = ""
        elif self._blocks % PARTIAL_EVERY_BLOCKS == 0:
            # A partial walks the decoding lattice: every 200 ms is live enough and costs a tenth as much.
            self._partial = json.loads(self._rec.PartialResult()).get("partial", "")

    def accept(self, pcm: np.ndarray) -> str:
        """Feeds line audio; returns the words heard so far in this utterance."""
        samples = to_int16(np.asarray(pcm)).reshape(-1)
        with self._lock:
            started = time.thread_time()  # this thread only: other calls decoding in parallel do not count
            self._fed += len(samples)
            self._unsettled += len(samples)
            self._decode(self._resampler.push(samples))
            self._cpu += time.thread_time() - started
            return _tidy([*self._segments, self._partial])

    def settle(self) -> None:
        """The caller has paused: finalize what was said so far, so that finish() has next to nothing left to
        do if the pause turns out to be the end of the turn. Vosk's final result costs only some 25 ms of CPU,
        but on a busy machine the wait for it sat on the response time. Speech after the pause starts a new
        Kaldi utterance, as after Vosk's own endpoints, and finish() joins the pieces."""
        with self._lock:
            if not self._unsettled:
                return
            started = time.thread_time()
            self._decode(self._resampler.flush())
            self._segments.append(json.loads(self._rec.FinalResult()).get("text", ""))
            self._partial = ""
            self._unsettled = 0
            self._cpu += time.thread_time() - started

    def finish(self) -> RecognitionResult:
        with self._lock:
            started = time.thread_time()
            self._decode(self._resampler.flush())
            final = json.loads(self._rec.FinalResult()).get("text", "") if self._unsettled else ""
            cpu = self._cpu + time.thread_time() - started
            text = _tidy([*self._segments, final])
            result = RecognitionResult(text=text, audio_s=self._fed / LINE_RATE, cpu_s=cpu)
            self._clear()
            self._apply_grammar()
            return result

    def reset(self) -> None:
        with self._lock:
            if self._unsettled:
                self._rec.FinalResult()  # finalizing (not Reset) makes Vosk start the next utterance from scratch
            self._clear()
            self._apply_grammar()

    def warm_up(self, pcm: np.ndarray) -> None:
        """Decodes some speech and forgets it: a new recognizer's first utterance costs about twice the CPU of
        later ones, which a caller would hear as a slow first answer."""
        with self._lock:
            audio = pcm_bytes(resample(to_int16(pcm), LINE_RATE, self.model_rate))
            for rec in (self._free, self._digits):
                if rec is not None:
                    rec.AcceptWaveform(audio)
                    rec.FinalResult()

    def set_digits_mode(self, on: bool) -> None:
        with self._lock:
            self._digits_wanted = on
            if not self._fed:
                self._apply_grammar()

    def _apply_grammar(self) -> None:
        if self._digits_wanted == self.digits_active:
            return
        if not self.grammar_capable:
            if self._model_label not in _grammar_warned:
                _grammar_warned.add(self._model_label)
                log.info("%s has no lookahead graph (Gr.fst/HCLr.fst): digits grammar not used", self._model_label)
            return
        self._rec = self._digits if self._digits_wanted and self._digits is not None else self._free
        self.digits_active = self._digits_wanted


# ---------------------------------------------------------------- scripted

class ScriptedRecognizer:
    """FAKE recognizer for dialogue-over-phone tests: each utterance "recognizes" the next scripted text.

    Audio must still be fed, as on a real line, so a test that forgets to play the caller's audio fails here.
    Partials reveal the scripted text one character per quarter second of audio.
    """

    CHARS_PER_S = 4.0

    def __init__(self, texts: Iterable[str]) -> None:
        self.sample_rate = LINE_RATE
        # A deque is used as given, so a test can add the caller's next words while the call runs.
        self._script: deque[str] = texts if isinstance(texts, deque) else deque(texts)
        self._fed = 0
        self._digits_wanted = False
        self.digits_active = False
        self.heard: list[tuple[str, bool]] = []  # (text, digits mode in effect) per finished utterance
        self.fed_s: list[float] = []  # audio fed per finished utterance
        self.settles = 0

    @property
    def remaining(self) -> int:
        return len(self._script)

    def accept(self, pcm: np.ndarray) -> str:
        self._fed += len(pcm)
        if not self._script:
            return ""
        shown = int(self._fed / LINE_RATE * self.CHARS_PER_S)
        return self._script[0][:shown]

    def settle(self) -> None:
        self.settles += 1

    def finish(self) -> RecognitionResult:
        if not self._fed:
            raise RuntimeError("ScriptedRecognizer.finish()：这句话没有送入任何音频")
        if not self._script:
            raise RuntimeError("ScriptedRecognizer：脚本里的句子已经用完")
        text = self._script.popleft()
        self.heard.append((text, self.digits_active))
        self.fed_s.append(self._fed / LINE_RATE)
        result = RecognitionResult(text=text, audio_s=self._fed / LINE_RATE, cpu_s=0.0)
        self._fed = 0
        self.digits_active = self._digits_wanted
        return result

    def reset(self) -> None:
        self._fed = 0  # the scripted text stays for the caller's next try
        self.digits_active = self._digits_wanted

    def set_digits_mode(self, on: bool) -> None:
        self._digits_wanted = on
        if not self._fed:
            self.digits_active = on
