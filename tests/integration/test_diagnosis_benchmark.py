"""The clinical benchmark (CHIP-CDN training strings with one category, read from ../shared, never copied
here), measured honestly: the classifier is trained on the ICD-10 terms and four fifths of the strings and
scored on the fifth it did not see. Floors sit under the measured fold (README); the diagnosis issue's
targets (accuracy 0.90, precision 0.95, contract categories 0.97) are not reached."""

from __future__ import annotations

import pytest

from bot.eval.terms_eval import cross_validate
from bot.settings import load_settings

BENCHMARK = load_settings().shared_dir / "reference" / "icd10" / "cdn_train.tsv"

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not BENCHMARK.exists(), reason="../shared/reference/icd10/cdn_train.tsv is not here")
def test_held_out_benchmark_strings_are_placed_far_better_than_by_the_dictionary_alone():
    report = cross_validate(BENCHMARK, folds=5, only=1)
    summary = {k: report[k] for k in ("items", "accuracy", "answered_rate", "precision", "contract_categories")}
    assert report["items"] == 710, summary
    assert report["accuracy"] >= 0.58, summary  # the dictionary alone: 0.177
    assert report["precision"] >= 0.75, summary  # 0.665
    assert report["contract_categories"]["accuracy"] >= 0.76, summary  # 0.628
