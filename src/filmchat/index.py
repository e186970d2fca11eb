"""The searchable index: FAISS vectors and a BM25 index over the same chunks, built, loaded and checked.

How it lies on disk (CURRENT, build folders, checksums, the lock) is store.py's. Unchanged files keep their chunks and vectors, so a rebuild embeds only what changed;
an unchanged corpus is recognised from file hashes alone, without loading the model.

Dense vectors are per sentence ("unit"), BM25 is per chunk; ``units.npy`` maps each
vector to its chunk and the sentence's offsets inside the chunk.
"""

from __future__ import annotations

import contextlib
import dataclasses
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
from .chunking import CHUNKER_VERSION, META, Chunk, chunk_corpus, sentence_spans
from .corpus import CorpusError, Skipped, read_corpus, scan_corpus, show_path
from .dedup import near_duplicates
from .embedding import Embedder
from .settings import Settings
from .store import (ARTIFACTS, BUILD_NAME, FORMAT, REBUILD, REBUILD_FOR, BuildLock, IndexBusy, IndexCorrupt,  # noqa: F401
                    IndexMismatch, IndexMissing, IndexProblem, IndexUnwritable, _fsync_tree, _live, _read_current,
                    _remove_leftovers, _verify, _write_atomic, sha256_file)
from .text import bm25_tokens, stems, words

HNSW_ABOVE = 50_000  # exact search stays under a few ms below this many passages

# ---------------------------------------------------------------- the loaded index

def make_faiss_index(vectors: np.ndarray, kind: str = "auto"):
    """Exact inner-product search while it is fast; HNSW beyond HNSW_ABOVE passages."""
    import faiss

    n, d = vectors.shape
    if kind == "auto":
        kind = "hnsw" if n > HNSW_ABOVE else "flat"
    if kind == "flat":
        index, params = faiss.IndexFlatIP(d), {}
    else:
        # recall@10 0.988 against exact search at 1M passages, p95 1.3 ms (benchmarks/scale.py); with
        # efConstruction 64 / efSearch 96 it was 0.83, and raising efSearch alone reached 0.96 at 512
        params = {"M": 32, "efConstruction": 200, "efSearch": 256}
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
    duplicate_of: list[int] | None = None  # per chunk, the chunk it copies (itself if none); None: not stored
    _positions: dict[str, int] | None = field(default=None, repr=False, compare=False)

    def position(self, chunk_id: str) -> int:
        """Where the chunk with this id is in ``chunks`` (a dict made on first use, not a scan per call)."""
        if self._positions is None:
            positions: dict[str, int] = {}
            for i, c in enumerate(self.chunks):
                positions.setdefault(c.id, i)
            self._positions = positions
        return self._positions[chunk_id]

    def __len__(self) -> int:
        return len(self.chunks)

    def is_live(self) -> bool:
        """Whether CURRENT still names this build; False once a rebuild switched it (time to reload).

        A loaded index lives in memory, so it keeps answering after a rebuild removes its folder.
        """
        try:
            current = _read_current(self.directory.parent)
        except IndexProblem:
            return False
        return current is not None and current[0] == self.directory

    def dense(self, query_vector: np.ndarray, k: int) -> dict[int, tuple[float, int]]:
        """chunk position -> (best sentence cosine, that unit) for the k nearest sentences.

        FAISS pads with label -1 when k exceeds the index size; those are dropped.
        """
        k = max(1, min(k, len(self.units)))
        scores, ids = self.vectors.search(np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32), k)
        return self._best_per_chunk(ids[0], scores[0])

    def _best_per_chunk(self, units, scores) -> dict[int, tuple[float, int]]:
        """The first (best) hit of each chunk among unit hits that come best first; negative units are padding."""
        best: dict[int, tuple[float, int]] = {}
        for u, s in zip(units, scores):
            if u < 0:
                continue
            c = int(self.units[u, 0])
            if c not in best:
                best[c] = (float(s), int(u))
        return best

    def unit_span(self, u: int) -> tuple[int, int]:
        return int(self.units[u, 1]), int(self.units[u, 2])

    def units_of(self, chunk: int) -> range:
        """Rows of ``units`` (sentence vectors) that belong to one chunk; builds store them in chunk order."""
        col = self.units[:, 0]
        return range(int(np.searchsorted(col, chunk, "left")), int(np.searchsorted(col, chunk, "right")))

    def prose_units(self, chunk: int) -> list[int]:
        """Rows of ``units`` for a passage's sentences, without its metadata lines ("Director: …")."""
        text = self.chunks[chunk].text
        return [u for u in self.units_of(chunk) if not META.match(text[self.units[u, 1]:self.units[u, 2]])]

    def lexical_scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (0 where no term matches)."""
        tokens = self.query_tokens(query)
        if not tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)

    def query_tokens(self, query: str) -> list[str]:
        """The query's BM25 tokens, word by word with remembered stems (what bm25_tokens gives each word):
        this spares the tokenizer's set-up on every question."""
        return [s for w in words(query) for s in stems(w)]


