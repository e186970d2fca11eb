"""store_qdrant: the Qdrant collection (qdrant-client local mode) answers exactly as the FAISS + bm25s folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("qdrant_client")

from conftest import ROOT  # noqa: E402
from filmchat import store_qdrant  # noqa: E402
from filmchat.evaluation import run_eval  # noqa: E402
from filmchat.build import build_index  # noqa: E402
from filmchat.index import IndexBusy, index_status, load_index  # noqa: E402


@pytest.fixture()
def qdrant_settings(tiny_settings, tmp_path):
    yield tiny_settings.replace(store="qdrant", qdrant_path=tmp_path / "qdrant")
    store_qdrant.close_clients()


def test_same_passages_vectors_and_bm25_scores_as_faiss(tiny_settings, qdrant_settings, embedder):
    build_index(tiny_settings, embedder)
    report = build_index(qdrant_settings, embedder)
    assert report.chunks > 0 and report.sentences > 0
    f, q = load_index(tiny_settings), load_index(qdrant_settings)
    assert [c.id for c in q.chunks] == [c.id for c in f.chunks]
    assert np.array_equal(q.units, f.units)
    assert np.allclose(q.embeddings, f.embeddings, atol=1e-6)
    for query in ("astronaut stranded on Mars", "who directed Salt Wind", "lighthouse keeper storm friends"):
        assert np.allclose(q.lexical_scores(query), f.lexical_scores(query), rtol=1e-4, atol=1e-5)
        v = embedder.encode([query])[0]
        fd, qd = f.dense(v, 5), q.dense(v, 5)
        assert list(qd) == list(fd)
        assert all(abs(qd[c][0] - fd[c][0]) < 1e-5 and qd[c][1] == fd[c][1] for c in fd)
    assert index_status(qdrant_settings).ok


def test_incremental_build_replaces_only_the_changed_files_points(qdrant_settings, embedder):
    build_index(qdrant_settings, embedder)
    first = load_index(qdrant_settings)
    corpus = Path(qdrant_settings.corpus_dir)
    (corpus / "space.txt").write_text("Films About Space\n\n1. Red Dust\n\nA botanist on Mars talks to her plants.\n",
                                      encoding="utf-8")
    (corpus / "sea.txt").unlink()
    (corpus / "desert.txt").write_text("Films About Deserts\n\n1. Dry Well\n\nA boy digs a well in the desert.\n",
                                       encoding="utf-8")
    st = index_status(qdrant_settings)
    assert st.stale and any("changed since indexed: space.txt" in m for m in st.messages)
    report = build_index(qdrant_settings, embedder)
    assert (report.added, report.changed, report.removed) == (["desert.txt"], ["space.txt"], ["sea.txt"])
    idx = load_index(qdrant_settings)
    assert idx.collection == first.collection  # updated in place, by payload filter
    assert sorted({c.file for c in idx.chunks}) == ["desert.txt", "space.txt"]
    assert not any("potatoes" in c.text for c in idx.chunks)
    top = int(np.argmax(idx.lexical_scores("botanist plants")))
    assert "botanist" in idx.chunks[top].text
    assert index_status(qdrant_settings).ok
    full = build_index(qdrant_settings, embedder, full=True)
    assert load_index(qdrant_settings).collection == full.directory.name != first.collection  # alias switched
    client = store_qdrant.client_for(qdrant_settings)
    names = lambda: {c.name for c in client.get_collections().collections}  # noqa: E731
    assert first.collection in names()  # kept until the next full build: a running chat finishes on it
    again = build_index(qdrant_settings, embedder, full=True)
    assert names() == {full.directory.name, again.directory.name}


def test_a_second_build_is_refused_while_one_holds_the_lock(qdrant_settings, embedder):
    client = store_qdrant.client_for(qdrant_settings)
    with store_qdrant._Lock(client, qdrant_settings.qdrant_collection):
        with pytest.raises(IndexBusy, match="already building"):
            build_index(qdrant_settings, embedder)
    assert build_index(qdrant_settings, embedder).chunks > 0  # released


def test_eval_figures_match_faiss_on_a_subset(shipped_settings, tmp_path, embedder):
    """`filmchat eval --store qdrant` gives FAISS's figures (±0.01) on a third of each question set."""
    rows = []
    for name in ("questions.jsonl", "questions-blind.jsonl"):
        lines = [ln for ln in (ROOT / "examples" / name).read_text(encoding="utf-8").splitlines() if ln.strip()]
        rows += lines[::3]
    qs = tmp_path / "subset.jsonl"
    qs.write_text("\n".join(rows) + "\n", encoding="utf-8")
    qdrant = shipped_settings.replace(store="qdrant", qdrant_path=tmp_path / "qdrant")
    try:
        build_index(qdrant, embedder)
        figures = [run_eval(s, qs, curve=False, log=lambda m: None)["results"]["filmchat"]
                   for s in (shipped_settings, qdrant)]
    finally:
        store_qdrant.close_clients()
    f, q = figures
    compared = [k for k in f if "latency" not in k and isinstance(f[k], float)]
    assert len(compared) >= 5
    assert {k: q[k] for k in compared} == pytest.approx({k: f[k] for k in compared}, abs=0.01), json.dumps(
        {k: (f[k], q[k]) for k in compared})


def test_cli_status_reads_the_collection(qdrant_settings, embedder):
    from click.testing import CliRunner

    from filmchat.cli import main

    build_index(qdrant_settings, embedder)
    store_qdrant.close_clients()  # the CLI opens the local-mode folder itself
    args = ["status", "--store", "qdrant", "--corpus", str(qdrant_settings.corpus_dir),
            "--index-dir", str(qdrant_settings.index_dir)]
    result = CliRunner().invoke(main, args, env={"FILMCHAT_QDRANT_PATH": str(qdrant_settings.qdrant_path)})
    assert result.exit_code == 0 and "Qdrant collection filmchat" in result.output
