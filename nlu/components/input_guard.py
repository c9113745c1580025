"""Rasa component: guards the intent for the two cases where a classifier's guess is costly.

- Empty, garbage or oversized input is classified `nlu_fallback` with certainty: the dialogue must
  re-prompt and store nothing, whatever the classifier made of it.
- `request_human` ends the report, so it stands only when the caller said a word for a person
  (data/terms/answers.yml `human_cues`, not inside a medical word such as 人工股骨头); otherwise the
  next-ranked intent is taken.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.answer_cues import asks_for_person
from nlu.components.asr_text_normalizer import INPUT_QUALITY
from nlu.text_normalizer import assess_input

FALLBACK = "nlu_fallback"
HUMAN = "request_human"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InputGuard(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> InputGuard:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            quality = message.get(INPUT_QUALITY) or assess_input(text).kind
            intent = message.get(INTENT) or {}
            if quality == "ok" and intent.get("name") == HUMAN and not asks_for_person(text):
                ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != HUMAN]
                if ranking:
                    message.set(INTENT, ranking[0], add_to_output=True)
                    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            if quality != "ok":
                intent = {"name": FALLBACK, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                ranking = [intent] + [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != FALLBACK]
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
