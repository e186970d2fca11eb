"""Chunking on the real articles: films follow the structure, offsets are exact, furniture is never a passage."""

from __future__ import annotations

import pytest

from filmchat.chunking import chunk_document, norm_key, sentence_spans
from filmchat.corpus import read_corpus

from conftest import CORPUS


@pytest.fixture(scope="module")
def docs():
    return read_corpus(CORPUS)[0]


@pytest.fixture(scope="module")
def chunks(docs):
    return {d.path: chunk_document(d) for d in docs}


def test_offsets_are_exact_for_every_chunk_of_every_file(chunks):
    for path, cs in chunks.items():
        raw = (CORPUS / path).read_bytes().decode("utf-8")
        assert cs, path
        for c in cs:
            assert raw[c.start:c.end] == c.text, (path, c.start)
            assert c.text == c.text.strip() and c.text


def test_sentence_spans_are_exact_pieces_of_each_chunk(chunks):
    for cs in chunks.values():
        for c in cs:
            spans = sentence_spans(c.text)
            assert spans
            for a, b in spans:
                assert c.text[a:b].strip() == c.text[a:b] != ""


def test_adoptee_passage_is_about_my_father(chunks):
    hits = [c for cs in chunks.values() for c in cs if "adopted from Korea by an American family" in c.text]
    assert hits and {c.film for c in hits} == {"My Father"}


def test_numbered_list_items_become_their_own_films(chunks):
    films = [c.film for c in chunks["top-19-korean-tearjerker-movies.txt"] if c.film]
    assert len(set(films)) == 19  # "1. Taegukgi" … "19. His Last Gift"
    assert films[0] == "Taegukgi" and films[-1] == "His Last Gift"
    # an FAQ numbered like a list ("1. Which are some sad Korean movies?") is not a film
    assert not any("?" in f for f in films)


def test_metadata_lines_stay_with_their_film(chunks):
    cs = chunks["10-korean-movies-leave-you-in-tears.txt"]
    director = [c for c in cs if "Director: Lee Hwan-Kyung" in c.text]
    assert len(director) == 1 and norm_key(director[0].film) == norm_key("Miracle in Cell No. 7")
    assert "sentenced to death" in director[0].text  # the plot and its metadata are one passage
    runtimes = [c for c in chunks["10-touching-emotional-korean-movies.txt"] if "Duration:115 minutes" in c.text]
    assert [c.film for c in runtimes] == ["Harmony"]


def test_sections_that_lost_their_heading_get_their_film_from_the_text(chunks):
    cs = chunks["true-stories-behind-korean-films.txt"]
    nayoung = [c for c in cs if "Nayoung" in c.text]
    runner = [c for c in cs if "Bae Hyung Jin" in c.text]
    assert nayoung and {c.film for c in nayoung} == {"Hope"}
    assert runner and {c.film for c in runner} == {"Marathon"}
    assert all(c.section is None for c in nayoung + runner)


def test_bare_title_lines_are_headings_and_photo_credits_are_not(chunks):
    films = {c.film for c in chunks["true-stories-behind-korean-films.txt"]}
    assert {"The Attorney", "Voice of a Murderer", "My Father", "Northern Limit Line", "1987: When the Day Comes",
            "I Can Speak"} <= films
    assert "CJ Entertainment" not in films


@pytest.mark.parametrize("furniture", [
    "Watch Now", "Catch the trailer below:", "Similar Articles", "taegukgi korean movie 11",
    "Follow us on Facebook", "Please login to Soompi", "You may like these", "Related Posts",
])
def test_page_furniture_is_never_in_a_passage(chunks, furniture):
    for cs in chunks.values():
        for c in cs:
            assert furniture not in c.text


def test_chunks_respect_the_size_limit(docs):
    for d in docs:
        for c in chunk_document(d, max_chars=300):
            assert len(c.text) <= 300


def test_markdown_headings_and_headingless_text(tmp_path):
    from filmchat.corpus import Document

    text = "# My Picks\n\nIntro text here.\n\n## Rain Song\n\nA singer loses her voice.\n\n## Cold Road\n\nTwo brothers walk home.\n"
    cs = chunk_document(Document("a.md", text, "My Picks", "x"))
    assert [(c.film, c.text) for c in cs] == [
        (None, "Intro text here."), ("Rain Song", "A singer loses her voice."), ("Cold Road", "Two brothers walk home.")]


# The passages each CHUNKER_VERSION makes of the shipped corpus. When chunking changes its output, this test
# fails until CHUNKER_VERSION is bumped (so old indexes are rebuilt) and the new digest is recorded here.
CHUNK_DIGESTS = {1: "6f0dff3bb32286f3"}


def test_chunk_output_changes_only_with_a_new_chunker_version():
    import hashlib
    import json
    from pathlib import Path

    from filmchat.chunking import CHUNKER_VERSION, chunk_corpus
    from filmchat.corpus import read_corpus

    docs, _ = read_corpus(Path(__file__).resolve().parents[1] / "corpus", 20)
    chunks = chunk_corpus(docs)
    digest = hashlib.sha256(json.dumps([(c.file, c.start, c.end, c.film, c.section, c.title) for c in chunks])
                            .encode()).hexdigest()[:16]
    assert CHUNKER_VERSION in CHUNK_DIGESTS, f"record the digest of version {CHUNKER_VERSION}: {digest}"
    assert digest == CHUNK_DIGESTS[CHUNKER_VERSION], (
        f"chunk output changed ({digest}) but CHUNKER_VERSION is still {CHUNKER_VERSION}: bump it and record the digest")
