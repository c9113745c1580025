"""The insured's name from what the caller says.

Names are hard for speech recognition, so callers spell the surname out (弓长张, 木子李). When they do,
the spelled surname wins over the one recognised in the name: 章建国 + 弓长张 → 张建国. Without the bot
having asked for the name, only explicit cues (叫, 姓名, 名字, 被保险人是) count; after it asked, a bare
2–4 character answer that starts with a known surname is taken as the name.
Surnames, spelled forms and cue words live in data/terms/surnames.yml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from nlu.jieba_dict import is_common_word, is_known_word
from nlu.relation_parser import extract_relation, role_reference_pattern

_DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "terms" / "surnames.yml"
_HANZI = "\u4e00-\u9fff"
_CLAUSE_SPLIT_RE = re.compile(rf"[^{_HANZI}]+")
_TRAILING_PARTICLES_RE = re.compile(r"(?:啊|呀|吧|呢|哈|的|了|嘛)+$")


@dataclass(frozen=True)
class NameMatch:
    """A name in Chinese characters without spaces, and how sure we are of it."""

    name: str
    confidence: float
    surname_spelled: bool = False


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class _Lexicon:
    compound: frozenset[str]
    single: frozenset[str]
    spelled_re: re.Pattern[str]
    spelled: dict[str, str]
    surname_cue_re: re.Pattern[str]
    explicit_re: re.Pattern[str]
    weak_re: re.Pattern[str]
    relation_re: re.Pattern[str]
    answer_cue_re: re.Pattern[str]
    non_names: frozenset[str]
    never_in_name: frozenset[str]
    stop_chars: frozenset[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    data = yaml.safe_load(_DATA_FILE.read_text(encoding="utf-8"))
    spelled: dict[str, str] = {}
    for description, surname in data["spelled"].items():
        spelled[description] = surname
        if "的" not in description:
            parts = description[: -len(surname)]
            spelled[f"{parts}的{surname}"] = surname  # 弓长的张
            spelled[f"{description}的{surname}"] = surname  # 弓长张的张
    single = frozenset(data["single"])
    surname_alt = _alternation(set(data["compound"]) | single)
    # Also generic "高矮的高" / "马路的马" / "提手旁的X": two characters that contain or describe the surname.
    spelled_re = re.compile(
        rf"(?P<fixed>{_alternation(spelled)})|的(?P<s>{surname_alt})"
    )
    name_chars = rf"(?P<rest>[{_HANZI}]{{1,6}})"
    return _Lexicon(
        compound=frozenset(data["compound"]),
        single=single,
        spelled_re=spelled_re,
        spelled=spelled,
        surname_cue_re=re.compile(rf"(?<!百)(?<!贵)复?姓(?:是|的是)?(?P<s>{surname_alt})(?!名)"),
        explicit_re=re.compile(rf"(?:{_alternation(data['explicit_cues'])})(?:是|为|叫)?{name_chars}"),
        weak_re=re.compile(rf"(?:{_alternation(data['weak_cues'])}){name_chars}"),
        relation_re=re.compile(rf"(?:{role_reference_pattern()})(?:是|叫做|叫|名叫)?{name_chars}"),
        answer_cue_re=re.compile(rf"^(?:{_alternation(data['answer_cues'])})+"),
        non_names=frozenset(data["non_names"]),
        never_in_name=frozenset(data["never_in_name"]),
        stop_chars=frozenset(data["given_name_stop_chars"]),
    )


def _spelled_surname(lex: _Lexicon, compact: str) -> tuple[str | None, str]:
    """The surname spelled out in the text, and the text with that spelling blanked out."""
    for m in lex.spelled_re.finditer(compact):
        if m.group("fixed"):
            surname = lex.spelled[m.group("fixed")]
            return surname, compact[: m.start()] + "，" + compact[m.end():]
        surname = m.group("s")
        if not _starts_a_name(compact, surname, m.start()):
            continue  # 罗春梅，梅花的梅 describes a given-name character, not the surname
        for size in (2, 3, 4):  # 石头的石, 诸葛亮的诸葛, 提手旁的扌: the description names the surname
            desc = compact[max(0, m.start() - size):m.start()]
            if len(desc) == size and (surname in desc or desc.endswith(("旁", "头", "底"))):
                return surname, compact[: m.start() - size] + "，" + compact[m.end():]
        said = compact.rfind(surname, 0, m.start())
        for given in (2, 1):  # 闫浩然门里三横的闫: any short description right after the name just said
            start = said + len(surname) + given
            if said >= 0 and 2 <= m.start() - start <= 4:
                return surname, compact[:start] + "，" + compact[m.end():]
    # 余睿，人未余: the surname's parts said without 的, ending the answer, after the name itself
    tail = re.search(rf"[{_HANZI}]{{2}}(?P<s>[{_HANZI}])$", compact)
    if tail and "姓" not in compact and tail.group("s") in lex.single and compact.rfind(tail.group("s"), 0, tail.start()) >= 0:
        start = tail.start()
        if start - compact.rfind(tail.group("s"), 0, start) >= 2:
            return tail.group("s"), compact[:start]
    return None, compact


def _surname_of(lex: _Lexicon, text: str) -> str | None:
    if text[:2] in lex.compound:
        return text[:2]
    if text[:1] in lex.single:
        return text[:1]
    return None


def _is_name(lex: _Lexicon, name: str) -> bool:
    if not 2 <= len(name) <= 4 or name in lex.non_names:
        return False
    return not any(len(word) >= 2 and word in name for word in lex.non_names)


def _take_given(lex: _Lexicon, rest: str) -> str:
    """At most two given-name characters; the second stops at words that usually follow a name."""
    if not rest or rest[0] in lex.never_in_name:
        return ""
    if len(rest) > 1 and rest[1] not in lex.stop_chars and rest[1] not in lex.never_in_name:
        return rest[:2]
    return rest[:1]


def _name_from(lex: _Lexicon, rest: str, hint: str | None, said_surname: str | None, need_known: bool) -> str | None:
    """Read a name at the start of `rest`.

    `hint` (spelled or 姓张) completes a given name said alone; after 姓张 a two-character answer is the
    given name even if it starts with a surname character (姓张，叫国强).
    """
    surname = _surname_of(lex, rest)
    given_only = surname is None or (said_surname is not None and len(rest) <= 2)
    if hint and not rest.startswith(hint) and given_only:
        surname, rest = hint, hint + rest  # 姓张，叫建国
    if surname is None:
        if need_known:
            return None
        surname = rest[:1]
    name = surname + _take_given(lex, rest[len(surname):])
    return name if _is_name(lex, name) and len(name) > len(surname) else None


def _bare_answer(lex: _Lexicon, compact: str, hint: str | None, said_surname: str | None) -> str | None:
    for clause in _CLAUSE_SPLIT_RE.split(compact):
        clause = _TRAILING_PARTICLES_RE.sub("", lex.answer_cue_re.sub("", clause))
        if not 1 <= len(clause) <= 4:
            continue
        given_only = _surname_of(lex, clause) is None or said_surname is not None
        if hint and not clause.startswith(hint) and given_only and len(clause) <= 2:
            clause = hint + clause
        surname = _surname_of(lex, clause)
        if surname and len(clause) > len(surname) and len(clause) <= len(surname) + 2 and _is_name(lex, clause):
            return clause
    return None


def _starts_a_name(compact: str, surname: str, before: int) -> bool:
    """Whether `surname` was said earlier at the start of a name (text start, or after a pause or cue)."""
    pos = compact.find(surname)
    while 0 <= pos < before:
        if pos == 0 or compact[pos - 1] in "，,。 是叫嗯啊呃哦":
            return True
        pos = compact.find(surname, pos + 1)
    return False


_CHAR_DESCRIPTION_RE = re.compile(rf"[{_HANZI}]{{1,3}}的(?P<c>[{_HANZI}])")


def _strip_char_descriptions(compact: str) -> str:
    """Drops "志气的志", "强大的强": descriptions of a character of the name just said."""
    while True:
        for m in _CHAR_DESCRIPTION_RE.finditer(compact):
            desc = m.group(0)[:-2]
            if m.group("c") in desc and m.group("c") in compact[: m.start()]:
                compact = compact[: m.start()] + "，" + compact[m.end():]
                break
        else:
            return compact


def _at_word_boundary(name: str, compact: str) -> str:
    """Drops a last character that belongs to the next word (杨刚滑雪摔了 → 杨刚, not 杨刚滑)."""
    start = compact.find(name)
    end = start + len(name)
    if start < 0 or end >= len(compact) or len(name) < 3:
        return name
    import jieba  # the segmenter is loaded by the NLU anyway; imported here to keep this module light

    pos = 0
    for token in jieba.cut(compact[start:end + 4], HMM=False):
        if pos == len(name) - 1 and len(token) > 1:  # a word starts at the name's last character
            return name[:-1]
        pos += len(token)
        if pos >= len(name):
            break
    return name


def extract_name(text: str, expecting: bool) -> NameMatch | None:
    """The insured's name in `text`; `expecting` is True when the bot has just asked for the name."""
    lex = _lexicon()
    compact = "".join(text.split())
    spelled, compact = _spelled_surname(lex, compact)
    compact = _strip_char_descriptions(compact)
    cue = lex.surname_cue_re.search(compact)
    said_surname = cue.group("s") if cue else None
    hint = spelled or said_surname
    if cue:  # keep "姓张" from being read as a name after 叫 or as a bare answer
        compact = compact[: cue.start()] + "，" + compact[cue.end():]

    name, confidence = None, 0.0
    for pattern, need_known, conf in ((lex.explicit_re, False, 0.95), (lex.weak_re, True, 0.95),
                                      (lex.relation_re, True, 0.85)):
        for m in pattern.finditer(compact):
            name = _name_from(lex, m.group("rest"), hint, said_surname, need_known)
            if name:
                confidence = conf if _surname_of(lex, name) else 0.6
                break
        if name:
            break
    if name is None and expecting:
        name, confidence = _bare_answer(lex, compact, hint, said_surname), 0.85
    if name is None:
        return None
    name = _at_word_boundary(name, compact)
    if spelled:
        said = _surname_of(lex, name) or name[0]
        if said != spelled:  # the spelled surname wins over what was recognised
            name = spelled + name[len(said):]
            return NameMatch(name, 0.9, True)
        return NameMatch(name, 1.0, True)
    return NameMatch(name, confidence)


