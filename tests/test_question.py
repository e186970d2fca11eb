"""Reading one question on the shipped corpus: titles used as titles, names no article has, content words."""

from __future__ import annotations

import pytest

from filmchat.question import clean_question, content_stems, question_rest, read_question


@pytest.fixture(scope="module")
def read(shipped_composer):
    s = shipped_composer.searcher
    return lambda text: read_question(text, s.catalog, s.mentions, 2000)


def test_control_characters_go_and_a_long_question_is_cut_and_says_so():
    assert clean_question("who\x00 directed\n\n  Hope?", 100) == ("who directed Hope?", False)
    assert clean_question("x" * 50, 10) == ("x" * 10, True)


def test_a_title_no_article_mentions_is_an_unknown_name_not_a_film(read):
    q = read("Who directed The Handmaiden?")
    assert q.unknown == ["The Handmaiden"] and q.named == []


def test_an_everyday_word_that_is_a_title_counts_only_when_used_as_one(read):
    casual = read("I hope to find a film about a boxer")
    assert casual.named == [] and "hope" in casual.stray
    assert content_stems(casual) == ["boxer"]  # "hope" is not searched for
    titled = read("who directed Hope?")
    assert len(titled.named) == 1 and not titled.stray
    assert question_rest(titled) == "who directed"


def test_a_list_question_is_plural(read):
    assert read("Which films were directed by Park Jin-Pyo?").plural
    assert not read("Which film is about a Korean adoptee?").plural
