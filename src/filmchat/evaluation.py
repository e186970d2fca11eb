"""`filmchat eval`: answer quality per kind of question, beside the baselines users would otherwise build.

Question sets are JSONL: ``id``, ``question``, ``history``, ``kind`` (paraphrase, keyword,
fact, multi, followup, unanswerable, structured — with a ``form``: filter, count, comparison,
superlative, unsettleable), ``films`` (right films), ``answer`` (short fact
answer or null) and ``evidence`` (``[{"file", "quote"}]``).

The figures follow the definitions of the project's evaluation contract: a citation
supports a quote when they share a run of at least min(40, len(quote)) characters.
"""

from __future__ import annotations

import difflib
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .settings import Settings

TARGETS = {
    "film_hit@1": 0.95, "film_recall@5": 0.95, "evidence_hit@3": 0.95, "fact_answer_in_text": 0.90,
    "abstain_on_unanswerable": 1.0, "answered_when_answerable": 0.95, "citation_integrity": 1.0,
    # questions over the film catalog (issue 16)
    "structured_exact_set": 0.8, "structured_first_film": 0.9, "structured_declined_with_reason": 0.85,
}
LOWER_IS_BETTER = {"duplicate_citations@3"}


# ---------------------------------------------------------------- scoring (the contract's definitions)

def norm_title(s: str) -> str:
    return re.sub(r"[^0-9a-z]", "", s.casefold())


