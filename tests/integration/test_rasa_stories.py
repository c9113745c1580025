"""`rasa test` on the conversation stories of the main paths (all-in-one, vague, correction, hand-off)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.training import rasa_executable, train

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_conversation_stories_pass(tmp_path: Path):
    model = train()
    out = tmp_path / "results"
    proc = subprocess.run(
        [rasa_executable(), "test", "core", "--model", str(model), "--stories", "tests/stories",
         "--out", str(out), "--fail-on-prediction-errors"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    failed = out / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, detail
    assert "story" not in (failed.read_text(encoding="utf-8") if failed.exists() else ""), detail

