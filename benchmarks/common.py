"""What every benchmark shares: the machine described, percentiles, tables, results files, a served app."""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "examples" / "questions.jsonl"
RESULTS = ROOT / "benchmarks" / "results"  # gitignored
ENV = {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
os.environ.update({k: os.environ.get(k, v) for k, v in ENV.items()})


def machine() -> dict:
    """Cores, CPU, the torch build and the load average: what the figures depend on."""
    import importlib.metadata as md

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    versions = {}
    for pkg in ("torch", "sentence-transformers", "onnxruntime", "faiss-cpu", "bm25s", "gradio"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 2**20
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gb": mem, "python": platform.python_version(),
            "versions": versions, "loadavg_1min": round(os.getloadavg()[0], 2)}


def describe(m: dict) -> str:
    v = m["versions"]
    return (f"{m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, torch {v.get('torch')} "
            f"(CPU build), onnxruntime {v.get('onnxruntime')}, faiss-cpu {v.get('faiss-cpu')}; "
            f"load average at start {m['loadavg_1min']}")


def pct(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


def dense_times(index, queries, k: int) -> tuple[list[float], list[dict]]:
    """``Index.dense`` over each query, one at a time after one warm-up call: seconds per call, and what it found."""
    index.dense(queries[0], k)
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        found.append(index.dense(q, k))
        times.append(time.perf_counter() - t)
    return times, found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


class BareOnnx:
    """The floor for the ONNX backend: the same exported model and tokenizer run with nothing around them.

    Plain ONNX Runtime (its default session options) and the ``tokenizers`` tokenizer of the export,
    mean pooling and normalising in numpy: the least work that gives the same vectors, so that a
    ratio against it is what filmchat adds, not what another runtime costs.
    """

    def __init__(self, folder: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = json.loads((folder / "filmchat-export.json").read_text(encoding="utf-8"))
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(int(meta["max_seq_length"]))
        self.tok.enable_padding(pad_id=int(meta["pad_id"]), pad_token=meta["pad_token"])
        self.inputs = list(meta["inputs"])
        self.session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int = 64, **_) -> np.ndarray:
        out = []
        for s in range(0, len(texts), batch_size):
            enc = self.tok.encode_batch(texts[s:s + batch_size])
            feed = {"input_ids": np.array([e.ids for e in enc], np.int64),
                    "attention_mask": np.array([e.attention_mask for e in enc], np.int64),
                    "token_type_ids": np.array([e.type_ids for e in enc], np.int64)}
            hidden = self.session.run(None, {k: feed[k] for k in self.inputs})[0]
            mask = feed["attention_mask"][:, :, None].astype(np.float32)
            v = (hidden * mask).sum(1) / mask.sum(1)
            out.append(v / np.linalg.norm(v, axis=1, keepdims=True))
        return np.concatenate(out)


# The cold-start floors: the least a process of each backend must do to answer one question.
COLD_FLOOR = {
    "torch": "from sentence_transformers import SentenceTransformer; "
             "SentenceTransformer({path!r}, device='cpu').encode(['which film is about a Korean adoptee?'])",
    "onnx": "import sys; sys.path.insert(0, {root!r}); from pathlib import Path; from benchmarks.common import BareOnnx; "
            "BareOnnx(Path({folder!r})).encode(['which film is about a Korean adoptee?'])",
}


def table(headers: list[str], rows: list[list]) -> str:
    """A markdown table (what README shows)."""
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def save(name: str, data: dict, text: str) -> Path:
    """benchmarks/results/<name>-<time>.json and .md (never committed)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    stem.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    stem.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    return stem.with_suffix(".md")


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    """Resident memory (VmRSS) or its peak so far (VmHWM) of a process, in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", text).group(1)) / 1024


# ---------------------------------------------------------------- questions with a known right answer

def norm_title(s: str) -> str:
    return re.sub(r"[^0-9a-z]", "", s.casefold())


def known_questions(path: Path = QUESTIONS) -> list[dict]:
    """Questions whose right answer is one film (or "the articles don't say"): question, history, film."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        if q.get("kind") == "unanswerable":
            out.append({"question": q["question"], "history": q.get("history") or [], "film": None})
        elif len(q.get("films") or []) == 1 and q.get("kind") != "multi":
            out.append({"question": q["question"], "history": q.get("history") or [], "film": q["films"][0]})
    return out


def first_film(markdown: str) -> str | None:
    """The film an answer leads with (its first bold name); None when it says the articles don't answer."""
    if markdown.startswith(("The articles don't", "The articles have nothing", "I can't find", "Which film do you mean")):
        return None
    m = re.match(r"\s*\*\*(.+?)\*\*", markdown)
    return m.group(1) if m else ""


def is_right(markdown: str, film: str | None) -> bool:
    got = first_film(markdown)
    return got is None if film is None else got is not None and norm_title(got) == norm_title(film)


# ---------------------------------------------------------------- the real app, served on loopback

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(index_dir: Path, env: dict | None = None, args: tuple = (), corpus: Path = CORPUS,
                wait: float = 300) -> tuple[subprocess.Popen, str, float]:
    """`filmchat serve` on a free 127.0.0.1 port; (process, url, seconds until it answered HTTP)."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "filmchat.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--corpus", str(corpus), "--index-dir", str(index_dir), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **ENV, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - t0 < wait:
        if proc.poll() is not None:
            raise RuntimeError(f"filmchat serve exited: {proc.stdout.read()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url, time.perf_counter() - t0
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"filmchat serve did not answer in {wait:.0f} s")


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


def build_texts(settings) -> tuple[int, list[str]]:
    """Exactly what a full build embeds: (passages, sentence texts)."""
    from filmchat.chunking import chunk_corpus, sentence_spans
    from filmchat.corpus import read_corpus

    docs, _ = read_corpus(settings.corpus_dir, settings.max_file_mb)
    chunks = chunk_corpus(docs, settings.chunk_chars)
    return len(chunks), [c.sentence_text(span) for c in chunks for span in sentence_spans(c.text)]