# ---------------------------------------------------------------- what an index was built with

def settings_fingerprint(settings: Settings) -> dict:
    """What an index must have been built with to answer for these settings.

    The backend is recorded but not compared: torch and onnx run the same weights and
    give the same vectors (cosine >= 0.9999), so switching it must not strand an index.
    """
    return {"model": settings.model, "chunking": {"chunk_chars": settings.chunk_chars, "version": CHUNKER_VERSION}}


def _mismatches(manifest: dict, settings: Settings) -> list[str]:
    """How the index's model or chunking differ from what the settings ask for."""
    want = settings_fingerprint(settings)
    return [f"{k}: index has {manifest.get(k)!r}, settings ask {want[k]!r}" for k in want if manifest.get(k) != want[k]]


def pipeline_fingerprint() -> str:
    """The version of what turns files into chunks: an index chunked differently is out of date.

    A version, not a hash of the source, so that a comment or a refactor does not strand
    every index; tests/test_chunking.py fails when chunk output changes without a bump.
    """
    return f"chunker-{CHUNKER_VERSION}"


def check_manifest(manifest: dict, settings: Settings, where, check_settings: bool = True) -> None:
    """Refuse an index this filmchat cannot read, or one built with another model or chunking (any store)."""
    if manifest.get("format") != FORMAT:
        raise IndexMismatch(f"index in {where} has format {manifest.get('format')}, this filmchat reads {FORMAT}; {REBUILD}")
    if check_settings and (diff := _mismatches(manifest, settings)):
        raise IndexMismatch(f"index was built differently ({', '.join(diff)}); {REBUILD_FOR}")


def _outdated(manifest: dict) -> str:
    """Why an index with the right settings must still be rebuilt from scratch ('' when it need not)."""
    if manifest.get("format") != FORMAT:
        return f"index format {manifest.get('format')} is not this filmchat's format {FORMAT}"
    if manifest.get("pipeline") != pipeline_fingerprint():
        return "the code that reads and chunks articles changed since this index was built"
    return ""


def _still_unusable(found: dict[str, str], manifest: dict) -> list[Skipped]:
    """Unchanged files whose text was unusable last time (an HTML page with no article): skipped again unread."""
    out = []
    for s in manifest.get("skipped") or []:
        if isinstance(s, dict) and s.get("sha256") and found.get(s.get("path")) == s["sha256"]:
            out.append(Skipped(s["path"], s.get("reason", "no text"), s["sha256"]))
    return out


