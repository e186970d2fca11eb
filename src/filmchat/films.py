"""Films as the answer's unit: one film however many articles (and title spellings) discuss it.

The catalog is built from the chunks' film labels, so it knows exactly the films the
corpus discusses, and finds their titles in a question, exactly or fuzzily
("miracle cell 7" is Miracle in Cell No. 7). What it needs from every passage (each
passage's film, each film's name and title words, each list's introductions) is one pass
over the chunks, ``film_table``, which a build stores with the index (tables.py).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .chunking import Chunk
from .text import DESCRIBES, QUESTION_WORDS, SMALL_WORDS, YEAR, is_ordinary, norm_key, word_tokens, words

NEAR = 80  # rapidfuzz ratio of a typed word to a title word it may stand for ("miracle cel 7")
FOUR_LETTERS = 75  # the ratio of one letter changed in four ("then" for "than")
KEYS_REMEMBERED = 1_000_000  # film labels whose key is kept (memory: ~100 bytes each)
NEAR_REMEMBERED = 50_000  # question words whose near title words are kept (a fuzzy pass over every title word each)
# Words before a title that say it is used as one: "the film Hope", "a movie called Always".
# what separates the titles of a list ("Hope, Daisy or Silenced", "Hope vs. Daisy", "Hope/Daisy")
LIST_GAP = re.compile(r"\s*(?:[,;/&]|\bor\b|\band\b|\bvs\b\.?|\bversus\b)\s*(?:\bor\b|\band\b)?\s*", re.I)
# the words before a title that switch the conversation to it ("what about hello ghost", "ok and silenced?"),
# and the question that asks what a film is about ("what's hope about?")
SWITCH = re.compile(r"(?:(?:ok|okay|so|and|but|then|hmm|oh|now|actually|nvm|never mind|wait|well|alright|cool|thanks) )*"
                    r"(?:what about|how about|what of|and|now)")  # "ok now hello ghost", "actually nvm what about my father"
ABOUT_WHAT = re.compile(r"(?:(?:ok|okay|so|and|but|then) )*(?:whats|what is|what was)")
OR_GAP = re.compile(r"\s*(?:,\s*or|,|\bor\b|\bvs\b\.?|\bversus\b|/)\s*", re.I)  # alternatives, not "X and Y"
# a title, then what it is: "hope, the one about …", "always, the korean one with the boxer"
APPOSITIVE = re.compile(r"\s*[,(–—-]\s*(?:the|that) (?:[\w-]+ ){0,2}?(?:one|film|movie)\b", re.I)
# what may follow a title offered after a comma at the question's end ("any other sad ones, be with you maybe?")
OFFERED_LAST = re.compile(r"\W*(?:(?:maybe|perhaps|i think|i guess|right|or something|or so)\W*)?", re.I)
# words that ask, right after a title that opens a sentence ("the attorney who plays the lead"), or name the
# film as a work ("be with you remake - who directed it", "hope movie cast", "always ending explained")
TOPIC_THEN_ASK = {"whats", "what", "who", "whos", "when", "how", "hows", "where", "which", "cast", "director",
                  "runtime", "release", "plot", "trailer",
                  "movie", "film", "remake", "version", "sequel", "ending", "ost", "soundtrack", "review"}
DIRECT_VERBS = {"direct", "directed", "directs"}  # "did park jin pyo direct hope?": what follows is a film
# what a question asks of a film it opens with: "is hope any good?", "be with you korean version worth watching?",
# "is spirits homecoming like that too?"
WORTH = re.compile(r"^\s*(?:[\w'’]+\s+){0,2}?(?:any good|worth (?:watching|seeing|it|a watch)|"
                   r"like (?:that|this|it|those|these|the other)|similar to|as (?:sad|good|dark|heavy|bad) as)\b", re.I)
# a verb that makes an opening title the subject of a sentence ("silenced looks heavy", "hope was brutal")
SUBJECT_OF = {"was", "looks", "looked", "seems", "seemed", "sounds", "sounded"}
SUBJECTS = {"i", "we", "you", "they", "ill", "id", "youll", "well"}  # before a word, make it a verb ("i hope …")
TITLE_CUES = {"film", "films", "movie", "movies", "called", "titled", "named", "watch", "watched", "saw", "seen",
              "besides", "except", "excluding",  # "which films came out in 2013 except hope"
              "meant"}  # "nah wait, i meant my anoying brother"
# Words that may surround a title in a question that asks only about that film: "tell me about hope",
# "hope?", "who directed hope?", "how long is always" (but not "I hope to find a film about a boxer").
BARE_TITLE_WORDS = QUESTION_WORDS | set(
    "tell about info information describe summarize summarise details know plot synopsis directed direct director "
    "directors release released come came out premiere premiered long runtime running time length minutes cast star "
    "stars starring starred plays played actor actors actress year date "
    "true based real right really "  # "is marathon also a true story?", "what's the runtime on hope"
    "so and then but also well".split())  # "ok how long is harmony": "ok", "hmm", "actually" are question words


@dataclass(frozen=True)
class TitleMatch:
    """A film named in a question; ``exact`` when the whole title appears as written."""

    key: str
    exact: bool
    span: tuple[int, int]  # word positions in the question, to strip the title from content words


class FilmCatalog:
    """Canonical names, chunk positions and title matching for every film in the index."""

    def __init__(self, chunks: list[Chunk], table: FilmTable | None = None):
        """``table``: ``film_table(chunks)`` as a build stored it (made now when None)."""
        self.table = table = table or film_table(chunks)
        self.names = dict(zip(table.keys, table.names))  # in the order the corpus first mentions them
        order = np.argsort(table.film_of, kind="stable")
        bounds = np.searchsorted(table.film_of[order], np.arange(len(table.keys) + 1))  # film -1 (none) left out
        self.chunk_ids: Mapping[str, list[int]] = Groups(table.keys, order, bounds)
        self.intros: Mapping[int, list[int]] = Groups(table.intros.tolist(), table.intro_films, table.intro_bounds)
        self._keys: dict[str, str] = {}  # each film label's key, normalised once (not once per passage)
        self._title_words = dict(zip(table.keys, table.title_words))
        self.ordinary = {k for k, o in zip(table.keys, table.ordinary) if o}
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
        return _key(film, self._keys)

    def chunk_keys(self) -> list[str | None]:
        """Each chunk's film key (None for none), as ``key(chunk.film)`` gives it."""
        keys = [*self.table.keys, None]  # film number -1: the last
        return [keys[n] for n in self.table.film_of.tolist()]

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
                found = process.extract(w, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FOUR_LETTERS, limit=None)
                self._near[w] = tuple(v for v, score, _ in found if near_enough(v, score))
            near.update(self._near[w])
        count: dict[str, int] = defaultdict(int)
        for v in near:
            for k in self._by_word[v]:
                count[k] += 1
        keys = [k for k, c in count.items() if c == self._needs[k]] + self._always
        return sorted(keys, key=self._order.__getitem__)

    def title_words(self, key: str) -> list[str]:
        return self._title_words.get(key, [])

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
        unused: list[TitleMatch] = []  # everyday-word titles not written as titles: may still be one of a list
        for key in self._candidates(q):
            tw = self._title_words[key]
            if not tw:
                continue
            n = len(tw)
            at = [i for i in range(len(q) - n + 1) if q[i:i + n] == tw]
            exact = next((i for i in at if loose or key not in self.ordinary or used_as_title(question, toks, i, i + n)), None)
            if exact is not None:
                found.append(TitleMatch(key, True, (exact, exact + n)))
                continue
            unused += [TitleMatch(key, True, (i, i + n)) for i in at]
            # fuzzy: every significant title word present (typos allowed), in a window of the question
            sig = [w for w in tw if w not in SMALL_WORDS]
            if len(sig) < 2 or len(q) < len(sig):
                continue
            pos = []
            for w in sig:
                _, score, best = process.extractOne(w, q, scorer=fuzz.ratio)
                if not near_enough(w, score):
                    break
                pos.append(best)
            else:
                span = (min(pos), max(pos) + 1)
                lead = tw[:tw.index(sig[0])]  # the small words a title opens with: "i meant my anoying brother"
                if lead and q[max(0, span[0] - len(lead)):span[0]] == lead:
                    span = (span[0] - len(lead), span[1])
                if span[1] - span[0] <= n + 1 and (loose or key not in self.ordinary or used_as_title(question, toks, *span)):
                    found.append(TitleMatch(key, False, span))
                elif span[1] - span[0] <= n + 1:
                    unused.append(TitleMatch(key, False, span))
        paired = [u for u in unused if any(_listed_with(question, toks, u.span, v.span, OR_GAP) for v in unused if v != u)]
        found += paired  # "alpha road or gamma sea": two everyday-word titles offered as alternatives
        unused = [u for u in unused if u not in paired]
        while (listed := [u for u in unused if any(_listed_with(question, toks, u.span, m.span) for m in found)]):
            found += listed  # "way back home, spirits homecoming and miracle in cell 7": a list of titles
            unused = [u for u in unused if u not in listed]
        found.sort(key=lambda m: (-(m.span[1] - m.span[0]), not m.exact))
        kept: list[TitleMatch] = []
        for m in found:  # "My Annoying Brother" wins over a film called "Brother" inside it
            if all(m.span[1] <= k.span[0] or m.span[0] >= k.span[1] for k in kept):
                kept.append(m)
        return kept


