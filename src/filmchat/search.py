"""Hybrid retrieval and film ranking: what the question is about, and which passages show it.

Steps, each small enough to test alone:
1. ``Query``: the question cleaned, the films it names, whether it asks for one film,
   several, or refers back to the conversation's film ("who directed it?").
2. Dense (FAISS, best-sentence cosine) and lexical (BM25 via bm25s) chunk scores,
   mixed (or fused by reciprocal rank); a film named in the question lifts its chunks.
3. Near-duplicate passages (one article copying another) collapse to one.
4. Chunk scores aggregate into a ranked list of films.
5. ``answerable``: whether any passage really answers, from dense similarity and how
   much of the question's content the best passages of the chosen film cover.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .chunking import META, Chunk
from .dedup import near_duplicates
from .embedding import Embedder
from .films import FilmCatalog, TitleMatch
from .index import Index
from .settings import Settings
from .text import CONNECTORS, QUESTION_WORDS, bm25_tokens, capitalised_runs, formal, quoted, stems, words

PLOT_PROBE = "The story follows a character who"  # what a one-line plot summary reads like
# A film card's plot line: sentences that tell the story beat reviewers' reactions and endings given away
STORY_CUE = re.compile(r"\b(tells? the story|is about|story (of|about|between)|follows|centers on|revolves around"
                       r"|is based on)\b", re.I)
REACTION_CUE = re.compile(r"\b(break your heart|will make you|you will|tears?|tissues?|must-watch|masterpiece|in the end"
                          r"|ending|finally|sentenced to death|dies\b)", re.I)
PLOT_CUE_WEIGHT = 0.2  # a cue outweighs most differences in likeness to PLOT_PROBE (cosines 0.1-0.4)
RRF_K = 60
OVERLAP_WEIGHT = 0.3  # best_sentence: cosine + this x share of content words the sentence has (dev set, evidence_hit@1)
# judge: a question about a known film is answered when its passages hold this share of its content words ...
ANCHORED_COVERAGE = 0.5
# ... and one that names none is answered, below the dense threshold, when its best passages hold this share of
# its content words and their best sentence is within WORDS_MARGIN of the threshold (dev set; see README)
WORDS_COVERAGE = 0.6
WORDS_MARGIN = 0.15
FOLLOWUP_WORDS = 3  # "who directed it?" has at most this many content words; a longer question with "it" describes a film
FOCUS_CACHE = 1024  # conversation prefixes whose film is remembered (memory, not quality)
MENTION_CANDIDATES = 20  # best BM25 passages searched for a name as written (a name's passages rank first)
LEXICAL_WEIGHT = 0.2  # fused = best-sentence cosine + LEXICAL_WEIGHT * BM25 / max BM25 (measured in `filmchat eval`)
TITLE_BOOST = 0.5  # in units of the best fused score: a named film outranks a merely similar one
FUZZY_TITLE_SHARE = 0.8  # a misspelt or partial title ("miracle cell 7") lifts its film this share of an exact one
FOLLOWUP_BOOST = 0.35
INTRO_SHARE = 0.9  # a list question lifts every film of an article whose introduction matches
NAME_BOOST = 0.4  # in units of the best fused score: a name in the question found as written ("Bae Hyung Jin")
PLURAL = re.compile(r"\b(which|what|list|name|any|all)\b.{0,20}\b(films|movies|shows|dramas|ones)\b|\bother (films|movies|shows)\b", re.I)
WHICH = re.compile(r"^\s*(which|what)\s+(korean\s+)?(film|movie|show|drama|one)s?\b|\b(films?|movies?)\s+(about|where|with|that|in which)\b"
                   r"|\bthe one (with|about|where|that|who|in which)\b"
                   r"|\b(what('?s| is| was) (it|that|this)( film| movie)? called|which one (is|was) it|what('?s| is| was) (its|the) (name|title))\b", re.I)
# "the first one", "the other film": an earlier film of the conversation than the latest
EARLIER = re.compile(r"\b(the )?(first|earlier|previous|other|former) (one|film|movie)\b", re.I)
REFERS_BACK = re.compile(r"\b(it|its|it's|he|him|his|she|her|hers|they|them|their|this|that|these|those|the (film|movie|show|drama|story))\b", re.I)
# "Which film is about …" carries no content; the dense query is the rest of the question.
FRAME = re.compile(r"^\s*(which|what)\s+(korean\s+)?(films?|movies?|shows?|dramas?)\s+(is|are|was|were|has|have|had|does|do|did)?\s*(about\s+)?", re.I)
# a capitalised run of two or more words after the first word: a person, place or event ("Lee Hyung Ho")
NAME = re.compile(r"(?<!^)(?<![.?!] )\b([A-Z][\w’'-]*(?:\s+(?:of\s+|the\s+)?[A-Z0-9][\w’'-]*)+)")
OTHER = re.compile(r"\b(other|else|another|similar|also)\b", re.I)
# "who directed it?" needs a film: named, or the conversation's
NEEDS_FILM = re.compile(r"\b(it|its|it's|(this|that) (film|movie|show|drama))\b", re.I)


def clean_question(text: str, limit: int) -> tuple[str, bool]:
    """Printable text, whitespace folded, cut at ``limit`` characters; also says whether it was cut."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in unicodedata.normalize("NFC", text))
    text = re.sub(r"\s+", " ", text).strip()
    return (text[:limit].rstrip(), True) if len(text) > limit else (text, False)


