"""The locked typer must work with the locked click: spaCy's command line (and any typer tool) is built on
them, and typer 0.9 read every value option as a flag under click 8.5."""

from __future__ import annotations

import subprocess
import sys

import typer
from typer.testing import CliRunner


def test_typer_reads_value_options() -> None:
    app = typer.Typer()

    @app.command()
    def run(name: str = typer.Option("x", "--name"), count: int = 1) -> None:
        print(f"{name}:{count}")

    result = CliRunner().invoke(app, ["--name", "张三", "--count", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "张三:2"


def test_spacy_command_line_answers() -> None:
    done = subprocess.run([sys.executable, "-m", "spacy", "info", "--help"], capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--markdown" in done.stdout
