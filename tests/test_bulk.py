"""bulk: embedding on a local 2-CPU Ray gives the single-process build's index, vector for vector."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ray")
pytest.importorskip("pyarrow")

from filmchat import bulk  # noqa: E402
from filmchat.chunking import chunk_corpus  # noqa: E402
from filmchat.corpus import read_corpus  # noqa: E402
from filmchat.index import _embed, build_index, load_index  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    with bulk.ray_session(2) as ray:
        assert ray.cluster_resources()["CPU"] == 2
        yield ray
    assert not ray.is_initialized()


def test_ray_vectors_are_the_single_process_vectors(local_ray, tiny_settings, embedder, tmp_path):
    docs, _ = read_corpus(tiny_settings.corpus_dir, tiny_settings.max_file_mb)
    chunks = chunk_corpus(docs, tiny_settings.chunk_chars)
    shards = tmp_path / "shards"
    fanned = bulk.embed_with_ray(tiny_settings, chunks, 2, shards)
    assert list(shards.glob("*.parquet"))  # the workers wrote vector shards, then the build read them
    single = _embed(embedder, chunks, False, None)
    assert sorted(fanned) == sorted(single)
    for f in single:
        assert [c.id for c in fanned[f].chunks] == [c.id for c in single[f].chunks]
        assert np.array_equal(fanned[f].units, single[f].units)
        assert np.allclose(fanned[f].vectors, single[f].vectors, atol=1e-5)


def test_build_with_the_ray_hook_makes_the_same_index(local_ray, tiny_settings, embedder, tmp_path):
    build_index(tiny_settings, embedder)
    ray_settings = tiny_settings.replace(index_dir=tmp_path / "ray-index")
    report = build_index(ray_settings, embed=bulk.ray_embedder(ray_settings, 2))
    assert report.embedded > 0
    a, b = load_index(tiny_settings), load_index(ray_settings)
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks] and np.array_equal(a.units, b.units)
    assert np.allclose(a.embeddings, b.embeddings, atol=1e-5)
