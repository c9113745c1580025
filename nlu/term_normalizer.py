"""Turns a caller's words into canonical terms: diagnosis + ICD-10, hospital, treatment status, cause.

Callers (and the ASR in between) rarely say the canonical term: they say 脑梗, 手腕摔断了, 锐金医院,
我们县人民医院. The normalizer finds, in order of trust:

1. exact words from the term files, matched on jieba tokens by a spaCy PhraseMatcher (plus a substring
   pass for words of three or more characters that jieba happened to cut differently);
2. injuries composed from a body part and an injury kind a few characters apart (小腿骨头裂了, 摔断了手腕);
3. pinyin fuzzy matches for ASR slips (脑更死, 骨哲), at lower confidence so the bot confirms them.

Overlaps keep the longest span; mentions preceded by a negation (没有骨折, 不是脑梗) are dropped, except
that 还没出院 means the caller is still in hospital.

All start/end offsets index the caller's original text; ``span_text``/``said`` are the cleaned words.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jieba
import spacy
from spacy.matcher import PhraseMatcher

from nlu import diagnosis_classifier, jieba_dict
from nlu.pinyin_fuzzy import PinyinFuzzyMatcher, pinyin_key
from nlu.term_data import (
    DATA_DIR,
    Diagnosis,
    Hospital,
    InsuranceTerm,
    load_term_data,
)

# Endings that make a phrase a medical facility name; the hospital registry cannot list every county
# hospital, so a name with one of these endings is kept as said.
HOSPITAL_SUFFIXES = ("卫生服务中心", "医疗中心", "卫生院", "保健院", "医院", "卫生所", "卫生室", "诊所")
# Characters that end a hospital name on its left (在县医院, 送到市一医院, 那家医院).
_NAME_STOPS = set("在去到送进是住了的从往于就过把被给说和跟与个家转院，。！？、；：,.!?;: ")
# Stop characters that are part of a name inside a word (和平医院, 仁和医院), not the conjunction 和.
_STOPS_INSIDE_WORDS = set("和")
# Words a caller puts in front of a name that are not part of it.
_NAME_FILLERS = ("昨天", "今天", "前天", "刚才", "后来", "然后", "上午", "下午", "晚上", "早上", "当天", "我们那边", "我们这边", "我们那儿", "我们这儿", "我们那", "我们这", "我们", "咱们", "咱",
                 "那个", "这个", "就是", "那边", "这边", "当地", "本地", "附近", "嗯", "呃", "啊", "那", "这")
# What is left when the caller named no particular hospital (大医院, 什么医院).
_GENERIC_NAMES = {"大", "小", "什么", "啥", "哪", "哪个", "哪家", "一", "私人", "公立", "正规", "三甲", "好",
                  "别的", "其他", "其它", "另外", "专科", "综合"}
_MAX_NAME_LENGTH = 16
# Around a hospital said as the answer to "在哪家医院看的": 就在…看的, 是…那边, 送到…了.
_ANSWER_LEAD = re.compile(r"^(?:不对|嗯|呃|啊|哦|就是|就在|就|是在|是|在|去的|去了|去|送到|送的|送去|送进|转到|住在|"
                          r"那个|我们那边的|我们那的|我们|咱们|当地的|医院是|医院叫|叫)+")
_ANSWER_TAIL = re.compile(r"(?:看的|看过|住的|住着|治的|那边|这边|那里|那儿|那个|这个|吧|呢|啊|呀|的|了)+$")
# What a caller says around a diagnosis read off a report (医生说是…, 病理报告上写的是…, …吧).
_DIAGNOSIS_LEAD = re.compile(r"^(?:不对|嗯|呃|啊|哦|就是|是|说是|医生说是?|大夫说是?|诊断是|诊断为|诊断写的是?|写的是?|"
                             r"病理(?:报告|单子|结果)?(?:上)?(?:写的|写着|说)?是?|"
                             r"(?:报告单?|单子|病历|诊断书|诊断证明|出院小结|出院记录)(?:上面?)?(?:写的|写着)?是?|确诊(?:是|为|了)?|查出来是?|[:：])+")
_DIAGNOSIS_TAIL = re.compile(r"(?:吧|呢|啊|呀|的|了|什么的)+$")
# A visit still to come: 打算去, 想去, 明天送, 等会儿送去.
_PLANNED_VISIT = re.compile(r"(?:打算|准备|想|要|得|明天|明儿|回头|过两天|等会儿?|待会儿?)再?(?:去|送|上|到)")
_FACILITY_CHARS = re.compile(r"院|医|中心|诊所|卫生|人民|附属|保健")
# Clauses that only say where or which (沈阳的, 丰台那个, 东单那个院区): not a hospital of their own.
_QUALIFIER_ONLY = re.compile(r"[^院医诊所心]{1,10}(?:院区|分院|那个|那边|那块|那儿|的|路|街|区|县|市|镇)")
# Context that makes a two-character short name a hospital (在瑞金住院, 送到华山, 瑞金那边).
_BEFORE_HOSPITAL = set("在去到送转进是的")
_AFTER_HOSPITAL = ("住", "看", "治", "就诊", "急诊", "门诊", "做", "开刀", "手术", "那", "这", "抢救", "检查", "查")

# Words that may stand between a negation and the negated term (没有什么骨折, 未见骨折, 没去住院).
_NEGATION_BRIDGES = ("", "是", "有", "得", "患", "过", "见", "什么", "啥", "发现", "查出", "去", "用", "被", "算",
                     "像", "像是", "让", "叫", "要", "需要")
_PUNCTUATION = set("，。！？、；：,.!?;:…~～\n")
# An injury word said without a body part is only an injury when it says bone or wound (骨折, 扭伤).
_BARE_INJURY_MARKERS = ("骨", "伤")
# 手上割了个口子, 头上磕破了: jieba keeps 手上 one token; the locative is no gap between part and injury.
_LOCATIVES = ("上", "上面", "上头", "上边", "里", "部")
# 医生说是胃溃疡: the diagnosis the doctor gave wins over symptoms said beside it (吐血).
_STATED_CUES = ("医生说", "大夫说", "医院说", "诊断", "确诊", "查出", "说是", "报告", "结果是", "判断是", "医生讲", "医生判断",
                "一查", "查了是", "检查是", "发展成", "转成", "变成了", "引起了", "并发", "导致了", "讲是")
# 以为是痔疮，一查是直肠癌: what the family first thought is not the diagnosis.
_MISTAKEN_CUES = ("以为", "当成", "当作", "还当是", "原以为")
# 疑似脑梗, 不排除恶性, 肺占位待查, 胃癌？: the doctor has not settled it yet.
_HEDGE_BEFORE = ("疑似", "疑为", "可疑", "不排除", "不能排除", "不除外", "待排", "考虑", "可能是", "怀疑")
_HEDGE_AFTER = ("待查", "待排", "待除外", "可能", "?", "？", "待石蜡", "待病理")
_HEDGED_CONFIDENCE = 0.5
_CLASSIFIED_CONFIDENCE = 0.6  # the classifier's category: right four times in five above its threshold (README)
_NEGATED_STATUS = {"已出院": "住院"}  # 还没出院 = still in hospital; any other negated status is dropped

_CONFIDENCE = {"exact": 1.0, "substring": 0.95, "injury": 0.9, "injury_fallback": 0.8, "injury_fuzzy": 0.75,
               "unknown_hospital": 0.6}
_FUZZY_CONFIDENCE = (0.7, 0.85)  # scaled from the fuzzy cutoff to a perfect pinyin score


@dataclass(frozen=True)
class DiagnosisMatch:
    term: str
    icd10: str
    cause: str
    critical: bool
    span_text: str
    start: int
    end: int
    confidence: float
    method: str  # exact | injury | composed (site + morphology) | fuzzy | classifier
    stated: bool = False  # given as the doctor's verdict (医生说是…, 确诊…)
    unspecific: bool = False  # the kind of illness, not a diagnosis (中风)
    hedged: bool = False  # not settled yet (疑似…, 不排除…, …待查): kept at low confidence, flagged

    @property
    def category(self) -> str:
        return self.icd10[:3]


@dataclass(frozen=True)
class InjuryKindMatch:
    """An injury kind said without a body part (骨折了): the bot still needs to ask where."""

    kind: str
    span_text: str
    start: int
    end: int
    confidence: float
    method: str
    term: str | None = None  # the data's fallback term and code for this kind (骨折 → T14), if any
    icd10: str | None = None


@dataclass(frozen=True)
class HospitalMatch:
    name: str  # canonical registry name, or the cleaned name as said when not in the registry
    said: str
    start: int
    end: int
    confidence: float
    in_registry: bool
    shared: bool = False  # a short name several hospitals share (协和), said without a place that tells which



@dataclass(frozen=True)
class KeywordMatch:
    """Keyword evidence for a closed value (treatment status, incident cause, insurance term)."""

    value: str
    said: str
    start: int
    end: int


@dataclass
class TermMatches:
    diagnoses: list[DiagnosisMatch] = field(default_factory=list)
    injury_kinds: list[InjuryKindMatch] = field(default_factory=list)
    hospitals: list[HospitalMatch] = field(default_factory=list)
    treatments: list[KeywordMatch] = field(default_factory=list)
    causes: list[KeywordMatch] = field(default_factory=list)
    insurance_terms: list[KeywordMatch] = field(default_factory=list)

    @property
    def best_diagnosis(self) -> DiagnosisMatch | None:
        """A specific diagnosis over an unspecific one (说是中风，脑梗塞 → 脑梗死); then the doctor's verdict
        when one is given, else the most trusted; the earlier one on a tie."""
        return max(self.diagnoses, key=lambda match: (not match.unspecific, match.stated, match.confidence),
                   default=None)

    @property
    def best_hospital(self) -> HospitalMatch | None:
        """A registry hospital before a name as said; the most trusted, then the earliest."""
        return max(self.hospitals, key=lambda match: (match.in_registry, match.confidence), default=None)

    @property
    def treatment_status(self) -> str | None:
        """身故 whenever said; otherwise the last status mentioned (住了一周，昨天出院了 → 已出院). Who was
        never admitted cannot be discharged: 没住院，开了点药回家了 is 门诊."""
        values = [match.value for match in self.treatments]
        if "身故" in values:
            return "身故"
        not_admitted = any(match.value == "门诊" and "住院" in match.said for match in self.treatments)
        if values and values[-1] == "已出院" and not_admitted:
            return "门诊"
        return values[-1] if values else None

    @property
    def cause(self) -> str | None:
        """The cause with most keyword evidence, backed by the diagnoses' own causes; an injury or poisoning
        diagnosis (打球撞的…脑震荡, 马蜂蜇了…头晕想吐) makes it an accident whatever the symptoms say."""
        best = self.best_diagnosis
        if best is not None and best.cause == "意外" and best.category[:1] in "ST":
            return "意外"
        votes: dict[str, int] = {}
        for value in [match.value for match in self.causes] + [match.cause for match in self.diagnoses]:
            votes[value] = votes.get(value, 0) + 1
        return max(votes, key=lambda value: votes[value]) if votes else None


@dataclass(frozen=True)
class _Mention:
    kind: str  # diag | part | injury | hosp | treat | cause | ins
    payload: Any
    start: int
    end: int
    method: str  # exact (whole tokens) | substring (3+ chars) | part_substring / injury_substring | fuzzy
    score: float = 100.0


def clean_text(text: str) -> tuple[str, list[int]]:
    """Drop ASR spaces (keeping one between two Latin/digit words); return the text and original offsets."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if not char.isspace():
            chars.append(char)
            offsets.append(index)
            continue
        following = next((later for later in text[index + 1:] if not later.isspace()), "")
        if chars and chars[-1] != " " and chars[-1].isascii() and chars[-1].isalnum() \
                and following.isascii() and following.isalnum():
            chars.append(" ")
            offsets.append(index)
    return "".join(chars), offsets


