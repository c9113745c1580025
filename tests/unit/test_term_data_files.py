"""Schema checks on the term data files, read with plain yaml (no project loader).

These files are edited by hand. A code typo, a synonym filed under two diagnoses, or an alias shared by two
hospitals would not crash anything: the bot would just store a wrong value during a call. So the rules
are checked here, including the contract's minimum list of diagnosis categories.
"""

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DIAGNOSES_FILE = ROOT / "data" / "medical_terms" / "diagnoses.yml"
INJURIES_FILE = ROOT / "data" / "medical_terms" / "injuries.yml"
HOSPITALS_FILE = ROOT / "data" / "terms" / "hospitals.yml"
TREATMENT_FILE = ROOT / "data" / "terms" / "treatment.yml"
CAUSES_FILE = ROOT / "data" / "terms" / "causes.yml"
INSURANCE_TERMS_FILE = ROOT / "data" / "terms" / "insurance_terms.yml"

# "Diagnoses the term dictionary must cover" in the claims contract (a fixed list, copied on purpose).
CONTRACT_CODES = {
    "S06", "S02", "S22", "S32", "S42", "S52", "S62", "S72", "S82", "S92", "S83", "S93", "S36", "S27",
    "S01", "S61", "T14", "T30", "T63", "T75", "T58",
    "I21", "I63", "I61", "I60", "I20", "I50", "I48", "I10", "E11", "J18", "J44", "J45", "J11", "U07",
    "A09", "A41", "K35", "K80", "K85", "K25", "K29", "K74", "B18", "N20", "N18",
    "C34", "C16", "C22", "C50", "C18", "C20", "C73", "C53", "C11", "C15", "C25", "C61", "C95", "C71",
    "D25", "H25", "M51", "M17", "G20", "G30", "G40", "F32",
}
CAUSES = {"意外", "疾病"}
TREATMENT_STATUSES = {"未就诊", "门诊", "住院", "已出院", "身故"}
ICD10_CATEGORY = re.compile(r"^[A-Z]\d\d$")
# Words too vague to name one diagnosis; they belong to injuries.yml or to a follow-up question.
TOO_GENERIC = {"骨折", "骨裂", "癌", "肿瘤", "摔了", "受伤", "伤了", "病了", "瘤子", "发炎", "感染", "出血", "中毒"}


