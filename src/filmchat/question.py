"""Reading one question: its text cleaned, the films it names, names no article mentions, and what kind
of answer it wants (one film, several, a follow-up about "it").

This is the single turn; which film a follow-up refers to needs the conversation's earlier
answers, so `search.Searcher.understand` adds that on top.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .facts import FACT_KINDS, fact_kind, fact_opening
from .films import BARE_TITLE_WORDS, FilmCatalog, TitleMatch
from .mentions import Mentions
from .text import CONNECTORS, MONTH_NAMES, POSSESSIVE, QUESTION_WORDS, bm25_tokens, capitalised_runs, content_words, formal, formal_word, phrases, quoted, stems, word_tokens, words

# a question after films in the plural without "which" ("films set under Chun Doo Hwan's regime", "movies about
# comfort women?"): several films may be right, so none has to stand out from the others (judge.py)
MANY = re.compile(r"^\W*(?:[a-z]+\s+){0,2}(films|movies)\b|\b(films|movies)\s+(about|where|with|that|set|in which|featuring)\b", re.I)
PLURAL = re.compile(r"\b(which|what|list|name|any|all)\b.{0,20}\b(films|movies|shows|dramas|ones)\b|\bother (films|movies|shows)\b", re.I)
WHICH = re.compile(r"^\s*(which|what)\s+(korean\s+)?(film|movie|show|drama|one)s?\b|\b(films?|movies?)\s+(about|where|with|that|in which)\b"
                   r"|\b(the|another) (one|film|movie) (with|about|where|that|who|in which)\b|\bdifferent (one|film|movie)\b|\bsomething else (with|about|where|like|that)\b|\b(is there|any) (one|a film|a movie)s? (with|about|where|that|in which)\b"
                   r"|\b(what('?s| is| was) (it|that|this)( film| movie)? called|which one (is|was) it|what('?s| is| was) (its|the) (name|title)\b(?!\s+of\s+(?:the|his|her|a|an)\s+(?!film\b|movie\b)))", re.I)
# (not "what's the name of the guy he wants her to marry": a character's name)
# "the first one", "the other film": an earlier film of the conversation than the latest
EARLIER = re.compile(r"\b(the )?(first|second|third|earlier|previous|other|former) (one|film|movie)\b"
                     r"|\bthe (one|film|movie) (before)\b", re.I)
# "the zombie train one", "that remake of a japanese film": a film the question points at by what it is about
DESCRIBED = re.compile(r"\b(?:the|that|this)\s+((?:(?!(?:the|that|this|these|those|in|is|was)\b)"
                       r"[\w'’-]+\s+){1,5}?)(?:one|film|movie)\b", re.I)  # not "the main guy called in that one"
NOT_DESCRIBING = frozenset("first second third earlier previous other former last latest same whole new next sad "
                           "korean".split()) | BARE_TITLE_WORDS  # "that last one", "the director of the film"
ORDINALS = {"first": 0, "second": 1, "third": 2}  # "the second one": the second film the conversation named
# all a follow-up says when it asks again what the question before asked ("and Hope?", "what about the other one?")
ELLIPSIS = frozenset("and what whats how hows about then also so for with one ones the film movie that this same "
                     "ok okay now please pls".split())
REFERS_BACK = re.compile(r"\b(it|its|it's|he|him|his|she|her|hers|they|them|their|this|that|these|those|the (film|movie|show|drama|story))\b", re.I)
# "Which film is about …" carries no content; the dense query is the rest of the question.
FRAME = re.compile(r"^\s*(which|what)\s+(korean\s+)?(films?|movies?|shows?|dramas?|ones?)\s+(is|are|was|were|has|have|had|does|do|did)?\s*(about\s+)?"
                   r"|" + phrases()["cues"]["frame"], re.I)  # "sad korean film about …": words any film here fits
# a capitalised run of two or more words after the first word: a person, place or event ("Lee Hyung Ho")
NAME = re.compile(r"(?<!^)(?<![.?!] )\b([A-Z][\w’'-]*(?:\s+(?:of\s+|the\s+)?[A-Z0-9][\w’'-]*)+)")
OTHER = re.compile(r"\b(other|else|another|similar|also|different)\b", re.I)
ANOTHER_ONE = re.compile(r"\b(another|one other|different) (one|film|movie)\b|\bsomething else\b", re.I)  # one film, not the conversation's
# "who directed it?" needs a film: named, or the conversation's
NEEDS_FILM = re.compile(r"\b(it|its|it's|(this|that) (film|movie|show|drama|one))\b", re.I)
# a short question about a person of a film no turn has named ("whats his job", "who is she"): it needs a film too
ASKS_OF_SOMEONE = re.compile(r"^\W*(?:(?:ok|okay|so|and|but|then|hmm)\W+)*(?:what|whats|who|whos|where|when|how|why|does|"
                             r"did|is|was)\b.*\b(?:he|him|his|she|her|they|them|their)\b", re.I)


@dataclass
class Query:
    """The question as understood: text to search, films named, and what kind of answer it wants."""

    text: str
    spelled: str  # the question with typos read as the words they stand for ("moive" -> "movie")
    search_text: str  # what is searched: ``spelled``, after the film a follow-up is about
    titles: list[TitleMatch]
    plural: bool
    which: bool
    focus: str | None = None  # the conversation's film a follow-up refers to
    exclude: str | None = None  # "other films" than the conversation's film
    compared: list[str] = field(default_factory=list)  # two films of the conversation compared ("that or the first one")
    truncated: bool = False
    rest_vector: np.ndarray | None = field(default=None, repr=False)  # the question without the film's name
    unknown: list[str] = field(default_factory=list)  # names in the question that no article mentions
    stray: frozenset[str] = frozenset()  # everyday words of titles not used as titles ("hope" in "I hope to …")
    mute: frozenset[str] = frozenset()  # stray words that are a whole title: left out of the dense query
    typed: str | None = None  # as the user typed it, when it asks what the question before asked ("and Hope?")
    previous: str = ""  # the conversation's last question, as read ("who made X?": "he" is then X's director)
    offered: list[str] = field(default_factory=list)  # films the turn before named as closest without choosing one

    @property
    def names(self) -> list[str]:
        """Capitalised runs of words: people, places, events ("Lee Hyung Ho", "House Resolution No")."""
        return [" ".join(words(POSSESSIVE.sub("", m.group(1)))) for m in NAME.finditer(self.text)]  # "Seok Woo's job"

    @property
    def named(self) -> list[str]:
        return [t.key for t in self.titles]


def clean_question(text: str, limit: int) -> tuple[str, bool]:
    """Printable text, whitespace folded, cut at ``limit`` characters; also says whether it was cut."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in unicodedata.normalize("NFC", text))
    text = re.sub(r"\s+", " ", text).strip()
    return (text[:limit].rstrip(), True) if len(text) > limit else (text, False)


