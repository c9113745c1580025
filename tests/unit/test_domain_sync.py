"""The Rasa domain's slots and form are generated from data/slots/slots.yml; the committed file must match."""

import yaml

from bot.domain_gen import DOMAIN_SLOTS_FILE, render_domain_slots
from bot.slot_spec import REPO_ROOT, load_slot_spec


def test_domain_slots_file_is_current():
    assert DOMAIN_SLOTS_FILE.read_text(encoding="utf-8") == render_domain_slots(), "run `claimbot build-domain`"


def test_every_slot_and_group_has_a_prompt():
    responses = yaml.safe_load((REPO_ROOT / "domain" / "responses.yml").read_text(encoding="utf-8"))["responses"]
    spec = load_slot_spec()
    for name in spec.names:
        assert f"utter_ask_{name}" in responses
    for group in spec.ask_groups:
        assert f"utter_ask_{group.name}" in responses


def test_prompts_are_short_enough_for_the_phone():
    responses = yaml.safe_load((REPO_ROOT / "domain" / "responses.yml").read_text(encoding="utf-8"))["responses"]
    for name, variants in responses.items():
        for v in variants:
            text = v["text"]
            if "{" in text:  # templates: read-back and ticket number
                continue
            assert len(text) <= 30, (name, text)


def test_every_ask_action_is_declared():
    core = yaml.safe_load((REPO_ROOT / "domain" / "core.yml").read_text(encoding="utf-8"))
    for name in load_slot_spec().names:
        assert f"action_ask_{name}" in core["actions"]
