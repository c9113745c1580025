"""`claimbot eval terms`: diagnosis strings with their expected ICD-10 category, read the way the claim
dialogue reads a diagnosis off a report (the dictionary, then the learned classifier), scored as
../shared/spec/terms-contract.md fixes it. No server is needed.

``--spoken`` scores each string as a caller reading it out comes through the recognizer.
``--folds K`` measures honestly what the shipped classifier cannot: trained on the ICD-10 terms and
K-1 parts of the file, scored on the part it did not see, for each part in turn.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.eval.asr_noise import spoken_diagnoses
from nlu import diagnosis_classifier
from nlu.diagnosis_classifier import DiagnosisClassifier, load_labelled
from nlu.term_data import DATA_DIR
from nlu.term_normalizer import DiagnosisMatch, get_normalizer

log = logging.getLogger(__name__)

CONTRACT_FILE = DATA_DIR / "medical_terms" / "contract_categories.yml"


def contract_categories() -> set[str]:
    return set(yaml.safe_load(CONTRACT_FILE.read_text(encoding="utf-8"))["categories"])


Reading = tuple[str, str, DiagnosisMatch | None]  # text, expected category, what was read


def _read(items: Sequence[tuple[str, str]], classifier: DiagnosisClassifier | None) -> list[Reading]:
    normalizer = get_normalizer()
    return [(text, expected, normalizer.coded_diagnosis(text, classifier)) for text, expected in items]


def _said(items: Sequence[tuple[str, str]], spoken: bool) -> list[tuple[str, str]]:
    """The items as scored: as written, or as a caller reading them out comes through the recognizer."""
    if not spoken:
        return list(items)
    return list(zip(spoken_diagnoses([text for text, _ in items]), [category for _, category in items]))


def _score(items: Sequence[Reading]) -> dict[str, Any]:
    contract = contract_categories()
    per: dict[str, list[bool]] = defaultdict(list)
    answered = right = 0
    failures = []
    for text, expected, best in items:
        got = best.category if best is not None else None
        ok = got == expected
        answered += got is not None
        right += ok
        per[expected].append(ok)
        if not ok:
            failures.append({"text": text, "expected": expected, "got": got, "term": best.term if best else None})
    in_contract = [ok for category, oks in per.items() if category in contract for ok in oks]
    total = len(items) or 1
    return {
        "items": len(items),
        "accuracy": round(right / total, 4),
        "answered_rate": round(answered / total, 4),
        "precision": round(right / answered, 4) if answered else 0.0,
        "contract_categories": {"items": len(in_contract),
                                "accuracy": round(sum(in_contract) / len(in_contract), 4) if in_contract else 0.0},
        "per_category": {category: {"items": len(oks), "accuracy": round(sum(oks) / len(oks), 4)}
                         for category, oks in sorted(per.items())},
        "failures": failures,
    }


def evaluate(path: Path, classifier: DiagnosisClassifier | None = None, spoken: bool = False) -> dict[str, Any]:
    """The contract's report with the shipped classifier (or ``classifier``)."""
    return _score(_read(_said(load_labelled(path), spoken), classifier))


def split(items: Sequence[tuple[str, str]], folds: int, seed: int = 0) -> list[list[int]]:
    """Item indexes of each fold, shuffled once with a fixed seed so figures can be reproduced."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    return [order[fold::folds] for fold in range(folds)]


def cross_validate(path: Path, folds: int = 5, only: int | None = None, spoken: bool = False) -> dict[str, Any]:
    """The contract's report over held-out parts; ``only`` scores just the first N folds (a quicker proof).
    Spoken, the classifier still learns the strings as written and is scored on their spoken form."""
    items = load_labelled(path)
    said = _said(items, spoken)
    rows = diagnosis_classifier.icd10_rows()
    names, base = diagnosis_classifier.category_names(rows), diagnosis_classifier.base_examples(rows)
    held_out: list[Reading] = []
    per_fold = []
    for fold in split(items, folds)[:only or folds]:
        unseen = set(fold)
        classifier = DiagnosisClassifier.train(
            base + [item for index, item in enumerate(items) if index not in unseen], names)
        readings = _read([said[index] for index in fold], classifier)
        fold_report = _score(readings)
        per_fold.append({key: fold_report[key] for key in ("items", "accuracy", "answered_rate", "precision")})
        log.info("fold %d/%d: %s", len(per_fold), only or folds, per_fold[-1])
        held_out += readings
    return {**_score(held_out), "folds": folds, "per_fold": per_fold}
