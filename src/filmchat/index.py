"""The searchable index: FAISS vectors and a BM25 index over the same chunks, kept under index/.

Layout of ``index_dir``::

    CURRENT              name of the build that is live (switched atomically with os.replace)
    build-<time>-<pid>/  manifest.json, chunks.json, units.npy, embeddings.npy, vectors.faiss, bm25/
    .lock                held while a build runs, so two builds never write at once

A build writes a complete new folder beside the live one, fsyncs it, then replaces
CURRENT: killing a build at any moment leaves the previous index loadable. Every
artifact's sha256 is in the manifest and checked on load, so a flipped byte or a
truncated file is reported instead of answering from garbage. Unchanged files keep
their chunks and vectors, so a rebuild embeds only what changed.

Dense vectors are per sentence ("unit"), BM25 is per chunk; ``units.npy`` maps each
vector to its chunk and the sentence's offsets inside the chunk.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .chunking import Chunk, chunk_corpus, sentence_spans
from .corpus import Document, Skipped, read_corpus
from .embedding import Embedder
from .settings import Settings

FORMAT = 1
CHUNKER_VERSION = 1  # bump when chunking changes what it produces for the same settings
HNSW_ABOVE = 50_000  # exact search stays under a few ms below this many passages
ARTIFACTS = ("chunks.json", "units.npy", "embeddings.npy", "vectors.faiss", "bm25/params.index.json", "bm25/vocab.index.json",
             "bm25/data.csc.index.npy", "bm25/indices.csc.index.npy", "bm25/indptr.csc.index.npy")


class IndexProblem(Exception):
    """Base for index problems; the message is one line that says the way out."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    """Built with another model or chunking than the settings ask for."""


class IndexBusy(IndexProblem):
    pass


# ---------------------------------------------------------------- small file helpers

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_tree(folder: Path) -> None:
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    for d in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BuildLock:
    """An exclusive, non-blocking lock on index_dir/.lock (released by the OS if the build dies)."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / ".lock"
        self.fd: int | None = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(self.fd)
            if e.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexBusy(f"another `filmchat index` is already building {self.path.parent}; wait for it to finish") from e
            raise
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


# ---------------------------------------------------------------- the loaded index

def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def bm25_tokens(texts: list[str], stemmer=None) -> list[list[str]]:
    """The one tokenizer for BM25 documents and queries: lower-case, English stopwords, Snowball stems."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer or _stemmer(), return_ids=False, show_progress=False)


def make_faiss_index(vectors: np.ndarray, kind: str = "auto"):
    """Exact inner-product search while it is fast; HNSW beyond HNSW_ABOVE passages."""
    import faiss

    n, d = vectors.shape
    if kind == "auto":
        kind = "hnsw" if n > HNSW_ABOVE else "flat"
    if kind == "flat":
        index, params = faiss.IndexFlatIP(d), {}
    else:
        params = {"M": 32, "efConstruction": 64, "efSearch": 96}
        index = faiss.IndexHNSWFlat(d, params["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params["efConstruction"]
        index.hnsw.efSearch = params["efSearch"]
    if n:
        index.add(vectors)
    return index, {"type": kind, **params}


@dataclass
class Index:
    """Chunks with their vectors and BM25 postings; searched by position in ``chunks``."""

    directory: Path
    manifest: dict
    chunks: list[Chunk]
    units: np.ndarray  # int64 rows (chunk position, start, end within the chunk), one per vector
    embeddings: np.ndarray
    vectors: object  # faiss.Index over the unit vectors
    bm25: object  # bm25s.BM25 over the chunks
    _stemmer: object = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.chunks)

    def dense(self, query_vector: np.ndarray, k: int) -> dict[int, tuple[float, int]]:
        """chunk position -> (best sentence cosine, that unit) for the k nearest sentences.

        FAISS pads with label -1 when k exceeds the index size; those are dropped.
        """
        k = max(1, min(k, len(self.units)))
        scores, ids = self.vectors.search(np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32), k)
        best: dict[int, tuple[float, int]] = {}
        for u, s in zip(ids[0], scores[0]):
            if u < 0:
                continue
            c = int(self.units[u, 0])
            if c not in best:  # results come best first
                best[c] = (float(s), int(u))
        return best

    def unit_span(self, u: int) -> tuple[int, int]:
        return int(self.units[u, 1]), int(self.units[u, 2])

    def lexical_scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (0 where no term matches)."""
        if self._stemmer is None:
            self._stemmer = _stemmer()
        tokens = bm25_tokens([query], self._stemmer)[0]
        if not tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)


