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
