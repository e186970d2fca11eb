"""The film catalog: one film across articles and spellings; titles found in questions."""

from __future__ import annotations

import pytest

from filmchat.chunking import Chunk
from filmchat.films import FilmCatalog


def chunk(film, file="a.txt", start=0):
    return Chunk(f"{file}:{start}", file, start, start + 1, "x", "T", film, film)


CATALOG = FilmCatalog([
    chunk("Miracle In Cell No. 7", "a.txt"), chunk("Miracle in Cell No.7", "b.txt"), chunk("Miracle in Cell No. 7", "c.txt"),
    chunk("Miracle in Cell No. 7", "d.txt"), chunk("Hope"), chunk("Train To Busan"), chunk("Train to Busan", "b.txt"),
    chunk("My Annoying Brother"), chunk("Brother"), chunk(None), chunk("Always", "e.txt"),
])


def test_title_variants_are_one_film_named_as_most_articles_write_it():
    key = CATALOG.key("Miracle in Cell No.7")
    assert key == CATALOG.key("MIRACLE IN CELL NO. 7")
    assert CATALOG.name(key) == "Miracle in Cell No. 7"
    assert len(CATALOG.chunk_ids[key]) == 4
    assert len(CATALOG) == 6  # Miracle, Hope, Train To Busan, My Annoying Brother, Brother, Always


def test_exact_title_in_a_question():
    assert [m.key for m in CATALOG.match("who directed Hope?")] == [CATALOG.key("Hope")]
    assert CATALOG.match("who directed Hope?")[0].exact
    assert [m.key for m in CATALOG.match("is train to busan scary?")] == [CATALOG.key("Train To Busan")]


def test_fuzzy_title_with_words_left_out_or_misspelt():
    assert [m.key for m in CATALOG.match("miracle cell 7")] == [CATALOG.key("Miracle in Cell No. 7")]
    assert not CATALOG.match("miracle cell 7")[0].exact
    assert [m.key for m in CATALOG.match("is trian to busan scary?")] == [CATALOG.key("Train To Busan")]


def test_longest_title_wins_over_a_title_inside_it():
    assert [m.key for m in CATALOG.match("tell me about my annoying brother")] == [CATALOG.key("My Annoying Brother")]


def test_no_title_no_match():
    assert CATALOG.match("which film is about a Korean adoptee?") == []
    assert CATALOG.match("") == []


@pytest.mark.parametrize("question, title", [
    ("who directed Hope?", "Hope"), ("Is Hope worth watching?", "Hope"), ("the movie hope", "Hope"),
    ("a film called always", "Always"), ("“always” runtime", "Always"), ("Hope", "Hope"),
    ("tell me about hope", "Hope"), ("how long is always?", "Always"), ("who directed hope?", "Hope"),
])
def test_an_everyday_word_title_used_as_a_title(question, title):
    assert [m.key for m in CATALOG.match(question)] == [CATALOG.key(title)]


@pytest.mark.parametrize("question", [
    "I hope to find a film about a boxer and a blind woman",
    "which film is about a man who always lies?",
    "Hope you can help me find a sad film",
    "they always hope for the best in this film about a war",
])
def test_an_everyday_word_is_not_a_title(question):
    assert CATALOG.match(question) == []