_PART_SPLIT_RE = re.compile(rf"[^{_HANZI}]+")
_GIVEN_ONLY_RE = re.compile(rf"(?:单名一个|单名|单字一个|单字|名字就一个字|就一个字|一个字)(?:是|叫)?(?P<c>[{_HANZI}])字?")
_CHAR_IS_RE = re.compile(rf"(?P<c>[{_HANZI}])(?:字)?(?:就是|呢是|是)(?P<desc>[{_HANZI}]+)")
_DESCRIBED_RE = re.compile(rf"(?P<desc>[^的]{{1,7}})的(?P<c>[{_HANZI}]{{1,2}})")  # 国庆节的国庆: two at once
_RADICAL_ENDINGS = ("旁", "头", "底", "框", "边", "儿")
# A character described by its parts (龙下面一个共, 刍字加个耳朵旁, 三点水一个国王的王, 提手旁一个石头的石).
_COMPOSITION_RE = re.compile(r"(?:字头|字旁|字底|旁|头|底|框|耳朵|三点水|两点水|草字头|宝盖)(?:加个|加一个|一个|下面|上面|里面|右边|左边)"
                             r"|(?:下面|上面|里面|右边|左边)(?:一个|两个|三个|是)|加个|加一个")
_PART_FILLERS = frozenset({"嗯", "呃", "啊", "哦", "额", "那个", "就是", "然后", "还有", "对", "是"})


