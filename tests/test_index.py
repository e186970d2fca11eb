"""Index build and reload with the real model and FAISS, on tiny corpora in tmp_path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from filmchat.build import build_index
from filmchat.index import IndexCorrupt, IndexMismatch, IndexMissing, index_status, load_index


def test_build_then_reload_round_trip(tiny_settings, embedder):
    report = build_index(tiny_settings, embedder)
    assert report.files == 2 and report.chunks == 4 and report.embedded == 4
    index = load_index(tiny_settings)
    assert [c.film for c in index.chunks] == ["Blue Harbour", "Salt Wind", "Red Dust", "Quiet Orbit"]
    # vectors are unit length and there is one per sentence
    norms = np.linalg.norm(index.embeddings, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    assert index.vectors.ntotal == len(index.units) > len(index.chunks)
    # a real query finds the right passage through FAISS
    best = index.dense(embedder.encode(["stranded astronaut growing food"])[0], k=5)
    top = max(best, key=lambda c: best[c][0])
    assert index.chunks[top].film == "Red Dust"
    m = index.manifest
    assert m["model"] == tiny_settings.model and m["dimension"] == 384
    assert set(m["files"]) == {"sea.txt", "space.txt"} and m["chunking"]["chunk_chars"] == tiny_settings.chunk_chars
    assert {"faiss-cpu", "sentence-transformers", "bm25s"} <= set(m["versions"]) and m["built_at"]


def test_k_larger_than_the_index_never_returns_padding(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    index = load_index(tiny_settings)
    got = index.dense(embedder.encode(["anything"])[0], k=10_000)
    assert set(got) <= set(range(len(index.chunks)))
    assert all(u >= 0 for _, u in got.values())


def test_missing_index_is_reported(tiny_settings):
    with pytest.raises(IndexMissing, match="filmchat index"):
        load_index(tiny_settings)
    assert index_status(tiny_settings).missing


def test_flipped_byte_in_metadata_is_detected(tiny_settings, embedder):
    report = build_index(tiny_settings, embedder)
    meta = report.directory / "chunks.json"
    data = bytearray(meta.read_bytes())
    data[len(data) // 2] ^= 0x01
    meta.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="index --full"):
        load_index(tiny_settings)


def test_truncated_faiss_file_is_detected(tiny_settings, embedder):
    report = build_index(tiny_settings, embedder)
    f = report.directory / "vectors.faiss"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(IndexCorrupt, match="vectors.faiss"):
        load_index(tiny_settings)


def test_index_built_with_another_model_is_refused(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    other = tiny_settings.replace(model="some/other-model")
    with pytest.raises(IndexMismatch, match="index --full"):
        load_index(other)
    assert index_status(other).mismatch


def test_manifest_lists_checksums_of_every_artifact(tiny_settings, embedder):
    report = build_index(tiny_settings, embedder)
    manifest = json.loads((report.directory / "manifest.json").read_text())
    assert {"chunks.json", "embeddings.npy", "vectors.faiss", "units.npy"} <= set(manifest["artifacts"])


def test_a_load_that_races_a_rebuild_reads_the_new_build(tiny_settings, embedder, monkeypatch):
    """CURRENT read, then a rebuild switches it and removes the old folder before the files are read."""
    import filmchat.index as index_module

    build_index(tiny_settings, embedder)
    real = index_module._load
    raced = []

    def load_after_a_rebuild(build, *args):
        if not raced:
            (tiny_settings.corpus_dir / "desert.txt").write_text("Desert Films\n\n1. Dune Sea\n\nA nomad guides a caravan.\n")
            raced.append(build_index(tiny_settings, embedder).directory)
            assert not build.exists()
        return real(build, *args)

    monkeypatch.setattr(index_module, "_load", load_after_a_rebuild)
    index = load_index(tiny_settings)
    assert index.directory == raced[0] and "Dune Sea" in {c.film for c in index.chunks}


def test_switching_the_backend_keeps_the_index(tiny_settings, embedder):
    """torch and onnx run the same weights: the index stays valid, nothing is re-embedded."""
    build_index(tiny_settings, embedder)
    other = tiny_settings.replace(backend="onnx" if tiny_settings.backend == "torch" else "torch")
    assert index_status(other).ok
    assert len(load_index(other)) == 4 and build_index(other, embedder).rebuilt is False
    assert load_index(other).manifest["backend"] == tiny_settings.backend  # recorded, for the record


def test_a_copied_passage_is_found_once_at_build_and_stored(tiny_settings, embedder):
    """Near-duplicates are a pass over every passage: the build stores them (checksummed), a load reads them."""
    space = (tiny_settings.corpus_dir / "space.txt").read_text(encoding="utf-8")
    (tiny_settings.corpus_dir / "space-excerpt.txt").write_text(space.split("\n\n2.")[0].replace(
        "Films About Space", "Space In Brief"), encoding="utf-8")
    build_index(tiny_settings, embedder)
    index = load_index(tiny_settings)
    copies = {i: d for i, d in enumerate(index.duplicate_of) if d != i}
    assert copies and all(index.chunks[i].file == "space-excerpt.txt" and index.chunks[d].file == "space.txt"
                          for i, d in copies.items())
    assert "duplicates.npy" in index.manifest["artifacts"]


def test_an_index_of_the_previous_format_is_rebuilt_not_read(tiny_settings, embedder):
    """An index written before duplicates were stored has no duplicates.npy: it is rebuilt from scratch, never
    read as if it had them."""
    from filmchat import store

    build_index(tiny_settings, embedder)
    build = load_index(tiny_settings).directory
    manifest = json.loads((build / "manifest.json").read_text())
    (build / "duplicates.npy").unlink()
    manifest["format"] = store.FORMAT - 1
    del manifest["artifacts"]["duplicates.npy"]
    raw = json.dumps(manifest).encode()
    (build / "manifest.json").write_bytes(raw)
    import hashlib

    (tiny_settings.index_dir / "CURRENT").write_text(f"{build.name} {hashlib.sha256(raw).hexdigest()}\n")
    with pytest.raises(IndexMismatch, match="format"):
        load_index(tiny_settings)
    report = build_index(tiny_settings, embedder)
    assert report.full and "format" in report.note
    assert len(load_index(tiny_settings).duplicate_of) == report.chunks
