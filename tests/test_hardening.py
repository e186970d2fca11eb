"""Issue 12's attack run, reproduced: every defect it found, proven fixed.

Files outside the corpus are never read; malformed requests are refused, never answered;
an intact index answers when its folder cannot be written or the corpus is gone; the web
server refuses oversized bodies, uploads, unknown events, anonymous rebuilds from afar and
password guessing; the CLI says one line and exits 1 where it used to print a traceback.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import TINY, start_server, stop_server, write_corpus
from filmchat.settings import SettingsError, load_settings
from filmchat.validation import BadInput, check_history, check_question

FILMCHAT = [sys.executable, "-m", "filmchat.cli"]
SECRET = "Films\n\n1. Leaked Secret\n\nThe vault password is swordfish and the root shell is bash.\n"


def run(*args, timeout=120, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*FILMCHAT, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def where(settings) -> tuple[str, ...]:
    return "--corpus", str(settings.corpus_dir), "--index-dir", str(settings.index_dir)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


# ---------------------------------------------------------------- 1. no file outside the corpus is read

def test_links_to_a_file_or_folder_outside_the_corpus_are_skipped_and_never_indexed(tiny_settings, embedder):
    from filmchat.answer import open_composer
    from filmchat.index import build_index

    outside = write_corpus(tiny_settings.corpus_dir.parent / "outside", {"secret.txt": SECRET,
                                                                         "more/secret2.txt": SECRET})
    corpus = tiny_settings.corpus_dir
    (corpus / "p.txt").symlink_to(outside / "secret.txt")
    (corpus / "folder").symlink_to(outside / "more", target_is_directory=True)
    (corpus / "inside.txt").symlink_to(corpus / "sea.txt")  # a link that stays inside is read
    os.mkfifo(corpus / "pipe.txt")
    report = build_index(tiny_settings, embedder)
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["p.txt"] == "symlink to outside the corpus"
    assert reasons["folder"] == "symlink to outside the corpus (a folder)"
    assert reasons["pipe.txt"] == "not a regular file"
    composer = open_composer(tiny_settings, embedder=embedder, build=False)
    assert {c.file for c in composer.searcher.index.chunks} == {"inside.txt", "sea.txt", "space.txt"}
    a = composer.ask("what is the vault password?")
    assert "swordfish" not in a.text and all(c.file != "p.txt" for c in a.citations)


def test_a_link_to_outside_in_the_index_command_output(tiny_settings):
    (tiny_settings.corpus_dir / "p.txt").symlink_to("/etc/passwd")
    p = run("index", *where(tiny_settings))
    assert p.returncode == 0 and "skipped p.txt: symlink to outside the corpus" in p.stderr
    assert "root:" not in (tiny_settings.index_dir / "CURRENT").parent.joinpath(
        (tiny_settings.index_dir / "CURRENT").read_text().split()[0], "chunks.json").read_text()


# ---------------------------------------------------------------- 2. one validation layer

def test_malformed_questions_and_histories_are_refused_with_what_is_wrong():
    s = load_settings(env={})
    for bad, says in [(5, "not a number"), (None, "not null"), ({"q": 1}, "not an object")]:
        with pytest.raises(BadInput, match=says):
            check_question(bad, s)
    with pytest.raises(BadInput, match="limit is 200000"):
        check_question("x" * 200_001, s)
    assert check_question("lighthouse " * 10_000, s)  # long, but under the limit: answered (cut) as before
    with pytest.raises(BadInput, match="list of earlier questions, not a string"):
        check_history("which film is about a Korean adoptee?", s)  # once split into single characters
    for bad, says in [([1], "item 1 .* not a number"), (["ok", {"a": 2}], "item 2 .* not an object"), ([None], "null")]:
        with pytest.raises(BadInput, match=says):
            check_history(bad, s)
    with pytest.raises(BadInput, match="10000 turns; the limit is 100"):
        check_history(["q"] * 10_000, s)
    with pytest.raises(BadInput, match="limit is 100000"):
        check_history(["x" * 60_000, "y" * 60_000], s)
    assert check_history(None, s) == [] and check_history(("a", "b"), s) == ["a", "b"]
    chat = [{"role": "user", "content": "which film is about a Korean adoptee?"},
            {"role": "assistant", "content": "**My Father** …"}, {"role": "user", "content": [{"text": "who?"}]}]
    assert check_history(chat, s) == ["which film is about a Korean adoptee?", "who?"]


def test_batch_answers_good_lines_and_gives_each_bad_line_an_error_object(shipped_composer, shipped_settings, tmp_path):
    lines = ['{"question": 5, "id": "n"}', "null",
             '{"question": "who directed it?", "history": "which film is about a Korean adoptee?"}',
             '{"question": "who directed Hope?", "id": "ok"}', '{"question": "x", "history": [1, {"a": 2}]}',
             "not json", '{"question": "who directed Train to Busan?", "id": "ok2"}']
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = run("ask", "--batch", batch, *where(shipped_settings))
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert p.returncode == 1 and len(out) == 7 and "Traceback" not in p.stderr
    assert out[0] == {"id": "n", "line": 1, "error": "the question must be a string, not a number"}
    assert "list of earlier questions, not a string" in out[2]["error"] and "answer" not in out[2]
    assert out[3]["id"] == "ok" and "Lee Joon-Ik" in out[3]["answer"]
    assert "item 1" in out[4]["error"] and "not JSON" in out[5]["error"]
    assert out[6]["id"] == "ok2" and "Yeon Sang-Ho" in out[6]["answer"]  # lines after bad ones still answered
    assert p.stderr.count(f"error: {batch}:") == 5


def test_a_batch_file_that_is_not_utf8_is_one_line(shipped_composer, shipped_settings, tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_bytes(b'\xff\xfe{"question": "x"}\n')
    p = run("ask", "--batch", batch, *where(shipped_settings))
    assert p.returncode == 1 and "is not UTF-8" in one_line(p.stderr)


# ---------------------------------------------------------------- 3. an intact index answers

def _mount(target: Path, *options: str) -> bool:
    return subprocess.run(["mount", *options, str(target), str(target)] if options[0] == "--bind" else
                          ["mount", *options, str(target)], capture_output=True).returncode == 0


@pytest.fixture()
def read_only(tmp_path):
    """Makes a folder read-only for real: a read-only bind mount as root, mode 555 otherwise."""
    made = []

    def make(folder: Path):
        if os.geteuid() != 0:
            folder.chmod(0o555)
            made.append(("chmod", folder))
            return
        if not (_mount(folder, "--bind") and _mount(folder, "-o", "remount,bind,ro")):
            pytest.skip("cannot make a read-only mount here")
        made.append(("mount", folder))

    yield make
    for how, folder in made:
        if how == "mount":
            subprocess.run(["umount", str(folder)], check=False)
        else:
            folder.chmod(0o755)


def test_a_read_only_index_folder_still_answers_and_index_says_one_line(tiny_settings, embedder, read_only):
    from filmchat.index import build_index

    build_index(tiny_settings, embedder)
    write_corpus(tiny_settings.corpus_dir, {"bees.txt": "Bee Films\n\n1. Honey Hills\n\nAn old beekeeper.\n"})
    read_only(tiny_settings.index_dir)
    p = run("ask", "which film is about an astronaut on Mars?", *where(tiny_settings))
    assert p.returncode == 0 and "Red Dust" in p.stdout and "Traceback" not in p.stderr
    assert "warning: cannot write the index folder" in p.stderr and "answering from it" in p.stderr
    p = run("index", *where(tiny_settings))
    assert p.returncode == 1
    assert one_line(p.stderr).startswith("error: cannot write the index folder") and "unchanged" in p.stderr
    p = run("status", *where(tiny_settings))
    assert p.returncode == 1 and "new file not indexed: bees.txt" in p.stdout and "Traceback" not in p.stderr


def test_serve_starts_on_a_read_only_index_folder(tiny_settings, embedder, read_only):
    from gradio_client import Client

    from filmchat.index import build_index

    build_index(tiny_settings, embedder)
    write_corpus(tiny_settings.corpus_dir, {"bees.txt": "Bee Films\n\n1. Honey Hills\n\nAn old beekeeper.\n"})
    read_only(tiny_settings.index_dir)
    proc, url = start_server(tiny_settings.index_dir, corpus=tiny_settings.corpus_dir)
    try:
        assert "Red Dust" in Client(url, verbose=False).predict("which film is about an astronaut on Mars?",
                                                                api_name="/chat")
    finally:
        out = stop_server(proc)
    assert "warning: cannot write the index folder" in out and "Traceback" not in out


def test_a_full_disk_leaves_the_last_good_index_answering(tmp_path, embedder):
    from filmchat.index import build_index

    if os.geteuid() != 0:
        pytest.skip("a small filesystem to fill needs root (mount -t tmpfs)")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        settings = load_settings(env={}, corpus_dir=write_corpus(tmp_path / "corpus", TINY), index_dir=disk / "index")
        build_index(settings, embedder)
        (disk / "filler").write_bytes(b"")
        with open(disk / "filler", "ab") as f:  # fill every byte that is left
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        write_corpus(settings.corpus_dir, {"bees.txt": "Bee Films\n\n1. Honey Hills\n\nAn old beekeeper.\n"})
        p = run("ask", "which film is about an astronaut on Mars?", *where(settings))
        assert p.returncode == 0 and "Red Dust" in p.stdout, p.stderr
        assert "No space left on device" in p.stderr and "Traceback" not in p.stderr
        p = run("index", *where(settings))
        assert p.returncode == 1 and "No space left on device" in one_line(p.stderr)
        assert run("ask", "which film is about an astronaut on Mars?", *where(settings)).returncode == 0
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_missing_corpus_with_an_intact_index_answers_with_a_warning(tiny_settings, embedder):
    import shutil

    from filmchat.index import build_index

    build_index(tiny_settings, embedder)
    shutil.rmtree(tiny_settings.corpus_dir)
    p = run("ask", "which film is about an astronaut on Mars?", *where(tiny_settings))
    assert p.returncode == 0 and "Red Dust" in p.stdout
    assert one_line(p.stderr).startswith("warning: corpus folder not found") and "2 files it was built from" in p.stderr
    p = run("status", *where(tiny_settings))
    assert p.returncode == 1 and "corpus folder not found" in one_line(p.stdout)


# ---------------------------------------------------------------- 5. settings are checked when built

def test_bad_settings_are_one_line_and_chunk_size_zero_does_not_hang(tiny_settings):
    for env, says in [({"FILMCHAT_CHUNK_CHARS": "0"}, "FILMCHAT_CHUNK_CHARS must be a whole number above 20"),
                      ({"FILMCHAT_CHUNK_CHARS": "-5"}, "above 20, not -5"),
                      ({"FILMCHAT_ABSTAIN_THRESHOLD": "nan"}, "FILMCHAT_ABSTAIN_THRESHOLD must be a number"),
                      ({"FILMCHAT_BACKEND": "gpu"}, "FILMCHAT_BACKEND must be onnx or torch"),
                      ({"FILMCHAT_PORT": "70000"}, "from 1 to 65535")]:
        p = run("index", *where(tiny_settings), env=env, timeout=60)
        assert p.returncode == 1 and says in one_line(p.stderr), (env, p.stderr)
    with pytest.raises(SettingsError, match="FILMCHAT_QUEUE_SIZE"):
        load_settings(env={"FILMCHAT_QUEUE_SIZE": "0"})


# ---------------------------------------------------------------- 7. one clear line, the right exit code

def test_serve_with_the_port_in_use_or_a_bad_host_is_one_line(tiny_settings):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        p = run("serve", "--port", port, *where(tiny_settings), timeout=60)
    assert p.returncode == 1 and f"port {port} is already in use" in one_line(p.stderr)
    assert "GRADIO_SERVER_PORT" not in p.stderr
    p = run("serve", "--host", "no-such-host.invalid", *where(tiny_settings), timeout=60)
    assert p.returncode == 1 and "cannot listen on --host" in one_line(p.stderr)


def test_a_newline_in_a_file_name_cannot_inject_a_line_into_index_output(tiny_settings):
    write_corpus(tiny_settings.corpus_dir, {"x\nindexed 999 files.txt": "Films\n\n1. Red Dust\n\nMars potatoes.\n",
                                            "bad\nskipped.txt": b"\xff\xfe\x00"})
    p = run("index", *where(tiny_settings))
    assert p.returncode == 0
    assert one_line(p.stdout).startswith("indexed 3 files") and "x\\nindexed 999 files.txt" in p.stdout
    assert one_line(p.stderr) == "skipped bad\\nskipped.txt: UTF-16 text, not UTF-8; convert it with e.g. " \
                                 "`iconv -f utf-16 -t utf-8`"
    p = run("status", *where(tiny_settings))
    assert "indexed 999" not in "".join(p.stdout.splitlines()[1:])


def test_a_corpus_that_is_a_file_is_named_as_such(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello", encoding="utf-8")
    p = run("index", "--corpus", f, "--index-dir", tmp_path / "idx")
    assert p.returncode == 1 and "is a file, not a folder of articles" in one_line(p.stderr)


def test_current_replaced_by_a_folder_is_healed(tiny_settings, embedder):
    import shutil

    from filmchat.answer import open_composer
    from filmchat.index import build_index, index_status

    build_index(tiny_settings, embedder)
    current = tiny_settings.index_dir / "CURRENT"
    current.unlink()
    (current / "junk").mkdir(parents=True)
    st = index_status(tiny_settings)
    assert not st.ok and "is a folder" in st.messages[0]
    p = run("status", *where(tiny_settings))
    assert p.returncode == 1 and "is a folder" in one_line(p.stdout)
    composer = open_composer(tiny_settings, embedder=embedder, log=lambda m: None)  # what ask and serve do
    assert current.is_file() and index_status(tiny_settings).ok
    assert "Red Dust" in composer.ask("which film is about an astronaut on Mars?").text
    shutil.rmtree(tiny_settings.index_dir)
    (tiny_settings.index_dir / "CURRENT").mkdir(parents=True)
    assert run("index", *where(tiny_settings)).returncode == 0 and current.is_file()


def test_an_old_style_current_without_a_checksum_is_not_trusted(tiny_settings, embedder):
    from filmchat.answer import open_composer
    from filmchat.index import build_index, index_status

    report = build_index(tiny_settings, embedder)
    manifest = report.directory / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"]["sea.txt"] = "0" * 64  # edited: would have passed as "index matches"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    (tiny_settings.index_dir / "CURRENT").write_text(f"{report.directory.name}\n", encoding="utf-8")
    st = index_status(tiny_settings)
    assert not st.ok and "has no checksum" in st.messages[0]
    open_composer(tiny_settings, embedder=embedder, log=lambda m: None)
    assert len((tiny_settings.index_dir / "CURRENT").read_text().split()) == 2 and index_status(tiny_settings).ok


# ---------------------------------------------------------------- 4, 6, 7: the HTTP surface

@pytest.fixture(scope="module")
def open_server(shipped_composer, shipped_settings):
    """The chat without a password, with its log (the session `server` fixture hides it)."""
    proc, url = start_server(shipped_settings.index_dir)
    yield url, proc
    stop_server(proc)


def post(url: str, body: bytes | None = None, headers: dict | None = None, chunks=None) -> tuple[int, str]:
    import httpx

    try:
        r = httpx.post(url, content=chunks if chunks is not None else body, timeout=60,
                       headers={"Content-Type": "application/json", **(headers or {})})
        return r.status_code, r.text
    except httpx.HTTPError as e:  # a server may close the connection on a body it refused
        return 0, str(e)


def test_oversized_bodies_uploads_and_unknown_events_are_refused(open_server):
    from gradio_client import Client

    url, proc = open_server
    status, text = post(url + "gradio_api/queue/join", b"x" * 3_000_000)
    assert status == 413 and "over 2000000 bytes" in text
    status, text = post(url + "gradio_api/queue/join", chunks=(b"x" * 100_000 for _ in range(30)))
    assert status in (413, 0)  # chunked: refused once 2 MB have arrived
    import httpx

    r = httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", b"hello")}, timeout=30)
    assert r.status_code == 403 and "no uploads" in r.text
    status, text = post(url + "gradio_api/queue/join",
                        json.dumps({"data": ["hi"], "fn_index": 999, "session_hash": "x"}).encode())
    assert status == 422 and "unknown fn_index 999" in text
    status, text = post(url + "gradio_api/call/v2/chat", json.dumps({"data": 1}).encode())
    assert status == 400
    assert "Yeon Sang-Ho" in Client(url, verbose=False).predict("who directed Train to Busan?", api_name="/chat")
    from conftest import server_output

    assert "Traceback" not in server_output(proc)


def test_the_api_refuses_malformed_requests_instead_of_answering_them(open_server):
    from gradio_client import Client

    client = Client(open_server[0], verbose=False)
    for args, says in [(("who directed it?", "which film is about a Korean adoptee?"), "not a string"),
                       ((5, None), "must be a string, not a number"), ((None, None), "not null"),
                       (("who directed it?", [1, {"a": 2}]), "item 1"),
                       (("who directed Hope?", ["q"] * 10_000), "10000 turns")]:
        with pytest.raises(Exception, match=says):  # noqa: B017 - gradio_client's AppError carries the message
            client.predict(*args, api_name="/chat")
    assert client.predict("when was it released?", ["Which film is about an autistic marathon runner?"],
                          api_name="/chat").startswith("**Marathon** was released in 2005")


def call_rebuild(url: str, headers: dict) -> str:
    import httpx

    r = httpx.post(url + "gradio_api/call/v2/rebuild", json={}, headers=headers, timeout=30)
    r.raise_for_status()
    with httpx.stream("GET", url + f"gradio_api/call/v2/rebuild/{r.json()['event_id']}", timeout=120) as s:
        return "".join(s.iter_lines())


def test_rebuild_is_refused_to_visitors_from_afar_without_a_password(open_server):
    from filmchat.ui import ChatApp

    # through a proxy (a forwarded request) the caller is not this machine
    assert "Rebuilding is off for visitors" in call_rebuild(open_server[0], {"X-Forwarded-For": "203.0.113.9"})
    app = ChatApp.__new__(ChatApp)
    app.settings = load_settings(env={})
    assert app.may_rebuild("127.0.0.1", {}) and app.may_rebuild("::1", {})  # the local Rebuild button
    assert not app.may_rebuild("192.168.1.20", {}) and not app.may_rebuild("127.0.0.1", {"x-forwarded-for": "1.2.3.4"})
    app.settings = load_settings(env={}, auth="ann:s3cret")
    assert app.may_rebuild("192.168.1.20", {})  # logged in: Gradio let them through


def test_failed_logins_are_throttled(shipped_composer, shipped_settings):
    import httpx

    proc, url = start_server(shipped_settings.index_dir, args=("--auth", "ann:s3cret"))
    try:
        codes = [httpx.post(url + "login", data={"username": "ann", "password": f"guess{i}"}, timeout=30).status_code
                 for i in range(7)]
        assert codes[:5] == [400] * 5 and codes[5:] == [429, 429], codes
        r = httpx.post(url + "login", data={"username": "ann", "password": "s3cret"}, timeout=30)
        assert r.status_code == 429  # even the right password waits out the window
    finally:
        stop_server(proc)


def test_the_lock_message_always_names_the_holder(tiny_settings):
    from filmchat.index import BuildLock

    tiny_settings.index_dir.mkdir()
    with BuildLock(tiny_settings.index_dir):
        assert (tiny_settings.index_dir / ".lock").read_text() == f"{os.getpid()}\n"
        p = run("index", *where(tiny_settings))
    assert p.returncode == 1 and f"(pid {os.getpid()})" in one_line(p.stderr)
    assert (tiny_settings.index_dir / ".lock").read_text() == ""  # released: no stale pid to name