# ---------------------------------------------------------------- build

@dataclass
class BuildReport:
    """What a build did, for the CLI to print and the tests to check."""

    files: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    rebuilt: bool = True  # False: the index already matched the corpus, nothing was written
    directory: Path | None = None

    def summary(self) -> str:
        if not self.rebuilt:
            return f"index up to date: {self.files} files, {self.chunks} chunks, nothing to embed ({self.seconds:.2f} s)"
        parts = [f"indexed {self.files} files into {self.chunks} chunks, embedded {self.embedded} in {self.seconds:.1f} s"]
        for name, items in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            if items:
                parts.append(f"{name}: {', '.join(items)}")
        return "; ".join(parts)


def settings_fingerprint(settings: Settings) -> dict:
    """What an index must have been built with to answer for these settings."""
    return {"model": settings.model, "backend": settings.backend,
            "chunking": {"chunk_chars": settings.chunk_chars, "version": CHUNKER_VERSION}}


def _versions() -> dict:
    import importlib.metadata as md

    out = {"filmchat": __version__}
    for pkg in ("faiss-cpu", "sentence-transformers", "bm25s", "torch", "transformers", "numpy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def _current_dir(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not name or "/" in name or name.startswith("."):
        raise IndexCorrupt(f"{index_dir}/CURRENT is damaged; rebuild with `filmchat index --full`")
    return index_dir / name


def read_manifest(index_dir: Path) -> dict | None:
    d = _current_dir(Path(index_dir))
    if d is None:
        return None
    try:
        return json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"index manifest in {d} is unreadable ({e}); rebuild with `filmchat index --full`") from e


@dataclass
class _Part:
    """The chunks of one file with their unit rows (chunk positions local to the part) and vectors."""

    chunks: list[Chunk]
    units: np.ndarray
    vectors: np.ndarray


