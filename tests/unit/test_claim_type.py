from __future__ import annotations

import pytest

from bot.claims.claim_type import derive_claim_type, derive_priority, is_critical_icd10
from bot.claims.documents import documents_for


@pytest.mark.parametrize(
    ("cause", "icd10", "critical", "treatment", "disability", "expected"),
    [
        ("意外", "S52", False, "住院", False, "意外医疗"),
        ("疾病", "J18", False, "住院", False, "疾病医疗"),
        ("疾病", "I21", True, "住院", False, "重大疾病"),
        ("疾病", "I21", True, "身故", False, "身故"),          # death outranks critical illness
        ("意外", "T75", False, "身故", False, "身故"),
        ("意外", "S82", False, "已出院", True, "伤残"),
        ("疾病", "C34", None, "门诊", False, "重大疾病"),      # unknown critical: read from ICD-10
        ("疾病", "I63", None, "住院", False, "重大疾病"),
        ("疾病", "I10", None, "门诊", False, "疾病医疗"),
        (None, "S62", None, "门诊", False, "意外医疗"),         # unknown cause: injury chapter
        (None, "K35", None, "住院", False, "疾病医疗"),
        (None, None, None, None, False, "疾病医疗"),
        ("疾病", "C34", False, "门诊", False, "疾病医疗"),      # explicit critical=False wins
    ],
)
def test_derive_claim_type(cause, icd10, critical, treatment, disability, expected) -> None:
    assert derive_claim_type(cause, icd10, critical, treatment, disability=disability) == expected


def test_critical_icd10_ranges() -> None:
    assert is_critical_icd10("C00") and is_critical_icd10("c97") and is_critical_icd10("C50.9")
    assert not is_critical_icd10("D25") and not is_critical_icd10("") and not is_critical_icd10(None)


@pytest.mark.parametrize(
    ("claim_type", "treatment", "flags", "expected"),
    [
        ("身故", "身故", {}, "高"),
        ("重大疾病", "门诊", {}, "高"),
        ("重大疾病", "住院", {"policy": "保单未匹配"}, "高"),   # capped
        ("疾病医疗", "住院", {}, "中"),
        ("伤残", "已出院", {}, "中"),
        ("意外医疗", "门诊", {}, "低"),
        ("意外医疗", "门诊", {"insured_id": "身份证校验位不符"}, "中"),
        ("疾病医疗", "住院", {"policy": "保单未匹配", "insured_id": "身份证校验位不符"}, "高"),  # one step only
        ("意外医疗", "未就诊", ["保单未匹配"], "中"),
        ("意外医疗", None, None, "低"),
    ],
)
def test_derive_priority(claim_type, treatment, flags, expected) -> None:
    assert derive_priority(claim_type, treatment, flags) == expected


def test_documents_for_each_type() -> None:
    for claim_type in ("意外医疗", "疾病医疗", "重大疾病", "身故", "伤残"):
        documents = documents_for(claim_type)
        assert 3 <= len(documents) <= 6
    assert "死亡证明" in documents_for("身故")
    assert "伤残鉴定书" in documents_for("伤残")
    assert "出院小结" in documents_for("疾病医疗")
    assert documents_for("不存在的类型") == documents_for(None)
    documents_for("身故").append("改动")
    assert "改动" not in documents_for("身故")  # callers get a copy
