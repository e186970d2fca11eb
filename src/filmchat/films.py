"""Films as the answer's unit: one film however many articles (and title spellings) discuss it.

The catalog is built from the chunks' film labels, so it knows exactly the films the
corpus discusses, and finds their titles in a question, exactly or fuzzily
("miracle cell 7" is Miracle in Cell No. 7).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .chunking import Chunk, norm_key

SMALL_WORDS = {"a", "an", "the", "of", "in", "no", "to", "and", "with", "my", "is", "on", "at", "for", "you"}


def words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z]+", text.casefold().replace("’", "").replace("'", ""))


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
        self.first_seen: dict[str, int] = {}
        for i, c in enumerate(chunks):
            if not c.film:
                continue
            k = norm_key(c.film)
            if not k:
                continue
            variants[k][c.film] += 1
            self.chunk_ids[k].append(i)
            self.first_seen.setdefault(k, i)
        # the spelling most articles use; ties go to the one with more capitals ("Train To Busan" = "Train to Busan")
        self.names = {k: max(v, key=lambda t: (v[t], -sum(ch.isupper() for ch in t), t)) for k, v in variants.items()}
        self._title_words = {k: words(n) for k, n in self.names.items()}

    def key(self, film: str | None) -> str | None:
        return norm_key(film) if film else None

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def __contains__(self, key: str) -> bool:
        return key in self.names

    def __len__(self) -> int:
        return len(self.names)

    def match(self, question: str) -> list[TitleMatch]:
        """Films named in the question, longest title first; overlapping shorter titles are dropped."""
        from rapidfuzz import fuzz

        q = words(question)
        found: list[TitleMatch] = []
        for key, tw in self._title_words.items():
            if not tw:
                continue
            n = len(tw)
            exact = next((i for i in range(len(q) - n + 1) if q[i:i + n] == tw), None)
            if exact is not None:
                found.append(TitleMatch(key, True, (exact, exact + n)))
                continue
            # fuzzy: every significant title word present (typos allowed), in a window of the question
            sig = [w for w in tw if w not in SMALL_WORDS]
            if len(sig) < 2 or len(q) < len(sig):
                continue
            pos = []
            for w in sig:
                best = max(range(len(q)), key=lambda i: fuzz.ratio(w, q[i]))
                if fuzz.ratio(w, q[best]) < (100 if len(w) <= 3 else 80):
                    break
                pos.append(best)
            else:
                if max(pos) - min(pos) <= n + 1:
                    found.append(TitleMatch(key, False, (min(pos), max(pos) + 1)))
        found.sort(key=lambda m: (-(m.span[1] - m.span[0]), not m.exact))
        kept: list[TitleMatch] = []
        for m in found:  # "My Annoying Brother" wins over a film called "Brother" inside it
            if all(m.span[1] <= k.span[0] or m.span[0] >= k.span[1] for k in kept):
                kept.append(m)
        return kept
