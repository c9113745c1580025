"""Thin Rasa actions for the claim call. Each reads the tracker, calls the plain claim modules in
`bot/claims/` and turns the result into events and responses (texts live in the domain).

Every bot reply carries machine-readable metadata under `custom.claimbot` (docs/bot-protocol.md).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.claims import dialogue_plan
from bot.claims.claim_state import ClaimState, parse_call_time
from bot.claims.documents import documents_for
from bot.claims.readback import draft_metadata, summary
from bot.claims.slot_filling import fill_turn, is_correction, is_plain_affirm, sounds_like_report, warm_up
from bot.claims.ticket_builder import build_draft
from bot.claims.ticket_draft import STATUS_HANDOFF, STATUS_INTERRUPTED, STATUS_PENDING_REVIEW
from bot.privacy import install_pii_filter
from bot.slot_spec import load_slot_spec
from bot.store.policy_store import lookup_policy
from bot.store.ticket_store import TicketStore
from nlu.answer_cues import says_any

logger = logging.getLogger(__name__)
install_pii_filter()

SLOTS = load_slot_spec().names
# Closing the call changes `phase`, which the rule that ran the action was conditioned on. data/rules.yml
# teaches the policies to wait for the caller then; the follow-up makes it certain for paths no rule lists.
LISTEN = FollowupAction("action_listen")
FAQ_MIN_CONFIDENCE = 0.5
_store: TicketStore | None = None


def ticket_store() -> TicketStore:
    """One store per action-server process; the URL comes from CLAIMBOT_DATABASE_URL."""
    global _store
    if _store is None:
        _store = TicketStore()
    return _store


def _state(tracker: Tracker) -> ClaimState:
    return ClaimState.from_slot(tracker.get_slot("claim_state"))


def _values(tracker: Tracker) -> dict[str, Any]:
    return {s: tracker.get_slot(s) for s in SLOTS}


def _latest_user_event(tracker: Tracker) -> dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event
    return {}


def _latest_metadata(tracker: Tracker) -> dict[str, Any]:
    return _latest_user_event(tracker).get("metadata") or {}


def _meta(state: ClaimState, stage: str, phase: str, asking: list[str], **extra: Any) -> dict[str, Any]:
    return {"claimbot": {"stage": stage, "phase": phase, "asking": asking, "turn": state.turns, **extra}}


def _transcript(tracker: Tracker) -> list[dict[str, str]]:
    lines = []
    for event in tracker.events:
        kind = event.get("event")
        text = event.get("text")
        if kind not in ("user", "bot") or not text or text.startswith("/call_start"):
            continue
        ts = datetime.fromtimestamp(event.get("timestamp") or 0, tz=timezone.utc).isoformat()
        lines.append({"role": "caller" if kind == "user" else "bot", "text": text, "ts": ts})
    return lines


# Events a voice channel sends on the caller's behalf (docs/bot-protocol.md): not caller turns.
CHANNEL_INTENTS = ("call_start", "caller_silent", "call_dropped")


def _close_with_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, state: ClaimState,
                        reason: str, response: str | None, status: str = STATUS_HANDOFF) -> list[EventType]:
    """Saves the partial ticket (转人工, or 通话中断 when the line dropped) and a callback task before
    telling the caller (nobody is told when the line is gone)."""
    state.handoff = reason
    values = _values(tracker)
    draft = build_draft(tracker.sender_id, values, state, _transcript(tracker), status)
    store = ticket_store()
    record = store.create_ticket(draft)
    phone = values.get("contact_phone") or _latest_metadata(tracker).get("caller") or ""
    if phone and not store.callbacks_for(record.number):
        store.create_callback(record.number, str(phone), reason, state.call_time() + timedelta(hours=2))
    state.ticket_number = record.number
    meta = _meta(state, "handoff", "closed", [], handoff=True, ticket_number=record.number, reason=reason)
    if response:
        dispatcher.utter_message(response=response, json_message=meta)
    else:
        dispatcher.utter_message(json_message=meta)
    return [SlotSet("claim_state", state.to_slot()), SlotSet("phase", "closed"), SlotSet("requested_slot", None),
            LISTEN]


class ActionStartCall(Action):
    """Greets and starts a fresh report; the call time comes from the client (`now` in metadata)."""

    def name(self) -> str:
        return "action_start_call"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = ClaimState(call_started_at=parse_call_time(_latest_metadata(tracker)).isoformat())
        dispatcher.utter_message(response="utter_greet", json_message=_meta(state, "describe", "collecting", []))
        events: list[EventType] = [SlotSet(s, None) for s in SLOTS]
        return events + [SlotSet("claim_state", state.to_slot()), SlotSet("phase", "collecting")]


class ActionExtractClaimItems(Action):
    """Custom slot mapping run on every caller turn: any item in any utterance fills its slot."""

    def name(self) -> str:
        return "action_extract_claim_items"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        message = tracker.latest_message or {}
        if (message.get("intent") or {}).get("name") in CHANNEL_INTENTS:
            return []
        state = _state(tracker)
        phase = tracker.get_slot("phase") or "collecting"
        message_id = _latest_user_event(tracker).get("message_id") or message.get("message_id")
        if message_id and message_id == state.last_message_id:
            return []  # the form re-runs slot extraction when it activates: this turn is already applied
        state.last_message_id = message_id
        state.turns += 1
        if phase == "closed":
            return [SlotSet("claim_state", state.to_slot())]
        entities = [e for e in message.get("entities", []) if e.get("extractor") == "ClaimEntityExtractor"]
        raw_text = _latest_user_event(tracker).get("text") or ""  # latest_message holds the normalized text
        result = fill_turn(raw_text, _values(tracker), state, state.call_time(), phase, entities)
        if phase == "confirming" and result.updates:
            state.corrections += 1
        state.asked = state.asked if phase != "confirming" else []
        state.last_updates = list(result.updates)
        events: list[EventType] = [SlotSet(slot, value) for slot, value in result.updates.items()]
        return events + [SlotSet("claim_state", state.to_slot())]


INTERRUPTIONS = ("action_answer_faq", "action_handoff", "action_no_input", "action_call_dropped")


def _interruption_handled(tracker: Tracker) -> bool:
    """Whether this caller turn's hand-off or side question already ran (the form is being resumed)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") in INTERRUPTIONS:
            return True
    return False


