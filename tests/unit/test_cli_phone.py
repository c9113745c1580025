"""The phone channel's start-up checks in the CLI (no servers are started)."""

from __future__ import annotations

import pytest

from bot.cli import main


def test_serve_phone_without_a_model_names_the_setting(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("CLAIMBOT_VOSK_MODEL", "")
    monkeypatch.setenv("CLAIMBOT_ASR_MODELS_DIR", str(tmp_path))
    assert main(["serve", "--phone"]) == 2
    err = capsys.readouterr().err
    assert "CLAIMBOT_VOSK_MODEL" in err and "claimbot models install" in err
    assert "Traceback" not in err


def test_serve_phone_with_a_folder_that_is_not_a_model_says_what_is_missing(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("CLAIMBOT_VOSK_MODEL", str(tmp_path))
    assert main(["serve", "--phone"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "缺少" in err


@pytest.mark.parametrize("argv", [["call", "--wav", "/nonexistent.wav"], ["call", "--scenario", "data/scenarios/dev.yml",
                                                                          "--id", "no-such-id"]])
def test_call_with_bad_arguments_exits_2(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    assert "参数有误" in capsys.readouterr().err
