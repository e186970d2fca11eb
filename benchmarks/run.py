"""The speed table: each figure beside its floor, measured in the same run (`make bench`).

    .venv/bin/python benchmarks/run.py [--backends torch onnx] [--rounds 5] [--questions FILE]

Floors (the physical limit of the model on this machine), each the fastest bare implementation
of the same operation on the same backend:

- warm ``ask`` (embed + hybrid search + compose) vs a bare encode of the same question: for
  torch ``SentenceTransformer.encode``, for onnx a plain ONNX Runtime session of the same
  exported model with its tokenizer and mean pooling (``benchmarks.common.BareOnnx``);
- full index build of the shipped corpus vs the same bare encode of exactly the texts the
  build embeds (every sentence of every passage, with its film as context), batch 64; the
  embedder is loaded before either clock starts;
- cold start (process start -> the app's first answer through gradio_client) vs the same
  backend's minimal process that loads the model and encodes one question (``COLD_FLOOR``).

Also the no-op rebuild (`filmchat index` on an unchanged corpus, whole process) and the
peak resident memory of `filmchat serve` after answering every question once.
Results go to benchmarks/results/ (gitignored) and the table to stdout.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (COLD_FLOOR, CORPUS, ENV, QUESTIONS, ROOT, BareOnnx, build_texts, describe, is_right,
                               machine, pct, rss_mb, save, start_serve, stop, table)


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def cli_seconds(args: list[str], env: dict) -> tuple[float, str]:
    import os

    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "filmchat.cli", *args], capture_output=True, text=True,
                       env={**os.environ, **ENV, **env}, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"filmchat {' '.join(args)} failed: {p.stderr[-2000:]}")
    return time.perf_counter() - t, p.stdout


def floor_for(backend: str):
    """The bare encoder of a backend: SentenceTransformer for torch, BareOnnx of the same export for onnx."""
    from filmchat.embedding import onnx_export, resolve_model
    from filmchat.settings import DEFAULT_MODEL

    if backend == "onnx":
        return BareOnnx(onnx_export(resolve_model(DEFAULT_MODEL)))
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model(DEFAULT_MODEL), device="cpu")


def bench_backend(backend: str, questions: list[dict], rounds: int, work: Path) -> dict:
    from filmchat.lifecycle import open_composer
    from filmchat.embedding import Embedder
    from filmchat.build import build_index
    from filmchat.settings import load_settings

    settings = load_settings(env={}, corpus_dir=CORPUS, index_dir=work / backend, backend=backend)
    floor_model = floor_for(backend)
    r: dict = {"backend": backend}
    r["model_load_s"], emb = timed(Embedder, settings.model, backend)
    r["model_load_s"] += timed(emb.encode, ["warm up"])[0]
    passages, texts = build_texts(settings)
    r["passages"], r["sentences"] = passages, len(texts)
    where = ["--corpus", str(settings.corpus_dir), "--index-dir", str(settings.index_dir)]

    # full build vs bare encode of the same texts, alternated so that both see the same machine
    builds, floors, own = [], [], []
    for _ in range(3):
        floors.append(timed(floor_model.encode, texts, batch_size=64, normalize_embeddings=True)[0])
        own.append(timed(emb.encode, texts, 64)[0])
        builds.append(timed(build_index, settings, emb, full=True)[0])
    r["build_s"], r["build_floor_s"], r["encode_s"] = (statistics.median(x) for x in (builds, floors, own))
    r["chunks_per_s"] = passages / r["build_s"]
    r["sentences_per_s"] = len(texts) / r["build_s"]

    noop = [cli_seconds(["index", *where], {"FILMCHAT_BACKEND": backend}) for _ in range(3)]
    assert all("up to date" in out for _, out in noop), noop
    r["noop_rebuild_s"] = statistics.median(s for s, _ in noop)

    # warm ask vs bare encode of the same question
    composer = open_composer(settings, embedder=emb, build=False)
    for q in questions:
        composer.ask(q["question"], q["history"])
        floor_model.encode([q["question"]], normalize_embeddings=True)
    # Alternating by pass, not by question: ONNX Runtime's worker threads spin for a moment after
    # each run, which would slow a torch encode started right after it and flatter the onnx ratio.
    ask, floor, enc = [], [], []
    for _ in range(rounds):
        floor += [timed(floor_model.encode, [q["question"]], normalize_embeddings=True)[0] for q in questions]
        enc += [timed(emb.encode, [q["question"]])[0] for q in questions]
        ask += [timed(composer.ask, q["question"], q["history"])[0] for q in questions]
    for name, xs in (("ask", ask), ("ask_floor", floor), ("encode", enc)):
        r[f"{name}_p50_s"], r[f"{name}_p95_s"] = pct(xs, 50), pct(xs, 95)
    r["asks"] = len(ask)

    # cold start: process start -> first answer over HTTP, then every question once, then peak memory
    from gradio_client import Client

    t0 = time.perf_counter()
    proc, url, r["http_up_s"] = start_serve(settings.index_dir, env={"FILMCHAT_BACKEND": backend})
    try:
        client = Client(url, verbose=False)
        first = client.predict(message=questions[0]["question"], api_name="/chat")
        r["cold_start_s"] = time.perf_counter() - t0
        right = [is_right(first, questions[0]["film"])]
        for q in questions[1:]:
            right.append(is_right(client.predict(q["question"], q["history"], api_name="/chat"), q["film"]))
        r["served_right"] = f"{sum(right)}/{len(right)}"
        r["serve_peak_mb"], r["serve_rss_mb"] = rss_mb(proc.pid, "VmHWM"), rss_mb(proc.pid, "VmRSS")
    finally:
        stop(proc)
    return r


def cold_floor(backend: str) -> float:
    """Seconds for the backend's minimal process: start Python, load the model, encode one question."""
    import os

    from filmchat.embedding import onnx_export, resolve_model
    from filmchat.settings import DEFAULT_MODEL

    path = resolve_model(DEFAULT_MODEL)
    code = COLD_FLOOR[backend].format(path=path, root=str(ROOT), folder=str(onnx_export(path)))
    runs = []
    for _ in range(2):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **ENV})
        runs.append(time.perf_counter() - t)
    return min(runs)


def ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}×"


def report(results: list[dict], m: dict) -> str:
    """The README table: one column per backend, the floor and the ratio beside each figure."""
    f = lambda s: f"{s * 1000:.1f}"  # noqa: E731
    rows = []
    for r in results:
        b = r["backend"]
        rows += [
            [f"warm `ask` p50 / p95, ms ({r['asks']} asks)", b, f"{f(r['ask_p50_s'])} / {f(r['ask_p95_s'])}",
             f"{f(r['ask_floor_p50_s'])} / {f(r['ask_floor_p95_s'])}",
             f"{ratio(r['ask_p50_s'], r['ask_floor_p50_s'])} / {ratio(r['ask_p95_s'], r['ask_floor_p95_s'])}",
             "p95 ≤ 1.5×"],
            [f"  of which: encoding the question, p50 / p95, ms", b, f"{f(r['encode_p50_s'])} / {f(r['encode_p95_s'])}",
             "same", f"{ratio(r['encode_p50_s'], r['ask_floor_p50_s'])} / {ratio(r['encode_p95_s'], r['ask_floor_p95_s'])}",
             ""],
            [f"full index build, s ({r['passages']} passages, {r['sentences']} sentences embedded)", b,
             f"{r['build_s']:.2f}", f"{r['build_floor_s']:.2f}", ratio(r["build_s"], r["build_floor_s"]), "≤ 1.2×"],
            ["  passages/s, sentences/s", b, f"{r['chunks_per_s']:.0f}, {r['sentences_per_s']:.0f}",
             f"{r['passages'] / r['build_floor_s']:.0f}, {r['sentences'] / r['build_floor_s']:.0f}", "", ""],
            ["no-op rebuild (`filmchat index`, whole process), s", b, f"{r['noop_rebuild_s']:.2f}", "—", "", "≤ 1 s"],
            ["cold start: process start → first answer, s", b, f"{r['cold_start_s']:.1f} (HTTP up {r['http_up_s']:.1f})",
             f"{r['cold_floor_s']:.1f}", ratio(r["cold_start_s"], r["cold_floor_s"]), "report"],
            ["peak memory of `serve` (VmHWM), MB", b, f"{r['serve_peak_mb']:.0f}", "—", "", "report"],
            ["model load (first encode included), s", b, f"{r['model_load_s']:.2f}", "—", "", ""],
        ]
    head = ["figure", "backend", "filmchat", "floor (same run)", "ratio", "target"]
    notes = ("Floors, per backend: `ask` and build vs the bare encode of the same question / of exactly the sentence "
             "texts the build embeds, batch 64 (torch: `SentenceTransformer.encode`; onnx: a plain ONNX Runtime session "
             "of the same export, `BareOnnx`); cold start vs a process that only loads that backend's model and "
             "encodes one question. "
             f"Answers served right in the cold-start run: "
             + ", ".join(f"{r['backend']} {r['served_right']}" for r in results) + ".")
    return f"Machine: {describe(m)}\n\n{table(head, rows)}\n\n{notes}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", nargs="+", default=["torch", "onnx"], choices=["torch", "onnx"])
    ap.add_argument("--rounds", type=int, default=5, help="passes over the questions for the ask latency")
    ap.add_argument("--questions", type=Path, default=QUESTIONS)
    args = ap.parse_args(argv)

    from benchmarks.common import known_questions

    m = machine()
    print(f"machine: {describe(m)}", file=sys.stderr)
    questions = [q for q in known_questions(args.questions)]
    results = []
    with tempfile.TemporaryDirectory(prefix="filmchat-bench-") as work:
        for b in args.backends:
            print(f"benchmarking backend {b} …", file=sys.stderr)
            results.append(bench_backend(b, questions, args.rounds, Path(work)))
            results[-1]["cold_floor_s"] = cold_floor(b)
    m["loadavg_1min_end"] = round(__import__("os").getloadavg()[0], 2)
    text = report(results, m) + f" Load average at the end: {m['loadavg_1min_end']}."
    path = save("bench", {"machine": m, "results": results}, text)
    print(text)
    print(f"\n(saved to {path.relative_to(path.parents[2])})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