def _load(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def diagnoses() -> list[dict]:
    return _load(DIAGNOSES_FILE)


@pytest.fixture(scope="module")
def injuries() -> dict:
    return _load(INJURIES_FILE)


@pytest.fixture(scope="module")
def hospitals() -> list[dict]:
    return _load(HOSPITALS_FILE)


def _phrase_index(diagnoses: list[dict]) -> dict[str, set[str]]:
    """Every term and synonym → the canonical terms it is filed under."""
    index: dict[str, set[str]] = defaultdict(set)
    for entry in diagnoses:
        for phrase in [entry["term"], *entry["synonyms"]]:
            index[phrase].add(entry["term"])
    return index


# ---------------------------------------------------------------- diagnoses


def test_every_contract_category_is_covered(diagnoses):
    from bot.eval.terms_eval import contract_categories

    codes = {entry["icd10"] for entry in diagnoses}
    assert CONTRACT_CODES - codes == set()
    assert contract_categories() == CONTRACT_CODES  # the list `eval terms` reports apart


def test_diagnosis_entries_have_the_schema(diagnoses):
    for entry in diagnoses:
        assert set(entry) - {"unspecific"} == {"term", "icd10", "cause", "critical", "synonyms"}, entry
        assert ICD10_CATEGORY.match(entry["icd10"]), entry["term"]
        assert entry["cause"] in CAUSES, entry["term"]
        assert isinstance(entry["critical"], bool), entry["term"]
        assert isinstance(entry["term"], str) and entry["term"].strip() == entry["term"] != ""
        assert 3 <= len(entry["synonyms"]) <= 16, entry["term"]
        assert all(isinstance(word, str) and word.strip() == word != "" for word in entry["synonyms"])


def test_no_phrase_names_two_diagnoses(diagnoses):
    index = _phrase_index(diagnoses)
    shared = {phrase: sorted(terms) for phrase, terms in index.items() if len(terms) > 1}
    assert shared == {}
    terms = [entry["term"] for entry in diagnoses]
    assert len(terms) == len(set(terms))


def test_no_synonym_is_too_generic(diagnoses):
    used = {word for entry in diagnoses for word in entry["synonyms"]}
    assert used & TOO_GENERIC == set()


def test_injuries_imply_accident_and_diseases_illness(diagnoses):
    for entry in diagnoses:
        if entry["icd10"][0] in "ST":
            assert entry["cause"] == "意外", entry["term"]
        elif entry["icd10"][0] in "ABCDEFGHIJKLMNOU":
            assert entry["cause"] == "疾病", entry["term"]


@pytest.mark.parametrize("phrase, code", [
    ("心梗", "I21"), ("脑梗", "I63"), ("脑血栓", "I63"), ("脑溢血", "I61"), ("中风", "I64"),
    ("盲肠炎", "K35"), ("肺上长了个瘤子", "C34"), ("血癌", "C95"), ("尿毒症", "N18"), ("羊角风", "G40"),
    ("阳了", "U07"), ("煤气中毒", "T58"), ("被蛇咬了", "T63"), ("被马蜂蛰了", "T63"), ("手腕摔断了", "S52"),
    ("崴脚", "S93"), ("脾破裂", "S36"), ("老年痴呆", "G30"), ("腰突", "M51"), ("老寒腿", "M17"),
    ("胆结石", "K80"), ("脑震荡", "S06"), ("溺水", "T75"), ("被狗咬了", "T14"), ("烫伤", "T30"),
])
def test_colloquial_phrases_reach_the_right_category(diagnoses, phrase, code):
    by_phrase = {phrase: entry for entry in diagnoses for phrase in [entry["term"], *entry["synonyms"]]}
    assert by_phrase[phrase]["icd10"] == code


def test_critical_flags_follow_the_claim_practice(diagnoses):
    by_term = {entry["term"]: entry for entry in diagnoses}
    assert by_term["急性心肌梗死"]["critical"] and by_term["脑梗死"]["critical"]
    assert by_term["肺恶性肿瘤"]["critical"] and by_term["慢性肾脏病5期"]["critical"]
    assert not by_term["甲状腺恶性肿瘤"]["critical"]  # stage I is paid as 轻度
    assert not any(entry["critical"] for entry in diagnoses if entry["icd10"][0] in "ST")


# ---------------------------------------------------------------- injuries


def test_injury_kinds_and_body_parts_have_the_schema(injuries):
    kinds = injuries["injury_kinds"]
    assert {"fracture", "sprain", "wound", "contusion", "burn"} <= set(kinds)
    for kind, words in kinds.items():
        assert words and all(isinstance(word, str) and word for word in words), kind
    for part in injuries["body_parts"]:
        injury_keys = set(part) - {"part", "aliases"}
        assert injury_keys and injury_keys <= set(kinds), part["part"]
        for kind in injury_keys:
            assert ICD10_CATEGORY.match(part[kind]["icd10"]), (part["part"], kind)
            assert part[kind]["term"], (part["part"], kind)


def test_each_body_part_word_names_one_part(injuries):
    owners: dict[str, set[str]] = defaultdict(set)
    for part in injuries["body_parts"]:
        for word in [part["part"], *part["aliases"]]:
            owners[word].add(part["part"])
    assert {word: parts for word, parts in owners.items() if len(parts) > 1} == {}


@pytest.mark.parametrize("part, kind, code", [
    ("手腕", "fracture", "S52"), ("小腿", "fracture", "S82"), ("脚踝", "sprain", "S93"),
    ("手指", "wound", "S61"), ("膝盖", "fracture", "S82"), ("膝盖", "ligament", "S83"),
    ("肋骨", "fracture", "S22"), ("头", "wound", "S01"), ("脾", "organ", "S36"), ("身上", "contusion", "T14"),
    ("锁骨", "fracture", "S42"), ("髋部", "fracture", "S72"), ("脚后跟", "fracture", "S92"),
])
def test_body_part_compositions_reach_the_right_category(injuries, part, kind, code):
    by_part = {entry["part"]: entry for entry in injuries["body_parts"]}
    assert by_part[part][kind]["icd10"] == code


def test_injury_terms_agree_with_the_diagnosis_dictionary(injuries, diagnoses):
    codes = {entry["term"]: entry["icd10"] for entry in diagnoses}
    for part in injuries["body_parts"]:
        for kind in set(part) - {"part", "aliases"}:
            term = part[kind]["term"]
            if term in codes:
                assert codes[term] == part[kind]["icd10"], (part["part"], term)


# ---------------------------------------------------------------- hospitals


def test_hospital_registry_is_large_and_well_formed(hospitals):
    assert len(hospitals) >= 150
    for entry in hospitals:
        assert {"name", "city", "aliases"} <= set(entry) <= {"name", "city", "aliases", "shared_aliases",
                                                            "landmarks", "province"}, entry
        assert entry["name"].endswith(("医院", "中心", "保健院")), entry["name"]
        assert entry["city"], entry["name"]
        assert all(len(alias) >= 2 for alias in entry["aliases"]), entry["name"]
    assert len({entry["city"] for entry in hospitals}) >= 40


def test_no_hospital_name_or_alias_is_shared(hospitals):
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in hospitals:
        for word in {entry["name"], *entry["aliases"]}:
            owners[word].add(entry["name"])
    assert {word: names for word, names in owners.items() if len(names) > 1} == {}


def test_a_shared_alias_is_no_hospital_s_own_alias(hospitals):
    """A short name several hospitals share (协和) only resolves with a place said beside it."""
    own = {word for entry in hospitals for word in {entry["name"], *entry["aliases"]}}
    shared = {alias for entry in hospitals for alias in entry.get("shared_aliases", [])}
    assert own & shared == set()


def test_short_names_shared_across_cities_are_not_aliases(hospitals):
    aliases = {alias for entry in hospitals for alias in entry["aliases"]}
    assert aliases & {"协和医院", "同济医院", "中山医院", "同仁医院", "省人民医院", "市一医院", "人民医院"} == set()


# ---------------------------------------------------------------- keyword files


def _no_word_in_two_classes(table: dict[str, list[str]]) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for value, words in table.items():
        for word in words:
            owners[word].add(value)
    return {word: values for word, values in owners.items() if len(values) > 1}


def test_treatment_keywords_use_contract_values():
    raw = _load(TREATMENT_FILE)
    table = raw["treatment_status"]
    assert set(table) == TREATMENT_STATUSES
    assert all(table[status] for status in TREATMENT_STATUSES)
    assert _no_word_in_two_classes(table) == {}
    assert {"没", "还没"} <= set(raw["negations"])
    # negated phrases are filed under what they mean
    assert "没住院" in table["门诊"] and "还没出院" in table["住院"] and "没去医院" in table["未就诊"]


def test_death_keywords_are_unambiguous():
    """身故 overrides every other status, so ordinary words like 走了 or 没了 must not be death words."""
    deaths = set(_load(TREATMENT_FILE)["treatment_status"]["身故"])
    assert deaths & {"走了", "没了", "死了", "老了", "不行了"} == set()


def test_cause_keywords_use_contract_values():
    table = _load(CAUSES_FILE)["incident_cause"]
    assert set(table) == CAUSES
    assert all(table[cause] for cause in CAUSES)
    assert _no_word_in_two_classes(table) == {}
    assert {"车祸", "摔倒", "被狗咬"} <= set(table["意外"]) and {"确诊", "突发", "查出"} <= set(table["疾病"])


def test_insurance_terms_map_each_synonym_once():
    terms = _load(INSURANCE_TERMS_FILE)
    canonicals = [entry["canonical"] for entry in terms]
    assert len(canonicals) == len(set(canonicals))
    assert {"出险", "理赔", "保单", "被保险人", "受益人", "报案", "投保人", "保险金", "免赔额", "等待期"} <= set(canonicals)
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in terms:
        assert entry["synonyms"], entry["canonical"]
        for word in [entry["canonical"], *entry["synonyms"]]:
            owners[word].add(entry["canonical"])
    assert {word: names for word, names in owners.items() if len(names) > 1} == {}


def test_every_tumour_site_names_a_malignant_neoplasm():
    from nlu.term_data import load_term_data
    table = load_term_data().neoplasms
    assert {diagnosis.category[:1] for diagnosis in table.sites.values()} == {"C"}
    assert "腺瘤" not in table.morphologies  # benign words make no cancer
