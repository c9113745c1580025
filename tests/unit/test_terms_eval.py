"""`claimbot eval terms` scores the term normalizer as the terms contract fixes it."""

from __future__ import annotations

import json

from bot.cli import main
from bot.eval.asr_noise import spoken_diagnoses
from bot.eval.terms_eval import evaluate
from bot.settings import load_settings

BENCHMARK = load_settings().shared_dir / "reference" / "icd10" / "cdn_train.tsv"


def test_a_small_file_is_scored_by_the_contract(tmp_path):
    tsv = tmp_path / "terms.tsv"
    tsv.write_text("text\tcategory\n右肺上叶腺癌\tC34\n急性阑尾炎\tK35\n左乳浸润性导管癌\tC25\n头晕\tR42\n多个诊断\t\n",
                   encoding="utf-8")
    report = evaluate(tsv)
    assert (report["items"], report["accuracy"], report["answered_rate"], report["precision"]) == (4, 0.5, 0.75, 0.6667)
    assert report["contract_categories"] == {"items": 3, "accuracy": 0.6667}
    assert report["per_category"]["C34"] == {"items": 1, "accuracy": 1.0}
    assert report["failures"][0] == {"text": "左乳浸润性导管癌", "expected": "C25", "got": "C50", "term": "乳房恶性肿瘤"}
    assert {"text": "头晕", "expected": "R42", "got": None, "term": None} in report["failures"]


def test_the_command_writes_the_report(tmp_path, capsys):
    tsv = tmp_path / "terms.tsv"
    tsv.write_text("text\tcategory\n脑梗\tI63\n", encoding="utf-8")
    assert main(["eval", "terms", str(tsv), "--json", str(tmp_path / "out.json")]) == 0
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["accuracy"] == 1.0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["items"] == 1


def test_the_clinical_benchmark_does_not_lose_ground():
    """CHIP-CDN train strings with one category (development data, read from ../shared), read by the
    dictionary alone (the unit tests install no classifier); floors sit under its figures. The classifier's
    held-out figures are tested in tests/integration/test_diagnosis_benchmark.py."""
    report = evaluate(BENCHMARK)
    assert report["items"] == 3550
    summary = {k: report[k] for k in ("accuracy", "precision", "answered_rate", "contract_categories")}
    assert report["accuracy"] >= 0.175, summary
    assert report["precision"] >= 0.65, summary
    assert report["contract_categories"]["accuracy"] >= 0.62, summary


def test_the_spoken_form_scores_what_the_recognizer_hands_over(tmp_path):
    tsv = tmp_path / "terms.tsv"
    tsv.write_text("text\tcategory\nL5压缩性骨折\tS32\n右肺上叶腺癌IIA2期\tC34\n", encoding="utf-8")
    spoken = spoken_diagnoses(["L5压缩性骨折", "右肺上叶腺癌IIA2期"])
    assert spoken == spoken_diagnoses(["L5压缩性骨折", "右肺上叶腺癌IIA2期"])  # one stream per string: repeatable
    assert all(" " in text and not any(char.isdigit() for char in text) for text in spoken)
    report = evaluate(tsv, spoken=True)
    assert report["items"] == 2 and report["per_category"]["C34"]["accuracy"] == 1.0
    assert all(failure["text"] in spoken for failure in report["failures"])
