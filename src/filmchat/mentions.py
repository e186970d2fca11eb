"""What the articles contain word for word: whether a name or phrase is written in any passage, and the
words and stems of each passage and sentence (what a question's content words are matched against).

A name the articles never mention must be refused by name ("The articles don't mention *The
Handmaiden*"), never answered with a similar-looking passage; this module is how that is known.
Everything is computed on demand from the index and remembered.
"""

from __future__ import annotations

from .index import Index
from .ranking import top_indices
from .text import QUESTION_WORDS, bm25_tokens, words

MENTION_CANDIDATES = 20  # best BM25 passages searched for a name as written (a name's passages rank first)
MENTION_CACHE = 1024  # phrases whose answer is remembered (memory, not quality)


class Mentions:
    """Word-level look-ups over one index, each remembered."""

    def __init__(self, index: Index):
        self.index = index
        self._mentioned: dict[tuple[str, ...], bool] = {}  # phrase -> whether any article has it
        self._terms: dict[int, frozenset[str]] = {}  # passage -> its stems and words (coverage)
        self._unit_terms: dict[int, frozenset[str]] = {}  # sentence row -> its stems and words
        self._flat: dict[int, str] = {}  # passage -> its words, space-separated

    def flat(self, i: int) -> str:
        """Passage i as " word word … " (for names found as written), computed once."""
        if i not in self._flat:
            self._flat[i] = f" {' '.join(words(self.index.chunks[i].text))} "
        return self._flat[i]

    def has_name(self, i: int, names: list[str]) -> bool:
        """Whether passage i has one of these names (lower-case words, space-separated) as written."""
        return any(f" {n} " in self.flat(i) for n in names)

    def terms(self, i: int) -> frozenset[str]:
        """What a question's content word can match in passage i (its stems and words), computed once."""
        if i not in self._terms:
            self._terms[i] = frozenset(terms(self.index.chunks[i].embed_text()))
        return self._terms[i]

    def unit_terms(self, u: int, sentence: str) -> frozenset[str]:
        """What a content word can match in one sentence (row u of index.units), computed once."""
        if u not in self._unit_terms:
            self._unit_terms[u] = frozenset(terms(sentence))
        return self._unit_terms[u]

    def written(self, word: str) -> bool:
        """Whether some passage has this word as written (not only its stem)."""
        return any(self.has_name(i, [word]) for i in top_indices(self.index.lexical_scores(word), MENTION_CANDIDATES))

    def mentioned(self, phrase: tuple[str, ...]) -> bool:
        """Whether any passage (or its article title or film) has these words in this order; one word, in any form."""
        if phrase not in self._mentioned:
            if len(self._mentioned) >= MENTION_CACHE:
                self._mentioned.clear()
            self._mentioned[phrase] = self._find(phrase)
        return self._mentioned[phrase]

    def _find(self, phrase: tuple[str, ...]) -> bool:
        scores = self.index.lexical_scores(" ".join(phrase))
        if len(phrase) == 1 and phrase[0] not in QUESTION_WORDS:
            return bool(len(scores)) and float(scores.max()) > 0  # one word: any passage with its stem
        forms = [" ".join(phrase), " ".join(phrase) + "s"]  # "Wilson" is in "Wilson’s disease"
        for i in top_indices(scores, MENTION_CANDIDATES):
            c = self.index.chunks[i]
            if self.has_name(i, forms) or has_name(f"{c.title}\n{c.film or ''}", forms):
                return True
        return False

    def in_parts(self, phrase: tuple[str, ...]) -> bool:
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


def terms(text: str) -> set[str]:
    """What a content word of a question can match in a passage: its stems, and its words as written."""
    return set(bm25_tokens([text])[0]) | set(words(text))


def has_name(text: str, names: list[str]) -> bool:
    """Whether the text has one of these names (lower-case words, space-separated) as written."""
    flat = f" {' '.join(words(text))} "
    return any(f" {n} " in flat for n in names)
