"""Where the speech-recognition model lives, and whether a folder looks like a Vosk model.

Kept apart from the `claimbot models` command so the phone channel can find its model without importing the
CLI, and free of `vosk` so asking "which model?" costs nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.slot_spec import REPO_ROOT
from telephony.config import MODEL_SETTING

MODELS_DIR_SETTING = "CLAIMBOT_ASR_MODELS_DIR"
CURRENT_FILE = "current"


def models_dir() -> Path:
    """Folder that `claimbot models install` copies models into."""
    raw = os.environ.get(MODELS_DIR_SETTING, "").strip()
    return Path(raw) if raw else REPO_ROOT / "var" / "asr-models"


def configured_model_path() -> str | None:
    """The model to use: the environment setting first, then the one `claimbot models install` recorded."""
    raw = os.environ.get(MODEL_SETTING, "").strip()
    if raw:
        return raw
    current = models_dir() / CURRENT_FILE
    if current.is_file():
        recorded = current.read_text(encoding="utf-8").strip()
        return recorded or None
    return None


def missing_model_parts(path: str | Path) -> list[str]:
    """What a Vosk model folder (the layout with am/, conf/, graph/) lacks; empty when it looks complete.

    Vosk reads conf/model.conf and conf/mfcc.conf both, and decodes with either a full graph (HCLG.fst) or a
    lookahead pair (HCLr.fst + Gr.fst, the kind that accepts a runtime grammar).
    """
    root = Path(path)
    if not root.is_dir():
        return [str(root)]
    missing = [part for part in ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf") if not (root / part).is_file()]
    graph = root / "graph"
    if not (graph / "HCLG.fst").is_file() and not ((graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()):
        missing.append("graph/HCLG.fst（或 graph/HCLr.fst 加 graph/Gr.fst）")
    return missing


def supports_runtime_grammar(path: str | Path) -> bool:
    """True for lookahead models: Vosk uses HCLG.fst whenever it is there, and that graph cannot be restricted."""
    graph = Path(path) / "graph"
    return not (graph / "HCLG.fst").is_file() and (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
