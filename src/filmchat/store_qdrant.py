"""The Qdrant store: the same index as index.py's FAISS + bm25s folder, kept in a Qdrant collection.

Chosen by ``--store qdrant`` / ``FILMCHAT_STORE=qdrant``; a server or cluster at
``FILMCHAT_QDRANT_URL`` (key in ``FILMCHAT_QDRANT_API_KEY``), else qdrant-client's local
mode in ``FILMCHAT_QDRANT_PATH`` (default ``<index-dir>/qdrant``). Needs the ``qdrant`` extra.

Layout of one collection (the alias ``settings.qdrant_collection`` names the live one, the
Qdrant equivalent of ``index/CURRENT``):

- one point per sentence ("unit"): named dense vector ``dense`` (cosine, HNSW), payload
  file, chunk id, offsets inside the chunk and in the file, film, section;
- one point per chunk (passage): sparse vector ``bm25`` whose values are the BM25 term
  weights of the product's own tokenizer (index.bm25_tokens; bm25s's Lucene formula,
  k1 1.5, b 0.75) and whose IDF is computed by Qdrant (``Modifier.IDF``, the same Lucene
  IDF), payload = the Chunk's fields; so a sparse query scores chunks as bm25s does;
- one payload-only point holding the manifest (model, chunking, file hashes), so that
  ``filmchat status`` works against a cluster.

index.build_index does the build (what changed, what to embed); CollectionTarget writes
it: a full build fills a new collection and switches the alias in one call; an
incremental build deletes the changed and removed files' points by a payload filter and
upserts the new ones in the live collection. A lock collection turns a second build away.

Search goes through the Query API (``query_points``): one dense query, one sparse query;
their scores are fused above the store by search.fuse exactly as with FAISS, which is
what keeps `filmchat eval` figures equal (tests/test_store_qdrant.py). Chunks, units and
sentence vectors are also read into memory at load, because the answer layer re-ranks
sentences from them (see docs/scale-out.md for what that costs at scale).
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
import re
import socket
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .index import (FORMAT, REBUILD, Index, IndexBusy, IndexCorrupt, IndexMissing, IndexProblem, Status, _versions,
                    check_manifest, pipeline_fingerprint, reusable, settings_fingerprint, status_of)
from .settings import Settings
from .store import require
from .text import _stemmer, bm25_tokens

DENSE, SPARSE = "dense", "bm25"
# bm25s's defaults (method "lucene"), which the FAISS store's bm25s index uses: the same figures need the same formula
BM25_K1, BM25_B = 1.5, 0.75
NAMESPACE = uuid.UUID("6f1c3f2e-4a8b-4d0e-9a57-3c1f0b2d9e11")
MANIFEST_ID = str(uuid.uuid5(NAMESPACE, "manifest"))
UPSERT_BATCH = 256  # points per upsert call: large enough to amortise a round trip, small enough for one request
SCROLL_BATCH = 1024

_clients: dict[tuple, object] = {}  # one client per target and process: local mode allows a single one per folder


def _models():
    return require("qdrant_client.models", "the qdrant store needs qdrant-client: pip install 'filmchat[qdrant]'")


def client_for(settings: Settings):
    """The QdrantClient for these settings (a server/cluster by URL, else local mode in a folder), cached per process."""
    _models()
    from qdrant_client import QdrantClient

    if settings.qdrant_url:
        key = ("url", settings.qdrant_url, settings.qdrant_api_key)
    else:
        key = ("path", str(Path(settings.qdrant_path or Path(settings.index_dir) / "qdrant").resolve()))
    if key not in _clients:
        try:
            if key[0] == "url":
                _clients[key] = QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key or None)
            else:
                Path(key[1]).mkdir(parents=True, exist_ok=True)
                _clients[key] = QdrantClient(path=key[1])
        except RuntimeError as e:  # local mode: another process has the folder open
            raise IndexBusy(f"the Qdrant folder {key[1]} is open in another filmchat process (local mode allows "
                            "one at a time; use a Qdrant server for more)") from e
        except Exception as e:  # noqa: BLE001 - unreachable server, bad URL: one line
            raise IndexProblem(f"cannot reach Qdrant at {settings.qdrant_url or key[1]} ({type(e).__name__}: {e})") from e
    return _clients[key]


@atexit.register
def close_clients() -> None:
    """Close every cached client (at exit, and in tests: a local-mode folder can then be opened elsewhere)."""
    for c in _clients.values():
        c.close()
    _clients.clear()


def term_id(token: str) -> int:
    """Sparse index of a BM25 token: a stable 32-bit hash, so queries need no vocabulary."""
    return zlib.crc32(token.encode("utf-8"))


def _sparse(counts: dict[str, float]):
    models = _models()
    merged: Counter = Counter()
    for t, v in counts.items():
        merged[term_id(t)] += v
    ids = sorted(merged)
    return models.SparseVector(indices=ids, values=[float(merged[i]) for i in ids])


def doc_weights(tokens: list[str], avgdl: float) -> dict[str, float]:
    """bm25s's Lucene term weight tf / (tf + k1 (1 - b + b dl/avgdl)); Qdrant multiplies by the IDF."""
    tf = Counter(tokens)
    norm = BM25_K1 * (1 - BM25_B + BM25_B * len(tokens) / max(avgdl, 1e-9))
    return {t: n / (n + norm) for t, n in tf.items()}


