"""`claimbot models` argument handling through the real CLI parser: what each command line reaches, and the
exit codes and Chinese messages for input that never gets as far as Vosk or the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import model_commands
from bot.cli import build_parser, main


def test_install_arguments_in_any_order() -> None:
    parser = build_parser()
    for argv in (["models", "install", "m.zip", "--name", "zh", "--force"],
                 ["models", "install", "--force", "--name=zh", "m.zip"]):
        args = parser.parse_args(argv)
        assert args.func is model_commands._install_command
        assert (args.source, args.name, args.force) == ("m.zip", "zh", True)
    plain = parser.parse_args(["models", "install", "m.zip"])
    assert (plain.name, plain.force) == (None, False)


def test_download_defaults_to_the_small_chinese_model() -> None:
    parser = build_parser()
    args = parser.parse_args(["models", "download"])
    assert args.func is model_commands._download_command
    assert (args.lang, args.large) == ("zh", False)
    assert parser.parse_args(["models", "download", "--large", "zh"]).large


def test_bare_models_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 2
    err = capsys.readouterr().err
    assert all(word in err for word in ("install", "download", "list"))


def test_bad_input_is_code_2_with_a_chinese_message(models_home: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "install"]) == 2
    assert "用法" in capsys.readouterr().err
    assert main(["models", "install", str(tmp_path / "nowhere")]) == 2
    captured = capsys.readouterr()
    assert "安装失败" in captured.err and "找不到" in captured.err and "Traceback" not in captured.err
    assert main(["models", "download", "fr"]) == 2
    assert "不支持的语言" in capsys.readouterr().err
    assert not models_home.exists()


def test_list_with_nothing_installed(models_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    captured = capsys.readouterr()
    assert "还没有安装模型" in captured.out and "还没有设置当前模型" in captured.out and not captured.err