def _reusable(settings: Settings, full: bool) -> tuple[dict, dict[str, _Part]]:
    """Chunks and vectors of the live index by file, when it was built the same way and loads cleanly."""
    if full:
        return {}, {}
    try:
        old = load_index(settings, check_settings=True)
    except IndexProblem:
        return {}, {}
    parts: dict[str, _Part] = {}
    for f in dict.fromkeys(c.file for c in old.chunks):
        ids = [i for i, c in enumerate(old.chunks) if c.file == f]
        local = {g: n for n, g in enumerate(ids)}
        rows = np.isin(old.units[:, 0], ids)
        units = old.units[rows].copy()
        units[:, 0] = [local[int(g)] for g in units[:, 0]]
        parts[f] = _Part([old.chunks[i] for i in ids], units, old.embeddings[rows])
    return old.manifest.get("files", {}), parts


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    full: bool = False,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """(Re)build the index for settings.corpus_dir; embeds only files that changed unless ``full``."""
    t0 = time.perf_counter()
    index_dir = Path(settings.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with BuildLock(index_dir):
        docs, skipped = read_corpus(settings.corpus_dir, settings.max_file_mb)
        old_files, reuse = _reusable(settings, full)
        report = BuildReport(files=len(docs), skipped=skipped)
        new_files = {d.path: d.sha256 for d in docs}
        report.added = sorted(set(new_files) - set(old_files))
        report.removed = sorted(set(old_files) - set(new_files))
        report.changed = sorted(f for f in new_files if f in old_files and old_files[f] != new_files[f])
        if reuse and not (report.added or report.removed or report.changed):
            report.rebuilt = False
            report.chunks = sum(len(p.chunks) for p in reuse.values())
            report.directory = _current_dir(index_dir)
            report.seconds = time.perf_counter() - t0
            return report

        embedder = embedder or Embedder(settings.model, settings.backend)
        parts: dict[str, _Part] = {}
        fresh: list[Chunk] = []
        for d in docs:
            if d.path in reuse and old_files.get(d.path) == d.sha256:
                parts[d.path] = reuse[d.path]
            else:
                fresh.extend(chunk_corpus([d], settings.chunk_chars))
        report.embedded = len(fresh)
        parts.update(_embed(embedder, fresh, progress, on_progress))
        chunks, units, vecs = [], [], []
        for path in sorted(parts):  # reading order: by file, then offset
            p = parts[path]
            u = p.units.copy()
            u[:, 0] += len(chunks)
            chunks.extend(p.chunks)
            units.append(u)
            vecs.append(p.vectors)
        units_all = np.concatenate(units) if units else np.zeros((0, 3), np.int64)
        embeddings = np.ascontiguousarray(np.concatenate(vecs) if vecs else np.zeros((0, embedder.dimension)), np.float32)
        report.chunks = len(chunks)
        report.directory = _write_build(settings, index_dir, docs, skipped, chunks, units_all, embeddings, t0)
        report.seconds = time.perf_counter() - t0
        return report


def _embed(embedder: Embedder, chunks: list[Chunk], progress: bool, on_progress) -> dict[str, _Part]:
    """Embed every sentence of these chunks (with a progress bar), grouped into one part per file."""
    from tqdm import tqdm

    rows = [(ci, a, b) for ci, c in enumerate(chunks) for a, b in sentence_spans(c.text)]
    texts = [chunks[ci].sentence_text((a, b)) for ci, a, b in rows]
    if not texts:
        return {}
    # sorting by length keeps padding low inside each batch
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vecs = np.zeros((len(texts), embedder.dimension), np.float32)
    batch = 64
    bar = tqdm(total=len(texts), desc="embedding", unit="sentence", disable=not progress or not texts)
    for s in range(0, len(order), batch):
        ids = order[s:s + batch]
        vecs[ids] = embedder.encode([texts[i] for i in ids], batch_size=batch)
        bar.update(len(ids))
        if on_progress:
            on_progress(min(s + batch, len(texts)), len(texts))
    bar.close()
    parts: dict[str, _Part] = {}
    for f in dict.fromkeys(c.file for c in chunks):
        ids = [i for i, c in enumerate(chunks) if c.file == f]
        local = {g: n for n, g in enumerate(ids)}
        sel = [r for r, (ci, _, _) in enumerate(rows) if ci in local]
        units = np.array([(local[rows[r][0]], rows[r][1], rows[r][2]) for r in sel], dtype=np.int64).reshape(-1, 3)
        parts[f] = _Part([chunks[i] for i in ids], units, vecs[sel])
    return parts


def _write_build(settings, index_dir, docs, skipped, chunks, units, embeddings, t0) -> Path:
    import bm25s
    import faiss

    build = index_dir / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.time_ns() % 1_000_000}"
    build.mkdir()
    try:
        (build / "chunks.json").write_text(
            json.dumps([dataclasses.asdict(c) for c in chunks], ensure_ascii=False), encoding="utf-8")
        np.save(build / "units.npy", units)
        np.save(build / "embeddings.npy", embeddings)
        vectors, params = make_faiss_index(embeddings)
        faiss.write_index(vectors, str(build / "vectors.faiss"))
        retriever = bm25s.BM25()
        retriever.index(bm25_tokens([c.lexical_text() for c in chunks]) if chunks else [[]], show_progress=False)
        retriever.save(str(build / "bm25"))
        manifest = {
            "format": FORMAT,
            **settings_fingerprint(settings),
            "dimension": int(embeddings.shape[1]),
            "chunks": len(chunks),
            "vectors": len(embeddings),
            "faiss": params,
            "files": {d.path: d.sha256 for d in docs},
            "titles": {d.path: d.title for d in docs},
            "skipped": [dataclasses.asdict(s) for s in skipped],
            "versions": _versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.perf_counter() - t0, 3),
            "artifacts": {name: sha256_file(build / name) for name in ARTIFACTS},
        }
        (build / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        _fsync_tree(build)
        _write_atomic(index_dir / "CURRENT", build.name + "\n")
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    # older builds, and what an interrupted build left behind, are no longer reachable
    for old in index_dir.glob("build-*"):
        if old.name != build.name:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in index_dir.glob(".CURRENT.*.tmp"):
        tmp.unlink(missing_ok=True)
    return build


# ---------------------------------------------------------------- load and check

def load_index(settings: Settings, check_settings: bool = True) -> Index:
    """The live index, verified byte for byte against its manifest."""
    import bm25s
    import faiss

    index_dir = Path(settings.index_dir)
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissing(f"no index in {index_dir}; build it with `filmchat index`")
    build = _current_dir(index_dir)
    rebuild = "rebuild it with `filmchat index --full`"
    if manifest.get("format") != FORMAT:
        raise IndexMismatch(f"index in {build} has format {manifest.get('format')}, this filmchat reads {FORMAT}; {rebuild}")
    if check_settings:
        want, have = settings_fingerprint(settings), {k: manifest.get(k) for k in ("model", "backend", "chunking")}
        if want != have:
            diff = ", ".join(f"{k}: index has {have[k]!r}, settings ask {want[k]!r}" for k in want if want[k] != have[k])
            raise IndexMismatch(f"index was built differently ({diff}); {rebuild}")
    for name, digest in manifest.get("artifacts", {}).items():
        path = build / name
        if not path.is_file():
            raise IndexCorrupt(f"index file {path} is missing; {rebuild}")
        if sha256_file(path) != digest:
            raise IndexCorrupt(f"index file {path} is corrupt (checksum mismatch); {rebuild}")
    try:
        chunks = [Chunk(**c) for c in json.loads((build / "chunks.json").read_text(encoding="utf-8"))]
        units = np.load(build / "units.npy")
        embeddings = np.load(build / "embeddings.npy")
        vectors = faiss.read_index(str(build / "vectors.faiss"))
        bm25 = bm25s.BM25.load(str(build / "bm25"))
    except Exception as e:  # noqa: BLE001 - any unreadable artifact means the same thing
        raise IndexCorrupt(f"index in {build} cannot be read ({type(e).__name__}: {e}); {rebuild}") from e
    if vectors.ntotal != len(units) or len(embeddings) != len(units) or (len(units) and units[:, 0].max() >= len(chunks)):
        raise IndexCorrupt(f"index in {build} is inconsistent ({vectors.ntotal} vectors, {len(units)} units, "
                           f"{len(chunks)} chunks); {rebuild}")
    if "efSearch" in manifest.get("faiss", {}):
        vectors.hnsw.efSearch = manifest["faiss"]["efSearch"]
    return Index(build, manifest, chunks, units, embeddings, vectors, bm25)


@dataclass
class Status:
    """Whether the live index answers for this corpus and these settings, and if not, why."""

    messages: list[str]
    missing: bool = False  # no index, or one that cannot be read
    mismatch: bool = False  # built with another model, backend or chunking
    stale: bool = False  # the corpus changed since

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatch or self.stale)