@dataclass(frozen=True)
class Hit:
    """One chunk as retrieved: its fused score and the two signals it came from."""

    index: int
    chunk: Chunk
    score: float
    dense: float
    lexical: float
    film_key: str | None
    sentence: tuple[int, int] | None = None  # offsets in the chunk of the sentence that matched best


@dataclass(frozen=True)
class FilmScore:
    key: str
    name: str
    score: float
    hits: tuple[Hit, ...]  # this film's chunks, best first, near-duplicates collapsed


@dataclass
class Query:
    """The question as understood: text to search, films named, and what kind of answer it wants."""

    text: str
    search_text: str
    titles: list[TitleMatch]
    plural: bool
    which: bool
    focus: str | None = None  # the conversation's film a follow-up refers to
    exclude: str | None = None  # "other films" than the conversation's film
    truncated: bool = False
    rest_vector: np.ndarray | None = field(default=None, repr=False)  # the question without the film's name
    unknown: list[str] = field(default_factory=list)  # names in the question that no article mentions
    stray: frozenset[str] = frozenset()  # everyday words of titles not used as titles ("hope" in "I hope to …")

    @property
    def names(self) -> list[str]:
        """Capitalised runs of words: people, places, events ("Lee Hyung Ho", "House Resolution No")."""
        return [" ".join(words(m.group(1))) for m in NAME.finditer(self.text)]

    @property
    def named(self) -> list[str]:
        return [t.key for t in self.titles]


@dataclass
class SearchResult:
    query: Query
    hits: list[Hit]  # best first, collapsed
    films: list[FilmScore]  # best first
    answerable: bool
    confidence: dict = field(default_factory=dict)
    intro: Hit | None = None  # a list's introduction that vouched for all its films ("films based on true stories")
    vouched: set[str] = field(default_factory=set)  # the films of that list


