"""Pinyin-aware fuzzy matching of a closed vocabulary inside an utterance.

ASR turns a spoken term into a homophone or near-homophone (骨折→骨哲, 脑梗死→脑更死, 瑞金→锐金).
Comparing the characters would miss those, so both the vocabulary and the windows of the input are
compared as toneless pinyin with the usual accent confusions folded together (zh/z, ch/c, sh/s, l/n,
f/h, an/ang, en/eng, in/ing).

Precision comes first: a wrong term is worse than none, because the bot would read it back as fact.
So besides a pinyin score cutoff a window must keep most of the entry's characters in place, two-character
entries only match exact homophones, and a window that is itself a common word (通风 is not 痛风) can be
vetoed by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

import numpy as np
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

T = TypeVar("T")

# Chosen on the measurements in tests/unit/test_pinyin_fuzzy.py: real slips of three characters or more
# score 100 after folding (a homophone) or 85–95 (one near-homophone syllable), while unrelated
# windows that keep enough characters in place stay below 85.
DEFAULT_SCORE_CUTOFF = 85.0

_INITIAL_FOLDS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h"))
_FINAL_FOLDS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def fold_syllable(syllable: str) -> str:
    """Fold one toneless syllable so that the common accent and ASR confusions compare equal."""
    for source, target in _INITIAL_FOLDS:
        if syllable.startswith(source) and len(syllable) > len(source):
            syllable = target + syllable[len(source):]
            break
    for source, target in _FINAL_FOLDS:
        if syllable.endswith(source):
            syllable = syllable[: -len(source)] + target
            break
    return syllable


_INITIALS = ("b", "p", "m", "f", "d", "t", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w")


def _initial(folded: str) -> str:
    return folded[0] if folded and folded[0] in _INITIALS else ""


@lru_cache(maxsize=20000)
def char_key(char: str) -> str:
    """Folded pinyin of one character (the character itself, lower-cased, when it has no pinyin).

    Characters are converted one at a time with their most common reading, so that vocabulary and input
    always get the same key for the same character, whatever surrounds it.
    """
    if not _is_han(char):
        return char.lower()
    return fold_syllable(lazy_pinyin(char)[0])


def pinyin_key(text: str) -> str:
    """Folded pinyin of a string, syllables separated by spaces (脑梗死 → 'lao gen si')."""
    return " ".join(char_key(char) for char in text)


@dataclass(frozen=True)
class FuzzyHit(Generic[T]):
    """One vocabulary entry found in the input; start/end index the searched text."""

    entry: T
    matched_text: str
    start: int
    end: int
    score: float
    surface: str  # the vocabulary string that matched (the term or synonym, not the input)


@dataclass(frozen=True)
class _Group:
    surfaces: tuple[str, ...]
    keys: tuple[str, ...]
    entries: tuple


def _allowed_substitutions(length: int) -> int:
    """How many characters of an entry a slip may change: one in a term of up to four, then one per four."""
    return max(1, length // 4)


class PinyinFuzzyMatcher(Generic[T]):
    """Finds vocabulary entries in text by folded pinyin; build once, search many times.

    ``is_common_word`` vetoes windows that are ordinary words in their own right (a real word is more
    likely meant than a slip). ``anchor_suffixes``: an entry ending in one of them only matches a window
    ending in the same characters (a hospital name must really end in 医院 to be fuzzy-matched).
    """

    def __init__(
        self,
        vocabulary: Iterable[tuple[str, T]],
        *,
        score_cutoff: float = DEFAULT_SCORE_CUTOFF,
        is_common_word: Callable[[str], bool] | None = None,
        anchor_suffixes: Sequence[str] = (),
        min_length: int = 2,
    ) -> None:
        self.score_cutoff = score_cutoff
        self._is_common_word = is_common_word or (lambda _word: False)
        self._anchor_suffixes = tuple(sorted(anchor_suffixes, key=len, reverse=True))
        grouped: dict[int, dict[str, T]] = {}
        for surface, entry in vocabulary:
            if len(surface) < min_length or not all(_is_han(char) for char in surface):
                continue
            grouped.setdefault(len(surface), {}).setdefault(surface, entry)
        self._surfaces = {surface for items in grouped.values() for surface in items}
        self._groups: dict[int, _Group] = {}
        self._by_key: dict[str, list[tuple[str, T]]] = {}
        for length, items in sorted(grouped.items()):
            surfaces = tuple(items)
            keys = tuple(pinyin_key(surface) for surface in surfaces)
            self._groups[length] = _Group(surfaces, keys, tuple(items[s] for s in surfaces))
            for surface, key in zip(surfaces, keys):
                self._by_key.setdefault(key, []).append((surface, items[surface]))

    def __len__(self) -> int:
        return sum(len(group.surfaces) for group in self._groups.values())

    def search(self, text: str, *, blocked: Iterable[tuple[int, int]] = ()) -> list[FuzzyHit[T]]:
        """Non-overlapping hits in ``text``, best first resolved, returned in text order.

        ``blocked`` spans (already matched exactly) are not searched again.
        """
        blocked_chars = set()
        for start, end in blocked:
            blocked_chars.update(range(start, end))
        usable = [_is_han(char) and index not in blocked_chars for index, char in enumerate(text)]
        keys = [char_key(char) for char in text]
        candidates: list[FuzzyHit[T]] = []
        for length, group in self._groups.items():
            starts = [
                start
                for start in range(len(text) - length + 1)
                if all(usable[start:start + length])
            ]
            if not starts:
                continue
            windows = [" ".join(keys[start:start + length]) for start in starts]
            if length <= 2:
                candidates.extend(self._exact_hits(text, starts, windows, length))
                continue
            scores = process.cdist(
                windows, group.keys, scorer=fuzz.ratio, score_cutoff=self.score_cutoff,
                dtype=np.uint8, workers=1,
            )
            for row, column in zip(*np.nonzero(scores)):
                start = starts[row]
                hit = self._accept(text, start, length, group.surfaces[column], group.entries[column],
                                   float(scores[row, column]))
                if hit is not None:
                    candidates.append(hit)
        return _resolve_overlaps(candidates)

    def lookup(self, text: str) -> FuzzyHit[T] | None:
        """Best entry for a whole short answer (e.g. the reply to 'which hospital?'), or None."""
        hits = [hit for hit in self.search(text) if hit.start == 0 and hit.end == len(text)]
        return hits[0] if hits else None

    def _exact_hits(self, text: str, starts: list[int], windows: list[str], length: int) -> list[FuzzyHit[T]]:
        hits = []
        for start, window in zip(starts, windows):
            for surface, entry in self._by_key.get(window, ()):
                if len(surface) != length:
                    continue
                hit = self._accept(text, start, length, surface, entry, 100.0)
                if hit is not None:
                    hits.append(hit)
        return hits

    def _accept(self, text: str, start: int, length: int, surface: str, entry: T,
                score: float) -> FuzzyHit[T] | None:
        said = text[start:start + length]
        if said in self._surfaces:
            return None  # a vocabulary word itself belongs to the exact matcher, which knows word boundaries
        stem_length = length
        for suffix in self._anchor_suffixes:
            if said.endswith(suffix) and not surface.endswith(suffix):
                return None  # 中山医院 is a name as said, not the homophone alias 中山一院
            if surface.endswith(suffix):
                # the ending must sound the same (医院 / 一院) and the name before it carries the match
                if pinyin_key(said[-len(suffix):]) != pinyin_key(suffix):
                    return None
                stem_length = length - len(suffix)
                if fuzz.ratio(pinyin_key(said[:stem_length]), pinyin_key(surface[:stem_length])) < self.score_cutoff:
                    return None  # the shared ending must not carry a weak name over the cutoff
                break
        changed = [(a, b) for a, b in zip(said[:stem_length], surface[:stem_length]) if a != b]
        if len(changed) == stem_length or len(changed) > _allowed_substitutions(stem_length):
            return None
        # A slip keeps the onset of the syllable (血 xue → 些 xie); 他 ta for 拉 la is another word.
        if any(_initial(char_key(a)) != _initial(char_key(b)) for a, b in changed):
            return None
        if self._is_common_word(said):
            return None
        return FuzzyHit(entry=entry, matched_text=said, start=start, end=start + length, score=score,
                        surface=surface)


def _resolve_overlaps(candidates: list[FuzzyHit[T]]) -> list[FuzzyHit[T]]:
    """Keep the best non-overlapping hits: higher score first, then the longer window."""
    ordered = sorted(candidates, key=lambda hit: (-hit.score, -(hit.end - hit.start), hit.start))
    taken: list[FuzzyHit[T]] = []
    for hit in ordered:
        if all(hit.end <= other.start or hit.start >= other.end for other in taken):
            taken.append(hit)
    return sorted(taken, key=lambda hit: hit.start)