class ValidateClaimForm(Action):
    """Decides what the form asks next (stage order) or ends it early for a hand-off."""

    def name(self) -> str:
        return "validate_claim_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        text = (tracker.latest_message or {}).get("text") or ""
        if not _interruption_handled(tracker) and (
                intent in ("request_human", "caller_silent", "call_dropped")
                or (intent == "faq" and not state.last_updates and says_any(text, "question_cues"))):
            # Let the interruption rules (hand-off, side question) run instead of re-asking.
            return [ActionExecutionRejected("claim_form")]
        values = _values(tracker)
        requested = tracker.get_slot("requested_slot")
        still_missing = requested if requested and values.get(requested) in (None, "") else None
        reason = dialogue_plan.handoff_reason(state, still_missing)
        if reason:
            state.handoff = reason
            return [SlotSet("claim_state", state.to_slot()), SlotSet("requested_slot", None)]
        return [SlotSet("claim_state", state.to_slot()),
                SlotSet("requested_slot", dialogue_plan.next_slot(values, state))]


class ActionAskSlot(Action, ABC):
    """`action_ask_<slot>`: asks for the slot and the other missing item of its group in one prompt."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this ask action is named after."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        question = dialogue_plan.question_for(self.slot, _values(tracker), state)
        repeated = state.asked and set(question.slots) & set(state.asked)
        if state.last_turn not in ("side_question", "silence"):
            state.ask_counts[question.group] = state.ask_counts.get(question.group, 0) + 1
        if state.pending_hint:
            dispatcher.utter_message(response=state.pending_hint)
            state.pending_hint = None
        elif state.last_turn in ("garbage", "empty", "too_long"):
            dispatcher.utter_message(response="utter_reask_garbage")
        elif repeated and state.last_turn == "nothing_new":
            dispatcher.utter_message(response="utter_reask_unclear")
        state.asked = list(question.slots)
        state.last_turn = "asked"
        dispatcher.utter_message(response=question.response,
                                 json_message=_meta(state, question.stage, "collecting", list(question.slots)))
        return [SlotSet("claim_state", state.to_slot())]


class ActionFinishCollection(Action):
    """After the form: read the draft back for confirmation, or hand off when the form gave up."""

    def name(self) -> str:
        return "action_finish_collection"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        if state.handoff:
            return _close_with_handoff(dispatcher, tracker, state, state.handoff, "utter_handoff_after_failures")
        return _read_back(dispatcher, tracker, state)


def _spoken_forms(state: ClaimState) -> dict[str, str]:
    hospital = (state.details.get("hospital") or {}).get("detail", {})
    return {"hospital": hospital["said"]} if hospital.get("in_registry") and hospital.get("said") else {}


def _read_back(dispatcher: CollectingDispatcher, tracker: Tracker, state: ClaimState) -> list[EventType]:
    values = _values(tracker)
    policy = lookup_policy(ticket_store(), values.get("insured_name") or "", values.get("insured_id") or "")
    if policy.found:
        state.flags.pop("policy", None)
    else:
        state.flags["policy"] = policy.why_not or "保单未匹配"
    state.readbacks += 1
    state.asked = []
    dispatcher.utter_message(
        response="utter_readback",
        summary=summary(values, state.call_time().date(), _spoken_forms(state)),
        json_message=_meta(state, "confirm", "confirming", [], draft=draft_metadata(values, state.details),
                           flags=dict(state.flags)),
    )
    return [SlotSet("claim_state", state.to_slot()), SlotSet("phase", "confirming")]


class ActionConfirmReport(Action):
    """The caller's answer to the read-back: create the ticket, re-read after a correction, or ask again."""

    def name(self) -> str:
        return "action_confirm_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        updated = state.last_updates
        text = (tracker.latest_message or {}).get("text") or ""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if state.turns >= load_slot_spec().dialogue["max_turns"]:
            return _close_with_handoff(dispatcher, tracker, state, "通话轮次超限", "utter_handoff_after_failures")
        if updated:
            return _read_back(dispatcher, tracker, state)
        if state.last_turn in ("garbage", "empty", "too_long"):
            dispatcher.utter_message(response="utter_reprompt")
            dispatcher.utter_message(response="utter_ask_confirm_again",
                                     json_message=_meta(state, "confirm", "confirming", []))
            return [SlotSet("claim_state", state.to_slot())]
        if (intent == "affirm" and not is_correction(text)) or is_plain_affirm(text):
            return self._create_ticket(dispatcher, tracker, state)
        state.ask_counts["confirm"] = state.ask_counts.get("confirm", 0) + 1
        correcting = intent == "deny" or is_correction(text)
        if correcting and state.ask_counts["confirm"] >= 2:
            # A cooperative caller says what is wrong and we cannot read it: no hand-off. The ticket is
            # created with their words for the analyst, who corrects it.
            state.flags["readback"] = "来电人指出有误，未能更正：" + text[:80]
            dispatcher.utter_message(response="utter_noted_for_review")
            return self._create_ticket(dispatcher, tracker, state)
        if state.ask_counts["confirm"] > load_slot_spec().dialogue["max_reasks"]:
            return _close_with_handoff(dispatcher, tracker, state, "核对环节未能确认", "utter_handoff_after_failures")
        if correcting:
            dispatcher.utter_message(response="utter_ask_which_wrong",
                                     json_message=_meta(state, "confirm", "confirming", []))
            return [SlotSet("claim_state", state.to_slot())]
        dispatcher.utter_message(response="utter_ask_confirm_again",
                                 json_message=_meta(state, "confirm", "confirming", []))
        return [SlotSet("claim_state", state.to_slot())]

    @staticmethod
    def _create_ticket(dispatcher: CollectingDispatcher, tracker: Tracker, state: ClaimState) -> list[EventType]:
        values = _values(tracker)
        policy = lookup_policy(ticket_store(), values.get("insured_name") or "", values.get("insured_id") or "")
        draft = build_draft(tracker.sender_id, values, state, _transcript(tracker), STATUS_PENDING_REVIEW, policy)
        record = ticket_store().create_ticket(draft)  # committed before the caller hears the number
        state.ticket_number = record.number
        logger.info("ticket %s created for conversation %s", record.number, tracker.sender_id)
        documents = "、".join(documents_for(draft.claim_type))
        dispatcher.utter_message(
            response="utter_ticket_created",
            number_spoken=record.number,
            documents=documents,
            json_message=_meta(state, "closed", "closed", [], ticket_number=record.number,
                               claim_type=draft.claim_type, draft=draft_metadata(values, state.details)),
        )
        return [SlotSet("claim_state", state.to_slot()), SlotSet("phase", "closed"), LISTEN]


