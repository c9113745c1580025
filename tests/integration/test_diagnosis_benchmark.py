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
@pytest.mark.parametrize(("spoken", "floors"), [(False, (0.60, 0.76, 0.80)), (True, (0.58, 0.75, 0.76))],
                         ids=["written", "spoken"])
def test_held_out_benchmark_strings_are_placed_far_better_than_by_the_dictionary_alone(spoken, floors):
    """Measured (first fold): written 0.654 / 0.799 / 0.870, spoken 0.639 / 0.788 / 0.824; the dictionary
    alone reads all the strings at 0.177 / 0.665 / 0.627."""
    report = cross_validate(BENCHMARK, folds=5, only=1, spoken=spoken)
    summary = {k: report[k] for k in ("items", "accuracy", "answered_rate", "precision", "contract_categories")}
    assert report["items"] == 710, summary
    accuracy, precision, contract = floors
    assert report["accuracy"] >= accuracy, summary
    assert report["precision"] >= precision, summary
    assert report["contract_categories"]["accuracy"] >= contract, summary
