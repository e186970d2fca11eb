"""Hybrid retrieval: which passages and films answer a question, in the context of its conversation.

Steps, each in its own module and small enough to test alone:
1. ``question.read_question``: the question cleaned, the films it names, names no article has,
   whether it asks for one film or several; here, which earlier film a follow-up refers to.
2. Dense (FAISS, best-sentence cosine) and lexical (BM25 via bm25s) chunk scores, fused
   (``ranking``); a film named in the question, or the conversation's, lifts its chunks.
3. Near-duplicate passages (``dedup``: one article copying another) collapse to one.
4. Chunk scores aggregate into a ranked list of films (``ranking.rank_films``).
5. ``judge``: whether any passage really answers, or the answer should abstain.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

from .catalog import catalog_for
from .conditions import COMPARATIVE, COMPARE, ONE_OF_TWO, THE_TWO, TWO_COMPARED, compared_unknown, unknown_name
from .dedup import stored_or_computed
from .embedding import Embedder
from .films import FilmCatalog
from .index import Index
from .judge import Judge
from .mentions import Mentions
from .question import (ANOTHER_ONE, EARLIER, NEEDS_FILM, ORDINALS, OTHER, REFERS_BACK, Query, asked_again, content_stems,
                       description, films_named, holds_title, says_nothing, sentences, dense_text, lexical_query, told_aside,
                       question_rest, read_question)
from .ranking import FilmScore, Hit, fuse, rank_films, top_indices
from .settings import Settings
from .text import formal, phrases, words

PLOT_PROBE = "The story follows a character who"  # what a one-line plot summary reads like
# A film card's plot line: sentences that tell the story beat reviewers' reactions and endings given away
STORY_CUE = re.compile(phrases()["cues"]["story"], re.I)
REACTION_CUE = re.compile(phrases()["cues"]["reaction"], re.I)
PLOT_CUE_WEIGHT = 0.2  # a cue outweighs most differences in likeness to PLOT_PROBE (cosines 0.1-0.4)
OVERLAP_WEIGHT = 0.3  # best_sentence: cosine + this x share of content words the sentence has (dev set, evidence_hit@1)
FOCUS_CACHE = 1024  # conversation prefixes whose films are remembered (memory, not quality)
TITLE_BOOST = 0.5  # in units of the best fused score: a named film outranks a merely similar one
FUZZY_TITLE_SHARE = 0.8  # a misspelt or partial title ("miracle cell 7") lifts its film this share of an exact one
FOLLOWUP_BOOST = 0.35  # in units of the best fused score: a follow-up's film (twice that when the question says "it")
INTRO_SHARE = 0.9  # a list question lifts every film of an article whose introduction matches
NAME_BOOST = 0.4  # in units of the best fused score: a name in the question found as written ("Bae Hyung Jin")
# words of a catalog question this close to a sentence tell a story, not chatter ("prison", not "my mom really
# enjoys"): the abstention threshold the recogniser was built with; its own since that one is fitted on other
# questions (lowered to 0.35 there, 0.35 here loses 4 filters of 270 on the structured sets)
STORY_COSINE = 0.39
CANDIDATES = 50  # passages kept per question (films are ranked from these; citations come from them)
GENERIC_CHECKED = 10  # the passages closest in meaning whose best sentence is checked for saying what every film is
NEAREST_SENTENCES = 10  # sentences searched for the one nearest a sentence (``generic``): itself and its neighbours


@dataclass
class SearchResult:
    query: Query
    hits: list[Hit]  # best first, collapsed
    films: list[FilmScore]  # best first
    answerable: bool
    confidence: dict = field(default_factory=dict)
    intro: Hit | None = None  # a list's introduction that vouched for all its films ("films based on true stories")
    vouched: set[str] = field(default_factory=set)  # the films of that list


@dataclass(frozen=True)
class Turn:
    """An earlier question of the conversation: the film it was about, or the names no article has."""

    film: str | None
    unknown: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # every film it named ("Daisy or Harmony?"), in the order named
    asked: str = ""  # the question as read ("and Hope?" after "how long is Silenced?": "how long is Hope?")
    offered: tuple[str, ...] = ()  # the closest films a declined turn named ("none is clearly it")


class Searcher:
    """Everything a question needs that is computed once per index."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.catalog = FilmCatalog(index.chunks, index.films)  # the film table the build stored (made now if none)
        self.chunk_film = self.catalog.chunk_keys()
        self.duplicate_of = stored_or_computed(index)
        self.collapsed = sum(int(d != i) for i, d in enumerate(self.duplicate_of))
        self.intro_of = self.catalog.intros
        self.mentions = Mentions(index)
        self.judge = Judge(index, self.catalog, self.mentions, settings, lambda text: embedder.encode([text])[0])
        self._plot_vector = None
        self._turns: dict[bytes, Turn] = {}  # sha256 of a conversation prefix -> its last turn
        self._generic: dict[int, bool] = {}  # unit -> whether its nearest sentence is one of no film (``generic``)

    def use_settings(self, settings: Settings) -> None:
        """Answer with other thresholds from now on (`filmchat eval` tries several); a conversation's films
        depend on them, so those are forgotten."""
        self.settings = self.judge.settings = settings
        self._turns.clear()

    # ---------------------------------------------------------- the question in its conversation
    def understand(self, question: str, history: list[str] | tuple[str, ...] = ()) -> Query:
        turns = self.conversation(list(history)) if history else []
        # the conversation's films, the latest first ("the other one", "which of the two", a title it already used)
        latest_first = list(dict.fromkeys(k for t in reversed(turns) for k in (t.film, *t.also) if k))
        q = read_question(question, self.catalog, self.mentions, self.settings.max_question_chars, frozenset(latest_first))
        if q.unknown:  # a person the articles name, romanised another way ("Lee Do-hyeon" for Lee Do-Hyun), is known
            q.unknown = [n for n in q.unknown if not catalog_for(self).person("".join(words(n))) and not told_aside(q.text, n)]
        if not q.unknown and (other := compared_unknown(q, self.catalog, self.mentions.mentioned)):
            q.unknown = [other]  # "is christmas in august longer than hope?"
        if not q.unknown and (name := unknown_name(q.text, catalog_for(self), self.mentions.mentioned, not history)) \
                and not holds_title(q, name):
            q.unknown = [name]  # "did park chan wook direct any of these?", "is ode to my father on these lists?"
        if q.unknown or not history:
            return q
        if q.titles:  # the film is named: the conversation matters only to "what about Hope?"
            return (self._again(q, turns[-1], None) if says_nothing(q) else None) or q
        if q.plural and REFERS_BACK.search(q.text) and not [w for w in content_stems(q) if not OTHER.fullmatch(w)]:
            previous = read_question(turns[-1].asked, self.catalog, self.mentions, self.settings.max_question_chars)
            if not previous.titles:  # "any other films about that?" after "which one is about comfort women"
                q.search_text = q.spelled = previous.spelled
        films = [t.film for t in turns if t.film]
        if turns and turns[-1].film is None and NEEDS_FILM.search(q.text) and not q.which:
            q.unknown = list(turns[-1].unknown)  # "who directed it?" after a film no article mentions
            if q.unknown:
                return q
        chosen = None
        if turns and turns[-1].offered and not (q.which or q.plural or EARLIER.search(q.text)):
            # "who directed it?", "what disease does the girl have?" after a turn that named its closest films without
            # choosing one: the film meant is one of those, not an older film of the conversation; the one whose
            # passages alone hold what the follow-up asks about ("disease", "girl"), else the user is asked which
            chosen = self._chosen(q, list(turns[-1].offered))
            if chosen is None:
                q.offered = [self.catalog.name(k) for k in turns[-1].offered]
                return q
            films = [*films, chosen]  # the film of the latest turn, below; no older film's words may win it back
        if not films:
            return q
        last_two = latest_first[:2]
        if len(last_two) == 2 and (THE_TWO.search(q.text) or COMPARATIVE.search(q.text) or ONE_OF_TWO.search(q.text)) \
                and COMPARE.search(q.text.lower()):
            q.compared = last_two[::-1]  # "ok which of the two is shorter", after Harmony and then More than Blue
            return q
        focus = films[-1]  # the film of the most recent turn that had one
        if EARLIER.search(q.text):  # "the first one", "the second one", "the other film"
            named = list(dict.fromkeys(k for t in turns for k in (t.also or (t.film,)) if k))  # in the order named
            recent = [k for k in latest_first if k != focus]
            m = (EARLIER.search(q.text).group(2) or "previous").lower()  # "the one before": the previous film
            if m in ORDINALS:
                focus = named[ORDINALS[m]] if len(named) > ORDINALS[m] else focus
            elif recent:
                focus = recent[0]
            if focus != films[-1] and TWO_COMPARED.search(EARLIER.sub(" ", q.text)):
                q.compared = [films[-1], focus]  # "which is longer, that or the first one?": the latest and that one
                return q
        elif chosen is None:  # every film a turn named counts ("… spirits' homecoming or train to busan", then "the zombie one")
            focus = self._described(q, [k for t in turns for k in (t.also or (t.film,)) if k], focus)
            if focus is None:  # "ok and the zombie train one", after a film about a prisoner: a new film
                return q
        q.previous = turns[-1].asked
        if OTHER.search(q.text) and (q.plural or q.which):
            q.exclude = focus  # "what other films deal with autism?", "theres another one where a prisoner …"
            q.plural = q.plural or not ANOTHER_ONE.search(q.text)
        elif not q.which:  # in "which film is about a man whose wife returns to him?", "him" is not the old film
            q.focus = focus  # "who directed it?", "what did the DNA test show?"
            q.search_text = f"{self.catalog.name(focus)}: {q.spelled}"
        return self._again(q, turns[-1], focus) or q

    def _again(self, q: Query, previous: Turn, film: str | None) -> Query | None:
        """"and the other one?", "what about Hope?": a follow-up that asks nothing of its own asks what the previous
        question asked, of the film it names or refers to."""
        film = q.named[0] if len(q.titles) == 1 else film
        if not film or q.plural or not says_nothing(q):  # most follow-ups ask their own thing: nothing more to read
            return None
        # the sentence that asked ("I'm choosing between Daisy and Harmony. How long is Daisy?"): the last question
        said = sentences(previous.asked) or [""]
        asking = next((x for x in reversed(said) if x.endswith("?")), said[-1])
        asked = read_question(asking, self.catalog, self.mentions, self.settings.max_question_chars)
        text = asked_again(asked, self.catalog.name(film))
        if text is None:
            return None
        again = read_question(text, self.catalog, self.mentions, self.settings.max_question_chars)
        again.typed = q.text
        return again

    def _chosen(self, q: Query, offered: list[str]) -> str | None:
        """Of the films a declined turn offered, the one whose passages hold more of the follow-up's content words
        than any other and at least half of them ("what disease does the girl have?": only *His Last Gift*'s
        passages name a disease); None when the follow-up has none ("who directed it?") or no film holds more."""
        content = content_stems(q)
        if not content:
            return None
        held = self._held(content, offered)
        key, *rest = sorted(offered, key=held.get, reverse=True)
        return key if held[key] > max((held[k] for k in rest), default=0) and 2 * held[key] >= len(content) else None

    def _held(self, content: list[str], films: list[str]) -> dict[str, int]:
        """How many of these words each film's passages hold (what a follow-up picks an earlier film by)."""
        return {k: self.mentions.held(content, self.catalog.chunk_ids.get(k, [])) for k in films}

    def _described(self, q: Query, films: list[str], latest: str) -> str | None:
        """A follow-up that names something of an earlier film ("when did the remake come out?", "who directed
        the battle one?") is about the film of the conversation whose passages have most of its content words
        (of what it calls the film by, when it says "the … one"); the latest film when none has more than it, or
        none holds half of them.
        None when it calls a film by something no film of the conversation has half of ("the zombie train one"
        after a film about a prisoner): a film the conversation has not had yet, found by that description."""
        called = description(q)
        content = called or content_stems(q)
        order = list(dict.fromkeys([latest, *reversed(films)]))  # the latest first
        if not content or (len(order) == 1 and not called) or (not called and NEEDS_FILM.search(q.text)):
            return latest  # "what's the main guy called in that one": "that one" is the latest, whatever it asks
        held = self._held(content, order)
        best = max(order, key=held.get)  # the most recent of equals
        if called:
            return None if 2 * held[best] < len(called) else best
        # an older film must hold at least half of what is asked ("where does she end up in jail?" after Way Back
        # Home: Miracle in Cell No. 7's "jail" alone does not take the conversation back to it), unless the question
        # chooses between the films talked of ("which of those two is based on a true story?")
        return best if 2 * held[best] >= len(content) or THE_TWO.search(q.text) or ONE_OF_TWO.search(q.text) else latest

    def conversation(self, history: list[str]) -> list[Turn]:
        """Each turn of the conversation: the film it named or was answered with, or the names no article has.

        Remembered per conversation prefix: each turn of a chat would otherwise search all the
        earlier questions again (one more encode per turn).
        """
        out: list[Turn] = []
        for i in range(len(history)):
            key = hashlib.sha256("\x00".join(history[: i + 1]).encode("utf-8", "replace")).digest()
            if key not in self._turns:
                if len(self._turns) >= FOCUS_CACHE:
                    self._turns.clear()
                self._turns[key] = self._turn(history[i], history[:i])
            out.append(self._turns[key])
        return out

    def _turn(self, question: str, earlier: list[str]) -> Turn:
        result = self.search(question, earlier)
        q = result.query
        if q.unknown:
            return Turn(None, tuple(q.unknown), asked=q.text)
        if q.focus and not q.named:
            return Turn(q.focus, asked=q.text)  # "who directed it?" stays on the film it was about
        order, asked = films_named(q)
        named = [k for k in order if any(f.key == k for f in result.films)]
        if named:  # "who directed Hope?" is about Hope even when its passages are judged not to answer
            return Turn(asked if asked in named else named[0], also=tuple(named), asked=q.text)
        if result.films and result.answerable:
            return Turn(result.films[0].key, asked=q.text)
        offered = result.confidence.get("reason") == "no film stands out"  # the answer named its closest films
        return Turn(None, asked=q.text, offered=tuple(f.key for f in result.films[:3]) if offered else ())

    # ---------------------------------------------------------- retrieval
    def search(self, question: str, history: list[str] | tuple[str, ...] = ()) -> SearchResult:
        q = self.understand(question, history)
        n = len(self.index)
        dense, units = self.dense_scores(q)
        lexical = self.index.lexical_scores(lexical_query(formal(q.search_text)))
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
        for i in top_indices(lexical, CANDIDATES) if q.names else []:  # the best BM25 matches that have a name as written
            if self.mentions.has_name(i, q.names):
                boost[i] = max(boost[i], NAME_BOOST * top)
        if q.focus:
            for i in self.catalog.chunk_ids.get(q.focus, []):
                boost[i] = max(boost[i], FOLLOWUP_BOOST * top * (2 if REFERS_BACK.search(q.text) else 1))
        score = fused + boost
        if q.exclude:
            for i in self.catalog.chunk_ids.get(q.exclude, []):
                score[i] = -1.0

        # the best passages that are not collapsed copies
        order = [i for i in top_indices(score, CANDIDATES + self.collapsed) if self.duplicate_of[i] == i]
        order = order[:CANDIDATES]
        hits = [Hit(i, self.index.chunks[i], s, d, x, self.chunk_film[i], self.index.unit_span(units[i]) if i in units else None)
                for i, s, d, x in zip(order, score[order].tolist(), dense[order].tolist(), lexical[order].tolist())]
        films = rank_films(hits, self.catalog)
        answerable, confidence = self.judge.judge(q, films)
        intro_hit = next((h for h in hits if h.index == intro), None)
        return SearchResult(q, hits, films, answerable, confidence, intro_hit, vouched if intro_hit else set())

    def dense_scores(self, q: Query) -> tuple[np.ndarray, dict[int, int]]:
        """Best-sentence cosine per chunk (0 for chunks with no sentence among the nearest), and that sentence."""
        n = len(self.index)
        text = dense_text(q)
        k = min(len(self.index.units), max(200, 20 * self.settings.citations))
        texts = [text]
        if q.named or q.focus:  # best_sentence will want the question without the film: one encode for both
            texts.append(question_rest(q))
        vectors = self.embedder.encode(texts)
        if len(texts) > 1:
            q.rest_vector = vectors[1]
        best = self.index.dense(vectors[0], k)
        for c in sorted(best, key=lambda c: -best[c][0])[:GENERIC_CHECKED]:
            if self.chunk_film[c] and self.generic(best[c][1]):  # the passage is scored by its other sentences
                rows = [u for u in self.index.units_of(c) if u != best[c][1]]
                if rows:
                    cosines = self.index.embeddings[rows] @ vectors[0]
                    best[c] = (float(cosines.max()), rows[int(cosines.argmax())])
                else:
                    best[c] = (0.0, best[c][1])
        dense = np.zeros(n, dtype=np.float32)
        for c, (s, _) in best.items():
            dense[c] = max(s, 0.0)
        return dense, {c: u for c, (_, u) in best.items()}

    def generic(self, unit: int) -> bool:
        """Whether a film's sentence is nearer to a sentence about no film (an article's own introduction: "Here are
        some good Korean movies that will make tears come out of your eyes") than to any other sentence of the
        collection. "A must-watch Korean movie that will make you cry" says what every film here is: it is no
        evidence that a question describes its film ("korean war movie, a north korean soldier falls in love …"
        had been answered with it), nor a rival to the film a question does describe. No threshold: the nearest
        sentence decides. Checked for the few best passages of a question, and remembered."""
        if unit not in self._generic:
            vector = self.index.embeddings[unit]
            chunk = int(self.index.units[unit, 0])
            own = [u for u in self.index.units_of(chunk) if u != unit]  # its passage's other sentences: its film's
            nearest = float((self.index.embeddings[own] @ vector).max()) if own else -1.0
            film = True  # whether the nearest sentence so far is one of a film
            for c, (score, _) in self.index.dense(vector, NEAREST_SENTENCES).items():  # other passages
                if c != chunk and score > nearest:
                    nearest, film = score, self.chunk_film[c] is not None
            self._generic[unit] = not film
        return self._generic[unit]

    def means_a_story(self, words: list[str]) -> bool:
        """Whether these words, alone, mean what some sentence of the articles says: "prison" does, "my mom really
        enjoys" does not. Tells a question's topic from chatter around it (``STORY_COSINE``)."""
        vector = self.embedder.encode([" ".join(words)])[0]
        best = self.index.dense(vector, 1)
        return bool(best) and max(s for s, _ in best.values()) >= STORY_COSINE

    def best_sentence(self, q: Query, hits: list[Hit], accept=None) -> tuple[Hit, tuple[int, int] | None] | None:
        """The sentence among these passages that answers a question about a known film.

        The film's name is in every one of its sentence vectors, so the question is compared
        without it, and sentences sharing the question's content words are preferred. With
        ``accept``, only sentences it accepts count, and None means no sentence did.
        """
        qv = q.rest_vector if q.rest_vector is not None else self.embedder.encode([question_rest(q)])[0]
        content = set(content_stems(q))
        best, best_score = ((hits[0], hits[0].sentence) if accept is None else None), -1.0
        for h in hits:
            for u in self.index.prose_units(h.index):
                span = self.index.unit_span(u)
                sent = h.chunk.text[span[0]:span[1]]
                if accept is not None and not accept(sent):
                    continue
                overlap = len(content & self.mentions.unit_terms(u, sent)) / len(content) if content else 0.0
                s = float(self.index.embeddings[u] @ qv) + OVERLAP_WEIGHT * overlap
                if s > best_score:
                    best, best_score = (h, span), s
        return best

    def plot_sentence(self, chunk: int) -> tuple[int, int] | None:
        """The sentence of a passage that reads most like a plot summary (from its stored sentence vectors)."""
        rows = [u for u in self.index.prose_units(chunk) if self.index.units[u, 2] - self.index.units[u, 1] >= 30]
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