class TermNormalizer:
    """Build once (loads the jieba words and the spaCy pipeline), then call ``normalize`` per utterance."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.data = load_term_data(data_dir)
        jieba_dict.ensure_loaded(data_dir)
        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        self._phrases: dict[str, dict[str, list[Any]]] = {}
        self._shared_sounds: dict[str, set[str]] = {}  # pinyin key -> shared short names that sound so
        self._negations = tuple(
            negation + bridge for negation in self.data.treatment.negations for bridge in _NEGATION_BRIDGES
        )
        self._add_phrases()
        self._matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        for kind, table in self._phrases.items():
            self._matcher.add(kind, list(self.nlp.tokenizer.pipe(table)))
        # phrase → [(kind, payloads)] for the substring pass: long words of every kind, all injury words
        self._substrings: dict[str, list[tuple[str, list[Any]]]] = {}
        for kind, table in self._phrases.items():
            for phrase, payloads in table.items():
                if len(phrase) >= 3 or kind in ("injury", "part", "site", "morph"):
                    self._substrings.setdefault(phrase, []).append((kind, payloads))
        self._substring_lengths = sorted({len(phrase) for phrase in self._substrings})
        self._diagnosis_fuzzy = PinyinFuzzyMatcher(
            [(word, ("diag", diagnosis)) for diagnosis in self.data.diagnoses
             for word in (diagnosis.term, *diagnosis.synonyms)]
            + [(word, ("injury", kind)) for kind, words in self.data.injuries.kinds.items() for word in words]
            # Treatment words slip too (驻院 → 住院, 初院 → 出院); they share the same pinyin index.
            + [(word, ("treat", status)) for status, words in self.data.treatment.statuses.items()
               for word in words if len(word) == 2 or len(word) >= 5],  # 没强救过来 for 没抢救过来
            is_common_word=jieba_dict.is_common_word,
        )
        self._hospital_fuzzy = PinyinFuzzyMatcher(
            [(word, hospital) for hospital in self.data.hospitals for word in hospital.words],
            is_common_word=jieba_dict.is_common_word, anchor_suffixes=HOSPITAL_SUFFIXES,
        )
        self._suffix_pattern = re.compile("|".join(HOSPITAL_SUFFIXES))

    def _add_phrases(self) -> None:
        data = self.data

        def add(kind: str, word: str, payload: Any) -> None:
            bucket = self._phrases.setdefault(kind, {}).setdefault(word, [])
            if payload not in bucket:
                bucket.append(payload)

        for diagnosis in data.diagnoses:
            for word in (diagnosis.term, *diagnosis.synonyms):
                add("diag", word, diagnosis)
        for kind, words in data.injuries.kinds.items():
            for word in words:
                add("injury", word, kind)
        for part in data.injuries.body_parts:
            for word in part.words:
                add("part", word, part)
        for word, diagnosis in data.neoplasms.sites.items():
            add("site", word, diagnosis)
        for word in data.neoplasms.morphologies:
            add("morph", word, word)
        for hospital in data.hospitals:
            for word in hospital.words:
                add("hosp", word, hospital)
            for word in hospital.shared_aliases:
                add("hosp_shared", word, hospital)
                self._shared_sounds.setdefault(pinyin_key(word), set()).add(word)
        for status, words in data.treatment.statuses.items():
            for word in words:
                add("treat", word, status)
        for cause, words in data.causes.items():
            for word in words:
                add("cause", word, cause)
        for term in data.insurance_terms:
            for word in (term.canonical, *term.synonyms):
                add("ins", word, term)

    # ------------------------------------------------------------------ public

    def normalize(self, text: str) -> TermMatches:
        """Every term found in one utterance (offsets into ``text`` as given, ASR spaces included)."""
        clean, offsets = clean_text(text)
        if not clean:
            return TermMatches()

        def to_original(match):
            return replace(match, start=offsets[match.start], end=offsets[match.end - 1] + 1)

        mentions = self._exact_mentions(clean)
        # where the recognizer put a space: clean positions whose original character follows whitespace
        spoken_breaks = {index for index, offset in enumerate(offsets) if offset > 0 and text[offset - 1].isspace()}
        hospitals = self._hospitals(clean, mentions)
        # A name-as-said ending in 医院 is a weak guess (怕金森医院确诊的): only registry hospitals block terms.
        hospital_spans = [(match.start, match.end) for match in hospitals if match.in_registry]
        mentions = [m for m in mentions if m.kind == "hosp" or not _overlaps_any(m, hospital_spans)]
        # Tumour sites and morphology words only count composed: they block no slip (脑 in 脑更死).
        components = ("site", "morph")
        trusted = [(m.start, m.end) for m in mentions if m.method in ("exact", "substring")
                   and m.kind not in components]
        # A body part blocks no slip of an injury kind, nor a long slip around it: jieba may cut 骨盆骨哲 as
        # 骨|盆骨|哲, and it is still 骨盆骨折 (but 顶到了肚子 is no 拉肚子).
        blocking = [m for m in mentions if m.method in ("exact", "substring") and m.kind not in ("part", *components)]
        # A short keyword (骨折, 中毒, 出血) inside a slip of a longer diagnosis (肋股骨折, 一氧化炭中毒,
        # 珠网膜下腔出血) does not block it; the slip must hold the keyword whole, or hold a kind word that
        # overlaps it (肋股骨折了: 骨折 whole, 折了 cut).
        keywords = [(m.start, m.end) for m in blocking if m.kind in ("injury", "cause", "treat") and m.end - m.start <= 2]
        not_parts = [(m.start, m.end) for m in blocking if (m.start, m.end) not in keywords]
        kind_words = [(m.start, m.end) for m in mentions if m.kind == "injury"]

        def holds(hit, a: int, b: int) -> bool:
            return hit.start <= a and b <= hit.end or any(
                hit.start <= c and d <= hit.end and c < b and a < d for c, d in kind_words)

        mentions += [
            _Mention(hit.entry[0], hit.entry[1], hit.start, hit.end, "fuzzy", hit.score)
            for hit in self._diagnosis_fuzzy.search(clean, blocked=not_parts + hospital_spans)
            if (hit.end - hit.start > 3 or _on_word_boundaries(clean, hit.start, hit.end, spoken_breaks))
            and (hit.entry[0] == "injury" or hit.end - hit.start >= 4 or not _overlaps_any(hit, trusted))
            and all(hit.entry[0] == "diag" and hit.end - hit.start >= 4 and holds(hit, a, b)
                    for a, b in keywords if a < hit.end and hit.start < b)
        ]
        diagnoses = self._diagnoses(clean, mentions)
        diagnosis_spans = [(d.start, d.end) for d in diagnoses]
        hospitals = [h for h in hospitals if h.in_registry or not _overlaps_any(h, diagnosis_spans)]
        # 打算去湘雅二医院: a hospital the insured is still to visit is no hospital of treatment (contract:
        # not seen yet, hospital empty) but says 未就诊.
        planned = [h for h in hospitals if _PLANNED_VISIT.search(clean[max(0, h.start - 6):h.start])]
        hospitals = [h for h in hospitals if h not in planned]
        not_seen = [KeywordMatch("未就诊", clean[h.start:h.end], h.start, h.end) for h in planned]
        return TermMatches(
            diagnoses=[to_original(match) for match in diagnoses],
            injury_kinds=[to_original(match) for match in self._bare_injuries(clean, mentions, diagnoses)],
            hospitals=[to_original(match) for match in hospitals],
            treatments=sorted((to_original(m) for m in [*self._keywords(clean, mentions, "treat", _NEGATED_STATUS),
                                                         *not_seen]), key=lambda m: m.start),
            causes=[to_original(m) for m in self._keywords(clean, mentions, "cause")],
            insurance_terms=[to_original(m) for m in self._keywords(clean, mentions, "ins", check_negation=False)],
        )

    # ------------------------------------------------------------------ exact words

    def _exact_mentions(self, clean: str) -> list[_Mention]:
        doc = self.nlp(clean)
        token_starts = {token.idx for token in doc}
        strings = self.nlp.vocab.strings
        mentions: list[_Mention] = []
        seen: set[tuple[str, int, int]] = set()
        for match_id, start, end in self._matcher(doc):
            span = doc[start:end]
            kind = strings[match_id]
            seen.add((kind, span.start_char, span.end_char))
            for payload in self._phrases[kind][span.text]:
                mentions.append(_Mention(kind, payload, span.start_char, span.end_char, "exact"))
        # jieba may cut a long word differently in context; words of three characters or more are specific
        # enough to trust as substrings. Injury kinds and body parts only count when composed (see
        # _diagnoses), so they are collected as substrings too; a body part must start a token (头 in 骨头
        # is no head).
        for start in range(len(clean)):
            for length in self._substring_lengths:
                if start + length > len(clean):
                    break
                for kind, payloads in self._substrings.get(clean[start:start + length], ()):
                    if (kind, start, start + length) in seen:
                        continue
                    if length < 3 and kind == "part" and start not in token_starts:
                        continue
                    method = "substring" if length >= 3 else f"{kind}_substring"
                    mentions.extend(_Mention(kind, payload, start, start + length, method) for payload in payloads)
        return mentions

    # ------------------------------------------------------------------ diagnoses

    def _diagnoses(self, clean: str, mentions: list[_Mention]) -> list[DiagnosisMatch]:
        candidates: list[tuple[DiagnosisMatch, int]] = []  # (match, priority: lower wins ties)
        for mention in mentions:
            if mention.kind == "diag":
                diagnosis: Diagnosis = mention.payload
                confidence = (_fuzzy_confidence(mention.score, self._diagnosis_fuzzy.score_cutoff)
                              if mention.method == "fuzzy" else _CONFIDENCE[mention.method])
                method = "fuzzy" if mention.method == "fuzzy" else "exact"
                candidates.append((DiagnosisMatch(
                    diagnosis.term, diagnosis.icd10, diagnosis.cause, diagnosis.critical,
                    clean[mention.start:mention.end], mention.start, mention.end, confidence, method,
                    unspecific=diagnosis.unspecific,
                ), 0 if method == "exact" else 2))
        parts = [m for m in mentions if m.kind == "part"]
        kinds = [m for m in mentions if m.kind == "injury"]
        for kind_mention in kinds:
            composed = self._compose(clean, kind_mention, parts)
            if composed is not None:
                # 肋股骨折了: 股骨 + 折了 borrows the 骨 of the whole word 骨折, so a same-sound slip of as
                # many characters that holds 骨折 whole (肋骨骨折) reads it better.
                borrowed = any(other.start < kind_mention.start < other.end
                               and composed.start <= other.start for other in kinds)
                candidates.append((composed, 3 if borrowed else 1))
        morphs = [m for m in mentions if m.kind == "morph"]
        if morphs:
            # a site word inside a word that names something else (乳 in 乳头状) is no site
            hidden = [(found.start(), found.end()) for word in self.data.neoplasms.not_sites
                      for found in re.finditer(re.escape(word), clean)]
            sites = [m for m in mentions if m.kind == "site" and not _overlaps_any(m, hidden)]
            for morph in morphs:
                composed = self._compose_neoplasm(clean, morph, sites)
                if composed is not None:
                    candidates.append((composed, 1))
        # Negated readings go before the longest is chosen: 鼻咽癌非角化性未分化型癌 composes across 非, and
        # that reading's fall must leave 鼻咽癌 standing.
        affirmed = [(match, priority) for match, priority in candidates
                    if not self._negated(clean, match.start) and not _mistaken(clean, match.start)
                    and not (match.method != "exact" and self._negated_within(clean, match.start, match.end))]
        found = []
        for match in _longest_first(affirmed):
            hedged = _hedged(clean, match.start, match.end)
            found.append(replace(match, stated=_stated(clean, match.start), hedged=hedged,
                                 confidence=min(match.confidence, _HEDGED_CONFIDENCE) if hedged else match.confidence))
        return found

    def _compose(self, clean: str, kind_mention: _Mention, parts: list[_Mention]) -> DiagnosisMatch | None:
        """Pair an injury kind with the nearest body part within a few characters, part first preferred.

        A part with no term for that kind (后背 + 摔伤) takes the data's per-kind fallback (软组织挫伤 T14).
        """
        kind = kind_mention.payload
        fallback = self.data.injuries.fallback.get(kind)
        best: tuple[tuple, _Mention] | None = None
        for part in parts:
            if part.end <= kind_mention.start:
                gap = clean[part.end:kind_mention.start]
                rank = len(gap)
            elif part.start >= kind_mention.end:
                gap = clean[kind_mention.end:part.start]
                rank = len(gap) + 0.5
            else:
                continue
            if len(gap) > 3 or _PUNCTUATION & set(gap):
                continue
            if part.method == "part_substring" and gap and gap not in _LOCATIVES:
                continue  # 手 inside the token 手机 is only a hand when the injury follows at once (脚崴了)
            specific = kind in part.payload.injuries
            if not specific and fallback is None:
                continue
            key = (not specific, rank, -(part.end - part.start))
            if best is None or key < best[0]:
                best = (key, part)
        if best is None:
            return None
        part = best[1]
        injury = part.payload.injuries.get(kind) or fallback
        start, end = min(part.start, kind_mention.start), max(part.end, kind_mention.end)
        if kind_mention.method == "fuzzy":
            confidence = min(_CONFIDENCE["injury_fuzzy"],
                             _fuzzy_confidence(kind_mention.score, self._diagnosis_fuzzy.score_cutoff))
        else:
            confidence = _CONFIDENCE["injury" if kind in part.payload.injuries else "injury_fallback"]
        return DiagnosisMatch(injury.term, injury.icd10, "意外", False, clean[start:end], start, end, confidence,
                              "fuzzy" if kind_mention.method == "fuzzy" else "injury")

    def _compose_neoplasm(self, clean: str, morph: _Mention, sites: list[_Mention]) -> DiagnosisMatch | None:
        """The nearest site before a morphology word, no pause between (右肺上叶周围型腺癌 → 肺恶性肿瘤):
        the site's neoplasm, said as the whole phrase."""
        table = self.data.neoplasms
        context = clean[max(0, morph.start - table.max_gap - 4):morph.end + 2]
        if any(word in context for word in table.blockers):
            return None
        best = None
        for site in sites:
            gap = clean[site.end:morph.start]
            if site.end > morph.start or len(gap) > table.max_gap or _PUNCTUATION & set(gap):
                continue
            key = (len(gap), -(site.end - site.start))
            if best is None or key < best[0]:
                best = (key, site)
        if best is None:
            return None
        site = best[1]
        diagnosis: Diagnosis = site.payload
        return DiagnosisMatch(diagnosis.term, diagnosis.icd10, diagnosis.cause, diagnosis.critical,
                              clean[site.start:morph.end], site.start, morph.end, _CONFIDENCE["injury"], "composed")

    def _bare_injuries(self, clean: str, mentions: list[_Mention],
                       diagnoses: list[DiagnosisMatch]) -> list[InjuryKindMatch]:
        """Injury kinds not explained by any diagnosis (骨折了, with no body part).

        Only whole words that are medical on their own count: 骨折 or 扭伤 is an injury, 摔碎了 may be a cup.
        """
        found: list[InjuryKindMatch] = []
        for mention in mentions:
            if mention.kind != "injury" or mention.method == "injury_substring":
                continue
            if any(not (mention.end <= d.start or mention.start >= d.end) for d in diagnoses):
                continue
            if any(not (mention.end <= f.start or mention.start >= f.end) for f in found):
                continue
            if self._negated(clean, mention.start):
                continue
            said = clean[mention.start:mention.end]
            if not any(marker in said for marker in _BARE_INJURY_MARKERS):
                continue
            confidence = (_fuzzy_confidence(mention.score, self._diagnosis_fuzzy.score_cutoff)
                          if mention.method == "fuzzy" else 1.0)
            fallback = self.data.injuries.fallback.get(mention.payload)
            found.append(InjuryKindMatch(
                mention.payload, said, mention.start, mention.end, confidence,
                "fuzzy" if mention.method == "fuzzy" else "exact",
                fallback.term if fallback else None, fallback.icd10 if fallback else None,
            ))
        return found

    # ------------------------------------------------------------------ hospitals

    def _hospitals(self, clean: str, mentions: list[_Mention]) -> list[HospitalMatch]:
        candidates: list[tuple[HospitalMatch, int]] = []
        for mention in mentions:
            if mention.kind == "hosp":
                hospital: Hospital = mention.payload
                candidates.append((HospitalMatch(hospital.name, clean[mention.start:mention.end], mention.start,
                                                 mention.end, _CONFIDENCE[mention.method], True), 0))
        candidates += self._shared_hospitals(clean, mentions + self._shared_slips(clean, mentions))
        exact_spans = [(m.start, m.end) for m in mentions if m.kind in ("hosp", "hosp_shared", "diag")]
        for hit in self._hospital_fuzzy.search(clean, blocked=exact_spans):
            candidates.append((HospitalMatch(hit.entry.name, hit.matched_text, hit.start, hit.end,
                                             _fuzzy_confidence(hit.score, self._hospital_fuzzy.score_cutoff),
                                             True), 1))
        registry = [match for match in _longest_first(candidates) if _plausible_hospital(clean, match)]
        unknown: list[HospitalMatch] = []
        taken = {index for m in mentions if m.kind in ("diag", "treat", "cause") and m.method != "fuzzy"
                 for index in range(m.start, m.end)}
        known_starts = {m.end: m.start for m in sorted(mentions, key=lambda m: -m.start)
                        if m.kind in ("hosp", "hosp_shared")}
        for said, start, end in self._names_as_said(clean, taken, known_starts):
            inside = [index for index, match in enumerate(registry) if start <= match.start and match.end <= end]
            if inside:
                # 上海瑞金医院: the registry knows it; keep the fuller name the caller said. A short name
                # several hospitals share, unplaced (广州协和医院), becomes that fuller name.
                match = registry[inside[0]]
                registry[inside[0]] = replace(match, said=said, start=start, end=end, shared=False,
                                              name=match.name if match.in_registry else said)
            elif not _overlaps_any(HospitalMatch(said, said, start, end, 0.0, False),
                                   [(m.start, m.end) for m in registry]):
                unknown.append(HospitalMatch(said, said, start, end, _CONFIDENCE["unknown_hospital"], False))
        return sorted(registry + unknown, key=lambda match: match.start)

    def _shared_slips(self, clean: str, mentions: list[_Mention]) -> list[_Mention]:
        """Same-sound slips of a shared short name (谐和 for 协和). Two characters are chance on their own,
        so a slip counts only when the answer also places one of its hospitals (谐和，东单那个)."""
        taken = [(m.start, m.end) for m in mentions if m.method in ("exact", "substring") and m.kind != "part"]
        slips = []
        for length in {len(key.split()) for key in self._shared_sounds}:
            for start in range(len(clean) - length + 1):
                if any(a < start + length and start < b for a, b in taken):
                    continue
                for word in self._shared_sounds.get(pinyin_key(clean[start:start + length]), ()):
                    for hospital in self._phrases["hosp_shared"][word]:
                        context = clean[:start] + "，" + clean[start + length:]
                        if any(place in context for place in hospital.places):
                            slips.append(_Mention("hosp_shared", hospital, start, start + length, "fuzzy"))
        return slips

    @staticmethod
    def _shared_hospitals(clean: str, mentions: list[_Mention]) -> list[tuple[HospitalMatch, int]]:
        """A short name several hospitals share (协和, 医大一院) is one of them only when the answer also
        names its city or a landmark (医大一院，沈阳的 / 协和东单那个); otherwise it is kept as said."""
        by_span: dict[tuple[int, int], list[Hospital]] = {}
        for mention in mentions:
            if mention.kind == "hosp_shared":
                by_span.setdefault((mention.start, mention.end), []).append(mention.payload)
        found = []
        for (start, end), hospitals in by_span.items():
            context = clean[:start] + "，" + clean[end:]
            placed = {h.name: h for h in hospitals if any(place in context for place in h.places)}
            said = clean[start:end]
            if len(placed) == 1:
                hospital = next(iter(placed.values()))
                found.append((HospitalMatch(hospital.name, said, start, end, 0.9, True), 0))
            else:
                found.append((HospitalMatch(said, said, start, end, _CONFIDENCE["unknown_hospital"], False,
                                            shared=True), 2))
        return found

    def hospital_from_answer(self, text: str, alone: bool = True) -> HospitalMatch | None:
        """The hospital as said, when the bot asked for it and no registry or facility name matched
        (北医六院, 一中心): the answer's first clause that is not a diagnosis, a status or a qualifier.
        When the hospital was asked together with another item (`alone` False), only a clause that
        sounds like a facility (…院, …医…, …中心) counts."""
        clean, _offsets = clean_text(text)
        matches = self.normalize(clean)
        taken = [(m.start, m.end) for group in (matches.diagnoses, matches.treatments, matches.causes)
                 for m in group]
        for clause, start in _free_clauses(clean, taken, _CLAUSE_BREAKS_WITH_COLON):
            if (not alone and not _FACILITY_CHARS.search(clause)) or _PLANNED_VISIT.search(clause):
                continue
            name = _ANSWER_TAIL.sub("", _ANSWER_LEAD.sub("", clause))
            if (2 <= len(name) <= _MAX_NAME_LENGTH and not re.search(r"\d", name)
                    and name not in _GENERIC_NAMES and not _QUALIFIER_ONLY.fullmatch(clause)):
                return HospitalMatch(name, name, start, start + len(clause), _CONFIDENCE["unknown_hospital"], False)
        return None

    def diagnosis_from_answer(self, text: str) -> str | None:
        """The diagnosis as said, when the bot asked for it and no term matched (左侧髋臼后壁骨折): the
        answer's first clause that names no hospital, status or cause, without its lead-in (医生说是…).
        Stored as said and flagged for the analyst to code, never given a category."""
        clean, _offsets = clean_text(text)
        matches = self.normalize(clean)
        taken = [(m.start, m.end) for group in (matches.hospitals, matches.treatments) for m in group]
        for clause, _start in _free_clauses(clean, taken, _CLAUSE_BREAKS):
            said = _DIAGNOSIS_TAIL.sub("", _DIAGNOSIS_LEAD.sub("", clause))
            if 2 <= len(said) <= 30 and not _FACILITY_CHARS.search(said) and not re.fullmatch(r"[\d\W]+", said):
                return said
        return None

    def coded_diagnosis(self, text: str,
                        classifier: diagnosis_classifier.DiagnosisClassifier | None = None) -> DiagnosisMatch | None:
        """A diagnosis string as a doctor writes it (右肺上叶周围型腺癌, 左距腓前韧带撕裂), read off a report.

        Measured on held-out CHIP-CDN strings (README): the dictionary's site × morphology compositions are
        right 97 % of the time and stand; its whole-phrase matches are right 67 % there, the classifier
        (``classifier``, by default the one ``claimbot train`` built) 84 %, so the classifier decides
        where it is sure, keeping the dictionary's term when both agree, and a phrase it cannot confirm
        gets no category (29 % right). Without a built classifier the dictionary reads alone."""
        best = self.normalize(text).best_diagnosis
        if best is not None and best.method == "composed":
            return best
        classifier = classifier or diagnosis_classifier.installed()
        if classifier is None:
            return best
        clean, _offsets = clean_text(text)
        predicted = classifier.predict(clean) if clean else None
        if predicted is None:
            return None
        if best is not None and best.category == predicted.category:
            return best
        category = predicted.category
        known = [d for d in self.data.diagnoses if d.category == category]
        hedged = any(cue in clean for cue in (*_HEDGE_BEFORE, *_HEDGE_AFTER))
        return DiagnosisMatch(
            predicted.name, category, "意外" if category[0] in "STVWXY" else "疾病",
            any(d.critical for d in known), clean, 0, len(text),
            _HEDGED_CONFIDENCE if hedged else _CLASSIFIED_CONFIDENCE, "classifier", stated=True, hedged=hedged)

    def _names_as_said(self, clean: str, taken: set[int],
                       known_starts: dict[int, int] | None = None) -> list[tuple[str, int, int]]:
        """Facility names by their ending (县人民医院, XX镇卫生院), cleaned of the caller's fillers.

        A name never reaches into words already understood as something else (``taken``: 脑梗 in 脑梗县医院).
        A known name ending there (协和医院) is taken whole, though it holds a stop character (和), and the
        walk goes on in front of it (广州协和医院).
        """
        names = []
        in_words = {index for word, word_start, word_end in jieba.tokenize(clean) if len(word) > 1
                    for index in range(word_start, word_end) if clean[index] in _STOPS_INSIDE_WORDS
                    } if _STOPS_INSIDE_WORDS & set(clean) else set()
        for suffix_match in self._suffix_pattern.finditer(clean):
            end = suffix_match.end()
            start = min(suffix_match.start(), (known_starts or {}).get(end, end))
            while (start > 0 and suffix_match.start() - start < _MAX_NAME_LENGTH
                   and (clean[start - 1] not in _NAME_STOPS or start - 1 in in_words)
                   and start - 1 not in taken):
                start -= 1
            prefix = clean[start:suffix_match.start()]
            stripped = True
            while stripped and prefix:
                stripped = False
                for filler in _NAME_FILLERS:
                    if prefix.startswith(filler) and len(prefix) > len(filler):
                        prefix, start, stripped = prefix[len(filler):], start + len(filler), True
                        break
            if not prefix or prefix in _GENERIC_NAMES or prefix in _NAME_FILLERS or prefix.endswith("上"):
                continue  # …才上医院: going to hospital (上医院), not a hospital's name
            names.append((clean[start:end], start, end))
        return names

    # ------------------------------------------------------------------ keywords and negation

    def _keywords(self, clean: str, mentions: list[_Mention], kind: str,
                  negated_map: dict[str, str] | None = None, *, check_negation: bool = True) -> list[KeywordMatch]:
        """Keyword evidence of one kind; a negated keyword is dropped, or flipped through ``negated_map``."""
        found = []
        for mention in _longest_first([(m, 0) for m in mentions if m.kind == kind]):
            payload = mention.payload
            value = payload.canonical if isinstance(payload, InsuranceTerm) else payload
            if check_negation and self._negated(clean, mention.start):
                if not negated_map or value not in negated_map:
                    continue
                value = negated_map[value]
            found.append(KeywordMatch(value, clean[mention.start:mention.end], mention.start, mention.end))
        return found

    def _negated(self, clean: str, start: int) -> bool:
        """A negation right before ``start`` (bridging words allowed, punctuation not)."""
        left = clean[max(0, start - 8):start]
        for index in range(len(left) - 1, -1, -1):
            if left[index] in _PUNCTUATION:
                left = left[index + 1:]
                break
        return bool(left) and left.endswith(self._negations)

    def _negated_within(self, clean: str, start: int, end: int) -> bool:
        """A negation inside a composed injury (手腕没断)."""
        return any(clean[start:index].endswith(self._negations) for index in range(start + 1, end))


