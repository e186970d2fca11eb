"""Large corpora on one machine: the product's index code at 100k and 1M passages, against exact search.

    .venv/bin/python benchmarks/scale.py --sizes 100000 1000000      # ~13 min on 2 cores
    .venv/bin/python benchmarks/scale.py --sizes 20000 --no-bm25      # what tests/test_scale.py runs

Nothing is downloaded, and embedding a million passages with the real model would take
hours here, so the passages are made like this:

1. ``BASE`` (3000) plot-like sentences are generated from word lists ("A grieving
   father searches for his missing daughter in a fishing village after the war.") and
   embedded with the real model (the configured backend), as are 200 generated
   questions ("Which film is about a lonely nurse who hides a letter?"): the queries.
2. Passage i is three random base sentences: its text is them plus 30 filler words
   drawn from a Zipf distribution over 50 000 made-up words (for BM25), its vector
   is a random convex mix (Dirichlet(1,1,1)) of their three vectors plus Gaussian
   noise (sigma 0.35 / sqrt(384) per coordinate), normalised.

Each size goes through ``filmchat.index.make_faiss_index`` (the type chosen by size,
as in a real build, with the parameters a manifest records) and ``Index.dense`` (the
product's dense search), one query at a time; recall@10 is measured against exact
inner-product search over the same vectors. BM25 goes through the product's tokenizer
(``bm25_tokens``) and ``Index.lexical_scores``.
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

from benchmarks.common import CORPUS, build_texts, describe, machine, pct, rss_mb, save, table

WHO = ["a grieving father", "a young nurse", "a retired detective", "an orphaned boy", "a lonely widow",
       "a struggling singer", "a disabled veteran", "a runaway teenager", "a stubborn grandmother", "a shy teacher",
       "an autistic runner", "a North Korean soldier", "a single mother", "a blind pianist", "a wrongly accused man",
       "a dying painter", "a rookie lawyer", "a fishing captain", "a deaf girl", "an elderly farmer",
       "a disgraced boxer", "a student activist", "a factory worker", "a young monk", "a famous actress",
       "a homeless man", "a war photographer", "a taxi driver", "an adopted daughter", "a mute servant"]
DOES = ["searches for", "protects", "falls in love with", "hides", "betrays", "rescues", "forgives",
        "writes letters to", "cares for", "runs away from", "fights to free", "secretly follows", "lies to",
        "waits years for", "steals", "loses", "teaches", "defends in court", "sings for", "remembers"]
WHAT = ["his missing daughter", "a wounded stranger", "her estranged brother", "a stray dog", "an old diary",
        "the village doctor", "a stolen painting", "his childhood friend", "a terminally ill girl", "her first love",
        "a mysterious letter", "the ghost of his wife", "a group of striking workers", "a lost child",
        "her dying mother", "a broken violin", "a death row prisoner", "his younger sister", "a forbidden book",
        "a kidnapped journalist"]
WHERE = ["in a fishing village", "in wartime Seoul", "on a snowy mountain", "in a crowded prison", "at a rural school",
         "in a small hospital", "on a train to Busan", "in a coastal town", "at the border", "in a noodle shop",
         "in a rundown apartment", "on a remote island", "in a military camp", "at a night market", "in a courtroom"]
WHEN = ["after the war", "during a blizzard", "in the 1980s", "on the last day of summer", "before the election",
        "during the uprising", "years after the accident", "on Christmas Eve", "as the city floods", "in his final year"]
FILLER_VOCAB = 50_000
FILLER_WORDS = 30
MIX = 3
NOISE = 0.35
BASE = 3000
QUERIES = 200


def generated_sentences(n: int, seed: int) -> list[str]:
    """n distinct plot-like sentences (30·20·20·15·10 = 1.8M combinations)."""
    rng = np.random.default_rng(seed)
    seen: dict[str, None] = {}
    while len(seen) < n:
        w, d, t, p, e = (rng.integers(len(x)) for x in (WHO, DOES, WHAT, WHERE, WHEN))
        s = f"{WHO[w]} {DOES[d]} {WHAT[t]} {WHERE[p]} {WHEN[e]}."
        seen[s[0].upper() + s[1:]] = None
    return list(seen)


def generated_questions(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [f"Which film is about {WHO[rng.integers(len(WHO))]} who {DOES[rng.integers(len(DOES))]} "
            f"{WHAT[rng.integers(len(WHAT))]}{' ' + WHERE[rng.integers(len(WHERE))] if rng.random() < 0.5 else ''}?"
            for _ in range(n)]


@dataclass
class Corpus:
    """Synthetic passages: which base sentences each mixes, and their unit vectors."""

    base_texts: list[str]
    parts: np.ndarray  # (n, MIX) base sentence ids
    vectors: np.ndarray  # (n, d) float32, unit length


def synthetic(base_vecs: np.ndarray, base_texts: list[str], n: int, seed: int = 1, noise: float = NOISE) -> Corpus:
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
    return Corpus(base_texts, parts, out)


def passage_texts(c: Corpus, seed: int = 2) -> list[str]:
    """Each passage's text for BM25: its base sentences and Zipf-distributed filler words."""
    rng = np.random.default_rng(seed)
    syll = ["ka", "ri", "mo", "ne", "to", "sa", "lu", "pe", "do", "ji", "ha", "yu", "so", "bi", "ga", "ra"]
    vocab = ["".join(syll[j] for j in rng.integers(len(syll), size=rng.integers(2, 5))) + str(i % 7)
             for i in range(FILLER_VOCAB)]
    ranks = np.minimum(rng.zipf(1.2, size=(len(c.parts), FILLER_WORDS)), FILLER_VOCAB) - 1
    return [" ".join(c.base_texts[j] for j in p) + " " + " ".join(vocab[r] for r in rk)
            for p, rk in zip(c.parts.tolist(), ranks.tolist())]


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """Exact top-k by inner product, computed in blocks (no second copy of the vectors)."""
    best_s = np.full((len(queries), 0), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 0), np.int64)
    for s in range(0, len(vectors), 200_000):
        sc = queries @ vectors[s:s + 200_000].T
        kk = min(k, sc.shape[1])
        top = np.argpartition(-sc, kk - 1, axis=1)[:, :kk]
        best_s = np.concatenate([best_s, np.take_along_axis(sc, top, 1)], 1)
        best_i = np.concatenate([best_i, top + s], 1)
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_i, keep, 1)
    return best_i


