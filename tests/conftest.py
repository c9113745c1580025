"""Fixtures shared by the unit and the slow tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def models_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder for `claimbot models`, and no model configured."""
    home = tmp_path / "asr-models"
    monkeypatch.setenv("CLAIMBOT_ASR_MODELS_DIR", str(home))
    monkeypatch.delenv("CLAIMBOT_VOSK_MODEL", raising=False)
    return home


@pytest.fixture()
def store_url(tmp_path: Path) -> str:
    """A fresh SQLite database for one test (the PostgreSQL tests override it)."""
    return f"sqlite:///{tmp_path / 'store.db'}"
