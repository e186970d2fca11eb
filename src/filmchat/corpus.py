"""Reading the corpus folder: one Document per readable article, a reason for every file skipped.

Offsets in citations are offsets into ``Document.text``; for .txt and .md files that
is the file's own UTF-8 text, newlines untranslated, so ``text[start:end]`` is exact.
HTML files are reduced to their article text by trafilatura first (decoded with the
charset their <meta> tag declares when they are not UTF-8).

Binary, non-UTF-8, empty, unreadable and oversized files are skipped with a reason;
one bad file never stops the rest. Only regular files whose real path lies inside the
corpus folder are ever read: a symlink to /etc/passwd dropped into the corpus would
otherwise be indexed and quoted to anyone who can reach the chat.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Collection
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
    sha256: str = ""  # set when only the extracted text was unusable, so an unchanged file is not re-read


def clean_title(line: str) -> str:
    """Strip decoration that sites put around a headline ("【 … 】", "Article: …")."""
    t = line.strip().strip("【】[]").strip()
    t = re.sub(r"^(article|title)\s*:\s*", "", t, flags=re.I)
    t = re.sub(r"^#+\s*", "", t)
    return t.strip() or line.strip()


def title_of(text: str, fallback: str) -> str:
    for line in text.lstrip("\ufeff").splitlines():
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


def shown(name: str) -> str:
    """A file name as one printable line: control characters (a newline in a name) escaped, like ``\\n``."""
    return "".join(ch if unicodedata.category(ch)[0] != "C" else ascii(ch)[1:-1] for ch in name)


OUTSIDE = "symlink to outside the corpus"


def corpus_files(corpus_dir: Path) -> tuple[list[Path], list[Skipped]]:
    """Files that may be articles, and the links that lead out of the corpus (skipped, with that reason).

    Folder links are never walked into (``rglob`` does not follow them); one that leads
    outside is reported so that a missing folder of articles is explained.
    """
    files, skipped = [], []
    for p in sorted(corpus_dir.rglob("*")):
        rel = p.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.is_symlink() and p.is_dir():
            if not _inside(p, corpus_dir):
                skipped.append(Skipped(rel.as_posix(), f"{OUTSIDE} (a folder)"))
        elif p.suffix.lower() in SUFFIXES and not p.is_dir():  # a fifo or device is reported, not read
            files.append(p)
    return files, skipped


def _inside(path: Path, corpus_dir: Path) -> bool:
    real, root = os.path.realpath(path), os.path.realpath(corpus_dir)
    return os.path.commonpath([real, root]) == root


HTML_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", re.I)


def _decode(data: bytes, rel: str, html: bool) -> str | Skipped:
    """The file's text, or why it cannot be an article (cheap checks only, no HTML extraction).

    Plain text must be UTF-8, because citation offsets point into it. An HTML page that
    is not UTF-8 is decoded with the charset its <meta> tag declares (citations point
    into the extracted text, so nothing depends on the raw bytes).
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return Skipped(rel, "UTF-16 text, not UTF-8; convert it with e.g. `iconv -f utf-16 -t utf-8`")
    if b"\x00" in data[:8192]:
        return Skipped(rel, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        declared = HTML_CHARSET.search(data[:4096]) if html else None
        if declared:
            try:
                return data.decode(declared.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
        return Skipped(rel, f"not UTF-8 (byte {e.start}); convert it with e.g. `iconv -t utf-8`")


def _read_checked(path: Path, rel: str, max_bytes: int, corpus_dir: Path) -> tuple[bytes, str] | Skipped:
    """The bytes and decoded text of a file that may be an article, or why it is skipped.

    The real path must lie inside the corpus and be a regular file; it is opened without
    following a link (O_NOFOLLOW) and checked again on the open file, so a link swapped in
    after the check is not followed either.
    """
    if not _inside(path, corpus_dir):
        return Skipped(rel, OUTSIDE)
    try:
        fd = os.open(os.path.realpath(path), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        return Skipped(rel, f"unreadable ({e.strerror or e})")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Skipped(rel, "not a regular file")
        if st.st_size == 0:
            return Skipped(rel, "empty file")
        if st.st_size > max_bytes:
            return Skipped(rel, f"too large ({st.st_size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB; "
                                "raise FILMCHAT_MAX_FILE_MB)")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        return Skipped(rel, f"unreadable ({e.strerror or e})")
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # grew since it was measured
        return Skipped(rel, f"too large (> {max_bytes / 1e6:.0f} MB; raise FILMCHAT_MAX_FILE_MB)")
    text = _decode(data, rel, path.suffix.lower() in HTML_SUFFIXES)
    return text if isinstance(text, Skipped) else (data, text)


def read_document(path: Path, corpus_dir: Path, max_bytes: int) -> Document | Skipped:
    rel = path.relative_to(corpus_dir).as_posix()
    got = _read_checked(path, rel, max_bytes, corpus_dir)
    if isinstance(got, Skipped):
        return got
    data, text = got
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in HTML_SUFFIXES:
        try:
            text = html_to_text(text)
        except Exception as e:  # noqa: BLE001 - one broken page must not stop the rest
            return Skipped(rel, f"HTML could not be parsed ({type(e).__name__})", digest)
    if not text.strip():
        return Skipped(rel, "no text", digest)
    return Document(rel, text, title_of(text, path.stem), digest)


def _check_dir(corpus_dir: Path) -> None:
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise CorpusError(f"the corpus {shown(str(corpus_dir))} is a file, not a folder of articles "
                          "(set --corpus or FILMCHAT_CORPUS to the folder)")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {shown(str(corpus_dir))} (set --corpus or FILMCHAT_CORPUS)")


def _nothing_readable(corpus_dir: Path, skipped: list[Skipped]) -> CorpusError:
    why = "; ".join(f"{shown(s.path)}: {s.reason}" for s in skipped[:5])
    return CorpusError(f"no readable articles (.txt, .md, .html) in {corpus_dir}" + (f" ({why})" if why else ""))


def scan_corpus(corpus_dir: Path, max_file_mb: float = 20.0) -> tuple[dict[str, str], list[Skipped]]:
    """sha256 of every file that may be an article, without extracting HTML.

    This is what an unchanged-corpus check needs, and it stays fast however many HTML
    pages there are; only new or changed files are then read with ``read_corpus``.
    """
    corpus_dir = Path(corpus_dir)
    _check_dir(corpus_dir)
    found = {}
    paths, skipped = corpus_files(corpus_dir)
    for path in paths:
        rel = path.relative_to(corpus_dir).as_posix()
        got = _read_checked(path, rel, int(max_file_mb * 1_000_000), corpus_dir)
        if isinstance(got, Skipped):
            skipped.append(got)
        else:
            found[rel] = hashlib.sha256(got[0]).hexdigest()
    if not found:
        raise _nothing_readable(corpus_dir, skipped)
    return found, skipped


def read_corpus(corpus_dir: Path, max_file_mb: float = 20.0,
                only: Collection[str] | None = None) -> tuple[list[Document], list[Skipped]]:
    """Every readable article under ``corpus_dir`` (or just the relative paths in ``only``).

    Raises CorpusError when the folder is missing, or when it holds no readable
    article and ``only`` was not given.
    """
    corpus_dir = Path(corpus_dir)
    _check_dir(corpus_dir)
    paths, skipped = corpus_files(corpus_dir) if only is None else ([corpus_dir / p for p in sorted(only)], [])
    docs = []
    for path in paths:
        got = read_document(path, corpus_dir, int(max_file_mb * 1_000_000))
        (docs if isinstance(got, Document) else skipped).append(got)
    if not docs and only is None:
        raise _nothing_readable(corpus_dir, skipped)
    return docs, skipped
