"""Answer or abstain: whether the passages found really carry the question.

A wrong answer with a citation is worse than "the articles don't say", so a film is given
only when its passages are close in meaning to the question, or hold most of its content
words (as written or by stem) while not far in meaning. A name, a title or one shared word
is never enough on its own. The thresholds are Settings fields fitted by cross-validation
(`filmchat eval --cv`); the shares below were measured on the dev sets (README).
"""

from __future__ import annotations

import numpy as np

from .facts import fact_alone
from .films import FilmCatalog
from .index import Index
from .mentions import Mentions
from .question import ASKS_OF_SOMEONE, MANY, NEEDS_FILM, Query, content_stems
from .ranking import FilmScore, Hit
from .settings import Settings
from .text import SMALL_WORDS, content_words, stems, words

# a question about a known film is answered when its passages hold this share of its content words ...
ANCHORED_COVERAGE = 0.5
# ... and one that names none is answered, below the dense threshold, when its best passages hold this share of
# its content words and their best sentence is within WORDS_MARGIN of the threshold (dev set; see README)
WORDS_COVERAGE = 0.6
WORDS_MARGIN = 0.15
FOLLOWUP_WORDS = 3  # "who directed it?" has at most this many content words; a longer question with "it" describes a film


class Judge:
    """The abstention decision and its evidence, for one index and one set of thresholds."""

    def __init__(self, index: Index, catalog: FilmCatalog, mentions: Mentions, settings: Settings, encode=None):
        self.index = index
        self.encode = encode  # text -> its vector: only for a question whose words the film holds are its title's
        self.catalog = catalog
        self.mentions = mentions
        self.settings = settings
        self._film_units: dict[str, np.ndarray] = {}  # film -> rows of its prose sentences in index.units

    def film_units(self, key: str) -> np.ndarray:
        """Rows of index.units holding the film's prose sentences (its "Director: …" lines left out)."""
        if key not in self._film_units:
            rows = [u for c in self.catalog.chunk_ids.get(key, []) for u in self.index.prose_units(c)]
            self._film_units[key] = np.asarray(rows, dtype=np.int64)
        return self._film_units[key]

    def coverage(self, q: Query, hits: list[Hit]) -> float:
        """Share of the question's content words found in any of these passages (stemmed)."""
        content = content_stems(q)
        if not content:
            return 1.0
        return self.mentions.held(content, [h.index for h in hits]) / len(content)

    def judge(self, q: Query, films: list[FilmScore]) -> tuple[bool, dict]:
        """Answer only when the passages carry the question: similar in meaning, or sharing its content words."""
        if not words(q.text):  # no Latin letter or digit: nothing to match in English articles
            return False, {"reason": "no words"}
        if q.unknown:
            return False, {"reason": "unknown", "unknown": list(q.unknown)}
        anchored = q.named or ([q.focus] if q.focus else [])
        plain = content_words(q.text)
        if not anchored and not (q.which or q.plural) and (
                ((NEEDS_FILM.search(q.text) or ASKS_OF_SOMEONE.search(q.text)) and len(plain) <= FOLLOWUP_WORDS)
                or fact_alone(q.text) or q.offered):
            return False, {"reason": "no film"}  # "who directed it?", "who was the director?": no film named or talked about
        if not anchored and plain and not any(self.mentions.mentioned((w,)) for w in plain):
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
        if not self.supports(q, film, conf) or self.by_title_alone(q, film):
            return False, conf
        if not (q.plural or MANY.search(q.text) or self.stands_out(films) or self.leads_in_words(q, films)):
            conf["reason"] = "no film stands out"
            return False, conf
        return True, conf

    def stands_out(self, films: list[FilmScore]) -> bool:
        """Whether the first film is the question's rather than one of several that share its topic: no other film
        has a closer sentence (by more than ``dense_lead``), or its words match clearly better than any other film's
        (BM25 ``lexical_lead`` times theirs). "a gamer stuck alone in his apartment during a zombie
        outbreak" is as close to *Train To Busan* as to other films, and matches no film's words."""
        if len(films) < 2:
            return True
        others = [h for f in films[1:] for h in f.hits]
        dense = max(h.dense for h in films[0].hits) - max(h.dense for h in others)
        lexical = max(h.lexical for h in films[0].hits)
        return dense >= -self.settings.dense_lead or lexical >= self.settings.lexical_lead * max(h.lexical for h in others)

    def leads_in_words(self, q: Query, films: list[FilmScore]) -> bool:
        """Whether the first film's passages hold ``coverage_lead`` times as many of the question's content words as
        any other film's (each without its own title's words): a paraphrase whose sentence is no closer in meaning
        than another film's ("a sick girl moves to the country and finds a feral kid in the shed") but whose words
        only its film has (near-topic plots share a theme's few words with several films). 0 turns it off."""
        lead = self.settings.coverage_lead
        if not lead or len(films) < 2:
            return False
        content = content_stems(q)
        if not content:
            return False

        # nor a name's words: a name found is no answer by itself ("a North Korean defector who becomes a pianist"
        # and *The Attorney*'s "North Korean spies")
        named = name_stems(q)

        def held(film: FilmScore) -> int:  # not its own title's words: "dad" is in every passage of *My Father*
            title = with_stems(self.catalog.title_words(film.key)) | named
            return self.mentions.held([w for w in content if w not in title], [h.index for h in film.hits[:3]])
        first = held(films[0])
        return first > 0 and first >= lead * max(held(f) for f in films[1:])

    def by_title_alone(self, q: Query, film: FilmScore) -> bool:
        """Whether a film matched a question that does not name it by its title's words alone ("what's the weather
        in busan next week?" and *Train To Busan*, whose every sentence vector holds its title): the only content
        words its passages hold are its title's, and the question without them is close to none of its sentences
        (as a question that names the film must be, ``anchored_threshold``)."""
        title = set(self.catalog.title_words(film.key))
        title_stems = with_stems(title)
        held = [w for w in content_stems(q) if self.mentions.held([w], [h.index for h in film.hits[:3]])]
        if not held or any(w not in title_stems for w in held) or self.encode is None:
            return False
        rows = self.film_units(film.key)
        rest = " ".join(w for w in words(q.text) if w not in title)
        return not len(rows) or float((self.index.embeddings[rows] @ self.encode(rest)).max()) < self.settings.anchored_threshold

    def listed(self, q: Query, film: FilmScore) -> bool:
        """Whether a film belongs in a "which films …" answer: its passages hold most of the question's
        content words, or one of its sentences is close in meaning and they hold ``coverage_floor`` of them (as
        for a single answer)."""
        cov = self.coverage(q, list(film.hits[:3]))
        return cov >= WORDS_COVERAGE or (max(h.dense for h in film.hits) >= self.settings.abstain_threshold
                                          and cov >= self.settings.coverage_floor)

    def supports(self, q: Query, film: FilmScore, conf: dict | None = None) -> bool:
        """Whether a film's passages answer a question that does not name it: close in meaning, or
        sharing enough of its content words while not far in meaning, or holding a name it asks about."""
        top_hits = list(film.hits[:3])
        cov = self.coverage(q, top_hits)
        best_dense = max(h.dense for h in film.hits)
        if conf is not None:
            conf |= {"dense": round(best_dense, 4), "coverage": round(cov, 4)}
        t = self.settings.abstain_threshold
        named = any(self.mentions.has_name(h.index, q.names) for h in top_hits)  # "House Resolution No. 121"
        if named:  # a name found is not an answer by itself ("stars Song Kang-ho as a taxi driver"): the rest must be there
            names = name_stems(q)
            rest = [w for w in content_stems(q) if w not in names]
            named = not rest or self.mentions.held(rest, [h.index for h in top_hits]) / len(rest) >= ANCHORED_COVERAGE
        # the floor is for plots close enough in meaning to be either a paraphrase or a near-topic plot (those score
        # 0.40–0.48): not for one as close as a paraphrase gets (WORDS_MARGIN above the threshold, "it's set back
        # when Japan ruled Korea … what was it called?" with its many words no passage needs), nor for a question
        # holding the film's whole title in everyday words ("is wedding dress a sad movie", whose title words are
        # no content words)
        titled = set(self.catalog.title_words(film.key)) - SMALL_WORDS <= set(words(q.text))
        close = best_dense >= t + WORDS_MARGIN  # as close in meaning as a paraphrase gets: no words needed
        return (named or (best_dense >= t and (cov >= self.settings.coverage_floor or titled or close))
                or (cov >= WORDS_COVERAGE and best_dense >= t - WORDS_MARGIN))


def with_stems(given) -> set[str]:
    """These words and their stems: what a content word of the question (a stem, or a word as written) is matched by."""
    return {s for w in given for s in (w, *stems(w))}


def name_stems(q: Query) -> set[str]:
    """The words of the names the question gives, with their stems: a name found is no answer by itself."""
    return with_stems(w for n in q.names for w in n.split())
