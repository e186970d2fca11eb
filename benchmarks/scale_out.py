"""Past one machine: the real Qdrant engine (qdrant-edge-py, in-process) beside FAISS, and Ray embedding.

    .venv/bin/python benchmarks/scale_out.py                  # 100k passages, ~5 min on 2 cores
    .venv/bin/python benchmarks/scale_out.py --sizes 5000 --no-ray   # what tests/test_scale_out.py checks

No Qdrant server can run here, so the engine is qdrant-edge-py: Qdrant's Rust segment
code (HNSW, sparse index with the IDF modifier, Query API with prefetch and fusion) in
this process, with the collection layout of filmchat.store_qdrant (named dense vector
``dense``, cosine, HNSW m 32 / ef_construct 200, searched with ef 256 like the FAISS
build; sparse ``bm25`` of the product's BM25 term weights). Vectors, texts and
questions come from benchmarks/scale.py's generator; recall@10 is against exact search
over the same vectors, and FAISS HNSW runs on the same vectors in the same process.

The Ray part times `filmchat index`'s embedding of the shipped corpus in one process
and through filmchat.bulk on a local Ray with --workers CPUs, in passages per second.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import scale  # noqa: E402
from benchmarks.common import dense_times, describe, machine, pct, rss_mb, save, table  # noqa: E402

EF = 256  # the FAISS build's efSearch (index.make_faiss_index), so both engines do the same work per query
M, EF_CONSTRUCT = 32, 200


# One vector per passage, as the engines compare them (the whole product at scale is benchmarks/scale.py)
MIX = 3
NOISE = 0.35
FILLER_VOCAB, FILLER_WORDS = scale.FILLER_VOCAB, 30


@dataclass
class Passages:
    """Synthetic passages: which base sentences each mixes, and their unit vectors."""

    base_texts: list[str]
    parts: np.ndarray  # (n, MIX) base sentence ids
    vectors: np.ndarray  # (n, d) float32, unit length


def synthetic(base_vecs: np.ndarray, base_texts: list[str], n: int, seed: int = 1, noise: float = NOISE) -> Passages:
    """n passage vectors: a random convex mix of MIX real sentence vectors plus noise (made in blocks)."""
    rng = np.random.default_rng(seed)
    d = base_vecs.shape[1]
    parts = rng.integers(len(base_vecs), size=(n, MIX))
    out = np.empty((n, d), np.float32)
    for s in range(0, n, 100_000):
        p = parts[s:s + 100_000]
        w = rng.dirichlet(np.ones(MIX), size=len(p)).astype(np.float32)
        v = np.einsum("nm,nmd->nd", w, base_vecs[p]) + rng.normal(0, noise / np.sqrt(d), (len(p), d)).astype(np.float32)
        out[s:s + len(p)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return Passages(base_texts, parts, out)


def passage_texts(c: Passages, seed: int = 2) -> list[str]:
    """Each passage's text for BM25: its base sentences and Zipf-distributed filler words."""
    rng = np.random.default_rng(seed)
    syll = ["ka", "ri", "mo", "ne", "to", "sa", "lu", "pe", "do", "ji", "ha", "yu", "so", "bi", "ga", "ra"]
    vocab = ["".join(syll[j] for j in rng.integers(len(syll), size=rng.integers(2, 5))) + str(i % 7)
             for i in range(FILLER_VOCAB)]
    ranks = np.minimum(rng.zipf(1.2, size=(len(c.parts), FILLER_WORDS)), FILLER_VOCAB) - 1
    return [" ".join(c.base_texts[j] for j in p) + " " + " ".join(vocab[r] for r in rk)
            for p, rk in zip(c.parts.tolist(), ranks.tolist())]


def as_index(vectors: np.ndarray, faiss_index, params: dict, bm25=None, n_chunks: int | None = None):
    """The product's Index around these vectors: one passage per vector (its only sentence)."""
    from filmchat.index import Index

    n = len(vectors) if n_chunks is None else n_chunks
    units = np.zeros((len(vectors), 3), np.int64)
    units[:, 0] = np.arange(len(vectors))
    return Index(Path("."), {"faiss": params}, [None] * n, units, vectors, faiss_index, bm25)


