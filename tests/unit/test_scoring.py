from bot.client import BotReply
from bot.eval.scoring import hospital_right, slot_right
from bot.eval.simulated_caller import CONFIRM, SimulatedCaller

SCENARIO = {
    "id": "t1",
    "opening": "我爸摔了",
    "answers": {"insured_name": "他叫张建国", "incident_date": "昨天下午", "hospital": "瑞金医院"},
    "expect": {"insured_name": "张建国", "incident_date": "2026-03-13", "diagnosis": "S52", "hospital": "瑞金医院"},
}


def test_hospital_containment_and_registry():
    assert hospital_right("瑞金医院", "上海交通大学医学院附属瑞金医院")
    assert hospital_right("上海交通大学医学院附属瑞金医院", "瑞金 医院")
    assert not hospital_right("瑞金医院", "华山医院")
    assert not hospital_right("医院", "瑞金医院")  # the shorter name needs four characters


def test_diagnosis_scored_by_icd10_category():
    assert slot_right("diagnosis", "S52", "桡骨远端骨折", "S52")
    assert not slot_right("diagnosis", "S52", "胫骨骨折", "S82")
    assert slot_right("insured_name", "张建国", "张建国")
    assert not slot_right("insured_name", "张建国", None)


def test_simulated_caller_answers_what_is_asked_and_corrects_first_wrong():
    caller = SimulatedCaller(SCENARIO)
    assert caller.reply_to(BotReply(["?"], {"stage": "identity", "asking": ["insured_name", "insured_id"]})) == \
        "他叫张建国，不清楚"
    good = {"insured_name": "张建国", "incident_date": "2026-03-13", "diagnosis_icd10": "S52",
            "hospital": "上海交通大学医学院附属瑞金医院"}
    assert caller.reply_to(BotReply(["?"], {"stage": "confirm", "draft": good})) == CONFIRM
    bad = dict(good, incident_date="2026-03-12")
    assert caller.reply_to(BotReply(["?"], {"stage": "confirm", "draft": bad})) == "不对，昨天下午"
    # 请问哪一项不对: the caller keeps correcting from the last draft it heard
    assert caller.reply_to(BotReply(["?"], {"stage": "confirm"})) == "不对，昨天下午"
