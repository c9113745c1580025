"""Run-time settings, from environment variables with the embedded defaults (SQLite, local ports)."""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from bot.slot_spec import REPO_ROOT


@dataclass(frozen=True)
class Settings:
    rasa_port: int
    action_port: int
    web_port: int
    host: str
    models_dir: Path
    var_dir: Path
    shared_dir: Path  # the fixed contracts and reference data beside the repository (../shared)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"


def load_settings() -> Settings:
    env = os.environ
    return Settings(
        rasa_port=int(env.get("CLAIMBOT_RASA_PORT", "5005")),
        action_port=int(env.get("CLAIMBOT_ACTION_PORT", "5055")),
        web_port=int(env.get("CLAIMBOT_WEB_PORT", "8000")),
        host=env.get("CLAIMBOT_HOST", "127.0.0.1"),
        models_dir=Path(env.get("CLAIMBOT_MODELS_DIR", REPO_ROOT / "models")),
        var_dir=Path(env.get("CLAIMBOT_VAR_DIR", REPO_ROOT / "var")),
        shared_dir=Path(env["CLAIMBOT_SHARED_DIR"]) if env.get("CLAIMBOT_SHARED_DIR") else _shared_dir(),
    )


def _shared_dir() -> Path:
    """../shared beside the repository, or beside the one it was cloned from (CI tests a clone in a
    temporary folder, whose parent holds no shared/)."""
    candidates = [REPO_ROOT.parent / "shared"]
    config = configparser.ConfigParser()
    try:
        config.read(REPO_ROOT / ".git" / "config", encoding="utf-8")
        origin = Path(config.get('remote "origin"', "url", fallback=""))
    except (configparser.Error, OSError):
        origin = Path()
    if origin.is_absolute():
        candidates.append(origin.parent / "shared")
    return next((path for path in candidates if path.is_dir()), candidates[0])