def faiss_dense(vectors: np.ndarray, queries: np.ndarray, kind: str = "auto", product_k: int = 200) -> dict:
    """Build with make_faiss_index, then search one query at a time through Index.dense; recall vs exact."""
    import faiss

    from filmchat.index import make_faiss_index

    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    fi, params = make_faiss_index(vectors, kind)
    build_s = time.perf_counter() - t
    grown = rss_mb() - before
    with tempfile.TemporaryDirectory() as tmp:
        faiss.write_index(fi, f"{tmp}/v.faiss")
        disk_mb = os.path.getsize(f"{tmp}/v.faiss") / 2**20
        if "efSearch" in params:  # what load_index does with the manifest's parameters
            fi = faiss.read_index(f"{tmp}/v.faiss")
            fi.hnsw.efSearch = params["efSearch"]
    index = as_index(vectors, fi, params)
    truth = scale.exact_top(vectors, queries, 10)
    out = {"n": len(vectors), "params": params, "build_s": build_s, "disk_mb": disk_mb, "rss_growth_mb": grown}
    for k in (10, product_k):
        times, found = dense_times(index, queries, k)
        recalls = [len(set(list(got)[:10]) & set(want.tolist())) / 10 for got, want in zip(found, truth)]
        out[f"k{k}"] = {"p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000,
                        "recall@10": float(np.mean(recalls))}
    if params["type"] != "flat":  # what exact search would cost at this size (20 queries)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        times = []
        for q in queries[:20]:
            t = time.perf_counter()
            flat.search(q.reshape(1, -1), 10)
            times.append(time.perf_counter() - t)
        out["flat_p50_ms"], out["flat_p95_ms"] = pct(times, 50) * 1000, pct(times, 95) * 1000
        del flat
    out["top1_cosine_mean"] = float(np.mean([float(vectors[t[0]] @ q) for t, q in zip(truth, queries)]))
    del index, fi
    gc.collect()
    return out



def edge_shard(path: str, dim: int):
    """An edge shard with store_qdrant's layout; HNSW is built for every segment (no full-scan shortcut)."""
    import qdrant_edge as qe

    from filmchat.store_qdrant import DENSE, SPARSE

    return qe.EdgeShard.create(path, qe.EdgeConfig(
        vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine,
                                            hnsw_config=qe.HnswIndexConfig(m=M, ef_construct=EF_CONSTRUCT,
                                                                           full_scan_threshold=10))},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=10, default_segment_number=2),
    ))


