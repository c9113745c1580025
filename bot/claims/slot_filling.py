"""Turns one caller utterance into slot updates, using the dialogue context the NLU does not have:
the question just asked, the call's own time, the current draft, the re-ask counters.

Called by the extraction action on every caller turn, and directly by unit tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.claims.checks import check_item
from bot.claims.claim_state import UNKNOWN, ClaimState
from bot.claims.dialogue_plan import NOT_SEEN
from bot.slot_spec import load_slot_spec
from nlu import date_parser, diagnosis_classifier, name_parser, phone_number, relation_parser
from nlu.answer_cues import says_any
from nlu.claim_entities import extract_entities
from nlu.term_normalizer import get_normalizer
from nlu.text_normalizer import assess_input, normalize_text

_PRONOUNS = re.compile(r"[他她我你您不对]")  # 吕他爸, 吕不对: a clause misread as a name
_LONG_DIGITS = re.compile(r"\d{7,}[Xx]?")  # IDs and phone numbers are not dates


@dataclass
class TurnResult:
    updates: dict[str, str] = field(default_factory=dict)   # slot -> canonical value to set
    corrected: list[str] = field(default_factory=list)      # slots whose existing value changed
    quality: str = "ok"


def says_unknown(text: str) -> bool:
    return says_any(text, "unknown")


def is_correction(text: str) -> bool:
    return says_any(text, "correction_cues")


def sounds_like_report(text: str) -> bool:
    return says_any(text, "report_cues")


def is_plain_affirm(text: str) -> bool:
    """对 / 没错 without any correction cue."""
    return not is_correction(text) and says_any(text, "affirm_cues")


def _resolve_date(entity: dict[str, Any], text: str, now: datetime) -> tuple[str, float] | None:
    match = date_parser.parse_incident_date(entity["value"], now) or date_parser.parse_incident_date(text, now)
    if match is None:
        return None
    return match.date.isoformat(), match.confidence


def _candidates(text: str, entities: list[dict[str, Any]], now: datetime, asked: list[str],
                values: Mapping[str, Any], phase: str, raw_text: str) -> dict[str, dict[str, Any]]:
    """slot -> {value, confidence, detail} from the entities plus context-only readings."""
    cands: dict[str, dict[str, Any]] = {}
    for ent in entities:
        slot = ent["entity"]
        detail = dict(ent.get("detail") or {})
        conf = float(ent.get("confidence_entity") or 1.0)
        value = ent["value"]
        if slot == "incident_date":
            resolved = _resolve_date(ent, text, now)
            if resolved is None:
                continue
            detail["said"] = value
            value, conf = resolved
        cands[slot] = {"value": value, "confidence": conf, "detail": detail}
    if "incident_date" not in cands:
        # The NLU only locates phrases; resolve against the call time what it may have missed.
        match = date_parser.parse_incident_date(_LONG_DIGITS.sub(" ", text), now)
        if match is not None:
            cands["incident_date"] = {"value": match.date.isoformat(), "confidence": match.confidence,
                                      "detail": {"said": match.text}}

    correcting_name = phase == "confirming" and (("名" in text) or (not cands and is_correction(text)))
    spoken = None
    if "insured_name" in asked or correcting_name:
        # Recognizer output: the name is the first words, before the characters are described; this
        # reading beats a cue-based one that the descriptions can mislead (蒋国栋 … 那个 栋梁的栋).
        after = _after_their_name_cue(raw_text) if " " in raw_text.strip() else None
        if after is not None:
            spoken = (name_parser.name_from_recognizer_words(after)
                      or name_parser.extract_name(after.replace(" ", ""), expecting=True)
                      or name_parser.word_after_name_cue(after))
        else:
            spoken = next(filter(None, map(name_parser.name_from_recognizer_words, _clauses(raw_text))), None)
        if spoken is not None and not _PRONOUNS.search(spoken.name):
            cands["insured_name"] = {"value": spoken.name, "confidence": spoken.confidence, "detail": {}}
        else:
            spoken = None
    if spoken is None and ("insured_name" in asked or correcting_name):
        # Asked for the name: the answer's own reading (the insured's name, spelled out) beats the
        # context-free one, which takes the first name said (我叫王建，我妈叫曹玉珍).
        said = _insured_name_said(raw_text)
        spelled = name_parser.spelled_out_name(raw_text, said.name if said else None)
        if spelled is not None and (said is None or len(spelled.name) >= len(said.name) > 0
                                    and spelled.name not in said.name):
            said = spelled  # 弓长张，建设的建，国家的国: spelled out whole, beats any name read between
        if said is not None:
            cands["insured_name"] = {"value": said.name, "confidence": said.confidence, "detail": {}}
    if "reporter_relation" not in cands and "reporter_relation" in asked:
        for clause in _clauses(text):  # 出险的是郭玉林，女儿: the one-word answer is its own clause
            rel = relation_parser.extract_relation(clause)
            if rel is not None:
                cands["reporter_relation"] = {"value": rel.relation, "confidence": rel.confidence, "detail": {}}
                break
    if "treatment_status" in asked and "treatment_status" not in cands and " " in raw_text.strip():
        # The recognizer's word breaks tell a two-character slip from chance (门珍 开了药 is 门诊); the NLU
        # saw the text without them.
        status = get_normalizer().normalize(raw_text).treatment_status
        if status:
            cands["treatment_status"] = {"value": status, "confidence": 0.8, "detail": {"said": raw_text}}
    hospital_answer = "hospital" in asked or (phase == "confirming" and is_correction(text))
    if hospital_answer and "hospital" not in cands and not says_unknown(text) \
            and cands.get("treatment_status", {}).get("value") != NOT_SEEN:
        # 北医六院: asked for it (or named in a correction at read-back), so it is the hospital
        said = get_normalizer().hospital_from_answer(text, alone=asked == ["hospital"])
        if said is not None:
            cands["hospital"] = {"value": said.name, "confidence": said.confidence,
                                 "detail": {"in_registry": False, "said": said.said, "as_answered": True}}
    if "diagnosis" in asked and "diagnosis" not in cands and not says_unknown(text):
        # Asked for it and no term matched: the classifier may place what was read off the report
        # (左距腓前韧带撕裂); else kept as said, without a category. The check re-asks once with a hint; a
        # second such answer is accepted and flagged for the analyst to code.
        normalizer = get_normalizer()
        said = normalizer.diagnosis_from_answer(text)
        coded = normalizer.coded_diagnosis(said) if said is not None else None
        if coded is not None:
            cands["diagnosis"] = {"value": coded.term, "confidence": coded.confidence,
                                  "detail": {"said": said, "icd10": coded.category, "cause": coded.cause,
                                             "critical": coded.critical, "method": coded.method,
                                             "hedged": coded.hedged}}
        elif said is not None:
            cands["diagnosis"] = {"value": said, "confidence": 0.3, "detail": {"said": said, "unmatched": True}}
    correcting_cause = phase == "confirming" and not cands and is_correction(text)  # 不对，是病，老年病
    if ("incident_cause" in asked or correcting_cause) and "incident_cause" not in cands:
        cause = "疾病" if says_any(text, "cause_answer_illness") else (
            "意外" if says_any(text, "cause_answer_accident") else None)
        if cause:
            cands["incident_cause"] = {"value": cause, "confidence": 0.85, "detail": {"said": text}}
    if phase == "confirming" and values.get("contact_phone") and "contact_phone" not in cands:
        fixed = phone_number.apply_correction(str(values["contact_phone"]), text)
        if fixed:
            cands["contact_phone"] = {"value": fixed, "confidence": 0.9, "detail": {"partial_correction": True}}
    if "incident_cause" not in cands and "diagnosis" in cands and cands["diagnosis"]["detail"].get("cause"):
        # 骨折 implies an accident, 肺癌 an illness: saves a question; marked as inferred.
        cands["incident_cause"] = {"value": cands["diagnosis"]["detail"]["cause"], "confidence": 0.8,
                                   "detail": {"inferred_from": "diagnosis"}}
    if says_unknown(text):
        for slot in asked:
            if slot not in cands:
                # The hospital's canonical "none" is empty (contract); other items read back as 不详.
                value = "" if slot == "hospital" else UNKNOWN
                cands[slot] = {"value": value, "confidence": 0.0, "detail": {"unknown": True}}
    return cands


# A hospital named only by its level (县医院, 市一院, 我们镇卫生院): not yet which one.
_GENERIC_HOSPITAL_RE = re.compile(r"(?:俺们|我们|咱们|咱|俺|当地|本地)?(?:的)?(?:县|市|区|省|镇|乡|村|州|旗)(?:里|上|里的|上的)?"
                                  r"(?:人民|中心|中医|第?[一二三四五六七八九]|妇幼|总)?(?:医院|卫生院|人医|院)")
_VAGUE_DATE = 0.6  # below this a date phrase only says roughly when (前阵子 0.2, 上个月底 0.5)
_DESCRIPTION_TAIL_RE = re.compile(r"的[\u4e00-\u9fff]{1,2}$")
_OWN_NAME_RE = re.compile(r"^(?:不对)?(?:我叫|我是|我姓|本人叫|俺叫|俺是|我名字叫)")


def _after_their_name_cue(raw_text: str) -> str | None:
    """Recognizer words after a 叫 that is not the caller's own (我 叫 马军 … 我 同事 叫 包俊峰 / 她 叫 向 桂珍
    … 我 叫 何勇): where the insured's name starts."""
    for match in re.finditer("叫", raw_text):
        before = raw_text[:match.start()].rstrip()
        if before and before[-1] not in "我俺":
            return re.split(r"[我俺]\s*叫", raw_text[match.end():])[0]
    return None


