"""The onnx backend: exported locally from the packaged model, the same vectors as torch, no torch at run time."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from filmchat.chunking import chunk_corpus, sentence_spans
from filmchat.corpus import read_corpus
from filmchat.embedding import Embedder, ModelError, onnx_export, resolve_model
from filmchat.settings import DEFAULT_MODEL

from conftest import CORPUS

ODD = ["", "x", "한국 영화에 관한 질문", "🙂🎬 which film?", "מי ביים את הסרט", "  spaces around  ",
       "word " * 600]  # the last one is past the model's 256 tokens: both backends must cut it the same way


@pytest.fixture(scope="module")
def fresh_export(tmp_path_factory):
    """An export made here, into an empty cache folder, from the packaged model's own files."""
    return onnx_export(resolve_model(DEFAULT_MODEL), cache=tmp_path_factory.mktemp("cache"))


def test_export_is_a_complete_folder_outside_the_repo(fresh_export):
    names = {p.name for p in fresh_export.iterdir()}
    assert {"model.onnx", "tokenizer.json", "filmchat-export.json"} <= names
    assert (fresh_export / "model.onnx").stat().st_size > 50_000_000  # the weights, not a stub
    assert not fresh_export.is_relative_to(CORPUS.parent)


def test_onnx_vectors_match_torch_on_corpus_sentences_and_odd_text(fresh_export, monkeypatch):
    monkeypatch.setenv("FILMCHAT_CACHE", str(fresh_export.parents[1]))
    docs, _ = read_corpus(CORPUS, 20)
    chunks = chunk_corpus(docs, 800)
    texts = [c.sentence_text(s) for c in chunks for s in sentence_spans(c.text)][:200] + ODD
    torch_vecs = Embedder(backend="torch").encode(texts, batch_size=64)
    onnx = Embedder(backend="onnx")
    onnx_vecs = onnx.encode(texts, batch_size=64)
    assert onnx_vecs.shape == torch_vecs.shape == (len(texts), 384)
    cos = (torch_vecs * onnx_vecs).sum(axis=1)
    assert cos.min() >= 0.9999, [texts[i][:40] for i in np.argsort(cos)[:3]]
    assert np.allclose(np.linalg.norm(onnx_vecs, axis=1), 1, atol=1e-5)
    # one text alone gives what it gives inside a padded batch
    assert float(onnx.encode([texts[5]])[0] @ onnx_vecs[5]) > 0.9999
    assert onnx.token_count("word " * 600) == Embedder(backend="torch").token_count("word " * 600) == 602


def test_a_loaded_export_runs_without_torch_or_sentence_transformers():
    """What makes the onnx backend start seconds sooner: once exported, neither is imported."""
    onnx_export(resolve_model(DEFAULT_MODEL))  # the export every process of this machine reuses
    code = "from filmchat.embedding import Embedder; print(Embedder(backend='onnx').encode(['who directed Hope?']).shape)"
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert p.returncode == 0 and "(1, 384)" in p.stdout, p.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}
    assert "onnxruntime" in imported
    assert not {"torch", "sentence_transformers", "transformers"} & imported


def test_unknown_backend_and_hub_only_model_say_what_to_do():
    with pytest.raises(ModelError, match="one of torch, onnx"):
        Embedder(backend="tensorflow").encode(["x"])
    with pytest.raises(ModelError, match="FILMCHAT_BACKEND=torch"):
        Embedder("some-org/not-a-local-folder", backend="onnx").encode(["x"])
