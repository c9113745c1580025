"""Pinyin fuzzy matching finds ASR homophone slips of closed-vocabulary terms, and nothing in ordinary talk."""

from __future__ import annotations

import pytest

from nlu import jieba_dict
from nlu.pinyin_fuzzy import DEFAULT_SCORE_CUTOFF, PinyinFuzzyMatcher, fold_syllable, pinyin_key
from nlu.term_data import load_term_data

# Things callers say in a claim call that contain no diagnosis, injury or hospital.
ORDINARY_SENTENCES = [
    "你好，我想报个案", "喂，你好，请问是保险公司吗", "我是他儿子", "我是他老婆", "他叫张建国，弓长张",
    "身份证号是三幺零幺零四一九五零零三零七幺零八叉", "打我电话幺三八一二三四五六七八", "昨天下午出的事",
    "上个礼拜三早上", "前天晚上十点多", "今天天气不错", "房间要多通风", "我们家住在浦东新区", "他平时身体挺好的",
    "我不太清楚具体情况", "你等一下，我问问我妈", "对，没错", "不对，名字写错了", "好的，谢谢你",
    "我需要准备什么材料", "大概多久能赔下来", "这个要怎么弄", "我刚才说到哪了", "他是做生意的",
    "早上起来去买菜", "路上车很多", "他骑电动车去上班", "我在外地出差", "孩子在上学", "他退休好几年了",
    "我爸今年七十多了", "家里就我一个人", "手机快没电了", "信号不太好，你再说一遍", "能不能快一点",
    "嗯，对，是这样的", "我想问一下流程", "你们工作人员态度挺好", "他这个人很固执", "我们老家是安徽的",
    "单位给买的团体险", "我也说不上来", "我记不太清了", "过年的时候回老家", "周末去公园散步", "晚饭吃了饺子",
    "他喜欢钓鱼", "我们小区门口有个超市", "那天下着大雨", "冰箱里的东西坏了", "飞燕去北京了", "老根叔来了",
    "我们公司在中山路", "他叫李华山", "我姓王，三横王", "我老公姓刘，文刀刘", "没有别的了", "就这些",
    "我再想想", "下个月再说吧", "他在银行上班", "我们开车去的", "您贵姓", "请稍等", "中风险的理财产品",
    "他专门诊断这个", "新房子刚装修好", "我们那边风很大", "他平常爱喝两口", "孩子放学了", "我现在在上班",
    "这个月工资还没发", "他开了个小饭馆", "老家在河南农村", "明天上午有空", "我把材料准备好了",
    "他的脸色不太好", "我手上拿着东西", "手机屏幕碎了", "杯子摔碎了", "车门撞坏了", "他头发白了", "腿脚不太方便",
    "他肚子饿了", "我心里很着急", "眼睛有点花", "头一回遇到这种事", "手头有点紧", "我腰包里有钱",
    "肩上的担子很重", "我心脏都快跳出来了", "电脑坏了", "血压计在柜子里", "护士说明天再来", "挂号排了半天队",
    "医院的停车场满了", "这家医院服务很好", "他在医院上班", "我在医院门口", "早上空腹抽血", "报告还没出来",
    "医生还没说是什么病", "等结果出来再说", "他平时爱抽烟", "头有点晕，可能没睡好", "手机快没电了",
    "冰箱里的东西坏了",
]


def _diagnosis_vocabulary() -> list[tuple[str, str]]:
    data = load_term_data()
    words = [(word, d.term) for d in data.diagnoses for word in (d.term, *d.synonyms)]
    return words + [(word, kind) for kind, kind_words in data.injuries.kinds.items() for word in kind_words]


def _hospital_vocabulary() -> list[tuple[str, str]]:
    return [(word, h.name) for h in load_term_data().hospitals for word in h.words]


@pytest.fixture(scope="module")
def diagnosis_matcher() -> PinyinFuzzyMatcher[str]:
    jieba_dict.ensure_loaded()
    return PinyinFuzzyMatcher(_diagnosis_vocabulary(), is_common_word=jieba_dict.is_common_word)


@pytest.fixture(scope="module")
def hospital_matcher() -> PinyinFuzzyMatcher[str]:
    jieba_dict.ensure_loaded()
    return PinyinFuzzyMatcher(_hospital_vocabulary(), is_common_word=jieba_dict.is_common_word,
                              anchor_suffixes=("医院", "卫生院"))