def norm_text(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip().casefold()


def supports(citation: str, quote: str) -> bool:
    a, b = norm_text(citation), norm_text(quote)
    if not a or not b:
        return False
    if b in a or (len(a) >= 40 and a in b):
        return True
    m = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= min(40, len(b))


def near_duplicate(a: str, b: str) -> bool:
    a, b = norm_text(a), norm_text(b)
    if not a or not b:
        return False
    m = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= 0.8 * min(len(a), len(b))


def score(gold: list[dict], pred: list[dict], texts: dict[str, str]) -> dict[str, float]:
    """Mean of each figure over the questions it applies to (per kind too, for film_hit@1)."""
    tally: dict[str, list[float]] = {}

    def add(name, value):
        tally.setdefault(name, []).append(float(value))

    for g, p in zip(gold, pred):
        cits = p.get("citations") or []
        for c in cits:
            t = texts.get(c.get("file"))
            add("citation_integrity", t is not None and t[c["start"]:c["end"]] == c.get("text") and c["end"] > c["start"])
        kind = g.get("kind", "")
        if kind == "structured":
            for name, value in structured_figures(g, p).items():
                add(name, value)
            continue
        if kind == "unanswerable":
            add("abstain_on_unanswerable", bool(p.get("abstained")))
            continue
        add("answered_when_answerable", not p.get("abstained"))
        want = {norm_title(f) for f in g.get("films") or []}
        ranked = [norm_title(f) for f in p.get("films") or []]
        if want:
            if kind != "multi":
                hit = bool(ranked) and ranked[0] in want
                add("film_hit@1", hit)
                add(f"film_hit@1[{kind}]", hit)
            add("film_recall@5", len(want & set(ranked[:max(5, len(want))])) / len(want))
            add("film_mrr@10", next((1 / (r + 1) for r, f in enumerate(ranked[:10]) if f in want), 0.0))
        quotes = [e["quote"] for e in g.get("evidence") or []]
        if quotes:
            ok = [any(supports(c.get("text", ""), q) for q in quotes) for c in cits[:10]]
            add("evidence_hit@1", any(ok[:1]))
            add("evidence_hit@3", any(ok[:3]))
            add("evidence_mrr@10", next((1 / (r + 1) for r, v in enumerate(ok) if v), 0.0))
        top = [c.get("text", "") for c in cits[:3]]
        add("duplicate_citations@3", any(near_duplicate(top[a], top[b]) for a in range(len(top)) for b in range(a + 1, len(top))))
        if kind == "fact" and g.get("answer"):
            add("fact_answer_in_text", norm_title(g["answer"]) in norm_title(p.get("answer", "")))
    return {k: round(sum(v) / len(v), 4) for k, v in sorted(tally.items())}


def structured_figures(g: dict, p: dict) -> dict[str, bool]:
    """A question over the film catalog, by its ``form``: filter / count (the exact set of films),
    comparison / superlative (the right film first), unsettleable (declined, the answer naming ``answer``:
    the film or value the articles don't give)."""
    form = g.get("form") or ("unsettleable" if not g.get("films") else "filter")
    want = {norm_title(f) for f in g.get("films") or []}
    got = [norm_title(f) for f in p.get("films") or []]
    if form in ("filter", "count"):
        ok = not p.get("abstained") and set(got) == want
        return {"structured_exact_set": ok, f"structured_exact_set[{form}]": ok}
    if form == "unsettleable":
        return {"structured_declined_with_reason": bool(p.get("abstained"))
                and norm_title(g.get("answer") or "") in norm_title(p.get("answer", ""))}
    ok = bool(got) and got[0] in want
    return {"structured_first_film": ok, f"structured_first_film[{form}]": ok}


# ---------------------------------------------------------------- systems

@dataclass
class System:
    name: str
    answer: Callable[[str, list[str]], dict]


def filmchat_system(composer) -> System:
    return System("filmchat", lambda q, h: composer.ask(q, h).to_json())


def baseline_systems(settings: Settings, embedder, index) -> list[System]:
    """What a user would build by hand: recursive 1000/200 character chunks, MiniLM + FAISS, BM25, their RRF.

    A baseline passage stands for every film whose section it overlaps (from filmchat's
    own chunks, most overlap first), so that film figures can be computed generously;
    the ranking of passages is the baseline's own, and baselines never abstain.
    """
    import bm25s
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from .corpus import read_corpus
    from .films import FilmCatalog
    from .index import bm25_tokens
    from .search import rrf, top_indices

    docs, _ = read_corpus(settings.corpus_dir, settings.max_file_mb)
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    passages = []
    for d in docs:
        for piece in splitter.create_documents([d.text]):
            s = piece.metadata["start_index"]
            if d.text[s:s + len(piece.page_content)] == piece.page_content:
                passages.append((d.path, s, s + len(piece.page_content), piece.page_content))
    catalog = FilmCatalog(index.chunks)

    def films_of(path, s, e) -> list[str]:
        overlap: dict[str, int] = {}
        for c in index.chunks:
            if c.file == path and c.film:
                n = min(e, c.end) - max(s, c.start)
                if n > 0:
                    overlap[catalog.key(c.film)] = overlap.get(catalog.key(c.film), 0) + n
        return sorted(overlap, key=lambda k: -overlap[k])

    films = [films_of(p, s, e) for p, s, e, _ in passages]
    vecs = embedder.encode([t for *_, t in passages])
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    bm25 = bm25s.BM25()
    bm25.index(bm25_tokens([t for *_, t in passages]), show_progress=False)
    n = len(passages)

    def dense_order(q):
        _, ids = flat.search(embedder.encode([q]), n)
        return [int(i) for i in ids[0] if i >= 0]

    def lexical_order(q):
        tokens = bm25_tokens([q])[0]
        scores = np.asarray(bm25.get_scores(tokens), dtype=np.float32) if tokens else np.zeros(n, np.float32)
        return top_indices(scores, n)

    def as_answer(order, scores=None):
        ranked_films = list(dict.fromkeys(catalog.name(k) for i in order for k in films[i]))
        cits = [{"file": passages[i][0], "start": passages[i][1], "end": passages[i][2], "text": passages[i][3],
                 "film": catalog.name(films[i][0]) if films[i] else None, "score": 0.0} for i in order[:5]]
        lead = ranked_films[0] if ranked_films else ""
        return {"answer": f"{lead}\n\n" + "\n\n".join(c["text"] for c in cits), "abstained": False,
                "films": ranked_films[:10], "citations": cits}

    def fused(q):
        s = rrf(dense_order(q), lexical_order(q), n)
        return [int(i) for i in np.argsort(-s, kind="stable") if s[i] > 0]

    def with_history(fn):  # a plain RAG searches the question as typed, history appended
        return lambda q, h: as_answer(fn(" ".join([*h[-1:], q])))

    return [System("recursive+dense", with_history(dense_order)), System("recursive+bm25", with_history(lexical_order)),
            System("recursive+rrf", with_history(fused))]


# ---------------------------------------------------------------- running

def load_questions(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as e:
                raise ValueError(f"{path}:{n} is not JSON ({e})") from e
    return rows


def corpus_texts(settings: Settings) -> dict[str, str]:
    from .corpus import read_corpus

    return {d.path: d.text for d in read_corpus(settings.corpus_dir, settings.max_file_mb)[0]}


def run_system(system: System, gold: list[dict]) -> tuple[list[dict], list[float]]:
    system.answer(gold[0]["question"], gold[0].get("history") or [])  # warm-up
    preds, seconds = [], []
    for g in gold:
        t = time.perf_counter()
        preds.append(system.answer(g["question"], g.get("history") or []))
        seconds.append(time.perf_counter() - t)
    return preds, seconds


def abstention_curve(composer, gold: list[dict], thresholds) -> list[dict]:
    """abstain_on_unanswerable vs answered_when_answerable as the threshold moves (how the default was chosen)."""
    rows, original = [], composer.settings
    try:
        for t in thresholds:
            composer.searcher.settings = composer.settings = original.replace(abstain_threshold=float(t))
            preds = [composer.ask(g["question"], g.get("history") or []).to_json() for g in gold]
            m = score(gold, preds, {})
            rows.append({"threshold": round(float(t), 3), "abstain_on_unanswerable": m.get("abstain_on_unanswerable"),
                         "answered_when_answerable": m.get("answered_when_answerable")})
    finally:
        composer.searcher.settings = composer.settings = original
    return rows


def run_eval(settings: Settings, questions: Path, baselines: bool = False, curve: bool = True, log=print) -> dict:
    from .answer import open_composer

    gold = load_questions(questions)
    if not gold:
        raise ValueError(f"{questions} holds no questions")
    composer = open_composer(settings, log=log)
    texts = corpus_texts(settings)
    systems = [filmchat_system(composer)]
    if baselines:
        systems += baseline_systems(settings, composer.searcher.embedder, composer.searcher.index)
    results = {}
    for system in systems:
        log(f"running {system.name} on {len(gold)} questions")
        preds, seconds = run_system(system, gold)
        ms = sorted(s * 1000 for s in seconds)
        results[system.name] = {
            **score(gold, preds, texts),
            "latency_p50_ms": round(statistics.median(ms), 1),
            "latency_p95_ms": round(float(np.percentile(ms, 95)), 1),
        }
    report = {"questions": len(gold), "kinds": sorted({g.get("kind", "") for g in gold}), "results": results}
    if curve and any(g.get("kind") == "unanswerable" for g in gold):
        base = settings.abstain_threshold
        report["abstention_curve"] = abstention_curve(composer, gold, np.round(np.arange(base - 0.1, base + 0.11, 0.02), 3))
    report["table"] = format_table(report)
    return report


def format_table(report: dict) -> str:
    results = report["results"]
    names = list(results)
    metrics = sorted({m for r in results.values() for m in r}, key=lambda m: (m.startswith("latency"), "[" in m, m))
    lines = [f"{report['questions']} questions; kinds: {', '.join(report['kinds'])}", ""]
    head = "| figure | target | " + " | ".join(names) + " |"
    lines += [head, "|" + " --- |" * (len(names) + 2)]
    for m in metrics:
        target = "0 (lower is better)" if m in LOWER_IS_BETTER else (f"≥ {TARGETS[m]}" if m in TARGETS else "")
        if m.startswith("film_hit@1[") and m != "film_hit@1[multi]":
            target = "≥ 0.95"
        cells = []
        for n in names:
            v = results[n].get(m)
            cells.append("" if v is None else (f"{v:.1f}" if m.startswith("latency") else f"{v:.3f}"))
        lines.append(f"| {m} | {target} | " + " | ".join(cells) + " |")
    if report.get("abstention_curve"):
        lines += ["", "abstention threshold trade-off (filmchat):", "",
                  "| threshold | abstain_on_unanswerable | answered_when_answerable |", "| --- | --- | --- |"]
        for r in report["abstention_curve"]:
            lines.append(f"| {r['threshold']:.2f} | {r['abstain_on_unanswerable']:.3f} | {r['answered_when_answerable']:.3f} |")
    return "\n".join(lines)