# A colon ends a clause in a hospital answer; in a diagnosis read off a report it leads in (写着：…).
_CLAUSE_BREAKS = re.compile(r"[，。！？、；,.!?;\s]+")
_CLAUSE_BREAKS_WITH_COLON = re.compile(r"[，。！？、；：,.!?;:\s]+")


def _free_clauses(clean: str, taken: list[tuple[int, int]], breaks: re.Pattern[str]) -> Iterator[tuple[str, int]]:
    """The answer's clauses with their start, leaving out those that reach into an understood span."""
    position = 0
    for clause in breaks.split(clean):
        start, position = clean.find(clause, position), position + len(clause)
        if clause and not any(a < start + len(clause) and start < b for a, b in taken):
            yield clause, start


def _cue_before(clean: str, start: int, cues: tuple[str, ...], width: int) -> bool:
    """Whether one of ``cues`` stands in the ``width`` characters before ``start``, in the same clause."""
    left = re.split(r"[，。！？；,.!?;]", clean[max(0, start - width):start])[-1]
    return any(cue in left for cue in cues)


def _mistaken(clean: str, start: int) -> bool:
    """Only what someone thought (以为是痔疮)."""
    return _cue_before(clean, start, _MISTAKEN_CUES, 8)


def _hedged(clean: str, start: int, end: int) -> bool:
    """A diagnosis the doctor has not settled (疑似脑梗, 肺占位待查), same clause only."""
    after = re.split(r"[，。！；,.!;]", clean[end:end + 5])[0]
    return _cue_before(clean, start, _HEDGE_BEFORE, 8) or after.startswith(_HEDGE_AFTER) or any(
        cue in after for cue in ("待查", "待排", "待除外"))


