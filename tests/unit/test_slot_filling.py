"""One caller turn → slot updates, with the dialogue context the NLU does not have."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.claims.claim_state import UNKNOWN, ClaimState
from bot.claims.slot_filling import fill_turn

NOW = datetime(2026, 3, 14, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def fill(text, asked=(), values=None, phase="collecting", state=None):
    state = state or ClaimState(asked=list(asked))
    result = fill_turn(text, values or {}, state, NOW, phase)
    return result, state


def test_all_in_one_opening_fills_everything_said():
    result, state = fill("我爸昨天下午在小区里摔了一跤，手腕摔断了，现在在瑞金医院住院")
    assert result.updates == {
        "reporter_relation": "子女", "incident_date": "2026-03-13", "incident_cause": "意外",
        "diagnosis": "桡骨远端骨折", "hospital": "上海交通大学医学院附属瑞金医院", "treatment_status": "住院",
    }
    assert state.details["diagnosis"]["detail"]["icd10"] == "S52"
    assert state.details["hospital"]["source"].startswith("我爸")


def test_bare_name_only_when_asked():
    assert "insured_name" not in fill("张建国")[0].updates
    assert fill("张建国", asked=["insured_name"])[0].updates["insured_name"] == "张建国"
    assert fill("出险的是朱琳，夫妻关系", asked=["insured_name", "reporter_relation"])[0].updates == {
        "insured_name": "朱琳", "reporter_relation": "配偶"}


def test_volunteered_item_does_not_overwrite_but_answer_does():
    values = {"hospital": "复旦大学附属华山医院"}
    assert "hospital" not in fill("我在瑞金医院", values=values)[0].updates
    assert fill("我在瑞金医院", asked=["hospital"], values=values)[0].updates["hospital"].endswith("瑞金医院")


def test_failed_checksum_reasked_once_with_hint_then_accepted_and_flagged():
    state = ClaimState(asked=["insured_id"])
    result, state = fill("身份证号310104195003071081", state=state)
    assert result.updates == {} and state.pending_hint == "utter_hint_id_checksum"
    result, state = fill("身份证号310104195003071081", state=state)
    assert result.updates == {"insured_id": "310104195003071081"}
    assert state.flags["insured_id"] == "身份证校验位不符"


def test_unknown_answer_recorded_and_flagged():
    result, state = fill("这个不清楚", asked=["insured_id"])
    assert result.updates == {"insured_id": UNKNOWN}
    assert state.flags["insured_id"] == "来电人不清楚"


def test_corrections_at_readback():
    values = {"incident_date": "2026-03-13", "contact_phone": "13812345678", "insured_name": "章建国"}
    result, _ = fill("不对，是前天", values=values, phase="confirming")
    assert result.updates == {"incident_date": "2026-03-12"} and result.corrected == ["incident_date"]
    result, _ = fill("电话号码错了 后四位是八七六五", values=values, phase="confirming")
    assert result.updates == {"contact_phone": "13812348765"}
    result, _ = fill("不对，被保险人张建国", values=values, phase="confirming")
    assert result.updates == {"insured_name": "张建国"}


def test_bad_input_stores_nothing():
    for bad in ["", "   ", "😀😀", "I want to report", "<script>alert(1)</script>", "报" * 10_000]:
        result, state = fill(bad, asked=["insured_name"])
        assert result.updates == {}, bad
        assert state.last_turn in ("empty", "garbage", "too_long"), bad


def test_asr_style_text():
    result, _ = fill("嗯 那个 我 父亲 脑 更 死 在 锐金 医院 住 院 了")
    assert result.updates["diagnosis"] == "脑梗死"
    assert result.updates["hospital"].endswith("瑞金医院")
    result, _ = fill("身份证 三幺零幺零四 一九五零 零三零七 幺零八 叉", asked=["insured_id"])
    assert result.updates == {"insured_id": "31010419500307108X"}


def test_names_as_callers_and_recognizers_give_them():
    cases = {
        "出险的是彭辉": "彭辉", "本人袁婷": "袁婷", "啊 朱丽娟": "朱丽娟", "上官 振华 复姓 上官": "上官振华",
        "闫 浩然 门里 三横 的 闫": "闫浩然", "诸葛 强 诸葛亮 的 诸葛": "诸葛强", "他叫金卫东，金子的金": "金卫东",
        "出险的是胡志刚": "胡志刚", "啊 吕思远 双口 吕，嗯 我 是 他 爸": "吕思远",
    }
    for text, name in cases.items():
        assert fill(text, asked=["insured_name", "reporter_relation"])[0].updates.get("insured_name") == name, text


def test_asr_slips_in_treatment_and_diagnosis():
    assert fill("初院 了", asked=["treatment_status"])[0].updates == {"treatment_status": "已出院"}
    assert fill("现在 驻院 呢", asked=["treatment_status"])[0].updates == {"treatment_status": "住院"}
    result, state = fill("怕 金森 医院 确诊 的", asked=["diagnosis"])
    assert state.details["diagnosis"]["detail"]["icd10"] == "G20" and "hospital" not in result.updates


def test_labelled_landline_and_spoken_x():
    assert fill("打家里电话吧，区号零二七，号码二八四零二三零五", asked=["contact_phone"])[0].updates == {
        "contact_phone": "02728402305"}
    assert fill("号码 是 四 四 零 一 零 三 一九七二 零四二六 二三 六 大写 的 艾克斯", asked=["insured_id"])[0].updates == {
        "insured_id": "44010319720426236X"}


def test_one_word_relation_after_the_name():
    updates = fill("出险的是郭玉林，女儿", asked=["insured_name", "reporter_relation"])[0].updates
    assert updates == {"insured_name": "郭玉林", "reporter_relation": "子女"}


def test_dialect_opening_and_two_character_hospital_names():
    updates = fill("我家老头子脑子里出血了，人在华西，还在ICU")[0].updates
    assert updates["hospital"] == "四川大学华西医院" and updates["treatment_status"] == "住院"
    # 县医院 says only the level: which one is asked when the hospital's turn comes, and then accepted.
    assert fill("俺爹在县医院住着呢")[0].updates == {"reporter_relation": "子女", "treatment_status": "住院"}
    assert fill("就在县医院", asked=["hospital"])[0].updates == {"hospital": "县医院"}
    assert fill("莒县人民医院", asked=["hospital"])[0].updates == {"hospital": "莒县人民医院"}


def test_announced_check_character():
    result, _ = fill("身份证号码是 三幺零幺零四 一九五零 零三零七 幺零八 最后一位是叉", asked=["insured_id"])
    assert result.updates == {"insured_id": "31010419500307108X"}


def test_short_cause_answers_and_dialect_dates():
    assert fill("病", asked=["incident_cause"])[0].updates == {"incident_cause": "疾病"}
    assert fill("心脏的病", asked=["incident_cause"])[0].updates["incident_cause"] == "疾病"
    assert fill("从梯子上跌下来", asked=["incident_cause"])[0].updates == {"incident_cause": "意外"}
    assert fill("昨个儿上午", asked=["incident_date"])[0].updates == {"incident_date": "2026-03-13"}


def test_no_chance_homophones_across_words():
    assert "diagnosis" not in fill("吴建军，我俩是同事，一个工地上干活的")[0].updates  # 上干 ≠ 上感
    assert fill("看了门诊，开了点药", asked=["treatment_status"])[0].updates == {"treatment_status": "门诊"}
    assert fill("哮喘犯了，浙二", asked=["diagnosis", "hospital"])[0].updates["hospital"] == "浙江大学医学院附属第二医院"


def test_given_name_characters_described():
    assert fill("罗春梅，四维罗，春天的春，梅花的梅，本人", asked=["insured_name", "reporter_relation"])[0].updates == {
        "insured_name": "罗春梅", "reporter_relation": "本人"}
    assert fill("高峰，高山的高，山峰的峰", asked=["insured_name"])[0].updates == {"insured_name": "高峰"}


def test_recognizer_words_name_then_spelled_characters():
    cases = {
        "苏晓红 嗯 苏州 的 苏 拂晓 的 晓 红色 的 红": "苏晓红",
        "蒋国栋 草字头 的 蒋 国家 的 国 那个 栋梁 的 栋": "蒋国栋",
        "崔海 山 字头 的 崔 大海 的 海": "崔海",
        "宋 立新 嗯 宋朝 的 宋 站立 的 立 新旧 的 新": "宋立新",
        "嗯 罗春梅 四维 罗 春天 的 春 嗯 梅花 的 梅，本人": "罗春梅",
        "嗯 许 志强 那个 言午许 志气 的 志 强大 的 强": "许志强",
        "冯子涵 两点水 一个 马 的 冯 嗯 子涵": "冯子涵",
    }
    for text, name in cases.items():
        assert fill(text, asked=["insured_name"])[0].updates.get("insured_name") == name, text
    values = {"insured_name": "蒋那"}
    result, _ = fill("不对，蒋国栋 草字头 的 蒋 国家 的 国", values=values, phase="confirming")
    assert result.updates == {"insured_name": "蒋国栋"}


def test_recognizer_words_that_are_ordinary_words():
    assert fill("王国 庆 三横王", asked=["insured_name"])[0].updates == {"insured_name": "王国庆"}
    assert fill("王子 涵", asked=["insured_name"])[0].updates == {"insured_name": "王子涵"}
    updates = fill("她 叫 赵 秀英 走 肖赵，普通 朋友", asked=["insured_name", "reporter_relation"])[0].updates
    assert updates == {"insured_name": "赵秀英", "reporter_relation": "朋友"}
    assert fill("李娜 木子 李", asked=["insured_name"])[0].updates == {"insured_name": "李娜"}


def test_negated_admission():
    assert fill("嗯 看 了 门诊 没 让 驻院", asked=["treatment_status"])[0].updates == {"treatment_status": "门诊"}


def test_a_vague_day_in_the_story_is_asked_but_accepted_as_an_answer():
    """前阵子 / 七月底 only say roughly when: asked for when the date's turn comes, then taken as said."""
    assert "incident_date" not in fill("我妈前阵子老是胃口不好，查出来是胃癌")[0].updates
    assert "incident_date" not in fill("上个月底盲肠炎开了一刀")[0].updates
    assert fill("上个月底", asked=["incident_date"])[0].updates["incident_date"] == "2026-02-28"