def _key(film: str | None, memo: dict[str, str]) -> str | None:
    if not film:
        return None
    k = memo.get(film)
    if k is None:
        k = norm_key(film)
        if len(memo) < KEYS_REMEMBERED:
            memo[film] = k
    return k


class Groups(Mapping):
    """Lists of positions by key, kept as one array: key n's are ``flat[bounds[n]:bounds[n + 1]]`` (no list per
    film made at start-up; a look-up makes the one it needs)."""

    def __init__(self, keys: list, flat: np.ndarray, bounds: np.ndarray):
        self._row = {k: n for n, k in enumerate(keys)}
        self._flat, self._bounds = flat, bounds

    def __getitem__(self, key) -> list[int]:
        n = self._row[key]
        return self._flat[self._bounds[n]:self._bounds[n + 1]].tolist()

    def __contains__(self, key) -> bool:
        return key in self._row

    def __iter__(self):
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


@dataclass
class FilmTable:
    """What the film catalog needs from every passage, in one pass over the chunks (``film_table``).

    A build stores it with the index (tables.py): made at start-up it takes seconds at a million passages.
    """

    keys: list[str]  # every film's key, in the order the corpus first mentions them
    names: list[str]  # the spelling most articles use
    title_words: list[list[str]]  # words(name)
    ordinary: list[bool]  # ordinary_title(title words)
    film_of: np.ndarray  # int32, per chunk: its film's position in keys, -1 for none
    intros: np.ndarray  # int32: the introduction chunks of lists (``list_intros``)
    intro_bounds: np.ndarray  # int64, len(intros) + 1: intro n vouches for intro_films[intro_bounds[n]:intro_bounds[n + 1]]
    intro_films: np.ndarray  # int32 chunk positions (every passage of every film the list's article has)


