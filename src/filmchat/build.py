"""Building the index: chunks embedded, FAISS and BM25 written as a new build folder, switched to atomically.

Unchanged files keep their chunks and vectors, so a rebuild embeds only what changed; an unchanged
corpus is recognised from file hashes alone, without loading the model. The same build writes to a
folder (``_FolderTarget``) or to a Qdrant collection (store_qdrant.py).
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

from .chunking import Chunk, chunk_corpus, sentence_spans
from .corpus import CorpusError, Skipped, read_corpus, scan_corpus, show_path
from .dedup import near_duplicates
from .embedding import Embedder
from .index import (_diff, _qdrant, _still_unusable, _versions, make_faiss_index, pipeline_fingerprint, reusable,
                    settings_fingerprint)
from .settings import Settings
from .store import (ARTIFACTS, FORMAT, BuildLock, IndexProblem, IndexUnwritable, _fsync_tree, _live, _remove_leftovers,
                    _verify, _write_atomic, sha256_file)
from .tables import tables_version, write_tables
from .text import bm25_tokens


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
        # film tables another version of the code made are made again (every file's chunks and vectors reused)
        old_tables = not _qdrant(settings) and manifest.get("tables") != tables_version()
        if incremental:
            carried = _still_unusable(found, manifest)
            skipped += carried
            for s in carried:
                del found[s.path]
            added, changed, removed = _diff(old_files, found)
            if not (added or changed or removed or old_tables):
                return BuildReport(files=len(found), skipped=skipped, chunks=int(manifest.get("chunks", 0)),
                                   seconds=time.perf_counter() - t0, rebuilt=False, directory=build)
        report = BuildReport(skipped=skipped, full=not incremental)
        if full and build is not None:
            report.note = "full rebuild"
        elif why:
            report.note = f"rebuilt from scratch ({why})"
        elif incremental and old_tables and not (added or changed or removed):
            report.note = "film tables made again (another version of filmchat made them)"

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
        duplicates = near_duplicates(chunks)  # a pass over every passage, as the film tables are
        np.save(build / "duplicates.npy", np.asarray(duplicates, np.int64))
        write_tables(build, chunks, duplicates)
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
            "tables": tables_version(),
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


