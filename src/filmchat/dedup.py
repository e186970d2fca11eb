"""Near-duplicate passages: one article copying another (an excerpt, a syndicated copy) collapses to one.

A copy would otherwise fill two of the three citations with the same sentence and count twice
when films are ranked. The copy in the longer article is kept, whatever the files are called.

It is a pass over every passage, so a build computes it once and stores it with the index
(``duplicates.npy``, see index.py); the pass itself is numpy over all passages at once
(MinHash signatures and LSH bands), ~1.4 ms per passage with one MinHash object each before.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from .chunking import Chunk
from .text import words

# Word 5-shingle Jaccard at least this, by MinHash with this many permutations
# (copies in the shipped corpus measure >= 0.9; passages about different films < 0.2)
NEAR_DUPLICATE_JACCARD = 0.8
MINHASH_PERMUTATIONS = 64
SHINGLE = 5
# LSH: two passages are compared when one band of BAND_ROWS signature values is equal in both. 5 x 11 is what
# datasketch's MinHashLSH chooses for threshold 0.8 with 64 permutations (false positives and negatives weighed alike).
BANDS, BAND_ROWS = 5, 11
BLOCK = 4096  # passages hashed at once (memory: their shingles x MINHASH_PERMUTATIONS x 8 bytes)


def shingles(text: str, n: int = SHINGLE) -> set[str]:
    ws = words(text)
    return {" ".join(ws[i:i + n]) for i in range(max(1, len(ws) - n + 1))}


_WORD = re.compile(r"[0-9a-z]+")


def _word_hashes(chunks: list[Chunk], cache: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """These passages' words (as ``text.words`` splits them, apostrophes dropped) as 32-bit hashes, end to end,
    and where each passage's words start; ``cache`` remembers each word's hash."""
    flat: list[int] = []
    starts = np.zeros(len(chunks) + 1, np.int64)
    for i, c in enumerate(chunks):
        for w in _WORD.findall(c.text.lower().replace("’", "").replace("'", "")):
            h = cache.get(w)
            if h is None:
                h = cache[w] = zlib.crc32(w.encode("utf-8")) | 1  # 0 pads a passage shorter than a shingle
            flat.append(h)
        starts[i + 1] = len(flat)
    return np.asarray(flat, np.uint32), starts


def signatures(chunks: list[Chunk], permutations: int = MINHASH_PERMUTATIONS, n: int = SHINGLE) -> np.ndarray:
    """(passages, permutations) MinHash signatures of each passage's set of word n-shingles.

    A shingle's hash mixes its n word hashes; each permutation is a random affine map of the 32-bit
    hashes onto themselves (an odd multiplier: a bijection). A passage shorter than n words is one
    shingle, as ``shingles`` makes it.
    """
    rng = np.random.default_rng(1)
    mix = rng.integers(1, 2**32, size=n, dtype=np.uint32) | np.uint32(1)
    a = rng.integers(1, 2**32, size=permutations, dtype=np.uint32) | np.uint32(1)
    b = rng.integers(0, 2**32, size=permutations, dtype=np.uint32)
    out = np.empty((len(chunks), permutations), np.uint32)
    cache: dict[str, int] = {}
    with np.errstate(over="ignore"):
        for s in range(0, len(chunks), BLOCK):
            flat, starts = _word_hashes(chunks[s:s + BLOCK], cache)
            padded = np.concatenate([flat, np.zeros(n, np.uint32)])
            count = np.maximum(1, np.diff(starts) - n + 1)  # shingles per passage
            offsets = np.cumsum(count) - count
            # the first word of every shingle, and how many of its n words are still the passage's
            first = np.repeat(starts[:-1], count) + np.arange(count.sum()) - np.repeat(offsets, count)
            room = np.repeat(starts[1:], count) - first
            h = np.zeros(len(first), np.uint32)
            for k in range(n):  # words past the passage's end count as 0
                h = h * mix[k] + np.where(room > k, padded[first + k], np.uint32(0))
            h ^= h >> np.uint32(15)
            perm = h[:, None] * a
            perm += b
            out[s:s + len(count)] = np.minimum.reduceat(perm, offsets, axis=0)
    return out


def near_duplicates(chunks: list[Chunk], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[int]:
    """For each chunk, the chunk it duplicates (itself if none); the copy in the longer article is kept.

    Candidates are passages whose MinHash signatures (over word 5-shingles) agree on a whole
    LSH band; a candidate is a copy when its estimated Jaccard is at least ``threshold``. Passages
    are taken longest article first: each claims the copies not claimed yet.
    """
    n = len(chunks)
    canon = list(range(n))
    if n < 2:
        return canon
    sig = signatures(chunks)
    neighbours: dict[int, set[int]] = {}
    weights = np.random.default_rng(2).integers(1, 2**63, size=BAND_ROWS, dtype=np.uint64)
    for band in range(BANDS):
        with np.errstate(over="ignore"):
            key = (sig[:, band * BAND_ROWS:(band + 1) * BAND_ROWS].astype(np.uint64) * weights).sum(axis=1)
        order = np.argsort(key, kind="stable")
        k = key[order]
        same = np.flatnonzero(k[1:] == k[:-1])  # positions in order whose key equals the next one's
        if not len(same):
            continue
        # runs of equal keys: each a group of candidates
        breaks = np.flatnonzero(np.diff(same) != 1)
        for lo, hi in zip(np.concatenate([[0], breaks + 1]), np.concatenate([breaks, [len(same) - 1]])):
            group = order[same[lo]:same[hi] + 2].tolist()
            for i in group:
                neighbours.setdefault(i, set()).update(group)
    if not neighbours:
        return canon
    doc_len: dict[str, int] = {}
    for c in chunks:
        doc_len[c.file] = max(doc_len.get(c.file, 0), c.end)
    for i in sorted(neighbours, key=lambda x: (-doc_len[chunks[x].file], chunks[x].file, x)):
        if canon[i] != i:  # the preferred copies claim their duplicates first
            continue
        for j in sorted(neighbours[i]):
            if j != i and canon[j] == j and float(np.mean(sig[i] == sig[j])) >= threshold:
                canon[j] = i
    return canon


def stored_or_computed(index) -> list[int]:
    """The index's near-duplicates as its build stored them, else computed now (an index store that keeps none)."""
    stored = getattr(index, "duplicate_of", None)
    return np.asarray(stored).tolist() if stored is not None else near_duplicates(index.chunks)
