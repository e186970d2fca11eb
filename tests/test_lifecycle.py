"""Index lifecycle: incremental and no-op rebuilds, stale and mismatched indexes, kills, corruption, locks.

Real model, real FAISS, real `filmchat` processes where the behaviour is about processes
(SIGKILL, two builds at once, what the command prints and which libraries it loads).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from filmchat.lifecycle import open_composer
from filmchat.embedding import Embedder
from filmchat.build import build_index
from filmchat.index import BuildLock, IndexBusy, IndexCorrupt, IndexMismatch, index_status, load_index
from filmchat.settings import load_settings

from conftest import copy_corpus

FILMCHAT = [sys.executable, "-m", "filmchat.cli"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}
LANTERN = ("Films About Lanterns\n\n1. Paper Lantern\n\nDirector: Jun Seo\n\n"
           "A blind lantern maker teaches his granddaughter to build paper lanterns for the harvest festival.\n")


def quiet(_msg: str) -> None:
    pass


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*FILMCHAT, *args], capture_output=True, text=True, env=ENV, timeout=timeout)


def where(settings) -> list[str]:
    return ["--corpus", str(settings.corpus_dir), "--index-dir", str(settings.index_dir)]


def rows_of(index, file: str) -> np.ndarray:
    """The vectors of one file's sentences, in order."""
    ids = [i for i, c in enumerate(index.chunks) if c.file == file]
    return index.embeddings[np.isin(index.units[:, 0], ids)]


def leftovers(index_dir) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name not in ("CURRENT", ".lock"))


# ---------------------------------------------------------------- incremental rebuilds

def test_unchanged_corpus_rebuild_embeds_nothing_writes_nothing_and_loads_no_model(tiny_settings, embedder):
    first = build_index(tiny_settings, embedder)
    fresh = Embedder()  # not loaded yet: loading it would mean the no-op did model work
    again = build_index(tiny_settings, fresh)
    assert again.rebuilt is False and again.embedded == 0 and again.directory == first.directory
    assert fresh._model is None
    assert "up to date" in again.summary() and "2 files" in again.summary()
    assert leftovers(tiny_settings.index_dir) == [first.directory.name]


def test_unchanged_corpus_cli_imports_no_torch_faiss_or_model(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "filmchat.cli", "index", *where(tiny_settings)],
                       capture_output=True, text=True, env=ENV, timeout=60)
    assert p.returncode == 0 and "index up to date" in p.stdout, p.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}
    assert "numpy" in imported  # the check itself works
    for heavy in ("torch", "sentence_transformers", "transformers", "faiss", "gradio", "trafilatura"):
        assert heavy not in imported, f"{heavy} imported on the no-op path"


