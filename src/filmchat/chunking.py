"""Splitting an article into passages that follow its structure: one film section at a time.

Listicles about films come in a few shapes: numbered headings ("3. Hope"), bare title
lines ("Voice of a Murderer"), markdown headings, and sections whose heading was lost
(they start right after a "Watch the trailer" line). Metadata lines ("Director: …")
belong to the film above or below them. Page furniture (call-to-action lines, image
captions, social footers) is never part of a passage, so it is never cited.

Every chunk is a contiguous span ``text[start:end]`` of its document.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .corpus import Document
from .text import SMALL_WORDS, norm_key  # noqa: F401  (norm_key: films are keyed as chunking names them)

# Bump when the passages made from the same files change (offsets, films, sections): indexes built by
# another version are rebuilt. tests/test_chunking.py holds the digest of each version's output.
CHUNKER_VERSION = 1

NUMBERED = re.compile(r"^\s*\d{1,3}\s*[.)]\s+(\S.{0,78}?)\s*$")
MARKDOWN = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)[\s#]*$")
META = re.compile(r"^\s*([A-Z][A-Za-z’' ]{1,30}?)\s*:\s*(.*?)\s*$")
# Lines that close a film's section in web listicles ("Watch Now", "Catch the trailer below:").
TERMINATOR = re.compile(
    r"^(watch\b.*\b(below|now|here)\b|.*\btrailer\b|watch now|wrapping up|conclusion|final thoughts"
    r"|(similar|related|recommended) (articles|posts|stories)|you may (also )?like|keep watching|read more|see also)",
    re.I,
)
# Social footers and other boilerplate that is never an answer.
FURNITURE = re.compile(
    r"(follow us on|subscribe\b|let us know in the comments|how does this article make you feel"
    r"|please log ?in|^share (this|on)\b|^advertisement\b|^(image|photo|picture)( credit| source)?s?\s*:|^(source|credits?)\s*:)",
    re.I,
)
QUOTED = re.compile(r"[“\"]([^”\"\n]{1,60}?)[”\"]")
# a sentence ends at . ! ? … before a capital or digit, but not after "No." ("Cell No. 7"), "Mr.", "U.S." …
SENTENCE_END = re.compile(
    r"(?<!\bNo\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bJr\.)(?<!\bvs\.)(?<!\bMrs\.)(?<!\bU\.S\.)"
    r"(?<=[.!?…])[”\"’)]?\s+(?=[“\"‘(]?[A-Z0-9])"
)


@dataclass(frozen=True)
class Chunk:
    """A passage that can be cited: where it is, which article and which film it belongs to."""

    id: str
    file: str
    start: int
    end: int
    text: str
    title: str  # the article's title
    film: str | None  # the film the passage is about, as the article writes it (None: intro, outro)
    section: str | None  # the heading line as written ("3. Hope"), None when the section had none

    def embed_text(self) -> str:
        """The passage with its film as context (the citation stays exact)."""
        return f"{self.film}: {self.text}" if self.film else self.text

    def lexical_text(self) -> str:
        """What BM25 indexes: the article's title too, since a listicle's headline says what all its films share."""
        return f"{self.title}\n{self.embed_text()}"

    def sentence_text(self, span: tuple[int, int]) -> str:
        """What the dense encoder sees for one sentence: the sentence with its film as context."""
        t = self.text[span[0]:span[1]]
        return f"{self.film}: {t}" if self.film else t


@dataclass
class _Line:
    start: int
    end: int  # without the line break
    text: str
    kind: str = "text"  # text | meta | heading | bare | caption | terminator | furniture


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw)
    return out


def _words(line: str) -> list[str]:
    return re.findall(r"[^\W\d_][\w’'-]*", line)


def _is_caption(line: str) -> bool:
    """Image alt texts left in scraped pages: short, unpunctuated, mostly lower-case ("taegukgi korean movie 11")."""
    words = [w for w in _words(line) if w.lower() not in SMALL_WORDS]
    if not words or len(line) > 60 or len(line.split()) > 9 or line[-1] in ".!?:;,":
        return False
    return sum(w[0].islower() for w in words) * 2 >= len(words)


def _is_bare_heading(line: str) -> bool:
    return (
        len(line) <= 70 and len(line.split()) <= 10 and line[-1] not in ".!?,;:" and (line[0].isupper() or line[0].isdigit())
    )


def _classify(line: str) -> str:
    if len(line) <= 80 and TERMINATOR.search(line):
        return "terminator"
    if len(line) <= 200 and FURNITURE.search(line):
        return "furniture"
    m = NUMBERED.match(line) or MARKDOWN.match(line)
    if m and m.group(1)[-1] not in "?.!:,;" and len(m.group(1).split()) <= 10:
        return "heading"
    meta = META.match(line)
    if meta and len(line) <= 150 and len(meta.group(1).split()) <= 4:
        return "meta"
    if _is_caption(line):
        return "caption"
    if _is_bare_heading(line):
        return "bare"
    return "text"


def heading_film(line: str) -> str:
    """The film title in a heading line: without numbering, markdown marks or decoration."""
    m = MARKDOWN.match(line)
    title = m.group(1) if m else line
    m = NUMBERED.match(title)  # "## 3. Hope"
    title = m.group(1) if m else title
    return title.strip().strip("*_【】[]").strip()


def quoted_film(text: str) -> str | None:
    """The title a headingless section keeps quoting (“Marathon” is based on …)."""
    counts = Counter(
        q.strip() for q in QUOTED.findall(text)
        if q.strip() and (q.strip()[0].isupper() or q.strip()[0].isdigit()) and len(q.split()) <= 8 and q.strip()[-1] not in ".,;:!?"
    )
    return counts.most_common(1)[0][0] if counts else None


@dataclass
class _Section:
    heading: str | None
    film: str | None
    runs: list[list[_Line]]  # passages never cross furniture, so each run is contiguous text


def _sections(lines: list[_Line]) -> list[_Section]:
    for ln in lines:
        ln.kind = _classify(ln.text)
    # A bare title line is a film heading when it follows a section break or the section names it;
    # otherwise it is a photo credit or caption ("CJ Entertainment").
    strong = {"heading", "terminator"}
    for i, ln in enumerate(lines):
        if ln.kind != "bare":
            continue
        prev = next((p.kind for p in reversed(lines[:i]) if p.kind not in ("caption", "furniture")), None)
        following = []
        for nxt in lines[i + 1:]:
            if nxt.kind in strong or (nxt.kind == "bare" and nxt is not ln):
                break
            following.append(nxt.text)
        named = norm_key(ln.text) in norm_key(" ".join(following))
        if following and (prev == "terminator" or named):
            ln.kind = "heading"
        elif not following:
            ln.kind = "caption"
        else:
            ln.kind = "text" if len(ln.text.split()) > 4 else "caption"

    sections = [_Section(None, None, [[]])]
    for ln in lines:
        cur = sections[-1]
        if ln.kind == "heading":
            sections.append(_Section(ln.text, heading_film(ln.text), [[]]))
        elif ln.kind == "terminator":
            sections.append(_Section(None, None, [[]]))
        elif ln.kind in ("caption", "furniture"):
            cur.runs.append([])
        else:
            cur.runs[-1].append(ln)
    for sec in sections:
        sec.runs = [r for r in sec.runs if r]
        if sec.film is None and sec.runs and len(sections) > 1:
            sec.film = quoted_film(" ".join(ln.text for run in sec.runs for ln in run))
    return [s for s in sections if s.runs]


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split one long paragraph at sentence ends (at spaces if a sentence is too long)."""
    if end - start <= max_chars:
        return [(start, end)]
    cuts = [start] + [start + m.end() for m in SENTENCE_END.finditer(text[start:end])] + [end]
    bounds, s = [], start
    for a, b in zip(cuts, cuts[1:]):
        if b - s > max_chars and a > s:
            bounds.append((s, a))
            s = a
        while b - s > max_chars:  # one sentence longer than a chunk
            cut = text.rfind(" ", s, s + max_chars)
            cut = cut if cut > s else s + max_chars
            bounds.append((s, cut))
            s = cut
    bounds.append((s, end))
    # trim the whitespace left at piece edges so offsets cover text only
    out = []
    for a, b in bounds:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences and metadata lines of a passage, as offsets into it.

    Dense search embeds these rather than whole passages: a small model matches a
    paraphrased question far better against the one sentence that carries it.
    """
    out, pos = [], 0
    for line in text.split("\n"):
        cuts = [0] + [m.end() for m in SENTENCE_END.finditer(line)] + [len(line)]
        for a, b in zip(cuts, cuts[1:]):
            seg = line[a:b]
            lead, trail = len(seg) - len(seg.lstrip()), len(seg) - len(seg.rstrip())
            if seg.strip():
                out.append((pos + a + lead, pos + b - trail))
        pos += len(line) + 1
    return out


def chunk_document(doc: Document, max_chars: int = 800) -> list[Chunk]:
    """The passages of one article, in reading order."""
    lines = _lines(doc.text)
    body = lines[1:] if lines and doc.title and lines[0].text.strip() else lines  # the headline is the title
    chunks = []
    for sec in _sections(body):
        for run in sec.runs:
            units = [p for ln in run for p in _pieces(doc.text, ln.start, ln.end, max_chars)]
            group: list[tuple[int, int]] = []
            for unit in units + [None]:
                if unit is not None and (not group or unit[1] - group[0][0] <= max_chars):
                    group.append(unit)
                    continue
                s, e = group[0][0], group[-1][1]
                chunks.append(Chunk(f"{doc.path}:{s}", doc.path, s, e, doc.text[s:e], doc.title, sec.film, sec.heading))
                group = [unit] if unit is not None else []
    return chunks


def chunk_corpus(docs: list[Document], max_chars: int = 800) -> list[Chunk]:
    return [c for d in docs for c in chunk_document(d, max_chars)]
