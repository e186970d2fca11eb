"""What the articles contain word for word: whether a name or phrase is written in any passage, and the
words and stems of each passage and sentence (what a question's content words are matched against).

A name the articles never mention must be refused by name ("The articles don't mention *The
Handmaiden*"), never answered with a similar-looking passage; this module is how that is known.
Everything is computed on demand from the index and remembered.
"""

from __future__ import annotations

import functools

from .index import Index
from .ranking import top_indices
from .text import PHRASED, QUESTION_WORDS, bm25_tokens, words, zipf

MENTION_CANDIDATES = 20  # best BM25 passages searched for a name as written (a name's passages rank first)
MENTION_CACHE = 1024  # phrases whose answer is remembered (memory, not quality)
# A word no article has, rarer in English than this and not in pyspellchecker's English dictionary may be a typo
# ("dauhgter", "moive", "remeber"; "kimchi" and "nastiest" are words, left as typed) ...
TYPO_ZIPF = 3.5
# ... and is read as a word of the articles or of everyday English (the ENGLISH_WORDS most common; so "blnd" is
# blind, a word no article has, not bond, one they have) this few edits away (at most 5 letters: one), fewest edits
# first, then the kind of slip typing makes: two letters swapped ("moive": movie, not move), a letter left out
# ("blnd": blind, not bond), then the more common word
TYPO_EDITS = 2
ENGLISH_WORDS = 30_000


class Mentions:
    """Word-level look-ups over one index, each remembered."""

    def __init__(self, index: Index):
        self.index = index
        self._mentioned: dict[tuple[str, ...], bool] = {}  # phrase -> whether any article has it
        self._terms: dict[int, frozenset[str]] = {}  # passage -> its stems and words (coverage)
        self._unit_terms: dict[int, frozenset[str]] = {}  # sentence row -> its stems and words
        self._flat: dict[int, str] = {}  # passage -> its words, space-separated
        self._vocabulary: list[str] | None = None  # what a typo may stand for: article and everyday English words
        self._spelled: dict[str, str] = {}  # word as typed -> as read

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

    def held(self, content: list[str], passages) -> int:
        """How many of these content words (stems, or words as written) any of these passages has."""
        seen = set().union(*(self.terms(i) for i in passages))
        return sum(w in seen for w in content)

    def unit_terms(self, u: int, sentence: str) -> frozenset[str]:
        """What a content word can match in one sentence (row u of index.units), computed once."""
        if u not in self._unit_terms:
            self._unit_terms[u] = frozenset(terms(sentence))
        return self._unit_terms[u]

    def written(self, word: str) -> bool:
        """Whether some passage has this word as written (not only its stem), give or take a plural or possessive
        "s" ("Americans" for "American", "Wilson" in "Wilson’s disease")."""
        forms = [word, word + "s"] + ([word[:-1]] if word.endswith("s") else [])
        return any(self.has_name(i, forms) for i in top_indices(self.index.lexical_scores(word), MENTION_CANDIDATES))

    def mentioned(self, phrase: tuple[str, ...]) -> bool:
        """Whether any passage (or its article title or film) has these words in this order; one word, in any form."""
        return _remembered(self._mentioned, phrase, self._find)

    def _find(self, phrase: tuple[str, ...]) -> bool:
        scores = self.index.lexical_scores(" ".join(phrase))
        if len(phrase) == 1 and phrase[0] not in QUESTION_WORDS:
            return bool(len(scores)) and float(scores.max()) > 0  # one word: any passage with its stem
        name = " ".join(phrase)
        # "Wilson" is in "Wilson’s disease"; "North Korea" in "the North Korean navy"
        forms = [name, name + "s"] + ([name + "n", name + "ns"] if name.endswith("a") else [])
        for i in top_indices(scores, MENTION_CANDIDATES):
            c = self.index.chunks[i]
            if self.has_name(i, forms) or has_name(f"{c.title}\n{c.film or ''}", forms):
                return True
        return False

    def spelled(self, word: str) -> str:
        """The word, or the article word it is a typo of ("dauhgter" -> "daughter"): a word no article has, rare
        in English, close in spelling to a more common word the articles use."""
        if len(word) < 4 or not word.isalpha() or zipf(word) >= TYPO_ZIPF or self.mentioned((word,)) or is_english(word):
            return word
        return _remembered(self._spelled, word, self._nearest)

    def _nearest(self, word: str) -> str:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        if self._vocabulary is None:
            from wordfreq import top_n_list

            english = {w for w in top_n_list("en", ENGLISH_WORDS) if w.isalpha()}
            self._vocabulary = sorted(english | {w for c in self.index.chunks for w in words(c.text) if w.isalpha()})
        edits = 1 if len(word) <= 5 else TYPO_EDITS
        near = process.extract(word, self._vocabulary, scorer=OSA.distance, score_cutoff=edits, limit=20)
        if not near:
            return word
        best = min(near, key=lambda m: (m[1], sorted(m[0]) != sorted(word), not _subsequence(word, m[0]), -zipf(m[0])))[0]
        return best if zipf(best) > zipf(word) else word

    def in_parts(self, phrase: tuple[str, ...]) -> bool:
        """Whether a run of capitalised words is one name the articles have, or names written side by side
        ("Orly Airport Martinique", "Nayoung Cho Doo Soon"): parts found as written, at least one of them longer
        than a word (so "Lee Chang-dong" is not three everyday words that each occur somewhere). One word must be
        found as written, not by its stem: "Who directed Burning?" names no film of the articles' "burned" house."""
        if self.mentioned(phrase) if len(phrase) > 1 else self.written(phrase[0]):
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


def _remembered(cache: dict, key, compute):
    """``compute(key)``, remembered in ``cache``, which is emptied when it holds MENTION_CACHE answers."""
    if key not in cache:
        if len(cache) >= MENTION_CACHE:
            cache.clear()
        cache[key] = compute(key)
    return cache[key]


@functools.cache
def _dictionary():
    from spellchecker import SpellChecker

    return SpellChecker()


def is_english(word: str) -> bool:
    """Whether a word is in an English dictionary (pyspellchecker's), rare ones too ("kimchi", "handmaiden")."""
    return word in _dictionary()


def _subsequence(short: str, long: str) -> bool:
    """Whether ``long`` is ``short`` with letters added (what leaving letters out while typing gives)."""
    letters = iter(long)
    return all(ch in letters for ch in short)


def terms(text: str) -> set[str]:
    """What a content word of a question can match in a passage: its stems, its words as written, and a casual word
    whose phrase it has ("blind" in "a visually impaired woman")."""
    written = words(text)
    flat = f" {' '.join(written)} "
    return set(bm25_tokens([text])[0]) | set(written) | {c for c, f in PHRASED.items() if f" {f} " in flat}


def has_name(text: str, names: list[str]) -> bool:
    """Whether the text has one of these names (lower-case words, space-separated) as written."""
    flat = f" {' '.join(words(text))} "
    return any(f" {n} " in flat for n in names)
