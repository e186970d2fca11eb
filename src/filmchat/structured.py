"""Questions over the film catalog, answered exactly and without a language model.

Filters ("which films came out in the autumn?", "… before 2010", "… over two hours",
"… directed by Park Jin-Pyo", "… starring Son Ye-Jin", "… based on a true story"),
comparisons between named films ("which came out first, Hope or Silenced?"),
superlatives ("which film is the longest?") and counts ("how many films did X direct?").
Values are compared as values (dates, minutes); every film in an answer cites the
statement that qualified it; when the articles cannot settle a question the answer says
which values are missing. What a question asks is read in ``conditions.py``.
"""

from __future__ import annotations

import re
import weakref

from .catalog import Catalog, FilmEntry, Value, catalog_for
from .conditions import COMPARE, Parsed, by_the_same_people, parse
from .grounding import asked
from .question import EARLIER
from .render import escape_md
from .text import QUESTION_WORDS, SMALL_WORDS, words

NOUN = {"release": "release date", "duration": "runtime", "director": "director", "cast": "cast",
        "true_story": "true story"}
SHOWN_MISSING = 6  # films named in "the articles don't give it for …" before "and N more"


# ---------------------------------------------------------------- an article named as the films' scope

# an article is named when the question has this many of its title's distinctive words, and this share of them
# ("the '10 touching and emotional korean movies' list": 10, touching, emotional of 10, touching, emotional, cry)
ARTICLE_WORDS, ARTICLE_SHARE = 2, 0.5
ARTICLE_WORD = re.compile(r"\b(list|lists|article|articles|post|ranking|piece|countdown)\b", re.I)
_ARTICLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def article_named(text: str, searcher) -> tuple[str, list[str], frozenset[int]] | None:
    """The title and films of an article the question names as its scope ("on the '10 touching and emotional
    korean movies' list, which one is the oldest?"), in the article's order, and the positions of the question's
    words that named it: most of the distinctive words of one article's title, beside "list" or "article"."""
    if not ARTICLE_WORD.search(text):
        return None
    if searcher not in _ARTICLES:  # one pass over the passages, on the first such question
        films: dict[str, dict[str, None]] = {}
        for c, key in zip(searcher.index.chunks, searcher.chunk_film):
            if key:
                films.setdefault(c.title, {})[key] = None
        _ARTICLES[searcher] = {t: (set(words(t)) - QUESTION_WORDS - SMALL_WORDS, list(fs)) for t, fs in films.items()}
    ws = words(text)
    best, share = None, 0.0
    for title, (distinct, films) in _ARTICLES[searcher].items():
        found = distinct & set(ws)
        if len(found) >= ARTICLE_WORDS and len(found) / max(len(distinct), 1) > share:
            best, share = (title, films, frozenset(i for i, w in enumerate(ws) if w in distinct)), len(found) / len(distinct)
    return best if share >= ARTICLE_SHARE else None


# the films a question leaves out ("which film stars gong yoo besides train to busan?")
BESIDES = re.compile(r"\b(besides|except|excluding|other than|apart from|aside from|not counting)$")

# ---------------------------------------------------------------- answering

