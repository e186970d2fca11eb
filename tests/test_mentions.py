"""What the articles contain word for word, on the shipped corpus: names as written, in order, or side by side."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def mentions(shipped_composer):
    return shipped_composer.searcher.mentions


def test_a_phrase_is_mentioned_only_in_its_order(mentions):
    assert mentions.mentioned(("train", "to", "busan"))
    assert not mentions.mentioned(("busan", "to", "train"))


def test_a_place_is_mentioned_in_the_word_made_from_it(mentions):
    assert mentions.mentioned(("north", "korea"))  # the articles say "North Korean" only
    assert not mentions.mentioned(("south", "america"))


def test_a_name_made_of_words_found_apart_is_not_mentioned(mentions):
    assert mentions.mentioned(("song", "kang", "ho"))
    assert not mentions.in_parts(("lee", "chang", "dong"))  # "lee" is in the articles, the director is not
    assert not mentions.in_parts(("bong", "joon", "ho"))


def test_two_names_written_side_by_side_are_each_found(mentions):
    assert not mentions.mentioned(("song", "kang", "ho", "yeon", "sang", "ho"))
    assert mentions.in_parts(("song", "kang", "ho", "yeon", "sang", "ho"))


def test_written_means_as_written_not_by_stem(mentions):
    assert mentions.written("busan")
    assert not mentions.written("burning")  # "burned" is in the articles: the same stem, not the word
    assert mentions.written("wilson") and mentions.written("americans")  # give or take a possessive or plural s


def test_passage_terms_hold_stems_and_words_as_written(shipped_composer, mentions):
    chunks = shipped_composer.searcher.index.chunks
    i = next(i for i, c in enumerate(chunks) if "adopted" in c.text)
    assert {"adopted", "adopt"} <= mentions.terms(i)


@pytest.mark.parametrize("typed, meant", [
    ("dauhgter", "daughter"),  # two letters swapped
    ("moive", "movie"),  # swapped, not "move" or "motive"
    ("zombeis", "zombies"),
    ("remeber", "remember"),  # a letter left out
    ("blnd", "blind"),  # an English word no article has, not the article word "bond"
])
def test_a_typo_is_read_as_the_word_it_stands_for(mentions, typed, meant):
    assert mentions.spelled(typed) == meant


@pytest.mark.parametrize("word", ["kimchi", "handmaiden", "nastiest", "taegukgi", "busan", "the", "2013"])
def test_real_words_and_names_are_left_as_typed(mentions, word):
    assert mentions.spelled(word) == word


def test_a_casual_word_is_held_by_the_phrase_the_articles_write_for_it():
    from filmchat.mentions import terms

    assert "blind" in terms("One night, a visually impaired woman walks into his tollbooth.")
    assert "deaf" in terms("a school for hearing impaired children")
    assert "blind" not in terms("a woman who is impaired by grief, visually striking")  # the phrase, not its words