def _spelled_char(lex: _Lexicon, part: str) -> tuple[str, str] | None:
    """The character one part of an answer spells out, and how: (char, spelled | described | given | bare)."""
    part = _TRAILING_PARTICLES_RE.sub("", part) if len(part) > 2 else part
    if part in lex.spelled:
        return lex.spelled[part], "spelled"
    given = _GIVEN_ONLY_RE.fullmatch(part)
    if given:
        return given.group("c"), "given"
    char_is = _CHAR_IS_RE.fullmatch(part)
    if char_is:  # 杨是木易杨, 海是大海的海
        inner = _spelled_char(lex, char_is.group("desc"))
        return (char_is.group("c"), inner[1]) if inner and inner[0] == char_is.group("c") else None
    if _COMPOSITION_RE.search(part):
        return "?", "composed"  # 草字头一个宣传的宣 is 萱: built from parts, the character is not said
    described = _DESCRIBED_RE.fullmatch(part)
    if described:
        desc, char = described.group("desc"), described.group("c")
        if char in desc or desc.endswith(_RADICAL_ENDINGS) and len(char) == 1:
            return char, "described"
        if len(char) > 1:
            return None
        # 亭亭玉立的婷: a word that sounds like the character; only counted after a character already spelled
        plain = 2 <= len(desc) <= 4 and not set(desc) & lex.never_in_name
        return (char, "loose") if plain else None
    if len(part) == 1 and part not in lex.never_in_name and part not in _PART_FILLERS:
        return part, "bare"
    return None


