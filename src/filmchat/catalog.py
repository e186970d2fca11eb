"""The film catalog: every film's stated values (date, runtime, director, cast, true story, country), each cited.

Built from the same extraction as the film cards (``facts.py``) over the index's passages,
near-duplicate copies left out. It costs one pass of regular expressions over the passages
(13 ms for the shipped corpus, 19 s at a million passages), so a build makes it and stores it
with the index (``catalog_data``, tables.py); an index store that keeps none builds it on first
use. Values the articles disagree on are all kept, each with its own sources. Dates and
runtimes are parsed, so questions compare values, not words.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import io
import json
import re
import weakref
from dataclasses import dataclass, field

import numpy as np

from .chunking import Chunk
from .facts import Fact, catalog_facts_in, merge_values, sentence_around
from .films import FilmCatalog
from .text import MONTH_NAMES, QUESTION_WORDS, words, zipf

KINDS = ("release", "duration", "director", "cast", "true_story", "country")
LABELS = {"release": "Released", "duration": "Runtime", "director": "Director", "cast": "Cast",
          "true_story": "True story", "country": "Country"}
MONTHS = {m: n for n, m in enumerate(MONTH_NAMES, 1)}
MONTHS.update({m[:3]: n for m, n in list(MONTHS.items())})
MONTHS["sept"] = 9
LISTED = "listed among films based on true stories"
# an article's introduction that says every film it lists is based on real events ("films based on true stories")
LIST_TRUE = re.compile(r"\b(films|movies)\b[^.]{0,40}\b(based on|inspired by)\s+(true stor|real|actual|true events)", re.I)


def parse_date(text: str) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) of "January 24, 2013", "24 January 2013", "March 2013" or "2013"; None if no year."""
    year = re.search(r"\b(1[89]\d\d|20\d\d)\b", text)
    if not year:
        return None
    month = next((MONTHS[w] for w in words(text) if w in MONTHS), None)
    day = re.search(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b(?!\d)", text.replace(year.group(1), "")) if month else None
    d = int(day.group(1)) if day and 1 <= int(day.group(1)) <= 31 else None
    return int(year.group(1)), month, d


def parse_minutes(text: str) -> int | None:
    """Minutes in "127 minutes", "127 min", "2h 7m", "2 hours 7 minutes"; None if none."""
    t = text.casefold()
    h = re.search(r"(\d+)\s*(?:h|hr|hrs|hours?)\b\s*(?:(\d+)\s*(?:m|min|mins|minutes?)\b)?", t)
    if h:
        return int(h.group(1)) * 60 + int(h.group(2) or 0)
    m = re.search(r"(\d{2,3})\s*(?:m|min|mins|minutes?)?\b", t)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class Value:
    """One stated value of one film, with every statement of it (one per article that gives it)."""

    kind: str
    text: str  # the most specific wording ("January 24, 2013" rather than "2013")
    facts: tuple[Fact, ...]
    date: tuple[int, int | None, int | None] | None = None  # release only
    minutes: int | None = None  # duration only

    @property
    def names(self) -> list[str]:
        """The people a director or cast value lists, as written ("Gong Yoo, Ma Dong-Seok and Jung Yu-Mi")."""
        return [part.strip() for part in re.split(r"\s*,\s*|\s+and\s+", self.text)]


@dataclass
class FilmEntry:
    key: str
    name: str
    values: dict[str, list[Value]] = field(default_factory=dict)  # kind -> values; two or more: the articles disagree

    def value(self, kind: str) -> Value | None:
        """The value most articles give (the most specific on a tie)."""
        vs = self.values.get(kind) or []
        return max(vs, key=lambda v: len(v.facts)) if vs else None


@dataclass
class Catalog:
    films: list[FilmEntry]  # in the order the corpus first mentions them

    def get(self, key: str) -> FilmEntry | None:
        return self._by_key.get(key)

    @functools.cached_property
    def _by_key(self) -> dict[str, FilmEntry]:  # a question names a film: not a scan of every film
        out: dict[str, FilmEntry] = {}
        for f in self.films:
            out.setdefault(f.key, f)
        return out

    def stated(self, kind: str) -> list[FilmEntry]:
        return [f for f in self.films if f.values.get(kind)]

    @functools.cached_property
    def people(self) -> dict[str, tuple[tuple[str, ...], set[str]]]:
        """Every person the catalog names (two words or more), by the letters of their name ("sonyejin": Son Ye-Jin,
        however a question spaces it) -> their name's words and the kinds naming them ("director", "cast"): a question
        that names someone is about their films, however it is worded."""
        out: dict[str, tuple[tuple[str, ...], set[str]]] = {}
        for f in self.films:
            for kind in ("director", "cast"):
                for v in f.values.get(kind, []):
                    for part in v.names:
                        if len(name := tuple(words(part))) >= 2:
                            out.setdefault("".join(name), (name, set()))[1].add(kind)
        return out

    @functools.cached_property
    def surnames(self) -> frozenset[str]:
        """How the catalog's people's names start ("park", "lee"), but not words a question is made of ("so")."""
        return frozenset(n[0] for n, _ in self.people.values() if n[0] not in QUESTION_WORDS and zipf(n[0]) < 6)

    @functools.cached_property
    def given_names(self) -> frozenset[str]:
        """The words after a surname in the catalog's people's names ("jin", "pyo"): read once, not per question."""
        return frozenset(w for n, _ in self.people.values() for w in n[1:])

    @functools.cached_property
    def _sounds(self) -> dict[str, str]:
        return {_sound(k): k for k in self.people}

    @functools.cached_property
    def _skeletons(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for k in self.people:
            out.setdefault(_skeleton(k), []).append(k)
        return out

    def person(self, letters: str, loose: bool = True) -> tuple[tuple[str, ...], set[str]] | None:
        """The person whose name has these letters ("ryuseungryong"), as written or romanised another way
        ("Ryu" for "Ryoo", "Jeong" for "Jung": the same consonants, up to ``NAME_EDITS`` letters apart in a name of
        ``NAME_LETTERS`` or more, when no one else is as close), else None. Looked up by key, never by a pass
        over every name (a question tries each run of its words: at a million passages, 100,000 names)."""
        if letters in self.people or not loose or len(letters) < SHORTEST_NAME:  # ``loose``: also romanised otherwise
            return self.people.get(letters)
        if _sound(letters) in self._sounds:  # "gong yu": Gong Yoo
            return self.people[self._sounds[_sound(letters)]]
        if len(letters) < NAME_LETTERS:
            return None
        from rapidfuzz.distance import OSA

        near = sorted((OSA.distance(letters, k), k) for k in self._skeletons.get(_skeleton(letters), []))
        near = [(d, k) for d, k in near if d <= NAME_EDITS]
        if len(near) == 1 or (len(near) > 1 and near[0][0] < near[1][0]):
            return self.people[near[0][1]]
        return None


# a name typed with another romanisation is still that person: up to 2 letters apart ("Ryu"/"Ryoo", "Yi"/"Lee"),
# in names of 8 letters or more (the shipped catalog's 44 names are 3 or more letters apart from each other)
NAME_EDITS = 2
NAME_LETTERS = 8

_SOFT = str.maketrans("", "", "aeiouywh")
_VOWELS = re.compile(r"oo|ou|eo")
SHORTEST_NAME = 5  # letters of the shortest name worth reading as romanised otherwise ("gongyu")
_DOUBLED = re.compile(r"(.)\1+")


def _skeleton(letters: str) -> str:
    """A name's firm consonants, doubled ones once ("ryooseungryong" -> "rsngrng"): what romanisations and most
    typos of it share (vowels, y, w and h are where "Ryu"/"Ryoo", "Pyo"/"Pio", "Hwan"/"Whan" differ)."""
    return _DOUBLED.sub(r"\1", letters.translate(_SOFT))


def _sound(letters: str) -> str:
    """A Korean name's letters with the vowels written several ways in English written one way ("Yoo"/"Yu",
    "Jeong"/"Jung", "Lee"/"Li", "Hyeon"/"Hyun")."""
    return _VOWELS.sub("u", letters).replace("ee", "i")


_CATALOGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def catalog_for(searcher) -> Catalog:
    """The catalog of a searcher's index: read (or built) on its first use, then kept as long as that index answers."""
    if searcher not in _CATALOGS:
        stored = getattr(searcher.index, "catalog", None)  # catalog_data as the build stored it
        _CATALOGS[searcher] = (read_catalog(stored, searcher.index.chunks, searcher.catalog) if stored is not None
                               else build_catalog(searcher.index.chunks, searcher.catalog, searcher.duplicate_of))
    return _CATALOGS[searcher]


def build_catalog(chunks: list[Chunk], films: FilmCatalog, duplicate_of: list[int]) -> Catalog:
    """Every film's stated values from the passages that are not near-duplicate copies."""
    table = films.table
    facts: dict[str, list[Fact]] = {k: [] for k in table.keys}  # in the order the corpus first mentions them
    for i in np.flatnonzero((table.film_of >= 0) & (np.asarray(duplicate_of) == np.arange(len(chunks)))).tolist():
        facts[table.keys[table.film_of[i]]] += catalog_facts_in(chunks[i])
    for intro, ids in films.intros.items():  # "Below are some films based on true stories"
        c = chunks[duplicate_of[intro]]
        m = LIST_TRUE.search(c.text)
        if not m:
            continue
        a, b = sentence_around(c.text, m.start())
        for n in sorted({int(table.film_of[i]) for i in ids}):
            facts[table.keys[n]].append(Fact("true_story", LISTED, c, c.start + a, c.start + b))
    out = []
    for key, fs in facts.items():
        entry = FilmEntry(key, films.name(key))
        for kind in KINDS:
            groups = merge_values([f for f in fs if f.kind == kind])
            if kind == "true_story" and groups:  # one yes, however it is worded: the film's own sentence leads
                own = [f for _, members in groups for f in members if f.value != LISTED]
                groups = [(own[0].value if own else LISTED, own + [f for f in fs if f.value == LISTED])]
            entry.values[kind] = [Value(kind, text, tuple(members),
                                        parse_date(text) if kind == "release" else None,
                                        parse_minutes(text) if kind == "duration" else None)
                                  for text, members in groups]
        out.append(entry)
    return Catalog(out)


def catalog_data(catalog: Catalog, chunks: list[Chunk]) -> list[dict]:
    """The catalog as plain JSON data (what a build stores): per film, in catalog order, each kind's values as
    [text, date, minutes, [[chunk position, value, start, end], …]]; ``read_catalog`` reads it back."""
    position = {id(c): i for i, c in enumerate(chunks)}
    return [{kind: [[v.text, v.date, v.minutes, [[position[id(f.chunk)], f.value, f.start, f.end] for f in v.facts]]
                    for v in vs] for kind, vs in f.values.items() if vs} for f in catalog.films]


def read_catalog(data: list[dict], chunks: list[Chunk], films: FilmCatalog) -> Catalog:
    """The Catalog that ``catalog_data`` stored, over these chunks and this film table."""
    out = []
    with gc_paused():
        for key, values in zip(films.table.keys, data, strict=True):
            entry = FilmEntry(key, films.name(key))
            for kind in KINDS:
                entry.values[kind] = [Value(kind, text, tuple(Fact(kind, value, chunks[i], a, b) for i, value, a, b in facts),
                                            tuple(date) if date else None, minutes)
                                      for text, date, minutes, facts in values.get(kind, [])]
            out.append(entry)
    return Catalog(out)


@contextlib.contextmanager
def gc_paused():
    """No garbage collection while many objects that are all kept are made: each collection would walk every
    object of the index (at 100k passages it took three quarters of the time to read the stored catalog)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def cited_table(catalog: Catalog) -> tuple[list[str], list[list[str]], list[Fact]]:
    """Header, one row per film with each cell "value [n]" (values the articles disagree on joined by " | "),
    and the numbered statements [1], [2], … those numbers cite."""
    sources: list[Fact] = []
    number: dict[tuple, int] = {}

    def cell(values: list[Value]) -> str:
        parts = []
        for v in values:
            nums = []
            for f in v.facts:
                where = (f.chunk.file, f.start, f.end)
                if where not in number:
                    sources.append(f)
                    number[where] = len(sources)
                nums.append(number[where])
            text = v.date and "-".join(f"{x:02d}" for x in v.date if x) or (f"{v.minutes} min" if v.minutes else v.text)
            parts.append(text + " " + "".join(f"[{n}]" for n in sorted(set(nums))))
        return " | ".join(parts)

    rows = [[f.name] + [cell(f.values.get(k, [])) for k in KINDS] for f in catalog.films]
    return ["Film"] + [LABELS[k] for k in KINDS], rows, sources


def source_line(n: int, f: Fact) -> str:
    text = " ".join(f.chunk.text[f.start - f.chunk.start:f.end - f.chunk.start].split())
    return f"[{n}] {f.chunk.file}:{f.start}-{f.end} “{text}”"


def catalog_table(searcher, fmt: str = "text") -> str:
    """The catalog as ``filmchat films`` prints it: ``text`` (a table and its numbered sources), ``csv`` or ``json``."""
    catalog = catalog_for(searcher)
    if fmt == "json":
        return json.dumps(catalog_rows(catalog), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["film"] + [c for k in KINDS for c in (k, f"{k}_sources")])
        for f in catalog.films:
            row = [f.name]
            for k in KINDS:
                vs = f.values.get(k, [])
                row += [" | ".join(v.text for v in vs),
                        "; ".join(f"{s.chunk.file}:{s.start}-{s.end}" for v in vs for s in v.facts)]
            w.writerow(row)
        return out.getvalue()
    header, rows, sources = cited_table(catalog)
    rows = [[c or "-" for c in r] for r in rows]
    widths = [min(max(len(r[i]) for r in rows + [header]), 40) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join((c if len(c) <= w else c[:w - 1] + "…").ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines += ["", f"{len(catalog.films)} films. Sources:"] + [source_line(n, f) for n, f in enumerate(sources, 1)]
    return "\n".join(lines) + "\n"


def catalog_rows(catalog: Catalog) -> list[dict]:
    """The catalog as plain rows (``filmchat films --json``): each value with its sources (file and offsets)."""
    rows = []
    for f in catalog.films:
        row = {"film": f.name}
        for kind in KINDS:
            row[kind] = [{"value": v.text, **({"date": "-".join(f"{x:02d}" for x in v.date if x)} if v.date else {}),
                          **({"minutes": v.minutes} if v.minutes is not None else {}),
                          "sources": [{"file": s.chunk.file, "start": s.start, "end": s.end,
                                       "text": s.chunk.text[s.start - s.chunk.start:s.end - s.chunk.start]}
                                      for s in v.facts]}
                         for v in f.values.get(kind, [])]
        rows.append(row)
    return rows