@pytest.mark.parametrize(("syllable", "folded"), [
    ("zhe", "ze"), ("chuan", "cuan"), ("shan", "san"), ("nao", "lao"), ("fei", "hei"),
    ("geng", "gen"), ("xing", "xin"), ("yang", "yan"), ("zhong", "zong"), ("n", "n"),
])
def test_fold_syllable(syllable, folded):
    assert fold_syllable(syllable) == folded


def test_homophones_and_accent_slips_share_a_key():
    assert pinyin_key("脑梗死") == pinyin_key("脑更死") == pinyin_key("老梗死")
    assert pinyin_key("骨折") == pinyin_key("骨哲")
    assert pinyin_key("瑞金") == pinyin_key("锐金")
    assert pinyin_key("阑尾炎") == pinyin_key("烂尾炎")
    assert pinyin_key("心梗") == pinyin_key("新耿")


@pytest.mark.parametrize(("said", "slip", "entry"), [
    ("我爸骨哲了", "骨哲", "fracture"),
    ("医生说是脑更死", "脑更死", "脑梗死"),
    ("他是烂尾炎", "烂尾炎", "急性阑尾炎"),
    ("去年得过非炎", "非炎", "肺炎"),
])
def test_diagnosis_slips_are_found(diagnosis_matcher, said, slip, entry):
    hits = diagnosis_matcher.search(said)
    assert [(hit.matched_text, hit.entry) for hit in hits] == [(slip, entry)]
    assert said[hits[0].start:hits[0].end] == slip
    assert DEFAULT_SCORE_CUTOFF <= hits[0].score <= 100


def test_near_homophone_scores_below_a_homophone(diagnosis_matcher):
    exact = diagnosis_matcher.search("脑出雪")[0]  # xue: a true homophone of 血
    near = diagnosis_matcher.search("脑出些")[0]  # xie: one letter off
    assert exact.entry == near.entry == "脑出血"
    assert exact.score == 100 > near.score >= DEFAULT_SCORE_CUTOFF


@pytest.mark.parametrize(("said", "name_part"), [("在锐金医院住院", "瑞金"), ("花山医院看的", "华山"),
                                                 ("送到锐金一院", "瑞金")])
def test_hospital_slips_are_found(hospital_matcher, said, name_part):
    hits = hospital_matcher.search(said)
    assert len(hits) == 1 and name_part in hits[0].entry


def test_exact_words_are_left_to_the_exact_matcher(diagnosis_matcher):
    assert diagnosis_matcher.search("脑梗死") == []


def test_a_common_word_is_not_a_slip():
    """通风 (ventilate) sounds exactly like 痛风 (gout) but is an ordinary word."""
    vocabulary = [("痛风", "痛风")]
    assert PinyinFuzzyMatcher(vocabulary).search("房间要多通风")  # without the veto it would be a hit
    jieba_dict.ensure_loaded()
    assert PinyinFuzzyMatcher(vocabulary, is_common_word=jieba_dict.is_common_word).search("房间要多通风") == []


def test_a_slip_keeps_the_onset_of_each_changed_syllable(diagnosis_matcher):
    """他肚子 (ta) is not 拉肚子 (la), though only one letter differs."""
    assert diagnosis_matcher.search("他肚子饿了") == []


def test_a_said_hospital_name_is_not_turned_into_a_homophone_alias():
    matcher = PinyinFuzzyMatcher([("中山一院", "中山大学附属第一医院")], anchor_suffixes=("医院",))
    assert matcher.search("送到中山医院了") == []
    assert matcher.search("送到中山一元了")  # an alias slip proper still matches


def test_a_window_must_keep_most_characters_of_the_entry():
    matcher = PinyinFuzzyMatcher([("阑尾炎", "阑尾炎")])
    assert matcher.search("兰维言") == []  # same sound, no character in place: too weak to trust


def test_blocked_spans_are_not_searched(diagnosis_matcher):
    assert diagnosis_matcher.search("骨哲", blocked=[(0, 2)]) == []


def test_lookup_matches_a_whole_short_answer(hospital_matcher):
    hit = hospital_matcher.lookup("锐金")
    assert hit is not None and "瑞金" in hit.entry
    assert hospital_matcher.lookup("锐金那边") is None


@pytest.mark.parametrize("sentence", ORDINARY_SENTENCES)
def test_ordinary_sentences_give_no_hit(diagnosis_matcher, hospital_matcher, sentence):
    assert diagnosis_matcher.search(sentence) == []
    assert hospital_matcher.search(sentence) == []