def as_index(vectors: np.ndarray, faiss_index, params: dict, bm25=None, n_chunks: int | None = None):
    """The product's Index around these vectors: one passage per vector (its only sentence)."""
    from filmchat.index import Index

    n = len(vectors) if n_chunks is None else n_chunks
    units = np.zeros((len(vectors), 3), np.int64)
    units[:, 0] = np.arange(len(vectors))
    return Index(Path("."), {"faiss": params}, [None] * n, units, vectors, faiss_index, bm25)


def dense_run(vectors: np.ndarray, queries: np.ndarray, kind: str = "auto", product_k: int = 200) -> dict:
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
    truth = exact_top(vectors, queries, 10)
    out = {"n": len(vectors), "params": params, "build_s": build_s, "disk_mb": disk_mb, "rss_growth_mb": grown}
    for k in (10, product_k):
        index.dense(queries[0], k)  # warm
        times, recalls = [], []
        for q, want in zip(queries, truth):
            t = time.perf_counter()
            got = index.dense(q, k)
            times.append(time.perf_counter() - t)
            recalls.append(len(set(list(got)[:10]) & set(want.tolist())) / 10)
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


def bm25_run(texts: list[str], questions: list[str]) -> dict:
    """BM25 at this size through the product's tokenizer, bm25s and Index.lexical_scores."""
    import bm25s

    from filmchat.text import bm25_tokens
    from filmchat.ranking import top_indices

    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    tokens = bm25_tokens(texts)
    tok_s = time.perf_counter() - t
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    build_s = time.perf_counter() - t
    del tokens
    gc.collect()
    grown = rss_mb() - before
    with tempfile.TemporaryDirectory() as tmp:
        retriever.save(tmp)
        disk_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 2**20
    index = as_index(np.zeros((0, 1), np.float32), None, {}, bm25=retriever, n_chunks=len(texts))
    index.lexical_scores(questions[0])
    times, ranked, selected, best = [], [], [], []
    for q in questions:
        t = time.perf_counter()
        s = index.lexical_scores(q)
        times.append(time.perf_counter() - t)
        best.append(int(np.argmax(s)))
        t = time.perf_counter()
        np.argsort(-s, kind="stable")  # what Searcher.search did with every score vector before top_indices
        ranked.append(time.perf_counter() - t)
        t = time.perf_counter()
        top_indices(s, 50)  # what it does now: the best 50 by partial selection
        selected.append(time.perf_counter() - t)
    return {"n": len(texts), "build_s": build_s, "tokenize_s": tok_s, "disk_mb": disk_mb, "rss_growth_mb": grown,
            "p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000,
            "argsort_p50_ms": pct(ranked, 50) * 1000, "top50_p50_ms": pct(selected, 50) * 1000, "best": best[:20]}


