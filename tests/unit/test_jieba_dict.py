"""The jieba user dictionary keeps diagnosis and hospital terms whole, for Rasa and for our own pipeline."""

from __future__ import annotations

import jieba
import pytest

from nlu import jieba_dict
from nlu.term_data import all_dictionary_words

WHOLE_WORDS = ["脑梗死", "桡骨骨折", "瑞金医院", "上海交通大学医学院附属瑞金医院"]
SENTENCES = {
    "脑梗死": "我爸前天脑梗死住院了",
    "桡骨骨折": "医生说是桡骨骨折",
    "瑞金医院": "现在在瑞金医院住院呢",
    "上海交通大学医学院附属瑞金医院": "在上海交通大学医学院附属瑞金医院看的",
}


def test_every_checked_word_is_a_dictionary_word():
    words = set(all_dictionary_words())
    assert set(WHOLE_WORDS) <= words


def test_user_dict_file_has_word_and_frequency_lines(tmp_path):
    path = jieba_dict.write_user_dict(tmp_path / "jieba_dict")
    assert path.parent == tmp_path / "jieba_dict"
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, freq = line.split(" ")
        entries[word] = int(freq)
    for word in WHOLE_WORDS:
        assert entries[word] >= jieba_dict.TERM_FREQUENCY
    assert all(len(word) >= 2 for word in entries)


def test_a_fresh_tokenizer_loading_the_directory_keeps_terms_whole(tmp_path):
    """What Rasa's JiebaTokenizer does: load every file of the directory into jieba."""
    directory = tmp_path / "jieba_dict"
    jieba_dict.write_user_dict(directory)
    tokenizer = jieba.Tokenizer()
    for file in directory.iterdir():
        tokenizer.load_userdict(str(file))
    for word, sentence in SENTENCES.items():
        assert word in tokenizer.lcut(sentence), (word, tokenizer.lcut(sentence))


@pytest.mark.parametrize("word", WHOLE_WORDS)
def test_ensure_loaded_keeps_terms_whole_in_the_global_jieba(word):
    jieba_dict.ensure_loaded()
    jieba_dict.ensure_loaded()  # idempotent
    assert word in jieba.lcut(SENTENCES[word])


def test_ordinary_words_are_common_but_our_terms_are_not():
    jieba_dict.ensure_loaded()
    assert jieba_dict.is_common_word("通风")
    assert not jieba_dict.is_common_word("脑梗死")
    assert not jieba_dict.is_common_word("骨哲")