def test_one_changed_or_added_file_embeds_only_its_chunks(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    sea_before = rows_of(load_index(tiny_settings), "sea.txt")
    space = tiny_settings.corpus_dir / "space.txt"
    space.write_text(space.read_text() + "\n3. Moon Garden\n\nA botanist plants a garden in a crater.\n")
    (tiny_settings.corpus_dir / "desert.txt").write_text("Desert Films\n\n1. Dune Sea\n\nA nomad guides a caravan.\n")
    calls = []
    r = build_index(tiny_settings, embedder, on_progress=lambda done, total: calls.append((done, total)))
    assert r.changed == ["space.txt"] and r.added == ["desert.txt"] and r.removed == []
    assert r.embedded == 3 + 1 and r.reused == 2  # space.txt now has 3 chunks, desert.txt 1; sea.txt's 2 reused
    summary = r.summary()
    assert "changed: space.txt" in summary and "added: desert.txt" in summary and "embedded 4 chunks" in summary
    # progress counts exactly the sentences of the two files, from 0 to all of them
    index = load_index(tiny_settings)
    assert calls[0] == (0, r.sentences) and calls[-1] == (r.sentences, r.sentences)
    assert r.sentences == len(rows_of(index, "space.txt")) + len(rows_of(index, "desert.txt")) < len(index.units)
    assert np.array_equal(rows_of(index, "sea.txt"), sea_before)  # the unchanged file's vectors, reused as they were
    a = open_composer(tiny_settings, embedder=embedder, log=quiet).ask("which film is about a garden on the moon?")
    assert a.films[0] == "Moon Garden"


def test_removed_file_disappears_from_answers_without_loading_the_model(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    composer = open_composer(tiny_settings, embedder=embedder, log=quiet)
    assert composer.ask("which film is about a lighthouse keeper?").films[0] == "Blue Harbour"
    (tiny_settings.corpus_dir / "sea.txt").unlink()
    fresh = Embedder()
    r = build_index(tiny_settings, fresh)
    assert r.removed == ["sea.txt"] and r.embedded == 0 and "removed: sea.txt" in r.summary()
    assert fresh._model is None
    a = open_composer(tiny_settings, embedder=embedder, log=quiet).ask("which film is about a lighthouse keeper?")
    assert "Blue Harbour" not in a.films and all(c.file != "sea.txt" for c in a.citations)


def test_a_dropped_in_html_article_is_answerable_and_not_parsed_again_while_unchanged(tiny_settings, embedder,
                                                                                    monkeypatch):
    from filmchat import corpus as corpus_module

    build_index(tiny_settings, embedder)
    story = "A blind lantern maker teaches his granddaughter to build paper lanterns for the harvest festival."
    (tiny_settings.corpus_dir / "lanterns.html").write_text(
        f"<html><head><title>Films About Lanterns</title><script>track('SCRIPTSECRET')</script></head><body>"
        f"<nav><a href='/'>NAVSECRET Home</a></nav><article><h1>Films About Lanterns</h1><h2>1. Paper Lantern</h2>"
        f"<p>{story} {story}</p></article><footer>FOOTERSECRET</footer></body></html>")
    (tiny_settings.corpus_dir / "blank.html").write_text("<html><head><script>x()</script></head><body></body></html>")
    r = build_index(tiny_settings, embedder)
    assert r.added == ["lanterns.html"] and [s.path for s in r.skipped] == ["blank.html"]
    a = open_composer(tiny_settings, embedder=embedder, log=quiet).ask("which film is about a lantern maker?")
    assert a.films[0] == "Paper Lantern" and a.citations[0].file == "lanterns.html"
    assert not any(s in c.text for c in a.citations for s in ("SCRIPTSECRET", "NAVSECRET", "FOOTERSECRET", "<p>"))
    parsed = []
    monkeypatch.setattr(corpus_module, "html_to_text", lambda html: parsed.append(html) or "")
    again = build_index(tiny_settings, embedder)
    assert again.rebuilt is False and parsed == [] and [s.path for s in again.skipped] == ["blank.html"]
    assert index_status(tiny_settings).ok


def test_full_rebuild_embeds_everything_and_says_so(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    r = build_index(tiny_settings, embedder, full=True)
    assert r.embedded == 4 and r.reused == 0 and r.rebuilt
    assert r.added == r.changed == r.removed == []  # nothing changed in the corpus: the report does not pretend
    assert r.summary().startswith("full rebuild")


def test_cli_prints_added_changed_removed_chunks_and_seconds(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    d = tiny_settings.corpus_dir
    (d / "lantern.md").write_text(LANTERN)
    (d / "space.txt").write_text((d / "space.txt").read_text() + "\nThe crew finally comes home.\n")
    (d / "sea.txt").unlink()
    p = cli("index", *where(tiny_settings))
    assert p.returncode == 0, p.stderr
    out = p.stdout.strip()
    assert "added: lantern.md" in out and "changed: space.txt" in out and "removed: sea.txt" in out
    assert "embedded 3 chunks" in out and " s;" in out and len(out.splitlines()) == 1
    p = cli("index", *where(tiny_settings))
    assert p.returncode == 0 and p.stdout.startswith("index up to date: 2 files")


# ---------------------------------------------------------------- status, mismatch, stale code

def test_status_says_whether_the_index_matches(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    assert index_status(tiny_settings).ok
    p = cli("status", *where(tiny_settings))
    assert p.returncode == 0 and "index matches the corpus (2 files" in p.stdout
    (tiny_settings.corpus_dir / "new.txt").write_text("New\n\n1. Quiet Lake\n\nA swan.\n")
    st = index_status(tiny_settings)
    assert st.stale and not st.ok and any("new file not indexed: new.txt" in m for m in st.messages)
    p = cli("index", "--check", *where(tiny_settings))
    assert p.returncode == 1 and "new file not indexed: new.txt" in p.stdout and "filmchat index" in p.stdout
    assert index_status(tiny_settings.replace(chunk_chars=300)).mismatch
    p = subprocess.run([*FILMCHAT, "status", *where(tiny_settings)], capture_output=True, text=True, timeout=60,
                       env={**ENV, "FILMCHAT_CHUNK_CHARS": "300"})
    assert p.returncode == 1 and "chunking differs" in p.stdout and "index --full" in p.stdout


def test_index_built_with_another_model_is_refused_with_the_way_out(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    p = cli("ask", "which film is about a lighthouse keeper?", "--model", "some-org/other-model", *where(tiny_settings))
    assert p.returncode == 1 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert "model differs" in p.stderr and "filmchat index --full" in p.stderr and p.stdout == ""
    p = cli("status", "--model", "some-org/other-model", *where(tiny_settings))
    assert p.returncode == 1 and "model differs" in p.stdout


def test_index_built_with_other_chunking_is_refused_with_the_way_out(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    with pytest.raises(IndexMismatch, match="filmchat index --full"):
        open_composer(tiny_settings.replace(chunk_chars=300), embedder=embedder, log=quiet)


def test_index_made_by_other_chunking_code_is_stale_and_rebuilt(tiny_settings, embedder):
    report = build_index(tiny_settings, embedder)
    # what an index built before the chunking code changed looks like (CURRENT keeps its manifest's checksum)
    path = report.directory / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["pipeline"] = "0" * 16
    path.write_text(json.dumps(manifest))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (tiny_settings.index_dir / "CURRENT").write_text(f"{report.directory.name} {digest}\n")
    st = index_status(tiny_settings)
    assert st.stale and not st.mismatch and any("chunks articles changed" in m for m in st.messages)
    r = build_index(tiny_settings, embedder)
    assert r.rebuilt and r.embedded == 4 and "rebuilt from scratch" in r.summary()
    assert index_status(tiny_settings).ok


# ---------------------------------------------------------------- corruption and leftovers

def test_corrupt_index_is_reported_and_rebuilt_when_the_corpus_is_there(tiny_settings, embedder):
    report = build_index(tiny_settings, embedder)
    faiss_file = report.directory / "vectors.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])  # truncated
    p = cli("status", *where(tiny_settings))
    assert p.returncode == 1 and "vectors.faiss is corrupt" in p.stdout and "filmchat index --full" in p.stdout
    logs = []
    composer = open_composer(tiny_settings, embedder=embedder, log=logs.append)  # what ask and serve do
    assert any("corrupt" in m for m in logs) and any("rebuilt from scratch" in m for m in logs)
    assert composer.ask("which film is about a lighthouse keeper?").films[0] == "Blue Harbour"


def test_serve_rebuilds_a_corrupt_index_and_serves(tiny_settings, embedder):
    from conftest import start_server, stop_server

    report = build_index(tiny_settings, embedder)
    faiss_file = report.directory / "vectors.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    proc, url = start_server(tiny_settings.index_dir, corpus=tiny_settings.corpus_dir)  # returns once it answers HTTP
    out = stop_server(proc)
    assert "vectors.faiss is corrupt" in out and "rebuilt from scratch" in out and "Traceback" not in out
    assert len(load_index(tiny_settings)) == 4


def test_flipped_byte_in_the_manifest_is_detected(tiny_settings, embedder):
    report = build_index(tiny_settings, embedder)
    path = report.directory / "manifest.json"
    data = bytearray(path.read_bytes())
    at = data.index(b'"chunks": 4') + len(b'"chunks": ')
    data[at] ^= 0x01  # still valid JSON: only the checksum in CURRENT can tell
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="manifest.json is corrupt.*filmchat index --full"):
        load_index(tiny_settings)
    r = build_index(tiny_settings, embedder)  # the plain command repairs it
    assert r.rebuilt and r.embedded == 4 and len(load_index(tiny_settings)) == 4


def test_every_build_removes_what_killed_builds_left_and_nothing_else(tiny_settings, embedder):
    first = build_index(tiny_settings, embedder)
    d = tiny_settings.index_dir
    (d / "build-20200101-000000-123-456").mkdir()  # a half-written build of a killed process
    (d / "build-20200101-000000-123-456" / "chunks.json").write_text("[")
    (d / ".CURRENT.123.tmp").write_text("build-20200101-000000-123-456\n")
    (d / "build-notes").mkdir()  # not ours: never touched
    r = build_index(tiny_settings, embedder)
    assert r.rebuilt is False  # even a no-op build cleans up
    assert leftovers(d) == [first.directory.name, "build-notes"]
    assert len(load_index(tiny_settings)) == 4


# ---------------------------------------------------------------- reloading a running chat

def test_a_running_chat_can_reload_the_new_index_without_a_restart(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    old = open_composer(tiny_settings, embedder=embedder, log=quiet)
    assert old.searcher.index.is_live()
    (tiny_settings.corpus_dir / "lantern.txt").write_text(LANTERN)
    build_index(tiny_settings, embedder)
    assert not old.searcher.index.is_live()  # what a UI polls to know it should reload
    assert not old.searcher.index.directory.exists()  # the old build's folder is gone ...
    assert old.ask("which film is about a lighthouse keeper?").films[0] == "Blue Harbour"  # ... it still answers
    new = open_composer(tiny_settings, embedder=embedder, build=False, log=quiet)
    assert new.searcher.index.is_live()
    assert new.ask("which film is about a lantern maker?").films[0] == "Paper Lantern"


# ---------------------------------------------------------------- two builds at once

def test_second_build_at_once_gets_a_clear_message_and_ask_answers_meanwhile(tmp_path, embedder, shipped_composer,
                                                                             shipped_settings):
    corpus = copy_corpus(tmp_path / "corpus")
    settings = load_settings(env={}, corpus_dir=corpus, index_dir=tmp_path / "index")
    shutil.copytree(shipped_settings.index_dir, settings.index_dir)  # the session's build of the same corpus
    (corpus / "lantern.txt").write_text(LANTERN)
    with BuildLock(settings.index_dir):
        with pytest.raises(IndexBusy, match="already building"):
            build_index(settings, embedder, full=True)
        # the index is stale but another build holds the lock: asking answers from the current index
        said = []
        meanwhile = open_composer(settings, embedder=embedder, log=said.append)
        assert meanwhile.ask("which film is about a Korean adoptee?").films[0] == "My Father"
        assert any("answering from the current one meanwhile" in m for m in said)
    # a full build of the shipped corpus takes seconds: long enough for a second one to start meanwhile
    first = subprocess.Popen([*FILMCHAT, "index", "--full", *where(settings)], env=ENV,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = settings.index_dir / ".lock"
    deadline = time.time() + 60
    while lock.read_text().strip() != str(first.pid) and time.time() < deadline:  # the first holds the lock
        time.sleep(0.01)
    second = cli("index", *where(settings))
    assert second.returncode == 1 and "Traceback" not in second.stderr
    assert f"already building {settings.index_dir} (pid {first.pid})" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert len(load_index(settings)) == 81  # the live index stays loadable meanwhile
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0 and "full rebuild" in out, err
    composer = open_composer(settings, embedder=embedder, build=False, log=quiet)
    assert composer.ask("which film is about a lantern maker?").films[0] == "Paper Lantern"
    assert index_status(settings).ok


# ---------------------------------------------------------------- SIGKILL at any moment

def _new_folder_seen(index_dir, live: str) -> bool:
    return any(n.startswith("build-") and n != live for n in os.listdir(index_dir))


def _seconds_until_writing(proc: subprocess.Popen, index_dir, live: str) -> float:
    """Let the build finish; return how long it took to start writing its new folder."""
    t0, seen = time.perf_counter(), None
    while proc.poll() is None:
        if seen is None and _new_folder_seen(index_dir, live):
            seen = time.perf_counter() - t0
        time.sleep(0.001)
    assert proc.returncode == 0 and seen is not None
    return seen


def _kill_when(proc: subprocess.Popen, index_dir, live: str, point: str | float) -> bool:
    """SIGKILL ``proc`` after ``point`` seconds, or as soon as its new build folder shows ``point``.

    Returns whether the process was still running when it was killed.
    """
    deadline = time.time() + 90
    while proc.poll() is None and time.time() < deadline:
        if isinstance(point, float):
            time.sleep(point)
            break
        names = [n for n in os.listdir(index_dir) if n.startswith("build-") and n != live]
        if point == "switched":
            if (index_dir / "CURRENT").read_text().split()[0] != live:
                break
        elif names and (point == "folder" or any((index_dir / n / point).exists() for n in names)):
            break
        time.sleep(0.0005)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return alive


def test_killing_a_build_at_any_moment_leaves_an_index_that_loads_and_answers(tmp_path, embedder, shipped_composer,
                                                                             shipped_settings):
    corpus = copy_corpus(tmp_path / "corpus")
    settings = load_settings(env={}, corpus_dir=corpus, index_dir=tmp_path / "index")
    shutil.copytree(shipped_settings.index_dir, settings.index_dir)  # the session's build of the same corpus
    index_dir, cmd = settings.index_dir, [*FILMCHAT, "index", *where(settings)]
    big, lantern = corpus / "true-stories-behind-korean-films.txt", corpus / "lantern.txt"
    original = big.read_text()

    def change(n: int) -> None:
        """Work for an embedding build: the longest article (30 chunks) changed, lantern.txt added."""
        big.write_text(original + f"\nA note added on visit {n}.\n")
        lantern.write_text(LANTERN)

    def live() -> str:
        return (index_dir / "CURRENT").read_text().split()[0]

    def check_answers(switched_to_lantern: bool | None) -> None:
        load_index(settings)  # every checksum verified: never a half-written index
        composer = open_composer(settings, embedder=embedder, build=False, log=quiet)
        assert composer.ask("which film is about a Korean adoptee?").films[0] == "My Father"
        if switched_to_lantern is not None:
            assert ("Paper Lantern" in composer.ask("which film is about a lantern maker?").films) == switched_to_lantern

    # One complete build, timed, so that the kills below land before writing on any machine.
    change(0)
    before = live()
    writing = _seconds_until_writing(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=ENV), index_dir, before)
    assert live() != before
    check_answers(True)
    orphans = 0
    # Starting up, loading the model, embedding: builds that embed, killed at fractions of that time.
    for n, fraction in enumerate((0.1, 0.45, 0.8), 1):
        for attempt in range(3):  # a machine less loaded than when timed finishes early: kill sooner next time
            change(10 * n + attempt)
            before = live()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
            if _kill_when(proc, index_dir, before, fraction * writing * 0.5 ** attempt):
                break
        else:
            pytest.fail(f"three builds finished before being killed at {fraction} of their time")
        check_answers(True)  # the previous index (or, had it got that far, the new one: both hold lantern.txt)
    # Writing: a build that only drops lantern.txt reaches it within a second; killed as each artifact appears.
    change(0)
    lantern.unlink()
    for point in ("folder", "vectors.faiss", "manifest.json", "switched"):
        before = live()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        assert _kill_when(proc, index_dir, before, point), f"the build had finished before {point!r}"
        switched = live() != before
        assert switched == (point == "switched")
        orphans += sum(1 for p in leftovers(index_dir) if p != live())
        check_answers(not switched)
    assert orphans >= 2  # some kills really landed mid-write, leaving a half-written folder behind
    # The next build finishes and removes what the killed ones left behind.
    change(9)
    p = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=120)
    assert p.returncode == 0 and "added: lantern.txt" in p.stdout, p.stderr
    assert leftovers(index_dir) == [live()] and index_status(settings).ok
    check_answers(True)
