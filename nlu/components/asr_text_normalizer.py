"""Rasa component: normalizes the message text (ASR spaces, spoken digits, full-width forms) before tokenizing.

Registered as a featurizer-type preprocessor so it also runs over the training data: the models see
the same normalized form at training and at prediction time.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.text_normalizer import assess_input, normalize_text

INPUT_QUALITY = "input_quality"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class AsrTextNormalizer(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> AsrTextNormalizer:
        return cls()

    @staticmethod
    def _normalize(message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and not text.startswith("/"):
            # Judged on the raw text: normalizing trims oversized input and would hide it.
            message.set(INPUT_QUALITY, assess_input(text).kind)
            message.set(TEXT, normalize_text(text) or " ")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize(message)
        return messages