def answer_structured(composer, r, note: str = ""):
    """An ``Answer`` for a question over the catalog, or None to let retrieval answer it."""
    q = r.query
    catalog = catalog_for(composer.searcher)
    if q.focus or q.exclude:  # "did he make any other film?" after "who directed X?": X's director's other films
        parsed = by_the_same_people(q.text, catalog.get(q.focus or q.exclude), q.previous)
        if parsed:
            return _Reply(composer, r, catalog, parsed, note).answer()
    fact = asked(q.text)
    if q.focus or (fact and fact.kind != "true story"):  # a follow-up about one film; a fact the catalog lacks ("most awards")
        return None
    searcher = composer.searcher
    known, story = (lambda w: searcher.mentions.mentioned((w,))), searcher.means_a_story
    # in the order the question names them; or two films of the conversation it compares ("that or the first one")
    ws = words(q.text)
    besides = [t for t in q.titles if BESIDES.search(" ".join(ws[max(0, t.span[0] - 2):t.span[0]]))]  # "besides Hope"
    named = [t.key for t in sorted(q.titles, key=lambda t: t.span[0]) if t not in besides] or list(q.compared)
    text = EARLIER.sub(" ", q.spelled) if q.compared else q.spelled  # typos read as the words they stand for ("octobr")
    typos = {read: typed for read, typed in zip(words(q.spelled), words(q.text)) if read != typed}  # "smith": "smth"
    titled = lambda titles: frozenset(i for t in titles for i in range(*t.span))
    listing, within = frozenset(), None
    if not named and (article := article_named(text, searcher)):  # "on the '10 touching …' list, which is the oldest?"
        within, named, listing = article
    parsed = parse(text, named, catalog, known, story, typos, titled(q.titles) | listing | set(_besides_words(ws, besides)))
    if parsed is not None and within:
        parsed.within = within
    if parsed is None and len(named) < 2 and COMPARE.search(q.spelled.lower()):
        # "marathon or daisy, which one is older": two or more titles compared are titles, however they are typed
        matched = sorted(searcher.catalog.match(q.text, loose=True), key=lambda t: t.span[0])
        loose = [t.key for t in matched]
        parsed = parse(text, loose, catalog, known, story, typos, titled(matched)) if len(loose) >= 2 else None
        parsed = parsed if parsed and parsed.form == "compare" else None
    if parsed is None:
        return None
    if q.exclude:  # "what other films came out in 2013?": not the conversation's film
        parsed.exclude = [q.exclude]
    parsed.exclude += [t.key for t in besides]  # "which film stars gong yoo besides train to busan?"
    return _Reply(composer, r, catalog, parsed, note).answer()


def _besides_words(ws: list[str], besides) -> list[int]:
    """The positions of "besides" / "other than" before the titles left out (not a topic of the question)."""
    return [i for t in besides for i in range(max(0, t.span[0] - 2), t.span[0]) if BESIDES.search(ws[i])
            or ws[i] in ("other", "than", "apart", "from", "aside")]


def _singular(what: str) -> str:
    """"were directed by X and run over 120 minutes" for one film: "was directed by X and runs over 120 minutes"."""
    return re.sub(r"\b(were|are|run|star)\b(?= )", lambda m: {"were": "was", "are": "is", "run": "runs",
                                                              "star": "stars"}[m.group(1)], what)


def _date_key(v: Value) -> tuple:
    y, m, d = v.date
    return (y, m or 0, d or 0)


def _when(v: Value) -> str:
    return v.text if v.kind != "duration" else f"{v.minutes} minutes" if v.minutes is not None else v.text


