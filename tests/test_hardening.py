"""Hardening: no file outside the corpus is ever read, malformed input is never answered, bad settings say so."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import TINY, write_corpus
from filmchat.corpus import read_corpus, scan_corpus


def test_a_symlink_to_a_file_or_folder_outside_the_corpus_is_never_read(tmp_path):
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "passwd.txt").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    corpus = write_corpus(tmp_path / "corpus", TINY)
    os.symlink(secret / "passwd.txt", corpus / "p.txt")
    os.symlink(secret, corpus / "linked")
    os.symlink(corpus / "sea.txt", corpus / "inside-link.txt")  # a link that stays inside is read
    docs, skipped = read_corpus(corpus)
    assert "root:x" not in "".join(d.text for d in docs)
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["p.txt"].startswith("symlink to outside the corpus")
    assert reasons["linked"].startswith("symlink to a folder")
    assert "inside-link.txt" in {d.path for d in docs}
    found, _ = scan_corpus(corpus)
    assert "p.txt" not in found


def test_a_file_name_with_a_newline_cannot_inject_a_line_into_index_output(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {**TINY, "evil\nindexed 99 files.txt": "\x00binary",
                                                "new\nline.txt": "Films\n\n1. Odd Name\n\nA cat sails to a far island.\n"})
    p = subprocess.run([sys.executable, "-m", "filmchat.cli", "index", "--corpus", str(corpus),
                        "--index-dir", str(tmp_path / "index")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = (p.stdout + p.stderr).splitlines()
    assert not any(line.startswith("indexed 99") or line.startswith("line.txt") for line in lines), lines
    assert "evil\\nindexed 99 files.txt" in p.stderr and "new\\nline.txt" in p.stdout
    # `status` lists a new or changed file by name too: the same escaping
    (corpus / "x\nindex matches the corpus (9 files).txt").write_text("Films\n\n1. Red Dust\n\nMars.\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "filmchat.cli", "status", "--corpus", str(corpus),
                        "--index-dir", str(tmp_path / "index")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and "new file not indexed: x\\nindex matches the corpus (9 files).txt" in p.stdout
    assert not any(line.startswith("index matches") for line in p.stdout.splitlines()), p.stdout


@pytest.mark.parametrize("question, history, says", [
    ("who directed it?", "which film is about a Korean adoptee?", "history must be a list"),
    (5, [], "the question must be text"),
    (None, [], "the question is missing"),
    ("who directed it?", [1, 2], "history item 1 must be text"),
    ("who directed it?", [{"x": 1}], "history item 1 must be text"),
    ("who directed it?", ["q"] * 51, "at most 50"),
    ("who directed it?", ["x" * 30_000], "more than 20,000 characters"),
])
def test_a_malformed_request_is_never_answered_as_a_question(shipped_composer, question, history, says):
    a = shipped_composer.ask(question, history)
    assert a.error and says in a.error and a.abstained and a.films == [] and a.citations == []


def test_the_chat_message_format_is_a_history(shipped_composer):
    history = [{"role": "user", "content": "which film is about a Korean adoptee?"},
               {"role": "assistant", "content": "**My Father** — …"}]
    a = shipped_composer.ask("what did the DNA test show?", history)
    assert not a.error and a.films[0] == "My Father"


def test_batch_answers_every_good_line_and_reports_each_bad_one(shipped_settings, tmp_path):
    import json

    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "1", "question": "who directed Hope?"}),
        "not json",
        json.dumps({"id": "3", "question": 5}),
        json.dumps({"id": "4", "question": "who directed it?", "history": "which film is about a Korean adoptee?"}),
        json.dumps(["a list"]),
        json.dumps({"id": "6", "question": "which film is about a Korean adoptee?"}),
    ]) + "\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "filmchat.cli", "ask", "--json", "--batch", str(batch), "--corpus",
                        str(shipped_settings.corpus_dir), "--index-dir", str(shipped_settings.index_dir)],
                       capture_output=True, text=True, timeout=300)
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert p.returncode == 0 and len(rows) == 6
    assert rows[0]["films"][0] == "Hope" and rows[5]["films"][0] == "My Father"
    assert all(r.get("error") and r["films"] == [] for r in rows[1:5])
    assert "4 lines" in p.stderr


def test_a_batch_file_that_is_not_utf8_gets_one_line(shipped_settings, tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_bytes(b'{"question": "caf\xe9"}\n')
    p = subprocess.run([sys.executable, "-m", "filmchat.cli", "ask", "--batch", str(batch), "--corpus",
                        str(shipped_settings.corpus_dir), "--index-dir", str(shipped_settings.index_dir)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and "not UTF-8" in p.stderr and "Traceback" not in p.stderr


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "filmchat.cli", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture()
def read_only_index(tmp_path):
    """A tiny corpus indexed, then changed, with its index folder mounted read-only (root only)."""
    corpus = write_corpus(tmp_path / "corpus", TINY)
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", str(corpus), "--index-dir", str(index)).returncode == 0
    (corpus / "new.txt").write_text("New Films\n\n1. Snow Line\n\nA skier is lost in an avalanche.\n", encoding="utf-8")
    mounted = subprocess.run(["mount", "--bind", str(index), str(index)], capture_output=True).returncode == 0 and \
        subprocess.run(["mount", "-o", "remount,ro,bind", str(index)], capture_output=True).returncode == 0
    if not mounted:
        subprocess.run(["umount", str(index)], capture_output=True)
        pytest.skip("cannot mount a read-only folder here (needs root)")
    yield corpus, index
    subprocess.run(["umount", str(index)], capture_output=True)


def test_a_read_only_index_folder_still_answers_from_the_last_good_index(read_only_index):
    corpus, index = read_only_index
    where = ["--corpus", str(corpus), "--index-dir", str(index)]
    p = run_cli("ask", "--json", "which film is about an astronaut on Mars?", *where)
    assert p.returncode == 0, p.stderr
    assert "Red Dust" in p.stdout and "warning: cannot write the index" in p.stderr and "Traceback" not in p.stderr
    p = run_cli("index", *where)
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "Read-only file system" in p.stderr
    p = run_cli("status", *where)
    assert p.returncode == 1 and "Traceback" not in p.stderr + p.stdout


def test_a_full_disk_leaves_the_last_good_index_answering(tmp_path):
    """The disk fills while the new build is written (not when the lock is taken): the same as read-only."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        corpus = write_corpus(tmp_path / "corpus", TINY)
        where = ["--corpus", str(corpus), "--index-dir", str(disk / "index")]
        assert run_cli("index", *where).returncode == 0
        with open(disk / "filler", "wb") as f:  # every byte that is left
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        (corpus / "new.txt").write_text("New Films\n\n1. Snow Line\n\nA skier is lost in an avalanche.\n",
                                        encoding="utf-8")
        p = run_cli("ask", "--json", "which film is about an astronaut on Mars?", *where)
        assert p.returncode == 0 and "Red Dust" in p.stdout, p.stderr
        assert "No space left on device" in p.stderr and "Traceback" not in p.stderr
        p = run_cli("index", *where)
        assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "No space left" in p.stderr
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_a_missing_corpus_with_an_intact_index_answers_with_a_warning(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", TINY)
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", str(corpus), "--index-dir", str(index)).returncode == 0
    corpus.rename(tmp_path / "moved")
    p = run_cli("ask", "which film is about an astronaut on Mars?", "--corpus", str(corpus), "--index-dir", str(index))
    assert p.returncode == 0 and "Red Dust" in p.stdout and "warning: corpus folder not found" in p.stderr


@pytest.mark.parametrize("env, says", [
    ({"FILMCHAT_CHUNK_CHARS": "0"}, "chunk size 0"),
    ({"FILMCHAT_CHUNK_CHARS": "-5"}, "chunk size -5"),
    ({"FILMCHAT_BACKEND": "gpu"}, "backend 'gpu'"),
    ({"FILMCHAT_ABSTAIN_THRESHOLD": "7"}, "abstain_threshold 7.0"),
    ({"FILMCHAT_PORT": "99999"}, "port 99999"),
])
def test_a_setting_that_cannot_work_is_refused_in_one_line(tmp_path, env, says):
    corpus = write_corpus(tmp_path / "corpus", TINY)
    p = subprocess.run([sys.executable, "-m", "filmchat.cli", "index", "--corpus", str(corpus), "--index-dir",
                        str(tmp_path / "index")], capture_output=True, text=True, timeout=60, env={**os.environ, **env})
    assert p.returncode == 1 and says in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_rebuild_is_not_offered_to_anonymous_users_beyond_loopback(shipped_composer, shipped_settings):
    from filmchat.ui import ChatApp, make_app, rebuild_allowed

    assert rebuild_allowed("127.0.0.1", None) and rebuild_allowed("::1", None) and rebuild_allowed("localhost", None)
    assert not rebuild_allowed("0.0.0.0", None) and not rebuild_allowed("192.0.2.7", None)
    assert rebuild_allowed("0.0.0.0", ("ann", "s3cret"))
    closed = make_app(ChatApp(shipped_composer, shipped_settings), may_rebuild=False).config
    assert "rebuild" not in {d.get("api_name") for d in closed["dependencies"]}
    assert "rebuild" in {d.get("api_name") for d in make_app(ChatApp(shipped_composer, shipped_settings)).config["dependencies"]}


def test_an_oversized_request_is_refused_before_it_is_read(server):
    from conftest import post_declared

    assert post_declared(server, "/gradio_api/queue/join", 2_000_000) == 413
    assert post_declared(server, "/gradio_api/queue/join", 20_000_000, b'{"data": ["x"') == 413


def test_uploads_are_refused(server):
    import httpx

    r = httpx.post(server + "gradio_api/upload", files={"files": ("a.txt", b"hello")}, timeout=30)
    assert r.status_code == 403 and "no uploads" in r.text


def test_a_port_in_use_is_one_line(shipped_settings):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        p = run_cli("serve", "--host", "127.0.0.1", "--port", str(port), "--corpus", str(shipped_settings.corpus_dir),
                    "--index-dir", str(shipped_settings.index_dir), timeout=300)
    assert p.returncode == 1 and f"cannot serve on 127.0.0.1:{port}" in p.stderr and "Traceback" not in p.stderr
    assert "port is in use" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_a_bad_host_is_one_line_before_anything_is_built(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", TINY)
    p = run_cli("serve", "--host", "no-such-host.invalid", "--port", "7860", "--corpus", str(corpus),
                "--index-dir", str(tmp_path / "index"), timeout=120)
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1
    assert "cannot serve on no-such-host.invalid:7860: 'no-such-host.invalid' is not an address" in p.stderr
    assert not (tmp_path / "index").exists()  # said before the index was built, not after


def test_a_queue_request_for_an_event_the_app_lacks_is_404_not_a_crash(server):
    import json
    import urllib.error
    import urllib.request

    req = urllib.request.Request(server + "gradio_api/queue/join", method="POST",
                                 data=json.dumps({"data": ["x", []], "fn_index": 999, "session_hash": "s"}).encode(),
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 404


def test_a_folder_in_place_of_current_is_healed_by_the_next_build(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", TINY)
    index = tmp_path / "index"
    where = ["--corpus", str(corpus), "--index-dir", str(index)]
    assert run_cli("index", *where).returncode == 0
    (index / "CURRENT").unlink()
    (index / "CURRENT").mkdir()
    p = run_cli("ask", "which film is about an astronaut on Mars?", *where)
    assert p.returncode == 0 and "Red Dust" in p.stdout, p.stderr
    assert (index / "CURRENT").is_file() and run_cli("status", *where).returncode == 0


def test_a_current_without_the_manifest_checksum_is_not_trusted(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", TINY)
    index = tmp_path / "index"
    where = ["--corpus", str(corpus), "--index-dir", str(index)]
    assert run_cli("index", *where).returncode == 0
    build = (index / "CURRENT").read_text().split()[0]
    (index / "CURRENT").write_text(build + "\n")  # what an older filmchat wrote: an edited manifest would pass
    p = run_cli("status", *where)
    assert p.returncode == 1 and "no manifest checksum" in p.stdout + p.stderr


def test_corpus_pointing_at_a_file_says_it_must_be_a_folder(tmp_path):
    f = tmp_path / "one.txt"
    f.write_text("hello", encoding="utf-8")
    p = run_cli("index", "--corpus", str(f), "--index-dir", str(tmp_path / "index"))
    assert p.returncode == 1 and "must be a folder" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_an_address_that_cannot_be_served_is_one_line(shipped_settings):
    p = run_cli("serve", "--host", "256.1.1.1", "--port", "7999", "--corpus", str(shipped_settings.corpus_dir),
                "--index-dir", str(shipped_settings.index_dir), timeout=120)
    assert p.returncode == 1 and "cannot serve on 256.1.1.1:7999" in p.stderr and "is not an address" in p.stderr
    assert "Traceback" not in p.stderr and "port in range" not in p.stderr
