"""Rasa component: the nine report items as entities with canonical values (see `nlu.claim_entities`)."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.claim_entities import extract_entities


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ClaimEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ClaimEntityExtractor:
        # Build the term normalizer and parsers now, so the first caller does not wait for them and the
        # server reports ready only when it is.
        extract_entities("我爸昨天在瑞金医院住院，手腕摔断了，他叫张建国，电话13812345678")
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            found = extract_entities(text, normalized=True)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
