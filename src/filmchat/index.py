"""The searchable index: FAISS vectors and a BM25 index over the same chunks, loaded and checked.

How it lies on disk (CURRENT, build folders, checksums, the lock) is store.py's; how it is built,
build.py's. Whether an index still fits the corpus and the settings is known from the manifest and
file hashes alone, without loading the model.

Dense vectors are per sentence ("unit"), BM25 is per chunk; ``units.npy`` maps each
vector to its chunk and the sentence's offsets inside the chunk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunking import CHUNKER_VERSION, META, Chunk
from .corpus import Skipped, scan_corpus, show_path
from .films import FilmTable
from .settings import Settings
from .store import (ARTIFACTS, BUILD_NAME, FORMAT, REBUILD, REBUILD_FOR, BuildLock, IndexBusy, IndexCorrupt,  # noqa: F401
                    IndexMismatch, IndexMissing, IndexProblem, IndexUnwritable, _live, _read_current, _verify)
from .tables import read_tables, tables_version
from .text import stems, words

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
        # recall@10 0.988 against exact search at 1M sentence vectors, p95 1.3 ms (an earlier run of
        # benchmarks/scale.py, which then called each vector a passage; 0.994 and 1.5 ms at 348k vectors today);
        # with efConstruction 64 / efSearch 96 it was 0.83, and raising efSearch alone reached 0.96 at 512
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
    films: FilmTable | None = None  # films.film_table(chunks) as the build stored it; None: not stored (made at start-up)
    catalog: list | None = None  # catalog.catalog_data as the build stored it; None: built on first use
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
        units, scores = np.asarray(units, dtype=np.int64), np.asarray(scores, dtype=np.float32)  # FAISS or Qdrant's lists
        keep = units >= 0
        units, scores = units[keep], scores[keep]
        chunks = self.units[units, 0]
        _, first = np.unique(chunks, return_index=True)
        first = np.sort(first)  # each chunk's first (best) hit, in rank order
        return dict(zip(chunks[first].tolist(), zip(scores[first].tolist(), units[first].tolist())))

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


def _versions() -> dict:
    import importlib.metadata as md

    from . import __version__

    out = {"filmchat": __version__}
    for pkg in ("faiss-cpu", "sentence-transformers", "bm25s", "torch", "transformers", "numpy", "trafilatura"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


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
        films, catalog = read_tables(build, manifest, len(chunks))
    except Exception as e:  # noqa: BLE001 - any unreadable artifact means the same thing
        raise IndexCorrupt(f"index in {build} cannot be read ({type(e).__name__}: {e}); {REBUILD}") from e
    if (vectors.ntotal != len(units) or len(embeddings) != len(units) or (len(units) and units[:, 0].max() >= len(chunks))
            or len(duplicates) != len(chunks) or (len(chunks) and not 0 <= duplicates.min() <= duplicates.max() < len(chunks))):
        raise IndexCorrupt(f"index in {build} is inconsistent ({vectors.ntotal} vectors, {len(units)} units, "
                           f"{len(chunks)} chunks); {REBUILD}")
    if "efSearch" in manifest.get("faiss", {}):
        vectors.hnsw.efSearch = manifest["faiss"]["efSearch"]
    return Index(build, manifest, chunks, units, embeddings, vectors, bm25, duplicates.tolist(), films, catalog)


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
    st = status_of(manifest, settings, lambda: _verify(build, manifest))
    if st.ok and manifest.get("tables") != tables_version():
        st.messages.insert(0, "the film tables were made by another version of filmchat, so start-up makes them "
                              "again; `filmchat index` stores new ones")
    return st


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