class ActionHandoff(Action):
    """转人工 on request: the partial ticket and a callback task are saved, the caller is told what happens."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        if tracker.get_slot("phase") == "closed" and state.ticket_number:
            dispatcher.utter_message(response="utter_call_closed",
                                     json_message=_meta(state, "closed", "closed", [], ticket_number=state.ticket_number))
            return []
        events = _close_with_handoff(dispatcher, tracker, state, "来电人要求转人工", "utter_handoff")
        return events + [ActiveLoop(None)]


class ActionAnswerFaq(Action):
    """A side question in the middle of a report: answer from the FAQ, then carry on."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        message = tracker.latest_message or {}
        selector = (message.get("response_selector") or {}).get("faq") or {}
        response = selector.get("response") or {}
        key = response.get("utter_action")
        phase = tracker.get_slot("phase") or "collecting"
        opening = phase == "collecting" and tracker.active_loop_name != "claim_form"
        if opening and (state.last_updates or sounds_like_report(message.get("text") or "")):
            # 我爸住院了，这个能理赔吗: a report phrased as a question. Take the report.
            return [SlotSet("claim_state", state.to_slot()), FollowupAction("claim_form")]
        state.side_questions += 1
        state.last_turn = "side_question"
        if key and (response.get("confidence") or 0) >= FAQ_MIN_CONFIDENCE:
            dispatcher.utter_message(response=key)
        else:
            dispatcher.utter_message(response="utter_faq_unknown")
        if opening:
            # The caller rang the report line: after the answer, the report begins.
            return [SlotSet("claim_state", state.to_slot()), FollowupAction("claim_form")]
        if phase == "confirming":
            dispatcher.utter_message(response="utter_ask_confirm_again",
                                     json_message=_meta(state, "confirm", phase, [], faq=key))
        elif tracker.active_loop_name == "claim_form":
            dispatcher.utter_message(response="utter_faq_back_to_report")
        else:
            dispatcher.utter_message(json_message=_meta(state, "describe", phase, [], faq=key))
        return [SlotSet("claim_state", state.to_slot())]


