"""Turns scenario caller text into what a small Mandarin recognizer would hand over.

Why: the bot hears callers through ASR (Vosk-style output), not through typed text. The ASR variant of
a scenario set checks that the NLU copes with what such a recognizer really produces: no punctuation,
words split by spaces, every number spelled out in Chinese numerals (IDs and phones digit by digit,
often with 幺 for one), hesitation fillers, and same-sound character slips on medical terms and hospital
names (the slips come from ``data/terms/asr_confusions.yml``; each keeps the pinyin, so the scenario
stays answerable by a pinyin-aware matcher).

Only caller text changes (opening and answers); ``expect`` and ``now`` are copied untouched. The output
is deterministic for a given seed: every utterance gets its own random stream named after the scenario
id and the field.

Run: ``python -m bot.eval.asr_noise IN OUT`` (defaults: data/scenarios/dev.yml → dev_asr.yml).
"""

from __future__ import annotations

import logging
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba
import yaml

from bot.eval.scenario_builder import DEV_FILE, cn_cardinal, dump_scenarios, load_scenarios

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFUSIONS_FILE = REPO_ROOT / "data" / "terms" / "asr_confusions.yml"
DEV_ASR_FILE = DEV_FILE.with_name("dev_asr.yml")
DEFAULT_SEED = 11

SLIP_CHANCE = 0.3            # per occurrence of a confusable term
MAX_SLIPS = 2                # per utterance, so a sentence stays recoverable
FILLERS = ("嗯", "嗯", "呃", "那个", "就是", "啊")
START_FILLER_CHANCE = 0.2
PAUSE_FILLER_CHANCE = 0.15   # at a pause (where the typed text had punctuation)
SPLIT_DIGITS_CHANCE = 0.5    # a spoken number comes out digit by digit rather than as one word

_DIGIT_WORD = dict(zip("0123456789", "零一二三四五六七八九"))
_PUNCTUATION = re.compile(r"[，。、！？；：,.!?;:\-－—（）()“”\"'‘’《》·…~～]+")
_LONG_NUMBER = re.compile(r"\d[\d\s\-,，、]*[\dXx]")     # ID / phone, possibly grouped (350203,1992…)
_SHORT_NUMBER = re.compile(r"\d+")
_SPOKEN_NUMBER = re.compile(r"[零〇一二两三四五六七八九幺洞拐勾]{4,}(?:叉|艾克斯)?")
_NUMERAL_TOKEN = re.compile(r"^[零〇一二两三四五六七八九幺洞拐勾叉]+$|^艾克斯$")


@dataclass(frozen=True)
class Confusion:
    term: str
    slips: tuple[str, ...]


