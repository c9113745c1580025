"""`claimbot eval terms`: the term normalizer (the code the NLU runs) over diagnosis strings with their
expected ICD-10 category, scored as ../shared/spec/terms-contract.md fixes it. No server is needed."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from nlu.term_data import DATA_DIR
from nlu.term_normalizer import get_normalizer

CONTRACT_FILE = DATA_DIR / "medical_terms" / "contract_categories.yml"


def contract_categories() -> set[str]:
    return set(yaml.safe_load(CONTRACT_FILE.read_text(encoding="utf-8"))["categories"])


def load_items(path: Path) -> list[tuple[str, str]]:
    """(text, category) rows of a TSV with a header naming `text` and `category`; rows whose category is
    blank (the benchmark's strings with several categories) are left out."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if not rows.fieldnames or not {"text", "category"} <= set(rows.fieldnames):
            raise ValueError(f"{path}: the header must name the columns text and category")
        return [(row["text"].strip(), row["category"].strip()) for row in rows
                if row["text"] and row["category"] and row["category"].strip()]


def evaluate(path: Path) -> dict[str, Any]:
    normalizer = get_normalizer()
    contract = contract_categories()
    items = load_items(path)
    per: dict[str, list[bool]] = defaultdict(list)
    answered = right = 0
    failures = []
    for text, expected in items:
        best = normalizer.normalize(text).best_diagnosis
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
