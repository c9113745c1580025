"""Rasa component: jieba tokenization with our term dictionary and without whitespace tokens.

Rasa's JiebaTokenizer loads user dictionaries from a directory; ours is generated from the term data
(`nlu.jieba_dict`), so 脑梗死, 桡骨骨折 and 瑞金医院 stay whole tokens without a generated file to keep in sync.
Whitespace tokens (RasaHQ/rasa#7910) are dropped.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from nlu import jieba_dict


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class ClaimJiebaTokenizer(JiebaTokenizer):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ClaimJiebaTokenizer:
        jieba_dict.ensure_loaded()
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> ClaimJiebaTokenizer:
        jieba_dict.ensure_loaded()
        return cls(config, model_storage, resource)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        return [t for t in super().tokenize(message, attribute) if t.text.strip()]
