"""Reading the corpus folder: one Document per readable article, a reason for every file skipped.

Offsets in citations are offsets into ``Document.text``; for .txt and .md files that
is the file's own UTF-8 text, newlines untranslated, so ``text[start:end]`` is exact.
HTML files are reduced to their article text by trafilatura first (decoded with the
charset their <meta> tag declares when they are not UTF-8).

Binary, non-UTF-8, empty, unreadable and oversized files are skipped with a reason;
one bad file never stops the rest.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
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


def corpus_files(corpus_dir: Path) -> tuple[list[tuple[str, Path]], list[Skipped]]:
    """The files that may be articles, as (path relative to the corpus, real path to read), and the
    links that are not followed.

    Only regular files whose real path lies inside the corpus folder are read: a symlink to
    /etc/passwd dropped into corpus/ would otherwise be indexed and quoted to anyone who asks.
    Hidden files and folders are ignored; folder symlinks are not followed.
    """
    root = corpus_dir.resolve()
    files, skipped = [], []
    for dirpath, dirnames, filenames in os.walk(corpus_dir, followlinks=False):
        here = Path(dirpath)
        for d in sorted(dirnames):
            if not d.startswith(".") and (here / d).is_symlink():
                skipped.append(Skipped((here / d).relative_to(corpus_dir).as_posix(),
                                       "symlink to a folder (not followed)"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (here / d).is_symlink())
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES:
                continue
            rel = path.relative_to(corpus_dir).as_posix()
            real = path.resolve()
            if not real.is_relative_to(root):
                skipped.append(Skipped(rel, "symlink to outside the corpus (not read)"))
            elif not real.is_file():
                skipped.append(Skipped(rel, "not a regular file"))
            else:
                files.append((rel, real))
    return sorted(files), skipped


def show_path(rel: str) -> str:
    """A file name as it can be printed on one line: control characters (a newline in a name) escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in rel)


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


def _read_checked(path: Path, rel: str, max_bytes: int) -> tuple[bytes, str] | Skipped:
    """The bytes and decoded text of a file that may be an article, or why it is skipped.

    ``path`` is the real path corpus_files checked; it is opened without following a link, so a
    file swapped for a symlink after that check is refused rather than read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                return Skipped(rel, "not a regular file")
            if st.st_size == 0:
                return Skipped(rel, "empty file")
            if st.st_size > max_bytes:
                return Skipped(rel, f"too large ({st.st_size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB; "
                                               "raise FILMCHAT_MAX_FILE_MB)")
            data = f.read(max_bytes + 1)
    except OSError as e:
        return Skipped(rel, f"unreadable ({e.strerror or e})")
    text = _decode(data, rel, path.suffix.lower() in HTML_SUFFIXES)
    return text if isinstance(text, Skipped) else (data, text)


def read_document(rel: str, path: Path, max_bytes: int) -> Document | Skipped:
    """One article: ``rel`` is its name in the corpus, ``path`` the real path corpus_files allowed."""
    got = _read_checked(path, rel, max_bytes)
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
        raise CorpusError(f"the corpus must be a folder of articles, and {corpus_dir} is a file "
                          "(set --corpus or FILMCHAT_CORPUS to its folder)")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir} (set --corpus or FILMCHAT_CORPUS)")


def _nothing_readable(corpus_dir: Path, skipped: list[Skipped]) -> CorpusError:
    why = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
    return CorpusError(f"no readable articles (.txt, .md, .html) in {corpus_dir}" + (f" ({why})" if why else ""))


def scan_corpus(corpus_dir: Path, max_file_mb: float = 20.0) -> tuple[dict[str, str], list[Skipped]]:
    """sha256 of every file that may be an article, without extracting HTML.

    This is what an unchanged-corpus check needs, and it stays fast however many HTML
    pages there are; only new or changed files are then read with ``read_corpus``.
    """
    corpus_dir = Path(corpus_dir)
    _check_dir(corpus_dir)
    files, skipped = corpus_files(corpus_dir)
    found = {}
    for rel, path in files:
        got = _read_checked(path, rel, int(max_file_mb * 1_000_000))
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
    files, skipped = corpus_files(corpus_dir)
    if only is not None:  # the files a rebuild must read: still checked like every other
        files, skipped = [(rel, path) for rel, path in files if rel in only], []
    docs = []
    for rel, path in files:
        got = read_document(rel, path, int(max_file_mb * 1_000_000))
        (docs if isinstance(got, Document) else skipped).append(got)
    if not docs and only is None:
        raise _nothing_readable(corpus_dir, skipped)
    return docs, skipped
