"""Typed, validated access to the term data files (diagnoses, injuries, hospitals, keywords).

The YAML files are edited by people; a typo there should fail loudly at load time with the file and entry
named, not as a silent miss during a call. Everything is loaded once per process (``lru_cache``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

CAUSES = ("意外", "疾病")
TREATMENT_STATUSES = ("未就诊", "门诊", "住院", "已出院", "身故")
_ICD10 = re.compile(r"^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$")
_CJK = re.compile(r"^[\u3400-\u9fff]+$")


class TermDataError(ValueError):
    """A term data file does not have the expected shape."""


@dataclass(frozen=True)
class Diagnosis:
    term: str
    icd10: str
    cause: str
    critical: bool
    synonyms: tuple[str, ...] = ()
    unspecific: bool = False  # says the kind of illness, not the diagnosis (中风): asked for when volunteered

    @property
    def category(self) -> str:
        """The 3-character ICD-10 category the claim contract scores on (S52.5 → S52)."""
        return self.icd10[:3]


@dataclass(frozen=True)
class InjuryTerm:
    term: str
    icd10: str


@dataclass(frozen=True)
class BodyPart:
    part: str
    aliases: tuple[str, ...]
    injuries: dict[str, InjuryTerm]  # injury kind (fracture, sprain, ...) → canonical term

    @property
    def words(self) -> tuple[str, ...]:
        return (self.part, *self.aliases)


@dataclass(frozen=True)
class InjuryTable:
    kinds: dict[str, tuple[str, ...]]  # fracture → (骨折, 摔断, 骨裂, ...)
    body_parts: tuple[BodyPart, ...]
    fallback: dict[str, InjuryTerm]  # the term to record for a kind said without a usable body part


@dataclass(frozen=True)
class NeoplasmTable:
    """Site × morphology composition for tumours (neoplasms.yml): the site gives the diagnosis."""

    morphologies: tuple[str, ...]
    sites: dict[str, Diagnosis]  # site word (右肺, 胃窦) → the malignant neoplasm of diagnoses.yml
    max_gap: int
    not_sites: tuple[str, ...] = ()  # words holding a site word that name something else (乳头状, 肾上腺)
    blockers: tuple[str, ...] = ()   # secondary, in situ, borderline: no composition (继发, 原位)


@dataclass(frozen=True)
class Hospital:
    name: str
    city: str
    aliases: tuple[str, ...]
    shared_aliases: tuple[str, ...] = ()  # short names several hospitals share (协和, 医大一院)
    landmarks: tuple[str, ...] = ()       # districts, streets, campuses that tell which one (东单, 南京北街)
    province: str = ""

    @property
    def places(self) -> tuple[str, ...]:
        """Words that, said with a shared alias, point to this hospital: its city, province, landmarks."""
        city = self.city.removesuffix("市")
        return tuple(w for w in (self.city, city if len(city) >= 2 else "", self.province, *self.landmarks) if w)

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class TreatmentTable:
    statuses: dict[str, tuple[str, ...]]  # canonical status → keywords
    negations: tuple[str, ...]


@dataclass(frozen=True)
class InsuranceTerm:
    canonical: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class TermData:
    diagnoses: tuple[Diagnosis, ...]
    injuries: InjuryTable
    neoplasms: NeoplasmTable
    hospitals: tuple[Hospital, ...]
    treatment: TreatmentTable
    causes: dict[str, tuple[str, ...]]  # 意外/疾病 → keywords
    insurance_terms: tuple[InsuranceTerm, ...]
    extra_words: tuple[str, ...]  # relation words and surname spellings, only for the jieba dictionary


def _read(path: Path, *, required: bool = True) -> Any:
    if not path.exists():
        if required:
            raise TermDataError(f"missing term data file: {path}")
        return None
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _words(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, (str, int)) for item in value):
        raise TermDataError(f"{where}: expected a list of words, got {value!r}")
    return tuple(dict.fromkeys(str(item).strip() for item in value if str(item).strip()))


def _text(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TermDataError(f"{where}: '{key}' must be a non-empty string, got {value!r}")
    return value.strip()


def _icd10(entry: dict, where: str) -> str:
    code = _text(entry, "icd10", where).upper()
    if not _ICD10.match(code):
        raise TermDataError(f"{where}: '{code}' is not an ICD-10 code")
    return code


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise TermDataError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise TermDataError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _parse_diagnoses(raw: Any, source: str) -> tuple[Diagnosis, ...]:
    diagnoses = []
    for index, entry in enumerate(_list(raw, source)):
        where = f"{source}[{index}]"
        entry = _mapping(entry, where)
        cause = _text(entry, "cause", where)
        if cause not in CAUSES:
            raise TermDataError(f"{where}: cause must be one of {CAUSES}, got {cause!r}")
        critical = entry.get("critical", False)
        if not isinstance(critical, bool):
            raise TermDataError(f"{where}: critical must be true or false")
        diagnoses.append(Diagnosis(
            term=_text(entry, "term", where), icd10=_icd10(entry, where), cause=cause, critical=critical,
            synonyms=_words(entry.get("synonyms"), f"{where}.synonyms"), unspecific=bool(entry.get("unspecific")),
        ))
    return tuple(diagnoses)


def _parse_neoplasms(raw: Any, source: str, diagnoses: tuple[Diagnosis, ...]) -> NeoplasmTable:
    raw = _mapping(raw, source)
    by_term = {diagnosis.term: diagnosis for diagnosis in diagnoses}
    sites: dict[str, Diagnosis] = {}
    for term, words in _mapping(raw.get("sites"), f"{source}.sites").items():
        if term not in by_term:
            raise TermDataError(f"{source}.sites: {term} is no term of diagnoses.yml")
        for word in _words(words, f"{source}.sites.{term}"):
            if word in sites:
                raise TermDataError(f"{source}.sites: {word} names two sites")
            sites[word] = by_term[term]
    morphologies = _words(raw.get("morphologies"), f"{source}.morphologies")
    if not morphologies or not sites:
        raise TermDataError(f"{source}: morphologies and sites are required")
    return NeoplasmTable(morphologies, sites, int(raw.get("max_gap") or 8),
                         _words(raw.get("not_sites"), f"{source}.not_sites"),
                         _words(raw.get("blockers"), f"{source}.blockers"))


def _parse_injuries(raw: Any, source: str) -> InjuryTable:
    raw = _mapping(raw, source)
    kinds = {
        str(kind): _words(words, f"{source}.injury_kinds.{kind}")
        for kind, words in _mapping(raw.get("injury_kinds"), f"{source}.injury_kinds").items()
    }
    parts = []
    for index, entry in enumerate(_list(raw.get("body_parts"), f"{source}.body_parts")):
        where = f"{source}.body_parts[{index}]"
        entry = _mapping(entry, where)
        injuries = {}
        for kind in kinds:
            if entry.get(kind) is not None:
                term_entry = _mapping(entry[kind], f"{where}.{kind}")
                injuries[kind] = InjuryTerm(_text(term_entry, "term", f"{where}.{kind}"),
                                            _icd10(term_entry, f"{where}.{kind}"))
        parts.append(BodyPart(part=_text(entry, "part", where),
                              aliases=_words(entry.get("aliases"), f"{where}.aliases"), injuries=injuries))
    fallback = {}
    for kind, term_entry in _mapping(raw.get("fallback") or {}, f"{source}.fallback").items():
        where = f"{source}.fallback.{kind}"
        if kind not in kinds:
            raise TermDataError(f"{where}: unknown injury kind")
        term_entry = _mapping(term_entry, where)
        fallback[kind] = InjuryTerm(_text(term_entry, "term", where), _icd10(term_entry, where))
    return InjuryTable(kinds=kinds, body_parts=tuple(parts), fallback=fallback)


def _parse_hospitals(raw: Any, source: str) -> tuple[Hospital, ...]:
    hospitals = []
    for index, entry in enumerate(_list(raw, source)):
        where = f"{source}[{index}]"
        entry = _mapping(entry, where)
        city = entry.get("city") or ""
        hospitals.append(Hospital(name=_text(entry, "name", where), city=str(city).strip(),
                                  aliases=_words(entry.get("aliases"), f"{where}.aliases"),
                                  shared_aliases=_words(entry.get("shared_aliases"), f"{where}.shared_aliases"),
                                  landmarks=_words(entry.get("landmarks"), f"{where}.landmarks"),
                                  province=str(entry.get("province") or "").strip()))
    return tuple(hospitals)


def _parse_treatment(raw: Any, source: str) -> TreatmentTable:
    raw = _mapping(raw, source)
    statuses = _mapping(raw.get("treatment_status"), f"{source}.treatment_status")
    unknown = set(statuses) - set(TREATMENT_STATUSES)
    if unknown:
        raise TermDataError(f"{source}: unknown treatment statuses {sorted(unknown)}")
    return TreatmentTable(
        statuses={status: _words(words, f"{source}.{status}") for status, words in statuses.items()},
        negations=_words(raw.get("negations"), f"{source}.negations"),
    )


def _parse_causes(raw: Any, source: str) -> dict[str, tuple[str, ...]]:
    causes = _mapping(_mapping(raw, source).get("incident_cause"), f"{source}.incident_cause")
    unknown = set(causes) - set(CAUSES)
    if unknown:
        raise TermDataError(f"{source}: unknown causes {sorted(unknown)}")
    return {cause: _words(words, f"{source}.{cause}") for cause, words in causes.items()}


def _parse_insurance_terms(raw: Any, source: str) -> tuple[InsuranceTerm, ...]:
    terms = []
    for index, entry in enumerate(_list(raw, source)):
        where = f"{source}[{index}]"
        entry = _mapping(entry, where)
        terms.append(InsuranceTerm(_text(entry, "canonical", where),
                                   _words(entry.get("synonyms"), f"{where}.synonyms")))
    return tuple(terms)


def _cjk_strings(value: Any) -> list[str]:
    """Every all-CJK string (keys and values) of a YAML tree whose shape this module does not own."""
    found: list[str] = []
    if isinstance(value, str):
        if _CJK.match(value.strip()):
            found.append(value.strip())
    elif isinstance(value, dict):
        for key, item in value.items():
            found.extend(_cjk_strings(key))
            found.extend(_cjk_strings(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_cjk_strings(item))
    return found


@lru_cache(maxsize=4)
def load_term_data(data_dir: Path = DATA_DIR) -> TermData:
    """Load and validate all term files under ``data_dir`` (cached per directory)."""
    medical, terms = data_dir / "medical_terms", data_dir / "terms"
    extra = []
    for optional in ("relations.yml", "surnames.yml"):
        extra.extend(_cjk_strings(_read(terms / optional, required=False)))
    diagnoses = _parse_diagnoses(_read(medical / "diagnoses.yml"), "diagnoses.yml")
    return TermData(
        diagnoses=diagnoses,
        injuries=_parse_injuries(_read(medical / "injuries.yml"), "injuries.yml"),
        neoplasms=_parse_neoplasms(_read(medical / "neoplasms.yml"), "neoplasms.yml", diagnoses),
        hospitals=_parse_hospitals(_read(terms / "hospitals.yml"), "hospitals.yml"),
        treatment=_parse_treatment(_read(terms / "treatment.yml"), "treatment.yml"),
        causes=_parse_causes(_read(terms / "causes.yml"), "causes.yml"),
        insurance_terms=_parse_insurance_terms(_read(terms / "insurance_terms.yml"), "insurance_terms.yml"),
        extra_words=tuple(word for word in dict.fromkeys(extra) if len(word) >= 2),
    )


def all_dictionary_words(data_dir: Path = DATA_DIR) -> list[str]:
    """Every word the segmenter must keep whole: terms, synonyms, hospitals, body parts, keywords, relations."""
    data = load_term_data(data_dir)
    words: list[str] = []
    for diagnosis in data.diagnoses:
        words += [diagnosis.term, *diagnosis.synonyms]
    for kind_words in data.injuries.kinds.values():
        words += kind_words
    for part in data.injuries.body_parts:
        words += [*part.words, *(injury.term for injury in part.injuries.values())]
    words += [*data.neoplasms.morphologies, *data.neoplasms.sites]
    for hospital in data.hospitals:
        words += [*hospital.words, *hospital.shared_aliases, *hospital.landmarks]
    for status_words in data.treatment.statuses.values():
        words += status_words
    words += data.treatment.negations
    for cause_words in data.causes.values():
        words += cause_words
    for term in data.insurance_terms:
        words += [term.canonical, *term.synonyms]
    words += data.extra_words
    return [word for word in dict.fromkeys(w.strip() for w in words) if word and not any(c.isspace() for c in word)]
