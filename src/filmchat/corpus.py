"""Reading the corpus folder: one Document per readable article, a reason for every file skipped.

Offsets in citations are offsets into ``Document.text``; for .txt and .md files that
is the file's own UTF-8 text, newlines untranslated, so ``text[start:end]`` is exact.
HTML files are reduced to their article text by trafilatura first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES


class CorpusError(Exception):
    """The corpus as a whole cannot be used (missing folder, nothing readable)."""


@dataclass(frozen=True)
class Document:
    """One article: the text that offsets point into, and what identifies it."""

    path: str  # relative to the corpus folder, with forward slashes
    text: str
    title: str
    sha256: str  # of the file's bytes: what incremental rebuilds compare


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why (reported, never fatal)."""

    path: str
    reason: str


def clean_title(line: str) -> str:
    """Strip decoration that sites put around a headline ("【 … 】", "Article: …")."""
    t = line.strip().strip("【】[]").strip()
    t = re.sub(r"^(article|title)\s*:\s*", "", t, flags=re.I)
    t = re.sub(r"^#+\s*", "", t)
    return t.strip() or line.strip()


def title_of(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return clean_title(line)[:200]
    return fallback


EMPHASIS = re.compile(r"(?<!\\)(\*\*|__|\*|_)(?=\S)(.+?)(?<=[^\s\\])\1")
MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def html_to_text(html: str) -> str:
    """Article text of an HTML page (trafilatura), without navigation, scripts and footers.

    Extracted as markdown so that the page's headings stay headings ("## 3. Hope") for
    chunking; emphasis marks are dropped so that excerpts read as plain text.
    """
    import trafilatura

    body = trafilatura.extract(html, output_format="markdown", include_formatting=True, include_comments=False,
                               include_tables=True, include_links=False, include_images=False, favor_recall=True) or ""
    body = "\n".join(line if line.lstrip().startswith("#") else MD_ESCAPE.sub(r"\1", EMPHASIS.sub(r"\2", line))
                     for line in body.splitlines())
    meta = trafilatura.extract_metadata(html)
    title = meta.title.strip() if meta is not None and meta.title else ""
    if title and title not in body.split("\n", 1)[0]:
        body = f"{title}\n\n{body}"
    return body.strip() + "\n" if body.strip() else ""


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(
        p for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def read_document(path: Path, corpus_dir: Path, max_bytes: int) -> Document | Skipped:
    rel = path.relative_to(corpus_dir).as_posix()
    try:
        size = path.stat().st_size
        if size == 0:
            return Skipped(rel, "empty file")
        if size > max_bytes:
            return Skipped(rel, f"too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB; raise FILMCHAT_MAX_FILE_MB)")
        data = path.read_bytes()
    except OSError as e:
        return Skipped(rel, f"unreadable ({e.strerror or e})")
    if b"\x00" in data[:8192]:
        return Skipped(rel, "binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return Skipped(rel, f"not UTF-8 (byte {e.start}); convert it with e.g. `iconv -t utf-8`")
    if text.startswith("\ufeff"):
        pass  # kept: offsets must match the file as read
    if path.suffix.lower() in HTML_SUFFIXES:
        text = html_to_text(text)
    if not text.strip():
        return Skipped(rel, "no text")
    return Document(rel, text, title_of(text, path.stem), hashlib.sha256(data).hexdigest())


def read_corpus(corpus_dir: Path, max_file_mb: float = 20.0) -> tuple[list[Document], list[Skipped]]:
    """Every readable article under ``corpus_dir``; raises CorpusError when there is none."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir} (set --corpus or FILMCHAT_CORPUS)")
    docs, skipped = [], []
    for path in corpus_files(corpus_dir):
        got = read_document(path, corpus_dir, int(max_file_mb * 1_000_000))
        (docs if isinstance(got, Document) else skipped).append(got)
    if not docs:
        why = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
        raise CorpusError(f"no readable articles (.txt, .md, .html) in {corpus_dir}" + (f" ({why})" if why else ""))
    return docs, skipped
