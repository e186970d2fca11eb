"""bulk: embedding on a local 2-CPU Ray gives the single-process build's index, vector for vector."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ray")
pytest.importorskip("pyarrow")

from filmchat import bulk  # noqa: E402
from filmchat.build import build_index  # noqa: E402
from filmchat.index import load_index  # noqa: E402


def test_a_build_embedded_on_ray_is_the_single_process_build(tiny_settings, embedder, tmp_path):
    build_index(tiny_settings, embedder)
    ray_settings = tiny_settings.replace(index_dir=tmp_path / "ray-index")
    shards = tmp_path / "shards"
    with bulk.ray_session(2) as ray:
        assert ray.cluster_resources()["CPU"] == 2
        report = build_index(ray_settings, embed=bulk.ray_embedder(ray_settings, 2, shard_dir=shards))
    assert not ray.is_initialized()  # the local Ray is shut down
    assert report.embedded > 0 and list(shards.glob("*.parquet"))  # the workers wrote vector shards, then loaded
    a, b = load_index(tiny_settings), load_index(ray_settings)
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks] and np.array_equal(a.units, b.units)
    assert np.allclose(a.embeddings, b.embeddings, atol=1e-5)


def test_workers_must_be_positive(tiny_settings):
    from filmchat.index import IndexProblem

    with pytest.raises(IndexProblem, match="--workers must be 1 or more"):
        bulk.ray_embedder(tiny_settings, 0)