def read_question(question: str, catalog: FilmCatalog, mentions: Mentions, limit: int,
                  talked_of: frozenset[str] = frozenset()) -> Query:
    """One question: the titles it uses as titles, the names no article has, everyday words of titles.
    ``talked_of``: films the conversation already named; one of those whose everyday-word title opens a sentence
    ("hope wrecked me honestly", after "I've seen A Moment to Remember and Hope") is that film."""
    text, truncated = clean_question(question, limit)
    titles = catalog.match(text)
    if talked_of:
        starts = {0} | {len(words(text[:m.end()])) for m in re.finditer(r"[.!?]\s+", text)}
        titles += [m for m in catalog.match(text, loose=True) if m.key in talked_of and m.span[0] in starts
                   and all(m.span[1] <= t.span[0] or m.span[0] >= t.span[1] for t in titles)]
    spelled, said = respelled(text, mentions), formal(text)  # "the one w the boxer" asks which, as "with" does
    q = Query(text, spelled, spelled, titles, bool(PLURAL.search(text)), bool(WHICH.search(said)), truncated=truncated)
    q.unknown = unknown_names(text, titles, catalog, mentions)
    used = {w for t in titles for w in t_words(text, t)}
    q.stray = frozenset(w for w in words(said) if w in catalog.ordinary_words and w not in used)
    q.mute = q.stray & catalog.word_titles
    if q.unknown:  # "Ode to My Father" is not *My Father*
        inside = [set(words(n)) for n in q.unknown]
        q.titles = [t for t in titles if not any(set(t_words(text, t)) < n for n in inside)]
    return q


ORDINAL_WORDS = {"1st": "first", "2nd": "second", "3rd": "third"}  # "which came out 1st"


def respelled(text: str, mentions: Mentions) -> str:
    """The question with each lower-case word that looks like a typo replaced by the article word it stands for
    (names, written capitalised, are left as typed: a name no article has must be refused by name), and "1st"
    read as "first"."""
    out, at = [], 0
    for low, raw, start, end in word_tokens(text):
        fixed = ORDINAL_WORDS.get(low) or (mentions.spelled(low) if raw[:1].islower() else low)
        if fixed != low:
            out += [text[at:start], fixed]
            at = end
    return "".join(out) + text[at:] if out else text


