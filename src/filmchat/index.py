"""The searchable index: FAISS vectors and a BM25 index over the same chunks, kept under index/.

Layout of ``index_dir``::

    CURRENT              "<build folder> <sha256 of its manifest.json>": the live build (switched with os.replace)
    build-<time>-<pid>/  manifest.json, chunks.json, units.npy, embeddings.npy, vectors.faiss, bm25/
    .lock                held while a build runs, so two builds never write at once

A build writes a complete new folder beside the live one, fsyncs it, then replaces
CURRENT: killing a build at any moment leaves the previous index loadable, and the
next build removes what a killed one left behind. The manifest's sha256 is in
CURRENT and every artifact's sha256 is in the manifest, all checked on load, so a
flipped byte or a truncated file is reported instead of answering from garbage.
Unchanged files keep their chunks and vectors, so a rebuild embeds only what changed;
an unchanged corpus is recognised from file hashes alone, without loading the model.

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
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .chunking import Chunk, chunk_corpus, sentence_spans
from .corpus import CorpusError, Skipped, read_corpus, scan_corpus, shown
from .embedding import Embedder
from .settings import Settings

FORMAT = 1
CHUNKER_VERSION = 1  # also part of pipeline_fingerprint(), which follows the chunking code itself
HNSW_ABOVE = 50_000  # exact search stays under a few ms below this many passages
ARTIFACTS = ("chunks.json", "units.npy", "embeddings.npy", "vectors.faiss", "bm25/params.index.json", "bm25/vocab.index.json",
             "bm25/data.csc.index.npy", "bm25/indices.csc.index.npy", "bm25/indptr.csc.index.npy")
BUILD_NAME = re.compile(r"build-\d{8}-\d{6}-\d+-\d+")  # only folders named like this are ever deleted
REBUILD = "rebuild with `filmchat index --full`"
REBUILD_FOR = "rebuild with `filmchat index --full` run with these same settings (flags or FILMCHAT_* variables)"


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


class IndexUnwritable(IndexProblem):
    """The index folder cannot be written (read-only, full disk, no permission); the live index is untouched."""


# what a folder that cannot take a new build reports; anything else is a real fault worth its traceback
UNWRITABLE = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM}


def _unwritable(index_dir: Path, e: OSError) -> IndexUnwritable:
    return IndexUnwritable(f"cannot write the index folder {shown(str(index_dir))} ({e.strerror or e}); "
                           "the previous index is unchanged")


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
    if path.is_dir() and not path.is_symlink():  # a folder in the way (CURRENT replaced by a directory): healed
        shutil.rmtree(path)
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
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            if e.errno in UNWRITABLE:
                raise _unwritable(self.path.parent, e) from e
            raise
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = ""
            for _ in range(20):  # the holder may have the lock a moment before its pid is written
                holder = os.pread(self.fd, 32, 0).decode("ascii", "replace").split("\n")[0].strip()
                if holder.isdigit():
                    break
                time.sleep(0.01)
            os.close(self.fd)
            if e.errno in (errno.EAGAIN, errno.EACCES):
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise IndexBusy(f"another `filmchat index` is already building {self.path.parent}{who}; "
                                "wait for it to finish, then run it again") from e
            raise
        pid = f"{os.getpid()}\n".encode()
        os.pwrite(self.fd, pid, 0)  # who holds it, for the message above; never an empty file while held
        os.ftruncate(self.fd, len(pid))
        return self

    def __exit__(self, *exc):
        os.ftruncate(self.fd, 0)  # no stale pid for the next holder's competitor to name
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
    _stemmer: object = field(default=None, repr=False)

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
# ---------------------------------------------------------------- what is live, and is it intact

def _read_current(index_dir: Path) -> tuple[Path, str] | None:
    """The live build folder and its manifest's sha256.

    A CURRENT without the sha256 (written before it was recorded) is not trusted: an edited
    manifest would pass as "index matches". It is rebuilt like a damaged one.
    """
    current = Path(index_dir) / "CURRENT"
    try:
        fields = current.read_text(encoding="utf-8").split()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError as e:
        raise IndexCorrupt(f"{shown(str(current))} is a folder, not the index's pointer file; {REBUILD}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise IndexCorrupt(f"{shown(str(current))} is unreadable ({e}); {REBUILD}") from e
    if len(fields) == 1 and BUILD_NAME.fullmatch(fields[0]):
        raise IndexCorrupt(f"{shown(str(current))} has no checksum (written by an older filmchat), so the index "
                           f"cannot be trusted; {REBUILD}")
    if not (len(fields) == 2 and BUILD_NAME.fullmatch(fields[0]) and re.fullmatch(r"[0-9a-f]{64}", fields[1])):
        raise IndexCorrupt(f"{shown(str(current))} is damaged; {REBUILD}")
    return Path(index_dir) / fields[0], fields[1]


def _live(index_dir: Path) -> tuple[Path, dict] | None:
    """The live build and its manifest, checked against the digest in CURRENT; None when there is no index."""
    current = _read_current(index_dir)
    if current is None:
        return None
    build, digest = current
    path = build / "manifest.json"
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IndexCorrupt(f"index manifest {path} is unreadable ({e.strerror or e}); {REBUILD}") from e
    if hashlib.sha256(raw).hexdigest() != digest:
        raise IndexCorrupt(f"index manifest {path} is corrupt (checksum mismatch); {REBUILD}")
    try:
        manifest = json.loads(raw)
    except ValueError as e:
        raise IndexCorrupt(f"index manifest {path} is unreadable ({e}); {REBUILD}") from e
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"index manifest {path} is damaged; {REBUILD}")
    return build, manifest


def read_manifest(index_dir: Path) -> dict | None:
    live = _live(Path(index_dir))
    return live[1] if live else None


def _verify(build: Path, manifest: dict) -> None:
    """Every artifact is there with the sha256 the manifest recorded."""
    digests = manifest.get("artifacts") or {}
    for name in ARTIFACTS:
        path = build / name
        if name not in digests or not path.is_file():
            raise IndexCorrupt(f"index file {path} is missing; {REBUILD}")
        if sha256_file(path) != digests[name]:
            raise IndexCorrupt(f"index file {path} is corrupt (checksum mismatch); {REBUILD}")


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
    """Hash of the code that turns files into chunks: an index made by other code is out of date."""
    from . import chunking, corpus

    h = hashlib.sha256(str(CHUNKER_VERSION).encode())
    for module in (corpus, chunking):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:16]


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


def _remove_leftovers(index_dir: Path) -> None:
    """Build folders CURRENT does not name (older builds, or what a killed build left) and CURRENT temp files."""
    try:
        current = _read_current(index_dir)
    except IndexProblem:
        current = None
    live = current[0].name if current else None
    for p in index_dir.iterdir():
        if p.name != live and BUILD_NAME.fullmatch(p.name) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(".CURRENT.") and p.name.endswith(".tmp"):
            try:
                p.unlink(missing_ok=True)
            except OSError:  # a read-only folder: left for a build that can write
                pass


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
                parts.append(f"{name}: {', '.join(shown(f) for f in items)}")
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


def _previous(settings: Settings) -> tuple[Path | None, dict, str]:
    """The live build and its manifest, and why its chunks cannot be reused ('' when they can).

    Reads only the manifest and checksums: an unchanged corpus needs nothing more.
    """
    try:
        live = _live(Path(settings.index_dir))
    except IndexProblem as e:
        return None, {}, str(e).split("; rebuild")[0]
    if live is None:
        return None, {}, ""
    build, manifest = live
    why = "; ".join(_mismatches(manifest, settings)) or _outdated(manifest)
    if not why:
        try:
            _verify(build, manifest)
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
) -> BuildReport:
    """(Re)build the index for settings.corpus_dir; embeds only new and changed files unless ``full``.

    An unchanged corpus is recognised from file hashes and the manifest alone: nothing
    is written and neither the model nor FAISS is loaded. ``on_progress(done, total)``
    counts sentences embedded, from (0, total) up to (total, total); it is not called
    when there is nothing to embed. Raises IndexBusy while another build holds the lock.
    """
    t0 = time.perf_counter()
    index_dir = Path(settings.index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexUnwritable(f"cannot create the index folder {shown(str(index_dir))} ({e.strerror or e}); "
                              "choose another with --index-dir or FILMCHAT_INDEX_DIR") from e
    with BuildLock(index_dir):
        _remove_leftovers(index_dir)
        found, skipped = scan_corpus(settings.corpus_dir, settings.max_file_mb)
        build, manifest, why = _previous(settings)
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
            parts = _read_parts(build, keep) if keep else {}
        except Exception as e:  # noqa: BLE001 - damaged since it was verified: embed everything instead
            keep, parts = set(), {}
            report.full, report.note = True, f"rebuilt from scratch (previous index unreadable: {type(e).__name__})"
        todo = [f for f in found if f not in keep]
        docs, unusable = read_corpus(settings.corpus_dir, settings.max_file_mb, only=todo)
        report.skipped += unusable
        files = {**{f: old_files[f] for f in keep}, **{d.path: d.sha256 for d in docs}}
        if not files:
            raise CorpusError(f"no readable articles (.txt, .md, .html) in {settings.corpus_dir} ("
                              + "; ".join(f"{shown(s.path)}: {s.reason}" for s in report.skipped[:5]) + ")")
        titles = {**{f: (manifest.get("titles") or {}).get(f, f) for f in keep}, **{d.path: d.title for d in docs}}
        report.added, report.changed, report.removed = _diff(old_files, files)
        report.reused = sum(len(p.chunks) for p in parts.values())

        fresh = chunk_corpus(docs, settings.chunk_chars)
        report.embedded = len(fresh)
        if fresh:
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
        try:
            report.directory = _write_build(settings, index_dir, files, titles, report.skipped, chunks, units_all,
                                            embeddings, t0)
        except OSError as e:  # a full disk, a read-only folder: the live index is untouched
            raise _unwritable(index_dir, e) from e
        report.seconds = time.perf_counter() - t0
        return report


def _embed(embedder: Embedder, chunks: list[Chunk], progress: bool, on_progress) -> dict[str, _Part]:
    """Embed every sentence of these chunks (with a progress bar), grouped into one part per file."""
    from tqdm import tqdm

    rows = [(ci, a, b) for ci, c in enumerate(chunks) for a, b in sentence_spans(c.text)]
    texts = [chunks[ci].sentence_text((a, b)) for ci, a, b in rows]
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
    return _split_by_file(chunks, np.array(rows, dtype=np.int64).reshape(-1, 3), vecs)


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

def load_index(settings: Settings, check_settings: bool = True) -> Index:
    """The live index, verified byte for byte against its manifest."""
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

    if manifest.get("format") != FORMAT:
        raise IndexMismatch(f"index in {build} has format {manifest.get('format')}, this filmchat reads {FORMAT}; {REBUILD}")
    if check_settings and (diff := _mismatches(manifest, settings)):
        raise IndexMismatch(f"index was built differently ({', '.join(diff)}); {REBUILD_FOR}")
    _verify(build, manifest)
    try:
        chunks = [Chunk(**c) for c in json.loads((build / "chunks.json").read_text(encoding="utf-8"))]
        units = np.load(build / "units.npy")
        embeddings = np.load(build / "embeddings.npy")
        vectors = faiss.read_index(str(build / "vectors.faiss"))
        bm25 = bm25s.BM25.load(str(build / "bm25"))
    except Exception as e:  # noqa: BLE001 - any unreadable artifact means the same thing
        raise IndexCorrupt(f"index in {build} cannot be read ({type(e).__name__}: {e}); {REBUILD}") from e
    if vectors.ntotal != len(units) or len(embeddings) != len(units) or (len(units) and units[:, 0].max() >= len(chunks)):
        raise IndexCorrupt(f"index in {build} is inconsistent ({vectors.ntotal} vectors, {len(units)} units, "
                           f"{len(chunks)} chunks); {REBUILD}")
    if "efSearch" in manifest.get("faiss", {}):
        vectors.hnsw.efSearch = manifest["faiss"]["efSearch"]
    return Index(build, manifest, chunks, units, embeddings, vectors, bm25)


@dataclass
class Status:
    """Whether the live index answers for this corpus and these settings, and if not, why."""

    messages: list[str]
    missing: bool = False  # no index, or one that cannot be read
    mismatch: bool = False  # built with another model or chunking
    stale: bool = False  # the corpus (or the code that chunks it) changed since
    corrupt: bool = False  # an index file is damaged (missing is set too)
    no_corpus: bool = False  # the corpus folder is gone: the index still answers, it cannot be checked

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatch or self.stale or self.no_corpus)


def index_status(settings: Settings) -> Status:
    """What `filmchat status` prints: checks the manifest, every checksum and every file's hash (no model)."""
    try:
        live = _live(Path(settings.index_dir))
    except IndexProblem as e:
        return Status([str(e)], missing=True, corrupt=True)
    if live is None:
        return Status([f"no index in {settings.index_dir}; build it with `filmchat index`"], missing=True)
    build, manifest = live
    st = Status([])
    for m in _mismatches(manifest, settings):
        st.mismatch = True
        st.messages.append(f"{m.replace(':', ' differs:', 1)}; {REBUILD_FOR}")
    try:
        _verify(build, manifest)
    except IndexProblem as e:
        return Status([str(e), *st.messages], missing=True, mismatch=st.mismatch, corrupt=True)
    try:
        found, _ = scan_corpus(settings.corpus_dir, settings.max_file_mb)
    except CorpusError as e:
        st.no_corpus = True
        st.messages.append(f"{e}; the index still answers from the {len(manifest['files'])} files it was built from")
        return st
    for s in _still_unusable(found, manifest):
        del found[s.path]
    added, changed, removed = _diff(manifest["files"], found)
    st.messages += [f"new file not indexed: {shown(f)}" for f in added]
    st.messages += [f"changed since indexed: {shown(f)}" for f in changed]
    st.messages += [f"removed file still indexed: {shown(f)}" for f in removed]
    if why := _outdated(manifest):
        st.messages.append(why)
    st.stale = bool(added or changed or removed or why)
    if st.stale:
        st.messages.append("run `filmchat index` to update")
    if st.ok:
        st.messages.append(f"index matches the corpus ({len(found)} files, {manifest.get('chunks')} chunks, "
                           f"model {manifest.get('model')}, built {manifest.get('built_at')})")
    return st