def embed_rate(embedder) -> tuple[float, float]:
    """(sentences/s, sentences per passage) of a real build: the shipped corpus's own sentence texts, batch 64."""
    from filmchat.settings import load_settings

    passages, texts = build_texts(load_settings(env={}, corpus_dir=CORPUS))
    t = time.perf_counter()
    embedder.encode(texts, batch_size=64)
    return len(texts) / (time.perf_counter() - t), len(texts) / passages


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def report(runs: list[dict], rate: float, spp: float, m: dict) -> str:
    rows = []
    for r in runs:
        d, p = r["dense"], r["dense"]["params"]
        kind = p["type"] + (f" (M={p['M']}, efConstruction={p['efConstruction']}, efSearch={p['efSearch']})"
                            if p["type"] == "hnsw" else "")
        flat = f"{d['flat_p50_ms']:.1f} / {d['flat_p95_ms']:.1f}" if "flat_p50_ms" in d else "(is exact)"
        rows.append([f"{r['n']:,}", kind, f"{d['build_s']:.1f} s", f"{d['disk_mb']:.0f} MB",
                     f"{d['rss_growth_mb']:.0f} MB", f"{d['k10']['p50_ms']:.2f} / {d['k10']['p95_ms']:.2f}",
                     f"{d['k10']['recall@10']:.3f}", f"{d['k200']['p50_ms']:.2f} / {d['k200']['p95_ms']:.2f}",
                     f"{d['k200']['recall@10']:.3f}", flat])
    dense = table(["passages", "index (chosen by size)", "build", "on disk", "memory (RSS growth)",
                   "search p50 / p95 ms (k=10)", "recall@10", "product search p50 / p95 ms (k=200)", "recall@10 (k=200)",
                   "exact search p50 / p95 ms"], rows)
    bm = [[f"{r['n']:,}", f"{r['bm25']['build_s']:.0f} s (tokenizing {r['bm25']['tokenize_s']:.0f} s)",
           f"{r['bm25']['disk_mb']:.0f} MB", f"{r['bm25']['rss_growth_mb']:.0f} MB",
           f"{r['bm25']['p50_ms']:.1f} / {r['bm25']['p95_ms']:.1f}", f"{r['bm25']['argsort_p50_ms']:.1f}",
           f"{r['bm25']['top50_p50_ms']:.1f}"]
          for r in runs if "bm25" in r]
    bm25 = table(["passages", "BM25 build", "on disk", "memory (RSS growth)", "scores p50 / p95 ms",
                  "sorting all scores p50 ms", "best 50 (top_indices, what search does) p50 ms"], bm) if bm else ""
    est = (f"Embedding with the real model, as a build does it (the shipped corpus's sentences, batch 64): {rate:.0f} "
           f"sentences/s measured in this run; at {spp:.2f} sentences per passage 100k passages take "
           f"{hours(1e5 * spp / rate)} and 1M passages {hours(1e6 * spp / rate)} on this machine.")
    real = ", ".join(f"{r['n']:,}: {r['dense']['top1_cosine_mean']:.2f}" for r in runs)
    return (f"Machine: {describe(m)}\n\n{dense}\n\n{bm25}\n\n{est}\n\nMean cosine of each query's exact nearest "
            f"passage: {real}.")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--no-bm25", action="store_true")
    ap.add_argument("--queries", type=int, default=QUERIES)
    args = ap.parse_args(argv)

    from filmchat.embedding import Embedder
    from filmchat.settings import load_settings

    m = machine()
    print(f"machine: {describe(m)}", file=sys.stderr)
    s = load_settings()
    embedder = Embedder(s.model, s.backend)
    embedder.encode(["warm up"])
    base_texts = generated_sentences(BASE, seed=0)
    rate, spp = embed_rate(embedder)
    base = embedder.encode(base_texts, batch_size=64)
    questions = generated_questions(args.queries, seed=7)
    queries = embedder.encode(questions)
    runs = []
    for n in args.sizes:
        print(f"{n:,} passages …", file=sys.stderr)
        c = synthetic(base, base_texts, n)
        run = {"n": n, "dense": dense_run(c.vectors, queries)}
        print(f"  dense: {run['dense']}", file=sys.stderr)
        if not args.no_bm25:
            run["bm25"] = bm25_run(passage_texts(c), questions)
            print(f"  bm25: {run['bm25']}", file=sys.stderr)
        runs.append(run)
        del c
        gc.collect()
    m["peak_rss_mb"] = rss_mb("self", "VmHWM")
    text = report(runs, rate, spp, m) + f" Peak memory of this run: {m['peak_rss_mb']:.0f} MB."
    path = save("scale", {"machine": m, "sentences_per_s": rate, "sentences_per_passage": spp, "runs": runs}, text)
    print(text)
    print(f"\n(saved to {path})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