def unknown_names(text: str, titles: list[TitleMatch], catalog: FilmCatalog, mentions: Mentions) -> list[str]:
    """Capitalised or quoted names in the question that no article mentions ("Bong Joon-ho", "the Oscars")."""
    q_words = words(text)
    covered = {i for t in titles for i in range(*t.span)}
    out = []
    for name in dict.fromkeys(capitalised_runs(text) + quoted(text)):
        nw = words(name)
        if all(w in CONNECTORS or w in MONTH_NAMES for w in nw):  # "July to December" is no name
            continue
        pos = find_words(q_words, nw)
        if pos is not None and {pos + i for i, w in enumerate(nw) if w not in CONNECTORS} <= covered:
            continue  # a film title, or titles side by side ("Miracle in Cell No. 7 and Hope")
        if any(t.exact and t.span[1] - t.span[0] == len(nw) for t in catalog.match(name)):
            continue  # the whole name is a title ("Miracle in Cell No. 7" written in quotes)
        inside = {i - pos for i in covered} if pos is not None else set()
        if not all(mentions.in_parts(piece) for piece in _pieces(nw, inside)):
            out.append(name)
    return out


def _pieces(name: list[str], titled: set[int]) -> list[tuple[str, ...]]:
    """The parts of a name that a film title does not cover, connectors at their ends dropped: "Chan Yi in
    Hearty Paws" is the person "Chan Yi" and a title; the whole name when no title is in it."""
    if not titled:
        return [tuple(name)]
    pieces, run = [], []
    for i, w in enumerate(name + [""]):
        if i in titled or i == len(name):
            while run and run[-1] in CONNECTORS:
                run.pop()
            while run and run[0] in CONNECTORS:
                run.pop(0)
            if run:
                pieces.append(tuple(run))
            run = []
        else:
            run.append(w)
    return pieces


def holds_title(q: Query, name: str) -> bool:
    """Whether these words of the question are, or hold, a title it names ("is miracle in cell 7 worth watching?":
    not written as the articles write it, yet *Miracle in Cell No. 7*)."""
    nw = words(name)
    at = find_words(words(q.text), nw)
    return at is not None and any(t.span[0] < at + len(nw) and at < t.span[1] for t in q.titles)


def find_words(seq: list[str], sub: list[str]) -> int | None:
    """Where ``sub`` starts in ``seq`` as a contiguous run of words, if it does."""
    n = len(sub)
    return next((i for i in range(len(seq) - n + 1) if seq[i:i + n] == sub), None) if n else None


def t_words(text: str, t: TitleMatch) -> list[str]:
    """The question's words that a title match covers."""
    return words(text)[t.span[0]:t.span[1]]


def question_rest(q: Query) -> str:
    """The question without the film titles it names ("who directed Hope?" -> "who directed"), in formal words
    as the dense text is ("how long was he good b4 …" is compared with the film's sentences as "… before …")."""
    drop = {i for t in q.titles for i in range(*t.span)}
    return formal(" ".join(w for i, w in enumerate(words(q.text)) if i not in drop)) or q.text


def dense_text(q: Query) -> str:
    """What the dense encoder is given: the question without its "which film is about" frame, in formal words,
    and without an everyday word that is a whole title but is not used as one (every sentence vector of *Daisy*
    starts with its title, so "a daisy plant" would otherwise look like *Daisy*; measured: a word of a longer
    title, "a father who …", carries content and stays). A fact asked of a film the question only describes
    ("who directed the zombie movie?") is searched by the description: the fact's words alone are closest to some
    film's "Director: …" line, whichever film the description fits."""
    said = formal(q.search_text)  # before the frame is cut: "theres a movie abt …", "the one w …"
    text = FRAME.sub("", said) or said
    kind = described_fact(q, text) if not (q.titles or q.focus) else None
    if kind:
        text = FACT_KINDS[kind][0].sub(" ", text) if content_words(FACT_KINDS[kind][0].sub(" ", text)) else text
    for w in q.mute:
        text = re.sub(rf"\b{re.escape(w)}\b", "", text, flags=re.I)
    return " ".join(text.split()) or q.search_text


def lexical_query(text: str) -> str:
    """The question without its question words, so BM25 matches content, not "which film is". Everyday words that
    are whole titles stay even when not used as one: "an autistic boy who runs a marathon" is content that
    *Marathon*'s "marathon runner" holds (leaving them out, as the dense query does: same utility on 703 general
    questions, two follow-ups fewer right). A word of a longer title stays too ("a dad in prison" is content,
    though *My Father* has it: measured on 613 questions, +5 right or rightly declined)."""
    return " ".join(w for w in words(text) if w not in QUESTION_WORDS) or text