def film_table(chunks: list[Chunk]) -> FilmTable:
    """Each chunk's film (its label's key), each film's most used spelling, and the lists' introductions."""
    variants: dict[str, Counter] = {}  # key -> its spellings, in the order the corpus first mentions them
    number: dict[str, int] = {}
    memo: dict[str, str] = {}
    film_of = np.full(len(chunks), -1, np.int32)
    for i, c in enumerate(chunks):
        k = _key(c.film, memo)
        if not k:
            continue
        if k not in number:
            number[k], variants[k] = len(number), Counter()
        variants[k][c.film] += 1
        film_of[i] = number[k]
    keys = list(variants)
    # the spelling most articles use; ties go to the one with more capitals ("Train To Busan" = "Train to Busan")
    names = [max(v, key=lambda t: (v[t], -sum(ch.isupper() for ch in t), t)) for v in variants.values()]
    title_words = [words(n) for n in names]
    intro_of = list_intros(chunks, [keys[n] if n >= 0 else None for n in film_of.tolist()])
    lists = list(intro_of.values())
    return FilmTable(keys, names, title_words, [ordinary_title(tw) for tw in title_words], film_of,
                     np.fromiter(intro_of, np.int32, len(intro_of)),
                     np.cumsum([0] + [len(ids) for ids in lists], dtype=np.int64),
                     np.fromiter((i for ids in lists for i in ids), np.int32))


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


def near_enough(title_word: str, score: float) -> bool:
    """Whether a question word this close (rapidfuzz ratio) may stand for a title word: exact for three letters or
    fewer, one letter changed for four ("more then blue"), else ``NEAR`` (a typo or two in a longer word)."""
    return score >= (100 if len(title_word) <= 3 else FOUR_LETTERS if len(title_word) == 4 else NEAR)


