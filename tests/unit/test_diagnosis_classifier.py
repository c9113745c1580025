"""The learned ICD-10 fallback: what it learns from, when it answers, how the dialogue and the ticket
carry its answer. A small classifier trained here stands in for the built one (same class, less data)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.claims.checks import check_item
from bot.claims.claim_state import ClaimState
from bot.claims.slot_filling import fill_turn
from nlu import diagnosis_classifier
from nlu.diagnosis_classifier import DiagnosisClassifier, category_names, icd10_rows, prepare
from nlu.term_normalizer import get_normalizer

NOW = datetime(2026, 3, 14, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
_EXAMPLES = [("距腓前韧带撕裂", "S93"), ("踝关节韧带撕裂", "S93"), ("踝扭伤", "S93"),
             ("胆囊结石", "K80"), ("胆结石伴胆囊炎", "K80"), ("肝内胆管结石", "K80"),
             ("高血压", "I10"), ("原发性高血压", "I10"), ("高血压病级", "I10"),
             ("脑梗死", "I63"), ("脑梗", "I63"), ("多发性脑梗死", "I63")]


@pytest.fixture(scope="module")
def small() -> DiagnosisClassifier:
    return DiagnosisClassifier.train(_EXAMPLES, {"S93": "踝和足水平的关节和韧带脱位、扭伤和劳损",
                                                 "K80": "胆石症", "I10": "特发性(原发性)高血压", "I63": "脑梗死"}, threshold=0.1)


def test_side_stage_grade_and_numbers_carry_no_category():
    assert prepare("右肺上叶IIA2期腺癌") == "肺上叶腺癌"
    assert prepare("L5压缩性骨折") == "压缩性骨折"
    assert prepare("双侧 乳腺（外上象限）") == "乳腺外上象限"


def test_the_generated_icd10_terms_cover_every_category_with_its_own_name():
    rows = icd10_rows()
    names = category_names(rows)
    assert len(rows) > 35000 and len(names) > 2000
    assert names["C34"] == "支气管和肺恶性肿瘤" and names["I63"] == "脑梗死"
    assert all(len(category) == 3 for _code, category, _term in rows)


def test_it_answers_only_above_its_margin(small, tmp_path):
    assert small.predict("左距腓前韧带撕裂").category == "S93"
    assert small.predict("胆囊多发结石").name == "胆石症"
    assert small.predict("") is None and small.predict("123") is None
    assert small.predict("头晕") is None  # no character of it was learned: no margin over the runner-up
    loaded = DiagnosisClassifier.load(small.save(tmp_path / "c.joblib"))
    assert loaded.predict("左距腓前韧带撕裂") == small.predict("左距腓前韧带撕裂")


def test_the_classifier_decides_but_site_and_morphology_compositions_stand(small):
    normalizer = get_normalizer()
    assert normalizer.coded_diagnosis("脑梗", small).method == "exact"  # both agree: the dictionary's term
    assert normalizer.coded_diagnosis("右肺上叶周围型腺癌", small).category == "C34"  # composed: it stands
    assert normalizer.normalize("癫痫").best_diagnosis is not None
    assert normalizer.coded_diagnosis("癫痫", small) is None  # a phrase the classifier cannot confirm
    assert normalizer.coded_diagnosis("癫痫", None).category == "G40"  # none built: the dictionary alone
    coded = normalizer.coded_diagnosis("左距腓前韧带撕裂", small)
    assert (coded.category, coded.method, coded.cause, coded.span_text) == ("S93", "classifier", "意外", "左距腓前韧带撕裂")
    assert coded.confidence == 0.6 and not coded.hedged
    assert normalizer.coded_diagnosis("左距腓前韧带撕裂", None) is None  # none installed: 未匹配
    hedged = normalizer.coded_diagnosis("胆囊结石待查", small)
    assert hedged.hedged and hedged.confidence == 0.5


def test_hedged_dictionary_diagnoses_are_kept_low_and_flagged():
    best = get_normalizer().normalize("医生说疑似脑梗").best_diagnosis
    assert (best.category, best.hedged, best.confidence) == ("I63", True, 0.5)
    assert not get_normalizer().normalize("医生说是脑梗").best_diagnosis.hedged
    assert get_normalizer().normalize("肺癌待查").best_diagnosis.hedged
    check = check_item("diagnosis", "脑梗死", {"icd10": "I63", "hedged": True}, NOW)
    assert check.ok and "疑似" in check.flag


def test_an_answer_the_classifier_places_is_coded_and_flagged_for_the_analyst(small):
    diagnosis_classifier.install(small)
    state = ClaimState(asked=["diagnosis"])
    result = fill_turn("病历上写的是左距腓前韧带撕裂", {}, state, NOW, "collecting")
    assert result.updates["diagnosis"] == "踝和足水平的关节和韧带脱位、扭伤和劳损"
    detail = state.details["diagnosis"]["detail"]
    assert (detail["icd10"], detail["method"], detail["said"]) == ("S93", "classifier", "左距腓前韧带撕裂")
    assert state.flags["diagnosis"] == "诊断由模型归类，需人工核对编码"


def test_the_icd10_term_file_is_what_its_script_builds_from_the_reference():
    """Generated data stays generated: rerunning scripts/build_icd10_terms.py on ../shared gives the file."""
    import importlib.util

    from bot.settings import load_settings

    source = load_settings().shared_dir / "reference" / "icd10" / "icd10_beijing_v601.tsv"
    if not source.exists():
        pytest.skip("../shared/reference/icd10 is not here")
    spec = importlib.util.spec_from_file_location("build_icd10_terms", diagnosis_classifier.ICD10_TERMS.parents[2]
                                                  / "scripts" / "build_icd10_terms.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.render(script.build(source)) == diagnosis_classifier.ICD10_TERMS.read_text(encoding="utf-8")
