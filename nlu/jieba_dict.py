"""The jieba user dictionary built from the term data, for Rasa's JiebaTokenizer and our own spaCy pipeline.

Entity values must be whole tokens: Rasa drops entity annotations that cut through a token, and our
phrase matcher only sees token sequences. jieba's default dictionary splits 脑梗死 or 瑞金医院, so every
term, synonym, hospital name and keyword is added with a frequency high enough to win the segmentation.
"""

from __future__ import annotations

import threading
from pathlib import Path

import jieba

from nlu.term_data import DATA_DIR, all_dictionary_words

USER_DICT_FILENAME = "claims_terms.txt"

# High enough that a term beats any split of itself (jieba compares log(freq / total)); the largest
# frequencies in jieba's own dictionary are in the millions, so common words around a term keep theirs.
TERM_FREQUENCY = 50000

# A window more frequent than this in jieba's dictionary is an ordinary word, not an ASR slip.
COMMON_WORD_FREQUENCY = 50

_lock = threading.Lock()
_loaded: set[Path] = set()
_added_words: set[str] = set()


def dictionary_entries(data_dir: Path = DATA_DIR) -> list[tuple[str, int]]:
    """(word, frequency) pairs: multi-character words only, never below jieba's own frequency."""
    jieba.dt.check_initialized()
    entries = []
    for word in all_dictionary_words(data_dir):
        if len(word) < 2:
            continue  # single characters are already tokens; boosting them would break real words
        entries.append((word, max(TERM_FREQUENCY, jieba.dt.FREQ.get(word) or 0)))
    return entries


def write_user_dict(out_dir: Path, data_dir: Path = DATA_DIR) -> Path:
    """Write ``word freq`` lines into ``out_dir`` (JiebaTokenizer's ``dictionary_path``) and return the file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / USER_DICT_FILENAME
    lines = [f"{word} {freq}" for word, freq in dictionary_entries(data_dir)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ensure_loaded(data_dir: Path = DATA_DIR) -> None:
    """Add the term words to the global jieba instance once per process (thread-safe, idempotent)."""
    data_dir = Path(data_dir).resolve()
    with _lock:
        if data_dir in _loaded:
            return
        for word, freq in dictionary_entries(data_dir):
            jieba.add_word(word, freq)
            _added_words.add(word)
        _loaded.add(data_dir)


def is_known_word(text: str) -> bool:
    """True when any dictionary jieba loaded, ours included, has ``text`` (医生, 湘雅): not a rare name."""
    jieba.dt.check_initialized()
    return (jieba.dt.FREQ.get(text) or 0) > 0


def is_common_word(text: str) -> bool:
    """True when jieba's dictionary knows ``text`` as an ordinary word (通风, 飞燕), not a term.

    Our own words are excluded: they are exact matches, not slips, and their boosted frequency says
    nothing about how ordinary they are.
    """
    jieba.dt.check_initialized()
    return text not in _added_words and (jieba.dt.FREQ.get(text) or 0) > COMMON_WORD_FREQUENCY
