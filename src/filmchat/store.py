"""The index folder on disk: which build is live, checksums, atomic writes and the build lock.

Layout of ``index_dir``::

    CURRENT              "<build folder> <sha256 of its manifest.json>": the live build (switched with os.replace)
    build-<time>-<pid>/  manifest.json, chunks.json, units.npy, embeddings.npy, duplicates.npy, films.json, films.npz,
                         catalog.json, vectors.faiss, bm25/
    .lock                held while a build runs, so two builds never write at once

A build writes a complete new folder beside the live one, fsyncs it, then replaces
CURRENT: killing a build at any moment leaves the previous index loadable, and the
next build removes what a killed one left behind. The manifest's sha256 is in
CURRENT and every artifact's sha256 is in the manifest, all checked on load, so a
flipped byte or a truncated file is reported instead of answering from garbage.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path

# Bump when a build folder holds other files or reads them differently: an index of another format is rebuilt.
# 2: duplicates.npy (near-duplicate passages, computed at build instead of at every start-up)
# 3: films.json, films.npz, catalog.json (the film table and the catalog, tables.py: made at build, not at start-up)
FORMAT = 3
ARTIFACTS = ("chunks.json", "units.npy", "embeddings.npy", "duplicates.npy", "films.json", "films.npz", "catalog.json",
             "vectors.faiss", "bm25/params.index.json", "bm25/vocab.index.json",
             "bm25/data.csc.index.npy", "bm25/indices.csc.index.npy", "bm25/indptr.csc.index.npy")
BUILD_NAME = re.compile(r"build-\d{8}-\d{6}-\d+-\d+")  # only folders named like this are ever deleted
REBUILD = "rebuild with `filmchat index --full`"
REBUILD_FOR = "rebuild with `filmchat index --full` run with these same settings (flags or FILMCHAT_* variables)"


class IndexProblem(Exception):
    """Base for index problems; the message is one line that says the way out."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    """Built with another model or chunking than the settings ask for."""


class IndexBusy(IndexProblem):
    pass


class IndexUnwritable(IndexProblem):
    """The index folder cannot be written (read-only, full disk, no permission)."""


# ---------------------------------------------------------------- small file helpers

def require(module: str, install: str):
    """An optional dependency, or an IndexProblem saying how to install it (``install``)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise IndexProblem(install) from e


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make a folder's entries (new names, renames) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    for d in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        _fsync_dir(d)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    if path.is_dir() and not path.is_symlink():  # a folder where CURRENT belongs (hand-made damage): heal it
        shutil.rmtree(path)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class BuildLock:
    """An exclusive, non-blocking lock on index_dir/.lock (released by the OS if the build dies)."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / ".lock"
        self.fd: int | None = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = ""
            for _ in range(20):  # the holder writes its pid just after taking the lock
                holder = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip()
                if holder:
                    break
                time.sleep(0.01)
            os.close(self.fd)
            if e.errno in (errno.EAGAIN, errno.EACCES):
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise IndexBusy(f"another `filmchat index` is already building {self.path.parent}{who}; "
                                "wait for it to finish, then run it again") from e
            raise
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)  # who holds it, for the message above
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


# ---------------------------------------------------------------- what is live, and is it intact

def _read_current(index_dir: Path) -> tuple[Path, str | None] | None:
    """The live build folder and its manifest's sha256 (None in CURRENT files from before it was recorded)."""
    try:
        fields = (Path(index_dir) / "CURRENT").read_text(encoding="utf-8").split()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise IndexCorrupt(f"{index_dir}/CURRENT is unreadable ({e}); {REBUILD}") from e
    if len(fields) == 1 and BUILD_NAME.fullmatch(fields[0]):
        # written before CURRENT held the manifest's checksum: an edited manifest would pass unnoticed
        raise IndexCorrupt(f"{index_dir}/CURRENT has no manifest checksum (an older filmchat wrote it); {REBUILD}")
    if not (len(fields) == 2 and BUILD_NAME.fullmatch(fields[0]) and re.fullmatch(r"[0-9a-f]{64}", fields[1])):
        raise IndexCorrupt(f"{index_dir}/CURRENT is damaged; {REBUILD}")
    return Path(index_dir) / fields[0], fields[1]


def _live(index_dir: Path) -> tuple[Path, dict] | None:
    """The live build and its manifest, checked against the digest in CURRENT; None when there is no index."""
    current = _read_current(index_dir)
    if current is None:
        return None
    build, digest = current
    path = build / "manifest.json"
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IndexCorrupt(f"index manifest {path} is unreadable ({e.strerror or e}); {REBUILD}") from e
    if digest and hashlib.sha256(raw).hexdigest() != digest:
        raise IndexCorrupt(f"index manifest {path} is corrupt (checksum mismatch); {REBUILD}")
    try:
        manifest = json.loads(raw)
    except ValueError as e:
        raise IndexCorrupt(f"index manifest {path} is unreadable ({e}); {REBUILD}") from e
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"index manifest {path} is damaged; {REBUILD}")
    return build, manifest


def _verify(build: Path, manifest: dict) -> None:
    """Every artifact is there with the sha256 the manifest recorded."""
    digests = manifest.get("artifacts") or {}
    for name in ARTIFACTS:
        path = build / name
        if name not in digests or not path.is_file():
            raise IndexCorrupt(f"index file {path} is missing; {REBUILD}")
        if sha256_file(path) != digests[name]:
            raise IndexCorrupt(f"index file {path} is corrupt (checksum mismatch); {REBUILD}")


def _remove_leftovers(index_dir: Path) -> None:
    """Build folders CURRENT does not name (older builds, or what a killed build left) and CURRENT temp files."""
    try:
        current = _read_current(index_dir)
    except IndexProblem:
        current = None
    live = current[0].name if current else None
    for p in index_dir.iterdir():
        if p.name != live and BUILD_NAME.fullmatch(p.name) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(".CURRENT.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)


def current_stamp(index_dir: Path) -> str:
    """The text of CURRENT ('' when there is none or it cannot be read): tells one switch of builds from another."""
    try:
        return (Path(index_dir) / "CURRENT").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