def load_confusions(path: Path = CONFUSIONS_FILE) -> tuple[Confusion, ...]:
    """The confusion table, longest terms first (so 脑梗死 is tried before 脑梗)."""
    with Path(path).open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    entries = [Confusion(str(item["term"]), tuple(str(slip) for slip in item["slips"]))
               for item in raw.get("confusions", [])]
    return tuple(sorted(entries, key=lambda entry: -len(entry.term)))


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    """A private jieba instance: other modules add user words to the global one, which would change
    the segmentation (and so the committed file) depending on what was imported first."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


class Recognizer:
    """Applies the ASR transformations to one utterance at a time."""

    def __init__(self, confusions: Sequence[Confusion]):
        self.confusions = {entry.term: entry.slips for entry in confusions}
        pattern = "|".join(re.escape(entry.term) for entry in confusions)
        self._terms = re.compile(pattern) if pattern else None

    def transcribe(self, text: str, rng: random.Random) -> str:
        text = self._slip(text, rng)
        text = self._speak_numbers(text, rng)
        chunks = [chunk for chunk in _PUNCTUATION.sub(" ", text).split() if chunk]
        words: list[str] = []
        if chunks and rng.random() < START_FILLER_CHANCE:
            words.append(rng.choice(FILLERS))
        for index, chunk in enumerate(chunks):
            tokens = self._segment(chunk, rng)
            between_numbers = bool(words and tokens) and _is_numeral(words[-1]) and _is_numeral(tokens[0])
            if index and tokens and not between_numbers and rng.random() < PAUSE_FILLER_CHANCE:
                words.append(rng.choice(FILLERS))
            words.extend(tokens)
        return " ".join(words)

    # -- steps ---------------------------------------------------------------------------------
    def _slip(self, text: str, rng: random.Random) -> str:
        if self._terms is None:
            return text
        slips = 0

        def replace(match: re.Match) -> str:
            nonlocal slips
            if slips >= MAX_SLIPS or rng.random() >= SLIP_CHANCE:
                return match.group(0)
            slips += 1
            return rng.choice(self.confusions[match.group(0)])

        return self._terms.sub(replace, text)

    def _speak_numbers(self, text: str, rng: random.Random) -> str:
        style = _digit_style(rng)
        x_word = rng.choice(("叉", "叉", "艾克斯"))

        def long_number(match: re.Match) -> str:
            raw = match.group(0)
            if sum(char.isdigit() for char in raw) < 7:
                return raw  # a short number next to a space: handled below
            groups = [group for group in re.split(r"[\s\-,，、]+", raw) if group]
            return " ".join("".join(x_word if char in "Xx" else style[char] for char in group)
                            for group in groups)

        text = _LONG_NUMBER.sub(long_number, text)

        def short_number(match: re.Match) -> str:
            digits, after = match.group(0), text[match.end():match.end() + 2]
            if after.startswith(("年", "医院")) or digits.startswith("0") or len(digits) > 4:
                # years, 301医院, and groups nobody says as one number (350203): digit by digit
                return "".join(_DIGIT_WORD[char] for char in digits)
            if digits == "2" and after[:1] in ("天", "个", "根", "次", "周"):
                return "两"
            return cn_cardinal(int(digits))

        text = _SHORT_NUMBER.sub(short_number, text)
        return re.sub(r"[Xx]", lambda _match: x_word, text)

    def _segment(self, chunk: str, rng: random.Random) -> list[str]:
        tokens: list[str] = []
        position = 0
        for match in _SPOKEN_NUMBER.finditer(chunk):
            tokens.extend(_jieba_words(chunk[position:match.start()]))
            number = match.group(0)
            if rng.random() < SPLIT_DIGITS_CHANCE:
                tail = "艾克斯" if number.endswith("艾克斯") else ""
                tokens.extend(list(number[: len(number) - len(tail)]) + ([tail] if tail else []))
            else:
                tokens.append(number)
            position = match.end()
        tokens.extend(_jieba_words(chunk[position:]))
        return tokens


def _jieba_words(text: str) -> list[str]:
    return [word for word in _segmenter().lcut(text) if word.strip()] if text else []


def _is_numeral(token: str) -> bool:
    return bool(_NUMERAL_TOKEN.match(token))


def _digit_style(rng: random.Random) -> dict[str, str]:
    """How this caller reads digits: 幺 for one often, 两 sometimes, the radio words rarely."""
    style = dict(_DIGIT_WORD)
    if rng.random() < 0.7:
        style["1"] = "幺"
    if rng.random() < 0.2:
        style["2"] = "两"
    if rng.random() < 0.05:
        style.update({"0": "洞", "7": "拐", "9": "勾"})
    return style


def asr_variant(scenarios: list[dict], seed: int = DEFAULT_SEED,
                confusions: Sequence[Confusion] | None = None) -> list[dict]:
    """ASR-style copies of the scenarios (ids suffixed ``a``); the input is not modified."""
    recognizer = Recognizer(load_confusions() if confusions is None else confusions)
    out = []
    for scenario in scenarios:
        sid = str(scenario["id"])
        variant = {"id": f"{sid}a", "now": scenario["now"],
                   "opening": recognizer.transcribe(scenario["opening"], _stream(seed, sid, "opening"))}
        variant["answers"] = {slot: recognizer.transcribe(text, _stream(seed, sid, slot))
                              for slot, text in scenario["answers"].items()}
        variant["expect"] = dict(scenario["expect"])
        out.append(variant)
    return out


def spoken_diagnoses(texts: Sequence[str], seed: int = DEFAULT_SEED) -> list[str]:
    """Each diagnosis as a caller reading it off the report comes through the recognizer (the spoken form of
    `claimbot eval terms`)."""
    recognizer = Recognizer(load_confusions())
    return [recognizer.transcribe(text, _stream(seed, str(index), "diagnosis")) for index, text in enumerate(texts)]


def _stream(seed: int, sid: str, field: str) -> random.Random:
    """One random stream per utterance: editing one scenario leaves the others' noise unchanged."""
    return random.Random(f"{seed}-{sid}-{field}")


def asr_header(source: Path, target: Path) -> str:
    """The generated file says where it comes from and how to make it again."""
    return (f"ASR-style variant of {source.name}: caller text as a small Mandarin recognizer would hand it over.\n"
            f"Generated by `python -m bot.eval.asr_noise data/scenarios/{source.name} data/scenarios/{target.name}`;\n"
            "do not edit by hand (a unit test regenerates it and compares).")


def render_asr_file(source: Path, target: Path, seed: int = DEFAULT_SEED) -> str:
    """The text of the ASR variant file for a scenario file."""
    return dump_scenarios(asr_variant(load_scenarios(source), seed), asr_header(source, target))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    source = Path(args[0]) if args else DEV_FILE
    target = Path(args[1]) if len(args) > 1 else DEV_ASR_FILE
    target.write_text(render_asr_file(source, target), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
