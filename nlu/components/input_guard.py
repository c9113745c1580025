"""Rasa component: empty, garbage or oversized input is classified `nlu_fallback` with certainty.

A classifier would give such text some intent; the dialogue must instead re-prompt and store nothing.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.asr_text_normalizer import INPUT_QUALITY
from nlu.text_normalizer import assess_input

FALLBACK = "nlu_fallback"


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
            if quality != "ok":
                intent = {"name": FALLBACK, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                ranking = [intent] + [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != FALLBACK]
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