def _uid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


# ---------------------------------------------------------------- the loaded index

@dataclass(kw_only=True)
class QdrantIndex(Index):
    """index.Index whose dense and BM25 searches are Qdrant queries (``vectors`` and ``bm25`` stay None)."""

    client: object
    collection: str  # the concrete collection the alias named at load
    alias: str
    unit_row: dict[str, int]  # point id -> row of units
    chunk_pos: dict[str, int]  # point id -> position in chunks

    def is_live(self) -> bool:
        try:
            return _alias_target(self.client, self.alias) == self.collection
        except Exception:  # noqa: BLE001 - an unreachable server: keep answering from what is loaded
            return True

    def dense(self, query_vector: np.ndarray, k: int) -> dict[int, tuple[float, int]]:
        """chunk position -> (best sentence cosine, that unit) for the k nearest sentences (Query API)."""
        k = max(1, min(k, len(self.units)))
        res = self.client.query_points(self.collection, query=np.asarray(query_vector, np.float32).ravel().tolist(),
                                       using=DENSE, limit=k, with_payload=False)
        return self._best_per_chunk([self.unit_row.get(str(p.id), -1) for p in res.points], [p.score for p in res.points])

    def lexical_scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (0 where no term matches), from the sparse vectors."""
        tokens = self.query_tokens(query)
        out = np.zeros(len(self.chunks), dtype=np.float32)
        if not tokens or not self.chunks:
            return out
        res = self.client.query_points(self.collection, query=_sparse(Counter(tokens)), using=SPARSE,
                                       limit=len(self.chunks), with_payload=False)
        for p in res.points:
            c = self.chunk_pos.get(str(p.id))
            if c is not None:
                out[c] = p.score
        return out


def _alias_target(client, alias: str) -> str | None:
    for a in client.get_aliases().aliases:
        if a.alias_name == alias:
            return a.collection_name
    return None


def _read_manifest(client, collection: str) -> dict:
    got = client.retrieve(collection, [MANIFEST_ID], with_payload=True)
    if not got or "manifest" not in (got[0].payload or {}):
        raise IndexCorrupt(f"Qdrant collection {collection} has no filmchat manifest; {REBUILD}")
    manifest = json.loads(got[0].payload["manifest"])
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"Qdrant collection {collection} has a damaged manifest; {REBUILD}")
    return manifest


def _live(client, alias: str) -> tuple[str, dict] | None:
    target = _alias_target(client, alias)
    if target is None:
        return None
    return target, _read_manifest(client, target)


def read_manifest(settings: Settings) -> dict | None:
    live = _live(client_for(settings), settings.qdrant_collection)
    return live[1] if live else None


def _scroll(client, collection: str, kind: str, with_vectors):
    models = _models()
    flt = models.Filter(must=[models.FieldCondition(key="kind", match=models.MatchValue(value=kind))])
    offset = None
    while True:
        points, offset = client.scroll(collection, scroll_filter=flt, limit=SCROLL_BATCH, offset=offset,
                                       with_payload=True, with_vectors=with_vectors)
        yield from points
        if offset is None:
            return


def load(settings: Settings, check_settings: bool = True) -> QdrantIndex:
    """The live collection, read into the same shape as index.Index."""
    client = client_for(settings)
    live = _live(client, settings.qdrant_collection)
    if live is None:
        raise IndexMissing(f"no index in Qdrant collection {settings.qdrant_collection}; build it with "
                           "`filmchat index --store qdrant`")
    collection, manifest = live
    check_manifest(manifest, settings, collection, check_settings)
    chunk_points = list(_scroll(client, collection, "chunk", False))
    chunk_points.sort(key=lambda p: (p.payload["file"], p.payload["start"]))  # reading order, as the FAISS build
    fields = [f.name for f in dataclasses.fields(Chunk)]
    chunks = [Chunk(**{k: p.payload[k] for k in fields}) for p in chunk_points]
    pos_of_chunk_id = {c.id: i for i, c in enumerate(chunks)}
    chunk_pos = {str(p.id): i for i, p in enumerate(chunk_points)}
    rows, vecs, ids = [], [], []
    for p in _scroll(client, collection, "unit", [DENSE]):
        c = pos_of_chunk_id.get(p.payload["chunk"])
        if c is None:
            raise IndexCorrupt(f"Qdrant collection {collection} has a sentence of a missing passage; {REBUILD}")
        rows.append((c, p.payload["start"], p.payload["end"]))
        vecs.append(p.vector[DENSE])
        ids.append(str(p.id))
    order = sorted(range(len(rows)), key=lambda i: rows[i])  # units in chunk order, as Index.units_of expects
    units = np.array([rows[i] for i in order], dtype=np.int64).reshape(-1, 3)
    dim = int(manifest.get("dimension") or (len(vecs[0]) if vecs else 0))
    embeddings = np.array([vecs[i] for i in order], dtype=np.float32).reshape(-1, dim)
    if len(units) != manifest.get("vectors") or len(chunks) != manifest.get("chunks"):
        raise IndexCorrupt(f"Qdrant collection {collection} is inconsistent ({len(units)} vectors, {len(chunks)} chunks; "
                           f"the manifest says {manifest.get('vectors')} and {manifest.get('chunks')}); {REBUILD}")
    unit_row = {ids[i]: r for r, i in enumerate(order)}
    return QdrantIndex(Path(collection), manifest, chunks, units, embeddings, None, None, client=client,
                       collection=collection, alias=settings.qdrant_collection, unit_row=unit_row, chunk_pos=chunk_pos)


# ---------------------------------------------------------------- build

class _Lock:
    """A second build is refused: the lock is a small collection that only one creator can make.

    It records host and pid; a lock left by a dead process on this host is taken over.
    """

    def __init__(self, client, alias: str):
        self.client, self.name = client, f"{alias}-build-lock"

    def _holder(self) -> dict:
        try:
            got = self.client.retrieve(self.name, [MANIFEST_ID], with_payload=True)
            return dict(got[0].payload) if got else {}
        except Exception:  # noqa: BLE001
            return {}

    def __enter__(self):
        models = _models()
        if self.client.collection_exists(self.name):
            h = self._holder()
            dead = h.get("host") == socket.gethostname() and isinstance(h.get("pid"), int) and not _alive(h["pid"])
            if not dead:
                who = f" (pid {h.get('pid')} on {h.get('host')}, since {h.get('since')})" if h else ""
                raise IndexBusy(f"another `filmchat index` is already building Qdrant collection {self.name[:-11]}{who}; "
                                f"wait for it to finish (if none runs, delete the collection {self.name})")
            self.client.delete_collection(self.name)
        try:
            self.client.create_collection(self.name, vectors_config={})
        except Exception as e:  # noqa: BLE001 - created by another build in between
            raise IndexBusy(f"another `filmchat index` is already building Qdrant collection {self.name[:-11]}") from e
        self.client.upsert(self.name, [models.PointStruct(id=MANIFEST_ID, vector={}, payload={
            "host": socket.gethostname(), "pid": os.getpid(), "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")})])
        return self

    def __exit__(self, *exc):
        self.client.delete_collection(self.name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _create(client, name: str, dim: int, settings: Settings) -> None:
    models = _models()
    client.create_collection(
        name,
        vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE,
                                                    hnsw_config=models.HnswConfigDiff(m=32, ef_construct=200))},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        quantization_config=(models.ScalarQuantization(scalar=models.ScalarQuantizationConfig(
            type=models.ScalarType.INT8, always_ram=True)) if settings.qdrant_quantize else None),
    )
    if settings.qdrant_url:  # a server filters file and kind by these; local mode has no payload indexes
        for key in ("kind", "file"):
            client.create_payload_index(name, key, models.PayloadSchemaType.KEYWORD)


def _points(chunks: list[Chunk], units: np.ndarray, vectors: np.ndarray, avgdl: float, stemmer) -> list:
    models = _models()
    out = []
    tokens = bm25_tokens([c.lexical_text() for c in chunks], stemmer) if chunks else []
    for c, toks in zip(chunks, tokens):
        out.append(models.PointStruct(id=_uid("chunk", c.id), vector={SPARSE: _sparse(doc_weights(toks, avgdl))},
                                      payload={"kind": "chunk", **dataclasses.asdict(c)}))
    for (ci, a, b), v in zip(units.tolist(), vectors):
        c = chunks[ci]
        out.append(models.PointStruct(
            id=_uid("unit", f"{c.id}/{a}-{b}"), vector={DENSE: np.asarray(v, np.float32).tolist()},
            payload={"kind": "unit", "file": c.file, "chunk": c.id, "start": a, "end": b,
                     "file_start": c.start + a, "file_end": c.start + b, "film": c.film, "section": c.section}))
    return out


def _upsert(client, collection: str, points: list) -> None:
    for s in range(0, len(points), UPSERT_BATCH):
        client.upsert(collection, points[s:s + UPSERT_BATCH], wait=True)


def _write_manifest(client, collection: str, manifest: dict) -> None:
    models = _models()
    client.upsert(collection, [models.PointStruct(id=MANIFEST_ID, vector={}, payload={
        "kind": "manifest", "manifest": json.dumps(manifest, ensure_ascii=False)})], wait=True)


class CollectionTarget:
    """What index.build_index writes to under ``--store qdrant`` (the same four methods as its _FolderTarget).

    A full build fills a new collection and switches the alias to it; an incremental one
    deletes the changed and removed files' points by a ``file`` filter and upserts the new
    files' points in the live collection (the kept passages stay where they are).
    """

    def __init__(self, settings: Settings):
        self.settings, self.alias = settings, settings.qdrant_collection
        self.client = client_for(settings)
        self.live: str | None = None
        self.manifest: dict = {}

    def lock(self):
        return _Lock(self.client, self.alias)

    def previous(self) -> tuple[Path | None, dict, str]:
        live, manifest, why = reusable(lambda: _live(self.client, self.alias), self.settings)
        if live is None:
            return None, manifest, why
        self.live, self.manifest = live, manifest
        return Path(live), manifest, why

    def read_parts(self, build: Path, keep: set[str]) -> dict:
        return {}  # kept files' points stay in the live collection

    def write(self, report, files, titles, chunks, units, embeddings, incremental: bool, t0) -> Path:
        # report: the build's build.BuildReport (not imported: build.py imports this module when the store is qdrant)
        client, models, stemmer = self.client, _models(), _stemmer()
        if incremental:
            avgdl = float(self.manifest.get("bm25_avgdl") or 1.0)  # kept passages keep their weights: docs/scale-out.md
            target = self.live
            gone = sorted(set(report.changed) | set(report.removed))
            if gone:
                client.delete(target, points_selector=models.FilterSelector(filter=models.Filter(must=[
                    models.FieldCondition(key="file", match=models.MatchAny(any=gone))])), wait=True)
            _upsert(client, target, _points(chunks, units, embeddings, avgdl, stemmer))
        else:
            lengths = [len(t) for t in bm25_tokens([c.lexical_text() for c in chunks], stemmer)] if chunks else [1]
            avgdl = float(np.mean(lengths))
            # unique even for two builds in the same second of one process
            target = f"{self.alias}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**9:09d}"
            _create(client, target, int(embeddings.shape[1]), self.settings)
            try:
                _upsert(client, target, _points(chunks, units, embeddings, avgdl, stemmer))
            except BaseException:
                client.delete_collection(target)
                raise
        n_chunks = client.count(target, count_filter=_kind("chunk"), exact=True).count
        n_units = client.count(target, count_filter=_kind("unit"), exact=True).count
        _write_manifest(client, target, {
            "format": FORMAT, **settings_fingerprint(self.settings), "backend": self.settings.backend,
            "pipeline": pipeline_fingerprint(), "dimension": int(embeddings.shape[1]), "chunks": n_chunks,
            "vectors": n_units, "bm25_avgdl": avgdl, "files": dict(sorted(files.items())),
            "titles": dict(sorted(titles.items())), "skipped": [dataclasses.asdict(s) for s in report.skipped],
            "versions": _versions(), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.perf_counter() - t0, 3)})
        if not incremental:
            _switch_alias(client, self.alias, target, self.live)
        report.chunks, report.reused = n_chunks, n_chunks - len(chunks)
        return Path(target)


def _kind(kind: str):
    models = _models()
    return models.Filter(must=[models.FieldCondition(key="kind", match=models.MatchValue(value=kind))])


def _switch_alias(client, alias: str, new: str, old: str | None) -> None:
    """Point the alias at the new collection in one request, then drop older builds.

    The collection it named until now is kept until the next full build, so that a chat
    still holding it answers until it sees the switch (QdrantIndex.is_live) and reloads.
    """
    models = _models()
    ops = []
    if old is not None:
        ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias)))
    ops.append(models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=new, alias_name=alias)))
    client.update_collection_aliases(change_aliases_operations=ops)
    ours = re.compile(re.escape(alias) + r"-\d{8}-\d{6}-\d+-\d+")  # only collections this code named are removed
    for c in client.get_collections().collections:  # older builds, and what a killed build left
        if ours.fullmatch(c.name) and c.name not in (new, old):
            client.delete_collection(c.name)


# ---------------------------------------------------------------- status

def status(settings: Settings) -> Status:
    """index.index_status for the Qdrant store: the manifest and the point counts, then every file's hash."""
    try:
        client = client_for(settings)
        live = _live(client, settings.qdrant_collection)
    except IndexProblem as e:
        return Status([str(e)], missing=True, corrupt=isinstance(e, IndexCorrupt))
    if live is None:
        return Status([f"no index in Qdrant collection {settings.qdrant_collection}; build it with `filmchat index`"],
                      missing=True)
    collection, manifest = live

    def verify():
        n_units = client.count(collection, count_filter=_kind("unit"), exact=True).count
        if n_units != manifest.get("vectors"):
            raise IndexCorrupt(f"Qdrant collection {collection} has {n_units} vectors, its manifest "
                               f"{manifest.get('vectors')}; {REBUILD}")

    return status_of(manifest, settings, verify, f"; Qdrant collection {settings.qdrant_collection} -> {collection}")
