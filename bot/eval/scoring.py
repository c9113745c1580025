"""Scoring rules of the claims contract: when a drafted or ticketed value counts as right."""

from __future__ import annotations

import re
from functools import lru_cache

from nlu.term_data import load_term_data

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _clean(s: str) -> str:
    return _PUNCT.sub("", s or "")


@lru_cache(maxsize=1)
def _hospital_ids() -> dict[str, int]:
    """Every registry name and alias -> index of its hospital, to tell 'the same hospital'."""
    ids: dict[str, int] = {}
    for i, h in enumerate(load_term_data().hospitals):
        for name in (h.name, *h.aliases):
            ids[_clean(name)] = i
    return ids


def hospital_right(expected: str, got: str | None) -> bool:
    e, g = _clean(expected), _clean(got or "")
    if not e or not g:
        return False
    shorter, longer = sorted((e, g), key=len)
    if len(shorter) >= 4 and shorter in longer:
        return True
    ids = _hospital_ids()
    return e in ids and ids.get(g) == ids[e]


def slot_right(slot: str, expected: object, got: object, got_icd10: str | None = None) -> bool:
    if expected is None:
        return got in (None, "")
    exp = str(expected)
    if slot == "diagnosis":
        return bool(got_icd10) and str(got_icd10)[:3].upper() == exp[:3].upper()
    if slot == "hospital":
        if not exp:  # not seen anywhere yet: right when the draft has no hospital
            return got in (None, "")
        return hospital_right(exp, None if got is None else str(got))
    return got is not None and str(got) == exp