class _Reply:
    """One answer being written: the films, their cited values, and the passages those citations number."""

    def __init__(self, composer, r, catalog: Catalog, parsed: Parsed, note: str):
        self.c, self.r, self.catalog, self.p, self.note = composer, r, catalog, parsed, note
        self.esc = escape_md
        self.hits, self.sentences = [], {}
        self.rank = {h.chunk.id: n for n, h in enumerate(r.hits)}
        self.film_rank = {f.key: n for n, f in enumerate(r.films)}

    def cite(self, v: Value) -> str:
        """Citation numbers of a value; of its statements, the passage retrieval ranks higher is cited first."""
        facts = sorted(v.facts, key=lambda f: self.rank.get(f.chunk.id, len(self.rank)))
        return "".join(f"[{n}]" for n in self.c.cite_facts(self.r, facts, self.hits, self.sentences))

    def film(self, f: FilmEntry) -> str:
        return f"**{self.esc(f.name)}**"

    def finish(self, lead: str, films: list[FilmEntry], abstained: bool = False):
        names = [] if abstained else [f.name for f in films]
        return self.c._finish(self.r, lead, names, self.hits, abstained=abstained, note=self.note,
                              sentences=self.sentences, limit=max(len(self.hits), 1))

    def names(self, films: list[FilmEntry]) -> str:
        names = [self.film(f) for f in films]
        return ", ".join(names[:SHOWN_MISSING]) + (f" and {len(names) - SHOWN_MISSING} more" if len(names) > SHOWN_MISSING else "")

    def missing(self, kind: str, films: list[FilmEntry]) -> str:
        return f"The articles don't give the {NOUN[kind]} for {self.names(films)}." if films else ""

    def answer(self):
        return {"filter": self.filtered, "count": self.filtered, "superlative": self.superlative,
                "compare": self.compare}[self.p.form]()

    # -- filters and counts
    def select(self) -> tuple[list[tuple[FilmEntry, list[Value]]], dict[str, list[FilmEntry]], list[FilmEntry]]:
        """Films meeting every condition (with the values that qualified them), films lacking a value, too-vague ones."""
        pool = [self.catalog.get(k) for k in self.p.named if self.catalog.get(k)] or self.catalog.films
        pool = [f for f in pool if f.key not in self.p.exclude]
        chosen, lacking, vague = [], {}, []
        for f in pool:
            used, ok = [], True
            for cond in self.p.conditions:
                vs = f.values.get(cond.kind) or []
                if not vs:
                    lacking.setdefault(cond.kind, []).append(f)
                    ok = False
                    break
                results = [(v, cond.test(v)) for v in vs]
                good = [v for v, t in results if t]
                if not good:
                    ok = False
                    if all(t is None for _, t in results):
                        vague.append(f)
                    break
                used += [v for v in good if v not in used]
            if ok:
                chosen.append((f, used))
        return chosen, lacking, vague

    def filtered(self):
        chosen, lacking, vague = self.select()
        chosen.sort(key=lambda fu: self.film_rank.get(fu[0].key, len(self.film_rank)))  # the question's words break ties
        what = " and ".join(c.words for c in self.p.conditions)
        items = [f"{self.film(f)} ({'; '.join(self.esc(_when(v)) + ' ' + self.cite(v) for v in used)})" for f, used in chosen]
        notes = []
        for kind, films in lacking.items():
            if kind in ("release", "duration", "director"):
                total = len(self.catalog.films) if not self.p.named else len(self.p.named)
                notes.append(f"The {NOUN[kind]} is stated for {total - len(films)} of the {total} films; "
                             f"the articles don't give it for {self.names(films)}.")
        if vague:
            notes.append("The articles give only the year for " + self.names(vague) + ", so they can't say whether "
                         "those match.")
        if not chosen:
            lead = (f"The articles name no{' other' if self.p.exclude else ''} film that {_singular(what)}."
                    + ("" if not notes else " " + " ".join(notes)))
            return self.finish(lead, [], abstained=True)
        if self.p.form == "count":
            lead = (f"**{len(chosen)}** of the films in the articles {what}: " if len(chosen) > 1 else
                    f"**1** film in the articles {_singular(what)}: ") + ", ".join(items) + "."
        else:
            other = " other" if self.p.exclude else ""  # "One other film was directed by Park Jin-Pyo"
            lead = (f"{len(chosen)}{other} films {what}: " if len(chosen) > 1 else
                    f"One{other} film {_singular(what)}: ") + ", ".join(items) + "."
        if notes:
            lead += " " + " ".join(notes)
        if self.p.within:
            lead = f"Of the films of _{self.esc(self.p.within)}_: " + lead[0].lower() + lead[1:] if lead[0] != "*" else lead
        return self.finish(lead, [f for f, _ in chosen])

    # -- superlatives
    def superlative(self):
        kind, largest = self.p.kind, self.p.largest
        chosen, lacking, vague = self.select()  # without conditions: every film (of the films named, if any)
        pool = [f for f, _ in chosen]
        stated = [f for f in pool if f.value(kind) is not None and (kind != "duration" or f.value(kind).minutes)]
        key = (lambda f: f.value(kind).minutes) if kind == "duration" else (lambda f: _date_key(f.value(kind)))
        word = {("duration", True): "the longest", ("duration", False): "the shortest",
                ("release", True): "the most recent", ("release", False): "the earliest"}[(kind, largest)]
        scope = ("films that " + " and ".join(c.words for c in self.p.conditions)) if self.p.conditions else "films"
        if self.p.within:
            scope += f" of _{self.esc(self.p.within)}_"
        if not stated:
            return self.finish(f"The articles don't give the {NOUN[kind]} for any of the {len(pool)} {scope}, so they "
                               f"can't say which is {word}.", [], abstained=True)
        ranked = sorted(stated, key=key, reverse=largest)
        best = ranked[0]
        ties = [f for f in ranked if key(f) == key(best)]
        vague_tie = []
        if kind == "release":  # a bare year may hide a date before or after the winner's
            y = best.value(kind).date[0]
            vague_tie = [f for f in ranked[1:] if f.value(kind).date[0] == y and f.value(kind).date[1] is None]
        head = " and ".join(f"{self.film(f)} ({self.esc(_when(f.value(kind)))} {self.cite(f.value(kind))})" for f in ties)
        verb = "are" if len(ties) > 1 else "is"
        runners = [f for f in ranked[len(ties):len(ties) + 2] if f not in vague_tie]
        if len(stated) < len(pool):
            lead = (f"The {NOUN[kind]} is stated for {len(stated)} of the {len(pool)} {scope}; of those, {head} {verb} "
                    f"{word}.")
        else:
            lead = f"{head} {verb} {word} of the {len(pool)} {scope}."
        if vague_tie:
            lead += (" The articles give only the year for " + ", ".join(
                f"{self.film(f)} ({self.esc(f.value(kind).text)} {self.cite(f.value(kind))})" for f in vague_tie)
                + ", so it may be " + word.replace("the ", "") + " too.")
        if runners:
            lead += " Then " + ", ".join(f"{self.film(f)} ({self.esc(_when(f.value(kind)))} {self.cite(f.value(kind))})"
                                         for f in runners) + "."
        missing = [f for f in pool if f not in stated]
        if missing:
            lead += " " + self.missing(kind, missing)
        return self.finish(lead, ties + vague_tie + runners)

    # -- comparisons of named films
    def compare(self):
        kind, largest = self.p.kind, self.p.largest
        films = [self.catalog.get(k) for k in self.p.named if self.catalog.get(k)]
        gone = [f for f in films if f.value(kind) is None or (kind == "duration" and f.value(kind).minutes is None)]
        known = [f for f in films if f not in gone]
        verb = {"duration": "runs", "release": "came out"}[kind]
        key = (lambda f: f.value(kind).minutes) if kind == "duration" else (lambda f: _date_key(f.value(kind)))
        ranked = sorted(known, key=key, reverse=largest)

        def said_of(fs):
            return ", ".join(f"{self.film(f)} {verb} {'' if kind == 'duration' else ('on ' if f.value(kind).date[1] else 'in ')}"
                             f"{self.esc(_when(f.value(kind)))} {self.cite(f.value(kind))}" for f in fs)

        said = said_of(ranked)
        if gone:
            lead = (f"I can't compare them: the articles don't give the {NOUN[kind]} of "
                    + " or ".join(self.film(f) for f in gone) + "." + (f" {said[0].upper()}{said[1:]}." if said else ""))
            return self.finish(lead, [], abstained=True)
        a, b = ranked[0], ranked[1]
        if kind == "release":
            va, vb = a.value(kind).date, b.value(kind).date
            if va[0] == vb[0] and (va[1] is None or vb[1] is None):
                vaguer = a if va[1] is None else b
                return self.finish(f"I can't tell which came out {'later' if largest else 'first'}: both came out in "
                                   f"{va[0]}, and the articles give no exact date for {self.film(vaguer)}. {said}.",
                                   [], abstained=True)
        if key(a) == key(b):
            same = "run the same time" if kind == "duration" else "came out on the same date"
            return self.finish(f"{self.film(a)} and {self.film(b)} {same}: {said}.", ranked)
        word = {("duration", True): "is longer", ("duration", False): "is shorter", ("release", True): "came out later",
                ("release", False): "came out first"}[(kind, largest)]
        if len(films) > 2:
            word = {"is longer": "is the longest", "is shorter": "is the shortest", "came out later": "came out last",
                    "came out first": "came out first"}[word]
        yes = ""
        if re.match(r"^\s*(is|was|did|does)\b", self.r.query.text, re.I):
            yes = "Yes — " if ranked[0].key == self.p.named[0] else "No — "
        return self.finish(f"{yes}{self.film(a)} {word}: {said}.", ranked)
