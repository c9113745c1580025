"""Cue words for answers that carry no slot value (不清楚), corrections, confirmations, report-like
openings and requests for a person, from data/terms/answers.yml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

_DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "terms" / "answers.yml"


@lru_cache(maxsize=1)
def cue_words() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(_DATA_FILE.read_text(encoding="utf-8"))
    return {key: tuple(words) for key, words in raw.items()}


def says_any(text: str, kind: str) -> bool:
    """Whether `text` contains a cue of this kind (unknown, correction_cues, report_cues, human_cues...)."""
    return any(word in text for word in cue_words()[kind])


def asks_for_person(text: str) -> bool:
    """A word for a person (转人工, 真人), not inside a medical word that holds one (人工股骨头)."""
    for word in cue_words()["not_human_words"]:
        text = text.replace(word, "，")
    return says_any(text, "human_cues")
