"""Reading the corpus: every readable article in, every unreadable file reported and skipped."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from filmchat import corpus as corpus_module
from filmchat.corpus import CorpusError, read_corpus, scan_corpus

from conftest import TINY, write_corpus

PARAGRAPH = " ".join(["The lighthouse keeper rescues a fisherman during a winter storm and they become friends."] * 3)


def huge_file(path, mb: int = 50) -> None:
    """A 50 MB article-looking file (sparse, so it costs no disk)."""
    with open(path, "wb") as f:
        f.write(b"Huge\n\n1. Big Film\n\n")
        f.truncate(mb * 1024 * 1024)


def test_bad_files_are_reported_and_skipped_without_stopping_the_rest(tmp_path):
    corpus = write_corpus(tmp_path / "c", {
        **TINY,
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "latin1.txt": "Caf\u00e9 Films\n\nUn film tr\u00e8s triste.\n".encode("latin-1"),
        "empty.md": "",
        "notes.pdf": b"%PDF-1.4 not an article",
        "utf16.txt": "Films\n\n1. Rain\n".encode("utf-16"),
    })
    huge_file(corpus / "huge.txt")
    docs, skipped = read_corpus(corpus, max_file_mb=20)
    assert sorted(d.path for d in docs) == ["sea.txt", "space.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert "binary" in reasons["binary.txt"]
    assert "not UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.md"]
    assert "UTF-16" in reasons["utf16.txt"] and "iconv" in reasons["utf16.txt"]
    assert "too large" in reasons["huge.txt"] and "FILMCHAT_MAX_FILE_MB" in reasons["huge.txt"]
    assert "notes.pdf" not in reasons  # not an article format: ignored, not an error


def test_document_text_is_the_file_text_and_the_title_its_first_line(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"a.txt": "【 Ten Sad Films 】\r\n\r\n1. Rain\r\n\r\nA girl waits.\r\n"})
    (doc,), _ = read_corpus(corpus)
    assert doc.text == (corpus / "a.txt").read_bytes().decode("utf-8")  # newlines untranslated
    assert doc.title == "Ten Sad Films"


def test_html_articles_keep_the_article_text_without_navigation_or_scripts(tmp_path):
    body = " ".join(["The lighthouse keeper rescues a fisherman during a winter storm and they become friends."] * 3)
    html = f"""<html><head><title>Films About The Sea</title><script>var tracker = "SCRIPTSECRET";</script></head>
    <body><nav><a href="/">Home</a> <a href="/login">NAVSECRET Login</a></nav>
    <article><h1>Films About The Sea</h1><h2>1. Blue Harbour</h2><p>{body}</p>
    <h2>2. Salt Wind</h2><p>A young diver searches the reef for the pearl her grandmother lost decades ago. {body}</p></article>
    <footer>FOOTERSECRET Copyright</footer></body></html>"""
    corpus = write_corpus(tmp_path / "c", {"sea.html": html})
    (doc,), _ = read_corpus(corpus)
    assert "lighthouse keeper rescues a fisherman" in doc.text and "pearl her grandmother" in doc.text
    for secret in ("SCRIPTSECRET", "NAVSECRET", "<script", "<p>"):
        assert secret not in doc.text
    assert doc.title == "Films About The Sea"
    # the page's headings stay headings, so each film is its own section
    from filmchat.chunking import chunk_document

    assert [c.film for c in chunk_document(doc)] == ["Blue Harbour", "Salt Wind"]


def test_missing_or_empty_corpus_is_an_error_with_the_way_out(tmp_path):
    with pytest.raises(CorpusError, match="FILMCHAT_CORPUS"):
        read_corpus(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no readable articles"):
        read_corpus(tmp_path / "empty")


def test_cli_reports_every_skipped_file_and_indexes_the_rest(tmp_path):
    corpus = write_corpus(tmp_path / "c", {
        **TINY,
        "binary.txt": b"\x00\x01\x02 not text",
        "latin1.md": "Caf\u00e9 Films\n".encode("latin-1"),
        "empty.html": "",
    })
    huge_file(corpus / "huge.txt")
    p = subprocess.run([sys.executable, "-m", "filmchat.cli", "index", "--corpus", str(corpus), "--index-dir",
                        str(tmp_path / "idx")], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert p.returncode == 0, p.stderr
    assert "indexed 2 files into 4 chunks" in p.stdout
    err = p.stderr
    assert "skipped binary.txt: binary file" in err and "skipped latin1.md: not UTF-8" in err
    assert "skipped empty.html: empty file" in err and "skipped huge.txt: too large (52.4 MB > 20 MB" in err
    assert "Traceback" not in err


def test_html_that_is_not_utf8_is_decoded_with_its_declared_charset(tmp_path):
    html = (f"<html><head><meta charset=\"windows-1252\"><title>Caf\u00e9 Films</title></head><body><article>"
            f"<h1>Caf\u00e9 Films</h1><h2>1. Blue Harbour</h2><p>Th\u00e9o\u2019s story. {PARAGRAPH}</p>"
            f"</article></body></html>").encode("cp1252")
    corpus = write_corpus(tmp_path / "c", {"cafe.html": html, "plain.txt": "Caf\u00e9\n".encode("cp1252")})
    docs, skipped = read_corpus(corpus)
    (doc,) = docs
    assert "Th\u00e9o\u2019s story" in doc.text and doc.title == "Caf\u00e9 Films"
    assert [s.path for s in skipped] == ["plain.txt"]  # plain text must be UTF-8: citation offsets point into it


def test_html_without_an_article_or_that_breaks_the_parser_is_skipped_not_fatal(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "c", {
        **TINY,
        "no-text.html": "<html><head><script>x()</script></head><body><div></div></body></html>",
        "broken.html": "<html><body><article><p>" + PARAGRAPH + "</p></article></body></html>",
    })
    real = corpus_module.html_to_text

    def flaky(html: str) -> str:
        if "lighthouse" in html:
            raise ValueError("parser crashed")
        return real(html)

    monkeypatch.setattr(corpus_module, "html_to_text", flaky)
    docs, skipped = read_corpus(corpus)
    assert sorted(d.path for d in docs) == ["sea.txt", "space.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["no-text.html"] == "no text" and "could not be parsed" in reasons["broken.html"]
    assert all(s.sha256 for s in skipped)  # so an unchanged page is not parsed again by the next build


def test_scanning_for_changes_hashes_files_without_extracting_html(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "c", {**TINY, "sea.html": f"<html><body><article><p>{PARAGRAPH}</p></article></body></html>",
                                           "empty.md": ""})
    monkeypatch.setattr(corpus_module, "html_to_text", lambda html: pytest.fail("HTML extracted during a scan"))
    found, skipped = scan_corpus(corpus)
    assert set(found) == {"sea.txt", "space.txt", "sea.html"} and [s.path for s in skipped] == ["empty.md"]
    assert found["sea.html"] == hashlib.sha256((corpus / "sea.html").read_bytes()).hexdigest()
