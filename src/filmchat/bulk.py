"""Bulk embedding on Ray: `filmchat index --workers N` (a local Ray) or `--ray ADDRESS` (a cluster).

Embedding is the wall of a large build (~5.8 h per million passages on 2 cores), and it
is embarrassingly parallel, so the sentences of the files a build must embed go through
Ray Data's ``map_batches`` with an actor pool: each worker loads the encoder once
(``_Encode.__init__``) and embeds batches of sentences (on a GPU when the worker has
one and the torch backend is used). The workers write their vectors as Parquet shards
into a folder beside the index; the build then reads the shards back in sentence order
and loads them into the store (FAISS or Qdrant) exactly as index._embed's output, so
the rest of the build, and the index, are the same as a single-process build.
Needs the ``ray`` extra.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .build import _Part, _split_by_file, sentence_rows
from .settings import Settings
from .store import IndexProblem, require

BATCH = 64  # sentences per encoder call, as index._embed: larger batches pad more on 2 cores


class _Encode:
    """A Ray actor: the encoder is loaded once per worker, then embeds batch after batch."""

    def __init__(self, model: str, backend: str):
        from .embedding import Embedder

        self.embedder = Embedder(model, backend)

    def __call__(self, batch: dict) -> dict:
        vecs = self.embedder.encode(list(batch["text"]), batch_size=BATCH)
        return {"row": batch["row"], "vector": list(vecs)}


def _ray():
    require("ray.data", "--workers and --ray need Ray Data: pip install 'filmchat[ray]'")  # needs pyarrow: ray[data]
    import ray

    return ray


@contextlib.contextmanager
def ray_session(workers: int, address: str | None = None):
    """Connect to a Ray cluster at ``address``, or start a local one with ``workers`` CPUs; shut down what we started."""
    ray = _ray()
    if ray.is_initialized():
        yield ray
        return
    if address:
        pkg = str(Path(__file__).resolve().parent)  # the cluster's workers import this filmchat
        ray.init(address=address, runtime_env={"py_modules": [pkg]}, log_to_driver=False)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
    import logging

    import ray.data

    ray.data.DataContext.get_current().enable_progress_bars = False  # one summary line from the build is enough
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield ray
    finally:
        ray.shutdown()


def embed_with_ray(settings: Settings, chunks: list[Chunk], workers: int, shard_dir: Path | None = None) -> dict[str, _Part]:
    """index._embed on a Ray cluster: the same rows, the same vectors, grouped into one part per file."""
    import ray.data
    import pyarrow.parquet as pq

    rows, texts = sentence_rows(chunks)
    if not texts:  # passages without a sentence: nothing for Ray to do
        from .embedding import Embedder

        return _split_by_file(chunks, rows, np.zeros((0, Embedder(settings.model, settings.backend).dimension), np.float32))
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # batches of similar length pad little
    ds = ray.data.from_items([{"row": i, "text": texts[i]} for i in order], override_num_blocks=max(1, workers * 2))
    num_gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
    out = ds.map_batches(_Encode, fn_constructor_args=(settings.model, settings.backend), batch_size=BATCH,
                         compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=0 if num_gpus else 1,
                         num_gpus=num_gpus, batch_format="numpy")
    own = shard_dir is None
    shard_dir = Path(shard_dir or tempfile.mkdtemp(prefix="vectors-", dir=Path(settings.index_dir)))
    try:
        out.write_parquet(str(shard_dir))
        vecs = None
        for shard in sorted(shard_dir.glob("*.parquet")):  # load: each shard's rows go to their place
            t = pq.read_table(shard)
            ids = np.asarray(t.column("row").to_numpy(), np.int64)
            v = np.stack(t.column("vector").to_numpy(zero_copy_only=False)).astype(np.float32)
            if vecs is None:
                vecs = np.zeros((len(texts), v.shape[1]), np.float32)
            vecs[ids] = v
    finally:
        if own:
            shutil.rmtree(shard_dir, ignore_errors=True)
    return _split_by_file(chunks, rows, vecs)


def ray_embedder(settings: Settings, workers: int, address: str | None = None,
                 shard_dir: Path | None = None) -> Callable[[list[Chunk]], dict[str, _Part]]:
    """The ``embed`` hook of index.build_index: Ray starts only when the build has something to embed.

    The vector shards go to a temporary folder in the index folder, or are kept in ``shard_dir``.
    """
    _ray()
    if workers < 1:
        raise IndexProblem(f"--workers must be 1 or more, not {workers}")

    def embed(chunks: list[Chunk]) -> dict[str, _Part]:
        with ray_session(workers, address):
            return embed_with_ray(settings, chunks, workers, shard_dir)

    return embed
