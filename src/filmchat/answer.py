"""Composing the answer: the film(s) first, the fact or sentence that answers, then cited excerpts.

No language model writes here: every sentence of an answer is either a fixed template
filled with a film's name and a fact the articles state, or a quote from a passage,
each followed by its citation number. Excerpts are escaped so that article or
question text is always shown as text, never as HTML or live links.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .chunking import META, Chunk, sentence_spans
from .films import words
from .search import QUESTION_WORDS, Hit, SearchResult, Searcher

MANY_SHARE = 0.7  # a "which films" answer lists the films scoring within this share of the best


@dataclass(frozen=True)
class Fact:
    kind: str  # director | release | duration | cast
    value: str
    chunk: Chunk
    start: int  # offsets of the value's line in the file, to highlight it
    end: int


# kind: (question pattern, metadata keys, prose patterns). The question patterns ask for the fact itself
# ("who directed X?"), not for anything near it ("what did the director of X want to show?").
FACT_KINDS = {
    "director": (re.compile(r"\bwho\b.{0,30}\bdirect|\bdirected by\b|\bdirector\s*\?|\bname of the director\b", re.I),
                 {"director", "directed by", "directors", "direction"},
                 [re.compile(r"directed by ([A-Z][\w’'-]+(?: [A-Z][\w’'-]+){0,3})"),
                  re.compile(r"director(?: of the (?:film|movie))?,? ([A-Z][\w’'-]+(?: [A-Z][\w’'-]+){1,3})")]),
    "release": (re.compile(r"\b(releas\w*|come out|came out|premiere\w*)\b|^\s*(what|which) year\b|\bwhen was .{1,60} made\b", re.I),
                {"release date", "release year", "released", "release", "year", "premiere"},
                [re.compile(r"released (?:in|on) ((?:[A-Z][a-z]+ \d{1,2}, )?\d{4})")]),
    "duration": (re.compile(r"\bhow long (is|was)\b|\bhow long does .{1,60} (run|last)\b|\b(runtime|run time|running time|"
                            r"duration|length)\b|\bhow many minutes\b", re.I),
                 {"duration", "runtime", "running time", "length", "run time"},
                 [re.compile(r"\b(\d{2,3} minutes)\b")]),
    "cast": (re.compile(r"\bwho (stars|starred|is starring|plays|played|acts|acted|is in)\b|\b(cast|actors?|actress(es)?|starring)\b"
                        r"|\bstars? (in|as)\b|\b(films?|movies?) (star|starring)\b", re.I),
             {"starring cast", "cast", "starring", "stars", "main cast"},
             []),
}
FACT_PHRASE = {
    "director": "{film} was directed by {value}",
    "release": "{film} was released {on} {value}",
    "duration": "{film} runs {value}",
    "cast": "{film} stars {value}",
}
FACT_LABEL = {"director": "Director", "release": "Released", "duration": "Runtime", "cast": "Cast"}
UNCLEAR = {
    "no film": "Which film do you mean? Name it — e.g. “who directed Hope?” — or first ask which film is about "
               "something, then “who directed it?” refers to that film.",
    "no words": "I can't find anything to look for in that question: the articles are in English. Ask about a film or "
                "its story — e.g. “who directed Hope?” or “which film is about a Korean adoptee?”.",
}
CARD = re.compile(r"^\s*(tell me (more )?about|what (do you know|can you tell me) about|(give me )?(info|information|details)"
                  r" (on|about)|describe|summari[sz]e)\b", re.I)


@dataclass
class Citation:
    """One cited passage: exact offsets into its file, and the sentence to highlight."""

    n: int
    file: str
    start: int
    end: int
    text: str
    film: str | None
    title: str
    section: str | None
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

    def markdown(self, sections: dict[int, str] | None = None) -> str:
        """The answer, then each numbered source; with ``sections``, each source can expand to its whole section."""
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
            if whole and whole != c.text:
                lines.append(f"\n<details><summary>the whole section on {escape_md(c.film or c.title)}</summary>\n\n"
                             f"{escape_md(whole)}\n\n</details>")
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


def excerpt_md(c: Citation) -> str:
    """The passage as a markdown quote, the matched sentence in bold."""
    t = c.text
    if c.highlight:
        a, b = c.highlight
        body = escape_md(t[:a]) + "**" + escape_md(t[a:b]).strip() + "**" + (" " if t[a:b].endswith(" ") else "") + escape_md(t[b:])
    else:
        body = escape_md(t)
    return "\n".join("> " + line if line.strip() else ">" for line in body.split("\n"))


# ---------------------------------------------------------------- facts

def fact_kind(question: str) -> str | None:
    for kind, (pattern, _, _) in FACT_KINDS.items():
        if pattern.search(question):
            return kind
    return None


def facts_in(chunk: Chunk) -> list[Fact]:
    """Metadata lines ("Director: …") and stated facts in prose ("released in 2005")."""
    out = []
    pos = 0
    for line in chunk.text.split("\n"):
        m = META.match(line)
        if m and len(line) <= 150:
            key, value = m.group(1).strip().lower(), m.group(2).strip().strip("\u00a0 ")
            for kind, (_, keys, _) in FACT_KINDS.items():
                if key in keys and value:
                    s = chunk.start + pos
                    out.append(Fact(kind, value, chunk, s, s + len(line)))
        pos += len(line) + 1
    for kind, (_, _, prose) in FACT_KINDS.items():
        for pattern in prose:
            for m in pattern.finditer(chunk.text):
                if not any(f.kind == kind for f in out):
                    sent = sentence_around(chunk.text, m.start())
                    out.append(Fact(kind, m.group(1), chunk, chunk.start + sent[0], chunk.start + sent[1]))
    return out


def sentence_around(text: str, pos: int) -> tuple[int, int]:
    return next(((a, b) for a, b in sentence_spans(text) if a <= pos < b), (0, len(text)))


def same_value(a: str, b: str) -> bool:
    """"2013" and "January 24, 2013" agree; "2013" and "2012" do not."""
    na, nb = " ".join(words(a)), " ".join(words(b))
    return na in nb or nb in na


# ---------------------------------------------------------------- composing

def empty_answer(question: str) -> Answer:
    text = "Please type a question about the films in the articles."
    return Answer(question, text, [], [], True, lead=text, error="empty question")


class Composer:
    """Turns a SearchResult into an Answer (cited, escaped, film first)."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.settings = searcher.settings

    def ask(self, question: str, history: list[str] | tuple[str, ...] = ()) -> Answer:
        if not question or not question.strip():
            return empty_answer(question or "")
        history = [h for h in history if h and h.strip()][-3:]
        return self.compose(self.searcher.search(question, history))

    def is_live(self) -> bool:
        """False once a rebuild (this process or another) switched the index it answers from."""
        return self.searcher.index.is_live()

    def section_text(self, c: Citation) -> str:
        """The whole film section a citation comes from, in that article (its passages in order)."""
        if not c.film:
            return c.text
        key = self.searcher.catalog.key(c.film)
        parts = [ch.text for i, ch in enumerate(self.searcher.index.chunks)
                 if ch.file == c.file and self.searcher.chunk_film[i] == key]
        return "\n\n".join(parts) or c.text

    def compose(self, r: SearchResult) -> Answer:
        q = r.query
        note = f"\n\n_Your question was cut to its first {len(q.text)} characters._" if q.truncated else ""
        if not q.text:  # nothing left once control characters are gone
            return empty_answer(q.text)
        kind = fact_kind(q.text) if (q.named or q.focus) and not q.plural else None
        film = self._film_in_question(r)
        if film and self._is_card(r):
            return self._card(r, film, note)
        if kind and film:
            ans = self._fact(r, film, kind, note)
            if ans:
                return ans
        if q.plural and not q.named:
            ans = self._films_with_fact(r, note)
            if ans:
                return ans
        if not r.answerable:
            return self._abstain(r, note)
        if q.plural:
            return self._many(r, note)
        return self._one(r, note)

    # -- which film the question is about, when it names one (or refers back to one)
    def _film_in_question(self, r: SearchResult) -> str | None:
        for key in r.query.named + ([r.query.focus] if r.query.focus else []):
            if any(f.key == key for f in r.films):
                return key
        return None

    def _is_card(self, r: SearchResult) -> bool:
        q = r.query
        if not q.named or q.plural:
            return False
        return bool(CARD.search(q.text)) or not self.searcher.content_words(q)

    # -- citations
    def _citations(self, hits: list[Hit], sentences: dict[int, tuple[int, int]] | None = None) -> list[Citation]:
        out, seen = [], set()
        for h in hits:
            if h.index in seen:
                continue
            seen.add(h.index)
            c = h.chunk
            out.append(Citation(len(out) + 1, c.file, c.start, c.end, c.text, self._name(h), c.title, c.section,
                                h.score, (sentences or {}).get(h.index)))
            if len(out) >= self.settings.citations:
                break
        return out

    def _name(self, h: Hit) -> str | None:
        return self.searcher.catalog.name(h.film_key) if h.film_key else None

    def _sentences(self, question: str, hits: list[Hit]) -> dict[int, tuple[int, int]]:
        """The sentence to highlight in each hit: the one dense search matched, else the one sharing most words."""
        qwords = set(words(question)) - _COMMON
        out = {}
        for h in hits:
            if h.sentence:
                out[h.index] = h.sentence
                continue
            spans = sentence_spans(h.chunk.text)
            if spans and qwords:
                best = max(spans, key=lambda sp: len(qwords & set(words(h.chunk.text[sp[0]:sp[1]]))))
                if qwords & set(words(h.chunk.text[best[0]:best[1]])):
                    out[h.index] = best
        return out

    def _order(self, first: list[Hit], rest: list[Hit]) -> list[Hit]:
        return first + [h for h in rest if h not in first]

    def _finish(self, r, lead: str, films: list[str], hits: list[Hit], abstained=False, note="", sentences=None,
                card=None) -> Answer:
        a = Answer(r.query.text, "", films, self._citations(hits, sentences), abstained, lead=lead + note, card=card or [])
        a.text = a.markdown()
        return a

    def _ranked_names(self, r: SearchResult, limit: int = 10) -> list[str]:
        return [f.name for f in r.films[:limit]]

    def _one(self, r: SearchResult, note: str) -> Answer:
        top = r.films[0]
        lead_hit, lead_span = top.hits[0], None
        if r.query.named or r.query.focus:  # the film is given: find the sentence that answers the rest
            lead_hit, lead_span = self.searcher.best_sentence(r.query, list(top.hits[:3]))
        # the best passage first, then the best of each other article on this film, then the rest
        hits, files = [lead_hit], {lead_hit.chunk.file}
        for h in top.hits:
            if h.chunk.file not in files:
                hits.append(h)
                files.add(h.chunk.file)
        runners = [f for f in r.films[1:3] if f.score >= 0.9 * top.score]
        hits = self._order(hits, list(top.hits) + [f.hits[0] for f in runners])
        sentences = self._sentences(r.query.text, hits[: self.settings.citations])
        if lead_span:
            sentences[lead_hit.index] = lead_span
        a, b = sentences.get(lead_hit.index, (0, len(lead_hit.chunk.text)))
        quote = escape_md(lead_hit.chunk.text[a:b].strip())
        lead = f"**{escape_md(top.name)}** — “{quote}” [1]"
        if runners:
            lead += "\n\nAlso close: " + ", ".join(f"**{escape_md(f.name)}**" for f in runners) + "."
        return self._finish(r, lead, self._ranked_names(r), hits, note=note, sentences=sentences)

    def _many(self, r: SearchResult, note: str) -> Answer:
        top = r.films[0].score
        chosen = [f for f in r.films if f.score >= MANY_SHARE * top][:10]
        hits = [f.hits[0] for f in chosen]
        if r.intro:  # the introduction that says what the listed films share comes first
            hits = [r.intro] + hits
        sentences = self._sentences(r.query.text, hits[: self.settings.citations])
        number = {h.index: n for n, h in enumerate(hits[: self.settings.citations], 1)}
        items = [f"**{escape_md(f.name)}**" + (f" [{number[f.hits[0].index]}]" if f.hits[0].index in number else "")
                 for f in chosen]
        lead = (f"{len(chosen)} films match: " if len(chosen) > 1 else "One film matches: ") + ", ".join(items) + "."
        if r.intro:
            lead += f" The article _{escape_md(r.intro.chunk.title)}_ introduces its list this way [1]."
        keys = {f.key for f in chosen}
        return self._finish(r, lead, self._ranked_names(r), hits + [h for h in r.hits if h.film_key in keys], note=note,
                            sentences=sentences)

    def _abstain(self, r: SearchResult, note: str) -> Answer:
        unclear = UNCLEAR.get(r.confidence.get("reason", ""))
        if unclear:  # nothing to search for: say what to ask instead of showing unrelated passages
            return self._finish(r, unclear, [], [], abstained=True, note=note)
        film = self._film_in_question(r)
        if film:
            lead = (f"The articles don't say — they discuss **{escape_md(self.searcher.catalog.name(film))}**, "
                    "but no passage answers this. The closest passages are below.")
            hits = [h for h in r.hits if h.film_key == film][:3]
        else:
            lead = "The articles don't say — I found no passage that answers this. The closest passages are below."
            hits = r.hits[:3]
        return self._finish(r, lead, [], hits, abstained=True, note=note)

    def _fact_values(self, key: str, kind: str) -> list[tuple[str, list[Fact]]]:
        """Every value the articles give for this fact of this film, agreeing values merged."""
        facts = []
        for i in self.searcher.catalog.chunk_ids.get(key, []):
            if self.searcher.duplicate_of[i] == i:
                facts += [f for f in facts_in(self.searcher.index.chunks[i]) if f.kind == kind]
        groups: list[tuple[str, list[Fact]]] = []
        for f in sorted(facts, key=lambda f: -len(f.value)):  # the most specific wording leads its group
            for value, members in groups:
                if same_value(value, f.value):
                    members.append(f)
                    break
            else:
                groups.append((f.value, [f]))
        return groups

    def _hit_for(self, r: SearchResult, chunk: Chunk, score: float) -> Hit:
        for h in r.hits:
            if h.chunk.id == chunk.id:
                return h
        i = next(i for i, c in enumerate(self.searcher.index.chunks) if c.id == chunk.id)
        return Hit(i, chunk, score, 0.0, 0.0, self.searcher.chunk_film[i])

    def _fact(self, r: SearchResult, key: str, kind: str, note: str) -> Answer | None:
        groups = self._fact_values(key, kind)
        if not groups:
            return None
        name = self.searcher.catalog.name(key)
        score = r.films[0].score if r.films else 1.0
        hits, sentences, parts = [], {}, []
        for value, facts in groups:
            nums = []
            for f in facts:
                h = self._hit_for(r, f.chunk, score)
                if h not in hits:
                    hits.append(h)
                    sentences[h.index] = (f.start - f.chunk.start, f.end - f.chunk.start)
                nums.append(hits.index(h) + 1)
            parts.append((value, sorted(set(nums))))
        on = "on" if re.search(r"[A-Za-z]+ \d", parts[0][0]) else "in"
        first = FACT_PHRASE[kind].format(film=f"**{escape_md(name)}**", value=escape_md(parts[0][0]), on=on)
        lead = first + " " + "".join(f"[{n}]" for n in parts[0][1]) + "."
        if len(parts) > 1:
            lead += " The articles disagree: " + "; ".join(
                f"another gives {escape_md(v)} " + "".join(f"[{n}]" for n in nums) for v, nums in parts[1:]) + "."
        film_hits = [h for h in r.hits if h.film_key == key]
        return self._finish(r, lead, [name] + [n for n in self._ranked_names(r) if n != name],
                            self._order(hits, film_hits), note=note, sentences=sentences)

    def _films_with_fact(self, r: SearchResult, note: str) -> Answer | None:
        """"Which films came out in 2013?", "Which films star Son Ye-Jin?": films whose stated facts match."""
        kind = fact_kind(r.query.text)
        if kind not in ("release", "cast", "director"):
            return None
        if kind == "release":
            wanted = re.findall(r"\b(?:1[89]|20)\d\d\b", r.query.text)
        else:
            wanted = [w for w in words(r.query.text) if w not in QUESTION_WORDS and not FACT_KINDS[kind][0].search(w)]
            wanted = [" ".join(wanted)] if len(wanted) >= 2 else []  # a name: at least two words
        if not wanted:
            return None
        catalog, chunks = self.searcher.catalog, self.searcher.index.chunks
        rank = {f.key: n for n, f in enumerate(r.films)}
        matches: dict[str, list[Fact]] = {}
        for key in catalog.names:
            for value, facts in self._fact_values(key, kind):
                if all(w in " ".join(words(value)) for w in wanted):
                    matches.setdefault(key, []).extend(facts)
        if not matches:
            return None
        keys = sorted(matches, key=lambda k: rank.get(k, len(rank)))
        score = r.films[0].score if r.films else 1.0
        hits, sentences, items = [], {}, []
        for key in keys:
            nums = []
            for f in matches[key]:
                h = self._hit_for(r, f.chunk, score)
                if h not in hits:
                    hits.append(h)
                    sentences[h.index] = (f.start - f.chunk.start, f.end - f.chunk.start)
                if hits.index(h) < self.settings.citations:
                    nums.append(hits.index(h) + 1)
            items.append(f"**{escape_md(catalog.name(key))}** " + "".join(f"[{n}]" for n in sorted(set(nums))))
        lead = f"{len(keys)} film{'s' if len(keys) != 1 else ''} match: " + ", ".join(i.strip() for i in items) + "."
        names = [catalog.name(k) for k in keys]
        return self._finish(r, lead, names + [n for n in self._ranked_names(r) if n not in names], hits, note=note,
                            sentences=sentences)

    def _card(self, r: SearchResult, key: str, note: str) -> Answer:
        """Everything the articles say about one film, each fact cited; disagreements shown side by side."""
        name = self.searcher.catalog.name(key)
        ids = [i for i in self.searcher.catalog.chunk_ids.get(key, []) if self.searcher.duplicate_of[i] == i]
        chunks = [self.searcher.index.chunks[i] for i in ids]
        score = r.films[0].score if r.films else 1.0
        # one passage per article: the first of the film's section there (it carries the plot line)
        firsts: dict[str, Chunk] = {}
        for c in chunks:
            firsts.setdefault(c.file, c)
        hits = [self._hit_for(r, c, score) for c in firsts.values()]
        rows = []
        for kind in ("release", "director", "duration", "cast"):
            for value, facts in self._fact_values(key, kind):
                nums = []
                for f in facts:
                    h = self._hit_for(r, f.chunk, score)
                    if h not in hits:
                        hits.append(h)
                    nums.append(hits.index(h) + 1)
                rows.append((FACT_LABEL[kind], value, sorted(set(nums))))
        sentences = {}
        for n, h in enumerate(hits[: len(firsts)], 1):  # one plot line per article
            span = self.searcher.plot_sentence(h.index)
            if span:
                sentences[h.index] = span
                rows.append(("Plot", h.chunk.text[span[0]:span[1]].strip(), [n]))
        lead = f"**{escape_md(name)}** — discussed in {len(firsts)} article{'s' if len(firsts) != 1 else ''}."
        return self._finish(r, lead, [name] + [n for n in self._ranked_names(r) if n != name], hits, note=note,
                            sentences=sentences, card=rows)


_COMMON = set("the a an of in on to is was are who what which when how did does do film movie about it he she they his her".split())


def open_composer(settings, embedder=None, build: bool = True, progress: bool = False, log=print) -> Composer:
    """Model + index + searcher, ready to answer.

    With ``build``, the index is brought up to date first when it can be (``index.ready_index``).
    """
    from .embedding import Embedder
    from .index import load_index, ready_index

    embedder = embedder or Embedder(settings.model, settings.backend)
    index = ready_index(settings, embedder, progress, log) if build else load_index(settings)
    return Composer(Searcher(index, embedder, settings))
