"""The development scenario sets (dev.yml, dev_asr.yml), their builder and the ASR noise script.

The scenario files are the yardstick of every evaluation figure, so a wrong expectation here would make
a correct bot look broken (or the reverse). These tests check each expectation against the contract's
canonical forms and the builder's documented date conventions, and that the ASR file is exactly what
the script makes from dev.yml.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pypinyin import lazy_pinyin

from bot.eval import asr_noise, scenario_builder
from bot.eval.scenario_builder import cn_cardinal, resolve_date_phrase
from nlu.spoken_digits import to_digits

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "data" / "scenarios" / "dev.yml"
DEV_ASR = REPO / "data" / "scenarios" / "dev_asr.yml"
SLOTS_FILE = REPO / "data" / "slots" / "slots.yml"

try:
    from nlu.id_number import check_char
except ImportError:  # pragma: no cover - the builder's private copy until the NLU module exists
    from bot.eval.scenario_builder import check_char

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}[2-9]\d{6,7})$")
CHINESE_PUNCTUATION = re.compile(r"[，。、！？；：“”‘’（）《》…—～·]")


def _slots() -> dict[str, list[str]]:
    with SLOTS_FILE.open(encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    return {slot["name"]: slot.get("values", []) for slot in spec["slots"]}


SLOT_VALUES = _slots()


@pytest.fixture(scope="module")
def dev() -> list[dict]:
    return yaml.safe_load(DEV.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dev_asr() -> list[dict]:
    return yaml.safe_load(DEV_ASR.read_text(encoding="utf-8"))


def _caller_texts(scenario: dict) -> list[str]:
    return [scenario["opening"], *scenario["answers"].values()]


def _age(id_number: str, on: date) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# ---------------------------------------------------------------------------------------------
# Both files: shape and canonical expectations
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["dev", "dev_asr"])
def test_files_load_with_enough_unique_scenarios(fixture: str, request: pytest.FixtureRequest) -> None:
    scenarios = request.getfixturevalue(fixture)
    assert len(scenarios) >= 200
    ids = [scenario["id"] for scenario in scenarios]
    assert len(set(ids)) == len(ids)
    for scenario in scenarios:
        assert set(scenario) == {"id", "now", "opening", "answers", "expect"}
        assert set(scenario["answers"]) == set(SLOT_VALUES) == set(scenario["expect"])
        assert all(isinstance(text, str) and text.strip() for text in _caller_texts(scenario))


@pytest.mark.parametrize("fixture", ["dev", "dev_asr"])
def test_expectations_are_canonical(fixture: str, request: pytest.FixtureRequest) -> None:
    for scenario in request.getfixturevalue(fixture):
        sid, expect = scenario["id"], scenario["expect"]
        now = datetime.strptime(scenario["now"], "%Y-%m-%d %H:%M")
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", expect["insured_name"]), sid
        insured_id = expect["insured_id"]
        assert re.fullmatch(r"\d{17}[\dX]", insured_id), sid
        assert check_char(insured_id[:17]) == insured_id[17], sid
        assert 0 <= _age(insured_id, now.date()) <= 100, sid
        assert PHONE.match(expect["contact_phone"]), sid
        incident = date.fromisoformat(expect["incident_date"])
        assert now.date() - timedelta(days=730) <= incident <= now.date(), sid
        for slot in ("reporter_relation", "incident_cause", "treatment_status"):
            assert expect[slot] in SLOT_VALUES[slot], (sid, slot)
        assert re.fullmatch(r"[A-Z]\d\d", expect["diagnosis"]), sid
        if expect["treatment_status"] == "未就诊":
            assert expect["hospital"] == "", sid  # not seen anywhere: the contract keeps it empty
        else:
            assert expect["hospital"].endswith(("医院", "卫生院", "中心")), sid


def test_ids_agree_with_the_relation(dev: list[dict]) -> None:
    """A caller's parent is an adult, a caller's child is young, a self-reporting caller is grown up."""
    for scenario in dev:
        expect = scenario["expect"]
        age = _age(expect["insured_id"], datetime.strptime(scenario["now"], "%Y-%m-%d %H:%M").date())
        relation = expect["reporter_relation"]
        if relation == "子女":
            assert age >= 40, scenario["id"]
        elif relation == "父母":
            assert age <= 40, scenario["id"]
        elif relation == "本人":
            assert age >= 18, scenario["id"]


def test_hospital_expectation_is_a_registry_name_or_said_as_is(dev: list[dict]) -> None:
    registry = yaml.safe_load((REPO / "data" / "terms" / "hospitals.yml").read_text(encoding="utf-8"))
    names = {entry["name"] for entry in registry}
    unregistered = 0
    for scenario in dev:
        hospital = scenario["expect"]["hospital"]
        if hospital and hospital not in names:
            unregistered += 1
            assert hospital in scenario["answers"]["hospital"], scenario["id"]
    assert 0 < unregistered < len(dev) // 4


def test_set_covers_the_call_types_asked_for(dev: list[dict]) -> None:
    expects = [scenario["expect"] for scenario in dev]
    relations = Counter(expect["reporter_relation"] for expect in expects)
    assert set(relations) == set(SLOT_VALUES["reporter_relation"])
    assert relations["本人"] >= 10
    assert sum(expect["treatment_status"] == "身故" for expect in expects) >= 10
    assert sum(expect["contact_phone"].startswith("0") for expect in expects) >= 10
    assert sum(expect["incident_cause"] == "意外" for expect in expects) >= 60
    assert len({expect["diagnosis"] for expect in expects}) >= 40
    assert len({scenario["opening"] for scenario in dev}) >= 200
    vague = [s for s in dev if len(s["opening"]) <= 16 and not re.search(r"[我他她]的?[爸妈儿女老]", s["opening"])]
    assert len(vague) >= 15
    years = {scenario["now"][:4] for scenario in dev}
    assert years == {"2025", "2026"}


def test_two_thirds_of_insured_persons_are_on_file(dev: list[dict]) -> None:
    on_file = {id_number for _name, id_number, _start in scenario_builder.demo_people()}
    if not on_file:
        pytest.skip("no demo policy table")
    share = sum(scenario["expect"]["insured_id"] in on_file for scenario in dev) / len(dev)
    assert 0.6 <= share <= 0.75


# ---------------------------------------------------------------------------------------------
# The builder's own logic
# ---------------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 11, 15, 0)  # a Wednesday


@pytest.mark.parametrize(("phrase", "expected"), [
    ("昨天下午", date(2026, 3, 10)),
    ("大前天", date(2026, 3, 8)),
    ("三天前", date(2026, 3, 8)),
    ("上周五", date(2026, 3, 6)),
    ("上个星期三", date(2026, 3, 4)),      # not today: 上周三 is in the previous Mon–Sun week
    ("上礼拜天", date(2026, 3, 8)),
    ("这周一", date(2026, 3, 9)),
    ("三月二号", date(2026, 3, 2)),
    ("3月1日", date(2026, 3, 1)),
    ("十二月三十号", date(2025, 12, 30)),   # in the future this year, so last year
    ("上个月28号", date(2026, 2, 28)),
    ("上月二十八号", date(2026, 2, 28)),
    ("2026年2月27日", date(2026, 2, 27)),
    ("二零二五年十一月五号", date(2025, 11, 5)),
    ("今天早上", date(2026, 3, 11)),
])
def test_date_resolver_conventions(phrase: str, expected: date) -> None:
    assert resolve_date_phrase(phrase, NOW) == expected


def test_every_generated_date_phrase_reads_back_to_its_day() -> None:
    rng = random.Random(5)
    for back in range(60):
        now = datetime(2026, 1, 1, 20, 0) + timedelta(days=rng.randrange(700))
        target = now.date() - timedelta(days=back)
        phrases = scenario_builder.date_phrases(target, now, rng)
        assert phrases
        for _kind, phrase in phrases:
            assert resolve_date_phrase(phrase, now) == target, phrase
            assert not re.fullmatch(r"(周|星期|礼拜)[一二三四五六日天]", phrase)  # bare weekdays are ambiguous


@pytest.mark.parametrize(("number", "spoken"), [
    (2, "二"), (10, "十"), (12, "十二"), (20, "二十"), (28, "二十八"), (105, "一百零五"), (2026, "二千零二十六"),
])
def test_cn_cardinal(number: int, spoken: str) -> None:
    assert cn_cardinal(number) == spoken


def test_builder_is_deterministic_and_self_consistent() -> None:
    first = scenario_builder.ScenarioBuilder(seed=3, count=40).build()
    second = scenario_builder.ScenarioBuilder(seed=3, count=40).build()
    assert first == second
    assert scenario_builder.ScenarioBuilder(seed=4, count=40).build() != first
    for scenario in first:
        scenario_builder.check_scenario(scenario)


def test_unregistered_hospital_that_matches_the_registry_is_refused() -> None:
    registry = [{"name": "余姚市第三人民医院", "city": "余姚", "aliases": []}]
    with pytest.raises(ValueError, match="unregistered"):
        scenario_builder.resolve_hospitals(registry, registered=[], unregistered=[("余姚市第三人民医院", "余姚")])


def test_ambiguous_short_hospital_name_is_refused() -> None:
    registry = [{"name": "上海交通大学医学院附属瑞金医院", "aliases": ["瑞金医院"]},
                {"name": "某市瑞金医院分院", "aliases": []}]
    with pytest.raises(ValueError, match="瑞金医院"):
        scenario_builder.resolve_hospitals(registry, registered=[("瑞金医院", "上海")], unregistered=[])


def test_registry_short_name_resolves_to_the_full_name() -> None:
    registry = [{"name": "上海交通大学医学院附属瑞金医院", "aliases": ["瑞金医院"]},
                {"name": "四川大学华西医院", "aliases": []}]
    choices = scenario_builder.resolve_hospitals(registry, registered=[("瑞金医院", "上海"), ("华西医院", "成都")],
                                                 unregistered=[("城关镇卫生院", "")])
    assert [(c.said, c.expect) for c in choices] == [
        ("瑞金医院", "上海交通大学医学院附属瑞金医院"), ("华西医院", "四川大学华西医院"), ("城关镇卫生院", "城关镇卫生院")]


def test_diagnosis_pool_agrees_with_the_dictionary() -> None:
    codes = scenario_builder.dictionary_codes()
    if not codes:
        pytest.skip("no diagnosis dictionary")
    assert scenario_builder.check_diagnosis_pool(codes) == []


# ---------------------------------------------------------------------------------------------
# ASR variant
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "target"), [(DEV, DEV_ASR), (DEV.with_name("dev2.yml"), DEV.with_name("dev2_asr.yml"))])
def test_asr_file_is_exactly_what_the_script_makes(source: Path, target: Path) -> None:
    assert asr_noise.render_asr_file(source, target) == target.read_text(encoding="utf-8")


def test_grouped_numbers_are_heard_digit_by_digit_never_lost() -> None:
    scenario = {"id": "n1", "now": "2025-01-06 09:00", "opening": "报案",
                "answers": {"insured_id": "350203,19921010,2939"}, "expect": {}}
    heard = asr_noise.asr_variant([scenario], seed=1)[0]["answers"]["insured_id"]
    assert to_digits(heard).startswith("350203")


def test_asr_variant_keeps_expectations_and_pairs_with_dev(dev: list[dict], dev_asr: list[dict]) -> None:
    assert [s["id"] + "a" for s in dev] == [s["id"] for s in dev_asr]
    for plain, heard in zip(dev, dev_asr):
        assert heard["expect"] == plain["expect"] and heard["now"] == plain["now"]


def test_asr_caller_text_has_no_digits_or_punctuation(dev_asr: list[dict]) -> None:
    for scenario in dev_asr:
        for text in _caller_texts(scenario):
            assert not re.search(r"[0-9]", text), (scenario["id"], text)
            assert not CHINESE_PUNCTUATION.search(text), (scenario["id"], text)
            assert not re.search(r"[A-Za-z]", text), (scenario["id"], text)


def test_asr_variant_reads_numbers_aloud_and_is_seeded() -> None:
    scenario = {
        "id": "t1", "now": "2026-03-14 10:30",
        "opening": "我爸3月2号在瑞金医院住院，电话021-6437 0045",
        "answers": {"insured_id": "31010419500307108X", "incident_date": "2026年2月27日"},
        "expect": {"insured_id": "31010419500307108X"},
    }
    heard = asr_noise.asr_variant([scenario], seed=1)[0]
    assert scenario["opening"].startswith("我爸3月")  # the input is not modified
    opening = heard["opening"].replace(" ", "")
    assert "三月二号" in opening
    assert re.search(r"零二[一幺]六四三七零零四五", opening)
    id_text = heard["answers"]["insured_id"].replace(" ", "")
    assert re.search(r"三[一幺]零[一幺]零四[一幺]九五零零三零七[一幺]零八(叉|艾克斯)$", id_text)
    assert "二零二六年二月二十七日" in heard["answers"]["incident_date"].replace(" ", "")
    assert asr_noise.asr_variant([scenario], seed=1) == [heard]
    assert heard["expect"] == scenario["expect"]


def _fold(syllable: str) -> str:
    for source, target in (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h")):
        if syllable.startswith(source):
            syllable = target + syllable[len(source):]
            break
    for source, target in (("ang", "an"), ("eng", "en"), ("ing", "in")):
        if syllable.endswith(source):
            return syllable[: -len(source)] + target
    return syllable


def test_confusions_are_one_character_same_sound_slips() -> None:
    confusions = asr_noise.load_confusions()
    assert len(confusions) >= 40
    for entry in confusions:
        for slip in entry.slips:
            assert len(slip) == len(entry.term) and slip != entry.term, slip
            assert sum(a != b for a, b in zip(slip, entry.term)) == 1, slip
            for said, heard in zip(entry.term, slip):
                assert _fold(lazy_pinyin(said)[0]) == _fold(lazy_pinyin(heard)[0]), (entry.term, slip)


def test_slips_appear_in_the_asr_file(dev_asr: list[dict]) -> None:
    slips = [slip for entry in asr_noise.load_confusions() for slip in entry.slips]
    with_slip = [s["id"] for s in dev_asr if any(slip in text for text in _caller_texts(s) for slip in slips)]
    assert len(with_slip) >= 40