def _one_pass(chars: list[str]) -> list[str]:
    """许，海，磊，言午许，大海的海，光明磊落的磊: the same characters said twice over are one name."""
    for size in (2, 3, 4):
        if len(chars) > size and all(c == chars[i % size] or "?" in (c, chars[i % size])
                                     for i, c in enumerate(chars)):
            return [next((c for c in chars[k::size] if c != "?"), "?") for k in range(size)]
    return chars


def spelled_out_name(text: str, said: str | None = None) -> NameMatch | None:
    """A name spelled out character by character (弓长张，建设的建，国家的国 / 许，海，磊 / 吕，双口吕，单名一个
    勇): the first run of two or more parts that each give one character, starting with a surname.
    A character described only by its parts (龙下面一个共) is taken from the name `said` before it."""
    if re.search(rf"[{_HANZI}]\s+[{_HANZI}]", text):
        return None  # recognizer words: name_from_recognizer_words reads those
    lex = _lexicon()
    run: list[tuple[str, str]] = []
    for part in [*_PART_SPLIT_RE.split(text), ""]:
        found = _spelled_char(lex, part) if part else None
        if found is not None and found[1] == "loose" and not run:
            found = None
        repeated = found is not None and run and found[0] == run[-1][0] and (
            len(run) == 1 and found[1] != "given" or run[-1][1] == "given")
        if found is not None and not repeated:
            run.append(found)
            continue
        if found is not None:
            continue  # 吕，双口吕 / 单名一个帆，帆船的帆: the character said, then spelled
        kinds = {kind for _char, kind in run}
        if len(run) >= 2 and kinds != {"bare"} or len(run) >= 3:
            chars = _one_pass(list("".join(char for char, _kind in run)))
            if "?" in chars and said and len(said) == len(chars):
                chars = [s if c == "?" else c for c, s in zip(chars, said)]
            name = "".join(chars)
            # A surname our list lacks (时, 母, 岩) counts when the caller spells the name out in words.
            explained = sum(kind in ("spelled", "described") for _char, kind in run) >= 2
            if (run[0][1] != "given" and "?" not in name and (_surname_of(lex, name) or explained)
                    and 2 <= len(name) <= 4 and _is_name(lex, name)):
                return NameMatch(name, 0.95, surname_spelled=run[0][1] == "spelled")
        run = []
    return None


# "时间 的 时", "区 是 区域 的 区": a word holding a character, then that character: it describes it.
_WORD_DESCRIBES_RE = re.compile(rf"([{_HANZI}]+)\s*的\s*([{_HANZI}]{{1,2}})(?![{_HANZI}])")
# "提手旁 一个 石头 的 石": a character described by its parts, which names no character of its own.
_PARTS_DESCRIPTION_RE = re.compile(r"旁|字头|偏旁|部首|底|框")


def _described_characters(text: str) -> set[str]:
    """Characters the caller describes by a word holding them (时间的时; 光荣的光荣 describes both)."""
    return {char for word, chars in _WORD_DESCRIBES_RE.findall(text) if chars in word and len(word) >= 2
            for char in chars}


def _is_lead_in(word: str) -> bool:
    """我母亲, 他叫, 出险人: words before the name that say whose it is."""
    return word in _LEAD_INS or extract_relation(word) is not None


def _spelled_name(first: str, rest: list[str], described: set[str], parts_described: bool) -> NameMatch | None:
    """A name whose every character the caller then describes (额尔敦 额头的额 偶尔的尔 敦煌的敦, 鱼 海涛
    鱼肉的鱼 …): a name even with a surname outside the list. A lone first character joins the next word."""
    candidates = [first]
    if rest and (len(first) == 1 and 1 <= len(rest[0]) <= 2
                 or len(first) == 2 and len(rest[0]) == 1 and rest[0] in described):
        candidates.insert(0, first + rest[0])  # 鱼 海涛 / 梁国 强 … 强壮的强
    lex = _lexicon()
    for name in candidates:
        if not 2 <= len(name) <= 4 or is_common_word(name) or name in lex.compound:
            continue  # 诸葛 alone is the surname, not the name
        if all(char in described for char in name):
            return NameMatch(name, 0.85)
        if name is not first and all(char in described for char in name[1:]) and parts_described:
            return NameMatch(name, 0.8)  # 拓 永平 提手旁一个石头的石 …: the surname described by its parts
    return None