def test_a_short_name_several_hospitals_share_is_asked_unless_placed():
    assert "hospital" not in fill("后来在协和做的穿刺，确诊是恶性的")[0].updates
    assert fill("协和，东单那个院区", asked=["hospital"])[0].updates["hospital"] == "中国医学科学院北京协和医院"
    assert fill("就是协和医院", asked=["hospital"])[0].updates["hospital"] == "协和医院"


def test_a_numbered_opening_keeps_the_date_after_the_id():
    """…一零七四，四月十二号: the 四 of 四月 starts the date, it is not the ID's next group."""
    updates = fill("身份证号四一一六二三,一九七五零五一零,一零七四，三月十二号晚上骑摩托车摔了")[0].updates
    assert updates["insured_id"] == "411623197505101074"
    assert updates["incident_date"] == "2026-03-12"


def test_a_correction_names_the_cause():
    values = {"incident_cause": "意外", "diagnosis": "帕金森病"}
    assert fill("不对，病，老年病", values=values, phase="confirming")[0].updates == {"incident_cause": "疾病"}


def test_a_diagnosis_no_term_matches_is_asked_once_more_then_kept_as_said():
    """Precision over recall: never a wrong category; the analyst codes what the caller read out."""
    result, state = fill("医生说是髂骨翼撕脱", asked=["diagnosis"])
    assert result.updates == {} and state.pending_hint == "utter_hint_diagnosis"
    result, state = fill("医生说是髂骨翼撕脱", asked=["diagnosis"], state=state)
    assert result.updates == {"diagnosis": "髂骨翼撕脱"}
    assert state.flags["diagnosis"] == "诊断未匹配，需人工编码"
    assert "icd10" not in state.details["diagnosis"]["detail"]
    assert fill("还没出结果呢", asked=["diagnosis"])[0].updates == {"diagnosis": UNKNOWN}


