"""Shared fixtures: the real model loads once per run; the shipped corpus is indexed once, in a temp folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder():
    """The real packaged all-MiniLM-L6-v2, loaded once for the whole run."""
    from filmchat.embedding import Embedder

    e = Embedder()
    e.encode(["warm up"])
    return e


@pytest.fixture(scope="session")
def shipped_settings(tmp_path_factory):
    """Settings for the shipped corpus with the index in a temp folder (the project's index/ is left alone)."""
    from filmchat.settings import load_settings

    return load_settings(env={}, corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("shipped-index"))


@pytest.fixture(scope="session")
def shipped_composer(shipped_settings, embedder):
    from filmchat.lifecycle import open_composer

    return open_composer(shipped_settings, embedder=embedder, log=lambda m: None)


def write_corpus(folder: Path, files: dict[str, str | bytes]) -> Path:
    """A tiny corpus of the given files (text or raw bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return folder


TINY = {
    "sea.txt": (
        "Films About The Sea\n\n"
        "1. Blue Harbour\n\n"
        "Director: Ana Park\n\n"
        "Release date: May 1, 2019\n\n"
        "A lighthouse keeper rescues a drowning fisherman during a winter storm and they become friends.\n\n"
        "2. Salt Wind\n\n"
        "Director: Min Lee\n\n"
        "A young diver searches the reef for the pearl her grandmother lost decades ago.\n"
    ),
    "space.txt": (
        "Films About Space\n\n"
        "1. Red Dust\n\n"
        "Duration: 98 minutes\n\n"
        "An astronaut stranded on Mars grows potatoes to survive until a rescue ship arrives.\n\n"
        "Watch the trailer below:\n\n"
        "2. Quiet Orbit\n\n"
        "Two engineers repair a failing satellite while their families wait on Earth.\n"
    ),
}


@pytest.fixture()
def tiny_corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", TINY)


@pytest.fixture()
def tiny_settings(tmp_path, tiny_corpus):
    from filmchat.settings import load_settings

    return load_settings(env={}, corpus_dir=tiny_corpus, index_dir=tmp_path / "index")


def copy_corpus(dst: Path) -> Path:
    shutil.copytree(CORPUS, dst)
    return dst


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index_dir: Path, corpus: Path = CORPUS, extra_env: dict | None = None, args: tuple = ()):
    """`filmchat serve` in a subprocess on a free loopback port; returns (process, url) once it answers HTTP."""
    import subprocess
    import sys
    import time
    import urllib.request

    import tempfile

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    log = tempfile.TemporaryFile("w+", encoding="utf-8")  # a pipe nobody reads could fill and stall the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "filmchat.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--corpus", str(corpus), "--index-dir", str(index_dir), *args],
        stdout=log, stderr=subprocess.STDOUT, text=True, env=env,
    )
    proc.log = log
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"filmchat serve exited: {server_output(proc)}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("filmchat serve did not start in 180 s")


def server_output(proc) -> str:
    proc.log.seek(0)
    return proc.log.read()


def stop_server(proc) -> str:
    """Stops the server; returns everything it printed."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except Exception:  # noqa: BLE001
        proc.kill()
        proc.wait()
    out = server_output(proc)
    proc.log.close()
    return out


@pytest.fixture(scope="session")
def server(shipped_composer, shipped_settings):
    """The real chat app serving the shipped corpus (index built once by the session fixture)."""
    proc, url = start_server(shipped_settings.index_dir)
    yield url
    stop_server(proc)


def post_declared(url: str, path: str, length: int, body: bytes = b"") -> int:
    """POST that declares a body of ``length`` bytes and sends only ``body`` before reading the answer: what a
    server that refuses large bodies up front answers (sending it all would race the server closing)."""
    import http.client
    import urllib.parse

    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(length))
        conn.endheaders(body)
        return conn.getresponse().status
    finally:
        conn.close()