def word_after_name_cue(text: str) -> NameMatch | None:
    """The first recognizer word after 叫, as a name even with a surname outside the list (应金娣): the
    cue says a name follows. Not an ordinary word (叫 医生)."""
    words = _recognizer_words(text)
    if words and 2 <= len(words[0]) <= 4 and not is_known_word(words[0]) and not _is_lead_in(words[0]):
        return NameMatch(words[0], 0.7)
    return None


def _recognizer_words(text: str) -> list[str]:
    """The recognizer's words, without fillers (嗯, 那个, 他叫)."""
    return [w for w in _WORD_SPLIT_RE.split(text) if w and w not in _SPOKEN_FILLERS]


def _said_together(text: str, words: list[str]) -> bool:
    """The words follow one another with only the recognizer's spaces between them."""
    return bool(re.search(rf"(?<![{_HANZI}])" + r"\s+".join(map(re.escape, words)) + rf"(?![{_HANZI}])", text))


# One-character words that stand on their own after a name (王强 对, 李梅 女): never its last character.
_STANDALONE = frozenset("对是的了吧呢啊嘛哈呀哦男女他她我你那这就在也和跟还又都")
_LEAD_INS = frozenset({"出险人", "出险的", "病人", "患者", "被保险人", "被保人", "客户", "他的", "她的", "我的"})
_SPOKEN_FILLERS = frozenset({"嗯", "呃", "啊", "哦", "喂", "额", "那个", "就是", "他", "她", "我", "他叫", "她叫", "我叫",
                             "叫", "是", "名字", "姓名"})
_WORD_SPLIT_RE = re.compile(rf"[^{_HANZI}]+")


def name_from_recognizer_words(text: str) -> NameMatch | None:
    """The name a recognizer hands over as its first words, before any spelling-out.

    "蒋国栋 草字头 的 蒋 国家 的 国", "宋 立新 嗯 宋朝 的 宋": a caller says the name, then describes its
    characters; the recognizer separates the words, so the name is the first word (or a surname word and
    the given-name word after it). Only for text with word spaces, when the bot asked for the name.
    """
    if not re.search(rf"[{_HANZI}]\s+[{_HANZI}]", text):
        return None
    lex = _lexicon()
    words = _recognizer_words(text)
    while words and _is_lead_in(words[0]):
        words = words[1:]  # 我 母亲 呃 贾淑贤 …: who the insured is, before the name
    if not words:
        return None
    described = _described_characters(text)
    singles = 0
    while singles < min(len(words), 4) and len(words[singles]) == 1:
        singles += 1
    if singles >= 3 and words[0] + words[1] in lex.compound:  # 欧 阳 志 明: every character as a word
        words = ["".join(words[:singles]), *words[singles:]]
    elif singles >= 3 and words[0] in lex.single and _said_together(text, words[:3]):
        words = ["".join(words[:3]), *words[3:]]  # 叶 婉 清 就是 …: three characters said one by one
    first = words[0]
    spelled = _spelled_name(first, words[1:], described, bool(_PARTS_DESCRIPTION_RE.search(text)))
    if spelled is not None:
        return spelled
    if first in lex.compound or first in lex.single:  # 宋 立新 / 上官 振华
        if len(words) < 2 or not 1 <= len(words[1]) <= 2:
            return None
        first += words[1]
        if first[:2] in lex.compound and len(first) == 3 and len(words) > 2 and len(words[2]) == 1 \
                and re.search(rf"{words[1]}\s+{words[2]}(?:\s|$)", text) and not _is_lead_in(words[2]):
            first += words[2]  # 诸葛 金 生: a compound surname and its given name said character by character
    elif is_common_word(first) and len(words) > 1 and len(words[1]) == 1:
        first += words[1]  # 王国 庆 / 王子 涵: the recognizer cut a word (王国, 王子) out of the name
    elif len(first) == 2 and len(words) > 1 and len(words[1]) == 1 and words[1] not in _STANDALONE \
            and not (len(words) > 2 and _PARTS_DESCRIPTION_RE.match(words[2])) \
            and _said_together(text, words[:2]) and _surname_of(lex, first + words[1]) is not None:
        first += words[1]  # 赵雨 萱 / 黎子 豪: the recognizer split a three-character name after two
    surname = _surname_of(lex, first)
    if surname is None or not _is_name(lex, first) or len(first) - len(surname) not in (1, 2):
        return None
    if is_common_word(first):
        return None  # 普通 朋友: a word, not a name
    return NameMatch(first, 0.85)

