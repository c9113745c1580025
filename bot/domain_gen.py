"""Generates `domain/slots.yml` (slots and the claim form) from `data/slots/slots.yml`.

Rasa needs the slots declared in its domain; generating them keeps the slot list in one place.
A unit test fails when the committed file is out of date (`claimbot build-domain` rewrites it).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slot_spec import REPO_ROOT, load_slot_spec

DOMAIN_SLOTS_FILE = REPO_ROOT / "domain" / "slots.yml"
EXTRACT_ACTION = "action_extract_claim_items"
HEADER = "# GENERATED from data/slots/slots.yml by `claimbot build-domain`; do not edit by hand.\n"


def render_domain_slots() -> str:
    spec = load_slot_spec()
    slots: dict = {}
    for s in spec.slots:
        slots[s.name] = {
            "type": "text",
            "influence_conversation": False,
            "mappings": [{"type": "custom", "action": EXTRACT_ACTION}],
        }
    # Dialogue bookkeeping (draft details, counts, flags) kept as JSON; set only by actions.
    slots["claim_state"] = {"type": "any", "influence_conversation": False, "mappings": [{"type": "custom"}]}
    # The phase after the form: rules branch on it (read-back confirmation, closed call).
    slots["phase"] = {
        "type": "categorical",
        "values": ["collecting", "confirming", "closed"],
        "influence_conversation": True,
        "mappings": [{"type": "custom"}],
    }
    doc = {
        "version": "3.1",
        # ClaimEntityExtractor names its entities after the slots they fill.
        "entities": spec.names,
        "slots": slots,
        "forms": {"claim_form": {"required_slots": spec.names}},
    }
    return HEADER + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def write_domain_slots(path: Path = DOMAIN_SLOTS_FILE) -> bool:
    """Writes the file; returns True when it changed."""
    text = render_domain_slots()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