@functools.cache
def question_stems() -> frozenset[str]:
    """Stems of QUESTION_WORDS ("film", "movi", …)."""
    return frozenset(bm25_tokens([" ".join(QUESTION_WORDS)])[0])


def sentences(text: str) -> list[str]:
    """A question's sentences ("I'm torn between Daisy and Harmony. How long is Daisy?": two)."""
    return [p for p in re.split(r"(?<=[.!?])\s+(?=[^\d\s])", text.strip()) if p]  # not "Cell No. 7"


def films_named(q: Query) -> tuple[list[str], str | None]:
    """The films a question names, in the order it names them, and the one it asks about: the first named in
    its last sentence that names one ("I'm choosing between Daisy and Harmony. How long is Daisy?": Daisy)."""
    ends, n = [], 0
    for sentence in sentences(q.text):
        n += len(words(sentence))
        ends.append(n)
    titles = sorted(q.titles, key=lambda t: t.span[0])
    order = list(dict.fromkeys(t.key for t in titles))
    sentence_of = lambda t: next((i for i, e in enumerate(ends) if t.span[0] < e), len(ends))
    last = max(titles, key=lambda t: (sentence_of(t), -t.span[0]), default=None)
    return order, last.key if last else None


ASKER = re.compile(r"^(?:(?:and|but|so|also|btw|ok|okay)\s+)?(?:i|i[’']?m|i[’']?ve|i[’']?d|my|we|we[’']?re|our)\b", re.I)


def told_aside(text: str, name: str) -> bool:
    """Whether a name is only in a sentence the asker tells about themselves, beside a question that needs no
    film from it ("Which films star Son Ye-jin? I've been on a binge since Crash Landing."): not what is asked.
    "I loved The Handmaiden. Who directed it?" asks of it, so the name stays."""
    parts = sentences(text)
    asks = [p for p in parts if p.rstrip().endswith("?")]
    if not asks or any(NEEDS_FILM.search(p) for p in asks):
        return False
    holding = [p for p in parts if name in p]
    return bool(holding) and all(ASKER.match(p.strip()) and p not in asks for p in holding)


def says_nothing(q: Query) -> bool:
    """Whether a follow-up only points at a film and asks nothing of its own ("and the other one?", "what about
    Hope?"): besides titles and references, only ELLIPSIS words."""
    return all(w in ELLIPSIS for w in words(EARLIER.sub(" ", question_rest(q))))


def asked_again(previous: Query, film: str) -> str | None:
    """The question a follow-up that says nothing of its own stands for: the previous question, about ``film``
    ("How long is Daisy?" then "and the other one?" -> "How long is Harmony?"); None when it asked nothing."""
    if not content_stems(previous) or len({t.key for t in previous.titles}) > 1:
        return None
    if previous.titles:
        return f"{question_rest(previous)} {film}?"
    return NEEDS_FILM.sub(film, previous.text, count=1) if NEEDS_FILM.search(previous.text) else None


def description(q: Query) -> list[str]:
    """Stems of what a question calls a film by ("how long is the choir one?": choir), or none."""
    m = DESCRIBED.search(q.spelled)
    kept = [w for w in words(m.group(1)) if w not in NOT_DESCRIBING] if m else []
    return sorted({s for w in kept for s in stems(w)})


def described_fact(q: Query, text: str | None = None) -> str | None:
    """The fact a question asks of a film it describes: opening the question ("who directed the zombie movie?")
    or anywhere when it calls the film "the … one" ("when was the japanese remake one released?"); not a fact
    inside a description ("which film is about a boy who acts like a wolf?"). ``text``: the question as read."""
    text = text or q.text
    return fact_opening(text) or (fact_kind(text) if description(q) else None)


def content_stems(q: Query) -> list[str]:
    """Stemmed content words of the question, without question words, everyday words of titles and the film's title;
    a casual word as the articles would write it, where that is one word ("kids" -> "children", "mom" -> "mother",
    as it is searched; "blind" stays one word, not two: "visually impaired")."""
    drop = {i for t in q.titles for i in range(*t.span)}
    typed = [formal_word(w) for i, w in enumerate(words(q.spelled)) if i not in drop and w not in q.stray]
    kept = [w for w in typed if w not in QUESTION_WORDS and len(w) > 1]
    out = set()
    for w in kept:
        # "filmed" stems to "film", which every passage has: such a word must be found as written
        out.update(w if s in question_stems() else s for s in stems(w))
    return sorted(out)
