"""The film catalog: one film across articles and spellings; titles found in questions."""

from __future__ import annotations

import pytest

from filmchat.chunking import Chunk
from filmchat.films import FilmCatalog, film_table, list_intros


def chunk(film, file="a.txt", start=0):
    return Chunk(f"{file}:{start}", file, start, start + 1, "x", "T", film, film)


CATALOG_CHUNKS = [
    chunk("Miracle In Cell No. 7", "a.txt"), chunk("Miracle in Cell No.7", "b.txt"), chunk("Miracle in Cell No. 7", "c.txt"),
    chunk("Miracle in Cell No. 7", "d.txt"), chunk("Hope"), chunk("Train To Busan"), chunk("Train to Busan", "b.txt"),
    chunk("My Annoying Brother"), chunk("Brother"), chunk(None), chunk("Always", "e.txt"),
]
CATALOG = FilmCatalog(CATALOG_CHUNKS)


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
    # one letter changed in a four-letter title word ("more then blue"), not two
    assert [m.key for m in CATALOG.match("miracle in sell no 7")] == [CATALOG.key("Miracle in Cell No. 7")]
    assert CATALOG.match("miracle in sale no 7") == []


def test_longest_title_wins_over_a_title_inside_it():
    assert [m.key for m in CATALOG.match("tell me about my annoying brother")] == [CATALOG.key("My Annoying Brother")]


def test_no_title_no_match():
    assert CATALOG.match("which film is about a Korean adoptee?") == []
    assert CATALOG.match("") == []


@pytest.mark.parametrize("question, title", [
    ("who directed Hope?", "Hope"), ("Is Hope worth watching?", "Hope"), ("the movie hope", "Hope"),
    ("a film called always", "Always"), ("“always” runtime", "Always"), ("Hope", "Hope"),
    ("tell me about hope", "Hope"), ("how long is always?", "Always"), ("who directed hope?", "Hope"),
    ("what about hope?", "Hope"), ("ok and always?", "Always"), ("whats hope about", "Hope"),  # the chat moves to it
    ("who directed hope, the one about the little girl?", "Hope"),  # a title, then what it is
    ("whats hope about? heard its rough", "Hope"),  # what follows in another sentence is not the question's
    ("what's the runtime on always", "Always"), ("is hope also a true story?", "Hope"),  # nothing else to be about
    ("hope is based on a true story right?", "Hope"), ("ok now always", "Always"),
    ("hope whats the main guy's name", "Hope"), ("always cast?", "Always"),  # the title, then what is asked
    ("who plays the dad in hope?", "Hope"), ("did park jin pyo direct hope", "Hope"),  # closing the question
    ("is she also in my annoying brother, or not", "My Annoying Brother"),
    ("hope looks heavy", "Hope"), ("always was so sad", "Always"),  # opening the sentence, said of
    ("actually nvm what about hope", "Hope"),  # a switch, after words that drop the last one
    ("whats the other sad one, hope?", "Hope"), ("any other boxing ones, always maybe?", "Always"),  # offered last
    ("is hope any good?", "Hope"), ("always korean version worth watching?", "Always"),  # asked if it is worth it
    ("nah wait, i meant my anoying brother", "My Annoying Brother"),  # "meant", and a misspelt title's "my"
    ("always remake - who directed it", "Always"), ("hope movie cast", "Hope"),  # named as a work
    ("is hope like that too? real history?", "Hope"),  # compared with the film talked of
    ("always, the korean one with the boxer and the blind girl", "Always"),  # a title, then what it is
    ("always 2011?", "Always"),  # the title and its year
])
def test_an_everyday_word_title_used_as_a_title(question, title):
    assert [m.key for m in CATALOG.match(question)] == [CATALOG.key(title)]


def test_everyday_word_titles_in_a_list_of_titles():
    keys = lambda q: [m.key for m in sorted(CATALOG.match(q), key=lambda m: m.span)]
    # one listed with a title written as one, or two offered as alternatives
    assert keys("out of always, hope and miracle in cell 7 which is longest") == ["always", "hope", "miracleincellno7"]
    assert keys("which is older, hope or always?") == ["hope", "always"]
    assert keys("i hope and always wish for a film about a war") == []  # "and" between them lists nothing


@pytest.mark.parametrize("question", [
    "I hope to find a film about a boxer and a blind woman",
    "which film is about a man who always lies?",
    "Hope you can help me find a sad film",
    "they always hope for the best in this film about a war",
    "what about hope for the future in these films?",  # "what about" opens, but the title does not end it
    "i hope it is true",  # an everyday sentence, though each of its other words may ask of a title
    "a film where a poor family never stops living in hope",  # a film described: its last word is a word
    "who plays the dad in hope, any idea",  # one word after "in" only where it closes the question
    "a film about a family, always hoping for a better life?",  # after a comma, but not all that is left
    "i hope this one is any good",  # a verb before it
])
def test_an_everyday_word_is_not_a_title(question):
    assert CATALOG.match(question) == []


def test_an_introduction_before_an_articles_first_film_vouches_for_its_films():
    chunks = [chunk(None, "a.txt", 0), chunk("Night Train", "a.txt", 20), chunk(None, "a.txt", 40),
              chunk("Snow Field", "b.txt", 0)]
    assert list_intros(chunks, [c.film for c in chunks]) == {0: [1]}  # the closing passage (after a film) is none
    assert dict(FilmCatalog(chunks).intros) == {0: [1]}


def test_the_film_table_gives_each_chunk_its_films_key_and_each_film_its_passages():
    table = film_table(CATALOG_CHUNKS)
    assert table.film_of.tolist() == [0, 0, 0, 0, 1, 2, 2, 3, 4, -1, 5]
    assert table.names[0] == "Miracle in Cell No. 7" and table.title_words[1] == ["hope"]
    assert CATALOG.chunk_keys() == [CATALOG.key(c.film) for c in CATALOG_CHUNKS]
    assert dict(CATALOG.chunk_ids) == {CATALOG.key("Miracle in Cell No. 7"): [0, 1, 2, 3], CATALOG.key("Hope"): [4],
                                       CATALOG.key("Train to Busan"): [5, 6], CATALOG.key("My Annoying Brother"): [7],
                                       CATALOG.key("Brother"): [8], CATALOG.key("Always"): [10]}
    assert FilmCatalog([], table).names == CATALOG.names  # a stored table stands for the chunks