def _stated(clean: str, start: int) -> bool:
    """The doctor's verdict (医生说是…, 一查是…)."""
    return _cue_before(clean, start, _STATED_CUES, 12)


_FILLERS = "啊呃嗯哦噢唉诶"


def _plausible_hospital(clean: str, match: HospitalMatch) -> bool:
    """A two-character short name (瑞金, 华山) is also a place or a given name (李华山): trust it only where
    a hospital fits: at the start of the answer or a clause, after 在/去/送…, or before 住院/看病…"""
    if len(match.said) > 2:
        return True
    before = clean[:match.start].rstrip(_FILLERS)  # 啊 谐和: a filler starts no word
    if not before or before[-1] in _PUNCTUATION:
        return True  # a clause of its own: 哮喘犯了，浙二
    before = before.rstrip("".join(_PUNCTUATION))
    after = clean[match.end:]
    return not before or before[-1] in _BEFORE_HOSPITAL or after.startswith(_AFTER_HOSPITAL)


def _on_word_boundaries(clean: str, start: int, end: int, spoken: set[int] = frozenset()) -> bool:
    """A slip of two or three characters replaces a word (驻院 for 住院); a homophone that straddles two
    words is chance (工地上干活 holds 上干, which sounds like 上感; 多发神经 holds 多发神). The recognizer's
    own word breaks (``spoken``: 门珍 开 了 药) count beside jieba's, which cuts a slip it does not know
    anywhere (门|珍开)."""
    bounds = {0, len(clean)} | set(spoken)
    for word, _, word_end in jieba.tokenize(clean):
        bounds.add(word_end)
    return start in bounds and end in bounds


def _overlaps_any(span, spans: list[tuple[int, int]]) -> bool:
    return any(not (span.end <= start or span.start >= end) for start, end in spans)


def _fuzzy_confidence(score: float, cutoff: float) -> float:
    low, high = _FUZZY_CONFIDENCE
    return round(low + (high - low) * max(0.0, score - cutoff) / max(1e-9, 100.0 - cutoff), 3)


def _longest_first(candidates: list[tuple[Any, int]]) -> list[Any]:
    """Non-overlapping spans: longer first, then lower priority number, then earlier; returned in text order."""
    ordered = sorted(candidates, key=lambda item: (-(item[0].end - item[0].start), item[1], item[0].start))
    kept: list[Any] = []
    for match, _priority in ordered:
        if all(match.end <= other.start or match.start >= other.end for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda match: match.start)


_instance: TermNormalizer | None = None
_instance_lock = threading.Lock()


def get_normalizer() -> TermNormalizer:
    """The process-wide normalizer (the spaCy pipeline and fuzzy indexes are built once)."""
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = TermNormalizer()
        return _instance


def normalize(text: str) -> TermMatches:
    """Shortcut for ``get_normalizer().normalize(text)``."""
    return get_normalizer().normalize(text)