def _insured_name_said(raw_text: str) -> name_parser.NameMatch | None:
    """The first name in the answer, passing over the caller's own (我叫王建，我妈叫曹玉珍) when another
    name is said too."""
    found = []
    for clause in _clauses(raw_text):
        nm = name_parser.extract_name(clause, expecting=True)
        if nm is not None and not _PRONOUNS.search(nm.name) and "的" not in nm.name \
                and not _DESCRIPTION_TAIL_RE.search(clause):  # 国庆节的国庆 describes, names nobody
            found.append((bool(_OWN_NAME_RE.match(clause.strip(" ，,。"))), nm))
    others = [nm for own, nm in found if not own]
    return others[0] if others else (found[0][1] if found else None)


def _clauses(text: str) -> list[str]:
    parts = [p for p in (text.replace("，", ",").replace("。", ",").replace("；", ",").split(",")) if p.strip()]
    return parts + [text] if len(parts) > 1 else [text]


def fill_turn(text: str, values: Mapping[str, Any], state: ClaimState, now: datetime, phase: str,
              entities: list[dict[str, Any]] | None = None) -> TurnResult:
    """Applies one caller turn to the draft: updates `state` in place and returns the slot updates."""
    quality = assess_input(text).kind
    result = TurnResult(quality=quality)
    state.last_turn = quality
    if quality != "ok":
        return result
    norm = normalize_text(text)
    if entities is None:
        entities = extract_entities(norm, now, normalized=True)
    asked = list(state.asked)
    cands = _candidates(norm, entities, now, asked, values, phase, text)
    dialogue = load_slot_spec().dialogue
    for slot in load_slot_spec().names:
        cand = cands.get(slot)
        if cand is None:
            continue
        current = values.get(slot)
        volunteered = slot not in asked and phase != "confirming"
        if current not in (None, "") and volunteered:
            continue  # an unasked mention does not overwrite what the caller already told us
        if slot == "hospital" and volunteered and (_GENERIC_HOSPITAL_RE.fullmatch(str(cand["value"]))
                                                   or cand["detail"].get("shared")):
            continue  # 县医院, 市里的医院, 协和 (which city's?): which one is asked for when its turn comes
        if slot == "incident_date" and volunteered and cand["confidence"] < _VAGUE_DATE:
            continue  # 前阵子, 七月底 in the story: the day is asked for; an answer as vague is then accepted
        if slot == "diagnosis" and volunteered and cand["detail"].get("unspecific"):
            continue  # 中风 in the story: the doctor's diagnosis is asked for
        if cand["value"] == current and not cand["detail"].get("unknown"):
            continue
        if not cand["detail"].get("unknown"):
            check = check_item(slot, cand["value"], cand["detail"], now)
            if not check.ok:
                used = state.check_retries.get(slot, 0)
                if used < dialogue["max_check_retries"]:
                    state.check_retries[slot] = used + 1
                    state.pending_hint = check.hint
                    continue
            if check.flag:
                state.flags[slot] = check.flag
            else:
                state.flags.pop(slot, None)
        else:
            state.flags[slot] = "来电人不清楚"
        if current not in (None, ""):
            result.corrected.append(slot)
        result.updates[slot] = cand["value"]
        state.details[slot] = {
            "value": cand["value"],
            "confidence": round(cand["confidence"], 3),
            "source": text,
            "detail": cand["detail"],
        }
    if not result.updates and quality == "ok":
        state.last_turn = "nothing_new"
    return result



def warm_up() -> None:
    """Loads the parsers' data and the segmenter once, at server start rather than on a caller's turn."""
    from datetime import timezone

    fill_turn("他叫张建国，昨天下午在瑞金医院住院，电话13812345678", {}, ClaimState(asked=["insured_name"]),
              datetime.now(timezone.utc), "collecting")
    diagnosis_classifier.installed()
