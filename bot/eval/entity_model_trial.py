"""Would a learned entity model beside the rules read names and hospitals better? (issue 8)

A character CRF (sklearn-crfsuite, the model behind Rasa's CRFEntityExtractor) is trained on the
answers to the name and hospital questions of one set of scenario files and tried on another. The
rules answer first; the model is asked only where they found nothing, so the combination can only
fix a miss or add a wrong value where the rules said nothing. The trial prints, per item, how the
rules alone and the combination score against the scenarios' expected values.

Run: ``python -m bot.eval.entity_model_trial --train data/scenarios/dev.yml data/scenarios/dev_asr.yml
--test data/scenarios/dev2.yml``; ``--folds 5`` instead cross-validates on the test files, with the
train files in every fold's training part.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sklearn_crfsuite

from bot.claims.slot_filling import _candidates
from bot.eval.claims_eval import load_scenarios
from nlu.claim_entities import extract_entities
from nlu.jieba_dict import is_known_word
from nlu.term_normalizer import clean_text, get_normalizer
from nlu.text_normalizer import normalize_text

ITEMS = ("insured_name", "hospital")
_NOW = datetime(2025, 6, 1, 10, 0)


@dataclass(frozen=True)
class Answer:
    """One caller answer to the question for `item`, with the value the scenario expects."""

    item: str
    text: str
    expected: str


def answers(paths: Iterable[Path]) -> list[Answer]:
    found = []
    for path in paths:
        for scenario in load_scenarios(path):
            for item in ITEMS:
                said = scenario["answers"].get(item)
                expected = scenario["expect"].get(item)
                if isinstance(said, str) and isinstance(expected, str) and expected:
                    found.append(Answer(item, said, expected))
    return found


def rules_value(answer: Answer) -> str | None:
    """What the bot's own rules take from this answer when it asked for the item."""
    text = normalize_text(answer.text)
    cands = _candidates(text, extract_entities(text, normalized=True), _NOW, [answer.item], {}, "collecting",
                        answer.text)
    value = cands.get(answer.item, {}).get("value")
    return value or None


def _said_span(answer: Answer, clean: str) -> tuple[int, int] | None:
    """Where the expected value was said: the name verbatim, the hospital as the normalizer located it."""
    if answer.item == "insured_name":
        at = clean.find(answer.expected)
        return (at, at + len(answer.expected)) if at >= 0 else None
    for match in get_normalizer().normalize(clean).hospitals:
        if match.name == answer.expected:
            return match.start, match.end
    at = clean.find(answer.expected)
    return (at, at + len(answer.expected)) if at >= 0 else None


def _features(clean: str, index: int) -> dict[str, object]:
    char = clean[index]
    feats: dict[str, object] = {"c": char, "digit": char.isdigit()}
    for offset in (-2, -1, 1, 2):
        at = index + offset
        feats[f"c{offset}"] = clean[at] if 0 <= at < len(clean) else "^" if at < 0 else "$"
    feats["b-1"] = clean[max(0, index - 1):index + 1]
    feats["b+1"] = clean[index:index + 2]
    feats["word2"] = is_known_word(clean[index:index + 2])
    feats["word-2"] = index > 0 and is_known_word(clean[index - 1:index + 1])
    return feats


def _sequence(answer: Answer) -> tuple[str, list[dict[str, object]]]:
    clean, _ = clean_text(answer.text)
    return clean, [_features(clean, i) for i in range(len(clean))]


def _labels(answer: Answer, clean: str) -> list[str] | None:
    span = _said_span(answer, clean)
    if span is None:
        return None
    start, end = span
    return ["B" if i == start else "I" if start < i < end else "O" for i in range(len(clean))]


def train(item: str, data: list[Answer]) -> sklearn_crfsuite.CRF:
    xs, ys = [], []
    for answer in data:
        if answer.item != item:
            continue
        clean, feats = _sequence(answer)
        labels = _labels(answer, clean)
        if labels is not None:
            xs.append(feats)
            ys.append(labels)
    model = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.1, c2=0.05, max_iterations=150)
    model.fit(xs, ys)
    return model


def model_value(model: sklearn_crfsuite.CRF, answer: Answer) -> str | None:
    clean, feats = _sequence(answer)
    tags = model.predict_single(feats)
    start = next((i for i, tag in enumerate(tags) if tag == "B"), None)
    if start is None:
        return None
    end = start + 1
    while end < len(tags) and tags[end] == "I":
        end += 1
    span = clean[start:end]
    if answer.item == "hospital":
        match = get_normalizer().normalize(span).best_hospital
        return match.name if match is not None else span
    return span


@dataclass
class Score:
    answers: int = 0
    rules_right: int = 0
    combined_right: int = 0
    model_right: int = 0
    rules_silent: int = 0
    fixed: int = 0
    added_wrong: int = 0
    disagree_rules_right: int = 0
    disagree_model_right: int = 0

    def line(self, item: str) -> str:
        n = max(self.answers, 1)
        return (f"{item:13} answers {self.answers:4}  rules {self.rules_right / n:.3f}  rules+model "
                f"{self.combined_right / n:.3f}  model alone {self.model_right / n:.3f}  (rules silent "
                f"{self.rules_silent}: model right {self.fixed}, wrong {self.added_wrong}; both answer and differ: "
                f"rules right {self.disagree_rules_right}, model right {self.disagree_model_right})")


def score(models: dict[str, sklearn_crfsuite.CRF], test: list[Answer], scores: dict[str, Score]) -> None:
    for answer in test:
        s = scores[answer.item]
        s.answers += 1
        ruled = rules_value(answer)
        learned = model_value(models[answer.item], answer)
        combined = ruled if ruled is not None else learned
        if ruled is None:
            s.rules_silent += 1
            s.fixed += learned == answer.expected
            s.added_wrong += learned is not None and learned != answer.expected
        elif learned is not None and learned != ruled:
            s.disagree_rules_right += ruled == answer.expected
            s.disagree_model_right += learned == answer.expected
        s.rules_right += ruled == answer.expected
        s.model_right += learned == answer.expected
        s.combined_right += combined == answer.expected


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="+", type=Path, required=True)
    parser.add_argument("--test", nargs="+", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=0)
    args = parser.parse_args(argv)
    base = answers(args.train)
    test = answers(args.test)
    scores = {item: Score() for item in ITEMS}
    if args.folds:
        random.Random(7).shuffle(test)
        for fold in range(args.folds):
            held = test[fold::args.folds]
            rest = [a for i, a in enumerate(test) if i % args.folds != fold]
            score({item: train(item, base + rest) for item in ITEMS}, held, scores)
    else:
        score({item: train(item, base) for item in ITEMS}, test, scores)
    for item in ITEMS:
        print(scores[item].line(item))


if __name__ == "__main__":
    main()
