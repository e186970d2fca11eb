"""Near-duplicate passages: one article copying another (an excerpt, a syndicated copy) collapses to one.

A copy would otherwise fill two of the three citations with the same sentence and count twice
when films are ranked. The copy in the longer article is kept, whatever the files are called.
"""

from __future__ import annotations

from .chunking import Chunk
from .text import words

# Word 5-shingle Jaccard at least this, by MinHash with this many permutations
# (copies in the shipped corpus measure >= 0.9; passages about different films < 0.2)
NEAR_DUPLICATE_JACCARD = 0.8
MINHASH_PERMUTATIONS = 64


def shingles(text: str, n: int = 5) -> set[str]:
    ws = words(text)
    return {" ".join(ws[i:i + n]) for i in range(max(1, len(ws) - n + 1))}


def near_duplicates(chunks: list[Chunk], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[int]:
    """For each chunk, the chunk it duplicates (itself if none); the copy in the longer article is kept.

    Candidates come from MinHash LSH over word 5-shingles (Jaccard >= threshold), so it
    scales to large corpora and finds copies whatever the files are called.
    """
    from datasketch import MinHash, MinHashLSH

    n = len(chunks)
    canon = list(range(n))
    if n < 2:
        return canon
    doc_len: dict[str, int] = {}
    for c in chunks:
        doc_len[c.file] = max(doc_len.get(c.file, 0), c.end)
    lsh = MinHashLSH(threshold=threshold, num_perm=MINHASH_PERMUTATIONS)
    hashes = []
    for i, c in enumerate(chunks):
        m = MinHash(num_perm=MINHASH_PERMUTATIONS)
        m.update_batch([s.encode("utf-8") for s in shingles(c.text)])
        hashes.append(m)
        lsh.insert(i, m)
    rank = sorted(range(n), key=lambda x: (-doc_len[chunks[x].file], chunks[x].file, x))
    for i in rank:  # the preferred copies claim their duplicates first
        if canon[i] != i:
            continue
        for j in lsh.query(hashes[i]):
            if j != i and canon[j] == j and hashes[i].jaccard(hashes[j]) >= threshold:
                canon[j] = i
    return canon
