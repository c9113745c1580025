"""Which documents a caller is told to prepare, by claim type (data in data/claims/documents.yml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DOCUMENTS_FILE = Path(__file__).resolve().parents[2] / "data" / "claims" / "documents.yml"


@lru_cache(maxsize=1)
def _documents() -> dict:
    with DOCUMENTS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def documents_for(claim_type: str | None) -> list[str]:
    """The short list for this claim type; an unknown or missing type gets the general list."""
    data = _documents()
    return list(data["by_claim_type"].get(claim_type or "", data["default"]))