class Searcher:
    """Everything a question needs that is computed once per index."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.catalog = FilmCatalog(index.chunks)
        self.chunk_film = [self.catalog.key(c.film) for c in index.chunks]
        self.duplicate_of = near_duplicates(index.chunks)
        self.collapsed = sum(int(d != i) for i, d in enumerate(self.duplicate_of))
        self.intro_of = list_intros(index.chunks, self.chunk_film)
        self._plot_vector = None
        self._film_units: dict[str, np.ndarray] = {}  # film -> rows of its prose sentences in index.units
        self._focus: dict[bytes, str | None] = {}  # sha256 of a conversation prefix -> its film
        self._mentioned: dict[tuple[str, ...], bool] = {}  # phrase -> whether any article has it
        self._terms: dict[int, frozenset[str]] = {}  # passage -> its stems and words (coverage)
        self._unit_terms: dict[int, frozenset[str]] = {}  # sentence row -> its stems and words
        self._flat: dict[int, str] = {}  # passage -> its words, space-separated

    def reset_caches(self) -> None:
        """Forget what depends on the settings (a conversation's film depends on the abstention thresholds)."""
        self._focus.clear()

    # ---------------------------------------------------------- understanding the question
    def understand(self, question: str, history: list[str] | tuple[str, ...] = ()) -> Query:
        text, truncated = clean_question(question, self.settings.max_question_chars)
        titles = self.catalog.match(text)
        q = Query(text, text, titles, bool(PLURAL.search(text)), bool(WHICH.search(text)), truncated=truncated)
        q.unknown = self.unknown_names(text, titles)
        used = {w for t in titles for w in t_words(text, t)}
        q.stray = frozenset(w for w in words(formal(text)) if w in self.catalog.ordinary_words and w not in used)
        if q.unknown:  # "Ode to My Father" is not *My Father*
            inside = [set(words(n)) for n in q.unknown]
            q.titles = titles = [t for t in titles if not any(set(t_words(text, t)) < n for n in inside)]
        if titles or q.unknown or not history:
            return q
        turns = self.conversation_films(list(history))
        films = [k for k in turns if k]
        if turns and turns[-1] is None and NEEDS_FILM.search(text) and not q.which:
            q.unknown = self._turn_unknown(list(history))  # "who directed it?" after a film no article mentions
            if q.unknown:
                return q
        if not films:
            return q
        focus = films[-1]  # the film of the most recent turn that had one
        if EARLIER.search(text):  # "the first one", "the other film"
            distinct = list(dict.fromkeys(reversed(films)))
            m = EARLIER.search(text).group(2).lower()
            focus = distinct[-1] if m == "first" else (distinct[1] if len(distinct) > 1 else focus)
        if OTHER.search(text) and (q.plural or q.which):
            q.exclude, q.plural = focus, True  # "what other films deal with autism?"
        elif not q.which:  # in "which film is about a man whose wife returns to him?", "him" is not the old film
            q.focus = focus  # "who directed it?", "what did the DNA test show?"
            q.search_text = f"{self.catalog.name(focus)}: {text}"
        return q

    def conversation_films(self, history: list[str]) -> list[str | None]:
        """The film of each turn of the conversation: the one it named, or the one it was answered with.

        Remembered per conversation prefix: each turn of a chat would otherwise search all the
        earlier questions again (one more encode per turn).
        """
        out: list[str | None] = []
        for i in range(len(history)):
            key = hashlib.sha256("\x00".join(history[: i + 1]).encode("utf-8", "replace")).digest()
            if key not in self._focus:
                if len(self._focus) >= FOCUS_CACHE:
                    self._focus.clear()
                self._focus[key] = self._turn_film(history[i], history[:i])
            out.append(self._focus[key])
        return out

    def _turn_film(self, question: str, earlier: list[str]) -> str | None:
        result = self.search(question, earlier)
        if result.query.unknown:
            return None
        if result.query.focus and not result.query.named:
            return result.query.focus  # "who directed it?" stays on the film it was about
        named = [k for k in result.query.named if any(f.key == k for f in result.films)]
        if named:  # "who directed Hope?" is about Hope even when its passages are judged not to answer
            return named[0]
        if result.films and result.answerable:
            return result.films[0].key
        return None

    def _turn_unknown(self, history: list[str]) -> list[str]:
        """The names no article mentions in the last turn (what "it" then refers to)."""
        return self.understand(history[-1], history[:-1]).unknown

    # ---------------------------------------------------------- names the articles never mention
    def unknown_names(self, text: str, titles: list[TitleMatch]) -> list[str]:
        """Capitalised or quoted names in the question that no article mentions ("Bong Joon-ho", "the Oscars")."""
        q_words = words(text)
        covered = {i for t in titles for i in range(*t.span)}
        out = []
        for name in dict.fromkeys(capitalised_runs(text) + quoted(text)):
            nw = words(name)
            if all(w in CONNECTORS for w in nw):
                continue
            pos = find_words(q_words, nw)
            if pos is not None and set(range(pos, pos + len(nw))) <= covered:
                continue  # a film title
            if any(t.exact and t.span[1] - t.span[0] == len(nw) for t in self.catalog.match(name)):
                continue  # the whole name is a title ("Miracle in Cell No. 7" written in quotes)
            if not self.mentioned_in_parts(tuple(nw)):
                out.append(name)
        return out

    def mentioned_in_parts(self, phrase: tuple[str, ...]) -> bool:
        """Whether a run of capitalised words is one name the articles have, or names written side by side
        ("Orly Airport Martinique", "Nayoung Cho Doo Soon"): parts found as written, at least one of them longer
        than a word (so "Lee Chang-dong" is not three everyday words that each occur somewhere)."""
        if self.mentioned(phrase):
            return True
        n = len(phrase)
        # best[i]: can the first i words be split into found parts, and does some part have several words
        best: list[tuple[bool, bool]] = [(True, False)] + [(False, False)] * n
        for end in range(1, n + 1):
            for start in range(end):
                reach, multi = best[start]
                part = phrase[start:end]
                if reach and (self.mentioned(part) if len(part) > 1 else self.written(part[0])):
                    best[end] = (True, best[end][1] or multi or len(part) > 1)
        return best[n] == (True, True)

    def written(self, word: str) -> bool:
        """Whether some passage has this word as written (not only its stem)."""
        return any(f" {word} " in self.chunk_flat(i) for i in top_indices(self.index.lexical_scores(word), MENTION_CANDIDATES))

    def mentioned(self, phrase: tuple[str, ...]) -> bool:
        """Whether any passage (or article title) has these words in this order; one word, in any form."""
        if phrase not in self._mentioned:
            if len(self._mentioned) >= FOCUS_CACHE:
                self._mentioned.clear()
            self._mentioned[phrase] = self._find_mention(phrase)
        return self._mentioned[phrase]

    def _find_mention(self, phrase: tuple[str, ...]) -> bool:
        scores = self.index.lexical_scores(" ".join(phrase))
        if len(phrase) == 1 and phrase[0] not in QUESTION_WORDS:
            return bool(len(scores)) and float(scores.max()) > 0  # one word: any passage with its stem
        forms = [" ".join(phrase), " ".join(phrase) + "s"]  # "Wilson" is in "Wilson’s disease"
        for i in top_indices(scores, MENTION_CANDIDATES):
            c = self.index.chunks[i]
            if has_name(f"{c.title}\n{c.film or ''}\n{c.text}", forms):
                return True
        return False

    # ---------------------------------------------------------- retrieval
    def search(self, question: str, history: list[str] | tuple[str, ...] = ()) -> SearchResult:
        q = self.understand(question, history)
        n = len(self.index)
        dense, units = self.dense_scores(q)
        lexical = self.index.lexical_scores(lexical_query(formal(q.search_text), q.stray))
        fused = fuse(dense, lexical, self.settings.fusion)
        intro, vouched = None, set()
        if q.plural and not q.exclude and n:
            # "Below are some films based on true stories": a list's introduction that is among the very
            # best matches speaks for every film on that list
            peak = float(fused.max())
            for i in top_indices(fused, 3):
                if fused[i] >= INTRO_SHARE * peak and i in self.intro_of:
                    intro = self.duplicate_of[i] if intro is None else intro  # cite the copy that is kept
                    vouched.update(self.chunk_film[j] for j in self.intro_of[i])
                    for j in self.intro_of[i]:
                        fused[j] = max(fused[j], INTRO_SHARE * fused[i])
        top = float(fused.max()) if n else 0.0
        boost = np.zeros(n, dtype=np.float32)
        for t in q.titles:
            for i in self.catalog.chunk_ids.get(t.key, []):
                boost[i] = max(boost[i], TITLE_BOOST * top * (1.0 if t.exact else FUZZY_TITLE_SHARE))
        for i in top_indices(lexical, 50) if q.names else []:  # the best BM25 matches that have a name as written
            if any(f" {n} " in self.chunk_flat(i) for n in q.names):
                boost[i] = max(boost[i], NAME_BOOST * top)
        if q.focus:
            for i in self.catalog.chunk_ids.get(q.focus, []):
                boost[i] = max(boost[i], FOLLOWUP_BOOST * top * (2 if REFERS_BACK.search(q.text) else 1))
        score = fused + boost
        if q.exclude:
            for i in self.catalog.chunk_ids.get(q.exclude, []):
                score[i] = -1.0

        # the best 50 that are not collapsed copies, without sorting every score (~50 ms at 1M passages)
        order = [i for i in top_indices(score, 50 + self.collapsed) if self.duplicate_of[i] == i]
        hits = [Hit(int(i), self.index.chunks[i], float(score[i]), float(dense[i]), float(lexical[i]), self.chunk_film[i],
                    self.index.unit_span(units[i]) if i in units else None)
                for i in order[:50]]
        films = rank_films(hits, self.catalog)
        answerable, confidence = self.judge(q, films)
        intro_hit = next((h for h in hits if h.index == intro), None)
        return SearchResult(q, hits, films, answerable, confidence, intro_hit, vouched if intro_hit else set())

    def dense_scores(self, q: Query) -> tuple[np.ndarray, dict[int, int]]:
        """Best-sentence cosine per chunk (0 for chunks with no sentence among the nearest), and that sentence."""
        n = len(self.index)
        text = formal(FRAME.sub("", q.search_text) or q.search_text)
        k = min(len(self.index.units), max(200, 20 * self.settings.citations))
        texts = [text]
        if q.named or q.focus:  # best_sentence will want the question without the film: one encode for both
            texts.append(question_rest(q))
        vectors = self.embedder.encode(texts)
        if len(texts) > 1:
            q.rest_vector = vectors[1]
        best = self.index.dense(vectors[0], k)
        dense = np.zeros(n, dtype=np.float32)
        for c, (s, _) in best.items():
            dense[c] = max(s, 0.0)
        return dense, {c: u for c, (_, u) in best.items()}

    def film_units(self, key: str) -> np.ndarray:
        """Rows of index.units holding the film's prose sentences (its "Director: …" lines left out)."""
        if key not in self._film_units:
            rows = [u for c in self.catalog.chunk_ids.get(key, []) for u in self.prose_units(c)]
            self._film_units[key] = np.asarray(rows, dtype=np.int64)
        return self._film_units[key]

    def prose_units(self, chunk: int) -> list[int]:
        """Rows of index.units for a passage's sentences, without its metadata lines ("Director: …")."""
        text, units = self.index.chunks[chunk].text, self.index.units
        return [u for u in units_of(self.index, chunk) if not META.match(text[units[u, 1]:units[u, 2]])]

    def best_sentence(self, q: Query, hits: list[Hit], accept=None) -> tuple[Hit, tuple[int, int] | None] | None:
        """The sentence among these passages that answers a question about a known film.

        The film's name is in every one of its sentence vectors, so the question is compared
        without it, and sentences sharing the question's content words are preferred. With
        ``accept``, only sentences it accepts count, and None means no sentence did.
        """
        qv = q.rest_vector if q.rest_vector is not None else self.embedder.encode([question_rest(q)])[0]
        content = set(self.content_words(q))
        best, best_score = ((hits[0], hits[0].sentence) if accept is None else None), -1.0
        for h in hits:
            for u in self.prose_units(h.index):
                span = self.index.unit_span(u)
                sent = h.chunk.text[span[0]:span[1]]
                if accept is not None and not accept(sent):
                    continue
                overlap = len(content & self.unit_terms(u, sent)) / len(content) if content else 0.0
                s = float(self.index.embeddings[u] @ qv) + OVERLAP_WEIGHT * overlap
                if s > best_score:
                    best, best_score = (h, span), s
        return best

    def plot_sentence(self, chunk: int) -> tuple[int, int] | None:
        """The sentence of a passage that reads most like a plot summary (from its stored sentence vectors)."""
        rows = [u for u in self.prose_units(chunk) if self.index.units[u, 2] - self.index.units[u, 1] >= 30]
        if not rows:
            return None
        if self._plot_vector is None:
            self._plot_vector = self.embedder.encode([PLOT_PROBE])[0]
        text = self.index.chunks[chunk].text

        def plot_like(u: int) -> float:
            sentence = text[self.index.units[u, 1]:self.index.units[u, 2]]
            cue = PLOT_CUE_WEIGHT * (bool(STORY_CUE.search(sentence)) - bool(REACTION_CUE.search(sentence)))
            return float(self.index.embeddings[u] @ self._plot_vector) + cue

        return self.index.unit_span(max(rows, key=plot_like))

    # ---------------------------------------------------------- abstention
    def content_words(self, q: Query) -> list[str]:
        """Stemmed content words of the question, without question words and the film's title."""
        ws = words(q.text)
        drop = set()
        for t in q.titles:
            drop.update(range(*t.span))
        kept = [w for i, w in enumerate(ws) if i not in drop and w not in QUESTION_WORDS and w not in q.stray and len(w) > 1]
        out = set()
        for w in kept:
            # "filmed" stems to "film", which every passage has: such a word must be found as written
            out.update(w if s in question_stems() else s for s in stems(w))
        return sorted(out)

    def coverage(self, q: Query, hits: list[Hit]) -> float:
        """Share of the question's content words found in any of these passages (stemmed)."""
        content = self.content_words(q)
        if not content:
            return 1.0
        seen = set()
        for h in hits:
            seen.update(self.chunk_terms(h.index))
        return sum(w in seen for w in content) / len(content)

    def unit_terms(self, u: int, sentence: str) -> frozenset[str]:
        """What a content word can match in one sentence (row u of index.units), computed once."""
        if u not in self._unit_terms:
            self._unit_terms[u] = frozenset(terms(sentence))
        return self._unit_terms[u]

    def chunk_flat(self, i: int) -> str:
        """Passage i as " word word … " (for names found as written), computed once."""
        if i not in self._flat:
            self._flat[i] = f" {' '.join(words(self.index.chunks[i].text))} "
        return self._flat[i]

    def chunk_terms(self, i: int) -> frozenset[str]:
        """What a question's content word can match in passage i (its stems and words), computed once."""
        if i not in self._terms:
            self._terms[i] = frozenset(terms(self.index.chunks[i].embed_text()))
        return self._terms[i]

    def judge(self, q: Query, films: list[FilmScore]) -> tuple[bool, dict]:
        """Answer only when the passages carry the question: similar in meaning, or sharing its content words."""
        if not words(q.text):  # no Latin letter or digit: nothing to match in English articles
            return False, {"reason": "no words"}
        if q.unknown:
            return False, {"reason": "unknown", "unknown": list(q.unknown)}
        anchored = q.named or ([q.focus] if q.focus else [])
        plain = [w for w in words(q.text) if w not in QUESTION_WORDS and len(w) > 1]
        if not anchored and not (q.which or q.plural) and NEEDS_FILM.search(q.text) and len(plain) <= FOLLOWUP_WORDS:
            return False, {"reason": "no film"}  # "who directed it?" with no film named or talked about
        if not anchored and plain and not any(self.mentioned((w,)) for w in plain):
            return False, {"reason": "nothing"}  # "<script>alert(1)</script>", "asdf qwer": no word of it is in any article
        if not films:
            return False, {"reason": "no passage"}
        film = films[0]
        conf = {"anchored": bool(anchored)}
        if anchored and film.key in anchored:
            # The film is known, and its name alone makes its sentences look similar; what counts is
            # whether the question's other words are found in its passages, or the question without
            # the film's name matches one of its sentences ("how long had he behaved well?")
            cov = self.coverage(q, list(film.hits[:3]))
            rows = self.film_units(film.key)
            rest = float((self.index.embeddings[rows] @ q.rest_vector).max()) if len(rows) and q.rest_vector is not None else 0.0
            conf |= {"coverage": round(cov, 4), "rest": round(rest, 4)}
            return cov >= ANCHORED_COVERAGE or rest >= self.settings.anchored_threshold, conf
        return self.supports(q, film, conf), conf

    def listed(self, q: Query, film: FilmScore) -> bool:
        """Whether a film belongs in a "which films …" answer: its passages hold most of the question's
        content words, or one of its sentences is close in meaning."""
        return (self.coverage(q, list(film.hits[:3])) >= WORDS_COVERAGE
                or max(h.dense for h in film.hits) >= self.settings.abstain_threshold)

    def supports(self, q: Query, film: FilmScore, conf: dict | None = None) -> bool:
        """Whether a film's passages answer a question that does not name it: close in meaning, or
        sharing enough of its content words while not far in meaning, or holding a name it asks about."""
        top_hits = list(film.hits[:3])
        cov = self.coverage(q, top_hits)
        best_dense = max(h.dense for h in film.hits)
        if conf is not None:
            conf |= {"dense": round(best_dense, 4), "coverage": round(cov, 4)}
        t = self.settings.abstain_threshold
        named = any(f" {n} " in self.chunk_flat(h.index) for h in top_hits for n in q.names)  # "House Resolution No. 121"
        if named:  # a name found is not an answer by itself ("stars Song Kang-ho as a taxi driver"): the rest must be there
            name_stems = {s for n in q.names for w in n.split() for s in (w, *stems(w))}
            rest = [w for w in self.content_words(q) if w not in name_stems]
            seen = set().union(*(self.chunk_terms(h.index) for h in top_hits))
            named = not rest or sum(w in seen for w in rest) / len(rest) >= ANCHORED_COVERAGE
        return named or best_dense >= t or (cov >= WORDS_COVERAGE and best_dense >= t - WORDS_MARGIN)


def units_of(index: Index, chunk: int) -> range:
    """Rows of index.units (sentence vectors) that belong to one chunk; builds store them in chunk order."""
    col = index.units[:, 0]
    return range(int(np.searchsorted(col, chunk, "left")), int(np.searchsorted(col, chunk, "right")))


@functools.cache
def question_stems() -> frozenset[str]:
    """Stems of QUESTION_WORDS ("film", "movi", …)."""
    return frozenset(bm25_tokens([" ".join(QUESTION_WORDS)])[0])


def terms(text: str) -> set[str]:
    """What a content word of a question can match in a passage: its stems, and its words as written."""
    return set(bm25_tokens([text])[0]) | set(words(text))


def find_words(seq: list[str], sub: list[str]) -> int | None:
    """Where ``sub`` starts in ``seq`` as a contiguous run of words, if it does."""
    n = len(sub)
    return next((i for i in range(len(seq) - n + 1) if seq[i:i + n] == sub), None) if n else None


def t_words(text: str, t: TitleMatch) -> list[str]:
    """The question's words that a title match covers."""
    return words(text)[t.span[0]:t.span[1]]


def has_name(text: str, names: list[str]) -> bool:
    flat = f" {' '.join(words(text))} "
    return any(f" {n} " in flat for n in names)


def lexical_query(text: str, stray: frozenset[str] = frozenset()) -> str:
    """The question without its question words, so BM25 matches content, not "which film is", and without
    everyday words that are also titles when they are not used as one ("I hope to find …")."""
    return " ".join(w for w in words(text) if w not in QUESTION_WORDS and w not in stray) or text


def fuse(dense: np.ndarray, lexical: np.ndarray, how: str = "mix") -> np.ndarray:
    """Dense and BM25 chunk scores as one: a calibrated mix (default) or reciprocal-rank fusion."""
    if how == "rrf":
        k = len(dense)
        return rrf(top_indices(dense, k), top_indices(lexical, k), k)
    peak = float(lexical.max()) if len(lexical) else 0.0
    return dense + (LEXICAL_WEIGHT * lexical / peak if peak > 0 else 0.0)


def rrf(dense_order: list[int], lexical_order: list[int], n: int) -> np.ndarray:
    """Reciprocal-rank fusion of two rankings (Cormack et al., k=60)."""
    out = np.zeros(n, dtype=np.float32)
    for order in (dense_order, lexical_order):
        for rank, i in enumerate(order):
            out[i] += 1.0 / (RRF_K + rank + 1)
    return out


def question_rest(q: Query) -> str:
    """The question without the film titles it names ("who directed Hope?" -> "who directed")."""
    drop = {i for t in q.titles for i in range(*t.span)}
    return " ".join(w for i, w in enumerate(words(q.text)) if i not in drop) or q.text


def top_indices(scores: np.ndarray, k: int) -> list[int]:
    """Positions of the k best positive scores, best first."""
    if not len(scores):
        return []
    k = min(k, len(scores))
    part = np.sort(np.argpartition(-scores, k - 1)[:k])  # sorted, so that ties keep the order of position
    return [int(i) for i in part[np.argsort(-scores[part], kind="stable")] if scores[i] > 0]


def list_intros(chunks: list[Chunk], films: list[str | None]) -> dict[int, list[int]]:
    """Introduction chunks (no film, before an article's first film) -> the chunks of the films that article lists."""
    by_file: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        by_file.setdefault(c.file, []).append(i)
    out = {}
    for ids in by_file.values():
        film_ids = [i for i in ids if films[i]]
        if film_ids:
            first = chunks[film_ids[0]].start
            for i in ids:
                if not films[i] and chunks[i].start < first:
                    out[i] = film_ids
    return out


def rank_films(hits: list[Hit], catalog: FilmCatalog) -> list[FilmScore]:
    """A film scores its best passage; its other passages (other articles too) stay with it as evidence.

    Adding credit for further supporting passages was measured and lost: films that
    many articles discuss then outrank the one film a question describes.
    """
    by_film: dict[str, list[Hit]] = {}
    for h in hits:
        if h.film_key:
            by_film.setdefault(h.film_key, []).append(h)
    films = [FilmScore(key, catalog.name(key), hs[0].score, tuple(hs)) for key, hs in by_film.items()]
    films.sort(key=lambda f: -f.score)
    return films
