"""The slot list, stages and ask groups, read from `data/slots/slots.yml` (the one place they are defined)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SLOTS_FILE = REPO_ROOT / "data" / "slots" / "slots.yml"


@dataclass(frozen=True)
class SlotDef:
    name: str
    label: str
    stage: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class AskGroup:
    name: str
    slots: tuple[str, ...]


@dataclass(frozen=True)
class SlotSpec:
    slots: tuple[SlotDef, ...]
    stages: tuple[tuple[str, str], ...]
    ask_groups: tuple[AskGroup, ...]
    dialogue: dict[str, int]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.slots]

    def slot(self, name: str) -> SlotDef:
        return next(s for s in self.slots if s.name == name)

    def group_of(self, slot: str) -> AskGroup:
        return next(g for g in self.ask_groups if slot in g.slots)


@lru_cache(maxsize=1)
def load_slot_spec(path: Path = SLOTS_FILE) -> SlotSpec:
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    slots = tuple(
        SlotDef(s["name"], s["label"], s["stage"], tuple(s.get("values", ()))) for s in raw["slots"]
    )
    groups = tuple(AskGroup(g["name"], tuple(g["slots"])) for g in raw["ask_groups"])
    grouped = [s for g in groups for s in g.slots]
    if sorted(grouped) != sorted(s.name for s in slots):
        raise ValueError("ask_groups must cover every slot exactly once")
    stages = tuple((st["name"], st["label"]) for st in raw["stages"])
    return SlotSpec(slots, stages, groups, dict(raw["dialogue"]))
