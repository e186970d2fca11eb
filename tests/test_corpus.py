"""Reading the corpus: every readable article in, every unreadable file reported and skipped."""

from __future__ import annotations

import pytest

from filmchat.corpus import CorpusError, read_corpus

from conftest import TINY, write_corpus


def test_bad_files_are_reported_and_skipped_without_stopping_the_rest(tmp_path):
    corpus = write_corpus(tmp_path / "c", {
        **TINY,
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "latin1.txt": "Caf\u00e9 Films\n\nUn film tr\u00e8s triste.\n".encode("latin-1"),
        "empty.md": "",
        "notes.pdf": b"%PDF-1.4 not an article",
    })
    with open(corpus / "huge.txt", "wb") as f:  # 50 MB
        f.truncate(50 * 1024 * 1024)
        f.seek(0)
        f.write(b"Huge\n\n")
    docs, skipped = read_corpus(corpus, max_file_mb=20)
    assert sorted(d.path for d in docs) == ["sea.txt", "space.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert "binary" in reasons["binary.txt"]
    assert "not UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.md"]
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