def edge_run(vectors: np.ndarray, queries: np.ndarray, texts: list[str] | None = None,
             questions: list[str] | None = None) -> dict:
    """Load, index (optimize), then query one at a time: dense recall@10 and p50/p95; hybrid (RRF) p50/p95."""
    import qdrant_edge as qe

    from filmchat.text import bm25_tokens
    from filmchat.store_qdrant import DENSE, SPARSE, _sparse, doc_weights

    gc.collect()
    before = rss_mb()
    out = {"n": len(vectors)}
    with tempfile.TemporaryDirectory() as tmp:
        shard = edge_shard(f"{tmp}/shard", vectors.shape[1])
        t = time.perf_counter()
        sparse = None
        if texts is not None:
            toks = bm25_tokens(texts)
            avgdl = float(np.mean([len(x) for x in toks]))
            sparse = [_sparse(doc_weights(x, avgdl)) for x in toks]
        for s in range(0, len(vectors), 2000):
            pts = []
            for i in range(s, min(s + 2000, len(vectors))):
                vec = {DENSE: vectors[i].tolist()}
                if sparse is not None:
                    sv = sparse[i]
                    vec[SPARSE] = qe.SparseVector(indices=list(sv.indices), values=list(sv.values))
                pts.append(qe.Point(i, vec, {"kind": "unit"}))
            shard.update(qe.UpdateOperation.upsert_points(pts))
        out["load_s"] = time.perf_counter() - t
        t = time.perf_counter()
        shard.optimize()
        out["index_s"] = time.perf_counter() - t
        out["rss_growth_mb"] = rss_mb() - before
        truth = scale.exact_top(vectors, queries, 10)
        params = qe.SearchParams(hnsw_ef=EF)
        shard.query(qe.QueryRequest(limit=10, query=qe.Query.Nearest(queries[0].tolist(), using=DENSE), params=params))
        times, recalls = [], []
        for q, want in zip(queries, truth):
            t = time.perf_counter()
            got = shard.query(qe.QueryRequest(limit=10, query=qe.Query.Nearest(q.tolist(), using=DENSE), params=params))
            times.append(time.perf_counter() - t)
            recalls.append(len({int(p.id) for p in got} & set(want.tolist())) / 10)
        out["dense"] = {"p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000,
                        "recall@10": float(np.mean(recalls))}
        if sparse is not None and questions is not None:
            qtoks = bm25_tokens(questions)
            times = []
            for q, qt in zip(queries, qtoks):
                sv = _sparse({w: float(qt.count(w)) for w in set(qt)})
                req = qe.QueryRequest(limit=10, query=qe.Fusion.Rrf(k=60), prefetches=[
                    qe.Prefetch(limit=100, query=qe.Query.Nearest(q.tolist(), using=DENSE), params=params),
                    qe.Prefetch(limit=100, query=qe.Query.Nearest(
                        qe.SparseVector(indices=list(sv.indices), values=list(sv.values)), using=SPARSE))])
                t = time.perf_counter()
                shard.query(req)
                times.append(time.perf_counter() - t)
            out["hybrid_rrf"] = {"p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000}
        shard.close()
    gc.collect()
    return out


def ray_rates(workers: int, ray_address: str | None = None) -> dict:
    """Passages/s embedding the shipped corpus in one process and through bulk.py's Ray path (model load excluded)."""
    from filmchat import bulk
    from filmchat.chunking import chunk_corpus
    from filmchat.corpus import read_corpus
    from filmchat.embedding import Embedder
    from filmchat.build import _embed
    from filmchat.settings import load_settings

    s = load_settings(env={})
    docs, _ = read_corpus(s.corpus_dir, s.max_file_mb)
    chunks = chunk_corpus(docs, s.chunk_chars) * 4  # ~320 passages: enough to see the rate, a minute at most
    emb = Embedder(s.model, s.backend)
    emb.encode(["warm up"])
    t = time.perf_counter()
    _embed(emb, chunks, False, None)
    single = time.perf_counter() - t
    with bulk.ray_session(workers, ray_address):
        bulk.embed_with_ray(s, chunks[:8], workers)  # workers start and load the model once
        t = time.perf_counter()
        bulk.embed_with_ray(s, chunks, workers)
        fanned = time.perf_counter() - t
    return {"passages": len(chunks), "workers": workers, "single_per_s": len(chunks) / single,
            "ray_per_s": len(chunks) / fanned}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--queries", type=int, default=scale.QUERIES)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ray", dest="ray_address", help="an existing Ray cluster (default: a local one)")
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args(argv)

    from filmchat.embedding import Embedder
    from filmchat.settings import load_settings

    m = machine()
    print(f"machine: {describe(m)}", file=sys.stderr)
    s = load_settings()
    embedder = Embedder(s.model, s.backend)
    base_texts = scale.generated_sentences(scale.BASE, seed=0)
    base = embedder.encode(base_texts, batch_size=64)
    questions = scale.generated_questions(args.queries, seed=7)
    queries = embedder.encode(questions)
    rows, runs = [], []
    for n in args.sizes:
        print(f"{n:,} passages …", file=sys.stderr)
        c = synthetic(base, base_texts, n)
        faiss_run = faiss_dense(c.vectors, queries, kind="hnsw", product_k=10)
        edge = edge_run(c.vectors, queries, passage_texts(c), questions)
        print(f"  faiss: {faiss_run}\n  edge: {edge}", file=sys.stderr)
        runs.append({"n": n, "faiss": faiss_run, "edge": edge})
        rows.append([f"{n:,}", "FAISS HNSW (Index.dense)", f"{faiss_run['k10']['recall@10']:.3f}",
                     f"{faiss_run['k10']['p50_ms']:.2f}", f"{faiss_run['k10']['p95_ms']:.2f}", f"{faiss_run['build_s']:.0f}"])
        rows.append([f"{n:,}", "Qdrant edge HNSW, dense", f"{edge['dense']['recall@10']:.3f}",
                     f"{edge['dense']['p50_ms']:.2f}", f"{edge['dense']['p95_ms']:.2f}", f"{edge['index_s']:.0f}"])
        if "hybrid_rrf" in edge:
            rows.append([f"{n:,}", "Qdrant edge, dense + BM25 sparse, RRF", "",
                         f"{edge['hybrid_rrf']['p50_ms']:.2f}", f"{edge['hybrid_rrf']['p95_ms']:.2f}", ""])
        del c
        gc.collect()
    text = table(["passages", "engine", "recall@10", "p50 ms", "p95 ms", "index build s"], rows)
    data = {"machine": m, "runs": runs}
    if not args.no_ray:
        r = ray_rates(args.workers, args.ray_address)
        data["ray"] = r
        text += (f"\n\nEmbedding {r['passages']} passages: one process {r['single_per_s']:.1f} passages/s, "
                 f"Ray with {r['workers']} workers {r['ray_per_s']:.1f} passages/s.")
    text += f"\n\nMachine: {describe(m)}."
    path = save("scale_out", data, text)
    print(text)
    print(f"\n(saved to {path})", file=sys.stderr)
    return 0 if all(r["edge"]["dense"]["recall@10"] >= 0.98 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
