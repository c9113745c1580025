"""Context-free extraction of the nine report items from one caller utterance, with canonical values.

Runs inside Rasa (ClaimEntityExtractor) so every consumer of a parse gets the same entities; the action
server adds only what needs the dialogue context (the question just asked, the call's own time).
Entity names are the slot names; `value` is canonical except `incident_date`, whose value is the date
phrase as said (it is resolved against the call time, which only the dialogue knows).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from nlu import date_parser, id_number, name_parser, phone_number, relation_parser
from nlu.jieba_dict import is_common_word
from nlu.spoken_digits import corrected_numbers
from nlu.term_data import all_dictionary_words
from nlu.term_normalizer import get_normalizer
from nlu.text_normalizer import normalize_text

EXTRACTOR = "ClaimEntityExtractor"
SPAN_ANCHOR = datetime(2090, 12, 31, 23, 59)  # a Sunday that ends a month and a year
_ID_SPAN = re.compile(r"\d{17}[\dX]|\d{15}")
_PHONE_SPAN = re.compile(r"(?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")


def _entity(slot: str, value: str, start: int, end: int, confidence: float, **detail: Any) -> dict[str, Any]:
    return {
        "entity": slot,
        "value": value,
        "start": start,
        "end": end,
        "confidence_entity": round(confidence, 3),
        "extractor": EXTRACTOR,
        "detail": detail,
    }


def _blank(text: str, start: int, end: int) -> str:
    """Masks a consumed span so later parsers do not read an ID's digits as a date or a phone."""
    return text[:start] + " " * (end - start) + text[end:]


@lru_cache(maxsize=1)
def _dictionary_words() -> frozenset[str]:
    return frozenset(all_dictionary_words())


def _corrected_span(text: str, number: str) -> tuple[int, int]:
    """Where a number corrected mid-way was said: both runs and the correction between them."""
    fixed = next((c for c in corrected_numbers(text, len(number)) if c.digits == number), None)
    return (fixed.start, fixed.end) if fixed else (0, 0)


def _is_word(text: str) -> bool:
    """An ordinary word or one of our terms or keywords (查出, 住院), which a name is not."""
    return text in _dictionary_words() or is_common_word(text)


def extract_entities(text: str, now: datetime | None = None, normalized: bool = False) -> list[dict[str, Any]]:
    """All items found in `text`. `now` only locates date phrases here; callers resolve them themselves."""
    s = text if normalized else normalize_text(text)
    if not s:
        return []
    found: list[dict[str, Any]] = []
    work = s

    ident = id_number.extract_id(work)
    if ident:
        m = re.search(re.escape(ident[:-1]) + r"[\dXx]", work) or _ID_SPAN.search(work)
        start, end = (m.start(), m.end()) if m else _corrected_span(work, ident)
        found.append(_entity("insured_id", ident, start, end, 1.0))
        work = _blank(work, start, end)

    phone = phone_number.extract_phone(work)
    if phone:
        fixed = _corrected_span(work, phone)
        m = None if fixed != (0, 0) else _PHONE_SPAN.search(work)
        start, end = (m.start(), m.end()) if m else fixed
        found.append(_entity("contact_phone", phone, start, end, 1.0))
        work = _blank(work, start, end)

    # Only the phrase is wanted here; the dialogue resolves it against the call's own time. A far-future
    # anchor keeps 这周四 or 三月二号 from being dropped as "future" relative to the server's clock.
    dm = date_parser.parse_incident_date(work, now or SPAN_ANCHOR)
    if dm is not None:
        found.append(_entity("incident_date", dm.text, dm.start, dm.end, dm.confidence, iso=dm.date.isoformat()))

    terms = get_normalizer().normalize(work)
    d = terms.best_diagnosis
    if d is not None:
        found.append(_entity("diagnosis", d.term, d.start, d.end, d.confidence, icd10=d.category, cause=d.cause,
                             critical=d.critical, said=d.span_text, method=d.method,
                             unspecific=d.unspecific, hedged=d.hedged))
    h = terms.best_hospital
    if h is not None:
        shared = {"shared": True} if h.shared else {}
        found.append(_entity("hospital", h.name, h.start, h.end, h.confidence, in_registry=h.in_registry, said=h.said,
                             **shared))
    status = terms.treatment_status
    if status is not None:
        t = next(m for m in reversed(terms.treatments) if m.value == status)
        found.append(_entity("treatment_status", status, t.start, t.end, 0.95, said=t.said))
    if terms.causes:
        cause = terms.cause
        c = next((m for m in terms.causes if m.value == cause), terms.causes[0])
        found.append(_entity("incident_cause", cause, c.start, c.end, 0.95, said=c.said))

    rel = relation_parser.extract_relation(work)
    if rel is not None:
        start = work.find(rel.text)
        found.append(_entity("reporter_relation", rel.relation, max(start, 0), max(start, 0) + len(rel.text), 0.95))

    nm = name_parser.extract_name(work, expecting=False)
    if nm is not None and nm.confidence < 0.9 and _is_word(nm.name):
        nm = None  # 我妈妈查出了…: a word after a relation word, not a name
    if nm is not None:
        start = work.find(nm.name[0])
        found.append(_entity("insured_name", nm.name, max(start, 0), max(start, 0) + len(nm.name), nm.confidence))
    return found