def ready_index(settings: Settings, embedder: Embedder, progress: bool = False, log=print) -> Index:
    """The index to answer from, brought up to date first when that is possible.

    A missing, stale or corrupt index is (re)built from the corpus. An index built with
    another model or chunking is refused with the command that fixes it. An intact index
    still answers, with a one-line warning, when it cannot be brought up to date: the
    corpus folder is gone, the index folder cannot be written (read-only, full disk), or
    another build holds the lock.
    """
    status = index_status(settings)
    if status.mismatch:
        raise IndexMismatch("; ".join(status.messages))
    if status.ok:
        return load_index(settings)
    if status.no_corpus:
        log(f"warning: {status.messages[-1]}")
        return load_index(settings)
    scan_corpus(settings.corpus_dir, settings.max_file_mb)  # no corpus and no index: that is the one line to say
    log(f"{status.messages[0].split(';')[0]}: building the index of {settings.corpus_dir} now")
    held = None
    try:
        log(build_index(settings, embedder, progress=progress).summary())
    except (IndexBusy, IndexUnwritable) as e:  # the current index answers meanwhile
        held = e
    try:
        index = load_index(settings)
    except IndexProblem as e:
        if held:  # no usable index to answer from
            raise held from None
        if not isinstance(e, IndexCorrupt):
            raise
        log(f"{e}: rebuilding from the corpus")
        log(build_index(settings, embedder, full=True, progress=progress).summary())
        return load_index(settings)
    if isinstance(held, IndexBusy):
        log("another `filmchat index` is rebuilding this index: answering from the current one meanwhile")
    elif held:
        log(f"warning: {held}; answering from it, built {index.manifest.get('built_at')}")
    return index