def index_status(settings: Settings) -> Status:
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexProblem as e:
        return Status([str(e)], missing=True)
    if manifest is None:
        return Status([f"no index in {settings.index_dir}; build it with `filmchat index`"], missing=True)
    st = Status([])
    want = settings_fingerprint(settings)
    for k in want:
        if manifest.get(k) != want[k]:
            st.mismatch = True
            st.messages.append(f"{k} differs: index has {manifest.get(k)!r}, settings ask {want[k]!r}; "
                               "rebuild with `filmchat index --full`")
    docs, _ = read_corpus(settings.corpus_dir, settings.max_file_mb)
    have, now = manifest.get("files", {}), {d.path: d.sha256 for d in docs}
    for f in sorted(set(now) - set(have)):
        st.messages.append(f"new file not indexed: {f}")
    for f in sorted(set(have) - set(now)):
        st.messages.append(f"removed file still indexed: {f}")
    for f in sorted(f for f in now if f in have and have[f] != now[f]):
        st.messages.append(f"changed since indexed: {f}")
    st.stale = len(st.messages) > sum(1 for _ in want if manifest.get(_) != want[_])
    if st.stale:
        st.messages.append("run `filmchat index` to update")
    if st.ok:
        st.messages.append(f"index matches the corpus ({len(now)} files, {manifest.get('chunks')} chunks, "
                           f"model {manifest.get('model')}, built {manifest.get('built_at')})")
    return st
