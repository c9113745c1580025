"""The contract evaluation on our development sets, through the real servers (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.eval.claims_eval import evaluate

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "min_first_pass", "min_flow", "max_over_budget"),
    [("dev.yml", 0.95, 0.85, 0), ("dev_asr.yml", 0.90, 0.75, None), ("holdout.yml", 0.95, 0.85, 0)],
)
def test_scenario_set_meets_targets(stack, results_dir: Path, name: str, min_first_pass: float, min_flow: float,
                                    max_over_budget: int | None):
    report = evaluate(ROOT / "data" / "scenarios" / name, stack.rasa_url, concurrency=4)
    (results_dir / f"eval-{name.removesuffix('.yml')}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = {k: report[k] for k in ("first_pass_slot_accuracy", "flow_accuracy", "over_budget", "handoff")}
    assert report["scenarios"] >= (40 if name == "holdout.yml" else 200)
    assert report["first_pass_slot_accuracy"] >= min_first_pass, summary
    assert report["flow_accuracy"] >= min_flow, summary
    if max_over_budget is not None:
        assert report["over_budget"] <= max_over_budget, summary