class ActionReprompt(Action):
    """Unclear input outside the form (and the dialogue's fallback): say so and repeat the open question."""

    def name(self) -> str:
        return "action_reprompt"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        phase = tracker.get_slot("phase") or "collecting"
        text = (tracker.latest_message or {}).get("text") or ""
        understood = state.last_turn not in ("garbage", "empty", "too_long")
        if phase == "collecting" and understood and (state.last_updates or sounds_like_report(text)):
            # The classifier was unsure, but this is plainly a report (我是方杰，我出事了): take it.
            return [FollowupAction("claim_form")]
        state.ask_counts["describe"] = state.ask_counts.get("describe", 0) + 1
        if state.ask_counts["describe"] > load_slot_spec().dialogue["max_reasks"] + 1:
            return _close_with_handoff(dispatcher, tracker, state, "多次未能听清来电内容", "utter_handoff_after_failures")
        dispatcher.utter_message(response="utter_reprompt")
        if phase == "confirming":
            dispatcher.utter_message(response="utter_ask_confirm_again",
                                     json_message=_meta(state, "confirm", phase, []))
        else:
            dispatcher.utter_message(response="utter_ask_describe", json_message=_meta(state, "describe", phase, []))
        return [SlotSet("claim_state", state.to_slot())]


def _consecutive_silences(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "caller_silent":
            break
        count += 1
    return count


class ActionNoInput(Action):
    """The line heard nothing for a while (a voice channel sends `/caller_silent`): say so and repeat the
    open question; after `max_silences` in a row, hand off with the partial ticket."""

    def name(self) -> str:
        return "action_no_input"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        phase = tracker.get_slot("phase") or "collecting"
        if phase == "closed":
            dispatcher.utter_message(response="utter_call_closed",
                                     json_message=_meta(state, "closed", "closed", [],
                                                        ticket_number=state.ticket_number))
            return []
        if _consecutive_silences(tracker) > load_slot_spec().dialogue["max_silences"]:
            events = _close_with_handoff(dispatcher, tracker, state, "来电人长时间无应答", "utter_handoff_no_input")
            return events + [ActiveLoop(None)]
        state.last_turn = "silence"
        dispatcher.utter_message(response="utter_no_input")
        if tracker.active_loop_name == "claim_form":
            return [SlotSet("claim_state", state.to_slot())]  # the form asks its question again
        if phase == "confirming":
            dispatcher.utter_message(response="utter_ask_confirm_again", json_message=_meta(state, "confirm", phase, []))
        else:
            dispatcher.utter_message(response="utter_ask_describe", json_message=_meta(state, "describe", phase, []))
        return [SlotSet("claim_state", state.to_slot())]


class ActionCallDropped(Action):
    """The line dropped before the report was done: keep what was said as a partial ticket (通话中断)
    with a callback task. Nothing is said: nobody is listening."""

    def name(self) -> str:
        return "action_call_dropped"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        if (tracker.get_slot("phase") == "closed" and state.ticket_number) or not state.call_started_at:
            dispatcher.utter_message(json_message=_meta(state, "closed", "closed", [],
                                                        ticket_number=state.ticket_number))
            return []
        events = _close_with_handoff(dispatcher, tracker, state, "通话中断", None, STATUS_INTERRUPTED)
        return events + [ActiveLoop(None)]


class ActionAfterClose(Action):
    """The report is done (or handed off): remind the caller, do not start over."""

    def name(self) -> str:
        return "action_after_close"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        state = _state(tracker)
        dispatcher.utter_message(response="utter_call_closed",
                                 json_message=_meta(state, "closed", "closed", [], ticket_number=state.ticket_number))
        return []


def _register_ask_actions() -> None:
    """One `action_ask_<slot>` per slot, named as Rasa's form looks them up."""
    for slot in SLOTS:
        cls = type(f"ActionAsk_{slot}", (ActionAskSlot,), {"slot": slot})
        globals()[cls.__name__] = cls


_register_ask_actions()
warm_up()
