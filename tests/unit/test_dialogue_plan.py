from bot.claims import dialogue_plan
from bot.claims.claim_state import ClaimState
from bot.slot_spec import load_slot_spec

ALL = {s: "x" for s in load_slot_spec().names}


def test_vague_opening_fits_eight_turns():
    """Opening + one question per ask group + confirmation stays within the budget."""
    groups = len(load_slot_spec().ask_groups)
    assert 1 + groups + 1 <= load_slot_spec().dialogue["turn_budget"]


def test_asks_in_stage_order_two_related_items_together():
    state = ClaimState()
    slot = dialogue_plan.next_slot({}, state)
    assert slot == "insured_name"
    q = dialogue_plan.question_for(slot, {})
    assert q.slots == ("insured_name", "reporter_relation")
    assert q.response == "utter_ask_name_relation"
    assert q.stage == "identity"


def test_asks_only_what_is_missing():
    values = dict(ALL, insured_name=None)
    q = dialogue_plan.question_for("insured_name", values)
    assert q.slots == ("insured_name",)
    assert q.response == "utter_ask_insured_name"
    values = dict(ALL, hospital=None, treatment_status=None)
    assert dialogue_plan.next_slot(values, ClaimState()) == "hospital"
    assert dialogue_plan.question_for("hospital", values).slots == ("hospital",)


def test_single_item_group_uses_group_prompt():
    q = dialogue_plan.question_for("contact_phone", dict(ALL, contact_phone=None))
    assert q.response == "utter_ask_phone" and q.stage == "contact"


def test_complete_or_handed_off_asks_nothing():
    assert dialogue_plan.next_slot(ALL, ClaimState()) is None
    assert dialogue_plan.next_slot({}, ClaimState(handoff="来电人要求转人工")) is None


def test_handoff_after_two_failed_reasks_and_turn_limit():
    state = ClaimState(ask_counts={"id_number": 3})
    assert dialogue_plan.handoff_reason(state, "insured_id")
    assert dialogue_plan.handoff_reason(ClaimState(ask_counts={"id_number": 2}), "insured_id") is None
    assert dialogue_plan.handoff_reason(state, None) is None
    limit = load_slot_spec().dialogue["max_turns"]
    assert dialogue_plan.handoff_reason(ClaimState(turns=limit), None) == "通话轮次超限"
