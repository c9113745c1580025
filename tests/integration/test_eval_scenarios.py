"""The contract evaluation on our development sets, through the real servers (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.eval.claims_eval import evaluate

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "min_first_pass", "min_flow"),
    [("dev.yml", 0.95, 0.85), ("dev_asr.yml", 0.90, 0.75)],
)
def test_scenario_set_meets_targets(stack, results_dir: Path, name: str, min_first_pass: float, min_flow: float):
    report = evaluate(ROOT / "data" / "scenarios" / name, stack.rasa_url, concurrency=4)
    (results_dir / f"eval-{name.removesuffix('.yml')}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = {k: report[k] for k in ("first_pass_slot_accuracy", "flow_accuracy", "over_budget", "handoff")}
    assert report["scenarios"] >= 200
    assert report["first_pass_slot_accuracy"] >= min_first_pass, summary
    assert report["flow_accuracy"] >= min_flow, summary
    assert report["over_budget"] == 0, summary
