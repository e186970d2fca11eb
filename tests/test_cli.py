"""The `filmchat` command as a user runs it (subprocesses, real model, real index)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS

FILMCHAT = [sys.executable, "-m", "filmchat.cli"]


def run(*args, env=None, input=None, timeout=300):
    e = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([*FILMCHAT, *args], capture_output=True, text=True, env=e, input=input, timeout=timeout)


@pytest.fixture(scope="module")
def index_dir(shipped_composer, shipped_settings):
    """The session's index of the shipped corpus (built once by the shared fixture)."""
    return str(shipped_settings.index_dir)


def test_ask_json_answers_the_adoptee_question_with_exact_citations(index_dir):
    p = run("ask", "--json", "--corpus", str(CORPUS), "--index-dir", index_dir, "which film is about a Korean adoptee?")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["films"][0] == "My Father" and out["abstained"] is False
    assert out["citations"], out
    for c in out["citations"]:
        raw = (CORPUS / c["file"]).read_bytes().decode("utf-8")
        assert raw[c["start"]:c["end"]] == c["text"]
    assert any("Aaron Bates" in c["text"] for c in out["citations"][:3])
    assert out["answer"].startswith("**My Father**")


def test_ask_batch_keeps_ids_and_order(index_dir, tmp_path):
    qs = tmp_path / "q.jsonl"
    qs.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "question": "who directed Train to Busan?"},
        {"id": "b", "question": "when was it released?", "history": ["Which film is about an autistic marathon runner?"]},
        {"id": "c", "question": "which film is about a robot?"},
    ]) + "\n")
    p = run("ask", "--json", "--batch", str(qs), "--corpus", str(CORPUS), "--index-dir", index_dir)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert "Yeon Sang-Ho" in rows[0]["answer"].split("\n")[0]
    assert rows[1]["films"][0] == "Marathon" and "2005" in rows[1]["answer"].split("\n")[0]
    assert rows[2]["abstained"] is True and rows[2]["films"] == []


def test_ask_with_history_flag(index_dir):
    p = run("ask", "--json", "--corpus", str(CORPUS), "--index-dir", index_dir,
            "--history", "Which film is about an autistic marathon runner?", "how fast did he finish?")
    out = json.loads(p.stdout)
    assert out["films"][0] == "Marathon" and "three hours" in out["answer"]


@pytest.mark.parametrize("question", ["", "   \t  "])
def test_empty_question_is_a_clear_one_line_error(question, index_dir):
    p = run("ask", question, "--index-dir", index_dir)
    assert p.returncode != 0
    assert "empty" in p.stderr and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_missing_corpus_is_a_clear_one_line_error(tmp_path):
    p = run("ask", "who directed Hope?", "--corpus", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "idx"))
    assert p.returncode != 0 and "corpus folder not found" in p.stderr and "Traceback" not in p.stderr


def test_empty_corpus_is_a_clear_one_line_error(tmp_path):
    (tmp_path / "c").mkdir()
    p = run("index", "--corpus", str(tmp_path / "c"), "--index-dir", str(tmp_path / "idx"))
    assert p.returncode != 0 and "no readable articles" in p.stderr and "Traceback" not in p.stderr


def test_unreadable_index_is_reported_and_rebuilt_from_the_corpus(tmp_path):
    idx = tmp_path / "idx"
    idx.mkdir()
    (idx / "CURRENT").write_text("../etc\n")
    p = run("status", "--index-dir", str(idx), "--corpus", str(CORPUS))
    assert p.returncode != 0 and "damaged" in p.stdout and "index --full" in p.stdout
    p = run("ask", "--json", "who directed Hope?", "--index-dir", str(idx), "--corpus", str(CORPUS))
    assert p.returncode == 0 and "damaged" in p.stderr and "Traceback" not in p.stderr
    assert json.loads(p.stdout)["films"][0] == "Hope"


def test_unreadable_index_without_a_corpus_is_a_clear_one_line_error(tmp_path):
    idx = tmp_path / "idx"
    idx.mkdir()
    (idx / "CURRENT").write_text("../etc\n")
    p = run("ask", "who directed Hope?", "--index-dir", str(idx), "--corpus", str(tmp_path / "none"))
    assert p.returncode != 0 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_index_prints_what_it_did(tmp_path):
    from conftest import TINY, write_corpus

    corpus = write_corpus(tmp_path / "c", TINY)
    p = run("index", "--corpus", str(corpus), "--index-dir", str(tmp_path / "idx"))
    assert p.returncode == 0, p.stderr
    assert "2 files" in p.stdout and "4 chunks" in p.stdout and " s" in p.stdout
    p = run("status", "--corpus", str(corpus), "--index-dir", str(tmp_path / "idx"))
    assert p.returncode == 0 and "matches" in p.stdout


def test_environment_variables_choose_corpus_and_index(tmp_path):
    from conftest import TINY, write_corpus

    corpus = write_corpus(tmp_path / "c", TINY)
    p = run("index", env={"FILMCHAT_CORPUS": str(corpus), "FILMCHAT_INDEX_DIR": str(tmp_path / "idx")})
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "idx" / "CURRENT").is_file()


def test_help_documents_every_subcommand():
    p = run("--help")
    for cmd in ("index", "ask", "serve", "status", "eval"):
        assert cmd in p.stdout


def test_piped_ask_prints_the_chats_markdown_and_plain_prints_text(index_dir):
    q = ("who directed Hope?", "--corpus", str(CORPUS), "--index-dir", str(index_dir))
    piped = run("ask", *q)
    assert piped.returncode == 0 and piped.stdout.startswith("**Hope** was directed by")  # unchanged for pipes
    plain = run("ask", "--plain", *q)
    assert plain.returncode == 0 and plain.stdout.lstrip().startswith("Hope was directed by Lee Joon-Ik")
    assert "**" not in plain.stdout and "\\(" not in plain.stdout and "&amp;" not in plain.stdout
    assert "\x1b[" not in plain.stdout and "Sources" in plain.stdout


def test_ask_in_a_terminal_is_rendered_for_a_person(index_dir):
    import pty

    out = bytearray()

    def read(fd):
        data = os.read(fd, 4096)
        out.extend(data)
        return data

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color", "COLUMNS": "100"}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        pty.spawn([*FILMCHAT, "ask", "who directed Hope?", "--corpus", str(CORPUS), "--index-dir", str(index_dir)], read)
    finally:
        os.environ.clear()
        os.environ.update(old)
    text = out.decode("utf-8", "replace")
    assert "\x1b[1mHope\x1b[0m" in text  # the film in bold
    assert "**Hope**" not in text and "\\(" not in text and "[1]" in text
