"""The scale benchmark's code path, small: synthetic passages shaped like real ones, through the whole product.

benchmarks/scale.py runs the same functions at 100k and 1M passages; speed is reported there, not asserted here.
12,000 passages (~42,000 sentence vectors) stay under the exact-search threshold, so the index builds in a second.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT))

from benchmarks import scale  # noqa: E402
from filmchat import index as index_module  # noqa: E402
from filmchat.chunking import sentence_spans  # noqa: E402
from filmchat.build import build_index  # noqa: E402
from filmchat.index import load_index  # noqa: E402
from filmchat.settings import load_settings  # noqa: E402

N = 12_000


@pytest.fixture(scope="module")
def base(embedder):
    texts = scale.generated_sentences(400, seed=0)
    return texts, embedder.encode(texts + [scale.DIRECTOR_LINE], batch_size=64)


@pytest.fixture(scope="module")
def corpus(base):
    return scale.synthetic_corpus(N, base[0])


@pytest.fixture(scope="module")
def searcher(corpus, base, embedder):
    index, build = scale.product_index(corpus, base[1])
    assert build["params"] == {"type": "flat"}  # chosen by size, as a build chooses
    settings = load_settings(env={}, dense_lead=scale.SHARED_SENTENCES_LEAD)  # as the benchmark runs (see there)
    searcher, startup = scale.startup_run(index, scale.TimedEncoder(embedder), settings)
    assert startup["films"] == len(corpus.films)
    return searcher


def has_sentence(searcher, film: str, sentence: str) -> bool:
    """Whether one of the film's passages holds this base sentence (a passage's sentences end with filler words)."""
    key = searcher.catalog.key(film)
    return any(sentence[:-1] + "," in searcher.index.chunks[i].text for i in searcher.catalog.chunk_ids[key])


def test_synthetic_passages_are_shaped_like_the_shipped_ones(corpus):
    c = corpus
    assert N <= len(c.chunks) <= N + 10 and len(c.copies) > 0
    per_passage = len(c.units) / len(c.chunks)
    assert 3.2 < per_passage < 3.8  # the shipped index has 3.52 sentence vectors per passage
    films = [ch.film for ch in c.chunks if ch.film]
    assert 4 < len(films) / len(set(films)) < 6
    assert sum(ch.film is None for ch in c.chunks) >= len({ch.file for ch in c.chunks}) * 0.9  # introductions
    for i in range(0, len(c.chunks), 997):  # each passage's unit rows are the sentences a build would embed
        rows = c.units[c.units[:, 0] == i]
        assert [tuple(r[1:]) for r in rows] == sentence_spans(c.chunks[i].text)
    vecs = next(scale.unit_vectors(np.eye(4, dtype=np.float32), np.array([0, 1, 2, 3, 0], np.int32)))[1]
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5) and vecs[0] @ vecs[4] > 0.3


def test_a_question_made_from_a_films_sentence_finds_a_film_with_it(corpus, searcher):
    from filmchat.answer import Composer

    composer = Composer(searcher)
    rng = np.random.default_rng(5)
    right = 0
    for i in rng.choice([i for i, ch in enumerate(corpus.chunks) if ch.film and i not in corpus.copies], 10):
        rows = [u for u in np.flatnonzero(corpus.units[:, 0] == i) if corpus.base_of[u] < len(corpus.base_texts)]
        sentence = corpus.base_texts[corpus.base_of[rows[0]]]
        answer = composer.ask(scale.story_question(sentence))
        right += bool(answer.films) and has_sentence(searcher, answer.films[0], sentence)
    assert right >= 9


def test_a_films_title_answers_who_directed_it(corpus, searcher):
    from filmchat.answer import Composer

    composer = Composer(searcher)
    for title in corpus.films[::997]:
        answer = composer.ask(f"Who directed {title}?")
        assert answer.films[0] == title and corpus.directors[title] in answer.text and not answer.abstained


def test_copies_collapse_onto_the_longer_article(corpus, searcher):
    copies = {i: d for i, d in enumerate(searcher.duplicate_of) if d != i}
    assert copies == corpus.copies
    for copy, original in list(corpus.copies.items())[:3]:  # the passage's own words: it and its copy match best
        a, b = corpus.units[np.flatnonzero(corpus.units[:, 0] == copy)[-1], 1:]
        cited = [h.index for h in searcher.search(corpus.chunks[copy].text[a:b]).hits]
        assert original in cited[:5] and copy not in cited


def test_ask_and_start_up_figures_come_from_the_product(corpus, searcher):
    r = scale.ask_run(searcher, scale.ask_questions(corpus, 20), warm=2)
    assert r["questions"] == 20 and r["answered"] >= 15
    assert r["encode_p50_ms"] > 0 and r["ask_p50_ms"] >= r["search_p50_ms"]


def test_below_the_threshold_search_is_exact(searcher, base, embedder):
    queries = embedder.encode(scale.generated_questions(20, seed=7))
    r = scale.dense_run(searcher.index, queries)
    assert r["k10"]["recall@10"] == 1.0 and r["k200"]["recall@10"] == 1.0
    assert "flat_p50_ms" not in r


def test_above_the_threshold_hnsw_is_chosen_and_keeps_recall(base, embedder, monkeypatch):
    monkeypatch.setattr(index_module, "HNSW_ABOVE", 5_000)  # as if 2,000 passages were past the threshold
    c = scale.synthetic_corpus(2_000, base[0])
    index, build = scale.product_index(c, base[1])
    assert build["params"]["type"] == "hnsw" and {"M", "efConstruction", "efSearch"} <= set(build["params"])
    assert build["disk_mb"] > len(c.units) * 384 * 4 / 2**20  # the vectors plus the graph
    assert np.allclose(index.embeddings[:5], next(scale.unit_vectors(base[1], c.base_of))[1][:5])  # a view, same vectors
    r = scale.dense_run(index, embedder.encode(scale.generated_questions(30, seed=7)))
    assert r["k10"]["recall@10"] >= 0.98 and r["k200"]["recall@10"] >= 0.98


def test_a_real_build_past_the_threshold_records_hnsw_parameters_and_answers(tiny_settings, embedder, monkeypatch):
    monkeypatch.setattr(index_module, "HNSW_ABOVE", 0)
    build_index(tiny_settings, embedder)
    index = load_index(tiny_settings)
    manifest = json.loads((index.directory / "manifest.json").read_text())
    assert manifest["faiss"]["type"] == "hnsw" and manifest["faiss"]["M"] >= 16
    assert index.vectors.hnsw.efSearch == manifest["faiss"]["efSearch"]
    q = embedder.encode(["an astronaut grows potatoes on Mars"])[0]
    best = next(iter(index.dense(q, 5)))
    assert index.chunks[best].film == "Red Dust"