def _diff(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(added, changed, removed) files between two path -> sha256 maps."""
    return (sorted(set(new) - set(old)), sorted(f for f in new if f in old and old[f] != new[f]),
            sorted(set(old) - set(new)))


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
    embedded: int = 0  # chunks embedded by this build
    sentences: int = 0  # vectors computed by this build
    reused: int = 0  # chunks kept, with their vectors, from the previous build
    seconds: float = 0.0
    rebuilt: bool = True  # False: the index already matched the corpus, nothing was written
    full: bool = False  # every file was read and embedded again
    note: str = ""  # why a full rebuild happened, when it was not asked for
    directory: Path | None = None

    def summary(self) -> str:
        if not self.rebuilt:
            return (f"index up to date: {_n(self.files, 'file')}, {_n(self.chunks, 'chunk')}, nothing to embed "
                    f"({self.seconds:.2f} s)")
        reused = f", reused {self.reused}" if self.reused else ""
        parts = [f"indexed {_n(self.files, 'file')} into {_n(self.chunks, 'chunk')}: "
                 f"embedded {_n(self.embedded, 'chunk')} ({_n(self.sentences, 'sentence')}){reused} in {self.seconds:.1f} s"]
        if self.note:
            parts.insert(0, self.note)
        for name, items in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            if items:
                parts.append(f"{name}: {', '.join(map(show_path, items))}")
        return "; ".join(parts)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _versions() -> dict:
    import importlib.metadata as md

    out = {"filmchat": __version__}
    for pkg in ("faiss-cpu", "sentence-transformers", "bm25s", "torch", "transformers", "numpy", "trafilatura"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


@dataclass
class _Part:
    """The chunks of one file with their unit rows (chunk positions local to the part) and vectors."""

    chunks: list[Chunk]
    units: np.ndarray
    vectors: np.ndarray


def _split_by_file(chunks: list[Chunk], units: np.ndarray, vectors: np.ndarray, keep=None) -> dict[str, _Part]:
    """One part per file (only files in ``keep`` when given), in one pass over the units."""
    by_file: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        by_file.setdefault(c.file, []).append(i)
    file_no = {f: n for n, f in enumerate(by_file)}
    file_of_chunk = np.array([file_no[c.file] for c in chunks], dtype=np.int64)
    local = np.zeros(len(chunks), dtype=np.int64)
    for ids in by_file.values():
        local[ids] = np.arange(len(ids))
    unit_file = file_of_chunk[units[:, 0]] if len(units) else np.zeros(0, np.int64)
    order = np.argsort(unit_file, kind="stable")
    bounds = np.searchsorted(unit_file[order], np.arange(len(by_file) + 1))
    parts = {}
    for f, n in file_no.items():
        if keep is None or f in keep:
            rows = order[bounds[n]:bounds[n + 1]]
            u = units[rows].copy()
            u[:, 0] = local[u[:, 0]]
            parts[f] = _Part([chunks[i] for i in by_file[f]], u, vectors[rows])
    return parts


def reusable(read_live: Callable[[], tuple | None], settings: Settings, verify=None) -> tuple[object | None, dict, str]:
    """The live build and its manifest (as ``read_live`` finds them, in any store), and why its chunks cannot be
    reused ('' when they can): another model or chunking, an older format, or (with ``verify``) a failed check.

    Reads only the manifest and checksums: an unchanged corpus needs nothing more.
    """
    try:
        live = read_live()
    except IndexProblem as e:
        return None, {}, str(e).split("; rebuild")[0]
    if live is None:
        return None, {}, ""
    build, manifest = live
    why = "; ".join(_mismatches(manifest, settings)) or _outdated(manifest)
    if not why and verify:
        try:
            verify(build, manifest)
        except IndexProblem as e:
            why = str(e).split("; rebuild")[0]
    return build, manifest, why


def _read_parts(build: Path, keep: set[str]) -> dict[str, _Part]:
    """Chunks and vectors of the kept files from the live build (checksums were verified just before)."""
    chunks = [Chunk(**c) for c in json.loads((build / "chunks.json").read_text(encoding="utf-8"))]
    return _split_by_file(chunks, np.load(build / "units.npy"), np.load(build / "embeddings.npy"), keep)


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    full: bool = False,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    embed: Callable[[list[Chunk]], dict[str, _Part]] | None = None,
) -> BuildReport:
    """(Re)build the index for settings.corpus_dir; embeds only new and changed files unless ``full``.

    An unchanged corpus is recognised from file hashes and the manifest alone: nothing
    is written and neither the model nor FAISS is loaded. ``on_progress(done, total)``
    counts sentences embedded, from (0, total) up to (total, total); it is not called
    when there is nothing to embed. Raises IndexBusy while another build holds the lock.
    ``embed(chunks)`` replaces the in-process encoder (bulk.py's Ray path).
    """
    t0 = time.perf_counter()
    if _qdrant(settings):
        from .store_qdrant import CollectionTarget

        target = CollectionTarget(settings)
    else:
        target = _FolderTarget(settings)
    with target.lock():
        found, skipped = scan_corpus(settings.corpus_dir, settings.max_file_mb)
        build, manifest, why = target.previous()
        old_files: dict[str, str] = manifest.get("files", {})
        incremental = build is not None and not why and not full
        if incremental:
            carried = _still_unusable(found, manifest)
            skipped += carried
            for s in carried:
                del found[s.path]
            added, changed, removed = _diff(old_files, found)
            if not (added or changed or removed):
                return BuildReport(files=len(found), skipped=skipped, chunks=int(manifest.get("chunks", 0)),
                                   seconds=time.perf_counter() - t0, rebuilt=False, directory=build)
        report = BuildReport(skipped=skipped, full=not incremental)
        if full and build is not None:
            report.note = "full rebuild"
        elif why:
            report.note = f"rebuilt from scratch ({why})"

        keep = {f for f in found if incremental and old_files.get(f) == found[f]}
        try:
            parts = target.read_parts(build, keep) if keep else {}
        except Exception as e:  # noqa: BLE001 - damaged since it was verified: embed everything instead
            keep, parts = set(), {}
            report.full, report.note = True, f"rebuilt from scratch (previous index unreadable: {type(e).__name__})"
        todo = [f for f in found if f not in keep]
        docs, unusable = read_corpus(settings.corpus_dir, settings.max_file_mb, only=todo)
        report.skipped += unusable
        files = {**{f: old_files[f] for f in keep}, **{d.path: d.sha256 for d in docs}}
        if not files:
            raise CorpusError(f"no readable articles (.txt, .md, .html) in {settings.corpus_dir} ("
                              + "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5]) + ")")
        titles = {**{f: (manifest.get("titles") or {}).get(f, f) for f in keep}, **{d.path: d.title for d in docs}}
        report.added, report.changed, report.removed = _diff(old_files, files)
        report.reused = sum(len(p.chunks) for p in parts.values())

        fresh = chunk_corpus(docs, settings.chunk_chars)
        report.embedded = len(fresh)
        if fresh and embed is not None:
            parts.update(embed(fresh))
        elif fresh:
            embedder = embedder or Embedder(settings.model, settings.backend)
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
        if vecs:
            embeddings = np.ascontiguousarray(np.concatenate(vecs), np.float32)
        else:  # every file is too short to hold a passage
            embedder = embedder or Embedder(settings.model, settings.backend)
            dim = (incremental and manifest.get("dimension")) or embedder.dimension
            embeddings = np.zeros((0, int(dim)), np.float32)
        report.files, report.chunks = len(files), len(chunks)
        report.sentences = sum(len(p.units) for f, p in parts.items() if f not in keep)
        report.directory = target.write(report, files, titles, chunks, units_all, embeddings, incremental, t0)
        report.seconds = time.perf_counter() - t0
        return report


class _FolderTarget:
    """Where build_index writes by default: a build folder of FAISS + bm25s files under index_dir, switched by CURRENT.

    store_qdrant.CollectionTarget has the same four methods for a Qdrant collection.
    """

    def __init__(self, settings: Settings):
        self.settings, self.index_dir = settings, Path(settings.index_dir)

    @contextlib.contextmanager
    def lock(self):
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise IndexProblem(f"cannot create the index folder {self.index_dir} ({e.strerror or e}); "
                               "choose another with --index-dir or FILMCHAT_INDEX_DIR") from e
        with BuildLock(self.index_dir):
            _remove_leftovers(self.index_dir)
            yield

    def previous(self) -> tuple[Path | None, dict, str]:
        return reusable(lambda: _live(Path(self.settings.index_dir)), self.settings, _verify)

    def read_parts(self, build: Path, keep: set[str]) -> dict[str, _Part]:
        return _read_parts(build, keep)

    def write(self, report: BuildReport, files, titles, chunks, units, embeddings, incremental: bool, t0) -> Path:
        try:
            return _write_build(self.settings, self.index_dir, files, titles, report.skipped, chunks, units,
                                embeddings, t0)
        except OSError as e:  # a full disk, a read-only folder: the live index is untouched
            raise IndexUnwritable(f"cannot write the new index in {self.index_dir} ({e.strerror or e}); "
                                  "the previous index is unchanged") from e


def _embed(embedder: Embedder, chunks: list[Chunk], progress: bool, on_progress) -> dict[str, _Part]:
    """Embed every sentence of these chunks (with a progress bar), grouped into one part per file."""
    from tqdm import tqdm

    rows, texts = sentence_rows(chunks)
    vecs = np.zeros((len(texts), embedder.dimension), np.float32)
    # sorting by length keeps padding low inside each batch
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    batch = 64
    if on_progress:
        on_progress(0, len(texts))
    bar = tqdm(total=len(texts), desc="embedding", unit="sentence", disable=not progress or not texts)
    for s in range(0, len(order), batch):
        ids = order[s:s + batch]
        vecs[ids] = embedder.encode([texts[i] for i in ids], batch_size=batch)
        bar.update(len(ids))
        if on_progress:
            on_progress(min(s + batch, len(texts)), len(texts))
    bar.close()
    return _split_by_file(chunks, rows, vecs)


def sentence_rows(chunks: list[Chunk]) -> tuple[np.ndarray, list[str]]:
    """One (chunk position, start, end) row per sentence of these chunks, and the text the encoder sees for it."""
    rows = [(ci, a, b) for ci, c in enumerate(chunks) for a, b in sentence_spans(c.text)]
    return np.array(rows, dtype=np.int64).reshape(-1, 3), [chunks[ci].sentence_text((a, b)) for ci, a, b in rows]


def _write_build(settings, index_dir, files, titles, skipped, chunks, units, embeddings, t0) -> Path:
    """Write a complete build folder beside the live one, then switch CURRENT to it in one rename."""
    import bm25s
    import faiss

    build = index_dir / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.time_ns() % 1_000_000}"
    build.mkdir()
    try:
        (build / "chunks.json").write_text(
            json.dumps([dataclasses.asdict(c) for c in chunks], ensure_ascii=False), encoding="utf-8")
        np.save(build / "units.npy", units)
        np.save(build / "embeddings.npy", embeddings)
        np.save(build / "duplicates.npy", np.asarray(near_duplicates(chunks), np.int64))  # a pass over every passage
        vectors, params = make_faiss_index(embeddings)
        faiss.write_index(vectors, str(build / "vectors.faiss"))
        retriever = bm25s.BM25()
        retriever.index(bm25_tokens([c.lexical_text() for c in chunks]) if chunks else [[]], show_progress=False)
        retriever.save(str(build / "bm25"))
        manifest = {
            "format": FORMAT,
            **settings_fingerprint(settings),
            "backend": settings.backend,
            "pipeline": pipeline_fingerprint(),
            "dimension": int(embeddings.shape[1]),
            "chunks": len(chunks),
            "vectors": len(embeddings),
            "faiss": params,
            "files": dict(sorted(files.items())),
            "titles": dict(sorted(titles.items())),
            "skipped": [dataclasses.asdict(s) for s in skipped],
            "versions": _versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.perf_counter() - t0, 3),
            "artifacts": {name: sha256_file(build / name) for name in ARTIFACTS},
        }
        raw = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
        (build / "manifest.json").write_bytes(raw)
        _fsync_tree(build)
        _write_atomic(index_dir / "CURRENT", f"{build.name} {hashlib.sha256(raw).hexdigest()}\n")
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _remove_leftovers(index_dir)  # older builds are no longer reachable
    return build


# ---------------------------------------------------------------- load and check

def _qdrant(settings: Settings) -> bool:
    """Which store holds the index: this module's FAISS + bm25s folder (default) or store_qdrant's collection."""
    if settings.store not in ("faiss", "qdrant"):
        raise IndexProblem(f"unknown store {settings.store!r}; use faiss (the default) or qdrant")
    return settings.store == "qdrant"


def load_index(settings: Settings, check_settings: bool = True) -> Index:
    """The live index, verified byte for byte against its manifest."""
    if _qdrant(settings):
        from . import store_qdrant

        return store_qdrant.load(settings, check_settings)
    index_dir = Path(settings.index_dir)
    for attempt in range(3):
        live = _live(index_dir)
        if live is None:
            raise IndexMissing(f"no index in {index_dir}; build it with `filmchat index`")
        try:
            return _load(*live, settings, check_settings)
        except IndexCorrupt:
            # a build may have switched CURRENT and removed this folder while we read it: read the new one
            now = _read_current(index_dir)
            if attempt == 2 or now is None or now[0] == live[0]:
                raise
    raise AssertionError("unreachable")


def _load(build: Path, manifest: dict, settings: Settings, check_settings: bool) -> Index:
    import bm25s
    import faiss

    check_manifest(manifest, settings, build, check_settings)
    _verify(build, manifest)
    try:
        chunks = [Chunk(**c) for c in json.loads((build / "chunks.json").read_text(encoding="utf-8"))]
        units = np.load(build / "units.npy")
        embeddings = np.load(build / "embeddings.npy")
        duplicates = np.load(build / "duplicates.npy")
        vectors = faiss.read_index(str(build / "vectors.faiss"))
        bm25 = bm25s.BM25.load(str(build / "bm25"))
    except Exception as e:  # noqa: BLE001 - any unreadable artifact means the same thing
        raise IndexCorrupt(f"index in {build} cannot be read ({type(e).__name__}: {e}); {REBUILD}") from e
    if (vectors.ntotal != len(units) or len(embeddings) != len(units) or (len(units) and units[:, 0].max() >= len(chunks))
            or len(duplicates) != len(chunks) or (len(chunks) and not 0 <= duplicates.min() <= duplicates.max() < len(chunks))):
        raise IndexCorrupt(f"index in {build} is inconsistent ({vectors.ntotal} vectors, {len(units)} units, "
                           f"{len(chunks)} chunks); {REBUILD}")
    if "efSearch" in manifest.get("faiss", {}):
        vectors.hnsw.efSearch = manifest["faiss"]["efSearch"]
    return Index(build, manifest, chunks, units, embeddings, vectors, bm25, duplicates.tolist())


@dataclass
class Status:
    """Whether the live index answers for this corpus and these settings, and if not, why."""

    messages: list[str]
    missing: bool = False  # no index, or one that cannot be read
    mismatch: bool = False  # built with another model or chunking
    stale: bool = False  # the corpus (or the code that chunks it) changed since

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatch or self.stale)


def index_status(settings: Settings) -> Status:
    """What `filmchat status` prints: checks the manifest, every checksum and every file's hash (no model)."""
    if _qdrant(settings):
        from . import store_qdrant

        return store_qdrant.status(settings)
    try:
        live = _live(Path(settings.index_dir))
    except IndexProblem as e:
        return Status([str(e)], missing=True)
    if live is None:
        return Status([f"no index in {settings.index_dir}; build it with `filmchat index`"], missing=True)
    build, manifest = live
    return status_of(manifest, settings, lambda: _verify(build, manifest))


def status_of(manifest: dict, settings: Settings, verify: Callable[[], None], where: str = "") -> Status:
    """A live index's manifest against the settings and the corpus; ``verify`` raises IndexProblem if its data is damaged."""
    st = Status([])
    for m in _mismatches(manifest, settings):
        st.mismatch = True
        st.messages.append(f"{m.replace(':', ' differs:', 1)}; {REBUILD_FOR}")
    try:
        verify()
    except IndexProblem as e:
        return Status([str(e), *st.messages], missing=True, mismatch=st.mismatch)
    found, _ = scan_corpus(settings.corpus_dir, settings.max_file_mb)
    for s in _still_unusable(found, manifest):
        del found[s.path]
    added, changed, removed = _diff(manifest["files"], found)
    st.messages += [f"new file not indexed: {show_path(f)}" for f in added]
    st.messages += [f"changed since indexed: {show_path(f)}" for f in changed]
    st.messages += [f"removed file still indexed: {show_path(f)}" for f in removed]
    if why := _outdated(manifest):
        st.messages.append(why)
    st.stale = bool(added or changed or removed or why)
    if st.stale:
        st.messages.append("run `filmchat index` to update")
    if st.ok:
        st.messages.append(f"index matches the corpus ({len(found)} files, {manifest.get('chunks')} chunks, "
                           f"model {manifest.get('model')}, built {manifest.get('built_at')}{where})")
    return st
