from datetime import date

from bot.claims.readback import draft_metadata, speak_phone, summary


def test_phone_read_in_groups():
    assert speak_phone("13812345678") == "138 1234 5678"
    assert speak_phone("02164370045") == "021 6437 0045"
    assert speak_phone("057187654321") == "0571 8765 4321"


def test_summary_has_every_item_and_unknowns():
    values = {"insured_name": "张建国", "insured_id": "31010419500307108X", "reporter_relation": "子女",
              "incident_date": "2026-03-13", "incident_cause": "意外", "diagnosis": "桡骨远端骨折",
              "hospital": "上海交通大学医学院附属瑞金医院", "treatment_status": "住院", "contact_phone": None}
    text = summary(values, date(2026, 3, 14))
    for part in ("张建国", "310104 19500307 108X", "子女", "3月13日", "意外", "桡骨远端骨折", "瑞金医院", "住院", "电话不详"):
        assert part in text
    assert "2025年" in summary(dict(values, incident_date="2025-12-30"), date(2026, 3, 14))


def test_draft_metadata_carries_icd10():
    draft = draft_metadata({"diagnosis": "脑梗死"}, {"diagnosis": {"detail": {"icd10": "I63"}}})
    assert draft == {"diagnosis": "脑梗死", "diagnosis_icd10": "I63"}
