"""The contract evaluation on our development sets, through the real servers (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.eval.claims_eval import evaluate

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


# The claim-understanding issue's bar: first-pass ≥ 0.97, flow ≥ 0.92, no call over budget and no hand-off on
# the clean sets, ≥ 0.93 / 0.85 in recognizer form. The outsider holdout is below it still: its row is a floor
# under today's figures (README), so that a change that loses ground fails.
@pytest.mark.parametrize(
    ("name", "min_first_pass", "min_flow", "max_over_budget", "max_handoff"),
    [("dev.yml", 0.97, 0.92, 0, 0), ("dev_asr.yml", 0.93, 0.85, 1, 0), ("holdout.yml", 0.97, 0.92, 0, 0),
     ("dev2.yml", 0.97, 0.92, 0, 0), ("dev2_asr.yml", 0.93, 0.85, 2, 1),
     ("outsider_holdout.yml", 0.95, 0.75, 7, 3)],
)
def test_scenario_set_meets_targets(stack, results_dir: Path, name: str, min_first_pass: float, min_flow: float,
                                    max_over_budget: int | None, max_handoff: int | None):
    report = evaluate(ROOT / "data" / "scenarios" / name, stack.rasa_url, concurrency=4)
    (results_dir / f"eval-{name.removesuffix('.yml')}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = {k: report[k] for k in ("first_pass_slot_accuracy", "flow_accuracy", "over_budget", "handoff")}
    assert report["scenarios"] >= {"holdout.yml": 40, "outsider_holdout.yml": 100}.get(name, 200)
    assert report["first_pass_slot_accuracy"] >= min_first_pass, summary
    assert report["flow_accuracy"] >= min_flow, summary
    if max_over_budget is not None:
        assert report["over_budget"] <= max_over_budget, summary
    if max_handoff is not None:  # every simulated caller cooperates: a hand-off is the bot's failure
        assert report["handoff"] <= max_handoff, summary
