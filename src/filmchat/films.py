"""Films as the answer's unit: one film however many articles (and title spellings) discuss it.

The catalog is built from the chunks' film labels, so it knows exactly the films the
corpus discusses, and finds their titles in a question, exactly or fuzzily
("miracle cell 7" is Miracle in Cell No. 7).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .chunking import Chunk
from .text import QUESTION_WORDS, SMALL_WORDS, is_ordinary, norm_key, word_tokens, words

KEYS_REMEMBERED = 1_000_000  # film labels whose key is kept (memory: ~100 bytes each)
NEAR_REMEMBERED = 50_000  # question words whose near title words are kept (a fuzzy pass over every title word each)
# Words before a title that say it is used as one: "the film Hope", "a movie called Always".
TITLE_CUES = {"film", "films", "movie", "movies", "called", "titled", "named", "watch", "watched", "saw", "seen"}
# Words that may surround a title in a question that asks only about that film: "tell me about hope",
# "hope?", "who directed hope?", "how long is always" (but not "I hope to find a film about a boxer").
BARE_TITLE_WORDS = QUESTION_WORDS | set(
    "tell about info information describe summarize summarise details know plot synopsis directed direct director "
    "directors release released come came out premiere premiered long runtime running time length minutes cast star "
    "stars starring starred plays played actor actors actress year date".split())


@dataclass(frozen=True)
class TitleMatch:
    """A film named in a question; ``exact`` when the whole title appears as written."""

    key: str
    exact: bool
    span: tuple[int, int]  # word positions in the question, to strip the title from content words


class FilmCatalog:
    """Canonical names, chunk positions and title matching for every film in the index."""

    def __init__(self, chunks: list[Chunk]):
        variants: dict[str, Counter] = defaultdict(Counter)
        self.chunk_ids: dict[str, list[int]] = defaultdict(list)
        self._keys: dict[str, str] = {}  # each film label's key, normalised once (not once per passage)
        for i, c in enumerate(chunks):
            if not c.film:
                continue
            k = self.key(c.film)
            if not k:
                continue
            variants[k][c.film] += 1
            self.chunk_ids[k].append(i)
        # the spelling most articles use; ties go to the one with more capitals ("Train To Busan" = "Train to Busan")
        self.names = {k: max(v, key=lambda t: (v[t], -sum(ch.isupper() for ch in t), t)) for k, v in variants.items()}
        self._title_words = {k: words(n) for k, n in self.names.items()}
        self.ordinary = {k for k, tw in self._title_words.items() if ordinary_title(tw)}
        self.ordinary_words = {w for k in self.ordinary for w in self._title_words[k] if w not in SMALL_WORDS}
        # everyday words that are a whole title ("hope", "daisy"): every sentence vector of that film starts with it
        self.word_titles = {tw[0] for k, tw in self._title_words.items() if k in self.ordinary and len(tw) == 1}
        # which titles hold each significant word: a question is matched against the titles whose significant
        # words it has (exactly or nearly), not against every title (~50 ms per question at 4,000 films)
        self._order = {k: n for n, k in enumerate(self._title_words)}
        self._needs: dict[str, int] = {}  # title -> how many distinct significant words it has
        self._by_word: dict[str, list[str]] = defaultdict(list)
        for k, tw in self._title_words.items():
            sig = {w for w in tw if w not in SMALL_WORDS}
            self._needs[k] = len(sig)
            for w in sig:
                self._by_word[w].append(k)
        self._vocabulary = list(self._by_word)
        self._always = [k for k, c in self._needs.items() if not c]
        self._near: dict[str, tuple[str, ...]] = {}  # a question word -> the title words near it (questions share words)

    def key(self, film: str | None) -> str | None:
        if not film:
            return None
        k = self._keys.get(film)
        if k is None:
            k = norm_key(film)
            if len(self._keys) < KEYS_REMEMBERED:
                self._keys[film] = k
        return k

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def __len__(self) -> int:
        return len(self.names)

    def _candidates(self, q: list[str]) -> list[str]:
        """The titles ``match`` must look at, in catalog order: those whose every significant word is a word of the
        question, or near one as the fuzzy match measures it (titles of small words only are always looked at)."""
        from rapidfuzz import fuzz, process

        near = set()
        for w in set(q):
            if w not in self._near:
                if len(self._near) >= NEAR_REMEMBERED:
                    self._near.clear()
                found = process.extract(w, self._vocabulary, scorer=fuzz.ratio, score_cutoff=80, limit=None)
                # as below: a title word of three letters or fewer must be exact
                self._near[w] = tuple(v for v, _, _ in found if len(v) > 3 or v == w)
            near.update(self._near[w])
        count: dict[str, int] = defaultdict(int)
        for v in near:
            for k in self._by_word[v]:
                count[k] += 1
        keys = [k for k, c in count.items() if c == self._needs[k]] + self._always
        return sorted(keys, key=self._order.__getitem__)

    def match(self, question: str, loose: bool = False) -> list[TitleMatch]:
        """Films named in the question, longest title first; overlapping shorter titles are dropped.

        A title made of everyday words ("Hope", "Always", "My Father") counts only where it is
        used as a title: capitalised, quoted, after "film"/"movie", or as the whole question
        ("I hope to find a film…" is not about *Hope*); with ``loose``, wherever it stands.
        """
        from rapidfuzz import fuzz, process

        toks = word_tokens(question)
        q = [t[0] for t in toks]
        found: list[TitleMatch] = []
        for key in self._candidates(q):
            tw = self._title_words[key]
            if not tw:
                continue
            n = len(tw)
            exact = next((i for i in range(len(q) - n + 1) if q[i:i + n] == tw
                          and (loose or key not in self.ordinary or used_as_title(question, toks, i, i + n))), None)
            if exact is not None:
                found.append(TitleMatch(key, True, (exact, exact + n)))
                continue
            # fuzzy: every significant title word present (typos allowed), in a window of the question
            sig = [w for w in tw if w not in SMALL_WORDS]
            if len(sig) < 2 or len(q) < len(sig):
                continue
            pos = []
            for w in sig:
                _, score, best = process.extractOne(w, q, scorer=fuzz.ratio)
                if score < (100 if len(w) <= 3 else 80):
                    break
                pos.append(best)
            else:
                span = (min(pos), max(pos) + 1)
                if span[1] - span[0] <= n + 1 and (loose or key not in self.ordinary or used_as_title(question, toks, *span)):
                    found.append(TitleMatch(key, False, span))
        found.sort(key=lambda m: (-(m.span[1] - m.span[0]), not m.exact))
        kept: list[TitleMatch] = []
        for m in found:  # "My Annoying Brother" wins over a film called "Brother" inside it
            if all(m.span[1] <= k.span[0] or m.span[0] >= k.span[1] for k in kept):
                kept.append(m)
        return kept


def ordinary_title(title_words: list[str]) -> bool:
    """A short title made only of everyday words, which a question can contain by chance ("hope", "my father")."""
    sig = [w for w in title_words if w not in SMALL_WORDS]
    return 0 < len(sig) <= 2 and len(title_words) <= 3 and all(is_ordinary(w) for w in sig)


def used_as_title(text: str, toks: list[tuple[str, str, int, int]], i: int, j: int) -> bool:
    """Whether words i..j of the question are written as a title rather than as ordinary words."""
    before = text[:toks[i][2]].rstrip()
    if before.endswith(("“", '"', "‘", "'", "*", "_")):  # quoted or emphasised
        return True
    if i > 0 and toks[i - 1][0] in TITLE_CUES:
        return True
    if all(w in BARE_TITLE_WORDS for k, (w, *_rest) in enumerate(toks) if not i <= k < j):
        return True  # the question is only the title: "Hope?", "tell me about hope"
    raw = [t[1] for t in toks[i:j] if t[0] not in SMALL_WORDS or t is toks[i]]
    if not all(r[0].isupper() or r[0].isdigit() for r in raw):
        return False
    letters = [t[1] for t in toks if t[1][0].isalpha() and len(t[1]) > 1]
    if letters and sum(r.isupper() for r in letters) > 0.5 * len(letters):
        return True  # a shouted question: case says nothing, take the title
    # capitalised at the start of a sentence says nothing for one word ("Hope you can help")
    at_start = not before or before.endswith((".", "?", "!", "\n"))
    return not at_start or j - i > 1
