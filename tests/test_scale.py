"""The scale benchmark's code path at 20k passages: index type chosen by size, parameters recorded, recall vs exact.

benchmarks/scale.py runs the same functions at 100k and 1M; speed is reported there, not asserted here.
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
from filmchat.index import build_index, load_index  # noqa: E402


@pytest.fixture(scope="module")
def synthetic_20k(embedder):
    texts = scale.generated_sentences(400, seed=0)
    base = embedder.encode(texts, batch_size=64)
    queries = embedder.encode(scale.generated_questions(60, seed=7))
    return scale.synthetic(base, texts, 20_000), queries


def test_generated_passages_look_like_real_embeddings(synthetic_20k):
    c, queries = synthetic_20k
    assert c.vectors.shape == (20_000, 384) and c.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(c.vectors, axis=1), 1, atol=1e-5)
    best = (queries @ c.vectors.T).max(axis=1)
    assert 0.4 < best.mean() < 0.9  # related to the questions, not identical to them, not noise
    texts = scale.passage_texts(scale.Corpus(c.base_texts, c.parts[:50], c.vectors[:50]))
    assert all(c.base_texts[c.parts[i, 0]] in texts[i] for i in range(50))


def test_exact_top_matches_a_plain_argsort(synthetic_20k):
    c, queries = synthetic_20k
    want = np.argsort(-(queries[:5] @ c.vectors.T), axis=1)[:, :10]
    assert (scale.exact_top(c.vectors, queries[:5]) == want).all()


def test_below_the_threshold_search_is_exact(synthetic_20k):
    c, queries = synthetic_20k
    r = scale.dense_run(c.vectors, queries)
    assert r["params"] == {"type": "flat"}
    assert r["k10"]["recall@10"] == 1.0 and r["k200"]["recall@10"] == 1.0


def test_above_the_threshold_hnsw_is_chosen_and_keeps_recall(synthetic_20k, monkeypatch):
    c, queries = synthetic_20k
    monkeypatch.setattr(index_module, "HNSW_ABOVE", 10_000)  # as if 20k were past the threshold
    r = scale.dense_run(c.vectors, queries)
    assert r["params"]["type"] == "hnsw" and {"M", "efConstruction", "efSearch"} <= set(r["params"])
    assert r["k10"]["recall@10"] >= 0.98 and r["k200"]["recall@10"] >= 0.98
    assert r["disk_mb"] > c.vectors.nbytes / 2**20  # the vectors plus the graph


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


def test_bm25_at_size_goes_through_the_product_tokenizer(synthetic_20k):
    c, _ = synthetic_20k
    small = scale.Corpus(c.base_texts, c.parts[:5000], c.vectors[:5000])
    texts = scale.passage_texts(small)
    target = c.base_texts[small.parts[123, 0]]
    r = scale.bm25_run(texts, [target])
    assert r["n"] == 5000 and r["disk_mb"] > 0
    assert target in texts[r["best"][0]]  # the passage holding the sentence scores best
