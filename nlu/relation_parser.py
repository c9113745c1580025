"""The caller's relation to the insured (reporter_relation), read from the caller's side.

我爸住院了 makes the caller 子女, 我是他儿子 too; 他是我儿子 makes the caller 父母. Word lists live in
data/terms/relations.yml. The insured is the person who had the incident, so a relative who only asked
the caller to ring (我女儿让我打电话) yields to one who had the incident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

_DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "terms" / "relations.yml"
_HANZI = "\u4e00-\u9fff"
_FILLERS_RE = re.compile(r"嗯|呃|额|啊|呀|哦|噢|那个|就是|然后|吧|呢|的$|[\s，。,.!！?？、~～…]")

SELF, SPOUSE, CHILD, PARENT, OTHER_KIN = "本人", "配偶", "子女", "父母", "其他亲属"


@dataclass(frozen=True)
class RelationMatch:
    """A relation value from the contract's list, the words it was read from and where they were."""

    relation: str
    text: str
    start: int
    end: int
    confidence: float


def _alternation(words: list[str] | set[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class _Lexicon:
    as_insured: dict[str, str]  # role word naming the insured → the caller's relation
    as_caller: dict[str, str]  # role word naming the caller → the caller's relation
    caller_role_re: re.Pattern[str]
    their_role_re: re.Pattern[str]
    possessive_re: re.Pattern[str]
    bare_insured_re: re.Pattern[str]
    self_re: re.Pattern[str]
    self_answer_re: re.Pattern[str]
    bare_answer_re: re.Pattern[str]
    fallback_re: re.Pattern[str]
    go_between_re: re.Pattern[str]
    chain_re: re.Pattern[str]
    negations: tuple[str, ...]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    data = yaml.safe_load(_DATA_FILE.read_text(encoding="utf-8"))
    as_insured: dict[str, str] = {}
    as_caller: dict[str, str] = {}
    for word in data["parent_words"]:
        as_insured[word], as_caller[word] = CHILD, PARENT
    for word in data["child_words"]:
        as_insured[word], as_caller[word] = PARENT, CHILD
    for relation, words in data["symmetric"].items():
        for word in words:
            as_insured[word] = as_caller[word] = relation
    role = _alternation(as_insured)
    third = _alternation(data["third_person"])
    poss = _alternation(data["possessives"])
    stop = rf"(?![{_HANZI}]{{0,1}}(?:的)?(?:{role}))"
    fallback_words = set(as_insured) - set(data["parent_words"]) - set(data["child_words"])
    fallback_words -= set(data["ambiguous_alone"])
    return _Lexicon(
        as_insured=as_insured,
        as_caller=as_caller,
        caller_role_re=re.compile(
            rf"我们?(?:就|只)?是(?:(?:{third})(?:的|个)?|[{_HANZI}]{{2,4}}?的)?(?P<role>{role})"
        ),
        their_role_re=re.compile(rf"是(?:{third})的?(?P<role>{role})"),
        possessive_re=re.compile(rf"(?:{poss})(?P<role>{role})"),
        bare_insured_re=re.compile(rf"(?P<role>{_alternation(data['insured_without_possessive'])})"),
        self_re=re.compile(
            rf"(?:{_alternation(data['self_phrases'])}){stop}|我(?:自己)?(?:{_alternation(data['self_event_verbs'])})"
        ),
        self_answer_re=re.compile(rf"(?:{_alternation(data['self_answers'])})"),
        bare_answer_re=re.compile(rf"(?:是)?(?:(?:{third})的?)?(?P<role>{role})"),
        fallback_re=re.compile(rf"(?P<role>{_alternation(fallback_words)})"),
        go_between_re=re.compile(rf"(?:{_alternation(data['go_between_verbs'])})"),
        chain_re=re.compile(rf"的(?P<role>{role})"),
        negations=tuple(data["negations"]),
    )


def role_reference_pattern() -> str:
    """Regex source for "我爸" / "我家老头子": a possessive plus a role word; name_parser reuses it."""
    return _lexicon().possessive_re.pattern


def _negated(compact: str, start: int, negations: tuple[str, ...]) -> bool:
    """Whether a negation ends right before the match, or overlaps its first character (不|是他儿子)."""
    return any(compact.endswith(n, 0, start) or compact.endswith(n, 0, start + 1) for n in negations)


_CHILDS_PARENT_RE = re.compile(r"(?:我是|俺是|我就是)(?:孩子|娃|小孩|宝宝)(?:的|他|她)?(?:爸爸|妈妈|爸|妈|父亲|母亲|家长)")


def extract_relation(text: str) -> RelationMatch | None:
    """The caller's relation to the insured said in `text`, or None when nothing tells it."""
    lex = _lexicon()
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = "".join(text[i] for i in keep)

    def result(relation: str, start: int, end: int, confidence: float) -> RelationMatch:
        s, e = keep[start], keep[end - 1] + 1
        return RelationMatch(relation, text[s:e], s, e, confidence)

    # 0. 我是孩子他爸 / 我是孩子妈妈: the caller is the parent of the child the call is about.
    m = _CHILDS_PARENT_RE.search(compact)
    if m and not _negated(compact, m.start(), lex.negations):
        return result("父母", m.start(), m.end(), 0.95)

    # 1. The caller names their own role: 我是他儿子, 我是他的保险代理人, 我们是同事.
    for m in lex.caller_role_re.finditer(compact):
        if not _negated(compact, m.start(), lex.negations):
            return result(lex.as_caller[m.group("role")], m.start(), m.end(), 1.0)

    # 2. A relative named from the caller's side (我爸, 他是我儿子) or the caller's own incident (我摔了).
    candidates: list[tuple[int, int, str, bool]] = []  # start, end, relation, only a go-between
    for m in lex.possessive_re.finditer(compact):
        if _negated(compact, m.start(), lex.negations):
            continue
        relation = lex.as_insured[m.group("role")]
        chained = lex.chain_re.match(compact, m.end())
        end = m.end()
        if chained:  # 我老公的妈妈: a relative of a relative
            chained_relation = lex.as_insured[chained.group("role")]
            relation = chained_relation if chained_relation in ("朋友", "同事", "保险代理人") else OTHER_KIN
            end = chained.end()
        go_between = bool(lex.go_between_re.match(compact, end))
        candidates.append((m.start(), end, relation, go_between))
    for m in lex.self_re.finditer(compact):
        if not _negated(compact, m.start(), lex.negations):
            candidates.append((m.start(), m.end(), SELF, False))
    if candidates:
        candidates.sort()
        best = next((c for c in candidates if not c[3]), candidates[0])
        return result(best[2], best[0], best[1], 0.9)

    # 3. The caller's role without 我 (……不是他儿子，是他侄子), or a one-word answer to "您是他什么人":
    #    the word is the caller's own role (儿子 → 子女), or 是我.
    for m in lex.their_role_re.finditer(compact):
        if not _negated(compact, m.start(), lex.negations):
            return result(lex.as_caller[m.group("role")], m.start(), m.end(), 0.9)
    bare = _FILLERS_RE.sub("", compact)
    if bare:
        m = lex.bare_answer_re.fullmatch(bare)
        if m:
            start = compact.find(m.group("role"))
            return result(lex.as_caller[m.group("role")], start, start + len(m.group("role")), 0.9)
        m = lex.self_answer_re.fullmatch(bare)
        if m:
            start = compact.find(bare)
            return result(SELF, start, start + len(bare), 0.9)

    # 4. Words that name the insured without 我 (老爷子摔了), then any unambiguous role word (帮同事报案).
    for pattern, confidence in ((lex.bare_insured_re, 0.8), (lex.fallback_re, 0.6)):
        for m in pattern.finditer(compact):
            if not _negated(compact, m.start(), lex.negations):
                return result(lex.as_insured[m.group("role")], m.start(), m.end(), confidence)
    return None
