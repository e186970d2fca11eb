"""What the user sees: an answer and its citations as data (``ask --json``) and as escaped markdown (chat, terminal).

Article and question text is always shown as text, never as HTML or live links: every
piece of it goes through ``escape_md`` (the Chatbot's HTML sanitiser is a second line).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


@dataclass
class Citation:
    """One cited passage: exact offsets into its file, and the sentence to highlight."""

    n: int
    text: str  # the passage, exactly as it stands in the file
    film: str | None  # the film's name as the catalog gives it (one name however articles spell it)
    title: str  # the article's title
    file: str
    start: int
    end: int
    score: float
    highlight: tuple[int, int] | None = None  # offsets within ``text``

    def to_json(self) -> dict:
        return {"file": self.file, "start": self.start, "end": self.end, "text": self.text,
                "film": self.film, "score": round(self.score, 4), "title": self.title}


@dataclass
class Answer:
    """What the chat shows and ``ask --json`` prints."""

    question: str
    text: str  # markdown: the answer line(s), then the numbered sources
    films: list[str]
    citations: list[Citation]
    abstained: bool
    lead: str = ""  # the first sentence alone (markdown)
    error: str | None = None  # set when the question could not be asked (empty, ...)
    card: list[tuple[str, str, list[int]]] = field(default_factory=list)  # film card rows: label, value, citation numbers

    def markdown(self, sections: dict[int, "Section"] | None = None) -> str:
        """The answer, then each numbered source; with ``sections``, each source opens its whole section in the
        article, the cited sentence marked where it stands."""
        lines = [self.lead]
        if self.card:
            lines.append("")
            lines += [f"- **{label}:** {escape_md(value)} " + "".join(f"[{n}]" for n in nums)
                      for label, value, nums in self.card]
        if self.citations:
            lines.append("\n**Sources**" if not self.abstained else "\n**Closest matches**")
        for c in self.citations:
            where = f"{escape_md(c.film)} · " if c.film else ""
            lines.append(f"\n[{c.n}] {where}_{escape_md(c.title)}_ ({escape_md(c.file)})\n{excerpt_md(c)}")
            whole = (sections or {}).get(c.n)
            if whole and whole.text != c.text:
                lines.append(f"\n<details><summary>open the source: the whole section on {escape_md(c.film or c.title)}"
                             f"</summary>\n\n{marked_md(whole.text, whole.highlight)}\n\n</details>")
        return "\n".join(lines)

    def to_json(self, id: str | None = None) -> dict:
        out = {"question": self.question, "answer": self.text, "abstained": self.abstained,
               "films": self.films, "citations": [c.to_json() for c in self.citations]}
        if self.error:
            out["error"] = self.error
        return ({"id": id} | out) if id is not None else out


# ---------------------------------------------------------------- escaping

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_AUTOLINK = re.compile(r":(?=//)|@|(?<=\bwww)\.", re.I)  # what GitHub-flavoured markdown turns into links


def escape_md(text: str) -> str:
    """Text shown as text: HTML entities for <>&, a backslash before every markdown mark and bare-URL/e-mail mark."""
    text = _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return _AUTOLINK.sub(lambda m: "\\" + m.group(0), text)


def marked_md(t: str, highlight: tuple[int, int] | None) -> str:
    """Text shown as text, the span ``highlight`` in bold (what the page marks like a highlighter)."""
    if not highlight:
        return escape_md(t)
    a, b = highlight
    return escape_md(t[:a]) + "**" + escape_md(t[a:b]).strip() + "**" + (" " if t[a:b].endswith(" ") else "") + escape_md(t[b:])


def excerpt_md(c: Citation) -> str:
    """The passage as a markdown quote, the matched sentence in bold."""
    body = marked_md(c.text, c.highlight)
    return "\n".join("> " + line if line.strip() else ">" for line in body.split("\n"))


@dataclass(frozen=True)
class Section:
    """A citation's whole film section in its article, and where the cited sentence (or passage) is in it."""

    text: str
    highlight: tuple[int, int] | None


def listing(ws: list[str], most: int = 4) -> str:
    """*a*, *b* and *c* (at most ``most`` of them)."""
    ws = [f"*{escape_md(w)}*" for w in ws[:most]]
    return ws[0] if len(ws) == 1 else ", ".join(ws[:-1]) + " or " + ws[-1]