def ordinary_title(title_words: list[str]) -> bool:
    """A short title made only of everyday words, which a question can contain by chance ("hope", "my father")."""
    sig = [w for w in title_words if w not in SMALL_WORDS]
    return 0 < len(sig) <= 2 and len(title_words) <= 3 and all(is_ordinary(w) for w in sig)


def _sentence_start(text: str, at: int) -> int:
    return max(text.rfind(c, 0, at) for c in ".?!\n") + 1


def _sentence_end(text: str, at: int) -> int:
    return min((i for i in (text.find(c, at) for c in ".?!\n") if i >= 0), default=len(text))


def _listed_with(text: str, toks, a: tuple[int, int], b: tuple[int, int], gap: re.Pattern | None = None) -> bool:
    """Whether two titles stand side by side in a list ("X, Y or Z", "X vs Y", "X and Y"): only a comma, "and",
    "or", "vs" or a slash between them."""
    if a[1] <= b[0]:
        between = text[toks[a[1] - 1][3]:toks[b[0]][2]]
    elif b[1] <= a[0]:
        between = text[toks[b[1] - 1][3]:toks[a[0]][2]]
    else:
        return False
    return bool((gap or LIST_GAP).fullmatch(between))


def used_as_title(text: str, toks: list[tuple[str, str, int, int]], i: int, j: int) -> bool:
    """Whether words i..j of the question are written as a title rather than as ordinary words."""
    before = text[:toks[i][2]].rstrip()
    if before.endswith(("“", '"', "‘", "'", "*", "_")):  # quoted or emphasised
        return True
    if i > 0 and toks[i - 1][0] in TITLE_CUES:
        return True
    if i > 0 and toks[i - 1][0] in SUBJECTS:
        return False  # "i hope it is true": a verb
    opening = " ".join(t[0] for t in toks[:i] if t[2] >= _sentence_start(text, toks[i][2]))
    stop = _sentence_end(text, toks[j - 1][3])
    after = " ".join(t[0] for t in toks[j:] if t[3] <= stop)  # in the title's sentence: "whats silenced about? heard …"
    ends = text[toks[j - 1][3]:].lstrip()[:1] in ("", ",", "?", ".", "!", ";")
    if (SWITCH.fullmatch(opening) and ends) or (ABOUT_WHAT.fullmatch(opening) and after == "about"):
        return True  # "what about hello ghost?", "ok and silenced?", "what's hope about?"
    last = not re.search(r"\w", text[toks[j - 1][3]:])
    # closing the question after "in" or "direct": "who plays the dad in my son?", "is X in hope?" (one word only
    # where no film is described: "a film where the brothers live in harmony" is no title)
    if i > 0 and toks[i - 1][0] in ("in", *DIRECT_VERBS) and (ends and j - i > 1 or last and not DESCRIBES.search(text)):
        return True
    if before.endswith((",", ":")) and OFFERED_LAST.fullmatch(text[toks[j - 1][3]:]):
        return True  # offered after a comma to close the question: "whats the other autism one, marathon?"
    if APPOSITIVE.match(text[toks[j - 1][3]:]):
        return True  # "who directed hope, the one about the little girl?"
    if opening in ("", "is", "was") and WORTH.match(text[toks[j - 1][3]:]):
        return True  # "is hope any good?", "be with you korean version any good?"
    if not opening and j < len(toks) and (toks[j][0] in TOPIC_THEN_ASK or toks[j][0] in SUBJECT_OF):
        return True  # the title, then what is asked of it or said of it: "hope cast?", "silenced looks heavy"
    if all(w in BARE_TITLE_WORDS or YEAR.fullmatch(w) for k, (w, *_rest) in enumerate(toks) if not i <= k < j):
        return True  # the question is only the title (and its year): "Hope?", "tell me about hope", "daisy 2006?"
    raw = [t[1] for t in toks[i:j] if t[0] not in SMALL_WORDS or t is toks[i]]
    if not all(r[0].isupper() or r[0].isdigit() for r in raw):
        return False
    letters = [t[1] for t in toks if t[1][0].isalpha() and len(t[1]) > 1]
    if letters and sum(r.isupper() for r in letters) > 0.5 * len(letters):
        return True  # a shouted question: case says nothing, take the title
    # capitalised at the start of a sentence says nothing for one word ("Hope you can help")
    at_start = not before or before.endswith((".", "?", "!", "\n"))
    return not at_start or j - i > 1
