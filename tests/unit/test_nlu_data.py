"""Checks on the intent training data and the FAQ answers.

The classifier is only as good as its data: a missing intent, a thin one, or an example filed under
two intents silently degrades it, and a `faq/<key>` without an answer crashes the retrieval response.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INTENTS_FILE = ROOT / "data" / "nlu" / "intents.yml"
FAQ_DOMAIN_FILE = ROOT / "domain" / "faq.yml"

# Topic keys fixed by shared/spec/faq-callback-contract.md.
CONTRACT_FAQ_KEYS = {
    "claim_documents", "claim_report_deadline", "claim_processing_time", "claim_progress",
    "claim_hospital_level", "claim_deductible", "claim_outpatient", "claim_preexisting",
    "claim_waiting_period", "claim_death_benefit", "claim_invoice_copy", "claim_direct_pay",
    "change_beneficiary", "change_contact_info", "reinstatement", "policy_loan", "surrender",
    "cooling_off_period", "grace_period", "change_payment_method", "account_withdrawal",
    "renewal_flag_change", "payout_account_change", "customer_authentication", "health_disclosure",
    "insurable_age", "premium_waiver", "electronic_policy", "return_visit", "proposal_plan",
    "app_login", "share_service_link", "face_verification_failed", "order_entry_error",
    "commission_query", "training_materials",
}

CLAIM_CALL_FAQ_KEYS = {
    "claim_documents", "claim_report_deadline", "claim_processing_time", "claim_progress",
    "claim_hospital_level", "claim_outpatient", "claim_invoice_copy", "claim_death_benefit",
}

MIN_EXAMPLES = {
    "report_claim": 40, "inform": 40, "affirm": 40, "deny": 40, "request_human": 40,
    "greet": 40, "goodbye": 40, "thank": 40, "out_of_scope": 40,
    **{f"faq/{key}": 20 for key in CLAIM_CALL_FAQ_KEYS},
}

MAX_ANSWER_CHARS = 80
_PUNCT_AND_SPACE = re.compile(r"[\s，。、？！；：,.?!;:'\"\-]")
_ENTITY_MARKUP = re.compile(r"\]\s*[({]")


def _examples(block: str) -> list[str]:
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]


def _normalise(text: str) -> str:
    return _PUNCT_AND_SPACE.sub("", text).lower()


@pytest.fixture(scope="module")
def intents() -> dict[str, list[str]]:
    data = yaml.safe_load(INTENTS_FILE.read_text(encoding="utf-8"))
    assert str(data["version"]) == "3.1"
    result: dict[str, list[str]] = {}
    for block in data["nlu"]:
        assert set(block) == {"intent", "examples"}, block
        assert block["intent"] not in result, f"intent {block['intent']} listed twice"
        result[block["intent"]] = _examples(block["examples"])
    return result


@pytest.fixture(scope="module")
def faq_responses() -> dict[str, list[dict]]:
    data = yaml.safe_load(FAQ_DOMAIN_FILE.read_text(encoding="utf-8"))
    assert str(data["version"]) == "3.1"
    assert set(data) == {"version", "responses"}, "the FAQ fragment holds responses only"
    return data["responses"]


@pytest.mark.parametrize("intent, minimum", sorted(MIN_EXAMPLES.items()))
def test_intent_has_enough_examples(intents, intent, minimum):
    assert intent in intents
    assert len(intents[intent]) >= minimum


def test_no_unexpected_intents(intents):
    assert set(intents) == set(MIN_EXAMPLES)


def test_no_example_repeated_within_an_intent(intents):
    for intent, examples in intents.items():
        assert len(examples) == len(set(examples)), intent


def test_no_example_under_two_intents(intents):
    owner: dict[str, str] = {}
    clashes = []
    for intent, examples in intents.items():
        for example in examples:
            key = _normalise(example)
            if key in owner and owner[key] != intent:
                clashes.append((example, owner[key], intent))
            owner.setdefault(key, intent)
    assert not clashes


def test_entities_are_not_annotated(intents):
    annotated = [e for examples in intents.values() for e in examples if _ENTITY_MARKUP.search(e)]
    assert not annotated


def test_every_intent_has_asr_style_examples(intents):
    """Live calls arrive as unpunctuated, space-separated ASR text; each intent must have some."""
    for intent, examples in intents.items():
        asr_style = [e for e in examples if " " in e and not re.search(r"[，。？！,?!]", e)]
        assert len(asr_style) / len(examples) >= 0.15, intent


def test_faq_intents_and_answers_match(intents, faq_responses):
    faq_intent_keys = {name.split("/", 1)[1] for name in intents if name.startswith("faq/")}
    answer_keys = {name.split("/", 1)[1] for name in faq_responses}
    assert all(name.startswith("utter_faq/") for name in faq_responses)
    assert faq_intent_keys == answer_keys
    assert faq_intent_keys == CLAIM_CALL_FAQ_KEYS


def test_faq_keys_are_contract_topics(intents, faq_responses):
    keys = {name.split("/", 1)[1] for name in list(intents) + list(faq_responses) if "/" in name}
    assert keys <= CONTRACT_FAQ_KEYS


def test_faq_answers_are_short_enough_to_speak(faq_responses):
    for name, variants in faq_responses.items():
        assert variants, name
        for variant in variants:
            text = variant["text"].strip()
            assert text, name
            assert len(text) <= MAX_ANSWER_CHARS, name
