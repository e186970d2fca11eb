"""benchmarks/scale_out.py's engine path at 5k passages: Qdrant's real HNSW (qdrant-edge-py) beside FAISS.

The benchmark runs the same functions at 100k and prints p50/p95; speed is reported there, not asserted here.
"""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("qdrant_edge")

from conftest import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT))

from benchmarks import scale, scale_out  # noqa: E402


def test_qdrant_edge_hnsw_finds_the_exact_neighbours_like_faiss(embedder):
    texts = scale.generated_sentences(300, seed=0)
    base = embedder.encode(texts, batch_size=64)
    questions = scale.generated_questions(40, seed=7)
    queries = embedder.encode(questions)
    c = scale_out.synthetic(base, texts, 5000)
    edge = scale_out.edge_run(c.vectors, queries, scale_out.passage_texts(c), questions)
    assert edge["dense"]["recall@10"] >= 0.98
    assert edge["hybrid_rrf"]["p95_ms"] > 0  # prefetch dense + sparse, fused by RRF in the engine
    faiss_run = scale_out.faiss_dense(c.vectors, queries, kind="hnsw", product_k=10)
    assert faiss_run["k10"]["recall@10"] >= 0.98