def test_recognizer_words_spell_names_outside_the_surname_list_and_slips():
    cases = {"他 叫 额尔敦 额头 的 额 偶尔 的 尔 敦煌 的 敦": "额尔敦", "鱼 海涛 鱼肉 的 鱼 大海 的 海 波涛 的 涛": "鱼海涛",
             "欧 阳 呃 志 明 欧阳 是 复姓 志气 的 志 明天 的 明": "欧阳志明", "我 母亲 呃 贾淑贤 西贝 贾 淑女 的 淑": "贾淑贤",
             "嗯 拓 永平 提手旁 一个 石头 的 石 永远 的 永 平安 的 平": "拓永平", "母 光荣 母亲 的 母 光荣 的 光荣": "母光荣",
             "被保险人 诸葛 金 生": "诸葛金生", "王 芳 是 我 妈": "王芳", "梁国 强 栋梁 的 梁 国家 的 国 强壮 的 强": "梁国强",
             "叶 婉 清 就是 叶子 的 叶 清水 的 清": "叶婉清", "我 叫 王建 我 妈 叫 曹玉珍": "曹玉珍",
             "嗯 我 叫 马军 出事 的 是 我 同事 叫 包俊峰 包子 的 包": "包俊峰",
             "她 叫 向 桂珍 方向 的 向 桂花 的 桂 我 是 她 女婿 我 叫 何勇": "向桂珍",
             "我 婆婆 叫 应金娣 应该 的 应 金子 的 金 我 叫 陈燕": "应金娣", "赵雨 萱 下雨 的 雨": "赵雨萱", "黎子 豪": "黎子豪",
             "王强 对": "王强"}
    for text, name in cases.items():
        assert fill(text, asked=["insured_name"])[0].updates.get("insured_name") == name, text
    assert fill("看 的 门珍 开 了 点药", asked=["treatment_status"])[0].updates == {"treatment_status": "门诊"}
    assert fill("嗯 人 没强 救过来 走 了", asked=["treatment_status"])[0].updates == {"treatment_status": "身故"}
    assert fill("他 叫 医生 来 了", asked=["insured_name"])[0].updates == {}
    assert fill("我 是 他 个 仔 儿子", asked=["reporter_relation"])[0].updates == {"reporter_relation": "子女"}
