"""From chunk scores to films: fusion of dense and BM25 scores, the best passages, films ranked by their best passage."""

from __future__ import annotations

import numpy as np
import pytest

from filmchat.chunking import Chunk
from filmchat.films import FilmCatalog
from filmchat.ranking import Hit, fuse, rank_films, rrf, top_indices


def test_rrf_prefers_what_both_rankings_agree_on():
    s = rrf([0, 1, 2], [2, 1, 3], 4)
    assert s.argmax() in (1, 2) and s[1] > s[0] and s[3] > 0 and s[1] == pytest.approx(2 / 62)


def test_score_mix_adds_scaled_bm25_to_cosine():
    dense = np.array([0.50, 0.48, 0.10], dtype=np.float32)
    lexical = np.array([0.0, 4.0, 8.0], dtype=np.float32)
    mixed = fuse(dense, lexical, "mix")
    assert mixed[1] > mixed[0]  # lexical support breaks a near tie
    assert mixed[0] > mixed[2]  # but does not outweigh a clear meaning match
    assert np.allclose(fuse(dense, np.zeros(3, np.float32), "mix"), dense)


def test_top_indices_are_the_best_positive_scores_best_first_ties_in_order():
    scores = np.array([0.2, 0.9, 0.0, 0.9, -1.0, 0.5], dtype=np.float32)
    assert top_indices(scores, 3) == [1, 3, 5]
    assert top_indices(scores, 100) == [1, 3, 5, 0]  # more than there are: zero and negative scores left out
    assert top_indices(np.zeros(0, np.float32), 5) == []


def chunk(i: int, film: str | None, file: str = "a.txt", start: int = 0) -> Chunk:
    return Chunk(f"{file}#{i}", file, start, start + 10, "text", "Title", film, None)


def test_a_film_scores_its_best_passage_and_keeps_the_others_as_evidence():
    chunks = [chunk(0, "Night Train"), chunk(1, "Snow Field"), chunk(2, "Night Train", "b.txt")]
    catalog = FilmCatalog(chunks)
    hits = [Hit(1, chunks[1], 0.8, 0.8, 0.0, catalog.key("Snow Field")),
            Hit(0, chunks[0], 0.7, 0.7, 0.0, catalog.key("Night Train")),
            Hit(2, chunks[2], 0.6, 0.6, 0.0, catalog.key("Night Train")),
            Hit(3, chunk(3, None), 0.9, 0.9, 0.0, None)]  # an introduction belongs to no film
    films = rank_films(hits, catalog)
    assert [f.name for f in films] == ["Snow Field", "Night Train"]
    assert [h.index for h in films[1].hits] == [0, 2]
