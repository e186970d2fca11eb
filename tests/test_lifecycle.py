"""Index lifecycle: incremental and no-op rebuilds, stale and mismatched indexes, kills, corruption, locks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from filmchat.answer import open_composer
from filmchat.index import BuildLock, IndexBusy, IndexMismatch, build_index, index_status, load_index
from filmchat.settings import load_settings

from conftest import copy_corpus


def test_unchanged_corpus_rebuild_embeds_nothing_and_writes_nothing(tiny_settings, embedder):
    first = build_index(tiny_settings, embedder)
    again = build_index(tiny_settings, embedder)
    assert again.rebuilt is False and again.embedded == 0 and again.directory == first.directory
    assert "up to date" in again.summary()


def test_one_changed_or_added_file_embeds_only_its_chunks(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    space = tiny_settings.corpus_dir / "space.txt"
    space.write_text(space.read_text() + "\n3. Moon Garden\n\nA botanist plants a garden in a crater.\n")
    (tiny_settings.corpus_dir / "desert.txt").write_text("Desert Films\n\n1. Dune Sea\n\nA nomad guides a caravan.\n")
    r = build_index(tiny_settings, embedder)
    assert r.changed == ["space.txt"] and r.added == ["desert.txt"] and r.removed == []
    assert r.embedded == 3 + 1  # space.txt now has 3 chunks, desert.txt 1; sea.txt's 2 were reused
    assert "changed: space.txt" in r.summary() and "added: desert.txt" in r.summary()
    a = open_composer(tiny_settings, embedder=embedder, log=lambda m: None).ask("which film is about a garden on the moon?")
    assert a.films[0] == "Moon Garden"


def test_removed_file_disappears_from_answers(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    (tiny_settings.corpus_dir / "sea.txt").unlink()
    r = build_index(tiny_settings, embedder)
    assert r.removed == ["sea.txt"] and r.embedded == 0
    a = open_composer(tiny_settings, embedder=embedder, log=lambda m: None).ask("which film is about a lighthouse keeper?")
    assert "Blue Harbour" not in a.films and all(c.file != "sea.txt" for c in a.citations)


def test_full_rebuild_embeds_everything(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    assert build_index(tiny_settings, embedder, full=True).embedded == 4


def test_status_says_whether_the_index_matches(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    assert index_status(tiny_settings).ok
    (tiny_settings.corpus_dir / "new.txt").write_text("New\n\n1. Quiet Lake\n\nA swan.\n")
    st = index_status(tiny_settings)
    assert st.stale and not st.ok and any("new file not indexed: new.txt" in m for m in st.messages)
    other = tiny_settings.replace(chunk_chars=300)
    assert index_status(other).mismatch


def test_index_built_with_other_chunking_is_refused_with_the_way_out(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    with pytest.raises(IndexMismatch, match="filmchat index --full"):
        open_composer(tiny_settings.replace(chunk_chars=300), embedder=embedder, log=lambda m: None)


def test_corrupt_index_is_rebuilt_when_the_corpus_is_there(tiny_settings, embedder):
    report = build_index(tiny_settings, embedder)
    (report.directory / "vectors.faiss").write_bytes(b"garbage")
    logs = []
    composer = open_composer(tiny_settings, embedder=embedder, log=logs.append)
    assert any("corrupt" in m for m in logs)
    assert composer.ask("which film is about a lighthouse keeper?").films[0] == "Blue Harbour"


def test_second_build_at_once_gets_a_clear_message(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    with BuildLock(tiny_settings.index_dir):
        with pytest.raises(IndexBusy, match="already building"):
            build_index(tiny_settings, embedder, full=True)
        p = subprocess.run([sys.executable, "-m", "filmchat.cli", "index", "--full", "--corpus",
                            str(tiny_settings.corpus_dir), "--index-dir", str(tiny_settings.index_dir)],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode != 0 and "already building" in p.stderr and "Traceback" not in p.stderr
    assert len(load_index(tiny_settings).chunks) == 4


def test_killing_a_build_at_any_moment_leaves_the_previous_index_answering(tmp_path, embedder):
    corpus = copy_corpus(tmp_path / "corpus")
    settings = load_settings(env={}, corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index(settings, embedder)
    before = load_index(settings).directory
    cmd = [sys.executable, "-m", "filmchat.cli", "index", "--full", "--corpus", str(corpus), "--index-dir",
           str(settings.index_dir)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for delay in (0.3, 1.0, 2.0, 3.5, 5.0, 7.0):  # reading, loading the model, embedding, writing
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        index = load_index(settings)  # checksums verified: never a half-written index
        assert index.directory == before or index.manifest["chunks"] == 81
        composer = open_composer(settings, embedder=embedder, log=lambda m: None)
        assert composer.ask("which film is about a Korean adoptee?").films[0] == "My Father"
        before = index.directory
    # the next completed build cleans up what the killed ones left behind
    build_index(settings, embedder, full=True)
    leftovers = [p.name for p in settings.index_dir.iterdir() if p.name not in ("CURRENT", ".lock")]
    assert len(leftovers) == 1 and leftovers[0].startswith("build-")
